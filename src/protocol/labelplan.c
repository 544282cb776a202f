/* labelplan.c - planning the auto-join labels: what to write to the
 * StatefulSet, Service and ConfigMap, and the texts and patches that say
 * it; see labelplan.h. Pure: actions/labels.c reads and writes. */
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
#include "protocol/labelplan.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "base/util.h"

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

/* A record of our labels: the text of a JSON object of strings, as the
 * Python library stores it. Unreadable records count as empty, with a
 * warning naming where the text was. */
static int parse_record(const struct json *t, const char *where, struct kvlist *out)
{
	struct strbuf why = STRBUF_INIT;
	struct json *v;
	int ret = 0;

	if (t->type != JSON_STRING) {
		log_warning("%s is not a string; treating it as empty", where);
		return -1;
	}
	v = json_parse_str_keep(t->u.s, &why);
	if (!v || v->type != JSON_OBJECT) {
		log_warning("%s is not a JSON object (%s); treating it as empty", where, v ? "wrong type" : why.buf);
		ret = -1;
	} else {
		for (size_t i = 0; i < v->u.obj.n; i++)
			/* Python stores strings; the value only matters for the
			 * record. A key that is not text was never a label. */
			if (!v->u.obj.m[i].bad)
				kvlist_set(out, v->u.obj.m[i].key,
				   v->u.obj.m[i].value->type == JSON_STRING ? v->u.obj.m[i].value->u.s : "");
	}
	json_free(v);
	strbuf_release(&why);
	return ret;
}

/* The ConfigMap's data.labels. */
static void read_record(const struct json *cm, const char *cm_name, struct kvlist *out)
{
	static const char *const path[] = { "data", "labels", NULL };
	const struct json *t = dig(cm, path);
	struct strbuf where = STRBUF_INIT;

	if (t) {
		strbuf_addf(&where, "ConfigMap %s: data.labels", cm_name);
		parse_record(t, where.buf, out);
	}
	strbuf_release(&where);
}

/* An object's annotations: its record of our labels, and whether that
 * record is current (written against the ConfigMap as it is now). */
static void read_mark(const struct json *obj, const char *kind, const char *name, const char *cm_version,
		      struct label_change *ch)
{
	static const char *const path[] = { "metadata", "annotations", LABELS_ANNOTATION, NULL };
	static const char *const base_path[] = { "metadata", "annotations", LABELS_BASE_ANNOTATION, NULL };
	const struct json *t = dig(obj, path), *base = dig(obj, base_path);
	struct strbuf where = STRBUF_INIT;

	ch->has_mark = t || base;
	ch->mark_bad = !t;
	if (t) {
		strbuf_addf(&where, "%s %s: annotation %s", kind, name, LABELS_ANNOTATION);
		ch->mark_bad = parse_record(t, where.buf, &ch->marked) < 0;
	}
	ch->mark_current = !ch->mark_bad && base && base->type == JSON_STRING && !strcmp(base->u.s, cm_version);
	strbuf_release(&where);
}

static int same_labels(const struct kvlist *a, const struct kvlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const char *v = kvlist_get(b, a->items[i].key);
		if (!v || strcmp(v, a->items[i].value))
			return 0;
	}
	return 1;
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

/* 1 when key holds, on the object, the value a record of ours gave it. */
static int ours(const struct kvlist *present, const struct kvlist *record, const char *key)
{
	const char *have = kvlist_get(present, key), *rec = kvlist_get(record, key);
	return have && rec && !strcmp(have, rec);
}

/* The record that says which of ch's labels are ours: its own annotation
 * while that is current, else the ConfigMap. */
static const struct kvlist *record_of(const struct label_plan *p, const struct label_change *ch)
{
	return ch->mark_current ? &ch->marked : &p->recorded;
}

/* 1 (and a line in p->foreign for each object) when an object holds key
 * with a value no record of ours gave it: someone else's label. */
static int foreign(struct label_plan *p, const char *app, const char *key)
{
	const struct label_change *ch[2] = { &p->sts, &p->svc };
	static const char *const what[2] = { "StatefulSet %s (pod template)", "Service %s" };
	int found = 0;

	for (int k = 0; k < 2; k++) {
		const char *have = kvlist_get(&ch[k]->present, key);
		struct strbuf sb = STRBUF_INIT;

		if (!have || ours(&ch[k]->present, record_of(p, ch[k]), key))
			continue;
		strbuf_addf(&sb, "%s=%s on ", key, have);
		strbuf_addf(&sb, what[k], app);
		strlist_add_take(&p->foreign, strbuf_detach(&sb, NULL));
		found = 1;
	}
	return found;
}

static void plan_object(const struct json *sts, const struct label_plan *p, int remove_all,
			struct label_change *ch)
{
	const struct kvlist *present = &ch->present;
	/* one record per object: its own annotation while that is current */
	const struct kvlist *record = record_of(p, ch);

