/* cdc/tablemap.c - see tablemap.h for the layout. */
#include "tablemap.h"

#include "bytes.h"

#include <stdio.h>
#include <string.h>

enum {
	OPT_SIGNEDNESS = 1,
	OPT_DEFAULT_CHARSET = 2,
	OPT_COLUMN_CHARSET = 3,
	OPT_COLUMN_NAME = 4,
	OPT_SET_STR_VALUE = 5,
	OPT_ENUM_STR_VALUE = 6,
	OPT_GEOMETRY_TYPE = 7,
	OPT_SIMPLE_PRIMARY_KEY = 8,
	OPT_PRIMARY_KEY_WITH_PREFIX = 9,
	OPT_ENUM_AND_SET_DEFAULT_CHARSET = 10,
	OPT_ENUM_AND_SET_COLUMN_CHARSET = 11,
	OPT_COLUMN_VISIBILITY = 12,
};

void cdc_table_release(struct cdc_table *t)
{
	fc_arena_release(&t->arena);
	memset(t, 0, sizeof *t);
}

uint64_t cdc_table_id(const struct cdc_format *f, const struct cdc_event *ev)
{
	size_t post = f->post_header[ev->type];
	if (post == 6 && ev->body_len >= 4)
		return cdc_le32(ev->body);
	if (ev->body_len < 6)
		return 0;
	return (uint64_t)cdc_le32(ev->body) | (uint64_t)cdc_le16(ev->body + 4) << 32;
}

static bool is_numeric(uint8_t t)
{
	switch (t) {
	case CDC_T_TINY: case CDC_T_SHORT: case CDC_T_INT24: case CDC_T_LONG:
	case CDC_T_LONGLONG: case CDC_T_FLOAT: case CDC_T_DOUBLE: case CDC_T_NEWDECIMAL:
		return true;
	default:
		return false;
	}
}

/* MariaDB counts GEOMETRY (a BLOB underneath) among the character
 * columns of the charset fields; MySQL does not. */
static bool is_character(uint8_t t, bool mariadb)
{
	if (t == CDC_T_GEOMETRY)
		return mariadb;
	switch (t) {
	case CDC_T_STRING: case CDC_T_VARCHAR: case CDC_T_VAR_STRING: case CDC_T_BLOB:
	case CDC_T_TINY_BLOB: case CDC_T_MEDIUM_BLOB: case CDC_T_LONG_BLOB:
		return true;
	default:
		return false;
	}
}

/* Reads one column's metadata and settles its real type. */
static int column_meta(struct cdc_rd *r, struct cdc_column *c, size_t i, struct fc_err *err)
{
	switch (c->type) {
	case CDC_T_FLOAT: case CDC_T_DOUBLE: case CDC_T_BLOB: case CDC_T_TINY_BLOB:
	case CDC_T_MEDIUM_BLOB: case CDC_T_LONG_BLOB: case CDC_T_GEOMETRY: case CDC_T_JSON:
	case CDC_T_TIME2: case CDC_T_DATETIME2: case CDC_T_TIMESTAMP2:
		c->meta = (uint16_t)cdc_rd_uint(r, 1);
		break;
	case CDC_T_VARCHAR: case CDC_T_VAR_STRING: case CDC_T_NEWDECIMAL: case CDC_T_BIT:
	case CDC_T_ENUM: case CDC_T_SET: case CDC_T_DECIMAL:
		c->meta = (uint16_t)cdc_rd_uint(r, 2);
		break;
	case CDC_T_STRING: {
		uint8_t b0 = (uint8_t)cdc_rd_uint(r, 1), b1 = (uint8_t)cdc_rd_uint(r, 1);
		if ((b0 & 0x30) != 0x30) {
			c->meta = (uint16_t)(b1 | (((b0 & 0x30) ^ 0x30) << 4));
			b0 |= 0x30;
		} else {
			c->meta = b1;
		}
		if (b0 == CDC_T_ENUM || b0 == CDC_T_SET)
			c->type = b0;
		else if (b0 != CDC_T_STRING)
			return fc_errf(err, FC_ECORRUPT, "column %zu: STRING with real type %u", i + 1, b0);
		break;
	}
	default:
		break;
	}
	if (c->type == CDC_T_NEWDECIMAL) {
		unsigned prec = c->meta & 0xff, scale = c->meta >> 8;
		if (prec == 0 || prec > 65 || scale > 30 || scale > prec)
			return fc_errf(err, FC_ECORRUPT, "column %zu: DECIMAL(%u,%u) is not valid", i + 1,
			               prec, scale);
	}
	return 0;
}

