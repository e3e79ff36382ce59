/* tests/integration/cdc_crash_test.c - exactly once through crashes:
 * `ficus cdc stream` into the PostgreSQL outbox is killed with SIGKILL at
 * random moments, at least 20 times, while a 50,000-change workload
 * (inserts, updates, deletes, some transactions of thousands of rows) runs;
 * restarted each time, it must leave every expected event in the outbox
 * exactly once, in commit order per key. The expected events come from the
 * workload's own plan, not from ficus. */
#include "../test.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <nats/nats.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHANGES 50000
#define MAX_ID 20000

struct op {
	char kind;      /* i u d */
	int id;
	int v;
	int grade;      /* 0 1 2, changed on some updates */
};

struct tx {
	int first, n;   /* ops[first .. first + n) */
};

static struct op ops[CHANGES + 16];
static struct tx txs[CHANGES];
static int nops, ntxs;

static uint64_t rng = 0x5eed;
static uint64_t next_rand(void)
{
	rng += 0x9E3779B97F4A7C15ULL;
	uint64_t z = rng;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* The plan: which rows exist is tracked so that updates and deletes hit
 * existing rows and inserts new ones. */
static void plan(void)
{
	static int exists[MAX_ID + 1], grade[MAX_ID + 1], v[MAX_ID + 1];
	int live = 0;
	while (nops < CHANGES) {
		int size = next_rand() % 50 == 0 ? 500 + (int)(next_rand() % 2500) : 1 + (int)(next_rand() % 8);
		struct tx *t = &txs[ntxs++];
		t->first = nops;
		for (int k = 0; k < size && nops < CHANGES; k++) {
			int id = 1 + (int)(next_rand() % MAX_ID);
			struct op *o = &ops[nops];
			/* a row changes at most once per transaction, to keep the model simple */
			bool seen = false;
			for (int q = t->first; q < nops; q++)
				seen = seen || ops[q].id == id;
			if (seen)
				continue;
			o->id = id;
			if (!exists[id]) {
				o->kind = 'i';
				o->v = v[id] = (int)(next_rand() % 1000);
				o->grade = grade[id] = (int)(next_rand() % 3);
				exists[id] = 1;
				live++;
			} else if (next_rand() % 4 == 0) {
				o->kind = 'd';
				exists[id] = 0;
				live--;
			} else {
				o->kind = 'u';
				o->v = v[id] = v[id] + 1;
				o->grade = next_rand() % 3 == 0 ? (grade[id] = (grade[id] + 1) % 3) : grade[id];
			}
			nops++;
		}
		t->n = nops - t->first;
	}
	(void)live;
}

static void workload(void)
{
	MYSQL *my = mysql_init(NULL);
	static char sql[1 << 20];
	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, "t_crash",
	                        (unsigned)atoi(t_env("FICUS_MYSQL_PORT")), NULL, CLIENT_MULTI_STATEMENTS))
		_exit(3);
	for (int t = 0; t < ntxs; t++) {
		if (mysql_query(my, "BEGIN"))
			_exit(4);
		for (int k = txs[t].first; k < txs[t].first + txs[t].n; k++) {
			const struct op *o = &ops[k];
			if (o->kind == 'i')
				snprintf(sql, sizeof sql, "INSERT INTO item VALUES (%d, %d, 'g%d')", o->id, o->v, o->grade);
			else if (o->kind == 'u')
				snprintf(sql, sizeof sql, "UPDATE item SET v = %d, grade = 'g%d' WHERE id = %d", o->v,
				         o->grade, o->id);
			else
				snprintf(sql, sizeof sql, "DELETE FROM item WHERE id = %d", o->id);
			if (mysql_query(my, sql)) {
				fprintf(stderr, "workload: %s: %s\n", sql, mysql_error(my));
				_exit(5);
			}
		}
		if (mysql_query(my, "COMMIT"))
			_exit(6);
	}
	mysql_close(my);
	_exit(0);
}

/* The expected events per (entity, id), in order, as "i u u d". */
static void expected(char **item, char **grade)
{
	static int last_grade[MAX_ID + 1];
	for (int k = 0; k < nops; k++) {
		const struct op *o = &ops[k];
		char *s = item[o->id];
		size_t n = strlen(s);
		s[n] = o->kind;
		s[n + 1] = '\0';
		if (o->kind != 'u' || o->grade != last_grade[o->id]) {
			s = grade[o->id];
			n = strlen(s);
			s[n] = o->kind;
			s[n + 1] = '\0';
		}
		if (o->kind != 'd')
			last_grade[o->id] = o->grade;
	}
}