	for (size_t i = 0; i < p->desired.n; i++) {
		const char *have = kvlist_get(present, p->desired.items[i].key);
		if (!have || strcmp(have, p->desired.items[i].value))
			kvlist_set(&ch->set, p->desired.items[i].key, p->desired.items[i].value);
	}
	/* ours and no longer wanted: in the record, still holding its value;
	 * never a reserved or selector key, whatever a damaged record says
	 * (we refuse to set those, so they were never ours) */
	for (size_t i = 0; i < record->n; i++) {
		const char *k = record->items[i].key;
		if (!kvlist_get(&p->desired, k) && ours(present, record, k) && !reserved_reason(k, sts))
			strlist_add(&ch->remove, k);
	}
	/* the annotations change in the same patch as the labels; on their
	 * own only when they name other labels or cannot be read */
	if (remove_all)
		ch->mark = ch->has_mark ? -1 : 0;
	else if (ch->set.n || ch->remove.n ||
		 (ch->has_mark && (ch->mark_bad || !same_labels(&ch->marked, &p->desired))))
		ch->mark = 1;
	ch->needed = ch->set.n || ch->remove.n || ch->mark;
}

/* A held key keeps the value a record of ours gave it, on the object that
 * still holds it (the StatefulSet first): it stays desired, so it is
 * neither changed nor removed, and stays recorded. */
static void hold(struct label_plan *p, const char *key)
{
	const struct label_change *ch[2] = { &p->sts, &p->svc };

	for (int k = 0; k < 2; k++) {
		if (ours(&ch[k]->present, record_of(p, ch[k]), key)) {
			kvlist_set(&p->desired, key, kvlist_get(&ch[k]->present, key));
			strlist_add(&p->held, key);
			return;
		}
	}
}

int labels_plan(const char *app, const struct json *items, const struct kvlist *wanted,
		const struct strlist *held, int remove_all, struct label_plan *p)
{
	static const char *const tmpl_path[] = { "spec", "template", "metadata", "labels", NULL };
	static const char *const meta_path[] = { "metadata", "labels", NULL };
	static const char *const rv_path[] = { "metadata", "resourceVersion", NULL };
	const struct json *sts, *svc, *cm, *rv;

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
	rv = dig(cm, rv_path);
	p->cm_version = xstrdup(rv && rv->type == JSON_STRING ? rv->u.s : "");
	labels_at(sts, tmpl_path, &p->sts.present);
	labels_at(svc, meta_path, &p->svc.present);
	read_mark(sts, "StatefulSet", app, p->cm_version, &p->sts);
	read_mark(svc, "Service", app, p->cm_version, &p->svc);

	for (size_t i = 0; !remove_all && wanted && i < wanted->n; i++) {
		const char *why = reserved_reason(wanted->items[i].key, sts);
		if (why) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "%s: %s", wanted->items[i].key, why);
			strlist_add_take(&p->refused, strbuf_detach(&sb, NULL));
			continue;
		}
		if (foreign(p, app, wanted->items[i].key))
			continue;
		kvlist_set(&p->desired, wanted->items[i].key, wanted->items[i].value);
	}
	for (size_t i = 0; !remove_all && held && i < held->n; i++)
		if (!kvlist_get(&p->desired, held->items[i]) && !reserved_reason(held->items[i], sts))
			hold(p, held->items[i]);
	plan_object(sts, p, remove_all, &p->sts);
	plan_object(sts, p, remove_all, &p->svc);
	/* last, the record ends as exactly the desired labels */
	if (remove_all)
		p->cm_delete = p->cm_exists;
	else
		p->cm_write = !same_labels(&p->recorded, &p->desired);
	return 0;
}

int label_plan_writes(const struct label_plan *p)
{
	return p->sts.needed + p->svc.needed + p->cm_write + p->cm_delete;
}

void label_record_text(struct strbuf *sb, const struct kvlist *l)
{
	struct json *o = json_object_from_kvlist(l);

	json_emit(sb, o);
	json_free(o);
}

size_t label_change_text(struct strbuf *sb, const struct label_change *ch)
{
	size_t start = sb->len;

	for (size_t i = 0; i < ch->set.n; i++)
		strbuf_addf(sb, "%sset %s=%s", sb->len > start ? ", " : "", ch->set.items[i].key,
			    ch->set.items[i].value);
	for (size_t i = 0; i < ch->remove.n; i++)
		strbuf_addf(sb, "%sremove %s", sb->len > start ? ", " : "", ch->remove.items[i]);
	return ch->set.n + ch->remove.n;
}

/* "set k=v, remove k" for one object, or "in sync". */
static void change_text(struct strbuf *sb, const struct label_change *ch)
{
	if (!label_change_text(sb, ch))
		strbuf_addstr(sb, ch->needed ? "annotation only" : "in sync");
}

