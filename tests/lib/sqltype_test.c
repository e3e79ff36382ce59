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
