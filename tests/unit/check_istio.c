/* check_istio.c - unit tests for istio.c (names, labels, rendering) and
 * yaml_emit_json() (yamltree.c). Expected hashes come from
 * python3 -c 'import hashlib, json; print(hashlib.sha256(json.dumps(P).encode()).hexdigest()[:8])'. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "istio.h"
#include "json.h"
#include "k8sname.h"
#include "policy.h"
#include "strbuf.h"
#include "yamltree.h"

#define POL_A "{\"source_namespace\": \"my_model\", \"source_app_name\": \"remote_a\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": [\"localhost\"], \"ports\": [443, 9000], \"methods\": [\"GET\", \"POST\"], \"paths\": [\"/metrics\", \"/data\"]}]}"
#define POL_U "{\"source_namespace\": \"other-model\", \"source_app_name\": \"client\", \"target_namespace\": \"my_model\", \"target_app_name\": \"db\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"unit\", \"endpoints\": [{\"hosts\": null, \"ports\": [5432], \"methods\": null, \"paths\": null}]}"
#define POL_S "{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": null, \"target_selector_labels\": {\"app\": \"x\"}, \"target_service\": null, \"target_type\": \"unit\", \"endpoints\": []}"

#define LABELS "\"labels\": {\"app.kubernetes.io/instance\": \"istio-system-beacon\", \"kubernetes-resource-handler-scope\": \"istio-authorization-policy\", \"svcmesh-hook/provider\": \"beacon\", \"svcmesh-hook/model\": \"istio-system\"}"

static void load(const char *text, struct mesh_policy *p)
{
	struct strbuf why = STRBUF_INIT;
	struct json *v = json_parse(text, strlen(text), &why);

	ck_assert_msg(v != NULL, "bad test JSON: %s", why.buf);
	ck_assert_msg(policy_from_json(v, p, &why) == 0, "policy refused: %s", why.buf);
	json_free(v);
	strbuf_release(&why);
}

static char *name_of(const char *app, const char *model, const struct mesh_policy *p)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;

	ck_assert_msg(istio_policy_name(&out, app, model, p, &why) == 0, "name refused: %s", why.buf);
	strbuf_release(&why);
	return strbuf_detach(&out, NULL);
}

/* render p for provider beacon in istio-system; the json.dumps text */
static char *render(const char *policy, int expect_ok, struct strbuf *why)
{
	struct mesh_policy p;
	struct json *obj = NULL;
	struct strbuf out = STRBUF_INIT;
	int r;

	load(policy, &p);
	r = istio_render_policy("beacon", "istio-system", &p, &obj, why);
	mesh_policy_release(&p);
	if (!expect_ok) {
		ck_assert_int_eq(r, -1);
		ck_assert_ptr_null(obj);
		return NULL;
	}
	ck_assert_msg(r == 0, "render refused: %s", why->buf);
	json_emit(&out, obj);
	json_free(obj);
	return strbuf_detach(&out, NULL);
}

/* ---- names ---- */

START_TEST(canonical_json_is_the_policy_list_item)
{
	struct mesh_policy p;
	struct strbuf sb = STRBUF_INIT;

	load(POL_A, &p);
	istio_policy_canonical(&sb, &p);
	ck_assert_str_eq(sb.buf, POL_A);
	mesh_policy_release(&p);
	strbuf_release(&sb);
}
END_TEST

START_TEST(name_layout_hash_and_sanitising)
{
	struct mesh_policy a, u, s;
	char *n;

	load(POL_A, &a);
	load(POL_U, &u);
	load(POL_S, &s);
	/* '_' of the model names becomes '-', hash of the canonical JSON */
	n = name_of("istio-beacon-k8s", "istio_system", &a);
	ck_assert_str_eq(n, "istio-beacon-k8s-istio-system-policy-remote-a-my-model-consumer-charm-4ad355a0");
	free(n);
	n = name_of("beacon", "istio-system", &u);
	ck_assert_str_eq(n, "beacon-istio-system-policy-client-other-model-db-ee111654");
	free(n);
	/* no target app or service: custom-selector */
	n = name_of("beacon", "istio-system", &s);
	ck_assert_str_eq(n, "beacon-istio-system-policy-c-m-custom-selector-0bc713aa");
	free(n);
	mesh_policy_release(&a);
	mesh_policy_release(&u);
	mesh_policy_release(&s);
}
END_TEST