/* Reads a packed-length string into the arena. */
static const char *packed_str(struct cdc_rd *r, struct fc_arena *a)
{
	size_t n = (size_t)cdc_rd_packed(r);
	const uint8_t *p = cdc_rd_bytes(r, n);
	return p ? fc_arena_strndup(a, (const char *)p, n) : NULL;
}

/* Reads labels for the ENUM or SET columns, in column order. */
static int labels(struct cdc_rd *r, struct cdc_table *t, uint8_t type, struct fc_err *err)
{
	for (size_t i = 0; i < t->ncols && cdc_rd_left(r); i++) {
		struct cdc_column *c = &t->cols[i];
		size_t n;
		const char **list;
		if (c->type != type)
			continue;
		n = (size_t)cdc_rd_packed(r);
		if (r->bad || n > cdc_rd_left(r))
			return fc_errf(err, FC_ECORRUPT, "%s labels of column %zu run past the event",
			               type == CDC_T_ENUM ? "ENUM" : "SET", i + 1);
		list = fc_arena_alloc(&t->arena, (n ? n : 1) * sizeof *list);
		if (!list)
			return fc_errf(err, FC_ENOMEM, "out of memory");
		for (size_t k = 0; k < n; k++)
			if (!(list[k] = packed_str(r, &t->arena)))
				return fc_errf(err, FC_ECORRUPT, "label %zu of column %zu runs past the event",
				               k + 1, i + 1);
		c->labels = list;
		c->nlabels = n;
	}
	return 0;
}

/* DEFAULT_CHARSET-style field: a default collation and exceptions, over the
 * columns that pred picks. */
static void default_charset(struct cdc_rd *r, struct cdc_table *t, bool enum_set, bool mariadb)
{
	uint16_t def = (uint16_t)cdc_rd_packed(r);
	size_t k = 0;
	for (size_t i = 0; i < t->ncols; i++) {
		struct cdc_column *c = &t->cols[i];
		bool pick = enum_set ? (c->type == CDC_T_ENUM || c->type == CDC_T_SET)
		                     : is_character(c->type, mariadb);
		if (pick)
			c->collation = def;
	}
	while (!r->bad && cdc_rd_left(r)) {
		uint64_t idx = cdc_rd_packed(r), coll = cdc_rd_packed(r);
		k = 0;
		for (size_t i = 0; i < t->ncols; i++) {
			struct cdc_column *c = &t->cols[i];
			bool pick = enum_set ? (c->type == CDC_T_ENUM || c->type == CDC_T_SET)
			                     : is_character(c->type, mariadb);
			if (!pick)
				continue;
			if (k++ == idx)
				c->collation = (uint16_t)coll;
		}
	}
}

static void column_charset(struct cdc_rd *r, struct cdc_table *t, bool enum_set, bool mariadb)
{
	for (size_t i = 0; i < t->ncols && cdc_rd_left(r); i++) {
		struct cdc_column *c = &t->cols[i];
		bool pick = enum_set ? (c->type == CDC_T_ENUM || c->type == CDC_T_SET)
		                     : is_character(c->type, mariadb);
		if (pick)
			c->collation = (uint16_t)cdc_rd_packed(r);
	}
}

