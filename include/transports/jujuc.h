/* jujuc.h - talk to Juju through its hook tools (relation-ids,
 * relation-list, relation-get, relation-set, is-leader, juju-log,
 * goal-state).
 *
 * Every tool runs through run.h (argv vector, deadline, captured stderr)
 * with --format=json where it has it. A failed tool is reported with its
 * name, exit status and stderr, and the call returns -1: the hook then
 * exits 1 so that Juju retries it.
 *
 * Answers that cannot change within one hook are asked once and cached:
 * leadership, relation-ids per endpoint, the remote application of a
 * relation, and whole application databags (a relation-set through this
 * module updates the cached copy, as Juju shows a hook its own writes).
 * The remote application of a relation cannot change in its lifetime at
 * all: those answers are also kept for later hooks in the charm directory
 * (.svcmesh-hook-apps; SVCMESH_REMEMBER=0 turns it off).
 *
 * Ownership: strings and lists returned through const pointers belong to
 * the module's cache and stay valid until juju_reset(); do not free them.
 */
#ifndef SVCMESH_JUJUC_H
#define SVCMESH_JUJUC_H

#include "formats/json.h"
#include "base/kvlist.h"

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
/* Forget cached answers and the environment read (tests), and attach the
 * log's sink (juju_attach_log()); stats and the log queue are left alone. */
void juju_reset(void);

/* Save what this run learnt of relations' remote applications for later
 * hooks (see "remembered across hooks" in jujuc.c), dropping relations
 * that are gone. Best effort; main() calls it once at the end. */
void juju_remember(void);

/* How many relations' remote applications this run took from the memo
 * file, and how many it learnt (from the tools or JUJU_REMOTE_APP); the
 * memo's path, or NULL when it is off or outside a hook context (owned by
 * the caller). For status. */
void juju_app_sources(size_t *remembered, size_t *learnt, char **memo);

/* is-leader. */
int juju_is_leader(int *leader);
/* goal-state --format=json, counted as ops' Application.planned_units():
 * the units of the application (Juju lists only the unit's own; dead ones
 * not at all) whose status is not "dying". Any unit may ask (no
 * leadership); not cached: one call each time. */
int juju_planned_units(size_t *n);
/* The count of juju_planned_units() from what goal-state printed (v):
 * -1 with error() when v is not an object, its "units" (missing: none,
 * as ops' .get("units", {})) not an object, or a unit entry not an
 * object with a string "status" (where ops would raise). */
int juju_planned_units_from_json(const struct json *v, size_t *n);
/* relation-ids ENDPOINT: ids in the order the tool printed them. During
 * X-relation-broken the broken relation (JUJU_RELATION_ID) is left out
 * even when the tool lists it (Juju < 3.4). */
int juju_relation_ids(const char *endpoint, const struct strlist **ids);
/* The remote application of relation relid: JUJU_REMOTE_APP for the
 * hook's own relation, else relation-list -r ID --app. */
int juju_relation_app(const char *relid, const char **app);
/* relation-get -r ID --app - APP: the whole application databag. */
int juju_relation_get_app(const char *relid, const char *app, const struct kvlist **data);
/* The databag in v (what relation-get --format=json printed, parsed with
 * json_parse_strbuf_keep()) appended to kv: an entry whose key or value
 * is not valid text (a NUL, invalid UTF-8) is left out with a log line
 * (WARNING for the keys the protocol reads: policies, labels, mesh_type,
 * cmr_data; DEBUG for any other) and the rest kept. -1 with error() when
 * v is not an object or null, or a value is not a string (kv is then
 * empty). */
int juju_databag_from_json(const char *relid, const char *app, const struct json *v,
			   struct kvlist *kv);
/* Ask for the remote application of every relation in ids that is not
 * known yet, all together (up to SVCMESH_JOBS relation-list calls at once,
 * see run_children()), and cache the answers: juju_relation_app() then
 * makes no call. The same calls, answers and errors as asking one by one;
 * only their order in Juju's log differs. */
int juju_prefetch_apps(const struct strlist *ids);
/* juju_prefetch_apps(ids), then the remote application's databag of each
 * relation, together in the same way, for juju_relation_get_app(). */
int juju_prefetch_remote_bags(const struct strlist *ids);
/* Drop the cached databag of app on relid (a caller that has read it and
 * will not need it again frees its memory early). */
void juju_forget_bag(const char *relid, const char *app);
/* relation-set -r ID --app --file -: set each pair of kv in the unit's
 * own application databag (an empty value deletes the key). */
int juju_relation_set_app(const char *relid, const struct kvlist *kv);
/* Read the unit's own application databag on relid (cached) and
 * juju_relation_set_app() only the pairs of want whose value differs there
 * (no call when none does). *changed gets bit i set for each pair
 * want->items[i] that differed (want holds at most 15 pairs); 0: in step. */
int juju_relation_update_app(const char *relid, const struct kvlist *want, int *changed);
/* juju-log --log-level LEVEL -- MESSAGE; best effort (failure is printed
 * on stderr, never fatal). No-op outside a hook context. */
void juju_log(const char *level, const char *message);
/* Attach juju_log() to the log as its sink (base/log.h), active in a Juju
 * context; in a hook, a record about the hook's own relation loses its
 * "<endpoint>:<id>: ", which Juju adds itself. Called by main(), juju_reset(). */
void juju_attach_log(void);

#endif
