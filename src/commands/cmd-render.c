/* cmd-render.c - render [--format yaml|json] [--strict]: print the Istio
 * AuthorizationPolicies for the consumers' policies (actions/provider.h
 * provider_render()), as YAML documents or one JSON List. */
#include <stdio.h>
#include <unistd.h>

#include "actions/provider.h"
#include "commands/command.h"
#include "formats/json.h"
#include "formats/yamltree.h"
#include "protocol/istio.h"
#include "base/strbuf.h"

/* Each object as a YAML document, "---" between them, written and freed
 * one at a time: the output is never held whole. */
static int print_yaml(struct json *items)
{
	struct strbuf out = STRBUF_INIT;
	int r = 0;

	for (size_t i = 0; i < items->u.arr.n && r == 0; i++) {
		strbuf_reset(&out);
		if (i)
			strbuf_addstr(&out, "---\n");
		r = yaml_emit_json(&out, items->u.arr.items[i]);
		fwrite(out.buf, 1, r == 0 ? out.len : 0, stdout);
		json_free(items->u.arr.items[i]);
		items->u.arr.items[i] = json_null();
	}
	strbuf_release(&out);
	return r;
}

/* The items as one JSON List (takes them): what json_emit(istio_list())
 * writes, one object at a time when it goes out as it is; else (a
 * terminal, or YAML) through cmd_print_tree(). */
static void print_list(const struct cmd_ctx *ctx, struct json *items)
{
	struct strbuf out = STRBUF_INIT;

	if (!ctx->format_given && isatty(STDOUT_FILENO)) {
		cmd_print_tree(ctx, istio_list(items));
		return;
	}
	fputs("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [", stdout);
	for (size_t i = 0; i < items->u.arr.n; i++) {
		strbuf_reset(&out);
		if (i)
			strbuf_addstr(&out, ", ");
		json_emit(&out, items->u.arr.items[i]);
		fwrite(out.buf, 1, out.len, stdout);
		json_free(items->u.arr.items[i]);
		items->u.arr.items[i] = json_null();
	}
	fputs("]}\n", stdout);
	json_free(items);
	strbuf_release(&out);
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
		print_list(ctx, items);   /* takes items */
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
