/* lib/schema.c - see schema.h. Names go into queries as bound parameters
 * (PostgreSQL) or escaped literals (MySQL), never spliced raw. */
#include "schema.h"

#include "buf.h"
#include "db.h"
#include "ident.h"

#include <stdlib.h>
#include <string.h>

void fc_table_info_release(struct fc_table_info *info)
{
	fc_arena_release(&info->arena);
	memset(info, 0, sizeof *info);
}

const struct fc_column_info *fc_table_column(const struct fc_table_info *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

bool fc_table_unique_on(const struct fc_table_info *t, const char *const *cols, size_t n)
{
	for (size_t u = 0; u < t->nuniques; u++) {
		const struct fc_unique *uq = &t->uniques[u];
		size_t hit = 0;
		if (uq->ncols != n)
			continue;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < uq->ncols; j++)
				if (strcmp(cols[i], uq->cols[j]) == 0) {
					hit++;
					break;
				}
		if (hit == n)
			return true;
	}
	return false;
}

/* Appends a unique key whose column names come comma-separated. */
static int add_unique(struct fc_table_info *t, bool primary, const char *csv, size_t cap)
{
	struct fc_unique *u;
	size_t n = 1;
	const char *p;
	if (t->nuniques >= cap)
		return 0;
	for (p = csv; *p; p++)
		n += *p == ',';
	u = &t->uniques[t->nuniques];
	u->primary = primary;
	u->cols = fc_arena_alloc(&t->arena, n * sizeof *u->cols);
	if (!u->cols)
		return -FC_ENOMEM;
	p = csv;
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(p, ",");
		u->cols[i] = fc_arena_strndup(&t->arena, p, len);
		if (!u->cols[i])
			return -FC_ENOMEM;
		p += len + (p[len] == ',');
	}
	u->ncols = n;
	t->nuniques++;
	return 0;
}

static MYSQL_RES *my_query(MYSQL *my, const char *sql, struct fc_err *err)
{
	MYSQL_RES *r;
	if (mysql_real_query(my, sql, strlen(sql)) != 0) {
		fc_errf(err, FC_ESQL, "mysql: reading the schema: %s", mysql_error(my));
		return NULL;
	}
	r = mysql_store_result(my);
	if (!r)
		fc_errf(err, FC_ESQL, "mysql: reading the schema: %s", mysql_error(my));
	return r;
}

int fc_mysql_table_info(MYSQL *my, const char *schema, const char *table,
                        struct fc_table_info *t, struct fc_err *err)
{
	struct fc_buf q = FC_BUF_INIT, where = FC_BUF_INIT;
	MYSQL_RES *r = NULL;
	MYSQL_ROW row;
	size_t n;
	int rc = 0;

	memset(t, 0, sizeof *t);
	if ((rc = fc_buf_puts(&where, "TABLE_SCHEMA = ")) ||
	    (rc = schema && *schema ? fc_literal_mysql(&where, schema)
	                            : fc_buf_puts(&where, "DATABASE()")) ||
	    (rc = fc_buf_puts(&where, " AND TABLE_NAME = ")) ||
	    (rc = fc_literal_mysql(&where, table)) ||
	    /* MySQL 8 upper-cases information_schema column names, MariaDB not: alias them */
	    (rc = fc_buf_printf(&q,
	                        "SELECT COLUMN_NAME, LOWER(COLUMN_TYPE), IS_NULLABLE = 'YES', "
	                        "COLUMN_DEFAULT IS NOT NULL OR EXTRA LIKE '%%auto_increment%%' "
	                        "OR EXTRA LIKE '%%GENERATED%%', CHARACTER_SET_NAME, TABLE_SCHEMA "
	                        "FROM information_schema.COLUMNS WHERE %s ORDER BY ORDINAL_POSITION",
	                        where.ptr))) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	if (!(r = my_query(my, q.ptr, err))) {
		rc = -FC_ESQL;
		goto out;
	}
	n = (size_t)mysql_num_rows(r);
	if (n == 0) {
		rc = fc_errf(err, FC_ENOTFOUND, "table %s%s%s does not exist",
		             schema && *schema ? schema : "", schema && *schema ? "." : "", table);
		goto out;
	}
	t->cols = fc_arena_alloc(&t->arena, n * sizeof *t->cols);
	if (!t->cols) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	while ((row = mysql_fetch_row(r))) {
		struct fc_column_info *c = &t->cols[t->ncols++];
		c->name = fc_arena_strdup(&t->arena, row[0] ? row[0] : "");
		fc_sqltype_from_mysql(row[1] ? row[1] : "", &c->type);
		c->nullable = row[2] && row[2][0] == '1';
		c->has_default = row[3] && row[3][0] == '1';
		c->charset = row[4] ? fc_arena_strdup(&t->arena, row[4]) : NULL;
		if (!t->schema)
			t->schema = fc_arena_strdup(&t->arena, row[5] ? row[5] : "");
		if (!c->name || !t->schema || (row[4] && !c->charset)) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* MariaDB keeps JSON as LONGTEXT with a json_valid() CHECK */
	mysql_free_result(r);
	r = NULL;
	fc_buf_reset(&q);
	if (fc_buf_puts(&q, "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
	                "WHERE CONSTRAINT_SCHEMA = ") ||
	    fc_literal_mysql(&q, t->schema) || fc_buf_puts(&q, " AND TABLE_NAME = ") ||
	    fc_literal_mysql(&q, table)) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	if (mysql_real_query(my, q.ptr, q.len) == 0 && (r = mysql_store_result(my))) {
		while ((row = mysql_fetch_row(r))) {
			for (size_t i = 0; row[0] && i < t->ncols; i++) {
				char want[FC_IDENT_MAX + 16];
				snprintf(want, sizeof want, "json_valid(`%s`)", t->cols[i].name);
				if (strstr(row[0], want) && t->cols[i].type.fam == FC_T_TEXT)
					fc_sqltype_from_mysql("json", &t->cols[i].type);
			}
		}
		mysql_free_result(r);
		r = NULL;
	} else {
		mysql_free_result(mysql_store_result(my));  /* MySQL < 8.0.16: no such view */
	}
	fc_buf_reset(&q);
	if (fc_buf_printf(&q,
	                  "SELECT INDEX_NAME = 'PRIMARY', GROUP_CONCAT(COLUMN_NAME ORDER BY "
	                  "SEQ_IN_INDEX) FROM information_schema.STATISTICS WHERE %s AND "
	                  "NON_UNIQUE = 0 GROUP BY INDEX_NAME", where.ptr)) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	if (!(r = my_query(my, q.ptr, err))) {
		rc = -FC_ESQL;
		goto out;
	}
	n = (size_t)mysql_num_rows(r);
	t->uniques = fc_arena_alloc(&t->arena, (n ? n : 1) * sizeof *t->uniques);
	t->name = fc_arena_strdup(&t->arena, table);
	if (!t->uniques || !t->name) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	while ((row = mysql_fetch_row(r)))
		if (row[1] && (rc = add_unique(t, row[0] && row[0][0] == '1', row[1], n))) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			break;
		}
out:
	if (r)
		mysql_free_result(r);
	fc_buf_release(&q);
	fc_buf_release(&where);
	if (rc)
		fc_table_info_release(t);
	return rc;
}

