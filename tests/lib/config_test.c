/* tests/lib/config_test.c - the config loader: a good file, and each kind
 * of mistake with the file:line:column it must name. */
#include "../test.h"

#include "../../lib/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char good[] =
	"connections:\n"
	"  legacy: { kind: mysql,    dsn: \"mysql://root:${T_PW}@127.0.0.1:33061/baemin\" }\n"
	"  newdb:  { kind: postgres, dsn: \"postgresql://postgres@127.0.0.1:54321/services\" }\n"
	"  bus:    { kind: nats,     url: \"nats://127.0.0.1:42220\" }\n"
	"mappings: mappings/\n"
	"cdc:\n"
	"  source: legacy\n"
	"  server_id: 4242\n"
	"  sink: { kind: outbox, connection: newdb }\n"
	"sync: { source: legacy, target: newdb, bus: outbox }\n"
	"router:\n"
	"  listen: 127.0.0.1:8080\n"
	"  workers: 2\n"
	"  admin: { listen: 127.0.0.1:8081, token_env: T_TOKEN }\n"
	"  upstreams:\n"
	"    legacy: { url: \"http://127.0.0.1:9001\" }\n"
	"    shop:   { url: \"http://127.0.0.1:9002\" }\n"
	"  default: legacy\n"
	"  routes:\n"
	"    - name: shop-detail\n"
	"      match: { method: GET, path: '^/shops/(?<shop_id>[0-9]+)$' }\n"
	"      legacy: legacy\n"
	"      new: shop\n"
	"      mode: split\n"
	"      weight: 25\n"
	"      sticky: { capture: shop_id }\n"
	"      shadow: { ignore: [served_at] }\n"
	"      timeout_ms: 2000\n";

static char msg[FC_ERR_MSG_MAX];

static int parse(const char *text, struct fc_config *cfg)
{
	struct fc_err err;
	int rc = fc_config_parse("conf/ficus.yaml", text, strlen(text), cfg, &err);
	snprintf(msg, sizeof msg, "%s", rc ? err.msg : "");
	return rc;
}

/* good[] with one line replaced (1-based line number), into text. */
static void replace_line(int line, const char *replacement, char *text, size_t n)
{
	const char *p = good;
	size_t o = 0;
	for (int l = 1; *p; l++) {
		const char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p) + 1;
		if (l == line)
			o += (size_t)snprintf(text + o, n - o, "%s", replacement);
		else if (o + len < n) {
			memcpy(text + o, p, len);
			o += len;
		}
		p += len;
	}
	text[o] = '\0';
}

/* The error for good[] with one line replaced (1-based line number). */
static const char *with_line(int line, const char *replacement)
{
	char text[4096];
	struct fc_config cfg;
	replace_line(line, replacement, text, sizeof text);
	setenv("T_PW", "hunter2", 1);
	if (parse(text, &cfg) == 0) {
		fc_config_release(&cfg);
		return "(loaded without error)";
	}
	return msg;
}

TEST(good_config_loads)
{
	struct fc_config cfg;
	const struct fc_route *r;
	setenv("T_PW", "hunter2", 1);
	setenv("T_TOKEN", "tok", 1);
	ASSERT_EQ(parse(good, &cfg), 0);
	ASSERT_EQ(cfg.nconns, 3);
	ASSERT_EQ(cfg.conns[0].kind, FC_CONN_MYSQL);
	ASSERT_STR_EQ(cfg.conns[0].my.password, "hunter2");
	ASSERT_STR_EQ(cfg.conns[0].my.database, "baemin");
	ASSERT_EQ(cfg.conns[0].my.port, 33061);
	ASSERT_STR_EQ(cfg.conns[0].shown, "mysql://root:***@127.0.0.1:33061/baemin");
	ASSERT_STR_EQ(cfg.mapping_paths[0], "conf/mappings/");
	ASSERT_EQ(cfg.cdc.server_id, 4242);
	ASSERT_EQ(cfg.cdc.sink.kind, FC_SINK_OUTBOX);
	ASSERT_STR_EQ(cfg.sync.target, "newdb");
	ASSERT_EQ(cfg.router.workers, 2);
	ASSERT_STR_EQ(cfg.router.admin_token, "tok");
	ASSERT_EQ(cfg.router.nupstreams, 2);
	ASSERT_EQ(cfg.router.upstreams[1].port, 9002);
	ASSERT_EQ(cfg.router.nroutes, 1);
	r = &cfg.router.routes[0];
	ASSERT_EQ(r->mode, FC_MODE_SPLIT);
	ASSERT_EQ(r->weight, 25);
	ASSERT_EQ(r->sticky, FC_STICKY_CAPTURE);
	ASSERT_STR_EQ(r->sticky_name, "shop_id");
	ASSERT_STR_EQ(r->shadow_ignore[0], "served_at");
	ASSERT_EQ(r->timeout_ms, 2000);
	fc_config_release(&cfg);
}

