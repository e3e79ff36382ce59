/* tests/integration/sync_test.c - `ficus sync` keeps a read model equal to
 * the legacy table transformed per mapping: after a backfill, after live
 * changes through cdc and the outbox, and after replaying every event again
 * (idempotent). The expected rows come from a MariaDB query written here
 * (TRIM, CASE, CONVERT_TZ ...), not from ficus's code. */
#include "../test.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The legacy rows as the target should hold them, one line each. */
static char *expected_rows(void)
{
	MYSQL *my = mysql_init(NULL);
	MYSQL_RES *r;
	MYSQL_ROW row;
	char *out = calloc(1, 1 << 20);
	size_t o = 0;
	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, "t_sync",
	                        (unsigned)atoi(t_env("FICUS_MYSQL_PORT")), NULL, 0))
		t_fail(__FILE__, __LINE__, "mysql: %s", mysql_error(my));
	mysql_set_character_set(my, "utf8mb4");
	if (mysql_query(my,
	                "SELECT shop_id, shop_name,"
	                " IFNULL(NULLIF(TRIM(tel_no), ''), '<null>'),"
	                " CASE cat_cd WHEN '01' THEN 'chicken' WHEN '02' THEN 'pizza' ELSE 'other' END,"
	                " IFNULL(DATE_FORMAT(CONVERT_TZ(open_dt, '+09:00', '+00:00'), '%Y-%m-%d %H:%i:%s'), '<null>'),"
	                " CASE open_yn WHEN 'Y' THEN 'true' ELSE 'false' END,"
	                " IFNULL(CAST(rating AS CHAR), '<null>'),"
	                " IFNULL(CONVERT(memo USING utf8mb4), '<null>'),"
	                " IFNULL(LOWER(HEX(photo)), '<null>')"
	                " FROM shop ORDER BY shop_id") ||
	    !(r = mysql_store_result(my)))
		t_fail(__FILE__, __LINE__, "mysql: %s", mysql_error(my));
	while ((row = mysql_fetch_row(r)))
		o += (size_t)snprintf(out + o, (1 << 20) - o, "%s|%s|%s|%s|%s|%s|%s|%s|%s\n", row[0], row[1],
		                      row[2], row[3], row[4], row[5], row[6], row[7], row[8]);
	mysql_free_result(r);
	mysql_close(my);
	return out;
}

static char *target_rows(void)
{
	PGconn *pg = PQconnectdb(t_pg_dsn("t_sync"));
	PGresult *r;
	char *out = calloc(1, 1 << 20);
	size_t o = 0;
	if (PQstatus(pg) != CONNECTION_OK)
		t_fail(__FILE__, __LINE__, "postgres: %s", PQerrorMessage(pg));
	r = PQexec(pg, "SELECT id, name, coalesce(phone, '<null>'), category,"
	               " coalesce(to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '<null>'),"
	               " is_open::text, coalesce(rating::text, '<null>'), coalesce(memo, '<null>'),"
	               " coalesce(encode(photo, 'hex'), '<null>') FROM shop.shops ORDER BY id");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		t_fail(__FILE__, __LINE__, "postgres: %s", PQresultErrorMessage(r));
	for (int i = 0; i < PQntuples(r); i++) {
		for (int c = 0; c < 9; c++)
			o += (size_t)snprintf(out + o, (1 << 20) - o, "%s%s", c ? "|" : "", PQgetvalue(r, i, c));
		out[o++] = '\n';
	}
	PQclear(r);
	PQfinish(pg);
	return out;
}

static void same(const char *when)
{
	char *want = expected_rows(), *got = target_rows();
	if (strcmp(want, got))
		t_fail(__FILE__, __LINE__, "%s: the target differs from the legacy rows transformed:\n"
		       "--- expected\n%s--- target\n%s", when, want, got);
	printf("%s: %zu bytes of rows equal\n", when, strlen(want));
	free(want);
	free(got);
}

