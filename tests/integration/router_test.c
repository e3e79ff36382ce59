/* tests/integration/router_test.c - `ficus route serve` between raw-socket
 * clients and two small upstream HTTP servers written here (forked, one
 * process per connection, keep-alive). Each upstream answers with a line
 * that says who it is and what it saw (method, path, its connection, the
 * forwarded headers, the body), so the tests check the proxy from outside:
 * GET, POST with Content-Length and chunked bodies, chunked responses,
 * keep-alive reuse, pipelining order, split weights and stickiness,
 * fallback to legacy, 400/431/502/504, and 50 parallel clients. */
#include "../test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- sockets ----------------------------------------------------------- */

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		t_fail(__FILE__, __LINE__, "free port: %s", strerror(errno));
	close(fd);
	return ntohs(a.sin_port);
}

static int dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* A buffered reader on a socket, with a 5 s limit per read. */
struct rd {
	int fd;
	char buf[1 << 16];
	size_t len;
};

static int rd_more(struct rd *r)
{
	struct pollfd pf = { r->fd, POLLIN, 0 };
	ssize_t n;
	if (r->len == sizeof r->buf || poll(&pf, 1, 5000) <= 0)
		return -1;
	n = recv(r->fd, r->buf + r->len, sizeof r->buf - r->len, 0);
	if (n <= 0)
		return -1;
	r->len += (size_t)n;
	return 0;
}

static void rd_drop(struct rd *r, size_t n)
{
	memmove(r->buf, r->buf + n, r->len - n);
	r->len -= n;
}

/* Reads a line ending in CRLF into out (without it); -1 at EOF/timeout. */
static int rd_line(struct rd *r, char *out, size_t size)
{
	char *e;
	while (!(e = memmem(r->buf, r->len, "\r\n", 2)))
		if (rd_more(r))
			return -1;
	snprintf(out, size, "%.*s", (int)(e - r->buf), r->buf);
	rd_drop(r, (size_t)(e - r->buf) + 2);
	return 0;
}

static int rd_bytes(struct rd *r, char *out, size_t n)
{
	while (r->len < n)
		if (rd_more(r))
			return -1;
	memcpy(out, r->buf, n);
	rd_drop(r, n);
	return 0;
}

/* One HTTP message read by the test's own minimal reader. */
struct msg {
	char start[512];
	char head[16384];       /* the header lines, "Name: value\n" each */
	char *body;             /* malloc'd, NUL-terminated */
	size_t body_len;
	int status;
	bool chunked;
};

static const char *hget(const struct msg *m, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	for (const char *p = m->head; *p;) {
		const char *e = strchr(p, '\n');
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			snprintf(out, size, "%.*s", (int)(e - v), v);
			return out;
		}
		p = e + 1;
	}
	return NULL;
}

static void msg_free(struct msg *m)
{
	free(m->body);
	m->body = NULL;
}

/* Reads a request (is_req) or a response; bodies by Content-Length,
 * chunked, or (responses) until close. 0, or -1 on EOF/timeout/garbage. */
static int read_msg(struct rd *r, struct msg *m, bool is_req, bool head_only)
{
	char line[8192], v[64];
	size_t cap = 1024;
	memset(m, 0, sizeof *m);
	if (rd_line(r, m->start, sizeof m->start))
		return -1;
	for (;;) {
		if (rd_line(r, line, sizeof line))
			return -1;
		if (!line[0])
			break;
		if (strlen(m->head) + strlen(line) + 2 < sizeof m->head) {
			strcat(m->head, line);
			strcat(m->head, "\n");
		}
	}
	if (!is_req)
		m->status = atoi(m->start + 9);
	m->body = calloc(1, cap);
	if (head_only || m->status == 204 || m->status == 304 || (m->status >= 100 && m->status < 200))
		return 0;
	if (hget(m, "Transfer-Encoding", v, sizeof v)) {
		m->chunked = true;
		for (;;) {
			size_t n;
			if (rd_line(r, line, sizeof line))
				return -1;
			n = strtoul(line, NULL, 16);
			if (n == 0) {
				do {
					if (rd_line(r, line, sizeof line))
						return -1;
				} while (line[0]);
				return 0;
			}
			if (m->body_len + n + 1 > cap)
				m->body = realloc(m->body, cap = (m->body_len + n + 1) * 2);
			if (rd_bytes(r, m->body + m->body_len, n) || rd_line(r, line, sizeof line))
				return -1;
			m->body_len += n;
			m->body[m->body_len] = '\0';
		}
	}
	if (hget(m, "Content-Length", v, sizeof v)) {
		size_t n = strtoul(v, NULL, 10);
		m->body = realloc(m->body, n + 1);
		if (rd_bytes(r, m->body, n))
			return -1;
		m->body[n] = '\0';
		m->body_len = n;
		return 0;
	}
	if (is_req)
		return 0;
	while (rd_more(r) == 0)
		;
	m->body = realloc(m->body, r->len + 1);
	memcpy(m->body, r->buf, r->len);
	m->body[r->len] = '\0';
	m->body_len = r->len;
	r->len = 0;
	return 0;
}

/* --- the upstream servers ------------------------------------------------ */

/* Serves one connection: keep-alive until the client closes. Paths:
 * /status/N answers N; /chunked answers in chunks; /slow waits 2 s;
 * /close answers without a length and closes; anything else 200. */
static void upstream_conn(int fd, const char *name)
{
	static struct rd r;
	int nreq = 0;
	r.fd = fd;
	r.len = 0;
	for (;;) {
		struct msg m;
		char method[16] = "", path[1024] = "", xff[256] = "-", proto[32] = "-", via[256] = "-",
		     hop[64] = "-", ae[64] = "-", body[70000];
		int status = 200, n;
		const char *s;
		if (read_msg(&r, &m, true, false))
			_exit(0);
		sscanf(m.start, "%15s %1023s", method, path);
		hget(&m, "X-Forwarded-For", xff, sizeof xff);
		hget(&m, "X-Forwarded-Proto", proto, sizeof proto);
		hget(&m, "Via", via, sizeof via);
		hget(&m, "X-Hop", hop, sizeof hop);
		hget(&m, "Accept-Encoding", ae, sizeof ae);
		if ((s = strstr(path, "/status/")))
			status = atoi(s + 8);
		if ((s = strstr(path, "/fail-new/")) && !strcmp(name, "new"))
			status = atoi(s + 10);
		if (!strcmp(path, "/slow"))
			sleep(2);
		if (!strcmp(path, "/slow-new") && !strcmp(name, "new"))
			sleep(2);
		n = snprintf(body, sizeof body,
		             "name=%s method=%s path=%s conn=%d req=%d xff=%s proto=%s via=%s hop=%s "
		             "ae=%s framing=%s body=%.*s",
		             name, method, path, (int)getpid(), ++nreq, xff, proto, via, hop, ae,
		             m.chunked ? "chunked" : "length",
		             (int)(m.body_len > 60000 ? 60000 : m.body_len), m.body);
		msg_free(&m);
		if ((s = strstr(path, "/json/"))) {
			/* the same document, keys in another order on new; served_at
			 * always differs; /json/diff differs in id on new */
			if (!strcmp(name, "new"))
				n = snprintf(body, sizeof body,
				             "{\"items\":[{\"sku\":\"a\",\"served_at\":%d}],"
				             "\"served_at\":\"new-%d\",\"id\":%d}",
				             nreq, nreq, strstr(s, "diff") ? 8 : 7);
			else
				n = snprintf(body, sizeof body,
				             "{\"id\":7,\"served_at\":\"legacy-%d\",\"items\":[{\"served_at\":%d,"
				             "\"sku\":\"a\"}]}", nreq, (int)getpid());
		}
		if ((s = strstr(path, "/big/"))) {
			/* N MiB of 'x', written as fast as the reader takes them */
			long total = atol(s + 5) << 20;
			char head[128];
			memset(body, 'x', 65536);
			snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %ld\r\n\r\n", total);
			send_all(fd, head, strlen(head));
			for (long sent = 0; sent < total; sent += 65536)
				if (send_all(fd, body, 65536))
					_exit(0);
			continue;
		}
		if (!strcmp(path, "/chunked")) {
			char out[80000];
			int o = snprintf(out, sizeof out, "HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n\r\n",
			                 status);
			for (int i = 0; i < n; i += 7) {
				int k = n - i < 7 ? n - i : 7;
				o += snprintf(out + o, sizeof out - (size_t)o, "%x\r\n%.*s\r\n", k, k, body + i);
			}
			o += snprintf(out + o, sizeof out - (size_t)o, "0\r\nX-Trailer: t\r\n\r\n");
			send_all(fd, out, (size_t)o);
		} else if (!strcmp(path, "/close")) {
			char head[128];
			snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
			send_all(fd, head, strlen(head));
			send_all(fd, body, (size_t)n);
			_exit(0);
		} else {
			char head[256];
			snprintf(head, sizeof head,
			         "HTTP/1.1 %d Whatever\r\nContent-Length: %d\r\nKeep-Alive: timeout=5\r\n"
			         "X-Upstream: %s\r\n%s\r\n",
			         status, strcmp(method, "HEAD") ? n : n, name,
			         strstr(path, "/gz") ? "Content-Encoding: gzip\r\n" : "");
			send_all(fd, head, strlen(head));
			if (strcmp(method, "HEAD"))
				send_all(fd, body, (size_t)n);
		}
	}
}

