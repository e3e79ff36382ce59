/* cli/cmd_sync.c - `ficus sync`: keep the read models in the target up to
 * date from the events (docs/sync.md). */
#include "cli.h"

#include "../cdc/sync.h"
#include "../lib/config.h"
#include "../lib/db.h"
#include "../lib/mapping.h"

#include <errno.h>
#include <nats/nats.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct progress {
	const char *entity;
	bool tty;
};

static void show_progress(void *ctx, unsigned long long done)
{
	struct progress *p = ctx;
	if (p->tty)
		fprintf(stderr, "\r  %-14s %12llu rows", p->entity, done);
}

/* One entity's backfill in a child process, with its own connections:
 * prints its line, writes its row count to fd, exits 0 (2 on errors, which
 * it prints). */
static void backfill_child(const char *cmd, const struct fc_config *cfg, const struct map_set *maps,
                           const struct map_entity *e, size_t batch, int fd)
{
	struct cdc_sync s;
	struct fc_err err;
	unsigned long long rows;
	int rc = CLI_OK;

	if (cdc_sync_open(&s, cfg, maps, false, &err)) {
		cli_fail(cmd, &err);
		fflush(NULL);
		_exit(CLI_ERROR);
	}
	if (cdc_sync_backfill(&s, e, batch, NULL, NULL, &err))
		rc = cli_fail(cmd, &err);
	rows = s.upserts;
	cdc_sync_close(&s);
	if (rc == CLI_OK) {
		printf("  %-14s %12llu rows -> %s\n", e->name, rows, e->to.text);
		if (write(fd, &rows, sizeof rows) != (ssize_t)sizeof rows)
			rc = CLI_ERROR;
	}
	fflush(NULL);
	_exit(rc);
}

/* The legacy table's estimated row count (InnoDB's TABLE_ROWS), 0 when
 * unknown: only to start the biggest entities first. */
static unsigned long long estimated_rows(MYSQL *my, const struct map_entity *e)
{
	struct fc_buf q = FC_BUF_INIT;
	unsigned long long n = 0;
	MYSQL_RES *res;
	MYSQL_ROW row;

	fc_buf_puts(&q, "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ");
	if (e->from.schema[0])
		fc_literal_mysql(&q, e->from.schema);
	else
		fc_buf_puts(&q, "DATABASE()");
	fc_buf_puts(&q, " AND TABLE_NAME = ");
	fc_literal_mysql(&q, e->from.name);
	if (my && q.ptr && mysql_real_query(my, q.ptr, q.len) == 0 && (res = mysql_store_result(my))) {
		if ((row = mysql_fetch_row(res)) && row[0])
			n = strtoull(row[0], NULL, 10);
		mysql_free_result(res);
	}
	fc_buf_release(&q);
	return n;
}

/* Waits for one child: counts it out and fails *rc if it failed. false
 * when there is none left to wait for. */
static bool reap(int *running, int *rc)
{
	int status;
	pid_t pid = wait(&status);

	if (pid < 0)
		return errno == EINTR;
	(*running)--;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		*rc = CLI_ERROR;
	return true;
}

struct job {
	const struct map_entity *e;
	unsigned long long rows;
};

static int bigger_first(const void *a, const void *b)
{
	const struct job *x = a, *y = b;
	return x->rows < y->rows ? 1 : x->rows > y->rows ? -1 : 0;
}

/* --backfill --jobs N: the entities (or --entity E), up to N at a time,
 * each in its own process, the biggest tables first: the legacy reads of
 * one overlap the target writes of another. Stops starting new ones after
 * a failure or a signal. */
