/* lib/buf.c - see buf.h. */
#include "buf.h"

#include "err.h"
#include "utf8.h"

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
	if (max < SIZE_MAX && cap > max + 1)   /* want <= max + 1 here: room */
		cap = max + 1;                 /* past it could never be used */
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
	int rc = fc_buf_need(b, n);
	if (rc)
		return rc;
	if (n)
		memmove(b->ptr + b->len, p, n);
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
	return fc_buf_addc(b, c);
}

/* One vsnprintf into the room there is; a second one only when the text
 * did not fit. */
int fc_buf_vprintf(struct fc_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	size_t room = b->ptr ? b->cap - b->len : 0;
	int n, rc;

	va_copy(ap2, ap);
	n = room ? vsnprintf(b->ptr + b->len, room, fmt, ap2) : vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		if (b->ptr)
			b->ptr[b->len] = '\0';
		return -FC_EINVAL;
	}
	if ((size_t)n < room && b->len + (size_t)n <= fc_buf_max(b)) {
		b->len += (size_t)n;
		return 0;
	}
	if (b->ptr)
		b->ptr[b->len] = '\0';
	rc = fc_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

int fc_buf_put_u64(struct fc_buf *b, unsigned long long v)
{
	char tmp[24], *w = tmp + sizeof tmp;
	int rc;

	while (v >= 100) {
		unsigned k = (unsigned)(v % 100);
		v /= 100;
		w -= 2;
		memcpy(w, digit_pairs + 2 * k, 2);
	}
	if (v >= 10) {
		w -= 2;
		memcpy(w, digit_pairs + 2 * v, 2);
	} else {
		*--w = (char)('0' + v);
	}
	rc = fc_buf_need(b, (size_t)(tmp + sizeof tmp - w));
	if (rc)
		return rc;
	memcpy(b->ptr + b->len, w, (size_t)(tmp + sizeof tmp - w));
	fc_buf_commit(b, (size_t)(tmp + sizeof tmp - w));
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

int fc_buf_put_utf8(struct fc_buf *b, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, run = 0;
	int rc = 0;

	while (rc == 0 && i < n) {
		size_t bad, k = fc_utf8_len(u + i, n - i, &bad);
		if (k) {
			i += k;
			run += k;
			continue;
		}
		rc = fc_buf_append(b, p + i - run, run);
		if (rc == 0)
			rc = fc_buf_append(b, "\xEF\xBF\xBD", 3);
		run = 0;
		i++;
	}
	return rc ? rc : fc_buf_append(b, p + i - run, run);
}
