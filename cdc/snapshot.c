/* cdc/snapshot.c - see snapshot.h. */
#include "snapshot.h"

#include "../lib/buf.h"
#include "../lib/db.h"
#include "../lib/ident.h"
#include "../lib/schema.h"
#include "print.h"
#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int query(MYSQL *my, const char *sql, struct fc_err *err)
{
	if (mysql_query(my, sql))
		return fc_errf(err, FC_ESQL, "snapshot: %s (in: %.80s)", mysql_error(my), sql);
	return 0;
}

/* Appends a key value as the binlog events write it: numbers bare,
 * everything else (decimals included) as strings. */
static int put_key_value(struct fc_buf *b, const struct fc_column_info *ci, const char *v)
{
	if (!v)
		return fc_buf_puts(b, "null");
	if (ci && (ci->type.fam == FC_T_INT || ci->type.fam == FC_T_YEAR))
		return fc_buf_puts(b, v);
	return cdc_json_string(b, v, strlen(v));
}

int cdc_key_json(struct fc_buf *b, const struct map_entity *e, const struct fc_table_info *ti,
                 char **row)
{
	int rc = fc_buf_putc(b, '{');
	for (size_t k = 0; rc == 0 && k < e->nkey; k++) {
		if (k)
			rc = fc_buf_putc(b, ',');
		if (rc == 0)
			rc = cdc_json_string(b, e->from_key[k], strlen(e->from_key[k]));
		if (rc == 0)
			rc = fc_buf_putc(b, ':');
		if (rc == 0)
			rc = put_key_value(b, fc_table_column(ti, e->from_key[k]), row[k]);
	}
	return rc ? rc : fc_buf_putc(b, '}');
}

static int entity_rows(MYSQL *my, const struct map_entity *e, const struct cdc_pos *at,
                       const char *default_db, const struct cdc_snapshot_opts *o,
                       const struct cdc_sink *sink, unsigned long long *events,
                       volatile sig_atomic_t *stop, struct fc_err *err)
{
	struct fc_table_info ti;
	struct fc_buf q = FC_BUF_INIT, ev = FC_BUF_INIT, key = FC_BUF_INIT, from = FC_BUF_INIT;
	char last[16][256], when[24];
	unsigned long long done = 0, total = 0;
	bool first = true;
	int rc;

	if ((rc = fc_mysql_table_info(my, e->from.schema[0] ? e->from.schema : default_db, e->from.name,
	                              &ti, err)))
		return fc_err_prefix(err, "snapshot of entity '%s'", e->name);
	if (e->from.schema[0]) {
		fc_quote_mysql(&from, e->from.schema);
		fc_buf_putc(&from, '.');
	}
	fc_quote_mysql(&from, e->from.name);
	fc_buf_printf(&q, "SELECT COUNT(*) FROM %s", from.ptr);
	if (mysql_query(my, q.ptr) == 0) {
		MYSQL_RES *r = mysql_store_result(my);
		MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
		if (row && row[0])
			total = strtoull(row[0], NULL, 10);
		if (r)
			mysql_free_result(r);
	}
	cdc_utc_text((uint32_t)time(NULL), when);
	while (!*stop) {
		MYSQL_RES *res;
		MYSQL_ROW row;
		size_t rows;
		fc_buf_reset(&q);
		fc_buf_puts(&q, "SELECT ");
		for (size_t k = 0; k < e->nkey; k++) {
			if (k)
				fc_buf_puts(&q, ", ");
			fc_quote_mysql(&q, e->from_key[k]);
		}
		fc_buf_printf(&q, " FROM %s", from.ptr);
		fc_mysql_keyset_tail(&q, e->from_key, e->nkey, last, first, o->chunk ? o->chunk : 10000);
		if (!q.ptr || mysql_real_query(my, q.ptr, q.len) || !(res = mysql_store_result(my))) {
			rc = fc_errf(err, FC_ESQL, "snapshot of entity '%s': reading %s: %s", e->name,
			             e->from.text, mysql_error(my));
			goto out;
		}
		rows = (size_t)mysql_num_rows(res);
		while ((row = mysql_fetch_row(res))) {
			fc_buf_reset(&key);
			cdc_key_json(&key, e, &ti, row);
			for (size_t k = 0; k < e->nkey; k++)
				snprintf(last[k], sizeof last[k], "%s", row[k] ? row[k] : "");
			fc_buf_reset(&ev);
			{
				char id[512];
				snprintf(id, sizeof id, "snapshot:%s:%llu:%s:%s", at->file,
				         (unsigned long long)at->pos, e->name, key.ptr);
				fc_buf_puts(&ev, "{\"id\":");
				cdc_json_string(&ev, id, strlen(id));
			}
			fc_buf_puts(&ev, ",\"topic\":");
			cdc_json_string(&ev, e->topic, strlen(e->topic));
			fc_buf_printf(&ev, ",\"entity\":\"%s\",\"key\":%s,\"op\":\"snapshot\",\"ts\":\"%s\","
			              "\"source\":{\"file\":\"%s\",\"pos\":%llu,\"snapshot\":true}}", e->name,
			              key.ptr, when, at->file, (unsigned long long)at->pos);
			if (!ev.ptr) {
				rc = fc_errf(err, FC_ENOMEM, "out of memory");
				mysql_free_result(res);
				goto out;
			}
			if ((rc = sink->event(sink->ctx, ev.ptr, ev.len, err))) {
				mysql_free_result(res);
				goto out;
			}
			(*events)++;
		}
		mysql_free_result(res);
		done += rows;
		if (o->progress)
			o->progress(o->ctx, e->name, done, total);
		if (rows < (o->chunk ? o->chunk : 10000))
			break;
		first = false;
	}
	rc = 0;
out:
	fc_buf_release(&q);
	fc_buf_release(&ev);
	fc_buf_release(&key);
	fc_buf_release(&from);
	fc_table_info_release(&ti);
	return rc;
}

