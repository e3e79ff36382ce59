/* tests/lib/mapping_test.c - the mapping loader: a full file, and each
 * kind of mistake with its file:line:column. */
#include "../test.h"

#include "../../lib/mapping.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static const char good[] =
	"source: legacy\n"
	"target: newdb\n"
	"entities:\n"
	"  shop:\n"
	"    from: { table: baemin.shop, key: [shop_id] }\n"
	"    to:   { table: shop.shops,  key: [id] }\n"
	"    columns:\n"
	"      id: shop_id\n"
	"      name: shop_name\n"
	"      phone: { from: tel_no, trim: true, null_if: [\"\"] }\n"
	"      opened_at: { from: open_dt, timezone: Asia/Seoul }\n"
	"      category: { from: cat_cd, map: { \"01\": chicken, \"02\": pizza }, default: other }\n"
	"      is_open: { from: open_yn, map: { Y: \"true\", N: \"false\" }, type: boolean }\n"
	"    event: { topic: shop.changed, payload: zero }\n"
	"  shop_ad:\n"
	"    from: { table: baemin.shop, key: shop_id, watch: [ad_grade, ad_until] }\n"
	"    to:   { table: ad.shop_ads, key: [shop_id] }\n"
	"    columns: { shop_id: shop_id, grade: ad_grade, until: ad_until }\n";

static char msg[FC_ERR_MSG_MAX];

static int parse(const char *text, struct map_file **f)
{
	struct fc_err err;
	int rc = map_file_parse("mappings/shop.yaml", text, strlen(text), f, &err);
	snprintf(msg, sizeof msg, "%s", rc ? err.msg : "");
	return rc;
}

static const char *with_line(int line, const char *replacement)
{
	char text[4096];
	const char *p = good;
	struct map_file *f;
	size_t o = 0;
	for (int l = 1; *p; l++) {
		const char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p) + 1;
		if (l == line)
			o += (size_t)snprintf(text + o, sizeof text - o, "%s", replacement);
		else {
			memcpy(text + o, p, len);
			o += len;
		}
		p += len;
	}
	text[o] = '\0';
	if (parse(text, &f) == 0) {
		map_file_free(f);
		return "(loaded without error)";
	}
	return msg;
}

TEST(good_mapping_loads)
{
	struct map_file *f;
	const struct map_entity *e;
	const struct map_column *c;
	ASSERT_EQ(parse(good, &f), 0);
	ASSERT_STR_EQ(f->source, "legacy");
	ASSERT_EQ(f->nentities, 2);
	e = &f->entities[0];
	ASSERT_STR_EQ(e->name, "shop");
	ASSERT_STR_EQ(e->from.schema, "baemin");
	ASSERT_STR_EQ(e->from.name, "shop");
	ASSERT_STR_EQ(e->to.schema, "shop");
	ASSERT_STR_EQ(e->to.name, "shops");
	ASSERT_EQ(e->nkey, 1);
	ASSERT_STR_EQ(e->from_key[0], "shop_id");
	ASSERT_STR_EQ(e->to_key[0], "id");
	ASSERT_EQ(e->ncolumns, 6);
	c = map_entity_column(e, "phone");
	ASSERT_STR_EQ(c->source, "tel_no");
	ASSERT(c->trim);
	ASSERT_EQ(c->nnull_if, 1);
	ASSERT_STR_EQ(c->null_if[0], "");
	ASSERT_STR_EQ(map_entity_column(e, "opened_at")->timezone, "Asia/Seoul");
	c = map_entity_column(e, "category");
	ASSERT_EQ(c->nvalues, 2);
	ASSERT_STR_EQ(c->values[1].from, "02");
	ASSERT_STR_EQ(c->values[1].to, "pizza");
	ASSERT(c->has_default);
	ASSERT_STR_EQ(c->default_value, "other");
	ASSERT_STR_EQ(map_entity_column(e, "is_open")->type, "boolean");
	ASSERT_STR_EQ(e->topic, "shop.changed");
	ASSERT_EQ(e->payload, MAP_PAYLOAD_ZERO);
	e = &f->entities[1];
	ASSERT_EQ(e->nwatch, 2);
	ASSERT_STR_EQ(e->watch[1], "ad_until");
	ASSERT_STR_EQ(e->topic, "shop_ad.changed");
	ASSERT_STR_EQ(map_entity_column(e, "grade")->source, "ad_grade");
	map_file_free(f);
}

