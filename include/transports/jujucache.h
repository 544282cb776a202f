/* jujucache.h - the hook-tool answers that cannot change within one hook,
 * asked once: relation-ids per endpoint, the remote application of a
 * relation (also kept for later hooks in .svcmesh-hook-apps, the memo: see
 * jujucache.c) and whole application databags. jujuc.c fills it.
 *
 * Each juju_cache_*() given no answer (NULL) looks one up and returns it,
 * or NULL when there is none; given one, it keeps it and returns the
 * cached copy.
 *
 * Ownership: strings, lists and databags returned belong to the cache and
 * stay valid until juju_cache_reset() (a databag: juju_forget_bag()); do
 * not free them. A list or databag given is moved in (left empty).
 */
#ifndef SVCMESH_JUJUCACHE_H
#define SVCMESH_JUJUCACHE_H

#include "base/kvlist.h"

/* The relation-ids of endpoint. */
const struct strlist *juju_cache_ids(const char *endpoint, struct strlist *ids);
/* The remote application of relid; looked up without a tool call: the
 * cache, the memo, or JUJU_REMOTE_APP for the hook's own relation. */
const char *juju_cache_app(const char *relid, const char *app);
/* The application databag of app on relid. */
struct kvlist *juju_cache_bag(const char *relid, const char *app, struct kvlist *kv);
/* Drop the cached databag of app on relid (a caller that has read it and
 * will not need it again frees its memory early). */
void juju_forget_bag(const char *relid, const char *app);
/* Forget every answer (juju_reset()); the memo is read again when next needed. */
void juju_cache_reset(void);

/* Save what this run learnt of relations' remote applications for later
 * hooks (see "remembered across hooks" in jujucache.c), dropping relations
 * that are gone. Best effort; main() calls it once at the end. */
void juju_remember(void);
/* How many relations' remote applications this run took from the memo
 * file, and how many it learnt (from the tools or JUJU_REMOTE_APP); the
 * memo's path, or NULL when it is off or outside a hook context (owned by
 * the caller). For status. */
void juju_app_sources(size_t *remembered, size_t *learnt, char **memo);

#endif