int cdc_snapshot_run(const struct cdc_snapshot_opts *o, const struct cdc_sink *sink,
                     struct cdc_pos *at, unsigned long long *events, volatile sig_atomic_t *stop,
                     struct fc_err *err)
{
	MYSQL *my = fc_mysql_open(o->conn, err);
	MYSQL_RES *r;
	MYSQL_ROW row;
	int rc;

	*events = 0;
	memset(at, 0, sizeof *at);
	if (!my)
		return -FC_ECONNECT;
	if ((rc = query(my, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", err)) ||
	    (rc = query(my, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", err)))
		goto out;
	/* the binlog position of this very snapshot (MariaDB) */
	if ((rc = query(my, "SHOW STATUS LIKE 'binlog_snapshot_%'", err)))
		goto out;
	r = mysql_store_result(my);
	while (r && (row = mysql_fetch_row(r))) {
		if (!strcmp(row[0], "Binlog_snapshot_file"))
			snprintf(at->file, sizeof at->file, "%s", row[1] ? row[1] : "");
		else if (!strcmp(row[0], "Binlog_snapshot_position"))
			at->pos = strtoull(row[1] ? row[1] : "0", NULL, 10);
	}
	if (r)
		mysql_free_result(r);
	if (!at->file[0] || at->pos < 4) {
		rc = fc_errf(err, FC_EUNSUPPORTED, "snapshot: the server gives no binlog_snapshot_file/"
		             "position (MariaDB with log_bin has them; MySQL needs a lock, not supported)");
		goto out;
	}
	if (mysql_query(my, "SELECT @@global.gtid_binlog_pos") == 0 && (r = mysql_store_result(my))) {
		(void)r;   /* the GTID of the snapshot is not exact: resume by file:pos */
		mysql_free_result(r);
	}
	for (size_t f = 0; f < o->maps->nfiles && !*stop; f++)
		for (size_t j = 0; j < o->maps->files[f]->nentities && !*stop; j++) {
			const struct map_entity *e = &o->maps->files[f]->entities[j];
			if (o->only_entity && strcmp(o->only_entity, e->name))
				continue;
			if ((rc = entity_rows(my, e, at, o->conn->my.database, o, sink, events, stop, err)))
				goto out;
		}
	if (*stop) {
		rc = fc_errf(err, FC_EIO, "snapshot stopped before the end: nothing committed");
		goto out;
	}
	query(my, "COMMIT", err);
	rc = sink->commit ? sink->commit(sink->ctx, at, (uint32_t)time(NULL), err) : 0;
out:
	mysql_close(my);
	return rc;
}