TEST(unknown_keys)
{
	ASSERT_STR_EQ(with_line(7, "    colums:\n"),
	              "mappings/shop.yaml:7:5: unknown key 'colums' (did you mean 'columns'? "
	              "expected one of: from, to, columns, event, watch, description)");
	ASSERT_CONTAINS(with_line(10, "      phone: { from: tel_no, trimm: true }\n"),
	                "mappings/shop.yaml:10:30: unknown key 'trimm' (did you mean 'trim'?");
	ASSERT_CONTAINS(with_line(5, "    from: { tabel: baemin.shop, key: [shop_id] }\n"),
	                "mappings/shop.yaml:5:13: unknown key 'tabel'");
}

TEST(bad_identifiers)
{
	ASSERT_STR_EQ(with_line(5, "    from: { table: baemin.shop;drop, key: [shop_id] }\n"),
	              "mappings/shop.yaml:5:20: bad table name 'baemin.shop;drop': may contain "
	              "only letters, digits, '_' and '$'");
	ASSERT_STR_EQ(with_line(9, "      name: \"shop name\"\n"),
	              "mappings/shop.yaml:9:13: bad source column 'shop name': may contain only "
	              "letters, digits, '_' and '$'");
	ASSERT_CONTAINS(with_line(9, "      1name: shop_name\n"),
	                "mappings/shop.yaml:9:7: bad target column '1name': must start with a letter");
	ASSERT_CONTAINS(with_line(6, "    to:   { table: a.b.c,  key: [id] }\n"),
	                "mappings/shop.yaml:6:20: bad table name 'a.b.c'");
}

TEST(keys_must_pair_up)
{
	ASSERT_STR_EQ(with_line(6, "    to:   { table: shop.shops,  key: [id, name] }\n"),
	              "mappings/shop.yaml:6:38: 'to.key' has 2 columns but 'from.key' has 1: "
	              "they pair up in order");
	ASSERT_STR_EQ(with_line(8, "      ident: shop_id\n"),
	              "mappings/shop.yaml:6:39: key column 'id' of 'to' is not in 'columns' "
	              "(add: id: shop_id)");
	ASSERT_STR_EQ(with_line(8, "      id: shop_name\n"),
	              "mappings/shop.yaml:6:39: key column 'id' of 'to' is mapped from "
	              "'shop_name', but the matching 'from.key' column is 'shop_id'");
}

TEST(missing_and_wrong_types)
{
	ASSERT_STR_EQ(with_line(6, ""),
	              "mappings/shop.yaml:5:5: missing key 'to' in entity 'shop'");
	struct map_file *f;
	ASSERT(parse("entities:\n  e:\n    from: { table: t, key: id }\n    to: { table: t, key: id }\n"
	             "    columns: [id, name]\n", &f) != 0);
	ASSERT_STR_EQ(msg, "mappings/shop.yaml:5:14: 'columns' (target column: source column) must be "
	              "a mapping (key: value), not a list");
	ASSERT_CONTAINS(with_line(10, "      phone: { from: tel_no, trim: maybe }\n"),
	                "mappings/shop.yaml:10:36: 'trim' must be true or false, not 'maybe'");
	/* (the wording of the payload choices is cdc's: only its gist here) */
	ASSERT_CONTAINS(with_line(14, "    event: { topic: shop.changed, payload: half }\n"),
	                "must be one of: zero, full");
	ASSERT_CONTAINS(with_line(14, "    event: { topic: shop.changed, payload: half }\n"),
	                "(not 'half')");
	ASSERT_CONTAINS(with_line(14, "    event: { topic: \"shop changed\" }\n"),
	                "bad topic 'shop changed'");
}

TEST(specs_are_validated)
{
	ASSERT_STR_EQ(with_line(11, "      opened_at: { from: open_dt, timezone: Mars/Olympus }\n"),
	              "mappings/shop.yaml:11:45: unknown timezone 'Mars/Olympus' (expected an "
	              "IANA name like Asia/Seoul)");
	ASSERT_CONTAINS(with_line(11, "      opened_at: { from: open_dt, timezone: ../../etc/passwd }\n"),
	                "bad timezone");
	ASSERT_CONTAINS(with_line(13, "      is_open: { from: open_yn, type: \"boolean; drop\" }\n"),
	                "bad type 'boolean; drop'");
	ASSERT_CONTAINS(with_line(13, "      is_open: { from: open_yn, default: x }\n"),
	                "'default' applies to values missing from 'map'");
	ASSERT_CONTAINS(with_line(13, "      is_open: { from: open_yn, charset: ebcdic }\n"),
	                "'charset' must be one of: utf8mb4");
}

TEST(duplicates)
{
	ASSERT_STR_EQ(with_line(9, "      id: shop_name\n"),
	              "mappings/shop.yaml:9:7: duplicate key 'id' (first at line 8)");
	ASSERT_CONTAINS(with_line(16, "    from: { table: baemin.shop, key: shop_id, watch: [ad_grade, ad_grade] }\n"),
	                "'watch' names column 'ad_grade' twice");
}

