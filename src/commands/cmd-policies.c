/* cmd-policies.c - policies [--format json|yaml]: print the MeshPolicy
 * list the consumer would publish (actions/consumer.h
 * consumer_compute()); writes nothing. */
#include "actions/consumer.h"
#include "commands/command.h"
#include "base/strbuf.h"

static int cmd_policies(struct cmd_ctx *ctx)
{
	struct policy_list pl = POLICY_LIST_INIT;
	struct strbuf out = STRBUF_INIT;
	int rc;

	if (consumer_compute(ctx->cfg.consumer, &pl) < 0)
		return EXIT_FAIL;
	policy_list_emit(&out, &pl);
	rc = cmd_print_json(ctx, out.buf);
	strbuf_release(&out);
	policy_list_release(&pl);
	return rc;
}

const struct cmd_entry cmd_policies_entry = {
	.needs = NEED_CONTEXT | NEED_NO_ARGS | NEED_CONSUMER, .published = 1, .name = "policies", .fn = cmd_policies, .args = "[--format json|yaml]",
	.help = "print the policies JSON it would publish (writes nothing)",
	.formats = FMT_JSON | FMT_YAML, .def = FMT_JSON,
	.example = "juju exec --unit app/0 -- ./svcmesh-hook policies --format yaml",
};
