/* cli/cmd_verify.c - `ficus verify`: do the legacy and the new store agree
 * (docs/verify.md)? */
#include "cli.h"

#include "../cdc/value.h"
#include "../lib/buf.h"
#include "../lib/config.h"
#include "../lib/mapping.h"
#include "../verify/verify.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct run_opts {
	struct vfy_opts v;
	bool json, repair, recheck;
	int grace, recheck_timeout;
	long watch;               /* seconds between runs, 0: once */
	const char *results;      /* --results FILE */
	long full_every;          /* --watch: every Nth round in full, default 10 */
	char **entities;          /* NULL: all */
	int nentities;
};

struct bar {
	bool tty;
};

static void show_bar(void *ctx, const char *entity, unsigned long long done, unsigned long long total)
{
	struct bar *b = ctx;
	int width = 30, fill;
	if (!b->tty)
		return;
	fill = total ? (int)(done * (unsigned long long)width / total) : width;
	if (fill > width)
		fill = width;
	fprintf(stderr, "\r  %-14s [%.*s%*s] %12llu rows", entity, fill,
	        "##############################", width - fill, "", done);
	fflush(stderr);
}

static bool wanted(const struct run_opts *o, const char *name)
{
	if (!o->entities)
		return true;
	for (int i = 0; i < o->nentities; i++)
		if (!strcmp(o->entities[i], name))
			return true;
	return false;
}

static const char *kind_name(enum vfy_kind k)
{
	return k == VFY_MISSING ? "missing" : k == VFY_EXTRA ? "extra" : "changed";
}

static void json_str(FILE *f, const char *s)
{
	struct fc_buf b = FC_BUF_INIT;
	if (!s) {
		fputs("null", f);
		return;
	}
	cdc_json_string(&b, s, strlen(s));
	fputs(b.ptr ? b.ptr : "null", f);
	fc_buf_release(&b);
}

static unsigned long long ndiff(const struct vfy_result *r)
{
	return r->missing + r->extra + r->changed;
}

static void print_json(FILE *f, struct vfy_result *rs, size_t n, unsigned long long run,
                       const char *note, unsigned long long repaired)
{
	unsigned long long total = 0;
	bool error = false;
	char when[32];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(f, "{\"finished_at\":\"%s\",\"run\":%llu,\"entities\":[", when, run);
	for (size_t i = 0; i < n; i++) {
		struct vfy_result *r = &rs[i];
		total += ndiff(r);
		error = error || r->error;
		fprintf(f, "%s{\"entity\":", i ? "," : "");
		json_str(f, r->e->name);
		fprintf(f, ",\"status\":\"%s\",\"legacy_rows\":%llu,\"new_rows\":%llu,\"missing\":%llu,"
		        "\"extra\":%llu,\"changed\":%llu,\"segments\":%llu,\"rows_fetched\":%llu,"
		        "\"rechecked\":%llu,\"duration_ms\":%lld,\"checked\":\"%s\",\"keys_checked\":%llu,"
		        "\"error\":",
		        r->error ? "error" : ndiff(r) ? "diverged" : "equal", r->legacy_rows, r->new_rows,
		        r->missing, r->extra, r->changed, r->segments, r->fetched, r->rechecked,
		        r->duration_ms, r->incremental ? "changed keys" : "all", r->keys_checked);
		json_str(f, r->error ? r->errmsg : NULL);
		fputs(",\"differences\":[", f);
		for (size_t j = 0; j < r->ndiffs; j++) {
			const struct vfy_diff *d = &r->diffs[j];
			fprintf(f, "%s{\"kind\":\"%s\",\"key\":%s", j ? "," : "", kind_name(d->kind),
			        d->key_json ? d->key_json : "null");
			if (d->ncols) {
				fputs(",\"columns\":[", f);
				for (size_t c = 0; c < d->ncols; c++) {
					fprintf(f, "%s{\"column\":", c ? "," : "");
					json_str(f, d->cols[c].column);
					fputs(",\"legacy\":", f);
					json_str(f, d->cols[c].legacy);
					fputs(",\"new\":", f);
					json_str(f, d->cols[c].target);
					fputc('}', f);
				}
				fputc(']', f);
			}
			fputc('}', f);
		}
		fprintf(f, "],\"differences_kept\":%zu}", r->ndiffs);
	}
	fprintf(f, "],\"differences\":%llu,\"equal\":%s,\"errors\":%s,\"repair_events\":%llu,\"note\":",
	        total, total || error ? "false" : "true", error ? "true" : "false", repaired);
	json_str(f, note && *note ? note : NULL);
	fputs("}\n", f);
}

