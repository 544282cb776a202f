/* testenv.h - helpers shared by the Check suites that run against the
 * simulators: a temp dir per test, running a simulator's driver (jujusim,
 * kubesimctl) with an argument list, the Juju hook-tool simulator
 * (tests/jujusim, found through $SRCDIR) with the environment of a hook,
 * the simulator's call log, and the Check runner.
 *
 * Each check_*.c is a program of its own (one translation unit), so this
 * header defines its helpers and their state as static, each marked unused:
 * a suite may use only some of them under -Wall -Wextra -Werror.
 *
 * State, for the one test that runs at a time:
 *   tmpdir     the test's temp dir: make_tmpdir() / remove_tmpdir(), or
 *              sim_setup() / sim_teardown()
 *   state      the simulator state file, tmpdir/state.json
 *   sim        the jujusim driver
 *   orig_path  $PATH before sim_setup() put the hook tools first; restored
 *              and freed by sim_teardown()
 */
#ifndef SVCMESH_TESTENV_H
#define SVCMESH_TESTENV_H

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transports/jujuc.h"
#include "base/log.h"
#include "transports/run.h"
#include "base/strbuf.h"
#include "base/util.h"

#define TESTENV_UNUSED __attribute__((unused))

static char tmpdir[PATH_MAX] TESTENV_UNUSED;
static char *orig_path TESTENV_UNUSED;
static struct strbuf state TESTENV_UNUSED = STRBUF_INIT;
static struct strbuf sim TESTENV_UNUSED = STRBUF_INIT;

/* Create tmpdir as $TMPDIR/check_SUITE.XXXXXX (TMPDIR unset or empty: /tmp). */
TESTENV_UNUSED static void make_tmpdir(const char *suite)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(tmpdir, sizeof(tmpdir), "%s/check_%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", suite);
	ck_assert_msg(n > 0 && (size_t)n < sizeof(tmpdir), "temp dir name too long");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* rm -rf tmpdir. */
TESTENV_UNUSED static void remove_tmpdir(void)
{
	const char *argv[] = { "rm", "-rf", tmpdir, NULL };
	struct child c = CHILD_INIT;

	c.argv = argv;
	run_child(&c);
	child_release(&c);
}

/* Append the arguments in ap, up to a NULL, to argv[*n...]; argv has room
 * for max entries, the last of them the NULL that ends it. */
TESTENV_UNUSED static void add_args(const char **argv, size_t *n, size_t max, va_list ap)
{
	const char *a;

	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert_uint_lt(*n, max - 1);
		argv[(*n)++] = a;
	}
	argv[*n] = NULL;
}

/* Run argv (a simulator's driver) with in on stdin (may be NULL) and its
 * stdout appended to out (may be NULL). Returns the exit status. */
TESTENV_UNUSED static int run_status(const char **argv, const char *in, struct strbuf *out)
{
	struct child c = CHILD_INIT;
	int st;

	c.argv = argv;
	c.in = in;
	c.in_len = in ? strlen(in) : 0;
	run_child_quiet(&c);
	st = c.status;
	if (out)
		strbuf_add(out, c.out.buf, c.out.len);
	child_release(&c);
	return st;
}

/* Run `jujusim CMD STATE ARGS... NULL`; stdout in out (may be NULL).
 * Returns the exit status. */
TESTENV_UNUSED static int sim_status(struct strbuf *out, const char *cmd, ...)
{
	const char *argv[16];
	size_t n = 0;
	va_list ap;

	argv[n++] = sim.buf;
	argv[n++] = cmd;
	argv[n++] = state.buf;
	va_start(ap, cmd);
	add_args(argv, &n, ARRAY_SIZE(argv), ap);
	va_end(ap);
	return run_status(argv, NULL, out);
}

/* SIM(CMD, ARGS...): jujusim CMD STATE ARGS... must exit 0. */
#define SIM(...) ck_assert_int_eq(sim_status(NULL, __VA_ARGS__, (const char *)NULL), 0)

/* Lines of STATE.calls whose tool is tool (NULL: all). */
TESTENV_UNUSED static int calls(const char *tool)
{
	struct strbuf path = STRBUF_INIT, prefix = STRBUF_INIT;
	char *buf = NULL, *line, *nl;
	size_t len;
	int n = 0;

	strbuf_addf(&path, "%s.calls", state.buf);
	if (tool)
		strbuf_addf(&prefix, "[\"%s\"", tool);
	if (read_file(path.buf, 1 << 24, &buf, &len) == 0) {
		for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
			if (!tool || !strncmp(line, prefix.buf, prefix.len))
				n++;
	} else {
		ck_assert_int_eq(errno, ENOENT);
	}
	free(buf);
	strbuf_release(&path);
	strbuf_release(&prefix);
	return n;
}

/* No hook is running: none of the hook and relation variables is set. */
TESTENV_UNUSED static void unset_hook_env(void)
{
	unsetenv("JUJU_HOOK_NAME");
	unsetenv("JUJU_DISPATCH_PATH");
	unsetenv("JUJU_RELATION");
	unsetenv("JUJU_RELATION_ID");
	unsetenv("JUJU_REMOTE_APP");
	unsetenv("JUJU_REMOTE_UNIT");
}

/* Drop whatever earlier tests (or error()) left in the log queue: flushed
 * outside a Juju context, so nothing is sent. */
TESTENV_UNUSED static void drain_log(void)
{
	unsetenv("JUJU_CONTEXT_ID");
	juju_reset();
	log_capture_errors(NULL);
	log_flush();
}

/* A fresh simulator for one test: tmpdir (check_SUITE.XXXXXX), state and
 * sim set, the hook tools first on $PATH, and the environment of unit UNIT
 * in model MODEL inside context "check-SUITE", with no hook running. The
 * state is not initialised: the caller runs SIM("init", ...). */
TESTENV_UNUSED static void sim_setup(const char *suite, const char *unit, const char *model)
{
	const char *srcdir = getenv("SRCDIR");
	struct strbuf path = STRBUF_INIT, context = STRBUF_INIT;

	drain_log();
	make_tmpdir(suite);
	if (!srcdir)
		srcdir = ".";
	if (!orig_path)
		orig_path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	strbuf_reset(&state);
	strbuf_reset(&sim);
	strbuf_addf(&state, "%s/state.json", tmpdir);
	strbuf_addf(&sim, "%s/tests/jujusim/jujusim", srcdir);
	if (getenv("JUJUSIM_TOOLS_DIR"))
		strbuf_addf(&path, "%s:%s", getenv("JUJUSIM_TOOLS_DIR"), orig_path);
	else
		strbuf_addf(&path, "%s/build/jujusim/bin:%s", srcdir, orig_path);
	strbuf_addf(&context, "check-%s", suite);
	setenv("PATH", path.buf, 1);
	setenv("JUJUSIM_STATE", state.buf, 1);
	setenv("JUJU_CONTEXT_ID", context.buf, 1);
	setenv("JUJU_UNIT_NAME", unit, 1);
	setenv("JUJU_MODEL_NAME", model, 1);
	unset_hook_env();
	juju_reset();
	strbuf_release(&path);
	strbuf_release(&context);
}

/* Undo sim_setup(): tmpdir removed, log queue drained, $PATH restored. */
TESTENV_UNUSED static void sim_teardown(void)
{
	remove_tmpdir();
	drain_log();
	if (orig_path) {
		setenv("PATH", orig_path, 1);
		free(orig_path);
		orig_path = NULL;
	}
	strbuf_release(&state);
	strbuf_release(&sim);
}

/* Run every test of s (consumed); EXIT_SUCCESS when none failed. */
TESTENV_UNUSED static int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
