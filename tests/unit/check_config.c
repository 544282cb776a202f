/* check_config.c - unit tests for the service-mesh.yaml parser (config.c). */
#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/config.h"
#include "base/strbuf.h"

#define F "service-mesh.yaml:"

static void parse_ok(const char *yaml, struct mesh_config *cfg)
{
	struct strbuf err = STRBUF_INIT;
	int r = config_parse("service-mesh.yaml", yaml, strlen(yaml), cfg, &err);

	ck_assert_msg(r == 0, "parse failed:\n%s", err.buf);
	ck_assert_str_eq(err.buf, "");
	ck_assert_str_eq(cfg->path, "service-mesh.yaml");
	strbuf_release(&err);
}

/* Parse yaml, expect failure with exactly the text want, and a zeroed cfg. */
static void parse_err(const char *yaml, const char *want)
{
	struct mesh_config cfg;
	struct strbuf err = STRBUF_INIT;
	int r;

	memset(&cfg, 0xAB, sizeof(cfg));  /* config_parse must zero it */
	r = config_parse("service-mesh.yaml", yaml, strlen(yaml), &cfg, &err);
	ck_assert_msg(r == -1, "parse of\n%s\nsucceeded", yaml);
	ck_assert_msg(!strcmp(err.buf, want), "input:\n%s\n got: %s\nwant: %s", yaml, err.buf,
		      want);
	ck_assert_ptr_null(cfg.path);
	ck_assert_ptr_null(cfg.consumer);
	ck_assert_ptr_null(cfg.provider);
	config_release(&cfg);  /* still safe */
	strbuf_release(&err);
}

