/* k8sname.h - Kubernetes name and label syntax checks (pure functions).
 *
 * Rules (k8s.io/apimachinery validation):
 *  - label key: [prefix/]name; prefix a DNS-1123 subdomain (<= 253, lower
 *    case alphanumerics, '-', '.', starting and ending alphanumeric); name
 *    1..63 of [A-Za-z0-9_.-], starting and ending alphanumeric.
 *  - label value: empty, or 1..63 like a name.
 *  - DNS-1123 subdomain: object names such as ConfigMaps, policies.
 *  - DNS-1123 label: <= 63 lower case alphanumerics and '-'.
 * Each returns 1 if valid, 0 if not; on failure *why (may be NULL) is set
 * to a short static explanation ("name part longer than 63 characters").
 */
#ifndef SVCMESH_K8SNAME_H
#define SVCMESH_K8SNAME_H

/* The characters names are made of: [a-z0-9], and [A-Za-z0-9]. */
static inline int k8s_is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static inline int k8s_is_alnum(char c)
{
	return k8s_is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

int k8s_label_key_valid(const char *key, const char **why);
int k8s_label_value_valid(const char *value, const char **why);
int k8s_dns_subdomain_valid(const char *name, const char **why);
int k8s_dns_label_valid(const char *name, const char **why);

#endif
