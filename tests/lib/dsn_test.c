/* tests/lib/dsn_test.c - DSN parsing and redaction. */
#include "../test.h"

#include "../../lib/dsn.h"
#include "../../lib/err.h"

TEST(mysql_dsn_parses)
{
	struct fc_arena a = FC_ARENA_INIT;
	struct fc_mysql_dsn d;
	const char *why;
	ASSERT_EQ(fc_dsn_parse_mysql("mysql://app:s%40cret@db.local:3307/baemin", &a, &d, &why), 0);
	ASSERT_STR_EQ(d.user, "app");
	ASSERT_STR_EQ(d.password, "s@cret");
	ASSERT_STR_EQ(d.host, "db.local");
	ASSERT_EQ(d.port, 3307);
	ASSERT_STR_EQ(d.database, "baemin");
	ASSERT_EQ(fc_dsn_parse_mysql("mysql://127.0.0.1", &a, &d, &why), 0);
	ASSERT_STR_EQ(d.user, "root");
	ASSERT(d.password == NULL);
	ASSERT_EQ(d.port, 3306);
	ASSERT(d.database == NULL);
	ASSERT_EQ(fc_dsn_parse_mysql("mysql://u@localhost/db?socket=/tmp/my.sock", &a, &d, &why), 0);
	ASSERT_STR_EQ(d.socket, "/tmp/my.sock");
	ASSERT_STR_EQ(d.database, "db");
	fc_arena_release(&a);
}

TEST(mysql_dsn_errors)
{
	struct fc_arena a = FC_ARENA_INIT;
	struct fc_mysql_dsn d;
	const char *why;
	ASSERT(fc_dsn_parse_mysql("postgresql://x/y", &a, &d, &why) < 0);
	ASSERT_CONTAINS(why, "must start with mysql://");
	ASSERT(fc_dsn_parse_mysql("mysql://h:99999/db", &a, &d, &why) < 0);
	ASSERT_CONTAINS(why, "bad port");
	ASSERT(fc_dsn_parse_mysql("mysql://u@:3306/db", &a, &d, &why) < 0);
	ASSERT_CONTAINS(why, "no host");
	ASSERT(fc_dsn_parse_mysql("mysql://u:%zz@h/db", &a, &d, &why) < 0);
	ASSERT_CONTAINS(why, "password");
	ASSERT(fc_dsn_parse_mysql("mysql://h/db?sslmode=x", &a, &d, &why) < 0);
	ASSERT_CONTAINS(why, "unknown parameter");
	fc_arena_release(&a);
}

TEST(redaction_hides_every_password)
{
	struct fc_arena a = FC_ARENA_INIT;
	ASSERT_STR_EQ(fc_dsn_redact("mysql://app:hunter2@h:3306/db", &a), "mysql://app:***@h:3306/db");
	ASSERT_STR_EQ(fc_dsn_redact("mysql://app@h/db", &a), "mysql://app@h/db");
	ASSERT_STR_EQ(fc_dsn_redact("mysql://app:@h/db", &a), "mysql://app:***@h/db");
	ASSERT_STR_EQ(fc_dsn_redact("postgresql://u:p%40ss@h/db?sslmode=require", &a),
	              "postgresql://u:***@h/db?sslmode=require");
	ASSERT_STR_EQ(fc_dsn_redact("postgresql://h/db?user=u&password=pw&x=1", &a),
	              "postgresql://h/db?user=u&password=***&x=1");
	ASSERT_STR_EQ(fc_dsn_redact("host=h password=secret dbname=x", &a),
	              "host=h password=*** dbname=x");
	ASSERT_STR_EQ(fc_dsn_redact("host=h password='se cret' dbname=x", &a),
	              "host=h password=*** dbname=x");
	ASSERT_STR_EQ(fc_dsn_redact("nats://a:b@h1:4222,nats://c:d@h2:4222", &a),
	              "nats://a:***@h1:4222,nats://c:***@h2:4222");
	fc_arena_release(&a);
}

