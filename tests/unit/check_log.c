/* check_log.c - unit tests for the buffered unit log (log.c), run
 * in-process against the hook-tool simulator (tests/jujusim, found through
 * $SRCDIR): what log_flush() sends to juju-log, and what goes to stderr.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/json.h"
#include "transports/jujuc.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "testenv.h"
#include "base/util.h"

static int saved_stderr = -1;
static struct strbuf errfile = STRBUF_INIT;

/* The call log: one JSON argv per line. */
static struct json **read_calls(size_t *n)
{
	struct strbuf path = STRBUF_INIT;
	struct json **v = NULL;
	size_t alloc = 0;
	char *buf = NULL, *line, *nl;
	size_t len;

	*n = 0;
	strbuf_addf(&path, "%s.calls", state.buf);
	if (read_file(path.buf, 1 << 24, &buf, &len) < 0) {
		ck_assert_int_eq(errno, ENOENT);
	} else {
		for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
			ALLOC_GROW(v, *n + 1, alloc);
			v[*n] = json_parse(line, (size_t)(nl - line), NULL);
			ck_assert_ptr_nonnull(v[*n]);
			ck_assert_int_eq(v[*n]->type, JSON_ARRAY);
			(*n)++;
		}
	}
	free(buf);
	strbuf_release(&path);
	return v;
}

static void free_calls(struct json **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_free(v[i]);
	free(v);
}

static int ncalls(void)
{
	size_t n;
	struct json **v = read_calls(&n);

	free_calls(v, n);
	return (int)n;
}

/* Check that call i is juju-log --log-level LEVEL -- MESSAGE. */
static void assert_log_call(struct json **v, size_t i, const char *level, const char *message)
{
	const struct json *a = v[i];
	const char *want[] = { "juju-log", "--log-level", level, "--", message };

	ck_assert_uint_eq(a->u.arr.n, ARRAY_SIZE(want));
	for (size_t k = 0; k < ARRAY_SIZE(want); k++) {
		ck_assert_int_eq(a->u.arr.items[k]->type, JSON_STRING);
		ck_assert_str_eq(a->u.arr.items[k]->u.s, want[k]);
	}
}

/* What one juju-log call is expected to be: call i of the log. */
struct logcall {
	size_t i;
	const char *level, *message;
};

/* Check that the call log holds n calls and that each call want names is
 * the juju-log record it says. */
static void assert_log_calls(size_t n, const struct logcall *want, size_t nwant)
{
	size_t got;
	struct json **v = read_calls(&got);

	ck_assert_uint_eq(got, n);
	for (size_t k = 0; k < nwant; k++)
		assert_log_call(v, want[k].i, want[k].level, want[k].message);
	free_calls(v, got);
}

#define ASSERT_LOG(n, ...)                                               \
	assert_log_calls(n, (const struct logcall[]){ __VA_ARGS__ },     \
			 ARRAY_SIZE(((const struct logcall[]){ __VA_ARGS__ })))

