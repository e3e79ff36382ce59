/* tests/integration/sync_poll_test.c - when the bus is down, sync keeps the
 * read model up to date by polling the legacy table's change time, says so
 * in its status, and goes back to the outbox when the bus returns. */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

TEST_TIMEOUT(polls_while_the_bus_is_down, 90)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	char text[2048], sub[600], *out;
	const char *cfg;

	t_mysql("DROP DATABASE IF EXISTS t_poll; CREATE DATABASE t_poll;"
	        "CREATE TABLE t_poll.shop (id INT PRIMARY KEY, name VARCHAR(20),"
	        " upd_dt TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3));"
	        "INSERT INTO t_poll.shop (id, name) VALUES (1, 'a'), (2, 'b')");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_poll");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_poll_bus");
	t_pg(NULL, "CREATE DATABASE t_poll");
	t_pg("t_poll", "CREATE TABLE shops (id bigint PRIMARY KEY, name text)");
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "m.yaml", "entities:\n  shop:\n    from: { table: shop, key: id, changed: upd_dt }\n"
	        "    to: { table: shops, key: id }\n    columns: { id: id, name: name }\n");
	snprintf(text, sizeof text, "connections:\n  legacy: { kind: mysql, dsn: \"%s\" }\n",
	         t_mysql_dsn("t_poll"));
	snprintf(text + strlen(text), sizeof text - strlen(text), "  newdb: { kind: postgres, dsn: \"%s\" }\n",
	         t_pg_dsn("t_poll"));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  busdb: { kind: postgres, dsn: \"%s\" }\nmappings: mappings\n"
	         "cdc: { source: legacy, server_id: 9191, sink: { kind: outbox, connection: busdb } }\n"
	         "sync: { source: legacy, target: newdb, bus: outbox }\n", t_pg_dsn("t_poll_bus"));
	cfg = t_write(dir, "ficus.yaml", text);

	ASSERT_EQ(t_run(&out, "%s sync --backfill --config %s", bin, cfg), 0);
	free(out);
	/* the bus database does not exist: sync polls */
	t_mysql("UPDATE t_poll.shop SET name = 'a2' WHERE id = 1; INSERT INTO t_poll.shop (id, name) VALUES (3, 'c')");
	ASSERT_EQ(t_run(&out, "%s sync --once --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "the bus is down");
	ASSERT_CONTAINS(out, "polling");
	free(out);
	ASSERT_EQ(t_run(&out, "psql -h 127.0.0.1 -p %s -U postgres t_poll -tAc \"SELECT string_agg(id || '=' "
	                "|| name, ',' ORDER BY id) FROM shops\"", t_env("FICUS_PG_PORT")), 0);
	ASSERT_CONTAINS(out, "1=a2,2=b,3=c");
	free(out);
	ASSERT_EQ(t_run(&out, "%s sync status --config %s", bin, cfg), 1);
	ASSERT_CONTAINS(out, "mode        POLLING the legacy tables");
	ASSERT_CONTAINS(out, "bus         outbox on busdb: DOWN");
	free(out);

	/* the bus comes back: the outbox again */
	t_pg(NULL, "CREATE DATABASE t_poll_bus");
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --once --config %s", bin, cfg,
	                bin, cfg), 0);
	ASSERT_CONTAINS(out, "the bus is back");
	free(out);
	ASSERT_EQ(t_run(&out, "%s sync status --config %s", bin, cfg), 0);
	ASSERT_CONTAINS(out, "mode        outbox");
	free(out);
}
