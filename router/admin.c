/* router/admin.c - the admin listener, see admin.h. Requests are read with
 * http_parser (a 2 s limit, 64 KiB at most), answered and closed. */
#include "admin.h"

#include "../lib/ident.h"
#include "conn.h"
#include "http.h"
#include "server.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ADMIN_MAX (64 * 1024)

struct rt_admin {
	struct rt_server *s;
	struct rt_shared *sh;
	int fd;
	atomic_int *stop;
	pthread_t thread;
	uint64_t last_sample;
};

/* One request as read. */
struct areq {
	struct rt_msg m;
	struct fc_buf body;
	int method;
	bool done;
};

static const char *const mode_names[] = { "legacy", "shadow", "split", "new" };

/* --- reading a request --------------------------------------------------------- */

static int a_url(http_parser *p, const char *at, size_t n)
{
	return rt_msg_start(&((struct areq *)p->data)->m, at, n);
}
static int a_field(http_parser *p, const char *at, size_t n)
{
	return rt_msg_field(&((struct areq *)p->data)->m, at, n);
}
static int a_value(http_parser *p, const char *at, size_t n)
{
	return rt_msg_value(&((struct areq *)p->data)->m, at, n);
}
static int a_body(http_parser *p, const char *at, size_t n)
{
	return fc_buf_append(&((struct areq *)p->data)->body, at, n) ? -1 : 0;
}
static int a_done(http_parser *p)
{
	struct areq *r = p->data;
	r->done = true;
	r->method = (int)p->method;
	return 0;
}

static const http_parser_settings a_settings = {
	.on_url = a_url,
	.on_header_field = a_field,
	.on_header_value = a_value,
	.on_body = a_body,
	.on_message_complete = a_done,
};

static int read_request(int fd, struct areq *r)
{
	http_parser p;
	char buf[8192];
	uint64_t deadline = rt_now_ms() + 2000;
	http_parser_init(&p, HTTP_REQUEST);
	p.data = r;
	while (!r->done) {
		struct pollfd pf = { fd, POLLIN, 0 };
		uint64_t now = rt_now_ms();
		ssize_t n;
		if (now >= deadline || poll(&pf, 1, (int)(deadline - now)) <= 0)
			return -1;
		n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			return -1;
		if (http_parser_execute(&p, &a_settings, buf, (size_t)n) != (size_t)n &&
		    !r->done)
			return -1;
	}
	return 0;
}

/* --- answers --------------------------------------------------------------------- */

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

static void answer(int fd, int status, const char *type, const char *body)
{
	char head[256];
	const char *reason = status == 200 ? "OK" : status == 400 ? "Bad Request"
	                   : status == 401 ? "Unauthorized" : status == 404 ? "Not Found"
	                   : status == 405 ? "Method Not Allowed"
	                   : status == 422 ? "Unprocessable Entity" : "Error";
	int n = snprintf(head, sizeof head,
	                 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n%s\r\n",
	                 status, reason, type, strlen(body),
	                 status == 401 ? "WWW-Authenticate: Bearer\r\n" : "");
	send_all(fd, head, (size_t)n);
	send_all(fd, body, strlen(body));
}

static void answer_json(int fd, int status, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (text) {
		size_t n = strlen(text);
		char *t2 = realloc(text, n + 2);
		if (t2) {
			text = t2;
			strcpy(text + n, "\n");
		}
	}
	answer(fd, text ? status : 500, "application/json", text ? text : "{\"error\":\"out of memory\"}\n");
	free(text);
	json_decref(o);
}

static void answer_error(int fd, int status, const char *msg)
{
	answer_json(fd, status, json_pack("{s:s}", "error", msg));
}

/* --- /routes ------------------------------------------------------------------------ */