TEST(empty_and_wrong_root)
{
	struct map_file *f;
	ASSERT(parse("", &f) != 0);
	ASSERT_STR_EQ(msg, "mappings/shop.yaml: empty mapping file (expected keys: source, "
	              "target, entities)");
	ASSERT(parse("entities: {}\n", &f) != 0);
	ASSERT_STR_EQ(msg, "mappings/shop.yaml:1:11: 'entities' is empty");
}

TEST(mapping_set_resolves_connections)
{
	const char *dir = t_tmpdir();
	char cfgtext[1024], sub[600];
	struct fc_config cfg;
	struct map_set set;
	struct fc_err err;

	snprintf(sub, sizeof sub, "%s/maps", dir);
	ASSERT_EQ(mkdir(sub, 0700), 0);
	t_write(sub, "b.yaml", "entities:\n  b: { from: { table: t, key: id }, to: { table: t, key: id }, columns: { id: id } }\n");
	t_write(sub, "a.yml", "source: legacy\nentities:\n  a: { from: { table: t, key: id }, to: { table: t, key: id }, columns: { id: id } }\n");
	t_write(sub, "notes.txt", "not a mapping");
	snprintf(cfgtext, sizeof cfgtext,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"mysql://h/db\" }\n"
	         "  newdb: { kind: postgres, dsn: \"postgresql://h/db\" }\n"
	         "mappings: maps\n"
	         "sync: { source: legacy, target: newdb }\n");
	ASSERT_EQ(fc_config_load(t_write(dir, "ficus.yaml", cfgtext), &cfg, &err), 0);
	ASSERT_EQ(map_set_load(&cfg, &set, &err), 0);
	ASSERT_EQ(set.nfiles, 2);
	ASSERT_CONTAINS(set.files[0]->path, "maps/a.yml");
	ASSERT_STR_EQ(set.files[1]->target, "newdb");
	ASSERT(map_set_entity(&set, "b") != NULL);
	map_set_release(&set);

	/* the same entity twice, across files */
	t_write(sub, "c.yaml", "entities:\n  a: { from: { table: t, key: id }, to: { table: t, key: id }, columns: { id: id } }\n");
	ASSERT(map_set_load(&cfg, &set, &err) < 0);
	ASSERT_CONTAINS(err.msg, "maps/c.yaml:2:3: entity 'a' is already defined at");
	ASSERT_CONTAINS(err.msg, "maps/a.yml:3");
	/* a source that is not mysql */
	t_write(sub, "c.yaml", "source: newdb\nentities:\n  c: { from: { table: t, key: id }, to: { table: t, key: id }, columns: { id: id } }\n");
	ASSERT(map_set_load(&cfg, &set, &err) < 0);
	ASSERT_CONTAINS(err.msg, "maps/c.yaml:1:9: source: connection 'newdb' is postgres, expected mysql");
	/* one that is not defined: the defined ones are listed */
	t_write(sub, "c.yaml", "target: nosuch\nentities:\n  c: { from: { table: t, key: id }, to: { table: t, key: id }, columns: { id: id } }\n");
	ASSERT(map_set_load(&cfg, &set, &err) < 0);
	ASSERT_CONTAINS(err.msg, "maps/c.yaml:1:9: target: unknown connection 'nosuch' (defined: "
	                "legacy, newdb)");
	/* an error inside one file names that file */
	t_write(sub, "c.yaml", "entities:\n  c: { form: {} }\n");
	ASSERT(map_set_load(&cfg, &set, &err) < 0);
	ASSERT_CONTAINS(err.msg, "maps/c.yaml:2:8: unknown key 'form' (did you mean 'from'?");
	fc_config_release(&cfg);
}

/* Out of memory anywhere while reading a mappings folder: an error, and
 * nothing left allocated (the file names read so far are freed too). */
