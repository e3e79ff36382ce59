/* tests/integration/cdc_types_test.c - every column type, decoded by ficus
 * and by mariadb-binlog from the same binlog of the sandbox's MariaDB, and
 * compared value by value (the oracle in tests/binlog_oracle.c; column
 * facts from information_schema, not from ficus). */
#include "../binlog_oracle.h"
#include "../test.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MYSQL *my_connect(void)
{
	MYSQL *my = mysql_init(NULL);
	if (!mysql_real_connect(my, "127.0.0.1", "root", NULL, NULL,
	                        (unsigned)atoi(t_env("FICUS_MYSQL_PORT")), NULL, CLIENT_MULTI_STATEMENTS))
		t_fail(__FILE__, __LINE__, "mysql: %s", mysql_error(my));
	mysql_set_character_set(my, "utf8mb4");
	return my;
}

static void run(MYSQL *my, const char *sql)
{
	if (mysql_query(my, sql))
		t_fail(__FILE__, __LINE__, "mysql: %s\n    in: %.300s", mysql_error(my), sql);
	do {
		MYSQL_RES *r = mysql_store_result(my);
		if (r)
			mysql_free_result(r);
	} while (mysql_next_result(my) == 0);
	if (mysql_errno(my))
		t_fail(__FILE__, __LINE__, "mysql: %s\n    in: %.300s", mysql_error(my), sql);
}

/* Column facts from information_schema, for the oracle. */
static void describe(MYSQL *my, const char *db, const char *table, struct or_table *t)
{
	char sql[512];
	MYSQL_RES *r;
	MYSQL_ROW row;
	memset(t, 0, sizeof *t);
	t->db = strdup(db);
	t->name = strdup(table);
	snprintf(sql, sizeof sql,
	         "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, DATA_TYPE FROM "
	         "information_schema.COLUMNS WHERE TABLE_SCHEMA='%s' AND TABLE_NAME='%s' "
	         "ORDER BY ORDINAL_POSITION", db, table);
	if (mysql_query(my, sql) || !(r = mysql_store_result(my)))
		t_fail(__FILE__, __LINE__, "mysql: %s", mysql_error(my));
	while ((row = mysql_fetch_row(r)) && t->ncols < 64) {
		struct or_col *c = &t->cols[t->ncols++];
		const char *dt = row[3];
		c->name = strdup(row[0]);
		c->is_unsigned = strstr(row[1], "unsigned") != NULL;
		c->charset = row[2] ? strdup(row[2]) : NULL;
		if (!strcmp(dt, "binary") || !strcmp(dt, "varbinary") || strstr(dt, "blob")) {
			free((char *)c->charset);
			c->charset = "binary";
		}
		if (!strncmp(row[1], "enum(", 5) || !strncmp(row[1], "set(", 4)) {
			const char *p = strchr(row[1], '\'');
			while (p && c->nlabels < 16) {
				const char *q = strchr(p + 1, '\'');
				c->labels[c->nlabels++] = strndup(p + 1, (size_t)(q - p - 1));
				p = strchr(q + 1, '\'');
			}
		}
	}
	mysql_free_result(r);
}

static void undescribe(struct or_table *t)
{
	free((char *)t->db);
	free((char *)t->name);
	for (size_t i = 0; i < t->ncols; i++) {
		struct or_col *c = &t->cols[i];
		free((char *)c->name);
		if (c->charset && strcmp(c->charset, "binary") != 0)
			free((char *)c->charset);
		for (size_t k = 0; k < c->nlabels; k++)
			free((char *)c->labels[k]);
	}
}

