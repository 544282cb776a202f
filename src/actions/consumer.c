/* consumer.c - ServiceMeshConsumer in C; see consumer.h and
 * reference/service-mesh-protocol.md "Building the policies". */
#include <stdlib.h>
#include <string.h>

#include "actions/consumer.h"
#include "transports/jujuc.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "base/util.h"

/* The mesh relations (ids; apps and own databags as asked). */
static int collect_mesh(const struct cfg_consumer *c, unsigned what, struct consumer_view *v)
{
	const struct juju_env *e = juju_env();
	const struct strlist *ids;

	if (juju_relation_ids(c->mesh_relation, &ids) < 0 ||
	    (VIEW_HAS(what, VIEW_MESH_APPS) && juju_prefetch_apps(ids) < 0))
		return -1;
	for (size_t i = 0; i < ids->n; i++) {
		const struct kvlist *own = NULL;
		const char *app = NULL;

		if ((VIEW_HAS(what, VIEW_MESH_APPS) && juju_relation_app(ids->items[i], &app) < 0) ||
		    (VIEW_HAS(what, VIEW_PUBLISHED) && juju_relation_get_app(ids->items[i], e->app, &own) < 0))
			return -1;
		consumer_view_add_mesh(v, ids->items[i], app, own);
	}
	return 0;
}

/* relation-ids + relation-list --app for each distinct endpoint named by
 * a policy, then cmr_data of every provide-cmr-mesh relation. */
static int collect_relations(const struct cfg_consumer *c, struct consumer_view *v)
{
	const struct strlist *ids;

	for (size_t p = 0; p < c->npolicies; p++) {
		const char *endpoint = c->policies[p].relation, *app;
		int seen = 0;

		for (size_t q = 0; q < p && !seen; q++)
			seen = !strcmp(c->policies[q].relation, endpoint);
		if (seen)
			continue;
		if (juju_relation_ids(endpoint, &ids) < 0 || juju_prefetch_apps(ids) < 0)
			return -1;
		for (size_t i = 0; i < ids->n; i++) {
			if (juju_relation_app(ids->items[i], &app) < 0)
				return -1;
			consumer_view_add_endpoint(v, endpoint, ids->items[i], app);
		}
	}
	if (juju_relation_ids(c->cmr_provides, &ids) < 0 || juju_prefetch_remote_bags(ids) < 0)
		return -1;
	for (size_t i = 0; i < ids->n; i++) {
		const struct kvlist *bag;
		const char *app;

		if (juju_relation_app(ids->items[i], &app) < 0 || juju_relation_get_app(ids->items[i], app, &bag) < 0)
			return -1;
		consumer_view_add_cmr(v, ids->items[i], app, kvlist_get(bag, "cmr_data"));
	}
	return 0;
}

static int collect_policies(const struct cfg_consumer *c, struct consumer_view *v)
{
	const struct juju_env *e = juju_context("computing policies");

	if (!e)
		return -1;
	for (size_t i = 0; i < c->npolicies; i++)
		if (c->policies[i].kind == POLICY_DEPRECATED)
			log_warning("the policy for '%s' (line %d) uses type 'policy', which is deprecated: use 'app'",
				    c->policies[i].relation, c->policies[i].line);
	if (collect_relations(c, v) < 0)
		return -1;
	consumer_view_policies(v, c, e->app, e->model, &v->policies);
	log_debug("computed %zu mesh policies from %zu declared policies", v->policies.n, c->npolicies);
	return 0;
}

int consumer_collect(const struct cfg_consumer *c, unsigned what, struct consumer_view *v)
{
	const struct kvlist *bag;
	const char *app;

	if ((what & VIEW_MESH) && collect_mesh(c, what, v) < 0)
		return -1;
	if ((what & VIEW_POLICIES) && collect_policies(c, v) < 0)
		return -1;
	if (!VIEW_HAS(what, VIEW_PROVIDER) || !v->nmesh)
		return 0;
	if (juju_relation_app(v->mesh[0].id, &app) < 0 || juju_relation_get_app(v->mesh[0].id, app, &bag) < 0)
		return -1;
	consumer_view_add_provider(v, v->mesh[0].id, bag);
	return 0;
}

int consumer_compute(const struct cfg_consumer *c, struct policy_list *out)
{
	struct consumer_view v = CONSUMER_VIEW_INIT;
	int ret = consumer_collect(c, VIEW_POLICIES, &v);

	if (ret == 0) {
		*out = v.policies;
		v.policies = (struct policy_list)POLICY_LIST_INIT;
	}
	consumer_view_release(&v);
	return ret;
}

int consumer_publish(const struct cfg_consumer *c, int *changed)
{
	struct consumer_view v = CONSUMER_VIEW_INIT;
	struct strbuf text = STRBUF_INIT;
	struct kvlist kv = KVLIST_INIT;
	int ret;

	if (changed)
		*changed = 0;
	ret = consumer_collect(c, VIEW_MESH, &v);
	if (ret == 0 && !v.nmesh)
		log_debug("no %s relation: no policies to publish", c->mesh_relation);
	else if (ret == 0)
		ret = consumer_collect(c, VIEW_POLICIES, &v);
	if (ret == 0 && v.nmesh) {
		policy_list_emit(&text, &v.policies);
		kvlist_set(&kv, "policies", text.buf);
	}
	for (size_t i = 0; i < v.nmesh && ret == 0; i++) {
		int sent;

		ret = juju_relation_update_app(v.mesh[i].id, &kv, &sent);
		if (ret == 0 && !sent) {
			log_debug("%s: policies unchanged (%zu)", v.mesh[i].id, v.policies.n);
		} else if (ret == 0) {
			log_info("published %zu mesh policies to %s", v.policies.n, v.mesh[i].id);
			if (changed)
				(*changed)++;
		}
	}
	kvlist_release(&kv);
	strbuf_release(&text);
	consumer_view_release(&v);
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

int consumer_provider_data(const struct cfg_consumer *c, int *related, struct kvlist *labels,
			   struct strlist *held, int *have_labels, char **mesh_type)
{
	struct consumer_view v = CONSUMER_VIEW_INIT;
	int ret = consumer_collect(c, labels || have_labels || mesh_type ? VIEW_PROVIDER : VIEW_MESH, &v);

	if (related)
		*related = ret == 0 && v.nmesh;
	if (labels && ret == 0)
		kvlist_copy(labels, &v.labels);
	for (size_t i = 0; held && ret == 0 && i < v.held.n; i++)
		strlist_add(held, v.held.items[i]);
	if (have_labels)
		*have_labels = ret == 0 ? v.have_labels : 0;
	if (mesh_type)
		*mesh_type = ret == 0 ? consumer_view_mesh_type(&v) : NULL;
	if (mesh_type && ret == 0 && !*mesh_type && v.mesh_type_text)
		ret = 1;   /* sent, and unreadable: not the same as none */
	consumer_view_release(&v);
	return ret;
}
