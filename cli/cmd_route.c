/* cli/cmd_route.c - `ficus route serve` (the strangler HTTP router,
 * docs/router.md) and the commands that drive a running router through
 * its admin API: `route status`, `route shift`, `route mode`,
 * `route reload`. */
#include "cli.h"

#include "../lib/config.h"
#include "../router/admin_client.h"
#include "../router/server.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
}

/* --config FILE and no other option; positional arguments are left at
 * argv[optind..]. */
static int config_opt(int argc, char **argv, const char **path, int *json)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
		                               { "json", no_argument, NULL, 'j' },
		                               { NULL, 0, NULL, 0 } };
	int c;
	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		if (c == 'c')
			*path = optarg;
		else if (c == 'j' && json)
			*json = 1;
		else
			return cli_usage_error(argv[0], "%s", c == 'j' ? "--json is not an option here"
			                                                : "bad option");
	}
	return 0;
}

static int load_router(const char *cmd, const char *path, struct fc_config *cfg)
{
	struct fc_err err;
	if (fc_config_load(fc_config_default_path(path), cfg, &err))
		return cli_fail(cmd, &err);
	if (!cfg->router.present) {
		fc_errf(&err, FC_ECONFIG, "%s has no 'router' section", cfg->path);
		fc_config_release(cfg);
		return cli_fail(cmd, &err);
	}
	return 0;
}

