/* command.h - what every command shares: the row a command is described
 * by (struct cmd_entry, with the needs the dispatcher checks), the state handed to it (struct cmd_ctx), and
 * the helpers for reading the config, reporting usage errors and printing JSON in the chosen --format.
 *
 * Each cmd-<name>.c defines its command's function and row and uses this
 * header only; the list of rows, and the dispatcher reading it, are in
 * dispatch.c. Exit codes are base/util.h's enum exit_code.
 */
#ifndef SVCMESH_COMMAND_H
#define SVCMESH_COMMAND_H

#include "formats/config.h"
#include "base/kvlist.h"
#include "base/strbuf.h"
#include "base/util.h"

/* Output formats a data-printing subcommand may take (--format, with
 * -o/--output as aliases); its row says which ones it accepts. */
enum out_format {
	FMT_TEXT = 1 << 0,   /* for people: status, mesh-type, enabled */
	FMT_JSON = 1 << 1,   /* exactly the bytes the charm publishes (indented on a terminal by default) */
	FMT_YAML = 1 << 2,
};

struct cmd_entry;
struct json;

/* What a command needs before it runs: the dispatcher checks a row's
 * needs once, in this order (after --format), and the command's function
 * runs only when all hold. A failed check has been reported and gives
 * exit 2, but for the leader's (exit 1). */
enum cmd_needs {
	NEED_CONTEXT = 1 << 0,         /* a Juju context (juju_context()): a hook or juju exec */
	NEED_NO_ARGS = 1 << 1,         /* no arguments ("NAME takes no arguments") */
	NEED_ONLY_STRICT = 1 << 2,     /* no arguments but --strict, which sets ctx->strict */
	NEED_CONFIG = 1 << 3,          /* service-mesh.yaml loaded (cmd_load_config()) */
	NEED_CONSUMER = 1 << 4,        /* ... with a consumer section */
	NEED_PROVIDER = 1 << 5,        /* ... with a provider section */
	NEED_AUTO_JOIN = 1 << 6,       /* the consumer's auto-join is on */
	NEED_MANAGE_POLICIES = 1 << 7, /* the provider's manage-policies is on */
	NEED_LEADER = 1 << 8,          /* this unit is the leader (.leader_what says why) */
};

/* Global options and state handed to every command. */
struct cmd_ctx {
	const struct cmd_entry *cmd; /* the command running (its row) */
	int argc;                  /* its arguments, --format taken out */
	const char **argv;
	int strict;                /* NEED_ONLY_STRICT: --strict was given */
	const char *config_path;   /* resolved path of service-mesh.yaml */
	int config_explicit;       /* 1: from --config or SVCMESH_CONFIG, not the default */
	struct mesh_config cfg;    /* loaded on demand by cmd_load_config() */
	int cfg_loaded;
	int verbose;
	enum out_format format;    /* the subcommand's --format, else its default */
	int format_given;          /* 1: --format (or -o/--output) was on the command line */
};

/* A command's function (its arguments in ctx); returns the exit code. */
typedef int (*cmd_fn)(struct cmd_ctx *ctx);

/* One subcommand: its row in the list that --help, help and the
 * dispatcher read. */
struct cmd_entry {
	const char *name;
	cmd_fn fn;
	const char *args;      /* argument synopsis: the one usage text */
	const char *help;      /* one line */
	unsigned formats;      /* the --format values it takes (0: none) */
	enum out_format def;   /* the format without --format */
	const char *options;   /* its own options, "  --x  what it does\n" each */
	const char *example;   /* one example command line */
	int published;         /* its JSON is relation data, byte for byte */
	unsigned needs;        /* enum cmd_needs: checked by the dispatcher */
	const char *leader_what; /* NEED_LEADER: "only the leader WHAT" */
};

/* Print JSON text (compact, as the charm publishes it) in ctx->format:
 * json: the bytes as they are, except that with no --format and a
 * terminal on stdout they are indented for reading; yaml: as YAML.
 * A newline follows. Returns EXIT_OK, or EXIT_FAIL after error(). */
int cmd_print_json(const struct cmd_ctx *ctx, const char *json_text);
/* The same for a JSON value, which it takes (json_free()). */
int cmd_print_tree(const struct cmd_ctx *ctx, struct json *v);

/* A scalar (mesh-type, enabled): text as it is in FMT_TEXT, else v
 * through cmd_print_tree(); takes v. Returns as cmd_print_json(). */
int cmd_print_scalar(const struct cmd_ctx *ctx, const char *text, struct json *v);

/* "NAME: MESSAGE (usage: svcmesh-hook NAME ARGS)" for ctx->cmd, as an
 * error; returns EXIT_USAGE. */
int cmd_usage_error(const struct cmd_ctx *ctx, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Load ctx->cfg once; on error print FILE:LINE:COL lines and return -1. */
int cmd_load_config(struct cmd_ctx *ctx);


/* What cmd_wanted_labels() found. */
enum wanted_labels { WANT_NO_RELATION = 0, WANT_LABELS = 1, WANT_UNREADABLE = 2 };
/* What the provider wants on this unit's objects (consumer c):
 * WANT_LABELS with *labels and *held filled (consumer.h
 * consumer_provider_data()), or why there is nothing to reconcile (said
 * in why), -1 on failure. */
int cmd_wanted_labels(const struct cfg_consumer *c, struct kvlist *labels, struct strlist *held,
		      struct strbuf *why);
/* plan-labels (apply = 0) and reconcile-labels (1): the plan, then
 * (apply) make it so; one line says what was (or would be) done, or why
 * nothing. Returns the exit code. */
int cmd_labels_plan(struct cmd_ctx *ctx, int apply);

/* The charm directory of a command taking [CHARM_DIR]: dir_arg, else
 * $JUJU_CHARM_DIR (or $CHARM_DIR), else "." (borrowed, not to be freed). */
const char *charm_dir_default(const char *dir_arg);
/* The service-mesh.yaml such a command reads (caller frees): --config
 * when it was given, else DIR/service-mesh.yaml when dir_arg was given,
 * else ctx->config_path ($SVCMESH_CONFIG or the charm dir's). */
char *charm_config_path(const struct cmd_ctx *ctx, const char *dir_arg);

#endif
