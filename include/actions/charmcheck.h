/* charmcheck.h - check-config: does the charm's service-mesh.yaml agree
 * with its metadata (metadata.yaml, else charmcraft.yaml), and does the
 * charm have the hooks the config needs?
 *
 * Errors (exit 2 from check-config, commands/cmd-check-config.c), one line each, "FILE:LINE:COL: message":
 *  - service-mesh.yaml itself is invalid (config_load()'s lines), or has
 *    neither a consumer nor a provider section (empty, only comments, {});
 *  - the metadata file is missing, not YAML, or badly shaped (a section
 *    or an endpoint that is not a mapping, one endpoint in two sections);
 *  - a policy names a relation that is no endpoint (requires, provides,
 *    peers): pointed at the policy's relation value in service-mesh.yaml,
 *    with "did you mean 'x'?" when a declared endpoint is at most two
 *    edits away (and fewer than half the name); the hooks of that
 *    endpoint are then not reported missing (Juju would never run them);
 *  - a policy names an endpoint of the mesh protocol itself (the mesh
 *    relation, either cross-model mesh endpoint, the provider's mesh);
 *  - a needed hook (or dispatch) is a symlink to a file that does not
 *    exist, unless a charmcraft.yaml part primes that path (it is built
 *    at pack time): one line per missing target, counting the links;
 *  - an endpoint service-mesh.yaml gives a role is missing (pointed at the
 *    service-mesh.yaml node naming it, or at the section key when the
 *    name is the default), sits in the wrong section or has the wrong
 *    interface (pointed at the metadata node):
 *      consumer.mesh-relation               requires  service_mesh
 *      consumer.cross-model-mesh-requires   requires  cross_model_mesh
 *      consumer.cross-model-mesh-provides   provides  cross_model_mesh
 *      provider.mesh-relation               provides  service_mesh
 * Warnings (exit status unchanged), "FILE[:LINE:COL]: warning: message":
 *  - a policy on an endpoint the charm requires: the charm is the client
 *    there (fine only when the remote also calls it back, as an ingress);
 *  - no dispatch file and hooks/<name> missing for a hook that
 *    hook_names() says the config needs.
 *
 * Ownership: a charm_check owns its buffer and strings;
 * charm_check_release() frees them.
 */
#ifndef SVCMESH_CHARMCHECK_H
#define SVCMESH_CHARMCHECK_H

#include "base/strbuf.h"
#include "transports/charmstate.h"   /* charm_path(): the paths charm_check() reads */

struct charm_check {
	struct strbuf out;   /* every finding, in order, one '\n'-ended line each */
	int errors;          /* lines that are errors */
	int warnings;        /* lines that are warnings */
	char *metafile;      /* path of the metadata file read, NULL if none */
};
#define CHARM_CHECK_INIT { STRBUF_INIT, 0, 0, NULL }

/* Check the charm in charm_dir against the config at config_path
 * (normally charm_dir/service-mesh.yaml). Fills *res (initialised with
 * CHARM_CHECK_INIT) and returns res->errors. */
int charm_check(const char *charm_dir, const char *config_path, struct charm_check *res);
void charm_check_release(struct charm_check *res);

#endif
