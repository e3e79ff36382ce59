/* tests/binlog_oracle.h - compares ficus's decoding of a
 * binlog with mariadb-binlog's (Debian's MariaDB 10.11 client), the
 * independent decoder the issue names as the oracle.
 *
 * `mariadb-binlog --base64-output=decode-rows -vv FILE` prints each row
 * change as pseudo-SQL:
 *   ### UPDATE `db`.`t`
 *   ### WHERE
 *   ###   @1=1 /- INT meta=0 nullable=0 is_null=0 -/
 *   ### SET
 *   ###   @2='x' /- VARSTRING(80) meta=80 nullable=1 is_null=0 -/
 * (comment markers written /- -/ here). The oracle reads that, reads
 * ficus's `cdc read --all-tables` JSON lines, and compares every change
 * and every column value, type by type, as docs/cdc.md specifies the JSON
 * representation. */
#ifndef FC_BINLOG_ORACLE_H
#define FC_BINLOG_ORACLE_H

#include <stdbool.h>
#include <stddef.h>

/* What the test knows about a column from information_schema (optional:
 * without it, comparisons go by mariadb-binlog's type comment alone). */
struct or_col {
	const char *name;
	bool is_unsigned;
	const char *charset;        /* "utf8mb4", "latin1", "euckr", "binary", NULL */
	const char *labels[16];     /* ENUM/SET labels */
	size_t nlabels;
};

struct or_table {
	const char *db, *name;
	struct or_col cols[64];
	size_t ncols;
};

/* Compares. Only changes of database db are compared (NULL: all). On a
 * difference returns non-zero with a description in why. *compared gets
 * the number of row changes and *cells the number of values compared. */
int or_compare(const char *mariadb_text, const char *ficus_jsonl, const char *db,
               const struct or_table *tables, size_t ntables, size_t *compared, size_t *cells,
               char *why, size_t whylen);

#endif
