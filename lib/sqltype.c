/* lib/sqltype.c - see sqltype.h. */
#include "sqltype.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* "(10,2)" after the type name -> 10, 2; missing values stay as given. */
static void params(const char *s, int *a, int *b)
{
	const char *p = strchr(s, '(');
	if (!p || !isdigit((unsigned char)p[1]))
		return;
	*a = atoi(p + 1);
	p = strchr(p, ',');
	if (p && b && isdigit((unsigned char)p[1]))
		*b = atoi(p + 1);
}

void fc_sqltype_add_label(struct fc_sqltype *t, const char *label)
{
	if (t->nlabels < FC_SQLTYPE_MAX_LABELS)
		snprintf(t->labels[t->nlabels++], sizeof t->labels[0], "%s", label);
}

/* enum('a','b''c') -> labels */
static void mysql_labels(const char *s, struct fc_sqltype *t)
{
	const char *p = strchr(s, '(');
	char label[64];
	size_t n = 0;
	bool in = false;
	if (!p)
		return;
	for (p++; *p; p++) {
		if (!in) {
			if (*p == '\'') {
				in = true;
				n = 0;
			} else if (*p == ')')
				break;
			continue;
		}
		if (*p == '\'' && p[1] == '\'') {
			if (n < sizeof label - 1)
				label[n++] = '\'';
			p++;
		} else if (*p == '\'') {
			label[n] = '\0';
			fc_sqltype_add_label(t, label);
			in = false;
		} else if (n < sizeof label - 1) {
			label[n++] = *p;
		}
	}
}

void fc_sqltype_from_mysql(const char *ct, struct fc_sqltype *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->text, sizeof t->text, "%s", ct);
	t->length = -1;
	t->precision = -1;
	t->is_unsigned = strstr(ct, "unsigned") != NULL;
	if (starts(ct, "tinyint")) {
		t->fam = FC_T_INT;
		t->bits = 8;
	} else if (starts(ct, "smallint")) {
		t->fam = FC_T_INT;
		t->bits = 16;
	} else if (starts(ct, "mediumint")) {
		t->fam = FC_T_INT;
		t->bits = 24;
	} else if (starts(ct, "int") || starts(ct, "integer")) {
		t->fam = FC_T_INT;
		t->bits = 32;
	} else if (starts(ct, "bigint")) {
		t->fam = FC_T_INT;
		t->bits = 64;
	} else if (starts(ct, "decimal") || starts(ct, "numeric")) {
		t->fam = FC_T_DECIMAL;
		t->precision = 10;
		t->scale = 0;
		params(ct, &t->precision, &t->scale);
	} else if (starts(ct, "float")) {
		t->fam = FC_T_FLOAT;
		t->bits = 32;
	} else if (starts(ct, "double") || starts(ct, "real")) {
		t->fam = FC_T_FLOAT;
		t->bits = 64;
	} else if (starts(ct, "char") || starts(ct, "varchar")) {
		t->fam = FC_T_TEXT;
		t->fixed = ct[0] == 'c';
		t->length = 1;
		params(ct, &t->precision, NULL);
		if (t->precision >= 0)
			t->length = t->precision;
		t->precision = -1;
	} else if (strstr(ct, "text")) {
		t->fam = FC_T_TEXT;
		t->length = starts(ct, "tinytext") ? 255 : starts(ct, "text") ? 65535 : -1;
	} else if (starts(ct, "binary") || starts(ct, "varbinary")) {
		t->fam = FC_T_BINARY;
		t->fixed = ct[0] == 'b';
		params(ct, &t->precision, NULL);
		t->length = t->precision;
		t->precision = -1;
	} else if (strstr(ct, "blob")) {
		t->fam = FC_T_BINARY;
	} else if (starts(ct, "datetime")) {
		t->fam = FC_T_DATETIME;
		params(ct, &t->frac, NULL);
	} else if (starts(ct, "timestamp")) {
		t->fam = FC_T_TIMESTAMPTZ;
		params(ct, &t->frac, NULL);
	} else if (starts(ct, "date")) {
		t->fam = FC_T_DATE;
	} else if (starts(ct, "time")) {
		t->fam = FC_T_TIME;
		params(ct, &t->frac, NULL);
	} else if (starts(ct, "year")) {
		t->fam = FC_T_YEAR;
	} else if (starts(ct, "bit")) {
		t->fam = FC_T_BIT;
		t->length = 1;
		params(ct, &t->precision, NULL);
		if (t->precision > 0)
			t->length = t->precision;
		t->precision = -1;
	} else if (starts(ct, "enum")) {
		t->fam = FC_T_ENUM;
		mysql_labels(ct, t);
	} else if (starts(ct, "set")) {
		t->fam = FC_T_SET;
		mysql_labels(ct, t);
	} else if (starts(ct, "json")) {
		t->fam = FC_T_JSON;
	} else if (starts(ct, "geometry") || starts(ct, "point") || starts(ct, "linestring") ||
	           starts(ct, "polygon") || starts(ct, "multi") || starts(ct, "geometrycollection")) {
		t->fam = FC_T_GEOMETRY;
	} else if (starts(ct, "uuid")) {
		t->fam = FC_T_UUID;
	} else {
		t->fam = FC_T_UNKNOWN;
	}
}

