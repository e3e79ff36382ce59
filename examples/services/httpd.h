/* examples/services/httpd.h - the small HTTP/1.1 server under the sample
 * services (baemin-legacy, baemin-shop): one thread per connection,
 * keep-alive, requests parsed with libhttp-parser, one handler call per
 * request. It is sample code for the demo, not a production server: the
 * router in front of it is the part ficus is about.
 *
 * Each connection thread calls the service's thread_init once (to open its
 * own database connection) and thread_done when the client goes. */
#ifndef SVC_HTTPD_H
#define SVC_HTTPD_H

#include "../../lib/buf.h"
#include "../../lib/config.h"

#include <stddef.h>

struct svc_req {
	const char *method;     /* "GET", "POST", ... */
	char path[512];         /* the path without the query, not decoded */
	char query[512];        /* after '?', or "" */
	const char *body;       /* the whole body (form or JSON), NUL-terminated */
	size_t body_len;
};

struct svc_resp {
	int status;             /* 200 unless the handler sets another */
	struct fc_buf body;     /* JSON, written by the handler */
};

struct svc {
	const char *name;       /* "legacy", "shop": the X-Served-By header */
	void *(*thread_init)(void);
	void (*thread_done)(void *ctx);
	void (*handle)(void *ctx, const struct svc_req *req, struct svc_resp *resp);
};

/* Listens on listen ("host:port"), prints "NAME listening on host:port" to
 * stdout and serves until SIGTERM or SIGINT. Returns 0 after a signal, -1
 * with a message on stderr when the address cannot be bound. */
int svc_serve(const struct svc *s, const char *listen);

/* The value of name in a form or query string (a=1&b=x%20y), decoded into
 * out (n bytes); returns out, or NULL when the name is absent. */
const char *svc_form(const char *form, const char *name, char *out, size_t n);

/* Splits a path into at most max segments of 64 bytes ("/shops/42" ->
 * "shops", "42"); returns the count, or max + 1 when there are more or one
 * is too long (no endpoint matches that). */
int svc_path(const char *path, char seg[][64], int max);

/* An id from a path segment or form value: digits only, else -1 (also
 * for NULL). */
long long svc_id(const char *s);

/* Sets resp to status with {"error": msg}. */
void svc_error(struct svc_resp *resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The current time as ISO-8601 UTC with milliseconds, into out (32 bytes). */
const char *svc_now(char out[32]);


/* The command line both services share:
 *   --config F        a ficus config (default $FICUS_CONFIG, ficus.yaml)
 *   --connection NAME the database to serve from (default: the config's
 *                     legacy or target connection, by kind)
 *   --listen H:P      the address to serve on (default def_listen)
 * Loads the config into cfg and returns the connection; on a bad option or
 * config prints the reason (file:line:col) and exits 2. */
const struct fc_conn *svc_options(int argc, char **argv, const char *usage,
                                  enum fc_conn_kind kind, const char *def_listen,
                                  struct fc_config *cfg, const char **listen);

#endif
