/* commands.c - the hook/subcommand table and the dispatcher; see commands.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charmcheck.h"
#include "commands.h"
#include "consumer.h"
#include "json.h"
#include "jujuc.h"
#include "labels.h"
#include "linkhooks.h"
#include "log.h"
#include "provider.h"
#include "status.h"
#include "strbuf.h"
#include "util.h"

typedef int (*cmd_fn)(struct cmd_ctx *ctx, int argc, const char **argv);

enum entry_kind { HOOK, SUBCOMMAND };

struct entry {
	enum entry_kind kind;
	const char *name;      /* HOOK: event ("relation-created") or whole hook name; SUBCOMMAND: its name */
	enum role role;        /* HOOK: which endpoints; ROLE_NONE for non-relation hooks */
	unsigned actions;      /* HOOK */
	cmd_fn fn;             /* SUBCOMMAND */
	const char *args;      /* SUBCOMMAND: argument synopsis */
	const char *help;      /* one line */
};

static int cmd_dispatch(struct cmd_ctx *ctx, int argc, const char **argv);
static int cmd_policies(struct cmd_ctx *ctx, int argc, const char **argv);
static int cmd_update(struct cmd_ctx *ctx, int argc, const char **argv);
static int cmd_labels(struct cmd_ctx *ctx, int argc, const char **argv);
static int cmd_mesh_type(struct cmd_ctx *ctx, int argc, const char **argv);
static int cmd_enabled(struct cmd_ctx *ctx, int argc, const char **argv);
static int cmd_list_hooks(struct cmd_ctx *ctx, int argc, const char **argv);
static int cmd_reconcile_labels(struct cmd_ctx *ctx, int argc, const char **argv);
static int cmd_plan_labels(struct cmd_ctx *ctx, int argc, const char **argv);
static int cmd_help(struct cmd_ctx *ctx, int argc, const char **argv);
static int cmd_version(struct cmd_ctx *ctx, int argc, const char **argv);

