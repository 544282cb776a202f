/* check_istio.c - unit tests for istio.c (names, labels, rendering,
 * Istio's validation) and yaml_emit_json() (yamltree.c).
 *
 * Expected names and str(MeshPolicy) texts were computed with pydantic
 * 2.13 on Python 3.11 from models with the Python library's MeshPolicy and
 * Endpoint fields (str(p), then hashlib.sha256(str(p).encode()).hexdigest()[:8],
 * as canonical_service_mesh/utils/istio/_policy_builder.py hashes them).
 * charm_kubernetes_label values were worked out by hand from
 * canonical_service_mesh/utils/_labels.py (see each test). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/istio.h"
#include "formats/json.h"
#include "base/k8sname.h"
#include "protocol/policy.h"
#include "base/strbuf.h"
#include "formats/yamltree.h"

#define POL_A "{\"source_namespace\": \"my_model\", \"source_app_name\": \"remote_a\", \"target_namespace\": \"my_model\", \"target_app_name\": \"consumer-charm\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"app\", \"endpoints\": [{\"hosts\": [\"localhost\"], \"ports\": [443, 9000], \"methods\": [\"GET\", \"POST\"], \"paths\": [\"/metrics\", \"/data\"]}]}"
#define POL_U "{\"source_namespace\": \"other-model\", \"source_app_name\": \"client\", \"target_namespace\": \"my_model\", \"target_app_name\": \"db\", \"target_selector_labels\": null, \"target_service\": null, \"target_type\": \"unit\", \"endpoints\": [{\"hosts\": null, \"ports\": [5432], \"methods\": null, \"paths\": null}]}"
#define POL_S "{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": null, \"target_selector_labels\": {\"app\": \"x\"}, \"target_service\": null, \"target_type\": \"unit\", \"endpoints\": []}"

#define LABELS "\"labels\": {\"app.kubernetes.io/instance\": \"istio-system-beacon\", \"kubernetes-resource-handler-scope\": \"istio-authorization-policy\"}"

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

START_TEST(pyrepr_is_pydantic_str)
{
	struct mesh_policy p;
	struct strbuf sb = STRBUF_INIT;

	load(POL_A, &p);
	istio_policy_pyrepr(&sb, &p);
	ck_assert_str_eq(sb.buf, "source_namespace='my_model' source_app_name='remote_a' target_namespace='my_model' "
			 "target_app_name='consumer-charm' target_selector_labels=None target_service=None "
			 "target_type=<PolicyTargetType.app: 'app'> endpoints=[Endpoint(hosts=['localhost'], "
			 "ports=[443, 9000], methods=[<Method.get: 'GET'>, <Method.post: 'POST'>], "
			 "paths=['/metrics', '/data'])]");
	mesh_policy_release(&p);
	strbuf_reset(&sb);
	load(POL_S, &p);
	istio_policy_pyrepr(&sb, &p);
	ck_assert_str_eq(sb.buf, "source_namespace='m' source_app_name='c' target_namespace='m' target_app_name=None "
			 "target_selector_labels={'app': 'x'} target_service=None "
			 "target_type=<PolicyTargetType.unit: 'unit'> endpoints=[]");
	mesh_policy_release(&p);
	strbuf_reset(&sb);
	/* repr() quoting and escapes */
	load("{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", \"target_app_name\": \"t\", "
	     "\"endpoints\": [{\"hosts\": [\"it's\", \"a\\\"b\", \"both'\\\"\", \"tab\\tnl\\n\\\\\", \"nb\\u00a0sp\", \"\\u2028\", "
	     "\"\\ud834\\udd1e\", \"\\u007f\\u0001\"]}]}", &p);
	istio_policy_pyrepr(&sb, &p);
	ck_assert_str_eq(sb.buf, "source_namespace='m' source_app_name='c' target_namespace='m' target_app_name='t' "
			 "target_selector_labels=None target_service=None target_type=<PolicyTargetType.app: 'app'> "
			 "endpoints=[Endpoint(hosts=[\"it's\", 'a\"b', 'both\\'\"', 'tab\\tnl\\n\\\\', 'nb\\xa0sp', "
			 "'\\u2028', '\xf0\x9d\x84\x9e', '\\x7f\\x01'], ports=None, methods=None, paths=None)]");
	{
		char *n = name_of("beacon", "m", &p);
		ck_assert_str_eq(n, "beacon-m-policy-c-m-t-b430247a");
		free(n);
	}
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
	/* the beacon's name and hash; '_' (never in Juju names) becomes '-' */
	n = name_of("istio-beacon-k8s", "istio_system", &a);
	ck_assert_str_eq(n, "istio-beacon-k8s-istio-system-policy-remote-a-my-model-consumer-charm-b92d1cd1");
	free(n);
	n = name_of("beacon", "istio-system", &u);
	ck_assert_str_eq(n, "beacon-istio-system-policy-client-other-model-db-0ec6a1c0");
	free(n);
	/* no target app or service: custom-selector */
	n = name_of("beacon", "istio-system", &s);
	ck_assert_str_eq(n, "beacon-istio-system-policy-c-m-custom-selector-cf5b8472");
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
	ck_assert_str_eq(n, "beacon-m-policy-caf--app-ns---svc--x-3f40e8fa");
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
	/* the beacon's cut (source and target parts to 30) leaves 608
	 * characters: then app and model are cut to 30 too */
	ck_assert_uint_eq(strlen(n1), 5 * 30 + 8 + 4 + 8);
	ck_assert_str_eq(n1 + strlen(n1) - 9, "-bd875b42");
	ck_assert(!strncmp(n1, "abcabcabcabcabcabcabcabcabcabc-abcabcabcabcabcabcabcabcabcabc-policy-", 69));
	free(n1);
	free(n2);
	mesh_policy_release(&p);
	strbuf_release(&pol);
	strbuf_release(&longname);
}
END_TEST

