/* cmd-list-hooks.c - list-hooks: print the hook names this config handles
 * (protocol/hooks.h hook_names()), one a line. */
#include <stdio.h>

#include "commands/command.h"
#include "protocol/hooks.h"
#include "base/kvlist.h"

static int cmd_list_hooks(struct cmd_ctx *ctx)
{
	struct strlist names = STRLIST_INIT;

	hook_names(&ctx->cfg, &names);
	for (size_t i = 0; i < names.n; i++)
		puts(names.items[i]);
	strlist_release(&names);
	return EXIT_OK;
}

const struct cmd_entry cmd_list_hooks_entry = {
	.needs = NEED_NO_ARGS | NEED_CONFIG, .name = "list-hooks", .fn = cmd_list_hooks, .args = "",
	.help = "print the hook names this config handles",
	.example = "svcmesh-hook --config ./my-charm/service-mesh.yaml list-hooks",
};
