/* lib/config.c - see config.h; the format is in docs/config.md. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "config.h"

#include "ident.h"

#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct loader {
	struct fc_config *cfg;
	struct fc_ydoc *d;
	struct fc_arena *a;
	struct fc_err *err;
};

#define FAIL(n, ...) fc_y_fail(L->d, (n), L->err, __VA_ARGS__)
#define NOMEM() fc_errf(L->err, FC_ENOMEM, "%s: out of memory", L->d->path)

/* Expands ${VAR} from the environment. A missing variable is an error at
 * the node; "$$" stands for one '$'. Each non-empty value is also appended
 * to secrets[*nsecrets] (room for one per "${" in the text), so that it can
 * be masked wherever the DSN is shown. */
static int expand_env(struct loader *L, const struct fc_ynode *n, const char *what,
                      const char *in, const char **out, const char **secrets,
                      size_t *nsecrets)
{
	struct fc_buf b = FC_BUF_INIT;
	const char *p = in;
	int rc = 0;

	while (*p && rc == 0) {
		if (p[0] == '$' && p[1] == '$') {
			rc = fc_buf_putc(&b, '$');
			p += 2;
		} else if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			char name[128];
			const char *val;
			size_t len;
			if (!end) {
				fc_buf_release(&b);
				return FAIL(n, "%s: '${' without a closing '}'", what);
			}
			len = (size_t)(end - p - 2);
			if (len == 0 || len >= sizeof name) {
				fc_buf_release(&b);
				return FAIL(n, "%s: bad environment variable name in '${...}'", what);
			}
			memcpy(name, p + 2, len);
			name[len] = '\0';
			val = getenv(name);
			if (!val) {
				fc_buf_release(&b);
				return FAIL(n, "%s: environment variable '%s' is not set", what, name);
			}
			rc = fc_buf_puts(&b, val);
			if (rc == 0 && *val) {
				if (!(secrets[*nsecrets] = fc_arena_strdup(L->a, val)))
					rc = -FC_ENOMEM;
				else
					(*nsecrets)++;
			}
			p = end + 1;
		} else {
			rc = fc_buf_putc(&b, *p++);
		}
	}
	if (rc == 0)
		*out = fc_arena_strndup(L->a, b.ptr ? b.ptr : "", b.len);
	fc_buf_release(&b);
	if (rc || !*out)
		return NOMEM();
	return 0;
}

/* A path relative to the config's folder (absolute paths stay). */
static const char *resolve_path(struct loader *L, const char *p)
{
	if (p[0] == '/' || strcmp(L->cfg->dir, ".") == 0)
		return fc_arena_strdup(L->a, p);
	return fc_arena_sprintf(L->a, "%s/%s", L->cfg->dir, p);
}

/* Reads a secret from a file: the first line, without its newline. */
static int read_secret_file(struct loader *L, const struct fc_ynode *n,
                            const char *path, const char **out)
{
	const char *full = resolve_path(L, path);
	char buf[4096];
	size_t got;
	FILE *f;

	if (!full)
		return NOMEM();
	f = fopen(full, "rb");
	if (!f)
		return FAIL(n, "cannot read secret file '%s': %s", full, strerror(errno));
	got = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[got] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0])
		return FAIL(n, "secret file '%s' is empty", full);
	*out = fc_arena_strdup(L->a, buf);
	return *out ? 0 : NOMEM();
}

static const char *const conn_kinds[] = { "mysql", "postgres", "nats", NULL };

