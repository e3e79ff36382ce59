/* verify/canon.c - see canon.h. */
#include "canon.h"

#include "../lib/db.h"
#include "../lib/ident.h"

#include <stdio.h>
#include <string.h>

/* How a value is rendered: decided by the target column, with the legacy
 * column's scale and fraction where both matter. */
struct rend {
	enum fc_tfam fam;
	int scale;          /* DECIMAL: digits after the point, -1 as is */
	int frac;           /* DATETIME/TIMESTAMPTZ: fraction digits */
	int digits;         /* FLOAT */
	bool uuid;
	const char *tz;     /* the mapping's zone of the legacy wall clock */
	enum fc_tfam src;   /* the legacy column's family */
	int src_scale;      /* the legacy DECIMAL's scale */
	int src_frac;       /* the legacy time's fraction digits */
	bool src_float4;    /* the legacy column is a 4-byte FLOAT */
	bool src_utf8;      /* legacy text already UTF-8 (or not text) */
};

static bool is_time(enum fc_tfam f)
{
	return f == FC_T_DATE || f == FC_T_DATETIME || f == FC_T_TIMESTAMPTZ;
}

static void rend_of(struct rend *r, const struct map_column *c, const struct fc_column_info *ci,
                    const struct fc_column_info *di, int float_digits)
{
	memset(r, 0, sizeof *r);
	r->fam = di ? di->type.fam : FC_T_TEXT;
	r->src = ci ? ci->type.fam : FC_T_TEXT;
	r->digits = float_digits;
	r->tz = c->timezone;
	r->scale = -1;
	r->src_scale = ci ? ci->type.scale : 0;
	r->src_frac = ci ? ci->type.frac : 0;
	r->src_float4 = ci && ci->type.fam == FC_T_FLOAT && ci->type.bits == 32;
	r->src_utf8 = !ci || !ci->charset || !strncmp(ci->charset, "utf8", 4) ||
	              !strcmp(ci->charset, "ascii");
	if (r->fam == FC_T_ENUM || r->fam == FC_T_SET)
		r->fam = FC_T_TEXT;
	if (r->fam == FC_T_UUID) {
		r->fam = FC_T_TEXT;
		r->uuid = true;
	}
	if (r->fam == FC_T_DECIMAL) {
		if (di->type.precision >= 0)
			r->scale = di->type.scale;
		else if (r->src == FC_T_DECIMAL)
			r->scale = ci->type.scale;
		else if (r->src == FC_T_INT)
			r->scale = 0;
		if (r->scale > 30)
			r->scale = 30;
	}
	if (r->fam == FC_T_DATETIME || r->fam == FC_T_TIMESTAMPTZ) {
		int sf = ci && is_time(r->src) ? ci->type.frac : 6;
		r->frac = di->type.frac < sf ? di->type.frac : sf;
		if (r->frac < 0)
			r->frac = 0;
	}
}

