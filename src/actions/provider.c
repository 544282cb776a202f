/* provider.c - ServiceMeshProvider in C: publish, mesh_info, render and
 * enforce; see provider.h and reference/service-mesh-protocol.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/istio.h"
#include "formats/json.h"
#include "transports/jujuc.h"
#include "base/k8sname.h"
#include "transports/kube.h"
#include "base/log.h"
#include "actions/provider.h"
#include "base/strbuf.h"
#include "protocol/trust.h"
#include "base/util.h"

/* ---- publish ---- */

/* The provider's labels for this deployment: placeholders expanded
 * (istio.h istio_expand_label()), each result checked as a label; one
 * that is not valid here is left out with a WARNING. */
static void expand_labels(const struct cfg_provider *p, const struct juju_env *e, struct kvlist *out)
{
	for (size_t i = 0; i < p->labels.n; i++) {
		const char *k = p->labels.items[i].key, *v = p->labels.items[i].value, *bad = NULL;
		struct strbuf key = STRBUF_INIT, val = STRBUF_INIT, why = STRBUF_INIT;

		if (istio_expand_label(&key, k, e->model, e->app, e->unit, &why) < 0 ||
		    istio_expand_label(&val, v, e->model, e->app, e->unit, &why) < 0)
			log_warning("provider label '%s': %s; left out", k, why.buf);
		else if (!k8s_label_key_valid(key.buf, &bad) || !k8s_label_value_valid(val.buf, &bad))
			log_warning("provider label '%s: %s' expands to '%s: %s' in this model, which is not "
				    "a valid label (%s); left out", k, v, key.buf, val.buf, bad);
		else
			kvlist_set(out, key.buf, val.buf);
		strbuf_release(&key);
		strbuf_release(&val);
		strbuf_release(&why);
	}
}

int provider_publish(const struct cfg_provider *p)
{
	const struct juju_env *e;
	const struct strlist *ids;
	struct strbuf labels = STRBUF_INIT, type = STRBUF_INIT;
	struct kvlist kv = KVLIST_INIT;
	struct json *o;
	int ret = 0;

	if (!p)
		return 0;
	if (!(e = juju_context("the provider")) || juju_relation_ids(p->mesh_relation, &ids) < 0)
		return -1;
	if (!ids->n) {
		log_debug("no %s relation: no labels to publish", p->mesh_relation);
		return 0;
	}
	{
		struct kvlist expanded = KVLIST_INIT;

		expand_labels(p, e, &expanded);
		o = json_object_from_kvlist(&expanded);
		kvlist_release(&expanded);
	}
	json_emit(&labels, o);
	json_free(o);
	json_emit_string(&type, p->mesh_type, strlen(p->mesh_type));

	kvlist_set(&kv, "labels", labels.buf);
	kvlist_set(&kv, "mesh_type", type.buf);
	for (size_t i = 0; i < ids->n && ret == 0; i++) {
		const char *relid = ids->items[i];
		int sent;

		ret = juju_relation_update_app(relid, &kv, &sent);
		if (ret == 0 && !sent)
			log_debug("%s: labels and mesh_type unchanged", relid);
		else if (ret == 0)
			log_info("%s: published %s%s%s", relid, sent & 1 ? "labels " : "",
				 sent & 1 ? labels.buf : "",
				 sent & 2 ? (sent & 1 ? " and mesh_type" : "mesh_type") : "");
	}
	kvlist_release(&kv);
	strbuf_release(&labels);
	strbuf_release(&type);
	return ret;
}

/* ---- gathering ---- */

/* Consumer relations whose databags provider_collect() asks for together. */
#define GATHER_WINDOW 64

