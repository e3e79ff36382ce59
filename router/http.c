/* router/http.c - HTTP/1.1 message framing, on top of http_parser.
 *
 * http_parser (Debian libhttp-parser, nodejs 2.9.4, strict build) does all
 * the grammar: request and status lines, field syntax, chunk sizes. We keep
 * what its callbacks hand us and decide the framing of each side from its
 * flags, never from our own reading of the bytes:
 *
 *   request                              body on the wire
 *   -----------------------------------  ---------------------------------
 *   Transfer-Encoding: chunked           chunks until "0\r\n\r\n"
 *   Content-Length: n                    exactly n bytes
 *   neither                              none (a request never reads to EOF)
 *   both                                 the parser refuses it
 *                                        (HPE_UNEXPECTED_CONTENT_LENGTH): 400
 *   two different Content-Length         refused (same error): 400
 *   Transfer-Encoding other than chunked refused: 400
 *   bad chunk size / chunk framing       HPE_INVALID_CHUNK_SIZE ...: 400
 *
 *   response                             body on the wire
 *   -----------------------------------  ---------------------------------
 *   to HEAD, or 1xx, 204, 304            none, whatever the fields say
 *   Transfer-Encoding: chunked           chunks
 *   Content-Length: n                    n bytes
 *   neither                              until the upstream closes
 *
 * Bodies are never copied through as raw bytes with their framing: the
 * parser hands us the payload (de-chunked) and we frame it again for the
 * other side (Content-Length: the same n; chunked: one chunk per piece we
 * got, "<hex>\r\n<data>\r\n", ended by "0\r\n\r\n" without trailers). So a
 * request the parser and the upstream would read differently cannot pass:
 * the upstream only ever sees our framing (no request smuggling).
 *
 * Heads: the parser caps a head at RT_MAX_HEAD bytes
 * (http_parser_set_max_header_size, set by the server) and we cap fields at
 * RT_MAX_HEADERS; both answer 431 for requests, 502 for responses.
 * Toward the upstream we always speak HTTP/1.1 with keep-alive; toward the
 * client we answer HTTP/1.1, and to an HTTP/1.0 client a body of unknown
 * length is sent until close (it cannot read chunks). */
#include "http.h"

#include "../lib/err.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { ST_NONE, ST_START, ST_FIELD, ST_VALUE };

void rt_msg_init(struct rt_msg *m)
{
	fc_buf_init(&m->raw, RT_MAX_HEAD * 2);
	rt_msg_reset(m);
}

void rt_msg_release(struct rt_msg *m)
{
	fc_buf_release(&m->raw);
}

void rt_msg_reset(struct rt_msg *m)
{
	fc_buf_reset(&m->raw);
	m->start_len = 0;
	m->nh = 0;
	m->state = ST_NONE;
	m->too_many = false;
}

int rt_msg_start(struct rt_msg *m, const char *at, size_t len)
{
	if (fc_buf_append(&m->raw, at, len))
		return -1;
	m->start_len += (uint32_t)len;
	m->state = ST_START;
	return 0;
}

int rt_msg_field(struct rt_msg *m, const char *at, size_t len)
{
	if (m->state != ST_FIELD) {
		if (m->nh == RT_MAX_HEADERS) {
			m->too_many = true;
			return -1;
		}
		m->h[m->nh] = (struct rt_hdr){ (uint32_t)m->raw.len, 0, (uint32_t)m->raw.len, 0 };
		m->nh++;
		m->state = ST_FIELD;
	}
	if (fc_buf_append(&m->raw, at, len))
		return -1;
	m->h[m->nh - 1].nlen += (uint32_t)len;
	return 0;
}

int rt_msg_value(struct rt_msg *m, const char *at, size_t len)
{
	if (m->nh == 0)
		return -1;
	if (m->state != ST_VALUE) {
		m->h[m->nh - 1].val = (uint32_t)m->raw.len;
		m->state = ST_VALUE;
	}
	if (fc_buf_append(&m->raw, at, len))
		return -1;
	m->h[m->nh - 1].vlen += (uint32_t)len;
	return 0;
}

bool rt_msg_names_valid(const struct rt_msg *m)
{
	for (uint32_t i = 0; i < m->nh; i++) {
		struct fc_span n = rt_msg_name(m, i);
		if (n.len == 0)
			return false;
		for (size_t j = 0; j < n.len; j++) {
			unsigned char ch = (unsigned char)n.ptr[j];
			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			      (ch >= '0' && ch <= '9') || strchr("!#$%&'*+-.^_`|~", ch)) || ch == 0)
				return false;
		}
	}
	return true;
}

