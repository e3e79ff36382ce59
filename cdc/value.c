/* cdc/value.c - one column value of a binlog row image to JSON text.
 *
 * A row image stores each non-NULL column back to back in the format below
 * (MySQL 5.6+ / MariaDB 10.x, binlog_row_image FULL or MINIMAL). "LE" and
 * "BE" are little- and big-endian unsigned integers; meta is the column's
 * metadata as binlog.c packs it from TABLE_MAP (cdc_column.meta).
 *
 *   type              meta             bytes and meaning
 *   TINY/SHORT/INT24  -                1/2/3/4/8 LE, two's complement unless
 *   LONG/LONGLONG                      is_unsigned
 *   FLOAT, DOUBLE     (size)           4 / 8 bytes IEEE 754 LE
 *   NEWDECIMAL        prec | scale<<8  see "NEWDECIMAL" below
 *   BIT               bytes<<8 | bits  bytes + (bits ? 1 : 0) BE; bits is
 *                                      the bit count of the partial byte
 *   YEAR              -                1 byte: 0, or year - 1900
 *   DATE, NEWDATE     -                3 LE: day 0-4, month 5-8, year 9-23
 *   TIME (old)        -                3 LE signed: [-]HHMMSS as a number
 *   TIME2             fsp 0-6          3 BE int part + fraction, see TIME2
 *   DATETIME (old)    -                8 LE: YYYYMMDDHHMMSS as a number
 *   DATETIME2         fsp 0-6          5 BE + fraction, see DATETIME2
 *   TIMESTAMP (old)   -                4 LE seconds since 1970 UTC
 *   TIMESTAMP2        fsp 0-6          4 BE seconds + fraction (BE)
 *   VARCHAR           max bytes        1 (max < 256) or 2 LE length, bytes
 *   STRING (CHAR)     max bytes        1 (max < 256) or 2 LE length, bytes
 *   ENUM              pack length 1-2  LE index, 1-based; 0 = '' (invalid)
 *   SET               pack length 1-8  LE bit mask, bit i = label i
 *   BLOB, TEXT        length bytes 1-4 LE length, bytes
 *   JSON (MySQL)      length bytes 1-4 LE length, binary JSON (myjson.c)
 *   GEOMETRY          length bytes 1-4 LE length, 4-byte SRID LE, WKB
 *
 * Fractions (TIME2, DATETIME2, TIMESTAMP2) take (fsp + 1) / 2 bytes, BE:
 *   fsp 1-2: 1 byte, hundredths (x 10000 us); fsp 3-4: 2 bytes, x 100 us;
 *   fsp 5-6: 3 bytes, microseconds.
 *
 * NEWDECIMAL: intg = prec - scale digits before the point, scale after.
 * Each side is cut into groups of 9 digits, stored as 4-byte BE numbers;
 * the leftover digits (intg % 9 leading, scale % 9 trailing) take
 * dig2bytes[n] = {0,1,1,2,2,3,3,4,4,4}[n] bytes:
 *
 *   [leftover int][9-digit int groups][9-digit frac groups][leftover frac]
 *
 * The first byte's high bit is flipped (set for positive values), and a
 * negative value has every byte inverted. DECIMAL(4,2) -10.55 is
 * 0x75 0xc8: inverted 0x8a 0x37, high bit cleared 0x0a 0x37 = 10, 55.
 *
 * TIME2: the 3 BE bytes minus 0x800000 are the signed int part
 * hours << 12 | minutes << 6 | seconds; with the fraction f (in us) the
 * value is packed = int part * 2^24 + f, and a negative time is stored as
 * the negated packed value: the int part is floored and, for fsp 1-4, a
 * negative value with a fraction stores 0x100 (0x10000) minus the
 * fraction. -01:02:03.5 in TIME(2) is 0x7f 0xef 0x7c 0xce. For fsp 5-6 the
 * 6 bytes BE minus 0x800000000000 are packed itself.
 *
 * DATETIME2: the 5 BE bytes minus 0x8000000000 (never negative) hold, from
 * the top: year * 13 + month (17 bits), day (5), hour (5), minute (6),
 * second (6). Zero dates and partial zero dates ("2020-00-00") are stored
 * as they are and printed as they are.
 *
 * Text: the collation decides (see to_utf8 below); binary (63) is base64.
 *
 * Output decisions the header leaves open: FLOAT and DOUBLE print the
 * shortest %g that reads back to the same value ("1.1", "1e+300"); -0.0
 * prints "-0" (valid JSON, and the value MySQL stored); NaN and infinity
 * cannot be stored, so they are corrupt. A NEWDECIMAL zero never has a
 * sign ("0.00", also for a stored negative zero). ENUM/SET labels are taken
 * as bytes in the column's charset (as TABLE_MAP carries them) and
 * converted like the values. On error nothing is left appended to out. */
#include "value.h"

#include "rows.h"

#include "../lib/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ------------------------------------------------------------------ */
/* bytes, errors */

static uint64_t rd_le(const uint8_t *p, size_t k)
{
	uint64_t v = 0;
	while (k--)
		v = v << 8 | p[k];
	return v;
}

static uint64_t rd_be(const uint8_t *p, size_t k)
{
	uint64_t v = 0;
	for (size_t i = 0; i < k; i++)
		v = v << 8 | p[i];
	return v;
}

/* The low `bits` bits of v as a two's complement number. */
static int64_t sign_extend(uint64_t v, unsigned bits)
{
	uint64_t sign = (uint64_t)1 << (bits - 1);
	v &= (sign << 1) - 1;
	return (int64_t)(v ^ sign) - (int64_t)sign;
}

/* One decode in progress. */
struct dec {
	const struct cdc_column *c;
	const uint8_t *p;
	size_t n;
	size_t used;
	struct fc_buf *out;
	struct fc_err *err;
};

static const char *const type_names[256] = {
	[CDC_T_DECIMAL] = "DECIMAL", [CDC_T_TINY] = "TINY", [CDC_T_SHORT] = "SHORT",
	[CDC_T_LONG] = "LONG", [CDC_T_FLOAT] = "FLOAT", [CDC_T_DOUBLE] = "DOUBLE",
	[CDC_T_NULL] = "NULL", [CDC_T_TIMESTAMP] = "TIMESTAMP",
	[CDC_T_LONGLONG] = "LONGLONG", [CDC_T_INT24] = "INT24", [CDC_T_DATE] = "DATE",
	[CDC_T_TIME] = "TIME", [CDC_T_DATETIME] = "DATETIME", [CDC_T_YEAR] = "YEAR",
	[CDC_T_NEWDATE] = "NEWDATE", [CDC_T_VARCHAR] = "VARCHAR", [CDC_T_BIT] = "BIT",
	[CDC_T_TIMESTAMP2] = "TIMESTAMP2", [CDC_T_DATETIME2] = "DATETIME2",
	[CDC_T_TIME2] = "TIME2", [CDC_T_JSON] = "JSON", [CDC_T_NEWDECIMAL] = "NEWDECIMAL",
	[CDC_T_ENUM] = "ENUM", [CDC_T_SET] = "SET", [CDC_T_TINY_BLOB] = "TINY_BLOB",
	[CDC_T_MEDIUM_BLOB] = "MEDIUM_BLOB", [CDC_T_LONG_BLOB] = "LONG_BLOB",
	[CDC_T_BLOB] = "BLOB", [CDC_T_VAR_STRING] = "VAR_STRING", [CDC_T_STRING] = "STRING",
	[CDC_T_GEOMETRY] = "GEOMETRY",
};

/* "NEWDECIMAL(10,2)", "TIME2(3)", "VARCHAR(80)", "BLOB(2)": the type as
 * the error messages name it. */
static void type_desc(const struct cdc_column *c, char *buf, size_t size)
{
	const char *name = type_names[c->type];   /* 256 entries */

	if (!name) {
		snprintf(buf, size, "type %u", (unsigned)c->type);
		return;
	}
	switch (c->type) {
	case CDC_T_NEWDECIMAL:
		snprintf(buf, size, "%s(%u,%u)", name, c->meta & 0xffu, (unsigned)c->meta >> 8);
		break;
	case CDC_T_BIT:
		snprintf(buf, size, "%s(%u)", name, (c->meta >> 8) * 8u + (c->meta & 0xffu));
		break;
	case CDC_T_TIME2: case CDC_T_DATETIME2: case CDC_T_TIMESTAMP2:
	case CDC_T_VARCHAR: case CDC_T_VAR_STRING: case CDC_T_STRING:
	case CDC_T_TINY_BLOB: case CDC_T_MEDIUM_BLOB: case CDC_T_LONG_BLOB:
	case CDC_T_BLOB: case CDC_T_JSON: case CDC_T_GEOMETRY:
	case CDC_T_ENUM: case CDC_T_SET:
		snprintf(buf, size, "%s(%u)", name, (unsigned)c->meta);
		break;
	default:
		snprintf(buf, size, "%s", name);
	}
}

