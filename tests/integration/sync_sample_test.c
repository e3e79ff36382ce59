/* tests/integration/sync_sample_test.c - proof of sync on the sample
 * domain: after `ficus sample load` and a backfill, after a workload of live
 * changes through cdc and the outbox, and after replaying every event, each
 * of the six target tables equals the legacy rows transformed per the
 * mapping files of mappings/.
 *
 * The expected rows come from MariaDB queries written here by hand from the
 * column specs of the mapping files (TRIM, empty string to NULL, CASE for
 * value maps and defaults, CONVERT_TZ for Asia/Seoul wall clocks, zero
 * dates to NULL), never from ficus's code; the target rows are rendered as
 * text by PostgreSQL. Both are compared sorted by key, line by line.
 *
 * It works on databases t_sync_sample (MariaDB and PostgreSQL) of its own,
 * with copies of the sample mappings whose `baemin.` tables are renamed. */
#include "../test.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB "t_sync_sample"

/* --- text of rows --------------------------------------------------------- */

struct text {
	char *s;
	size_t len, cap;
	long rows;
};

static void put(struct text *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		if (!t->s)
			t_fail(__FILE__, __LINE__, "out of memory");
	}
	memcpy(t->s + t->len, p, n);
	t->len += n;
	t->s[t->len] = '\0';
}

/* One value: NULL as \N; backslash, '|' and newlines escaped so that one
 * row is one line whatever the text holds (the same on both sides). */
static void put_value(struct text *t, const char *v)
{
	if (!v) {
		put(t, "\\N", 2);
		return;
	}
	for (; *v; v++) {
		if (*v == '\\')
			put(t, "\\\\", 2);
		else if (*v == '|')
			put(t, "\\|", 2);
		else if (*v == '\n')
			put(t, "\\n", 2);
		else if (*v == '\r')
			put(t, "\\r", 2);
		else
			put(t, v, 1);
	}
}

/* Every row of a MariaDB query on database DB, session time zone UTC (so
 * TIMESTAMP columns read as stored), utf8mb4. */
static struct text my_rows(const char *sql)
{
	MYSQL *my = mysql_init(NULL);
	struct text t = { 0 };
	MYSQL_RES *res;
	MYSQL_ROW row;

	put(&t, "", 0);
	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, DB,
	                        (unsigned)atoi(t_env("FICUS_MYSQL_PORT")), NULL, 0))
		t_fail(__FILE__, __LINE__, "mysql connect: %s", mysql_error(my));
	if (mysql_set_character_set(my, "utf8mb4") || mysql_query(my, "SET time_zone = '+00:00'"))
		t_fail(__FILE__, __LINE__, "mysql: %s", mysql_error(my));
	if (mysql_query(my, sql) || !(res = mysql_store_result(my)))
		t_fail(__FILE__, __LINE__, "mysql: %s\n    in: %s", mysql_error(my), sql);
	while ((row = mysql_fetch_row(res))) {
		for (unsigned i = 0; i < mysql_num_fields(res); i++) {
			if (i)
				put(&t, "|", 1);
			put_value(&t, row[i]);
		}
		put(&t, "\n", 1);
		t.rows++;
	}
	mysql_free_result(res);
	mysql_close(my);
	return t;
}

/* Every row of a PostgreSQL query on database DB. */
static struct text pg_rows(const char *sql)
{
	PGconn *pg = PQconnectdb(t_pg_dsn(DB));
	struct text t = { 0 };
	PGresult *r;

	put(&t, "", 0);
	if (PQstatus(pg) != CONNECTION_OK)
		t_fail(__FILE__, __LINE__, "postgres connect: %s", PQerrorMessage(pg));
	PQsetClientEncoding(pg, "UTF8");
	r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		t_fail(__FILE__, __LINE__, "postgres: %s    in: %s", PQresultErrorMessage(r), sql);
	for (int i = 0; i < PQntuples(r); i++) {
		for (int c = 0; c < PQnfields(r); c++) {
			if (c)
				put(&t, "|", 1);
			put_value(&t, PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c));
		}
		put(&t, "\n", 1);
		t.rows++;
	}
	PQclear(r);
	PQfinish(pg);
	return t;
}

