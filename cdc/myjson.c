/* cdc/myjson.c - MySQL's binary JSON to JSON text.
 *
 * MySQL 5.7+ stores a JSON column, and writes it into row events, in its
 * own binary format (sql-common/json_binary.cc). All integers are
 * little-endian. A document is one value with its type byte in front:
 *
 *   doc     := type value          (an empty doc is the JSON null)
 *   type    := 0x00 small object  0x01 large object
 *              0x02 small array   0x03 large array
 *              0x04 literal       (1 byte: 0x00 null, 0x01 true, 0x02 false)
 *              0x05 int16  0x06 uint16  0x07 int32  0x08 uint32
 *              0x09 int64  0x0a uint64  0x0b double (IEEE 754)
 *              0x0c string (varlen, then that many utf8mb4 bytes)
 *              0x0f opaque (1 byte MySQL field type, varlen, data)
 *   varlen  := 1-5 bytes, 7 bits each, low bits first; a set high bit
 *              means another byte follows; at most 2^32 - 1
 *
 * Objects and arrays (small: 2-byte offsets and counts, large: 4-byte):
 *
 *   +-------+------+-----------------+-------------------+------+--------+
 *   | count | size | key entries     | value entries     | keys | values |
 *   |       |      | (objects only)  |                   |      |        |
 *   +-------+------+-----------------+-------------------+------+--------+
 *   key entry   := key offset (2/4), key length (2)
 *   value entry := type (1), offset (2/4) or the value itself (inlined)
 *
 * Offsets count from the start of the count field; size is the whole
 * container's bytes. Literals, int16 and uint16 are always inlined in the
 * value entry; int32 and uint32 too in the large format. Keys are sorted
 * (by length, then bytes) and the value entries follow the key order.
 *
 * Opaque values MySQL renders like this in JSON text, and so do we:
 *   NEWDECIMAL (246)  precision, scale, then the decimal's binary form:
 *                     a number with exactly `scale` fraction digits
 *   DATE (10), DATETIME (12), TIMESTAMP (7), TIME (11)
 *                     8 bytes LE: MySQL's packed datetime / time, as the
 *                     strings "2015-01-15", "2015-01-15 23:24:25.000000",
 *                     "-01:02:03.500000"
 *   VAR_STRING (253)  a JSON string
 *   anything else     "base64:typeN:<base64 of the data>"
 *
 * Output is compact (no spaces). Doubles print like cdc_value_json's,
 * with ".0" added when they would read as integers (MySQL does the same).
 *
 * Hostile input: every offset and length is checked against its
 * container; nesting is limited to MJ_MAX_DEPTH (MySQL's own limit); and,
 * since entries could point many times at one big value, the bytes the
 * decoder consumes (container headers, keys, non-inlined scalars) may not
 * add up to more than the document, which a real document never does. */
#include "value.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MJ_MAX_DEPTH 100

enum {
	MJ_SMALL_OBJECT = 0x00, MJ_LARGE_OBJECT = 0x01, MJ_SMALL_ARRAY = 0x02,
	MJ_LARGE_ARRAY = 0x03, MJ_LITERAL = 0x04, MJ_INT16 = 0x05, MJ_UINT16 = 0x06,
	MJ_INT32 = 0x07, MJ_UINT32 = 0x08, MJ_INT64 = 0x09, MJ_UINT64 = 0x0a,
	MJ_DOUBLE = 0x0b, MJ_STRING = 0x0c, MJ_OPAQUE = 0x0f,
};

struct mj {
	const uint8_t *doc;
	size_t budget;          /* document bytes not yet consumed */
	struct fc_buf *out;
	struct fc_err *err;
};

static uint64_t rd_le(const uint8_t *p, size_t k)
{
	uint64_t v = 0;
	while (k--)
		v = v << 8 | p[k];
	return v;
}

/* "binary JSON at byte 17: <what>" */
static int bad(struct mj *m, const uint8_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct mj *m, const uint8_t *at, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return fc_errf(m->err, FC_ECORRUPT, "binary JSON at byte %zu: %s",
	               (size_t)(at - m->doc), what);
}

static int consume(struct mj *m, const uint8_t *at, uint64_t k)
{
	if (k > m->budget)
		return bad(m, at, "values overlap (the document is read more than once)");
	m->budget -= (size_t)k;
	return 0;
}

