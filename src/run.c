/* run.c - run a program with captured output and a deadline; see run.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "util.h"

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int run_default_timeout_ms(void)
{
	const char *v = getenv("SVCMESH_TIMEOUT");
	char *end;
	double s;

	if (!v || !*v)
		return RUN_DEFAULT_TIMEOUT_MS;
	s = strtod(v, &end);
	if (*end || s <= 0 || s > 86400)
		return RUN_DEFAULT_TIMEOUT_MS;
	return (int)(s * 1000);
}

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

static int make_pipe(int p[2])
{
	if (pipe(p) < 0)
		return -1;
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static void kill_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) < 0)
		kill(pid, sig);
}

/* Wait for pid; at the deadline TERM the group, then KILL after the grace.
 * A pidfd lets poll() sleep until the child exits; kernels without
 * pidfd_open() fall back to a short sleep loop. */
static int reap(pid_t pid, long long deadline, int *timed_out, int *wstatus)
{
	int term_sent = *timed_out;
	long long kill_at = term_sent ? now_ms() + RUN_KILL_GRACE_MS : 0;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		long long wake;
		pid_t r = waitpid(pid, wstatus, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR)) {
			if (pidfd >= 0)
				close(pidfd);
			return r == pid ? 0 : -1;
		}
		if (!term_sent && now_ms() >= deadline) {
			*timed_out = term_sent = 1;
			kill_group(pid, SIGTERM);
			kill_at = now_ms() + RUN_KILL_GRACE_MS;
		} else if (term_sent && now_ms() >= kill_at) {
			kill_group(pid, SIGKILL);
			kill_at = now_ms() + 60000;
		}
		wake = (term_sent ? kill_at : deadline) - now_ms();
		if (wake < 1)
			wake = 1;
		if (pidfd >= 0) {
			struct pollfd p = { pidfd, POLLIN, 0 };
			poll(&p, 1, wake > 1000 ? 1000 : (int)wake);
		} else {
			usleep(2000);
		}
	}
}

static const char *prog_name(const struct child *c)
{
	const char *s = strrchr(c->argv[0], '/');
	return s ? s + 1 : c->argv[0];
}

int child_error(const struct child *c)
{
	struct strbuf tail = STRBUF_INIT;
	const char *e = c->err.buf;
	size_t len = c->err.len;
	int ret;

	/* the last 2000 bytes of stderr, trimmed */
	if (len > 2000) {
		e += len - 2000;
		len = 2000;
	}
	strbuf_add(&tail, e, len);
	strbuf_rtrim(&tail);
	if (c->timed_out)
		ret = error("%s timed out after %.1f s and was killed%s%s", prog_name(c),
			    (c->timeout_ms ? c->timeout_ms : run_default_timeout_ms()) / 1000.0,
			    tail.len ? ": " : "", tail.buf);
	else if (c->status > 128 && c->status < 128 + 65)
		ret = error("%s was killed by signal %d%s%s", prog_name(c), c->status - 128,
			    tail.len ? ": " : "", tail.buf);
	else
		ret = error("%s failed (exit status %d)%s%s", prog_name(c), c->status,
			    tail.len ? ": " : "", tail.buf);
	strbuf_release(&tail);
	return ret;
}

static int run(struct child *c, int quiet)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t sigdef;
	int spawn_err;
	int timeout = c->timeout_ms ? c->timeout_ms : run_default_timeout_ms();
	long long deadline = now_ms() + timeout;
	size_t in_off = 0;
	int wstatus = 0;
	pid_t pid;
	ssize_t n;

	c->status = -1;
	c->timed_out = 0;
	strbuf_reset(&c->out);
	strbuf_reset(&c->err);
	if (make_pipe(in) < 0 || make_pipe(out) < 0 || make_pipe(err) < 0) {
		int e = errno;
		close_pair(in); close_pair(out); close_pair(err);
		return error("%s: cannot create pipes: %s", prog_name(c), strerror(e));
	}
	/* posix_spawn (vfork-like) rather than fork: no page tables to copy,
	 * and exec failures come back as its return value. */
	fflush(NULL);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (c->in)
		posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	/* own process group, so the deadline kills grandchildren too; and
	 * SIGPIPE back to default (we ignore it; exec would keep that) */
	sigemptyset(&sigdef);
	sigaddset(&sigdef, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &sigdef);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
	spawn_err = posix_spawnp(&pid, c->argv[0], &fa, &attr, (char *const *)c->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	in[0] = out[1] = err[1] = -1;
	if (spawn_err) {
		close(in[1]); close(out[0]); close(err[0]);
		return error("cannot run %s: %s", c->argv[0], strerror(spawn_err));
	}

	if (!c->in || !c->in_len) {
		close(in[1]);
		in[1] = -1;
	} else {
		fcntl(in[1], F_SETFL, O_NONBLOCK);
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);

	while (out[0] >= 0 || err[0] >= 0) {
		struct pollfd pfd[3];
		int np = 0, iout = -1, ierr = -1, iin = -1;
		long long left = deadline - now_ms();

		if (left <= 0) {
			c->timed_out = 1;
			kill_group(pid, SIGTERM);
			break;
		}
		if (out[0] >= 0) { pfd[np].fd = out[0]; pfd[np].events = POLLIN; iout = np++; }
		if (err[0] >= 0) { pfd[np].fd = err[0]; pfd[np].events = POLLIN; ierr = np++; }
		if (in[1] >= 0) { pfd[np].fd = in[1]; pfd[np].events = POLLOUT; iin = np++; }
		if (poll(pfd, (nfds_t)np, left > 1000 ? 1000 : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (iin >= 0 && pfd[iin].revents) {
			n = write(in[1], c->in + in_off, c->in_len - in_off);
			if (n > 0)
				in_off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || in_off == c->in_len) {
				close(in[1]);
				in[1] = -1;
			}
		}
		for (int k = 0; k < 2; k++) {
			int idx = k ? ierr : iout;
			int *fd = k ? &err[0] : &out[0];
			struct strbuf *sb = k ? &c->err : &c->out;
			char buf[65536];

			if (idx < 0 || !pfd[idx].revents)
				continue;
			n = read(*fd, buf, sizeof(buf));
			if (n > 0) {
				if (sb->len + (size_t)n > RUN_MAX_OUTPUT) {
					kill_group(pid, SIGKILL);
					close(*fd);
					*fd = -1;
					strbuf_addstr(&c->err, "\n(output larger than the limit; killed)");
					continue;
				}
				strbuf_add(sb, buf, (size_t)n);
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(*fd);
				*fd = -1;
			}
		}
	}
	if (in[1] >= 0) close(in[1]);
	if (out[0] >= 0) close(out[0]);
	if (err[0] >= 0) close(err[0]);
	if (reap(pid, deadline, &c->timed_out, &wstatus) < 0)
		return error("%s: waitpid failed: %s", prog_name(c), strerror(errno));
	if (WIFEXITED(wstatus))
		c->status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		c->status = 128 + WTERMSIG(wstatus);
	if (c->timed_out) {
		child_error(c);
		return -1;
	}
	if (c->status != 0) {
		if (!quiet)
			child_error(c);
		return -1;
	}
	return 0;
}

int run_child(struct child *c)
{
	return run(c, 0);
}

int run_child_quiet(struct child *c)
{
	return run(c, 1);
}

void child_release(struct child *c)
{
	strbuf_release(&c->out);
	strbuf_release(&c->err);
}
