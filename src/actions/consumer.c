/* consumer.c - ServiceMeshConsumer in C; see consumer.h and
 * reference/service-mesh-protocol.md "Building the policies". */
#include <stdlib.h>
#include <string.h>

#include "actions/consumer.h"
#include "formats/json.h"
#include "transports/jujuc.h"
#include "base/k8sname.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "base/util.h"

/* Remote applications of each distinct endpoint named by a policy. */
struct gathered {
	struct endpoint_apps *rel;
	size_t nrel;
	struct cmr_entry *cmr;
	size_t ncmr, cmr_alloc;
};

static void gathered_release(struct gathered *g)
{
	for (size_t i = 0; i < g->nrel; i++)
		free((void *)g->rel[i].apps);
	free(g->rel);
	for (size_t i = 0; i < g->ncmr; i++) {
		free((void *)g->cmr[i].app_name);
		free((void *)g->cmr[i].model);
	}
	free(g->cmr);
	memset(g, 0, sizeof(*g));
}

static int has_endpoint(const struct gathered *g, const char *endpoint)
{
	for (size_t i = 0; i < g->nrel; i++)
		if (!strcmp(g->rel[i].endpoint, endpoint))
			return 1;
	return 0;
}

/* relation-ids + relation-list --app for one endpoint. */
static int gather_endpoint(const char *endpoint, struct endpoint_apps *ea)
{
	const struct strlist *ids;
	const char **apps;

	memset(ea, 0, sizeof(*ea));
	ea->endpoint = endpoint;
	if (juju_relation_ids(endpoint, &ids) < 0 || juju_prefetch_apps(ids) < 0)
		return -1;
	apps = xcalloc(ids->n ? ids->n : 1, sizeof(*apps));
	ea->apps = apps;
	for (size_t i = 0; i < ids->n; i++) {
		if (juju_relation_app(ids->items[i], &apps[i]) < 0)
			return -1;
		ea->n = i + 1;
	}
	return 0;
}

/* cmr_data of every provide-cmr-mesh relation; bad entries are skipped. */
static int gather_cmr(const struct cfg_consumer *c, struct gathered *g)
{
	const struct strlist *ids;

	if (juju_relation_ids(c->cmr_provides, &ids) < 0 || juju_prefetch_remote_bags(ids) < 0)
		return -1;
	for (size_t i = 0; i < ids->n; i++) {
		const char *relid = ids->items[i], *app, *text;
		const struct kvlist *bag;
		struct strbuf why = STRBUF_INIT;
		char *real_app, *model;

		if (juju_relation_app(relid, &app) < 0 || juju_relation_get_app(relid, app, &bag) < 0)
			return -1;
		text = kvlist_get(bag, "cmr_data");
		if (!text) {
			log_debug("%s (%s) has not sent cmr_data yet; treating it as in-model", relid, app);
			continue;
		}
		if (cmr_data_parse(text, &real_app, &model, &why) < 0) {
			log_warning("skipping cmr_data of %s (%s): %s", relid, app, why.buf);
			strbuf_release(&why);
			continue;
		}
		strbuf_release(&why);
		ALLOC_GROW(g->cmr, g->ncmr + 1, g->cmr_alloc);
		g->cmr[g->ncmr].alias = app;
		g->cmr[g->ncmr].app_name = real_app;
		g->cmr[g->ncmr].model = model;
		g->ncmr++;
		log_debug("%s: cross-model alias %s is %s in model %s", relid, app, real_app, model);
	}
	return 0;
}

static int gather(const struct cfg_consumer *c, struct gathered *g)
{
	memset(g, 0, sizeof(*g));
	g->rel = xcalloc(c->npolicies ? c->npolicies : 1, sizeof(*g->rel));
	for (size_t i = 0; i < c->npolicies; i++) {
		const char *endpoint = c->policies[i].relation;
		if (has_endpoint(g, endpoint))
			continue;
		if (gather_endpoint(endpoint, &g->rel[g->nrel]) < 0) {
			g->nrel++;
			return -1;
		}
		g->nrel++;
	}
	return gather_cmr(c, g);
}

int consumer_compute(const struct cfg_consumer *c, struct policy_list *out)
{
	const struct juju_env *e = juju_context("computing policies");
	struct gathered g;
	int ret = -1;

	if (!e)
		return -1;
	for (size_t i = 0; i < c->npolicies; i++)
		if (c->policies[i].kind == POLICY_DEPRECATED)
			log_warning("the policy for '%s' (line %d) uses type 'policy', which is deprecated: use 'app'",
				    c->policies[i].relation, c->policies[i].line);
	if (gather(c, &g) == 0) {
		policy_build(c, e->app, e->model, g.rel, g.nrel, g.cmr, g.ncmr, out);
		log_debug("computed %zu mesh policies from %zu declared policies", out->n, c->npolicies);
		ret = 0;
	}
	gathered_release(&g);
	return ret;
}

