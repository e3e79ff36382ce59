/* router/admin.h - the admin HTTP listener (loopback, bearer token): one
 * thread serving one short request at a time (Connection: close).
 *
 *   GET  /routes        routes with mode, weight and counters, upstreams
 *                       with breaker state and idle pool size (JSON)
 *   POST /routes/NAME   {"mode":"split","weight":25} (either key): change
 *   POST /reload        load the config file again
 *   GET  /metrics       Prometheus text
 *
 * Every request needs "Authorization: Bearer TOKEN" (router.admin.token,
 * token_env or token_file of the current config); /metrics does not when
 * admin.metrics_auth is false. The exact JSON shapes are in docs/router.md. */
#ifndef RT_ADMIN_H
#define RT_ADMIN_H

#include "../lib/err.h"
#include "worker.h"

#include <stdatomic.h>

struct rt_admin;
struct rt_server;

/* Binds listen ("host:port") and starts the thread, which stops when *stop
 * is set (within 200 ms). *out is owned by the caller (rt_admin_stop). */
int rt_admin_start(struct rt_server *s, struct rt_shared *sh, const char *listen,
                   atomic_int *stop, struct rt_admin **out, struct fc_err *err);
/* Joins the thread (after *stop was set) and frees a; NULL is fine. */
void rt_admin_stop(struct rt_admin *a);

#endif
