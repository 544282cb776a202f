#!/usr/bin/python3
"""jujusim agent: the simulated unit agent that hook-tool clients talk to.

    agent.py STATE --fd N [--owner PID] [--idle SECONDS]
    agent.py --zygote SOCKET --fd N --owner PID [--idle SECONDS]

Started by the driver (`jujusim init`, and `run`/`exec` when none answers),
which binds the listening unix socket (STATE.sock, the JUJU_AGENT_SOCKET_ADDRESS
of the hooks it runs) and hands it over as fd N. Like Juju's unit agent it is
one long-lived process that runs one hook-tool request at a time, in the
order they arrive; the tools' work is hooktools.run_tool(). It also serves
the driver's commands (command name "jujusim": driver.py's main() run here)
and its `run`/`exec` (command name "jujusim-fork", with the caller's whole
environment and its stdin, stdout and stderr as SCM_RIGHTS fds: run in a
fork, which answers when the hook is done). It ends when the owner process
ends (the test that started it), when the state file or the socket is gone,
or after SECONDS (default 600) without a request.

As a zygote (one per bats file, started by the driver's front, jujuc.c) it
has no state: it serves only "jujusim-fork", so every driver command of a
state that has no agent yet (its first `init`) runs in a fork, and that
state's agent is started as a fork too (spawn_agent): no interpreter start.

Wire format (both ends in this directory; not Juju's gob, see README.md):
request  "JSIM" u32 nfields, then nfields times (u32 length, bytes):
         context id, working directory, command name, stdin set ("0"/"1"),
         stdin, number of environment entries E, E entries "NAME=value", args
         (a hook tool sends the hook-context variables jujuc.c forwards)
reply    u32 exit code, u32 flags (1: send stdin and ask again, 2: hang),
         u32 hang milliseconds, u32 length + stdout, u32 length + stderr
All integers are unsigned 32-bit big-endian.
"""
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hooktools  # noqa: E402

MAGIC = b"JSIM"
FLAG_NEED_STDIN = 1
FLAG_HANG = 2
MAX_FIELD = 64 << 20


class BadRequest(Exception):
    pass


def recv_exact(conn, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise BadRequest("short request")
        buf += chunk
    return bytes(buf)


def read_request(conn):
    """The request's fields, and the file descriptors sent with its first bytes
    (a `run`/`exec` sends its stdin, stdout and stderr)."""
    fds = []
    msg, anc, _, _ = conn.recvmsg(4, socket.CMSG_SPACE(3 * struct.calcsize("i")))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            n = len(data) - len(data) % struct.calcsize("i")
            fds.extend(struct.unpack("%di" % (n // struct.calcsize("i")), data[:n]))
    if len(msg) < 4:
        msg += recv_exact(conn, 4 - len(msg))
    if msg != MAGIC:
        for fd in fds:
            os.close(fd)
        raise BadRequest("bad magic")
    (n,) = struct.unpack(">I", recv_exact(conn, 4))
    if n < 6 or n > 1 << 20:
        raise BadRequest("bad field count")
    fields = []
    for _ in range(n):
        (ln,) = struct.unpack(">I", recv_exact(conn, 4))
        if ln > MAX_FIELD:
            raise BadRequest("field too long")
        fields.append(recv_exact(conn, ln))
    return fields, fds


def text(b):
    return b.decode("utf-8", "surrogateescape")


def reply(conn, code, flags=0, hang_ms=0, out="", err=""):
    ob = out.encode("utf-8", "surrogateescape")
    eb = err.encode("utf-8", "backslashreplace")
    conn.sendall(struct.pack(">III", code & 0xffffffff, flags, hang_ms) +
                 struct.pack(">I", len(ob)) + ob + struct.pack(">I", len(eb)) + eb)


def peer_pid(conn):
    try:
        pid, _, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                        struct.calcsize("3i")))
        return pid
    except OSError:
        return 0


def serve_one(conn, state_path, lsock):
    fields, fds = read_request(conn)
    context_id, cwd, tool, stdin_set, stdin = (text(f) for f in fields[:5])
    try:
        nenv = int(fields[5])
    except ValueError:
        raise BadRequest("bad environment count")
    if 6 + nenv > len(fields):
        raise BadRequest("short environment")
    env = {}
    for f in fields[6:6 + nenv]:
        k, _, v = text(f).partition("=")
        env[k] = v
    env["JUJU_CONTEXT_ID"] = context_id
    args = [text(f) for f in fields[6 + nenv:]]
    if tool == "jujusim-fork":
        env.pop("JUJU_CONTEXT_ID", None)
    try:
        os.chdir(cwd)
    except OSError:
        os.chdir("/")
    if tool == "jujusim-fork":
        fork_driver(conn, args, env, cwd, fds, lsock)
        return
    for fd in fds:
        os.close(fd)
    if state_path is None:
        reply(conn, 2, 0, 0, "", "jujusim: the zygote runs driver commands only (%s)\n" % tool)
        return
    try:
        if tool == "jujusim":
            code, out, err = run_driver(args, stdin if stdin_set == "1" else None)
        else:
            code, out, err = hooktools.run_tool(state_path, tool, args, env,
                                                stdin if stdin_set == "1" else None)
    except hooktools.NeedStdin:
        reply(conn, 1, FLAG_NEED_STDIN)
        return
    except hooktools.Hang as h:
        fd = os.open(state_path + ".hangs", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, ("%s %d\n" % (context_id, peer_pid(conn))).encode())
        os.close(fd)
        reply(conn, 124, FLAG_HANG, int(max(0.0, min(h.limit, 4e6)) * 1000))
        return
    reply(conn, code, 0, 0, out, err)


DRIVER = None


def fork_driver(conn, args, env, cwd, fds, lsock):
    """`jujusim run|exec STATE ...` in a child of this agent: a fork has the
    driver loaded already (no interpreter start), the caller's environment,
    directory, stdin, stdout and stderr, and answers with the exit code when
    the hook is done, while this process goes on serving the hook's tools."""
    import signal
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        reply(conn, 2, 0, 0, "", "jujusim: run/exec request without stdio\n")
        return
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        return
    global FORK_CONN
    FORK_CONN = conn
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        lsock.close()
        for i, fd in enumerate(fds):
            os.dup2(fd, i)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        code = run_driver(args, None, stdio=True)[0]
    except BaseException:             # a driver bug: say so, as python3 would
        import traceback
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            reply(conn, code)
        finally:
            os._exit(0)


FORK_CONN = None   # in a fork_driver() child: the caller's connection


def spawn_agent(state_path, ls, owner, log_path):
    """The driver's ensure_agent() in a fork of an agent or zygote: the new
    state's agent is a fork of this process (the driver is loaded already),
    detached (a new session, the agent log as stdout and stderr), serving
    the listening socket ls."""
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)            # the middle process exits at once
        return
    try:
        if os.fork():
            os._exit(0)
        os.setsid()
        if FORK_CONN is not None:
            FORK_CONN.close()
        null = os.open(os.devnull, os.O_RDONLY)
        log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        os.chdir("/")
        lsock = socket.socket(fileno=os.dup(ls.fileno()))
        ls.close()
        code = serve(state_path, lsock, int(owner), 600.0)
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code if isinstance(code, int) else 1)


