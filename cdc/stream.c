/* cdc/stream.c - see stream.h. */
#include "stream.h"

#include "../lib/db.h"
#include "binlog.h"

#include <mariadb_rpl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ARTIFICIAL_F 0x20   /* LOG_EVENT_ARTIFICIAL_F: fake ROTATE / FDE */

int cdc_stream_current(const struct fc_conn *conn, struct cdc_pos *pos, struct fc_err *err)
{
	MYSQL *my = fc_mysql_open(conn, err);
	MYSQL_RES *r;
	MYSQL_ROW row;
	int rc = 0;

	memset(pos, 0, sizeof *pos);
	if (!my)
		return -FC_ECONNECT;
	if (mysql_query(my, "SHOW MASTER STATUS") || !(r = mysql_store_result(my))) {
		rc = fc_errf(err, FC_ESQL, "connection '%s': SHOW MASTER STATUS: %s", conn->name,
		             mysql_error(my));
		goto out;
	}
	row = mysql_fetch_row(r);
	if (!row || !row[0]) {
		mysql_free_result(r);
		rc = fc_errf(err, FC_ECONFIG, "connection '%s': the server has no binary log "
		             "(start it with --log-bin and --binlog-format=ROW)", conn->name);
		goto out;
	}
	snprintf(pos->file, sizeof pos->file, "%s", row[0]);
	pos->pos = strtoull(row[1], NULL, 10);
	mysql_free_result(r);
	if (mysql_query(my, "SELECT @@global.gtid_binlog_pos") == 0 && (r = mysql_store_result(my))) {
		if ((row = mysql_fetch_row(r)) && row[0])
			snprintf(pos->gtid, sizeof pos->gtid, "%s", row[0]);
		mysql_free_result(r);
	} else {
		mysql_free_result(mysql_store_result(my));   /* MySQL: no such variable */
	}
out:
	mysql_close(my);
	return rc;
}

/* One connection: returns 0 at a clean end (stop or until_end), 1 when the
 * connection was lost (retry), negative on errors not worth retrying. */
static int session(const struct cdc_stream_opts *o, struct cdc_decoder *d,
                   const struct cdc_pos *from, volatile sig_atomic_t *stop, bool *progressed,
                   struct fc_err *err)
{
	MYSQL *my = fc_mysql_open(o->conn, err);
	MARIADB_RPL *rpl = NULL;
	MARIADB_RPL_EVENT *ev = NULL;
	char sql[512];
	bool checksum = false;
	int rc = 0;