/* The canonical text of PostgreSQL expression x of the target type. */
static int pg_render(struct fc_buf *b, const struct rend *r, const char *x)
{
	switch (r->fam) {
	case FC_T_DECIMAL:
		if (r->scale >= 0)
			return fc_buf_printf(b, "round((%s)::numeric, %d)::text", x, r->scale);
		return fc_buf_printf(b, "(%s)::text", x);
	case FC_T_FLOAT:
		return fc_buf_printf(b, "round((%s)::numeric, %d)::text", x, r->digits);
	case FC_T_BINARY:
		return fc_buf_printf(b, "encode(%s, 'hex')", x);
	case FC_T_DATE:
		return fc_buf_printf(b, "to_char(%s, 'YYYY-MM-DD')", x);
	case FC_T_DATETIME:
	case FC_T_TIMESTAMPTZ: {
		struct fc_buf y = FC_BUF_INIT;
		int rc;
		/* a zone-mapped column: the instant as a wall clock of that zone
		 * (a timestamp column holds the UTC wall clock sync wrote) */
		if (r->tz && r->fam == FC_T_TIMESTAMPTZ)
			fc_buf_printf(&y, "((%s) AT TIME ZONE ", x);
		else if (r->tz)
			fc_buf_printf(&y, "(((%s) AT TIME ZONE 'UTC') AT TIME ZONE ", x);
		else
			fc_buf_printf(&y, "(%s", x);
		if (r->tz)
			fc_literal_pg(&y, r->tz);
		fc_buf_putc(&y, ')');
		if (!y.ptr)
			return -FC_ENOMEM;
		/* FFn: the first n fraction digits, cut as MariaDB's side cuts */
		if (r->frac > 0)
			rc = fc_buf_printf(b, "to_char(%s, 'YYYY-MM-DD HH24:MI:SS.FF%d')", y.ptr, r->frac);
		else
			rc = fc_buf_printf(b, "to_char(%s, 'YYYY-MM-DD HH24:MI:SS')", y.ptr);
		fc_buf_release(&y);
		return rc;
	}
	case FC_T_TIME:
		return fc_buf_printf(b, "substr((%s)::text, 1, 8)", x);
	case FC_T_JSON:
		return fc_buf_printf(b, "ficus.vfy_json((%s)::jsonb)", x);
	default:
		return fc_buf_printf(b, "(%s)::text", x);
	}
}

/* JSON as MariaDB's JSON_NORMALIZE() writes it (MariaDB 10.7 and later):
 * no spaces, object keys in byte order, every number in scientific form
 * from its decimal digits (2.50 -> 2.5E0, 0.001 -> 1.0E-3, 1234.5 ->
 * 1.2345E3), strings, true, false and null as they are. jsonb writes
 * numbers without exponents, which is where vfy_json_num starts. */
static const char json_ddl[] =
	"CREATE SCHEMA IF NOT EXISTS ficus;"
	"CREATE OR REPLACE FUNCTION ficus.vfy_json_num(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$"
	" SELECT CASE WHEN md = '' THEN '0.0E0' ELSE sgn || left(md, 1) || '.' ||"
	"  CASE WHEN length(md) > 1 THEN substr(md, 2) ELSE '0' END || 'E' || (p - z - 1)::text END"
	" FROM (SELECT sgn, p, length(d) - length(ltrim(d, '0')) AS z, rtrim(ltrim(d, '0'), '0') AS md"
	"  FROM (SELECT CASE WHEN left(t, 1) = '-' THEN '-' ELSE '' END AS sgn,"
	"   length(split_part(ltrim(t, '-'), '.', 1)) AS p, replace(ltrim(t, '-'), '.', '') AS d) a) b"
	" $f$;"
	"CREATE OR REPLACE FUNCTION ficus.vfy_json(j jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$"
	" BEGIN RETURN CASE jsonb_typeof(j)"
	"  WHEN 'object' THEN '{' || coalesce((SELECT string_agg(to_jsonb(k)::text || ':' ||"
	"   ficus.vfy_json(v), ',' ORDER BY k COLLATE \"C\") FROM jsonb_each(j) AS e(k, v)), '') || '}'"
	"  WHEN 'array' THEN '[' || coalesce((SELECT string_agg(ficus.vfy_json(v), ',' ORDER BY n)"
	"   FROM jsonb_array_elements(j) WITH ORDINALITY AS a(v, n)), '') || ']'"
	"  WHEN 'number' THEN ficus.vfy_json_num(j::text)"
	"  ELSE j::text END; END $f$;";

int vfy_canon_pg_setup(PGconn *pg, struct fc_err *err)
{
	PGresult *r = PQexec(pg, "SELECT to_regprocedure('ficus.vfy_json(jsonb)') IS NOT NULL");
	bool have = PQresultStatus(r) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (have)
		return 0;
	return fc_pg_exec(pg, json_ddl, err) ? fc_err_prefix(err, "creating ficus.vfy_json() in the "
	                                                      "target") : 0;
}

