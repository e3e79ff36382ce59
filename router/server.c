/* router/server.c - worker threads, generations and reloads, see server.h. */
#include "server.h"

#include "admin.h"
#include "conn.h"
#include "proxy.h"
#include "route.h"
#include "shadow.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rt_server {
	char *path;                   /* the config file */
	struct rt_shared sh;
	struct rt_worker *workers;
	int nworkers;
	int started;                  /* threads running */
	struct rt_admin *admin;
	pthread_mutex_t reload_lock;  /* one reload at a time */
	atomic_int stop;
	atomic_int drain;             /* stopping: workers finish what is in flight */
	uint64_t drain_deadline;      /* ms, written before drain */
};

const unsigned rt_lat_bounds_ms[RT_LAT_N - 1] = { 1, 2, 5, 10, 25, 50, 100, 250, 500,
	                                          1000, 2500, 5000 };

void rt_stats_record(struct rt_route_stats *rs, int side, int status, uint64_t us)
{
	int cls = status >= 100 && status < 600 ? status / 100 : 0, b = 0;
	while (b < RT_LAT_N - 1 && us > (uint64_t)rt_lat_bounds_ms[b] * 1000)
		b++;
	/* three adds: the totals (requests, 5xx) are sums of status[][] */
	atomic_fetch_add_explicit(&rs->status[side][cls], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&rs->lat[side][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&rs->lat_sum_us[side], us, memory_order_relaxed);
}

unsigned long long rt_stats_requests(struct rt_route_stats *rs, int cls)
{
	unsigned long long n = 0;
	for (int s = 0; s < 2; s++)
		for (int c = 0; c < 6; c++)
			if (cls < 0 || c == cls)
				n += atomic_load_explicit(&rs->status[s][c], memory_order_relaxed);
	return n;
}

/* --- generations ------------------------------------------------------- */

static void gen_free(struct rt_gen *g)
{
	if (!g)
		return;
	rt_table_free(g->table);
	if (g->access_fd >= 0)
		close(g->access_fd);
	if (g->shadow_fd >= 0)
		close(g->shadow_fd);
	free(g->slot);
	free(g->rstats);
	if (g->cfg) {
		fc_config_release(g->cfg);
		free(g->cfg);
	}
	free(g);
}

/* The counters of route name, made on first sight. Under sh->lock. */
static struct rt_route_stats *stats_of(struct rt_shared *sh, const char *name)
{
	struct rt_route_stats *rs;
	for (rs = sh->stats; rs; rs = rs->next)
		if (strcmp(rs->name, name) == 0)
			return rs;
	if (!(rs = calloc(1, sizeof *rs)))
		return NULL;
	snprintf(rs->name, sizeof rs->name, "%s", name);
	rs->next = sh->stats;
	sh->stats = rs;
	return rs;
}

/* The slot of upstream up: the one with the same name and url, else a new
 * one (resolved here). Under sh->lock. */
static int slot_of(struct rt_shared *sh, const struct fc_upstream *up, struct fc_err *err)
{
	int n = atomic_load(&sh->nups);
	char what[400];
	for (int i = 0; i < n; i++)
		if (strcmp(sh->ups[i].name, up->name) == 0 && strcmp(sh->ups[i].url, up->url) == 0)
			return i;
	if (n == RT_MAX_UPSTREAMS)
		return fc_errf(err, FC_ECONFIG, "upstream '%s': more than %d different upstreams "
		               "since start (restart the router)", up->name, RT_MAX_UPSTREAMS);
	snprintf(what, sizeof what, "upstream '%s' (%s)", up->name, up->url);
	if (rt_addr_resolve(up->host, up->port, what, &sh->addrs[n], err))
		return -FC_ECONFIG;
	snprintf(sh->ups[n].name, sizeof sh->ups[n].name, "%s", up->name);
	snprintf(sh->ups[n].url, sizeof sh->ups[n].url, "%s", up->url);
	snprintf(sh->ups[n].host, sizeof sh->ups[n].host, "%s", up->host);
	sh->ups[n].port = up->port;
	snprintf(sh->ups[n].hostport, sizeof sh->ups[n].hostport, "%s:%u", up->host, up->port);
	atomic_store(&sh->nups, n + 1);
	return n;
}

static int open_log(const char *path, const char *what, int *fd, struct fc_err *err)
{
	*fd = -1;
	if (!path)
		return 0;
	if ((*fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return fc_errf(err, FC_EIO, "%s '%s': cannot open: %s", what, path, strerror(errno));
	return 0;
}

/* A generation for rc (cfg owned by it when not NULL). Under sh->lock. */
static int gen_new(struct rt_shared *sh, struct fc_config *cfg, const struct fc_router_config *rc,
                   struct rt_gen **out, struct fc_err *err)
{
	struct rt_gen *g = calloc(1, sizeof *g);
	time_t now = time(NULL);
	struct tm tm;
	int rc_ = -FC_ENOMEM, nups0;

	if (!g)
		return fc_errf(err, FC_ENOMEM, "router: out of memory");
	g->access_fd = g->shadow_fd = -1;
	g->rc = rc;
	atomic_init(&g->refs, 1);   /* the server's, while it is current */
	if (!(g->slot = calloc(rc->nupstreams, sizeof *g->slot)) ||
	    !(g->rstats = calloc(rc->nroutes + 1, sizeof *g->rstats)) ||
	    !(g->dstats = stats_of(sh, "_default"))) {
		fc_errf(err, FC_ENOMEM, "router: out of memory");
		goto fail;
	}
	for (size_t i = 0; i < rc->nroutes; i++)
		if (!(g->rstats[i] = stats_of(sh, rc->routes[i].name))) {
			fc_errf(err, FC_ENOMEM, "router: out of memory");
			goto fail;
		}
	/* what can fail without side effects first; then the upstream slots,
	 * given back if one of them fails (no generation uses them yet) */
	if ((rc_ = rt_table_new(rc, &g->table, err)) ||
	    (rc_ = open_log(rc->access_log, "router.access_log", &g->access_fd, err)) ||
	    (rc_ = open_log(rc->shadow_log, "router.shadow.log", &g->shadow_fd, err)))
		goto fail;
	nups0 = atomic_load(&sh->nups);
	for (size_t i = 0; i < rc->nupstreams; i++)
		if ((g->slot[i] = slot_of(sh, &rc->upstreams[i], err)) < 0) {
			rc_ = g->slot[i];
			atomic_store(&sh->nups, nups0);
			goto fail;
		}
	gmtime_r(&now, &tm);
	strftime(g->loaded_at, sizeof g->loaded_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	g->cfg = cfg;
	*out = g;
	return 0;
fail:
	gen_free(g);
	return rc_;
}

int rt_server_reload(struct rt_server *s, struct fc_err *err)
{
	struct fc_config *cfg = calloc(1, sizeof *cfg);
	struct rt_gen *g, *old;
	int rc;

	if (!cfg)
		return fc_errf(err, FC_ENOMEM, "router: out of memory");
	pthread_mutex_lock(&s->reload_lock);
	if ((rc = fc_config_load(s->path, cfg, err))) {
		free(cfg);
		goto out;
	}
	if (!cfg->router.present) {
		rc = fc_errf(err, FC_ECONFIG, "%s has no 'router' section", s->path);
		fc_config_release(cfg);
		free(cfg);
		goto out;
	}
	pthread_mutex_lock(&s->sh.lock);
	rc = gen_new(&s->sh, cfg, &cfg->router, &g, err);
	old = NULL;
	if (rc == 0) {
		old = atomic_load(&s->sh.gen);
		atomic_store(&s->sh.gen, g);
	}
	pthread_mutex_unlock(&s->sh.lock);
	rt_gen_drop(old);   /* freed when its last exchange ends */
	if (rc) {
		fc_config_release(cfg);
		free(cfg);
	}
out:
	pthread_mutex_unlock(&s->reload_lock);
	return rc;
}

const char *rt_server_config_path(const struct rt_server *s)
{
	return s->path;
}

void rt_gen_hold(struct rt_gen *g)
{
	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
}

void rt_gen_drop(struct rt_gen *g)
{
	if (g && atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1)
		gen_free(g);
}

struct rt_gen *rt_gen_current(struct rt_shared *sh)
{
	struct rt_gen *g;
	pthread_mutex_lock(&sh->lock);
	g = atomic_load(&sh->gen);
	rt_gen_hold(g);
	pthread_mutex_unlock(&sh->lock);
	return g;
}

/* --- workers ----------------------------------------------------------- */

/* Moves w to the current generation when a reload swapped it. */
static void worker_follow(struct rt_worker *w)
{
	struct rt_gen *g;
	struct rt_matcher *m;
	if (atomic_load_explicit(&w->sh->gen, memory_order_acquire) == w->gen)
		return;
	g = rt_gen_current(w->sh);
	if (!(m = rt_matcher_new(g->table))) {
		rt_gen_drop(g);   /* out of memory: stay on the old one, try next time */
		return;
	}
	rt_matcher_free(w->matcher);
	w->matcher = m;
	rt_gen_drop(w->gen);
	w->gen = g;
	w->table = g->table;
}

static void *worker_main(void *arg)
{
	struct rt_worker *w = arg;
	uint64_t last_tick = 0;
	while (!atomic_load(w->stop)) {
		if (!w->draining && atomic_load(w->drain))
			rt_proxy_drain(w);
		if (w->draining && (!w->clients || rt_now_ms() >= *w->drain_deadline))
			break;   /* drained, or out of time: the rest is cut */
		if (rt_loop_run_once(&w->loop, 100) < 0)
			break;
		w->now = rt_now_ms();
		worker_follow(w);
		if (w->now - last_tick >= 100) {
			rt_proxy_tick(w);
			rt_shadow_tick(w);
			last_tick = w->now;
		}
		rt_proxy_reap(w);
	}
	return NULL;
}

static void worker_release(struct rt_worker *w)
{
	rt_proxy_close_all(w);
	rt_shadow_release(w);
	rt_pool_release(&w->pool);
	rt_pool_release(&w->spool);
	if (w->listener.fd >= 0)
		close(w->listener.fd);
	rt_matcher_free(w->matcher);
	rt_gen_drop(w->gen);
	w->gen = NULL;
	rt_loop_release(&w->loop);
}

static void server_free(struct rt_server *s)
{
	for (int i = 0; i < s->nworkers; i++)
		worker_release(&s->workers[i]);
	free(s->workers);
	rt_gen_drop(atomic_load(&s->sh.gen));   /* the last holder now */
	while (s->sh.stats) {
		struct rt_route_stats *n = s->sh.stats->next;
		free(s->sh.stats);
		s->sh.stats = n;
	}
	pthread_mutex_destroy(&s->sh.lock);
	pthread_mutex_destroy(&s->reload_lock);
	free(s->path);
	free(s);
}

void rt_server_stop(struct rt_server *s, struct rt_server_stats *st)
{
	struct rt_gen *g = rt_gen_current(&s->sh);
	int drain_ms = g->rc->drain_ms;

	rt_gen_drop(g);
	/* Drain first: the listeners close, idle keep-alive connections close,
	 * requests in flight get their responses (with Connection: close);
	 * each worker ends when it has no client left, or at the deadline. */
	if (drain_ms > 0) {
		s->drain_deadline = rt_now_ms() + (uint64_t)drain_ms;
		atomic_store(&s->drain, 1);
		for (int i = 0; i < s->started; i++)
			pthread_join(s->workers[i].thread, NULL);
		s->started = 0;
	}
	atomic_store(&s->stop, 1);
	rt_admin_stop(s->admin);
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

static int worker_init(struct rt_server *s, struct rt_worker *w, int i,
                       const struct rt_addr *listen_addr, const char *what, struct fc_err *err)
{
	int rc;
	w->id = i;
	w->loop.ep = -1;
	w->listener.fd = -1;
	w->stop = &s->stop;
	w->drain = &s->drain;
	w->drain_deadline = &s->drain_deadline;
	w->sh = &s->sh;
	w->gen = rt_gen_current(&s->sh);
	w->table = w->gen->table;
	w->rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)time(NULL) << 8) ^ (uint64_t)i;
	w->now = rt_now_ms();
	s->nworkers++;
	if ((rc = rt_loop_init(&w->loop, err)))
		return rc;
	if (rt_pool_init(&w->pool, &w->loop, s->sh.addrs, RT_MAX_UPSTREAMS,
	                 rt_proxy_on_upstream) ||
	    rt_pool_init(&w->spool, &w->loop, s->sh.addrs, RT_MAX_UPSTREAMS,
	                 rt_shadow_on_upstream) ||
	    rt_shadow_init(w) || !(w->matcher = rt_matcher_new(w->table)))
		return fc_errf(err, FC_ENOMEM, "router: out of memory");
	w->pool.idle_total = s->sh.idle;
	if ((w->listener.fd = rt_listen(listen_addr, what, err)) < 0) {
		rc = w->listener.fd;
		w->listener.fd = -1;
		return rc;
	}
	w->listener.on_event = rt_proxy_on_listen;
	if (rt_loop_set(&w->loop, &w->listener, EPOLLIN) < 0)
		return fc_errf(err, FC_EIO, "%s: epoll: %s", what, strerror(errno));
	return 0;
}

int rt_server_start(const struct fc_config *cfg, struct rt_server **out, struct fc_err *err)
{
	const struct fc_router_config *rc = &cfg->router;
	struct rt_server *s = calloc(1, sizeof *s);
	struct rt_addr listen_addr;
	struct rt_gen *g;
	sigset_t block, old;
	char what[300];
	int rc_;

	if (!s || !(s->path = strdup(cfg->path))) {
		free(s);
		return fc_errf(err, FC_ENOMEM, "router: out of memory");
	}
	pthread_mutex_init(&s->sh.lock, NULL);
	pthread_mutex_init(&s->reload_lock, NULL);
	atomic_init(&s->stop, 0);
	atomic_init(&s->drain, 0);
	/* one process-wide setting of the library: the head size limit */
	http_parser_set_max_header_size(RT_MAX_HEAD);
	if ((rc_ = gen_new(&s->sh, NULL, rc, &g, err)))
		goto fail;
	atomic_store(&s->sh.gen, g);
	if (!(s->workers = calloc((size_t)rc->workers, sizeof *s->workers))) {
		rc_ = fc_errf(err, FC_ENOMEM, "router: out of memory");
		goto fail;
	}
	snprintf(what, sizeof what, "router.listen %s", rc->listen);
	if ((rc_ = rt_addr_parse(rc->listen, what, &listen_addr, err)))
		goto fail;
	for (int i = 0; i < rc->workers; i++)
		if ((rc_ = worker_init(s, &s->workers[i], i, &listen_addr, what, err)))
			goto fail;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (rc->admin_listen &&
	    (rc_ = rt_admin_start(s, &s->sh, rc->admin_listen, &s->stop, &s->admin, err))) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		goto fail;
	}
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
