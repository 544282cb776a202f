/* cmd-status.c - status [--format text|json|yaml]: the operator's view
 * of one unit, one screen (or one JSON object) of what svcmesh-hook sees
 * for it (run it with juju exec).
 *
 * Facts: unit, model, config file, roles, leadership; for the consumer
 * the mesh relations, the relations its policies consider (with the
 * cross-model mapping from provide-cmr-mesh cmr_data), the computed
 * policies against the published ones (leader only: a non-leader cannot
 * read its own application databag), what the provider sent (labels,
 * mesh type) and, with auto-join, the labels wanted against those on the
 * StatefulSet pod template and the Service (one kubectl get; a kubectl
 * failure is shown in that section, not fatal); for the provider its
 * mesh relations and the policies each one sent.
 *
 * Hook tools go through jujuc.h, whose cache makes repeated questions
 * free. Nothing is written, anywhere. Exit 0, 1 when a hook tool
 * failed, 2 on usage or config errors (also outside a Juju context).
 *
 * Every fact is recorded twice as it is learnt, once in the JSON object
 * and once as a line of text, so the two outputs cannot disagree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands/command.h"
#include "formats/config.h"
#include "actions/consumer.h"
#include "formats/json.h"
#include "transports/jujuc.h"
#include "base/k8sname.h"
#include "base/kvlist.h"
#include "actions/labels.h"
#include "base/log.h"
#include "protocol/policy.h"
#include "actions/provider.h"
#include "formats/settings.h"
#include "base/strbuf.h"
#include "base/util.h"

#define NOT_LEADER "unknown (only the leader can read it)"

static void line(struct strbuf *t, int indent, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void line(struct strbuf *t, int indent, const char *fmt, ...)
{
	va_list ap;

	for (int i = 0; i < indent; i++)
		strbuf_addstr(t, "  ");
	va_start(ap, fmt);
	strbuf_vaddf(t, fmt, ap);
	va_end(ap);
	strbuf_addch(t, '\n');
}

/* "k=v, k2=v2" or "(none)". */
static void labels_text(struct strbuf *sb, const struct kvlist *l)
{
	if (!l->n)
		strbuf_addstr(sb, "(none)");
	for (size_t i = 0; i < l->n; i++)
		strbuf_addf(sb, "%s%s=%s", i ? ", " : "", l->items[i].key, l->items[i].value);
}

/* ---- consumer ---- */

struct cmr_map {
	struct cmr_entry *e;
	size_t n, alloc;
};

static void cmr_map_release(struct cmr_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free((void *)m->e[i].app_name);
		free((void *)m->e[i].model);
	}
	free(m->e);
	memset(m, 0, sizeof(*m));
}

static const struct cmr_entry *cmr_find(const struct cmr_map *m, const char *alias)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->e[i].alias, alias))
			return &m->e[i];
	return NULL;
}

static int mesh_relations(const struct cfg_consumer *c, struct json *o, struct strbuf *t)
{
	const struct strlist *ids;
	struct json *arr = json_array();

	json_set(o, "mesh_relations", arr);
	if (juju_relation_ids(c->mesh_relation, &ids) < 0 || juju_prefetch_apps(ids) < 0)
		return -1;
	if (!ids->n)
		line(t, 1, "mesh relation:  none (%s is not related: not on the mesh)", c->mesh_relation);
	for (size_t i = 0; i < ids->n; i++) {
		const char *app;
		struct json *r;

		if (juju_relation_app(ids->items[i], &app) < 0)
			return -1;
		r = json_object();
		json_set(r, "id", json_string(ids->items[i]));
		json_set(r, "remote_app", json_string(app));
		json_append(arr, r);
		line(t, 1, "mesh relation:  %s -> %s", ids->items[i], app);
	}
	return 0;
}