/* PostgreSQL's names for the aliases a user may write in a mapping's
 * `type:` ("int8", "timestamptz", "varchar(20)"), as format_type() gives
 * them; the canonical names map to themselves. */
static const struct {
	const char *alias, *name;
} pg_aliases[] = {
	{ "int", "integer" }, { "int4", "integer" }, { "integer", "integer" },
	{ "int2", "smallint" }, { "smallint", "smallint" },
	{ "int8", "bigint" }, { "bigint", "bigint" },
	{ "bool", "boolean" }, { "boolean", "boolean" },
	{ "float4", "real" }, { "real", "real" },
	{ "float8", "double precision" }, { "double precision", "double precision" },
	{ "decimal", "numeric" }, { "numeric", "numeric" },
	{ "varchar", "character varying" }, { "character varying", "character varying" },
	{ "char", "character" }, { "character", "character" }, { "bpchar", "character" },
	{ "text", "text" },
	{ "timestamptz", "timestamp with time zone" },
	{ "timestamp with time zone", "timestamp with time zone" },
	{ "timestamp", "timestamp without time zone" },
	{ "timestamp without time zone", "timestamp without time zone" },
	{ "timetz", "time with time zone" }, { "time with time zone", "time with time zone" },
	{ "time", "time without time zone" },
	{ "time without time zone", "time without time zone" },
	{ "date", "date" }, { "jsonb", "jsonb" }, { "json", "json" }, { "bytea", "bytea" },
	{ "uuid", "uuid" },
};

/* Writes to out the format_type() spelling of a type name: aliases
 * resolved, lower case, single spaces, the modifier where PostgreSQL puts
 * it ("timestamp(3) with time zone"). Names it does not know (enums,
 * domains, intervals) are copied as they are. */
static void pg_canonical(const char *in, char *out, size_t n)
{
	char words[96], args[32] = "";
	size_t w = 0;
	bool array = false, space = false;
	const char *p = in, *name = NULL;

	snprintf(out, n, "%s", in);
	for (; *p; p++) {
		if (*p == '(') {
			const char *close = strchr(p, ')');
			size_t len = close ? (size_t)(close - p - 1) : 0;
			if (!close || args[0] || len == 0 || len >= sizeof args)
				return;
			for (size_t i = 0; i < len; i++)
				if (!isdigit((unsigned char)p[1 + i]) && p[1 + i] != ',' && p[1 + i] != ' ')
					return;
			for (size_t i = 0, j = 0; i <= len; i++)   /* "(10, 2)" -> "10,2" */
				if (i == len || p[1 + i] != ' ')
					args[j++] = i == len ? '\0' : p[1 + i];
			p = close;
			space = w > 0;
		} else if (p[0] == '[' && p[1] == ']' && !p[2]) {
			array = true;
			break;
		} else if (*p == ' ' || *p == '\t') {
			space = w > 0;
		} else if (isalnum((unsigned char)*p) || *p == '_') {
			if (space && w + 1 < sizeof words)
				words[w++] = ' ';
			space = false;
			if (w + 1 >= sizeof words)
				return;
			words[w++] = (char)tolower((unsigned char)*p);
		} else {
			return;   /* quotes, dots: a user-defined name */
		}
	}
	words[w] = '\0';
	for (size_t i = 0; i < sizeof pg_aliases / sizeof *pg_aliases; i++)
		if (strcmp(words, pg_aliases[i].alias) == 0)
			name = pg_aliases[i].name;
	if (strcmp(words, "float") == 0)   /* float(p): real up to 24 bits */
		name = args[0] && atoi(args) <= 24 ? "real" : "double precision";
	if (!name)
		return;
	if (strcmp(name, "real") == 0 || strcmp(name, "double precision") == 0)
		args[0] = '\0';
	if (args[0] && (starts(name, "timestamp ") || starts(name, "time "))) {
		const char *sp = strchr(name, ' ');
		snprintf(out, n, "%.*s(%s)%s%s", (int)(sp - name), name, args, sp,
		         array ? "[]" : "");
	} else {
		snprintf(out, n, "%s%s%s%s%s", name, args[0] ? "(" : "", args, args[0] ? ")" : "",
		         array ? "[]" : "");
	}
}

