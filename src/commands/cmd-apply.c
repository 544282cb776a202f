/* cmd-apply.c - apply: make the owned AuthorizationPolicies what the
 * consumers ask for now (actions/provider.h provider_enforce()), on the
 * leader, and say what changed in one line. */
#include <stdio.h>

#include "actions/provider.h"
#include "commands/command.h"

static int cmd_apply(struct cmd_ctx *ctx)
{
	struct apply_counts n;

	if (provider_enforce(ctx->cfg.provider, &n) < 0)
		return EXIT_FAIL;
	if (n.applied || n.deleted)
		printf("authorization policies: %zu applied, %zu deleted, %zu unchanged\n",
		       n.applied, n.deleted, n.unchanged);
	else
		printf("authorization policies already up to date (%zu)\n", n.unchanged);
	return EXIT_OK;
}

const struct cmd_entry cmd_apply_entry = {
	.needs = NEED_CONTEXT | NEED_NO_ARGS | NEED_PROVIDER | NEED_MANAGE_POLICIES | NEED_LEADER,
	.leader_what = "applies AuthorizationPolicies",
	.name = "apply", .fn = cmd_apply, .args = "",
	.help = "provider: apply the AuthorizationPolicies now and delete stale ones (leader)",
	.example = "juju exec --unit beacon/0 -- ./svcmesh-hook apply",
};
