/* cmd-labels.c - labels [--format json|yaml]: print the labels the mesh
 * provider sent (actions/consumer.h consumer_provider_data()), as JSON. */
#include "actions/consumer.h"
#include "commands/command.h"
#include "formats/json.h"
#include "base/kvlist.h"
#include "base/strbuf.h"

static int cmd_labels(struct cmd_ctx *ctx, int argc, const char **argv)
{
	struct kvlist labels = KVLIST_INIT;
	struct strbuf out = STRBUF_INIT;
	struct json *o;
	int rc;

	(void)argc;
	(void)argv;
	if (consumer_provider_data(ctx->cfg.consumer, NULL, &labels, NULL, NULL, NULL) < 0)
		return EXIT_FAIL;
	o = json_object_from_kvlist(&labels);
	json_emit(&out, o);
	rc = cmd_print_json(ctx, out.buf) < 0 ? EXIT_FAIL : EXIT_OK;
	json_free(o);
	strbuf_release(&out);
	kvlist_release(&labels);
	return rc;
}

const struct cmd_entry cmd_labels_entry = {
	.needs = NEED_CONTEXT | NEED_NO_ARGS | NEED_CONSUMER, .published = 1, .name = "labels", .fn = cmd_labels, .args = "[--format json|yaml]",
	.help = "print the labels the mesh provider sent, as JSON",
	.formats = FMT_JSON | FMT_YAML, .def = FMT_JSON,
	.example = "juju exec --unit app/0 -- ./svcmesh-hook labels",
};