static void print_value(const char *v)
{
	if (v)
		printf("\"%s\"", v);
	else
		printf("NULL");
}

static void print_human(struct vfy_result *rs, size_t n, const char *note, unsigned long long repaired)
{
	unsigned long long total = 0;
	for (size_t i = 0; i < n; i++) {
		struct vfy_result *r = &rs[i];
		total += ndiff(r);
		if (r->error) {
			printf("verify: %-14s ERROR: %s\n", r->e->name, r->errmsg);
			continue;
		}
		if (r->incremental)
			printf("verify: %-14s %llu changed keys: ", r->e->name, r->keys_checked);
		else
			printf("verify: %-14s %llu legacy rows, %llu new rows: ", r->e->name, r->legacy_rows,
			       r->new_rows);
		if (!ndiff(r)) {
			printf("equal (%.1f s)\n", (double)r->duration_ms / 1000.0);
			continue;
		}
		printf("%llu differences (%llu missing in new, %llu extra in new, %llu changed)\n", ndiff(r),
		       r->missing, r->extra, r->changed);
		for (size_t j = 0; j < r->ndiffs; j++) {
			const struct vfy_diff *d = &r->diffs[j];
			printf("  %-15s %s", d->kind == VFY_MISSING ? "missing in new" :
			       d->kind == VFY_EXTRA ? "extra in new" : "changed", d->key_json);
			for (size_t c = 0; c < d->ncols; c++) {
				printf("%s%s: legacy ", c ? "; " : "  ", d->cols[c].column);
				print_value(d->cols[c].legacy);
				printf(", new ");
				print_value(d->cols[c].target);
			}
			putchar('\n');
		}
		if (r->ndiffs < ndiff(r))
			printf("  ... and %llu more (--max-diffs)\n", ndiff(r) - r->ndiffs);
	}
	if (note && *note)
		printf("verify: %s\n", note);
	if (repaired)
		printf("verify: repair: %llu events sent (sync fetches those keys again)\n", repaired);
	printf("verify: %zu entities, %llu differences\n", n, total);
	fflush(stdout);
}

static int write_results(const char *path, struct vfy_result *rs, size_t n, unsigned long long run,
                         const char *note, unsigned long long repaired, struct fc_err *err)
{
	char tmp[4096];
	FILE *f;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!(f = fopen(tmp, "w")))
		return fc_errf(err, FC_EIO, "--results %s: cannot write: %m", path);
	print_json(f, rs, n, run, note, repaired);
	if (fclose(f) || rename(tmp, path))
		return fc_errf(err, FC_EIO, "--results %s: cannot write: %m", path);
	return 0;
}

/* What a --watch round hands to the next, per entity (in mapping order):
 * the keys that differed, and the row counts of the last full round. */
struct carry {
	char **keys;              /* nkeys * e->nkey strings, owned */
	size_t nkeys;
	unsigned long long legacy_rows, new_rows;
};

/* A round that compares only keys changed since the last one: the
 * outbox events with from < seq <= to, and the keys that differed. */
struct watch {
	struct carry *carry;
	bool incremental;
	long long from, to;
};

#define CHANGED_MAX 100000   /* more changed keys: the entity is verified in full */

static void carry_release(struct carry *c, size_t nkey)
{
	for (size_t i = 0; i < c->nkeys * nkey; i++)
		free(c->keys[i]);
	free(c->keys);
	c->keys = NULL;
	c->nkeys = 0;
}

/* The entity's changed keys and its carried ones, compared; or, with too
 * many changes, the whole entity. */