static void assert_strlist(const struct opt_strlist *l, int present, size_t n, ...)
{
	va_list ap;

	ck_assert_int_eq(l->present, present);
	ck_assert_uint_eq(l->l.n, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(l->l.items[i], va_arg(ap, const char *));
	va_end(ap);
}

static void assert_intlist(const struct opt_intlist *l, int present, size_t n, ...)
{
	va_list ap;

	ck_assert_int_eq(l->present, present);
	ck_assert_uint_eq(l->n, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(l->items[i], va_arg(ap, int));
	va_end(ap);
}

/* --- successful parses --- */

static const char full_example[] =
	"# service-mesh.yaml of a charm that is both\n"
	"consumer:\n"
	"  mesh-relation: mesh\n"
	"  cross-model-mesh-requires: req-cmr\n"
	"  cross-model-mesh-provides: prov_cmr\n"
	"  auto-join: false\n"
	"  policies:\n"
	"    - relation: data\n"
	"      service: my-svc\n"
	"      endpoints:\n"
	"        - hosts: [a.example.com, \"*.b\"]\n"
	"          ports: [80, 443]\n"
	"          methods: [GET, POST, TRACE]\n"
	"          paths: [/data, \"/v1/*\"]\n"
	"        - ports: [9000]\n"
	"        - {paths: [/p]}\n"
	"        - hosts: []\n"
	"          ports: []\n"
	"          methods: [GET]\n"
	"          paths: []\n"
	"        - hosts:\n"
	"          ports: null\n"
	"          methods: ~\n"
	"          paths: [/r]\n"
	"    - relation: metrics\n"
	"      type: unit\n"
	"      ports: [9090, 1, 65535]\n"
	"    - relation: logs\n"
	"      type: unit\n"
	"    - relation: legacy\n"
	"      type: policy\n"
	"      endpoints: []\n"
	"    - type: app\n"
	"      relation: explicit-app\n"
	"      service: null\n"
	"      endpoints: []\n"
	"    - relation: empty-ports\n"
	"      type: unit\n"
	"      ports: []\n"
	"provider:\n"
	"  mesh-relation: mesh-provider\n"
	"  mesh-type: istio\n"
	"  labels:\n"
	"    istio.io/use-waypoint: waypoint\n"
	"    istio.io/dataplane-mode: ambient\n"
	"    empty: \"\"\n"
	"    quoted: \"8080\"\n"
	"  manage-policies: true\n";

START_TEST(test_full_example)
{
	struct mesh_config cfg;
	const struct cfg_consumer *con;
	const struct cfg_policy *p;
	const struct cfg_provider *prov;

	parse_ok(full_example, &cfg);
	con = cfg.consumer;
	ck_assert_ptr_nonnull(con);
	ck_assert_str_eq(con->mesh_relation, "mesh");
	ck_assert_str_eq(con->cmr_requires, "req-cmr");
	ck_assert_str_eq(con->cmr_provides, "prov_cmr");
	ck_assert_int_eq(con->auto_join, 0);
	ck_assert_uint_eq(con->npolicies, 6);

	p = &con->policies[0];
	ck_assert_str_eq(p->relation, "data");
	ck_assert_int_eq(p->kind, POLICY_APP);
	ck_assert_str_eq(p->service, "my-svc");
	ck_assert_int_eq(p->line, 8);
	ck_assert_int_eq(p->col, 7);
	ck_assert_uint_eq(p->nendpoints, 5);
	assert_strlist(&p->endpoints[0].hosts, 1, 2, "a.example.com", "*.b");
	assert_intlist(&p->endpoints[0].ports, 1, 2, 80, 443);
	assert_strlist(&p->endpoints[0].methods, 1, 3, "GET", "POST", "TRACE");
	assert_strlist(&p->endpoints[0].paths, 1, 2, "/data", "/v1/*");
	/* Only ports given: the rest is null. */
	assert_strlist(&p->endpoints[1].hosts, 0, 0);
	assert_intlist(&p->endpoints[1].ports, 1, 1, 9000);
	assert_strlist(&p->endpoints[1].methods, 0, 0);
	assert_strlist(&p->endpoints[1].paths, 0, 0);
	/* Only paths: the rest is null ({} alone is refused: Istio refuses
	 * an empty operation). */
	assert_strlist(&p->endpoints[2].hosts, 0, 0);
	assert_intlist(&p->endpoints[2].ports, 0, 0);
	assert_strlist(&p->endpoints[2].methods, 0, 0);
	assert_strlist(&p->endpoints[2].paths, 1, 1, "/p");
	/* Explicit []: present and empty. */
	assert_strlist(&p->endpoints[3].hosts, 1, 0);
	assert_intlist(&p->endpoints[3].ports, 1, 0);
	assert_strlist(&p->endpoints[3].methods, 1, 1, "GET");
	assert_strlist(&p->endpoints[3].paths, 1, 0);
	/* Explicit YAML null: same as absent. */
	assert_strlist(&p->endpoints[4].hosts, 0, 0);
	assert_intlist(&p->endpoints[4].ports, 0, 0);
	assert_strlist(&p->endpoints[4].methods, 0, 0);
	assert_strlist(&p->endpoints[4].paths, 1, 1, "/r");

	p = &con->policies[1];
	ck_assert_str_eq(p->relation, "metrics");
	ck_assert_int_eq(p->kind, POLICY_UNIT);
	ck_assert_ptr_null(p->service);
	ck_assert_uint_eq(p->nendpoints, 0);
	assert_intlist(&p->ports, 1, 3, 9090, 1, 65535);

	p = &con->policies[2];
	ck_assert_str_eq(p->relation, "logs");
	ck_assert_int_eq(p->kind, POLICY_UNIT);
	assert_intlist(&p->ports, 0, 0);

	p = &con->policies[3];
	ck_assert_str_eq(p->relation, "legacy");
	ck_assert_int_eq(p->kind, POLICY_DEPRECATED);
	ck_assert_ptr_null(p->service);
	ck_assert_uint_eq(p->nendpoints, 0);

	p = &con->policies[4];
	ck_assert_str_eq(p->relation, "explicit-app");
	ck_assert_int_eq(p->kind, POLICY_APP);
	ck_assert_ptr_null(p->service);
	ck_assert_uint_eq(p->nendpoints, 0);

	p = &con->policies[5];
	ck_assert_int_eq(p->kind, POLICY_UNIT);
	assert_intlist(&p->ports, 1, 0);

	prov = cfg.provider;
	ck_assert_ptr_nonnull(prov);
	ck_assert_str_eq(prov->mesh_relation, "mesh-provider");
	ck_assert_str_eq(prov->mesh_type, "istio");
	ck_assert_int_eq(prov->manage_policies, 1);
	ck_assert_uint_eq(prov->labels.n, 4);
	ck_assert_str_eq(prov->labels.items[0].key, "istio.io/use-waypoint");
	ck_assert_str_eq(prov->labels.items[0].value, "waypoint");
	ck_assert_str_eq(prov->labels.items[1].key, "istio.io/dataplane-mode");
	ck_assert_str_eq(prov->labels.items[1].value, "ambient");
	ck_assert_str_eq(prov->labels.items[2].key, "empty");
	ck_assert_str_eq(prov->labels.items[2].value, "");
	ck_assert_str_eq(prov->labels.items[3].key, "quoted");
	ck_assert_str_eq(prov->labels.items[3].value, "8080");
	config_release(&cfg);
	ck_assert_ptr_null(cfg.consumer);
	ck_assert_ptr_null(cfg.provider);
	ck_assert_ptr_null(cfg.path);
	config_release(&cfg);  /* twice is fine */
}
END_TEST

static void assert_consumer_defaults(const struct cfg_consumer *con)
{
	ck_assert_ptr_nonnull(con);
	ck_assert_str_eq(con->mesh_relation, "service-mesh");
	ck_assert_str_eq(con->cmr_requires, "require-cmr-mesh");
	ck_assert_str_eq(con->cmr_provides, "provide-cmr-mesh");
	ck_assert_int_eq(con->auto_join, 1);
	ck_assert_uint_eq(con->npolicies, 0);
	ck_assert_ptr_null(con->policies);
}

START_TEST(test_consumer_defaults)
{
	static const char *const inputs[] = {
		"consumer: {}\n",
		"consumer:\n",
		"consumer: null\n",
		"consumer:\n  policies:\n",
		"consumer:\n  policies: []\n",
		"consumer:\n  auto-join: True\n",
	};
	struct mesh_config cfg;

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		parse_ok(inputs[i], &cfg);
		assert_consumer_defaults(cfg.consumer);
		ck_assert_ptr_null(cfg.provider);
		config_release(&cfg);
	}
}
END_TEST

START_TEST(test_provider_defaults)
{
	struct mesh_config cfg;

	parse_ok("provider:\n  mesh-type: istio\n  labels: {}\n", &cfg);
	ck_assert_ptr_null(cfg.consumer);
	ck_assert_ptr_nonnull(cfg.provider);
	ck_assert_str_eq(cfg.provider->mesh_relation, "service-mesh");
	ck_assert_str_eq(cfg.provider->mesh_type, "istio");
	ck_assert_uint_eq(cfg.provider->labels.n, 0);
	ck_assert_int_eq(cfg.provider->manage_policies, 0);
	config_release(&cfg);
}
END_TEST

START_TEST(test_empty_files)
{
	static const char *const inputs[] = { "", "# nothing here\n", "---\n", "~\n", "{}\n" };
	struct mesh_config cfg;

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		parse_ok(inputs[i], &cfg);
		ck_assert_ptr_null(cfg.consumer);
		ck_assert_ptr_null(cfg.provider);
		config_release(&cfg);
	}
}
END_TEST

