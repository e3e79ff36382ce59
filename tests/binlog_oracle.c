/* tests/binlog_oracle.c - see binlog_oracle.h. */
#include "binlog_oracle.h"

#include "tjson.h"

#include <iconv.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cell {
	int col;            /* 1-based */
	char *text;         /* NULL for NULL */
	char type[48];      /* first word(s) of the type comment */
};

struct image {
	struct cell *c;
	size_t n, cap;
	bool present;
};

struct change {
	char op[8];
	char db[128], table[128];
	struct image before, after;
};

struct log {
	struct change *ch;
	size_t n, cap;
};

static void add_cell(struct image *im, int col, char *text, const char *type)
{
	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 16;
		im->c = realloc(im->c, im->cap * sizeof *im->c);
	}
	im->c[im->n].col = col;
	im->c[im->n].text = text;
	snprintf(im->c[im->n].type, sizeof im->c[im->n].type, "%s", type);
	im->n++;
}

static void free_log(struct log *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; k < l->ch[i].before.n; k++)
			free(l->ch[i].before.c[k].text);
		for (size_t k = 0; k < l->ch[i].after.n; k++)
			free(l->ch[i].after.c[k].text);
		free(l->ch[i].before.c);
		free(l->ch[i].after.c);
	}
	free(l->ch);
}

/* "`db`.`t`" -> db, t */
static void names(const char *s, char *db, char *t)
{
	const char *a = strchr(s, '`'), *b = a ? strchr(a + 1, '`') : NULL;
	db[0] = t[0] = '\0';
	if (!a || !b)
		return;
	snprintf(db, 128, "%.*s", (int)(b - a - 1), a + 1);
	a = strchr(b + 1, '`');
	b = a ? strchr(a + 1, '`') : NULL;
	if (a && b)
		snprintf(t, 128, "%.*s", (int)(b - a - 1), a + 1);
}

static void parse_mariadb(const char *text, struct log *l)
{
	const char *p = text;
	struct change *cur = NULL;
	struct image *im = NULL;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		p += len + (nl ? 1 : 0);
		if (strncmp(line, "### ", 4) != 0) {
			free(line);
			continue;
		}
		if (!strncmp(line, "### INSERT INTO ", 16) || !strncmp(line, "### UPDATE ", 11) ||
		    !strncmp(line, "### DELETE FROM ", 16)) {
			if (l->n == l->cap) {
				l->cap = l->cap ? l->cap * 2 : 64;
				l->ch = realloc(l->ch, l->cap * sizeof *l->ch);
			}
			cur = &l->ch[l->n++];
			memset(cur, 0, sizeof *cur);
			snprintf(cur->op, sizeof cur->op, "%s",
			         line[4] == 'I' ? "insert" : line[4] == 'U' ? "update" : "delete");
			names(line, cur->db, cur->table);
			/* INSERT values follow SET; DELETE's follow WHERE */
			im = NULL;
		} else if (cur && !strcmp(line, "### SET")) {
			im = &cur->after;
			im->present = true;
		} else if (cur && !strcmp(line, "### WHERE")) {
			im = &cur->before;
			im->present = true;
		} else if (im && !strncmp(line, "###   @", 7)) {
			int col = atoi(line + 7);
			char *eq = strchr(line, '=');
			char *cm = NULL, *q, *val, type[48] = "";
			for (q = line; (q = strstr(q, " /* ")); q++)
				cm = q;
			if (!eq || !cm) {
				free(line);
				continue;
			}
			sscanf(cm + 4, "%47s", type);
			*cm = '\0';
			q = cm;
			while (q > eq + 1 && q[-1] == ' ')
				*--q = '\0';
			val = strcmp(eq + 1, "NULL") == 0 ? NULL : strdup(eq + 1);
			add_cell(im, col, val, type);
		}
		free(line);
	}
}

/* '...' with \xHH escapes -> bytes */
static size_t unquote(const char *s, unsigned char *out)
{
	size_t n = 0, len = strlen(s);
	if (len < 2 || s[0] != '\'' || s[len - 1] != '\'')
		return (size_t)-1;
	for (size_t i = 1; i + 1 < len; i++) {
		if (s[i] == '\\' && s[i + 1] == 'x' && i + 3 < len) {
			unsigned v;
			sscanf(s + i + 2, "%2x", &v);
			out[n++] = (unsigned char)v;
			i += 3;
		} else {
			out[n++] = (unsigned char)s[i];
		}
	}
	return n;
}

