/* tests/integration/verify_results_test.c - ficus.verify_results: vfy_store() upserts
 * one row per entity, vfy_last_results() reads them back (the lead's
 * `ficus status` reads them this way). Needs the sandbox's PostgreSQL. */
#include "../test.h"

#include "../../verify/verify.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

TEST(verify_results_are_stored_per_entity_and_read_back)
{
	struct map_entity shop, order;
	struct vfy_result r;
	struct vfy_stored *rows;
	struct fc_err err;
	size_t n;
	PGconn *pg;

	t_pg(NULL, "DROP DATABASE IF EXISTS t_verify_res");
	t_pg(NULL, "CREATE DATABASE t_verify_res");
	pg = PQconnectdb(t_pg_dsn("t_verify_res"));
	ASSERT(PQstatus(pg) == CONNECTION_OK);
	/* never verified: no table, no rows, no error */
	ASSERT_EQ(vfy_last_results(pg, &rows, &n, &err), 0);
	ASSERT_EQ(n, 0);

	memset(&shop, 0, sizeof shop);
	memset(&order, 0, sizeof order);
	shop.name = "shop";
	order.name = "order";
	memset(&r, 0, sizeof r);
	r.e = &shop;
	r.legacy_rows = 10;
	r.new_rows = 9;
	r.missing = 1;
	r.duration_ms = 12;
	ASSERT_EQ(vfy_store(pg, &r, &err), 0);
	memset(&r, 0, sizeof r);
	r.e = &order;
	r.error = true;
	strcpy(r.errmsg, "entity 'order': target: relation \"o\" does not exist");
	ASSERT_EQ(vfy_store(pg, &r, &err), 0);
	/* a second run replaces the entity's row */
	memset(&r, 0, sizeof r);
	r.e = &shop;
	r.legacy_rows = r.new_rows = 10;
	ASSERT_EQ(vfy_store(pg, &r, &err), 0);

	ASSERT_EQ(vfy_last_results(pg, &rows, &n, &err), 0);
	ASSERT_EQ(n, 2);
	ASSERT_STR_EQ(rows[0].entity, "order");
	ASSERT_STR_EQ(rows[0].status, "error");
	ASSERT_CONTAINS(rows[0].error, "does not exist");
	ASSERT_STR_EQ(rows[1].entity, "shop");
	ASSERT_STR_EQ(rows[1].status, "equal");
	ASSERT_EQ(rows[1].legacy_rows, 10);
	ASSERT_EQ(rows[1].missing, 0);
	ASSERT(strlen(rows[1].finished_at) == 20);   /* 2026-11-25T04:00:00Z */
	free(rows);
	PQfinish(pg);
}
