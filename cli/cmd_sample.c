/* cli/cmd_sample.c - `ficus sample init` and `ficus sample load`: the sample
 * legacy domain of examples/baemin/ (a food-delivery monolith) in MariaDB,
 * and the new services' read-model schemas in PostgreSQL.
 *
 * init drops and re-creates the legacy database and runs
 * examples/baemin/legacy.sql in it, then runs examples/baemin/target.sql in
 * PostgreSQL (both compiled in, see sample_sql.h), which drops and
 * re-creates the schemas shop, ad and ordering. Both commands destroy data,
 * so both first look at what is there: anything that is not the sample's
 * own (its five legacy tables; the tables target.sql creates in its
 * schemas) makes them refuse, unless --force.
 *
 * load empties the five legacy tables and fills them with generated rows. The data is a pure
 * function of (--rows, --seed): every row is drawn from its own splitmix64
 * stream keyed by (seed, stream, id), so two loads with the same arguments
 * write byte-identical tables, whatever the batch size, and a table can be
 * generated without generating the others. Per shop id i:
 *
 *   plan(i)      stream PLAN:   menus 1-5, orders 0-4, category, kind, tip
 *   shop i       stream SHOP:   name, owner, phone, address, memo, ads, times
 *   menu m       stream MENU:   price, sold-out flag, description, upd_dt
 *   order o      stream ORDER:  member, status, time, address, request
 *   lines of o   stream ITEM:   1-4 lines, menus of o's shop, qty, options
 *   review of o  stream REVIEW: delivered orders only, about 70% of them
 *
 * Ids are dense and in shop order (menus of shop 1 first, ...), so each
 * table's pass walks the shops and recomputes the plan to know its ids. */
#include "cli.h"
#include "sample_sql.h"

#include "../lib/buf.h"
#include "../lib/config.h"
#include "../lib/db.h"
#include "../lib/ident.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NELEM(a) (sizeof(a) / sizeof *(a))

/* ------------------------------------------------------------------ */
/* Connections and SQL files                                           */
/* ------------------------------------------------------------------ */

/* The connection a command uses: the flag's value, else the config's
 * default (fc_config_legacy_conn / fc_config_target_conn). Prints the
 * problem and returns NULL when there is none or it is of the wrong kind. */
static const struct fc_conn *pick_conn(const char *cmd, const struct fc_config *cfg,
                                       const char *flag, const char *given,
                                       enum fc_conn_kind kind)
{
	const char *key = NULL, *name = given;
	const struct fc_conn *c;
	struct fc_err err;

	if (!name)
		name = kind == FC_CONN_MYSQL ? fc_config_legacy_conn(cfg, &key)
		                             : fc_config_target_conn(cfg, &key);
	if (!name) {
		cli_usage_error(cmd, "no %s connection: give %s NAME or set %s in %s",
		                fc_conn_kind_name(kind), flag,
		                kind == FC_CONN_MYSQL ? "sync.source" : "sync.target", cfg->path);
		return NULL;
	}
	if (!(c = fc_config_conn_kind(cfg, name, kind, &err))) {
		if (given)
			cli_usage_error(cmd, "%s: %s", flag, err.msg);
		else
			cli_usage_error(cmd, "%s of %s: %s", key, cfg->path, err.msg);
	}
	return c;
}

static bool comment_or_blank(const char *line, const char *end)
{
	while (line < end && (*line == ' ' || *line == '\t' || *line == '\r'))
		line++;
	return line == end || (end - line >= 2 && line[0] == '-' && line[1] == '-');
}

/* The next statement of a SQL file at *p, copied into out without the
 * comment and blank lines before it and without its final ';', so that
 * error messages show the statement's first line. A statement ends at a
 * line whose last non-blank character is ';' (the format of
 * examples/baemin/\*.sql). Returns false when only comments remain. */
static bool next_statement(const char **p, struct fc_buf *out)
{
	const char *s = *p, *start, *end;

	for (;;) {
		const char *eol = strchr(s, '\n');
		if (!eol)
			eol = s + strlen(s);
		if (!comment_or_blank(s, eol))
			break;
		if (!*eol) {
			*p = eol;
			return false;
		}
		s = eol + 1;
	}
	start = s;
	for (;;) {
		const char *eol = strchr(s, '\n'), *q;
		if (!eol)
			eol = s + strlen(s);
		q = eol;
		while (q > s && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r'))
			q--;
		if (q > s && q[-1] == ';') {
			end = q - 1;
			*p = *eol ? eol + 1 : eol;
			break;
		}
		if (!*eol) {
			end = eol;
			*p = eol;
			break;
		}
		s = eol + 1;
	}
	fc_buf_reset(out);
	return fc_buf_append(out, start, (size_t)(end - start)) == 0;
}

/* When stmt is "CREATE <what> name ...", appends ", name" to list. */
static void note_created(struct fc_buf *list, const char *stmt, const char *what)
{
	size_t n = strlen(what), len;
	if (strncmp(stmt, "CREATE ", 7) != 0 || strncmp(stmt + 7, what, n) != 0 ||
	    stmt[7 + n] != ' ')
		return;
	stmt += 7 + n + 1;
	len = strcspn(stmt, " (\n;");
	fc_buf_printf(list, "%s%.*s", list->len ? ", " : "", (int)len, stmt);
}

/* ------------------------------------------------------------------ */
/* What is there before anything is dropped                            */
/* ------------------------------------------------------------------ */

/* The names a sample SQL file creates ("CREATE <what> name"), as a
 * NULL-terminated array of copies; free with free_names(). NULL on ENOMEM. */
static char **sample_names(const char *sql, const char *what)
{
	struct fc_buf stmt = FC_BUF_INIT, list = FC_BUF_INIT;
	char **names = NULL;
	size_t n = 1;
	const char *p;

	while (next_statement(&sql, &stmt))
		note_created(&list, stmt.ptr, what);
	fc_buf_release(&stmt);
	p = list.ptr ? list.ptr : "";
	for (const char *q = p; *q; q++)
		n += *q == ',';
	if ((names = calloc(n + 1, sizeof *names))) {
		for (size_t i = 0; *p; i++) {
			size_t len = strcspn(p, ",");
			if (!(names[i] = strndup(p, len))) {
				for (size_t j = 0; j < i; j++)
					free(names[j]);
				free(names);
				names = NULL;
				break;
			}
			p += len;
			p += strspn(p, ", ");
		}
	}
	fc_buf_release(&list);
	return names;
}

static void free_names(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* Adds one object to the list of what is not the sample's (the first 10
 * by name, then a count). */
static int note_foreign(struct fc_buf *found, int *n, const char *kind, const char *name)
{
	(*n)++;
	if (*n > 10)
		return 0;
	return fc_buf_printf(found, "%s%s%s%s", found->len ? ", " : "", kind ? kind : "",
	                     kind ? " " : "", name);
}

/* Everything in MariaDB database db that is not one of the sample's legacy
 * tables (tables, views, sequences, routines, events, triggers): what DROP
 * DATABASE would take with it. */
static int legacy_foreign(MYSQL *my, const char *db, struct fc_buf *found, int *n,
                          struct fc_err *err)
{
	struct fc_buf q = FC_BUF_INIT, lit = FC_BUF_INIT, in = FC_BUF_INIT;
	char **names = sample_names(sample_legacy_sql, "TABLE");
	MYSQL_RES *r = NULL;
	MYSQL_ROW row;
	int rc = names ? fc_literal_mysql(&lit, db) : -FC_ENOMEM;

	for (size_t i = 0; rc == 0 && names[i]; i++)
		if (!(rc = fc_buf_puts(&in, i ? ", " : "")))
			rc = fc_literal_mysql(&in, names[i]);
	if (rc == 0)
		rc = fc_buf_printf(&q,
		        "SELECT LOWER(REPLACE(TABLE_TYPE, 'BASE ', '')), TABLE_NAME "
		        "FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
		        "AND (TABLE_TYPE <> 'BASE TABLE' OR TABLE_NAME NOT IN (%s)) "
		        "UNION ALL SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME "
		        "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s "
		        "UNION ALL SELECT 'event', EVENT_NAME "
		        "FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s "
		        "UNION ALL SELECT 'trigger', TRIGGER_NAME "
		        "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s "
		        "ORDER BY 2", lit.ptr, in.ptr ? in.ptr : "''", lit.ptr, lit.ptr, lit.ptr);
	if (rc) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	if (mysql_real_query(my, q.ptr, q.len) || !(r = mysql_store_result(my))) {
		rc = fc_errf(err, FC_ESQL, "mysql: %s (looking at what database '%s' holds)",
		             mysql_error(my), db);
		goto out;
	}
	while ((row = mysql_fetch_row(r)))
		if (note_foreign(found, n, row[0], row[1] ? row[1] : "?")) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			break;
		}
out:
	if (r)
		mysql_free_result(r);
	free_names(names);
	fc_buf_release(&q);
	fc_buf_release(&lit);
	fc_buf_release(&in);
	return rc;
}

