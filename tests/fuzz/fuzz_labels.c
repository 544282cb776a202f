/* fuzz_labels.c - libFuzzer harness: what a mesh provider sends to a
 * consumer. The input is read as the `labels` value (the checks of
 * consumer.c read_labels(): a JSON object, string values, Kubernetes key
 * and value syntax via k8sname.h) and as the `mesh_type` value (a JSON
 * string). The labels kept then go through labels_plan() against a
 * StatefulSet, Service and ConfigMap as kubectl returns them: reserved
 * keys and selector keys must be refused, never planned; every planned
 * label must be Kubernetes-valid; the plan's ConfigMap record must emit
 * and parse back. The raw input is also put, as text, into the ConfigMap's
 * record and into a current annotation on both objects (a damaged or
 * hostile record): the plan must still never touch a reserved or selector
 * key. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
#include "base/k8sname.h"
#include "base/kvlist.h"
#include "actions/labels.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char objects[] =
	"[{\"kind\": \"StatefulSet\", \"metadata\": {\"name\": \"app\"}, \"spec\": {"
	"\"selector\": {\"matchLabels\": {\"app.kubernetes.io/name\": \"app\", \"tier\": \"web\"}},"
	"\"template\": {\"metadata\": {\"labels\": {\"app.kubernetes.io/name\": \"app\","
	"\"tier\": \"web\", \"istio.io/dataplane-mode\": \"ambient\", \"team\": \"blue\"}}}}},"
	"{\"kind\": \"Service\", \"metadata\": {\"name\": \"app\", \"labels\": {"
	"\"app.kubernetes.io/name\": \"app\", \"old\": \"1\"}}},"
	"{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"juju-service-mesh-app-labels\"},"
	"\"data\": {\"labels\": \"{\\\"istio.io/dataplane-mode\\\": \\\"ambient\\\", \\\"old\\\": \\\"1\\\"}\"}}]";

static const char *const never[] = {
	"app.kubernetes.io/name", "app.kubernetes.io/managed-by",
	"statefulset.kubernetes.io/pod-name", "controller-revision-hash", "tier",
};

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_labels: %s: %.300s\n", what, detail ? detail : "");
	abort();
}

/* consumer.c read_labels(): keep string values with valid key and value. */
static int read_labels(const struct json *v, struct kvlist *labels)
{
	if (v->type != JSON_OBJECT)
		return -1;
	for (size_t i = 0; i < v->u.obj.n; i++) {
		const struct json_member *m = &v->u.obj.m[i];
		const char *bad = NULL;

		if (m->value->type != JSON_STRING)
			continue;
		if (!k8s_label_key_valid(m->key, &bad) || !k8s_label_value_valid(m->value->u.s, &bad)) {
			if (!bad)
				fail("label refused without a reason", m->key);
			continue;
		}
		kvlist_set(labels, m->key, m->value->u.s);
	}
	return 0;
}

static void check_change(const struct label_change *ch)
{
	for (size_t i = 0; i < ch->set.n; i++) {
		if (!k8s_label_key_valid(ch->set.items[i].key, NULL) ||
		    !k8s_label_value_valid(ch->set.items[i].value, NULL))
			fail("plan sets an invalid label", ch->set.items[i].key);
		for (size_t k = 0; k < ARRAY_SIZE(never); k++)
			if (!strcmp(ch->set.items[i].key, never[k]))
				fail("plan sets a reserved or selector label", never[k]);
	}
	for (size_t i = 0; i < ch->remove.n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(never); k++)
			if (!strcmp(ch->remove.items[i], never[k]))
				fail("plan removes a reserved or selector label", never[k]);
}

