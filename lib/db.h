/* lib/db.h - opening the configured database connections.
 *
 * Errors name the connection and its redacted DSN (the config's secrets
 * masked in the server's message too):
 * "connection 'legacy' (mysql://root@127.0.0.1:33061/baemin): Can't connect
 * to server on '127.0.0.1' (111)". */
#ifndef FC_DB_H
#define FC_DB_H

#include "config.h"
#include "err.h"

#include <libpq-fe.h>
#include <mysql.h>

/* Opens a MariaDB/MySQL connection (utf8mb4, 5 s connect timeout, UTC
 * session time zone). Caller closes with mysql_close(). */
MYSQL *fc_mysql_open(const struct fc_conn *c, struct fc_err *err);

/* Opens a PostgreSQL connection. Defaults the DSN may override: 5 s
 * connect timeout, application_name "ficus". Always, whatever the DSN's
 * options: TimeZone UTC, client_encoding UTF8, client_min_messages warning
 * (SET after connecting). A password_env / password_file password wins over
 * the DSN's. Caller closes with PQfinish(). */
PGconn *fc_pg_open(const struct fc_conn *c, struct fc_err *err);

/* Runs statements that return no rows; on failure err names the
 * connection and carries the server's message and the SQL's first line. */
int fc_mysql_exec(MYSQL *my, const char *sql, struct fc_err *err);
int fc_pg_exec(PGconn *pg, const char *sql, struct fc_err *err);

/* The first line of why r failed (r NULL: no result at all, the reason
 * is on the connection), into msg; returns msg. */
const char *fc_pg_error(PGconn *pg, const PGresult *r, char *msg, size_t n);

#endif