int vfy_canon_pg(struct fc_buf *b, const struct map_column *c, const struct fc_column_info *ci,
                 const struct fc_column_info *di, int float_digits)
{
	struct rend r;
	struct fc_buf x = FC_BUF_INIT;
	int rc;
	rend_of(&r, c, ci, di, float_digits);
	fc_quote_pg(&x, c->target);
	rc = x.ptr ? pg_render(b, &r, x.ptr) : -FC_ENOMEM;
	fc_buf_release(&x);
	return rc;
}

static bool numeric(enum fc_tfam f)
{
	return f == FC_T_INT || f == FC_T_DECIMAL || f == FC_T_FLOAT || f == FC_T_BIT ||
	       f == FC_T_YEAR || f == FC_T_BOOL;
}

/* The canonical text of MariaDB expression t (the legacy value after
 * trim and friends). Where the legacy column's own text already is the
 * canonical form (an integer, a DECIMAL at the same scale, UTF-8 text, a
 * date, a time with the same fraction digits) t goes as it is: every
 * function costs MariaDB time on every row. */
static int my_render(struct fc_buf *b, const struct rend *r, const char *t)
{
	switch (r->fam) {
	case FC_T_INT:
		if (r->src == FC_T_INT || r->src == FC_T_YEAR || r->src == FC_T_BIT)
			return fc_buf_puts(b, t);
		return fc_buf_printf(b, "CAST(CAST(%s AS DECIMAL(65,0)) AS CHAR)", t);
	case FC_T_DECIMAL:
		if ((r->src == FC_T_DECIMAL && r->src_scale == r->scale) ||
		    (r->src == FC_T_INT && r->scale == 0) || r->scale < 0)
			return fc_buf_puts(b, t);
		return fc_buf_printf(b, "CAST(CAST(%s AS DECIMAL(65,%d)) AS CHAR)", t, r->scale);
	case FC_T_FLOAT:
		/* A 4-byte FLOAT: 123.45 is stored as 123.4499969...; its text,
		 * "123.45" (6 significant digits), is what sync wrote, so the
		 * value is taken from that text. */
		if (r->src_float4)
			return fc_buf_printf(b, "CAST(CAST(ROUND(CAST(CAST(%s AS CHAR) AS DOUBLE), %d) AS "
			                     "DECIMAL(65,%d)) AS CHAR)", t, r->digits, r->digits);
		return fc_buf_printf(b, "CAST(CAST(ROUND(%s, %d) AS DECIMAL(65,%d)) AS CHAR)", t, r->digits,
		                     r->digits);
	case FC_T_BOOL:
		if (numeric(r->src))
			return fc_buf_printf(b, "IF(%s <> 0, 'true', 'false')", t);
		return fc_buf_printf(b, "CASE WHEN LOWER(%s) IN ('t','true','y','yes','on','1') THEN 'true' "
		                     "WHEN LOWER(%s) IN ('f','false','n','no','off','0') THEN 'false' "
		                     "ELSE CONVERT(%s USING utf8mb4) END", t, t, t);
	case FC_T_BINARY:
		if (r->src == FC_T_BINARY)
			return fc_buf_printf(b, "LOWER(HEX(%s))", t);
		return fc_buf_printf(b, "LOWER(HEX(CONVERT(%s USING utf8mb4)))", t);
	case FC_T_DATE:
		if (r->src == FC_T_DATE)
			return fc_buf_puts(b, t);
		return fc_buf_printf(b, "DATE_FORMAT(%s, '%%Y-%%m-%%d')", t);
	case FC_T_DATETIME:
	case FC_T_TIMESTAMPTZ:
		if ((r->src == FC_T_DATETIME || r->src == FC_T_TIMESTAMPTZ) && r->src_frac == r->frac)
			return fc_buf_puts(b, t);   /* YYYY-MM-DD HH:MM:SS[.fff] */
		if ((r->src == FC_T_DATETIME || r->src == FC_T_TIMESTAMPTZ) && r->src_frac < r->frac)
			return fc_buf_printf(b, "LEFT(%s, %d)", t, 19 + (r->frac ? r->frac + 1 : 0));
		if (r->src == FC_T_DATETIME || r->src == FC_T_TIMESTAMPTZ) {
			/* PostgreSQL rounded the digits the target column has no room
			 * for when sync wrote the value (half up): round the same way,
			 * by adding half a unit and cutting */
			long half = 5;
			for (int i = r->frac; i < 5; i++)
				half *= 10;
			return fc_buf_printf(b, "LEFT(%s + INTERVAL %ld MICROSECOND, %d)", t, half,
			                     19 + (r->frac ? r->frac + 1 : 0));
		}
		if (r->frac > 0)
			return fc_buf_printf(b, "CONCAT(DATE_FORMAT(%s, '%%Y-%%m-%%d %%H:%%i:%%s'), "
			                     "LEFT(DATE_FORMAT(%s, '.%%f'), %d))", t, t, r->frac + 1);
		return fc_buf_printf(b, "DATE_FORMAT(%s, '%%Y-%%m-%%d %%H:%%i:%%s')", t);
	case FC_T_TIME:
		if (r->src == FC_T_TIME && r->src_frac == 0)
			return fc_buf_puts(b, t);
		return fc_buf_printf(b, "TIME_FORMAT(%s, '%%H:%%i:%%s')", t);
	case FC_T_JSON:
		return fc_buf_printf(b, "JSON_NORMALIZE(%s)", t);
	default:
		if (r->uuid)
			return fc_buf_printf(b, "LOWER(CONVERT(%s USING utf8mb4))", t);
		if (r->src_utf8)
			return fc_buf_puts(b, t);
		return fc_buf_printf(b, "CONVERT(%s USING utf8mb4)", t);
	}
}

