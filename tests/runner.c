/* tests/runner.c - runs the registered tests, each in its own process group
 * with a timeout; prints failures with their output and ends with
 * "N passed, N failed". Exit status 1 when anything failed.
 *
 *   ficus-test [--unit] [--list] [-v] [SUBSTRING...]
 *
 * --unit runs only tests outside tests/integration/; SUBSTRINGs select tests
 * whose "file:name" contains any of them; -v prints every test's output. */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Under ASan, LeakSanitizer checks at exit(); tests end with _exit(), so
 * the runner asks for the check itself when the sanitizer is linked in. */
extern void __lsan_do_leak_check(void) __attribute__((weak));

static struct t_case *head, **tail = &head;
static size_t ncases;
static char tmpdir[256];
static pid_t test_pid;      /* in a test's process: its pid (names its files) */

static double now_s(void);

#define CLEANUP_TIMEOUT_S 300

void t_register(struct t_case *c)
{
	*tail = c;
	tail = &c->next;
	ncases++;
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	_exit(1);
}

const char *t_tmpdir(void)
{
	/* named after the test's process, so the runner can remove it even
	 * when the test failed or timed out */
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof tmpdir, "/tmp/ficus-test-%d", (int)getpid());
		if (mkdir(tmpdir, 0700) != 0 && errno != EEXIST)
			t_fail(__FILE__, __LINE__, "mkdir %s: %s", tmpdir, strerror(errno));
	}
	return tmpdir;
}

/* The test's cleanup commands go to /tmp/ficus-test-<pid>.cleanup, one a
 * line; the runner (the parent) runs and removes it when the test ends. */
static void cleanup_path(pid_t pid, char *out, size_t n)
{
	snprintf(out, n, "/tmp/ficus-test-%d.cleanup", (int)pid);
}

void t_defer(const char *fmt, ...)
{
	char cmd[4096], path[64];
	va_list ap;
	FILE *f;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof cmd || strchr(cmd, '\n'))
		t_fail(__FILE__, __LINE__, "t_defer: one line of at most %zu bytes, not: %s",
		       sizeof cmd - 1, cmd);
	cleanup_path(test_pid ? test_pid : getpid(), path, sizeof path);
	f = fopen(path, "a");
	if (!f || fprintf(f, "%s\n", cmd) < 0 || fclose(f) != 0)
		t_fail(__FILE__, __LINE__, "t_defer: cannot write %s: %s", path, strerror(errno));
}

/* Runs one cleanup command with its output into the test's log; returns
 * its exit status (or 128 + signal, or -1). */
static int run_cleanup_command(const char *cmd, int log_fd)
{
	int status = 0;
	double t0 = now_s();
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		dup2(log_fd, 1);
		dup2(log_fd, 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if ((w < 0 && errno != EINTR) || now_s() - t0 > CLEANUP_TIMEOUT_S) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(10000);
	}
	kill(-pid, SIGKILL);   /* whatever it left behind in its group */
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Runs the commands a test deferred, last first, then removes the file.
 * Returns how many failed (each is reported). */
static int run_cleanup(pid_t pid, const char *name, int log_fd)
{
	char path[64], **cmds = NULL, line[4200];
	size_t n = 0;
	int failed = 0;
	FILE *f;

	cleanup_path(pid, path, sizeof path);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		char **c = realloc(cmds, (n + 1) * sizeof *cmds);
		line[strcspn(line, "\n")] = '\0';
		if (!c || !(c[n] = strdup(line))) {
			cmds = c ? c : cmds;
			printf("warning: %s: out of memory reading %s\n", name, path);
			failed++;
			break;
		}
		cmds = c;
		n++;
	}
	fclose(f);
	for (size_t i = n; i > 0; i--) {
		int rc;
		dprintf(log_fd, "---- cleanup: %s\n", cmds[i - 1]);
		rc = run_cleanup_command(cmds[i - 1], log_fd);
		if (rc != 0) {
			printf("warning: %s: cleanup `%s` %s %d\n", name, cmds[i - 1],
			       rc < 0 ? "timed out or failed," : "exited", rc);
			failed++;
		}
		free(cmds[i - 1]);
	}
	free(cmds);
	unlink(path);
	return failed;
}

/* "tests/lib/yaml_test.c" + "dup_key" -> "lib/yaml:dup_key" */
static void display_name(const struct t_case *c, char *out, size_t n)
{
	const char *f = c->file;
	size_t len;
	if (strncmp(f, "tests/", 6) == 0)
		f += 6;
	len = strlen(f);
	if (len > 7 && strcmp(f + len - 7, "_test.c") == 0)
		len -= 7;
	else if (len > 2 && strcmp(f + len - 2, ".c") == 0)
		len -= 2;
	snprintf(out, n, "%.*s:%s", (int)len, f, c->name);
}

static bool is_integration(const struct t_case *c)
{
	return strstr(c->file, "integration/") != NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_file(const char *path)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
}

