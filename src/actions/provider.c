/* provider.c - ServiceMeshProvider in C: publish, mesh_info, render and
 * enforce; see provider.h and reference/service-mesh-protocol.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/istio.h"
#include "formats/json.h"
#include "transports/charmstate.h"
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

/* ---- mesh_info ---- */

/* A bad entry: a WARNING (lenient) or an error (strict). */
static void PRINTF_LIKE(2, 3) bad_entry(int strict, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (strict)
		error("%s", sb.buf);
	else
		log_warning("%s", sb.buf);
	strbuf_release(&sb);
}

/* Consumer relations whose databags gather() asks for together. */
#define GATHER_WINDOW 64

/* provider_gather(), also recording where each policy came from
 * ("service-mesh:3 (app foo)") in origins and the consumer that sent it in
 * senders (either may be NULL). With text_out (which holds "[" on entry),
 * each relation's policies are appended to it as JSON list items instead
 * of being kept in out. */
static int gather(const struct cfg_provider *p, int strict, struct policy_list *out,
		  struct strlist *origins, struct strlist *senders, struct strbuf *text_out)
{
	const struct strlist *ids;
	size_t total = 0;
	int bad = 0;

	if (juju_relation_ids(p->mesh_relation, &ids) < 0)
		return -1;
	for (size_t r = 0; r < ids->n; r++) {
		const char *relid = ids->items[r], *app, *text;
		const struct kvlist *bag;
		struct strbuf why = STRBUF_INIT, origin = STRBUF_INIT;
		struct json *v;

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
		text = kvlist_get(bag, "policies");
		if (!text) {
			log_debug("%s (app %s) has sent no policies", relid, app);
			juju_forget_bag(relid, app);
			continue;
		}
		strbuf_addf(&origin, "%s (app %s)", relid, app);
		v = json_parse_str_keep(text, &why);
		if (!v || v->type != JSON_ARRAY) {
			bad_entry(strict, "%s: %s: %s%s", origin.buf,
				  strict ? "invalid policies" : "skipping its policies",
				  v ? json_type_name(v->type) : why.buf, v ? ", not a list" : "");
			bad++;
		}
		for (size_t i = 0; v && v->type == JSON_ARRAY && i < v->u.arr.n; i++) {
			struct mesh_policy mp;

			strbuf_reset(&why);
			if (policy_from_json(v->u.arr.items[i], &mp, &why) < 0) {
				bad_entry(strict, "%s: %s policies[%zu]: %s", origin.buf,
					  strict ? "invalid" : "skipping", i, why.buf);
				bad++;
				continue;
			}
			ALLOC_GROW(out->items, out->n + 1, out->alloc);
			out->items[out->n++] = mp;
			total++;
			if (origins) {
				struct strbuf o = STRBUF_INIT;
				strbuf_addf(&o, "%s policies[%zu]", origin.buf, i);
				strlist_add(origins, o.buf);
				strbuf_release(&o);
			}
			if (senders)
				strlist_add(senders, app);
		}
		json_free(v);
		juju_forget_bag(relid, app);
		/* text_out: keep the policies as text only (mesh-info) */
		for (size_t i = 0; text_out && i < out->n; i++) {
			strbuf_addstr(text_out, text_out->len > 1 ? ", " : "");
			mesh_policy_emit(text_out, &out->items[i]);
			mesh_policy_release(&out->items[i]);
		}
		if (text_out)
			out->n = 0;
		strbuf_release(&why);
		strbuf_release(&origin);
	}
	log_debug("gathered %zu mesh policies from %zu %s relations%s", total, ids->n,
		  p->mesh_relation, bad ? " (some skipped)" : "");
	return strict && bad ? -1 : 0;
}

