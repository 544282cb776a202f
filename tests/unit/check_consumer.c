/* check_consumer.c - unit tests for the consumer side of service_mesh
 * (consumer.c), run in-process against the hook-tool simulator
 * (tests/jujusim, found through $SRCDIR). Each test gets a fresh
 * simulator state in its own temp dir; the unit is consumer/0 (leader)
 * in model "my-model".
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "formats/config.h"
#include "actions/consumer.h"
#include "transports/jujuc.h"
#include "base/kvlist.h"
#include "base/log.h"
#include "protocol/policy.h"
#include "base/strbuf.h"
#include "testenv.h"

static struct mesh_config cfg;

/* Two declared policies: an app policy on "db", a unit policy on "metrics". */
static const char config_yaml[] =
	"consumer:\n"
	"  policies:\n"
	"    - relation: db\n"
	"      endpoints:\n"
	"        - ports: [5432]\n"
	"          methods: [GET]\n"
	"    - relation: metrics\n"
	"      type: unit\n"
	"      ports: [9090]\n";

#define APP_POLICY(src_app, src_model) \
	"{\"source_namespace\": \"" src_model "\", \"source_app_name\": \"" src_app "\", " \
	"\"target_namespace\": \"my-model\", \"target_app_name\": \"consumer\", " \
	"\"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", " \
	"\"endpoints\": [{\"hosts\": null, \"ports\": [5432], \"methods\": [\"GET\"], \"paths\": null}]}"
#define UNIT_POLICY(src_app, src_model) \
	"{\"source_namespace\": \"" src_model "\", \"source_app_name\": \"" src_app "\", " \
	"\"target_namespace\": \"my-model\", \"target_app_name\": \"consumer\", " \
	"\"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"unit\", " \
	"\"endpoints\": [{\"hosts\": null, \"ports\": [9090], \"methods\": null, \"paths\": null}]}"

/* add-relation ENDPOINT APP --id ID, then set remote app data key=value (if key). */
static void relation(const char *endpoint, const char *app, const char *id, const char *key,
		     const char *value)
{
	struct strbuf kv = STRBUF_INIT;

	SIM("add-relation", endpoint, app, "--id", id);
	if (key) {
		strbuf_addf(&kv, "%s=%s", key, value);
		SIM("set-data", id, "--remote-app", kv.buf);
	}
	strbuf_release(&kv);
}

static void setup(void)
{
	struct strbuf err = STRBUF_INIT;

	sim_setup("consumer", "consumer/0", "my-model");
	SIM("init", "--app", "consumer", "--model", "my-model", "--leader");
	ck_assert_msg(config_parse("service-mesh.yaml", config_yaml, sizeof(config_yaml) - 1, &cfg, &err) == 0,
		      "%s", err.buf);
	ck_assert_ptr_nonnull(cfg.consumer);
	strbuf_release(&err);
}

static void teardown(void)
{
	config_release(&cfg);
	sim_teardown();
}

static char *computed(void)
{
	struct policy_list pl = POLICY_LIST_INIT;
	struct strbuf out = STRBUF_INIT;

	ck_assert_int_eq(consumer_compute(cfg.consumer, &pl), 0);
	policy_list_emit(&out, &pl);
	policy_list_release(&pl);
	return strbuf_detach(&out, NULL);
}

START_TEST(compute_nothing_related)
{
	char *s = computed();

	ck_assert_str_eq(s, "[]");
	free(s);
}
END_TEST

START_TEST(compute_in_model_and_cross_model)
{
	char *s;

	/* relation-ids order: "db:10" before "db:2" (string order) */
	relation("db", "alpha", "2", NULL, NULL);
	relation("db", "beta-offer", "10", NULL, NULL);
	relation("metrics", "gamma-offer", "4", NULL, NULL);
	relation("metrics", "delta", "5", NULL, NULL);
	/* cross-model data for two of them; gamma's is not valid: skipped */
	relation("provide-cmr-mesh", "beta-offer", "20", "cmr_data",
		 "{\"app_name\": \"beta\", \"juju_model_name\": \"other-model\"}");
	relation("provide-cmr-mesh", "gamma-offer", "21", "cmr_data", "{\"app_name\": 7}");
	relation("provide-cmr-mesh", "delta", "22", NULL, NULL);
	s = computed();
	ck_assert_str_eq(s, "[" APP_POLICY("beta", "other-model") ", " APP_POLICY("alpha", "my-model") ", "
			 UNIT_POLICY("gamma-offer", "my-model") ", " UNIT_POLICY("delta", "my-model") "]");
	free(s);
}
END_TEST