/* Passwords holding the characters that end a URI's parts: the credentials
 * run to the URL's last '@', whatever is in between. */
TEST(redaction_of_passwords_with_uri_characters)
{
	struct fc_arena a = FC_ARENA_INIT;
	ASSERT_STR_EQ(fc_dsn_redact("mysql://app:x/y@h", &a), "mysql://app:***@h");
	ASSERT_STR_EQ(fc_dsn_redact("postgresql://u:a/b@h", &a), "postgresql://u:***@h");
	ASSERT_STR_EQ(fc_dsn_redact("mysql://app:p@ss:w/rd@h/db", &a), "mysql://app:***@h/db");
	ASSERT_STR_EQ(fc_dsn_redact("mysql://app:x?y@h/db", &a), "mysql://app:***@h/db");
	ASSERT_STR_EQ(fc_dsn_redact("postgresql://u:a,b@h/db?sslmode=require", &a),
	              "postgresql://u:***@h/db?sslmode=require");
	ASSERT_STR_EQ(fc_dsn_redact("nats://a:b,c@h1:4222,nats://c:d/e@h2:4222", &a),
	              "nats://a:***@h1:4222,nats://c:***@h2:4222");
	/* no password: nothing changes */
	ASSERT_STR_EQ(fc_dsn_redact("postgresql://h:5432/db?sslmode=require", &a),
	              "postgresql://h:5432/db?sslmode=require");
	fc_arena_release(&a);
}

/* libpq allows spaces around '=' in key=value strings. */
TEST(redaction_of_key_value_with_spaces)
{
	struct fc_arena a = FC_ARENA_INIT;
	ASSERT_STR_EQ(fc_dsn_redact("host=h password = s3cret dbname=x", &a),
	              "host=h password = *** dbname=x");
	ASSERT_STR_EQ(fc_dsn_redact("host=h password= 's3 cret' dbname=x", &a),
	              "host=h password= *** dbname=x");
	ASSERT_STR_EQ(fc_dsn_redact("host=h\tpassword\t=\ts3cret", &a), "host=h\tpassword\t=\t***");
	ASSERT_STR_EQ(fc_dsn_redact("host=h sslpassword =s3cret", &a), "host=h sslpassword =***");
	/* the word as a value is not a key */
	ASSERT_STR_EQ(fc_dsn_redact("user=password host=h", &a), "user=password host=h");
	ASSERT_NOT_CONTAINS(fc_dsn_redact("password =s3cret", &a), "s3cret");
	fc_arena_release(&a);
}

/* The values a config substituted are masked wherever they appear. */
TEST(mask_hides_every_substituted_value)
{
	struct fc_arena a = FC_ARENA_INIT;
	static const char *const one[] = { "x/y" };
	static const char *const pw[] = { "pa@ss:w/rd" };
	static const char *const two[] = { "abc", "bcd", "" };
	ASSERT_STR_EQ(fc_dsn_show("mysql://app:x/y@h", one, 1, &a), "mysql://app:***@h");
	ASSERT_STR_EQ(fc_dsn_show("mysql://app:pa@ss:w/rd@h/db", pw, 1, &a), "mysql://app:***@h/db");
	ASSERT_STR_EQ(fc_dsn_show("host=h password = pa@ss:w/rd", pw, 1, &a),
	              "host=h password = ***");
	/* anywhere, not only in the password's place; overlapping ones as one */
	ASSERT_STR_EQ(fc_dsn_mask("db=x/y opts=x/yx/y", one, 1, &a), "db=*** opts=***");
	ASSERT_STR_EQ(fc_dsn_mask("1abcd2", two, 3, &a), "1***2");
	ASSERT_STR_EQ(fc_dsn_mask("plain", NULL, 0, &a), "plain");
	fc_arena_release(&a);
}
