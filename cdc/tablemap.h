/* cdc/tablemap.h - TABLE_MAP events: which table a table id means and how
 * its columns are stored.
 *
 * Body (after the post-header: table_id 6 bytes (4 in pre-5.1 formats with a
 * 6-byte post-header), flags 2):
 *   db_len 1 | db | NUL | name_len 1 | name | NUL | ncols (packed int) |
 *   types (ncols bytes) | meta_len (packed) | metadata | null bitmap
 *   ((ncols + 7) / 8) | optional metadata: (type 1, len packed, value)*
 *
 * Per-column metadata bytes by type: FLOAT, DOUBLE, BLOB, GEOMETRY, JSON,
 * TIME2, DATETIME2, TIMESTAMP2: 1; VARCHAR, VAR_STRING, NEWDECIMAL
 * (precision, scale), BIT (bits % 8, bytes), STRING (real type, length),
 * ENUM, SET: 2; others 0. A STRING whose first metadata byte does not have
 * both 0x30 bits set is a long CHAR: real type byte | 0x30, length = second
 * byte | (((first & 0x30) ^ 0x30) << 4).
 *
 * Optional metadata (binlog_row_metadata=MINIMAL/FULL; MySQL 8.0.1+,
 * MariaDB 10.5+): 1 SIGNEDNESS (bitmap over numeric columns, MSB first),
 * 2 DEFAULT_CHARSET (default collation, then (char column index,
 * collation) pairs), 3 COLUMN_CHARSET (a collation per char column),
 * 4 COLUMN_NAME (packed length + name per column), 5 SET_STR_VALUE and
 * 6 ENUM_STR_VALUE (per SET/ENUM column: count, then packed length + label
 * each), 7 GEOMETRY_TYPE, 8 SIMPLE_PRIMARY_KEY (column indexes),
 * 9 PRIMARY_KEY_WITH_PREFIX ((index, prefix) pairs), 10/11 the charsets of
 * ENUM and SET columns like 2/3, 12 COLUMN_VISIBILITY. "Numeric" columns
 * are TINY, SHORT, INT24, LONG, LONGLONG, FLOAT, DOUBLE, NEWDECIMAL;
 * "character" columns are STRING (not ENUM/SET), VARCHAR, VAR_STRING and
 * BLOB, and on MariaDB also GEOMETRY (checked against MariaDB 10.11: its
 * charset exceptions count geometry columns). */
#ifndef CDC_TABLEMAP_H
#define CDC_TABLEMAP_H

#include "../lib/arena.h"
#include "../lib/err.h"
#include "binlog.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cdc_table {
	uint64_t id;
	const char *db;
	const char *name;
	size_t ncols;
	struct cdc_column *cols;
	uint32_t *pk;              /* primary key column indexes, npk of them */
	size_t npk;
	bool has_names;            /* column names came with the event */
	struct fc_arena arena;     /* owns every string and array above */
};

/* Parses a TABLE_MAP event into t (zeroed first; release it with
 * cdc_table_release). */
int cdc_tablemap_parse(const struct cdc_format *f, const struct cdc_event *ev,
                       struct cdc_table *t, struct fc_err *err);
void cdc_table_release(struct cdc_table *t);

/* The table id in a ROWS or TABLE_MAP event's post-header. */
uint64_t cdc_table_id(const struct cdc_format *f, const struct cdc_event *ev);

#endif
