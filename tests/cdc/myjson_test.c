/* tests/cdc/myjson_test.c - MySQL binary JSON to JSON text (cdc/myjson.c).
 *
 * Documents are built with a small encoder written here from the format in
 * MySQL's sql-common/json_binary.cc (checked against hand-assembled bytes
 * first), then decoded; hostile documents are hand-made or mutated. */
#include "../test.h"

#include "../../cdc/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* encoder */

enum { J_SOBJ, J_LOBJ, J_SARR, J_LARR, J_LIT, J_I16, J_U16, J_I32, J_U32, J_I64, J_U64,
       J_DBL, J_STR, J_OPAQUE = 0x0f };

/* One value: its type byte and the bytes after it (for types a container
 * may inline, the inlined form: literal 1 byte, int16 2, int32 4). */
struct jv {
	uint8_t type;
	size_t len;
	uint8_t *b;
};

static struct jv *jv_new(uint8_t type, const void *b, size_t len)
{
	struct jv *v = malloc(sizeof *v);
	v->type = type;
	v->len = len;
	v->b = malloc(len ? len : 1);
	if (len)
		memcpy(v->b, b, len);
	return v;
}

static void jv_free(struct jv *v)
{
	free(v->b);
	free(v);
}

static void le(uint8_t *o, uint64_t v, size_t k)
{
	for (size_t i = 0; i < k; i++)
		o[i] = (uint8_t)(v >> (8 * i));
}

static size_t varlen(uint8_t *o, size_t n)
{
	size_t k = 0;
	do {
		o[k] = (uint8_t)(n & 0x7f);
		n >>= 7;
		if (n)
			o[k] |= 0x80;
		k++;
	} while (n);
	return k;
}

static struct jv *j_lit(int v) { uint8_t b = (uint8_t)v; return jv_new(J_LIT, &b, 1); }

static struct jv *j_int(uint8_t type, uint64_t v)
{
	size_t k = type <= J_U16 ? 2 : type <= J_U32 ? 4 : 8;
	uint8_t b[8];
	le(b, v, k);
	return jv_new(type, b, k);
}

static struct jv *j_dbl(double d)
{
	uint64_t bits;
	uint8_t b[8];
	memcpy(&bits, &d, 8);
	le(b, bits, 8);
	return jv_new(J_DBL, b, 8);
}

static struct jv *j_strn(const char *s, size_t n)
{
	uint8_t *b = malloc(n + 5);
	size_t k = varlen(b, n);
	struct jv *v;
	memcpy(b + k, s, n);
	v = jv_new(J_STR, b, k + n);
	free(b);
	return v;
}

static struct jv *j_str(const char *s) { return j_strn(s, strlen(s)); }

static struct jv *j_opaque(uint8_t ftype, const void *data, size_t n)
{
	uint8_t *b = malloc(n + 6);
	size_t k;
	struct jv *v;
	b[0] = ftype;
	k = 1 + varlen(b + 1, n);
	memcpy(b + k, data, n);
	v = jv_new(J_OPAQUE, b, k + n);
	free(b);
	return v;
}

static bool inlined(uint8_t type, bool large)
{
	return type == J_LIT || type == J_I16 || type == J_U16 ||
	       (large && (type == J_I32 || type == J_U32));
}

/* An array (keys NULL) or object of n values, which it takes over. */
static struct jv *j_container(bool large, size_t n, const char *const *keys, struct jv **vals)
{
	size_t osz = large ? 4 : 2, kesz = keys ? osz + 2 : 0, vesz = 1 + osz;
	size_t hdr = 2 * osz + n * (kesz + vesz), size = hdr;
	uint8_t *b;
	struct jv *v;

