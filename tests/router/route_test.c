/* tests/router/route_test.c - the routing table (router/route.c): first
 * match by method and regex, default upstream, modes, split weights with
 * sticky keys from a capture, a header or a cookie; and the head helpers
 * of router/http.c. */
#include "../test.h"

#include "../../lib/config.h"
#include "../../router/http.h"
#include "../../router/route.h"

#include <stdio.h>
#include <string.h>

static const char cfg_text[] =
	"connections:\n"
	"  legacy: { kind: mysql, dsn: \"mysql://root@127.0.0.1:1/x\" }\n"
	"router:\n"
	"  listen: 127.0.0.1:1\n"
	"  upstreams:\n"
	"    mono: { url: \"http://127.0.0.1:9001\" }\n"
	"    shop: { url: \"http://127.0.0.1:9002\" }\n"
	"    ads: { url: \"http://127.0.0.1:9003\" }\n"
	"  default: mono\n"
	"  routes:\n"
	"    - { name: shop-detail, match: { method: GET, path: '^/shops/(?<shop_id>[0-9]+)$' },\n"
	"        new: shop, mode: split, weight: 25, sticky: { capture: shop_id }, timeout_ms: 700 }\n"
	"    - { name: shops-any, match: { path: '^/shops' }, new: shop, mode: new }\n"
	"    - { name: ads, match: { path: '^/ads/' }, new: ads, mode: split, weight: 50,\n"
	"        sticky: { header: X-User-Id } }\n"
	"    - { name: cart, match: { path: '^/cart' }, new: shop, mode: split, weight: 30,\n"
	"        sticky: { cookie: uid } }\n"
	"    - { name: old, match: { path: '^/old' }, new: shop, mode: legacy }\n"
	"    - { name: shadowed, match: { path: '^/shadow' }, new: shop, mode: shadow }\n";

struct fields {
	const char *name, *value;
};

static struct fc_span field(void *ctx, const char *name)
{
	const struct fields *f = ctx;
	for (; f && f->name; f++)
		if (strcasecmp(f->name, name) == 0)
			return (struct fc_span){ f->value, strlen(f->value) };
	return (struct fc_span){ NULL, 0 };
}

struct env {
	struct fc_config cfg;
	struct rt_table *t;
	struct rt_matcher *m;
};

static void setup(struct env *e)
{
	struct fc_err err;
	if (fc_config_parse("t.yaml", cfg_text, strlen(cfg_text), &e->cfg, &err))
		t_fail(__FILE__, __LINE__, "config: %s", err.msg);
	if (rt_table_new(&e->cfg.router, &e->t, &err))
		t_fail(__FILE__, __LINE__, "table: %s", err.msg);
	ASSERT((e->m = rt_matcher_new(e->t)) != NULL);
}

static void teardown(struct env *e)
{
	rt_matcher_free(e->m);
	rt_table_free(e->t);
	fc_config_release(&e->cfg);
}

static struct rt_pick pick(struct env *e, const char *method, const char *path,
                           const struct fields *f, uint64_t rnd)
{
	struct rt_pick p;
	rt_table_pick(e->t, e->m, method, (struct fc_span){ path, strlen(path) }, field, (void *)f, rnd,
	              &p);
	return p;
}

static const char *up_name(struct env *e, int i)
{
	return rt_table_upstream(e->t, i)->name;
}

