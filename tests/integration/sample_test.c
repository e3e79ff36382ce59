/* tests/integration/sample_test.c - `ficus sample init` and `ficus sample
 * load` against the sandbox's servers. They work on databases t_sample
 * (MariaDB and PostgreSQL) of their own, never on the shared `baemin` and
 * `services` that other tests and the demo use. */
#include "../test.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fresh databases t_sample (none yet in MariaDB, an empty one in
 * PostgreSQL) and a config whose connections point at t_sample on both
 * servers; returns the config's path. */
static const char *setup(void)
{
	const char *dir = t_tmpdir();
	char text[2048];

	t_mysql("DROP DATABASE IF EXISTS t_sample");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_sample");
	t_pg(NULL, "CREATE DATABASE t_sample");
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"%s\" }\n",
	         t_mysql_dsn("t_sample"));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n"
	         "mappings: %s/mappings\n"
	         "sync: { source: legacy, target: newdb }\n",
	         t_pg_dsn("t_sample"), t_env("FICUS_ROOT"));
	return t_write(dir, "ficus.yaml", text);
}

/* Runs `ficus <args> --config cfg`; returns the exit status, output in *out. */
static int ficus(char **out, const char *cfg, const char *args)
{
	return t_run(out, "%s %s --config %s", t_env("FICUS_BIN"), args, cfg);
}

static void init_and_load(const char *cfg, const char *load_args)
{
	char *out;
	int rc = ficus(&out, cfg, "sample init");
	if (rc != 0)
		t_fail(__FILE__, __LINE__, "sample init exited %d:\n%s", rc, out);
	free(out);
	rc = ficus(&out, cfg, load_args);
	if (rc != 0)
		t_fail(__FILE__, __LINE__, "%s exited %d:\n%s", load_args, rc, out);
	free(out);
}

/* Every row of a MariaDB query on database t_sample: columns joined by
 * '\t', rows ended by '\n' (NULL as "NULL"). Caller frees. */
static char *my_query(const char *sql)
{
	MYSQL *my = mysql_init(NULL);
	unsigned port = (unsigned)atoi(t_env("FICUS_MYSQL_PORT"));
	size_t len = 0, cap = 256;
	char *text = malloc(cap);
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, "t_sample", port, NULL, 0))
		t_fail(__FILE__, __LINE__, "mysql connect: %s", mysql_error(my));
	mysql_set_character_set(my, "utf8mb4");
	if (mysql_query(my, sql) || !(res = mysql_store_result(my)))
		t_fail(__FILE__, __LINE__, "mysql: %s\n    in: %s", mysql_error(my), sql);
	text[0] = '\0';
	while ((row = mysql_fetch_row(res))) {
		for (unsigned i = 0; i < mysql_num_fields(res); i++) {
			const char *v = row[i] ? row[i] : "NULL";
			size_t n = strlen(v) + 2;
			if (len + n + 1 > cap) {
				cap = (len + n + 1) * 2;
				text = realloc(text, cap);
			}
			len += (size_t)sprintf(text + len, "%s%s", v,
			                       i + 1 < mysql_num_fields(res) ? "\t" : "\n");
		}
	}
	mysql_free_result(res);
	mysql_close(my);
	return text;
}

/* The single number a MariaDB query returns. */
static long long my_count(const char *sql)
{
	char *v = my_query(sql);
	long long n = atoll(v);
	if (!v[0])
		t_fail(__FILE__, __LINE__, "no row from: %s", sql);
	free(v);
	return n;
}

static long long pg_count(const char *sql)
{
	PGconn *pg = PQconnectdb(t_pg_dsn("t_sample"));
	PGresult *r;
	long long n;
	if (PQstatus(pg) != CONNECTION_OK)
		t_fail(__FILE__, __LINE__, "postgres connect: %s", PQerrorMessage(pg));
	r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		t_fail(__FILE__, __LINE__, "postgres: %s    in: %s", PQresultErrorMessage(r), sql);
	n = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(pg);
	return n;
}

#define CHECKSUMS "CHECKSUM TABLE shop, menu, orders, order_item, review"

