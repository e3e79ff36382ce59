/* router/worker.h - what the workers share and what one worker holds.
 *
 * struct rt_shared belongs to the server and lives until it stops: the
 * upstream slots (address and breaker; a slot is never reused, so a
 * connection in flight keeps meaning the upstream it was opened for), the
 * per-route counters (kept by route name across reloads) and the current
 * generation, swapped by a reload. A generation is one loaded config with
 * its routing table and log files; it is freed when its last holder lets
 * go, so an exchange picked under one never reads freed memory and old
 * configs, regexes and log descriptors do not pile up over reloads.
 *
 * struct rt_worker belongs to its thread (its event loop, listener,
 * clients, upstream pools, matcher), except stop, which the server sets,
 * and the counters marked atomic, which the admin thread reads. */
#ifndef RT_WORKER_H
#define RT_WORKER_H

#include "breaker.h"
#include "conn.h"
#include "loop.h"
#include "pool.h"
#include "route.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define RT_MAX_UPSTREAMS 64   /* slots over the server's life (reloads add) */
#define RT_LAT_N 13           /* latency buckets, bounds in rt_lat_bounds_ms */

struct rt_client;
struct rt_shadow;

extern const unsigned rt_lat_bounds_ms[RT_LAT_N - 1];

/* Counters of one route name (and one for the default upstream), written
 * by workers with relaxed atomics, read by the admin thread. */
struct rt_route_stats {
	char name[64];
	atomic_ullong status[2][6];      /* side x status class (0: none) */
	atomic_ullong lat[2][RT_LAT_N];  /* side x bucket, not cumulative */
	atomic_ullong lat_sum_us[2];
	atomic_ullong fallbacks;
	atomic_ullong shadow_compared, shadow_diffs, shadow_dropped;
	/* admin thread only: request totals sampled once a second (rps) */
	unsigned long long ring[11];
	uint64_t ring_ms[11];
	int ring_n;
	struct rt_route_stats *next;
};

struct rt_upstream {
	char name[64];
	char url[256];
	char host[256];
	unsigned port;
	char hostport[300];              /* "host:port", the Host of HTTP/1.0 requests */
	struct rt_breaker br;
};

struct rt_gen {
	struct fc_config *cfg;           /* owned; NULL for the first (the caller's) */
	const struct fc_router_config *rc;
	struct rt_table *table;
	int *slot;                       /* config upstream index -> slot */
	struct rt_route_stats **rstats;  /* per route */
	struct rt_route_stats *dstats;   /* the default upstream */
	int access_fd, shadow_fd;        /* -1 when not configured */
	char loaded_at[32];              /* ISO-8601 UTC */
	atomic_int refs;                 /* holders: see rt_gen_hold */
};

struct rt_shared {
	pthread_mutex_t lock;            /* held by a reload and by admin reads of stats */
	_Atomic(struct rt_gen *) gen;
	struct rt_upstream ups[RT_MAX_UPSTREAMS];
	struct rt_addr addrs[RT_MAX_UPSTREAMS];
	atomic_int nups;
	atomic_int idle[RT_MAX_UPSTREAMS];   /* pooled connections, all workers */
	struct rt_route_stats *stats;    /* every name seen */
};

struct rt_stats {
	unsigned long long accepted, requests, to_new, fallbacks, errors_4xx, errors_5xx;
};

struct rt_worker {
	int id;
	struct rt_loop loop;
	struct rt_shared *sh;
	struct rt_gen *gen;              /* the generation this worker picks with */
	const struct rt_table *table;    /* gen->table */
	struct rt_matcher *matcher;
	struct rt_io listener;
	struct rt_pool pool;
	struct rt_pool spool;            /* shadow copies' own connections */
	struct rt_shadow *shadow;        /* shadow queue (shadow.c) */
	struct rt_client *clients;       /* open clients */
	struct rt_client *dead;          /* closed this iteration, freed by rt_proxy_reap */
	uint64_t now;                    /* ms, refreshed each iteration */
	uint64_t rng;                    /* xorshift state for unsticky splits */
	atomic_int *stop;
	atomic_int *drain;               /* the server stops: finish what is in flight */
	const uint64_t *drain_deadline;  /* ms (rt_now_ms), set before *drain */
	bool draining;                   /* this worker has seen *drain */
	struct rt_stats stats;
	pthread_t thread;
	char scratch[16384];             /* upstream reads */
};

/* Generation references. Holders: the server while it is current, each
 * worker for the one it picks with, each client for the one its last
 * exchange used, each shadow copy, the admin thread while it answers. A
 * new holder of the current generation takes it under sh->lock (a reload
 * swaps it under that lock); rt_gen_drop frees it at zero. Any thread. */
void rt_gen_hold(struct rt_gen *g);
void rt_gen_drop(struct rt_gen *g);
/* The current generation, held (drop it when done). Any thread. */
struct rt_gen *rt_gen_current(struct rt_shared *sh);

/* Records a finished exchange of route stats rs on side: status class,
 * latency (µs). Any thread. */
void rt_stats_record(struct rt_route_stats *rs, int side, int status, uint64_t us);
/* Requests recorded with status class cls (5: 5xx), or all for cls -1. */
unsigned long long rt_stats_requests(struct rt_route_stats *rs, int cls);

#endif
