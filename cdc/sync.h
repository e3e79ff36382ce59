/* cdc/sync.h - the projector: keeps the target's read models up to date.
 *
 * For a set of keys of an entity (from events, or a range of the legacy
 * table for a backfill) it fetches the current legacy rows by key
 * (`WHERE (k1, k2) IN ((..), ..)`), transforms each mapped column (trim,
 * null_if, value map and default, zero dates to NULL, timezone, cast) and
 * upserts them into the target table (INSERT ... ON CONFLICT (key) DO
 * UPDATE); keys whose legacy row is gone are deleted from the target. The
 * current state is fetched, not taken from the event, so replaying any
 * events in any order any number of times converges to the same state.
 *
 * The outbox consumer reads ficus.outbox after its position, applies a
 * batch in one target transaction and stores its position in
 * ficus.consumers (name 'sync') in that same transaction.
 *
 * When the bus is down (the outbox's database unreachable), sync keeps
 * working by polling: entities with a `from.changed` column have the rows
 * changed since the last poll (first: since the last batch taken from the
 * bus, minus 5 minutes) fetched and written the same way; the mode and the
 * reason are recorded in ficus.sync_state for `ficus sync status`. Deletes
 * are not seen by polling: they come through once the bus is back, and the
 * outbox is consumed from where it stopped.
 *
 * With sync.bus nats, sync reads the cdc sink's JetStream stream from the
 * stream sequence after its position (ficus.consumers, name 'sync': the
 * last stream sequence applied, written with the rows), with an ephemeral
 * pull consumer: the position lives in the target, as with the outbox. */
#ifndef CDC_SYNC_H
#define CDC_SYNC_H

#include "../lib/config.h"
#include "../lib/err.h"
#include "../lib/mapping.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cdc_sync_entity;

struct cdc_sync {
	const struct fc_config *cfg;
	const struct map_set *maps;
	MYSQL *my;                   /* legacy */
	PGconn *pg;                  /* target, where the consumer position lives */
	PGconn *bus;                 /* outbox connection (== pg when the same database) */
	struct cdc_sync_entity *ents;
	size_t nents;
	unsigned long long upserts, deletes, events, polled;
	long long position;          /* outbox seq consumed */
	const struct fc_conn *bus_conn; /* the outbox's, to reconnect */
	bool polling;                /* the bus is down: polling the legacy tables */
	char bus_down[512];          /* why */
	const char *nats_url;        /* sync.bus nats: the stream to read */
	const char *nats_stream;
	const char *nats_subjects;
};

/* Connects to the legacy and target databases (and the outbox's, for the
 * consumer) and prepares every mapping entity. */
int cdc_sync_open(struct cdc_sync *s, const struct fc_config *cfg, const struct map_set *maps,
                  bool need_bus, struct fc_err *err);
void cdc_sync_close(struct cdc_sync *s);

/* Brings n keys of entity e (JSON objects of the legacy key columns, as in
 * events: {"shop_id":42}) up to date, inside the caller's transaction. */
int cdc_sync_keys(struct cdc_sync *s, const struct map_entity *e, char *const *keys, size_t n,
                  struct fc_err *err);

/* Loads every row of entity e, by key ranges of chunk rows; progress(done)
 * is called after each chunk (may be NULL). */
int cdc_sync_backfill(struct cdc_sync *s, const struct map_entity *e, size_t chunk,
                      void (*progress)(void *ctx, unsigned long long done), void *ctx,
                      struct fc_err *err);

/* Applies events read as JSON lines from f (the envelopes of docs/cdc.md:
 * entity and key are used), batch lines per target transaction. Lines
 * that are not events of a known entity are an error naming the line. */
int cdc_sync_stdin(struct cdc_sync *s, FILE *f, size_t batch, struct fc_err *err);

/* Consumes the outbox in batches; stops when caught up if once, else waits
 * for NOTIFY (or 5 s) until *stop. */
int cdc_sync_consume(struct cdc_sync *s, size_t batch, bool once, volatile sig_atomic_t *stop,
                     struct fc_err *err);

#endif
