/* cmd-link-hooks.c - link-hooks [--dry-run] [--force] [--target PATH]
 * [CHARM_DIR]: create the hooks/ symlinks the config needs
 * (protocol/hooks.h hook_names(), actions/linkhooks.h link_hooks()).
 * Exit 0 when every link is in place, 1 on a conflict or a system error,
 * 2 on a usage or config error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "actions/linkhooks.h"
#include "commands/command.h"
#include "formats/config.h"
#include "protocol/hooks.h"
#include "transports/charmstate.h"
#include "base/strbuf.h"

/* 1 if dir has a dispatch file, which Juju runs instead of hooks/<name>. */
static int has_dispatch(const char *dir)
{
	char *p = charm_path(dir, "dispatch");
	struct stat st;
	int r = lstat(p, &st) == 0 && !S_ISDIR(st.st_mode);

	free(p);
	return r;
}

static int cmd_link_hooks(struct cmd_ctx *ctx)
{
	struct link_opts o = { NULL, 0, 0 };
	struct strlist names = STRLIST_INIT;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct mesh_config cfg;
	const char *dir_arg = NULL;
	char *config;
	int r;

	for (int i = 0; i < ctx->argc; i++) {
		const char *a = ctx->argv[i];

		if (!strcmp(a, "--dry-run") || !strcmp(a, "-n")) {
			o.dry_run = 1;
		} else if (!strcmp(a, "--force") || !strcmp(a, "-f")) {
			o.force = 1;
		} else if (!strcmp(a, "--target") && i + 1 < ctx->argc) {
			o.target = ctx->argv[++i];
		} else if (!strncmp(a, "--target=", 9)) {
			o.target = a + 9;
		} else if (a[0] == '-' && a[1]) {
			return cmd_usage_error(ctx, "unknown option %s", a);
		} else if (dir_arg) {
			error("link-hooks takes one CHARM_DIR at most");
			return EXIT_USAGE;
		} else {
			dir_arg = a;
		}
	}
	if (o.target && !*o.target) {
		error("link-hooks: --target needs a PATH");
		return EXIT_USAGE;
	}
	config = charm_config_path(ctx, dir_arg);
	if (config_load(config, &cfg, &err) < 0) {
		strbuf_rtrim(&err);
		error("invalid configuration:\n%s", err.buf);
		strbuf_release(&err);
		free(config);
		return EXIT_USAGE;
	}
	strbuf_release(&err);
	hook_names(&cfg, &names);
	r = link_hooks(charm_dir_default(dir_arg), &names, &o, &out);
	fputs(out.buf, stdout);
	if (r > 0)
		error("%d hook%s in the way: nothing was overwritten; end %s with "
		      "exec \"$JUJU_CHARM_DIR/svcmesh-hook\" (it takes the hook name from "
		      "JUJU_DISPATCH_PATH), or use --force to replace %s", r,
		      r == 1 ? " is" : "s are", r == 1 ? "it" : "each", r == 1 ? "it" : "them");
	if (r >= 0 && has_dispatch(charm_dir_default(dir_arg)))
		fprintf(stderr, "svcmesh-hook: warning: this charm has a dispatch script, which Juju runs "
			"instead of hooks/: call svcmesh-hook from it (a line "
			"\"$JUJU_CHARM_DIR/svcmesh-hook\" || exit $? after the charm's own work)\n");
	strbuf_release(&out);
	strlist_release(&names);
	config_release(&cfg);
	free(config);
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}

const struct cmd_entry cmd_link_hooks_entry = {
	.name = "link-hooks", .fn = cmd_link_hooks, .args = "[--dry-run] [--force] [--target PATH] [CHARM_DIR]",
	.help = "create the hooks/ symlinks this config needs",
	.options = "  --dry-run        print the links it would create, create none\n"
		   "  --force          replace what is in the way (a file, or a symlink elsewhere)\n"
		   "  --target PATH    what the links point at (default: ../svcmesh-hook)\n"
		   "  CHARM_DIR        the charm directory (default: $JUJU_CHARM_DIR, else .)\n",
	.example = "svcmesh-hook link-hooks --dry-run ./my-charm",
};