static const struct entry table[] = {
	/* hooks, as the Python library observes them (reference/service-mesh-protocol.md) */
	{ HOOK, "relation-created", ROLE_MESH, ACT_POLICIES, NULL, NULL, "publish policies" },
	{ HOOK, "relation-changed", ROLE_MESH, ACT_LABELS, NULL, NULL, "reconcile mesh labels (auto-join)" },
	{ HOOK, "relation-broken", ROLE_MESH, ACT_UNLABEL, NULL, NULL, "remove mesh labels (auto-join)" },
	{ HOOK, "relation-created", ROLE_CMR_REQUIRES, ACT_CMR_DATA, NULL, NULL, "send cmr_data" },
	{ HOOK, "relation-changed", ROLE_CMR_PROVIDES, ACT_POLICIES, NULL, NULL, "publish policies (cross-model source known)" },
	{ HOOK, "relation-created", ROLE_POLICY, ACT_POLICIES, NULL, NULL, "publish policies" },
	{ HOOK, "relation-broken", ROLE_POLICY, ACT_POLICIES, NULL, NULL, "publish policies" },
	{ HOOK, "upgrade-charm", ROLE_NONE, ACT_POLICIES | ACT_LABELS | ACT_PROVIDER_PUBLISH | ACT_PROVIDER_APPLY,
	  NULL, NULL, "publish everything, repair labels" },
	{ HOOK, "leader-elected", ROLE_NONE, ACT_POLICIES | ACT_LABELS | ACT_PROVIDER_PUBLISH, NULL, NULL,
	  "publish everything, repair labels" },
	{ HOOK, "config-changed", ROLE_NONE, ACT_PROVIDER_PUBLISH | ACT_PROVIDER_APPLY, NULL, NULL,
	  "provider: publish labels and mesh type" },
	{ HOOK, "relation-created", ROLE_PROVIDER_MESH, ACT_PROVIDER_PUBLISH, NULL, NULL,
	  "provider: publish labels and mesh type" },
	{ HOOK, "relation-changed", ROLE_PROVIDER_MESH, ACT_PROVIDER_APPLY, NULL, NULL,
	  "provider: apply authorization policies" },
	{ HOOK, "relation-broken", ROLE_PROVIDER_MESH, ACT_PROVIDER_APPLY, NULL, NULL,
	  "provider: apply authorization policies" },

	/* subcommands */
	{ SUBCOMMAND, "dispatch", ROLE_NONE, 0, cmd_dispatch, "", "handle the hook named by JUJU_DISPATCH_PATH (the default)" },
	{ SUBCOMMAND, "policies", ROLE_NONE, 0, cmd_policies, "", "print the policies JSON it would publish (writes nothing)" },
	{ SUBCOMMAND, "update", ROLE_NONE, 0, cmd_update, "", "publish policies and cmr_data now (leader)" },
	{ SUBCOMMAND, "labels", ROLE_NONE, 0, cmd_labels, "", "print the labels the mesh provider sent, as JSON" },
	{ SUBCOMMAND, "mesh-type", ROLE_NONE, 0, cmd_mesh_type, "", "print the mesh type the provider sent (null if none)" },
	{ SUBCOMMAND, "enabled", ROLE_NONE, 0, cmd_enabled, "", "print true if the charm has a mesh relation, else false" },
	{ SUBCOMMAND, "reconcile-labels", ROLE_NONE, 0, cmd_reconcile_labels, "", "put the provider's mesh labels on the StatefulSet and Service now (leader)" },
	{ SUBCOMMAND, "plan-labels", ROLE_NONE, 0, cmd_plan_labels, "", "print what reconcile-labels would change (changes nothing)" },
	{ SUBCOMMAND, "mesh-info", ROLE_NONE, 0, provider_cmd_mesh_info, "[--strict]", "provider: print the MeshPolicy list the consumers sent, as JSON" },
	{ SUBCOMMAND, "render", ROLE_NONE, 0, provider_cmd_render, "[--output yaml|json] [--strict]", "provider: print the Istio AuthorizationPolicies for the consumers' policies" },
	{ SUBCOMMAND, "apply", ROLE_NONE, 0, provider_cmd_apply, "", "provider: apply the AuthorizationPolicies now and delete stale ones (leader)" },
	{ SUBCOMMAND, "status", ROLE_NONE, 0, status_cmd, "[--output text|json]", "show what svcmesh-hook sees and did (inside juju exec)" },
	{ SUBCOMMAND, "check-config", ROLE_NONE, 0, check_config_cmd, "[CHARM_DIR]", "check service-mesh.yaml against the charm's metadata and hooks" },
	{ SUBCOMMAND, "link-hooks", ROLE_NONE, 0, link_hooks_cmd, "[--dry-run] [--force] [--target PATH] [CHARM_DIR]", "create the hooks/ symlinks this config needs" },
	{ SUBCOMMAND, "list-hooks", ROLE_NONE, 0, cmd_list_hooks, "", "print the hook names this config handles" },
	{ SUBCOMMAND, "help", ROLE_NONE, 0, cmd_help, "[COMMAND]", "show help" },
	{ SUBCOMMAND, "version", ROLE_NONE, 0, cmd_version, "", "print the version" },
};

/* ---- actions ---- */

static int act_cmr_data(struct cmd_ctx *ctx)
{
	const char *relid = juju_env()->relation_id;

	if (!relid)
		return error("cannot send cmr_data: JUJU_RELATION_ID is not set");
	return consumer_send_cmr_data(ctx->cfg.consumer, relid);
}

static int act_policies(struct cmd_ctx *ctx)
{
	return consumer_publish(ctx->cfg.consumer, NULL);
}

