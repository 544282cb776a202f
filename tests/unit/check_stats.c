/* check_stats.c - unit tests for the per-run statistics line (stats.c). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "formats/json.h"
#include "transports/stats.h"
#include "base/strbuf.h"
#include "testenv.h"
#include "base/util.h"

static struct strbuf path = STRBUF_INIT;

static void setup(void)
{
	make_tmpdir("stats");
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/stats.jsonl", tmpdir);
	memset(&stats, 0, sizeof(stats));
	unsetenv("SVCMESH_STATS");
}

static void teardown(void)
{
	remove_tmpdir();
	unsetenv("SVCMESH_STATS");
	strbuf_release(&path);
}

/* The lines of the stats file, each parsed (n of them). */
static struct json **lines(size_t *n)
{
	struct json **v = NULL;
	size_t alloc = 0, len;
	char *buf, *line, *nl;
	struct strbuf why = STRBUF_INIT;

	*n = 0;
	ck_assert_int_eq(read_file(path.buf, 1 << 20, &buf, &len), 0);
	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(buf[len - 1], '\n');
	for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		ALLOC_GROW(v, *n + 1, alloc);
		v[*n] = json_parse(line, (size_t)(nl - line), &why);
		ck_assert_msg(v[*n] != NULL, "not JSON (%s): %.*s", why.buf, (int)(nl - line), line);
		ck_assert_int_eq(v[*n]->type, JSON_OBJECT);
		(*n)++;
	}
	free(buf);
	strbuf_release(&why);
	return v;
}

static long long int_field(const struct json *o, const char *key)
{
	const struct json *f = json_get(o, key);

	ck_assert_msg(f != NULL, "no field %s", key);
	ck_assert_msg(f->type == JSON_INT, "field %s is %s", key, json_type_name(f->type));
	return f->u.i;
}

START_TEST(one_line_per_write_with_counters)
{
	const char *fields[] = { "command", "exit", "tool_calls", "kubectl_calls", "kube_writes",
				 "relation_bytes", "cpu_user_us", "cpu_sys_us", "maxrss_kb" };
	const struct json *cmd;
	struct json **v;
	size_t n;

	setenv("SVCMESH_STATS", path.buf, 1);
	stats_start();
	stats.tool_calls = 3;
	stats.kubectl_calls = 2;
	stats.kube_writes = 1;
	stats.relation_bytes = 12345;
	stats_write("service-mesh-relation-changed", 1);
	v = lines(&n);
	ck_assert_uint_eq(n, 1);
	/* every field, in the documented order */
	ck_assert_uint_eq(v[0]->u.obj.n, ARRAY_SIZE(fields));
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		ck_assert_str_eq(v[0]->u.obj.m[i].key, fields[i]);
	cmd = json_get(v[0], "command");
	ck_assert_int_eq(cmd->type, JSON_STRING);
	ck_assert_str_eq(cmd->u.s, "service-mesh-relation-changed");
	ck_assert_int_eq(int_field(v[0], "exit"), 1);
	ck_assert_int_eq(int_field(v[0], "tool_calls"), 3);
	ck_assert_int_eq(int_field(v[0], "kubectl_calls"), 2);
	ck_assert_int_eq(int_field(v[0], "kube_writes"), 1);
	ck_assert_int_eq(int_field(v[0], "relation_bytes"), 12345);
	ck_assert_int_ge(int_field(v[0], "cpu_user_us"), 0);
	ck_assert_int_ge(int_field(v[0], "cpu_sys_us"), 0);
	ck_assert_int_gt(int_field(v[0], "maxrss_kb"), 0);
	for (size_t i = 0; i < n; i++)
		json_free(v[i]);
	free(v);
}
END_TEST

START_TEST(appends_and_escapes_command)
{
	const char *odd = "we\"ird\\ name\n caf\xc3\xa9";
	struct json **v;
	size_t n;

	setenv("SVCMESH_STATS", path.buf, 1);
	stats_start();
	stats_write("install", 0);
	stats.tool_calls = 7;
	stats_write(odd, 2);
	v = lines(&n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(json_get(v[0], "command")->u.s, "install");
	ck_assert_int_eq(int_field(v[0], "exit"), 0);
	ck_assert_int_eq(int_field(v[0], "tool_calls"), 0);
	ck_assert_str_eq(json_get(v[1], "command")->u.s, odd);
	ck_assert_int_eq(int_field(v[1], "exit"), 2);
	ck_assert_int_eq(int_field(v[1], "tool_calls"), 7);
	for (size_t i = 0; i < n; i++)
		json_free(v[i]);
	free(v);
}
END_TEST

START_TEST(cpu_counts_from_start)
{
	volatile unsigned long spin = 0;
	clock_t until = clock() + CLOCKS_PER_SEC * 3 / 10;
	struct json **v;
	size_t n;

	setenv("SVCMESH_STATS", path.buf, 1);
	/* burn 0.3 s of CPU before stats_start(): it must not be counted */
	while (clock() < until)
		spin++;
	stats_start();
	stats_write("cheap", 0);
	v = lines(&n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_lt(int_field(v[0], "cpu_user_us") + int_field(v[0], "cpu_sys_us"), 150000);
	json_free(v[0]);
	free(v);
}
END_TEST

START_TEST(nothing_written_without_svcmesh_stats)
{
	struct stat st;

	stats.tool_calls = 1;
	stats_write("install", 0);
	ck_assert_int_eq(stat(path.buf, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* empty means unset, too */
	setenv("SVCMESH_STATS", "", 1);
	stats_write("install", 0);
	ck_assert_int_eq(stat(path.buf, &st), -1);
}
END_TEST

START_TEST(unwritable_path_is_ignored)
{
	struct strbuf bad = STRBUF_INIT;

	strbuf_addf(&bad, "%s/no-such-dir/stats.jsonl", tmpdir);
	setenv("SVCMESH_STATS", bad.buf, 1);
	stats_write("install", 0);  /* best effort: must simply return */
	ck_assert_int_eq(access(bad.buf, F_OK), -1);
	strbuf_release(&bad);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, one_line_per_write_with_counters);
	tcase_add_test(tc, appends_and_escapes_command);
	tcase_add_test(tc, cpu_counts_from_start);
	tcase_add_test(tc, nothing_written_without_svcmesh_stats);
	tcase_add_test(tc, unwritable_path_is_ignored);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