static int cmr_peers(const struct cfg_consumer *c, struct cmr_map *map, struct json *o, struct strbuf *t)
{
	const struct strlist *ids;
	struct json *arr = json_array();

	json_set(o, "cross_model_peers", arr);
	if (juju_relation_ids(c->cmr_provides, &ids) < 0 || juju_prefetch_remote_bags(ids) < 0)
		return -1;
	if (ids->n)
		line(t, 1, "cross-model peers (%s):", c->cmr_provides);
	for (size_t i = 0; i < ids->n; i++) {
		const char *relid = ids->items[i], *alias, *text;
		const struct kvlist *bag;
		struct strbuf why = STRBUF_INIT;
		char *app, *model;
		struct json *r;

		if (juju_relation_app(relid, &alias) < 0 || juju_relation_get_app(relid, alias, &bag) < 0)
			return -1;
		r = json_object();
		json_set(r, "id", json_string(relid));
		json_set(r, "alias", json_string(alias));
		text = kvlist_get(bag, "cmr_data");
		if (!text) {
			json_set(r, "cmr_data", json_null());
			line(t, 2, "%s: %s has not sent cmr_data yet (treated as in-model)", relid, alias);
		} else if (cmr_data_parse(text, &app, &model, &why) < 0) {
			json_set(r, "cmr_data", json_null());
			json_set(r, "error", json_string(why.buf));
			line(t, 2, "%s: %s sent unusable cmr_data: %s", relid, alias, why.buf);
		} else {
			struct json *d = json_object();
			json_set(d, "app_name", json_string(app));
			json_set(d, "juju_model_name", json_string(model));
			json_set(r, "cmr_data", d);
			line(t, 2, "%s: %s is %s in model %s", relid, alias, app, model);
			ALLOC_GROW(map->e, map->n + 1, map->alloc);
			map->e[map->n].alias = alias;
			map->e[map->n].app_name = app;
			map->e[map->n].model = model;
			map->n++;
		}
		strbuf_release(&why);
		json_append(arr, r);
	}
	return 0;
}

static int policy_relations(const struct cfg_consumer *c, const struct cmr_map *map, struct json *o,
			    struct strbuf *t)
{
	struct strlist seen = STRLIST_INIT;
	struct json *arr = json_array();
	int ret = 0, any = 0;

	json_set(o, "relations", arr);
	for (size_t p = 0; p < c->npolicies && ret == 0; p++) {
		const char *ep = c->policies[p].relation;
		const struct strlist *ids;

		if (strlist_has(&seen, ep))
			continue;
		strlist_add(&seen, ep);
		if (juju_relation_ids(ep, &ids) < 0 || juju_prefetch_apps(ids) < 0) {
			ret = -1;
			break;
		}
		for (size_t i = 0; i < ids->n; i++) {
			const struct cmr_entry *x;
			const char *app;
			struct json *r;

			if (juju_relation_app(ids->items[i], &app) < 0) {
				ret = -1;
				break;
			}
			if (!any++)
				line(t, 1, "relations its policies consider:");
			r = json_object();
			json_set(r, "id", json_string(ids->items[i]));
			json_set(r, "endpoint", json_string(ep));
			json_set(r, "remote_app", json_string(app));
			x = cmr_find(map, app);
			if (x) {
				struct json *d = json_object();
				json_set(d, "app_name", json_string(x->app_name));
				json_set(d, "juju_model_name", json_string(x->model));
				json_set(r, "cross_model", d);
				line(t, 2, "%s -> %s (cross-model: %s in model %s)", ids->items[i], app, x->app_name,
				     x->model);
			} else {
				json_set(r, "cross_model", json_null());
				line(t, 2, "%s -> %s", ids->items[i], app);
			}
			json_append(arr, r);
		}
	}
	if (ret == 0 && !any && c->npolicies)
		line(t, 1, "relations its policies consider: none yet");
	strlist_release(&seen);
	return ret;
}

