/* router/proxy.h - serving clients on a worker: accepting, parsing
 * requests, routing, forwarding to an upstream connection and streaming
 * the response back, one request at a time per client connection
 * (pipelined requests wait in the client's input buffer and are answered
 * in order). Design and limits: docs/router.md. All functions run on the
 * worker's thread. */
#ifndef RT_PROXY_H
#define RT_PROXY_H

#include "worker.h"

#define RT_IN_MAX (64 * 1024)       /* unparsed client bytes kept (pipelining) */
#define RT_HIGH (64 * 1024)         /* an output buffer this full stops its source */
#define RT_REPLAY_MAX (64 * 1024)   /* request bytes kept for a retry on legacy */

/* The listener's event handler: accepts every pending client. */
void rt_proxy_on_listen(struct rt_io *io, uint32_t events);
/* The upstream connections' event handler (given to the pool). */
void rt_proxy_on_upstream(struct rt_io *io, uint32_t events);
/* Checks timeouts (upstream per route, client idle); call every ~100 ms. */
void rt_proxy_tick(struct rt_worker *w);
/* Frees the clients closed since the last call. */
void rt_proxy_reap(struct rt_worker *w);
/* Closes every client (at stop). */
void rt_proxy_close_all(struct rt_worker *w);
/* The server stops: closes w's listener and its idle clients; the others
 * get their response (with Connection: close) and are closed after it. */
void rt_proxy_drain(struct rt_worker *w);

#endif
