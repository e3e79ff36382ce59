/* router/pool.c - upstream connections and their idle pool, see pool.h. */
#include "pool.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

enum { L_NONE, L_IDLE, L_BUSY, L_DEAD };

static struct rt_upconn **list_head(struct rt_pool *p, struct rt_upconn *u, int list)
{
	return list == L_IDLE ? &p->idle[u->up] : list == L_BUSY ? &p->busy : &p->dead;
}

static void unlink_(struct rt_upconn *u)
{
	struct rt_pool *p = u->pool;
	if (u->list == L_NONE)
		return;
	if (u->prev)
		u->prev->next = u->next;
	else
		*list_head(p, u, u->list) = u->next;
	if (u->next)
		u->next->prev = u->prev;
	if (u->list == L_IDLE) {
		p->nidle[u->up]--;
		if (p->idle_total)
			atomic_fetch_sub_explicit(&p->idle_total[u->up], 1, memory_order_relaxed);
	}
	u->prev = u->next = NULL;
	u->list = L_NONE;
}

static void link_(struct rt_upconn *u, int list)
{
	struct rt_upconn **h = list_head(u->pool, u, list);
	unlink_(u);
	u->prev = NULL;
	u->next = *h;
	if (*h)
		(*h)->prev = u;
	*h = u;
	u->list = list;
	if (list == L_IDLE) {
		u->pool->nidle[u->up]++;
		if (u->pool->idle_total)
			atomic_fetch_add_explicit(&u->pool->idle_total[u->up], 1, memory_order_relaxed);
	}
}

int rt_pool_init(struct rt_pool *p, struct rt_loop *loop, const struct rt_addr *addrs, size_t n,
                 void (*on_event)(struct rt_io *, uint32_t))
{
	p->loop = loop;
	p->addrs = addrs;
	p->n = n;
	p->busy = p->dead = NULL;
	p->on_event = on_event;
	p->idle_total = NULL;
	p->opened = p->reused = 0;
	p->idle = calloc(n, sizeof *p->idle);
	p->nidle = calloc(n, sizeof *p->nidle);
	if (!p->idle || !p->nidle) {
		free(p->idle);
		free(p->nidle);
		return -FC_ENOMEM;
	}
	return 0;
}

static void free_upconn(struct rt_upconn *u)
{
	rt_msg_release(&u->resp);
	fc_buf_release(&u->out);
	free(u);
}

void rt_pool_reap(struct rt_pool *p)
{
	while (p->dead) {
		struct rt_upconn *u = p->dead;
		unlink_(u);
		free_upconn(u);
	}
}

void rt_pool_release(struct rt_pool *p)
{
	if (!p->idle || !p->nidle) {
		free(p->idle);
		free(p->nidle);
		return;
	}
	for (size_t i = 0; i < p->n; i++)
		while (p->idle[i])
			rt_upconn_close(p->idle[i]);
	while (p->busy)
		rt_upconn_close(p->busy);
	rt_pool_reap(p);
	free(p->idle);
	free(p->nidle);
}

void rt_upconn_close(struct rt_upconn *u)
{
	if (u->list == L_DEAD)
		return;
	rt_loop_close(u->pool->loop, &u->io);
	u->client = NULL;
	u->job = NULL;
	link_(u, L_DEAD);
}

/* Whether an idle connection is still open: no byte and no EOF waiting. */
static bool still_open(struct rt_upconn *u)
{
	char b;
	ssize_t n = recv(u->io.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

struct rt_upconn *rt_pool_get(struct rt_pool *p, int up, struct rt_client *c, bool check)
{
	struct rt_upconn *u;
	while ((u = p->idle[up])) {
		if (!check || still_open(u)) {
			link_(u, L_BUSY);
			u->client = c;
			u->reused = true;
			u->got_bytes = u->until_close = false;
			p->reused++;
			return u;
		}
		rt_upconn_close(u);
	}
	u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	u->pool = p;
	u->up = up;
	u->io.on_event = p->on_event;
	rt_msg_init(&u->resp);
	fc_buf_init(&u->out, (size_t)1 << 20);
	http_parser_init(&u->p, HTTP_RESPONSE);
	u->p.data = u;
	u->client = c;
	u->io.fd = rt_connect(&p->addrs[up]);
	link_(u, L_BUSY);
	p->opened++;
	if (u->io.fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			unlink_(u);
			free_upconn(u);
			return NULL;
		}
		u->failed = true;
		return u;
	}
	if (rt_loop_set(p->loop, &u->io, EPOLLOUT) < 0) {
		rt_loop_close(p->loop, &u->io);
		u->failed = true;
	}
	return u;
}

void rt_pool_put(struct rt_pool *p, struct rt_upconn *u)
{
	u->client = NULL;
	u->job = NULL;
	if (p->nidle[u->up] >= RT_POOL_IDLE) {
		rt_upconn_close(u);
		return;
	}
	http_parser_init(&u->p, HTTP_RESPONSE);
	rt_msg_reset(&u->resp);
	fc_buf_reset(&u->out);
	u->out_off = 0;
	link_(u, L_IDLE);
	if (rt_loop_set(p->loop, &u->io, EPOLLIN | EPOLLRDHUP) < 0)
		rt_upconn_close(u);
}
