/* tests/integration/verify_test.c - `ficus verify` against the real
 * servers: no difference on identical data (also with writes going on and
 * sync running), every kind of divergence found and named, repair through
 * the outbox, errors and the results it leaves behind. Both sides' rows are
 * written here in plain SQL, the target's already transformed by hand, not
 * by ficus. */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Drops and creates database db on both servers. */
static void fresh_dbs(const char *db)
{
	char sql[256];
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s; CREATE DATABASE %s", db, db);
	t_mysql(sql);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", db);
	t_pg(NULL, sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
	t_pg(NULL, sql);
}

/* A config for databases named db on both servers, the mappings in
 * dir/mappings; sink: cdc.sink's YAML (a pipeline: cdc and sync on it), or
 * NULL for none. */
static const char *config(const char *dir, const char *db, const char *mapping, const char *sink)
{
	char text[2048], sub[600];
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "m.yaml", mapping);
	snprintf(text, sizeof text, "connections:\n  legacy: { kind: mysql, dsn: \"%s\" }\n",
	         t_mysql_dsn(db));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n  bus: { kind: nats, url: \"%s\" }\n"
	         "mappings: mappings\n", t_pg_dsn(db), t_env("FICUS_NATS_URL"));
	if (sink)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		         "cdc: { source: legacy, server_id: 7272, sink: %s }\n", sink);
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "sync: { source: legacy, target: newdb, bus: %s }\n",
	         sink && strstr(sink, "nats") ? "nats" : "outbox");
	return t_write(dir, "ficus.yaml", text);
}

#define OUTBOX "{ kind: outbox, connection: newdb }"

/* Starts `ficus verify ARGS` in the background, its output and then
 * "exit=N" into dir/NAME.log. */
static void verify_in_background(const char *dir, const char *name, const char *args)
{
	char *out;
	ASSERT_EQ(t_run(&out, "(%s verify %s; echo \"exit=$?\") > %s/%s.log 2>&1 & echo $!",
	                t_env("FICUS_BIN"), args, dir, name), 0);
	t_defer("kill %d", atoi(out));
	free(out);
}

/* What that run printed, once it has ended; the caller frees it. */
static char *background_output(const char *dir, const char *name)
{
	char path[600], *out;
	snprintf(path, sizeof path, "%s/%s.log", dir, name);
	t_wait_file(path, "exit=", 40);
	ASSERT_EQ(t_run(&out, "cat %s", path), 0);
	return out;
}

static const char item_mapping[] =
	"entities:\n"
	"  item:\n"
	"    from: { table: item, key: id }\n"
	"    to: { table: inv.items, key: id }\n"
	"    columns:\n"
	"      id: id\n"
	"      name: name\n"
	"      code: { from: code, trim: true }\n"
	"      qty: qty\n"
	"      price: price\n"
	"      ratio: ratio\n"
	"      flag: { from: flag, map: { Y: \"true\", N: \"false\" }, type: boolean }\n"
	"      made_at: { from: made_at, timezone: Asia/Seoul }\n"
	"      born: born\n"
	"      note: note\n"
	"      photo: photo\n"
	"      memo: memo\n"
	"      amount: amount\n"
	"  tag:\n"
	"    from: { table: tag, key: [shop, label] }\n"
	"    to: { table: inv.tags, key: [shop, label] }\n"
	"    columns: { shop: shop, label: label, n: n }\n"
	"  doc:\n"
	"    from: { table: doc, key: id }\n"
	"    to: { table: inv.docs, key: id }\n"
	"    columns: { id: id, body: body }\n";

/* Legacy and target rows that agree: the target's values are what the
 * mapping makes of the legacy ones (trimmed code, Y/N as booleans, Seoul
 * wall clocks as instants, EUC-KR as UTF-8), written out by hand. */
