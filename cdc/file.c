/* cdc/file.c - see file.h. */
#include "file.h"

#include "binlog.h"
#include "bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOW ((size_t)1 << 20)

static int open_error(struct cdc_file *f, int e, struct fc_err *err)
{
	return fc_errf(err, e == ENOENT ? FC_ENOTFOUND : FC_EIO, "binlog '%s': cannot open: %s",
	               f->path, strerror(e ? e : EIO));
}

/* Makes at least need bytes available from win_at (fewer at the end of the
 * file). Returns how many are available, or -1 with errno set. */
static ssize_t fill(struct cdc_file *f, size_t need)
{
	size_t have = f->win_len - f->win_at;

	if (have >= need)
		return (ssize_t)have;
	if (f->win_at) {
		memmove(f->win, f->win + f->win_at, have);
		f->win_at = 0;
		f->win_len = have;
	}
	if (need > f->win_cap) {
		char *w = realloc(f->win, need);
		if (!w) {
			errno = ENOMEM;
			return -1;
		}
		f->win = w;
		f->win_cap = need;
	}
	while (f->win_len < need) {
		ssize_t n = read(f->fd, f->win + f->win_len, f->win_cap - f->win_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		f->win_len += (size_t)n;
	}
	return (ssize_t)f->win_len;
}

int cdc_file_open(struct cdc_file *f, const char *path, struct fc_err *err)
{
	unsigned char magic[4];
	int got;

	memset(f, 0, sizeof *f);
	f->path = path;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return open_error(f, errno, err);
	if (!(f->win = malloc(WINDOW))) {
		cdc_file_close(f);
		return fc_errf(err, FC_ENOMEM, "binlog '%s': out of memory", path);
	}
	f->win_cap = WINDOW;
	if (fill(f, 4) < 0) {
		int e = errno;
		cdc_file_close(f);
		return open_error(f, e, err);
	}
	if (f->win_len >= 2 && (unsigned char)f->win[0] == 0x1f && (unsigned char)f->win[1] == 0x8b) {
		/* gzip: zlib reads the file from the start */
		int fd = f->fd;
		f->fd = -1;
		free(f->win);
		f->win = NULL;
		f->win_cap = f->win_at = f->win_len = 0;
		if (lseek(fd, 0, SEEK_SET) != 0 || !(f->gz = gzdopen(fd, "rb"))) {
			int e = errno;
			close(fd);
			cdc_file_close(f);
			return open_error(f, e, err);
		}
		fc_buf_init(&f->buf, CDC_MAX_EVENT + 1);
		gzbuffer(f->gz, 1 << 17);
		got = gzread(f->gz, magic, 4);
	} else {
		got = (int)(f->win_len < 4 ? f->win_len : 4);
		memcpy(magic, f->win, (size_t)got);
		f->win_at = (size_t)got;
	}
	if (got != 4 || memcmp(magic, CDC_BINLOG_MAGIC, 4) != 0) {
		cdc_file_close(f);
		return fc_errf(err, FC_ECORRUPT, "binlog '%s': not a binlog file (no 0xfe'bin' magic at "
		               "offset 0)", path);
	}
	f->pos = 4;
	return 0;
}

static int bad_size(struct cdc_file *f, uint32_t size, struct fc_err *err)
{
	return fc_errf(err, FC_ECORRUPT, "binlog '%s' at %llu: bad event size %u", f->path,
	               (unsigned long long)f->pos, size);
}

static int truncated(struct cdc_file *f, const uint8_t *head, size_t got, uint32_t size,
                     struct fc_err *err)
{
	return fc_errf(err, FC_ECORRUPT, "binlog '%s' at %llu: truncated %s event (%zu of %u bytes)",
	               f->path, (unsigned long long)f->pos, cdc_event_name(head[4]), got, size);
}

static int next_plain(struct cdc_file *f, struct fc_err *err)
{
	const uint8_t *head;
	ssize_t have = fill(f, CDC_HEADER_LEN);
	uint32_t size;

	if (have < 0)
		return fc_errf(err, FC_EIO, "binlog '%s' at %llu: read error: %s", f->path,
		               (unsigned long long)f->pos, strerror(errno));
	if (have == 0)
		return 0;
	if (have < CDC_HEADER_LEN)
		return fc_errf(err, FC_ECORRUPT, "binlog '%s' at %llu: truncated event header (%zd of 19 "
		               "bytes)", f->path, (unsigned long long)f->pos, have);
	head = (const uint8_t *)f->win + f->win_at;
	size = cdc_le32(head + 9);
	if (size < CDC_HEADER_LEN || size > CDC_MAX_EVENT)
		return bad_size(f, size, err);
	have = fill(f, size);
	if (have < 0)
		return fc_errf(err, FC_EIO, "binlog '%s' at %llu: read error: %s", f->path,
		               (unsigned long long)f->pos, strerror(errno));
	head = (const uint8_t *)f->win + f->win_at;
	if ((size_t)have < size)
		return truncated(f, head, (size_t)have, size, err);
	f->ev = head;
	f->ev_len = size;
	f->win_at += size;
	return 1;
}

static int next_gz(struct cdc_file *f, struct fc_err *err)
{
	uint8_t head[CDC_HEADER_LEN];
	uint32_t size;
	int got, rc;

	got = gzread(f->gz, head, CDC_HEADER_LEN);
	if (got == 0)
		return 0;
	if (got < 0) {
		int zerr;
		const char *msg = gzerror(f->gz, &zerr);
		return fc_errf(err, FC_EIO, "binlog '%s' at %llu: read error: %s", f->path,
		               (unsigned long long)f->pos, msg);
	}
	if (got < CDC_HEADER_LEN)
		return fc_errf(err, FC_ECORRUPT, "binlog '%s' at %llu: truncated event header (%d of 19 "
		               "bytes)", f->path, (unsigned long long)f->pos, got);
	size = cdc_le32(head + 9);
	if (size < CDC_HEADER_LEN || size > CDC_MAX_EVENT)
		return bad_size(f, size, err);
	fc_buf_reset(&f->buf);
	if ((rc = fc_buf_append(&f->buf, head, CDC_HEADER_LEN)) ||
	    (rc = fc_buf_reserve(&f->buf, size - CDC_HEADER_LEN)))
		return fc_errf(err, FC_ENOMEM, "binlog '%s' at %llu: out of memory for a %u-byte event",
		               f->path, (unsigned long long)f->pos, size);
	got = gzread(f->gz, f->buf.ptr + CDC_HEADER_LEN, size - CDC_HEADER_LEN);
	if (got < 0 || (uint32_t)got != size - CDC_HEADER_LEN)
		return truncated(f, head, got < 0 ? 0 : (size_t)got + CDC_HEADER_LEN, size, err);
	f->buf.len = size;
	f->ev = (const uint8_t *)f->buf.ptr;
	f->ev_len = size;
	return 1;
}

int cdc_file_next(struct cdc_file *f, uint64_t *pos, struct fc_err *err)
{
	int rc = f->gz ? next_gz(f, err) : next_plain(f, err);

	if (rc == 1) {
		*pos = f->pos;
		f->pos += f->ev_len;
	}
	return rc;
}

void cdc_file_close(struct cdc_file *f)
{
	if (f->gz)
		gzclose(f->gz);   /* closes the descriptor too */
	else if (f->fd >= 0)
		close(f->fd);
	f->gz = NULL;
	f->fd = -1;
	free(f->win);
	f->win = NULL;
	f->win_cap = f->win_at = f->win_len = 0;
	fc_buf_release(&f->buf);
}