/* Postgres text[] literal of names: {a,b} (the names are identifiers). */
static int pg_array(struct fc_buf *b, char **names)
{
	int rc = fc_buf_putc(b, '{');
	for (size_t i = 0; rc == 0 && names[i]; i++)
		rc = fc_buf_printf(b, "%s%s", i ? "," : "", names[i]);
	return rc ? rc : fc_buf_putc(b, '}');
}

/* Everything that DROP SCHEMA ... CASCADE of the sample's schemas would
 * take and that target.sql does not create: objects in those schemas
 * other than its tables (and what belongs to them: indexes, keys, row
 * types), and objects elsewhere that depend on something in them (a view,
 * a foreign key, a column of one of their types). */
static int target_foreign(PGconn *pg, struct fc_buf *found, int *n, struct fc_err *err)
{
	struct fc_buf schemas = FC_BUF_INIT, tables = FC_BUF_INIT;
	char **snames = sample_names(sample_target_sql, "SCHEMA");
	char **tnames = sample_names(sample_target_sql, "TABLE");
	PGresult *r = NULL;
	int rc = snames && tnames ? 0 : -FC_ENOMEM;

	if (rc == 0 && !(rc = pg_array(&schemas, snames)))
		rc = pg_array(&tables, tnames);
	if (rc) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	{
		const char *params[2] = { schemas.ptr, tables.ptr };
		r = PQexecParams(pg,
		        "WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = ANY($1::text[])), "
		        "mine AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n "
		        "  ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "
		        "  AND n.nspname || '.' || c.relname = ANY($2::text[])) "
		        "SELECT pg_describe_object(d.classid, d.objid, 0) AS o FROM pg_depend d "
		        "WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid IN (SELECT oid FROM s) "
		        "AND NOT (d.classid = 'pg_class'::regclass AND d.objid IN (SELECT oid FROM mine)) "
		        /* a view depends through its rewrite rule: name the view */
		        "UNION SELECT CASE WHEN d.classid = 'pg_rewrite'::regclass THEN "
		        "  (SELECT pg_describe_object('pg_class'::regclass, ev_class, 0) "
		        "   FROM pg_rewrite WHERE oid = d.objid) "
		        "  ELSE pg_describe_object(d.classid, d.objid, 0) END FROM pg_depend d "
		        "WHERE d.deptype = 'n' AND ((d.refclassid = 'pg_class'::regclass AND d.refobjid IN "
		        "  (SELECT oid FROM pg_class WHERE relnamespace IN (SELECT oid FROM s))) "
		        "  OR (d.refclassid = 'pg_type'::regclass AND d.refobjid IN "
		        "  (SELECT oid FROM pg_type WHERE typnamespace IN (SELECT oid FROM s)))) "
		        "AND COALESCE((pg_identify_object(d.classid, d.objid, 0)).schema, '') "
		        "  <> ALL($1::text[]) "
		        "ORDER BY 1", 2, NULL, params, NULL, NULL, 0);
	}
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		char msg[512];
		rc = fc_errf(err, FC_ESQL, "postgres: %s (looking at what the schemas %s hold)",
		             fc_pg_error(pg, r, msg, sizeof msg), schemas.ptr);
		goto out;
	}
	for (int i = 0; i < PQntuples(r); i++)
		if (note_foreign(found, n, NULL, PQgetvalue(r, i, 0))) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			break;
		}
out:
	PQclear(r);
	free_names(snames);
	free_names(tnames);
	fc_buf_release(&schemas);
	fc_buf_release(&tables);
	return rc;
}

/* "2 objects that are not the sample's: table a, view b" */
static void say_foreign(const char *cmd, const char *what, const char *conn, const char *shown,
                        const char *they, const struct fc_buf *found, int n)
{
	fprintf(stderr, "ficus %s: error: refusing: %s (connection '%s', %s) %s %d object%s that "
	        "%s not the sample's: %s%s", cmd, what, conn, shown, they, n, n == 1 ? "" : "s",
	        n == 1 ? "is" : "are", found->ptr ? found->ptr : "", n > 10 ? "" : "\n");
	if (n > 10)
		fprintf(stderr, " and %d more\n", n - 10);
}

/* ------------------------------------------------------------------ */
/* ficus sample init                                                   */
/* ------------------------------------------------------------------ */

static int init_legacy(MYSQL *my, const char *db, struct fc_buf *tables, struct fc_err *err)
{
	struct fc_buf sql = FC_BUF_INIT, q = FC_BUF_INIT;
	const char *p = sample_legacy_sql;
	int rc;

	if ((rc = fc_buf_puts(&q, "DROP DATABASE IF EXISTS ")) || (rc = fc_quote_mysql(&q, db)) ||
	    (rc = fc_mysql_exec(my, q.ptr, err)))
		goto out;
	fc_buf_reset(&q);
	if ((rc = fc_buf_puts(&q, "CREATE DATABASE ")) || (rc = fc_quote_mysql(&q, db)) ||
	    (rc = fc_buf_puts(&q, " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")) ||
	    (rc = fc_mysql_exec(my, q.ptr, err)))
		goto out;
	if (mysql_select_db(my, db)) {
		rc = fc_errf(err, FC_ESQL, "mysql: %s (selecting database '%s')", mysql_error(my), db);
		goto out;
	}
	while (next_statement(&p, &sql)) {
		if ((rc = fc_mysql_exec(my, sql.ptr, err))) {
			fc_err_prefix(err, "examples/baemin/legacy.sql");
			goto out;
		}
		note_created(tables, sql.ptr, "TABLE");
	}
out:
	if (rc == -FC_ENOMEM || rc == -FC_ETOOBIG)
		fc_errf(err, -rc, "out of memory");
	fc_buf_release(&sql);
	fc_buf_release(&q);
	return rc;
}

/* Runs target.sql in one transaction (so a failure leaves the old schemas). */
static int init_target(PGconn *pg, struct fc_buf *schemas, struct fc_buf *tables,
                       struct fc_err *err)
{
	struct fc_buf sql = FC_BUF_INIT;
	const char *p = sample_target_sql;
	int rc;

	/* DROP SCHEMA IF EXISTS says "does not exist, skipping" as a NOTICE */
	if ((rc = fc_pg_exec(pg, "SET client_min_messages = warning", err)) ||
	    (rc = fc_pg_exec(pg, "BEGIN", err)))
		goto out;
	while (next_statement(&p, &sql)) {
		if ((rc = fc_pg_exec(pg, sql.ptr, err))) {
			fc_err_prefix(err, "examples/baemin/target.sql");
			fc_pg_exec(pg, "ROLLBACK", NULL);
			goto out;
		}
		note_created(schemas, sql.ptr, "SCHEMA");
		note_created(tables, sql.ptr, "TABLE");
	}
	rc = fc_pg_exec(pg, "COMMIT", err);
out:
	fc_buf_release(&sql);
	return rc;
}

