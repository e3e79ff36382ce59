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

#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Length of the valid UTF-8 sequence at s (1-4 bytes), or 0 when s starts
 * an invalid one; then *bad is how many bytes one U+FFFD replaces (the
 * maximal valid prefix, at least 1, as Unicode recommends). */
static size_t utf8_len(const uint8_t *s, size_t n, size_t *bad)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t more;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		more = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		more = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;          /* no UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		more = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;          /* nothing past U+10FFFF */
	} else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i <= more; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return more + 1;
}

static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0, len, bad;
	while (i < n) {
		if (!(len = utf8_len(s + i, n - i, &bad)))
			return false;
		i += len;
	}
	return true;
}

/* Quotes, backslashes and control characters are escaped (\b \f \n \r \t,
 * the others as \u00XX); everything else, including non-ASCII UTF-8, is
 * copied. */
int cdc_json_string(struct fc_buf *out, const char *s, size_t n)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0, run = 0, len, bad;
	char esc[8];
	int rc;

	if ((rc = fc_buf_putc(out, '"')))
		return rc;
	while (i < n) {
		uint8_t c = u[i];

		if (c >= 0x20 && c != '"' && c != '\\') {
			if (c < 0x80) {
				i++;
				continue;
			}
			if ((len = utf8_len(u + i, n - i, &bad))) {
				i += len;
				continue;
			}
		}
		if ((rc = fc_buf_append(out, s + run, i - run)))
			return rc;
		if (c >= 0x80) {
			rc = fc_buf_append(out, "\xef\xbf\xbd", 3);
			i += bad;
		} else {
			switch (c) {
			case '"': rc = fc_buf_append(out, "\\\"", 2); break;
			case '\\': rc = fc_buf_append(out, "\\\\", 2); break;
			case '\b': rc = fc_buf_append(out, "\\b", 2); break;
			case '\f': rc = fc_buf_append(out, "\\f", 2); break;
			case '\n': rc = fc_buf_append(out, "\\n", 2); break;
			case '\r': rc = fc_buf_append(out, "\\r", 2); break;
			case '\t': rc = fc_buf_append(out, "\\t", 2); break;
			default:
				snprintf(esc, sizeof esc, "\\u%04x", c);
				rc = fc_buf_append(out, esc, 6);
			}
			i++;
		}
		if (rc)
			return rc;
		run = i;
	}
	if ((rc = fc_buf_append(out, s + run, i - run)))
		return rc;
	return fc_buf_putc(out, '"');
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

/* Text s (n bytes in the charset of collation) as UTF-8: *res is s itself
 * for UTF-8 and ASCII charsets (cdc_json_string repairs invalid bytes),
 * else tmp's converted bytes. Unknown collations: s when it is valid
 * UTF-8, else s read as latin1. Returns 0, 1 when the charset cannot be
 * converted (binary, or not known to iconv), or a negative code. */
static int to_utf8(uint16_t collation, const uint8_t *s, size_t n, struct fc_buf *tmp,
                   struct fc_span *res)
{
	const char *cs = collation == CDC_COLLATION_BINARY ? "binary"
	                 : cdc_collation_charset(collation);
	struct conv *cv;
	iconv_t cd;
	int rc = 1;

	res->ptr = (const char *)s;
	res->len = n;
	if (!cs) {
		if (utf8_valid(s, n))
			return 0;
		cs = "latin1";
	}
	if (!(cv = conv_find(cs)))
		return 1;
	if (!cv->iconv)
		return 0;

