/* check_linkhooks.c - unit tests for link-hooks (linkhooks.c): the exact
 * set of links for charm-skeleton's config, idempotence, dry runs that
 * write nothing, refusal to overwrite, --force, and --target.
 * charm-skeleton/service-mesh.yaml is read from $SRCDIR (default "."). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actions/charmcheck.h"
#include "protocol/hooks.h"
#include "formats/config.h"
#include "base/kvlist.h"
#include "actions/linkhooks.h"
#include "base/strbuf.h"

static const char *const skeleton_hooks[] = {
	"service-mesh-relation-created",
	"service-mesh-relation-changed",
	"service-mesh-relation-broken",
	"require-cmr-mesh-relation-created",
	"provide-cmr-mesh-relation-changed",
	"data-relation-created",
	"metrics-relation-created",
	"data-relation-broken",
	"metrics-relation-broken",
	"upgrade-charm",
	"leader-elected",
};
#define NHOOKS (sizeof(skeleton_hooks) / sizeof(skeleton_hooks[0]))

static char tmpl[] = "/tmp/check_linkhooks.XXXXXX";
static char *dir;
static struct strlist names;

static char *path_of(const char *rel)
{
	return charm_path(dir, rel);
}

static void setup(void)
{
	const char *src = getenv("SRCDIR");
	struct strbuf cfgpath = STRBUF_INIT, err = STRBUF_INIT;
	struct mesh_config cfg;

	strcpy(tmpl + strlen(tmpl) - 6, "XXXXXX");
	dir = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(dir);
	strbuf_addf(&cfgpath, "%s/charm-skeleton/service-mesh.yaml", src && *src ? src : ".");
	ck_assert_msg(config_load(cfgpath.buf, &cfg, &err) == 0, "%s (set SRCDIR to the source tree)",
		      err.buf);
	memset(&names, 0, sizeof(names));
	hook_names(&cfg, &names);
	config_release(&cfg);
	strbuf_release(&cfgpath);
	strbuf_release(&err);
}

static void teardown(void)
{
	const char *argv[] = { "rm", "-rf", dir, NULL };
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	strlist_release(&names);
}

/* Lines "VERB hooks/NAME\n" for every skeleton hook. */
static void all_lines(struct strbuf *sb, const char *verb)
{
	for (size_t i = 0; i < NHOOKS; i++)
		strbuf_addf(sb, "%s hooks/%s\n", verb, skeleton_hooks[i]);
}

/* Number of entries in hooks/ (-1 if it does not exist). */
static int count_entries(void)
{
	char *hooks = path_of("hooks");
	DIR *d = opendir(hooks);
	struct dirent *de;
	int n = 0;

	free(hooks);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void assert_link(const char *rel, const char *target)
{
	char *p = path_of(rel);
	char buf[512];
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);

	ck_assert_msg(n >= 0, "%s is not a symlink", p);
	buf[n] = '\0';
	ck_assert_str_eq(buf, target);
	free(p);
}