/* --- the expectation, from the mapping files ------------------------------- *
 *
 * Written from mappings/shop.yaml, ad.yaml and order.yaml:
 *   plain column            copied (DECIMAL, ENUM labels, integers as text)
 *   null_if: [""]           the empty string (exactly: no collation padding,
 *                           so '  ' stays '  ' where there is no trim) is NULL
 *   trim: true              leading and trailing spaces go, before null_if
 *   map + default ~         CASE on the exact bytes, else NULL
 *   map Y/N, type boolean   'true' / 'false' (PostgreSQL's boolean as text)
 *   timezone: Asia/Seoul    the wall clock minus 9 hours (Korea has had no
 *                           DST since 1988); zero dates are NULL
 *   TIMESTAMP upd_dt        the instant as stored (read in UTC)
 *   legacy_memo (euckr)     the same text in UTF-8
 * Instants are rendered in UTC with microseconds on both sides. */

/* null_if: [""] */
#define NE(x) "IF(LENGTH(" x ") = 0, NULL, " x ")"
/* timezone: Asia/Seoul, zero dates NULL */
#define SEOUL(x)                                                               \
	"IF(CAST(" x " AS CHAR) LIKE '0000-00-00%', NULL, DATE_FORMAT(CONVERT_TZ(" x \
	", '+09:00', '+00:00'), '%Y-%m-%d %H:%i:%s.%f'))"
/* a TIMESTAMP: the session is in UTC */
#define UTC(x) "DATE_FORMAT(" x ", '%Y-%m-%d %H:%i:%s.%f')"
/* map { "Y": "true", "N": "false" }, type boolean */
#define YN(x) "CASE BINARY " x " WHEN 'Y' THEN 'true' WHEN 'N' THEN 'false' ELSE " x " END"

/* the target's instants, in UTC */
#define PG_UTC(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"

struct table {
	const char *name;        /* the target table */
	const char *legacy;      /* MariaDB: the expected rows, by key */
	const char *target;      /* PostgreSQL: the rows, by key */
};

static const struct table tables[] = {
	{ "shop.shops",
	  "SELECT shop_id, shop_name, " NE("owner_nm") ", " NE("TRIM(tel_no)") ", addr, "
	  NE("addr_dtl") ","
	  " CASE BINARY cat_cd WHEN '01' THEN 'chicken' WHEN '02' THEN 'pizza'"
	  " WHEN '03' THEN 'korean' WHEN '04' THEN 'chinese' WHEN '05' THEN 'japanese'"
	  " WHEN '06' THEN 'burger' WHEN '07' THEN 'cafe' WHEN '08' THEN 'night' ELSE NULL END,"
	  " shop_type, rating, review_cnt, min_order_amt, delivery_tip, " SEOUL("open_dt") ", "
	  YN("open_yn") ", " NE("CONVERT(legacy_memo USING utf8mb4)")
	  " FROM shop ORDER BY shop_id",
	  "SELECT id, name, owner, phone, address, address_detail, category, kind, rating,"
	  " review_count, min_order, delivery_tip, " PG_UTC("opened_at") ", is_open::text, memo"
	  " FROM shop.shops ORDER BY id" },
	{ "shop.menus",
	  "SELECT menu_id, shop_id, menu_nm, price, " YN("sold_out_yn") ", sort_no, "
	  NE("menu_desc") ", " UTC("upd_dt") " FROM menu ORDER BY menu_id",
	  "SELECT id, shop_id, name, price, sold_out::text, sort_no, description, "
	  PG_UTC("updated_at") " FROM shop.menus ORDER BY id" },
	{ "shop.reviews",
	  "SELECT review_id, shop_id, order_id, member_no, star, content, " YN("photo_yn") ", "
	  SEOUL("reg_dt") ", " UTC("upd_dt") " FROM review ORDER BY review_id",
	  "SELECT id, shop_id, order_id, member_no, stars, content, has_photo::text, "
	  PG_UTC("created_at") ", " PG_UTC("updated_at") " FROM shop.reviews ORDER BY id" },
	{ "ad.shop_ads",
	  "SELECT shop_id, ad_grade, " SEOUL("ad_until") ", ad_budget"
	  " FROM shop ORDER BY shop_id",
	  "SELECT shop_id, grade, " PG_UTC("until") ", budget"
	  " FROM ad.shop_ads ORDER BY shop_id" },
	{ "ordering.orders",
	  "SELECT order_id, shop_id, member_no, order_stat, total_amt, " SEOUL("order_dt") ", "
	  "dlvr_addr, " NE("req_memo") ", " UTC("upd_dt") " FROM orders ORDER BY order_id",
	  "SELECT id, shop_id, member_no, status, total, " PG_UTC("ordered_at") ", address, memo, "
	  PG_UTC("updated_at") " FROM ordering.orders ORDER BY id" },
	{ "ordering.order_items",
	  "SELECT order_id, line_no, menu_id, qty, unit_price, " NE("opt_txt") ", " UTC("upd_dt")
	  " FROM order_item ORDER BY order_id, line_no",
	  "SELECT order_id, line_no, menu_id, qty, unit_price, options, " PG_UTC("updated_at")
	  " FROM ordering.order_items ORDER BY order_id, line_no" },
};