static bool span_is(struct fc_span s, const char *name)
{
	size_t n = strlen(name);
	return s.len == n && strncasecmp(s.ptr, name, n) == 0;
}

struct fc_span rt_msg_get(const struct rt_msg *m, const char *name)
{
	for (uint32_t i = 0; i < m->nh; i++)
		if (span_is(rt_msg_name(m, i), name))
			return rt_msg_val(m, i);
	return (struct fc_span){ NULL, 0 };
}

/* Whether the comma-separated list s holds the token name (any case). */
static bool list_has(struct fc_span s, struct fc_span name)
{
	size_t i = 0;
	while (i < s.len) {
		size_t b, e;
		while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t' || s.ptr[i] == ','))
			i++;
		b = i;
		while (i < s.len && s.ptr[i] != ',')
			i++;
		e = i;
		while (e > b && (s.ptr[e - 1] == ' ' || s.ptr[e - 1] == '\t'))
			e--;
		if (e > b && e - b == name.len && strncasecmp(s.ptr + b, name.ptr, name.len) == 0)
			return true;
	}
	return false;
}

bool rt_msg_dropped(const struct rt_msg *m, struct fc_span name)
{
	static const char *const always[] = {
		"connection", "keep-alive", "proxy-connection", "te", "trailer",
		"transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization",
		"content-length", "via", "x-forwarded-for", "x-forwarded-proto", "expect", NULL,
	};
	for (int i = 0; always[i]; i++)
		if (span_is(name, always[i]))
			return true;
	if (span_is(name, "host"))
		return false;
	for (uint32_t i = 0; i < m->nh; i++)
		if (span_is(rt_msg_name(m, i), "connection") && list_has(rt_msg_val(m, i), name))
			return true;
	return false;
}

bool rt_url_path(struct fc_span url, struct fc_span *path, struct fc_span *target)
{
	size_t i = 0, start;
	if (url.len == 0)
		return false;
	if (url.ptr[0] == '*' && url.len == 1) {
		*path = *target = url;
		return true;
	}
	if (url.ptr[0] != '/') {
		/* absolute-form: scheme://authority/path?query */
		const char *p = memchr(url.ptr, ':', url.len);
		if (!p || (size_t)(p - url.ptr) + 3 > url.len || p[1] != '/' || p[2] != '/')
			return false;
		i = (size_t)(p - url.ptr) + 3;
		while (i < url.len && url.ptr[i] != '/' && url.ptr[i] != '?')
			i++;
		if (i == url.len || url.ptr[i] != '/') {
			/* "http://h" or "http://h?q": the path is "/" */
			*path = (struct fc_span){ "/", 1 };
			*target = *path;
			return i == url.len;
		}
	}
	start = i;
	while (i < url.len && url.ptr[i] != '?' && url.ptr[i] != '#')
		i++;
	*path = (struct fc_span){ url.ptr + start, i - start };
	/* the target sent on: path and query, never a fragment */
	while (i < url.len && url.ptr[i] != '#')
		i++;
	*target = (struct fc_span){ url.ptr + start, i - start };
	return true;
}

/* Appends "Name: v1, v2" joining every field called name, plus extra. */
static int put_joined(struct fc_buf *out, const struct rt_msg *m, const char *name,
                      const char *extra)
{
	bool any = false;
	int rc = fc_buf_puts(out, name);
	if (!rc)
		rc = fc_buf_append(out, ": ", 2);
	for (uint32_t i = 0; i < m->nh && !rc; i++) {
		struct fc_span v = rt_msg_val(m, i);
		if (!span_is(rt_msg_name(m, i), name) || v.len == 0)
			continue;
		if (any)
			rc = fc_buf_append(out, ", ", 2);
		if (!rc)
			rc = fc_buf_append(out, v.ptr, v.len);
		any = true;
	}
	if (!rc && any)
		rc = fc_buf_append(out, ", ", 2);
	if (!rc)
		rc = fc_buf_puts(out, extra);
	return rc ? rc : fc_buf_append(out, "\r\n", 2);
}

static int put_fields(struct fc_buf *out, const struct rt_msg *m)
{
	int rc = 0;
	for (uint32_t i = 0; i < m->nh && !rc; i++) {
		struct fc_span n = rt_msg_name(m, i), v = rt_msg_val(m, i);
		if (rt_msg_dropped(m, n))
			continue;
		if (!(rc = fc_buf_append(out, n.ptr, n.len)) && !(rc = fc_buf_append(out, ": ", 2)) &&
		    !(rc = fc_buf_append(out, v.ptr, v.len)))
			rc = fc_buf_append(out, "\r\n", 2);
	}
	return rc;
}

