/* lib/mapcheck.c - see mapcheck.h. */
#include "mapcheck.h"

#include "buf.h"
#include "ident.h"
#include "schema.h"
#include "sqltype.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void map_check_add(struct map_check *res, enum map_level level, const char *path, int line,
                   int col, const char *fmt, ...)
{
	struct fc_buf b = FC_BUF_INIT;
	struct map_finding *f;
	va_list ap;

	/* counted first: a finding that cannot be stored still fails the check */
	if (level == MAP_PROBLEM)
		res->problems++;
	else
		res->warnings++;
	if (res->n == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 16;
		struct map_finding *items;
		if (res->cap > SIZE_MAX / 2 / sizeof *items)
			return;
		items = realloc(res->items, cap * sizeof *items);
		if (!items)
			return;   /* the count above still reports it */
		res->items = items;
		res->cap = cap;
	}
	f = &res->items[res->n++];
	f->level = level;
	/* the whole text, then as much of it as fits (a long path or name
	 * only shortens the finding) */
	va_start(ap, fmt);
	if (fc_buf_printf(&b, "%s:%d:%d: ", path, line, col) == 0)
		fc_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	snprintf(f->text, sizeof f->text, "%s", b.ptr ? b.ptr : "(out of memory)");
	if (b.len >= sizeof f->text)
		memcpy(f->text + sizeof f->text - 4, "...", 4);
	fc_buf_release(&b);
}

#define add(res, level, e, line, col, ...) \
	map_check_add((res), (level), (e)->file->path, (line), (col), __VA_ARGS__)

void map_check_release(struct map_check *res)
{
	free(res->items);
	memset(res, 0, sizeof *res);
}

/* Whether every character of short_ appears in long_ in order: "shop_nm"
 * abbreviates "shop_name". */
static bool abbreviates(const char *short_, const char *long_)
{
	for (; *long_ && *short_; long_++)
		if (*long_ == *short_)
			short_++;
	return *short_ == '\0';
}

/* A column of t close to name, for "did you mean": the same name in
 * another case, else the closest abbreviation or expansion, else the
 * nearest by edit distance (at most 2). */
static const char *near(const struct fc_table_info *t, const char *name)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; i < t->ncols; i++)
		if (strcasecmp(t->cols[i].name, name) == 0)
			return t->cols[i].name;
	for (size_t i = 0; i < t->ncols; i++) {
		const char *c = t->cols[i].name;
		if (abbreviates(name, c) || abbreviates(c, name)) {
			size_t d = strlen(c) > strlen(name) ? strlen(c) - strlen(name) : strlen(name) - strlen(c);
			if (!best || d < best_d) {
				best = c;
				best_d = d;
			}
		}
	}
	if (best)
		return best;
	best_d = 3;
	for (size_t i = 0; i < t->ncols; i++) {
		size_t d = fc_edit_distance(t->cols[i].name, name);
		if (d < best_d) {
			best = t->cols[i].name;
			best_d = d;
		}
	}
	return best;
}

static void missing_column(struct map_check *res, const struct map_entity *e, int line,
                           int col, const char *side, const struct fc_table_info *t,
                           const char *name)
{
	const char *n = near(t, name);
	add(res, MAP_PROBLEM, e, line, col, "%s table %s.%s has no column '%s'%s%s%s", side,
	    t->schema, t->name, name, n ? " (did you mean '" : "", n ? n : "", n ? "'?)" : "");
}

/* Whether PostgreSQL knows the type a column's `type:` names: *known gets
 * the answer (false with *why when the name does not even parse). The
 * base name is asked, without its modifier: to_regtype() takes
 * "timestamp with time zone", format_type(.., NULL) names the type. A
 * negative return only when the connection failed. */
static int pg_type_known(PGconn *pg, const char *type, bool *known, char *why, size_t n,
                         struct fc_err *err)
{
	char base[128];
	const char *params[1] = { base };
	const char *open = strchr(type, '('), *close = open ? strchr(open, ')') : NULL;
	PGresult *r;

	if (open && close)
		snprintf(base, sizeof base, "%.*s%s", (int)(open - type), type, close + 1);
	else
		snprintf(base, sizeof base, "%s", type);
	why[0] = '\0';
	r = PQexecParams(pg, "SELECT format_type(to_regtype($1), NULL)", 1, NULL, params,
	                 NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		*known = !PQgetisnull(r, 0, 0);
		PQclear(r);
		return 0;
	}
	if (PQstatus(pg) != CONNECTION_OK || !r) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg));
		msg[strcspn(msg, "\n")] = '\0';
		PQclear(r);
		return fc_errf(err, FC_ESQL, "postgres: looking up type '%s': %s", base, msg);
	}
	/* to_regtype() raises syntax errors ("foo bar") */
	snprintf(why, n, " (postgres: %s)", PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
	                                        ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
	                                        : "error");
	PQclear(r);
	*known = false;
	return 0;
}

