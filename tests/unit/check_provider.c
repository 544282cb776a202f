/* check_provider.c - unit tests for provider_gather() (provider.c) over the
 * Juju hook-tool simulator (tests/jujusim, found through $SRCDIR). */
#include <check.h>
#include <stdlib.h>

#include "formats/config.h"
#include "transports/jujuc.h"
#include "protocol/policy.h"
#include "actions/provider.h"
#include "base/strbuf.h"
#include "testenv.h"

#define GOOD(src, port) "{\"source_namespace\": \"m\", \"source_app_name\": \"" src "\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": null, \"ports\": [" port "], \"methods\": null, \"paths\": null}]}"

static void setup(void)
{
	sim_setup("provider", "beacon/0", "consumer-model");
	SIM("init", "--app", "beacon", "--leader");
}

static void relation(const char *app, const char *policies)
{
	struct strbuf kv = STRBUF_INIT, id = STRBUF_INIT;

	ck_assert_int_eq(sim_status(&id, "add-relation", "service-mesh", app, (const char *)NULL), 0);
	strbuf_rtrim(&id);
	if (policies) {
		strbuf_addf(&kv, "policies=%s", policies);
		SIM("set-data", id.buf, "--remote-app", kv.buf);
	}
	strbuf_release(&kv);
	strbuf_release(&id);
}

static struct cfg_provider provider = { (char *)"service-mesh", (char *)"istio", KVLIST_INIT, 1 };

static char *gathered(int strict, int expect_rc)
{
	struct policy_list pl = POLICY_LIST_INIT;
	struct strbuf out = STRBUF_INIT;

	ck_assert_int_eq(provider_gather(&provider, strict, &pl), expect_rc);
	policy_list_emit(&out, &pl);
	policy_list_release(&pl);
	return strbuf_detach(&out, NULL);
}

START_TEST(no_relations_gives_empty_list)
{
	char *s = gathered(1, 0);
	ck_assert_str_eq(s, "[]");
	free(s);
}
END_TEST

START_TEST(relation_order_then_list_order_missing_is_empty)
{
	char *s;

	relation("a", "[" GOOD("a1", "80") ", " GOOD("a2", "81") "]");
	relation("b", NULL);
	relation("c", "[" GOOD("c1", "82") "]");
	relation("d", "[]");
	s = gathered(1, 0);
	ck_assert_str_eq(s, "[" GOOD("a1", "80") ", " GOOD("a2", "81") ", " GOOD("c1", "82") "]");
	free(s);
}
END_TEST

START_TEST(output_is_canonical_json)
{
	char *s;

	/* unknown keys dropped, missing keys null, key order restored */
	relation("a", "[{\"endpoints\": [{\"ports\": [80]}], \"target_type\": \"app\", \"extra\": 1, "
		      "\"target_app_name\": \"t\", \"target_namespace\": \"m\", \"source_app_name\": \"a1\", "
		      "\"source_namespace\": \"m\"}]");
	s = gathered(0, 0);
	ck_assert_str_eq(s, "[" GOOD("a1", "80") "]");
	free(s);
}
END_TEST

START_TEST(bad_entries_skipped_unless_strict)
{
	char *s;

	relation("a", "not json");
	relation("b", "{\"policies\": []}");
	relation("c", "[" GOOD("c1", "80") ", " GOOD("c2", "70000") ", 17, " GOOD("c3", "81") "]");
	relation("d", "[{\"source_namespace\": \"m\", \"source_app_name\": \"d1\", \"target_namespace\": \"m\", "
		      "\"target_type\": \"app\", \"endpoints\": []}]");  /* app policy without a target */
	s = gathered(0, 0);
	ck_assert_str_eq(s, "[" GOOD("c1", "80") ", " GOOD("c3", "81") "]");
	free(s);
	juju_reset();
	s = gathered(1, -1);
	free(s);
}
END_TEST

START_TEST(strict_accepts_good_data)
{
	char *s;

	relation("a", "[" GOOD("a1", "443") "]");
	s = gathered(1, 0);
	ck_assert_str_eq(s, "[" GOOD("a1", "443") "]");
	free(s);
}
END_TEST

START_TEST(tool_failure_is_an_error)
{
	struct policy_list pl = POLICY_LIST_INIT;

	relation("a", "[" GOOD("a1", "443") "]");
	setenv("JUJUSIM_STATE", "/nonexistent/state.json", 1);
	ck_assert_int_eq(provider_gather(&provider, 0, &pl), -1);
	policy_list_release(&pl);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("provider");
	TCase *tc = tcase_create("gather");

	tcase_add_checked_fixture(tc, setup, sim_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, no_relations_gives_empty_list);
	tcase_add_test(tc, relation_order_then_list_order_missing_is_empty);
	tcase_add_test(tc, output_is_canonical_json);
	tcase_add_test(tc, bad_entries_skipped_unless_strict);
	tcase_add_test(tc, strict_accepts_good_data);
	tcase_add_test(tc, tool_failure_is_an_error);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