static int serve(int argc, char **argv)
{
	const char *cfg_path = NULL;
	struct fc_config cfg;
	struct fc_err err;
	struct rt_server *srv;
	struct rt_server_stats st;
	struct sigaction sa;
	int rc;

	if ((rc = config_opt(argc, argv, &cfg_path, NULL)))
		return rc;
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if ((rc = load_router(argv[0], cfg_path, &cfg)))
		return rc;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (rt_server_start(&cfg, &srv, &err)) {
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	fprintf(stderr, "route serve: listening on %s, %d worker%s, %zu route%s, default upstream "
	        "%s%s%s\n",
	        cfg.router.listen, cfg.router.workers, cfg.router.workers == 1 ? "" : "s",
	        cfg.router.nroutes, cfg.router.nroutes == 1 ? "" : "s", cfg.router.default_upstream,
	        cfg.router.admin_listen ? ", admin on " : "",
	        cfg.router.admin_listen ? cfg.router.admin_listen : "");
	while (!stop_flag) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (reload_flag) {
			reload_flag = 0;
			if (rt_server_reload(srv, &err))
				fprintf(stderr, "route serve: reload refused (the old config stays): %s\n",
				        err.msg);
			else
				fprintf(stderr, "route serve: reloaded %s\n", rt_server_config_path(srv));
		}
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

/* Sends one admin request for the config at path; prints errors. 0 with
 * *resp (malloc'd) for a 200, else the exit code. */
static int admin(const char *cmd, const char *path, const char *method, const char *url,
                 const char *body, char **resp)
{
	struct fc_config cfg;
	struct fc_err err;
	int rc, status;
	json_t *o, *e;

	if ((rc = load_router(cmd, path, &cfg)))
		return rc;
	if (!cfg.router.admin_listen) {
		fc_errf(&err, FC_ECONFIG, "%s: router.admin is not set (the admin API is off)",
		        cfg.path);
		fc_config_release(&cfg);
		return cli_fail(cmd, &err);
	}
	rc = rt_admin_call(cfg.router.admin_listen, cfg.router.admin_token, method, url, body,
	                   &status, resp, &err);
	fc_config_release(&cfg);
	if (rc)
		return cli_fail(cmd, &err);
	if (status == 200)
		return 0;
	o = json_loads(*resp, 0, NULL);
	e = o ? json_object_get(o, "error") : NULL;
	fc_errf(&err, FC_EIO, "router answered %d: %s", status,
	        json_is_string(e) ? json_string_value(e) : *resp);
	json_decref(o);
	free(*resp);
	*resp = NULL;
	return cli_fail(cmd, &err);
}

static void print_route(json_t *r)
{
	const char *nw = json_string_value(json_object_get(r, "new"));
	printf("%-24s %-7s %4lld%%  legacy=%s new=%s  requests=%lld errors=%lld fallbacks=%lld "
	       "rps=%.1f",
	       json_string_value(json_object_get(r, "name")),
	       json_string_value(json_object_get(r, "mode")),
	       (long long)json_integer_value(json_object_get(r, "weight")),
	       json_string_value(json_object_get(r, "legacy")), nw ? nw : "-",
	       (long long)json_integer_value(json_object_get(r, "requests")),
	       (long long)json_integer_value(json_object_get(r, "errors")),
	       (long long)json_integer_value(json_object_get(r, "fallbacks")),
	       json_number_value(json_object_get(r, "rps")));
	if (json_integer_value(json_object_get(r, "shadow_compared")) ||
	    json_integer_value(json_object_get(r, "shadow_dropped")) ||
	    !strcmp(json_string_value(json_object_get(r, "mode")), "shadow"))
		printf("  shadow: compared=%lld diffs=%lld dropped=%lld",
		       (long long)json_integer_value(json_object_get(r, "shadow_compared")),
		       (long long)json_integer_value(json_object_get(r, "shadow_diffs")),
		       (long long)json_integer_value(json_object_get(r, "shadow_dropped")));
	printf("\n");
}

static int status(int argc, char **argv)
{
	const char *path = NULL;
	int json = 0, rc;
	char *resp = NULL;
	struct rt_admin_status st;
	struct fc_config cfg;
	struct fc_err err;
	json_t *o;

	if ((rc = config_opt(argc, argv, &path, &json)))
		return rc;
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (json) {
		if ((rc = admin(argv[0], path, "GET", "/routes", NULL, &resp)))
			return rc;
		fputs(resp, stdout);
		free(resp);
		return CLI_OK;
	}
	if ((rc = load_router(argv[0], path, &cfg)))
		return rc;
	if (!cfg.router.admin_listen) {
		fc_errf(&err, FC_ECONFIG, "%s: router.admin is not set (the admin API is off)",
		        cfg.path);
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	rc = rt_admin_fetch_status(cfg.router.admin_listen, cfg.router.admin_token, &st, &err);
	fc_config_release(&cfg);
	if (rc)
		return cli_fail(argv[0], &err);
	o = json_loads(st.json, 0, NULL);
	printf("config %s, loaded %s\n", st.config, st.reloaded_at);
	for (size_t i = 0; i < json_array_size(json_object_get(o, "routes")); i++)
		print_route(json_array_get(json_object_get(o, "routes"), i));
	for (size_t i = 0; i < st.nupstreams; i++)
		printf("upstream %-15s %-28s breaker=%s failures=%d idle=%d\n", st.upstreams[i].name,
		       st.upstreams[i].url, st.upstreams[i].breaker,
		       st.upstreams[i].consecutive_failures, st.upstreams[i].pool_idle);
	json_decref(o);
	rt_admin_status_release(&st);
	return CLI_OK;
}

/* POST /routes/NAME with body; prints the route as it is now. */
static int change(const char *cmd, const char *path, const char *route, const char *body)
{
	char url[300], *resp = NULL;
	json_t *o;
	int rc;
	snprintf(url, sizeof url, "/routes/%s", route);
	if ((rc = admin(cmd, path, "POST", url, body, &resp)))
		return rc;
	if ((o = json_loads(resp, 0, NULL)))
		print_route(o);
	json_decref(o);
	free(resp);
	return CLI_OK;
}

static int shift(int argc, char **argv)
{
	const char *path = NULL;
	char body[64], *end;
	long w;
	int rc;
	if ((rc = config_opt(argc, argv, &path, NULL)))
		return rc;
	if (argc - optind != 2)
		return cli_usage_error(argv[0], "expected ROUTE and a weight like 25%%");
	w = strtol(argv[optind + 1], &end, 10);
	if (end == argv[optind + 1] || (*end && strcmp(end, "%")) || w < 0 || w > 100)
		return cli_usage_error(argv[0], "bad weight '%s' (0%%-100%%, percent to new)",
		                       argv[optind + 1]);
	snprintf(body, sizeof body, "{\"mode\":\"split\",\"weight\":%ld}", w);
	return change(argv[0], path, argv[optind], body);
}

static int mode(int argc, char **argv)
{
	static const char *const modes[] = { "legacy", "shadow", "split", "new", NULL };
	const char *path = NULL;
	char body[64];
	int rc, ok = 0;
	if ((rc = config_opt(argc, argv, &path, NULL)))
		return rc;
	if (argc - optind != 2)
		return cli_usage_error(argv[0], "expected ROUTE and a mode (legacy, shadow, split, new)");
	for (int i = 0; modes[i]; i++)
		ok |= strcmp(argv[optind + 1], modes[i]) == 0;
	if (!ok)
		return cli_usage_error(argv[0], "bad mode '%s' (legacy, shadow, split, new)",
		                       argv[optind + 1]);
	snprintf(body, sizeof body, "{\"mode\":\"%s\"}", argv[optind + 1]);
	return change(argv[0], path, argv[optind], body);
}

static int reload(int argc, char **argv)
{
	const char *path = NULL;
	char *resp = NULL;
	int rc;
	if ((rc = config_opt(argc, argv, &path, NULL)))
		return rc;
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if ((rc = admin(argv[0], path, "POST", "/reload", NULL, &resp)))
		return rc;
	printf("reloaded: %s", resp);
	free(resp);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_route_serve = {
	"route serve",
	"run the HTTP router: per-route legacy, shadow, split or new, fallback, admin API",
	"usage: ficus route serve [--config FILE]\n"
	"\n"
	"Runs the strangler HTTP/1.1 reverse proxy of the config's 'router' section:\n"
	"listens on router.listen with router.workers event-loop threads, matches\n"
	"each request against router.routes (method and PCRE2 path regex, first\n"
	"match wins, else router.default), and sends it to the route's legacy or\n"
	"new upstream by its mode (legacy, new, split by weight with sticky users,\n"
	"shadow: served by legacy while a copy goes to new and the answers are\n"
	"compared). Requests that fail on new are retried on legacy when safe; a\n"
	"circuit breaker per upstream stops sending to one that keeps failing.\n"
	"With router.admin set, an admin API (bearer token) lists and changes\n"
	"routes, reloads the config and serves /metrics. Details: docs/router.md.\n"
	"SIGHUP reloads the config (a bad one is refused, the old one stays);\n"
	"SIGINT or SIGTERM stop it; a summary goes to stderr.\n"
	"exit status: 0 stopped by a signal, 2 usage error or failure\n",
	serve,
};

const struct cli_cmd cli_cmd_route_status = {
	"route status",
	"show a running router's routes, modes, weights and counters",
	"usage: ficus route status [--json] [--config FILE]\n"
	"\n"
	"Asks the router's admin API (router.admin.listen, with its token) for\n"
	"every route's mode, weight, legacy and new upstreams, counters (requests,\n"
	"5xx errors, fallbacks, shadow compared/diffs/dropped, requests/s over the\n"
	"last ~10 s) and every upstream's breaker state. --json prints the API's\n"
	"JSON as it is (docs/router.md).\n"
	"exit status: 0 shown, 2 failure (router not reachable, bad token)\n",
	status,
};

const struct cli_cmd cli_cmd_route_shift = {
	"route shift",
	"send a percentage of a route's users to new (split mode)",
	"usage: ficus route shift ROUTE PERCENT% [--config FILE]\n"
	"\n"
	"Sets ROUTE to split mode with PERCENT (0-100) of its users on new, at once\n"
	"for new requests. With a sticky key, raising the percentage only moves\n"
	"users from legacy to new. Lasts until the next reload or restart (write\n"
	"it in the config to keep it).\n"
	"exit status: 0 changed, 2 failure (unknown route, no new upstream, ...)\n",
	shift,
};

const struct cli_cmd cli_cmd_route_mode = {
	"route mode",
	"set a route's mode: legacy, shadow, split or new",
	"usage: ficus route mode ROUTE MODE [--config FILE]\n"
	"\n"
	"Sets ROUTE's mode at once for new requests (in-flight requests finish\n"
	"where they started). split keeps the route's current weight. Lasts until\n"
	"the next reload or restart.\n"
	"exit status: 0 changed, 2 failure\n",
	mode,
};

const struct cli_cmd cli_cmd_route_reload = {
	"route reload",
	"make a running router load its config file again",
	"usage: ficus route reload [--config FILE]\n"
	"\n"
	"Asks the router to load its config file again (like SIGHUP). A config\n"
	"that does not load or validate is refused with its file:line:col error\n"
	"and the running one stays. Routes, upstreams, modes, weights, timeouts,\n"
	"logs, breaker and shadow settings change; listen, workers and the admin\n"
	"listener need a restart. Admin changes (shift, mode) give way to the\n"
	"file's values.\n"
	"exit status: 0 reloaded, 2 refused or failure\n",
	reload,
};
