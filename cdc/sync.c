/* cdc/sync.c - see sync.h. */
#include "sync.h"

#include "../lib/buf.h"
#include "../lib/db.h"
#include "../lib/ident.h"
#include "../lib/schema.h"
#include "outbox.h"
#include "snapshot.h"

#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats/nats.h>
#include <sys/select.h>

static bool event_fields(const char *line, char *entity, size_t n, const char **key, size_t *klen);

struct cdc_sync_entity {
	const struct map_entity *e;
	char *select_head;         /* SELECT key..., values... FROM `db`.`t` */
	char *upsert;              /* INSERT ... ON CONFLICT ... */
	char *delete_one;          /* DELETE ... WHERE (k) = ($1..) */
	bool *zero_date;           /* per mapped column: a legacy date/time */
	/* Backfill into an empty table streams one COPY instead of upserts
	 * when every column's value can go in as text (copy_sql NULL when
	 * not): per column, the zone to append to a legacy wall clock, or
	 * whether the text is hex for a bytea. */
	char *copy_sql;            /* COPY "s"."t" (cols) FROM STDIN */
	char *probe;               /* SELECT 1 FROM "s"."t" LIMIT 1 */
	struct copy_col {
		const char *zone;
		bool hex;
	} *copy;
	bool upsert_prepared;
	char stmt[32], dstmt[32];
};

static struct cdc_sync_entity *prepared(struct cdc_sync *s, const struct map_entity *e)
{
	for (size_t i = 0; i < s->nents; i++)
		if (s->ents[i].e == e)
			return &s->ents[i];
	return NULL;
}

static const char *pg_encoding(const char *charset)
{
	if (!strcmp(charset, "euckr") || !strcmp(charset, "cp949"))
		return "UHC";
	if (!strcmp(charset, "latin1"))
		return "WIN1252";
	return "UTF8";
}

/* Builds the statements of one entity from the live schemas. */
/* Appends the target table, "schema"."name", and with cols its column
 * list, " (a, b, ...)". */
static void put_target(struct fc_buf *b, const struct map_entity *e, bool cols)
{
	if (e->to.schema[0]) {
		fc_quote_pg(b, e->to.schema);
		fc_buf_putc(b, '.');
	}
	fc_quote_pg(b, e->to.name);
	if (!cols)
		return;
	fc_buf_puts(b, " (");
	for (size_t i = 0; i < e->ncolumns; i++) {
		if (i)
			fc_buf_puts(b, ", ");
		fc_quote_pg(b, e->columns[i].target);
	}
	fc_buf_putc(b, ')');
}

static int prepare(struct cdc_sync *s, const struct map_entity *e, struct cdc_sync_entity *pe,
                   struct fc_err *err)
{
	struct fc_table_info src, dst;
	struct fc_buf sel = FC_BUF_INIT, up = FC_BUF_INIT, del = FC_BUF_INIT;
	int rc;

	memset(pe, 0, sizeof *pe);
	pe->e = e;
	if ((rc = fc_mysql_table_info(s->my, e->from.schema, e->from.name, &src, err)))
		return fc_err_prefix(err, "entity '%s'", e->name);
	if ((rc = fc_pg_table_info(s->pg, e->to.schema, e->to.name, &dst, err))) {
		fc_table_info_release(&src);
		return fc_err_prefix(err, "entity '%s'", e->name);
	}
	pe->zero_date = calloc(e->ncolumns ? e->ncolumns : 1, sizeof *pe->zero_date);
	/* SELECT: the legacy key first, then each mapped column's source */
	fc_buf_puts(&sel, "SELECT ");
	for (size_t k = 0; k < e->nkey; k++) {
		if (k)
			fc_buf_puts(&sel, ", ");
		fc_quote_mysql(&sel, e->from_key[k]);
	}
	for (size_t i = 0; i < e->ncolumns; i++) {
		const struct map_column *c = &e->columns[i];
		const struct fc_column_info *ci = fc_table_column(&src, c->source);
		enum fc_tfam fam = ci ? ci->type.fam : FC_T_TEXT;
		if (!ci) {
			rc = fc_errf(err, FC_ECONFIG, "entity '%s': legacy table %s has no column '%s' "
			             "(ficus mappings check tells more)", e->name, e->from.text, c->source);
			goto out;
		}
		fc_buf_puts(&sel, ", ");
		if (fam == FC_T_BINARY) {
			fc_buf_puts(&sel, "HEX(");
			fc_quote_mysql(&sel, c->source);
			fc_buf_puts(&sel, ")");
		} else if (fam == FC_T_GEOMETRY) {
			fc_buf_puts(&sel, "HEX(ST_AsBinary(");
			fc_quote_mysql(&sel, c->source);
			fc_buf_puts(&sel, "))");
		} else if (fam == FC_T_BIT) {
			fc_buf_puts(&sel, "CAST(");
			fc_quote_mysql(&sel, c->source);
			fc_buf_puts(&sel, " AS UNSIGNED)");
		} else {
			fc_quote_mysql(&sel, c->source);
		}
		pe->zero_date[i] = fam == FC_T_DATE || fam == FC_T_DATETIME || fam == FC_T_TIMESTAMPTZ;
	}
	fc_buf_puts(&sel, " FROM ");
	if (e->from.schema[0]) {
		fc_quote_mysql(&sel, e->from.schema);
		fc_buf_putc(&sel, '.');
	}
	fc_quote_mysql(&sel, e->from.name);

	/* INSERT ... ON CONFLICT (key) DO UPDATE */
	fc_buf_puts(&up, "INSERT INTO ");
	put_target(&up, e, true);
	/* one statement a batch: every column as a text array, unnested, each
	 * element cast or converted the way the column spec says */
	fc_buf_puts(&up, " SELECT ");
	for (size_t i = 0; i < e->ncolumns; i++) {
		const struct map_column *c = &e->columns[i];
		const struct fc_column_info *ci = fc_table_column(&src, c->source);
		const struct fc_column_info *di = fc_table_column(&dst, c->target);
		bool binary = ci->type.fam == FC_T_BINARY || ci->type.fam == FC_T_GEOMETRY;
		const char *ty = di ? di->type.text : "text";
		if (i)
			fc_buf_puts(&up, ", ");
		if (binary && c->charset)
			fc_buf_printf(&up, "convert_from(decode(u.c%zu, 'hex'), '%s')", i + 1,
			              pg_encoding(c->charset));
		else if (binary && (!di || di->type.fam == FC_T_BINARY))
			fc_buf_printf(&up, "decode(u.c%zu, 'hex')", i + 1);
		else if (c->timezone) {
			fc_buf_printf(&up, "(u.c%zu::timestamp AT TIME ZONE ", i + 1);
			fc_literal_pg(&up, c->timezone);
			fc_buf_printf(&up, ")::%s", ty);
		} else if (c->type)
			fc_buf_printf(&up, "u.c%zu::%s::%s", i + 1, c->type, ty);
		else
			fc_buf_printf(&up, "u.c%zu::%s", i + 1, ty);
	}
	fc_buf_puts(&up, " FROM unnest(");
	for (size_t i = 0; i < e->ncolumns; i++)
		fc_buf_printf(&up, "%s$%zu::text[]", i ? ", " : "", i + 1);
	fc_buf_puts(&up, ") AS u(");
	for (size_t i = 0; i < e->ncolumns; i++)
		fc_buf_printf(&up, "%sc%zu", i ? ", " : "", i + 1);
	fc_buf_putc(&up, ')');
	fc_buf_puts(&up, " ON CONFLICT (");
	for (size_t k = 0; k < e->nkey; k++) {
		if (k)
			fc_buf_puts(&up, ", ");
		fc_quote_pg(&up, e->to_key[k]);
	}
	fc_buf_puts(&up, ") DO ");
	{
		bool any = false;
		for (size_t i = 0; i < e->ncolumns; i++) {
			bool key = false;
			for (size_t k = 0; k < e->nkey; k++)
				key = key || !strcmp(e->to_key[k], e->columns[i].target);
			if (key)
				continue;
			fc_buf_puts(&up, any ? ", " : "UPDATE SET ");
			fc_quote_pg(&up, e->columns[i].target);
			fc_buf_puts(&up, " = EXCLUDED.");
			fc_quote_pg(&up, e->columns[i].target);
			any = true;
		}
		if (!any)
			fc_buf_puts(&up, "NOTHING");
	}

