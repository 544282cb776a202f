/* cmd-mesh-info.c - mesh-info [--format json|yaml] [--strict]: print the
 * MeshPolicy list the consumers sent (actions/provider.h
 * provider_collect()), all or nothing. */

#include "actions/provider.h"
#include "commands/command.h"
#include "base/strbuf.h"

static int cmd_mesh_info(struct cmd_ctx *ctx)
{
	struct provider_view v = PROVIDER_VIEW_INIT;
	struct strbuf out = STRBUF_INIT;
	int rc = EXIT_FAIL;

	/* each relation's policies become text as they are read (memory holds
	 * text, not policies); printed only once everything was read */
	v.text = &out;
	strbuf_addch(&out, '[');
	if (provider_collect(ctx->cfg.provider, ctx->strict, &v) == 0) {
		strbuf_addch(&out, ']');
		rc = cmd_print_json(ctx, out.buf);
	}
	provider_view_release(&v);
	strbuf_release(&out);
	return rc;
}

const struct cmd_entry cmd_mesh_info_entry = {
	.needs = NEED_CONTEXT | NEED_ONLY_STRICT | NEED_PROVIDER, .published = 1, .name = "mesh-info", .fn = cmd_mesh_info,
	.args = "[--format json|yaml] [--strict]",
	.help = "provider: print the MeshPolicy list the consumers sent, as JSON",
	.formats = FMT_JSON | FMT_YAML, .def = FMT_JSON,
	.options = "  --strict         exit 1 when a consumer sent an invalid entry (default: skip it\n"
		   "                   with a warning)\n",
	.example = "juju exec --unit beacon/0 -- ./svcmesh-hook mesh-info --strict",
};
