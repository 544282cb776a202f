/* istio.h - turn MeshPolicy objects into Istio AuthorizationPolicies
 * (security.istio.io/v1), as istio-beacon-k8s does; see
 * reference/service-mesh-protocol.md "How a provider turns MeshPolicy into
 * Istio objects".
 *
 * Everything here is pure: no hook tools, no kubectl. The provider module
 * gathers the policies and applies what this module renders.
 *
 * Object names: <app>-<model>-policy-<src_app>-<src_ns>-<target>-<hash8>,
 * target = target_app_name, else target_service, else "custom-selector";
 * hash8 = the first 8 hex digits of the SHA-256 of the policy's canonical
 * JSON (its json.dumps text, as policy_list_emit() writes it). Each part
 * is lower-cased and every character outside [a-z0-9.-] becomes '-'; a
 * '.' next to anything but [a-z0-9] becomes '-' too. When the name would
 * be longer than 253 characters, each of the five variable parts is cut
 * to 30 characters. The result is a valid DNS-1123 subdomain.
 *
 * Ownership labels on every object (values made label-safe by
 * istio_label_value()):
 *   app.kubernetes.io/instance: <model>-<app>
 *   kubernetes-resource-handler-scope: istio-authorization-policy
 *   svcmesh-hook/provider: <app>
 *   svcmesh-hook/model: <model>
 *
 * Ownership: returned JSON values belong to the caller (json_free());
 * inputs are borrowed.
 */
#ifndef SVCMESH_ISTIO_H
#define SVCMESH_ISTIO_H

#include "json.h"
#include "policy.h"
#include "strbuf.h"

#define ISTIO_AP_API_VERSION "security.istio.io/v1"
#define ISTIO_AP_KIND "AuthorizationPolicy"
/* The resource name kubectl understands for list/delete. */
#define ISTIO_AP_RESOURCE "authorizationpolicies.security.istio.io"
/* Server-side apply field manager. */
#define ISTIO_FIELD_MANAGER "svcmesh-hook"
#define ISTIO_NAME_MAX 253
#define ISTIO_NAME_PART_MAX 30

/* Append a valid label value made from s: characters outside
 * [A-Za-z0-9_.-] become '-' (one per UTF-8 character), cut to 63, then
 * non-alphanumeric characters stripped from both ends. Returns 0, or -1
 * with a reason in why when nothing valid is left. */
int istio_label_value(struct strbuf *out, const char *s, struct strbuf *why);

/* The ownership labels for provider app in model (new JSON object). */
int istio_owner_labels(const char *app, const char *model, struct json **labels, struct strbuf *why);
/* Append the label selector that finds the objects of provider app in
 * model: "svcmesh-hook/provider=APP,svcmesh-hook/model=MODEL". */
int istio_owner_selector(struct strbuf *out, const char *app, const char *model, struct strbuf *why);

/* Append the canonical JSON text of one policy. */
void istio_policy_canonical(struct strbuf *out, const struct mesh_policy *p);
/* Append the object name of policy p of provider app in model. Returns
 * 0, or -1 with a reason in why when no valid name can be made. */
int istio_policy_name(struct strbuf *out, const char *app, const char *model,
		      const struct mesh_policy *p, struct strbuf *why);

/* Render one AuthorizationPolicy into *obj. Returns -1 with a reason in
 * why (and *obj NULL) when p cannot be enforced: a unit policy carrying
 * hosts, methods or paths (ztunnel enforces L4 only), or a unit policy
 * with neither target_app_name nor target_selector_labels (it would
 * select every workload of the namespace). */
int istio_render_policy(const char *app, const char *model, const struct mesh_policy *p,
			struct json **obj, struct strbuf *why);

/* {"apiVersion": "v1", "kind": "List", "items": items}; takes ownership
 * of items (a JSON array) and returns the new list. */
struct json *istio_list(struct json *items);

#endif
