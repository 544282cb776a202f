/* cmd-mesh-type.c - mesh-type [--format text|json|yaml]: print the mesh
 * type the provider sent (actions/consumer.h consumer_provider_data()),
 * null if none; exit 1 when it sent one that cannot be read. */
#include <stdlib.h>

#include "actions/consumer.h"
#include "commands/command.h"
#include "formats/json.h"

static int cmd_mesh_type(struct cmd_ctx *ctx)
{
	char *type = NULL;
	int rc;

	if ((rc = consumer_provider_data(ctx->cfg.consumer, NULL, NULL, NULL, NULL, &type)) != 0) {
		if (rc > 0)
			error("the mesh provider's mesh_type cannot be read (see the warning above)");
		return EXIT_FAIL;
	}
	rc = cmd_print_scalar(ctx, type ? type : "null", json_string_or_null(type));
	free(type);
	return rc;
}

const struct cmd_entry cmd_mesh_type_entry = {
	.needs = NEED_CONTEXT | NEED_NO_ARGS | NEED_CONSUMER, .name = "mesh-type", .fn = cmd_mesh_type, .args = "[--format text|json|yaml]",
	.help = "print the mesh type the provider sent (null if none; exit 1 if unreadable)",
	.formats = FMT_TEXT | FMT_JSON | FMT_YAML, .def = FMT_TEXT,
	.example = "juju exec --unit app/0 -- ./svcmesh-hook mesh-type --format json",
};
