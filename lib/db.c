/* lib/db.c - see db.h. */
#include "db.h"

#include "dsn.h"

#include <stdio.h>
#include <string.h>

/* err = "connection 'NAME' (SHOWN): MSG", with the connection's secrets
 * masked in the server's message too (libpq echoes parts of a conninfo it
 * cannot parse: a host, a port, a database name). */
static void conn_fail(struct fc_err *err, const struct fc_conn *c, const char *msg)
{
	struct fc_arena a = FC_ARENA_INIT;
	const char *m = fc_dsn_mask(msg, c->secrets, c->nsecrets, &a);
	fc_errf(err, FC_ECONNECT, "connection '%s' (%s): %s", c->name, c->shown,
	        m ? m : "(message hidden: out of memory)");
	fc_arena_release(&a);
}

MYSQL *fc_mysql_open(const struct fc_conn *c, struct fc_err *err)
{
	unsigned timeout = 5;
	MYSQL *my;

	if (c->kind != FC_CONN_MYSQL) {
		fc_errf(err, FC_ECONFIG, "connection '%s' is %s, not mysql", c->name,
		        fc_conn_kind_name(c->kind));
		return NULL;
	}
	my = mysql_init(NULL);
	if (!my) {
		fc_errf(err, FC_ENOMEM, "connection '%s': out of memory", c->name);
		return NULL;
	}
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* UTC, and backslashes escape in string literals (fc_literal_mysql
	 * relies on it: with NO_BACKSLASH_ESCAPES a value ending in \ would end
	 * the literal) */
	mysql_options(my, MYSQL_INIT_COMMAND,
	              "SET time_zone = '+00:00', sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', "
	              "@@sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))");
	if (!mysql_real_connect(my, c->my.host, c->my.user, c->my.password, c->my.database,
	                        c->my.port, c->my.socket, CLIENT_MULTI_STATEMENTS)) {
		conn_fail(err, c, mysql_error(my));
		mysql_close(my);
		return NULL;
	}
	return my;
}

PGconn *fc_pg_open(const struct fc_conn *c, struct fc_err *err)
{
	/* With expand_dbname, the keys after "dbname" override what its
	 * connection string says, and the ones before are only defaults: ficus's
	 * defaults go first (so the DSN's connect_timeout, application_name,
	 * options=-csearch_path=... win), the password from password_env /
	 * password_file after (it is meant to win). */
	const char *keys[6], *vals[6];
	char msg[512];
	int n = 0;
	PGconn *pg;

	if (c->kind != FC_CONN_POSTGRES) {
		fc_errf(err, FC_ECONFIG, "connection '%s' is %s, not postgres", c->name,
		        fc_conn_kind_name(c->kind));
		return NULL;
	}
	keys[n] = "connect_timeout";
	vals[n++] = "5";
	keys[n] = "application_name";
	vals[n++] = "ficus";
	keys[n] = "client_encoding";
	vals[n++] = "UTF8";
	keys[n] = "dbname";
	vals[n++] = c->dsn;
	if (c->password) {
		keys[n] = "password";
		vals[n++] = c->password;
	}
	keys[n] = NULL;
	vals[n] = NULL;
	pg = PQconnectdbParams(keys, vals, 1);
	if (!pg) {
		fc_errf(err, FC_ENOMEM, "connection '%s': out of memory", c->name);
		return NULL;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg));
		msg[strcspn(msg, "\n")] = '\0';
		conn_fail(err, c, msg);
		PQfinish(pg);
		return NULL;
	}
	/* What ficus's correctness rests on is set after connecting, whatever
	 * the DSN's options say: times are read and written in UTC, text is
	 * UTF-8; and NOTICEs ("does not exist, skipping") stay quiet. */
	if (fc_pg_exec(pg, "SET TimeZone = 'UTC'; SET client_encoding = 'UTF8'; "
	               "SET client_min_messages = warning", err)) {
		fc_err_prefix(err, "connection '%s' (%s)", c->name, c->shown);
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

static void first_line(char *out, size_t n, const char *sql)
{
	size_t len = strcspn(sql, "\n");
	if (len >= n)
		len = n - 4;
	snprintf(out, n, "%.*s%s", (int)len, sql, sql[len] ? "..." : "");
}

int fc_mysql_exec(MYSQL *my, const char *sql, struct fc_err *err)
{
	char head[120];
	if (mysql_real_query(my, sql, strlen(sql)) != 0)
		goto fail;
	/* drain every result of a multi-statement string */
	for (;;) {
		MYSQL_RES *res = mysql_store_result(my);
		int next;
		if (res)
			mysql_free_result(res);
		else if (mysql_field_count(my) != 0)
			goto fail;
		next = mysql_next_result(my);
		if (next > 0)
			goto fail;
		if (next < 0)
			break;
	}
	return 0;
fail:
	first_line(head, sizeof head, sql);
	return fc_errf(err, FC_ESQL, "mysql: %s (in: %s)", mysql_error(my), head);
}

const char *fc_pg_error(PGconn *pg, const PGresult *r, char *msg, size_t n)
{
	snprintf(msg, n, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(pg));
	if (!msg[0])
		snprintf(msg, n, "%s", PQerrorMessage(pg));
	if (!msg[0])
		snprintf(msg, n, "no result (%s)", PQresStatus(PQresultStatus(r)));
	msg[strcspn(msg, "\n")] = '\0';
	return msg;
}

int fc_pg_exec(PGconn *pg, const char *sql, struct fc_err *err)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);
	char head[120], msg[512];

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(r);
		return 0;
	}
	fc_pg_error(pg, r, msg, sizeof msg);
	PQclear(r);
	first_line(head, sizeof head, sql);
	return fc_errf(err, FC_ESQL, "postgres: %s (in: %s)", msg, head);
}
