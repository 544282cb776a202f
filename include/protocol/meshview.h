/* meshview.h - the one mesh view (as git's wt_status_collect()): what
 * this unit's relations say, built one relation at a time by the actions
 * (consumer_collect(), provider_collect()) and read by publish, apply,
 * render, mesh-info and status, so they cannot disagree.
 *
 * Pure: it judges the untrusted text (cmr_data, labels, mesh_type,
 * policies) and logs what it skips; it runs no program, touches no file.
 *
 * Ownership: relation ids, endpoints and app names are borrowed and must
 * outlive the view (jujuc's cache keeps them until juju_reset()); what
 * comes from databag text is the view's own. *_view_release() frees it
 * and leaves an empty view.
 */
#ifndef SVCMESH_MESHVIEW_H
#define SVCMESH_MESHVIEW_H

#include "formats/config.h"
#include "base/kvlist.h"
#include "base/strbuf.h"
#include "protocol/policy.h"

/* A relation. endpoint: NULL on a mesh relation; app: NULL when not asked
 * for. On a mesh relation own_read says whether this unit's own databag
 * was read (only the leader may), and published is the policies text in
 * it (NULL: none). */
struct view_relation {
	const char *id, *endpoint, *app;
	int own_read;
	char *published;
};

/* A provide-cmr-mesh peer: app_name and model from usable cmr_data;
 * else NULL, with error saying why (NULL: it sent none yet). */
struct cmr_peer {
	const char *id, *alias;
	char *app_name, *model, *error;
};

struct consumer_view {
	struct view_relation *mesh, *rel;  /* mesh relations; relations policies name */
	size_t nmesh, mesh_alloc, nrel, rel_alloc;
	struct cmr_peer *cmr;
	size_t ncmr, cmr_alloc;
	struct policy_list policies;       /* computed by consumer_collect() */
	const char *provider_rel;          /* where labels and mesh_type were read; NULL: not */
	struct kvlist labels;              /* the provider's valid labels, in its order */
	int have_labels;                   /* 1: an object; 0: none sent; -1: unreadable */
	struct strlist held;               /* keys sent with a value that cannot be used */
	struct strlist skipped;            /* each of those: "'key': reason" */
	char *mesh_type_text;              /* as sent; see consumer_view_mesh_type() */
};
#define CONSUMER_VIEW_INIT { 0 }

/* own: this unit's own databag on relid, NULL when not read. */
void consumer_view_add_mesh(struct consumer_view *v, const char *relid, const char *app,
			    const struct kvlist *own);
/* The relations of one endpoint are added together, in relation-ids order. */
void consumer_view_add_endpoint(struct consumer_view *v, const char *endpoint, const char *relid,
				const char *app);
/* cmr_data: what the peer sent, NULL if nothing; unusable: a WARNING. */
void consumer_view_add_cmr(struct consumer_view *v, const char *relid, const char *alias,
			   const char *cmr_data);
/* The provider's databag. Unknown is not empty: labels that cannot be
 * read (not JSON, not an object, a key with bad text, or a value jujuc
 * could not read, kept as "") make have_labels -1, so that the labels on
 * the workload stay as they are; an entry whose key is readable but whose
 * value has bad text, is not a string or is not a valid label is held
 * (its label left as it is), with a WARNING. */
void consumer_view_add_provider(struct consumer_view *v, const char *relid, const struct kvlist *bag);
/* The mesh type sent (caller frees); NULL when none or, with a WARNING,
 * not a JSON string. Judged when asked for, not by add_provider(). */
char *consumer_view_mesh_type(const struct consumer_view *v);
/* The peer with usable cmr_data known here as alias, or NULL. */
const struct cmr_peer *consumer_view_cmr(const struct consumer_view *v, const char *alias);
/* c's MeshPolicy list (policy.h policy_build()) appended to out. */
void consumer_view_policies(const struct consumer_view *v, const struct cfg_consumer *c,
			    const char *own_app, const char *model, struct policy_list *out);
void consumer_view_release(struct consumer_view *v);

/* A consumer's relation; sent: it sent a policies key (valid or not). */
struct provider_relation {
	const char *id, *app;
	int sent;
};

/* What the consumers sent: policies in relation order then list order,
 * each with its origin ("service-mesh:3 (app foo) policies[0]") and
 * sender at the same index. With text set (borrowed), a policy is kept
 * only as a JSON list item appended there (", " between items). */
struct provider_view {
	struct provider_relation *rel;
	size_t nrel, rel_alloc;
	struct policy_list policies;
	struct strlist origins, senders;
	struct strbuf *text;
	size_t kept, bad;   /* policies kept; entries or lists left out */
};
#define PROVIDER_VIEW_INIT { 0 }

/* app's databag on relid. Missing `policies` is []. A bad entry, or
 * `policies` not a list, is left out with a WARNING naming the relation
 * ("service-mesh:3 (app foo): skipping policies[2]: ..."); with strict,
 * error() instead, and -1 once every entry was judged. */
int provider_view_add(struct provider_view *v, const char *relid, const char *app, const struct kvlist *bag,
		      int strict);
void provider_view_release(struct provider_view *v);

#endif