static int run_init(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
	                                       { "legacy", required_argument, NULL, 'l' },
	                                       { "target", required_argument, NULL, 't' },
	                                       { "force", no_argument, NULL, 'f' },
	                                       { NULL, 0, NULL, 0 } };
	const char *path = NULL, *legacy_name = NULL, *target_name = NULL, *why;
	const struct fc_conn *legacy, *target;
	struct fc_buf my_tables = FC_BUF_INIT, pg_schemas = FC_BUF_INIT, pg_tables = FC_BUF_INIT;
	struct fc_buf my_found = FC_BUF_INIT, pg_found = FC_BUF_INIT;
	struct fc_config cfg;
	struct fc_conn server;
	struct fc_err err;
	MYSQL *my = NULL;
	PGconn *pg = NULL;
	int c, status = CLI_ERROR, my_n = 0, pg_n = 0;
	bool force = false;

	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		if (c == 'c')
			path = optarg;
		else if (c == 'l')
			legacy_name = optarg;
		else if (c == 't')
			target_name = optarg;
		else if (c == 'f')
			force = true;
		else
			return CLI_ERROR;
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (fc_config_load(fc_config_default_path(path), &cfg, &err))
		return cli_fail(argv[0], &err);
	legacy = pick_conn(argv[0], &cfg, "--legacy", legacy_name, FC_CONN_MYSQL);
	target = legacy ? pick_conn(argv[0], &cfg, "--target", target_name, FC_CONN_POSTGRES)
	                : NULL;
	if (!legacy || !target)
		goto out_cfg;
	if (!legacy->my.database || !legacy->my.database[0]) {
		fprintf(stderr, "ficus %s: error: connection '%s' (%s) names no database; "
		        "sample init drops and re-creates the database of the DSN "
		        "(mysql://host:port/DATABASE), so it needs one\n", argv[0], legacy->name,
		        legacy->shown);
		goto out_cfg;
	}
	if (!fc_ident_valid(legacy->my.database, &why)) {
		fprintf(stderr, "ficus %s: error: connection '%s': bad database name '%s': %s\n",
		        argv[0], legacy->name, legacy->my.database, why);
		goto out_cfg;
	}
	/* connect to the server, not the database: it may not exist yet */
	server = *legacy;
	server.my.database = NULL;
	if (!(my = fc_mysql_open(&server, &err)) || !(pg = fc_pg_open(target, &err))) {
		cli_fail(argv[0], &err);
		goto out_db;
	}
	/* both sides are looked at before either is touched */
	if (!force) {
		if (legacy_foreign(my, legacy->my.database, &my_found, &my_n, &err) ||
		    target_foreign(pg, &pg_found, &pg_n, &err)) {
			cli_fail(argv[0], &err);
			goto out_db;
		}
		if (my_n || pg_n) {
			char what[160];
			if (my_n) {
				snprintf(what, sizeof what, "database `%s`", legacy->my.database);
				say_foreign(argv[0], what, legacy->name, legacy->shown, "holds", &my_found,
				            my_n);
			}
			if (pg_n)
				say_foreign(argv[0], "the schemas shop, ad, ordering", target->name,
				            target->shown, "hold or carry", &pg_found, pg_n);
			fprintf(stderr, "sample init drops the legacy database and the schemas shop, "
			        "ad and ordering (CASCADE) and creates the sample's afresh: everything "
			        "above would be lost. Point --legacy/--target (or the config) at "
			        "other databases, or give --force to drop it anyway.\n");
			goto out_db;
		}
	}
	if (init_legacy(my, legacy->my.database, &my_tables, &err)) {
		fc_err_prefix(&err, "connection '%s'", legacy->name);
		cli_fail(argv[0], &err);
		goto out_db;
	}
	printf("legacy %s (%s)\n", legacy->name, legacy->shown);
	printf("  dropped and re-created database `%s` (utf8mb4)\n", legacy->my.database);
	printf("  created tables: %s\n", my_tables.ptr ? my_tables.ptr : "none");
	if (init_target(pg, &pg_schemas, &pg_tables, &err)) {
		fc_err_prefix(&err, "connection '%s'", target->name);
		cli_fail(argv[0], &err);
		goto out_db;
	}
	printf("target %s (%s)\n", target->name, target->shown);
	printf("  re-created schemas: %s\n", pg_schemas.ptr ? pg_schemas.ptr : "none");
	printf("  created tables: %s\n", pg_tables.ptr ? pg_tables.ptr : "none");
	printf("next: ficus sample load [--rows N]\n");
	status = CLI_OK;
out_db:
	if (pg)
		PQfinish(pg);
	if (my)
		mysql_close(my);
out_cfg:
	fc_buf_release(&my_tables);
	fc_buf_release(&pg_schemas);
	fc_buf_release(&pg_tables);
	fc_buf_release(&my_found);
	fc_buf_release(&pg_found);
	fc_config_release(&cfg);
	return status;
}

const struct cli_cmd cli_cmd_sample_init = {
	"sample init",
	"drop and re-create the sample legacy database and schemas shop, ad, ordering",
	"usage: ficus sample init [--config FILE] [--legacy CONN] [--target CONN] [--force]\n"
	"\n"
	"Sets up the sample domain of examples/baemin/ (a food-delivery monolith):\n"
	"\n"
	"  legacy   DROPS the database named in the mysql connection's DSN, creates\n"
	"           it again (utf8mb4) and runs examples/baemin/legacy.sql in it:\n"
	"           tables shop, menu, orders, order_item, review\n"
	"  target   runs examples/baemin/target.sql in the postgres connection's\n"
	"           database, in one transaction: DROPS the schemas shop, ad and\n"
	"           ordering (CASCADE) and creates them again with the services'\n"
	"           read-model tables\n"
	"\n"
	"Before dropping anything it looks at what is there: if the legacy database\n"
	"or those schemas hold anything that is not the sample's own (other tables,\n"
	"views, routines; objects elsewhere that depend on them), it lists them and\n"
	"refuses (exit 2), unless --force. Then fill it with 'ficus sample load'.\n"
	"\n"
	"  --config FILE   config file (default: $FICUS_CONFIG, else ./ficus.yaml)\n"
	"  --legacy CONN   mysql connection (default: sync.source, else cdc.source)\n"
	"  --target CONN   postgres connection (default: sync.target of the config)\n"
	"  --force         drop and re-create even what is not the sample's\n"
	"\n"
	"exit status: 0 done, 2 usage error, refusal or failure\n",
	run_init,
};

/* ------------------------------------------------------------------ */
/* Deterministic randomness                                            */
/* ------------------------------------------------------------------ */

/* splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and every (seed,
 * stream, id) gives an independent-looking stream. */
struct rng {
	uint64_t s;
};

enum stream { S_PLAN = 1, S_SHOP, S_MENU, S_ORDER, S_ITEM, S_REVIEW };

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_init(struct rng *r, uint64_t seed, enum stream st, uint64_t id)
{
	r->s = mix64(mix64(seed ^ ((uint64_t)st << 56)) ^ mix64(id + 0x9e3779b97f4a7c15ULL));
}

static uint64_t rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* 0 .. n-1 (n > 0); the modulo bias is below 2^-40 for these n. */
static unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

/* lo .. hi inclusive */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static bool rng_pct(struct rng *r, unsigned pct)
{
	return rng_below(r, 100) < pct;
}

#define PICK(r, list) ((list)[rng_below((r), NELEM(list))])

/* ------------------------------------------------------------------ */
/* Time: seconds since 1970 on a naive (zone-less) clock               */
/* ------------------------------------------------------------------ */

/* Korea has kept UTC+9 without daylight saving since 1988. */
#define SEOUL_OFFSET (9 * 3600)
#define T_2010 1262304000LL /* 2010-01-01 00:00:00 */
#define T_2023 1672531200LL
#define T_2024 1704067200LL
#define T_2025 1735689600LL
#define T_2026 1767225600LL