static int policies(const struct cfg_consumer *c, int leader, struct json *o, struct strbuf *t)
{
	const struct juju_env *e = juju_env();
	struct policy_list pl = POLICY_LIST_INIT;
	struct strbuf text = STRBUF_INIT;
	const struct strlist *mesh;
	struct json *po = json_object(), *pub = json_array();
	int ret = 0;

	json_set(o, "policies", po);
	if (juju_relation_ids(c->mesh_relation, &mesh) < 0 || consumer_compute(c, &pl) < 0) {
		json_free(pub);
		return -1;
	}
	policy_list_emit(&text, &pl);
	json_set(po, "computed", json_int((long long)pl.n));
	json_set(po, "published", pub);
	line(t, 1, "policies:       %zu computed (from %zu declared)", pl.n, c->npolicies);
	if (!mesh->n)
		line(t, 2, "published: nowhere (no %s relation)", c->mesh_relation);
	for (size_t i = 0; i < mesh->n; i++) {
		const char *state = NOT_LEADER, *old;
		const struct kvlist *own;
		struct json *r;

		if (leader) {
			if (juju_relation_get_app(mesh->items[i], e->app, &own) < 0) {
				ret = -1;
				break;
			}
			old = kvlist_get(own, "policies");
			state = !old ? "not published" : strcmp(old, text.buf) ? "out of sync" : "in sync";
		}
		r = json_object();
		json_set(r, "relation", json_string(mesh->items[i]));
		json_set(r, "state", json_string(leader ? state : "unknown"));
		json_append(pub, r);
		line(t, 2, "%s: published: %s", mesh->items[i], state);
	}
	strbuf_release(&text);
	policy_list_release(&pl);
	return ret;
}

/* Wanted vs present on one object. */
static void object_labels(const char *what, const struct label_change *ch, struct json *o, const char *key,
			  struct strbuf *t)
{
	struct json *r = json_object(), *rm = json_array();
	struct strbuf sb = STRBUF_INIT;

	json_set(r, "present", json_object_from_kvlist(&ch->present));
	json_set(r, "set", json_object_from_kvlist(&ch->set));
	for (size_t i = 0; i < ch->remove.n; i++)
		json_append(rm, json_string(ch->remove.items[i]));
	json_set(r, "remove", rm);
	json_set(r, "annotation", ch->has_mark && !ch->mark_bad ? json_object_from_kvlist(&ch->marked) : json_null());
	json_set(r, "annotation_current", json_bool(ch->mark_current));
	json_set(r, "in_sync", json_bool(!ch->needed));
	json_set(o, key, r);
	if (!ch->needed) {
		line(t, 2, "%s: in sync", what);
	} else if (!ch->set.n && !ch->remove.n) {
		line(t, 2, "%s: labels in sync; annotation " LABELS_ANNOTATION " %s", what,
		     ch->mark_bad ? "unreadable" : "out of date");
	} else {
		label_change_text(&sb, ch);
		line(t, 2, "%s: out of sync (needs: %s)", what, sb.buf);
	}
	strbuf_release(&sb);
}

/* A multi-line error on one screen: its first and last lines. */
static void error_lines(struct strbuf *t, const char *msg)
{
	const char *nl = strchr(msg, '\n'), *last = strrchr(msg, '\n');

	if (!nl) {
		line(t, 2, "error: %s", msg);
		return;
	}
	line(t, 2, "error: %.*s", (int)(nl - msg), msg);
	if (last != nl)
		line(t, 3, "...");
	line(t, 3, "%s", last + 1);
}

/* The provider's labels that are not wanted because they are invalid
 * (consumer_provider_data() skipped them with a warning), "key: reason"
 * each. From the databag already read: no hook-tool call. */
static int skipped_labels(const struct cfg_consumer *c, struct strlist *out)
{
	const struct strlist *mesh;
	const struct kvlist *bag;
	const char *app, *text;
	struct json *v;

	if (juju_relation_ids(c->mesh_relation, &mesh) < 0)
		return -1;
	if (!mesh->n)
		return 0;
	if (juju_relation_app(mesh->items[0], &app) < 0 || juju_relation_get_app(mesh->items[0], app, &bag) < 0)
		return -1;
	text = kvlist_get(bag, "labels");
	v = text ? json_parse_str(text, NULL) : NULL;
	for (size_t i = 0; v && v->type == JSON_OBJECT && i < v->u.obj.n; i++) {
		const struct json_member *m = &v->u.obj.m[i];
		const char *bad = NULL;
		struct strbuf sb = STRBUF_INIT;

		if (m->value->type != JSON_STRING)
			bad = "its value is not a string";
		else if (k8s_label_key_valid(m->key, &bad) && k8s_label_value_valid(m->value->u.s, &bad))
			continue;
		strbuf_add_quoted(&sb, m->key);
		strbuf_addf(&sb, ": %s", bad);
		strlist_add(out, sb.buf);
		strbuf_release(&sb);
	}
	json_free(v);
	return 0;
}

