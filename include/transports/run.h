/* run.h - run another program (a Juju hook tool, kubectl) safely.
 *
 * After git's run-command: an argv vector (never a shell), started with
 * posix_spawnp() (no fork of our address space; exec failure is its return
 * value), in its own process group with SIGPIPE at its default, stdin fed
 * from memory (or /dev/null), stdout and
 * stderr captured through one poll() loop with a size cap, and an absolute
 * monotonic deadline: at the deadline the child's whole process group gets
 * SIGTERM, then SIGKILL after RUN_KILL_GRACE_MS.
 *
 * run_children() runs a batch the same way, up to `jobs` at once, for
 * independent questions (one relation-list per relation): the wall time of
 * a batch is that of its slowest round rather than the sum, and one poll()
 * wakes for whichever child is ready. Each child keeps its own deadline.
 *
 * Ownership: the caller owns struct child and its argv; run_child() fills
 * c->out and c->err, which the caller releases with child_release().
 */
#ifndef SVCMESH_RUN_H
#define SVCMESH_RUN_H

#include <stddef.h>
#include "base/strbuf.h"
#include "formats/settings.h"

#define RUN_KILL_GRACE_MS 2000
#define RUN_MAX_OUTPUT (64u * 1024 * 1024)
/* The deadline and batch size are settings (formats/settings.h):
 * settings_tool_timeout_ms(), settings_jobs(). */
#define RUN_DEFAULT_TIMEOUT_MS SETTINGS_DEFAULT_TIMEOUT_MS
#define RUN_DEFAULT_JOBS SETTINGS_DEFAULT_JOBS
#define RUN_MAX_JOBS SETTINGS_MAX_JOBS

struct child {
	const char *const *argv;   /* argv[0] is looked up on PATH unless it has a '/' */
	const char *in;            /* data for stdin; NULL means /dev/null */
	size_t in_len;
	int timeout_ms;            /* 0: settings_tool_timeout_ms() */
	/* results */
	struct strbuf out;
	struct strbuf err;
	int status;                /* exit status, or 128 + signal number */
	int timed_out;             /* 1 if killed at the deadline */
	int started;               /* 0: never ran (start_errno says why, or an
				      earlier child of the batch failed) */
	int start_errno;
};
#define CHILD_INIT { NULL, NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, 0, 0, 0, 0 }

/* Run the child to completion. Returns 0 when it ran and exited 0.
 * Otherwise returns -1 after reporting through error() a message naming
 * the program, how it ended (exit status N, killed by signal, timed out
 * after S s, could not be started) and the tail of its stderr. */
int run_child(struct child *c);
/* Like run_child() but does not report a non-zero exit (it still returns
 * -1 for it): for callers that treat some exit codes as answers. Failures
 * to start and timeouts are reported. */
int run_child_quiet(struct child *c);
/* Run cs[0..n) to completion, up to jobs of them at once, each with its
 * own deadline. Returns 0 when every child ran and exited 0. Otherwise
 * -1 and reports nothing: once a child has failed (or could not be
 * started) no further one is started, and the caller reports each child
 * with started && status != 0, or start_errno, through child_error(). */
int run_children(struct child *cs, size_t n, int jobs);
/* Report c's failure through error() (for callers of run_child_quiet()). */
int child_error(const struct child *c);
void child_release(struct child *c);

#endif
