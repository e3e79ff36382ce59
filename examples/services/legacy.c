/* examples/services/legacy.c - baemin-legacy: the monolith of the sample
 * domain. It serves everything from the legacy MariaDB database `baemin`
 * (examples/baemin/legacy.sql), with the monolith's own code turning the
 * legacy columns into the API's words: trimmed phone numbers, category
 * codes as words, Asia/Seoul wall clocks as UTC instants, 'Y'/'N' as
 * booleans. The new shop service (shop.c) answers the same shop JSON from
 * its PostgreSQL read model, which ficus sync fills.
 *
 *   GET  /health                        {"ok":true}
 *   GET  /shops/ID                      a shop (shape.h)
 *   GET  /shops?category=W&after=ID&limit=N   a page of shops by id
 *   POST /shops/ID   name=..&phone=..&is_open=Y|N   edit a shop (form)
 *   GET  /shops/ID/ad                   the shop's ad settings
 *   POST /orders     shop_id=..&member_no=..[&menu_id=..][&qty=..]   place an order
 *                    (without menu_id: the shop's first menu)
 *   GET  /orders/ID                     an order
 */
#include "httpd.h"

#include "../../cdc/value.h"
#include "shape.h"

#include "../../lib/db.h"

#include <errno.h>
#include <mysql.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"usage: baemin-legacy [--config F] [--connection NAME] [--listen HOST:PORT]\n"
	"The sample legacy monolith: shops, ads and orders from MariaDB (default\n"
	"connection: the config's sync.source; listen: 127.0.0.1:9001).\n";

static const struct fc_conn *conn;
static atomic_llong next_order;

static const char *const categories[][2] = {
	{ "01", "chicken" }, { "02", "pizza" }, { "03", "korean" }, { "04", "chinese" },
	{ "05", "japanese" }, { "06", "burger" }, { "07", "cafe" }, { "08", "night" },
};

static void *thread_init(void)
{
	struct fc_err err = { 0 };
	MYSQL *my;

	mysql_thread_init();
	my = fc_mysql_open(conn, &err);
	if (!my)
		fprintf(stderr, "baemin-legacy: %s\n", err.msg);
	return my;
}

static void thread_done(void *ctx)
{
	if (ctx)
		mysql_close(ctx);
	mysql_thread_end();
}

/* "YYYY-MM-DD HH:MM:SS" in Asia/Seoul -> "YYYY-MM-DDTHH:MM:SSZ" (the
 * process runs with TZ=Asia/Seoul); NULL for NULL and zero dates. */
static char *seoul_to_utc(const char *v, char out[32])
{
	struct tm tm = { 0 }, u;
	time_t t;

	if (!v || !strncmp(v, "0000-00-00", 10) ||
	    sscanf(v, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	           &tm.tm_min, &tm.tm_sec) != 6)
		return NULL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	gmtime_r(&t, &u);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", u.tm_year + 1900, u.tm_mon + 1,
	         u.tm_mday, u.tm_hour, u.tm_min, u.tm_sec);
	return out;
}

/* The legacy row in the API's words: the same rules as mappings/shop.yaml,
 * written once more here because that is what a monolith does. */
#define SHOP_SELECT                                                                          \
	"SELECT shop_id, shop_name, NULLIF(owner_nm, ''), NULLIF(TRIM(tel_no), ''), addr, "  \
	"NULLIF(addr_dtl, ''), CASE cat_cd WHEN '01' THEN 'chicken' WHEN '02' THEN 'pizza' " \
	"WHEN '03' THEN 'korean' WHEN '04' THEN 'chinese' WHEN '05' THEN 'japanese' "        \
	"WHEN '06' THEN 'burger' WHEN '07' THEN 'cafe' WHEN '08' THEN 'night' END, "         \
	"shop_type, rating, review_cnt, min_order_amt, delivery_tip, "                      \
	"DATE_FORMAT(open_dt, '%%Y-%%m-%%d %%H:%%i:%%s'), "                                        \
	"CASE open_yn WHEN 'Y' THEN 'true' WHEN 'N' THEN 'false' END, "                      \
	"NULLIF(legacy_memo, '') FROM shop "

static void put_shop(struct fc_buf *b, MYSQL_ROW row)
{
	char *v[SHOP_NFIELDS], utc[32];

	for (int i = 0; i < SHOP_NFIELDS; i++)
		v[i] = row[i];
	v[SHOP_OPENED_AT] = seoul_to_utc(row[SHOP_OPENED_AT], utc);
	shape_shop(b, v);
}