	for (size_t i = 0; i < n; i++)
		size += (keys ? strlen(keys[i]) : 0) + (inlined(vals[i]->type, large) ? 0 : vals[i]->len);
	b = calloc(1, size);
	le(b, n, osz);
	le(b + osz, size, osz);
	size = hdr;
	for (size_t i = 0; keys && i < n; i++) {
		size_t kl = strlen(keys[i]);
		le(b + 2 * osz + i * kesz, size, osz);
		le(b + 2 * osz + i * kesz + osz, kl, 2);
		memcpy(b + size, keys[i], kl);
		size += kl;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = b + 2 * osz + n * kesz + i * vesz;
		e[0] = vals[i]->type;
		if (inlined(vals[i]->type, large)) {
			memcpy(e + 1, vals[i]->b, vals[i]->len);
		} else {
			le(e + 1, size, osz);
			memcpy(b + size, vals[i]->b, vals[i]->len);
			size += vals[i]->len;
		}
		jv_free(vals[i]);
	}
	v = jv_new(keys ? (large ? J_LOBJ : J_SOBJ) : (large ? J_LARR : J_SARR), b, size);
	free(b);
	return v;
}

#define ARR(large, ...) \
	j_container((large), sizeof((struct jv *[]){ __VA_ARGS__ }) / sizeof(struct jv *), NULL, \
	            (struct jv *[]){ __VA_ARGS__ })
#define OBJ(large, keys, ...) \
	j_container((large), sizeof((struct jv *[]){ __VA_ARGS__ }) / sizeof(struct jv *), (keys), \
	            (struct jv *[]){ __VA_ARGS__ })

static struct jv *j_empty(bool large, bool obj)
{
	static const char *const none[] = { NULL };
	return j_container(large, 0, obj ? none : NULL, NULL);
}

/* The document: type byte, then the value's bytes. Frees v. */
static uint8_t *doc(struct jv *v, size_t *n)
{
	uint8_t *d = malloc(v->len + 1);
	d[0] = v->type;
	memcpy(d + 1, v->b, v->len);
	*n = v->len + 1;
	jv_free(v);
	return d;
}

/* ------------------------------------------------------------------ */
/* decoding helpers */

static struct fc_buf out = FC_BUF_INIT;
static struct fc_err err;

/* Decodes a heap copy of exactly n bytes. */
static int run(const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	int rc;
	if (n)
		memcpy(copy, p, n);
	fc_buf_reset(&out);
	fc_err_clear(&err);
	rc = cdc_myjson_to_text(copy, n, &out, &err);
	free(copy);
	return rc;
}

/* Must decode, and every non-empty shorter prefix must be corrupt. */
static const char *decode_at(const char *file, int line, const uint8_t *p, size_t n)
{
	static char text[65536];
	int rc = run(p, n);

	if (rc)
		t_fail(file, line, "decode failed: rc %d: %s", rc, err.msg);
	snprintf(text, sizeof text, "%s", out.ptr);
	for (size_t k = 1; k < n; k++) {
		rc = run(p, k);
		if (rc != -FC_ECORRUPT || out.len)
			t_fail(file, line, "%zu of %zu bytes: rc %d, out \"%s\"", k, n, rc,
			       out.ptr ? out.ptr : "");
	}
	return text;
}

static const char *text_of(const char *file, int line, struct jv *v)
{
	size_t n;
	uint8_t *d = doc(v, &n);
	const char *r = decode_at(file, line, d, n);
	free(d);
	return r;
}

#define TEXT(v) text_of(__FILE__, __LINE__, (v))

static const char *corrupt_at(const char *file, int line, const uint8_t *p, size_t n)
{
	int rc = run(p, n);
	if (rc != -FC_ECORRUPT || out.len)
		t_fail(file, line, "rc %d, want ECORRUPT; out \"%s\"", rc, out.ptr ? out.ptr : "");
	return err.msg;
}

#define CORRUPT(p, n) corrupt_at(__FILE__, __LINE__, (p), (n))
#define CORRUPT_LIT(lit) corrupt_at(__FILE__, __LINE__, (const uint8_t *)(lit), sizeof(lit) - 1)