static int load_conn(struct loader *L, const struct fc_ynode *key,
                     const struct fc_ynode *v, struct fc_conn *c)
{
	static const char *const keys[] = { "kind", "dsn", "url", "password_env",
	                                    "password_file", NULL };
	struct fc_ynode *kn, *dn, *pe, *pf;
	const char *raw, *why;
	char what[160];
	int kind, rc;

	c->name = key->str;
	c->line = key->line;
	c->col = key->col;
	snprintf(what, sizeof what, "connection '%s'", c->name);
	if (!fc_ident_valid(c->name, &why))
		return FAIL(key, "bad connection name '%s': %s", c->name, why);
	if ((rc = fc_y_need_map(L->d, v, what, L->err)) ||
	    (rc = fc_y_check_keys(L->d, v, keys, L->err)) ||
	    (rc = fc_y_require(L->d, v, "kind", what, &kn, L->err)) ||
	    (rc = fc_y_enum(L->d, kn, "'kind'", conn_kinds, &kind, L->err)))
		return rc;
	c->kind = (enum fc_conn_kind)kind;
	dn = fc_y_get(v, c->kind == FC_CONN_NATS ? "url" : "dsn");
	if (!dn) {
		struct fc_ynode *other = fc_y_get(v, c->kind == FC_CONN_NATS ? "dsn" : "url");
		if (other)
			return FAIL(other, "%s of kind %s takes '%s', not '%s'", what,
			            conn_kinds[kind], c->kind == FC_CONN_NATS ? "url" : "dsn",
			            c->kind == FC_CONN_NATS ? "dsn" : "url");
		return FAIL(v, "missing key '%s' in %s", c->kind == FC_CONN_NATS ? "url" : "dsn",
		            what);
	}
	if ((rc = fc_y_str(L->d, dn, "the dsn", false, &raw, L->err)))
		return rc;
	{
		/* room for each ${VAR} of the dsn and the password */
		size_t cap = 1;
		for (const char *p = raw; (p = strstr(p, "${")); p += 2)
			cap++;
		c->secrets = fc_arena_alloc(L->a, cap * sizeof *c->secrets);
		if (!c->secrets)
			return NOMEM();
	}
	if ((rc = expand_env(L, dn, what, raw, &c->dsn, c->secrets, &c->nsecrets)))
		return rc;
	pe = fc_y_get(v, "password_env");
	pf = fc_y_get(v, "password_file");
	if (pe && pf)
		return FAIL(pf, "%s: give password_env or password_file, not both", what);
	if (pe) {
		const char *var;
		if ((rc = fc_y_str(L->d, pe, "password_env", false, &var, L->err)))
			return rc;
		c->password = getenv(var);
		if (!c->password)
			return FAIL(pe, "%s: environment variable '%s' is not set", what, var);
		c->password = fc_arena_strdup(L->a, c->password);
	} else if (pf) {
		const char *path;
		if ((rc = fc_y_str(L->d, pf, "password_file", false, &path, L->err)) ||
		    (rc = read_secret_file(L, pf, path, &c->password)))
			return rc;
	}
	if (c->password && *c->password)
		c->secrets[c->nsecrets++] = c->password;
	c->shown = fc_dsn_show(c->dsn, c->secrets, c->nsecrets, L->a);
	switch (c->kind) {
	case FC_CONN_MYSQL:
		if (fc_dsn_parse_mysql(c->dsn, L->a, &c->my, &why))
			return FAIL(dn, "%s: dsn '%s' %s", what, c->shown, why);
		if (c->password)
			c->my.password = c->password;
		break;
	case FC_CONN_POSTGRES:
		if (strncmp(c->dsn, "postgresql://", 13) != 0 &&
		    strncmp(c->dsn, "postgres://", 11) != 0 && !strchr(c->dsn, '='))
			return FAIL(dn, "%s: dsn '%s' must be a PostgreSQL URI "
			            "(postgresql://user@host:port/database) or key=value string",
			            what, c->shown);
		break;
	case FC_CONN_NATS:
		if (strncmp(c->dsn, "nats://", 7) != 0 && strncmp(c->dsn, "tls://", 6) != 0)
			return FAIL(dn, "%s: url '%s' must start with nats://", what, c->shown);
		break;
	}
	return 0;
}

static int load_connections(struct loader *L, const struct fc_ynode *n)
{
	int rc;
	if ((rc = fc_y_need_map(L->d, n, "'connections'", L->err)))
		return rc;
	if (n->n == 0)
		return FAIL(n, "'connections' is empty: name at least the legacy database");
	L->cfg->conns = fc_arena_alloc(L->a, n->n * sizeof *L->cfg->conns);
	if (!L->cfg->conns)
		return NOMEM();
	for (size_t i = 0; i < n->n; i++) {
		if ((rc = load_conn(L, n->items[2 * i], n->items[2 * i + 1], &L->cfg->conns[i])))
			return rc;
		L->cfg->nconns++;
	}
	return 0;
}

/* A reference to a connection: must exist and be of that kind. */
static int check_conn_ref(struct loader *L, const struct fc_ynode *n, const char *what,
                          const char *name, enum fc_conn_kind kind)
{
	struct fc_err e;
	if (!fc_config_conn_kind(L->cfg, name, kind, &e))
		return FAIL(n, "%s: %s", what, e.msg);
	return 0;
}

static int conn_ref(struct loader *L, const struct fc_ynode *map, const char *key,
                    const char *what, enum fc_conn_kind kind, bool required, const char **out)
{
	struct fc_ynode *n = fc_y_get(map, key);
	char w[128];
	int rc;
	snprintf(w, sizeof w, "%s '%s'", what, key);
	if (!n) {
		if (required)
			return FAIL(map, "missing key '%s' in %s", key, what);
		return 0;
	}
	if ((rc = fc_y_str(L->d, n, w, false, out, L->err)))
		return rc;
	return check_conn_ref(L, n, w, *out, kind);
}

static int load_mappings(struct loader *L, const struct fc_ynode *n)
{
	const char **list;
	size_t count;
	int rc;

	L->cfg->mappings_line = n->line;
	L->cfg->mappings_col = n->col;
	if ((rc = fc_y_strlist(L->d, n, "'mappings'", &list, &count, L->err)))
		return rc;
	L->cfg->mapping_paths = fc_arena_alloc(L->a, count * sizeof *list);
	if (!L->cfg->mapping_paths)
		return NOMEM();
	for (size_t i = 0; i < count; i++) {
		L->cfg->mapping_paths[i] = resolve_path(L, list[i]);
		if (!L->cfg->mapping_paths[i])
			return NOMEM();
	}
	L->cfg->nmapping_paths = count;
	return 0;
}