int consumer_publish(const struct cfg_consumer *c, int *changed)
{
	const struct strlist *mesh;
	struct policy_list pl = POLICY_LIST_INIT;
	struct strbuf text = STRBUF_INIT;
	struct kvlist kv = KVLIST_INIT;
	int ret = 0;

	if (changed)
		*changed = 0;
	if (juju_relation_ids(c->mesh_relation, &mesh) < 0)
		return -1;
	if (!mesh->n) {
		log_debug("no %s relation: no policies to publish", c->mesh_relation);
		return 0;
	}
	if (consumer_compute(c, &pl) < 0)
		return -1;
	policy_list_emit(&text, &pl);
	kvlist_set(&kv, "policies", text.buf);
	for (size_t i = 0; i < mesh->n && ret == 0; i++) {
		int sent;

		ret = juju_relation_update_app(mesh->items[i], &kv, &sent);
		if (ret == 0 && !sent) {
			log_debug("%s: policies unchanged (%zu)", mesh->items[i], pl.n);
		} else if (ret == 0) {
			log_info("published %zu mesh policies to %s", pl.n, mesh->items[i]);
			if (changed)
				(*changed)++;
		}
	}
	kvlist_release(&kv);
	strbuf_release(&text);
	policy_list_release(&pl);
	return ret;
}

int consumer_send_cmr_data(const struct cfg_consumer *c, const char *relid)
{
	const struct juju_env *e = juju_context("sending cmr_data");
	struct strbuf text = STRBUF_INIT;
	struct kvlist kv = KVLIST_INIT;
	int ret = 0;

	if (!e)
		return -1;
	cmr_data_emit(&text, e->app, e->model);
	kvlist_set(&kv, "cmr_data", text.buf);
	if (relid) {
		ret = juju_relation_set_app(relid, &kv);
		if (ret == 0)
			log_info("sent cmr_data %s to %s", text.buf, relid);
	} else {
		const struct strlist *ids;
		if (juju_relation_ids(c->cmr_requires, &ids) < 0)
			ret = -1;
		for (size_t i = 0; ret == 0 && i < ids->n; i++) {
			int sent;
			ret = juju_relation_update_app(ids->items[i], &kv, &sent);
			if (ret == 0 && sent)
				log_info("sent cmr_data %s to %s", text.buf, ids->items[i]);
		}
	}
	kvlist_release(&kv);
	strbuf_release(&text);
	return ret;
}

/* labels: untrusted JSON object of string -> string. */
static void read_labels(const char *relid, const char *text, struct kvlist *labels, int *have)
{
	struct strbuf why = STRBUF_INIT;
	struct json *v = json_parse_str_keep(text, &why);

	if (!v) {
		*have = -1;
		log_warning("%s: ignoring labels from the mesh provider: %s", relid, why.buf);
	} else if (v->type != JSON_OBJECT) {
		*have = -1;
		log_warning("%s: ignoring labels from the mesh provider: %s, not an object", relid,
			    json_type_name(v->type));
	} else {
		*have = 1;
		for (size_t i = 0; i < v->u.obj.n; i++) {
			const struct json_member *m = &v->u.obj.m[i];
			const char *bad = NULL;
			int ok = m->value->type == JSON_STRING && !m->bad;

			if (m->bad || m->value->type == JSON_BADSTRING)
				bad = m->bad ? m->bad : m->value->u.bad.why;
			else if (!ok)
				bad = "its value is not a string";
			else
				ok = k8s_label_key_valid(m->key, &bad) && k8s_label_value_valid(m->value->u.s, &bad);
			if (!ok) {
				log_warning("%s: skipping label '%.100s' from the mesh provider: %s", relid, m->key, bad);
				continue;
			}
			if (labels)
				kvlist_set(labels, m->key, m->value->u.s);
		}
	}
	strbuf_release(&why);
	json_free(v);
}

int consumer_provider_data(const struct cfg_consumer *c, int *related, struct kvlist *labels,
			   int *have_labels, char **mesh_type)
{
	const struct strlist *mesh;
	const struct kvlist *bag;
	const char *app, *text;
	int have = 0;

	if (related)
		*related = 0;
	if (have_labels)
		*have_labels = 0;
	if (mesh_type)
		*mesh_type = NULL;
	if (juju_relation_ids(c->mesh_relation, &mesh) < 0)
		return -1;
	if (!mesh->n)
		return 0;
	if (related)
		*related = 1;
	if (!labels && !have_labels && !mesh_type)
		return 0;
	if (juju_relation_app(mesh->items[0], &app) < 0 ||
	    juju_relation_get_app(mesh->items[0], app, &bag) < 0)
		return -1;
	text = kvlist_get(bag, "labels");
	if (text)
		read_labels(mesh->items[0], text, labels, &have);
	if (have_labels)
		*have_labels = have;
	text = kvlist_get(bag, "mesh_type");
	if (text && mesh_type) {
		struct strbuf why = STRBUF_INIT;
		struct json *v = json_parse_str_keep(text, &why);
		if (v && v->type == JSON_STRING)
			*mesh_type = xstrdup(v->u.s);
		else
			log_warning("%s: ignoring mesh_type from the mesh provider: %s", mesh->items[0],
				    !v ? why.buf : v->type == JSON_BADSTRING ? v->u.bad.why : "not a JSON string");
		json_free(v);
		strbuf_release(&why);
	}
	return 0;
}
