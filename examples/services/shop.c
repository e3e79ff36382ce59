/* examples/services/shop.c - baemin-shop: the new shop service of the
 * sample domain. It serves shop detail and shop lists from its own
 * PostgreSQL read model shop.shops (examples/baemin/target.sql), which
 * `ficus sync` keeps equal to the legacy shop table per mappings/shop.yaml.
 * The JSON is the monolith's (shape.h), so the router's shadow mode can
 * compare the two answers.
 *
 *   GET /health                                {"ok":true}
 *   GET /shops/ID                              a shop
 *   GET /shops?category=W&after=ID&limit=N     a page of shops by id
 */
#include "httpd.h"
#include "shape.h"

#include "../../lib/db.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: baemin-shop [--config F] [--connection NAME] [--listen HOST:PORT]\n"
	"The sample new shop service: shop detail and lists from the PostgreSQL\n"
	"read model (default connection: the config's sync.target; listen:\n"
	"127.0.0.1:9002).\n";

static const struct fc_conn *conn;

#define SHOP_SELECT                                                                           \
	"SELECT id, name, owner, phone, address, address_detail, category, kind, rating::text, " \
	"review_count, min_order, delivery_tip, "                                               \
	"to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "           \
	"is_open::text, memo FROM shop.shops "

static void *thread_init(void)
{
	struct fc_err err = { 0 };
	PGconn *pg = fc_pg_open(conn, &err);

	if (!pg)
		fprintf(stderr, "baemin-shop: %s\n", err.msg);
	return pg;
}

static void thread_done(void *ctx)
{
	if (ctx)
		PQfinish(ctx);
}

static void put_shop(struct fc_buf *b, PGresult *r, int row)
{
	char *v[SHOP_NFIELDS];

	for (int i = 0; i < SHOP_NFIELDS; i++)
		v[i] = PQgetisnull(r, row, i) ? NULL : PQgetvalue(r, row, i);
	shape_shop(b, v);
}

/* Runs sql with params; NULL (and a 500 in resp) when it fails. */
static PGresult *query(PGconn *pg, struct svc_resp *resp, const char *sql, int n,
                       const char *const *params)
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	char msg[512];

	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		return r;
	svc_error(resp, PQstatus(pg) == CONNECTION_OK ? 500 : 503, "shop database: %s",
	          fc_pg_error(pg, r, msg, sizeof msg));
	PQclear(r);
	if (PQstatus(pg) != CONNECTION_OK)
		PQreset(pg);   /* the next request tries a fresh connection */
	return NULL;
}

static void shop_detail(PGconn *pg, const char *id, struct svc_resp *resp)
{
	const char *params[1] = { id };
	PGresult *r = query(pg, resp, SHOP_SELECT "WHERE id = $1", 1, params);

	if (!r)
		return;
	if (PQntuples(r))
		put_shop(&resp->body, r, 0);
	else
		svc_error(resp, 404, "shop %s not found", id);
	PQclear(r);
}

static void shop_list(PGconn *pg, const char *q, struct svc_resp *resp)
{
	char after[32] = "0", limit[32] = "20", word[64];
	const char *params[3] = { after, limit, word };
	int cat = svc_form(q, "category", word, sizeof word) != NULL, n;
	PGresult *r;

	if (svc_form(q, "after", after, sizeof after) && svc_id(after) < 0)
		return svc_error(resp, 400, "after: '%s' is not a shop id", after);
	if (svc_form(q, "limit", limit, sizeof limit) &&
	    (svc_id(limit) < 1 || svc_id(limit) > 100))
		return svc_error(resp, 400, "limit: '%s' is not 1..100", limit);
	r = query(pg, resp,
	          cat ? SHOP_SELECT "WHERE id > $1 AND category = $3 ORDER BY id LIMIT $2"
	              : SHOP_SELECT "WHERE id > $1 ORDER BY id LIMIT $2",
	          cat ? 3 : 2, params);
	if (!r)
		return;
	n = PQntuples(r);
	shape_list_open(&resp->body);
	for (int i = 0; i < n; i++) {
		if (i)
			fc_buf_putc(&resp->body, ',');
		put_shop(&resp->body, r, i);
	}
	shape_list_close(&resp->body, n, (int)svc_id(limit), n ? PQgetvalue(r, n - 1, 0) : NULL);
	PQclear(r);
}

static void handle(void *ctx, const struct svc_req *req, struct svc_resp *resp)
{
	PGconn *pg = ctx;
	int get = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
	char seg[3][64];
	int n = svc_path(req->path, seg, 3);

	if (n == 1 && !strcmp(seg[0], "health"))
		return (void)fc_buf_printf(&resp->body, "{\"ok\":%s}", pg ? "true" : "false");
	if (!pg)
		return svc_error(resp, 503, "shop database unreachable");
	if (n == 1 && !strcmp(seg[0], "shops") && get)
		return shop_list(pg, req->query, resp);
	if (n == 2 && !strcmp(seg[0], "shops") && svc_id(seg[1]) >= 0 && get)
		return shop_detail(pg, seg[1], resp);
	svc_error(resp, 404, "no such endpoint: %s %s", req->method, req->path);
}

int main(int argc, char **argv)
{
	static const struct svc svc = { .name = "shop", .thread_init = thread_init,
		                        .thread_done = thread_done, .handle = handle };
	struct fc_config cfg;
	struct fc_err err = { 0 };
	const char *listen_at;
	PGconn *pg;
	int rc;

	conn = svc_options(argc, argv, usage, FC_CONN_POSTGRES, "127.0.0.1:9002", &cfg, &listen_at);
	if (!(pg = fc_pg_open(conn, &err))) {
		fprintf(stderr, "baemin-shop: %s\n", err.msg);
		return 1;
	}
	PQfinish(pg);
	rc = svc_serve(&svc, listen_at);
	fc_config_release(&cfg);
	return rc ? 1 : 0;
}