/* s is one compact JSON value: cdc/value.c's MariaDB JSON path, which
 * embeds valid JSON without whitespace, returns it unchanged. */
static void assert_json(const char *s)
{
	struct cdc_column c = { .type = CDC_T_BLOB, .meta = 4, .is_json = true, .collation = 46 };
	struct fc_buf b = FC_BUF_INIT;
	size_t n = strlen(s), used;
	uint8_t *p = malloc(n + 4);

	le(p, n, 4);
	memcpy(p + 4, s, n);
	ASSERT_EQ(cdc_value_json(&c, p, n + 4, &used, &b, &err), 0);
	ASSERT_STR_EQ(b.ptr, s);
	fc_buf_release(&b);
	free(p);
}

/* ------------------------------------------------------------------ */

TEST(encoder_matches_hand_assembled_bytes)
{
	static const char *const a[] = { "a" };
	/* {"a":1}: small object; count 1, size 12; key entry (offset 11,
	 * length 1); value entry int16 inlined; key "a" */
	static const uint8_t want[] = { 0x00, 0x01, 0x00, 0x0c, 0x00, 0x0b, 0x00, 0x01, 0x00,
	                                0x05, 0x01, 0x00, 'a' };
	/* ["x"]: small array; count 1, size 9; value entry string at 7 */
	static const uint8_t want2[] = { 0x02, 0x01, 0x00, 0x09, 0x00, 0x0c, 0x07, 0x00, 0x01, 'x' };
	size_t n;
	uint8_t *d = doc(OBJ(false, a, j_int(J_I16, 1)), &n);

	ASSERT_EQ(n, sizeof want);
	ASSERT_EQ(memcmp(d, want, n), 0);
	free(d);
	ASSERT_STR_EQ(decode_at(__FILE__, __LINE__, want, sizeof want), "{\"a\":1}");
	d = doc(ARR(false, j_str("x")), &n);
	ASSERT_EQ(n, sizeof want2);
	ASSERT_EQ(memcmp(d, want2, n), 0);
	free(d);
	ASSERT_STR_EQ(decode_at(__FILE__, __LINE__, want2, sizeof want2), "[\"x\"]");
}

TEST(scalars)
{
	ASSERT_STR_EQ(TEXT(j_lit(0)), "null");
	ASSERT_STR_EQ(TEXT(j_lit(1)), "true");
	ASSERT_STR_EQ(TEXT(j_lit(2)), "false");
	ASSERT_STR_EQ(TEXT(j_int(J_I16, 0x8000)), "-32768");
	ASSERT_STR_EQ(TEXT(j_int(J_I16, 0x7fff)), "32767");
	ASSERT_STR_EQ(TEXT(j_int(J_U16, 0xffff)), "65535");
	ASSERT_STR_EQ(TEXT(j_int(J_I32, 0x80000000)), "-2147483648");
	ASSERT_STR_EQ(TEXT(j_int(J_U32, 0xffffffff)), "4294967295");
	ASSERT_STR_EQ(TEXT(j_int(J_I64, UINT64_C(0x8000000000000000))), "-9223372036854775808");
	ASSERT_STR_EQ(TEXT(j_int(J_I64, UINT64_MAX)), "-1");
	ASSERT_STR_EQ(TEXT(j_int(J_U64, UINT64_MAX)), "18446744073709551615");
	ASSERT_STR_EQ(TEXT(j_dbl(1.5)), "1.5");
	ASSERT_STR_EQ(TEXT(j_dbl(3.0)), "3.0");             /* stays a double, as in MySQL */
	ASSERT_STR_EQ(TEXT(j_dbl(-0.0)), "-0.0");
	ASSERT_STR_EQ(TEXT(j_dbl(0.1)), "0.1");
	ASSERT_STR_EQ(TEXT(j_dbl(1e300)), "1e+300");
	ASSERT_STR_EQ(TEXT(j_dbl(-2.5e-10)), "-2.5e-10");
	ASSERT_STR_EQ(TEXT(j_str("")), "\"\"");
	ASSERT_STR_EQ(TEXT(j_str("한글 😀")), "\"한글 😀\"");
	ASSERT_STR_EQ(TEXT(j_str("q\"b\\n\n\x01")), "\"q\\\"b\\\\n\\n\\u0001\"");
	ASSERT_STR_EQ(TEXT(j_strn("a\0b", 3)), "\"a\\u0000b\"");
	ASSERT_STR_EQ(TEXT(j_str("\xff")), "\"\xef\xbf\xbd\"");
}

