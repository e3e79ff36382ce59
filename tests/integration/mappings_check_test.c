/* tests/integration/mappings_check_test.c - `ficus mappings check` against
 * real MariaDB and PostgreSQL schemas made here (databases t_mapcheck). */
#include "../test.h"

#include "../../lib/config.h"
#include "../../lib/db.h"
#include "../../lib/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static void schemas(void)
{
	t_mysql("DROP DATABASE IF EXISTS t_mapcheck; CREATE DATABASE t_mapcheck;"
	        "CREATE TABLE t_mapcheck.shop ("
	        " shop_id INT UNSIGNED PRIMARY KEY, shop_name VARCHAR(100) NOT NULL,"
	        " tel_no VARCHAR(20), rating DECIMAL(3,2), open_dt DATETIME,"
	        " reg_dt TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
	        " cat_cd CHAR(2) NOT NULL, kind ENUM('delivery','takeout','both') NOT NULL,"
	        " open_yn CHAR(1) NOT NULL DEFAULT 'Y', memo VARCHAR(200) CHARACTER SET euckr,"
	        " budget DECIMAL(12,0))");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_mapcheck");
	t_pg(NULL, "CREATE DATABASE t_mapcheck");
	t_pg("t_mapcheck",
	     "CREATE SCHEMA shop;"
	     "CREATE TABLE shop.shops (id bigint PRIMARY KEY, name text NOT NULL, phone text,"
	     " rating numeric(3,2), opened_at timestamptz, created_at timestamptz(3),"
	     " category text, kind text, is_open boolean, memo text, budget numeric(12,0));"
	     "CREATE TABLE shop.nokey (id bigint, name text, score integer NOT NULL,"
	     " extra text NOT NULL)");
}

static const char *config(const char *mapping)
{
	const char *dir = t_tmpdir();
	char text[2048], sub[600];
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "shop.yaml", mapping);
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"%s\" }\n",
	         t_mysql_dsn("t_mapcheck"));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n"
	         "mappings: mappings\n"
	         "sync: { source: legacy, target: newdb }\n",
	         t_pg_dsn("t_mapcheck"));
	return t_write(dir, "ficus.yaml", text);
}

static const char clean_mapping[] =
	"entities:\n"
	"  shop:\n"
	"    from: { table: shop, key: [shop_id] }\n"
	"    to:   { table: shop.shops, key: [id] }\n"
	"    columns:\n"
	"      id: shop_id\n"
	"      name: shop_name\n"
	"      phone: { from: tel_no, trim: true, null_if: [\"\"] }\n"
	"      rating: rating\n"
	"      opened_at: { from: open_dt, timezone: Asia/Seoul }\n"
	"      created_at: reg_dt\n"
	"      category: { from: cat_cd, map: { \"01\": chicken, \"02\": pizza } }\n"
	"      kind: kind\n"
	"      is_open: { from: open_yn, map: { Y: \"true\", N: \"false\" }, default: \"false\" }\n"
	"      memo: memo\n"
	"      budget: budget\n";

TEST_TIMEOUT(clean_mapping_exits_0, 60)
{
	char *out;
	schemas();
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s", t_env("FICUS_BIN"),
	                config(clean_mapping)), 0);
	ASSERT_CONTAINS(out, "shop: shop -> shop.shops");
	ASSERT_CONTAINS(out, "11 of 11 columns ok");
	ASSERT_CONTAINS(out, "1 entity checked: 1 clean, 0 with problems; 0 problems, 0 warnings");
	free(out);
}

static const char bad_mapping[] =
	"entities:\n"
	"  shop:\n"
	"    from: { table: shop, key: [shop_id], watch: [ad_grade] }\n"
	"    to:   { table: shop.nokey, key: [id] }\n"
	"    columns:\n"
	"      id: shop_id\n"
	"      name: shop_nm\n"
	"      score: rating\n"
	"      ghost: open_dt\n"
	"  times:\n"
	"    from: { table: shop, key: [shop_id] }\n"
	"    to:   { table: shop.shops, key: [id] }\n"
	"    columns:\n"
	"      id: shop_id\n"
	"      name: tel_no\n"
	"      opened_at: open_dt\n"
	"      is_open: { from: open_yn, map: { Y: \"yes please\" } }\n"
	"      kind: { from: kind, map: { delivery: d } }\n"
	"  gone:\n"
	"    from: { table: nosuch, key: [id] }\n"
	"    to:   { table: shop.shops, key: [id] }\n"
	"    columns: { id: id }\n";

