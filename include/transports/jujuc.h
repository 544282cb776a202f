/* jujuc.h - talk to Juju through its hook tools (relation-ids,
 * relation-list, relation-get, relation-set, is-leader, juju-log,
 * goal-state).
 *
 * Every tool runs through run.h (argv vector, deadline, captured stderr)
 * with --format=json where it has it. A failed tool is reported with its
 * name, exit status and stderr, and the call returns -1: the hook then
 * exits 1 so that Juju retries it.
 *
 * Answers that cannot change within one hook are asked once: leadership
 * here, the rest in jujucache.h (a relation-set through this module
 * updates the cached copy of the databag, as Juju shows a hook its own
 * writes).
 *
 * Ownership: strings and lists returned through const pointers belong to
 * the cache (jujucache.h) and stay valid until juju_reset(); do not free them.
 */
#ifndef SVCMESH_JUJUC_H
#define SVCMESH_JUJUC_H

#include "formats/json.h"
#include "base/kvlist.h"
#include "transports/jujucache.h"
#include "transports/jujuenv.h"

/* Forget cached answers and the environment read (tests), and attach the
 * log's sink (juju_attach_log()); stats, the log queue and the noted keys
 * are left alone. */
void juju_reset(void);
/* The databag keys the protocol reads (NULL-terminated, borrowed for the
 * run): a bad entry of one of them is a WARNING, of any other a DEBUG
 * line. The commands hand it the protocol's list once. */
void juju_note_keys(const char *const *keys);

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
 * (WARNING for the keys of juju_note_keys(), DEBUG for any other) and the
 * rest kept. -1 with error() when v is not an object or null, or a value
 * is not a string (kv is then empty). */
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