#define ASSERT_RANGE(v, lo, hi)                                                \
	do {                                                                   \
		long long v_ = (v);                                            \
		if (v_ < (lo) || v_ > (hi))                                    \
			t_fail(__FILE__, __LINE__, "%s = %lld, expected %lld..%lld", #v, \
			       v_, (long long)(lo), (long long)(hi));          \
	} while (0)

TEST_TIMEOUT(same_seed_same_data_other_seed_other_data, 180)
{
	const char *cfg = setup();
	char *a, *b, *c, *out, *la, *lc;

	init_and_load(cfg, "sample load --rows 200 --seed 7");
	a = my_query(CHECKSUMS);
	/* load empties the tables first, so loading again is a fresh load */
	ASSERT_EQ(ficus(&out, cfg, "sample load --rows 200 --seed 7"), 0);
	free(out);
	b = my_query(CHECKSUMS);
	ASSERT_STR_EQ(a, b);
	/* and init + load from scratch gives the same bytes too */
	init_and_load(cfg, "sample load --rows 200 --seed 7");
	free(b);
	b = my_query(CHECKSUMS);
	ASSERT_STR_EQ(a, b);

	ASSERT_EQ(ficus(&out, cfg, "sample load --rows 200 --seed 8"), 0);
	free(out);
	c = my_query(CHECKSUMS);
	/* every table differs: compare the lines one by one */
	la = a;
	lc = c;
	for (int i = 0; i < 5; i++) {
		char *ea = strchr(la, '\n'), *ec = strchr(lc, '\n');
		ASSERT(ea && ec);
		*ea = *ec = '\0';
		if (strcmp(la, lc) == 0)
			t_fail(__FILE__, __LINE__, "seeds 7 and 8 gave the same table: %s", la);
		la = ea + 1;
		lc = ec + 1;
	}
	free(a);
	free(b);
	free(c);
}

