/* lib/schema.h - live table schemas, read from information_schema
 * (MariaDB/MySQL) and pg_catalog (PostgreSQL).
 *
 * Used by `ficus mappings check` now, and by cdc (schema history), sync and
 * verify later. A table_info owns everything it points to. */
#ifndef FC_SCHEMA_H
#define FC_SCHEMA_H

#include "arena.h"
#include "err.h"
#include "sqltype.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <stdbool.h>
#include <stddef.h>

struct fc_column_info {
	const char *name;
	struct fc_sqltype type;
	bool nullable;
	bool has_default;      /* DEFAULT, AUTO_INCREMENT, identity or generated */
	const char *charset;   /* MySQL text columns: utf8mb4, euckr, ...; else NULL */
};

/* A unique index or the primary key, as its column names in order. */
struct fc_unique {
	bool primary;
	const char **cols;
	size_t ncols;
};

struct fc_table_info {
	const char *schema;    /* as resolved: the DSN's database / current_schema() */
	const char *name;
	struct fc_column_info *cols;
	size_t ncols;
	struct fc_unique *uniques;
	size_t nuniques;
	struct fc_arena arena;
};

/* Reads a table's columns and unique keys. schema "" means the
 * connection's current database (MySQL) / schema (PostgreSQL). Returns
 * -FC_ENOTFOUND when the table does not exist (err says so), -FC_ESQL on
 * query failures. The caller releases info with fc_table_info_release(). */
int fc_mysql_table_info(MYSQL *my, const char *schema, const char *table,
                        struct fc_table_info *info, struct fc_err *err);
int fc_pg_table_info(PGconn *pg, const char *schema, const char *table,
                     struct fc_table_info *info, struct fc_err *err);
void fc_table_info_release(struct fc_table_info *info);

/* The column of that name (case-sensitive), or NULL. */
const struct fc_column_info *fc_table_column(const struct fc_table_info *t, const char *name);

/* Whether the table has a primary key or unique index on exactly these
 * columns (in any order). */
bool fc_table_unique_on(const struct fc_table_info *t, const char *const *cols, size_t n);

#endif
