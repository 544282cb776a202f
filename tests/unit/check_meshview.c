/* check_meshview.c - unit tests for meshview.c: the consumer's and the
 * provider's views built from in-memory relations, without hook tools
 * (and so without the Juju simulator). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/kvlist.h"
#include "base/strbuf.h"
#include "formats/config.h"
#include "protocol/meshview.h"
#include "protocol/policy.h"

#define GOOD(src, port) "{\"source_namespace\": \"m\", \"source_app_name\": \"" src "\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": null, \"ports\": [" port "], \"methods\": null, \"paths\": null}]}"

/* A databag of one pair (value NULL: an empty databag). */
static struct kvlist *bag(const char *key, const char *value)
{
	static struct kvlist kv = KVLIST_INIT;

	kvlist_release(&kv);
	if (value)
		kvlist_set(&kv, key, value);
	return &kv;
}

/* ---- the consumer ---- */

START_TEST(cmr_data_present_absent_or_bad)
{
	struct consumer_view v = CONSUMER_VIEW_INIT;
	const struct cmr_peer *x;

	consumer_view_add_cmr(&v, "provide-cmr-mesh:2", "client",
			      "{\"app_name\": \"real-client\", \"juju_model_name\": \"other\"}");
	consumer_view_add_cmr(&v, "provide-cmr-mesh:3", "quiet", NULL);
	consumer_view_add_cmr(&v, "provide-cmr-mesh:4", "bad", "[1]");
	ck_assert_uint_eq(v.ncmr, 3);
	ck_assert_str_eq(v.cmr[0].id, "provide-cmr-mesh:2");
	ck_assert_str_eq(v.cmr[0].app_name, "real-client");
	ck_assert_str_eq(v.cmr[0].model, "other");
	ck_assert_ptr_null(v.cmr[0].error);
	ck_assert_ptr_null(v.cmr[1].app_name);
	ck_assert_ptr_null(v.cmr[1].error);
	ck_assert_ptr_null(v.cmr[2].app_name);
	ck_assert_ptr_null(v.cmr[2].model);
	ck_assert_str_eq(v.cmr[2].error, "cmr_data is a list '[1]', not an object");
	/* only usable cmr_data maps an alias */
	x = consumer_view_cmr(&v, "client");
	ck_assert_ptr_eq(x, &v.cmr[0]);
	ck_assert_ptr_null(consumer_view_cmr(&v, "quiet"));
	ck_assert_ptr_null(consumer_view_cmr(&v, "bad"));
	ck_assert_ptr_null(consumer_view_cmr(&v, "nobody"));
	consumer_view_release(&v);
	ck_assert_uint_eq(v.ncmr, 0);
}
END_TEST

/* The policies of yaml's consumer built from v (then released) are want. */
static void expect_policies(struct consumer_view *v, const char *yaml, const char *want)
{
	struct mesh_config cfg;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct policy_list pl = POLICY_LIST_INIT;

	ck_assert_msg(config_parse("service-mesh.yaml", yaml, strlen(yaml), &cfg, &err) == 0, "%s", err.buf);
	consumer_view_policies(v, cfg.consumer, "me", "my-model", &pl);
	policy_list_emit(&out, &pl);
	ck_assert_str_eq(out.buf, want);
	policy_list_release(&pl);
	config_release(&cfg);
	strbuf_release(&err);
	strbuf_release(&out);
	consumer_view_release(v);
}

#define POLICY(ns, app) "{\"source_namespace\": \"" ns "\", \"source_app_name\": \"" app "\", \"target_namespace\": \"my-model\", \"target_app_name\": \"me\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": []}"

START_TEST(cross_model_aliases_are_mapped_others_stay_in_model)
{
	struct consumer_view v = CONSUMER_VIEW_INIT;

	consumer_view_add_endpoint(&v, "data", "data:1", "client");
	consumer_view_add_endpoint(&v, "data", "data:2", "local");
	consumer_view_add_endpoint(&v, "data", "data:3", "bad");
	consumer_view_add_cmr(&v, "provide-cmr-mesh:4", "client",
			      "{\"app_name\": \"real-client\", \"juju_model_name\": \"other\"}");
	consumer_view_add_cmr(&v, "provide-cmr-mesh:5", "bad", "{\"app_name\": \"x\"}");
	expect_policies(&v, "consumer:\n  policies:\n    - {relation: data, endpoints: []}\n",
			"[" POLICY("other", "real-client") ", " POLICY("my-model", "local") ", "
			POLICY("my-model", "bad") "]");
}
END_TEST

