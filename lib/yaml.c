/* lib/yaml.c - see yaml.h. Built on libyaml's event parser. */
#include "yaml.h"

#include "ident.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* A node under construction: its children collect here until the end
 * event, then move into the arena. */
struct frame {
	struct fc_ynode *node;
	struct fc_ynode **kids;
	size_t nkids, cap;
};

struct anchor {
	const char *name;
	struct fc_ynode *node;
};

struct builder {
	struct fc_ydoc *doc;
	struct frame stack[FC_YAML_MAX_DEPTH + 1];
	int depth;
	struct anchor *anchors;
	size_t nanchors, anchors_cap;
	size_t nodes;
	/* anchors of open collections, set when they close */
	const char *open_anchor[FC_YAML_MAX_DEPTH + 1];
};

static int fail_at(struct builder *b, int line, int col, struct fc_err *err,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail_at(struct builder *b, int line, int col, struct fc_err *err,
                   const char *fmt, ...)
{
	char msg[FC_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return fc_errf(err, FC_ECONFIG, "%s:%d:%d: %s", b->doc->path, line, col,
	               msg);
}

static int add_anchor(struct builder *b, const char *name, struct fc_ynode *n,
                      struct fc_err *err)
{
	if (b->nanchors == b->anchors_cap) {
		size_t cap = b->anchors_cap ? b->anchors_cap * 2 : 8;
		struct anchor *a = realloc(b->anchors, cap * sizeof *a);
		if (!a)
			return fc_errf(err, FC_ENOMEM, "%s: out of memory", b->doc->path);
		b->anchors = a;
		b->anchors_cap = cap;
	}
	b->anchors[b->nanchors].name = name;
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
	return 0;
}

static struct fc_ynode *find_anchor(struct builder *b, const char *name)
{
	/* the latest definition wins, as YAML says */
	for (size_t i = b->nanchors; i > 0; i--)
		if (strcmp(b->anchors[i - 1].name, name) == 0)
			return b->anchors[i - 1].node;
	return NULL;
}

/* Attaches a finished node to the open collection, or makes it the root. */
static int attach(struct builder *b, struct fc_ynode *n, struct fc_err *err)
{
	struct frame *f;

	b->nodes += n->weight;
	if (b->nodes > FC_YAML_MAX_NODES)
		return fail_at(b, n->line, n->col, err,
		               "document too large (over %d nodes, aliases counted)",
		               FC_YAML_MAX_NODES);
	if (b->depth == 0) {
		b->doc->root = n;
		return 0;
	}
	f = &b->stack[b->depth - 1];
	if (f->node->kind == FC_Y_MAP && f->nkids % 2 == 0 && n->kind != FC_Y_SCALAR)
		return fail_at(b, n->line, n->col, err,
		               "mapping keys must be plain strings, not %s",
		               fc_y_kind_name(n));
	if (f->nkids == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct fc_ynode **k = realloc(f->kids, cap * sizeof *k);
		if (!k)
			return fc_errf(err, FC_ENOMEM, "%s: out of memory", b->doc->path);
		f->kids = k;
		f->cap = cap;
	}
	f->kids[f->nkids++] = n;
	f->node->weight += n->weight;
	return 0;
}

static int cmp_key(const void *pa, const void *pb)
{
	const struct fc_ynode *a = *(struct fc_ynode *const *)pa;
	const struct fc_ynode *b = *(struct fc_ynode *const *)pb;
	int c = strcmp(a->str, b->str);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->col < b->col ? -1 : a->col > b->col;
}

static int check_duplicates(struct builder *b, struct fc_ynode *map,
                            struct fc_err *err)
{
	struct fc_ynode **keys;
	int rc = 0;

	if (map->n < 2)
		return 0;
	keys = malloc(map->n * sizeof *keys);
	if (!keys)
		return fc_errf(err, FC_ENOMEM, "%s: out of memory", b->doc->path);
	for (size_t i = 0; i < map->n; i++)
		keys[i] = map->items[2 * i];
	qsort(keys, map->n, sizeof *keys, cmp_key);
	for (size_t i = 1; i < map->n; i++) {
		if (strcmp(keys[i - 1]->str, keys[i]->str) == 0) {
			rc = fail_at(b, keys[i]->line, keys[i]->col, err,
			             "duplicate key '%s' (first at line %d)",
			             keys[i]->str, keys[i - 1]->line);
			break;
		}
	}
	free(keys);
	return rc;
}

static struct fc_ynode *new_node(struct builder *b, enum fc_ykind kind,
                                 const yaml_mark_t *m)
{
	struct fc_ynode *n = fc_arena_alloc(&b->doc->arena, sizeof *n);
	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (int)(m->line + 1 > INT_MAX ? INT_MAX : m->line + 1);
	n->col = (int)(m->column + 1 > INT_MAX ? INT_MAX : m->column + 1);
	n->weight = 1;
	return n;
}

static int on_event(struct builder *b, yaml_event_t *ev, struct fc_err *err)
{
	struct fc_arena *a = &b->doc->arena;
	struct fc_ynode *n;
	const char *anchor = NULL;
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = new_node(b, FC_Y_SCALAR, &ev->start_mark);
		if (!n)
			goto nomem;
		n->str = fc_arena_strndup(a, (const char *)ev->data.scalar.value,
		                          ev->data.scalar.length);
		if (!n->str)
			goto nomem;
		n->len = ev->data.scalar.length;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (ev->data.scalar.anchor) {
			anchor = fc_arena_strdup(a, (const char *)ev->data.scalar.anchor);
			if (!anchor || add_anchor(b, anchor, n, err))
				goto nomem;
		}
		return attach(b, n, err);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (b->depth >= FC_YAML_MAX_DEPTH)
			return fail_at(b, line, col, err, "nesting deeper than %d levels",
			               FC_YAML_MAX_DEPTH);
		n = new_node(b, ev->type == YAML_SEQUENCE_START_EVENT ? FC_Y_SEQ : FC_Y_MAP,
		             &ev->start_mark);
		if (!n)
			goto nomem;
		{
			yaml_char_t *an = ev->type == YAML_SEQUENCE_START_EVENT
				? ev->data.sequence_start.anchor
				: ev->data.mapping_start.anchor;
			b->open_anchor[b->depth] = NULL;
			if (an) {
				b->open_anchor[b->depth] = fc_arena_strdup(a, (const char *)an);
				if (!b->open_anchor[b->depth])
					goto nomem;
			}
		}
		b->stack[b->depth].node = n;
		b->stack[b->depth].kids = NULL;
		b->stack[b->depth].nkids = 0;
		b->stack[b->depth].cap = 0;
		b->depth++;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		struct frame *f = &b->stack[b->depth - 1];
		int rc;
		n = f->node;
		if (f->nkids) {
			n->items = fc_arena_alloc(a, f->nkids * sizeof *n->items);
			if (!n->items)
				goto nomem;
			memcpy(n->items, f->kids, f->nkids * sizeof *n->items);
		}
		n->n = n->kind == FC_Y_MAP ? f->nkids / 2 : f->nkids;
		free(f->kids);
		f->kids = NULL;
		b->depth--;
		if (n->kind == FC_Y_MAP && (rc = check_duplicates(b, n, err)))
			return rc;
		if (b->open_anchor[b->depth] &&
		    (rc = add_anchor(b, b->open_anchor[b->depth], n, err)))
			return rc;
		/* the children were counted as they came; count the node once */
		b->nodes -= n->weight - 1 < b->nodes ? n->weight - 1 : b->nodes;
		return attach(b, n, err);
	}
	case YAML_ALIAS_EVENT:
		n = find_anchor(b, (const char *)ev->data.alias.anchor);
		if (!n)
			return fail_at(b, line, col, err, "unknown alias '*%s'",
			               (const char *)ev->data.alias.anchor);
		return attach(b, n, err);
	case YAML_DOCUMENT_START_EVENT:
		if (b->doc->root)
			return fail_at(b, line, col, err,
			               "only one YAML document per file is supported");
		return 0;
	default:
		return 0;
	}
nomem:
	return fc_errf(err, FC_ENOMEM, "%s: out of memory", b->doc->path);
}