bool vfy_canon_mysql_nullable(const struct map_column *c, const struct fc_column_info *ci)
{
	return !ci || ci->nullable || c->nnull_if || c->nvalues || is_time(ci->type.fam);
}

/* A value map's or default's target value (text as the mapping has it)
 * rendered canonically by PostgreSQL after sync's cast, as a MariaDB
 * literal; NULL stays NULL. */
static int pg_literal(struct fc_buf *b, PGconn *pg, const struct map_column *c,
                      const struct fc_column_info *di, const struct rend *r, const char *value,
                      struct fc_err *err)
{
	struct fc_buf x = FC_BUF_INIT, q = FC_BUF_INIT;
	const char *ty = di ? di->type.text : "text";
	const char *params[1] = { value };
	PGresult *res;
	int rc = 0;

	if (!value)
		return fc_buf_puts(b, "NULL");
	if (c->timezone) {
		fc_buf_puts(&x, "($1::timestamp AT TIME ZONE ");
		fc_literal_pg(&x, c->timezone);
		fc_buf_printf(&x, ")::%s", ty);
	} else if (c->type) {
		fc_buf_printf(&x, "$1::%s::%s", c->type, ty);
	} else {
		fc_buf_printf(&x, "$1::%s", ty);
	}
	fc_buf_puts(&q, "SELECT ");
	if (!x.ptr || pg_render(&q, r, x.ptr) || !q.ptr) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	res = PQexecParams(pg, q.ptr, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		char msg[512];
		fc_pg_error(pg, res, msg, sizeof msg);
		rc = fc_errf(err, FC_ECONFIG, "column '%s': value '%s' as %s: %s", c->target, value, ty, msg);
	} else if (PQgetisnull(res, 0, 0)) {
		rc = fc_buf_puts(b, "NULL");
	} else {
		rc = fc_literal_mysql(b, PQgetvalue(res, 0, 0));
	}
	PQclear(res);
out:
	fc_buf_release(&x);
	fc_buf_release(&q);
	return rc;
}

