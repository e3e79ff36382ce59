/* cdc/snapshot.h - a consistent snapshot of the mapped tables as events.
 *
 * One MariaDB/MySQL transaction, START TRANSACTION WITH CONSISTENT SNAPSHOT,
 * reads the keys of every mapped table in key order (keyset chunks); the
 * server's binlog_snapshot_file / binlog_snapshot_position (MariaDB) say
 * which binlog position that snapshot corresponds to, so that streaming
 * continues from exactly there: no change is missed or seen twice between
 * the snapshot and the stream. Each row becomes an event with op
 * "snapshot" (id "snapshot:FILE:POS:ENTITY:KEY"), and the sink's commit
 * gets the snapshot position as the checkpoint. */
#ifndef CDC_SNAPSHOT_H
#define CDC_SNAPSHOT_H

#include "../lib/config.h"
#include "../lib/err.h"
#include "../lib/buf.h"
#include "../lib/mapping.h"
#include "../lib/schema.h"
#include "decoder.h"
#include "events.h"

#include <signal.h>

struct cdc_snapshot_opts {
	const struct fc_conn *conn;      /* legacy */
	const struct map_set *maps;
	const char *only_entity;         /* NULL: every entity */
	size_t chunk;                    /* keys per query, default 10000 */
	void (*progress)(void *ctx, const char *entity, unsigned long long done,
	                 unsigned long long total);
	void *ctx;
};

/* Appends the entity's legacy key of a MySQL row (its first nkey fields)
 * as events write it: {"k1":42,"k2":"x"} (integers bare, the rest as
 * strings). ti gives the column types. */
int cdc_key_json(struct fc_buf *b, const struct map_entity *e, const struct fc_table_info *ti,
                 char **row);

/* Emits the snapshot into sink and commits it at the snapshot's position
 * (*at gets it). */
int cdc_snapshot_run(const struct cdc_snapshot_opts *o, const struct cdc_sink *sink,
                     struct cdc_pos *at, unsigned long long *events, volatile sig_atomic_t *stop,
                     struct fc_err *err);

#endif
