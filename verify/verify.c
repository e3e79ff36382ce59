/* verify/verify.c - see verify.h. */
#include "verify.h"

#include "../cdc/snapshot.h"
#include "../lib/buf.h"
#include "../lib/db.h"
#include "../lib/ident.h"
#include "../lib/schema.h"
#include "canon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_KEY 8
#define KEY_LEN 1024   /* bytes of one key value, NUL included; longer is an error */
#define MAX_DEPTH 40
/* What a NULL adds to a row's hashed text (U+2400 SYMBOL FOR NULL): a value
 * of exactly that text hashes like NULL, the row compare tells them apart */
#define NULL_MARK "\xe2\x90\x80"

/* A position in key order: the key values as text (unset: the start or
 * the end of the table). */
struct bound {
	bool set;
	char v[MAX_KEY][KEY_LEN];
};

/* One entity's statements and what the walk needs of it. */
struct plan {
	struct vfy_conns *c;
	const struct vfy_opts *o;
	const struct map_entity *e;
	struct vfy_result *r;
	struct fc_table_info src;
	bool have_src;
	struct fc_buf my_from, pg_from;       /* the quoted tables */
	struct fc_buf my_sum, pg_sum;         /* SELECT count, checksum FROM t */
	const char *pg_sum_tail;              /* after the WHERE: the subquery's order */
	struct fc_buf my_rows, pg_rows;       /* SELECT raw keys, canonical values FROM t */
	struct fc_buf my_keys, pg_keys;       /* raw keys for boundaries, "k1, k2" */
	struct fc_buf my_order, pg_order;     /* " ORDER BY ..." */
	char *my_key[MAX_KEY], *pg_key[MAX_KEY];  /* key expressions compared */
	bool key_num[MAX_KEY];
	bool concat;              /* one md5 over a segment's rows, see plan_init */
	size_t key_col[MAX_KEY];              /* e->columns index of to_key[k] */
};

void vfy_opts_init(struct vfy_opts *o)
{
	memset(o, 0, sizeof *o);
	o->segment_rows = 1000;
	o->factor = 8;
	o->threshold = 1000;
	o->float_digits = 6;
	o->max_diffs = 1000;
}

static void diff_release(struct vfy_diff *d, size_t nkey)
{
	for (size_t k = 0; d->key && k < nkey; k++)
		free(d->key[k]);
	free(d->key);
	free(d->key_json);
	for (size_t i = 0; i < d->ncols; i++) {
		free(d->cols[i].legacy);
		free(d->cols[i].target);
	}
	free(d->cols);
	memset(d, 0, sizeof *d);
}

void vfy_result_release(struct vfy_result *r)
{
	for (size_t i = 0; i < r->ndiffs; i++)
		diff_release(&r->diffs[i], r->e ? r->e->nkey : 0);
	free(r->diffs);
	r->diffs = NULL;
	r->ndiffs = 0;
}

int vfy_open(struct vfy_conns *c, const struct fc_config *cfg, const struct map_file *f,
             struct fc_err *err)
{
	const struct fc_conn *src = fc_config_conn_kind(cfg, f->source, FC_CONN_MYSQL, err);
	const struct fc_conn *dst = src ? fc_config_conn_kind(cfg, f->target, FC_CONN_POSTGRES, err)
	                                : NULL;
	memset(c, 0, sizeof *c);
	if (!src || !dst)
		return -FC_ECONFIG;
	if (!(c->my = fc_mysql_open(src, err)))
		return -FC_ECONNECT;
	if (!(c->pg = fc_pg_open(dst, err))) {
		vfy_close(c);
		return -FC_ECONNECT;
	}
	/* a segment's rows joined for one md5 (plan_init): no cut at 1 MiB */
	if (fc_mysql_exec(c->my, "SET SESSION group_concat_max_len = 4294967295", err)) {
		vfy_close(c);
		return -FC_ESQL;
	}
	return 0;
}

void vfy_close(struct vfy_conns *c)
{
	if (c->my)
		mysql_close(c->my);
	if (c->pg)
		PQfinish(c->pg);
	memset(c, 0, sizeof *c);
}

/* Runs a MariaDB and a PostgreSQL query at the same time: the PostgreSQL
 * one is sent first and collected after MariaDB has answered. Either
 * may be NULL. On success the caller clears *pr and frees *mr. */