static void identical_items(void)
{
	char my[16384], pg[16384];
	size_t a, b;

	fresh_dbs("t_verify");
	t_mysql("SET NAMES utf8mb4; CREATE TABLE t_verify.item (id INT UNSIGNED PRIMARY KEY, name VARCHAR(50) NOT NULL,"
	        " code VARCHAR(8), qty INT, price DECIMAL(10,3), ratio DOUBLE, flag CHAR(1),"
	        " made_at DATETIME(3), born DATE, note VARCHAR(50), photo VARBINARY(16),"
	        " memo VARCHAR(50) CHARACTER SET euckr, amount DECIMAL(8,2));"
	        "CREATE TABLE t_verify.tag (shop CHAR(4) NOT NULL, label VARCHAR(20) NOT NULL, n INT,"
	        " PRIMARY KEY (shop, label)) COLLATE utf8mb4_general_ci;"
	        "INSERT INTO t_verify.tag VALUES ('s1', 'a', 1), ('s1', 'B', 2), ('s1', 'b2', 3),"
	        " ('s1', '가', 4), ('s1', 'Z', 5), ('s2', 'a', 6), ('s0', 'zz', 7);"
	        "CREATE TABLE t_verify.doc (id INT PRIMARY KEY, body JSON);"
	        "INSERT INTO t_verify.doc VALUES (1, '{\"b\": [1, 2.50, -7, 0.001], \"a\": \"x\", \"aa\": {}}'),"
	        " (2, '[true, null, {\"k\": 1234.5, \"j\": \"한\"}]'), (3, '{\"a\": 2}'), (4, NULL)");
	t_pg("t_verify", "CREATE SCHEMA inv; CREATE TABLE inv.items (id bigint PRIMARY KEY, name text NOT NULL,"
	     " code text, qty integer, price numeric(10,3), ratio double precision, flag boolean,"
	     " made_at timestamptz(3), born date, note text, photo bytea, memo text, amount numeric);"
	     "CREATE TABLE inv.tags (shop text, label text, n integer, PRIMARY KEY (shop, label));"
	     "INSERT INTO inv.tags VALUES ('s1', 'a', 1), ('s1', 'B', 2), ('s1', 'b2', 3),"
	     " ('s1', '가', 4), ('s1', 'Z', 5), ('s2', 'a', 6), ('s0', 'zz', 7);"
	     /* the same documents, spelled otherwise */
	     "CREATE TABLE inv.docs (id integer PRIMARY KEY, body jsonb);"
	     "INSERT INTO inv.docs VALUES (1, '{\"aa\":{},\"a\":\"x\",\"b\":[1.0,2.5,-7,1e-3]}'),"
	     " (2, '[true,null,{\"j\":\"한\",\"k\":1.2345e3}]'), (3, '{\"a\":2.0}'), (4, NULL)");
	a = (size_t)snprintf(my, sizeof my, "SET NAMES utf8mb4; INSERT INTO t_verify.item VALUES"
	                     " (1, '가나다', '  AB  ', 10, 1.235, 0.125, 'Y', '2024-01-01 09:00:00.123',"
	                     " '1990-05-01', 'x', x'0102', '한글', 12.50),"
	                     " (2, 'b', 'C', -5, 0, 1e10, 'N', '2023-12-31 23:59:59.999', '2000-02-29', '',"
	                     " NULL, NULL, 0),"
	                     " (3, 'c😀', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, x'', '', NULL)");
	/* amount 12.5 against DECIMAL 12.50: the same number, not a difference */
	b = (size_t)snprintf(pg, sizeof pg, "INSERT INTO inv.items VALUES"
	                     " (1, '가나다', 'AB', 10, 1.235, 0.125, true, '2024-01-01 00:00:00.123+00',"
	                     " '1990-05-01', 'x', '\\x0102', '한글', 12.5),"
	                     " (2, 'b', 'C', -5, 0, 1e10, false, '2023-12-31 14:59:59.999+00', '2000-02-29',"
	                     " '', NULL, NULL, 0),"
	                     " (3, 'c😀', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\\x', '', NULL)");
	for (int i = 4; i <= 40; i++) {
		a += (size_t)snprintf(my + a, sizeof my - a, ", (%d, 'n%d', 'k%d  ', %d, %d.5, %d.25, '%s',"
		                      " '2024-02-01 12:00:00', '2020-01-01', '%s', x'ff', '메모', %d)",
		                      i, i, i, i, i, i, i % 2 ? "Y" : "N", i == 13 ? "" : "note", i);
		b += (size_t)snprintf(pg + b, sizeof pg - b, ", (%d, 'n%d', 'k%d', %d, %d.500, %d.25, %s,"
		                      " '2024-02-01 03:00:00+00', '2020-01-01', '%s', '\\xff', '메모', %d)",
		                      i, i, i, i, i, i, i % 2 ? "true" : "false", i == 13 ? "" : "note", i);
	}
	t_mysql(my);
	t_pg("t_verify", pg);
	/* a zero date, which sync writes as NULL */
	t_mysql("SET SESSION sql_mode = ''; INSERT INTO t_verify.item (id, name, born) VALUES (41, 'z', '0000-00-00')");
	t_pg("t_verify", "INSERT INTO inv.items (id, name, born) VALUES (41, 'z', NULL)");
}