int fc_yaml_load(const char *path, const char *text, size_t len,
                 struct fc_ydoc *doc, struct fc_err *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct builder b;
	int rc = 0, done = 0;

	memset(doc, 0, sizeof *doc);
	memset(&b, 0, sizeof b);
	b.doc = doc;
	doc->path = fc_arena_strdup(&doc->arena, path);
	if (!doc->path)
		return fc_errf(err, FC_ENOMEM, "%s: out of memory", path);
	if (len > FC_YAML_MAX_BYTES) {
		fc_arena_release(&doc->arena);
		return fc_errf(err, FC_ETOOBIG, "%s: file larger than %zu bytes", path,
		               FC_YAML_MAX_BYTES);
	}
	if (!yaml_parser_initialize(&parser)) {
		fc_arena_release(&doc->arena);
		return fc_errf(err, FC_ENOMEM, "%s: out of memory", path);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			const char *problem = parser.problem ? parser.problem : "syntax error";
			yaml_mark_t m = parser.problem_mark;
			if (parser.error == YAML_MEMORY_ERROR)
				rc = fc_errf(err, FC_ENOMEM, "%s: out of memory", path);
			else if (parser.context)
				rc = fail_at(&b, (int)m.line + 1, (int)m.column + 1, err,
				             "YAML syntax error: %s %s (line %d)", problem,
				             parser.context, (int)parser.context_mark.line + 1);
			else
				rc = fail_at(&b, (int)m.line + 1, (int)m.column + 1, err,
				             "YAML syntax error: %s", problem);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = on_event(&b, &ev, err);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	for (int i = 0; i < b.depth; i++)
		free(b.stack[i].kids);
	free(b.anchors);
	if (rc) {
		fc_arena_release(&doc->arena);
		memset(doc, 0, sizeof *doc);
	}
	return rc;
}

int fc_yaml_load_file(const char *path, struct fc_ydoc *doc, struct fc_err *err)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc;

	memset(doc, 0, sizeof *doc);
	if (!f)
		return fc_errf(err, errno == ENOENT ? FC_ENOTFOUND : FC_EIO,
		               "%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		size_t got;
		if (cap - len < 4096) {
			char *t;
			cap = cap ? cap * 2 : 8192;
			if (cap > FC_YAML_MAX_BYTES + 8192) {
				free(text);
				fclose(f);
				return fc_errf(err, FC_ETOOBIG, "%s: file larger than %zu bytes",
				               path, FC_YAML_MAX_BYTES);
			}
			t = realloc(text, cap);
			if (!t) {
				free(text);
				fclose(f);
				return fc_errf(err, FC_ENOMEM, "%s: out of memory", path);
			}
			text = t;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = fc_errf(err, FC_EIO, "%s: read error: %s", path, strerror(errno));
		free(text);
		fclose(f);
		return rc;
	}
	fclose(f);
	rc = fc_yaml_load(path, text ? text : "", len, doc, err);
	free(text);
	return rc;
}

void fc_ydoc_release(struct fc_ydoc *doc)
{
	fc_arena_release(&doc->arena);
	memset(doc, 0, sizeof *doc);
}

/* ---- typed readers ---- */

int fc_y_fail(const struct fc_ydoc *d, const struct fc_ynode *n,
              struct fc_err *err, const char *fmt, ...)
{
	char msg[FC_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n)
		return fc_errf(err, FC_ECONFIG, "%s:%d:%d: %s", d->path, n->line,
		               n->col, msg);
	return fc_errf(err, FC_ECONFIG, "%s: %s", d->path, msg);
}

bool fc_y_is_null(const struct fc_ynode *n)
{
	if (!n)
		return true;
	if (n->kind != FC_Y_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 ||
	       strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	       strcmp(n->str, "NULL") == 0;
}

const char *fc_y_kind_name(const struct fc_ynode *n)
{
	if (!n || fc_y_is_null(n))
		return "nothing (null)";
	switch (n->kind) {
	case FC_Y_MAP:
		return "a mapping";
	case FC_Y_SEQ:
		return "a list";
	default:
		return "a string";
	}
}

struct fc_ynode *fc_y_get(const struct fc_ynode *map, const char *key)
{
	if (!map || map->kind != FC_Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->items[2 * i]->str, key) == 0)
			return map->items[2 * i + 1];
	return NULL;
}

int fc_y_need_map(const struct fc_ydoc *d, const struct fc_ynode *n,
                  const char *what, struct fc_err *err)
{
	if (n && n->kind == FC_Y_MAP)
		return 0;
	return fc_y_fail(d, n, err, "%s must be a mapping (key: value), not %s",
	                 what, fc_y_kind_name(n));
}

int fc_y_need_seq(const struct fc_ydoc *d, const struct fc_ynode *n,
                  const char *what, struct fc_err *err)
{
	if (n && n->kind == FC_Y_SEQ)
		return 0;
	return fc_y_fail(d, n, err, "%s must be a list, not %s", what,
	                 fc_y_kind_name(n));
}

int fc_y_check_keys(const struct fc_ydoc *d, const struct fc_ynode *map,
                    const char *const *allowed, struct fc_err *err)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct fc_ynode *k = map->items[2 * i];
		const char *best = NULL;
		size_t best_d = 3;
		char list[512];
		size_t off = 0;
		int ok = 0;

		for (const char *const *a = allowed; *a; a++) {
			if (strcmp(*a, k->str) == 0) {
				ok = 1;
				break;
			}
		}
		if (ok)
			continue;
		list[0] = '\0';
		for (const char *const *a = allowed; *a; a++) {
			size_t dist = fc_edit_distance(k->str, *a);
			if (dist < best_d) {
				best_d = dist;
				best = *a;
			}
			off = fc_list_add(list, sizeof list, off, ", ", *a);
		}
		if (best)
			return fc_y_fail(d, k, err,
			                 "unknown key '%s' (did you mean '%s'? expected one of: %s)",
			                 k->str, best, list);
		return fc_y_fail(d, k, err, "unknown key '%s' (expected one of: %s)",
		                 k->str, list);
	}
	return 0;
}