	/* COPY: only where the text of the value is what the column takes */
	pe->copy = calloc(e->ncolumns ? e->ncolumns : 1, sizeof *pe->copy);
	if (pe->copy) {
		bool ok = true;
		struct fc_buf cp = FC_BUF_INIT, pr = FC_BUF_INIT;
		for (size_t i = 0; ok && i < e->ncolumns; i++) {
			const struct map_column *c = &e->columns[i];
			const struct fc_column_info *ci = fc_table_column(&src, c->source);
			const struct fc_column_info *di = fc_table_column(&dst, c->target);
			bool binary = ci->type.fam == FC_T_BINARY || ci->type.fam == FC_T_GEOMETRY;
			if (!di) {
				ok = false;
			} else if (binary) {
				ok = !c->charset && di->type.fam == FC_T_BINARY;
				pe->copy[i].hex = true;
			} else if (c->timezone) {
				/* "2019-03-01 12:00:00 Asia/Seoul" is an instant */
				ok = di->type.fam == FC_T_TIMESTAMPTZ;
				pe->copy[i].zone = c->timezone;
			} else if (c->type) {
				ok = !strcmp(c->type, di->type.text);
			}
		}
		fc_buf_puts(&cp, "COPY ");
		put_target(&cp, e, true);
		fc_buf_puts(&cp, " FROM STDIN");
		fc_buf_puts(&pr, "SELECT 1 FROM ");
		put_target(&pr, e, false);
		fc_buf_puts(&pr, " LIMIT 1");
		if (ok && cp.ptr && pr.ptr) {
			pe->copy_sql = fc_buf_detach(&cp);
			pe->probe = fc_buf_detach(&pr);
		}
		fc_buf_release(&cp);
		fc_buf_release(&pr);
	}

	fc_buf_puts(&del, "DELETE FROM ");
	put_target(&del, e, false);
	fc_buf_puts(&del, " WHERE ");
	for (size_t k = 0; k < e->nkey; k++) {
		const struct fc_column_info *di = fc_table_column(&dst, e->to_key[k]);
		if (k)
			fc_buf_puts(&del, " AND ");
		fc_quote_pg(&del, e->to_key[k]);
		/* the key arrives as text: compare in the column's own type */
		fc_buf_printf(&del, " = $%zu::%s", k + 1, di ? di->type.text : "text");
	}
	if (!sel.ptr || !up.ptr || !del.ptr) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	pe->select_head = fc_buf_detach(&sel);
	pe->upsert = fc_buf_detach(&up);
	pe->delete_one = fc_buf_detach(&del);
	rc = 0;
out:
	fc_buf_release(&sel);
	fc_buf_release(&up);
	fc_buf_release(&del);
	fc_table_info_release(&src);
	fc_table_info_release(&dst);
	return rc;
}

/* Applies trim, null_if, map/default and zero dates to one legacy value
 * (len bytes at v); returns false for SQL NULL, else the text to send in
 * *out / *outlen (pointing into v or the mapping). */
static bool transform(const struct map_column *c, bool zero_date, const char *v, size_t len,
                      const char **out, size_t *outlen)
{
	if (!v)
		return false;
	if (c->trim) {
		while (len && *v == ' ') {
			v++;
			len--;
		}
		while (len && v[len - 1] == ' ')
			len--;
	}
	for (size_t i = 0; i < c->nnull_if; i++)
		if (strlen(c->null_if[i]) == len && !memcmp(v, c->null_if[i], len))
			return false;
	if (c->nvalues) {
		for (size_t i = 0; i < c->nvalues; i++)
			if (strlen(c->values[i].from) == len && !memcmp(v, c->values[i].from, len)) {
				if (!c->values[i].to)
					return false;
				*out = c->values[i].to;
				*outlen = strlen(c->values[i].to);
				return true;
			}
		if (c->has_default) {
			if (!c->default_value)
				return false;
			*out = c->default_value;
			*outlen = strlen(c->default_value);
			return true;
		}
	}
	if (zero_date && len >= 10 && !strncmp(v, "0000-00-00", 10))
		return false;
	*out = v;
	*outlen = len;
	return true;
}

/* Appends one element to a PostgreSQL text-array literal. */
static int array_add(struct fc_buf *a, bool first, bool present, const char *v, size_t len)
{
	int rc = first ? 0 : fc_buf_putc(a, ',');
	if (rc == 0 && !present)
		return fc_buf_puts(a, "NULL");
	if (rc == 0)
		rc = fc_buf_putc(a, '"');
	for (size_t i = 0; rc == 0 && i < len; i++) {
		if (v[i] == '"' || v[i] == '\\')
			rc = fc_buf_putc(a, '\\');
		if (rc == 0)
			rc = fc_buf_putc(a, v[i]);
	}
	return rc ? rc : fc_buf_putc(a, '"');
}

/* A flat JSON object of scalars, {"a":1,"b":"x"}: the values in order as
 * text (strings unescaped). Returns the count, -1 when malformed. */