int provider_collect(const struct cfg_provider *p, int strict, struct provider_view *v)
{
	const struct strlist *ids;
	int ret = 0;

	if (juju_relation_ids(p->mesh_relation, &ids) < 0)
		return -1;
	for (size_t r = 0; r < ids->n; r++) {
		const char *relid = ids->items[r], *app;
		const struct kvlist *bag;

		/* The databags of the next GATHER_WINDOW relations are asked for
		 * together, and each is dropped once read: memory holds one
		 * window of databags, not every consumer's. */
		if (r % GATHER_WINDOW == 0) {
			struct strlist win = { ids->items + r, ids->n - r, 0 };
			if (win.n > GATHER_WINDOW)
				win.n = GATHER_WINDOW;
			if (juju_prefetch_remote_bags(&win) < 0)
				return -1;
		}
		if (juju_relation_app(relid, &app) < 0 || juju_relation_get_app(relid, app, &bag) < 0)
			return -1;
		if (provider_view_add(v, relid, app, bag, strict) < 0)
			ret = -1;
		juju_forget_bag(relid, app);
	}
	log_debug("gathered %zu mesh policies from %zu %s relations%s", v->kept, ids->n, p->mesh_relation,
		  v->bad ? " (some skipped)" : "");
	return ret;
}

int provider_gather(const struct cfg_provider *p, int strict, struct policy_list *out)
{
	struct provider_view v = PROVIDER_VIEW_INIT;
	int ret = provider_collect(p, strict, &v);

	for (size_t i = 0; i < v.policies.n; i++) {
		ALLOC_GROW(out->items, out->n + 1, out->alloc);
		out->items[out->n++] = v.policies.items[i];
	}
	v.policies.n = 0;
	provider_view_release(&v);
	return ret;
}

/* ---- rendering ---- */

static const char *str_at(const struct json *o, const char *k1, const char *k2)
{
	const struct json *v = json_get(json_get(o, k1), k2);
	return v && v->type == JSON_STRING ? v->u.s : NULL;
}

/* Objects by (namespace, name), sorted, for O(log n) look-ups: render and
 * prune stay O(n log n) however many policies there are. */
struct named {
	const char *ns, *name;
	const struct json *obj;
	size_t pos;
};

static int cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = x->pos < y->pos ? -1 : x->pos > y->pos;
	return c;
}

/* Index of the objects of array items that have a name and namespace. */
static struct named *index_objects(const struct json *items, size_t *n)
{
	struct named *ix = xcalloc(items->u.arr.n ? items->u.arr.n : 1, sizeof(*ix));

	*n = 0;
	for (size_t i = 0; i < items->u.arr.n; i++) {
		const struct json *o = items->u.arr.items[i];
		const char *name = str_at(o, "metadata", "name"), *ns = str_at(o, "metadata", "namespace");
		if (name && ns)
			ix[(*n)++] = (struct named){ ns, name, o, i };
	}
	qsort(ix, *n, sizeof(*ix), cmp_named);
	return ix;
}

/* The first object (lowest position) named like obj, or NULL. */
static const struct json *find_named(const struct named *ix, size_t n, const struct json *obj)
{
	const char *name = str_at(obj, "metadata", "name"), *ns = str_at(obj, "metadata", "namespace");
	size_t lo = 0, hi = n;

	if (!name || !ns)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ix[mid].ns, ns);
		if (!c)
			c = strcmp(ix[mid].name, name);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(ix[lo].ns, ns) && !strcmp(ix[lo].name, name) ? ix[lo].obj : NULL;
}

/* Render every policy into *items (a new JSON array, in gathering order,
 * duplicates left out). Policies that cannot be enforced are logged as
 * warnings naming the relation, the consumer, the entry and the rule, and
 * counted in *refused. */
