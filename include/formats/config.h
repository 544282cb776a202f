/* config.h - service-mesh.yaml: the charm author's declaration of what the
 * charm consumes and/or provides. Parsed straight into typed structs;
 * every problem is reported as "FILE:LINE:COL: message".
 *
 * Schema (both sections optional):
 *   consumer:
 *     mesh-relation: service-mesh                  (default)
 *     cross-model-mesh-requires: require-cmr-mesh  (default)
 *     cross-model-mesh-provides: provide-cmr-mesh  (default)
 *     auto-join: true                              (default)
 *     policies:                                    (default [])
 *       - relation: NAME      required
 *         type: app|unit|policy   (default app; policy = deprecated alias of app)
 *         service: NAME       app/policy only, optional (null when absent)
 *         endpoints: [...]    app/policy only, required list (may be [])
 *           - hosts: [str]  ports: [1..65535]  methods: [METHOD]  paths: [str]
 *             (each optional: absent -> null, [] stays [])
 *         ports: [int]        unit only, optional
 *   provider:
 *     mesh-relation: service-mesh (default)
 *     mesh-type: istio            required, only "istio"
 *     labels: {str: str}          required, order kept, Kubernetes label syntax
 *     manage-policies: false      (default) apply AuthorizationPolicies
 *   settings:                     every key optional: the table in settings.h
 *     kubectl: PATH               relative with a '/': to the file's directory
 *
 * Ownership: config_load()/config_parse() fill a caller-provided struct;
 * config_release() frees everything in it. Strings are owned by the config.
 */
#ifndef SVCMESH_CONFIG_H
#define SVCMESH_CONFIG_H

#include <stddef.h>
#include "base/kvlist.h"
#include "base/strbuf.h"
#include "formats/settings.h"   /* struct cfg_settings */

/* A list that may be absent (JSON null) or present (possibly empty). */
struct opt_strlist {
	int present;
	struct strlist l;
};

struct opt_intlist {
	int present;
	int *items;
	size_t n, alloc;
};

/* What a MeshPolicy may carry, so that one oversized entry is skipped
 * instead of being rendered into objects Kubernetes refuses: hosts and
 * paths get room for real-world values (bytes), lists a generous count.
 * policy.c refuses more in relation data; config.c in service-mesh.yaml, so
 * that a charm never publishes what its peers would refuse. */
#define MESH_MAX_VALUE 1024
#define MESH_MAX_ITEMS 1024

/* One allowed endpoint of an app policy (also used in MeshPolicy). */
struct mesh_endpoint {
	struct opt_strlist hosts;
	struct opt_intlist ports;
	struct opt_strlist methods;  /* upper-case HTTP method names */
	struct opt_strlist paths;
};

enum policy_kind {
	POLICY_APP,         /* type: app (default) */
	POLICY_UNIT,        /* type: unit */
	POLICY_DEPRECATED,  /* type: policy - same as app, logged as deprecated */
};

struct cfg_policy {
	char *relation;                 /* endpoint whose related apps get access */
	enum policy_kind kind;
	char *service;                  /* app/policy: NULL means null */
	struct mesh_endpoint *endpoints; /* app/policy */
	size_t nendpoints;
	struct opt_intlist ports;       /* unit only */
	int line, col;                  /* where the policy starts, for messages */
};

struct cfg_consumer {
	char *mesh_relation;
	char *cmr_requires;
	char *cmr_provides;
	int auto_join;
	struct cfg_policy *policies;
	size_t npolicies;
};

struct cfg_provider {
	char *mesh_relation;
	char *mesh_type;        /* "istio" */
	struct kvlist labels;   /* in file order */
	int manage_policies;
};

struct mesh_config {
	char *path;                     /* the file it came from */
	struct cfg_settings settings;   /* always there; unset keys as above */
	struct cfg_consumer *consumer;  /* NULL: no consumer section */
	struct cfg_provider *provider;  /* NULL: no provider section */
};

/* HTTP method names accepted in methods lists, in the Python enum order. */
extern const char *const config_http_methods[];
extern const size_t config_http_methods_count;

/* Load and validate path. Returns 0, or -1 with "FILE:LINE:COL: message"
 * lines appended to err (one per problem found; a missing or unreadable
 * file gives "FILE: cannot read: REASON"). cfg is zeroed first.
 * Messages name the field: "FILE:7:13: consumer.policies[0].endpoints[0].
 * ports[1]: 70000 is not a port (1..65535)"; every line ends in '\n'; a
 * YAML syntax error is the only line; after 100 problems one line
 * "FILE: more than 100 problems; stopping here" ends the list.
 * On failure cfg is left zeroed (config_release() is still safe). */
int config_load(const char *path, struct mesh_config *cfg, struct strbuf *err);
/* The same from memory; name is used as FILE in messages. */
int config_parse(const char *name, const char *buf, size_t len,
		 struct mesh_config *cfg, struct strbuf *err);
void config_release(struct mesh_config *cfg);

/* Helpers for the opt lists, shared with the policy module.
 * opt_intlist_add() also sets present; the releases leave absent, empty lists. */
void opt_intlist_add(struct opt_intlist *l, int v);
void opt_intlist_release(struct opt_intlist *l);
void opt_strlist_release(struct opt_strlist *l);
void mesh_endpoint_release(struct mesh_endpoint *e);

#endif
