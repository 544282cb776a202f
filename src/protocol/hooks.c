/* hooks.c - the table of hooks and what each one does; see hooks.h. */
#include <string.h>

#include "protocol/hooks.h"
#include "base/strbuf.h"
#include "base/util.h"

struct hook_row {
	const char *event;   /* "relation-created", or the whole hook name for ROLE_NONE */
	enum role role;      /* which endpoints; ROLE_NONE for non-relation hooks */
	unsigned actions;
};

/* The hooks, as the Python library observes them (reference/service-mesh-protocol.md). */
static const struct hook_row hooks[] = {
	{ "relation-created", ROLE_MESH, ACT_POLICIES },                 /* publish policies */
	{ "relation-changed", ROLE_MESH, ACT_LABELS },                   /* reconcile mesh labels (auto-join) */
	{ "relation-broken", ROLE_MESH, ACT_UNLABEL },                   /* remove mesh labels (auto-join) */
	{ "relation-created", ROLE_CMR_REQUIRES, ACT_CMR_DATA },         /* send cmr_data */
	{ "relation-changed", ROLE_CMR_PROVIDES, ACT_POLICIES },         /* publish policies (cross-model source known) */
	{ "relation-created", ROLE_POLICY, ACT_POLICIES },               /* publish policies */
	{ "relation-broken", ROLE_POLICY, ACT_POLICIES },                /* publish policies */
	/* publish everything, repair labels */
	{ "upgrade-charm", ROLE_NONE, ACT_POLICIES | ACT_LABELS | ACT_PROVIDER_PUBLISH | ACT_PROVIDER_APPLY | ACT_PROVIDER_RECORD },
	{ "leader-elected", ROLE_NONE, ACT_POLICIES | ACT_LABELS | ACT_PROVIDER_PUBLISH },
	/* provider: publish labels and mesh type, apply or clean up, record manage-policies */
	{ "config-changed", ROLE_NONE, ACT_PROVIDER_PUBLISH | ACT_PROVIDER_APPLY | ACT_PROVIDER_RECORD },
	{ "remove", ROLE_NONE, ACT_PROVIDER_REMOVE },   /* provider: delete its policies when the last unit goes (any unit) */
	{ "relation-created", ROLE_PROVIDER_MESH, ACT_PROVIDER_PUBLISH },  /* provider: publish labels and mesh type */
	{ "relation-changed", ROLE_PROVIDER_MESH, ACT_PROVIDER_APPLY },    /* provider: apply authorization policies */
	{ "relation-broken", ROLE_PROVIDER_MESH, ACT_PROVIDER_APPLY },     /* provider: apply authorization policies */
};

/* The i-th endpoint of cfg that plays role (NULL past the last): only
 * ROLE_POLICY can have more than one. */
static const char *role_endpoint(const struct mesh_config *cfg, enum role role, size_t i)
{
	const struct cfg_consumer *c = cfg->consumer;

	if (role == ROLE_POLICY)
		return c && i < c->npolicies ? c->policies[i].relation : NULL;
	if (i)
		return NULL;
	switch (role) {
	case ROLE_MESH:
		return c ? c->mesh_relation : NULL;
	case ROLE_CMR_REQUIRES:
		return c ? c->cmr_requires : NULL;
	case ROLE_CMR_PROVIDES:
		return c ? c->cmr_provides : NULL;
	case ROLE_PROVIDER_MESH:
		return cfg->provider ? cfg->provider->mesh_relation : NULL;
	default:
		return NULL;
	}
}

/* Actions this config can carry out at all. */
static unsigned enabled_actions(const struct mesh_config *cfg)
{
	unsigned mask = 0;

	if (cfg->consumer) {
		mask |= ACT_POLICIES | ACT_CMR_DATA;
		if (cfg->consumer->auto_join)
			mask |= ACT_LABELS | ACT_UNLABEL;
	}
	if (cfg->provider) {
		/* apply also runs with manage-policies false: it then deletes
		 * the policies applied before, once (provider.c), when this
		 * unit's record says manage-policies was on */
		mask |= ACT_PROVIDER_PUBLISH | ACT_PROVIDER_APPLY | ACT_PROVIDER_RECORD;
		/* without manage-policies there is nothing to delete on remove */
		if (cfg->provider->manage_policies)
			mask |= ACT_PROVIDER_REMOVE;
	}
	return mask;
}

unsigned hook_actions(const struct mesh_config *cfg, const char *hook)
{
	unsigned acts = 0;

	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		const struct hook_row *e = &hooks[i];
		const char *ep;

		if (e->role == ROLE_NONE && !strcmp(hook, e->event))
			acts |= e->actions;
		/* "<endpoint>-<event>" */
		for (size_t k = 0; (ep = role_endpoint(cfg, e->role, k)); k++) {
			size_t n = strlen(ep);
			if (!strncmp(hook, ep, n) && hook[n] == '-' && !strcmp(hook + n + 1, e->event))
				acts |= e->actions;
		}
	}
	return acts & enabled_actions(cfg);
}

/* Append name unless out has it or it has nothing to do for cfg. */
static void add_hook(const struct mesh_config *cfg, struct strlist *out, const char *name)
{
	if (hook_actions(cfg, name) && !strlist_has(out, name))
		strlist_add(out, name);
}

void hook_names(const struct mesh_config *cfg, struct strlist *out)
{
	struct strbuf name = STRBUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		const char *ep;

		if (hooks[i].role == ROLE_NONE)
			add_hook(cfg, out, hooks[i].event);
		for (size_t k = 0; (ep = role_endpoint(cfg, hooks[i].role, k)); k++) {
			strbuf_reset(&name);
			strbuf_addf(&name, "%s-%s", ep, hooks[i].event);
			add_hook(cfg, out, name.buf);
		}
	}
	strbuf_release(&name);
}
