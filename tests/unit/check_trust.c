/* check_trust.c - unit tests for trust.c: what a consumer may open
 * (HARDENING.md "Only the sender can be opened"), over each way a policy
 * names its target. The provider's model is "prov-model"; the sender is
 * "web", the app relation-list --app names for the relation. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/kvlist.h"
#include "base/strbuf.h"
#include "protocol/policy.h"
#include "protocol/trust.h"

#define MODEL "prov-model"
#define SENDER "web"

/* The Services the provider read: "api" selects exactly the sender's pods,
 * "db" another app's, "wide" the sender's and more, "bare" nothing. */
static const char services_json[] =
	"[{\"metadata\": {\"name\": \"api\"}, \"spec\": {\"selector\": {\"app.kubernetes.io/name\": \"web\"}}},"
	" {\"metadata\": {\"name\": \"db\"}, \"spec\": {\"selector\": {\"app.kubernetes.io/name\": \"db\"}}},"
	" {\"metadata\": {\"name\": \"wide\"}, \"spec\": {\"selector\": {\"app.kubernetes.io/name\": \"web\", "
	"\"tier\": \"x\"}}},"
	" {\"metadata\": {\"name\": \"bare\"}, \"spec\": {}}]";
static struct service_facts facts;

/* A policy naming its target by namespace, app, service and selector
 * (NULL: null); sel is "k=v" pairs, NULL-terminated. Strings are borrowed. */
static struct mesh_policy target(const char *ns, const char *app, const char *svc, const char *const *sel,
				 struct kvlist *labels)
{
	struct mesh_policy p = { 0 };

	p.source_namespace = (char *)"other-model";
	p.source_app_name = (char *)"client";
	p.target_namespace = (char *)ns;
	p.target_app_name = (char *)app;
	p.target_service = (char *)svc;
	for (; sel && *sel; sel++) {
		char *kv = strdup(*sel), *eq = strchr(kv, '=');
		*eq = '\0';
		kvlist_set(labels, kv, eq + 1);
		free(kv);
	}
	p.target_selector_labels = sel ? labels : NULL;
	return p;
}

/* The refusal text for p sent by sender (NULL: enforced); caller frees. */
static char *judge(const struct mesh_policy *p, const char *sender)
{
	struct strbuf why = STRBUF_INIT;
	enum trust t = trust_judge(p, sender, MODEL, &facts, &why);

	ck_assert_uint_eq(t == TRUST_OK, why.len == 0);
	if (t == TRUST_OK) {
		strbuf_release(&why);
		return NULL;
	}
	return strbuf_detach(&why, NULL);
}

/* Refused, with a reason containing want. */
static void refused(const char *ns, const char *app, const char *svc, const char *const *sel, const char *want)
{
	struct kvlist labels = KVLIST_INIT;
	struct mesh_policy p = target(ns, app, svc, sel, &labels);
	char *why = judge(&p, SENDER);

	ck_assert_msg(why != NULL, "expected a refusal containing \"%s\"", want);
	ck_assert_msg(strstr(why, want), "refusal \"%s\" lacks \"%s\"", why, want);
	free(why);
	kvlist_release(&labels);
}

static void enforced(const char *ns, const char *app, const char *svc, const char *const *sel)
{
	struct kvlist labels = KVLIST_INIT;
	struct mesh_policy p = target(ns, app, svc, sel, &labels);
	char *why = judge(&p, SENDER);

	ck_assert_msg(why == NULL, "unexpected refusal: %s", why);
	kvlist_release(&labels);
}

static const char *const own_selector[] = { "app.kubernetes.io/name=" SENDER, NULL };
static const char *const no_labels[] = { NULL };

START_TEST(own_app_in_own_model_is_enforced)
{
	enforced(MODEL, SENDER, NULL, NULL);
}
END_TEST

START_TEST(no_target_named_beyond_the_namespace_is_enforced)
{
	enforced(MODEL, NULL, NULL, NULL);
}
END_TEST

START_TEST(empty_app_service_and_selector_count_as_null)
{
	enforced(MODEL, "", "", no_labels);
}
END_TEST

START_TEST(another_namespace_is_refused)
{
	refused("kube-system", SENDER, NULL, NULL,
		"it targets namespace 'kube-system', but a consumer may only open its own workloads "
		"in this model ('prov-model')");
}
END_TEST

