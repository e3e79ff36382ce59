/* tests/integration/mappings_check_test.c - `ficus mappings check` against
 * real MariaDB and PostgreSQL schemas made here (databases t_mapcheck). */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static void schemas(void)
{
	t_mysql("DROP DATABASE IF EXISTS t_mapcheck; CREATE DATABASE t_mapcheck;"
	        "CREATE TABLE t_mapcheck.shop ("
	        " shop_id INT UNSIGNED PRIMARY KEY, shop_name VARCHAR(100) NOT NULL,"
	        " tel_no VARCHAR(20), rating DECIMAL(3,2), open_dt DATETIME,"
	        " reg_dt TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
	        " cat_cd CHAR(2) NOT NULL, kind ENUM('delivery','takeout','both') NOT NULL,"
	        " open_yn CHAR(1) NOT NULL DEFAULT 'Y', memo VARCHAR(200) CHARACTER SET euckr,"
	        " budget DECIMAL(12,0))");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_mapcheck");
	t_pg(NULL, "CREATE DATABASE t_mapcheck");
	t_pg("t_mapcheck",
	     "CREATE SCHEMA shop;"
	     "CREATE TABLE shop.shops (id bigint PRIMARY KEY, name text NOT NULL, phone text,"
	     " rating numeric(3,2), opened_at timestamptz, created_at timestamptz(3),"
	     " category text, kind text, is_open boolean, memo text, budget numeric(12,0));"
	     "CREATE TABLE shop.nokey (id bigint, name text, score integer NOT NULL,"
	     " extra text NOT NULL)");
}

static const char *config(const char *mapping)
{
	const char *dir = t_tmpdir();
	char text[2048], sub[600];
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "shop.yaml", mapping);
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"%s\" }\n",
	         t_mysql_dsn("t_mapcheck"));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n"
	         "mappings: mappings\n"
	         "sync: { source: legacy, target: newdb }\n",
	         t_pg_dsn("t_mapcheck"));
	return t_write(dir, "ficus.yaml", text);
}

static const char clean_mapping[] =
	"entities:\n"
	"  shop:\n"
	"    from: { table: shop, key: [shop_id] }\n"
	"    to:   { table: shop.shops, key: [id] }\n"
	"    columns:\n"
	"      id: shop_id\n"
	"      name: shop_name\n"
	"      phone: { from: tel_no, trim: true, null_if: [\"\"] }\n"
	"      rating: rating\n"
	"      opened_at: { from: open_dt, timezone: Asia/Seoul }\n"
	"      created_at: reg_dt\n"
	"      category: { from: cat_cd, map: { \"01\": chicken, \"02\": pizza } }\n"
	"      kind: kind\n"
	"      is_open: { from: open_yn, map: { Y: \"true\", N: \"false\" }, default: \"false\" }\n"
	"      memo: memo\n"
	"      budget: budget\n";

TEST_TIMEOUT(clean_mapping_exits_0, 60)
{
	char *out;
	schemas();
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s", t_env("FICUS_BIN"),
	                config(clean_mapping)), 0);
	ASSERT_CONTAINS(out, "shop: shop -> shop.shops");
	ASSERT_CONTAINS(out, "11 of 11 columns ok");
	ASSERT_CONTAINS(out, "1 entity checked: 1 clean, 0 with problems; 0 problems, 0 warnings");
	free(out);
}

static const char bad_mapping[] =
	"entities:\n"
	"  shop:\n"
	"    from: { table: shop, key: [shop_id], watch: [ad_grade] }\n"
	"    to:   { table: shop.nokey, key: [id] }\n"
	"    columns:\n"
	"      id: shop_id\n"
	"      name: shop_nm\n"
	"      score: rating\n"
	"      ghost: open_dt\n"
	"  times:\n"
	"    from: { table: shop, key: [shop_id] }\n"
	"    to:   { table: shop.shops, key: [id] }\n"
	"    columns:\n"
	"      id: shop_id\n"
	"      name: tel_no\n"
	"      opened_at: open_dt\n"
	"      is_open: { from: open_yn, map: { Y: \"yes please\" } }\n"
	"      kind: { from: kind, map: { delivery: d } }\n"
	"  gone:\n"
	"    from: { table: nosuch, key: [id] }\n"
	"    to:   { table: shop.shops, key: [id] }\n"
	"    columns: { id: id }\n";

