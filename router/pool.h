/* router/pool.h - upstream connections and the per-worker pool of idle,
 * keep-alive ones (one LIFO list per upstream, at most RT_POOL_IDLE each).
 *
 * A connection is either bound to one client exchange (client != NULL) or
 * idle in the pool, watched for the upstream closing it. The pool owns
 * every connection it made: rt_upconn_close marks one dead and
 * rt_pool_reap frees the dead after a loop iteration. One pool per worker;
 * not thread-safe. */
#ifndef RT_POOL_H
#define RT_POOL_H

#include "conn.h"
#include "http.h"
#include "loop.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define RT_POOL_IDLE 64

struct rt_client;
struct rt_shadow_job;

struct rt_upconn {
	struct rt_io io;
	struct rt_pool *pool;
	int up;                     /* upstream index */
	struct rt_client *client;   /* bound exchange, NULL when idle */
	struct rt_shadow_job *job;  /* or the bound shadow copy (shadow pool) */
	struct rt_upconn *prev, *next;  /* idle list, busy list or dead list */
	int list;                   /* which of them (enum in pool.c) */
	bool connected;             /* connect finished */
	bool reused;                /* came from the idle list */
	bool failed;                /* connect failed at once */
	bool got_bytes;             /* some of the response arrived */
	bool until_close;           /* the response body ends when the upstream closes */
	http_parser p;
	struct rt_msg resp;
	struct fc_buf out;
	size_t out_off;
	uint64_t deadline;          /* ms: the exchange times out */
};

struct rt_pool {
	struct rt_loop *loop;
	const struct rt_addr *addrs;   /* per upstream, resolved at start */
	size_t n;
	struct rt_upconn **idle;       /* per upstream */
	size_t *nidle;
	struct rt_upconn *busy;        /* bound connections, for timeouts */
	struct rt_upconn *dead;
	void (*on_event)(struct rt_io *io, uint32_t events);
	atomic_int *idle_total;        /* per upstream, shared: idle count of all pools, or NULL */
	unsigned long long opened, reused;
};

int rt_pool_init(struct rt_pool *p, struct rt_loop *loop, const struct rt_addr *addrs, size_t n,
                 void (*on_event)(struct rt_io *, uint32_t));
/* Closes and frees every connection. */
void rt_pool_release(struct rt_pool *p);
/* A connection to upstream up for client c: an idle one (when check is
 * set, one that a peek shows still open: a syscall, worth it for requests
 * that cannot be retried; otherwise the idle connection's close, when it
 * comes in the same loop iteration, shows as a stale connection the
 * caller retries), else a new one (connecting). On a connect that failed at once, the
 * connection comes back with failed set (closed; the caller reports it).
 * NULL only when out of memory or file descriptors. */
struct rt_upconn *rt_pool_get(struct rt_pool *p, int up, struct rt_client *c, bool check);
/* Puts a connection whose exchange ended cleanly back to idle (or closes
 * it when the list is full). */
void rt_pool_put(struct rt_pool *p, struct rt_upconn *u);
/* Closes u (bound, idle or failed); freed by rt_pool_reap. */
void rt_upconn_close(struct rt_upconn *u);
/* Frees the connections closed since the last call. */
void rt_pool_reap(struct rt_pool *p);

#endif
