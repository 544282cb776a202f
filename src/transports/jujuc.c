/* jujuc.c - the Juju hook-tool client; see jujuc.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/json.h"
#include "transports/jujuc.h"
#include "base/log.h"
#include "transports/run.h"
#include "formats/settings.h"
#include "transports/stats.h"
#include "base/strbuf.h"
#include "base/util.h"

struct ids_cache {
	char *endpoint;
	struct strlist ids;
};

struct app_cache {
	char *relid;
	char *app;
	int remembered;    /* read from the memo file, not learnt in this run */
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
static int memo_loaded, memo_dirty;

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

static const char *const unit_hooks[] = {
	"install", "start", "config-changed", "upgrade-charm", "stop", "remove",
	"leader-elected", "leader-deposed", "update-status",
	"secret-changed", "secret-expired", "secret-remove", "secret-rotate",
	/* older Juju */
	"leader-settings-changed", "collect-metrics", "meter-status-changed",
	"pre-series-upgrade", "post-series-upgrade",
};

static const char *const prefixed_hooks[] = {
	"-relation-created", "-relation-joined", "-relation-changed", "-relation-departed",
	"-relation-broken", "-storage-attached", "-storage-detaching", "-pebble-ready",
	"-pebble-custom-notice", "-pebble-check-failed", "-pebble-check-recovered",
};

/* The length of the endpoint/storage/container name before suffix in
 * name, or 0 when name is not NAME + suffix. */
static size_t hook_prefix(const char *name, const char *suffix)
{
	size_t n = strlen(name), sl = strlen(suffix), p;

	if (n <= sl || strcmp(name + n - sl, suffix))
		return 0;
	p = n - sl;
	if (name[0] < 'a' || name[0] > 'z' || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") < p)
		return 0;
	return p;
}

int juju_hook_name_valid(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(unit_hooks); i++)
		if (!strcmp(name, unit_hooks[i]))
			return 1;
	for (size_t i = 0; i < ARRAY_SIZE(prefixed_hooks); i++)
		if (hook_prefix(name, prefixed_hooks[i]))
			return 1;
	return 0;
}

int juju_check_hook_relation(const char *hook)
{
	const struct juju_env *e = juju_env();
	size_t p = 0;

	for (size_t i = 0; !p && i < 5; i++)   /* the five relation hooks */
		p = hook_prefix(hook, prefixed_hooks[i]);
	if (!p)
		return 0;
	if (e->relation_id && (strncmp(e->relation_id, hook, p) || e->relation_id[p] != ':'))
		return error("hook %s is for endpoint '%.*s', but JUJU_RELATION_ID is '%.64s', a relation "
			     "of another endpoint: refusing to write to it", hook, (int)p, hook, e->relation_id);
	if (e->relation && (strlen(e->relation) != p || strncmp(e->relation, hook, p)))
		return error("hook %s is for endpoint '%.*s', but JUJU_RELATION is '%.64s'", hook, (int)p,
			     hook, e->relation);
	return 0;
}

int juju_in_context(void)
{
	return juju_env()->context_id != NULL;
}

const struct juju_env *juju_context(const char *what)
{
	const struct juju_env *e = juju_env();

	if (e->context_id && e->unit && e->app && e->model)
		return e;
	error("%s needs a Juju context: run it in a hook or with juju exec (JUJU_CONTEXT_ID, "
	      "JUJU_UNIT_NAME and JUJU_MODEL_NAME must all be set)", what);
	return NULL;
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
	memo_loaded = memo_dirty = 0;
	free(env.app);
	memset(&env, 0, sizeof(env));
	env_read = 0;
	juju_attach_log();
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
	apps_c[apps_n].remembered = 0;
	return apps_c[apps_n++].app;
}

/* ---- remote applications remembered across hooks ----
 *
 * A relation's remote application never changes while the relation
 * exists, and Juju never gives a model's relation id to another relation,
 * so the answers of relation-list --app are kept in MEMO_FILE in the charm
 * directory (beside the ops framework's .unit-state.db) and later hooks
 * ask only about relations they have not met. The file is a cache: when
 * it is missing, unreadable or written for another unit or model it is
 * ignored, and settings.remember-apps: false (SVCMESH_REMEMBER=0) turns
 * it off.
 */
#define MEMO_FILE ".svcmesh-hook-apps"
#define MEMO_MAX_BYTES (4u * 1024 * 1024)

static char *memo_path(void)
{
	const struct juju_env *e = juju_env();
	struct strbuf sb = STRBUF_INIT;

	if (!settings_remember_apps() || !e->charm_dir || !e->unit || !juju_in_context())
		return NULL;
	strbuf_addf(&sb, "%s/%s", e->charm_dir, MEMO_FILE);
	return strbuf_detach(&sb, NULL);
}

