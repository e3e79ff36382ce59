/* router/proxy.c - the exchange between a client and an upstream.
 *
 * A client connection carries one exchange at a time:
 *
 *   head parsed ──▶ routed, upstream connection taken from the pool, head
 *   written to it; body pieces follow as they are parsed ──▶ request
 *   complete: the request parser pauses (later pipelined bytes wait in
 *   c->in) ──▶ response parsed from the upstream, head and body written to
 *   the client as they come ──▶ response complete: the upstream connection
 *   goes back to the pool, the request parser resumes on the next request.
 *
 * Backpressure: the client's bytes are parsed only while the upstream
 * connection's output holds less than RT_HIGH; the upstream is read only
 * while the client's output holds less than RT_HIGH; a client is read only
 * while its unparsed input is below RT_IN_MAX. So a slow side stops the
 * other, and no buffer grows past its mark by more than one read.
 *
 * Failures of the upstream (connect refused, reset, bad response, the
 * route's timeout) before any response byte went to the client answer 502
 * or 504, unless the request can be retried: a stale pooled connection is
 * retried once on a fresh one, and a request sent to the new side is
 * retried on legacy (also on a 5xx from new) when it is GET, HEAD or
 * OPTIONS and its whole request (at most RT_REPLAY_MAX bytes) is kept.
 * After response bytes went out, a failure closes the client.
 *
 * Each upstream's circuit breaker (breaker.h) is asked before a request is
 * sent (open: new falls back to legacy at once, legacy answers 503) and
 * told every outcome. In shadow mode legacy's decoded response body is
 * kept (up to router.shadow.max_body) and handed with the request to
 * shadow.c when the response is complete. Every exchange is recorded once
 * (exchange_record): the route's counters and histogram, the access log.
 *
 * Nothing here frees memory while an event is being handled: closed
 * clients and upstream connections are marked dead and freed between loop
 * iterations (rt_proxy_reap, rt_pool_reap). */
#include "proxy.h"

#include "shadow.h"

#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum rt_fail { F_NONE, F_CONNECT, F_BROKEN, F_TIMEOUT, F_5XX, F_OPEN };

struct rt_client {
	struct rt_io io;
	struct rt_worker *w;
	struct rt_client *prev, *next;   /* w->clients, or w->dead */
	http_parser p;
	struct rt_msg req;
	struct fc_buf in;
	size_t in_off;                   /* parsed up to here */
	struct fc_buf out;
	size_t out_off;
	char ip[64];
	uint64_t last_active;
	bool dead, closing, peer_eof;
	bool in_msg;                     /* a request has begun and not completed */
	int err_status;                  /* set by a callback that refuses the request */
	const char *err_detail;
	enum rt_fail fail;               /* set by a callback, handled after the parse */

	/* the exchange in progress */
	bool busy;                       /* dispatched, response not complete */
	bool req_done, resp_started;
	bool keep_alive, resp_close, client_10, is_head, idempotent;
	bool replayable, retried, retried_stale;
	enum rt_framing req_framing, resp_framing;
	uint64_t req_length;
	struct rt_pick pick;
	struct rt_upconn *up;
	struct fc_buf replay;            /* the whole request as sent upstream */

	/* what is recorded when the exchange ends (counters, access log) */
	struct rt_gen *gen;              /* the generation it was picked under */
	struct rt_route_stats *rs;
	bool recorded, fell_back;
	int status;                      /* sent to the client (0: none yet) */
	uint64_t t0_us;
	char line[512];                  /* "METHOD target" (shadow, access log) */

	/* shadow mode: legacy's response kept for the comparison */
	bool shadow_on;
	struct fc_buf sbody;
};

static void client_step(struct rt_client *c);
static void exchange_fail(struct rt_client *c, enum rt_fail kind);
static void exchange_record(struct rt_client *c);

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* --- clients --------------------------------------------------------- */

static void client_close(struct rt_client *c)
{
	struct rt_worker *w = c->w;
	if (c->dead)
		return;
	if (c->busy)
		exchange_record(c);   /* the client left mid-exchange */
	c->dead = true;
	if (c->up) {
		rt_upconn_close(c->up);
		c->up = NULL;
	}
	rt_loop_close(&w->loop, &c->io);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = w->dead;
	w->dead = c;
}

static void client_free(struct rt_client *c)
{
	rt_msg_release(&c->req);
	fc_buf_release(&c->in);
	fc_buf_release(&c->out);
	fc_buf_release(&c->replay);
	fc_buf_release(&c->sbody);
	rt_gen_drop(c->gen);
	free(c);
}