void fc_sqltype_from_pg(const char *given, struct fc_sqltype *t)
{
	char ft[96];
	size_t len;
	pg_canonical(given, ft, sizeof ft);
	len = strlen(ft);
	memset(t, 0, sizeof *t);
	snprintf(t->text, sizeof t->text, "%s", ft);
	t->length = -1;
	t->precision = -1;
	if (len > 2 && strcmp(ft + len - 2, "[]") == 0) {
		t->fam = FC_T_ARRAY;
	} else if (strcmp(ft, "boolean") == 0) {
		t->fam = FC_T_BOOL;
	} else if (strcmp(ft, "smallint") == 0) {
		t->fam = FC_T_INT;
		t->bits = 16;
	} else if (strcmp(ft, "integer") == 0) {
		t->fam = FC_T_INT;
		t->bits = 32;
	} else if (strcmp(ft, "bigint") == 0) {
		t->fam = FC_T_INT;
		t->bits = 64;
	} else if (starts(ft, "numeric")) {
		t->fam = FC_T_DECIMAL;
		params(ft, &t->precision, &t->scale);
	} else if (strcmp(ft, "real") == 0) {
		t->fam = FC_T_FLOAT;
		t->bits = 32;
	} else if (strcmp(ft, "double precision") == 0) {
		t->fam = FC_T_FLOAT;
		t->bits = 64;
	} else if (strcmp(ft, "text") == 0 || starts(ft, "character varying") ||
	           starts(ft, "character") || strcmp(ft, "name") == 0 || strcmp(ft, "citext") == 0) {
		t->fam = FC_T_TEXT;
		t->fixed = starts(ft, "character") && !starts(ft, "character varying");
		params(ft, &t->precision, NULL);
		t->length = t->precision;
		if (t->fixed && t->length < 0)
			t->length = 1;
		t->precision = -1;
	} else if (strcmp(ft, "bytea") == 0) {
		t->fam = FC_T_BINARY;
	} else if (strcmp(ft, "date") == 0) {
		t->fam = FC_T_DATE;
	} else if (starts(ft, "timestamp")) {
		t->fam = strstr(ft, "with time zone") && !strstr(ft, "without") ? FC_T_TIMESTAMPTZ
		                                                               : FC_T_DATETIME;
		t->frac = 6;
		params(ft, &t->frac, NULL);
	} else if (starts(ft, "time")) {
		t->fam = FC_T_TIME;
		t->frac = 6;
		params(ft, &t->frac, NULL);
	} else if (starts(ft, "interval")) {
		t->fam = FC_T_INTERVAL;
		t->frac = 6;
	} else if (starts(ft, "bit")) {
		t->fam = FC_T_BIT;
		t->length = 1;
		params(ft, &t->precision, NULL);
		if (t->precision > 0)
			t->length = t->precision;
		t->precision = -1;
	} else if (strcmp(ft, "json") == 0 || strcmp(ft, "jsonb") == 0) {
		t->fam = FC_T_JSON;
	} else if (strcmp(ft, "uuid") == 0) {
		t->fam = FC_T_UUID;
	} else {
		t->fam = FC_T_UNKNOWN;   /* enums: the caller sets FC_T_ENUM and labels */
	}
}