static MYSQL_RES *query(MYSQL *my, struct svc_resp *resp, const char *sql)
{
	MYSQL_RES *res;

	if (mysql_query(my, sql) || !(res = mysql_store_result(my))) {
		svc_error(resp, 500, "legacy database: %s", mysql_error(my));
		return NULL;
	}
	return res;
}

static void shop_detail(MYSQL *my, long long id, struct svc_resp *resp)
{
	char sql[2048];
	MYSQL_RES *res;
	MYSQL_ROW row;

	snprintf(sql, sizeof sql, SHOP_SELECT "WHERE shop_id = %lld", id);
	if (!(res = query(my, resp, sql)))
		return;
	if ((row = mysql_fetch_row(res)))
		put_shop(&resp->body, row);
	else
		svc_error(resp, 404, "shop %lld not found", id);
	mysql_free_result(res);
}

static void shop_list(MYSQL *my, const char *q, struct svc_resp *resp)
{
	char sql[2048], word[64], num[32], last[32] = "";
	const char *code = NULL;
	long long after = 0, limit = 20;
	int count = 0;
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (svc_form(q, "after", num, sizeof num) && (after = svc_id(num)) < 0)
		return svc_error(resp, 400, "after: '%s' is not a shop id", num);
	if (svc_form(q, "limit", num, sizeof num) &&
	    ((limit = svc_id(num)) < 1 || limit > 100))
		return svc_error(resp, 400, "limit: '%s' is not 1..100", num);
	if (svc_form(q, "category", word, sizeof word)) {
		code = "--";   /* a word nobody maps to: no shops */
		for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++)
			if (!strcmp(word, categories[i][1]))
				code = categories[i][0];
	}
	snprintf(sql, sizeof sql, SHOP_SELECT "WHERE shop_id > %lld %s%s%s ORDER BY shop_id LIMIT %lld",
	         after, code ? "AND cat_cd = '" : "", code ? code : "", code ? "'" : "", limit);
	if (!(res = query(my, resp, sql)))
		return;
	shape_list_open(&resp->body);
	while ((row = mysql_fetch_row(res))) {
		if (count++)
			fc_buf_putc(&resp->body, ',');
		put_shop(&resp->body, row);
		snprintf(last, sizeof last, "%s", row[0]);
	}
	shape_list_close(&resp->body, count, (int)limit, last);
	mysql_free_result(res);
}

/* Appends ", col = 'escaped'" for a form field that is present. */
static void set_field(MYSQL *my, struct fc_buf *sql, const char *form, const char *field,
                      const char *col)
{
	char v[512], esc[1030];

	if (!svc_form(form, field, v, sizeof v))
		return;
	mysql_real_escape_string(my, esc, v, (unsigned long)strlen(v));
	fc_buf_printf(sql, "%s%s = '%s'", sql->len > 16 ? ", " : "", col, esc);
}

static void shop_edit(MYSQL *my, long long id, const char *form, struct svc_resp *resp)
{
	struct fc_buf sql;
	char yn[8];

	if (svc_form(form, "is_open", yn, sizeof yn) && strcmp(yn, "Y") && strcmp(yn, "N"))
		return svc_error(resp, 400, "is_open: '%s' is not Y or N", yn);
	fc_buf_init(&sql, 8192);
	fc_buf_puts(&sql, "UPDATE shop SET ");
	set_field(my, &sql, form, "name", "shop_name");
	set_field(my, &sql, form, "phone", "tel_no");
	set_field(my, &sql, form, "is_open", "open_yn");
	if (sql.len == 16) {
		fc_buf_release(&sql);
		return svc_error(resp, 400, "nothing to change (fields: name, phone, is_open)");
	}
	fc_buf_printf(&sql, " WHERE shop_id = %lld", id);
	if (mysql_query(my, sql.ptr))
		svc_error(resp, 500, "legacy database: %s", mysql_error(my));
	else
		shop_detail(my, id, resp);   /* the shop as it is now, or 404 */
	fc_buf_release(&sql);
}

