/* router/shadow.c - shadow copies and the comparison, see shadow.h. */
#include "shadow.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct rt_shadow_job {
	struct rt_shadow_job *next;      /* the queue */
	struct rt_worker *w;
	struct rt_gen *gen;
	struct rt_route_stats *rs;
	int route, up;
	char line[512];
	struct fc_buf req;
	int legacy_status;
	struct fc_buf legacy_body;
	bool is_head, retried;
	int new_status;
	struct fc_buf new_body;
	bool overflow;                   /* new's body was over max_body */
	struct rt_upconn *u;
	uint64_t deadline;
};

struct rt_shadow {
	struct rt_shadow_job *head, *tail;
	int queued, inflight;
};

int rt_shadow_init(struct rt_worker *w)
{
	return (w->shadow = calloc(1, sizeof *w->shadow)) ? 0 : -FC_ENOMEM;
}

static void job_free(struct rt_shadow_job *j)
{
	rt_gen_drop(j->gen);
	fc_buf_release(&j->req);
	fc_buf_release(&j->legacy_body);
	fc_buf_release(&j->new_body);
	free(j);
}

void rt_shadow_release(struct rt_worker *w)
{
	struct rt_shadow *s = w->shadow;
	struct rt_upconn *u, *un;
	if (!s)
		return;
	while (s->head) {
		struct rt_shadow_job *j = s->head;
		s->head = j->next;
		job_free(j);
	}
	for (u = w->spool.busy; u; u = un) {
		un = u->next;
		if (u->job)
			job_free(u->job);
		u->job = NULL;
	}
	free(s);
	w->shadow = NULL;
}

/* --- the comparison ------------------------------------------------------ */

/* A number as the comparison sees it: a real with an integral value
 * becomes that integer (1.0 and 1 are the same answer), else NULL. */
static json_t *as_integer(const json_t *v)
{
	double d;
	if (!json_is_real(v))
		return NULL;
	d = json_real_value(v);
	if (!(d <= 9e15 && d >= -9e15) || d != (double)(json_int_t)d)
		return NULL;   /* range first: the cast of a larger value is undefined */
	return json_integer((json_int_t)d);
}

/* Removes the ignored keys at any depth and makes integral reals integers. */
static void normalise(json_t *v, const char *const *ignore, size_t n)
{
	json_t *x, *i2;
	if (json_is_object(v)) {
		const char *k;
		void *tmp;
		for (size_t i = 0; i < n; i++)
			json_object_del(v, ignore[i]);
		json_object_foreach_safe(v, tmp, k, x) {
			if ((i2 = as_integer(x)))
				json_object_set_new(v, k, i2);
			else
				normalise(x, ignore, n);
		}
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			x = json_array_get(v, i);
			if ((i2 = as_integer(x)))
				json_array_set_new(v, i, i2);
			else
				normalise(x, ignore, n);
		}
	}
}

bool rt_shadow_same_body(const char *a, size_t alen, const char *b, size_t blen,
                         const char *const *ignore, size_t nignore)
{
	json_t *ja, *jb, *x;
	bool same;
	ja = json_loadb(a, alen, JSON_DECODE_ANY, NULL);
	jb = ja ? json_loadb(b, blen, JSON_DECODE_ANY, NULL) : NULL;
	if (!ja || !jb) {
		json_decref(ja);
		json_decref(jb);
		return alen == blen && memcmp(a, b, alen) == 0;
	}
	normalise(ja, ignore, nignore);
	normalise(jb, ignore, nignore);
	if ((x = as_integer(ja))) {   /* a bare number */
		json_decref(ja);
		ja = x;
	}
	if ((x = as_integer(jb))) {
		json_decref(jb);
		jb = x;
	}
	same = json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	return same;
}

/* {"status":N,"bytes":N,"body":"first 1 KiB"} or {"error":"..."} */
static json_t *summary(int status, const struct fc_buf *body, const char *error)
{
	struct fc_buf t = FC_BUF_INIT;
	json_t *o;
	/* JSON takes UTF-8 only: a body cut inside a character, or binary */
	if (error)
		return json_pack("{s:s}", "error", error);
	if (fc_buf_put_utf8(&t, body->ptr ? body->ptr : "", body->len < 1024 ? body->len : 1024))
		return NULL;
	o = json_pack("{s:i, s:I, s:s%}", "status", status, "bytes", (json_int_t)body->len, "body",
	              t.ptr ? t.ptr : "", t.len);
	fc_buf_release(&t);
	return o;
}

