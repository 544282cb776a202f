/* jujucache.h - the hook-tool answers that cannot change within one hook,
 * asked once: relation-ids per endpoint, the remote application of a
 * relation (also kept for later hooks in .svcmesh-hook-apps, the memo: see
 * jujucache.c) and whole application databags. jujuc.c fills it.
 *
 * Ownership: strings, lists and databags returned belong to the cache and
 * stay valid until juju_cache_reset() (a databag: juju_forget_bag()); do
 * not free them.
 */
#ifndef SVCMESH_JUJUCACHE_H
#define SVCMESH_JUJUCACHE_H

#include "base/kvlist.h"

/* The relation-ids of endpoint already asked, or NULL. */
const struct strlist *juju_cached_ids(const char *endpoint);
/* A new, empty entry of endpoint for the caller to fill. */
struct strlist *juju_cache_ids(const char *endpoint);
/* The remote application of relid without a tool call (the cache, the
 * memo, or JUJU_REMOTE_APP for the hook's own relation), or NULL. */
const char *juju_known_app(const char *relid);
/* Keep app as the remote application of relid; returns the cached copy. */
const char *juju_cache_app(const char *relid, const char *app);
/* The cached databag of app on relid, or NULL. */
struct kvlist *juju_cached_bag(const char *relid, const char *app);
/* Keep *kv as the databag of app on relid (moved: *kv is left empty). */
const struct kvlist *juju_cache_bag(const char *relid, const char *app, struct kvlist *kv);
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
