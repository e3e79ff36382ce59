/* lib/buf.h - growable byte buffer with a size cap.
 *
 * Invariants: ptr is NULL or points to cap bytes; len < cap whenever ptr is
 * set, and ptr[len] == '\0', so the contents can always be used as a C
 * string (they may also hold NUL bytes). max caps len: appends that would
 * pass it fail with -FC_ETOOBIG and leave the buffer unchanged, so input
 * from a network or a file can never grow memory without bound. cap never
 * passes max + 1, so any room below cap may be used: max is set by
 * fc_buf_init (or FC_BUF_INIT) and must not change while ptr is set. */
#ifndef FC_BUF_H
#define FC_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct fc_buf {
	char *ptr;
	size_t len;
	size_t cap;
	size_t max;   /* 0 means the default cap, FC_BUF_DEFAULT_MAX */
};

#define FC_BUF_DEFAULT_MAX ((size_t)1 << 30)
#define FC_BUF_INIT { NULL, 0, 0, 0 }

/* A byte range, passed by value; does not own its bytes. */
struct fc_span {
	const char *ptr;
	size_t len;
};

void fc_buf_init(struct fc_buf *b, size_t max);
/* Frees the bytes; the buffer can be used again (empty). */
void fc_buf_release(struct fc_buf *b);
/* Empties the buffer, keeping its memory. */
void fc_buf_reset(struct fc_buf *b);
/* Makes room for n more bytes. 0, -FC_ENOMEM or -FC_ETOOBIG. */
int fc_buf_reserve(struct fc_buf *b, size_t n);
int fc_buf_append(struct fc_buf *b, const void *p, size_t n);
int fc_buf_puts(struct fc_buf *b, const char *s);
int fc_buf_putc(struct fc_buf *b, char c);
int fc_buf_printf(struct fc_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int fc_buf_vprintf(struct fc_buf *b, const char *fmt, va_list ap);
/* Appends v in decimal. 0 or as fc_buf_reserve. */
int fc_buf_put_u64(struct fc_buf *b, unsigned long long v);

/* The effective cap of b. */
static inline size_t fc_buf_max(const struct fc_buf *b)
{
	return b->max ? b->max : FC_BUF_DEFAULT_MAX;
}

/* Makes room for n more bytes like fc_buf_reserve, without a call when
 * the room is there already. fc_buf_reserve never makes cap larger than
 * max + 1 (max is set by fc_buf_init and not changed after), so room
 * below cap is always within the cap. */
static inline int fc_buf_need(struct fc_buf *b, size_t n)
{
	if (n < b->cap - b->len)
		return 0;
	return fc_buf_reserve(b, n);
}

/* Writing in place: fc_buf_room() makes room for n more bytes and returns
 * where they go (NULL on -FC_ENOMEM / -FC_ETOOBIG, the buffer unchanged);
 * the caller writes at most n bytes there and then fc_buf_commit()s the k
 * it wrote, which keeps the NUL terminator. */
static inline char *fc_buf_room(struct fc_buf *b, size_t n)
{
	return fc_buf_need(b, n) ? NULL : b->ptr + b->len;
}

static inline void fc_buf_commit(struct fc_buf *b, size_t k)
{
	b->len += k;
	b->ptr[b->len] = '\0';
}

/* Sets the length to the end of what was written in place at [ptr, end),
 * end inside the room fc_buf_room() made; keeps the terminator. */
static inline void fc_buf_set_end(struct fc_buf *b, char *end)
{
	b->len = (size_t)(end - b->ptr);
	*end = '\0';
}

/* Copies n bytes (the regions apart) with a few moves when n is small. */
static inline void fc_copy(char *d, const void *src, size_t n)
{
	const char *s = (const char *)src;
	if (n > 32)
		memcpy(d, s, n);
	else if (n >= 16) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

/* Inline fast paths of fc_buf_append and fc_buf_putc (same results); p
 * must not point into b. */
static inline int fc_buf_add(struct fc_buf *b, const void *p, size_t n)
{
	int rc = fc_buf_need(b, n);
	if (rc)
		return rc;
	fc_copy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

static inline int fc_buf_addc(struct fc_buf *b, char c)
{
	int rc = fc_buf_need(b, 1);
	if (rc)
		return rc;
	b->ptr[b->len++] = c;
	b->ptr[b->len] = '\0';
	return 0;
}

/* Hands the bytes to the caller (free() them) and empties the buffer.
 * Never NULL: an empty buffer yields an allocated "". NULL only on ENOMEM. */
char *fc_buf_detach(struct fc_buf *b);

/* Appends the n bytes at p with every byte that is not part of a valid
 * UTF-8 sequence (a cut one at the end too) replaced by U+FFFD, so that the
 * text can go into JSON. 0 or -FC_ETOOBIG. */
int fc_buf_put_utf8(struct fc_buf *b, const char *p, size_t n);

#endif