START_TEST(compute_bad_cmr_json_skipped)
{
	char *s;

	relation("db", "alpha", "1", NULL, NULL);
	relation("provide-cmr-mesh", "alpha", "2", "cmr_data", "not json at all");
	s = computed();
	ck_assert_str_eq(s, "[" APP_POLICY("alpha", "my-model") "]");
	free(s);
}
END_TEST

START_TEST(compute_needs_unit_and_model)
{
	struct policy_list pl = POLICY_LIST_INIT;
	struct strbuf err = STRBUF_INIT;

	unsetenv("JUJU_MODEL_NAME");
	juju_reset();
	log_capture_errors(&err);
	ck_assert_int_eq(consumer_compute(cfg.consumer, &pl), -1);
	log_capture_errors(NULL);
	ck_assert_ptr_nonnull(strstr(err.buf, "JUJU_MODEL_NAME"));
	ck_assert_uint_eq(pl.n, 0);
	ck_assert_int_eq(calls(NULL), 0);
	strbuf_release(&err);
}
END_TEST

START_TEST(compute_tool_failure)
{
	struct policy_list pl = POLICY_LIST_INIT;
	struct strbuf err = STRBUF_INIT;

	relation("db", "alpha", "1", NULL, NULL);
	SIM("fault", "--tool", "relation-list", "--stderr", "ERROR no list today");
	log_capture_errors(&err);
	ck_assert_int_eq(consumer_compute(cfg.consumer, &pl), -1);
	log_capture_errors(NULL);
	ck_assert_ptr_nonnull(strstr(err.buf, "no list today"));
	policy_list_release(&pl);
	strbuf_release(&err);
}
END_TEST