static int both(struct plan *p, const struct fc_buf *myq, const struct fc_buf *pgq, MYSQL_RES **mr,
                PGresult **pr, struct fc_err *err)
{
	PGresult *r, *keep = NULL;
	int rc = 0;
	*mr = NULL;
	*pr = NULL;
	if (!myq->ptr || !pgq->ptr)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	if (!PQsendQuery(p->c->pg, pgq->ptr)) {
		char msg[512];
		return fc_errf(err, FC_ESQL, "entity '%s': target: %s", p->e->name,
		               fc_pg_error(p->c->pg, NULL, msg, sizeof msg));
	}
	if (mysql_real_query(p->c->my, myq->ptr, myq->len) || !(*mr = mysql_store_result(p->c->my)))
		rc = fc_errf(err, FC_ESQL, "entity '%s': legacy: %s (in: %.120s)", p->e->name,
		             mysql_error(p->c->my), myq->ptr);
	while ((r = PQgetResult(p->c->pg))) {
		if (!keep)
			keep = r;
		else
			PQclear(r);
	}
	if (rc == 0 && PQresultStatus(keep) != PGRES_TUPLES_OK) {
		char msg[512];
		rc = fc_errf(err, FC_ESQL, "entity '%s': target: %s (in: %.120s)", p->e->name,
		             fc_pg_error(p->c->pg, keep, msg, sizeof msg), pgq->ptr);
	}
	if (rc) {
		PQclear(keep);
		if (*mr)
			mysql_free_result(*mr);
		*mr = NULL;
		return rc;
	}
	*pr = keep;
	return 0;
}

static bool all_numeric(const char *v)
{
	if (*v == '-')
		v++;
	if (!*v)
		return false;
	for (; *v; v++)
		if ((*v < '0' || *v > '9') && *v != '.')
			return false;
	return true;
}

static void literal(struct fc_buf *q, bool pg, bool num, const char *v)
{
	if (num && all_numeric(v))
		fc_buf_puts(q, v);
	else if (pg)
		fc_literal_pg(q, v);
	else
		fc_literal_mysql(q, v);
}

/* MariaDB's lexicographic comparison of the key with b, from column k on:
 * (k1 > v1 OR (k1 = v1 AND (k2 >= v2))) for ">=", "<" likewise. The
 * row constructor is avoided: MariaDB does not use the index for it. */
static void my_lex(struct fc_buf *q, const struct plan *p, const struct bound *b, size_t k,
                   bool ge)
{
	if (k + 1 == p->e->nkey) {
		fc_buf_printf(q, "%s %s ", p->my_key[k], ge ? ">=" : "<");
		literal(q, false, p->key_num[k], b->v[k]);
		return;
	}
	fc_buf_printf(q, "(%s %s ", p->my_key[k], ge ? ">" : "<");
	literal(q, false, p->key_num[k], b->v[k]);
	fc_buf_printf(q, " OR (%s = ", p->my_key[k]);
	literal(q, false, p->key_num[k], b->v[k]);
	fc_buf_puts(q, " AND ");
	my_lex(q, p, b, k + 1, ge);
	fc_buf_puts(q, "))");
}

static void pg_tuple(struct fc_buf *q, const struct plan *p, const struct bound *b)
{
	fc_buf_putc(q, '(');
	for (size_t k = 0; k < p->e->nkey; k++) {
		if (k)
			fc_buf_puts(q, ", ");
		if (b)
			literal(q, true, p->key_num[k], b->v[k]);
		else
			fc_buf_puts(q, p->pg_key[k]);
	}
	fc_buf_putc(q, ')');
}

/* " WHERE key >= lo AND key < hi" (each only when set); eq: key = lo. */
static void where(struct fc_buf *q, const struct plan *p, bool pg, const struct bound *lo,
                  const struct bound *hi, bool eq)
{
	bool any = false;
	for (int side = 0; side < 2; side++) {
		const struct bound *b = side ? hi : lo;
		bool ge = side == 0;
		if (!b || !b->set)
			continue;
		fc_buf_puts(q, any ? " AND " : " WHERE ");
		any = true;
		if (eq) {
			for (size_t k = 0; k < p->e->nkey; k++) {
				fc_buf_printf(q, "%s%s = ", k ? " AND " : "", pg ? p->pg_key[k] : p->my_key[k]);
				literal(q, pg, p->key_num[k], b->v[k]);
			}
			break;
		}
		if (p->e->nkey > 1) {
			/* a leading range on the first column: the index, and for
			 * PostgreSQL an estimate that picks it */
			fc_buf_printf(q, "%s %s ", pg ? p->pg_key[0] : p->my_key[0], ge ? ">=" : "<=");
			literal(q, pg, p->key_num[0], b->v[0]);
			fc_buf_puts(q, " AND ");
		}
		if (pg) {
			pg_tuple(q, p, NULL);
			fc_buf_puts(q, ge ? " >= " : " < ");
			pg_tuple(q, p, b);
			continue;
		}
		my_lex(q, p, b, 0, ge);
	}
}

static void plan_release(struct plan *p)
{
	struct fc_buf *bufs[] = { &p->my_from, &p->pg_from, &p->my_sum, &p->pg_sum, &p->my_rows,
	                          &p->pg_rows, &p->my_keys, &p->pg_keys, &p->my_order, &p->pg_order };
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		fc_buf_release(bufs[i]);
	for (size_t k = 0; k < MAX_KEY; k++) {
		free(p->my_key[k]);
		free(p->pg_key[k]);
	}
	if (p->have_src)
		fc_table_info_release(&p->src);
}

static bool text_key(enum fc_tfam f)
{
	return f == FC_T_TEXT || f == FC_T_ENUM || f == FC_T_SET;
}

