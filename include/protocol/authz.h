/* authz.h - the provider's AuthorizationPolicies: the set it wants (the
 * consumers' policies rendered, duplicates left out), and what differs
 * from the live set (what to apply, what to delete). Pure: the provider
 * gathers the policies and lists the live objects; this decides.
 * Results are the caller's; inputs are borrowed.
 */
#ifndef SVCMESH_AUTHZ_H
#define SVCMESH_AUTHZ_H

#include "protocol/policy.h"
#include "protocol/trust.h"

/* Every policy of pl rendered for provider app in model (istio.h), as a
 * new JSON array in pl's order. senders->items[i] sent pl->items[i]
 * (trust.h judges it, with what svc says of the Services policies name);
 * origins->items[i] says where it came from ("service-mesh:3 (app web)
 * policies[0]") in messages. A policy that cannot be enforced is left out
 * with a WARNING, counted in *refused and, when refusals is not NULL, its
 * message added there; when its Service could not be read and keep is not
 * NULL, it is rendered into the array keep, for authz_plan() not to
 * delete. Of duplicates (the same name in the same namespace) the first
 * is kept. */
struct json *authz_render(const char *app, const char *model, const struct policy_list *pl,
			  const struct strlist *origins, const struct strlist *senders,
			  const struct service_facts *svc, size_t *refused, struct strlist *refusals,
			  struct json *keep);

/* An object of a JSON array (obj, at index pos), by namespace and name. */
struct authz_ref {
	const char *ns, *name;
	const struct json *obj;
	size_t pos;
};

struct authz_plan {
	struct json *apply;      /* array: copies of the wanted objects not live,
	                          * or live with another spec or without one of
	                          * our labels (others' labels do not matter:
	                          * server-side apply leaves them alone) */
	struct authz_ref *del;   /* owned live objects not wanted, in live's order */
	size_t ndel, unchanged;  /* unchanged: wanted objects live as they are */
};
#define AUTHZ_PLAN_INIT { NULL, NULL, 0, 0 }

/* Compare want (authz_render()'s array; NULL: nothing) with live (an
 * array of objects in any namespace, of which only those provider app in
 * model owns count: istio_is_owned()); objects named in keep (NULL: none)
 * are neither applied nor deleted. *plan is AUTHZ_PLAN_INIT on entry;
 * plan->del points into live. */
void authz_plan(const struct json *want, const struct json *keep, const struct json *live, const char *app,
		const char *model, struct authz_plan *plan);
void authz_plan_release(struct authz_plan *plan);

#endif
