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

/* Text kept per ROWS event for an image: the columns' JSON keys
 * ("name": escaped, or "@N":) of the table, and a handler's own text. */
struct cdc_image_memo {
	uint64_t keys_serial;      /* keys made for this event, 0: none */
	struct fc_buf keys;
	size_t *key_end;           /* key i is [key_end[i - 1] (0 for i = 0), key_end[i]) */
	size_t nkeys, key_cap;
	bool whole_asked;          /* cdc_image_json was asked for the last row */
	struct cdc_memo user;
};

static uint64_t rows_serial;

void cdc_image_init(struct cdc_image *im)
{
	memset(im, 0, sizeof *im);
	fc_buf_init(&im->text, 0);
}

void cdc_image_release(struct cdc_image *im)
{
	free(im->cell);
	free(im->value);
	free(im->size);
	free(im->off);
	free(im->len);
	fc_buf_release(&im->text);
	if (im->memo) {
		fc_buf_release(&im->memo->keys);
		fc_buf_release(&im->memo->user.text);
		free(im->memo->key_end);
		free(im->memo);
	}
	memset(im, 0, sizeof *im);
}

static int image_reset(struct cdc_image *im, size_t ncols)
{
	if (ncols > im->cap) {
		uint8_t *cell = realloc(im->cell, ncols);
		const uint8_t **value;
		size_t *size, *off, *len;

		if (!cell)
			return -FC_ENOMEM;
		im->cell = cell;
		if (!(value = realloc((void *)im->value, ncols * sizeof *value)))
			return -FC_ENOMEM;
		im->value = value;
		if (!(size = realloc(im->size, ncols * sizeof *size)))
			return -FC_ENOMEM;
		im->size = size;
		if (!(off = realloc(im->off, ncols * sizeof *off)))
			return -FC_ENOMEM;
		im->off = off;
		if (!(len = realloc(im->len, ncols * sizeof *len)))
			return -FC_ENOMEM;
		im->len = len;
		im->cap = ncols;
	}
	if (ncols && !im->memo) {
		if (!(im->memo = calloc(1, sizeof *im->memo)))
			return -FC_ENOMEM;
		fc_buf_init(&im->memo->keys, 0);
		fc_buf_init(&im->memo->user.text, 0);
	}
	im->ncols = ncols;
	im->has_text = false;
	if (ncols)
		memset(im->cell, CDC_CELL_ABSENT, ncols);
	return 0;
}

/* The set bits of a byte. */
static inline size_t bits8(unsigned v)
{
	v = (v & 0x55) + (v >> 1 & 0x55);
	v = (v & 0x33) + (v >> 2 & 0x33);
	return (v & 0x0f) + (v >> 4);
}

/* The stored size of the value of c at p (n bytes there) for the types
 * whose only possible fault is not fitting, or whose length is all there
 * is to check; 0: ask cdc_value_check (other types, and every fault, so
 * that the error is its). */
static inline size_t quick_size(const struct cdc_column *c, const uint8_t *p, size_t n)
{
	size_t k, len;

	switch (c->type) {
	case CDC_T_TINY: case CDC_T_YEAR: k = 1; break;
	case CDC_T_SHORT: k = 2; break;
	case CDC_T_INT24: k = 3; break;
	case CDC_T_LONG: k = 4; break;
	case CDC_T_LONGLONG: k = 8; break;
	case CDC_T_VARCHAR: case CDC_T_VAR_STRING: case CDC_T_STRING:
		if (c->meta < 256) {
			if (n < 1)
				return 0;
			len = p[0];
			k = 1;
		} else {
			if (n < 2)
				return 0;
			len = (size_t)p[0] | (size_t)p[1] << 8;
			k = 2;
		}
		if (len > c->meta || len > n - k)
			return 0;
		return k + len;
	case CDC_T_BLOB: case CDC_T_TINY_BLOB: case CDC_T_MEDIUM_BLOB: case CDC_T_LONG_BLOB:
		k = c->meta;
		if (k < 1 || k > 4 || n < k)
			return 0;
		len = p[0];
		if (k > 1)
			len |= (size_t)p[1] << 8;
		if (k > 2)
			len |= (size_t)p[2] << 16;
		if (k > 3)
			len |= (size_t)p[3] << 24;
		if (len > n - k)
			return 0;
		return k + len;
	default:
		return 0;
	}
	return n >= k ? k : 0;
}