/* Reconcile labels to what the provider sent (remove_all: to nothing). */
static int sync_labels(struct cmd_ctx *ctx, int remove_all, int dry_run)
{
	const struct juju_env *e = juju_env();
	struct kvlist labels = KVLIST_INIT;
	int related = 0, have = 0, ret;

	if (!e->app || !e->model)
		return error("JUJU_UNIT_NAME and JUJU_MODEL_NAME must be set (run inside a hook or juju exec)");
	if (!remove_all) {
		if (consumer_provider_data(ctx->cfg.consumer, &related, &labels, &have, NULL) < 0)
			return -1;
		if (!related) {
			log_debug("no %s relation: mesh labels left as they are", ctx->cfg.consumer->mesh_relation);
			if (dry_run)
				printf("no %s relation: nothing to reconcile\n", ctx->cfg.consumer->mesh_relation);
			return 0;
		}
		if (have < 0) {
			log_warning("the mesh provider's labels are unreadable: mesh labels left as they are");
			kvlist_release(&labels);
			return 0;
		}
	}
	ret = labels_reconcile(e->app, e->model, remove_all ? NULL : &labels, remove_all, dry_run);
	kvlist_release(&labels);
	return ret;
}

static int act_labels(struct cmd_ctx *ctx)
{
	return sync_labels(ctx, 0, 0);
}

static int act_unlabel(struct cmd_ctx *ctx)
{
	return sync_labels(ctx, 1, 0);
}

/* Each action bit and the code that carries it out, in the order a hook
 * with several actions runs them. */
static const struct {
	unsigned bit;
	int (*fn)(struct cmd_ctx *ctx);
} action_fns[] = {
	{ ACT_CMR_DATA, act_cmr_data },
	{ ACT_POLICIES, act_policies },
	{ ACT_LABELS, act_labels },
	{ ACT_UNLABEL, act_unlabel },
	{ ACT_PROVIDER_PUBLISH, provider_publish },
	{ ACT_PROVIDER_APPLY, provider_apply_action },
};

static unsigned implemented_actions(void)
{
	unsigned mask = 0;

	for (size_t i = 0; i < ARRAY_SIZE(action_fns); i++)
		mask |= action_fns[i].bit;
	return mask;
}

/* ---- roles and hooks ---- */

static int endpoint_has_role(const struct mesh_config *cfg, const char *endpoint, enum role role)
{
	const struct cfg_consumer *c = cfg->consumer;

	switch (role) {
	case ROLE_NONE:
		return 0;
	case ROLE_MESH:
		return c && !strcmp(c->mesh_relation, endpoint);
	case ROLE_CMR_REQUIRES:
		return c && !strcmp(c->cmr_requires, endpoint);
	case ROLE_CMR_PROVIDES:
		return c && !strcmp(c->cmr_provides, endpoint);
	case ROLE_POLICY:
		for (size_t i = 0; c && i < c->npolicies; i++)
			if (!strcmp(c->policies[i].relation, endpoint))
				return 1;
		return 0;
	case ROLE_PROVIDER_MESH:
		return cfg->provider && !strcmp(cfg->provider->mesh_relation, endpoint);
	}
	return 0;
}

/* Actions this config can carry out at all. */
static unsigned enabled_actions(const struct mesh_config *cfg)
{
	unsigned mask = 0;

	if (cfg->consumer) {
		mask |= ACT_POLICIES | ACT_CMR_DATA;
		if (cfg->consumer->auto_join)
			mask |= ACT_LABELS | ACT_UNLABEL;
	}
	if (cfg->provider) {
		/* apply also runs with manage-policies false: it then deletes
		 * the policies applied before, once (provider.c) */
		mask |= ACT_PROVIDER_PUBLISH | ACT_PROVIDER_APPLY;
	}
	return mask & implemented_actions();
}

unsigned hook_actions(const struct mesh_config *cfg, const char *hook)
{
	unsigned acts = 0;
	size_t hl = strlen(hook);

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		const struct entry *e = &table[i];
		size_t el = strlen(e->name);

		if (e->kind != HOOK)
			continue;
		if (e->role == ROLE_NONE) {
			if (!strcmp(hook, e->name))
				acts |= e->actions;
			continue;
		}
		/* "<endpoint>-<event>" */
		if (hl > el + 1 && hook[hl - el - 1] == '-' && !strcmp(hook + hl - el, e->name)) {
			char *endpoint = xstrndup(hook, hl - el - 1);
			if (endpoint_has_role(cfg, endpoint, e->role))
				acts |= e->actions;
			free(endpoint);
		}
	}
	return acts & enabled_actions(cfg);
}

