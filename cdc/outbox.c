/* cdc/outbox.c - see outbox.h. */
#include "outbox.h"

#include "../lib/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cdc_outbox_ddl[] =
	"CREATE SCHEMA IF NOT EXISTS ficus;"
	"CREATE TABLE IF NOT EXISTS ficus.outbox ("
	" seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, topic text NOT NULL,"
	" entity text NOT NULL, key jsonb NOT NULL, op text NOT NULL, ts timestamptz NOT NULL,"
	" source jsonb NOT NULL, payload jsonb, created_at timestamptz NOT NULL DEFAULT now());"
	"CREATE INDEX IF NOT EXISTS outbox_topic_seq ON ficus.outbox (topic, seq);"
	"CREATE INDEX IF NOT EXISTS outbox_created_at ON ficus.outbox (created_at);"
	"CREATE TABLE IF NOT EXISTS ficus.cdc_checkpoint ("
	" name text PRIMARY KEY, file text NOT NULL, pos bigint NOT NULL, gtid text NOT NULL,"
	" ts timestamptz, updated_at timestamptz NOT NULL DEFAULT now());"
	"CREATE TABLE IF NOT EXISTS ficus.consumers ("
	" name text PRIMARY KEY, seq bigint NOT NULL DEFAULT 0,"
	" updated_at timestamptz NOT NULL DEFAULT now());";

#define BATCH_STATEMENT 1000

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int exec(struct cdc_outbox *o, const char *sql, struct fc_err *err)
{
	int rc = fc_pg_exec(o->pg, sql, err);
	return rc ? fc_err_prefix(err, "outbox on %s", o->shown) : 0;
}

static int begin(struct cdc_outbox *o, struct fc_err *err)
{
	int rc;
	if (o->in_tx)
		return 0;
	if ((rc = exec(o, "BEGIN", err)))
		return rc;
	o->in_tx = true;
	return 0;
}

/* Sends the batched events inside the open transaction. */
static int send(struct cdc_outbox *o, struct fc_err *err)
{
	const char *params[1];
	PGresult *r;
	int rc;

	if (o->nbatch == 0)
		return 0;
	if ((rc = begin(o, err)))
		return rc;
	/* a source transaction that shares the PostgreSQL one gets a savepoint,
	 * so that a ROLLBACK in the binlog can take back just its events */
	if (!o->src_sent && o->tx_commits > 0) {
		if ((rc = exec(o, "SAVEPOINT ficus_src", err)))
			return rc;
		o->savepoint = true;
	}
	if (fc_buf_putc(&o->batch, ']'))
		return fc_errf(err, FC_ENOMEM, "out of memory");
	params[0] = o->batch.ptr;
	r = PQexecParams(o->pg,
	                 "INSERT INTO ficus.outbox (id, topic, entity, key, op, ts, source, payload) "
	                 "SELECT e->>'id', e->>'topic', e->>'entity', e->'key', e->>'op', "
	                 "(e->>'ts')::timestamptz, e->'source', e->'payload' "
	                 "FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY n "
	                 "ON CONFLICT (id) DO NOTHING",
	                 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		char msg[512];
		fc_pg_error(o->pg, r, msg, sizeof msg);
		PQclear(r);
		return fc_errf(err, FC_ESQL, "outbox on %s: inserting %zu events: %s", o->shown,
		               o->nbatch, msg);
	}
	PQclear(r);
	o->tx_events += o->nbatch;
	o->src_sent = true;
	o->nbatch = 0;
	fc_buf_reset(&o->batch);
	return 0;
}

int cdc_outbox_flush(struct cdc_outbox *o, struct fc_err *err)
{
	char pos[32], ts[32];
	const char *params[5];
	PGresult *r;
	int rc;

	if (o->tx_commits == 0 && !o->in_tx)
		return 0;
	if ((rc = send(o, err)) || (rc = begin(o, err)))
		return rc;
	if (o->tx_commits > 0) {
		snprintf(pos, sizeof pos, "%llu", (unsigned long long)o->last.pos);
		snprintf(ts, sizeof ts, "%u", o->last_ts);
		params[0] = o->name;
		params[1] = o->last.file;
		params[2] = pos;
		params[3] = o->last.gtid;
		params[4] = ts;
		r = PQexecParams(o->pg,
		                 "INSERT INTO ficus.cdc_checkpoint (name, file, pos, gtid, ts, updated_at) "
		                 "VALUES ($1, $2, $3, $4, CASE WHEN $5::bigint > 0 THEN "
		                 "to_timestamp($5::bigint) END, now()) ON CONFLICT (name) DO UPDATE SET "
		                 "file = EXCLUDED.file, pos = EXCLUDED.pos, gtid = EXCLUDED.gtid, "
		                 "ts = EXCLUDED.ts, updated_at = now()",
		                 5, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			char msg[512];
			fc_pg_error(o->pg, r, msg, sizeof msg);
			PQclear(r);
			return fc_errf(err, FC_ESQL, "outbox on %s: writing the checkpoint: %s", o->shown, msg);
		}
		PQclear(r);
	}
	if (o->tx_events &&
	    (rc = exec(o, "SELECT pg_notify('ficus_outbox', (SELECT max(seq) FROM ficus.outbox)::text)",
	               err)))
		return rc;
	if ((rc = exec(o, "COMMIT", err)))
		return rc;
	o->committed_events += o->tx_events;
	o->in_tx = false;
	o->savepoint = false;
	o->tx_commits = 0;
	o->tx_events = 0;
	return 0;
}

