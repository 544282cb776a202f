/* trust.h - who may be opened: a consumer's policy is enforced only when
 * every way it names its target (namespace, app, Service, selector labels)
 * resolves to the application that sent it, in the provider's model; the
 * rule field by field is in HARDENING.md "Only the sender can be opened".
 * Pure: the provider says which app sent each policy; this only judges. */
#ifndef SVCMESH_TRUST_H
#define SVCMESH_TRUST_H

#include "protocol/policy.h"
#include "base/strbuf.h"

/* NULL when sender may have p enforced in model; else the reason it is
 * refused, appended to why (empty on entry; the result is why->buf). */
const char *trust_refusal(const struct mesh_policy *p, const char *sender, const char *model,
			  struct strbuf *why);

#endif
