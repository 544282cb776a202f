/* check_charmcheck.c - unit tests for check-config (charmcheck.c): every
 * kind of finding, with its exact FILE:LINE:COL line, on tiny charm
 * directories built in a temporary directory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actions/charmcheck.h"
#include "base/strbuf.h"

static char tmpl[] = "/tmp/check_charmcheck.XXXXXX";
static char *dir;
static struct strbuf sm, meta;  /* paths of service-mesh.yaml and metadata.yaml */

static void write_file(const char *name, const char *text)
{
	char *p = charm_path(dir, name);
	FILE *f = fopen(p, "w");

	ck_assert_msg(f != NULL, "cannot write %s", p);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void run_cmd(const char *const *argv)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
}

static void setup(void)
{
	strcpy(tmpl + strlen(tmpl) - 6, "XXXXXX");
	dir = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(dir);
	strbuf_addf(&sm, "%s/service-mesh.yaml", dir);
	strbuf_addf(&meta, "%s/metadata.yaml", dir);
	/* a dispatch file, so hook warnings only appear where a test wants them */
	write_file("dispatch", "#!/bin/sh\n");
}

static void teardown(void)
{
	const char *argv[] = { "rm", "-rf", dir, NULL };

	run_cmd(argv);
	strbuf_release(&sm);
	strbuf_release(&meta);
}

/* want with @SM@, @META@ and @DIR@ replaced by the paths of
 * service-mesh.yaml, metadata.yaml and the charm directory. */
static void subst(struct strbuf *out, const char *want)
{
	static const char *const tok[] = { "@SM@", "@META@", "@DIR@" };

	while (*want) {
		const char *val[] = { sm.buf, meta.buf, dir };
		size_t i;

		for (i = 0; i < 3; i++)
			if (!strncmp(want, tok[i], strlen(tok[i])))
				break;
		if (i < 3) {
			strbuf_addstr(out, val[i]);
			want += strlen(tok[i]);
		} else {
			strbuf_addch(out, *want++);
		}
	}
}

/* Check the charm; expect exactly want (see subst()) and these counts. */
static void expect(int errors, int warnings, const char *want_text)
{
	struct charm_check res = CHARM_CHECK_INIT;
	struct strbuf want = STRBUF_INIT;
	int r;

	subst(&want, want_text);
	r = charm_check(dir, sm.buf, &res);
	ck_assert_msg(!strcmp(res.out.buf, want.buf), "got:\n%s\nwant:\n%s", res.out.buf, want.buf);
	ck_assert_int_eq(r, errors);
	ck_assert_int_eq(res.errors, errors);
	ck_assert_int_eq(res.warnings, warnings);
	charm_check_release(&res);
	strbuf_release(&want);
}

#define CONSUMER_OK_META \
	"name: c\n"                               \
	"requires:\n"                             \
	"  service-mesh:\n"                       \
	"    interface: service_mesh\n"           \
	"  require-cmr-mesh:\n"                   \
	"    interface: cross_model_mesh\n"       \
	"provides:\n"                             \
	"  provide-cmr-mesh:\n"                   \
	"    interface: cross_model_mesh\n"       \
	"  data:\n"                               \
	"    interface: http\n"

#define POLICY_DATA \
	"consumer:\n"                             \
	"  policies:\n"                           \
	"    - relation: data\n"                  \
	"      endpoints: []\n"

/* hooks/NAME -> ../svcmesh-hook for each of the n names */
static void link_to_binary(const char *hooks, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *l = charm_path(hooks, names[i]);
		ck_assert_int_eq(symlink("../svcmesh-hook", l), 0);
		free(l);
	}
}

START_TEST(test_clean)
{
	struct charm_check res = CHARM_CHECK_INIT;

	write_file("service-mesh.yaml", POLICY_DATA);
	write_file("metadata.yaml", CONSUMER_OK_META);
	expect(0, 0, "");
	charm_check(dir, sm.buf, &res);
	ck_assert_str_eq(res.metafile, meta.buf);
	charm_check_release(&res);
}
END_TEST