static const char table_sql[] =
	"CREATE TABLE t_cdc_types.all_types ("
	" id INT PRIMARY KEY,"
	" i8 TINYINT, u8 TINYINT UNSIGNED, i16 SMALLINT, u16 SMALLINT UNSIGNED,"
	" i24 MEDIUMINT, u24 MEDIUMINT UNSIGNED, i32 INT, u32 INT UNSIGNED,"
	" i64 BIGINT, u64 BIGINT UNSIGNED,"
	" d1 DECIMAL(10,2), d2 DECIMAL(30,10), d3 DECIMAL(5,0), d4 DECIMAL(65,30),"
	" f FLOAT, db DOUBLE, b1 BIT(1), b64 BIT(64), y YEAR, dt DATE,"
	" t0 TIME, t2 TIME(2), t6 TIME(6),"
	" dt0 DATETIME, dt3 DATETIME(3), dt6 DATETIME(6),"
	" ts0 TIMESTAMP NULL, ts3 TIMESTAMP(3) NULL, ts6 TIMESTAMP(6) NULL,"
	" c CHAR(10), vc VARCHAR(300), v3 VARCHAR(20) CHARACTER SET utf8mb3,"
	" l1 VARCHAR(20) CHARACTER SET latin1, ek VARCHAR(20) CHARACTER SET euckr, tx TEXT,"
	" bn BINARY(4), vb VARBINARY(10), bl BLOB, lb LONGBLOB,"
	" e ENUM('a','b','c'), s SET('x','y','z'), j JSON, g GEOMETRY)";

static const char rows_sql[] =
	/* minimum values */
	"INSERT INTO t_cdc_types.all_types VALUES (1, -128, 0, -32768, 0, -8388608, 0,"
	" -2147483648, 0, -9223372036854775808, 0, -99999999.99, -99999999999999999999.9999999999,"
	" -99999, -99999999999999999999999999999999999.999999999999999999999999999999,"
	" -3.40282e38, -1.7976931348623157e308, b'0', b'0', 1901, '1000-01-01',"
	" '-838:59:59', '-838:59:58.99', '-838:59:58.999999',"
	" '1000-01-01 00:00:00', '1000-01-01 00:00:00.000', '1000-01-01 00:00:00.000000',"
	" '1970-01-01 00:00:01', '1970-01-01 00:00:01.001', '1970-01-01 00:00:01.000001',"
	" '', '', '', '', '', '', x'00000000', x'', x'', x'', '', '', '[]', ST_GeomFromText('POINT(0 0)'));"
	/* maximum values */
	"INSERT INTO t_cdc_types.all_types VALUES (2, 127, 255, 32767, 65535, 8388607, 16777215,"
	" 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 99999999.99,"
	" 99999999999999999999.9999999999, 99999,"
	" 99999999999999999999999999999999999.999999999999999999999999999999,"
	" 3.40282e38, 1.7976931348623157e308, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',"
	" 2155, '9999-12-31', '838:59:59', '838:59:59.00', '838:59:59.000000',"
	" '9999-12-31 23:59:59', '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.999999',"
	" '2038-01-19 03:14:07', '2038-01-19 03:14:07.999', '2038-01-19 03:14:07.999999',"
	" 'abcdefghij', REPEAT('가', 300), 'héllo wörld', 'café crème', '한국어 테스트', REPEAT('x', 1000),"
	" x'ffffffff', x'00ff00ff00ff00ff00ff', x'deadbeef00', REPEAT(x'00ff', 40000), 'c', 'x,y,z',"
	" '{\"k\": [1, 2.5, \"s\", null, true], \"o\": {\"n\": -1}}', ST_GeomFromText('LINESTRING(0 0, 1 1, 2 2)'));"
	/* NULL everywhere */
	"INSERT INTO t_cdc_types.all_types (id) VALUES (3);"
	/* edge values: negative fractions, 4-byte UTF-8, escapes, zero dates */
	"INSERT INTO t_cdc_types.all_types VALUES (4, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -0.01,"
	" -0.0000000001, 0, 0.000000000000000000000000000001, 1.1, 0.1, b'1', 5, 0, '0000-00-00',"
	" '-00:00:01', '-01:02:03.5', '-00:00:00.000001', '0000-00-00 00:00:00',"
	" '2024-02-29 12:34:56.789', '2024-02-29 23:59:59.000001', NULL, '2000-01-01 00:00:00.5',"
	" '2000-06-15 12:00:00.123456', 'a\\'b\"c', 'emoji 😀🎉 \\\\ \\t tab\\nnl', 'ünïcödé',"
	" 'Ångström', '가나다라', 'quote \" and \\\\', x'0a0d09', x'27', x'5c', x'00', 'a', '',"
	" '\"just a string\"', ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))'));";

