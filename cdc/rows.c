/* cdc/rows.c - see rows.h for the layout. */
#include "rows.h"

#include "bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cdc_op_name(enum cdc_op op)
{
	return op == CDC_OP_INSERT ? "insert" : op == CDC_OP_UPDATE ? "update" : "delete";
}

bool cdc_is_rows_event(uint8_t type, enum cdc_op *op)
{
	switch (type) {
	case CDC_EV_WRITE_ROWS_V1: case CDC_EV_WRITE_ROWS_V2:
	case CDC_EV_WRITE_ROWS_COMPRESSED_V1: case CDC_EV_WRITE_ROWS_COMPRESSED:
		*op = CDC_OP_INSERT;
		return true;
	case CDC_EV_UPDATE_ROWS_V1: case CDC_EV_UPDATE_ROWS_V2:
	case CDC_EV_UPDATE_ROWS_COMPRESSED_V1: case CDC_EV_UPDATE_ROWS_COMPRESSED:
		*op = CDC_OP_UPDATE;
		return true;
	case CDC_EV_DELETE_ROWS_V1: case CDC_EV_DELETE_ROWS_V2:
	case CDC_EV_DELETE_ROWS_COMPRESSED_V1: case CDC_EV_DELETE_ROWS_COMPRESSED:
		*op = CDC_OP_DELETE;
		return true;
	default:
		return false;
	}
}

static bool is_compressed(uint8_t type)
{
	return type >= CDC_EV_WRITE_ROWS_COMPRESSED_V1 && type <= CDC_EV_DELETE_ROWS_COMPRESSED;
}

static bool is_v2(uint8_t type)
{
	return (type >= CDC_EV_WRITE_ROWS_V2 && type <= CDC_EV_DELETE_ROWS_V2) ||
	       (type >= CDC_EV_WRITE_ROWS_COMPRESSED && type <= CDC_EV_DELETE_ROWS_COMPRESSED);
}

int cdc_rows_parse(const struct cdc_format *f, const struct cdc_event *ev,
                   struct fc_buf *scratch, struct cdc_rows *rs, struct fc_err *err)
{
	size_t post = f->post_header[ev->type];
	struct cdc_rd r;
	size_t bm;
	int rc;

	memset(rs, 0, sizeof *rs);
	if (!cdc_is_rows_event(ev->type, &rs->op))
		return fc_errf(err, FC_EUNSUPPORTED, "%s is not a rows event", cdc_event_name(ev->type));
	if (post == 0)
		post = is_v2(ev->type) ? 10 : 8;
	if (ev->body_len < post || post < 6)
		return fc_errf(err, FC_ECORRUPT, "%s event too short", cdc_event_name(ev->type));
	rs->table_id = cdc_table_id(f, ev);
	r = cdc_rd_make(ev->body + (post == 6 ? 4 : 6), ev->body_len - (post == 6 ? 4 : 6));
	rs->flags = (uint16_t)cdc_rd_uint(&r, 2);
	if (post >= 10) {
		size_t extra = (size_t)cdc_rd_uint(&r, 2);
		if (extra < 2 || !cdc_rd_bytes(&r, extra - 2))
			return fc_errf(err, FC_ECORRUPT, "%s event with a bad extra-data length",
			               cdc_event_name(ev->type));
	}
	rs->ncols = (size_t)cdc_rd_packed(&r);
	if (rs->ncols == 0 || rs->ncols > 4096)
		return fc_errf(err, FC_ECORRUPT, "%s event for %zu columns", cdc_event_name(ev->type),
		               rs->ncols);
	bm = (rs->ncols + 7) / 8;
	rs->present[0] = cdc_rd_bytes(&r, bm);
	rs->present[1] = rs->op == CDC_OP_UPDATE ? cdc_rd_bytes(&r, bm) : rs->present[0];
	if (r.bad)
		return fc_errf(err, FC_ECORRUPT, "%s event too short for its column bitmaps",
		               cdc_event_name(ev->type));
	if (is_compressed(ev->type)) {
		if ((rc = cdc_inflate(r.p, (size_t)(r.end - r.p), scratch, err)))
			return fc_err_prefix(err, "%s", cdc_event_name(ev->type));
		rs->p = (const uint8_t *)scratch->ptr;
		rs->end = rs->p + scratch->len;
	} else {
		rs->p = r.p;
		rs->end = r.end;
	}
	return 0;
}

void cdc_image_init(struct cdc_image *im)
{
	memset(im, 0, sizeof *im);
	fc_buf_init(&im->text, 0);
}

void cdc_image_release(struct cdc_image *im)
{
	free(im->cell);
	free(im->off);
	free(im->len);
	fc_buf_release(&im->text);
	memset(im, 0, sizeof *im);
}