/* One divergence of each kind, made in the target by hand. */
static void diverge_items(void)
{
	t_pg("t_verify",
	     "DELETE FROM inv.items WHERE id = 2;"                                     /* missing */
	     "INSERT INTO inv.items (id, name) VALUES (99, 'stray');"                  /* extra */
	     "UPDATE inv.items SET name = 'n5x' WHERE id = 5;"                         /* text */
	     "UPDATE inv.items SET qty = 7 WHERE id = 6;"                              /* integer */
	     "UPDATE inv.items SET price = 1.23 WHERE id = 1;"                         /* a decimal digit lost */
	     "UPDATE inv.items SET ratio = 8.251 WHERE id = 8;"                        /* float */
	     "UPDATE inv.items SET flag = NOT flag WHERE id = 9;"                      /* boolean */
	     "UPDATE inv.items SET made_at = '2024-02-01 12:00:00+00' WHERE id = 10;"  /* zone shift */
	     "UPDATE inv.items SET born = '2020-01-02' WHERE id = 11;"                 /* date */
	     "UPDATE inv.items SET note = '' WHERE id = 3;"                            /* NULL -> '' */
	     "UPDATE inv.items SET note = NULL WHERE id = 13;"                         /* '' -> NULL */
	     "UPDATE inv.items SET photo = '\\xfe' WHERE id = 14;"                     /* binary */
	     "UPDATE inv.items SET code = 'k15 ' WHERE id = 15;"                       /* trailing space */
	     "UPDATE inv.items SET memo = '메뉴' WHERE id = 16;"                        /* EUC-KR text */
	     "UPDATE inv.items SET amount = 17.01 WHERE id = 17;"                      /* decimal */
	     "UPDATE inv.items SET id = 180 WHERE id = 18;"                            /* a changed key */
	     "UPDATE inv.tags SET label = 'B2' WHERE label = 'b2';"                    /* key case */
	     "UPDATE inv.docs SET body = '{\"a\": 3}' WHERE id = 3");                     /* JSON */
}

static const char *const expected_diffs[] = {
	"{\"kind\":\"missing\",\"key\":{\"id\":2}}",
	"{\"kind\":\"extra\",\"key\":{\"id\":99}}",
	"{\"kind\":\"changed\",\"key\":{\"id\":5},\"columns\":[{\"column\":\"name\",\"legacy\":\"n5\",\"new\":\"n5x\"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":6},\"columns\":[{\"column\":\"qty\",\"legacy\":\"6\",\"new\":\"7\"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":1},\"columns\":[{\"column\":\"price\",\"legacy\":\"1.235\",\"new\":\"1.230\"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":8},\"columns\":[{\"column\":\"ratio\",\"legacy\":\"8.250000\",\"new\":\"8.251000\"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":9},\"columns\":[{\"column\":\"flag\",\"legacy\":\"true\",\"new\":\"false\"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":10},\"columns\":[{\"column\":\"made_at\",\"legacy\":\"2024-02-01 12:00:00.000\",\"new\":\"2024-02-01 21:00:00.000\"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":11},\"columns\":[{\"column\":\"born\",\"legacy\":\"2020-01-01\",\"new\":\"2020-01-02\"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":3},\"columns\":[{\"column\":\"note\",\"legacy\":null,\"new\":\"\"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":13},\"columns\":[{\"column\":\"note\",\"legacy\":\"\",\"new\":null}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":14},\"columns\":[{\"column\":\"photo\",\"legacy\":\"ff\",\"new\":\"fe\"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":15},\"columns\":[{\"column\":\"code\",\"legacy\":\"k15\",\"new\":\"k15 \"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":16},\"columns\":[{\"column\":\"memo\",\"legacy\":\"메모\",\"new\":\"메뉴\"}]}",
	"{\"kind\":\"changed\",\"key\":{\"id\":17},\"columns\":[{\"column\":\"amount\",\"legacy\":\"17.00\",\"new\":\"17.01\"}]}",
	"{\"kind\":\"missing\",\"key\":{\"id\":18}}",
	"{\"kind\":\"extra\",\"key\":{\"id\":180}}",
	"{\"kind\":\"missing\",\"key\":{\"shop\":\"s1\",\"label\":\"b2\"}}",
	"{\"kind\":\"extra\",\"key\":{\"shop\":\"s1\",\"label\":\"B2\"}}",
	"{\"kind\":\"changed\",\"key\":{\"id\":3},\"columns\":[{\"column\":\"body\",\"legacy\":\"{\\\"a\\\":2.0E0}\",\"new\":\"{\\\"a\\\":3.0E0}\"}]}",
};

