/* kube.h - talk to Kubernetes through the real kubectl binary.
 *
 * kubectl is, in this order: SVCMESH_KUBECTL or settings.kubectl (see
 * settings.h), the kubectl shipped in the charm ($JUJU_CHARM_DIR/bin/kubectl,
 * where charm-skeleton/charmcraft.yaml primes it), the first kubectl on
 * PATH; when there is none the first call fails with one error saying where
 * it looked and what to do. Every call gets --namespace (the Juju model
 * name), --request-timeout and a process deadline (settings_kubectl_
 * timeout_ms()), --cache-dir=$TMPDIR/svcmesh-hook-kube-cache.UID when
 * neither KUBECACHEDIR nor HOME is set (Juju's hook environment: kubectl
 * would otherwise write .kube/cache into the charm dir), and runs through
 * run.h (argv only, killed at the deadline). Credentials are kubectl's own:
 * the pod's service account in a cluster (in-cluster config), or
 * KUBECONFIG. A failure returns -1 after error() with kubectl's message.
 *
 * Ownership: returned JSON trees belong to the caller (json_free()).
 */
#ifndef SVCMESH_KUBE_H
#define SVCMESH_KUBE_H

#include "formats/json.h"

/* Where a charm ships kubectl, relative to the charm dir. */
#define KUBE_SHIPPED "bin/kubectl"

/* kubectl get NAMES... -o json --ignore-not-found in namespace ns.
 * names are "kind/name" (e.g. "statefulset/app"). *items is a JSON array
 * of the objects found (missing ones are simply absent). */
int kube_get(const char *ns, const char *const *names, size_t n, struct json **items);
/* kubectl patch NAME --type=merge --patch-file=/dev/stdin with PATCH on
 * stdin (one API write; no size limit from the kernel's argv). */
int kube_patch_merge(const char *ns, const char *name, const struct json *patch);
/* kubectl create -f - with obj on stdin (one API write). */
int kube_create(const char *ns, const struct json *obj);
/* kubectl delete NAME --ignore-not-found (one API write). */
int kube_delete(const char *ns, const char *name);
/* kubectl apply --server-side --field-manager=FM --force-conflicts -f -
 * with a v1 List of objs (one API write per object). */
int kube_apply(const char *ns, const char *field_manager, const struct json *list, size_t nobjs);
/* kubectl get KIND -A -l SELECTOR -o json: *items as for kube_get(). */
int kube_list_all(const char *kind, const char *selector, struct json **items);

#endif