START_TEST(test_clean_provider_and_peer_policy)
{
	write_file("service-mesh.yaml",
		   "consumer:\n"
		   "  mesh-relation: mesh\n"
		   "  policies:\n"
		   "    - relation: cluster\n"
		   "      type: unit\n"
		   "provider:\n"
		   "  mesh-type: istio\n"
		   "  labels: {a: b}\n");
	write_file("metadata.yaml",
		   "requires:\n"
		   "  mesh: {interface: service_mesh}\n"
		   "  require-cmr-mesh: cross_model_mesh\n"   /* shorthand form */
		   "provides:\n"
		   "  provide-cmr-mesh: {interface: cross_model_mesh}\n"
		   "  service-mesh: {interface: service_mesh}\n"
		   "peers:\n"
		   "  cluster: {interface: c}\n");
	expect(0, 0, "");
}
END_TEST

START_TEST(test_invalid_config)
{
	write_file("service-mesh.yaml", "consumer:\n  policies:\n    - relation: 5\n");
	write_file("metadata.yaml", CONSUMER_OK_META);
	expect(2, 0,
	       "@SM@:3:17: consumer.policies[0].relation: expected a string, got an integer '5'\n"
	       "@SM@:3:7: consumer.policies[0]: missing required key 'endpoints'\n");
}
END_TEST

START_TEST(test_no_metadata)
{
	write_file("service-mesh.yaml", POLICY_DATA);
	expect(1, 0, "@META@: cannot read: No such file or directory (nor charmcraft.yaml)\n");
}
END_TEST

START_TEST(test_charmcraft_used_and_metadata_preferred)
{
	struct charm_check res = CHARM_CHECK_INIT;
	char *cc = charm_path(dir, "charmcraft.yaml");

	write_file("service-mesh.yaml", POLICY_DATA);
	write_file("charmcraft.yaml", "type: charm\n" CONSUMER_OK_META "bases: []\n");
	ck_assert_int_eq(charm_check(dir, sm.buf, &res), 0);
	ck_assert_str_eq(res.metafile, cc);
	charm_check_release(&res);
	/* metadata.yaml wins when both exist */
	write_file("metadata.yaml", "requires: {}\n");
	ck_assert_int_eq(charm_check(dir, sm.buf, &res), 4);
	ck_assert_str_eq(res.metafile, meta.buf);
	charm_check_release(&res);
	free(cc);
}
END_TEST

START_TEST(test_metadata_syntax_error)
{
	write_file("service-mesh.yaml", POLICY_DATA);
	write_file("metadata.yaml", "requires:\n  a: [\n");
	{
		struct charm_check res = CHARM_CHECK_INIT;
		struct strbuf prefix = STRBUF_INIT;

		strbuf_addf(&prefix, "%s:3:1: ", meta.buf);
		ck_assert_int_eq(charm_check(dir, sm.buf, &res), 1);
		ck_assert_msg(!strncmp(res.out.buf, prefix.buf, prefix.len), "got %s", res.out.buf);
		charm_check_release(&res);
		strbuf_release(&prefix);
	}
}
END_TEST

START_TEST(test_metadata_shape)
{
	write_file("service-mesh.yaml", "provider:\n  mesh-type: istio\n  labels: {a: b}\n");
	write_file("metadata.yaml", "- a\n");
	expect(1, 0, "@META@:1:1: expected a mapping at the top level, got a list\n");
	write_file("metadata.yaml", "# nothing\n");
	expect(1, 0, "@META@: empty file: no endpoints declared\n");
	write_file("metadata.yaml",
		   "requires: [a]\n"
		   "provides:\n"
		   "  service-mesh: {interface: service_mesh}\n"
		   "  other: 5\n"
		   "  third:\n"
		   "    interface: [x]\n"
		   "peers:\n"
		   "  service-mesh: {interface: p}\n");
	expect(4, 0,
	       "@META@:1:11: requires: expected a mapping of endpoints, got a list\n"
	       "@META@:4:10: provides.other: expected a mapping, got an integer\n"
	       "@META@:6:16: provides.third.interface: expected a string, got a list\n"
	       "@META@:8:3: peers.service-mesh: endpoint 'service-mesh' is also declared under provides (3:3)\n");
}
END_TEST