/* Runs one test; returns 1 when it passed. */
static int run_one(struct t_case *c, const char *name, bool verbose)
{
	char log[] = "/tmp/ficus-test-log-XXXXXX";
	int fd = mkstemp(log), status = 0, passed;
	double t0 = now_s(), limit = c->timeout_s;
	bool timed_out = false;
	pid_t pid;

	if (fd < 0) {
		printf("FAIL %s: cannot create a log file: %s\n", name, strerror(errno));
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s: fork: %s\n", name, strerror(errno));
		return 0;
	}
	if (pid == 0) {
		setpgid(0, 0);
		test_pid = getpid();
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		tmpdir[0] = '\0';
		c->fn();
		fflush(stdout);
		fflush(stderr);
		if (__lsan_do_leak_check)
			__lsan_do_leak_check();
		_exit(0);
	}
	setpgid(pid, pid);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (now_s() - t0 > limit) {
			timed_out = true;
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(2000);
	}
	/* whatever the test started (servers, ficus processes) ends with it */
	kill(-pid, SIGKILL);
	/* and what it asked to be undone (t_defer), before its folder goes */
	run_cleanup(pid, name, fd);
	close(fd);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf /tmp/ficus-test-%d", (int)pid);
		if (system(cmd) != 0)
			printf("warning: could not remove /tmp/ficus-test-%d\n", (int)pid);
	}
	passed = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (passed) {
		printf("ok   %s (%.2fs)\n", name, now_s() - t0);
		if (verbose)
			print_file(log);
	} else {
		if (timed_out)
			printf("FAIL %s: timed out after %d s\n", name, c->timeout_s);
		else if (WIFSIGNALED(status))
			printf("FAIL %s: killed by signal %d (%s)\n", name, WTERMSIG(status),
			       strsignal(WTERMSIG(status)));
		else
			printf("FAIL %s (%.2fs)\n", name, now_s() - t0);
		printf("---- output of %s\n", name);
		print_file(log);
		printf("---- end of %s\n", name);
	}
	unlink(log);
	return passed;
}

int main(int argc, char **argv)
{
	bool unit_only = false, list = false, verbose = false;
	const char *filters[64];
	int nfilters = 0, passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--unit") == 0)
			unit_only = true;
		else if (strcmp(argv[i], "--list") == 0)
			list = true;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "ficus-test: unknown option '%s' (use --unit, --list, -v, "
			        "SUBSTRING...)\n", argv[i]);
			return 2;
		} else if (nfilters < 64)
			filters[nfilters++] = argv[i];
	}
	signal(SIGPIPE, SIG_IGN);
	for (struct t_case *c = head; c; c = c->next) {
		char name[256];
		bool pick = nfilters == 0;
		display_name(c, name, sizeof name);
		for (int i = 0; i < nfilters; i++)
			if (strstr(name, filters[i]))
				pick = true;
		if (!pick || (unit_only && is_integration(c)))
			continue;
		if (list) {
			printf("%s\n", name);
			continue;
		}
		if (run_one(c, name, verbose))
			passed++;
		else
			failed++;
	}
	if (list)
		return 0;
	if (passed + failed == 0) {
		printf("no test matched\n");
		return 1;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* --- the runner's own tests --- */

/* Helpers run by the tests below through a second runner; on their own
 * (no FICUS_T_DEFER_MARK) they do nothing. */
TEST(defer_helper_fails)
{
	const char *mark = getenv("FICUS_T_DEFER_MARK");
	if (!mark)
		return;
	t_defer("echo first >> '%s'", mark);
	t_defer("echo second >> '%s'", mark);
	t_fail(__FILE__, __LINE__, "failing on purpose: the deferred commands run anyway");
}

TEST_TIMEOUT(defer_helper_hangs, 1)
{
	const char *mark = getenv("FICUS_T_DEFER_MARK");
	if (!mark)
		return;
	t_defer("echo after-timeout >> '%s'", mark);
	sleep(30);
}

TEST(defer_helper_crashes)
{
	const char *mark = getenv("FICUS_T_DEFER_MARK");
	if (!mark)
		return;
	t_defer("echo after-crash >> '%s'", mark);
	raise(SIGSEGV);
}

/* t_defer's commands run after the test, whatever became of it, last
 * first; and the file that held them is gone. */
TEST(deferred_commands_run_whatever_the_outcome)
{
	char self[4096], mark[512], cmd[5000], *out, *text;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	static const struct {
		const char *test, *want;
	} cases[] = {
		{ "runner:defer_helper_fails", "second\nfirst\n" },
		{ "runner:defer_helper_hangs", "after-timeout\n" },
		{ "runner:defer_helper_crashes", "after-crash\n" },
	};

	ASSERT(n > 0);
	self[n] = '\0';
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(mark, sizeof mark, "%s/mark%zu", t_tmpdir(), i);
		snprintf(cmd, sizeof cmd, "FICUS_T_DEFER_MARK='%s' '%s' %s", mark, self,
		         cases[i].test);
		ASSERT_EQ(t_run(&out, "%s", cmd), 1);
		ASSERT_CONTAINS(out, "FAIL ");
		ASSERT_CONTAINS(out, "---- cleanup: echo ");
		free(out);
		ASSERT_EQ(t_run(&text, "cat '%s'", mark), 0);
		ASSERT_STR_EQ(text, cases[i].want);
		free(text);
	}
}