static PGresult *pg_query(PGconn *pg, const char *sql, int nparams, const char *const *params,
                          struct fc_err *err)
{
	PGresult *r = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		char msg[512];
		fc_errf(err, FC_ESQL, "postgres: reading the schema: %s",
		        fc_pg_error(pg, r, msg, sizeof msg));
		PQclear(r);
		return NULL;
	}
	return r;
}

int fc_pg_table_info(PGconn *pg, const char *schema, const char *table,
                     struct fc_table_info *t, struct fc_err *err)
{
	const char *params[2] = { schema && *schema ? schema : NULL, table };
	PGresult *r = NULL;
	int rc = 0, n;

	memset(t, 0, sizeof *t);
	r = pg_query(pg,
	             "SELECT a.attname, format_type(a.atttypid, a.atttypmod), ty.typtype = 'e', "
	             "NOT a.attnotnull, a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '', "
	             "n.nspname, "
	             "CASE WHEN ty.typtype = 'e' THEN (SELECT string_agg(e.enumlabel, E'\\x1f' "
	             "ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = ty.oid) END "
	             "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
	             "JOIN pg_namespace n ON n.oid = c.relnamespace "
	             "JOIN pg_type ty ON ty.oid = a.atttypid "
	             "WHERE n.nspname = COALESCE($1, current_schema()) AND c.relname = $2 "
	             "AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
	             "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
	             2, params, err);
	if (!r)
		return -FC_ESQL;
	n = PQntuples(r);
	if (n == 0) {
		rc = fc_errf(err, FC_ENOTFOUND, "table %s%s%s does not exist",
		             params[0] ? schema : "", params[0] ? "." : "", table);
		goto out;
	}
	t->cols = fc_arena_alloc(&t->arena, (size_t)n * sizeof *t->cols);
	if (!t->cols) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct fc_column_info *c = &t->cols[t->ncols++];
		c->name = fc_arena_strdup(&t->arena, PQgetvalue(r, i, 0));
		if (!c->name) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			goto out;
		}
		fc_sqltype_from_pg(PQgetvalue(r, i, 1), &c->type);
		if (PQgetvalue(r, i, 2)[0] == 't') {
			char *labels = PQgetvalue(r, i, 6);
			c->type.fam = FC_T_ENUM;
			while (labels && *labels) {
				size_t len = strcspn(labels, "\x1f");
				char one[64];
				snprintf(one, sizeof one, "%.*s", (int)len, labels);
				fc_sqltype_add_label(&c->type, one);
				labels += len + (labels[len] != '\0');
			}
		}
		c->nullable = PQgetvalue(r, i, 3)[0] == 't';
		c->has_default = PQgetvalue(r, i, 4)[0] == 't';
		if (!t->schema && !(t->schema = fc_arena_strdup(&t->arena, PQgetvalue(r, i, 5)))) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			goto out;
		}
	}
	PQclear(r);
	params[0] = t->schema;
	r = pg_query(pg,
	             "SELECT i.indisprimary, (SELECT string_agg(a.attname, ',' ORDER BY k.ord) "
	             "FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord) "
	             "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) "
	             "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
	             "JOIN pg_namespace n ON n.oid = c.relnamespace "
	             "WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique "
	             "AND i.indpred IS NULL AND i.indexprs IS NULL",
	             2, params, err);
	if (!r) {
		rc = -FC_ESQL;
		goto out;
	}
	n = PQntuples(r);
	t->uniques = fc_arena_alloc(&t->arena, (size_t)(n ? n : 1) * sizeof *t->uniques);
	t->name = fc_arena_strdup(&t->arena, table);
	if (!t->uniques || !t->name) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (!PQgetisnull(r, i, 1) &&
		    (rc = add_unique(t, PQgetvalue(r, i, 0)[0] == 't', PQgetvalue(r, i, 1), (size_t)n))) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			break;
		}
out:
	PQclear(r);
	if (rc)
		fc_table_info_release(t);
	return rc;
}
