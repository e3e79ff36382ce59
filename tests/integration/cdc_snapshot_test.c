/* tests/integration/cdc_snapshot_test.c - `ficus cdc snapshot` while the
 * legacy table keeps changing, then `cdc stream` from the snapshot's
 * position and `sync`: the read model ends equal to the legacy table, so no
 * change made during the snapshot was missed (and none broke it). */
#include "../test.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void writer(double seconds)
{
	MYSQL *my = mysql_init(NULL);
	struct timespec t0, t;
	char sql[256];
	unsigned seed = 7;
	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, "t_snap",
	                        (unsigned)atoi(t_env("FICUS_MYSQL_PORT")), NULL, 0))
		_exit(3);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int id = 1 + (int)(rand_r(&seed) % 4000), k = (int)(rand_r(&seed) % 3);
		if (k == 0)
			snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, %d) ON DUPLICATE KEY UPDATE v = v + 1",
			         id, id);
		else if (k == 1)
			snprintf(sql, sizeof sql, "UPDATE t SET v = v + 7 WHERE id = %d", id);
		else
			snprintf(sql, sizeof sql, "DELETE FROM t WHERE id = %d", id);
		if (mysql_query(my, sql))
			_exit(4);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	mysql_close(my);
	_exit(0);
}

static char *legacy_rows(void)
{
	MYSQL *my = mysql_init(NULL);
	MYSQL_RES *r;
	MYSQL_ROW row;
	char *out = calloc(1, 1 << 20);
	size_t o = 0;
	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, "t_snap",
	                        (unsigned)atoi(t_env("FICUS_MYSQL_PORT")), NULL, 0) ||
	    mysql_query(my, "SELECT id, v FROM t ORDER BY id") || !(r = mysql_store_result(my)))
		t_fail(__FILE__, __LINE__, "mysql: %s", mysql_error(my));
	while ((row = mysql_fetch_row(r)))
		o += (size_t)snprintf(out + o, (1 << 20) - o, "%s %s\n", row[0], row[1]);
	mysql_free_result(r);
	mysql_close(my);
	return out;
}

static char *target_rows(void)
{
	PGconn *pg = PQconnectdb(t_pg_dsn("t_snap"));
	PGresult *r = PQexec(pg, "SELECT id, v FROM items ORDER BY id");
	char *out = calloc(1, 1 << 20);
	size_t o = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		t_fail(__FILE__, __LINE__, "postgres: %s", PQresultErrorMessage(r));
	for (int i = 0; i < PQntuples(r); i++)
		o += (size_t)snprintf(out + o, (1 << 20) - o, "%s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
	PQclear(r);
	PQfinish(pg);
	return out;
}

TEST_TIMEOUT(snapshot_under_concurrent_writes_misses_nothing, 120)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	char text[2048], sub[600], *out, *want, *got;
	const char *cfg;
	pid_t w;
	int status;

	t_mysql("DROP DATABASE IF EXISTS t_snap; CREATE DATABASE t_snap;"
	        "CREATE TABLE t_snap.t (id INT PRIMARY KEY, v INT);"
	        "INSERT INTO t_snap.t SELECT seq, seq FROM t_snap.seq_1_to_3000");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_snap");
	t_pg(NULL, "CREATE DATABASE t_snap");
	t_pg("t_snap", "CREATE TABLE items (id bigint PRIMARY KEY, v integer)");
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "m.yaml", "entities:\n  item:\n    from: { table: t, key: id }\n"
	        "    to: { table: items, key: id }\n    columns: { id: id, v: v }\n");
	snprintf(text, sizeof text, "connections:\n  legacy: { kind: mysql, dsn: \"%s\" }\n",
	         t_mysql_dsn("t_snap"));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\nmappings: mappings\n"
	         "cdc: { source: legacy, server_id: 8181, sink: { kind: outbox, connection: newdb } }\n"
	         "sync: { source: legacy, target: newdb, bus: outbox }\n", t_pg_dsn("t_snap"));
	cfg = t_write(dir, "ficus.yaml", text);

	w = fork();
	if (w == 0)
		writer(2.0);
	usleep(200000);
	/* small chunks: the snapshot takes long enough to overlap the writes */
	ASSERT_EQ(t_run(&out, "%s cdc snapshot --config %s --chunk 20", bin, cfg), 0);
	ASSERT_CONTAINS(out, "rows as events, at binlog.");
	free(out);
	ASSERT_EQ(waitpid(w, &status, 0), w);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --once --config %s", bin, cfg,
	                bin, cfg), 0);
	free(out);
	want = legacy_rows();
	got = target_rows();
	ASSERT(strlen(want) > 1000);
	if (strcmp(want, got))
		t_fail(__FILE__, __LINE__, "the read model differs from the legacy table after snapshot + "
		       "stream + sync (%zu vs %zu bytes)", strlen(want), strlen(got));
	free(want);
	free(got);
	/* the snapshot's events are in the outbox as such */
	ASSERT_EQ(t_run(&out, "psql -h 127.0.0.1 -p %s -U postgres t_snap -tAc \"SELECT count(*) > 1000 "
	                "FROM ficus.outbox WHERE op = 'snapshot'\"", t_env("FICUS_PG_PORT")), 0);
	ASSERT_CONTAINS(out, "t");
	free(out);
}

