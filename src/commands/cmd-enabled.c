/* cmd-enabled.c - enabled [--format text|json|yaml]: print true if the
 * charm has a mesh relation (actions/consumer.h), else false. */
#include "actions/consumer.h"
#include "commands/command.h"
#include "formats/json.h"

static int cmd_enabled(struct cmd_ctx *ctx)
{
	int related = 0;

	/* as the Python library: in the mesh as soon as the relation exists
	 * (and no longer once it is being broken) */
	if (consumer_provider_data(ctx->cfg.consumer, &related, NULL, NULL, NULL, NULL) < 0)
		return EXIT_FAIL;
	return cmd_print_scalar(ctx, related ? "true" : "false", json_bool(related));
}

const struct cmd_entry cmd_enabled_entry = {
	.needs = NEED_CONTEXT | NEED_NO_ARGS | NEED_CONSUMER, .name = "enabled", .fn = cmd_enabled, .args = "[--format text|json|yaml]",
	.help = "print true if the charm has a mesh relation, else false",
	.formats = FMT_TEXT | FMT_JSON | FMT_YAML, .def = FMT_TEXT,
	.example = "juju exec --unit app/0 -- ./svcmesh-hook enabled",
};
