/* cdc/names.c - see names.h. */
#include "names.h"

#include "../lib/arena.h"
#include "../lib/db.h"
#include "../lib/ident.h"
#include "value.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cdc_names_col {
	const char *name;
	const char *data_type;     /* information_schema DATA_TYPE */
	bool is_unsigned;
	uint16_t collation;
	const char **labels;
	size_t nlabels;
	bool is_json;              /* MariaDB: LONGTEXT with a json_valid() CHECK */
};

struct cdc_names_entry {
	const char *db, *table;
	struct cdc_names_col *cols;
	size_t ncols;
	struct fc_arena arena;
};

void cdc_names_init(struct cdc_names *nm, const struct fc_conn *conn, FILE *warn)
{
	memset(nm, 0, sizeof *nm);
	nm->conn = conn;
	nm->warn = warn;
}

static void drop_entries(struct cdc_names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		fc_arena_release(&nm->entries[i].arena);
	nm->n = 0;
}

void cdc_names_release(struct cdc_names *nm)
{
	drop_entries(nm);
	free(nm->entries);
	if (nm->my)
		mysql_close(nm->my);
	memset(nm, 0, sizeof *nm);
}

void cdc_names_invalidate(struct cdc_names *nm)
{
	if (nm->n)
		nm->dirty = true;
	drop_entries(nm);
}

/* Whether a binlog column type can hold a column of this DATA_TYPE. */
static bool type_fits(uint8_t bt, const char *dt)
{
	static const struct { const char *dt; uint8_t t[3]; } map[] = {
		{ "tinyint", { CDC_T_TINY } }, { "smallint", { CDC_T_SHORT } },
		{ "mediumint", { CDC_T_INT24 } }, { "int", { CDC_T_LONG } },
		{ "integer", { CDC_T_LONG } }, { "bigint", { CDC_T_LONGLONG } },
		{ "decimal", { CDC_T_NEWDECIMAL, CDC_T_DECIMAL } },
		{ "numeric", { CDC_T_NEWDECIMAL, CDC_T_DECIMAL } }, { "float", { CDC_T_FLOAT } },
		{ "double", { CDC_T_DOUBLE } }, { "real", { CDC_T_DOUBLE } }, { "bit", { CDC_T_BIT } },
		{ "year", { CDC_T_YEAR } }, { "date", { CDC_T_DATE, CDC_T_NEWDATE } },
		{ "time", { CDC_T_TIME2, CDC_T_TIME } },
		{ "datetime", { CDC_T_DATETIME2, CDC_T_DATETIME } },
		{ "timestamp", { CDC_T_TIMESTAMP2, CDC_T_TIMESTAMP } },
		{ "char", { CDC_T_STRING } }, { "binary", { CDC_T_STRING } },
		{ "varchar", { CDC_T_VARCHAR, CDC_T_VAR_STRING } },
		{ "varbinary", { CDC_T_VARCHAR, CDC_T_VAR_STRING } },
		{ "enum", { CDC_T_ENUM } }, { "set", { CDC_T_SET } },
		{ "json", { CDC_T_JSON, CDC_T_BLOB } },
	};
	if (strstr(dt, "text") || strstr(dt, "blob"))
		return bt == CDC_T_BLOB || bt == CDC_T_TINY_BLOB || bt == CDC_T_MEDIUM_BLOB ||
		       bt == CDC_T_LONG_BLOB;
	if (!strcmp(dt, "geometry") || !strcmp(dt, "point") || !strcmp(dt, "linestring") ||
	    !strcmp(dt, "polygon") || !strncmp(dt, "multi", 5) || !strcmp(dt, "geometrycollection"))
		return bt == CDC_T_GEOMETRY;
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (!strcmp(map[i].dt, dt))
			return bt == map[i].t[0] || (map[i].t[1] && bt == map[i].t[1]);
	return false;
}