static void unknown_type(struct map_check *res, const struct map_entity *e,
                         const struct map_column *mc, const char *why)
{
	add(res, MAP_PROBLEM, e, mc->line, mc->col, "%s <- %s: unknown PostgreSQL type '%s'%s",
	    mc->target, mc->source, mc->type, why);
}

/* type_known: whether PostgreSQL knows the column's `type:` (true without one);
 * why says more when not. */
static void check_column(struct map_check *res, const struct map_entity *e,
                         const struct map_column *mc, const struct fc_table_info *src,
                         const struct fc_table_info *dst, bool type_known,
                         const char *type_why)
{
	const struct fc_column_info *s = fc_table_column(src, mc->source);
	const struct fc_column_info *d = fc_table_column(dst, mc->target);
	int before = res->problems + res->warnings;
	char why[256];
	enum fc_compat c;

	res->columns++;
	if (!type_known)
		unknown_type(res, e, mc, type_why);
	if (!s)
		missing_column(res, e, mc->line, mc->col, "legacy", src, mc->source);
	if (!d)
		missing_column(res, e, mc->line, mc->col, "target", dst, mc->target);
	if (!s || !d)
		return;

	if (mc->nvalues) {
		/* the value map decides what reaches the target */
		for (size_t i = 0; i < mc->nvalues; i++)
			if (mc->values[i].to && !fc_sqltype_accepts(&d->type, mc->values[i].to))
				add(res, MAP_PROBLEM, e, mc->line, mc->col,
				    "%s <- %s: mapped value '%s' does not fit %s", mc->target, mc->source,
				    mc->values[i].to, d->type.text);
		if (mc->has_default && mc->default_value &&
		    !fc_sqltype_accepts(&d->type, mc->default_value))
			add(res, MAP_PROBLEM, e, mc->line, mc->col,
			    "%s <- %s: default '%s' does not fit %s", mc->target, mc->source,
			    mc->default_value, d->type.text);
		if (!mc->has_default && (s->type.fam == FC_T_ENUM)) {
			for (size_t l = 0; l < s->type.nlabels; l++) {
				size_t i;
				for (i = 0; i < mc->nvalues; i++)
					if (strcmp(mc->values[i].from, s->type.labels[l]) == 0)
						break;
				if (i == mc->nvalues && !fc_sqltype_accepts(&d->type, s->type.labels[l]))
					add(res, MAP_PROBLEM, e, mc->line, mc->col,
					    "%s <- %s: legacy label '%s' is not in 'map' and does not fit %s "
					    "(add it, or a 'default')", mc->target, mc->source,
					    s->type.labels[l], d->type.text);
			}
		} else if (!mc->has_default && d->type.fam != FC_T_TEXT && !mc->type) {
			add(res, MAP_WARNING, e, mc->line, mc->col,
			    "%s <- %s: values missing from 'map' pass through unchanged into %s; "
			    "add a 'default' to be safe", mc->target, mc->source, d->type.text);
		}
	} else if (mc->type && type_known) {
		struct fc_sqltype cast;
		fc_sqltype_from_pg(mc->type, &cast);
		c = fc_sqltype_compat(&cast, &d->type, true, why, sizeof why);
		if (c != FC_COMPAT_OK)
			add(res, c == FC_COMPAT_BAD ? MAP_PROBLEM : MAP_WARNING, e, mc->line, mc->col,
			    "%s <- %s: cast type %s into %s: %s", mc->target, mc->source, mc->type,
			    d->type.text, why);
		c = fc_sqltype_compat(&s->type, &cast, mc->timezone != NULL, why, sizeof why);
		if (c != FC_COMPAT_OK)
			add(res, MAP_WARNING, e, mc->line, mc->col, "%s <- %s: cast %s to %s: %s",
			    mc->target, mc->source, s->type.text, mc->type, why);
	} else {
		c = fc_sqltype_compat(&s->type, &d->type, mc->timezone != NULL, why, sizeof why);
		if (c != FC_COMPAT_OK)
			add(res, c == FC_COMPAT_BAD ? MAP_PROBLEM : MAP_WARNING, e, mc->line, mc->col,
			    "%s <- %s: %s", mc->target, mc->source, why);
	}
	if (mc->timezone && s->type.fam != FC_T_DATETIME && s->type.fam != FC_T_DATE)
		add(res, MAP_WARNING, e, mc->line, mc->col,
		    "%s <- %s: 'timezone' applies to DATETIME and DATE columns; %s already is an "
		    "instant (or no time)", mc->target, mc->source, s->type.text);
	if (mc->trim && s->type.fam != FC_T_TEXT)
		add(res, MAP_WARNING, e, mc->line, mc->col, "%s <- %s: 'trim' on %s, not a text column",
		    mc->target, mc->source, s->type.text);
	if (mc->charset && s->type.fam != FC_T_BINARY && s->type.fam != FC_T_TEXT)
		add(res, MAP_WARNING, e, mc->line, mc->col, "%s <- %s: 'charset' on %s", mc->target,
		    mc->source, s->type.text);
	if (!d->nullable) {
		bool may_null = s->nullable || mc->nnull_if > 0 ||
		                (mc->has_default && !mc->default_value);
		for (size_t i = 0; i < mc->nvalues; i++)
			may_null = may_null || !mc->values[i].to;
		if (may_null)
			add(res, MAP_PROBLEM, e, mc->line, mc->col,
			    "%s <- %s: the legacy value can be NULL%s, but target column %s is NOT NULL",
			    mc->target, mc->source, s->nullable ? "" : " (after null_if/map)",
			    mc->target);
	}
	if (res->problems + res->warnings == before)
		res->columns_ok++;
}

