/* tests/integration/status_test.c - `ficus status`: every part shown, the
 * ones that are down shown DOWN with the reason (not left out), the same
 * facts as JSON, and the exit status says whether anything is down. */
#include "../test.h"

#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* A loopback port nobody listens on (bound, then released). */
static int closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ASSERT_EQ(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static const char *config(const char *dir, const char *legacy_dsn, int admin_port)
{
	char text[4096], sub[600];

	snprintf(sub, sizeof sub, "%s/mappings", dir);
	mkdir(sub, 0700);
	t_write(dir, "token", "s3cret\n");
	t_write(sub, "m.yaml", "entities:\n  shop:\n    from: { table: shop, key: id }\n"
	        "    to: { table: shops, key: id }\n    columns: { id: id, name: name }\n");
	snprintf(text, sizeof text,
	         "connections:\n  legacy: { kind: mysql, dsn: \"%s\" }\n"
	         "  newdb: { kind: postgres, dsn: \"%s\" }\nmappings: mappings\n"
	         "cdc: { source: legacy, server_id: 9393, sink: { kind: outbox, connection: newdb } }\n"
	         "sync: { source: legacy, target: newdb, bus: outbox }\n"
	         "router:\n  listen: 127.0.0.1:1\n  admin: { listen: \"127.0.0.1:%d\", token_file: %s/token }\n"
	         "  upstreams: { legacy: { url: \"http://127.0.0.1:1\" } }\n  default: legacy\n",
	         legacy_dsn, t_pg_dsn("t_status"), admin_port, dir);
	return t_write(dir, "ficus.yaml", text);
}

TEST_TIMEOUT(status_shows_every_part_and_what_is_down, 90)
{
	const char *dir = t_tmpdir(), *bin = t_env("FICUS_BIN"), *cfg;
	char dsn[256], *out, want[256];
	int admin = closed_port();
	json_t *doc;
	json_error_t je;

	t_mysql("DROP DATABASE IF EXISTS t_status; CREATE DATABASE t_status;"
	        "CREATE TABLE t_status.shop (id INT PRIMARY KEY, name VARCHAR(20));"
	        "INSERT INTO t_status.shop VALUES (1, 'a'), (2, 'b')");
	t_pg(NULL, "DROP DATABASE IF EXISTS t_status");
	t_pg(NULL, "CREATE DATABASE t_status");
	t_pg("t_status", "CREATE TABLE shops (id bigint PRIMARY KEY, name text)");

	/* the pipeline has run and caught up; the router is not running */
	cfg = config(dir, t_mysql_dsn("t_status"), admin);
	ASSERT_EQ(t_run(&out, "%s cdc stream --config %s --until-end && %s sync --once --config %s",
	                bin, cfg, bin, cfg), 0);
	free(out);
	ASSERT_EQ(t_run(&out, "%s status --config %s", bin, cfg), 1);
	ASSERT_CONTAINS(out, "[cdc]");
	ASSERT_CONTAINS(out, "lag         0 bytes");
	ASSERT_CONTAINS(out, "[sync]");
	ASSERT_CONTAINS(out, "lag         0 events");
	snprintf(want, sizeof want, "router      DOWN (router admin 127.0.0.1:%d: Connection refused)",
	         admin);
	ASSERT_CONTAINS(out, want);
	ASSERT_CONTAINS(out, "[verify]");
	ASSERT_CONTAINS(out, "no verify run yet");
	ASSERT_NOT_CONTAINS(out, "s3cret");
	free(out);

	/* the legacy server is gone too: shown DOWN, the rest still shown */
	snprintf(dsn, sizeof dsn, "mysql://root@127.0.0.1:%d/t_status", closed_port());
	cfg = config(dir, dsn, admin);
	ASSERT_EQ(t_run(&out, "%s status --config %s", bin, cfg), 1);
	ASSERT_CONTAINS(out, "source      legacy: DOWN (");
	ASSERT_CONTAINS(out, "target      newdb (");
	ASSERT_CONTAINS(out, "router      DOWN");
	free(out);

	/* the same as JSON */
	ASSERT_EQ(t_run(&out, "%s status --json --config %s 2>/dev/null", bin, cfg), 1);
	doc = json_loads(out, 0, &je);
	if (!doc)
		t_fail(__FILE__, __LINE__, "status --json is not JSON: %s\n%s", je.text, out);
	ASSERT_EQ(json_is_false(json_object_get(json_object_get(json_object_get(doc, "cdc"), "source"),
	                                        "up")), 1);
	ASSERT_EQ(json_is_string(json_object_get(json_object_get(json_object_get(doc, "cdc"), "source"),
	                                         "error")), 1);
	ASSERT_EQ(json_is_true(json_object_get(json_object_get(json_object_get(doc, "sync"), "target"),
	                                       "up")), 1);
	ASSERT_EQ(json_is_false(json_object_get(json_object_get(doc, "router"), "up")), 1);
	ASSERT_EQ(json_is_array(json_object_get(json_object_get(doc, "verify"), "entities")), 1);
	json_decref(doc);
	free(out);

	/* a checkpoint whose binlog the server no longer has: cdc cannot
	 * resume; not "caught up" */
	cfg = config(dir, t_mysql_dsn("t_status"), admin);
	t_write(dir, "cp.json", "{\"file\":\"binlog.000000\",\"pos\":4,\"gtid\":\"\",\"ts\":0}\n");
	snprintf(dsn, sizeof dsn, "%s/cp.json", dir);
	ASSERT_EQ(t_run(&out, "%s cdc status --config %s --checkpoint %s", bin, cfg, dsn), 1);
	ASSERT_CONTAINS(out, "lag         unknown: the checkpoint's binlog binlog.000000 is no longer "
	                "on the server (purged)");
	ASSERT_NOT_CONTAINS(out, "caught up");
	free(out);

	/* a config that does not load: exit 2 with its file:line */
	t_write(dir, "bad.yaml", "connections:\n  legacy: { kind: mysqll, dsn: x }\n");
	snprintf(dsn, sizeof dsn, "%s/bad.yaml", dir);
	ASSERT_EQ(t_run(&out, "%s status --config %s", bin, dsn), 2);
	ASSERT_CONTAINS(out, "bad.yaml:2:");
	free(out);
}
