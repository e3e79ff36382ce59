/* lib/err.h - error codes and the error buffer carried up to the CLI.
 *
 * Library functions return 0 on success and a negative FC_E* code on
 * failure, and fill a caller's struct fc_err with what failed and why, in
 * the words the user will read: "mappings/shop.yaml:12:7: unknown key
 * 'colums' (expected one of: from, to, columns, event)". Only the CLI prints
 * and exits. */
#ifndef FC_ERR_H
#define FC_ERR_H

#include <stddef.h>

/* X-macro list: name, message. Codes are negative in return values. */
#define FC_ERRNO_MAP(X)                                                   \
	X(NOMEM, "out of memory")                                          \
	X(INVAL, "invalid input")                                          \
	X(CONFIG, "configuration error")                                   \
	X(IO, "input/output error")                                        \
	X(NOTFOUND, "not found")                                           \
	X(CONNECT, "connection failed")                                    \
	X(SQL, "database query failed")                                    \
	X(TOOBIG, "size limit exceeded")                                   \
	X(CORRUPT, "corrupt data")                                         \
	X(EXIST, "already exists")                                         \
	X(UNSUPPORTED, "unsupported")

enum fc_errno {
	FC_OK = 0,
#define FC_ERR_ENUM(name, msg) FC_E##name,
	FC_ERRNO_MAP(FC_ERR_ENUM)
#undef FC_ERR_ENUM
	FC_ERRNO_MAX
};

#define FC_ERR_MSG_MAX 1024

struct fc_err {
	int code;                  /* positive FC_E* code, 0 when clear */
	char msg[FC_ERR_MSG_MAX];  /* what failed and why, no final newline */
};

/* Clears an error buffer. */
void fc_err_clear(struct fc_err *e);

/* Fills e (may be NULL) with code and a printf-style message; returns
 * -code so callers can write `return fc_errf(err, FC_EINVAL, ...)`. */
int fc_errf(struct fc_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "prefix: " in front of the message already in e (for context added
 * on the way up: "connection 'legacy': ..."). Returns -e->code. */
int fc_err_prefix(struct fc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends item to a list being written into buf (size bytes, off of them
 * used), with sep before it unless the list is still empty; what does not
 * fit is cut. Returns the new off (at most size - 1). For messages:
 * "expected one of: a, b, c". */
size_t fc_list_add(char *buf, size_t size, size_t off, const char *sep, const char *item);

/* Name ("EINVAL") and message of a code; accepts negative or positive. */
const char *fc_err_name(int code);
const char *fc_strerror(int code);

#endif