TEST_TIMEOUT(init_creates_both_sides_and_load_counts_rows, 120)
{
	const char *cfg = setup();
	char *out;

	ASSERT_EQ(ficus(&out, cfg, "sample init"), 0);
	ASSERT_CONTAINS(out, "dropped and re-created database `t_sample`");
	ASSERT_CONTAINS(out, "created tables: shop, menu, orders, order_item, review");
	ASSERT_CONTAINS(out, "re-created schemas: shop, ad, ordering");
	ASSERT_CONTAINS(out, "shop.shops, shop.menus, shop.reviews, ad.shop_ads, "
	                "ordering.orders, ordering.order_items");
	free(out);
	ASSERT_EQ(pg_count("SELECT count(*) FROM information_schema.tables WHERE "
	                   "table_schema IN ('shop', 'ad', 'ordering')"), 6);
	/* target.sql is idempotent */
	ASSERT_EQ(ficus(&out, cfg, "sample init"), 0);
	ASSERT_NOT_CONTAINS(out, "NOTICE");
	free(out);

	ASSERT_EQ(ficus(&out, cfg, "sample load --rows 200"), 0);
	ASSERT_CONTAINS(out, "loading 200 shops (seed 1)");
	ASSERT_CONTAINS(out, "loaded ");
	free(out);
	ASSERT_EQ(my_count("SELECT count(*) FROM shop"), 200);
	ASSERT_EQ(my_count("SELECT min(shop_id) = 1 AND max(shop_id) = 200 FROM shop"), 1);
	/* about 3 menus (1-5), 2 orders (0-4), 2.5 lines and 1 review per shop */
	ASSERT_RANGE(my_count("SELECT count(*) FROM menu"), 450, 750);
	ASSERT_RANGE(my_count("SELECT count(*) FROM orders"), 300, 500);
	ASSERT_RANGE(my_count("SELECT count(*) FROM order_item"), 750, 1250);
	ASSERT_RANGE(my_count("SELECT count(*) FROM review"), 120, 300);
	ASSERT_EQ(my_count("SELECT count(*) FROM menu WHERE shop_id NOT BETWEEN 1 AND 200"), 0);
	ASSERT_EQ(my_count("SELECT count(*) FROM order_item i LEFT JOIN orders o USING (order_id) "
	                   "WHERE o.order_id IS NULL"), 0);
	ASSERT_EQ(my_count("SELECT count(*) FROM order_item i JOIN orders o USING (order_id) "
	                   "JOIN menu m ON m.menu_id = i.menu_id WHERE m.shop_id <> o.shop_id"), 0);
	ASSERT_EQ(my_count("SELECT count(*) FROM review r JOIN orders o USING (order_id) "
	                   "WHERE o.order_stat <> 'delivered' OR o.member_no <> r.member_no"), 0);
	ASSERT_EQ(my_count("SELECT max(n) FROM (SELECT count(*) n FROM order_item "
	                   "GROUP BY order_id) x") <= 4, 1);
	/* totals are the lines plus the shop's delivery tip */
	ASSERT_EQ(my_count("SELECT count(*) FROM orders o JOIN shop s USING (shop_id) "
	                   "WHERE o.total_amt <> s.delivery_tip + (SELECT sum(qty * unit_price) "
	                   "FROM order_item i WHERE i.order_id = o.order_id)"), 0);
	/* the legacy quirks the mappings handle are all there */
	ASSERT(my_count("SELECT count(*) FROM shop WHERE length(tel_no) <> length(trim(tel_no))") > 0);
	ASSERT(my_count("SELECT count(*) FROM shop WHERE addr_dtl = ''") > 0);
	ASSERT(my_count("SELECT count(*) FROM shop WHERE addr_dtl IS NULL") > 0);
	ASSERT(my_count("SELECT count(*) FROM orders WHERE req_memo = ''") > 0);
	ASSERT(my_count("SELECT count(*) FROM orders WHERE req_memo IS NULL") > 0);
	ASSERT(my_count("SELECT count(*) FROM shop WHERE open_yn = 'N'") > 0);
	ASSERT_EQ(my_count("SELECT count(*) FROM shop WHERE rating NOT BETWEEN 0 AND 5 "
	                   "OR open_dt NOT BETWEEN '2010-01-01' AND '2024-12-31 23:59:59'"), 0);
	ASSERT_EQ(my_count("SELECT count(DISTINCT cat_cd) >= 8 FROM shop"), 1);
	ASSERT(my_count("SELECT count(*) FROM shop WHERE shop_name REGEXP '[가-힣]+ [가-힣]+점$'") > 50);
	/* emoji: 4-byte UTF-8 in requests and reviews */
	ASSERT(my_count("SELECT count(*) FROM orders WHERE req_memo REGEXP '[\\\\x{1F300}-\\\\x{1FAFF}]'") > 0);
	ASSERT(my_count("SELECT count(*) FROM review WHERE content REGEXP '[\\\\x{1F300}-\\\\x{1FAFF}]'") > 0);
}

TEST_TIMEOUT(euckr_column_round_trips_korean, 120)
{
	const char *cfg = setup();
	char *v;

	init_and_load(cfg, "sample load --rows 200");
	ASSERT_EQ(my_count("SELECT count(*) FROM information_schema.columns WHERE "
	                   "table_schema = 't_sample' AND table_name = 'shop' AND "
	                   "column_name = 'legacy_memo' AND character_set_name = 'euckr'"), 1);
	ASSERT(my_count("SELECT count(*) FROM shop WHERE legacy_memo <> ''") > 20);
	/* nothing became '?' on the way into EUC-KR */
	ASSERT_EQ(my_count("SELECT count(*) FROM shop WHERE legacy_memo LIKE '%?%'"), 0);
	/* stored as EUC-KR bytes (2 per syllable; iconv -t EUC-KR gives these)
	 * and read back through a utf8mb4 connection as the same Korean text */
	v = my_query("SELECT hex(legacy_memo), legacy_memo FROM shop "
	             "WHERE legacy_memo LIKE '전화 주문 불가%' ORDER BY shop_id LIMIT 1");
	ASSERT_CONTAINS(v, "C0FCC8AD20C1D6B9AE20BAD2B0A1");
	ASSERT_CONTAINS(v, "\t전화 주문 불가");
	free(v);
	ASSERT(my_count("SELECT count(*) FROM shop WHERE legacy_memo REGEXP '[가-힣]' AND "
	                "length(legacy_memo) < length(convert(legacy_memo USING utf8mb4))") > 20);
}

