/* jujuc.c - the Juju hook-tool client; see jujuc.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
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

/* One hook tool: its argv, stdin, and after tools() its parsed output. */
struct call {
	const char *argv[8];
	const char *in;          /* stdin; NULL: /dev/null */
	size_t in_len;
	int parse;               /* its output is JSON to parse into out */
	const char *relid, *app;
	struct json *out;
};

/* Run calls[0..n) together (up to run_default_jobs() at once) and parse
 * the output of each one with parse set into calls[i].out. Returns 0, or
 * -1 after reporting each tool that failed (every out is then NULL). */
static int tools(struct call *calls, size_t n)
{
	struct child *cs = xcalloc(n ? n : 1, sizeof(*cs));
	struct strbuf why = STRBUF_INIT;
	int ret = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		cs[i].argv = calls[i].argv;
		cs[i].in = calls[i].in;
		cs[i].in_len = calls[i].in_len;
		calls[i].out = NULL;
	}
	if (run_children(cs, n, run_default_jobs()) < 0)
		ret = -1;
	for (i = 0; i < n; i++) {
		const struct child *c = &cs[i];

		if (c->started || c->start_errno)
			stats.tool_calls++;
		if (c->start_errno || (c->started && (c->status != 0 || c->timed_out))) {
			child_error(c);
			continue;
		}
		if (!c->started || ret < 0 || !calls[i].parse)
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

/* Answer each call of a batch with answer() (which consumes out); -1 if
 * any answer was refused. Frees what is left. */
static int answer_all(struct call *calls, size_t n, int ret,
		      int (*answer)(const struct call *))
{
	for (size_t i = 0; i < n; i++) {
		if (ret == 0 && answer(&calls[i]) < 0)
			ret = -1;
		else if (ret < 0)
			json_free(calls[i].out);
	}
	free(calls);
	return ret;
}

/* Run one hook tool; on success its parsed JSON output is in *out (if
 * out). argv has at most 7 words. */
static int tool(const char *const *argv, const char *in, size_t in_len, struct json **out)
{
	struct call c = { { NULL }, in, in_len, out != NULL, NULL, NULL, NULL };

	for (size_t i = 0; argv[i]; i++) {
		if (i + 1 >= ARRAY_SIZE(c.argv))
			die("jujuc: %s has too many arguments", argv[0]);
		c.argv[i] = argv[i];
	}
	if (tools(&c, 1) < 0)
		return -1;
	if (out)
		*out = c.out;
	return 0;
}

static struct call app_call(const char *relid)
{
	return (struct call){ { "relation-list", "-r", relid, "--app", "--format=json", NULL },
			      NULL, 0, 1, relid, NULL, NULL };
}

static struct call bag_call(const char *relid, const char *app)
{
	return (struct call){ { "relation-get", "-r", relid, "--app", "--format=json", "-", app, NULL },
			      NULL, 0, 1, relid, app, NULL };
}

int juju_is_leader(int *leader)
{
	const char *argv[] = { "is-leader", "--format=json", NULL };
	struct json *v;

	if (!leader_known) {
		if (tool(argv, NULL, 0, &v) < 0)
			return -1;
		if (v->type != JSON_TRUE && v->type != JSON_FALSE) {
			int r = error("is-leader printed %s, not true or false", json_type_name(v->type));
			json_free(v);
			return r;
		}
		leader_value = v->type == JSON_TRUE;
		leader_known = 1;
		json_free(v);
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
	const char *argv[] = { "goal-state", "--format=json", NULL };
	struct json *v;
	int ret;

	*n = 0;
	if (tool(argv, NULL, 0, &v) < 0)
		return -1;
	ret = juju_planned_units_from_json(v, n);
	json_free(v);
	return ret;
}

int juju_relation_ids(const char *endpoint, const struct strlist **ids)
{
	const char *argv[] = { "relation-ids", "--format=json", "--", endpoint, NULL };
	const struct juju_env *je = juju_env();
	const char *broken = je->hook && je->relation_id && ends_with(je->hook, "-relation-broken")
		? je->relation_id : NULL;
	struct strlist *list;
	struct json *v;
	size_t i;

	if ((*ids = juju_cached_ids(endpoint)) != NULL)
		return 0;
	if (tool(argv, NULL, 0, &v) < 0)
		return -1;
	if (v->type != JSON_ARRAY && v->type != JSON_NULL) {
		int r = error("relation-ids %s printed %s, not a list", endpoint, json_type_name(v->type));
		json_free(v);
		return r;
	}
	for (i = 0; v->type == JSON_ARRAY && i < v->u.arr.n; i++)
		if (v->u.arr.items[i]->type != JSON_STRING) {
			int r = error("relation-ids %s printed a list with %s in it", endpoint,
				      json_type_name(v->u.arr.items[i]->type));
			json_free(v);
			return r;
		}
	list = juju_cache_ids(endpoint);
	for (i = 0; v->type == JSON_ARRAY && i < v->u.arr.n; i++) {
		const char *id = v->u.arr.items[i]->u.s;
		/* Older Juju still lists the relation being broken: leave it out,
		 * as the ops framework does, so every version gives one answer. */
		if (broken && !strcmp(id, broken))
			continue;
		strlist_add(list, id);
	}
	json_free(v);
	*ids = list;
	return 0;
}

/* Check and cache what relation-list -r relid --app printed (consumes v). */
static int app_answer(const char *relid, struct json *v, const char **app)
{
	if (v->type != JSON_STRING || !*v->u.s) {
		json_free(v);
		return error("relation-list -r %s --app did not print an application name", relid);
	}
	*app = juju_cache_app(relid, v->u.s);
	json_free(v);
	return 0;
}

int juju_relation_app(const char *relid, const char **app)
{
	struct call c = app_call(relid);

	if ((*app = juju_known_app(relid)) != NULL)
		return 0;
	if (tools(&c, 1) < 0)
		return -1;
	return app_answer(relid, c.out, app);
}

static int app_call_answer(const struct call *c)
{
	const char *app;
	return app_answer(c->relid, c->out, &app);
}

int juju_prefetch_apps(const struct strlist *ids)
{
	struct call *calls = xcalloc(ids->n ? ids->n : 1, sizeof(*calls));
	size_t n = 0;

	for (size_t i = 0; i < ids->n; i++) {
		const char *relid = ids->items[i];
		if (juju_known_app(relid))
			continue;
		calls[n++] = app_call(relid);
	}
	return answer_all(calls, n, tools(calls, n), app_call_answer);
}

/* A key or value that cannot be held as text (a NUL, which Juju prints
 * as \u0000, or invalid UTF-8 from a tool that prints it raw): the rest
 * is kept. A bad key's entry is left out; a readable key with a bad value
 * is kept with the value "", which Juju never holds (relation-set k=
 * deletes k), so that readers can tell "sent, unreadable" from "not sent". */
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

/* Check and cache what relation-get -r relid --app - app printed
 * (consumes v). */
static int bag_answer(const char *relid, const char *app, struct json *v,
		      const struct kvlist **data)
{
	struct kvlist kv = KVLIST_INIT;
	int r = juju_databag_from_json(relid, app, v, &kv);

	json_free(v);
	if (r < 0)
		return -1;
	*data = juju_cache_bag(relid, app, &kv);
	return 0;
}

int juju_relation_get_app(const char *relid, const char *app, const struct kvlist **data)
{
	struct call c = bag_call(relid, app);

	if ((*data = juju_cached_bag(relid, app)) != NULL)
		return 0;
	if (tools(&c, 1) < 0)
		return -1;
	return bag_answer(relid, app, c.out, data);
}

static int bag_call_answer(const struct call *c)
{
	const struct kvlist *data;
	return bag_answer(c->relid, c->app, c->out, &data);
}

int juju_prefetch_remote_bags(const struct strlist *ids)
{
	struct call *calls;
	size_t n = 0;

	if (juju_prefetch_apps(ids) < 0)
		return -1;
	calls = xcalloc(ids->n ? ids->n : 1, sizeof(*calls));
	for (size_t i = 0; i < ids->n; i++) {
		const char *relid = ids->items[i], *app = juju_known_app(relid);
		if (juju_cached_bag(relid, app))
			continue;
		calls[n++] = bag_call(relid, app);
	}
	return answer_all(calls, n, tools(calls, n), bag_call_answer);
}

int juju_relation_set_app(const char *relid, const struct kvlist *kv)
{
	const char *argv[] = { "relation-set", "-r", relid, "--app", "--file", "-", NULL };
	struct json *obj = json_object_from_kvlist(kv);
	struct strbuf in = STRBUF_INIT;
	struct kvlist *b;
	int ret;

	json_emit(&in, obj);
	strbuf_addch(&in, '\n');
	json_free(obj);
	stats.relation_bytes += in.len;
	ret = tool(argv, in.buf, in.len, NULL);
	strbuf_release(&in);
	if (ret < 0)
		return -1;
	/* keep the cached copy of our own databag in step */
	b = juju_env()->app ? juju_cached_bag(relid, juju_env()->app) : NULL;
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

/* Juju puts "<endpoint>:<id>: " in front of every juju-log record of a
 * relation hook (worker/uniter/runner/jujuc/juju-log.go): a message about
 * the hook's own relation drops the same prefix so that it is not there twice. */
static const char *without_hook_relation(const char *text, int hook)
{
	const char *relid = juju_env()->relation_id;
	size_t n;

	if (!hook || !relid)
		return text;
	n = strlen(relid);
	if (!strncmp(text, relid, n) && text[n] == ':' && text[n + 1] == ' ')
		return text + n + 2;
	return text;
}

/* The log's sink: one record, one juju_log() call. */
static void log_to_juju(enum log_level level, const char *text, int hook)
{
	struct strbuf msg = STRBUF_INIT;

	strbuf_addstr(&msg, without_hook_relation(text, hook));
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
