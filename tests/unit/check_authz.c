/* check_authz.c - unit tests for authz.c: the set of AuthorizationPolicies
 * the provider wants (duplicates, refusals) and the plan against the live
 * set (what is up to date, what to apply, what to delete). The provider
 * is "beacon" in model "prov-model"; every policy is sent by "web". */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
#include "base/kvlist.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "protocol/authz.h"
#include "protocol/istio.h"
#include "protocol/policy.h"

#define APP "beacon"
#define MODEL "prov-model"

/* An app policy for web from source app src, on port port. */
#define POL(src, port) "{\"source_namespace\": \"other\", \"source_app_name\": \"" src "\", " \
	"\"target_namespace\": \"" MODEL "\", \"target_app_name\": \"web\", \"target_selector_labels\": null, " \
	"\"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": null, " \
	"\"ports\": [" #port "], \"methods\": null, \"paths\": null}]}"
/* Refused by the trust rule: web may not open db. */
#define POL_OTHER_APP "{\"source_namespace\": \"other\", \"source_app_name\": \"c\", " \
	"\"target_namespace\": \"" MODEL "\", \"target_app_name\": \"db\", \"target_selector_labels\": null, " \
	"\"target_service\": null, \"target_type\": \"app\", \"endpoints\": []}"
/* Refused by the rendering: a unit policy cannot carry paths. */
#define POL_UNIT_PATHS "{\"source_namespace\": \"other\", \"source_app_name\": \"c\", " \
	"\"target_namespace\": \"" MODEL "\", \"target_app_name\": \"web\", \"target_selector_labels\": null, " \
	"\"target_service\": null, \"target_type\": \"unit\", \"endpoints\": [{\"hosts\": null, " \
	"\"ports\": [80], \"methods\": null, \"paths\": [\"/x\"]}]}"

static struct json *parse(const char *text)
{
	struct strbuf why = STRBUF_INIT;
	struct json *v = json_parse(text, strlen(text), &why);

	ck_assert_msg(v != NULL, "bad test JSON: %s", why.buf);
	strbuf_release(&why);
	return v;
}

/* authz_render() of the policies texts (NULL-terminated), each sent by
 * web from "service-mesh:0 (app web) policies[i]". */
static struct json *render(const char *const *texts, size_t *refused, struct strlist *refusals)
{
	struct policy_list pl = POLICY_LIST_INIT;
	struct strlist origins = STRLIST_INIT, senders = STRLIST_INIT;
	struct strbuf why = STRBUF_INIT;
	struct json *items;

	for (size_t i = 0; texts[i]; i++) {
		struct json *v = parse(texts[i]);
		struct strbuf o = STRBUF_INIT;

		ALLOC_GROW(pl.items, pl.n + 1, pl.alloc);
		ck_assert_msg(policy_from_json(v, &pl.items[pl.n++], &why) == 0, "policy refused: %s", why.buf);
		json_free(v);
		strbuf_addf(&o, "service-mesh:0 (app web) policies[%zu]", i);
		strlist_add(&origins, o.buf);
		strlist_add(&senders, "web");
		strbuf_release(&o);
	}
	items = authz_render(APP, MODEL, &pl, &origins, &senders, NULL, refused, refusals, NULL);
	policy_list_release(&pl);
	strlist_release(&origins);
	strlist_release(&senders);
	strbuf_release(&why);
	return items;
}

/* One policy's object (the caller frees it). */
static struct json *render_one(const char *text)
{
	const char *texts[] = { text, NULL };
	size_t refused;
	struct json *items = render(texts, &refused, NULL), *o;

	ck_assert_uint_eq(items->u.arr.n, 1);
	o = json_copy(items->u.arr.items[0]);
	json_free(items);
	return o;
}

static const char *meta(const struct json *o, const char *key)
{
	const struct json *v = json_get(json_get(o, "metadata"), key);
	return v && v->type == JSON_STRING ? v->u.s : NULL;
}

/* A copy of v with every object's members in reverse order. */
static struct json *reversed(const struct json *v)
{
	struct json *c;

	if (v->type == JSON_ARRAY) {
		c = json_array();
		for (size_t i = 0; i < v->u.arr.n; i++)
			json_append(c, reversed(v->u.arr.items[i]));
		return c;
	}
	if (v->type != JSON_OBJECT)
		return json_copy(v);
	c = json_object();
	for (size_t i = v->u.obj.n; i-- > 0;)
		json_set(c, v->u.obj.m[i].key, reversed(v->u.obj.m[i].value));
	return c;
}

