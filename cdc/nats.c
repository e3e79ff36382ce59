/* cdc/nats.c - see nats.h.
 *
 * The window. Events live in a ring, numbered in the order they came:
 * [head, tail) are the events not yet acknowledged (or acknowledged but
 * not yet dropped from the front), next_send the first one not yet handed
 * to the library. Each event is in one of four states:
 *
 *   UNSENT  buffered, or to be published again
 *   SENT    handed to js_PublishMsgAsync; `msg` is the message the library
 *           holds for it (compared with the acknowledged message, never
 *           dereferenced)
 *   ACKED   the server stored it (or had it: a duplicate)
 *   FAILED  the acknowledgement was an error (no responders, timeout)
 *
 * The acknowledgement handler runs in the library's thread and only moves
 * SENT events to ACKED or FAILED, under `mu`. Everything else happens in
 * the caller's thread.
 *
 * Trouble: the connection was lost (or came back since the last look), an
 * event FAILED, or the oldest acknowledgement is later than ACK_WAIT_MS.
 * `recover` then waits for the connection and for JetStream to answer,
 * takes back from the library every message still waiting for an
 * acknowledgement (their late acknowledgements are then ignored), and
 * publishes again, in order, every event not ACKED. While the connection
 * is down nothing is published (the library's reconnect buffer only ever
 * holds what raced with the disconnection).
 *
 * Order. Republishing alone does not keep the stream in order: when
 * nats-server stops, JetStream answers "no responders" before the
 * connections close, events in flight are lost, and the library sends,
 * once reconnected, what was still in its buffers (libnats 3.4.1), ahead
 * of the older events lost or refused (seen in the restart test). So every event but the first after opening carries
 * Nats-Expected-Last-Msg-Id: the id of the event before it; the server
 * refuses it (err_code 10070) unless that event is the stream's last
 * message, and checks duplicates (Nats-Msg-Id) first. The events in the
 * stream are then always a prefix of the sink's order: whatever arrives
 * after a gap is refused and published again once the gap is filled. When
 * the event before is in the stream but is not its last message (another
 * publisher wrote in between, or the server no longer knows the last id:
 * it forgets it when the last message is older than the duplicate
 * window), the refused event goes again without the expectation. */
#include "nats.h"

#include <nats/nats.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WINDOW 4096                    /* events waiting for acknowledgement, at most */
#define WINDOW_BYTES ((size_t)64 << 20)  /* and their bytes */
#define BATCH_EVENTS 256               /* events buffered before they are published */
#define BATCH_BYTES ((size_t)64 << 10)
#define ACK_WAIT_MS 5000               /* an acknowledgement later than this: publish again */
#define REQUEST_WAIT_MS 5000           /* JetStream API requests, checkpoint writes */
#define PROBE_WAIT_MS 2000
#define POLL_MS 50
#define KV_HISTORY 5

enum ev_state { EV_UNSENT, EV_SENT, EV_ACKED, EV_FAILED };

struct ev {
	char *buf;              /* subject NUL id NUL json NUL */
	size_t id_off, json_off, json_len, size;
	natsMsg *msg;
	enum ev_state state;
	int64_t sent_ms;
};

struct cdc_nats_state {
	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;
	kvStore *kv;
	natsStatistics *stats;
	int64_t max_payload;
	uint64_t reconnects_seen;

	pthread_mutex_t mu;     /* guards the states below and what on_ack writes */
	pthread_cond_t cond;    /* an acknowledgement came */
	bool sync_init;
	struct ev ring[WINDOW];
	uint64_t head, tail, next_send, hint;
	size_t bytes;           /* of the events in the window */
	size_t unsent_events, unsent_bytes;   /* buffered since the last publish */
	bool tx_sent;           /* some of this transaction's events were published */
	bool async_used;        /* js_PublishAsyncGetPendingList crashes before the first
	                         * asynchronous publish (libnats 3.4.1: no map yet) */
	char prev_id[1024];     /* id of the last event dropped from the front (acknowledged) */
	uint64_t no_expect;     /* the event published without Nats-Expected-Last-Msg-Id */

	/* written by on_ack */
	uint64_t acked, dups, last_seq, failed;
	bool refused;
	char refusal[600];
	char problem[600];      /* the last passing failure, for a timeout's message */
};

/* ------------------------------------------------------------------ time -- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- errors -- */

