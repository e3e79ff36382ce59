/* cdc/jsonl.c - see jsonl.h. */
#include "jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FLUSH_AT (64 * 1024)

static int write_all(struct cdc_jsonl *j, struct fc_err *err)
{
	size_t off = 0;
	while (off < j->buf.len) {
		ssize_t n = write(j->fd, j->buf.ptr + off, j->buf.len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fc_errf(err, FC_EIO, "writing events to %s: %s", j->path, strerror(errno));
		}
		off += (size_t)n;
	}
	j->size += (long long)j->buf.len;
	fc_buf_reset(&j->buf);
	return 0;
}

static int on_event(void *ctx, const char *json, size_t len, struct fc_err *err)
{
	struct cdc_jsonl *j = ctx;
	if (fc_buf_append(&j->buf, json, len) || fc_buf_putc(&j->buf, '\n'))
		return fc_errf(err, FC_ENOMEM, "out of memory buffering events");
	if (j->buf.len >= FLUSH_AT) {
		j->tx_flushed = true;
		return write_all(j, err);
	}
	return 0;
}

static int on_commit(void *ctx, const struct cdc_pos *next, uint32_t ts, struct fc_err *err)
{
	struct cdc_jsonl *j = ctx;
	int rc = write_all(j, err);
	if (rc)
		return rc;
	if (j->is_file && fsync(j->fd) != 0)
		return fc_errf(err, FC_EIO, "fsync %s: %s", j->path, strerror(errno));
	j->tx_start = j->size;
	j->tx_flushed = false;
	if (j->checkpoint) {
		struct cdc_checkpoint cp;
		memset(&cp, 0, sizeof cp);
		cp.pos = *next;
		cp.ts = ts;
		cp.sink_offset = j->is_file ? j->size : -1;
		return cdc_checkpoint_write(j->checkpoint, &cp, err);
	}
	return 0;
}

static int on_rollback(void *ctx, struct fc_err *err)
{
	struct cdc_jsonl *j = ctx;
	fc_buf_reset(&j->buf);
	if (!j->tx_flushed)
		return 0;
	if (!j->is_file)
		return fc_errf(err, FC_EIO, "a rolled-back transaction's events were already written "
		               "to %s (a pipe cannot take them back)", j->path);
	if (ftruncate(j->fd, j->tx_start) != 0 || lseek(j->fd, j->tx_start, SEEK_SET) < 0)
		return fc_errf(err, FC_EIO, "cutting %s back: %s", j->path, strerror(errno));
	j->size = j->tx_start;
	j->tx_flushed = false;
	return 0;
}

void cdc_jsonl_sink(struct cdc_jsonl *j, struct cdc_sink *sink)
{
	memset(sink, 0, sizeof *sink);
	sink->ctx = j;
	sink->event = on_event;
	sink->commit = on_commit;
	sink->rollback = on_rollback;
}

int cdc_jsonl_open(struct cdc_jsonl *j, const char *path, const char *checkpoint,
                   struct cdc_pos *resume, bool *have_resume, struct fc_err *err)
{
	struct cdc_checkpoint cp;
	struct stat st;
	int rc;

	memset(j, 0, sizeof *j);
	fc_buf_init(&j->buf, 0);
	j->path = strcmp(path, "-") == 0 ? "stdout" : path;
	j->checkpoint = checkpoint;
	*have_resume = false;
	if (checkpoint) {
		rc = cdc_checkpoint_read(checkpoint, &cp, err);
		if (rc && rc != -FC_ENOTFOUND)
			return rc;
		if (rc == 0) {
			*resume = cp.pos;
			*have_resume = true;
		}
	}
	if (strcmp(path, "-") == 0) {
		j->fd = 1;
	} else {
		j->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (j->fd < 0)
			return fc_errf(err, FC_EIO, "events file '%s': %s", path, strerror(errno));
	}
	j->is_file = fstat(j->fd, &st) == 0 && S_ISREG(st.st_mode);
	if (j->is_file) {
		long long keep = st.st_size;
		if (*have_resume && cp.sink_offset >= 0) {
			if (cp.sink_offset > st.st_size)
				return fc_errf(err, FC_ECORRUPT, "events file '%s' has %lld bytes, its checkpoint "
				               "'%s' says %lld were written: not the file this checkpoint belongs "
				               "to", j->path, (long long)st.st_size, checkpoint, cp.sink_offset);
			keep = cp.sink_offset;
		}
		/* cut off a transaction a crash left half-written */
		if (keep < st.st_size && ftruncate(j->fd, keep) != 0)
			return fc_errf(err, FC_EIO, "events file '%s': %s", j->path, strerror(errno));
		if (lseek(j->fd, keep, SEEK_SET) < 0)
			return fc_errf(err, FC_EIO, "events file '%s': %s", j->path, strerror(errno));
		j->size = keep;
		j->tx_start = keep;
	}
	return 0;
}

void cdc_jsonl_close(struct cdc_jsonl *j)
{
	if (j->fd > 2)
		close(j->fd);
	fc_buf_release(&j->buf);
	j->fd = -1;
}