TEST_TIMEOUT(read_model_equals_legacy_after_backfill_changes_and_replay, 120)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	char text[2048], sub[600], *out;
	const char *cfg;

	t_mysql("SET NAMES utf8mb4; DROP DATABASE IF EXISTS t_sync; CREATE DATABASE t_sync;"
	        "CREATE TABLE t_sync.shop (shop_id INT UNSIGNED PRIMARY KEY, shop_name VARCHAR(50) NOT NULL,"
	        " tel_no VARCHAR(20), cat_cd CHAR(2), open_dt DATETIME, open_yn CHAR(1),"
	        " rating DECIMAL(3,2), memo VARCHAR(50) CHARACTER SET euckr, photo BLOB);"
	        "INSERT INTO t_sync.shop VALUES"
	        " (1, '교촌치킨 강남점', ' 02-123-4567 ', '01', '2020-01-01 09:00:00', 'Y', 4.50, '맛집', x'89504e47'),"
	        " (2, '피자헛', '', '02', '2021-06-30 23:30:00', 'N', NULL, NULL, NULL),"
	        " (3, '기타', NULL, '99', NULL, 'Y', 0.00, '', x'00'),"
	        /* what COPY's text format must escape: tab, newline, CR, backslash */
	        " (5, CONCAT('a', CHAR(9), 'b', CHAR(92), 'N', CHAR(13), CHAR(10), 'c'), 'x', '01',"
	        " '1988-05-08 02:30:00', 'Y', 1.00, NULL, x'5c4e09')");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_sync");
	t_pg(NULL, "CREATE DATABASE t_sync");
	t_pg("t_sync", "CREATE SCHEMA shop; CREATE TABLE shop.shops (id bigint PRIMARY KEY, name text NOT NULL,"
	     " phone text, category text, opened_at timestamptz, is_open boolean, rating numeric(3,2),"
	     " memo text, photo bytea)");
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "shop.yaml",
	        "entities:\n"
	        "  shop:\n"
	        "    from: { table: shop, key: shop_id }\n"
	        "    to: { table: shop.shops, key: id }\n"
	        "    columns:\n"
	        "      id: shop_id\n"
	        "      name: shop_name\n"
	        "      phone: { from: tel_no, trim: true, null_if: [\"\"] }\n"
	        "      category: { from: cat_cd, map: { \"01\": chicken, \"02\": pizza }, default: other }\n"
	        "      opened_at: { from: open_dt, timezone: Asia/Seoul }\n"
	        "      is_open: { from: open_yn, map: { Y: \"true\", N: \"false\" }, default: \"false\", type: boolean }\n"
	        "      rating: rating\n"
	        "      memo: memo\n"
	        "      photo: photo\n");
	snprintf(text, sizeof text,
	         "connections:\n  legacy: { kind: mysql, dsn: \"%s\" }\n", t_mysql_dsn("t_sync"));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\nmappings: mappings\n"
	         "cdc: { source: legacy, server_id: 7171, sink: { kind: outbox, connection: newdb } }\n"
	         "sync: { source: legacy, target: newdb, bus: outbox }\n", t_pg_dsn("t_sync"));
	cfg = t_write(dir, "ficus.yaml", text);

	/* the mapping is sound, then a backfill */
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s", bin, cfg), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end", bin, cfg), 0);   /* start point */
	free(out);
	ASSERT_EQ(t_run(&out, "%s sync --backfill --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "backfill: 4 rows upserted");
	free(out);
	same("after the backfill (COPY into the empty table)");
	/* again, into a table that has rows: upserts, the same result */
	t_pg("t_sync", "UPDATE shop.shops SET name = 'stale' WHERE id = 5");
	ASSERT_EQ(t_run(&out, "%s sync --backfill --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "backfill: 4 rows upserted");
	free(out);
	same("after a second backfill (upserts)");

	/* live changes: updates (also to the key), deletes, inserts, a transaction */
	t_mysql("SET NAMES utf8mb4;"
	        "UPDATE t_sync.shop SET shop_name = '교촌치킨 역삼점', tel_no = '  ' WHERE shop_id = 1;"
	        "UPDATE t_sync.shop SET shop_id = 20 WHERE shop_id = 2;"
	        "DELETE FROM t_sync.shop WHERE shop_id = 3;"
	        "BEGIN; INSERT INTO t_sync.shop VALUES (4, '새 가게', '010-0000-0000', '02',"
	        " '2024-02-29 00:30:00', 'N', 3.25, '신규', x'cafe');"
	        "UPDATE t_sync.shop SET rating = 5.00 WHERE shop_id = 4; COMMIT");
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --once --config %s", bin,
	                cfg, bin, cfg), 0);
	ASSERT_CONTAINS(out, "events applied");
	free(out);
	same("after live changes");
	/* the operators' view: caught up */
	ASSERT_EQ(t_run(&out, "%s sync status --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "lag         0 events");
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc status --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "bus         outbox on newdb");
	ASSERT_CONTAINS(out, "consumer    sync at seq");
	ASSERT_CONTAINS(out, "0 events behind");
	ASSERT_CONTAINS(out, "lag         0 bytes");
	free(out);

	/* pruning keeps what sync has not taken, and young events */
	ASSERT_EQ(t_run(&out, "%s cdc prune --older-than 1d --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "prune: 0 events older than 1d removed");
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc prune --older-than soon --config %s", bin, cfg), 2);
	ASSERT_CONTAINS(out, "--older-than wants a number");
	free(out);

	/* every event again, from the start: the same state */
	t_pg("t_sync", "UPDATE ficus.consumers SET seq = 0 WHERE name = 'sync'");
	ASSERT_EQ(t_run(&out, "%s sync --once --config %s", bin, cfg), 0);
	free(out);
	same("after replaying every event");

	/* and a target damaged by hand heals from a backfill */
	t_pg("t_sync", "UPDATE shop.shops SET name = 'wrong' WHERE id = 1");
	ASSERT_EQ(t_run(&out, "%s sync --backfill --entity shop --config %s", bin, cfg), 0);
	free(out);
	same("after a second backfill");
	/* one entity at a time gives the same; a failing entity fails the run
	 * whatever --jobs */
	t_pg("t_sync", "UPDATE shop.shops SET name = 'wrong' WHERE id = 1");
	ASSERT_EQ(t_run(&out, "%s sync --backfill --jobs 1 --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "backfill: 4 rows upserted");
	free(out);
	same("after a backfill with --jobs 1");
	t_pg("t_sync", "ALTER TABLE shop.shops RENAME TO shops_gone");
	ASSERT_EQ(t_run(&out, "%s sync --backfill --jobs 3 --config %s", bin, cfg), 2);
	ASSERT_CONTAINS(out, "shops");
	ASSERT_NOT_CONTAINS(out, "rows upserted");
	free(out);
	ASSERT_EQ(t_run(&out, "%s sync --backfill --jobs 1 --config %s", bin, cfg), 2);
	ASSERT_CONTAINS(out, "shops");
	free(out);
	t_pg("t_sync", "ALTER TABLE shop.shops_gone RENAME TO shops");

	/* events as JSON lines on stdin: a snapshot piped into sync rebuilds an
	 * emptied read model */
	t_pg("t_sync", "TRUNCATE shop.shops");
	ASSERT_EQ(t_run(&out, "%s cdc snapshot --config %s --output - 2>/dev/null | %s sync --stdin "
	                "--config %s", bin, cfg, bin, cfg), 0);
	ASSERT_CONTAINS(out, "4 events applied");
	free(out);
	same("after a snapshot through sync --stdin");
	/* events older than 0 s that sync has passed go */
	ASSERT_EQ(t_run(&out, "%s cdc prune --older-than 0s --config %s", bin, cfg), 0);
	ASSERT_NOT_CONTAINS(out, "prune: 0 events");
	free(out);
	ASSERT_EQ(t_run(&out, "echo '{\"nope\":1}' | %s sync --stdin --config %s", bin, cfg), 2);
	ASSERT_CONTAINS(out, "stdin line 1: not an event");
	free(out);
}