static unsigned long long ld(atomic_ullong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static double rps_of(const struct rt_route_stats *rs)
{
	int newest, oldest;
	if (rs->ring_n < 2)
		return 0;
	newest = (rs->ring_n - 1) % 11;
	oldest = rs->ring_n > 11 ? rs->ring_n % 11 : 0;
	if (rs->ring_ms[newest] <= rs->ring_ms[oldest])
		return 0;
	return (double)(rs->ring[newest] - rs->ring[oldest]) * 1000.0 /
	       (double)(rs->ring_ms[newest] - rs->ring_ms[oldest]);
}

/* Route i of g as JSON. Under sh->lock. */
static json_t *route_json(struct rt_admin *a, struct rt_gen *g, int i)
{
	const struct fc_route *r = &g->rc->routes[i];
	struct rt_route_stats *rs = g->rstats[i];
	enum fc_route_mode mode;
	int weight;
	rt_table_state(g->table, i, &mode, &weight);
	(void)a;
	return json_pack("{s:s, s:s, s:i, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "name",
	                 r->name, "mode", mode_names[mode], "weight", weight, "legacy", r->legacy,
	                 "new", r->new_, "requests", (json_int_t)rt_stats_requests(rs, -1), "errors",
	                 (json_int_t)rt_stats_requests(rs, 5), "fallbacks", (json_int_t)ld(&rs->fallbacks),
	                 "shadow_compared", (json_int_t)ld(&rs->shadow_compared), "shadow_diffs",
	                 (json_int_t)ld(&rs->shadow_diffs), "shadow_dropped",
	                 (json_int_t)ld(&rs->shadow_dropped), "rps", rps_of(rs));
}

static json_t *routes_json(struct rt_admin *a, struct rt_gen *g)
{
	json_t *routes = json_array(), *ups = json_array();
	for (size_t i = 0; i < g->rc->nroutes; i++)
		json_array_append_new(routes, route_json(a, g, (int)i));
	for (size_t i = 0; i < g->rc->nupstreams; i++) {
		struct rt_upstream *u = &a->sh->ups[g->slot[i]];
		json_array_append_new(
		        ups, json_pack("{s:s, s:s, s:s, s:i, s:i}", "name", u->name, "url", u->url,
		                       "breaker", rt_breaker_name(atomic_load(&u->br.state)),
		                       "consecutive_failures", atomic_load(&u->br.fails), "pool_idle",
		                       atomic_load(&a->sh->idle[g->slot[i]])));
	}
	return json_pack("{s:o, s:o, s:s, s:s}", "routes", routes, "upstreams", ups, "config",
	                 rt_server_config_path(a->s), "reloaded_at", g->loaded_at);
}

/* The route called name, or -1 with a 404 sent (with a suggestion). */
static int find_route(int fd, struct rt_gen *g, const char *name)
{
	int i = rt_table_find(g->table, name);
	const char *best = NULL;
	size_t best_d = 3;
	char msg[300];
	if (i >= 0)
		return i;
	for (size_t k = 0; k < g->rc->nroutes; k++) {
		size_t d = fc_edit_distance(name, g->rc->routes[k].name);
		if (d < best_d) {
			best_d = d;
			best = g->rc->routes[k].name;
		}
	}
	snprintf(msg, sizeof msg, "unknown route '%s'%s%s%s", name, best ? " (did you mean '" : "",
	         best ? best : "", best ? "'?)" : "");
	answer_error(fd, 404, msg);
	return -1;
}

static void change_route(struct rt_admin *a, struct rt_gen *g, int fd, const char *name,
                         const struct fc_buf *body)
{
	json_t *o, *v;
	int i, mode = -1, weight = -1;
	struct fc_err err;
	if ((i = find_route(fd, g, name)) < 0)
		return;
	if (!(o = json_loadb(body->ptr ? body->ptr : "", body->len, 0, NULL)) || !json_is_object(o)) {
		json_decref(o);
		answer_error(fd, 400, "the body must be a JSON object like {\"mode\":\"split\",\"weight\":25}");
		return;
	}
	if ((v = json_object_get(o, "mode"))) {
		for (int k = 0; k < 4; k++)
			if (json_is_string(v) && strcmp(json_string_value(v), mode_names[k]) == 0)
				mode = k;
		if (mode < 0) {
			json_decref(o);
			answer_error(fd, 400, "'mode' must be one of: legacy, shadow, split, new");
			return;
		}
	}
	if ((v = json_object_get(o, "weight"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100) {
			json_decref(o);
			answer_error(fd, 400, "'weight' must be an integer 0-100 (percent to new)");
			return;
		}
		weight = (int)json_integer_value(v);
	}
	json_decref(o);
	if (rt_table_set(g->table, i, mode, weight, &err)) {
		answer_error(fd, 400, err.msg);
		return;
	}
	pthread_mutex_lock(&a->sh->lock);
	answer_json(fd, 200, route_json(a, g, i));
	pthread_mutex_unlock(&a->sh->lock);
}

/* --- /metrics ------------------------------------------------------------------------- */

static void metrics(struct rt_admin *a, struct rt_gen *g, struct fc_buf *b)
{
	static const char *const sides[] = { "legacy", "new" };
	struct rt_route_stats *rs;
	int nups = atomic_load(&a->sh->nups);

	fc_buf_puts(b, "# HELP ficus_router_requests_total Requests answered, by route, side and "
	               "status class (0xx: no status, the client left).\n"
	               "# TYPE ficus_router_requests_total counter\n");
	for (rs = a->sh->stats; rs; rs = rs->next)
		for (int s = 0; s < 2; s++)
			for (int c = 0; c < 6; c++) {
				unsigned long long v = ld(&rs->status[s][c]);
				if (v)
					fc_buf_printf(b, "ficus_router_requests_total{route=\"%s\",side=\"%s\","
					              "status=\"%dxx\"} %llu\n", rs->name, sides[s], c, v);
			}
	fc_buf_puts(b, "# HELP ficus_router_request_duration_seconds Time from the request head "
	               "to the end of the response, by route and side.\n"
	               "# TYPE ficus_router_request_duration_seconds histogram\n");
	for (rs = a->sh->stats; rs; rs = rs->next)
		for (int s = 0; s < 2; s++) {
			unsigned long long cum = 0;
			if (!ld(&rs->lat_sum_us[s]) && !ld(&rs->lat[s][0]) && !ld(&rs->lat[s][RT_LAT_N - 1])) {
				bool any = false;
				for (int k = 0; k < RT_LAT_N; k++)
					any |= ld(&rs->lat[s][k]) != 0;
				if (!any)
					continue;
			}
			for (int k = 0; k < RT_LAT_N; k++) {
				cum += ld(&rs->lat[s][k]);
				if (k < RT_LAT_N - 1)
					fc_buf_printf(b, "ficus_router_request_duration_seconds_bucket{route=\"%s\","
					              "side=\"%s\",le=\"%g\"} %llu\n", rs->name, sides[s],
					              rt_lat_bounds_ms[k] / 1000.0, cum);
				else
					fc_buf_printf(b, "ficus_router_request_duration_seconds_bucket{route=\"%s\","
					              "side=\"%s\",le=\"+Inf\"} %llu\n", rs->name, sides[s], cum);
			}
			fc_buf_printf(b, "ficus_router_request_duration_seconds_sum{route=\"%s\",side=\"%s\"} "
			              "%.6f\n", rs->name, sides[s], ld(&rs->lat_sum_us[s]) / 1e6);
			fc_buf_printf(b, "ficus_router_request_duration_seconds_count{route=\"%s\",side=\"%s\"} "
			              "%llu\n", rs->name, sides[s], cum);
		}
#define COUNTER(metric, field, help)                                                          \
	fc_buf_puts(b, "# HELP " metric " " help "\n# TYPE " metric " counter\n");              \
	for (rs = a->sh->stats; rs; rs = rs->next)                                               \
		fc_buf_printf(b, metric "{route=\"%s\"} %llu\n", rs->name, ld(&rs->field));
	COUNTER("ficus_router_fallbacks_total", fallbacks, "Requests for new served by legacy.")
	COUNTER("ficus_router_shadow_compared_total", shadow_compared, "Shadow copies compared.")
	COUNTER("ficus_router_shadow_differences_total", shadow_diffs,
	        "Shadow copies whose response differed from legacy's.")
	COUNTER("ficus_router_shadow_dropped_total", shadow_dropped,
	        "Shadow copies dropped (queue full, body over the limit).")
#undef COUNTER
	fc_buf_puts(b, "# HELP ficus_router_upstream_breaker_state Circuit breaker: 0 closed, 1 open, "
	               "2 half-open.\n# TYPE ficus_router_upstream_breaker_state gauge\n");
	for (int i = 0; i < nups; i++)
		fc_buf_printf(b, "ficus_router_upstream_breaker_state{upstream=\"%s\"} %d\n",
		              a->sh->ups[i].name, atomic_load(&a->sh->ups[i].br.state));
	fc_buf_puts(b, "# HELP ficus_router_upstream_breaker_opened_total Times the breaker opened.\n"
	               "# TYPE ficus_router_upstream_breaker_opened_total counter\n");
	for (int i = 0; i < nups; i++)
		fc_buf_printf(b, "ficus_router_upstream_breaker_opened_total{upstream=\"%s\"} %llu\n",
		              a->sh->ups[i].name, ld(&a->sh->ups[i].br.opened));
	fc_buf_puts(b, "# HELP ficus_router_upstream_pool_idle Idle keep-alive connections to the "
	               "upstream, all workers.\n# TYPE ficus_router_upstream_pool_idle gauge\n");
	for (int i = 0; i < nups; i++)
		fc_buf_printf(b, "ficus_router_upstream_pool_idle{upstream=\"%s\"} %d\n",
		              a->sh->ups[i].name, atomic_load(&a->sh->idle[i]));
	fc_buf_printf(b, "# HELP ficus_router_config_info The config in use.\n"
	                 "# TYPE ficus_router_config_info gauge\n"
	                 "ficus_router_config_info{reloaded_at=\"%s\"} 1\n", g->loaded_at);
}

/* --- dispatch ------------------------------------------------------------------------ */

static bool authorized(const struct rt_gen *g, const struct areq *r)
{
	const char *tok = g->rc->admin_token;
	struct fc_span h = rt_msg_get(&r->m, "authorization");
	size_t n = tok ? strlen(tok) : 0;
	unsigned char diff = 0;
	if (!tok || !n || h.len != 7 + n || strncasecmp(h.ptr, "Bearer ", 7) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(h.ptr[7 + i] ^ tok[i]);
	return diff == 0;
}

static void serve(struct rt_admin *a, int fd)
{
	struct areq r;
	char path[512];
	struct fc_span url;
	struct rt_gen *g = NULL;
	memset(&r, 0, sizeof r);
	rt_msg_init(&r.m);
	fc_buf_init(&r.body, ADMIN_MAX);
	if (read_request(fd, &r)) {
		answer_error(fd, 400, "bad or incomplete request");
		goto out;
	}
	/* the config this answer uses: taken once the request is read (a
	 * change must go to the routes that are live, not to the ones a
	 * reload retired while the request was arriving) */
	g = rt_gen_current(a->sh);
	url = rt_msg_url(&r.m);
	{
		const char *q = memchr(url.ptr, '?', url.len);
		snprintf(path, sizeof path, "%.*s", (int)(q ? (size_t)(q - url.ptr) : url.len), url.ptr);
	}
	if (!(strcmp(path, "/metrics") == 0 && g->rc->metrics_open) && !authorized(g, &r)) {
		answer_error(fd, 401, g->rc->admin_token
		                              ? "missing or wrong bearer token"
		                              : "no admin token is configured (router.admin.token, "
		                                "token_env or token_file)");
		goto out;
	}
	if (strcmp(path, "/routes") == 0 && r.method == HTTP_GET) {
		pthread_mutex_lock(&a->sh->lock);
		answer_json(fd, 200, routes_json(a, g));
		pthread_mutex_unlock(&a->sh->lock);
	} else if (strncmp(path, "/routes/", 8) == 0 && r.method == HTTP_POST) {
		change_route(a, g, fd, path + 8, &r.body);
	} else if (strcmp(path, "/reload") == 0 && r.method == HTTP_POST) {
		struct fc_err err;
		if (rt_server_reload(a->s, &err)) {
			fprintf(stderr, "route serve: reload refused: %s\n", err.msg);
			answer_error(fd, 422, err.msg);
		} else {
			struct rt_gen *now = rt_gen_current(a->sh);
			fprintf(stderr, "route serve: reloaded %s\n", rt_server_config_path(a->s));
			answer_json(fd, 200, json_pack("{s:s, s:s}", "config", rt_server_config_path(a->s),
			                               "reloaded_at", now->loaded_at));
			rt_gen_drop(now);
		}
	} else if (strcmp(path, "/metrics") == 0 && r.method == HTTP_GET) {
		struct fc_buf b;
		fc_buf_init(&b, 0);
		pthread_mutex_lock(&a->sh->lock);
		metrics(a, g, &b);
		pthread_mutex_unlock(&a->sh->lock);
		answer(fd, 200, "text/plain; version=0.0.4", b.ptr ? b.ptr : "");
		fc_buf_release(&b);
	} else if (strcmp(path, "/routes") == 0 || strncmp(path, "/routes/", 8) == 0 ||
	           strcmp(path, "/reload") == 0 || strcmp(path, "/metrics") == 0) {
		answer_error(fd, 405, "method not allowed (GET /routes, POST /routes/NAME, "
		                      "POST /reload, GET /metrics)");
	} else {
		answer_error(fd, 404, "not found (GET /routes, POST /routes/NAME, POST /reload, "
		                      "GET /metrics)");
	}
out:
	rt_msg_release(&r.m);
	fc_buf_release(&r.body);
	rt_gen_drop(g);
}

/* Samples every route's request total once a second (for rps). */
static void sample(struct rt_admin *a)
{
	uint64_t now = rt_now_ms();
	if (now - a->last_sample < 1000)
		return;
	a->last_sample = now;
	pthread_mutex_lock(&a->sh->lock);
	for (struct rt_route_stats *rs = a->sh->stats; rs; rs = rs->next) {
		int k = rs->ring_n % 11;
		rs->ring[k] = rt_stats_requests(rs, -1);
		rs->ring_ms[k] = now;
		rs->ring_n++;
	}
	pthread_mutex_unlock(&a->sh->lock);
}

static void *admin_main(void *arg)
{
	struct rt_admin *a = arg;
	while (!atomic_load(a->stop)) {
		struct pollfd pf = { a->fd, POLLIN, 0 };
		sample(a);
		if (poll(&pf, 1, 200) > 0) {
			int fd = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0) {
				serve(a, fd);
				close(fd);
			}
		}
	}
	return NULL;
}

int rt_admin_start(struct rt_server *s, struct rt_shared *sh, const char *listen,
                   atomic_int *stop, struct rt_admin **out, struct fc_err *err)
{
	struct rt_admin *a = calloc(1, sizeof *a);
	struct rt_addr addr;
	char what[300];
	int rc;
	if (!a)
		return fc_errf(err, FC_ENOMEM, "router: out of memory");
	snprintf(what, sizeof what, "router.admin.listen %s", listen);
	if ((rc = rt_addr_parse(listen, what, &addr, err)) ||
	    (rc = a->fd = rt_listen(&addr, what, err)) < 0) {
		free(a);
		return rc;
	}
	a->s = s;
	a->sh = sh;
	a->stop = stop;
	if (pthread_create(&a->thread, NULL, admin_main, a)) {
		close(a->fd);
		free(a);
		return fc_errf(err, FC_EIO, "router: cannot start the admin thread");
	}
	*out = a;
	return 0;
}

void rt_admin_stop(struct rt_admin *a)
{
	if (!a)
		return;
	pthread_join(a->thread, NULL);
	close(a->fd);
	free(a);
}
