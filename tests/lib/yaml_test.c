/* tests/lib/yaml_test.c - the YAML tree and its typed readers. */
#include "../test.h"

#include "../../lib/buf.h"
#include "../../lib/yaml.h"

#include <stdio.h>
#include <stdlib.h>

static char msg[FC_ERR_MSG_MAX];

/* Loads text; returns 0 or the code, with the error in msg. */
static int load(const char *text, struct fc_ydoc *doc)
{
	struct fc_err err;
	int rc = fc_yaml_load("t.yaml", text, strlen(text), doc, &err);
	snprintf(msg, sizeof msg, "%s", rc ? err.msg : "");
	return rc;
}

TEST(tree_with_positions)
{
	struct fc_ydoc d;
	struct fc_ynode *a, *b;
	ASSERT_EQ(load("a: 1\nb:\n  - x\n  - 'y'\n", &d), 0);
	ASSERT_EQ(d.root->kind, FC_Y_MAP);
	ASSERT_EQ(d.root->n, 2);
	a = fc_y_get(d.root, "a");
	ASSERT_STR_EQ(a->str, "1");
	ASSERT_EQ(a->line, 1);
	ASSERT_EQ(a->col, 4);
	b = fc_y_get(d.root, "b");
	ASSERT_EQ(b->kind, FC_Y_SEQ);
	ASSERT_EQ(b->n, 2);
	ASSERT_EQ(b->items[1]->line, 4);
	ASSERT_EQ(b->items[1]->col, 5);
	ASSERT(b->items[0]->plain);
	ASSERT(!b->items[1]->plain);
	fc_ydoc_release(&d);
}

TEST(syntax_error_names_line_and_column)
{
	struct fc_ydoc d;
	ASSERT(load("a: [1, 2\nb: 3\n", &d) != 0);
	ASSERT_CONTAINS(msg, "t.yaml:");
	ASSERT_CONTAINS(msg, "YAML syntax error");
	ASSERT(load("a: b: c\n", &d) != 0);
	ASSERT_CONTAINS(msg, "t.yaml:1:5: YAML syntax error");
}

TEST(duplicate_keys_are_errors)
{
	struct fc_ydoc d;
	ASSERT(load("x: 1\ny: 2\nx: 3\n", &d) != 0);
	ASSERT_STR_EQ(msg, "t.yaml:3:1: duplicate key 'x' (first at line 1)");
}

