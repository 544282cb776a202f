/* cmd-plan-labels.c - plan-labels: print what reconcile-labels would
 * change (command.h cmd_labels_plan()); changes nothing. */
#include "commands/command.h"

static int cmd_plan_labels(struct cmd_ctx *ctx)
{
	return cmd_labels_plan(ctx, 0);
}

const struct cmd_entry cmd_plan_labels_entry = {
	.needs = NEED_CONTEXT | NEED_NO_ARGS | NEED_CONSUMER, .name = "plan-labels", .fn = cmd_plan_labels, .args = "",
	.help = "print what reconcile-labels would change (changes nothing)",
	.example = "juju exec --unit app/0 -- ./svcmesh-hook plan-labels",
};