static int key_pairs(const char *json, char names[][64], char vals[][256], int max)
{
	const char *p = json;
	int n = 0;
#define WS() while (*p == ' ' || *p == '\t' || *p == '\n')  p++
	WS();
	if (*p++ != '{')
		return -1;
	WS();
	while (*p && *p != '}' && n < max) {
		size_t o = 0;
		if (*p == ',') {
			p++;
			WS();
		}
		if (*p != '"')
			return -1;
		{
			const char *q = strchr(p + 1, '"');   /* keys are identifiers: no escapes */
			if (!q || (size_t)(q - p - 1) >= 64)
				return -1;
			memcpy(names[n], p + 1, (size_t)(q - p - 1));
			names[n][q - p - 1] = '\0';
			p = q;
		}
		p++;
		WS();
		if (*p++ != ':')
			return -1;
		WS();
		if (*p == '"') {
			for (p++; *p && *p != '"' && o < 255; p++) {
				if (*p == '\\' && p[1]) {
					p++;
					switch (*p) {
					case 'n': vals[n][o++] = '\n'; break;
					case 't': vals[n][o++] = '\t'; break;
					case 'r': vals[n][o++] = '\r'; break;
					default: vals[n][o++] = *p; break;
					}
				} else {
					vals[n][o++] = *p;
				}
			}
			if (*p != '"')
				return -1;
			p++;
		} else {
			while (*p && *p != ',' && *p != '}' && *p != ' ' && o < 255)
				vals[n][o++] = *p++;
		}
		vals[n][o] = '\0';
		n++;
		WS();
	}
#undef WS
	return *p == '}' ? n : -1;
}

/* The values of e's legacy key columns, in e->from_key order, from a key
 * object whose members may come in any order (jsonb sorts them). Returns
 * e->nkey, or -1 when a key column is missing or the text is malformed. */
static int key_values(const struct map_entity *e, const char *json, char vals[][256])
{
	static char names[16][64], got[16][256];
	int n = key_pairs(json, names, got, 16);
	if (n != (int)e->nkey)
		return -1;
	for (size_t k = 0; k < e->nkey; k++) {
		int i;
		for (i = 0; i < n; i++)
			if (!strcmp(names[i], e->from_key[k]))
				break;
		if (i == n)
			return -1;
		memcpy(vals[k], got[i], sizeof got[i]);
	}
	return n;
}

static int pg_check(PGresult *r, ExecStatusType want, const char *what, const char *entity,
                    struct fc_err *err)
{
	if (PQresultStatus(r) != want) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
		msg[strcspn(msg, "\n")] = '\0';
		PQclear(r);
		return fc_errf(err, FC_ESQL, "entity '%s': %s: %s", entity, what, msg);
	}
	PQclear(r);
	return 0;
}

/* The result of an upsert sent with upsert_rows(..., send_only): waits
 * for it (rows: how many it carried). */
static int upsert_result(struct cdc_sync *s, struct cdc_sync_entity *pe, size_t rows,
                         struct fc_err *err)
{
	PGresult *r;
	int rc = 0;
	while ((r = PQgetResult(s->pg))) {
		if (rc == 0)
			rc = pg_check(r, PGRES_COMMAND_OK, "upsert", pe->e->name, err);
		else
			PQclear(r);
	}
	if (rc == 0)
		s->upserts += rows;
	return rc;
}

/* Upserts the rows of a legacy result in one statement; marks which keys
 * were found. send_only: sends it and returns (*sent: the rows in it);
 * upsert_result() takes the result, and nothing else may use s->pg
 * until then. */
static int upsert_rows_ex(struct cdc_sync *s, struct cdc_sync_entity *pe, MYSQL_RES *res,
                          char found[][256 * 4], size_t *nfound, size_t cap, bool send_only,
                          size_t *sent, struct fc_err *err)
{
	const struct map_entity *e = pe->e;
	size_t nc = e->ncolumns ? e->ncolumns : 1, rows = 0;
	struct fc_buf *arr = calloc(nc, sizeof *arr);
	const char **params = calloc(nc, sizeof *params);
	MYSQL_ROW row;
	int rc = 0;

	if (!arr || !params) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	if (!pe->upsert_prepared) {
		PGresult *r;
		snprintf(pe->stmt, sizeof pe->stmt, "up_%p", (void *)pe);
		r = PQprepare(s->pg, pe->stmt, pe->upsert, (int)e->ncolumns, NULL);
		if ((rc = pg_check(r, PGRES_COMMAND_OK, "preparing the upsert", e->name, err)))
			goto out;
		snprintf(pe->dstmt, sizeof pe->dstmt, "del_%p", (void *)pe);
		r = PQprepare(s->pg, pe->dstmt, pe->delete_one, (int)e->nkey, NULL);
		if ((rc = pg_check(r, PGRES_COMMAND_OK, "preparing the delete", e->name, err)))
			goto out;
		pe->upsert_prepared = true;
	}
	for (size_t i = 0; i < e->ncolumns; i++)
		fc_buf_putc(&arr[i], '{');
	while ((row = mysql_fetch_row(res))) {
		unsigned long *lens = mysql_fetch_lengths(res);
		for (size_t i = 0; rc == 0 && i < e->ncolumns; i++) {
			const char *v = NULL;
			size_t len = 0;
			bool present = transform(&e->columns[i], pe->zero_date[i], row[e->nkey + i],
			                         lens[e->nkey + i], &v, &len);
			rc = array_add(&arr[i], rows == 0, present, v, len);
		}
		if (rc) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			goto out;
		}
		rows++;
		if (found && *nfound < cap) {
			size_t o = 0;
			for (size_t k = 0; k < e->nkey; k++)
				o += (size_t)snprintf(found[*nfound] + o, sizeof found[0] - o, "%s\x1f",
				                      row[k] ? row[k] : "");
			(*nfound)++;
		}
	}
	if (rows == 0)
		goto out;
	for (size_t i = 0; i < e->ncolumns; i++) {
		if (fc_buf_putc(&arr[i], '}')) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			goto out;
		}
		params[i] = arr[i].ptr;
	}
	if (send_only) {
		if (!PQsendQueryPrepared(s->pg, pe->stmt, (int)e->ncolumns, params, NULL, NULL, 0))
			rc = fc_errf(err, FC_ESQL, "entity '%s': upsert: %s", e->name,
			             PQerrorMessage(s->pg));
		else
			*sent = rows;
		goto out;
	}
	rc = pg_check(PQexecPrepared(s->pg, pe->stmt, (int)e->ncolumns, params, NULL, NULL, 0),
	              PGRES_COMMAND_OK, "upsert", e->name, err);
	if (rc == 0)
		s->upserts += rows;
out:
	for (size_t i = 0; arr && i < nc; i++)
		fc_buf_release(&arr[i]);
	free(arr);
	free(params);
	return rc;
}

static int upsert_rows(struct cdc_sync *s, struct cdc_sync_entity *pe, MYSQL_RES *res,
                       char found[][256 * 4], size_t *nfound, size_t cap, struct fc_err *err)
{
	return upsert_rows_ex(s, pe, res, found, nfound, cap, false, NULL, err);
}

int cdc_sync_keys(struct cdc_sync *s, const struct map_entity *e, char *const *keys, size_t n,
                  struct fc_err *err)
{
	struct cdc_sync_entity *pe = prepared(s, e);
	struct fc_buf q = FC_BUF_INIT;
	static char vals[16][256];
	char (*found)[256 * 4] = NULL, (*want)[256 * 4] = NULL;
	size_t nfound = 0;
	MYSQL_RES *res = NULL;
	int rc = 0;

