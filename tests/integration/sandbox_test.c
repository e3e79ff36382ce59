/* tests/integration/sandbox_test.c - the sandbox lifecycle: a second
 * sandbox (own folder, own ports) beside the one the tests use, brought
 * up twice (the second reuses), checked, and brought down to nothing. */
#include "../test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The pid recorded in a pid file, or 0. */
static int pid_in(const char *path)
{
	FILE *f = fopen(path, "r");
	int pid = 0;
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

/* Whether a pid runs and is not a zombie. */
static int alive(int pid)
{
	char path[64], state = 0, buf[512];
	FILE *f;
	if (pid <= 0 || kill(pid, 0) != 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof buf, f)) {
		char *p = strrchr(buf, ')');
		if (p && p[1])
			state = p[2];
	}
	fclose(f);
	return state != 'Z' && state != 0;
}

TEST_TIMEOUT(second_sandbox_up_reuse_down, 240)
{
	const char *dir = t_tmpdir(), *root = t_env("FICUS_ROOT");
	char env[600], *out;
	int base = 20000 + (int)(getpid() % 500) * 10, pids[3];
	char vars[256], path[700], bare[512], other[700];

	snprintf(vars, sizeof vars,
	         "FICUS_SKIP_DEPS=1 SANDBOX_DIR=%s/sbx FICUS_MYSQL_PORT=%d FICUS_PG_PORT=%d "
	         "FICUS_NATS_PORT=%d", dir, base, base + 1, base + 2);
	/* the servers run in their own sessions: whatever happens below, the
	 * runner stops them after the test */
	t_defer("%s bash %s/scripts/sandbox.sh down --purge >/dev/null 2>&1", vars, root);
	ASSERT_EQ(t_run(&out, "%s bash %s/scripts/sandbox.sh up", vars, root), 0);
	ASSERT_CONTAINS(out, "mariadb");
	free(out);

	/* the env file and the config point at the new servers */
	ASSERT_EQ(t_run(&out, "cat %s/sbx/env", dir), 0);
	snprintf(env, sizeof env, "FICUS_MYSQL_DSN=mysql://root@127.0.0.1:%d/baemin", base);
	ASSERT_CONTAINS(out, env);
	snprintf(env, sizeof env, "FICUS_PG_DSN=postgresql://postgres@127.0.0.1:%d/services", base + 1);
	ASSERT_CONTAINS(out, env);
	snprintf(env, sizeof env, "FICUS_NATS_URL=nats://127.0.0.1:%d", base + 2);
	ASSERT_CONTAINS(out, env);
	ASSERT_CONTAINS(out, "FICUS_BINLOG_DIR=");
	free(out);
	ASSERT_EQ(t_run(&out, "%s config check --config %s/sbx/ficus.yaml", t_env("FICUS_BIN"), dir), 0);
	free(out);

	/* the servers answer, with the binlog settings cdc needs */
	ASSERT_EQ(t_run(&out, "mariadb --no-defaults -h127.0.0.1 -P%d -uroot -N -e "
	                "\"select @@log_bin, @@binlog_format, @@binlog_row_image, "
	                "@@binlog_row_metadata, @@gtid_strict_mode\"", base), 0);
	ASSERT_CONTAINS(out, "1\tROW\tFULL\tFULL\t1");
	free(out);
	ASSERT_EQ(t_run(&out, "psql -h 127.0.0.1 -p %d -U postgres -d services -tAc 'show server_version'",
	                base + 1), 0);
	ASSERT_CONTAINS(out, "15.");
	free(out);
	ASSERT_EQ(t_run(&out, "curl -sf http://127.0.0.1:%d/healthz?js-enabled-only=true", base + 3), 0);
	ASSERT_CONTAINS(out, "ok");
	free(out);

	/* a second up reuses what runs */
	snprintf(path, sizeof path, "%s/sbx/mysql/mysqld.pid", dir);
	pids[0] = pid_in(path);
	ASSERT(alive(pids[0]));
	ASSERT_EQ(t_run(&out, "%s bash %s/scripts/sandbox.sh up", vars, root), 0);
	ASSERT_CONTAINS(out, "already running");
	free(out);
	ASSERT_EQ(pid_in(path), pids[0]);
	ASSERT_EQ(t_run(&out, "%s bash %s/scripts/sandbox.sh status", vars, root), 0);
	free(out);
	snprintf(path, sizeof path, "%s/sbx/nats/nats.pid", dir);
	pids[1] = pid_in(path);
	ASSERT(alive(pids[1]));
	ASSERT_EQ(t_run(&out, "head -1 $(cat %s/sbx/pg.path)/data/postmaster.pid", dir), 0);
	pids[2] = atoi(out);
	free(out);
	ASSERT(alive(pids[2]));

	/* the ports are recorded: a shell without the exports finds these
	 * servers, not the ones on the default ports */
	ASSERT_EQ(t_run(&out, "cat %s/sbx/ports", dir), 0);
	snprintf(env, sizeof env, "mysql=%d\npg=%d\nnats=%d\n", base, base + 1, base + 2);
	ASSERT_STR_EQ(out, env);
	free(out);
	snprintf(bare, sizeof bare, "env -u FICUS_MYSQL_PORT -u FICUS_PG_PORT -u FICUS_NATS_PORT "
	         "FICUS_SKIP_DEPS=1 SANDBOX_DIR=%s/sbx", dir);
	ASSERT_EQ(t_run(&out, "%s bash %s/scripts/sandbox.sh status", bare, root), 0);
	snprintf(env, sizeof env, "mariadb:  running (pid %d, 127.0.0.1:%d)", pids[0], base);
	ASSERT_CONTAINS(out, env);
	snprintf(env, sizeof env, "postgres: running (pid %d, 127.0.0.1:%d)", pids[2], base + 1);
	ASSERT_CONTAINS(out, env);
	snprintf(env, sizeof env, "nats:     running (pid %d, 127.0.0.1:%d,", pids[1], base + 2);
	ASSERT_CONTAINS(out, env);
	free(out);
	ASSERT_EQ(t_run(&out, "%s bash %s/scripts/sandbox.sh up", bare, root), 0);
	snprintf(env, sizeof env, "mariadb: already running on 127.0.0.1:%d", base);
	ASSERT_CONTAINS(out, env);
	free(out);
	ASSERT_EQ(t_run(&out, "grep -c ':%d/baemin' %s/sbx/env", base, dir), 0);
	free(out);

	/* asking for other ports than the running servers have: refused */
	snprintf(other, sizeof other, "%s FICUS_MYSQL_PORT=%s", bare, t_env("FICUS_MYSQL_PORT"));
	ASSERT(t_run(&out, "%s bash %s/scripts/sandbox.sh status", other, root) != 0);
	snprintf(env, sizeof env, "runs on ports mysql %d, pg %d, nats %d", base, base + 1, base + 2);
	ASSERT_CONTAINS(out, env);
	snprintf(env, sizeof env, "FICUS_MYSQL_PORT=%s (running: %d)", t_env("FICUS_MYSQL_PORT"), base);
	ASSERT_CONTAINS(out, env);
	free(out);
	ASSERT(t_run(&out, "%s bash %s/scripts/sandbox.sh up", other, root) != 0);
	ASSERT_CONTAINS(out, "run '");
	free(out);
	ASSERT_EQ(t_run(&out, "grep -c ':%d/baemin' %s/sbx/env", base, dir), 0);   /* unchanged */
	free(out);

	/* without the record (a sandbox from before it), the servers on the
	 * main sandbox's ports are not taken for ours: our pids run, but they
	 * are not the ones serving those ports */
	snprintf(path, sizeof path, "%s/sbx/ports", dir);
	ASSERT_EQ(unlink(path), 0);
	snprintf(other, sizeof other, "FICUS_SKIP_DEPS=1 SANDBOX_DIR=%s/sbx FICUS_MYSQL_PORT=%s "
	         "FICUS_PG_PORT=%s FICUS_NATS_PORT=%s", dir, t_env("FICUS_MYSQL_PORT"),
	         t_env("FICUS_PG_PORT"), t_env("FICUS_NATS_PORT"));
	ASSERT(t_run(&out, "%s bash %s/scripts/sandbox.sh status", other, root) != 0);
	ASSERT_CONTAINS(out, "mariadb:  NOT OURS on 127.0.0.1:");
	ASSERT_CONTAINS(out, "postgres: NOT OURS on 127.0.0.1:");
	ASSERT_CONTAINS(out, "nats:     NOT OURS on 127.0.0.1:");
	ASSERT_NOT_CONTAINS(out, ": running");
	free(out);
	ASSERT(t_run(&out, "%s bash %s/scripts/sandbox.sh up", other, root) != 0);
	ASSERT_CONTAINS(out, "mariadb: our server (pid ");
	ASSERT_NOT_CONTAINS(out, "already running");
	free(out);
	ASSERT_EQ(t_run(&out, "grep -c ':%d/baemin' %s/sbx/env", base, dir), 0);   /* unchanged */
	free(out);

	/* down leaves nothing running, and status says so */
	ASSERT_EQ(t_run(&out, "%s bash %s/scripts/sandbox.sh down --purge", vars, root), 0);
	free(out);
	for (int i = 0; i < 3; i++)
		ASSERT(!alive(pids[i]));
	ASSERT(t_run(&out, "%s bash %s/scripts/sandbox.sh status", vars, root) != 0);
	free(out);
	ASSERT(t_run(&out, "mariadb-admin --no-defaults -h127.0.0.1 -P%d -uroot ping", base) != 0);
	free(out);
}
