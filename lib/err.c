/* lib/err.c - see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void fc_err_clear(struct fc_err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}

int fc_errf(struct fc_err *e, int code, const char *fmt, ...)
{
	if (code < 0)
		code = -code;
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
		e->code = code;
	}
	return -code;
}

int fc_err_prefix(struct fc_err *e, const char *fmt, ...)
{
	char prefix[FC_ERR_MSG_MAX];
	char old[FC_ERR_MSG_MAX];
	va_list ap;

	if (!e)
		return -FC_EINVAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old);
	if (e->code == 0)
		e->code = FC_EINVAL;
	return -e->code;
}

size_t fc_list_add(char *buf, size_t size, size_t off, const char *sep, const char *item)
{
	int n;
	if (size == 0)
		return 0;
	if (off >= size)
		off = size - 1;
	n = snprintf(buf + off, size - off, "%s%s", off ? sep : "", item);
	if (n < 0)
		return off;
	return off + (size_t)n < size ? off + (size_t)n : size - 1;
}

static const char *const names[] = {
	"OK",
#define FC_ERR_NAME(name, msg) "E" #name,
	FC_ERRNO_MAP(FC_ERR_NAME)
#undef FC_ERR_NAME
};

static const char *const messages[] = {
	"success",
#define FC_ERR_TEXT(name, msg) msg,
	FC_ERRNO_MAP(FC_ERR_TEXT)
#undef FC_ERR_TEXT
};

const char *fc_err_name(int code)
{
	if (code < 0)
		code = -code;
	return code < FC_ERRNO_MAX ? names[code] : "EUNKNOWN";
}

const char *fc_strerror(int code)
{
	if (code < 0)
		code = -code;
	return code < FC_ERRNO_MAX ? messages[code] : "unknown error";
}