START_TEST(publish_writes_once)
{
	const struct kvlist *own;
	int changed = -1;

	relation("service-mesh", "istio-beacon", "0", NULL, NULL);
	relation("db", "alpha", "1", NULL, NULL);
	ck_assert_int_eq(consumer_publish(cfg.consumer, &changed), 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(calls("relation-set"), 1);

	/* same hook, nothing changed: no second write */
	ck_assert_int_eq(consumer_publish(cfg.consumer, &changed), 0);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(calls("relation-set"), 1);

	/* a later run (fresh caches) sees the same text in the databag */
	juju_reset();
	ck_assert_int_eq(consumer_publish(cfg.consumer, &changed), 0);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(calls("relation-set"), 1);
	ck_assert_int_eq(juju_relation_get_app("service-mesh:0", "consumer", &own), 0);
	ck_assert_str_eq(kvlist_get(own, "policies"), "[" APP_POLICY("alpha", "my-model") "]");

	/* a new relation changes the text: written again */
	relation("metrics", "delta", "7", NULL, NULL);
	juju_reset();
	ck_assert_int_eq(consumer_publish(cfg.consumer, &changed), 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(calls("relation-set"), 2);
	juju_reset();
	ck_assert_int_eq(juju_relation_get_app("service-mesh:0", "consumer", &own), 0);
	ck_assert_str_eq(kvlist_get(own, "policies"),
			 "[" APP_POLICY("alpha", "my-model") ", " UNIT_POLICY("delta", "my-model") "]");
}
END_TEST

START_TEST(publish_to_every_mesh_relation)
{
	int changed = -1;

	relation("service-mesh", "istio-beacon", "0", NULL, NULL);
	relation("service-mesh", "other-beacon", "3", NULL, NULL);
	SIM("set-data", "3", "--local-app", "policies=[" APP_POLICY("alpha", "my-model") "]");
	relation("db", "alpha", "1", NULL, NULL);
	ck_assert_int_eq(consumer_publish(cfg.consumer, &changed), 0);
	/* service-mesh:3 already holds the text */
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(calls("relation-set"), 1);
}
END_TEST

START_TEST(publish_without_mesh_relation_writes_nothing)
{
	int changed = -1;

	relation("db", "alpha", "1", NULL, NULL);
	ck_assert_int_eq(consumer_publish(cfg.consumer, &changed), 0);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(calls("relation-set"), 0);
	/* nothing computed either: only relation-ids service-mesh */
	ck_assert_int_eq(calls(NULL), 1);
	ck_assert_int_eq(calls("relation-ids"), 1);
}
END_TEST

START_TEST(send_cmr_data_to_changed_relations)
{
	const char *want = "{\"app_name\": \"consumer\", \"juju_model_name\": \"my-model\"}";
	const struct kvlist *own;

	relation("require-cmr-mesh", "far-away", "5", NULL, NULL);
	relation("require-cmr-mesh", "further", "6", NULL, NULL);
	SIM("set-data", "6", "--local-app", "cmr_data={\"app_name\": \"consumer\", \"juju_model_name\": \"my-model\"}");
	ck_assert_int_eq(consumer_send_cmr_data(cfg.consumer, NULL), 0);
	ck_assert_int_eq(calls("relation-set"), 1);
	ck_assert_int_eq(consumer_send_cmr_data(cfg.consumer, NULL), 0);
	ck_assert_int_eq(calls("relation-set"), 1);
	juju_reset();
	ck_assert_int_eq(juju_relation_get_app("require-cmr-mesh:5", "consumer", &own), 0);
	ck_assert_str_eq(kvlist_get(own, "cmr_data"), want);
	/* with a relation id: written unconditionally */
	ck_assert_int_eq(consumer_send_cmr_data(cfg.consumer, "require-cmr-mesh:6"), 0);
	ck_assert_int_eq(calls("relation-set"), 2);
}
END_TEST

/* Run consumer_provider_data asking for everything. */
static void provider_data(int *related, struct kvlist *labels, int *have, char **mesh_type)
{
	ck_assert_int_eq(consumer_provider_data(cfg.consumer, related, labels, NULL, have, mesh_type), 0);
}

START_TEST(provider_data_labels_and_mesh_type)
{
	struct kvlist labels = KVLIST_INIT;
	int related = -1, have = -2;
	char *mt = NULL;

	relation("service-mesh", "istio-beacon", "0", "labels",
		 "{\"istio.io/dataplane-mode\": \"ambient\", \"a.example/team\": \"x\", \"plain\": \"\"}");
	SIM("set-data", "0", "--remote-app", "mesh_type=\"istio\"");
	provider_data(&related, &labels, &have, &mt);
	ck_assert_int_eq(related, 1);
	ck_assert_int_eq(have, 1);
	ck_assert_uint_eq(labels.n, 3);
	ck_assert_str_eq(labels.items[0].key, "istio.io/dataplane-mode");
	ck_assert_str_eq(labels.items[0].value, "ambient");
	ck_assert_str_eq(labels.items[1].key, "a.example/team");
	ck_assert_str_eq(labels.items[2].key, "plain");
	ck_assert_str_eq(labels.items[2].value, "");
	ck_assert_ptr_nonnull(mt);
	ck_assert_str_eq(mt, "istio");
	free(mt);
	kvlist_release(&labels);
}
END_TEST

START_TEST(provider_data_invalid_labels_json)
{
	struct kvlist labels = KVLIST_INIT;
	int related = -1, have = -2;

	relation("service-mesh", "istio-beacon", "0", "labels", "{\"istio.io/dataplane-mode\": ");
	provider_data(&related, &labels, &have, NULL);
	ck_assert_int_eq(related, 1);
	ck_assert_int_eq(have, -1);
	ck_assert_uint_eq(labels.n, 0);
	kvlist_release(&labels);
}
END_TEST

START_TEST(provider_data_labels_not_an_object)
{
	struct kvlist labels = KVLIST_INIT;
	int have = -2;

	relation("service-mesh", "istio-beacon", "0", "labels", "[\"a\", \"b\"]");
	provider_data(NULL, &labels, &have, NULL);
	ck_assert_int_eq(have, -1);
	ck_assert_uint_eq(labels.n, 0);
	kvlist_release(&labels);
}
END_TEST

START_TEST(provider_data_bad_label_skipped)
{
	struct kvlist labels = KVLIST_INIT;
	int have = -2;

	relation("service-mesh", "istio-beacon", "0", "labels",
		 "{\"bad key!\": \"1\", \"good\": \"yes\", \"v\": \"not a valid value\", \"n\": 5, "
		 "\"-leading\": \"x\", \"ok.example.com/k\": \"v_1.2-3\"}");
	provider_data(NULL, &labels, &have, NULL);
	ck_assert_int_eq(have, 1);
	ck_assert_uint_eq(labels.n, 2);
	ck_assert_str_eq(labels.items[0].key, "good");
	ck_assert_str_eq(labels.items[0].value, "yes");
	ck_assert_str_eq(labels.items[1].key, "ok.example.com/k");
	ck_assert_str_eq(labels.items[1].value, "v_1.2-3");
	kvlist_release(&labels);
}
END_TEST

START_TEST(provider_data_nothing_sent)
{
	struct kvlist labels = KVLIST_INIT;
	int related = -1, have = -2;
	char *mt = (char *)"sentinel";

	relation("service-mesh", "istio-beacon", "0", NULL, NULL);
	provider_data(&related, &labels, &have, &mt);
	ck_assert_int_eq(related, 1);
	ck_assert_int_eq(have, 0);
	ck_assert_uint_eq(labels.n, 0);
	ck_assert_ptr_null(mt);
}
END_TEST

START_TEST(provider_data_mesh_type_absent_or_bad)
{
	struct kvlist labels = KVLIST_INIT;
	int have = -2;
	char *mt = (char *)"sentinel";

	/* an older provider: labels only */
	relation("service-mesh", "istio-beacon", "0", "labels", "{\"a\": \"b\"}");
	provider_data(NULL, &labels, &have, &mt);
	ck_assert_int_eq(have, 1);
	ck_assert_ptr_null(mt);
	kvlist_release(&labels);

	/* mesh_type that is not a JSON string: unknown, which is not none */
	SIM("set-data", "0", "--remote-app", "mesh_type=istio");
	juju_reset();
	mt = (char *)"sentinel";
	ck_assert_int_eq(consumer_provider_data(cfg.consumer, NULL, NULL, NULL, NULL, &mt), 1);
	ck_assert_ptr_null(mt);
}
END_TEST

START_TEST(provider_data_no_relation)
{
	struct kvlist labels = KVLIST_INIT;
	int related = -1, have = -2;
	char *mt = (char *)"sentinel";

	provider_data(&related, &labels, &have, &mt);
	ck_assert_int_eq(related, 0);
	ck_assert_int_eq(have, 0);
	ck_assert_ptr_null(mt);
	ck_assert_int_eq(calls(NULL), 1);
}
END_TEST

START_TEST(provider_data_related_only_reads_no_databag)
{
	int related = -1;

	relation("service-mesh", "istio-beacon", "0", "labels", "{\"a\": \"b\"}");
	provider_data(&related, NULL, NULL, NULL);
	ck_assert_int_eq(related, 1);
	ck_assert_int_eq(calls("relation-get"), 0);
	ck_assert_int_eq(calls("relation-list"), 0);
	ck_assert_int_eq(calls(NULL), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("consumer");
	TCase *tc = tcase_create("consumer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, compute_nothing_related);
	tcase_add_test(tc, compute_in_model_and_cross_model);
	tcase_add_test(tc, compute_bad_cmr_json_skipped);
	tcase_add_test(tc, compute_needs_unit_and_model);
	tcase_add_test(tc, compute_tool_failure);
	tcase_add_test(tc, publish_writes_once);
	tcase_add_test(tc, publish_to_every_mesh_relation);
	tcase_add_test(tc, publish_without_mesh_relation_writes_nothing);
	tcase_add_test(tc, send_cmr_data_to_changed_relations);
	tcase_add_test(tc, provider_data_labels_and_mesh_type);
	tcase_add_test(tc, provider_data_invalid_labels_json);
	tcase_add_test(tc, provider_data_labels_not_an_object);
	tcase_add_test(tc, provider_data_bad_label_skipped);
	tcase_add_test(tc, provider_data_nothing_sent);
	tcase_add_test(tc, provider_data_mesh_type_absent_or_bad);
	tcase_add_test(tc, provider_data_no_relation);
	tcase_add_test(tc, provider_data_related_only_reads_no_databag);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