static int load_cdc(struct loader *L, const struct fc_ynode *n)
{
	static const char *const keys[] = { "source", "server_id", "heartbeat_ms", "sink", NULL };
	static const char *const sink_keys[] = { "kind", "connection", "path", "stream", "subjects",
	                                          "max_delay_ms", "max_events", NULL };
	static const char *const sinks[] = { "outbox", "nats", "jsonl", NULL };
	/* the keys each kind takes, in the order of enum fc_sink_kind */
	static const char *const outbox_keys[] = { "kind", "connection", "max_delay_ms", "max_events",
	                                            NULL };
	static const char *const nats_keys[] = { "kind", "connection", "stream", "subjects", NULL };
	static const char *const jsonl_keys[] = { "kind", "path", NULL };
	static const char *const *const kind_keys[] = { outbox_keys, nats_keys, jsonl_keys };
	struct fc_cdc_config *c = &L->cfg->cdc;
	struct fc_ynode *v;
	int rc;

	if ((rc = fc_y_need_map(L->d, n, "'cdc'", L->err)) ||
	    (rc = fc_y_check_keys(L->d, n, keys, L->err)) ||
	    (rc = conn_ref(L, n, "source", "'cdc'", FC_CONN_MYSQL, true, &c->source)))
		return rc;
	c->present = true;
	c->line = n->line;
	c->col = n->col;
	c->server_id = 4242;
	if ((v = fc_y_get(n, "server_id"))) {
		long long id;
		if ((rc = fc_y_int(L->d, v, "'server_id'", 1, 4294967295LL, &id, L->err)))
			return rc;
		c->server_id = (unsigned)id;
	}
	c->heartbeat_ms = 10;
	if ((v = fc_y_get(n, "heartbeat_ms"))) {
		long long ms;
		if ((rc = fc_y_int(L->d, v, "'heartbeat_ms'", 1, 60000, &ms, L->err)))
			return rc;
		c->heartbeat_ms = (unsigned)ms;
	}
	c->sink.kind = FC_SINK_OUTBOX;
	c->sink.max_delay_ms = 10;
	c->sink.max_events = 5000;
	if ((v = fc_y_get(n, "sink"))) {
		struct fc_ynode *k;
		int kind;
		if ((rc = fc_y_need_map(L->d, v, "'cdc.sink'", L->err)) ||
		    (rc = fc_y_check_keys(L->d, v, sink_keys, L->err)) ||
		    (rc = fc_y_require(L->d, v, "kind", "'cdc.sink'", &k, L->err)) ||
		    (rc = fc_y_enum(L->d, k, "'cdc.sink.kind'", sinks, &kind, L->err)))
			return rc;
		c->sink.kind = (enum fc_sink_kind)kind;
		for (size_t i = 0; i < v->n; i++) {
			const struct fc_ynode *key = v->items[2 * i];
			const char *const *ok = kind_keys[kind];
			char list[128];
			size_t off = 0;
			while (*ok && strcmp(*ok, key->str) != 0)
				ok++;
			if (*ok)
				continue;
			list[0] = '\0';
			for (ok = kind_keys[kind]; *ok; ok++)
				off = fc_list_add(list, sizeof list, off, ", ", *ok);
			return FAIL(key, "'cdc.sink' of kind %s takes no '%s' (it takes: %s)",
			            sinks[kind], key->str, list);
		}
		switch (c->sink.kind) {
		case FC_SINK_OUTBOX: {
			long long x;
			rc = conn_ref(L, v, "connection", "'cdc.sink'", FC_CONN_POSTGRES, true, &c->sink.connection);
			if (rc == 0 && (k = fc_y_get(v, "max_delay_ms")) &&
			    (rc = fc_y_int(L->d, k, "'cdc.sink.max_delay_ms'", 0, 60000, &x, L->err)) == 0)
				c->sink.max_delay_ms = (unsigned)x;
			if (rc == 0 && (k = fc_y_get(v, "max_events")) &&
			    (rc = fc_y_int(L->d, k, "'cdc.sink.max_events'", 1, 1000000, &x, L->err)) == 0)
				c->sink.max_events = (unsigned)x;
			break;
		}
		case FC_SINK_NATS:
			rc = conn_ref(L, v, "connection", "'cdc.sink'", FC_CONN_NATS, true, &c->sink.connection);
			if (rc == 0 && (k = fc_y_get(v, "stream"))) {
				const char *why;
				if ((rc = fc_y_str(L->d, k, "'cdc.sink.stream'", false, &c->sink.stream, L->err)))
					return rc;
				if (!fc_ident_valid(c->sink.stream, &why))
					return FAIL(k, "bad stream name '%s': %s", c->sink.stream, why);
			}
			if (rc == 0 && (k = fc_y_get(v, "subjects"))) {
				const char *why;
				if ((rc = fc_y_str(L->d, k, "'cdc.sink.subjects'", false, &c->sink.subjects, L->err)))
					return rc;
				if (!fc_ident_valid(c->sink.subjects, &why))
					return FAIL(k, "bad subject prefix '%s': %s", c->sink.subjects, why);
			}
			break;
		case FC_SINK_JSONL:
			c->sink.path = "-";
			if ((k = fc_y_get(v, "path")))
				rc = fc_y_str(L->d, k, "'cdc.sink.path'", false, &c->sink.path, L->err);
			break;
		}
		if (rc)
			return rc;
		if (!c->sink.stream)
			c->sink.stream = "FICUS";
		if (!c->sink.subjects)
			c->sink.subjects = "ficus";
	} else {
		return FAIL(n, "missing key 'sink' in 'cdc' (e.g. sink: { kind: outbox, connection: newdb })");
	}
	return 0;
}

