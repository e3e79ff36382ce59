/* verify/pipeline.c - what verify asks of the cdc/sync pipeline: waiting
 * until it has caught up with a moment (the lag-aware recheck), and events
 * that make sync fetch divergent keys again (--repair). */
#include "verify.h"

#include "../cdc/jsonl.h"
#include "../cdc/nats.h"
#include "../cdc/outbox.h"
#include "../cdc/print.h"
#include "../cdc/value.h"
#include "../lib/db.h"
#include "../lib/ident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The cdc checkpoint (outbox or NATS bucket) and the newest event. */
static int pipeline_state(const struct fc_config *cfg, PGconn *bus, struct cdc_pos *cp, bool *have_cp,
                          long long *newest, struct fc_err *err)
{
	*have_cp = false;
	*newest = 0;
	if (cfg->cdc.sink.kind == FC_SINK_NATS) {
		struct cdc_nats_peek pk;
		const struct fc_conn *nc = fc_config_conn(cfg, cfg->cdc.sink.connection);
		if (cdc_nats_peek(nc->dsn, cfg->cdc.sink.stream, "cdc", &pk, err))
			return -FC_ECONNECT;
		*have_cp = pk.have_checkpoint;
		*cp = pk.checkpoint;
		*newest = (long long)pk.last_seq;
		return 0;
	}
	{
		PGresult *r = PQexec(bus, "SELECT file, pos, (SELECT coalesce(max(seq), 0) FROM ficus.outbox) "
		                          "FROM ficus.cdc_checkpoint WHERE name = 'cdc'");
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
			snprintf(cp->file, sizeof cp->file, "%s", PQgetvalue(r, 0, 0));
			cp->pos = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
			*newest = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
			*have_cp = true;
		}
		PQclear(r);
	}
	return 0;
}

static long long sync_position(PGconn *pg)
{
	PGresult *r = PQexec(pg, "SELECT seq FROM ficus.consumers WHERE name = 'sync'");
	long long s = 0;   /* sync has not consumed anything yet */
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		s = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return s;
}

static bool sleep_step(volatile sig_atomic_t *stop)
{
	usleep(50000);
	return !(stop && *stop);
}

int vfy_wait_pipeline(const struct fc_config *cfg, MYSQL *my, int grace_s, int timeout_s,
                      const char **waited_for, volatile sig_atomic_t *stop, struct fc_err *err)
{
	bool pipeline = cfg->cdc.present && cfg->sync.present &&
	                (cfg->cdc.sink.kind == FC_SINK_OUTBOX || cfg->cdc.sink.kind == FC_SINK_NATS);
	struct cdc_pos want = { "", 0, "" }, cp;
	PGconn *bus = NULL, *pg = NULL;
	double deadline = mono_s() + timeout_s;
	MYSQL_RES *res;
	MYSQL_ROW row;
	long long newest = 0;
	bool have_cp;
	int rc = 0;

	if (pipeline && mysql_query(my, "SHOW MASTER STATUS") == 0 && (res = mysql_store_result(my))) {
		if ((row = mysql_fetch_row(res)) && row[0] && row[1]) {
			snprintf(want.file, sizeof want.file, "%s", row[0]);
			want.pos = strtoull(row[1], NULL, 10);
		}
		mysql_free_result(res);
	}
	if (!pipeline || !want.file[0]) {
		*waited_for = "grace";
		for (double end = mono_s() + grace_s; mono_s() < end;)
			if (!sleep_step(stop))
				break;
		return 0;
	}
	*waited_for = "pipeline";
	if (!(pg = fc_pg_open(fc_config_conn(cfg, cfg->sync.target), err)))
		return -FC_ECONNECT;
	if (cfg->cdc.sink.kind == FC_SINK_OUTBOX &&
	    !(bus = fc_pg_open(fc_config_conn(cfg, cfg->cdc.sink.connection), err))) {
		PQfinish(pg);
		return -FC_ECONNECT;
	}
	/* cdc has read the binlog up to now */
	for (bool first = true;; first = false) {
		if ((rc = pipeline_state(cfg, bus, &cp, &have_cp, &newest, err)))
			goto out;
		if (first && !have_cp) {
			/* cdc never ran: no pipeline to wait for */
			*waited_for = "grace";
			for (double end = mono_s() + grace_s; mono_s() < end;)
				if (!sleep_step(stop))
					break;
			goto out;
		}
		if (have_cp && (strcmp(cp.file, want.file) > 0 ||
		                (!strcmp(cp.file, want.file) && cp.pos >= want.pos)))
			break;
		if (mono_s() > deadline || !sleep_step(stop)) {
			rc = fc_errf(err, FC_ETOOBIG, "cdc did not reach the legacy binlog position %s:%llu "
			             "within %d s (checkpoint %s:%llu)", want.file,
			             (unsigned long long)want.pos, timeout_s, have_cp ? cp.file : "none",
			             have_cp ? (unsigned long long)cp.pos : 0ULL);
			goto out;
		}
	}
	/* sync has applied every event up to there */
	for (;;) {
		long long at = sync_position(pg);
		if (at >= newest)
			break;
		if (mono_s() > deadline || !sleep_step(stop)) {
			rc = fc_errf(err, FC_ETOOBIG, "sync did not reach event %lld within %d s (it is at %lld)",
			             newest, timeout_s, at);
			goto out;
		}
	}
out:
	if (bus)
		PQfinish(bus);
	PQfinish(pg);
	return rc;
}