/* Set o.metadata[key] (o's metadata is an object, as rendered). */
static void set_meta(struct json *o, const char *key, struct json *value)
{
	json_set((struct json *)json_get(o, "metadata"), key, value);
}

START_TEST(duplicates_keep_the_first)
{
	const char *texts[] = { POL("a", 80), POL("b", 80), POL("a", 80), NULL };
	struct json *a = render_one(POL("a", 80)), *b = render_one(POL("b", 80));
	size_t refused = 9;
	struct json *items = render(texts, &refused, NULL);

	ck_assert_uint_eq(refused, 0);
	ck_assert_uint_eq(items->u.arr.n, 2);
	ck_assert(json_equal(items->u.arr.items[0], a));
	ck_assert(json_equal(items->u.arr.items[1], b));
	json_free(items);
	json_free(a);
	json_free(b);
}
END_TEST

START_TEST(refused_policies_are_counted_and_left_out)
{
	const char *texts[] = { POL_OTHER_APP, POL("a", 80), POL_UNIT_PATHS, NULL };
	struct strlist msgs = STRLIST_INIT;
	size_t refused = 0;
	struct json *items = render(texts, &refused, &msgs);

	ck_assert_uint_eq(refused, 2);
	ck_assert_uint_eq(items->u.arr.n, 1);
	ck_assert_uint_eq(msgs.n, 2);
	ck_assert_msg(strstr(msgs.items[0], "service-mesh:0 (app web) policies[0]: not enforcing the app policy "
				 "for source app 'c' (namespace 'other') on 'db': "), "%s", msgs.items[0]);
	ck_assert_msg(strstr(msgs.items[1], "policies[2]: not enforcing the unit policy"), "%s", msgs.items[1]);
	json_free(items);
	strlist_release(&msgs);
	/* without a list for the messages, only the count */
	items = render(texts, &refused, NULL);
	ck_assert_uint_eq(refused, 2);
	json_free(items);
}
END_TEST

START_TEST(key_order_does_not_matter)
{
	struct json *want = json_array(), *live = json_array(), *l;
	struct authz_plan plan = AUTHZ_PLAN_INIT;

	json_append(want, render_one(POL("a", 80)));
	/* the API server sorts keys and adds its own fields and labels */
	l = reversed(want->u.arr.items[0]);
	set_meta(l, "resourceVersion", json_string("42"));
	json_set((struct json *)json_get(json_get(l, "metadata"), "labels"), "theirs", json_string("x"));
	json_set(l, "status", json_object());
	json_append(live, l);
	authz_plan(want, NULL, live, APP, MODEL, &plan);
	ck_assert_uint_eq(plan.unchanged, 1);
	ck_assert_uint_eq(plan.apply->u.arr.n, 0);
	ck_assert_uint_eq(plan.ndel, 0);
	authz_plan_release(&plan);
	json_free(want);
	json_free(live);
}
END_TEST

START_TEST(a_value_that_differs_is_applied)
{
	struct json *want = json_array(), *live = json_array(), *l;
	struct authz_plan plan = AUTHZ_PLAN_INIT;

	json_append(want, render_one(POL("a", 80)));
	json_append(want, render_one(POL("b", 80)));
	/* a's spec has another port; b is ours by the legacy labels, without
	 * our instance label */
	l = render_one(POL("a", 81));
	set_meta(l, "name", json_string(meta(want->u.arr.items[0], "name")));
	json_append(live, l);
	l = json_copy(want->u.arr.items[1]);
	set_meta(l, "labels", parse("{\"" ISTIO_SCOPE_LABEL "\": \"" ISTIO_SCOPE_VALUE "\", "
				    "\"" ISTIO_LEGACY_PROVIDER_LABEL "\": \"" APP "\", "
				    "\"" ISTIO_LEGACY_MODEL_LABEL "\": \"" MODEL "\"}"));
	json_append(live, l);
	authz_plan(want, NULL, live, APP, MODEL, &plan);
	ck_assert_uint_eq(plan.unchanged, 0);
	ck_assert_uint_eq(plan.apply->u.arr.n, 2);
	ck_assert(json_equal(plan.apply->u.arr.items[0], want->u.arr.items[0]));
	ck_assert(json_equal(plan.apply->u.arr.items[1], want->u.arr.items[1]));
	ck_assert_uint_eq(plan.ndel, 0);
	authz_plan_release(&plan);
	json_free(want);
	json_free(live);
}
END_TEST