START_TEST(name_beacon_cut_of_long_parts)
{
	struct strbuf pol = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT, t = STRBUF_INIT;
	struct mesh_policy p;
	char *n;

	for (int i = 0; i < 100; i++) {
		strbuf_addch(&a, 'a');
		strbuf_addch(&b, 'b');
		strbuf_addch(&t, 't');
	}
	strbuf_addf(&pol, "{\"source_namespace\": \"%s\", \"source_app_name\": \"%s\", \"target_namespace\": \"m\", "
		    "\"target_app_name\": \"%s\", \"endpoints\": []}", b.buf, a.buf, t.buf);
	load(pol.buf, &p);
	n = name_of("beacon", "m", &p);
	/* 309 > 253: source and target parts cut to 30, app and model kept */
	ck_assert_str_eq(n, "beacon-m-policy-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-"
			 "tttttttttttttttttttttttttttttt-50649f32");
	free(n);
	mesh_policy_release(&p);
	strbuf_release(&pol);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&t);
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
	ck_assert_str_eq(n + 40, "-m-policy-client-other-model-db-0ec6a1c0");
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
	struct json *l, *obj;

	ck_assert_int_eq(istio_owner_labels("beacon", "istio-system", &l, &why), 0);
	json_emit(&sb, l);
	ck_assert_str_eq(sb.buf, LABELS + 10);
	json_free(l);
	strbuf_reset(&sb);
	istio_owner_selector(&sb);
	ck_assert_str_eq(sb.buf, "kubernetes-resource-handler-scope=istio-authorization-policy");
	strbuf_release(&sb);
	/* ours: the beacon's instance label, or the labels older versions wrote */
	obj = json_parse_str("{\"metadata\": {\"labels\": {\"app.kubernetes.io/instance\": \"istio-system-beacon\", "
			     "\"kubernetes-resource-handler-scope\": \"istio-authorization-policy\"}}}", &why);
	ck_assert(istio_is_owned(obj, "beacon", "istio-system"));
	ck_assert(!istio_is_owned(obj, "beacon2", "istio-system"));
	ck_assert(!istio_is_owned(obj, "beacon", "istio"));
	json_free(obj);
	obj = json_parse_str("{\"metadata\": {\"labels\": {\"app.kubernetes.io/instance\": \"old-truncated\", "
			     "\"kubernetes-resource-handler-scope\": \"istio-authorization-policy\", "
			     "\"svcmesh-hook/provider\": \"beacon\", \"svcmesh-hook/model\": \"my_model\"}}}", &why);
	ck_assert(istio_is_owned(obj, "beacon", "my_model"));
	ck_assert(!istio_is_owned(obj, "beacon", "other"));
	json_free(obj);
	/* another scope of the same app (the beacon's modeloperator policy) is not ours */
	obj = json_parse_str("{\"metadata\": {\"labels\": {\"app.kubernetes.io/instance\": \"istio-system-beacon\", "
			     "\"kubernetes-resource-handler-scope\": \"modeloperator-authorization-policy\"}}}", &why);
	ck_assert(!istio_is_owned(obj, "beacon", "istio-system"));
	json_free(obj);
	strbuf_release(&why);
}
END_TEST