/* How many characters a legacy column's canonical text may take, about. */
static long text_width(const struct fc_column_info *ci)
{
	switch (ci->type.fam) {
	case FC_T_TEXT: return ci->type.length >= 0 ? ci->type.length : 100000;
	case FC_T_BINARY: return ci->type.length >= 0 ? 2 * ci->type.length : 100000;
	case FC_T_INT: case FC_T_BIT: return 21;
	case FC_T_DECIMAL: return 67;
	case FC_T_BOOL: case FC_T_YEAR: return 5;
	case FC_T_DATE: return 10;
	case FC_T_DATETIME: case FC_T_TIMESTAMPTZ: case FC_T_TIME: return 26;
	case FC_T_ENUM: case FC_T_SET: return 64;
	case FC_T_FLOAT: return 67;
	default: return 100000;
	}
}

/* Builds the statements from the live schemas. */
/* Whether a target column's canonical text can hold any character (a '|'
 * among them), as text, enums and JSON can. */
static bool texty(enum fc_tfam f)
{
	switch (f) {
	case FC_T_INT: case FC_T_DECIMAL: case FC_T_FLOAT: case FC_T_BOOL: case FC_T_BINARY:
	case FC_T_DATE: case FC_T_DATETIME: case FC_T_TIMESTAMPTZ: case FC_T_TIME: case FC_T_YEAR:
	case FC_T_BIT:
		return false;
	default:
		return true;
	}
}