void rt_proxy_reap(struct rt_worker *w)
{
	while (w->dead) {
		struct rt_client *c = w->dead;
		w->dead = c->next;
		client_free(c);
	}
	rt_pool_reap(&w->pool);
	rt_pool_reap(&w->spool);
}

void rt_proxy_close_all(struct rt_worker *w)
{
	while (w->clients)
		client_close(w->clients);
	rt_proxy_reap(w);
}

void rt_proxy_drain(struct rt_worker *w)
{
	struct rt_client *c, *next;

	w->draining = true;
	rt_loop_close(&w->loop, &w->listener);
	for (c = w->clients; c; c = next) {
		next = c->next;
		client_step(c);   /* an idle one closes */
	}
	rt_proxy_reap(w);
}

/* Our own response (an error), then close or go on with the next request. */
static void respond_error(struct rt_client *c, int status, const char *detail, bool close)
{
	if (status >= 500)
		c->w->stats.errors_5xx++;
	else
		c->w->stats.errors_4xx++;
	c->status = status;
	if (rt_http_error(&c->out, status, detail, close))
		close = true;
	if (close)
		c->closing = true;
}

/* --- request parsing ------------------------------------------------- */

static struct rt_client *CL(http_parser *p)
{
	return p->data;
}

static int refuse(struct rt_client *c, int status, const char *detail)
{
	c->err_status = status;
	c->err_detail = detail;
	return -1;
}

static int rq_begin(http_parser *p)
{
	struct rt_client *c = CL(p);
	rt_msg_reset(&c->req);
	c->in_msg = true;
	return 0;
}

static int head_limit(struct rt_client *c)
{
	return refuse(c, 431, c->req.too_many ? "too many header fields" : "request head too large");
}

static int rq_url(http_parser *p, const char *at, size_t len)
{
	return rt_msg_start(&CL(p)->req, at, len) ? head_limit(CL(p)) : 0;
}

static int rq_field(http_parser *p, const char *at, size_t len)
{
	return rt_msg_field(&CL(p)->req, at, len) ? head_limit(CL(p)) : 0;
}

static int rq_value(http_parser *p, const char *at, size_t len)
{
	return rt_msg_value(&CL(p)->req, at, len) ? head_limit(CL(p)) : 0;
}

static struct fc_span req_field(void *ctx, const char *name)
{
	return rt_msg_get(&((struct rt_client *)ctx)->req, name);
}

/* Sends what c->replay holds (the request so far) on a connection to the
 * picked upstream. The exchange's failure, if the connect failed at once,
 * is left in c->fail. */
static void dispatch(struct rt_client *c)
{
	struct rt_worker *w = c->w;
	const struct fc_router_config *rc = c->gen->rc;
	struct rt_upconn *u;
	bool probe;
	while (!rt_breaker_allow(&w->sh->ups[c->pick.upstream].br, w->now,
	                         rc->breaker_cooldown_ms, &probe)) {
		if (c->pick.side != RT_SIDE_NEW || c->pick.legacy == c->pick.upstream) {
			c->fail = F_OPEN;
			return;
		}
		/* nothing was sent to new: legacy may take any request */
		c->pick.side = RT_SIDE_LEGACY;
		c->pick.upstream = c->pick.legacy;
		c->fell_back = true;
		w->stats.fallbacks++;
		atomic_fetch_add_explicit(&c->rs->fallbacks, 1, memory_order_relaxed);
	}
	/* peek at a pooled connection unless a stale one can be retried: a
	 * body-less GET, HEAD or OPTIONS */
	u = rt_pool_get(&w->pool, c->pick.upstream, c,
	                !c->idempotent || c->req_framing != RT_BODY_NONE || !c->replayable);
	c->up = u;
	if (!u) {
		c->fail = F_CONNECT;
		return;
	}
	u->deadline = w->now + (uint64_t)c->pick.timeout_ms;
	if (u->failed) {
		c->fail = F_CONNECT;
		return;
	}
	if (fc_buf_append(&u->out, c->replay.ptr, c->replay.len))
		c->fail = F_BROKEN;
}

