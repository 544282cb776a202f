/* check_settings.c - unit tests for settings.c (the settings: section of
 * service-mesh.yaml and the SVCMESH_* overrides) and its config.c keys. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/config.h"
#include "transports/run.h"
#include "formats/settings.h"
#include "base/strbuf.h"
#include "testenv.h"

START_TEST(seconds_parsing)
{
	static const struct { const char *s; int ms; } ok[] = {
		{ "2", 2000 }, { "2.5", 2500 }, { "0.0001", 1 }, { "86400", 86400000 },
		{ ".5", 500 }, { "30.", 30000 }, { "007", 7000 },
	};
	static const char *const bad[] = {
		"", "0", "0.0", "-1", "+2", "nan", "NaN", "inf", "-inf", "infinity", "1e3", "0x10",
		" 2", "2 ", "2s", "86400.1", "99999999999999999999", ".", "1.2.3", "abc",
		"1000000000000000000000000000000000000",
	};
	int ms;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ms = -1;
		ck_assert_msg(settings_parse_seconds(ok[i].s, &ms) == 0, "'%s' refused", ok[i].s);
		ck_assert_int_eq(ms, ok[i].ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = -7;
		ck_assert_msg(settings_parse_seconds(bad[i], &ms) == -1, "'%s' accepted", bad[i]);
		ck_assert_int_eq(ms, -7);
	}
}
END_TEST

START_TEST(jobs_and_bool_parsing)
{
	static const char *const bad[] = { "", "0", "65", "-1", "+3", "3.0", "x", " 3", "nan",
					   "100000000000" };
	int v;

	ck_assert_int_eq(settings_parse_jobs("1", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(settings_parse_jobs("64", &v), 0);
	ck_assert_int_eq(v, 64);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(settings_parse_jobs(bad[i], &v) == -1, "'%s' accepted", bad[i]);
	ck_assert_int_eq(settings_parse_bool("TRUE", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(settings_parse_bool("0", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(settings_parse_bool("yes", &v), -1);
}
END_TEST

/* stderr of fn() as a string (caller frees). */
static char *stderr_of(void (*fn)(void))
{
	char path[] = "/tmp/check_settings.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char *buf = calloc(1, 4096);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, 4095);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static int got_tool, got_kubectl, got_jobs, got_remember;

static void read_all(void)
{
	settings_reset();
	got_tool = settings_tool_timeout_ms();
	got_kubectl = settings_kubectl_timeout_ms();
	got_jobs = settings_jobs();
	got_remember = settings_remember_apps();
}

START_TEST(bad_variables_warn_and_are_ignored)
{
	static const char *const values[] = { "nan", "inf", "-1", "0", "garbage", "1e9", "100000" };
	char *err;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		setenv("SVCMESH_TIMEOUT", values[i], 1);
		setenv("SVCMESH_KUBECTL_TIMEOUT", values[i], 1);
		setenv("SVCMESH_JOBS", values[i], 1);
		err = stderr_of(read_all);
		ck_assert_int_eq(got_tool, RUN_DEFAULT_TIMEOUT_MS);
		ck_assert_int_eq(got_kubectl, RUN_DEFAULT_TIMEOUT_MS);
		ck_assert_int_eq(got_jobs, RUN_DEFAULT_JOBS);
		/* one warning per variable, each naming it and its value */
		ck_assert_msg(strstr(err, "svcmesh-hook: warning: SVCMESH_TIMEOUT='") != NULL, "%s", err);
		ck_assert_msg(strstr(err, "svcmesh-hook: warning: SVCMESH_KUBECTL_TIMEOUT='") != NULL, "%s", err);
		ck_assert_msg(strstr(err, "svcmesh-hook: warning: SVCMESH_JOBS='") != NULL, "%s", err);
		ck_assert_msg(strstr(err, values[i]) != NULL, "%s", err);
		free(err);
	}
	unsetenv("SVCMESH_TIMEOUT");
	unsetenv("SVCMESH_KUBECTL_TIMEOUT");
	unsetenv("SVCMESH_JOBS");
	/* the boolean one: not 0/1/true/false is a warning, never "off" */
	static const char *const bools[] = { "no", "off", "2", "nan", "garbage" };
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		setenv("SVCMESH_REMEMBER", bools[i], 1);
		err = stderr_of(read_all);
		ck_assert_int_eq(got_remember, 1);
		ck_assert_msg(strstr(err, "svcmesh-hook: warning: SVCMESH_REMEMBER='") != NULL, "%s", err);
		ck_assert_msg(strstr(err, bools[i]) != NULL, "%s", err);
		free(err);
	}
	unsetenv("SVCMESH_REMEMBER");
	err = stderr_of(read_all);
	ck_assert_str_eq(err, "");
	free(err);
	settings_reset();
	drain_log();
}
END_TEST

static void parse(const char *yaml, struct mesh_config *cfg, struct strbuf *err)
{
	ck_assert_int_eq(config_parse("charm/service-mesh.yaml", yaml, strlen(yaml), cfg, err), 0);
}