static void shop_ad(MYSQL *my, long long id, struct svc_resp *resp)
{
	char sql[512], utc[32];
	MYSQL_RES *res;
	MYSQL_ROW row;

	snprintf(sql, sizeof sql,
	         "SELECT shop_id, ad_grade, DATE_FORMAT(ad_until, '%%Y-%%m-%%d %%H:%%i:%%s'), ad_budget "
	         "FROM shop WHERE shop_id = %lld", id);
	if (!(res = query(my, resp, sql)))
		return;
	if ((row = mysql_fetch_row(res))) {
		fc_buf_printf(&resp->body, "{\"shop_id\":%s,\"grade\":", row[0]);
		cdc_json_cstr(&resp->body, row[1]);
		fc_buf_puts(&resp->body, ",\"until\":");
		cdc_json_cstr(&resp->body, seoul_to_utc(row[2], utc));
		fc_buf_puts(&resp->body, ",\"budget\":");
		cdc_json_cstr(&resp->body, row[3]);
		fc_buf_putc(&resp->body, '}');
	} else {
		svc_error(resp, 404, "shop %lld not found", id);
	}
	mysql_free_result(res);
}

static void order_show(MYSQL *my, long long id, struct svc_resp *resp)
{
	char sql[512];
	MYSQL_RES *res;
	MYSQL_ROW row;

	snprintf(sql, sizeof sql, "SELECT order_id, shop_id, member_no, order_stat, total_amt "
	         "FROM orders WHERE order_id = %lld", id);
	if (!(res = query(my, resp, sql)))
		return;
	if ((row = mysql_fetch_row(res))) {
		fc_buf_printf(&resp->body, "{\"order_id\":%s,\"shop_id\":%s,\"member_no\":%s,\"status\":",
		              row[0], row[1], row[2]);
		cdc_json_cstr(&resp->body, row[3]);
		fc_buf_puts(&resp->body, ",\"total\":");
		cdc_json_cstr(&resp->body, row[4]);
		fc_buf_putc(&resp->body, '}');
	} else {
		svc_error(resp, 404, "order %lld not found", id);
	}
	mysql_free_result(res);
}

/* Places an order: one line of menu_id x qty, priced from the menu, plus
 * the shop's delivery tip, in one transaction. Order ids come from a
 * counter that starts above the table's largest id (one monolith process
 * places orders); a duplicate (someone else inserted) moves it on. */
static void order_place(MYSQL *my, const char *form, struct svc_resp *resp)
{
	char v[64], cond[64], sql[1024], addr[256] = "서울시 강남구 테헤란로 1", esc[520];
	long long shop, member, menu = -1, qty = 1, id;
	MYSQL_RES *res;
	MYSQL_ROW row;
	long long price = 0, tip = 0;

	shop = svc_id(svc_form(form, "shop_id", v, sizeof v));
	if (shop < 0)
		return svc_error(resp, 400, "shop_id: missing or not a number");
	member = svc_id(svc_form(form, "member_no", v, sizeof v));
	if (member < 0)
		return svc_error(resp, 400, "member_no: missing or not a number");
	if (svc_form(form, "menu_id", v, sizeof v) && (menu = svc_id(v)) < 0)
		return svc_error(resp, 400, "menu_id: '%s' is not a number", v);
	if (svc_form(form, "qty", v, sizeof v) && ((qty = svc_id(v)) < 1 || qty > 99))
		return svc_error(resp, 400, "qty: '%s' is not 1..99", v);
	svc_form(form, "address", addr, sizeof addr);
	mysql_real_escape_string(my, esc, addr, (unsigned long)strlen(addr));

	/* without menu_id: the shop's first menu */
	cond[0] = '\0';
	if (menu >= 0)
		snprintf(cond, sizeof cond, " AND m.menu_id = %lld", menu);
	snprintf(sql, sizeof sql, "SELECT m.menu_id, m.price, s.delivery_tip FROM menu m JOIN shop s "
	         "ON s.shop_id = m.shop_id WHERE m.shop_id = %lld%s ORDER BY m.sort_no, m.menu_id "
	         "LIMIT 1", shop, cond);
	if (!(res = query(my, resp, sql)))
		return;
	row = mysql_fetch_row(res);
	if (row) {
		menu = atoll(row[0]);
		price = atoll(row[1]);
		tip = atoll(row[2]);
	}
	mysql_free_result(res);
	if (!row)
		return svc_error(resp, 404, "shop %lld has no such menu", shop);

	for (int attempt = 0; attempt < 5; attempt++) {
		id = atomic_fetch_add(&next_order, 1);
		snprintf(sql, sizeof sql,
		         "INSERT INTO orders (order_id, shop_id, member_no, order_stat, total_amt, "
		         "order_dt, dlvr_addr) VALUES (%lld, %lld, %lld, 'placed', %lld, "
		         "CONVERT_TZ(NOW(3), '+00:00', '+09:00'), '%s')",
		         id, shop, member, price * qty + tip, esc);
		if (mysql_query(my, "START TRANSACTION") || mysql_query(my, sql)) {
			unsigned e = mysql_errno(my);
			mysql_query(my, "ROLLBACK");
			if (e == 1062) {   /* ER_DUP_ENTRY: the counter is behind */
				atomic_fetch_add(&next_order, 1000);
				continue;
			}
			return svc_error(resp, 500, "legacy database: %s", mysql_error(my));
		}
		snprintf(sql, sizeof sql, "INSERT INTO order_item (order_id, line_no, menu_id, qty, "
		         "unit_price) VALUES (%lld, 1, %lld, %lld, %lld)", id, menu, qty, price);
		if (mysql_query(my, sql) || mysql_query(my, "COMMIT")) {
			svc_error(resp, 500, "legacy database: %s", mysql_error(my));
			mysql_query(my, "ROLLBACK");
			return;
		}
		resp->status = 201;
		fc_buf_printf(&resp->body, "{\"order_id\":%lld,\"shop_id\":%lld,\"member_no\":%lld,"
		              "\"status\":\"placed\",\"total\":\"%lld\"}", id, shop, member,
		              price * qty + tip);
		return;
	}
	svc_error(resp, 409, "could not find a free order id");
}