int cdc_outbox_start_at(struct cdc_outbox *o, const struct cdc_pos *start, struct fc_err *err)
{
	o->last = *start;
	o->last_ts = 0;
	o->tx_commits = 1;   /* as if a transaction had just ended there */
	return cdc_outbox_flush(o, err);
}

static int on_event(void *ctx, const char *json, size_t len, struct fc_err *err)
{
	struct cdc_outbox *o = ctx;
	if (fc_buf_putc(&o->batch, o->nbatch ? ',' : '[') || fc_buf_append(&o->batch, json, len))
		return fc_errf(err, FC_ENOMEM, "out of memory batching events");
	o->nbatch++;
	return o->nbatch >= BATCH_STATEMENT ? send(o, err) : 0;
}

static int on_commit(void *ctx, const struct cdc_pos *next, uint32_t ts, struct fc_err *err)
{
	struct cdc_outbox *o = ctx;
	double now = now_ms();
	o->last = *next;
	o->last_ts = ts;
	if (o->tx_commits++ == 0)
		o->first_commit = now;
	o->src_sent = false;
	if (o->savepoint) {
		int rc = exec(o, "RELEASE SAVEPOINT ficus_src", err);
		if (rc)
			return rc;
		o->savepoint = false;
	}
	if (o->tx_events + o->nbatch >= o->max_events || now - o->first_commit >= o->max_delay_ms)
		return cdc_outbox_flush(o, err);
	return 0;
}

static int on_rollback(void *ctx, struct fc_err *err)
{
	struct cdc_outbox *o = ctx;
	int rc = 0;
	o->nbatch = 0;
	fc_buf_reset(&o->batch);
	if (o->src_sent) {
		if (o->savepoint)
			rc = exec(o, "ROLLBACK TO SAVEPOINT ficus_src", err);
		else if (o->tx_commits == 0) {
			rc = exec(o, "ROLLBACK", err);   /* the transaction held only this one */
			o->in_tx = false;
		}
	}
	o->savepoint = false;
	o->src_sent = false;
	return rc;
}

void cdc_outbox_sink(struct cdc_outbox *o, struct cdc_sink *sink)
{
	memset(sink, 0, sizeof *sink);
	sink->ctx = o;
	sink->event = on_event;
	sink->commit = on_commit;
	sink->rollback = on_rollback;
}

int cdc_outbox_open(struct cdc_outbox *o, const struct fc_conn *conn, const char *name,
                    struct cdc_pos *resume, bool *have_resume, struct fc_err *err)
{
	const char *params[1] = { name };
	PGresult *r;
	int rc;

	memset(o, 0, sizeof *o);
	fc_buf_init(&o->batch, 0);
	o->name = name;
	o->shown = conn->shown;
	o->max_events = 5000;
	o->max_delay_ms = 10;   /* commit-to-outbox latency: p99 target 20 ms at 1k tx/s */
	*have_resume = false;
	o->pg = fc_pg_open(conn, err);
	if (!o->pg)
		return -FC_ECONNECT;
	if ((rc = exec(o, cdc_outbox_ddl, err)))
		return rc;
	r = PQexecParams(o->pg, "SELECT file, pos, gtid FROM ficus.cdc_checkpoint WHERE name = $1", 1,
	                 NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return fc_errf(err, FC_ESQL, "outbox on %s: reading the checkpoint: %s", o->shown,
		               PQerrorMessage(o->pg));
	}
	if (PQntuples(r) == 1) {
		memset(resume, 0, sizeof *resume);
		snprintf(resume->file, sizeof resume->file, "%s", PQgetvalue(r, 0, 0));
		resume->pos = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
		snprintf(resume->gtid, sizeof resume->gtid, "%s", PQgetvalue(r, 0, 2));
		*have_resume = true;
	}
	PQclear(r);
	return 0;
}

void cdc_outbox_close(struct cdc_outbox *o)
{
	if (o->pg) {
		if (o->in_tx)
			PQclear(PQexec(o->pg, "ROLLBACK"));
		PQfinish(o->pg);
	}
	o->pg = NULL;
	fc_buf_release(&o->batch);
}
