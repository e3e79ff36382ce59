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
	uint64_t serial;           /* this event's number, see cdc_image.serial */
};

/* One row image: for each column, absent, NULL, or a value. */
enum cdc_cell { CDC_CELL_ABSENT, CDC_CELL_NULL, CDC_CELL_VALUE };

struct cdc_image_memo;        /* private to rows.c */

/* A row image is read in one pass that checks every value and records
 * where each is stored (value, size: bytes inside the ROWS event, valid
 * while the row is handled). Its text is made in that pass too when the
 * handler asked for the previous row's whole image (cdc_image_json, as
 * `--all-tables` does for every row): then text holds the image's JSON
 * object and off/len each value's text in it. Otherwise a value becomes
 * text only when asked (cdc_image_value: the mapper wants the key and its
 * payload columns). Either way the text is exactly cdc_value_json's, and
 * every error cdc_value_json could report for the stored bytes is
 * reported by cdc_rows_next. */
struct cdc_image {
	size_t ncols, cap;
	uint8_t *cell;             /* enum cdc_cell per column */
	const uint8_t **value;     /* CDC_CELL_VALUE: the stored value */
	size_t *size;              /* and its bytes */
	const struct cdc_table *table;  /* the table the image was read with */
	uint64_t serial;           /* the ROWS event the image came from: unique
	                            * per cdc_rows_parse in the process, so text
	                            * made for one event can be kept for its rows */
	bool has_text;             /* text, off and len are made */
	struct fc_buf text;        /* {"name":value,...}, or scratch */
	size_t *off, *len;         /* each present column's value text in text */
	struct cdc_image_memo *memo;    /* text kept per event (names) */
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
 * left out, NULL as null); unnamed columns are "@1", "@2", ... t is the
 * table im was read with. */
int cdc_image_json(const struct cdc_image *im, const struct cdc_table *t, struct fc_buf *out);

/* Appends the JSON text of column i (null for NULL); i must be present. */
int cdc_image_value(const struct cdc_image *im, size_t i, struct fc_buf *out);

/* Whether column i, present (NULL or a value) in both images of one
 * table, has the same JSON text in a and b: equal stored bytes, else, for
 * types where other bytes can give the same text (DECIMAL's -0, text with
 * invalid bytes, ENUM labels, JSON, ...), equal text. */
bool cdc_image_same(const struct cdc_image *a, const struct cdc_image *b, size_t i);

/* Text a handler keeps for the rows of one event (the parts of its output
 * that are the same for every row), owned by the image. */
struct cdc_memo {
	uint64_t serial;           /* the cdc_image.serial it was made for, 0: none */
	const void *key[4];        /* more of what it was made for, the handler's */
	size_t mark[24];           /* the handler's (offsets into text, ...) */
	struct fc_buf text;
};

/* im's memo (images cdc_rows_next filled always have one). */
struct cdc_memo *cdc_image_memo(const struct cdc_image *im);

/* Checks the value of column c stored at p (n bytes available) as
 * cdc_value_json would decode it, with the same errors, and sets *used to
 * its stored size, without making its text (binary JSON is decoded into
 * scratch to be checked). cdc/value.c. */
int cdc_value_check(const struct cdc_column *c, const uint8_t *p, size_t n, size_t *used,
                    struct fc_buf *scratch, struct fc_err *err);

#endif
