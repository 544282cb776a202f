/* check_run.c - unit tests for run.c: argv-only children, captured output,
 * stdin feeding, exit statuses, deadlines that kill the process group. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(captures_stdout_and_status)
{
	const char *argv[] = { "printf", "%s|%s", "a b", "$(touch /tmp/never)", NULL };
	struct child c = CHILD_INIT;

	c.argv = argv;
	ck_assert_int_eq(run_child(&c), 0);
	ck_assert_int_eq(c.status, 0);
	/* arguments reach the program untouched: no shell ever sees them */
	ck_assert_str_eq(c.out.buf, "a b|$(touch /tmp/never)");
	child_release(&c);
}
END_TEST

START_TEST(feeds_stdin)
{
	const char *argv[] = { "cat", NULL };
	struct child c = CHILD_INIT;
	static char big[300000];

	memset(big, 'x', sizeof(big) - 1);
	c.argv = argv;
	c.in = big;
	c.in_len = sizeof(big) - 1;
	ck_assert_int_eq(run_child(&c), 0);
	ck_assert_uint_eq(c.out.len, sizeof(big) - 1);
	child_release(&c);
}
END_TEST

START_TEST(stdin_is_dev_null_by_default)
{
	const char *argv[] = { "cat", NULL };
	struct child c = CHILD_INIT;

	c.argv = argv;
	c.timeout_ms = 5000;
	ck_assert_int_eq(run_child(&c), 0);
	ck_assert_uint_eq(c.out.len, 0);
	child_release(&c);
}
END_TEST

START_TEST(nonzero_exit_reported)
{
	const char *argv[] = { "sh", "-c", "echo 'ERROR boom' >&2; exit 3", NULL };
	struct child c = CHILD_INIT;

	c.argv = argv;
	ck_assert_int_eq(run_child_quiet(&c), -1);
	ck_assert_int_eq(c.status, 3);
	ck_assert_str_eq(c.err.buf, "ERROR boom\n");
	ck_assert_int_eq(c.timed_out, 0);
	child_release(&c);
}
END_TEST

START_TEST(missing_program_reported)
{
	const char *argv[] = { "/nonexistent/tool", NULL };
	struct child c = CHILD_INIT;

	c.argv = argv;
	ck_assert_int_eq(run_child(&c), -1);
	child_release(&c);
}
END_TEST

START_TEST(deadline_kills_whole_group)
{
	/* the grandchild holds stdout open: only killing the group ends it */
	const char *argv[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };
	struct child c = CHILD_INIT;
	long long t0 = ms_now(), took;

	c.argv = argv;
	c.timeout_ms = 300;
	ck_assert_int_eq(run_child_quiet(&c), -1);
	took = ms_now() - t0;
	ck_assert_int_eq(c.timed_out, 1);
	ck_assert_msg(took < 5000, "took %lld ms", took);
	child_release(&c);
}
END_TEST

START_TEST(term_ignored_then_killed)
{
	const char *argv[] = { "sh", "-c", "trap '' TERM; sleep 30", NULL };
	struct child c = CHILD_INIT;

	c.argv = argv;
	c.timeout_ms = 200;
	ck_assert_int_eq(run_child_quiet(&c), -1);
	ck_assert_int_eq(c.timed_out, 1);
	ck_assert_int_eq(c.status, 128 + 9);
	child_release(&c);
}
END_TEST

START_TEST(default_timeout_from_env)
{
	setenv("SVCMESH_TIMEOUT", "2.5", 1);
	ck_assert_int_eq(run_default_timeout_ms(), 2500);
	setenv("SVCMESH_TIMEOUT", "bogus", 1);
	ck_assert_int_eq(run_default_timeout_ms(), RUN_DEFAULT_TIMEOUT_MS);
	unsetenv("SVCMESH_TIMEOUT");
	ck_assert_int_eq(run_default_timeout_ms(), RUN_DEFAULT_TIMEOUT_MS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("child");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, captures_stdout_and_status);
	tcase_add_test(tc, feeds_stdin);
	tcase_add_test(tc, stdin_is_dev_null_by_default);
	tcase_add_test(tc, nonzero_exit_reported);
	tcase_add_test(tc, missing_program_reported);
	tcase_add_test(tc, deadline_kills_whole_group);
	tcase_add_test(tc, term_ignored_then_killed);
	tcase_add_test(tc, default_timeout_from_env);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
