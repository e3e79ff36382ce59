/* lib/ident.c - see ident.h. */
#include "ident.h"

#include <string.h>

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool fc_ident_valid(const char *s, const char **why)
{
	const char *dummy;
	size_t n;

	if (!why)
		why = &dummy;
	if (!s || !*s) {
		*why = "empty name";
		return false;
	}
	n = strlen(s);
	if (n > FC_IDENT_MAX) {
		*why = "longer than 63 bytes";
		return false;
	}
	if (!is_alpha((unsigned char)s[0])) {
		*why = "must start with a letter or '_'";
		return false;
	}
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '$') {
			*why = "may contain only letters, digits, '_' and '$'";
			return false;
		}
	}
	return true;
}

int fc_ident_split_table(const char *s, char *schema_out, char *name_out,
                         const char **why)
{
	const char *dot = s ? strchr(s, '.') : NULL;
	const char *dummy;

	if (!why)
		why = &dummy;
	schema_out[0] = '\0';
	name_out[0] = '\0';
	if (!s || !*s) {
		*why = "empty name";
		return -FC_EINVAL;
	}
	if (dot) {
		size_t n = (size_t)(dot - s);
		if (strchr(dot + 1, '.')) {
			*why = "has more than one '.' (expected table or schema.table)";
			return -FC_EINVAL;
		}
		if (n == 0 || n > FC_IDENT_MAX) {
			*why = n == 0 ? "empty schema name before '.'" : "schema name longer than 63 bytes";
			return -FC_EINVAL;
		}
		memcpy(schema_out, s, n);
		schema_out[n] = '\0';
		if (!fc_ident_valid(schema_out, why))
			return -FC_EINVAL;
		s = dot + 1;
	}
	if (!fc_ident_valid(s, why))
		return -FC_EINVAL;
	strcpy(name_out, s);
	return 0;
}

static int quote(struct fc_buf *b, const char *s, char q)
{
	int rc = fc_buf_putc(b, q);
	for (; rc == 0 && *s; s++) {
		if (*s == q)
			rc = fc_buf_putc(b, q);
		if (rc == 0)
			rc = fc_buf_putc(b, *s);
	}
	return rc ? rc : fc_buf_putc(b, q);
}

int fc_quote_mysql(struct fc_buf *b, const char *ident)
{
	return quote(b, ident, '`');
}

int fc_quote_pg(struct fc_buf *b, const char *ident)
{
	return quote(b, ident, '"');
}

int fc_literal_pg(struct fc_buf *b, const char *s)
{
	return quote(b, s, '\'');
}

int fc_literal_mysql(struct fc_buf *b, const char *s)
{
	int rc = fc_buf_putc(b, '\'');
	for (; rc == 0 && *s; s++) {
		if (*s == '\'' || *s == '\\')
			rc = fc_buf_putc(b, '\\');
		if (rc == 0)
			rc = fc_buf_putc(b, *s);
	}
	return rc ? rc : fc_buf_putc(b, '\'');
}

size_t fc_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[65], cur[65];
	if (la > 64 || lb > 64)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof *prev);
	}
	return prev[lb];
}

static int quoted_list(struct fc_buf *q, const char *const *keys, size_t n)
{
	int rc = 0;
	for (size_t k = 0; rc == 0 && k < n; k++) {
		if (k)
			rc = fc_buf_puts(q, ", ");
		if (rc == 0)
			rc = fc_quote_mysql(q, keys[k]);
	}
	return rc;
}

/* "k > v" for the last key, else "(k > v OR (k = v AND <the rest>))". */
static int key_after(struct fc_buf *q, const char *const *keys, size_t n, char last[][256],
                     size_t k)
{
	int rc = 0;
	if (k + 1 < n)
		rc = fc_buf_putc(q, '(');
	if (rc == 0)
		rc = fc_quote_mysql(q, keys[k]);
	if (rc == 0)
		rc = fc_buf_puts(q, " > ");
	if (rc == 0)
		rc = fc_literal_mysql(q, last[k]);
	if (k + 1 == n || rc)
		return rc;
	rc = fc_buf_puts(q, " OR (");
	if (rc == 0)
		rc = fc_quote_mysql(q, keys[k]);
	if (rc == 0)
		rc = fc_buf_puts(q, " = ");
	if (rc == 0)
		rc = fc_literal_mysql(q, last[k]);
	if (rc == 0)
		rc = fc_buf_puts(q, " AND ");
	if (rc == 0)
		rc = key_after(q, keys, n, last, k + 1);
	return rc ? rc : fc_buf_puts(q, "))");
}

int fc_mysql_keyset_tail(struct fc_buf *q, const char *const *keys, size_t n,
                         char last[][256], bool first, size_t limit)
{
	int rc = 0;
	/* Not the row constructor (a, b) > (x, y): MariaDB does not use an
	 * index range for it, and every chunk would scan from the start. The
	 * leading "a >= x" gives the range; the rest picks the rows after. */
	if (!first && n > 1) {
		rc = fc_buf_puts(q, " WHERE ");
		if (rc == 0)
			rc = fc_quote_mysql(q, keys[0]);
		if (rc == 0)
			rc = fc_buf_puts(q, " >= ");
		if (rc == 0)
			rc = fc_literal_mysql(q, last[0]);
		if (rc == 0)
			rc = fc_buf_puts(q, " AND ");
		if (rc == 0)
			rc = key_after(q, keys, n, last, 0);
	} else if (!first) {
		rc = fc_buf_puts(q, " WHERE ");
		if (rc == 0)
			rc = key_after(q, keys, n, last, 0);
	}
	if (rc == 0)
		rc = fc_buf_puts(q, " ORDER BY ");
	if (rc == 0)
		rc = quoted_list(q, keys, n);
	return rc ? rc : fc_buf_printf(q, " LIMIT %zu", limit);
}
