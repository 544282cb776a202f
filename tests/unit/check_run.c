/* check_run.c - unit tests for run.c: argv-only children, captured output,
 * stdin feeding, exit statuses, deadlines that kill the process group. */
#include <check.h>
#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transports/run.h"
#include "formats/settings.h"

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
	/* the variables are read once: settings_reset() makes them read again
	 * (check_settings.c tests the parsing and the warnings) */
	setenv("SVCMESH_TIMEOUT", "2.5", 1);
	settings_reset();
	ck_assert_int_eq(settings_tool_timeout_ms(), 2500);
	setenv("SVCMESH_TIMEOUT", "bogus", 1);
	settings_reset();
	ck_assert_int_eq(settings_tool_timeout_ms(), RUN_DEFAULT_TIMEOUT_MS);
	unsetenv("SVCMESH_TIMEOUT");
	settings_reset();
	ck_assert_int_eq(settings_tool_timeout_ms(), RUN_DEFAULT_TIMEOUT_MS);
}
END_TEST

START_TEST(batch_runs_all_with_own_outputs)
{
	/* children finish in the opposite order to the one they started in */
	const char *a0[] = { "sh", "-c", "sleep 0.3; echo zero", NULL };
	const char *a1[] = { "sh", "-c", "sleep 0.2; echo one", NULL };
	const char *a2[] = { "sh", "-c", "sleep 0.1; echo two >&2", NULL };
	const char *a3[] = { "printf", "three", NULL };
	const char *a4[] = { "cat", NULL };
	struct child cs[5] = { CHILD_INIT, CHILD_INIT, CHILD_INIT, CHILD_INIT, CHILD_INIT };
	long long t0 = ms_now(), took;

	cs[0].argv = a0; cs[1].argv = a1; cs[2].argv = a2; cs[3].argv = a3; cs[4].argv = a4;
	cs[4].in = "four";
	cs[4].in_len = 4;
	ck_assert_int_eq(run_children(cs, 5, 5), 0);
	took = ms_now() - t0;
	ck_assert_str_eq(cs[0].out.buf, "zero\n");
	ck_assert_str_eq(cs[1].out.buf, "one\n");
	ck_assert_str_eq(cs[2].err.buf, "two\n");
	ck_assert_uint_eq(cs[2].out.len, 0);
	ck_assert_str_eq(cs[3].out.buf, "three");
	ck_assert_str_eq(cs[4].out.buf, "four");
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(cs[i].status, 0);
		ck_assert_int_eq(cs[i].started, 1);
		child_release(&cs[i]);
	}
	/* together, not one after another (0.6 s) */
	ck_assert_msg(took < 550, "took %lld ms", took);
}
END_TEST

START_TEST(batch_respects_jobs)
{
	/* each child appends its start and end to one file; with 2 jobs at
	 * most 2 are ever inside at once */
	char path[] = "/tmp/check_run_jobs.XXXXXX";
	int fd = mkstemp(path);
	const char *script = "echo in >> \"$0\"; sleep 0.1; echo out >> \"$0\"";
	const char *argv[] = { "sh", "-c", script, path, NULL };
	struct child cs[6];
	char buf[256];
	ssize_t n;
	int inside = 0, most = 0;

	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 6; i++) {
		memset(&cs[i], 0, sizeof(cs[i]));
		cs[i].argv = argv;
	}
	ck_assert_int_eq(run_children(cs, 6, 2), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		inside += !strcmp(l, "in") ? 1 : -1;
		if (inside > most)
			most = inside;
	}
	ck_assert_int_eq(inside, 0);
	ck_assert_int_eq(most, 2);
	close(fd);
	unlink(path);
	for (int i = 0; i < 6; i++)
		child_release(&cs[i]);
}
END_TEST

START_TEST(batch_stops_starting_after_a_failure)
{
	const char *ok[] = { "true", NULL };
	const char *bad[] = { "sh", "-c", "echo 'ERROR no' >&2; exit 4", NULL };
	const char *missing[] = { "/nonexistent/tool", NULL };
	struct child cs[4] = { CHILD_INIT, CHILD_INIT, CHILD_INIT, CHILD_INIT };

	cs[0].argv = ok; cs[1].argv = bad; cs[2].argv = ok; cs[3].argv = ok;
	/* one at a time: after the failure nothing else starts */
	ck_assert_int_eq(run_children(cs, 4, 1), -1);
	ck_assert_int_eq(cs[0].status, 0);
	ck_assert_int_eq(cs[1].status, 4);
	ck_assert_str_eq(cs[1].err.buf, "ERROR no\n");
	ck_assert_int_eq(cs[2].started, 0);
	ck_assert_int_eq(cs[3].started, 0);
	ck_assert_int_eq(cs[2].status, -1);

	/* a program that cannot be started says why: posix_spawnp() returns
	 * ENOENT (glibc's clone-based spawn), or, where spawn is emulated
	 * with fork (valgrind), the child exits 127 */
	cs[0].argv = missing;
	ck_assert_int_eq(run_children(cs, 1, 1), -1);
	if (cs[0].started)
		ck_assert_int_eq(cs[0].status, 127);
	else
		ck_assert_int_eq(cs[0].start_errno, ENOENT);
	for (int i = 0; i < 4; i++)
		child_release(&cs[i]);
}
END_TEST

START_TEST(batch_deadline_per_child)
{
	const char *slow[] = { "sleep", "30", NULL };
	const char *quick[] = { "echo", "fine", NULL };
	struct child cs[2] = { CHILD_INIT, CHILD_INIT };
	long long t0 = ms_now(), took;

	cs[0].argv = slow;
	cs[0].timeout_ms = 300;
	cs[1].argv = quick;
	ck_assert_int_eq(run_children(cs, 2, 2), -1);
	took = ms_now() - t0;
	ck_assert_int_eq(cs[0].timed_out, 1);
	ck_assert_int_eq(cs[1].timed_out, 0);
	ck_assert_str_eq(cs[1].out.buf, "fine\n");
	ck_assert_msg(took < 5000, "took %lld ms", took);
	child_release(&cs[0]);
	child_release(&cs[1]);
}
END_TEST

START_TEST(jobs_from_env)
{
	setenv("SVCMESH_JOBS", "3", 1);
	settings_reset();
	ck_assert_int_eq(settings_jobs(), 3);
	/* out of range is a warning and the default, not a silent clamp */
	setenv("SVCMESH_JOBS", "100000", 1);
	settings_reset();
	ck_assert_int_eq(settings_jobs(), RUN_DEFAULT_JOBS);
	setenv("SVCMESH_JOBS", "0", 1);
	settings_reset();
	ck_assert_int_eq(settings_jobs(), RUN_DEFAULT_JOBS);
	unsetenv("SVCMESH_JOBS");
	settings_reset();
	ck_assert_int_eq(settings_jobs(), RUN_DEFAULT_JOBS);
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
	tcase_add_test(tc, batch_runs_all_with_own_outputs);
	tcase_add_test(tc, batch_respects_jobs);
	tcase_add_test(tc, batch_stops_starting_after_a_failure);
	tcase_add_test(tc, batch_deadline_per_child);
	tcase_add_test(tc, jobs_from_env);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
