/* settings.c - service-mesh.yaml settings and their SVCMESH_* overrides;
 * see settings.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/config.h"
#include "base/log.h"
#include "transports/run.h"
#include "formats/settings.h"
#include "base/util.h"

#define MAX_SECONDS 86400

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
	if (!(v > 0) || v > MAX_SECONDS)
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
	if (n < 1 || n > RUN_MAX_JOBS)
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

/* One value: from the variable, else the config, else the default. */
static struct {
	int env_read;
	int env_tool_ms, env_kubectl_ms, env_jobs;   /* 0: unset */
	int env_verbose, env_remember;                /* -1: unset */
	char *env_kubectl;
	struct cfg_settings cfg;   /* copy; kubectl owned */
} st = { 0, 0, 0, 0, -1, -1, NULL, { 0, 0, 0, NULL, -1, -1 } };

static void warn_env(const char *name, const char *value, const char *want, const char *instead)
{
	log_warning("%s='%.40s%s' is not %s; ignoring it and using %s", name, value,
		    strlen(value) > 40 ? "..." : "", want, instead);
	/* visible without --verbose: an override that does nothing must say so */
	if (!settings_verbose())
		fprintf(stderr, "svcmesh-hook: warning: %s='%.40s%s' is not %s; ignoring it and using %s\n",
			name, value, strlen(value) > 40 ? "..." : "", want, instead);
}

static const char *env_value(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static void read_env(void)
{
	const char *v;

	if (st.env_read)
		return;
	st.env_read = 1;
	if ((v = env_value("SVCMESH_VERBOSE")) && settings_parse_bool(v, &st.env_verbose) < 0) {
		st.env_verbose = -1;
		warn_env("SVCMESH_VERBOSE", v, "0, 1, true or false", "settings.verbose or false");
	}
	if ((v = env_value("SVCMESH_TIMEOUT")) && settings_parse_seconds(v, &st.env_tool_ms) < 0) {
		st.env_tool_ms = 0;
		warn_env("SVCMESH_TIMEOUT", v, "a number of seconds (0 < s <= 86400)",
			 "settings.hook-tool-timeout or 30");
	}
	if ((v = env_value("SVCMESH_KUBECTL_TIMEOUT")) && settings_parse_seconds(v, &st.env_kubectl_ms) < 0) {
		st.env_kubectl_ms = 0;
		warn_env("SVCMESH_KUBECTL_TIMEOUT", v, "a number of seconds (0 < s <= 86400)",
			 "settings.kubectl-timeout or the hook-tool timeout");
	}
	if ((v = env_value("SVCMESH_JOBS")) && settings_parse_jobs(v, &st.env_jobs) < 0) {
		st.env_jobs = 0;
		warn_env("SVCMESH_JOBS", v, "a whole number from 1 to 64", "settings.jobs or 8");
	}
	if ((v = env_value("SVCMESH_REMEMBER")) && settings_parse_bool(v, &st.env_remember) < 0) {
		st.env_remember = -1;
		warn_env("SVCMESH_REMEMBER", v, "0, 1, true or false", "settings.remember-apps or true");
	}
	if ((v = env_value("SVCMESH_KUBECTL")))
		st.env_kubectl = xstrdup(v);
}

void settings_use_config(const struct cfg_settings *cfg)
{
	free(st.cfg.kubectl);
	memset(&st.cfg, 0, sizeof(st.cfg));
	st.cfg.verbose = st.cfg.remember_apps = -1;
	if (cfg) {
		st.cfg = *cfg;
		st.cfg.kubectl = cfg->kubectl ? xstrdup(cfg->kubectl) : NULL;
	}
	read_env();
}

void settings_reset(void)
{
	settings_use_config(NULL);
	free(st.env_kubectl);
	st.env_kubectl = NULL;
	st.env_read = 0;
	st.env_tool_ms = st.env_kubectl_ms = st.env_jobs = 0;
	st.env_verbose = st.env_remember = -1;
}

int settings_tool_timeout_ms(void)
{
	read_env();
	if (st.env_tool_ms)
		return st.env_tool_ms;
	return st.cfg.hook_tool_timeout_ms ? st.cfg.hook_tool_timeout_ms : RUN_DEFAULT_TIMEOUT_MS;
}

int settings_kubectl_timeout_ms(void)
{
	read_env();
	if (st.env_kubectl_ms)
		return st.env_kubectl_ms;
	if (st.cfg.kubectl_timeout_ms)
		return st.cfg.kubectl_timeout_ms;
	return settings_tool_timeout_ms();
}

int settings_jobs(void)
{
	read_env();
	if (st.env_jobs)
		return st.env_jobs;
	return st.cfg.jobs ? st.cfg.jobs : RUN_DEFAULT_JOBS;
}

const char *settings_kubectl(const char **from)
{
	read_env();
	if (st.env_kubectl) {
		*from = "SVCMESH_KUBECTL";
		return st.env_kubectl;
	}
	*from = "settings.kubectl";
	return st.cfg.kubectl;
}

int settings_remember_apps(void)
{
	read_env();
	if (st.env_remember >= 0)
		return st.env_remember;
	return st.cfg.remember_apps != 0;
}

int settings_verbose(void)
{
	/* not read_env(): warn_env() asks this while the variables are read */
	if (st.env_verbose >= 0)
		return st.env_verbose;
	return st.cfg.verbose > 0;
}
