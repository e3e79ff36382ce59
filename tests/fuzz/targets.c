/* tests/fuzz/targets.c - fuzz targets for every parser of outside input.
 *
 * Each fuzz_NAME takes arbitrary bytes and must never crash, hang or leak.
 * They are built two ways: with libFuzzer (`make fuzz`, one binary per
 * target via libfuzzer_main.c) and into the test binary, where
 * tests/fuzz/replay_test.c feeds them the committed corpora. */
#include "targets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../cdc/decoder.h"
#include "../../cdc/print.h"
#include "../../lib/config.h"
#include "../../lib/mapping.h"
#include "../../lib/yaml.h"
#include "../../router/proxy.h"
#include "../../router/shadow.h"

int fuzz_yaml(const uint8_t *data, size_t size)
{
	struct fc_ydoc doc;
	struct fc_err err;
	if (fc_yaml_load("fuzz.yaml", (const char *)data, size, &doc, &err) == 0)
		fc_ydoc_release(&doc);
	return 0;
}

int fuzz_config(const uint8_t *data, size_t size)
{
	struct fc_config cfg;
	struct fc_err err;
	if (fc_config_parse("fuzz.yaml", (const char *)data, size, &cfg, &err) == 0)
		fc_config_release(&cfg);
	return 0;
}

int fuzz_mapping(const uint8_t *data, size_t size)
{
	struct map_file *f;
	struct fc_err err;
	if (map_file_parse("fuzz.yaml", (const char *)data, size, &f, &err) == 0)
		map_file_free(f);
	return 0;
}

/* A binlog: the magic (optional) then events framed by their headers, fed
 * to the decoder with the --all-tables printer writing to nowhere. */
int fuzz_binlog(const uint8_t *data, size_t size)
{
	struct cdc_printer printer;
	struct cdc_handler h;
	struct cdc_decoder d;
	struct fc_err err;
	FILE *null = fopen("/dev/null", "w");
	size_t off = 0;

	if (!null)
		return 0;
	cdc_printer_init(&printer, null, &h);
	cdc_decoder_init(&d, &h);
	cdc_decoder_set_file(&d, "fuzz.000001", 4);
	if (size >= 4 && memcmp(data, CDC_BINLOG_MAGIC, 4) == 0)
		off = 4;
	while (size - off >= CDC_HEADER_LEN) {
		uint32_t n = (uint32_t)data[off + 9] | (uint32_t)data[off + 10] << 8 |
		             (uint32_t)data[off + 11] << 16 | (uint32_t)data[off + 12] << 24;
		if (n < CDC_HEADER_LEN || n > size - off)
			break;
		if (cdc_decoder_feed(&d, data + off, n, off, &err))
			break;
		off += n;
	}
	cdc_decoder_release(&d);
	cdc_printer_release(&printer);
	fclose(null);
	return 0;
}

/* --- the router's request path ---------------------------------------------
 *
 * The input is what a client sends, optionally followed by "\0RESP\0" and
 * what the upstream answers (else a small 200). One worker of the real
 * proxy code runs in this thread on loopback sockets: a client connects
 * and sends the bytes, every upstream connection the proxy opens gets the
 * response bytes, and the event loop turns until nothing moves. Routes
 * cover split (sticky by header), new with fallback, shadow and the
 * default, so routing, header rewriting, body framing, response parsing,
 * fallback and the error answers all see the input. */

struct fz {
	struct fc_config cfg;
	struct rt_shared sh;
	struct rt_gen gen;
	int slot[2];
	struct rt_route_stats *rstats[4];
	struct rt_route_stats stats[5];
	struct rt_worker w;
	atomic_int stop;
	int up_fd;                      /* the upstream's listener */
	struct sockaddr_in proxy;       /* the worker's listener address */
};

static int fz_listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof *a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof *a) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0)
		abort();
	return fd;
}

