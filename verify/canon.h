/* verify/canon.h - one canonical text form for a mapped value, rendered by
 * SQL on both engines (docs/verify.md, "canonical form").
 *
 * The form follows the target column's type, since that is what the value
 * becomes: integers as digits; decimals at the target's scale (or the
 * legacy one when the target's numeric is unbounded); floats rounded to
 * float_digits decimals; booleans as true/false; text as UTF-8; binary as
 * lower-case hex; dates YYYY-MM-DD; timestamps YYYY-MM-DD HH:MM:SS plus
 * the fraction digits both sides have, in UTC, except that a column with
 * a mapping `timezone:` compares the legacy wall clock with the target's
 * instant shown in that zone (MariaDB needs no zone tables that way);
 * JSON as MariaDB's JSON_NORMALIZE() writes it (PostgreSQL: the function
 * ficus.vfy_json, see vfy_canon_pg_setup). SQL NULL stays NULL.
 *
 * The legacy side applies the mapping first, exactly as sync does
 * (cdc/sync.c transform()): trim, null_if, the value map and its default
 * (whose target values are rendered once by PostgreSQL itself), zero dates
 * as NULL, a charset for text in binary columns. */
#ifndef VFY_CANON_H
#define VFY_CANON_H

#include "../lib/buf.h"
#include "../lib/err.h"
#include "../lib/mapping.h"
#include "../lib/schema.h"

#include <libpq-fe.h>

/* Creates ficus.vfy_json(jsonb) in the target when missing: JSON columns'
 * canonical text. */
int vfy_canon_pg_setup(PGconn *pg, struct fc_err *err);

/* Appends the PostgreSQL expression of target column c's canonical text
 * (di: the target column, ci: the legacy one). */
int vfy_canon_pg(struct fc_buf *b, const struct map_column *c, const struct fc_column_info *ci,
                 const struct fc_column_info *di, int float_digits);

/* Appends the MariaDB expression of the canonical text of the legacy value
 * of c after the mapping. pg renders the value map's and default's target
 * values (their canonical text goes into the expression as literals);
 * err names the column when one of them does not fit the target type. */
int vfy_canon_mysql(struct fc_buf *b, PGconn *pg, const struct map_column *c,
                    const struct fc_column_info *ci, const struct fc_column_info *di,
                    int float_digits, struct fc_err *err);

/* Whether the legacy value can be NULL after the mapping (a nullable
 * column, null_if, a value map, a zero date). */
bool vfy_canon_mysql_nullable(const struct map_column *c, const struct fc_column_info *ci);

#endif
