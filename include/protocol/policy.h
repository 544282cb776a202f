/* policy.h - MeshPolicy: building the consumer's list from its declared
 * policies and its relations, writing it in the Python library's JSON
 * format, and reading (validating) what other charms sent.
 *
 * Everything here is pure: no hook tools, no I/O. The consumer module
 * gathers relations and cross-model data; this module turns them into
 * policies (as build_mesh_policies() does in the Python library).
 *
 * Ownership: a policy_list owns its policies and every string in them;
 * policy_list_release() frees them. Inputs are borrowed (const).
 */
#ifndef SVCMESH_POLICY_H
#define SVCMESH_POLICY_H

#include <stddef.h>
#include "formats/config.h"
#include "formats/json.h"
#include "base/kvlist.h"
#include "base/strbuf.h"

enum target_type { TARGET_APP, TARGET_UNIT };

struct mesh_policy {
	char *source_namespace;
	char *source_app_name;
	char *target_namespace;
	char *target_app_name;                  /* NULL: null */
	struct kvlist *target_selector_labels;  /* NULL: null */
	char *target_service;                   /* NULL: null */
	enum target_type target_type;
	struct mesh_endpoint *endpoints;
	size_t nendpoints;
};

struct policy_list {
	struct mesh_policy *items;
	size_t n, alloc;
};
#define POLICY_LIST_INIT { NULL, 0, 0 }

/* The databag keys the service_mesh protocol reads (NULL-terminated):
 * the commands hand them to juju_note_keys(). */
extern const char *const mesh_keys[];

/* The related applications of one endpoint, in relation-ids order. */
struct endpoint_apps {
	const char *endpoint;
	const char *const *apps;   /* remote application name (or CMR alias) per relation */
	size_t n;
};

/* What a cross-model peer said about itself in cmr_data. */
struct cmr_entry {
	const char *alias;         /* the remote app name as this model sees it */
	const char *app_name;
	const char *model;
};

/* Build the MeshPolicy list: for each declared policy in order, for each
 * relation of its endpoint in order (found in rel[0..nrel) by endpoint
 * name; an endpoint missing there has no relations), with the source
 * mapped through cmr[0..ncmr) by alias. Appends to out. */
void policy_build(const struct cfg_consumer *c, const char *own_app, const char *model,
		  const struct endpoint_apps *rel, size_t nrel,
		  const struct cmr_entry *cmr, size_t ncmr, struct policy_list *out);

/* Append the relation-data text of a list: what Python's json.dumps writes
 * for the library's MeshPolicy dicts (keys in its order). */
void policy_list_emit(struct strbuf *out, const struct policy_list *l);
/* The same for one policy (its canonical JSON, e.g. for hashing). */
void mesh_policy_emit(struct strbuf *out, const struct mesh_policy *p);

/* How mesh_policy_write() spells a policy's fields, in the library's
 * order: as JSON (mesh_policy_emit()) or as pydantic's str() of it
 * (istio_policy_pyrepr()). Lists are [a, b] and dicts {k: v} in both. */
struct policy_syntax {
	const char *open, *sep, *close;     /* around and between the fields */
	const char *key_open, *key_close;   /* around a field name */
	const char *ep_open, *ep_close;     /* around an endpoint */
	const char *null, *app, *unit;      /* None, and the target_type values */
	void (*str)(struct strbuf *out, const char *s);
	void (*method)(struct strbuf *out, const char *s);  /* an HTTP method */
};
void mesh_policy_write(struct strbuf *out, const struct mesh_policy *p, const struct policy_syntax *syn);

/* Read one MeshPolicy from untrusted JSON, checking field types, target
 * rules, ports 1..65535 and HTTP methods. Unknown keys are ignored (as
 * pydantic does). Returns 0 and fills *p, or -1 with a reason in why. */
int policy_from_json(const struct json *v, struct mesh_policy *p, struct strbuf *why);

/* cmr_data: {"app_name": A, "juju_model_name": M}. */
void cmr_data_emit(struct strbuf *out, const char *app, const char *model);
/* Parse untrusted cmr_data text; 0 and new strings in *app / *model
 * (caller frees), or -1 with a reason in why. */
int cmr_data_parse(const char *text, char **app, char **model, struct strbuf *why);

void mesh_policy_release(struct mesh_policy *p);
void policy_list_release(struct policy_list *l);

#endif
