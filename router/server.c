/* router/server.c - worker threads around the proxy, see server.h. */
#include "server.h"

#include "conn.h"
#include "proxy.h"
#include "route.h"
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rt_server {
	const struct fc_router_config *rc;
	struct rt_table *table;
	struct rt_addr *addrs;        /* per upstream */
	struct rt_worker *workers;
	int nworkers;
	int started;                  /* threads running */
	atomic_int stop;
};

static void *worker_main(void *arg)
{
	struct rt_worker *w = arg;
	uint64_t last_tick = 0;
	while (!atomic_load(w->stop)) {
		if (rt_loop_run_once(&w->loop, 100) < 0)
			break;
		w->now = rt_now_ms();
		if (w->now - last_tick >= 100) {
			rt_proxy_tick(w);
			last_tick = w->now;
		}
		rt_proxy_reap(w);
	}
	return NULL;
}

static void worker_release(struct rt_worker *w)
{
	rt_proxy_close_all(w);
	rt_pool_release(&w->pool);
	if (w->listener.fd >= 0)
		close(w->listener.fd);
	rt_matcher_free(w->matcher);
	rt_loop_release(&w->loop);
}

static void server_free(struct rt_server *s)
{
	for (int i = 0; i < s->nworkers; i++)
		worker_release(&s->workers[i]);
	free(s->workers);
	free(s->addrs);
	rt_table_free(s->table);
	free(s);
}

void rt_server_stop(struct rt_server *s, struct rt_server_stats *st)
{
	atomic_store(&s->stop, 1);
	for (int i = 0; i < s->started; i++)
		pthread_join(s->workers[i].thread, NULL);
	if (st) {
		memset(st, 0, sizeof *st);
		for (int i = 0; i < s->nworkers; i++) {
			const struct rt_worker *w = &s->workers[i];
			st->accepted += w->stats.accepted;
			st->requests += w->stats.requests;
			st->to_new += w->stats.to_new;
			st->fallbacks += w->stats.fallbacks;
			st->errors_4xx += w->stats.errors_4xx;
			st->errors_5xx += w->stats.errors_5xx;
			st->upstream_opened += w->pool.opened;
			st->upstream_reused += w->pool.reused;
		}
	}
	server_free(s);
}

int rt_server_start(const struct fc_router_config *rc, struct rt_server **out,
                    struct fc_err *err)
{
	struct rt_server *s = calloc(1, sizeof *s);
	struct rt_addr listen_addr;
	sigset_t block, old;
	char what[300];
	int rc_;

	if (!s)
		return fc_errf(err, FC_ENOMEM, "router: out of memory");
	s->rc = rc;
	atomic_init(&s->stop, 0);
	/* one process-wide setting of the library: the head size limit */
	http_parser_set_max_header_size(RT_MAX_HEAD);
	if ((rc_ = rt_table_new(rc, &s->table, err)))
		goto fail;
	if (!(s->addrs = calloc(rc->nupstreams, sizeof *s->addrs)) ||
	    !(s->workers = calloc((size_t)rc->workers, sizeof *s->workers))) {
		rc_ = fc_errf(err, FC_ENOMEM, "router: out of memory");
		goto fail;
	}
	for (size_t i = 0; i < rc->nupstreams; i++) {
		snprintf(what, sizeof what, "upstream '%s' (%s)", rc->upstreams[i].name,
		         rc->upstreams[i].url);
		if ((rc_ = rt_addr_resolve(rc->upstreams[i].host, rc->upstreams[i].port, what,
		                           &s->addrs[i], err)))
			goto fail;
	}
	snprintf(what, sizeof what, "router.listen %s", rc->listen);
	if ((rc_ = rt_addr_parse(rc->listen, what, &listen_addr, err)))
		goto fail;
	for (int i = 0; i < rc->workers; i++) {
		struct rt_worker *w = &s->workers[i];
		w->id = i;
		w->loop.ep = -1;
		w->listener.fd = -1;
		w->stop = &s->stop;
		w->table = s->table;
		w->rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)time(NULL) << 8) ^ (uint64_t)i;
		w->now = rt_now_ms();
		s->nworkers++;
		if ((rc_ = rt_loop_init(&w->loop, err)))
			goto fail;
		if (rt_pool_init(&w->pool, &w->loop, s->addrs, rc->nupstreams, rt_proxy_on_upstream) ||
		    !(w->matcher = rt_matcher_new(s->table))) {
			rc_ = fc_errf(err, FC_ENOMEM, "router: out of memory");
			w->pool.idle = NULL;
			goto fail;
		}
		if ((w->listener.fd = rt_listen(&listen_addr, what, err)) < 0) {
			rc_ = w->listener.fd;
			w->listener.fd = -1;
			goto fail;
		}
		w->listener.on_event = rt_proxy_on_listen;
		if (rt_loop_set(&w->loop, &w->listener, EPOLLIN) < 0) {
			rc_ = fc_errf(err, FC_EIO, "%s: epoll: %s", what, strerror(errno));
			goto fail;
		}
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < s->nworkers; i++) {
		if (pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i])) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			rt_server_stop(s, NULL);
			return fc_errf(err, FC_EIO, "router: cannot start worker thread %d", i);
		}
		s->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*out = s;
	return 0;
fail:
	server_free(s);
	return rc_;
}