/* Whether the transfer coding of a chunked request is "chunked" alone. */
static bool chunked_only(const struct rt_msg *m)
{
	int n = 0;
	for (uint32_t i = 0; i < m->nh; i++) {
		struct fc_span nm = rt_msg_name(m, i), v = rt_msg_val(m, i);
		if (nm.len != 17 || strncasecmp(nm.ptr, "transfer-encoding", 17))
			continue;
		while (v.len && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\t'))
			v.len--;
		if (++n > 1 || v.len != 7 || strncasecmp(v.ptr, "chunked", 7))
			return false;
	}
	return n == 1;
}

static uint64_t next_rand(struct rt_worker *w)
{
	uint64_t x = w->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return w->rng = x;
}

static int rq_headers(http_parser *p)
{
	struct rt_client *c = CL(p);
	struct rt_worker *w = c->w;
	const struct rt_upstream *up;
	struct fc_span path, target;
	struct rt_fwd fwd;
	const char *method = http_method_str((enum http_method)p->method);
	struct rt_gen *g = w->gen;
	struct fc_span expect;

	if (p->http_major != 1)
		return refuse(c, 505, "only HTTP/1.x is served");
	if (p->upgrade || p->method == HTTP_CONNECT)
		return refuse(c, 501, "CONNECT and protocol upgrades are not supported");
	c->client_10 = p->http_minor == 0;
	if (!rt_msg_names_valid(&c->req))
		return refuse(c, 400, "bad header field name");
	if (!c->client_10 && !rt_msg_get(&c->req, "host").ptr)
		return refuse(c, 400, "missing Host header");
	if ((p->flags & F_CHUNKED) && !chunked_only(&c->req))
		return refuse(c, 400, "unsupported Transfer-Encoding (only chunked)");
	if (!rt_url_path(rt_msg_url(&c->req), &path, &target))
		return refuse(c, 400, "bad request target");
	expect = rt_msg_get(&c->req, "expect");
	if (expect.ptr && !(expect.len == 12 && strncasecmp(expect.ptr, "100-continue", 12) == 0))
		return refuse(c, 417, "only Expect: 100-continue is supported");

	c->busy = true;
	c->req_done = c->resp_started = c->retried = c->retried_stale = false;
	c->fail = F_NONE;
	c->keep_alive = http_should_keep_alive(p);
	c->is_head = p->method == HTTP_HEAD;
	c->idempotent = p->method == HTTP_GET || p->method == HTTP_HEAD ||
	                p->method == HTTP_OPTIONS;
	c->req_framing = (p->flags & F_CHUNKED)         ? RT_BODY_CHUNKED
	                 : (p->flags & F_CONTENTLENGTH) ? RT_BODY_LENGTH
	                                                : RT_BODY_NONE;
	c->req_length = p->content_length;
	w->stats.requests++;
	rt_table_pick(w->table, w->matcher, method, path, req_field, c, next_rand(w), &c->pick);
	/* config upstream indexes -> the server's slots */
	c->pick.upstream = g->slot[c->pick.upstream];
	c->pick.legacy = g->slot[c->pick.legacy];
	c->pick.new_ = c->pick.new_ >= 0 ? g->slot[c->pick.new_] : -1;
	if (c->gen != g) {   /* the client holds the generation of its last exchange */
		rt_gen_hold(g);
		rt_gen_drop(c->gen);
		c->gen = g;
	}
	c->rs = c->pick.route >= 0 ? g->rstats[c->pick.route] : g->dstats;
	c->recorded = c->fell_back = false;
	c->status = 0;
	c->t0_us = now_us();
	if (g->access_fd >= 0 || c->pick.shadow)
		snprintf(c->line, sizeof c->line, "%s %.*s", method, (int)target.len, target.ptr);
	c->shadow_on = c->pick.shadow && c->pick.new_ >= 0;
	if (c->shadow_on) {
		size_t want = g->rc->shadow_max_body ? (size_t)g->rc->shadow_max_body : 1;
		if (c->sbody.max != want) {
			fc_buf_release(&c->sbody);
			fc_buf_init(&c->sbody, want);
		}
		fc_buf_reset(&c->sbody);
	}
	if (c->pick.side == RT_SIDE_NEW)
		w->stats.to_new++;

	up = &w->sh->ups[c->pick.upstream];
	fwd = (struct rt_fwd){ c->ip, up->hostport, c->req_framing, c->req_length };
	fc_buf_reset(&c->replay);
	c->replayable = true;
	if (rt_http_request_head(&c->replay, p, &c->req, target, &fwd))
		return refuse(c, 431, "request head too large");
	dispatch(c);
	/* the client waits for a go before sending its body: we stream it
	 * anyway, so say so at once (the upstream never sees Expect) */
	if (expect.ptr && !c->fail && !c->client_10 && c->req_framing != RT_BODY_NONE &&
	    fc_buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n"))
		c->fail = F_BROKEN;
	return 0;
}

/* Appends request body bytes for the upstream, and to the replay copy
 * while it stays small enough. */
static int rq_put(struct rt_client *c, const char *at, size_t len, bool end)
{
	if (c->up && !c->fail &&
	    (end ? rt_http_body_end(&c->up->out, c->req_framing)
	         : rt_http_body(&c->up->out, c->req_framing, at, len)))
		c->fail = F_BROKEN;
	if (c->replayable) {
		size_t before = c->replay.len;
		int rc = end ? rt_http_body_end(&c->replay, c->req_framing)
		             : rt_http_body(&c->replay, c->req_framing, at, len);
		if (rc || c->replay.len > RT_REPLAY_MAX) {
			c->replayable = false;
			c->replay.len = before;
		}
	}
	return 0;
}

static int rq_body(http_parser *p, const char *at, size_t len)
{
	return rq_put(CL(p), at, len, false);
}

static int rq_complete(http_parser *p)
{
	struct rt_client *c = CL(p);
	rq_put(c, NULL, 0, true);
	c->req_done = true;
	c->in_msg = false;
	http_parser_pause(p, 1);   /* the next request waits for this response */
	return 0;
}

static const http_parser_settings req_settings = {
	.on_message_begin = rq_begin,
	.on_url = rq_url,
	.on_header_field = rq_field,
	.on_header_value = rq_value,
	.on_headers_complete = rq_headers,
	.on_body = rq_body,
	.on_message_complete = rq_complete,
};

/* A request the parser or a callback refused: 4xx/5xx and close. */
static void request_error(struct rt_client *c, enum http_errno e)
{
	int status = c->err_status ? c->err_status : e == HPE_HEADER_OVERFLOW ? 431 : 400;
	const char *detail = c->err_detail ? c->err_detail : http_errno_description(e);
	if (c->up) {
		rt_upconn_close(c->up);
		c->up = NULL;
	}
	if (c->resp_started)
		c->closing = true;
	else
		respond_error(c, status, detail, true);
	if (c->busy)
		exchange_record(c);
}

/* Parses what the client sent, as far as the exchange allows. */
static void feed(struct rt_client *c)
{
	while (!c->dead && !c->closing && c->in_off < c->in.len && !c->req_done) {
		size_t n = c->in.len - c->in_off, k;
		enum http_errno e;
		if (c->up && rt_pending(&c->up->out, c->up->out_off) >= RT_HIGH)
			break;
		if (n > 16384)
			n = 16384;
		k = http_parser_execute(&c->p, &req_settings, c->in.ptr + c->in_off, n);
		c->in_off += k;
		e = HTTP_PARSER_ERRNO(&c->p);
		if (e != HPE_OK && e != HPE_PAUSED) {
			request_error(c, e);
			break;
		}
		if (c->fail) {
			enum rt_fail f = c->fail;
			c->fail = F_NONE;
			exchange_fail(c, f);
		}
	}
	if (c->in_off == c->in.len) {
		fc_buf_reset(&c->in);
		c->in_off = 0;
	}
}

/* --- the exchange ------------------------------------------------------ */

/* One JSON line per exchange when router.access_log is set. */
static void access_log(struct rt_client *c, uint64_t us)
{
	struct fc_buf req = FC_BUF_INIT;
	struct timespec ts;
	struct tm tm;
	char when[40];
	json_t *o;
	char *line;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof when - strlen(when), ".%03ldZ", ts.tv_nsec / 1000000);
	fc_buf_put_utf8(&req, c->line, strlen(c->line));   /* JSON takes UTF-8 only */
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:b}", "time", when, "client",
	              c->ip, "request", req.ptr ? req.ptr : "", "route", c->rs->name, "side",
	              c->pick.side == RT_SIDE_NEW ? "new" : "legacy", "upstream",
	              c->w->sh->ups[c->pick.upstream].name, "status", c->status, "ms",
	              (double)us / 1000.0, "fallback", c->fell_back);
	fc_buf_release(&req);
	if (!o)
		return;
	if ((line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)))) {
		size_t n = strlen(line);
		line[n] = '\n';   /* the NUL goes: the line is written by length */
		if (write(c->gen->access_fd, line, n + 1) < 0) {
			/* a full disk must not stop the proxy; nothing else to do */
		}
		free(line);
	}
	json_decref(o);
}