static void write_file(const char *rel, const char *text)
{
	char *p = path_of(rel);
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

START_TEST(test_names_for_skeleton)
{
	ck_assert_uint_eq(names.n, NHOOKS);
	for (size_t i = 0; i < NHOOKS; i++)
		ck_assert_str_eq(names.items[i], skeleton_hooks[i]);
}
END_TEST

START_TEST(test_creates_exact_set)
{
	struct link_opts o = { NULL, 0, 0 };
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;

	ck_assert_int_eq(link_hooks(dir, &names, &o, &out), 0);
	all_lines(&want, "created");
	ck_assert_str_eq(out.buf, want.buf);
	ck_assert_int_eq(count_entries(), (int)NHOOKS);
	for (size_t i = 0; i < NHOOKS; i++) {
		struct strbuf rel = STRBUF_INIT;
		strbuf_addf(&rel, "hooks/%s", skeleton_hooks[i]);
		assert_link(rel.buf, "../svcmesh-hook");
		strbuf_release(&rel);
	}
	strbuf_release(&out);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_idempotent)
{
	struct link_opts o = { NULL, 0, 0 };
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	char *hooks = path_of("hooks");
	struct stat before, after;

	ck_assert_int_eq(link_hooks(dir, &names, &o, &out), 0);
	ck_assert_int_eq(lstat(hooks, &before), 0);
	strbuf_reset(&out);
	ck_assert_int_eq(link_hooks(dir, &names, &o, &out), 0);
	all_lines(&want, "ok");
	ck_assert_str_eq(out.buf, want.buf);
	ck_assert_int_eq(count_entries(), (int)NHOOKS);
	ck_assert_int_eq(lstat(hooks, &after), 0);
	ck_assert(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
		  before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);  /* nothing re-created */
	free(hooks);
	strbuf_release(&out);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_dry_run_writes_nothing)
{
	struct link_opts o = { NULL, 1, 0 };
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;

	ck_assert_int_eq(link_hooks(dir, &names, &o, &out), 0);
	all_lines(&want, "would create");
	ck_assert_str_eq(out.buf, want.buf);
	ck_assert_int_eq(count_entries(), -1);  /* not even hooks/ */
	strbuf_release(&out);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_partial_then_complete_keeps_others)
{
	struct link_opts o = { NULL, 0, 0 };
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	char *hooks = path_of("hooks"), *mine = path_of("hooks/install");

	ck_assert_int_eq(mkdir(hooks, 0755), 0);
	ck_assert_int_eq(symlink("../svcmesh-hook", mine), 0);
	free(mine);
	mine = path_of("hooks/upgrade-charm");
	ck_assert_int_eq(symlink("../svcmesh-hook", mine), 0);
	write_file("hooks/start", "#!/bin/sh\n");
	ck_assert_int_eq(link_hooks(dir, &names, &o, &out), 0);
	for (size_t i = 0; i < NHOOKS; i++)
		strbuf_addf(&want, "%s hooks/%s\n", strcmp(skeleton_hooks[i], "upgrade-charm") ? "created" : "ok",
			    skeleton_hooks[i]);
	ck_assert_str_eq(out.buf, want.buf);
	/* hooks the config does not need are left alone, never deleted */
	ck_assert_int_eq(count_entries(), (int)NHOOKS + 2);
	assert_link("hooks/install", "../svcmesh-hook");
	free(hooks);
	free(mine);
	strbuf_release(&out);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_refuses_to_overwrite)
{
	struct link_opts o = { NULL, 0, 0 };
	struct strbuf out = STRBUF_INIT;
	char *hooks = path_of("hooks"), *l = path_of("hooks/leader-elected"), *buf = NULL;
	size_t len;

	ck_assert_int_eq(mkdir(hooks, 0755), 0);
	ck_assert_int_eq(symlink("../other-binary", l), 0);
	write_file("hooks/upgrade-charm", "#!/bin/sh\necho mine\n");
	ck_assert_int_eq(link_hooks(dir, &names, &o, &out), 2);
	ck_assert_ptr_nonnull(strstr(out.buf,
		"conflict hooks/upgrade-charm: a regular file, not to ../svcmesh-hook: keep it and make its last line exec \"$JUJU_CHARM_DIR/svcmesh-hook\" (or use --force to replace it)\n"));
	ck_assert_ptr_nonnull(strstr(out.buf,
		"conflict hooks/leader-elected: a symlink to ../other-binary, not to ../svcmesh-hook: keep it and make its last line exec \"$JUJU_CHARM_DIR/svcmesh-hook\" (or use --force to replace it)\n"));
	ck_assert_ptr_nonnull(strstr(out.buf, "created hooks/data-relation-created\n"));
	/* both left exactly as they were */
	assert_link("hooks/leader-elected", "../other-binary");
	free(l);
	l = path_of("hooks/upgrade-charm");
	ck_assert_int_eq(read_file(l, 1000, &buf, &len), 0);
	ck_assert_str_eq(buf, "#!/bin/sh\necho mine\n");
	free(buf);
	free(l);
	free(hooks);
	strbuf_release(&out);
}
END_TEST

START_TEST(test_force)
{
	struct link_opts o = { NULL, 1, 1 };
	struct strbuf out = STRBUF_INIT;
	char *hooks = path_of("hooks"), *l = path_of("hooks/leader-elected"), *d = path_of("hooks/upgrade-charm");

	ck_assert_int_eq(mkdir(hooks, 0755), 0);
	ck_assert_int_eq(symlink("../other-binary", l), 0);
	write_file("hooks/data-relation-created", "x\n");
	ck_assert_int_eq(mkdir(d, 0755), 0);
	/* dry run with force: says it, does not do it */
	ck_assert_int_eq(link_hooks(dir, &names, &o, &out), 1);
	ck_assert_ptr_nonnull(strstr(out.buf, "would replace hooks/leader-elected (was a symlink to ../other-binary)\n"));
	ck_assert_ptr_nonnull(strstr(out.buf, "would replace hooks/data-relation-created (was a regular file)\n"));
	ck_assert_ptr_nonnull(strstr(out.buf, "conflict hooks/upgrade-charm: a directory is in the way\n"));
	assert_link("hooks/leader-elected", "../other-binary");
	ck_assert_int_eq(count_entries(), 3);
	/* for real: replaced, but a directory never is */
	o.dry_run = 0;
	strbuf_reset(&out);
	ck_assert_int_eq(link_hooks(dir, &names, &o, &out), 1);
	ck_assert_ptr_nonnull(strstr(out.buf, "replaced hooks/leader-elected (was a symlink to ../other-binary)\n"));
	ck_assert_ptr_nonnull(strstr(out.buf, "replaced hooks/data-relation-created (was a regular file)\n"));
	assert_link("hooks/leader-elected", "../svcmesh-hook");
	assert_link("hooks/data-relation-created", "../svcmesh-hook");
	ck_assert_int_eq(count_entries(), (int)NHOOKS);  /* no temporary left behind */
	free(hooks);
	free(l);
	free(d);
	strbuf_release(&out);
}
END_TEST

START_TEST(test_target)
{
	struct link_opts o = { "../bin/svcmesh-hook", 0, 0 };
	struct strbuf out = STRBUF_INIT;

	ck_assert_int_eq(link_hooks(dir, &names, &o, &out), 0);
	assert_link("hooks/upgrade-charm", "../bin/svcmesh-hook");
	/* the default target now conflicts with every link */
	o.target = NULL;
	strbuf_reset(&out);
	ck_assert_int_eq(link_hooks(dir, &names, &o, &out), (int)NHOOKS);
	assert_link("hooks/upgrade-charm", "../bin/svcmesh-hook");
	strbuf_release(&out);
}
END_TEST

START_TEST(test_bad_names_refused)
{
	struct link_opts o = { NULL, 0, 0 };
	struct strbuf out = STRBUF_INIT;
	struct strlist bad = STRLIST_INIT;

	strlist_add(&bad, "upgrade-charm");
	strlist_add(&bad, "../escape");
	ck_assert_int_eq(link_hooks(dir, &bad, &o, &out), -1);
	ck_assert_str_eq(out.buf, "");
	ck_assert_int_eq(count_entries(), -1);
	strlist_release(&bad);
	strbuf_release(&out);
}
END_TEST

START_TEST(test_no_names_no_directory)
{
	struct link_opts o = { NULL, 0, 0 };
	struct strbuf out = STRBUF_INIT;
	struct strlist none = STRLIST_INIT;

	ck_assert_int_eq(link_hooks(dir, &none, &o, &out), 0);
	ck_assert_str_eq(out.buf, "");
	ck_assert_int_eq(count_entries(), -1);
	strbuf_release(&out);
}
END_TEST

static Suite *linkhooks_suite(void)
{
	Suite *s = suite_create("linkhooks");
	TCase *tc = tcase_create("link");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_names_for_skeleton);
	tcase_add_test(tc, test_creates_exact_set);
	tcase_add_test(tc, test_idempotent);
	tcase_add_test(tc, test_dry_run_writes_nothing);
	tcase_add_test(tc, test_partial_then_complete_keeps_others);
	tcase_add_test(tc, test_refuses_to_overwrite);
	tcase_add_test(tc, test_force);
	tcase_add_test(tc, test_target);
	tcase_add_test(tc, test_bad_names_refused);
	tcase_add_test(tc, test_no_names_no_directory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(linkhooks_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