START_TEST(policy_order_then_relation_order)
{
	struct consumer_view v = CONSUMER_VIEW_INIT;

	/* relations added endpoint by endpoint, in another order than the policies */
	consumer_view_add_endpoint(&v, "web", "web:0", "w1");
	consumer_view_add_endpoint(&v, "db", "db:1", "d2");
	consumer_view_add_endpoint(&v, "db", "db:2", "d1");
	expect_policies(&v, "consumer:\n  policies:\n    - {relation: db, endpoints: []}\n"
			"    - {relation: web, endpoints: []}\n    - {relation: none, endpoints: []}\n",
			"[" POLICY("my-model", "d2") ", " POLICY("my-model", "d1") ", " POLICY("my-model", "w1") "]");
}
END_TEST

START_TEST(mesh_relations_with_and_without_own_databag)
{
	struct consumer_view v = CONSUMER_VIEW_INIT;

	consumer_view_add_mesh(&v, "service-mesh:0", "beacon", bag("policies", "[]"));
	consumer_view_add_mesh(&v, "service-mesh:1", NULL, bag("other", "x"));
	consumer_view_add_mesh(&v, "service-mesh:2", NULL, NULL);
	ck_assert_uint_eq(v.nmesh, 3);
	ck_assert_str_eq(v.mesh[0].app, "beacon");
	ck_assert_int_eq(v.mesh[0].own_read, 1);
	ck_assert_str_eq(v.mesh[0].published, "[]");
	ck_assert_int_eq(v.mesh[1].own_read, 1);
	ck_assert_ptr_null(v.mesh[1].published);
	ck_assert_ptr_null(v.mesh[2].app);
	ck_assert_int_eq(v.mesh[2].own_read, 0);
	consumer_view_release(&v);
}
END_TEST

START_TEST(labels_are_kept_or_held_with_their_reason)
{
	struct consumer_view v = CONSUMER_VIEW_INIT;

	consumer_view_add_provider(&v, "service-mesh:0",
				   bag("labels", "{\"istio.io/dataplane-mode\": \"ambient\", \"Bad Key\": \"v\", \"x\": 5, "
						 "\"c\": \"\\udc00\", \"n\": \"a\\u0000\", \"ok\": \"yes\"}"));
	ck_assert_int_eq(v.have_labels, 1);
	ck_assert_str_eq(v.provider_rel, "service-mesh:0");
	ck_assert_uint_eq(v.labels.n, 2);
	ck_assert_str_eq(kvlist_get(&v.labels, "istio.io/dataplane-mode"), "ambient");
	ck_assert_str_eq(kvlist_get(&v.labels, "ok"), "yes");
	ck_assert_uint_eq(v.skipped.n, 4);
	ck_assert_str_eq(v.skipped.items[0], "'Bad Key': name part may contain only alphanumerics, '-', '_' and '.'");
	ck_assert_str_eq(v.skipped.items[1], "'x': its value is not a string");
	ck_assert_str_eq(v.skipped.items[2], "'c': holds a lone surrogate escape");
	ck_assert_msg(strstr(v.skipped.items[3], "holds a NUL character"), "%s", v.skipped.items[3]);
	/* unknown is not empty: each of those keys is held, not removed */
	ck_assert_uint_eq(v.held.n, 4);
	ck_assert(strlist_has(&v.held, "Bad Key") && strlist_has(&v.held, "x") && strlist_has(&v.held, "c") &&
		  strlist_has(&v.held, "n"));
	ck_assert_ptr_null(consumer_view_mesh_type(&v));
	consumer_view_release(&v);
}
END_TEST

START_TEST(labels_with_an_unreadable_key_or_value_are_unknown)
{
	/* a key that cannot be read could be any label of ours; a value
	 * jujuc could not read is kept as "" (juju_databag_from_json()) */
	static const char *const unknown[] = { "{\"a\": \"b\", \"k\\u0000\": \"1\"}", "" };
	struct consumer_view v = CONSUMER_VIEW_INIT;

	for (size_t i = 0; i < sizeof(unknown) / sizeof(*unknown); i++) {
		consumer_view_add_provider(&v, "service-mesh:0", bag("labels", unknown[i]));
		ck_assert_msg(v.have_labels == -1, "%s", unknown[i]);
		ck_assert_uint_eq(v.labels.n, 0);
		ck_assert_uint_eq(v.held.n, 0);
		consumer_view_release(&v);
	}
}
END_TEST

