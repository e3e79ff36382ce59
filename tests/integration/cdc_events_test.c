/* tests/integration/cdc_events_test.c - mappings to domain events on the
 * sandbox's MariaDB: which changes raise which events (watch lists, key
 * changes, several entities per table, composite keys, payload modes),
 * deterministic ids, the JSON-lines sink with its checkpoint (restart,
 * crash mid-transaction), replay and status. Expected events are written
 * out here from the workload, not taken from ficus. */
#include "../test.h"
#include "../tjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char mapping[] =
	"source: legacy\n"
	"target: newdb\n"
	"entities:\n"
	"  shop:\n"
	"    from: { table: t_events.shop, key: [shop_id], watch: [name, phone] }\n"
	"    to:   { table: shop.shops, key: [id] }\n"
	"    columns: { id: shop_id, name: name, phone: phone }\n"
	"    event: { topic: shop.changed }\n"
	"  shop_ad:\n"
	"    from: { table: t_events.shop, key: [shop_id], watch: [ad_grade] }\n"
	"    to:   { table: ad.shop_ads, key: [shop_id] }\n"
	"    columns: { shop_id: shop_id, grade: ad_grade }\n"
	"    event: { topic: ad.changed, payload: full }\n"
	"  item:\n"
	"    from: { table: t_events.item, key: [order_id, line_no] }\n"
	"    to:   { table: ordering.items, key: [order_id, line_no] }\n"
	"    columns: { order_id: order_id, line_no: line_no, qty: qty }\n"
	"    event: { topic: order.item, payload: [qty] }\n"
	"  item_key:\n"
	"    from: { table: t_events.item, key: [order_id, line_no] }\n"
	"    to:   { table: ordering.item_keys, key: [order_id, line_no] }\n"
	"    columns: { order_id: order_id, line_no: line_no }\n"
	"    event: { topic: order.item-key, payload: key }\n";

static const char *config(const char *dir)
{
	char text[2048], sub[600];
	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(sub, "m.yaml", mapping);
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"%s\" }\n", t_mysql_dsn("t_events"));
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         "  newdb: { kind: postgres, dsn: \"%s\" }\n"
	         "mappings: mappings\n"
	         "cdc: { source: legacy, server_id: 5151, sink: { kind: jsonl, path: %s/events.jsonl } }\n",
	         t_pg_dsn("postgres"), dir);
	return t_write(dir, "ficus.yaml", text);
}

static void workload(void)
{
	t_mysql("INSERT INTO t_events.shop VALUES (1, 'a', '010', 'none', 0), (2, 'b', '011', 'basic', 0);"
	        /* watched by shop only */
	        "UPDATE t_events.shop SET name = 'a2' WHERE shop_id = 1;"
	        /* watched by nobody: no event */
	        "UPDATE t_events.shop SET hits = hits + 1 WHERE shop_id = 1;"
	        /* watched by shop_ad only */
	        "UPDATE t_events.shop SET ad_grade = 'premium' WHERE shop_id = 2;"
	        /* a key change: delete + insert for both entities */
	        "UPDATE t_events.shop SET shop_id = 3 WHERE shop_id = 2;"
	        /* one transaction, two tables, composite keys */
	        "BEGIN; INSERT INTO t_events.item VALUES (10, 1, 2), (10, 2, 5);"
	        "UPDATE t_events.item SET qty = 3 WHERE order_id = 10 AND line_no = 1; COMMIT;"
	        /* rolled back: nothing */
	        "BEGIN; DELETE FROM t_events.item; ROLLBACK;"
	        "DELETE FROM t_events.shop WHERE shop_id = 1;");
}

/* entity op key, in order, for the workload */
static const char *const expected[] = {
	"shop insert {\"shop_id\":1}",
	"shop_ad insert {\"shop_id\":1}",
	"shop insert {\"shop_id\":2}",
	"shop_ad insert {\"shop_id\":2}",
	"shop update {\"shop_id\":1}",
	"shop_ad update {\"shop_id\":2}",
	"shop delete {\"shop_id\":2}",
	"shop insert {\"shop_id\":3}",
	"shop_ad delete {\"shop_id\":2}",
	"shop_ad insert {\"shop_id\":3}",
	"item insert {\"order_id\":10,\"line_no\":1}",
	"item_key insert {\"order_id\":10,\"line_no\":1}",
	"item insert {\"order_id\":10,\"line_no\":2}",
	"item_key insert {\"order_id\":10,\"line_no\":2}",
	"item update {\"order_id\":10,\"line_no\":1}",
	"item_key update {\"order_id\":10,\"line_no\":1}",
	"shop delete {\"shop_id\":1}",
	"shop_ad delete {\"shop_id\":1}",
	NULL,
};

