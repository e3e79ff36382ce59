/* cli/cmd_status.c - `ficus status [--json]`: the operator's one screen.
 * cdc (source position, checkpoint, lag), the bus, sync (position, lag,
 * mode), the router's routes (from its admin API) and the last verify
 * result per entity (ficus.verify_results in the target). Each part is
 * asked on its own; one that is down is shown DOWN with the reason, and the
 * rest still shows. */
#include "cli.h"

#include "../cdc/value.h"
#include "../lib/buf.h"
#include "../lib/config.h"
#include "../lib/db.h"
#include "../verify/verify.h"
#include "status_router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------- verify */

struct vf_part {
	struct st_part db;
	size_t n;
	struct vfy_stored *rows;    /* the last result per entity (verify/verify.h) */
};

/* Seconds since an ISO-8601 UTC time ("2026-11-25T03:53:02Z"); -1 if not one. */
static long long age_of(const char *iso)
{
	struct tm tm = { 0 };
	const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
	return end ? (long long)(time(NULL) - timegm(&tm)) : -1;
}

static void verify_get(const struct fc_config *cfg, struct vf_part *v)
{
	const char *name = fc_config_target_conn(cfg, NULL);
	const struct fc_conn *c = name ? fc_config_conn(cfg, name) : NULL;
	struct fc_err err = { 0 };
	PGconn *pg;

	memset(v, 0, sizeof *v);
	v->db.known = c != NULL;
	if (!c)
		return;
	v->db.name = c->name;
	v->db.shown = c->shown;
	if (!(pg = fc_pg_open(c, &err)) || vfy_last_results(pg, &v->rows, &v->n, &err)) {
		snprintf(v->db.error, sizeof v->db.error, "%s", err.msg);
		v->rows = NULL;
		v->n = 0;
	} else {
		v->db.up = true;
	}
	if (pg)
		PQfinish(pg);
}

static const char *ago(long long s, char *out, size_t n)
{
	if (s < 0)
		snprintf(out, n, "?");
	else if (s < 120)
		snprintf(out, n, "%lld s ago", s);
	else if (s < 7200)
		snprintf(out, n, "%lld min ago", s / 60);
	else if (s < 172800)
		snprintf(out, n, "%lld h ago", s / 3600);
	else
		snprintf(out, n, "%lld days ago", s / 86400);
	return out;
}

/* -------------------------------------------------------------- human */

static void human(const struct fc_config *cfg, const struct cdc_status *cs,
                  const struct sync_status *ss, const struct rt_status *rs,
                  const struct vf_part *vf)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("ficus status - %s - %s\n", cfg->path, when);

	printf("\n[cdc]\n");
	if (cs)
		cli_print_cdc_status(stdout, cs);
	else
		printf("not configured (no 'cdc' section)\n");

	printf("\n[sync]\n");
	if (ss)
		cli_print_sync_status(stdout, ss);
	else
		printf("not configured (no 'sync' section)\n");

	printf("\n[router]\n");
	if (!rs)
		printf("not configured (no 'router' section)\n");
	else
		rt_status_print(stdout, rs);

	printf("\n[verify]\n");
	if (!vf->db.known)
		printf("no target connection (sync.target) to read results from\n");
	else if (!vf->db.up)
		printf("results on %s: DOWN (%s)\n", vf->db.name, vf->db.error);
	else if (!vf->n)
		printf("no verify run yet (ficus verify)\n");
	else {
		printf("%-16s %-9s %-12s %10s %10s %8s %8s %8s\n", "entity", "result", "when", "legacy",
		       "new", "missing", "extra", "changed");
		for (size_t i = 0; i < vf->n; i++) {
			const struct vfy_stored *x = &vf->rows[i];
			char a[32];
			printf("%-16s %-9s %-12s %10lld %10lld %8lld %8lld %8lld\n", x->entity, x->status,
			       ago(age_of(x->finished_at), a, sizeof a), x->legacy_rows, x->new_rows,
			       x->missing, x->extra, x->changed);
			if (x->error[0])
				printf("  %s\n", x->error);
		}
	}
}

/* --------------------------------------------------------------- json */