static void write_diff(struct rt_shadow_job *j, const char *error, bool status_differs)
{
	struct fc_buf line = FC_BUF_INIT;
	struct timespec ts;
	struct tm tm;
	char when[40];
	json_t *o;
	char *text;
	if (j->gen->shadow_fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fc_buf_put_utf8(&line, j->line, strlen(j->line));
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "time", when, "route", j->rs->name,
	              "request", line.ptr ? line.ptr : "", "legacy",
	              summary(j->legacy_status, &j->legacy_body, NULL), "new",
	              summary(j->new_status, &j->new_body, error), "differs",
	              error ? "error" : status_differs ? "status" : "body");
	fc_buf_release(&line);
	if (!o)
		return;
	if ((text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII))) {
		size_t n = strlen(text);
		text[n] = '\n';
		if (write(j->gen->shadow_fd, text, n + 1) < 0) {
			/* the log is best effort: the counters still say it */
		}
		free(text);
	}
	json_decref(o);
}

/* The copy ended: compare (or count the drop), free it, start the next. */
static void pump(struct rt_worker *w);

static void job_end(struct rt_shadow_job *j, const char *error)
{
	struct rt_worker *w = j->w;
	const struct fc_route *r = &j->gen->rc->routes[j->route];
	w->shadow->inflight--;
	if (j->overflow) {
		atomic_fetch_add_explicit(&j->rs->shadow_dropped, 1, memory_order_relaxed);
	} else {
		bool st = !error && j->new_status != j->legacy_status;
		bool same = !error && !st &&
		            rt_shadow_same_body(j->legacy_body.ptr ? j->legacy_body.ptr : "",
		                                j->legacy_body.len, j->new_body.ptr ? j->new_body.ptr : "",
		                                j->new_body.len, r->shadow_ignore, r->nshadow_ignore);
		/* the line first, then the counters: whoever sees the count
		 * finds the line in the log */
		if (!same) {
			write_diff(j, error, st);
			atomic_fetch_add_explicit(&j->rs->shadow_diffs, 1, memory_order_release);
		}
		atomic_fetch_add_explicit(&j->rs->shadow_compared, 1, memory_order_release);
	}
	job_free(j);
	pump(w);
}

/* --- the copy's exchange ----------------------------------------------------- */

static struct rt_shadow_job *JOB(http_parser *p)
{
	return ((struct rt_upconn *)p->data)->job;
}

static int sh_headers(http_parser *p)
{
	struct rt_shadow_job *j = JOB(p);
	if (p->status_code >= 200)
		j->new_status = p->status_code;
	return j->is_head && p->status_code >= 200 ? 1 : 0;
}

static int sh_body(http_parser *p, const char *at, size_t len)
{
	struct rt_shadow_job *j = JOB(p);
	if (p->status_code >= 200 && !j->overflow && fc_buf_append(&j->new_body, at, len))
		j->overflow = true;
	return 0;
}