static pid_t start_ficus(const char *cfg, const char *dir)
{
	pid_t pid = fork();
	if (pid == 0) {
		char log[600];
		snprintf(log, sizeof log, "%s/ficus.log", dir);
		freopen("/dev/null", "w", stdout);
		freopen(log, "a", stderr);
		execl(t_env("FICUS_BIN"), "ficus", "cdc", "stream", "--config", cfg, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* One event as (entity, id, op), in the order the bus holds them. */
struct got {
	bool grade;
	int id;
	char op;
};

/* The NATS stream's events, in stream order. */
static size_t read_nats(const char *stream, const char *prefix, struct got *out, size_t cap)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	natsSubscription *sub = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	char filter[64];
	size_t n = 0;

	if (natsConnection_ConnectTo(&nc, t_env("FICUS_NATS_URL")) != NATS_OK ||
	    natsConnection_JetStream(&js, nc, NULL) != NATS_OK)
		t_fail(__FILE__, __LINE__, "nats: %s", nats_GetLastError(NULL));
	jsSubOptions_Init(&so);
	so.Stream = stream;
	so.Config.AckPolicy = js_AckNone;
	so.Config.DeliverPolicy = js_DeliverAll;
	snprintf(filter, sizeof filter, "%s.>", prefix);
	if (js_PullSubscribe(&sub, js, filter, NULL, NULL, &so, &jerr) != NATS_OK)
		t_fail(__FILE__, __LINE__, "pull subscribe: %s", nats_GetLastError(NULL));
	for (;;) {
		natsMsgList list = { NULL, 0 };
		natsStatus st = natsSubscription_Fetch(&list, sub, 1000, 1000, &jerr);
		if (st == NATS_TIMEOUT)
			break;
		if (st != NATS_OK)
			t_fail(__FILE__, __LINE__, "fetch: %s", nats_GetLastError(NULL));
		for (int i = 0; i < list.Count; i++) {
			const char *d = natsMsg_GetData(list.Msgs[i]), *e = strstr(d, "\"entity\":\""),
			           *k = strstr(d, "\"key\":{\"id\":"), *o = strstr(d, "\"op\":\"");
			if (!e || !k || !o || n >= cap)
				t_fail(__FILE__, __LINE__, "unexpected message %s", d);
			out[n].grade = strncmp(e + 10, "item_grade", 10) == 0;
			out[n].id = atoi(k + 12);
			out[n].op = o[6];
			n++;
		}
		natsMsgList_Destroy(&list);
	}
	natsSubscription_Unsubscribe(sub);
	natsSubscription_Destroy(sub);
	js_DeleteStream(js, stream, NULL, NULL);
	{
		char bucket[128];
		snprintf(bucket, sizeof bucket, "%s_CDC", stream);
		js_DeleteKeyValue(js, bucket);
	}
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return n;
}

/* The outbox's events, in seq order. */
static size_t read_outbox(struct got *out, size_t cap)
{
	PGconn *pg = PQconnectdb(t_pg_dsn("t_crash"));
	PGresult *r;
	size_t n;
	ASSERT_EQ(PQstatus(pg), CONNECTION_OK);
	r = PQexec(pg, "SELECT count(*) = count(DISTINCT id) FROM ficus.outbox");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	r = PQexec(pg, "SELECT entity, (key->>'id')::int, op FROM ficus.outbox ORDER BY seq");
	ASSERT_EQ(PQresultStatus(r), PGRES_TUPLES_OK);
	n = (size_t)PQntuples(r);
	ASSERT(n <= cap);
	for (size_t k = 0; k < n; k++) {
		out[k].grade = strcmp(PQgetvalue(r, (int)k, 0), "item") != 0;
		out[k].id = atoi(PQgetvalue(r, (int)k, 1));
		out[k].op = PQgetvalue(r, (int)k, 2)[0];
	}
	PQclear(r);
	PQfinish(pg);
	return n;
}

static void run_crash(bool nats)
{
	const char *dir = t_tmpdir();
	char stream[64], prefix[64];
	char text[2048], sub[600], cfg[700], *out, start[300];
	char **item = calloc(MAX_ID + 1, sizeof *item), **grade = calloc(MAX_ID + 1, sizeof *grade);
	pid_t wl;
	int kills = 0, status;
	size_t rows;

	plan();
	printf("plan: %d changes in %d transactions\n", nops, ntxs);
	for (int i = 0; i <= MAX_ID; i++) {
		item[i] = calloc(1, 64 + (size_t)nops / 100);
		grade[i] = calloc(1, 64 + (size_t)nops / 100);
	}
	expected(item, grade);

	/* legacy and target databases, mappings, config */
	t_pg(NULL, "DROP DATABASE IF EXISTS t_crash");
	t_pg(NULL, "CREATE DATABASE t_crash");
	t_mysql("DROP DATABASE IF EXISTS t_crash; CREATE DATABASE t_crash");
	{
		MYSQL *my = mysql_init(NULL);
		MYSQL_RES *res;
		MYSQL_ROW row;
		mysql_real_connect(my, "127.0.0.1", "root", NULL, NULL, (unsigned)atoi(t_env("FICUS_MYSQL_PORT")),
		                   NULL, 0);
		mysql_query(my, "SHOW MASTER STATUS");
		res = mysql_store_result(my);
		row = mysql_fetch_row(res);
		snprintf(start, sizeof start, "%s:%s", row[0], row[1]);
		mysql_free_result(res);
		mysql_close(my);
	}
	t_mysql("CREATE TABLE t_crash.item (id INT PRIMARY KEY, v INT, grade VARCHAR(4))");
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "m.yaml",
	        "source: legacy\ntarget: newdb\nentities:\n"
	        "  item:\n    from: { table: item, key: id }\n    to: { table: items, key: id }\n"
	        "    columns: { id: id, v: v }\n"
	        "  item_grade:\n    from: { table: item, key: id, watch: grade }\n"
	        "    to: { table: grades, key: id }\n    columns: { id: id, grade: grade }\n");
	snprintf(text, sizeof text,
	         "connections:\n  legacy: { kind: mysql, dsn: \"%s\" }\n", t_mysql_dsn("t_crash"));
	snprintf(stream, sizeof stream, "T_CRASH_%d", (int)getpid());
	snprintf(prefix, sizeof prefix, "tcrash%d", (int)getpid());
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n  bus: { kind: nats, url: \"%s\" }\n"
	         "mappings: mappings\n", t_pg_dsn("t_crash"), t_env("FICUS_NATS_URL"));
	if (nats)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		         "cdc: { source: legacy, server_id: 6161, sink: { kind: nats, connection: bus,"
		         " stream: %s, subjects: %s } }\n", stream, prefix);
	else
		snprintf(text + strlen(text), sizeof text - strlen(text),
		         "cdc: { source: legacy, server_id: 6161, sink: { kind: outbox, connection: newdb } }\n");
	snprintf(cfg, sizeof cfg, "%s", t_write(dir, "ficus.yaml", text));
	/* the checkpoint starts before the workload */
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --start %s --until-end", t_env("FICUS_BIN"), cfg,
	                start), 0);
	free(out);

	wl = fork();
	if (wl == 0)
		workload();
	srand(42);
	/* kill and restart while the workload runs, and at least 20 times */
	while (wl > 0 || kills < 20) {
		pid_t f = start_ficus(cfg, dir);
		usleep(50000 + (useconds_t)(rand() % 400000));
		kill(f, SIGKILL);
		waitpid(f, NULL, 0);
		kills++;
		if (wl > 0 && waitpid(wl, &status, WNOHANG) == wl) {
			ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
			wl = -1;
		}
	}
	printf("killed ficus %d times\n", kills);
	/* the killed runs did the work, not only the last one */
	if (!nats) {
		PGconn *c = PQconnectdb(t_pg_dsn("t_crash"));
		PGresult *q = PQexec(c, "SELECT count(*) FROM ficus.outbox");
		printf("events in the outbox before the last run: %s\n", PQgetvalue(q, 0, 0));
		ASSERT(atol(PQgetvalue(q, 0, 0)) > 0);
		PQclear(q);
		PQfinish(c);
	}
	/* catch up */
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end", t_env("FICUS_BIN"), cfg), 0);
	free(out);

	{
		struct got *ev = calloc((size_t)nops * 2 + 16, sizeof *ev);
		char **got_item = calloc(MAX_ID + 1, sizeof *got_item);
		char **got_grade = calloc(MAX_ID + 1, sizeof *got_grade);
		size_t want = 0;
		rows = nats ? read_nats(stream, prefix, ev, (size_t)nops * 2 + 16)
		            : read_outbox(ev, (size_t)nops * 2 + 16);
		for (int i = 0; i <= MAX_ID; i++) {
			got_item[i] = calloc(1, 64 + (size_t)nops / 100);
			got_grade[i] = calloc(1, 64 + (size_t)nops / 100);
			want += strlen(item[i]) + strlen(grade[i]);
		}
		for (size_t k = 0; k < rows; k++) {
			char **set = ev[k].grade ? got_grade : got_item;
			size_t n;
			ASSERT(ev[k].id >= 1 && ev[k].id <= MAX_ID);
			n = strlen(set[ev[k].id]);
			set[ev[k].id][n] = ev[k].op;
		}
		printf("%s: %zu events, expected %zu\n", nats ? "NATS stream" : "outbox", rows, want);
		for (int i = 1; i <= MAX_ID; i++) {
			if (strcmp(got_item[i], item[i]))
				t_fail(__FILE__, __LINE__, "item %d: expected ops '%s', the bus has '%s'", i, item[i],
				       got_item[i]);
			if (strcmp(got_grade[i], grade[i]))
				t_fail(__FILE__, __LINE__, "item_grade %d: expected ops '%s', the bus has '%s'", i,
				       grade[i], got_grade[i]);
		}
		ASSERT_EQ(rows, want);
		for (int i = 0; i <= MAX_ID; i++) {
			free(got_item[i]);
			free(got_grade[i]);
		}
		free(got_item);
		free(got_grade);
		free(ev);
	}
	ASSERT(kills >= 20);
	for (int i = 0; i <= MAX_ID; i++) {
		free(item[i]);
		free(grade[i]);
	}
	free(item);
	free(grade);
}

TEST_TIMEOUT(sigkill_twenty_times_every_event_once_in_order, 300)
{
	run_crash(false);
}

/* The same against NATS JetStream: every event id once in the stream (the
 * server drops re-sent ids within its duplicate window), in order. */
TEST_TIMEOUT(sigkill_twenty_times_nats_holds_every_id_once, 300)
{
	run_crash(true);
}