TEST_TIMEOUT(problems_exit_1_and_name_the_line, 60)
{
	char *out;
	schemas();
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s", t_env("FICUS_BIN"),
	                config(bad_mapping)), 1);
	/* missing columns, with a suggestion */
	ASSERT_CONTAINS(out, "mappings/shop.yaml:7:7: legacy table t_mapcheck.shop has no column "
	                "'shop_nm' (did you mean 'shop_name'?)");
	ASSERT_CONTAINS(out, "mappings/shop.yaml:9:7: target table shop.nokey has no column 'ghost'");
	ASSERT_CONTAINS(out, "legacy table t_mapcheck.shop has no column 'ad_grade'");
	/* mapped, but not watched: its changes alone raise no event */
	ASSERT_CONTAINS(out, "score <- rating: 'rating' is not in 'watch': an update of only it raises "
	                "no event");
	/* DECIMAL(3,2) into integer */
	ASSERT_CONTAINS(out, "mappings/shop.yaml:8:7: score <- rating: decimal(3,2) has 2 "
	                "decimals that integer would drop");
	/* no unique key on the target, NOT NULL unfilled */
	ASSERT_CONTAINS(out, "target key (id) of shop.nokey needs a primary key or unique index");
	ASSERT_CONTAINS(out, "target column shop.nokey.extra is NOT NULL without a default");
	/* a DATETIME into timestamptz without a zone; a nullable legacy column into NOT NULL */
	ASSERT_CONTAINS(out, "mappings/shop.yaml:16:7: opened_at <- open_dt: datetime is a wall "
	                "clock without zone: add 'timezone:'");
	ASSERT_CONTAINS(out, "mappings/shop.yaml:15:7: name <- tel_no: the legacy value can be "
	                "NULL, but target column name is NOT NULL");
	/* value maps checked against the target type and the legacy ENUM labels */
	ASSERT_CONTAINS(out, "is_open <- open_yn: mapped value 'yes please' does not fit boolean");
	ASSERT_CONTAINS(out, "is_open <- open_yn: values missing from 'map' pass through");
	ASSERT(strstr(out, "legacy label 'takeout' is not in 'map'") == NULL); /* text takes it */
	/* a table that does not exist */
	ASSERT_CONTAINS(out, "mappings/shop.yaml:19:3: legacy table nosuch does not exist");
	ASSERT_CONTAINS(out, "3 entities checked: 0 clean, 3 with problems");
	free(out);
}

TEST_TIMEOUT(only_named_entities, 60)
{
	char *out;
	schemas();
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s gone", t_env("FICUS_BIN"),
	                config(bad_mapping)), 1);
	ASSERT_CONTAINS(out, "1 entity checked");
	free(out);
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s nosuchentity", t_env("FICUS_BIN"),
	                config(bad_mapping)), 2);
	ASSERT_CONTAINS(out, "no entity 'nosuchentity' in the mappings");
	free(out);
}

TEST_TIMEOUT(errors_exit_2_without_secrets, 60)
{
	char *out;
	const char *dir = t_tmpdir();
	char text[1024];
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"mysql://root:${T_SECRET}@127.0.0.1:1/x\" }\n"
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n"
	         "mappings: %s/mappings\n"
	         "sync: { source: legacy, target: newdb }\n",
	         t_pg_dsn("postgres"), t_env("FICUS_ROOT"));
	ASSERT_EQ(t_run(&out, "T_SECRET=hunter2 %s mappings check --config %s", t_env("FICUS_BIN"),
	                t_write(dir, "f.yaml", text)), 2);
	ASSERT_CONTAINS(out, "connection 'legacy' (mysql://root:***@127.0.0.1:1/x): Can't connect");
	ASSERT_NOT_CONTAINS(out, "hunter2");
	free(out);
	/* a broken mapping is an error, not a finding */
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s", t_env("FICUS_BIN"),
	                config("entities:\n  shop:\n    from: { table: shop, key: [shop_id] }\n"
	                       "    to: { table: shop.shops, key: [id] }\n    colums: {}\n")), 2);
	ASSERT_CONTAINS(out, "mappings/shop.yaml:5:5: unknown key 'colums'");
	free(out);
	/* no config at all */
	ASSERT_EQ(t_run(&out, "mkdir -p %s/empty && cd %s/empty && FICUS_CONFIG= %s mappings check",
	                dir, dir, t_env("FICUS_BIN")), 2);
	ASSERT_CONTAINS(out, "ficus.yaml: cannot open: No such file or directory");
	free(out);
}

/* A mapping file deep in folders: its path (over 600 bytes) is longer than
 * a finding's text; the findings are cut, nothing overflows (ASan; the
 * 16th finding is the last of the first allocation). */
