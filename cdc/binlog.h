/* cdc/binlog.h - the MySQL/MariaDB binary log format: event framing and
 * the bodies of the events cdc uses. Row images are in rows.h, TABLE_MAP in
 * tablemap.h.
 *
 * A binlog file starts with the magic 0xfe 'b' 'i' 'n' and is a sequence of
 * events. The replication stream sends the same events (after an OK byte
 * the connector strips). Every event (binlog v4, MySQL 5.0+) is:
 *
 *   offset  width  field
 *   0       4      timestamp      seconds since the epoch (UTC)
 *   4       1      type           enum cdc_event_type
 *   5       4      server_id
 *   9       4      event_size     header + body + checksum
 *   13      4      log_pos        position of the NEXT event in the file
 *   17      2      flags
 *   19      ...    body           post-header, then the variable part
 *   size-4  4      CRC32          only when the FORMAT_DESCRIPTION says so
 *
 * All integers are little-endian. The FORMAT_DESCRIPTION event (type 15,
 * first after the magic) gives the header length (19) and each event type's
 * post-header length, and, from MySQL 5.6.1 / MariaDB 5.3 on, the checksum
 * algorithm: the byte 5 bytes before its end (0 off, 1 CRC32), followed by
 * the FDE's own 4-byte checksum. CRC32 is zlib's crc32 over the event from
 * its first byte up to the checksum.
 *
 * Bodies used here:
 *   QUERY (2)        thread_id 4, exec_time 4, db_len 1, error_code 2,
 *                    status_vars_len 2 | status vars | db NUL | query text
 *   ROTATE (4)       position 8 | next file name (to the end)
 *   XID (16)         xid 8
 *   MariaDB GTID (162)  seq_no 8, domain_id 4, flags 1 [, commit_id 8 if
 *                    flags & 2]; flags & 1 (STANDALONE): no BEGIN...COMMIT,
 *                    e.g. DDL. GTID text: domain-server_id-seq_no
 *   MySQL GTID (33)  flags 1, uuid 16, gno 8, ...; text: uuid:gno
 *   ANNOTATE_ROWS (160), ROWS_QUERY (29): the statement text
 *   QUERY_COMPRESSED (165) and ROWS_COMPRESSED (166-171): MariaDB's
 *                    compressed events; the compressed part starts with a
 *                    header byte (0x80 | algorithm << 4 | n), n bytes of
 *                    big-endian uncompressed length, then zlib data. */
#ifndef CDC_BINLOG_H
#define CDC_BINLOG_H

#include "../lib/buf.h"
#include "../lib/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cdc_event_type {
	CDC_EV_QUERY = 2,
	CDC_EV_STOP = 3,
	CDC_EV_ROTATE = 4,
	CDC_EV_INTVAR = 5,
	CDC_EV_RAND = 13,
	CDC_EV_USER_VAR = 14,
	CDC_EV_FORMAT_DESCRIPTION = 15,
	CDC_EV_XID = 16,
	CDC_EV_TABLE_MAP = 19,
	CDC_EV_PRE_GA_WRITE_ROWS = 20,
	CDC_EV_PRE_GA_DELETE_ROWS = 22,
	CDC_EV_WRITE_ROWS_V1 = 23,
	CDC_EV_UPDATE_ROWS_V1 = 24,
	CDC_EV_DELETE_ROWS_V1 = 25,
	CDC_EV_INCIDENT = 26,
	CDC_EV_HEARTBEAT = 27,
	CDC_EV_IGNORABLE = 28,
	CDC_EV_ROWS_QUERY = 29,
	CDC_EV_WRITE_ROWS_V2 = 30,
	CDC_EV_UPDATE_ROWS_V2 = 31,
	CDC_EV_DELETE_ROWS_V2 = 32,
	CDC_EV_MYSQL_GTID = 33,
	CDC_EV_ANONYMOUS_GTID = 34,
	CDC_EV_PREVIOUS_GTIDS = 35,
	CDC_EV_XA_PREPARE = 38,
	CDC_EV_PARTIAL_UPDATE_ROWS = 39,
	CDC_EV_TRANSACTION_PAYLOAD = 40,
	CDC_EV_HEARTBEAT_V2 = 41,
	CDC_EV_ANNOTATE_ROWS = 160,
	CDC_EV_BINLOG_CHECKPOINT = 161,
	CDC_EV_MARIADB_GTID = 162,
	CDC_EV_GTID_LIST = 163,
	CDC_EV_START_ENCRYPTION = 164,
	CDC_EV_QUERY_COMPRESSED = 165,
	CDC_EV_WRITE_ROWS_COMPRESSED_V1 = 166,
	CDC_EV_UPDATE_ROWS_COMPRESSED_V1 = 167,
	CDC_EV_DELETE_ROWS_COMPRESSED_V1 = 168,
	CDC_EV_WRITE_ROWS_COMPRESSED = 169,
	CDC_EV_UPDATE_ROWS_COMPRESSED = 170,
	CDC_EV_DELETE_ROWS_COMPRESSED = 171,
};