TEST(unknown_key)
{
	ASSERT_STR_EQ(with_line(5, "mapings: mappings/\n"),
	              "conf/ficus.yaml:5:1: unknown key 'mapings' (did you mean 'mappings'? "
	              "expected one of: connections, mappings, cdc, sync, router)");
	ASSERT_CONTAINS(with_line(8, "  server: 4242\n"),
	                "conf/ficus.yaml:8:3: unknown key 'server'");
}

TEST(wrong_type)
{
	ASSERT_STR_EQ(with_line(8, "  server_id: [1]\n"),
	              "conf/ficus.yaml:8:14: 'server_id' must be an integer, not a list");
	ASSERT_STR_EQ(with_line(7, "  source: { a: 1 }\n"),
	              "conf/ficus.yaml:7:11: 'cdc' 'source' must be a string, not a mapping");
	ASSERT_STR_EQ(with_line(10, "sync: [legacy]\n"),
	              "conf/ficus.yaml:10:7: 'sync' must be a mapping (key: value), not a list");
}

TEST(missing_key)
{
	ASSERT_STR_EQ(with_line(9, ""),
	              "conf/ficus.yaml:7:3: missing key 'sink' in 'cdc' (e.g. sink: { kind: "
	              "outbox, connection: newdb })");
	ASSERT_STR_EQ(with_line(3, "  newdb:  { kind: postgres }\n"),
	              "conf/ficus.yaml:3:11: missing key 'dsn' in connection 'newdb'");
}

TEST(bad_enum_and_range)
{
	ASSERT_STR_EQ(with_line(2, "  legacy: { kind: oracle, dsn: \"x\" }\n"),
	              "conf/ficus.yaml:2:19: 'kind' must be one of: mysql, postgres, nats (not 'oracle')");
	ASSERT_STR_EQ(with_line(25, "      weight: 101\n"),
	              "conf/ficus.yaml:25:15: 'weight' (percent to new) must be between 0 and 100, not 101");
	ASSERT_CONTAINS(with_line(24, "      mode: canary\n"),
	                "conf/ficus.yaml:24:13: 'mode' must be one of: legacy, shadow, split, new (not 'canary')");
	ASSERT_CONTAINS(with_line(12, "  listen: 127.0.0.1:99999\n"), "bad port");
}

TEST(references_are_checked)
{
	ASSERT_STR_EQ(with_line(7, "  source: legacyy\n"),
	              "conf/ficus.yaml:7:11: 'cdc' 'source': unknown connection 'legacyy' "
	              "(defined: legacy, newdb, bus)");
	ASSERT_STR_EQ(with_line(7, "  source: newdb\n"),
	              "conf/ficus.yaml:7:11: 'cdc' 'source': connection 'newdb' is postgres, "
	              "expected mysql");
	ASSERT_CONTAINS(with_line(23, "      new: shopp\n"),
	                "conf/ficus.yaml:23:12: route 'shop-detail': unknown upstream 'shopp'");
}

TEST(bad_regex_and_capture)
{
	ASSERT_CONTAINS(with_line(21, "      match: { method: GET, path: '^/shops/([0-9]+$' }\n"),
	                "conf/ficus.yaml:21:35: route 'shop-detail': bad regex at offset");
	ASSERT_CONTAINS(with_line(21, "      match: { method: GET, path: '^/shops/([0-9]+)$' }\n"),
	                "sticky capture 'shop_id' is not a named group");
}

TEST(bad_names_and_identifiers)
{
	ASSERT_CONTAINS(with_line(3, "  new-db:  { kind: postgres, dsn: \"postgresql://h/x\" }\n"),
	                "conf/ficus.yaml:3:3: bad connection name 'new-db': may contain only");
	ASSERT_CONTAINS(with_line(2, "  legacy: { kind: mysql, dsn: \"mysql://h:1/a\", bogus: 1 }\n"),
	                "unknown key 'bogus'");
}