START_TEST(test_policy_defaults_and_order)
{
	struct mesh_config cfg;
	const struct cfg_policy *p;

	parse_ok("consumer:\n"
		 "  policies:\n"
		 "  - {relation: a, endpoints: [{ports: [1]}]}\n"
		 "  - {relation: b, type: unit, ports: [2]}\n",
		 &cfg);
	ck_assert_uint_eq(cfg.consumer->npolicies, 2);
	p = &cfg.consumer->policies[0];
	ck_assert_str_eq(p->relation, "a");
	ck_assert_int_eq(p->kind, POLICY_APP);  /* default type */
	ck_assert_ptr_null(p->service);
	ck_assert_int_eq(p->line, 3);
	ck_assert_int_eq(p->col, 5);
	assert_intlist(&p->endpoints[0].ports, 1, 1, 1);
	assert_intlist(&p->ports, 0, 0);
	p = &cfg.consumer->policies[1];
	ck_assert_str_eq(p->relation, "b");
	assert_intlist(&p->ports, 1, 1, 2);
	config_release(&cfg);
}
END_TEST

START_TEST(test_config_load_file)
{
	char path[] = "/tmp/check_config_XXXXXX";
	int fd = mkstemp(path);
	const char *text = "consumer:\n  policies:\n    - relation: x\n      prots: 1\n";
	struct mesh_config cfg;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, full_example, strlen(full_example)),
			 (ssize_t)strlen(full_example));
	close(fd);
	ck_assert_int_eq(config_load(path, &cfg, &err), 0);
	ck_assert_str_eq(err.buf, "");
	ck_assert_str_eq(cfg.path, path);
	ck_assert_uint_eq(cfg.consumer->npolicies, 6);
	ck_assert_str_eq(cfg.provider->mesh_type, "istio");
	config_release(&cfg);

	/* Problems are reported with the path as FILE. */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(config_load(path, &cfg, &err), -1);
	strbuf_addf(&want,
		    "%s:4:7: consumer.policies[0]: unknown key 'prots' in app policy "
		    "(expected relation, type, service, endpoints)\n"
		    "%s:3:7: consumer.policies[0]: missing required key 'endpoints'\n",
		    path, path);
	ck_assert_str_eq(err.buf, want.buf);
	ck_assert_ptr_null(cfg.consumer);
	unlink(path);
	strbuf_release(&err);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_missing_file)
{
	struct mesh_config cfg;
	struct strbuf err = STRBUF_INIT;

	ck_assert_int_eq(config_load("/nonexistent/service-mesh.yaml", &cfg, &err), -1);
	ck_assert_str_eq(err.buf,
			 "/nonexistent/service-mesh.yaml: cannot read: No such file or directory\n");
	ck_assert_ptr_null(cfg.consumer);
	ck_assert_ptr_null(cfg.provider);
	ck_assert_ptr_null(cfg.path);
	config_release(&cfg);
	strbuf_release(&err);
}
END_TEST

/* --- every error path --- */

