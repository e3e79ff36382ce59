/* tests/integration/cdc_nats_test.c - the NATS JetStream sink against the
 * sandbox's nats-server, driven directly (no binlog): every event in the
 * stream exactly once and in order, duplicates dropped by Nats-Msg-Id when
 * the same events come again (a crash before the checkpoint), the
 * checkpoint read back, a nats-server restart in the middle of publishing,
 * and the errors (no server, no JetStream, bad events, rollback).
 *
 * Each test works on its own stream T_NATS_<pid>_<tag> with subjects
 * t_nats_<pid>_<tag>.> (two streams cannot share subjects, so the tests
 * never touch a FICUS stream the demo may have made) and deletes it, and
 * its checkpoint bucket, at the end; a deferred command deletes them too
 * if the test dies first. */
#include "../test.h"

#include "../../cdc/nats.h"

#include <nats/nats.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EVENTS 10000
#define TX 10

struct names {
	char stream[64], prefix[64], bucket[80], filter[80];
	const char *url;
};

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* A command that deletes a stream by the NATS text protocol (the server
 * ships no client): for t_defer. */
static void defer_delete(const char *stream)
{
	t_defer("bash -c 'exec 3<>/dev/tcp/127.0.0.1/%s && printf \"CONNECT {}\\r\\n"
	        "PUB \\$JS.API.STREAM.DELETE.%s 0\\r\\n\\r\\nPING\\r\\n\" >&3 && "
	        "timeout 5 grep -m1 -q PONG <&3'", t_env("FICUS_NATS_PORT"), stream);
}

static void setup(struct names *nm, const char *tag)
{
	char kv[100];
	snprintf(nm->stream, sizeof nm->stream, "T_NATS_%d_%s", (int)getpid(), tag);
	snprintf(nm->prefix, sizeof nm->prefix, "t_nats_%d_%s", (int)getpid(), tag);
	snprintf(nm->bucket, sizeof nm->bucket, "%s_CDC", nm->stream);
	snprintf(nm->filter, sizeof nm->filter, "%s.>", nm->prefix);
	nm->url = t_env("FICUS_NATS_URL");
	snprintf(kv, sizeof kv, "KV_%s", nm->bucket);
	defer_delete(kv);
	defer_delete(nm->stream);
}

/* A client of our own, to look at the stream the way a consumer would. */
struct client {
	natsConnection *nc;
	jsCtx *js;
};

static void client_open(struct client *c, const char *url)
{
	natsStatus s = natsConnection_ConnectTo(&c->nc, url);
	if (s == NATS_OK)
		s = natsConnection_JetStream(&c->js, c->nc, NULL);
	if (s != NATS_OK)
		t_fail(__FILE__, __LINE__, "test client: %s: %s", url, nats_GetLastError(NULL));
}

static void client_close(struct client *c)
{
	jsCtx_Destroy(c->js);
	natsConnection_Destroy(c->nc);
}

/* Deletes the test's stream and bucket. */
static void teardown(const struct names *nm)
{
	struct client c;
	client_open(&c, nm->url);
	js_DeleteStream(c.js, nm->stream, NULL, NULL);
	js_DeleteKeyValue(c.js, nm->bucket);
	client_close(&c);
}

static void event_id(int i, char *out, size_t n)
{
	snprintf(out, n, "binlog.000001:%d:%d:%s", 1000 + (i / 4) * 100, i % 4, i % 3 ? "shop" : "shop_ad");
}

static void event_json(int i, char *out, size_t n)
{
	char id[64];
	event_id(i, id, sizeof id);
	snprintf(out, n, "{\"id\":\"%s\",\"topic\":\"%s\",\"entity\":\"%s\",\"key\":{\"shop_id\":%d},"
	         "\"op\":\"update\",\"ts\":\"2026-11-25T01:40:00Z\",\"source\":{\"file\":"
	         "\"binlog.000001\",\"pos\":%d,\"row\":%d,\"gtid\":\"0-1-%d\"}}",
	         id, i % 3 ? "shop.changed" : "ad.changed", i % 3 ? "shop" : "shop_ad", i,
	         1000 + (i / 4) * 100, i % 4, 1 + i / TX);
}

