/* lib/dsn.h - connection strings: parsing and redaction.
 *
 * MySQL/MariaDB:  mysql://[user[:password]@]host[:port][/database][?socket=PATH]
 *                 (mariadb:// is the same; user and password may be %-encoded)
 * PostgreSQL:     any libpq connection string (URI or key=value); libpq parses
 *                 it, ficus only redacts the password when showing it.
 * NATS:           nats://[user[:password]@]host[:port][,nats://...]
 *
 * A DSN may hold a password: never print one, print fc_dsn_redact()'s. */
#ifndef FC_DSN_H
#define FC_DSN_H

#include "arena.h"

struct fc_mysql_dsn {
	const char *user;       /* "root" when absent */
	const char *password;   /* NULL when absent */
	const char *host;
	unsigned port;          /* 3306 when absent */
	const char *database;   /* NULL when absent */
	const char *socket;     /* NULL when absent */
};

/* Parses a MySQL DSN; strings are allocated in a. On failure returns
 * -FC_EINVAL and *why says what is wrong. */
int fc_dsn_parse_mysql(const char *dsn, struct fc_arena *a,
                       struct fc_mysql_dsn *out, const char **why);

/* A copy of dsn (allocated in a) with any password replaced by "***":
 * the user:password@ part of URIs, and password=... in key=value form. */
const char *fc_dsn_redact(const char *dsn, struct fc_arena *a);

#endif