TEST(long_strings_use_multi_byte_lengths)
{
	char *s = malloc(20001);
	const char *r;
	memset(s, 'x', 20000);
	s[20000] = '\0';
	r = TEXT(j_str(s));                     /* 3-byte length */
	ASSERT_EQ(strlen(r), 20002);
	s[200] = '\0';
	ASSERT_EQ(strlen(TEXT(j_str(s))), 202); /* 2-byte length */
	free(s);
}

TEST(nested_objects_and_arrays)
{
	static const char *const ab[] = { "a", "bb" };
	static const char *const k[] = { "k" };
	static const char *const esc[] = { "q\"\n" };

	ASSERT_STR_EQ(TEXT(j_empty(false, false)), "[]");
	ASSERT_STR_EQ(TEXT(j_empty(false, true)), "{}");
	ASSERT_STR_EQ(TEXT(j_empty(true, false)), "[]");
	ASSERT_STR_EQ(TEXT(OBJ(false, ab, ARR(false, j_int(J_I16, 1), OBJ(false, k, j_lit(0))),
	                       j_str("x"))),
	              "{\"a\":[1,{\"k\":null}],\"bb\":\"x\"}");
	ASSERT_STR_EQ(TEXT(OBJ(true, ab, ARR(true, j_int(J_I32, 7), j_int(J_U32, 8), j_lit(1)),
	                       OBJ(false, k, ARR(true, j_dbl(2.5), j_int(J_I64, 9))))),
	              "{\"a\":[7,8,true],\"bb\":{\"k\":[2.5,9]}}");
	ASSERT_STR_EQ(TEXT(ARR(false, j_int(J_I32, (uint64_t)-5), j_int(J_U64, 5), j_lit(2),
	                       j_str("s"), j_empty(false, false), OBJ(true, k, j_lit(1)))),
	              "[-5,5,false,\"s\",[],{\"k\":true}]");
	ASSERT_STR_EQ(TEXT(OBJ(false, esc, j_lit(0))), "{\"q\\\"\\n\":null}");
}

static const char *opaque_text(uint8_t ftype, const void *data, size_t n)
{
	return TEXT(j_opaque(ftype, data, n));
}

/* MySQL's packed datetime: ((ymd << 17 | hms) << 24) + us. */
static int64_t packed_datetime(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                               unsigned s, unsigned us)
{
	uint64_t ymd = (uint64_t)(y * 13 + mo) << 5 | d, hms = h << 12 | mi << 6 | s;
	return (int64_t)((ymd << 17 | hms) << 24 | us);
}

