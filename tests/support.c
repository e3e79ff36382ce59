/* tests/support.c - helpers for integration tests, see test.h. */
#include "test.h"

#include <errno.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <nats/nats.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *t_env(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		t_fail(__FILE__, __LINE__, "environment variable %s is not set: run the tests "
		       "with `make test` (it starts the sandbox and sources .sandbox/env)", name);
	return v;
}

char *t_write(const char *dir, const char *name, const char *text)
{
	static char paths[8][4096];
	static int next;
	char *p = paths[next++ % 8];
	FILE *f;
	if ((size_t)snprintf(p, sizeof paths[0], "%s/%s", dir, name) >= sizeof paths[0])
		t_fail(__FILE__, __LINE__, "path too long: %s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		t_fail(__FILE__, __LINE__, "cannot write %s: %s", p, strerror(errno));
	fputs(text, f);
	fclose(f);
	return p;
}

int t_run(char **out, const char *fmt, ...)
{
	char cmd[8192], buf[4096];
	size_t len = 0, cap = 0, n;
	char *text = NULL;
	va_list ap;
	FILE *p;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	p = popen(cmd, "r");
	if (!p)
		t_fail(__FILE__, __LINE__, "popen(%s): %s", cmd, strerror(errno));
	while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			text = realloc(text, cap);
			if (!text)
				t_fail(__FILE__, __LINE__, "out of memory");
		}
		memcpy(text + len, buf, n);
		len += n;
	}
	if (text)
		text[len] = '\0';
	status = pclose(p);
	if (out)
		*out = text ? text : strdup("");
	else
		free(text);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

const char *t_mysql_dsn(const char *db)
{
	static char dsn[256];
	snprintf(dsn, sizeof dsn, "mysql://root@127.0.0.1:%s/%s", t_env("FICUS_MYSQL_PORT"),
	         db ? db : "");
	return dsn;
}

void t_nats_drop_stream(const char *stream)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	char bucket[128];
	if (natsConnection_ConnectTo(&nc, t_env("FICUS_NATS_URL")) != NATS_OK)
		return;
	if (natsConnection_JetStream(&js, nc, NULL) == NATS_OK) {
		js_DeleteStream(js, stream, NULL, NULL);
		snprintf(bucket, sizeof bucket, "%s_CDC", stream);
		js_DeleteKeyValue(js, bucket);
		jsCtx_Destroy(js);
	}
	natsConnection_Destroy(nc);
}

const char *t_pg_dsn(const char *db)
{
	static char dsn[256];
	snprintf(dsn, sizeof dsn, "postgresql://postgres@127.0.0.1:%s/%s",
	         t_env("FICUS_PG_PORT"), db ? db : "postgres");
	return dsn;
}

void t_mysql(const char *sql)
{
	MYSQL *my = mysql_init(NULL);
	unsigned port = (unsigned)atoi(t_env("FICUS_MYSQL_PORT"));
	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, NULL, port, NULL,
	                        CLIENT_MULTI_STATEMENTS))
		t_fail(__FILE__, __LINE__, "mysql connect: %s", mysql_error(my));
	mysql_set_character_set(my, "utf8mb4");
	if (mysql_query(my, sql))
		t_fail(__FILE__, __LINE__, "mysql: %s\n    in: %s", mysql_error(my), sql);
	do {
		MYSQL_RES *r = mysql_store_result(my);
		if (r)
			mysql_free_result(r);
	} while (mysql_next_result(my) == 0);
	if (mysql_errno(my))
		t_fail(__FILE__, __LINE__, "mysql: %s\n    in: %s", mysql_error(my), sql);
	mysql_close(my);
}

char *t_mysql_value(const char *sql)
{
	MYSQL *my = mysql_init(NULL);
	MYSQL_RES *r;
	MYSQL_ROW row;
	char *v;
	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, NULL,
	                        (unsigned)atoi(t_env("FICUS_MYSQL_PORT")), NULL, 0))
		t_fail(__FILE__, __LINE__, "mysql connect: %s", mysql_error(my));
	mysql_set_character_set(my, "utf8mb4");
	if (mysql_query(my, sql) || !(r = mysql_store_result(my)))
		t_fail(__FILE__, __LINE__, "mysql: %s\n    in: %s", mysql_error(my), sql);
	row = mysql_fetch_row(r);
	if (!row)
		t_fail(__FILE__, __LINE__, "mysql: no row from: %s", sql);
	v = strdup(row[0] ? row[0] : "");
	mysql_free_result(r);
	mysql_close(my);
	return v;
}

