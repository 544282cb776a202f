/* check_commands.c - unit tests for the dispatch table (protocol/hooks.c, commands/dispatch.c): which
 * hooks do what for a given service-mesh.yaml, and the hook names derived
 * from the same table. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/hooks.h"
#include "formats/config.h"

static const char skeleton[] =
	"consumer:\n"
	"  policies:\n"
	"    - {relation: data, endpoints: []}\n"
	"    - {relation: metrics, type: unit}\n";

static void load(const char *yaml, struct mesh_config *cfg)
{
	struct strbuf err = STRBUF_INIT;
	ck_assert_msg(config_parse("t.yaml", yaml, strlen(yaml), cfg, &err) == 0, "%s", err.buf);
	strbuf_release(&err);
}

START_TEST(consumer_hooks)
{
	struct mesh_config cfg;

	load(skeleton, &cfg);
	ck_assert_uint_eq(hook_actions(&cfg, "service-mesh-relation-created"), ACT_POLICIES);
	ck_assert_uint_eq(hook_actions(&cfg, "service-mesh-relation-changed"), ACT_LABELS);
	ck_assert_uint_eq(hook_actions(&cfg, "service-mesh-relation-broken"), ACT_UNLABEL);
	ck_assert_uint_eq(hook_actions(&cfg, "require-cmr-mesh-relation-created"), ACT_CMR_DATA);
	ck_assert_uint_eq(hook_actions(&cfg, "provide-cmr-mesh-relation-changed"), ACT_POLICIES);
	ck_assert_uint_eq(hook_actions(&cfg, "data-relation-created"), ACT_POLICIES);
	ck_assert_uint_eq(hook_actions(&cfg, "metrics-relation-broken"), ACT_POLICIES);
	ck_assert_uint_eq(hook_actions(&cfg, "upgrade-charm"), ACT_POLICIES | ACT_LABELS);
	ck_assert_uint_eq(hook_actions(&cfg, "leader-elected"), ACT_POLICIES | ACT_LABELS);
	/* nothing to do */
	ck_assert_uint_eq(hook_actions(&cfg, "data-relation-changed"), 0);
	ck_assert_uint_eq(hook_actions(&cfg, "install"), 0);
	ck_assert_uint_eq(hook_actions(&cfg, "config-changed"), 0);
	ck_assert_uint_eq(hook_actions(&cfg, "remove"), 0);
	ck_assert_uint_eq(hook_actions(&cfg, "other-relation-created"), 0);
	ck_assert_uint_eq(hook_actions(&cfg, "relation-created"), 0);
	ck_assert_uint_eq(hook_actions(&cfg, "-relation-created"), 0);
	config_release(&cfg);
}
END_TEST

START_TEST(auto_join_off_drops_label_actions)
{
	struct mesh_config cfg;

	load("consumer:\n  auto-join: false\n", &cfg);
	ck_assert_uint_eq(hook_actions(&cfg, "service-mesh-relation-changed"), 0);
	ck_assert_uint_eq(hook_actions(&cfg, "service-mesh-relation-broken"), 0);
	ck_assert_uint_eq(hook_actions(&cfg, "upgrade-charm"), ACT_POLICIES);
	config_release(&cfg);
}
END_TEST

START_TEST(renamed_endpoints_follow_config)
{
	struct mesh_config cfg;

	load("consumer:\n  mesh-relation: mesh\n  cross-model-mesh-requires: cmr-out\n", &cfg);
	ck_assert_uint_eq(hook_actions(&cfg, "mesh-relation-created"), ACT_POLICIES);
	ck_assert_uint_eq(hook_actions(&cfg, "service-mesh-relation-created"), 0);
	ck_assert_uint_eq(hook_actions(&cfg, "cmr-out-relation-created"), ACT_CMR_DATA);
	config_release(&cfg);
}
END_TEST

START_TEST(hook_names_from_table)
{
	static const char *const want[] = {
		"service-mesh-relation-created", "service-mesh-relation-changed", "service-mesh-relation-broken",
		"require-cmr-mesh-relation-created", "provide-cmr-mesh-relation-changed",
		"data-relation-created", "metrics-relation-created", "data-relation-broken",
		"metrics-relation-broken", "upgrade-charm", "leader-elected",
	};
	struct mesh_config cfg;
	struct strlist names = STRLIST_INIT;

	load(skeleton, &cfg);
	hook_names(&cfg, &names);
	ck_assert_uint_eq(names.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < names.n; i++)
		ck_assert_str_eq(names.items[i], want[i]);
	/* every derived name is one the dispatcher acts on */
	for (size_t i = 0; i < names.n; i++)
		ck_assert_uint_ne(hook_actions(&cfg, names.items[i]), 0);
	strlist_release(&names);
	config_release(&cfg);
}
END_TEST

/* remove is the provider's, and only with manage-policies (else there is
 * nothing of its own to delete); it comes after the ROLE_NONE hooks. */
START_TEST(provider_remove_only_with_manage_policies)
{
	static const char *const want[] = {
		"upgrade-charm", "leader-elected", "config-changed", "remove",
		"service-mesh-relation-created", "service-mesh-relation-changed",
		"service-mesh-relation-broken",
	};
	struct mesh_config cfg;
	struct strlist names = STRLIST_INIT;

	load("provider:\n  mesh-type: istio\n  labels: {a: b}\n  manage-policies: true\n", &cfg);
	ck_assert_uint_eq(hook_actions(&cfg, "remove"), ACT_PROVIDER_REMOVE);
	ck_assert_uint_eq(hook_actions(&cfg, "stop"), 0);
	hook_names(&cfg, &names);
	ck_assert_uint_eq(names.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < names.n; i++)
		ck_assert_str_eq(names.items[i], want[i]);
	strlist_release(&names);
	config_release(&cfg);

	load("provider:\n  mesh-type: istio\n  labels: {a: b}\n", &cfg);
	ck_assert_uint_eq(hook_actions(&cfg, "remove"), 0);
	hook_names(&cfg, &names);
	ck_assert(!strlist_has(&names, "remove"));
	ck_assert(strlist_has(&names, "config-changed"));
	strlist_release(&names);
	config_release(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("commands");
	TCase *tc = tcase_create("table");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, consumer_hooks);
	tcase_add_test(tc, auto_join_off_drops_label_actions);
	tcase_add_test(tc, renamed_endpoints_follow_config);
	tcase_add_test(tc, hook_names_from_table);
	tcase_add_test(tc, provider_remove_only_with_manage_policies);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