/* A varlen at p (len bytes available): *v and *used. */
static int varlen(struct mj *m, const uint8_t *p, size_t len, uint64_t *v, size_t *used)
{
	*v = 0;
	for (size_t i = 0; i < len && i < 5; i++) {
		*v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (*v > UINT32_MAX)
				return bad(m, p, "length above 4 GiB");
			*used = i + 1;
			return 0;
		}
	}
	return bad(m, p, "length field runs past the end");
}

/* Runs cdc_value_json on a value rebuilt in a binlog storage format. */
static int via_column(struct mj *m, const uint8_t *at, uint8_t type, uint16_t meta,
                      const uint8_t *p, size_t n, size_t *used)
{
	struct cdc_column c = { .type = type, .meta = meta };
	struct fc_err e;
	int rc;

	fc_err_clear(&e);
	rc = cdc_value_json(&c, p, n, used, m->out, &e);
	if (rc == -FC_ECORRUPT) {
		const char *msg = e.msg;
		if (strncmp(msg, "column: ", 8) == 0)
			msg += 8;
		return bad(m, at, "opaque value: %s", msg);
	}
	return rc;
}

/* DATE, DATETIME, TIMESTAMP, TIME: MySQL's 8-byte packed form, printed as
 * MySQL prints them in JSON (6 fraction digits except for DATE). */
static int opaque_temporal(struct mj *m, const uint8_t *at, uint8_t ftype, const uint8_t *p,
                           size_t n)
{
	uint8_t b[8];
	int64_t packed;
	uint64_t intpart, ymd, ym;
	size_t used;

	if (n != 8)
		return bad(m, at, "opaque date/time of %zu bytes (expected 8)", n);
	packed = (int64_t)rd_le(p, 8);
	if (ftype == CDC_T_TIME) {
		/* TIME2(6) storage is packed + 2^47, 6 bytes BE */
		uint64_t v;
		if (packed < -INT64_C(0x800000000000) || packed >= INT64_C(0x800000000000))
			return bad(m, at, "opaque TIME out of range");
		v = (uint64_t)(packed + INT64_C(0x800000000000));
		for (int k = 0; k < 6; k++)
			b[k] = (uint8_t)(v >> (8 * (5 - k)));
		return via_column(m, at, CDC_T_TIME2, 6, b, 6, &used);
	}
	if (packed < 0)
		return bad(m, at, "opaque date/time is negative");
	intpart = (uint64_t)packed >> 24;
	if (ftype == CDC_T_DATE) {
		/* NEWDATE storage: day | month << 5 | year << 9, 3 bytes LE */
		uint64_t v;
		ymd = intpart >> 17;
		ym = ymd >> 5;
		if (ym / 13 > 9999)
			return bad(m, at, "opaque DATE out of range");
		v = (ymd & 31) | (ym % 13) << 5 | (ym / 13) << 9;
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(v >> 8);
		b[2] = (uint8_t)(v >> 16);
		return via_column(m, at, CDC_T_DATE, 0, b, 3, &used);
	}
	/* DATETIME2(6) storage: int part + 2^39 in 5 bytes BE, then the
	 * microseconds in 3 bytes BE */
	if (intpart >= UINT64_C(0x8000000000))
		return bad(m, at, "opaque DATETIME out of range");
	intpart += UINT64_C(0x8000000000);
	for (int k = 0; k < 5; k++)
		b[k] = (uint8_t)(intpart >> (8 * (4 - k)));
	b[5] = (uint8_t)((uint64_t)packed >> 16);
	b[6] = (uint8_t)((uint64_t)packed >> 8);
	b[7] = (uint8_t)packed;
	return via_column(m, at, CDC_T_DATETIME2, 6, b, 8, &used);
}