/* Days since 1970-01-01 to year/month/day (H. Hinnant's civil_from_days). */
static void civil(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* "YYYY-MM-DD hh:mm:ss" or, with ms >= 0, "YYYY-MM-DD hh:mm:ss.mmm" */
static void fmt_time(char out[24], int64_t sec, int ms)
{
	int64_t days = sec / 86400, rem = sec % 86400;
	int y, m, d;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil(days, &y, &m, &d);
	if (ms < 0)
		snprintf(out, 24, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, (int)(rem / 3600),
		         (int)(rem / 60 % 60), (int)(rem % 60));
	else
		snprintf(out, 24, "%04d-%02d-%02d %02d:%02d:%02d.%03d", y, m, d, (int)(rem / 3600),
		         (int)(rem / 60 % 60), (int)(rem % 60), ms);
}

/* ------------------------------------------------------------------ */
/* Word lists                                                          */
/* ------------------------------------------------------------------ */

/* cat_cd '01'..'08' is index + 1; '00' (unclassified) appears rarely. */
enum { NCAT = 8 };

static const char *const brands[NCAT][10] = {
	{ "교촌치킨", "BBQ치킨", "BHC치킨", "굽네치킨", "네네치킨", "페리카나", "처갓집양념치킨",
	  "호식이두마리치킨", "또래오래", "멕시카나" },
	{ "도미노피자", "피자헛", "미스터피자", "파파존스", "피자스쿨", "반올림피자", "피자알볼로",
	  "청년피자", "59쌀피자", "피자마루" },
	{ "본죽", "한솥도시락", "김밥천국", "원할머니보쌈", "놀부부대찌개", "백채김치찌개",
	  "두찜", "고봉민김밥", "바르다김선생", "본도시락" },
	{ "홍콩반점0410", "보배반점", "차이나팩토리", "짬뽕지존", "팔각도", "취영루", "신승반점",
	  "만리장성", "개화", "하오마라" },
	{ "미소야", "스시로", "아비꼬", "코바코", "사보텐", "돈까스클럽", "기소야", "멘야산다이메",
	  "카츠야", "스시메이진" },
	{ "맘스터치", "롯데리아", "버거킹", "맥도날드", "노브랜드버거", "프랭크버거", "KFC",
	  "쉐이크쉑", "모스버거", "뉴욕버거" },
	{ "스타벅스", "투썸플레이스", "메가MGC커피", "이디야커피", "빽다방", "컴포즈커피",
	  "할리스", "설빙", "공차", "파스쿠찌" },
	{ "가장맛있는족발", "족발야시장", "마왕족발", "엽기떡볶이", "신전떡볶이", "응급실떡볶이",
	  "곱창고", "청년다방", "국대떡볶이", "미쓰족발" },
};

/* independent shops: "<prefix> <dish>" ("원조 왕족발", "할매 김치찌개") */
static const char *const name_prefix[] = { "원조", "할매", "옛날", "우리동네", "명동", "전주",
                                           "부산", "춘천", "진짜", "왕", "소문난", "장충동" };
static const char *const name_dish[NCAT][4] = {
	{ "통닭", "치킨", "닭강정", "전기구이" }, { "화덕피자", "피자", "수제피자", "피자집" },
	{ "김치찌개", "백반", "국밥", "보쌈" },    { "중화요리", "짬뽕", "손짜장", "반점" },
	{ "돈까스", "초밥", "우동", "라멘" },      { "수제버거", "버거", "햄버거", "버거하우스" },
	{ "커피", "다방", "디저트", "베이커리" },  { "왕족발", "떡볶이", "곱창", "포차" },
};

static const char *const branches[] = {
	"강남역점", "역삼점", "선릉점", "삼성점", "잠실점", "송파점", "신촌점", "홍대점",
	"합정점", "망원점", "연남점", "이태원점", "한남점", "성수점", "건대점", "왕십리점",
	"종로점", "광화문점", "명동점", "을지로점", "여의도점", "영등포점", "목동점", "신림점",
	"사당점", "방배점", "교대점", "노원점", "수유점", "미아점", "천호점", "길동점",
	"구로점", "가산점", "마곡점", "발산점", "은평점", "연신내점", "상계점", "중계점",
};

static const char *const surnames[] = { "김", "이", "박", "최", "정", "강", "조", "윤",
                                        "장", "임", "한", "오", "서", "신", "권", "황",
                                        "안", "송", "류", "전", "홍", "남궁", "제갈" };
static const char *const given_names[] = {
	"민준", "서준", "도윤", "예준", "시우", "하준", "지호", "주원", "지훈", "현우",
	"준서", "건우", "서연", "서윤", "지우", "하은", "민서", "하윤", "윤서", "지유",
	"채원", "수아", "영수", "영희", "철수", "정숙", "미경", "상철", "순자", "종훈",
	"경민", "은정", "혜진", "성민", "동현", "광수", "말순", "길동",
};

static const char *const districts[] = {
	"강남구", "강동구", "강북구", "강서구", "관악구", "광진구", "구로구", "금천구", "노원구",
	"도봉구", "동대문구", "동작구", "마포구", "서대문구", "서초구", "성동구", "성북구",
	"송파구", "양천구", "영등포구", "용산구", "은평구", "종로구", "중구", "중랑구",
};
static const char *const roads[] = {
	"테헤란로", "강남대로", "도산대로", "올림픽로", "양재대로", "영동대로", "신촌로",
	"마포대로", "와우산로", "종로", "을지로", "퇴계로", "한강대로", "동일로", "왕십리로",
	"천호대로", "남부순환로", "시흥대로", "노량진로", "봉은사로", "백범로", "통일로",
};
static const char *const apartments[] = { "래미안", "자이", "힐스테이트", "푸르지오",
                                          "아이파크", "e편한세상", "롯데캐슬", "더샵",
                                          "현대아파트", "주공아파트", "삼성쉐르빌" };
static const char *const buildings[] = { "빌딩", "프라자", "타워", "상가", "오피스텔" };

/* legacy_memo is CHARACTER SET euckr: only KS X 1001 Hangul (the 2,350
 * common syllables), digits, ASCII. Checked with iconv -t EUC-KR; a
 * syllable outside KS X 1001 would make MariaDB refuse the row. */
static const char *const memos[] = {
	"전화 주문 불가", "사장님 요청으로 배달 지역 축소", "구 포스 연동 가게",
	"정산 계좌 변경 완료", "리뷰 이벤트 진행 중", "본사 직영점",
	"영업 시간 11시부터 22시까지", "주차 가능", "포장 할인 1000원", "재계약 예정",
	"우수 가게", "배달 대행 사용", "휴무일: 매주 월요일", "원산지 표시 확인 필요",
	"위생 점검 완료", "사장님 휴대폰으로 연락", "VIP", "2호점 있음", "가맹 해지 검토",
	"카드 단말기 교체",
};

static const char *const menus[NCAT][10] = {
	{ "후라이드치킨", "양념치킨", "반반치킨", "간장치킨", "순살치킨", "파닭", "치즈볼",
	  "뿌링클", "허니콤보", "마늘치킨" },
	{ "페퍼로니 피자", "불고기 피자", "포테이토 피자", "고구마 피자", "슈퍼슈프림 피자",
	  "콤비네이션 피자", "치즈 오븐 스파게티", "갈릭 디핑 소스", "치즈크러스트 피자",
	  "하와이안 피자" },
	{ "김치찌개", "된장찌개", "제육볶음", "불고기 백반", "순두부찌개", "비빔밥", "보쌈 정식",
	  "부대찌개", "참치김밥", "떡라면" },
	{ "짜장면", "짬뽕", "탕수육", "볶음밥", "간짜장", "깐풍기", "마파두부", "군만두",
	  "유산슬", "잡채밥" },
	{ "돈까스", "치즈돈까스", "모듬초밥", "연어덮밥", "규동", "우동", "냉모밀", "가츠동",
	  "돈코츠라멘", "새우튀김" },
	{ "싸이버거", "불고기버거", "치즈버거", "새우버거", "더블버거", "감자튀김", "치킨너겟",
	  "콜라", "치즈스틱", "어니언링" },
	{ "아메리카노", "카페라떼", "바닐라라떼", "콜드브루", "자몽에이드", "딸기스무디",
	  "치즈케이크", "크로플", "팥빙수", "녹차라떼" },
	{ "족발 (중)", "보쌈 (대)", "엽기떡볶이", "순대", "닭발", "곱창볶음", "막창구이",
	  "오돌뼈", "주먹밥", "계란찜" },
};
/* price range per category, won (multiples of 500) */
static const int price_lo[NCAT] = { 16000, 15000, 7000, 6000, 8000, 2000, 2000, 9000 };
static const int price_hi[NCAT] = { 25000, 32000, 15000, 28000, 30000, 11000, 7500, 39000 };

static const char *const menu_descs[] = {
	"국내산 닭 100% 사용", "매콤달콤한 특제 소스", "1인분 기준입니다", "사장님 추천 대표 메뉴",
	"재료 소진 시 조기 마감", "맵기 조절 가능 🌶️", "신메뉴 출시 기념 할인 🎉",
	"곱빼기 +1000원", "포장 시 용기 추가 없음", "아이들도 좋아하는 순한 맛",
};

struct option_price {
	const char *text;
	int extra;
};
static const struct option_price item_options[] = {
	{ "순살 변경(+2000)", 2000 }, { "치즈 추가", 1500 },   { "곱빼기", 1000 },
	{ "맵게", 0 },               { "소스 추가", 500 },     { "사이즈 업 (L)", 3000 },
	{ "샷 추가", 500 },           { "음료 변경: 사이다", 0 }, { "덜 맵게, 양파 빼주세요", 0 },
	{ "라지 + 콜라 1.25L", 4000 },
};

static const char *const requests[] = {
	"문 앞에 두고 벨 눌러주세요", "벨 누르지 말고 노크해주세요 🙏",
	"수저 포크 빼주세요 (일회용품 X)", "리뷰 이벤트 참여합니다! 콜라로 주세요 🥤",
	"맵게 해주세요 🔥🔥", "아이가 먹을 거라 안 맵게 해주세요", "도착하면 전화 주세요",
	"경비실에 맡겨주세요", "빨리 와주세요 배고파요 😭", "항상 잘 먹고 있어요 감사합니다 ❤️",
	"공동현관 비밀번호 #1234", "단무지 많이 주세요 😋", "강아지가 짖어요 놀라지 마세요 🐶",
};

static const char *const praise[] = {
	"진짜 맛있어요", "양이 많아요", "배달이 빨라요", "또 시켜 먹을게요", "인생 맛집 인정",
	"사장님이 친절하세요", "따뜻하게 잘 왔어요", "가성비 최고",
};
static const char *const so_so[] = { "무난해요", "보통이에요", "조금 식어서 왔어요",
                                     "양이 좀 적어요", "기대보다는 별로" };
static const char *const complaints[] = { "너무 늦게 왔어요", "다 식었어요", "주문이랑 달라요",
                                          "너무 짜요", "포장이 터져서 왔어요" };
static const char *const good_emoji[] = { "😋", "👍", "🍗", "😍", "❤️", "🔥", "💯" };
static const char *const bad_emoji[] = { "👎", "😡", "🤔", "😢" };

/* ------------------------------------------------------------------ */
/* Row generators: pure functions of (seed, id)                       */
/* ------------------------------------------------------------------ */

struct gen {
	uint64_t seed;
	uint32_t nshops;
};

/* What every pass needs to know about a shop, from its PLAN stream. */
struct plan {
	uint32_t shop_id;
	unsigned nmenus, norders;
	int cat;                    /* 0..7, or -1 for the rare '00' */
	unsigned menu_start;        /* offset into the category's menu list */
	const char *shop_type;
	int delivery_tip;
	uint64_t first_menu, first_order;
};

static const char *const shop_types[] = { "delivery", "delivery", "delivery", "delivery",
                                          "delivery", "delivery", "delivery", "both", "both",
                                          "takeout" };

static void gen_plan(const struct gen *g, uint32_t shop_id, uint64_t first_menu,
                     uint64_t first_order, struct plan *p)
{
	struct rng r;
	rng_init(&r, g->seed, S_PLAN, shop_id);
	p->shop_id = shop_id;
	p->nmenus = 1 + rng_below(&r, 5);
	p->norders = rng_below(&r, 5);
	p->cat = rng_pct(&r, 1) && rng_pct(&r, 30) ? -1 : (int)rng_below(&r, NCAT);
	p->menu_start = rng_below(&r, 10);
	p->shop_type = PICK(&r, shop_types);
	p->delivery_tip = strcmp(p->shop_type, "takeout") == 0 ? 0 : (int)rng_below(&r, 11) * 500;
	p->first_menu = first_menu;
	p->first_order = first_order;
}

/* Walks the shops in order; the caller's loop body sees each plan. */
struct walk {
	const struct gen *g;
	uint32_t next_shop;
	uint64_t next_menu, next_order;
};

static void walk_init(struct walk *w, const struct gen *g)
{
	w->g = g;
	w->next_shop = 1;
	w->next_menu = 1;
	w->next_order = 1;
}

static bool walk_next(struct walk *w, struct plan *p)
{
	if (w->next_shop > w->g->nshops)
		return false;
	gen_plan(w->g, w->next_shop++, w->next_menu, w->next_order, p);
	w->next_menu += p->nmenus;
	w->next_order += p->norders;
	return true;
}

/* A Seoul street address: "서울특별시 마포구 와우산로 21길 35". */
static void gen_address(struct rng *r, char *out, size_t n)
{
	const char *gu = PICK(r, districts), *road = PICK(r, roads);
	if (rng_pct(r, 35))
		snprintf(out, n, "서울특별시 %s %s%u길 %u", gu, road, 1 + rng_below(r, 60),
		         1 + rng_below(r, 120));
	else
		snprintf(out, n, "서울특별시 %s %s %u", gu, road, 1 + rng_below(r, 600));
}

struct shop_row {
	char cat_cd[3];
	char name[160], owner[64], tel[40], addr[200], addr_dtl[96];
	const char *addr_dtl_p;     /* NULL: SQL NULL */
	const char *memo;           /* NULL: SQL NULL */
	char memo_buf[128];
	int rating_cents;           /* 0..500 */
	unsigned review_cnt;
	int min_order;
	int64_t open_dt;            /* Seoul wall clock */
	char open_yn;
	const char *ad_grade;
	bool has_ad_until;
	int64_t ad_until;           /* Seoul wall clock */
	long long ad_budget;
	int64_t reg_dt;             /* UTC */
	int64_t upd_ms;             /* UTC, milliseconds */
};

static void gen_shop(const struct gen *g, const struct plan *p, struct shop_row *s)
{
	static const char *const spaces[] = { " ", "  ", " " };
	struct rng r;
	int cat = p->cat < 0 ? (int)(p->shop_id % NCAT) : p->cat;
	unsigned pct;

	rng_init(&r, g->seed, S_SHOP, p->shop_id);
	snprintf(s->cat_cd, sizeof s->cat_cd, "%02d", p->cat + 1);
	if (rng_pct(&r, 70))
		snprintf(s->name, sizeof s->name, "%s %s", brands[cat][rng_below(&r, 10)],
		         PICK(&r, branches));
	else if (rng_pct(&r, 70))
		snprintf(s->name, sizeof s->name, "%s %s", PICK(&r, name_prefix),
		         name_dish[cat][rng_below(&r, 4)]);
	else
		snprintf(s->name, sizeof s->name, "%s씨네 %s", PICK(&r, surnames),
		         name_dish[cat][rng_below(&r, 4)]);

	if (rng_pct(&r, 3))
		s->owner[0] = '\0';
	else
		snprintf(s->owner, sizeof s->owner, "%s%s", PICK(&r, surnames), PICK(&r, given_names));

	/* phone: Seoul landline, mobile, or a 0507 "safe number"; hand-typed,
	 * so some have spaces around them; a few are empty */
	{
		char num[24];
		unsigned kind = rng_below(&r, 100);
		if (kind < 50)
			snprintf(num, sizeof num, "02-%u-%04u", 200 + rng_below(&r, 9800),
			         rng_below(&r, 10000));
		else if (kind < 85)
			snprintf(num, sizeof num, "010-%04u-%04u", 1000 + rng_below(&r, 9000),
			         rng_below(&r, 10000));
		else
			snprintf(num, sizeof num, "0507-%04u-%04u", 1300 + rng_below(&r, 700),
			         rng_below(&r, 10000));
		pct = rng_below(&r, 100);
		if (pct < 2)
			s->tel[0] = '\0';
		else if (pct < 7)
			snprintf(s->tel, sizeof s->tel, " %s", num);
		else if (pct < 12)
			snprintf(s->tel, sizeof s->tel, "%s%s", num, PICK(&r, spaces));
		else if (pct < 14)
			snprintf(s->tel, sizeof s->tel, "  %s  ", num);
		else
			snprintf(s->tel, sizeof s->tel, "%s", num);
	}

	gen_address(&r, s->addr, sizeof s->addr);
	pct = rng_below(&r, 100);
	s->addr_dtl_p = s->addr_dtl;
	if (pct < 25)
		s->addr_dtl_p = NULL;
	else if (pct < 35)
		s->addr_dtl[0] = '\0';
	else if (pct < 60)
		snprintf(s->addr_dtl, sizeof s->addr_dtl, "%u층", 1 + rng_below(&r, 5));
	else if (pct < 70)
		snprintf(s->addr_dtl, sizeof s->addr_dtl, "지하 1층");
	else if (pct < 85)
		snprintf(s->addr_dtl, sizeof s->addr_dtl, "%u층 %u호", 1 + rng_below(&r, 5),
		         101 + rng_below(&r, 10));
	else
		snprintf(s->addr_dtl, sizeof s->addr_dtl, "%s%s %u층",
		         PICK(&r, districts), PICK(&r, buildings), 1 + rng_below(&r, 3));

	s->review_cnt = rng_pct(&r, 10) ? 0 : 1 + (unsigned)(rng_next(&r) % 3000 *
	                                                      (rng_next(&r) % 1000) / 1000);
	if (s->review_cnt == 0)
		s->rating_cents = 0;
	else if (rng_pct(&r, 85))
		s->rating_cents = 400 + (int)rng_below(&r, 101);
	else
		s->rating_cents = 100 + (int)rng_below(&r, 300);
	s->min_order = cat == 6 ? (int)(5 + rng_below(&r, 8)) * 1000
	                        : (int)(10 + rng_below(&r, 11)) * 1000;

	/* 2010-2024; a third were entered as dates only (00:00:00) */
	s->open_dt = rng_range(&r, T_2010, T_2025 - 1);
	if (rng_pct(&r, 33))
		s->open_dt -= s->open_dt % 86400;
	s->open_yn = rng_pct(&r, 92) ? 'Y' : 'N';

	pct = rng_below(&r, 100);
	if (pct < 55)
		s->memo = NULL;
	else if (pct < 65)
		s->memo = "";
	else if (pct < 85)
		s->memo = PICK(&r, memos);
	else {
		snprintf(s->memo_buf, sizeof s->memo_buf, "%s (%u-%02u)", PICK(&r, memos),
		         2010 + rng_below(&r, 15), 1 + rng_below(&r, 12));
		s->memo = s->memo_buf;
	}

	/* ads: 울트라콜 is 88,000 won a flag per month */
	pct = rng_below(&r, 100);
	s->has_ad_until = true;
	s->ad_until = rng_range(&r, T_2024 + 180 * 86400LL, T_2026 - 1) / 86400 * 86400 + 86399;
	if (pct < 65) {
		s->ad_grade = "none";
		s->ad_budget = 0;
		if (rng_pct(&r, 80))
			s->has_ad_until = false;
		else  /* an ad that ran out long ago */
			s->ad_until -= 2 * 365 * 86400LL;
	} else if (pct < 85) {
		s->ad_grade = "basic";
		s->ad_budget = (long long)(5 + rng_below(&r, 46)) * 10000;
	} else if (pct < 95) {
		s->ad_grade = "premium";
		s->ad_budget = (long long)(1 + rng_below(&r, 30)) * 100000;
	} else {
		s->ad_grade = "ultra";
		s->ad_budget = (long long)(1 + rng_below(&r, 20)) * 88000;
	}

	/* registered up to 60 days before opening (never before 2010) */
	s->reg_dt = s->open_dt - SEOUL_OFFSET - (int64_t)rng_below(&r, 60 * 86400);
	if (s->reg_dt < T_2010)
		s->reg_dt = T_2010 + (int64_t)rng_below(&r, 86400);
	{
		int64_t lo = s->reg_dt > T_2024 ? s->reg_dt : T_2024;
		s->upd_ms = rng_range(&r, lo * 1000, T_2025 * 1000 - 1);
	}
}

struct menu_row {
	uint64_t id;
	char name[128];
	int price;
	char sold_out;
	int sort_no;
	const char *desc;           /* NULL: SQL NULL */
	int64_t upd_ms;
};

/* Menu k (0-based) of the shop in plan p. */
static void gen_menu(const struct gen *g, const struct plan *p, unsigned k, struct menu_row *m)
{
	int cat = p->cat < 0 ? (int)(p->shop_id % NCAT) : p->cat;
	const char *base = menus[cat][(p->menu_start + k) % 10];
	struct rng r;
	unsigned pct;

	m->id = p->first_menu + k;
	rng_init(&r, g->seed, S_MENU, m->id);
	if (rng_pct(&r, 4))
		snprintf(m->name, sizeof m->name, "🔥 %s", base);
	else if (rng_pct(&r, 5))
		snprintf(m->name, sizeof m->name, "[인기] %s", base);
	else
		snprintf(m->name, sizeof m->name, "%s", base);
	m->price = price_lo[cat] + (int)rng_below(&r, (unsigned)(price_hi[cat] - price_lo[cat]) / 500 + 1) * 500;
	m->sold_out = rng_pct(&r, 6) ? 'Y' : 'N';
	m->sort_no = (int)(k + 1) * 10;
	pct = rng_below(&r, 100);
	m->desc = pct < 30 ? NULL : pct < 45 ? "" : PICK(&r, menu_descs);
	m->upd_ms = rng_range(&r, T_2023 * 1000, T_2025 * 1000 - 1);
}

struct item_row {
	unsigned line_no;
	uint64_t menu_id;
	unsigned menu_k;
	unsigned qty;
	int unit_price;
	const char *opt;            /* NULL: SQL NULL */
};

static const char *const statuses[] = { "placed", "accepted", "delivering", "delivered",
                                        "cancelled" };
enum { ST_PLACED, ST_ACCEPTED, ST_DELIVERING, ST_DELIVERED, ST_CANCELLED };

struct order_row {
	uint64_t id;
	uint32_t member_no;
	int status;
	long long total;
	int64_t order_ms;           /* Seoul wall clock, milliseconds */
	char addr[256];
	const char *memo;           /* NULL: SQL NULL */
	int64_t upd_ms;             /* UTC */
	struct item_row items[4];
	unsigned nitems;
};

/* Order j (0-based) of the shop in plan p, with its lines. */
static void gen_order(const struct gen *g, const struct plan *p, unsigned j, struct order_row *o)
{
	/* lunch, dinner and late-night peaks */
	static const int hours[] = { 11, 11, 12, 12, 12, 13, 14, 15, 16, 17, 17, 18, 18, 18,
	                             19, 19, 19, 20, 20, 21, 21, 22, 23, 0, 1, 9, 10 };
	struct rng r, ri;
	unsigned pct, first;
	long long sum = 0;

	o->id = p->first_order + j;
	rng_init(&r, g->seed, S_ORDER, o->id);
	o->member_no = 1 + (uint32_t)rng_below(&r, g->nshops * 3 + 1000);
	pct = rng_below(&r, 100);
	o->status = pct < 80 ? ST_DELIVERED : pct < 88 ? ST_CANCELLED : pct < 92 ? ST_PLACED
	          : pct < 96 ? ST_ACCEPTED : ST_DELIVERING;
	o->order_ms = ((T_2023 + (int64_t)rng_below(&r, 731) * 86400 + PICK(&r, hours) * 3600LL +
	                (int64_t)rng_below(&r, 3600)) * 1000) + rng_below(&r, 1000);
	{
		char street[200];
		gen_address(&r, street, sizeof street);
		if (rng_pct(&r, 60))
			snprintf(o->addr, sizeof o->addr, "%s, %s %u동 %u호", street, PICK(&r, apartments),
			         101 + rng_below(&r, 20), (1 + rng_below(&r, 25)) * 100 + 1 + rng_below(&r, 6));
		else
			snprintf(o->addr, sizeof o->addr, "%s %u층", street, 1 + rng_below(&r, 5));
	}
	pct = rng_below(&r, 100);
	o->memo = pct < 25 ? NULL : pct < 40 ? "" : PICK(&r, requests);
	switch (o->status) {
	case ST_DELIVERED:
		o->upd_ms = o->order_ms + rng_range(&r, 20, 90) * 60000 + rng_below(&r, 60000);
		break;
	case ST_CANCELLED:
		o->upd_ms = o->order_ms + rng_range(&r, 1, 10) * 60000 + rng_below(&r, 60000);
		break;
	default:
		o->upd_ms = o->order_ms + rng_below(&r, 300000);
	}
	o->upd_ms -= SEOUL_OFFSET * 1000LL;

	/* lines take different menus while the shop has enough of them */
	rng_init(&ri, g->seed, S_ITEM, o->id);
	o->nitems = 1 + rng_below(&ri, 4);
	first = rng_below(&ri, p->nmenus);
	for (unsigned i = 0; i < o->nitems; i++) {
		struct item_row *it = &o->items[i];
		struct menu_row m;
		it->line_no = i + 1;
		it->menu_k = (first + i) % p->nmenus;
		gen_menu(g, p, it->menu_k, &m);
		it->menu_id = m.id;
		pct = rng_below(&ri, 100);
		it->qty = pct < 75 ? 1 : pct < 95 ? 2 : 3 + rng_below(&ri, 3);
		it->unit_price = m.price;
		pct = rng_below(&ri, 100);
		if (pct < 50)
			it->opt = NULL;
		else if (pct < 58)
			it->opt = "";
		else {
			const struct option_price *op = &PICK(&ri, item_options);
			it->opt = op->text;
			it->unit_price += op->extra;
		}
		sum += (long long)it->qty * it->unit_price;
	}
	o->total = sum + p->delivery_tip;
}

struct review_row {
	uint32_t star;
	char content[400];
	char photo;
	int64_t reg_dt;             /* Seoul wall clock */
	int64_t upd_ms;             /* UTC */
};

/* The review of order o, if its customer wrote one. */
static bool gen_review(const struct gen *g, const struct plan *p, const struct order_row *o,
                       struct review_row *v)
{
	static const unsigned stars[] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 3, 3, 2, 1 };
	struct rng r;
	struct menu_row m;
	const char *emoji = "";
	size_t n;

	if (o->status != ST_DELIVERED)
		return false;
	rng_init(&r, g->seed, S_REVIEW, o->id);
	if (!rng_pct(&r, 70))
		return false;
	v->star = PICK(&r, stars);
	gen_menu(g, p, o->items[0].menu_k, &m);
	if (v->star >= 4) {
		if (rng_pct(&r, 40))
			emoji = PICK(&r, good_emoji);
		if (rng_pct(&r, 50)) {
			unsigned a = rng_below(&r, NELEM(praise));
			unsigned b = (a + 1 + rng_below(&r, NELEM(praise) - 1)) % NELEM(praise);
			snprintf(v->content, sizeof v->content, "%s %s! %s %s", m.name, praise[a],
			         praise[b], emoji);
		}
		else
			snprintf(v->content, sizeof v->content, "%s %s", PICK(&r, praise), emoji);
	} else if (v->star == 3) {
		snprintf(v->content, sizeof v->content, "%s %s", m.name, PICK(&r, so_so));
	} else {
		if (rng_pct(&r, 50))
			emoji = PICK(&r, bad_emoji);
		snprintf(v->content, sizeof v->content, "%s. %s %s", PICK(&r, complaints),
		         PICK(&r, so_so), emoji);
	}
	n = strlen(v->content);
	while (n && v->content[n - 1] == ' ')
		v->content[--n] = '\0';
	v->photo = rng_pct(&r, 30) ? 'Y' : 'N';
	v->reg_dt = o->order_ms / 1000 + rng_range(&r, 30 * 60, 3 * 86400);
	v->upd_ms = (v->reg_dt - SEOUL_OFFSET) * 1000 + rng_below(&r, 1000);
	if (rng_pct(&r, 15))  /* edited later */
		v->upd_ms += rng_range(&r, 3600, 30 * 86400) * 1000LL;
	return true;
}