/* A three-column key read in chunks of 4: chunk ends fall inside runs of
 * equal first and second columns, and every row comes out exactly once. */
TEST_TIMEOUT(snapshot_composite_key_chunks_take_every_row_once, 60)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	char text[2048], sub[600], *out;
	const char *cfg;

	t_mysql("DROP DATABASE IF EXISTS t_snapk; CREATE DATABASE t_snapk;"
	        "CREATE TABLE t_snapk.t (a INT, b INT, c VARCHAR(4), v INT, PRIMARY KEY (a, b, c));"
	        "INSERT INTO t_snapk.t SELECT x.seq, y.seq, z.c, 1 FROM t_snapk.seq_1_to_7 x, "
	        "t_snapk.seq_1_to_5 y, (SELECT 'x' c UNION SELECT 'y' UNION SELECT 'z''q') z");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_snapk");
	t_pg(NULL, "CREATE DATABASE t_snapk");
	t_pg("t_snapk", "CREATE TABLE items (a int, b int, c text, v int, PRIMARY KEY (a, b, c))");
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "m.yaml", "entities:\n  item:\n    from: { table: t, key: [a, b, c] }\n"
	        "    to: { table: items, key: [a, b, c] }\n    columns: { a: a, b: b, c: c, v: v }\n");
	snprintf(text, sizeof text, "connections:\n  legacy: { kind: mysql, dsn: \"%s\" }\n",
	         t_mysql_dsn("t_snapk"));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\nmappings: mappings\n"
	         "cdc: { source: legacy, server_id: 8182, sink: { kind: outbox, connection: newdb } }\n"
	         "sync: { source: legacy, target: newdb, bus: outbox }\n", t_pg_dsn("t_snapk"));
	cfg = t_write(dir, "ficus.yaml", text);

	ASSERT_EQ(t_run(&out, "%s cdc snapshot --config %s --chunk 4", bin, cfg), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "psql -h 127.0.0.1 -p %s -U postgres t_snapk -tAc \"SELECT count(*), "
	                "count(DISTINCT key) FROM ficus.outbox WHERE op = 'snapshot'\"",
	                t_env("FICUS_PG_PORT")), 0);
	ASSERT_CONTAINS(out, "105|105");
	free(out);
	/* and the backfill, by the same pagination, fills the read model */
	ASSERT_EQ(t_run(&out, "%s sync --backfill --config %s", bin, cfg), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "psql -h 127.0.0.1 -p %s -U postgres t_snapk -tAc \"SELECT count(*) "
	                "FROM items\"", t_env("FICUS_PG_PORT")), 0);
	ASSERT_CONTAINS(out, "105");
	free(out);
}
