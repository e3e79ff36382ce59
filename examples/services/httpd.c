/* examples/services/httpd.c - see httpd.h. */
#include "httpd.h"

#include "../../cdc/value.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX (1 << 20)

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

struct conn {
	const struct svc *svc;
	int fd;
	void *ctx;
	http_parser parser;
	struct fc_buf url, body;
	int failed;             /* a write failed or a body was too big */
	int keep_alive;
};

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

static int on_url(http_parser *p, const char *at, size_t n)
{
	struct conn *c = p->data;
	return fc_buf_append(&c->url, at, n) ? -1 : 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
	struct conn *c = p->data;
	if (fc_buf_append(&c->body, at, n)) {
		c->failed = 413;
		return -1;
	}
	return 0;
}

static int on_begin(http_parser *p)
{
	struct conn *c = p->data;
	fc_buf_reset(&c->url);
	fc_buf_reset(&c->body);
	return 0;
}

/* One whole request: split the url, call the handler, write the answer. */
static int on_complete(http_parser *p)
{
	struct conn *c = p->data;
	struct svc_req req = { .method = http_method_str((enum http_method)p->method) };
	struct svc_resp resp = { .status = 200 };
	const char *u = c->url.ptr ? c->url.ptr : "/";
	const char *q = strchr(u, '?');
	size_t plen = q ? (size_t)(q - u) : strlen(u);
	char head[256];
	int n;

	if (plen >= sizeof req.path)
		plen = sizeof req.path - 1;
	memcpy(req.path, u, plen);
	req.path[plen] = '\0';
	snprintf(req.query, sizeof req.query, "%s", q ? q + 1 : "");
	req.body = c->body.ptr ? c->body.ptr : "";
	req.body_len = c->body.len;
	fc_buf_init(&resp.body, 16 << 20);
	c->svc->handle(c->ctx, &req, &resp);
	c->keep_alive = http_should_keep_alive(p);
	n = snprintf(head, sizeof head,
	             "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\n"
	             "Content-Length: %zu\r\nX-Served-By: %s\r\n%s\r\n",
	             resp.status, reason(resp.status), resp.body.len, c->svc->name,
	             c->keep_alive ? "" : "Connection: close\r\n");
	if (send_all(c->fd, head, (size_t)n) ||
	    (resp.body.len && p->method != HTTP_HEAD && send_all(c->fd, resp.body.ptr, resp.body.len)))
		c->failed = -1;
	fc_buf_release(&resp.body);
	return c->failed ? -1 : 0;
}

static const http_parser_settings settings = {
	.on_message_begin = on_begin,
	.on_url = on_url,
	.on_body = on_body,
	.on_message_complete = on_complete,
};

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	char buf[16384];

	c->ctx = c->svc->thread_init ? c->svc->thread_init() : NULL;
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	c->keep_alive = 1;
	while (c->keep_alive && !c->failed) {
		ssize_t k = recv(c->fd, buf, sizeof buf, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (http_parser_execute(&c->parser, &settings, buf, (size_t)k) != (size_t)k &&
		    !c->failed) {
			static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
			                          "Connection: close\r\n\r\n";
			send_all(c->fd, bad, sizeof bad - 1);
			break;
		}
	}
	if (c->failed == 413) {
		static const char big[] = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n"
		                          "Connection: close\r\n\r\n";
		send_all(c->fd, big, sizeof big - 1);
	}
	if (c->svc->thread_done)
		c->svc->thread_done(c->ctx);
	close(c->fd);
	fc_buf_release(&c->url);
	fc_buf_release(&c->body);
	free(c);
	return NULL;
}