TEST(mapping_folder_out_of_memory_leaks_nothing)
{
	const char *dir = t_tmpdir();
	char cfgtext[512], sub[600], name[32];
	struct fc_config cfg;
	struct map_set set;
	struct fc_err err;
	size_t before = 0;
	int failures = 0;

	snprintf(sub, sizeof sub, "%s/maps", dir);
	ASSERT_EQ(mkdir(sub, 0700), 0);
	for (int i = 0; i < 12; i++) {
		char text[256];
		snprintf(name, sizeof name, "m%02d.yaml", i);
		snprintf(text, sizeof text, "entities:\n  e%d: { from: { table: t, key: id }, "
		         "to: { table: t, key: id }, columns: { id: id } }\n", i);
		t_write(sub, name, text);
	}
	snprintf(cfgtext, sizeof cfgtext,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"mysql://h/db\" }\n"
	         "  newdb: { kind: postgres, dsn: \"postgresql://h/db\" }\n"
	         "mappings: maps\n"
	         "sync: { source: legacy, target: newdb }\n");
	ASSERT_EQ(fc_config_load(t_write(dir, "ficus.yaml", cfgtext), &cfg, &err), 0);
	/* fail the 1st, 2nd, ... allocation until the load goes through */
	for (long n = 0; n < 100000; n++) {
		int rc;
		if (n == 1)
			before = t_heap_in_use();  /* after a first round warmed up stdio & co */
		if (!t_alloc_fail_after(n))
			break;
		rc = map_set_load(&cfg, &set, &err);
		t_alloc_reset();
		if (rc == 0) {
			ASSERT_EQ(set.nfiles, 12);
			map_set_release(&set);
			break;
		}
		/* "out of memory", or a library's "Cannot allocate memory" */
		ASSERT(rc < 0);
		if (!strstr(err.msg, "out of memory"))
			ASSERT_CONTAINS(err.msg, "allocate memory");
		failures++;
	}
	if (before) {
		ASSERT(failures > 12);
		ASSERT_EQ(t_heap_in_use(), before);
	}
	fc_config_release(&cfg);
}

/* An empty topic is refused (it used to load and read topic[-1]). */
TEST(empty_topic_is_refused)
{
	ASSERT_STR_EQ(with_line(14, "    event: { topic: \"\", payload: zero }\n"),
	              "mappings/shop.yaml:14:21: 'topic' must not be empty (default: shop.changed)");
	ASSERT_STR_EQ(with_line(14, "    event: { topic: '' }\n"),
	              "mappings/shop.yaml:14:21: 'topic' must not be empty (default: shop.changed)");
	ASSERT_CONTAINS(with_line(14, "    event: { topic: ~ }\n"), "'topic' must not be empty");
}

/* null_if: one string or a list; "" is a string like any other. */
TEST(null_if_forms)
{
	static const struct {
		const char *spec;
		size_t n;
		const char *first, *last;
	} ok[] = {
		{ "null_if: \"\"", 1, "", "" },
		{ "null_if: ''", 1, "", "" },
		{ "null_if: [\"\"]", 1, "", "" },
		{ "null_if: [\"\", \"0000-00-00\"]", 2, "", "0000-00-00" },
		{ "null_if: [\"0000-00-00\", '']", 2, "0000-00-00", "" },
		{ "null_if: \"-\"", 1, "-", "-" },
		{ "null_if: [n/a, \"~\"]", 2, "n/a", "~" },
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		char text[1024], line[128];
		struct map_file *f;
		const struct map_column *c;
		snprintf(line, sizeof line, "      phone: { from: tel_no, %s }\n", ok[i].spec);
		snprintf(text, sizeof text, "%s", with_line(10, line));
		ASSERT_STR_EQ(text, "(loaded without error)");
		/* load it again to look inside */
		{
			char full[4096];
			const char *p = good;
			size_t o = 0;
			for (int l = 1; *p; l++) {
				const char *nl = strchr(p, '\n');
				size_t len = (size_t)(nl - p) + 1;
				if (l == 10)
					o += (size_t)snprintf(full + o, sizeof full - o, "%s", line);
				else {
					memcpy(full + o, p, len);
					o += len;
				}
				p += len;
			}
			full[o] = '\0';
			ASSERT_EQ(parse(full, &f), 0);
		}
		c = map_entity_column(&f->entities[0], "phone");
		ASSERT_EQ(c->nnull_if, ok[i].n);
		ASSERT_STR_EQ(c->null_if[0], ok[i].first);
		ASSERT_STR_EQ(c->null_if[c->nnull_if - 1], ok[i].last);
		map_file_free(f);
	}
	/* null is not a value to compare with: say how to write "" */
	ASSERT_STR_EQ(with_line(10, "      phone: { from: tel_no, null_if: [\"\", ~] }\n"),
	              "mappings/shop.yaml:10:44: 'null_if': item 2 is null (for an empty "
	              "string write \"\")");
	ASSERT_CONTAINS(with_line(10, "      phone: { from: tel_no, null_if: ~ }\n"),
	                "'null_if' must be a list of strings, not nothing (null)");
	ASSERT_CONTAINS(with_line(10, "      phone: { from: tel_no, null_if: [] }\n"),
	                "'null_if' must not be an empty list");
	ASSERT_CONTAINS(with_line(10, "      phone: { from: tel_no, null_if: [[a]] }\n"),
	                "'null_if' must be a string, not a list");
	ASSERT_CONTAINS(with_line(10, "      phone: { from: tel_no, null_if: { a: b } }\n"),
	                "'null_if' must be a list of strings, not a mapping");
}