int fc_y_require(const struct fc_ydoc *d, const struct fc_ynode *map,
                 const char *key, const char *what, struct fc_ynode **out,
                 struct fc_err *err)
{
	struct fc_ynode *v = fc_y_get(map, key);
	if (!v)
		return fc_y_fail(d, map, err, "missing key '%s' in %s", key, what);
	*out = v;
	return 0;
}

int fc_y_str(const struct fc_ydoc *d, const struct fc_ynode *n,
             const char *what, bool allow_null, const char **out,
             struct fc_err *err)
{
	if (fc_y_is_null(n)) {
		if (allow_null) {
			*out = NULL;
			return 0;
		}
		return fc_y_fail(d, n, err, "%s must not be empty", what);
	}
	if (n->kind != FC_Y_SCALAR)
		return fc_y_fail(d, n, err, "%s must be a string, not %s", what,
		                 fc_y_kind_name(n));
	if (strlen(n->str) != n->len)
		return fc_y_fail(d, n, err, "%s contains a NUL byte", what);
	*out = n->str;
	return 0;
}

int fc_y_bool(const struct fc_ydoc *d, const struct fc_ynode *n,
              const char *what, bool *out, struct fc_err *err)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	if (n && n->kind == FC_Y_SCALAR) {
		for (int i = 0; yes[i]; i++)
			if (strcasecmp(n->str, yes[i]) == 0) {
				*out = true;
				return 0;
			}
		for (int i = 0; no[i]; i++)
			if (strcasecmp(n->str, no[i]) == 0) {
				*out = false;
				return 0;
			}
	}
	return fc_y_fail(d, n, err, "%s must be true or false, not %s%s%s", what,
	                 n && n->kind == FC_Y_SCALAR ? "'" : "",
	                 n && n->kind == FC_Y_SCALAR ? n->str : fc_y_kind_name(n),
	                 n && n->kind == FC_Y_SCALAR ? "'" : "");
}

