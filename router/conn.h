/* router/conn.h - socket plumbing for the router: addresses, listening
 * sockets (SO_REUSEPORT, one per worker), non-blocking connects, moving
 * bytes between a socket and a struct fc_buf. No HTTP here. */
#ifndef RT_CONN_H
#define RT_CONN_H

#include "../lib/buf.h"
#include "../lib/err.h"

#include <stddef.h>
#include <sys/socket.h>

struct rt_addr {
	struct sockaddr_storage sa;
	socklen_t len;
};

/* Resolves "host:port" ("[v6]:port" too) into a; what names the config
 * key in messages. */
int rt_addr_parse(const char *hostport, const char *what, struct rt_addr *a,
                  struct fc_err *err);
/* Resolves host and port (numeric or a name, first address). */
int rt_addr_resolve(const char *host, unsigned port, const char *what, struct rt_addr *a,
                    struct fc_err *err);
/* Formats an address as "ip" into buf (at least 46 bytes). */
void rt_addr_ip(const struct sockaddr *sa, char *buf, size_t size);

/* A non-blocking listening socket bound with SO_REUSEADDR and SO_REUSEPORT,
 * so each worker listens on its own. The caller owns the fd. */
int rt_listen(const struct rt_addr *a, const char *what, struct fc_err *err);
/* Starts a non-blocking connect: the fd (connect in progress or done), or
 * -1 with errno (ECONNREFUSED may come at once on loopback). */
int rt_connect(const struct rt_addr *a);

/* Writes b[*off, len) to fd without blocking. Returns 0 when all is
 * written (b emptied), 1 when some is left, -1 on an error (errno). */
int rt_flush(int fd, struct fc_buf *b, size_t *off);
/* Bytes of b still to write. */
static inline size_t rt_pending(const struct fc_buf *b, size_t off)
{
	return b->len - off;
}

#endif
