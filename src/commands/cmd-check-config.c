/* cmd-check-config.c - check-config [CHARM_DIR]: print the findings of
 * actions/charmcheck.h charm_check() on stdout; exit 0 when there is no
 * error (warnings allowed), 2 when there is one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/charmcheck.h"
#include "commands/command.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int cmd_check_config(struct cmd_ctx *ctx)
{
	struct charm_check res = CHARM_CHECK_INIT;
	const char *dir_arg = NULL, *dir;
	char *config;
	int rc;

	for (int i = 0; i < ctx->argc; i++) {
		if (ctx->argv[i][0] == '-' && ctx->argv[i][1])
			return cmd_usage_error(ctx, "unknown option %s", ctx->argv[i]);
		if (dir_arg) {
			error("check-config takes one CHARM_DIR at most");
			return EXIT_USAGE;
		}
		dir_arg = ctx->argv[i];
	}
	dir = charm_dir_default(dir_arg);
	config = charm_config_path(ctx, dir_arg);
	charm_check(dir, config, &res);
	fputs(res.out.buf, stdout);
	if (!res.errors) {
		printf("%s: %s and %s agree", dir, base_name(config), base_name(res.metafile));
		if (res.warnings)
			printf(" (%d warning%s)", res.warnings, res.warnings == 1 ? "" : "s");
		putchar('\n');
	}
	rc = res.errors ? EXIT_USAGE : EXIT_OK;
	charm_check_release(&res);
	free(config);
	return rc;
}

const struct cmd_entry cmd_check_config_entry = {
	.name = "check-config", .fn = cmd_check_config, .args = "[CHARM_DIR]",
	.help = "check service-mesh.yaml against the charm's metadata and hooks",
	.options = "  CHARM_DIR        the charm directory (default: $JUJU_CHARM_DIR, else .); its\n"
		   "                   service-mesh.yaml unless --config names another\n",
	.example = "svcmesh-hook check-config ./my-charm",
};
