#!/usr/bin/python3
"""jujusim: driver of the Juju hook-tool simulator.

Creates and edits the JSON state that the simulated unit agent (agent.py) serves
to the hook-tool clients (jujuc.c), starts that agent, and runs hooks or
commands in a Juju-like hook context.  See README.md.
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
AGENT = os.path.join(HERE, "agent.py")
# the hook-tool clients, built by make ($(BUILD)/jujusim/bin)
TOOLS_BIN = os.environ.get("JUJUSIM_TOOLS_DIR") or os.path.join(HERE, "..", "..", "build",
                                                              "jujusim", "bin")
TOOLS_BIN = os.path.abspath(TOOLS_BIN)
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
PASS_ENV = ("KUBECONFIG", "HOME", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
            "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT")
PASS_PREFIXES = ("SVCMESH_", "KUBESIM_")
# --juju-env: what Juju gives a hook in the charm container of a Kubernetes charm.
# Only these come from the caller (the cluster address, as the kubelet sets it, and
# the sanitizers' options, which are test tooling and change no behaviour).
JUJU_PASS_ENV = ("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "ASAN_OPTIONS",
                 "UBSAN_OPTIONS", "LSAN_OPTIONS")
JUJU_BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
RELATION_HOOK_RE = re.compile(r"^(.+)-relation-(created|joined|changed|departed|broken)$")
EXIT_TIMEOUT = 124


class DriverError(Exception):
    def __init__(self, msg, code=1):
        Exception.__init__(self, msg)
        self.msg = msg
        self.code = code


# ---------------------------------------------------------------- state I/O

sys.path.insert(0, HERE)
from hooktools import Lock, load_json, write_atomic  # noqa: E402  (one copy, with the tools)


def load_state(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise DriverError("state file %s does not exist (run jujusim init)" % path)
    except ValueError as e:
        raise DriverError("state file %s is not valid JSON: %s" % (path, e))


def save_state(path, state):
    write_atomic(path, json.dumps(state, indent=1, sort_keys=True))


def modify_state(path, fn):
    """Run fn(state) under the lock and save; returns fn's result."""
    with Lock(path):
        state = load_state(path)
        result = fn(state)
        save_state(path, state)
    return result


def compact(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def parse_relid(text):
    try:
        return int(str(text).rpartition(":")[2])
    except ValueError:
        raise DriverError("invalid relation id %r" % text, 2)


def find_relation(state, relid):
    rid = parse_relid(relid)
    for rel in state.get("relations", []):
        if rel["id"] == rid:
            return rel
    raise DriverError("relation %s not found" % relid)


def parse_kv(items):
    out = {}
    for item in items:
        k, eq, v = item.partition("=")
        if not eq or not k:
            raise DriverError('expected key=value, got %r' % item, 2)
        out[k] = v
    return out


def now_since():
    """A time as goal-state prints it (Juju's common.FormatTime, ISO form)."""
    import time
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())


UNIT_LIVES = ("alive", "dying", "dead")


def own_unit_entry(state, unit):
    """The entry of one of the application's units in state["units"] (made
    when missing: alive, status unknown); unit must be APP/N."""
    app, slash, num = unit.partition("/")
    if app != state["app"] or not slash or not num.isdigit():
        raise DriverError("%r is not a unit of %s (expected %s/N)" % (unit, state["app"], state["app"]), 2)
    units = state.setdefault("units", {})
    if unit not in units:
        units[unit] = {"status": "unknown", "life": "alive", "since": now_since()}
    return units[unit]


def version_tuple(v):
    parts = []
    for p in re.split(r"[.\-]", v):
        if not p.isdigit():
            break
        parts.append(int(p))
    return tuple(parts)


# ---------------------------------------------------------------- commands