static int sh_complete(http_parser *p)
{
	if (p->status_code < 200)
		return 0;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings sh_settings = {
	.on_headers_complete = sh_headers,
	.on_body = sh_body,
	.on_message_complete = sh_complete,
};

static void job_start(struct rt_shadow_job *j);

static void job_fail(struct rt_shadow_job *j, const char *error)
{
	struct rt_upconn *u = j->u;
	bool stale = u && u->reused && !u->got_bytes && !j->retried;
	if (u)
		rt_upconn_close(u);
	j->u = NULL;
	if (stale) {   /* a pooled connection the upstream had closed: once more */
		j->retried = true;
		j->w->shadow->inflight--;
		job_start(j);
		return;
	}
	job_end(j, error);
}

static void job_start(struct rt_shadow_job *j)
{
	struct rt_worker *w = j->w;
	struct rt_upconn *u = rt_pool_get(&w->spool, j->up, NULL, false);
	w->shadow->inflight++;
	j->u = u;
	j->deadline = w->now + (uint64_t)j->gen->rc->routes[j->route].timeout_ms;
	if (!u) {
		job_end(j, "out of memory or file descriptors");
		return;
	}
	u->job = j;
	if (u->failed) {
		job_fail(j, "connection refused");
		return;
	}
	if (fc_buf_append(&u->out, j->req.ptr, j->req.len) ||
	    rt_loop_set(&w->loop, &u->io, EPOLLOUT | EPOLLIN | EPOLLRDHUP) < 0)
		job_fail(j, "cannot send");
}

static void pump(struct rt_worker *w)
{
	struct rt_shadow *s = w->shadow;
	while (s->head && s->inflight < RT_SHADOW_INFLIGHT) {
		struct rt_shadow_job *j = s->head;
		if (!(s->head = j->next))
			s->tail = NULL;
		s->queued--;
		j->next = NULL;
		job_start(j);
	}
}

/* Appends the request for new: legacy's request with its Accept-Encoding
 * replaced by identity, so that new answers a body that can be compared
 * (legacy's own answer is compared only when it is not encoded). */
static int copy_request(struct fc_buf *out, const char *req, size_t len)
{
	const char *end = req + len, *line = req, *head_end = NULL;
	int rc = 0;

	for (const char *p = req; p + 3 < end; p++)
		if (p[0] == '\r' && p[1] == '\n' && p[2] == '\r' && p[3] == '\n') {
			head_end = p + 2;   /* after the last field's CRLF */
			break;
		}
	if (!head_end)
		return fc_buf_append(out, req, len);
	while (rc == 0 && line < head_end) {
		const char *eol = memchr(line, '\n', (size_t)(head_end - line));
		size_t n = eol ? (size_t)(eol - line) + 1 : (size_t)(head_end - line);
		if (!(n > 16 && !strncasecmp(line, "accept-encoding:", 16)))
			rc = fc_buf_append(out, line, n);
		line += n;
	}
	if (rc == 0)
		rc = fc_buf_puts(out, "Accept-Encoding: identity\r\n");
	return rc ? rc : fc_buf_append(out, head_end, (size_t)(end - head_end));
}

void rt_shadow_submit(struct rt_worker *w, struct rt_gen *g, struct rt_route_stats *rs,
                      int route, int up, const char *line, const struct fc_buf *request,
                      int legacy_status, const struct fc_buf *legacy_body, bool is_head)
{
	struct rt_shadow *s = w->shadow;
	struct rt_shadow_job *j;
	size_t max = g->rc->shadow_max_body ? (size_t)g->rc->shadow_max_body : 1;
	if (s->queued >= g->rc->shadow_queue || !(j = calloc(1, sizeof *j))) {
		atomic_fetch_add_explicit(&rs->shadow_dropped, 1, memory_order_relaxed);
		return;
	}
	j->w = w;
	j->gen = g;
	rt_gen_hold(g);
	j->rs = rs;
	j->route = route;
	j->up = up;
	j->is_head = is_head;
	j->legacy_status = legacy_status;
	snprintf(j->line, sizeof j->line, "%s", line);
	fc_buf_init(&j->req, 0);
	fc_buf_init(&j->legacy_body, 0);
	fc_buf_init(&j->new_body, max);
	if (copy_request(&j->req, request->ptr, request->len) ||
	    fc_buf_append(&j->legacy_body, legacy_body->ptr ? legacy_body->ptr : "",
	                  legacy_body->len)) {
		job_free(j);
		atomic_fetch_add_explicit(&rs->shadow_dropped, 1, memory_order_relaxed);
		return;
	}
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	s->queued++;
	pump(w);
}

/* Reads what new sent; ends the copy when its response is complete. */
static void job_read(struct rt_shadow_job *j)
{
	struct rt_upconn *u = j->u;
	struct rt_worker *w = j->w;
	for (;;) {
		ssize_t n = recv(u->io.fd, w->scratch, sizeof w->scratch, 0);
		size_t k;
		enum http_errno e;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				job_fail(j, "connection broken");
			return;
		}
		if (n == 0) {
			/* a body that runs until close ends here */
			if (u->got_bytes) {
				http_parser_execute(&u->p, &sh_settings, NULL, 0);
				if (HTTP_PARSER_ERRNO(&u->p) == HPE_PAUSED) {
					rt_upconn_close(u);
					j->u = NULL;
					job_end(j, NULL);
					return;
				}
			}
			job_fail(j, "connection closed before the response ended");
			return;
		}
		u->got_bytes = true;
		k = http_parser_execute(&u->p, &sh_settings, w->scratch, (size_t)n);
		e = HTTP_PARSER_ERRNO(&u->p);
		if (e == HPE_PAUSED) {
			if (k == (size_t)n && http_should_keep_alive(&u->p))
				rt_pool_put(&w->spool, u);
			else
				rt_upconn_close(u);
			j->u = NULL;
			job_end(j, NULL);
			return;
		}
		if (e != HPE_OK) {
			job_fail(j, "bad response");
			return;
		}
	}
}

void rt_shadow_on_upstream(struct rt_io *io, uint32_t ev)
{
	struct rt_upconn *u = (struct rt_upconn *)io;
	struct rt_shadow_job *j = u->job;
	struct rt_worker *w;
	if (!j) {   /* idle in the pool: any byte or EOF ends it */
		rt_upconn_close(u);
		return;
	}
	w = j->w;
	if (!u->connected) {
		int e = 0;
		socklen_t len = sizeof e;
		if ((ev & (EPOLLERR | EPOLLHUP)) ||
		    getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e) {
			job_fail(j, "connection refused");
			return;
		}
		u->connected = true;
	}
	if (rt_flush(io->fd, &u->out, &u->out_off) < 0) {
		job_fail(j, "connection broken");
		return;
	}
	if (rt_loop_set(&w->loop, io, EPOLLIN | EPOLLRDHUP |
	                (rt_pending(&u->out, u->out_off) ? EPOLLOUT : 0)) < 0) {
		job_fail(j, "epoll");
		return;
	}
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
		job_read(j);   /* may end j */
}

void rt_shadow_tick(struct rt_worker *w)
{
	struct rt_upconn *u, *un;
	for (u = w->spool.busy; u; u = un) {
		un = u->next;
		if (u->job && w->now >= u->job->deadline) {
			u->job->retried = true;   /* no second try after a timeout */
			job_fail(u->job, "timed out");
		}
	}
}
