/* jujuc.c - the Juju hook-tool client; see jujuc.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
#include "formats/settings.h"
#include "transports/jujuc.h"
#include "base/log.h"
#include "transports/run.h"
#include "transports/stats.h"
#include "base/strbuf.h"
#include "base/util.h"

static int leader_known, leader_value;
static const char *const *noted_keys;

void juju_reset(void)
{
	juju_cache_reset();
	leader_known = 0;
	juju_env_forget();
	juju_attach_log();
}

void juju_note_keys(const char *const *keys)
{
	noted_keys = keys;
}

/* One hook tool: its argv, stdin, and after tools() its parsed output.
 * relid and app name the relation of a relation-list --app call (app
 * NULL) or a relation-get --app call, for keep(). */
struct call {
	const char *argv[8];
	const char *in;          /* stdin; NULL: /dev/null */
	size_t in_len;
	int raw;                 /* its output is not JSON: not parsed */
	const char *relid, *app;
	struct json *out;
};

/* Run calls[0..n) together (up to settings_jobs() at once) and parse
 * the output of each one without raw set into calls[i].out. Returns 0, or
 * -1 after reporting each tool that failed (every out is then NULL). */
static int tools(struct call *calls, size_t n)
{
	struct child *cs = xcalloc(n, sizeof(*cs));
	struct strbuf why = STRBUF_INIT;
	int ret = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		cs[i].argv = calls[i].argv;
		cs[i].in = calls[i].in;
		cs[i].in_len = calls[i].in_len;
		calls[i].out = NULL;
	}
	if (run_children(cs, n, settings_jobs()) < 0)
		ret = -1;
	for (i = 0; i < n; i++) {
		const struct child *c = &cs[i];

		if (c->started || c->start_errno)
			stats.tool_calls++;
		if (c->start_errno || (c->started && (c->status != 0 || c->timed_out))) {
			child_error(c);
			continue;
		}
		if (!c->started || ret < 0 || calls[i].raw)
			continue;
		strbuf_reset(&why);
		calls[i].out = json_parse_strbuf_keep(&c->out, &why);
		if (!calls[i].out)
			ret = error("%s printed output that is not JSON (%s): %.200s", c->argv[0],
				    why.buf, c->out.buf);
	}
	for (i = 0; i < n; i++) {
		if (ret < 0) {
			json_free(calls[i].out);
			calls[i].out = NULL;
		}
		child_release(&cs[i]);
	}
	strbuf_release(&why);
	free(cs);
	return ret;
}

static struct call app_call(const char *relid)
{
	return (struct call){ .argv = { "relation-list", "-r", relid, "--app", "--format=json" },
			      .relid = relid };
}

static struct call bag_call(const char *relid, const char *app)
{
	return (struct call){ .argv = { "relation-get", "-r", relid, "--app", "--format=json", "-", app },
			      .relid = relid, .app = app };
}

int juju_is_leader(int *leader)
{
	struct call c = { .argv = { "is-leader", "--format=json" } };
	enum json_type t;

	if (!leader_known) {
		if (tools(&c, 1) < 0)
			return -1;
		t = c.out->type;
		json_free(c.out);
		if (t != JSON_TRUE && t != JSON_FALSE)
			return error("is-leader printed %s, not true or false", json_type_name(t));
		leader_value = t == JSON_TRUE;
		leader_known = 1;
	}
	*leader = leader_value;
	return 0;
}

int juju_planned_units_from_json(const struct json *v, size_t *n)
{
	const struct json *units;

	*n = 0;
	if (v->type != JSON_OBJECT)
		return error("goal-state printed %s, not an object", json_type_name(v->type));
	/* ops: app_state.get("units", {}) */
	units = json_get(v, "units");
	if (!units)
		return 0;
	if (units->type != JSON_OBJECT)
		return error("goal-state printed \"units\" as %s, not an object",
			     json_type_name(units->type));
	for (size_t i = 0; i < units->u.obj.n; i++) {
		const struct json_member *m = &units->u.obj.m[i];
		const struct json *st = m->value->type == JSON_OBJECT ? json_get(m->value, "status") : NULL;

		if (!st || st->type != JSON_STRING) {
			struct strbuf sb = STRBUF_INIT;
			int r;

			strbuf_add_quoted(&sb, m->key);
			r = error("goal-state printed unit %s without a status string", sb.buf);
			strbuf_release(&sb);
			return r;
		}
		if (strcmp(st->u.s, "dying"))
			(*n)++;
	}
	return 0;
}

int juju_planned_units(size_t *n)
{
	struct call c = { .argv = { "goal-state", "--format=json" } };
	int ret;

	*n = 0;
	if (tools(&c, 1) < 0)
		return -1;
	ret = juju_planned_units_from_json(c.out, n);
	json_free(c.out);
	return ret;
}