#define CDC_BINLOG_MAGIC "\xfe" "bin"
#define CDC_HEADER_LEN 19
/* Largest event accepted: MySQL's max_allowed_packet ceiling (1 GiB). */
#define CDC_MAX_EVENT ((size_t)1 << 30)

/* The event header, and where the body is. */
struct cdc_event {
	uint32_t timestamp;
	uint8_t type;
	uint32_t server_id;
	uint32_t size;            /* whole event, as in the header */
	uint32_t next_pos;        /* log_pos: where the next event starts */
	uint16_t flags;
	const uint8_t *body;      /* after the header */
	size_t body_len;          /* checksum excluded */
};

/* What a FORMAT_DESCRIPTION event says. */
struct cdc_format {
	uint16_t binlog_version;
	char server_version[51];
	bool mariadb;
	uint8_t header_len;
	uint8_t post_header[256]; /* post-header length by event type */
	bool checksum;            /* events end with a CRC32 */
};

/* The format to assume before any FORMAT_DESCRIPTION (v4, no checksum). */
void cdc_format_default(struct cdc_format *f);

/* Parses the header of one event in buf[0..n) (n = the whole event) and
 * verifies its checksum when f says events have one. err names what is
 * wrong; the caller adds file and offset. */
int cdc_event_parse(const struct cdc_format *f, const uint8_t *buf, size_t n,
                    struct cdc_event *ev, struct fc_err *err);

/* Reads a FORMAT_DESCRIPTION event (whole event in buf[0..n)) into f;
 * checks its own checksum when it has one. */
int cdc_format_parse(const uint8_t *buf, size_t n, struct cdc_format *f, struct fc_err *err);

/* Name of an event type for messages ("TABLE_MAP"), or "UNKNOWN". */
const char *cdc_event_name(uint8_t type);

/* Bodies. Strings point into the event, with lengths. */
struct cdc_query {
	const char *db;
	size_t db_len;
	const char *sql;
	size_t sql_len;
	uint16_t error_code;
};
/* QUERY and QUERY_COMPRESSED; a compressed query is inflated into scratch. */
int cdc_query_parse(const struct cdc_format *f, const struct cdc_event *ev,
                    struct fc_buf *scratch, struct cdc_query *q, struct fc_err *err);

struct cdc_rotate {
	uint64_t pos;
	char file[512];
};
int cdc_rotate_parse(const struct cdc_format *f, const struct cdc_event *ev,
                     struct cdc_rotate *r, struct fc_err *err);

/* MariaDB or MySQL GTID as text; standalone says the transaction has no
 * BEGIN/COMMIT (DDL). */
struct cdc_gtid {
	char text[80];
	bool standalone;
	uint32_t domain;
	uint32_t server_id;
	uint64_t seq;
};
int cdc_gtid_parse(const struct cdc_event *ev, struct cdc_gtid *g, struct fc_err *err);

/* Inflates a MariaDB compressed block (header byte, length, zlib data) of n
 * bytes at p into out (replacing its contents). The uncompressed size is
 * capped at CDC_MAX_EVENT. */
int cdc_inflate(const uint8_t *p, size_t n, struct fc_buf *out, struct fc_err *err);

#endif
