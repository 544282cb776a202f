/* dispatch.c - the list of subcommand rows and the dispatcher: global
 * options, --format, help, the checks each row asks for, and hooks (the
 * actions protocol/hooks.c gives them); see dispatch.h. Each command's
 * function and row are in its own cmd-<name>.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands/command.h"
#include "commands/dispatch.h"
#include "actions/consumer.h"
#include "protocol/hooks.h"
#include "transports/jujuc.h"
#include "actions/labels.h"
#include "base/log.h"
#include "actions/provider.h"
#include "formats/settings.h"
#include "base/strbuf.h"
#include "base/util.h"

static int cmd_dispatch(struct cmd_ctx *ctx);
static int cmd_help(struct cmd_ctx *ctx);

/* the rows of the commands in their own cmd-<name>.c */
extern const struct cmd_entry cmd_policies_entry, cmd_update_entry, cmd_labels_entry, cmd_mesh_type_entry,
	cmd_enabled_entry, cmd_reconcile_labels_entry, cmd_plan_labels_entry, cmd_mesh_info_entry,
	cmd_render_entry, cmd_apply_entry, cmd_status_entry, cmd_check_config_entry, cmd_link_hooks_entry,
	cmd_list_hooks_entry, cmd_version_entry;

static const struct cmd_entry dispatch_entry = {
	.needs = NEED_NO_ARGS, .name = "dispatch", .fn = cmd_dispatch, .args = "",
	.help = "handle the hook named by JUJU_DISPATCH_PATH (the default)",
	.example = "JUJU_DISPATCH_PATH=hooks/upgrade-charm svcmesh-hook dispatch" };
static const struct cmd_entry help_entry = {
	.name = "help", .fn = cmd_help, .args = "[COMMAND]", .help = "show help",
	.options = "  COMMAND          the command to explain (default: all of them, briefly)\n",
	.example = "svcmesh-hook help status" };

/* Every subcommand, in the order help lists them. */
static const struct cmd_entry *const table[] = {
	&dispatch_entry, &cmd_policies_entry, &cmd_update_entry, &cmd_labels_entry, &cmd_mesh_type_entry,
	&cmd_enabled_entry, &cmd_reconcile_labels_entry, &cmd_plan_labels_entry, &cmd_mesh_info_entry,
	&cmd_render_entry, &cmd_apply_entry, &cmd_status_entry, &cmd_check_config_entry, &cmd_link_hooks_entry,
	&cmd_list_hooks_entry, &help_entry, &cmd_version_entry,
};

/* ---- actions ---- */

static int act_cmr_data(const struct cfg_consumer *c)
{
	const char *relid = juju_env()->relation_id;

	if (!relid)
		return error("cannot send cmr_data: JUJU_RELATION_ID is not set");
	return consumer_send_cmr_data(c, relid);
}

static int act_policies(const struct cfg_consumer *c)
{
	return consumer_publish(c, NULL);
}

/* Reconcile labels to what the provider sent. */
static int act_labels(const struct cfg_consumer *c)
{
	const struct juju_env *e = juju_context("label reconciliation");
	struct kvlist labels = KVLIST_INIT;
	struct strlist held = STRLIST_INIT;
	struct strbuf why = STRBUF_INIT;
	int w;

	if (!e)
		return -1;
	w = cmd_wanted_labels(c, &labels, &held, &why);
	if (w == WANT_LABELS)
		w = labels_reconcile(e->app, e->model, &labels, &held, 0);
	else if (w >= 0)   /* unreadable labels: the view said why, once, as a WARNING */
		log_debug("%s", why.buf);
	kvlist_release(&labels);
	strlist_release(&held);
	strbuf_release(&why);
	return w < 0 ? -1 : 0;
}

/* The mesh relation is broken: reconcile labels to none. */
static int act_unlabel(const struct cfg_consumer *c)
{
	const struct juju_env *e = juju_context("label reconciliation");

	(void)c;
	return e ? labels_reconcile(e->app, e->model, NULL, NULL, 1) : -1;
}

/* Each action bit (protocol/hooks.h) and the code that carries it out
 * (for the consumer or for the provider section), in the order a hook
 * with several actions runs them; every bit has one. */
