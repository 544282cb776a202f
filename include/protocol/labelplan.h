/* labelplan.h - planning the auto-join labels: from the StatefulSet,
 * Service and ConfigMap as kubectl returned them and the labels the
 * provider asks for, what each object needs, and the texts and merge
 * patches that say it. actions/labels.h reads the objects and writes the
 * plan; this module does no I/O (label_plan_print() writes only to the
 * stream it is given).
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
 * Texts are appended to the caller's strbuf; patches are new JSON trees
 * the caller frees.
 */
#ifndef SVCMESH_LABELPLAN_H
#define SVCMESH_LABELPLAN_H

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
	struct strlist held;      /* held keys of ours, left as they are */
	struct strlist foreign;   /* "key=value on OBJECT" lines: a key the
				     provider asks for that an object already
				     holds with a value no record of ours gave
				     it; left alone on both objects, never
				     recorded, set or removed */
	int cm_exists;
	char *cm_version;         /* its resourceVersion ("" when absent) */
	struct kvlist recorded;   /* what the ConfigMap said was ours */
	struct label_change sts, svc;   /* the StatefulSet's and Service's patches */
	int cm_write;             /* last: record the desired labels */
	int cm_delete;            /* last: delete the ConfigMap */
};

/* Plan the reconcile from the objects kubectl returned (items: a JSON
 * array holding any of the StatefulSet, Service and ConfigMap), the
 * labels wanted (NULL with remove_all=1 for relation-broken) and the keys
 * held (NULL: none): keys the provider sent with a value that cannot be
 * used, whose label of ours stays as it is (neither set, changed nor
 * removed, and still recorded). Returns -1 with error() when the
 * StatefulSet or Service is missing. */
int labels_plan(const char *app, const struct json *items, const struct kvlist *wanted,
		const struct strlist *held, int remove_all, struct label_plan *plan);
/* Number of kubectl write calls the plan makes. */
int label_plan_writes(const struct label_plan *plan);
/* Human-readable plan (plan-labels). */
void label_plan_print(const struct label_plan *plan, FILE *f);
void label_plan_release(struct label_plan *plan);

/* Append "set k=v, ..., remove k, ..." for one object's labels; returns
 * how many changes it named (0: nothing appended, and the caller words
 * that case). */
size_t label_change_text(struct strbuf *sb, const struct label_change *ch);
/* Append the one-line summary of a plan: what reconcile-labels does (did)
 * to each object, or that the labels are already in place. */
void label_plan_summary(struct strbuf *sb, const struct label_plan *plan);
/* Append the text a record holds: {"k": "v", ...}, as json.dumps. */
void label_record_text(struct strbuf *sb, const struct kvlist *labels);
/* One merge patch for an object (ch->needed): its labels (in_template:
 * the StatefulSet's pod template) and, in the same patch, its
 * annotations, based on the ConfigMap's cm_version. */
struct json *label_object_patch(const struct label_change *ch, const struct kvlist *desired,
				const char *cm_version, int in_template);

/* The ConfigMap name for app ("juju-service-mesh-<app>-labels"). */
char *labels_configmap_name(const char *app);

#endif
