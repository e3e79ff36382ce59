/* cdc/binlog.c - event framing and small event bodies; see binlog.h for the
 * layout. */
#include "binlog.h"

#include "bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <isa-l/crc.h>
#include <zlib.h>

void cdc_format_default(struct cdc_format *f)
{
	memset(f, 0, sizeof *f);
	f->binlog_version = 4;
	f->header_len = CDC_HEADER_LEN;
	/* post-header lengths of MySQL 5.0 for the events that have them */
	f->post_header[CDC_EV_QUERY] = 13;
	f->post_header[CDC_EV_ROTATE] = 8;
	f->post_header[CDC_EV_TABLE_MAP] = 8;
	f->post_header[CDC_EV_WRITE_ROWS_V1] = 8;
	f->post_header[CDC_EV_UPDATE_ROWS_V1] = 8;
	f->post_header[CDC_EV_DELETE_ROWS_V1] = 8;
}

static int version_at_least(const char *v, int a, int b, int c)
{
	int x = 0, y = 0, z = 0;
	if (sscanf(v, "%d.%d.%d", &x, &y, &z) < 2)
		return 0;
	if (x != a)
		return x > a;
	if (y != b)
		return y > b;
	return z >= c;
}

int cdc_format_parse(const uint8_t *buf, size_t n, struct cdc_format *f, struct fc_err *err)
{
	const size_t fixed = CDC_HEADER_LEN + 2 + 50 + 4 + 1;
	size_t end = n, count;
	bool has_alg;

	memset(f, 0, sizeof *f);
	if (n < fixed)
		return fc_errf(err, FC_ECORRUPT, "FORMAT_DESCRIPTION event of %zu bytes is too short "
		               "(at least %zu)", n, fixed);
	f->binlog_version = cdc_le16(buf + CDC_HEADER_LEN);
	memcpy(f->server_version, buf + CDC_HEADER_LEN + 2, 50);
	f->server_version[50] = '\0';
	for (size_t i = 0; i < 50; i++)   /* the field is NUL-padded; keep it printable */
		if (f->server_version[i] && (f->server_version[i] < 32 || f->server_version[i] > 126))
			f->server_version[i] = '?';
	if (f->binlog_version != 4)
		return fc_errf(err, FC_EUNSUPPORTED, "binlog format version %u (only v4, MySQL 5.0+, "
		               "is supported)", f->binlog_version);
	f->mariadb = strstr(f->server_version, "MariaDB") != NULL;
	f->header_len = buf[CDC_HEADER_LEN + 2 + 50 + 4];
	if (f->header_len < CDC_HEADER_LEN)
		return fc_errf(err, FC_ECORRUPT, "FORMAT_DESCRIPTION gives a header length of %u "
		               "(at least 19)", f->header_len);
	has_alg = f->mariadb ? version_at_least(f->server_version, 5, 3, 0)
	                     : version_at_least(f->server_version, 5, 6, 1);
	if (has_alg) {
		uint8_t alg;
		if (n < fixed + 5)
			return fc_errf(err, FC_ECORRUPT, "FORMAT_DESCRIPTION too short for its checksum");
		alg = buf[n - 5];
		if (alg > 1 && alg != 255)
			return fc_errf(err, FC_EUNSUPPORTED, "checksum algorithm %u (only CRC32 is "
			               "supported)", alg);
		f->checksum = alg == 1;
		end = n - 5;
		if (f->checksum) {
			/* the server sets LOG_EVENT_BINLOG_IN_USE_F (0x1) in the file
			 * while writing it, after computing the checksum without it */
			uint8_t flags[2] = { (uint8_t)(buf[17] & ~1u), buf[18] };
			uint32_t want = cdc_le32(buf + n - 4);
			uint32_t got = (uint32_t)crc32(0, buf, 17);
			got = (uint32_t)crc32(got, flags, 2);
			got = (uint32_t)crc32(got, buf + 19, (uInt)(n - 4 - 19));
			if (want != got)
				return fc_errf(err, FC_ECORRUPT, "FORMAT_DESCRIPTION checksum mismatch "
				               "(stored %08x, computed %08x)", want, got);
		}
	}
	count = end - fixed;
	if (count > 255)
		count = 255;
	for (size_t i = 0; i < count; i++)
		f->post_header[i + 1] = buf[fixed + i];
	return 0;
}

