/* run.c - run a program with captured output and a deadline; see run.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "util.h"

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

/* In the child: wire up fds and exec; never returns. */
static void NORETURN exec_child(const struct child *c, int in_fd, int out_fd, int err_fd, int report_fd)
{
	int e;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		goto fail;
	execvp(c->argv[0], (char *const *)c->argv);
fail:
	e = errno;
	if (write(report_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static void kill_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) < 0)
		kill(pid, sig);
}

/* Wait for pid; at the deadline TERM the group, then KILL after the grace. */
static int reap(pid_t pid, long long deadline, int *timed_out, int *wstatus)
{
	int term_sent = *timed_out;
	long long kill_at = term_sent ? now_ms() + RUN_KILL_GRACE_MS : 0;

	for (;;) {
		pid_t r = waitpid(pid, wstatus, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (!term_sent && now_ms() >= deadline) {
			*timed_out = term_sent = 1;
			kill_group(pid, SIGTERM);
			kill_at = now_ms() + RUN_KILL_GRACE_MS;
		} else if (term_sent && now_ms() >= kill_at) {
			kill_group(pid, SIGKILL);
			kill_at = now_ms() + 60000;
		}
		usleep(2000);
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
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int timeout = c->timeout_ms ? c->timeout_ms : run_default_timeout_ms();
	long long deadline = now_ms() + timeout;
	size_t in_off = 0;
	int exec_errno = 0, wstatus = 0;
	pid_t pid;
	ssize_t n;

	c->status = -1;
	c->timed_out = 0;
	strbuf_reset(&c->out);
	strbuf_reset(&c->err);
	if (make_pipe(in) < 0 || make_pipe(out) < 0 || make_pipe(err) < 0 || make_pipe(rep) < 0) {
		int e = errno;
		close_pair(in); close_pair(out); close_pair(err); close_pair(rep);
		return error("%s: cannot create pipes: %s", prog_name(c), strerror(e));
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close_pair(in); close_pair(out); close_pair(err); close_pair(rep);
		return error("%s: cannot fork: %s", prog_name(c), strerror(e));
	}
	if (pid == 0) {
		int devnull = -1;
		if (!c->in) {
			devnull = open("/dev/null", O_RDONLY);
			exec_child(c, devnull, out[1], err[1], rep[1]);
		}
		exec_child(c, in[0], out[1], err[1], rep[1]);
	}
	setpgid(pid, pid);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(rep[1]);
	in[0] = out[1] = err[1] = rep[1] = -1;

	/* exec failure comes back as an errno through the report pipe */
	n = read(rep[0], &exec_errno, sizeof(exec_errno));
	close(rep[0]);
	if (n == (ssize_t)sizeof(exec_errno)) {
		close(in[1]); close(out[0]); close(err[0]);
		waitpid(pid, &wstatus, 0);
		return error("cannot run %s: %s", c->argv[0], strerror(exec_errno));
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
