/* cli/status_router.c - see status_router.h. */
#include "status_router.h"

#include "../cdc/value.h"

#include <arpa/inet.h>
#include <errno.h>
#include <http_parser.h>
#include <jansson.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct reply {
	struct fc_buf body;
	int done;
};

static int on_body(http_parser *p, const char *at, size_t n)
{
	struct reply *r = p->data;
	return fc_buf_append(&r->body, at, n) ? -1 : 0;
}

static int on_done(http_parser *p)
{
	((struct reply *)p->data)->done = 1;
	return 0;
}

/* GET path from host:port with the bearer token; the body into r, the
 * status returned, -1 with why in err. */
static int admin_get(const char *addr, const char *token, const char *path, struct reply *r,
                     char *err, size_t errn)
{
	static const http_parser_settings settings = { .on_body = on_body,
		                                       .on_message_complete = on_done };
	char host[96], req[1024], buf[8192];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct timeval tv = { .tv_sec = 3 };
	http_parser hp;
	int fd = -1, n, rc;

	if (!colon || (size_t)(colon - addr) >= sizeof host) {
		snprintf(err, errn, "router admin '%s': not host:port", addr);
		return -1;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
	if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
		snprintf(err, errn, "router admin %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	}
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		snprintf(err, errn, "router admin %s: %s", addr, strerror(errno));
		freeaddrinfo(ai);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	freeaddrinfo(ai);
	n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n%s%s%sConnection: close\r\n\r\n",
	             path, addr, token ? "Authorization: Bearer " : "", token ? token : "",
	             token ? "\r\n" : "");
	if (n >= (int)sizeof req || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		snprintf(err, errn, "router admin %s: cannot send the request", addr);
		close(fd);
		return -1;
	}
	http_parser_init(&hp, HTTP_RESPONSE);
	hp.data = r;
	while (!r->done) {
		ssize_t k = recv(fd, buf, sizeof buf, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(err, errn, "router admin %s: %s", addr,
			         errno == EAGAIN ? "no answer within 3 s" : strerror(errno));
			close(fd);
			return -1;
		}
		if (http_parser_execute(&hp, &settings, buf, (size_t)k) != (size_t)k || k == 0)
			break;
	}
	close(fd);
	if (!r->done) {
		snprintf(err, errn, "router admin %s: the answer to GET %s is not HTTP or is cut short",
		         addr, path);
		return -1;
	}
	return (int)hp.status_code;
}

static void str_field(json_t *o, const char *key, char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(o, key));
	snprintf(out, n, "%s", s ? s : "");
}

static long long int_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

int rt_status_get(const struct fc_config *cfg, struct rt_status *st)
{
	struct reply r = { .done = 0 };
	json_t *root, *routes, *ups;
	json_error_t je;
	int code;

	memset(st, 0, sizeof *st);
	if (!cfg->router.admin_listen) {
		snprintf(st->error, sizeof st->error, "%s: router.admin.listen is not set", cfg->path);
		return -1;
	}
	snprintf(st->admin, sizeof st->admin, "%s", cfg->router.admin_listen);
	fc_buf_init(&r.body, 16 << 20);
	code = admin_get(st->admin, cfg->router.admin_token, "/routes", &r, st->error, sizeof st->error);
	if (code < 0)
		goto out;
	if (code != 200) {
		snprintf(st->error, sizeof st->error, "router admin %s: GET /routes answered %d%s", st->admin,
		         code, code == 401 ? " (wrong or missing token: router.admin.token_env)" : "");
		goto out;
	}
	root = json_loadb(r.body.ptr ? r.body.ptr : "", r.body.len, 0, &je);
	routes = json_object_get(root, "routes");
	ups = json_object_get(root, "upstreams");
	if (!json_is_array(routes)) {
		snprintf(st->error, sizeof st->error, "router admin %s: GET /routes: %s", st->admin,
		         root ? "no \"routes\" array" : je.text);
		json_decref(root);
		goto out;
	}
	st->routes = calloc(json_array_size(routes) + 1, sizeof *st->routes);
	st->upstreams = calloc(json_array_size(ups) + 1, sizeof *st->upstreams);
	for (size_t i = 0; st->routes && i < json_array_size(routes); i++) {
		json_t *o = json_array_get(routes, i);
		struct rt_route_status *x = &st->routes[st->nroutes++];
		str_field(o, "name", x->name, sizeof x->name);
		str_field(o, "mode", x->mode, sizeof x->mode);
		str_field(o, "legacy", x->legacy, sizeof x->legacy);
		str_field(o, "new", x->new_side, sizeof x->new_side);
		x->weight = (int)int_field(o, "weight");
		x->requests = int_field(o, "requests");
		x->errors = int_field(o, "errors");
		x->fallbacks = int_field(o, "fallbacks");
		x->shadow_compared = int_field(o, "shadow_compared");
		x->shadow_diffs = int_field(o, "shadow_diffs");
		x->shadow_dropped = int_field(o, "shadow_dropped");
		x->rps = json_number_value(json_object_get(o, "rps"));
	}
	for (size_t i = 0; st->upstreams && i < json_array_size(ups); i++) {
		json_t *o = json_array_get(ups, i);
		struct rt_upstream_status *x = &st->upstreams[st->nupstreams++];
		str_field(o, "name", x->name, sizeof x->name);
		str_field(o, "url", x->url, sizeof x->url);
		str_field(o, "breaker", x->breaker, sizeof x->breaker);
		x->failures = int_field(o, "consecutive_failures");
		x->pool_idle = int_field(o, "pool_idle");
	}
	json_decref(root);
	st->up = true;
out:
	fc_buf_release(&r.body);
	return 0;
}