static const struct {
	unsigned bit;
	int (*consumer)(const struct cfg_consumer *c);
	int (*provider)(const struct cfg_provider *p);
} action_fns[] = {
	{ ACT_CMR_DATA, act_cmr_data, NULL },
	{ ACT_POLICIES, act_policies, NULL },
	{ ACT_LABELS, act_labels, NULL },
	{ ACT_UNLABEL, act_unlabel, NULL },
	{ ACT_PROVIDER_PUBLISH, NULL, provider_publish },
	{ ACT_PROVIDER_APPLY, NULL, provider_apply_action },
	{ ACT_PROVIDER_REMOVE, NULL, provider_remove_action },
	{ ACT_PROVIDER_RECORD, NULL, provider_record_action },   /* after apply: its cleanup reads the record */
};

/* ---- a row's needs ---- */

/* ctx->cmd's needs (enum cmd_needs), in their order: 0 when all hold,
 * else the exit code (the reason already reported). */
static int check_needs(struct cmd_ctx *ctx)
{
	unsigned needs = ctx->cmd->needs;
	const char *name = ctx->cmd->name;
	int leader;

	if ((needs & NEED_CONTEXT) && !juju_context(name))
		return EXIT_USAGE;
	if ((needs & NEED_NO_ARGS) && ctx->argc > 0) {
		error("%s takes no arguments (see svcmesh-hook help %s)", name, name);
		return EXIT_USAGE;
	}
	for (int i = 0; (needs & NEED_ONLY_STRICT) && i < ctx->argc; i++) {
		if (strcmp(ctx->argv[i], "--strict"))
			return cmd_usage_error(ctx, "unexpected argument '%s'", ctx->argv[i]);
		ctx->strict = 1;
	}
	if ((needs & (NEED_CONFIG | NEED_CONSUMER | NEED_PROVIDER)) && cmd_load_config(ctx) < 0)
		return EXIT_USAGE;
	if (((needs & NEED_CONSUMER) && !ctx->cfg.consumer) || ((needs & NEED_PROVIDER) && !ctx->cfg.provider)) {
		error("%s has no %s section", ctx->config_path, needs & NEED_PROVIDER ? "provider" : "consumer");
		return EXIT_USAGE;
	}
	if ((needs & NEED_AUTO_JOIN) && !ctx->cfg.consumer->auto_join) {
		error("auto-join is false in %s: svcmesh-hook does not manage labels", ctx->config_path);
		return EXIT_USAGE;
	}
	if ((needs & NEED_MANAGE_POLICIES) && !ctx->cfg.provider->manage_policies) {
		error("manage-policies is false in %s: svcmesh-hook does not manage AuthorizationPolicies",
		      ctx->config_path);
		return EXIT_USAGE;
	}
	if (needs & NEED_LEADER) {
		if (juju_is_leader(&leader) < 0)
			return EXIT_FAIL;
		if (!leader) {
			error("this unit is not the leader: only the leader %s (run it on the leader unit)",
			      ctx->cmd->leader_what);
			return EXIT_FAIL;
		}
	}
	return 0;
}

/* ---- hooks ---- */

static int run_hook(struct cmd_ctx *ctx, const char *hook)
{
	unsigned acts;
	int leader;

	log_set_hook(1);
	if (cmd_load_config(ctx) < 0)
		return EXIT_USAGE;
	juju_set_hook(hook);
	acts = hook_actions(&ctx->cfg, hook);
	if (!acts)
		return EXIT_OK;
	if (!juju_context(hook))
		return EXIT_USAGE;
	if (juju_check_hook_relation(hook) < 0)
		return EXIT_FAIL;
	/* the actions write Juju or Kubernetes state: the leader's, but for
	 * remove's (removing the application may leave no leader) */
	if (acts & ~ANY_UNIT_ACTIONS) {
		if (juju_is_leader(&leader) < 0)
			return EXIT_FAIL;
		if (!leader)
			acts &= ANY_UNIT_ACTIONS;   /* quietly: a log line would cost a juju-log call on every unit */
	}
	for (size_t i = 0; i < ARRAY_SIZE(action_fns); i++) {
		if (!(acts & action_fns[i].bit))
			continue;
		if ((action_fns[i].consumer ? action_fns[i].consumer(ctx->cfg.consumer)
		     : action_fns[i].provider(ctx->cfg.provider)) < 0)
			return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int cmd_dispatch(struct cmd_ctx *ctx)
{
	const char *dp = getenv("JUJU_DISPATCH_PATH"), *hook;

	if (!dp || !*dp) {
		error("no hook to handle: JUJU_DISPATCH_PATH is not set (run a subcommand by hand, see svcmesh-hook help)");
		return EXIT_USAGE;
	}
	hook = strrchr(dp, '/');
	hook = hook ? hook + 1 : dp;
	return run_hook(ctx, hook);
}

static const struct cmd_entry *find_subcommand(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i]->name, name))
			return table[i];
	return NULL;
}