static const struct {
	const char *yaml;
	const char *want;
} bad[] = {	{ "consumer:\n\tpolicies: []\n",
	  F "2:1: found character that cannot start any token (while scanning for the next "
	  "token); tabs cannot be used for indentation\n" },
	{ "consumer: &c {}\nprovider: *c\n", F "2:11: aliases are not supported\n" },
	{ "consumer: {}\nconsumer: {}\n", F "2:1: duplicate key 'consumer' (first at 1:1)\n" },
	/* Top level. */
	{ "- consumer\n", F "1:1: expected a mapping at the top level, got a list\n" },
	{ "hello\n", F "1:1: expected a mapping at the top level, got a string 'hello'\n" },
	{ "consumers: {}\n",
	  F "1:1: unknown key 'consumers' at the top level (expected consumer, provider, settings)\n" },
	{ "consumer: [1]\n", F "1:11: consumer: expected a mapping, got a list\n" },
	{ "consumer: 5\n", F "1:11: consumer: expected a mapping, got an integer '5'\n" },
	{ "provider: yes\n", F "1:11: provider: expected a mapping, got a string 'yes'\n" },
	/* Consumer. */
	{ "consumer:\n  mesh-relation: 5\n",
	  F "2:18: consumer.mesh-relation: expected a string, got an integer '5'\n" },
	{ "consumer:\n  mesh-relation:\n",
	  F "2:17: consumer.mesh-relation: expected a string, got null\n" },
	{ "consumer:\n  mesh-relation: Service-Mesh\n",
	  F "2:18: consumer.mesh-relation: 'Service-Mesh' is not a valid relation endpoint name "
	  "(lower case letters and digits, words joined by '-' or '_', starting with a letter)\n" },
	{ "consumer:\n  cross-model-mesh-requires: a--b\n",
	  F "2:30: consumer.cross-model-mesh-requires: 'a--b' is not a valid relation endpoint "
	  "name (lower case letters and digits, words joined by '-' or '_', starting with a "
	  "letter)\n" },
	{ "consumer:\n  cross-model-mesh-provides: [x]\n",
	  F "2:30: consumer.cross-model-mesh-provides: expected a string, got a list\n" },
	{ "consumer:\n  mesh-relation: \"\"\n",
	  F "2:18: consumer.mesh-relation: '' is not a valid relation endpoint name "
	  "(lower case letters and digits, words joined by '-' or '_', starting with a letter)\n" },
	{ "consumer:\n  mesh-relation: 1mesh\n",
	  F "2:18: consumer.mesh-relation: '1mesh' is not a valid relation endpoint name "
	  "(lower case letters and digits, words joined by '-' or '_', starting with a letter)\n" },
	{ "consumer:\n  mesh-relation: mesh-\n",
	  F "2:18: consumer.mesh-relation: 'mesh-' is not a valid relation endpoint name "
	  "(lower case letters and digits, words joined by '-' or '_', starting with a letter)\n" },
	{ "consumer:\n  auto-join: yes\n",
	  F "2:14: consumer.auto-join: expected a boolean (true or false), got a string 'yes'\n" },
	{ "consumer:\n  auto-join: \"true\"\n",
	  F "2:14: consumer.auto-join: expected a boolean (true or false), got a string 'true'\n" },
	{ "consumer:\n  auto-join:\n",
	  F "2:13: consumer.auto-join: expected a boolean (true or false), got null\n" },
	{ "consumer:\n  policies: {}\n",
	  F "2:13: consumer.policies: expected a list, got a mapping\n" },
	{ "consumer:\n  policies: data\n",
	  F "2:13: consumer.policies: expected a list, got a string 'data'\n" },
	{ "consumer:\n  auto_join: true\n",
	  F "2:3: consumer: unknown key 'auto_join' in consumer (expected mesh-relation, "
	  "cross-model-mesh-requires, cross-model-mesh-provides, auto-join, policies)\n" },
	/* Policies. */
	{ "consumer:\n  policies:\n  - data\n",
	  F "3:5: consumer.policies[0]: expected a mapping, got a string 'data'\n" },
	{ "consumer:\n  policies:\n  -\n",
	  F "3:4: consumer.policies[0]: expected a mapping, got null\n" },
	{ "consumer:\n  policies:\n  - [relation]\n",
	  F "3:5: consumer.policies[0]: expected a mapping, got a list\n" },
	{ "consumer:\n  policies:\n  - endpoints: []\n",
	  F "3:5: consumer.policies[0]: missing required key 'relation'\n" },
	{ "consumer:\n  policies:\n  - relation: data\n",
	  F "3:5: consumer.policies[0]: missing required key 'endpoints'\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    type: policy\n",
	  F "3:5: consumer.policies[0]: missing required key 'endpoints'\n" },
	{ "consumer:\n  policies:\n  - {}\n",
	  F "3:5: consumer.policies[0]: missing required key 'relation'\n"
	  F "3:5: consumer.policies[0]: missing required key 'endpoints'\n" },
	{ "consumer:\n  policies:\n  - relation: [data]\n    endpoints: []\n",
	  F "3:15: consumer.policies[0].relation: expected a string, got a list\n" },
	{ "consumer:\n  policies:\n  - relation: Data\n    endpoints: []\n",
	  F "3:15: consumer.policies[0].relation: 'Data' is not a valid relation endpoint name "
	  "(lower case letters and digits, words joined by '-' or '_', starting with a letter)\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    type: bogus\n",
	  F "4:11: consumer.policies[0].type: 'bogus' is not a policy type "
	  "(app, unit, or the deprecated policy)\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    type: App\n",
	  F "4:11: consumer.policies[0].type: 'App' is not a policy type "
	  "(app, unit, or the deprecated policy)\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    type: 1\n",
	  F "4:11: consumer.policies[0].type: expected a string, got an integer '1'\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    type:\n",
	  F "4:10: consumer.policies[0].type: expected a string, got null\n" },
	/* A policy with a bad type is still checked as far as possible. */
	{ "consumer:\n  policies:\n  - type: bogus\n    ports: [0]\n    colour: red\n",
	  F "3:11: consumer.policies[0].type: 'bogus' is not a policy type "
	  "(app, unit, or the deprecated policy)\n"
	  F "4:13: consumer.policies[0].ports[0]: '0' is not a port (1..65535)\n"
	  F "5:5: consumer.policies[0]: unknown key 'colour' in policy "
	  "(expected relation, type, service, endpoints, ports)\n"
	  F "3:5: consumer.policies[0]: missing required key 'relation'\n" },
	/* App policy fields. */
	{ "consumer:\n  policies:\n  - relation: data\n    service: 5\n    endpoints: []\n",
	  F "4:14: consumer.policies[0].service: expected a string, got an integer '5'\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    service: []\n    endpoints: []\n",
	  F "4:14: consumer.policies[0].service: expected a string, got a list\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    service: My_Svc\n    endpoints: []\n",
	  F "4:14: consumer.policies[0].service: 'My_Svc' is not a valid Kubernetes service "
	  "name: may contain only lower case alphanumerics and '-'\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    endpoints:\n",
	  F "4:15: consumer.policies[0].endpoints: expected a list, got null\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    endpoints: {ports: [1]}\n",
	  F "4:16: consumer.policies[0].endpoints: expected a list, got a mapping\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    endpoints: all\n",
	  F "4:16: consumer.policies[0].endpoints: expected a list, got a string 'all'\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    ports: [80]\n    endpoints: []\n",
	  F "4:5: consumer.policies[0]: 'ports' is not a key of app policies: put ports in "
	  "endpoints (or use type: unit)\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    type: policy\n    methods: [GET]\n"
	  "    endpoints: []\n",
	  F "5:5: consumer.policies[0]: 'methods' is not a key of app policies: put it in "
	  "endpoints\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    endpoint: []\n",
	  F "4:5: consumer.policies[0]: unknown key 'endpoint' in app policy "
	  "(expected relation, type, service, endpoints)\n"
	  F "3:5: consumer.policies[0]: missing required key 'endpoints'\n" },
	/* Unit policy fields. */
	{ "consumer:\n  policies:\n  - relation: m\n    type: unit\n    methods: [GET]\n",
	  F "5:5: consumer.policies[0]: unit policies take only relation, type and ports: "
	  "'methods' is an L7 field\n" },
	{ "consumer:\n  policies:\n  - relation: m\n    type: unit\n    hosts: [a]\n",
	  F "5:5: consumer.policies[0]: unit policies take only relation, type and ports: "
	  "'hosts' is an L7 field\n" },
	{ "consumer:\n  policies:\n  - relation: m\n    type: unit\n    paths: [/]\n",
	  F "5:5: consumer.policies[0]: unit policies take only relation, type and ports: "
	  "'paths' is an L7 field\n" },
	{ "consumer:\n  policies:\n  - relation: m\n    type: unit\n    service: s\n",
	  F "5:5: consumer.policies[0]: unit policies take only relation, type and ports: "
	  "'service' is only for app policies\n" },
	{ "consumer:\n  policies:\n  - relation: m\n    type: unit\n    endpoints: []\n",
	  F "5:5: consumer.policies[0]: unit policies take only relation, type and ports: "
	  "'endpoints' is only for app policies\n" },
	{ "consumer:\n  policies:\n  - relation: m\n    type: unit\n    port: 80\n",
	  F "5:5: consumer.policies[0]: unknown key 'port' in unit policy "
	  "(expected relation, type, ports)\n" },
	{ "consumer:\n  policies:\n  - relation: m\n    type: unit\n    ports: 80\n",
	  F "5:12: consumer.policies[0].ports: expected a list, got an integer '80'\n" },
	{ "consumer:\n  policies:\n  - relation: m\n    type: unit\n    ports: [80, 65536]\n",
	  F "5:17: consumer.policies[0].ports[1]: '65536' is not a port (1..65535)\n" },
	/* Endpoints. */
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    -\n",
	  F "5:6: consumer.policies[0].endpoints[0]: expected a mapping, got null\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints: [[80]]\n",
	  F "4:17: consumer.policies[0].endpoints[0]: expected a mapping, got a list\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints: [GET]\n",
	  F "4:17: consumer.policies[0].endpoints[0]: expected a mapping, got a string 'GET'\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - prots: [80]\n",
	  F "5:7: consumer.policies[0].endpoints[0]: unknown key 'prots' in endpoint "
	  "(expected hosts, ports, methods, paths)\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - hosts: a.com\n",
	  F "5:14: consumer.policies[0].endpoints[0].hosts: expected a list, got a string 'a.com'\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - hosts: [1]\n",
	  F "5:15: consumer.policies[0].endpoints[0].hosts[0]: expected a string, got an integer '1'\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - hosts: [[a]]\n",
	  F "5:15: consumer.policies[0].endpoints[0].hosts[0]: expected a string, got a list\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - hosts: [~]\n",
	  F "5:15: consumer.policies[0].endpoints[0].hosts[0]: expected a string, got null\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - paths: [{a: b}]\n",
	  F "5:15: consumer.policies[0].endpoints[0].paths[0]: expected a string, got a mapping\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - paths: /x\n",
	  F "5:14: consumer.policies[0].endpoints[0].paths: expected a list, got a string '/x'\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - ports: 80\n",
	  F "5:14: consumer.policies[0].endpoints[0].ports: expected a list, got an integer '80'\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - ports: [80, 70000]\n",
	  F "5:19: consumer.policies[0].endpoints[0].ports[1]: '70000' is not a port (1..65535)\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - ports: [0, -1]\n",
	  F "5:15: consumer.policies[0].endpoints[0].ports[0]: '0' is not a port (1..65535)\n"
	  F "5:18: consumer.policies[0].endpoints[0].ports[1]: '-1' is not a port (1..65535)\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n"
	  "    - ports: [99999999999999999999]\n",
	  F "5:15: consumer.policies[0].endpoints[0].ports[0]: '99999999999999999999' is not a "
	  "port (1..65535)\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - ports: [\"80\"]\n",
	  F "5:15: consumer.policies[0].endpoints[0].ports[0]: expected an integer, got a string '80'\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - ports: [8.5]\n",
	  F "5:15: consumer.policies[0].endpoints[0].ports[0]: expected an integer, got a number '8.5'\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - ports: [true]\n",
	  F "5:15: consumer.policies[0].endpoints[0].ports[0]: expected an integer, got a "
	  "boolean 'true'\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - ports: [null]\n",
	  F "5:15: consumer.policies[0].endpoints[0].ports[0]: expected an integer, got null\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - ports: [[80]]\n",
	  F "5:15: consumer.policies[0].endpoints[0].ports[0]: expected an integer, got a list\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - methods: GET\n",
	  F "5:16: consumer.policies[0].endpoints[0].methods: expected a list, got a string 'GET'\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - methods: [GET, FETCH]\n",
	  F "5:22: consumer.policies[0].endpoints[0].methods[1]: 'FETCH' is not an HTTP method "
	  "(CONNECT, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE)\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - methods: [get]\n",
	  F "5:17: consumer.policies[0].endpoints[0].methods[0]: 'get' is not an HTTP method "
	  "(write it in upper case: 'GET')\n" },
	{ "consumer:\n  policies:\n  - relation: d\n    endpoints:\n    - methods: [1]\n",
	  F "5:17: consumer.policies[0].endpoints[0].methods[0]: expected a string, got an "
	  "integer '1'\n" },
	/* Provider. */
	{ "provider: {}\n",
	  F "1:11: provider: missing required key 'mesh-type'\n"
	  F "1:11: provider: missing required key 'labels'\n" },
	{ "provider:\n",
	  F "1:10: provider: missing required key 'mesh-type'\n"
	  F "1:10: provider: missing required key 'labels'\n" },
	{ "provider:\n  mesh-type: istio\n",
	  F "2:3: provider: missing required key 'labels'\n" },
	{ "provider:\n  mesh-type: linkerd\n  labels: {}\n",
	  F "2:14: provider.mesh-type: 'linkerd' is not a supported mesh type (istio)\n" },
	{ "provider:\n  mesh-type: [istio]\n  labels: {}\n",
	  F "2:14: provider.mesh-type: expected a string, got a list\n" },
	{ "provider:\n  mesh-type: istio\n  labels: []\n",
	  F "3:11: provider.labels: expected a mapping, got a list\n" },
	{ "provider:\n  mesh-type: istio\n  labels:\n",
	  F "3:10: provider.labels: expected a mapping, got null\n" },
	{ "provider:\n  mesh-type: istio\n  labels:\n    enabled: true\n",
	  F "4:14: provider.labels['enabled']: label values must be strings; quote it: "
	  "got a boolean 'true'\n" },
	{ "provider:\n  mesh-type: istio\n  labels:\n    port: 8080\n",
	  F "4:11: provider.labels['port']: label values must be strings; quote it: "
	  "got an integer '8080'\n" },
	{ "provider:\n  mesh-type: istio\n  labels:\n    version: 1.5\n",
	  F "4:14: provider.labels['version']: label values must be strings; quote it: "
	  "got a number '1.5'\n" },
	{ "provider:\n  mesh-type: istio\n  labels:\n    mode:\n",
	  F "4:10: provider.labels['mode']: label values must be strings; quote it: got null\n" },
	{ "provider:\n  mesh-type: istio\n  labels:\n    mode: [ambient]\n",
	  F "4:11: provider.labels['mode']: expected a string, got a list\n" },
	{ "provider:\n  mesh-type: istio\n  labels:\n    mode: -ambient\n",
	  F "4:11: provider.labels['mode']: '-ambient' is not a valid label value: must start "
	  "and end with an alphanumeric character\n" },
	{ "provider:\n  mesh-type: istio\n  labels:\n    Istio.io/mode: ambient\n",
	  F "4:5: provider.labels: 'Istio.io/mode' is not a valid label key: prefix may contain "
	  "only lower case alphanumerics, '-' and '.'\n" },
	{ "provider:\n  mesh-type: istio\n  labels:\n    8080: x\n",
	  F "4:5: provider.labels: label keys must be strings; quote it: got an integer '8080'\n" },
	{ "provider:\n  mesh-type: istio\n  labels: {a: b}\n  manage-policies: 1\n",
	  F "4:20: provider.manage-policies: expected a boolean (true or false), got an "
	  "integer '1'\n" },
	{ "provider:\n  mesh-type: istio\n  labels: {a: b}\n  mesh-relation: Mesh\n",
	  F "4:18: provider.mesh-relation: 'Mesh' is not a valid relation endpoint name "
	  "(lower case letters and digits, words joined by '-' or '_', starting with a letter)\n" },
	{ "provider:\n  mesh-type: istio\n  labels: {a: b}\n  mesh_type: istio\n",
	  F "4:3: provider: unknown key 'mesh_type' in provider (expected mesh-relation, "
	  "mesh-type, labels, manage-policies)\n" },
};