static int load_sync(struct loader *L, const struct fc_ynode *n)
{
	static const char *const keys[] = { "source", "target", "bus", NULL };
	static const char *const buses[] = { "outbox", "nats", "jsonl", NULL };
	struct fc_sync_config *s = &L->cfg->sync;
	struct fc_ynode *v;
	int rc, bus;

	if ((rc = fc_y_need_map(L->d, n, "'sync'", L->err)) ||
	    (rc = fc_y_check_keys(L->d, n, keys, L->err)) ||
	    (rc = conn_ref(L, n, "source", "'sync'", FC_CONN_MYSQL, true, &s->source)) ||
	    (rc = conn_ref(L, n, "target", "'sync'", FC_CONN_POSTGRES, true, &s->target)))
		return rc;
	s->present = true;
	s->line = n->line;
	s->col = n->col;
	s->bus = "outbox";
	if ((v = fc_y_get(n, "bus"))) {
		if ((rc = fc_y_enum(L->d, v, "'sync.bus'", buses, &bus, L->err)))
			return rc;
		s->bus = buses[bus];
	}
	return 0;
}

/* host:port with a numeric port; host may be [v6]. */
static int check_listen(struct loader *L, const struct fc_ynode *n, const char *what,
                        const char *s)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;
	if (!colon || colon == s)
		return FAIL(n, "%s '%s' must be host:port (e.g. 127.0.0.1:8080)", what, s);
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 1 || port > 65535)
		return FAIL(n, "%s '%s' has a bad port (expected 1-65535)", what, s);
	return 0;
}

static int load_upstreams(struct loader *L, const struct fc_ynode *n)
{
	struct fc_router_config *r = &L->cfg->router;
	static const char *const keys[] = { "url", NULL };
	int rc;

	if ((rc = fc_y_need_map(L->d, n, "'router.upstreams'", L->err)))
		return rc;
	if (n->n == 0)
		return FAIL(n, "'router.upstreams' is empty");
	r->upstreams = fc_arena_alloc(L->a, n->n * sizeof *r->upstreams);
	if (!r->upstreams)
		return NOMEM();
	for (size_t i = 0; i < n->n; i++) {
		struct fc_ynode *k = n->items[2 * i], *v = n->items[2 * i + 1], *u;
		struct fc_upstream *up = &r->upstreams[i];
		const char *why, *p, *colon, *slash;
		char what[128];
		long port = 80;
		char *end;

		snprintf(what, sizeof what, "upstream '%s'", k->str);
		if (!fc_ident_valid(k->str, &why))
			return FAIL(k, "bad upstream name '%s': %s", k->str, why);
		if ((rc = fc_y_need_map(L->d, v, what, L->err)) ||
		    (rc = fc_y_check_keys(L->d, v, keys, L->err)) ||
		    (rc = fc_y_require(L->d, v, "url", what, &u, L->err)) ||
		    (rc = fc_y_str(L->d, u, "'url'", false, &up->url, L->err)))
			return rc;
		up->name = k->str;
		up->line = k->line;
		up->col = k->col;
		if (strncmp(up->url, "http://", 7) != 0)
			return FAIL(u, "%s: url '%s' must start with http://", what, up->url);
		if (strlen(up->url) > 255 || strlen(up->name) > 63)   /* the router keeps them by value */
			return FAIL(strlen(up->name) > 63 ? k : u, "%s: %s longer than %d characters", what,
			            strlen(up->name) > 63 ? "the name is" : "the url is",
			            strlen(up->name) > 63 ? 63 : 255);
		p = up->url + 7;
		slash = strchr(p, '/');
		if (slash && slash[1])
			return FAIL(u, "%s: url '%s' must not have a path", what, up->url);
		colon = strchr(p, ':');
		if (colon && (!slash || colon < slash)) {
			port = strtol(colon + 1, &end, 10);
			if (end == colon + 1 || (*end && *end != '/') || port < 1 || port > 65535)
				return FAIL(u, "%s: url '%s' has a bad port", what, up->url);
		} else {
			colon = slash ? slash : p + strlen(p);
		}
		if (colon == p)
			return FAIL(u, "%s: url '%s' has no host", what, up->url);
		up->host = fc_arena_strndup(L->a, p, (size_t)(colon - p));
		up->port = (unsigned)port;
		r->nupstreams++;
	}
	return 0;
}

