/* router/loop.h - one epoll event loop per worker thread.
 *
 * Objects that own a file descriptor embed a struct rt_io; the loop calls
 * io->on_event with the epoll event bits. Interest is level-triggered and
 * set with rt_loop_set, which calls epoll_ctl only when the mask changes.
 * An object closed during an iteration is marked dead (its fd closed and
 * removed at once) and freed by its owner after the iteration, so events
 * already fetched for it are skipped, never delivered to freed memory.
 * A loop belongs to one thread. */
#ifndef RT_LOOP_H
#define RT_LOOP_H

#include "../lib/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct rt_io {
	int fd;
	uint32_t mask;   /* current interest; 0 before it is added */
	bool added;
	bool dead;
	void (*on_event)(struct rt_io *io, uint32_t events);
};

struct rt_loop {
	int ep;
};

int rt_loop_init(struct rt_loop *l, struct fc_err *err);
void rt_loop_release(struct rt_loop *l);
/* Sets the interest of io (adds it the first time). 0 or -1 (errno). */
int rt_loop_set(struct rt_loop *l, struct rt_io *io, uint32_t mask);
/* Removes io and closes its fd; io->dead is set. */
void rt_loop_close(struct rt_loop *l, struct rt_io *io);
/* Waits up to timeout_ms and dispatches the events; returns how many, or
 * -1 on an epoll error other than EINTR. */
int rt_loop_run_once(struct rt_loop *l, int timeout_ms);

/* Monotonic milliseconds. */
uint64_t rt_now_ms(void);

#endif