/* Makes the memo's keys for table t: ,"name": per column. */
static int make_keys(struct cdc_image_memo *m, const struct cdc_table *t, uint64_t serial)
{
	int rc = 0;

	m->keys_serial = 0;
	if (t->ncols > m->key_cap) {
		size_t *ends = realloc(m->key_end, t->ncols * sizeof *ends);
		if (!ends)
			return -FC_ENOMEM;
		m->key_end = ends;
		m->key_cap = t->ncols;
	}
	m->nkeys = t->ncols;
	fc_buf_reset(&m->keys);
	for (size_t i = 0; rc == 0 && i < t->ncols; i++) {
		const char *name = t->cols[i].name;
		if ((rc = fc_buf_addc(&m->keys, ',')))
			break;
		if (name) {
			rc = cdc_json_string(&m->keys, name, strlen(name));
		} else {
			char at[24], *w = at + sizeof at;
			size_t v = i + 1;
			*--w = '"';
			do
				*--w = (char)('0' + v % 10);
			while ((v /= 10));
			*--w = '@';
			*--w = '"';
			rc = fc_buf_add(&m->keys, w, (size_t)(at + sizeof at - w));
		}
		if (rc == 0)
			rc = fc_buf_addc(&m->keys, ':');
		m->key_end[i] = m->keys.len;
	}
	/* 32 readable bytes past the last key: read_image copies keys of up
	 * to 32 bytes 32 at a time */
	if (rc == 0 && (rc = fc_buf_need(&m->keys, 32)) == 0)
		memset(m->keys.ptr + m->keys.len, 0, 32);
	if (rc == 0)
		m->keys_serial = serial;
	return rc;
}

/* The memo's keys for the image's event (the table cannot change within
 * one ROWS event); 0 or a negative code. */
static int keys_for(struct cdc_image_memo *m, const struct cdc_table *t, uint64_t serial)
{
	if (m->keys_serial == serial && serial && m->nkeys == t->ncols)
		return 0;
	return make_keys(m, t, serial);
}

/* Appends ,"name": of column i (without the comma for the first). */
static inline int add_key(struct fc_buf *out, const struct cdc_image_memo *m, size_t i,
                          bool first)
{
	size_t from = (i ? m->key_end[i - 1] : 0) + first;
	return fc_buf_add(out, m->keys.ptr + from, m->key_end[i] - from);
}

/* The present column i's value (k-th present column: its null bit), in a
 * pass that checks each value (lazy images) or also makes the image's
 * JSON object (whole). Pointers are kept in locals: every byte written
 * through a char pointer could otherwise alias them. */
static int read_image(struct cdc_rows *rs, const struct cdc_table *t, const uint8_t *present,
                      struct cdc_image *im, const uint8_t *start, struct fc_err *err)
{
	size_t npresent = 0, k = 0, ncols = rs->ncols;
	struct fc_buf *text = &im->text;
	const uint8_t *nulls, *p, *end = rs->end;
	uint8_t *cell;
	const uint8_t **value;
	size_t *size, *off, *len;
	const char *keys = NULL;
	const size_t *key_end = NULL;
	bool whole;
	int rc;

