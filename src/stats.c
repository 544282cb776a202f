/* stats.c - per-run cost counters; see stats.h. */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "json.h"
#include "stats.h"
#include "strbuf.h"

struct stats stats;

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
		    (long)ru.ru_utime.tv_sec * 1000000 + (long)ru.ru_utime.tv_usec,
		    (long)ru.ru_stime.tv_sec * 1000000 + (long)ru.ru_stime.tv_usec, ru.ru_maxrss);
	f = fopen(path, "a");
	if (f) {
		fputs(sb.buf, f);
		fclose(f);
	}
	strbuf_release(&sb);
}