static void add_unique(struct strlist *out, const char *name)
{
	if (!strlist_has(out, name))
		strlist_add(out, name);
}

static void add_endpoint_hook(struct strlist *out, const char *endpoint, const char *event)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s-%s", endpoint, event);
	add_unique(out, sb.buf);
	strbuf_release(&sb);
}

static void add_role_hooks(const struct mesh_config *cfg, const struct entry *e, struct strlist *out)
{
	const struct cfg_consumer *c = cfg->consumer;

	switch (e->role) {
	case ROLE_MESH:
		if (c)
			add_endpoint_hook(out, c->mesh_relation, e->name);
		break;
	case ROLE_CMR_REQUIRES:
		if (c)
			add_endpoint_hook(out, c->cmr_requires, e->name);
		break;
	case ROLE_CMR_PROVIDES:
		if (c)
			add_endpoint_hook(out, c->cmr_provides, e->name);
		break;
	case ROLE_PROVIDER_MESH:
		if (cfg->provider)
			add_endpoint_hook(out, cfg->provider->mesh_relation, e->name);
		break;
	case ROLE_POLICY:
		for (size_t i = 0; c && i < c->npolicies; i++)
			add_endpoint_hook(out, c->policies[i].relation, e->name);
		break;
	case ROLE_NONE:
		add_unique(out, e->name);
		break;
	}
}

void hook_names(const struct mesh_config *cfg, struct strlist *out)
{
	struct strlist all = STRLIST_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (table[i].kind == HOOK)
			add_role_hooks(cfg, &table[i], &all);
	/* keep only hooks that have something to do with this config */
	for (size_t i = 0; i < all.n; i++)
		if (hook_actions(cfg, all.items[i]))
			strlist_add(out, all.items[i]);
	strlist_release(&all);
}

/* ---- config ---- */

