/* cdc/value.h - one column value of a binlog row image, decoded to JSON.
 *
 * The binlog stores each column in the row image in its storage format; the
 * TABLE_MAP event gives each column's binlog type and metadata (and, with
 * binlog_row_metadata=FULL, names, signedness, charsets and ENUM/SET
 * labels). cdc_value_json() turns one stored value into its JSON text:
 *
 *   TINY..LONGLONG, INT24  exact JSON numbers, signed or unsigned
 *   NEWDECIMAL             string with exactly the column's scale: "4.50"
 *   FLOAT, DOUBLE          numbers that round-trip (shortest %.9g / %.17g)
 *   BIT, YEAR              numbers
 *   DATE                   "YYYY-MM-DD" (zero dates stay "0000-00-00")
 *   DATETIME(2)            "YYYY-MM-DD HH:MM:SS" + exactly fsp fraction digits
 *   TIME(2)                "[-]HH:MM:SS[.f]", hours up to 838
 *   TIMESTAMP(2)           UTC "YYYY-MM-DDTHH:MM:SS[.f]Z" (zero: "0000-00-00T00:00:00Z")
 *   CHAR/VARCHAR/TEXT      strings, converted from the column charset to UTF-8
 *   BINARY/VARBINARY/BLOB  base64 strings (charset binary, collation 63)
 *   ENUM                   the label (or its 1-based index as a number when
 *                          labels are unknown; 0, the invalid value, is "")
 *   SET                    comma-joined labels (or the bitmask as a number
 *                          when labels are unknown)
 *   JSON                   embedded JSON: MySQL's binary JSON decoded; on
 *                          MariaDB a LONGTEXT known to be JSON (is_json)
 *   GEOMETRY               base64 of the WKB (the 4-byte SRID prefix dropped)
 * NULL is handled by the caller (the row's null bitmap). */
#ifndef CDC_VALUE_H
#define CDC_VALUE_H

#include "../lib/buf.h"
#include "../lib/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Binlog column types (MySQL's enum_field_types). */
enum cdc_type {
	CDC_T_DECIMAL = 0,     /* pre-5.0 DECIMAL, not written by modern servers */
	CDC_T_TINY = 1,
	CDC_T_SHORT = 2,
	CDC_T_LONG = 3,
	CDC_T_FLOAT = 4,
	CDC_T_DOUBLE = 5,
	CDC_T_NULL = 6,
	CDC_T_TIMESTAMP = 7,
	CDC_T_LONGLONG = 8,
	CDC_T_INT24 = 9,
	CDC_T_DATE = 10,
	CDC_T_TIME = 11,
	CDC_T_DATETIME = 12,
	CDC_T_YEAR = 13,
	CDC_T_NEWDATE = 14,
	CDC_T_VARCHAR = 15,
	CDC_T_BIT = 16,
	CDC_T_TIMESTAMP2 = 17,
	CDC_T_DATETIME2 = 18,
	CDC_T_TIME2 = 19,
	CDC_T_JSON = 245,
	CDC_T_NEWDECIMAL = 246,
	CDC_T_ENUM = 247,
	CDC_T_SET = 248,
	CDC_T_TINY_BLOB = 249,
	CDC_T_MEDIUM_BLOB = 250,
	CDC_T_LONG_BLOB = 251,
	CDC_T_BLOB = 252,
	CDC_T_VAR_STRING = 253,
	CDC_T_STRING = 254,
	CDC_T_GEOMETRY = 255,
};

/* Collation id of binary strings. */
#define CDC_COLLATION_BINARY 63

/* A column as the decoder needs it. type is the real type: for STRING
 * columns whose metadata says ENUM or SET, type is CDC_T_ENUM / CDC_T_SET and
 * meta the pack length; for CHAR, meta is the maximum byte length. */
struct cdc_column {
	const char *name;          /* NULL when unknown: the caller names it "@N" */
	uint8_t type;              /* enum cdc_type */
	uint16_t meta;             /* per type, see cdc_column_meta() in binlog.c */
	bool is_unsigned;
	bool nullable;
	bool is_json;              /* a MariaDB LONGTEXT holding JSON */
	uint16_t collation;        /* 0: unknown */
	const char *const *labels; /* ENUM/SET labels, NULL when unknown */
	size_t nlabels;
};

/* The charset of a collation id ("utf8mb4", "latin1", "euckr", "binary",
 * ...), or NULL when unknown. */
const char *cdc_collation_charset(uint16_t collation);

/* A collation id of a charset (any one: the decoder needs the charset
 * only), 0 when unknown. */
uint16_t cdc_charset_collation(const char *charset);

/* Decodes the value of column c stored at p (at most n bytes available),
 * appends its JSON text to out and sets *used to the bytes it occupied.
 * Returns 0, or -FC_ECORRUPT (err names the column and what is wrong) when
 * the value does not fit in n bytes or is not valid for the type, or
 * -FC_EUNSUPPORTED for a type the decoder does not know. Never reads past
 * p + n. Text in an unknown charset is emitted as UTF-8 when it is valid
 * UTF-8, else taken as latin1 (cp1252). */
int cdc_value_json(const struct cdc_column *c, const uint8_t *p, size_t n, size_t *used,
                   struct fc_buf *out, struct fc_err *err);

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
void cdc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* Appends s (n bytes of UTF-8) as a JSON string with quotes and escapes;
 * invalid UTF-8 bytes become U+FFFD. */
int cdc_json_string(struct fc_buf *out, const char *s, size_t n);
/* The same for a C string; NULL appends null. */
int cdc_json_cstr(struct fc_buf *out, const char *s);

/* Appends n bytes as a quoted base64 JSON string. */
int cdc_json_base64(struct fc_buf *out, const uint8_t *p, size_t n);

/* MySQL 5.7+ binary JSON (the JSON column type's storage format) to JSON
 * text. Returns 0 or -FC_ECORRUPT. cdc/myjson.c. */
int cdc_myjson_to_text(const uint8_t *p, size_t n, struct fc_buf *out, struct fc_err *err);

#endif
