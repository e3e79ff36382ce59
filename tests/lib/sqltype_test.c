/* tests/lib/sqltype_test.c - type parsing for both engines and the
 * compatibility rules behind `ficus mappings check`. */
#include "../test.h"

#include "../../lib/sqltype.h"

static enum fc_compat compat(const char *mysql, const char *pg, bool tz)
{
	struct fc_sqltype s, d;
	char why[256];
	fc_sqltype_from_mysql(mysql, &s);
	fc_sqltype_from_pg(pg, &d);
	return fc_sqltype_compat(&s, &d, tz, why, sizeof why);
}

TEST(mysql_types_parse)
{
	struct fc_sqltype t;
	fc_sqltype_from_mysql("int(10) unsigned", &t);
	ASSERT_EQ(t.fam, FC_T_INT);
	ASSERT_EQ(t.bits, 32);
	ASSERT(t.is_unsigned);
	fc_sqltype_from_mysql("decimal(10,2)", &t);
	ASSERT_EQ(t.fam, FC_T_DECIMAL);
	ASSERT_EQ(t.precision, 10);
	ASSERT_EQ(t.scale, 2);
	fc_sqltype_from_mysql("varchar(100)", &t);
	ASSERT_EQ(t.fam, FC_T_TEXT);
	ASSERT_EQ(t.length, 100);
	fc_sqltype_from_mysql("datetime(3)", &t);
	ASSERT_EQ(t.fam, FC_T_DATETIME);
	ASSERT_EQ(t.frac, 3);
	fc_sqltype_from_mysql("timestamp", &t);
	ASSERT_EQ(t.fam, FC_T_TIMESTAMPTZ);
	fc_sqltype_from_mysql("enum('a','it''s','c')", &t);
	ASSERT_EQ(t.fam, FC_T_ENUM);
	ASSERT_EQ(t.nlabels, 3);
	ASSERT_STR_EQ(t.labels[1], "it's");
	fc_sqltype_from_mysql("mediumblob", &t);
	ASSERT_EQ(t.fam, FC_T_BINARY);
	fc_sqltype_from_mysql("bit(5)", &t);
	ASSERT_EQ(t.fam, FC_T_BIT);
	ASSERT_EQ(t.length, 5);
	fc_sqltype_from_mysql("time(2)", &t);
	ASSERT_EQ(t.fam, FC_T_TIME);
}

TEST(pg_types_parse)
{
	struct fc_sqltype t;
	fc_sqltype_from_pg("character varying(100)", &t);
	ASSERT_EQ(t.fam, FC_T_TEXT);
	ASSERT_EQ(t.length, 100);
	fc_sqltype_from_pg("numeric(12,0)", &t);
	ASSERT_EQ(t.precision, 12);
	ASSERT_EQ(t.scale, 0);
	fc_sqltype_from_pg("numeric", &t);
	ASSERT_EQ(t.precision, -1);
	fc_sqltype_from_pg("timestamp(3) with time zone", &t);
	ASSERT_EQ(t.fam, FC_T_TIMESTAMPTZ);
	ASSERT_EQ(t.frac, 3);
	fc_sqltype_from_pg("timestamp without time zone", &t);
	ASSERT_EQ(t.fam, FC_T_DATETIME);
	ASSERT_EQ(t.frac, 6);
	fc_sqltype_from_pg("text[]", &t);
	ASSERT_EQ(t.fam, FC_T_ARRAY);
}