START_TEST(name_upper_case_unicode_and_dots)
{
	struct mesh_policy p;
	char *n;
	const char *bad = NULL;

	load("{\"source_namespace\": \"NS.\", \"source_app_name\": \"Caf\xc3\xa9 App\", \"target_namespace\": \"m\", "
	     "\"target_app_name\": null, \"target_service\": \".svc..x\", \"target_type\": \"app\", \"endpoints\": []}", &p);
	n = name_of("beacon", "m", &p);
	ck_assert_msg(k8s_dns_subdomain_valid(n, &bad), "%s: %s", n, bad);
	/* é is one '-', the space another; dots not between alphanumerics become '-' */
	ck_assert_msg(!strncmp(n, "beacon-m-policy-caf--app-ns---svc--x-", 37), "%s", n);
	ck_assert_uint_eq(strlen(n), 37 + 8);
	free(n);
	mesh_policy_release(&p);
}
END_TEST

START_TEST(name_length_limit_and_determinism)
{
	struct strbuf pol = STRBUF_INIT, longname = STRBUF_INIT;
	struct mesh_policy p;
	char *n1, *n2;
	const char *bad = NULL;

	/* three 249-character parts: each within the field limit, together far
	 * beyond the 253 a name may have */
	for (int i = 0; i < 83; i++)
		strbuf_addstr(&longname, "abc");
	strbuf_addf(&pol, "{\"source_namespace\": \"%s\", \"source_app_name\": \"%s\", \"target_namespace\": \"m\", "
		    "\"target_app_name\": \"%s\", \"target_type\": \"app\", \"endpoints\": []}",
		    longname.buf, longname.buf, longname.buf);
	load(pol.buf, &p);
	n1 = name_of(longname.buf, longname.buf, &p);
	n2 = name_of(longname.buf, longname.buf, &p);
	ck_assert_str_eq(n1, n2);
	ck_assert_msg(strlen(n1) <= 253, "%zu", strlen(n1));
	ck_assert_msg(k8s_dns_subdomain_valid(n1, &bad), "%s", bad);
	/* five parts of 30, "-policy-", four '-' and the hash */
	ck_assert_uint_eq(strlen(n1), 5 * 30 + 8 + 4 + 8);
	ck_assert(!strncmp(n1, "abcabcabcabcabcabcabcabcabcabc-abcabcabcabcabcabcabcabcabcabc-policy-", 69));
	free(n1);
	free(n2);
	mesh_policy_release(&p);
	strbuf_release(&pol);
	strbuf_release(&longname);
}
END_TEST

START_TEST(name_short_enough_is_not_cut)
{
	struct strbuf app = STRBUF_INIT;
	struct mesh_policy p;
	char *n;

	for (int i = 0; i < 10; i++)
		strbuf_addstr(&app, "abcd");   /* 40 > 30, but the whole name fits */
	load(POL_U, &p);
	n = name_of(app.buf, "m", &p);
	ck_assert(!strncmp(n, app.buf, 40));
	ck_assert_str_eq(n + 40, "-m-policy-client-other-model-db-ee111654");
	free(n);
	mesh_policy_release(&p);
	strbuf_release(&app);
}
END_TEST

START_TEST(distinct_policies_distinct_names)
{
	static const char *const pols[] = {
		"{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_type\": \"app\", \"endpoints\": [{\"ports\": [80]}]}",
		"{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_type\": \"app\", \"endpoints\": [{\"ports\": [81]}]}",
		"{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_type\": \"app\", \"endpoints\": [{\"ports\": [80], \"methods\": [\"GET\"]}]}",
		"{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_type\": \"unit\", \"endpoints\": [{\"ports\": [80]}]}",
		"{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_type\": \"app\", \"endpoints\": []}",
	};
	char *names[5];

	for (size_t i = 0; i < 5; i++) {
		struct mesh_policy p;
		load(pols[i], &p);
		names[i] = name_of("a", "m", &p);
		mesh_policy_release(&p);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(names[i], names[j]);
	}
	for (size_t i = 0; i < 5; i++)
		free(names[i]);
}
END_TEST

