/* fuzz_config.c - libFuzzer harness: config_parse() (service-mesh.yaml)
 * on arbitrary bytes. Every refusal must carry "fuzz.yaml..." lines ending
 * in '\n'; every accepted config must hold what config.h promises (ports
 * 1..65535, known HTTP methods, defaults filled in, Kubernetes-valid
 * provider labels), must drive the hook table, and its policies must
 * build, emit and read back through policy_from_json() unchanged. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/hooks.h"
#include "formats/config.h"
#include "base/k8sname.h"
#include "base/log.h"
#include "protocol/policy.h"
#include "base/strbuf.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	abort();
}

static void check_ports(const struct opt_intlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i] < 1 || l->items[i] > 65535)
			fail("accepted a port out of 1..65535");
}

static void check_methods(const struct opt_strlist *l)
{
	for (size_t i = 0; i < l->l.n; i++) {
		size_t m;
		for (m = 0; m < config_http_methods_count; m++)
			if (!strcmp(l->l.items[i], config_http_methods[m]))
				break;
		if (m == config_http_methods_count)
			fail("accepted an unknown HTTP method");
	}
}

/* Build the policies with one related app per endpoint, emit them, and
 * read every one back as a provider would. */
static void policies_round_trip(const struct cfg_consumer *c)
{
	struct endpoint_apps *rel = calloc(c->npolicies ? c->npolicies : 1, sizeof(*rel));
	const char *const apps[] = { "remote-a" };
	struct policy_list pl = POLICY_LIST_INIT;
	struct strbuf text = STRBUF_INIT, why = STRBUF_INIT, again = STRBUF_INIT;
	struct json *v;

	if (!rel)
		abort();
	for (size_t i = 0; i < c->npolicies; i++) {
		rel[i].endpoint = c->policies[i].relation;
		rel[i].apps = apps;
		rel[i].n = 1;
	}
	policy_build(c, "me", "model", rel, c->npolicies, NULL, 0, &pl);
	policy_list_emit(&text, &pl);
	v = json_parse(text.buf, text.len, &why);
	if (!v || v->type != JSON_ARRAY || v->u.arr.n != pl.n)
		fail("built policies do not parse back as a list of the same length");
	{
		struct policy_list back = POLICY_LIST_INIT;
		for (size_t i = 0; i < v->u.arr.n; i++) {
			struct mesh_policy p;
			if (policy_from_json(v->u.arr.items[i], &p, &why) < 0) {
				fprintf(stderr, "policy %zu: %s\n%s\n", i, why.buf, text.buf);
				fail("a policy we build is refused by policy_from_json()");
			}
			ALLOC_GROW(back.items, back.n + 1, back.alloc);
			back.items[back.n++] = p;
		}
		policy_list_emit(&again, &back);
		if (strcmp(again.buf, text.buf))
			fail("policies change when read back");
		policy_list_release(&back);
	}
	json_free(v);
	policy_list_release(&pl);
	strbuf_release(&text);
	strbuf_release(&again);
	strbuf_release(&why);
	free(rel);
}

static void check_config(const struct mesh_config *cfg)
{
	struct strlist hooks = STRLIST_INIT;

	if (cfg->consumer) {
		const struct cfg_consumer *c = cfg->consumer;
		if (!c->mesh_relation || !c->cmr_requires || !c->cmr_provides)
			fail("consumer endpoint default missing");
		for (size_t i = 0; i < c->npolicies; i++) {
			const struct cfg_policy *p = &c->policies[i];
			if (!p->relation)
				fail("policy without relation accepted");
			check_ports(&p->ports);
			for (size_t e = 0; e < p->nendpoints; e++) {
				check_ports(&p->endpoints[e].ports);
				check_methods(&p->endpoints[e].methods);
			}
		}
		policies_round_trip(c);
	}
	if (cfg->provider) {
		const struct cfg_provider *p = cfg->provider;
		if (!p->mesh_relation || !p->mesh_type || strcmp(p->mesh_type, "istio"))
			fail("provider without mesh relation or istio mesh type accepted");
		for (size_t i = 0; i < p->labels.n; i++)
			if (!k8s_label_key_valid(p->labels.items[i].key, NULL) ||
			    !k8s_label_value_valid(p->labels.items[i].value, NULL))
				fail("invalid provider label accepted");
	}
	hook_names(cfg, &hooks);
	for (size_t i = 0; i < hooks.n; i++)
		if (!hook_actions(cfg, hooks.items[i]))
			fail("hook_names() lists a hook with no action");
	strlist_release(&hooks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mesh_config cfg;
	struct strbuf err = STRBUF_INIT;

	if (config_parse("fuzz.yaml", (const char *)data, size, &cfg, &err) < 0) {
		if (!err.len || err.buf[err.len - 1] != '\n' || strncmp(err.buf, "fuzz.yaml", 9))
			fail("refusal without a 'fuzz.yaml...' line ending in newline");
		if (cfg.consumer || cfg.provider || cfg.path)
			fail("failed parse left a config behind");
	} else {
		check_config(&cfg);
	}
	config_release(&cfg);
	strbuf_release(&err);
	log_flush();
	return 0;
}