/* The --format values, format_names[i] for 1 << i (enum out_format). */
static const char *const format_names[] = { "text", "json", "yaml" };

static const char *format_name(enum out_format f)
{
	return f == FMT_TEXT ? "text" : f == FMT_JSON ? "json" : "yaml";
}

/* "text, json or yaml" for a formats mask, in the order the command prefers. */
static void formats_text(struct strbuf *sb, const struct cmd_entry *e)
{
	unsigned rest = e->formats & ~(unsigned)e->def;

	strbuf_addstr(sb, format_name(e->def));
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++) {
		if (!(rest & (1u << i)))
			continue;
		rest &= ~(1u << i);
		strbuf_addstr(sb, rest ? ", " : " or ");
		strbuf_addstr(sb, format_names[i]);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: svcmesh-hook [--config FILE] [--verbose] [COMMAND [ARGS]]\n"
		"       hooks/<hook-name>   (symlink to svcmesh-hook)\n"
		"\n"
		"Puts a Juju charm on a service mesh, speaking the service_mesh and\n"
		"cross_model_mesh relation protocol of charmlibs.interfaces.service_mesh.\n"
		"With no COMMAND it handles the hook named by JUJU_DISPATCH_PATH.\n"
		"\n"
		"Commands (svcmesh-hook COMMAND --help explains one):\n");
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		fprintf(f, "  %-16s %s\n", table[i]->name, table[i]->help);
	fprintf(f,
		"\n"
		"Options:\n"
		"  --config FILE  service-mesh.yaml to use (default: $SVCMESH_CONFIG, else\n"
		"                 $JUJU_CHARM_DIR/service-mesh.yaml)\n"
		"  --verbose      also print every log line on stderr\n"
		"  --help, --version\n"
		"\n"
		"Exit status: 0 done (warnings allowed), 1 a hook tool, kubectl or the system\n"
		"failed, or the command needs the leader; 2 bad command line or bad\n"
		"service-mesh.yaml. Juju treats any non-zero exit of a hook alike: the unit\n"
		"is in error and Juju retries the hook.\n");
}

static void command_help(const struct cmd_entry *e)
{
	struct strbuf sb = STRBUF_INIT;

	printf("usage: svcmesh-hook %s%s%s\n\n%s\n", e->name, *e->args ? " " : "", e->args, e->help);
	if (e->formats || e->options) {
		printf("\nOptions:\n");
		if (e->formats) {
			formats_text(&sb, e);
			printf("  --format FORMAT  %s (default %s); -o and --output are aliases.\n",
			       sb.buf, format_name(e->def));
			if (e->formats & FMT_JSON)
				printf("                   json: %s; with no\n"
				       "                   --format, a terminal gets it indented\n",
				       e->published ? "the exact bytes of the relation data" : "compact, on one line");
		}
		if (e->options)
			fputs(e->options, stdout);
	}
	printf("\nExample:\n  %s\n", e->example);
	strbuf_release(&sb);
}

