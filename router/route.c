/* router/route.c - routing table: compiled PCRE2 regexes, first match wins,
 * split by sticky hash. See route.h. */
#include "route.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct rt_croute {
	const struct fc_route *cfg;
	pcre2_code *re;
	int capture;        /* group number of a sticky capture, else -1 */
	int legacy, new_;   /* upstream indexes (new_ -1 when none) */
	atomic_int mode;    /* live: starts as the config's, changed by rt_table_set */
	atomic_int weight;
};

struct rt_table {
	const struct fc_router_config *cfg;
	struct rt_croute *routes;
	size_t nroutes;
	int default_up;
};

struct rt_matcher {
	pcre2_match_data **md;  /* one per route */
	size_t n;
};

static int upstream_index(const struct fc_router_config *rc, const char *name)
{
	for (size_t i = 0; name && i < rc->nupstreams; i++)
		if (strcmp(rc->upstreams[i].name, name) == 0)
			return (int)i;
	return -1;
}

void rt_table_free(struct rt_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nroutes; i++)
		pcre2_code_free(t->routes[i].re);
	free(t->routes);
	free(t);
}

int rt_table_new(const struct fc_router_config *rc, struct rt_table **out, struct fc_err *err)
{
	struct rt_table *t = calloc(1, sizeof *t);
	if (!t || !(t->routes = calloc(rc->nroutes ? rc->nroutes : 1, sizeof *t->routes))) {
		free(t);
		return fc_errf(err, FC_ENOMEM, "router: out of memory");
	}
	t->cfg = rc;
	t->default_up = upstream_index(rc, rc->default_upstream);
	if (t->default_up < 0) {
		rt_table_free(t);
		return fc_errf(err, FC_ECONFIG, "router: unknown default upstream '%s'",
		               rc->default_upstream ? rc->default_upstream : "");
	}
	for (size_t i = 0; i < rc->nroutes; i++) {
		const struct fc_route *r = &rc->routes[i];
		struct rt_croute *cr = &t->routes[i];
		PCRE2_SIZE off;
		int code;
		cr->cfg = r;
		cr->capture = -1;
		atomic_init(&cr->mode, (int)r->mode);
		atomic_init(&cr->weight, r->weight);
		cr->legacy = upstream_index(rc, r->legacy ? r->legacy : rc->default_upstream);
		cr->new_ = upstream_index(rc, r->new_);
		cr->re = pcre2_compile((PCRE2_SPTR)r->path, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code,
		                       &off, NULL);
		t->nroutes++;
		if (!cr->re) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(code, msg, sizeof msg);
			rt_table_free(t);
			return fc_errf(err, FC_ECONFIG, "route '%s': bad regex at offset %zu: %s",
			               r->name, (size_t)off, (char *)msg);
		}
		pcre2_jit_compile(cr->re, PCRE2_JIT_COMPLETE);  /* falls back to the interpreter */
		if (cr->legacy < 0 || (r->mode != FC_MODE_LEGACY && cr->new_ < 0)) {
			rt_table_free(t);
			return fc_errf(err, FC_ECONFIG, "route '%s': unknown upstream", r->name);
		}
		if (r->sticky == FC_STICKY_CAPTURE &&
		    (cr->capture = pcre2_substring_number_from_name(cr->re,
		                                                    (PCRE2_SPTR)r->sticky_name)) < 0) {
			rt_table_free(t);
			return fc_errf(err, FC_ECONFIG, "route '%s': no capture named '%s'", r->name,
			               r->sticky_name);
		}
	}
	*out = t;
	return 0;
}

size_t rt_table_nupstreams(const struct rt_table *t)
{
	return t->cfg->nupstreams;
}

const struct fc_upstream *rt_table_upstream(const struct rt_table *t, int i)
{
	return &t->cfg->upstreams[i];
}

const struct fc_route *rt_table_route(const struct rt_table *t, int i)
{
	return i < 0 ? NULL : t->routes[i].cfg;
}

size_t rt_table_nroutes(const struct rt_table *t)
{
	return t->nroutes;
}

int rt_table_find(const struct rt_table *t, const char *name)
{
	for (size_t i = 0; i < t->nroutes; i++)
		if (strcmp(t->routes[i].cfg->name, name) == 0)
			return (int)i;
	return -1;
}

void rt_table_state(const struct rt_table *t, int i, enum fc_route_mode *mode, int *weight)
{
	struct rt_croute *cr = &t->routes[i];
	*mode = (enum fc_route_mode)atomic_load_explicit(&cr->mode, memory_order_relaxed);
	*weight = atomic_load_explicit(&cr->weight, memory_order_relaxed);
}