static void auto_join(const struct kvlist *wanted, const struct strlist *skipped, struct json *o,
		      struct strbuf *t)
{
	const struct juju_env *e = juju_env();
	struct json *aj = json_object();
	struct strbuf msg = STRBUF_INIT;
	struct label_plan plan;
	int ok;

	json_set(o, "auto_join", aj);
	json_set(aj, "wanted", json_object_from_kvlist(wanted));
	line(t, 1, "auto-join labels:");
	labels_text(&msg, wanted);
	line(t, 2, "wanted: %s", msg.buf);
	strbuf_reset(&msg);
	/* a kubectl failure is shown in this section, not on stderr */
	log_capture_errors(&msg);
	ok = labels_read(e->app, e->model, wanted, 0, &plan) == 0;
	log_capture_errors(NULL);
	if (!ok) {
		if (!msg.len)
			strbuf_addstr(&msg, "kubectl failed (see the error above)");
		json_set(aj, "error", json_string(msg.buf));
		error_lines(t, msg.buf);
	} else {
		struct json *refused = json_array();

		json_set(aj, "error", json_null());
		strbuf_reset(&msg);
		strbuf_addf(&msg, "StatefulSet %s (pod template)", e->app);
		object_labels(msg.buf, &plan.sts, aj, "statefulset", t);
		strbuf_reset(&msg);
		strbuf_addf(&msg, "Service %s", e->app);
		object_labels(msg.buf, &plan.svc, aj, "service", t);
		strbuf_reset(&msg);
		labels_text(&msg, &plan.recorded);
		json_set(aj, "configmap", plan.cm_exists ? json_object_from_kvlist(&plan.recorded) : json_null());
		json_set(aj, "configmap_in_sync", json_bool(!plan.cm_write));
		line(t, 2, "ConfigMap %s: %s%s%s", plan.configmap, plan.cm_exists ? "records " : "absent",
		     plan.cm_exists ? msg.buf : "",
		     plan.cm_write ? " (out of date: the next reconcile records the wanted labels)" : "");
		for (size_t i = 0; i < plan.refused.n; i++) {
			json_append(refused, json_string(plan.refused.items[i]));
			line(t, 2, "not applied (refused): %s", plan.refused.items[i]);
		}
		json_set(aj, "refused", refused);
		refused = json_array();
		for (size_t i = 0; i < plan.foreign.n; i++) {
			json_append(refused, json_string(plan.foreign.items[i]));
			line(t, 2, "foreign (left alone): %s", plan.foreign.items[i]);
		}
		json_set(aj, "foreign", refused);
	}
	/* what the provider sent that is not wanted at all */
	{
		struct json *sk = json_array();

		for (size_t i = 0; i < skipped->n; i++) {
			json_append(sk, json_string(skipped->items[i]));
			line(t, 2, "not applied (invalid): %s", skipped->items[i]);
		}
		json_set(aj, "skipped", sk);
	}
	label_plan_release(&plan);
	strbuf_release(&msg);
}

