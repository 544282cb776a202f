/* trust.h - who may be opened: the rule a consumer's policy must pass
 * before the provider renders or applies it (HARDENING.md "Only the
 * sender can be opened"). A policy counts only when every way it names
 * its target resolves to the application that sent it, in the provider's
 * model:
 *
 *   target_namespace        the provider's model
 *   target_app_name         null/empty, or the sender
 *   target_service          null/empty, or the sender's own name, and then
 *                           only with target_app_name set to the sender
 *   target_selector_labels  null/empty, or exactly
 *                           {app.kubernetes.io/name: <sender>}
 *
 * Pure: no hook tools, no I/O. The provider module says which app sent
 * each policy; this module only judges.
 */
#ifndef SVCMESH_TRUST_H
#define SVCMESH_TRUST_H

#include "protocol/policy.h"
#include "base/strbuf.h"

/* NULL when sender may have p enforced in model; else the reason it is
 * refused, appended to why (the result is why->buf, which the caller
 * owns; why must be empty on entry). */
const char *trust_refusal(const struct mesh_policy *p, const char *sender, const char *model,
			  struct strbuf *why);

#endif