static int plan_init(struct plan *p, struct vfy_conns *c, const struct map_entity *e,
                     const struct vfy_opts *o, struct vfy_result *r, struct fc_err *err)
{
	struct fc_table_info dst;
	struct fc_buf myv = FC_BUF_INIT, pgv = FC_BUF_INIT, myh = FC_BUF_INIT, pgh = FC_BUF_INIT;
	int rc = 0;

	memset(p, 0, sizeof *p);
	p->c = c;
	p->o = o;
	p->e = e;
	p->r = r;
	if (e->nkey == 0 || e->nkey > MAX_KEY)
		return fc_errf(err, FC_EUNSUPPORTED, "entity '%s': verify takes keys of 1 to %d columns",
		               e->name, MAX_KEY);
	if ((rc = fc_mysql_table_info(c->my, e->from.schema, e->from.name, &p->src, err)))
		return fc_err_prefix(err, "entity '%s': legacy", e->name);
	p->have_src = true;
	if ((rc = fc_pg_table_info(c->pg, e->to.schema, e->to.name, &dst, err)))
		return fc_err_prefix(err, "entity '%s': target", e->name);

	if (e->from.schema[0]) {
		fc_quote_mysql(&p->my_from, e->from.schema);
		fc_buf_putc(&p->my_from, '.');
	}
	fc_quote_mysql(&p->my_from, e->from.name);
	if (e->to.schema[0]) {
		fc_quote_pg(&p->pg_from, e->to.schema);
		fc_buf_putc(&p->pg_from, '.');
	}
	fc_quote_pg(&p->pg_from, e->to.name);

	/* keys: compared in byte order when text */
	for (size_t k = 0; k < e->nkey; k++) {
		const struct fc_column_info *ci = fc_table_column(&p->src, e->from_key[k]);
		const struct fc_column_info *di = fc_table_column(&dst, e->to_key[k]);
		struct fc_buf a = FC_BUF_INIT, b = FC_BUF_INIT;
		size_t i;
		if (!ci || !di) {
			rc = fc_errf(err, FC_ECONFIG, "entity '%s': key column '%s' is not in %s",
			             e->name, ci ? e->to_key[k] : e->from_key[k], ci ? e->to.text : e->from.text);
			goto out;
		}
		for (i = 0; i < e->ncolumns; i++)
			if (!strcmp(e->columns[i].target, e->to_key[k]))
				break;
		if (i == e->ncolumns) {
			rc = fc_errf(err, FC_ECONFIG, "entity '%s': key column '%s' is not mapped", e->name,
			             e->to_key[k]);
			goto out;
		}
		p->key_col[k] = i;
		p->key_num[k] = ci->type.fam == FC_T_INT || ci->type.fam == FC_T_DECIMAL ||
		                ci->type.fam == FC_T_YEAR;
		if (text_key(ci->type.fam)) {
			fc_buf_puts(&a, "CAST(");
			fc_quote_mysql(&a, e->from_key[k]);
			fc_buf_puts(&a, " AS BINARY)");
			fc_quote_pg(&b, e->to_key[k]);
			fc_buf_puts(&b, " COLLATE \"C\"");
		} else {
			fc_quote_mysql(&a, e->from_key[k]);
			fc_quote_pg(&b, e->to_key[k]);
		}
		p->my_key[k] = fc_buf_detach(&a);
		p->pg_key[k] = fc_buf_detach(&b);
		fc_buf_puts(&p->my_order, k ? ", " : " ORDER BY ");
		fc_buf_puts(&p->my_order, p->my_key[k] ? p->my_key[k] : "");
		fc_buf_puts(&p->pg_order, k ? ", " : " ORDER BY ");
		fc_buf_puts(&p->pg_order, p->pg_key[k] ? p->pg_key[k] : "");
		if (k) {
			fc_buf_puts(&p->my_keys, ", ");
			fc_buf_puts(&p->pg_keys, ", ");
		}
		fc_quote_mysql(&p->my_keys, e->from_key[k]);
		fc_quote_pg(&p->pg_keys, e->to_key[k]);
		fc_buf_puts(&p->pg_keys, "::text");
	}

	for (size_t i = 0; i < e->ncolumns; i++) {
		const struct fc_column_info *di = fc_table_column(&dst, e->columns[i].target);
		if (di && di->type.fam == FC_T_JSON && (rc = vfy_canon_pg_setup(c->pg, err)))
			goto out;
	}
	/* the canonical values, and the row hash over them */
	fc_buf_puts(&myh, "CONCAT_WS('|'");
	for (size_t i = 0; i < e->ncolumns; i++) {
		const struct map_column *mc = &e->columns[i];
		const struct fc_column_info *ci = fc_table_column(&p->src, mc->source);
		const struct fc_column_info *di = fc_table_column(&dst, mc->target);
		if (!ci || !di) {
			rc = fc_errf(err, FC_ECONFIG, "entity '%s': column '%s' is not in %s (ficus mappings "
			             "check tells more)", e->name, ci ? mc->target : mc->source,
			             ci ? e->to.text : e->from.text);
			goto out;
		}
		fc_buf_reset(&myv);
		fc_buf_reset(&pgv);
		if ((rc = vfy_canon_mysql(&myv, c->pg, mc, ci, di, o->float_digits, err))) {
			fc_err_prefix(err, "entity '%s'", e->name);
			goto out;
		}
		if (vfy_canon_pg(&pgv, mc, ci, di, o->float_digits) || !myv.ptr || !pgv.ptr) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			goto out;
		}
		fc_buf_printf(&p->my_rows, ", %s", myv.ptr);
		fc_buf_printf(&p->pg_rows, ", %s", pgv.ptr);
		/* In the row hash, text goes with its length in front: the values
		 * are joined with '|', and ('a|b', 'c') must not hash as ('a',
		 * 'b|c'). Numbers, times, booleans and hex cannot hold a '|'. The
		 * length is in bytes (cheaper than characters): the text is UTF-8
		 * on both sides. */
		if (texty(di->type.fam)) {
			struct fc_buf t = FC_BUF_INIT;
			fc_buf_printf(&t, "CONCAT(LENGTH(%s), ':', %s)", myv.ptr, myv.ptr);
			fc_buf_reset(&myv);
			fc_buf_puts(&myv, t.ptr ? t.ptr : "");
			fc_buf_reset(&t);
			fc_buf_printf(&t, "(octet_length(%s)::text || ':' || %s)", pgv.ptr, pgv.ptr);
			fc_buf_reset(&pgv);
			fc_buf_puts(&pgv, t.ptr ? t.ptr : "");
			fc_buf_release(&t);
			if (!myv.ptr || !pgv.ptr) {
				rc = fc_errf(err, FC_ENOMEM, "out of memory");
				goto out;
			}
		}
		/* NULL_MARK for NULL, where there can be one: '' and NULL differ */
		if (vfy_canon_mysql_nullable(mc, ci))
			fc_buf_printf(&myh, ", IFNULL(%s, '" NULL_MARK "')", myv.ptr);
		else
			fc_buf_printf(&myh, ", %s", myv.ptr);
		if (di->nullable)
			fc_buf_printf(&pgh, "%scoalesce(%s, '" NULL_MARK "')", i ? " || '|' || " : "", pgv.ptr);
		else
			fc_buf_printf(&pgh, "%s%s", i ? " || '|' || " : "", pgv.ptr);
	}
	if (e->ncolumns == 0)
		fc_buf_puts(&pgh, "''");
	if (!myh.ptr || !pgh.ptr || !p->my_from.ptr || !p->pg_from.ptr || !p->pg_order.ptr) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	/* The checksum. When the legacy key is the table's primary key and not
	 * text, MariaDB reads a key range in key order (FORCE INDEX (PRIMARY))
	 * and PostgreSQL a subquery ordered by the key: the md5 of the segment's
	 * rows joined in that order (GROUP_CONCAT, capped per session in
	 * vfy_open; string_agg). GROUP_CONCAT keeps each row in an internal
	 * temporary table, which MariaDB puts on disk (in its tmpdir) once a
	 * row may pass 512 characters: wider rows are joined as their md5s.
	 * Otherwise (text keys, another unique key) the sum of each row's
	 * hash. A mismatch, whatever its cause, only leads to the row compare. */
	for (size_t u = 0; u < p->src.nuniques; u++) {
		const struct fc_unique *q = &p->src.uniques[u];
		if (!q->primary)
			continue;
		p->concat = q->ncols == e->nkey;
		for (size_t k = 0; p->concat && k < e->nkey; k++)
			p->concat = !strcmp(q->cols[k], e->from_key[k]) &&
			            !text_key(fc_table_column(&p->src, e->from_key[k])->type.fam);
	}
	fc_buf_putc(&myh, ')');
	if (p->concat) {
		long width = 0;
		bool wide;
		for (size_t i = 0; i < e->ncolumns; i++)
			width += text_width(fc_table_column(&p->src, e->columns[i].source)) + 1;
		wide = width > 400;
		fc_buf_printf(&p->my_sum, "SELECT COUNT(*), COALESCE(MD5(GROUP_CONCAT(%s%s%s SEPARATOR '\n')), "
		              "'') FROM %s FORCE INDEX (PRIMARY)", wide ? "MD5(" : "", myh.ptr,
		              wide ? ")" : "", p->my_from.ptr);
		/* the subquery reads the range in index order: no sort of the
		 * aggregate's input */
		fc_buf_printf(&p->pg_sum, "SELECT count(*), coalesce(md5(string_agg(r, E'\n')), '') "
		              "FROM (SELECT %s%s%s AS r FROM %s", wide ? "md5(" : "", pgh.ptr, wide ? ")" : "",
		              p->pg_from.ptr);
		p->pg_sum_tail = p->pg_order.ptr;
	} else {
		fc_buf_printf(&p->my_sum, "SELECT COUNT(*), COALESCE(SUM(CAST(CONV(LEFT(MD5(%s), 15), 16, 10) "
		              "AS UNSIGNED)), 0) FROM %s", myh.ptr, p->my_from.ptr);
		fc_buf_printf(&p->pg_sum, "SELECT count(*), coalesce(sum(('x' || left(md5(%s), 15))::bit(60)"
		              "::bigint), 0) FROM %s", pgh.ptr, p->pg_from.ptr);
	}
	{
		/* rows: raw keys first, then the canonical values */
		struct fc_buf a = FC_BUF_INIT, b = FC_BUF_INIT;
		fc_buf_printf(&a, "SELECT %s%s FROM %s", p->my_keys.ptr, p->my_rows.ptr ? p->my_rows.ptr : "",
		              p->my_from.ptr);
		fc_buf_printf(&b, "SELECT %s%s FROM %s", p->pg_keys.ptr, p->pg_rows.ptr ? p->pg_rows.ptr : "",
		              p->pg_from.ptr);
		fc_buf_release(&p->my_rows);
		fc_buf_release(&p->pg_rows);
		p->my_rows = a;
		p->pg_rows = b;
	}
	if (!p->my_sum.ptr || !p->pg_sum.ptr || !p->my_rows.ptr || !p->pg_rows.ptr)
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
out:
	fc_buf_release(&myv);
	fc_buf_release(&pgv);
	fc_buf_release(&myh);
	fc_buf_release(&pgh);
	fc_table_info_release(&dst);
	return rc;
}