START_TEST(label_placeholders)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;

	ck_assert_int_eq(istio_expand_label(&out, "{model}-{app}/{unit}:{waypoint}", "istio-system", "beacon",
					    "beacon/3", &why), 0);
	ck_assert_str_eq(out.buf, "istio-system-beacon/beacon-3:istio-system-beacon-waypoint");
	strbuf_reset(&out);
	ck_assert_int_eq(istio_expand_label(&out, "plain", "m", "a", "a/0", &why), 0);
	ck_assert_str_eq(out.buf, "plain");
	ck_assert(!istio_label_has_placeholder("plain"));
	ck_assert(istio_label_has_placeholder("x{app}"));
	/* the waypoint form is cut as the beacon cuts it */
	strbuf_reset(&out);
	ck_assert_int_eq(istio_expand_label(&out, "{waypoint}", "a-long-model-name-for-the-waypoint",
					    "istio-beacon-k8s-app", "u/0", &why), 0);
	ck_assert_str_eq(out.buf, "a-long-model-name-for-the-wa-istio-beacon-k8s-a-a6b883-waypoint");
	/* unknown or unbalanced placeholders; nothing is appended */
	strbuf_reset(&out);
	ck_assert_int_eq(istio_expand_label(&out, "x{Model}", "m", "a", "a/0", &why), -1);
	ck_assert_str_eq(why.buf, "unknown placeholder '{Model}' (known: {model}, {app}, {unit}, {waypoint})");
	ck_assert_str_eq(out.buf, "");
	strbuf_reset(&why);
	ck_assert_int_eq(istio_expand_label(&out, "{app", "m", "a", "a/0", &why), -1);
	ck_assert_str_eq(why.buf, "unknown placeholder '{' (known: {model}, {app}, {unit}, {waypoint})");
	strbuf_reset(&why);
	ck_assert_int_eq(istio_expand_label(&out, "a}", "m", "a", "a/0", &why), -1);
	strbuf_release(&out);
	strbuf_release(&why);
}
END_TEST

/* charm_kubernetes_label, by hand from utils/_labels.py */
static void check_label(const char *model, const char *app, const char *suffix, const char *sep,
			const char *want)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;

	ck_assert_msg(istio_charm_label(&out, model, app, "", suffix, 63, sep, &why) == 0, "%s", why.buf);
	ck_assert_str_eq(out.buf, want);
	ck_assert_uint_le(out.len, 63);
	strbuf_release(&out);
	strbuf_release(&why);
}

