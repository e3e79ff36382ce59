/* router/route.h - the routing table: which upstream serves a request.
 *
 * Built once from the loaded config (struct fc_router_config); read-only
 * afterwards and shared by every worker. Each worker matches with its own
 * struct rt_matcher (PCRE2 match data is per thread). First route whose
 * method (if any) and path regex match wins; otherwise the default
 * upstream. Modes: legacy, new, split (weight % of users to new, sticky),
 * shadow (served from legacy; the proxy sends a copy to new). A route's
 * mode and weight can change while workers pick (rt_table_set, atomics). */
#ifndef RT_ROUTE_H
#define RT_ROUTE_H

#include "../lib/buf.h"
#include "../lib/config.h"
#include "../lib/err.h"

#include <stdbool.h>
#include <stdint.h>

enum rt_side { RT_SIDE_LEGACY, RT_SIDE_NEW };

struct rt_table;
struct rt_matcher;

/* What the router decided for one request. */
struct rt_pick {
	int route;          /* index in the config's routes, -1: the default */
	enum rt_side side;
	int upstream;       /* index in the config's upstreams */
	int legacy;         /* the route's legacy upstream (the fallback target) */
	int timeout_ms;
	bool sticky;        /* the side came from a sticky key (not random) */
	bool shadow;        /* shadow mode: a copy goes to new_ */
	int new_;           /* the route's new upstream, -1 when none */
};

/* Looks a request field up for sticky keys: the value of the first field
 * called name (any case), or {NULL, 0}. */
typedef struct fc_span (*rt_field_fn)(void *ctx, const char *name);

/* Compiles every route's regex (JIT where available) and resolves the
 * upstream names. The caller owns *out (rt_table_free); rc keeps pointing
 * into cfg, which must outlive the table. */
int rt_table_new(const struct fc_router_config *rc, struct rt_table **out, struct fc_err *err);
void rt_table_free(struct rt_table *t);
size_t rt_table_nupstreams(const struct rt_table *t);
const struct fc_upstream *rt_table_upstream(const struct rt_table *t, int i);
const struct fc_route *rt_table_route(const struct rt_table *t, int i);

size_t rt_table_nroutes(const struct rt_table *t);
/* The index of the route called name, or -1. */
int rt_table_find(const struct rt_table *t, const char *name);
/* A route's live mode and weight. Any thread. */
void rt_table_state(const struct rt_table *t, int i, enum fc_route_mode *mode, int *weight);
/* Changes route i's mode and weight (-1: keep); takes effect for the next
 * pick on every worker. -FC_EINVAL (err says why) for a mode other than
 * legacy on a route without a new upstream. Any thread. */
int rt_table_set(struct rt_table *t, int i, int mode, int weight, struct fc_err *err);

/* Per-thread match state; NULL on out of memory. */
struct rt_matcher *rt_matcher_new(const struct rt_table *t);
void rt_matcher_free(struct rt_matcher *m);

/* Picks route, side and upstream for method and path. Sticky keys come
 * through field(ctx, ...) (headers; cookies are read from "Cookie"); a
 * split route without a sticky key, or whose key is absent from the
 * request, uses rnd (a random number) instead. */
void rt_table_pick(const struct rt_table *t, struct rt_matcher *m, const char *method,
                   struct fc_span path, rt_field_fn field, void *ctx, uint64_t rnd,
                   struct rt_pick *out);

/* The bucket 0..99 of a sticky key: FNV-1a 64 with a final mix, mod 100.
 * A key goes to new iff its bucket < weight, so raising the weight only
 * moves keys from legacy to new. */
unsigned rt_sticky_bucket(const char *key, size_t len);
/* The value of cookie name in a Cookie field value ("a=1; b=2"), or
 * {NULL, 0}. */
struct fc_span rt_cookie_get(struct fc_span cookies, const char *name);

#endif