TEST(compatibility_rules)
{
	/* the examples */
	ASSERT_EQ(compat("varchar(100)", "text", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("decimal(10,2)", "integer", false), FC_COMPAT_BAD);
	/* integers by width and sign */
	ASSERT_EQ(compat("int(10) unsigned", "bigint", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("int(10) unsigned", "integer", false), FC_COMPAT_WARN);
	ASSERT_EQ(compat("bigint(20) unsigned", "bigint", false), FC_COMPAT_WARN);
	ASSERT_EQ(compat("int(10) unsigned", "smallint", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("mediumint(8) unsigned", "integer", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("tinyint(3) unsigned", "smallint", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("bigint(20)", "integer", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("int(11)", "numeric(10,0)", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("int(11)", "numeric(5,0)", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("tinyint(1)", "boolean", false), FC_COMPAT_OK);
	/* decimals by precision and scale */
	ASSERT_EQ(compat("decimal(3,2)", "numeric(3,2)", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("decimal(3,2)", "numeric(5,1)", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("decimal(12,0)", "numeric(10,0)", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("decimal(12,0)", "bigint", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("decimal(10,2)", "numeric", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("decimal(10,2)", "double precision", false), FC_COMPAT_WARN);
	/* text lengths */
	ASSERT_EQ(compat("varchar(100)", "character varying(50)", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("char(2)", "character varying(2)", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("longtext", "character varying(10)", false), FC_COMPAT_WARN);
	ASSERT_EQ(compat("enum('delivery','takeout')", "character varying(5)", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("blob", "text", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("blob", "bytea", false), FC_COMPAT_OK);
	/* times, fractions and zones */
	ASSERT_EQ(compat("datetime", "timestamp with time zone", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("datetime", "timestamp with time zone", true), FC_COMPAT_OK);
	ASSERT_EQ(compat("timestamp", "timestamp with time zone", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("datetime(6)", "timestamp(3) without time zone", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("datetime(3)", "timestamp(3) without time zone", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("datetime", "date", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("time", "interval", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("time", "time without time zone", false), FC_COMPAT_WARN);
	ASSERT_EQ(compat("date", "date", false), FC_COMPAT_OK);
	/* other families */
	ASSERT_EQ(compat("json", "jsonb", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("double", "real", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("year(4)", "smallint", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("varchar(10)", "integer", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("set('a','b')", "text[]", false), FC_COMPAT_OK);
}

TEST(value_acceptance)
{
	struct fc_sqltype t;
	fc_sqltype_from_pg("boolean", &t);
	ASSERT(fc_sqltype_accepts(&t, "true"));
	ASSERT(fc_sqltype_accepts(&t, "N") == false);
	fc_sqltype_from_pg("integer", &t);
	ASSERT(fc_sqltype_accepts(&t, "-42"));
	ASSERT(!fc_sqltype_accepts(&t, "4.2"));
	fc_sqltype_from_pg("character varying(3)", &t);
	ASSERT(fc_sqltype_accepts(&t, "치킨집"));
	ASSERT(!fc_sqltype_accepts(&t, "chicken"));
}

/* An integer type of D digits holds every DECIMAL(D-1,0), not every
 * DECIMAL(D,0): the same rule for every width. */
TEST(decimal_into_integer_by_digits)
{
	ASSERT_EQ(compat("decimal(18,0)", "bigint", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("decimal(19,0)", "bigint", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("decimal(20,0)", "bigint", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("decimal(9,0)", "integer", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("decimal(10,0)", "integer", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("decimal(4,0)", "smallint", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("decimal(5,0)", "smallint", false), FC_COMPAT_BAD);
}

/* Values for maps and defaults are range-checked by the target's width. */
TEST(integer_values_fit_the_width)
{
	struct fc_sqltype t;
	fc_sqltype_from_pg("smallint", &t);
	ASSERT(fc_sqltype_accepts(&t, "32767"));
	ASSERT(fc_sqltype_accepts(&t, "-32768"));
	ASSERT(!fc_sqltype_accepts(&t, "40000"));
	ASSERT(!fc_sqltype_accepts(&t, "32768"));
	ASSERT(!fc_sqltype_accepts(&t, "-32769"));
	fc_sqltype_from_pg("integer", &t);
	ASSERT(fc_sqltype_accepts(&t, "2147483647"));
	ASSERT(fc_sqltype_accepts(&t, "-2147483648"));
	ASSERT(!fc_sqltype_accepts(&t, "99999999999"));
	ASSERT(!fc_sqltype_accepts(&t, "2147483648"));
	fc_sqltype_from_pg("bigint", &t);
	ASSERT(fc_sqltype_accepts(&t, "9223372036854775807"));
	ASSERT(fc_sqltype_accepts(&t, "-9223372036854775808"));
	ASSERT(!fc_sqltype_accepts(&t, "9223372036854775808"));
	ASSERT(!fc_sqltype_accepts(&t, "99999999999999999999"));
	ASSERT(!fc_sqltype_accepts(&t, ""));
	ASSERT(!fc_sqltype_accepts(&t, "-"));
	/* MySQL widths and signs, the same way */
	fc_sqltype_from_mysql("tinyint(3) unsigned", &t);
	ASSERT(fc_sqltype_accepts(&t, "255"));
	ASSERT(!fc_sqltype_accepts(&t, "256"));
	ASSERT(!fc_sqltype_accepts(&t, "-1"));
	fc_sqltype_from_mysql("tinyint(4)", &t);
	ASSERT(fc_sqltype_accepts(&t, "-128"));
	ASSERT(!fc_sqltype_accepts(&t, "128"));
	fc_sqltype_from_mysql("bigint(20) unsigned", &t);
	ASSERT(fc_sqltype_accepts(&t, "18446744073709551615"));
	ASSERT(!fc_sqltype_accepts(&t, "18446744073709551616"));
}

/* The names a user writes in `type:` mean what PostgreSQL means by them. */
TEST(pg_aliases_parse_like_format_type)
{
	static const struct {
		const char *alias, *name;
		enum fc_tfam fam;
		int bits;
	} cases[] = {
		{ "int", "integer", FC_T_INT, 32 },
		{ "int2", "smallint", FC_T_INT, 16 },
		{ "int4", "integer", FC_T_INT, 32 },
		{ "int8", "bigint", FC_T_INT, 64 },
		{ "integer", "integer", FC_T_INT, 32 },
		{ "smallint", "smallint", FC_T_INT, 16 },
		{ "bigint", "bigint", FC_T_INT, 64 },
		{ "INT8", "bigint", FC_T_INT, 64 },
		{ "bool", "boolean", FC_T_BOOL, 0 },
		{ "boolean", "boolean", FC_T_BOOL, 0 },
		{ "float4", "real", FC_T_FLOAT, 32 },
		{ "float8", "double precision", FC_T_FLOAT, 64 },
		{ "real", "real", FC_T_FLOAT, 32 },
		{ "double precision", "double precision", FC_T_FLOAT, 64 },
		{ "decimal", "numeric", FC_T_DECIMAL, 0 },
		{ "numeric", "numeric", FC_T_DECIMAL, 0 },
		{ "numeric(10,2)", "numeric(10,2)", FC_T_DECIMAL, 0 },
		{ "decimal(10, 2)", "numeric(10,2)", FC_T_DECIMAL, 0 },
		{ "varchar(20)", "character varying(20)", FC_T_TEXT, 0 },
		{ "varchar", "character varying", FC_T_TEXT, 0 },
		{ "char(3)", "character(3)", FC_T_TEXT, 0 },
		{ "text", "text", FC_T_TEXT, 0 },
		{ "timestamptz", "timestamp with time zone", FC_T_TIMESTAMPTZ, 0 },
		{ "timestamptz(3)", "timestamp(3) with time zone", FC_T_TIMESTAMPTZ, 0 },
		{ "timestamp", "timestamp without time zone", FC_T_DATETIME, 0 },
		{ "timestamp(0)", "timestamp(0) without time zone", FC_T_DATETIME, 0 },
		{ "timetz", "time with time zone", FC_T_TIME, 0 },
		{ "time", "time without time zone", FC_T_TIME, 0 },
		{ "date", "date", FC_T_DATE, 0 },
		{ "jsonb", "jsonb", FC_T_JSON, 0 },
		{ "json", "json", FC_T_JSON, 0 },
		{ "bytea", "bytea", FC_T_BINARY, 0 },
		{ "uuid", "uuid", FC_T_UUID, 0 },
		{ "int[]", "integer[]", FC_T_ARRAY, 0 },
		/* what format_type() gives stays as it is */
		{ "character varying(100)", "character varying(100)", FC_T_TEXT, 0 },
		{ "timestamp(3) with time zone", "timestamp(3) with time zone", FC_T_TIMESTAMPTZ, 0 },
		{ "shop_kind", "shop_kind", FC_T_UNKNOWN, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct fc_sqltype t;
		fc_sqltype_from_pg(cases[i].alias, &t);
		ASSERT_STR_EQ(t.text, cases[i].name);
		if (t.fam != cases[i].fam)
			t_fail(__FILE__, __LINE__, "%s: family %s, expected %s", cases[i].alias,
			       fc_tfam_name(t.fam), fc_tfam_name(cases[i].fam));
		if (cases[i].bits)
			ASSERT_EQ(t.bits, cases[i].bits);
	}
	{
		struct fc_sqltype t;
		fc_sqltype_from_pg("timestamptz(3)", &t);
		ASSERT_EQ(t.frac, 3);
		fc_sqltype_from_pg("varchar(20)", &t);
		ASSERT_EQ(t.length, 20);
		fc_sqltype_from_pg("decimal(10, 2)", &t);
		ASSERT_EQ(t.precision, 10);
		ASSERT_EQ(t.scale, 2);
		fc_sqltype_from_pg("char", &t);
		ASSERT_EQ(t.length, 1);
	}
	/* so a cast to timestamptz is an instant, not a wall clock */
	ASSERT_EQ(compat("timestamp", "timestamptz", false), FC_COMPAT_OK);
	ASSERT_EQ(compat("datetime", "timestamptz", false), FC_COMPAT_BAD);
	ASSERT_EQ(compat("int(11)", "int8", false), FC_COMPAT_OK);
}
