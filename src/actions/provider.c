/* provider.c - ServiceMeshProvider in C: publish, mesh_info, render and
 * enforce; see provider.h and reference/service-mesh-protocol.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/authz.h"
#include "protocol/istio.h"
#include "formats/json.h"
#include "transports/charmstate.h"
#include "transports/jujuc.h"
#include "base/k8sname.h"
#include "transports/kube.h"
#include "base/log.h"
#include "actions/provider.h"
#include "base/strbuf.h"
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

/* Up to this many Services are read by name; more, and every Service of
 * the namespace is read instead: one kubectl get either way. */
#define SERVICES_BY_NAME 24

/* Read the Services that v's policies name (trust.h), in one kubectl
 * get: *items, or why not in err (a failure is no hook failure: those
 * policies stay undecided). */
static void read_services(const struct juju_env *e, const struct provider_view *v, struct json **items,
			  struct strbuf *err)
{
	struct kvlist names = KVLIST_INIT;
	struct strlist args = STRLIST_INIT;

	*items = NULL;
	trust_services_to_read(&v->policies, &v->senders, &names);
	if (names.n > SERVICES_BY_NAME)
		strlist_add(&args, "services");
	for (size_t i = 0; names.n <= SERVICES_BY_NAME && i < names.n; i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "service/%s", names.items[i].key);
		strlist_add_take(&args, strbuf_detach(&sb, NULL));
	}
	log_capture_errors(err);
	if (args.n && kube_get(e->model, (const char *const *)args.items, args.n, items) < 0 && !err->len)
		strbuf_addstr(err, "kubectl failed");
	log_capture_errors(NULL);
	strlist_release(&args);
	kvlist_release(&names);
}

/* authz_render() of v for this provider, reading the Services its
 * policies name; keep (NULL: not wanted) receives what is undecided.
 * to_stderr: each refusal on stderr too (the render command, whose
 * warnings go to juju-log). */
static int render_all(const struct provider_view *v, struct json **items, size_t *refused,
		      struct json *keep, int to_stderr)
{
	const struct juju_env *e;
	struct strlist msgs = STRLIST_INIT;
	struct strbuf err = STRBUF_INIT;
	struct service_facts svc = { NULL, NULL };
	struct json *services;

	if (!(e = juju_context("the provider")))
		return -1;
	read_services(e, v, &services, &err);
	svc.items = services;
	svc.error = err.len ? err.buf : NULL;
	*items = authz_render(e->app, e->model, &v->policies, &v->origins, &v->senders, &svc, refused,
			      to_stderr ? &msgs : NULL, keep);
	for (size_t i = 0; i < msgs.n; i++)
		fprintf(stderr, "svcmesh-hook: warning: %s\n", msgs.items[i]);
	strlist_release(&msgs);
	strbuf_release(&err);
	json_free(services);
	return 0;
}

/* ---- enforcing ---- */

/* Make the policies provider e->app owns what want says (NULL: none;
 * authz_plan() decides), counted in n (zero on entry): one kubectl list,
 * one apply of what differs (if anything does), one delete per stale
 * object, each logged with why. 0 / -1. */
static int reconcile(const struct juju_env *e, const struct json *want, const struct json *keep,
		     const char *why, struct apply_counts *n)
{
	struct strbuf sel = STRBUF_INIT;
	struct json *live = NULL, *list = NULL;
	struct authz_plan plan = AUTHZ_PLAN_INIT;
	int ret = -1;

	istio_owner_selector(&sel);
	if (kube_list_all(ISTIO_AP_RESOURCE, sel.buf, &live) < 0)
		goto out;
	authz_plan(want, keep, live, e->app, e->model, &plan);
	n->unchanged = plan.unchanged;
	if (plan.apply->u.arr.n) {
		size_t count = plan.apply->u.arr.n;

		list = istio_list(plan.apply);
		plan.apply = NULL;
		if (kube_apply(NULL, ISTIO_FIELD_MANAGER, list, count) < 0)
			goto out;
		n->applied = count;
	}
	for (size_t i = 0; i < plan.ndel; i++) {
		const struct authz_ref *d = &plan.del[i];

		strbuf_reset(&sel);
		strbuf_addf(&sel, "%s/%s", ISTIO_AP_RESOURCE, d->name);
		if (kube_delete(d->ns, sel.buf) < 0)
			goto out;
		log_info("deleted AuthorizationPolicy %s/%s: %s", d->ns, d->name, why);
		n->deleted++;
	}
	ret = 0;
out:
	strbuf_release(&sel);
	authz_plan_release(&plan);
	json_free(list);
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
	struct provider_view v = PROVIDER_VIEW_INIT;
	struct json *want = NULL, *keep = json_array();
	int ret = -1;

	memset(n, 0, sizeof(*n));
	if (!(e = juju_context("the provider")) || provider_collect(p, 0, &v) < 0 ||
	    render_all(&v, &want, &n->refused, keep, 0) < 0)
		goto out;
	if (reconcile(e, want, keep, "no consumer asks for it any more", n) < 0)
		goto out;
	if (n->applied || n->deleted)
		log_info("authorization policies: %zu applied, %zu deleted, %zu unchanged",
			 n->applied, n->deleted, n->unchanged);
	else
		log_debug("authorization policies up to date (%zu)", n->unchanged);
	ret = 0;
out:
	json_free(want);
	json_free(keep);
	provider_view_release(&v);
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
	struct apply_counts n = { 0 };
	int ret = 0;

	if (!path || access(path, F_OK) < 0) {
		log_debug("manage-policies is false and this unit never saw it on: nothing to delete");
	} else if (!(e = juju_context("the provider")) ||
		   reconcile(e, NULL, NULL, "manage-policies is false", &n) < 0) {
		ret = -1;
	} else if (n.deleted) {
		log_info("manage-policies is false: deleted %zu AuthorizationPolicies", n.deleted);
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
	struct apply_counts n = { 0 };
	size_t planned;

	if (!p || !p->manage_policies)
		return 0;
	if (!(e = juju_context("the provider")) || juju_planned_units(&planned) < 0)
		return -1;
	if (planned > 0) {
		log_debug("remove: %s still has %zu planned units: its AuthorizationPolicies stay",
			  e->app, planned);
		return 0;
	}
	if (reconcile(e, NULL, NULL, "the application is going away (no planned units)", &n) < 0)
		return -1;
	log_info("remove: the last unit of %s: deleted %zu AuthorizationPolicies", e->app, n.deleted);
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
	    render_all(&v, items, refused, NULL, 1) < 0)
		ret = -1;
	provider_view_release(&v);
	return ret;
}
