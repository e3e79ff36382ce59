/* tests/test.h - ficus's small test runner.
 *
 * A test is a function registered with TEST(name) (or TEST_TIMEOUT(name, s));
 * tests/runner.c runs each in its own process group with a timeout,
 * captures its output, and ends with "N passed, N failed". Tests whose
 * file lives under tests/integration/ need the sandbox's servers; the
 * others are unit tests (`ficus-test --unit`).
 *
 * Assertions print both values and where they failed, then end the test. */
#ifndef FC_TEST_H
#define FC_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct t_case {
	const char *file;
	const char *name;
	void (*fn)(void);
	int timeout_s;
	struct t_case *next;
};

void t_register(struct t_case *c);

#define TEST_TIMEOUT(fname, secs)                                              \
	static void fname(void);                                               \
	static struct t_case fname##_case = { __FILE__, #fname, fname, secs, NULL }; \
	__attribute__((constructor)) static void fname##_register(void)        \
	{                                                                      \
		t_register(&fname##_case);                                     \
	}                                                                      \
	static void fname(void)

#define TEST(fname) TEST_TIMEOUT(fname, 30)

/* Ends the test as failed; never returns. */
void t_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#define ASSERT(cond)                                                           \
	do {                                                                   \
		if (!(cond))                                                   \
			t_fail(__FILE__, __LINE__, "assertion failed: %s", #cond); \
	} while (0)

#define ASSERT_EQ(a, b)                                                        \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_)                                                  \
			t_fail(__FILE__, __LINE__, "%s == %s\n    left:  %lld\n    right: %lld", \
			       #a, #b, a_, b_);                                \
	} while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                         \
			t_fail(__FILE__, __LINE__, "%s == %s\n    left:  \"%s\"\n    right: \"%s\"", \
			       #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)

#define ASSERT_CONTAINS(hay, needle)                                           \
	do {                                                                   \
		const char *h_ = (hay), *n_ = (needle);                        \
		if (!h_ || !strstr(h_, n_))                                    \
			t_fail(__FILE__, __LINE__, "%s contains %s\n    text:   \"%s\"\n    wanted: \"%s\"", \
			       #hay, #needle, h_ ? h_ : "(null)", n_);         \
	} while (0)

#define ASSERT_NOT_CONTAINS(hay, needle)                                       \
	do {                                                                   \
		const char *h_ = (hay), *n_ = (needle);                        \
		if (h_ && strstr(h_, n_))                                      \
			t_fail(__FILE__, __LINE__, "%s must not contain %s\n    text:   \"%s\"", \
			       #hay, #needle, h_);                             \
	} while (0)

/* Records a shell command (printf-style, one line) that the runner runs
 * after this test has ended, whatever the outcome: passed, failed, crashed
 * or timed out. Commands run last-recorded first, like a stack. For what
 * the test's process group cannot take down with it (servers started with
 * setsid, files outside the test's folder). */
void t_defer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- helpers for integration tests (tests/support.c) --- */

/* An environment variable the sandbox sets; fails the test when missing. */
const char *t_env(const char *name);
/* A fresh empty folder for this test (removed by the runner afterwards). */
const char *t_tmpdir(void);
/* Writes text to dir/name; returns the path (static storage per call). */
char *t_write(const char *dir, const char *name, const char *text);
/* Runs a shell command line (printf-style), captures stdout and stderr
 * together into *out (malloc'd, may be NULL), returns the exit status
 * (or 128+signal). The ficus binary is $FICUS_BIN. */
int t_run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs SQL on the sandbox's MariaDB (no default database) / PostgreSQL
 * (database "postgres" unless db is given); fails the test on error. */
void t_mysql(const char *sql);
void t_pg(const char *db, const char *sql);
/* The first column of the first row of a query on the sandbox's MariaDB
 * (malloc'd; "" for NULL); fails the test without a row. */
char *t_mysql_value(const char *sql);
/* The sandbox MariaDB's binlog position as "FILE:POS" (malloc'd); file,
 * when not NULL, gets the file name alone. */
char *t_binlog_pos(char *file, size_t n);
/* Waits up to seconds for needle to appear in the file at path. */
void t_wait_file(const char *path, const char *needle, int seconds);
/* A DSN for database db on the sandbox's servers (static storage). */
const char *t_mysql_dsn(const char *db);
const char *t_pg_dsn(const char *db);
/* Deletes a JetStream stream and its checkpoint bucket <stream>_CDC from
 * the sandbox's NATS (for t_defer-less cleanup at a test's end). */
void t_nats_drop_stream(const char *stream);


/* --- out-of-memory paths (tests/support.c) --- */

/* Lets the next n allocations (malloc, calloc, realloc) succeed and fails
 * every one after them, until t_alloc_reset() (n = -1: none fails, to ask
 * whether the build can). Returns false (and prints
 * "skipped") in builds that cannot inject failures (AddressSanitizer):
 * the test then returns without checking. */
bool t_alloc_fail_after(long n);
void t_alloc_reset(void);
/* Bytes allocated on the heap now (0 where unknown), for leak checks
 * without LeakSanitizer: the same work done twice must not grow it. */
size_t t_heap_in_use(void);

#endif