static void verify_changed(const struct fc_config *cfg, struct vfy_conns *c, const struct map_entity *e,
                           const struct vfy_opts *vo, const struct watch *w, struct carry *cy,
                           struct vfy_result *r)
{
	struct fc_err err;
	char **keys = NULL;
	size_t n = 0, nk = e->nkey;
	int got = vfy_changed_keys(cfg, e, w->from, w->to, CHANGED_MAX, &keys, &n, &err);
	if (got == 1) {
		vfy_entity(c, e, vo, r, &err);
		return;
	}
	if (got < 0) {
		memset(r, 0, sizeof *r);
		r->e = e;
		r->error = true;
		snprintf(r->errmsg, sizeof r->errmsg, "%s", err.msg);
		return;
	}
	/* the keys that differed last time, unless they changed again anyway */
	if (cy->nkeys) {
		char **all = realloc(keys, (n + cy->nkeys) * nk * sizeof *all + 1);
		if (all) {
			keys = all;
			for (size_t i = 0; i < cy->nkeys; i++) {
				bool dup = false;
				for (size_t j = 0; j < n && !dup; j++) {
					dup = true;
					for (size_t k = 0; k < nk && dup; k++)
						dup = !strcmp(keys[j * nk + k], cy->keys[i * nk + k]);
				}
				for (size_t k = 0; !dup && k < nk; k++)
					keys[n * nk + k] = strdup(cy->keys[i * nk + k]);
				n += !dup;
			}
		}
	}
	vfy_keys(c, e, vo, (const char *const *)keys, n, r, &err);
	r->legacy_rows = cy->legacy_rows;
	r->new_rows = cy->new_rows;
	for (size_t i = 0; i < n * nk; i++)
		free(keys[i]);
	free(keys);
}

/* One round over the wanted entities: compare, recheck, repair, store.
 * w: --watch's state, or NULL. Returns the exit code. */
static int round_once(const char *cmd, const struct fc_config *cfg, const struct map_set *maps,
                      struct run_opts *o, unsigned long long run, struct watch *w)
{
	struct vfy_conns *conns = calloc(maps->nfiles, sizeof *conns);
	struct vfy_result *rs;
	struct vfy_result **diverged;
	size_t n = 0, ndiv = 0, total = 0, idx = 0, *at;
	unsigned long long repaired = 0;
	char note[FC_ERR_MSG_MAX + 64] = "";
	struct bar bar = { isatty(2) && !o->json };
	struct fc_err err;
	int rc = CLI_OK;