int fc_y_int(const struct fc_ydoc *d, const struct fc_ynode *n,
             const char *what, long long min, long long max, long long *out,
             struct fc_err *err)
{
	char *end;
	long long v;

	if (!n || n->kind != FC_Y_SCALAR || fc_y_is_null(n))
		return fc_y_fail(d, n, err, "%s must be an integer, not %s", what,
		                 fc_y_kind_name(n));
	errno = 0;
	v = strtoll(n->str, &end, 10);
	if (end == n->str || *end || errno == ERANGE)
		return fc_y_fail(d, n, err, "%s must be an integer, not '%s'", what,
		                 n->str);
	if (v < min || v > max)
		return fc_y_fail(d, n, err, "%s must be between %lld and %lld, not %lld",
		                 what, min, max, v);
	*out = v;
	return 0;
}

int fc_y_enum(const struct fc_ydoc *d, const struct fc_ynode *n,
              const char *what, const char *const *choices, int *out,
              struct fc_err *err)
{
	char list[256];
	size_t off = 0;

	if (n && n->kind == FC_Y_SCALAR)
		for (int i = 0; choices[i]; i++)
			if (strcmp(n->str, choices[i]) == 0) {
				*out = i;
				return 0;
			}
	list[0] = '\0';
	for (int i = 0; choices[i]; i++)
		off = fc_list_add(list, sizeof list, off, ", ", choices[i]);
	if (n && n->kind == FC_Y_SCALAR)
		return fc_y_fail(d, n, err, "%s must be one of: %s (not '%s')", what,
		                 list, n->str);
	return fc_y_fail(d, n, err, "%s must be one of: %s (not %s)", what, list,
	                 fc_y_kind_name(n));
}