/* ------------------------------------------------------------------ */
/* Batched multi-row INSERTs                                           */
/* ------------------------------------------------------------------ */

#define BATCH_ROWS 1000         /* rows per INSERT */
#define BATCH_BYTES (1 << 20)   /* or fewer when the statement passes 1 MB */
#define TXN_STATEMENTS 20       /* INSERTs per transaction */

struct batch {
	MYSQL *my;
	const char *table;
	const char *head;           /* "INSERT INTO `t` (cols) VALUES " */
	struct fc_buf sql;
	size_t rows;                /* in sql */
	size_t statements;          /* in the open transaction */
	size_t total;
	bool failed;                /* an append failed (out of memory) */
	bool first_value;           /* the next value opens its row */
	struct fc_err *err;
};

static int batch_init(struct batch *b, MYSQL *my, const char *table, const char *head,
                      struct fc_err *err)
{
	memset(b, 0, sizeof *b);
	b->my = my;
	b->table = table;
	b->head = head;
	b->err = err;
	fc_buf_init(&b->sql, 64u << 20);
	if (mysql_query(my, "START TRANSACTION"))
		return fc_errf(err, FC_ESQL, "table '%s': %s", table, mysql_error(my));
	return 0;
}

static void put(struct batch *b, const char *s, size_t n)
{
	if (fc_buf_append(&b->sql, s, n))
		b->failed = true;
}

