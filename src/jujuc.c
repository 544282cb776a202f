/* jujuc.c - the Juju hook-tool client; see jujuc.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jujuc.h"
#include "run.h"
#include "stats.h"
#include "strbuf.h"
#include "util.h"

struct ids_cache {
	char *endpoint;
	struct strlist ids;
};

struct app_cache {
	char *relid;
	char *app;
};

struct bag_cache {
	char *relid;
	char *app;
	struct kvlist data;
};

static struct juju_env env;
static int env_read;
static int leader_known, leader_value;
static struct ids_cache *ids_c;
static size_t ids_n, ids_alloc;
static struct app_cache *apps_c;
static size_t apps_n, apps_alloc;
static struct bag_cache *bags_c;
static size_t bags_n, bags_alloc;

static const char *getenv_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

const struct juju_env *juju_env(void)
{
	const char *slash, *dp;

	if (env_read)
		return &env;
	env_read = 1;
	env.unit = getenv_nonempty("JUJU_UNIT_NAME");
	env.model = getenv_nonempty("JUJU_MODEL_NAME");
	env.hook = getenv_nonempty("JUJU_HOOK_NAME");
	dp = getenv_nonempty("JUJU_DISPATCH_PATH");
	if (!env.hook && dp) {
		slash = strrchr(dp, '/');
		env.hook = slash ? slash + 1 : dp;
	}
	env.relation = getenv_nonempty("JUJU_RELATION");
	env.relation_id = getenv_nonempty("JUJU_RELATION_ID");
	env.remote_app = getenv_nonempty("JUJU_REMOTE_APP");
	env.context_id = getenv_nonempty("JUJU_CONTEXT_ID");
	env.charm_dir = getenv_nonempty("JUJU_CHARM_DIR");
	if (!env.charm_dir)
		env.charm_dir = getenv_nonempty("CHARM_DIR");
	free(env.app);
	env.app = NULL;
	if (env.unit) {
		slash = strchr(env.unit, '/');
		env.app = slash ? xstrndup(env.unit, (size_t)(slash - env.unit)) : xstrdup(env.unit);
	}
	return &env;
}

void juju_set_hook(const char *hook)
{
	juju_env();
	env.hook = hook;
}

int juju_in_context(void)
{
	return juju_env()->context_id != NULL;
}

void juju_reset(void)
{
	size_t i;

	for (i = 0; i < ids_n; i++) {
		free(ids_c[i].endpoint);
		strlist_release(&ids_c[i].ids);
	}
	free(ids_c);
	ids_c = NULL;
	ids_n = ids_alloc = 0;
	for (i = 0; i < apps_n; i++) {
		free(apps_c[i].relid);
		free(apps_c[i].app);
	}
	free(apps_c);
	apps_c = NULL;
	apps_n = apps_alloc = 0;
	for (i = 0; i < bags_n; i++) {
		free(bags_c[i].relid);
		free(bags_c[i].app);
		kvlist_release(&bags_c[i].data);
	}
	free(bags_c);
	bags_c = NULL;
	bags_n = bags_alloc = 0;
	leader_known = 0;
	free(env.app);
	memset(&env, 0, sizeof(env));
	env_read = 0;
}

/* Run a hook tool; on success its parsed JSON output is in *out (if out). */
static int tool(const char *const *argv, const char *in, size_t in_len, struct json **out)
{
	struct child c = CHILD_INIT;
	struct strbuf why = STRBUF_INIT;
	int ret = 0;

	c.argv = argv;
	c.in = in;
	c.in_len = in_len;
	stats.tool_calls++;
	if (run_child(&c) < 0) {
		child_release(&c);
		return -1;
	}
	if (out) {
		*out = json_parse(c.out.buf, c.out.len, &why);
		if (!*out)
			ret = error("%s printed output that is not JSON (%s): %.200s", argv[0], why.buf,
				    c.out.buf);
	}
	strbuf_release(&why);
	child_release(&c);
	return ret;
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

int juju_relation_ids(const char *endpoint, const struct strlist **ids)
{
	const char *argv[] = { "relation-ids", "--format=json", "--", endpoint, NULL };
	const struct juju_env *je = juju_env();
	const char *broken = je->hook && je->relation_id && ends_with(je->hook, "-relation-broken")
		? je->relation_id : NULL;
	struct ids_cache *e;
	struct json *v;
	size_t i;

	for (i = 0; i < ids_n; i++)
		if (!strcmp(ids_c[i].endpoint, endpoint)) {
			*ids = &ids_c[i].ids;
			return 0;
		}
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
	ALLOC_GROW(ids_c, ids_n + 1, ids_alloc);
	e = &ids_c[ids_n++];
	e->endpoint = xstrdup(endpoint);
	memset(&e->ids, 0, sizeof(e->ids));
	for (i = 0; v->type == JSON_ARRAY && i < v->u.arr.n; i++) {
		const char *id = v->u.arr.items[i]->u.s;
		/* Older Juju still lists the relation being broken: leave it out,
		 * as the ops framework does, so every version gives one answer. */
		if (broken && !strcmp(id, broken))
			continue;
		strlist_add(&e->ids, id);
	}
	json_free(v);
	*ids = &e->ids;
	return 0;
}

static const char *cache_app(const char *relid, const char *app)
{
	ALLOC_GROW(apps_c, apps_n + 1, apps_alloc);
	apps_c[apps_n].relid = xstrdup(relid);
	apps_c[apps_n].app = xstrdup(app);
	return apps_c[apps_n++].app;
}

int juju_relation_app(const char *relid, const char **app)
{
	const char *argv[] = { "relation-list", "-r", relid, "--app", "--format=json", NULL };
	const struct juju_env *e = juju_env();
	struct json *v;
	size_t i;

	for (i = 0; i < apps_n; i++)
		if (!strcmp(apps_c[i].relid, relid)) {
			*app = apps_c[i].app;
			return 0;
		}
	if (e->relation_id && e->remote_app && !strcmp(e->relation_id, relid)) {
		*app = cache_app(relid, e->remote_app);
		return 0;
	}
	if (tool(argv, NULL, 0, &v) < 0)
		return -1;
	if (v->type != JSON_STRING || !*v->u.s) {
		json_free(v);
		return error("relation-list -r %s --app did not print an application name", relid);
	}
	*app = cache_app(relid, v->u.s);
	json_free(v);
	return 0;
}

static struct bag_cache *find_bag(const char *relid, const char *app)
{
	for (size_t i = 0; i < bags_n; i++)
		if (!strcmp(bags_c[i].relid, relid) && !strcmp(bags_c[i].app, app))
			return &bags_c[i];
	return NULL;
}

int juju_relation_get_app(const char *relid, const char *app, const struct kvlist **data)
{
	const char *argv[] = { "relation-get", "-r", relid, "--app", "--format=json", "-", app, NULL };
	struct bag_cache *b = find_bag(relid, app);
	struct kvlist kv = KVLIST_INIT;
	struct json *v;

	if (b) {
		*data = &b->data;
		return 0;
	}
	if (tool(argv, NULL, 0, &v) < 0)
		return -1;
	if (v->type == JSON_OBJECT) {
		for (size_t i = 0; i < v->u.obj.n; i++) {
			const struct json_member *m = &v->u.obj.m[i];
			if (m->value->type != JSON_STRING) {
				int r = error("relation-get -r %s %s: value of '%s' is %s, not a string",
					      relid, app, m->key, json_type_name(m->value->type));
				json_free(v);
				kvlist_release(&kv);
				return r;
			}
			kvlist_set(&kv, m->key, m->value->u.s);
		}
	} else if (v->type != JSON_NULL) {
		int r = error("relation-get -r %s %s printed %s, not an object", relid, app,
			      json_type_name(v->type));
		json_free(v);
		return r;
	}
	json_free(v);
	ALLOC_GROW(bags_c, bags_n + 1, bags_alloc);
	b = &bags_c[bags_n++];
	b->relid = xstrdup(relid);
	b->app = xstrdup(app);
	b->data = kv;
	*data = &b->data;
	return 0;
}

int juju_relation_set_app(const char *relid, const struct kvlist *kv)
{
	const char *argv[] = { "relation-set", "-r", relid, "--app", "--file", "-", NULL };
	struct json *obj = json_object();
	struct strbuf in = STRBUF_INIT;
	struct bag_cache *b;
	int ret;

	for (size_t i = 0; i < kv->n; i++)
		json_set(obj, kv->items[i].key, json_string(kv->items[i].value));
	json_emit(&in, obj);
	strbuf_addch(&in, '\n');
	json_free(obj);
	stats.relation_bytes += in.len;
	ret = tool(argv, in.buf, in.len, NULL);
	strbuf_release(&in);
	if (ret < 0)
		return -1;
	/* keep the cached copy of our own databag in step */
	b = juju_env()->app ? find_bag(relid, juju_env()->app) : NULL;
	for (size_t i = 0; b && i < kv->n; i++) {
		if (*kv->items[i].value)
			kvlist_set(&b->data, kv->items[i].key, kv->items[i].value);
		else
			kvlist_del(&b->data, kv->items[i].key);
	}
	return 0;
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
