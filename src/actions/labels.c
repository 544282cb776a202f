/* labels.c - auto-join label reconciliation: kubectl get, patch, create
 * and delete around the plan of protocol/labelplan.c; see labels.h. */
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
#include "transports/kube.h"
#include "actions/labels.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "base/util.h"

/* "KIND/NAME", as kubectl names an object (caller frees). */
static char *object(const char *kind, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", kind, name);
	return strbuf_detach(&sb, NULL);
}

int labels_read(const char *app, const char *ns, const struct kvlist *wanted,
		const struct strlist *held, int remove_all, struct label_plan *plan)
{
	char *cm_name = labels_configmap_name(app);
	char *names[] = { object("statefulset", app), object("service", app), object("configmap", cm_name) };
	struct json *items = NULL;
	int ret;

	memset(plan, 0, sizeof(*plan));
	ret = kube_get(ns, (const char *const *)names, ARRAY_SIZE(names), &items) < 0 ? -1
		: labels_plan(app, items, wanted, held, remove_all, plan);
	json_free(items);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		free(names[i]);
	free(cm_name);
	return ret;
}

static int write_record(const char *ns, const struct label_plan *p)
{
	struct strbuf text = STRBUF_INIT;
	struct json *obj = json_object(), *data = json_object();
	int ret;

	label_record_text(&text, &p->desired);
	json_set(data, "labels", json_string(text.buf));
	if (p->cm_exists) {
		char *name = object("configmap", p->configmap);

		json_set(obj, "data", data);
		ret = kube_patch_merge(ns, name, obj);
		free(name);
	} else {
		struct json *md = json_object();

		json_set(obj, "apiVersion", json_string("v1"));
		json_set(obj, "kind", json_string("ConfigMap"));
		json_set(md, "name", json_string(p->configmap));
		json_set(md, "namespace", json_string(ns));
		json_set(obj, "metadata", md);
		json_set(obj, "data", data);
		ret = kube_create(ns, obj);
	}
	if (ret == 0)
		log_info("ConfigMap %s: recorded labels %s", p->configmap, text.buf);
	json_free(obj);
	strbuf_release(&text);
	return ret;
}

/* KIND/APP's labels and annotation, when ch says they differ. */
static int patch_object(const char *ns, const char *kind, const struct label_plan *plan,
			const struct label_change *ch, int in_template)
{
	char *name;
	struct json *patch;
	struct strbuf sb = STRBUF_INIT;
	int ret;

	if (!ch->needed)
		return 0;
	name = object(kind, plan->app);
	patch = label_object_patch(ch, &plan->desired, plan->cm_version, in_template);
	ret = kube_patch_merge(ns, name, patch);
	if (ret == 0) {
		json_emit(&sb, patch);
		log_info("%s: patched %s", name, sb.buf);
	}
	json_free(patch);
	strbuf_release(&sb);
	free(name);
	return ret;
}

int labels_apply(const char *ns, const struct label_plan *plan)
{
	char *cm;
	int ret;

	for (size_t i = 0; i < plan->refused.n; i++)
		log_error("refusing mesh label %s", plan->refused.items[i]);
	for (size_t i = 0; i < plan->foreign.n; i++)
		log_warning("leaving label %s alone: svcmesh-hook did not set it", plan->foreign.items[i]);
	if (!label_plan_writes(plan)) {
		log_debug("mesh labels already in place (%zu)", plan->desired.n);
		return 0;
	}
	/* each object's labels and its own record of them change together;
	 * the ConfigMap follows */
	if (patch_object(ns, "statefulset", plan, &plan->sts, 1) < 0 ||
	    patch_object(ns, "service", plan, &plan->svc, 0) < 0 ||
	    (plan->cm_write && write_record(ns, plan) < 0))
		return -1;
	if (!plan->cm_delete)
		return 0;
	cm = object("configmap", plan->configmap);
	ret = kube_delete(ns, cm);
	free(cm);
	if (ret == 0)
		log_info("ConfigMap %s deleted", plan->configmap);
	return ret;
}

int labels_reconcile(const char *app, const char *ns, const struct kvlist *wanted,
		     const struct strlist *held, int remove_all)
{
	struct label_plan plan;
	int ret = labels_read(app, ns, wanted, held, remove_all, &plan);

	if (ret == 0)
		ret = labels_apply(ns, &plan);
	label_plan_release(&plan);
	return ret;
}
