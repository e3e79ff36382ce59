/* router/server.h - runs the router: N worker threads, each with its own
 * SO_REUSEPORT listener and event loop, sharing one read-only routing
 * table built from the config.
 *
 *   rt_server_start()  resolves and binds everything (errors say which
 *                      key failed), then starts the workers
 *   rt_server_stop()   asks the workers to stop (each notices within
 *                      100 ms), joins them, closes every connection and
 *                      frees the server
 *
 * Start and stop from one thread; SIGINT and SIGTERM are blocked in the
 * workers so the caller's thread receives them. SIGPIPE is never raised
 * (sends use MSG_NOSIGNAL). */
#ifndef RT_SERVER_H
#define RT_SERVER_H

#include "../lib/config.h"
#include "../lib/err.h"

struct rt_server;

struct rt_server_stats {
	unsigned long long accepted, requests, to_new, fallbacks, errors_4xx, errors_5xx;
	unsigned long long upstream_opened, upstream_reused;
};

/* Starts serving rc (which must outlive the server). On success *out owns
 * the running server; on failure nothing runs and err says why
 * ("router.listen 127.0.0.1:8080: cannot listen: Address in use"). */
int rt_server_start(const struct fc_router_config *rc, struct rt_server **out,
                    struct fc_err *err);
/* Stops, joins and frees s; fills st (may be NULL) with the totals. */
void rt_server_stop(struct rt_server *s, struct rt_server_stats *st);

#endif
