/* provider.h - the provider side of service_mesh (ServiceMeshProvider):
 * publish the mesh labels and type to every consumer, collect the
 * MeshPolicy lists they sent (protocol/meshview.h), render them as Istio
 * AuthorizationPolicies (istio.h) and, with manage-policies: true, keep
 * the cluster's set of owned AuthorizationPolicies equal to that
 * rendering (server-side apply of what differs, delete what is stale).
 *
 * Functions talk to Juju through jujuc.h and to Kubernetes through
 * kube.h, and take the provider section of the config (NULL: no
 * provider, nothing to do). They do not check leadership: the dispatcher
 * does for hooks, and the commands that write (commands/cmd-apply.c) do
 * for themselves. mesh-info, render and apply are commands/cmd-*.c.
 */
#ifndef SVCMESH_PROVIDER_H
#define SVCMESH_PROVIDER_H

#include "formats/config.h"
#include "formats/json.h"
#include "protocol/meshview.h"
#include "protocol/policy.h"

/* ACT_PROVIDER_PUBLISH: write labels and mesh_type (json.dumps text) to
 * every provider mesh relation whose own app databag differs; one
 * relation-set per relation with just the changed keys. 0 / -1. */
int provider_publish(const struct cfg_provider *p);

/* ACT_PROVIDER_APPLY: with manage-policies, apply the rendered policies
 * that differ from the cluster (one kubectl apply --server-side) and
 * delete owned ones no longer wanted; nothing changed means no write at
 * all. Policies that cannot be enforced (who may be opened, Istio's
 * validation; README "Istio AuthorizationPolicies") are logged (WARNING)
 * and left out; they do not fail the hook. Without manage-policies: when
 * this unit's record (provider_record_action) says it was on, delete every
 * owned policy; else make no kubectl call at all. 0 / -1. */
int provider_apply_action(const struct cfg_provider *p);

/* ACT_PROVIDER_RECORD (every unit, after apply): keep
 * .svcmesh-hook-policies-managed in the charm directory while
 * manage-policies is on, and remove it when it is off. Never fails the
 * hook: a file it cannot write is a WARNING. Returns 0. */
int provider_record_action(const struct cfg_provider *p);

/* ACT_PROVIDER_REMOVE (the remove hook, on any unit: during removal of
 * the application Juju may have no leader), with manage-policies only:
 * one goal-state call; when no unit is planned any more (ops'
 * planned_units() == 0, the beacon's remove handler) delete every policy
 * the provider owns, else (a scale-down) nothing and no kubectl call. A
 * failed kubectl call fails the hook; Juju retries remove. 0 / -1. */
int provider_remove_action(const struct cfg_provider *p);

/* Read every mesh relation's remote app databag into v (empty on entry;
 * protocol/meshview.h provider_view_add() judges each entry as strict
 * says), in relation order, the databags of 64 relations asked for
 * together and each dropped once read. 0; -1 when a hook tool fails, or with strict
 * after every relation was read when an entry was bad. */
int provider_collect(const struct cfg_provider *p, int strict, struct provider_view *v);

/* mesh_info(): provider_collect()'s policies appended to out (owned by
 * the caller). 0 / -1 as provider_collect(). */
int provider_gather(const struct cfg_provider *p, int strict, struct policy_list *out);

/* render: every gathered policy rendered as an AuthorizationPolicy, into
 * *items (a new JSON array, duplicates left out; the caller frees it).
 * Policies that cannot be enforced are left out with a warning, on stderr
 * too, and counted in *refused. 0 / -1. */
int provider_render(const struct cfg_provider *p, int strict, struct json **items, size_t *refused);

/* What provider_enforce() did. */
struct apply_counts {
	size_t applied, deleted, unchanged, refused;
};

/* Make the owned AuthorizationPolicies what the consumers ask for (as
 * ACT_PROVIDER_APPLY with manage-policies), counted in *n. 0 / -1. */
int provider_enforce(const struct cfg_provider *p, struct apply_counts *n);

#endif