	if (!pe)
		return fc_errf(err, FC_EINVAL, "entity '%s' is not prepared", e->name);
	if (n == 0)
		return 0;
	found = calloc(n, sizeof *found);
	want = calloc(n, sizeof *want);
	if (!found || !want) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	fc_buf_puts(&q, pe->select_head);
	fc_buf_puts(&q, " WHERE (");
	for (size_t k = 0; k < e->nkey; k++) {
		if (k)
			fc_buf_puts(&q, ", ");
		fc_quote_mysql(&q, e->from_key[k]);
	}
	fc_buf_puts(&q, ") IN (");
	for (size_t i = 0; i < n; i++) {
		size_t o = 0;
		if (key_values(e, keys[i], vals) != (int)e->nkey) {
			rc = fc_errf(err, FC_ECORRUPT, "entity '%s': event key %s does not match the "
			             "mapping's key", e->name, keys[i]);
			goto out;
		}
		fc_buf_puts(&q, i ? ", (" : "(");
		for (size_t k = 0; k < e->nkey; k++) {
			if (k)
				fc_buf_puts(&q, ", ");
			fc_literal_mysql(&q, vals[k]);
			o += (size_t)snprintf(want[i] + o, sizeof want[0] - o, "%s\x1f", vals[k]);
		}
		fc_buf_putc(&q, ')');
	}
	/* A locking read: MariaDB sends a transaction to its replicas when it
	 * is in the binlog, a moment before InnoDB makes it visible (with
	 * semi-sync replication AFTER_SYNC, until a replica acknowledges). A
	 * plain read in that moment misses the row of the event being applied,
	 * and nothing would bring it later; a locking read waits for the
	 * writer's commit and sees the row. The shared locks go at the
	 * statement's end (autocommit). */
	fc_buf_puts(&q, ") LOCK IN SHARE MODE");
	if (!q.ptr) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	if (mysql_real_query(s->my, q.ptr, q.len) || !(res = mysql_store_result(s->my))) {
		rc = fc_errf(err, FC_ESQL, "entity '%s': fetching %zu rows from %s: %s", e->name, n,
		             e->from.text, mysql_error(s->my));
		goto out;
	}
	if ((rc = upsert_rows(s, pe, res, found, &nfound, n, err)))
		goto out;
	/* the keys the legacy table no longer has: gone from the target too */
	for (size_t i = 0; i < n; i++) {
		bool hit = false;
		for (size_t j = 0; j < nfound && !hit; j++)
			hit = !strcmp(want[i], found[j]);
		if (hit)
			continue;
		key_values(e, keys[i], vals);
		{
			const char *params[16];
			for (size_t k = 0; k < e->nkey; k++)
				params[k] = vals[k];
			if ((rc = pg_check(PQexecPrepared(s->pg, pe->dstmt, (int)e->nkey, params, NULL, NULL,
			                                  0), PGRES_COMMAND_OK, "delete", e->name, err)))
				goto out;
			s->deletes++;
		}
	}
out:
	if (res)
		mysql_free_result(res);
	fc_buf_release(&q);
	free(found);
	free(want);
	return rc;
}

/* Reads the next chunk of backfill rows (key order, after last unless
 * first) into *res, and notes its last key in last. */
static int read_chunk(struct cdc_sync *s, struct cdc_sync_entity *pe, char last[][256], bool first,
                      size_t chunk, MYSQL_RES **res, struct fc_err *err)
{
	const struct map_entity *e = pe->e;
	struct fc_buf q = FC_BUF_INIT;
	size_t rows;

	fc_buf_puts(&q, pe->select_head);
	fc_mysql_keyset_tail(&q, e->from_key, e->nkey, last, first, chunk);
	if (!q.ptr || mysql_real_query(s->my, q.ptr, q.len) || !(*res = mysql_store_result(s->my))) {
		fc_buf_release(&q);
		return fc_errf(err, FC_ESQL, "entity '%s': reading %s: %s", e->name, e->from.text,
		               mysql_error(s->my));
	}
	fc_buf_release(&q);
	rows = (size_t)mysql_num_rows(*res);
	if (rows) {
		MYSQL_ROW row;
		unsigned long *lens;
		mysql_data_seek(*res, rows - 1);
		row = mysql_fetch_row(*res);
		lens = mysql_fetch_lengths(*res);
		for (size_t k = 0; k < e->nkey; k++) {
			if (lens[k] >= 256) {   /* a cut key would read the same rows again */
				mysql_free_result(*res);
				*res = NULL;
				return fc_errf(err, FC_EUNSUPPORTED, "entity '%s': a key value of %lu bytes in %s "
				               "is longer than the backfill handles (255 bytes)", e->name,
				               lens[k], e->from.text);
			}
			snprintf(last[k], 256, "%s", row[k] ? row[k] : "");
		}
		mysql_data_seek(*res, 0);
	}
	return 0;
}

/* Backfill by upserts: into a table that has rows already, or where the
 * values need SQL to become the column's (casts, charsets). */
static int backfill_upsert(struct cdc_sync *s, struct cdc_sync_entity *pe, size_t chunk,
                           void (*progress)(void *ctx, unsigned long long done), void *ctx,
                           struct fc_err *err)
{
	unsigned long long done = 0;
	char last[16][256];
	bool first = true;
	size_t pending = 0;   /* rows of the upsert in flight (0: none) */
	int rc = 0;

	/* Each chunk's upsert is one statement (atomic on its own) sent without
	 * waiting: the next chunk is read from the legacy database while
	 * PostgreSQL writes this one. */
	for (;;) {
		MYSQL_RES *res;
		size_t rows;
		if ((rc = read_chunk(s, pe, last, first, chunk, &res, err)))
			break;
		if (pending) {
			size_t n = pending;
			pending = 0;
			if ((rc = upsert_result(s, pe, n, err))) {
				mysql_free_result(res);
				break;
			}
			done += n;
			if (progress)
				progress(ctx, done);
		}
		rows = (size_t)mysql_num_rows(res);
		if (rows) {
			if ((rc = upsert_rows_ex(s, pe, res, NULL, NULL, 0, true, &pending, err))) {
				mysql_free_result(res);
				break;
			}
		}
		mysql_free_result(res);
		if (rows < chunk)
			break;
		first = false;
	}
	if (pending) {   /* after an error too: the connection must be drained */
		struct fc_err ignored;
		if (rc)
			upsert_result(s, pe, pending, &ignored);
		else if ((rc = upsert_result(s, pe, pending, err)) == 0 && progress)
			progress(ctx, done + pending);
	}
	return rc;
}

/* Appends one value in COPY's text format: \N for NULL, the zone after a
 * wall clock, \\x before hex, and backslash escapes for the rest. */
static int copy_value(struct fc_buf *b, const struct copy_col *cc, bool present, const char *v,
                      size_t len)
{
	int rc = 0;

	if (!present)
		return fc_buf_puts(b, "\\N");
	if (cc->hex)
		rc = fc_buf_puts(b, "\\\\x");
	for (size_t i = 0; rc == 0 && i < len; i++) {
		char ch = v[i];
		if (ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r') {
			rc = fc_buf_putc(b, '\\');
			ch = ch == '\t' ? 't' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : ch;
		}
		if (rc == 0)
			rc = fc_buf_putc(b, ch);
	}
	if (rc == 0 && cc->zone) {
		rc = fc_buf_putc(b, ' ');
		if (rc == 0)
			rc = fc_buf_puts(b, cc->zone);
	}
	return rc;
}

