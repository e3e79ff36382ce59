/* cdc/events.h - row changes to domain events, per the mappings.
 *
 * Each mapping entity whose from.table is the changed row's table turns the
 * change into one envelope (docs/cdc.md):
 *
 *   {"id":"binlog.000002:1784:0:shop","topic":"shop.changed","entity":"shop",
 *    "key":{"shop_id":42},"op":"update","ts":"2026-11-25T01:40:00Z",
 *    "source":{"file":"binlog.000002","pos":1784,"row":0,"gtid":"0-1-42"}}
 *
 * plus "payload" when the entity asks for one (key, listed columns, full).
 * The id is derived from the source position, the row's index and the
 * entity, so a replay of the same binlog yields the same ids. An update
 * that changes none of the entity's watch columns raises no event; an
 * update that changes the key raises a delete of the old key and an insert
 * of the new one. One table may feed several entities. */
#ifndef CDC_EVENTS_H
#define CDC_EVENTS_H

#include "../lib/buf.h"
#include "../lib/err.h"
#include "../lib/mapping.h"
#include "decoder.h"

#include <stdint.h>

/* Where events go: called per event as it is made, at each commit (the
 * position after the transaction) and on a rollback. */
struct cdc_sink {
	void *ctx;
	int (*event)(void *ctx, const char *json, size_t len, struct fc_err *err);
	int (*commit)(void *ctx, const struct cdc_pos *next, uint32_t ts, struct fc_err *err);
	int (*rollback)(void *ctx, struct fc_err *err);
};

struct cdc_route;   /* entities by table, private */

struct cdc_mapper {
	const struct map_set *maps;
	const char *default_db;     /* the legacy DSN's database, for unqualified tables */
	struct cdc_sink sink;
	struct fc_buf json;
	uint64_t events, skipped_watch;
	/* replay filters (NULL / 0: all) */
	const char *only_entity;
	const char *only_key;       /* the key's JSON text, e.g. {"shop_id":42} */
	uint32_t from_ts, to_ts;    /* only changes made in [from_ts, to_ts] */
};

/* Fills h so that the decoder's changes become events for sink. */
void cdc_mapper_init(struct cdc_mapper *m, const struct map_set *maps, const char *default_db,
                     const struct cdc_sink *sink, struct cdc_handler *h);
void cdc_mapper_release(struct cdc_mapper *m);

#endif
