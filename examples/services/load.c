/* examples/services/load.c - baemin-load: the demo's customers and shop
 * owners. Threads with keep-alive connections send a paced mix of requests
 * to the router (or any of the sample services):
 *
 *   read    GET  /shops/ID                 (ID from --read-ids)
 *   list    GET  /shops?category=chicken&limit=20
 *   order   POST /orders  shop_id=ID&member_no=N
 *   edit    POST /shops/ID  phone=..       (ID from --edit-ids)
 *
 * and counts, per kind, the answers by status class, the side that served
 * them (the X-Served-By header of the sample services), connection errors
 * and latency. An error is a 5xx or a failed connection/request; a 4xx (a
 * shop id that moved) is not. Every second a line goes to stderr (requests
 * in that second, errors so far, and so far which side served the shop
 * reads); at the end a summary to stdout, and as JSON to --stats FILE.
 * SIGINT or SIGTERM ends the run early, with the summary. */
#include "../../lib/buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: baemin-load [options]\n"
	"  --target HOST:PORT   where to send (default 127.0.0.1:8080, the router)\n"
	"  --seconds N          how long (default 10)\n"
	"  --rate N             requests per second in all (default 200)\n"
	"  --threads N          connections (default 4)\n"
	"  --mix R,L,O,E        percent of read, list, order, edit (default 70,10,15,5)\n"
	"  --read-ids A-B       shop ids to read (default 1-1000)\n"
	"  --edit-ids A-B       shop ids to edit and order from (default: --read-ids)\n"
	"  --stats FILE         write the summary as JSON\n"
	"  --quiet              no per-second lines\n";

enum { K_READ, K_LIST, K_ORDER, K_EDIT, NKINDS };
static const char *const kind_name[NKINDS] = { "read", "list", "order", "edit" };

#define LAT_BUCKETS 10000   /* 0.1 ms each: up to 1 s, the last one is "more" */

struct counts {
	atomic_long sent, ok, c4xx, c5xx, failed, by_legacy, by_new;
	atomic_long lat[LAT_BUCKETS];
};

static struct counts counts[NKINDS];
static struct sockaddr_in target;
static int mix[NKINDS] = { 70, 10, 15, 5 };
static long read_lo = 1, read_hi = 1000, edit_lo = -1, edit_hi = -1;
static double per_thread_interval;
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct client {
	int fd;
	unsigned seed;
	http_parser parser;
	int done, status;
	char served[16];
	char field[32];
	int in_served;
};

static int on_hfield(http_parser *p, const char *at, size_t n)
{
	struct client *c = p->data;
	snprintf(c->field, sizeof c->field, "%.*s", (int)n, at);
	c->in_served = !strcasecmp(c->field, "X-Served-By");
	return 0;
}

static int on_hvalue(http_parser *p, const char *at, size_t n)
{
	struct client *c = p->data;
	if (c->in_served)
		snprintf(c->served, sizeof c->served, "%.*s", (int)n, at);
	return 0;
}

static int on_done(http_parser *p)
{
	struct client *c = p->data;
	c->done = 1;
	c->status = (int)p->status_code;
	return 0;
}

static const http_parser_settings settings = {
	.on_header_field = on_hfield,
	.on_header_value = on_hvalue,
	.on_message_complete = on_done,
};

static int dial(void)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 5 };

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request and its whole response on c's connection (dialled when
 * needed). Returns the status, or -1 when the exchange failed. */
