/* tests/lib/db_test.c - database helpers that need no server (the rest
 * run against the sandbox in tests/integration/). */
#include "../test.h"

#include "../../lib/db.h"

/* PQexec on a connection that is not up gives no result at all: the
 * reason is on the connection, not an empty message. */
TEST(pg_exec_without_result_says_why)
{
	PGconn *pg = PQconnectdb("host=127.0.0.1 port=1 connect_timeout=2");
	struct fc_err err;
	ASSERT(pg != NULL);
	ASSERT(PQstatus(pg) != CONNECTION_OK);
	ASSERT(fc_pg_exec(pg, "SELECT 1", &err) < 0);
	ASSERT_EQ(err.code, FC_ESQL);
	ASSERT_CONTAINS(err.msg, "postgres: ");
	ASSERT_CONTAINS(err.msg, "no connection to the server");
	ASSERT_CONTAINS(err.msg, "(in: SELECT 1)");
	PQfinish(pg);
}
