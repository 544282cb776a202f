/* stats.c - per-run cost counters; see stats.h. */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "formats/json.h"
#include "transports/stats.h"
#include "base/strbuf.h"

struct stats stats;
static long start_user_us, start_sys_us;

static long tv_us(const struct timeval *tv)
{
	return (long)tv->tv_sec * 1000000 + (long)tv->tv_usec;
}

void stats_start(void)
{
	struct rusage ru;

	/* CPU spent before exec (in whoever forked us) is not ours */
	getrusage(RUSAGE_SELF, &ru);
	start_user_us = tv_us(&ru.ru_utime);
	start_sys_us = tv_us(&ru.ru_stime);
}

/* Peak resident memory of this program image in KiB. ru_maxrss would also
 * count the image of whatever forked and exec'd us (a 13 MiB Python
 * driver, say), so read the kernel's high-water mark for our own mm. */
static long peak_rss_kb(const struct rusage *ru)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6)) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return kb > 0 ? kb : ru->ru_maxrss;
}

void stats_write(const char *command, int exit_code)
{
	const char *path = getenv("SVCMESH_STATS");
	struct strbuf sb = STRBUF_INIT;
	struct rusage ru;
	FILE *f;

	if (!path || !*path)
		return;
	getrusage(RUSAGE_SELF, &ru);
	strbuf_addstr(&sb, "{\"command\": ");
	json_emit_string(&sb, command, strlen(command));
	strbuf_addf(&sb, ", \"exit\": %d, \"tool_calls\": %u, \"kubectl_calls\": %u, \"kube_writes\": %u, "
		    "\"relation_bytes\": %zu, \"cpu_user_us\": %ld, \"cpu_sys_us\": %ld, \"maxrss_kb\": %ld}\n",
		    exit_code, stats.tool_calls, stats.kubectl_calls, stats.kube_writes, stats.relation_bytes,
		    tv_us(&ru.ru_utime) - start_user_us, tv_us(&ru.ru_stime) - start_sys_us, peak_rss_kb(&ru));
	f = fopen(path, "a");
	if (f) {
		fputs(sb.buf, f);
		fclose(f);
	}
	strbuf_release(&sb);
}
