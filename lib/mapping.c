/* lib/mapping.c - see mapping.h; the format is in docs/mappings.md. */
#include "mapping.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct loader {
	struct fc_ydoc *d;
	struct fc_arena *a;
	struct fc_err *err;
	struct map_file *f;
};

#define FAIL(n, ...) fc_y_fail(L->d, (n), L->err, __VA_ARGS__)
#define NOMEM() fc_errf(L->err, FC_ENOMEM, "%s: out of memory", L->d->path)

static int ident(struct loader *L, const struct fc_ynode *n, const char *what,
                 const char *s)
{
	const char *why;
	if (!fc_ident_valid(s, &why))
		return FAIL(n, "bad %s '%s': %s", what, s, why);
	return 0;
}

static int ident_list(struct loader *L, const struct fc_ynode *n, const char *what,
                      const char ***out, size_t *count)
{
	int rc = fc_y_strlist(L->d, n, what, out, count, L->err);
	for (size_t i = 0; rc == 0 && i < *count; i++) {
		const struct fc_ynode *item = n->kind == FC_Y_SEQ ? n->items[i] : n;
		if ((rc = ident(L, item, "column name", (*out)[i])))
			break;
		for (size_t j = 0; j < i; j++)
			if (strcmp((*out)[i], (*out)[j]) == 0)
				return FAIL(item, "%s names column '%s' twice", what, (*out)[i]);
	}
	return rc;
}

static int table(struct loader *L, const struct fc_ynode *n, const char *what,
                 struct map_table *t)
{
	const char *why;
	int rc = fc_y_str(L->d, n, what, false, &t->text, L->err);
	if (rc)
		return rc;
	if (fc_ident_split_table(t->text, t->schema, t->name, &why))
		return FAIL(n, "bad table name '%s': %s", t->text, why);
	return 0;
}

/* IANA zone names as files under /usr/share/zoneinfo (when tzdata is
 * installed), or UTC. */
static int timezone_ok(struct loader *L, const struct fc_ynode *n, const char *tz)
{
	char path[256];
	struct stat st;
	if (strcmp(tz, "UTC") == 0)
		return 0;
	for (const char *p = tz; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_+-/", *p)))
			return FAIL(n, "bad timezone '%s' (expected an IANA name like Asia/Seoul)", tz);
	if (strstr(tz, "..") || tz[0] == '/' || strlen(tz) > 64)
		return FAIL(n, "bad timezone '%s' (expected an IANA name like Asia/Seoul)", tz);
	if (stat("/usr/share/zoneinfo", &st) != 0)
		return 0;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return FAIL(n, "unknown timezone '%s' (expected an IANA name like Asia/Seoul)", tz);
	return 0;
}

/* A PostgreSQL type name as a cast target: words, an optional (p[,s]) and
 * an optional [] ("numeric(10,2)", "timestamp with time zone", "text[]"). */
static int type_ok(struct loader *L, const struct fc_ynode *n, const char *t)
{
	const char *p = t;
	int words = 0;
	while (*p) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') {
			while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			       (*p >= '0' && *p <= '9'))
				p++;
			words++;
			if (*p == ' ')
				p++;
			continue;
		}
		break;
	}
	if (words && *p == '(') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			goto bad;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == ',') {
			p++;
			if (!(*p >= '0' && *p <= '9'))
				goto bad;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if (*p++ != ')')
			goto bad;
	}
	if (words && p[0] == '[' && p[1] == ']')
		p += 2;
	if (words && !*p && p[-1] != ' ' && strlen(t) <= 64)
		return 0;
bad:
	return FAIL(n, "bad type '%s' (expected a PostgreSQL type such as integer, "
	            "numeric(10,2), timestamptz, text)", t);
}

static const char *const charsets[] = { "utf8mb4", "utf8mb3", "utf8", "latin1",
                                        "euckr", "cp949", "ascii", NULL };

static int column(struct loader *L, const struct fc_ynode *k, const struct fc_ynode *v,
                  struct map_column *c)
{
	static const char *const keys[] = { "from", "trim", "map", "default", "null_if",
	                                    "timezone", "type", "charset", NULL };
	struct fc_ynode *x;
	int rc;

