/* meshview.c - the one mesh view; see meshview.h and
 * reference/service-mesh-protocol.md. */
#include <stdlib.h>
#include <string.h>

#include "protocol/meshview.h"
#include "formats/json.h"
#include "base/k8sname.h"
#include "base/log.h"
#include "base/util.h"

/* ---- the consumer ---- */

static struct view_relation *add_relation(struct view_relation **r, size_t *n, size_t *alloc, const char *id,
					  const char *endpoint, const char *app)
{
	ALLOC_GROW(*r, *n + 1, *alloc);
	(*r)[*n] = (struct view_relation){ id, endpoint, app, 0, NULL };
	return &(*r)[(*n)++];
}

void consumer_view_add_mesh(struct consumer_view *v, const char *relid, const char *app,
			    const struct kvlist *own)
{
	struct view_relation *r = add_relation(&v->mesh, &v->nmesh, &v->mesh_alloc, relid, NULL, app);
	const char *published = own ? kvlist_get(own, "policies") : NULL;

	r->own_read = own != NULL;
	r->published = published ? xstrdup(published) : NULL;
}

void consumer_view_add_endpoint(struct consumer_view *v, const char *endpoint, const char *relid,
				const char *app)
{
	add_relation(&v->rel, &v->nrel, &v->rel_alloc, relid, endpoint, app);
}

/* 1 (with why) when text is jujuc's mark of a value sent but unreadable:
 * "", which Juju never stores (see juju_databag_from_json()). */
static int unreadable(const char *text, struct strbuf *why)
{
	if (*text)
		return 0;
	strbuf_addstr(why, "its value cannot be read");
	return 1;
}

void consumer_view_add_cmr(struct consumer_view *v, const char *relid, const char *alias,
			   const char *cmr_data)
{
	struct strbuf why = STRBUF_INIT;
	struct cmr_peer *x;

	ALLOC_GROW(v->cmr, v->ncmr + 1, v->cmr_alloc);
	x = &v->cmr[v->ncmr++];
	*x = (struct cmr_peer){ relid, alias, NULL, NULL, NULL };
	if (!cmr_data) {
		log_debug("%s (%s) has not sent cmr_data yet; treating it as in-model", relid, alias);
	} else if (unreadable(cmr_data, &why) || cmr_data_parse(cmr_data, &x->app_name, &x->model, &why) < 0) {
		log_warning("skipping cmr_data of %s (%s): %s", relid, alias, why.buf);
		x->error = strbuf_detach(&why, NULL);
	} else {
		log_debug("%s: cross-model alias %s is %s in model %s", relid, alias, x->app_name, x->model);
	}
	strbuf_release(&why);
}

const struct cmr_peer *consumer_view_cmr(const struct consumer_view *v, const char *alias)
{
	for (size_t i = 0; i < v->ncmr; i++)
		if (v->cmr[i].app_name && !strcmp(v->cmr[i].alias, alias))
			return &v->cmr[i];
	return NULL;
}

/* Why label m (whose key is text) cannot be used, or NULL when it is a
 * valid label. */
static const char *label_fault(const struct json_member *m)
{
	const char *bad = NULL;

	if (m->value->type == JSON_BADSTRING)
		return m->value->u.bad.why;
	if (m->value->type != JSON_STRING)
		return "its value is not a string";
	if (k8s_label_key_valid(m->key, &bad) && k8s_label_value_valid(m->value->u.s, &bad))
		return NULL;
	return bad;
}

static void read_labels(struct consumer_view *v, const char *relid, const char *text)
{
	struct strbuf why = STRBUF_INIT;
	struct json *o = unreadable(text, &why) ? NULL : json_parse_str_keep(text, &why);

	v->have_labels = -1;
	if (o && o->type != JSON_OBJECT)
		strbuf_addf(&why, "%s, not an object", json_type_name(o->type));
	for (size_t i = 0; o && o->type == JSON_OBJECT && i < o->u.obj.n && !why.len; i++)
		if (o->u.obj.m[i].bad)
			strbuf_addf(&why, "a key %s", o->u.obj.m[i].bad);
	if (why.len) {
		log_warning("%s: the mesh provider's labels cannot be read (%s): mesh labels left as they are",
			    relid, why.buf);
		goto out;
	}
	v->have_labels = 1;
	for (size_t i = 0; i < o->u.obj.n; i++) {
		const struct json_member *m = &o->u.obj.m[i];
		const char *bad = label_fault(m);

		if (!bad) {
			kvlist_set(&v->labels, m->key, m->value->u.s);
			continue;
		}
		log_warning("%s: label '%.100s' from the mesh provider cannot be used (%s): left as it is",
			    relid, m->key, bad);
		strlist_add(&v->held, m->key);
		strbuf_reset(&why);
		strbuf_add_quoted(&why, m->key);
		strbuf_addf(&why, ": %s", bad);
		strlist_add(&v->skipped, why.buf);
	}
out:
	strbuf_release(&why);
	json_free(o);
}

void consumer_view_add_provider(struct consumer_view *v, const char *relid, const struct kvlist *bag)
{
	const char *labels = kvlist_get(bag, "labels"), *type = kvlist_get(bag, "mesh_type");

	v->provider_rel = relid;
	if (labels)
		read_labels(v, relid, labels);
	free(v->mesh_type_text);
	v->mesh_type_text = type ? xstrdup(type) : NULL;
}

