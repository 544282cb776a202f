/* trust.h - who may be opened: a consumer's policy is enforced only when
 * every way it names its target (namespace, app, Service, selector labels)
 * resolves to the application that sent it, in the provider's model; the
 * rule field by field is in HARDENING.md "Only the sender can be opened".
 * Pure: the provider says which app sent each policy and what it read of
 * the Services policies name; this only judges. */
#ifndef SVCMESH_TRUST_H
#define SVCMESH_TRUST_H

#include "formats/json.h"
#include "protocol/policy.h"
#include "base/kvlist.h"
#include "base/strbuf.h"

/* What the provider read of the Services that policies name (other than
 * a sender's own, which Juju names after the app and creates with that
 * app's selector): the Service objects one kubectl get returned (a
 * missing one is absent), or, when the read failed, why (items NULL). */
struct service_facts {
	const struct json *items;
	const char *error;
};

enum trust { TRUST_OK, TRUST_REFUSED, TRUST_UNKNOWN };

/* Whether sender may have p enforced in model. TRUST_REFUSED, or
 * TRUST_UNKNOWN when it names a Service that could not be read (svc NULL
 * or svc->error: what was applied for it is to stay), with the reason
 * appended to why (empty on entry). A target_service other than the
 * sender's name is enforced when that Service's selector is exactly
 * {app.kubernetes.io/name: sender}. */
enum trust trust_judge(const struct mesh_policy *p, const char *sender, const char *model,
		       const struct service_facts *svc, struct strbuf *why);

/* The Services the cluster must be asked about for pl (target_service set
 * and not its sender's name; senders->items[i] sent pl->items[i]), each
 * once, added to names as keys (values ""), in pl's order. */
void trust_services_to_read(const struct policy_list *pl, const struct strlist *senders,
			    struct kvlist *names);

#endif
