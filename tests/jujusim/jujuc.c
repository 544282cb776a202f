/*
 * jujuc - the hook-tool client of the Juju simulator.
 *
 * Built by make as $(BUILD)/jujusim/jujuc and linked as every hook tool
 * ($(BUILD)/jujusim/bin/relation-get, is-leader, ...). Like Juju's
 * cmd/jujuc it does no work of its own: it sends the tool's name, its
 * arguments, the working directory and the context id to the unit agent
 * (agent.py) over the unix socket named by JUJU_AGENT_SOCKET_ADDRESS, prints
 * the agent's stdout and stderr and exits with its code. When the agent
 * answers that the tool needs stdin, it reads stdin to the end and asks
 * again (Juju's "hook tool requires stdin" round trip).
 *
 * Simulator additions (README.md lists them): the hook-context variables
 * JUJU_RELATION, JUJU_RELATION_ID, JUJU_REMOTE_UNIT, JUJU_REMOTE_APP and
 * JUJUSIM_HANG_MAX are forwarded (Juju's agent knows its hook's context;
 * the simulator's agent serves ad-hoc contexts too); without
 * JUJU_AGENT_SOCKET_ADDRESS the socket is $JUJUSIM_STATE.sock; a "hang"
 * answer makes the client sleep (a hung tool), then exit 124.
 *
 * Run as `jujuc --jujusim-driver DRIVER.py ARGS...` (the jujusim script
 * does), it is the front of the simulator's driver: a command that only
 * reads or edits a state goes to that state's agent, which runs it in its
 * own process; run and exec go to a fork of the agent, with this process's
 * environment, directory, stdin, stdout and stderr. A command whose state
 * has no agent yet (its first init) goes to the bats file's zygote (see
 * zygote_dial), or without one execs python3 DRIVER.py ARGS.
 *
 * The wire format is in agent.py's docstring.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define FLAG_NEED_STDIN 1u
#define FLAG_HANG 2u

static const char *const forwarded[] = {
	"JUJU_RELATION", "JUJU_RELATION_ID", "JUJU_REMOTE_UNIT", "JUJU_REMOTE_APP",
	"JUJUSIM_HANG_MAX",
};

struct buf {
	char *p;
	size_t len, cap;
};

static void die(const char *fmt, const char *arg)
{
	fputs("ERROR ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void grow(struct buf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return;
	b->cap = (b->len + more) * 2 + 256;
	b->p = realloc(b->p, b->cap);
	if (!b->p)
		die("%s", "out of memory");
}

static void put_u32(struct buf *b, uint32_t v)
{
	grow(b, 4);
	b->p[b->len++] = (char)(v >> 24);
	b->p[b->len++] = (char)(v >> 16);
	b->p[b->len++] = (char)(v >> 8);
	b->p[b->len++] = (char)v;
}

static void put_field(struct buf *b, const char *s, size_t n)
{
	put_u32(b, (uint32_t)n);
	grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
	put_field(b, s, strlen(s));
}

static void read_all(int fd, struct buf *b)
{
	for (;;) {
		ssize_t n;

		grow(b, 65536);
		n = read(fd, b->p + b->len, b->cap - b->len);
		if (n == 0)
			return;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("cannot read stdin: %s", strerror(errno));
		}
		b->len += (size_t)n;
	}
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int recv_exact(int fd, char *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int recv_u32(int fd, uint32_t *v)
{
	unsigned char c[4];

	if (recv_exact(fd, (char *)c, 4))
		return -1;
	*v = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
	return 0;
}

/* The unix socket address of a path ("@name": abstract, as Juju before 3.1.10); its length. */
static socklen_t unix_address(const char *address, struct sockaddr_un *sa)
{
	size_t n = strlen(address);
	socklen_t len;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n >= sizeof(sa->sun_path))
		die("dial unix %s: address too long", address);
	memcpy(sa->sun_path, address, n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if (address[0] == '@')
		sa->sun_path[0] = '\0';
	else
		len++;
	return len;
}

static int dial_quiet(const char *address, int quiet)
{
	struct sockaddr_un sa;
	socklen_t len = unix_address(address, &sa);
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		if (quiet) {
			close(fd);
			return -1;
		}
		fprintf(stderr, "ERROR dial unix %s: connect: %s\n", address, strerror(errno));
		exit(1);
	}
	return fd;
}

static int dial(const char *address)
{
	return dial_quiet(address, 0);
}

/* One round trip; the reply's stdout and stderr are left in out and err. */
/* The request's first 4 bytes carry our stdin, stdout and stderr (SCM_RIGHTS). */
static void send_stdio(int fd, const struct buf *req)
{
	int fds[3] = { 0, 1, 2 };
	char control[CMSG_SPACE(sizeof(fds))];
	struct iovec iov = { req->p, 4 };
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;

	memset(control, 0, sizeof(control));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	if (sendmsg(fd, &msg, 0) != 4)
		die("cannot send the request to the agent: %s", strerror(errno));
}