	fc_buf_reset(tmp);
	pthread_mutex_lock(&conv_lock);
	cd = conv_open(cv, 0);
	if (cd != (iconv_t)-1) {
		rc = iconv_append(cd, s, n, tmp, cv->latin1 ? BAD_LATIN1 : BAD_FAIL);
		if (rc == 1) {
			iconv_t sup = conv_open(cv, 1);
			fc_buf_reset(tmp);
			rc = iconv_append(sup != (iconv_t)-1 ? sup : cd, s, n, tmp, BAD_REPLACE);
		}
	}
	pthread_mutex_unlock(&conv_lock);
	if (rc == 0) {
		res->ptr = tmp->ptr ? tmp->ptr : "";
		res->len = tmp->len;
	}
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
			if (!(len = utf8_len(t->s + t->i, t->n - t->i, &bad)))
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

static int dec_int(struct dec *d, size_t k)
{
	uint64_t v;
	int rc;

	if ((rc = need(d, 0, k)))
		return rc;
	v = rd_le(d->p, k);
	d->used = k;
	if (d->c->is_unsigned)
		return fc_buf_printf(d->out, "%" PRIu64, v);
	if (k == 8)
		return fc_buf_printf(d->out, "%" PRId64,
		                     v > INT64_MAX ? -(int64_t)~v - 1 : (int64_t)v);
	return fc_buf_printf(d->out, "%" PRId64, sign_extend(v, (unsigned)k * 8));
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
	return put_float(d->out, v, single);
}

static const uint8_t dig2bytes[10] = { 0, 1, 1, 2, 2, 3, 3, 4, 4, 4 };
static const uint32_t pow10_32[10] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
                                       10000000, 100000000, 1000000000 };

/* Appends v as exactly `width` digits. */
static void put_digits(char *buf, size_t *nd, uint32_t v, unsigned width)
{
	for (unsigned k = width; k-- > 0; v /= 10)
		buf[*nd + k] = (char)('0' + v % 10);
	*nd += width;
}

static int dec_decimal(struct dec *d)
{
	unsigned prec = d->c->meta & 0xff, scale = d->c->meta >> 8;
	unsigned intg, widths[20];
	size_t size, pos = 0, nd = 0, ngroups = 0, first, int_digits = 0;
	uint8_t b[40], mask;
	char digs[100];
	bool zero = true;
	int rc;

	if (prec == 0 || prec > 65 || scale > 30 || scale > prec)
		return corrupt(d, "has impossible precision/scale");
	intg = prec - scale;
	/* group widths in storage order: leftover int, int groups, frac
	 * groups, leftover frac */
	if (intg % 9)
		widths[ngroups++] = intg % 9;
	for (unsigned k = 0; k < intg / 9; k++)
		widths[ngroups++] = 9;
	for (unsigned k = 0; k < scale / 9; k++)
		widths[ngroups++] = 9;
	if (scale % 9)
		widths[ngroups++] = scale % 9;
	size = dig2bytes[intg % 9] + intg / 9 * 4 + scale / 9 * 4 + dig2bytes[scale % 9];
	if ((rc = need(d, 0, size)))
		return rc;

	mask = d->p[0] & 0x80 ? 0 : 0xff;
	for (size_t k = 0; k < size; k++)
		b[k] = d->p[k] ^ mask;
	b[0] ^= 0x80;
	for (size_t g = 0; g < ngroups; g++) {
		unsigned w = widths[g], nb = dig2bytes[w];
		uint32_t v = (uint32_t)rd_be(b + pos, nb);

		if (v >= pow10_32[w])
			return corrupt(d, "digit group %zu holds %" PRIu32 ", more than %u digits",
			               g + 1, v, w);
		put_digits(digs, &nd, v, w);
		pos += nb;
		if (v)
			zero = false;
	}
	int_digits = intg;
	d->used = size;

	for (first = 0; first < int_digits && digs[first] == '0'; first++)
		;
	if ((rc = fc_buf_putc(d->out, '"')))
		return rc;
	if (mask && !zero && (rc = fc_buf_putc(d->out, '-')))
		return rc;
	rc = first == int_digits ? fc_buf_putc(d->out, '0')
	                         : fc_buf_append(d->out, digs + first, int_digits - first);
	if (rc)
		return rc;
	if (scale && ((rc = fc_buf_putc(d->out, '.')) ||
	              (rc = fc_buf_append(d->out, digs + int_digits, scale))))
		return rc;
	return fc_buf_putc(d->out, '"');
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
	return fc_buf_printf(d->out, "%" PRIu64, rd_be(d->p, len));
}

/* ------------------------------------------------------------------ */
/* dates and times */

/* "." and the first fsp of the 6 digits of us, or nothing for fsp 0. */
static void frac_text(char *buf, size_t size, uint32_t us, unsigned fsp)
{
	char six[8];
	if (!fsp) {
		buf[0] = '\0';
		return;
	}
	snprintf(six, sizeof six, "%06" PRIu32, us);
	snprintf(buf, size, ".%.*s", (int)fsp, six);
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
	if (y > 9999 || m > 12 || day > 31)
		return corrupt(d, "date %u-%u-%u out of range", y, m, day);
	return fc_buf_printf(d->out, "\"%04u-%02u-%02u\"", y, m, day);
}