static int exchange(struct client *c, const char *req, size_t len)
{
	char buf[16384];

	if (c->fd < 0 && (c->fd = dial()) < 0)
		return -1;
	if (send(c->fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		goto broken;
	http_parser_init(&c->parser, HTTP_RESPONSE);
	c->parser.data = c;
	c->done = 0;
	c->served[0] = '\0';
	while (!c->done) {
		ssize_t k = recv(c->fd, buf, sizeof buf, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto broken;
		if (http_parser_execute(&c->parser, &settings, buf, (size_t)k) != (size_t)k)
			goto broken;
	}
	if (!http_should_keep_alive(&c->parser)) {
		close(c->fd);
		c->fd = -1;
	}
	return c->status;
broken:
	close(c->fd);
	c->fd = -1;
	return -1;
}

static long pick(struct client *c, long lo, long hi)
{
	return lo + (long)(rand_r(&c->seed) % (unsigned)(hi - lo + 1));
}

static void one_request(struct client *c)
{
	char req[1024], body[256], path[128];
	int roll = (int)(rand_r(&c->seed) % 100), kind = 0, n, status;
	double t0;
	long lat;

	for (int acc = 0; kind < NKINDS - 1 && roll >= (acc += mix[kind]); kind++)
		;
	switch (kind) {
	case K_READ:
		snprintf(path, sizeof path, "/shops/%ld", pick(c, read_lo, read_hi));
		break;
	case K_LIST:
		snprintf(path, sizeof path, "/shops?category=chicken&limit=20");
		break;
	case K_ORDER:
		snprintf(path, sizeof path, "/orders");
		snprintf(body, sizeof body, "shop_id=%ld&member_no=%ld", pick(c, edit_lo, edit_hi),
		         pick(c, 1, 999999));
		break;
	default:
		snprintf(path, sizeof path, "/shops/%ld", pick(c, edit_lo, edit_hi));
		snprintf(body, sizeof body, "phone=02-%03ld-%04ld", pick(c, 100, 999), pick(c, 0, 9999));
		break;
	}
	if (kind == K_ORDER || kind == K_EDIT)
		n = snprintf(req, sizeof req,
		             "POST %s HTTP/1.1\r\nHost: demo\r\nContent-Type: "
		             "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
		             path, strlen(body), body);
	else
		n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: demo\r\n\r\n", path);
	t0 = now_s();
	status = exchange(c, req, (size_t)n);
	lat = (long)((now_s() - t0) * 10000);
	atomic_fetch_add(&counts[kind].sent, 1);
	atomic_fetch_add(&counts[kind].lat[lat < LAT_BUCKETS ? lat : LAT_BUCKETS - 1], 1);
	if (status < 0)
		atomic_fetch_add(&counts[kind].failed, 1);
	else if (status >= 500)
		atomic_fetch_add(&counts[kind].c5xx, 1);
	else if (status >= 400)
		atomic_fetch_add(&counts[kind].c4xx, 1);
	else
		atomic_fetch_add(&counts[kind].ok, 1);
	if (status > 0 && !strcmp(c->served, "legacy"))
		atomic_fetch_add(&counts[kind].by_legacy, 1);
	else if (status > 0 && c->served[0])
		atomic_fetch_add(&counts[kind].by_new, 1);
}

static void *worker(void *arg)
{
	struct client c = { .fd = -1, .seed = (unsigned)(uintptr_t)arg * 2654435761u };
	double next = now_s() + per_thread_interval * (double)(rand_r(&c.seed) % 1000) / 1000.0;

	while (!stop_flag) {
		double t = now_s();
		struct timespec ts;
		if (t < next) {
			double d = next - t;
			ts.tv_sec = (time_t)d;
			ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
			continue;
		}
		one_request(&c);
		next += per_thread_interval;
		if (next < now_s() - 1)
			next = now_s();   /* far behind: do not burst to catch up */
	}
	if (c.fd >= 0)
		close(c.fd);
	return NULL;
}

static double percentile(const struct counts *k, double q)
{
	long total = 0, seen = 0;

	for (int i = 0; i < LAT_BUCKETS; i++)
		total += atomic_load(&k->lat[i]);
	for (int i = 0; i < LAT_BUCKETS; i++) {
		seen += atomic_load(&k->lat[i]);
		if (total && (double)seen >= q * (double)total)
			return (i + 1) / 10.0;
	}
	return 0;
}

static int parse_range(const char *s, long *lo, long *hi)
{
	char *end;

	*lo = strtol(s, &end, 10);
	if (*end != '-' || *lo < 0)
		return -1;
	*hi = strtol(end + 1, &end, 10);
	return *end || *hi < *lo ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' }, { "seconds", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },   { "threads", required_argument, NULL, 'n' },
		{ "mix", required_argument, NULL, 'm' },    { "read-ids", required_argument, NULL, 'R' },
		{ "edit-ids", required_argument, NULL, 'E' }, { "stats", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },        { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *target_s = "127.0.0.1:8080", *stats = NULL, *colon;
	double seconds = 10, rate = 200, start;
	int threads = 4, quiet = 0, c;
	long last_sent = 0, errors = 0;
	pthread_t tid[256];
	char host[64];
	FILE *f;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': target_s = optarg; break;
		case 's': seconds = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'n': threads = atoi(optarg); break;
		case 'q': quiet = 1; break;
		case 'S': stats = optarg; break;
		case 'm':
			if (sscanf(optarg, "%d,%d,%d,%d", &mix[0], &mix[1], &mix[2], &mix[3]) != 4 ||
			    mix[0] + mix[1] + mix[2] + mix[3] != 100) {
				fprintf(stderr, "baemin-load: --mix '%s': four percentages that add up to 100\n",
				        optarg);
				return 2;
			}
			break;
		case 'R':
		case 'E':
			if (parse_range(optarg, c == 'R' ? &read_lo : &edit_lo, c == 'R' ? &read_hi : &edit_hi)) {
				fprintf(stderr, "baemin-load: --%s '%s': expected FIRST-LAST\n",
				        c == 'R' ? "read-ids" : "edit-ids", optarg);
				return 2;
			}
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind < argc || seconds <= 0 || rate <= 0 || threads < 1 || threads > 256) {
		fprintf(stderr, "baemin-load: bad arguments (seconds and rate > 0, threads 1..256)\n%s",
		        usage);
		return 2;
	}
	if (edit_lo < 0) {
		edit_lo = read_lo;
		edit_hi = read_hi;
	}
	colon = strrchr(target_s, ':');
	target.sin_family = AF_INET;
	if (!colon || (size_t)(colon - target_s) >= sizeof host || atoi(colon + 1) <= 0 ||
	    (snprintf(host, sizeof host, "%.*s", (int)(colon - target_s), target_s),
	     inet_pton(AF_INET, host, &target.sin_addr) != 1)) {
		fprintf(stderr, "baemin-load: --target '%s' is not IPv4-HOST:PORT\n", target_s);
		return 2;
	}
	target.sin_port = htons((uint16_t)atoi(colon + 1));
	per_thread_interval = threads / rate;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	start = now_s();
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (int sec = 1; !stop_flag && sec <= (int)(seconds + 0.999); sec++) {
		long sent = 0, err = 0;
		double left = start + sec - now_s();
		if (left > 0)
			usleep((useconds_t)(left * 1e6));
		for (int k = 0; k < NKINDS; k++) {
			sent += atomic_load(&counts[k].sent);
			err += atomic_load(&counts[k].c5xx) + atomic_load(&counts[k].failed);
		}
		if (!quiet)
			fprintf(stderr, "  %3ds  %5ld req/s  errors %ld  shop reads served by legacy %ld, "
			        "new %ld\n", sec, sent - last_sent, err, atomic_load(&counts[K_READ].by_legacy),
			        atomic_load(&counts[K_READ].by_new));
		last_sent = sent;
	}
	stop_flag = 1;
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);

	f = stats ? fopen(stats, "w") : NULL;
	if (stats && !f)
		fprintf(stderr, "baemin-load: %s: %s\n", stats, strerror(errno));
	if (f)
		fprintf(f, "{\"seconds\":%.1f,\"kinds\":{", now_s() - start);
	printf("%-6s %8s %8s %6s %6s %7s %8s %8s %8s %8s\n", "kind", "sent", "ok", "4xx", "5xx",
	       "failed", "legacy", "new", "p50 ms", "p99 ms");
	for (int k = 0; k < NKINDS; k++) {
		struct counts *x = &counts[k];
		errors += atomic_load(&x->c5xx) + atomic_load(&x->failed);
		printf("%-6s %8ld %8ld %6ld %6ld %7ld %8ld %8ld %8.1f %8.1f\n", kind_name[k],
		       atomic_load(&x->sent), atomic_load(&x->ok), atomic_load(&x->c4xx),
		       atomic_load(&x->c5xx), atomic_load(&x->failed), atomic_load(&x->by_legacy),
		       atomic_load(&x->by_new), percentile(x, 0.5), percentile(x, 0.99));
		if (f)
			fprintf(f, "%s\"%s\":{\"sent\":%ld,\"ok\":%ld,\"4xx\":%ld,\"5xx\":%ld,\"failed\":%ld,"
			        "\"legacy\":%ld,\"new\":%ld,\"p50_ms\":%.1f,\"p99_ms\":%.1f}",
			        k ? "," : "", kind_name[k], atomic_load(&x->sent), atomic_load(&x->ok),
			        atomic_load(&x->c4xx), atomic_load(&x->c5xx), atomic_load(&x->failed),
			        atomic_load(&x->by_legacy), atomic_load(&x->by_new), percentile(x, 0.5),
			        percentile(x, 0.99));
	}
	if (f) {
		fprintf(f, "},\"errors\":%ld}\n", errors);
		fclose(f);
	}
	return 0;
}