TEST(route_first_match_and_default)
{
	struct env e;
	struct rt_pick p;
	setup(&e);
	p = pick(&e, "GET", "/nothing", NULL, 0);
	ASSERT_EQ(p.route, -1);
	ASSERT_STR_EQ(up_name(&e, p.upstream), "mono");
	/* POST /shops/1 skips the GET-only split route, lands on shops-any (new) */
	p = pick(&e, "POST", "/shops/1", NULL, 0);
	ASSERT_STR_EQ(rt_table_route(e.t, p.route)->name, "shops-any");
	ASSERT_EQ(p.side, RT_SIDE_NEW);
	ASSERT_STR_EQ(up_name(&e, p.upstream), "shop");
	ASSERT_STR_EQ(up_name(&e, p.legacy), "mono");
	/* the anchored regex: /shops/1/menu is not shop-detail */
	p = pick(&e, "GET", "/shops/1/menu", NULL, 0);
	ASSERT_STR_EQ(rt_table_route(e.t, p.route)->name, "shops-any");
	p = pick(&e, "GET", "/shops/7", NULL, 0);
	ASSERT_STR_EQ(rt_table_route(e.t, p.route)->name, "shop-detail");
	ASSERT_EQ(p.timeout_ms, 700);
	ASSERT(p.sticky);
	p = pick(&e, "GET", "/old/x", NULL, 0);
	ASSERT_EQ(p.side, RT_SIDE_LEGACY);
	ASSERT_STR_EQ(up_name(&e, p.upstream), "mono");
	ASSERT_EQ(p.timeout_ms, 5000);
	/* shadow: answered from legacy (the copy to new comes later) */
	p = pick(&e, "GET", "/shadow", NULL, 0);
	ASSERT_EQ(p.side, RT_SIDE_LEGACY);
	teardown(&e);
}

TEST(route_split_capture_is_sticky_and_weighted)
{
	struct env e;
	int to_new = 0;
	setup(&e);
	for (int i = 0; i < 4000; i++) {
		char path[64];
		struct rt_pick a, b;
		snprintf(path, sizeof path, "/shops/%d", i);
		a = pick(&e, "GET", path, NULL, (uint64_t)i * 7919);
		b = pick(&e, "GET", path, NULL, (uint64_t)i * 104729 + 3);
		ASSERT_EQ(a.side, b.side);   /* the random number plays no part */
		ASSERT_EQ(a.side, (int)rt_sticky_bucket(path + 7, strlen(path + 7)) < 25);
		to_new += a.side == RT_SIDE_NEW;
	}
	printf("%d of 4000 shops to new at weight 25\n", to_new);
	ASSERT(to_new > 4000 * 22 / 100 && to_new < 4000 * 28 / 100);
	teardown(&e);
}

TEST(route_split_header_cookie_and_no_key)
{
	struct env e;
	int to_new = 0, cookie_new = 0;
	setup(&e);
	for (int i = 0; i < 2000; i++) {
		char id[32], cookie[80];
		struct fields h[] = { { "x-user-id", id }, { NULL, NULL } };
		struct fields ck[] = { { "Cookie", cookie }, { NULL, NULL } };
		struct rt_pick p, q;
		snprintf(id, sizeof id, "user-%d", i);
		p = pick(&e, "GET", "/ads/list", h, (uint64_t)i);
		q = pick(&e, "GET", "/ads/other", h, (uint64_t)i + 1);
		ASSERT_EQ(p.side, q.side);
		ASSERT(p.sticky);
		to_new += p.side == RT_SIDE_NEW;
		snprintf(cookie, sizeof cookie, "theme=dark; uid=\"%s\"; x=1", id);
		p = pick(&e, "GET", "/cart", ck, (uint64_t)i);
		ASSERT(p.sticky);
		ASSERT_EQ(p.side, (int)rt_sticky_bucket(id, strlen(id)) < 30);
		cookie_new += p.side == RT_SIDE_NEW;
	}
	printf("header: %d / 2000 to new at 50; cookie: %d / 2000 at 30\n", to_new, cookie_new);
	ASSERT(to_new > 900 && to_new < 1100);
	ASSERT(cookie_new > 500 && cookie_new < 700);
	/* no key: the random number decides, per request */
	ASSERT_EQ(pick(&e, "GET", "/ads/x", NULL, 10).side, RT_SIDE_NEW);
	ASSERT_EQ(pick(&e, "GET", "/ads/x", NULL, 60).side, RT_SIDE_LEGACY);
	ASSERT(!pick(&e, "GET", "/ads/x", NULL, 60).sticky);
	teardown(&e);
}