void label_plan_summary(struct strbuf *sb, const struct label_plan *p)
{
	if (!label_plan_writes(p)) {
		strbuf_addf(sb, "mesh labels already in place (%zu on StatefulSet %s and Service %s)",
			    p->desired.n, p->app, p->app);
		return;
	}
	strbuf_addf(sb, "StatefulSet %s: ", p->app);
	change_text(sb, &p->sts);
	strbuf_addf(sb, "; Service %s: ", p->app);
	change_text(sb, &p->svc);
	strbuf_addf(sb, "; ConfigMap %s: %s", p->configmap,
		    p->cm_write ? "record the labels" : p->cm_delete ? "delete" : "no change");
}

static void print_change(FILE *f, const char *what, const struct label_change *ch,
			 const struct kvlist *desired)
{
	struct strbuf sb = STRBUF_INIT;

	if (!ch->needed) {
		fprintf(f, "%s: no change\n", what);
		return;
	}
	if (!label_change_text(&sb, ch))
		strbuf_addstr(&sb, "labels already right");
	if (ch->mark < 0) {
		strbuf_addstr(&sb, "; remove annotations " LABELS_ANNOTATION ", " LABELS_BASE_ANNOTATION);
	} else if (ch->mark > 0) {
		strbuf_addstr(&sb, "; annotation " LABELS_ANNOTATION "=");
		label_record_text(&sb, desired);
	}
	fprintf(f, "%s: %s\n", what, sb.buf);
	strbuf_release(&sb);
}

void label_plan_print(const struct label_plan *p, FILE *f)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < p->refused.n; i++)
		fprintf(f, "refused label %s\n", p->refused.items[i]);
	for (size_t i = 0; i < p->foreign.n; i++)
		fprintf(f, "foreign label %s: left alone (svcmesh-hook did not set it)\n", p->foreign.items[i]);
	for (size_t i = 0; i < p->held.n; i++)
		fprintf(f, "held label %s: left as it is (the provider's value cannot be used)\n", p->held.items[i]);
	strbuf_addf(&sb, "StatefulSet %s (pod template)", p->app);
	print_change(f, sb.buf, &p->sts, &p->desired);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "Service %s", p->app);
	print_change(f, sb.buf, &p->svc, &p->desired);
	strbuf_reset(&sb);
	fprintf(f, "ConfigMap %s: ", p->configmap);
	if (p->cm_write) {
		label_record_text(&sb, &p->desired);
		fprintf(f, "%s data.labels=%s\n", p->cm_exists ? "record" : "create with", sb.buf);
	} else {
		fputs(p->cm_delete ? "delete\n" : "no change\n", f);
	}
	strbuf_release(&sb);
}

static void change_release(struct label_change *ch)
{
	kvlist_release(&ch->present);
	kvlist_release(&ch->set);
	strlist_release(&ch->remove);
	kvlist_release(&ch->marked);
}

void label_plan_release(struct label_plan *p)
{
	free(p->app);
	free(p->configmap);
	free(p->cm_version);
	kvlist_release(&p->desired);
	strlist_release(&p->refused);
	strlist_release(&p->held);
	strlist_release(&p->foreign);
	kvlist_release(&p->recorded);
	change_release(&p->sts);
	change_release(&p->svc);
	memset(p, 0, sizeof(*p));
}

struct json *label_object_patch(const struct label_change *ch, const struct kvlist *desired,
				const char *cm_version, int in_template)
{
	struct json *patch = json_object(), *md = json_object();

	if (ch->set.n || ch->remove.n) {
		/* set keys are wanted ones, removed keys unwanted ones: distinct */
		struct json *labels = json_object_from_kvlist(&ch->set);
		for (size_t i = 0; i < ch->remove.n; i++)
			json_add_new(labels, ch->remove.items[i], json_null());
		if (in_template) {
			struct json *spec = json_object(), *tmpl = json_object(), *tmd = json_object();
			json_set(tmd, "labels", labels);
			json_set(tmpl, "metadata", tmd);
			json_set(spec, "template", tmpl);
			json_set(patch, "spec", spec);
		} else {
			json_set(md, "labels", labels);
		}
	}
	if (ch->mark) {
		struct json *ann = json_object();
		struct strbuf text = STRBUF_INIT;
		if (ch->mark > 0) {
			label_record_text(&text, desired);
			json_set(ann, LABELS_ANNOTATION, json_string(text.buf));
			json_set(ann, LABELS_BASE_ANNOTATION, json_string(cm_version));
		} else {
			json_set(ann, LABELS_ANNOTATION, json_null());
			json_set(ann, LABELS_BASE_ANNOTATION, json_null());
		}
		json_set(md, "annotations", ann);
		strbuf_release(&text);
	}
	if (md->u.obj.n)
		json_set(patch, "metadata", md);
	else
		json_free(md);
	return patch;
}
