/* cmd-version.c - version (and --version): print the version. */
#include <stdio.h>

#include "commands/command.h"

static int cmd_version(struct cmd_ctx *ctx)
{
	(void)ctx;
	printf("svcmesh-hook %s\n", SVCMESH_VERSION);
	return EXIT_OK;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version", .fn = cmd_version, .args = "", .help = "print the version",
	.example = "svcmesh-hook --version",
};