static const struct fc_upstream *find_upstream(const struct fc_router_config *r,
                                               const char *name)
{
	for (size_t i = 0; i < r->nupstreams; i++)
		if (strcmp(r->upstreams[i].name, name) == 0)
			return &r->upstreams[i];
	return NULL;
}

static int upstream_ref(struct loader *L, const struct fc_ynode *map, const char *key,
                        const char *what, bool required, const char **out)
{
	struct fc_ynode *n = fc_y_get(map, key);
	int rc;
	if (!n) {
		if (required)
			return FAIL(map, "missing key '%s' in %s", key, what);
		return 0;
	}
	if ((rc = fc_y_str(L->d, n, key, false, out, L->err)))
		return rc;
	if (!find_upstream(&L->cfg->router, *out))
		return FAIL(n, "%s: unknown upstream '%s' (define it under router.upstreams)",
		            what, *out);
	return 0;
}

static int check_regex(struct loader *L, const struct fc_ynode *n, const char *what,
                       const char *pattern, const char *capture)
{
	int errcode;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	                               PCRE2_UTF, &errcode, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof msg);
		return FAIL(n, "%s: bad regex at offset %zu: %s", what, (size_t)off, (char *)msg);
	}
	if (capture && pcre2_substring_number_from_name(re, (PCRE2_SPTR)capture) < 0) {
		pcre2_code_free(re);
		return FAIL(n, "%s: sticky capture '%s' is not a named group of the path "
		            "regex (write (?<%s>...))", what, capture, capture);
	}
	pcre2_code_free(re);
	return 0;
}

static const char *const modes[] = { "legacy", "shadow", "split", "new", NULL };

