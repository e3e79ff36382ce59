/* router/http.h - the HTTP/1.1 glue on http_parser: collecting a message's
 * head, deciding its framing, writing heads and bodies for the other side.
 * The framing rules are at the top of router/http.c.
 *
 * Not thread-safe per object; objects are owned by one worker. */
#ifndef RT_HTTP_H
#define RT_HTTP_H

#include "../lib/buf.h"

#include <http_parser.h>
#include <stdbool.h>
#include <stdint.h>

#define RT_MAX_HEAD (32 * 1024)  /* request or response head, bytes: over -> 431 / 502 */
#define RT_MAX_HEADERS 100       /* header fields per message: over -> 431 / 502 */

/* How a body travels on one side. */
enum rt_framing {
	RT_BODY_NONE,     /* no body */
	RT_BODY_LENGTH,   /* Content-Length: n, bytes as they are */
	RT_BODY_CHUNKED,  /* Transfer-Encoding: chunked, re-chunked by us */
	RT_BODY_EOF,      /* until the connection closes (responses only) */
};

struct rt_hdr {
	uint32_t name, nlen;   /* offsets into rt_msg.raw */
	uint32_t val, vlen;
};

/* One message's head as the parser reported it: the URL (requests) or the
 * reason phrase (responses) and the header fields, in rt_msg.raw. */
struct rt_msg {
	struct fc_buf raw;
	uint32_t start_len;    /* URL / reason: raw[0, start_len) */
	struct rt_hdr h[RT_MAX_HEADERS];
	uint32_t nh;
	int state;             /* which callback came last */
	bool too_many;         /* more than RT_MAX_HEADERS fields */
};

void rt_msg_init(struct rt_msg *m);
void rt_msg_release(struct rt_msg *m);
/* Empties m for the next message (keeps memory). */
void rt_msg_reset(struct rt_msg *m);
/* The parser's data callbacks: 0, or -1 when the head is too large or has
 * too many fields (m->too_many says which). */
int rt_msg_start(struct rt_msg *m, const char *at, size_t len);
int rt_msg_field(struct rt_msg *m, const char *at, size_t len);
int rt_msg_value(struct rt_msg *m, const char *at, size_t len);

static inline struct fc_span rt_msg_name(const struct rt_msg *m, uint32_t i)
{
	return (struct fc_span){ m->raw.ptr + m->h[i].name, m->h[i].nlen };
}
static inline struct fc_span rt_msg_val(const struct rt_msg *m, uint32_t i)
{
	return (struct fc_span){ m->raw.ptr + m->h[i].val, m->h[i].vlen };
}
static inline struct fc_span rt_msg_url(const struct rt_msg *m)
{
	return (struct fc_span){ m->raw.ptr, m->start_len };
}
/* Whether every field name is an RFC 9110 token (the parser lets spaces
 * through: "Bad Header: x"), so no name reaches an upstream that it could
 * read differently. */
bool rt_msg_names_valid(const struct rt_msg *m);
/* The first field called name (case-insensitive); {NULL, 0} if none. */
struct fc_span rt_msg_get(const struct rt_msg *m, const char *name);
/* Whether the field is removed when forwarding: hop-by-hop (Connection,
 * Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade,
 * Proxy-Authenticate, Proxy-Authorization), named in a Connection field
 * (except Host), or rewritten by us (Content-Length, Via, X-Forwarded-*),
 * or answered by us (Expect: ficus sends 100 Continue itself). */
bool rt_msg_dropped(const struct rt_msg *m, struct fc_span name);
/* The path of a request URL for routing: origin-form up to '?' or '#';
 * absolute-form (http://h/p?q) gives its path. false for a bad URL. */
bool rt_url_path(struct fc_span url, struct fc_span *path, struct fc_span *target);

/* What the proxy adds to a forwarded request. */
struct rt_fwd {
	const char *client_ip;
	const char *host;      /* Host to add when the client sent none (HTTP/1.0) */
	enum rt_framing framing;
	uint64_t length;       /* RT_BODY_LENGTH */
};

/* Writes the request head for the upstream: "METHOD target HTTP/1.1", the
 * client's end-to-end fields, X-Forwarded-For (client's list + ip),
 * X-Forwarded-Proto: http, Via (+ "M.m ficus"), the framing field.
 * 0 or -FC_ENOMEM / -FC_ETOOBIG. */
int rt_http_request_head(struct fc_buf *out, const http_parser *p, const struct rt_msg *m,
                         struct fc_span target, const struct rt_fwd *f);
/* Writes the response head for the client: "HTTP/1.1 status reason", the
 * upstream's end-to-end fields, Via, the framing field (Content-Length is
 * kept as sent for bodiless responses), Connection: close when close is
 * set, Connection: keep-alive for an HTTP/1.0 client that keeps it. */
int rt_http_response_head(struct fc_buf *out, const http_parser *p, const struct rt_msg *m,
                          enum rt_framing framing, bool close, bool client_10);
/* A whole short response of ours (errors): status, text body, Connection:
 * close when close. */
int rt_http_error(struct fc_buf *out, int status, const char *detail, bool close);
/* Appends body bytes in the given framing (chunked: one chunk). */
int rt_http_body(struct fc_buf *out, enum rt_framing f, const char *at, size_t len);
/* Ends a body (chunked: the last chunk, no trailers). */
int rt_http_body_end(struct fc_buf *out, enum rt_framing f);

#endif