def cmd_init(a):
    import uuid
    version = a.juju_version
    list_broken = a.list_broken
    if list_broken is None:
        list_broken = version_tuple(version) < (3, 4)
    charm_dir = os.path.abspath(a.charm_dir) if a.charm_dir else None
    state = {
        "model": a.model,
        "model_uuid": a.model_uuid or str(uuid.uuid4()),
        "app": a.app,
        "unit": "%s/%d" % (a.app, a.unit_number),
        "leader": a.leader,
        "juju_version": version,
        "list_broken": list_broken,
        "charm_dir": charm_dir,
        "next_id": 0,
        "config": {},
        "relations": [],
        "faults": [],
        "next_fault_id": 0,
        "status": {},
        "since": now_since(),
        "units": {},
    }
    own_unit_entry(state, state["unit"])
    d = os.path.dirname(os.path.abspath(a.state))
    os.makedirs(d, exist_ok=True)
    with Lock(a.state):
        save_state(a.state, state)
        for ext in (".calls", ".log", ".pending", ".hangs"):
            try:
                os.unlink(a.state + ext)
            except FileNotFoundError:
                pass
    ensure_agent(os.path.abspath(a.state))
    return 0


def cmd_add_relation(a):
    def fn(state):
        role = a.role
        rels = state.setdefault("relations", [])
        if a.id is not None:
            rid = a.id
            if any(r["id"] == rid for r in rels):
                raise DriverError("relation id %d already exists" % rid)
        else:
            rid = state.get("next_id", 0)
            while any(r["id"] == rid for r in rels):
                rid += 1
        state["next_id"] = max(state.get("next_id", 0), rid + 1)
        units = a.units
        if units is None:
            units = 0 if role == "peer" else 1
        if role == "peer":
            own = int(state["unit"].rpartition("/")[2])
            numbers = [n for n in range(units + 1) if n != own][:units]
        else:
            numbers = list(range(units))
        remote_units = ["%s/%d" % (a.remote_app, n) for n in numbers]
        rels.append({
            "id": rid,
            "endpoint": a.endpoint,
            "role": role,
            "remote_app": a.remote_app,
            "remote_units": remote_units,
            "broken": False,
            "local_app": {},
            "remote_app_data": {},
            "local_unit": {},
            "remote_unit_data": {u: {} for u in remote_units},
            "since": now_since(),
        })
        return rid
    print(modify_state(a.state, fn))
    return 0


def target_bag(rel, a, create):
    """Return (dict-holder, key) for the databag chosen by the target flags."""
    if a.local_app or (a.remote_app and rel.get("role") == "peer"):
        return rel, "local_app"
    if a.remote_app:
        return rel, "remote_app_data"
    if a.local_unit:
        return rel, "local_unit"
    bags = rel.setdefault("remote_unit_data", {})
    if a.remote_unit not in bags:
        if not create:
            return {a.remote_unit: {}}, a.remote_unit
        bags[a.remote_unit] = {}
    return bags, a.remote_unit


def add_target_flags(p):
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--local-app", action="store_true", help="the local application databag")
    g.add_argument("--remote-app", action="store_true", help="the remote application databag")
    g.add_argument("--local-unit", action="store_true", help="the local unit databag")
    g.add_argument("--remote-unit", metavar="UNIT", help="a remote unit's databag")