static pid_t start_upstream(int port, const char *name)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 512) < 0)
		t_fail(__FILE__, __LINE__, "upstream %s on %d: %s", name, port, strerror(errno));
	if ((pid = fork()) == 0) {
		struct sigaction sa;
		setpgid(0, 0);   /* its own group: killing it ends its connections too */
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_IGN;
		sa.sa_flags = SA_NOCLDWAIT;
		sigaction(SIGCHLD, &sa, NULL);
		for (;;) {
			int fd = accept(lfd, NULL, NULL);
			if (fd < 0)
				continue;
			if (fork() == 0) {
				int one1 = 1;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one1, sizeof one1);
				close(lfd);
				upstream_conn(fd, name);
				_exit(0);
			}
			close(fd);
		}
	}
	close(lfd);
	setpgid(pid, pid);
	t_defer("kill -9 -%d 2>/dev/null || true", (int)pid);
	return pid;
}

/* --- the router ---------------------------------------------------------- */

struct env {
	int port, legacy_port, new_port, admin_port;
	pid_t legacy, new_, ficus;
	const char *dir;
	char cfg[4096];          /* the config file's path */
};

#define TOKEN "t0k-secret"

/* (Re)writes the config: both upstreams, the admin API, routes (YAML list
 * items, maybe followed by more router keys). */
static void write_config(struct env *e, const char *routes, int workers)
{
	char cfg[8192];
	snprintf(cfg, sizeof cfg,
	         "connections:\n  legacy: { kind: mysql, dsn: \"mysql://root@127.0.0.1:1/x\" }\n"
	         "router:\n  listen: 127.0.0.1:%d\n  workers: %d\n"
	         "  admin: { listen: 127.0.0.1:%d, token: " TOKEN " }\n"
	         "  upstreams:\n    mono: { url: \"http://127.0.0.1:%d\" }\n"
	         "    shop: { url: \"http://127.0.0.1:%d\" }\n"
	         "  default: mono\n  routes:\n%s",
	         e->port, workers, e->admin_port, e->legacy_port, e->new_port, routes);
	t_write(e->dir, "ficus.yaml", cfg);
	snprintf(e->cfg, sizeof e->cfg, "%s/ficus.yaml", e->dir);
}

/* Starts both upstreams (unless down: "legacy", "new" or "") and ficus
 * with routes (YAML list items) on workers threads. */