/* "url: stream S: " + message */
static int nerr(const struct cdc_nats *n, struct fc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int nerr(const struct cdc_nats *n, struct fc_err *err, int code, const char *fmt, ...)
{
	char msg[FC_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return fc_errf(err, code, "%s: stream %s: %s", n->shown, n->stream, msg);
}

/* The library's words for a failure: its last error text on this thread
 * when it says more than the status. */
static const char *why(natsStatus s, char *buf, size_t size)
{
	const char *text = natsStatus_GetText(s);
	natsStatus last = NATS_OK;
	const char *detail = nats_GetLastError(&last);
	/* it starts with where in the library: "(conn.c:2088): " */
	if (detail && detail[0] == '(' && strstr(detail, "): "))
		detail = strstr(detail, "): ") + 3;
	if (detail && *detail && last == s && strcmp(detail, text) != 0)
		snprintf(buf, size, "%s", detail);
	else
		snprintf(buf, size, "%s", text);
	return buf;
}

static bool no_jetstream(natsStatus s, jsErrCode jerr)
{
	return s == NATS_NO_RESPONDERS || jerr == JSNotEnabledErr || jerr == JSNotEnabledForAccountErr;
}

/* An error of a JetStream API call, in words. */
static int js_fail(const struct cdc_nats *n, natsStatus s, jsErrCode jerr, const char *what,
                   struct fc_err *err)
{
	char buf[512];
	if (no_jetstream(s, jerr))
		return nerr(n, err, FC_EUNSUPPORTED, "%s: JetStream is not enabled on this server "
		            "(start nats-server with -js, or a jetstream block in its config): plain "
		            "NATS cannot keep events", what);
	if (s == NATS_TIMEOUT)
		return nerr(n, err, FC_ECONNECT, "%s: no answer from JetStream in %d s", what,
		            REQUEST_WAIT_MS / 1000);
	if (jerr)
		return nerr(n, err, FC_EIO, "%s: %s (err_code %d)", what, why(s, buf, sizeof buf), (int)jerr);
	return nerr(n, err, s == NATS_NO_MEMORY ? FC_ENOMEM : FC_EIO, "%s: %s", what,
	            why(s, buf, sizeof buf));
}

/* Copies url without the user:password@ (or token@) of each server. */
static void redact(const char *url, char *out, size_t size)
{
	size_t o = 0;
	const char *p = url;
	while (*p && o + 1 < size) {
		size_t seg = strcspn(p, ",");
		const char *scheme = strstr(p, "://");
		const char *host = p, *at;
		size_t hostpart;
		if (scheme && (size_t)(scheme - p) < seg)
			host = scheme + 3;
		hostpart = strcspn(host, ",/");
		at = memchr(host, '@', hostpart);
		for (const char *q = p; q < p + seg && o + 1 < size; q++) {
			if (at && q == host)
				q = at + 1;
			out[o++] = *q;
		}
		p += seg;
		if (*p == ',' && o + 1 < size)
			out[o++] = *p++;
	}
	out[o] = '\0';
}

/* ------------------------------------------------------------------ JSON -- */

static const char *ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at '"': just past the closing quote, or NULL. */
static const char *str_end(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Just past the value at p, or NULL. */
static const char *value_end(const char *p, const char *e)
{
	int depth = 0;
	if (p >= e)
		return NULL;
	if (*p == '"')
		return str_end(p, e);
	if (*p != '{' && *p != '[') {
		const char *s = p;
		while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
		       *p != '\n' && *p != '\r')
			p++;
		return p > s ? p : NULL;
	}
	for (; p < e; p++) {
		if (*p == '"') {
			p = str_end(p, e);
			if (!p)
				return NULL;
			p--;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
	}
	return NULL;
}

/* The raw text of the top-level members keys[i] of the object in
 * [p, e), stopping once all are found: vals[i] (NULL when absent) and
 * lens[i]. False when the text is not an object. */
static bool members(const char *p, const char *e, const char *const *keys, int nkeys,
                    const char **vals, size_t *lens)
{
	int found = 0;
	for (int i = 0; i < nkeys; i++)
		vals[i] = NULL;
	p = ws(p, e);
	if (p >= e || *p != '{')
		return false;
	p = ws(p + 1, e);
	if (p < e && *p == '}')
		return true;
	while (p < e && found < nkeys) {
		const char *k, *ke, *v, *ve;
		if (*p != '"')
			return false;
		k = p + 1;
		if (!(ke = str_end(p, e)))
			return false;
		p = ws(ke, e);
		if (p >= e || *p != ':')
			return false;
		v = ws(p + 1, e);
		if (!(ve = value_end(v, e)))
			return false;
		for (int i = 0; i < nkeys; i++) {
			size_t klen = (size_t)(ke - 1 - k);
			if (!vals[i] && klen == strlen(keys[i]) && memcmp(k, keys[i], klen) == 0) {
				vals[i] = v;
				lens[i] = (size_t)(ve - v);
				found++;
			}
		}
		p = ws(ve, e);
		if (p < e && *p == ',') {
			p = ws(p + 1, e);
			continue;
		}
		if (p < e && *p == '}')
			return true;
		return false;
	}
	return found == nkeys || p < e;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Decodes the JSON string [v, v + len) into out (size bytes, with the NUL).
 * False when it is not a string, does not fit, or holds a control
 * character (ids and topics go into headers and subjects). */
static bool str_value(const char *v, size_t len, char *out, size_t size)
{
	size_t o = 0;
	if (!v || len < 2 || v[0] != '"' || v[len - 1] != '"')
		return false;
	for (size_t i = 1; i + 1 < len; i++) {
		unsigned long c = (unsigned char)v[i];
		bool code_point = false;   /* from a u-escape: encode as UTF-8 */
		char utf8[4];
		size_t nb = 1;
		if (c == '\\') {
			if (i + 2 >= len)
				return false;
			c = (unsigned char)v[++i];
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				int h;
				if (i + 5 >= len || (h = hex4(v + i + 1)) < 0)
					return false;
				i += 4;
				c = (unsigned long)h;
				code_point = true;
				if (c >= 0xD800 && c < 0xDC00) {
					int l;
					if (i + 7 >= len || v[i + 1] != '\\' || v[i + 2] != 'u' ||
					    (l = hex4(v + i + 3)) < 0xDC00 || l > 0xDFFF)
						return false;
					i += 6;
					c = 0x10000 + ((c - 0xD800) << 10) + ((unsigned long)l - 0xDC00);
				} else if (c >= 0xDC00 && c < 0xE000) {
					return false;
				}
				break;
			}
			default:
				return false;
			}
		}
		if (c < 0x20 || c == 0x7f)
			return false;
		if (!code_point || c < 0x80) {
			utf8[0] = (char)c;
		} else if (c < 0x800) {
			utf8[0] = (char)(0xC0 | (c >> 6));
			utf8[1] = (char)(0x80 | (c & 0x3F));
			nb = 2;
		} else if (c < 0x10000) {
			utf8[0] = (char)(0xE0 | (c >> 12));
			utf8[1] = (char)(0x80 | ((c >> 6) & 0x3F));
			utf8[2] = (char)(0x80 | (c & 0x3F));
			nb = 3;
		} else {
			utf8[0] = (char)(0xF0 | (c >> 18));
			utf8[1] = (char)(0x80 | ((c >> 12) & 0x3F));
			utf8[2] = (char)(0x80 | ((c >> 6) & 0x3F));
			utf8[3] = (char)(0x80 | (c & 0x3F));
			nb = 4;
		}
		if (o + nb >= size)
			return false;
		memcpy(out + o, utf8, nb);
		o += nb;
	}
	out[o] = '\0';
	return true;
}

static bool num_value(const char *v, size_t len, unsigned long long *out)
{
	char buf[32];
	char *end;
	if (!v || len == 0 || len >= sizeof buf || v[0] < '0' || v[0] > '9')
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	*out = strtoull(buf, &end, 10);
	return *end == '\0';
}

/* Appends s to out as the body of a JSON string. */
static size_t json_esc(char *out, size_t size, size_t o, const char *s)
{
	for (; *s && o + 7 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o;
}

/* ----------------------------------------------------------------- names -- */

/* Stream names become part of the bucket's name: letters, digits, - and _. */
static bool name_ok(const char *s, size_t max)
{
	size_t len = strlen(s);
	if (len == 0 || len > max)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == len;
}

/* A KV key: letters, digits, - / _ = and dots between tokens. */
static bool key_ok(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > 100 || s[0] == '.' || s[len - 1] == '.' || strstr(s, ".."))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/=.") == len;
}

/* A topic as subject tokens: no empty token, no space, no wildcard. */
static bool topic_ok(const char *t)
{
	const char *p = t;
	if (!*t || *t == '.')
		return false;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c == 0x7f || c == '*' || c == '>')
			return false;
		if (c == '.' && (p[1] == '.' || p[1] == '\0'))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------ the window -- */

static struct ev *slot(struct cdc_nats_state *st, uint64_t i)
{
	return &st->ring[i % WINDOW];
}

static void lock(struct cdc_nats_state *st)
{
	pthread_mutex_lock(&st->mu);
}

static void unlock(struct cdc_nats_state *st)
{
	pthread_mutex_unlock(&st->mu);
}

/* Called by the library for every acknowledgement (or its failure). */
static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	struct cdc_nats_state *st = closure;
	struct ev *e = NULL;
	uint64_t i, from, k = 0;

	(void)js;
	lock(st);
	/* acknowledgements come in order: look from just after the last one */
	from = st->hint > st->head && st->hint < st->tail ? st->hint : st->head;
	for (i = from; i < st->tail && !e; i++)
		if (slot(st, i)->msg == msg)
			e = slot(st, k = i);
	for (i = st->head; i < from && !e; i++)
		if (slot(st, i)->msg == msg)
			e = slot(st, k = i);
	if (e) {
		const char *id = e->buf + e->id_off;
		st->hint = k + 1;
		e->msg = NULL;
		if (pa) {
			e->state = EV_ACKED;
			st->acked++;
			if (pa->Duplicate)
				st->dups++;
			if (pa->Sequence > st->last_seq)
				st->last_seq = pa->Sequence;
		} else {
			natsStatus s = pae ? pae->Err : NATS_ERR;
			const char *text = pae && pae->ErrText ? pae->ErrText : natsStatus_GetText(s);
			e->state = EV_FAILED;
			st->failed++;
			if (s == NATS_ERR && pae && pae->ErrCode == JSStreamWrongLastMsgIDErr) {
				/* out of order: the event before it did not reach the stream
				 * (lost in flight: both go again, in order), or it did and is
				 * not the stream's last message (another publisher wrote in
				 * between, or the server forgot the last id: the last message
				 * is older than the duplicate window): then it goes again
				 * without the expectation */
				if (k == st->head || slot(st, k - 1)->state == EV_ACKED)
					st->no_expect = k;
				snprintf(st->problem, sizeof st->problem, "event %s: %s", id, text);
			} else if (s == NATS_ERR && !st->refused) {
				/* the server looked at it and said no: a limit, a sealed
				 * stream, a message too big; publishing again cannot help */
				st->refused = true;
				snprintf(st->refusal, sizeof st->refusal, "the server refused event %s: %s "
				         "(err_code %d)", id, text, pae ? (int)pae->ErrCode : 0);
			} else {
				snprintf(st->problem, sizeof st->problem, "event %s: %s", id, text);
			}
		}
		pthread_cond_broadcast(&st->cond);
	}
	unlock(st);
	natsMsg_Destroy(msg);
}

/* Drops the acknowledged events at the front. Under mu. */
static void drop_acked(struct cdc_nats_state *st)
{
	while (st->head < st->tail && slot(st, st->head)->state == EV_ACKED) {
		struct ev *e = slot(st, st->head);
		snprintf(st->prev_id, sizeof st->prev_id, "%s", e->buf + e->id_off);
		st->bytes -= e->size;
		free(e->buf);
		memset(e, 0, sizeof *e);
		st->head++;
	}
	if (st->next_send < st->head)
		st->next_send = st->head;
}

static void sync_counters(struct cdc_nats *n)
{
	struct cdc_nats_state *st = n->st;
	lock(st);
	n->acked = st->acked;
	n->duplicates = st->dups;
	n->last_seq = st->last_seq;
	unlock(st);
}

static uint64_t reconnect_count(struct cdc_nats_state *st)
{
	uint64_t in_msgs, in_bytes, out_msgs, out_bytes, rc = 0;
	if (natsConnection_GetStats(st->nc, st->stats) == NATS_OK)
		natsStatistics_GetCounts(st->stats, &in_msgs, &in_bytes, &out_msgs, &out_bytes, &rc);
	return rc;
}

/* The connection is up and has not come back since the last look (in
 * which case messages in flight at the time may have been lost). */
static bool conn_steady(struct cdc_nats_state *st)
{
	return natsConnection_Status(st->nc) == NATS_CONN_STATUS_CONNECTED &&
	       reconnect_count(st) == st->reconnects_seen;
}

static void note(struct cdc_nats_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct cdc_nats_state *st, const char *fmt, ...)
{
	va_list ap;
	lock(st);
	va_start(ap, fmt);
	vsnprintf(st->problem, sizeof st->problem, fmt, ap);
	va_end(ap);
	unlock(st);
}

/* Publishes event i. *stalled: the library did not take it (the
 * connection went down): it stays UNSENT. */
static int send_one(struct cdc_nats *n, uint64_t i, bool *stalled, struct fc_err *err)
{
	struct cdc_nats_state *st = n->st;
	struct ev *e = slot(st, i);
	natsMsg *m = NULL, *sent;
	const char *expect = NULL;
	jsPubOptions po;
	natsStatus s;
	char buf[256];

	lock(st);
	if (i != st->no_expect)
		expect = i > st->head ? slot(st, i - 1)->buf + slot(st, i - 1)->id_off :
		         st->prev_id[0] ? st->prev_id : NULL;
	unlock(st);
	s = natsMsg_Create(&m, e->buf, NULL, e->buf + e->json_off, (int)e->json_len);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Nats-Msg-Id", e->buf + e->id_off);
	if (s == NATS_OK && expect)   /* the server keeps the stream in our order */
		s = natsMsgHeader_Set(m, "Nats-Expected-Last-Msg-Id", expect);
	if (s != NATS_OK) {
		natsMsg_Destroy(m);
		return nerr(n, err, s == NATS_NO_MEMORY ? FC_ENOMEM : FC_EIO, "event %s: %s",
		            e->buf + e->id_off, why(s, buf, sizeof buf));
	}
	jsPubOptions_Init(&po);
	po.MaxWait = ACK_WAIT_MS;   /* the library reports a missing acknowledgement */
	sent = m;
	lock(st);
	e->msg = m;
	e->state = EV_SENT;
	e->sent_ms = now_ms();
	unlock(st);
	s = js_PublishMsgAsync(st->js, &m, &po);
	if (s != NATS_OK) {
		lock(st);
		if (e->msg == sent) {
			e->msg = NULL;
			e->state = EV_UNSENT;
		}
		unlock(st);
		natsMsg_Destroy(m);
		if (s == NATS_CONNECTION_CLOSED)
			return nerr(n, err, FC_ECONNECT, "publishing event %s: the connection is closed",
			            e->buf + e->id_off);
		note(st, "publishing event %s: %s", e->buf + e->id_off, why(s, buf, sizeof buf));
		*stalled = true;
		return 0;
	}
	st->tx_sent = true;
	st->async_used = true;
	return 0;
}

/* Publishes the events not yet published, in order, while the connection
 * is steady. */
static int send_unsent(struct cdc_nats *n, struct fc_err *err)
{
	struct cdc_nats_state *st = n->st;
	uint64_t i;
	for (i = st->next_send < st->head ? st->head : st->next_send; i < st->tail; i++) {
		bool stalled = false, unsent;
		int rc;
		lock(st);
		unsent = slot(st, i)->state == EV_UNSENT;
		unlock(st);
		if (!unsent)
			continue;
		if (!conn_steady(st))
			break;
		if ((rc = send_one(n, i, &stalled, err)) != 0)
			return rc;
		if (stalled)
			break;
	}
	st->next_send = i;
	if (i == st->tail) {
		st->unsent_events = 0;
		st->unsent_bytes = 0;
	}
	return 0;
}

/* Waits until the connection is up; JetStream answering. 1: not yet
 * (the caller tries again), 0: ready, <0: an error. */
static int ready(struct cdc_nats *n, struct fc_err *err)
{
	struct cdc_nats_state *st = n->st;
	natsConnStatus cs = natsConnection_Status(st->nc);
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	jsOptions jo;
	natsStatus s;
	char buf[256];

	if (cs == NATS_CONN_STATUS_CLOSED)
		return nerr(n, err, FC_ECONNECT, "the connection was closed");
	if (cs != NATS_CONN_STATUS_CONNECTED) {
		note(st, "no connection (reconnecting)");
		return 1;
	}
	/* after a restart the server may take a moment to restore its streams */
	jsOptions_Init(&jo);
	jo.Wait = PROBE_WAIT_MS;
	s = js_GetStreamInfo(&si, st->js, n->stream, &jo, &jerr);
	jsStreamInfo_Destroy(si);
	if (s == NATS_OK)
		return 0;
	if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr)
		note(st, "the stream does not exist (any more?)");
	else if (no_jetstream(s, jerr))
		note(st, "JetStream does not answer (yet)");
	else
		note(st, "asking for the stream's info: %s", why(s, buf, sizeof buf));
	return 1;
}