TEST_TIMEOUT(verify_finds_every_kind_of_divergence_and_none_on_identical_data, 60)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	const char *cfg = config(dir, "t_verify", item_mapping, NULL);
	const char *small = "--segment-rows 4 --factor 2 --threshold 2";   /* bisect even 40 rows */
	char *out, args[1024];

	identical_items();
	ASSERT_EQ(t_run(&out, "%s verify --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "verify: item           41 legacy rows, 41 new rows: equal");
	ASSERT_CONTAINS(out, "verify: tag            7 legacy rows, 7 new rows: equal");
	ASSERT_CONTAINS(out, "verify: doc            4 legacy rows, 4 new rows: equal");
	ASSERT_CONTAINS(out, "verify: 3 entities, 0 differences");
	free(out);
	ASSERT_EQ(t_run(&out, "%s verify --config %s %s --format json", bin, cfg, small), 0);
	ASSERT_CONTAINS(out, "\"equal\":true");
	free(out);

	diverge_items();
	/* small segments (bisection all the way down) and the defaults find the same */
	for (int pass = 0; pass < 2; pass++) {
		ASSERT_EQ(t_run(&out, "%s verify --config %s %s --format json", bin, cfg, pass ? "" : small), 1);
		for (size_t i = 0; i < sizeof expected_diffs / sizeof expected_diffs[0]; i++)
			ASSERT_CONTAINS(out, expected_diffs[i]);
		ASSERT_CONTAINS(out, "\"entity\":\"item\",\"status\":\"diverged\",\"legacy_rows\":41,"
		                "\"new_rows\":41,\"missing\":2,\"extra\":2,\"changed\":13");
		ASSERT_CONTAINS(out, "\"entity\":\"tag\",\"status\":\"diverged\",\"legacy_rows\":7,"
		                "\"new_rows\":7,\"missing\":1,\"extra\":1,\"changed\":0");
		ASSERT_CONTAINS(out, "\"entity\":\"doc\",\"status\":\"diverged\",\"legacy_rows\":4,"
		                "\"new_rows\":4,\"missing\":0,\"extra\":0,\"changed\":1");
		ASSERT_CONTAINS(out, "\"differences\":20,\"equal\":false");
		free(out);
	}
	/* the human report: counts and each difference */
	ASSERT_EQ(t_run(&out, "%s verify --config %s item", bin, cfg), 1);
	ASSERT_CONTAINS(out, "verify: item           41 legacy rows, 41 new rows: 17 differences "
	                "(2 missing in new, 2 extra in new, 13 changed)");
	ASSERT_CONTAINS(out, "  missing in new  {\"id\":2}");
	ASSERT_CONTAINS(out, "  extra in new    {\"id\":99}");
	ASSERT_CONTAINS(out, "  changed         {\"id\":3}  note: legacy NULL, new \"\"");
	ASSERT_NOT_CONTAINS(out, "tag");
	free(out);
	/* each entity's outcome stays in the target */
	ASSERT_EQ(t_run(&out, "psql -Atq '%s' -c \"SELECT entity, legacy_rows, new_rows, missing, extra, "
	                "changed, status FROM ficus.verify_results ORDER BY entity\"", t_pg_dsn("t_verify")), 0);
	ASSERT_CONTAINS(out, "doc|4|4|0|0|1|diverged\nitem|41|41|2|2|13|diverged\ntag|7|7|1|1|0|diverged");
	free(out);

	/* no pipeline configured: --grace SECONDS before the recheck; a
	 * difference mended meanwhile is not reported */
	snprintf(args, sizeof args, "--config %s --grace 3 tag", cfg);
	verify_in_background(dir, "grace", args);
	usleep(800000);
	t_pg("t_verify", "UPDATE inv.tags SET label = 'b2' WHERE label = 'B2'");
	{
		out = background_output(dir, "grace");
		ASSERT_CONTAINS(out, "verify: differences rechecked 1 time, after the grace period");
		ASSERT_CONTAINS(out, "verify: 1 entities, 0 differences\nexit=0");
		free(out);
	}
}

TEST_TIMEOUT(verify_fails_with_exit_2_naming_what_failed, 60)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	char text[1024], *out, path[600];
	const char *cfg;

	identical_items();
	cfg = config(dir, "t_verify", item_mapping, NULL);
	ASSERT_EQ(t_run(&out, "%s verify --config %s nosuch", bin, cfg), 2);
	ASSERT_CONTAINS(out, "no entity 'nosuch'");
	free(out);
	ASSERT_EQ(t_run(&out, "%s verify --config %s --format xml", bin, cfg), 2);
	free(out);
	/* a target table that is not there */
	cfg = config(dir, "t_verify", "entities:\n  item:\n    from: { table: item, key: id }\n"
	             "    to: { table: inv.nope, key: id }\n    columns: { id: id }\n", NULL);
	ASSERT_EQ(t_run(&out, "%s verify --config %s", bin, cfg), 2);
	ASSERT_CONTAINS(out, "entity 'item'");
	ASSERT_CONTAINS(out, "nope");
	free(out);
	ASSERT_EQ(t_run(&out, "psql -Atq '%s' -c \"SELECT status FROM ficus.verify_results WHERE "
	                "entity = 'item'\"", t_pg_dsn("t_verify")), 0);
	ASSERT_CONTAINS(out, "error");
	free(out);
	/* a legacy server that does not answer */
	snprintf(text, sizeof text, "connections:\n  legacy: { kind: mysql, dsn: \"mysql://root@127.0.0.1:1/x\" }\n"
	         "  newdb: { kind: postgres, dsn: \"%s\" }\nmappings: mappings\n"
	         "sync: { source: legacy, target: newdb, bus: outbox }\n", t_pg_dsn("t_verify"));
	cfg = t_write(dir, "down.yaml", text);
	ASSERT_EQ(t_run(&out, "%s verify --config %s", bin, cfg), 2);
	ASSERT_CONTAINS(out, "connection 'legacy'");
	free(out);

	/* --watch: a round every second, the last one's JSON in --results */
	cfg = config(dir, "t_verify", item_mapping, NULL);
	snprintf(path, sizeof path, "%s/results.json", dir);
	ASSERT_EQ(t_run(&out, "%s verify --config %s --watch 1 --results %s > %s/watch.log & echo $!", bin,
	                cfg, path, dir), 0);
	t_defer("kill %d", atoi(out));
	free(out);
	t_wait_file(path, "\"run\":2,", 20);
	ASSERT_EQ(t_run(&out, "cat %s", path), 0);
	ASSERT_CONTAINS(out, "\"equal\":true");
	free(out);
}