	if ((rc = image_reset(im, ncols)))
		return fc_errf(err, FC_ENOMEM, "out of memory");
	im->table = t;
	im->serial = rs->serial;
	/* the handler wanted the whole last image: make this one's text now */
	whole = im->memo->whole_asked && keys_for(im->memo, t, rs->serial) == 0;
	im->memo->whole_asked = false;
	fc_buf_reset(text);
	if (whole) {
		if (fc_buf_addc(text, '{'))
			return fc_errf(err, FC_ENOMEM, "out of memory");
		keys = im->memo->keys.ptr;
		key_end = im->memo->key_end;
	}
	for (size_t i = 0; i < ncols / 8; i++)
		npresent += bits8(present[i]);
	if (ncols % 8)
		npresent += bits8(present[ncols / 8] & ((1u << (ncols % 8)) - 1));
	if ((size_t)(end - rs->p) < (npresent + 7) / 8)
		return fc_errf(err, FC_ECORRUPT, "row image of %s.%s at byte %zu: null bitmap runs "
		               "past the event", t->db, t->name, (size_t)(rs->p - start));
	nulls = rs->p;
	p = rs->p + (npresent + 7) / 8;
	cell = im->cell;
	value = im->value;
	size = im->size;
	off = im->off;
	len = im->len;
	for (size_t i = 0; i < ncols; i++) {
		const struct cdc_column *c = &t->cols[i];
		size_t used = 0;
		bool null;

		if (!((present[i / 8] >> (i % 8)) & 1))
			continue;
		null = (nulls[k / 8] >> (k % 8)) & 1;
		k++;
		if (whole) {
			/* ,"name": (no comma for the first), and room for null */
			size_t from = (i ? key_end[i - 1] : 0) + (k == 1), n = key_end[i] - from;
			char *w;
			if (fc_buf_need(text, (n > 32 ? n : 32) + 4))
				return fc_errf(err, FC_ENOMEM, "out of memory");
			w = text->ptr + text->len;
			if (n <= 32) {     /* 32 bytes are there, and room for them */
				memcpy(w, keys + from, 16);
				memcpy(w + 16, keys + from + 16, 16);
			} else {
				memcpy(w, keys + from, n);
			}
			text->len += n;
			off[i] = text->len;
			if (null) {
				memcpy(text->ptr + text->len, "null", 4);
				fc_buf_commit(text, 4);
				len[i] = 4;
				cell[i] = CDC_CELL_NULL;
				continue;
			}
			text->ptr[text->len] = '\0';
			rc = cdc_value_json(c, p, (size_t)(end - p), &used, text, err);
		} else {
			if (null) {
				cell[i] = CDC_CELL_NULL;
				continue;
			}
			if (!(used = quick_size(c, p, (size_t)(end - p))))
				rc = cdc_value_check(c, p, (size_t)(end - p), &used, text, err);
		}
		if (rc) {
			rs->p = p;
			return fc_err_prefix(err, "row image of %s.%s at byte %zu", t->db, t->name,
			                     (size_t)(p - start));
		}
		cell[i] = CDC_CELL_VALUE;
		value[i] = p;
		size[i] = used;
		if (whole)
			len[i] = text->len - off[i];
		p += used;
	}
	rs->p = p;
	if (whole) {
		if (fc_buf_addc(text, '}'))
			return fc_errf(err, FC_ENOMEM, "out of memory");
		im->has_text = true;
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
	if (!rs->serial)
		rs->serial = __atomic_add_fetch(&rows_serial, 1, __ATOMIC_RELAXED);
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

int cdc_image_value(const struct cdc_image *im, size_t i, struct fc_buf *out)
{
	struct fc_err err;
	size_t used;

	if (im->has_text)
		return fc_buf_add(out, im->text.ptr + im->off[i], im->len[i]);
	if (im->cell[i] != CDC_CELL_VALUE)
		return fc_buf_add(out, "null", 4);
	return cdc_value_json(&im->table->cols[i], im->value[i], im->size[i], &used, out, &err);
}

/* Whether different stored bytes always make different text, for the
 * type of column c: integers, floats (shortest round trip), BIT, YEAR,
 * dates, and times whose fraction digits are all printed. */
static bool bytes_are_text(const struct cdc_column *c)
{
	switch (c->type) {
	case CDC_T_TINY: case CDC_T_SHORT: case CDC_T_INT24: case CDC_T_LONG:
	case CDC_T_LONGLONG: case CDC_T_FLOAT: case CDC_T_DOUBLE: case CDC_T_BIT:
	case CDC_T_YEAR: case CDC_T_DATE: case CDC_T_NEWDATE: case CDC_T_DATETIME:
	case CDC_T_TIMESTAMP:
		return true;
	case CDC_T_DATETIME2: case CDC_T_TIMESTAMP2:
		return c->meta % 2 == 0;   /* fsp 1, 3, 5 print part of a stored digit */
	default:
		return false;
	}
}

bool cdc_image_same(const struct cdc_image *a, const struct cdc_image *b, size_t i)
{
	struct fc_buf ta = FC_BUF_INIT, tb = FC_BUF_INIT;
	bool same;

	if (a->cell[i] != CDC_CELL_VALUE || b->cell[i] != CDC_CELL_VALUE)
		return a->cell[i] == b->cell[i];
	if (a->size[i] == b->size[i] && memcmp(a->value[i], b->value[i], a->size[i]) == 0)
		return true;
	if (bytes_are_text(&a->table->cols[i]))
		return false;
	/* DECIMAL's -0 and 0, U+FFFD for different bad bytes, ENUM labels,
	 * JSON documents stored differently, ...: compare the text */
	if (cdc_image_value(a, i, &ta) || cdc_image_value(b, i, &tb))
		same = false;
	else
		same = ta.len == tb.len && memcmp(ta.ptr, tb.ptr, ta.len) == 0;
	fc_buf_release(&ta);
	fc_buf_release(&tb);
	return same;
}

struct cdc_memo *cdc_image_memo(const struct cdc_image *im)
{
	return im->memo ? &im->memo->user : NULL;
}

int cdc_image_json(const struct cdc_image *im, const struct cdc_table *t, struct fc_buf *out)
{
	struct cdc_image_memo *m = im->memo;
	bool first = true;
	int rc;

	if (!m)     /* never read */
		return fc_buf_add(out, "{}", 2);
	m->whole_asked = true;
	if (im->has_text && t == im->table)
		return fc_buf_add(out, im->text.ptr, im->text.len);
	if ((rc = keys_for(m, t, im->serial)) || (rc = fc_buf_addc(out, '{')))
		return rc;
	for (size_t i = 0; rc == 0 && i < im->ncols; i++) {
		if (im->cell[i] == CDC_CELL_ABSENT)
			continue;
		rc = i < m->nkeys ? add_key(out, m, i, first)
		                  : fc_buf_printf(out, &",\"@%zu\":"[first], i + 1);
		first = false;
		if (rc == 0)
			rc = cdc_image_value(im, i, out);
	}
	return rc ? rc : fc_buf_addc(out, '}');
}