	for (size_t f = 0; f < maps->nfiles; f++)
		total += maps->files[f]->nentities;
	rs = calloc(total + 1, sizeof *rs);
	diverged = calloc(total + 1, sizeof *diverged);
	at = calloc(total + 1, sizeof *at);   /* rs[i] is entity at[i] in mapping order */
	if (!conns || !rs || !diverged || !at) {
		fc_errf(&err, FC_ENOMEM, "out of memory");
		rc = cli_fail(cmd, &err);
		goto out;
	}
	o->v.progress = show_bar;
	o->v.ctx = &bar;
	for (size_t f = 0; f < maps->nfiles && !stop_flag; f++) {
		const struct map_file *mf = maps->files[f];
		bool any = false;
		for (size_t j = 0; j < mf->nentities; j++)
			any = any || wanted(o, mf->entities[j].name);
		if (!any) {
			idx += mf->nentities;
			continue;
		}
		if (vfy_open(&conns[f], cfg, mf, &err)) {
			rc = cli_fail(cmd, &err);
			goto out;
		}
		for (size_t j = 0; j < mf->nentities && !stop_flag; j++) {
			const struct map_entity *e = &mf->entities[j];
			if (!wanted(o, e->name)) {
				idx++;
				continue;
			}
			if (w && w->incremental)
				verify_changed(cfg, &conns[f], e, &o->v, w, &w->carry[idx], &rs[n]);
			else
				vfy_entity(&conns[f], e, &o->v, &rs[n], &err);
			if (bar.tty)
				fputs("\r\033[K", stderr);
			at[n++] = idx++;
		}
	}
	/* lag-aware: differences found while the pipeline may be behind are
	 * looked at again once it has moved past the end of this pass */
	for (size_t i = 0; i < n; i++)
		if (!rs[i].error && rs[i].ndiffs)
			diverged[ndiv++] = &rs[i];
	/* up to three rounds: a key written again while it was rechecked is
	 * behind again, a real divergence stays */
	for (int round = 0; ndiv && o->recheck && !stop_flag && round < 3; round++) {
		const char *how = "grace";
		MYSQL *my = NULL;
		size_t left = 0;
		for (size_t f = 0; f < maps->nfiles && !my; f++)
			my = conns[f].my;
		bool timed_out = false;
		if (vfy_wait_pipeline(cfg, my, o->grace, o->recheck_timeout, &how, &stop_flag, &err)) {
			snprintf(note, sizeof note, "rechecked without waiting longer: %s", err.msg);
			timed_out = true;
		}
		for (size_t i = 0; i < ndiv; i++) {
			struct vfy_conns *c = NULL;
			for (size_t f = 0; f < maps->nfiles && !c; f++)
				if (diverged[i]->e->file == maps->files[f])
					c = &conns[f];
			if (c && vfy_recheck(c, &o->v, diverged[i], &err)) {
				diverged[i]->error = true;
				snprintf(diverged[i]->errmsg, sizeof diverged[i]->errmsg, "%s", err.msg);
			}
			if (!diverged[i]->error && diverged[i]->ndiffs)
				diverged[left++] = diverged[i];
		}
		ndiv = left;
		if (!timed_out)
			snprintf(note, sizeof note, "differences rechecked %d time%s, after %s", round + 1,
			         round ? "s" : "", !strcmp(how, "pipeline") ? "the cdc/sync pipeline caught up"
			                                                      : "the grace period");
		if (strcmp(how, "pipeline") || timed_out)
			break;   /* without a pipeline, waiting again changes nothing */
	}
	if (o->repair) {
		size_t nrep = 0;
		for (size_t i = 0; i < n; i++)
			if (!rs[i].error && rs[i].ndiffs)
				diverged[nrep++] = &rs[i];
		if (nrep && vfy_repair(cfg, diverged, nrep, &repaired, &err)) {
			cli_fail(cmd, &err);
			rc = CLI_ERROR;
		}
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t f = 0; f < maps->nfiles; f++)
			if (rs[i].e->file == maps->files[f] && conns[f].pg && vfy_store(conns[f].pg, &rs[i], &err)) {
				cli_fail(cmd, &err);
				rc = CLI_ERROR;
			}
	}
	if (o->json)
		print_json(stdout, rs, n, run, note, repaired);
	else
		print_human(rs, n, note, repaired);
	fflush(stdout);
	if (o->results && write_results(o->results, rs, n, run, note, repaired, &err)) {
		cli_fail(cmd, &err);
		rc = CLI_ERROR;
	}
	for (size_t i = 0; i < n && rc != CLI_ERROR; i++) {
		if (rs[i].error)
			rc = CLI_ERROR;
		else if (ndiff(&rs[i]))
			rc = CLI_PROBLEMS;
	}
	if (rc == CLI_ERROR)
		for (size_t i = 0; i < n; i++)
			if (rs[i].error && !o->json)
				fprintf(stderr, "ficus %s: error: %s\n", cmd, rs[i].errmsg);
	/* what the next --watch round needs */
	for (size_t i = 0; w && i < n; i++) {
		struct carry *cy = &w->carry[at[i]];
		size_t nk = rs[i].e->nkey;
		carry_release(cy, nk);
		if (!rs[i].incremental && !rs[i].error) {
			cy->legacy_rows = rs[i].legacy_rows;
			cy->new_rows = rs[i].new_rows;
		}
		if (rs[i].ndiffs && (cy->keys = calloc(rs[i].ndiffs * nk, sizeof *cy->keys))) {
			for (size_t d = 0; d < rs[i].ndiffs; d++)
				for (size_t k = 0; k < nk; k++)
					cy->keys[d * nk + k] = strdup(rs[i].diffs[d].key[k]);
			cy->nkeys = rs[i].ndiffs;
		}
	}
out:
	for (size_t i = 0; rs && i < n; i++)
		vfy_result_release(&rs[i]);
	for (size_t f = 0; conns && f < maps->nfiles; f++)
		vfy_close(&conns[f]);
	free(conns);
	free(rs);
	free(diverged);
	free(at);
	return rc;
}

