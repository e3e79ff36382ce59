/* cli/sample_sql.h - the sample domain's SQL, compiled in from
 * examples/baemin/legacy.sql (MariaDB) and examples/baemin/target.sql
 * (PostgreSQL) by the Makefile (build/.../gen/sample_sql.c). */
#ifndef FC_SAMPLE_SQL_H
#define FC_SAMPLE_SQL_H

extern const char sample_legacy_sql[];
extern const char sample_target_sql[];

#endif
