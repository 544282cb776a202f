/* consumer.h - the consumer side of service_mesh (ServiceMeshConsumer):
 * compute this charm's MeshPolicy list from its relations, publish it and
 * cmr_data, and read what the mesh provider sent.
 *
 * Functions talk to Juju through jujuc.h. They do not check leadership:
 * the caller (a hook action or a subcommand) decides that.
 */
#ifndef SVCMESH_CONSUMER_H
#define SVCMESH_CONSUMER_H

#include "formats/config.h"
#include "base/kvlist.h"
#include "protocol/meshview.h"
#include "protocol/policy.h"

/* What consumer_collect() reads into the view (each part once per view). */
enum consumer_reads {
	VIEW_MESH = 1,                     /* the mesh relations' ids */
	VIEW_MESH_APPS = 2 | VIEW_MESH,    /* and their remote applications */
	VIEW_PUBLISHED = 4 | VIEW_MESH,    /* and our own databag there (only the leader may) */
	VIEW_PROVIDER = 8 | VIEW_MESH,     /* and what the provider sent on the first */
	VIEW_POLICIES = 16,                /* the relations policies name, the cross-model
					    * peers, and the policies computed from them */
};
#define VIEW_HAS(what, part) (((what) & (part)) == (part))

/* Read the hook tools once for the parts asked (an OR of consumer_reads)
 * and add what they say to v (protocol/meshview.h). Relation by relation,
 * as Juju answers; an unusable cmr_data or label is skipped with a
 * WARNING. 0, or -1 when a hook tool failed. */
int consumer_collect(const struct cfg_consumer *c, unsigned what, struct consumer_view *v);

/* Compute the policies this unit would publish now. out (empty on entry)
 * is filled (and owned by the caller). */
int consumer_compute(const struct cfg_consumer *c, struct policy_list *out);

/* Publish the policies to every mesh relation whose app databag does not
 * already hold the same text. No mesh relation: nothing is computed or
 * written. *changed (may be NULL) counts relations written. */
int consumer_publish(const struct cfg_consumer *c, int *changed);

/* Write cmr_data to relid (a require-cmr-mesh relation), or when relid is
 * NULL to every require-cmr-mesh relation whose value differs. */
int consumer_send_cmr_data(const struct cfg_consumer *c, const char *relid);

/* What the provider sent on the (first live) mesh relation: labels (an
 * ordered map of the usable ones), held (keys sent with a value that
 * cannot be used: their labels stay as they are; protocol/meshview.h) and
 * mesh type (NULL when absent or when there is no relation; caller frees).
 * *related is set to 1 when a mesh relation exists; *have_labels to 1 when
 * the provider sent a labels object, 0 when it sent none, -1 when what it
 * sent cannot be read (then labels stays empty). Any out pointer may be
 * NULL; with only related asked for, no databag is read. Returns 0, -1 on
 * failure, or 1 when mesh_type was asked for and the provider sent one
 * that cannot be read (*mesh_type NULL, a WARNING said why). */
int consumer_provider_data(const struct cfg_consumer *c, int *related, struct kvlist *labels,
			   struct strlist *held, int *have_labels, char **mesh_type);

#endif