/* Backfill into an empty table: one COPY for the whole entity, fed chunk
 * by chunk as the key ranges are read (PostgreSQL parses a chunk while the
 * next one is read; memory stays one chunk). Returns -FC_EEXIST, with
 * nothing written, when another writer (a live sync) put a row with the
 * same key in first: the caller then upserts instead. */
static int backfill_copy(struct cdc_sync *s, struct cdc_sync_entity *pe, size_t chunk,
                         void (*progress)(void *ctx, unsigned long long done), void *ctx,
                         struct fc_err *err)
{
	const struct map_entity *e = pe->e;
	unsigned long long done = 0;
	struct fc_buf out = FC_BUF_INIT;
	char last[16][256], msg[512];
	bool first = true;
	PGresult *r = PQexec(s->pg, pe->copy_sql);
	int rc = 0;

	if (PQresultStatus(r) != PGRES_COPY_IN)
		return pg_check(r, PGRES_COPY_IN, "COPY", e->name, err);
	PQclear(r);
	for (;;) {
		MYSQL_RES *res;
		MYSQL_ROW row;
		size_t rows = 0;
		if ((rc = read_chunk(s, pe, last, first, chunk, &res, err)))
			break;
		fc_buf_reset(&out);
		while (rc == 0 && (row = mysql_fetch_row(res))) {
			unsigned long *lens = mysql_fetch_lengths(res);
			for (size_t i = 0; rc == 0 && i < e->ncolumns; i++) {
				const char *v = NULL;
				size_t len = 0;
				bool present = transform(&e->columns[i], pe->zero_date[i], row[e->nkey + i],
				                         lens[e->nkey + i], &v, &len);
				if (i)
					rc = fc_buf_putc(&out, '\t');
				if (rc == 0)
					rc = copy_value(&out, &pe->copy[i], present, v, len);
			}
			if (rc == 0)
				rc = fc_buf_putc(&out, '\n');
			rows++;
		}
		if (rc) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
		} else if (rows) {
			if (PQputCopyData(s->pg, out.ptr, (int)out.len) != 1)
				rc = fc_errf(err, FC_ESQL, "entity '%s': COPY: %s", e->name,
				             PQerrorMessage(s->pg));
		}
		mysql_free_result(res);
		if (rc)
			break;
		done += rows;
		if (progress && rows)
			progress(ctx, done);
		if (rows < chunk)
			break;
		first = false;
	}
	fc_buf_release(&out);
	/* end the COPY: committed when all went well, else aborted */
	PQputCopyEnd(s->pg, rc ? "ficus: the legacy read failed" : NULL);
	while ((r = PQgetResult(s->pg))) {
		if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			if (state && !strcmp(state, "23505"))   /* unique_violation */
				rc = -FC_EEXIST;
			else
				rc = fc_errf(err, FC_ESQL, "entity '%s': COPY into %s: %s", e->name, e->to.text,
				             fc_pg_error(s->pg, r, msg, sizeof msg));
		}
		PQclear(r);
	}
	if (rc == 0)
		s->upserts += done;
	return rc;
}

int cdc_sync_backfill(struct cdc_sync *s, const struct map_entity *e, size_t chunk,
                      void (*progress)(void *ctx, unsigned long long done), void *ctx,
                      struct fc_err *err)
{
	struct cdc_sync_entity *pe = prepared(s, e);
	PGresult *r;
	bool empty;

	if (!pe)
		return fc_errf(err, FC_EINVAL, "entity '%s' is not prepared", e->name);
	if (pe->copy_sql) {
		r = PQexec(s->pg, pe->probe);
		empty = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 0;
		PQclear(r);
		if (empty) {
			int rc = backfill_copy(s, pe, chunk, progress, ctx, err);
			if (rc != -FC_EEXIST)
				return rc;
		}
	}
	return backfill_upsert(s, pe, chunk, progress, ctx, err);
}

static int consumer_position(struct cdc_sync *s, struct fc_err *err)
{
	PGresult *r;
	int rc;
	if ((rc = fc_pg_exec(s->pg, cdc_outbox_ddl, err)) ||
	    (rc = fc_pg_exec(s->pg, "CREATE TABLE IF NOT EXISTS ficus.sync_poll (entity text PRIMARY KEY,"
	                     " changed_at text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());"
	                     "CREATE TABLE IF NOT EXISTS ficus.sync_state (name text PRIMARY KEY,"
	                     " mode text NOT NULL, reason text, updated_at timestamptz NOT NULL DEFAULT now())",
	                     err)))
		return rc;
	r = PQexec(s->pg, "SELECT seq FROM ficus.consumers WHERE name = 'sync'");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return fc_errf(err, FC_ESQL, "reading the sync position: %s", PQerrorMessage(s->pg));
	}
	s->position = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return 0;
}

/* One batch: returns the number of events applied (0: caught up). */
static long long consume_batch(struct cdc_sync *s, size_t batch, struct fc_err *err)
{
	char pos[32], lim[32], last[32];
	const char *params[2] = { pos, lim };
	PGresult *r;
	int n, rc;

	snprintf(pos, sizeof pos, "%lld", s->position);
	snprintf(lim, sizeof lim, "%zu", batch);
	r = PQexecParams(s->bus, "SELECT seq, entity, key::text FROM ficus.outbox WHERE seq > $1 "
	                 "ORDER BY seq LIMIT $2", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fc_errf(err, FC_ESQL, "reading the outbox: %s", PQerrorMessage(s->bus));
		PQclear(r);
		return -1;
	}
	n = PQntuples(r);
	if (n == 0) {
		PQclear(r);
		return 0;
	}
	if ((rc = fc_pg_exec(s->pg, "BEGIN", err))) {
		PQclear(r);
		return -1;
	}
	/* per entity, the distinct keys of the batch */
	for (size_t f = 0; f < s->maps->nfiles; f++)
		for (size_t j = 0; j < s->maps->files[f]->nentities; j++) {
			const struct map_entity *e = &s->maps->files[f]->entities[j];
			char **keys = calloc((size_t)n, sizeof *keys);
			size_t nk = 0;
			for (int i = 0; keys && i < n; i++) {
				const char *k = PQgetvalue(r, i, 2);
				bool dup = false;
				if (strcmp(PQgetvalue(r, i, 1), e->name))
					continue;
				for (size_t q = 0; q < nk && !dup; q++)
					dup = !strcmp(keys[q], k);
				if (!dup)
					keys[nk++] = (char *)k;
			}
			rc = keys ? cdc_sync_keys(s, e, keys, nk, err) : fc_errf(err, FC_ENOMEM, "out of memory");
			free(keys);
			if (rc) {
				PQclear(r);
				PQclear(PQexec(s->pg, "ROLLBACK"));
				return -1;
			}
		}
	snprintf(last, sizeof last, "%s", PQgetvalue(r, n - 1, 0));
	PQclear(r);
	params[0] = last;
	r = PQexecParams(s->pg, "INSERT INTO ficus.consumers (name, seq, updated_at) VALUES ('sync', $1, "
	                 "now()) ON CONFLICT (name) DO UPDATE SET seq = EXCLUDED.seq, updated_at = now()",
	                 1, NULL, params, NULL, NULL, 0);
	if (pg_check(r, PGRES_COMMAND_OK, "storing the position", "sync", err) ||
	    fc_pg_exec(s->pg, "COMMIT", err)) {
		PQclear(PQexec(s->pg, "ROLLBACK"));
		return -1;
	}
	s->position = strtoll(last, NULL, 10);
	s->events += (unsigned long long)n;
	return n;
}

