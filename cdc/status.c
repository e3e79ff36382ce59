/* cdc/status.c - see status.h. */
#include "status.h"

#include "../lib/db.h"
#include "nats.h"
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void part_init(struct st_part *p, const struct fc_conn *c)
{
	p->known = c != NULL;
	p->name = c ? c->name : NULL;
	p->shown = c ? c->shown : NULL;
}

static void part_down(struct st_part *p, const char *why)
{
	p->up = false;
	snprintf(p->error, sizeof p->error, "%s", why);
}

/* The outbox's size and the checkpoint kept beside it, and its consumers. */
static void outbox_peek(const struct fc_conn *bc, struct cdc_status *st)
{
	struct fc_err err = { 0 };
	PGconn *pg = fc_pg_open(bc, &err);
	PGresult *r;

	if (!pg)
		return part_down(&st->bus, err.msg);
	st->bus.up = true;
	r = PQexec(pg, "SELECT (SELECT count(*) FROM ficus.outbox), "
	               "(SELECT coalesce(max(seq), 0) FROM ficus.outbox), "
	               "file, pos, gtid, coalesce(extract(epoch FROM ts)::bigint, 0) "
	               "FROM ficus.cdc_checkpoint WHERE name = 'cdc'");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		st->have_log = true;
		st->events = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		st->last_seq = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
		snprintf(st->cp.pos.file, sizeof st->cp.pos.file, "%s", PQgetvalue(r, 0, 2));
		st->cp.pos.pos = strtoull(PQgetvalue(r, 0, 3), NULL, 10);
		snprintf(st->cp.pos.gtid, sizeof st->cp.pos.gtid, "%s", PQgetvalue(r, 0, 4));
		st->cp.ts = (uint32_t)strtoul(PQgetvalue(r, 0, 5), NULL, 10);
		st->have_checkpoint = true;
	}
	PQclear(r);
	r = PQexec(pg, "SELECT c.name, c.seq, (SELECT count(*) FROM ficus.outbox o WHERE o.seq > "
	               "c.seq) FROM ficus.consumers c ORDER BY c.name LIMIT 16");
	for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
		snprintf(st->consumers[i].name, sizeof st->consumers[i].name, "%s", PQgetvalue(r, i, 0));
		st->consumers[i].seq = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		st->consumers[i].behind = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		st->nconsumers = i + 1;
	}
	PQclear(r);
	PQfinish(pg);
}

/* Binlog bytes after the checkpoint: the rest of its file and every later
 * file. */
static void lag_bytes(const struct fc_conn *conn, struct cdc_status *st)
{
	struct fc_err err = { 0 };
	MYSQL *my = fc_mysql_open(conn, &err);
	MYSQL_RES *r;
	MYSQL_ROW row;
	bool counting = false;

	if (!my) {
		snprintf(st->lag_why, sizeof st->lag_why, "%s", err.msg);
		return;
	}
	if (mysql_query(my, "SHOW BINARY LOGS") == 0 && (r = mysql_store_result(my))) {
		while ((row = mysql_fetch_row(r))) {
			unsigned long long size = strtoull(row[1], NULL, 10);
			if (strcmp(row[0], st->cp.pos.file) == 0) {
				counting = true;
				st->lag_bytes += size > st->cp.pos.pos ? size - st->cp.pos.pos : 0;
			} else if (counting) {
				st->lag_bytes += size;
			}
		}
		mysql_free_result(r);
		if (counting) {
			st->lag_known = true;
			st->lag_seconds = !st->lag_bytes ? 0 : st->cp.ts ? (long long)time(NULL) - st->cp.ts : -1;
		} else {
			st->lost = true;
			snprintf(st->lag_why, sizeof st->lag_why, "the checkpoint's binlog %s is no longer on "
			         "the server (purged): cdc cannot resume from it", st->cp.pos.file);
		}
	} else {
		snprintf(st->lag_why, sizeof st->lag_why, "SHOW BINARY LOGS: %s", mysql_error(my));
	}
	mysql_close(my);
}

int cdc_status_get(const struct fc_config *cfg, const char *checkpoint_file,
                   struct cdc_status *st, struct fc_err *err)
{
	const struct fc_conn *conn;