/* Counts the exchange once: status class, latency, access log. */
static void exchange_record(struct rt_client *c)
{
	uint64_t us;
	if (c->recorded || !c->rs)
		return;
	c->recorded = true;
	us = now_us() - c->t0_us;
	rt_stats_record(c->rs, c->pick.side == RT_SIDE_NEW, c->status, us);
	if (c->gen->access_fd >= 0)
		access_log(c, us);
}

static bool can_fall_back(const struct rt_client *c)
{
	return !c->resp_started && c->req_done && c->replayable && c->idempotent &&
	       !c->retried && c->pick.side == RT_SIDE_NEW && c->pick.legacy != c->pick.upstream;
}

/* The exchange is over (response complete or our error sent): the next
 * pipelined request may be parsed. */
static void exchange_finish(struct rt_client *c)
{
	c->busy = false;
	c->req_done = c->resp_started = false;
	c->up = NULL;
	fc_buf_reset(&c->replay);
	http_parser_pause(&c->p, 0);
}

static void exchange_fail(struct rt_client *c, enum rt_fail kind)
{
	struct rt_upconn *u = c->up;
	bool stale = u && u->reused && !u->got_bytes && (kind == F_BROKEN || kind == F_CONNECT);
	if (!stale && kind != F_5XX && kind != F_OPEN && !c->dead && c->busy)
		rt_breaker_done(&c->w->sh->ups[c->pick.upstream].br, false, c->w->now,
		                c->gen->rc->breaker_failures);
	if (u) {
		rt_upconn_close(u);
		c->up = NULL;
	}
	if (c->dead)
		return;
	if (stale && !c->resp_started && c->req_done && c->replayable && c->idempotent &&
	    !c->retried_stale) {
		/* the upstream closed a pooled connection as we reused it */
		c->retried_stale = true;
		dispatch(c);
	} else if (can_fall_back(c)) {
		c->retried = true;
		c->pick.upstream = c->pick.legacy;
		c->pick.side = RT_SIDE_LEGACY;
		c->fell_back = true;
		c->w->stats.fallbacks++;
		atomic_fetch_add_explicit(&c->rs->fallbacks, 1, memory_order_relaxed);
		dispatch(c);
	} else if (!c->resp_started) {
		bool close = !c->req_done || !c->keep_alive;
		respond_error(c, kind == F_TIMEOUT ? 504 : kind == F_OPEN ? 503 : 502,
		              kind == F_TIMEOUT   ? "upstream timed out"
		              : kind == F_CONNECT ? "upstream refused the connection"
		              : kind == F_OPEN    ? "upstream circuit breaker is open"
		                                  : "upstream failed",
		              close);
		exchange_record(c);
		if (!close)
			exchange_finish(c);
		return;
	} else {
		exchange_record(c);
		c->closing = true;   /* the response is cut short: the client sees the close */
		return;
	}
	if (c->fail) {
		enum rt_fail f = c->fail;
		c->fail = F_NONE;
		exchange_fail(c, f);
	}
}