/* One zero-payload event for a kept difference, as cdc would write it. */
static int repair_event(struct fc_buf *ev, const struct map_entity *e, const struct vfy_diff *d,
                        const char *when, long long run, size_t n)
{
	char id[600];
	snprintf(id, sizeof id, "verify:%lld:%zu:%s:%s", run, n, e->name, d->key_json);
	fc_buf_reset(ev);
	fc_buf_puts(ev, "{\"id\":");
	cdc_json_string(ev, id, strlen(id));
	fc_buf_puts(ev, ",\"topic\":");
	cdc_json_string(ev, e->topic, strlen(e->topic));
	fc_buf_printf(ev, ",\"entity\":\"%s\",\"key\":%s,\"op\":\"repair\",\"ts\":\"%s\","
	              "\"source\":{\"verify\":true}}", e->name, d->key_json, when);
	return ev->ptr ? 0 : -FC_ENOMEM;
}

int vfy_repair(const struct fc_config *cfg, struct vfy_result *const *rs, size_t n,
               unsigned long long *sent,
               struct fc_err *err)
{
	struct cdc_outbox ob;
	struct cdc_nats nt;
	struct cdc_jsonl jl;
	struct cdc_sink sink;
	struct cdc_pos at = { "verify", 0, "" };
	struct fc_buf ev = FC_BUF_INIT;
	bool have = false;
	char when[32];
	long long run = (long long)time(NULL);
	size_t count = 0;
	int rc = 0;

	*sent = 0;
	if (!cfg->cdc.present)
		return fc_errf(err, FC_ECONFIG, "--repair sends events through cdc.sink, and %s has no "
		               "'cdc' section", cfg->path);
	memset(&ob, 0, sizeof ob);
	memset(&nt, 0, sizeof nt);
	memset(&jl, 0, sizeof jl);
	if (cfg->cdc.sink.kind == FC_SINK_OUTBOX) {
		if ((rc = cdc_outbox_open(&ob, fc_config_conn(cfg, cfg->cdc.sink.connection), "verify", &at,
		                          &have, err))) {
			cdc_outbox_close(&ob);
			return fc_err_prefix(err, "repair");
		}
		cdc_outbox_sink(&ob, &sink);
	} else if (cfg->cdc.sink.kind == FC_SINK_NATS) {
		const struct fc_conn *nc = fc_config_conn(cfg, cfg->cdc.sink.connection);
		if ((rc = cdc_nats_open_prefix(&nt, nc->dsn, cfg->cdc.sink.stream, cfg->cdc.sink.subjects,
		                               "verify", &at, &have, err)))
			return fc_err_prefix(err, "repair");
		cdc_nats_sink(&nt, &sink);
	} else {
		if ((rc = cdc_jsonl_open(&jl, cfg->cdc.sink.path, NULL, &at, &have, err)))
			return fc_err_prefix(err, "repair");
		cdc_jsonl_sink(&jl, &sink);
	}
	cdc_utc_text((uint32_t)time(NULL), when);
	for (size_t i = 0; rc == 0 && i < n; i++)
		for (size_t j = 0; rc == 0 && j < rs[i]->ndiffs; j++) {
			if ((rc = repair_event(&ev, rs[i]->e, &rs[i]->diffs[j], when, run, count)))
				rc = fc_errf(err, FC_ENOMEM, "out of memory");
			else
				rc = sink.event(sink.ctx, ev.ptr, ev.len, err);
			count++;
		}
	if (rc == 0) {
		at.pos++;
		snprintf(at.file, sizeof at.file, "verify");
		rc = sink.commit(sink.ctx, &at, (uint32_t)time(NULL), err);
	}
	if (rc == 0 && cfg->cdc.sink.kind == FC_SINK_OUTBOX)
		rc = cdc_outbox_flush(&ob, err);
	if (cfg->cdc.sink.kind == FC_SINK_OUTBOX)
		cdc_outbox_close(&ob);
	else if (cfg->cdc.sink.kind == FC_SINK_NATS)
		cdc_nats_close(&nt);
	else
		cdc_jsonl_close(&jl);
	fc_buf_release(&ev);
	if (rc == 0)
		*sent = count;
	return rc ? fc_err_prefix(err, "repair") : 0;
}