static void plan(const struct kvlist *wanted)
{
	static struct json *items;
	struct strbuf why = STRBUF_INIT;
	struct label_plan p;
	FILE *devnull;

	if (!items) {
		items = json_parse(objects, strlen(objects), &why);
		if (!items)
			fail("fixture does not parse", why.buf);
	}
	if (labels_plan("app", items, wanted, NULL, 0, &p) < 0)
		fail("labels_plan() failed with every object present", NULL);
	check_change(&p.sts);
	check_change(&p.svc);
	for (size_t i = 0; i < p.desired.n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(never); k++)
			if (!strcmp(p.desired.items[i].key, never[k]))
				fail("a reserved or selector key is desired", never[k]);
	if (label_plan_writes(&p) < 0 || label_plan_writes(&p) > 4)
		fail("impossible number of writes", NULL);
	devnull = fopen("/dev/null", "w");
	if (devnull) {
		label_plan_print(&p, devnull);
		fclose(devnull);
	}
	label_plan_release(&p);
	/* relation-broken: everything of ours goes, nothing foreign does */
	if (labels_plan("app", items, NULL, NULL, 1, &p) < 0)
		fail("labels_plan(remove_all) failed", NULL);
	check_change(&p.sts);
	check_change(&p.svc);
	if (!p.cm_delete)
		fail("relation-broken plan keeps the ConfigMap", NULL);
	label_plan_release(&p);
	strbuf_release(&why);
}

/* The objects with text as the ConfigMap record and as both objects'
 * current annotation. */
static void plan_with_records(const uint8_t *data, size_t size)
{
	static const char *const tmpl =
		"[{\"kind\": \"StatefulSet\", \"metadata\": {\"name\": \"app\", \"annotations\": {"
		"\"" LABELS_ANNOTATION "\": %s, \"" LABELS_BASE_ANNOTATION "\": \"9\"}}, \"spec\": {"
		"\"selector\": {\"matchLabels\": {\"app.kubernetes.io/name\": \"app\", \"tier\": \"web\"}},"
		"\"template\": {\"metadata\": {\"labels\": {\"app.kubernetes.io/name\": \"app\","
		"\"tier\": \"web\", \"controller-revision-hash\": \"h\", \"team\": \"blue\"}}}}},"
		"{\"kind\": \"Service\", \"metadata\": {\"name\": \"app\", \"annotations\": {"
		"\"" LABELS_ANNOTATION "\": %s, \"" LABELS_BASE_ANNOTATION "\": \"9\"}, \"labels\": {"
		"\"app.kubernetes.io/name\": \"app\", \"app.kubernetes.io/managed-by\": \"juju\"}}},"
		"{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"juju-service-mesh-app-labels\","
		"\"resourceVersion\": \"9\"}, \"data\": {\"labels\": %s}}]";
	struct strbuf text = STRBUF_INIT, doc = STRBUF_INIT, why = STRBUF_INIT;
	struct json *items;
	struct label_plan p;

	json_emit_string(&text, (const char *)data, size);
	strbuf_addf(&doc, tmpl, text.buf, text.buf, text.buf);
	items = json_parse(doc.buf, doc.len, &why);
	if (items) {   /* NULL: the input is not valid UTF-8, or holds a NUL */
		for (int broken = 0; broken < 2; broken++) {
			if (labels_plan("app", items, NULL, NULL, broken, &p) < 0)
				fail("labels_plan() failed with every object present", NULL);
			check_change(&p.sts);
			check_change(&p.svc);
			if (label_plan_writes(&p) > 4)
				fail("impossible number of writes", NULL);
			label_plan_release(&p);
		}
	}
	json_free(items);
	strbuf_release(&text);
	strbuf_release(&doc);
	strbuf_release(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct kvlist labels = KVLIST_INIT;
	struct json *v = json_parse((const char *)data, size, &err);

	if (v) {
		/* as mesh_type: only a JSON string is taken */
		if (v->type == JSON_STRING && strlen(v->u.s) > size)
			fail("mesh_type longer than its input", NULL);
		if (read_labels(v, &labels) == 0)
			plan(&labels);
	}
	plan_with_records(data, size);
	json_free(v);
	kvlist_release(&labels);
	strbuf_release(&err);
	log_flush();
	return 0;
}