static void call_fd(int fd, const struct buf *req, uint32_t *code, uint32_t *flags,
		    uint32_t *hang_ms, struct buf *out, struct buf *err, int with_stdio)
{
	uint32_t n;
	size_t skip = 0;
	struct buf *bufs[2] = { out, err };

	if (with_stdio) {
		send_stdio(fd, req);
		skip = 4;
	}
	if (write_all(fd, req->p + skip, req->len - skip))
		die("cannot send the request to the agent: %s", strerror(errno));
	if (recv_u32(fd, code) || recv_u32(fd, flags) || recv_u32(fd, hang_ms))
		die("%s", "the agent closed the connection without a reply");
	for (int i = 0; i < 2; i++) {
		if (recv_u32(fd, &n))
			die("%s", "short reply from the agent");
		bufs[i]->len = 0;
		grow(bufs[i], n);
		if (recv_exact(fd, bufs[i]->p, n))
			die("%s", "short reply from the agent");
		bufs[i]->len = n;
	}
	close(fd);
}

static void call(const char *address, const struct buf *req, uint32_t *code, uint32_t *flags,
		 uint32_t *hang_ms, struct buf *out, struct buf *err)
{
	call_fd(dial(address), req, code, flags, hang_ms, out, err, 0);
}

extern char **environ;

/* with_env: 0 none, 1 the forwarded hook-context variables, 2 the whole environment */
static void build_request(struct buf *req, int argc, char **argv, const char *tool,
			  const char *context, const char *dir, const struct buf *in, int stdin_set,
			  int with_env)
{
	const char *env[sizeof(forwarded) / sizeof(forwarded[0])];
	size_t nenv = 0;
	char count[16];

	for (size_t i = 0; with_env == 1 && i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		if (getenv(forwarded[i]))
			env[nenv++] = forwarded[i];
	if (with_env == 2)
		for (char **e = environ; *e; e++)
			nenv++;
	req->len = 0;
	grow(req, 4);
	memcpy(req->p, "JSIM", 4);
	req->len = 4;
	put_u32(req, (uint32_t)(6 + nenv + (size_t)(argc - 1)));
	put_str(req, context);
	put_str(req, dir);
	put_str(req, tool);
	put_str(req, stdin_set ? "1" : "0");
	put_field(req, in->p ? in->p : "", in->len);
	snprintf(count, sizeof(count), "%zu", nenv);
	put_str(req, count);
	for (char **e = environ; with_env == 2 && *e; e++)
		put_str(req, *e);
	for (size_t i = 0; with_env == 1 && i < nenv; i++) {
		const char *v = getenv(env[i]);
		size_t kl = strlen(env[i]), vl = strlen(v);

		put_u32(req, (uint32_t)(kl + 1 + vl));
		grow(req, kl + 1 + vl);
		memcpy(req->p + req->len, env[i], kl);
		req->p[req->len + kl] = '=';
		memcpy(req->p + req->len + kl + 1, v, vl);
		req->len += kl + 1 + vl;
	}
	for (int i = 1; i < argc; i++)
		put_str(req, argv[i]);
}

static int print_reply(const struct buf *out, const struct buf *err, uint32_t code)
{
	if (write_all(1, out->p, out->len) || write_all(2, err->p, err->len))
		return 1;
	return (int)code;
}

/*
 * The zygote: with JUJUSIM_ZYGOTE (a socket path) and JUJUSIM_ZYGOTE_OWNER (a
 * pid) set, as the bats helpers set them for each file, a command whose
 * state has no agent yet goes to one long-lived agent without a state
 * (agent.py --zygote), which runs the driver in a fork and starts the
 * state's agent as a fork too: a bats file starts Python once, not twice
 * per state. The first front that finds no zygote binds its socket and
 * starts it; the zygote ends with its owner (the file's bats process).
 */
static int zygote_dial(const char *driver)
{
	const char *path = getenv("JUJUSIM_ZYGOTE"), *owner = getenv("JUJUSIM_ZYGOTE_OWNER");
	struct sockaddr_un sa;
	char *agent = NULL, *log = NULL, fdtext[16];
	const char *slash = strrchr(driver, '/');
	int fd, ls;
	pid_t pid;

	socklen_t len;

	if (!path || *path != '/' || !owner || !*owner)
		return -1;
	fd = dial_quiet(path, 1);
	if (fd >= 0)
		return fd;
	len = unix_address(path, &sa);
	unlink(path);                            /* a zygote that ended: its socket */
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, len) < 0 || listen(ls, 128) < 0) {
		if (ls >= 0)
			close(ls);
		return dial_quiet(path, 1);      /* another front won the race, or -1 */
	}
	if (asprintf(&agent, "%.*sagent.py", slash ? (int)(slash - driver + 1) : 0, driver) < 0 ||
	    asprintf(&log, "%s.log", path) < 0)
		die("%s", "out of memory");
	snprintf(fdtext, sizeof(fdtext), "%d", ls);
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY), out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		setsid();
		if (devnull >= 0)
			dup2(devnull, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		execl("/usr/bin/python3", "python3", "-I", agent, "--zygote", path, "--fd", fdtext,
		      "--owner", owner, (char *)NULL);
		_exit(127);
	}
	close(ls);
	free(agent);
	free(log);
	return pid > 0 ? dial_quiet(path, 1) : -1;
}

