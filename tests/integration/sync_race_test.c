/* tests/integration/sync_race_test.c - MariaDB sends a transaction to its
 * replicas once it is in the binlog, a moment before InnoDB makes it
 * visible to other sessions. A zero-payload consumer that fetches the row
 * of an event at once can read in that moment: it finds no row (an insert)
 * or the old one (an update), and nothing brings the change later. The
 * moment is made seconds long here, deterministically, with semi-sync
 * replication waiting AFTER_SYNC for an acknowledgement no replica sends:
 * the event reaches cdc, the outbox and sync while the writer still waits
 * to commit. sync must end with the committed rows. */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void semi_sync(bool on)
{
	t_mysql(on ? "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC';"
	             "SET GLOBAL rpl_semi_sync_master_timeout = 1500;"
	             "SET GLOBAL rpl_semi_sync_master_enabled = ON"
	           : "SET GLOBAL rpl_semi_sync_master_enabled = OFF;"
	             "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_COMMIT';"
	             "SET GLOBAL rpl_semi_sync_master_timeout = 10000");
}

/* Waits until cdc has read the whole binlog and sync has taken every
 * event, then returns "id=note,..." of the read model (malloc'd). */
static char *caught_up_rows(const char *bin, const char *cfg)
{
	char *out;
	for (int i = 0; i < 100; i++) {
		int ok = 0;
		if (t_run(&out, "%s sync status --config %s && %s cdc status --config %s", bin, cfg, bin,
		          cfg) == 0)
			ok = strstr(out, "lag         0 events") && strstr(out, "lag         0 bytes");
		free(out);
		if (ok)
			break;
		t_run(NULL, "sleep 0.1");
	}
	ASSERT_EQ(t_run(&out, "psql -h 127.0.0.1 -p %s -U postgres t_race -tAc \"SELECT "
	                "string_agg(id || '=' || note, ',' ORDER BY id) FROM items\"",
	                t_env("FICUS_PG_PORT")), 0);
	return out;
}

TEST_TIMEOUT(sync_sees_rows_committed_after_their_binlog_event, 120)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	char text[2048], sub[600], cfg[700], *out;

	t_mysql("DROP DATABASE IF EXISTS t_race; CREATE DATABASE t_race;"
	        "CREATE TABLE t_race.item (id INT PRIMARY KEY, note VARCHAR(20));"
	        "INSERT INTO t_race.item VALUES (1, 'old')");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_race");
	t_pg(NULL, "CREATE DATABASE t_race");
	t_pg("t_race", "CREATE TABLE items (id bigint PRIMARY KEY, note text)");
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "m.yaml", "entities:\n  item:\n    from: { table: item, key: id }\n"
	        "    to: { table: items, key: id }\n    columns: { id: id, note: note }\n");
	snprintf(text, sizeof text,
	         "connections:\n  legacy: { kind: mysql, dsn: \"%s\" }\n"
	         "  newdb: { kind: postgres, dsn: \"%s\" }\nmappings: mappings\n"
	         "cdc: { source: legacy, server_id: 9494, sink: { kind: outbox, connection: newdb } }\n"
	         "sync: { source: legacy, target: newdb, bus: outbox }\n",
	         t_mysql_dsn("t_race"), t_pg_dsn("t_race"));
	snprintf(cfg, sizeof cfg, "%s", t_write(dir, "ficus.yaml", text));
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --backfill --config %s",
	                bin, cfg, bin, cfg), 0);
	free(out);

	/* cdc and sync follow in the background */
	ASSERT_EQ(t_run(&out, "cd %s && (%s cdc stream --config %s > cdc.log 2>&1 & echo $! > cdc.pid;"
	                " %s sync --config %s > sync.log 2>&1 & echo $! > sync.pid)", dir, bin, cfg,
	                bin, cfg), 0);
	free(out);
	t_defer("kill $(cat %s/cdc.pid) $(cat %s/sync.pid) 2>/dev/null", dir, dir);
	t_defer("mariadb --no-defaults -h127.0.0.1 -P%s -uroot -e \"SET GLOBAL "
	        "rpl_semi_sync_master_enabled = OFF; SET GLOBAL rpl_semi_sync_master_wait_point = "
	        "'AFTER_COMMIT'; SET GLOBAL rpl_semi_sync_master_timeout = 10000\"",
	        t_env("FICUS_MYSQL_PORT"));
	out = caught_up_rows(bin, cfg);
	ASSERT_STR_EQ(out, "1=old\n");
	free(out);

	/* an insert, then an update, each committed 1.5 s after its event */
	semi_sync(true);
	t_mysql("INSERT INTO t_race.item VALUES (2, 'new')");
	semi_sync(false);
	semi_sync(true);
	t_mysql("UPDATE t_race.item SET note = 'changed' WHERE id = 1");
	semi_sync(false);
	out = caught_up_rows(bin, cfg);
	ASSERT_STR_EQ(out, "1=changed,2=new\n");
	free(out);
}
