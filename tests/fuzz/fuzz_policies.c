/* fuzz_policies.c - libFuzzer harness: a consumer's `policies` value as a
 * provider gathers it (provider.c provider_gather()): json_parse(), then
 * policy_from_json() on each element of the list; a bad element is
 * skipped and the good ones are kept. Checks that every accepted policy
 * obeys MeshPolicy's rules, that the kept list emits, reads back and
 * emits the same bytes, and renders (or is refused with a reason) as an
 * Istio AuthorizationPolicy whose name is a valid DNS-1123 subdomain. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/istio.h"
#include "formats/json.h"
#include "base/k8sname.h"
#include "base/log.h"
#include "protocol/policy.h"
#include "base/strbuf.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_policies: %s\n%.1000s\n", what, detail ? detail : "");
	abort();
}

static void check_policy(const struct mesh_policy *p)
{
	if (!p->source_namespace || !*p->source_namespace || !p->source_app_name ||
	    !*p->source_app_name || !p->target_namespace)
		fail("accepted a policy without source or target namespace", NULL);
	if (p->target_type == TARGET_APP) {
		if (!(p->target_app_name && *p->target_app_name) &&
		    !(p->target_service && *p->target_service))
			fail("accepted an app policy without target", NULL);
		if (p->target_selector_labels && p->target_selector_labels->n)
			fail("accepted an app policy with selector labels", NULL);
	} else if (p->target_service && *p->target_service) {
		fail("accepted a unit policy with a target_service", NULL);
	}
	for (size_t e = 0; e < p->nendpoints; e++) {
		const struct opt_intlist *ports = &p->endpoints[e].ports;
		for (size_t i = 0; i < ports->n; i++)
			if (ports->items[i] < 1 || ports->items[i] > 65535)
				fail("accepted a port out of range", NULL);
	}
}

static void render(const struct mesh_policy *p)
{
	struct strbuf why = STRBUF_INIT, name = STRBUF_INIT;
	struct json *obj = NULL;

	if (istio_policy_name(&name, "beacon", "istio-system", p, &why) == 0) {
		if (!k8s_dns_subdomain_valid(name.buf, NULL))
			fail("policy name is not a DNS-1123 subdomain", name.buf);
	} else if (!why.len) {
		fail("istio_policy_name() refused without a reason", NULL);
	}
	strbuf_reset(&why);
	if (istio_render_policy("beacon", "istio-system", p, &obj, &why) < 0) {
		if (obj || !why.len)
			fail("istio_render_policy() refused without a reason or left an object", NULL);
	} else {
		struct strbuf text = STRBUF_INIT;
		if (!obj)
			fail("istio_render_policy() succeeded without an object", NULL);
		json_emit(&text, obj);
		strbuf_release(&text);
	}
	json_free(obj);
	strbuf_release(&why);
	strbuf_release(&name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, text = STRBUF_INIT, again = STRBUF_INIT;
	struct policy_list kept = POLICY_LIST_INIT, back = POLICY_LIST_INIT;
	struct json *v, *w;

	v = json_parse((const char *)data, size, &err);
	if (!v || v->type != JSON_ARRAY)
		goto out;  /* the provider skips the whole relation */
	for (size_t i = 0; i < v->u.arr.n; i++) {
		struct mesh_policy p;
		strbuf_reset(&err);
		if (policy_from_json(v->u.arr.items[i], &p, &err) < 0) {
			if (!err.len)
				fail("policy refused without a reason", NULL);
			if (p.source_namespace || p.endpoints || p.target_selector_labels)
				fail("refused policy not released", NULL);
			continue;
		}
		check_policy(&p);
		render(&p);
		ALLOC_GROW(kept.items, kept.n + 1, kept.alloc);
		kept.items[kept.n++] = p;
	}
	policy_list_emit(&text, &kept);
	w = json_parse(text.buf, text.len, &err);
	if (!w || w->type != JSON_ARRAY || w->u.arr.n != kept.n)
		fail("kept policies do not parse back", text.buf);
	for (size_t i = 0; i < w->u.arr.n; i++) {
		struct mesh_policy p;
		if (policy_from_json(w->u.arr.items[i], &p, &err) < 0)
			fail("a kept policy is refused once re-emitted", err.buf);
		ALLOC_GROW(back.items, back.n + 1, back.alloc);
		back.items[back.n++] = p;
	}
	policy_list_emit(&again, &back);
	if (strcmp(text.buf, again.buf))
		fail("kept policies change when read back", again.buf);
	json_free(w);
out:
	json_free(v);
	policy_list_release(&kept);
	policy_list_release(&back);
	strbuf_release(&err);
	strbuf_release(&text);
	strbuf_release(&again);
	log_flush();
	return 0;
}