	c->target = k->str;
	c->line = k->line;
	c->col = k->col;
	if ((rc = ident(L, k, "target column", c->target)))
		return rc;
	if (v->kind == FC_Y_SCALAR) {
		if ((rc = fc_y_str(L->d, v, "the source column", false, &c->source, L->err)))
			return rc;
		return ident(L, v, "source column", c->source);
	}
	if ((rc = fc_y_need_map(L->d, v, "a column spec", L->err)) ||
	    (rc = fc_y_check_keys(L->d, v, keys, L->err)))
		return rc;
	c->source = c->target;
	if ((x = fc_y_get(v, "from"))) {
		if ((rc = fc_y_str(L->d, x, "'from'", false, &c->source, L->err)) ||
		    (rc = ident(L, x, "source column", c->source)))
			return rc;
	}
	if ((x = fc_y_get(v, "trim")) && (rc = fc_y_bool(L->d, x, "'trim'", &c->trim, L->err)))
		return rc;
	if ((x = fc_y_get(v, "map"))) {
		if ((rc = fc_y_need_map(L->d, x, "'map' (legacy value: new value)", L->err)))
			return rc;
		if (x->n == 0)
			return FAIL(x, "'map' is empty");
		c->values = fc_arena_alloc(L->a, x->n * sizeof *c->values);
		if (!c->values)
			return NOMEM();
		for (size_t i = 0; i < x->n; i++) {
			struct fc_ynode *mv = x->items[2 * i + 1];
			c->values[i].from = x->items[2 * i]->str;
			if ((rc = fc_y_str(L->d, mv, "a mapped value", true, &c->values[i].to, L->err)))
				return rc;
		}
		c->nvalues = x->n;
	}
	if ((x = fc_y_get(v, "default"))) {
		if (!c->nvalues)
			return FAIL(x, "'default' applies to values missing from 'map'; this column has no 'map'");
		c->has_default = true;
		if ((rc = fc_y_str(L->d, x, "'default'", true, &c->default_value, L->err)))
			return rc;
	}
	/* "" (quoted) is a string like any other: null_if: "" and [""] work */
	if ((x = fc_y_get(v, "null_if")) &&
	    (rc = fc_y_strlist(L->d, x, "'null_if'", &c->null_if, &c->nnull_if, L->err)))
		return rc;
	if ((x = fc_y_get(v, "timezone"))) {
		if ((rc = fc_y_str(L->d, x, "'timezone'", false, &c->timezone, L->err)) ||
		    (rc = timezone_ok(L, x, c->timezone)))
			return rc;
	}
	if ((x = fc_y_get(v, "type"))) {
		if ((rc = fc_y_str(L->d, x, "'type'", false, &c->type, L->err)) ||
		    (rc = type_ok(L, x, c->type)))
			return rc;
	}
	if ((x = fc_y_get(v, "charset"))) {
		int cs;
		if ((rc = fc_y_enum(L->d, x, "'charset'", charsets, &cs, L->err)))
			return rc;
		c->charset = charsets[cs];
	}
	return 0;
}

static int entity(struct loader *L, const struct fc_ynode *k, const struct fc_ynode *v,
                  struct map_entity *e)
{
	static const char *const keys[] = { "from", "to", "columns", "event", "watch",
	                                    "description", NULL };
	static const char *const from_keys[] = { "table", "key", "watch", "changed", NULL };
	static const char *const to_keys[] = { "table", "key", NULL };
	static const char *const event_keys[] = { "topic", "payload", NULL };
	static const char *const payloads[] = { "zero", "full", "key", NULL };
	struct fc_ynode *from, *to, *cols, *x, *fk, *tk, *w1, *w2;
	char what[160];
	size_t nto;
	int rc;

