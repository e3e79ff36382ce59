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