int provider_gather(const struct cfg_provider *p, int strict, struct policy_list *out)
{
	return gather(p, strict, out, NULL, NULL, NULL);
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

/* This unit's record that manage-policies was on: kept by every unit
 * (config-changed and upgrade-charm), so whichever unit is the leader when
 * it is turned off knows there may be policies to delete. Without it, a
 * provider that never managed policies makes no kubectl call at all. */
#define MANAGED_RECORD ".svcmesh-hook-policies-managed"

/* The record's path (caller frees), or NULL outside a charm directory. */
static char *managed_record(void)
{
	const struct juju_env *e = juju_env();

	return e->charm_dir ? charm_path(e->charm_dir, MANAGED_RECORD) : NULL;
}

int provider_enforce(const struct cfg_provider *p, struct apply_counts *n)
{
	const struct juju_env *e;
	struct policy_list pl = POLICY_LIST_INIT;
	struct strlist origins = STRLIST_INIT, senders = STRLIST_INIT;
	struct json *want = NULL, *live = NULL, *changed = json_array();
	struct named *wix = NULL, *lix = NULL;
	size_t nw = 0, nl = 0;
	int ret = -1;

	memset(n, 0, sizeof(*n));
	if (!(e = juju_context("the provider")) || gather(p, 0, &pl, &origins, &senders, NULL) < 0 ||
	    render_all(&pl, &origins, &senders, &want, &n->refused, 0) < 0)
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
	ret = 0;
out:
	json_free(changed);
	json_free(want);
	json_free(live);
	free(wix);
	free(lix);
	policy_list_release(&pl);
	strlist_release(&origins);
	strlist_release(&senders);
	return ret;
}

/* manage-policies is false: when this unit's record says it was on,
 * delete every policy this provider owns (as the beacon reconciles to an
 * empty set); the record action then forgets it. A failure fails the hook
 * with the record kept, so the retried hook deletes the rest. */
static int cleanup_unmanaged(void)
{
	const struct juju_env *e;
	char *path = managed_record();
	size_t deleted = 0;
	int ret = 0;

	if (!path || access(path, F_OK) < 0) {
		log_debug("manage-policies is false and this unit never saw it on: nothing to delete");
	} else if (!(e = juju_context("the provider")) ||
		   delete_all_owned(e, "manage-policies is false", &deleted) < 0) {
		ret = -1;
	} else if (deleted) {
		log_info("manage-policies is false: deleted %zu AuthorizationPolicies", deleted);
	}
	free(path);
	return ret;
}

int provider_record_action(const struct cfg_provider *p)
{
	char *path = managed_record();
	FILE *f;

	if (!p || !path) {
		free(path);
		return 0;
	}
	if (!p->manage_policies) {
		if (unlink(path) < 0 && errno != ENOENT)
			log_warning("cannot remove %s: %s", path, strerror(errno));
	} else if (access(path, F_OK) < 0) {
		f = fopen(path, "w");
		if (!f || fputs("manage-policies was on: turning it off deletes the policies applied\n", f) < 0 ||
		    fclose(f) != 0)
			log_warning("cannot write %s: %s (turning manage-policies off may then leave "
				    "policies applied)", path, strerror(errno));
	}
	free(path);
	return 0;
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

int provider_mesh_info(const struct cfg_provider *p, int strict, struct strbuf *out)
{
	struct policy_list pl = POLICY_LIST_INIT;
	int ret;

	strbuf_addch(out, '[');
	ret = gather(p, strict, &pl, NULL, NULL, out);
	strbuf_addch(out, ']');
	policy_list_release(&pl);
	return ret;
}

int provider_render(const struct cfg_provider *p, int strict, struct json **items, size_t *refused)
{
	struct policy_list pl = POLICY_LIST_INIT;
	struct strlist origins = STRLIST_INIT, senders = STRLIST_INIT;
	int ret = 0;

	*items = NULL;
	*refused = 0;
	if (gather(p, strict, &pl, &origins, &senders, NULL) < 0 ||
	    render_all(&pl, &origins, &senders, items, refused, 1) < 0)
		ret = -1;
	policy_list_release(&pl);
	strlist_release(&origins);
	strlist_release(&senders);
	return ret;
}