/* The position after transaction t. */
static struct cdc_pos tx_pos(int t)
{
	struct cdc_pos p;
	memset(&p, 0, sizeof p);
	snprintf(p.file, sizeof p.file, "binlog.000001");
	p.pos = 5000000 + (uint64_t)t;
	snprintf(p.gtid, sizeof p.gtid, "0-1-%d", 100 + t);
	return p;
}

static atomic_int published;

/* Events [0, EVENTS) in TX transactions, each committed. */
static void publish_all(struct cdc_nats *n, const struct cdc_sink *sink)
{
	char json[512];
	struct fc_err err;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int t = 0; t < TX; t++) {
		struct cdc_pos next = tx_pos(t);
		for (int i = t * (EVENTS / TX); i < (t + 1) * (EVENTS / TX); i++) {
			event_json(i, json, sizeof json);
			if (sink->event(sink->ctx, json, strlen(json), &err))
				t_fail(__FILE__, __LINE__, "event %d: %s", i, err.msg);
			atomic_fetch_add(&published, 1);
		}
		if (sink->commit(sink->ctx, &next, 1764000000u + (uint32_t)t, &err))
			t_fail(__FILE__, __LINE__, "commit %d: %s", t, err.msg);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.2f s; published %llu, acknowledged %llu, duplicates %llu, resent %llu, reconnects %llu, "
	       "last sequence %llu\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)n->published, (unsigned long long)n->acked,
	       (unsigned long long)n->duplicates, (unsigned long long)n->resent,
	       (unsigned long long)n->reconnects, (unsigned long long)n->last_seq);
}

/* Every message of the stream, read with a pull consumer, in order: the
 * Nats-Msg-Id of each must be its JSON's id and the subject
 * PREFIX.<topic>. Returns how many; ids[i] gets each id (malloc'd). */
static size_t read_stream(const struct names *nm, char **ids, size_t cap)
{
	struct client c;
	natsSubscription *sub = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	natsStatus s;
	size_t count = 0;

	client_open(&c, nm->url);
	jsSubOptions_Init(&so);
	so.Stream = nm->stream;
	so.Config.AckPolicy = js_AckNone;
	so.Config.DeliverPolicy = js_DeliverAll;
	s = js_PullSubscribe(&sub, c.js, nm->filter, NULL, NULL, &so, &jerr);
	if (s != NATS_OK)
		t_fail(__FILE__, __LINE__, "pull subscribe: %s (%d)", nats_GetLastError(NULL), (int)jerr);
	for (;;) {
		natsMsgList list = { NULL, 0 };
		s = natsSubscription_Fetch(&list, sub, 1000, 1000, &jerr);
		if (s == NATS_TIMEOUT)
			break;
		if (s != NATS_OK)
			t_fail(__FILE__, __LINE__, "fetch: %s (%d)", nats_GetLastError(NULL), (int)jerr);
		for (int i = 0; i < list.Count; i++) {
			natsMsg *m = list.Msgs[i];
			const char *hid = NULL, *data = natsMsg_GetData(m);
			char want_subject[200], topic[64] = "";
			const char *t = strstr(data, "\"topic\":\"");
			if (natsMsgHeader_Get(m, "Nats-Msg-Id", &hid) != NATS_OK || !hid)
				t_fail(__FILE__, __LINE__, "message %zu has no Nats-Msg-Id: %s", count, data);
			if (strncmp(data, "{\"id\":\"", 7) == 0 && strncmp(data + 7, hid, strlen(hid)) != 0)
				t_fail(__FILE__, __LINE__, "message %zu: Nats-Msg-Id %s, data %s", count, hid, data);
			if (t && sscanf(t + 9, "%63[^\"]", topic) == 1) {
				snprintf(want_subject, sizeof want_subject, "%s.%s", nm->prefix, topic);
				ASSERT_STR_EQ(natsMsg_GetSubject(m), want_subject);
			}
			if (count < cap)
				ids[count] = strdup(hid);
			count++;
		}
		natsMsgList_Destroy(&list);
	}
	natsSubscription_Unsubscribe(sub);
	natsSubscription_Destroy(sub);
	client_close(&c);
	return count;
}

