/* router/worker.h - what one worker thread holds: its event loop, its
 * listening socket (SO_REUSEPORT), its clients, its upstream pool and its
 * route matcher. Shared by server.c (which runs workers) and proxy.c
 * (which serves on them); everything in it belongs to the worker's thread,
 * except stop, which the server sets. */
#ifndef RT_WORKER_H
#define RT_WORKER_H

#include "loop.h"
#include "pool.h"
#include "route.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct rt_client;

struct rt_stats {
	unsigned long long accepted, requests, to_new, fallbacks, errors_4xx, errors_5xx;
};

struct rt_worker {
	int id;
	struct rt_loop loop;
	const struct rt_table *table;
	struct rt_matcher *matcher;
	struct rt_io listener;
	struct rt_pool pool;
	struct rt_client *clients;       /* open clients */
	struct rt_client *dead;          /* closed this iteration, freed by rt_proxy_reap */
	uint64_t now;                    /* ms, refreshed each iteration */
	uint64_t rng;                    /* xorshift state for unsticky splits */
	atomic_int *stop;
	struct rt_stats stats;
	pthread_t thread;
	char scratch[16384];             /* upstream reads */
};

#endif