START_TEST(charm_kubernetes_label_port)
{
	struct strbuf m = STRBUF_INIT, a = STRBUF_INIT, out = STRBUF_INIT, why = STRBUF_INIT;

	/* short: "{model}{sep}{app}{suffix}" */
	check_label("istio-system", "beacon", "", "-", "istio-system-beacon");
	check_label("istio-system", "beacon", "", ".", "istio-system.beacon");
	/* the waypoint name: suffix "-waypoint", separator "-" */
	check_label("istio-system", "beacon", "-waypoint", "-", "istio-system-beacon-waypoint");
	/* exactly 63 characters: kept whole */
	for (int i = 0; i < 31; i++) {
		strbuf_addch(&m, 'm');
		strbuf_addch(&a, 'a');
	}
	check_label(m.buf, a.buf, "", "-", "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	/* 64: cut. fixed = 6 (hash) + 2 = 8, available 55, model gets
	 * int(55 * 32 / 63) = 27, app 55 - 27 = 28; sha1("m"*32 + "-" + "a"*31) */
	strbuf_addch(&m, 'm');
	strbuf_reset(&out);
	ck_assert_int_eq(istio_charm_label(&out, m.buf, a.buf, "", "", 63, "-", &why), 0);
	ck_assert_uint_eq(out.len, 63);
	ck_assert_str_eq(out.buf, "mmmmmmmmmmmmmmmmmmmmmmmmmmm-aaaaaaaaaaaaaaaaaaaaaaaaaaaa-6014d8");
	/* long: model "model-" + 30 x (36), app "application-" + 30 y (42):
	 * model int(55 * 36 / 78) = 25, app 30, sha1 c282e240f1... */
	check_label("model-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "application-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", "", "-",
		    "model-xxxxxxxxxxxxxxxxxxx-application-yyyyyyyyyyyyyyyyyy-c282e2");
	/* a 1-character model keeps at least 1 character: int(55 * 1 / 71) = 0 -> 1, app 54 */
	strbuf_reset(&a);
	for (int i = 0; i < 70; i++)
		strbuf_addch(&a, 'a');
	check_label("m", a.buf, "", "-", "m-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-41ec29");
	/* the waypoint form, cut: fixed 6 + 2 + 9 = 17, available 46 */
	check_label("a-long-model-name-for-the-waypoint", "istio-beacon-k8s-app", "-waypoint", "-",
		    "a-long-model-name-for-the-wa-istio-beacon-k8s-a-a6b883-waypoint");
	/* the Python function raises for empty names */
	strbuf_reset(&why);
	ck_assert_int_eq(istio_charm_label(&out, "", "app", "", "", 63, "-", &why), -1);
	ck_assert_ptr_nonnull(strstr(why.buf, "at least 1 character"));
	strbuf_release(&m);
	strbuf_release(&a);
	strbuf_release(&out);
	strbuf_release(&why);
}
END_TEST

/* ---- rendering ---- */

START_TEST(render_app_policy)
{
	struct strbuf why = STRBUF_INIT;
	char *s = render(POL_A, 1, &why);

	/* the beacon's shape: targetRefs group/kind/name; operation hosts,
	 * ports, methods, paths (ports always, [] when none) */
	ck_assert_str_eq(s,
		"{\"apiVersion\": \"security.istio.io/v1\", \"kind\": \"AuthorizationPolicy\", \"metadata\": "
		"{\"name\": \"beacon-istio-system-policy-remote-a-my-model-consumer-charm-b92d1cd1\", "
		"\"namespace\": \"my_model\", " LABELS "}, \"spec\": {\"targetRefs\": [{\"group\": \"\", "
		"\"kind\": \"Service\", \"name\": \"consumer-charm\"}], \"rules\": [{\"from\": [{\"source\": "
		"{\"principals\": [\"cluster.local/ns/my_model/sa/remote_a\"]}}], \"to\": [{\"operation\": "
		"{\"hosts\": [\"localhost\"], \"ports\": [\"443\", \"9000\"], \"methods\": [\"GET\", \"POST\"], "
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
		"{\"name\": \"beacon-istio-system-policy-client-other-model-db-0ec6a1c0\", "
		"\"namespace\": \"my_model\", " LABELS "}, \"spec\": {\"selector\": {\"matchLabels\": "
		"{\"app.kubernetes.io/name\": \"db\"}}, \"rules\": [{\"from\": [{\"source\": "
		"{\"principals\": [\"cluster.local/ns/other-model/sa/client\"]}}], \"to\": [{\"operation\": "
		"{\"ports\": [\"5432\"]}}]}]}}");
	free(s);
	s = render(POL_S, 1, &why);
	/* selector labels instead of the app name; no endpoints: "to": [] as the beacon writes */
	ck_assert_ptr_nonnull(strstr(s, "\"spec\": {\"selector\": {\"matchLabels\": {\"app\": \"x\"}}, \"rules\": "
				     "[{\"from\": [{\"source\": {\"principals\": [\"cluster.local/ns/m/sa/c\"]}}], \"to\": []}]}}"));
	free(s);
	strbuf_release(&why);
}
END_TEST

START_TEST(render_service_and_null_fields)
{
	struct strbuf why = STRBUF_INIT;
	char *s = render("{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", "
			 "\"target_app_name\": \"t\", \"target_service\": \"t-lb\", \"target_type\": \"app\", "
			 "\"endpoints\": [{\"hosts\": null, \"ports\": [], \"methods\": null, \"paths\": [\"/x\"]}, "
			 "{\"hosts\": [], \"ports\": [80], \"methods\": [], \"paths\": null}]}", 1, &why);

	ck_assert_ptr_nonnull(strstr(s, "\"targetRefs\": [{\"group\": \"\", \"kind\": \"Service\", \"name\": \"t-lb\"}]"));
	ck_assert_ptr_nonnull(strstr(s, "\"to\": [{\"operation\": {\"ports\": [], \"paths\": [\"/x\"]}}, "
				     "{\"operation\": {\"hosts\": [], \"ports\": [\"80\"], \"methods\": []}}]"));
	ck_assert_ptr_null(strstr(s, "\"action\""));
	free(s);
	strbuf_release(&why);
}
END_TEST

/* Each shape Istio's webhook refuses is refused with Istio's words. */
START_TEST(render_refuses_what_istio_refuses)
{
	static const struct {
		const char *endpoints, *type, *msg;
	} bad[] = {
		{ "[{\"hosts\": null, \"ports\": null, \"methods\": null, \"paths\": null}]", "app",
		  "Istio would refuse it: `to.operation` must not be empty, found at rule 0" },
		{ "[{}]", "unit", "`to.operation` must not be empty, found at rule 0" },
		{ "[{\"hosts\": [], \"ports\": [], \"methods\": [], \"paths\": []}]", "app",
		  "`to.operation` must not be empty, found at rule 0" },
		{ "[{\"ports\": [80]}, {\"ports\": []}]", "unit", "`to.operation` must not be empty, found at rule 0" },
		{ "[{\"hosts\": [\"\"]}]", "app", "empty value not allowed, found in Hosts" },
		{ "[{\"hosts\": [\"a\", \"\"], \"ports\": [80]}]", "app", "empty value not allowed, found in Hosts" },
		{ "[{\"paths\": [\"\"]}]", "app", "empty value not allowed, found in Paths" },
		{ "[{\"paths\": [\"/a/{**}/{*}\"]}]", "app",
		  "invalid or unsupported path a/{**}/{*}, found in Paths. {**} is not the last operator" },
		{ "[{\"paths\": [\"/a/{x}\"]}]", "app",
		  "invalid or unsupported path a/{x}, found in Paths. Contains '{' or '}' beyond a supported path template" },
		{ "[{\"paths\": [\"/{*}/a b\"]}]", "app",
		  "invalid or unsupported path {*}/a b, found in Paths. Contains segment a b with invalid string literal" },
		{ "[{\"paths\": [\"/{*}//x\"]}]", "app",
		  "invalid or unsupported path {*}//x, found in Paths. Contains segment  with invalid string literal" },
	};
	struct strbuf why = STRBUF_INIT, pol = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&why);
		strbuf_reset(&pol);
		strbuf_addf(&pol, "{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", "
			    "\"target_app_name\": \"t\", \"target_type\": \"%s\", \"endpoints\": %s}", bad[i].type,
			    bad[i].endpoints);
		render(pol.buf, 0, &why);
		ck_assert_msg(strstr(why.buf, bad[i].msg) != NULL, "%zu: %s", i, why.buf);
	}
	/* valid templates and plain paths pass */
	strbuf_reset(&pol);
	strbuf_addstr(&pol, "{\"source_namespace\": \"m\", \"source_app_name\": \"c\", \"target_namespace\": \"m\", "
		      "\"target_app_name\": \"t\", \"endpoints\": [{\"paths\": [\"/a/{*}/b/{**}\", \"/x y/*\", \"*\", \"/{**}/c\"]}]}");
	free(render(pol.buf, 1, &why));
	strbuf_release(&why);
	strbuf_release(&pol);
}
END_TEST

