/* labels.c - auto-join label reconciliation; see labels.h. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kube.h"
#include "labels.h"
#include "log.h"
#include "strbuf.h"
#include "util.h"

/* Keys the mesh provider may never set: they belong to Kubernetes and Juju. */
static const char *const reserved_keys[] = {
	"app.kubernetes.io/name",
	"app.kubernetes.io/managed-by",
	"statefulset.kubernetes.io/pod-name",
	"controller-revision-hash",
};

char *labels_configmap_name(const char *app)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "juju-service-mesh-%s-labels", app);
	return strbuf_detach(&sb, NULL);
}

static const struct json *find_object(const struct json *items, const char *kind, const char *name)
{
	for (size_t i = 0; items && i < items->u.arr.n; i++) {
		const struct json *o = items->u.arr.items[i];
		const struct json *k = json_get(o, "kind"), *md = json_get(o, "metadata");
		const struct json *n = json_get(md, "name");

		if (k && k->type == JSON_STRING && !strcmp(k->u.s, kind) &&
		    n && n->type == JSON_STRING && !strcmp(n->u.s, name))
			return o;
	}
	return NULL;
}

/* Follow a path of object keys; NULL if any step is missing. */
static const struct json *dig(const struct json *v, const char *const *path)
{
	for (; v && *path; path++)
		v = json_get(v, *path);
	return v;
}

/* The string labels of an object at path (missing: none). */
static void labels_at(const struct json *obj, const char *const *path, struct kvlist *out)
{
	const struct json *l = dig(obj, path);

	for (size_t i = 0; l && l->type == JSON_OBJECT && i < l->u.obj.n; i++)
		if (l->u.obj.m[i].value->type == JSON_STRING)
			kvlist_set(out, l->u.obj.m[i].key, l->u.obj.m[i].value->u.s);
}

/* The ConfigMap's record of our labels; unreadable records count as empty. */
static void read_record(const struct json *cm, const char *cm_name, struct kvlist *out)
{
	static const char *const path[] = { "data", "labels", NULL };
	const struct json *t = dig(cm, path);
	struct strbuf why = STRBUF_INIT;
	struct json *v;

	if (!t)
		return;
	if (t->type != JSON_STRING) {
		log_warning("ConfigMap %s: data.labels is not a string; treating it as empty", cm_name);
		return;
	}
	v = json_parse_str(t->u.s, &why);
	if (!v || v->type != JSON_OBJECT) {
		log_warning("ConfigMap %s: data.labels is not a JSON object (%s); treating it as empty", cm_name,
			    v ? "wrong type" : why.buf);
	} else {
		for (size_t i = 0; i < v->u.obj.n; i++)
			/* Python stores strings; the value only matters for the record */
			kvlist_set(out, v->u.obj.m[i].key,
				   v->u.obj.m[i].value->type == JSON_STRING ? v->u.obj.m[i].value->u.s : "");
	}
	json_free(v);
	strbuf_release(&why);
}

static const char *reserved_reason(const char *key, const struct json *sts)
{
	static const char *const selector_path[] = { "spec", "selector", "matchLabels", NULL };
	const struct json *sel = dig(sts, selector_path);

	for (size_t i = 0; i < ARRAY_SIZE(reserved_keys); i++)
		if (!strcmp(reserved_keys[i], key))
			return "it is a reserved key";
	if (json_get(sel, key))
		return "the StatefulSet's selector uses it";
	return NULL;
}

static void plan_object(const struct kvlist *present, const struct label_plan *p,
			struct label_change *ch)
{
	for (size_t i = 0; i < p->desired.n; i++) {
		const char *have = kvlist_get(present, p->desired.items[i].key);
		if (!have || strcmp(have, p->desired.items[i].value))
			kvlist_set(&ch->set, p->desired.items[i].key, p->desired.items[i].value);
	}
	/* ours: recorded, and still holding the value we recorded (a label
	 * someone else has since changed is theirs now) */
	for (size_t i = 0; i < p->recorded.n; i++) {
		const char *k = p->recorded.items[i].key, *have = kvlist_get(present, k);
		if (!kvlist_get(&p->desired, k) && have && !strcmp(have, p->recorded.items[i].value))
			strlist_add(&ch->remove, k);
	}
	ch->needed = ch->set.n || ch->remove.n;
}