/* After trouble: once the connection and JetStream are back, publishes
 * again, in order, every event not acknowledged. */
static int recover(struct cdc_nats *n, struct fc_err *err)
{
	struct cdc_nats_state *st = n->st;
	natsMsgList stale;
	uint64_t rc;
	int r = ready(n, err);

	if (r < 0)
		return r;
	if (r > 0) {
		sleep_ms(POLL_MS * 2);
		return 0;
	}
	rc = reconnect_count(st);
	if (rc != st->reconnects_seen) {
		n->reconnects += rc - st->reconnects_seen;
		st->reconnects_seen = rc;
	}
	/* what the library still waits for: its acknowledgements are ignored from now */
	memset(&stale, 0, sizeof stale);
	if (st->async_used && js_PublishAsyncGetPendingList(&stale, st->js) == NATS_OK)
		natsMsgList_Destroy(&stale);
	lock(st);
	for (uint64_t i = st->head; i < st->tail; i++) {
		struct ev *e = slot(st, i);
		if (e->state == EV_SENT || e->state == EV_FAILED) {
			e->state = EV_UNSENT;
			e->msg = NULL;
			n->resent++;
		}
	}
	st->failed = 0;
	unlock(st);
	st->next_send = st->head;
	return send_unsent(n, err);
}