/* Fills err with "column 'price': NEWDECIMAL(10,2) <what>". */
static int corrupt(struct dec *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int corrupt(struct dec *d, const char *fmt, ...)
{
	char what[512], type[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	type_desc(d->c, type, sizeof type);
	if (d->c->name)
		return fc_errf(d->err, FC_ECORRUPT, "column '%s': %s %s", d->c->name, type, what);
	return fc_errf(d->err, FC_ECORRUPT, "column: %s %s", type, what);
}

/* Checks that k bytes follow offset off. */
static int need(struct dec *d, size_t off, uint64_t k)
{
	if (off > d->n || k > d->n - off)
		return corrupt(d, "needs %" PRIu64 " bytes, %zu left", (uint64_t)off + k, d->n);
	return 0;
}

/* ------------------------------------------------------------------ */
/* JSON strings and base64 */

static inline uint64_t word8(const uint8_t *s);

static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0, len, bad;
	while (i < n) {
		if (n - i >= 8 && !(word8(s + i) & UINT64_C(0x8080808080808080))) {
			i += 8;
			continue;
		}
		if (!(len = fc_utf8_len(s + i, n - i, &bad)))
			return false;
		i += len;
	}
	return true;
}

/* 8 bytes at s as one little-endian word. */
static inline uint64_t word8(const uint8_t *s)
{
	uint64_t v;
	memcpy(&v, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* A word whose lowest set bit (if any) is the high bit of the first byte
 * of v that is a control character, '"', '\\' or not ASCII: the bytes
 * before it need no escaping. Bits above the first marked byte may be
 * wrong (a borrow only starts at a marked byte), the lowest one is exact. */
static inline uint64_t specials(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), bs = v ^ (ONES * '\\');
	return (v | ((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) | ((bs - ONES) & ~bs)) & HIGHS;
}

#ifdef __SSE2__
/* Bit k set when byte k of the 16 at s is a control character, '"', '\\'
 * or not ASCII. */
static inline unsigned specials16(const uint8_t *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	/* signed: the bytes from 0x80 are below 0x20 too */
	__m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
	                         _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
	                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* Appends the escaped text of s (no quotes) piece by piece, never asking
 * for more room than it takes. */
static int json_rest(struct fc_buf *out, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, len, bad = 1;
	int rc = 0;

	while (rc == 0 && i < n) {
		uint8_t c = s[i];
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (c >= 0x20 && c != '"' && c != '\\' &&
		    (c < 0x80 || (len = fc_utf8_len(s + i, n - i, &bad)))) {
			len = c < 0x80 ? 1 : len;
			rc = fc_buf_add(out, s + i, len);
			i += len;
			continue;
		}
		if (c >= 0x80) {
			rc = fc_buf_add(out, "\xef\xbf\xbd", 3);
			i += bad;
			continue;
		}
		switch (c) {
		case '"': rc = fc_buf_add(out, "\\\"", 2); break;
		case '\\': rc = fc_buf_add(out, "\\\\", 2); break;
		case '\b': rc = fc_buf_add(out, "\\b", 2); break;
		case '\f': rc = fc_buf_add(out, "\\f", 2); break;
		case '\n': rc = fc_buf_add(out, "\\n", 2); break;
		case '\r': rc = fc_buf_add(out, "\\r", 2); break;
		case '\t': rc = fc_buf_add(out, "\\t", 2); break;
		default: rc = fc_buf_add(out, esc, 6);
		}
		i++;
	}
	return rc;
}

/* Quotes, backslashes and control characters are escaped (\b \f \n \r \t,
 * the others as \u00XX); everything else, including non-ASCII UTF-8, is
 * copied. Runs of bytes that need nothing are found 16 (or 8) bytes at a
 * time and copied whole; the text is written in place: it takes at least
 * n + 2 bytes, so that much room is made first, more only for escapes. */
int cdc_json_cstr(struct fc_buf *out, const char *s)
{
	return s ? cdc_json_string(out, s, strlen(s)) : fc_buf_puts(out, "null");
}

int cdc_json_string(struct fc_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0, len, bad = 1, start = out->len, rem;
	char *w;
	int rc;

	if (n > SIZE_MAX / 2)
		return -FC_ETOOBIG;
	if ((rc = fc_buf_need(out, n + 2)))
		return rc;
	w = out->ptr + out->len;
	*w++ = '"';
	/* invariant: there is room for n - i + 1 more bytes at w */
	for (;;) {
		uint8_t c;

#ifdef __SSE2__
		while ((rem = n - i) >= 16) {
			unsigned bits = specials16(u + i);
			memcpy(w, u + i, 16);
			len = bits ? (size_t)__builtin_ctz(bits) : 16;
			w += len;
			i += len;
			if (bits)
				goto special;
		}
		if (rem && n >= 16) {
			/* the last 16 bytes, the ones done already shifted out */
			unsigned bits = specials16(u + n - 16) >> (16 - rem);
			len = bits ? (size_t)__builtin_ctz(bits) : rem;
			fc_copy(w, u + i, len);
			w += len;
			i += len;
			if (!bits)
				break;
			goto special;
		}
#endif
		while ((rem = n - i) >= 8) {
			uint64_t m = specials(word8(u + i));
			memcpy(w, u + i, 8);
			len = m ? (size_t)__builtin_ctzll(m) >> 3 : 8;
			w += len;
			i += len;
			if (m)
				goto special;
		}
		if (rem >= 4 && n < 8) {
			/* 4 to 7 bytes: two overlapping 4-byte halves as one word */
			uint32_t lo, hi;
			uint64_t m;
			memcpy(&lo, u + i, 4);
			memcpy(&hi, u + n - 4, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			lo = __builtin_bswap32(lo);
			hi = __builtin_bswap32(hi);
#endif
			m = specials((uint64_t)lo | (uint64_t)hi << 32);
			if (!m) {
				fc_copy(w, u + i, rem);
				w += rem;
				i += rem;
				break;
			}
		}
		if (rem && n >= 8) {
			/* the last 8 bytes, the ones done already shifted out (a
			 * borrow from them may mark a plain byte: it is then
			 * copied below, one byte, which is only slower) */
			uint64_t m = specials(word8(u + n - 8)) >> (8 * (8 - rem));
			len = m ? (size_t)__builtin_ctzll(m) >> 3 : rem;
			fc_copy(w, u + i, len);
			w += len;
			i += len;
			if (!m)
				break;
		}
		if (i >= n)
			break;
special:
		c = u[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			if (c < 0x80) {
				*w++ = (char)c;
				i++;
				continue;
			}
			if ((len = fc_utf8_len(u + i, n - i, &bad))) {
				for (size_t k = 0; k < len; k++)
					w[k] = (char)u[i + k];
				w += len;
				i += len;
				continue;
			}
		}
		/* an escape or U+FFFD: up to 6 bytes for the input byte(s) */
		fc_buf_set_end(out, w);
		if (fc_buf_need(out, n - i + 7)) {
			/* near the cap: the rest exactly, one piece at a time */
			if ((rc = json_rest(out, u + i, n - i)) || (rc = fc_buf_addc(out, '"'))) {
				out->len = start;
				out->ptr[start] = '\0';
			}
			return rc;
		}
		w = out->ptr + out->len;
		if (c >= 0x80) {
			memcpy(w, "\xef\xbf\xbd", 3);
			w += 3;
			i += bad;
			continue;
		}
		*w++ = '\\';
		switch (c) {
		case '"': *w++ = '"'; break;
		case '\\': *w++ = '\\'; break;
		case '\b': *w++ = 'b'; break;
		case '\f': *w++ = 'f'; break;
		case '\n': *w++ = 'n'; break;
		case '\r': *w++ = 'r'; break;
		case '\t': *w++ = 't'; break;
		default:
			*w++ = 'u';
			*w++ = '0';
			*w++ = '0';
			*w++ = hex[c >> 4];
			*w++ = hex[c & 15];
		}
		i++;
	}
	*w++ = '"';
	fc_buf_set_end(out, w);
	return 0;
}

int cdc_json_base64(struct fc_buf *out, const uint8_t *p, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, enc;
	char *w;
	int rc;

	if (n > (SIZE_MAX - 8) / 4 * 3)
		return -FC_ETOOBIG;
	enc = (n + 2) / 3 * 4;
	if ((rc = fc_buf_reserve(out, enc + 2)))
		return rc;
	w = out->ptr + out->len;
	*w++ = '"';
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*w++ = abc[v >> 18];
		*w++ = abc[v >> 12 & 63];
		*w++ = abc[v >> 6 & 63];
		*w++ = abc[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		*w++ = abc[v >> 18];
		*w++ = abc[v >> 12 & 63];
		*w++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
		*w++ = '=';
	}
	*w++ = '"';
	out->len = (size_t)(w - out->ptr);
	out->ptr[out->len] = '\0';
	return 0;
}

/* ------------------------------------------------------------------ */
/* charsets to UTF-8 */

/* How a MySQL charset becomes UTF-8: through iconv (glibc), trying a
 * superset when the first name refuses the text, then replacing what
 * neither maps with U+FFFD. MySQL's latin1 is really cp1252 with the five
 * bytes cp1252 leaves undefined mapped as in ISO-8859-1. MySQL's euckr
 * accepts CP949's extra syllables, and glibc's EUC-KR would not refuse
 * them but read their lead byte as a C1 control (0x8c 0x63 as U+008C "c"
 * instead of U+B620), so euckr goes straight to CP949, a superset that
 * reads every EUC-KR sequence the same. Charsets missing here (keybcs2,
 * swe7, geostd8, ...) come out as base64. */
struct conv {
	const char *charset;
	const char *iconv;      /* NULL: the bytes are UTF-8 (or ASCII) already */
	const char *superset;   /* NULL: none */
	bool latin1;            /* bytes iconv refuses map to U+0080-U+00FF */
	iconv_t cd[2];          /* opened on first use, (iconv_t)-1 if refused */
	bool opened[2];
};

static struct conv convs[] = {
	{ "utf8mb4", NULL, NULL, false, { 0 }, { 0 } },
	{ "utf8mb3", NULL, NULL, false, { 0 }, { 0 } },
	{ "utf8", NULL, NULL, false, { 0 }, { 0 } },
	{ "ascii", NULL, NULL, false, { 0 }, { 0 } },
	{ "latin1", "CP1252", NULL, true, { 0 }, { 0 } },
	{ "euckr", "CP949", NULL, false, { 0 }, { 0 } },
	{ "big5", "BIG5", "CP950", false, { 0 }, { 0 } },
	{ "gbk", "GBK", NULL, false, { 0 }, { 0 } },
	{ "gb2312", "GB2312", "GBK", false, { 0 }, { 0 } },
	{ "gb18030", "GB18030", NULL, false, { 0 }, { 0 } },
	{ "sjis", "SHIFT_JIS", "CP932", false, { 0 }, { 0 } },
	{ "cp932", "CP932", NULL, false, { 0 }, { 0 } },
	{ "ujis", "EUC-JP", "EUC-JP-MS", false, { 0 }, { 0 } },
	{ "eucjpms", "EUC-JP-MS", NULL, false, { 0 }, { 0 } },
	{ "latin2", "ISO-8859-2", NULL, false, { 0 }, { 0 } },
	{ "latin5", "ISO-8859-9", NULL, false, { 0 }, { 0 } },
	{ "latin7", "ISO-8859-13", NULL, false, { 0 }, { 0 } },
	{ "greek", "ISO-8859-7", NULL, false, { 0 }, { 0 } },
	{ "hebrew", "ISO-8859-8", NULL, false, { 0 }, { 0 } },
	{ "cp1250", "CP1250", NULL, false, { 0 }, { 0 } },
	{ "cp1251", "CP1251", NULL, false, { 0 }, { 0 } },
	{ "cp1256", "CP1256", NULL, false, { 0 }, { 0 } },
	{ "cp1257", "CP1257", NULL, false, { 0 }, { 0 } },
	{ "cp850", "CP850", NULL, false, { 0 }, { 0 } },
	{ "cp852", "CP852", NULL, false, { 0 }, { 0 } },
	{ "cp866", "CP866", NULL, false, { 0 }, { 0 } },
	{ "koi8r", "KOI8-R", NULL, false, { 0 }, { 0 } },
	{ "koi8u", "KOI8-U", NULL, false, { 0 }, { 0 } },
	{ "macce", "MAC-CENTRALEUROPE", NULL, false, { 0 }, { 0 } },
	{ "macroman", "MACINTOSH", NULL, false, { 0 }, { 0 } },
	{ "armscii8", "ARMSCII-8", NULL, false, { 0 }, { 0 } },
	{ "tis620", "TIS-620", NULL, false, { 0 }, { 0 } },
	{ "hp8", "HP-ROMAN8", NULL, false, { 0 }, { 0 } },
	{ "dec8", "DEC-MCS", NULL, false, { 0 }, { 0 } },
	{ "ucs2", "UCS-2BE", NULL, false, { 0 }, { 0 } },
	{ "utf16", "UTF-16BE", NULL, false, { 0 }, { 0 } },
	{ "utf16le", "UTF-16LE", NULL, false, { 0 }, { 0 } },
	{ "utf32", "UTF-32BE", NULL, false, { 0 }, { 0 } },
};

/* The iconv descriptors are shared by every decoder in the process; this
 * lock makes each conversion (and the lazy opening) one at a time. */
static pthread_mutex_t conv_lock = PTHREAD_MUTEX_INITIALIZER;

static struct conv *conv_find(const char *charset)
{
	for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++)
		if (strcmp(convs[i].charset, charset) == 0)
			return &convs[i];
	return NULL;
}

/* Call with conv_lock held. */
static iconv_t conv_open(struct conv *cv, int which)
{
	const char *name = which ? cv->superset : cv->iconv;
	if (!name)
		return (iconv_t)-1;
	if (!cv->opened[which]) {
		cv->cd[which] = iconv_open("UTF-8", name);
		cv->opened[which] = true;
	}
	return cv->cd[which];
}

enum on_bad { BAD_FAIL, BAD_LATIN1, BAD_REPLACE };

/* Appends s converted by cd to tmp. A byte cd refuses fails the whole
 * conversion (BAD_FAIL: returns 1), or is replaced by the code point of the
 * same value (BAD_LATIN1) or by U+FFFD (BAD_REPLACE) and skipped. */
static int iconv_append(iconv_t cd, const uint8_t *s, size_t n, struct fc_buf *tmp,
                        enum on_bad on_bad)
{
	char *in = (char *)s, *o;
	size_t inleft = n, oleft;
	int rc;

	iconv(cd, NULL, NULL, NULL, NULL);
	for (;;) {
		size_t chunk = inleft < 65536 ? inleft : 65536;
		bool flush = inleft == 0;      /* all read: end any shift state */
		size_t r;

		if ((rc = fc_buf_reserve(tmp, chunk * 4 + 16)))
			return rc;
		o = tmp->ptr + tmp->len;
		oleft = tmp->cap - tmp->len - 1;
		r = flush ? iconv(cd, NULL, NULL, &o, &oleft) : iconv(cd, &in, &inleft, &o, &oleft);
		tmp->len = (size_t)(o - tmp->ptr);
		tmp->ptr[tmp->len] = '\0';
		if (r != (size_t)-1) {
			if (flush)
				return 0;
			continue;
		}
		if (errno == E2BIG)
			continue;
		/* EILSEQ: an unmapped byte; EINVAL: the text ends inside a
		 * sequence, which one U+FFFD replaces */
		if (on_bad == BAD_FAIL || !inleft)
			return 1;
		if (errno == EINVAL && on_bad == BAD_REPLACE) {
			if ((rc = fc_buf_append(tmp, "\xef\xbf\xbd", 3)))
				return rc;
			in += inleft;
			inleft = 0;
			continue;
		}
		if (on_bad == BAD_LATIN1) {
			uint8_t b = (uint8_t)*in;
			char u[2] = { (char)(0xc0 | b >> 6), (char)(0x80 | (b & 0x3f)) };
			rc = b < 0x80 ? fc_buf_putc(tmp, (char)b) : fc_buf_append(tmp, u, 2);
		} else {
			rc = fc_buf_append(tmp, "\xef\xbf\xbd", 3);
		}
		if (rc)
			return rc;
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
}

/* Whether iconv cd turns each ASCII byte, alone, into itself; then
 * ASCII-only text needs no conversion: in the multibyte charsets here
 * (EUC, GBK, Big5, Shift_JIS, ...) a byte below 0x80 is never part of a
 * sequence, and the ones where it is (UCS-2, UTF-16, UTF-32) fail this
 * test, as does any charset that maps an ASCII byte elsewhere. Call with
 * conv_lock held. */
static bool ascii_same(iconv_t cd)
{
	struct fc_buf tmp = FC_BUF_INIT;
	bool same = true;

	for (unsigned b = 0; b < 0x80 && same; b++) {
		uint8_t in = (uint8_t)b;
		fc_buf_reset(&tmp);
		same = iconv_append(cd, &in, 1, &tmp, BAD_FAIL) == 0 && tmp.len == 1 &&
		       (uint8_t)tmp.ptr[0] == in;
	}
	fc_buf_release(&tmp);
	iconv(cd, NULL, NULL, NULL, NULL);
	return same;
}

/* How the text of a collation becomes UTF-8, looked up once per collation
 * id and kept:
 *   TX_AS_IS   the bytes are UTF-8 (or ASCII) already (cdc_json_string
 *              repairs invalid bytes)
 *   TX_BASE64  binary, or a charset iconv cannot convert
 *   TX_GUESS   an unknown collation: as is when valid UTF-8, else latin1
 *   TX_CONV + 2 k (+ 1 when ASCII converts to itself): iconv with convs[k] */
enum { TX_UNSET, TX_AS_IS, TX_BASE64, TX_GUESS, TX_CONV };

static uint8_t text_kinds[65536];

static unsigned text_kind_of(uint16_t collation)
{
	const char *cs = collation == CDC_COLLATION_BINARY ? "binary"
	                 : cdc_collation_charset(collation);
	struct conv *cv;
	iconv_t cd;
	bool same = false;

	if (!cs)
		return TX_GUESS;
	if (!(cv = conv_find(cs)))
		return TX_BASE64;
	if (!cv->iconv)
		return TX_AS_IS;
	pthread_mutex_lock(&conv_lock);
	cd = conv_open(cv, 0);
	if (cd != (iconv_t)-1)
		same = ascii_same(cd);
	pthread_mutex_unlock(&conv_lock);
	if (cd == (iconv_t)-1)
		return TX_BASE64;
	return TX_CONV + 2 * (unsigned)(cv - convs) + same;
}

static inline unsigned text_kind(uint16_t collation)
{
	unsigned k = __atomic_load_n(&text_kinds[collation], __ATOMIC_RELAXED);
	if (k == TX_UNSET) {
		k = text_kind_of(collation);
		__atomic_store_n(&text_kinds[collation], (uint8_t)k, __ATOMIC_RELAXED);
	}
	return k;
}

static bool is_ascii(const uint8_t *s, size_t n)
{
	uint64_t acc = 0;
	size_t i = 0;

	for (; n - i >= 8; i += 8)
		acc |= word8(s + i);
	for (; i < n; i++)
		acc |= s[i];
	return !(acc & HIGHS);
}

/* Where converted text goes, reused; only with conv_lock held. */
static struct fc_buf conv_out = FC_BUF_INIT;

/* Converts s with cv into conv_out; call with conv_lock held. 0, 1 when
 * the charset cannot be converted, or a negative code. */
static int conv_locked(struct conv *cv, const uint8_t *s, size_t n)
{
	iconv_t cd = conv_open(cv, 0);
	int rc = 1;

	fc_buf_reset(&conv_out);
	if (cd != (iconv_t)-1) {
		rc = iconv_append(cd, s, n, &conv_out, cv->latin1 ? BAD_LATIN1 : BAD_FAIL);
		if (rc == 1) {
			iconv_t sup = conv_open(cv, 1);
			fc_buf_reset(&conv_out);
			rc = iconv_append(sup != (iconv_t)-1 ? sup : cd, s, n, &conv_out, BAD_REPLACE);
		}
	}
	return rc;
}

/* Drops a big conversion buffer after use; with conv_lock held. */
static void conv_done(void)
{
	if (conv_out.cap > ((size_t)1 << 20))
		fc_buf_release(&conv_out);
}

static struct conv *latin1_conv(void)
{
	static struct conv *cv;
	struct conv *c = __atomic_load_n(&cv, __ATOMIC_RELAXED);
	if (!c) {
		c = conv_find("latin1");
		__atomic_store_n(&cv, c, __ATOMIC_RELAXED);
	}
	return c;
}

/* What emit gets: text as UTF-8. */
typedef int (*text_fn)(struct fc_buf *out, const uint8_t *u, size_t n);

/* Text s (n bytes in the charset of collation) as UTF-8, handed to fn
 * with out: s itself for UTF-8 and ASCII charsets (and ASCII-only text of
 * charsets where ASCII is itself), else the converted bytes. Unknown
 * collations: s when it is valid UTF-8, else s read as latin1. Returns
 * fn's result, 1 when the charset cannot be converted (binary, or not
 * known to iconv; fn is not called), or a negative code. */
static int with_utf8(uint16_t collation, const uint8_t *s, size_t n, text_fn fn,
                     struct fc_buf *out)
{
	unsigned kind = text_kind(collation);
	struct conv *cv;
	int rc;

	switch (kind) {
	case TX_AS_IS:
		return fn(out, s, n);
	case TX_BASE64:
		return 1;
	case TX_GUESS:
		if (utf8_valid(s, n))
			return fn(out, s, n);
		cv = latin1_conv();
		if (!cv)
			return 1;
		break;
	default:
		if ((kind - TX_CONV) & 1 && is_ascii(s, n))
			return fn(out, s, n);
		cv = &convs[(kind - TX_CONV) / 2];
	}
	pthread_mutex_lock(&conv_lock);
	rc = conv_locked(cv, s, n);
	if (rc == 0)
		rc = fn(out, (const uint8_t *)(conv_out.ptr ? conv_out.ptr : ""), conv_out.len);
	conv_done();
	pthread_mutex_unlock(&conv_lock);
	return rc;
}

/* ------------------------------------------------------------------ */
/* JSON text (MariaDB's JSON columns): check and compact */

#define JT_MAX_DEPTH 512

struct jt {
	const uint8_t *s;
	size_t n, i;
	struct fc_buf *out;
};

static void jt_ws(struct jt *t)
{
	while (t->i < t->n && (t->s[t->i] == ' ' || t->s[t->i] == '\t' ||
	                       t->s[t->i] == '\n' || t->s[t->i] == '\r'))
		t->i++;
}

static int jt_hex4(struct jt *t, size_t at, unsigned *v)
{
	*v = 0;
	if (at > t->n || t->n - at < 4)
		return 1;
	for (size_t k = 0; k < 4; k++) {
		uint8_t c = t->s[at + k];
		unsigned d = c >= '0' && c <= '9' ? c - '0'
		           : c >= 'a' && c <= 'f' ? c - 'a' + 10
		           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
		if (d == 16)
			return 1;
		*v = *v << 4 | d;
	}
	return 0;
}

/* A string at t->i (on the quote): valid escapes, no raw control bytes,
 * valid UTF-8, \u surrogates in pairs. Copied as it is. */
static int jt_string(struct jt *t)
{
	size_t start = t->i++, len, bad;
	unsigned u, u2;

	while (t->i < t->n) {
		uint8_t c = t->s[t->i];
		if (c == '"') {
			t->i++;
			return fc_buf_append(t->out, t->s + start, t->i - start);
		}
		if (c < 0x20)
			return 1;
		if (c >= 0x80) {
			if (!(len = fc_utf8_len(t->s + t->i, t->n - t->i, &bad)))
				return 1;
			t->i += len;
			continue;
		}
		if (c != '\\') {
			t->i++;
			continue;
		}
		if (++t->i >= t->n)
			return 1;
		c = t->s[t->i];
		if (strchr("\"\\/bfnrt", c) && c) {
			t->i++;
			continue;
		}
		if (c != 'u' || jt_hex4(t, t->i + 1, &u))
			return 1;
		t->i += 5;
		if (u >= 0xdc00 && u <= 0xdfff)
			return 1;
		if (u >= 0xd800 && u <= 0xdbff) {
			if (t->n - t->i < 2 || t->s[t->i] != '\\' || t->s[t->i + 1] != 'u' ||
			    jt_hex4(t, t->i + 2, &u2) || u2 < 0xdc00 || u2 > 0xdfff)
				return 1;
			t->i += 6;
		}
	}
	return 1;
}

static int jt_digits(struct jt *t)
{
	size_t start = t->i;
	while (t->i < t->n && t->s[t->i] >= '0' && t->s[t->i] <= '9')
		t->i++;
	return t->i > start ? 0 : 1;
}

static int jt_number(struct jt *t)
{
	size_t start = t->i;

	if (t->s[t->i] == '-')
		t->i++;
	if (t->i < t->n && t->s[t->i] == '0')
		t->i++;
	else if (jt_digits(t))
		return 1;
	if (t->i < t->n && t->s[t->i] == '.') {
		t->i++;
		if (jt_digits(t))
			return 1;
	}
	if (t->i < t->n && (t->s[t->i] == 'e' || t->s[t->i] == 'E')) {
		t->i++;
		if (t->i < t->n && (t->s[t->i] == '+' || t->s[t->i] == '-'))
			t->i++;
		if (jt_digits(t))
			return 1;
	}
	return fc_buf_append(t->out, t->s + start, t->i - start);
}

/* 0 valid (and appended without whitespace), 1 invalid, < 0 error. */
static int jt_value(struct jt *t, int depth)
{
	static const char *const words[] = { "true", "false", "null" };
	uint8_t c, close;
	int rc;

	jt_ws(t);
	if (t->i >= t->n)
		return 1;
	c = t->s[t->i];
	if (c == '"')
		return jt_string(t);
	if (c == '-' || (c >= '0' && c <= '9'))
		return jt_number(t);
	for (size_t k = 0; k < 3; k++) {
		size_t len = strlen(words[k]);
		if (t->n - t->i >= len && memcmp(t->s + t->i, words[k], len) == 0) {
			t->i += len;
			return fc_buf_append(t->out, words[k], len);
		}
	}
	if (c != '{' && c != '[')
		return 1;
	if (depth >= JT_MAX_DEPTH)
		return 1;
	close = c == '{' ? '}' : ']';
	t->i++;
	if ((rc = fc_buf_putc(t->out, (char)c)))
		return rc;
	jt_ws(t);
	if (t->i < t->n && t->s[t->i] == close) {
		t->i++;
		return fc_buf_putc(t->out, (char)close);
	}
	for (;;) {
		if (c == '{') {
			jt_ws(t);
			if (t->i >= t->n || t->s[t->i] != '"')
				return 1;
			if ((rc = jt_string(t)))
				return rc;
			jt_ws(t);
			if (t->i >= t->n || t->s[t->i] != ':')
				return 1;
			t->i++;
			if ((rc = fc_buf_putc(t->out, ':')))
				return rc;
		}
		if ((rc = jt_value(t, depth + 1)))
			return rc;
		jt_ws(t);
		if (t->i >= t->n)
			return 1;
		if (t->s[t->i] == close) {
			t->i++;
			return fc_buf_putc(t->out, (char)close);
		}
		if (t->s[t->i] != ',')
			return 1;
		t->i++;
		if ((rc = fc_buf_putc(t->out, ',')))
			return rc;
	}
}

/* Appends s as embedded JSON (whitespace between tokens dropped, so the
 * result stays on one line) when it is one valid JSON value, else as a
 * JSON string. */
static int json_text(struct fc_buf *out, const uint8_t *s, size_t n)
{
	struct jt t = { s, n, 0, out };
	size_t start = out->len;
	int rc = jt_value(&t, 0);

	if (rc == 0) {
		jt_ws(&t);
		if (t.i == n)
			return 0;
		rc = 1;
	}
	if (out->ptr) {
		out->len = start;
		out->ptr[start] = '\0';
	}
	if (rc < 0)
		return rc;
	return cdc_json_string(out, (const char *)s, n);
}

/* ------------------------------------------------------------------ */
/* numbers */

/* The decoders below check the stored bytes and, when d->out is NULL
 * (cdc_value_check), stop there; else they write the text into a small
 * local buffer and append it in one piece. */

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* v < 100 as two digits at w. */
static inline void put2(char *w, unsigned v)
{
	memcpy(w, digit_pairs + 2 * v, 2);
}

/* v < 10000 as four digits at w. */
static inline void put4(char *w, unsigned v)
{
	put2(w, v / 100);
	put2(w + 2, v % 100);
}

static const uint64_t pow10_64[20] = {
	UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000),
	UINT64_C(100000), UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000),
	UINT64_C(1000000000), UINT64_C(10000000000), UINT64_C(100000000000),
	UINT64_C(1000000000000), UINT64_C(10000000000000), UINT64_C(100000000000000),
	UINT64_C(1000000000000000), UINT64_C(10000000000000000),
	UINT64_C(100000000000000000), UINT64_C(1000000000000000000),
	UINT64_C(10000000000000000000),
};

/* The decimal digits of v. */
static inline unsigned u64_digits(uint64_t v)
{
	unsigned t;
	if (v < 10)
		return 1;
	t = (unsigned)(64 - __builtin_clzll(v)) * 1233 >> 12;   /* ~ log10(2^bits) */
	return t + (v >= pow10_64[t]);
}

/* v as exactly n = u64_digits(v) digits at w. */
static inline void write_u64(char *w, uint64_t v, unsigned n)
{
	char *e = w + n;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		e -= 2;
		put2(e, r);
	}
	if (v >= 10)
		put2(e - 2, (unsigned)v);
	else
		e[-1] = (char)('0' + v);
}

/* Appends v (negative: magnitude m with a sign) in decimal. */
static inline int add_num(struct fc_buf *out, bool neg, uint64_t m)
{
	unsigned n = u64_digits(m);
	char *w;
	int rc;

	if ((rc = fc_buf_need(out, n + neg)))
		return rc;
	w = out->ptr + out->len;
	if (neg)
		*w++ = '-';
	write_u64(w, m, n);
	fc_buf_commit(out, n + neg);
	return 0;
}

static inline int add_i64(struct fc_buf *out, int64_t v)
{
	return v < 0 ? add_num(out, true, (uint64_t)0 - (uint64_t)v) : add_num(out, false, (uint64_t)v);
}

/* Appends the text at [buf, end). */
static inline int put_buf(struct dec *d, const char *buf, const char *end)
{
	return fc_buf_add(d->out, buf, (size_t)(end - buf));
}

static int dec_int(struct dec *d, size_t k)
{
	uint64_t v;
	int rc;

	if ((rc = need(d, 0, k)))
		return rc;
	d->used = k;
	if (!d->out)
		return 0;
	switch (k) {
	case 1: v = d->p[0]; break;
	case 2: v = (uint64_t)d->p[0] | (uint64_t)d->p[1] << 8; break;
	case 3: v = (uint64_t)d->p[0] | (uint64_t)d->p[1] << 8 | (uint64_t)d->p[2] << 16; break;
	case 4: v = (uint64_t)d->p[0] | (uint64_t)d->p[1] << 8 | (uint64_t)d->p[2] << 16 |
	                (uint64_t)d->p[3] << 24; break;
	default: v = rd_le(d->p, k);
	}
	if (d->c->is_unsigned)
		return add_num(d->out, false, v);
	if (k == 8)
		return add_i64(d->out, v > INT64_MAX ? -(int64_t)~v - 1 : (int64_t)v);
	return add_i64(d->out, sign_extend(v, (unsigned)k * 8));
}

/* The shortest %g that reads back as v: %.1g .. %.9g (float) or %.17g
 * (double) always do. Assumes the C locale's '.' (ficus never changes
 * LC_NUMERIC). */
static int put_float(struct fc_buf *out, double v, bool single)
{
	char s[48];
	for (int prec = 1; prec <= (single ? 9 : 17); prec++) {
		snprintf(s, sizeof s, "%.*g", prec, v);
		if (single ? strtof(s, NULL) == (float)v : strtod(s, NULL) == v)
			break;
	}
	return fc_buf_puts(out, s);
}

static int dec_float(struct dec *d, bool single)
{
	size_t k = single ? 4 : 8;
	uint64_t bits;
	double v;
	int rc;

	if ((rc = need(d, 0, k)))
		return rc;
	bits = rd_le(d->p, k);
	if (single) {
		uint32_t b32 = (uint32_t)bits;
		float f;
		memcpy(&f, &b32, sizeof f);
		v = f;
	} else {
		memcpy(&v, &bits, sizeof v);
	}
	if (!isfinite(v))
		return corrupt(d, "holds %s, which MySQL cannot store",
		               isnan(v) ? "NaN" : "infinity");
	d->used = k;
	if (!d->out)
		return 0;
	return put_float(d->out, v, single);
}

static const uint8_t dig2bytes[10] = { 0, 1, 1, 2, 2, 3, 3, 4, 4, 4 };
static const uint32_t pow10_32[10] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
                                       10000000, 100000000, 1000000000 };

/* Appends v < 10^width as exactly `width` digits. */
static void put_digits(char *buf, size_t *nd, uint32_t v, unsigned width)
{
	char *e = buf + *nd + width;
	unsigned k = width;

	for (; k >= 2; k -= 2) {
		e -= 2;
		put2(e, v % 100);
		v /= 100;
	}
	if (k)
		*--e = (char)('0' + v);
	*nd += width;
}

/* n <= 4 bytes at p, big-endian. */
static inline uint32_t be_n(const uint8_t *p, unsigned n)
{
	switch (n) {
	case 1: return p[0];
	case 2: return (uint32_t)p[0] << 8 | p[1];
	case 3: return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	case 4: return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	default: return 0;
	}
}

/* Appends "[-]<iv>[.<fv in scale digits>]" (scale <= 9), quoted. */
static int put_quoted_decimal(struct fc_buf *out, bool neg, uint64_t iv, uint32_t fv,
                              unsigned scale)
{
	unsigned nint = u64_digits(iv);
	size_t size = 2 + neg + nint + (scale ? 1 + scale : 0);
	char *w;
	int rc;

	if ((rc = fc_buf_need(out, size)))
		return rc;
	w = out->ptr + out->len;
	*w++ = '"';
	if (neg)
		*w++ = '-';
	write_u64(w, iv, nint);
	w += nint;
	if (scale) {
		char digs[9];
		size_t nd = 0;
		*w++ = '.';
		put_digits(digs, &nd, fv, scale);
		memcpy(w, digs, scale);
		w += scale;
	}
	*w = '"';
	fc_buf_commit(out, size);
	return 0;
}

/* Appends a checked NEWDECIMAL with intg <= 18 and scale <= 9 digits from
 * its bytes b (sign flipped and, for negatives, inverted already): the
 * int part fits 64 bits and the fraction is one group. */
static int add_decimal(struct fc_buf *out, const uint8_t *b, unsigned intg, unsigned scale,
                       bool neg)
{
	unsigned lead = intg % 9, nb = dig2bytes[lead];
	uint64_t iv = 0;
	uint32_t fv = 0;

	if (lead) {
		iv = be_n(b, nb);
		b += nb;
	}
	for (unsigned k = 0; k < intg / 9; k++, b += 4)
		iv = iv * 1000000000u + be_n(b, 4);
	if (scale)
		fv = be_n(b, dig2bytes[scale]);
	return put_quoted_decimal(out, neg, iv, fv, scale);
}

static int dec_decimal(struct dec *d)
{
	unsigned prec = d->c->meta & 0xff, scale = d->c->meta >> 8;
	unsigned intg, lead, trail, nfull, g = 0;
	size_t size, pos = 0, nd = 0, first;
	uint8_t b[40], mask;
	char digs[100], *w;
	bool zero = true;
	int rc;

	if (prec == 0 || prec > 65 || scale > 30 || scale > prec)
		return corrupt(d, "has impossible precision/scale");
	intg = prec - scale;
	lead = intg % 9;
	trail = scale % 9;
	nfull = intg / 9 + scale / 9;
	size = dig2bytes[lead] + nfull * 4 + dig2bytes[trail];
	if ((rc = need(d, 0, size)))
		return rc;

	mask = d->p[0] & 0x80 ? 0 : 0xff;
	for (size_t k = 0; k < size; k++)
		b[k] = d->p[k] ^ mask;
	b[0] ^= 0x80;
	/* groups in storage order: leftover int digits, 9-digit int groups,
	 * 9-digit fraction groups, leftover fraction digits */
	for (unsigned k = 0; k < nfull + 2; k++) {
		unsigned wd = k == 0 ? lead : k <= nfull ? 9 : trail;
		unsigned nb = dig2bytes[wd];
		uint32_t v;

		if (!wd)
			continue;
		g++;
		v = be_n(b + pos, nb);
		if (v >= pow10_32[wd])
			return corrupt(d, "digit group %u holds %" PRIu32 ", more than %u digits",
			               g, v, wd);
		if (d->out && !(intg <= 18 && scale <= 9))
			put_digits(digs, &nd, v, wd);
		pos += nb;
		if (v)
			zero = false;
	}
	d->used = size;
	if (!d->out)
		return 0;
	if (intg <= 18 && scale <= 9)
		return add_decimal(d->out, b, intg, scale, mask && !zero);

	for (first = 0; first < intg && digs[first] == '0'; first++)
		;
	/* '"', '-', the int digits (or 0), '.', the scale digits, '"' */
	if ((rc = fc_buf_need(d->out, 2 + (mask && !zero) + (first == intg ? 1 : intg - first) +
	                              (scale ? 1 + scale : 0))))
		return rc;
	w = d->out->ptr + d->out->len;
	*w++ = '"';
	if (mask && !zero)
		*w++ = '-';
	if (first == intg) {
		*w++ = '0';
	} else {
		fc_copy(w, digs + first, intg - first);
		w += intg - first;
	}
	if (scale) {
		*w++ = '.';
		fc_copy(w, digs + intg, scale);
		w += scale;
	}
	*w++ = '"';
	fc_buf_set_end(d->out, w);
	return 0;
}

static int dec_bit(struct dec *d)
{
	unsigned bytes = d->c->meta >> 8, bits = d->c->meta & 0xff;
	size_t len = bytes + (bits ? 1 : 0);
	int rc;

	if (bits > 7 || len == 0 || len > 8)
		return corrupt(d, "has impossible metadata");
	if ((rc = need(d, 0, len)))
		return rc;
	d->used = len;
	if (!d->out)
		return 0;
	return add_num(d->out, false, rd_be(d->p, len));
}

/* ------------------------------------------------------------------ */
/* dates and times */

/* "." and the first fsp of the 6 digits of us (< 10^6) at w, or nothing
 * for fsp 0; returns the end. */
static char *put_frac(char *w, uint32_t us, unsigned fsp)
{
	char six[6];
	if (!fsp)
		return w;
	put2(six, us / 10000);
	put2(six + 2, us / 100 % 100);
	put2(six + 4, us % 100);
	*w++ = '.';
	memcpy(w, six, fsp);
	return w + fsp;
}

/* Reads the (fsp + 1) / 2 fraction bytes at off as microseconds, the way
 * MySQL reads DATETIME2 and TIMESTAMP2 (1 byte unsigned for TIMESTAMP2,
 * signed for DATETIME2; 2 and 3 bytes signed). */
static int read_frac(struct dec *d, size_t off, unsigned fsp, bool byte_signed, int64_t *us)
{
	size_t k = (fsp + 1) / 2;
	uint64_t v;
	int rc;

	*us = 0;
	if (!k)
		return 0;
	if ((rc = need(d, off, k)))
		return rc;
	v = rd_be(d->p + off, k);
	if (k == 1)
		*us = (byte_signed ? sign_extend(v, 8) : (int64_t)v) * 10000;
	else if (k == 2)
		*us = sign_extend(v, 16) * 100;
	else
		*us = sign_extend(v, 24);
	if (*us < 0 || *us > 999999)
		return corrupt(d, "fraction %" PRId64 " us out of range", *us);
	return 0;
}

static int check_fsp(struct dec *d)
{
	if (d->c->meta > 6)
		return corrupt(d, "has fractional precision above 6");
	return 0;
}

static int put_date(struct dec *d, unsigned y, unsigned m, unsigned day)
{
	char buf[16];

	if (y > 9999 || m > 12 || day > 31)
		return corrupt(d, "date %u-%u-%u out of range", y, m, day);
	if (!d->out)
		return 0;
	buf[0] = '"';
	put4(buf + 1, y);
	buf[5] = '-';
	put2(buf + 6, m);
	buf[8] = '-';
	put2(buf + 9, day);
	buf[11] = '"';
	return fc_buf_add(d->out, buf, 12);
}

/* "YYYY-MM-DD?HH:MM:SS" at w (sep between date and time); 19 bytes. */
static void put_ymdhms(char *w, unsigned y, unsigned mo, unsigned day, char sep, unsigned h,
                       unsigned mi, unsigned s)
{
	put4(w, y);
	w[4] = '-';
	put2(w + 5, mo);
	w[7] = '-';
	put2(w + 8, day);
	w[10] = sep;
	put2(w + 11, h);
	w[13] = ':';
	put2(w + 14, mi);
	w[16] = ':';
	put2(w + 17, s);
}

/* Appends "YYYY-MM-DD?HH:MM:SS[.f]" plus tail (the closing quote, or Z
 * and the quote); every field in range. */
static int add_datetime(struct fc_buf *out, unsigned y, unsigned mo, unsigned day, char sep,
                        unsigned h, unsigned mi, unsigned s, uint32_t us, unsigned fsp,
                        const char *tail, size_t ntail)
{
	size_t size = 20 + (fsp ? fsp + 1 : 0) + ntail;
	char *w;
	int rc;

	if ((rc = fc_buf_need(out, size)))
		return rc;
	w = out->ptr + out->len;
	w[0] = '"';
	put_ymdhms(w + 1, y, mo, day, sep, h, mi, s);
	w = put_frac(w + 20, us, fsp);
	memcpy(w, tail, ntail);
	fc_buf_commit(out, size);
	return 0;
}

static int put_datetime(struct dec *d, unsigned y, unsigned mo, unsigned day, unsigned h,
                        unsigned mi, unsigned s, uint32_t us, unsigned fsp)
{
	if (y > 9999 || mo > 12 || day > 31 || h > 23 || mi > 59 || s > 59)
		return corrupt(d, "datetime %u-%u-%u %u:%u:%u out of range", y, mo, day, h, mi, s);
	if (!d->out)
		return 0;
	return add_datetime(d->out, y, mo, day, ' ', h, mi, s, us, fsp, "\"", 1);
}

static int put_time(struct dec *d, bool neg, uint64_t h, unsigned m, unsigned s, uint32_t us,
                    unsigned fsp)
{
	char buf[40], *w = buf;

	if (h > 838 || m > 59 || s > 59)
		return corrupt(d, "time %s%" PRIu64 ":%u:%u out of range", neg ? "-" : "", h, m, s);
	if (!d->out)
		return 0;
	*w++ = '"';
	if (neg)
		*w++ = '-';
	if (h >= 100) {
		*w++ = (char)('0' + h / 100);
		h %= 100;
	}
	put2(w, (unsigned)h);
	w[2] = ':';
	put2(w + 3, m);
	w[5] = ':';
	put2(w + 6, s);
	w = put_frac(w + 8, us, fsp);
	*w++ = '"';
	return put_buf(d, buf, w);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
void cdc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

/* secs comes from 4 bytes: at most 2^32 - 1, in 2106, so the year has 4
 * digits (0000 for the zero timestamp). */
static int put_timestamp(struct dec *d, uint32_t secs, uint32_t us, unsigned fsp)
{
	int64_t y = 0;
	unsigned mo = 0, day = 0, h = 0, mi = 0, s = 0;

	if (!d->out)
		return 0;
	if (secs) {
		cdc_civil_from_days((int64_t)(secs / 86400), &y, &mo, &day);
		h = (unsigned)(secs % 86400 / 3600);
		mi = (unsigned)(secs % 3600 / 60);
		s = (unsigned)(secs % 60);
	}
	return add_datetime(d->out, (unsigned)y, mo, day, 'T', h, mi, s, us, fsp, "Z\"", 2);
}

static int dec_date(struct dec *d)
{
	uint64_t v;
	int rc;

	if ((rc = need(d, 0, 3)))
		return rc;
	v = rd_le(d->p, 3);
	d->used = 3;
	return put_date(d, (unsigned)(v >> 9), (unsigned)(v >> 5 & 15), (unsigned)(v & 31));
}

static int dec_time_old(struct dec *d)
{
	int64_t v;
	uint64_t a;
	int rc;

	if ((rc = need(d, 0, 3)))
		return rc;
	v = sign_extend(rd_le(d->p, 3), 24);
	a = v < 0 ? (uint64_t)-v : (uint64_t)v;
	d->used = 3;
	return put_time(d, v < 0, a / 10000, (unsigned)(a / 100 % 100), (unsigned)(a % 100), 0, 0);
}

static int dec_time2(struct dec *d)
{
	unsigned fsp = d->c->meta;
	size_t k = (fsp + 1) / 2;
	int64_t packed, intpart, frac;
	uint64_t a, hms;
	int rc;

	if ((rc = check_fsp(d)) || (rc = need(d, 0, 3 + k)))
		return rc;
	intpart = (int64_t)rd_be(d->p, 3) - 0x800000;
	switch (k) {
	case 0:
		packed = intpart * (1 << 24);
		break;
	case 1:
	case 2:
		/* a negative time with a fraction stores 0x100 (0x10000) minus
		 * it, in the next lower int part */
		frac = (int64_t)rd_be(d->p + 3, k);
		if (intpart < 0 && frac) {
			intpart++;
			frac -= k == 1 ? 0x100 : 0x10000;
		}
		packed = intpart * (1 << 24) + frac * (k == 1 ? 10000 : 100);
		break;
	default:
		packed = (int64_t)rd_be(d->p, 6) - INT64_C(0x800000000000);
	}
	a = packed < 0 ? (uint64_t)-packed : (uint64_t)packed;
	hms = a >> 24;
	frac = (int64_t)(a & 0xffffff);
	if (frac > 999999)
		return corrupt(d, "fraction %" PRId64 " us out of range", frac);
	d->used = 3 + k;
	return put_time(d, packed < 0, hms >> 12, (unsigned)(hms >> 6 & 63), (unsigned)(hms & 63),
	                (uint32_t)frac, fsp);
}

static int dec_datetime_old(struct dec *d)
{
	uint64_t v, date, time;
	int rc;

	if ((rc = need(d, 0, 8)))
		return rc;
	v = rd_le(d->p, 8);
	if (v > UINT64_C(99991231235959))
		return corrupt(d, "value %" PRIu64 " out of range", v);
	date = v / 1000000;
	time = v % 1000000;
	d->used = 8;
	return put_datetime(d, (unsigned)(date / 10000), (unsigned)(date / 100 % 100),
	                    (unsigned)(date % 100), (unsigned)(time / 10000),
	                    (unsigned)(time / 100 % 100), (unsigned)(time % 100), 0, 0);
}

static int dec_datetime2(struct dec *d)
{
	unsigned fsp = d->c->meta;
	int64_t intpart, us;
	uint64_t ymd, ym, hms;
	int rc;

	if ((rc = check_fsp(d)) || (rc = need(d, 0, 5)) ||
	    (rc = read_frac(d, 5, fsp, true, &us)))
		return rc;
	intpart = (int64_t)rd_be(d->p, 5) - INT64_C(0x8000000000);
	if (intpart < 0)
		return corrupt(d, "is negative");
	ymd = (uint64_t)intpart >> 17;
	ym = ymd >> 5;
	hms = (uint64_t)intpart & 0x1ffff;
	d->used = 5 + (fsp + 1) / 2;
	return put_datetime(d, (unsigned)(ym / 13), (unsigned)(ym % 13), (unsigned)(ymd & 31),
	                    (unsigned)(hms >> 12), (unsigned)(hms >> 6 & 63), (unsigned)(hms & 63),
	                    (uint32_t)us, fsp);
}

static int dec_timestamp(struct dec *d, bool v2)
{
	unsigned fsp = v2 ? d->c->meta : 0;
	int64_t us = 0;
	int rc;

	if ((v2 && (rc = check_fsp(d))) || (rc = need(d, 0, 4)) ||
	    (v2 && (rc = read_frac(d, 4, fsp, false, &us))))
		return rc;
	d->used = 4 + (fsp + 1) / 2;
	return put_timestamp(d, (uint32_t)(v2 ? rd_be(d->p, 4) : rd_le(d->p, 4)), (uint32_t)us, fsp);
}

/* ------------------------------------------------------------------ */
/* strings, ENUM, SET, blobs */

static int json_str_u8(struct fc_buf *out, const uint8_t *u, size_t n)
{
	return cdc_json_string(out, (const char *)u, n);
}

static int put_base64(struct fc_buf *out, const uint8_t *u, size_t n)
{
	return cdc_json_base64(out, u, n);
}

/* Appends text s of column c: embedded JSON (is_json), base64 (binary or
 * a charset iconv does not know), or a UTF-8 JSON string. */
static int put_text(struct dec *d, const uint8_t *s, size_t n)
{
	uint16_t coll = d->c->collation;
	int rc;

	if (!d->out)
		return 0;
	if (!d->c->is_json) {
		if (coll == CDC_COLLATION_BINARY)
			return cdc_json_base64(d->out, s, n);
		if (text_kind(coll) == TX_AS_IS)
			return cdc_json_string(d->out, (const char *)s, n);
	}
	rc = with_utf8(d->c->is_json && coll == CDC_COLLATION_BINARY ? 0 : coll, s, n,
	               d->c->is_json ? json_text : json_str_u8, d->out);
	if (rc == 1)
		rc = cdc_json_base64(d->out, s, n);
	return rc;
}

/* Appends a label (bytes in the column's charset) as UTF-8 to tmp (the
 * label itself when its charset cannot be converted: cdc_json_string
 * repairs what is not UTF-8). */
static int fc_buf_add_u8(struct fc_buf *out, const uint8_t *u, size_t n)
{
	return fc_buf_add(out, u, n);
}

static int label_utf8(struct dec *d, const char *label, struct fc_buf *tmp)
{
	size_t n = strlen(label);
	int rc = with_utf8(d->c->collation == CDC_COLLATION_BINARY ? 0 : d->c->collation,
	                   (const uint8_t *)label, n, fc_buf_add_u8, tmp);
	if (rc == 1)
		rc = fc_buf_add(tmp, label, n);
	return rc;
}

static int dec_string(struct dec *d)
{
	size_t lb = d->c->meta < 256 ? 1 : 2;
	uint64_t len;
	int rc;

	if ((rc = need(d, 0, lb)))
		return rc;
	len = lb == 1 ? d->p[0] : (uint64_t)d->p[0] | (uint64_t)d->p[1] << 8;
	if (len > d->c->meta)
		return corrupt(d, "length %" PRIu64 " exceeds the column's %u bytes", len,
		               (unsigned)d->c->meta);
	if ((rc = need(d, lb, len)))
		return rc;
	d->used = lb + (size_t)len;
	return put_text(d, d->p + lb, (size_t)len);
}

static int dec_enum(struct dec *d)
{
	size_t k = d->c->meta;
	struct fc_buf tmp;
	const char *label;
	uint64_t idx;
	int rc;

	if (k != 1 && k != 2)
		return corrupt(d, "has pack length %zu (expected 1 or 2)", k);
	if ((rc = need(d, 0, k)))
		return rc;
	idx = rd_le(d->p, k);
	d->used = k;
	if (idx == 0)
		return d->out ? fc_buf_add(d->out, "\"\"", 2) : 0;
	if (!d->c->labels)
		return d->out ? add_num(d->out, false, idx) : 0;
	if (idx > d->c->nlabels || !d->c->labels[idx - 1])
		return corrupt(d, "index %" PRIu64 " beyond its %zu labels", idx, d->c->nlabels);
	if (!d->out)
		return 0;
	label = d->c->labels[idx - 1];
	/* labels that need no conversion go straight out */
	{
		unsigned kind = text_kind(d->c->collation == CDC_COLLATION_BINARY ? 0
		                                                                  : d->c->collation);
		if (kind == TX_AS_IS || kind == TX_BASE64)
			return cdc_json_string(d->out, label, strlen(label));
	}
	fc_buf_init(&tmp, d->out->max);
	rc = label_utf8(d, label, &tmp);
	if (!rc)
		rc = cdc_json_string(d->out, tmp.ptr ? tmp.ptr : "", tmp.len);
	fc_buf_release(&tmp);
	return rc;
}

static int dec_set(struct dec *d)
{
	size_t k = d->c->meta;
	struct fc_buf tmp;
	uint64_t bits;
	int rc = 0;

	if (k < 1 || k > 8)
		return corrupt(d, "has pack length %zu (expected 1 to 8)", k);
	if ((rc = need(d, 0, k)))
		return rc;
	bits = rd_le(d->p, k);
	if (!d->c->labels) {
		d->used = k;
		return d->out ? add_num(d->out, false, bits) : 0;
	}
	for (unsigned i = 0; i < 64; i++)
		if (bits >> i & 1 && (i >= d->c->nlabels || !d->c->labels[i]))
			return corrupt(d, "bit %u set beyond its %zu labels", i, d->c->nlabels);
	d->used = k;
	if (!d->out)
		return 0;
	fc_buf_init(&tmp, d->out->max);
	for (unsigned i = 0; i < 64 && rc == 0; i++) {
		if (!(bits >> i & 1))
			continue;
		if (tmp.len && (rc = fc_buf_putc(&tmp, ',')))
			break;
		rc = label_utf8(d, d->c->labels[i], &tmp);
	}
	if (!rc)
		rc = cdc_json_string(d->out, tmp.ptr ? tmp.ptr : "", tmp.len);
	fc_buf_release(&tmp);
	return rc;
}

/* BLOB, TEXT, JSON, GEOMETRY: meta length bytes, then the data. */
static int dec_blob(struct dec *d)
{
	size_t lb = d->c->meta;
	const uint8_t *s;
	uint64_t len;
	int rc;

	if (lb == 0 && d->c->type >= CDC_T_TINY_BLOB && d->c->type <= CDC_T_LONG_BLOB)
		lb = d->c->type == CDC_T_TINY_BLOB ? 1 : d->c->type == CDC_T_MEDIUM_BLOB ? 3 : 4;
	if (lb < 1 || lb > 4)
		return corrupt(d, "has %zu length bytes (expected 1 to 4)", lb);
	if ((rc = need(d, 0, lb)))
		return rc;
	len = rd_le(d->p, lb);
	if ((rc = need(d, lb, len)))
		return rc;
	s = d->p + lb;
	d->used = lb + (size_t)len;

	switch (d->c->type) {
	case CDC_T_JSON:
		/* checked by decoding (cdc_value_check gives a scratch out) */
		if ((rc = cdc_myjson_to_text(s, (size_t)len, d->out, d->err)) == -FC_ECORRUPT) {
			char type[64];
			type_desc(d->c, type, sizeof type);
			if (d->c->name)
				return fc_err_prefix(d->err, "column '%s': %s", d->c->name, type);
			return fc_err_prefix(d->err, "column: %s", type);
		}
		return rc;
	case CDC_T_GEOMETRY:
		if (len < 4)
			return corrupt(d, "value of %" PRIu64 " bytes has no room for its SRID",
			               len);
		return d->out ? put_base64(d->out, s + 4, (size_t)len - 4) : 0;
	default:
		return put_text(d, s, (size_t)len);
	}
}

/* ------------------------------------------------------------------ */

static int decode(struct dec *d)
{
	const struct cdc_column *c = d->c;
	int rc;

	switch (c->type) {
	case CDC_T_TINY: return dec_int(d, 1);
	case CDC_T_SHORT: return dec_int(d, 2);
	case CDC_T_INT24: return dec_int(d, 3);
	case CDC_T_LONG: return dec_int(d, 4);
	case CDC_T_LONGLONG: return dec_int(d, 8);
	case CDC_T_FLOAT: return dec_float(d, true);
	case CDC_T_DOUBLE: return dec_float(d, false);
	case CDC_T_NEWDECIMAL: return dec_decimal(d);
	case CDC_T_BIT: return dec_bit(d);
	case CDC_T_NULL: return d->out ? fc_buf_add(d->out, "null", 4) : 0;
	case CDC_T_YEAR:
		if ((rc = need(d, 0, 1)))
			return rc;
		d->used = 1;
		return d->out ? add_num(d->out, false, d->p[0] ? 1900u + d->p[0] : 0u) : 0;
	case CDC_T_DATE:
	case CDC_T_NEWDATE: return dec_date(d);
	case CDC_T_TIME: return dec_time_old(d);
	case CDC_T_TIME2: return dec_time2(d);
	case CDC_T_DATETIME: return dec_datetime_old(d);
	case CDC_T_DATETIME2: return dec_datetime2(d);
	case CDC_T_TIMESTAMP: return dec_timestamp(d, false);
	case CDC_T_TIMESTAMP2: return dec_timestamp(d, true);
	case CDC_T_VARCHAR:
	case CDC_T_VAR_STRING:
	case CDC_T_STRING: return dec_string(d);
	case CDC_T_ENUM: return dec_enum(d);
	case CDC_T_SET: return dec_set(d);
	case CDC_T_TINY_BLOB:
	case CDC_T_MEDIUM_BLOB:
	case CDC_T_LONG_BLOB:
	case CDC_T_BLOB:
	case CDC_T_JSON:
	case CDC_T_GEOMETRY: return dec_blob(d);
	default: {
		char type[64];
		type_desc(c, type, sizeof type);
		return fc_errf(d->err, FC_EUNSUPPORTED, "column%s%s%s: binlog type %s is not supported",
		               c->name ? " '" : "", c->name ? c->name : "", c->name ? "'" : "", type);
	}
	}
}

static size_t fast_check(const struct cdc_column *c, const uint8_t *p, size_t n);

/* The text of the most common values straight away: 1 when the value is
 * not one of them or anything is unusual (decode then does all, and says
 * what is wrong), else 0 with *used set, or a negative code. Exactly the
 * text decode makes. */
static inline int fast_json(const struct cdc_column *c, const uint8_t *p, size_t n,
                            size_t *used, struct fc_buf *out)
{
	size_t k, len;
	uint64_t v;

	switch (c->type) {
	case CDC_T_TINY: case CDC_T_SHORT: case CDC_T_INT24: case CDC_T_LONG:
		k = c->type == CDC_T_TINY ? 1 : c->type == CDC_T_SHORT ? 2
		  : c->type == CDC_T_INT24 ? 3 : 4;
		if (n < k)
			return 1;
		v = p[0];
		if (k > 1)
			v |= (uint64_t)p[1] << 8;
		if (k > 2)
			v |= (uint64_t)p[2] << 16;
		if (k > 3)
			v |= (uint64_t)p[3] << 24;
		*used = k;
		if (c->is_unsigned)
			return add_num(out, false, v);
		return add_i64(out, sign_extend(v, (unsigned)k * 8));
	case CDC_T_DATETIME2: {
		/* dec_datetime2's checks, in one pass with the fields */
		unsigned fsp = c->meta, fk = (fsp + 1) / 2;
		uint64_t ymd, ym, hms;
		int64_t us = 0;
		if (fsp > 6 || n < 5 + fk)
			return 1;
		if (fk) {
			v = rd_be(p + 5, fk);
			us = fk == 1 ? sign_extend(v, 8) * 10000 : fk == 2 ? sign_extend(v, 16) * 100
			                                                     : sign_extend(v, 24);
			if (us < 0 || us > 999999)
				return 1;
		}
		v = (uint64_t)p[0] << 32 | (uint64_t)p[1] << 24 | (uint64_t)p[2] << 16 |
		    (uint64_t)p[3] << 8 | p[4];
		if (v < UINT64_C(0x8000000000))
			return 1;
		v -= UINT64_C(0x8000000000);
		ymd = v >> 17;
		ym = ymd >> 5;
		hms = v & 0x1ffff;
		if (ym / 13 > 9999 || (hms >> 12) > 23 || (hms >> 6 & 63) > 59 || (hms & 63) > 59)
			return 1;
		*used = 5 + fk;
		return add_datetime(out, (unsigned)(ym / 13), (unsigned)(ym % 13),
		                    (unsigned)(ymd & 31), ' ', (unsigned)(hms >> 12),
		                    (unsigned)(hms >> 6 & 63), (unsigned)(hms & 63), (uint32_t)us, fsp,
		                    "\"", 1);
	}
	case CDC_T_NEWDECIMAL: {
		/* dec_decimal's checks and add_decimal's text in one pass, for
		 * an int part of up to 18 digits and a fraction of up to 9 */
		unsigned prec = c->meta & 0xff, scale = c->meta >> 8, intg, lead;
		uint32_t flip, g, fv = 0;
		uint64_t iv = 0;
		size_t pos = 0;
		bool neg;
		int rc;
		if (prec == 0 || prec > 65 || scale > 9 || scale > prec || (intg = prec - scale) > 18)
			return 1;
		lead = intg % 9;
		k = dig2bytes[lead] + intg / 9 * 4 + (scale == 9 ? 4 : dig2bytes[scale]);
		if (n < k)
			return 1;
		neg = !(p[0] & 0x80);
		flip = neg ? 0xffffffffu : 0;     /* a negative value has every byte inverted */
		if (lead) {
			unsigned nb = dig2bytes[lead];
			g = (be_n(p, nb) ^ (flip >> (32 - 8 * nb))) ^ (uint32_t)0x80 << (8 * (nb - 1));
			if (g >= pow10_32[lead])
				return 1;
			iv = g;
			pos = nb;
		}
		for (unsigned j = 0; j < intg / 9; j++, pos += 4) {
			g = be_n(p + pos, 4) ^ flip;
			if (pos == 0)
				g ^= 0x80000000u;
			if (g >= 1000000000u)
				return 1;
			iv = iv * 1000000000u + g;
		}
		if (scale) {
			unsigned nb = scale == 9 ? 4 : dig2bytes[scale];
			fv = be_n(p + pos, nb) ^ (flip >> (32 - 8 * nb));
			if (pos == 0)
				fv ^= (uint32_t)0x80 << (8 * (nb - 1));
			if (fv >= pow10_32[scale])
				return 1;
		}
		neg = neg && (iv || fv);          /* no sign on zero */
		if ((rc = put_quoted_decimal(out, neg, iv, fv, scale)))
			return rc;
		*used = k;
		return 0;
	}
	case CDC_T_VARCHAR: case CDC_T_VAR_STRING: case CDC_T_STRING:
		if (c->is_json || c->collation == CDC_COLLATION_BINARY ||
		    text_kind(c->collation) != TX_AS_IS)
			return 1;
		if (c->meta < 256) {
			if (n < 1)
				return 1;
			len = p[0];
			k = 1;
		} else {
			if (n < 2)
				return 1;
			len = (size_t)p[0] | (size_t)p[1] << 8;
			k = 2;
		}
		if (len > c->meta || len > n - k)
			return 1;
		*used = k + len;
		return cdc_json_string(out, (const char *)p + k, len);
	case CDC_T_BLOB: case CDC_T_TINY_BLOB: case CDC_T_MEDIUM_BLOB: case CDC_T_LONG_BLOB:
		k = c->meta;
		if (k < 1 || k > 4 || n < k || c->is_json || c->collation == CDC_COLLATION_BINARY ||
		    text_kind(c->collation) != TX_AS_IS)
			return 1;
		len = (size_t)rd_le(p, k);
		if (len > n - k)
			return 1;
		*used = k + len;
		return cdc_json_string(out, (const char *)p + k, len);
	case CDC_T_ENUM: {
		const char *label;
		unsigned kind;
		if (!(k = fast_check(c, p, n)))
			return 1;
		v = rd_le(p, k);
		if (!v) {
			*used = k;
			return fc_buf_add(out, "\"\"", 2);
		}
		if (!c->labels) {
			*used = k;
			return add_num(out, false, v);
		}
		kind = text_kind(c->collation == CDC_COLLATION_BINARY ? 0 : c->collation);
		if (kind != TX_AS_IS && kind != TX_BASE64)
			return 1;
		label = c->labels[v - 1];
		*used = k;
		return cdc_json_string(out, label, strlen(label));
	}
	default:
		return 1;
	}
}

/* decode, for what fast_json leaves. */
static int slow_json(const struct cdc_column *c, const uint8_t *p, size_t n, size_t *used,
                     struct fc_buf *out, struct fc_err *err)
{
	struct dec d = { c, p, n, 0, out, err };
	size_t start = out->len;
	int rc = decode(&d);

	if (rc) {
		if (out->ptr) {
			out->len = start;
			out->ptr[start] = '\0';
		}
		*used = 0;
		return rc;
	}
	*used = d.used;
	return 0;
}

int cdc_value_json(const struct cdc_column *c, const uint8_t *p, size_t n, size_t *used,
                   struct fc_buf *out, struct fc_err *err)
{
	int rc = fast_json(c, p, n, used, out);

	if (rc <= 0) {
		if (rc)
			*used = 0;
		return rc;
	}
	return slow_json(c, p, n, used, out, err);
}

/* The stored size of the value of c at p (n bytes there) when it is one
 * the decoders above accept, for the common types whose checks are
 * quick to repeat here; 0: not sure (other types, and every fault: the
 * decoders then say what is wrong). Must accept nothing they refuse. */
static size_t fast_check(const struct cdc_column *c, const uint8_t *p, size_t n)
{
	unsigned fsp, k;
	uint64_t v;

	switch (c->type) {
	case CDC_T_DATETIME2: {
		int64_t us = 0;
		uint64_t ymd, hms;
		if ((fsp = c->meta) > 6 || n < 5 + (k = (fsp + 1) / 2))
			return 0;
		if (k) {
			v = rd_be(p + 5, k);
			us = k == 1 ? sign_extend(v, 8) * 10000 : k == 2 ? sign_extend(v, 16) * 100
			                                                   : sign_extend(v, 24);
			if (us < 0 || us > 999999)
				return 0;
		}
		v = (uint64_t)p[0] << 32 | (uint64_t)p[1] << 24 | (uint64_t)p[2] << 16 |
		    (uint64_t)p[3] << 8 | p[4];
		if (v < UINT64_C(0x8000000000))
			return 0;
		v -= UINT64_C(0x8000000000);
		ymd = v >> 17;
		hms = v & 0x1ffff;
		if ((ymd >> 5) / 13 > 9999 || (hms >> 12) > 23 || (hms >> 6 & 63) > 59 || (hms & 63) > 59)
			return 0;
		return 5 + k;
	}
	case CDC_T_TIMESTAMP2:
		if ((fsp = c->meta) > 6 || n < 4 + (k = (fsp + 1) / 2))
			return 0;
		if (k == 1 && p[4] > 99)
			return 0;
		if (k == 2 && (v = rd_be(p + 4, 2), sign_extend(v, 16) < 0 || sign_extend(v, 16) > 9999))
			return 0;
		if (k == 3 && (v = rd_be(p + 4, 3), sign_extend(v, 24) < 0 || sign_extend(v, 24) > 999999))
			return 0;
		return 4 + k;
	case CDC_T_DATE:
	case CDC_T_NEWDATE:
		if (n < 3)
			return 0;
		v = rd_le(p, 3);
		return (v >> 9) > 9999 || (v >> 5 & 15) > 12 ? 0 : 3;
	case CDC_T_ENUM:
		if ((k = c->meta) != 1 && k != 2)
			return 0;
		if (n < k)
			return 0;
		v = rd_le(p, k);
		if (v && c->labels && (v > c->nlabels || !c->labels[v - 1]))
			return 0;
		return k;
	case CDC_T_NEWDECIMAL: {
		unsigned prec = c->meta & 0xff, scale = c->meta >> 8, intg, lead, trail;
		size_t size, pos = 0;
		uint32_t flip, g;
		if (prec == 0 || prec > 65 || scale > 30 || scale > prec)
			return 0;
		intg = prec - scale;
		lead = intg % 9;
		trail = scale % 9;
		size = dig2bytes[lead] + (intg / 9 + scale / 9) * 4 + dig2bytes[trail];
		if (n < size)
			return 0;
		/* each group as stored, the sign bit flipped and, for a
		 * negative value, every byte inverted */
		flip = p[0] & 0x80 ? 0 : 0xffffffffu;
		if (lead) {
			k = dig2bytes[lead];
			g = be_n(p, k) ^ (flip >> (32 - 8 * k)) ^ (uint32_t)0x80 << (8 * (k - 1));
			if (g >= pow10_32[lead])
				return 0;
			pos = k;
		}
		for (unsigned j = 0; j < intg / 9 + scale / 9; j++, pos += 4) {
			g = be_n(p + pos, 4) ^ flip ^ (pos ? 0 : 0x80000000u);
			if (g >= 1000000000u)
				return 0;
		}
		if (trail) {
			k = dig2bytes[trail];
			g = be_n(p + pos, k) ^ (flip >> (32 - 8 * k)) ^
			    (pos ? 0 : (uint32_t)0x80 << (8 * (k - 1)));
			if (g >= pow10_32[trail])
				return 0;
		}
		return size;
	}
	case CDC_T_FLOAT:
		if (n < 4)
			return 0;
		v = rd_le(p, 4);
		return (v >> 23 & 0xff) == 0xff ? 0 : 4;     /* NaN, infinity */
	case CDC_T_DOUBLE:
		if (n < 8)
			return 0;
		v = rd_le(p, 8);
		return (v >> 52 & 0x7ff) == 0x7ff ? 0 : 8;
	default:
		return 0;
	}
}

int cdc_value_check(const struct cdc_column *c, const uint8_t *p, size_t n, size_t *used,
                    struct fc_buf *scratch, struct fc_err *err)
{
	struct dec d = { c, p, n, 0, NULL, err };
	int rc;

	if ((*used = fast_check(c, p, n)))
		return 0;

	if (c->type == CDC_T_JSON) {   /* binary JSON is checked by decoding it */
		fc_buf_reset(scratch);
		d.out = scratch;
	}
	rc = decode(&d);
	*used = rc ? 0 : d.used;
	return rc;
}