	if (!my)
		return 1;
	snprintf(sql, sizeof sql,
	         "SET @master_binlog_checksum = @@global.binlog_checksum, "
	         "@mariadb_slave_capability = 4, @master_heartbeat_period = %llu",
	         (unsigned long long)(o->heartbeat_ms ? o->heartbeat_ms : 10) * 1000000ULL);
	if (mysql_query(my, sql)) {
		rc = fc_errf(err, FC_ESQL, "connection '%s': %s", o->conn->name, mysql_error(my));
		goto out;
	}
	{
		MYSQL_RES *r;
		MYSQL_ROW row;
		if (mysql_query(my, "SELECT @@global.binlog_checksum") == 0 &&
		    (r = mysql_store_result(my))) {
			row = mysql_fetch_row(r);
			checksum = row && row[0] && strcmp(row[0], "NONE") != 0;
			mysql_free_result(r);
		}
	}
	if (!from->file[0] && from->gtid[0]) {
		char q[256];
		snprintf(q, sizeof q, "SET @slave_connect_state = '%s', @slave_gtid_strict_mode = 0, "
		         "@slave_gtid_ignore_duplicates = 0", from->gtid);
		for (const char *p = from->gtid; *p; p++)
			if (!strchr("0123456789-,", *p)) {
				rc = fc_errf(err, FC_EINVAL, "bad MariaDB GTID position '%s' (expected "
				             "domain-server-seq[,...])", from->gtid);
				goto out;
			}
		if (mysql_query(my, q)) {
			rc = fc_errf(err, FC_ESQL, "connection '%s': %s", o->conn->name, mysql_error(my));
			goto out;
		}
	}
	rpl = mariadb_rpl_init(my);
	if (!rpl) {
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
		goto out;
	}
	mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, from->file, strlen(from->file));
	mariadb_rpl_optionsv(rpl, MARIADB_RPL_START, (unsigned long)(from->file[0] ? from->pos : 4));
	mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID, o->server_id);
	mariadb_rpl_optionsv(rpl, MARIADB_RPL_FLAGS,
	                     o->until_end ? MARIADB_RPL_BINLOG_DUMP_NON_BLOCK : 0);
	if (mariadb_rpl_open(rpl)) {
		const char *m = mariadb_rpl_errno(rpl) ? mariadb_rpl_error(rpl) : mysql_error(my);
		rc = fc_errf(err, FC_ECONNECT, "connection '%s': binlog dump from %s:%llu%s%s: %s",
		             o->conn->name, from->file[0] ? from->file : "(gtid)",
		             (unsigned long long)from->pos, from->gtid[0] ? " gtid " : "", from->gtid, m);
		/* a position the server refuses will not get better by retrying */
		if (mysql_errno(my) == 1236)
			rc = -FC_EINVAL;
		else
			rc = 1;
		goto out;
	}
	if (from->file[0])
		cdc_decoder_set_file(d, from->file, from->pos);
	/* the fake ROTATE comes before the FORMAT_DESCRIPTION but already
	 * carries the checksum we asked for */
	d->fmt.checksum = checksum;
	while (!*stop) {
		const uint8_t *buf;
		size_t n;
		uint64_t pos;

		ev = mariadb_rpl_fetch(rpl, ev);
		if (!ev) {
			unsigned e = mysql_errno(my) ? mysql_errno(my) : mariadb_rpl_errno(rpl);
			if (e == 0 && o->until_end) {
				/* the end of the binlog (non-blocking dump) */
				rc = cdc_decoder_idle(d, err);
				goto out;
			}
			{
				const char *m = mariadb_rpl_errno(rpl) ? mariadb_rpl_error(rpl)
				              : mysql_errno(my) ? mysql_error(my)
				                                : "the server closed the connection";
				fc_errf(err, FC_ECONNECT, "connection '%s': binlog dump from %s:%llu: %s",
				        o->conn->name, d->at.file[0] ? d->at.file : from->file,
				        (unsigned long long)d->at.pos, m);
			}
			if (mysql_errno(my) == 1236) {   /* the server gave up on our position */
				rc = -FC_EINVAL;
				goto out;
			}
			rc = 1;
			goto out;
		}
		if (ev->raw_data_size < 1 + CDC_HEADER_LEN)
			continue;
		buf = ev->raw_data + 1;   /* after the OK byte */
		n = ev->raw_data_size - 1;
		if ((ev->flags & ARTIFICIAL_F) || ev->next_event_pos == 0 || ev->next_event_pos < n)
			pos = d->at.pos;
		else
			pos = ev->next_event_pos - n;
		if (buf[4] == CDC_EV_HEARTBEAT || buf[4] == CDC_EV_HEARTBEAT_V2) {
			if ((rc = cdc_decoder_idle(d, err)) != 0)
				goto out;
			continue;
		}
		if ((rc = cdc_decoder_feed(d, buf, n, pos, err)) != 0)
			goto out;
		*progressed = true;
	}
out:
	if (ev)
		mariadb_free_rpl_event(ev);
	if (rpl)
		mariadb_rpl_close(rpl);
	mysql_close(my);
	return rc;
}

int cdc_stream_run(const struct cdc_stream_opts *o, struct cdc_decoder *d,
                   volatile sig_atomic_t *stop, struct fc_err *err)
{
	struct cdc_pos from = o->start;
	unsigned backoff = 1;
	int failures = 0;

	for (;;) {
		bool progressed = false;
		int rc = session(o, d, &from, stop, &progressed, err);
		if (rc <= 0)
			return rc;
		if (*stop)
			return 0;
		if (progressed) {
			backoff = 1;
			failures = 0;
		}
		if (o->retries >= 0 && ++failures > o->retries)
			return fc_err_prefix(err, "giving up after %d reconnects", o->retries);
		/* resume after the last committed transaction; rows already
		 * delivered from the one in flight are fenced off */
		if (d->committed.file[0])
			from = d->committed;
		if (from.file[0])
			from.gtid[0] = '\0';
		cdc_decoder_fence(d);
		if (!o->quiet)
			fprintf(stderr, "ficus cdc: %s; reconnecting in %u s (resuming at %s:%llu)\n", err->msg,
			        backoff, from.file[0] ? from.file : from.gtid, (unsigned long long)from.pos);
		for (unsigned s = 0; s < backoff * 10 && !*stop; s++)
			usleep(100000);
		if (*stop)
			return 0;
		backoff = backoff >= 16 ? 30 : backoff * 2;
	}
}
