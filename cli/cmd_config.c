/* cli/cmd_config.c - `ficus config check`: load the config and its
 * mappings, print what was understood, with secrets redacted. */
#include "cli.h"

#include "../lib/config.h"
#include "../lib/mapping.h"

#include <stdio.h>

static int run(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
	                                       { NULL, 0, NULL, 0 } };
	const char *path = NULL;
	struct fc_config cfg;
	struct map_set set;
	struct fc_err err;
	int c;

	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		if (c == 'c')
			path = optarg;
		else
			return CLI_ERROR;
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	path = fc_config_default_path(path);
	if (fc_config_load(path, &cfg, &err))
		return cli_fail(argv[0], &err);
	if (map_set_load(&cfg, &set, &err)) {
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	printf("%s: ok\n", cfg.path);
	printf("connections:\n");
	for (size_t i = 0; i < cfg.nconns; i++)
		printf("  %-10s %-8s %s%s\n", cfg.conns[i].name, fc_conn_kind_name(cfg.conns[i].kind),
		       cfg.conns[i].shown, cfg.conns[i].password ? " (password from secret)" : "");
	printf("mappings:\n");
	for (size_t i = 0; i < set.nfiles; i++) {
		const struct map_file *f = set.files[i];
		printf("  %s (%s -> %s)\n", f->path, f->source, f->target);
		for (size_t j = 0; j < f->nentities; j++) {
			const struct map_entity *e = &f->entities[j];
			printf("    %-12s %s -> %s, %zu column%s, topic %s\n", e->name, e->from.text,
			       e->to.text, e->ncolumns, e->ncolumns == 1 ? "" : "s", e->topic);
		}
	}
	if (cfg.cdc.present)
		printf("cdc: source %s, server_id %u, sink %s%s%s\n", cfg.cdc.source,
		       cfg.cdc.server_id,
		       cfg.cdc.sink.kind == FC_SINK_OUTBOX ? "outbox" :
		       cfg.cdc.sink.kind == FC_SINK_NATS ? "nats" : "jsonl",
		       cfg.cdc.sink.connection ? " on " : "",
		       cfg.cdc.sink.connection ? cfg.cdc.sink.connection : "");
	if (cfg.sync.present)
		printf("sync: %s -> %s via %s\n", cfg.sync.source, cfg.sync.target, cfg.sync.bus);
	if (cfg.router.present) {
		printf("router: listen %s, %d worker%s, %zu upstream%s, %zu route%s%s\n",
		       cfg.router.listen, cfg.router.workers, cfg.router.workers == 1 ? "" : "s",
		       cfg.router.nupstreams, cfg.router.nupstreams == 1 ? "" : "s",
		       cfg.router.nroutes, cfg.router.nroutes == 1 ? "" : "s",
		       cfg.router.admin_listen ? (cfg.router.admin_token ? ", admin API with token"
		                                                         : ", admin API (no token set)")
		                               : "");
		for (size_t i = 0; i < cfg.router.nroutes; i++) {
			const struct fc_route *r = &cfg.router.routes[i];
			printf("  %-16s %s %s -> %s", r->name, r->method ? r->method : "*", r->path,
			       fc_route_mode_name(r->mode));
			if (r->mode == FC_MODE_SPLIT)
				printf(" %d%%", r->weight);
			printf("\n");
		}
	}
	map_set_release(&set);
	fc_config_release(&cfg);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_config_check = {
	"config check",
	"load the config file and its mappings; print them, secrets redacted",
	"usage: ficus config check [--config FILE]\n"
	"\n"
	"Loads the config file and every mapping file it names, checks them\n"
	"without connecting anywhere, and prints what was understood. Passwords\n"
	"are shown as ***. Errors name file:line:column.\n"
	"\n"
	"  --config FILE   config file (default: $FICUS_CONFIG, else ./ficus.yaml)\n"
	"\n"
	"exit status: 0 valid, 2 invalid or unreadable\n",
	run,
};