def run_driver(args, stdin, stdio=False):
    """A driver command (jujusim CMD STATE ...) that only reads or edits the
    state, run here instead of in a new interpreter: same code (driver.py),
    same output and exit code. stdio: print to this process's own stdout and
    stderr (a forked run/exec) instead of returning the text."""
    global DRIVER
    import io
    if DRIVER is None:
        import importlib.machinery
        import importlib.util
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "driver.py")
        loader = importlib.machinery.SourceFileLoader("jujusim_driver", path)
        spec = importlib.util.spec_from_loader("jujusim_driver", loader)
        DRIVER = importlib.util.module_from_spec(spec)
        loader.exec_module(DRIVER)
        DRIVER.SPAWN_AGENT = spawn_agent
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    if not stdio:
        sys.stdout, sys.stderr = out, err
        sys.stdin = io.StringIO(stdin) if stdin is not None else hooktools._NoStdin()
    try:
        try:
            code = DRIVER.main(args)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except hooktools.NeedStdin:
            raise
        except Exception as e:            # a driver bug: say so, as python3 would
            import traceback
            traceback.print_exc(file=err)
            code = 1
            del e
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
    return (code or 0), out.getvalue(), err.getvalue()


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("state", nargs="?")
    ap.add_argument("--zygote", metavar="SOCKET")
    ap.add_argument("--fd", type=int, required=True)
    ap.add_argument("--owner", type=int, default=0)
    ap.add_argument("--idle", type=float, default=600.0)
    a = ap.parse_args(argv)
    if (a.state is None) == (a.zygote is None):
        ap.error("give STATE or --zygote SOCKET")
    run_driver(["--help"], None)   # load the driver now, not in a test's first command
    lsock = socket.socket(fileno=a.fd)
    if a.zygote:
        return serve(None, lsock, a.owner, a.idle, os.path.abspath(a.zygote))
    return serve(os.path.abspath(a.state), lsock, a.owner, a.idle)


def serve(state_path, lsock, owner, idle, sock_path=None):
    """Serve requests on lsock until the owner ends, the state file or the
    socket is gone, or idle seconds pass without a request. state_path None:
    a zygote (driver commands in forks only)."""
    sock_path = sock_path or state_path + ".sock"
    try:
        sock_id = os.stat(sock_path).st_ino
    except OSError:
        return 0
    pidfd = None
    if owner > 0:
        try:
            pidfd = os.pidfd_open(owner)
        except OSError:
            return 0              # the owner is gone already
    watch = [lsock] + ([pidfd] if pidfd is not None else [])
    last = time.monotonic()
    while True:
        r, _, _ = select.select(watch, [], [], 1.0)
        if pidfd is not None and pidfd in r:
            break
        if lsock not in r:
            try:
                if os.stat(sock_path).st_ino != sock_id or (
                        state_path is not None and not os.path.exists(state_path)):
                    break
            except OSError:
                break
            if time.monotonic() - last > idle:
                break
            continue
        conn, _ = lsock.accept()
        last = time.monotonic()
        conn.settimeout(10.0)
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:   # forked runs that ended
                pass
        except ChildProcessError:
            pass
        try:
            serve_one(conn, state_path, lsock)
        except (BadRequest, OSError):
            pass
        finally:
            conn.close()
    try:
        if os.stat(sock_path).st_ino == sock_id:
            os.unlink(sock_path)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