static void start(struct env *e, const char *routes, int workers, const char *down)
{
	const char *path = e->cfg;
	e->dir = t_tmpdir();
	e->port = free_port();
	e->legacy_port = free_port();
	e->new_port = free_port();
	e->admin_port = free_port();
	e->legacy = strcmp(down, "legacy") ? start_upstream(e->legacy_port, "legacy") : 0;
	e->new_ = strcmp(down, "new") ? start_upstream(e->new_port, "new") : 0;
	write_config(e, routes, workers);
	if ((e->ficus = fork()) == 0) {
		char log[4096];
		snprintf(log, sizeof log, "%s/ficus.log", e->dir);
		if (!freopen(log, "w", stderr))
			_exit(127);
		execl(t_env("FICUS_BIN"), "ficus", "route", "serve", "--config", path, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		int fd = dial(e->port);
		if (fd >= 0) {
			close(fd);
			return;
		}
		usleep(50000);
	}
	t_fail(__FILE__, __LINE__, "ficus did not listen on %d", e->port);
}

/* Stops ficus with SIGTERM: it must exit 0 at once. */
static void stop(struct env *e)
{
	int st = 0;
	char *out = NULL;
	kill(e->ficus, SIGTERM);
	/* up to router.drain_ms (5 s) for requests in flight, and some */
	for (int i = 0; i < 200 && waitpid(e->ficus, &st, WNOHANG) == 0; i++)
		usleep(50000);
	t_run(&out, "cat %s/ficus.log", e->dir);
	printf("ficus log:\n%s", out);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_CONTAINS(out, "stopped:");
	free(out);
	if (e->legacy)
		kill(-e->legacy, SIGKILL);
	if (e->new_)
		kill(-e->new_, SIGKILL);
}

static struct rd *open_rd(int port)
{
	struct rd *r = calloc(1, sizeof *r);
	r->fd = dial(port);
	if (r->fd < 0)
		t_fail(__FILE__, __LINE__, "cannot connect to ficus on %d", port);
	return r;
}

static void close_rd(struct rd *r)
{
	close(r->fd);
	free(r);
}

/* Sends a raw request and reads one response on r. */
static void exchange(struct rd *r, const char *req, struct msg *m)
{
	if (send_all(r->fd, req, strlen(req)))
		t_fail(__FILE__, __LINE__, "send failed");
	if (read_msg(r, m, false, strncmp(req, "HEAD ", 5) == 0))
		t_fail(__FILE__, __LINE__, "no response to: %s", req);
}

/* Whether the router closed the connection (EOF within 2 s). */
static bool closed_by_peer(struct rd *r)
{
	struct pollfd pf = { r->fd, POLLIN, 0 };
	char b[4096];
	if (r->len)
		return false;
	while (poll(&pf, 1, 2000) > 0) {
		ssize_t n = recv(r->fd, b, sizeof b, 0);
		if (n <= 0)
			return true;
	}
	return false;
}

static const char *field_of(const char *body, const char *key, char *out, size_t size)
{
	char k[64];
	const char *p;
	snprintf(k, sizeof k, "%s=", key);
	p = strstr(body, k);
	if (!p)
		return "";
	p += strlen(k);
	snprintf(out, size, "%.*s", (int)strcspn(p, " "), p);
	return out;
}

#define ROUTES_BASIC                                                                      \
	"    - { name: shop-new, match: { path: '^/shops' }, new: shop, mode: new }\n"         \
	"    - { name: split, match: { path: '^/split' }, new: shop, mode: split, weight: 25,\n" \
	"        sticky: { header: X-User-Id } }\n"                                            \
	"    - { name: slow, match: { path: '^/slow' }, mode: legacy, timeout_ms: 400 }\n"

TEST_TIMEOUT(router_proxies_get_post_chunked_keepalive, 60)
{
	struct env e;
	struct rd *r;
	struct msg m;
	char v[256], conn1[32], conn2[32];
	start(&e, ROUTES_BASIC, 2, "");
	r = open_rd(e.port);

	exchange(r, "GET /hello?x=1 HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 9.9.9.9\r\n"
	            "Connection: X-Hop\r\nX-Hop: secret\r\nKeep-Alive: 3\r\n\r\n", &m);
	printf("%s\n%s%s\n", m.start, m.head, m.body);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "name=legacy method=GET path=/hello?x=1 ");
	ASSERT_CONTAINS(m.body, "xff=9.9.9.9, 127.0.0.1 ");
	ASSERT_CONTAINS(m.body, "proto=http ");
	ASSERT_CONTAINS(m.body, "via=1.1 ficus ");
	ASSERT_CONTAINS(m.body, "hop=- ");   /* named in Connection: removed */
	ASSERT_STR_EQ(hget(&m, "Via", v, sizeof v), "1.1 ficus");
	ASSERT(hget(&m, "Keep-Alive", v, sizeof v) == NULL);
	ASSERT_STR_EQ(hget(&m, "X-Upstream", v, sizeof v), "legacy");
	field_of(m.body, "conn", conn1, sizeof conn1);
	msg_free(&m);

	/* the same client connection: the same upstream connection (pool) */
	exchange(r, "POST /form HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "method=POST path=/form ");
	ASSERT_CONTAINS(m.body, "framing=length body=hello world");
	ASSERT_CONTAINS(m.body, "req=2 ");
	ASSERT_STR_EQ(field_of(m.body, "conn", conn2, sizeof conn2), conn1);
	msg_free(&m);

	/* chunked request, in odd pieces: re-chunked to the upstream */
	exchange(r, "POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
	            "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nTrailer-X: 1\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "framing=chunked body=hello world");
	ASSERT_CONTAINS(m.body, "req=3 ");
	msg_free(&m);

	/* chunked response (upstream chunks of 7 bytes and a trailer) */
	exchange(r, "GET /chunked HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT(m.chunked);
	ASSERT_CONTAINS(m.body, "name=legacy method=GET path=/chunked ");
	ASSERT_CONTAINS(m.body, "req=4 ");
	msg_free(&m);

	/* a body until close from the upstream: chunked to a 1.1 client */
	exchange(r, "GET /close HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT(m.chunked);
	ASSERT_CONTAINS(m.body, "path=/close ");
	msg_free(&m);

	/* HEAD: no body, the length kept */
	exchange(r, "HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT(hget(&m, "Content-Length", v, sizeof v) != NULL);
	msg_free(&m);

	/* a route to new, on the same connection */
	exchange(r, "GET /shops/1 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_CONTAINS(m.body, "name=new ");
	msg_free(&m);

	/* HTTP/1.0 with keep-alive, then Connection: close ends it */
	exchange(r, "GET /ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_STR_EQ(hget(&m, "Connection", v, sizeof v), "keep-alive");
	msg_free(&m);
	exchange(r, "GET /bye HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &m);
	ASSERT_STR_EQ(hget(&m, "Connection", v, sizeof v), "close");
	msg_free(&m);
	ASSERT(closed_by_peer(r));
	close_rd(r);
	stop(&e);
}

TEST_TIMEOUT(router_pipelining_in_order, 60)
{
	struct env e;
	struct rd *r;
	char req[8192] = "";
	start(&e, ROUTES_BASIC, 2, "");
	r = open_rd(e.port);
	/* ten requests in one write, alternating sides and framings */
	for (int i = 0; i < 10; i++) {
		char one[512];
		if (i % 3 == 1)
			snprintf(one, sizeof one, "POST /p%d HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nb%02d", i, i);
		else
			snprintf(one, sizeof one, "GET /%s%d HTTP/1.1\r\nHost: t\r\n\r\n",
			         i % 2 ? "shops/" : "p", i);
		strcat(req, one);
	}
	ASSERT_EQ(send_all(r->fd, req, strlen(req)), 0);
	for (int i = 0; i < 10; i++) {
		struct msg m;
		char want[64];
		ASSERT_EQ(read_msg(r, &m, false, false), 0);
		snprintf(want, sizeof want, "path=/%s%d ", i % 2 && i % 3 != 1 ? "shops/" : "p", i);
		ASSERT_CONTAINS(m.body, want);
		if (i % 3 == 1) {
			snprintf(want, sizeof want, "body=b%02d", i);
			ASSERT_CONTAINS(m.body, want);
		}
		msg_free(&m);
	}
	close_rd(r);
	stop(&e);
}

TEST_TIMEOUT(router_split_weight_and_stickiness, 90)
{
	struct env e;
	struct rd *r;
	int to_new = 0;
	start(&e, ROUTES_BASIC, 2, "");
	r = open_rd(e.port);
	for (int u = 0; u < 1000; u++) {
		char req[256], side1[16], side2[16];
		struct msg m;
		snprintf(req, sizeof req, "GET /split/x HTTP/1.1\r\nHost: t\r\nX-User-Id: user-%d\r\n\r\n", u);
		exchange(r, req, &m);
		field_of(m.body, "name", side1, sizeof side1);
		msg_free(&m);
		exchange(r, req, &m);
		field_of(m.body, "name", side2, sizeof side2);
		msg_free(&m);
		ASSERT_STR_EQ(side1, side2);
		to_new += !strcmp(side1, "new");
	}
	printf("%d of 1000 users on new at weight 25\n", to_new);
	ASSERT(to_new >= 200 && to_new <= 300);
	close_rd(r);
	stop(&e);
}

TEST_TIMEOUT(router_fallback_to_legacy, 60)
{
	struct env e;
	struct rd *r;
	struct msg m;
	/* the breaker would open after 5 failures: here it must not yet */
	start(&e, ROUTES_BASIC "  breaker: { failures: 100 }\n", 1, "");
	r = open_rd(e.port);
	/* new answers 503: the GET is answered by legacy */
	exchange(r, "GET /shops/fail-new/503 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "name=legacy ");
	msg_free(&m);
	/* a POST is not retried: new's 503 goes to the client */
	exchange(r, "POST /shops/fail-new/503 HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx", &m);
	ASSERT_EQ(m.status, 503);
	ASSERT_CONTAINS(m.body, "name=new ");
	msg_free(&m);
	close_rd(r);
	kill(-e.new_, SIGKILL);
	waitpid(e.new_, NULL, 0);
	e.new_ = 0;
	/* new refuses connections (and its pooled connection is gone) */
	r = open_rd(e.port);
	for (int i = 0; i < 3; i++) {
		exchange(r, "GET /shops/7 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
		ASSERT_EQ(m.status, 200);
		ASSERT_CONTAINS(m.body, "name=legacy method=GET path=/shops/7 ");
		msg_free(&m);
	}
	exchange(r, "DELETE /shops/7 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 502);
	msg_free(&m);
	/* the connection stays usable after our 502 */
	exchange(r, "GET /shops/8 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_CONTAINS(m.body, "name=legacy ");
	msg_free(&m);
	close_rd(r);
	stop(&e);
}

TEST_TIMEOUT(router_legacy_down_502_and_timeout_504, 60)
{
	struct env e;
	struct rd *r;
	struct msg m;
	start(&e, ROUTES_BASIC, 1, "legacy");
	r = open_rd(e.port);
	exchange(r, "GET /anything HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 502);
	msg_free(&m);
	close_rd(r);
	stop(&e);

	start(&e, ROUTES_BASIC, 1, "");
	r = open_rd(e.port);
	exchange(r, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 504);
	msg_free(&m);
	/* and the client connection goes on */
	exchange(r, "GET /after HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "path=/after ");
	msg_free(&m);
	close_rd(r);
	stop(&e);
}

static void expect_refused(int port, const char *req, size_t len, int status)
{
	struct rd *r = open_rd(port);
	struct msg m;
	char v[64];
	ASSERT_EQ(send_all(r->fd, req, len), 0);
	ASSERT_EQ(read_msg(r, &m, false, false), 0);
	printf("%.*s -> %s (%s)\n", (int)strcspn(req, "\r"), req, m.start, m.body);
	ASSERT_EQ(m.status, status);
	ASSERT_STR_EQ(hget(&m, "Connection", v, sizeof v), "close");
	msg_free(&m);
	ASSERT(closed_by_peer(r));
	close_rd(r);
}

TEST_TIMEOUT(router_refuses_bad_requests, 60)
{
	struct env e;
	char *huge = malloc(50000), *many = malloc(8000);
	size_t o = 0;
	start(&e, ROUTES_BASIC, 1, "");
#define REFUSE(s, st) expect_refused(e.port, s, strlen(s), st)
	REFUSE("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "0\r\n\r\n", 400);
	REFUSE("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
	       "0\r\n\r\n", 400);
	REFUSE("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400);
	REFUSE("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
	       400);
	REFUSE("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400);
	REFUSE("GET / HTTP/1.1\r\n\r\n", 400);   /* no Host */
	REFUSE("GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n", 400);
	REFUSE("G@T / HTTP/1.1\r\nHost: t\r\n\r\n", 400);
	REFUSE("GET / HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 501);
	o = (size_t)sprintf(huge, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: ");
	memset(huge + o, 'a', 40000);
	o += 40000;
	strcpy(huge + o, "\r\n\r\n");
	REFUSE(huge, 431);
	o = (size_t)sprintf(many, "GET / HTTP/1.1\r\nHost: t\r\n");
	for (int i = 0; i < 150; i++)
		o += (size_t)sprintf(many + o, "X-%d: v\r\n", i);
	strcpy(many + o, "\r\n");
	REFUSE(many, 431);
	/* a bad chunk in the middle of a forwarded body: 400 and closed */
	REFUSE("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nq\r\n", 400);
	free(huge);
	free(many);
	stop(&e);
}

TEST_TIMEOUT(router_fifty_parallel_clients, 120)
{
	struct env e;
	pid_t kids[50];
	int failed = 0;
	start(&e, ROUTES_BASIC, 2, "");
	for (int k = 0; k < 50; k++) {
		if ((kids[k] = fork()) == 0) {
			struct rd *r = calloc(1, sizeof *r);
			r->fd = dial(e.port);
			for (int i = 0; i < 100; i++) {
				char req[256], want[128];
				struct msg m;
				bool post = i % 4 == 3;
				if (post)
					snprintf(req, sizeof req, "POST /c%d/%d HTTP/1.1\r\nHost: t\r\n"
					         "Content-Length: 5\r\n\r\nk%02di%c", k, i, k, 'a' + i % 26);
				else
					snprintf(req, sizeof req, "GET /%s%d/%d HTTP/1.1\r\nHost: t\r\n\r\n",
					         i % 2 ? "shops/" : "c", k, i);
				if (send_all(r->fd, req, strlen(req)) || read_msg(r, &m, false, false))
					_exit(1);
				snprintf(want, sizeof want, "path=/%s%d/%d ", !post && i % 2 ? "shops/" : "c", k, i);
				if (m.status != 200 || !strstr(m.body, want))
					_exit(2);
				if (post) {
					snprintf(want, sizeof want, "body=k%02di%c", k, 'a' + i % 26);
					if (!strstr(m.body, want))
						_exit(3);
				}
				msg_free(&m);
			}
			_exit(0);
		}
	}
	for (int k = 0; k < 50; k++) {
		int st;
		waitpid(kids[k], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("client %d failed: status %d\n", k, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			failed++;
		}
	}
	ASSERT_EQ(failed, 0);
	stop(&e);
}

/* --- the admin API, live changes, reloads -------------------------------- */

/* One admin request (token may be NULL); the response in *m. */
static void admin_req(struct env *e, const char *method, const char *path, const char *body,
                      const char *token, struct msg *m)
{
	char req[4096];
	struct rd *r = open_rd(e->admin_port);
	char auth[128] = "";
	if (token)
		snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", token);
	snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: a\r\n%sContent-Length: %zu\r\n\r\n%s",
	         method, path, auth, body ? strlen(body) : 0, body ? body : "");
	exchange(r, req, m);
	close_rd(r);
}

/* The number after "key": in the route's (or upstream's) JSON object named
 * name of GET /routes; -1 when absent. */
static long long route_num(struct env *e, const char *name, const char *key)
{
	struct msg m;
	char pat[128];
	const char *p, *k;
	long long v = -1;
	admin_req(e, "GET", "/routes", NULL, TOKEN, &m);
	snprintf(pat, sizeof pat, "\"name\":\"%s\"", name);
	if ((p = strstr(m.body, pat))) {
		snprintf(pat, sizeof pat, "\"%s\":", key);
		if ((k = strstr(p, pat)) && k < strchr(p, '}'))
			v = atoll(k + strlen(pat));
	}
	msg_free(&m);
	return v;
}

/* The route's or upstream's string value of key in GET /routes ("" if none). */
static const char *route_str(struct env *e, const char *name, const char *key, char *out,
                             size_t size)
{
	struct msg m;
	char pat[128];
	const char *p, *k;
	out[0] = '\0';
	admin_req(e, "GET", "/routes", NULL, TOKEN, &m);
	snprintf(pat, sizeof pat, "\"name\":\"%s\"", name);
	if ((p = strstr(m.body, pat))) {
		snprintf(pat, sizeof pat, "\"%s\":\"", key);
		if ((k = strstr(p, pat)) && k < strchr(p, '}'))
			snprintf(out, size, "%.*s", (int)strcspn(k + strlen(pat), "\""), k + strlen(pat));
	}
	msg_free(&m);
	return out;
}

/* Which upstream answered GET path for user (X-User-Id) on a new connection. */
static const char *side_of(struct env *e, const char *path, int user, char *out, size_t size)
{
	char req[256];
	struct msg m;
	struct rd *r = open_rd(e->port);
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nX-User-Id: u%d\r\n\r\n", path, user);
	exchange(r, req, &m);
	field_of(m.body, "name", out, size);
	msg_free(&m);
	close_rd(r);
	return out;
}

TEST_TIMEOUT(router_admin_status_shift_mode_reload, 90)
{
	struct env e;
	struct msg m;
	char *out = NULL, side[32];
	int rc;
	start(&e, ROUTES_BASIC, 2, "");

	/* the token is required, and must be the right one */
	admin_req(&e, "GET", "/routes", NULL, NULL, &m);
	ASSERT_EQ(m.status, 401);
	msg_free(&m);
	admin_req(&e, "GET", "/routes", NULL, "wrong", &m);
	ASSERT_EQ(m.status, 401);
	msg_free(&m);
	admin_req(&e, "GET", "/metrics", NULL, NULL, &m);
	ASSERT_EQ(m.status, 401);
	msg_free(&m);

	/* the contract's shape */
	admin_req(&e, "GET", "/routes", NULL, TOKEN, &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "{\"routes\":[{\"name\":\"shop-new\",\"mode\":\"new\",\"weight\":0,"
	                        "\"legacy\":\"mono\",\"new\":\"shop\",\"requests\":0,\"errors\":0,"
	                        "\"fallbacks\":0,\"shadow_compared\":0,\"shadow_diffs\":0,"
	                        "\"shadow_dropped\":0,\"rps\":");
	ASSERT_CONTAINS(m.body, "{\"name\":\"slow\",\"mode\":\"legacy\",\"weight\":0,\"legacy\":\"mono\","
	                        "\"new\":null,");
	ASSERT_CONTAINS(m.body, "\"upstreams\":[{\"name\":\"mono\",\"url\":\"http://127.0.0.1:");
	ASSERT_CONTAINS(m.body, "\"breaker\":\"closed\",\"consecutive_failures\":0,\"pool_idle\":");
	ASSERT_CONTAINS(m.body, "\"config\":\"");
	ASSERT_CONTAINS(m.body, "\"reloaded_at\":\"20");
	msg_free(&m);

	/* split at 25 %: find a user on legacy, shift to 100 %: it moves */
	int user = 0;
	while (strcmp(side_of(&e, "/split", user, side, sizeof side), "legacy"))
		user++;
	rc = t_run(&out, "%s route shift split 100%% --config %s", t_env("FICUS_BIN"), e.cfg);
	printf("%s", out);
	ASSERT_EQ(rc, 0);
	ASSERT_CONTAINS(out, "split");
	ASSERT_CONTAINS(out, "100%");
	free(out);
	for (int u = 0; u < 20; u++)
		ASSERT_STR_EQ(side_of(&e, "/split", u, side, sizeof side), "new");
	rc = t_run(&out, "%s route mode split legacy --config %s", t_env("FICUS_BIN"), e.cfg);
	ASSERT_EQ(rc, 0);
	free(out);
	for (int u = 0; u < 20; u++)
		ASSERT_STR_EQ(side_of(&e, "/split", u, side, sizeof side), "legacy");
	rc = t_run(&out, "%s route status --config %s", t_env("FICUS_BIN"), e.cfg);
	printf("%s", out);
	ASSERT_EQ(rc, 0);
	ASSERT_CONTAINS(out, "split                    legacy   100%  legacy=mono new=shop  requests=");
	ASSERT_CONTAINS(out, "breaker=closed");
	free(out);
	rc = t_run(&out, "%s route status --json --config %s", t_env("FICUS_BIN"), e.cfg);
	ASSERT_EQ(rc, 0);
	ASSERT_CONTAINS(out, "\"name\":\"split\",\"mode\":\"legacy\",\"weight\":100");
	free(out);

	/* refusals: unknown route (with a suggestion), bad values, no new side */
	admin_req(&e, "POST", "/routes/splitt", "{\"weight\":5}", TOKEN, &m);
	ASSERT_EQ(m.status, 404);
	ASSERT_CONTAINS(m.body, "did you mean 'split'");
	msg_free(&m);
	admin_req(&e, "POST", "/routes/split", "{\"weight\":101}", TOKEN, &m);
	ASSERT_EQ(m.status, 400);
	msg_free(&m);
	admin_req(&e, "POST", "/routes/split", "{\"mode\":\"sideways\"}", TOKEN, &m);
	ASSERT_EQ(m.status, 400);
	msg_free(&m);
	admin_req(&e, "POST", "/routes/split", "not json", TOKEN, &m);
	ASSERT_EQ(m.status, 400);
	msg_free(&m);
	rc = t_run(&out, "%s route mode slow new --config %s", t_env("FICUS_BIN"), e.cfg);
	printf("%s", out);
	ASSERT_EQ(rc, 2);
	ASSERT_CONTAINS(out, "needs a 'new' upstream");
	free(out);
	admin_req(&e, "POST", "/routes/split", "{\"mode\":\"split\",\"weight\":0}", TOKEN, &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "{\"name\":\"split\",\"mode\":\"split\",\"weight\":0,\"legacy\":");
	msg_free(&m);

	/* reload: the file now sends /split to new for everyone */
	write_config(&e, "    - { name: split, match: { path: '^/split' }, new: shop, mode: new }\n", 2);
	rc = t_run(&out, "%s route reload --config %s", t_env("FICUS_BIN"), e.cfg);
	printf("%s", out);
	ASSERT_EQ(rc, 0);
	free(out);
	ASSERT_STR_EQ(side_of(&e, "/split", 1, side, sizeof side), "new");
	ASSERT_EQ(route_num(&e, "shop-new", "requests"), -1);   /* gone from the list */
	ASSERT(route_num(&e, "split", "requests") >= 42);       /* counters kept by name */

	/* a bad file is refused with file:line:col, the running config stays */
	write_config(&e, "    - { name: split, match: { path: '^/split' }, new: shop, mod: new }\n", 2);
	rc = t_run(&out, "%s route reload --config %s", t_env("FICUS_BIN"), e.cfg);
	printf("%s", out);
	ASSERT_EQ(rc, 2);
	ASSERT_CONTAINS(out, "ficus.yaml:12:");
	ASSERT_CONTAINS(out, "unknown key 'mod' (did you mean 'mode'?");
	free(out);
	admin_req(&e, "POST", "/reload", NULL, TOKEN, &m);
	ASSERT_EQ(m.status, 422);
	ASSERT_CONTAINS(m.body, "{\"error\":\"");
	msg_free(&m);
	ASSERT_STR_EQ(side_of(&e, "/split", 1, side, sizeof side), "new");

	/* SIGHUP reloads too */
	write_config(&e, "    - { name: split, match: { path: '^/split' }, new: shop, mode: legacy }\n", 2);
	kill(e.ficus, SIGHUP);
	for (int i = 0; i < 100 && strcmp(route_str(&e, "split", "mode", side, sizeof side), "legacy");
	     i++)
		usleep(50000);
	ASSERT_STR_EQ(side_of(&e, "/split", 1, side, sizeof side), "legacy");

	/* metrics */
	admin_req(&e, "GET", "/metrics", NULL, TOKEN, &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "ficus_router_requests_total{route=\"split\",side=\"new\",status=\"2xx\"} ");
	ASSERT_CONTAINS(m.body, "ficus_router_request_duration_seconds_bucket{route=\"split\",side=\"legacy\",le=\"+Inf\"} ");
	ASSERT_CONTAINS(m.body, "ficus_router_upstream_breaker_state{upstream=\"shop\"} 0");
	ASSERT_CONTAINS(m.body, "ficus_router_upstream_pool_idle{upstream=\"mono\"} ");
	ASSERT_CONTAINS(m.body, "ficus_router_shadow_differences_total{route=\"split\"} 0");
	msg_free(&m);
	stop(&e);
	t_run(&out, "cat %s/ficus.log", e.dir);
	ASSERT_CONTAINS(out, "reload refused");
	free(out);
	/* the router is gone: the CLI says where it knocked */
	rc = t_run(&out, "%s route status --config %s", t_env("FICUS_BIN"), e.cfg);
	ASSERT_EQ(rc, 2);
	ASSERT_CONTAINS(out, "router admin 127.0.0.1:");
	ASSERT_CONTAINS(out, ": Connection refused");
	free(out);
}

/* --- shadow, breaker, slow clients, changes under load ------------------- */

/* Waits up to 5 s for the route's counter key to reach want. */
static void wait_count(struct env *e, const char *route, const char *key, long long want)
{
	for (int i = 0; i < 100 && route_num(e, route, key) < want; i++)
		usleep(50000);
	ASSERT_EQ(route_num(e, route, key), want);
}

TEST_TIMEOUT(router_shadow_compares_and_logs_differences, 60)
{
	struct env e;
	struct rd *r;
	struct msg m;
	char *out = NULL, *big;
	start(&e,
	      "    - { name: shadowed, match: { path: '^/json/' }, new: shop, mode: shadow,\n"
	      "        shadow: { ignore: [served_at] } }\n"
	      "    - { name: strict, match: { path: '^/strict/json/' }, new: shop, mode: shadow }\n"
	      "    - { name: codes, match: { path: '^/codes' }, new: shop, mode: shadow }\n"
	      "  shadow: { log: diffs.jsonl }\n",
	      1, "");
	r = open_rd(e.port);
	/* the client is answered by legacy, always */
	exchange(r, "GET /json/same HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.head, "X-Upstream: legacy");
	ASSERT_CONTAINS(m.body, "\"served_at\":\"legacy-");
	msg_free(&m);
	/* same document up to key order and the ignored field: no difference */
	wait_count(&e, "shadowed", "shadow_compared", 1);
	ASSERT_EQ(route_num(&e, "shadowed", "shadow_diffs"), 0);
	/* a different id is a difference */
	exchange(r, "GET /json/diff HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_CONTAINS(m.head, "X-Upstream: legacy");
	msg_free(&m);
	wait_count(&e, "shadowed", "shadow_compared", 2);
	ASSERT_EQ(route_num(&e, "shadowed", "shadow_diffs"), 1);
	/* without the ignore rule, served_at differs (at the top and nested) */
	exchange(r, "GET /strict/json/same HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	msg_free(&m);
	wait_count(&e, "strict", "shadow_compared", 1);
	ASSERT_EQ(route_num(&e, "strict", "shadow_diffs"), 1);
	/* status: new answers 500 where legacy answers 200; a POST is shadowed too */
	exchange(r, "GET /codes/fail-new/500 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	msg_free(&m);
	exchange(r, "POST /codes/x HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip, br\r\n"
	         "Content-Length: 3\r\n\r\nabc", &m);
	msg_free(&m);
	wait_count(&e, "codes", "shadow_compared", 2);
	ASSERT_EQ(route_num(&e, "codes", "shadow_diffs"), 2);   /* text bodies differ in name= */
	/* an encoded answer from legacy is not compared (dropped, counted) */
	exchange(r, "GET /codes/gz HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n", &m);
	ASSERT_CONTAINS(m.head, "Content-Encoding: gzip");
	msg_free(&m);
	ASSERT_EQ(route_num(&e, "codes", "shadow_dropped"), 1);
	ASSERT_EQ(route_num(&e, "codes", "shadow_compared"), 2);
	/* bodies that are not UTF-8 still get their line in the log */
	exchange(r, "POST /codes/bin HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n\xff\xfe", &m);
	msg_free(&m);
	wait_count(&e, "codes", "shadow_compared", 3);
	/* a request body over 64 KiB is not kept: dropped and counted */
	big = malloc(2 * 40000 + 200);
	int n = sprintf(big, "POST /json/big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (int k = 0; k < 2; k++) {
		n += sprintf(big + n, "9c40\r\n");
		memset(big + n, 'b', 40000);
		n += 40000;
		n += sprintf(big + n, "\r\n");
	}
	sprintf(big + n, "0\r\n\r\n");
	exchange(r, big, &m);
	ASSERT_EQ(m.status, 200);
	msg_free(&m);
	free(big);
	ASSERT_EQ(route_num(&e, "shadowed", "shadow_dropped"), 1);
	close_rd(r);
	/* new down: the client does not notice; the failed copy is a difference */
	kill(-e.new_, SIGKILL);
	waitpid(e.new_, NULL, 0);
	e.new_ = 0;
	r = open_rd(e.port);
	exchange(r, "GET /json/same HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	msg_free(&m);
	close_rd(r);
	wait_count(&e, "shadowed", "shadow_compared", 3);
	ASSERT_EQ(route_num(&e, "shadowed", "shadow_diffs"), 2);

	t_run(&out, "cat %s/diffs.jsonl", e.dir);
	printf("%s", out);
	ASSERT_CONTAINS(out, "\"route\":\"shadowed\",\"request\":\"GET /json/diff\",\"legacy\":{\"status\":200,");
	ASSERT_CONTAINS(out, "\"new\":{\"status\":200,\"bytes\":");
	ASSERT_CONTAINS(out, "\\\"id\\\":8");
	ASSERT_CONTAINS(out, "\"differs\":\"body\"");
	ASSERT_CONTAINS(out, "\"route\":\"codes\",\"request\":\"GET /codes/fail-new/500\"");
	ASSERT_CONTAINS(out, "\"differs\":\"status\"");
	/* the copy asked new for an unencoded answer; legacy got the client's */
	ASSERT_CONTAINS(out, "ae=gzip, br");
	ASSERT_CONTAINS(out, "ae=identity");
	ASSERT_CONTAINS(out, "\"request\":\"POST /codes/bin\"");
	ASSERT_CONTAINS(out, "body=\\uFFFD\\uFFFD");
	ASSERT_CONTAINS(out, "\"new\":{\"error\":\"connection refused\"}");
	ASSERT_NOT_CONTAINS(out, "/json/same\",\"legacy\":{\"status\":200,\"bytes\":6");
	free(out);
	t_run(&out, "wc -l < %s/diffs.jsonl", e.dir);
	ASSERT_EQ(atoi(out), 6);
	free(out);
	stop(&e);
}

TEST_TIMEOUT(router_breaker_opens_and_closes, 60)
{
	struct env e;
	struct rd *r;
	struct msg m;
	char state[32];
	start(&e,
	      "    - { name: shops, match: { path: '^/shops' }, new: shop, mode: new }\n"
	      "  breaker: { failures: 3, cooldown_ms: 1500 }\n",
	      1, "new");
	r = open_rd(e.port);
	/* new refuses: each GET falls back to legacy; after 3 the breaker opens */
	for (int i = 0; i < 3; i++) {
		exchange(r, "GET /shops/1 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
		ASSERT_CONTAINS(m.body, "name=legacy ");
		msg_free(&m);
	}
	ASSERT_STR_EQ(route_str(&e, "shop", "breaker", state, sizeof state), "open");
	ASSERT_EQ(route_num(&e, "shop", "consecutive_failures"), 3);
	/* open: new is not tried, so even a POST goes to legacy */
	exchange(r, "POST /shops/1 HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "name=legacy method=POST path=/shops/1 ");
	ASSERT_CONTAINS(m.body, "body=hi");
	msg_free(&m);
	ASSERT_EQ(route_num(&e, "shops", "fallbacks"), 4);
	/* new is back: after the cool-down a probe succeeds and it closes */
	e.new_ = start_upstream(e.new_port, "new");
	for (int i = 0; i < 100; i++) {
		exchange(r, "GET /shops/2 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
		bool on_new = strstr(m.body, "name=new ") != NULL;
		msg_free(&m);
		if (on_new)
			break;
		usleep(50000);
	}
	ASSERT_STR_EQ(route_str(&e, "shop", "breaker", state, sizeof state), "closed");
	exchange(r, "POST /shops/3 HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi", &m);
	ASSERT_CONTAINS(m.body, "name=new method=POST");
	msg_free(&m);
	/* legacy answering 5xx is passed on and does not open its breaker
	 * (there is nothing to fall back to: one failing endpoint must not
	 * shut every legacy route) */
	for (int i = 0; i < 5; i++) {
		exchange(r, "GET /status/500 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
		ASSERT_EQ(m.status, 500);
		msg_free(&m);
	}
	exchange(r, "GET /other HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	msg_free(&m);
	ASSERT_STR_EQ(route_str(&e, "mono", "breaker", state, sizeof state), "closed");
	/* legacy itself failing opens its breaker: 503 without trying it */
	kill(-e.legacy, SIGKILL);
	waitpid(e.legacy, NULL, 0);
	e.legacy = 0;
	for (int i = 0; i < 3; i++) {
		exchange(r, "GET /other HTTP/1.1\r\nHost: t\r\n\r\n", &m);
		ASSERT_EQ(m.status, 502);
		msg_free(&m);
	}
	exchange(r, "GET /other HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 503);
	ASSERT_CONTAINS(m.body, "circuit breaker is open");
	msg_free(&m);
	/* the route on new is not stalled by legacy's trouble */
	exchange(r, "GET /shops/4 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "name=new ");
	msg_free(&m);
	close_rd(r);
	stop(&e);
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

TEST_TIMEOUT(router_slow_clients_408_and_backpressure, 60)
{
	struct env e;
	struct rd *r;
	struct msg m;
	char line[256];
	long before, during, got = 0;
	start(&e, "    - { name: any, match: { path: '^/' } }\n  client_timeout_ms: 300\n", 1, "");
	/* a head that never ends: 408 and closed */
	r = open_rd(e.port);
	send_all(r->fd, "GET / HTTP/1.1\r\nHost: t\r\n", strlen("GET / HTTP/1.1\r\nHost: t\r\n"));
	ASSERT_EQ(rd_line(r, line, sizeof line), 0);
	ASSERT_STR_EQ(line, "HTTP/1.1 408 Request Timeout");
	close_rd(r);
	/* a body that never ends: 408 too */
	r = open_rd(e.port);
	send_all(r->fd, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc", strlen("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
	ASSERT_EQ(rd_line(r, line, sizeof line), 0);
	ASSERT_STR_EQ(line, "HTTP/1.1 408 Request Timeout");
	close_rd(r);

	/* Expect: 100-continue: ficus says go, the body follows */
	r = open_rd(e.port);
	send_all(r->fd, "PUT /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", strlen("PUT /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
	ASSERT_EQ(rd_line(r, line, sizeof line), 0);
	ASSERT_STR_EQ(line, "HTTP/1.1 100 Continue");
	ASSERT_EQ(rd_line(r, line, sizeof line), 0);
	ASSERT_STR_EQ(line, "");
	send_all(r->fd, "ping", strlen("ping"));
	ASSERT_EQ(read_msg(r, &m, false, false), 0);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "method=PUT path=/e ");
	ASSERT_CONTAINS(m.body, "body=ping");
	msg_free(&m);
	exchange(r, "PUT /e HTTP/1.1\r\nHost: t\r\nExpect: something\r\nContent-Length: 1\r\n\r\nx", &m);
	ASSERT_EQ(m.status, 417);
	msg_free(&m);
	close_rd(r);

	/* a client that does not read a 64 MiB response: the proxy holds
	 * about its 64 KiB marks, not the response (RSS grows < 16 MiB) */
	write_config(&e, "    - { name: any, match: { path: '^/' } }\n  client_timeout_ms: 20000\n", 1);
	admin_req(&e, "POST", "/reload", NULL, TOKEN, &m);
	ASSERT_EQ(m.status, 200);
	msg_free(&m);
	before = rss_kb(e.ficus);
	r = open_rd(e.port);
	send_all(r->fd, "GET /big/64 HTTP/1.1\r\nHost: t\r\n\r\n", strlen("GET /big/64 HTTP/1.1\r\nHost: t\r\n\r\n"));
	sleep(1);
	during = rss_kb(e.ficus);
	printf("ficus RSS before %ld kB, with an unread 64 MiB response %ld kB\n", before, during);
	ASSERT(during - before < 16 * 1024);
	/* then it reads: everything arrives */
	ASSERT_EQ(rd_line(r, line, sizeof line), 0);
	ASSERT_STR_EQ(line, "HTTP/1.1 200 OK");
	while (rd_line(r, line, sizeof line) == 0 && line[0])
		;
	got = (long)r->len;
	r->len = 0;
	while (got < 64L << 20) {
		struct pollfd pf = { r->fd, POLLIN, 0 };
		ssize_t k = poll(&pf, 1, 5000) > 0 ? recv(r->fd, r->buf, sizeof r->buf, 0) : -1;
		if (k <= 0)
			break;
		got += k;
	}
	printf("read %ld bytes of the body\n", got);
	ASSERT_EQ(got + 0, 64L << 20);
	close_rd(r);
	/* with a 300 ms limit, a client that stops reading is cut */
	write_config(&e, "    - { name: any, match: { path: '^/' } }\n  client_timeout_ms: 300\n", 1);
	admin_req(&e, "POST", "/reload", NULL, TOKEN, &m);
	msg_free(&m);
	r = open_rd(e.port);
	send_all(r->fd, "GET /big/64 HTTP/1.1\r\nHost: t\r\n\r\n", 33);
	sleep(2);
	got = 0;
	for (;;) {
		struct pollfd pf = { r->fd, POLLIN, 0 };
		ssize_t k = poll(&pf, 1, 5000) > 0 ? recv(r->fd, r->buf, sizeof r->buf, 0) : -1;
		if (k <= 0)
			break;
		got += k;
	}
	printf("read %ld bytes before the cut\n", got);
	ASSERT(got < 64L << 20);
	close_rd(r);
	stop(&e);
}

static int count_fds(pid_t pid)
{
	char *out = NULL;
	int n;
	t_run(&out, "ls /proc/%d/fd | wc -l", (int)pid);
	n = atoi(out);
	free(out);
	return n;
}

TEST_TIMEOUT(router_reload_and_weight_changes_under_load, 90)
{
	struct env e;
	pid_t kids[8];
	int failed = 0;
	char *out = NULL;
	const char *routes =
	        "    - { name: split, match: { path: '^/split' }, new: shop, mode: split, weight: 0,\n"
	        "        sticky: { header: X-User-Id } }\n"
	        "  access_log: access.jsonl\n";
	start(&e, routes, 2, "");
	/* 8 keep-alive clients, 300 requests each, GET and POST */
	for (int k = 0; k < 8; k++) {
		if ((kids[k] = fork()) == 0) {
			struct rd *r = calloc(1, sizeof *r);
			r->fd = dial(e.port);
			for (int i = 0; i < 300; i++) {
				char req[256];
				struct msg m;
				if (i % 3 == 2)
					snprintf(req, sizeof req, "POST /split/%d HTTP/1.1\r\nHost: t\r\n"
					         "X-User-Id: u%d-%d\r\nContent-Length: 2\r\n\r\nok", i, k, i % 50);
				else
					snprintf(req, sizeof req, "GET /split/%d HTTP/1.1\r\nHost: t\r\n"
					         "X-User-Id: u%d-%d\r\n\r\n", i, k, i % 50);
				if (send_all(r->fd, req, strlen(req)) || read_msg(r, &m, false, false))
					_exit(1);
				if (m.status != 200)
					_exit(2);
				msg_free(&m);
			}
			_exit(0);
		}
	}
	/* meanwhile: ten weight changes, a reload through the API, a SIGHUP */
	for (int i = 1; i <= 10; i++) {
		char body[64];
		struct msg m;
		snprintf(body, sizeof body, "{\"weight\":%d}", i * 10);
		admin_req(&e, "POST", "/routes/split", body, TOKEN, &m);
		ASSERT_EQ(m.status, 200);
		msg_free(&m);
		if (i == 5) {
			write_config(&e, routes, 2);
			admin_req(&e, "POST", "/reload", NULL, TOKEN, &m);
			ASSERT_EQ(m.status, 200);
			msg_free(&m);
			kill(e.ficus, SIGHUP);
		}
		usleep(20000);
	}
	for (int k = 0; k < 8; k++) {
		int st;
		waitpid(kids[k], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("client %d failed: status %d\n", k, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			failed++;
		}
	}
	ASSERT_EQ(failed, 0);
	ASSERT_EQ(route_num(&e, "split", "requests"), 2400);
	ASSERT_EQ(route_num(&e, "split", "errors"), 0);
	/* twenty more reloads: old configs and their log files are let go */
	int fds_before = count_fds(e.ficus);
	for (int i = 0; i < 20; i++) {
		struct msg m;
		admin_req(&e, "POST", "/reload", NULL, TOKEN, &m);
		ASSERT_EQ(m.status, 200);
		msg_free(&m);
	}
	struct rd *one = open_rd(e.port);   /* a request moves the workers on */
	struct msg m1;
	exchange(one, "GET /other HTTP/1.1\r\nHost: t\r\n\r\n", &m1);
	msg_free(&m1);
	close_rd(one);
	usleep(300000);
	printf("ficus fds: %d before the reloads, %d after\n", fds_before, count_fds(e.ficus));
	ASSERT(count_fds(e.ficus) < fds_before + 5);
	/* the access log has a line per request */
	t_run(&out, "grep -c '\"route\":\"split\"' %s/access.jsonl", e.dir);
	ASSERT_EQ(atoi(out), 2400);
	free(out);
	t_run(&out, "head -1 %s/access.jsonl", e.dir);
	printf("%s", out);
	ASSERT_CONTAINS(out, "{\"time\":\"20");
	ASSERT_CONTAINS(out, "\"client\":\"127.0.0.1\",\"request\":\"");
	ASSERT_CONTAINS(out, "\"status\":200,\"ms\":");
	free(out);
	stop(&e);
}

/* --- nginx (Debian) as the new upstream ------------------------------------ */

/* Reads a response head on r into m (no body); then the caller reads. */
static void read_head(struct rd *r, struct msg *m)
{
	if (read_msg(r, m, false, true))
		t_fail(__FILE__, __LINE__, "no response head");
}

/* Reads exactly n body bytes from r into out. */
static void read_body(struct rd *r, unsigned char *out, size_t n)
{
	size_t got = r->len < n ? r->len : n;
	memcpy(out, r->buf, got);
	rd_drop(r, got);
	while (got < n) {
		struct pollfd pf = { r->fd, POLLIN, 0 };
		ssize_t k = poll(&pf, 1, 5000) > 0 ? recv(r->fd, out + got, n - got, 0) : -1;
		if (k <= 0)
			t_fail(__FILE__, __LINE__, "body cut at %zu of %zu bytes", got, n);
		got += (size_t)k;
	}
}

/* At stop the router drains: it takes no new connection, closes idle
 * keep-alive ones at once, and a request in flight still gets its whole
 * response (with Connection: close) before the process ends. */
TEST_TIMEOUT(router_drains_in_flight_requests_at_stop, 60)
{
	struct env e = { 0 };
	struct rd *busy, *idle;
	struct msg m;
	char v[64];
	int st = 0, fd;

	start(&e, "    - { name: wait, match: { path: '^/slow' }, mode: legacy, timeout_ms: 5000 }\n",
	      1, "");
	idle = open_rd(e.port);
	exchange(idle, "GET /idle HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	msg_free(&m);
	busy = open_rd(e.port);
	{
		static const char req[] = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
		ASSERT_EQ(send_all(busy->fd, req, sizeof req - 1), 0);
	}
	usleep(300000);   /* the upstream sleeps 2 s on it */
	kill(e.ficus, SIGTERM);
	usleep(300000);
	ASSERT_EQ(waitpid(e.ficus, &st, WNOHANG), 0);   /* still draining */
	fd = dial(e.port);
	ASSERT(fd < 0);   /* no new connections */
	ASSERT(closed_by_peer(idle));
	if (read_msg(busy, &m, false, false))
		t_fail(__FILE__, __LINE__, "the request in flight got no response");
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "path=/slow ");
	ASSERT_STR_EQ(hget(&m, "Connection", v, sizeof v), "close");
	msg_free(&m);
	ASSERT(closed_by_peer(busy));
	close_rd(busy);
	close_rd(idle);
	stop(&e);
}

TEST_TIMEOUT(router_in_front_of_nginx, 60)
{
	struct env e;
	struct rd *r;
	struct msg m;
	char conf[2048], v[128], etag[128], req[512];
	size_t size = 3u << 20;
	unsigned char *file = malloc(size), *got = malloc(size);
	pid_t ng;
	FILE *f;

	if (access("/usr/sbin/nginx", X_OK) != 0)
		t_fail(__FILE__, __LINE__, "nginx is not installed (make deps installs nginx-light)");
	start(&e, "    - { name: static, match: { path: '^/static/' }, new: shop, mode: new }\n", 1,
	      "new");
	/* a 3 MiB file with a pattern, served by nginx on shop's port */
	for (size_t i = 0; i < size; i++)
		file[i] = (unsigned char)(i * 7 + i / 4096);
	t_run(NULL, "mkdir -p %s/www/static && chmod -R a+rx %s", e.dir, e.dir);
	snprintf(conf, sizeof conf, "%s/www/static/big.bin", e.dir);
	f = fopen(conf, "wb");
	ASSERT(f && fwrite(file, 1, size, f) == size);
	fclose(f);
	t_run(NULL, "chmod a+r %s/www/static/big.bin", e.dir);
	snprintf(conf, sizeof conf,
	         "daemon off;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/nginx.err;\n"
	         "events { worker_connections 256; }\n"
	         "http { access_log off; client_body_temp_path %s/nb; proxy_temp_path %s/np;\n"
	         "  fastcgi_temp_path %s/nf; uwsgi_temp_path %s/nu; scgi_temp_path %s/ns;\n"
	         "  server { listen 127.0.0.1:%d; root %s/www; } }\n",
	         e.dir, e.dir, e.dir, e.dir, e.dir, e.dir, e.dir, e.new_port, e.dir);
	t_write(e.dir, "nginx.conf", conf);
	if ((ng = fork()) == 0) {
		char c[4096];
		setpgid(0, 0);
		snprintf(c, sizeof c, "%s/nginx.conf", e.dir);
		execl("/usr/sbin/nginx", "nginx", "-q", "-p", e.dir, "-c", c, (char *)NULL);
		_exit(127);
	}
	t_defer("kill -9 -%d 2>/dev/null || true", (int)ng);
	for (int i = 0; i < 100; i++) {
		int fd = dial(e.new_port);
		if (fd >= 0) {
			close(fd);
			break;
		}
		usleep(50000);
	}
	r = open_rd(e.port);
	/* the whole file, twice on one keep-alive connection */
	for (int k = 0; k < 2; k++) {
		const char *get = "GET /static/big.bin HTTP/1.1\r\nHost: t\r\n\r\n";
		send_all(r->fd, get, strlen(get));
		read_head(r, &m);
		ASSERT_EQ(m.status, 200);
		ASSERT_STR_EQ(hget(&m, "Content-Length", v, sizeof v), "3145728");
		ASSERT_CONTAINS(hget(&m, "Via", v, sizeof v), "1.1 ficus");
		ASSERT(hget(&m, "ETag", etag, sizeof etag));
		msg_free(&m);
		memset(got, 0, size);
		read_body(r, got, size);
		ASSERT(memcmp(got, file, size) == 0);
	}
	/* HEAD, conditional GET, range, 404: nginx's answers pass through */
	exchange(r, "HEAD /static/big.bin HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 200);
	ASSERT_STR_EQ(hget(&m, "Content-Length", v, sizeof v), "3145728");
	msg_free(&m);
	snprintf(req, sizeof req, "GET /static/big.bin HTTP/1.1\r\nHost: t\r\nIf-None-Match: %s\r\n\r\n",
	         etag);
	exchange(r, req, &m);
	ASSERT_EQ(m.status, 304);
	msg_free(&m);
	exchange(r, "GET /static/big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=4096-4105\r\n\r\n", &m);
	ASSERT_EQ(m.status, 206);
	ASSERT_EQ(m.body_len, 10);
	ASSERT(memcmp(m.body, file + 4096, 10) == 0);
	msg_free(&m);
	exchange(r, "GET /static/nope HTTP/1.1\r\nHost: t\r\n\r\n", &m);
	ASSERT_EQ(m.status, 404);
	msg_free(&m);
	close_rd(r);
	ASSERT_EQ(route_num(&e, "static", "requests"), 6);
	ASSERT_EQ(route_num(&e, "static", "errors"), 0);
	kill(-ng, SIGKILL);
	free(file);
	free(got);
	stop(&e);
}

/* One worker: a request waiting on a slow upstream does not hold up
 * another route's requests on the same event loop. */
TEST_TIMEOUT(router_slow_upstream_does_not_stall_other_routes, 60)
{
	struct env e;
	struct rd *a, *b;
	struct msg m;
	struct pollfd pf;
	start(&e,
	      "    - { name: shop-new, match: { path: '^/shops' }, new: shop, mode: new }\n"
	      "    - { name: slow, match: { path: '^/slow' }, mode: legacy, timeout_ms: 10000 }\n",
	      1, "");
	a = open_rd(e.port);
	b = open_rd(e.port);
	/* /slow: legacy answers after 2 s */
	const char *slow = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
	send_all(a->fd, slow, strlen(slow));
	for (int i = 0; i < 5; i++) {
		exchange(b, "GET /shops/9 HTTP/1.1\r\nHost: t\r\n\r\n", &m);
		ASSERT_EQ(m.status, 200);
		ASSERT_CONTAINS(m.body, "name=new ");
		msg_free(&m);
	}
	/* five answers came while /slow was still waiting */
	pf = (struct pollfd){ a->fd, POLLIN, 0 };
	ASSERT_EQ(poll(&pf, 1, 0), 0);
	ASSERT_EQ(read_msg(a, &m, false, false), 0);
	ASSERT_EQ(m.status, 200);
	ASSERT_CONTAINS(m.body, "name=legacy method=GET path=/slow ");
	msg_free(&m);
	close_rd(a);
	close_rd(b);
	stop(&e);
}