static int load_route(struct loader *L, const struct fc_ynode *n, struct fc_route *rt)
{
	static const char *const keys[] = { "name", "match", "legacy", "new", "mode",
	                                    "weight", "sticky", "shadow", "timeout_ms", NULL };
	static const char *const match_keys[] = { "method", "path", NULL };
	static const char *const sticky_keys[] = { "header", "cookie", "capture", NULL };
	static const char *const shadow_keys[] = { "ignore", NULL };
	static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH",
	                                       "DELETE", "OPTIONS", NULL };
	struct fc_ynode *v, *m, *pn = NULL;
	char what[160];
	int rc, mode;

	rt->line = n->line;
	rt->col = n->col;
	rt->timeout_ms = 5000;
	if ((rc = fc_y_need_map(L->d, n, "a route", L->err)) ||
	    (rc = fc_y_check_keys(L->d, n, keys, L->err)) ||
	    (rc = fc_y_require(L->d, n, "name", "the route", &v, L->err)) ||
	    (rc = fc_y_str(L->d, v, "the route's 'name'", false, &rt->name, L->err)))
		return rc;
	snprintf(what, sizeof what, "route '%s'", rt->name);
	if (!rt->name[0])
		return FAIL(v, "the route's 'name' must not be empty");
	if (strlen(rt->name) > 63)   /* counters and metrics are kept by name */
		return FAIL(v, "route name '%.20s...' is longer than 63 characters", rt->name);
	for (const char *p = rt->name; *p; p++)
		if (!(*p == '-' || *p == '_' || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return FAIL(v, "bad route name '%s': use letters, digits, '-' and '_'",
			            rt->name);
	if ((rc = fc_y_require(L->d, n, "match", what, &m, L->err)) ||
	    (rc = fc_y_need_map(L->d, m, "'match'", L->err)) ||
	    (rc = fc_y_check_keys(L->d, m, match_keys, L->err)) ||
	    (rc = fc_y_require(L->d, m, "path", "'match'", &pn, L->err)) ||
	    (rc = fc_y_str(L->d, pn, "'match.path'", false, &rt->path, L->err)))
		return rc;
	if ((v = fc_y_get(m, "method"))) {
		int mi;
		if ((rc = fc_y_enum(L->d, v, "'match.method'", methods, &mi, L->err)))
			return rc;
		rt->method = methods[mi];
	}
	if ((rc = upstream_ref(L, n, "legacy", what, false, &rt->legacy)) ||
	    (rc = upstream_ref(L, n, "new", what, false, &rt->new_)))
		return rc;
	if (!rt->legacy)
		rt->legacy = L->cfg->router.default_upstream;
	rt->mode = FC_MODE_LEGACY;
	if ((v = fc_y_get(n, "mode"))) {
		if ((rc = fc_y_enum(L->d, v, "'mode'", modes, &mode, L->err)))
			return rc;
		rt->mode = (enum fc_route_mode)mode;
		if (rt->mode != FC_MODE_LEGACY && !rt->new_)
			return FAIL(v, "%s: mode %s needs a 'new' upstream", what, modes[mode]);
	}
	if ((v = fc_y_get(n, "weight"))) {
		long long w;
		if ((rc = fc_y_int(L->d, v, "'weight' (percent to new)", 0, 100, &w, L->err)))
			return rc;
		rt->weight = (int)w;
	} else if (rt->mode == FC_MODE_SPLIT) {
		return FAIL(n, "%s: mode split needs a 'weight' (0-100, percent to new)", what);
	}
	if ((v = fc_y_get(n, "sticky"))) {
		if ((rc = fc_y_need_map(L->d, v, "'sticky'", L->err)) ||
		    (rc = fc_y_check_keys(L->d, v, sticky_keys, L->err)))
			return rc;
		if (v->n != 1)
			return FAIL(v, "'sticky' takes exactly one of: header, cookie, capture");
		for (int i = 0; sticky_keys[i]; i++) {
			struct fc_ynode *s = fc_y_get(v, sticky_keys[i]);
			if (!s)
				continue;
			rt->sticky = (enum fc_sticky_kind)(i + 1);
			if ((rc = fc_y_str(L->d, s, "the sticky name", false, &rt->sticky_name, L->err)))
				return rc;
		}
	}
	if ((rc = check_regex(L, pn, what, rt->path,
	                      rt->sticky == FC_STICKY_CAPTURE ? rt->sticky_name : NULL)))
		return rc;
	if ((v = fc_y_get(n, "shadow"))) {
		struct fc_ynode *ig;
		if ((rc = fc_y_need_map(L->d, v, "'shadow'", L->err)) ||
		    (rc = fc_y_check_keys(L->d, v, shadow_keys, L->err)))
			return rc;
		if ((ig = fc_y_get(v, "ignore")) &&
		    (rc = fc_y_strlist(L->d, ig, "'shadow.ignore'", &rt->shadow_ignore,
		                       &rt->nshadow_ignore, L->err)))
			return rc;
	}
	if ((v = fc_y_get(n, "timeout_ms"))) {
		long long t;
		if ((rc = fc_y_int(L->d, v, "'timeout_ms'", 1, 3600000, &t, L->err)))
			return rc;
		rt->timeout_ms = (int)t;
	}
	return 0;
}

/* An optional integer key of map n into *out (left alone when absent). */
static int opt_int(struct loader *L, const struct fc_ynode *map, const char *key,
                   const char *what, long long lo, long long hi, long long *out)
{
	struct fc_ynode *v = fc_y_get(map, key);
	return v ? fc_y_int(L->d, v, what, lo, hi, out, L->err) : 0;
}

/* router: breaker, shadow, access_log, client_timeout_ms, drain_ms (with
 * defaults). */
static int load_router_knobs(struct loader *L, const struct fc_ynode *n)
{
	static const char *const breaker_keys[] = { "failures", "cooldown_ms", NULL };
	static const char *const shadow_keys[] = { "log", "queue", "max_body", NULL };
	struct fc_router_config *r = &L->cfg->router;
	long long failures = 5, cooldown = 5000, queue = 256, max_body = 1 << 20,
	          client_timeout = 60000, drain = 5000;
	struct fc_ynode *v;
	const char *s;
	int rc;

	if ((v = fc_y_get(n, "breaker")) &&
	    ((rc = fc_y_need_map(L->d, v, "'router.breaker'", L->err)) ||
	     (rc = fc_y_check_keys(L->d, v, breaker_keys, L->err)) ||
	     (rc = opt_int(L, v, "failures", "'breaker.failures'", 1, 1000000, &failures)) ||
	     (rc = opt_int(L, v, "cooldown_ms", "'breaker.cooldown_ms'", 1, 3600000, &cooldown))))
		return rc;
	if ((v = fc_y_get(n, "shadow"))) {
		struct fc_ynode *lg;
		if ((rc = fc_y_need_map(L->d, v, "'router.shadow'", L->err)) ||
		    (rc = fc_y_check_keys(L->d, v, shadow_keys, L->err)) ||
		    (rc = opt_int(L, v, "queue", "'shadow.queue'", 1, 1000000, &queue)) ||
		    (rc = opt_int(L, v, "max_body", "'shadow.max_body'", 0, 1LL << 30, &max_body)))
			return rc;
		if ((lg = fc_y_get(v, "log"))) {
			if ((rc = fc_y_str(L->d, lg, "'shadow.log'", false, &s, L->err)))
				return rc;
			if (!(r->shadow_log = resolve_path(L, s)))
				return NOMEM();
		}
	}
	if ((v = fc_y_get(n, "access_log"))) {
		if ((rc = fc_y_str(L->d, v, "'router.access_log'", false, &s, L->err)))
			return rc;
		if (!(r->access_log = resolve_path(L, s)))
			return NOMEM();
	}
	if ((rc = opt_int(L, n, "client_timeout_ms", "'router.client_timeout_ms'", 10, 3600000,
	                  &client_timeout)) ||
	    (rc = opt_int(L, n, "drain_ms", "'router.drain_ms'", 0, 3600000, &drain)))
		return rc;
	r->breaker_failures = (int)failures;
	r->breaker_cooldown_ms = (int)cooldown;
	r->shadow_queue = (int)queue;
	r->shadow_max_body = max_body;
	r->client_timeout_ms = (int)client_timeout;
	r->drain_ms = (int)drain;
	return 0;
}

static int load_router(struct loader *L, const struct fc_ynode *n)
{
	static const char *const keys[] = { "listen", "workers", "admin", "upstreams", "default",
	                                    "routes", "breaker", "shadow", "access_log",
	                                    "client_timeout_ms", "drain_ms", NULL };
	static const char *const admin_keys[] = { "listen", "token", "token_env", "token_file",
	                                          "metrics_auth", NULL };
	struct fc_router_config *r = &L->cfg->router;
	struct fc_ynode *v;
	int rc;

	if ((rc = fc_y_need_map(L->d, n, "'router'", L->err)) ||
	    (rc = fc_y_check_keys(L->d, n, keys, L->err)) ||
	    (rc = fc_y_require(L->d, n, "listen", "'router'", &v, L->err)) ||
	    (rc = fc_y_str(L->d, v, "'router.listen'", false, &r->listen, L->err)) ||
	    (rc = check_listen(L, v, "'router.listen'", r->listen)))
		return rc;
	r->present = true;
	r->line = n->line;
	r->col = n->col;
	r->workers = 1;
	if ((v = fc_y_get(n, "workers"))) {
		long long w;
		if ((rc = fc_y_int(L->d, v, "'router.workers'", 1, 256, &w, L->err)))
			return rc;
		r->workers = (int)w;
	}
	if ((v = fc_y_get(n, "admin"))) {
		struct fc_ynode *a;
		if ((rc = fc_y_need_map(L->d, v, "'router.admin'", L->err)) ||
		    (rc = fc_y_check_keys(L->d, v, admin_keys, L->err)) ||
		    (rc = fc_y_require(L->d, v, "listen", "'router.admin'", &a, L->err)) ||
		    (rc = fc_y_str(L->d, a, "'router.admin.listen'", false, &r->admin_listen, L->err)) ||
		    (rc = check_listen(L, a, "'router.admin.listen'", r->admin_listen)))
			return rc;
		/* the admin API changes live traffic: loopback only */
		if (strncmp(r->admin_listen, "127.", 4) && strncmp(r->admin_listen, "localhost:", 10) &&
		    strncmp(r->admin_listen, "[::1]:", 6))
			return FAIL(a, "'router.admin.listen' '%s' must be a loopback address (127.0.0.1:PORT, "
			            "[::1]:PORT or localhost:PORT): the admin API changes live traffic",
			            r->admin_listen);
		{
			static const char *const tok_keys[] = { "token", "token_env", "token_file" };
			const char *first = NULL;
			for (int i = 0; i < 3; i++) {
				if (!(a = fc_y_get(v, tok_keys[i])))
					continue;
				if (first)
					return FAIL(a, "'router.admin': give %s or %s, not both", first,
					            tok_keys[i]);
				first = tok_keys[i];
			}
		}
		if ((a = fc_y_get(v, "metrics_auth"))) {
			bool b;
			if ((rc = fc_y_bool(L->d, a, "'metrics_auth'", &b, L->err)))
				return rc;
			r->metrics_open = !b;
		}
		if ((a = fc_y_get(v, "token"))) {
			if ((rc = fc_y_str(L->d, a, "'token'", false, &r->admin_token, L->err)))
				return rc;
		} else if ((a = fc_y_get(v, "token_env"))) {
			const char *var;
			if ((rc = fc_y_str(L->d, a, "'token_env'", false, &var, L->err)))
				return rc;
			/* an unset variable means no token yet: the admin API then
			 * refuses every request, which the router reports */
			r->admin_token = getenv(var) ? fc_arena_strdup(L->a, getenv(var)) : NULL;
		} else if ((a = fc_y_get(v, "token_file"))) {
			const char *path;
			if ((rc = fc_y_str(L->d, a, "'token_file'", false, &path, L->err)) ||
			    (rc = read_secret_file(L, a, path, &r->admin_token)))
				return rc;
		}
	}
	if ((rc = load_router_knobs(L, n)) ||
	    (rc = fc_y_require(L->d, n, "upstreams", "'router'", &v, L->err)) ||
	    (rc = load_upstreams(L, v)))
		return rc;
	if ((rc = upstream_ref(L, n, "default", "'router'", true, &r->default_upstream)))
		return rc;
	if ((v = fc_y_get(n, "routes"))) {
		if ((rc = fc_y_need_seq(L->d, v, "'router.routes'", L->err)))
			return rc;
		r->routes = fc_arena_alloc(L->a, (v->n ? v->n : 1) * sizeof *r->routes);
		if (!r->routes)
			return NOMEM();
		for (size_t i = 0; i < v->n; i++) {
			if ((rc = load_route(L, v->items[i], &r->routes[i])))
				return rc;
			for (size_t j = 0; j < i; j++)
				if (strcmp(r->routes[j].name, r->routes[i].name) == 0)
					return FAIL(v->items[i], "duplicate route name '%s' (first at line %d)",
					            r->routes[i].name, r->routes[j].line);
			r->nroutes++;
		}
	}
	return 0;
}

static int load_root(struct loader *L)
{
	static const char *const keys[] = { "connections", "mappings", "cdc", "sync",
	                                    "router", NULL };
	struct fc_ynode *root = L->d->root, *v;
	int rc;

	if (!root)
		return fc_errf(L->err, FC_ECONFIG, "%s: empty config file (expected keys: "
		               "connections, mappings, cdc, sync, router)", L->d->path);
	if ((rc = fc_y_need_map(L->d, root, "the config file", L->err)) ||
	    (rc = fc_y_check_keys(L->d, root, keys, L->err)) ||
	    (rc = fc_y_require(L->d, root, "connections", "the config file", &v, L->err)) ||
	    (rc = load_connections(L, v)))
		return rc;
	if ((v = fc_y_get(root, "mappings"))) {
		if ((rc = load_mappings(L, v)))
			return rc;
	} else {
		L->cfg->mapping_paths = fc_arena_alloc(L->a, sizeof *L->cfg->mapping_paths);
		if (!L->cfg->mapping_paths || !(L->cfg->mapping_paths[0] = resolve_path(L, "mappings")))
			return NOMEM();
		L->cfg->nmapping_paths = 1;
	}
	if ((v = fc_y_get(root, "cdc")) && (rc = load_cdc(L, v)))
		return rc;
	if ((v = fc_y_get(root, "sync")) && (rc = load_sync(L, v)))
		return rc;
	if ((v = fc_y_get(root, "router")) && (rc = load_router(L, v)))
		return rc;
	return 0;
}

static int finish(struct fc_config *cfg, const char *path, struct fc_err *err)
{
	struct loader L = { cfg, &cfg->doc, &cfg->doc.arena, err };
	const char *slash = strrchr(path, '/');
	int rc;

	cfg->path = cfg->doc.path;
	cfg->dir = slash ? fc_arena_strndup(L.a, path, slash == path ? 1 : (size_t)(slash - path))
	                 : ".";
	if (!cfg->dir)
		rc = fc_errf(err, FC_ENOMEM, "out of memory");
	else
		rc = load_root(&L);
	if (rc)
		fc_config_release(cfg);
	return rc;
}

int fc_config_load(const char *path, struct fc_config *cfg, struct fc_err *err)
{
	int rc;
	memset(cfg, 0, sizeof *cfg);
	if ((rc = fc_yaml_load_file(path, &cfg->doc, err)))
		return rc;
	return finish(cfg, path, err);
}

int fc_config_parse(const char *path, const char *text, size_t len,
                    struct fc_config *cfg, struct fc_err *err)
{
	int rc;
	memset(cfg, 0, sizeof *cfg);
	if ((rc = fc_yaml_load(path, text, len, &cfg->doc, err)))
		return rc;
	return finish(cfg, path, err);
}

void fc_config_release(struct fc_config *cfg)
{
	fc_ydoc_release(&cfg->doc);
	memset(cfg, 0, sizeof *cfg);
}

const char *fc_config_default_path(const char *flag)
{
	const char *env;
	if (flag)
		return flag;
	env = getenv("FICUS_CONFIG");
	return env && *env ? env : "ficus.yaml";
}

const struct fc_conn *fc_config_conn(const struct fc_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nconns; i++)
		if (strcmp(cfg->conns[i].name, name) == 0)
			return &cfg->conns[i];
	return NULL;
}