	e->name = k->str;
	e->file = L->f;
	e->line = k->line;
	e->col = k->col;
	snprintf(what, sizeof what, "entity '%s'", e->name);
	if ((rc = ident(L, k, "entity name", e->name)) ||
	    (rc = fc_y_need_map(L->d, v, what, L->err)) ||
	    (rc = fc_y_check_keys(L->d, v, keys, L->err)) ||
	    (rc = fc_y_require(L->d, v, "from", what, &from, L->err)) ||
	    (rc = fc_y_need_map(L->d, from, "'from'", L->err)) ||
	    (rc = fc_y_check_keys(L->d, from, from_keys, L->err)) ||
	    (rc = fc_y_require(L->d, from, "table", "'from'", &x, L->err)) ||
	    (rc = table(L, x, "'from.table'", &e->from)) ||
	    (rc = fc_y_require(L->d, from, "key", "'from'", &fk, L->err)) ||
	    (rc = ident_list(L, fk, "'from.key'", &e->from_key, &e->nkey)) ||
	    (rc = fc_y_require(L->d, v, "to", what, &to, L->err)) ||
	    (rc = fc_y_need_map(L->d, to, "'to'", L->err)) ||
	    (rc = fc_y_check_keys(L->d, to, to_keys, L->err)) ||
	    (rc = fc_y_require(L->d, to, "table", "'to'", &x, L->err)) ||
	    (rc = table(L, x, "'to.table'", &e->to)) ||
	    (rc = fc_y_require(L->d, to, "key", "'to'", &tk, L->err)) ||
	    (rc = ident_list(L, tk, "'to.key'", &e->to_key, &nto)))
		return rc;
	if (nto != e->nkey)
		return FAIL(tk, "'to.key' has %zu column%s but 'from.key' has %zu: "
		            "they pair up in order", nto, nto == 1 ? "" : "s", e->nkey);
	if ((x = fc_y_get(from, "changed"))) {
		if ((rc = fc_y_str(L->d, x, "'from.changed'", false, &e->changed, L->err)) ||
		    (rc = ident(L, x, "column name", e->changed)))
			return rc;
	}
	w1 = fc_y_get(from, "watch");
	w2 = fc_y_get(v, "watch");
	if (w1 && w2)
		return FAIL(w2, "give 'watch' once: under 'from' or at the entity, not both");
	if ((w1 || w2) && (rc = ident_list(L, w1 ? w1 : w2, "'watch'", &e->watch, &e->nwatch)))
		return rc;
	if ((rc = fc_y_require(L->d, v, "columns", what, &cols, L->err)) ||
	    (rc = fc_y_need_map(L->d, cols, "'columns' (target column: source column)", L->err)))
		return rc;
	if (cols->n == 0)
		return FAIL(cols, "'columns' is empty");
	e->columns = fc_arena_alloc(L->a, cols->n * sizeof *e->columns);
	if (!e->columns)
		return NOMEM();
	for (size_t i = 0; i < cols->n; i++) {
		if ((rc = column(L, cols->items[2 * i], cols->items[2 * i + 1], &e->columns[i])))
			return rc;
		e->ncolumns++;
	}
	/* the keys pair up: to.key[i] must be mapped from from.key[i] */
	for (size_t i = 0; i < e->nkey; i++) {
		const struct map_column *c = map_entity_column(e, e->to_key[i]);
		const struct fc_ynode *at = tk->kind == FC_Y_SEQ ? tk->items[i] : tk;
		if (!c)
			return FAIL(at, "key column '%s' of 'to' is not in 'columns' (add: %s: %s)",
			            e->to_key[i], e->to_key[i], e->from_key[i]);
		if (strcmp(c->source, e->from_key[i]) != 0)
			return FAIL(at, "key column '%s' of 'to' is mapped from '%s', but the "
			            "matching 'from.key' column is '%s'", e->to_key[i], c->source,
			            e->from_key[i]);
		if (c->nvalues || c->trim || c->nnull_if)
			return FAIL(at, "key column '%s' must be copied as it is (no map, trim or null_if)",
			            e->to_key[i]);
	}
	e->topic = fc_arena_sprintf(L->a, "%s.changed", e->name);
	e->payload = MAP_PAYLOAD_ZERO;
	if ((x = fc_y_get(v, "event"))) {
		struct fc_ynode *t;
		if ((rc = fc_y_need_map(L->d, x, "'event'", L->err)) ||
		    (rc = fc_y_check_keys(L->d, x, event_keys, L->err)))
			return rc;
		if ((t = fc_y_get(x, "topic"))) {
			if ((rc = fc_y_str(L->d, t, "'topic'", false, &e->topic, L->err)))
				return rc;
			if (!e->topic[0])
				return FAIL(t, "'topic' must not be empty (default: %s.changed)", e->name);
			for (const char *p = e->topic; *p; p++)
				if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
					return FAIL(t, "bad topic '%s': use letters, digits, '.', '_' and '-'",
					            e->topic);
			if (e->topic[0] == '.' || e->topic[strlen(e->topic) - 1] == '.' ||
			    strstr(e->topic, ".."))
				return FAIL(t, "bad topic '%s': empty part between dots", e->topic);
		}
		if ((t = fc_y_get(x, "payload")) && t->kind == FC_Y_SEQ) {
			/* a list of target columns */
			if ((rc = ident_list(L, t, "'payload'", &e->payload_cols, &e->npayload_cols)))
				return rc;
			for (size_t i = 0; i < e->npayload_cols; i++)
				if (!map_entity_column(e, e->payload_cols[i]))
					return FAIL(t->items[i], "payload column '%s' is not in 'columns'",
					            e->payload_cols[i]);
			e->payload = MAP_PAYLOAD_COLUMNS;
		} else if (t) {
			int p;
			if ((rc = fc_y_enum(L->d, t, "'payload' (zero, key, full or a list of columns)",
			                    payloads, &p, L->err)))
				return rc;
			e->payload = (enum map_payload)p;
		}
	}
	return e->topic ? 0 : NOMEM();
}