int cmd_load_config(struct cmd_ctx *ctx)
{
	struct strbuf err = STRBUF_INIT;

	if (ctx->cfg_loaded)
		return 0;
	if (config_load(ctx->config_path, &ctx->cfg, &err) < 0) {
		strbuf_rtrim(&err);
		error("invalid configuration:\n%s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	ctx->cfg_loaded = 1;
	return 0;
}

int cmd_need_section(struct cmd_ctx *ctx, int provider)
{
	if (cmd_load_config(ctx) < 0)
		return EXIT_USAGE;
	if (provider ? !ctx->cfg.provider : !ctx->cfg.consumer) {
		error("%s has no %s section", ctx->config_path, provider ? "provider" : "consumer");
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_need_leader(const char *what)
{
	int leader;

	if (juju_is_leader(&leader) < 0)
		return EXIT_FAIL;
	if (!leader) {
		error("this unit is not the leader: only the leader %s (run it on the leader unit)", what);
		return EXIT_FAIL;
	}
	return 0;
}

static int need_consumer(struct cmd_ctx *ctx)
{
	return cmd_need_section(ctx, 0);
}

static int no_args(const char *name, int argc)
{
	if (argc > 0) {
		error("%s takes no arguments (see svcmesh-hook help %s)", name, name);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- hooks ---- */

static int run_hook(struct cmd_ctx *ctx, const char *hook)
{
	unsigned acts;
	int leader;

	if (cmd_load_config(ctx) < 0)
		return EXIT_USAGE;
	juju_set_hook(hook);
	acts = hook_actions(&ctx->cfg, hook);
	if (!acts)
		return EXIT_OK;
	/* every action writes Juju or Kubernetes state: leader only */
	if (juju_is_leader(&leader) < 0)
		return EXIT_FAIL;
	if (!leader)
		return EXIT_OK;   /* quietly: a log line would cost a juju-log call on every unit */
	for (size_t i = 0; i < ARRAY_SIZE(action_fns); i++)
		if ((acts & action_fns[i].bit) && action_fns[i].fn(ctx) < 0)
			return EXIT_FAIL;
	return EXIT_OK;
}

static int cmd_dispatch(struct cmd_ctx *ctx, int argc, const char **argv)
{
	const char *dp = getenv("JUJU_DISPATCH_PATH"), *hook;

	(void)argv;
	if (no_args("dispatch", argc))
		return EXIT_USAGE;
	if (!dp || !*dp) {
		error("no hook to handle: JUJU_DISPATCH_PATH is not set (run a subcommand by hand, see svcmesh-hook help)");
		return EXIT_USAGE;
	}
	hook = strrchr(dp, '/');
	hook = hook ? hook + 1 : dp;
	return run_hook(ctx, hook);
}

/* ---- subcommands ---- */

static int cmd_policies(struct cmd_ctx *ctx, int argc, const char **argv)
{
	struct policy_list pl = POLICY_LIST_INIT;
	struct strbuf out = STRBUF_INIT;
	int rc;

	(void)argv;
	if ((rc = no_args("policies", argc)) || (rc = need_consumer(ctx)))
		return rc;
	if (consumer_compute(ctx->cfg.consumer, &pl) < 0)
		return EXIT_FAIL;
	policy_list_emit(&out, &pl);
	puts(out.buf);
	strbuf_release(&out);
	policy_list_release(&pl);
	return EXIT_OK;
}

static int cmd_update(struct cmd_ctx *ctx, int argc, const char **argv)
{
	int rc, changed = 0;

	(void)argv;
	if ((rc = no_args("update", argc)) || (rc = need_consumer(ctx)))
		return rc;
	if ((rc = cmd_need_leader("publishes")))
		return rc;
	if (consumer_send_cmr_data(ctx->cfg.consumer, NULL) < 0 ||
	    consumer_publish(ctx->cfg.consumer, &changed) < 0)
		return EXIT_FAIL;
	printf("%s\n", changed ? "policies published" : "policies already up to date");
	return EXIT_OK;
}

static int cmd_labels(struct cmd_ctx *ctx, int argc, const char **argv)
{
	struct kvlist labels = KVLIST_INIT;
	struct strbuf out = STRBUF_INIT;
	struct json *o;
	int rc;

	(void)argv;
	if ((rc = no_args("labels", argc)) || (rc = need_consumer(ctx)))
		return rc;
	if (consumer_provider_data(ctx->cfg.consumer, NULL, &labels, NULL, NULL) < 0)
		return EXIT_FAIL;
	o = json_object_from_kvlist(&labels);
	json_emit(&out, o);
	puts(out.buf);
	json_free(o);
	strbuf_release(&out);
	kvlist_release(&labels);
	return EXIT_OK;
}

static int cmd_mesh_type(struct cmd_ctx *ctx, int argc, const char **argv)
{
	char *type = NULL;
	int rc;

	(void)argv;
	if ((rc = no_args("mesh-type", argc)) || (rc = need_consumer(ctx)))
		return rc;
	if (consumer_provider_data(ctx->cfg.consumer, NULL, NULL, NULL, &type) < 0)
		return EXIT_FAIL;
	puts(type ? type : "null");
	free(type);
	return EXIT_OK;
}

static int cmd_enabled(struct cmd_ctx *ctx, int argc, const char **argv)
{
	int rc, related = 0;

	(void)argv;
	if ((rc = no_args("enabled", argc)) || (rc = need_consumer(ctx)))
		return rc;
	/* as the Python library: in the mesh as soon as the relation exists
	 * (and no longer once it is being broken) */
	if (consumer_provider_data(ctx->cfg.consumer, &related, NULL, NULL, NULL) < 0)
		return EXIT_FAIL;
	puts(related ? "true" : "false");
	return EXIT_OK;
}

static int cmd_list_hooks(struct cmd_ctx *ctx, int argc, const char **argv)
{
	struct strlist names = STRLIST_INIT;

	(void)argv;
	if (no_args("list-hooks", argc))
		return EXIT_USAGE;
	if (cmd_load_config(ctx) < 0)
		return EXIT_USAGE;
	hook_names(&ctx->cfg, &names);
	for (size_t i = 0; i < names.n; i++)
		puts(names.items[i]);
	strlist_release(&names);
	return EXIT_OK;
}

static int cmd_reconcile_labels(struct cmd_ctx *ctx, int argc, const char **argv)
{
	int rc;

	(void)argv;
	if ((rc = no_args("reconcile-labels", argc)) || (rc = need_consumer(ctx)))
		return rc;
	if (!ctx->cfg.consumer->auto_join) {
		error("auto-join is false in %s: svcmesh-hook does not manage labels", ctx->config_path);
		return EXIT_USAGE;
	}
	if ((rc = cmd_need_leader("changes Kubernetes objects")))
		return rc;
	return sync_labels(ctx, 0, 0) < 0 ? EXIT_FAIL : EXIT_OK;
}

static int cmd_plan_labels(struct cmd_ctx *ctx, int argc, const char **argv)
{
	int rc;

	(void)argv;
	if ((rc = no_args("plan-labels", argc)) || (rc = need_consumer(ctx)))
		return rc;
	return sync_labels(ctx, 0, 1) < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct entry *find_subcommand(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (table[i].kind == SUBCOMMAND && !strcmp(table[i].name, name))
			return &table[i];
	return NULL;
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
		"Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (table[i].kind == SUBCOMMAND)
			fprintf(f, "  %-16s %s\n", table[i].name, table[i].help);
	fprintf(f,
		"\n"
		"Options:\n"
		"  --config FILE  service-mesh.yaml to use (default: $SVCMESH_CONFIG, else\n"
		"                 $JUJU_CHARM_DIR/service-mesh.yaml)\n"
		"  --verbose      also print every log line on stderr\n"
		"  --help, --version\n"
		"\n"
		"Exit status: 0 done, 1 a hook tool / kubectl / system failure (Juju retries\n"
		"the hook), 2 bad command line or bad service-mesh.yaml.\n");
}

static int cmd_help(struct cmd_ctx *ctx, int argc, const char **argv)
{
	const struct entry *e;

	(void)ctx;
	if (argc == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	e = find_subcommand(argv[0]);
	if (!e) {
		error("no such command: %s", argv[0]);
		return EXIT_USAGE;
	}
	printf("usage: svcmesh-hook %s%s%s\n\n%s\n", e->name, *e->args ? " " : "", e->args, e->help);
	return EXIT_OK;
}

static int cmd_version(struct cmd_ctx *ctx, int argc, const char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	printf("svcmesh-hook %s\n", SVCMESH_VERSION);
	return EXIT_OK;
}

static const char *default_config_path(struct cmd_ctx *ctx, struct strbuf *sb)
{
	const char *env = getenv("SVCMESH_CONFIG"), *dir;

	if (env && *env) {
		ctx->config_explicit = 1;
		return env;
	}
	dir = juju_env()->charm_dir;
	strbuf_addf(sb, "%s/service-mesh.yaml", dir ? dir : ".");
	return sb->buf;
}

int commands_main(int argc, const char **argv, const char *hook_from_argv0)
{
	struct cmd_ctx ctx;
	struct strbuf pathbuf = STRBUF_INIT;
	const char **rest = xcalloc((size_t)argc + 1, sizeof(*rest));
	const struct entry *e = NULL;
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
			rest[0] = "version";
			nrest = 1;
			break;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	log_set_verbose(ctx.verbose);
	if (ctx.config_path)
		ctx.config_explicit = 1;
	else
		ctx.config_path = default_config_path(&ctx, &pathbuf);

	if (hook_from_argv0) {
		rc = run_hook(&ctx, hook_from_argv0);
	} else if (want_help) {
		rc = cmd_help(&ctx, nrest ? 1 : 0, rest);
	} else if (nrest == 0) {
		rc = cmd_dispatch(&ctx, 0, rest);
	} else if ((e = find_subcommand(rest[0])) != NULL) {
		rc = e->fn(&ctx, nrest - 1, rest + 1);
	} else {
		error("unknown %s: %s (see svcmesh-hook --help)", rest[0][0] == '-' ? "option" : "command", rest[0]);
		rc = EXIT_USAGE;
	}
	if (ctx.cfg_loaded)
		config_release(&ctx.cfg);
	free(rest);
	strbuf_release(&pathbuf);
	return rc;
}