int cdc_event_parse(const struct cdc_format *f, const uint8_t *buf, size_t n,
                    struct cdc_event *ev, struct fc_err *err)
{
	size_t tail = f->checksum ? 4 : 0;

	if (n < CDC_HEADER_LEN)
		return fc_errf(err, FC_ECORRUPT, "event header needs 19 bytes, %zu left", n);
	ev->timestamp = cdc_le32(buf);
	ev->type = buf[4];
	ev->server_id = cdc_le32(buf + 5);
	ev->size = cdc_le32(buf + 9);
	ev->next_pos = cdc_le32(buf + 13);
	ev->flags = cdc_le16(buf + 17);
	if (ev->size != n)
		return fc_errf(err, FC_ECORRUPT, "event size %u in the header, %zu bytes given",
		               ev->size, n);
	/* the FDE is framed by its own rules: it may carry a checksum even
	 * before we know the format */
	if (ev->type == CDC_EV_FORMAT_DESCRIPTION)
		tail = 0;
	if (n < (size_t)f->header_len + tail)
		return fc_errf(err, FC_ECORRUPT, "%s event of %zu bytes is shorter than its header",
		               cdc_event_name(ev->type), n);
	if (tail) {
		uint32_t want = cdc_le32(buf + n - 4);
		/* ISA-L's CRC32 (the reflected IEEE one, as zlib's): folds with
		 * carry-less multiplies, about 3x zlib's speed on large events */
		uint32_t got = crc32_gzip_refl(0, buf, n - 4);
		if (want != got)
			return fc_errf(err, FC_ECORRUPT, "%s event checksum mismatch (stored %08x, "
			               "computed %08x)", cdc_event_name(ev->type), want, got);
	}
	ev->body = buf + f->header_len;
	ev->body_len = n - f->header_len - tail;
	return 0;
}

