/* router/conn.c - sockets, see conn.h. */
#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rt_addr_resolve(const char *host, unsigned port, const char *what, struct rt_addr *a,
                    struct fc_err *err)
{
	struct addrinfo hints, *res = NULL;
	char ps[16];
	int rc;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(ps, sizeof ps, "%u", port);
	if ((rc = getaddrinfo(host, ps, &hints, &res)) != 0 || !res)
		return fc_errf(err, FC_ECONFIG, "%s: cannot resolve '%s': %s", what, host,
		               rc ? gai_strerror(rc) : "no address");
	memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int rt_addr_parse(const char *hostport, const char *what, struct rt_addr *a,
                  struct fc_err *err)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	size_t hl;
	long port;
	char *end;
	if (!colon)
		return fc_errf(err, FC_ECONFIG, "%s: '%s' is not host:port", what, hostport);
	hl = (size_t)(colon - hostport);
	if (hl >= 2 && hostport[0] == '[' && hostport[hl - 1] == ']') {
		hostport++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof host)
		return fc_errf(err, FC_ECONFIG, "%s: '%s' has a bad host", what, hostport);
	memcpy(host, hostport, hl);
	host[hl] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 0 || port > 65535)
		return fc_errf(err, FC_ECONFIG, "%s: '%s' has a bad port", what, hostport);
	return rt_addr_resolve(host, (unsigned)port, what, a, err);
}

void rt_addr_ip(const struct sockaddr *sa, char *buf, size_t size)
{
	const void *p = sa->sa_family == AF_INET6
	                        ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
	                        : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (!inet_ntop(sa->sa_family, p, buf, (socklen_t)size))
		snprintf(buf, size, "unknown");
}

int rt_listen(const struct rt_addr *a, const char *what, struct fc_err *err)
{
	int one = 1, fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fc_errf(err, FC_EIO, "%s: socket: %s", what, strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
	    bind(fd, (const struct sockaddr *)&a->sa, a->len) < 0 || listen(fd, 1024) < 0) {
		int e = errno;
		close(fd);
		return fc_errf(err, FC_EIO, "%s: cannot listen: %s", what, strerror(e));
	}
	return fd;
}

int rt_connect(const struct rt_addr *a)
{
	int one = 1, fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (const struct sockaddr *)&a->sa, a->len) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int rt_flush(int fd, struct fc_buf *b, size_t *off)
{
	while (*off < b->len) {
		ssize_t n = send(fd, b->ptr + *off, b->len - *off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		*off += (size_t)n;
	}
	if (*off == b->len) {
		fc_buf_reset(b);
		*off = 0;
		return 0;
	}
	if (*off > 65536 && *off * 2 > b->len) {
		memmove(b->ptr, b->ptr + *off, b->len - *off);
		b->len -= *off;
		b->ptr[b->len] = '\0';
		*off = 0;
	}
	return 1;
}
