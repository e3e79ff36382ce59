/* lib/sqltype.h - column types of both engines in one model, and whether a
 * legacy column's values fit a target column.
 *
 * MySQL/MariaDB types are read from information_schema COLUMN_TYPE
 * ("decimal(10,2)", "int(10) unsigned", "enum('a','b')", "datetime(3)");
 * PostgreSQL types from format_type() ("numeric(10,2)", "character
 * varying(100)", "timestamp(3) with time zone"). Both land in a family
 * plus the facts that decide whether a value can be lost: integer width
 * and sign, decimal precision and scale, text length, fraction digits. */
#ifndef FC_SQLTYPE_H
#define FC_SQLTYPE_H

#include <stdbool.h>
#include <stddef.h>

enum fc_tfam {
	FC_T_UNKNOWN,
	FC_T_BOOL,
	FC_T_INT,        /* bits: 8 16 24 32 64 */
	FC_T_DECIMAL,    /* precision, scale; precision -1: unbounded */
	FC_T_FLOAT,      /* bits: 32 or 64 */
	FC_T_TEXT,       /* length in characters, -1: unbounded */
	FC_T_BINARY,     /* length in bytes, -1: unbounded */
	FC_T_DATE,
	FC_T_TIME,       /* MySQL TIME spans -838..838 hours */
	FC_T_DATETIME,   /* a wall clock without zone (MySQL DATETIME, PG timestamp) */
	FC_T_TIMESTAMPTZ,/* an instant (MySQL TIMESTAMP, PG timestamptz) */
	FC_T_YEAR,
	FC_T_BIT,        /* length in bits */
	FC_T_ENUM,       /* labels */
	FC_T_SET,        /* labels */
	FC_T_JSON,
	FC_T_GEOMETRY,
	FC_T_UUID,
	FC_T_INTERVAL,
	FC_T_ARRAY,
};

#define FC_SQLTYPE_MAX_LABELS 64

struct fc_sqltype {
	enum fc_tfam fam;
	int bits;
	bool is_unsigned;
	int precision, scale;
	long length;
	int frac;                 /* fraction digits of times, 0..6 */
	bool fixed;               /* CHAR/BINARY rather than VARCHAR/VARBINARY */
	size_t nlabels;
	char labels[FC_SQLTYPE_MAX_LABELS][64];
	char text[96];            /* as the engine shows it */
};

/* From MySQL's COLUMN_TYPE (lower case as information_schema gives it). */
void fc_sqltype_from_mysql(const char *column_type, struct fc_sqltype *t);
/* From PostgreSQL's format_type(), or a name a user writes in a mapping's
 * `type:`: aliases (int, int8, bool, float8, decimal(p,s), varchar(n),
 * char(n), timestamptz, timetz, ...) become format_type()'s spelling, in
 * t->text too. Labels of an enum type are added by the caller
 * (fc_sqltype_add_label). */
void fc_sqltype_from_pg(const char *formatted, struct fc_sqltype *t);
void fc_sqltype_add_label(struct fc_sqltype *t, const char *label);

const char *fc_tfam_name(enum fc_tfam f);

enum fc_compat { FC_COMPAT_OK, FC_COMPAT_WARN, FC_COMPAT_BAD };

/* Whether every value of src survives being written into dst: OK, WARN
 * (works, but some values could be changed or fail), BAD (will lose or
 * reject values). why gets one line for the user when not OK. has_tz says
 * the mapping names the zone of a zone-less source time. */
enum fc_compat fc_sqltype_compat(const struct fc_sqltype *src, const struct fc_sqltype *dst,
                                 bool has_tz, char *why, size_t n);

/* Whether a text value can be stored in a column of type dst (for value
 * maps and defaults): "true" into boolean, "42" into integer. */
bool fc_sqltype_accepts(const struct fc_sqltype *dst, const char *value);

#endif