static PGconn *outbox_conn(const struct fc_config *cfg, struct fc_err *err)
{
	if (!cfg->cdc.present || cfg->cdc.sink.kind != FC_SINK_OUTBOX)
		return NULL;
	return fc_pg_open(fc_config_conn(cfg, cfg->cdc.sink.connection), err);
}

long long vfy_outbox_seq(const struct fc_config *cfg, struct fc_err *err)
{
	PGconn *pg;
	PGresult *r;
	long long seq = 0;
	if (!cfg->cdc.present || cfg->cdc.sink.kind != FC_SINK_OUTBOX)
		return -1;
	if (!(pg = outbox_conn(cfg, err)))
		return -1;
	r = PQexec(pg, "SELECT coalesce(max(seq), 0) FROM ficus.outbox");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(pg);
	return seq;
}

int vfy_changed_keys(const struct fc_config *cfg, const struct map_entity *e, long long from,
                     long long to, size_t max, char ***keys, size_t *n, struct fc_err *err)
{
	struct fc_buf q = FC_BUF_INIT;
	char a[24], b[24], lim[24];
	const char *params[4] = { e->name, a, b, lim };
	PGconn *pg;
	PGresult *r;
	int rc = 0, rows;

	*keys = NULL;
	*n = 0;
	if (!cfg->cdc.present || cfg->cdc.sink.kind != FC_SINK_OUTBOX)
		return fc_errf(err, FC_ECONFIG, "cdc.sink is not an outbox: no changed keys to read");
	if (!(pg = outbox_conn(cfg, err)))
		return -FC_ECONNECT;
	snprintf(a, sizeof a, "%lld", from);
	snprintf(b, sizeof b, "%lld", to);
	snprintf(lim, sizeof lim, "%zu", max + 1);
	fc_buf_puts(&q, "SELECT DISTINCT ");
	for (size_t k = 0; k < e->nkey; k++) {
		fc_buf_puts(&q, k ? ", key->>" : "key->>");
		fc_literal_pg(&q, e->from_key[k]);
	}
	fc_buf_puts(&q, " FROM ficus.outbox WHERE entity = $1 AND seq > $2 AND seq <= $3 LIMIT $4");
	if (!q.ptr) {
		PQfinish(pg);
		return fc_errf(err, FC_ENOMEM, "out of memory");
	}
	r = PQexecParams(pg, q.ptr, 4, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		char msg[512];
		rc = fc_errf(err, FC_ESQL, "reading the changed keys of entity '%s' from the outbox: %s",
		             e->name, fc_pg_error(pg, r, msg, sizeof msg));
	} else if ((size_t)(rows = PQntuples(r)) > max) {
		rc = 1;
	} else if (!(*keys = calloc((size_t)rows * e->nkey + 1, sizeof **keys))) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
	} else {
		for (int i = 0; i < rows; i++)
			for (size_t k = 0; k < e->nkey; k++)
				(*keys)[(size_t)i * e->nkey + k] = strdup(PQgetvalue(r, i, (int)k));
		*n = (size_t)rows;
	}
	PQclear(r);
	PQfinish(pg);
	fc_buf_release(&q);
	return rc;
}