static int run(int argc, char **argv)
{
	enum { O_FORMAT = 1000, O_SEG, O_FACTOR, O_THRESHOLD, O_FLOAT, O_MAXD, O_GRACE, O_RTO,
	       O_NORECHECK, O_REPAIR, O_WATCH, O_RESULTS, O_FULL };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "segment-rows", required_argument, NULL, O_SEG },
		{ "factor", required_argument, NULL, O_FACTOR },
		{ "threshold", required_argument, NULL, O_THRESHOLD },
		{ "float-digits", required_argument, NULL, O_FLOAT },
		{ "max-diffs", required_argument, NULL, O_MAXD },
		{ "grace", required_argument, NULL, O_GRACE },
		{ "recheck-timeout", required_argument, NULL, O_RTO },
		{ "no-recheck", no_argument, NULL, O_NORECHECK },
		{ "repair", no_argument, NULL, O_REPAIR },
		{ "watch", required_argument, NULL, O_WATCH },
		{ "results", required_argument, NULL, O_RESULTS },
		{ "full-every", required_argument, NULL, O_FULL },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL;
	struct run_opts o;
	struct fc_config cfg;
	struct map_set maps;
	struct fc_err err;
	struct sigaction sa;
	unsigned long long runs = 0;
	long long v;
	int c, rc = CLI_OK;

	memset(&o, 0, sizeof o);
	vfy_opts_init(&o.v);
	o.recheck = true;
	o.recheck_timeout = 30;
	o.full_every = 10;
	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case O_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "human"))
				return cli_usage_error(argv[0], "--format is human or json, not '%s'", optarg);
			o.json = !strcmp(optarg, "json");
			break;
		case O_SEG:
		case O_FACTOR:
		case O_THRESHOLD:
		case O_MAXD:
			if ((v = cli_uint(argv[0], opts[c - O_FORMAT + 1].name, optarg, 100000000)) < 0)
				return CLI_ERROR;
			if (v < (c == O_FACTOR ? 2 : 1))
				return cli_usage_error(argv[0], "--%s must be at least %d",
				                       opts[c - O_FORMAT + 1].name, c == O_FACTOR ? 2 : 1);
			if (c == O_SEG)
				o.v.segment_rows = (size_t)v;
			else if (c == O_FACTOR)
				o.v.factor = (size_t)v;
			else if (c == O_THRESHOLD)
				o.v.threshold = (size_t)v;
			else
				o.v.max_diffs = (size_t)v;
			break;
		case O_FLOAT:
			if ((v = cli_uint(argv[0], "float-digits", optarg, 30)) < 0)
				return CLI_ERROR;
			o.v.float_digits = (int)v;
			break;
		case O_GRACE:
		case O_RTO:
			if ((v = cli_uint(argv[0], c == O_GRACE ? "grace" : "recheck-timeout", optarg, 86400)) < 0)
				return CLI_ERROR;
			if (c == O_GRACE)
				o.grace = (int)v;
			else
				o.recheck_timeout = (int)v;
			break;
		case O_NORECHECK: o.recheck = false; break;
		case O_REPAIR: o.repair = true; break;
		case O_WATCH:
			if ((o.watch = (long)cli_uint(argv[0], "watch", optarg, 86400)) < 1)
				return o.watch < 0 ? CLI_ERROR
				                   : cli_usage_error(argv[0], "--watch takes seconds, at least 1");
			break;
		case O_RESULTS: o.results = optarg; break;
		case O_FULL:
			if ((o.full_every = (long)cli_uint(argv[0], "full-every", optarg, 1000000)) < 1)
				return o.full_every < 0 ? CLI_ERROR
				                        : cli_usage_error(argv[0], "--full-every is at least 1");
			break;
		default: return CLI_ERROR;
		}
	}
	if (optind < argc) {
		o.entities = argv + optind;
		o.nentities = argc - optind;
	}
	if (fc_config_load(fc_config_default_path(cfg_path), &cfg, &err))
		return cli_fail(argv[0], &err);
	if (map_set_load(&cfg, &maps, &err)) {
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	for (int i = 0; i < o.nentities; i++)
		if (!map_set_entity(&maps, o.entities[i])) {
			rc = cli_usage_error(argv[0], "no entity '%s' in the mappings", o.entities[i]);
			goto out;
		}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!o.watch) {
		rc = round_once(argv[0], &cfg, &maps, &o, ++runs, NULL);
		goto out;
	}
	{
		/* --watch: a full round every full_every rounds; in between, with an
		 * outbox, only the keys whose events came since the last round and
		 * those that differed */
		size_t total = 0;
		struct watch w = { NULL, false, 0, 0 };
		for (size_t f = 0; f < maps.nfiles; f++)
			total += maps.files[f]->nentities;
		w.carry = calloc(total + 1, sizeof *w.carry);
		w.from = vfy_outbox_seq(&cfg, &err);
		while (w.carry && !stop_flag) {
			long long to = w.from >= 0 ? vfy_outbox_seq(&cfg, &err) : -1;
			w.incremental = runs % (unsigned long long)o.full_every != 0 && w.from >= 0 && to >= 0;
			w.to = to;
			rc = round_once(argv[0], &cfg, &maps, &o, ++runs, &w);
			if (to >= 0)
				w.from = to;
			for (long s = 0; !stop_flag && s < o.watch * 10; s++)
				usleep(100000);
		}
		for (size_t f = 0, i = 0; w.carry && f < maps.nfiles; f++)
			for (size_t j = 0; j < maps.files[f]->nentities; j++)
				carry_release(&w.carry[i++], maps.files[f]->entities[j].nkey);
		free(w.carry);
	}
