/* cdc/jsonl.h - the JSON-lines sink: one event per line, to stdout or a
 * file, with the checkpoint written only after the sink has the events.
 *
 * File: events are appended (buffered up to 64 KiB, so a big transaction
 * never sits in memory); at each commit the buffer is written and fsynced,
 * then the checkpoint records the binlog position and the file's size. On
 * a restart the file is cut back to that size before streaming resumes at
 * that position, so every event is in the file exactly once, even after a
 * crash in the middle of a transaction. A ROLLBACK cuts the file back to
 * where the transaction began.
 * stdout: the same, without cutting back (a pipe cannot take back what it
 * sent): after a crash the consumer may see the last transaction's events
 * again, with the same ids. */
#ifndef CDC_JSONL_H
#define CDC_JSONL_H

#include "../lib/buf.h"
#include "../lib/err.h"
#include "checkpoint.h"
#include "events.h"

#include <stdbool.h>

struct cdc_jsonl {
	int fd;
	bool is_file;
	const char *path;          /* for messages */
	const char *checkpoint;    /* NULL: none */
	long long tx_start;        /* file offset where the transaction began */
	long long size;            /* bytes written to the file so far */
	bool tx_flushed;           /* part of the transaction already left the buffer */
	struct fc_buf buf;
};

/* Opens the sink ("-": stdout). With a checkpoint that exists, *resume is
 * set to its position and (file sinks) the file is cut back to the
 * checkpoint's size; *have_resume says whether there was one. */
int cdc_jsonl_open(struct cdc_jsonl *j, const char *path, const char *checkpoint,
                   struct cdc_pos *resume, bool *have_resume, struct fc_err *err);
void cdc_jsonl_close(struct cdc_jsonl *j);

/* The sink interface for the mapper. */
void cdc_jsonl_sink(struct cdc_jsonl *j, struct cdc_sink *sink);

#endif