int map_check_entity(const struct map_entity *e, MYSQL *my, PGconn *pg,
                     struct map_check *res, struct fc_err *err)
{
	struct fc_table_info src, dst;
	bool have_src = false, have_dst = false;
	int rc;

	rc = fc_mysql_table_info(my, e->from.schema, e->from.name, &src, err);
	if (rc == 0)
		have_src = true;
	else if (rc == -FC_ENOTFOUND)
		add(res, MAP_PROBLEM, e, e->line, e->col, "legacy table %s does not exist",
		    e->from.text);
	else
		return fc_err_prefix(err, "entity '%s'", e->name);
	rc = fc_pg_table_info(pg, e->to.schema, e->to.name, &dst, err);
	if (rc == 0)
		have_dst = true;
	else if (rc == -FC_ENOTFOUND)
		add(res, MAP_PROBLEM, e, e->line, e->col, "target table %s does not exist",
		    e->to.text);
	else {
		if (have_src)
			fc_table_info_release(&src);
		return fc_err_prefix(err, "entity '%s'", e->name);
	}

	if (have_src) {
		bool keys_ok = true;
		for (size_t i = 0; i < e->nkey; i++)
			if (!fc_table_column(&src, e->from_key[i])) {
				missing_column(res, e, e->line, e->col, "legacy", &src, e->from_key[i]);
				keys_ok = false;
			}
		if (keys_ok && !fc_table_unique_on(&src, e->from_key, e->nkey))
			add(res, MAP_WARNING, e, e->line, e->col,
			    "legacy key (%s%s) of %s is not a primary key or unique index: events may "
			    "name several rows", e->from_key[0], e->nkey > 1 ? ", ..." : "", e->from.text);
		for (size_t i = 0; i < e->nwatch; i++)
			if (!fc_table_column(&src, e->watch[i]))
				missing_column(res, e, e->line, e->col, "legacy", &src, e->watch[i]);
		/* a mapped column nobody watches can lag: an update of only that
		 * column raises no event, so sync never fetches its new value */
		for (size_t c = 0; e->nwatch && c < e->ncolumns; c++) {
			const struct map_column *mc = &e->columns[c];
			bool seen = false;
			for (size_t k = 0; k < e->nkey && !seen; k++)
				seen = !strcmp(mc->source, e->from_key[k]);
			for (size_t w = 0; w < e->nwatch && !seen; w++)
				seen = !strcmp(mc->source, e->watch[w]);
			if (!seen)
				add(res, MAP_WARNING, e, mc->line, mc->col,
				    "%s <- %s: '%s' is not in 'watch': an update of only it raises no event, so "
				    "%s can lag behind the legacy value (watch it, or leave it unmapped)",
				    mc->target, mc->source, mc->source, mc->target);
		}
	}
	if (have_dst) {
		bool keys_ok = true;
		for (size_t i = 0; i < e->nkey; i++)
			if (!fc_table_column(&dst, e->to_key[i]))
				keys_ok = false;   /* reported with the columns */
		if (keys_ok && !fc_table_unique_on(&dst, e->to_key, e->nkey))
			add(res, MAP_PROBLEM, e, e->line, e->col,
			    "target key (%s%s) of %s needs a primary key or unique index: sync "
			    "upserts on it", e->to_key[0], e->nkey > 1 ? ", ..." : "", e->to.text);
		for (size_t i = 0; i < dst.ncols; i++) {
			const struct fc_column_info *c = &dst.cols[i];
			if (!c->nullable && !c->has_default && !map_entity_column(e, c->name))
				add(res, MAP_PROBLEM, e, e->line, e->col,
				    "target column %s.%s is NOT NULL without a default, and no mapped "
				    "column fills it", e->to.text, c->name);
		}
	}
	rc = 0;
	for (size_t i = 0; i < e->ncolumns; i++) {
		const struct map_column *mc = &e->columns[i];
		bool known = true;
		char why[300] = "";
		if (mc->type && (rc = pg_type_known(pg, mc->type, &known, why, sizeof why, err)))
			break;
		if (have_src && have_dst)
			check_column(res, e, mc, &src, &dst, known, why);
		else if (!known)
			unknown_type(res, e, mc, why);
	}
	if (have_src)
		fc_table_info_release(&src);
	if (have_dst)
		fc_table_info_release(&dst);
	return rc ? fc_err_prefix(err, "entity '%s'", e->name) : 0;
}