static int consumer_section(const struct cfg_consumer *c, int leader, struct json *root, struct strbuf *t)
{
	struct json *o = json_object(), *prov;
	struct cmr_map map = { NULL, 0, 0 };
	struct kvlist labels = KVLIST_INIT;
	struct strbuf sb = STRBUF_INIT;
	char *mesh_type = NULL;
	int related = 0, have = 0, ret = -1;

	json_set(root, "consumer", o);
	json_set(o, "mesh_relation", json_string(c->mesh_relation));
	json_set(o, "auto_join_enabled", json_bool(c->auto_join));
	line(t, 0, "consumer (mesh relation %s, auto-join %s):", c->mesh_relation, c->auto_join ? "on" : "off");
	if (mesh_relations(c, o, t) < 0 || cmr_peers(c, &map, o, t) < 0 || policy_relations(c, &map, o, t) < 0 ||
	    policies(c, leader, o, t) < 0 ||
	    consumer_provider_data(c, &related, &labels, &have, &mesh_type) < 0)
		goto out;
	prov = json_object();
	json_set(o, "provider_data", prov);
	json_set(prov, "mesh_type", json_string_or_null(mesh_type));
	json_set(prov, "labels", have > 0 ? json_object_from_kvlist(&labels) : json_null());
	if (!related) {
		line(t, 1, "provider sent:  nothing (no mesh relation)");
	} else {
		if (have > 0)
			labels_text(&sb, &labels);
		line(t, 1, "provider sent:  mesh type %s; labels %s", mesh_type ? mesh_type : "(none)",
		     have > 0 ? sb.buf : have < 0 ? "(unreadable)" : "(none yet)");
	}
	if (!c->auto_join) {
		json_set(o, "auto_join", json_null());
		line(t, 1, "auto-join labels: off (auto-join: false)");
	} else if (!related) {
		json_set(o, "auto_join", json_null());
		line(t, 1, "auto-join labels: no mesh relation, no labels wanted");
	} else if (have < 0) {
		json_set(o, "auto_join", json_null());
		line(t, 1, "auto-join labels: the provider's labels are unreadable; labels are left as they are");
	} else {
		struct strlist skipped = STRLIST_INIT;

		if (skipped_labels(c, &skipped) < 0) {
			strlist_release(&skipped);
			goto out;
		}
		auto_join(&labels, &skipped, o, t);
		strlist_release(&skipped);
	}
	ret = 0;
out:
	cmr_map_release(&map);
	kvlist_release(&labels);
	strbuf_release(&sb);
	free(mesh_type);
	return ret;
}

/* ---- provider ---- */

static int provider_section(const struct cfg_provider *p, struct json *root, struct strbuf *t)
{
	struct json *o = json_object(), *arr = json_array();
	const struct strlist *ids;
	struct strbuf sb = STRBUF_INIT;
	struct policy_list pl = POLICY_LIST_INIT;

	json_set(root, "provider", o);
	json_set(o, "mesh_relation", json_string(p->mesh_relation));
	json_set(o, "mesh_type", json_string(p->mesh_type));
	json_set(o, "labels", json_object_from_kvlist(&p->labels));
	json_set(o, "manage_policies", json_bool(p->manage_policies));
	json_set(o, "relations", arr);
	labels_text(&sb, &p->labels);
	line(t, 0, "provider (mesh relation %s, mesh type %s, manage-policies %s):", p->mesh_relation,
	     p->mesh_type, p->manage_policies ? "on" : "off");
	line(t, 1, "labels:         %s", sb.buf);
	strbuf_release(&sb);
	if (juju_relation_ids(p->mesh_relation, &ids) < 0 || juju_prefetch_remote_bags(ids) < 0)
		return -1;
	if (!ids->n)
		line(t, 1, "mesh relations: none");
	for (size_t i = 0; i < ids->n; i++) {
		const char *app, *text;
		const struct kvlist *bag;
		struct json *r;

		if (juju_relation_app(ids->items[i], &app) < 0 || juju_relation_get_app(ids->items[i], app, &bag) < 0)
			return -1;
		text = kvlist_get(bag, "policies");
		r = json_object();
		json_set(r, "id", json_string(ids->items[i]));
		json_set(r, "remote_app", json_string(app));
		json_set(r, "sent_policies", json_bool(text != NULL));
		json_append(arr, r);
		line(t, 1, "%s -> %s: %s", ids->items[i], app, text ? "sent policies" : "no policies sent");
	}
	/* the same databags, already cached: no more hook-tool calls */
	if (provider_gather(p, 0, &pl) < 0) {
		policy_list_release(&pl);
		return -1;
	}
	json_set(o, "policies_gathered", json_int((long long)pl.n));
	line(t, 1, "policies gathered: %zu", pl.n);
	policy_list_release(&pl);
	return 0;
}

