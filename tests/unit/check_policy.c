/* check_policy.c - unit tests for policy.c: the Python library's eight
 * relation-data cases (test_relation_data_policies in
 * charmlibs.interfaces.service_mesh), reading untrusted policies, and
 * cmr_data. Expected texts are what Python's json.dumps writes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "formats/config.h"
#include "protocol/policy.h"
#include "base/strbuf.h"

/* The Python test's model: four relations, two of them cross-model. */
static const char *const rela[] = { "remote_a" };
static const char *const relb[] = { "masked_name_b" };
static const char *const relc[] = { "remote_c" };
static const char *const reld[] = { "masked_name_d" };
static const struct endpoint_apps relations[] = {
	{ "rela", rela, 1 }, { "relb", relb, 1 }, { "relc", relc, 1 }, { "reld", reld, 1 },
};
static const struct cmr_entry cmr[] = {
	{ "masked_name_b", "remote_b", "remote_model" },
	{ "masked_name_d", "remote_d", "remote_model" },
};

struct build_case {
	const char *name;
	const char *yaml;
	const char *expected;
};

static const struct build_case cases[] = {
	{ "complex",
	  "consumer:\n  policies:\n    - relation: rela\n      endpoints:\n        - {hosts: [localhost], ports: [443, 9000], methods: [GET, POST], paths: [/metrics, /data]}\n        - {hosts: [example.com], ports: [3000], methods: [DELETE], paths: [/foobar]}\n",
	  "[{\"source_namespace\": \"my_model\", \"source_app_name\": \"remote_a\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": [\"localhost\"], \"ports\": [443, 9000], \"methods\": [\"GET\", \"POST\"], \"paths\": [\"/metrics\", \"/data\"]}, {\"hosts\": [\"example.com\"], \"ports\": [3000], \"methods\": [\"DELETE\"], \"paths\": [\"/foobar\"]}]}]" },
	{ "multiple",
	  "consumer:\n  policies:\n    - {relation: rela, endpoints: [{hosts: [], ports: [80], methods: [], paths: []}]}\n    - {relation: relc, endpoints: [{hosts: [], ports: [80], methods: [], paths: []}]}\n",
	  "[{\"source_namespace\": \"my_model\", \"source_app_name\": \"remote_a\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": [], \"ports\": [80], \"methods\": [], \"paths\": []}]}, {\"source_namespace\": \"my_model\", \"source_app_name\": \"remote_c\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": [], \"ports\": [80], \"methods\": [], \"paths\": []}]}]" },
	{ "requirer",
	  "consumer:\n  policies:\n    - {relation: rela, endpoints: [{hosts: [], ports: [80], methods: [], paths: []}]}\n",
	  "[{\"source_namespace\": \"my_model\", \"source_app_name\": \"remote_a\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": [], \"ports\": [80], \"methods\": [], \"paths\": []}]}]" },
	{ "requirer_cmr",
	  "consumer:\n  policies:\n    - {relation: relb, endpoints: [{hosts: [], ports: [80], methods: [], paths: []}]}\n",
	  "[{\"source_namespace\": \"remote_model\", \"source_app_name\": \"remote_b\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": [], \"ports\": [80], \"methods\": [], \"paths\": []}]}]" },
	{ "provider",
	  "consumer:\n  policies:\n    - {relation: relc, endpoints: [{hosts: [], ports: [80], methods: [], paths: []}]}\n",
	  "[{\"source_namespace\": \"my_model\", \"source_app_name\": \"remote_c\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": [], \"ports\": [80], \"methods\": [], \"paths\": []}]}]" },
	{ "provider_cmr",
	  "consumer:\n  policies:\n    - {relation: reld, endpoints: [{hosts: [], ports: [80], methods: [], paths: []}]}\n",
	  "[{\"source_namespace\": \"remote_model\", \"source_app_name\": \"remote_d\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": [], \"ports\": [80], \"methods\": [], \"paths\": []}]}]" },
	{ "deprecated",
	  "consumer:\n  policies:\n    - {relation: rela, type: policy, endpoints: [{hosts: [], ports: [80], methods: [], paths: []}]}\n",
	  "[{\"source_namespace\": \"my_model\", \"source_app_name\": \"remote_a\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": [], \"ports\": [80], \"methods\": [], \"paths\": []}]}]" },
	{ "unit",
	  "consumer:\n  policies:\n    - {relation: rela, type: unit, ports: [8080]}\n",
	  "[{\"source_namespace\": \"my_model\", \"source_app_name\": \"remote_a\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"unit\", \"endpoints\": [{\"hosts\": null, \"ports\": [8080], \"methods\": null, \"paths\": null}]}]" },
};

static char *build(const char *yaml, const struct endpoint_apps *rel, size_t nrel)
{
	struct mesh_config cfg;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct policy_list pl = POLICY_LIST_INIT;

	ck_assert_msg(config_parse("service-mesh.yaml", yaml, strlen(yaml), &cfg, &err) == 0, "%s", err.buf);
	policy_build(cfg.consumer, "consumer-charm", "my_model", rel, nrel, cmr, 2, &pl);
	policy_list_emit(&out, &pl);
	policy_list_release(&pl);
	config_release(&cfg);
	strbuf_release(&err);
	return strbuf_detach(&out, NULL);
}

START_TEST(python_relation_data_cases)
{
	const struct build_case *c = &cases[_i];
	char *got = build(c->yaml, relations, 4);

	ck_assert_msg(!strcmp(got, c->expected), "case %s:\n got: %s\nwant: %s", c->name, got, c->expected);
	free(got);
}
END_TEST

START_TEST(order_follows_policies_then_relations)
{
	static const char *const two[] = { "b-app", "a-app" };
	static const struct endpoint_apps rel[] = { { "db", two, 2 }, { "web", rela, 1 } };
	char *got = build("consumer:\n  policies:\n    - {relation: web, type: unit}\n"
			  "    - {relation: db, service: svc, endpoints: []}\n", rel, 2);

	ck_assert_str_eq(got,
		"[{\"source_namespace\": \"my_model\", \"source_app_name\": \"remote_a\", \"target_namespace\": \"my_model\", "
		"\"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, "
		"\"target_type\": \"unit\", \"endpoints\": []}, "
		"{\"source_namespace\": \"my_model\", \"source_app_name\": \"b-app\", \"target_namespace\": \"my_model\", "
		"\"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": \"svc\", "
		"\"target_type\": \"app\", \"endpoints\": []}, "
		"{\"source_namespace\": \"my_model\", \"source_app_name\": \"a-app\", \"target_namespace\": \"my_model\", "
		"\"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": \"svc\", "
		"\"target_type\": \"app\", \"endpoints\": []}]");
	free(got);
}
END_TEST

START_TEST(no_relations_gives_empty_list)
{
	char *got = build("consumer:\n  policies:\n    - {relation: nothing, endpoints: []}\n", relations, 4);
	ck_assert_str_eq(got, "[]");
	free(got);
}
END_TEST

START_TEST(null_and_empty_lists_kept_apart)
{
	char *got = build("consumer:\n  policies:\n    - {relation: rela, endpoints: [{ports: [1]}, {hosts: [], paths: [/x]}]}\n",
			  relations, 4);
	ck_assert_ptr_nonnull(strstr(got, "[{\"hosts\": null, \"ports\": [1], \"methods\": null, \"paths\": null}, "
					  "{\"hosts\": [], \"ports\": null, \"methods\": null, \"paths\": [\"/x\"]}]"));
	free(got);
}
END_TEST

/* ---- reading policies from other charms ---- */

static int read_one(const char *text, struct mesh_policy *p, struct strbuf *why)
{
	struct json *v = json_parse(text, strlen(text), why);
	int r;

	ck_assert_msg(v != NULL, "%s", why->buf);
	r = policy_from_json(v, p, why);
	json_free(v);
	return r;
}

START_TEST(round_trip_of_own_output)
{
	const struct build_case *c = &cases[_i];
	struct json *v = json_parse(c->expected, strlen(c->expected), NULL);
	struct policy_list pl = POLICY_LIST_INIT;
	struct strbuf why = STRBUF_INIT, out = STRBUF_INIT;

	ck_assert_ptr_nonnull(v);
	for (size_t i = 0; i < v->u.arr.n; i++) {
		ALLOC_GROW(pl.items, pl.n + 1, pl.alloc);
		ck_assert_msg(policy_from_json(v->u.arr.items[i], &pl.items[pl.n], &why) == 0, "%s", why.buf);
		pl.n++;
	}
	policy_list_emit(&out, &pl);
	ck_assert_str_eq(out.buf, c->expected);
	policy_list_release(&pl);
	json_free(v);
	strbuf_release(&why);
	strbuf_release(&out);
}
END_TEST

struct bad_case {
	const char *json;
	const char *reason;
};

static const struct bad_case bad[] = {
	{ "[]", "policy is a list '[]', not an object" },
	{ "{\"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\"}", "source_namespace is missing" },
	{ "{\"source_namespace\": 1, \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\"}",
	  "source_namespace is an integer '1', not a string" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\"}",
	  "an app policy needs target_app_name or target_service" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	  "\"target_selector_labels\": {\"app\": \"x\"}}", "an app policy cannot have target_selector_labels" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	  "\"target_selector_labels\": {\"app\": \"x\"}, \"target_type\": \"unit\"}",
	  "a unit policy cannot have both target_app_name and target_selector_labels" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_service\": \"s\", "
	  "\"target_type\": \"unit\"}", "a unit policy cannot have target_service" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	  "\"target_type\": \"pod\"}", "target_type must be \"app\" or \"unit\"" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	  "\"endpoints\": [{\"ports\": [0]}]}", "port '0' is out of range 1..65535" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	  "\"endpoints\": [{\"ports\": [70000]}]}", "port '70000' is out of range 1..65535" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	  "\"endpoints\": [{\"ports\": [80.5]}]}", "endpoint ports[0] is a number '80.5', not an integer (a fractional or huge number)" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	  "\"endpoints\": [{\"ports\": [\"8_0_\"]}]}", "endpoint ports[0] is a string '8_0_', not an integer" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	  "\"endpoints\": [{\"methods\": [\"get\"]}]}", "'get' is not an HTTP method" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	  "\"endpoints\": {}}", "endpoints is an object, not a list" },
	{ "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	  "\"endpoints\": [{\"hosts\": \"x\"}]}", "endpoint hosts is a string 'x', not a list" },
	{ "{\"source_namespace\": \"\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\"}",
	  "source_namespace and source_app_name must not be empty" },
};

START_TEST(bad_policies_refused_with_reason)
{
	struct mesh_policy p;
	struct strbuf why = STRBUF_INIT;

	ck_assert_int_eq(read_one(bad[_i].json, &p, &why), -1);
	ck_assert_str_eq(why.buf, bad[_i].reason);
	strbuf_release(&why);
}
END_TEST

/* What pydantic 2.13.4's lax int reads from a port, and what it refuses
 * (NULL), checked against it by hand: MeshPolicy.model_validate() of the
 * same JSON. Ports pydantic reads but Istio cannot take stay refused. */
static const struct { const char *port; const char *want; } lax[] = {
	{ "\"8080\"", "[8080]" }, { "\" 8080 \"", "[8080]" }, { "\"8_080\"", "[8080]" },
	{ "\"08080\"", "[8080]" }, { "\"+8080\"", "[8080]" }, { "\"8080.00\"", "[8080]" },
	{ "\"+8_080.000\"", "[8080]" }, { "\" \\t8080\\r\\n\"", "[8080]" },
	{ "\"\\u00a08080\\u2028\"", "[8080]" }, { "8080.0", "[8080]" }, { "true", "[1]" },
	{ "\"1e3\"", NULL }, { "\"0x10\"", NULL }, { "\"8080.\"", NULL }, { "\"8080.5\"", NULL },
	{ "\"_8080\"", NULL }, { "\"8__080\"", NULL }, { "\"8080_\"", NULL }, { "\"\"", NULL },
	{ "\"- 1\"", NULL }, { "\"\\u001c8080\"", NULL }, { "\"\\u200b8080\"", NULL },
	{ "\"\\uff18\\uff10\\uff18\\uff10\"", NULL }, { "\"8080e0\"", NULL },
	{ "\"0\"", NULL }, { "false", NULL }, { "\"-1\"", NULL }, { "\"99999999999999999999\"", NULL },
};

START_TEST(ports_read_as_pydantic_reads_them)
{
	struct mesh_policy p;
	struct strbuf why = STRBUF_INIT, in = STRBUF_INIT;

	strbuf_addf(&in, "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", "
		    "\"target_app_name\": \"t\", \"endpoints\": [{\"ports\": [%s]}]}", lax[_i].port);
	if (!lax[_i].want) {
		ck_assert_int_eq(read_one(in.buf, &p, &why), -1);
	} else {
		struct strbuf out = STRBUF_INIT;
		ck_assert_int_eq(read_one(in.buf, &p, &why), 0);
		for (size_t k = 0; k < p.endpoints[0].ports.n; k++)
			strbuf_addf(&out, "%s%d", k ? ", " : "[", p.endpoints[0].ports.items[k]);
		strbuf_addch(&out, ']');
		ck_assert_str_eq(out.buf, lax[_i].want);
		strbuf_release(&out);
		mesh_policy_release(&p);
	}
	strbuf_release(&why);
	strbuf_release(&in);
}
END_TEST

START_TEST(unknown_keys_ignored_and_defaults)
{
	struct mesh_policy p;
	struct strbuf why = STRBUF_INIT, out = STRBUF_INIT;
	struct policy_list pl = POLICY_LIST_INIT;

	ck_assert_int_eq(read_one("{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", "
				  "\"target_app_name\": \"t\", \"enforce_source\": true, \"endpoints\": [{\"ports\": [80.0]}]}",
				  &p, &why), 0);
	pl.items = &p;
	pl.n = 1;
	policy_list_emit(&out, &pl);
	ck_assert_str_eq(out.buf, "[{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", "
				  "\"target_app_name\": \"t\", \"target_selector_labels\": null, \"target_service\": null, "
				  "\"target_type\": \"app\", \"endpoints\": [{\"hosts\": null, \"ports\": [80], "
				  "\"methods\": null, \"paths\": null}]}]");
	mesh_policy_release(&p);
	strbuf_release(&why);
	strbuf_release(&out);
}
END_TEST

START_TEST(cmr_data_written_like_python)
{
	struct strbuf sb = STRBUF_INIT;

	cmr_data_emit(&sb, "caf\xc3\xa9", "model-a");
	ck_assert_str_eq(sb.buf, "{\"app_name\": \"caf\\u00e9\", \"juju_model_name\": \"model-a\"}");
	strbuf_release(&sb);
}
END_TEST

START_TEST(cmr_data_parsed_or_refused)
{
	struct strbuf why = STRBUF_INIT;
	char *app, *model;

	ck_assert_int_eq(cmr_data_parse("{\"app_name\": \"remote-b\", \"juju_model_name\": \"remote-model\"}",
					&app, &model, &why), 0);
	ck_assert_str_eq(app, "remote-b");
	ck_assert_str_eq(model, "remote-model");
	free(app);
	free(model);
	/* '_' is in neither Juju application nor model names */
	ck_assert_int_eq(cmr_data_parse("{\"app_name\": \"remote_b\", \"juju_model_name\": \"m\"}",
					&app, &model, &why), -1);
	ck_assert_ptr_null(app);
	strbuf_reset(&why);
	ck_assert_int_eq(cmr_data_parse("not json", &app, &model, &why), -1);
	ck_assert_ptr_null(app);
	strbuf_reset(&why);
	ck_assert_int_eq(cmr_data_parse("[1]", &app, &model, &why), -1);
	ck_assert_str_eq(why.buf, "cmr_data is a list '[1]', not an object");
	strbuf_reset(&why);
	ck_assert_int_eq(cmr_data_parse("{\"app_name\": \"x\"}", &app, &model, &why), -1);
	ck_assert_str_eq(why.buf, "juju_model_name is missing");
	strbuf_reset(&why);
	ck_assert_int_eq(cmr_data_parse("{\"app_name\": \"\", \"juju_model_name\": \"m\"}", &app, &model, &why), -1);
	strbuf_release(&why);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, python_relation_data_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, order_follows_policies_then_relations);
	tcase_add_test(tc, no_relations_gives_empty_list);
	tcase_add_test(tc, null_and_empty_lists_kept_apart);
	tcase_add_loop_test(tc, round_trip_of_own_output, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, bad_policies_refused_with_reason, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_loop_test(tc, ports_read_as_pydantic_reads_them, 0, (int)ARRAY_SIZE(lax));
	tcase_add_test(tc, unknown_keys_ignored_and_defaults);
	tcase_add_test(tc, cmr_data_written_like_python);
	tcase_add_test(tc, cmr_data_parsed_or_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