TEST(secrets_from_env_and_files_never_shown)
{
	struct fc_config cfg;
	char text[1024];
	const char *dir = t_tmpdir();
	char *pwfile = t_write(dir, "pw", "s3cr3t\n");

	unsetenv("T_MISSING");
	ASSERT_STR_EQ(with_line(2, "  legacy: { kind: mysql, dsn: \"mysql://u:${T_MISSING}@h/db\" }\n"),
	              "conf/ficus.yaml:2:31: connection 'legacy': environment variable "
	              "'T_MISSING' is not set");
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  a: { kind: mysql, dsn: \"mysql://app@h/db\", password_file: %s }\n"
	         "  b: { kind: postgres, dsn: \"postgresql://app:${T_PW}@h/db\" }\n", pwfile);
	setenv("T_PW", "pgpass", 1);
	ASSERT_EQ(parse(text, &cfg), 0);
	ASSERT_STR_EQ(cfg.conns[0].my.password, "s3cr3t");
	ASSERT_STR_EQ(cfg.conns[0].shown, "mysql://app@h/db");
	ASSERT_STR_EQ(cfg.conns[1].shown, "postgresql://app:***@h/db");
	ASSERT_NOT_CONTAINS(cfg.conns[1].shown, "pgpass");
	fc_config_release(&cfg);
	ASSERT_CONTAINS(with_line(2, "  legacy: { kind: mysql, dsn: \"mysql://h/db\", password_file: /nonexistent/pw }\n"),
	                "conf/ficus.yaml:2:62: cannot read secret file '/nonexistent/pw'");
	/* a bad DSN is reported redacted */
	ASSERT_STR_EQ(with_line(2, "  legacy: { kind: mysql, dsn: \"mysql://u:hunter2@h:0/db\" }\n"),
	              "conf/ficus.yaml:2:31: connection 'legacy': dsn 'mysql://u:***@h:0/db' "
	              "has a bad port (expected 1-65535)");
}

TEST(syntax_errors_and_empty_files)
{
	struct fc_config cfg;
	ASSERT(parse("connections:\n  legacy: { kind: mysql\n", &cfg) != 0);
	ASSERT_CONTAINS(msg, "conf/ficus.yaml:");
	ASSERT_CONTAINS(msg, "YAML syntax error");
	ASSERT(parse("", &cfg) != 0);
	ASSERT_CONTAINS(msg, "conf/ficus.yaml: empty config file");
	ASSERT(parse("- a\n- b\n", &cfg) != 0);
	ASSERT_STR_EQ(msg, "conf/ficus.yaml:1:1: the config file must be a mapping (key: value), not a list");
	ASSERT(parse("cdc: {}\n", &cfg) != 0);
	ASSERT_STR_EQ(msg, "conf/ficus.yaml:1:1: missing key 'connections' in the config file");
}

TEST(missing_config_file)
{
	struct fc_config cfg;
	struct fc_err err;
	ASSERT(fc_config_load("/nonexistent/ficus.yaml", &cfg, &err) < 0);
	ASSERT_CONTAINS(err.msg, "/nonexistent/ficus.yaml: cannot open");
}

TEST(default_path)
{
	unsetenv("FICUS_CONFIG");
	ASSERT_STR_EQ(fc_config_default_path(NULL), "ficus.yaml");
	setenv("FICUS_CONFIG", "/etc/ficus.yaml", 1);
	ASSERT_STR_EQ(fc_config_default_path(NULL), "/etc/ficus.yaml");
	ASSERT_STR_EQ(fc_config_default_path("x.yaml"), "x.yaml");
}

/* A ${VAR} value or a password_env/password_file value never shows, not in
 * 'shown' and not in any error, whatever characters it holds. */
