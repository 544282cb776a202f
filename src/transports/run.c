/* run.c - run a program with captured output and a deadline; see run.h. */
/* pipe2() (Linux 2.6.27, in POSIX 2024) */
#define _GNU_SOURCE
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

#include "transports/run.h"
#include "formats/settings.h"
#include "base/util.h"

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void kill_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) < 0)
		kill(pid, sig);
}

static const char *prog_name(const struct child *c)
{
	const char *s = strrchr(c->argv[0], '/');
	return s ? s + 1 : c->argv[0];
}

int child_error(const struct child *c)
{
	struct strbuf tail = STRBUF_INIT;
	size_t skip = c->err.len > 2000 ? c->err.len - 2000 : 0;
	int ret;

	/* the last 2000 bytes of stderr, trimmed */
	strbuf_add(&tail, c->err.buf + skip, c->err.len - skip);
	strbuf_rtrim(&tail);
	if (c->start_errno)
		ret = error("cannot run %s: %s", c->argv[0], strerror(c->start_errno));
	else if (c->timed_out)
		ret = error("%s timed out after %.1f s and was killed%s%s", prog_name(c),
			    (c->timeout_ms ? c->timeout_ms : settings_tool_timeout_ms()) / 1000.0,
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

/* One running child of run_children(); fds are -1 once closed. */
struct slot {
	struct child *c;
	pid_t pid;
	int in, out, err, pidfd;
	size_t in_off;
	long long deadline, kill_at;   /* kill_at: 0 until SIGTERM was sent */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Start c in slot s: 0, or -1 with c->start_errno set. */
static int start(struct child *c, struct slot *s)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t sigdef;
	int e;

	memset(s, 0, sizeof(*s));
	s->c = c;
	s->in = s->out = s->err = s->pidfd = -1;
	s->deadline = now_ms() + (c->timeout_ms ? c->timeout_ms : settings_tool_timeout_ms());
	if ((c->in && c->in_len && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0) {
		c->start_errno = errno;
		close_fd(&in[0]); close_fd(&in[1]); close_fd(&out[0]); close_fd(&out[1]);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (in[0] >= 0)
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
	e = posix_spawnp(&s->pid, c->argv[0], &fa, &attr, (char *const *)c->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	s->in = in[1];
	s->out = out[0];
	s->err = err[0];
	if (e) {
		c->start_errno = e;
		close_fd(&s->in); close_fd(&s->out); close_fd(&s->err);
		return -1;
	}
	/* stdin may be larger than the pipe: never block writing it */
	if (s->in >= 0)
		fcntl(s->in, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Read what *fd has (poll() said it is readable) into sb; close it at EOF. */
static void drain(struct slot *s, int *fd, struct strbuf *sb)
{
	char buf[65536];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0) {
		if (sb->len + (size_t)n > RUN_MAX_OUTPUT) {
			kill_group(s->pid, SIGKILL);
			close_fd(fd);
			strbuf_addstr(&s->c->err, "\n(output larger than the limit; killed)");
			return;
		}
		strbuf_add(sb, buf, (size_t)n);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		close_fd(fd);
	}
}

static void feed(struct slot *s)
{
	const struct child *c = s->c;
	ssize_t w = write(s->in, c->in + s->in_off, c->in_len - s->in_off);

	if (w > 0)
		s->in_off += (size_t)w;
	if ((w < 0 && errno != EAGAIN && errno != EINTR) || s->in_off == c->in_len)
		close_fd(&s->in);
}

/* Reap the slot's child if it has exited: 1 when it has (status set and
 * every fd closed), 0 when it is still running. */
static int try_reap(struct slot *s)
{
	int wstatus = 0;
	pid_t r = waitpid(s->pid, &wstatus, WNOHANG);

	if (r == 0 || (r < 0 && errno == EINTR))
		return 0;
	if (r == s->pid && WIFEXITED(wstatus))
		s->c->status = WEXITSTATUS(wstatus);
	else if (r == s->pid && WIFSIGNALED(wstatus))
		s->c->status = 128 + WTERMSIG(wstatus);
	else
		s->c->status = 127;    /* waitpid failed: not ours any more */
	close_fd(&s->in); close_fd(&s->out); close_fd(&s->err); close_fd(&s->pidfd);
	return 1;
}

/* At the deadline TERM the group and stop reading it; KILL it after the
 * grace. */
static void check_deadline(struct slot *s, long long now)
{
	if (!s->kill_at && now >= s->deadline) {
		s->c->timed_out = 1;
		kill_group(s->pid, SIGTERM);
		s->kill_at = now + RUN_KILL_GRACE_MS;
		close_fd(&s->in); close_fd(&s->out); close_fd(&s->err);
	} else if (s->kill_at && now >= s->kill_at) {
		kill_group(s->pid, SIGKILL);
		s->kill_at = now + 60000;
	}
}

/* The slot's part of the next poll(); returns how many entries it added
 * and lowers *wake to its next deadline. */
static int poll_set(struct slot *s, struct pollfd *p, long long *wake)
{
	long long t = s->kill_at ? s->kill_at : s->deadline;
	int np = 0;

	if (t < *wake)
		*wake = t;
	if (s->out >= 0)
		p[np++] = (struct pollfd){ s->out, POLLIN, 0 };
	if (s->err >= 0)
		p[np++] = (struct pollfd){ s->err, POLLIN, 0 };
	if (s->in >= 0)
		p[np++] = (struct pollfd){ s->in, POLLOUT, 0 };
	if (s->out < 0 && s->err < 0 && s->pidfd >= 0)
		p[np++] = (struct pollfd){ s->pidfd, POLLIN, 0 };
	return np;
}

static void handle(struct slot *s, int fd)
{
	if (fd == s->out)
		drain(s, &s->out, &s->c->out);
	else if (fd == s->err)
		drain(s, &s->err, &s->c->err);
	else if (fd == s->in)
		feed(s);
	else if (fd == s->pidfd)
		try_reap(s);
}

/* 1 when the slot's child is reaped. Otherwise applies its deadline and,
 * once its output is closed (it has exited or is about to), reaps it or
 * starts watching its pidfd. */
static int finished(struct slot *s, long long now, long long *wake)
{
	if (s->c->status != -1)
		return 1;      /* reaped through its pidfd */
	check_deadline(s, now);
	if (s->out >= 0 || s->err >= 0 || s->pidfd >= 0)
		return 0;
	if (try_reap(s))
		return 1;
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	/* no pidfd_open() (Linux < 5.3): look again soon */
	if (s->pidfd < 0 && *wake > now + 2)
		*wake = now + 2;
	return 0;
}

int run_children(struct child *cs, size_t n, int jobs)
{
	struct slot *slots;
	struct pollfd *pfd;
	size_t next = 0, active = 0, i;
	int failed = 0, polled = 0;

	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > n)
		jobs = n ? (int)n : 1;
	slots = xcalloc((size_t)jobs, sizeof(*slots));
	pfd = xcalloc((size_t)jobs * 3, sizeof(*pfd));
	for (i = 0; i < n; i++) {
		cs[i].status = -1;
		cs[i].timed_out = cs[i].started = cs[i].start_errno = 0;
		strbuf_reset(&cs[i].out);
		strbuf_reset(&cs[i].err);
	}
	fflush(NULL);
	for (;;) {
		long long now, wake;
		int np = 0;

		/* fill the free slots; after a failure start nothing new */
		while (!failed && next < n && active < (size_t)jobs) {
			struct child *c = &cs[next++];
			if (start(c, &slots[active]) < 0) {
				failed = 1;
				break;
			}
			c->started = 1;
			active++;
		}
		if (!active)
			break;
		now = now_ms();
		wake = now + 1000;
		for (i = 0; i < active; i++) {
			struct slot *s = &slots[i];

			if (finished(s, now, &wake)) {
				if (s->c->status != 0 || s->c->timed_out)
					failed = 1;
				slots[i--] = slots[--active];   /* keep the slots packed */
				continue;
			}
			np += poll_set(s, pfd + np, &wake);
		}
		if (!active)
			continue;
		wake -= now;
		if (poll(pfd, (nfds_t)np, wake < 1 ? 1 : (int)wake) < 0 && errno != EINTR) {
			polled = -1;
			break;
		}
		for (int k = 0; k < np; k++)
			for (i = 0; pfd[k].revents && i < active; i++)
				handle(&slots[i], pfd[k].fd);
	}
	/* poll() itself failed: leave no child behind */
	for (i = 0; polled < 0 && i < active; i++) {
		kill_group(slots[i].pid, SIGKILL);
		waitpid(slots[i].pid, NULL, 0);
		close_fd(&slots[i].in); close_fd(&slots[i].out); close_fd(&slots[i].err);
		close_fd(&slots[i].pidfd);
		slots[i].c->status = 128 + SIGKILL;
		failed = 1;
	}
	free(slots);
	free(pfd);
	return failed ? -1 : 0;
}

static int run(struct child *c, int quiet)
{
	if (run_children(c, 1, 1) == 0)
		return 0;
	if (!c->started || c->timed_out || !quiet)
		child_error(c);
	return -1;
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
