/* hooks.c - the table of hooks and what each one does; see hooks.h. */
#include <stdlib.h>
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

static int endpoint_has_role(const struct mesh_config *cfg, const char *endpoint, enum role role)
{
	const struct cfg_consumer *c = cfg->consumer;

	switch (role) {
	case ROLE_NONE:
		return 0;
	case ROLE_MESH:
		return c && !strcmp(c->mesh_relation, endpoint);
	case ROLE_CMR_REQUIRES:
		return c && !strcmp(c->cmr_requires, endpoint);
	case ROLE_CMR_PROVIDES:
		return c && !strcmp(c->cmr_provides, endpoint);
	case ROLE_POLICY:
		for (size_t i = 0; c && i < c->npolicies; i++)
			if (!strcmp(c->policies[i].relation, endpoint))
				return 1;
		return 0;
	case ROLE_PROVIDER_MESH:
		return cfg->provider && !strcmp(cfg->provider->mesh_relation, endpoint);
	}
	return 0;
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
	size_t hl = strlen(hook);

	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		const struct hook_row *e = &hooks[i];
		size_t el = strlen(e->event);

		if (e->role == ROLE_NONE) {
			if (!strcmp(hook, e->event))
				acts |= e->actions;
			continue;
		}
		/* "<endpoint>-<event>" */
		if (hl > el + 1 && hook[hl - el - 1] == '-' && !strcmp(hook + hl - el, e->event)) {
			char *endpoint = xstrndup(hook, hl - el - 1);
			if (endpoint_has_role(cfg, endpoint, e->role))
				acts |= e->actions;
			free(endpoint);
		}
	}
	return acts & enabled_actions(cfg);
}

static void add_unique(struct strlist *out, const char *name)
{
	if (!strlist_has(out, name))
		strlist_add(out, name);
}

static void add_endpoint_hook(struct strlist *out, const char *endpoint, const char *event)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s-%s", endpoint, event);
	add_unique(out, sb.buf);
	strbuf_release(&sb);
}

static void add_role_hooks(const struct mesh_config *cfg, const struct hook_row *e, struct strlist *out)
{
	const struct cfg_consumer *c = cfg->consumer;

	switch (e->role) {
	case ROLE_MESH:
		if (c)
			add_endpoint_hook(out, c->mesh_relation, e->event);
		break;
	case ROLE_CMR_REQUIRES:
		if (c)
			add_endpoint_hook(out, c->cmr_requires, e->event);
		break;
	case ROLE_CMR_PROVIDES:
		if (c)
			add_endpoint_hook(out, c->cmr_provides, e->event);
		break;
	case ROLE_PROVIDER_MESH:
		if (cfg->provider)
			add_endpoint_hook(out, cfg->provider->mesh_relation, e->event);
		break;
	case ROLE_POLICY:
		for (size_t i = 0; c && i < c->npolicies; i++)
			add_endpoint_hook(out, c->policies[i].relation, e->event);
		break;
	case ROLE_NONE:
		add_unique(out, e->event);
		break;
	}
}

void hook_names(const struct mesh_config *cfg, struct strlist *out)
{
	struct strlist all = STRLIST_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++)
		add_role_hooks(cfg, &hooks[i], &all);
	/* keep only hooks that have something to do with this config */
	for (size_t i = 0; i < all.n; i++)
		if (hook_actions(cfg, all.items[i]))
			strlist_add(out, all.items[i]);
	strlist_release(&all);
}