/* Checks the events in text are exactly the expected ones, in order, each
 * id once; returns the number of events. */
static int check(const char *text)
{
	const char *p = text;
	int i = 0;
	char ids[64][300];
	while (*p) {
		const char *nl = strchr(p, '\n');
		char *line = strndup(p, nl ? (size_t)(nl - p) : strlen(p)), got[512];
		const char *why;
		struct tj *j = tj_parse(line, &why), *id;
		p = nl ? nl + 1 : p + strlen(p);
		if (!j)
			t_fail(__FILE__, __LINE__, "event %d is not JSON (%s): %s", i + 1, why, line);
		snprintf(got, sizeof got, "%s %s %s", tj_get(j, "entity")->str, tj_get(j, "op")->str,
		         tj_get(j, "key")->raw);
		if (!expected[i])
			t_fail(__FILE__, __LINE__, "unexpected event %d: %s", i + 1, line);
		if (strcmp(got, expected[i]))
			t_fail(__FILE__, __LINE__, "event %d: expected %s, got %s\n    %s", i + 1, expected[i],
			       got, line);
		id = tj_get(j, "id");
		ASSERT(id && id->kind == TJ_STR);
		for (int k = 0; k < i; k++)
			if (!strcmp(ids[k], id->str))
				t_fail(__FILE__, __LINE__, "id %s twice", id->str);
		snprintf(ids[i], sizeof ids[i], "%s", id->str);
		ASSERT(tj_get(j, "topic") && tj_get(j, "ts") && tj_get(j, "source"));
		ASSERT(tj_get(tj_get(j, "source"), "gtid"));
		/* payload by mode */
		if (!strcmp(tj_get(j, "entity")->str, "shop"))
			ASSERT(tj_get(j, "payload") == NULL);
		if (!strcmp(tj_get(j, "entity")->str, "item_key"))
			ASSERT_STR_EQ(tj_get(j, "payload")->raw, tj_get(j, "key")->raw);
		if (!strcmp(tj_get(j, "entity")->str, "item") && strcmp(tj_get(j, "op")->str, "delete"))
			ASSERT(tj_get(tj_get(j, "payload"), "qty") && tj_get(j, "payload")->n == 1);
		if (!strcmp(got, "shop_ad update {\"shop_id\":2}"))
			ASSERT_STR_EQ(tj_get(j, "payload")->raw, "{\"shop_id\":2,\"grade\":\"premium\"}");
		tj_free(j);
		free(line);
		i++;
	}
	if (expected[i])
		t_fail(__FILE__, __LINE__, "missing event %d: %s in\n%s", i + 1, expected[i], text);
	return i;
}

static void schema(void)
{
	t_mysql("DROP DATABASE IF EXISTS t_events; CREATE DATABASE t_events;"
	        "CREATE TABLE t_events.shop (shop_id INT PRIMARY KEY, name VARCHAR(20), phone VARCHAR(20),"
	        " ad_grade VARCHAR(10), hits INT);"
	        "CREATE TABLE t_events.item (order_id INT, line_no INT, qty INT, PRIMARY KEY (order_id, line_no))");
}

TEST_TIMEOUT(mapped_events_from_stream_and_files, 90)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	const char *cfg = config(dir);
	char *out, *again, start[300];

	schema();
	{
		char *p = t_binlog_pos(NULL, 0);
		snprintf(start, sizeof start, "%s", p);
		free(p);
	}
	workload();
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --start %s --until-end --output -", bin, cfg,
	                start), 0);
	ASSERT_EQ(check(out), 18);
	/* a replay of the same binlog yields the same ids */
	ASSERT_EQ(t_run(&again, "%s cdc stream --config %s --start %s --until-end --output - 2>/dev/null",
	                bin, cfg, start), 0);
	ASSERT_STR_EQ(again, out);
	free(again);
	/* the files say the same as the stream */
	{
		char file[256];
		snprintf(file, sizeof file, "%s", start);
		*strchr(file, ':') = '\0';
		ASSERT_EQ(t_run(&again, "%s cdc read --config %s --start-position %s %s/%s", bin, cfg,
		                strchr(start, ':') + 1, t_env("FICUS_BINLOG_DIR"), file), 0);
		ASSERT_STR_EQ(again, out);
		free(again);
	}
	free(out);
}