/* What Istio's webhook would refuse is refused at load time (issue 13). */
static const struct {
	const char *yaml;
	const char *want;
} istio_bad[] = {
	{ "consumer:\n  policies:\n  - relation: data\n    endpoints: [{}]\n",
	  F "4:17: consumer.policies[0].endpoints[0]: an endpoint needs at least one port, host, method or "
	  "path: Istio refuses an empty operation (`to.operation` must not be empty)\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    endpoints: [{hosts: [], ports: [], methods: [], paths: []}]\n",
	  F "4:17: consumer.policies[0].endpoints[0]: an endpoint needs at least one port, host, method or "
	  "path: Istio refuses an empty operation (`to.operation` must not be empty)\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    endpoints: [{hosts: [\"\"], ports: [80]}]\n",
	  F "4:26: consumer.policies[0].endpoints[0].hosts[0]: '': Istio refuses it: empty value not allowed, "
	  "found in Hosts\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    endpoints: [{paths: [\"\"]}]\n",
	  F "4:26: consumer.policies[0].endpoints[0].paths[0]: '': Istio refuses it: empty value not allowed, "
	  "found in Paths\n" },
	{ "consumer:\n  policies:\n  - relation: data\n    endpoints: [{paths: [\"/{**}/x/{*}\"]}]\n",
	  F "4:26: consumer.policies[0].endpoints[0].paths[0]: '/{**}/x/{*}': Istio refuses it: invalid or "
	  "unsupported path {**}/x/{*}, found in Paths. {**} is not the last operator\n" },
	/* provider label placeholders (issue 13 point 5) */
	{ "provider:\n  mesh-type: istio\n  labels: {a: \"{modle}\"}\n",
	  F "3:15: provider.labels['a']: '{modle}': unknown placeholder '{modle}' (known: {model}, {app}, "
	  "{unit}, {waypoint})\n" },
	{ "provider:\n  mesh-type: istio\n  labels: {\"-{app}\": \"{app}/{model}\"}\n",
	  F "3:12: provider.labels: '-{app}' is not a valid label key once expanded (e.g. '-app'): "
	  "name part must start and end with an alphanumeric character\n"
	  F "3:22: provider.labels['-{app}']: '{app}/{model}' is not a valid label value once expanded (e.g. "
	  "'app/model'): may contain only alphanumerics, '-', '_' and '.'\n" },
};

