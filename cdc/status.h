/* cdc/status.h - where the pipeline stands, gathered for `ficus cdc status`,
 * `ficus sync status` and `ficus status`: the legacy server's position, the
 * cdc checkpoint and its lag, the bus, and sync's position and lag.
 *
 * The gatherers never stop at a component that is down: they mark it down
 * (up = false) with the reason in its error field and go on with the rest,
 * so an operator sees everything that can be seen. Each call connects and
 * disconnects; nothing is created in any database. */
#ifndef CDC_STATUS_H
#define CDC_STATUS_H

#include "../lib/config.h"
#include "../lib/err.h"
#include "checkpoint.h"

#include <stdbool.h>

struct st_part {
	bool known;                 /* configured and asked */
	bool up;
	char error[FC_ERR_MSG_MAX]; /* why it is down */
	const char *name, *shown;   /* the connection (shown: password masked) */
};

struct cdc_status {
	struct st_part source;      /* the legacy server */
	struct cdc_pos server;      /* its current binlog position */
	struct st_part bus;         /* the sink's store: outbox or NATS */
	const char *bus_kind;       /* "outbox", "nats", "jsonl" */
	const char *stream;         /* nats: the stream name */
	bool have_log;              /* the outbox table / the stream exists */
	unsigned long long events;  /* events in the outbox / stream */
	unsigned long long last_seq;
	bool have_checkpoint;
	struct cdc_checkpoint cp;
	const char *checkpoint_from; /* "(outbox)", "(nats)" or the file */
	bool lag_known;
	char lag_why[256];             /* when not known: why ("purged", ...) */
	bool lost;                     /* the checkpoint's binlog is gone: cdc cannot resume */
	unsigned long long lag_bytes;  /* binlog bytes after the checkpoint */
	long long lag_seconds;         /* since the last delivered commit; 0 caught up */
	int nconsumers;
	struct {
		char name[64];
		long long seq, behind;
	} consumers[16];
};

/* Fills st for cfg's cdc section (checkpoint_file: a JSON-lines sink's
 * checkpoint, or NULL). Returns 0, or -FC_ECONFIG when cfg has no cdc
 * section or the checkpoint file is unreadable (err says which). */
int cdc_status_get(const struct fc_config *cfg, const char *checkpoint_file,
                   struct cdc_status *st, struct fc_err *err);

struct sync_status {
	struct st_part target;
	bool have_position;
	long long seq;              /* outbox seq (or NATS stream seq) taken */
	long long batch_age;        /* seconds since sync's last batch */
	bool have_mode;             /* sync has run: polling is meaningful */
	bool polling;               /* the bus was down: polling legacy tables */
	char poll_reason[256];
	long long polling_for;      /* seconds */
	struct st_part bus;
	const char *bus_kind;       /* "outbox", "nats", or NULL: nothing to consume */
	const char *stream;
	bool have_log;
	long long lag_events, lag_seconds;   /* -1: unknown */
};

/* Fills st for cfg's sync section. Returns 0, or -FC_ECONFIG when cfg has
 * no sync section. */
int sync_status_get(const struct fc_config *cfg, struct sync_status *st, struct fc_err *err);

#endif
