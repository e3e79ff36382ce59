/* tests/integration/cdc_ddl_test.c - schema changes in the middle of the
 * binlog: rows before and after ALTER TABLE ADD/DROP/MODIFY/RENAME COLUMN,
 * RENAME TABLE and DROP/CREATE decode with the names and types they had
 * when written (binlog_row_metadata=FULL puts them in each TABLE_MAP), for
 * `cdc read` and `cdc stream` alike, and match mariadb-binlog. */
#include "../binlog_oracle.h"
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST_TIMEOUT(rows_decode_with_the_schema_they_were_written_with, 60)
{
	char file[256], *ours, *streamed, *theirs, why[2048];
	size_t changes, cells;
	static const char *const want[] = {
		"\"after\":{\"id\":1,\"a\":1,\"b\":\"x\"}",
		"\"after\":{\"id\":2,\"a\":2,\"b\":\"y\",\"c\":\"1.50\"}",
		"\"after\":{\"id\":3,\"b\":\"z\",\"c\":\"2.25\"}",
		"\"after\":{\"id\":4,\"b\":\"café\",\"c\":null}",
		"\"after\":{\"id\":5,\"bb\":\"renamed\",\"c\":\"3.00\"}",
		"\"table\":\"t2\",\"op\":\"insert\",\"after\":{\"id\":6,\"bb\":\"moved\",\"c\":null}",
		"\"table\":\"t2\",\"op\":\"insert\",\"after\":{\"id\":7,\"z\":\"2026-11-25\"}",
		"\"before\":{\"id\":1,\"a\":1,\"b\":\"x\"},\"after\":{\"id\":1,\"a\":10,\"b\":\"x\"}",
		NULL,
	};

	t_mysql("DROP DATABASE IF EXISTS t_ddl; CREATE DATABASE t_ddl; FLUSH BINARY LOGS");
	free(t_binlog_pos(file, sizeof file));
	t_mysql("SET NAMES utf8mb4;"
	        "CREATE TABLE t_ddl.t (id INT PRIMARY KEY, a INT, b VARCHAR(10));"
	        "INSERT INTO t_ddl.t VALUES (1, 1, 'x');"
	        "UPDATE t_ddl.t SET a = 10 WHERE id = 1;"
	        "ALTER TABLE t_ddl.t ADD COLUMN c DECIMAL(5,2);"
	        "INSERT INTO t_ddl.t VALUES (2, 2, 'y', 1.5);"
	        "ALTER TABLE t_ddl.t DROP COLUMN a;"
	        "INSERT INTO t_ddl.t VALUES (3, 'z', 2.25);"
	        "ALTER TABLE t_ddl.t MODIFY b VARCHAR(50) CHARACTER SET latin1;"
	        "INSERT INTO t_ddl.t VALUES (4, 'café', NULL);"
	        "ALTER TABLE t_ddl.t RENAME COLUMN b TO bb;"
	        "INSERT INTO t_ddl.t VALUES (5, 'renamed', 3);"
	        "RENAME TABLE t_ddl.t TO t_ddl.t2;"
	        "INSERT INTO t_ddl.t2 VALUES (6, 'moved', NULL);"
	        "DROP TABLE t_ddl.t2;"
	        "CREATE TABLE t_ddl.t2 (id INT PRIMARY KEY, z DATE);"
	        "INSERT INTO t_ddl.t2 VALUES (7, '2026-11-25');"
	        "FLUSH BINARY LOGS");
	ASSERT_EQ(t_run(&ours, "%s cdc read --all-tables %s/%s", t_env("FICUS_BIN"),
	                t_env("FICUS_BINLOG_DIR"), file), 0);
	ASSERT_EQ(t_run(&streamed, "%s cdc stream --all-tables --config %s/ficus.yaml --start %s:4 "
	                "--until-end 2>/dev/null | grep '\"db\":\"t_ddl\"'", t_env("FICUS_BIN"),
	                t_env("FICUS_SANDBOX"), file), 0);
	for (int i = 0; want[i]; i++) {
		ASSERT_CONTAINS(ours, want[i]);
		ASSERT_CONTAINS(streamed, want[i]);
	}
	/* the DDL statements themselves are in the output, in place */
	ASSERT_CONTAINS(ours, "\"op\":\"ddl\",\"sql\":\"ALTER TABLE t_ddl.t RENAME COLUMN b TO bb\"");
	ASSERT_CONTAINS(ours, "\"op\":\"ddl\",\"sql\":\"RENAME TABLE t_ddl.t TO t_ddl.t2\"");
	/* and every value agrees with mariadb-binlog's, by its type comments */
	ASSERT_EQ(t_run(&theirs, "TZ=UTC mariadb-binlog --base64-output=decode-rows -vv %s/%s",
	                t_env("FICUS_BINLOG_DIR"), file), 0);
	if (or_compare(theirs, ours, "t_ddl", NULL, 0, &changes, &cells, why, sizeof why))
		t_fail(__FILE__, __LINE__, "ficus and mariadb-binlog differ: %s", why);
	printf("%zu row changes, %zu values compared\n", changes, cells);
	ASSERT_EQ(changes, 8);
	free(ours);
	free(streamed);
	free(theirs);
}