const char *fc_tfam_name(enum fc_tfam f)
{
	static const char *const names[] = { "unknown", "boolean", "integer", "decimal",
	                                     "float", "text", "binary", "date", "time",
	                                     "datetime", "timestamp", "year", "bit", "enum",
	                                     "set", "json", "geometry", "uuid", "interval",
	                                     "array" };
	return (unsigned)f < sizeof names / sizeof *names ? names[f] : "?";
}

/* Decimal digits an integer type needs, sign aside. */
static int int_digits(int bits, bool is_unsigned)
{
	switch (bits) {
	case 8: return 3;
	case 16: return 5;
	case 24: return is_unsigned ? 8 : 7;
	case 32: return 10;
	default: return is_unsigned ? 20 : 19;
	}
}

/* Longest text an integer type prints, sign included. */
static int int_chars(int bits, bool is_unsigned)
{
	return int_digits(bits, is_unsigned) + (is_unsigned ? 0 : 1);
}

static long max_label(const struct fc_sqltype *t)
{
	long m = 0;
	for (size_t i = 0; i < t->nlabels; i++) {
		/* characters, not bytes: count UTF-8 lead bytes */
		long n = 0;
		for (const unsigned char *p = (const unsigned char *)t->labels[i]; *p; p++)
			n += (*p & 0xC0) != 0x80;
		if (n > m)
			m = n;
	}
	return m;
}

#define SAY(...) snprintf(why, n, __VA_ARGS__)

static enum fc_compat into_text(const struct fc_sqltype *s, const struct fc_sqltype *d,
                                char *why, size_t n)
{
	long need = -1;
	switch (s->fam) {
	case FC_T_TEXT: need = s->length; break;
	case FC_T_INT: need = int_chars(s->bits, s->is_unsigned); break;
	case FC_T_DECIMAL: need = s->precision + 2; break;
	case FC_T_ENUM: need = max_label(s); break;
	case FC_T_DATE: need = 10; break;
	case FC_T_YEAR: need = 4; break;
	case FC_T_BOOL: need = 5; break;
	case FC_T_BINARY:
		SAY("binary values into text need a 'charset' (or use bytea)");
		return FC_COMPAT_BAD;
	default: need = -1; break;
	}
	if (d->length < 0)
		return FC_COMPAT_OK;
	if (need < 0) {
		SAY("values of unbounded length may not fit %s", d->text);
		return FC_COMPAT_WARN;
	}
	if (need > d->length) {
		SAY("values up to %ld characters may not fit %s", need, d->text);
		return FC_COMPAT_BAD;
	}
	return FC_COMPAT_OK;
}