static void put_s(struct batch *b, const char *s)
{
	put(b, s, strlen(s));
}

/* The comma before every value of a row but its first. */
static void sep(struct batch *b)
{
	if (!b->first_value)
		put(b, ",", 1);
	b->first_value = false;
}

static void row_begin(struct batch *b)
{
	if (b->rows == 0)
		put_s(b, b->head);
	put_s(b, b->rows ? ",(" : "(");
	b->first_value = true;
}

static void v_int(struct batch *b, long long v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%lld", v);
	sep(b);
	put(b, tmp, (size_t)n);
}

static void v_uint(struct batch *b, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10));
	sep(b);
	put(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* A string value, escaped for the connection's charset; NULL for s NULL. */
static void v_str(struct batch *b, const char *s)
{
	size_t n;
	sep(b);
	if (!s) {
		put_s(b, "NULL");
		return;
	}
	n = strlen(s);
	if (fc_buf_reserve(&b->sql, 2 * n + 3)) {
		b->failed = true;
		return;
	}
	b->sql.ptr[b->sql.len++] = '\'';
	b->sql.len += mysql_real_escape_string(b->my, b->sql.ptr + b->sql.len, s, (unsigned long)n);
	b->sql.ptr[b->sql.len++] = '\'';
	b->sql.ptr[b->sql.len] = '\0';
}

static void v_char(struct batch *b, char c)
{
	char s[2] = { c, '\0' };
	v_str(b, s);
}

/* seconds (ms < 0) or milliseconds on a naive clock, as a quoted literal */
static void v_time(struct batch *b, int64_t sec, int ms)
{
	char t[24], q[28];
	fmt_time(t, sec, ms);
	snprintf(q, sizeof q, "'%s'", t);
	sep(b);
	put_s(b, q);
}

static void v_time_ms(struct batch *b, int64_t ms)
{
	v_time(b, ms / 1000, (int)(ms % 1000));
}

static int batch_flush(struct batch *b)
{
	if (b->failed)
		return fc_errf(b->err, FC_ENOMEM, "table '%s': out of memory building an INSERT",
		               b->table);
	if (b->rows == 0)
		return 0;
	if (mysql_real_query(b->my, b->sql.ptr, b->sql.len))
		return fc_errf(b->err, FC_ESQL, "table '%s': %s (in an INSERT of %zu rows)",
		               b->table, mysql_error(b->my), b->rows);
	b->total += b->rows;
	b->rows = 0;
	fc_buf_reset(&b->sql);
	if (++b->statements >= TXN_STATEMENTS) {
		if (mysql_query(b->my, "COMMIT") || mysql_query(b->my, "START TRANSACTION"))
			return fc_errf(b->err, FC_ESQL, "table '%s': %s (at COMMIT)", b->table,
			               mysql_error(b->my));
		b->statements = 0;
	}
	return 0;
}

static int row_end(struct batch *b)
{
	put_s(b, ")");
	b->rows++;
	if (b->failed || b->rows >= BATCH_ROWS || b->sql.len >= BATCH_BYTES)
		return batch_flush(b);
	return 0;
}

/* Sends what is left and commits. */
static int batch_finish(struct batch *b)
{
	int rc = batch_flush(b);
	if (rc == 0 && mysql_query(b->my, "COMMIT"))
		rc = fc_errf(b->err, FC_ESQL, "table '%s': %s (at COMMIT)", b->table,
		             mysql_error(b->my));
	return rc;
}

static void batch_release(struct batch *b)
{
	fc_buf_release(&b->sql);
}

/* ------------------------------------------------------------------ */
/* One pass per table                                                  */
/* ------------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Progress: a dot per tenth of the shops walked. */
static void progress(const struct gen *g, uint32_t shop_id, unsigned *dots)
{
	while (*dots < 10 && (uint64_t)shop_id * 10 >= (uint64_t)g->nshops * (*dots + 1)) {
		putchar('.');
		fflush(stdout);
		(*dots)++;
	}
}

static int emit_shop(struct batch *b, const struct gen *g, const struct plan *p)
{
	struct shop_row s;
	char rating[8];
	gen_shop(g, p, &s);
	snprintf(rating, sizeof rating, "%d.%02d", s.rating_cents / 100, s.rating_cents % 100);
	row_begin(b);
	v_uint(b, p->shop_id);
	v_str(b, s.name);
	v_str(b, s.owner);
	v_str(b, s.tel);
	v_str(b, s.addr);
	v_str(b, s.addr_dtl_p);
	v_str(b, s.cat_cd);
	v_str(b, p->shop_type);
	sep(b);
	put_s(b, rating);
	v_uint(b, s.review_cnt);
	v_int(b, s.min_order);
	v_int(b, p->delivery_tip);
	v_time(b, s.open_dt, -1);
	v_char(b, s.open_yn);
	v_str(b, s.memo);
	v_str(b, s.ad_grade);
	if (s.has_ad_until)
		v_time(b, s.ad_until, -1);
	else
		v_str(b, NULL);
	v_int(b, s.ad_budget);
	v_time(b, s.reg_dt, -1);
	v_time_ms(b, s.upd_ms);
	return row_end(b);
}

static int emit_menus(struct batch *b, const struct gen *g, const struct plan *p)
{
	int rc = 0;
	for (unsigned k = 0; rc == 0 && k < p->nmenus; k++) {
		struct menu_row m;
		gen_menu(g, p, k, &m);
		row_begin(b);
		v_uint(b, m.id);
		v_uint(b, p->shop_id);
		v_str(b, m.name);
		v_int(b, m.price);
		v_char(b, m.sold_out);
		v_int(b, m.sort_no);
		v_str(b, m.desc);
		v_time_ms(b, m.upd_ms);
		rc = row_end(b);
	}
	return rc;
}

static int emit_orders(struct batch *b, const struct gen *g, const struct plan *p)
{
	int rc = 0;
	for (unsigned j = 0; rc == 0 && j < p->norders; j++) {
		struct order_row o;
		gen_order(g, p, j, &o);
		row_begin(b);
		v_uint(b, o.id);
		v_uint(b, p->shop_id);
		v_uint(b, o.member_no);
		v_str(b, statuses[o.status]);
		v_int(b, o.total);
		v_time_ms(b, o.order_ms);
		v_str(b, o.addr);
		v_str(b, o.memo);
		v_time_ms(b, o.upd_ms);
		rc = row_end(b);
	}
	return rc;
}

static int emit_items(struct batch *b, const struct gen *g, const struct plan *p)
{
	int rc = 0;
	for (unsigned j = 0; rc == 0 && j < p->norders; j++) {
		struct order_row o;
		gen_order(g, p, j, &o);
		for (unsigned i = 0; rc == 0 && i < o.nitems; i++) {
			const struct item_row *it = &o.items[i];
			row_begin(b);
			v_uint(b, o.id);
			v_uint(b, it->line_no);
			v_uint(b, it->menu_id);
			v_uint(b, it->qty);
			v_int(b, it->unit_price);
			v_str(b, it->opt);
			/* lines are written with the order, within the same second */
			v_time_ms(b, o.order_ms - SEOUL_OFFSET * 1000LL + (int64_t)it->line_no * 7);
			rc = row_end(b);
		}
	}
	return rc;
}

static int emit_reviews(struct batch *b, const struct gen *g, const struct plan *p,
                        uint64_t *next_review)
{
	int rc = 0;
	for (unsigned j = 0; rc == 0 && j < p->norders; j++) {
		struct order_row o;
		struct review_row v;
		gen_order(g, p, j, &o);
		if (!gen_review(g, p, &o, &v))
			continue;
		row_begin(b);
		v_uint(b, (*next_review)++);
		v_uint(b, o.id);
		v_uint(b, p->shop_id);
		v_uint(b, o.member_no);
		v_uint(b, v.star);
		v_str(b, v.content);
		v_char(b, v.photo);
		v_time(b, v.reg_dt, -1);
		v_time_ms(b, v.upd_ms);
		rc = row_end(b);
	}
	return rc;
}

enum table_id { T_SHOP, T_MENU, T_ORDERS, T_ORDER_ITEM, T_REVIEW, NTABLES };

static const struct {
	const char *name;
	const char *head;
} tables[NTABLES] = {
	{ "shop", "INSERT INTO `shop` (shop_id, shop_name, owner_nm, tel_no, addr, addr_dtl, "
	          "cat_cd, shop_type, rating, review_cnt, min_order_amt, delivery_tip, open_dt, "
	          "open_yn, legacy_memo, ad_grade, ad_until, ad_budget, reg_dt, upd_dt) VALUES " },
	{ "menu", "INSERT INTO `menu` (menu_id, shop_id, menu_nm, price, sold_out_yn, sort_no, "
	          "menu_desc, upd_dt) VALUES " },
	{ "orders", "INSERT INTO `orders` (order_id, shop_id, member_no, order_stat, total_amt, "
	            "order_dt, dlvr_addr, req_memo, upd_dt) VALUES " },
	{ "order_item", "INSERT INTO `order_item` (order_id, line_no, menu_id, qty, unit_price, "
	                "opt_txt, upd_dt) VALUES " },
	{ "review", "INSERT INTO `review` (review_id, order_id, shop_id, member_no, star, content, "
	            "photo_yn, reg_dt, upd_dt) VALUES " },
};

/* Fills one table; *rows receives its row count. */
static int load_table(MYSQL *my, const struct gen *g, enum table_id t, size_t *rows,
                      struct fc_err *err)
{
	struct batch b;
	struct walk w;
	struct plan p;
	uint64_t next_review = 1;
	unsigned dots = 0;
	int rc;

	if ((rc = batch_init(&b, my, tables[t].name, tables[t].head, err)))
		return rc;
	walk_init(&w, g);
	while (rc == 0 && walk_next(&w, &p)) {
		switch (t) {
		case T_SHOP:
			rc = emit_shop(&b, g, &p);
			break;
		case T_MENU:
			rc = emit_menus(&b, g, &p);
			break;
		case T_ORDERS:
			rc = emit_orders(&b, g, &p);
			break;
		case T_ORDER_ITEM:
			rc = emit_items(&b, g, &p);
			break;
		default:
			rc = emit_reviews(&b, g, &p, &next_review);
			break;
		}
		progress(g, p.shop_id, &dots);
	}
	if (rc == 0)
		rc = batch_finish(&b);
	else
		mysql_query(my, "ROLLBACK");
	*rows = b.total;
	batch_release(&b);
	return rc;
}

/* Empties the five tables; a missing one means init has not run. */
static int truncate_all(MYSQL *my, const char *db, struct fc_err *err)
{
	for (int t = 0; t < NTABLES; t++) {
		char sql[64];
		snprintf(sql, sizeof sql, "TRUNCATE TABLE `%s`", tables[t].name);
		if (mysql_query(my, sql)) {
			if (mysql_errno(my) == 1146)  /* ER_NO_SUCH_TABLE */
				return fc_errf(err, FC_ENOTFOUND, "table '%s' does not exist in database "
				               "'%s': run 'ficus sample init' first", tables[t].name, db);
			return fc_errf(err, FC_ESQL, "table '%s': %s (at TRUNCATE)", tables[t].name,
			               mysql_error(my));
		}
	}
	return 0;
}

#define MAX_SHOPS 1000000

static int run_load(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
	                                       { "legacy", required_argument, NULL, 'l' },
	                                       { "rows", required_argument, NULL, 'n' },
	                                       { "seed", required_argument, NULL, 's' },
	                                       { "force", no_argument, NULL, 'f' },
	                                       { NULL, 0, NULL, 0 } };
	const char *path = NULL, *legacy_name = NULL;
	const struct fc_conn *legacy;
	struct gen g = { 1, 1000 };
	struct fc_config cfg;
	struct fc_err err;
	struct fc_buf found = FC_BUF_INIT;
	size_t counts[NTABLES], total = 0;
	double t0, t_all;
	MYSQL *my = NULL;
	int c, status = CLI_ERROR, nfound = 0;
	bool force = false;

	while ((c = cli_getopt(argc, argv, argv[0], "c:n:", opts)) != -1) {
		if (c == 'c') {
			path = optarg;
		} else if (c == 'l') {
			legacy_name = optarg;
		} else if (c == 'f') {
			force = true;
		} else if (c == 'n') {
			long long v = cli_uint(argv[0], "--rows", optarg, MAX_SHOPS);
			if (v < 0)
				return CLI_ERROR;
			if (v == 0)
				return cli_usage_error(argv[0], "--rows wants a number of shops from 1 to "
				                       "%d, not '%s'", MAX_SHOPS, optarg);
			g.nshops = (uint32_t)v;
		} else if (c == 's') {
			long long v = cli_uint(argv[0], "--seed", optarg, INT64_MAX);
			if (v < 0)
				return CLI_ERROR;
			g.seed = (uint64_t)v;
		} else {
			return CLI_ERROR;
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (fc_config_load(fc_config_default_path(path), &cfg, &err))
		return cli_fail(argv[0], &err);
	legacy = pick_conn(argv[0], &cfg, "--legacy", legacy_name, FC_CONN_MYSQL);
	if (!legacy)
		goto out_cfg;
	if (!legacy->my.database || !legacy->my.database[0]) {
		fprintf(stderr, "ficus %s: error: connection '%s' (%s) names no database: put the "
		        "sample database in the DSN (mysql://host:port/DATABASE)\n", argv[0],
		        legacy->name, legacy->shown);
		goto out_cfg;
	}
	if (!(my = fc_mysql_open(legacy, &err))) {
		if (strstr(err.msg, "Unknown database"))
			fc_err_prefix(&err, "run 'ficus sample init' first");
		cli_fail(argv[0], &err);
		goto out_cfg;
	}
	/* strict: a value that does not fit (a syllable EUC-KR lacks, an
	 * out-of-range number) fails the load instead of becoming '?' or 0 */
	if (!force) {
		if (legacy_foreign(my, legacy->my.database, &found, &nfound, &err)) {
			cli_fail(argv[0], &err);
			goto out_db;
		}
		if (nfound) {
			char what[160];
			snprintf(what, sizeof what, "database `%s`", legacy->my.database);
			say_foreign(argv[0], what, legacy->name, legacy->shown, "holds", &found, nfound);
			fprintf(stderr, "sample load empties (TRUNCATE) the sample's tables shop, menu, "
			        "orders, order_item and review: this does not look like the sample "
			        "database. Give --force to load into it anyway (the other objects are "
			        "left alone).\n");
			goto out_db;
		}
	}
	if (fc_mysql_exec(my, "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'",
	                  &err) ||
	    truncate_all(my, legacy->my.database, &err)) {
		cli_fail(argv[0], &err);
		goto out_db;
	}
	printf("loading %u shops (seed %" PRIu64 ") into %s (%s)\n", g.nshops, g.seed,
	       legacy->name, legacy->shown);
	t_all = now_s();
	for (int t = 0; t < NTABLES; t++) {
		double dt;
		printf("  %-11s ", tables[t].name);
		fflush(stdout);
		t0 = now_s();
		if (load_table(my, &g, (enum table_id)t, &counts[t], &err)) {
			printf("\n");
			cli_fail(argv[0], &err);
			goto out_db;
		}
		dt = now_s() - t0;
		printf(" %9zu rows %7.1f s %8.0f rows/s\n", counts[t], dt,
		       dt > 0 ? (double)counts[t] / dt : 0.0);
		total += counts[t];
	}
	t_all = now_s() - t_all;
	printf("loaded %zu rows in %.1f s: shop %zu, menu %zu, orders %zu, order_item %zu, "
	       "review %zu\n", total, t_all, counts[T_SHOP], counts[T_MENU], counts[T_ORDERS],
	       counts[T_ORDER_ITEM], counts[T_REVIEW]);
	status = CLI_OK;
out_db:
	mysql_close(my);
out_cfg:
	fc_buf_release(&found);
	fc_config_release(&cfg);
	return status;
}

const struct cli_cmd cli_cmd_sample_load = {
	"sample load",
	"empty and refill the sample legacy tables with generated, reproducible data",
	"usage: ficus sample load [--config FILE] [--legacy CONN] [--rows N] [--seed S]\n"
	"                         [--force]\n"
	"\n"
	"Empties the five tables of the sample legacy database (TRUNCATE) and fills\n"
	"them with generated rows for N shops: about 3 menus, 2 orders (1-4 lines\n"
	"each) and 1 review per shop. Korean names and Seoul addresses, phone\n"
	"numbers with stray spaces, empty strings where NULL was meant, EUC-KR\n"
	"memos, emoji in requests and reviews: the quirks the mappings handle.\n"
	"\n"
	"The data depends only on N and S: the same N and S give byte-identical\n"
	"tables (compare with CHECKSUM TABLE). Run 'ficus sample init' first.\n"
	"\n"
	"If the database holds anything besides the sample's five tables, it lists\n"
	"what and refuses (exit 2), unless --force.\n"
	"\n"
	"  --config FILE   config file (default: $FICUS_CONFIG, else ./ficus.yaml)\n"
	"  --legacy CONN   mysql connection (default: sync.source, else cdc.source);\n"
	"                  its DSN names the database\n"
	"  -n, --rows N    number of shops, 1 to 1000000 (default 1000)\n"
	"  --seed S        seed of the generator (default 1)\n"
	"  --force         load even into a database that holds other objects\n"
	"\n"
	"exit status: 0 loaded, 2 usage error, refusal or failure (the message names\n"
	"the table)\n",
	run_load,
};