char *t_binlog_pos(char *file, size_t n)
{
	MYSQL *my = mysql_init(NULL);
	MYSQL_RES *r;
	MYSQL_ROW row;
	char *pos;
	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, NULL,
	                        (unsigned)atoi(t_env("FICUS_MYSQL_PORT")), NULL, 0) ||
	    mysql_query(my, "SHOW MASTER STATUS") || !(r = mysql_store_result(my)) ||
	    !(row = mysql_fetch_row(r)))
		t_fail(__FILE__, __LINE__, "SHOW MASTER STATUS: %s", mysql_error(my));
	if (asprintf(&pos, "%s:%s", row[0], row[1]) < 0)
		t_fail(__FILE__, __LINE__, "out of memory");
	if (file)
		snprintf(file, n, "%s", row[0]);
	mysql_free_result(r);
	mysql_close(my);
	return pos;
}

void t_wait_file(const char *path, const char *needle, int seconds)
{
	static char buf[1 << 20];
	size_t got = 0;
	for (int i = 0; i < seconds * 20; i++) {
		FILE *f = fopen(path, "r");
		got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		if (f)
			fclose(f);
		buf[got] = '\0';
		if (strstr(buf, needle))
			return;
		usleep(50000);
	}
	t_fail(__FILE__, __LINE__, "'%s' never appeared in %s within %d s; it holds:\n%.2000s", needle,
	       path, seconds, buf);
}

void t_pg(const char *db, const char *sql)
{
	PGconn *pg = PQconnectdb(t_pg_dsn(db));
	PGresult *r;
	if (PQstatus(pg) != CONNECTION_OK)
		t_fail(__FILE__, __LINE__, "postgres connect: %s", PQerrorMessage(pg));
	r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		t_fail(__FILE__, __LINE__, "postgres: %s    in: %s", PQresultErrorMessage(r), sql);
	PQclear(r);
	PQfinish(pg);
}

/* --- allocation failures, for the out-of-memory paths ---
 *
 * The test binary replaces malloc, calloc, realloc and free (glibc allows
 * that) with thin wrappers around glibc's own, which fail on demand. Under
 * AddressSanitizer the sanitizer owns the allocator: no injection there
 * (t_alloc_fail_after returns false and the test skips). */
#if defined(__SANITIZE_ADDRESS__)
#define T_NO_ALLOC_INJECTION 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_NO_ALLOC_INJECTION 1
#endif
#endif

#ifndef T_NO_ALLOC_INJECTION
#include <malloc.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static long alloc_countdown = -1;   /* allocations left before failing; -1: never */

static bool alloc_fails(void)
{
	if (alloc_countdown < 0)
		return false;
	if (alloc_countdown == 0) {
		errno = ENOMEM;
		return true;
	}
	alloc_countdown--;
	return false;
}

/* bytes handed out through these wrappers and not yet freed */
static size_t heap_live;

static void *counted(void *p)
{
	if (p)
		heap_live += malloc_usable_size(p);
	return p;
}

static void uncount(void *p)
{
	if (p)
		heap_live -= malloc_usable_size(p);
}

void *malloc(size_t n)
{
	return alloc_fails() ? NULL : counted(__libc_malloc(n));
}

void *calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : counted(__libc_calloc(n, size));
}

void *realloc(void *p, size_t n)
{
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q;
	if (alloc_fails())
		return NULL;
	q = __libc_realloc(p, n);
	if (q || n == 0) {
		heap_live -= old;
		counted(q);
	}
	return q;
}

void free(void *p)
{
	uncount(p);
	__libc_free(p);
}

bool t_alloc_fail_after(long n)
{
	alloc_countdown = n;
	return true;
}

void t_alloc_reset(void)
{
	alloc_countdown = -1;
}

size_t t_heap_in_use(void)
{
	return heap_live;
}
#else
bool t_alloc_fail_after(long n)
{
	(void)n;
	printf("skipped: no allocation failures under AddressSanitizer\n");
	return false;
}

void t_alloc_reset(void)
{
}

size_t t_heap_in_use(void)
{
	return 0;
}
#endif
