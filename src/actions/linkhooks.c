/* linkhooks.c - create the hook symlinks the config needs; see linkhooks.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/linkhooks.h"
#include "transports/charmstate.h"
#include "base/strbuf.h"
#include "base/util.h"

/* Replace path by a symlink to target, atomically (symlink + rename). */
static int replace_link(const char *path, const char *target)
{
	struct strbuf tmp = STRBUF_INIT;
	int ret = 0;

	strbuf_addf(&tmp, "%s.svcmesh-hook-%ld.tmp", path, (long)getpid());
	if (symlink(target, tmp.buf) < 0)
		ret = error("cannot create %s: %s", tmp.buf, strerror(errno));
	else if (rename(tmp.buf, path) < 0) {
		ret = error("cannot replace %s: %s", path, strerror(errno));
		unlink(tmp.buf);  /* our own temporary link */
	}
	strbuf_release(&tmp);
	return ret;
}

static int name_ok(const char *name)
{
	return *name && *name != '.' && !strchr(name, '/');
}

/* Create hooks/ if it is missing (not in a dry run). */
static int ensure_hooks_dir(const char *dir, int dry_run)
{
	char *hooks = charm_path(dir, "hooks");
	struct stat st;
	int ret = 0;

	if (stat(hooks, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			ret = error("%s is not a directory", hooks);
	} else if (errno != ENOENT) {
		ret = error("cannot use %s: %s", hooks, strerror(errno));
	} else if (!dry_run && mkdir(hooks, 0755) < 0) {
		ret = error("cannot create %s: %s", hooks, strerror(errno));
	}
	free(hooks);
	return ret;
}

/* One hook; returns 1 for a conflict left in place, 0 done, -1 error. */
static int link_one(const char *dir, const char *name, const struct link_opts *o, const char *target,
		    struct strbuf *out)
{
	struct strbuf rel = STRBUF_INIT, was = STRBUF_INIT;
	char *path, cur[4096];   /* Linux's limit (PATH_MAX) on a link's text */
	struct stat st;
	ssize_t n;
	int ret = 0;

	strbuf_addf(&rel, "hooks/%s", name);
	path = charm_path(dir, rel.buf);
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT) {
			ret = error("cannot use %s: %s", path, strerror(errno));
		} else if (o->dry_run) {
			strbuf_addf(out, "would create %s\n", rel.buf);
		} else if (symlink(target, path) < 0) {
			ret = error("cannot create %s: %s", path, strerror(errno));
		} else {
			strbuf_addf(out, "created %s\n", rel.buf);
		}
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		strbuf_addf(out, "conflict %s: a directory is in the way\n", rel.buf);
		ret = 1;
		goto done;
	}
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(path, cur, sizeof(cur) - 1)) < 0) {
			ret = error("cannot read the link %s: %s", path, strerror(errno));
			goto done;
		}
		cur[n] = '\0';
		if (!strcmp(cur, target)) {
			strbuf_addf(out, "ok %s\n", rel.buf);
			goto done;
		}
		strbuf_addf(&was, "a symlink to %s", cur);
	} else {
		strbuf_addstr(&was, S_ISREG(st.st_mode) ? "a regular file" : "not a symlink");
	}
	if (!o->force) {
		/* the charm's own hook: it keeps working and hands over at its end */
		strbuf_addf(out, "conflict %s: %s, not to %s: keep it and make its last line "
			    "exec \"$JUJU_CHARM_DIR/svcmesh-hook\" (or use --force to replace it)\n",
			    rel.buf, was.buf, target);
		ret = 1;
	} else if (o->dry_run) {
		strbuf_addf(out, "would replace %s (was %s)\n", rel.buf, was.buf);
	} else if (replace_link(path, target) == 0) {
		strbuf_addf(out, "replaced %s (was %s)\n", rel.buf, was.buf);
	} else {
		ret = -1;
	}
done:
	free(path);
	strbuf_release(&rel);
	strbuf_release(&was);
	return ret;
}

int link_hooks(const char *charm_dir, const struct strlist *names, const struct link_opts *opts,
	       struct strbuf *out)
{
	const char *target = opts->target && *opts->target ? opts->target : LINK_HOOKS_DEFAULT_TARGET;
	int conflicts = 0, failed = 0;

	for (size_t i = 0; i < names->n; i++)
		if (!name_ok(names->items[i]))
			return error("refusing hook name '%s'", names->items[i]);
	if (names->n && ensure_hooks_dir(charm_dir, opts->dry_run) < 0)
		return -1;
	for (size_t i = 0; i < names->n; i++) {
		int r = link_one(charm_dir, names->items[i], opts, target, out);
		if (r < 0)
			failed = 1;
		else
			conflicts += r;
	}
	return failed ? -1 : conflicts;
}