static int put_datetime(struct dec *d, unsigned y, unsigned mo, unsigned day, unsigned h,
                        unsigned mi, unsigned s, uint32_t us, unsigned fsp)
{
	char frac[16];
	if (y > 9999 || mo > 12 || day > 31 || h > 23 || mi > 59 || s > 59)
		return corrupt(d, "datetime %u-%u-%u %u:%u:%u out of range", y, mo, day, h, mi, s);
	frac_text(frac, sizeof frac, us, fsp);
	return fc_buf_printf(d->out, "\"%04u-%02u-%02u %02u:%02u:%02u%s\"",
	                     y, mo, day, h, mi, s, frac);
}

static int put_time(struct dec *d, bool neg, uint64_t h, unsigned m, unsigned s, uint32_t us,
                    unsigned fsp)
{
	char frac[16];
	if (h > 838 || m > 59 || s > 59)
		return corrupt(d, "time %s%" PRIu64 ":%u:%u out of range", neg ? "-" : "", h, m, s);
	frac_text(frac, sizeof frac, us, fsp);
	return fc_buf_printf(d->out, "\"%s%02u:%02u:%02u%s\"", neg ? "-" : "", (unsigned)h, m, s,
	                     frac);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
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

static int put_timestamp(struct dec *d, uint64_t secs, uint32_t us, unsigned fsp)
{
	char frac[16];
	int64_t y = 0;
	unsigned mo = 0, day = 0, h = 0, mi = 0, s = 0;

	frac_text(frac, sizeof frac, us, fsp);
	if (secs) {
		civil_from_days((int64_t)(secs / 86400), &y, &mo, &day);
		h = (unsigned)(secs % 86400 / 3600);
		mi = (unsigned)(secs % 3600 / 60);
		s = (unsigned)(secs % 60);
	}
	return fc_buf_printf(d->out, "\"%04" PRId64 "-%02u-%02uT%02u:%02u:%02u%sZ\"",
	                     y, mo, day, h, mi, s, frac);
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
	return put_timestamp(d, v2 ? rd_be(d->p, 4) : rd_le(d->p, 4), (uint32_t)us, fsp);
}

/* ------------------------------------------------------------------ */
/* strings, ENUM, SET, blobs */

/* Appends text s of column c: embedded JSON (is_json), base64 (binary or
 * a charset iconv does not know), or a UTF-8 JSON string. */
static int put_text(struct dec *d, const uint8_t *s, size_t n)
{
	struct fc_buf tmp;
	struct fc_span u;
	uint16_t coll = d->c->collation;
	int rc;

	if (!d->c->is_json && coll == CDC_COLLATION_BINARY)
		return cdc_json_base64(d->out, s, n);
	fc_buf_init(&tmp, d->out->max);
	rc = to_utf8(d->c->is_json && coll == CDC_COLLATION_BINARY ? 0 : coll, s, n, &tmp, &u);
	if (rc == 1)
		rc = cdc_json_base64(d->out, s, n);
	else if (rc == 0 && d->c->is_json)
		rc = json_text(d->out, (const uint8_t *)u.ptr, u.len);
	else if (rc == 0)
		rc = cdc_json_string(d->out, u.ptr, u.len);
	fc_buf_release(&tmp);
	return rc;
}

/* Appends a label (bytes in the column's charset) as UTF-8 to tmp. */
static int label_utf8(struct dec *d, const char *label, struct fc_buf *tmp)
{
	struct fc_buf conv;
	struct fc_span u;
	int rc;

	fc_buf_init(&conv, tmp->max);
	rc = to_utf8(d->c->collation == CDC_COLLATION_BINARY ? 0 : d->c->collation,
	             (const uint8_t *)label, strlen(label), &conv, &u);
	if (rc == 1) {
		u.ptr = label;      /* cdc_json_string repairs what is not UTF-8 */
		u.len = strlen(label);
		rc = 0;
	}
	if (rc == 0)
		rc = fc_buf_append(tmp, u.ptr, u.len);
	fc_buf_release(&conv);
	return rc;
}

static int dec_string(struct dec *d)
{
	size_t lb = d->c->meta < 256 ? 1 : 2;
	uint64_t len;
	int rc;

	if ((rc = need(d, 0, lb)))
		return rc;
	len = rd_le(d->p, lb);
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
	uint64_t idx;
	int rc;

	if (k != 1 && k != 2)
		return corrupt(d, "has pack length %zu (expected 1 or 2)", k);
	if ((rc = need(d, 0, k)))
		return rc;
	idx = rd_le(d->p, k);
	d->used = k;
	if (idx == 0)
		return fc_buf_puts(d->out, "\"\"");
	if (!d->c->labels)
		return fc_buf_printf(d->out, "%" PRIu64, idx);
	if (idx > d->c->nlabels || !d->c->labels[idx - 1])
		return corrupt(d, "index %" PRIu64 " beyond its %zu labels", idx, d->c->nlabels);
	fc_buf_init(&tmp, d->out->max);
	rc = label_utf8(d, d->c->labels[idx - 1], &tmp);
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
		return fc_buf_printf(d->out, "%" PRIu64, bits);
	}
	for (unsigned i = 0; i < 64; i++)
		if (bits >> i & 1 && (i >= d->c->nlabels || !d->c->labels[i]))
			return corrupt(d, "bit %u set beyond its %zu labels", i, d->c->nlabels);
	d->used = k;
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
		return cdc_json_base64(d->out, s + 4, (size_t)len - 4);
	default:
		return put_text(d, s, (size_t)len);
	}
}

