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
 * the user:password@ part of URIs (up to the URL's last '@', so a password
 * holding '/', '?', ',' or '@' is hidden too), and password=... (spaces
 * around '=' allowed) in key=value form and in URI query parameters. */
const char *fc_dsn_redact(const char *dsn, struct fc_arena *a);

/* A copy of text with every occurrence of each non-empty secret replaced
 * by "***" (overlapping occurrences become one ***); NULL on ENOMEM. For
 * the values a config substituted into a DSN (${VAR}, password_env,
 * password_file), and for server messages that may echo them. */
const char *fc_dsn_mask(const char *text, const char *const *secrets, size_t nsecrets,
                        struct fc_arena *a);

/* What to print for a DSN: fc_dsn_mask() with the secrets, then
 * fc_dsn_redact(). */
const char *fc_dsn_show(const char *dsn, const char *const *secrets, size_t nsecrets,
                        struct fc_arena *a);

#endif