static int backfill_parallel(const char *cmd, const struct fc_config *cfg, const struct map_set *maps,
                             const char *entity, size_t batch, long long jobs)
{
	unsigned long long total = 0, rows;
	int running = 0, rc = CLI_OK, fds[2];
	struct job *list;
	size_t n = 0, cap = 0;
	struct fc_err err;
	MYSQL *my;
	pid_t pid;

	for (size_t f = 0; f < maps->nfiles; f++)
		cap += maps->files[f]->nentities;
	if (!(list = calloc(cap ? cap : 1, sizeof *list))) {
		fprintf(stderr, "ficus %s: error: out of memory\n", cmd);
		return CLI_ERROR;
	}
	my = fc_mysql_open(fc_config_conn(cfg, cfg->sync.source), &err);   /* errors: in the children */
	for (size_t f = 0; f < maps->nfiles; f++)
		for (size_t j = 0; j < maps->files[f]->nentities; j++) {
			const struct map_entity *e = &maps->files[f]->entities[j];
			if (entity && strcmp(entity, e->name))
				continue;
			list[n].e = e;
			list[n++].rows = estimated_rows(my, e);
		}
	if (my)
		mysql_close(my);
	qsort(list, n, sizeof *list, bigger_first);
	if (pipe(fds) != 0) {
		fprintf(stderr, "ficus %s: error: pipe: %s\n", cmd, strerror(errno));
		free(list);
		return CLI_ERROR;
	}
	fflush(NULL);
	for (size_t i = 0; i < n && rc == CLI_OK && !stop_flag; i++) {
		while (running >= jobs && reap(&running, &rc))
			;
		if (rc != CLI_OK || stop_flag)
			break;
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "ficus %s: error: fork: %s\n", cmd, strerror(errno));
			rc = CLI_ERROR;
			break;
		}
		if (pid == 0) {
			close(fds[0]);
			backfill_child(cmd, cfg, maps, list[i].e, batch, fds[1]);
		}
		running++;
	}
	free(list);
	while (running > 0 && reap(&running, &rc))
		;
	close(fds[1]);
	while (read(fds[0], &rows, sizeof rows) == (ssize_t)sizeof rows)
		total += rows;
	close(fds[0]);
	if (rc == CLI_OK && stop_flag)
		rc = CLI_ERROR;
	if (rc == CLI_OK)
		printf("backfill: %llu rows upserted\n", total);
	return rc;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "backfill", no_argument, NULL, 'b' },
		{ "entity", required_argument, NULL, 'e' },
		{ "once", no_argument, NULL, 'o' },
		{ "batch", required_argument, NULL, 'n' },
		{ "stdin", no_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *entity = NULL;
	bool backfill = false, once = false, from_stdin = false;
	long long batch = 0, jobs = 2;   /* batch: 1000 events, 5000 backfill rows */
	struct fc_config cfg;
	struct map_set maps;
	struct cdc_sync s;
	struct fc_err err;
	struct sigaction sa;
	int c, rc = CLI_OK;

	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'b': backfill = true; break;
		case 'e': entity = optarg; break;
		case 'o': once = true; break;
		case 's': from_stdin = true; break;
		case 'j':
			if ((jobs = cli_uint(argv[0], "--jobs", optarg, 64)) < 1)
				return jobs == 0 ? cli_usage_error(argv[0], "--jobs must be at least 1") : CLI_ERROR;
			break;
		case 'n':
			if ((batch = cli_uint(argv[0], "--batch", optarg, 1000000)) < 1)
				return batch == 0 ? cli_usage_error(argv[0], "--batch must be at least 1") : CLI_ERROR;
			break;
		default:
			return CLI_ERROR;
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (entity && !backfill)
		return cli_usage_error(argv[0], "--entity goes with --backfill");
	if (fc_config_load(fc_config_default_path(cfg_path), &cfg, &err))
		return cli_fail(argv[0], &err);
	if (map_set_load(&cfg, &maps, &err)) {
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	if (entity && !map_set_entity(&maps, entity)) {
		rc = cli_usage_error(argv[0], "no entity '%s' in the mappings", entity);
		goto out;
	}
	if (from_stdin && (backfill || once))
		return cli_usage_error(argv[0], "--stdin reads events until the end of input: no "
		                       "--backfill or --once with it");
	if (batch == 0)
		batch = backfill ? 5000 : 1000;
	if (backfill && jobs > 1) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		rc = backfill_parallel(argv[0], &cfg, &maps, entity, (size_t)batch, jobs);
		goto out;
	}
	if (cdc_sync_open(&s, &cfg, &maps, !backfill && !from_stdin, &err)) {
		rc = cli_fail(argv[0], &err);
		goto close;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (from_stdin) {
		if (cdc_sync_stdin(&s, stdin, (size_t)batch, &err))
			rc = cli_fail(argv[0], &err);
		else
			printf("sync: %llu events applied (%llu upserts, %llu deletes)\n", s.events, s.upserts,
			       s.deletes);
	} else if (backfill) {
		struct progress p = { NULL, isatty(2) };
		for (size_t f = 0; f < maps.nfiles && rc == CLI_OK && !stop_flag; f++)
			for (size_t j = 0; j < maps.files[f]->nentities && rc == CLI_OK && !stop_flag; j++) {
				const struct map_entity *e = &maps.files[f]->entities[j];
				unsigned long long before = s.upserts;
				if (entity && strcmp(entity, e->name))
					continue;
				p.entity = e->name;
				if (cdc_sync_backfill(&s, e, (size_t)batch, show_progress, &p, &err)) {
					if (p.tty)
						fputc('\n', stderr);
					rc = cli_fail(argv[0], &err);
					break;
				}
				if (p.tty)
					fputc('\r', stderr);
				printf("  %-14s %12llu rows -> %s\n", e->name, s.upserts - before, e->to.text);
			}
		if (rc == CLI_OK)
			printf("backfill: %llu rows upserted\n", s.upserts);
	} else {
		if (cdc_sync_consume(&s, (size_t)batch, once, &stop_flag, &err))
			rc = cli_fail(argv[0], &err);
		else
			printf("sync: %llu events applied (%llu upserts, %llu deletes), outbox position %lld%s\n",
			       s.events, s.upserts, s.deletes, s.position,
			       s.polling ? " (polling: the bus is down)" : "");
	}
close:
	cdc_sync_close(&s);
out:
	map_set_release(&maps);
	fc_config_release(&cfg);
	return rc;
}

const struct cli_cmd cli_cmd_sync = {
	"sync",
	"keep the target's read models up to date from the events (or --backfill)",
	"usage: ficus sync [--config FILE] [--once] [--batch N]\n"
	"       ficus sync --backfill [--entity E] [--batch N] [--jobs N] [--config FILE]\n"
	"       ficus sync --stdin [--batch N] [--config FILE] < events.jsonl\n"
	"\n"
	"Consumes the events of the PostgreSQL outbox (sync.bus: outbox) after its\n"
	"position, in batches of --batch (1000): for each entity, fetches the\n"
	"current legacy rows of the batch's keys (sync.source), transforms them per\n"
	"mapping (rename, trim, null_if, value maps and defaults, zero dates as\n"
	"NULL, timezones, casts) and upserts them into the target (sync.target);\n"
	"keys whose legacy row is gone are deleted. The batch and the position\n"
	"(ficus.consumers, name 'sync') commit together: replaying events, in any\n"
	"order, any number of times, converges to the same state. Caught up, it\n"
	"waits for NOTIFY ficus_outbox; --once stops instead.\n"
	"\n"
	"--backfill loads every row of every entity (or --entity E) by key ranges\n"
	"of --batch rows (5000), --jobs entities at a time (2; each in its own process\n"
	"with its own connections), a line per entity as it ends; --jobs 1 goes\n"
	"one entity at a time with a progress line on a terminal.\n"
	"--stdin applies events given as JSON lines (e.g. from 'ficus cdc read' or a\n"
	"JSON-lines sink), --batch at a time, each batch in one transaction.\n"
	"SIGINT or SIGTERM stop it between batches.\n"
	"exit status: 0 ok, 2 usage error or failure\n",
	run,
};

static int status(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
	                                       { NULL, 0, NULL, 0 } };
	const char *cfg_path = NULL;
	struct fc_config cfg;
	struct sync_status st;
	struct fc_err err;
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
	if (sync_status_get(&cfg, &st, &err)) {
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	cli_print_sync_status(stdout, &st);
	fc_config_release(&cfg);
	return st.target.up && (!st.bus_kind || st.bus.up) ? CLI_OK : CLI_PROBLEMS;
}

const struct cli_cmd cli_cmd_sync_status = {
	"sync status",
	"sync's position, lag (events and seconds) and bus health",
	"usage: ficus sync status [--config FILE]\n"
	"\n"
	"Shows where sync stands: its outbox position (ficus.consumers in the\n"
	"target), how many events are waiting and how old the oldest is, and\n"
	"whether the target and the bus answer (DOWN with the reason if not).\n"
	"exit status: 0 ok, 1 something is down, 2 usage error or failure\n",
	status,
};