static int opaque(struct mj *m, const uint8_t *at, uint8_t ftype, const uint8_t *p, size_t n)
{
	struct fc_buf *out = m->out;
	size_t start = out->len, used;
	int rc;

	switch (ftype) {
	case CDC_T_NEWDECIMAL:
		if (n < 2)
			return bad(m, at, "opaque DECIMAL of %zu bytes", n);
		if ((rc = via_column(m, at, CDC_T_NEWDECIMAL, (uint16_t)(p[0] | p[1] << 8),
		                     p + 2, n - 2, &used)))
			return rc;
		if (used != n - 2)
			return bad(m, at, "opaque DECIMAL(%u,%u) of %zu bytes (expected %zu)",
			           p[0], p[1], n - 2, used);
		/* a number, not the string cdc_value_json makes: drop the quotes */
		memmove(out->ptr + start, out->ptr + start + 1, out->len - start - 2);
		out->len -= 2;
		out->ptr[out->len] = '\0';
		return 0;
	case CDC_T_DATE:
	case CDC_T_DATETIME:
	case CDC_T_TIMESTAMP:
	case CDC_T_TIME:
		return opaque_temporal(m, at, ftype, p, n);
	case CDC_T_VAR_STRING:
		return cdc_json_string(out, (const char *)p, n);
	default: {
		/* "base64:typeN:..." : base64 first, then the prefix slid in
		 * after its opening quote */
		char prefix[32];
		int plen = snprintf(prefix, sizeof prefix, "base64:type%u:", (unsigned)ftype);
		size_t b64;

		if ((rc = cdc_json_base64(out, p, n)))
			return rc;
		b64 = out->len - start;
		if ((rc = fc_buf_reserve(out, (size_t)plen)))
			return rc;
		memmove(out->ptr + start + 1 + plen, out->ptr + start + 1, b64 - 1);
		memcpy(out->ptr + start + 1, prefix, (size_t)plen);
		out->len += (size_t)plen;
		out->ptr[out->len] = '\0';
		return 0;
	}
	}
}

static int put_double(struct mj *m, const uint8_t *at, const uint8_t *p)
{
	struct fc_buf *out = m->out;
	size_t start = out->len, used;
	int rc = via_column(m, at, CDC_T_DOUBLE, 8, p, 8, &used);

	if (rc)
		return rc;
	if (!memchr(out->ptr + start, '.', out->len - start) &&
	    !memchr(out->ptr + start, 'e', out->len - start))
		return fc_buf_puts(out, ".0");
	return 0;
}

/* v in decimal. */
static int put_i64(struct fc_buf *out, int64_t v)
{
	size_t at = out->len;
	int rc;

	if (v >= 0)
		return fc_buf_put_u64(out, (uint64_t)v);
	if ((rc = fc_buf_addc(out, '-')) || (rc = fc_buf_put_u64(out, (uint64_t)0 - (uint64_t)v))) {
		if (out->ptr) {
			out->len = at;
			out->ptr[at] = '\0';
		}
	}
	return rc;
}

/* A scalar of type t at p with len bytes available. Inlined scalars sit in
 * their value entry and were paid for with it (inlined). */
static int scalar(struct mj *m, uint8_t t, const uint8_t *p, size_t len, bool inlined)
{
	static const uint8_t widths[] = {
		[MJ_INT16] = 2, [MJ_UINT16] = 2, [MJ_INT32] = 4, [MJ_UINT32] = 4,
		[MJ_INT64] = 8, [MJ_UINT64] = 8, [MJ_DOUBLE] = 8,
	};
	uint64_t v, slen;
	size_t k, vl;
	int rc;

	switch (t) {
	case MJ_LITERAL:
		if (len < 1)
			return bad(m, p, "literal runs past the end");
		if (!inlined && (rc = consume(m, p, 1)))
			return rc;
		switch (p[0]) {
		case 0: return fc_buf_puts(m->out, "null");
		case 1: return fc_buf_puts(m->out, "true");
		case 2: return fc_buf_puts(m->out, "false");
		default: return bad(m, p, "unknown literal 0x%02x", p[0]);
		}
	case MJ_INT16: case MJ_UINT16: case MJ_INT32: case MJ_UINT32:
	case MJ_INT64: case MJ_UINT64: case MJ_DOUBLE:
		k = widths[t];
		if (len < k)
			return bad(m, p, "%zu-byte number runs past the end", k);
		if (!inlined && (rc = consume(m, p, k)))
			return rc;
		if (t == MJ_DOUBLE)
			return put_double(m, p, p);
		v = rd_le(p, k);
		if (t == MJ_UINT16 || t == MJ_UINT32 || t == MJ_UINT64)
			return fc_buf_put_u64(m->out, v);
		if (k < 8) {
			uint64_t sign = (uint64_t)1 << (8 * k - 1);
			return put_i64(m->out, (int64_t)(v ^ sign) - (int64_t)sign);
		}
		return put_i64(m->out, v > INT64_MAX ? -(int64_t)~v - 1 : (int64_t)v);
	case MJ_STRING:
		if ((rc = varlen(m, p, len, &slen, &vl)))
			return rc;
		if (slen > len - vl)
			return bad(m, p, "string of %" PRIu64 " bytes runs past the end (%zu left)",
			           slen, len - vl);
		if ((rc = consume(m, p, vl + slen)))
			return rc;
		return cdc_json_string(m->out, (const char *)p + vl, (size_t)slen);
	case MJ_OPAQUE:
		if (len < 1)
			return bad(m, p, "opaque value runs past the end");
		if ((rc = varlen(m, p + 1, len - 1, &slen, &vl)))
			return rc;
		if (slen > len - 1 - vl)
			return bad(m, p, "opaque value of %" PRIu64
			           " bytes runs past the end (%zu left)", slen, len - 1 - vl);
		if ((rc = consume(m, p, 1 + vl + slen)))
			return rc;
		return opaque(m, p, p[0], p + 1 + vl, (size_t)slen);
	default:
		return bad(m, p, "unknown value type 0x%02x", t);
	}
}

