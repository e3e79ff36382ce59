/* cdc/decoder.h - the binlog event state machine shared by every source.
 *
 * A source (binlog files, the replication stream) feeds whole events in
 * order; the decoder keeps the format, the table maps, the current file
 * name, GTID and transaction, decodes row images one row at a time (a
 * transaction is never held in memory) and calls the handler:
 *
 *   row      for each changed row, with its images
 *   commit   at XID / COMMIT / the end of a standalone (DDL) transaction,
 *            with the position after it: where to resume
 *   rollback when a transaction ends in ROLLBACK
 *   ddl      for a statement that is not BEGIN/COMMIT/ROLLBACK/SAVEPOINT
 *
 * Events ficus does not use are skipped; the position moves on. */
#ifndef CDC_DECODER_H
#define CDC_DECODER_H

#include "../lib/buf.h"
#include "../lib/err.h"
#include "binlog.h"
#include "rows.h"
#include "tablemap.h"

#include <stdbool.h>
#include <stdint.h>

/* A position in the binlog: file and offset, and the GTID of the last
 * transaction (MariaDB domain-server-seq or MySQL uuid:n). */
struct cdc_pos {
	char file[256];
	uint64_t pos;
	char gtid[80];
};

struct cdc_change {
	const struct cdc_table *table;
	enum cdc_op op;
	const struct cdc_image *before;  /* update, delete */
	const struct cdc_image *after;   /* insert, update */
	const char *file;
	uint64_t event_pos;              /* offset of the ROWS event */
	uint32_t row;                    /* index of the row in that event */
	const char *gtid;                /* of the transaction, "" when none */
	uint32_t timestamp;              /* the event's header time */
};

struct cdc_handler {
	void *ctx;
	/* a TABLE_MAP was read; may add what the event lacks (names) */
	int (*table)(void *ctx, struct cdc_table *t, struct fc_err *err);
	int (*row)(void *ctx, const struct cdc_change *ch, struct fc_err *err);
	int (*commit)(void *ctx, const struct cdc_pos *next, uint32_t timestamp, struct fc_err *err);
	int (*rollback)(void *ctx, struct fc_err *err);
	int (*ddl)(void *ctx, const char *db, const char *sql, size_t len, const struct cdc_pos *at,
	           struct fc_err *err);
	/* the binlog is idle (a heartbeat, the end of the input): batching
	 * sinks commit what they hold */
	int (*idle)(void *ctx, struct fc_err *err);
};

struct cdc_decoder {
	struct cdc_format fmt;
	struct cdc_table *tables;        /* table maps by id, ntables of them */
	size_t ntables, cap;
	size_t last;                     /* index of the last table used */
	struct cdc_pos at;               /* file, position of the next event, last GTID */
	struct cdc_pos committed;        /* after the last committed transaction */
	/* rows and statements at or before this point were delivered already
	 * (a stream that reconnects re-reads its current transaction) */
	struct {
		bool active;
		char file[256];
		uint64_t pos;
		uint32_t row;
	} fence;
	struct {
		char file[256];
		uint64_t pos;
		uint32_t row;
	} delivered;                     /* the last row or statement delivered */
	bool in_tx;
	char tx_gtid[80];
	struct fc_buf scratch;
	struct cdc_image before, after;
	struct cdc_handler h;
	uint64_t events, rows;           /* counters */
};

void cdc_decoder_init(struct cdc_decoder *d, const struct cdc_handler *h);
void cdc_decoder_release(struct cdc_decoder *d);

/* Names the file the next events come from (a source's own knowledge; a
 * ROTATE event also sets it). */
void cdc_decoder_set_file(struct cdc_decoder *d, const char *name, uint64_t pos);

/* Feeds one whole event (header, body, checksum) that starts at offset pos
 * of the current file. Errors name the file, the offset and the event. */
int cdc_decoder_feed(struct cdc_decoder *d, const uint8_t *buf, size_t n, uint64_t pos,
                     struct fc_err *err);

/* Arms the fence at the last delivered row, so that re-read events up to
 * it are not delivered again (used before a reconnect). */
void cdc_decoder_fence(struct cdc_decoder *d);

/* Tells the handler the input is idle (see cdc_handler.idle). */
int cdc_decoder_idle(struct cdc_decoder *d, struct fc_err *err);

/* The table map for a table id, or NULL. */
const struct cdc_table *cdc_decoder_table(struct cdc_decoder *d, uint64_t id);

#endif