def cmd_set_data(a):
    updates = {}
    if a.file:
        with open(a.file, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise DriverError("--file must hold a JSON map of string to string")
        updates.update(data)
    updates.update(parse_kv(a.pairs))

    def fn(state):
        rel = find_relation(state, a.relid)
        holder, key = target_bag(rel, a, True)
        bag = holder.setdefault(key, {})
        for k, v in updates.items():
            if v == "":
                bag.pop(k, None)
            else:
                bag[k] = v
    modify_state(a.state, fn)
    return 0


def cmd_get_data(a):
    state = load_state(a.state)
    rel = find_relation(state, a.relid)
    holder, key = target_bag(rel, a, False)
    print(compact(holder.get(key) or {}))
    return 0


def cmd_get_key(a):
    state = load_state(a.state)
    rel = find_relation(state, a.relid)
    holder, key = target_bag(rel, a, False)
    bag = holder.get(key) or {}
    if a.key not in bag:
        return 1
    sys.stdout.write(bag[a.key])
    return 0


def cmd_set_leader(a):
    value = {"true": True, "false": False}.get(a.value.lower())
    if value is None:
        raise DriverError("set-leader takes true or false", 2)

    def fn(state):
        state["leader"] = value
    modify_state(a.state, fn)
    return 0


def cmd_break_relation(a):
    def fn(state):
        find_relation(state, a.relid)["broken"] = True
    modify_state(a.state, fn)
    return 0


def cmd_remove_relation(a):
    def fn(state):
        rel = find_relation(state, a.relid)
        state["relations"].remove(rel)
    modify_state(a.state, fn)
    return 0


def cmd_set_unit(a):
    def fn(state):
        entry = own_unit_entry(state, a.unit)
        if a.status is not None:
            entry["status"] = a.status
            entry["since"] = now_since()
        if a.life is not None:
            entry["life"] = a.life
    modify_state(a.state, fn)
    return 0


def cmd_remove_unit(a):
    def fn(state):
        for unit in a.units:
            entry = own_unit_entry(state, unit)
            if entry.get("life", "alive") == "alive":
                entry["life"] = "dying"
    modify_state(a.state, fn)
    return 0


def cmd_remove_application(a):
    def fn(state):
        names = set(state.get("units") or {}) | {state["unit"]}
        for rel in state.get("relations", []):
            if rel.get("role") == "peer":
                names.update(rel.get("remote_units") or [])
        for unit in names:
            entry = own_unit_entry(state, unit)
            if entry.get("life", "alive") == "alive":
                entry["life"] = "dying"
    modify_state(a.state, fn)
    return 0


def set_own_life(state_path, life, only_from):
    def fn(st):
        entry = own_unit_entry(st, st["unit"])
        if entry.get("life", "alive") in only_from:
            entry["life"] = life
    modify_state(state_path, fn)


def cmd_set_config(a):
    def fn(state):
        cfg = state.setdefault("config", {})
        for k, v in parse_kv(a.pairs).items():
            if v == "":
                cfg.pop(k, None)
                continue
            try:
                cfg[k] = json.loads(v)
            except ValueError:
                cfg[k] = v
    modify_state(a.state, fn)
    return 0


def cmd_fault(a):
    def fn(state):
        fid = state.get("next_fault_id", 0)
        state["next_fault_id"] = fid + 1
        fault = {"id": fid, "tool": a.tool, "exit": a.exit, "stderr": a.stderr,
                 "times": a.times, "hang": a.hang}
        if a.match is not None:
            fault["match"] = a.match
        if a.stdout is not None:
            fault["stdout"] = a.stdout
        state.setdefault("faults", []).append(fault)
    modify_state(a.state, fn)
    return 0


def cmd_clear_faults(a):
    def fn(state):
        state["faults"] = []
    modify_state(a.state, fn)
    return 0


def helper_lines(path, reset):
    """The lines of a JSON-lines helper file (STATE.calls, STATE.log), or
    none after emptying it when reset; a missing file has none."""
    if reset:
        with open(path, "w"):
            pass
        return []
    try:
        with open(path, encoding="utf-8") as f:
            return f.readlines()
    except FileNotFoundError:
        return []


def cmd_calls(a):
    lines = helper_lines(a.state + ".calls", a.reset)
    if a.reset:
        return 0
    if a.tool:
        lines = [ln for ln in lines if json.loads(ln)[0] == a.tool]
    if a.count:
        print(len(lines))
    else:
        sys.stdout.write("".join(lines))
    return 0


def cmd_log(a):
    for ln in helper_lines(a.state + ".log", a.reset):
        e = json.loads(ln)
        if a.debug_log:
            sys.stdout.write(e["line"] + "\n")
        else:
            sys.stdout.write("%s %s\n" % (e["level"], e["message"]))
    return 0


def cmd_status(a):
    state = load_state(a.state)
    status = state.get("status") or {}
    which = "unit" if a.unit else "application" if a.application else None
    if which is None:
        print(compact(status))
        return 0
    s = status.get(which)
    if not s:
        print("unknown")
    elif s.get("message"):
        print("%s %s" % (s["status"], s["message"]))
    else:
        print(s["status"])
    return 0


# ---------------------------------------------------------------- run / exec

def agent_socket(state_path):
    return os.path.abspath(state_path) + ".sock"


SPAWN_AGENT = None   # set by agent.py when it runs the driver: starts an agent by forking


def ensure_agent(state_path):
    """Start the unit agent of this state unless one answers on its socket.

    The socket is bound here and handed to the agent, so a client may connect
    at once (the request waits in the backlog until the agent accepts). The
    agent ends with its owner: $JUJUSIM_OWNER_PID (a test sets its own pid),
    else the process that ran this driver."""
    import subprocess
    import socket
    path = agent_socket(state_path)
    if len(path.encode()) >= 108:
        raise DriverError("state path too long for the agent's unix socket: %s" % path, 2)
    if not os.path.isfile(os.path.join(TOOLS_BIN, "is-leader")):
        raise DriverError("hook tools not built: no %s (run make jujusim)"
                          % os.path.join(TOOLS_BIN, "is-leader"), 2)
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
        return
    except OSError:
        pass
    finally:
        probe.close()
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        ls.bind(path)
        ls.listen(128)
        owner = os.environ.get("JUJUSIM_OWNER_PID") or str(os.getppid())
        if SPAWN_AGENT is not None:        # run by an agent or zygote: fork it
            SPAWN_AGENT(state_path, ls, owner, state_path + ".agent.log")
            return
        with open(state_path + ".agent.log", "ab") as log:
            subprocess.Popen([sys.executable, "-I", AGENT, state_path, "--fd", str(ls.fileno()),
                              "--owner", owner],
                             pass_fds=(ls.fileno(),), stdin=subprocess.DEVNULL,
                             stdout=log, stderr=log, start_new_session=True, cwd="/")
    finally:
        ls.close()


def new_context_id(unit, what):
    return "%s-%s-%d" % (unit, what, int.from_bytes(os.urandom(8), "big") >> 1)


def no_kubectl_path(state_path):
    """JUJU_BASE_PATH with every directory that holds a kubectl replaced by a shadow
    directory of symlinks to all its other entries: the charm-base image has no
    kubectl, the test machine has one in /usr/bin. The shadows are made once per
    directory and version of it ($TMPDIR/jujusim-basebin-UID/<directory's inode
    and mtime>), not per state: /usr/bin has a thousand entries."""
    import subprocess
    out, seen = [], {}
    for i, d in enumerate(JUJU_BASE_PATH.split(":")):
        real = os.path.realpath(d)
        if not os.path.isdir(real):
            continue
        if not any(os.path.lexists(os.path.join(real, n)) for n in ("kubectl",)):
            out.append(d)
            continue
        if real not in seen:
            st = os.stat(real)
            shadow = os.path.join(os.environ.get("TMPDIR") or "/tmp",
                                  "jujusim-basebin-%d" % os.getuid(),
                                  "%d-%d-%d" % (st.st_dev, st.st_ino, st.st_mtime_ns))
            os.makedirs(os.path.dirname(shadow), exist_ok=True)
            if not os.path.isdir(shadow):
                tmp = shadow + ".tmp.%d" % os.getpid()
                os.makedirs(tmp)
                for n in os.listdir(real):
                    if n == "kubectl" or n.startswith(("kubectl.", "kubectl-")):
                        continue
                    os.symlink(os.path.join(real, n), os.path.join(tmp, n))
                try:
                    os.rename(tmp, shadow)
                except OSError:  # made meanwhile by a concurrent run
                    subprocess.run(["rm", "-rf", tmp])
            seen[real] = shadow
        if seen[real] not in out:
            out.append(seen[real])
    return ":".join(out)


def juju_env_wanted(a):
    if getattr(a, "host_env", False):
        return False
    if getattr(a, "juju_env", False):
        return True
    return os.environ.get("JUJUSIM_ENV", "host") == "juju"


def base_env(state, state_path, context_id, extra_path, env_args, juju_env=False):
    charm_dir = state.get("charm_dir")
    unit = state["unit"]
    env = {}
    for k, v in os.environ.items():
        if juju_env:
            if k in JUJU_PASS_ENV:
                env[k] = v
        elif k in PASS_ENV or k.startswith(PASS_PREFIXES):
            env[k] = v
    base = no_kubectl_path(state_path) if juju_env else BASE_PATH
    path = [TOOLS_BIN] + [os.path.abspath(p) for p in extra_path] + [base]
    env.update({
        "JUJU_UNIT_NAME": unit,
        "JUJU_MODEL_NAME": state.get("model", "test-model"),
        "JUJU_MODEL_UUID": state.get("model_uuid", ""),
        "JUJU_CHARM_DIR": charm_dir,
        "CHARM_DIR": charm_dir,
        "JUJU_CONTEXT_ID": context_id,
        "JUJU_VERSION": state.get("juju_version", "3.6.0"),
        "JUJU_AGENT_SOCKET_ADDRESS": agent_socket(state_path),
        "JUJU_AGENT_SOCKET_NETWORK": "unix",
        "PATH": ":".join(path),
        "JUJUSIM_STATE": state_path,
    })
    env.update(parse_kv(env_args))
    return env


def check_charm_dir(state):
    charm_dir = state.get("charm_dir")
    if not charm_dir:
        raise DriverError("no charm dir in state (jujusim init --charm-dir DIR)", 2)
    if not os.path.isdir(charm_dir):
        raise DriverError("charm dir %s does not exist" % charm_dir, 2)
    return charm_dir


def finish_context(state_path, context_id, success):
    """Commit (success) or discard the buffered relation-set writes of a context."""
    with Lock(state_path):
        ppath = state_path + ".pending"
        allp = load_json(ppath, {})
        mine = allp.pop(context_id, None)
        if mine is not None:
            write_atomic(ppath, json.dumps(allp, sort_keys=True))
        if not success or not mine:
            return
        state = load_state(state_path)
        byid = {str(r["id"]): r for r in state.get("relations", [])}
        for rid, changes in mine.items():
            rel = byid.get(rid)
            if rel is None:
                continue
            for which, key in (("app", "local_app"), ("unit", "local_unit")):
                bag = rel.setdefault(key, {})
                for k, v in changes.get(which, {}).items():
                    if v is None:
                        bag.pop(k, None)
                    else:
                        bag[k] = v
        save_state(state_path, state)


def kill_hung_tools(state_path, context_id):
    """SIGKILL the tools of this context that hang because of a fault."""
    import signal
    path = state_path + ".hangs"
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        return
    needle = ("JUJU_CONTEXT_ID=%s\0" % context_id).encode()
    for ln in lines:
        ctx, _, pid = ln.rpartition(" ")
        if ctx != context_id or not pid.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if needle not in f.read():
                    continue
            os.kill(int(pid), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


# Inside the new mount namespace (sh, not a second Python: this runs for every
# hook in Juju's environment): make SA_MOUNT's directory on a tmpfs over its
# nearest existing parent (/run) when it does not exist, visible only in this
# namespace, bind-mount the service account there read-only, then exec argv.
IN_POD_SH = r"""
set -e
sa=$1; shift
t=$(realpath -m "$SA_MOUNT")
if [ ! -d "$t" ]; then
	p=$(dirname "$t")
	while [ ! -d "$p" ]; do p=$(dirname "$p"); done
	mount -t tmpfs -o mode=755 jujusim-pod "$p"
	mkdir -p "$t"
fi
mount --bind -o ro "$sa" "$t"
mount -o remount,bind,ro "$t" 2>/dev/null || true
exec "$@"
"""


def pod_argv(argv, sa_dir):
    """argv run in a private mount namespace where sa_dir is mounted at SA_MOUNT, where
    a pod's service account token, CA and namespace are (kubectl's in-cluster config)."""
    if not sa_dir:
        return argv
    if not os.path.isdir(sa_dir):
        raise DriverError("service account dir %s does not exist" % sa_dir, 2)
    if os.geteuid() != 0:
        raise DriverError("--serviceaccount needs root (a private mount namespace)", 2)
    return ["unshare", "--mount", "--propagation", "private", "--",
            "/bin/sh", "-c", IN_POD_SH.replace("$SA_MOUNT", SA_MOUNT), "jujusim-pod",
            os.path.abspath(sa_dir)] + argv


def run_child(argv, env, cwd, timeout, what, sa_dir=None):
    """Run argv in its own process group; returns Juju-like exit code."""
    import signal
    import subprocess
    sys.stdout.flush()
    sys.stderr.flush()
    if sa_dir:
        # (a relative command is relative to the hook's cwd, the charm dir)
        if "/" in argv[0] and not os.path.exists(os.path.join(cwd, argv[0])):
            sys.stderr.write("jujusim: cannot run %s: no such file\n" % what)
            return 127
        argv = pod_argv(argv, sa_dir)
    try:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    except FileNotFoundError as e:
        sys.stderr.write("jujusim: cannot run %s: %s\n" % (what, e))
        return 127
    except PermissionError as e:
        sys.stderr.write("jujusim: cannot run %s: %s\n" % (what, e))
        return 126
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, None)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        proc.wait()
        sys.stderr.write("jujusim: %s timed out after %gs\n" % (what, timeout))
        return EXIT_TIMEOUT
    except KeyboardInterrupt:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if rc < 0:
        return 128 - rc
    return rc


def pick_relation(state, hook, relarg):
    m = RELATION_HOOK_RE.match(hook)
    if relarg is not None:
        rel = find_relation(state, relarg)
        if m and m.group(1) != rel["endpoint"]:
            raise DriverError("relation %s is on endpoint %s, not %s"
                              % (relarg, rel["endpoint"], m.group(1)), 2)
        return rel, (m.group(2) if m else None)
    if not m:
        return None, None
    cands = [r for r in state.get("relations", []) if r["endpoint"] == m.group(1)]
    if len(cands) != 1:
        raise DriverError("%d relations on endpoint %s; use --relation ID"
                          % (len(cands), m.group(1)), 2)
    return cands[0], m.group(2)


def cmd_run(a):
    state_path = os.path.abspath(a.state)
    hook = a.hook
    if not hook or "/" in hook:
        raise DriverError("invalid hook name %r" % hook, 2)
    state = load_state(state_path)
    charm_dir = check_charm_dir(state)
    rel, kind = pick_relation(state, hook, a.relation)
    ensure_agent(state_path)
    context_id = new_context_id(state["unit"], hook)
    juju = juju_env_wanted(a)
    env = base_env(state, state_path, context_id, a.path, [], juju)
    env["JUJU_HOOK_NAME"] = hook
    env["JUJU_DISPATCH_PATH"] = "hooks/" + hook
    if rel is not None:
        rid = rel["id"]
        remote_unit = a.remote_unit
        if kind in ("created", "broken"):
            remote_unit = ""
        elif remote_unit is None:
            units = sorted(rel.get("remote_units") or [])
            remote_unit = units[0] if units else ""
        env["JUJU_RELATION"] = rel["endpoint"]
        env["JUJU_RELATION_ID"] = "%s:%d" % (rel["endpoint"], rid)
        env["JUJU_REMOTE_APP"] = rel.get("remote_app", "")
        env["JUJU_REMOTE_UNIT"] = remote_unit
        departing = a.departing_unit or remote_unit
        if kind == "departed":
            env["JUJU_DEPARTING_UNIT"] = departing

        def prepare(st):
            r = find_relation(st, rid)
            units = r.setdefault("remote_units", [])
            if kind == "broken":
                r["broken"] = True
            elif kind == "joined" and remote_unit and remote_unit not in units:
                units.append(remote_unit)
                r.setdefault("remote_unit_data", {}).setdefault(remote_unit, {})
            elif kind == "departed" and departing in units:
                units.remove(departing)
        if kind in ("broken", "joined", "departed"):
            modify_state(state_path, prepare)
    env.update(parse_kv(a.env))
    if hook == "remove":
        # Juju runs remove only for a dying unit
        set_own_life(state_path, "dying", ("alive",))

    dispatch = os.path.join(charm_dir, "dispatch")
    hook_path = os.path.join(charm_dir, "hooks", hook)
    sa = service_account(a, juju)
    if os.path.isfile(dispatch) and os.access(dispatch, os.X_OK):
        rc = run_child([dispatch], env, charm_dir, a.timeout, "hook " + hook, sa)
    elif os.path.lexists(hook_path):
        rc = run_child([hook_path], env, charm_dir, a.timeout, "hook " + hook, sa)
    else:
        rc = 0
    kill_hung_tools(state_path, context_id)
    finish_context(state_path, context_id, rc == 0)
    if rc == 0 and kind == "broken":
        def remove(st):
            st["relations"] = [r for r in st.get("relations", []) if r["id"] != rel["id"]]
        modify_state(state_path, remove)
    if rc == 0 and hook == "remove":
        set_own_life(state_path, "dead", ("dying",))
    return rc


def service_account(a, juju):
    """The dir to mount at SA_MOUNT: --serviceaccount, else $JUJUSIM_SERVICEACCOUNT, in
    --juju-env mode only."""
    if not juju:
        return None
    return getattr(a, "serviceaccount", None) or os.environ.get("JUJUSIM_SERVICEACCOUNT") or None


def cmd_exec(a):
    import shutil
    state_path = os.path.abspath(a.state)
    cmd = list(a.cmd)
    if not cmd:
        raise DriverError("exec needs a command after --", 2)
    state = load_state(state_path)
    charm_dir = check_charm_dir(state)
    ensure_agent(state_path)
    context_id = new_context_id(state["unit"], "run-commands")
    juju = juju_env_wanted(a)
    env = base_env(state, state_path, context_id, a.path, a.env, juju)
    env["JUJU_HOOK_NAME"] = ""
    if juju and "/" not in cmd[0]:
        # juju exec looks the command up on the hook PATH, not the caller's
        found = shutil.which(cmd[0], path=env["PATH"])
        if found:
            cmd[0] = found
    rc = run_child(cmd, env, charm_dir, a.timeout, "command " + cmd[0],
                   service_account(a, juju))
    kill_hung_tools(state_path, context_id)
    finish_context(state_path, context_id, rc == 0)
    return rc


# ---------------------------------------------------------------- CLI

def add_env_mode_flags(sp):
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--juju-env", action="store_true",
                   help="environment as Juju builds it: no HOME, KUBECONFIG, SVCMESH_*; "
                        "PATH without kubectl (default when $JUJUSIM_ENV=juju)")
    g.add_argument("--host-env", action="store_true",
                   help="pass HOME, KUBECONFIG, SVCMESH_*, KUBESIM_* through (default)")
    sp.add_argument("--serviceaccount", metavar="DIR", default=None,
                    help="with --juju-env: mount DIR at %s in a private mount namespace "
                         "(default $JUJUSIM_SERVICEACCOUNT)" % SA_MOUNT)