static int render_all(const struct policy_list *pl, const struct strlist *origins,
		      const struct strlist *senders, struct json **items, size_t *refused, int to_stderr)
{
	const struct juju_env *e;
	struct json *all;
	struct named *ix;
	size_t nix;
	char *dup;

	*items = NULL;
	*refused = 0;
	if (!(e = juju_context("the provider")))
		return -1;
	all = json_array();
	for (size_t i = 0; i < pl->n; i++) {
		const struct mesh_policy *p = &pl->items[i];
		struct strbuf why = STRBUF_INIT;
		struct json *obj;

		if (trust_refusal(p, senders->items[i], e->model, &why) ||
		    istio_render_policy(e->app, e->model, p, &obj, &why) < 0) {
			struct strbuf msg = STRBUF_INIT;

			strbuf_addf(&msg, "%s: not enforcing the %s policy for source app '%s' (namespace '%s') "
				    "on '%s': %s", origins->items[i],
				    p->target_type == TARGET_UNIT ? "unit" : "app", p->source_app_name,
				    p->source_namespace,
				    p->target_app_name ? p->target_app_name
				    : p->target_service ? p->target_service : "custom-selector", why.buf);
			log_warning("%s", msg.buf);
			if (to_stderr)
				fprintf(stderr, "svcmesh-hook: warning: %s\n", msg.buf);
			strbuf_release(&msg);
			(*refused)++;
			obj = json_null();
		}
		json_append(all, obj);
		strbuf_release(&why);
	}
	/* duplicates: the same name in the same namespace; the first is kept */
	ix = index_objects(all, &nix);
	dup = xcalloc(all->u.arr.n ? all->u.arr.n : 1, 1);
	for (size_t k = 1; k < nix; k++)
		if (!strcmp(ix[k].ns, ix[k - 1].ns) && !strcmp(ix[k].name, ix[k - 1].name)) {
			log_debug("%s: policy for %s/%s is a duplicate", origins->items[ix[k].pos],
				  pl->items[ix[k].pos].source_namespace, pl->items[ix[k].pos].source_app_name);
			dup[ix[k].pos] = 1;
		}
	*items = json_array();
	for (size_t i = 0; i < all->u.arr.n; i++) {
		struct json *o = all->u.arr.items[i];
		if (o->type == JSON_OBJECT && !dup[i])
			json_append(*items, o);
		else
			json_free(o);
	}
	all->u.arr.n = 0;
	json_free(all);
	free(ix);
	free(dup);
	return 0;
}

/* ---- enforcing ---- */

static int cmp_members(const void *a, const void *b)
{
	const struct json_member *x = *(const struct json_member *const *)a;
	const struct json_member *y = *(const struct json_member *const *)b;
	return strcmp(x->key, y->key);
}

/* A deep copy with every object's keys sorted, so that two objects that
 * differ only in key order (the API server sorts them) compare equal. */
static struct json *sorted_copy(const struct json *v)
{
	struct json *c;

	if (!v)
		return json_null();
	if (v->type == JSON_ARRAY) {
		c = json_array();
		for (size_t i = 0; i < v->u.arr.n; i++)
			json_append(c, sorted_copy(v->u.arr.items[i]));
		return c;
	}
	if (v->type == JSON_OBJECT) {
		const struct json_member **m = xcalloc(v->u.obj.n ? v->u.obj.n : 1, sizeof(*m));
		for (size_t i = 0; i < v->u.obj.n; i++)
			m[i] = &v->u.obj.m[i];
		qsort(m, v->u.obj.n, sizeof(*m), cmp_members);
		c = json_object();
		for (size_t i = 0; i < v->u.obj.n; i++)
			json_set(c, m[i]->key, sorted_copy(m[i]->value));
		free(m);
		return c;
	}
	return json_copy(v);
}

static int equal_unordered(const struct json *a, const struct json *b)
{
	struct json *sa = sorted_copy(a), *sb = sorted_copy(b);
	int eq = json_equal(sa, sb);

	json_free(sa);
	json_free(sb);
	return eq;
}

/* live already is what we want: same spec, and our labels on it (labels
 * others added do not matter: server-side apply leaves them alone). */
static int up_to_date(const struct json *want, const struct json *live)
{
	const struct json *wl = json_get(json_get(want, "metadata"), "labels");
	const struct json *ll = json_get(json_get(live, "metadata"), "labels");

	if (!equal_unordered(json_get(want, "spec"), json_get(live, "spec")))
		return 0;
	for (size_t i = 0; wl && i < wl->u.obj.n; i++) {
		const struct json *v = json_get(ll, wl->u.obj.m[i].key);
		if (!v || !json_equal(v, wl->u.obj.m[i].value))
			return 0;
	}
	return 1;
}