void rt_status_release(struct rt_status *st)
{
	free(st->routes);
	free(st->upstreams);
	st->routes = NULL;
	st->upstreams = NULL;
}

static double rate(long long part, long long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void rt_status_print(FILE *f, const struct rt_status *st)
{
	if (!st->up) {
		fprintf(f, "router      DOWN (%s)\n", st->error);
		return;
	}
	fprintf(f, "router      admin %s: up, %d routes\n", st->admin, st->nroutes);
	fprintf(f, "%-16s %-7s %6s %8s %9s %7s %11s %9s\n", "route", "mode", "weight", "req/s",
	        "requests", "errors", "shadow diff", "fallbacks");
	for (int i = 0; i < st->nroutes; i++) {
		const struct rt_route_status *x = &st->routes[i];
		char w[16] = "-", sd[24] = "-";
		if (!strcmp(x->mode, "split"))
			snprintf(w, sizeof w, "%d%%", x->weight);
		if (x->shadow_compared || x->shadow_diffs)
			snprintf(sd, sizeof sd, "%.1f%% (%lld)", rate(x->shadow_diffs, x->shadow_compared),
			         x->shadow_diffs);
		fprintf(f, "%-16s %-7s %6s %8.1f %9lld %6.1f%% %11s %9lld\n", x->name, x->mode, w, x->rps,
		        x->requests, rate(x->errors, x->requests), sd, x->fallbacks);
	}
	for (int i = 0; i < st->nupstreams; i++) {
		const struct rt_upstream_status *x = &st->upstreams[i];
		fprintf(f, "upstream    %-12s %-28s breaker %s", x->name, x->url, x->breaker);
		if (x->failures)
			fprintf(f, " (%lld failures in a row)", x->failures);
		fprintf(f, "\n");
	}
}

static void j_str(struct fc_buf *b, const char *s)
{
	cdc_json_string(b, s, strlen(s));
}

void rt_status_json(struct fc_buf *b, const struct rt_status *st)
{
	fc_buf_puts(b, "{\"admin\":");
	j_str(b, st->admin);
	fc_buf_printf(b, ",\"up\":%s,\"error\":", st->up ? "true" : "false");
	if (st->up)
		fc_buf_puts(b, "null");
	else
		j_str(b, st->error);
	fc_buf_puts(b, ",\"routes\":[");
	for (int i = 0; i < st->nroutes; i++) {
		const struct rt_route_status *x = &st->routes[i];
		fc_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
		j_str(b, x->name);
		fc_buf_puts(b, ",\"mode\":");
		j_str(b, x->mode);
		fc_buf_printf(b, ",\"weight\":%d,\"rps\":%.2f,\"requests\":%lld,\"errors\":%lld,"
		              "\"error_rate\":%.4f,\"fallbacks\":%lld,\"shadow_compared\":%lld,"
		              "\"shadow_diffs\":%lld,\"shadow_diff_rate\":%.4f,\"shadow_dropped\":%lld}",
		              x->weight, x->rps, x->requests, x->errors,
		              rate(x->errors, x->requests) / 100, x->fallbacks, x->shadow_compared,
		              x->shadow_diffs, rate(x->shadow_diffs, x->shadow_compared) / 100,
		              x->shadow_dropped);
	}
	fc_buf_puts(b, "],\"upstreams\":[");
	for (int i = 0; i < st->nupstreams; i++) {
		const struct rt_upstream_status *x = &st->upstreams[i];
		fc_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
		j_str(b, x->name);
		fc_buf_puts(b, ",\"url\":");
		j_str(b, x->url);
		fc_buf_puts(b, ",\"breaker\":");
		j_str(b, x->breaker);
		fc_buf_printf(b, ",\"consecutive_failures\":%lld,\"pool_idle\":%lld}", x->failures,
		              x->pool_idle);
	}
	fc_buf_puts(b, "]}");
}