TEST(secrets_with_uri_characters_never_shown)
{
	static const char *const secrets[] = { "s3cr/et", "s3cr?et", "s3cr,et", "s3cr@et",
	                                       "s3:cr/e@t", NULL };
	static const char *const dsns[] = {
		"mysql://app:${T_PW}@h/db",
		"mysql://app:${T_PW}@h:0/db",                 /* a bad port */
		"mysql://app:${T_PW}@h:99999/db",
		"postgresql://u:${T_PW}@h/db",
		"host=h password = ${T_PW} dbname=x",
		"nats://u:${T_PW}@h:4222",
		NULL,
	};
	for (int i = 0; secrets[i]; i++) {
		setenv("T_PW", secrets[i], 1);
		for (int j = 0; dsns[j]; j++) {
			struct fc_config cfg;
			char text[512];
			const char *kind = dsns[j][0] == 'm' ? "mysql" : dsns[j][0] == 'n' ? "nats"
			                                                                     : "postgres";
			snprintf(text, sizeof text, "connections:\n  c: { kind: %s, %s: \"%s\" }\n",
			         kind, dsns[j][0] == 'n' ? "url" : "dsn", dsns[j]);
			if (parse(text, &cfg) == 0) {
				ASSERT_NOT_CONTAINS(cfg.conns[0].shown, secrets[i]);
				ASSERT_CONTAINS(cfg.conns[0].shown, "***");
				fc_config_release(&cfg);
			} else {
				ASSERT_NOT_CONTAINS(msg, secrets[i]);
				ASSERT_CONTAINS(msg, "***");
			}
		}
	}
	/* the exact case of a bad port: an error, redacted */
	setenv("T_SLASH", "x/y", 1);
	ASSERT_STR_EQ(with_line(2, "  legacy: { kind: mysql, dsn: \"mysql://app:${T_SLASH}@h\" }\n"),
	              "conf/ficus.yaml:2:31: connection 'legacy': dsn 'mysql://app:***@h' "
	              "has a bad port (expected 1-65535)");
	setenv("T_PW", "hunter2", 1);
}

TEST(password_env_and_file_values_are_masked_too)
{
	struct fc_config cfg;
	char text[1024];
	const char *dir = t_tmpdir();
	char *pwfile = t_write(dir, "pw", "fil3secret\n");

	setenv("T_PGPW", "envs3cret", 1);
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  a: { kind: postgres, dsn: \"postgresql://u@h/db?application_name=envs3cret\","
	         " password_env: T_PGPW }\n"
	         "  b: { kind: postgres, dsn: \"host=h dbname=fil3secret\", password_file: %s }\n",
	         pwfile);
	ASSERT_EQ(parse(text, &cfg), 0);
	ASSERT_STR_EQ(cfg.conns[0].shown, "postgresql://u@h/db?application_name=***");
	ASSERT_STR_EQ(cfg.conns[1].shown, "host=h dbname=***");
	ASSERT_STR_EQ(cfg.conns[1].password, "fil3secret");
	fc_config_release(&cfg);
}

/* Each sink kind takes its own keys; a key of another kind is an error. */
TEST(sink_keys_per_kind)
{
	ASSERT_STR_EQ(with_line(9, "  sink: { kind: outbox, connection: newdb, path: /tmp/x }\n"),
	              "conf/ficus.yaml:9:44: 'cdc.sink' of kind outbox takes no 'path' (it takes: "
	              "kind, connection, max_delay_ms, max_events)");
	ASSERT_STR_EQ(with_line(9, "  sink: { kind: outbox, connection: newdb, stream: S }\n"),
	              "conf/ficus.yaml:9:44: 'cdc.sink' of kind outbox takes no 'stream' (it takes: "
	              "kind, connection, max_delay_ms, max_events)");
	ASSERT_STR_EQ(with_line(9, "  sink: { kind: jsonl, connection: newdb }\n"),
	              "conf/ficus.yaml:9:24: 'cdc.sink' of kind jsonl takes no 'connection' (it "
	              "takes: kind, path)");
	ASSERT_STR_EQ(with_line(9, "  sink: { kind: nats, connection: bus, path: x }\n"),
	              "conf/ficus.yaml:9:40: 'cdc.sink' of kind nats takes no 'path' (it takes: "
	              "kind, connection, stream, subjects)");
	/* a typo still gets its "did you mean" */
	ASSERT_CONTAINS(with_line(9, "  sink: { kind: nats, connection: bus, stram: x }\n"),
	                "unknown key 'stram' (did you mean 'stream'?");
	ASSERT_STR_EQ(with_line(9, "  sink: { kind: nats, connection: bus, stream: EVENTS }\n"),
	              "(loaded without error)");
	ASSERT_STR_EQ(with_line(9, "  sink: { kind: jsonl, path: /tmp/events.jsonl }\n"),
	              "(loaded without error)");
	ASSERT_STR_EQ(with_line(9, "  sink: { kind: jsonl }\n"), "(loaded without error)");
}

