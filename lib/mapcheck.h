/* lib/mapcheck.h - a mapping entity checked against the live schemas of
 * its legacy (MySQL) and target (PostgreSQL) tables: tables, keys and
 * columns exist, keys are unique, value types fit, NOT NULL targets get a
 * value. Each finding names the mapping file and line it is about. */
#ifndef MAP_MAPCHECK_H
#define MAP_MAPCHECK_H

#include "err.h"
#include "mapping.h"

#include <libpq-fe.h>
#include <mysql.h>

enum map_level { MAP_WARNING, MAP_PROBLEM };

struct map_finding {
	enum map_level level;
	char text[512];          /* "mappings/shop.yaml:18:7: rating <- rating: ..." */
};

struct map_check {
	struct map_finding *items;
	size_t n, cap;
	int problems, warnings;
	size_t columns;          /* mapped columns looked at */
	size_t columns_ok;       /* of those, without finding */
};

/* Checks one entity. Findings go into res (which the caller releases with
 * map_check_release); returns a negative code only when the databases
 * could not be queried (err says why), 0 otherwise, whatever was found. */
int map_check_entity(const struct map_entity *e, MYSQL *my, PGconn *pg,
                     struct map_check *res, struct fc_err *err);
void map_check_release(struct map_check *res);

/* Records a finding "path:line:col: <message>" (cut to fit text[], ending
 * "..."). Always counted in problems/warnings, even when it cannot be
 * stored (out of memory). */
void map_check_add(struct map_check *res, enum map_level level, const char *path, int line,
                   int col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