START_TEST(labels_not_an_object_or_none)
{
	static const char *const unreadable[] = { "[]", "\"a\"", "{\"a\": ", "null" };
	struct consumer_view v = CONSUMER_VIEW_INIT;

	for (size_t i = 0; i < sizeof(unreadable) / sizeof(*unreadable); i++) {
		consumer_view_add_provider(&v, "service-mesh:0", bag("labels", unreadable[i]));
		ck_assert_msg(v.have_labels == -1, "%s", unreadable[i]);
		ck_assert_uint_eq(v.labels.n, 0);
		ck_assert_uint_eq(v.skipped.n, 0);
		consumer_view_release(&v);
	}
	consumer_view_add_provider(&v, "service-mesh:0", bag("labels", NULL));
	ck_assert_int_eq(v.have_labels, 0);
	ck_assert_ptr_nonnull(v.provider_rel);
	consumer_view_release(&v);
}
END_TEST

START_TEST(mesh_type_is_judged_when_asked_for)
{
	struct consumer_view v = CONSUMER_VIEW_INIT;
	char *type;

	consumer_view_add_provider(&v, "service-mesh:0", bag("mesh_type", "\"istio\""));
	type = consumer_view_mesh_type(&v);
	ck_assert_str_eq(type, "istio");
	free(type);
	consumer_view_release(&v);
	consumer_view_add_provider(&v, "service-mesh:0", bag("mesh_type", "\"ist\\u0000io\""));
	ck_assert_ptr_null(consumer_view_mesh_type(&v));
	consumer_view_release(&v);
	consumer_view_add_provider(&v, "service-mesh:0", bag("mesh_type", "5"));
	ck_assert_ptr_null(consumer_view_mesh_type(&v));
	consumer_view_release(&v);
}
END_TEST

/* ---- the provider ---- */

/* v's policies as relation-data text. */
static char *kept(const struct provider_view *v)
{
	struct strbuf out = STRBUF_INIT;

	policy_list_emit(&out, &v->policies);
	return strbuf_detach(&out, NULL);
}

START_TEST(provider_policies_in_relation_then_list_order_with_origin_and_sender)
{
	struct provider_view v = PROVIDER_VIEW_INIT;
	char *got;

	ck_assert_int_eq(provider_view_add(&v, "service-mesh:0", "a", bag("policies", "[" GOOD("a1", "80") ", "
									GOOD("a2", "81") "]"), 1), 0);
	ck_assert_int_eq(provider_view_add(&v, "service-mesh:1", "b", bag("policies", NULL), 1), 0);
	ck_assert_int_eq(provider_view_add(&v, "service-mesh:2", "c", bag("policies", "[" GOOD("c1", "82") "]"), 1),
			 0);
	ck_assert_int_eq(provider_view_add(&v, "service-mesh:3", "d", bag("policies", "[]"), 1), 0);
	got = kept(&v);
	ck_assert_str_eq(got, "[" GOOD("a1", "80") ", " GOOD("a2", "81") ", " GOOD("c1", "82") "]");
	free(got);
	ck_assert_uint_eq(v.kept, 3);
	ck_assert_uint_eq(v.bad, 0);
	ck_assert_uint_eq(v.origins.n, 3);
	ck_assert_str_eq(v.origins.items[0], "service-mesh:0 (app a) policies[0]");
	ck_assert_str_eq(v.origins.items[1], "service-mesh:0 (app a) policies[1]");
	ck_assert_str_eq(v.origins.items[2], "service-mesh:2 (app c) policies[0]");
	ck_assert_str_eq(v.senders.items[1], "a");
	ck_assert_str_eq(v.senders.items[2], "c");
	/* every relation is listed, with whether it sent policies */
	ck_assert_uint_eq(v.nrel, 4);
	ck_assert_str_eq(v.rel[1].id, "service-mesh:1");
	ck_assert_str_eq(v.rel[1].app, "b");
	ck_assert_int_eq(v.rel[0].sent, 1);
	ck_assert_int_eq(v.rel[1].sent, 0);
	ck_assert_int_eq(v.rel[3].sent, 1);
	provider_view_release(&v);
	ck_assert_uint_eq(v.nrel, 0);
}
END_TEST

