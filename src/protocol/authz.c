/* authz.c - the AuthorizationPolicies the provider wants, and what
 * differs from the live set; see authz.h. */
#include <stdlib.h>
#include <string.h>

#include "protocol/authz.h"
#include "protocol/istio.h"
#include "protocol/trust.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "base/util.h"

static const char *str_at(const struct json *o, const char *k1, const char *k2)
{
	const struct json *v = json_get(json_get(o, k1), k2);
	return v && v->type == JSON_STRING ? v->u.s : NULL;
}

/* By namespace and name. */
static int cmp_key(const void *a, const void *b)
{
	const struct authz_ref *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	return c ? c : strcmp(x->name, y->name);
}

/* By namespace and name, then position: of equal ones, the first first. */
static int cmp_named(const void *a, const void *b)
{
	const struct authz_ref *x = a, *y = b;
	int c = cmp_key(a, b);

	return c ? c : x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_pos(const void *a, const void *b)
{
	const struct authz_ref *x = a, *y = b;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The objects of array items that have a name and namespace (with app:
 * only those app in model owns), sorted by namespace and name for
 * O(log n) look-ups: render and plan stay O(n log n) however many
 * policies there are. */
static struct authz_ref *index_objects(const struct json *items, const char *app, const char *model,
				       size_t *n)
{
	struct authz_ref *ix = xcalloc(items->u.arr.n ? items->u.arr.n : 1, sizeof(*ix));

	*n = 0;
	for (size_t i = 0; i < items->u.arr.n; i++) {
		const struct json *o = items->u.arr.items[i];
		const char *name = str_at(o, "metadata", "name"), *ns = str_at(o, "metadata", "namespace");
		if (name && ns && (!app || istio_is_owned(o, app, model)))
			ix[(*n)++] = (struct authz_ref){ ns, name, o, i };
	}
	qsort(ix, *n, sizeof(*ix), cmp_named);
	return ix;
}

/* An object of index ix named like obj, or NULL. */
static const struct json *find_named(const struct authz_ref *ix, size_t n, const struct json *obj)
{
	struct authz_ref key = { str_at(obj, "metadata", "namespace"), str_at(obj, "metadata", "name"), NULL, 0 };
	const struct authz_ref *r = key.ns && key.name && n ? bsearch(&key, ix, n, sizeof(*ix), cmp_key) : NULL;

	return r ? r->obj : NULL;
}

struct json *authz_render(const char *app, const char *model, const struct policy_list *pl,
			  const struct strlist *origins, const struct strlist *senders,
			  const struct service_facts *svc, size_t *refused, struct strlist *refusals,
			  struct json *keep)
{
	struct json *all = json_array();
	struct authz_ref *ix;
	size_t nix, n = 0;

	*refused = 0;
	for (size_t i = 0; i < pl->n; i++) {
		const struct mesh_policy *p = &pl->items[i];
		struct strbuf why = STRBUF_INIT;
		enum trust t = trust_judge(p, senders->items[i], model, svc, &why);
		struct json *obj = NULL;

		/* undecided: not applied, and what was applied for it is kept */
		if (t == TRUST_UNKNOWN && keep && istio_render_policy(app, model, p, &obj, &why) == 0) {
			json_append(keep, obj);
			obj = NULL;
		}
		if (t != TRUST_OK || istio_render_policy(app, model, p, &obj, &why) < 0) {
			struct strbuf msg = STRBUF_INIT;

			strbuf_addf(&msg, "%s: not enforcing the %s policy for source app '%s' (namespace '%s') "
				    "on '%s': %s", origins->items[i],
				    p->target_type == TARGET_UNIT ? "unit" : "app", p->source_app_name,
				    p->source_namespace,
				    p->target_app_name ? p->target_app_name
				    : p->target_service ? p->target_service : "custom-selector", why.buf);
			log_warning("%s", msg.buf);
			if (refusals)
				strlist_add(refusals, msg.buf);
			strbuf_release(&msg);
			(*refused)++;
			obj = json_null();
		}
		json_append(all, obj);
		strbuf_release(&why);
	}
	/* duplicates: the same name in the same namespace; the first of each
	 * run (lowest position) is kept, and the others compared with it */
	ix = index_objects(all, NULL, NULL, &nix);
	for (size_t k = 1, first = 0; k < nix; k++) {
		if (cmp_key(&ix[k], &ix[first])) {
			first = k;
			continue;
		}
		log_debug("%s: policy for %s/%s is a duplicate", origins->items[ix[k].pos],
			  pl->items[ix[k].pos].source_namespace, pl->items[ix[k].pos].source_app_name);
		json_free(all->u.arr.items[ix[k].pos]);
		all->u.arr.items[ix[k].pos] = json_null();
	}
	free(ix);
	/* left out: refusals and duplicates (nulls) */
	for (size_t i = 0; i < all->u.arr.n; i++)
		if (all->u.arr.items[i]->type == JSON_OBJECT)
			all->u.arr.items[n++] = all->u.arr.items[i];
		else
			json_free(all->u.arr.items[i]);
	all->u.arr.n = n;
	return all;
}

/* live already is what we want: same spec, and our labels on it. */
static int up_to_date(const struct json *want, const struct json *live)
{
	const struct json *wl = json_get(json_get(want, "metadata"), "labels");
	const struct json *ll = json_get(json_get(live, "metadata"), "labels");

	if (!json_equal_unordered(json_get(want, "spec"), json_get(live, "spec")))
		return 0;
	for (size_t i = 0; wl && i < wl->u.obj.n; i++) {
		const struct json *v = json_get(ll, wl->u.obj.m[i].key);
		if (!v || !json_equal(v, wl->u.obj.m[i].value))
			return 0;
	}
	return 1;
}

void authz_plan(const struct json *want, const struct json *keep, const struct json *live, const char *app,
		const char *model, struct authz_plan *plan)
{
	size_t nw = 0, nl = 0, nk = 0;
	struct authz_ref *wix = want ? index_objects(want, NULL, NULL, &nw) : NULL;
	struct authz_ref *kix = keep ? index_objects(keep, NULL, NULL, &nk) : NULL;
	struct authz_ref *lix = index_objects(live, app, model, &nl);

	plan->apply = json_array();
	for (size_t i = 0; want && i < want->u.arr.n; i++) {
		const struct json *w = want->u.arr.items[i], *l = find_named(lix, nl, w);
		if (l && up_to_date(w, l))
			plan->unchanged++;
		else
			json_append(plan->apply, json_copy(w));
	}
	/* what is owned and not wanted, in live's order */
	qsort(lix, nl, sizeof(*lix), cmp_pos);
	for (size_t i = 0; i < nl; i++)
		if (!find_named(wix, nw, lix[i].obj) && !find_named(kix, nk, lix[i].obj))
			lix[plan->ndel++] = lix[i];
	plan->del = lix;
	free(wix);
	free(kix);
}

void authz_plan_release(struct authz_plan *plan)
{
	json_free(plan->apply);
	free(plan->del);
	*plan = (struct authz_plan)AUTHZ_PLAN_INIT;
}
