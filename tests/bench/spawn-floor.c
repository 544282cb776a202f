/* spawn-floor.c - what running a hook tool costs the process that runs it.
 *
 *     spawn-floor N JOBS MODE -- ARGV...
 *
 * Runs ARGV N times (after one warm-up run that is not counted) and prints
 * one JSON line on stdout with the CPU this process spent (getrusage
 * RUSAGE_SELF around the loop: children excluded) per call:
 *
 *   {"mode": "bare", "n": 200, "jobs": 1, "cpu_us_per_call": 55.1,
 *    "cpu_user_us": ..., "cpu_sys_us": ..., "wall_ms": ...,
 *    "nvcsw_per_call": ...}
 *
 * MODE bare: posix_spawnp() with stdin, stdout and stderr on /dev/null,
 *   then waitpid(), JOBS children at a time: the least any program pays
 *   to run a tool.
 * MODE run:  svcmesh-hook's own run_children() (src/transports/run.c) on a batch of N
 *   children, JOBS at once, output captured as the hooks capture it.
 *
 * run-bench runs it inside `jujusim exec STATE -- ...` on a hook tool and
 * prints the figures next to the CPU targets. Exit status: 0, 1 when a
 * child fails (with a message naming it), 2 on a bad command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "transports/run.h"
#include "base/util.h"

#define MAX_CALLS 1000000

extern char **environ;

enum mode { MODE_BARE, MODE_RUN };

struct sample {
	struct rusage ru;
	struct timespec wall;
};

static void take(struct sample *s)
{
	getrusage(RUSAGE_SELF, &s->ru);
	clock_gettime(CLOCK_MONOTONIC, &s->wall);
}

static double tv_us(const struct timeval *a, const struct timeval *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e6 + (double)(b->tv_usec - a->tv_usec);
}

NORETURN static void usage(const char *msg)
{
	fprintf(stderr, "spawn-floor: %s\nusage: spawn-floor N JOBS bare|run -- ARGV...\n", msg);
	exit(EXIT_USAGE);
}

static long parse_count(const char *s, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		fprintf(stderr, "spawn-floor: %s must be an integer from 1 to %ld, not '%s'\n",
			what, max, s);
		exit(EXIT_USAGE);
	}
	return v;
}

/* Describe a wait status in *buf ("exit status N", "signal N"). */
static const char *describe(int wstatus, char *buf, size_t size)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(wstatus));
	else
		snprintf(buf, size, "wait status %#x", (unsigned)wstatus);
	return buf;
}

/* bare: n children, up to jobs at once, each on /dev/null. Returns 0, or
 * -1 after reporting the first child that failed (the others still
 * running are waited for). */
static int run_bare(char *const *argv, long n, int jobs, int devnull)
{
	posix_spawn_file_actions_t fa;
	long started = 0, active = 0;
	int ret = 0;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, devnull, 0);
	posix_spawn_file_actions_adddup2(&fa, devnull, 1);
	posix_spawn_file_actions_adddup2(&fa, devnull, 2);
	while (active || (started < n && !ret)) {
		char why[64];
		int wstatus;
		pid_t pid;

		while (!ret && started < n && active < jobs) {
			int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
			if (e) {
				fprintf(stderr, "spawn-floor: cannot run %s: %s\n", argv[0], strerror(e));
				ret = -1;
				break;
			}
			started++;
			active++;
		}
		if (!active)
			break;
		pid = waitpid(-1, &wstatus, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "spawn-floor: waitpid: %s\n", strerror(errno));
			ret = -1;
			break;
		}
		active--;
		if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
			if (!ret)
				fprintf(stderr, "spawn-floor: %s failed (%s)\n", argv[0],
					describe(wstatus, why, sizeof(why)));
			ret = -1;
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	return ret;
}

/* run: one batch of n children through run_children(), jobs at once.
 * Returns 0, or -1 after reporting each child that failed. */
static int run_batch(const char *const *argv, long n, int jobs)
{
	struct child *cs = xcalloc((size_t)n, sizeof(*cs));
	int ret = 0;
	long i;

	for (i = 0; i < n; i++) {
		struct child c = CHILD_INIT;
		c.argv = argv;
		cs[i] = c;
	}
	if (run_children(cs, (size_t)n, jobs) < 0) {
		for (i = 0; i < n; i++)
			if (cs[i].start_errno || (cs[i].started && (cs[i].status || cs[i].timed_out)))
				child_error(&cs[i]);
		ret = -1;
	}
	for (i = 0; i < n; i++)
		child_release(&cs[i]);
	free(cs);
	return ret;
}

static int run_mode(enum mode mode, char *const *argv, long n, int jobs, int devnull)
{
	if (mode == MODE_BARE)
		return run_bare(argv, n, jobs, devnull);
	return run_batch((const char *const *)argv, n, jobs);
}

int main(int argc, char **argv)
{
	struct sample a, b;
	enum mode mode;
	int devnull = -1, jobs;
	double user, sys;
	long n;

	if (argc < 6 || strcmp(argv[4], "--") != 0)
		usage("expected N JOBS MODE -- ARGV...");
	n = parse_count(argv[1], MAX_CALLS, "N");
	jobs = (int)parse_count(argv[2], RUN_MAX_JOBS, "JOBS");
	if (strcmp(argv[3], "bare") == 0)
		mode = MODE_BARE;
	else if (strcmp(argv[3], "run") == 0)
		mode = MODE_RUN;
	else
		usage("MODE must be bare or run");
	/* as svcmesh-hook's main() does */
	signal(SIGPIPE, SIG_IGN);
	if (mode == MODE_BARE) {
		/* one descriptor, above 2 so that dup2() onto 0-2 always clears
		 * its close-on-exec flag in the child */
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull >= 0 && devnull < 3) {
			int fd = fcntl(devnull, F_DUPFD_CLOEXEC, 3);
			close(devnull);
			devnull = fd;
		}
		if (devnull < 0) {
			fprintf(stderr, "spawn-floor: /dev/null: %s\n", strerror(errno));
			return EXIT_FAIL;
		}
	}
	/* warm-up: page in the program, the tool and the library code */
	if (run_mode(mode, argv + 5, 1, 1, devnull) < 0) {
		fprintf(stderr, "spawn-floor: the warm-up call of %s failed\n", argv[5]);
		return EXIT_FAIL;
	}
	take(&a);
	if (run_mode(mode, argv + 5, n, jobs, devnull) < 0) {
		fprintf(stderr, "spawn-floor: %s mode: a call of %s failed\n", argv[3], argv[5]);
		return EXIT_FAIL;
	}
	take(&b);
	if (devnull >= 0)
		close(devnull);
	user = tv_us(&a.ru.ru_utime, &b.ru.ru_utime);
	sys = tv_us(&a.ru.ru_stime, &b.ru.ru_stime);
	printf("{\"mode\": \"%s\", \"n\": %ld, \"jobs\": %d, \"cpu_us_per_call\": %.2f, "
	       "\"cpu_user_us\": %.0f, \"cpu_sys_us\": %.0f, \"wall_ms\": %.1f, "
	       "\"nvcsw_per_call\": %.2f}\n",
	       argv[3], n, jobs, (user + sys) / (double)n, user, sys,
	       (double)(b.wall.tv_sec - a.wall.tv_sec) * 1e3 +
		       (double)(b.wall.tv_nsec - a.wall.tv_nsec) / 1e6,
	       (double)(b.ru.ru_nvcsw - a.ru.ru_nvcsw) / (double)n);
	if (fflush(stdout) != 0)
		return EXIT_FAIL;
	return EXIT_OK;
}
