/* router/breaker.h - the circuit breaker of one upstream, shared by every
 * worker (atomics, no lock).
 *
 *   closed ──N consecutive failures──▶ open ──cool-down──▶ half-open
 *      ▲                                 ▲                   │ one probe
 *      └──────────── probe succeeds ─────┼───────────────────┤
 *                                        └── probe fails ────┘
 *
 * A failure is a refused or broken connection, a timeout or a 5xx; a
 * success is any other final response. While open, requests are not sent
 * (new side: to legacy; legacy side: 503). In half-open one request at a
 * time is let through (another one after a further cool-down if the probe
 * never reports). */
#ifndef RT_BREAKER_H
#define RT_BREAKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum rt_breaker_state { RT_BR_CLOSED, RT_BR_OPEN, RT_BR_HALF };

struct rt_breaker {
	atomic_int state;
	atomic_int fails;          /* consecutive failures */
	atomic_ullong since;       /* ms: when it opened or half-opened */
	atomic_ullong opened;      /* times it opened (metrics) */
};

/* Whether a request may go to the upstream at ms now; *probe says it is the
 * half-open probe. Any thread. */
bool rt_breaker_allow(struct rt_breaker *b, uint64_t now, int cooldown_ms, bool *probe);
/* Records an exchange's outcome. Any thread. */
void rt_breaker_done(struct rt_breaker *b, bool ok, uint64_t now, int threshold);
const char *rt_breaker_name(int state);

#endif