START_TEST(consumer_in_another_model_is_refused_for_its_own_namespace)
{
	/* a cross-model consumer names its own model as target: the beacon is
	 * per model, so the provider never opens workloads elsewhere */
	refused("consumer-model", SENDER, NULL, own_selector, "targets namespace 'consumer-model'");
}
END_TEST

START_TEST(namespace_is_judged_before_anything_else)
{
	refused("elsewhere", "db", "db", NULL, "targets namespace 'elsewhere'");
}
END_TEST

START_TEST(cross_model_source_does_not_matter)
{
	/* a source in any other model: only the target is judged */
	struct kvlist labels = KVLIST_INIT;
	struct mesh_policy p = target(MODEL, SENDER, NULL, NULL, &labels);
	char *why;

	p.source_namespace = (char *)"far-away-model";
	why = judge(&p, SENDER);
	ck_assert_ptr_null(why);
}
END_TEST

START_TEST(another_app_is_refused)
{
	refused(MODEL, "db", NULL, NULL,
		"it targets app 'db', but it was sent by 'web': a consumer may only open itself");
}
END_TEST

START_TEST(app_named_like_the_sender_but_other_case_is_refused)
{
	refused(MODEL, "Web", NULL, NULL, "targets app 'Web'");
}
END_TEST

START_TEST(own_service_without_app_is_enforced)
{
	/* Juju's own Service, named after the app: no cluster read needed */
	enforced(MODEL, NULL, SENDER, NULL);
}
END_TEST

START_TEST(service_of_another_app_is_refused)
{
	refused(MODEL, SENDER, "db", NULL,
		"it targets Service 'db', whose selector is not exactly {app.kubernetes.io/name: web}: "
		"a consumer may only open a Service that selects its own pods");
	refused(MODEL, NULL, "wide", NULL, "Service 'wide', whose selector is not exactly");
	refused(MODEL, NULL, "bare", NULL, "Service 'bare', whose selector is not exactly");
	refused(MODEL, NULL, "gone", NULL, "it targets Service 'gone', which does not exist in this model");
	refused(MODEL, NULL, "Not_A-Name", NULL, "it targets Service 'Not_A-Name', which is not a Service name");
}
END_TEST

START_TEST(service_by_any_name_selecting_the_sender_is_enforced)
{
	enforced(MODEL, NULL, "api", NULL);
	enforced(MODEL, SENDER, "api", NULL);
	enforced(MODEL, SENDER, "api", own_selector);
}
END_TEST

START_TEST(unreadable_service_is_undecided)
{
	struct kvlist labels = KVLIST_INIT;
	struct mesh_policy p = target(MODEL, SENDER, "api", NULL, &labels);
	struct service_facts failed = { NULL, "forbidden" };
	struct strbuf why = STRBUF_INIT;

	ck_assert_int_eq(trust_judge(&p, SENDER, MODEL, &failed, &why), TRUST_UNKNOWN);
	ck_assert_str_eq(why.buf, "its Service 'api' cannot be read (forbidden): not enforced until it can be, "
			 "and what was applied for it stays");
	strbuf_reset(&why);
	ck_assert_int_eq(trust_judge(&p, SENDER, MODEL, NULL, &why), TRUST_UNKNOWN);
	/* a policy refused on other grounds is refused, read or not */
	p.target_app_name = (char *)"db";
	strbuf_reset(&why);
	ck_assert_int_eq(trust_judge(&p, SENDER, MODEL, &failed, &why), TRUST_REFUSED);
	strbuf_release(&why);
	kvlist_release(&labels);
}
END_TEST

START_TEST(services_to_read_are_the_foreign_names_once)
{
	struct kvlist l[4] = { KVLIST_INIT, KVLIST_INIT, KVLIST_INIT, KVLIST_INIT };
	struct mesh_policy items[4] = {
		target(MODEL, NULL, "api", NULL, &l[0]), target(MODEL, NULL, SENDER, NULL, &l[1]),
		target(MODEL, NULL, "api", NULL, &l[2]), target(MODEL, NULL, "Bad!", NULL, &l[3]),
	};
	char *who[4] = { (char *)SENDER, (char *)SENDER, (char *)SENDER, (char *)SENDER };
	struct policy_list pl = { items, 4, 4 };
	struct strlist senders = { who, 4, 4 };
	struct kvlist names = KVLIST_INIT;

	trust_services_to_read(&pl, &senders, &names);
	ck_assert_uint_eq(names.n, 1);
	ck_assert_str_eq(names.items[0].key, "api");
	kvlist_release(&names);
}
END_TEST

