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
 * The relations are read once, into the mesh views the hooks act on
 * (protocol/meshview.h, filled by consumer_collect() and
 * provider_collect()), so status shows what a hook would see. Nothing is
 * written, anywhere. Exit 0, 1 when a hook tool
 * failed, 2 on usage or config errors (also outside a Juju context).
 *
 * Every fact is recorded twice as it is learnt, once in the JSON object
 * and once as a line of text, so the two outputs cannot disagree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/command.h"
#include "formats/config.h"
#include "actions/consumer.h"
#include "formats/json.h"
#include "transports/jujuc.h"
#include "base/kvlist.h"
#include "actions/labels.h"
#include "base/log.h"
#include "protocol/meshview.h"
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

/* Each item of l as a line "WHAT: item" and in a JSON array o[key]. */
static void items(struct json *o, const char *key, const struct strlist *l, const char *what, struct strbuf *t)
{
	struct json *arr = json_array();

	for (size_t i = 0; i < l->n; i++) {
		json_append(arr, json_string(l->items[i]));
		line(t, 2, "%s: %s", what, l->items[i]);
	}
	json_set(o, key, arr);
}

/* ---- consumer ---- */

static void mesh_relations(const struct cfg_consumer *c, const struct consumer_view *v, struct json *o,
			   struct strbuf *t)
{
	struct json *arr = json_array();

	json_set(o, "mesh_relations", arr);
	if (!v->nmesh)
		line(t, 1, "mesh relation:  none (%s is not related: not on the mesh)", c->mesh_relation);
	for (size_t i = 0; i < v->nmesh; i++) {
		struct json *r = json_object();

		json_set(r, "id", json_string(v->mesh[i].id));
		json_set(r, "remote_app", json_string(v->mesh[i].app));
		json_append(arr, r);
		line(t, 1, "mesh relation:  %s -> %s", v->mesh[i].id, v->mesh[i].app);
	}
}

/* A peer's usable cmr_data as JSON, or null. */
static struct json *cross_model(const struct cmr_peer *x)
{
	struct json *d;

	if (!x || !x->app_name)
		return json_null();
	d = json_object();
	json_set(d, "app_name", json_string(x->app_name));
	json_set(d, "juju_model_name", json_string(x->model));
	return d;
}

static void cmr_peers(const struct cfg_consumer *c, const struct consumer_view *v, struct json *o,
		      struct strbuf *t)
{
	struct json *arr = json_array();

	json_set(o, "cross_model_peers", arr);
	if (v->ncmr)
		line(t, 1, "cross-model peers (%s):", c->cmr_provides);
	for (size_t i = 0; i < v->ncmr; i++) {
		const struct cmr_peer *x = &v->cmr[i];
		struct json *r = json_object();

		json_set(r, "id", json_string(x->id));
		json_set(r, "alias", json_string(x->alias));
		json_set(r, "cmr_data", cross_model(x));
		if (x->app_name)
			line(t, 2, "%s: %s is %s in model %s", x->id, x->alias, x->app_name, x->model);
		else if (x->error)
			line(t, 2, "%s: %s sent unusable cmr_data: %s", x->id, x->alias, x->error);
		else
			line(t, 2, "%s: %s has not sent cmr_data yet (treated as in-model)", x->id, x->alias);
		if (x->error)
			json_set(r, "error", json_string(x->error));
		json_append(arr, r);
	}
}

static void policy_relations(const struct cfg_consumer *c, const struct consumer_view *v, struct json *o,
			     struct strbuf *t)
{
	struct json *arr = json_array();

	json_set(o, "relations", arr);
	if (v->nrel)
		line(t, 1, "relations its policies consider:");
	else if (c->npolicies)
		line(t, 1, "relations its policies consider: none yet");
	for (size_t i = 0; i < v->nrel; i++) {
		const struct view_relation *rel = &v->rel[i];
		const struct cmr_peer *x = consumer_view_cmr(v, rel->app);
		struct json *r = json_object();

		json_set(r, "id", json_string(rel->id));
		json_set(r, "endpoint", json_string(rel->endpoint));
		json_set(r, "remote_app", json_string(rel->app));
		json_set(r, "cross_model", cross_model(x));
		if (x)
			line(t, 2, "%s -> %s (cross-model: %s in model %s)", rel->id, rel->app, x->app_name, x->model);
		else
			line(t, 2, "%s -> %s", rel->id, rel->app);
		json_append(arr, r);
	}
}

static void policies(const struct cfg_consumer *c, const struct consumer_view *v, struct json *o,
		     struct strbuf *t)
{
	struct strbuf text = STRBUF_INIT;
	struct json *po = json_object(), *pub = json_array();