START_TEST(test_policy_relation_missing)
{
	write_file("service-mesh.yaml",
		   "consumer:\n"
		   "  policies:\n"
		   "    - relation: data\n"
		   "      endpoints: []\n"
		   "    - type: unit\n"
		   "      relation: metrics\n"
		   "    - {relation: data, endpoints: []}\n"
		   "    -   relation:   nope\n"
		   "        endpoints: []\n");
	write_file("metadata.yaml", CONSUMER_OK_META);
	expect(2, 0,
	       "@SM@:6:17: consumer.policies[1].relation: no endpoint 'metrics' in @META@ (requires, provides or peers)\n"
	       "@SM@:8:21: consumer.policies[3].relation: no endpoint 'nope' in @META@ (requires, provides or peers)\n");
}
END_TEST

START_TEST(test_role_endpoints_missing)
{
	/* explicit names point at their value; defaults at the section key */
	write_file("service-mesh.yaml",
		   "consumer:\n"
		   "  mesh-relation: mesh\n"
		   "  cross-model-mesh-provides: cmr-in\n"
		   "provider:\n"
		   "  mesh-type: istio\n"
		   "  labels: {a: b}\n");
	write_file("metadata.yaml", "name: c\n");
	expect(4, 0,
	       "@SM@:2:18: consumer.mesh-relation: no endpoint 'mesh' in @META@: declare it under requires with interface service_mesh\n"
	       "@SM@:1:1: consumer.cross-model-mesh-requires (default): no endpoint 'require-cmr-mesh' in @META@: declare it under requires with interface cross_model_mesh\n"
	       "@SM@:3:30: consumer.cross-model-mesh-provides: no endpoint 'cmr-in' in @META@: declare it under provides with interface cross_model_mesh\n"
	       "@SM@:4:1: provider.mesh-relation (default): no endpoint 'service-mesh' in @META@: declare it under provides with interface service_mesh\n");
}
END_TEST

START_TEST(test_role_endpoints_wrong)
{
	write_file("service-mesh.yaml", "consumer:\n");
	write_file("metadata.yaml",
		   "provides:\n"
		   "  service-mesh:\n"
		   "    interface: http\n"
		   "  require-cmr-mesh:\n"
		   "    limit: 1\n"
		   "requires:\n"
		   "  provide-cmr-mesh:\n"
		   "    interface: cross_model_mesh\n");
	expect(5, 0,
	       "@META@:2:3: provides.service-mesh: the consumer's mesh endpoint must be under requires, not provides\n"
	       "@META@:3:16: provides.service-mesh.interface: 'http' is not service_mesh (the consumer's mesh endpoint)\n"
	       "@META@:4:3: provides.require-cmr-mesh: the consumer's cross-model-mesh-requires endpoint must be under requires, not provides\n"
	       "@META@:4:3: provides.require-cmr-mesh: no interface; the consumer's cross-model-mesh-requires endpoint needs interface cross_model_mesh\n"
	       "@META@:7:3: requires.provide-cmr-mesh: the consumer's cross-model-mesh-provides endpoint must be under provides, not requires\n");
}
END_TEST

START_TEST(test_provider_endpoint_wrong)
{
	write_file("service-mesh.yaml",
		   "provider:\n  mesh-relation: mesh\n  mesh-type: istio\n  labels: {a: b}\n");
	write_file("metadata.yaml", "requires:\n  mesh: {interface: service-mesh}\n");
	expect(2, 0,
	       "@META@:2:3: requires.mesh: the provider's mesh endpoint must be under provides, not requires\n"
	       "@META@:2:21: requires.mesh.interface: 'service-mesh' is not service_mesh (the provider's mesh endpoint)\n");
}
END_TEST