int fc_y_strlist(const struct fc_ydoc *d, const struct fc_ynode *n,
                 const char *what, const char ***out, size_t *count,
                 struct fc_err *err)
{
	struct fc_arena *a = (struct fc_arena *)&d->arena;
	const char **list;
	int rc;

	if (n && n->kind == FC_Y_SCALAR && !fc_y_is_null(n)) {
		list = fc_arena_alloc(a, sizeof *list);
		if (!list)
			return fc_errf(err, FC_ENOMEM, "out of memory");
		if ((rc = fc_y_str(d, n, what, false, &list[0], err)))
			return rc;
		*out = list;
		*count = 1;
		return 0;
	}
	if (!n || n->kind != FC_Y_SEQ)
		return fc_y_fail(d, n, err, "%s must be a list of strings, not %s", what,
		                 fc_y_kind_name(n));
	if (n->n == 0)
		return fc_y_fail(d, n, err, "%s must not be an empty list", what);
	list = fc_arena_alloc(a, n->n * sizeof *list);
	if (!list)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	for (size_t i = 0; i < n->n; i++) {
		if (fc_y_is_null(n->items[i]))
			return fc_y_fail(d, n->items[i], err, "%s: item %zu is null (for an empty "
			                 "string write \"\")", what, i + 1);
		if ((rc = fc_y_str(d, n->items[i], what, false, &list[i], err)))
			return rc;
	}
	*out = list;
	*count = n->n;
	return 0;
}