int rt_table_set(struct rt_table *t, int i, int mode, int weight, struct fc_err *err)
{
	struct rt_croute *cr = &t->routes[i];
	if (mode > FC_MODE_NEW || weight > 100)
		return fc_errf(err, FC_EINVAL, "route '%s': bad mode or weight (0-100)",
		               cr->cfg->name);
	if (mode > FC_MODE_LEGACY && cr->new_ < 0)
		return fc_errf(err, FC_EINVAL, "route '%s': mode %s needs a 'new' upstream "
		               "(the route has none in the config)", cr->cfg->name,
		               fc_route_mode_name((enum fc_route_mode)mode));
	if (mode >= 0)
		atomic_store(&cr->mode, mode);
	if (weight >= 0)
		atomic_store(&cr->weight, weight);
	return 0;
}

struct rt_matcher *rt_matcher_new(const struct rt_table *t)
{
	struct rt_matcher *m = calloc(1, sizeof *m);
	if (!m || !(m->md = calloc(t->nroutes ? t->nroutes : 1, sizeof *m->md))) {
		free(m);
		return NULL;
	}
	m->n = t->nroutes;
	for (size_t i = 0; i < t->nroutes; i++)
		if (!(m->md[i] = pcre2_match_data_create_from_pattern(t->routes[i].re, NULL))) {
			rt_matcher_free(m);
			return NULL;
		}
	return m;
}

void rt_matcher_free(struct rt_matcher *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		pcre2_match_data_free(m->md[i]);
	free(m->md);
	free(m);
}

unsigned rt_sticky_bucket(const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ULL;
	}
	/* FNV's low bits are weak for short keys: mix before the modulo */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (unsigned)(h % 100);
}

struct fc_span rt_cookie_get(struct fc_span c, const char *name)
{
	size_t nl = strlen(name), i = 0;
	while (i < c.len) {
		size_t b, eq, e;
		while (i < c.len && (c.ptr[i] == ' ' || c.ptr[i] == '\t' || c.ptr[i] == ';'))
			i++;
		b = i;
		while (i < c.len && c.ptr[i] != ';')
			i++;
		e = i;
		while (e > b && (c.ptr[e - 1] == ' ' || c.ptr[e - 1] == '\t'))
			e--;
		for (eq = b; eq < e && c.ptr[eq] != '='; eq++)
			;
		if (eq < e && eq - b == nl && memcmp(c.ptr + b, name, nl) == 0) {
			size_t vb = eq + 1;
			if (e - vb >= 2 && c.ptr[vb] == '"' && c.ptr[e - 1] == '"') {
				vb++;
				e--;
			}
			return (struct fc_span){ c.ptr + vb, e - vb };
		}
	}
	return (struct fc_span){ NULL, 0 };
}

void rt_table_pick(const struct rt_table *t, struct rt_matcher *m, const char *method,
                   struct fc_span path, rt_field_fn field, void *ctx, uint64_t rnd,
                   struct rt_pick *out)
{
	*out = (struct rt_pick){ -1, RT_SIDE_LEGACY, t->default_up, t->default_up, 5000, false,
		                 false, -1 };
	for (size_t i = 0; i < t->nroutes; i++) {
		const struct rt_croute *cr = &t->routes[i];
		const struct fc_route *r = cr->cfg;
		struct fc_span key = { NULL, 0 };
		int n, mode, weight;
		if (r->method && strcmp(r->method, method) != 0)
			continue;
		n = pcre2_match(cr->re, (PCRE2_SPTR)path.ptr, path.len, 0, 0, m->md[i], NULL);
		if (n < 0)
			continue;
		out->route = (int)i;
		out->legacy = cr->legacy;
		out->upstream = cr->legacy;
		out->timeout_ms = r->timeout_ms;
		mode = atomic_load_explicit(&cr->mode, memory_order_relaxed);
		weight = atomic_load_explicit(&cr->weight, memory_order_relaxed);
		out->shadow = mode == FC_MODE_SHADOW;
		if (mode == FC_MODE_NEW) {
			out->side = RT_SIDE_NEW;
		} else if (mode == FC_MODE_SPLIT) {
			unsigned bucket;
			if (r->sticky == FC_STICKY_CAPTURE) {
				PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md[i]);
				if (cr->capture < n && ov[2 * cr->capture] != PCRE2_UNSET)
					key = (struct fc_span){ path.ptr + ov[2 * cr->capture],
					                        ov[2 * cr->capture + 1] - ov[2 * cr->capture] };
			} else if (r->sticky == FC_STICKY_HEADER) {
				key = field(ctx, r->sticky_name);
			} else if (r->sticky == FC_STICKY_COOKIE) {
				struct fc_span c = field(ctx, "cookie");
				if (c.ptr)
					key = rt_cookie_get(c, r->sticky_name);
			}
			out->sticky = key.ptr != NULL;
			bucket = key.ptr ? rt_sticky_bucket(key.ptr, key.len) : (unsigned)(rnd % 100);
			out->side = (int)bucket < weight ? RT_SIDE_NEW : RT_SIDE_LEGACY;
		}
		out->new_ = cr->new_;
		if (out->side == RT_SIDE_NEW)
			out->upstream = cr->new_;
		return;
	}
}