static int file_root(struct loader *L)
{
	static const char *const keys[] = { "source", "target", "entities", "description", NULL };
	struct fc_ynode *root = L->d->root, *x, *ents;
	int rc;

	if (!root)
		return fc_errf(L->err, FC_ECONFIG, "%s: empty mapping file (expected keys: "
		               "source, target, entities)", L->d->path);
	if ((rc = fc_y_need_map(L->d, root, "a mapping file", L->err)) ||
	    (rc = fc_y_check_keys(L->d, root, keys, L->err)))
		return rc;
	if ((x = fc_y_get(root, "source"))) {
		if ((rc = fc_y_str(L->d, x, "'source'", false, &L->f->source, L->err)))
			return rc;
		L->f->source_line = x->line;
		L->f->source_col = x->col;
	}
	if ((x = fc_y_get(root, "target"))) {
		if ((rc = fc_y_str(L->d, x, "'target'", false, &L->f->target, L->err)))
			return rc;
		L->f->target_line = x->line;
		L->f->target_col = x->col;
	}
	if ((rc = fc_y_require(L->d, root, "entities", "the mapping file", &ents, L->err)) ||
	    (rc = fc_y_need_map(L->d, ents, "'entities'", L->err)))
		return rc;
	if (ents->n == 0)
		return FAIL(ents, "'entities' is empty");
	L->f->entities = fc_arena_alloc(L->a, ents->n * sizeof *L->f->entities);
	if (!L->f->entities)
		return NOMEM();
	for (size_t i = 0; i < ents->n; i++) {
		if ((rc = entity(L, ents->items[2 * i], ents->items[2 * i + 1], &L->f->entities[i])))
			return rc;
		L->f->nentities++;
	}
	return 0;
}

