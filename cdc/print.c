/* cdc/print.c - see print.h. */
#include "print.h"

#include "value.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* Appends a string literal. */
#define LIT(b, s) fc_buf_add((b), (s), sizeof(s) - 1)

static void put2(char *w, unsigned v)
{
	w[0] = (char)('0' + v / 10);
	w[1] = (char)('0' + v % 10);
}

/* What gmtime_r and strftime("%Y-%m-%dT%H:%M:%SZ") give: t < 2^32 is in
 * 1970..2106, a 4-digit year. */
void cdc_utc_text(uint32_t t, char *out)
{
	int64_t y;
	unsigned mo, d, secs = t % 86400;

	cdc_civil_from_days((int64_t)(t / 86400), &y, &mo, &d);
	put2(out, (unsigned)(y / 100));
	put2(out + 2, (unsigned)(y % 100));
	out[4] = '-';
	put2(out + 5, mo);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, secs / 3600);
	out[13] = ':';
	put2(out + 14, secs / 60 % 60);
	out[16] = ':';
	put2(out + 17, secs % 60);
	out[19] = 'Z';
	out[20] = '\0';
}

/* {"db":...,"table":...,"op":"..." */
static int head(struct fc_buf *b, const struct cdc_change *ch)
{
	const char *op = cdc_op_name(ch->op);
	int rc = LIT(b, "{\"db\":");
	if (rc == 0)
		rc = cdc_json_string(b, ch->table->db, strlen(ch->table->db));
	if (rc == 0)
		rc = LIT(b, ",\"table\":");
	if (rc == 0)
		rc = cdc_json_string(b, ch->table->name, strlen(ch->table->name));
	if (rc == 0)
		rc = LIT(b, ",\"op\":\"");
	if (rc == 0)
		rc = fc_buf_add(b, op, strlen(op));
	if (rc == 0)
		rc = fc_buf_addc(b, '"');
	return rc;
}

/* ,"ts":...,"gtid":...,"file":...,"pos":N */
static int tail(struct fc_buf *b, uint32_t ts, const char *gtid, const char *file, uint64_t pos)
{
	char when[24];
	int rc;
	cdc_utc_text(ts, when);
	rc = LIT(b, ",\"ts\":\"");
	if (rc == 0)
		rc = fc_buf_add(b, when, strlen(when));
	if (rc == 0)
		rc = fc_buf_addc(b, '"');
	if (rc == 0 && gtid && *gtid) {
		rc = LIT(b, ",\"gtid\":\"");
		if (rc == 0)
			rc = fc_buf_add(b, gtid, strlen(gtid));
		if (rc == 0)
			rc = fc_buf_addc(b, '"');
	}
	if (rc == 0) {
		rc = LIT(b, ",\"file\":");
		if (rc == 0)
			rc = cdc_json_string(b, file, strlen(file));
	}
	if (rc == 0)
		rc = LIT(b, ",\"pos\":");
	if (rc == 0)
		rc = fc_buf_put_u64(b, pos);
	return rc;
}

static int flush_line(struct cdc_printer *p, struct fc_err *err)
{
	if (fc_buf_addc(&p->line, '\n'))
		return fc_errf(err, FC_ENOMEM, "out of memory");
#ifdef __GLIBC__
	if (fwrite_unlocked(p->line.ptr, 1, p->line.len, p->out) != p->line.len)
#else
	if (fwrite(p->line.ptr, 1, p->line.len, p->out) != p->line.len)
#endif
		return fc_errf(err, FC_EIO, "writing the output: %s", strerror(errno));
	return 0;
}

/* The head and the tail are the same for every row of a ROWS event: made
 * once per event, kept in the image's memo (mark[0]: the head's end). */
static struct cdc_memo *event_text(struct cdc_printer *p, const struct cdc_change *ch)
{
	const struct cdc_image *im = ch->after ? ch->after : ch->before;
	struct cdc_memo *m;

	if (!im || !im->serial || !(m = cdc_image_memo(im)))
		return NULL;
	if (m->serial == im->serial && m->key[0] == p && !m->key[1])
		return m;
	m->serial = 0;
	fc_buf_reset(&m->text);
	if (head(&m->text, ch))
		return NULL;
	m->mark[0] = m->text.len;
	if (tail(&m->text, ch->timestamp, ch->gtid, ch->file, ch->event_pos))
		return NULL;
	m->serial = im->serial;
	m->key[0] = p;
	m->key[1] = NULL;
	return m;
}

static int on_row(void *ctx, const struct cdc_change *ch, struct fc_err *err)
{
	struct cdc_printer *p = ctx;
	struct fc_buf *b = &p->line;
	struct cdc_memo *m = event_text(p, ch);
	int rc;

	fc_buf_reset(b);
	rc = m ? fc_buf_add(b, m->text.ptr, m->mark[0]) : head(b, ch);
	if (rc == 0 && ch->before) {
		rc = LIT(b, ",\"before\":");
		if (rc == 0)
			rc = cdc_image_json(ch->before, ch->table, b);
	}
	if (rc == 0 && ch->after) {
		rc = LIT(b, ",\"after\":");
		if (rc == 0)
			rc = cdc_image_json(ch->after, ch->table, b);
	}
	if (rc == 0)
		rc = m ? fc_buf_add(b, m->text.ptr + m->mark[0], m->text.len - m->mark[0])
		       : tail(b, ch->timestamp, ch->gtid, ch->file, ch->event_pos);
	if (rc == 0)
		rc = LIT(b, ",\"row\":");
	if (rc == 0)
		rc = fc_buf_put_u64(b, ch->row);
	if (rc == 0)
		rc = fc_buf_addc(b, '}');
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
		rc = LIT(b, ",\"pos\":");
	if (rc == 0)
		rc = fc_buf_put_u64(b, at->pos);
	if (rc == 0)
		rc = fc_buf_addc(b, '}');
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