static int optional_metadata(struct cdc_rd *r, struct cdc_table *t, bool mariadb,
                             struct fc_err *err)
{
	while (cdc_rd_left(r)) {
		uint8_t type = (uint8_t)cdc_rd_uint(r, 1);
		size_t len = (size_t)cdc_rd_packed(r);
		const uint8_t *v = cdc_rd_bytes(r, len);
		struct cdc_rd f;
		int rc = 0;

		if (!v)
			return fc_errf(err, FC_ECORRUPT, "optional metadata field %u runs past the event",
			               type);
		f = cdc_rd_make(v, len);
		switch (type) {
		case OPT_SIGNEDNESS: {
			size_t k = 0;
			for (size_t i = 0; i < t->ncols; i++) {
				if (!is_numeric(t->cols[i].type))
					continue;
				if (k / 8 < len)
					t->cols[i].is_unsigned = (v[k / 8] >> (7 - k % 8)) & 1;
				k++;
			}
			break;
		}
		case OPT_DEFAULT_CHARSET:
			default_charset(&f, t, false, mariadb);
			break;
		case OPT_COLUMN_CHARSET:
			column_charset(&f, t, false, mariadb);
			break;
		case OPT_ENUM_AND_SET_DEFAULT_CHARSET:
			default_charset(&f, t, true, mariadb);
			break;
		case OPT_ENUM_AND_SET_COLUMN_CHARSET:
			column_charset(&f, t, true, mariadb);
			break;
		case OPT_COLUMN_NAME:
			for (size_t i = 0; i < t->ncols && cdc_rd_left(&f); i++)
				if (!(t->cols[i].name = packed_str(&f, &t->arena)))
					return fc_errf(err, FC_ECORRUPT, "name of column %zu runs past the event",
					               i + 1);
			t->has_names = true;
			break;
		case OPT_SET_STR_VALUE:
			rc = labels(&f, t, CDC_T_SET, err);
			break;
		case OPT_ENUM_STR_VALUE:
			rc = labels(&f, t, CDC_T_ENUM, err);
			break;
		case OPT_SIMPLE_PRIMARY_KEY:
		case OPT_PRIMARY_KEY_WITH_PREFIX: {
			uint32_t tmp[4096];
			size_t n = 0;
			while (cdc_rd_left(&f) && n < 4096) {
				uint64_t idx = cdc_rd_packed(&f);
				if (type == OPT_PRIMARY_KEY_WITH_PREFIX)
					(void)cdc_rd_packed(&f);
				if (f.bad || idx >= t->ncols)
					return fc_errf(err, FC_ECORRUPT, "primary key names column %llu of %zu",
					               (unsigned long long)idx + 1, t->ncols);
				tmp[n++] = (uint32_t)idx;
			}
			t->pk = fc_arena_alloc(&t->arena, (n ? n : 1) * sizeof *t->pk);
			if (!t->pk)
				return fc_errf(err, FC_ENOMEM, "out of memory");
			memcpy(t->pk, tmp, n * sizeof *t->pk);
			t->npk = n;
			break;
		}
		default:
			break;   /* geometry types, visibility, future fields */
		}
		if (rc)
			return rc;
		if (f.bad)
			return fc_errf(err, FC_ECORRUPT, "optional metadata field %u is malformed", type);
	}
	return 0;
}

int cdc_tablemap_parse(const struct cdc_format *f, const struct cdc_event *ev,
                       struct cdc_table *t, struct fc_err *err)
{
	size_t post = f->post_header[CDC_EV_TABLE_MAP] ? f->post_header[CDC_EV_TABLE_MAP] : 8;
	struct cdc_rd r;
	size_t n, meta_len;
	const uint8_t *types, *meta, *nulls, *p;
	int rc;

	memset(t, 0, sizeof *t);
	if (ev->body_len < post)
		return fc_errf(err, FC_ECORRUPT, "TABLE_MAP event too short");
	t->id = cdc_table_id(f, ev);
	r = cdc_rd_make(ev->body + post, ev->body_len - post);
	n = (size_t)cdc_rd_uint(&r, 1);
	p = cdc_rd_bytes(&r, n + 1);
	if (p)
		t->db = fc_arena_strndup(&t->arena, (const char *)p, n);
	n = (size_t)cdc_rd_uint(&r, 1);
	p = cdc_rd_bytes(&r, n + 1);
	if (p)
		t->name = fc_arena_strndup(&t->arena, (const char *)p, n);
	t->ncols = (size_t)cdc_rd_packed(&r);
	if (r.bad || !t->db || !t->name || t->ncols == 0 || t->ncols > 4096) {
		rc = fc_errf(err, FC_ECORRUPT, "TABLE_MAP event with bad names or %zu columns", t->ncols);
		goto fail;
	}
	types = cdc_rd_bytes(&r, t->ncols);
	meta_len = (size_t)cdc_rd_packed(&r);
	meta = cdc_rd_bytes(&r, meta_len);
	nulls = cdc_rd_bytes(&r, (t->ncols + 7) / 8);
	if (r.bad) {
		rc = fc_errf(err, FC_ECORRUPT, "TABLE_MAP for %s.%s runs past the event", t->db, t->name);
		goto fail;
	}
	t->cols = fc_arena_alloc(&t->arena, t->ncols * sizeof *t->cols);
	if (!t->cols) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto fail;
	}
	{
		struct cdc_rd m = cdc_rd_make(meta, meta_len);
		for (size_t i = 0; i < t->ncols; i++) {
			struct cdc_column *c = &t->cols[i];
			c->type = types[i];
			c->nullable = (nulls[i / 8] >> (i % 8)) & 1;
			if ((rc = column_meta(&m, c, i, err)))
				goto fail;
		}
		if (m.bad) {
			rc = fc_errf(err, FC_ECORRUPT, "TABLE_MAP for %s.%s: column metadata shorter than "
			             "its types need", t->db, t->name);
			goto fail;
		}
	}
	if ((rc = optional_metadata(&r, t, f->mariadb, err)))
		goto fail;
	return 0;
fail:
	fc_err_prefix(err, "TABLE_MAP for table id %llu", (unsigned long long)t->id);
	cdc_table_release(t);
	return rc;
}
