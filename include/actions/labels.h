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
 * Which labels are ours: those the object's record names, and only while
 * the object still holds the value recorded (a label someone has since
 * changed is theirs). An object's record is its own annotation when that
 * is current, else the ConfigMap. The annotation is written in the same
 * patch as the labels, with LABELS_BASE_ANNOTATION set to the ConfigMap's
 * resourceVersion at planning time ("" when absent); it is current while
 * the ConfigMap is unchanged since, which is exactly the window between a
 * patch and a ConfigMap write that failed. So no label of ours is ever on
 * an object without a record of it, whichever call fails, and the retried
 * hook finishes the job even when the provider asks for different labels
 * by then. Once the ConfigMap has been written (by us, or by the Python
 * library after a switch) the annotation is no longer current and the
 * ConfigMap alone decides, so a stale annotation can never claim a label.
 * The ConfigMap is written last, in the Python library's format.
 *
 * An object whose labels are right keeps whatever annotation it has
 * (objects labelled by the Python library have none); an annotation whose
 * labels differ from the desired ones, or that cannot be read, is
 * rewritten on its own (on the StatefulSet's metadata: no pod roll).
 *
 * Labels the charm never set are never touched, even when the provider
 * asks for their key (plan->foreign: reported with a WARNING, and by
 * plan-labels and status); provider labels on reserved keys are refused.
 *
 * Ownership: a label_plan owns everything in it; label_plan_release().
 */
#ifndef SVCMESH_LABELS_H
#define SVCMESH_LABELS_H

#include <stdio.h>
#include "formats/json.h"
#include "base/kvlist.h"
#include "base/strbuf.h"

#define LABELS_ANNOTATION "svcmesh-hook/labels"
#define LABELS_BASE_ANNOTATION "svcmesh-hook/configmap-version"

struct label_change {
	struct kvlist present;    /* the labels the object has now */
	int needed;               /* 1: write this object */
	struct kvlist set;        /* labels to add or change */
	struct strlist remove;    /* our labels to take away */
	int has_mark;             /* the object has either annotation */
	int mark_bad;             /* LABELS_ANNOTATION missing or unreadable */
	struct kvlist marked;     /* what LABELS_ANNOTATION says (bad: empty) */
	int mark_current;         /* its base is the ConfigMap as it is now, so
				     it is the object's record */
	int mark;                 /* the write sets both annotations (1),
				     deletes them (-1) or leaves them (0) */
};

struct label_plan {
	char *app, *configmap;
	struct kvlist desired;    /* what the provider asked, minus refused and
				     foreign keys */
	struct strlist refused;   /* "key: reason" lines */
	struct strlist foreign;   /* "key=value on OBJECT" lines: a key the
				     provider asks for that an object already
				     holds with a value no record of ours gave
				     it; left alone on both objects, never
				     recorded, set or removed */
	int cm_exists;
	char *cm_version;         /* its resourceVersion ("" when absent) */
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
/* labels_plan() of what one kubectl get of the three objects returns:
 * 0, or -1 with error() when kubectl fails or an object is missing. */
int labels_read(const char *app, const char *ns, const struct kvlist *wanted, int remove_all,
		struct label_plan *plan);
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