/* enum('a','b''c') -> labels in the arena */
static void parse_labels(const char *ct, struct cdc_names_col *c, struct fc_arena *a)
{
	const char *p = strchr(ct, '(');
	char buf[256];
	size_t n = 0, cap = 0, len = 0;
	bool in = false;
	const char **list = NULL;
	if (!p)
		return;
	for (const char *q = p + 1; *q; q++)
		cap += *q == ',';
	list = fc_arena_alloc(a, (cap + 1) * sizeof *list);
	if (!list)
		return;
	for (const char *q = p + 1; *q && n <= cap; q++) {
		if (!in) {
			if (*q == '\'') {
				in = true;
				len = 0;
			}
			continue;
		}
		if (*q == '\'' && q[1] == '\'') {
			if (len < sizeof buf - 1)
				buf[len++] = '\'';
			q++;
		} else if (*q == '\'') {
			list[n++] = fc_arena_strndup(a, buf, len);
			in = false;
		} else if (len < sizeof buf - 1) {
			buf[len++] = *q;
		}
	}
	c->labels = list;
	c->nlabels = n;
}

static struct cdc_names_entry *new_entry(struct cdc_names *nm)
{
	if (nm->n == nm->cap) {
		size_t cap = nm->cap ? nm->cap * 2 : 16;
		struct cdc_names_entry *e = realloc(nm->entries, cap * sizeof *e);
		if (!e)
			return NULL;
		nm->entries = e;
		nm->cap = cap;
	}
	memset(&nm->entries[nm->n], 0, sizeof nm->entries[nm->n]);
	return &nm->entries[nm->n++];
}

static int lookup(struct cdc_names *nm, const char *db, const char *table,
                  struct cdc_names_entry **out, struct fc_err *err)
{
	struct fc_buf q = FC_BUF_INIT;
	struct cdc_names_entry *e;
	MYSQL_RES *r;
	MYSQL_ROW row;
	size_t n;