/* Publishes what is buffered and waits until at most `keep` events are
 * unacknowledged, recovering from trouble on the way. Fails after
 * timeout_ms without an acknowledgement. */
static int settle(struct cdc_nats *n, uint64_t keep, struct fc_err *err)
{
	struct cdc_nats_state *st = n->st;
	int64_t last_progress = now_ms();
	uint64_t last_acked;
	int rc;

	lock(st);
	last_acked = st->acked;
	unlock(st);
	for (;;) {
		bool trouble, unsent;
		uint64_t waiting;
		int64_t now = now_ms();
		lock(st);
		drop_acked(st);
		if (st->refused) {
			char msg[sizeof st->refusal];
			memcpy(msg, st->refusal, sizeof msg);
			unlock(st);
			return nerr(n, err, FC_EIO, "%s", msg);
		}
		if (st->acked != last_acked) {
			last_acked = st->acked;
			last_progress = now;
		}
		waiting = st->tail - st->head;
		if (waiting <= keep) {
			unlock(st);
			return 0;
		}
		unsent = st->next_send < st->tail;
		trouble = st->failed > 0 ||
		          (slot(st, st->head)->state == EV_SENT &&
		           now - slot(st, st->head)->sent_ms > ACK_WAIT_MS);
		if (!trouble && !unsent) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += POLL_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&st->cond, &st->mu, &ts);
		}
		unlock(st);
		if (now - last_progress > n->timeout_ms) {
			char problem[sizeof st->problem];
			lock(st);
			memcpy(problem, st->problem, sizeof problem);
			unlock(st);
			return nerr(n, err, FC_ECONNECT, "no acknowledgement for %g s, %llu events "
			            "waiting%s%s", (double)n->timeout_ms / 1000,
			            (unsigned long long)waiting, problem[0] ? "; last problem: " : "",
			            problem);
		}
		if (trouble || !conn_steady(st))
			rc = recover(n, err);
		else if (unsent)
			rc = send_unsent(n, err);
		else
			rc = 0;
		if (rc)
			return rc;
	}
}

