/* command.c - what the commands share: config, usage errors, JSON output in the chosen --format, the labels the provider
 * wants (hooks, plan-labels, reconcile-labels); see command.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/consumer.h"
#include "actions/labels.h"
#include "commands/command.h"
#include "formats/json.h"
#include "formats/settings.h"
#include "formats/yamltree.h"
#include "transports/charmstate.h"
#include "transports/jujuc.h"
#include "base/log.h"
#include "base/strbuf.h"

/* ---- config ---- */

int cmd_load_config(struct cmd_ctx *ctx)
{
	struct strbuf err = STRBUF_INIT;

	if (ctx->cfg_loaded)
		return 0;
	if (config_load(ctx->config_path, &ctx->cfg, &err) < 0) {
		/* every problem already names FILE:LINE:COL: one record each */
		strbuf_rtrim(&err);
		error("%s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	ctx->cfg_loaded = 1;
	settings_use_config(&ctx->cfg.settings);
	log_set_verbose(ctx->verbose || settings_verbose());
	return 0;
}

/* ---- usage ---- */

int cmd_usage_error(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error("%s: %s (usage: svcmesh-hook %s%s%s)", ctx->cmd->name, sb.buf, ctx->cmd->name,
	      *ctx->cmd->args ? " " : "", ctx->cmd->args);
	strbuf_release(&sb);
	return EXIT_USAGE;
}

/* ---- the labels the provider wants ---- */

int cmd_wanted_labels(const struct cfg_consumer *c, struct kvlist *labels, struct strlist *held,
		      struct strbuf *why)
{
	int related = 0, have = 0;

	if (consumer_provider_data(c, &related, labels, held, &have, NULL) < 0)
		return -1;
	if (!related) {
		strbuf_addf(why, "no %s relation: mesh labels left as they are", c->mesh_relation);
		return WANT_NO_RELATION;
	}
	if (have < 0) {
		strbuf_addstr(why, "the mesh provider's labels are unreadable: mesh labels left as they are");
		return WANT_UNREADABLE;
	}
	return WANT_LABELS;
}

int cmd_labels_plan(struct cmd_ctx *ctx, int apply)
{
	const struct juju_env *e = juju_env();
	struct kvlist labels = KVLIST_INIT;
	struct strlist held = STRLIST_INIT;
	struct strbuf why = STRBUF_INIT;
	struct label_plan plan;
	int w, rc = EXIT_FAIL;

	memset(&plan, 0, sizeof(plan));
	if ((w = cmd_wanted_labels(ctx->cfg.consumer, &labels, &held, &why)) < 0)
		goto out;
	if (w != WANT_LABELS) {
		printf("%s: nothing to %s\n", why.buf, apply ? "reconcile" : "plan");
		rc = EXIT_OK;
		goto out;
	}
	if (labels_read(e->app, e->model, &labels, &held, 0, &plan) < 0)
		goto out;
	strbuf_reset(&why);
	label_plan_summary(&why, &plan);
	if (!apply) {
		/* the refusals are said by label_plan_print(), and logged */
		for (size_t i = 0; i < plan.refused.n; i++)
			log_warning("refusing mesh label %s", plan.refused.items[i]);
		label_plan_print(&plan, stdout);
	} else if (labels_apply(e->model, &plan) < 0) {
		goto out;
	}
	printf("%s%s\n", !label_plan_writes(&plan) ? "" : apply ? "reconciled: " : "reconcile-labels would: ", why.buf);
	rc = EXIT_OK;
out:
	label_plan_release(&plan);
	kvlist_release(&labels);
	strlist_release(&held);
	strbuf_release(&why);
	return rc;
}

/* ---- the charm directory ---- */

const char *charm_dir_default(const char *dir_arg)
{
	const char *d;

	if (dir_arg && *dir_arg)
		return dir_arg;
	d = juju_env()->charm_dir;
	return d ? d : ".";
}

char *charm_config_path(const struct cmd_ctx *ctx, const char *dir_arg)
{
	/* an explicit --config or SVCMESH_CONFIG wins; else the charm dir's file */
	if (dir_arg && *dir_arg && !ctx->config_explicit)
		return charm_path(dir_arg, "service-mesh.yaml");
	return xstrdup(ctx->config_path);
}

/* ---- output ---- */

int cmd_print_scalar(const struct cmd_ctx *ctx, const char *text, struct json *v)
{
	if (ctx->format == FMT_TEXT) {
		puts(text);
		json_free(v);
		return EXIT_OK;
	}
	return cmd_print_tree(ctx, v);
}

int cmd_print_tree(const struct cmd_ctx *ctx, struct json *v)
{
	struct strbuf out = STRBUF_INIT;
	int rc;

	json_emit(&out, v);
	rc = cmd_print_json(ctx, out.buf);
	strbuf_release(&out);
	json_free(v);
	return rc;
}

int cmd_print_json(const struct cmd_ctx *ctx, const char *json_text)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	struct json *v;
	int r = 0;

	if (ctx->format != FMT_YAML && (ctx->format_given || !isatty(STDOUT_FILENO))) {
		puts(json_text);
		return EXIT_OK;
	}
	v = json_parse_str(json_text, &why);
	if (ctx->format == FMT_YAML) {
		r = v ? yaml_emit_json(&out, v) : error("cannot show it as YAML: %s", why.buf);
	} else {
		if (v)
			json_emit_indent(&out, v, 2);  /* for reading, as Python's indent=2 */
		else
			strbuf_addstr(&out, json_text);  /* not JSON we read back: as it is */
		strbuf_addch(&out, '\n');
	}
	if (r == 0)
		fwrite(out.buf, 1, out.len, stdout);
	json_free(v);
	strbuf_release(&why);
	strbuf_release(&out);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