TEST_TIMEOUT(verify_repair_resends_events_and_sync_converges, 90)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	const char *cfg;
	char *out;

	fresh_dbs("t_verify_rep");
	t_mysql("CREATE TABLE t_verify_rep.acct (id INT PRIMARY KEY, owner VARCHAR(20), balance DECIMAL(10,2));"
	        "INSERT INTO t_verify_rep.acct VALUES (1, 'kim', 10.00), (2, 'lee', 20.50), (3, 'park', 0),"
	        " (4, 'choi', NULL), (5, 'jung', 5.25)");
	t_pg("t_verify_rep", "CREATE TABLE acct (id integer PRIMARY KEY, owner text, balance numeric(10,2))");
	cfg = config(dir, "t_verify_rep", "entities:\n  acct:\n    from: { table: acct, key: id }\n"
	             "    to: { table: acct, key: id }\n    columns: { id: id, owner: owner, balance: balance }\n",
	             OUTBOX);
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --backfill --config %s", bin,
	                cfg, bin, cfg), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "%s verify --config %s", bin, cfg), 0);
	free(out);
	t_pg("t_verify_rep", "DELETE FROM acct WHERE id = 2; INSERT INTO acct VALUES (9, 'ghost', 1);"
	     "UPDATE acct SET balance = 99 WHERE id = 5");
	ASSERT_EQ(t_run(&out, "%s verify --config %s --repair --recheck-timeout 10", bin, cfg), 1);
	ASSERT_CONTAINS(out, "3 differences (1 missing in new, 1 extra in new, 1 changed)");
	ASSERT_CONTAINS(out, "repair: 3 events sent");
	free(out);
	ASSERT_EQ(t_run(&out, "psql -Atq '%s' -c \"SELECT op, key::text FROM ficus.outbox WHERE op = 'repair' "
	                "ORDER BY key::text\"", t_pg_dsn("t_verify_rep")), 0);
	ASSERT_CONTAINS(out, "repair|{\"id\": 2}\nrepair|{\"id\": 5}\nrepair|{\"id\": 9}");
	free(out);
	ASSERT_EQ(t_run(&out, "%s sync --once --config %s", bin, cfg), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "%s verify --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "acct           5 legacy rows, 5 new rows: equal");
	free(out);
}