TEST(outbox_batching_and_heartbeat)
{
	struct fc_config cfg;
	char text[4096];

	setenv("T_PW", "hunter2", 1);
	setenv("T_TOKEN", "tok", 1);
	ASSERT_EQ(parse(good, &cfg), 0);
	ASSERT_EQ(cfg.cdc.heartbeat_ms, 10);
	ASSERT_EQ(cfg.cdc.sink.max_delay_ms, 10);
	ASSERT_EQ(cfg.cdc.sink.max_events, 5000);
	fc_config_release(&cfg);
	replace_line(9, "  heartbeat_ms: 250\n  sink: { kind: outbox, connection: newdb, "
	             "max_delay_ms: 0, max_events: 100 }\n", text, sizeof text);
	ASSERT_EQ(parse(text, &cfg), 0);
	ASSERT_EQ(cfg.cdc.heartbeat_ms, 250);
	ASSERT_EQ(cfg.cdc.sink.max_delay_ms, 0);
	ASSERT_EQ(cfg.cdc.sink.max_events, 100);
	fc_config_release(&cfg);
	ASSERT_STR_EQ(with_line(9, "  sink: { kind: outbox, connection: newdb, max_events: 0 }\n"),
	              "conf/ficus.yaml:9:56: 'cdc.sink.max_events' must be between 1 and 1000000, not 0");
	ASSERT_CONTAINS(with_line(8, "  heartbeat_ms: -5\n"), "conf/ficus.yaml:8:17: 'heartbeat_ms'");
}

TEST(admin_token_env_or_file_not_both)
{
	ASSERT_STR_EQ(with_line(14, "  admin: { listen: 127.0.0.1:8081, token_env: T_TOKEN, "
	                            "token_file: tok }\n"),
	              "conf/ficus.yaml:14:68: 'router.admin': give token_env or token_file, not both");
	ASSERT_STR_EQ(with_line(14, "  admin: { listen: 127.0.0.1:8081, token: abc, token_env: T }\n"),
	              "conf/ficus.yaml:14:59: 'router.admin': give token or token_env, not both");
	/* the admin API changes live traffic: loopback only */
	ASSERT_CONTAINS(with_line(14, "  admin: { listen: 0.0.0.0:8081, token_env: T_TOKEN }\n"),
	                "conf/ficus.yaml:14:20: 'router.admin.listen' '0.0.0.0:8081' must be a loopback "
	                "address");
	ASSERT_STR_EQ(with_line(14, "  admin: { listen: \"[::1]:8081\", token_env: T_TOKEN }\n"),
	              "(loaded without error)");
	ASSERT_STR_EQ(with_line(14, "  admin: { listen: localhost:8081, token_env: T_TOKEN }\n"),
	              "(loaded without error)");
}

/* The router's breaker, shadow, access log and client timeout keys:
 * defaults, paths relative to the config's folder, range errors. */
TEST(router_knobs)
{
	struct fc_config cfg;
	char text[4096];
	setenv("T_PW", "hunter2", 1);
	setenv("T_TOKEN", "tok", 1);
	ASSERT_EQ(parse(good, &cfg), 0);
	ASSERT_EQ(cfg.router.breaker_failures, 5);
	ASSERT_EQ(cfg.router.breaker_cooldown_ms, 5000);
	ASSERT_EQ(cfg.router.shadow_queue, 256);
	ASSERT_EQ(cfg.router.shadow_max_body, 1 << 20);
	ASSERT(cfg.router.shadow_log == NULL && cfg.router.access_log == NULL);
	ASSERT_EQ(cfg.router.client_timeout_ms, 60000);
	ASSERT(!cfg.router.metrics_open);
	fc_config_release(&cfg);
	snprintf(text, sizeof text, "%s  breaker: { failures: 3, cooldown_ms: 250 }\n"
	         "  shadow: { log: diffs.jsonl, queue: 10, max_body: 4096 }\n"
	         "  access_log: /var/log/a.jsonl\n  client_timeout_ms: 1500\n", good);
	ASSERT_EQ(parse(text, &cfg), 0);
	ASSERT_EQ(cfg.router.breaker_failures, 3);
	ASSERT_EQ(cfg.router.breaker_cooldown_ms, 250);
	ASSERT_STR_EQ(cfg.router.shadow_log, "conf/diffs.jsonl");
	ASSERT_EQ(cfg.router.shadow_queue, 10);
	ASSERT_EQ(cfg.router.shadow_max_body, 4096);
	ASSERT_STR_EQ(cfg.router.access_log, "/var/log/a.jsonl");
	ASSERT_EQ(cfg.router.client_timeout_ms, 1500);
	fc_config_release(&cfg);
	snprintf(text, sizeof text, "%s  breaker: { failures: 0 }\n", good);
	ASSERT(parse(text, &cfg) != 0);
	ASSERT_CONTAINS(msg, "conf/ficus.yaml:29:24:");
	ASSERT_CONTAINS(msg, "'breaker.failures'");
	snprintf(text, sizeof text, "%s  shadow: { logg: x }\n", good);
	ASSERT(parse(text, &cfg) != 0);
	ASSERT_CONTAINS(msg, "unknown key 'logg' (did you mean 'log'?");
	ASSERT_STR_EQ(with_line(14, "  admin: { listen: 127.0.0.1:8081, token: abc, metrics_auth: false }\n"),
	              "(loaded without error)");
}