static void handle(void *ctx, const struct svc_req *req, struct svc_resp *resp)
{
	MYSQL *my = ctx;
	int get = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
	int post = !strcmp(req->method, "POST");
	char seg[3][64];
	int n = svc_path(req->path, seg, 3);
	long long id = n >= 2 ? svc_id(seg[1]) : -1;

	if (n == 1 && !strcmp(seg[0], "health"))
		return (void)fc_buf_printf(&resp->body, "{\"ok\":%s}", my ? "true" : "false");
	if (!my)
		return svc_error(resp, 503, "legacy database unreachable");
	if (n == 1 && !strcmp(seg[0], "shops") && get)
		return shop_list(my, req->query, resp);
	if (n == 2 && !strcmp(seg[0], "shops") && id >= 0 && get)
		return shop_detail(my, id, resp);
	if (n == 2 && !strcmp(seg[0], "shops") && id >= 0 && post)
		return shop_edit(my, id, req->body, resp);
	if (n == 3 && !strcmp(seg[0], "shops") && id >= 0 && !strcmp(seg[2], "ad") && get)
		return shop_ad(my, id, resp);
	if (n == 1 && !strcmp(seg[0], "orders") && post)
		return order_place(my, req->body, resp);
	if (n == 2 && !strcmp(seg[0], "orders") && id >= 0 && get)
		return order_show(my, id, resp);
	svc_error(resp, 404, "no such endpoint: %s %s", req->method, req->path);
}

int main(int argc, char **argv)
{
	static const struct svc svc = { .name = "legacy", .thread_init = thread_init,
		                        .thread_done = thread_done, .handle = handle };
	struct fc_config cfg;
	struct fc_err err = { 0 };
	const char *listen_at;
	MYSQL *my;
	MYSQL_RES *res;
	MYSQL_ROW row;
	int rc;

	setenv("TZ", "Asia/Seoul", 1);   /* the monolith's wall clock */
	tzset();
	conn = svc_options(argc, argv, usage, FC_CONN_MYSQL, "127.0.0.1:9001", &cfg, &listen_at);
	mysql_library_init(0, NULL, NULL);
	if (!(my = fc_mysql_open(conn, &err))) {
		fprintf(stderr, "baemin-legacy: %s\n", err.msg);
		return 1;
	}
	if (mysql_query(my, "SELECT COALESCE(MAX(order_id), 0) + 1 FROM orders") ||
	    !(res = mysql_store_result(my))) {
		fprintf(stderr, "baemin-legacy: %s: %s\n", conn->name, mysql_error(my));
		mysql_close(my);
		return 1;
	}
	row = mysql_fetch_row(res);
	atomic_store(&next_order, row && row[0] ? atoll(row[0]) : 1);
	mysql_free_result(res);
	mysql_close(my);
	rc = svc_serve(&svc, listen_at);
	fc_config_release(&cfg);
	return rc ? 1 : 0;
}