/* ---- top ---- */

/* Where the relations' remote applications came from: a stale memo is
 * the first suspect when an app name looks wrong. */
static void remote_apps(struct json *root, struct strbuf *t)
{
	struct json *o = json_object();
	size_t remembered, learnt;
	char *memo;

	juju_app_sources(&remembered, &learnt, &memo);
	json_set(o, "remembered", json_int((long long)remembered));
	json_set(o, "asked", json_int((long long)learnt));
	json_set(o, "memo", json_string_or_null(memo));
	json_set(root, "remote_apps", o);
	if (memo)
		line(t, 0, "remote apps: %zu remembered in %s, %zu asked now (settings.remember-apps: false asks for all)",
		     remembered, memo, learnt);
	else
		line(t, 0, "remote apps: %zu asked now (none remembered: %s)", learnt,
		     settings_remember_apps() ? "no charm directory"
					      : "settings.remember-apps is false or SVCMESH_REMEMBER=0");
	free(memo);
}

/* Gather the facts for cfg: *facts gets a new JSON object (caller frees
 * with json_free()), text the same facts for people. Returns 0, or -1
 * after error() when a hook tool failed. */
static int status_collect(const struct mesh_config *cfg, struct json **facts, struct strbuf *text)
{
	const struct juju_env *e = juju_env();
	struct json *root = json_object(), *roles = json_array();
	int leader = 0;

	*facts = root;
	json_set(root, "unit", json_string_or_null(e->unit));
	json_set(root, "model", json_string_or_null(e->model));
	json_set(root, "config", json_string_or_null(cfg->path));
	if (cfg->consumer)
		json_append(roles, json_string("consumer"));
	if (cfg->provider)
		json_append(roles, json_string("provider"));
	json_set(root, "roles", roles);
	line(text, 0, "unit:   %s (model %s)", e->unit ? e->unit : "?", e->model ? e->model : "?");
	line(text, 0, "config: %s", cfg->path ? cfg->path : "?");
	line(text, 0, "roles:  %s", cfg->consumer && cfg->provider ? "consumer, provider"
		     : cfg->consumer ? "consumer" : cfg->provider ? "provider" : "none");
	if (juju_is_leader(&leader) < 0)
		return -1;
	json_set(root, "leader", json_bool(leader));
	line(text, 0, "leader: %s", leader ? "yes" : "no");
	json_set(root, "consumer", json_null());
	json_set(root, "provider", json_null());
	if (cfg->consumer && consumer_section(cfg->consumer, leader, root, text) < 0)
		return -1;
	if (cfg->provider && provider_section(cfg->provider, root, text) < 0)
		return -1;
	remote_apps(root, text);
	return 0;
}

static int cmd_status(struct cmd_ctx *ctx, int argc, const char **argv)
{
	struct json *facts = NULL;
	struct strbuf text = STRBUF_INIT;
	int rc = EXIT_OK;

	if (argc > 0)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[0]);
	if (cmd_load_config(ctx) < 0)
		return EXIT_USAGE;
	if (status_collect(&ctx->cfg, &facts, &text) < 0) {
		rc = EXIT_FAIL;
	} else if (ctx->format != FMT_TEXT) {
		strbuf_reset(&text);
		json_emit(&text, facts);
		if (cmd_print_json(ctx, text.buf) < 0)
			rc = EXIT_FAIL;
	} else {
		fputs(text.buf, stdout);
	}
	json_free(facts);
	strbuf_release(&text);
	return rc;
}

const struct cmd_entry cmd_status_entry = {
	.needs = NEED_CONTEXT, .name = "status", .fn = cmd_status, .args = "[--format text|json|yaml]",
	.help = "show what svcmesh-hook sees and did (inside juju exec)",
	.formats = FMT_TEXT | FMT_JSON | FMT_YAML, .def = FMT_TEXT,
	.example = "juju exec --unit app/0 -- ./svcmesh-hook status",
};