/* Route names: letters, digits, '-' and '_', whatever comes first. */
TEST(route_names)
{
	ASSERT_CONTAINS(with_line(20, "    - name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"),
	                "is longer than 63 characters");
	ASSERT_STR_EQ(with_line(20, "    - name: shop detail\n"),
	              "conf/ficus.yaml:20:13: bad route name 'shop detail': use letters, digits, "
	              "'-' and '_'");
	ASSERT_STR_EQ(with_line(20, "    - name: shop.detail\n"),
	              "conf/ficus.yaml:20:13: bad route name 'shop.detail': use letters, digits, "
	              "'-' and '_'");
	ASSERT_STR_EQ(with_line(20, "    - name: \"\"\n"),
	              "conf/ficus.yaml:20:13: the route's 'name' must not be empty");
	ASSERT_STR_EQ(with_line(20, "    - name: 2fa-login\n"), "(loaded without error)");
	ASSERT_STR_EQ(with_line(20, "    - name: 2fa_login\n"), "(loaded without error)");
	ASSERT_STR_EQ(with_line(20, "    - name: shop_detail\n"), "(loaded without error)");
}

/* One lookup for "a connection of this kind", used by the config, the
 * mapping files and the commands. */
TEST(connection_lookup_by_kind)
{
	struct fc_config cfg;
	struct fc_err err;
	const char *key;
	setenv("T_PW", "hunter2", 1);
	setenv("T_TOKEN", "tok", 1);
	ASSERT_EQ(parse(good, &cfg), 0);
	ASSERT(fc_config_conn_kind(&cfg, "legacy", FC_CONN_MYSQL, &err) == &cfg.conns[0]);
	ASSERT(fc_config_conn_kind(&cfg, "newdb", FC_CONN_MYSQL, &err) == NULL);
	ASSERT_STR_EQ(err.msg, "connection 'newdb' is postgres, expected mysql");
	ASSERT(fc_config_conn_kind(&cfg, "nope", FC_CONN_NATS, &err) == NULL);
	ASSERT_STR_EQ(err.msg, "unknown connection 'nope' (defined: legacy, newdb, bus)");
	ASSERT_STR_EQ(fc_config_legacy_conn(&cfg, &key), "legacy");
	ASSERT_STR_EQ(key, "sync.source");
	ASSERT_STR_EQ(fc_config_target_conn(&cfg, &key), "newdb");
	ASSERT_STR_EQ(key, "sync.target");
	/* without sync, the legacy side is cdc.source */
	cfg.sync.source = NULL;
	cfg.sync.target = NULL;
	ASSERT_STR_EQ(fc_config_legacy_conn(&cfg, &key), "legacy");
	ASSERT_STR_EQ(key, "cdc.source");
	ASSERT(fc_config_target_conn(&cfg, &key) == NULL);
	ASSERT(key == NULL);
	fc_config_release(&cfg);
}

/* Lists in messages are cut to their buffer, never overrun. */
TEST(message_lists_are_cut_safely)
{
	char buf[16];
	size_t off = 0;
	buf[0] = '\0';
	off = fc_list_add(buf, sizeof buf, off, ", ", "alpha");
	ASSERT_STR_EQ(buf, "alpha");
	off = fc_list_add(buf, sizeof buf, off, ", ", "beta");
	ASSERT_STR_EQ(buf, "alpha, beta");
	off = fc_list_add(buf, sizeof buf, off, ", ", "gamma");
	ASSERT_STR_EQ(buf, "alpha, beta, ga");
	ASSERT_EQ(off, sizeof buf - 1);
	off = fc_list_add(buf, sizeof buf, off, ", ", "delta");
	ASSERT_STR_EQ(buf, "alpha, beta, ga");
	ASSERT_EQ(off, sizeof buf - 1);
}