START_TEST(bad_entries_lenient_against_strict)
{
	const char *list = "[" GOOD("a1", "80") ", 5, " GOOD("a3", "0") ", " GOOD("a4", "84") "]";
	struct provider_view v = PROVIDER_VIEW_INIT;
	char *got;

	/* lenient: the bad entries are skipped, the rest kept */
	ck_assert_int_eq(provider_view_add(&v, "service-mesh:0", "a", bag("policies", list), 0), 0);
	got = kept(&v);
	ck_assert_str_eq(got, "[" GOOD("a1", "80") ", " GOOD("a4", "84") "]");
	free(got);
	ck_assert_uint_eq(v.bad, 2);
	ck_assert_str_eq(v.origins.items[1], "service-mesh:0 (app a) policies[3]");
	provider_view_release(&v);
	/* strict: the same entries are judged, and the relation fails */
	ck_assert_int_eq(provider_view_add(&v, "service-mesh:0", "a", bag("policies", list), 1), -1);
	ck_assert_uint_eq(v.bad, 2);
	/* a later good relation does not fail */
	ck_assert_int_eq(provider_view_add(&v, "service-mesh:1", "b", bag("policies", "[" GOOD("b1", "80") "]"), 1),
			 0);
	provider_view_release(&v);
}
END_TEST

START_TEST(policies_that_are_not_a_list)
{
	static const char *const notlist[] = { "{}", "\"[]\"", "null", "[", "[\"\\udc00\"" };
	struct provider_view v = PROVIDER_VIEW_INIT;

	for (size_t i = 0; i < sizeof(notlist) / sizeof(*notlist); i++) {
		ck_assert_int_eq(provider_view_add(&v, "service-mesh:0", "a", bag("policies", notlist[i]), 0), 0);
		ck_assert_uint_eq(v.bad, i + 1);
	}
	ck_assert_uint_eq(v.kept, 0);
	ck_assert_uint_eq(v.nrel, sizeof(notlist) / sizeof(*notlist));
	ck_assert_int_eq(v.rel[0].sent, 1);
	ck_assert_int_eq(provider_view_add(&v, "service-mesh:1", "b", bag("policies", "{}"), 1), -1);
	provider_view_release(&v);
}
END_TEST

START_TEST(text_mode_keeps_json_items_only)
{
	struct provider_view v = PROVIDER_VIEW_INIT;
	struct strbuf out = STRBUF_INIT;

	v.text = &out;
	strbuf_addch(&out, '[');
	provider_view_add(&v, "service-mesh:0", "a", bag("policies", "[" GOOD("a1", "80") "]"), 0);
	provider_view_add(&v, "service-mesh:1", "b", bag("policies", "[5]"), 0);
	provider_view_add(&v, "service-mesh:2", "c", bag("policies", "[" GOOD("c1", "82") ", " GOOD("c2", "83") "]"),
			  0);
	strbuf_addch(&out, ']');
	ck_assert_str_eq(out.buf, "[" GOOD("a1", "80") ", " GOOD("c1", "82") ", " GOOD("c2", "83") "]");
	ck_assert_uint_eq(v.kept, 3);
	ck_assert_uint_eq(v.policies.n, 0);
	ck_assert_uint_eq(v.origins.n, 0);
	provider_view_release(&v);
	strbuf_release(&out);
}
END_TEST

static Suite *meshview_suite(void)
{
	Suite *s = suite_create("meshview");
	TCase *tc = tcase_create("consumer"), *tp = tcase_create("provider");

	tcase_add_test(tc, cmr_data_present_absent_or_bad);
	tcase_add_test(tc, cross_model_aliases_are_mapped_others_stay_in_model);
	tcase_add_test(tc, policy_order_then_relation_order);
	tcase_add_test(tc, mesh_relations_with_and_without_own_databag);
	tcase_add_test(tc, labels_are_kept_or_held_with_their_reason);
	tcase_add_test(tc, labels_with_an_unreadable_key_or_value_are_unknown);
	tcase_add_test(tc, labels_not_an_object_or_none);
	tcase_add_test(tc, mesh_type_is_judged_when_asked_for);
	suite_add_tcase(s, tc);
	tcase_add_test(tp, provider_policies_in_relation_then_list_order_with_origin_and_sender);
	tcase_add_test(tp, bad_entries_lenient_against_strict);
	tcase_add_test(tp, policies_that_are_not_a_list);
	tcase_add_test(tp, text_mode_keeps_json_items_only);
	suite_add_tcase(s, tp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(meshview_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