/* --- response parsing ------------------------------------------------ */

static struct rt_upconn *UP(http_parser *p)
{
	return p->data;
}

static int rs_begin(http_parser *p)
{
	rt_msg_reset(&UP(p)->resp);
	return 0;
}

static int rs_status(http_parser *p, const char *at, size_t len)
{
	return rt_msg_start(&UP(p)->resp, at, len);
}

static int rs_field(http_parser *p, const char *at, size_t len)
{
	return rt_msg_field(&UP(p)->resp, at, len);
}

static int rs_value(http_parser *p, const char *at, size_t len)
{
	return rt_msg_value(&UP(p)->resp, at, len);
}

static int rs_headers(http_parser *p)
{
	struct rt_upconn *u = UP(p);
	struct rt_client *c = u->client;
	unsigned status = p->status_code;
	bool skip = c->is_head || status == 204 || status == 304;
	enum rt_framing f;

	if (status == 101 || status < 100 || !rt_msg_names_valid(&u->resp))
		return -1;   /* we never ask for an upgrade */
	/* A 5xx is a failure for the breaker only on the new side, where the
	 * request can go to legacy instead. Legacy has nothing to fall back
	 * to: its 5xx are passed on, and only refused or broken connections
	 * and timeouts open its breaker (else one endpoint answering 500 would
	 * shut every legacy route). */
	if (status >= 200)
		rt_breaker_done(&c->w->sh->ups[u->up].br,
		                status < 500 || c->pick.side != RT_SIDE_NEW, c->w->now,
		                c->gen->rc->breaker_failures);
	if (status >= 500 && can_fall_back(c)) {
		c->fail = F_5XX;
		return -1;
	}
	if (status < 200) {   /* interim (100 Continue ...): passed on as it is */
		c->resp_started = true;
		return rt_http_response_head(&c->out, p, &u->resp, RT_BODY_NONE, false, c->client_10)
		               ? -1
		               : 0;
	}
	if (skip)
		f = RT_BODY_NONE;
	else if (p->flags & F_CHUNKED)
		f = c->client_10 ? RT_BODY_EOF : RT_BODY_CHUNKED;
	else if (p->flags & F_CONTENTLENGTH)
		f = RT_BODY_LENGTH;
	else
		f = c->client_10 ? RT_BODY_EOF : RT_BODY_CHUNKED;
	u->until_close = !skip && !(p->flags & (F_CHUNKED | F_CONTENTLENGTH));
	c->resp_framing = f;
	if (c->shadow_on) {
		/* an encoded (gzip ...) answer is not compared: new is asked for
		 * identity, and compressed bytes differ whatever they hold */
		struct fc_span ce = rt_msg_get(&u->resp, "content-encoding");
		if (ce.ptr && !(ce.len == 8 && !strncasecmp(ce.ptr, "identity", 8))) {
			c->shadow_on = false;
			atomic_fetch_add_explicit(&c->rs->shadow_dropped, 1, memory_order_relaxed);
		}
	}
	c->resp_close = !c->keep_alive || f == RT_BODY_EOF || !c->req_done || c->closing ||
	                c->w->draining;
	c->resp_started = true;
	c->status = (int)status;
	if (status >= 500)
		c->w->stats.errors_5xx++;
	if (rt_http_response_head(&c->out, p, &u->resp, f, c->resp_close, c->client_10))
		return -1;
	return c->is_head ? 1 : 0;
}

