/* tests/tjson.h - a small JSON reader for tests, written apart from the
 * code under test so that tests check ficus's output independently.
 * Parses one JSON text into a tree (malloc'd; free with tj_free). */
#ifndef FC_TJSON_H
#define FC_TJSON_H

#include <stdbool.h>
#include <stddef.h>

enum tj_kind { TJ_NULL, TJ_BOOL, TJ_NUM, TJ_STR, TJ_ARR, TJ_OBJ };

struct tj {
	enum tj_kind kind;
	char *str;           /* TJ_STR: decoded UTF-8 (len bytes); TJ_NUM: the number's text */
	size_t len;
	bool b;
	struct tj **items;   /* TJ_ARR: n items; TJ_OBJ: n values */
	char **keys;         /* TJ_OBJ: n keys */
	size_t n;
	char *raw;           /* the value's JSON text as it appeared */
};

/* NULL on a syntax error (with *why set). */
struct tj *tj_parse(const char *text, const char **why);
void tj_free(struct tj *v);
/* The member of an object, or NULL. */
struct tj *tj_get(const struct tj *obj, const char *key);

#endif