/* One side's fetched rows, sorted by the canonical key. */
struct side_row {
	char *ck;                 /* canonical key values joined by \x1f */
	size_t i;                 /* row index in the result */
};

static int by_ck(const void *a, const void *b)
{
	return strcmp(((const struct side_row *)a)->ck, ((const struct side_row *)b)->ck);
}

static char *dup_or_null(const char *v)
{
	return v ? strdup(v) : NULL;
}

/* Keeps a difference (the first max_diffs) and counts it. cols: pairs of
 * changed columns (indexes into e->columns) with both values. */
static void add_diff(struct plan *p, enum vfy_kind kind, char **rawkey, const size_t *cols,
                     char **lv, char **tv, size_t ncols)
{
	struct vfy_result *r = p->r;
	struct vfy_diff *d;
	struct fc_buf kj = FC_BUF_INIT;
	if (kind == VFY_MISSING)
		r->missing++;
	else if (kind == VFY_EXTRA)
		r->extra++;
	else
		r->changed++;
	if (r->ndiffs >= p->o->max_diffs)
		return;
	d = realloc(r->diffs, (r->ndiffs + 1) * sizeof *d);
	if (!d)
		return;
	r->diffs = d;
	d = &r->diffs[r->ndiffs++];
	memset(d, 0, sizeof *d);
	d->kind = kind;
	d->key = calloc(p->e->nkey, sizeof *d->key);
	for (size_t k = 0; d->key && k < p->e->nkey; k++)
		d->key[k] = strdup(rawkey[k] ? rawkey[k] : "");
	cdc_key_json(&kj, p->e, &p->src, rawkey);
	d->key_json = fc_buf_detach(&kj);
	if (ncols) {
		d->cols = calloc(ncols, sizeof *d->cols);
		for (size_t i = 0; d->cols && i < ncols; i++) {
			d->cols[i].column = p->e->columns[cols[i]].target;
			d->cols[i].legacy = dup_or_null(lv[i]);
			d->cols[i].target = dup_or_null(tv[i]);
		}
		d->ncols = d->cols ? ncols : 0;
	}
}