/* jujuc --jujusim-driver DRIVER ARGS: see the top of this file. */
static int driver_front(int argc, char **argv)
{
	const char *cmd = argc > 3 ? argv[3] : "";
	struct buf req = { 0 }, in = { 0 }, out = { 0 }, err = { 0 };
	uint32_t code = 1, flags = 0, hang_ms = 0;
	char *dir = NULL, *address = NULL;
	int stdin_set = 0;

	int forked = !strcmp(cmd, "run") || !strcmp(cmd, "exec");

	if (argc > 4 && cmd[0] != '-' && argv[4][0] != '-' &&
	    (dir = getcwd(NULL, 0)) && asprintf(&address, "%s.sock", argv[4]) >= 0) {
		for (;;) {
			int fd = dial_quiet(address, 1);

			if (fd < 0)
				break;
			/* argv[2] stands where a tool's argv[0] does: the args are argv[3..];
			 * run and exec go to a fork of the agent with our environment and stdio */
			build_request(&req, argc - 2, argv + 2, forked ? "jujusim-fork" : "jujusim", "",
				      dir, &in, stdin_set, forked ? 2 : 0);
			call_fd(fd, &req, &code, &flags, &hang_ms, &out, &err, forked);
			if (!(flags & FLAG_NEED_STDIN) || stdin_set)
				return print_reply(&out, &err, code);
			read_all(0, &in);
			stdin_set = 1;
		}
	}
	int zfd = zygote_dial(argv[2]);

	if (zfd >= 0 && (dir || (dir = getcwd(NULL, 0)))) {
		build_request(&req, argc - 2, argv + 2, "jujusim-fork", "", dir, &in, 0, 2);
		call_fd(zfd, &req, &code, &flags, &hang_ms, &out, &err, 1);
		return print_reply(&out, &err, code);
	}
	argv[1] = (char *)"/usr/bin/python3";   /* python3 DRIVER ARGS... */
	execv(argv[1], argv + 1);
	die("cannot run /usr/bin/python3: %s", strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	const char *tool = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *context = getenv("JUJU_CONTEXT_ID");
	const char *address = getenv("JUJU_AGENT_SOCKET_ADDRESS");
	const char *network = getenv("JUJU_AGENT_SOCKET_NETWORK");
	const char *state = getenv("JUJUSIM_STATE");
	char *dir = getcwd(NULL, 0);
	char *fallback = NULL;
	struct buf req = { 0 }, in = { 0 }, out = { 0 }, err = { 0 };
	uint32_t code = 1, flags = 0, hang_ms = 0;
	int stdin_set = 0;

	if (argc > 2 && strcmp(argv[1], "--jujusim-driver") == 0)
		return driver_front(argc, argv);
	if (!dir)
		die("getwd: %s", strerror(errno));
	if ((!address || !*address) && state && *state) {
		if (asprintf(&fallback, "%s.sock", state) < 0)
			die("%s", "out of memory");
		address = fallback;
		network = "unix";
	}
	if (!address || !*address) {
		if (!context || !*context)
			die("%s", "JUJU_CONTEXT_ID not set");
		die("%s", "JUJU_AGENT_SOCKET_ADDRESS not set");
	}
	if (!network || !*network)
		die("%s", "JUJU_AGENT_SOCKET_NETWORK not set");
	if (strcmp(network, "unix") != 0)
		die("jujusim: only unix agent sockets are simulated, not %s", network);
	for (;;) {
		build_request(&req, argc, argv, tool, context ? context : "", dir, &in, stdin_set, 1);
		call(address, &req, &code, &flags, &hang_ms, &out, &err);
		if (!(flags & FLAG_NEED_STDIN) || stdin_set)
			break;
		read_all(0, &in);
		stdin_set = 1;
	}
	if (flags & FLAG_HANG) {
		struct timespec ts = { (time_t)(hang_ms / 1000), (long)(hang_ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		return 124;
	}
	code = (uint32_t)print_reply(&out, &err, code);
	free(req.p);
	free(in.p);
	free(out.p);
	free(err.p);
	free(fallback);
	free(dir);
	return (int)code;
}