/* The AuthorizationPolicies provider app in model owns (the beacon's
 * labels, or the labels older versions wrote): one kubectl list of every
 * object with the beacon's scope label, filtered here. */
static int list_owned(const char *app, const char *model, struct json **owned)
{
	struct strbuf sel = STRBUF_INIT;
	struct json *live = NULL;

	*owned = NULL;
	istio_owner_selector(&sel);
	if (kube_list_all(ISTIO_AP_RESOURCE, sel.buf, &live) < 0) {
		strbuf_release(&sel);
		return -1;
	}
	strbuf_release(&sel);
	*owned = json_array();
	for (size_t i = 0; i < live->u.arr.n; i++) {
		struct json *o = live->u.arr.items[i];
		if (istio_is_owned(o, app, model))
			json_append(*owned, o);
		else
			json_free(o);
	}
	live->u.arr.n = 0;
	json_free(live);
	return 0;
}

/* Delete every object of live that want (indexed) does not have. */
static int prune(const struct json *live, const struct named *wix, size_t nw, const char *why,
		 size_t *deleted)
{
	for (size_t i = 0; i < live->u.arr.n; i++) {
		const struct json *l = live->u.arr.items[i];
		const char *name = str_at(l, "metadata", "name"), *ns = str_at(l, "metadata", "namespace");
		struct strbuf res = STRBUF_INIT;
		int r;

		if (!name || !ns || find_named(wix, nw, l))
			continue;
		strbuf_addf(&res, "%s/%s", ISTIO_AP_RESOURCE, name);
		r = kube_delete(ns, res.buf);
		strbuf_release(&res);
		if (r < 0)
			return -1;
		log_info("deleted AuthorizationPolicy %s/%s: %s", ns, name, why);
		(*deleted)++;
	}
	return 0;
}

/* Delete every policy the provider app e->app owns (list_owned, then
 * prune against an empty set), counted in *deleted. 0 / -1. */
static int delete_all_owned(const struct juju_env *e, const char *why, size_t *deleted)
{
	struct json *live = NULL;
	int ret = 0;

	if (list_owned(e->app, e->model, &live) < 0 || prune(live, NULL, 0, why, deleted) < 0)
		ret = -1;
	json_free(live);
	return ret;
}

/* The record that policies were cleaned up after manage-policies was
 * turned off: while it exists, hooks make no kubectl call at all. */
#define UNMANAGED_RECORD ".svcmesh-hook-policies-unmanaged"

static int unmanaged_path(struct strbuf *path)
{
	const struct juju_env *e = juju_env();

	if (!e->charm_dir)
		return -1;
	strbuf_addf(path, "%s/%s", e->charm_dir, UNMANAGED_RECORD);
	return 0;
}

static void unmanaged_forget(void)
{
	struct strbuf path = STRBUF_INIT;

	if (unmanaged_path(&path) == 0 && unlink(path.buf) < 0 && errno != ENOENT)
		log_warning("cannot remove %s: %s", path.buf, strerror(errno));
	strbuf_release(&path);
}

