/* cdc/print.h - every row change of every table as JSON lines, without a
 * mapping (`ficus cdc read --all-tables`, `ficus cdc stream --all-tables`).
 *
 * One line per changed row:
 *   {"db":"baemin","table":"shop","op":"update","before":{...},"after":{...},
 *    "ts":"2026-11-25T01:40:00Z","gtid":"0-1-42","file":"binlog.000002",
 *    "pos":1784,"row":0}
 * before is present for update and delete, after for insert and update;
 * absent columns (binlog_row_image=MINIMAL) are left out, NULL is null.
 * Statements other than BEGIN/COMMIT (DDL) are lines with "op":"ddl" and
 * "sql". pos is the offset of the ROWS event, row the row's index in it. */
#ifndef CDC_PRINT_H
#define CDC_PRINT_H

#include "../lib/buf.h"
#include "decoder.h"

#include <stdio.h>

struct cdc_printer {
	FILE *out;
	struct fc_buf line;
	uint64_t rows, ddls, commits;
};

/* Fills h to print through p to out. */
void cdc_printer_init(struct cdc_printer *p, FILE *out, struct cdc_handler *h);
void cdc_printer_release(struct cdc_printer *p);

/* "YYYY-MM-DDTHH:MM:SSZ" for a UNIX time, into out (at least 24 bytes). */
void cdc_utc_text(uint32_t t, char *out);

#endif