/* ---- labels ---- */

START_TEST(label_values)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT, big = STRBUF_INIT;
	const char *bad = NULL;

	ck_assert_int_eq(istio_label_value(&out, "my_model", &why), 0);
	ck_assert_str_eq(out.buf, "my_model");
	strbuf_reset(&out);
	ck_assert_int_eq(istio_label_value(&out, "-a b\xc3\xa9.", &why), 0);
	ck_assert_str_eq(out.buf, "a-b");
	strbuf_reset(&out);
	for (int i = 0; i < 20; i++)
		strbuf_addstr(&big, "abcd");
	ck_assert_int_eq(istio_label_value(&out, big.buf, &why), 0);
	ck_assert_uint_eq(out.len, 63);
	ck_assert(k8s_label_value_valid(out.buf, &bad));
	strbuf_reset(&out);
	ck_assert_int_eq(istio_label_value(&out, "--", &why), -1);
	ck_assert_ptr_nonnull(strstr(why.buf, "cannot make a label value"));
	strbuf_release(&out);
	strbuf_release(&why);
	strbuf_release(&big);
}
END_TEST

START_TEST(owner_labels_and_selector)
{
	struct strbuf sb = STRBUF_INIT, why = STRBUF_INIT;
	struct json *l;

	ck_assert_int_eq(istio_owner_labels("beacon", "istio-system", &l, &why), 0);
	json_emit(&sb, l);
	ck_assert_str_eq(sb.buf, LABELS + 10);
	json_free(l);
	strbuf_reset(&sb);
	ck_assert_int_eq(istio_owner_selector(&sb, "beacon", "my_model", &why), 0);
	ck_assert_str_eq(sb.buf, "svcmesh-hook/provider=beacon,svcmesh-hook/model=my_model");
	strbuf_release(&sb);
	strbuf_release(&why);
}
END_TEST

/* ---- rendering ---- */

START_TEST(render_app_policy)
{
	struct strbuf why = STRBUF_INIT;
	char *s = render(POL_A, 1, &why);

	ck_assert_str_eq(s,
		"{\"apiVersion\": \"security.istio.io/v1\", \"kind\": \"AuthorizationPolicy\", \"metadata\": "
		"{\"name\": \"beacon-istio-system-policy-remote-a-my-model-consumer-charm-4ad355a0\", "
		"\"namespace\": \"my_model\", " LABELS "}, \"spec\": {\"targetRefs\": [{\"kind\": \"Service\", "
		"\"group\": \"\", \"name\": \"consumer-charm\"}], \"rules\": [{\"from\": [{\"source\": "
		"{\"principals\": [\"cluster.local/ns/my_model/sa/remote_a\"]}}], \"to\": [{\"operation\": "
		"{\"ports\": [\"443\", \"9000\"], \"hosts\": [\"localhost\"], \"methods\": [\"GET\", \"POST\"], "
		"\"paths\": [\"/metrics\", \"/data\"]}}]}]}}");
	free(s);
	strbuf_release(&why);
}
END_TEST

START_TEST(render_unit_policy)
{
	struct strbuf why = STRBUF_INIT;
	char *s = render(POL_U, 1, &why);

	ck_assert_str_eq(s,
		"{\"apiVersion\": \"security.istio.io/v1\", \"kind\": \"AuthorizationPolicy\", \"metadata\": "
		"{\"name\": \"beacon-istio-system-policy-client-other-model-db-ee111654\", "
		"\"namespace\": \"my_model\", " LABELS "}, \"spec\": {\"selector\": {\"matchLabels\": "
		"{\"app.kubernetes.io/name\": \"db\"}}, \"rules\": [{\"from\": [{\"source\": "
		"{\"principals\": [\"cluster.local/ns/other-model/sa/client\"]}}], \"to\": [{\"operation\": "
		"{\"ports\": [\"5432\"]}}]}]}}");
	free(s);
	s = render(POL_S, 1, &why);
	/* selector labels instead of the app name; no endpoints: no "to" */
	ck_assert_ptr_nonnull(strstr(s, "\"spec\": {\"selector\": {\"matchLabels\": {\"app\": \"x\"}}, \"rules\": "
				     "[{\"from\": [{\"source\": {\"principals\": [\"cluster.local/ns/m/sa/c\"]}}]}]}}"));
	free(s);
	strbuf_release(&why);
}
END_TEST

