/* cdc/checkpoint.h - the position a cdc run resumes from, in a small JSON
 * file: {"file":"binlog.000005","pos":379,"gtid":"0-1-17"}. Written
 * atomically (temporary file, fsync, rename, fsync of the folder) and only
 * after the sink has durably taken everything before the position. */
#ifndef CDC_CHECKPOINT_H
#define CDC_CHECKPOINT_H

#include "../lib/err.h"
#include "decoder.h"

#include <stdbool.h>

/* Reads a checkpoint; -FC_ENOTFOUND when the file does not exist. */
int cdc_checkpoint_read(const char *path, struct cdc_pos *pos, struct fc_err *err);
int cdc_checkpoint_write(const char *path, const struct cdc_pos *pos, struct fc_err *err);

/* Parses "FILE:POS" (binlog.000005:379) into pos; false when malformed. */
bool cdc_pos_parse(const char *text, struct cdc_pos *pos);

#endif