static int put_framing(struct fc_buf *out, enum rt_framing f, uint64_t length)
{
	int rc;
	if (f == RT_BODY_LENGTH)
		return (rc = fc_buf_append(out, "Content-Length: ", 16)) ||
		               (rc = fc_buf_put_u64(out, (unsigned long long)length))
		               ? rc
		               : fc_buf_append(out, "\r\n", 2);
	if (f == RT_BODY_CHUNKED)
		return fc_buf_puts(out, "Transfer-Encoding: chunked\r\n");
	return 0;
}

/* "M.m ficus", the Via entry for a message of version M.m (the common
 * single-digit case without printf: this runs twice per request). */
static void via_of(const http_parser *p, char via[32])
{
	if (p->http_major < 10 && p->http_minor < 10)
		memcpy(via, (char[]){ (char)('0' + p->http_major), '.', (char)('0' + p->http_minor),
		                      ' ', 'f', 'i', 'c', 'u', 's', '\0' }, 10);
	else
		snprintf(via, 32, "%u.%u ficus", p->http_major, p->http_minor);
}

int rt_http_request_head(struct fc_buf *out, const http_parser *p, const struct rt_msg *m,
                         struct fc_span target, const struct rt_fwd *f)
{
	char via[32];
	int rc;
	via_of(p, via);
	if ((rc = fc_buf_puts(out, http_method_str((enum http_method)p->method))) ||
	    (rc = fc_buf_append(out, " ", 1)) ||
	    (rc = fc_buf_append(out, target.ptr, target.len)) ||
	    (rc = fc_buf_puts(out, " HTTP/1.1\r\n")) ||
	    (rc = put_fields(out, m)))
		return rc;
	if (!rt_msg_get(m, "host").ptr && (rc = fc_buf_printf(out, "Host: %s\r\n", f->host)))
		return rc;
	if ((rc = put_joined(out, m, "X-Forwarded-For", f->client_ip)) ||
	    (rc = fc_buf_puts(out, "X-Forwarded-Proto: http\r\n")) ||
	    (rc = put_joined(out, m, "Via", via)) ||
	    (rc = put_framing(out, f->framing, f->length)))
		return rc;
	return fc_buf_append(out, "\r\n", 2);
}

int rt_http_response_head(struct fc_buf *out, const http_parser *p, const struct rt_msg *m,
                          enum rt_framing framing, bool close, bool client_10)
{
	char via[32];
	struct fc_span reason = rt_msg_url(m);
	int rc;
	via_of(p, via);
	if ((rc = fc_buf_append(out, "HTTP/1.1 ", 9)) ||
	    (rc = fc_buf_put_u64(out, p->status_code)) ||
	    (rc = fc_buf_append(out, " ", 1)) ||
	    (rc = fc_buf_append(out, reason.ptr, reason.len)) ||
	    (rc = fc_buf_append(out, "\r\n", 2)) ||
	    (rc = put_fields(out, m)) ||
	    (rc = put_joined(out, m, "Via", via)))
		return rc;
	if (framing == RT_BODY_NONE) {
		/* HEAD, 204, 304: the length the body would have, as sent */
		struct fc_span cl = rt_msg_get(m, "content-length");
		if (cl.ptr && p->status_code != 204 && p->status_code >= 200 &&
		    (rc = fc_buf_printf(out, "Content-Length: %.*s\r\n", (int)cl.len, cl.ptr)))
			return rc;
	} else if ((rc = put_framing(out, framing, p->content_length))) {
		return rc;
	}
	if (close)
		rc = fc_buf_puts(out, "Connection: close\r\n");
	else if (client_10)
		rc = fc_buf_puts(out, "Connection: keep-alive\r\n");
	return rc ? rc : fc_buf_append(out, "\r\n", 2);
}

int rt_http_error(struct fc_buf *out, int status, const char *detail, bool close)
{
	return fc_buf_printf(out,
	                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
	                     "Via: 1.1 ficus\r\n%s\r\n%s\n",
	                     status, http_status_str((enum http_status)status), strlen(detail) + 1,
	                     close ? "Connection: close\r\n" : "", detail);
}

int rt_http_body(struct fc_buf *out, enum rt_framing f, const char *at, size_t len)
{
	int rc;
	if (len == 0)
		return 0;
	if (f != RT_BODY_CHUNKED)
		return fc_buf_append(out, at, len);
	if ((rc = fc_buf_printf(out, "%zx\r\n", len)) || (rc = fc_buf_append(out, at, len)))
		return rc;
	return fc_buf_append(out, "\r\n", 2);
}

int rt_http_body_end(struct fc_buf *out, enum rt_framing f)
{
	return f == RT_BODY_CHUNKED ? fc_buf_append(out, "0\r\n\r\n", 5) : 0;
}