int provider_enforce(const struct cfg_provider *p, struct apply_counts *n)
{
	const struct juju_env *e;
	struct provider_view v = PROVIDER_VIEW_INIT;
	struct json *want = NULL, *live = NULL, *changed = json_array();
	struct named *wix = NULL, *lix = NULL;
	size_t nw = 0, nl = 0;
	int ret = -1;

	memset(n, 0, sizeof(*n));
	if (!(e = juju_context("the provider")) || provider_collect(p, 0, &v) < 0 ||
	    render_all(&v.policies, &v.origins, &v.senders, &want, &n->refused, 0) < 0)
		goto out;
	if (list_owned(e->app, e->model, &live) < 0)
		goto out;
	wix = index_objects(want, &nw);
	lix = index_objects(live, &nl);
	for (size_t i = 0; i < want->u.arr.n; i++) {
		const struct json *w = want->u.arr.items[i], *l = find_named(lix, nl, w);
		if (l && up_to_date(w, l))
			n->unchanged++;
		else
			json_append(changed, json_copy(w));
	}
	if (changed->u.arr.n) {
		struct json *list = istio_list(changed);
		size_t count = changed->u.arr.n;

		changed = NULL;
		ret = kube_apply(NULL, ISTIO_FIELD_MANAGER, list, count);
		json_free(list);
		if (ret < 0)
			goto out;
		ret = -1;
		n->applied = count;
	}
	if (prune(live, wix, nw, "no consumer asks for it any more", &n->deleted) < 0)
		goto out;
	if (n->applied || n->deleted)
		log_info("authorization policies: %zu applied, %zu deleted, %zu unchanged",
			 n->applied, n->deleted, n->unchanged);
	else
		log_debug("authorization policies up to date (%zu)", n->unchanged);
	unmanaged_forget();
	ret = 0;
out:
	json_free(changed);
	json_free(want);
	json_free(live);
	free(wix);
	free(lix);
	provider_view_release(&v);
	return ret;
}

/* manage-policies is false: delete every policy this provider owns, once
 * (as the beacon reconciles to an empty set), then record that it did so;
 * while the record exists no kubectl call is made. A failure leaves no
 * record, so the retried hook deletes the rest. */
static int cleanup_unmanaged(void)
{
	const struct juju_env *e;
	struct strbuf path = STRBUF_INIT;
	size_t deleted = 0;
	int ret = -1;
	FILE *f;

	if (!(e = juju_context("the provider")))
		return -1;
	if (unmanaged_path(&path) == 0 && access(path.buf, F_OK) == 0) {
		log_debug("manage-policies is false and owned AuthorizationPolicies were already removed");
		strbuf_release(&path);
		return 0;
	}
	if (delete_all_owned(e, "manage-policies is false", &deleted) < 0)
		goto out;
	if (deleted)
		log_info("manage-policies is false: deleted %zu AuthorizationPolicies", deleted);
	if (path.len) {
		f = fopen(path.buf, "w");
		if (!f || fputs("owned AuthorizationPolicies removed; manage-policies is false\n", f) < 0 ||
		    fclose(f) != 0)
			log_warning("cannot write %s: %s (the next hook checks again)", path.buf,
				    strerror(errno));
	}
	ret = 0;
out:
	strbuf_release(&path);
	return ret;
}

int provider_apply_action(const struct cfg_provider *p)
{
	struct apply_counts n;

	if (!p)
		return 0;
	if (!p->manage_policies)
		return cleanup_unmanaged();
	return provider_enforce(p, &n);
}

int provider_remove_action(const struct cfg_provider *p)
{
	const struct juju_env *e;
	size_t planned, deleted = 0;

	if (!p || !p->manage_policies)
		return 0;
	if (!(e = juju_context("the provider")) || juju_planned_units(&planned) < 0)
		return -1;
	if (planned > 0) {
		log_debug("remove: %s still has %zu planned units: its AuthorizationPolicies stay",
			  e->app, planned);
		return 0;
	}
	if (delete_all_owned(e, "the application is going away (no planned units)", &deleted) < 0)
		return -1;
	log_info("remove: the last unit of %s: deleted %zu AuthorizationPolicies", e->app, deleted);
	return 0;
}

/* ---- for the commands ---- */

int provider_render(const struct cfg_provider *p, int strict, struct json **items, size_t *refused)
{
	struct provider_view v = PROVIDER_VIEW_INIT;
	int ret = 0;

	*items = NULL;
	*refused = 0;
	if (provider_collect(p, strict, &v) < 0 ||
	    render_all(&v.policies, &v.origins, &v.senders, items, refused, 1) < 0)
		ret = -1;
	provider_view_release(&v);
	return ret;
}