START_TEST(own_service_with_own_app_is_enforced)
{
	enforced(MODEL, SENDER, SENDER, NULL);
}
END_TEST

START_TEST(own_selector_is_enforced)
{
	enforced(MODEL, SENDER, NULL, own_selector);
	enforced(MODEL, NULL, NULL, own_selector);
}
END_TEST

START_TEST(selector_of_another_app_is_refused)
{
	static const char *const sel[] = { "app.kubernetes.io/name=db", NULL };

	refused(MODEL, SENDER, NULL, sel,
		"its target_selector_labels are not exactly {app.kubernetes.io/name: web}: a "
		"consumer may only select its own pods");
}
END_TEST

START_TEST(selector_with_an_extra_key_is_refused)
{
	static const char *const sel[] = { "app.kubernetes.io/name=" SENDER, "tier=web", NULL };

	refused(MODEL, SENDER, NULL, sel, "not exactly {app.kubernetes.io/name: web}");
}
END_TEST

START_TEST(selector_by_another_key_is_refused)
{
	static const char *const sel[] = { "app=" SENDER, NULL };

	refused(MODEL, NULL, NULL, sel, "not exactly {app.kubernetes.io/name: web}");
}
END_TEST

START_TEST(own_selector_with_another_service_is_refused_for_the_service)
{
	refused(MODEL, SENDER, "db", own_selector, "targets Service 'db'");
}
END_TEST

START_TEST(own_selector_does_not_excuse_another_app)
{
	refused(MODEL, "db", NULL, own_selector, "targets app 'db'");
}
END_TEST

START_TEST(sender_is_whoever_the_relation_names)
{
	/* the same policy is the sender's own for one relation, another's
	 * for the next */
	struct kvlist labels = KVLIST_INIT;
	struct mesh_policy p = target(MODEL, "db", "db", NULL, &labels);
	char *why = judge(&p, "db");

	ck_assert_ptr_null(why);
	why = judge(&p, SENDER);
	ck_assert_ptr_nonnull(why);
	free(why);
}
END_TEST

static Suite *trust_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, own_app_in_own_model_is_enforced);
	tcase_add_test(tc, no_target_named_beyond_the_namespace_is_enforced);
	tcase_add_test(tc, empty_app_service_and_selector_count_as_null);
	tcase_add_test(tc, another_namespace_is_refused);
	tcase_add_test(tc, consumer_in_another_model_is_refused_for_its_own_namespace);
	tcase_add_test(tc, namespace_is_judged_before_anything_else);
	tcase_add_test(tc, cross_model_source_does_not_matter);
	tcase_add_test(tc, another_app_is_refused);
	tcase_add_test(tc, app_named_like_the_sender_but_other_case_is_refused);
	tcase_add_test(tc, own_service_without_app_is_enforced);
	tcase_add_test(tc, service_of_another_app_is_refused);
	tcase_add_test(tc, service_by_any_name_selecting_the_sender_is_enforced);
	tcase_add_test(tc, unreadable_service_is_undecided);
	tcase_add_test(tc, services_to_read_are_the_foreign_names_once);
	tcase_add_test(tc, own_service_with_own_app_is_enforced);
	tcase_add_test(tc, own_selector_is_enforced);
	tcase_add_test(tc, selector_of_another_app_is_refused);
	tcase_add_test(tc, selector_with_an_extra_key_is_refused);
	tcase_add_test(tc, selector_by_another_key_is_refused);
	tcase_add_test(tc, own_selector_with_another_service_is_refused_for_the_service);
	tcase_add_test(tc, own_selector_does_not_excuse_another_app);
	tcase_add_test(tc, sender_is_whoever_the_relation_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(trust_suite());
	struct json *services = json_parse_str(services_json, NULL);
	int failed;

	facts.items = services;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	json_free(services);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
