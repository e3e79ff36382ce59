/* cdc/print.c - see print.h. */
#include "print.h"

#include "value.h"

#include <errno.h>
#include <string.h>
#include <time.h>

void cdc_utc_text(uint32_t t, char *out)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int tail(struct fc_buf *b, uint32_t ts, const char *gtid, const char *file, uint64_t pos)
{
	char when[24];
	int rc;
	cdc_utc_text(ts, when);
	rc = fc_buf_printf(b, ",\"ts\":\"%s\"", when);
	if (rc == 0 && gtid && *gtid)
		rc = fc_buf_printf(b, ",\"gtid\":\"%s\"", gtid);
	if (rc == 0) {
		rc = fc_buf_puts(b, ",\"file\":");
		if (rc == 0)
			rc = cdc_json_string(b, file, strlen(file));
	}
	if (rc == 0)
		rc = fc_buf_printf(b, ",\"pos\":%llu", (unsigned long long)pos);
	return rc;
}

static int flush_line(struct cdc_printer *p, struct fc_err *err)
{
	if (fc_buf_putc(&p->line, '\n'))
		return fc_errf(err, FC_ENOMEM, "out of memory");
	if (fwrite(p->line.ptr, 1, p->line.len, p->out) != p->line.len)
		return fc_errf(err, FC_EIO, "writing the output: %s", strerror(errno));
	return 0;
}

static int on_row(void *ctx, const struct cdc_change *ch, struct fc_err *err)
{
	struct cdc_printer *p = ctx;
	struct fc_buf *b = &p->line;
	int rc;

	fc_buf_reset(b);
	rc = fc_buf_puts(b, "{\"db\":");
	if (rc == 0)
		rc = cdc_json_string(b, ch->table->db, strlen(ch->table->db));
	if (rc == 0)
		rc = fc_buf_puts(b, ",\"table\":");
	if (rc == 0)
		rc = cdc_json_string(b, ch->table->name, strlen(ch->table->name));
	if (rc == 0)
		rc = fc_buf_printf(b, ",\"op\":\"%s\"", cdc_op_name(ch->op));
	if (rc == 0 && ch->before) {
		rc = fc_buf_puts(b, ",\"before\":");
		if (rc == 0)
			rc = cdc_image_json(ch->before, ch->table, b);
	}
	if (rc == 0 && ch->after) {
		rc = fc_buf_puts(b, ",\"after\":");
		if (rc == 0)
			rc = cdc_image_json(ch->after, ch->table, b);
	}
	if (rc == 0)
		rc = tail(b, ch->timestamp, ch->gtid, ch->file, ch->event_pos);
	if (rc == 0)
		rc = fc_buf_printf(b, ",\"row\":%u}", ch->row);
	if (rc)
		return fc_errf(err, FC_ENOMEM, "out of memory formatting a row");
	p->rows++;
	return flush_line(p, err);
}

static int on_ddl(void *ctx, const char *db, const char *sql, size_t len, const struct cdc_pos *at,
                  struct fc_err *err)
{
	struct cdc_printer *p = ctx;
	struct fc_buf *b = &p->line;
	int rc;

	fc_buf_reset(b);
	rc = fc_buf_puts(b, "{\"db\":");
	if (rc == 0)
		rc = cdc_json_string(b, db, strlen(db));
	if (rc == 0)
		rc = fc_buf_puts(b, ",\"op\":\"ddl\",\"sql\":");
	if (rc == 0)
		rc = cdc_json_string(b, sql, len);
	if (rc == 0)
		rc = fc_buf_puts(b, ",\"file\":");
	if (rc == 0)
		rc = cdc_json_string(b, at->file, strlen(at->file));
	if (rc == 0)
		rc = fc_buf_printf(b, ",\"pos\":%llu}", (unsigned long long)at->pos);
	if (rc)
		return fc_errf(err, FC_ENOMEM, "out of memory formatting a statement");
	p->ddls++;
	return flush_line(p, err);
}

static int on_commit(void *ctx, const struct cdc_pos *next, uint32_t ts, struct fc_err *err)
{
	struct cdc_printer *p = ctx;
	(void)next;
	(void)ts;
	(void)err;
	p->commits++;
	return 0;
}

void cdc_printer_init(struct cdc_printer *p, FILE *out, struct cdc_handler *h)
{
	memset(p, 0, sizeof *p);
	p->out = out;
	fc_buf_init(&p->line, 0);
	memset(h, 0, sizeof *h);
	h->ctx = p;
	h->row = on_row;
	h->ddl = on_ddl;
	h->commit = on_commit;
}

void cdc_printer_release(struct cdc_printer *p)
{
	fc_buf_release(&p->line);
}
