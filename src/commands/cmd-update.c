/* cmd-update.c - update: publish the consumer's policies and cmr_data now
 * (actions/consumer.h), on the leader, and say what was done in one line. */
#include <stdio.h>

#include "actions/consumer.h"
#include "commands/command.h"
#include "transports/jujuc.h"

static int cmd_update(struct cmd_ctx *ctx)
{
	const struct cfg_consumer *c;
	const struct strlist *mesh, *cmr;
	int changed = 0;

	c = ctx->cfg.consumer;
	if (consumer_send_cmr_data(c, NULL) < 0 || consumer_publish(c, &changed) < 0 ||
	    juju_relation_ids(c->mesh_relation, &mesh) < 0 || juju_relation_ids(c->cmr_requires, &cmr) < 0)
		return EXIT_FAIL;
	/* one line: what was done, or why nothing */
	if (!mesh->n)
		printf("no %s relation: policies published nowhere", c->mesh_relation);
	else if (changed)
		printf("policies published to %d of %zu %s relation%s", changed, mesh->n, c->mesh_relation,
		       mesh->n == 1 ? "" : "s");
	else
		printf("policies already up to date on %zu %s relation%s", mesh->n, c->mesh_relation,
		       mesh->n == 1 ? "" : "s");
	if (cmr->n)
		printf("; cmr_data up to date on %zu %s relation%s", cmr->n, c->cmr_requires, cmr->n == 1 ? "" : "s");
	putchar('\n');
	return EXIT_OK;
}

const struct cmd_entry cmd_update_entry = {
	.needs = NEED_CONTEXT | NEED_NO_ARGS | NEED_CONSUMER | NEED_LEADER, .leader_what = "publishes",
	.name = "update", .fn = cmd_update, .args = "",
	.help = "publish policies and cmr_data now (leader)",
	.example = "juju exec --unit app/0 -- ./svcmesh-hook update",
};