START_TEST(config_values_then_variables_win)
{
	struct mesh_config cfg;
	struct strbuf err = STRBUF_INIT;
	const char *from;

	parse("settings:\n  hook-tool-timeout: 5\n  kubectl-timeout: 7.5\n  jobs: 2\n"
	      "  kubectl: bin/kubectl-1.31\n  verbose: true\n  remember-apps: false\n", &cfg, &err);
	ck_assert_int_eq(cfg.settings.hook_tool_timeout_ms, 5000);
	ck_assert_str_eq(cfg.settings.kubectl, "charm/bin/kubectl-1.31");
	settings_reset();
	settings_use_config(&cfg.settings);
	config_release(&cfg);   /* settings keep their own copy */
	ck_assert_int_eq(settings_tool_timeout_ms(), 5000);
	ck_assert_int_eq(settings_kubectl_timeout_ms(), 7500);
	ck_assert_int_eq(settings_jobs(), 2);
	ck_assert_str_eq(settings_kubectl(&from), "charm/bin/kubectl-1.31");
	ck_assert_str_eq(from, "settings.kubectl");
	ck_assert_int_eq(settings_verbose(), 1);
	ck_assert_int_eq(settings_remember_apps(), 0);

	/* variables override; the kubectl timeout defaults to the hook-tool one */
	setenv("SVCMESH_TIMEOUT", "3", 1);
	setenv("SVCMESH_KUBECTL", "/opt/kubectl", 1);
	setenv("SVCMESH_VERBOSE", "0", 1);
	setenv("SVCMESH_REMEMBER", "true", 1);
	parse("settings:\n  hook-tool-timeout: 5\n  kubectl: kubectl-1.31\n  remember-apps: false\n", &cfg, &err);
	ck_assert_str_eq(cfg.settings.kubectl, "kubectl-1.31");   /* bare name: PATH */
	settings_reset();
	settings_use_config(&cfg.settings);
	ck_assert_int_eq(settings_tool_timeout_ms(), 3000);
	ck_assert_int_eq(settings_kubectl_timeout_ms(), 3000);
	ck_assert_str_eq(settings_kubectl(&from), "/opt/kubectl");
	ck_assert_str_eq(from, "SVCMESH_KUBECTL");
	ck_assert_int_eq(settings_verbose(), 0);
	ck_assert_int_eq(settings_remember_apps(), 1);
	config_release(&cfg);
	unsetenv("SVCMESH_REMEMBER");
	unsetenv("SVCMESH_TIMEOUT");
	unsetenv("SVCMESH_KUBECTL");
	unsetenv("SVCMESH_VERBOSE");

	/* nothing set: defaults */
	parse("consumer:\n", &cfg, &err);
	settings_reset();
	settings_use_config(&cfg.settings);
	ck_assert_int_eq(settings_tool_timeout_ms(), RUN_DEFAULT_TIMEOUT_MS);
	ck_assert_int_eq(settings_kubectl_timeout_ms(), RUN_DEFAULT_TIMEOUT_MS);
	ck_assert_int_eq(settings_jobs(), RUN_DEFAULT_JOBS);
	ck_assert_ptr_null(settings_kubectl(&from));
	ck_assert_int_eq(settings_verbose(), 0);
	ck_assert_int_eq(settings_remember_apps(), 1);
	config_release(&cfg);
	settings_reset();
	strbuf_release(&err);
}
END_TEST

START_TEST(config_errors_name_file_line_col)
{
	const char *yaml =
		"settings:\n"
		"  hook-tool-timeout: .nan\n"
		"  kubectl-timeout: '30'\n"
		"  jobs: 65\n"
		"  kubectl: ''\n"
		"  verbose: maybe\n"
		"  timeout: 3\n";
	struct mesh_config cfg;
	struct strbuf err = STRBUF_INIT;

	ck_assert_int_eq(config_parse("service-mesh.yaml", yaml, strlen(yaml), &cfg, &err), -1);
	ck_assert_str_eq(err.buf,
		"service-mesh.yaml:2:22: settings.hook-tool-timeout: '.nan' is not a number of seconds "
		"(0 < seconds <= 86400, digits with an optional fraction)\n"
		"service-mesh.yaml:3:20: settings.kubectl-timeout: expected a number of seconds, got a string '30'\n"
		"service-mesh.yaml:4:9: settings.jobs: 65 is not a number of parallel jobs (1..64) (value '65')\n"
		"service-mesh.yaml:5:12: settings.kubectl: expected the path of a kubectl binary, got ''\n"
		"service-mesh.yaml:6:12: settings.verbose: expected a boolean (true or false), got a string 'maybe'\n"
		"service-mesh.yaml:7:3: settings: unknown key 'timeout' in settings (expected hook-tool-timeout, "
		"kubectl-timeout, jobs, kubectl, verbose, remember-apps)\n");
	strbuf_release(&err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("settings");

	tcase_add_test(tc, seconds_parsing);
	tcase_add_test(tc, jobs_and_bool_parsing);
	tcase_add_test(tc, bad_variables_warn_and_are_ignored);
	tcase_add_test(tc, config_values_then_variables_win);
	tcase_add_test(tc, config_errors_name_file_line_col);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
