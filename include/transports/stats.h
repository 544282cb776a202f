/* stats.h - what one run of svcmesh-hook cost, for benchmarks and the
 * call-budget tests. Modules bump the counters; main() writes one JSON
 * line to the file named by SVCMESH_STATS (if set) when the run ends:
 * {"command": ..., "exit": N, "tool_calls": N, "kubectl_calls": N,
 *  "kube_writes": N, "relation_bytes": N, "cpu_user_us": N,
 *  "cpu_sys_us": N, "maxrss_kb": N}
 * CPU time is this process's own (RUSAGE_SELF), not its children's; peak
 * memory is the high-water mark of this program image (VmHWM).
 */
#ifndef SVCMESH_STATS_H
#define SVCMESH_STATS_H

#include <stddef.h>

struct stats {
	unsigned tool_calls;      /* hook-tool processes (juju-log included) */
	unsigned kubectl_calls;   /* kubectl processes */
	unsigned kube_writes;     /* API writes asked of kubectl */
	size_t relation_bytes;    /* bytes sent to relation-set */
};

extern struct stats stats;

/* Note the CPU already spent when main() starts (not ours). */
void stats_start(void);
/* Append the statistics line to $SVCMESH_STATS (best effort). */
void stats_write(const char *command, int exit_code);

#endif
