/* commands.h - the one table that drives everything svcmesh-hook answers
 * to: hook names (matched by event and by the role the endpoint plays in
 * service-mesh.yaml) and subcommands. The dispatcher, --help, list-hooks
 * and link-hooks all read this table, so they cannot drift apart.
 */
#ifndef SVCMESH_COMMANDS_H
#define SVCMESH_COMMANDS_H

#include "formats/config.h"
#include "base/kvlist.h"

/* The part an endpoint plays, from service-mesh.yaml. */
enum role {
	ROLE_NONE,          /* not a relation hook: install, upgrade-charm, ... */
	ROLE_MESH,          /* consumer.mesh-relation */
	ROLE_CMR_REQUIRES,  /* consumer.cross-model-mesh-requires */
	ROLE_CMR_PROVIDES,  /* consumer.cross-model-mesh-provides */
	ROLE_POLICY,        /* an endpoint named by a consumer policy */
	ROLE_PROVIDER_MESH, /* provider.mesh-relation */
};

/* What a hook does (bits). */
enum action {
	ACT_POLICIES = 1 << 0,        /* consumer: rebuild and publish policies (leader) */
	ACT_CMR_DATA = 1 << 1,        /* consumer: send cmr_data on this relation (leader) */
	ACT_LABELS = 1 << 2,          /* consumer auto-join: reconcile labels (leader) */
	ACT_UNLABEL = 1 << 3,         /* consumer auto-join: remove labels, delete ConfigMap (leader) */
	ACT_PROVIDER_PUBLISH = 1 << 4, /* provider: publish labels and mesh_type (leader) */
	ACT_PROVIDER_APPLY = 1 << 5,  /* provider: apply AuthorizationPolicies (leader, manage-policies) */
	ACT_PROVIDER_REMOVE = 1 << 6, /* provider: last unit removed, delete owned policies (any unit, manage-policies) */
};

/* Output formats a data-printing subcommand may take (--format, with
 * -o/--output as aliases); the table says which ones each accepts. */
enum out_format {
	FMT_TEXT = 1 << 0,   /* for people: status, mesh-type, enabled */
	FMT_JSON = 1 << 1,   /* exactly the bytes the charm publishes (indented on a terminal by default) */
	FMT_YAML = 1 << 2,
};

/* Global options and state handed to every command. */
struct cmd_ctx {
	const char *config_path;   /* resolved path of service-mesh.yaml */
	int config_explicit;       /* 1: from --config or SVCMESH_CONFIG, not the default */
	struct mesh_config cfg;    /* loaded on demand by cmd_load_config() */
	int cfg_loaded;
	int verbose;
	enum out_format format;    /* the subcommand's --format, else its default */
	int format_given;          /* 1: --format (or -o/--output) was on the command line */
};

/* Print JSON text (compact, as the charm publishes it) in ctx->format:
 * json: the bytes as they are, except that with no --format and a
 * terminal on stdout they are indented for reading; yaml: as YAML.
 * A newline follows. Returns 0, or -1 after error(). */
int cmd_print_json(const struct cmd_ctx *ctx, const char *json_text);

/* Load ctx->cfg once; on error print FILE:LINE:COL lines and return -1. */
int cmd_load_config(struct cmd_ctx *ctx);

/* Load the config and require its consumer (provider = 0) or provider
 * section: 0, or the exit code to return (the reason already reported). */
int cmd_need_section(struct cmd_ctx *ctx, int provider);

/* For subcommands that write: 0 on the leader, else EXIT_FAIL after
 * "this unit is not the leader: only the leader WHAT ..." (is-leader asked once). */
int cmd_need_leader(const char *what);

/* The actions the table gives hook for this config (0: nothing to do). */
unsigned hook_actions(const struct mesh_config *cfg, const char *hook);
/* Every hook name this config needs, in table order (for link-hooks). */
void hook_names(const struct mesh_config *cfg, struct strlist *out);

/* Run the command line (argv[0] already removed); returns the exit code. */
int commands_main(int argc, const char **argv, const char *hook_from_argv0);

#endif
