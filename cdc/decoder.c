/* cdc/decoder.c - see decoder.h. */
#include "decoder.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void cdc_decoder_init(struct cdc_decoder *d, const struct cdc_handler *h)
{
	memset(d, 0, sizeof *d);
	cdc_format_default(&d->fmt);
	fc_buf_init(&d->scratch, CDC_MAX_EVENT + 1);
	cdc_image_init(&d->before);
	cdc_image_init(&d->after);
	d->h = *h;
}

static void drop_tables(struct cdc_decoder *d)
{
	for (size_t i = 0; i < d->ntables; i++)
		cdc_table_release(&d->tables[i]);
	d->ntables = 0;
	d->last = 0;
}

void cdc_decoder_release(struct cdc_decoder *d)
{
	drop_tables(d);
	free(d->tables);
	fc_buf_release(&d->scratch);
	cdc_image_release(&d->before);
	cdc_image_release(&d->after);
	memset(d, 0, sizeof *d);
}

void cdc_decoder_set_file(struct cdc_decoder *d, const char *name, uint64_t pos)
{
	const char *slash = strrchr(name, '/');
	snprintf(d->at.file, sizeof d->at.file, "%s", slash ? slash + 1 : name);
	d->at.pos = pos;
}

int cdc_decoder_idle(struct cdc_decoder *d, struct fc_err *err)
{
	return d->h.idle ? d->h.idle(d->h.ctx, err) : 0;
}

const struct cdc_table *cdc_decoder_table(struct cdc_decoder *d, uint64_t id)
{
	if (d->last < d->ntables && d->tables[d->last].id == id)
		return &d->tables[d->last];
	for (size_t i = 0; i < d->ntables; i++)
		if (d->tables[i].id == id) {
			d->last = i;
			return &d->tables[i];
		}
	return NULL;
}

static int add_table(struct cdc_decoder *d, const struct cdc_event *ev, struct fc_err *err)
{
	struct cdc_table t;
	int rc = cdc_tablemap_parse(&d->fmt, ev, &t, err);
	if (rc)
		return rc;
	if (d->h.table && (rc = d->h.table(d->h.ctx, &t, err))) {
		cdc_table_release(&t);
		return rc;
	}
	for (size_t i = 0; i < d->ntables; i++)
		if (d->tables[i].id == t.id) {
			cdc_table_release(&d->tables[i]);
			d->tables[i] = t;
			d->last = i;
			return 0;
		}
	/* table ids only grow on a server; a long stream would collect old
	 * ones: start over past a bound, the server re-sends maps anyway */
	if (d->ntables >= 4096)
		drop_tables(d);
	if (d->ntables == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct cdc_table *tt = realloc(d->tables, cap * sizeof *tt);
		if (!tt) {
			cdc_table_release(&t);
			return fc_errf(err, FC_ENOMEM, "out of memory");
		}
		d->tables = tt;
		d->cap = cap;
	}
	d->tables[d->ntables] = t;
	d->last = d->ntables++;
	return 0;
}

/* Whether sql starts with word (case-insensitive) followed by a non-word. */
static bool starts_word(const char *sql, size_t len, const char *word)
{
	size_t n = strlen(word), i = 0;
	while (i < len && isspace((unsigned char)sql[i]))
		i++;
	if (len - i < n || strncasecmp(sql + i, word, n) != 0)
		return false;
	return len - i == n || !(isalnum((unsigned char)sql[i + n]) || sql[i + n] == '_');
}

void cdc_decoder_fence(struct cdc_decoder *d)
{
	d->fence.active = d->delivered.file[0] != '\0';
	snprintf(d->fence.file, sizeof d->fence.file, "%s", d->delivered.file);
	d->fence.pos = d->delivered.pos;
	d->fence.row = d->delivered.row;
}

/* Whether (file, pos, row) was delivered before a reconnect. Positions
 * only grow within a file; a new file name ends the fence. */
static bool fenced(struct cdc_decoder *d, uint64_t pos, uint32_t row)
{
	if (!d->fence.active)
		return false;
	if (strcmp(d->fence.file, d->at.file) == 0 &&
	    (pos < d->fence.pos || (pos == d->fence.pos && row <= d->fence.row)))
		return true;
	d->fence.active = false;
	return false;
}

static void mark_delivered(struct cdc_decoder *d, uint64_t pos, uint32_t row)
{
	/* called for every row: the file name changes only at rotations */
	if (strcmp(d->delivered.file, d->at.file) != 0)
		snprintf(d->delivered.file, sizeof d->delivered.file, "%s", d->at.file);
	d->delivered.pos = pos;
	d->delivered.row = row;
}