TEST(opaque_values_as_mysql_prints_them)
{
	uint8_t b[16];

	/* DECIMAL(5,2) 3.14 and -3.14: precision, scale, decimal binary */
	memcpy(b, "\x05\x02\x80\x03\x0e", 5);
	ASSERT_STR_EQ(opaque_text(246, b, 5), "3.14");
	memcpy(b, "\x05\x02\x7f\xfc\xf1", 5);
	ASSERT_STR_EQ(opaque_text(246, b, 5), "-3.14");
	/* DATETIME, TIMESTAMP, DATE, TIME */
	le(b, (uint64_t)packed_datetime(2015, 1, 15, 23, 24, 25, 0), 8);
	ASSERT_STR_EQ(opaque_text(12, b, 8), "\"2015-01-15 23:24:25.000000\"");
	ASSERT_STR_EQ(opaque_text(7, b, 8), "\"2015-01-15 23:24:25.000000\"");
	le(b, (uint64_t)packed_datetime(9999, 12, 31, 23, 59, 59, 999999), 8);
	ASSERT_STR_EQ(opaque_text(12, b, 8), "\"9999-12-31 23:59:59.999999\"");
	le(b, (uint64_t)packed_datetime(2015, 1, 15, 0, 0, 0, 0), 8);
	ASSERT_STR_EQ(opaque_text(10, b, 8), "\"2015-01-15\"");
	le(b, (uint64_t)-(((int64_t)(1 << 12 | 2 << 6 | 3) << 24) + 500000), 8);
	ASSERT_STR_EQ(opaque_text(11, b, 8), "\"-01:02:03.500000\"");
	le(b, (uint64_t)(((int64_t)(838 << 12 | 59 << 6 | 59) << 24)), 8);
	ASSERT_STR_EQ(opaque_text(11, b, 8), "\"838:59:59.000000\"");
	/* VAR_STRING: a string; anything else: base64 with its type */
	ASSERT_STR_EQ(opaque_text(253, "hi", 2), "\"hi\"");
	ASSERT_STR_EQ(opaque_text(15, "\x00\xff", 2), "\"base64:type15:AP8=\"");
	ASSERT_STR_EQ(opaque_text(252, "", 0), "\"base64:type252:\"");
	ASSERT_STR_EQ(opaque_text(16, "\x01", 1), "\"base64:type16:AQ==\"");
}

TEST(opaque_values_corrupt)
{
	uint8_t b[16];
	size_t n;
	uint8_t *d;

	/* DECIMAL with trailing bytes, too short, impossible precision */
	d = doc(j_opaque(246, "\x05\x02\x80\x03\x0e\x00", 6), &n);
	ASSERT_CONTAINS(CORRUPT(d, n), "opaque DECIMAL(5,2) of 4 bytes (expected 3)");
	free(d);
	d = doc(j_opaque(246, "\x05", 1), &n);
	CORRUPT(d, n);
	free(d);
	d = doc(j_opaque(246, "\x05\x02\x80", 3), &n);
	ASSERT_CONTAINS(CORRUPT(d, n), "NEWDECIMAL(5,2) needs 3 bytes, 1 left");
	free(d);
	d = doc(j_opaque(246, "\x00\x00\x80", 3), &n);
	CORRUPT(d, n);
	free(d);
	/* dates: 7 bytes, negative, month 13 via a bad day count, hour 24 */
	d = doc(j_opaque(12, "\0\0\0\0\0\0\0", 7), &n);
	ASSERT_CONTAINS(CORRUPT(d, n), "opaque date/time of 7 bytes (expected 8)");
	free(d);
	le(b, UINT64_MAX, 8);
	d = doc(j_opaque(12, b, 8), &n);
	ASSERT_CONTAINS(CORRUPT(d, n), "negative");
	free(d);
	le(b, (uint64_t)packed_datetime(2015, 1, 15, 24, 0, 0, 0), 8);
	d = doc(j_opaque(12, b, 8), &n);
	ASSERT_CONTAINS(CORRUPT(d, n), "out of range");
	free(d);
	le(b, (uint64_t)packed_datetime(2015, 1, 15, 0, 0, 0, 1000000), 8);
	d = doc(j_opaque(12, b, 8), &n);
	CORRUPT(d, n);
	free(d);
	le(b, (uint64_t)packed_datetime(20000, 1, 1, 0, 0, 0, 0), 8);
	d = doc(j_opaque(10, b, 8), &n);
	CORRUPT(d, n);
	free(d);
	le(b, (uint64_t)INT64_MIN, 8);
	d = doc(j_opaque(11, b, 8), &n);
	CORRUPT(d, n);
	free(d);
	le(b, (uint64_t)((int64_t)(839 << 12) << 24), 8);
	d = doc(j_opaque(11, b, 8), &n);
	CORRUPT(d, n);
	free(d);
}