/* stderr to a file while a test looks at it. */
static void capture_stderr(void)
{
	int fd;

	fflush(stderr);
	strbuf_reset(&errfile);
	strbuf_addf(&errfile, "%s/stderr", tmpdir);
	fd = open(errfile.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	saved_stderr = dup(2);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_eq(dup2(fd, 2), 2);
	close(fd);
}

/* Restore stderr; returns what was written to it (caller frees). */
static char *captured_stderr(void)
{
	char *buf = NULL;
	size_t len;

	if (saved_stderr < 0)
		return xstrdup("");
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	ck_assert_int_eq(read_file(errfile.buf, 1 << 20, &buf, &len), 0);
	return buf;
}

/* Not verbose, so that draining the log queue mirrors nothing to stderr. */
static void setup(void)
{
	log_set_verbose(0);
	log_set_hook(0);
	sim_setup("log", "consumer/0", "test-model");
	SIM("init", "--app", "consumer");
}

static void teardown(void)
{
	free(captured_stderr());
	log_set_verbose(0);
	sim_teardown();
	strbuf_release(&errfile);
}

START_TEST(level_names)
{
	ck_assert_str_eq(log_level_name(LOG_DEBUG), "DEBUG");
	ck_assert_str_eq(log_level_name(LOG_INFO), "INFO");
	ck_assert_str_eq(log_level_name(LOG_WARNING), "WARNING");
	ck_assert_str_eq(log_level_name(LOG_ERROR), "ERROR");
}
END_TEST

START_TEST(lines_are_queued_until_flush)
{
	char *err;

	log_set_hook(1);
	capture_stderr();
	log_info("one %d", 1);
	log_debug("two");
	log_warning("three");
	ck_assert_int_eq(ncalls(), 0);
	err = captured_stderr();
	/* a hook, not verbose: the person reads juju-log, stderr gets nothing */
	ck_assert_str_eq(err, "");
	free(err);
	log_flush();
	ck_assert_int_eq(ncalls(), 3);
	/* the queue is empty afterwards */
	log_flush();
	ck_assert_int_eq(ncalls(), 3);
}
END_TEST

START_TEST(one_record_per_line_in_order)
{
	struct strbuf out = STRBUF_INIT;

	log_info("i1");
	log_warning("w1");
	log_debug("d1");
	log_info("i2 with %s\nand a second line", "args");
	log_debug("d2");
	log_flush();
	ASSERT_LOG(6,
		   { 0, "INFO", "i1" },
		   { 1, "WARNING", "w1" },
		   { 2, "DEBUG", "d1" },
		   { 3, "INFO", "i2 with args" },
		   { 4, "INFO", "and a second line" },
		   { 5, "DEBUG", "d2" });
	ck_assert_int_eq(sim_status(&out, "log", NULL), 0);
	ck_assert_str_eq(out.buf, "INFO i1\nWARNING w1\nDEBUG d1\nINFO i2 with args\nINFO and a second line\nDEBUG d2\n");
	strbuf_release(&out);
}
END_TEST

START_TEST(error_only_when_the_command_fails)
{
	char *err;

	/* interactive: a warning at once, errors when the outcome is known */
	capture_stderr();
	log_error("boom %d", 42);
	log_info("fine");
	log_warning("careful");
	ck_assert_int_eq(error("via %s", "error()"), -1);
	log_set_outcome(1);
	log_flush();
	err = captured_stderr();
	ck_assert_str_eq(err, "svcmesh-hook: warning: careful\n"
			 "svcmesh-hook: error: boom 42\nsvcmesh-hook: error: via error()\n");
	free(err);
	ASSERT_LOG(4,
		   { 0, "ERROR", "boom 42" },
		   { 1, "INFO", "fine" },
		   { 2, "WARNING", "careful" },
		   { 3, "ERROR", "via error()" });
}
END_TEST

START_TEST(survived_errors_are_warnings)
{
	char *err;

	capture_stderr();
	log_error("refusing mesh label x");
	log_set_outcome(0);
	log_flush();
	err = captured_stderr();
	ck_assert_str_eq(err, "svcmesh-hook: warning: refusing mesh label x\n");
	free(err);
	ASSERT_LOG(1, { 0, "WARNING", "refusing mesh label x" });
	/* no outcome said: an ERROR line means failure */
	log_error("alone");
	log_flush();
	ASSERT_LOG(2, { 1, "ERROR", "alone" });
}
END_TEST

START_TEST(hook_stderr_only_when_it_fails)
{
	char *err;

	log_set_hook(1);
	capture_stderr();
	log_warning("skipped an entry");
	log_error("survived");
	log_set_outcome(0);
	log_flush();
	err = captured_stderr();
	ck_assert_str_eq(err, "");
	free(err);
	capture_stderr();
	log_warning("skipped an entry");
	log_error("kubectl failed");
	log_set_outcome(1);
	log_flush();
	err = captured_stderr();
	ck_assert_str_eq(err, "svcmesh-hook: error: kubectl failed\n");
	free(err);
}
END_TEST

START_TEST(hook_relation_prefix_is_juju_s)
{

	setenv("JUJU_RELATION_ID", "service-mesh:0", 1);
	juju_reset();
	log_set_hook(1);
	log_info("service-mesh:0: published labels");
	log_info("service-mesh:10: about another relation");
	log_info("service-mesh:0:x not a prefix");
	log_flush();
	ASSERT_LOG(3,
		   { 0, "INFO", "published labels" },
		   { 1, "INFO", "service-mesh:10: about another relation" },
		   { 2, "INFO", "service-mesh:0:x not a prefix" });
	/* interactively the id stays: no hook relation, no prefix from Juju */
	log_set_hook(0);
	log_info("service-mesh:0: published labels");
	log_flush();
	ASSERT_LOG(4, { 3, "INFO", "service-mesh:0: published labels" });
	unsetenv("JUJU_RELATION_ID");
	juju_reset();
}
END_TEST

START_TEST(capture_errors_collects_instead_of_stderr)
{
	struct strbuf sb = STRBUF_INIT;
	char *err;

	log_set_hook(1);
	capture_stderr();
	log_capture_errors(&sb);
	log_error("first");
	log_warning("a warning is not captured");
	log_error("second %s", "one");
	log_capture_errors(NULL);
	log_error("after");
	log_set_outcome(1);
	log_flush();
	err = captured_stderr();
	ck_assert_str_eq(sb.buf, "first; second one");
	ck_assert_str_eq(err, "svcmesh-hook: error: after\n");
	free(err);
	ASSERT_LOG(4,
		   { 1, "WARNING", "a warning is not captured" },
		   { 3, "ERROR", "after" });
	strbuf_release(&sb);
}
END_TEST

START_TEST(verbose_mirrors_every_line)
{
	char *err;

	log_set_hook(1);
	capture_stderr();
	log_set_verbose(1);
	log_debug("d");
	log_info("i");
	log_warning("w");
	log_error("e");
	log_set_verbose(0);
	log_info("quiet");
	log_set_outcome(1);
	log_set_verbose(1);
	log_flush();
	log_set_verbose(0);
	err = captured_stderr();
	ck_assert_str_eq(err, "svcmesh-hook: debug: d\nsvcmesh-hook: info: i\nsvcmesh-hook: warning: w\n"
			 "svcmesh-hook: error: e\n");
	free(err);
}
END_TEST

START_TEST(outside_a_context_nothing_is_sent)
{
	unsetenv("JUJU_CONTEXT_ID");
	juju_reset();
	log_info("not sent");
	log_debug("not sent either");
	log_flush();
	ck_assert_int_eq(ncalls(), 0);
	/* and the lines are gone, not kept for later */
	setenv("JUJU_CONTEXT_ID", "check-log", 1);
	juju_reset();
	log_flush();
	ck_assert_int_eq(ncalls(), 0);
}
END_TEST

START_TEST(failing_juju_log_is_not_fatal)
{
	char *err;

	SIM("fault", "--tool", "juju-log", "--match", "DEBUG", "--stderr", "ERROR log is full");
	log_debug("lost");
	log_info("kept");
	capture_stderr();
	log_flush();
	err = captured_stderr();
	ck_assert_msg(strstr(err, "juju-log failed") && strstr(err, "log is full"), "%s", err);
	free(err);
	ASSERT_LOG(2, { 1, "INFO", "kept" });
}
END_TEST

START_TEST(long_message_truncated)
{
	struct json **v;
	size_t n;
	char *big = xmalloc(150 * 1024 + 1);

	memset(big, 'x', 150 * 1024);
	big[150 * 1024] = '\0';
	log_info("%s", big);
	log_flush();
	v = read_calls(&n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(strlen(v[0]->u.arr.items[4]->u.s), 100 * 1024 + strlen(" ... (truncated)"));
	ck_assert_ptr_nonnull(strstr(v[0]->u.arr.items[4]->u.s, "x ... (truncated)"));
	free_calls(v, n);
	free(big);
}
END_TEST

/* A flood (a hostile peer's bad entries) costs at most 100 juju-log
 * records below ERROR, plus one saying how many were left out; ERROR
 * records are all sent, and the budget goes to warnings first, then info,
 * then debug, each kept in order. */
START_TEST(flood_capped)
{
	for (int i = 0; i < 90; i++)
		log_debug("detail %d", i);
	for (int i = 0; i < 30; i++)
		log_warning("bad entry %d", i);
	log_error("the hook fails");
	log_set_outcome(1);
	log_flush();
	ASSERT_LOG(102, { 0, "DEBUG", "detail 0" }, { 69, "DEBUG", "detail 69" },
		   { 70, "WARNING", "bad entry 0" }, { 99, "WARNING", "bad entry 29" },
		   { 100, "ERROR", "the hook fails" },
		   { 101, "WARNING", "20 more log records left out (at most 100 per run, warnings first); "
				     "run the command by hand with --verbose to see them all" });
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, level_names);
	tcase_add_test(tc, lines_are_queued_until_flush);
	tcase_add_test(tc, one_record_per_line_in_order);
	tcase_add_test(tc, error_only_when_the_command_fails);
	tcase_add_test(tc, survived_errors_are_warnings);
	tcase_add_test(tc, hook_stderr_only_when_it_fails);
	tcase_add_test(tc, hook_relation_prefix_is_juju_s);
	tcase_add_test(tc, capture_errors_collects_instead_of_stderr);
	tcase_add_test(tc, verbose_mirrors_every_line);
	tcase_add_test(tc, outside_a_context_nothing_is_sent);
	tcase_add_test(tc, failing_juju_log_is_not_fatal);
	tcase_add_test(tc, long_message_truncated);
	tcase_add_test(tc, flood_capped);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
