/* check_strbuf.c - unit tests for strbuf.c and kvlist.c (the small containers). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/kvlist.h"
#include "base/strbuf.h"

START_TEST(strbuf_grows_and_formats)
{
	struct strbuf sb = STRBUF_INIT;

	ck_assert_str_eq(sb.buf, "");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	ck_assert_uint_eq(sb.len, strlen(sb.buf));
	ck_assert_int_eq(strncmp(sb.buf, "0,1,2,", 6), 0);
	strbuf_setlen(&sb, 2);
	ck_assert_str_eq(sb.buf, "0,");
	strbuf_addstr(&sb, " \n\t");
	strbuf_rtrim(&sb);
	ck_assert_str_eq(sb.buf, "0,");
	strbuf_release(&sb);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_str_eq(sb.buf, "");
}
END_TEST

START_TEST(strbuf_detach_hands_over)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;
	char *s;

	s = strbuf_detach(&sb, &len);
	ck_assert_str_eq(s, "");
	free(s);
	strbuf_add(&sb, "a\0b", 3);
	s = strbuf_detach(&sb, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(s, "a\0b", 4), 0);
	ck_assert_uint_eq(sb.len, 0);
	free(s);
}
END_TEST

START_TEST(kvlist_keeps_order_and_replaces_in_place)
{
	struct kvlist a = KVLIST_INIT, b = KVLIST_INIT;

	kvlist_set(&a, "z", "1");
	kvlist_set(&a, "a", "2");
	kvlist_set(&a, "z", "3");
	ck_assert_uint_eq(a.n, 2);
	ck_assert_str_eq(a.items[0].key, "z");
	ck_assert_str_eq(kvlist_get(&a, "z"), "3");
	ck_assert_ptr_null(kvlist_get(&a, "missing"));
	kvlist_copy(&b, &a);
	ck_assert_int_eq(kvlist_equal(&a, &b), 1);
	ck_assert_int_eq(kvlist_del(&b, "z"), 1);
	ck_assert_int_eq(kvlist_del(&b, "z"), 0);
	ck_assert_int_eq(kvlist_equal(&a, &b), 0);
	ck_assert_str_eq(b.items[0].key, "a");
	kvlist_release(&a);
	kvlist_release(&b);
}
END_TEST

START_TEST(strlist_basics)
{
	struct strlist l = STRLIST_INIT;

	strlist_add(&l, "x");
	strlist_add_take(&l, strdup("y"));
	ck_assert_int_eq(strlist_has(&l, "y"), 1);
	ck_assert_int_eq(strlist_has(&l, "z"), 0);
	strlist_release(&l);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

START_TEST(quoted_values_are_short_and_one_line)
{
	struct strbuf sb = STRBUF_INIT;
	char big[200];

	strbuf_add_quoted(&sb, "http");
	ck_assert_str_eq(sb.buf, "'http'");
	strbuf_reset(&sb);
	strbuf_add_quoted(&sb, "a\nb\tc'd\\e\001");
	ck_assert_str_eq(sb.buf, "'a\\nb\\tc\\'d\\\\e\\x01'");
	strbuf_reset(&sb);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_add_quoted(&sb, big);
	ck_assert_uint_eq(sb.len, QUOTE_MAX + 5);
	ck_assert_str_eq(sb.buf + QUOTE_MAX + 1, "...'");
	/* never cut inside a UTF-8 character: 'é' is two bytes */
	strbuf_reset(&sb);
	strbuf_add_shortened(&sb, "ab\xc3\xa9z", 3);
	ck_assert_str_eq(sb.buf, "ab...");
	strbuf_release(&sb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("containers");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, strbuf_grows_and_formats);
	tcase_add_test(tc, strbuf_detach_hands_over);
	tcase_add_test(tc, kvlist_keeps_order_and_replaces_in_place);
	tcase_add_test(tc, strlist_basics);
	tcase_add_test(tc, quoted_values_are_short_and_one_line);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