static int value(struct mj *m, uint8_t t, const uint8_t *p, size_t len, int depth);

static int container(struct mj *m, uint8_t t, const uint8_t *p, size_t len, int depth)
{
	bool large = t == MJ_LARGE_OBJECT || t == MJ_LARGE_ARRAY;
	bool obj = t == MJ_SMALL_OBJECT || t == MJ_LARGE_OBJECT;
	size_t osz = large ? 4 : 2, kesz = obj ? osz + 2 : 0, vesz = 1 + osz;
	uint64_t count, size, hdr;
	int rc;

	if (depth >= MJ_MAX_DEPTH)
		return bad(m, p, "nested deeper than %d levels", MJ_MAX_DEPTH);
	if (len < 2 * osz)
		return bad(m, p, "%s header runs past the end", obj ? "object" : "array");
	count = rd_le(p, osz);
	size = rd_le(p + osz, osz);
	if (size > len)
		return bad(m, p, "%s of %" PRIu64 " bytes runs past the end (%zu left)",
		           obj ? "object" : "array", size, len);
	hdr = 2 * osz + count * (kesz + vesz);
	if (hdr > size)
		return bad(m, p, "%" PRIu64 " entries do not fit in %s of %" PRIu64 " bytes",
		           count, obj ? "an object" : "an array", size);
	if ((rc = consume(m, p, hdr)) || (rc = fc_buf_putc(m->out, obj ? '{' : '[')))
		return rc;

	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *ve = p + 2 * osz + count * kesz + i * vesz;
		uint8_t vt = ve[0];

		if (i && (rc = fc_buf_putc(m->out, ',')))
			return rc;
		if (obj) {
			const uint8_t *ke = p + 2 * osz + i * kesz;
			uint64_t koff = rd_le(ke, osz), klen = rd_le(ke + osz, 2);

			if (koff < hdr || koff > size || klen > size - koff)
				return bad(m, ke, "key %" PRIu64 " at offset %" PRIu64 " (%" PRIu64
				           " bytes) outside its object's %" PRIu64 " bytes",
				           i, koff, klen, size);
			if ((rc = consume(m, p + koff, klen)) ||
			    (rc = cdc_json_string(m->out, (const char *)p + koff, (size_t)klen)) ||
			    (rc = fc_buf_putc(m->out, ':')))
				return rc;
		}
		if (vt == MJ_LITERAL || vt == MJ_INT16 || vt == MJ_UINT16 ||
		    (large && (vt == MJ_INT32 || vt == MJ_UINT32))) {
			rc = scalar(m, vt, ve + 1, osz, true);
		} else {
			uint64_t voff = rd_le(ve + 1, osz);
			if (voff < hdr || voff >= size)
				return bad(m, ve, "value %" PRIu64 " at offset %" PRIu64
				           " outside its %s's %" PRIu64 " bytes",
				           i, voff, obj ? "object" : "array", size);
			rc = value(m, vt, p + voff, (size_t)(size - voff), depth + 1);
		}
		if (rc)
			return rc;
	}
	return fc_buf_putc(m->out, obj ? '}' : ']');
}

static int value(struct mj *m, uint8_t t, const uint8_t *p, size_t len, int depth)
{
	if (t <= MJ_LARGE_ARRAY)
		return container(m, t, p, len, depth);
	return scalar(m, t, p, len, false);
}

int cdc_myjson_to_text(const uint8_t *p, size_t n, struct fc_buf *out, struct fc_err *err)
{
	struct mj m = { p, n, out, err };
	size_t start = out->len;
	int rc;

	if (n == 0)     /* MySQL reads an empty document as null */
		return fc_buf_puts(out, "null");
	m.budget = n - 1;
	rc = value(&m, p[0], p + 1, n - 1, 0);
	if (rc && out->ptr) {
		out->len = start;
		out->ptr[start] = '\0';
	}
	return rc;
}