static int rs_body(http_parser *p, const char *at, size_t len)
{
	struct rt_client *c = UP(p)->client;
	if (c->shadow_on && fc_buf_append(&c->sbody, at, len)) {
		c->shadow_on = false;   /* over shadow.max_body: not compared */
		atomic_fetch_add_explicit(&c->rs->shadow_dropped, 1, memory_order_relaxed);
	}
	return rt_http_body(&c->out, c->resp_framing, at, len) ? -1 : 0;
}

static int rs_complete(http_parser *p)
{
	struct rt_client *c = UP(p)->client;
	if (p->status_code < 200)
		return 0;   /* the final response follows */
	if (rt_http_body_end(&c->out, c->resp_framing))
		return -1;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings resp_settings = {
	.on_message_begin = rs_begin,
	.on_status = rs_status,
	.on_header_field = rs_field,
	.on_header_value = rs_value,
	.on_headers_complete = rs_headers,
	.on_body = rs_body,
	.on_message_complete = rs_complete,
};

/* The response is complete: the connection goes back to the pool when
 * both sides are clean, and the client goes on. */
static void response_complete(struct rt_upconn *u, bool extra)
{
	struct rt_client *c = u->client;
	bool reusable = !extra && !u->until_close && http_should_keep_alive(&u->p) && c->req_done &&
	                rt_pending(&u->out, u->out_off) == 0;
	if (c->shadow_on) {
		if (c->replayable && c->req_done)
			rt_shadow_submit(c->w, c->gen, c->rs, c->pick.route, c->pick.new_, c->line,
			                 &c->replay, c->status, &c->sbody, c->is_head);
		else
			atomic_fetch_add_explicit(&c->rs->shadow_dropped, 1, memory_order_relaxed);
		c->shadow_on = false;
	}
	exchange_record(c);
	c->up = NULL;
	if (reusable)
		rt_pool_put(&c->w->pool, u);
	else
		rt_upconn_close(u);
	if (c->resp_close)
		c->closing = true;
	else
		exchange_finish(c);
}

/* Reads and parses what the upstream sent, as much as the client's output
 * allows (all of it when the connection broke). */
static void up_read(struct rt_upconn *u, bool force)
{
	struct rt_client *c = u->client;
	struct rt_worker *w = c->w;
	for (;;) {
		size_t room = sizeof w->scratch, k;
		size_t pending = rt_pending(&c->out, c->out_off);
		enum http_errno e;
		ssize_t n;
		if (!force && pending >= RT_HIGH)
			return;
		if (!force && RT_HIGH - pending < room)
			room = RT_HIGH - pending;
		n = recv(u->io.fd, w->scratch, room, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			exchange_fail(c, F_BROKEN);
			return;
		}
		u->deadline = w->now + (uint64_t)c->pick.timeout_ms;
		if (n == 0) {
			/* EOF: ends a body that runs until close, else breaks the exchange */
			if (u->until_close && u->got_bytes) {
				http_parser_execute(&u->p, &resp_settings, NULL, 0);
				if (HTTP_PARSER_ERRNO(&u->p) == HPE_PAUSED) {
					response_complete(u, false);
					return;
				}
			}
			exchange_fail(c, F_BROKEN);
			return;
		}
		u->got_bytes = true;
		k = http_parser_execute(&u->p, &resp_settings, w->scratch, (size_t)n);
		e = HTTP_PARSER_ERRNO(&u->p);
		if (e == HPE_PAUSED) {
			response_complete(u, k < (size_t)n);
			return;
		}
		if (e != HPE_OK) {
			enum rt_fail f = c->fail ? c->fail : F_BROKEN;
			c->fail = F_NONE;
			exchange_fail(c, f);
			return;
		}
	}
}

static uint32_t up_mask(const struct rt_upconn *u)
{
	const struct rt_client *c = u->client;
	uint32_t m = 0;
	if (!u->connected)
		return EPOLLOUT;
	if (rt_pending(&u->out, u->out_off))
		m |= EPOLLOUT;
	if (!c || rt_pending(&c->out, c->out_off) < RT_HIGH)
		m |= EPOLLIN | EPOLLRDHUP;
	return m;
}

void rt_proxy_on_upstream(struct rt_io *io, uint32_t ev)
{
	struct rt_upconn *u = (struct rt_upconn *)io;
	struct rt_client *c = u->client;

	if (!c) {   /* idle in the pool: any byte or EOF ends it */
		rt_upconn_close(u);
		return;
	}
	if (!u->connected) {
		int e = 0;
		socklen_t len = sizeof e;
		if ((ev & (EPOLLERR | EPOLLHUP)) ||
		    getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e) {
			exchange_fail(c, F_CONNECT);
			client_step(c);
			return;
		}
		u->connected = true;
	}
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
		up_read(u, (ev & (EPOLLERR | EPOLLHUP)) != 0);
	/* after a read, u may be idle again, closed, or bound to the next request */
	client_step(c);
}

/* --- client events ---------------------------------------------------- */

static uint32_t client_mask(const struct rt_client *c)
{
	uint32_t m = 0;
	if (!c->closing && !c->peer_eof && c->in.len - c->in_off < RT_IN_MAX)
		m |= EPOLLIN | EPOLLRDHUP;
	if (rt_pending(&c->out, c->out_off))
		m |= EPOLLOUT;
	return m;
}

/* Drives a client after anything happened to it or its upstream: parse,
 * write both ways, close when done, set the interest of both sockets. */
static void client_step(struct rt_client *c)
{
	struct rt_worker *w = c->w;
	struct rt_upconn *u;
	if (c->dead)
		return;
	feed(c);
	if (c->dead)
		return;
	if ((u = c->up) && u->connected && !u->io.dead) {
		if (rt_flush(u->io.fd, &u->out, &u->out_off) < 0) {
			exchange_fail(c, F_BROKEN);
			if (c->dead)
				return;
			feed(c);
		} else {
			u->deadline = w->now + (uint64_t)c->pick.timeout_ms;
		}
	}
	if (rt_pending(&c->out, c->out_off)) {
		size_t before = rt_pending(&c->out, c->out_off);
		if (rt_flush(c->io.fd, &c->out, &c->out_off) < 0) {
			client_close(c);
			return;
		}
		if (rt_pending(&c->out, c->out_off) < before)
			c->last_active = w->now;
	}
	if (rt_pending(&c->out, c->out_off) == 0 &&
	    (c->closing || (c->peer_eof && !c->busy && c->in_off == c->in.len) ||
	     (w->draining && !c->busy && !c->in_msg && c->in_off == c->in.len))) {
		client_close(c);
		return;
	}
	if (rt_loop_set(&w->loop, &c->io, client_mask(c)) < 0) {
		client_close(c);
		return;
	}
	if ((u = c->up) && !u->io.dead && rt_loop_set(&w->loop, &u->io, up_mask(u)) < 0)
		exchange_fail(c, F_BROKEN);
}

static void client_read(struct rt_client *c)
{
	for (;;) {
		size_t room = RT_IN_MAX - (c->in.len - c->in_off);
		char *dst;
		ssize_t n;
		if (c->in.len - c->in_off >= RT_IN_MAX)
			return;
		if (c->in_off && c->in.len + room > RT_IN_MAX) {
			memmove(c->in.ptr, c->in.ptr + c->in_off, c->in.len - c->in_off);
			c->in.len -= c->in_off;
			c->in_off = 0;
		}
		if (room > 16384)
			room = 16384;
		if (!(dst = fc_buf_room(&c->in, room))) {
			client_close(c);
			return;
		}
		n = recv(c->io.fd, dst, room, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_close(c);
			return;
		}
		if (n == 0) {
			c->peer_eof = true;
			/* a request cut in the middle can never be answered */
			if (c->in_msg && !c->req_done)
				client_close(c);
			return;
		}
		fc_buf_commit(&c->in, (size_t)n);
		c->last_active = c->w->now;
		if ((size_t)n < room)
			return;
	}
}

static void on_client(struct rt_io *io, uint32_t ev)
{
	struct rt_client *c = (struct rt_client *)io;
	if (ev & EPOLLERR) {
		client_close(c);
		return;
	}
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
		client_read(c);
	client_step(c);
}

void rt_proxy_on_listen(struct rt_io *io, uint32_t events)
{
	struct rt_worker *w = (struct rt_worker *)((char *)io - offsetof(struct rt_worker, listener));
	(void)events;
	for (;;) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof sa;
		struct rt_client *c;
		int one = 1;
		int fd = accept4(io->fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;   /* EAGAIN, or out of descriptors: try at the next event */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (!(c = calloc(1, sizeof *c))) {
			close(fd);
			continue;
		}
		c->w = w;
		c->io.fd = fd;
		c->io.on_event = on_client;
		rt_addr_ip((struct sockaddr *)&sa, c->ip, sizeof c->ip);
		http_parser_init(&c->p, HTTP_REQUEST);
		c->p.data = c;
		rt_msg_init(&c->req);
		fc_buf_init(&c->in, RT_IN_MAX + 64);
		fc_buf_init(&c->out, (size_t)1 << 20);
		fc_buf_init(&c->replay, RT_REPLAY_MAX + 4 * RT_MAX_HEAD);
		fc_buf_init(&c->sbody, 1);
		c->last_active = w->now;
		c->next = w->clients;
		if (w->clients)
			w->clients->prev = c;
		w->clients = c;
		w->stats.accepted++;
		if (rt_loop_set(&w->loop, &c->io, EPOLLIN | EPOLLRDHUP) < 0)
			client_close(c);
	}
}

void rt_proxy_tick(struct rt_worker *w)
{
	struct rt_upconn *u, *un;
	struct rt_client *c, *cn;
	for (u = w->pool.busy; u; u = un) {
		un = u->next;
		c = u->client;
		if (!c || c->dead || w->now < u->deadline)
			continue;
		if (rt_pending(&c->out, c->out_off) >= RT_HIGH)
			continue;   /* waiting for the client, not for the upstream */
		/* un stays in the busy list: only c's connections change */
		exchange_fail(c, F_TIMEOUT);
		client_step(c);
	}
	for (c = w->clients; c; c = cn) {
		cn = c->next;
		if (w->now - c->last_active < (uint64_t)w->gen->rc->client_timeout_ms)
			continue;
		if (c->busy) {
			if (!c->req_done && !c->resp_started) {
				/* the request body stopped coming */
				if (c->up) {
					rt_upconn_close(c->up);
					c->up = NULL;
				}
				respond_error(c, 408, "request not received in time", true);
				exchange_record(c);
				client_step(c);
			} else if (rt_pending(&c->out, c->out_off) >= RT_HIGH) {
				client_close(c);   /* it stopped reading the response */
			}
			continue;
		}
		if (c->in_msg || c->in_off < c->in.len) {
			respond_error(c, 408, "request not received in time", true);
			client_step(c);
		} else {
			client_close(c);
		}
	}
}