out:
	map_set_release(&maps);
	fc_config_release(&cfg);
	return rc;
}

const struct cli_cmd cli_cmd_verify = {
	"verify",
	"compare the legacy rows (mapped) with the target's, by key; --repair re-sends events",
	"usage: ficus verify [--config FILE] [--format human|json] [ENTITY...]\n"
	"                    [--segment-rows N] [--factor N] [--threshold N]\n"
	"                    [--float-digits N] [--max-diffs N]\n"
	"                    [--grace SECONDS] [--recheck-timeout SECONDS] [--no-recheck]\n"
	"                    [--repair] [--watch SECONDS [--full-every N]] [--results FILE]\n"
	"\n"
	"Compares, per mapping entity (all, or the ENTITYs named), the legacy rows\n"
	"transformed per mapping (renames, trim, null_if, value maps, zero dates,\n"
	"timezones, charsets) with the target rows, by key. Both databases render\n"
	"each value in one canonical text form and compare counts and hashes per key range of\n"
	"--segment-rows legacy rows (1000), queried in parallel; a range that\n"
	"differs is split into --factor parts (8), recursively, and its rows are\n"
	"fetched and compared once it holds at most --threshold rows (1000). Floats\n"
	"compare at --float-digits decimals (6). The first --max-diffs (1000)\n"
	"differences of each entity are kept and shown: missing in new, extra in\n"
	"new, or changed (columns with both values).\n"
	"\n"
	"Differences are checked again before they are reported: after the cdc/sync\n"
	"pipeline (cdc.sink outbox or nats, and sync) has passed the moment of the\n"
	"first check (at most --recheck-timeout, 30 s), or after --grace seconds\n"
	"(0) without a pipeline. --no-recheck reports the first pass.\n"
	"--repair sends a zero-payload event (op \"repair\") for each difference through\n"
	"cdc.sink, so that sync fetches those keys again.\n"
	"Each entity's outcome is stored in the target (ficus.verify_results).\n"
	"--watch SECONDS verifies again every SECONDS until SIGINT/SIGTERM; with an\n"
	"outbox (cdc.sink), only every --full-every'th round (10) compares everything,\n"
	"the others only the keys whose events came since the round before and\n"
	"those that differed. --results FILE gets each round's JSON report.\n"
	"A progress bar goes to stderr on a terminal; --format json prints one JSON\n"
	"object on stdout.\n"
	"exit status: 0 equal, 1 differences remain, 2 usage error or failure\n"
	"(unreachable database, bad mapping, missing table)\n",
	run,
};