#define NTABLES (sizeof tables / sizeof tables[0])

/* The first line where a and b differ (1-based), 0 when equal; *la, *lb
 * point at that line of each (or at "" past the end), *na, *nb its length. */
static long first_difference(const char *a, const char *b, const char **la, size_t *na,
                             const char **lb, size_t *nb)
{
	long line = 1;
	while (*a || *b) {
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		size_t n = ea ? (size_t)(ea - a) : strlen(a), m = eb ? (size_t)(eb - b) : strlen(b);
		if (n != m || memcmp(a, b, n) || !*a != !*b) {
			*la = a;
			*na = n;
			*lb = b;
			*nb = m;
			return line;
		}
		a += n + (ea ? 1 : 0);
		b += m + (eb ? 1 : 0);
		line++;
	}
	return 0;
}

/* Compares the six tables; fails with the first differing line of each
 * table that differs. counts[i] gets the rows compared. */
static void same(const char *when, long counts[NTABLES])
{
	char report[16384];
	size_t r = 0;
	int bad = 0;

	report[0] = '\0';
	for (size_t i = 0; i < NTABLES; i++) {
		struct text want = my_rows(tables[i].legacy), got = pg_rows(tables[i].target);
		const char *la, *lb;
		size_t na, nb;
		long line = first_difference(want.s, got.s, &la, &na, &lb, &nb);

		if (line) {
			bad++;
			r += (size_t)snprintf(report + r, sizeof report - (r < sizeof report ? r : sizeof report),
			                      "\n  %s: %ld expected rows, %ld in the target; first "
			                      "difference at line %ld:\n    expected: %.*s\n    target:   %.*s",
			                      tables[i].name, want.rows, got.rows, line,
			                      (int)(na > 600 ? 600 : na), *la ? la : "(no more rows)",
			                      (int)(nb > 600 ? 600 : nb), *lb ? lb : "(no more rows)");
			if (r >= sizeof report)
				r = sizeof report - 1;
		} else {
			printf("%s: %s: %ld rows equal\n", when, tables[i].name, want.rows);
			if (want.rows == 0)
				t_fail(__FILE__, __LINE__, "%s: %s: no rows at all: nothing was compared",
				       when, tables[i].name);
		}
		if (counts)
			counts[i] = want.rows;
		free(want.s);
		free(got.s);
	}
	fflush(stdout);
	if (bad)
		t_fail(__FILE__, __LINE__, "%s: %d of %zu target tables differ from the legacy rows "
		       "transformed per mapping:%s", when, bad, NTABLES, report);
}

static void legacy(const char *sql)
{
	static char text[32768];
	if ((size_t)snprintf(text, sizeof text, "USE " DB "; SET time_zone = '+00:00'; %s", sql) >= sizeof text)
		t_fail(__FILE__, __LINE__, "workload too long");
	t_mysql(text);
}

static void ficus_ok(const char *cfg, const char *args, const char *wanted)
{
	char *out;
	int rc = t_run(&out, "%s %s --config %s", t_env("FICUS_BIN"), args, cfg);
	if (rc != 0)
		t_fail(__FILE__, __LINE__, "ficus %s exited %d:\n%s", args, rc, out);
	if (wanted)
		ASSERT_CONTAINS(out, wanted);
	free(out);
}