int svc_serve(const struct svc *s, const char *listen_at)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sigaction sa = { .sa_handler = on_stop };
	char host[64];
	const char *colon = strrchr(listen_at, ':');
	int one = 1, fd;
	pthread_attr_t attr;

	if (!colon || (size_t)(colon - listen_at) >= sizeof host || atoi(colon + 1) <= 0) {
		fprintf(stderr, "%s: listen address '%s' is not host:port\n", s->name, listen_at);
		return -1;
	}
	memcpy(host, listen_at, (size_t)(colon - listen_at));
	host[colon - listen_at] = '\0';
	a.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "%s: listen address '%s': '%s' is not an IPv4 address\n", s->name,
		        listen_at, host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 512) < 0) {
		fprintf(stderr, "%s: cannot listen on %s: %s\n", s->name, listen_at, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	printf("%s listening on %s\n", s->name, listen_at);
	fflush(stdout);
	while (!stopping) {
		int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		struct conn *c;
		pthread_t t;
		if (cfd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				usleep(10000);   /* out of fds: let connections finish */
			continue;
		}
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c = calloc(1, sizeof *c);
		if (!c) {
			close(cfd);
			continue;
		}
		c->svc = s;
		c->fd = cfd;
		fc_buf_init(&c->url, 8192);
		fc_buf_init(&c->body, BODY_MAX);
		if (pthread_create(&t, &attr, conn_main, c)) {
			close(cfd);
			fc_buf_release(&c->url);
			fc_buf_release(&c->body);
			free(c);
		}
	}
	close(fd);
	pthread_attr_destroy(&attr);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *svc_form(const char *form, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = form;

	while (p && *p) {
		const char *end = strchr(p, '&');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			size_t o = 0;
			for (p += nl + 1; p < end && o + 1 < n; p++) {
				if (*p == '+') {
					out[o++] = ' ';
				} else if (*p == '%' && end - p >= 3 && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
					out[o++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
					p += 2;
				} else {
					out[o++] = *p;
				}
			}
			out[o] = '\0';
			return out;
		}
		p = *end ? end + 1 : NULL;
	}
	return NULL;
}

void svc_error(struct svc_resp *resp, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	resp->status = status;
	fc_buf_reset(&resp->body);
	fc_buf_puts(&resp->body, "{\"error\":");
	cdc_json_cstr(&resp->body, msg);
	fc_buf_putc(&resp->body, '}');
}

const char *svc_now(char out[32])
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
	return out;
}

const struct fc_conn *svc_options(int argc, char **argv, const char *usage,
                                  enum fc_conn_kind kind, const char *def_listen,
                                  struct fc_config *cfg, const char **listen_at)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
		                              { "connection", required_argument, NULL, 'C' },
		                              { "listen", required_argument, NULL, 'l' },
		                              { "help", no_argument, NULL, 'h' },
		                              { NULL, 0, NULL, 0 } };
	const char *cfg_path = NULL, *name = NULL;
	const struct fc_conn *conn;
	struct fc_err err = { 0 };
	int c;

	*listen_at = def_listen;
	while ((c = getopt_long(argc, argv, "c:C:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'C': name = optarg; break;
		case 'l': *listen_at = optarg; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n%s", argv[0], argv[optind], usage);
		exit(2);
	}
	if (fc_config_load(fc_config_default_path(cfg_path), cfg, &err)) {
		fprintf(stderr, "%s: %s\n", argv[0], err.msg);
		exit(2);
	}
	if (!name)
		name = kind == FC_CONN_MYSQL ? fc_config_legacy_conn(cfg, NULL)
		                             : fc_config_target_conn(cfg, NULL);
	if (!name) {
		fprintf(stderr, "%s: %s names no %s connection (sync.source / sync.target); "
		        "give --connection NAME\n", argv[0], fc_config_default_path(cfg_path),
		        fc_conn_kind_name(kind));
		exit(2);
	}
	conn = fc_config_conn_kind(cfg, name, kind, &err);
	if (!conn) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], fc_config_default_path(cfg_path), err.msg);
		exit(2);
	}
	return conn;
}

int svc_path(const char *path, char seg[][64], int max)
{
	int n = 0;

	while (*path == '/')
		path++;
	while (*path) {
		size_t k = strcspn(path, "/");
		if (n == max || k >= 64)
			return max + 1;
		memcpy(seg[n], path, k);
		seg[n++][k] = '\0';
		path += k;
		while (*path == '/')
			path++;
	}
	return n;
}

long long svc_id(const char *s)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || *end ? -1 : v;
}