START_TEST(render_service_and_null_fields)
{
	struct strbuf why = STRBUF_INIT;
	char *s = render("{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", "
			 "\"target_app_name\": \"t\", \"target_service\": \"t-lb\", \"target_type\": \"app\", "
			 "\"endpoints\": [{\"hosts\": null, \"ports\": null, \"methods\": null, \"paths\": null}, "
			 "{\"hosts\": null, \"ports\": [], \"methods\": null, \"paths\": [\"/x\"]}]}", 1, &why);

	ck_assert_ptr_nonnull(strstr(s, "\"targetRefs\": [{\"kind\": \"Service\", \"group\": \"\", \"name\": \"t-lb\"}]"));
	ck_assert_ptr_nonnull(strstr(s, "\"to\": [{\"operation\": {}}, {\"operation\": {\"ports\": [], \"paths\": [\"/x\"]}}]"));
	ck_assert_ptr_null(strstr(s, "\"action\""));
	free(s);
	strbuf_release(&why);
}
END_TEST

START_TEST(render_refuses_l7_unit_policy)
{
	static const char *const l7[] = {
		"{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_type\": \"unit\", \"endpoints\": [{\"ports\": [80], \"methods\": [\"GET\"]}]}",
		"{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_type\": \"unit\", \"endpoints\": [{\"ports\": [80]}, {\"paths\": [\"/a\"]}]}",
		"{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_type\": \"unit\", \"endpoints\": [{\"hosts\": [\"h\"]}]}",
	};
	struct strbuf why = STRBUF_INIT;
	char *s;

	for (size_t i = 0; i < 3; i++) {
		strbuf_reset(&why);
		render(l7[i], 0, &why);
		ck_assert_msg(strstr(why.buf, "cannot carry hosts, methods or paths") != NULL, "%s", why.buf);
	}
	/* empty lists carry nothing: rendered, ports only */
	s = render("{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", \"target_type\": \"unit\", \"endpoints\": [{\"hosts\": [], \"ports\": [80], \"methods\": [], \"paths\": []}]}", 1, &why);
	ck_assert_ptr_nonnull(strstr(s, "\"to\": [{\"operation\": {\"ports\": [\"80\"]}}]"));
	free(s);
	/* a unit policy that would select the whole namespace */
	strbuf_reset(&why);
	render("{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_type\": \"unit\", \"endpoints\": []}", 0, &why);
	ck_assert_ptr_nonnull(strstr(why.buf, "needs target_app_name or target_selector_labels"));
	strbuf_release(&why);
}
END_TEST

START_TEST(list_wraps_items)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *l = istio_list(json_array());

	json_emit(&sb, l);
	ck_assert_str_eq(sb.buf, "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": []}");
	json_free(l);
	strbuf_release(&sb);
}
END_TEST

/* ---- YAML emitting ---- */

static struct json *parse(const char *text)
{
	struct json *v = json_parse(text, strlen(text), NULL);
	ck_assert_ptr_nonnull(v);
	return v;
}

START_TEST(yaml_block_style_exact)
{
	struct json *v = parse("{\"kind\": \"X\", \"spec\": {\"ports\": [\"8080\", \"9090\"], \"group\": \"\", "
			       "\"e\": [], \"o\": {}, \"nul\": null, \"n\": 0, \"t\": true, \"i\": 42, \"list\": [{\"a\": 1, \"b\": [\"x\"]}]}}");
	struct strbuf out = STRBUF_INIT;

	ck_assert_int_eq(yaml_emit_json(&out, v), 0);
	ck_assert_str_eq(out.buf,
		"kind: X\n"
		"spec:\n"
		"  ports:\n"
		"  - '8080'\n"
		"  - '9090'\n"
		"  group: ''\n"
		"  e: []\n"
		"  o: {}\n"
		"  nul: null\n"
		"  'n': 0\n"
		"  t: true\n"
		"  i: 42\n"
		"  list:\n"
		"  - a: 1\n"
		"    b:\n"
		"    - x\n");
	json_free(v);
	strbuf_release(&out);
}
END_TEST

