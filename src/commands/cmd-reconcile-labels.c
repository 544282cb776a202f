/* cmd-reconcile-labels.c - reconcile-labels: put the provider's mesh
 * labels on the StatefulSet and Service now (command.h cmd_labels_plan()),
 * on the leader, when auto-join is on. */
#include "commands/command.h"

static int cmd_reconcile_labels(struct cmd_ctx *ctx)
{
	return cmd_labels_plan(ctx, 1);
}

const struct cmd_entry cmd_reconcile_labels_entry = {
	.needs = NEED_CONTEXT | NEED_NO_ARGS | NEED_CONSUMER | NEED_AUTO_JOIN | NEED_LEADER,
	.leader_what = "changes Kubernetes objects",
	.name = "reconcile-labels", .fn = cmd_reconcile_labels, .args = "",
	.help = "put the provider's mesh labels on the StatefulSet and Service now (leader)",
	.example = "juju exec --unit app/0 -- ./svcmesh-hook reconcile-labels",
};