	json_set(o, "policies", po);
	policy_list_emit(&text, &v->policies);
	json_set(po, "computed", json_int((long long)v->policies.n));
	json_set(po, "published", pub);
	line(t, 1, "policies:       %zu computed (from %zu declared)", v->policies.n, c->npolicies);
	if (!v->nmesh)
		line(t, 2, "published: nowhere (no %s relation)", c->mesh_relation);
	for (size_t i = 0; i < v->nmesh; i++) {
		const struct view_relation *m = &v->mesh[i];
		const char *state = !m->own_read ? NOT_LEADER : !m->published ? "not published"
				    : strcmp(m->published, text.buf) ? "out of sync" : "in sync";
		struct json *r = json_object();

		json_set(r, "relation", json_string(m->id));
		json_set(r, "state", json_string(m->own_read ? state : "unknown"));
		json_append(pub, r);
		line(t, 2, "%s: published: %s", m->id, state);
	}
	strbuf_release(&text);
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

static void auto_join(const struct kvlist *wanted, const struct strlist *held,
		      const struct strlist *skipped, struct json *o, struct strbuf *t)
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
	ok = labels_read(e->app, e->model, wanted, held, 0, &plan) == 0;
	log_capture_errors(NULL);
	if (!ok) {
		if (!msg.len)
			strbuf_addstr(&msg, "kubectl failed (see the error above)");
		json_set(aj, "error", json_string(msg.buf));
		error_lines(t, msg.buf);
	} else {
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
		items(aj, "refused", &plan.refused, "not applied (refused)", t);
		items(aj, "foreign", &plan.foreign, "foreign (left alone)", t);
	}
	/* what the provider sent that is not wanted at all */
	items(aj, "skipped", skipped, "not applied (invalid; a label of ours with this key is left as it is)", t);
	label_plan_release(&plan);
	strbuf_release(&msg);
}

static int consumer_section(const struct cfg_consumer *c, int leader, struct json *root, struct strbuf *t)
{
	struct consumer_view v = CONSUMER_VIEW_INIT;
	struct json *o = json_object(), *prov;
	struct strbuf sb = STRBUF_INIT;
	char *mesh_type = NULL;
	const char *no_join;

	json_set(root, "consumer", o);
	json_set(o, "mesh_relation", json_string(c->mesh_relation));
	json_set(o, "auto_join_enabled", json_bool(c->auto_join));
	line(t, 0, "consumer (mesh relation %s, auto-join %s):", c->mesh_relation, c->auto_join ? "on" : "off");
	if (consumer_collect(c, VIEW_MESH_APPS | VIEW_POLICIES | VIEW_PROVIDER | (leader ? VIEW_PUBLISHED : 0),
			     &v) < 0) {
		consumer_view_release(&v);
		return -1;
	}
	mesh_relations(c, &v, o, t);
	cmr_peers(c, &v, o, t);
	policy_relations(c, &v, o, t);
	policies(c, &v, o, t);
	mesh_type = consumer_view_mesh_type(&v);
	prov = json_object();
	json_set(o, "provider_data", prov);
	json_set(prov, "mesh_type", json_string_or_null(mesh_type));
	json_set(prov, "labels", v.have_labels > 0 ? json_object_from_kvlist(&v.labels) : json_null());
	if (!v.nmesh) {
		line(t, 1, "provider sent:  nothing (no mesh relation)");
	} else {
		if (v.have_labels > 0)
			labels_text(&sb, &v.labels);
		line(t, 1, "provider sent:  mesh type %s; labels %s", mesh_type ? mesh_type : "(none)",
		     v.have_labels > 0 ? sb.buf : v.have_labels < 0 ? "(unreadable)" : "(none yet)");
	}
	no_join = !c->auto_join ? "off (auto-join: false)"
		  : !v.nmesh ? "no mesh relation, no labels wanted"
		  : v.have_labels < 0 ? "the provider's labels are unreadable; labels are left as they are" : NULL;
	if (no_join) {
		json_set(o, "auto_join", json_null());
		line(t, 1, "auto-join labels: %s", no_join);
	} else {
		auto_join(&v.labels, &v.held, &v.skipped, o, t);
	}
	consumer_view_release(&v);
	strbuf_release(&sb);
	free(mesh_type);
	return 0;
}

/* ---- provider ---- */

static int provider_section(const struct cfg_provider *p, struct json *root, struct strbuf *t)
{
	struct provider_view v = PROVIDER_VIEW_INIT;
	struct json *o = json_object(), *arr = json_array();
	struct strbuf sb = STRBUF_INIT;

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
	if (provider_collect(p, 0, &v) < 0) {
		provider_view_release(&v);
		return -1;
	}
	if (!v.nrel)
		line(t, 1, "mesh relations: none");
	for (size_t i = 0; i < v.nrel; i++) {
		const struct provider_relation *rel = &v.rel[i];
		struct json *r = json_object();

		json_set(r, "id", json_string(rel->id));
		json_set(r, "remote_app", json_string(rel->app));
		json_set(r, "sent_policies", json_bool(rel->sent));
		json_append(arr, r);
		line(t, 1, "%s -> %s: %s", rel->id, rel->app, rel->sent ? "sent policies" : "no policies sent");
	}
	json_set(o, "policies_gathered", json_int((long long)v.kept));
	line(t, 1, "policies gathered: %zu", v.kept);
	provider_view_release(&v);
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

static int cmd_status(struct cmd_ctx *ctx)
{
	struct json *facts = NULL;
	struct strbuf text = STRBUF_INIT;
	int rc = EXIT_OK;

	if (ctx->argc > 0)
		return cmd_usage_error(ctx, "unexpected argument '%s'", ctx->argv[0]);
	if (cmd_load_config(ctx) < 0)
		return EXIT_USAGE;
	if (status_collect(&ctx->cfg, &facts, &text) < 0) {
		rc = EXIT_FAIL;
	} else if (ctx->format == FMT_TEXT) {
		fputs(text.buf, stdout);
	} else {
		rc = cmd_print_tree(ctx, facts);
		facts = NULL;
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
