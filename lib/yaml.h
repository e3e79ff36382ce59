/* lib/yaml.h - YAML files as trees of nodes that remember where they were.
 *
 * libyaml's event parser builds a tree of scalars, sequences and mappings in
 * an arena; every node keeps its 1-based line and column, so the typed
 * readers below (and the config and mapping loaders built on them) can say
 * "mappings/shop.yaml:12:7: unknown key 'colums' (expected one of: ...)".
 *
 * Anchors and aliases work: an alias points at the anchored node (shared,
 * not copied). Limits guard against hostile input: nesting depth, number of
 * nodes including what aliases expand to, and file size. Duplicate keys in
 * a mapping are an error. */
#ifndef FC_YAML_H
#define FC_YAML_H

#include "arena.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>

enum fc_ykind { FC_Y_SCALAR, FC_Y_SEQ, FC_Y_MAP };

struct fc_ynode {
	enum fc_ykind kind;
	int line, col;              /* 1-based start of the node */
	const char *str;            /* scalar: its value, NUL-terminated */
	size_t len;                 /* scalar: bytes in str */
	bool plain;                 /* scalar: unquoted (so ~ and null mean null) */
	struct fc_ynode **items;    /* seq: n items; map: keys at 2i, values at 2i+1 */
	size_t n;                   /* seq: items; map: pairs */
	size_t weight;              /* nodes in this subtree, for alias limits */
};

struct fc_ydoc {
	const char *path;           /* as given, for messages */
	struct fc_ynode *root;      /* NULL for an empty document */
	struct fc_arena arena;
};

#define FC_YAML_MAX_BYTES ((size_t)16 << 20)
#define FC_YAML_MAX_DEPTH 64
#define FC_YAML_MAX_NODES 200000

/* Parses the first document of a file / of n bytes. On success the caller
 * owns doc and frees it with fc_ydoc_release(); on failure doc holds
 * nothing to free and err names path:line:column. */
int fc_yaml_load_file(const char *path, struct fc_ydoc *doc, struct fc_err *err);
int fc_yaml_load(const char *path, const char *text, size_t n,
                 struct fc_ydoc *doc, struct fc_err *err);
void fc_ydoc_release(struct fc_ydoc *doc);

/* --- typed readers: each fills err with "path:line:col: ..." and returns a
 * negative code when the node is not what was asked. --- */

/* err for a node: "path:line:col: <message>"; returns -FC_ECONFIG. */
int fc_y_fail(const struct fc_ydoc *d, const struct fc_ynode *n,
              struct fc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Human name of a node's kind: "a mapping", "a list", "a string". */
const char *fc_y_kind_name(const struct fc_ynode *n);

/* The value for key in a mapping, or NULL. */
struct fc_ynode *fc_y_get(const struct fc_ynode *map, const char *key);

/* Requires node to be a mapping (what = "the 'router' section"). */
int fc_y_need_map(const struct fc_ydoc *d, const struct fc_ynode *n,
                  const char *what, struct fc_err *err);
int fc_y_need_seq(const struct fc_ydoc *d, const struct fc_ynode *n,
                  const char *what, struct fc_err *err);

/* Every key of map must be in allowed (NULL-terminated); else
 * "unknown key 'colums' (expected one of: a, b, c)" at the key. */
int fc_y_check_keys(const struct fc_ydoc *d, const struct fc_ynode *map,
                    const char *const *allowed, struct fc_err *err);

/* Requires a key; "missing key 'table' in <what>" at the mapping. */
int fc_y_require(const struct fc_ydoc *d, const struct fc_ynode *map,
                 const char *key, const char *what, struct fc_ynode **out,
                 struct fc_err *err);

/* A scalar as a string (arena-owned by d). Null (~, null, empty plain)
 * is refused unless allow_null, then *out = NULL. */
int fc_y_str(const struct fc_ydoc *d, const struct fc_ynode *n,
             const char *what, bool allow_null, const char **out,
             struct fc_err *err);
/* A boolean: true/false, yes/no, on/off. */
int fc_y_bool(const struct fc_ydoc *d, const struct fc_ynode *n,
              const char *what, bool *out, struct fc_err *err);
/* A decimal integer in [min, max]. */
int fc_y_int(const struct fc_ydoc *d, const struct fc_ynode *n,
             const char *what, long long min, long long max, long long *out,
             struct fc_err *err);
/* One of the names in choices (NULL-terminated); *out is its index. */
int fc_y_enum(const struct fc_ydoc *d, const struct fc_ynode *n,
              const char *what, const char *const *choices, int *out,
              struct fc_err *err);
/* A list of strings, or one string taken as a list of one. A quoted ""
 * is a string (null_if: "" and [""] work); null (~, an empty plain
 * scalar), null items and an empty list are refused. The array is
 * arena-owned by d. */
int fc_y_strlist(const struct fc_ydoc *d, const struct fc_ynode *n,
                 const char *what, const char ***out, size_t *count,
                 struct fc_err *err);

/* Whether a scalar is YAML null (~, null, Null, NULL or empty, unquoted). */
bool fc_y_is_null(const struct fc_ynode *n);

#endif