TEST_TIMEOUT(bad_rows_exit_2, 30)
{
	const char *cfg = setup();
	char *out;

	ASSERT_EQ(ficus(&out, cfg, "sample load --rows 0"), 2);
	ASSERT_CONTAINS(out, "--rows wants a number of shops from 1 to 1000000, not '0'");
	free(out);
	ASSERT_EQ(ficus(&out, cfg, "sample load --rows abc"), 2);
	ASSERT_CONTAINS(out, "--rows wants a whole number from 0 to 1000000, not 'abc'");
	free(out);
	ASSERT_EQ(ficus(&out, cfg, "sample load --rows -5"), 2);
	ASSERT_CONTAINS(out, "not '-5'");
	free(out);
	ASSERT_EQ(ficus(&out, cfg, "sample load --rows 1000001"), 2);
	ASSERT_CONTAINS(out, "not '1000001'");
	free(out);
	ASSERT_EQ(t_run(&out, "%s sample load --config %s --rows", t_env("FICUS_BIN"), cfg), 2);
	ASSERT_CONTAINS(out, "needs a value");
	free(out);
	ASSERT_EQ(ficus(&out, cfg, "sample load --seed x"), 2);
	ASSERT_CONTAINS(out, "--seed");
	free(out);
}

TEST_TIMEOUT(load_before_init_names_the_table, 60)
{
	const char *cfg = setup();
	char *out;

	t_mysql("DROP DATABASE IF EXISTS t_sample; CREATE DATABASE t_sample");
	ASSERT_EQ(ficus(&out, cfg, "sample load --rows 10"), 2);
	ASSERT_CONTAINS(out, "table 'shop' does not exist in database 't_sample'");
	ASSERT_CONTAINS(out, "ficus sample init");
	free(out);
	t_mysql("DROP DATABASE IF EXISTS t_sample");
	ASSERT_EQ(ficus(&out, cfg, "sample load --rows 10"), 2);
	ASSERT_CONTAINS(out, "sample init");
	free(out);
}

TEST_TIMEOUT(init_refuses_a_dsn_without_database, 30)
{
	const char *dir = t_tmpdir();
	char text[1024], *out;
	const char *cfg;

	snprintf(text, sizeof text,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"mysql://root@127.0.0.1:%s\" }\n",
	         t_env("FICUS_MYSQL_PORT"));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n"
	         "mappings: %s/mappings\n"
	         "sync: { source: legacy, target: newdb }\n",
	         t_pg_dsn("t_sample"), t_env("FICUS_ROOT"));
	cfg = t_write(dir, "ficus.yaml", text);
	ASSERT_EQ(ficus(&out, cfg, "sample init"), 2);
	ASSERT_CONTAINS(out, "connection 'legacy'");
	ASSERT_CONTAINS(out, "names no database");
	free(out);
	/* a connection of the wrong kind */
	ASSERT_EQ(ficus(&out, cfg, "sample init --legacy newdb"), 2);
	ASSERT_CONTAINS(out, "ficus sample init: --legacy: connection 'newdb' is postgres, "
	                "expected mysql");
	free(out);
	ASSERT_EQ(ficus(&out, cfg, "sample load --legacy nosuch"), 2);
	ASSERT_CONTAINS(out, "--legacy: unknown connection 'nosuch' (defined: legacy, newdb)");
	free(out);
	/* the config's default of the wrong kind: says where it came from */
	cfg = t_write(dir, "ficus.yaml", "connections:\n"
	              "  legacy: { kind: mysql, dsn: \"mysql://h/db\" }\n"
	              "  newdb: { kind: postgres, dsn: \"postgresql://h/db\" }\n"
	              "mappings: /nonexistent\n"
	              "sync: { source: legacy, target: newdb }\n");
	ASSERT_EQ(ficus(&out, cfg, "sample init --target legacy"), 2);
	ASSERT_CONTAINS(out, "--target: connection 'legacy' is mysql, expected postgres");
	free(out);
}

/* init drops a database and three schemas: it refuses when they hold
 * anything that is not the sample's, says what, and drops only with
 * --force. */
