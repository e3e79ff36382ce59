/* tests/lib/ident_test.c - identifier validation and quoting. */
#include "../test.h"

#include "../../lib/ident.h"

TEST(valid_identifiers)
{
	ASSERT(fc_ident_valid("shop", NULL));
	ASSERT(fc_ident_valid("_x1", NULL));
	ASSERT(fc_ident_valid("Shop_Name$2", NULL));
	ASSERT(fc_ident_valid("a23456789012345678901234567890123456789012345678901234567890123", NULL));
}

TEST(invalid_identifiers_say_why)
{
	const char *why;
	ASSERT(!fc_ident_valid("", &why));
	ASSERT_STR_EQ(why, "empty name");
	ASSERT(!fc_ident_valid("1shop", &why));
	ASSERT_STR_EQ(why, "must start with a letter or '_'");
	ASSERT(!fc_ident_valid("shop name", &why));
	ASSERT_STR_EQ(why, "may contain only letters, digits, '_' and '$'");
	ASSERT(!fc_ident_valid("x`; DROP TABLE shop; --", &why));
	ASSERT(!fc_ident_valid("a\"b", &why));
	ASSERT(!fc_ident_valid("상점", &why));
	ASSERT(!fc_ident_valid("a234567890123456789012345678901234567890123456789012345678901234", &why));
	ASSERT_STR_EQ(why, "longer than 63 bytes");
}

TEST(table_names_split)
{
	char schema[64], name[64];
	const char *why;
	ASSERT_EQ(fc_ident_split_table("baemin.shop", schema, name, &why), 0);
	ASSERT_STR_EQ(schema, "baemin");
	ASSERT_STR_EQ(name, "shop");
	ASSERT_EQ(fc_ident_split_table("shop", schema, name, &why), 0);
	ASSERT_STR_EQ(schema, "");
	ASSERT(fc_ident_split_table("a.b.c", schema, name, &why) < 0);
	ASSERT_CONTAINS(why, "more than one '.'");
	ASSERT(fc_ident_split_table(".shop", schema, name, &why) < 0);
	ASSERT(fc_ident_split_table("a.", schema, name, &why) < 0);
	ASSERT(fc_ident_split_table("a.b-c", schema, name, &why) < 0);
}

TEST(quoting_always_quotes_and_doubles)
{
	struct fc_buf b = FC_BUF_INIT;
	fc_quote_mysql(&b, "order");
	ASSERT_STR_EQ(b.ptr, "`order`");
	fc_buf_reset(&b);
	fc_quote_mysql(&b, "a`b");
	ASSERT_STR_EQ(b.ptr, "`a``b`");
	fc_buf_reset(&b);
	fc_quote_pg(&b, "User");
	ASSERT_STR_EQ(b.ptr, "\"User\"");
	fc_buf_reset(&b);
	fc_quote_pg(&b, "a\"b");
	ASSERT_STR_EQ(b.ptr, "\"a\"\"b\"");
	fc_buf_reset(&b);
	fc_literal_pg(&b, "it's");
	ASSERT_STR_EQ(b.ptr, "'it''s'");
	fc_buf_reset(&b);
	fc_literal_mysql(&b, "a'b\\c");
	ASSERT_STR_EQ(b.ptr, "'a\\'b\\\\c'");
	fc_buf_release(&b);
}

TEST(keyset_tail_uses_a_range_on_the_first_key)
{
	struct fc_buf b = FC_BUF_INIT;
	const char *one[] = { "id" }, *three[] = { "a", "b", "c" };
	char last1[1][256] = { "7" }, last3[3][256] = { "1", "2", "it's" };

	fc_mysql_keyset_tail(&b, one, 1, last1, true, 10);
	ASSERT_STR_EQ(b.ptr, " ORDER BY `id` LIMIT 10");
	fc_buf_reset(&b);
	fc_mysql_keyset_tail(&b, one, 1, last1, false, 10);
	ASSERT_STR_EQ(b.ptr, " WHERE `id` > '7' ORDER BY `id` LIMIT 10");
	fc_buf_reset(&b);
	fc_mysql_keyset_tail(&b, three, 3, last3, false, 5);
	ASSERT_STR_EQ(b.ptr, " WHERE `a` >= '1' AND (`a` > '1' OR (`a` = '1' AND (`b` > '2' OR "
	              "(`b` = '2' AND `c` > 'it\\'s')))) ORDER BY `a`, `b`, `c` LIMIT 5");
	fc_buf_release(&b);
}
