/* charmstate.h - paths of the files kept in (or read from) a charm
 * directory. Returned strings are new: the caller frees them.
 */
#ifndef SVCMESH_CHARMSTATE_H
#define SVCMESH_CHARMSTATE_H

/* "DIR/NAME", or just NAME when dir is "" (caller frees). */
char *charm_path(const char *dir, const char *name);

#endif
