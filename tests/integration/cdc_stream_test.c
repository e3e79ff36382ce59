/* tests/integration/cdc_stream_test.c - `ficus cdc stream` as a replica of
 * the sandbox's MariaDB: start positions (file:pos, GTID, checkpoint),
 * resume after a restart of ficus, and reconnection after the server kills
 * the connection or restarts, with every row delivered exactly once. */
#include "../test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void sql(const char *q)
{
	t_mysql(q);
}

/* Counts lines of out that hold needle. */
static int count(const char *out, const char *needle)
{
	int n = 0;
	for (const char *p = out; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void setup(void)
{
	sql("DROP DATABASE IF EXISTS t_stream; CREATE DATABASE t_stream;"
	    "CREATE TABLE t_stream.t (id INT PRIMARY KEY, v VARCHAR(20))");
}

static void insert_range(int from, int to)
{
	char q[128];
	for (int i = from; i <= to; i++) {
		snprintf(q, sizeof q, "INSERT INTO t_stream.t VALUES (%d, 'row-%d')", i, i);
		sql(q);
	}
}

/* Every id in [from, to] appears exactly once as an insert in out. */
static void exactly_once(const char *out, int from, int to)
{
	for (int i = from; i <= to; i++) {
		char needle[64];
		snprintf(needle, sizeof needle, "\"after\":{\"id\":%d,", i);
		if (count(out, needle) != 1)
			t_fail(__FILE__, __LINE__, "row %d appears %d times in:\n%s", i, count(out, needle), out);
	}
}

TEST_TIMEOUT(start_positions_and_checkpoint_resume, 60)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN"), *sbx = t_env("FICUS_SANDBOX");
	char *out, *file, *pos, *gtid;

	setup();
	insert_range(1, 3);
	file = t_binlog_pos(NULL, 0);
	pos = strdup(strchr(file, ':') + 1);
	*strchr(file, ':') = '\0';
	gtid = t_mysql_value("SELECT @@gtid_binlog_pos");
	insert_range(4, 6);

	/* from a file:pos: only what came after it */
	ASSERT_EQ(t_run(&out, "%s cdc stream --all-tables --config %s/ficus.yaml --start %s:%s --until-end",
	                bin, sbx, file, pos), 0);
	exactly_once(out, 4, 6);
	ASSERT_NOT_CONTAINS(out, "\"after\":{\"id\":3,");
	free(out);
	/* from a GTID: the same */
	ASSERT_EQ(t_run(&out, "%s cdc stream --all-tables --config %s/ficus.yaml --gtid %s --until-end "
	                "2>/dev/null", bin, sbx, gtid), 0);
	exactly_once(out, 4, 6);
	ASSERT_NOT_CONTAINS(out, "\"after\":{\"id\":3,");
	free(out);

	/* a checkpoint: the first run records where it stopped, the second
	 * resumes right after it */
	ASSERT_EQ(t_run(&out, "%s cdc stream --all-tables --config %s/ficus.yaml --start %s:%s --until-end "
	                "--checkpoint %s/cp.json > %s/run1.jsonl", bin, sbx, file, pos, dir, dir), 0);
	free(out);
	insert_range(7, 9);
	ASSERT_EQ(t_run(&out, "%s cdc stream --all-tables --config %s/ficus.yaml --until-end "
	                "--checkpoint %s/cp.json", bin, sbx, dir), 0);
	exactly_once(out, 7, 9);
	ASSERT_NOT_CONTAINS(out, "\"after\":{\"id\":6,");
	free(out);
	ASSERT_EQ(t_run(&out, "cat %s/cp.json", dir), 0);
	ASSERT_CONTAINS(out, "\"file\":\"binlog.");
	ASSERT_CONTAINS(out, "\"gtid\":\"0-1-");
	free(out);

	/* errors: a position the server does not have, a bad argument */
	ASSERT_EQ(t_run(&out, "%s cdc stream --all-tables --config %s/ficus.yaml --start nosuch.000001:4 "
	                "--until-end --retries 0", bin, sbx), 2);
	ASSERT_CONTAINS(out, "nosuch.000001");
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc stream --all-tables --config %s/ficus.yaml --start binlog", bin, sbx), 2);
	ASSERT_CONTAINS(out, "--start wants FILE:POS");
	free(out);
	free(file);
	free(pos);
	free(gtid);
}

/* Starts a stream in the background; returns its pid. */
static int background(const char *dir)
{
	char *out;
	int pid;
	ASSERT_EQ(t_run(&out, "%s cdc stream --all-tables --config %s/ficus.yaml --checkpoint %s/cp.json "
	                "> %s/out.jsonl 2> %s/err.log & echo $!", t_env("FICUS_BIN"),
	                t_env("FICUS_SANDBOX"), dir, dir, dir), 0);
	pid = atoi(out);
	free(out);
	ASSERT(pid > 0);
	return pid;
}

/* Waits until the output holds the row with this id. */
static void wait_for(const char *dir, int id)
{
	char path[600], needle[64];
	snprintf(path, sizeof path, "%s/out.jsonl", dir);
	snprintf(needle, sizeof needle, "\"after\":{\"id\":%d,", id);
	t_wait_file(path, needle, 15);
}

TEST_TIMEOUT(reconnects_after_kill_and_server_restart, 120)
{
	const char *dir = t_tmpdir();
	char *out, q[128];
	int pid;

	setup();
	{
		/* start the checkpoint at the current end */
		char text[512], *at = t_binlog_pos(NULL, 0);
		snprintf(text, sizeof text, "{\"file\":\"%.*s\",\"pos\":%s,\"gtid\":\"\"}\n",
		         (int)(strchr(at, ':') - at), at, strchr(at, ':') + 1);
		t_write(dir, "cp.json", text);
		free(at);
	}
	pid = background(dir);
	insert_range(1, 5);
	wait_for(dir, 5);

	/* the server drops the replica's connection */
	{
		char *id = t_mysql_value("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'");
		snprintf(q, sizeof q, "KILL %s", id);
		sql(q);
		free(id);
	}
	insert_range(6, 10);
	wait_for(dir, 10);

	/* a multi-row transaction, and then the server restarts */
	sql("BEGIN; INSERT INTO t_stream.t VALUES (11, 'a'), (12, 'b'); INSERT INTO t_stream.t VALUES (13, 'c'); COMMIT");
	wait_for(dir, 13);
	ASSERT_EQ(t_run(&out, "pid=$(cat %s/mysql/mysqld.pid) && "
	                "mariadb-admin --no-defaults -h127.0.0.1 -P%s -uroot shutdown && "
	                "while kill -0 $pid 2>/dev/null && ! grep -q Z /proc/$pid/stat 2>/dev/null; "
	                "do sleep 0.1; done && FICUS_SKIP_DEPS=1 bash %s/scripts/sandbox.sh up",
	                t_env("FICUS_SANDBOX"), t_env("FICUS_MYSQL_PORT"), t_env("FICUS_ROOT")), 0);
	free(out);
	insert_range(14, 16);
	wait_for(dir, 16);

	kill(pid, SIGTERM);
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
		usleep(100000);
	ASSERT_EQ(t_run(&out, "cat %s/out.jsonl", dir), 0);
	exactly_once(out, 1, 16);
	free(out);
	ASSERT_EQ(t_run(&out, "cat %s/err.log", dir), 0);
	ASSERT_CONTAINS(out, "reconnecting");
	free(out);
}