START_TEST(test_istio_refusals)
{
	parse_err(istio_bad[_i].yaml, istio_bad[_i].want);
}
END_TEST

START_TEST(test_error_paths)
{
	parse_err(bad[_i].yaml, bad[_i].want);
}
END_TEST

START_TEST(test_many_errors_reported_together)
{
	parse_err("consumer:\n"
		  "  auto-join: maybe\n"
		  "  policies:\n"
		  "    - relation: data\n"
		  "      endpoints:\n"
		  "        - ports: [80, 70000]\n"
		  "          methods: [FETCH]\n"
		  "    - relation: metrics\n"
		  "      type: unit\n"
		  "      paths: [/metrics]\n"
		  "provider:\n"
		  "  mesh-type: istio\n"
		  "  labels:\n"
		  "    enabled: true\n"
		  "extra: 1\n",
		  F "2:14: consumer.auto-join: expected a boolean (true or false), got a string 'maybe'\n"
		  F "6:23: consumer.policies[0].endpoints[0].ports[1]: '70000' is not a port "
		  "(1..65535)\n"
		  F "7:21: consumer.policies[0].endpoints[0].methods[0]: 'FETCH' is not an HTTP "
		  "method (CONNECT, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE)\n"
		  F "10:7: consumer.policies[1]: unit policies take only relation, type and ports: "
		  "'paths' is an L7 field\n"
		  F "14:14: provider.labels['enabled']: label values must be strings; quote it: "
		  "got a boolean 'true'\n"
		  F "15:1: unknown key 'extra' at the top level (expected consumer, provider, settings)\n");
}
END_TEST