const struct fc_conn *fc_config_conn_kind(const struct fc_config *cfg, const char *name,
                                          enum fc_conn_kind kind, struct fc_err *err)
{
	const struct fc_conn *c = fc_config_conn(cfg, name);
	if (!c) {
		char list[256] = "";
		size_t off = 0;
		for (size_t i = 0; i < cfg->nconns; i++)
			off = fc_list_add(list, sizeof list, off, ", ", cfg->conns[i].name);
		fc_errf(err, FC_ECONFIG, "unknown connection '%s' (defined: %s)", name,
		        cfg->nconns ? list : "none");
		return NULL;
	}
	if (c->kind != kind) {
		fc_errf(err, FC_ECONFIG, "connection '%s' is %s, expected %s", name,
		        fc_conn_kind_name(c->kind), fc_conn_kind_name(kind));
		return NULL;
	}
	return c;
}

const char *fc_config_legacy_conn(const struct fc_config *cfg, const char **key)
{
	const char *k = cfg->sync.source ? "sync.source" : cfg->cdc.source ? "cdc.source" : NULL;
	if (key)
		*key = k;
	return cfg->sync.source ? cfg->sync.source : cfg->cdc.source;
}

const char *fc_config_target_conn(const struct fc_config *cfg, const char **key)
{
	if (key)
		*key = cfg->sync.target ? "sync.target" : NULL;
	return cfg->sync.target;
}

const char *fc_conn_kind_name(enum fc_conn_kind k)
{
	return (unsigned)k < 3 ? conn_kinds[k] : "?";
}

const char *fc_route_mode_name(enum fc_route_mode m)
{
	return (unsigned)m < 4 ? modes[m] : "?";
}
