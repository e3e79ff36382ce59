/* cdc/checkpoint.h - the position a cdc run resumes from, in a small JSON
 * file: {"file":"binlog.000005","pos":379,"gtid":"0-1-17","ts":1764000000,
 * "sink_offset":12345}: the binlog position after the last transaction the
 * sink took, its commit time, and (for a JSON-lines file sink) the size of
 * the output at that point, so a restart can cut off a partly written
 * transaction. Written
 * atomically (temporary file, fsync, rename, fsync of the folder) and only
 * after the sink has durably taken everything before the position. */
#ifndef CDC_CHECKPOINT_H
#define CDC_CHECKPOINT_H

#include "../lib/err.h"
#include "decoder.h"

#include <stdbool.h>
#include <stdint.h>

struct cdc_checkpoint {
	struct cdc_pos pos;
	uint32_t ts;              /* commit time of the last transaction, 0 unknown */
	long long sink_offset;    /* -1: none */
};

/* Reads a checkpoint; -FC_ENOTFOUND when the file does not exist. */
int cdc_checkpoint_read(const char *path, struct cdc_checkpoint *cp, struct fc_err *err);
int cdc_checkpoint_write(const char *path, const struct cdc_checkpoint *cp, struct fc_err *err);

/* Parses "FILE:POS" (binlog.000005:379) into pos; false when malformed. */
bool cdc_pos_parse(const char *text, struct cdc_pos *pos);

#endif