	memset(st, 0, sizeof *st);
	st->lag_seconds = -1;
	if (!cfg->cdc.present)
		return fc_errf(err, FC_ECONFIG, "%s has no 'cdc' section", cfg->path);
	conn = fc_config_conn(cfg, cfg->cdc.source);
	part_init(&st->source, conn);
	st->bus_kind = cfg->cdc.sink.kind == FC_SINK_OUTBOX ? "outbox" :
	               cfg->cdc.sink.kind == FC_SINK_NATS ? "nats" : "jsonl";
	if (checkpoint_file) {
		int rc = cdc_checkpoint_read(checkpoint_file, &st->cp, err);
		if (rc && rc != -FC_ENOTFOUND)
			return rc;
		st->have_checkpoint = rc == 0;
		st->checkpoint_from = checkpoint_file;
	} else if (cfg->cdc.sink.kind == FC_SINK_OUTBOX) {
		const struct fc_conn *bc = fc_config_conn(cfg, cfg->cdc.sink.connection);
		part_init(&st->bus, bc);
		outbox_peek(bc, st);
		st->checkpoint_from = "(outbox)";
	} else if (cfg->cdc.sink.kind == FC_SINK_NATS) {
		const struct fc_conn *bc = fc_config_conn(cfg, cfg->cdc.sink.connection);
		struct cdc_nats_peek pk;
		struct fc_err e = { 0 };
		part_init(&st->bus, bc);
		st->stream = cfg->cdc.sink.stream;
		if (cdc_nats_peek(bc->dsn, cfg->cdc.sink.stream, "cdc", &pk, &e)) {
			part_down(&st->bus, e.msg);
		} else {
			st->bus.up = true;
			st->have_log = pk.have_stream;
			st->events = pk.msgs;
			st->last_seq = pk.last_seq;
			if (pk.have_checkpoint) {
				st->cp.pos = pk.checkpoint;
				st->have_checkpoint = true;
			}
		}
		st->checkpoint_from = "(nats)";
	}
	{
		struct fc_err e = { 0 };
		if (cdc_stream_current(conn, &st->server, &e)) {
			part_down(&st->source, e.msg);
			return 0;
		}
		st->source.up = true;
	}
	if (st->have_checkpoint)
		lag_bytes(conn, st);
	return 0;
}

/* The bus as sync sees it: events after sync's position, and the age of
 * the oldest of them. */
static void sync_bus(const struct fc_config *cfg, struct sync_status *st)
{
	struct fc_err err = { 0 };

	if (!strcmp(cfg->sync.bus, "nats") && cfg->cdc.present && cfg->cdc.sink.kind == FC_SINK_NATS) {
		const struct fc_conn *nc = fc_config_conn(cfg, cfg->cdc.sink.connection);
		struct cdc_nats_peek pk;
		part_init(&st->bus, nc);
		st->bus_kind = "nats";
		st->stream = cfg->cdc.sink.stream;
		if (cdc_nats_peek(nc->dsn, cfg->cdc.sink.stream, "cdc", &pk, &err))
			return part_down(&st->bus, err.msg);
		st->bus.up = true;
		st->have_log = pk.have_stream;
		st->lag_events = (long long)pk.last_seq > st->seq ? (long long)pk.last_seq - st->seq : 0;
	} else if (cfg->cdc.present && cfg->cdc.sink.kind == FC_SINK_OUTBOX) {
		const struct fc_conn *bc = fc_config_conn(cfg, cfg->cdc.sink.connection);
		PGconn *pg;
		PGresult *r;
		char p[32];
		const char *params[1] = { p };
		part_init(&st->bus, bc);
		st->bus_kind = "outbox";
		if (!(pg = fc_pg_open(bc, &err)))
			return part_down(&st->bus, err.msg);
		st->bus.up = true;
		snprintf(p, sizeof p, "%lld", st->seq);
		r = PQexecParams(pg, "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at))"
		                 "::bigint, 0) FROM ficus.outbox WHERE seq > $1", 1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			st->have_log = true;
			st->lag_events = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
			st->lag_seconds = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
		}
		PQclear(r);
		PQfinish(pg);
	}
}

int sync_status_get(const struct fc_config *cfg, struct sync_status *st, struct fc_err *err)
{
	const struct fc_conn *dst;
	struct fc_err e = { 0 };
	PGconn *pg;
	PGresult *r;

	memset(st, 0, sizeof *st);
	st->lag_events = st->lag_seconds = -1;
	if (!cfg->sync.present)
		return fc_errf(err, FC_ECONFIG, "%s has no 'sync' section", cfg->path);
	dst = fc_config_conn(cfg, cfg->sync.target);
	part_init(&st->target, dst);
	if (!(pg = fc_pg_open(dst, &e))) {
		part_down(&st->target, e.msg);
		return 0;
	}
	st->target.up = true;
	r = PQexec(pg, "SELECT seq, extract(epoch FROM now() - updated_at)::bigint FROM ficus.consumers "
	               "WHERE name = 'sync'");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		st->have_position = true;
		st->seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		st->batch_age = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	}
	PQclear(r);
	r = PQexec(pg, "SELECT mode, coalesce(reason, ''), extract(epoch FROM now() - updated_at)::bigint "
	               "FROM ficus.sync_state WHERE name = 'sync'");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		st->have_mode = true;
	if (st->have_mode && !strcmp(PQgetvalue(r, 0, 0), "polling")) {
		st->polling = true;
		snprintf(st->poll_reason, sizeof st->poll_reason, "%s", PQgetvalue(r, 0, 1));
		st->polling_for = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	}
	PQclear(r);
	PQfinish(pg);
	sync_bus(cfg, st);
	return 0;
}