def build_parser():
    p = argparse.ArgumentParser(
        prog="jujusim", description="Juju hook-tool simulator driver (see README.md).")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def add(name, fn, helptext):
        sp = sub.add_parser(name, help=helptext, description=helptext)
        sp.add_argument("state", metavar="STATE", help="path of the JSON state file")
        sp.set_defaults(fn=fn)
        return sp

    sp = add("init", cmd_init, "create a fresh state (and clear calls/log/pending files)")
    sp.add_argument("--app", required=True, help="local application name")
    sp.add_argument("--unit-number", type=int, default=0)
    sp.add_argument("--model", default="test-model")
    sp.add_argument("--model-uuid", default=None)
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--leader", dest="leader", action="store_true", default=True)
    g.add_argument("--no-leader", dest="leader", action="store_false")
    sp.add_argument("--charm-dir", default=None, help="charm directory used by run/exec")
    sp.add_argument("--juju-version", default="3.6.0")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--list-broken", dest="list_broken", action="store_true", default=None,
                   help="relation-ids lists broken relations (default: only if version < 3.4)")
    g.add_argument("--no-list-broken", dest="list_broken", action="store_false")

    sp = add("add-relation", cmd_add_relation, "add a relation; prints its numeric id")
    sp.add_argument("endpoint")
    sp.add_argument("remote_app", metavar="REMOTE_APP")
    sp.add_argument("--units", type=int, default=None,
                    help="number of remote units (default 1, peers 0)")
    sp.add_argument("--id", type=int, default=None, help="force the relation id")
    sp.add_argument("--role", choices=("requires", "provides", "peer"), default="requires")

    for name, fn, helptext in (
            ("set-data", cmd_set_data, "set keys of a databag (empty value deletes)"),
            ("get-data", cmd_get_data, "print a databag as compact JSON with sorted keys"),
            ("get-key", cmd_get_key, "print one raw value (no newline); exit 1 if missing")):
        sp = add(name, fn, helptext)
        sp.add_argument("relid", metavar="RELID")
        add_target_flags(sp)
        if name == "set-data":
            sp.add_argument("--file", help="JSON map of string to string")
            sp.add_argument("pairs", nargs="*", metavar="KEY=VALUE")
        elif name == "get-key":
            sp.add_argument("key", metavar="KEY")

    sp = add("set-leader", cmd_set_leader, "set leadership")
    sp.add_argument("value", metavar="true|false")
    sp = add("break-relation", cmd_break_relation, "mark a relation broken")
    sp.add_argument("relid", metavar="RELID")
    sp = add("remove-relation", cmd_remove_relation, "delete a relation from the state")
    sp.add_argument("relid", metavar="RELID")
    sp = add("set-unit", cmd_set_unit,
             "add or change a unit of the application (what goal-state lists)")
    sp.add_argument("unit", metavar="UNIT", help="APP/N")
    sp.add_argument("--status", default=None, help="its workload status (default unknown)")
    sp.add_argument("--life", choices=UNIT_LIVES, default=None)
    sp = add("remove-unit", cmd_remove_unit, "mark units of the application dying (juju remove-unit)")
    sp.add_argument("units", nargs="+", metavar="UNIT")
    add("remove-application", cmd_remove_application,
        "mark every unit of the application dying (juju remove-application)")
    sp = add("set-config", cmd_set_config,
             "set config keys (value parsed as JSON if it parses, else string; empty deletes)")
    sp.add_argument("pairs", nargs="+", metavar="KEY=VALUE")

    sp = add("fault", cmd_fault, "inject a fault into a hook tool")
    sp.add_argument("--tool", required=True)
    sp.add_argument("--match", default=None, help="substring of the space-joined args")
    sp.add_argument("--exit", type=int, default=1)
    sp.add_argument("--stderr", default="ERROR injected fault")
    sp.add_argument("--stdout", default=None)
    sp.add_argument("--times", type=int, default=1, help="calls affected; -1 = forever")
    sp.add_argument("--hang", action="store_true", help="sleep instead of exiting")
    add("clear-faults", cmd_clear_faults, "remove all faults")

    sp = add("calls", cmd_calls, "print the tool call log (one JSON argv per line)")
    sp.add_argument("--reset", action="store_true", help="empty the call log instead")
    sp.add_argument("--tool", default=None, help="only calls of this tool")
    sp.add_argument("--count", action="store_true", help="print the number of calls")
    sp = add("log", cmd_log, "print juju-log lines as 'LEVEL message'")
    sp.add_argument("--reset", action="store_true", help="empty the log instead")
    sp.add_argument("--debug-log", action="store_true",
                    help="print each record as juju debug-log shows it")
    sp = add("status", cmd_status, "print workload status as JSON")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--unit", action="store_true", help="print 'STATUS [MESSAGE]' of the unit")
    g.add_argument("--application", action="store_true",
                   help="print 'STATUS [MESSAGE]' of the application")

    sp = add("run", cmd_run, "run a hook like Juju")
    sp.add_argument("hook", metavar="HOOK")
    sp.add_argument("--relation", default=None, metavar="ID")
    sp.add_argument("--remote-unit", default=None, metavar="UNIT")
    sp.add_argument("--departing-unit", default=None, metavar="UNIT")
    sp.add_argument("--env", action="append", default=[], metavar="K=V")
    sp.add_argument("--path", action="append", default=[], metavar="DIR",
                    help="put DIR on PATH after the tools dir")
    sp.add_argument("--timeout", type=float, default=None, metavar="SECONDS")
    add_env_mode_flags(sp)

    sp = add("exec", cmd_exec, "run a command in a hook context like juju exec")
    sp.add_argument("--env", action="append", default=[], metavar="K=V")
    sp.add_argument("--path", action="append", default=[], metavar="DIR")
    sp.add_argument("--timeout", type=float, default=None, metavar="SECONDS")
    add_env_mode_flags(sp)
    sp.add_argument("cmd", nargs="*", metavar="-- CMD ARGS",
                    help="the command; put it after -- so its options are not jujusim's")
    return p


PARSER = None


def main(argv):
    global PARSER
    if PARSER is None:
        PARSER = build_parser()   # once: the agent runs many commands
    parser = PARSER
    cmd = None
    if argv and argv[0] == "exec" and "--" in argv:
        i = argv.index("--")
        argv, cmd = argv[:i], argv[i + 1:]
    args, extra = parser.parse_known_args(argv)
    if cmd is not None:
        if args.cmd:
            parser.error("exec: arguments before -- : %s" % " ".join(args.cmd))
        args.cmd = cmd
    if extra:
        # argparse stops filling KEY=VALUE positionals once an option follows
        # them; accept the leftovers where KEY=VALUE pairs are expected.
        if getattr(args, "pairs", None) is not None and all(
                not x.startswith("-") and "=" in x for x in extra):
            args.pairs = list(args.pairs) + extra
        else:
            parser.error("unrecognized arguments: %s" % " ".join(extra))
    try:
        return args.fn(args)
    except DriverError as e:
        sys.stderr.write("jujusim: %s\n" % e.msg)
        return e.code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
