/* hooks.h - which hooks svcmesh-hook handles and what each one does: the
 * one table of hooks, matched by event and by the role the endpoint plays
 * in service-mesh.yaml. The dispatcher, list-hooks, link-hooks and
 * check-config all read it, so they cannot drift apart.
 *
 * Pure data and look-ups: no hook tool, no file. Inputs are borrowed.
 */
#ifndef SVCMESH_HOOKS_H
#define SVCMESH_HOOKS_H

#include "formats/config.h"
#include "base/kvlist.h"

/* The part an endpoint plays, from service-mesh.yaml. */
enum role {
	ROLE_NONE,          /* not a relation hook: install, upgrade-charm, ... */
	ROLE_MESH,          /* consumer.mesh-relation */
	ROLE_CMR_REQUIRES,  /* consumer.cross-model-mesh-requires */
	ROLE_CMR_PROVIDES,  /* consumer.cross-model-mesh-provides */
	ROLE_POLICY,        /* an endpoint named by a consumer policy */
	ROLE_PROVIDER_MESH, /* provider.mesh-relation */
};

/* What a hook does (bits). */
enum action {
	ACT_POLICIES = 1 << 0,        /* consumer: rebuild and publish policies (leader) */
	ACT_CMR_DATA = 1 << 1,        /* consumer: send cmr_data on this relation (leader) */
	ACT_LABELS = 1 << 2,          /* consumer auto-join: reconcile labels (leader) */
	ACT_UNLABEL = 1 << 3,         /* consumer auto-join: remove labels, delete ConfigMap (leader) */
	ACT_PROVIDER_PUBLISH = 1 << 4, /* provider: publish labels and mesh_type (leader) */
	ACT_PROVIDER_APPLY = 1 << 5,  /* provider: apply AuthorizationPolicies (leader, manage-policies) */
	ACT_PROVIDER_REMOVE = 1 << 6, /* provider: last unit removed, delete owned policies (any unit, manage-policies) */
	ACT_PROVIDER_RECORD = 1 << 7, /* provider: record on this unit whether manage-policies is on (any unit) */
};

/* Actions any unit carries out; every other one is the leader's. */
#define ANY_UNIT_ACTIONS (ACT_PROVIDER_REMOVE | ACT_PROVIDER_RECORD)

/* The actions the table gives hook for this config (0: nothing to do). */
unsigned hook_actions(const struct mesh_config *cfg, const char *hook);
/* Every hook name this config needs, in table order (for link-hooks),
 * appended to out (owned by the caller). */
void hook_names(const struct mesh_config *cfg, struct strlist *out);

#endif
