/* labels.h - auto-join: keep the mesh labels the provider asks for on the
 * charm's pods (StatefulSet pod template) and Service, and remember which
 * labels are ours in the ConfigMap juju-service-mesh-<app>-labels
 * (data.labels: a JSON object in the Python library's format, so a charm
 * can move between the Python library and svcmesh-hook either way).
 *
 * Planning is pure (labels_plan) and unit-tested; labels_reconcile() reads
 * the three objects with one kubectl call and writes only what differs:
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
 *
 * Which labels are ours: those in the ConfigMap's record, and those in an
 * object's own annotation, each only while the object still holds the
 * value recorded (a label someone has since changed is theirs). The
 * annotation is written in the same patch as the labels, so no label of
 * ours is ever on an object without a record of it, whichever call fails:
 * the retried hook reads both records and finishes the job, even when the
 * provider asks for different labels by then. The ConfigMap is written
 * last, in the Python library's format. An object whose labels are right
 * keeps whatever annotation it has (objects labelled by the Python library
 * have none); a stale annotation is brought up to date.
 *
 * Labels the charm never set are never touched; provider labels on
 * reserved keys are refused.
 *
 * Ownership: a label_plan owns everything in it; label_plan_release().
 */
#ifndef SVCMESH_LABELS_H
#define SVCMESH_LABELS_H

#include <stdio.h>
#include "json.h"
#include "kvlist.h"
#include "strbuf.h"

#define LABELS_ANNOTATION "svcmesh-hook/labels"

struct label_change {
	int needed;               /* 1: write this object */
	struct kvlist set;        /* labels to add or change */
	struct strlist remove;    /* our labels to take away */
	int has_mark;             /* the object has LABELS_ANNOTATION */
	struct kvlist marked;     /* what it says is ours (unreadable: empty) */
	int mark;                 /* the write sets it to the desired labels (1),
				     deletes it (-1) or leaves it (0) */
};

struct label_plan {
	char *app, *configmap;
	struct kvlist desired;    /* what the provider asked, minus refused keys */
	struct strlist refused;   /* "key: reason" lines */
	int cm_exists;
	struct kvlist recorded;   /* what the ConfigMap said was ours */
	struct label_change sts, svc;   /* steps 2 and 3 */
	int cm_write;             /* step 4: record the desired labels */
	int cm_delete;            /* step 4: delete the ConfigMap */
};

/* Plan the reconcile from the objects kubectl returned (items: a JSON
 * array holding any of the StatefulSet, Service and ConfigMap), the
 * labels wanted (NULL with remove_all=1 for relation-broken). Returns -1
 * with error() when the StatefulSet or Service is missing. */
int labels_plan(const char *app, const struct json *items, const struct kvlist *wanted,
		int remove_all, struct label_plan *plan);
/* Number of kubectl write calls the plan makes. */
int label_plan_writes(const struct label_plan *plan);
/* Human-readable plan (plan-labels). */
void label_plan_print(const struct label_plan *plan, FILE *f);
void label_plan_release(struct label_plan *plan);

/* Make it so (leader): get, plan, write. wanted NULL + remove_all for
 * relation-broken. With dry_run, print the plan on stdout and write
 * nothing. */
int labels_reconcile(const char *app, const char *ns, const struct kvlist *wanted, int remove_all,
		     int dry_run);

/* The ConfigMap name for app ("juju-service-mesh-<app>-labels"). */
char *labels_configmap_name(const char *app);

#endif