int vfy_canon_mysql(struct fc_buf *b, PGconn *pg, const struct map_column *c,
                    const struct fc_column_info *ci, const struct fc_column_info *di,
                    int float_digits, struct fc_err *err)
{
	struct rend r;
	struct fc_buf base = FC_BUF_INIT, t = FC_BUF_INIT;
	bool zero = false;
	int rc = 0;

	rend_of(&r, c, ci, di, float_digits);
	if (c->charset && !fc_ident_valid(c->charset, NULL))
		return fc_errf(err, FC_ECONFIG, "column '%s': charset '%s' is not a charset name",
		               c->target, c->charset);
	/* the legacy value as sync reads it */
	if (r.src == FC_T_BINARY && c->charset) {
		fc_buf_puts(&base, "CONVERT(CAST(");
		fc_quote_mysql(&base, c->source);
		fc_buf_printf(&base, " AS CHAR CHARACTER SET %s) USING utf8mb4)", c->charset);
		r.src = FC_T_TEXT;
		r.src_utf8 = true;
	} else if (r.src == FC_T_BINARY && r.fam != FC_T_BINARY) {
		/* sync sends HEX() text, which the target takes as it is */
		fc_buf_puts(&base, "HEX(");
		fc_quote_mysql(&base, c->source);
		fc_buf_putc(&base, ')');
		r.src = FC_T_TEXT;
		r.src_utf8 = true;
	} else if (r.src == FC_T_BIT) {
		fc_buf_puts(&base, "CAST(");
		fc_quote_mysql(&base, c->source);
		fc_buf_puts(&base, " AS UNSIGNED)");
	} else {
		fc_quote_mysql(&base, c->source);
	}
	if (c->trim) {
		fc_buf_printf(&t, "TRIM(BOTH ' ' FROM %s)", base.ptr ? base.ptr : "");
		r.src = r.src == FC_T_BINARY ? FC_T_BINARY : FC_T_TEXT;
	} else {
		fc_buf_puts(&t, base.ptr ? base.ptr : "");
	}
	zero = is_time(ci ? ci->type.fam : FC_T_TEXT);
	if (!t.ptr) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	if (!c->nnull_if && !c->nvalues && !zero) {
		rc = my_render(b, &r, t.ptr);
		goto out;
	}
	fc_buf_puts(b, "CASE");
	if (!ci || ci->nullable)
		fc_buf_printf(b, " WHEN %s IS NULL THEN NULL", t.ptr);
	for (size_t i = 0; i < c->nnull_if; i++) {
		fc_buf_printf(b, " WHEN CAST(%s AS BINARY) = ", t.ptr);
		fc_literal_mysql(b, c->null_if[i]);
		fc_buf_puts(b, " THEN NULL");
	}
	for (size_t i = 0; i < c->nvalues; i++) {
		fc_buf_printf(b, " WHEN CAST(%s AS BINARY) = ", t.ptr);
		fc_literal_mysql(b, c->values[i].from);
		fc_buf_puts(b, " THEN ");
		if ((rc = pg_literal(b, pg, c, di, &r, c->values[i].to, err)))
			goto out;
	}
	if (c->nvalues && c->has_default) {
		fc_buf_puts(b, " ELSE ");
		rc = pg_literal(b, pg, c, di, &r, c->default_value, err);
		fc_buf_puts(b, " END");
		goto out;
	}
	if (zero)
		fc_buf_printf(b, " WHEN LEFT(%s, 10) = '0000-00-00' THEN NULL", t.ptr);
	fc_buf_puts(b, " ELSE ");
	my_render(b, &r, t.ptr);
	fc_buf_puts(b, " END");
out:
	if (rc == 0 && !b->ptr)
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
	fc_buf_release(&base);
	fc_buf_release(&t);
	return rc;
}
