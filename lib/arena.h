/* lib/arena.h - bump allocator: many small allocations freed at once.
 *
 * A loaded config, a mapping set or a batch of events owns one arena; all
 * their strings and arrays come from it and die with fc_arena_release(). */
#ifndef FC_ARENA_H
#define FC_ARENA_H

#include <stddef.h>

struct fc_arena_block;

struct fc_arena {
	struct fc_arena_block *head;
	size_t used;     /* bytes handed out, for limits and statistics */
};

#define FC_ARENA_INIT { NULL, 0 }

/* Zeroed memory aligned for any type; NULL on ENOMEM. */
void *fc_arena_alloc(struct fc_arena *a, size_t n);
/* NUL-terminated copy of n bytes of s. */
char *fc_arena_strndup(struct fc_arena *a, const char *s, size_t n);
char *fc_arena_strdup(struct fc_arena *a, const char *s);
char *fc_arena_sprintf(struct fc_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Frees every block; the arena is empty and usable again. */
void fc_arena_release(struct fc_arena *a);

#endif
