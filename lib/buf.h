/* lib/buf.h - growable byte buffer with a size cap.
 *
 * Invariants: ptr is NULL or points to cap bytes; len < cap whenever ptr is
 * set, and ptr[len] == '\0', so the contents can always be used as a C
 * string (they may also hold NUL bytes). max caps len: appends that would
 * pass it fail with -FC_ETOOBIG and leave the buffer unchanged, so input
 * from a network or a file can never grow memory without bound. */
#ifndef FC_BUF_H
#define FC_BUF_H

#include <stdarg.h>
#include <stddef.h>

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
/* Hands the bytes to the caller (free() them) and empties the buffer.
 * Never NULL: an empty buffer yields an allocated "". NULL only on ENOMEM. */
char *fc_buf_detach(struct fc_buf *b);

#endif
