/* lib/config.h - the ficus config file (ficus.yaml), loaded into typed
 * structs. Format: docs/config.md. Shape:
 *
 *   connections: { NAME: { kind: mysql|postgres|nats, dsn|url: ..., ... } }
 *   mappings: DIR | [FILE|DIR, ...]        (relative to the config's folder)
 *   cdc:    { source, server_id, sink: { kind: outbox|nats|jsonl, ... } }
 *   sync:   { source, target, bus }
 *   router: { listen, workers, admin, upstreams, default, routes }
 *
 * Everything the loader accepts is checked: names refer to connections of
 * the right kind, routes to upstreams, regexes compile; every error names
 * file:line:column. Secrets (${VAR} in a DSN, password_env, password_file)
 * are resolved at load time and only ever printed redacted. */
#ifndef FC_CONFIG_H
#define FC_CONFIG_H

#include "dsn.h"
#include "err.h"
#include "yaml.h"

#include <stdbool.h>
#include <stddef.h>

enum fc_conn_kind { FC_CONN_MYSQL, FC_CONN_POSTGRES, FC_CONN_NATS };

struct fc_conn {
	const char *name;
	enum fc_conn_kind kind;
	const char *dsn;        /* secrets expanded: never print */
	const char *shown;      /* dsn with the password as ***: printable */
	const char *password;   /* password_env / password_file, or NULL */
	const char **secrets;   /* every value the loader substituted: each ${VAR}
	                         * of the dsn/url and the password; masked in
	                         * shown and in messages (fc_dsn_mask) */
	size_t nsecrets;
	struct fc_mysql_dsn my; /* kind mysql: the parsed dsn (password merged) */
	int line, col;
};

enum fc_sink_kind { FC_SINK_OUTBOX, FC_SINK_NATS, FC_SINK_JSONL };

struct fc_cdc_config {
	bool present;
	const char *source;         /* a mysql connection */
	unsigned server_id;         /* replica id, default 4242 */
	unsigned heartbeat_ms;      /* server heartbeat when idle, default 10 */
	struct {
		enum fc_sink_kind kind;
		const char *connection; /* outbox: postgres; nats: nats */
		const char *path;       /* jsonl: file, "-" for stdout */
		const char *stream;     /* nats: stream name, default FICUS */
		const char *subjects;   /* nats: subject prefix, default ficus (ficus.<topic>) */
		unsigned max_delay_ms;  /* outbox: commit a batch this old, default 10 */
		unsigned max_events;    /* outbox: or this big, default 5000 */
	} sink;
	int line, col;
};

struct fc_sync_config {
	bool present;
	const char *source;         /* mysql connection to fetch current rows */
	const char *target;         /* postgres connection with read models */
	const char *bus;            /* outbox | nats | jsonl */
	int line, col;
};

enum fc_route_mode { FC_MODE_LEGACY, FC_MODE_SHADOW, FC_MODE_SPLIT, FC_MODE_NEW };
enum fc_sticky_kind { FC_STICKY_NONE, FC_STICKY_HEADER, FC_STICKY_COOKIE, FC_STICKY_CAPTURE };

struct fc_upstream {
	const char *name;
	const char *url;            /* http://host:port */
	const char *host;
	unsigned port;
	int line, col;
};

struct fc_route {
	const char *name;
	const char *method;         /* NULL: any method */
	const char *path;           /* pcre2 pattern, checked at load */
	const char *legacy;         /* upstream names */
	const char *new_;           /* NULL when the route has no new side */
	enum fc_route_mode mode;
	int weight;                 /* split: percent to new, 0-100 */
	enum fc_sticky_kind sticky;
	const char *sticky_name;    /* header, cookie or capture name */
	const char **shadow_ignore; /* JSON fields ignored when diffing */
	size_t nshadow_ignore;
	int timeout_ms;
	int line, col;
};

struct fc_router_config {
	bool present;
	const char *listen;         /* host:port */
	int workers;
	const char *admin_listen;   /* NULL: no admin API */
	const char *admin_token;    /* token, token_env or token_file: never print */
	bool metrics_open;          /* admin.metrics_auth: false: /metrics without token */
	int breaker_failures;       /* breaker.failures: consecutive, default 5 */
	int breaker_cooldown_ms;    /* breaker.cooldown_ms: open before a probe, default 5000 */
	const char *shadow_log;     /* shadow.log: diff JSON lines (resolved path), or NULL */
	int shadow_queue;           /* shadow.queue: copies waiting per worker, default 256 */
	long long shadow_max_body;  /* shadow.max_body: bytes per body compared, default 1 MiB */
	const char *access_log;     /* access_log: JSON lines (resolved path), or NULL */
	int client_timeout_ms;      /* client_timeout_ms: idle keep-alive / slow request, 60000 */
	int drain_ms;               /* drain_ms: at stop, in-flight requests finish within, 5000 */
	struct fc_upstream *upstreams;
	size_t nupstreams;
	const char *default_upstream;
	struct fc_route *routes;
	size_t nroutes;
	int line, col;
};

struct fc_config {
	const char *path;           /* as given */
	const char *dir;            /* its folder, for relative paths */
	struct fc_conn *conns;
	size_t nconns;
	const char **mapping_paths; /* files or folders, resolved */
	size_t nmapping_paths;
	int mappings_line, mappings_col;
	struct fc_cdc_config cdc;
	struct fc_sync_config sync;
	struct fc_router_config router;
	struct fc_ydoc doc;         /* owns every string above */
};

/* Loads and validates a config file. On success the caller owns cfg and
 * releases it with fc_config_release(); on failure there is nothing to
 * release and err says file:line:col: what. */
int fc_config_load(const char *path, struct fc_config *cfg, struct fc_err *err);
/* Same, from text in memory (path is used in messages). */
int fc_config_parse(const char *path, const char *text, size_t len,
                    struct fc_config *cfg, struct fc_err *err);
void fc_config_release(struct fc_config *cfg);

/* The config path a command uses: the --config value when given, else
 * $FICUS_CONFIG, else "ficus.yaml". */
const char *fc_config_default_path(const char *flag);

/* A connection by name, or NULL. */
const struct fc_conn *fc_config_conn(const struct fc_config *cfg, const char *name);

/* A connection by name that must be of that kind; else NULL and err says
 * "unknown connection 'x' (defined: a, b)" or "connection 'x' is postgres,
 * expected mysql" (callers put where the name came from in front). */
const struct fc_conn *fc_config_conn_kind(const struct fc_config *cfg, const char *name,
                                          enum fc_conn_kind kind, struct fc_err *err);

/* The default connections of commands and mapping files: the legacy
 * (mysql) one is sync.source, else cdc.source; the target (postgres) one
 * is sync.target. NULL when the config names none; *key (may be NULL)
 * gets the config key it came from ("sync.source"), or NULL. */
const char *fc_config_legacy_conn(const struct fc_config *cfg, const char **key);
const char *fc_config_target_conn(const struct fc_config *cfg, const char **key);

const char *fc_conn_kind_name(enum fc_conn_kind k);
const char *fc_route_mode_name(enum fc_route_mode m);

#endif