const char *cdc_event_name(uint8_t type)
{
	switch (type) {
	case CDC_EV_QUERY: return "QUERY";
	case CDC_EV_STOP: return "STOP";
	case CDC_EV_ROTATE: return "ROTATE";
	case CDC_EV_INTVAR: return "INTVAR";
	case CDC_EV_RAND: return "RAND";
	case CDC_EV_USER_VAR: return "USER_VAR";
	case CDC_EV_FORMAT_DESCRIPTION: return "FORMAT_DESCRIPTION";
	case CDC_EV_XID: return "XID";
	case CDC_EV_TABLE_MAP: return "TABLE_MAP";
	case CDC_EV_WRITE_ROWS_V1: return "WRITE_ROWS_V1";
	case CDC_EV_UPDATE_ROWS_V1: return "UPDATE_ROWS_V1";
	case CDC_EV_DELETE_ROWS_V1: return "DELETE_ROWS_V1";
	case CDC_EV_INCIDENT: return "INCIDENT";
	case CDC_EV_HEARTBEAT: return "HEARTBEAT";
	case CDC_EV_IGNORABLE: return "IGNORABLE";
	case CDC_EV_ROWS_QUERY: return "ROWS_QUERY";
	case CDC_EV_WRITE_ROWS_V2: return "WRITE_ROWS";
	case CDC_EV_UPDATE_ROWS_V2: return "UPDATE_ROWS";
	case CDC_EV_DELETE_ROWS_V2: return "DELETE_ROWS";
	case CDC_EV_MYSQL_GTID: return "GTID";
	case CDC_EV_ANONYMOUS_GTID: return "ANONYMOUS_GTID";
	case CDC_EV_PREVIOUS_GTIDS: return "PREVIOUS_GTIDS";
	case CDC_EV_XA_PREPARE: return "XA_PREPARE";
	case CDC_EV_PARTIAL_UPDATE_ROWS: return "PARTIAL_UPDATE_ROWS";
	case CDC_EV_TRANSACTION_PAYLOAD: return "TRANSACTION_PAYLOAD";
	case CDC_EV_HEARTBEAT_V2: return "HEARTBEAT_V2";
	case CDC_EV_ANNOTATE_ROWS: return "ANNOTATE_ROWS";
	case CDC_EV_BINLOG_CHECKPOINT: return "BINLOG_CHECKPOINT";
	case CDC_EV_MARIADB_GTID: return "GTID";
	case CDC_EV_GTID_LIST: return "GTID_LIST";
	case CDC_EV_START_ENCRYPTION: return "START_ENCRYPTION";
	case CDC_EV_QUERY_COMPRESSED: return "QUERY_COMPRESSED";
	case CDC_EV_WRITE_ROWS_COMPRESSED_V1: return "WRITE_ROWS_COMPRESSED_V1";
	case CDC_EV_UPDATE_ROWS_COMPRESSED_V1: return "UPDATE_ROWS_COMPRESSED_V1";
	case CDC_EV_DELETE_ROWS_COMPRESSED_V1: return "DELETE_ROWS_COMPRESSED_V1";
	case CDC_EV_WRITE_ROWS_COMPRESSED: return "WRITE_ROWS_COMPRESSED";
	case CDC_EV_UPDATE_ROWS_COMPRESSED: return "UPDATE_ROWS_COMPRESSED";
	case CDC_EV_DELETE_ROWS_COMPRESSED: return "DELETE_ROWS_COMPRESSED";
	default: return "UNKNOWN";
	}
}

int cdc_inflate(const uint8_t *p, size_t n, struct fc_buf *out, struct fc_err *err)
{
	z_stream z;
	size_t lenbytes, want = 0;
	int rc;

	if (n < 1 || !(p[0] & 0x80))
		return fc_errf(err, FC_ECORRUPT, "compressed block without its header byte");
	if (((p[0] >> 4) & 7) != 0)
		return fc_errf(err, FC_EUNSUPPORTED, "compression algorithm %u (only zlib)",
		               (p[0] >> 4) & 7);
	lenbytes = p[0] & 7;
	if (lenbytes < 1 || lenbytes > 4 || n < 1 + lenbytes)
		return fc_errf(err, FC_ECORRUPT, "compressed block with a bad length header");
	for (size_t i = 0; i < lenbytes; i++)
		want = want << 8 | p[1 + i];
	if (want > CDC_MAX_EVENT)
		return fc_errf(err, FC_ECORRUPT, "compressed block claims %zu bytes", want);
	fc_buf_reset(out);
	if (fc_buf_reserve(out, want + 1))
		return fc_errf(err, FC_ENOMEM, "out of memory inflating %zu bytes", want);
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return fc_errf(err, FC_ENOMEM, "zlib: cannot start inflating");
	z.next_in = (Bytef *)(p + 1 + lenbytes);
	z.avail_in = (uInt)(n - 1 - lenbytes);
	z.next_out = (Bytef *)out->ptr;
	z.avail_out = (uInt)want + 1;
	rc = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if (rc != Z_STREAM_END || z.total_out != want)
		return fc_errf(err, FC_ECORRUPT, "compressed block does not inflate to its %zu bytes "
		               "(zlib %d, got %lu)", want, rc, (unsigned long)z.total_out);
	out->len = want;
	out->ptr[want] = '\0';
	return 0;
}

int cdc_query_parse(const struct cdc_format *f, const struct cdc_event *ev,
                    struct fc_buf *scratch, struct cdc_query *q, struct fc_err *err)
{
	struct cdc_rd r = cdc_rd_make(ev->body, ev->body_len);
	size_t post = f->post_header[CDC_EV_QUERY] ? f->post_header[CDC_EV_QUERY] : 13;
	size_t db_len, vars_len;
	const uint8_t *db, *sql;
	int rc;