/* Strings that a YAML loader would turn into something else are quoted,
 * and every string loads back as the same text. */
START_TEST(yaml_strings_load_back_as_strings)
{
	static const char *const strs[] = {
		"8080", "true", "True", "yes", "NO", "on", "off", "y", "n", "null", "~", "", "1.5", "1e3",
		"0x1F", "0o17", ".inf", "-.inf", ".nan", "2001-12-14", "a: b", "# c", "- x", "x #y",
		"'q'", "\"dq\"", "line\nbreak", "tab\there", "caf\xc3\xa9", "\xf0\x9d\x84\x9e", " lead",
		"trail ", "[a]", "{b}", "*alias", "&anchor", "!tag", "%dir", "@at", "`bt", "|", ">",
		"cluster.local/ns/m/sa/app", "app.kubernetes.io/name", "--", "---", "...", "?", ":",
	};
	struct json *o = json_object(), *a = json_array();
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct ynode *root = NULL;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		json_append(a, json_string(strs[i]));
	json_set(o, "v", a);
	json_set(o, "8080", json_string("key that looks like a number"));
	ck_assert_int_eq(yaml_emit_json(&out, o), 0);
	ck_assert_msg(yaml_load_buffer("emitted", out.buf, out.len, &root, &err) == 0, "%s\n%s", err.buf, out.buf);
	ck_assert_int_eq(root->type, Y_MAP);
	ck_assert_uint_eq(root->n, 2);
	ck_assert_str_eq(root->pairs[1].key->value, "8080");
	ck_assert(!ynode_is_nonstring(root->pairs[1].key));
	ck_assert_uint_eq(root->pairs[0].value->n, sizeof(strs) / sizeof(strs[0]));
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const struct ynode *n = root->pairs[0].value->items[i];
		ck_assert_int_eq(n->type, Y_SCALAR);
		ck_assert_str_eq(n->value, strs[i]);
		ck_assert_msg(!ynode_is_nonstring(n), "'%s' would not load as a string", strs[i]);
		/* PyYAML's 1.1 words and numbers must not be plain either */
		if (n->plain)
			ck_assert_msg(strspn(strs[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-") == strlen(strs[i]) &&
				      strlen(strs[i]) > 1, "'%s' was written plain", strs[i]);
	}
	ynode_free(root);
	json_free(o);
	strbuf_release(&out);
	strbuf_release(&err);
}
END_TEST

START_TEST(yaml_numbers_and_top_level_list)
{
	struct json *v = parse("[1, -2, 1.5, null, false, [], {}]");
	struct strbuf out = STRBUF_INIT;

	ck_assert_int_eq(yaml_emit_json(&out, v), 0);
	ck_assert_str_eq(out.buf, "- 1\n- -2\n- 1.5\n- null\n- false\n- []\n- {}\n");
	json_free(v);
	strbuf_release(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("istio");
	TCase *names = tcase_create("names");
	TCase *rend = tcase_create("render");
	TCase *yaml = tcase_create("yaml");
	SRunner *sr;
	int failed;

	tcase_add_test(names, canonical_json_is_the_policy_list_item);
	tcase_add_test(names, name_layout_hash_and_sanitising);
	tcase_add_test(names, name_upper_case_unicode_and_dots);
	tcase_add_test(names, name_length_limit_and_determinism);
	tcase_add_test(names, name_short_enough_is_not_cut);
	tcase_add_test(names, distinct_policies_distinct_names);
	tcase_add_test(names, label_values);
	tcase_add_test(names, owner_labels_and_selector);
	tcase_add_test(rend, render_app_policy);
	tcase_add_test(rend, render_unit_policy);
	tcase_add_test(rend, render_service_and_null_fields);
	tcase_add_test(rend, render_refuses_l7_unit_policy);
	tcase_add_test(rend, list_wraps_items);
	tcase_add_test(yaml, yaml_block_style_exact);
	tcase_add_test(yaml, yaml_strings_load_back_as_strings);
	tcase_add_test(yaml, yaml_numbers_and_top_level_list);
	suite_add_tcase(s, names);
	suite_add_tcase(s, rend);
	suite_add_tcase(s, yaml);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
