/* router/breaker.c - per-upstream circuit breaker, see breaker.h. */
#include "breaker.h"

bool rt_breaker_allow(struct rt_breaker *b, uint64_t now, int cooldown_ms, bool *probe)
{
	int st = atomic_load_explicit(&b->state, memory_order_relaxed);
	unsigned long long since;
	*probe = false;
	if (st == RT_BR_CLOSED)
		return true;
	since = atomic_load(&b->since);
	if (now < since + (uint64_t)cooldown_ms)
		return false;
	/* open long enough, or a probe that never reported: one more probe */
	if (!atomic_compare_exchange_strong(&b->since, &since, now))
		return false;
	atomic_store(&b->state, RT_BR_HALF);
	*probe = true;
	return true;
}

void rt_breaker_done(struct rt_breaker *b, bool ok, uint64_t now, int threshold)
{
	int st;
	if (ok) {
		/* read first: a store on every success would bounce the line
		 * between the workers' cores */
		if (atomic_load_explicit(&b->fails, memory_order_relaxed))
			atomic_store_explicit(&b->fails, 0, memory_order_relaxed);
		if (atomic_load_explicit(&b->state, memory_order_relaxed) != RT_BR_CLOSED)
			atomic_store(&b->state, RT_BR_CLOSED);
		return;
	}
	st = atomic_load(&b->state);
	if (atomic_fetch_add(&b->fails, 1) + 1 >= threshold || st == RT_BR_HALF) {
		if (st != RT_BR_OPEN) {
			atomic_store(&b->since, now);
			atomic_store(&b->state, RT_BR_OPEN);
			atomic_fetch_add(&b->opened, 1);
		}
	}
}

const char *rt_breaker_name(int state)
{
	return state == RT_BR_OPEN ? "open" : state == RT_BR_HALF ? "half-open" : "closed";
}