enum fc_compat fc_sqltype_compat(const struct fc_sqltype *s, const struct fc_sqltype *d,
                                 bool has_tz, char *why, size_t n)
{
	why[0] = '\0';
	if (s->fam == FC_T_UNKNOWN || d->fam == FC_T_UNKNOWN) {
		SAY("cannot tell whether %s fits %s", s->text, d->text);
		return FC_COMPAT_WARN;
	}
	if (d->fam == FC_T_TEXT)
		return into_text(s, d, why, n);
	switch (s->fam) {
	case FC_T_INT:
		if (d->fam == FC_T_INT) {
			if (s->bits > d->bits) {
				SAY("%s values may overflow %s", s->text, d->text);
				return FC_COMPAT_BAD;
			}
			if (s->is_unsigned && s->bits == d->bits) {
				/* the top half of the unsigned range: AUTO_INCREMENT ids and
				 * counters rarely get there, so worth a look, not a stop */
				SAY("%s values above %s's maximum would overflow (numeric(%d,0) holds all)",
				    s->text, d->text, int_digits(s->bits, true));
				return FC_COMPAT_WARN;
			}
			return FC_COMPAT_OK;
		}
		if (d->fam == FC_T_DECIMAL) {
			if (d->precision < 0 || d->precision - d->scale >= int_digits(s->bits, s->is_unsigned))
				return FC_COMPAT_OK;
			SAY("%s values may overflow %s", s->text, d->text);
			return FC_COMPAT_BAD;
		}
		if (d->fam == FC_T_BOOL) {
			if (s->bits == 8)
				return FC_COMPAT_OK;
			SAY("only tinyint flags map to boolean without a value map");
			return FC_COMPAT_BAD;
		}
		if (d->fam == FC_T_FLOAT) {
			if ((d->bits == 64 && s->bits <= 32) || (d->bits == 32 && s->bits <= 16))
				return FC_COMPAT_OK;
			SAY("large %s values lose precision in %s", s->text, d->text);
			return FC_COMPAT_WARN;
		}
		break;
	case FC_T_DECIMAL:
		if (d->fam == FC_T_DECIMAL) {
			if (d->precision < 0)
				return FC_COMPAT_OK;
			if (d->scale < s->scale) {
				SAY("%s has %d decimals, %s keeps %d: values would be rounded",
				    s->text, s->scale, d->text, d->scale);
				return FC_COMPAT_BAD;
			}
			if (d->precision - d->scale < s->precision - s->scale) {
				SAY("%s values may overflow %s", s->text, d->text);
				return FC_COMPAT_BAD;
			}
			return FC_COMPAT_OK;
		}
		if (d->fam == FC_T_INT) {
			if (s->scale > 0) {
				SAY("%s has %d decimal%s that %s would drop", s->text, s->scale,
				    s->scale == 1 ? "" : "s", d->text);
				return FC_COMPAT_BAD;
			}
			/* an integer type of D digits holds every number of D - 1
			 * digits, not every one of D (bigint: 19 digits, but not
			 * 9999999999999999999) */
			if (s->precision > int_digits(d->bits, d->is_unsigned) - 1) {
				SAY("%s values may overflow %s", s->text, d->text);
				return FC_COMPAT_BAD;
			}
			return FC_COMPAT_OK;
		}
		if (d->fam == FC_T_FLOAT) {
			SAY("%s is exact, %s is not: values may be rounded", s->text, d->text);
			return s->precision <= (d->bits == 64 ? 15 : 6) ? FC_COMPAT_WARN : FC_COMPAT_BAD;
		}
		break;
	case FC_T_FLOAT:
		if (d->fam == FC_T_FLOAT) {
			if (d->bits >= s->bits)
				return FC_COMPAT_OK;
			SAY("%s into %s loses precision", s->text, d->text);
			return FC_COMPAT_BAD;
		}
		if (d->fam == FC_T_DECIMAL) {
			SAY("%s values are rounded to %s", s->text, d->text);
			return d->precision < 0 ? FC_COMPAT_OK : FC_COMPAT_WARN;
		}
		break;
	case FC_T_TEXT:
		if (d->fam == FC_T_ENUM) {
			SAY("text into enum %s: values outside its labels are rejected", d->text);
			return FC_COMPAT_WARN;
		}
		if (d->fam == FC_T_JSON) {
			SAY("text into %s: values must be valid JSON", d->text);
			return FC_COMPAT_WARN;
		}
		break;
	case FC_T_ENUM:
		if (d->fam == FC_T_ENUM) {
			for (size_t i = 0; i < s->nlabels; i++) {
				size_t j;
				for (j = 0; j < d->nlabels; j++)
					if (strcmp(s->labels[i], d->labels[j]) == 0)
						break;
				if (j == d->nlabels) {
					SAY("legacy label '%s' is not a label of %s", s->labels[i], d->text);
					return FC_COMPAT_BAD;
				}
			}
			return FC_COMPAT_OK;
		}
		break;
	case FC_T_SET:
		if (d->fam == FC_T_ARRAY)
			return FC_COMPAT_OK;
		break;
	case FC_T_BINARY:
	case FC_T_GEOMETRY:
		if (d->fam == FC_T_BINARY)
			return FC_COMPAT_OK;
		break;
	case FC_T_DATE:
		if (d->fam == FC_T_DATE)
			return FC_COMPAT_OK;
		if (d->fam == FC_T_DATETIME || d->fam == FC_T_TIMESTAMPTZ) {
			if (d->fam == FC_T_TIMESTAMPTZ && !has_tz) {
				SAY("a DATE has no zone: add 'timezone:' to say which day it means");
				return FC_COMPAT_BAD;
			}
			return FC_COMPAT_OK;
		}
		break;
	case FC_T_DATETIME:
	case FC_T_TIMESTAMPTZ:
		if (d->fam == FC_T_DATETIME || d->fam == FC_T_TIMESTAMPTZ) {
			if (s->fam == FC_T_DATETIME && d->fam == FC_T_TIMESTAMPTZ && !has_tz) {
				SAY("%s is a wall clock without zone: add 'timezone:' (e.g. Asia/Seoul) "
				    "to turn it into %s", s->text, d->text);
				return FC_COMPAT_BAD;
			}
			if (d->frac < s->frac) {
				SAY("%s keeps %d fraction digits, %s only %d", s->text, s->frac, d->text,
				    d->frac);
				return FC_COMPAT_BAD;
			}
			return FC_COMPAT_OK;
		}
		if (d->fam == FC_T_DATE) {
			SAY("%s into date drops the time of day", s->text);
			return FC_COMPAT_BAD;
		}
		break;
	case FC_T_TIME:
		if (d->fam == FC_T_INTERVAL)
			return FC_COMPAT_OK;
		if (d->fam == FC_T_TIME) {
			SAY("MySQL TIME spans -838:59:59..838:59:59, %s only a day; interval holds all",
			    d->text);
			return FC_COMPAT_WARN;
		}
		break;
	case FC_T_YEAR:
		if (d->fam == FC_T_INT)
			return FC_COMPAT_OK;
		break;
	case FC_T_BIT:
		if (d->fam == FC_T_BIT) {
			if (d->length >= s->length)
				return FC_COMPAT_OK;
			SAY("%s into %s loses bits", s->text, d->text);
			return FC_COMPAT_BAD;
		}
		if (d->fam == FC_T_INT && (s->length < d->bits))
			return FC_COMPAT_OK;
		if (d->fam == FC_T_BOOL && s->length == 1)
			return FC_COMPAT_OK;
		break;
	case FC_T_JSON:
		if (d->fam == FC_T_JSON)
			return FC_COMPAT_OK;
		break;
	case FC_T_BOOL:
		if (d->fam == FC_T_BOOL || d->fam == FC_T_INT)
			return FC_COMPAT_OK;
		break;
	case FC_T_UUID:
		if (d->fam == FC_T_UUID)
			return FC_COMPAT_OK;
		break;
	default:
		break;
	}
	if (s->fam == d->fam)
		return FC_COMPAT_OK;
	SAY("%s (%s) does not convert to %s (%s)", s->text, fc_tfam_name(s->fam), d->text,
	    fc_tfam_name(d->fam));
	return FC_COMPAT_BAD;
}

