/* cdc/rows.h - ROWS events and their row images.
 *
 * Body: post-header table_id 6 | flags 2 [| extra_len 2 (v2, counts
 * itself) | extra data], then ncols (packed) | columns-present bitmap
 * ((ncols + 7) / 8) [| second bitmap for UPDATE: the after image's
 * columns] | rows. MariaDB's compressed variants (166-171) compress the
 * rows part (see binlog.h's cdc_inflate).
 *
 * Each row image is: a null bitmap with one bit per PRESENT column
 * ((present + 7) / 8 bytes, LSB first), then the values of the present,
 * non-NULL columns in column order, each in its storage format (value.h).
 * WRITE rows carry an after image, DELETE rows a before image, UPDATE rows
 * a before image then an after image. With binlog_row_image=MINIMAL only
 * some columns are present: absent columns are reported absent, never
 * guessed. */
#ifndef CDC_ROWS_H
#define CDC_ROWS_H

#include "../lib/buf.h"
#include "../lib/err.h"
#include "binlog.h"
#include "tablemap.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cdc_op { CDC_OP_INSERT, CDC_OP_UPDATE, CDC_OP_DELETE };

const char *cdc_op_name(enum cdc_op op);

/* Whether an event type is a ROWS event ficus decodes; sets *op. */
bool cdc_is_rows_event(uint8_t type, enum cdc_op *op);

struct cdc_rows {
	enum cdc_op op;
	uint64_t table_id;
	uint16_t flags;            /* 1: end of statement */
	size_t ncols;
	const uint8_t *present[2]; /* before / only image; after image of UPDATE */
	const uint8_t *p, *end;    /* the rows not read yet */
};

/* One row image: for each column, absent, NULL, or a JSON value held in
 * text at [off, off + len). */
enum cdc_cell { CDC_CELL_ABSENT, CDC_CELL_NULL, CDC_CELL_VALUE };

struct cdc_image {
	size_t ncols, cap;
	uint8_t *cell;             /* enum cdc_cell per column */
	size_t *off, *len;
	struct fc_buf text;
};

/* Parses the event's header part; compressed rows are inflated into
 * scratch, which must outlive the iteration. */
int cdc_rows_parse(const struct cdc_format *f, const struct cdc_event *ev,
                   struct fc_buf *scratch, struct cdc_rows *rs, struct fc_err *err);

/* Decodes the next row of rs with table t into before / after (either may
 * be left empty for the op). Returns 1 with a row, 0 at the end, negative
 * on corrupt data (err names the table, column and byte offset in the
 * rows). */
int cdc_rows_next(struct cdc_rows *rs, const struct cdc_table *t, struct cdc_image *before,
                  struct cdc_image *after, struct fc_err *err);

void cdc_image_init(struct cdc_image *im);
void cdc_image_release(struct cdc_image *im);

/* Appends {"name":value,...} for the image's present columns (absent ones
 * left out, NULL as null); unnamed columns are "@1", "@2", ... */
int cdc_image_json(const struct cdc_image *im, const struct cdc_table *t, struct fc_buf *out);

#endif
