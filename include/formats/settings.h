/* settings.h - the knobs that change how a hook runs, from the `settings:`
 * section of service-mesh.yaml, each overridable by an SVCMESH_* variable
 * (for `juju exec` debugging: a hook that is a plain symlink gets no such
 * variable from Juju, so the config is the charm author's way to set them).
 *
 *   setting (service-mesh.yaml)   variable                  default
 *   settings.hook-tool-timeout    SVCMESH_TIMEOUT           30 s   (0 < s <= 86400)
 *   settings.kubectl-timeout      SVCMESH_KUBECTL_TIMEOUT   the hook-tool timeout
 *   settings.jobs                 SVCMESH_JOBS              8      (1..64)
 *   settings.kubectl              SVCMESH_KUBECTL           lookup, see kube.h
 *   settings.verbose              SVCMESH_VERBOSE           false  (0/1, true/false)
 *   settings.remember-apps        SVCMESH_REMEMBER          true   (0/1, true/false)
 *
 * A variable that is set but not valid (empty counts as unset) is not used:
 * one warning naming the variable and its value is logged ("warning:" on
 * stderr and WARNING in juju-log) and the config value or the default
 * applies. Variables are read once, on first use.
 *
 * The defaults and limits are here (run.c takes its deadline and batch
 * size from the getters below).
 *
 * Ownership: settings_use_config() copies what it needs; the values
 * returned stay valid until the next settings_use_config() or
 * settings_reset().
 */
#ifndef SVCMESH_SETTINGS_H
#define SVCMESH_SETTINGS_H

#include <stddef.h>

#define SETTINGS_MAX_SECONDS 86400
#define SETTINGS_DEFAULT_TIMEOUT_MS 30000
#define SETTINGS_DEFAULT_JOBS 8
#define SETTINGS_MAX_JOBS 64

/* The settings section of a config, or the variables; 0 / NULL / -1 (the
 * booleans) mean "not set". */
struct cfg_settings {
	int hook_tool_timeout_ms;
	int kubectl_timeout_ms;
	int jobs;
	char *kubectl;
	int verbose;
	int remember_apps;
};

/* The table above, one row per setting, in service-mesh.yaml's order:
 * config.c reads the YAML keys with it, settings.c the variables. */
enum setting_kind { SETTING_SECONDS, SETTING_JOBS, SETTING_PATH, SETTING_BOOL };
struct setting {
	const char *key;          /* under settings: in service-mesh.yaml */
	const char *env;          /* the SVCMESH_* variable */
	enum setting_kind kind;   /* its value parser */
	size_t offset;            /* of its value in struct cfg_settings */
	int def;                  /* the default (0: none; see the getters) */
	const char *def_text;     /* the default, as warnings name it */
};
extern const struct setting settings_table[];
extern const size_t settings_count;

/* Take the settings of a loaded config (NULL: none). */
void settings_use_config(const struct cfg_settings *cfg);
/* Forget config values and re-read the variables on next use (tests). */
void settings_reset(void);

int settings_tool_timeout_ms(void);
int settings_kubectl_timeout_ms(void);
int settings_jobs(void);
/* The kubectl setting: variable, else config (already resolved against
 * the charm dir when relative with a '/'), else NULL (look it up). *from
 * names where it came from ("SVCMESH_KUBECTL" or "settings.kubectl"). */
const char *settings_kubectl(const char **from);
int settings_verbose(void);
/* Keep relations' remote applications across hooks (jujuc.c's memo). */
int settings_remember_apps(void);

/* Parsing of one value, shared with config.c. Seconds: a decimal number
 * (no inf/nan/hex), 0 < s <= 86400, to milliseconds (at least 1). Jobs: a
 * decimal integer 1..64. Return 0, or -1 for anything else (leaving the
 * result as it was). */
int settings_parse_seconds(const char *s, int *ms);
int settings_parse_jobs(const char *s, int *jobs);
/* "0"/"1"/"true"/"false" (any case) -> 0/1; else -1. */
int settings_parse_bool(const char *s, int *v);

#endif