static int image_reset(struct cdc_image *im, size_t ncols)
{
	if (ncols > im->cap) {
		uint8_t *c = realloc(im->cell, ncols);
		size_t *o, *l;
		if (!c)
			return -FC_ENOMEM;
		im->cell = c;
		o = realloc(im->off, ncols * sizeof *o);
		if (!o)
			return -FC_ENOMEM;
		im->off = o;
		l = realloc(im->len, ncols * sizeof *l);
		if (!l)
			return -FC_ENOMEM;
		im->len = l;
		im->cap = ncols;
	}
	im->ncols = ncols;
	if (ncols)
		memset(im->cell, CDC_CELL_ABSENT, ncols);
	fc_buf_reset(&im->text);
	return 0;
}

static int read_image(struct cdc_rows *rs, const struct cdc_table *t, const uint8_t *present,
                      struct cdc_image *im, const uint8_t *start, struct fc_err *err)
{
	size_t npresent = 0, k = 0;
	const uint8_t *nulls;
	int rc;

	if ((rc = image_reset(im, rs->ncols)))
		return fc_errf(err, FC_ENOMEM, "out of memory");
	for (size_t i = 0; i < rs->ncols; i++)
		npresent += (present[i / 8] >> (i % 8)) & 1;
	if ((size_t)(rs->end - rs->p) < (npresent + 7) / 8)
		return fc_errf(err, FC_ECORRUPT, "row image of %s.%s at byte %zu: null bitmap runs "
		               "past the event", t->db, t->name, (size_t)(rs->p - start));
	nulls = rs->p;
	rs->p += (npresent + 7) / 8;
	for (size_t i = 0; i < rs->ncols; i++) {
		size_t used = 0, before;
		if (!((present[i / 8] >> (i % 8)) & 1))
			continue;
		if ((nulls[k / 8] >> (k % 8)) & 1) {
			im->cell[i] = CDC_CELL_NULL;
			k++;
			continue;
		}
		k++;
		before = im->text.len;
		rc = cdc_value_json(&t->cols[i], rs->p, (size_t)(rs->end - rs->p), &used, &im->text, err);
		if (rc)
			return fc_err_prefix(err, "row image of %s.%s at byte %zu", t->db, t->name,
			                     (size_t)(rs->p - start));
		rs->p += used;
		im->cell[i] = CDC_CELL_VALUE;
		im->off[i] = before;
		im->len[i] = im->text.len - before;
	}
	return 0;
}

int cdc_rows_next(struct cdc_rows *rs, const struct cdc_table *t, struct cdc_image *before,
                  struct cdc_image *after, struct fc_err *err)
{
	const uint8_t *start = rs->p;
	int rc;

	if (rs->p >= rs->end)
		return 0;
	if (t->ncols != rs->ncols)
		return fc_errf(err, FC_ECORRUPT, "rows event for %s.%s has %zu columns, its TABLE_MAP %zu",
		               t->db, t->name, rs->ncols, t->ncols);
	if (before)
		image_reset(before, 0);
	if (after)
		image_reset(after, 0);
	switch (rs->op) {
	case CDC_OP_INSERT:
		rc = read_image(rs, t, rs->present[0], after, start, err);
		break;
	case CDC_OP_DELETE:
		rc = read_image(rs, t, rs->present[0], before, start, err);
		break;
	default:
		rc = read_image(rs, t, rs->present[0], before, start, err);
		if (rc == 0)
			rc = read_image(rs, t, rs->present[1], after, start, err);
		break;
	}
	return rc ? rc : 1;
}

int cdc_image_json(const struct cdc_image *im, const struct cdc_table *t, struct fc_buf *out)
{
	bool first = true;
	int rc = fc_buf_putc(out, '{');
	for (size_t i = 0; rc == 0 && i < im->ncols; i++) {
		char at[24];
		const char *name = i < t->ncols ? t->cols[i].name : NULL;
		if (im->cell[i] == CDC_CELL_ABSENT)
			continue;
		if (!first)
			rc = fc_buf_putc(out, ',');
		first = false;
		if (!name) {
			snprintf(at, sizeof at, "@%zu", i + 1);
			name = at;
		}
		if (rc == 0)
			rc = cdc_json_string(out, name, strlen(name));
		if (rc == 0)
			rc = fc_buf_putc(out, ':');
		if (rc == 0)
			rc = im->cell[i] == CDC_CELL_NULL
			             ? fc_buf_puts(out, "null")
			             : fc_buf_append(out, im->text.ptr + im->off[i], im->len[i]);
	}
	return rc ? rc : fc_buf_putc(out, '}');
}