TEST_TIMEOUT(init_refuses_to_drop_what_is_not_the_samples, 120)
{
	const char *cfg = setup();
	char *out;

	/* a fresh server: nothing there, nothing to refuse */
	t_mysql("DROP DATABASE IF EXISTS t_sample");
	ASSERT_EQ(ficus(&out, cfg, "sample init"), 0);
	free(out);
	/* the sample's own tables, even with data: init again is fine */
	ASSERT_EQ(ficus(&out, cfg, "sample load --rows 5"), 0);
	free(out);
	ASSERT_EQ(ficus(&out, cfg, "sample init"), 0);
	free(out);

	/* a table and a routine of someone else in the legacy database */
	t_mysql("CREATE TABLE t_sample.users (id INT PRIMARY KEY);"
	        "INSERT INTO t_sample.users VALUES (1);"
	        "CREATE PROCEDURE t_sample.cleanup() SELECT 1");
	ASSERT_EQ(ficus(&out, cfg, "sample init"), 2);
	ASSERT_CONTAINS(out, "refusing: database `t_sample` (connection 'legacy', ");
	ASSERT_CONTAINS(out, "holds 2 objects that are not the sample's: procedure cleanup, "
	                "table users");
	ASSERT_CONTAINS(out, "--force");
	ASSERT_NOT_CONTAINS(out, "schemas shop, ad, ordering (connection");
	free(out);
	ASSERT_EQ(my_count("SELECT count(*) FROM users"), 1);   /* untouched */

	/* and in the target: a table in a sample schema, a view and a foreign
	 * key elsewhere that DROP SCHEMA ... CASCADE would take along */
	t_pg("t_sample", "CREATE TABLE shop.extra (x int);"
	     "CREATE VIEW public.shop_names AS SELECT name FROM shop.shops;"
	     "CREATE TABLE public.fav (shop_id bigint REFERENCES shop.shops (id))");
	ASSERT_EQ(ficus(&out, cfg, "sample init"), 2);
	ASSERT_CONTAINS(out, "database `t_sample`");
	ASSERT_CONTAINS(out, "refusing: the schemas shop, ad, ordering (connection 'newdb', ");
	ASSERT_CONTAINS(out, "3 objects that are not the sample's: ");
	ASSERT_CONTAINS(out, "table shop.extra");
	ASSERT_CONTAINS(out, "view shop_names");
	ASSERT_CONTAINS(out, "constraint fav_shop_id_fkey on table fav");
	free(out);
	ASSERT_EQ(pg_count("SELECT count(*) FROM shop.extra"), 0);  /* still there */

	/* --force drops it all and makes the sample afresh */
	ASSERT_EQ(ficus(&out, cfg, "sample init --force"), 0);
	ASSERT_CONTAINS(out, "dropped and re-created database `t_sample`");
	free(out);
	ASSERT_EQ(my_count("SELECT count(*) FROM information_schema.tables WHERE "
	                   "table_schema = 't_sample' AND table_name = 'users'"), 0);
	ASSERT_EQ(pg_count("SELECT count(*) FROM pg_class WHERE relname IN "
	                   "('extra', 'shop_names')"), 0);
	ASSERT_EQ(ficus(&out, cfg, "sample init"), 0);
	free(out);
}

/* load empties five tables: it refuses in a database that holds more. */
TEST_TIMEOUT(load_refuses_a_database_that_is_not_the_samples, 120)
{
	const char *cfg = setup();
	char *out;

	init_and_load(cfg, "sample load --rows 5");
	t_mysql("CREATE TABLE t_sample.payments (id INT); INSERT INTO t_sample.payments VALUES (7);"
	        "CREATE VIEW t_sample.big_orders AS SELECT * FROM t_sample.orders");
	ASSERT_EQ(ficus(&out, cfg, "sample load --rows 10"), 2);
	ASSERT_CONTAINS(out, "refusing: database `t_sample` (connection 'legacy', ");
	ASSERT_CONTAINS(out, "holds 2 objects that are not the sample's: view big_orders, "
	                "table payments");
	ASSERT_CONTAINS(out, "--force");
	free(out);
	ASSERT_EQ(my_count("SELECT count(*) FROM shop"), 5);       /* not emptied */
	ASSERT_EQ(ficus(&out, cfg, "sample load --rows 10 --force"), 0);
	free(out);
	ASSERT_EQ(my_count("SELECT count(*) FROM shop"), 10);
	ASSERT_EQ(my_count("SELECT count(*) FROM payments"), 1);   /* left alone */
}
