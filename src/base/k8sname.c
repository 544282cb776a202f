/* k8sname.c - Kubernetes name and label syntax; see k8sname.h. */
#include <string.h>

#include "base/k8sname.h"

/* Say why (when the caller asked) and return 0: not valid. */
static int invalid(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return 0;
}

/* A label name part or a non-empty label value: 1..63 of [A-Za-z0-9_.-],
 * alphanumeric at both ends. Messages come from msgs[]: too long, bad
 * character, bad ends. */
static int check_name_part(const char *s, size_t len, const char *const msgs[3],
			   const char **why)
{
	if (len > 63)
		return invalid(why, msgs[0]);
	for (size_t i = 0; i < len; i++)
		if (!k8s_is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return invalid(why, msgs[1]);
	if (!k8s_is_alnum(s[0]) || !k8s_is_alnum(s[len - 1]))
		return invalid(why, msgs[2]);
	return 1;
}

/* DNS-1123 subdomain of len bytes; msgs: empty, too long, bad character,
 * bad ends of a dot-separated part. */
static int check_subdomain(const char *s, size_t len, const char *const msgs[4],
			   const char **why)
{
	size_t start = 0;

	if (!len)
		return invalid(why, msgs[0]);
	if (len > 253)
		return invalid(why, msgs[1]);
	for (size_t i = 0; i < len; i++)
		if (!k8s_is_lower_alnum(s[i]) && s[i] != '-' && s[i] != '.')
			return invalid(why, msgs[2]);
	/* Each dot-separated part: [a-z0-9]([-a-z0-9]*[a-z0-9])? */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i == start || !k8s_is_lower_alnum(s[start]) || !k8s_is_lower_alnum(s[i - 1]))
			return invalid(why, msgs[3]);
		start = i + 1;
	}
	return 1;
}

int k8s_label_key_valid(const char *key, const char **why)
{
	static const char *const prefix_msgs[4] = {
		"prefix before '/' is empty",
		"prefix longer than 253 characters",
		"prefix may contain only lower case alphanumerics, '-' and '.'",
		"prefix parts must start and end with a lower case alphanumeric character",
	};
	static const char *const name_msgs[3] = {
		"name part longer than 63 characters",
		"name part may contain only alphanumerics, '-', '_' and '.'",
		"name part must start and end with an alphanumeric character",
	};
	const char *slash = strchr(key, '/');
	const char *name = key;

	if (slash) {
		if (strchr(slash + 1, '/'))
			return invalid(why, "at most one '/' is allowed");
		if (!check_subdomain(key, (size_t)(slash - key), prefix_msgs, why))
			return 0;
		name = slash + 1;
	}
	if (!*name)
		return invalid(why, slash ? "name part after '/' is empty" : "must not be empty");
	return check_name_part(name, strlen(name), name_msgs, why);
}

int k8s_label_value_valid(const char *value, const char **why)
{
	static const char *const msgs[3] = {
		"longer than 63 characters",
		"may contain only alphanumerics, '-', '_' and '.'",
		"must start and end with an alphanumeric character",
	};

	if (!*value)
		return 1;
	return check_name_part(value, strlen(value), msgs, why);
}

int k8s_dns_subdomain_valid(const char *name, const char **why)
{
	static const char *const msgs[4] = {
		"must not be empty",
		"longer than 253 characters",
		"may contain only lower case alphanumerics, '-' and '.'",
		"each '.'-separated part must start and end with a lower case alphanumeric character",
	};
	return check_subdomain(name, strlen(name), msgs, why);
}

int k8s_dns_label_valid(const char *name, const char **why)
{
	size_t len = strlen(name);

	if (!len)
		return invalid(why, "must not be empty");
	if (len > 63)
		return invalid(why, "longer than 63 characters");
	for (size_t i = 0; i < len; i++)
		if (!k8s_is_lower_alnum(name[i]) && name[i] != '-')
			return invalid(why, "may contain only lower case alphanumerics and '-'");
	if (!k8s_is_lower_alnum(name[0]) || !k8s_is_lower_alnum(name[len - 1]))
		return invalid(why, "must start and end with a lower case alphanumeric character");
	return 1;
}