/* ------------------------------------------------------------------ */

int cdc_value_json(const struct cdc_column *c, const uint8_t *p, size_t n, size_t *used,
                   struct fc_buf *out, struct fc_err *err)
{
	struct dec d = { c, p, n, 0, out, err };
	size_t start = out->len;
	int rc;

	switch (c->type) {
	case CDC_T_TINY: rc = dec_int(&d, 1); break;
	case CDC_T_SHORT: rc = dec_int(&d, 2); break;
	case CDC_T_INT24: rc = dec_int(&d, 3); break;
	case CDC_T_LONG: rc = dec_int(&d, 4); break;
	case CDC_T_LONGLONG: rc = dec_int(&d, 8); break;
	case CDC_T_FLOAT: rc = dec_float(&d, true); break;
	case CDC_T_DOUBLE: rc = dec_float(&d, false); break;
	case CDC_T_NEWDECIMAL: rc = dec_decimal(&d); break;
	case CDC_T_BIT: rc = dec_bit(&d); break;
	case CDC_T_NULL: rc = fc_buf_puts(out, "null"); break;
	case CDC_T_YEAR:
		if ((rc = need(&d, 0, 1)))
			break;
		d.used = 1;
		rc = fc_buf_printf(out, "%u", p[0] ? 1900u + p[0] : 0u);
		break;
	case CDC_T_DATE:
	case CDC_T_NEWDATE: rc = dec_date(&d); break;
	case CDC_T_TIME: rc = dec_time_old(&d); break;
	case CDC_T_TIME2: rc = dec_time2(&d); break;
	case CDC_T_DATETIME: rc = dec_datetime_old(&d); break;
	case CDC_T_DATETIME2: rc = dec_datetime2(&d); break;
	case CDC_T_TIMESTAMP: rc = dec_timestamp(&d, false); break;
	case CDC_T_TIMESTAMP2: rc = dec_timestamp(&d, true); break;
	case CDC_T_VARCHAR:
	case CDC_T_VAR_STRING:
	case CDC_T_STRING: rc = dec_string(&d); break;
	case CDC_T_ENUM: rc = dec_enum(&d); break;
	case CDC_T_SET: rc = dec_set(&d); break;
	case CDC_T_TINY_BLOB:
	case CDC_T_MEDIUM_BLOB:
	case CDC_T_LONG_BLOB:
	case CDC_T_BLOB:
	case CDC_T_JSON:
	case CDC_T_GEOMETRY: rc = dec_blob(&d); break;
	default: {
		char type[64];
		type_desc(c, type, sizeof type);
		rc = fc_errf(err, FC_EUNSUPPORTED, "column%s%s%s: binlog type %s is not supported",
		             c->name ? " '" : "", c->name ? c->name : "", c->name ? "'" : "", type);
	}
	}
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