START_TEST(test_hook_warnings)
{
	char *d = charm_path(dir, "dispatch"), *hooks = charm_path(dir, "hooks");
	char *l1 = charm_path(hooks, "data-relation-created");

	write_file("service-mesh.yaml", POLICY_DATA "  auto-join: false\n");
	write_file("metadata.yaml", CONSUMER_OK_META);
	write_file("svcmesh-hook", "");   /* what the links point at */
	expect(0, 0, "");  /* dispatch present: no hooks needed */
	ck_assert_int_eq(unlink(d), 0);
	expect(0, 1,
	       "@DIR@/hooks: warning: no hooks directory and no dispatch file: Juju will never run svcmesh-hook (svcmesh-hook link-hooks creates the 7 hooks)\n");
	ck_assert_int_eq(mkdir(hooks, 0755), 0);
	ck_assert_int_eq(symlink("../svcmesh-hook", l1), 0);
	expect(0, 6,
	       "@DIR@/hooks/service-mesh-relation-created: warning: missing (and no dispatch file): Juju will not run svcmesh-hook for this event (svcmesh-hook link-hooks creates it)\n"
	       "@DIR@/hooks/require-cmr-mesh-relation-created: warning: missing (and no dispatch file): Juju will not run svcmesh-hook for this event (svcmesh-hook link-hooks creates it)\n"
	       "@DIR@/hooks/provide-cmr-mesh-relation-changed: warning: missing (and no dispatch file): Juju will not run svcmesh-hook for this event (svcmesh-hook link-hooks creates it)\n"
	       "@DIR@/hooks/data-relation-broken: warning: missing (and no dispatch file): Juju will not run svcmesh-hook for this event (svcmesh-hook link-hooks creates it)\n"
	       "@DIR@/hooks/upgrade-charm: warning: missing (and no dispatch file): Juju will not run svcmesh-hook for this event (svcmesh-hook link-hooks creates it)\n"
	       "@DIR@/hooks/leader-elected: warning: missing (and no dispatch file): Juju will not run svcmesh-hook for this event (svcmesh-hook link-hooks creates it)\n");
	free(d);
	free(hooks);
	free(l1);
}
END_TEST

START_TEST(test_errors_and_warnings_together)
{
	char *d = charm_path(dir, "dispatch");

	ck_assert_int_eq(unlink(d), 0);
	write_file("service-mesh.yaml", POLICY_DATA);
	write_file("metadata.yaml",
		   "requires:\n"
		   "  service-mesh: {interface: service_mesh}\n"
		   "  require-cmr-mesh: {interface: cross_model_mesh}\n"
		   "provides:\n"
		   "  provide-cmr-mesh: {interface: cross_model_mesh}\n");
	expect(1, 1,
	       "@SM@:3:17: consumer.policies[0].relation: no endpoint 'data' in @META@ (requires, provides or peers)\n"
	       "@DIR@/hooks: warning: no hooks directory and no dispatch file: Juju will never run svcmesh-hook (svcmesh-hook link-hooks creates the 7 hooks)\n");
	free(d);
}
END_TEST

START_TEST(test_empty_config)
{
	static const char *const empties[] = { "", "# nothing yet\n", "{}\n", "---\n" };

	write_file("metadata.yaml", CONSUMER_OK_META);
	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		write_file("service-mesh.yaml", empties[i]);
		expect(1, 0, i == 2 ? "@SM@:1:1: no consumer or provider section: svcmesh-hook would do nothing for this charm (see README.md, \"Config reference\")\n"
			       : "@SM@: no consumer or provider section: svcmesh-hook would do nothing for this charm (see README.md, \"Config reference\")\n");
	}
	/* a consumer section alone, even with every default, is not empty */
	write_file("service-mesh.yaml", "consumer:\n");
	expect(0, 0, "");
}
END_TEST

START_TEST(test_policy_on_a_required_relation_warns)
{
	write_file("service-mesh.yaml",
		   "consumer:\n"
		   "  policies:\n"
		   "    - relation: database\n"
		   "      endpoints: []\n"
		   "    - relation: data\n"
		   "      endpoints: []\n");
	write_file("metadata.yaml",
		   "requires:\n"
		   "  service-mesh: {interface: service_mesh}\n"
		   "  require-cmr-mesh: {interface: cross_model_mesh}\n"
		   "  database: {interface: postgresql_client}\n"
		   "provides:\n"
		   "  provide-cmr-mesh: {interface: cross_model_mesh}\n"
		   "  data: {interface: http}\n");
	expect(0, 1,
	       "@SM@:3:17: warning: consumer.policies[0].relation: 'database' is under requires: this charm is "
	       "the client there and calls the related application, which needs no policy to answer; keep it only "
	       "if that application also opens connections to this charm\n");
}
END_TEST