static void memo_header(struct strbuf *sb)
{
	const char *uuid = getenv("JUJU_MODEL_UUID");

	strbuf_addf(sb, "svcmesh-hook remote apps 1 %s %s\n", juju_env()->unit,
		    uuid && *uuid ? uuid : "-");
}

/* An application or endpoint name as the memo file may hold it. */
static int memo_name(const char *s, size_t len)
{
	if (!len || len > 256)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* A relation id, "endpoint:N". */
static int memo_relid(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t n;

	if (!colon || !memo_name(s, (size_t)(colon - s)))
		return 0;
	n = len - (size_t)(colon - s) - 1;
	if (!n || n > 20)
		return 0;
	for (size_t i = 1; i <= n; i++)
		if (colon[i] < '0' || colon[i] > '9')
			return 0;
	return 1;
}

static void memo_load(void)
{
	struct strbuf head = STRBUF_INIT;
	char *path, *text = NULL;
	const char *p, *end;
	size_t len = 0;

	memo_loaded = 1;
	path = memo_path();
	if (!path)
		return;
	if (read_file(path, MEMO_MAX_BYTES, &text, &len) < 0) {
		memo_dirty = errno != ENOENT;
		free(path);
		return;
	}
	free(path);
	memo_header(&head);
	if (len < head.len || memcmp(text, head.buf, head.len)) {
		memo_dirty = 1;    /* another unit's or model's: replace it */
		goto out;
	}
	for (p = text + head.len, end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		if (!nl || !(sp = memchr(p, ' ', (size_t)(nl - p))) ||
		    !memo_relid(p, (size_t)(sp - p)) || !memo_name(sp + 1, (size_t)(nl - sp - 1))) {
			/* damaged: forget all of it (nothing else is cached yet) */
			while (apps_n) {
				apps_n--;
				free(apps_c[apps_n].relid);
				free(apps_c[apps_n].app);
			}
			memo_dirty = 1;
			goto out;
		}
		ALLOC_GROW(apps_c, apps_n + 1, apps_alloc);
		apps_c[apps_n].relid = xstrndup(p, (size_t)(sp - p));
		apps_c[apps_n].app = xstrndup(sp + 1, (size_t)(nl - sp - 1));
		apps_c[apps_n++].remembered = 1;
		p = nl + 1;
	}
out:
	free(text);
	strbuf_release(&head);
}

/* 1 if relid is worth remembering: listed by a relation-ids of this run,
 * or remembered and of an endpoint this run did not list. */
static int memo_keep(const struct app_cache *a)
{
	size_t elen = strcspn(a->relid, ":");

	for (size_t i = 0; i < ids_n; i++) {
		if (strlen(ids_c[i].endpoint) != elen || strncmp(ids_c[i].endpoint, a->relid, elen))
			continue;
		return strlist_has(&ids_c[i].ids, a->relid);
	}
	return a->remembered;
}

void juju_app_sources(size_t *remembered, size_t *learnt, char **memo)
{
	*remembered = *learnt = 0;
	for (size_t i = 0; i < apps_n; i++)
		++*(apps_c[i].remembered ? remembered : learnt);
	*memo = memo_path();
}

void juju_remember(void)
{
	struct strbuf sb = STRBUF_INIT, tmp = STRBUF_INIT;
	char *path;
	FILE *f;

	if (!memo_loaded)
		return;
	/* written when it gains or loses a relation */
	for (size_t i = 0; i < apps_n; i++)
		if (memo_keep(&apps_c[i]) != apps_c[i].remembered)
			memo_dirty = 1;
	if (!memo_dirty || !(path = memo_path()))
		return;
	memo_header(&sb);
	for (size_t i = 0; i < apps_n; i++)
		if (memo_keep(&apps_c[i]) && memo_name(apps_c[i].app, strlen(apps_c[i].app)) &&
		    memo_relid(apps_c[i].relid, strlen(apps_c[i].relid)))
			strbuf_addf(&sb, "%s %s\n", apps_c[i].relid, apps_c[i].app);
	/* written whole under another name, then renamed over: a reader
	 * sees the old file or the new one */
	strbuf_addf(&tmp, "%s.%ld", path, (long)getpid());
	f = fopen(tmp.buf, "w");
	/* no log line: it would cost a juju-log call of its own */
	if (f && fwrite(sb.buf, 1, sb.len, f) == sb.len && fclose(f) == 0) {
		f = NULL;
		if (rename(tmp.buf, path) < 0)
			unlink(tmp.buf);
	} else {
		if (f)
			fclose(f);
		unlink(tmp.buf);
	}
	memo_dirty = 0;
	free(path);
	strbuf_release(&tmp);
	strbuf_release(&sb);
}

/* Cached answer for relid, searched from where the last hit was: callers
 * ask in the order the answers were stored, so a walk over a thousand
 * relations stays linear. */
static struct app_cache *find_app(const char *relid)
{
	static size_t hint;

	if (!memo_loaded)
		memo_load();
	for (size_t k = 0; k < apps_n; k++) {
		size_t i = (hint + k) % apps_n;
		if (!strcmp(apps_c[i].relid, relid)) {
			hint = i + 1;
			return &apps_c[i];
		}
	}
	return NULL;
}

/* The remote app of relid without a tool call, or NULL. */
static const char *known_app(const char *relid)
{
	const struct juju_env *e = juju_env();
	struct app_cache *a = find_app(relid);

	if (a)
		return a->app;
	if (e->relation_id && e->remote_app && !strcmp(e->relation_id, relid))
		return cache_app(relid, e->remote_app);
	return NULL;
}

/* Check and cache what relation-list -r relid --app printed (consumes v). */
static int app_answer(const char *relid, struct json *v, const char **app)
{
	if (v->type != JSON_STRING || !*v->u.s) {
		json_free(v);
		return error("relation-list -r %s --app did not print an application name", relid);
	}
	*app = cache_app(relid, v->u.s);
	json_free(v);
	return 0;
}

int juju_relation_app(const char *relid, const char **app)
{
	struct call c = app_call(relid);

	if ((*app = known_app(relid)) != NULL)
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
		if (known_app(relid))
			continue;
		calls[n++] = app_call(relid);
	}
	return answer_all(calls, n, tools(calls, n), app_call_answer);
}