static void j_part(struct fc_buf *b, const char *key, const struct st_part *p)
{
	fc_buf_printf(b, "\"%s\":{\"name\":", key);
	cdc_json_cstr(b, p->name);
	fc_buf_printf(b, ",\"up\":%s,\"error\":", p->up ? "true" : "false");
	cdc_json_cstr(b, p->up ? NULL : p->error);
	fc_buf_putc(b, '}');
}

static void j_pos(struct fc_buf *b, const struct cdc_pos *p)
{
	fc_buf_puts(b, "{\"file\":");
	cdc_json_cstr(b, p->file);
	fc_buf_printf(b, ",\"pos\":%llu,\"gtid\":", (unsigned long long)p->pos);
	cdc_json_cstr(b, p->gtid[0] ? p->gtid : NULL);
	fc_buf_putc(b, '}');
}

static void json(const struct fc_config *cfg, const struct cdc_status *cs,
                 const struct sync_status *ss, const struct rt_status *rs,
                 const struct vf_part *vf)
{
	struct fc_buf b;

	fc_buf_init(&b, 0);
	fc_buf_puts(&b, "{\"config\":");
	cdc_json_cstr(&b, cfg->path);
	fc_buf_printf(&b, ",\"at\":%lld,\"cdc\":", (long long)time(NULL));
	if (!cs) {
		fc_buf_puts(&b, "null");
	} else {
		fc_buf_putc(&b, '{');
		j_part(&b, "source", &cs->source);
		fc_buf_puts(&b, ",\"server\":");
		if (cs->source.up)
			j_pos(&b, &cs->server);
		else
			fc_buf_puts(&b, "null");
		fc_buf_puts(&b, ",\"checkpoint\":");
		if (cs->have_checkpoint)
			j_pos(&b, &cs->cp.pos);
		else
			fc_buf_puts(&b, "null");
		if (cs->lag_known)
			fc_buf_printf(&b, ",\"lag_bytes\":%llu,\"lag_seconds\":%lld", cs->lag_bytes,
			              cs->lag_seconds);
		else
			fc_buf_puts(&b, ",\"lag_bytes\":null,\"lag_seconds\":null");
		fc_buf_printf(&b, ",\"lost\":%s,\"lag_unknown\":", cs->lost ? "true" : "false");
		cdc_json_cstr(&b, cs->lag_known || !cs->have_checkpoint ? NULL : cs->lag_why);
		fc_buf_puts(&b, ",\"bus\":{\"kind\":");
		cdc_json_cstr(&b, cs->bus_kind);
		if (cs->bus.known) {
			fc_buf_putc(&b, ',');
			j_part(&b, "store", &cs->bus);
			fc_buf_printf(&b, ",\"events\":%llu,\"last_seq\":%llu", cs->events, cs->last_seq);
		}
		fc_buf_puts(&b, "}}");
	}
	fc_buf_puts(&b, ",\"sync\":");
	if (!ss) {
		fc_buf_puts(&b, "null");
	} else {
		fc_buf_putc(&b, '{');
		j_part(&b, "target", &ss->target);
		fc_buf_puts(&b, ",\"position\":");
		if (ss->have_position)
			fc_buf_printf(&b, "%lld", ss->seq);
		else
			fc_buf_puts(&b, "null");
		fc_buf_printf(&b, ",\"mode\":\"%s\",\"poll_reason\":", ss->polling ? "polling" : "bus");
		cdc_json_cstr(&b, ss->polling ? ss->poll_reason : NULL);
		fc_buf_puts(&b, ",\"bus\":");
		if (ss->bus_kind) {
			fc_buf_puts(&b, "{\"kind\":");
			cdc_json_cstr(&b, ss->bus_kind);
			fc_buf_putc(&b, ',');
			j_part(&b, "store", &ss->bus);
			fc_buf_putc(&b, '}');
		} else {
			fc_buf_puts(&b, "null");
		}
		fc_buf_printf(&b, ",\"lag_events\":%lld,\"lag_seconds\":%lld}", ss->lag_events,
		              ss->lag_seconds);
	}
	fc_buf_puts(&b, ",\"router\":");
	if (rs)
		rt_status_json(&b, rs);
	else
		fc_buf_puts(&b, "null");
	fc_buf_puts(&b, ",\"verify\":");
	if (!vf->db.known) {
		fc_buf_puts(&b, "null");
	} else {
		fc_buf_putc(&b, '{');
		j_part(&b, "store", &vf->db);
		fc_buf_puts(&b, ",\"entities\":[");
		for (size_t i = 0; i < vf->n; i++) {
			const struct vfy_stored *x = &vf->rows[i];
			fc_buf_puts(&b, i ? ",{\"entity\":" : "{\"entity\":");
			cdc_json_cstr(&b, x->entity);
			fc_buf_puts(&b, ",\"status\":");
			cdc_json_cstr(&b, x->status);
			fc_buf_puts(&b, ",\"finished_at\":");
			cdc_json_cstr(&b, x->finished_at);
			fc_buf_printf(&b, ",\"legacy_rows\":%lld,\"new_rows\":%lld,\"missing\":%lld,"
			              "\"extra\":%lld,\"changed\":%lld,\"error\":", x->legacy_rows, x->new_rows,
			              x->missing, x->extra, x->changed);
			cdc_json_cstr(&b, x->error[0] ? x->error : NULL);
			fc_buf_putc(&b, '}');
		}
		fc_buf_puts(&b, "]}");
	}
	fc_buf_puts(&b, "}\n");
	fwrite(b.ptr, 1, b.len, stdout);
	fc_buf_release(&b);
}