/* ------------------------------------------------------------------ sink -- */

static int on_event(void *ctx, const char *json, size_t len, struct fc_err *err)
{
	static const char *const keys[] = { "id", "topic" };
	struct cdc_nats *n = ctx;
	struct cdc_nats_state *st = n->st;
	const char *vals[2];
	size_t lens[2], subj_len, id_len, size;
	char id[1024], topic[512];
	struct ev *e;
	char *buf;
	int rc;

	if (!members(json, json + len, keys, 2, vals, lens) || !vals[0])
		return nerr(n, err, FC_EINVAL, "an event without an \"id\" string: %.100s", json);
	if (!str_value(vals[0], lens[0], id, sizeof id) || !id[0])
		return nerr(n, err, FC_EINVAL, "an event whose id is not a string of at most %zu "
		            "bytes without control characters: %.100s", sizeof id - 1, json);
	if (!vals[1] || !str_value(vals[1], lens[1], topic, sizeof topic))
		return nerr(n, err, FC_EINVAL, "event %s has no \"topic\" string", id);
	if (!topic_ok(topic))
		return nerr(n, err, FC_EINVAL, "event %s: topic '%s' cannot be a subject (dot-separated "
		            "tokens without spaces, '*' or '>')", id, topic);
	id_len = strlen(id);
	if ((int64_t)(len + id_len + 64) > st->max_payload)
		return nerr(n, err, FC_ETOOBIG, "event %s is %zu bytes; the server takes at most %lld "
		            "(its max_payload)", id, len, (long long)st->max_payload);

	/* room in the window */
	if (st->tail - st->head >= WINDOW || st->bytes + len > WINDOW_BYTES) {
		if ((rc = settle(n, WINDOW * 3 / 4, err)) != 0)
			return rc;
		while (st->tail - st->head > 0 && st->bytes + len > WINDOW_BYTES)
			if ((rc = settle(n, (st->tail - st->head) / 2, err)) != 0)
				return rc;
	}

	subj_len = strlen(n->prefix) + 1 + strlen(topic);
	size = subj_len + 1 + id_len + 1 + len + 1;
	if (!(buf = malloc(size)))
		return nerr(n, err, FC_ENOMEM, "out of memory buffering event %s", id);
	snprintf(buf, subj_len + 1, "%s.%s", n->prefix, topic);
	memcpy(buf + subj_len + 1, id, id_len + 1);
	memcpy(buf + subj_len + 1 + id_len + 1, json, len);
	buf[size - 1] = '\0';

	lock(st);
	e = slot(st, st->tail);
	memset(e, 0, sizeof *e);
	e->buf = buf;
	e->id_off = subj_len + 1;
	e->json_off = subj_len + 1 + id_len + 1;
	e->json_len = len;
	e->size = size;
	e->state = EV_UNSENT;
	st->tail++;
	st->bytes += size;
	unlock(st);
	st->unsent_events++;
	st->unsent_bytes += len;
	n->published++;

	if (st->unsent_events >= BATCH_EVENTS || st->unsent_bytes >= BATCH_BYTES) {
		bool trouble;
		lock(st);
		trouble = st->failed > 0;
		unlock(st);
		if (trouble || !conn_steady(st))
			rc = recover(n, err);
		else
			rc = send_unsent(n, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The checkpoint into the bucket, retried while the connection comes back. */
static int put_checkpoint(struct cdc_nats *n, const char *text, struct fc_err *err)
{
	struct cdc_nats_state *st = n->st;
	int64_t deadline = now_ms() + n->timeout_ms;
	char buf[256], problem[300] = "";

	for (;;) {
		natsConnStatus cs = natsConnection_Status(st->nc);
		if (cs == NATS_CONN_STATUS_CLOSED)
			return nerr(n, err, FC_ECONNECT, "writing the checkpoint: the connection was closed");
		if (cs == NATS_CONN_STATUS_CONNECTED) {
			uint64_t rev = 0;
			natsStatus s = kvStore_Put(&rev, st->kv, n->key, text, (int)strlen(text));
			if (s == NATS_OK)
				return 0;
			if (s == NATS_ERR)   /* the server's refusal */
				return nerr(n, err, FC_EIO, "writing the checkpoint to bucket %s key %s: %s",
				            n->bucket, n->key, why(s, buf, sizeof buf));
			snprintf(problem, sizeof problem, "%s", why(s, buf, sizeof buf));
		} else {
			snprintf(problem, sizeof problem, "no connection (reconnecting)");
		}
		if (now_ms() > deadline)
			return nerr(n, err, FC_ECONNECT, "writing the checkpoint to bucket %s key %s: "
			            "gave up after %g s: %s", n->bucket, n->key,
			            (double)n->timeout_ms / 1000, problem);
		sleep_ms(POLL_MS * 4);
	}
}

static int on_commit(void *ctx, const struct cdc_pos *next, uint32_t ts, struct fc_err *err)
{
	struct cdc_nats *n = ctx;
	struct cdc_nats_state *st = n->st;
	char text[1024];
	size_t o;
	int rc;

	if ((rc = settle(n, 0, err)) != 0)
		return rc;
	sync_counters(n);
	o = (size_t)snprintf(text, sizeof text, "{\"file\":\"");
	o = json_esc(text, sizeof text, o, next->file);
	o += (size_t)snprintf(text + o, sizeof text - o, "\",\"pos\":%llu,\"gtid\":\"",
	                      (unsigned long long)next->pos);
	o = json_esc(text, sizeof text, o, next->gtid);
	snprintf(text + o, sizeof text - o, "\",\"ts\":%u,\"stream\":\"%s\",\"stream_seq\":%llu}",
	         ts, n->stream, (unsigned long long)n->last_seq);
	if ((rc = put_checkpoint(n, text, err)) != 0)
		return rc;
	st->tx_sent = false;
	return 0;
}

static int on_rollback(void *ctx, struct fc_err *err)
{
	struct cdc_nats *n = ctx;
	struct cdc_nats_state *st = n->st;
	uint64_t dropped = st->tail - st->head;

	if (st->tx_sent)
		return nerr(n, err, FC_EIO, "a rolled-back transaction's events were already "
		            "published (JetStream cannot take messages back); only the events of "
		            "transactions under %d events and %zu KiB can be rolled back",
		            BATCH_EVENTS, BATCH_BYTES >> 10);
	/* every event of the window is this transaction's, none published */
	lock(st);
	for (uint64_t i = st->head; i < st->tail; i++) {
		free(slot(st, i)->buf);
		memset(slot(st, i), 0, sizeof(struct ev));
	}
	st->head = st->next_send = st->tail;
	st->bytes = 0;
	unlock(st);
	st->unsent_events = 0;
	st->unsent_bytes = 0;
	n->published -= dropped;
	return 0;
}

void cdc_nats_sink(struct cdc_nats *n, struct cdc_sink *sink)
{
	memset(sink, 0, sizeof *sink);
	sink->ctx = n;
	sink->event = on_event;
	sink->commit = on_commit;
	sink->rollback = on_rollback;
}

/* ------------------------------------------------------------ open/close -- */

static int ensure_stream(struct cdc_nats *n, struct fc_err *err)
{
	struct cdc_nats_state *st = n->st;
	char all[140];
	const char *subjects[] = { all };
	const int64_t window = (int64_t)CDC_NATS_DUPLICATE_WINDOW_S * 1000000000LL;
	jsStreamInfo *si = NULL, *si2 = NULL;
	jsStreamConfig cfg, *c;
	jsErrCode jerr = 0;
	bool has_subject = false;
	natsStatus s;

	snprintf(all, sizeof all, "%s.>", n->prefix);
	s = js_GetStreamInfo(&si, st->js, n->stream, NULL, &jerr);
	if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
		jsStreamConfig_Init(&cfg);
		cfg.Name = n->stream;
		cfg.Description = "ficus cdc: domain events (docs/nats.md)";
		cfg.Subjects = subjects;
		cfg.SubjectsLen = 1;
		cfg.Storage = js_FileStorage;
		cfg.Retention = js_LimitsPolicy;
		cfg.Duplicates = window;
		jerr = 0;
		s = js_AddStream(&si, st->js, &cfg, NULL, &jerr);
		jsStreamInfo_Destroy(si);
		if (s != NATS_OK && jerr == JSStreamSubjectOverlapErr)
			return nerr(n, err, FC_ECONFIG, "creating the stream: another stream already takes "
			            "subjects under %s (name it as the sink's stream, or delete it)", subjects[0]);
		return s == NATS_OK ? 0 : js_fail(n, s, jerr, "creating the stream", err);
	}
	if (s != NATS_OK)
		return js_fail(n, s, jerr, "reading the stream's info", err);
	c = si->Config;
	if (c->Storage != js_FileStorage) {
		jsStreamInfo_Destroy(si);
		return nerr(n, err, FC_ECONFIG, "the stream keeps its messages in memory: a NATS restart "
		            "would lose events; delete it (ficus creates it on file storage) or name "
		            "another stream");
	}
	if (c->Sealed || c->Mirror) {
		jsStreamInfo_Destroy(si);
		return nerr(n, err, FC_ECONFIG, "the stream is %s: it takes no messages",
		            c->Sealed ? "sealed" : "a mirror");
	}
	for (int i = 0; i < c->SubjectsLen; i++)
		if (strcmp(c->Subjects[i], subjects[0]) == 0)
			has_subject = true;
	if (!has_subject || c->Duplicates < window) {
		const char **subs = calloc((size_t)c->SubjectsLen + 1, sizeof *subs);
		if (!subs) {
			jsStreamInfo_Destroy(si);
			return nerr(n, err, FC_ENOMEM, "out of memory");
		}
		cfg = *c;
		for (int i = 0; i < c->SubjectsLen; i++)
			subs[i] = c->Subjects[i];
		cfg.Subjects = subs;
		if (!has_subject)
			subs[cfg.SubjectsLen++] = subjects[0];
		if (cfg.Duplicates < window)
			cfg.Duplicates = window;
		jerr = 0;
		s = js_UpdateStream(&si2, st->js, &cfg, NULL, &jerr);
		free(subs);
		jsStreamInfo_Destroy(si2);
		if (s != NATS_OK) {
			char what[200];
			jsStreamInfo_Destroy(si);
			snprintf(what, sizeof what, "updating the stream (subjects %s, duplicate window "
			         "%d s)", subjects[0], CDC_NATS_DUPLICATE_WINDOW_S);
			return js_fail(n, s, jerr, what, err);
		}
	}
	jsStreamInfo_Destroy(si);
	return 0;
}

static int open_bucket(struct cdc_nats *n, bool create, struct fc_err *err)
{
	struct cdc_nats_state *st = n->st;
	char what[300];
	natsStatus s = js_KeyValue(&st->kv, st->js, n->bucket);

	if (s == NATS_NOT_FOUND && !create) {
		st->kv = NULL;
		return 0;
	}
	if (s == NATS_NOT_FOUND) {
		kvConfig kc;
		kvConfig_Init(&kc);
		kc.Bucket = n->bucket;
		kc.Description = "ficus cdc: checkpoints (docs/nats.md)";
		kc.History = KV_HISTORY;
		kc.StorageType = js_FileStorage;
		s = js_CreateKeyValue(&st->kv, st->js, &kc);
	}
	if (s == NATS_OK)
		return 0;
	st->kv = NULL;
	snprintf(what, sizeof what, "opening the checkpoint bucket %s", n->bucket);
	return js_fail(n, s, 0, what, err);
}

static int read_checkpoint(struct cdc_nats *n, struct cdc_pos *resume, bool *have_resume,
                           struct fc_err *err)
{
	static const char *const keys[] = { "file", "pos", "gtid" };
	struct cdc_nats_state *st = n->st;
	kvEntry *e = NULL;
	const char *vals[3], *text;
	size_t lens[3], len;
	unsigned long long pos;
	char what[300];
	struct cdc_pos p;
	natsStatus s;

	if (!st->kv)   /* no bucket (peek): no checkpoint */
		return 0;
	s = kvStore_Get(&e, st->kv, n->key);
	if (s == NATS_NOT_FOUND)
		return 0;
	if (s != NATS_OK) {
		snprintf(what, sizeof what, "reading checkpoint %s from bucket %s", n->key, n->bucket);
		return js_fail(n, s, 0, what, err);
	}
	text = kvEntry_Value(e);
	len = (size_t)kvEntry_ValueLen(e);
	memset(&p, 0, sizeof p);
	if (!text || !members(text, text + len, keys, 3, vals, lens) ||
	    !str_value(vals[0], lens[0], p.file, sizeof p.file) || !p.file[0] ||
	    strchr(p.file, '/') || !num_value(vals[1], lens[1], &pos) ||
	    (vals[2] && !str_value(vals[2], lens[2], p.gtid, sizeof p.gtid))) {
		int rc = nerr(n, err, FC_ECORRUPT, "checkpoint %s in bucket %s: expected "
		              "{\"file\":...,\"pos\":...}, found: %.100s", n->key, n->bucket,
		              text ? text : "");
		kvEntry_Destroy(e);
		return rc;
	}
	p.pos = pos;
	kvEntry_Destroy(e);
	*resume = p;
	*have_resume = true;
	return 0;
}

/* Splits a comma-separated list of URLs into the options. */
static natsStatus set_urls(natsOptions *opts, const char *url)
{
	const char *servers[32];
	char copy[2048], *save = NULL, *tok;
	int count = 0;

	if (!strchr(url, ','))
		return natsOptions_SetURL(opts, url);
	if (strlen(url) >= sizeof copy)
		return NATS_INVALID_ARG;
	strcpy(copy, url);
	for (tok = strtok_r(copy, ", ", &save); tok && count < 32; tok = strtok_r(NULL, ", ", &save))
		servers[count++] = tok;
	return natsOptions_SetServers(opts, servers, count);
}

int cdc_nats_open(struct cdc_nats *n, const char *url, const char *stream,
                  const char *checkpoint_name, struct cdc_pos *resume, bool *have_resume,
                  struct fc_err *err)
{
	return cdc_nats_open_prefix(n, url, stream, NULL, checkpoint_name, resume, have_resume, err);
}

/* Names, checks, connects and takes a JetStream context: all of opening
 * but the stream, the bucket and the checkpoint. */
static int connect_js(struct cdc_nats *n, const char *url, const char *stream,
                      const char *subject_prefix, const char *checkpoint_name,
                      struct fc_err *err)
{
	struct cdc_nats_state *st;
	natsStatus s;
	jsOptions jo;
	char buf[256];
	int rc;

	memset(n, 0, sizeof *n);
	n->timeout_ms = 60000;
	redact(url ? url : "", n->shown, sizeof n->shown);
	snprintf(n->stream, sizeof n->stream, "%s", stream && *stream ? stream : CDC_NATS_DEFAULT_STREAM);
	snprintf(n->key, sizeof n->key, "%s",
	         checkpoint_name && *checkpoint_name ? checkpoint_name : CDC_NATS_DEFAULT_KEY);
	snprintf(n->prefix, sizeof n->prefix, "%s",
	         subject_prefix && *subject_prefix ? subject_prefix : CDC_NATS_SUBJECT_PREFIX);
	if (!url || !*url)
		return fc_errf(err, FC_ECONFIG, "nats: no URL");
	if (!topic_ok(n->prefix) || strlen(n->prefix) > 100)
		return nerr(n, err, FC_ECONFIG, "subject prefix '%s': dot-separated tokens without "
		            "spaces, '*' or '>', at most 100 bytes", n->prefix);
	if (!name_ok(n->stream, 100))
		return nerr(n, err, FC_ECONFIG, "a stream name is 1 to 100 letters, digits, '-' or '_' "
		            "(its checkpoint bucket is named after it)");
	snprintf(n->bucket, sizeof n->bucket, "%s_CDC", n->stream);
	if (!key_ok(n->key))
		return nerr(n, err, FC_ECONFIG, "checkpoint name '%s': a key is letters, digits, '-', "
		            "'/', '_', '=' and dots between them", n->key);

	if (!(st = calloc(1, sizeof *st)))
		return nerr(n, err, FC_ENOMEM, "out of memory");
	n->st = st;
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cond, NULL);
	st->sync_init = true;

	s = natsOptions_Create(&st->opts);
	if (s == NATS_OK)
		s = set_urls(st->opts, url);
	if (s == NATS_OK)
		s = natsOptions_SetName(st->opts, "ficus cdc");
	if (s == NATS_OK)   /* without end: the sink waits (timeout_ms) for NATS to come back */
		s = natsOptions_SetMaxReconnect(st->opts, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(st->opts, 250);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectJitter(st->opts, 100, 1000);
	if (s == NATS_OK)   /* publishes pause while reconnecting: this only takes a race's few */
		s = natsOptions_SetReconnectBufSize(st->opts, 8 << 20);
	if (s == NATS_OK)
		s = natsOptions_SetFailRequestsOnDisconnect(st->opts, true);
	if (s == NATS_OK)   /* a dead peer is noticed in about 30 s */
		s = natsOptions_SetPingInterval(st->opts, 10000);
	if (s == NATS_OK)
		s = natsOptions_SetMaxPingsOut(st->opts, 3);
	if (s == NATS_OK)
		s = natsStatistics_Create(&st->stats);
	if (s != NATS_OK) {
		rc = nerr(n, err, s == NATS_NO_MEMORY ? FC_ENOMEM : FC_ECONFIG, "connection options: %s",
		          why(s, buf, sizeof buf));
		goto fail;
	}
	s = natsConnection_Connect(&st->nc, st->opts);
	if (s != NATS_OK) {
		st->nc = NULL;
		rc = fc_errf(err, FC_ECONNECT, "%s: cannot connect: %s", n->shown, why(s, buf, sizeof buf));
		goto fail;
	}
	st->max_payload = natsConnection_GetMaxPayload(st->nc);
	st->reconnects_seen = reconnect_count(st);

	jsOptions_Init(&jo);
	jo.Wait = REQUEST_WAIT_MS;
	jo.PublishAsync.AckHandler = on_ack;
	jo.PublishAsync.AckHandlerClosure = st;
	s = natsConnection_JetStream(&st->js, st->nc, &jo);
	if (s != NATS_OK) {
		st->js = NULL;
		rc = nerr(n, err, FC_EIO, "JetStream context: %s", why(s, buf, sizeof buf));
		goto fail;
	}
	return 0;
fail:
	cdc_nats_close(n);
	return rc;
}

int cdc_nats_open_prefix(struct cdc_nats *n, const char *url, const char *stream,
                         const char *subject_prefix, const char *checkpoint_name,
                         struct cdc_pos *resume, bool *have_resume, struct fc_err *err)
{
	int rc;

	*have_resume = false;
	if ((rc = connect_js(n, url, stream, subject_prefix, checkpoint_name, err)) != 0)
		return rc;
	if ((rc = ensure_stream(n, err)) != 0 || (rc = open_bucket(n, true, err)) != 0 ||
	    (rc = read_checkpoint(n, resume, have_resume, err)) != 0)
		cdc_nats_close(n);
	return rc;
}

int cdc_nats_peek(const char *url, const char *stream, const char *checkpoint_name,
                  struct cdc_nats_peek *out, struct fc_err *err)
{
	struct cdc_nats n;
	jsStreamInfo *si = NULL;
	natsStatus s;
	char what[300];
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = connect_js(&n, url, stream, NULL, checkpoint_name, err)) != 0)
		return rc;
	s = js_GetStreamInfo(&si, n.st->js, n.stream, NULL, NULL);
	if (s == NATS_OK) {
		out->have_stream = true;
		out->msgs = si->State.Msgs;
		out->last_seq = si->State.LastSeq;
		jsStreamInfo_Destroy(si);
	} else if (s != NATS_NOT_FOUND) {
		snprintf(what, sizeof what, "reading stream %s", n.stream);
		rc = js_fail(&n, s, 0, what, err);
	}
	if (rc == 0 && (rc = open_bucket(&n, false, err)) == 0)
		rc = read_checkpoint(&n, &out->checkpoint, &out->have_checkpoint, err);
	cdc_nats_close(&n);
	return rc;
}

void cdc_nats_close(struct cdc_nats *n)
{
	struct cdc_nats_state *st = n->st;
	if (!st)
		return;
	if (st->js && st->async_used) {
		natsMsgList stale;
		jsPubOptions po;
		/* take back what still waits for an acknowledgement, then wait for a
		 * handler call in progress to end: none can come after that */
		memset(&stale, 0, sizeof stale);
		if (js_PublishAsyncGetPendingList(&stale, st->js) == NATS_OK)
			natsMsgList_Destroy(&stale);
		jsPubOptions_Init(&po);
		po.MaxWait = 2000;
		js_PublishAsyncComplete(st->js, &po);
	}
	if (st->kv)
		kvStore_Destroy(st->kv);
	if (st->js)
		jsCtx_Destroy(st->js);
	if (st->nc)
		natsConnection_Destroy(st->nc);
	if (st->opts)
		natsOptions_Destroy(st->opts);
	if (st->stats)
		natsStatistics_Destroy(st->stats);
	for (uint64_t i = st->head; i < st->tail; i++)
		free(slot(st, i)->buf);
	if (st->sync_init) {
		pthread_cond_destroy(&st->cond);
		pthread_mutex_destroy(&st->mu);
	}
	free(st);
	n->st = NULL;
}
