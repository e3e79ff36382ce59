/* lib/ident.h - SQL identifiers: validation and quoting.
 *
 * Every table and column name that comes from a mapping or the config is
 * checked here before it goes anywhere near SQL, and is always quoted when
 * it is put into a statement (`name` for MySQL, "name" for PostgreSQL), so
 * reserved words and mixed case work and nothing can be injected. */
#ifndef FC_IDENT_H
#define FC_IDENT_H

#include "buf.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest identifier accepted: PostgreSQL's limit (MySQL allows 64). */
#define FC_IDENT_MAX 63

/* Whether s is an identifier ficus accepts: 1..63 bytes, an ASCII letter or
 * underscore first, then letters, digits, underscores or '$'. When not and
 * why is non-NULL, *why tells the user what is wrong. */
bool fc_ident_valid(const char *s, const char **why);

/* Table name "schema.table" or "table": splits and validates both parts.
 * schema_out/name_out receive copies in the caller's buffers of
 * FC_IDENT_MAX + 1 bytes; schema_out is "" when absent. */
int fc_ident_split_table(const char *s, char *schema_out, char *name_out,
                         const char **why);

/* Appends an identifier quoted for MySQL (`a``b`) or PostgreSQL ("a""b").
 * Any byte is quoted safely, valid identifier or not. */
int fc_quote_mysql(struct fc_buf *b, const char *ident);
int fc_quote_pg(struct fc_buf *b, const char *ident);

/* Appends a string literal for PostgreSQL ('it''s') or MySQL ('it\'s' with
 * backslashes doubled). For values in introspection queries; data values go
 * through bound parameters. */
int fc_literal_pg(struct fc_buf *b, const char *s);
int fc_literal_mysql(struct fc_buf *b, const char *s);

/* Appends the keyset-pagination tail of a MySQL query over key columns
 * keys[0..n): unless first, the rows after the last one,
 * " WHERE k1 >= 'l1' AND (k1 > 'l1' OR (k1 = 'l1' AND k2 > 'l2'))" (not the
 * row constructor (k1, k2) > (...), for which MariaDB scans the index from
 * its start), then " ORDER BY k1, k2 LIMIT limit". Names are quoted,
 * values escaped. */
int fc_mysql_keyset_tail(struct fc_buf *q, const char *const *keys, size_t n,
                         char last[][256], bool first, size_t limit);

/* Levenshtein distance between two names (99 past 64 bytes), for "did
 * you mean" suggestions. */
size_t fc_edit_distance(const char *a, const char *b);

#endif
