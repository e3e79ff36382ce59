/* cli/cmd_route.c - `ficus route serve`: the strangler HTTP router
 * (docs/router.md). */
#include "cli.h"

#include "../lib/config.h"
#include "../router/server.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int serve(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
	                                       { NULL, 0, NULL, 0 } };
	const char *cfg_path = NULL;
	struct fc_config cfg;
	struct fc_err err;
	struct rt_server *srv;
	struct rt_server_stats st;
	struct sigaction sa;
	int c;

	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		if (c == 'c')
			cfg_path = optarg;
		else
			return CLI_ERROR;
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (fc_config_load(fc_config_default_path(cfg_path), &cfg, &err))
		return cli_fail(argv[0], &err);
	if (!cfg.router.present) {
		fc_errf(&err, FC_ECONFIG, "%s has no 'router' section", cfg.path);
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (rt_server_start(&cfg.router, &srv, &err)) {
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	fprintf(stderr, "route serve: listening on %s, %d worker%s, %zu route%s, default upstream %s\n",
	        cfg.router.listen, cfg.router.workers, cfg.router.workers == 1 ? "" : "s",
	        cfg.router.nroutes, cfg.router.nroutes == 1 ? "" : "s", cfg.router.default_upstream);
	while (!stop_flag) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	rt_server_stop(srv, &st);
	fprintf(stderr, "route serve: stopped: %llu connections, %llu requests (%llu to new, %llu "
	        "fallbacks to legacy), %llu 4xx and %llu 5xx answered by ficus, upstream "
	        "connections %llu opened, %llu reused\n",
	        st.accepted, st.requests, st.to_new, st.fallbacks, st.errors_4xx, st.errors_5xx,
	        st.upstream_opened, st.upstream_reused);
	fc_config_release(&cfg);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_route_serve = {
	"route serve",
	"run the HTTP router: per-route legacy, new or split traffic, fallback to legacy",
	"usage: ficus route serve [--config FILE]\n"
	"\n"
	"Runs the strangler HTTP/1.1 reverse proxy of the config's 'router' section:\n"
	"listens on router.listen with router.workers event-loop threads, matches\n"
	"each request against router.routes (method and PCRE2 path regex, first\n"
	"match wins, else router.default), and sends it to the route's legacy or\n"
	"new upstream by its mode (legacy, new, split by weight with sticky users;\n"
	"shadow is served from legacy for now). GET, HEAD and OPTIONS requests that\n"
	"fail on new (refused, timeout, 5xx) are retried on legacy. Keep-alive on\n"
	"both sides, pipelining, streamed bodies. Details: docs/router.md.\n"
	"SIGINT or SIGTERM stop it; a summary goes to stderr.\n"
	"exit status: 0 stopped by a signal, 2 usage error or failure\n",
	serve,
};