TEST(aliases_resolve_and_are_bounded)
{
	struct fc_ydoc d;
	struct fc_buf b = FC_BUF_INIT;
	ASSERT_EQ(load("base: &b { k: 1 }\nother: *b\n", &d), 0);
	ASSERT_STR_EQ(fc_y_get(fc_y_get(d.root, "other"), "k")->str, "1");
	fc_ydoc_release(&d);
	ASSERT(load("a: *nope\n", &d) != 0);
	ASSERT_CONTAINS(msg, "unknown alias '*nope'");
	/* a billion laughs stops at the node limit instead of eating memory */
	fc_buf_puts(&b, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (char c = 'b'; c <= 'j'; c++)
		fc_buf_printf(&b, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c,
		              c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	ASSERT(load(b.ptr, &d) != 0);
	ASSERT_CONTAINS(msg, "document too large");
	fc_buf_release(&b);
}

TEST(depth_is_bounded)
{
	struct fc_ydoc d;
	char text[400];
	memset(text, '[', 200);
	text[200] = '\0';
	ASSERT(load(text, &d) != 0);
	ASSERT_CONTAINS(msg, "nesting deeper than 64 levels");
}

TEST(complex_keys_refused)
{
	struct fc_ydoc d;
	ASSERT(load("? [a, b]\n: 1\n", &d) != 0);
	ASSERT_CONTAINS(msg, "mapping keys must be plain strings");
}

TEST(typed_readers)
{
	struct fc_ydoc d;
	struct fc_err err;
	const char *s;
	long long n;
	bool b;
	int e;
	static const char *const colors[] = { "red", "green", NULL };
	const char **list;
	size_t count;

	ASSERT_EQ(load("n: 42\nbig: 999\nb: yes\ns: hi\nnul: ~\ne: blue\nl: [a, b]\none: c\n", &d), 0);
	ASSERT_EQ(fc_y_int(&d, fc_y_get(d.root, "n"), "n", 0, 100, &n, &err), 0);
	ASSERT_EQ(n, 42);
	ASSERT(fc_y_int(&d, fc_y_get(d.root, "big"), "'big'", 0, 100, &n, &err) < 0);
	ASSERT_STR_EQ(err.msg, "t.yaml:2:6: 'big' must be between 0 and 100, not 999");
	ASSERT(fc_y_int(&d, fc_y_get(d.root, "s"), "'s'", 0, 100, &n, &err) < 0);
	ASSERT_STR_EQ(err.msg, "t.yaml:4:4: 's' must be an integer, not 'hi'");
	ASSERT_EQ(fc_y_bool(&d, fc_y_get(d.root, "b"), "b", &b, &err), 0);
	ASSERT(b);
	ASSERT(fc_y_bool(&d, fc_y_get(d.root, "s"), "'s'", &b, &err) < 0);
	ASSERT_CONTAINS(err.msg, "'s' must be true or false, not 'hi'");
	ASSERT(fc_y_str(&d, fc_y_get(d.root, "nul"), "'nul'", false, &s, &err) < 0);
	ASSERT_STR_EQ(err.msg, "t.yaml:5:6: 'nul' must not be empty");
	ASSERT_EQ(fc_y_str(&d, fc_y_get(d.root, "nul"), "'nul'", true, &s, &err), 0);
	ASSERT(s == NULL);
	ASSERT(fc_y_str(&d, fc_y_get(d.root, "l"), "'l'", false, &s, &err) < 0);
	ASSERT_CONTAINS(err.msg, "'l' must be a string, not a list");
	ASSERT(fc_y_enum(&d, fc_y_get(d.root, "e"), "'e'", colors, &e, &err) < 0);
	ASSERT_STR_EQ(err.msg, "t.yaml:6:4: 'e' must be one of: red, green (not 'blue')");
	ASSERT_EQ(fc_y_strlist(&d, fc_y_get(d.root, "l"), "l", &list, &count, &err), 0);
	ASSERT_EQ(count, 2);
	ASSERT_STR_EQ(list[1], "b");
	ASSERT_EQ(fc_y_strlist(&d, fc_y_get(d.root, "one"), "one", &list, &count, &err), 0);
	ASSERT_EQ(count, 1);
	ASSERT_STR_EQ(list[0], "c");
	fc_ydoc_release(&d);
}

TEST(unknown_key_suggests)
{
	struct fc_ydoc d;
	struct fc_err err;
	static const char *const keys[] = { "from", "to", "columns", "event", NULL };
	ASSERT_EQ(load("from: a\ncolums: b\n", &d), 0);
	ASSERT(fc_y_check_keys(&d, d.root, keys, &err) < 0);
	ASSERT_STR_EQ(err.msg, "t.yaml:2:1: unknown key 'colums' (did you mean 'columns'? "
	              "expected one of: from, to, columns, event)");
	fc_ydoc_release(&d);
}

TEST(missing_file)
{
	struct fc_ydoc d;
	struct fc_err err;
	ASSERT_EQ(fc_yaml_load_file("/nonexistent/ficus.yaml", &d, &err), -FC_ENOTFOUND);
	ASSERT_CONTAINS(err.msg, "/nonexistent/ficus.yaml: cannot open: No such file");
}

TEST(empty_document)
{
	struct fc_ydoc d;
	ASSERT_EQ(load("", &d), 0);
	ASSERT(d.root == NULL);
	fc_ydoc_release(&d);
	ASSERT(load("a: 1\n---\nb: 2\n", &d) != 0);
	ASSERT_CONTAINS(msg, "only one YAML document");
}
