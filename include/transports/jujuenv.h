/* jujuenv.h - what the hook's environment says (unit, model, hook,
 * relation, charm dir) and which names are Juju hook names. Ownership: the
 * strings are the environment's, app the module's, valid until juju_env_forget().
 */
#ifndef SVCMESH_JUJUENV_H
#define SVCMESH_JUJUENV_H

/* What the hook's environment says (NULL or "" when not set). */
struct juju_env {
	const char *unit;          /* JUJU_UNIT_NAME, "app/0" */
	char *app;                 /* unit name without "/N" (owned by the module) */
	const char *model;         /* JUJU_MODEL_NAME */
	const char *hook;          /* hook name: JUJU_HOOK_NAME or from JUJU_DISPATCH_PATH */
	const char *relation;      /* JUJU_RELATION: endpoint of a relation hook */
	const char *relation_id;   /* JUJU_RELATION_ID: "endpoint:id" */
	const char *remote_app;    /* JUJU_REMOTE_APP */
	const char *context_id;    /* JUJU_CONTEXT_ID */
	const char *charm_dir;     /* JUJU_CHARM_DIR or CHARM_DIR */
};

/* Read the environment (again). */
const struct juju_env *juju_env(void);
/* The hook being handled, when main() learnt it from argv[0] rather than
 * the environment (hook is borrowed; it must outlive the module's use). */
void juju_set_hook(const char *hook);
/* 1 when name is a hook name Juju can run (juju/juju
 * internal/charm/hooks): a unit hook (install, config-changed, ...,
 * leader-settings-changed and the other names of older Juju), a secret
 * hook, or NAME-relation-{created,joined,changed,departed,broken},
 * NAME-storage-{attached,detaching}, NAME-pebble-{ready,custom-notice,
 * check-failed,check-recovered} with NAME an endpoint, storage or
 * container name ([a-z][a-z0-9_-]*). */
int juju_hook_name_valid(const char *name);
/* For a relation hook (ENDPOINT-relation-EVENT): JUJU_RELATION_ID, when
 * set, must be "ENDPOINT:N" and JUJU_RELATION, when set, ENDPOINT; else
 * -1 with error() naming both. 0 for any other hook. */
int juju_check_hook_relation(const char *hook);
/* 1 when running with a hook context (JUJU_CONTEXT_ID set). */
int juju_in_context(void);
/* juju_env() when JUJU_CONTEXT_ID, JUJU_UNIT_NAME and JUJU_MODEL_NAME are
 * all set (in a hook or juju exec); else NULL after error() saying that
 * WHAT (a command or hook name) needs them. The one check for them:
 * subcommands that need it are refused before they start (exit 2). */
const struct juju_env *juju_context(const char *what);
/* Forget the environment read (juju_reset()): the next juju_env() reads it again. */
void juju_env_forget(void);

#endif