int juju_relation_ids(const char *endpoint, const struct strlist **ids)
{
	struct call c = { .argv = { "relation-ids", "--format=json", "--", endpoint } };
	const struct juju_env *je = juju_env();
	const char *broken = je->hook && je->relation_id && ends_with(je->hook, "-relation-broken")
		? je->relation_id : NULL;
	struct strlist list = STRLIST_INIT;
	const struct json *v;
	int ret = 0;

	if ((*ids = juju_cache_ids(endpoint, NULL)) != NULL)
		return 0;
	if (tools(&c, 1) < 0)
		return -1;
	v = c.out;
	if (v->type != JSON_ARRAY && v->type != JSON_NULL)
		ret = error("relation-ids %s printed %s, not a list", endpoint, json_type_name(v->type));
	for (size_t i = 0; !ret && v->type == JSON_ARRAY && i < v->u.arr.n; i++) {
		const struct json *id = v->u.arr.items[i];

		if (id->type != JSON_STRING)
			ret = error("relation-ids %s printed a list with %s in it", endpoint,
				    json_type_name(id->type));
		/* Older Juju still lists the relation being broken: leave it out,
		 * as the ops framework does, so every version gives one answer. */
		else if (!broken || strcmp(id->u.s, broken))
			strlist_add(&list, id->u.s);
	}
	json_free(c.out);
	if (!ret)
		*ids = juju_cache_ids(endpoint, &list);
	strlist_release(&list);
	return ret;
}

/* Check what the relation-list --app or relation-get --app call c printed
 * and keep it in the cache; frees c->out. */
static int keep(struct call *c)
{
	struct kvlist kv = KVLIST_INIT;
	const struct json *v = c->out;
	int ret = 0;

	if (!c->app && (v->type != JSON_STRING || !*v->u.s))
		ret = error("relation-list -r %s --app did not print an application name", c->relid);
	else if (!c->app)
		juju_cache_app(c->relid, v->u.s);
	else if ((ret = juju_databag_from_json(c->relid, c->app, v, &kv)) == 0)
		juju_cache_bag(c->relid, c->app, &kv);
	json_free(c->out);
	return ret;
}

/* Run calls[0..n) together and keep() their answers. */
static int fetch(struct call *calls, size_t n)
{
	int ret = tools(calls, n);

	for (size_t i = 0; i < n; i++) {
		if (ret == 0)
			ret = keep(&calls[i]);
		else
			json_free(calls[i].out);
	}
	return ret;
}

int juju_relation_app(const char *relid, const char **app)
{
	struct call c = app_call(relid);

	if (!(*app = juju_cache_app(relid, NULL))) {
		if (fetch(&c, 1) < 0)
			return -1;
		*app = juju_cache_app(relid, NULL);
	}
	return 0;
}

/* relation-list --app (bags 0) or relation-get --app (bags 1) of every
 * relation in ids that the cache cannot answer, together. */
static int prefetch(const struct strlist *ids, int bags)
{
	struct call *calls = xcalloc(ids->n, sizeof(*calls));
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < ids->n; i++) {
		const char *relid = ids->items[i], *app = juju_cache_app(relid, NULL);

		if (!bags && !app)
			calls[n++] = app_call(relid);
		else if (bags && !juju_cache_bag(relid, app, NULL))
			calls[n++] = bag_call(relid, app);
	}
	ret = fetch(calls, n);
	free(calls);
	return ret;
}

int juju_prefetch_apps(const struct strlist *ids)
{
	return prefetch(ids, 0);
}

/* Log why entry m is left out: its key or value is not text (a NUL, which
 * Juju prints as \u0000, or invalid UTF-8 from a tool that prints it raw).
 * A readable key with a bad value is then kept with the value "", which
 * Juju never holds (relation-set k= deletes k), so that readers can tell
 * "sent, unreadable" from "not sent". */
static void skip_bad_entry(const char *relid, const char *app, const struct json_member *m)
{
	int ours = 0;

	for (size_t k = 0; !m->bad && noted_keys && noted_keys[k]; k++)
		ours |= !strcmp(m->key, noted_keys[k]);
	log_msg(ours ? LOG_WARNING : LOG_DEBUG, "relation-get -r %s %s: skipping key '%.64s'%s: %s %s",
		relid, app, m->key, strlen(m->key) > 64 ? "..." : "", m->bad ? "the key" : "its value",
		m->bad ? m->bad : m->value->u.bad.why);
}