int labels_plan(const char *app, const struct json *items, const struct kvlist *wanted,
		int remove_all, struct label_plan *p)
{
	static const char *const tmpl_path[] = { "spec", "template", "metadata", "labels", NULL };
	static const char *const meta_path[] = { "metadata", "labels", NULL };
	const struct json *sts, *svc, *cm;
	struct kvlist on_sts = KVLIST_INIT, on_svc = KVLIST_INIT;

	memset(p, 0, sizeof(*p));
	p->app = xstrdup(app);
	p->configmap = labels_configmap_name(app);
	sts = find_object(items, "StatefulSet", app);
	svc = find_object(items, "Service", app);
	cm = find_object(items, "ConfigMap", p->configmap);
	if (!sts)
		return error("StatefulSet %s not found: is this a Kubernetes charm, and was it deployed with 'juju trust'?", app);
	if (!svc)
		return error("Service %s not found", app);
	p->cm_exists = cm != NULL;
	read_record(cm, p->configmap, &p->recorded);

	for (size_t i = 0; !remove_all && wanted && i < wanted->n; i++) {
		const char *why = reserved_reason(wanted->items[i].key, sts);
		if (why) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "%s: %s", wanted->items[i].key, why);
			strlist_add_take(&p->refused, strbuf_detach(&sb, NULL));
			continue;
		}
		kvlist_set(&p->desired, wanted->items[i].key, wanted->items[i].value);
	}
	labels_at(sts, tmpl_path, &on_sts);
	labels_at(svc, meta_path, &on_svc);
	plan_object(&on_sts, p, &p->sts);
	plan_object(&on_svc, p, &p->svc);

	/* step 2: record additions first; keep old entries still on an object */
	for (size_t i = 0; i < p->desired.n; i++) {
		const char *rec = kvlist_get(&p->recorded, p->desired.items[i].key);
		if (!rec || strcmp(rec, p->desired.items[i].value))
			p->cm_pre = 1;
	}
	if (p->cm_pre) {
		for (size_t i = 0; i < p->recorded.n; i++) {
			const char *k = p->recorded.items[i].key;
			if (!kvlist_get(&p->desired, k) && (kvlist_get(&on_sts, k) || kvlist_get(&on_svc, k)))
				kvlist_set(&p->cm_pre_labels, k, p->recorded.items[i].value);
		}
		kvlist_copy(&p->cm_pre_labels, &p->desired);
	}
	/* step 5: the record ends as exactly the desired labels */
	if (remove_all) {
		p->cm_delete = p->cm_exists;
	} else {
		const struct kvlist *after = p->cm_pre ? &p->cm_pre_labels : &p->recorded;
		int same = after->n == p->desired.n;
		for (size_t i = 0; same && i < after->n; i++) {
			const char *d = kvlist_get(&p->desired, after->items[i].key);
			same = d && !strcmp(d, after->items[i].value);
		}
		p->cm_post = !same;
	}
	kvlist_release(&on_sts);
	kvlist_release(&on_svc);
	return 0;
}

int label_plan_writes(const struct label_plan *p)
{
	return p->cm_pre + p->sts.needed + p->svc.needed + p->cm_post + p->cm_delete;
}

static void print_change(FILE *f, const char *what, const struct label_change *ch)
{
	fprintf(f, "%s: ", what);
	if (!ch->needed) {
		fputs("no change\n", f);
		return;
	}
	for (size_t i = 0; i < ch->set.n; i++)
		fprintf(f, "%sset %s=%s", i ? ", " : "", ch->set.items[i].key, ch->set.items[i].value);
	for (size_t i = 0; i < ch->remove.n; i++)
		fprintf(f, "%sremove %s", i || ch->set.n ? ", " : "", ch->remove.items[i]);
	fputc('\n', f);
}

static struct json *labels_json(const struct kvlist *l)
{
	struct json *o = json_object();
	for (size_t i = 0; i < l->n; i++)
		json_set(o, l->items[i].key, json_string(l->items[i].value));
	return o;
}

static void print_record(FILE *f, const char *verb, const struct kvlist *l)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *o = labels_json(l);

	json_emit(&sb, o);
	fprintf(f, "%s data.labels=%s", verb, sb.buf);
	json_free(o);
	strbuf_release(&sb);
}

void label_plan_print(const struct label_plan *p, FILE *f)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < p->refused.n; i++)
		fprintf(f, "refused label %s\n", p->refused.items[i]);
	strbuf_addf(&sb, "StatefulSet %s (pod template)", p->app);
	print_change(f, sb.buf, &p->sts);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "Service %s", p->app);
	print_change(f, sb.buf, &p->svc);
	fprintf(f, "ConfigMap %s: ", p->configmap);
	if (!p->cm_pre && !p->cm_post && !p->cm_delete)
		fputs("no change", f);
	if (p->cm_pre)
		print_record(f, p->cm_exists ? "record" : "create with", &p->cm_pre_labels);
	if (p->cm_post)
		print_record(f, p->cm_pre ? ", then" : p->cm_exists ? "record" : "create with", &p->desired);
	if (p->cm_delete)
		fputs("delete", f);
	fputc('\n', f);
	strbuf_release(&sb);
}