TEST_TIMEOUT(verify_reports_nothing_on_identical_data_under_writes_with_sync_running, 120)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	char sql[8192], *out, args[1024];
	const char *cfg;
	int writer;
	size_t n = 0;

	fresh_dbs("t_verify_live");
	n += (size_t)snprintf(sql + n, sizeof sql - n,
	                      "CREATE TABLE t_verify_live.acct (id INT PRIMARY KEY, owner VARCHAR(20),"
	                      " balance DECIMAL(10,2), seen DATETIME);"
	                      "INSERT INTO t_verify_live.acct VALUES (1, 'o1', 1, '2024-01-01 00:00:00')");
	for (int i = 2; i <= 300; i++)
		n += (size_t)snprintf(sql + n, sizeof sql - n, ",(%d,'o%d',%d,NULL)", i, i, i);
	t_mysql(sql);
	t_pg("t_verify_live", "CREATE TABLE acct (id integer PRIMARY KEY, owner text, balance numeric(10,2),"
	     " seen timestamptz)");
	cfg = config(dir, "t_verify_live", "entities:\n  acct:\n    from: { table: acct, key: id }\n"
	             "    to: { table: acct, key: id }\n"
	             "    columns: { id: id, owner: owner, balance: balance, seen: seen }\n", OUTBOX);
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --backfill --config %s", bin,
	                cfg, bin, cfg), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "%s sync --once --config %s", bin, cfg), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s > %s/cdc.log 2>&1 & echo $!", bin, cfg, dir), 0);
	t_defer("kill %d", atoi(out));
	free(out);

	/* sync is not running yet: the target lags behind a legacy change */
	t_mysql("UPDATE t_verify_live.acct SET owner = 'late' WHERE id = 7");
	ASSERT_EQ(t_run(&out, "%s verify --config %s --no-recheck", bin, cfg), 1);
	ASSERT_CONTAINS(out, "changed         {\"id\":7}  owner: legacy \"late\", new \"o7\"");
	free(out);
	/* with the recheck, verify waits for the pipeline to pass the moment it
	 * looked, and the difference is gone once sync has run */
	snprintf(args, sizeof args, "--config %s", cfg);
	verify_in_background(dir, "lag", args);
	usleep(700000);
	ASSERT_EQ(t_run(&out, "%s sync --config %s > %s/sync.log 2>&1 & echo $!", bin, cfg, dir), 0);
	t_defer("kill %d", atoi(out));
	free(out);
	{
		out = background_output(dir, "lag");
		ASSERT_CONTAINS(out, "verify: differences rechecked 1 time, after the cdc/sync pipeline caught up");
		ASSERT_CONTAINS(out, "verify: 1 entities, 0 differences\nexit=0");
		free(out);
	}

	/* and the legacy side keeps changing while verify runs */
	ASSERT_EQ(t_run(&out, "(for i in $(seq 1 40); do mariadb -h127.0.0.1 -P%s -uroot t_verify_live -e "
	                "\"UPDATE acct SET balance = balance + 1, seen = NOW() WHERE id = 1 + ($i * 7) %% 300;"
	                " UPDATE acct SET owner = CONCAT('w', $i) WHERE id = 1 + ($i * 13) %% 300;"
	                " INSERT INTO acct VALUES (1000 + $i, 'new', $i, NOW());"
	                " DELETE FROM acct WHERE id = 999 + $i; SELECT SLEEP(0.1)\"; done) > %s/writer.log 2>&1"
	                " & echo $!", t_env("FICUS_MYSQL_PORT"), dir), 0);
	writer = atoi(out);
	t_defer("kill %d", writer);
	free(out);
	usleep(500000);
	for (int round = 0; round < 2; round++) {
		ASSERT_EQ(t_run(&out, "%s verify --config %s --segment-rows 50 --threshold 10", bin, cfg), 0);
		ASSERT_CONTAINS(out, "verify: 1 entities, 0 differences");
		free(out);
	}
	/* the writes were still going on */
	ASSERT_EQ(t_run(&out, "kill -0 %d", writer), 0);
	free(out);
}