	(void)cdc_rd_uint(&r, 4);          /* thread id */
	(void)cdc_rd_uint(&r, 4);          /* exec time */
	db_len = (size_t)cdc_rd_uint(&r, 1);
	q->error_code = (uint16_t)cdc_rd_uint(&r, 2);
	vars_len = (size_t)cdc_rd_uint(&r, 2);
	if (post > 13)
		(void)cdc_rd_bytes(&r, post - 13);
	(void)cdc_rd_bytes(&r, vars_len);
	db = cdc_rd_bytes(&r, db_len + 1);
	if (r.bad)
		return fc_errf(err, FC_ECORRUPT, "%s event too short for its fields",
		               cdc_event_name(ev->type));
	sql = r.p;
	q->db = (const char *)db;
	q->db_len = db_len;
	if (ev->type == CDC_EV_QUERY_COMPRESSED) {
		if ((rc = cdc_inflate(sql, (size_t)(r.end - sql), scratch, err)))
			return rc;
		q->sql = scratch->ptr;
		q->sql_len = scratch->len;
	} else {
		q->sql = (const char *)sql;
		q->sql_len = (size_t)(r.end - sql);
	}
	return 0;
}

int cdc_rotate_parse(const struct cdc_format *f, const struct cdc_event *ev,
                     struct cdc_rotate *r, struct fc_err *err)
{
	size_t post = f->post_header[CDC_EV_ROTATE] ? f->post_header[CDC_EV_ROTATE] : 8;
	size_t len;
	if (ev->body_len < post || post < 8)
		return fc_errf(err, FC_ECORRUPT, "ROTATE event too short");
	r->pos = (uint64_t)cdc_le32(ev->body) | (uint64_t)cdc_le32(ev->body + 4) << 32;
	len = ev->body_len - post;
	if (len == 0 || len >= sizeof r->file)
		return fc_errf(err, FC_ECORRUPT, "ROTATE event with a file name of %zu bytes", len);
	memcpy(r->file, ev->body + post, len);
	r->file[len] = '\0';
	if (strlen(r->file) != len || strchr(r->file, '/'))
		return fc_errf(err, FC_ECORRUPT, "ROTATE event with a bad file name");
	return 0;
}

int cdc_gtid_parse(const struct cdc_event *ev, struct cdc_gtid *g, struct fc_err *err)
{
	struct cdc_rd r = cdc_rd_make(ev->body, ev->body_len);
	memset(g, 0, sizeof *g);
	if (ev->type == CDC_EV_MARIADB_GTID) {
		uint8_t flags;
		g->seq = cdc_rd_uint(&r, 8);
		g->domain = (uint32_t)cdc_rd_uint(&r, 4);
		flags = (uint8_t)cdc_rd_uint(&r, 1);
		if (r.bad)
			return fc_errf(err, FC_ECORRUPT, "GTID event too short");
		g->server_id = ev->server_id;
		g->standalone = flags & 1;
		snprintf(g->text, sizeof g->text, "%u-%u-%llu", g->domain, g->server_id,
		         (unsigned long long)g->seq);
		return 0;
	}
	{
		const uint8_t *sid;
		uint64_t gno;
		(void)cdc_rd_uint(&r, 1);
		sid = cdc_rd_bytes(&r, 16);
		gno = cdc_rd_uint(&r, 8);
		if (r.bad)
			return fc_errf(err, FC_ECORRUPT, "GTID event too short");
		snprintf(g->text, sizeof g->text,
		         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x:%llu",
		         sid[0], sid[1], sid[2], sid[3], sid[4], sid[5], sid[6], sid[7], sid[8],
		         sid[9], sid[10], sid[11], sid[12], sid[13], sid[14], sid[15],
		         (unsigned long long)gno);
		g->seq = gno;
		return 0;
	}
}
