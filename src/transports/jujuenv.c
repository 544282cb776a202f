/* jujuenv.c - the hook's environment and Juju's hook names; see jujuenv.h. */
#include <stdlib.h>
#include <string.h>

#include "transports/jujuenv.h"
#include "base/util.h"

static struct juju_env env;
static int env_read;

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
	if (env.unit)
		env.app = xstrndup(env.unit, strcspn(env.unit, "/"));
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

void juju_env_forget(void)
{
	free(env.app);
	memset(&env, 0, sizeof(env));
	env_read = 0;
}