START_TEST(test_policy_on_an_ingress_relation_warns)
{
	/* istio-ingress-k8s provides both interfaces; one warning each, and
	 * not also the one for a required endpoint */
	write_file("service-mesh.yaml",
		   "consumer:\n"
		   "  policies:\n"
		   "    - relation: ingress\n"
		   "      endpoints: [{ports: [8080]}]\n"
		   "    - {relation: route, type: unit, ports: [8080]}\n");
	write_file("metadata.yaml",
		   "requires:\n"
		   "  service-mesh: {interface: service_mesh}\n"
		   "  require-cmr-mesh: {interface: cross_model_mesh}\n"
		   "  ingress: {interface: ingress}\n"
		   "  route: {interface: istio_ingress_route}\n"
		   "provides:\n"
		   "  provide-cmr-mesh: {interface: cross_model_mesh}\n");
	expect(0, 2,
	       "@SM@:3:17: warning: consumer.policies[0].relation: 'ingress' is an ingress relation (interface "
	       "'ingress'): behind istio-ingress-k8s no policy is needed (it opens the routes it serves to its "
	       "gateway itself) and this one opens this charm to the ingress charm's own pods, not to its gateway; "
	       "README \"Behind an ingress\" says what other gateways need\n"
	       "@SM@:5:18: warning: consumer.policies[1].relation: 'route' is an ingress relation (interface "
	       "'istio_ingress_route'): behind istio-ingress-k8s no policy is needed (it opens the routes it serves "
	       "to its gateway itself) and this one opens this charm to the ingress charm's own pods, not to its "
	       "gateway; README \"Behind an ingress\" says what other gateways need\n");
}
END_TEST

START_TEST(test_policy_on_a_mesh_endpoint_is_an_error)
{
	write_file("service-mesh.yaml",
		   "consumer:\n"
		   "  policies:\n"
		   "    - relation: service-mesh\n"
		   "      endpoints: []\n"
		   "    - relation: require-cmr-mesh\n"
		   "      type: unit\n"
		   "    - relation: provide-cmr-mesh\n"
		   "      type: unit\n");
	write_file("metadata.yaml", CONSUMER_OK_META);
	expect(3, 0,
	       "@SM@:3:17: consumer.policies[0].relation: 'service-mesh' is the mesh relation (consumer.mesh-relation): a policy names a relation whose applications call this charm, not an endpoint of the mesh protocol\n"
	       "@SM@:5:17: consumer.policies[1].relation: 'require-cmr-mesh' is the cross-model mesh endpoint (consumer.cross-model-mesh-requires): a policy names a relation whose applications call this charm, not an endpoint of the mesh protocol\n"
	       "@SM@:7:17: consumer.policies[2].relation: 'provide-cmr-mesh' is the cross-model mesh endpoint (consumer.cross-model-mesh-provides): a policy names a relation whose applications call this charm, not an endpoint of the mesh protocol\n");
}
END_TEST

START_TEST(test_typo_did_you_mean_and_no_cascade)
{
	char *d = charm_path(dir, "dispatch"), *hooks = charm_path(dir, "hooks");

	ck_assert_int_eq(unlink(d), 0);
	ck_assert_int_eq(mkdir(hooks, 0755), 0);
	write_file("svcmesh-hook", "");
	write_file("service-mesh.yaml",
		   "consumer:\n"
		   "  auto-join: false\n"
		   "  policies:\n"
		   "    - relation: dtaa\n"
		   "      endpoints: []\n"
		   "    - relation: zzzzzz\n"
		   "      endpoints: []\n");
	write_file("metadata.yaml", CONSUMER_OK_META);
	{
		const char *names[] = { "service-mesh-relation-created", "require-cmr-mesh-relation-created",
					"provide-cmr-mesh-relation-changed", "upgrade-charm", "leader-elected" };
		link_to_binary(hooks, names, sizeof(names) / sizeof(names[0]));
	}
	/* no "hooks/dtaa-relation-created: missing" warnings after the error */
	expect(2, 0,
	       "@SM@:4:17: consumer.policies[0].relation: no endpoint 'dtaa' in @META@: did you mean 'data'?\n"
	       "@SM@:6:17: consumer.policies[1].relation: no endpoint 'zzzzzz' in @META@ (requires, provides or peers)\n");
	free(d);
	free(hooks);
}
END_TEST

