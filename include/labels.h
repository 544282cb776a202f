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
 *   2. ConfigMap: record the new labels BEFORE touching the objects, so a
 *      label we put on is never left unrecorded (only when labels are
 *      added or changed)
 *   3. merge-patch the StatefulSet pod template (only if it differs: a
 *      patch rolls the pods)
 *   4. merge-patch the Service (only if it differs)
 *   5. ConfigMap: drop labels no longer wanted AFTER they are gone from the
 *      objects (only when labels were removed), or delete it when the
 *      mesh relation is broken
 *
 * A failure at any step fails the hook; the retried hook reads the state
 * again and finishes the job. Labels the charm never set are never
 * touched; provider labels on reserved keys are refused.
 *
 * Ownership: a label_plan owns everything in it; label_plan_release().
 */
#ifndef SVCMESH_LABELS_H
#define SVCMESH_LABELS_H

#include <stdio.h>
#include "json.h"
#include "kvlist.h"
#include "strbuf.h"

struct label_change {
	int needed;               /* 1: write this object */
	struct kvlist set;        /* labels to add or change */
	struct strlist remove;    /* our labels to take away */
};

struct label_plan {
	char *app, *configmap;
	struct kvlist desired;    /* what the provider asked, minus refused keys */
	struct strlist refused;   /* "key: reason" lines */
	int cm_exists;
	struct kvlist recorded;   /* what the ConfigMap said was ours */
	int cm_pre;               /* step 2 */
	struct kvlist cm_pre_labels;
	struct label_change sts, svc;
	int cm_post;              /* step 5 (write cm_post_labels) */
	int cm_delete;            /* step 5 (delete) */
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
