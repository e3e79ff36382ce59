/* cdc/names.h - column names and facts for TABLE_MAP events that carry
 * none (binlog_row_metadata=MINIMAL or NOBLOB, MySQL 5.x, MariaDB < 10.5).
 *
 * ficus then keeps its own history of table schemas, read from
 * information_schema when a table is first seen and read again after
 * every DDL statement in the binlog (so rows after an ALTER get the new
 * names). Before names are given to a TABLE_MAP, its column count and
 * types are compared with the schema read: on any mismatch (the schema
 * changed again since, or the stream is far behind) the columns stay
 * @1, @2, ... with a warning, rather than being given wrong names. The
 * schemas known at a checkpoint are saved beside it (FILE.schema) and
 * loaded on resume, so a restart decodes with the schema of its position,
 * not today's. */
#ifndef CDC_NAMES_H
#define CDC_NAMES_H

#include "../lib/config.h"
#include "../lib/err.h"
#include "tablemap.h"

#include <stdbool.h>
#include <stdio.h>

struct cdc_names_entry;

struct cdc_names {
	const struct fc_conn *conn;     /* where information_schema is read */
	void *my;                       /* MYSQL *, opened on first use */
	struct cdc_names_entry *entries;
	size_t n, cap;
	FILE *warn;                     /* where mismatches are reported */
	bool dirty;                     /* changed since the last save */
	bool disabled;                  /* lookups failed once: no more */
	unsigned long lookups, applied, mismatches;
};

void cdc_names_init(struct cdc_names *nm, const struct fc_conn *conn, FILE *warn);
void cdc_names_release(struct cdc_names *nm);

/* Gives t its names, signedness, charsets and labels when it has none and
 * the schema agrees with its types; marks MariaDB JSON columns (LONGTEXT
 * with a json_valid CHECK) so their values are embedded as JSON. 0, or
 * negative on a failed lookup. */
int cdc_names_apply(struct cdc_names *nm, struct cdc_table *t, struct fc_err *err);

/* A DDL statement passed: forget what was read (it is read again). */
void cdc_names_invalidate(struct cdc_names *nm);

/* Saves / loads the known schemas (one line per table). */
/* Saves only when something changed since the last save. */
int cdc_names_save(struct cdc_names *nm, const char *path, struct fc_err *err);
int cdc_names_load(struct cdc_names *nm, const char *path, struct fc_err *err);

#endif
