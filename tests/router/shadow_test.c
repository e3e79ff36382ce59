/* tests/router/shadow_test.c - the shadow comparison (router/shadow.c) and
 * the circuit breaker's state machine (router/breaker.c). */
#include "../test.h"

#include "../../router/breaker.h"
#include "../../router/shadow.h"

#include <string.h>

static bool same(const char *a, const char *b, const char *const *ignore, size_t n)
{
	return rt_shadow_same_body(a, strlen(a), b, strlen(b), ignore, n);
}

TEST(shadow_json_compared_structurally)
{
	static const char *const ig[] = { "served_at", "trace" };
	/* key order and white space do not matter */
	ASSERT(same("{\"a\":1,\"b\":[1,2]}", "{ \"b\": [1, 2], \"a\": 1 }", NULL, 0));
	/* values and array order do */
	ASSERT(!same("{\"a\":1}", "{\"a\":2}", NULL, 0));
	ASSERT(!same("[1,2]", "[2,1]", NULL, 0));
	ASSERT(!same("{\"a\":1}", "{\"a\":1,\"b\":null}", NULL, 0));
	/* ignored keys at any depth, inside arrays too; only keys, never values */
	ASSERT(same("{\"id\":7,\"served_at\":\"x\",\"items\":[{\"sku\":\"a\",\"trace\":1}]}",
	            "{\"items\":[{\"trace\":2,\"sku\":\"a\"}],\"id\":7,\"served_at\":\"y\"}", ig, 2));
	ASSERT(!same("{\"id\":7,\"served_at\":1}", "{\"id\":8,\"served_at\":1}", ig, 2));
	ASSERT(!same("{\"k\":\"served_at\"}", "{\"k\":\"trace\"}", ig, 2));
	/* numbers by value: 1.0 is 1, 1.5 is not */
	ASSERT(same("{\"a\":1,\"b\":[2.0,{\"c\":3e0}]}", "{\"a\":1.0,\"b\":[2,{\"c\":3}]}", NULL, 0));
	ASSERT(!same("{\"a\":1}", "{\"a\":1.5}", NULL, 0));
	ASSERT(same("2.0", "2", NULL, 0));
	ASSERT(!same("[1e300]", "[1]", NULL, 0));
	ASSERT(same("[1e300]", "[1e300]", NULL, 0));
}

TEST(shadow_other_bodies_compared_as_bytes)
{
	static const char *const ig[] = { "served_at" };
	ASSERT(same("hello\n", "hello\n", ig, 1));
	ASSERT(!same("hello\n", "hello", ig, 1));
	ASSERT(same("", "", NULL, 0));
	/* one side JSON, the other not: bytes */
	ASSERT(!same("{\"a\":1}", "{\"a\":1", NULL, 0));
	ASSERT(!same("<p>1</p>", "<p>2</p>", NULL, 0));
	/* NUL bytes are compared too */
	ASSERT(rt_shadow_same_body("a\0b", 3, "a\0b", 3, NULL, 0));
	ASSERT(!rt_shadow_same_body("a\0b", 3, "a\0c", 3, NULL, 0));
}

TEST(breaker_opens_half_opens_and_closes)
{
	struct rt_breaker b;
	bool probe;
	memset(&b, 0, sizeof b);
	/* closed: failures below the threshold and a success in between */
	rt_breaker_done(&b, false, 1000, 3);
	rt_breaker_done(&b, false, 1000, 3);
	rt_breaker_done(&b, true, 1000, 3);
	rt_breaker_done(&b, false, 1000, 3);
	rt_breaker_done(&b, false, 1000, 3);
	ASSERT(rt_breaker_allow(&b, 1000, 500, &probe));
	ASSERT(!probe);
	ASSERT_EQ(atomic_load(&b.state), RT_BR_CLOSED);
	/* the third in a row opens it */
	rt_breaker_done(&b, false, 1000, 3);
	ASSERT_EQ(atomic_load(&b.state), RT_BR_OPEN);
	ASSERT_EQ(atomic_load(&b.opened), 1);
	ASSERT(!rt_breaker_allow(&b, 1200, 500, &probe));
	/* after the cool-down, one probe and only one */
	ASSERT(rt_breaker_allow(&b, 1500, 500, &probe));
	ASSERT(probe);
	ASSERT_STR_EQ(rt_breaker_name(atomic_load(&b.state)), "half-open");
	ASSERT(!rt_breaker_allow(&b, 1501, 500, &probe));
	/* the probe fails: open again, for a new cool-down */
	rt_breaker_done(&b, false, 1600, 3);
	ASSERT_EQ(atomic_load(&b.state), RT_BR_OPEN);
	ASSERT_EQ(atomic_load(&b.opened), 2);
	ASSERT(!rt_breaker_allow(&b, 2000, 500, &probe));
	/* a probe that never reports: another one after a further cool-down */
	ASSERT(rt_breaker_allow(&b, 2100, 500, &probe));
	ASSERT(probe);
	ASSERT(!rt_breaker_allow(&b, 2500, 500, &probe));
	ASSERT(rt_breaker_allow(&b, 2600, 500, &probe));
	ASSERT(probe);
	/* it succeeds: closed, counting from zero */
	rt_breaker_done(&b, true, 2700, 3);
	ASSERT_STR_EQ(rt_breaker_name(atomic_load(&b.state)), "closed");
	ASSERT_EQ(atomic_load(&b.fails), 0);
	ASSERT(rt_breaker_allow(&b, 2701, 500, &probe));
	ASSERT(!probe);
}