int juju_databag_from_json(const char *relid, const char *app, const struct json *v,
			   struct kvlist *kv)
{
	if (v->type == JSON_NULL)
		return 0;
	if (v->type != JSON_OBJECT)
		return error("relation-get -r %s %s printed %s, not an object", relid, app,
			     json_type_name(v->type));
	kvlist_reserve(kv, v->u.obj.n);
	for (size_t i = 0; i < v->u.obj.n; i++) {
		const struct json_member *m = &v->u.obj.m[i];
		if (m->bad || m->value->type == JSON_BADSTRING) {
			skip_bad_entry(relid, app, m);
			if (!m->bad)
				kvlist_append(kv, m->key, "");
			continue;
		}
		/* Juju's values are strings: anything else is the platform's fault */
		if (m->value->type != JSON_STRING) {
			kvlist_release(kv);
			return error("relation-get -r %s %s: value of '%.64s' is %s, not a string",
				     relid, app, m->key, json_type_name(m->value->type));
		}
		/* keys are unique: json_parse() refuses duplicates */
		kvlist_append(kv, m->key, m->value->u.s);
	}
	return 0;
}

int juju_relation_get_app(const char *relid, const char *app, const struct kvlist **data)
{
	struct call c = bag_call(relid, app);

	if (!(*data = juju_cache_bag(relid, app, NULL))) {
		if (fetch(&c, 1) < 0)
			return -1;
		*data = juju_cache_bag(relid, app, NULL);
	}
	return 0;
}

int juju_prefetch_remote_bags(const struct strlist *ids)
{
	return prefetch(ids, 0) < 0 ? -1 : prefetch(ids, 1);
}

int juju_relation_set_app(const char *relid, const struct kvlist *kv)
{
	struct call c = { .argv = { "relation-set", "-r", relid, "--app", "--file", "-" }, .raw = 1 };
	struct json *obj = json_object_from_kvlist(kv);
	struct strbuf in = STRBUF_INIT;
	struct kvlist *b;
	int ret;

	json_emit(&in, obj);
	strbuf_addch(&in, '\n');
	json_free(obj);
	stats.relation_bytes += in.len;
	c.in = in.buf;
	c.in_len = in.len;
	ret = tools(&c, 1);
	strbuf_release(&in);
	if (ret < 0)
		return -1;
	/* keep the cached copy of our own databag in step */
	b = juju_env()->app ? juju_cache_bag(relid, juju_env()->app, NULL) : NULL;
	for (size_t i = 0; b && i < kv->n; i++) {
		if (*kv->items[i].value)
			kvlist_set(b, kv->items[i].key, kv->items[i].value);
		else
			kvlist_del(b, kv->items[i].key);
	}
	return 0;
}

int juju_relation_update_app(const char *relid, const struct kvlist *want, int *changed)
{
	const struct kvlist *own;
	struct kvlist kv = KVLIST_INIT;
	int ret = 0;

	*changed = 0;
	if (juju_relation_get_app(relid, juju_env()->app, &own) < 0)
		return -1;
	for (size_t i = 0; i < want->n; i++) {
		const char *old = kvlist_get(own, want->items[i].key);
		if (!old || strcmp(old, want->items[i].value)) {
			kvlist_set(&kv, want->items[i].key, want->items[i].value);
			*changed |= 1 << i;
		}
	}
	if (kv.n)
		ret = juju_relation_set_app(relid, &kv);
	kvlist_release(&kv);
	return ret;
}

void juju_log(const char *level, const char *message)
{
	const char *argv[] = { "juju-log", "--log-level", level, "--", message, NULL };
	struct child c = CHILD_INIT;

	if (!juju_in_context())
		return;
	c.argv = argv;
	stats.tool_calls++;
	if (run_child_quiet(&c) < 0)
		fprintf(stderr, "svcmesh-hook: warning: juju-log failed (exit status %d): %s\n",
			c.status, c.err.buf);
	child_release(&c);
}

/* One juju-log argument must stay below the kernel's per-argument limit. */
#define LOG_MAX_MESSAGE (100 * 1024)

/* The log's sink: one record, one juju_log() call. Juju puts
 * "<endpoint>:<id>: " in front of every juju-log record of a relation hook
 * (worker/uniter/runner/jujuc/juju-log.go): a record about the hook's own
 * relation drops the same prefix so that it is not there twice. */
static void log_to_juju(enum log_level level, const char *text, int hook)
{
	const char *relid = juju_env()->relation_id;
	size_t n = relid ? strlen(relid) : 0;
	struct strbuf msg = STRBUF_INIT;

	if (hook && relid && !strncmp(text, relid, n) && text[n] == ':' && text[n + 1] == ' ')
		text += n + 2;
	strbuf_addstr(&msg, text);
	if (msg.len > LOG_MAX_MESSAGE) {
		strbuf_setlen(&msg, LOG_MAX_MESSAGE);
		strbuf_addstr(&msg, " ... (truncated)");
	}
	juju_log(log_level_name(level), msg.buf);
	strbuf_release(&msg);
}

void juju_attach_log(void)
{
	log_set_sink(log_to_juju, juju_in_context);
}