START_TEST(test_long_and_multiline_values_are_quoted_short)
{
	struct strbuf yaml = STRBUF_INIT, want = STRBUF_INIT;

	strbuf_addstr(&yaml, "consumer:\n  policies:\n    - relation: d\n      type: ");
	for (int i = 0; i < 100; i++)
		strbuf_addch(&yaml, 'u');
	strbuf_addstr(&yaml, "\n      endpoints: []\n  mesh-relation: |\n    two\n    lines\n");
	strbuf_addstr(&want, F "4:13: consumer.policies[0].type: '");
	for (int i = 0; i < QUOTE_MAX; i++)
		strbuf_addch(&want, 'u');
	strbuf_addstr(&want, "...' is not a policy type (app, unit, or the deprecated policy)\n"
		      F "6:18: consumer.mesh-relation: 'two\\nlines\\n' is not a valid relation endpoint name "
		      "(lower case letters and digits, words joined by '-' or '_', starting with a letter)\n");
	parse_err(yaml.buf, want.buf);
	strbuf_release(&yaml);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_error_flood_is_capped)
{
	struct strbuf yaml = STRBUF_INIT, want = STRBUF_INIT;

	strbuf_addstr(&yaml, "consumer:\n  policies:\n  - relation: d\n    endpoints:\n"
		      "    - ports:\n");
	for (int i = 0; i < 150; i++)
		strbuf_addstr(&yaml, "      - 0\n");
	for (int i = 0; i < 100; i++)
		strbuf_addf(&want, F "%d:9: consumer.policies[0].endpoints[0].ports[%d]: "
			    "'0' is not a port (1..65535)\n", 6 + i, i);
	strbuf_addstr(&want, "service-mesh.yaml: more than 100 problems; stopping here\n");
	parse_err(yaml.buf, want.buf);
	strbuf_release(&yaml);
	strbuf_release(&want);
}
END_TEST