static char *canon_key(const struct plan *p, char **vals)
{
	struct fc_buf b = FC_BUF_INIT;
	for (size_t k = 0; k < p->e->nkey; k++) {
		const char *v = vals[p->key_col[k]];
		if (k)
			fc_buf_putc(&b, '\x1f');
		fc_buf_puts(&b, v ? v : "\x1e");
	}
	if (!b.ptr)
		fc_buf_puts(&b, "");
	return fc_buf_detach(&b);
}

/* Fetches the rows of both sides the predicates select and compares them
 * value by value. */
static int compare_rows(struct plan *p, const struct fc_buf *myq, const struct fc_buf *pgq,
                        struct fc_err *err)
{
	const struct map_entity *e = p->e;
	size_t nk = e->nkey, nc = e->ncolumns;
	MYSQL_RES *mr;
	PGresult *pr;
	MYSQL_ROW *mrows = NULL;
	struct side_row *ms = NULL, *ps = NULL;
	char **pv = NULL, **pkey = NULL, **lv = NULL, **tv = NULL;
	size_t *cols = NULL, nm, np, i = 0, j = 0;
	int rc = both(p, myq, pgq, &mr, &pr, err);

	if (rc)
		return rc;
	nm = (size_t)mysql_num_rows(mr);
	np = (size_t)PQntuples(pr);
	p->r->fetched += nm + np;
	mrows = calloc(nm + 1, sizeof *mrows);
	ms = calloc(nm + 1, sizeof *ms);
	ps = calloc(np + 1, sizeof *ps);
	pv = calloc(nc + nk + 1, sizeof *pv);
	pkey = calloc(nk + 1, sizeof *pkey);
	lv = calloc(nc + 1, sizeof *lv);
	tv = calloc(nc + 1, sizeof *tv);
	cols = calloc(nc + 1, sizeof *cols);
	if (!mrows || !ms || !ps || !pv || !pkey || !lv || !tv || !cols) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t x = 0; x < nm; x++) {
		mrows[x] = mysql_fetch_row(mr);
		ms[x].ck = canon_key(p, mrows[x] + nk);
		ms[x].i = x;
	}
	for (size_t x = 0; x < np; x++) {
		for (size_t c = 0; c < nc; c++)
			pv[c] = PQgetisnull(pr, (int)x, (int)(nk + c)) ? NULL
			                                                : PQgetvalue(pr, (int)x, (int)(nk + c));
		ps[x].ck = canon_key(p, pv);
		ps[x].i = x;
	}
	qsort(ms, nm, sizeof *ms, by_ck);
	qsort(ps, np, sizeof *ps, by_ck);
	while (i < nm || j < np) {
		int cmp = i == nm ? 1 : j == np ? -1 : strcmp(ms[i].ck, ps[j].ck);
		if (cmp < 0) {
			add_diff(p, VFY_MISSING, mrows[ms[i].i], NULL, NULL, NULL, 0);
			i++;
			continue;
		}
		for (size_t k = 0; k < nk; k++)
			pkey[k] = PQgetvalue(pr, (int)ps[j].i, (int)k);
		if (cmp > 0) {
			add_diff(p, VFY_EXTRA, pkey, NULL, NULL, NULL, 0);
			j++;
			continue;
		}
		{
			MYSQL_ROW mrow = mrows[ms[i].i];
			size_t n = 0;
			for (size_t c = 0; c < nc; c++) {
				const char *a = mrow[nk + c];
				const char *b = PQgetisnull(pr, (int)ps[j].i, (int)(nk + c)) ? NULL
				                : PQgetvalue(pr, (int)ps[j].i, (int)(nk + c));
				if ((a == NULL) != (b == NULL) || (a && strcmp(a, b))) {
					cols[n] = c;
					lv[n] = (char *)a;
					tv[n] = (char *)b;
					n++;
				}
			}
			if (n)
				add_diff(p, VFY_CHANGED, mrow, cols, lv, tv, n);
		}
		i++;
		j++;
	}
out:
	for (size_t x = 0; ms && x < nm; x++)
		free(ms[x].ck);
	for (size_t x = 0; ps && x < np; x++)
		free(ps[x].ck);
	free(mrows);
	free(ms);
	free(ps);
	free(pv);
	free(pkey);
	free(lv);
	free(tv);
	free(cols);
	mysql_free_result(mr);
	PQclear(pr);
	return rc;
}

/* The key `step` rows after lo (within [lo, hi)) on one side, into *out;
 * *found false when the range has no more rows than that. */
/* Copies one key value into a bound; a value that does not fit is an
 * error (a cut key would match other rows, or none). */