static int cmd_help(struct cmd_ctx *ctx)
{
	const struct cmd_entry *e;

	if (ctx->argc == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	e = find_subcommand(ctx->argv[0]);
	if (!e) {
		error("no such command: '%s' (svcmesh-hook help lists them)", ctx->argv[0]);
		return EXIT_USAGE;
	}
	command_help(e);
	return EXIT_OK;
}

/* The one --format parser: takes --format F, --format=F and the aliases
 * -o F, -oF, --output F, --output=F out of ctx's arguments (the last one
 * wins) and sets ctx->format, else the command's default. 0, or EXIT_USAGE. */
static int take_format(struct cmd_ctx *ctx)
{
	const struct cmd_entry *e = ctx->cmd;
	const char *value = NULL, *opt = NULL;
	int n = 0;

	for (int i = 0; i < ctx->argc; i++) {
		const char *a = ctx->argv[i], *v;

		if (!strncmp(a, "-o", 2)) {
			v = a[2] ? a + 2 : NULL;
		} else if ((!strncmp(a, "--format", 8) || !strncmp(a, "--output", 8)) && (!a[8] || a[8] == '=')) {
			v = a[8] ? a + 9 : NULL;
		} else {
			ctx->argv[n++] = a;
			continue;
		}
		opt = a;
		if (!v && i + 1 >= ctx->argc) {
			error("%s: %s needs a FORMAT (see svcmesh-hook %s --help)", e->name, a, e->name);
			return EXIT_USAGE;
		}
		value = v ? v : ctx->argv[++i];
	}
	ctx->argc = n;
	ctx->argv[n] = NULL;
	ctx->format = e->def;
	if (!value)
		return 0;
	if (!e->formats) {
		error("%s prints no data: it takes no %s option (see svcmesh-hook %s --help)", e->name, opt, e->name);
		return EXIT_USAGE;
	}
	ctx->format_given = 1;
	ctx->format = 0;
	for (size_t k = 0; k < ARRAY_SIZE(format_names); k++)
		if (!strcmp(value, format_names[k]))
			ctx->format = 1u << k;
	if (!(ctx->format & e->formats)) {
		struct strbuf sb = STRBUF_INIT;

		formats_text(&sb, e);
		error("%s: --format must be %s, not '%s'", e->name, sb.buf, value);
		strbuf_release(&sb);
		return EXIT_USAGE;
	}
	return 0;
}

int dispatch_main(int argc, const char **argv, const char *hook_from_argv0)
{
	struct cmd_ctx ctx;
	struct strbuf pathbuf = STRBUF_INIT;
	const char **rest = xcalloc((size_t)argc + 1, sizeof(*rest));
	const struct cmd_entry *e = NULL;
	const char *env = getenv("SVCMESH_CONFIG");
	int nrest = 0, rc, want_help = 0;

	memset(&ctx, 0, sizeof(ctx));
	/* global options may stand anywhere; everything else is kept in order */
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			ctx.config_path = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			ctx.config_path = argv[i] + 9;
		} else if (!strcmp(argv[i], "--config")) {
			free(rest);
			error("--config needs a FILE");
			return EXIT_USAGE;
		} else if (!strcmp(argv[i], "--verbose")) {
			ctx.verbose = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			want_help = 1;
		} else if (!strcmp(argv[i], "--version")) {
			rest[0] = "version";   /* cmd-version.c's row */
			nrest = 1;
			break;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	settings_use_config(NULL);   /* the SVCMESH_* overrides, checked once */
	log_set_verbose(ctx.verbose || settings_verbose());
	if (!ctx.config_path && env && *env)
		ctx.config_path = env;
	ctx.config_explicit = ctx.config_path != NULL;
	if (!ctx.config_path) {
		strbuf_addf(&pathbuf, "%s/service-mesh.yaml", charm_dir_default(NULL));
		ctx.config_path = pathbuf.buf;
	}

	if (hook_from_argv0) {
		rc = run_hook(&ctx, hook_from_argv0);
	} else if (want_help) {
		ctx.cmd = &help_entry;
		ctx.argc = nrest ? 1 : 0;
		ctx.argv = rest;
		rc = cmd_help(&ctx);
	} else if (nrest == 0) {
		ctx.cmd = &dispatch_entry;
		rc = cmd_dispatch(&ctx);
	} else if ((e = find_subcommand(rest[0])) != NULL) {
		ctx.cmd = e;
		ctx.argc = nrest - 1;
		ctx.argv = rest + 1;
		if ((rc = take_format(&ctx)) == 0 && (rc = check_needs(&ctx)) == 0)
			rc = e->fn(&ctx);
	} else {
		error("unknown %s: %s (see svcmesh-hook --help)", rest[0][0] == '-' ? "option" : "command", rest[0]);
		rc = EXIT_USAGE;
	}
	log_set_outcome(rc != EXIT_OK);
	if (ctx.cfg_loaded)
		config_release(&ctx.cfg);
	free(rest);
	strbuf_release(&pathbuf);
	return rc;
}