TEST(empty_document_is_null)
{
	ASSERT_EQ(run((const uint8_t *)"", 0), 0);
	ASSERT_STR_EQ(out.ptr, "null");
}

TEST(hostile_headers_and_offsets)
{
	/* small array: count 1, size 9 but only 8 bytes follow */
	ASSERT_CONTAINS(CORRUPT_LIT("\x02\x01\x00\x09\x00\x0c\x07\x00\x01"),
	                "binary JSON at byte 1: array of 9 bytes runs past the end (8 left)");
	/* 3 entries cannot fit a 9-byte array */
	ASSERT_CONTAINS(CORRUPT_LIT("\x02\x03\x00\x09\x00\x0c\x07\x00\x01x"),
	                "3 entries do not fit in an array of 9 bytes");
	/* value offset into the header, and past the end */
	ASSERT_CONTAINS(CORRUPT_LIT("\x02\x01\x00\x09\x00\x0c\x02\x00\x01x"),
	                "value 0 at offset 2 outside its array's 9 bytes");
	ASSERT_CONTAINS(CORRUPT_LIT("\x02\x01\x00\x09\x00\x0c\x09\x00\x01x"), "offset 9");
	/* string length past its container */
	ASSERT_CONTAINS(CORRUPT_LIT("\x02\x01\x00\x09\x00\x0c\x07\x00\x05x"),
	                "string of 5 bytes runs past the end (1 left)");
	/* key outside the object, key offset inside the header */
	ASSERT_CONTAINS(CORRUPT_LIT("\x00\x01\x00\x0c\x00\x0b\x00\x02\x00\x05\x01\x00" "a"),
	                "key 0 at offset 11 (2 bytes) outside its object's 12 bytes");
	CORRUPT_LIT("\x00\x01\x00\x0c\x00\x03\x00\x01\x00\x05\x01\x00" "a");
	/* unknown types, literal 3, header shorter than its fields */
	ASSERT_CONTAINS(CORRUPT_LIT("\x0d\x00"), "unknown value type 0x0d");
	ASSERT_CONTAINS(CORRUPT_LIT("\x02\x01\x00\x08\x00\x0e\x07\x00\x00"),
	                "binary JSON at byte 8: unknown value type 0x0e");
	ASSERT_CONTAINS(CORRUPT_LIT("\x04\x03"), "unknown literal 0x03");
	CORRUPT_LIT("\x02\x01\x00\x07\x00\x04\x03\x00");
	CORRUPT_LIT("\x00\x01");
	CORRUPT_LIT("\x01\x01\x00\x00");
	/* lengths: 5 bytes above 4 GiB, 6 continuation bytes, runs out */
	ASSERT_CONTAINS(CORRUPT_LIT("\x0c\xff\xff\xff\xff\x7f"), "length above 4 GiB");
	CORRUPT_LIT("\x0c\x80\x80\x80\x80\x80\x00");
	CORRUPT_LIT("\x0c\x80");
	CORRUPT_LIT("\x0f\x0c\x80");
	CORRUPT_LIT("\x0f");
	CORRUPT_LIT("\x0f\x0c\x05" "ab");
}

TEST(nesting_is_bounded)
{
	struct jv *v = j_empty(false, false);
	size_t n;
	uint8_t *d;

	for (int i = 1; i < 100; i++)
		v = ARR(false, v);
	d = doc(v, &n);                         /* 100 levels: MySQL's limit */
	ASSERT_EQ(run(d, n), 0);
	ASSERT_EQ(strlen(out.ptr), 200);
	free(d);
	v = j_empty(false, false);
	for (int i = 1; i < 101; i++)
		v = ARR(i % 2 == 0, v);
	d = doc(v, &n);
	ASSERT_CONTAINS(CORRUPT(d, n), "nested deeper than 100 levels");
	free(d);
}

