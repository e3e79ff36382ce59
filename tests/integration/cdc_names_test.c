/* tests/integration/cdc_names_test.c - binlogs without column names
 * (binlog_row_metadata=MINIMAL): ficus names the columns from its schema
 * history (information_schema, read again after each DDL), never wrongly:
 * when the schema no longer matches the binlog's types, columns stay @N. */
#include "../test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TEST_TIMEOUT(names_from_schema_history_without_full_metadata, 90)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN"), *sbx = t_env("FICUS_SANDBOX");
	char *out, *start, path[600];
	int pid;

	t_defer("mariadb --no-defaults -h127.0.0.1 -P%s -uroot -e "
	        "'SET GLOBAL binlog_row_metadata = FULL'", t_env("FICUS_MYSQL_PORT"));
	t_mysql("SET GLOBAL binlog_row_metadata = MINIMAL;"
	        "DROP DATABASE IF EXISTS t_names; CREATE DATABASE t_names;"
	        "CREATE TABLE t_names.t (id INT PRIMARY KEY, a INT UNSIGNED,"
	        " b VARCHAR(10) CHARACTER SET latin1, e ENUM('x','y'), j JSON)");
	start = t_binlog_pos(NULL, 0);
	snprintf(path, sizeof path, "%s/out.jsonl", dir);
	ASSERT_EQ(t_run(&out, "%s cdc stream --all-tables --config %s/ficus.yaml --start %s "
	                "--checkpoint %s/cp.json > %s 2> %s/err.log & echo $!", bin, sbx, start, dir,
	                path, dir), 0);
	pid = atoi(out);
	free(out);
	t_mysql("SET NAMES utf8mb4; INSERT INTO t_names.t VALUES (1, 4294967295, 'café', 'y', '{\"k\": 1}')");
	t_wait_file(path, "\"id\":1,", 15);
	t_mysql("ALTER TABLE t_names.t ADD COLUMN c VARCHAR(5);"
	        "INSERT INTO t_names.t VALUES (2, 1, 'x', 'x', NULL, 'new')");
	t_wait_file(path, "\"id\":2,", 15);
	t_mysql("ALTER TABLE t_names.t DROP COLUMN a; INSERT INTO t_names.t VALUES (3, 'z', 'y', '[]', 'c3')");
	t_wait_file(path, "\"id\":3,", 15);
	kill(pid, SIGTERM);
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
		usleep(50000);
	t_mysql("SET GLOBAL binlog_row_metadata = FULL");

	ASSERT_EQ(t_run(&out, "cat %s", path), 0);
	ASSERT_CONTAINS(out, "\"after\":{\"id\":1,\"a\":4294967295,\"b\":\"café\",\"e\":\"y\",\"j\":{\"k\":1}}");
	ASSERT_CONTAINS(out, "\"after\":{\"id\":2,\"a\":1,\"b\":\"x\",\"e\":\"x\",\"j\":null,\"c\":\"new\"}");
	ASSERT_CONTAINS(out, "\"after\":{\"id\":3,\"b\":\"z\",\"e\":\"y\",\"j\":[],\"c\":\"c3\"}");
	free(out);
	/* the schema history sits beside the checkpoint */
	ASSERT_EQ(t_run(&out, "cat %s/cp.json.schema", dir), 0);
	ASSERT_CONTAINS(out, "t_names");
	free(out);

	/* read later, the old rows no longer match today's schema: they are
	 * not given wrong names */
	{
		char file[256];
		snprintf(file, sizeof file, "%s", start);
		*strchr(file, ':') = '\0';
		ASSERT_EQ(t_run(&out, "%s cdc read --all-tables --config %s/ficus.yaml %s/%s 2>&1 | "
		                "grep -a 't_names\\|warning'", bin, sbx, t_env("FICUS_BINLOG_DIR"), file), 0);
	}
	ASSERT_CONTAINS(out, "\"after\":{\"@1\":1,\"@2\":4294967295,");
	ASSERT_CONTAINS(out, "does not match its schema now");
	ASSERT_CONTAINS(out, "\"after\":{\"id\":3,\"b\":\"z\",\"e\":\"y\",\"j\":[],\"c\":\"c3\"}");
	free(out);
	free(start);
}