/* What the wire refuses (policy.c: a value over MESH_MAX_VALUE bytes, a list
 * over MESH_MAX_ITEMS entries), the config refuses too, with its place: a
 * charm never publishes a policy its provider skips (found by fuzz_config). */
START_TEST(test_wire_limits)
{
	struct strbuf yaml = STRBUF_INIT, want = STRBUF_INIT;
	char h60[61];

	memset(h60, 'h', 60);   /* the message quotes the first 60 bytes */
	h60[60] = '\0';
	strbuf_addstr(&yaml, "consumer:\n  policies:\n  - relation: d\n    endpoints:\n"
		      "    - hosts: [ok, ");
	for (int i = 0; i < MESH_MAX_VALUE + 1; i++)
		strbuf_addch(&yaml, 'h');
	strbuf_addstr(&yaml, "]\n      paths: [");
	for (int i = 0; i < MESH_MAX_ITEMS + 1; i++)
		strbuf_addstr(&yaml, i ? ", /" : "/");
	strbuf_addstr(&yaml, "]\n");
	strbuf_addf(&want, F "5:19: consumer.policies[0].endpoints[0].hosts[1]: longer than %d bytes "
		    "(a mesh provider refuses the policy) (value '%s...')\n", MESH_MAX_VALUE, h60);
	strbuf_addf(&want, F "6:14: consumer.policies[0].endpoints[0].paths: more than %d entries "
		    "(a mesh provider refuses the policy)\n", MESH_MAX_ITEMS);
	parse_err(yaml.buf, want.buf);
	/* exactly at the limits: accepted */
	strbuf_reset(&yaml);
	strbuf_addstr(&yaml, "consumer:\n  policies:\n  - relation: d\n    endpoints:\n"
		      "    - hosts: [");
	for (int i = 0; i < MESH_MAX_VALUE; i++)
		strbuf_addch(&yaml, 'h');
	strbuf_addstr(&yaml, "]\n");
	{
		struct mesh_config cfg;

		parse_ok(yaml.buf, &cfg);
		ck_assert_uint_eq(strlen(cfg.consumer->policies[0].endpoints[0].hosts.l.items[0]),
				  MESH_MAX_VALUE);
		config_release(&cfg);
	}
	strbuf_release(&yaml);
	strbuf_release(&want);
}
END_TEST

/* --- helpers shared with the policy module --- */

START_TEST(test_http_methods_table)
{
	static const char *const want[] = {
		"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE",
	};

	ck_assert_uint_eq(config_http_methods_count, 9);
	for (size_t i = 0; i < config_http_methods_count; i++)
		ck_assert_str_eq(config_http_methods[i], want[i]);
}
END_TEST

START_TEST(test_opt_list_helpers)
{
	struct opt_intlist il = { 0, NULL, 0, 0 };
	struct mesh_endpoint e;
	struct mesh_config zero;

	opt_intlist_add(&il, 80);
	opt_intlist_add(&il, 443);
	assert_intlist(&il, 1, 2, 80, 443);
	opt_intlist_release(&il);
	assert_intlist(&il, 0, 0);
	ck_assert_ptr_null(il.items);
	opt_intlist_release(&il);

	memset(&e, 0, sizeof(e));
	e.hosts.present = 1;
	strlist_add(&e.hosts.l, "a");
	e.methods.present = 1;
	opt_intlist_add(&e.ports, 1);
	mesh_endpoint_release(&e);
	assert_strlist(&e.hosts, 0, 0);
	assert_strlist(&e.methods, 0, 0);
	assert_intlist(&e.ports, 0, 0);
	mesh_endpoint_release(&e);

	memset(&zero, 0, sizeof(zero));
	config_release(&zero);
	config_release(NULL);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_full_example);
	tcase_add_test(tc, test_consumer_defaults);
	tcase_add_test(tc, test_provider_defaults);
	tcase_add_test(tc, test_empty_files);
	tcase_add_test(tc, test_policy_defaults_and_order);
	tcase_add_test(tc, test_config_load_file);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_error_paths, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_many_errors_reported_together);
	tcase_add_loop_test(tc, test_istio_refusals, 0, (int)(sizeof(istio_bad) / sizeof(istio_bad[0])));
	tcase_add_test(tc, test_error_flood_is_capped);
	tcase_add_test(tc, test_wire_limits);
	tcase_add_test(tc, test_long_and_multiline_values_are_quoted_short);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_test(tc, test_http_methods_table);
	tcase_add_test(tc, test_opt_list_helpers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