TEST_TIMEOUT(long_mapping_path_findings_are_cut, 60)
{
	const char *dir = t_tmpdir();
	char deep[1024], part[201], text[2048], mapping[2048], *out;
	size_t len;
	int rc;

	schemas();
	memset(part, 'd', 200);
	part[200] = '\0';
	snprintf(deep, sizeof deep, "%s", dir);
	for (int i = 0; i < 3; i++) {
		len = strlen(deep);
		snprintf(deep + len, sizeof deep - len, "/%s", part);
		ASSERT_EQ(mkdir(deep, 0700), 0);
	}
	/* 20 target columns that do not exist (and name unfilled): 21 problems */
	snprintf(mapping, sizeof mapping,
	         "entities:\n"
	         "  shop:\n"
	         "    from: { table: shop, key: [shop_id] }\n"
	         "    to:   { table: shop.shops, key: [id] }\n"
	         "    columns:\n"
	         "      id: shop_id\n");
	for (int i = 0; i < 20; i++) {
		len = strlen(mapping);
		snprintf(mapping + len, sizeof mapping - len, "      ghost%02d: shop_name\n", i);
	}
	t_write(deep, "shop.yaml", mapping);
	ASSERT(strlen(deep) + strlen("/shop.yaml") > 610);
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"%s\" }\n",
	         t_mysql_dsn("t_mapcheck"));
	len = strlen(text);
	snprintf(text + len, sizeof text - len,
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n"
	         "mappings: %s\n"
	         "sync: { source: legacy, target: newdb }\n",
	         t_pg_dsn("t_mapcheck"), deep);
	rc = t_run(&out, "%s mappings check --config %s", t_env("FICUS_BIN"),
	           t_write(dir, "ficus.yaml", text));
	if (rc != 1)
		t_fail(__FILE__, __LINE__, "exit %d, expected 1:\n%s", rc, out);
	ASSERT_CONTAINS(out, "problem ");
	ASSERT_CONTAINS(out, "ddd...\n");
	ASSERT_CONTAINS(out, "1 entity checked: 0 clean, 1 with problems; 21 problems");
	free(out);
}

/* One value of a query on a connection fc_pg_open made. */
static void pg_value(PGconn *pg, const char *sql, char *out, size_t n)
{
	PGresult *r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		t_fail(__FILE__, __LINE__, "postgres: %s    in: %s", PQresultErrorMessage(r), sql);
	snprintf(out, n, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
}

/* What the DSN says wins over ficus's defaults (search_path in options,
 * connect_timeout, application_name); the session's time zone is UTC and
 * NOTICEs are quiet whatever it says. */
TEST_TIMEOUT(pg_dsn_options_are_kept_and_utc_is_forced, 60)
{
	const char *dir = t_tmpdir();
	char text[2048], v[256], *out;
	struct fc_config cfg;
	struct fc_err err;
	PQconninfoOption *info;
	PGconn *pg;
	bool timeout_seen = false;

	schemas();
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"%s\" }\n"
	         "  newdb: { kind: postgres, dsn: \"postgresql://postgres@127.0.0.1:%s/t_mapcheck?"
	         "options=-csearch_path%%3Dshop%%20-cTimeZone%%3DAsia%%2FSeoul%%20"
	         "-cclient_min_messages%%3Dnotice&application_name=mine&connect_timeout=7\" }\n"
	         "mappings: mappings\n"
	         "sync: { source: legacy, target: newdb }\n",
	         t_mysql_dsn("t_mapcheck"), t_env("FICUS_PG_PORT"));
	if (fc_config_load(t_write(dir, "ficus.yaml", text), &cfg, &err))
		t_fail(__FILE__, __LINE__, "%s", err.msg);
	pg = fc_pg_open(fc_config_conn(&cfg, "newdb"), &err);
	if (!pg)
		t_fail(__FILE__, __LINE__, "%s", err.msg);
	pg_value(pg, "SHOW search_path", v, sizeof v);
	ASSERT_STR_EQ(v, "shop");
	pg_value(pg, "SHOW application_name", v, sizeof v);
	ASSERT_STR_EQ(v, "mine");
	pg_value(pg, "SHOW TimeZone", v, sizeof v);
	ASSERT_STR_EQ(v, "UTC");
	pg_value(pg, "SHOW client_min_messages", v, sizeof v);
	ASSERT_STR_EQ(v, "warning");
	pg_value(pg, "SHOW client_encoding", v, sizeof v);
	ASSERT_STR_EQ(v, "UTF8");
	info = PQconninfo(pg);
	for (PQconninfoOption *o = info; o && o->keyword; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0) {
			ASSERT_STR_EQ(o->val, "7");
			timeout_seen = true;
		}
	ASSERT(timeout_seen);
	PQconninfoFree(info);
	PQfinish(pg);
	fc_config_release(&cfg);

	/* so an unqualified target table is found through the DSN's search_path */
	config("entities:\n  shop:\n    from: { table: shop, key: [shop_id] }\n"
	       "    to: { table: shops, key: [id] }\n    columns: { id: shop_id, name: shop_name }\n");
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s", t_env("FICUS_BIN"),
	                t_write(dir, "ficus.yaml", text)), 0);
	ASSERT_CONTAINS(out, "shop: shop -> shops");
	ASSERT_CONTAINS(out, "1 entity checked: 1 clean");
	free(out);
}

