/* router/server.h - runs the router: N worker threads, each with its own
 * SO_REUSEPORT listener and event loop, the admin listener's thread, and
 * the current generation (config + routing table) they all read.
 *
 *   rt_server_start()   resolves and binds everything (errors say which
 *                       key failed), then starts the threads
 *   rt_server_reload()  loads the config file again; on success new
 *                       requests use it at once, exchanges in flight and
 *                       keep-alive connections go on; on failure nothing
 *                       changes and err says file:line:col
 *   rt_server_stop()    asks the threads to stop (each notices within
 *                       100 ms), joins them, closes every connection and
 *                       frees the server
 *
 * Start, reload and stop from any one thread at a time (reloads are also
 * serialised inside); SIGINT, SIGTERM and SIGHUP are blocked in the
 * router's threads so the caller's thread receives them. SIGPIPE is never
 * raised (sends use MSG_NOSIGNAL). */
#ifndef RT_SERVER_H
#define RT_SERVER_H

#include "../lib/config.h"
#include "../lib/err.h"

struct rt_server;

struct rt_server_stats {
	unsigned long long accepted, requests, to_new, fallbacks, errors_4xx, errors_5xx;
	unsigned long long upstream_opened, upstream_reused;
};

/* Starts serving cfg's router section (cfg must outlive the server; its
 * path is what reloads read). On success *out owns the running server; on
 * failure nothing runs and err says why ("router.listen 127.0.0.1:8080:
 * cannot listen: Address in use"). listen, workers and admin.listen are
 * read once: a reload that changes them keeps the running values. */
int rt_server_start(const struct fc_config *cfg, struct rt_server **out, struct fc_err *err);
/* Loads the config file again and swaps it in. 0, or the loader's or
 * validator's error (the running config stays). Thread-safe. */
int rt_server_reload(struct rt_server *s, struct fc_err *err);
/* The config file the server reloads. */
const char *rt_server_config_path(const struct rt_server *s);
/* Stops, joins and frees s; fills st (may be NULL) with the totals. */
void rt_server_stop(struct rt_server *s, struct rt_server_stats *st);

#endif