int map_file_from_doc(struct fc_ydoc *doc, struct map_file **out, struct fc_err *err)
{
	struct map_file *f = calloc(1, sizeof *f);
	struct loader L;
	int rc;

	*out = NULL;
	if (!f) {
		fc_ydoc_release(doc);
		return fc_errf(err, FC_ENOMEM, "out of memory");
	}
	f->doc = *doc;
	memset(doc, 0, sizeof *doc);
	f->path = f->doc.path;
	L.d = &f->doc;
	L.a = &f->doc.arena;
	L.err = err;
	L.f = f;
	rc = file_root(&L);
	if (rc) {
		map_file_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

int map_file_load(const char *path, struct map_file **out, struct fc_err *err)
{
	struct fc_ydoc doc;
	int rc = fc_yaml_load_file(path, &doc, err);
	*out = NULL;
	return rc ? rc : map_file_from_doc(&doc, out, err);
}

int map_file_parse(const char *path, const char *text, size_t len,
                   struct map_file **out, struct fc_err *err)
{
	struct fc_ydoc doc;
	int rc = fc_yaml_load(path, text, len, &doc, err);
	*out = NULL;
	return rc ? rc : map_file_from_doc(&doc, out, err);
}

void map_file_free(struct map_file *f)
{
	if (!f)
		return;
	fc_ydoc_release(&f->doc);
	free(f);
}

static int add_file(struct map_set *set, const char *path, struct fc_err *err)
{
	struct map_file *f, **files;
	int rc = map_file_load(path, &f, err);
	if (rc)
		return rc;
	files = realloc(set->files, (set->nfiles + 1) * sizeof *files);
	if (!files) {
		map_file_free(f);
		return fc_errf(err, FC_ENOMEM, "out of memory");
	}
	set->files = files;
	set->files[set->nfiles++] = f;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_yaml_name(const char *n)
{
	size_t len = strlen(n);
	if (n[0] == '.')
		return false;
	return (len > 5 && strcmp(n + len - 5, ".yaml") == 0) ||
	       (len > 4 && strcmp(n + len - 4, ".yml") == 0);
}

static int add_dir(struct map_set *set, const char *dir, struct fc_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d)
		return fc_errf(err, FC_EIO, "mappings folder '%s': %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		char **nn;
		if (!is_yaml_name(de->d_name))
			continue;
		nn = realloc(names, (n + 1) * sizeof *names);
		if (nn)
			names = nn;
		if (!nn || !(names[n] = malloc(strlen(dir) + strlen(de->d_name) + 2))) {
			rc = fc_errf(err, FC_ENOMEM, "out of memory");
			break;
		}
		sprintf(names[n++], "%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return rc;
	}
	if (n == 0)
		rc = fc_errf(err, FC_ECONFIG, "mappings folder '%s' has no *.yaml files", dir);
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = add_file(set, names[i], err);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* The file's source or target connection (key): named in the file (at
 * line:col), else the config's default (from cfg_key); it must exist and
 * be of that kind. */
static int check_conn(const struct fc_config *cfg, const struct map_file *f,
                      const char *key, const char *name, const char *cfg_key, int line,
                      int col, enum fc_conn_kind kind, struct fc_err *err)
{
	struct fc_err e;
	if (!name)
		return fc_errf(err, FC_ECONFIG, "%s: no '%s' connection: name one in the file "
		               "('%s: NAME') or in the config's sync section", f->path, key, key);
	if (fc_config_conn_kind(cfg, name, kind, &e))
		return 0;
	if (line)
		return fc_errf(err, FC_ECONFIG, "%s:%d:%d: %s: %s", f->path, line, col, key, e.msg);
	return fc_errf(err, FC_ECONFIG, "%s: %s (%s of %s): %s", f->path, key, cfg_key, cfg->path,
	               e.msg);
}

int map_set_load(const struct fc_config *cfg, struct map_set *set, struct fc_err *err)
{
	int rc = 0;

	memset(set, 0, sizeof *set);
	for (size_t i = 0; rc == 0 && i < cfg->nmapping_paths; i++) {
		const char *p = cfg->mapping_paths[i];
		struct stat st;
		if (stat(p, &st) != 0)
			rc = fc_errf(err, FC_ENOTFOUND, "%s:%d:%d: mappings path '%s': %s", cfg->path,
			             cfg->mappings_line, cfg->mappings_col, p, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = add_dir(set, p, err);
		else
			rc = add_file(set, p, err);
	}
	for (size_t i = 0; rc == 0 && i < set->nfiles; i++) {
		struct map_file *f = set->files[i];
		const char *source_key = NULL, *target_key = NULL;
		if (!f->source)
			f->source = fc_config_legacy_conn(cfg, &source_key);
		if (!f->target)
			f->target = fc_config_target_conn(cfg, &target_key);
		if ((rc = check_conn(cfg, f, "source", f->source, source_key, f->source_line,
		                     f->source_col, FC_CONN_MYSQL, err)) ||
		    (rc = check_conn(cfg, f, "target", f->target, target_key, f->target_line,
		                     f->target_col, FC_CONN_POSTGRES, err)))
			break;
		for (size_t j = 0; rc == 0 && j < f->nentities; j++) {
			const struct map_entity *e = &f->entities[j];
			for (size_t k = 0; k <= i && rc == 0; k++) {
				const struct map_file *g = set->files[k];
				size_t lim = k == i ? j : g->nentities;
				for (size_t m = 0; m < lim; m++)
					if (strcmp(g->entities[m].name, e->name) == 0) {
						rc = fc_errf(err, FC_ECONFIG, "%s:%d:%d: entity '%s' is "
						             "already defined at %s:%d", f->path, e->line,
						             e->col, e->name, g->path, g->entities[m].line);
						break;
					}
			}
		}
	}
	if (rc)
		map_set_release(set);
	return rc;
}

void map_set_release(struct map_set *set)
{
	for (size_t i = 0; i < set->nfiles; i++)
		map_file_free(set->files[i]);
	free(set->files);
	memset(set, 0, sizeof *set);
}

const struct map_entity *map_set_entity(const struct map_set *set, const char *name)
{
	for (size_t i = 0; i < set->nfiles; i++)
		for (size_t j = 0; j < set->files[i]->nentities; j++)
			if (strcmp(set->files[i]->entities[j].name, name) == 0)
				return &set->files[i]->entities[j];
	return NULL;
}

const struct map_column *map_entity_column(const struct map_entity *e, const char *target)
{
	for (size_t i = 0; i < e->ncolumns; i++)
		if (strcmp(e->columns[i].target, target) == 0)
			return &e->columns[i];
	return NULL;
}
