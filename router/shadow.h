/* router/shadow.h - shadow mode: after legacy answered the client, a copy
 * of the request goes to the route's new upstream, off the client's path,
 * and the two responses are compared.
 *
 * Each worker has a bounded queue (router.shadow.queue copies waiting) and
 * at most RT_SHADOW_INFLIGHT copies in flight on its own connection pool
 * (w->spool), so a slow new side never holds a client or a legacy
 * connection. A copy is dropped and counted (shadow_dropped) when the queue
 * is full, the request was over 64 KiB (not kept), or a body was over
 * router.shadow.max_body. The comparison: status, then the bodies - as
 * JSON values when both parse as JSON, with the route's shadow.ignore keys
 * removed at any depth and numbers compared by value (1.0 is 1), else
 * byte for byte. A difference (or a failed
 * copy: refused, broken, timed out) is counted (shadow_diffs) and written
 * as one JSON line to router.shadow.log. All on the worker's thread. */
#ifndef RT_SHADOW_H
#define RT_SHADOW_H

#include "worker.h"

#include <stdbool.h>

#define RT_SHADOW_INFLIGHT 32

int rt_shadow_init(struct rt_worker *w);
/* Drops every queued or running copy. */
void rt_shadow_release(struct rt_worker *w);
/* Queues a copy of request (the bytes sent to legacy) for upstream slot
 * up, with legacy's answer (status and decoded body) to compare against.
 * Copies what it keeps; takes over nothing. */
void rt_shadow_submit(struct rt_worker *w, struct rt_gen *g, struct rt_route_stats *rs,
                      int route, int up, const char *line, const struct fc_buf *request,
                      int legacy_status, const struct fc_buf *legacy_body, bool is_head);
/* The shadow pool's event handler. */
void rt_shadow_on_upstream(struct rt_io *io, uint32_t events);
/* Times copies out (the route's timeout_ms); call every ~100 ms. */
void rt_shadow_tick(struct rt_worker *w);

/* Whether two bodies are equal for the comparison above (ignore: keys
 * dropped from JSON objects at any depth). Exposed for tests. */
bool rt_shadow_same_body(const char *a, size_t alen, const char *b, size_t blen,
                         const char *const *ignore, size_t nignore);

#endif