TEST_TIMEOUT(every_type_matches_mariadb_binlog, 120)
{
	MYSQL *my = my_connect();
	struct or_table t;
	char *file, *ours, *theirs, why[4096];
	const char *dir = t_env("FICUS_BINLOG_DIR");
	size_t changes, cells;

	run(my, "SET SESSION sql_mode = ''; SET SESSION time_zone = '+00:00';"
	        "DROP DATABASE IF EXISTS t_cdc_types; CREATE DATABASE t_cdc_types;");
	run(my, table_sql);
	run(my, "FLUSH BINARY LOGS");
	{
		MYSQL_RES *r;
		MYSQL_ROW row;
		if (mysql_query(my, "SHOW MASTER STATUS") || !(r = mysql_store_result(my)) ||
		    !(row = mysql_fetch_row(r)))
			t_fail(__FILE__, __LINE__, "SHOW MASTER STATUS: %s", mysql_error(my));
		file = strdup(row[0]);
		mysql_free_result(r);
	}
	run(my, rows_sql);
	/* updates that touch every kind of value, then deletes */
	run(my, "UPDATE t_cdc_types.all_types SET vc = CONCAT(vc, '!'), i8 = i8 DIV 2, ts3 = NULL,"
	        " e = 'b', s = 'y', j = '{\"u\": 1}' WHERE id IN (2, 4)");
	run(my, "UPDATE t_cdc_types.all_types SET tx = 'now set', d1 = 1.5 WHERE id = 3");
	/* MINIMAL row images: only the changed and key columns are present */
	run(my, "SET SESSION binlog_row_image = MINIMAL;"
	        "UPDATE t_cdc_types.all_types SET u8 = 7 WHERE id = 1;"
	        "DELETE FROM t_cdc_types.all_types WHERE id = 4;"
	        "SET SESSION binlog_row_image = FULL");
	/* MariaDB's compressed row events */
	run(my, "SET GLOBAL log_bin_compress = ON; SET GLOBAL log_bin_compress_min_len = 10");
	run(my, "INSERT INTO t_cdc_types.all_types (id, vc, bl) VALUES (5, REPEAT('compress me ', 50), "
	        "REPEAT(x'0102', 500));"
	        "UPDATE t_cdc_types.all_types SET vc = 'smaller' WHERE id = 5;");
	run(my, "SET GLOBAL log_bin_compress = OFF");
	run(my, "DELETE FROM t_cdc_types.all_types WHERE id IN (1, 5)");
	run(my, "FLUSH BINARY LOGS");
	describe(my, "t_cdc_types", "all_types", &t);
	mysql_close(my);

	ASSERT_EQ(t_run(&ours, "%s cdc read --all-tables %s/%s", t_env("FICUS_BIN"), dir, file), 0);
	ASSERT_EQ(t_run(&theirs, "TZ=UTC mariadb-binlog --base64-output=decode-rows -vv %s/%s", dir,
	                file), 0);
	if (or_compare(theirs, ours, "t_cdc_types", &t, 1, &changes, &cells, why, sizeof why))
		t_fail(__FILE__, __LINE__, "ficus and mariadb-binlog differ: %s", why);
	printf("file: %zu row changes, %zu values compared\n", changes, cells);
	/* the same binlog through the replication stream decodes the same */
	{
		char *streamed;
		size_t sc, scells;
		ASSERT_EQ(t_run(&streamed, "%s cdc stream --all-tables --config %s/ficus.yaml --start %s:4 "
		                "--until-end 2>/dev/null", t_env("FICUS_BIN"), t_env("FICUS_SANDBOX"), file), 0);
		if (or_compare(theirs, streamed, "t_cdc_types", &t, 1, &sc, &scells, why, sizeof why))
			t_fail(__FILE__, __LINE__, "stream and mariadb-binlog differ: %s", why);
		printf("stream: %zu row changes, %zu values compared\n", sc, scells);
		ASSERT_EQ(sc, changes);
		free(streamed);
	}
	ASSERT_EQ(changes, 13);
	ASSERT(cells > 300);
	/* the MINIMAL update carries only the key and the changed column */
	ASSERT_CONTAINS(ours, "\"before\":{\"id\":1},\"after\":{\"u8\":7}");
	free(ours);
	free(theirs);
	free(file);
	undescribe(&t);
}
