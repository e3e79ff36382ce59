/* router/loop.c - epoll wrapper, see loop.h. */
#include "loop.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int rt_loop_init(struct rt_loop *l, struct fc_err *err)
{
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0)
		return fc_errf(err, FC_EIO, "epoll_create1: %s", strerror(errno));
	return 0;
}

void rt_loop_release(struct rt_loop *l)
{
	if (l->ep >= 0)
		close(l->ep);
	l->ep = -1;
}

int rt_loop_set(struct rt_loop *l, struct rt_io *io, uint32_t mask)
{
	struct epoll_event ev;
	if (io->dead || io->fd < 0 || (io->added && io->mask == mask))
		return 0;
	memset(&ev, 0, sizeof ev);
	ev.events = mask;
	ev.data.ptr = io;
	if (epoll_ctl(l->ep, io->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, io->fd, &ev) < 0)
		return -1;
	io->added = true;
	io->mask = mask;
	return 0;
}

void rt_loop_close(struct rt_loop *l, struct rt_io *io)
{
	if (io->dead)
		return;
	io->dead = true;
	if (io->fd >= 0) {
		if (io->added)
			epoll_ctl(l->ep, EPOLL_CTL_DEL, io->fd, NULL);
		close(io->fd);
	}
	io->fd = -1;
}

int rt_loop_run_once(struct rt_loop *l, int timeout_ms)
{
	struct epoll_event evs[256];
	int n = epoll_wait(l->ep, evs, 256, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++) {
		struct rt_io *io = evs[i].data.ptr;
		if (!io->dead)
			io->on_event(io, evs[i].events);
	}
	return n;
}

uint64_t rt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