static uint64_t stream_msgs(const struct names *nm)
{
	struct client c;
	jsStreamInfo *si = NULL;
	uint64_t n;
	client_open(&c, nm->url);
	if (js_GetStreamInfo(&si, c.js, nm->stream, NULL, NULL) != NATS_OK)
		t_fail(__FILE__, __LINE__, "stream info %s: %s", nm->stream, nats_GetLastError(NULL));
	n = si->State.Msgs;
	jsStreamInfo_Destroy(si);
	client_close(&c);
	return n;
}

/* The stream holds events [0, EVENTS), each once, in order. */
static void expect_all_once_in_order(const struct names *nm)
{
	char **ids = calloc(EVENTS + 100, sizeof *ids);
	size_t count = read_stream(nm, ids, EVENTS + 100);
	char want[64];
	for (size_t i = 0; i < count && i < EVENTS; i++) {
		event_id((int)i, want, sizeof want);
		if (strcmp(ids[i], want) != 0) {
			/* say whether it is missing, doubled or out of order */
			int seen = 0;
			for (size_t j = 0; j < count && j < EVENTS + 100; j++)
				seen += strcmp(ids[j], want) == 0;
			t_fail(__FILE__, __LINE__, "stream message %zu\n    left:  %s\n    right: %s\n"
			       "    (%s is in the stream %d times)", i, ids[i], want, want, seen);
		}
	}
	ASSERT_EQ(count, EVENTS);
	ASSERT_EQ(stream_msgs(nm), EVENTS);
	for (size_t i = 0; i < count && i < EVENTS + 100; i++)
		free(ids[i]);
	free(ids);
}

static void open_sink(struct cdc_nats *n, const struct names *nm, struct cdc_pos *resume,
                      bool *have)
{
	struct fc_err err;
	if (cdc_nats_open_prefix(n, nm->url, nm->stream, nm->prefix, "cdc", resume, have, &err))
		t_fail(__FILE__, __LINE__, "open: %s", err.msg);
}

static void expect_checkpoint(const struct names *nm, int t)
{
	struct cdc_nats n;
	struct cdc_pos got, want = tx_pos(t);
	bool have = false;
	open_sink(&n, nm, &got, &have);
	ASSERT(have);
	ASSERT_STR_EQ(got.file, want.file);
	ASSERT_EQ(got.pos, want.pos);
	ASSERT_STR_EQ(got.gtid, want.gtid);
	cdc_nats_close(&n);
}

TEST_TIMEOUT(cdc_nats_publish_dedupe_checkpoint, 120)
{
	struct names nm;
	struct cdc_nats n;
	struct cdc_sink sink;
	struct cdc_pos resume;
	struct fc_err err;
	char json[512];
	bool have = true;

	setup(&nm, "a");
	open_sink(&n, &nm, &resume, &have);
	ASSERT(!have);
	ASSERT_STR_EQ(n.bucket, nm.bucket);
	cdc_nats_sink(&n, &sink);
	publish_all(&n, &sink);
	ASSERT_EQ(n.published, EVENTS);
	ASSERT_EQ(n.acked, EVENTS);
	ASSERT_EQ(n.duplicates, 0);
	cdc_nats_close(&n);
	expect_all_once_in_order(&nm);
	expect_checkpoint(&nm, TX - 1);

	/* the same events again, as after a crash before the checkpoint: the
	 * stream drops them by Nats-Msg-Id */
	open_sink(&n, &nm, &resume, &have);
	ASSERT(have);
	cdc_nats_sink(&n, &sink);
	publish_all(&n, &sink);
	ASSERT_EQ(n.acked, EVENTS);
	ASSERT_EQ(n.duplicates, EVENTS);
	expect_all_once_in_order(&nm);

	/* rollbacks: nothing to take back; a small transaction still in the
	 * buffer; a big one already published cannot be taken back */
	ASSERT_EQ(sink.rollback(sink.ctx, &err), 0);
	for (int i = 0; i < 10; i++) {
		snprintf(json, sizeof json, "{\"id\":\"rolled-back-%d\",\"topic\":\"shop.changed\"}", i);
		ASSERT_EQ(sink.event(sink.ctx, json, strlen(json), &err), 0);
	}
	ASSERT_EQ(sink.rollback(sink.ctx, &err), 0);
	{
		struct cdc_pos p = tx_pos(TX);
		ASSERT_EQ(sink.commit(sink.ctx, &p, 1764000100u, &err), 0);
	}
	ASSERT_EQ(stream_msgs(&nm), EVENTS);
	expect_checkpoint(&nm, TX);
	for (int i = 0; i < 300; i++) {
		snprintf(json, sizeof json, "{\"id\":\"big-%d\",\"topic\":\"shop.changed\"}", i);
		ASSERT_EQ(sink.event(sink.ctx, json, strlen(json), &err), 0);
	}
	ASSERT(sink.rollback(sink.ctx, &err) != 0);
	ASSERT_CONTAINS(err.msg, "already published (JetStream cannot take messages back)");
	ASSERT_CONTAINS(err.msg, nm.stream);
	cdc_nats_close(&n);
	teardown(&nm);
}