/* The same users at weight 25 and at 40: nobody on new at 25 is on legacy
 * at 40 (raising the weight only moves users from legacy to new). */
TEST(route_raising_weight_only_moves_to_new)
{
	const char *tmpl = "connections:\n  legacy: { kind: mysql, dsn: \"mysql://root@h/x\" }\n"
	                   "router:\n  listen: 127.0.0.1:1\n  upstreams: { a: { url: \"http://h:1\" },"
	                   " b: { url: \"http://h:2\" } }\n  default: a\n  routes: [ { name: r, match:"
	                   " { path: '^/' }, new: b, mode: split, weight: %d, sticky: { header: U } } ]\n";
	struct fc_config cfg[2];
	struct rt_table *t[2];
	struct rt_matcher *m[2];
	struct fc_err err;
	int moved = 0;
	for (int k = 0; k < 2; k++) {
		char text[1024];
		snprintf(text, sizeof text, tmpl, k ? 40 : 25);
		if (fc_config_parse("t.yaml", text, strlen(text), &cfg[k], &err) ||
		    rt_table_new(&cfg[k].router, &t[k], &err))
			t_fail(__FILE__, __LINE__, "%s", err.msg);
		ASSERT((m[k] = rt_matcher_new(t[k])) != NULL);
	}
	for (int i = 0; i < 3000; i++) {
		char id[32];
		struct fields f[] = { { "U", id }, { NULL, NULL } };
		struct rt_pick p[2];
		snprintf(id, sizeof id, "u%d", i);
		for (int k = 0; k < 2; k++)
			rt_table_pick(t[k], m[k], "GET", (struct fc_span){ "/x", 2 }, field, f, (uint64_t)i * 31 + (uint64_t)k,
			              &p[k]);
		if (p[0].side == RT_SIDE_NEW)
			ASSERT_EQ(p[1].side, RT_SIDE_NEW);
		moved += p[0].side == RT_SIDE_LEGACY && p[1].side == RT_SIDE_NEW;
	}
	printf("%d of 3000 users moved to new from 25 to 40\n", moved);
	ASSERT(moved > 3000 * 12 / 100 && moved < 3000 * 18 / 100);
	for (int k = 0; k < 2; k++) {
		rt_matcher_free(m[k]);
		rt_table_free(t[k]);
		fc_config_release(&cfg[k]);
	}
}

TEST(route_cookie_parsing)
{
	struct fc_span v;
	const char *c = "a=1; uid=42;b=;  spaced = no; q=\"quoted\"";
	v = rt_cookie_get((struct fc_span){ c, strlen(c) }, "uid");
	ASSERT_EQ(v.len, 2);
	ASSERT(memcmp(v.ptr, "42", 2) == 0);
	v = rt_cookie_get((struct fc_span){ c, strlen(c) }, "q");
	ASSERT_EQ(v.len, 6);
	v = rt_cookie_get((struct fc_span){ c, strlen(c) }, "b");
	ASSERT(v.ptr != NULL);
	ASSERT_EQ(v.len, 0);
	ASSERT(rt_cookie_get((struct fc_span){ c, strlen(c) }, "ui").ptr == NULL);
	ASSERT(rt_cookie_get((struct fc_span){ c, strlen(c) }, "spaced").ptr == NULL);
}

TEST(route_bad_regex_fails_at_load)
{
	/* the loader refuses it first, with line and column */
	const char *bad = "connections:\n  legacy: { kind: mysql, dsn: \"mysql://root@h/x\" }\n"
	                  "router:\n  listen: 127.0.0.1:1\n  upstreams: { a: { url: \"http://h:1\" } }\n"
	                  "  default: a\n  routes: [ { name: r, match: { path: '(' } } ]\n";
	struct fc_config cfg;
	struct fc_err err;
	ASSERT(fc_config_parse("t.yaml", bad, strlen(bad), &cfg, &err) != 0);
	ASSERT_CONTAINS(err.msg, "bad regex");
}

