/* labels.c - auto-join label reconciliation: kubectl get, patch, create
 * and delete around the plan of protocol/labelplan.c; see labels.h. */
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
#include "transports/kube.h"
#include "actions/labels.h"
#include "base/log.h"
#include "base/strbuf.h"

int labels_read(const char *app, const char *ns, const struct kvlist *wanted,
		const struct strlist *held, int remove_all, struct label_plan *plan)
{
	struct strbuf sts = STRBUF_INIT, svc = STRBUF_INIT, cm = STRBUF_INIT;
	struct json *items = NULL;
	const char *names[3];
	char *cm_name = labels_configmap_name(app);
	int ret;

	memset(plan, 0, sizeof(*plan));
	strbuf_addf(&sts, "statefulset/%s", app);
	strbuf_addf(&svc, "service/%s", app);
	strbuf_addf(&cm, "configmap/%s", cm_name);
	names[0] = sts.buf;
	names[1] = svc.buf;
	names[2] = cm.buf;
	ret = kube_get(ns, names, 3, &items) < 0 ? -1 : labels_plan(app, items, wanted, held, remove_all, plan);
	json_free(items);
	strbuf_release(&sts);
	strbuf_release(&svc);
	strbuf_release(&cm);
	free(cm_name);
	return ret;
}

static int write_record(const char *ns, const struct label_plan *p)
{
	struct strbuf text = STRBUF_INIT;
	struct json *obj, *data;
	int ret;

	label_record_text(&text, &p->desired);
	data = json_object();
	json_set(data, "labels", json_string(text.buf));
	obj = json_object();
	if (p->cm_exists) {
		struct strbuf name = STRBUF_INIT;
		json_set(obj, "data", data);
		strbuf_addf(&name, "configmap/%s", p->configmap);
		ret = kube_patch_merge(ns, name.buf, obj);
		strbuf_release(&name);
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

static int patch_object(const char *ns, const char *kindname, const struct label_change *ch,
			const struct kvlist *desired, const char *cm_version, int in_template)
{
	struct json *patch;
	struct strbuf sb = STRBUF_INIT;
	int ret;

	if (!ch->needed)
		return 0;
	patch = label_object_patch(ch, desired, cm_version, in_template);
	ret = kube_patch_merge(ns, kindname, patch);
	if (ret == 0) {
		json_emit(&sb, patch);
		log_info("%s: patched %s", kindname, sb.buf);
	}
	json_free(patch);
	strbuf_release(&sb);
	return ret;
}

int labels_apply(const char *ns, const struct label_plan *plan)
{
	struct strbuf sts = STRBUF_INIT, svc = STRBUF_INIT, cm = STRBUF_INIT;
	int ret = -1;

	for (size_t i = 0; i < plan->refused.n; i++)
		log_error("refusing mesh label %s", plan->refused.items[i]);
	for (size_t i = 0; i < plan->foreign.n; i++)
		log_warning("leaving label %s alone: svcmesh-hook did not set it", plan->foreign.items[i]);
	if (!label_plan_writes(plan)) {
		log_debug("mesh labels already in place (%zu)", plan->desired.n);
		return 0;
	}
	strbuf_addf(&sts, "statefulset/%s", plan->app);
	strbuf_addf(&svc, "service/%s", plan->app);
	strbuf_addf(&cm, "configmap/%s", plan->configmap);
	/* each object's labels and its own record of them change together;
	 * the ConfigMap follows */
	if (patch_object(ns, sts.buf, &plan->sts, &plan->desired, plan->cm_version, 1) < 0 ||
	    patch_object(ns, svc.buf, &plan->svc, &plan->desired, plan->cm_version, 0) < 0)
		goto out;
	if (plan->cm_write && write_record(ns, plan) < 0)
		goto out;
	if (plan->cm_delete) {
		if (kube_delete(ns, cm.buf) < 0)
			goto out;
		log_info("ConfigMap %s deleted", plan->configmap);
	}
	ret = 0;
out:
	strbuf_release(&sts);
	strbuf_release(&svc);
	strbuf_release(&cm);
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
