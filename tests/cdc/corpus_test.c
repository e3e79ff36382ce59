/* tests/cdc/corpus_test.c - real MySQL binlogs from public projects
 * (../shared/corpora: MySQL 5.5 ROWS v1 gzip, 5.6 DECIMAL edge cases,
 * 5.7 ROWS v2 with and without CRC32) decoded by `ficus cdc read
 * --all-tables` and compared, change by change and value by value, with
 * mariadb-binlog's output stored beside them. */
#include "../binlog_oracle.h"
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>

static void corpus(const char *dir, const char *file, const char *expected, bool gz,
                   size_t min_changes)
{
	char *ours, *theirs, why[4096];
	const char *root = t_env("FICUS_CORPORA");
	size_t changes, cells;
	int rc;

	ASSERT_EQ(t_run(&ours, "%s cdc read --all-tables %s/binlog/%s/binlogs/%s",
	                t_env("FICUS_BIN"), root, dir, file), 0);
	rc = t_run(&theirs, "%s %s/binlog/%s/expected-mariadb-binlog-10.11/%s",
	           gz ? "zcat" : "cat", root, dir, expected);
	ASSERT_EQ(rc, 0);
	rc = or_compare(theirs, ours, NULL, NULL, 0, &changes, &cells, why, sizeof why);
	printf("%s: %zu row changes, %zu values compared\n", file, changes, cells);
	if (rc)
		t_fail(__FILE__, __LINE__, "%s differs from mariadb-binlog: %s", file, why);
	ASSERT(changes >= min_changes);
	free(ours);
	free(theirs);
}

TEST(mysql55_sakila_rows_v1_gzip)
{
	corpus("mysql-binlog-connector-java", "mysql-bin.sakila.gz",
	       "mysql-bin.sakila.mariadb-binlog-vv.txt.gz", true, 40000);
}

TEST(mysql57_rows_v2_crc32)
{
	corpus("mysql-binlog-connector-java", "mysql-bin.checksum-crc32",
	       "mysql-bin.checksum-crc32.mariadb-binlog-vv.txt", false, 1);
}

TEST(mysql57_rows_v2_no_checksum)
{
	corpus("mysql-binlog-connector-java", "mysql-bin.checksum-none",
	       "mysql-bin.checksum-none.mariadb-binlog-vv.txt", false, 1);
}

TEST(mysql56_decimal_edge_cases)
{
	corpus("go-mysql", "tcb-eval002c-bin.003320", "tcb-eval002c-bin.003320.mariadb-binlog-vv.txt",
	       false, 1);
}

TEST(corrupt_and_truncated_files_name_the_offset)
{
	const char *dir = t_tmpdir(), *root = t_env("FICUS_CORPORA");
	char *out;
	/* the first 1000 bytes of a real binlog: cut inside an event */
	ASSERT_EQ(t_run(&out, "head -c 1000 %s/binlog/mysql-binlog-connector-java/"
	                "binlogs/mysql-bin.checksum-crc32 > %s/cut", root, dir), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc read --all-tables %s/cut", t_env("FICUS_BIN"), dir), 2);
	ASSERT_CONTAINS(out, "binlog '");
	ASSERT_CONTAINS(out, "cut' at ");
	ASSERT_CONTAINS(out, "truncated");
	free(out);
	/* one flipped byte in the middle: the CRC32 catches it */
	ASSERT_EQ(t_run(&out, "cp %s/binlog/mysql-binlog-connector-java/binlogs/"
	                "mysql-bin.checksum-crc32 %s/flip && chmod u+w %s/flip && "
	                "printf '\\x55' | dd of=%s/flip bs=1 seek=5000 conv=notrunc status=none",
	                root, dir, dir, dir), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc read --all-tables %s/flip", t_env("FICUS_BIN"), dir), 2);
	ASSERT_CONTAINS(out, "checksum mismatch");
	ASSERT_CONTAINS(out, " at ");
	free(out);
	/* not a binlog at all */
	ASSERT_EQ(t_run(&out, "%s cdc read --all-tables %s/README.md", t_env("FICUS_BIN"),
	                root), 2);
	ASSERT_CONTAINS(out, "not a binlog file");
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc read --all-tables /nonexistent/binlog.000001", t_env("FICUS_BIN")), 2);
	ASSERT_CONTAINS(out, "binlog '/nonexistent/binlog.000001': cannot open");
	free(out);
}