/* Records the mode (outbox / polling) and why, for `sync status`. */
static int set_mode(struct cdc_sync *s, bool polling, const char *reason, struct fc_err *err)
{
	const char *params[2] = { polling ? "polling" : "outbox", reason };
	PGresult *r = PQexecParams(s->pg, "INSERT INTO ficus.sync_state (name, mode, reason, updated_at) "
	                           "VALUES ('sync', $1, $2, now()) ON CONFLICT (name) DO UPDATE SET "
	                           "mode = EXCLUDED.mode, reason = EXCLUDED.reason, updated_at = now()",
	                           2, NULL, params, NULL, NULL, 0);
	s->polling = polling;
	if (polling)
		fprintf(stderr, "ficus sync: the bus is down (%s): polling the legacy tables\n", reason);
	else if (reason)
		fprintf(stderr, "ficus sync: %s\n", reason);
	return pg_check(r, PGRES_COMMAND_OK, "recording the mode", "sync", err);
}

/* One round of polling: every entity with a `changed` column. */
static int poll_round(struct cdc_sync *s, size_t batch, struct fc_err *err)
{
	for (size_t i = 0; i < s->nents; i++) {
		const struct map_entity *e = s->ents[i].e;
		struct fc_table_info ti;
		struct fc_buf q = FC_BUF_INIT, key = FC_BUF_INIT;
		char since[64] = "1970-01-01 00:00:00", last[64] = "";
		const char *params[2];
		MYSQL_RES *res = NULL;
		MYSQL_ROW row;
		char **keys = NULL;
		size_t n = 0;
		PGresult *r;
		int rc = 0;

		if (!e->changed)
			continue;
		params[0] = e->name;
		r = PQexecParams(s->pg, "SELECT changed_at FROM ficus.sync_poll WHERE entity = $1 UNION ALL "
		                 "SELECT to_char((updated_at - interval '5 minutes') AT TIME ZONE 'UTC', "
		                 "'YYYY-MM-DD HH24:MI:SS') FROM ficus.consumers WHERE name = 'sync' LIMIT 1",
		                 1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			snprintf(since, sizeof since, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		if ((rc = fc_mysql_table_info(s->my, e->from.schema, e->from.name, &ti, err)))
			return fc_err_prefix(err, "polling entity '%s'", e->name);
		fc_buf_puts(&q, "SELECT ");
		for (size_t k = 0; k < e->nkey; k++) {
			fc_quote_mysql(&q, e->from_key[k]);
			fc_buf_puts(&q, ", ");
		}
		fc_quote_mysql(&q, e->changed);
		fc_buf_puts(&q, " FROM ");
		if (e->from.schema[0]) {
			fc_quote_mysql(&q, e->from.schema);
			fc_buf_putc(&q, '.');
		}
		fc_quote_mysql(&q, e->from.name);
		fc_buf_puts(&q, " WHERE ");
		fc_quote_mysql(&q, e->changed);
		fc_buf_puts(&q, " >= ");
		fc_literal_mysql(&q, since);
		fc_buf_puts(&q, " ORDER BY ");
		fc_quote_mysql(&q, e->changed);
		fc_buf_printf(&q, " LIMIT %zu", batch * 10);
		if (!q.ptr || mysql_real_query(s->my, q.ptr, q.len) || !(res = mysql_store_result(s->my))) {
			rc = fc_errf(err, FC_ESQL, "polling entity '%s': %s", e->name, mysql_error(s->my));
			goto next;
		}
		keys = calloc((size_t)mysql_num_rows(res) + 1, sizeof *keys);
		while (keys && (row = mysql_fetch_row(res))) {
			fc_buf_reset(&key);
			if (cdc_key_json(&key, e, &ti, row) == 0)
				keys[n++] = strdup(key.ptr);
			if (row[e->nkey])
				snprintf(last, sizeof last, "%s", row[e->nkey]);
		}
		if (n) {
			/* the rows of the last second come again next round: a row
			 * changed later in that same second is not missed */
			params[1] = last;
			if ((rc = fc_pg_exec(s->pg, "BEGIN", err)) == 0 &&
			    (rc = cdc_sync_keys(s, e, keys, n, err)) == 0) {
				r = PQexecParams(s->pg, "INSERT INTO ficus.sync_poll (entity, changed_at) VALUES ($1, "
				                 "$2) ON CONFLICT (entity) DO UPDATE SET changed_at = EXCLUDED.changed_at,"
				                 " updated_at = now()", 2, NULL, params, NULL, NULL, 0);
				rc = pg_check(r, PGRES_COMMAND_OK, "storing the poll position", e->name, err);
			}
			if (rc == 0)
				rc = fc_pg_exec(s->pg, "COMMIT", err);
			else
				PQclear(PQexec(s->pg, "ROLLBACK"));
			s->polled += n;
		}
	next:
		for (size_t k = 0; k < n; k++)
			free(keys[k]);
		free(keys);
		if (res)
			mysql_free_result(res);
		fc_buf_release(&q);
		fc_buf_release(&key);
		fc_table_info_release(&ti);
		if (rc)
			return rc;
	}
	return 0;
}

/* The bus is reachable again: back to the outbox, from where it stopped. */
static bool bus_back(struct cdc_sync *s)
{
	struct fc_err e;
	PGconn *c;
	if (!s->bus_conn || !(c = fc_pg_open(s->bus_conn, &e)))
		return false;
	if (s->bus && s->bus != s->pg)
		PQfinish(s->bus);
	s->bus = c;
	return true;
}

/* Applies one batch of NATS messages: entity by entity, then the position
 * (the last stream sequence), all in one target transaction. */
static int apply_nats_batch(struct cdc_sync *s, natsMsgList *list, struct fc_err *err)
{
	char entity[128], last[32] = "0";
	const char *params[1] = { last };
	PGresult *r;
	int rc = fc_pg_exec(s->pg, "BEGIN", err);
	for (size_t f = 0; rc == 0 && f < s->maps->nfiles; f++)
		for (size_t j = 0; rc == 0 && j < s->maps->files[f]->nentities; j++) {
			const struct map_entity *e = &s->maps->files[f]->entities[j];
			char **keys = calloc((size_t)list->Count + 1, sizeof *keys);
			size_t nk = 0;
			for (int i = 0; keys && i < list->Count; i++) {
				const char *data = natsMsg_GetData(list->Msgs[i]), *k;
				size_t klen;
				bool dup = false;
				if (!data || !event_fields(data, entity, sizeof entity, &k, &klen) ||
				    strcmp(entity, e->name))
					continue;
				for (size_t q = 0; q < nk && !dup; q++)
					dup = strlen(keys[q]) == klen && !strncmp(keys[q], k, klen);
				if (!dup)
					keys[nk++] = strndup(k, klen);
			}
			rc = keys ? cdc_sync_keys(s, e, keys, nk, err) : fc_errf(err, FC_ENOMEM, "out of memory");
			for (size_t q = 0; q < nk; q++)
				free(keys[q]);
			free(keys);
		}
	if (rc == 0 && list->Count > 0) {
		jsMsgMetaData *meta = NULL;
		if (natsMsg_GetMetaData(&meta, list->Msgs[list->Count - 1]) == NATS_OK) {
			snprintf(last, sizeof last, "%llu", (unsigned long long)meta->Sequence.Stream);
			jsMsgMetaData_Destroy(meta);
		}
		r = PQexecParams(s->pg, "INSERT INTO ficus.consumers (name, seq, updated_at) VALUES "
		                 "('sync', $1, now()) ON CONFLICT (name) DO UPDATE SET seq = EXCLUDED.seq, "
		                 "updated_at = now()", 1, NULL, params, NULL, NULL, 0);
		rc = pg_check(r, PGRES_COMMAND_OK, "storing the position", "sync", err);
	}
	if (rc == 0)
		rc = fc_pg_exec(s->pg, "COMMIT", err);
	else
		PQclear(PQexec(s->pg, "ROLLBACK"));
	if (rc == 0) {
		s->position = strtoll(last, NULL, 10);
		s->events += (unsigned long long)list->Count;
	}
	return rc;
}

static int consume_nats(struct cdc_sync *s, size_t batch, bool once, volatile sig_atomic_t *stop,
                        struct fc_err *err)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	natsSubscription *sub = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	char filter[160];
	int rc = 0;

	if (natsConnection_ConnectTo(&nc, s->nats_url) != NATS_OK ||
	    natsConnection_JetStream(&js, nc, NULL) != NATS_OK) {
		rc = fc_errf(err, FC_ECONNECT, "sync: the NATS bus: %s", nats_GetLastError(NULL));
		goto out;
	}
	jsSubOptions_Init(&so);
	so.Stream = s->nats_stream;
	so.Config.AckPolicy = js_AckNone;
	so.Config.DeliverPolicy = js_DeliverByStartSequence;
	so.Config.OptStartSeq = (uint64_t)s->position + 1;
	snprintf(filter, sizeof filter, "%s.>", s->nats_subjects);
	if (js_PullSubscribe(&sub, js, filter, NULL, NULL, &so, &jerr) != NATS_OK) {
		rc = fc_errf(err, FC_ECONNECT, "sync: reading stream %s (%s): %s", s->nats_stream, filter,
		             nats_GetLastError(NULL));
		goto out;
	}
	while (!*stop) {
		natsMsgList list = { NULL, 0 };
		natsStatus st = natsSubscription_Fetch(&list, sub, (int)batch, once ? 1000 : 5000, &jerr);
		if (st == NATS_TIMEOUT) {
			if (once)
				break;
			continue;
		}
		if (st != NATS_OK) {
			rc = fc_errf(err, FC_ECONNECT, "sync: fetching from stream %s: %s", s->nats_stream,
			             nats_GetLastError(NULL));
			break;
		}
		rc = apply_nats_batch(s, &list, err);
		natsMsgList_Destroy(&list);
		if (rc)
			break;
	}
out:
	if (sub) {
		natsSubscription_Unsubscribe(sub);
		natsSubscription_Destroy(sub);
	}
	if (js)
		jsCtx_Destroy(js);
	if (nc)
		natsConnection_Destroy(nc);
	return rc;
}

int cdc_sync_consume(struct cdc_sync *s, size_t batch, bool once, volatile sig_atomic_t *stop,
                     struct fc_err *err)
{
	int rc = consumer_position(s, err);
	bool listening = false;
	if (rc)
		return rc;
	if (s->nats_url)
		return consume_nats(s, batch, once, stop, err);
	if (!s->bus) {
		if ((rc = set_mode(s, true, s->bus_down, err)))
			return rc;
	} else {
		/* a run that polled before: say that the bus is back */
		PGresult *r = PQexec(s->pg, "SELECT mode FROM ficus.sync_state WHERE name = 'sync'");
		bool was_polling = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
		                   !strcmp(PQgetvalue(r, 0, 0), "polling");
		PQclear(r);
		if ((rc = set_mode(s, false, was_polling ? "the bus is back: consuming the outbox again"
		                                         : NULL, err)))
			return rc;
	}
	while (!*stop) {
		long long n;
		if (s->polling) {
			if (bus_back(s)) {
				if ((rc = set_mode(s, false, "the bus is back: consuming the outbox again", err)))
					return rc;
				listening = false;
				continue;
			}
			if ((rc = poll_round(s, batch, err)))
				return rc;
			if (once)
				return 0;
			for (int i = 0; i < 10 && !*stop; i++)
				usleep(100000);
			continue;
		}
		n = consume_batch(s, batch, err);
		if (n < 0) {
			if (s->bus != s->pg && PQstatus(s->bus) != CONNECTION_OK) {
				snprintf(s->bus_down, sizeof s->bus_down, "%s", err->msg);
				fc_err_clear(err);
				if ((rc = set_mode(s, true, s->bus_down, err)))
					return rc;
				continue;
			}
			return -FC_ESQL;
		}
		if (n > 0)
			continue;
		if (once)
			return 0;
		if (!listening) {
			if ((rc = fc_pg_exec(s->bus, "LISTEN ficus_outbox", err)))
				return rc;
			listening = true;
		}
		{
			/* wait for a NOTIFY, 5 s at most */
			fd_set fds;
			struct timeval tv = { 5, 0 };
			int sock = PQsocket(s->bus);
			PGnotify *note;
			FD_ZERO(&fds);
			FD_SET(sock, &fds);
			select(sock + 1, &fds, NULL, NULL, &tv);
			PQconsumeInput(s->bus);
			while ((note = PQnotifies(s->bus)))
				PQfreemem(note);
		}
	}
	return 0;
}

int cdc_sync_open(struct cdc_sync *s, const struct fc_config *cfg, const struct map_set *maps,
                  bool need_bus, struct fc_err *err)
{
	const struct fc_conn *src, *dst, *bus = NULL;
	size_t n = 0;
	int rc;

	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->maps = maps;
	if (!cfg->sync.present)
		return fc_errf(err, FC_ECONFIG, "%s has no 'sync' section (sync: { source: CONN, "
		               "target: CONN })", cfg->path);
	src = fc_config_conn(cfg, cfg->sync.source);
	dst = fc_config_conn(cfg, cfg->sync.target);
	if (!(s->my = fc_mysql_open(src, err)) || !(s->pg = fc_pg_open(dst, err)))
		return -FC_ECONNECT;
	if (need_bus && strcmp(cfg->sync.bus, "nats") == 0) {
		if (!cfg->cdc.present || cfg->cdc.sink.kind != FC_SINK_NATS)
			return fc_errf(err, FC_ECONFIG, "sync.bus is nats, but cdc.sink is not a nats sink: "
			               "no stream to read");
		s->nats_url = fc_config_conn(cfg, cfg->cdc.sink.connection)->dsn;
		s->nats_stream = cfg->cdc.sink.stream;
		s->nats_subjects = cfg->cdc.sink.subjects;
	} else if (need_bus) {
		if (strcmp(cfg->sync.bus, "outbox") != 0)
			return fc_errf(err, FC_EUNSUPPORTED, "sync.bus %s is not built: use outbox or nats "
			               "(or --stdin for JSON lines)", cfg->sync.bus);
		if (!cfg->cdc.present || cfg->cdc.sink.kind != FC_SINK_OUTBOX)
			return fc_errf(err, FC_ECONFIG, "sync.bus is outbox, but cdc.sink is not an outbox: "
			               "nothing to consume");
		bus = fc_config_conn(cfg, cfg->cdc.sink.connection);
		s->bus_conn = bus;
		if (strcmp(bus->dsn, dst->dsn) == 0) {
			s->bus = s->pg;
		} else if (!(s->bus = fc_pg_open(bus, err))) {
			/* poll instead, when some entity says how */
			bool pollable = false;
			for (size_t f = 0; f < maps->nfiles; f++)
				for (size_t j = 0; j < maps->files[f]->nentities; j++)
					pollable = pollable || maps->files[f]->entities[j].changed;
			if (!pollable)
				return fc_err_prefix(err, "the bus is down and no entity has 'from.changed' to "
				                     "poll by");
			snprintf(s->bus_down, sizeof s->bus_down, "%s", err->msg);
			fc_err_clear(err);
		}
	}
	for (size_t f = 0; f < maps->nfiles; f++)
		n += maps->files[f]->nentities;
	s->ents = calloc(n ? n : 1, sizeof *s->ents);
	if (!s->ents)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	for (size_t f = 0; f < maps->nfiles; f++)
		for (size_t j = 0; j < maps->files[f]->nentities; j++) {
			if ((rc = prepare(s, &maps->files[f]->entities[j], &s->ents[s->nents], err)))
				return rc;
			s->nents++;
		}
	return 0;
}

void cdc_sync_close(struct cdc_sync *s)
{
	for (size_t i = 0; i < s->nents; i++) {
		free(s->ents[i].select_head);
		free(s->ents[i].upsert);
		free(s->ents[i].delete_one);
		free(s->ents[i].zero_date);
		free(s->ents[i].copy_sql);
		free(s->ents[i].probe);
		free(s->ents[i].copy);
	}
	free(s->ents);
	if (s->bus && s->bus != s->pg)
		PQfinish(s->bus);
	if (s->pg)
		PQfinish(s->pg);
	if (s->my)
		mysql_close(s->my);
	memset(s, 0, sizeof *s);
}

/* "entity":"NAME" and "key":{...} of an event line (ficus writes them in
 * that order, without spaces). */
static bool event_fields(const char *line, char *entity, size_t n, const char **key, size_t *klen)
{
	const char *e = strstr(line, "\"entity\":\""), *k = strstr(line, "\"key\":{"), *end;
	int depth = 0;
	if (!e || !k)
		return false;
	e += 10;
	end = strchr(e, '"');
	if (!end || (size_t)(end - e) >= n)
		return false;
	memcpy(entity, e, (size_t)(end - e));
	entity[end - e] = '\0';
	k += 6;
	for (end = k; *end; end++) {
		if (*end == '"') {
			for (end++; *end && *end != '"'; end++)
				if (*end == '\\' && end[1])
					end++;
			if (!*end)
				return false;
		} else if (*end == '{') {
			depth++;
		} else if (*end == '}' && --depth == 0) {
			*key = k;
			*klen = (size_t)(end - k + 1);
			return true;
		}
	}
	return false;
}

int cdc_sync_stdin(struct cdc_sync *s, FILE *f, size_t batch, struct fc_err *err)
{
	char *line = NULL, entity[128];
	size_t cap = 0, n = 0, lineno = 0;
	char **ents = calloc(batch, sizeof *ents), **keys = calloc(batch, sizeof *keys);
	int rc = 0;
	bool eof = false;

	if (!ents || !keys) {
		free(ents);
		free(keys);
		return fc_errf(err, FC_ENOMEM, "out of memory");
	}
	while (rc == 0 && !eof) {
		ssize_t len = getline(&line, &cap, f);
		if (len > 0) {
			const char *k;
			size_t klen;
			lineno++;
			if (line[len - 1] == '\n')
				line[--len] = '\0';
			if (len == 0)
				continue;
			if (!event_fields(line, entity, sizeof entity, &k, &klen)) {
				rc = fc_errf(err, FC_EINVAL, "stdin line %zu: not an event (no \"entity\" and "
				             "\"key\"): %.80s", lineno, line);
				break;
			}
			if (!map_set_entity(s->maps, entity)) {
				rc = fc_errf(err, FC_EINVAL, "stdin line %zu: unknown entity '%s'", lineno, entity);
				break;
			}
			ents[n] = strdup(entity);
			keys[n] = strndup(k, klen);
			n++;
			s->events++;
		} else {
			eof = true;
		}
		if (n == batch || (eof && n)) {
			/* one transaction per batch, entity by entity */
			rc = fc_pg_exec(s->pg, "BEGIN", err);
			for (size_t f2 = 0; rc == 0 && f2 < s->maps->nfiles; f2++)
				for (size_t j = 0; rc == 0 && j < s->maps->files[f2]->nentities; j++) {
					const struct map_entity *e = &s->maps->files[f2]->entities[j];
					char **mine = calloc(n, sizeof *mine);
					size_t m = 0;
					for (size_t i = 0; mine && i < n; i++) {
						bool dup = false;
						if (strcmp(ents[i], e->name))
							continue;
						for (size_t q = 0; q < m && !dup; q++)
							dup = !strcmp(mine[q], keys[i]);
						if (!dup)
							mine[m++] = keys[i];
					}
					rc = mine ? cdc_sync_keys(s, e, mine, m, err)
					          : fc_errf(err, FC_ENOMEM, "out of memory");
					free(mine);
				}
			if (rc == 0)
				rc = fc_pg_exec(s->pg, "COMMIT", err);
			else
				PQclear(PQexec(s->pg, "ROLLBACK"));
			for (size_t i = 0; i < n; i++) {
				free(ents[i]);
				free(keys[i]);
			}
			n = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(ents[i]);
		free(keys[i]);
	}
	free(ents);
	free(keys);
	free(line);
	return rc;
}
