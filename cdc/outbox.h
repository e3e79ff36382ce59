/* cdc/outbox.h - the PostgreSQL outbox sink: events as rows of a table in
 * the target database, the cdc checkpoint in the same transaction, so that
 * after any crash every event is there exactly once.
 *
 *   ficus.outbox          seq bigserial, id text UNIQUE, topic, entity,
 *                         key jsonb, op, ts timestamptz, source jsonb,
 *                         payload jsonb, created_at
 *   ficus.cdc_checkpoint  name PRIMARY KEY, file, pos, gtid, ts, updated_at
 *   ficus.consumers       name PRIMARY KEY, seq (the last seq a consumer
 *                         has taken), updated_at
 *
 * Events go in batches (INSERT ... SELECT FROM jsonb_array_elements, up to
 * 1000 events a statement) inside one PostgreSQL transaction; several source
 * transactions may share it: it commits, with the checkpoint of the last
 * source transaction in it, once it holds max_events events or its oldest
 * source commit is max_delay_ms old, and whenever the binlog goes idle (the
 * stream's heartbeat) or the run stops. The commit NOTIFYs channel
 * ficus_outbox with the highest seq, to wake consumers (LISTEN). A source
 * ROLLBACK takes back its events with a savepoint. ON CONFLICT (id) DO
 * NOTHING makes a re-sent event harmless. */
#ifndef CDC_OUTBOX_H
#define CDC_OUTBOX_H

#include "../lib/buf.h"
#include "../lib/config.h"
#include "../lib/err.h"
#include "decoder.h"
#include "events.h"

#include <libpq-fe.h>
#include <stdbool.h>

struct cdc_outbox {
	PGconn *pg;
	const char *name;          /* checkpoint row, "cdc" */
	const char *shown;         /* the connection, printable */
	struct fc_buf batch;       /* "[event,event" not yet sent */
	size_t nbatch;
	bool in_tx;                /* a PostgreSQL transaction is open */
	bool savepoint;            /* the current source transaction has one */
	bool src_sent;             /* events of the current source transaction were sent */
	size_t tx_events;          /* events sent in the open transaction */
	size_t tx_commits;         /* source commits folded into it */
	double first_commit;       /* monotonic time of its first source commit */
	struct cdc_pos last;       /* after the last source commit */
	uint32_t last_ts;
	size_t max_events;         /* default 5000 */
	double max_delay_ms;       /* default 10 */
	unsigned long long committed_events;
};

/* Connects, creates the tables when missing, reads the checkpoint into
 * *resume (*have_resume false when there is none). */
int cdc_outbox_open(struct cdc_outbox *o, const struct fc_conn *conn, const char *name,
                    struct cdc_pos *resume, bool *have_resume, struct fc_err *err);
void cdc_outbox_sink(struct cdc_outbox *o, struct cdc_sink *sink);
/* Records where a run without a checkpoint starts, so that a crash before
 * its first commit resumes there and not at the server's position then. */
int cdc_outbox_start_at(struct cdc_outbox *o, const struct cdc_pos *start, struct fc_err *err);

/* Commits what is pending (idle binlog, end of run). */
int cdc_outbox_flush(struct cdc_outbox *o, struct fc_err *err);
/* Rolls back what was not committed and disconnects. */
void cdc_outbox_close(struct cdc_outbox *o);

/* The DDL of the outbox tables (idempotent), for docs and tests. */
extern const char cdc_outbox_ddl[];

#endif
