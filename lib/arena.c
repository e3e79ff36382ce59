/* lib/arena.c - see arena.h. Blocks of 16 KiB; larger requests get a block
 * of their own. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE 16384
#define ALIGN 16

struct fc_arena_block {
	struct fc_arena_block *next;
	size_t size;
	size_t off;
	_Alignas(ALIGN) unsigned char data[];
};

void *fc_arena_alloc(struct fc_arena *a, size_t n)
{
	struct fc_arena_block *b = a->head;
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	void *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	if (need == 0)
		need = ALIGN;
	if (!b || b->size - b->off < need) {
		size_t size = need > BLOCK_SIZE / 4 ? need : BLOCK_SIZE;
		b = malloc(sizeof *b + size);
		if (!b)
			return NULL;
		b->size = size;
		b->off = 0;
		if (size == need && a->head) {
			/* big block: keep the current block in front for small ones */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->off;
	b->off += need;
	a->used += need;
	memset(p, 0, n);
	return p;
}

char *fc_arena_strndup(struct fc_arena *a, const char *s, size_t n)
{
	char *p = fc_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *fc_arena_strdup(struct fc_arena *a, const char *s)
{
	return s ? fc_arena_strndup(a, s, strlen(s)) : NULL;
}

char *fc_arena_sprintf(struct fc_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = fc_arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void fc_arena_release(struct fc_arena *a)
{
	struct fc_arena_block *b = a->head;
	while (b) {
		struct fc_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}
