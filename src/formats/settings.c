/* settings.c - service-mesh.yaml settings and their SVCMESH_* overrides;
 * see settings.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "formats/settings.h"
#include "base/util.h"

#define ROW(key, env, kind, field, def, def_text) \
	{ key, env, kind, offsetof(struct cfg_settings, field), def, def_text }

/* The rows, in service-mesh.yaml's order (config.c lists the keys so). */
enum { TOOL_TIMEOUT, KUBECTL_TIMEOUT, JOBS, KUBECTL, VERBOSE, REMEMBER };

const struct setting settings_table[] = {
	[TOOL_TIMEOUT] = ROW("hook-tool-timeout", "SVCMESH_TIMEOUT", SETTING_SECONDS,
			     hook_tool_timeout_ms, SETTINGS_DEFAULT_TIMEOUT_MS, "30"),
	[KUBECTL_TIMEOUT] = ROW("kubectl-timeout", "SVCMESH_KUBECTL_TIMEOUT", SETTING_SECONDS,
				kubectl_timeout_ms, 0, "the hook-tool timeout"),
	[JOBS] = ROW("jobs", "SVCMESH_JOBS", SETTING_JOBS, jobs, SETTINGS_DEFAULT_JOBS, "8"),
	[KUBECTL] = ROW("kubectl", "SVCMESH_KUBECTL", SETTING_PATH, kubectl, 0, NULL),
	[VERBOSE] = ROW("verbose", "SVCMESH_VERBOSE", SETTING_BOOL, verbose, 0, "false"),
	[REMEMBER] = ROW("remember-apps", "SVCMESH_REMEMBER", SETTING_BOOL, remember_apps, 1, "true"),
};
const size_t settings_count = ARRAY_SIZE(settings_table);

int settings_parse_seconds(const char *s, int *ms)
{
	const char *p = s;
	double v;
	int digits = 0;

	/* digits [. digits]: strtod alone would take inf, nan, hex, exponents
	 * and leading blanks */
	while (isdigit((unsigned char)*p))
		p++, digits++;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++, digits++;
	}
	if (!digits || *p || p - s > 32)
		return -1;
	v = strtod(s, NULL);
	if (!(v > 0) || v > SETTINGS_MAX_SECONDS)
		return -1;
	*ms = (int)(v * 1000 + 0.5);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

int settings_parse_jobs(const char *s, int *jobs)
{
	long n = 0;
	const char *p;

	if (!*s || strlen(s) > 8)
		return -1;
	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (n < 1 || n > SETTINGS_MAX_JOBS)
		return -1;
	*jobs = (int)n;
	return 0;
}

int settings_parse_bool(const char *s, int *v)
{
	if (!strcmp(s, "1") || !strcasecmp(s, "true"))
		*v = 1;
	else if (!strcmp(s, "0") || !strcasecmp(s, "false"))
		*v = 0;
	else
		return -1;
	return 0;
}

/* Each kind's parser of a variable, and what the variable must be. */
static const struct {
	int (*parse)(const char *s, int *v);
	const char *want;
} kinds[] = {
	[SETTING_SECONDS] = { settings_parse_seconds, "a number of seconds (0 < s <= 86400)" },
	[SETTING_JOBS] = { settings_parse_jobs, "a whole number from 1 to 64" },
	[SETTING_BOOL] = { settings_parse_bool, "0, 1, true or false" },
};

#define UNSET { 0, 0, 0, NULL, -1, -1 }

/* One value: from the variable, else the config, else the default. */
static struct {
	int env_read;
	struct cfg_settings env;   /* kubectl owned */
	struct cfg_settings cfg;   /* copy; kubectl owned */
} st = { 0, UNSET, UNSET };

#define ENV_WARNING "%s='%.40s%s' is not %s; ignoring it and using settings.%s or %s"

static void warn_env(const struct setting *row, const char *value)
{
	const char *more = strlen(value) > 40 ? "..." : "";

	log_warning(ENV_WARNING, row->env, value, more, kinds[row->kind].want, row->key, row->def_text);
	/* visible without --verbose: an override that does nothing must say so */
	if (!settings_verbose())
		fprintf(stderr, "svcmesh-hook: warning: " ENV_WARNING "\n", row->env, value, more,
			kinds[row->kind].want, row->key, row->def_text);
}

/* The row's variable into st.env; unset when empty or not valid. */
static void read_var(const struct setting *row)
{
	const char *v = getenv(row->env);
	void *dst = (char *)&st.env + row->offset;

	if (!v || !*v)
		return;
	if (row->kind == SETTING_PATH)
		*(char **)dst = xstrdup(v);
	else if (kinds[row->kind].parse(v, dst) < 0)
		warn_env(row, v);
}

static void read_env(void)
{
	if (st.env_read)
		return;
	st.env_read = 1;
	/* verbose first: warn_env() asks it whether to print to stderr */
	read_var(&settings_table[VERBOSE]);
	for (size_t i = 0; i < settings_count; i++)
		if (i != VERBOSE)
			read_var(&settings_table[i]);
}

void settings_use_config(const struct cfg_settings *cfg)
{
	free(st.cfg.kubectl);
	st.cfg = (struct cfg_settings)UNSET;
	if (cfg) {
		st.cfg = *cfg;
		st.cfg.kubectl = cfg->kubectl ? xstrdup(cfg->kubectl) : NULL;
	}
	read_env();
}

void settings_reset(void)
{
	settings_use_config(NULL);
	free(st.env.kubectl);
	st.env = (struct cfg_settings)UNSET;
	st.env_read = 0;
}

/* An int setting: the variable, else the config, else the row's default
 * (the booleans' "not set" is -1, the others' 0). */
static int value(int row)
{
	const struct setting *s = &settings_table[row];
	int unset = s->kind == SETTING_BOOL ? -1 : 0;
	int e, c;

	read_env();
	e = *(const int *)((const char *)&st.env + s->offset);
	c = *(const int *)((const char *)&st.cfg + s->offset);
	return e != unset ? e : c != unset ? c : s->def;
}

int settings_tool_timeout_ms(void)
{
	return value(TOOL_TIMEOUT);
}

int settings_kubectl_timeout_ms(void)
{
	int ms = value(KUBECTL_TIMEOUT);

	return ms ? ms : settings_tool_timeout_ms();
}

int settings_jobs(void)
{
	return value(JOBS);
}

const char *settings_kubectl(const char **from)
{
	read_env();
	if (st.env.kubectl) {
		*from = "SVCMESH_KUBECTL";
		return st.env.kubectl;
	}
	*from = "settings.kubectl";
	return st.cfg.kubectl;
}

int settings_remember_apps(void)
{
	return value(REMEMBER) != 0;
}

int settings_verbose(void)
{
	/* not value(): warn_env() asks this while the variables are read */
	if (st.env.verbose >= 0)
		return st.env.verbose;
	return st.cfg.verbose > 0;
}