void label_plan_release(struct label_plan *p)
{
	free(p->app);
	free(p->configmap);
	kvlist_release(&p->desired);
	strlist_release(&p->refused);
	kvlist_release(&p->recorded);
	kvlist_release(&p->cm_pre_labels);
	kvlist_release(&p->sts.set);
	strlist_release(&p->sts.remove);
	kvlist_release(&p->svc.set);
	strlist_release(&p->svc.remove);
	memset(p, 0, sizeof(*p));
}

/* {"metadata": {"labels": {...}}} wrapped in the given outer keys. */
static struct json *label_patch(const struct label_change *ch, const char *const *outer)
{
	struct json *labels = json_object(), *v;
	size_t depth = 0;

	for (size_t i = 0; i < ch->set.n; i++)
		json_set(labels, ch->set.items[i].key, json_string(ch->set.items[i].value));
	for (size_t i = 0; i < ch->remove.n; i++)
		json_set(labels, ch->remove.items[i], json_null());
	v = labels;
	while (outer[depth])
		depth++;
	while (depth-- > 0) {
		struct json *o = json_object();
		json_set(o, outer[depth], v);
		v = o;
	}
	return v;
}

static int write_record(const char *ns, const struct label_plan *p, const struct kvlist *l, int exists)
{
	struct strbuf text = STRBUF_INIT;
	struct json *labels = labels_json(l), *obj, *data;
	int ret;

	json_emit(&text, labels);
	json_free(labels);
	data = json_object();
	json_set(data, "labels", json_string(text.buf));
	obj = json_object();
	if (exists) {
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
			const char *const *outer)
{
	struct json *patch;
	struct strbuf sb = STRBUF_INIT;
	int ret;

	if (!ch->needed)
		return 0;
	patch = label_patch(ch, outer);
	ret = kube_patch_merge(ns, kindname, patch);
	if (ret == 0) {
		json_emit(&sb, patch);
		log_info("%s: patched labels %s", kindname, sb.buf);
	}
	json_free(patch);
	strbuf_release(&sb);
	return ret;
}

int labels_reconcile(const char *app, const char *ns, const struct kvlist *wanted, int remove_all,
		     int dry_run)
{
	static const char *const tmpl[] = { "spec", "template", "metadata", "labels", NULL };
	static const char *const meta[] = { "metadata", "labels", NULL };
	struct strbuf sts = STRBUF_INIT, svc = STRBUF_INIT, cm = STRBUF_INIT;
	struct label_plan plan;
	struct json *items = NULL;
	const char *names[3];
	char *cm_name = labels_configmap_name(app);
	int ret = -1;

	memset(&plan, 0, sizeof(plan));
	strbuf_addf(&sts, "statefulset/%s", app);
	strbuf_addf(&svc, "service/%s", app);
	strbuf_addf(&cm, "configmap/%s", cm_name);
	names[0] = sts.buf;
	names[1] = svc.buf;
	names[2] = cm.buf;
	if (kube_get(ns, names, 3, &items) < 0 || labels_plan(app, items, wanted, remove_all, &plan) < 0)
		goto out;
	for (size_t i = 0; i < plan.refused.n; i++)
		log_error("refusing mesh label %s", plan.refused.items[i]);
	if (dry_run) {
		label_plan_print(&plan, stdout);
		ret = 0;
		goto out;
	}
	if (!label_plan_writes(&plan)) {
		log_debug("mesh labels already in place (%zu)", plan.desired.n);
		ret = 0;
		goto out;
	}
	if (plan.cm_pre && write_record(ns, &plan, &plan.cm_pre_labels, plan.cm_exists) < 0)
		goto out;
	if (patch_object(ns, sts.buf, &plan.sts, tmpl) < 0 || patch_object(ns, svc.buf, &plan.svc, meta) < 0)
		goto out;
	if (plan.cm_post && write_record(ns, &plan, &plan.desired, plan.cm_exists || plan.cm_pre) < 0)
		goto out;
	if (plan.cm_delete) {
		if (kube_delete(ns, cm.buf) < 0)
			goto out;
		log_info("ConfigMap %s deleted", cm_name);
	}
	ret = 0;
out:
	label_plan_release(&plan);
	json_free(items);
	strbuf_release(&sts);
	strbuf_release(&svc);
	strbuf_release(&cm);
	free(cm_name);
	return ret;
}