/* Case-insensitive search for needle in n bytes of hay (no NUL needed). */
static bool memmem_ci(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

static int commit(struct cdc_decoder *d, uint32_t ts, struct fc_err *err)
{
	d->in_tx = false;
	snprintf(d->at.gtid, sizeof d->at.gtid, "%s", d->tx_gtid);
	d->committed = d->at;
	return d->h.commit ? d->h.commit(d->h.ctx, &d->at, ts, err) : 0;
}

static int on_query(struct cdc_decoder *d, const struct cdc_event *ev, uint64_t pos,
                    struct fc_err *err)
{
	struct cdc_query q;
	int rc = cdc_query_parse(&d->fmt, ev, &d->scratch, &q, err);
	if (rc)
		return rc;
	if (starts_word(q.sql, q.sql_len, "BEGIN") || starts_word(q.sql, q.sql_len, "XA START")) {
		d->in_tx = true;
		return 0;
	}
	if (starts_word(q.sql, q.sql_len, "COMMIT") || starts_word(q.sql, q.sql_len, "XA COMMIT") ||
	    starts_word(q.sql, q.sql_len, "XA END") || starts_word(q.sql, q.sql_len, "XA PREPARE"))
		return starts_word(q.sql, q.sql_len, "COMMIT") ? commit(d, ev->timestamp, err) : 0;
	if (starts_word(q.sql, q.sql_len, "ROLLBACK") && !memmem_ci(q.sql, q.sql_len, " TO ")) {
		d->in_tx = false;
		return d->h.rollback ? d->h.rollback(d->h.ctx, err) : 0;
	}
	if (starts_word(q.sql, q.sql_len, "SAVEPOINT") || starts_word(q.sql, q.sql_len, "ROLLBACK"))
		return 0;
	/* DDL and other statements: table maps for the tables may change */
	{
		struct cdc_pos at = d->at;
		char db[256];
		at.pos = pos;
		snprintf(db, sizeof db, "%.*s", (int)q.db_len, q.db);
		drop_tables(d);
		if (!fenced(d, pos, 0)) {
			if (d->h.ddl && (rc = d->h.ddl(d->h.ctx, db, q.sql, q.sql_len, &at, err)))
				return rc;
			mark_delivered(d, pos, 0);
		}
	}
	/* a statement outside BEGIN ... COMMIT is its own transaction */
	return d->in_tx ? 0 : commit(d, ev->timestamp, err);
}

static int on_rows(struct cdc_decoder *d, const struct cdc_event *ev, uint64_t pos,
                   struct fc_err *err)
{
	struct cdc_rows rs;
	const struct cdc_table *t;
	struct cdc_change ch;
	int rc;

	if ((rc = cdc_rows_parse(&d->fmt, ev, &d->scratch, &rs, err)))
		return rc;
	t = cdc_decoder_table(d, rs.table_id);
	if (!t)
		return fc_errf(err, FC_ECORRUPT, "%s for table id %llu without its TABLE_MAP",
		               cdc_event_name(ev->type), (unsigned long long)rs.table_id);
	memset(&ch, 0, sizeof ch);
	ch.table = t;
	ch.op = rs.op;
	ch.file = d->at.file;
	ch.event_pos = pos;
	ch.gtid = d->tx_gtid;
	ch.timestamp = ev->timestamp;
	for (;;) {
		rc = cdc_rows_next(&rs, t, &d->before, &d->after, err);
		if (rc <= 0)
			return rc;
		ch.before = rs.op == CDC_OP_INSERT ? NULL : &d->before;
		ch.after = rs.op == CDC_OP_DELETE ? NULL : &d->after;
		if (!fenced(d, pos, ch.row)) {
			d->rows++;
			if (d->h.row && (rc = d->h.row(d->h.ctx, &ch, err)))
				return rc;
			mark_delivered(d, pos, ch.row);
		}
		ch.row++;
	}
}

int cdc_decoder_feed(struct cdc_decoder *d, const uint8_t *buf, size_t n, uint64_t pos,
                     struct fc_err *err)
{
	struct cdc_event ev;
	int rc;

	d->events++;
	if (n >= CDC_HEADER_LEN && buf[4] == CDC_EV_FORMAT_DESCRIPTION) {
		rc = cdc_format_parse(buf, n, &d->fmt, err);
		if (rc == 0) {
			drop_tables(d);
			d->at.pos = pos + n;
		}
		goto out;
	}
	if ((rc = cdc_event_parse(&d->fmt, buf, n, &ev, err)))
		goto out;
	/* a commit in this event resumes after it */
	d->at.pos = pos + n;
	switch (ev.type) {
	case CDC_EV_QUERY:
	case CDC_EV_QUERY_COMPRESSED:
		rc = on_query(d, &ev, pos, err);
		break;
	case CDC_EV_XID:
		rc = commit(d, ev.timestamp, err);
		break;
	case CDC_EV_TABLE_MAP:
		rc = add_table(d, &ev, err);
		break;
	case CDC_EV_ROTATE: {
		struct cdc_rotate r;
		if ((rc = cdc_rotate_parse(&d->fmt, &ev, &r, err)) == 0) {
			cdc_decoder_set_file(d, r.file, r.pos);
			return 0;
		}
		break;
	}
	case CDC_EV_MARIADB_GTID:
	case CDC_EV_MYSQL_GTID: {
		struct cdc_gtid g;
		if ((rc = cdc_gtid_parse(&ev, &g, err)) == 0) {
			snprintf(d->tx_gtid, sizeof d->tx_gtid, "%s", g.text);
			/* MariaDB: a non-standalone GTID opens the transaction itself */
			if (ev.type == CDC_EV_MARIADB_GTID && !g.standalone)
				d->in_tx = true;
		}
		break;
	}
	case CDC_EV_TRANSACTION_PAYLOAD:
		rc = fc_errf(err, FC_EUNSUPPORTED, "MySQL binlog transaction compression "
		             "(binlog_transaction_compression=ON) is not supported");
		break;
	default: {
		enum cdc_op op;
		if (cdc_is_rows_event(ev.type, &op))
			rc = on_rows(d, &ev, pos, err);
		break;   /* other events are skipped, the position moves on */
	}
	}
out:
	if (rc)
		return fc_err_prefix(err, "binlog '%s' at %llu", d->at.file[0] ? d->at.file : "?",
		                     (unsigned long long)pos);
	return 0;
}