START_TEST(validate_spec_istio_rules)
{
	static const struct {
		const char *spec, *msg;
	} cases[] = {
		{ "{\"selector\": {\"matchLabels\": {\"a\": \"b\"}}, \"targetRefs\": [{\"kind\": \"Service\", \"group\": \"\", \"name\": \"x\"}]}",
		  "only one of targetRefs or workloadSelector can be set" },
		{ "{\"selector\": {\"matchLabels\": {\"\": \"b\"}}}", "empty key is not supported in selector: \"=b\"" },
		{ "{\"selector\": {\"matchLabels\": {\"a\": \"b*\"}}}", "wildcard is not supported in selector: \"a=b*\"" },
		{ "{\"targetRefs\": [{\"kind\": \"Service\", \"group\": \"\", \"name\": \"\"}]}", "targetRef name must be set" },
		{ "{\"targetRefs\": [{\"kind\": \"Pod\", \"group\": \"\", \"name\": \"x\"}]}", "but was /Pod" },
		{ "{\"targetRefs\": [{\"kind\": \"Service\", \"group\": \"\", \"name\": \"x\", \"namespace\": \"o\"}]}",
		  "targetRef namespace must not be set; cross namespace referencing is not supported" },
		{ "{\"rules\": [{\"from\": [{}]}]}", "`from.source` must not be nil, found at rule 0" },
		{ "{\"rules\": [{}, {\"from\": [{\"source\": {\"principals\": []}}]}]}", "`from.source` must not be empty, found at rule 1" },
		{ "{\"rules\": [{\"from\": [{\"source\": {\"principals\": [\"\"]}}]}]}", "empty value not allowed, found in Principals" },
		{ "{\"rules\": [{\"to\": [{}]}]}", "`to.operation` must not be nil, found at rule 0" },
		{ "{\"rules\": [{\"to\": [{\"operation\": {\"ports\": [\"70000\"]}}]}]}", "bad port (70000): <nil>" },
		{ "{\"rules\": [{\"to\": [{\"operation\": {\"ports\": [\"http\"]}}]}]}", "bad port (http): invalid syntax" },
		{ "{\"rules\": [{\"to\": [{\"operation\": {\"ports\": [\"\"]}}]}]}", "empty value not allowed, found in Ports" },
	};
	struct strbuf why = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json *spec = json_parse_str(cases[i].spec, &why);
		ck_assert_ptr_nonnull(spec);
		strbuf_reset(&why);
		ck_assert_uint_ge(istio_validate_spec(spec, &why), 1);
		ck_assert_msg(strstr(why.buf, cases[i].msg) != NULL, "%zu: %s", i, why.buf);
		json_free(spec);
	}
	/* empty lists are absent, as protobuf reads them: `to: []` is fine */
	{
		struct json *spec = json_parse_str("{\"selector\": {\"matchLabels\": {\"a\": \"b\"}}, \"targetRefs\": [], "
						   "\"rules\": [{\"from\": [{\"source\": {\"principals\": [\"p\"]}}], \"to\": []}]}", &why);
		strbuf_reset(&why);
		ck_assert_uint_eq(istio_validate_spec(spec, &why), 0);
		ck_assert_str_eq(why.buf, "");
		json_free(spec);
	}
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

	tcase_add_test(names, pyrepr_is_pydantic_str);
	tcase_add_test(names, name_layout_hash_and_sanitising);
	tcase_add_test(names, name_upper_case_unicode_and_dots);
	tcase_add_test(names, name_length_limit_and_determinism);
	tcase_add_test(names, name_beacon_cut_of_long_parts);
	tcase_add_test(names, name_short_enough_is_not_cut);
	tcase_add_test(names, distinct_policies_distinct_names);
	tcase_add_test(names, label_values);
	tcase_add_test(names, owner_labels_and_selector);
	tcase_add_test(names, charm_kubernetes_label_port);
	tcase_add_test(names, label_placeholders);
	tcase_add_test(rend, render_app_policy);
	tcase_add_test(rend, render_unit_policy);
	tcase_add_test(rend, render_service_and_null_fields);
	tcase_add_test(rend, render_refuses_l7_unit_policy);
	tcase_add_test(rend, render_refuses_what_istio_refuses);
	tcase_add_test(rend, validate_spec_istio_rules);
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