static struct fz *fz_setup(void)
{
	static struct fz z;
	static int done;
	struct sockaddr_in up;
	struct fc_err err;
	char text[2048];
	int n;
	if (done)
		return &z;
	z.up_fd = fz_listener(&up);
	n = snprintf(text, sizeof text,
	             "connections: { legacy: { kind: mysql, dsn: \"mysql://u@127.0.0.1:1/x\" } }\n"
	             "router:\n  listen: 127.0.0.1:1\n"
	             "  upstreams:\n    mono: { url: \"http://127.0.0.1:%d\" }\n"
	             "    shop: { url: \"http://127.0.0.1:%d\" }\n"
	             "  default: mono\n  routes:\n"
	             "    - { name: s, match: { path: '^/s' }, new: shop, mode: split, weight: 50,"
	             " sticky: { header: X-User } }\n"
	             "    - { name: n, match: { method: GET, path: '^/n/(?<id>[0-9]+)' }, new: shop,"
	             " mode: new }\n"
	             "    - { name: w, match: { path: '^/w' }, new: shop, mode: shadow,"
	             " shadow: { ignore: [t] } }\n",
	             ntohs(up.sin_port), ntohs(up.sin_port));
	if (fc_config_parse("fuzz.yaml", text, (size_t)n, &z.cfg, &err) ||
	    rt_table_new(&z.cfg.router, &z.gen.table, &err)) {
		fprintf(stderr, "fuzz_request: %s\n", err.msg);
		abort();
	}
	memcpy(&z.sh.addrs[0].sa, &up, sizeof up);
	z.sh.addrs[0].len = sizeof up;
	z.sh.addrs[1] = z.sh.addrs[0];
	snprintf(z.sh.ups[0].name, sizeof z.sh.ups[0].name, "mono");
	snprintf(z.sh.ups[1].name, sizeof z.sh.ups[1].name, "shop");
	snprintf(z.sh.ups[0].host, sizeof z.sh.ups[0].host, "127.0.0.1");
	snprintf(z.sh.ups[1].host, sizeof z.sh.ups[1].host, "127.0.0.1");
	snprintf(z.sh.ups[0].hostport, sizeof z.sh.ups[0].hostport, "127.0.0.1:%d", ntohs(up.sin_port));
	snprintf(z.sh.ups[1].hostport, sizeof z.sh.ups[1].hostport, "127.0.0.1:%d", ntohs(up.sin_port));
	atomic_store(&z.sh.nups, 2);
	z.slot[0] = 0;
	z.slot[1] = 1;
	for (int i = 0; i < 4; i++)
		z.rstats[i] = &z.stats[i];
	z.gen.rc = &z.cfg.router;
	z.gen.slot = z.slot;
	z.gen.rstats = z.rstats;
	z.gen.dstats = &z.stats[4];
	z.gen.access_fd = z.gen.shadow_fd = -1;
	atomic_init(&z.gen.refs, 1);   /* the harness's: never freed */
	atomic_store(&z.sh.gen, &z.gen);
	z.w.sh = &z.sh;
	z.w.gen = &z.gen;
	z.w.table = z.gen.table;
	z.w.stop = &z.stop;
	z.w.rng = 42;
	if (rt_loop_init(&z.w.loop, &err) || !(z.w.matcher = rt_matcher_new(z.gen.table)))
		abort();
	z.w.listener.fd = fz_listener(&z.proxy);
	z.w.listener.on_event = rt_proxy_on_listen;
	if (rt_loop_set(&z.w.loop, &z.w.listener, EPOLLIN) < 0)
		abort();
	done = 1;
	return &z;
}

static void fz_close(int fd)
{
	struct linger l = { 1, 0 };   /* reset: no TIME_WAIT pile-up over a run */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

int fuzz_request(const uint8_t *data, size_t size)
{
	static const char dflt[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct fz *z = fz_setup();
	const uint8_t *resp = (const uint8_t *)dflt, *mark;
	size_t req_len = size, resp_len = sizeof dflt - 1, sent = 0;
	int ups[16], nups = 0, idle = 0, one = 1, fd;
	char sink[65536];

	if ((mark = memmem(data, size, "\0RESP\0", 6))) {
		req_len = (size_t)(mark - data);
		resp = mark + 6;
		resp_len = size - req_len - 6;
	}
	for (int i = 0; i < 2; i++)   /* each input starts with closed breakers */
		memset(&z->sh.ups[i].br, 0, sizeof z->sh.ups[i].br);
	if (rt_pool_init(&z->w.pool, &z->w.loop, z->sh.addrs, 2, rt_proxy_on_upstream) ||
	    rt_pool_init(&z->w.spool, &z->w.loop, z->sh.addrs, 2, rt_shadow_on_upstream) ||
	    rt_shadow_init(&z->w))
		abort();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&z->proxy, sizeof z->proxy) < 0)
		abort();
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	while (idle < 4) {
		bool moved = false;
		ssize_t k;
		int u;
		if (sent < req_len &&
		    (k = send(fd, data + sent, req_len - sent, MSG_DONTWAIT | MSG_NOSIGNAL)) > 0) {
			sent += (size_t)k;
			moved = true;
		}
		if (rt_loop_run_once(&z->w.loop, 1) > 0)
			moved = true;
		z->w.now = rt_now_ms();
		rt_proxy_reap(&z->w);
		while (nups < 16 && (u = accept4(z->up_fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
			/* each upstream connection gets the response once */
			if (send(u, resp, resp_len, MSG_NOSIGNAL) < 0) {
				/* the proxy may have closed it already */
			}
			ups[nups++] = u;
			moved = true;
		}
		for (int i = 0; i < nups; i++)
			while (recv(ups[i], sink, sizeof sink, MSG_DONTWAIT) > 0)
				moved = true;
		while ((k = recv(fd, sink, sizeof sink, MSG_DONTWAIT)) > 0)
			moved = true;
		if (k == 0 && sent == req_len)
			break;   /* the proxy closed the client */
		idle = moved ? 0 : idle + 1;
	}
	fz_close(fd);
	for (int i = 0; i < nups; i++)
		fz_close(ups[i]);
	for (int i = 0; i < 3; i++) {
		rt_loop_run_once(&z->w.loop, 0);
		rt_proxy_reap(&z->w);
	}
	rt_proxy_close_all(&z->w);
	rt_shadow_release(&z->w);
	rt_pool_release(&z->w.pool);
	rt_pool_release(&z->w.spool);
	return 0;
}
