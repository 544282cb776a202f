/* meshnames.h - the grammar of the names and values a mesh carries, as
 * Istio and the canonical service-mesh library define them: Istio's rules
 * for one list of values (hosts, paths), charm_kubernetes_label(), and the
 * placeholders of provider labels. Pure text functions: config.c checks
 * service-mesh.yaml with them and istio.c builds names with them.
 *
 * Sources followed (re-implemented, not copied):
 *  - canonical/service-mesh canonical_service_mesh/utils/_labels.py:
 *    charm_kubernetes_label() and its truncation (istio_charm_label());
 *  - istio/istio pkg/config/security/security.go (CheckEmptyValues,
 *    CheckValidPathTemplate): istio_check_values(), with Istio's texts.
 *
 * Ownership: results are appended to caller-owned strbufs; inputs are
 * borrowed.
 */
#ifndef SVCMESH_MESHNAMES_H
#define SVCMESH_MESHNAMES_H

#include <stddef.h>
#include "base/strbuf.h"

/* One UTF-8 character starts at c (not a continuation byte): names are
 * measured in code points, as Python measures them. */
static inline int meshnames_char_start(char c)
{
	return ((unsigned char)c & 0xC0) != 0x80;
}

/* charm_kubernetes_label(model, app, prefix, suffix, max_length, separator)
 * of canonical_service_mesh: "PREFIX MODEL SEP APP SUFFIX" when it fits in
 * max_len characters, else model and app cut in proportion to their
 * lengths (at least 1 each) and SEP + the first 6 hex digits of the SHA-1
 * of MODEL SEP APP appended before SUFFIX. Lengths count code points, as
 * Python does. Returns 0, or -1 with why when a name is empty or the fixed
 * part leaves no room (the Python function raises ValueError there). */
int istio_charm_label(struct strbuf *out, const char *model, const char *app, const char *prefix,
		      const char *suffix, size_t max_len, const char *sep, struct strbuf *why);

/* Provider label placeholders: append tmpl with {model}, {app}, {unit}
 * (the unit name with '/' as '-', as its pod is named: "beacon-0") and
 * {waypoint} (the beacon's waypoint name, charm_kubernetes_label(model,
 * app, suffix "-waypoint", separator "-")) replaced. Any other '{' or '}'
 * is an error: -1 with why ("unknown placeholder '{x}' (known: ...)"). */
int istio_expand_label(struct strbuf *out, const char *tmpl, const char *model, const char *app,
		       const char *unit, struct strbuf *why);
/* 1 if tmpl has a placeholder (a '{'). */
int istio_label_has_placeholder(const char *tmpl);

/* Istio's checks on one list of an operation or source (CheckEmptyValues,
 * and CheckValidPathTemplate when field is "Paths"); field is Istio's
 * name for it: "Hosts", "Paths", "Methods", "Ports", "Principals".
 * Returns 0, or -1 with Istio's message appended to why. */
int istio_check_values(const char *field, const char *const *values, size_t n, struct strbuf *why);

#endif
