/* cmd-reconcile-labels.c - reconcile-labels: put the provider's mesh
 * labels on the StatefulSet and Service now (command.h cmd_labels_plan()),
 * on the leader, when auto-join is on. */
#include "commands/command.h"

static int cmd_reconcile_labels(struct cmd_ctx *ctx, int argc, const char **argv)
{
	int rc;

	(void)argv;
	if ((rc = cmd_no_args(ctx, argc)) || (rc = cmd_need_section(ctx, 0)))
		return rc;
	if (!ctx->cfg.consumer->auto_join) {
		error("auto-join is false in %s: svcmesh-hook does not manage labels", ctx->config_path);
		return EXIT_USAGE;
	}
	if ((rc = cmd_need_leader("changes Kubernetes objects")))
		return rc;
	return cmd_labels_plan(ctx, 1);
}

const struct cmd_entry cmd_reconcile_labels_entry = {
	.context = 1, .name = "reconcile-labels", .fn = cmd_reconcile_labels, .args = "",
	.help = "put the provider's mesh labels on the StatefulSet and Service now (leader)",
	.example = "juju exec --unit app/0 -- ./svcmesh-hook reconcile-labels",
};