static int status(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
		                              { "json", no_argument, NULL, 'j' },
		                              { NULL, 0, NULL, 0 } };
	const char *cfg_path = NULL;
	struct fc_config cfg;
	struct fc_err err;
	struct cdc_status cs;
	struct sync_status ss;
	struct rt_status rs;
	struct vf_part vf;
	bool as_json = false, have_cdc, have_sync, have_router, asked = false, down = false;
	int c;

	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'j': as_json = true; break;
		default: return CLI_ERROR;
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (fc_config_load(fc_config_default_path(cfg_path), &cfg, &err))
		return cli_fail(argv[0], &err);
	have_cdc = cfg.cdc.present && cdc_status_get(&cfg, NULL, &cs, &err) == 0;
	have_sync = cfg.sync.present && sync_status_get(&cfg, &ss, &err) == 0;
	have_router = cfg.router.present;
	if (have_router)
		asked = rt_status_get(&cfg, &rs) == 0;   /* not without an admin API */
	verify_get(&cfg, &vf);
	if (as_json)
		json(&cfg, have_cdc ? &cs : NULL, have_sync ? &ss : NULL, have_router ? &rs : NULL, &vf);
	else
		human(&cfg, have_cdc ? &cs : NULL, have_sync ? &ss : NULL, have_router ? &rs : NULL, &vf);
	down = (have_cdc && (!cs.source.up || cs.lost || (cs.bus.known && !cs.bus.up))) ||
	       (have_sync && (!ss.target.up || (ss.bus_kind && !ss.bus.up))) ||
	       (asked && !rs.up) || (vf.db.known && !vf.db.up);
	if (have_router)
		rt_status_release(&rs);
	free(vf.rows);
	fc_config_release(&cfg);
	return down ? CLI_PROBLEMS : CLI_OK;
}

const struct cli_cmd cli_cmd_status = {
	"status",
	"the operator's one screen: cdc, bus, sync, routes, last verify",
	"usage: ficus status [--json] [--config FILE]\n"
	"\n"
	"Shows every part of the migration at once:\n"
	"  cdc      the legacy server's binlog position, the checkpoint, lag in\n"
	"           bytes and seconds\n"
	"  bus      the outbox (events, last seq, each consumer's position) or the\n"
	"           NATS stream\n"
	"  sync     its position, lag in events and seconds, and whether it polls\n"
	"           the legacy tables because the bus is down\n"
	"  router   each route's mode, weight, requests/s, error rate, shadow\n"
	"           difference rate, fallbacks, and each upstream's breaker (from\n"
	"           the router's admin API)\n"
	"  verify   the last `ficus verify` result per entity (ficus.verify_results\n"
	"           in the target database)\n"
	"A part that does not answer is shown DOWN with the reason; the others\n"
	"still show. --json prints one JSON object with the same facts.\n"
	"exit status: 0 all parts up, 1 a part is down, 2 usage error or bad config\n",
	status,
};