TEST_TIMEOUT(verify_watch_compares_only_changed_keys_between_full_rounds, 90)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	char args[1024], path[600], *out;
	const char *cfg;

	fresh_dbs("t_verify_watch");
	t_mysql("CREATE TABLE t_verify_watch.acct (id INT PRIMARY KEY, owner VARCHAR(20));"
	        "INSERT INTO t_verify_watch.acct VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d'),(5,'e'),(6,'f'),"
	        " (7,'g'),(8,'h')");
	t_pg("t_verify_watch", "CREATE TABLE acct (id integer PRIMARY KEY, owner text)");
	cfg = config(dir, "t_verify_watch", "entities:\n  acct:\n    from: { table: acct, key: id }\n"
	             "    to: { table: acct, key: id }\n    columns: { id: id, owner: owner }\n", OUTBOX);
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --backfill --config %s", bin,
	                cfg, bin, cfg), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s > %s/cdc.log 2>&1 & echo $!", bin, cfg, dir), 0);
	t_defer("kill %d", atoi(out));
	free(out);
	snprintf(path, sizeof path, "%s/watch.json", dir);
	snprintf(args, sizeof args, "--config %s --watch 1 --full-every 1000 --recheck-timeout 1 "
	         "--results %s", cfg, path);
	verify_in_background(dir, "watch", args);
	t_wait_file(path, "\"run\":1,", 20);
	ASSERT_EQ(t_run(&out, "cat %s", path), 0);
	ASSERT_CONTAINS(out, "\"checked\":\"all\"");
	ASSERT_CONTAINS(out, "\"equal\":true");
	free(out);

	/* a change in the target alone (no event) and one in legacy (an event;
	 * sync is not running, so it stays a difference) */
	t_pg("t_verify_watch", "UPDATE acct SET owner = 'rogue' WHERE id = 5");
	t_mysql("UPDATE t_verify_watch.acct SET owner = 'late' WHERE id = 7");
	t_wait_file(path, "\"run\":3,", 30);
	ASSERT_EQ(t_run(&out, "cat %s", path), 0);
	ASSERT_CONTAINS(out, "\"checked\":\"changed keys\"");
	ASSERT_CONTAINS(out, "{\"kind\":\"changed\",\"key\":{\"id\":7},\"columns\":[{\"column\":\"owner\","
	                "\"legacy\":\"late\",\"new\":\"g\"}]}");
	ASSERT_NOT_CONTAINS(out, "\"id\":5");
	ASSERT_CONTAINS(out, "\"legacy_rows\":8,\"new_rows\":8");   /* as of the last full round */
	free(out);

	/* a full round finds both */
	ASSERT_EQ(t_run(&out, "%s verify --config %s --recheck-timeout 1 --format json", bin, cfg), 1);
	ASSERT_CONTAINS(out, "\"key\":{\"id\":5}");
	ASSERT_CONTAINS(out, "\"key\":{\"id\":7}");
	free(out);
}

