/* cdc/file.c - see file.h. */
#include "file.h"

#include "binlog.h"
#include "bytes.h"

#include <errno.h>
#include <string.h>

int cdc_file_open(struct cdc_file *f, const char *path, struct fc_err *err)
{
	unsigned char magic[4];
	int got;

	memset(f, 0, sizeof *f);
	f->path = path;
	fc_buf_init(&f->buf, CDC_MAX_EVENT + 1);
	f->gz = gzopen(path, "rb");
	if (!f->gz)
		return fc_errf(err, errno == ENOENT ? FC_ENOTFOUND : FC_EIO, "binlog '%s': cannot open: %s",
		               path, strerror(errno ? errno : EIO));
	gzbuffer(f->gz, 1 << 17);
	got = gzread(f->gz, magic, 4);
	if (got != 4 || memcmp(magic, CDC_BINLOG_MAGIC, 4) != 0) {
		cdc_file_close(f);
		return fc_errf(err, FC_ECORRUPT, "binlog '%s': not a binlog file (no 0xfe'bin' magic at "
		               "offset 0)", path);
	}
	f->pos = 4;
	return 0;
}

int cdc_file_next(struct cdc_file *f, uint64_t *pos, struct fc_err *err)
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
		return fc_errf(err, FC_ECORRUPT, "binlog '%s' at %llu: bad event size %u", f->path,
		               (unsigned long long)f->pos, size);
	fc_buf_reset(&f->buf);
	if ((rc = fc_buf_append(&f->buf, head, CDC_HEADER_LEN)) ||
	    (rc = fc_buf_reserve(&f->buf, size - CDC_HEADER_LEN)))
		return fc_errf(err, FC_ENOMEM, "binlog '%s' at %llu: out of memory for a %u-byte event",
		               f->path, (unsigned long long)f->pos, size);
	got = gzread(f->gz, f->buf.ptr + CDC_HEADER_LEN, size - CDC_HEADER_LEN);
	if (got < 0 || (uint32_t)got != size - CDC_HEADER_LEN)
		return fc_errf(err, FC_ECORRUPT, "binlog '%s' at %llu: truncated %s event (%d of %u "
		               "bytes)", f->path, (unsigned long long)f->pos, cdc_event_name(head[4]),
		               got < 0 ? 0 : got + CDC_HEADER_LEN, size);
	f->buf.len = size;
	*pos = f->pos;
	f->pos += size;
	return 1;
}

void cdc_file_close(struct cdc_file *f)
{
	if (f->gz)
		gzclose(f->gz);
	f->gz = NULL;
	fc_buf_release(&f->buf);
}
