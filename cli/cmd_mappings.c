/* cli/cmd_mappings.c - `ficus mappings check`: every mapping against the
 * live schemas of both databases. */
#include "cli.h"

#include "../lib/config.h"
#include "../lib/db.h"
#include "../lib/mapcheck.h"
#include "../lib/mapping.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Open connections, by config name, so each database is dialled once. */
struct conns {
	const char *names[16];
	void *handles[16];
	enum fc_conn_kind kinds[16];
	int n;
};

static void *conn_get(struct conns *cs, const struct fc_config *cfg, const char *name,
                      struct fc_err *err)
{
	const struct fc_conn *c = fc_config_conn(cfg, name);
	void *h;
	for (int i = 0; i < cs->n; i++)
		if (strcmp(cs->names[i], name) == 0)
			return cs->handles[i];
	if (!c) {
		fc_errf(err, FC_ECONFIG, "unknown connection '%s'", name);
		return NULL;
	}
	if (cs->n == 16) {
		fc_errf(err, FC_ECONFIG, "more than 16 connections in use");
		return NULL;
	}
	h = c->kind == FC_CONN_MYSQL ? (void *)fc_mysql_open(c, err) : (void *)fc_pg_open(c, err);
	if (!h)
		return NULL;
	cs->names[cs->n] = name;
	cs->handles[cs->n] = h;
	cs->kinds[cs->n] = c->kind;
	cs->n++;
	return h;
}

static void conns_close(struct conns *cs)
{
	for (int i = 0; i < cs->n; i++) {
		if (cs->kinds[i] == FC_CONN_MYSQL)
			mysql_close(cs->handles[i]);
		else
			PQfinish(cs->handles[i]);
	}
	cs->n = 0;
}

static bool wanted(const struct map_entity *e, int argc, char **argv, int first)
{
	if (first >= argc)
		return true;
	for (int i = first; i < argc; i++)
		if (strcmp(argv[i], e->name) == 0)
			return true;
	return false;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
	                                       { NULL, 0, NULL, 0 } };
	const char *path = NULL;
	struct fc_config cfg;
	struct map_set set;
	struct conns cs = { 0 };
	struct fc_err err;
	int c, rc = CLI_OK, entities = 0, clean = 0, problems = 0, warnings = 0;
	bool color = isatty(1) && !getenv("NO_COLOR");
	const char *red = color ? "\033[31m" : "", *yellow = color ? "\033[33m" : "",
	           *green = color ? "\033[32m" : "", *off = color ? "\033[0m" : "";

	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		if (c == 'c')
			path = optarg;
		else
			return CLI_ERROR;
	}
	path = fc_config_default_path(path);
	if (fc_config_load(path, &cfg, &err))
		return cli_fail(argv[0], &err);
	if (map_set_load(&cfg, &set, &err)) {
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	for (int i = optind; i < argc; i++)
		if (!map_set_entity(&set, argv[i])) {
			rc = cli_usage_error(argv[0], "no entity '%s' in the mappings", argv[i]);
			goto out;
		}
	for (size_t i = 0; i < set.nfiles; i++) {
		const struct map_file *f = set.files[i];
		for (size_t j = 0; j < f->nentities; j++) {
			const struct map_entity *e = &f->entities[j];
			struct map_check res = { 0 };
			MYSQL *my;
			PGconn *pg;

			if (!wanted(e, argc, argv, optind))
				continue;
			if (!(my = conn_get(&cs, &cfg, f->source, &err)) ||
			    !(pg = conn_get(&cs, &cfg, f->target, &err)) ||
			    map_check_entity(e, my, pg, &res, &err)) {
				rc = cli_fail(argv[0], &err);
				map_check_release(&res);
				goto out;
			}
			entities++;
			problems += res.problems;
			warnings += res.warnings;
			if (res.problems == 0)
				clean++;
			printf("%s%-9s%s %s: %s -> %s (%s), %zu of %zu columns ok", 
			       res.problems ? red : res.warnings ? yellow : green,
			       res.problems ? "PROBLEMS" : res.warnings ? "ok, notes" : "ok", off,
			       e->name, e->from.text, e->to.text, f->path, res.columns_ok, res.columns);
			if (res.problems || res.warnings)
				printf(" (%d problem%s, %d warning%s)", res.problems,
				       res.problems == 1 ? "" : "s", res.warnings,
				       res.warnings == 1 ? "" : "s");
			printf("\n");
			for (size_t k = 0; k < res.n; k++)
				printf("  %s%-7s%s %s\n", res.items[k].level == MAP_PROBLEM ? red : yellow,
				       res.items[k].level == MAP_PROBLEM ? "problem" : "warning", off,
				       res.items[k].text);
			map_check_release(&res);
		}
	}
	printf("%d entit%s checked: %d clean, %d with problems; %d problem%s, %d warning%s\n",
	       entities, entities == 1 ? "y" : "ies", clean, entities - clean, problems,
	       problems == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
	rc = problems ? CLI_PROBLEMS : CLI_OK;
out:
	conns_close(&cs);
	map_set_release(&set);
	fc_config_release(&cfg);
	return rc;
}

const struct cli_cmd cli_cmd_mappings_check = {
	"mappings check",
	"check every mapping against the live legacy and target schemas",
	"usage: ficus mappings check [--config FILE] [ENTITY...]\n"
	"\n"
	"Connects to the legacy (MySQL/MariaDB) and target (PostgreSQL) databases\n"
	"each mapping file names and checks every entity (or only the ENTITYs\n"
	"given) against the live schemas:\n"
	"  - both tables exist; the legacy key and every mapped and watched column\n"
	"    exist; the target key has a primary key or unique index (sync upserts)\n"
	"  - each legacy column's values fit its target column: integer width and\n"
	"    sign, decimal precision and scale, text length, time fractions, zones\n"
	"    (a DATETIME into timestamptz needs 'timezone:'), value maps and casts\n"
	"  - NOT NULL target columns always get a value\n"
	"Findings name the mapping file, line and column. Problems lose or reject\n"
	"data; warnings are worth a look.\n"
	"\n"
	"  --config FILE   config file (default: $FICUS_CONFIG, else ./ficus.yaml)\n"
	"\n"
	"exit status: 0 no problems (warnings allowed), 1 problems found,\n"
	"2 errors (bad config or mapping, unreachable database)\n",
	run,
};