static struct rt_msg msg;
static int cb_url(http_parser *p, const char *a, size_t n) { (void)p; return rt_msg_start(&msg, a, n); }
static int cb_f(http_parser *p, const char *a, size_t n) { (void)p; return rt_msg_field(&msg, a, n); }
static int cb_v(http_parser *p, const char *a, size_t n) { (void)p; return rt_msg_value(&msg, a, n); }

TEST(http_request_head_rewrite)
{
	http_parser_settings s;
	http_parser p;
	struct fc_buf out = FC_BUF_INIT;
	struct fc_span path, target;
	struct rt_fwd f = { "10.0.0.9", "up:1", RT_BODY_CHUNKED, 0 };
	const char *req = "POST http://x.test/a/b?q=1#frag HTTP/1.1\r\nHost: x.test\r\n"
	                  "Connection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: 5\r\n"
	                  "X-Forwarded-For: 1.2.3.4\r\nVia: 1.0 edge\r\nTE: trailers\r\n"
	                  "Upgrade: h2c\r\nX-Forwarded-Proto: https\r\nAccept: */*\r\n"
	                  "Transfer-Encoding: chunked\r\n\r\n";
	http_parser_settings_init(&s);
	s.on_url = cb_url;
	s.on_header_field = cb_f;
	s.on_header_value = cb_v;
	rt_msg_init(&msg);
	http_parser_init(&p, HTTP_REQUEST);
	http_parser_execute(&p, &s, req, strlen(req));
	ASSERT_EQ(p.http_errno, HPE_OK);
	ASSERT(rt_url_path(rt_msg_url(&msg), &path, &target));
	ASSERT_EQ(path.len, 4);
	ASSERT(memcmp(target.ptr, "/a/b?q=1", target.len) == 0 && target.len == 8);
	ASSERT_EQ(rt_http_request_head(&out, &p, &msg, target, &f), 0);
	printf("%s", out.ptr);
	ASSERT_CONTAINS(out.ptr, "POST /a/b?q=1 HTTP/1.1\r\nHost: x.test\r\n");
	ASSERT_CONTAINS(out.ptr, "Accept: */*\r\n");
	ASSERT_CONTAINS(out.ptr, "X-Forwarded-For: 1.2.3.4, 10.0.0.9\r\n");
	ASSERT_CONTAINS(out.ptr, "X-Forwarded-Proto: http\r\n");
	ASSERT_CONTAINS(out.ptr, "Via: 1.0 edge, 1.1 ficus\r\n");
	ASSERT_CONTAINS(out.ptr, "Transfer-Encoding: chunked\r\n\r\n");
	ASSERT_NOT_CONTAINS(out.ptr, "X-Secret");
	ASSERT_NOT_CONTAINS(out.ptr, "Keep-Alive");
	ASSERT_NOT_CONTAINS(out.ptr, "Connection");
	ASSERT_NOT_CONTAINS(out.ptr, "TE:");
	ASSERT_NOT_CONTAINS(out.ptr, "Upgrade");
	ASSERT_NOT_CONTAINS(out.ptr, "https");
	fc_buf_reset(&out);
	ASSERT_EQ(rt_http_body(&out, RT_BODY_CHUNKED, "hello", 5), 0);
	ASSERT_EQ(rt_http_body_end(&out, RT_BODY_CHUNKED), 0);
	ASSERT_STR_EQ(out.ptr, "5\r\nhello\r\n0\r\n\r\n");
	fc_buf_release(&out);
	rt_msg_release(&msg);
}

TEST(http_too_many_fields)
{
	struct rt_msg m;
	rt_msg_init(&m);
	for (int i = 0; i < RT_MAX_HEADERS; i++) {
		ASSERT_EQ(rt_msg_field(&m, "a", 1), 0);
		ASSERT_EQ(rt_msg_value(&m, "b", 1), 0);
	}
	ASSERT_EQ(rt_msg_field(&m, "a", 1), -1);
	ASSERT(m.too_many);
	rt_msg_release(&m);
}