/* Judged when asked for: a command that reads only the labels does not
 * warn about a bad mesh_type. */
char *consumer_view_mesh_type(const struct consumer_view *v)
{
	struct strbuf why = STRBUF_INIT;
	struct json *o;
	char *type = NULL;

	if (!v->mesh_type_text)
		return NULL;
	o = json_parse_str_keep(v->mesh_type_text, &why);
	if (o && o->type == JSON_STRING)
		type = xstrdup(o->u.s);
	else
		log_warning("%s: ignoring mesh_type from the mesh provider: %s", v->provider_rel,
			    !o ? why.buf : o->type == JSON_BADSTRING ? o->u.bad.why : "not a JSON string");
	json_free(o);
	strbuf_release(&why);
	return type;
}

void consumer_view_policies(const struct consumer_view *v, const struct cfg_consumer *c,
			    const char *own_app, const char *model, struct policy_list *out)
{
	const char **apps = xcalloc(v->nrel + 1, sizeof(*apps));
	struct endpoint_apps *ep = xcalloc(v->nrel + 1, sizeof(*ep));
	struct cmr_entry *cmr = xcalloc(v->ncmr + 1, sizeof(*cmr));
	size_t nep = 0, ncmr = 0;

	/* an endpoint's relations are added together: one run each */
	for (size_t i = 0; i < v->nrel; i++) {
		apps[i] = v->rel[i].app;
		if (!nep || strcmp(ep[nep - 1].endpoint, v->rel[i].endpoint))
			ep[nep++] = (struct endpoint_apps){ v->rel[i].endpoint, apps + i, 0 };
		ep[nep - 1].n++;
	}
	for (size_t i = 0; i < v->ncmr; i++)
		if (v->cmr[i].app_name)
			cmr[ncmr++] = (struct cmr_entry){ v->cmr[i].alias, v->cmr[i].app_name, v->cmr[i].model };
	policy_build(c, own_app, model, ep, nep, cmr, ncmr, out);
	free(apps);
	free(ep);
	free(cmr);
}

void consumer_view_release(struct consumer_view *v)
{
	for (size_t i = 0; i < v->nmesh; i++)
		free(v->mesh[i].published);
	for (size_t i = 0; i < v->ncmr; i++) {
		free(v->cmr[i].app_name);
		free(v->cmr[i].model);
		free(v->cmr[i].error);
	}
	free(v->mesh);
	free(v->rel);
	free(v->cmr);
	policy_list_release(&v->policies);
	kvlist_release(&v->labels);
	strlist_release(&v->held);
	strlist_release(&v->skipped);
	free(v->mesh_type_text);
	memset(v, 0, sizeof(*v));
}

/* ---- the provider ---- */

/* Keep mp (taken), which policies[i] of origin sent. */
static void keep(struct provider_view *v, struct mesh_policy *mp, const char *origin, size_t i, const char *app)
{
	struct strbuf o = STRBUF_INIT;

	if (v->text) {
		strbuf_addstr(v->text, v->kept ? ", " : "");
		mesh_policy_emit(v->text, mp);
		mesh_policy_release(mp);
	} else {
		ALLOC_GROW(v->policies.items, v->policies.n + 1, v->policies.alloc);
		v->policies.items[v->policies.n++] = *mp;
		strbuf_addf(&o, "%s policies[%zu]", origin, i);
		strlist_add_take(&v->origins, strbuf_detach(&o, NULL));
		strlist_add(&v->senders, app);
	}
	v->kept++;
}

int provider_view_add(struct provider_view *v, const char *relid, const char *app, const struct kvlist *bag,
		      int strict)
{
	const char *text = kvlist_get(bag, "policies");
	struct strbuf why = STRBUF_INIT, origin = STRBUF_INIT;
	enum log_level level = strict ? LOG_ERROR : LOG_WARNING;   /* an ERROR is error() */
	struct json *list;
	size_t bad = v->bad;

	ALLOC_GROW(v->rel, v->nrel + 1, v->rel_alloc);
	v->rel[v->nrel++] = (struct provider_relation){ relid, app, text != NULL };
	if (!text) {
		log_debug("%s (app %s) has sent no policies", relid, app);
		return 0;
	}
	strbuf_addf(&origin, "%s (app %s)", relid, app);
	list = unreadable(text, &why) ? NULL : json_parse_str_keep(text, &why);
	if (!list || list->type != JSON_ARRAY) {
		log_msg(level, "%s: %s: %s%s", origin.buf, strict ? "invalid policies" : "skipping its policies",
			list ? json_type_name(list->type) : why.buf, list ? ", not a list" : "");
		v->bad++;
	}
	for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->u.arr.n; i++) {
		struct mesh_policy mp;

		strbuf_reset(&why);
		if (policy_from_json(list->u.arr.items[i], &mp, &why) < 0) {
			log_msg(level, "%s: %s policies[%zu]: %s", origin.buf, strict ? "invalid" : "skipping", i,
				why.buf);
			v->bad++;
			continue;
		}
		keep(v, &mp, origin.buf, i, app);
	}
	json_free(list);
	strbuf_release(&why);
	strbuf_release(&origin);
	return strict && v->bad > bad ? -1 : 0;
}

void provider_view_release(struct provider_view *v)
{
	free(v->rel);
	policy_list_release(&v->policies);
	strlist_release(&v->origins);
	strlist_release(&v->senders);
	memset(v, 0, sizeof(*v));
}