TEST_TIMEOUT(sample_read_models_equal_legacy_transformed_per_mapping, 180)
{
	const char *dir = t_tmpdir(), *root = t_env("FICUS_ROOT");
	char text[2048], *out;
	const char *cfg;
	long n[NTABLES];

	/* databases of our own, and the sample mappings pointed at them */
	t_mysql("DROP DATABASE IF EXISTS " DB);
	t_pg(NULL, "DROP DATABASE IF EXISTS " DB);
	t_pg(NULL, "CREATE DATABASE " DB);
	ASSERT_EQ(t_run(&out, "mkdir -p %s/mappings && for f in %s/mappings/*.yaml; do "
	                "sed 's/baemin\\./" DB "./g' \"$f\" > %s/mappings/$(basename \"$f\") || exit 1; "
	                "done && grep -c 'table: " DB "\\.' %s/mappings/*.yaml && "
	                "! grep -n 'baemin\\.' %s/mappings/*.yaml", dir, root, dir, dir, dir), 0);
	free(out);
	snprintf(text, sizeof text, "connections:\n  legacy: { kind: mysql, dsn: \"%s\" }\n",
	         t_mysql_dsn(DB));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n"
	         "mappings: mappings\n"
	         "cdc: { source: legacy, server_id: 7373, sink: { kind: outbox, connection: newdb } }\n"
	         "sync: { source: legacy, target: newdb, bus: outbox }\n", t_pg_dsn(DB));
	cfg = t_write(dir, "ficus.yaml", text);

	/* 1. the sample, both sides */
	ficus_ok(cfg, "sample init --force", "dropped and re-created database `" DB "`");
	ficus_ok(cfg, "sample load --rows 300", "loading 300 shops");

	/* 2. cdc records where it starts; then the backfill */
	ficus_ok(cfg, "cdc stream --until-end", NULL);
	ficus_ok(cfg, "sync --backfill", "backfill");
	same("after the backfill", n);
	printf("rows compared after the backfill: shops %ld, menus %ld, reviews %ld, shop_ads %ld, "
	       "orders %ld, order_items %ld\n", n[0], n[1], n[2], n[3], n[4], n[5]);

	/* 3. a workload on the legacy side. New orders get ids like a
	 * production's (900001: beyond smallint), and order_item's composite
	 * key (order_id, line_no) is updated, deleted and moved. */
	legacy(/* shops: several columns at once, the quirks: stray spaces,
	        * blanks, an undocumented category code, a closed shop */
	       "UPDATE shop SET shop_name = CONCAT(shop_name, ' 본점'), owner_nm = '',"
	       " tel_no = '  010-1111-2222 ', addr_dtl = NULL, cat_cd = '00', open_yn = 'N',"
	       " legacy_memo = '메모 수정함', rating = 3.75, review_cnt = review_cnt + 1"
	       " WHERE shop_id = 1;"
	       "UPDATE shop SET tel_no = '   ', owner_nm = ' 김철수 ', addr_dtl = '  ' WHERE shop_id = 2;"
	       "UPDATE shop SET tel_no = '', legacy_memo = '', addr_dtl = '' WHERE shop_id = 3;"
	       "UPDATE shop SET tel_no = ' 02-555-0000', legacy_memo = NULL, cat_cd = '08',"
	       " open_dt = '2024-02-29 08:59:59', shop_type = 'both', min_order_amt = 0,"
	       " delivery_tip = 4500 WHERE shop_id = 4;"
	       "UPDATE shop SET tel_no = '0507-1234-5678\t', open_yn = 'Y', cat_cd = '07' WHERE shop_id = 5;"
	       /* a key change: shop 7 becomes 100007 (both entities move) */
	       "UPDATE shop SET shop_id = 100007 WHERE shop_id = 7;"
	       /* ad columns only: watch raises ad.changed, not shop.changed
	        * (upd_dt moves too, which is why neither half maps it) */
	       "UPDATE shop SET ad_grade = 'ultra', ad_budget = 176000, ad_until = '2025-01-01 00:00:00'"
	       " WHERE shop_id = 8;"
	       "UPDATE shop SET ad_until = NULL, ad_grade = 'none', ad_budget = 0 WHERE shop_id = 9;"
	       /* both halves at once */
	       "UPDATE shop SET shop_name = '새이름 치킨', ad_grade = 'basic',"
	       " ad_until = '2024-12-31 23:59:59' WHERE shop_id = 10;"
	       /* menus: deletes, several columns, NULL and '' descriptions, emoji */
	       "DELETE FROM menu WHERE shop_id = 11;"
	       "UPDATE menu SET price = price + 500, sold_out_yn = 'Y', menu_desc = '' WHERE shop_id = 12;"
	       "UPDATE menu SET menu_nm = '떡볶이 🌶️', menu_desc = NULL, sort_no = -1 WHERE shop_id = 13;"
	       "UPDATE menu SET menu_desc = ' 매운맛 | 순한맛 ', sold_out_yn = 'N' WHERE shop_id = 14;"
	       "INSERT INTO menu (menu_id, shop_id, menu_nm, price, sold_out_yn, sort_no, menu_desc)"
	       " VALUES (900001, 15, '신메뉴 🍗', 19000, 'N', 9, ''),"
	       " (900002, 15, '세트', 25000, 'Y', 10, '콜라 포함');"
	       /* reviews: deletes and an edit */
	       "DELETE FROM review WHERE shop_id IN (16, 17);"
	       "DELETE FROM review ORDER BY review_id DESC LIMIT 2;"
	       "UPDATE review SET star = 1, content = '별로예요 😞\n다시는 안 시켜요', photo_yn = 'Y',"
	       " reg_dt = '2024-01-01 05:00:00' ORDER BY review_id LIMIT 1;"
	       /* orders: new ones with their lines, in transactions */
	       "BEGIN;"
	       "INSERT INTO orders (order_id, shop_id, member_no, order_stat, total_amt, order_dt,"
	       " dlvr_addr, req_memo) VALUES (900001, 20, 4242, 'placed', 28000,"
	       " '2025-01-01 08:59:59.999', '서울특별시 강남구 테헤란로 1', '');"
	       "INSERT INTO order_item (order_id, line_no, menu_id, qty, unit_price, opt_txt) VALUES"
	       " (900001, 1, 1, 2, 10000, '곱빼기'), (900001, 2, 2, 1, 5000, ''),"
	       " (900001, 3, 3, 1, 3000, NULL);"
	       "COMMIT;"
	       "BEGIN;"
	       "INSERT INTO orders (order_id, shop_id, member_no, order_stat, total_amt, order_dt,"
	       " dlvr_addr, req_memo) VALUES (900002, 21, 4243, 'accepted', 15000,"
	       " '2024-06-15 00:00:00.001', '서울특별시 마포구 1', NULL),"
	       " (900003, 21, 4244, 'delivered', 65535, '2024-06-15 12:30:00.500',"
	       " '서울', '문 앞에 놔주세요 🙏 ');"
	       "INSERT INTO order_item (order_id, line_no, menu_id, qty, unit_price, opt_txt) VALUES"
	       " (900002, 1, 5, 65535, 1, ' '), (900003, 1, 6, 1, 65535, '맵게 🔥');"
	       "COMMIT;"
	       /* orders: status and memo changes, a cancelled order's lines edited */
	       "UPDATE orders SET order_stat = 'cancelled', req_memo = '취소 요청 🙏' WHERE order_id = 1;"
	       "UPDATE orders SET req_memo = '', total_amt = total_amt + 1000 WHERE order_id = 3;"
	       "UPDATE order_item SET qty = qty + 1, opt_txt = '' WHERE order_id = 3;"
	       /* a whole order gone, and a line moved to another line number */
	       "DELETE FROM order_item WHERE order_id = 4; DELETE FROM orders WHERE order_id = 4;"
	       "UPDATE order_item SET line_no = 9 WHERE order_id = 5 AND line_no = 1;"
	       /* zero dates, as the monolith's non-strict mode let them in */
	       "SET SESSION sql_mode = '';"
	       "UPDATE shop SET open_dt = '0000-00-00 00:00:00' WHERE shop_id = 6;"
	       "UPDATE shop SET ad_until = '0000-00-00 00:00:00' WHERE shop_id = 12;"
	       "UPDATE review SET reg_dt = '0000-00-00 00:00:00' ORDER BY review_id DESC LIMIT 1;");
	ficus_ok(cfg, "cdc stream --until-end", NULL);
	ficus_ok(cfg, "sync --once", "events applied");
	same("after the workload", n);
	printf("rows compared after the workload: shops %ld, menus %ld, reviews %ld, shop_ads %ld, "
	       "orders %ld, order_items %ld\n", n[0], n[1], n[2], n[3], n[4], n[5]);

	/* 4. every event again, from the start: the same state */
	t_pg(DB, "UPDATE ficus.consumers SET seq = 0 WHERE name = 'sync'");
	ficus_ok(cfg, "sync --once", "events applied");
	same("after replaying every event", n);
	printf("rows compared after the replay: shops %ld, menus %ld, reviews %ld, shop_ads %ld, "
	       "orders %ld, order_items %ld\n", n[0], n[1], n[2], n[3], n[4], n[5]);
}