/* Out of memory anywhere while reading a table's schema: an error (or
 * success), never a crash on a query that could not be built. */
TEST_TIMEOUT(schema_reading_survives_out_of_memory, 120)
{
	struct fc_conn my_conn = { 0 }, pg_conn = { 0 };
	struct fc_table_info t;
	struct fc_err err;
	bool my_done = false, pg_done = false;
	int my_failures = 0, pg_failures = 0;
	unsigned port;

	if (!t_alloc_fail_after(-1))   /* not in this build: skipped */
		return;
	schemas();
	port = (unsigned)atoi(t_env("FICUS_MYSQL_PORT"));
	my_conn.name = "legacy";
	my_conn.kind = FC_CONN_MYSQL;
	my_conn.shown = my_conn.dsn = t_mysql_dsn("t_mapcheck");
	my_conn.my.host = "127.0.0.1";
	my_conn.my.user = "root";
	my_conn.my.port = port;
	my_conn.my.database = "t_mapcheck";
	pg_conn.name = "newdb";
	pg_conn.kind = FC_CONN_POSTGRES;
	pg_conn.shown = pg_conn.dsn = t_pg_dsn("t_mapcheck");
	for (long n = 0; n < 5000 && !(my_done && pg_done); n++) {
		MYSQL *my = my_done ? NULL : fc_mysql_open(&my_conn, &err);
		PGconn *pg = pg_done ? NULL : fc_pg_open(&pg_conn, &err);
		int rc;
		if ((!my_done && !my) || (!pg_done && !pg))
			t_fail(__FILE__, __LINE__, "%s", err.msg);
		if (!my_done) {
			if (!t_alloc_fail_after(n))
				return;
			rc = fc_mysql_table_info(my, "t_mapcheck", "shop", &t, &err);
			t_alloc_reset();
			if (rc == 0) {
				ASSERT_EQ(t.ncols, 11);
				fc_table_info_release(&t);
				my_done = true;
			} else {
				ASSERT(err.msg[0]);
				my_failures++;
			}
			mysql_close(my);
		}
		if (!pg_done) {
			t_alloc_fail_after(n);
			rc = fc_pg_table_info(pg, "shop", "shops", &t, &err);
			t_alloc_reset();
			if (rc == 0) {
				ASSERT_EQ(t.ncols, 11);
				fc_table_info_release(&t);
				pg_done = true;
			} else {
				ASSERT(err.msg[0]);
				pg_failures++;
			}
			PQfinish(pg);
		}
	}
	ASSERT(my_done && pg_done);
	printf("failed allocations survived: mysql %d, postgres %d\n", my_failures, pg_failures);
	ASSERT(my_failures > 5 && pg_failures > 5);
}

/* A column's `type:` must name a type PostgreSQL knows; aliases are
 * understood as PostgreSQL understands them. */
TEST_TIMEOUT(cast_types_are_looked_up, 60)
{
	char *out;
	schemas();
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s", t_env("FICUS_BIN"),
	                config("entities:\n"
	                       "  shop:\n"
	                       "    from: { table: shop, key: [shop_id] }\n"
	                       "    to:   { table: shop.shops, key: [id] }\n"
	                       "    columns:\n"
	                       "      id: { from: shop_id, type: int8 }\n"
	                       "      name: { from: shop_name, type: varchar(100) }\n"
	                       "      opened_at: { from: open_dt, timezone: Asia/Seoul, type: timestamptz }\n"
	                       "      rating: { from: rating, type: \"decimal(3,2)\" }\n"
	                       "      is_open: { from: open_yn, map: { Y: \"true\", N: \"false\" }, type: bool }\n"
	                       "      memo: { from: memo, type: texte }\n"
	                       "      kind: { from: kind, type: double precision }\n"
	                       "      category: { from: cat_cd, type: foo bar }\n")), 1);
	ASSERT_CONTAINS(out, "mappings/shop.yaml:11:7: memo <- memo: unknown PostgreSQL type 'texte'");
	ASSERT_CONTAINS(out, "mappings/shop.yaml:13:7: category <- cat_cd: unknown PostgreSQL "
	                "type 'foo bar' (postgres: ");
	/* known ones are no finding: int8, varchar(100), timestamptz, decimal, bool */
	ASSERT_NOT_CONTAINS(out, "'int8'");
	ASSERT_NOT_CONTAINS(out, "'timestamptz'");
	ASSERT_NOT_CONTAINS(out, "opened_at <-");
	ASSERT_NOT_CONTAINS(out, "id <-");
	ASSERT_CONTAINS(out, "kind <- kind: cast enum");
	ASSERT_CONTAINS(out, "2 problems");
	free(out);
}
