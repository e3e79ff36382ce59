/* lib/buf.c - see buf.h. */
#include "buf.h"

#include "err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fc_buf_init(struct fc_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void fc_buf_release(struct fc_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
}

void fc_buf_reset(struct fc_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

int fc_buf_reserve(struct fc_buf *b, size_t n)
{
	size_t max = b->max ? b->max : FC_BUF_DEFAULT_MAX;
	size_t want, cap;
	char *p;

	if (n > max || b->len > max - n)
		return -FC_ETOOBIG;
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	p = realloc(b->ptr, cap);
	if (!p)
		return -FC_ENOMEM;
	b->ptr = p;
	b->cap = cap;
	b->ptr[b->len] = '\0';
	return 0;
}

int fc_buf_append(struct fc_buf *b, const void *p, size_t n)
{
	int rc = fc_buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int fc_buf_puts(struct fc_buf *b, const char *s)
{
	return fc_buf_append(b, s, strlen(s));
}

int fc_buf_putc(struct fc_buf *b, char c)
{
	return fc_buf_append(b, &c, 1);
}

int fc_buf_vprintf(struct fc_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -FC_EINVAL;
	rc = fc_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int fc_buf_printf(struct fc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = fc_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *fc_buf_detach(struct fc_buf *b)
{
	char *p;
	if (!b->ptr && fc_buf_reserve(b, 0))
		return NULL;
	p = b->ptr;
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
