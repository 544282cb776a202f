/* linkhooks.h - link-hooks: create the hooks/<name> symlinks to
 * svcmesh-hook that the config needs (names from protocol/hooks.h
 * hook_names(); the command is commands/cmd-link-hooks.c).
 *
 * Idempotent and conservative: a correct link is left alone ("ok"); a
 * link to something else, or a file, in the way is reported and kept
 * unless force is set (then it is replaced, atomically, by the right
 * link); hooks the config does not need are never touched or deleted.
 * A directory in the way is never replaced.
 *
 * One line per hook is appended to out:
 *   created hooks/NAME            would create hooks/NAME     (dry run)
 *   ok hooks/NAME
 *   replaced hooks/NAME (was ...) would replace hooks/NAME (was ...)
 *   conflict hooks/NAME: ... (use --force to replace it)
 *   conflict hooks/NAME: a directory is in the way
 */
#ifndef SVCMESH_LINKHOOKS_H
#define SVCMESH_LINKHOOKS_H

#include "base/kvlist.h"
#include "base/strbuf.h"

#define LINK_HOOKS_DEFAULT_TARGET "../svcmesh-hook"

struct link_opts {
	const char *target;   /* the symlinks' text; NULL: LINK_HOOKS_DEFAULT_TARGET */
	int dry_run;          /* write nothing, say what would be done */
	int force;            /* replace wrong links and files */
};

/* Make charm_dir/hooks/<name> -> target for every name (creating hooks/
 * if needed). Returns the number of conflicts left (0: all in place, or
 * would be), or -1 after error() when the system refused (lines already
 * appended to out stay). Names with '/' or a leading '.' are refused. */
int link_hooks(const char *charm_dir, const struct strlist *names, const struct link_opts *opts,
	       struct strbuf *out);

#endif