TEST_TIMEOUT(problems_exit_1_and_name_the_line, 60)
{
	char *out;
	schemas();
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s", t_env("FICUS_BIN"),
	                config(bad_mapping)), 1);
	/* missing columns, with a suggestion */
	ASSERT_CONTAINS(out, "mappings/shop.yaml:7:7: legacy table t_mapcheck.shop has no column "
	                "'shop_nm' (did you mean 'shop_name'?)");
	ASSERT_CONTAINS(out, "mappings/shop.yaml:9:7: target table shop.nokey has no column 'ghost'");
	ASSERT_CONTAINS(out, "legacy table t_mapcheck.shop has no column 'ad_grade'");
	/* DECIMAL(3,2) into integer */
	ASSERT_CONTAINS(out, "mappings/shop.yaml:8:7: score <- rating: decimal(3,2) has 2 "
	                "decimals that integer would drop");
	/* no unique key on the target, NOT NULL unfilled */
	ASSERT_CONTAINS(out, "target key (id) of shop.nokey needs a primary key or unique index");
	ASSERT_CONTAINS(out, "target column shop.nokey.extra is NOT NULL without a default");
	/* a DATETIME into timestamptz without a zone; a nullable legacy column into NOT NULL */
	ASSERT_CONTAINS(out, "mappings/shop.yaml:16:7: opened_at <- open_dt: datetime is a wall "
	                "clock without zone: add 'timezone:'");
	ASSERT_CONTAINS(out, "mappings/shop.yaml:15:7: name <- tel_no: the legacy value can be "
	                "NULL, but target column name is NOT NULL");
	/* value maps checked against the target type and the legacy ENUM labels */
	ASSERT_CONTAINS(out, "is_open <- open_yn: mapped value 'yes please' does not fit boolean");
	ASSERT_CONTAINS(out, "is_open <- open_yn: values missing from 'map' pass through");
	ASSERT(strstr(out, "legacy label 'takeout' is not in 'map'") == NULL); /* text takes it */
	/* a table that does not exist */
	ASSERT_CONTAINS(out, "mappings/shop.yaml:19:3: legacy table nosuch does not exist");
	ASSERT_CONTAINS(out, "3 entities checked: 0 clean, 3 with problems");
	free(out);
}

TEST_TIMEOUT(only_named_entities, 60)
{
	char *out;
	schemas();
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s gone", t_env("FICUS_BIN"),
	                config(bad_mapping)), 1);
	ASSERT_CONTAINS(out, "1 entity checked");
	free(out);
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s nosuchentity", t_env("FICUS_BIN"),
	                config(bad_mapping)), 2);
	ASSERT_CONTAINS(out, "no entity 'nosuchentity' in the mappings");
	free(out);
}

TEST_TIMEOUT(errors_exit_2_without_secrets, 60)
{
	char *out;
	const char *dir = t_tmpdir();
	char text[1024];
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"mysql://root:${T_SECRET}@127.0.0.1:1/x\" }\n"
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n"
	         "mappings: %s/mappings\n"
	         "sync: { source: legacy, target: newdb }\n",
	         t_pg_dsn("postgres"), t_env("FICUS_ROOT"));
	ASSERT_EQ(t_run(&out, "T_SECRET=hunter2 %s mappings check --config %s", t_env("FICUS_BIN"),
	                t_write(dir, "f.yaml", text)), 2);
	ASSERT_CONTAINS(out, "connection 'legacy' (mysql://root:***@127.0.0.1:1/x): Can't connect");
	ASSERT_NOT_CONTAINS(out, "hunter2");
	free(out);
	/* a broken mapping is an error, not a finding */
	ASSERT_EQ(t_run(&out, "%s mappings check --config %s", t_env("FICUS_BIN"),
	                config("entities:\n  shop:\n    from: { table: shop, key: [shop_id] }\n"
	                       "    to: { table: shop.shops, key: [id] }\n    colums: {}\n")), 2);
	ASSERT_CONTAINS(out, "mappings/shop.yaml:5:5: unknown key 'colums'");
	free(out);
	/* no config at all */
	ASSERT_EQ(t_run(&out, "mkdir -p %s/empty && cd %s/empty && FICUS_CONFIG= %s mappings check",
	                dir, dir, t_env("FICUS_BIN")), 2);
	ASSERT_CONTAINS(out, "ficus.yaml: cannot open: No such file or directory");
	free(out);
}
