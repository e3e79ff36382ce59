/* tests/integration/cdc_memory_test.c - a one-million-row transaction goes
 * through `ficus cdc read` and `ficus cdc stream` without being held in
 * memory: the peak resident size stays far below the transaction's size. */
#include "../test.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Under AddressSanitizer, shadow memory and quarantine add tens of MiB
 * whatever the input: the bound is about not growing with it. */
#if defined(__SANITIZE_ADDRESS__)
#define LIMIT_KIB (192 * 1024)
#else
#define LIMIT_KIB (64 * 1024)
#endif

/* Runs a shell command line that execs ficus; returns its peak RSS in KiB. */
static long peak_kib(const char *cmd, int *status)
{
	struct rusage ru;
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, status, 0, &ru) != pid)
		t_fail(__FILE__, __LINE__, "cannot run %s", cmd);
	return ru.ru_maxrss;
}

TEST_TIMEOUT(million_row_transaction_streams_in_bounded_memory, 240)
{
	MYSQL *my = mysql_init(NULL);
	MYSQL_RES *r;
	MYSQL_ROW row;
	char file[256], cmd[2048], *out;
	struct stat st;
	long kib;
	int status;

	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, NULL,
	                        (unsigned)atoi(t_env("FICUS_MYSQL_PORT")), NULL, CLIENT_MULTI_STATEMENTS))
		t_fail(__FILE__, __LINE__, "mysql: %s", mysql_error(my));
	t_mysql("DROP DATABASE IF EXISTS t_big; CREATE DATABASE t_big;"
	        "CREATE TABLE t_big.t (id INT PRIMARY KEY, v VARCHAR(40)); FLUSH BINARY LOGS");
	if (mysql_query(my, "SHOW MASTER STATUS") || !(r = mysql_store_result(my)) ||
	    !(row = mysql_fetch_row(r)))
		t_fail(__FILE__, __LINE__, "mysql: %s", mysql_error(my));
	snprintf(file, sizeof file, "%s", row[0]);
	mysql_free_result(r);
	mysql_close(my);
	/* one transaction, one million rows */
	t_mysql("INSERT INTO t_big.t SELECT seq, CONCAT('row number ', seq) FROM t_big.seq_1_to_1000000;"
	        "FLUSH BINARY LOGS; DROP DATABASE t_big");

	snprintf(cmd, sizeof cmd, "%s/%s", t_env("FICUS_BINLOG_DIR"), file);
	ASSERT_EQ(stat(cmd, &st), 0);
	printf("binlog with the transaction: %lld bytes\n", (long long)st.st_size);
	ASSERT(st.st_size > 20 * 1024 * 1024);

	snprintf(cmd, sizeof cmd, "exec %s cdc read --all-tables %s/%s > /dev/null",
	         t_env("FICUS_BIN"), t_env("FICUS_BINLOG_DIR"), file);
	kib = peak_kib(cmd, &status);
	printf("cdc read: peak RSS %ld KiB\n", kib);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT(kib < LIMIT_KIB);

	snprintf(cmd, sizeof cmd, "exec %s cdc stream --all-tables --config %s/ficus.yaml --start %s:4 "
	         "--until-end > /dev/null 2>&1", t_env("FICUS_BIN"), t_env("FICUS_SANDBOX"), file);
	kib = peak_kib(cmd, &status);
	printf("cdc stream: peak RSS %ld KiB\n", kib);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT(kib < LIMIT_KIB);

	/* and every row came through */
	ASSERT_EQ(t_run(&out, "%s cdc read --all-tables %s/%s | grep -c '\"table\":\"t\",\"op\":\"insert\"'",
	                t_env("FICUS_BIN"), t_env("FICUS_BINLOG_DIR"), file), 0);
	ASSERT_EQ(atol(out), 1000000);
	free(out);
}
