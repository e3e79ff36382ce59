/* cdc/file.h - reading binlog files with our own framing.
 *
 * A file is the 4-byte magic (0xfe 'b' 'i' 'n') then events, each framed
 * by its 19-byte header's event_size (binlog.h). Plain files are read in
 * 1 MiB blocks and each event is handed out where it lies in the block (no
 * copy; an event longer than the block grows it). gzip-compressed files
 * (recognised by their magic) are read through zlib into f->buf. Every
 * failure names the file and the byte offset of the event that failed: a
 * truncated or corrupt file gives an error, never a hang or unbounded
 * memory (events over CDC_MAX_EVENT are refused). */
#ifndef CDC_FILE_H
#define CDC_FILE_H

#include "../lib/buf.h"
#include "../lib/err.h"

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

struct cdc_file {
	const char *path;          /* as given; not owned */
	gzFile gz;                 /* gzip files */
	int fd;                    /* plain files, else -1 */
	char *win;                 /* plain files: the block read */
	size_t win_cap, win_at, win_len;   /* bytes [win_at, win_len) not handed out yet */
	uint64_t pos;              /* offset of the next event */
	struct fc_buf buf;         /* gzip files: the event last read */
	const uint8_t *ev;         /* the event last read (in buf or win) */
	size_t ev_len;
};

/* Opens path and checks the magic. */
int cdc_file_open(struct cdc_file *f, const char *path, struct fc_err *err);

/* Reads the next whole event: f->ev, f->ev_len, valid until the next call.
 * Returns 1 with *pos = its offset, 0 at a clean end of file, negative on
 * errors ("binlog 'x' at 1784: ..."). */
int cdc_file_next(struct cdc_file *f, uint64_t *pos, struct fc_err *err);

void cdc_file_close(struct cdc_file *f);

#endif