static int key_copy(const struct plan *p, char dst[KEY_LEN], const char *v, struct fc_err *err)
{
	size_t n = strlen(v);
	if (n >= KEY_LEN)
		return fc_errf(err, FC_EUNSUPPORTED, "entity '%s': a key value of %zu bytes (%.20s...) is "
		               "longer than verify handles (%d bytes)", p->e->name, n, v, KEY_LEN - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

static int next_bound(struct plan *p, bool pg, const struct bound *lo, const struct bound *hi,
                      size_t step, struct bound *out, bool *found, struct fc_err *err)
{
	struct fc_buf q = FC_BUF_INIT;
	int rc = 0;
	*found = false;
	fc_buf_printf(&q, "SELECT %s FROM %s", pg ? p->pg_keys.ptr : p->my_keys.ptr,
	              pg ? p->pg_from.ptr : p->my_from.ptr);
	where(&q, p, pg, lo, hi, false);
	fc_buf_puts(&q, pg ? p->pg_order.ptr : p->my_order.ptr);
	fc_buf_printf(&q, " LIMIT 1 OFFSET %zu", step);
	if (!q.ptr)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	if (pg) {
		PGresult *r = PQexec(p->c->pg, q.ptr);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			char msg[512];
			rc = fc_errf(err, FC_ESQL, "entity '%s': target: %s", p->e->name,
			             fc_pg_error(p->c->pg, r, msg, sizeof msg));
		} else if (PQntuples(r) == 1) {
			for (size_t k = 0; rc == 0 && k < p->e->nkey; k++)
				rc = key_copy(p, out->v[k], PQgetvalue(r, 0, (int)k), err);
			*found = out->set = rc == 0;
		}
		PQclear(r);
	} else {
		MYSQL_RES *res = NULL;
		MYSQL_ROW row;
		if (mysql_real_query(p->c->my, q.ptr, q.len) || !(res = mysql_store_result(p->c->my))) {
			rc = fc_errf(err, FC_ESQL, "entity '%s': legacy: %s", p->e->name, mysql_error(p->c->my));
		} else if ((row = mysql_fetch_row(res))) {
			for (size_t k = 0; rc == 0 && k < p->e->nkey; k++)
				rc = key_copy(p, out->v[k], row[k] ? row[k] : "", err);
			*found = out->set = rc == 0;
		}
		if (res)
			mysql_free_result(res);
	}
	fc_buf_release(&q);
	return rc;
}

/* Checks [lo, hi): counts and hash sums; recurses into the parts of a
 * segment that differs, compares rows below the threshold. */
static int segment(struct plan *p, const struct bound *lo, const struct bound *hi, int depth,
                   bool top, struct fc_err *err)
{
	struct fc_buf myq = FC_BUF_INIT, pgq = FC_BUF_INIT;
	MYSQL_RES *mr;
	MYSQL_ROW row;
	PGresult *pr;
	unsigned long long mc = 0, pc = 0;
	bool same;
	int rc;

	fc_buf_puts(&myq, p->my_sum.ptr);
	where(&myq, p, false, lo, hi, false);
	fc_buf_puts(&pgq, p->pg_sum.ptr);
	where(&pgq, p, true, lo, hi, false);
	if (p->pg_sum_tail)
		fc_buf_printf(&pgq, "%s) AS s", p->pg_sum_tail);
	rc = both(p, &myq, &pgq, &mr, &pr, err);
	fc_buf_release(&myq);
	fc_buf_release(&pgq);
	if (rc)
		return rc;
	row = mysql_fetch_row(mr);
	mc = row && row[0] ? strtoull(row[0], NULL, 10) : 0;
	pc = strtoull(PQgetvalue(pr, 0, 0), NULL, 10);
	same = mc == pc && row && row[1] && !strcmp(row[1], PQgetvalue(pr, 0, 1));
	mysql_free_result(mr);
	PQclear(pr);
	p->r->segments++;
	if (top) {
		p->r->legacy_rows += mc;
		p->r->new_rows += pc;
	}
	if (same)
		return 0;
	if ((mc <= p->o->threshold && pc <= p->o->threshold) || depth >= MAX_DEPTH) {
		fc_buf_puts(&myq, p->my_rows.ptr);
		where(&myq, p, false, lo, hi, false);
		fc_buf_puts(&pgq, p->pg_rows.ptr);
		where(&pgq, p, true, lo, hi, false);
		rc = compare_rows(p, &myq, &pgq, err);
		fc_buf_release(&myq);
		fc_buf_release(&pgq);
		return rc;
	}
	{
		/* split at keys of the side with more rows */
		bool pg = pc > mc;
		unsigned long long n = pg ? pc : mc;
		size_t step = (size_t)((n + p->o->factor - 1) / p->o->factor);
		struct bound *b = malloc(2 * sizeof *b);
		struct bound *cur = b, *next = b ? b + 1 : NULL;
		bool found = true;
		if (!b)
			return fc_errf(err, FC_ENOMEM, "out of memory");
		if (lo)
			*cur = *lo;
		else
			cur->set = false;
		for (size_t i = 1; rc == 0 && found && i < p->o->factor; i++) {
			if ((rc = next_bound(p, pg, cur, hi, step, next, &found, err)) || !found)
				break;
			rc = segment(p, cur, next, depth + 1, false, err);
			*cur = *next;
		}
		if (rc == 0)
			rc = segment(p, cur, hi, depth + 1, false, err);
		free(b);
	}
	return rc;
}

static unsigned long long estimated_rows(struct plan *p)
{
	struct fc_buf q = FC_BUF_INIT;
	unsigned long long n = 0;
	MYSQL_RES *res;
	MYSQL_ROW row;
	fc_buf_puts(&q, "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ");
	if (p->e->from.schema[0])
		fc_literal_mysql(&q, p->e->from.schema);
	else
		fc_buf_puts(&q, "DATABASE()");
	fc_buf_puts(&q, " AND TABLE_NAME = ");
	fc_literal_mysql(&q, p->e->from.name);
	if (q.ptr && mysql_real_query(p->c->my, q.ptr, q.len) == 0 &&
	    (res = mysql_store_result(p->c->my))) {
		if ((row = mysql_fetch_row(res)) && row[0])
			n = strtoull(row[0], NULL, 10);
		mysql_free_result(res);
	}
	fc_buf_release(&q);
	return n;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vfy_entity(struct vfy_conns *c, const struct map_entity *e, const struct vfy_opts *o,
               struct vfy_result *r, struct fc_err *err)
{
	struct plan p;
	struct bound *lo = malloc(2 * sizeof *lo), *hi = lo ? lo + 1 : NULL;
	unsigned long long total;
	long long t0 = now_ms();
	int rc;

	memset(r, 0, sizeof *r);
	r->e = e;
	if (!lo)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	rc = plan_init(&p, c, e, o, r, err);
	total = rc ? 0 : estimated_rows(&p);
	lo->set = false;
	/* top-level segments of segment_rows legacy rows, walked lazily */
	while (rc == 0) {
		bool found;
		if ((rc = next_bound(&p, false, lo, NULL, o->segment_rows, hi, &found, err)))
			break;
		if (!found)
			hi->set = false;
		if ((rc = segment(&p, lo, hi, 0, true, err)))
			break;
		if (o->progress)
			o->progress(o->ctx, e->name, r->legacy_rows, total > r->legacy_rows ? total
			                                                                        : r->legacy_rows);
		if (!found)
			break;
		*lo = *hi;
	}
	plan_release(&p);
	free(lo);
	r->duration_ms = now_ms() - t0;
	if (rc) {
		r->error = true;
		snprintf(r->errmsg, sizeof r->errmsg, "%s", err->msg);
	}
	return rc;
}

/* Compares the rows of n keys (keys[i * nkey + k]: the raw legacy key
 * values) on both sides, into p->r. */
static int check_keys(struct plan *p, const char *const *keys, size_t n, struct fc_err *err)
{
	struct bound *b = malloc(sizeof *b);
	int rc = 0;
	if (!b)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct fc_buf myq = FC_BUF_INIT, pgq = FC_BUF_INIT;
		b->set = true;
		for (size_t k = 0; rc == 0 && k < p->e->nkey; k++)
			rc = key_copy(p, b->v[k], keys[i * p->e->nkey + k], err);
		if (rc)
			break;
		fc_buf_puts(&myq, p->my_rows.ptr);
		where(&myq, p, false, b, NULL, true);
		fc_buf_puts(&pgq, p->pg_rows.ptr);
		where(&pgq, p, true, b, NULL, true);
		rc = compare_rows(p, &myq, &pgq, err);
		fc_buf_release(&myq);
		fc_buf_release(&pgq);
	}
	free(b);
	return rc;
}

int vfy_recheck(struct vfy_conns *c, const struct vfy_opts *o, struct vfy_result *r,
                struct fc_err *err)
{
	struct plan p;
	struct vfy_diff *old = r->diffs;
	size_t nold = r->ndiffs, nk = r->e->nkey;
	const char **keys = calloc(nold * nk + 1, sizeof *keys);
	int rc;

	if (!keys)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	if ((rc = plan_init(&p, c, r->e, o, r, err))) {
		plan_release(&p);
		free(keys);
		return rc;
	}
	r->diffs = NULL;
	r->ndiffs = 0;
	for (size_t i = 0; i < nold; i++) {
		struct vfy_diff *d = &old[i];
		if (d->kind == VFY_MISSING)
			r->missing--;
		else if (d->kind == VFY_EXTRA)
			r->extra--;
		else
			r->changed--;
		for (size_t k = 0; k < nk; k++)
			keys[i * nk + k] = d->key[k];
	}
	rc = check_keys(&p, keys, nold, err);
	r->rechecked += nold;
	for (size_t i = 0; i < nold; i++)
		diff_release(&old[i], nk);
	free(old);
	free(keys);
	plan_release(&p);
	return rc;
}

int vfy_keys(struct vfy_conns *c, const struct map_entity *e, const struct vfy_opts *o,
             const char *const *keys, size_t n, struct vfy_result *r, struct fc_err *err)
{
	struct plan p;
	long long t0 = now_ms();
	int rc;

	memset(r, 0, sizeof *r);
	r->e = e;
	r->incremental = true;
	if ((rc = plan_init(&p, c, e, o, r, err)) == 0)
		rc = check_keys(&p, keys, n, err);
	r->keys_checked = n;
	plan_release(&p);
	r->duration_ms = now_ms() - t0;
	if (rc) {
		r->error = true;
		snprintf(r->errmsg, sizeof r->errmsg, "%s", err->msg);
	}
	return rc;
}
