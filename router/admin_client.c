/* router/admin_client.c - the admin API client, see admin_client.h. */
#include "admin_client.h"

#include "../lib/buf.h"
#include "conn.h"
#include "loop.h"

#include <errno.h>
#include <http_parser.h>
#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CALL_MS 5000

struct resp {
	struct fc_buf body;
	bool done;
};

static int c_body(http_parser *p, const char *at, size_t n)
{
	return fc_buf_append(&((struct resp *)p->data)->body, at, n) ? -1 : 0;
}

static int c_done(http_parser *p)
{
	((struct resp *)p->data)->done = true;
	return 0;
}

static const http_parser_settings c_settings = { .on_body = c_body,
	                                         .on_message_complete = c_done };

/* Waits for fd to be ready for ev until deadline; 0, or -1 (errno set). */
static int wait_fd(int fd, short ev, uint64_t deadline)
{
	struct pollfd pf = { fd, ev, 0 };
	uint64_t now = rt_now_ms();
	int n;
	if (now >= deadline) {
		errno = ETIMEDOUT;
		return -1;
	}
	n = poll(&pf, 1, (int)(deadline - now));
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

int rt_admin_call(const char *addr, const char *token, const char *method, const char *path,
                  const char *body, int *status, char **resp, struct fc_err *err)
{
	char host[300], what[400];
	struct rt_addr a;
	struct fc_buf req;
	struct resp r;
	http_parser p;
	uint64_t deadline = rt_now_ms() + CALL_MS;
	size_t off = 0;
	int fd, e = 0;
	socklen_t elen = sizeof e;

	snprintf(what, sizeof what, "router admin %s", addr);
	snprintf(host, sizeof host, "%s", addr);
	if (strncmp(host, "0.0.0.0:", 8) == 0)
		snprintf(host, sizeof host, "127.0.0.1:%s", addr + 8);
	else if (strncmp(host, "[::]:", 5) == 0)
		snprintf(host, sizeof host, "[::1]:%s", addr + 5);
	if (rt_addr_parse(host, what, &a, err))
		return -FC_EIO;
	if ((fd = rt_connect(&a)) < 0)
		return fc_errf(err, FC_EIO, "%s: %s", what, strerror(errno));
	if (wait_fd(fd, POLLOUT, deadline) ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0 || e) {
		int ee = e ? e : errno;
		close(fd);
		return fc_errf(err, FC_EIO, "%s: %s", what, strerror(ee));
	}
	fc_buf_init(&req, 0);
	fc_buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
	              "Connection: close\r\nContent-Type: application/json\r\n"
	              "Content-Length: %zu\r\n\r\n%s",
	              method, path, host, token ? token : "", body ? strlen(body) : 0,
	              body ? body : "");
	while (off < req.len) {
		ssize_t n = send(fd, req.ptr + off, req.len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline) == 0)
				continue;
		}
		if (n <= 0) {
			int ee = errno;
			fc_buf_release(&req);
			close(fd);
			return fc_errf(err, FC_EIO, "%s: cannot send: %s", what, strerror(ee));
		}
		off += (size_t)n;
	}
	fc_buf_release(&req);
	memset(&r, 0, sizeof r);
	fc_buf_init(&r.body, 64u << 20);
	http_parser_init(&p, HTTP_RESPONSE);
	p.data = &r;
	while (!r.done) {
		char buf[16384];
		ssize_t n;
		if (wait_fd(fd, POLLIN, deadline)) {
			int ee = errno;
			fc_buf_release(&r.body);
			close(fd);
			return fc_errf(err, FC_EIO, "%s: no answer: %s", what, strerror(ee));
		}
		n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			http_parser_execute(&p, &c_settings, NULL, 0);
			break;
		}
		if (http_parser_execute(&p, &c_settings, buf, (size_t)n) != (size_t)n)
			break;
	}
	close(fd);
	if (!r.done) {
		fc_buf_release(&r.body);
		return fc_errf(err, FC_EIO, "%s: bad or cut answer (is it the ficus admin "
		               "listener?)", what);
	}
	*status = (int)p.status_code;
	*resp = r.body.ptr ? r.body.ptr : strdup("");
	return 0;
}

static void copy_str(char *dst, size_t size, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static unsigned long long get_u(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (unsigned long long)json_integer_value(v) : 0;
}

int rt_admin_fetch_status(const char *addr, const char *token, struct rt_admin_status *out,
                          struct fc_err *err)
{
	char *body = NULL;
	int status, rc;
	json_t *o, *routes, *ups, *v;
	json_error_t je;

	memset(out, 0, sizeof *out);
	if ((rc = rt_admin_call(addr, token, "GET", "/routes", NULL, &status, &body, err)))
		return rc;
	o = json_loads(body, 0, &je);
	if (status != 200) {
		v = o ? json_object_get(o, "error") : NULL;
		rc = fc_errf(err, FC_EIO, "router admin %s: %d: %s", addr, status,
		             json_is_string(v) ? json_string_value(v) : body);
		json_decref(o);
		free(body);
		return rc;
	}
	routes = json_object_get(o, "routes");
	ups = json_object_get(o, "upstreams");
	if (!o || !json_is_array(routes) || !json_is_array(ups)) {
		json_decref(o);
		free(body);
		return fc_errf(err, FC_EIO, "router admin %s: unexpected answer to GET /routes", addr);
	}
	out->routes = calloc(json_array_size(routes) + 1, sizeof *out->routes);
	out->upstreams = calloc(json_array_size(ups) + 1, sizeof *out->upstreams);
	if (!out->routes || !out->upstreams) {
		json_decref(o);
		free(body);
		rt_admin_status_release(out);
		return fc_errf(err, FC_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < json_array_size(routes); i++) {
		json_t *r = json_array_get(routes, i);
		struct rt_admin_route *d = &out->routes[out->nroutes++];
		copy_str(d->name, sizeof d->name, r, "name");
		copy_str(d->mode, sizeof d->mode, r, "mode");
		copy_str(d->legacy, sizeof d->legacy, r, "legacy");
		copy_str(d->new_, sizeof d->new_, r, "new");
		d->weight = (int)get_u(r, "weight");
		d->requests = get_u(r, "requests");
		d->errors = get_u(r, "errors");
		d->fallbacks = get_u(r, "fallbacks");
		d->shadow_compared = get_u(r, "shadow_compared");
		d->shadow_diffs = get_u(r, "shadow_diffs");
		d->shadow_dropped = get_u(r, "shadow_dropped");
		d->rps = json_number_value(json_object_get(r, "rps"));
	}
	for (size_t i = 0; i < json_array_size(ups); i++) {
		json_t *u = json_array_get(ups, i);
		struct rt_admin_upstream *d = &out->upstreams[out->nupstreams++];
		copy_str(d->name, sizeof d->name, u, "name");
		copy_str(d->url, sizeof d->url, u, "url");
		copy_str(d->breaker, sizeof d->breaker, u, "breaker");
		d->consecutive_failures = (int)get_u(u, "consecutive_failures");
		d->pool_idle = (int)get_u(u, "pool_idle");
	}
	copy_str(out->config, sizeof out->config, o, "config");
	copy_str(out->reloaded_at, sizeof out->reloaded_at, o, "reloaded_at");
	json_decref(o);
	out->json = body;
	return 0;
}

void rt_admin_status_release(struct rt_admin_status *st)
{
	free(st->routes);
	free(st->upstreams);
	free(st->json);
	memset(st, 0, sizeof *st);
}