/* 1000 entries pointing at one string: a 12 kB document that would print
 * 100 MB if each entry were followed. */
TEST(shared_values_are_refused)
{
	size_t cnt = 1000, hdr = 4 + cnt * 3, size = hdr + 2 + 100000 / 1000;
	uint8_t *d = calloc(1, size + 1);

	d[0] = J_SARR;
	le(d + 1, cnt, 2);
	le(d + 3, size, 2);
	for (size_t i = 0; i < cnt; i++) {
		d[1 + 4 + 3 * i] = J_STR;
		le(d + 1 + 4 + 3 * i + 1, hdr, 2);
	}
	d[1 + hdr] = 100;
	memset(d + 1 + hdr + 1, 'x', 100);
	ASSERT_CONTAINS(CORRUPT(d, size + 1), "values overlap");
	/* one reference is fine */
	le(d + 1, 1, 2);
	le(d + 1 + 4 + 1, 7, 2);
	le(d + 3, 7 + 1 + 100, 2);
	d[1 + 7] = 100;
	memset(d + 1 + 8, 'x', 100);
	ASSERT_EQ(run(d, 1 + 7 + 1 + 100), 0);
	ASSERT_EQ(strlen(out.ptr), 104);
	free(d);
}

/* Mutated documents: corrupt or valid JSON, never a read out of bounds. */
TEST(mutations_never_overrun)
{
	static const char *const ab[] = { "a", "bb" };
	static const char *const k[] = { "k" };
	uint8_t dec[5] = { 5, 2, 0x80, 0x03, 0x0e }, dt[8];
	size_t n;
	uint8_t *base, *m;

	le(dt, (uint64_t)packed_datetime(2015, 1, 15, 23, 24, 25, 5), 8);
	base = doc(OBJ(true, ab,
	               ARR(false, j_int(J_I16, 1), j_dbl(2.5), j_str("x\"y"), j_opaque(246, dec, 5),
	                   j_opaque(12, dt, 8), j_opaque(15, "zz", 2), j_int(J_U64, 77)),
	               OBJ(false, k, ARR(true, j_lit(0), j_int(J_I32, 5), j_int(J_I64, 6)))),
	           &n);
	ASSERT_STR_EQ(decode_at(__FILE__, __LINE__, base, n),
	              "{\"a\":[1,2.5,\"x\\\"y\",3.14,\"2015-01-15 23:24:25.000005\","
	              "\"base64:type15:eno=\",77],\"bb\":{\"k\":[null,5,6]}}");
	m = malloc(n);
	srand(3);
	for (int iter = 0; iter < 30000; iter++) {
		int rc;
		memcpy(m, base, n);
		for (int j = rand() % 4; j >= 0; j--)
			m[(size_t)rand() % n] = (uint8_t)(rand() % 3 ? rand() : rand() % 16);
		rc = run(m, n);
		if (rc == 0)
			assert_json(out.ptr);
		else
			ASSERT_EQ(rc, -FC_ECORRUPT);
	}
	free(m);
	free(base);
}

TEST(output_appends_and_stays_clean_on_error)
{
	fc_buf_reset(&out);
	fc_buf_puts(&out, "x=");
	ASSERT_EQ(cdc_myjson_to_text((const uint8_t *)"\x04\x01", 2, &out, &err), 0);
	ASSERT_STR_EQ(out.ptr, "x=true");
	ASSERT_EQ(cdc_myjson_to_text((const uint8_t *)"\x02\x02\x00\x0a\x00\x04\x01\x00\x0d\x00\x00",
	                             11, &out, &err), -FC_ECORRUPT);
	ASSERT_STR_EQ(out.ptr, "x=true");
}