TEST_TIMEOUT(verify_repair_through_a_nats_stream, 90)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	char sink[256], stream[64], prefix[64], *out;
	const char *cfg;

	snprintf(stream, sizeof stream, "T_VFY_%d", (int)getpid());
	snprintf(prefix, sizeof prefix, "tvfy%d", (int)getpid());
	fresh_dbs("t_verify_nats");
	t_mysql("CREATE TABLE t_verify_nats.acct (id INT PRIMARY KEY, owner VARCHAR(20));"
	        "INSERT INTO t_verify_nats.acct VALUES (1, 'a'), (2, 'b'), (3, 'c')");
	t_pg("t_verify_nats", "CREATE TABLE acct (id integer PRIMARY KEY, owner text)");
	snprintf(sink, sizeof sink, "{ kind: nats, connection: bus, stream: %s, subjects: %s }", stream,
	         prefix);
	cfg = config(dir, "t_verify_nats", "entities:\n  acct:\n    from: { table: acct, key: id }\n"
	             "    to: { table: acct, key: id }\n    columns: { id: id, owner: owner }\n", sink);
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --backfill --config %s", bin,
	                cfg, bin, cfg), 0);
	free(out);
	t_pg("t_verify_nats", "DELETE FROM acct WHERE id = 1; UPDATE acct SET owner = 'x' WHERE id = 3;"
	     "INSERT INTO acct VALUES (4, 'd')");
	ASSERT_EQ(t_run(&out, "%s verify --config %s --repair --recheck-timeout 5", bin, cfg), 1);
	ASSERT_CONTAINS(out, "3 differences (1 missing in new, 1 extra in new, 1 changed)");
	ASSERT_CONTAINS(out, "repair: 3 events sent");
	free(out);
	ASSERT_EQ(t_run(&out, "%s sync --once --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "3 events applied");
	free(out);
	ASSERT_EQ(t_run(&out, "%s verify --config %s", bin, cfg), 0);
	free(out);
	t_nats_drop_stream(stream);
}

/* Values PostgreSQL rounds when sync writes them: more fraction digits than
 * the target timestamp keeps (half up, carrying into the seconds), and a
 * 4-byte FLOAT whose text (what sync copies) is shorter than its binary
 * value. The target rows hold what PostgreSQL makes of the legacy text. */
TEST_TIMEOUT(verify_rounds_fractions_and_floats_as_postgresql_stores_them, 60)
{
	const char *dir = t_tmpdir(), *cfg;
	char *out;

	fresh_dbs("t_vround");
	t_mysql("CREATE TABLE t_vround.m (id INT PRIMARY KEY, at DATETIME(6), f FLOAT, t1 VARCHAR(9),"
	        " t2 VARCHAR(9));"
	        "INSERT INTO t_vround.m VALUES (1, '2024-01-01 00:00:00.123999', 123.45, 'x', 'y'),"
	        " (2, '2024-01-01 00:00:59.999600', 0.1, 'a|b', 'c'),"
	        " (3, '2024-01-01 00:00:00.123400', -7.25, '', '|'), (4, NULL, NULL, NULL, NULL)");
	t_pg("t_vround", "CREATE TABLE ms (id bigint PRIMARY KEY, at timestamp(3), f real, t1 text,"
	     " t2 text);"
	     "INSERT INTO ms VALUES (1, '2024-01-01 00:00:00.123999', '123.45', 'x', 'y'),"
	     " (2, '2024-01-01 00:00:59.999600', '0.1', 'a|b', 'c'),"
	     " (3, '2024-01-01 00:00:00.123400', '-7.25', '', '|'), (4, NULL, NULL, NULL, NULL)");
	cfg = config(dir, "t_vround", "entities:\n  m:\n    from: { table: m, key: id }\n"
	             "    to: { table: ms, key: id }\n"
	             "    columns: { id: id, at: at, f: f, t1: t1, t2: t2 }\n", NULL);
	ASSERT_EQ(t_run(&out, "%s verify --config %s", t_env("FICUS_BIN"), cfg), 0);
	ASSERT_CONTAINS(out, "equal");
	free(out);
	/* a '|' that moved from one text to the next is a difference (the
	 * row hash joins values with '|') */
	t_pg("t_vround", "UPDATE ms SET t1 = 'a', t2 = 'b|c' WHERE id = 2");
	ASSERT_EQ(t_run(&out, "%s verify --config %s", t_env("FICUS_BIN"), cfg), 1);
	ASSERT_CONTAINS(out, "t1: legacy \"a|b\", new \"a\"");
	free(out);
	t_pg("t_vround", "UPDATE ms SET t1 = 'a|b', t2 = 'c' WHERE id = 2");
	/* and a real difference in the last kept digit is still one */
	t_pg("t_vround", "UPDATE ms SET at = '2024-01-01 00:00:00.123' WHERE id = 1");
	ASSERT_EQ(t_run(&out, "%s verify --config %s", t_env("FICUS_BIN"), cfg), 1);
	ASSERT_CONTAINS(out, "changed");
	free(out);
}
