/* labels.h - auto-join: keep the mesh labels the provider asks for on the
 * charm's pods (StatefulSet pod template) and Service, and remember which
 * labels are ours in the ConfigMap juju-service-mesh-<app>-labels
 * (data.labels: a JSON object in the Python library's format, so a charm
 * can move between the Python library and svcmesh-hook either way).
 *
 * Planning is pure and unit-tested (protocol/labelplan.h, which also says
 * which labels are ours); labels_read() reads the three objects with one
 * kubectl call and labels_apply() writes only what differs:
 *
 *   1. kubectl get statefulset/APP service/APP configmap/CM   (always)
 *   2. merge-patch the StatefulSet: the pod template's labels (a change
 *      there rolls the pods) and, in the same patch, the annotation
 *      svcmesh-hook/labels on the StatefulSet itself (which does not)
 *   3. merge-patch the Service: its labels and the same annotation
 *   4. ConfigMap: record the labels now ours (create it if missing), or
 *      delete it when the mesh relation is broken
 *
 * Every call is skipped when its object is already right, so the steady
 * state is one get, and any change is at most four calls.
 */
#ifndef SVCMESH_LABELS_H
#define SVCMESH_LABELS_H

#include "base/kvlist.h"
#include "protocol/labelplan.h"

/* labels_plan() of what one kubectl get of the three objects returns:
 * 0, or -1 with error() when kubectl fails or an object is missing. */
int labels_read(const char *app, const char *ns, const struct kvlist *wanted,
		const struct strlist *held, int remove_all, struct label_plan *plan);

/* Write what plan (read by labels_read(), still the caller's) says
 * differs, after logging its refusals and foreign labels: 0, or -1 with
 * error() at the first write that fails. */
int labels_apply(const char *ns, const struct label_plan *plan);
/* Make it so (leader): labels_read(), then labels_apply(). wanted NULL +
 * remove_all for relation-broken. */
int labels_reconcile(const char *app, const char *ns, const struct kvlist *wanted,
		     const struct strlist *held, int remove_all);

#endif
