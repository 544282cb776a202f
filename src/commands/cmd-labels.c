/* cmd-labels.c - labels [--format json|yaml]: print the labels the mesh
 * provider sent (actions/consumer.h consumer_provider_data()), as JSON. */
#include "actions/consumer.h"
#include "commands/command.h"
#include "formats/json.h"
#include "base/kvlist.h"

static int cmd_labels(struct cmd_ctx *ctx)
{
	struct kvlist labels = KVLIST_INIT;
	int rc;

	if (consumer_provider_data(ctx->cfg.consumer, NULL, &labels, NULL, NULL, NULL) < 0)
		return EXIT_FAIL;
	rc = cmd_print_tree(ctx, json_object_from_kvlist(&labels));
	kvlist_release(&labels);
	return rc;
}

const struct cmd_entry cmd_labels_entry = {
	.needs = NEED_CONTEXT | NEED_NO_ARGS | NEED_CONSUMER, .published = 1, .name = "labels", .fn = cmd_labels, .args = "[--format json|yaml]",
	.help = "print the labels the mesh provider sent, as JSON",
	.formats = FMT_JSON | FMT_YAML, .def = FMT_JSON,
	.example = "juju exec --unit app/0 -- ./svcmesh-hook labels",
};
