/* router/admin_client.h - a small blocking client of the router's admin
 * API (router/admin.h), for the CLI (`ficus route status|shift|mode|reload`,
 * `ficus status`). One request per connection, 5 s limit. Errors read
 * "router admin 127.0.0.1:8081: connection refused". */
#ifndef RT_ADMIN_CLIENT_H
#define RT_ADMIN_CLIENT_H

#include "../lib/err.h"

#include <stddef.h>

struct rt_admin_route {
	char name[64];
	char mode[16];              /* legacy | shadow | split | new */
	int weight;
	char legacy[64];
	char new_[64];              /* "" when the route has no new upstream */
	unsigned long long requests, errors, fallbacks;
	unsigned long long shadow_compared, shadow_diffs, shadow_dropped;
	double rps;                 /* over the last ~10 s */
};

struct rt_admin_upstream {
	char name[64];
	char url[256];
	char breaker[16];           /* closed | open | half-open */
	int consecutive_failures;
	int pool_idle;
};

struct rt_admin_status {
	struct rt_admin_route *routes;
	size_t nroutes;
	struct rt_admin_upstream *upstreams;
	size_t nupstreams;
	char config[1024];
	char reloaded_at[32];
	char *json;                 /* the response body as received */
};

/* Sends METHOD path (with body, may be NULL) to the admin listener at addr
 * ("host:port"; 0.0.0.0 and :: mean loopback) with the bearer token. On
 * success *status gets the HTTP status and *resp the body (malloc'd, the
 * caller frees); -FC_EIO and err otherwise. */
int rt_admin_call(const char *addr, const char *token, const char *method, const char *path,
                  const char *body, int *status, char **resp, struct fc_err *err);
/* GET /routes, parsed into *out (release with rt_admin_status_release).
 * A non-200 answer is an error with the server's message. */
int rt_admin_fetch_status(const char *addr, const char *token, struct rt_admin_status *out,
                          struct fc_err *err);
void rt_admin_status_release(struct rt_admin_status *st);

#endif