TEST_TIMEOUT(jsonl_sink_checkpoint_restart_and_crash, 90)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	const char *cfg = config(dir);
	char *out, cp[700], text[800];

	schema();
	{
		char *pos_now = t_binlog_pos(NULL, 0);
		snprintf(text, sizeof text, "{\"file\":\"%.*s\",\"pos\":%s}\n",
		         (int)(strchr(pos_now, ':') - pos_now), pos_now, strchr(pos_now, ':') + 1);
		free(pos_now);
	}
	snprintf(cp, sizeof cp, "%s/events.cp", dir);
	t_write(dir, "events.cp", text);
	/* the first half, then a stop */
	t_mysql("INSERT INTO t_events.shop VALUES (1, 'a', '010', 'none', 0), (2, 'b', '011', 'basic', 0);"
	        "UPDATE t_events.shop SET name = 'a2' WHERE shop_id = 1;");
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --checkpoint %s --until-end", bin, cfg, cp), 0);
	free(out);
	/* a crash in the middle of the next transaction leaves half a line */
	ASSERT_EQ(t_run(&out, "printf '{\"id\":\"half-writ' >> %s/events.jsonl", dir), 0);
	free(out);
	t_mysql("UPDATE t_events.shop SET hits = hits + 1 WHERE shop_id = 1;"
	        "UPDATE t_events.shop SET ad_grade = 'premium' WHERE shop_id = 2;"
	        "UPDATE t_events.shop SET shop_id = 3 WHERE shop_id = 2;"
	        "BEGIN; INSERT INTO t_events.item VALUES (10, 1, 2), (10, 2, 5);"
	        "UPDATE t_events.item SET qty = 3 WHERE order_id = 10 AND line_no = 1; COMMIT;"
	        "BEGIN; DELETE FROM t_events.item; ROLLBACK;"
	        "DELETE FROM t_events.shop WHERE shop_id = 1;");
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --checkpoint %s --until-end", bin, cfg, cp), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "cat %s/events.jsonl", dir), 0);
	ASSERT_EQ(check(out), 18);
	free(out);
	/* nothing new: a third run adds nothing */
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --checkpoint %s --until-end && cat %s/events.jsonl",
	                bin, cfg, cp, dir), 0);
	ASSERT_EQ(check(out), 18);
	free(out);
	/* status: caught up */
	ASSERT_EQ(t_run(&out, "%s cdc status --config %s --checkpoint %s", bin, cfg, cp), 0);
	ASSERT_CONTAINS(out, "lag         0 bytes");
	free(out);
}

TEST_TIMEOUT(replay_by_entity_and_key, 90)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN");
	const char *cfg = config(dir);
	char *out, start[300];

	schema();
	{
		char *p = t_binlog_pos(NULL, 0);
		snprintf(start, sizeof start, "%s", p);
		free(p);
	}
	workload();
	ASSERT_EQ(t_run(&out, "%s cdc replay --config %s --from %s --entity shop_ad --key '{\"shop_id\":2}'",
	                bin, cfg, start), 0);
	ASSERT_CONTAINS(out, "\"entity\":\"shop_ad\",\"key\":{\"shop_id\":2},\"op\":\"insert\"");
	ASSERT_CONTAINS(out, "\"entity\":\"shop_ad\",\"key\":{\"shop_id\":2},\"op\":\"update\"");
	ASSERT_CONTAINS(out, "\"entity\":\"shop_ad\",\"key\":{\"shop_id\":2},\"op\":\"delete\"");
	ASSERT_NOT_CONTAINS(out, "\"entity\":\"shop\"");
	ASSERT_NOT_CONTAINS(out, "\"shop_id\":1}");
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc replay --config %s --from %s --entity nosuch", bin, cfg, start), 2);
	ASSERT_CONTAINS(out, "no entity 'nosuch'");
	free(out);
	ASSERT_EQ(t_run(&out, "%s cdc replay --config %s --from yesterday", bin, cfg), 2);
	ASSERT_CONTAINS(out, "is not a position");
	free(out);
}
