/* cmd-render.c - render [--format yaml|json] [--strict]: print the Istio
 * AuthorizationPolicies for the consumers' policies (actions/provider.h
 * provider_render()), as YAML documents or one JSON List. */
#include <stdio.h>

#include "actions/provider.h"
#include "commands/command.h"
#include "formats/json.h"
#include "formats/yamltree.h"
#include "protocol/istio.h"
#include "base/strbuf.h"

/* Each object as a YAML document, "---" between them. */
static int print_yaml(const struct json *items)
{
	struct strbuf out = STRBUF_INIT;

	for (size_t i = 0; i < items->u.arr.n; i++) {
		if (i)
			strbuf_addstr(&out, "---\n");
		if (yaml_emit_json(&out, items->u.arr.items[i]) < 0) {
			strbuf_release(&out);
			return -1;
		}
	}
	fwrite(out.buf, 1, out.len, stdout);
	strbuf_release(&out);
	return 0;
}

static int cmd_render(struct cmd_ctx *ctx)
{
	struct json *items = NULL;
	size_t refused = 0;
	int rc = EXIT_FAIL;

	if (provider_render(ctx->cfg.provider, ctx->strict, &items, &refused) < 0)
		goto out;
	if (refused && ctx->strict) {
		error("render --strict: %zu %s cannot be enforced (see above)", refused,
		      refused == 1 ? "policy" : "policies");
		goto out;
	}
	if (ctx->format == FMT_JSON) {
		cmd_print_tree(ctx, istio_list(items));   /* takes items */
		items = NULL;
	} else if (print_yaml(items) < 0) {
		goto out;
	}
	if (refused)
		fprintf(stderr, "svcmesh-hook: warning: %zu %s left out: not enforced (see the warnings above)\n",
			refused, refused == 1 ? "policy" : "policies");
	rc = EXIT_OK;
out:
	json_free(items);
	return rc;
}

const struct cmd_entry cmd_render_entry = {
	.needs = NEED_CONTEXT | NEED_ONLY_STRICT | NEED_PROVIDER, .name = "render", .fn = cmd_render,
	.args = "[--format yaml|json] [--strict]",
	.help = "provider: print the Istio AuthorizationPolicies for the consumers' policies",
	.formats = FMT_JSON | FMT_YAML, .def = FMT_YAML,
	.options = "  --strict         exit 1 when a policy is invalid or cannot be enforced (default:\n"
		   "                   leave it out with a warning)\n",
	.example = "juju exec --unit beacon/0 -- ./svcmesh-hook render --format json",
};