/* --- a nats-server restart in the middle of publishing --- */

struct restarter {
	const char *sandbox, *root, *log;
	int at;
	int rc;
	char what[512];
};

static bool alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

static void *restart_nats(void *arg)
{
	struct restarter *r = arg;
	char path[600], cmd[2048];
	long pid = 0;
	FILE *f;

	while (atomic_load(&published) < r->at)
		sleep_ms(1);
	snprintf(path, sizeof path, "%s/nats/nats.pid", r->sandbox);
	if (!(f = fopen(path, "r")) || fscanf(f, "%ld", &pid) != 1 || pid <= 1) {
		snprintf(r->what, sizeof r->what, "no nats-server pid in %s", path);
		r->rc = -1;
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	kill((pid_t)pid, SIGTERM);
	snprintf(r->what, sizeof r->what, "stopped nats-server %ld after %d events", pid,
	         atomic_load(&published));
	for (int i = 0; i < 3000 && alive((pid_t)pid); i++)
		sleep_ms(10);
	if (alive((pid_t)pid)) {
		snprintf(r->what, sizeof r->what, "nats-server %ld still runs 30 s after TERM", pid);
		r->rc = -1;
		return NULL;
	}
	sleep_ms(500);
	snprintf(cmd, sizeof cmd, "cd '%s' && FICUS_SKIP_DEPS=1 bash scripts/sandbox.sh up >'%s' 2>&1",
	         r->root, r->log);
	r->rc = system(cmd);
	return NULL;
}

TEST_TIMEOUT(cdc_nats_server_restart_mid_stream, 180)
{
	struct names nm;
	struct cdc_nats n;
	struct cdc_sink sink;
	struct cdc_pos resume;
	struct restarter r;
	pthread_t th;
	char log[600];
	bool have;

	setup(&nm, "r");
	memset(&r, 0, sizeof r);
	r.sandbox = t_env("FICUS_SANDBOX");
	r.root = t_env("FICUS_ROOT");
	snprintf(log, sizeof log, "%s/sandbox-up.log", t_tmpdir());
	r.log = log;
	r.at = EVENTS * 45 / 100;   /* in the middle of the fifth transaction */
	/* whatever happens to the test, the sandbox's NATS runs afterwards */
	t_defer("cd '%s' && FICUS_SKIP_DEPS=1 bash scripts/sandbox.sh up >/dev/null", r.root);

	open_sink(&n, &nm, &resume, &have);
	cdc_nats_sink(&n, &sink);
	atomic_store(&published, 0);
	ASSERT_EQ(pthread_create(&th, NULL, restart_nats, &r), 0);
	publish_all(&n, &sink);
	pthread_join(th, NULL);
	printf("%s\n", r.what);
	if (r.rc != 0) {
		char *out = NULL;
		t_run(&out, "cat '%s'", log);
		t_fail(__FILE__, __LINE__, "restarting nats: %s (rc %d)\n%s", r.what, r.rc, out ? out : "");
	}
	ASSERT(n.reconnects >= 1);
	ASSERT_EQ(n.published, EVENTS);
	cdc_nats_close(&n);
	expect_all_once_in_order(&nm);
	expect_checkpoint(&nm, TX - 1);
	teardown(&nm);
}

/* --- errors --- */

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		t_fail(__FILE__, __LINE__, "no free port: %s", strerror(errno));
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool port_open(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

TEST_TIMEOUT(cdc_nats_errors, 60)
{
	struct names nm;
	struct cdc_nats n;
	struct cdc_sink sink;
	struct cdc_pos resume;
	struct fc_err err;
	char url[200], want[200], *out = NULL;
	const char *bad[][2] = {
		{ "{\"topic\":\"shop.changed\"}", "without an \"id\"" },
		{ "{\"id\":42,\"topic\":\"shop.changed\"}", "id is not a string" },
		{ "{\"id\":\"a\\nb\",\"topic\":\"shop.changed\"}", "control characters" },
		{ "{\"id\":\"x1\"}", "event x1 has no \"topic\"" },
		{ "{\"id\":\"x2\",\"topic\":\"shop changed\"}", "topic 'shop changed' cannot be a subject" },
		{ "{\"id\":\"x3\",\"topic\":\"shop.>\"}", "cannot be a subject" },
		{ "{\"id\":\"x4\",\"topic\":\"shop..changed\"}", "cannot be a subject" },
		{ "not json", "without an \"id\"" },
	};
	bool have;
	int port, rc;

	/* no server; the password never shows */
	port = free_port();
	snprintf(url, sizeof url, "nats://ficus:s3cret@127.0.0.1:%d", port);
	ASSERT(cdc_nats_open(&n, url, NULL, NULL, &resume, &have, &err) != 0);
	snprintf(want, sizeof want, "nats://127.0.0.1:%d: cannot connect", port);
	ASSERT_CONTAINS(err.msg, want);
	ASSERT_NOT_CONTAINS(err.msg, "s3cret");
	ASSERT_NOT_CONTAINS(err.msg, "ficus:");
	printf("%s\n", err.msg);

	/* a list of servers, with a user and a token */
	{
		int p2 = free_port();
		snprintf(url, sizeof url, "nats://ficus:s3cret@127.0.0.1:%d, nats://t0ken@127.0.0.1:%d",
		         port, p2);
		ASSERT(cdc_nats_open(&n, url, NULL, NULL, &resume, &have, &err) != 0);
		snprintf(want, sizeof want, "nats://127.0.0.1:%d, nats://127.0.0.1:%d: cannot connect",
		         port, p2);
		ASSERT_CONTAINS(err.msg, want);
		ASSERT_NOT_CONTAINS(err.msg, "s3cret");
		ASSERT_NOT_CONTAINS(err.msg, "t0ken");
	}

	/* bad names */
	ASSERT(cdc_nats_open(&n, t_env("FICUS_NATS_URL"), "a.b", NULL, &resume, &have, &err) != 0);
	ASSERT_CONTAINS(err.msg, "stream a.b: a stream name is");
	ASSERT(cdc_nats_open(&n, t_env("FICUS_NATS_URL"), "T", "bad key", &resume, &have, &err) != 0);
	ASSERT_CONTAINS(err.msg, "checkpoint name 'bad key'");

	/* a NATS server without JetStream */
	port = free_port();
	rc = t_run(&out, "nats-server -a 127.0.0.1 -p %d -l '%s/plain.log' >/dev/null 2>&1 & echo $!", port, t_tmpdir());
	ASSERT_EQ(rc, 0);
	t_defer("kill %ld 2>/dev/null; true", atol(out));
	free(out);
	for (int i = 0; i < 200 && !port_open(port); i++)
		sleep_ms(25);
	snprintf(url, sizeof url, "nats://127.0.0.1:%d", port);
	ASSERT(cdc_nats_open(&n, url, NULL, NULL, &resume, &have, &err) != 0);
	printf("%s\n", err.msg);
	snprintf(want, sizeof want, "nats://127.0.0.1:%d: stream FICUS: ", port);
	ASSERT_CONTAINS(err.msg, want);
	ASSERT_CONTAINS(err.msg, "JetStream is not enabled on this server");

	/* a JetStream server that goes away for longer than timeout_ms: the
	 * commit fails and says what it waited for */
	port = free_port();
	rc = t_run(&out, "nats-server -a 127.0.0.1 -p %d -js -sd '%s/js' -l '%s/js.log' >/dev/null 2>&1 "
	           "& echo $!", port, t_tmpdir(), t_tmpdir());
	ASSERT_EQ(rc, 0);
	{
		long pid = atol(out);
		struct cdc_pos p = tx_pos(0);
		char json[200];
		free(out);
		t_defer("kill %ld 2>/dev/null; true", pid);
		for (int i = 0; i < 200 && !port_open(port); i++)
			sleep_ms(25);
		snprintf(url, sizeof url, "nats://127.0.0.1:%d", port);
		if (cdc_nats_open(&n, url, NULL, NULL, &resume, &have, &err))
			t_fail(__FILE__, __LINE__, "open: %s", err.msg);
		cdc_nats_sink(&n, &sink);
		n.timeout_ms = 1500;
		kill((pid_t)pid, SIGKILL);
		for (int i = 0; i < 10; i++) {
			snprintf(json, sizeof json, "{\"id\":\"lost-%d\",\"topic\":\"shop.changed\"}", i);
			ASSERT_EQ(sink.event(sink.ctx, json, strlen(json), &err), 0);
		}
		ASSERT(sink.commit(sink.ctx, &p, 1, &err) != 0);
		printf("%s\n", err.msg);
		snprintf(want, sizeof want, "nats://127.0.0.1:%d: stream FICUS: no acknowledgement for 1.5 s, "
		         "10 events waiting; last problem: no connection", port);
		ASSERT_CONTAINS(err.msg, want);
		cdc_nats_close(&n);
	}

	/* events the sink cannot publish */
	setup(&nm, "e");
	open_sink(&n, &nm, &resume, &have);
	cdc_nats_sink(&n, &sink);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ASSERT(sink.event(sink.ctx, bad[i][0], strlen(bad[i][0]), &err) != 0);
		ASSERT_CONTAINS(err.msg, bad[i][1]);
		ASSERT_CONTAINS(err.msg, nm.stream);
	}
	/* an escaped id is published as its text */
	{
		const char *ok = "{\"topic\":\"shop.changed\",\"id\":\"caf\\u00e9:1\"}";
		struct cdc_pos p = tx_pos(0);
		ASSERT_EQ(sink.event(sink.ctx, ok, strlen(ok), &err), 0);
		ASSERT_EQ(sink.commit(sink.ctx, &p, 1, &err), 0);
		ASSERT_EQ(n.acked, 1);
	}
	/* another publisher writes to the stream: the sink's next event, which
	 * expects the stream's last message to be its previous event, is
	 * refused, goes again without the expectation, and the rest follow in
	 * order */
	{
		struct client c;
		natsMsg *m = NULL;
		char subject[100], json[200];
		struct cdc_pos p = tx_pos(1);
		snprintf(subject, sizeof subject, "%s.foreign", nm.prefix);
		client_open(&c, nm.url);
		ASSERT_EQ(natsMsg_Create(&m, subject, NULL, "{}", 2), NATS_OK);
		ASSERT_EQ(natsMsgHeader_Set(m, "Nats-Msg-Id", "foreign-1"), NATS_OK);
		ASSERT_EQ(js_PublishMsg(NULL, c.js, m, NULL, NULL), NATS_OK);
		natsMsg_Destroy(m);
		client_close(&c);
		for (int i = 0; i < 600; i++) {
			snprintf(json, sizeof json, "{\"id\":\"after-%03d\",\"topic\":\"shop.changed\"}", i);
			ASSERT_EQ(sink.event(sink.ctx, json, strlen(json), &err), 0);
		}
		ASSERT_EQ(sink.commit(sink.ctx, &p, 2, &err), 0);
		printf("after a foreign message: resent %llu\n", (unsigned long long)n.resent);
		ASSERT(n.resent >= 1);
	}
	cdc_nats_close(&n);
	{
		char *ids[700] = { NULL }, after[32];
		ASSERT_EQ(read_stream(&nm, ids, 700), 602);
		ASSERT_STR_EQ(ids[0], "caf\xc3\xa9:1");
		ASSERT_STR_EQ(ids[1], "foreign-1");
		for (int i = 0; i < 600; i++) {
			snprintf(after, sizeof after, "after-%03d", i);
			ASSERT_STR_EQ(ids[2 + i], after);
		}
		for (int i = 0; i < 602; i++)
			free(ids[i]);
	}
	teardown(&nm);
}
