/* istio.h - turn MeshPolicy objects into Istio AuthorizationPolicies
 * (security.istio.io/v1) exactly as istio-beacon-k8s does, and check them
 * with Istio's own validation rules; see reference/service-mesh-protocol.md
 * "How a provider turns MeshPolicy into Istio objects" and README.md
 * "Istio AuthorizationPolicies".
 *
 * Everything here is pure: no hook tools, no kubectl. The provider module
 * gathers the policies and applies what this module renders.
 *
 * Sources followed (re-implemented, not copied):
 *  - canonical/service-mesh (charm_kubernetes_label() and Istio's value
 *    rules are in formats/meshnames.h);
 *  - canonical_service_mesh/k8s/resource_manager/_resource_manager.py:
 *    create_charm_default_labels() (istio_owner_labels());
 *  - .../utils/istio/_policy_builder.py: object names, spec shapes;
 *  - istio/istio pkg/config/validation/validation.go
 *    ValidateAuthorizationPolicy and pkg/config/security/security.go
 *    (ValidatePorts): istio_validate_spec(), with Istio's message texts.
 *
 * Object names (the beacon's scheme):
 *   <app>-<model>-policy-<src_app>-<src_ns>-<target>-<hash8>
 * target = target_app_name, else target_service, else "custom-selector";
 * hash8 = the first 8 hex digits of the SHA-256 of str(MeshPolicy) as
 * pydantic prints it (istio_policy_pyrepr()). When the name is longer than
 * 253 characters, src_app, src_ns and target are cut to 30 characters (the
 * beacon's rule); if it is still too long (the beacon would fail), app and
 * model are cut to 30 too. Characters that are not valid in a DNS-1123
 * subdomain become '-' (Juju names never have any).
 *
 * Ownership labels (the beacon's, so each recognises the other's objects):
 *   app.kubernetes.io/instance: charm_kubernetes_label(model, app, sep "-")
 *   kubernetes-resource-handler-scope: istio-authorization-policy
 *
 * Ownership: returned JSON values belong to the caller (json_free());
 * inputs are borrowed.
 */
#ifndef SVCMESH_ISTIO_H
#define SVCMESH_ISTIO_H

#include "formats/json.h"
#include "formats/meshnames.h"   /* the label grammar, shared with config.c */
#include "protocol/policy.h"
#include "base/strbuf.h"

#define ISTIO_AP_API_VERSION "security.istio.io/v1"
#define ISTIO_AP_KIND "AuthorizationPolicy"
/* The resource name kubectl understands for list/delete. */
#define ISTIO_AP_RESOURCE "authorizationpolicies.security.istio.io"
/* Server-side apply field manager. */
#define ISTIO_FIELD_MANAGER "svcmesh-hook"
#define ISTIO_NAME_MAX 253
#define ISTIO_NAME_PART_MAX 30
#define ISTIO_INSTANCE_LABEL "app.kubernetes.io/instance"
#define ISTIO_SCOPE_LABEL "kubernetes-resource-handler-scope"
#define ISTIO_SCOPE_VALUE "istio-authorization-policy"
/* Labels older svcmesh-hook versions put on their objects; still pruned. */
#define ISTIO_LEGACY_PROVIDER_LABEL "svcmesh-hook/provider"
#define ISTIO_LEGACY_MODEL_LABEL "svcmesh-hook/model"

/* Append a valid label value made from s: characters outside
 * [A-Za-z0-9_.-] become '-' (one per UTF-8 character), cut to 63, then
 * non-alphanumeric characters stripped from both ends. Returns 0, or -1
 * with a reason in why when nothing valid is left. (The label value that
 * older versions used; kept to find their objects.) */
int istio_label_value(struct strbuf *out, const char *s, struct strbuf *why);

/* The ownership labels for provider app in model (new JSON object). */
int istio_owner_labels(const char *app, const char *model, struct json **labels, struct strbuf *why);
/* Append the label selector kubectl lists candidates with
 * ("kubernetes-resource-handler-scope=istio-authorization-policy"); every
 * owner of AuthorizationPolicies the beacon's way matches it, so
 * istio_is_owned() decides on each object. */
void istio_owner_selector(struct strbuf *out);
/* 1 if live object obj belongs to provider app in model: its instance
 * label is ours (the beacon's rule), or it carries the two legacy
 * svcmesh-hook labels for app and model. */
int istio_is_owned(const struct json *obj, const char *app, const char *model);

/* Append str(p) as pydantic prints the Python library's MeshPolicy (field
 * order, repr() of strings, lists, dicts, enums and Endpoint). Exact for
 * ASCII and printable non-ASCII text; the few non-printable non-ASCII
 * code points Python escapes are handled for Latin-1, general punctuation
 * and specials (README says where it may differ). */
void istio_policy_pyrepr(struct strbuf *out, const struct mesh_policy *p);
/* Append the object name of policy p of provider app in model. Returns
 * 0, or -1 with a reason in why when no valid name can be made. */
int istio_policy_name(struct strbuf *out, const char *app, const char *model,
		      const struct mesh_policy *p, struct strbuf *why);

/* ValidateAuthorizationPolicy on a rendered spec (JSON empty lists count
 * as absent, as protobuf reads them): every error, in Istio's order and
 * words, appended to why separated by "; ". Returns the number found. */
size_t istio_validate_spec(const struct json *spec, struct strbuf *why);

/* Render one AuthorizationPolicy into *obj, in the beacon's shape (ports
 * always written, [] when the endpoint has none; hosts, methods, paths
 * when not null; to: [] when there is no endpoint). Returns -1 with a
 * reason in why (and *obj NULL) when p cannot be enforced: a unit policy
 * carrying hosts, methods or paths (ztunnel enforces L4 only), a unit
 * policy with neither target_app_name nor target_selector_labels (it
 * would select every workload of the namespace), or a spec Istio's
 * validation refuses ("istio refuses it: `to.operation` must not be
 * empty, found at rule 0"). Who may be opened is the provider's check. */
int istio_render_policy(const char *app, const char *model, const struct mesh_policy *p,
			struct json **obj, struct strbuf *why);

/* {"apiVersion": "v1", "kind": "List", "items": items}; takes ownership
 * of items (a JSON array) and returns the new list. */
struct json *istio_list(struct json *items);

#endif