static struct bag_cache *find_bag(const char *relid, const char *app)
{
	for (size_t i = 0; i < bags_n; i++)
		if (!strcmp(bags_c[i].relid, relid) && !strcmp(bags_c[i].app, app))
			return &bags_c[i];
	return NULL;
}

/* The databag keys the service_mesh protocol reads: a bad value of one
 * of them is a WARNING, of any other key only a DEBUG line. */
static const char *const protocol_keys[] = { "policies", "labels", "mesh_type", "cmr_data" };

/* A key or value that cannot be held as text (a NUL, which Juju prints
 * as \u0000, or invalid UTF-8 from a tool that prints it raw): the
 * entry is left out of the databag, the rest kept. */
static void skip_bad_entry(const char *relid, const char *app, const struct json_member *m)
{
	int ours = 0;

	for (size_t k = 0; !m->bad && k < ARRAY_SIZE(protocol_keys); k++)
		ours |= !strcmp(m->key, protocol_keys[k]);
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
	struct bag_cache *b;
	int r = juju_databag_from_json(relid, app, v, &kv);

	json_free(v);
	if (r < 0)
		return -1;
	ALLOC_GROW(bags_c, bags_n + 1, bags_alloc);
	b = &bags_c[bags_n++];
	b->relid = xstrdup(relid);
	b->app = xstrdup(app);
	b->data = kv;
	*data = &b->data;
	return 0;
}

int juju_relation_get_app(const char *relid, const char *app, const struct kvlist **data)
{
	struct bag_cache *b = find_bag(relid, app);
	struct call c = bag_call(relid, app);

	if (b) {
		*data = &b->data;
		return 0;
	}
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
		const char *relid = ids->items[i], *app = known_app(relid);
		if (find_bag(relid, app))
			continue;
		calls[n++] = bag_call(relid, app);
	}
	return answer_all(calls, n, tools(calls, n), bag_call_answer);
}

void juju_forget_bag(const char *relid, const char *app)
{
	struct bag_cache *b = find_bag(relid, app);

	if (!b)
		return;
	free(b->relid);
	free(b->app);
	kvlist_release(&b->data);
	*b = bags_c[--bags_n];
}

int juju_relation_set_app(const char *relid, const struct kvlist *kv)
{
	const char *argv[] = { "relation-set", "-r", relid, "--app", "--file", "-", NULL };
	struct json *obj = json_object_from_kvlist(kv);
	struct strbuf in = STRBUF_INIT;
	struct bag_cache *b;
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
	b = juju_env()->app ? find_bag(relid, juju_env()->app) : NULL;
	for (size_t i = 0; b && i < kv->n; i++) {
		if (*kv->items[i].value)
			kvlist_set(&b->data, kv->items[i].key, kv->items[i].value);
		else
			kvlist_del(&b->data, kv->items[i].key);
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