static size_t unbase64(const char *s, unsigned char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;
	for (; *s && *s != '='; s++) {
		const char *c = strchr(tab, *s);
		if (!c)
			return (size_t)-1;
		acc = acc << 6 | (unsigned)(c - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return n;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t k;
		if (c < 0x80)
			k = 0;
		else if ((c >> 5) == 6)
			k = 1;
		else if ((c >> 4) == 14)
			k = 2;
		else if ((c >> 3) == 30)
			k = 3;
		else
			return false;
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

/* MySQL's latin1 is Windows-1252; the five bytes 1252 leaves undefined
 * map to the C1 controls of the same value. One byte at a time. */
static size_t latin1_to_utf8(const unsigned char *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	iconv_t cd = iconv_open("UTF-8", "CP1252");
	for (size_t i = 0; i < n && o + 4 < cap; i++) {
		char *ip = (char *)&in[i], *op = out + o;
		size_t il = 1, ol = 4;
		if (cd != (iconv_t)-1 && iconv(cd, &ip, &il, &op, &ol) != (size_t)-1) {
			o += 4 - ol;
		} else {
			out[o++] = (char)(0xC0 | in[i] >> 6);
			out[o++] = (char)(0x80 | (in[i] & 0x3F));
		}
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	return o;
}

static size_t to_utf8(const char *charset, const unsigned char *in, size_t n, char *out, size_t cap)
{
	const char *from = !strcmp(charset, "euckr") ? "CP949" : charset;
	iconv_t cd;
	char *ip = (char *)in, *op = out;
	size_t il = n, ol = cap;
	if (!strcmp(charset, "latin1"))
		return latin1_to_utf8(in, n, out, cap);
	cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return (size_t)-1;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
		iconv_close(cd);
		return (size_t)-1;
	}
	iconv_close(cd);
	return cap - ol;
}

static const struct or_col *colinfo(const struct or_table *tables, size_t nt, const char *db,
                                    const char *t, int col)
{
	for (size_t i = 0; i < nt; i++)
		if (!strcmp(tables[i].db, db) && !strcmp(tables[i].name, t) && col >= 1 &&
		    (size_t)col <= tables[i].ncols)
			return &tables[i].cols[col - 1];
	return NULL;
}

#define FAIL(...) do { snprintf(why, whylen, __VA_ARGS__); return 1; } while (0)

static int cmp_cell(const struct cell *c, const struct tj *v, const struct or_col *ci,
                    char *why, size_t whylen)
{
	const char *t = c->type;
	static unsigned char a[1 << 20], b[1 << 20];
	static char u[1 << 21];

	if (!c->text) {
		if (v->kind != TJ_NULL)
			FAIL("expected NULL, got %s", v->raw);
		return 0;
	}
	if (v->kind == TJ_NULL)
		FAIL("expected %s, got null", c->text);
	if (!strcmp(t, "INT") || !strcmp(t, "TINYINT") || !strcmp(t, "SHORTINT") ||
	    !strcmp(t, "MEDIUMINT") || !strcmp(t, "LONGINT")) {
		char first[64] = "", paren[64] = "";
		sscanf(c->text, "%63s (%63[0-9])", first, paren);
		if (v->kind != TJ_NUM)
			FAIL("integer %s, got %s", c->text, v->raw);
		if (ci) {
			const char *want = ci->is_unsigned && paren[0] ? paren : first;
			if (strcmp(v->str, want))
				FAIL("%s integer %s, got %s", ci->is_unsigned ? "unsigned" : "signed", want,
				     v->str);
		} else if (strcmp(v->str, first) && strcmp(v->str, paren)) {
			FAIL("integer %s, got %s", c->text, v->str);
		}
		return 0;
	}
	if (!strncmp(t, "DECIMAL", 7)) {
		if (v->kind != TJ_STR || strcmp(v->str, c->text))
			FAIL("decimal \"%s\", got %s", c->text, v->raw);
		return 0;
	}
	if (!strcmp(t, "FLOAT")) {
		if (v->kind != TJ_NUM || strtof(v->str, NULL) != strtof(c->text, NULL))
			FAIL("float %s, got %s", c->text, v->raw);
		return 0;
	}
	if (!strcmp(t, "DOUBLE")) {
		if (v->kind != TJ_NUM || strtod(v->str, NULL) != strtod(c->text, NULL))
			FAIL("double %s, got %s", c->text, v->raw);
		return 0;
	}
	if (!strncmp(t, "BIT", 3) || !strncmp(t, "SET", 3)) {
		unsigned long long bits = 0;
		const char *q = c->text + 2;   /* b'0101' */
		for (; *q == '0' || *q == '1'; q++)
			bits = bits << 1 | (unsigned)(*q - '0');
		if (!strncmp(t, "SET", 3) && ci && ci->nlabels) {
			char want[512] = "";
			for (size_t i = 0; i < ci->nlabels; i++)
				if (bits >> i & 1)
					snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s",
					         want[0] ? "," : "", ci->labels[i]);
			if (v->kind != TJ_STR || strcmp(v->str, want))
				FAIL("set \"%s\", got %s", want, v->raw);
			return 0;
		}
		if (v->kind != TJ_NUM || strtoull(v->str, NULL, 10) != bits)
			FAIL("bits %s (%llu), got %s", c->text, bits, v->raw);
		return 0;
	}
	if (!strncmp(t, "ENUM", 4)) {
		long idx = strtol(c->text, NULL, 10);
		if (ci && ci->nlabels) {
			const char *want = idx >= 1 && (size_t)idx <= ci->nlabels ? ci->labels[idx - 1] : "";
			if (v->kind != TJ_STR || strcmp(v->str, want))
				FAIL("enum \"%s\" (%ld), got %s", want, idx, v->raw);
		} else if (v->kind != TJ_NUM || strtol(v->str, NULL, 10) != idx) {
			FAIL("enum index %ld, got %s", idx, v->raw);
		}
		return 0;
	}
	if (!strcmp(t, "YEAR")) {
		/* the stored 0 is MySQL's YEAR 0000; mariadb-binlog prints it as
		 * 1900 + 0 */
		if (v->kind == TJ_NUM && !strcmp(v->str, "0") && !strcmp(c->text, "1900"))
			return 0;
		if (v->kind != TJ_NUM || strcmp(v->str, c->text))
			FAIL("year %s, got %s", c->text, v->raw);
		return 0;
	}
	if (!strcmp(t, "DATE") || !strncmp(t, "TIME", 4) || !strncmp(t, "DATETIME", 8)) {
		if (!strncmp(t, "TIMESTAMP", 9)) {
			/* epoch[.frac] vs "YYYY-MM-DDTHH:MM:SS[.f]Z" */
			struct tm tm;
			char frac_want[16] = "", frac_got[16] = "";
			const char *dot = strchr(c->text, '.');
			long long secs = strtoll(c->text, NULL, 10);
			if (dot)
				snprintf(frac_want, sizeof frac_want, "%s", dot + 1);
			memset(&tm, 0, sizeof tm);
			if (v->kind != TJ_STR || v->len < 20)
				FAIL("timestamp %s, got %s", c->text, v->raw);
			if (secs == 0) {
				if (strncmp(v->str, "0000-00-00T00:00:00", 19))
					FAIL("zero timestamp, got %s", v->raw);
			} else {
				if (!strptime(v->str, "%Y-%m-%dT%H:%M:%S", &tm) ||
				    (long long)timegm(&tm) != secs)
					FAIL("timestamp %s (epoch), got %s", c->text, v->raw);
			}
			if (v->str[19] == '.')
				snprintf(frac_got, sizeof frac_got, "%.*s", (int)strcspn(v->str + 20, "Z"),
				         v->str + 20);
			if (strcmp(frac_got, frac_want))
				FAIL("timestamp fraction .%s, got %s", frac_want, v->raw);
			return 0;
		}
		{
			char want[64];
			size_t n = unquote(c->text, a);
			if (n == (size_t)-1) {
				/* old DATETIME prints a bare number YYYYMMDDHHMMSS */
				unsigned long long x = strtoull(c->text, NULL, 10);
				snprintf(want, sizeof want, "%04llu-%02llu-%02llu %02llu:%02llu:%02llu",
				         x / 10000000000ULL, x / 100000000 % 100, x / 1000000 % 100,
				         x / 10000 % 100, x / 100 % 100, x % 100);
			} else {
				snprintf(want, sizeof want, "%.*s", (int)n, (char *)a);
			}
			if (!strcmp(t, "DATE"))
				for (char *q = want; *q; q++)
					if (*q == ':')
						*q = '-';
			if (v->kind != TJ_STR || strcmp(v->str, want))
				FAIL("%s \"%s\", got %s", t, want, v->raw);
			return 0;
		}
	}
	if (!strcmp(t, "GEOMETRY")) {
		size_t n = unquote(c->text, a), m;
		if (v->kind != TJ_STR || (m = unbase64(v->str, b)) == (size_t)-1 || n < 4 || m != n - 4 ||
		    memcmp(a + 4, b, m))
			FAIL("geometry WKB of %zu bytes, got %s", n > 4 ? n - 4 : 0, v->raw);
		return 0;
	}
	if (!strncmp(t, "VARSTRING", 9) || !strncmp(t, "STRING", 6) || strstr(t, "BLOB")) {
		size_t n = unquote(c->text, a), m;
		const char *cs = ci ? ci->charset : NULL;
		if (n == (size_t)-1)
			FAIL("cannot read the oracle's string %s", c->text);
		if (cs && !strcmp(cs, "binary")) {
			if (v->kind != TJ_STR || (m = unbase64(v->str, b)) == (size_t)-1 || m != n ||
			    memcmp(a, b, n))
				FAIL("binary of %zu bytes (%s), got %s", n, c->text, v->raw);
			return 0;
		}
		/* a JSON column embedded (MariaDB LONGTEXT known to hold JSON): the
		 * JSON text equals the stored text, white space aside */
		{
			size_t k = 0, j = 0;
			char *r = strdup(v->raw);
			bool same;
			for (size_t i = 0; i < n; i++)
				if (a[i] != ' ' && a[i] != '\n')
					u[k++] = (char)a[i];
			u[k] = '\0';
			for (size_t i = 0; r[i]; i++)
				if (r[i] != ' ')
					r[j++] = r[i];
			r[j] = '\0';
			same = strcmp(r, u) == 0;
			free(r);
			if (same)
				return 0;
			if (v->kind != TJ_STR)
				FAIL("json %s, got %s", u, v->raw);
		}
		if (v->kind != TJ_STR)
			FAIL("string %s, got %s", c->text, v->raw);
		if (cs && strcmp(cs, "utf8mb4") && strcmp(cs, "utf8mb3") && strcmp(cs, "utf8")) {
			m = to_utf8(cs, a, n, u, sizeof u);
		} else if (valid_utf8(a, n)) {
			memcpy(u, a, n);
			m = n;
		} else {
			m = to_utf8("latin1", a, n, u, sizeof u);
		}
		if (m == (size_t)-1 || m != v->len || memcmp(u, v->str, m))
			FAIL("string %s (as UTF-8 \"%.*s\"), got %s", c->text, (int)(m == (size_t)-1 ? 0 : m),
			     u, v->raw);
		return 0;
	}
	FAIL("type %s not handled by the oracle (value %s, ficus %s)", t, c->text, v->raw);
}

static int cmp_image(const struct image *im, const struct tj *obj, const struct change *ch,
                     const struct or_table *tables, size_t nt, size_t *cells, char *why,
                     size_t whylen)
{
	size_t present = 0;
	if (!im->present) {
		if (obj)
			FAIL("ficus has an image mariadb-binlog does not");
		return 0;
	}
	if (!obj || obj->kind != TJ_OBJ)
		FAIL("ficus lacks an image");
	for (size_t i = 0; i < im->n; i++) {
		const struct cell *c = &im->c[i];
		const struct or_col *ci = colinfo(tables, nt, ch->db, ch->table, c->col);
		const struct tj *v = NULL;
		char at[16];
		snprintf(at, sizeof at, "@%d", c->col);
		if (ci && ci->name)
			v = tj_get(obj, ci->name);
		if (!v)
			v = tj_get(obj, at);
		/* names the oracle does not know: a full image lists every column
		 * in order, so go by position */
		if (!v && im->n == obj->n && c->col >= 1 && (size_t)c->col <= obj->n &&
		    im->c[im->n - 1].col == (int)im->n)
			v = obj->items[c->col - 1];
		if (!v)
			FAIL("column @%d (%s) missing in ficus's image %s", c->col,
			     ci && ci->name ? ci->name : "?", obj->raw);
		if (cmp_cell(c, v, ci, why, whylen)) {
			char tmp[1024];
			snprintf(tmp, sizeof tmp, "%s", why);
			FAIL("column @%d (%s, %s): %s", c->col, ci && ci->name ? ci->name : "?", c->type,
			     tmp);
		}
		present++;
		(*cells)++;
	}
	if (present != obj->n)
		FAIL("ficus's image has %zu columns, mariadb-binlog %zu: %s", obj->n, present, obj->raw);
	return 0;
}

int or_compare(const char *mariadb_text, const char *ficus_jsonl, const char *db,
               const struct or_table *tables, size_t ntables, size_t *compared, size_t *cells,
               char *why, size_t whylen)
{
	struct log l = { 0 };
	const char *p = ficus_jsonl;
	size_t i = 0, line = 0;
	int rc = 0;

	*compared = 0;
	*cells = 0;
	parse_mariadb(mariadb_text, &l);
	while (*p && rc == 0) {
		const char *nl = strchr(p, '\n');
		char *text = strndup(p, nl ? (size_t)(nl - p) : strlen(p));
		const char *perr;
		struct tj *j;
		struct tj *jdb, *jop, *jt;
		p = nl ? nl + 1 : p + strlen(p);
		line++;
		if (!text[0]) {
			free(text);
			continue;
		}
		j = tj_parse(text, &perr);
		if (!j) {
			snprintf(why, whylen, "ficus line %zu is not JSON (%s): %s", line, perr, text);
			free(text);
			rc = 1;
			break;
		}
		jdb = tj_get(j, "db");
		jop = tj_get(j, "op");
		jt = tj_get(j, "table");
		if (!jop || !strcmp(jop->str, "ddl") || (db && (!jdb || strcmp(jdb->str, db)))) {
			tj_free(j);
			free(text);
			continue;
		}
		while (i < l.n && db && strcmp(l.ch[i].db, db))
			i++;
		if (i >= l.n) {
			snprintf(why, whylen, "ficus has more changes than mariadb-binlog: line %zu: %s",
			         line, text);
			rc = 1;
		} else if (strcmp(l.ch[i].op, jop->str) || !jt || strcmp(l.ch[i].table, jt->str)) {
			snprintf(why, whylen, "change %zu: mariadb-binlog %s %s.%s, ficus line %zu: %s", i + 1,
			         l.ch[i].op, l.ch[i].db, l.ch[i].table, line, text);
			rc = 1;
		} else {
			char sub[1536];
			if (cmp_image(&l.ch[i].before, tj_get(j, "before"), &l.ch[i], tables, ntables, cells,
			              sub, sizeof sub) ||
			    cmp_image(&l.ch[i].after, tj_get(j, "after"), &l.ch[i], tables, ntables, cells,
			              sub, sizeof sub)) {
				snprintf(why, whylen, "change %zu (%s %s.%s), ficus line %zu: %s", i + 1,
				         l.ch[i].op, l.ch[i].db, l.ch[i].table, line, sub);
				rc = 1;
			}
			i++;
			(*compared)++;
		}
		tj_free(j);
		free(text);
	}
	while (rc == 0 && i < l.n && db && strcmp(l.ch[i].db, db))
		i++;
	if (rc == 0 && i < l.n) {
		snprintf(why, whylen, "mariadb-binlog has %zu more changes than ficus, first: %s %s.%s",
		         l.n - i, l.ch[i].op, l.ch[i].db, l.ch[i].table);
		rc = 1;
	}
	free_log(&l);
	return rc;
}