START_TEST(owned_objects_no_longer_wanted_are_deleted)
{
	struct json *want = json_array(), *live = json_array(), *l;
	struct authz_plan plan = AUTHZ_PLAN_INIT;

	json_append(want, render_one(POL("a", 80)));
	/* live: stale in ns-2, wanted, stale in ns-1, another provider's,
	 * one without a namespace, a legacy one of ours */
	l = render_one(POL("old", 80));
	set_meta(l, "namespace", json_string("ns-2"));
	json_append(live, l);
	json_append(live, json_copy(want->u.arr.items[0]));
	l = render_one(POL("older", 80));
	set_meta(l, "namespace", json_string("ns-1"));
	json_append(live, l);
	json_append(live, parse("{\"metadata\": {\"name\": \"theirs\", \"namespace\": \"ns-1\", \"labels\": {"
				"\"" ISTIO_SCOPE_LABEL "\": \"" ISTIO_SCOPE_VALUE "\", "
				"\"" ISTIO_INSTANCE_LABEL "\": \"other-model-other\"}}}"));
	l = render_one(POL("nons", 80));
	json_set((struct json *)json_get(l, "metadata"), "namespace", json_null());
	json_append(live, l);
	json_append(live, parse("{\"metadata\": {\"name\": \"legacy\", \"namespace\": \"ns-3\", \"labels\": {"
				"\"" ISTIO_SCOPE_LABEL "\": \"" ISTIO_SCOPE_VALUE "\", "
				"\"" ISTIO_LEGACY_PROVIDER_LABEL "\": \"" APP "\", "
				"\"" ISTIO_LEGACY_MODEL_LABEL "\": \"" MODEL "\"}}}"));

	authz_plan(want, NULL, live, APP, MODEL, &plan);
	ck_assert_uint_eq(plan.unchanged, 1);
	ck_assert_uint_eq(plan.apply->u.arr.n, 0);
	ck_assert_uint_eq(plan.ndel, 3);
	ck_assert_str_eq(plan.del[0].ns, "ns-2");
	ck_assert_str_eq(plan.del[0].name, meta(live->u.arr.items[0], "name"));
	ck_assert_ptr_eq(plan.del[0].obj, live->u.arr.items[0]);
	ck_assert_str_eq(plan.del[1].ns, "ns-1");
	ck_assert_ptr_eq(plan.del[1].obj, live->u.arr.items[2]);
	ck_assert_str_eq(plan.del[2].ns, "ns-3");
	ck_assert_str_eq(plan.del[2].name, "legacy");
	authz_plan_release(&plan);

	/* nothing wanted: every owned object goes, the wanted one too */
	authz_plan(NULL, NULL, live, APP, MODEL, &plan);
	ck_assert_uint_eq(plan.apply->u.arr.n, 0);
	ck_assert_uint_eq(plan.ndel, 4);
	ck_assert_ptr_eq(plan.del[1].obj, live->u.arr.items[1]);
	authz_plan_release(&plan);
	ck_assert_ptr_null(plan.del);
	json_free(want);
	json_free(live);
}
END_TEST

START_TEST(kept_objects_are_neither_applied_nor_deleted)
{
	/* a policy whose Service could not be read: its live object stays,
	 * and a kept object not yet live is not created */
	struct json *want = json_array(), *keep = json_array(), *live = json_array();
	struct authz_plan plan = AUTHZ_PLAN_INIT;

	json_append(keep, render_one(POL("undecided", 80)));
	json_append(keep, render_one(POL("new", 80)));
	json_append(live, json_copy(keep->u.arr.items[0]));
	authz_plan(want, keep, live, APP, MODEL, &plan);
	ck_assert_uint_eq(plan.apply->u.arr.n, 0);
	ck_assert_uint_eq(plan.ndel, 0);
	authz_plan_release(&plan);
	/* without the keep, it would go */
	authz_plan(want, NULL, live, APP, MODEL, &plan);
	ck_assert_uint_eq(plan.ndel, 1);
	authz_plan_release(&plan);
	json_free(want);
	json_free(keep);
	json_free(live);
}
END_TEST

static Suite *authz_suite(void)
{
	Suite *s = suite_create("authz");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, duplicates_keep_the_first);
	tcase_add_test(tc, refused_policies_are_counted_and_left_out);
	tcase_add_test(tc, key_order_does_not_matter);
	tcase_add_test(tc, a_value_that_differs_is_applied);
	tcase_add_test(tc, owned_objects_no_longer_wanted_are_deleted);
	tcase_add_test(tc, kept_objects_are_neither_applied_nor_deleted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(authz_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