START_TEST(test_hook_links_to_a_missing_binary)
{
	char *d = charm_path(dir, "dispatch"), *hooks = charm_path(dir, "hooks");
	const char *names[] = { "service-mesh-relation-created", "service-mesh-relation-changed",
				"service-mesh-relation-broken", "require-cmr-mesh-relation-created",
				"provide-cmr-mesh-relation-changed", "data-relation-created",
				"data-relation-broken", "upgrade-charm", "leader-elected" };

	ck_assert_int_eq(unlink(d), 0);
	ck_assert_int_eq(mkdir(hooks, 0755), 0);
	write_file("service-mesh.yaml", POLICY_DATA);
	write_file("metadata.yaml", CONSUMER_OK_META);
	link_to_binary(hooks, names, sizeof(names) / sizeof(names[0]));
	/* one finding for the nine links to the same missing file */
	expect(1, 0,
	       "@DIR@/hooks/service-mesh-relation-created: a symlink to '../svcmesh-hook' (as are 8 more hooks), "
	       "which does not exist: Juju cannot run them (put the svcmesh-hook binary there, or build it there in a charmcraft part)\n");
	/* a charmcraft part that primes it builds it at pack time */
	write_file("charmcraft.yaml", "parts:\n  svcmesh-hook:\n    plugin: nil\n    prime: [svcmesh-hook, lib/*]\n");
	expect(0, 0, "");
	write_file("charmcraft.yaml", "parts:\n  other:\n    prime: [x]\n");
	expect(1, 0,
	       "@DIR@/hooks/service-mesh-relation-created: a symlink to '../svcmesh-hook' (as are 8 more hooks), "
	       "which does not exist: Juju cannot run them (put the svcmesh-hook binary there, or build it there in a charmcraft part)\n");
	/* the binary is there: clean */
	write_file("svcmesh-hook", "");
	expect(0, 0, "");
	/* a dispatch link to nothing */
	ck_assert_int_eq(symlink("bin/svcmesh-hook", d), 0);
	expect(1, 0,
	       "@DIR@/dispatch: a symlink to 'bin/svcmesh-hook', which does not exist: Juju cannot run it "
	       "(put the svcmesh-hook binary there, or build it there in a charmcraft part)\n");
	free(d);
	free(hooks);
}
END_TEST

START_TEST(test_charm_path)
{
	char *p;

	p = charm_path("/a/b", "x");
	ck_assert_str_eq(p, "/a/b/x");
	free(p);
	p = charm_path("/a/b//", "x");
	ck_assert_str_eq(p, "/a/b/x");
	free(p);
	p = charm_path("/", "x");
	ck_assert_str_eq(p, "/x");
	free(p);
	p = charm_path("", "x");
	ck_assert_str_eq(p, "x");
	free(p);
}
END_TEST

static Suite *charmcheck_suite(void)
{
	Suite *s = suite_create("charmcheck");
	TCase *tc = tcase_create("check");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_clean_provider_and_peer_policy);
	tcase_add_test(tc, test_invalid_config);
	tcase_add_test(tc, test_no_metadata);
	tcase_add_test(tc, test_charmcraft_used_and_metadata_preferred);
	tcase_add_test(tc, test_metadata_syntax_error);
	tcase_add_test(tc, test_metadata_shape);
	tcase_add_test(tc, test_policy_relation_missing);
	tcase_add_test(tc, test_role_endpoints_missing);
	tcase_add_test(tc, test_role_endpoints_wrong);
	tcase_add_test(tc, test_provider_endpoint_wrong);
	tcase_add_test(tc, test_hook_warnings);
	tcase_add_test(tc, test_errors_and_warnings_together);
	tcase_add_test(tc, test_empty_config);
	tcase_add_test(tc, test_policy_on_a_required_relation_warns);
	tcase_add_test(tc, test_policy_on_an_ingress_relation_warns);
	tcase_add_test(tc, test_policy_on_a_mesh_endpoint_is_an_error);
	tcase_add_test(tc, test_typo_did_you_mean_and_no_cascade);
	tcase_add_test(tc, test_hook_links_to_a_missing_binary);
	tcase_add_test(tc, test_charm_path);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(charmcheck_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