bool fc_sqltype_accepts(const struct fc_sqltype *d, const char *v)
{
	char *end;
	switch (d->fam) {
	case FC_T_BOOL: {
		static const char *const ok[] = { "true", "false", "t", "f", "yes", "no",
		                                  "on", "off", "1", "0", NULL };
		for (int i = 0; ok[i]; i++)
			if (strcasecmp(v, ok[i]) == 0)
				return true;
		return false;
	}
	case FC_T_INT: {
		long long x;
		int bits = d->bits > 0 && d->bits < 64 ? d->bits : 64;
		if (!*v)
			return false;
		errno = 0;
		if (d->is_unsigned) {
			unsigned long long u;
			while (isspace((unsigned char)*v))
				v++;
			if (*v == '-')
				return false;
			u = strtoull(v, &end, 10);
			return *end == '\0' && end != v && errno != ERANGE &&
			       (bits == 64 || u < (1ULL << bits));
		}
		x = strtoll(v, &end, 10);
		if (*end || end == v || errno == ERANGE)
			return false;
		return bits == 64 || (x >= -(1LL << (bits - 1)) && x < (1LL << (bits - 1)));
	}
	case FC_T_YEAR:
		if (!*v)
			return false;
		errno = 0;
		(void)strtoll(v, &end, 10);
		return *end == '\0' && errno != ERANGE;
	case FC_T_DECIMAL:
	case FC_T_FLOAT:
		if (!*v)
			return false;
		(void)strtod(v, &end);
		return *end == '\0';
	case FC_T_ENUM:
		for (size_t i = 0; i < d->nlabels; i++)
			if (strcmp(d->labels[i], v) == 0)
				return true;
		return false;
	case FC_T_TEXT: {
		long chars = 0;
		if (d->length < 0)
			return true;
		for (const unsigned char *p = (const unsigned char *)v; *p; p++)
			chars += (*p & 0xC0) != 0x80;
		return chars <= d->length;
	}
	default:
		return true;
	}
}