	*out = NULL;
	if (!nm->my && !(nm->my = fc_mysql_open(nm->conn, err)))
		return -FC_ECONNECT;
	if (fc_buf_puts(&q, "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME "
	                    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ") ||
	    fc_literal_mysql(&q, db) || fc_buf_puts(&q, " AND TABLE_NAME = ") ||
	    fc_literal_mysql(&q, table) || fc_buf_puts(&q, " ORDER BY ORDINAL_POSITION")) {
		fc_buf_release(&q);
		return fc_errf(err, FC_ENOMEM, "out of memory");
	}
	nm->lookups++;
	if (mysql_real_query(nm->my, q.ptr, q.len) || !(r = mysql_store_result(nm->my))) {
		fc_errf(err, FC_ESQL, "connection '%s': reading the schema of %s.%s: %s", nm->conn->name,
		        db, table, mysql_error(nm->my));
		fc_buf_release(&q);
		return -FC_ESQL;
	}
	fc_buf_release(&q);
	n = (size_t)mysql_num_rows(r);
	if (n == 0) {
		mysql_free_result(r);
		return 0;   /* gone (dropped since): no names */
	}
	if (!(e = new_entry(nm))) {
		mysql_free_result(r);
		return fc_errf(err, FC_ENOMEM, "out of memory");
	}
	e->db = fc_arena_strdup(&e->arena, db);
	e->table = fc_arena_strdup(&e->arena, table);
	e->cols = fc_arena_alloc(&e->arena, n * sizeof *e->cols);
	while (e->cols && (row = mysql_fetch_row(r))) {
		struct cdc_names_col *c = &e->cols[e->ncols++];
		c->name = fc_arena_strdup(&e->arena, row[0]);
		c->data_type = fc_arena_strdup(&e->arena, row[1]);
		c->is_unsigned = strstr(row[2], "unsigned") != NULL;
		if (!strcmp(row[1], "binary") || !strcmp(row[1], "varbinary") || strstr(row[1], "blob"))
			c->collation = CDC_COLLATION_BINARY;
		else
			c->collation = cdc_charset_collation(row[3]);
		if (!strcmp(row[1], "enum") || !strcmp(row[1], "set"))
			parse_labels(row[2], c, &e->arena);
	}
	mysql_free_result(r);
	/* MariaDB's JSON is LONGTEXT with a json_valid() CHECK */
	fc_buf_init(&q, 0);
	if (fc_buf_puts(&q, "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
	                    "WHERE CONSTRAINT_SCHEMA = ") == 0 && fc_literal_mysql(&q, db) == 0 &&
	    fc_buf_puts(&q, " AND TABLE_NAME = ") == 0 && fc_literal_mysql(&q, table) == 0 &&
	    mysql_real_query(nm->my, q.ptr, q.len) == 0 && (r = mysql_store_result(nm->my))) {
		while ((row = mysql_fetch_row(r)))
			for (size_t i = 0; row[0] && i < e->ncols; i++) {
				char want[FC_IDENT_MAX + 16];
				snprintf(want, sizeof want, "json_valid(`%s`)", e->cols[i].name);
				if (strstr(row[0], want))
					e->cols[i].is_json = true;
			}
		mysql_free_result(r);
	} else if (mysql_errno(nm->my)) {
		mysql_free_result(mysql_store_result(nm->my));   /* MySQL < 8.0.16: no such view */
	}
	fc_buf_release(&q);
	nm->dirty = true;
	*out = e;
	return 0;
}

int cdc_names_apply(struct cdc_names *nm, struct cdc_table *t, struct fc_err *err)
{
	struct cdc_names_entry *e = NULL;
	int rc;

	if (!nm->conn)
		return 0;
	for (size_t i = 0; i < nm->n; i++)
		if (!strcmp(nm->entries[i].db, t->db) && !strcmp(nm->entries[i].table, t->name))
			e = &nm->entries[i];
	if (!e && !nm->disabled && (rc = lookup(nm, t->db, t->name, &e, err))) {
		/* the schema is a help, not a must: go on without it, and say so
		 * once (a saved binlog may outlive its database) */
		nm->disabled = true;
		if (nm->warn)
			fprintf(nm->warn, "ficus cdc: warning: no schema lookups (%s); column names come "
			        "from the binlog only\n", err->msg);
		fc_err_clear(err);
		return 0;
	}
	if (!e)
		return 0;
	if (t->has_names) {
		/* the binlog named the columns; the schema adds what it cannot say */
		for (size_t i = 0; i < t->ncols; i++)
			for (size_t k = 0; t->cols[i].name && k < e->ncols; k++)
				if (e->cols[k].is_json && !strcmp(e->cols[k].name, t->cols[i].name) &&
				    t->cols[i].type == CDC_T_BLOB)
					t->cols[i].is_json = true;
		return 0;
	}
	if (e->ncols != t->ncols)
		goto mismatch;
	for (size_t i = 0; i < t->ncols; i++)
		if (!type_fits(t->cols[i].type, e->cols[i].data_type))
			goto mismatch;
	for (size_t i = 0; i < t->ncols; i++) {
		struct cdc_column *c = &t->cols[i];
		c->name = fc_arena_strdup(&t->arena, e->cols[i].name);
		c->is_unsigned = e->cols[i].is_unsigned;
		if (!c->collation)
			c->collation = e->cols[i].collation;
		if (!c->labels && e->cols[i].nlabels) {
			const char **l = fc_arena_alloc(&t->arena, e->cols[i].nlabels * sizeof *l);
			for (size_t k = 0; l && k < e->cols[i].nlabels; k++)
				l[k] = fc_arena_strdup(&t->arena, e->cols[i].labels[k]);
			c->labels = l;
			c->nlabels = l ? e->cols[i].nlabels : 0;
		}
		c->is_json = e->cols[i].is_json && c->type == CDC_T_BLOB;
	}
	t->has_names = true;
	nm->applied++;
	return 0;
mismatch:
	nm->mismatches++;
	if (nm->warn)
		fprintf(nm->warn, "ficus cdc: warning: %s.%s in the binlog (%zu columns) does not match "
		        "its schema now (%zu columns or other types): columns named @1, @2, ... "
		        "(binlog_row_metadata=FULL avoids this)\n", t->db, t->name, t->ncols, e->ncols);
	return 0;
}

/* Saved form, one table per line:
 *   db \x1d table \x1d col \x1d col ...   where col is
 *   name \x1f data_type \x1f unsigned(0/1) \x1f collation [\x1f label]* */
int cdc_names_save(struct cdc_names *nm, const char *path, struct fc_err *err)
{
	char tmp[4096];
	FILE *f;
	if (!nm->dirty)
		return 0;
	nm->dirty = false;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return fc_errf(err, FC_EIO, "schema history '%s': %s", tmp, strerror(errno));
	for (size_t i = 0; i < nm->n; i++) {
		const struct cdc_names_entry *e = &nm->entries[i];
		fprintf(f, "%s\x1d%s", e->db, e->table);
		for (size_t k = 0; k < e->ncols; k++) {
			const struct cdc_names_col *c = &e->cols[k];
			fprintf(f, "\x1d%s\x1f%s\x1f%d\x1f%u", c->name, c->data_type,
			        c->is_unsigned | (c->is_json ? 2 : 0), c->collation);
			for (size_t l = 0; l < c->nlabels; l++)
				fprintf(f, "\x1f%s", c->labels[l]);
		}
		fputc('\n', f);
	}
	if (fflush(f) != 0 || fclose(f) != 0)
		return fc_errf(err, FC_EIO, "schema history '%s': %s", tmp, strerror(errno));
	if (rename(tmp, path) != 0)
		return fc_errf(err, FC_EIO, "schema history '%s': %s", path, strerror(errno));
	return 0;
}

int cdc_names_load(struct cdc_names *nm, const char *path, struct fc_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : fc_errf(err, FC_EIO, "schema history '%s': %s", path,
		                                     strerror(errno));
	drop_entries(nm);
	while ((len = getline(&line, &cap, f)) > 0) {
		struct cdc_names_entry *e;
		char *save = NULL, *part;
		size_t ncols = 0;
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		for (char *p = line; *p; p++)
			ncols += *p == '\x1d';
		if (ncols < 2 || !(e = new_entry(nm)))
			continue;
		ncols -= 1;
		e->cols = fc_arena_alloc(&e->arena, ncols * sizeof *e->cols);
		part = strtok_r(line, "\x1d", &save);
		e->db = fc_arena_strdup(&e->arena, part ? part : "");
		part = strtok_r(NULL, "\x1d", &save);
		e->table = fc_arena_strdup(&e->arena, part ? part : "");
		while (e->cols && (part = strtok_r(NULL, "\x1d", &save)) && e->ncols < ncols) {
			struct cdc_names_col *c = &e->cols[e->ncols++];
			char *s2 = NULL, *f1 = strtok_r(part, "\x1f", &s2), *f2 = strtok_r(NULL, "\x1f", &s2);
			char *f3 = strtok_r(NULL, "\x1f", &s2), *f4 = strtok_r(NULL, "\x1f", &s2), *lab;
			const char *tmp[256];
			c->name = fc_arena_strdup(&e->arena, f1 ? f1 : "");
			c->data_type = fc_arena_strdup(&e->arena, f2 ? f2 : "");
			c->is_unsigned = f3 && (atoi(f3) & 1);
			c->is_json = f3 && (atoi(f3) & 2);
			c->collation = f4 ? (uint16_t)atoi(f4) : 0;
			while ((lab = strtok_r(NULL, "\x1f", &s2)) && c->nlabels < 256)
				tmp[c->nlabels++] = fc_arena_strdup(&e->arena, lab);
			if (c->nlabels) {
				c->labels = fc_arena_alloc(&e->arena, c->nlabels * sizeof *c->labels);
				if (c->labels)
					memcpy(c->labels, tmp, c->nlabels * sizeof *tmp);
				else
					c->nlabels = 0;
			}
		}
	}
	free(line);
	fclose(f);
	return 0;
}
