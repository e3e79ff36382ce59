/* tests/integration/sync_nats_test.c - the read model kept by `ficus sync`
 * with NATS JetStream as the bus: cdc publishes to a stream, sync reads it
 * from the stream sequence after its position (kept in the target). */
#include "../test.h"

#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *rows(const char *cmd_fmt)
{
	char *out;
	ASSERT_EQ(t_run(&out, cmd_fmt, t_env(strstr(cmd_fmt, "psql") ? "FICUS_PG_PORT" : "FICUS_MYSQL_PORT")), 0);
	return out;
}

TEST_TIMEOUT(read_model_follows_a_nats_stream, 90)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	char text[2048], sub[600], stream[64], prefix[64], *out, *want, *got;
	const char *cfg;

	snprintf(stream, sizeof stream, "T_SYNC_%d", (int)getpid());
	snprintf(prefix, sizeof prefix, "tsync%d", (int)getpid());
	t_mysql("DROP DATABASE IF EXISTS t_syncn; CREATE DATABASE t_syncn;"
	        "CREATE TABLE t_syncn.t (id INT PRIMARY KEY, v VARCHAR(20), n INT);"
	        "INSERT INTO t_syncn.t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_syncn");
	t_pg(NULL, "CREATE DATABASE t_syncn");
	t_pg("t_syncn", "CREATE TABLE items (id bigint PRIMARY KEY, v text, n integer)");
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "m.yaml", "entities:\n  item:\n    from: { table: t, key: id }\n"
	        "    to: { table: items, key: id }\n    columns: { id: id, v: { from: v, trim: true }, n: n }\n");
	snprintf(text, sizeof text, "connections:\n  legacy: { kind: mysql, dsn: \"%s\" }\n",
	         t_mysql_dsn("t_syncn"));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n  bus: { kind: nats, url: \"%s\" }\n"
	         "mappings: mappings\n"
	         "cdc: { source: legacy, server_id: 9292, sink: { kind: nats, connection: bus, stream: %s,"
	         " subjects: %s } }\n"
	         "sync: { source: legacy, target: newdb, bus: nats }\n",
	         t_pg_dsn("t_syncn"), t_env("FICUS_NATS_URL"), stream, prefix);
	cfg = t_write(dir, "ficus.yaml", text);

	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --backfill --config %s",
	                bin, cfg, bin, cfg), 0);
	free(out);
	t_mysql("UPDATE t_syncn.t SET v = '  spaced  ' WHERE id = 1;"
	        "DELETE FROM t_syncn.t WHERE id = 2;"
	        "UPDATE t_syncn.t SET id = 30 WHERE id = 3;"
	        "INSERT INTO t_syncn.t VALUES (4, 'd', 4), (5, 'e', 5);"
	        "UPDATE t_syncn.t SET n = n * 10");
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --once --config %s", bin,
	                cfg, bin, cfg), 0);
	ASSERT_CONTAINS(out, "events applied");
	free(out);
	want = rows("mariadb --no-defaults -h127.0.0.1 -P%s -uroot t_syncn -N -e "
	            "\"SELECT id, TRIM(v), n FROM t ORDER BY id\" | tr '\\t' '|'");
	got = rows("psql -h 127.0.0.1 -p %s -U postgres t_syncn -tAc \"SELECT id, v, n FROM items ORDER BY id\"");
	ASSERT_STR_EQ(got, want);
	free(want);
	free(got);
	/* the position is the stream sequence, in the target */
	ASSERT_EQ(t_run(&out, "psql -h 127.0.0.1 -p %s -U postgres t_syncn -tAc \"SELECT seq > 0 FROM "
	                "ficus.consumers WHERE name = 'sync'\"", t_env("FICUS_PG_PORT")), 0);
	ASSERT_CONTAINS(out, "t");
	free(out);
	ASSERT_EQ(t_run(&out, "%s sync status --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "bus         nats stream");
	ASSERT_CONTAINS(out, "lag         0 events");
	free(out);
	/* cdc status reads the stream and the checkpoint in its bucket */
	ASSERT_EQ(t_run(&out, "%s cdc status --config %s", bin, cfg), 0);
	snprintf(text, sizeof text, "bus         nats stream %s on bus", stream);
	ASSERT_CONTAINS(out, text);
	ASSERT_CONTAINS(out, "events, last seq");
	ASSERT_CONTAINS(out, "checkpoint  binlog.");
	ASSERT_CONTAINS(out, "lag         ");
	free(out);
	t_nats_drop_stream(stream);
	/* without its stream: up, nothing yet, and no checkpoint */
	ASSERT_EQ(t_run(&out, "%s cdc status --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "no stream");
	ASSERT_CONTAINS(out, "checkpoint  none yet");
	free(out);
}
