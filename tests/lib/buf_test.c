/* tests/lib/buf_test.c - the capped buffer and the arena. */
#include "../test.h"

#include "../../lib/arena.h"
#include "../../lib/buf.h"
#include "../../lib/err.h"

TEST(buffer_grows_and_stays_terminated)
{
	struct fc_buf b = FC_BUF_INIT;
	for (int i = 0; i < 1000; i++)
		ASSERT_EQ(fc_buf_printf(&b, "%d,", i), 0);
	ASSERT_EQ(b.len, 3890);
	ASSERT_EQ(b.ptr[b.len], '\0');
	ASSERT_EQ(fc_buf_append(&b, "\0x", 2), 0);
	ASSERT_EQ(b.len, 3892);
	fc_buf_release(&b);
}

TEST(buffer_cap_refuses_and_keeps_contents)
{
	struct fc_buf b;
	fc_buf_init(&b, 8);
	ASSERT_EQ(fc_buf_puts(&b, "12345"), 0);
	ASSERT_EQ(fc_buf_puts(&b, "6789"), -FC_ETOOBIG);
	ASSERT_STR_EQ(b.ptr, "12345");
	ASSERT_EQ(fc_buf_puts(&b, "678"), 0);
	ASSERT_STR_EQ(b.ptr, "12345678");
	fc_buf_release(&b);
}

TEST(arena_allocates_zeroed_aligned)
{
	struct fc_arena a = FC_ARENA_INIT;
	for (int i = 0; i < 10000; i++) {
		unsigned char *p = fc_arena_alloc(&a, (size_t)(i % 100) + 1);
		ASSERT(p != NULL);
		ASSERT_EQ((unsigned long)p % 16, 0);
		ASSERT_EQ(p[0], 0);
		p[0] = 1;
	}
	ASSERT(fc_arena_alloc(&a, 100000) != NULL);
	ASSERT_STR_EQ(fc_arena_sprintf(&a, "%s-%d", "x", 5), "x-5");
	fc_arena_release(&a);
}

TEST(error_codes_have_names)
{
	struct fc_err e;
	ASSERT_EQ(fc_errf(&e, FC_ENOTFOUND, "table '%s'", "x"), -FC_ENOTFOUND);
	ASSERT_STR_EQ(e.msg, "table 'x'");
	ASSERT_STR_EQ(fc_err_name(-FC_ENOTFOUND), "ENOTFOUND");
	ASSERT_STR_EQ(fc_strerror(FC_ECONNECT), "connection failed");
	fc_err_prefix(&e, "entity '%s'", "shop");
	ASSERT_STR_EQ(e.msg, "entity 'shop': table 'x'");
}

TEST(put_utf8_replaces_what_is_not_utf8)
{
	struct fc_buf b = FC_BUF_INIT;
	/* valid text passes as it is, 4-byte emoji too */
	ASSERT_EQ(fc_buf_put_utf8(&b, "a한글\xF0\x9F\x98\x80z", 12), 0);
	ASSERT_STR_EQ(b.ptr, "a한글\xF0\x9F\x98\x80z");
	fc_buf_reset(&b);
	/* a character cut at the end (a body cut at 1 KiB) */
	ASSERT_EQ(fc_buf_put_utf8(&b, "ab\xED\x95", 4), 0);
	ASSERT_STR_EQ(b.ptr, "ab\xEF\xBF\xBD\xEF\xBF\xBD");
	fc_buf_reset(&b);
	/* stray bytes, an overlong form, a surrogate, beyond U+10FFFF */
	ASSERT_EQ(fc_buf_put_utf8(&b, "\xFFx\xC0\x80y\xED\xA0\x80z\xF4\x90\x80\x80", 14), 0);
	ASSERT_STR_EQ(b.ptr, "\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBD"
	                     "\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	fc_buf_release(&b);
}
