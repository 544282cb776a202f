"""jujusim hook tools: what each Juju hook tool does, run inside the agent.

The simulated unit agent (agent.py) imports this module once and calls
run_tool() for each request that a hook-tool client (jujuc.c, symlinked as
relation-get, is-leader, ...) sends it, one request at a time, as Juju's
agent runs one hook-tool command at a time. The tools are relation-ids,
relation-list, relation-get, relation-set, is-leader, juju-log, status-set,
config-get and goal-state, against the JSON state file of the agent. See
README.md next to this file.

While a request runs, ENV is the client's environment (the hook context
variables it forwards), sys.stdout/sys.stderr are the reply's buffers and
sys.stdin is the stdin the client sent (reading it when none was sent asks
the client for it, as Juju's agent does); the working directory is the
client's.
"""
import json
import os
import sys
import time

TOOLS = ("relation-ids", "relation-list", "relation-get", "relation-set",
         "is-leader", "juju-log", "status-set", "config-get", "goal-state")
FORMATS = ("smart", "yaml", "json")
STATUSES = ("maintenance", "blocked", "waiting", "active")
LOG_LEVELS = {"TRACE": "TRACE", "DEBUG": "DEBUG", "INFO": "INFO",
              "WARN": "WARNING", "WARNING": "WARNING", "ERROR": "ERROR",
              "CRITICAL": "CRITICAL"}
HANG_MAX_DEFAULT = 3600.0
ENV = {}          # the calling client's environment (set per request)
TOOL = ""         # the tool of the request being run


class Fail(Exception):
    """A tool error: message printed as 'ERROR <msg>', exit code."""

    def __init__(self, msg, code=1):
        Exception.__init__(self, msg)
        self.msg = msg
        self.code = code


def usage_error(msg):
    return Fail(msg, 2)


# ---------------------------------------------------------------- helpers

def go_quote(s):
    """Go's %q for a plain string (good enough for error texts)."""
    return json.dumps(s, ensure_ascii=False)


def go_quote_list(items):
    return "[" + " ".join(go_quote(x) for x in items) + "]"


def check_empty(args):
    if args:
        raise usage_error("unrecognized args: " + go_quote_list(args))


def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


class Lock:
    """flock on <state>.lock for read-modify-write of state/pending files."""

    def __init__(self, state_path):
        self.path = state_path + ".lock"
        self.fd = -1

    def __enter__(self):
        import fcntl
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        os.close(self.fd)  # releases the flock
        return False


def load_json(path, default):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def dump_compact(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


# ---------------------------------------------------------------- flags

class Flag:
    __slots__ = ("names", "kind", "dest", "setter")

    def __init__(self, names, kind, dest, setter=None):
        self.names = names      # e.g. ("r", "relation")
        self.kind = kind        # "bool" or "str"
        self.dest = dest
        self.setter = setter    # optional callable(value, shown_name) -> value


BOOL_TRUE = ("1", "t", "T", "true", "TRUE", "True")
BOOL_FALSE = ("0", "f", "F", "false", "FALSE", "False")


def parse_flags(args, flags, opts):
    """GNU-style parsing with interspersed positionals; returns positionals.

    Fills opts[dest].  Raises Fail(exit 2) on usage errors, and exits 0 after
    printing help for -h/--help.
    """
    table = {}
    for fl in flags:
        for n in fl.names:
            table[n] = fl
    positionals = []
    i = 0
    n_args = len(args)

    def set_value(fl, shown, value):
        if fl.kind == "bool":
            if value is None or value in BOOL_TRUE:
                opts[fl.dest] = True
            elif value in BOOL_FALSE:
                opts[fl.dest] = False
            else:
                raise usage_error(
                    'invalid value %s for option %s: strconv.ParseBool: parsing %s: invalid syntax'
                    % (go_quote(value), shown, go_quote(value)))
            return
        if fl.setter is not None:
            try:
                opts[fl.dest] = fl.setter(value)
            except Fail as e:
                raise usage_error("invalid value %s for option %s: %s"
                                  % (go_quote(value), shown, e.msg))
        else:
            opts[fl.dest] = value

    while i < n_args:
        a = args[i]
        i += 1
        if a == "--":
            positionals.extend(args[i:])
            break
        if a.startswith("--") and len(a) > 2:
            name, eq, value = a[2:].partition("=")
            shown = "--" + name
            if name in ("help", "h") and name not in table:
                raise SystemExit(print_help())
            fl = table.get(name)
            if fl is None:
                raise usage_error("option provided but not defined: " + shown)
            if not eq:
                value = None
                if fl.kind != "bool":
                    if i >= n_args:
                        raise usage_error("option needs an argument: " + shown)
                    value = args[i]
                    i += 1
            set_value(fl, shown, value)
        elif a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                shown = "-" + c
                fl = table.get(c)
                if fl is None:
                    if c == "h":
                        raise SystemExit(print_help())
                    raise usage_error("option provided but not defined: " + shown)
                if fl.kind == "bool":
                    value = None
                    if a[j + 1:j + 2] == "=":
                        value = a[j + 2:]
                        j = len(a)
                    set_value(fl, shown, value)
                    j += 1
                    continue
                value = a[j + 1:]
                if value == "":
                    if i >= n_args:
                        raise usage_error("option needs an argument: " + shown)
                    value = args[i]
                    i += 1
                set_value(fl, shown, value)
                break
        else:
            positionals.append(a)
    return positionals


def check_format(value):
    if value not in FORMATS:
        raise Fail("unknown format %s" % go_quote(value), 2)
    return value


def output_flags():
    return [Flag(("format",), "str", "format", check_format),
            Flag(("o", "output"), "str", "output")]


# ---------------------------------------------------------------- output

def yaml_dump(value):
    import yaml
    text = yaml.safe_dump(value, default_flow_style=False, allow_unicode=True,
                          sort_keys=True)
    if text.endswith("\n...\n"):
        text = text[:-4]
    return text


def go_text(value):
    """A value as Go holds it: a Python str may carry bytes that are not
    UTF-8 as lone surrogates (a state file may say "\\udcff"); Go's
    encoding/json (Juju's FormatJson is json.Marshal) prints each such byte
    as U+FFFD, and a NUL as \\u0000, so relation-get never prints invalid
    UTF-8 or a lone surrogate escape."""
    if isinstance(value, str):
        import re  # already loaded by json
        return re.sub("[\ud800-\udfff]", "\ufffd", value)
    if isinstance(value, dict):
        return {go_text(k): go_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [go_text(v) for v in value]
    return value


def format_value(value, fmt):
    value = go_text(value)
    if fmt == "json":
        return json.dumps(value, separators=(",", ":"), sort_keys=True) + "\n"
    if fmt == "yaml":
        return yaml_dump(value)
    # smart: meant for humans
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "True" if value else "False"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(x, str) for x in value):
        text = "\n".join(value)
    elif isinstance(value, (int, float)):
        text = str(value)
    else:
        text = yaml_dump(value)
    if text and not text.endswith("\n"):
        text += "\n"
    return text


def write_output(opts, value):
    write_text(opts, format_value(value, opts.get("format") or "smart"))


def write_text(opts, text):
    """text to -o/--output FILE when given, else to stdout."""
    path = opts.get("output")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


# ---------------------------------------------------------------- context

class Ctx:
    """Everything a tool needs: state, env-derived hook context, pending writes."""

    def __init__(self, state_path, state, context_id):
        self.state_path = state_path
        self.state = state
        self.context_id = context_id
        env = ENV
        self.hook_relation = None
        rid = env.get("JUJU_RELATION_ID", "")
        if rid:
            try:
                self.hook_relation = int(rid.rpartition(":")[2])
            except ValueError:
                self.hook_relation = None
        self.remote_unit = env.get("JUJU_REMOTE_UNIT", "")
        self.remote_app = env.get("JUJU_REMOTE_APP", "")
        self._pending = None

    @property
    def unit(self):
        return self.state["unit"]

    @property
    def app(self):
        return self.state["app"]

    @property
    def leader(self):
        return bool(self.state.get("leader"))

    def relation(self, rid):
        for rel in self.state.get("relations", ()):
            if rel.get("id") == rid:
                return rel
        return None

    def relation_flag(self):
        """Flag for -r/--relation; value resolved at parse time, like Juju."""
        def setter(value):
            try:
                rid = int(value.rpartition(":")[2])
            except ValueError:
                raise Fail("invalid relation id")
            if self.relation(rid) is None:
                raise Fail("relation not found")
            return rid
        return Flag(("r", "relation"), "str", "relation", setter)

    def pending_path(self):
        return self.state_path + ".pending"

    def pending(self):
        if self._pending is None:
            allp = load_json(self.pending_path(), {})
            self._pending = allp.get(self.context_id, {})
        return self._pending

    def local_bag(self, rel, which):
        """Committed data of the local unit/app databag plus pending writes."""
        base = rel.get("local_app" if which == "app" else "local_unit") or {}
        data = dict(base)
        changes = self.pending().get(str(rel["id"]), {}).get(which, {})
        for k, v in changes.items():
            if v is None:
                data.pop(k, None)
            else:
                data[k] = v
        return data


def fake_id(rel):
    return "%s:%d" % (rel["endpoint"], rel["id"])


# ---------------------------------------------------------------- tools

def cmd_relation_ids(ctx, args):
    opts = {}
    pos = parse_flags(args, output_flags(), opts)
    name = ENV.get("JUJU_RELATION", "")
    if ctx.hook_relation is not None:
        rel = ctx.relation(ctx.hook_relation)
        if rel is not None:
            name = rel["endpoint"]
    if pos:
        name = pos[0]
        pos = pos[1:]
    elif not name:
        raise usage_error("no endpoint name specified")
    check_empty(pos)
    list_broken = bool(ctx.state.get("list_broken"))
    result = [fake_id(r) for r in ctx.state.get("relations", ())
              if r["endpoint"] == name and (list_broken or not r.get("broken"))]
    result.sort()
    write_output(opts, result)


def cmd_relation_list(ctx, args):
    opts = {"relation": ctx.hook_relation, "app": False}
    flags = output_flags() + [ctx.relation_flag(), Flag(("app",), "bool", "app")]
    pos = parse_flags(args, flags, opts)
    if opts["relation"] is None:
        raise usage_error("no relation id specified")
    check_empty(pos)
    rel = ctx.relation(opts["relation"])
    if rel is None:
        raise Fail("relation not found")
    if opts["app"]:
        write_output(opts, rel.get("remote_app", ""))
        return
    units = [] if rel.get("broken") else sorted(rel.get("remote_units") or [])
    write_output(opts, units)


def _name_re():
    import re
    app = r"[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*"
    return re.compile("^" + app + "$"), re.compile("^" + app + "/[0-9]+$")


def cmd_relation_get(ctx, args):
    opts = {"relation": ctx.hook_relation, "app": False}
    flags = output_flags() + [ctx.relation_flag(), Flag(("app",), "bool", "app")]
    pos = parse_flags(args, flags, opts)
    if opts["relation"] is None:
        raise usage_error("no relation id specified")
    key = ""
    if pos:
        key = pos[0]
        if key == "-":
            key = ""
        pos = pos[1:]
    app_mode = opts["app"]
    app_re, unit_re = _name_re()
    if pos:
        given = pos[0]
        pos = pos[1:]
        if app_mode:
            if app_re.match(given):
                name = given
            elif unit_re.match(given):
                name = given.partition("/")[0]
            else:
                raise usage_error("invalid application name %s" % go_quote(given))
        else:
            if not unit_re.match(given):
                if app_re.match(given):
                    raise usage_error("expected unit name, got application name %s"
                                      % go_quote(given))
                raise usage_error("invalid unit name %s" % go_quote(given))
            name = given
    elif app_mode:
        if not ctx.remote_app:
            raise usage_error("no unit or application specified")
        name = ctx.remote_app
    elif ctx.remote_unit:
        name = ctx.remote_unit
    elif ctx.remote_app:
        name = ctx.remote_app
        app_mode = True
    else:
        raise usage_error("no unit or application specified")
    check_empty(pos)

    rel = ctx.relation(opts["relation"])
    if rel is None:
        raise Fail("relation not found")
    if not app_mode and name == ctx.unit:
        data = ctx.local_bag(rel, "unit")
    elif app_mode and name == ctx.app and ctx.leader:
        data = ctx.local_bag(rel, "app")
    elif app_mode:
        peer = rel.get("role") == "peer"
        if name == ctx.app:
            if not peer:
                raise Fail("permission denied")
            data = rel.get("local_app") or {}
        elif name == rel.get("remote_app"):
            data = rel.get("remote_app_data") or {}
        else:
            raise Fail("permission denied")
    else:
        bags = rel.get("remote_unit_data") or {}
        if name in bags:
            data = bags[name]
        elif name in (rel.get("remote_units") or ()):
            data = {}
        else:
            raise Fail('cannot read settings for unit %s in relation %s: unit %s: settings not found'
                       % (go_quote(name), go_quote(fake_id(rel)), go_quote(name)))
    if key:
        write_output(opts, data.get(key))
    else:
        write_output(opts, data)


def parse_settings(text):
    """stdin/file content: JSON, else YAML; must be a map of string to string."""
    stripped = text.strip()
    if not stripped:
        return {}
    try:
        data = json.loads(stripped)
    except ValueError:
        import yaml
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise Fail("yaml: " + " ".join(str(e).split()))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Fail("cannot parse settings: expected a map of string to string, got %s"
                   % type(data).__name__)
    for k, v in data.items():
        if not isinstance(k, str):
            raise Fail("cannot parse settings: key %r is not a string" % (k,))
        if not isinstance(v, str):
            raise Fail("cannot parse settings: value of key %s is %s, not a string"
                       % (go_quote(k), "null" if v is None else type(v).__name__))
    return data


def cmd_relation_set(ctx, args):
    opts = {"relation": ctx.hook_relation, "app": False, "file": None,
            "format": None}
    flags = [ctx.relation_flag(), Flag(("app",), "bool", "app"),
             Flag(("file",), "str", "file"), Flag(("format",), "str", "format")]
    pos = parse_flags(args, flags, opts)
    if opts["relation"] is None:
        raise usage_error("no relation id specified")
    overrides = {}
    for a in pos:
        k, eq, v = a.partition("=")
        if not eq or not k:
            raise usage_error('expected "key=value", got %s' % go_quote(a))
        if k in overrides:
            raise usage_error("key %s specified more than once" % go_quote(k))
        overrides[k] = v
    if opts["format"]:
        sys.stderr.write('--format flag deprecated for command "relation-set"')
    settings = {}
    path = opts["file"]
    if path:
        if path == "-":
            text = sys.stdin.read()
        else:
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                raise Fail("open %s: %s" % (path, (e.strerror or str(e)).lower()))
        settings = parse_settings(text)
    settings.update(overrides)
    rel = ctx.relation(opts["relation"])
    if rel is None:
        raise Fail("relation not found")
    which = "unit"
    if opts["app"]:
        if not ctx.leader:
            raise Fail("cannot write relation settings")
        which = "app"
    if not settings:
        return
    with Lock(ctx.state_path):
        allp = load_json(ctx.pending_path(), {})
        mine = allp.setdefault(ctx.context_id, {})
        bag = mine.setdefault(str(rel["id"]), {}).setdefault(which, {})
        for k, v in settings.items():
            bag[k] = v if v != "" else None
        write_atomic(ctx.pending_path(), json.dumps(allp, sort_keys=True))


def cmd_is_leader(ctx, args):
    opts = {}
    check_empty(parse_flags(args, output_flags(), opts))
    write_output(opts, ctx.leader)


def cmd_juju_log(ctx, args):
    opts = {"debug": False, "level": "", "format": None}
    flags = [Flag(("debug",), "bool", "debug"),
             Flag(("l", "log-level"), "str", "level"),
             Flag(("format",), "str", "format")]
    pos = parse_flags(args, flags, opts)
    if not pos:
        raise usage_error("no message specified")
    records = []
    level = "INFO"
    if opts["debug"]:
        level = "DEBUG"
    elif opts["level"]:
        level = LOG_LEVELS.get(opts["level"].upper())
        if level is None:
            # as juju-log.go: a warning of its own, then the message at INFO
            records.append(("WARNING", "Specified log level of %s is not valid" % json.dumps(opts["level"])))
            level = "INFO"
    message = " ".join(pos)
    # Juju (worker/uniter/runner/jujuc/juju-log.go) prefixes the record of
    # a relation hook with the relation's "endpoint:id: "
    if ctx.hook_relation is not None:
        rel = ctx.relation(ctx.hook_relation)
        if rel is not None:
            message = fake_id(rel) + ": " + message
    records.append((level, message))
    out = ""
    for lvl, msg in records:
        entry = {"level": lvl, "message": msg, "context": ctx.context_id,
                 "line": debug_log_line(ctx.unit, lvl, msg)}
        out += json.dumps(entry, sort_keys=True) + "\n"
    fd = os.open(ctx.state_path + ".log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, out.encode("utf-8"))
    finally:
        os.close(fd)


def debug_log_line(unit, level, message):
    """The record as `juju debug-log` prints it: entity tag, time, level,
    module (unit.<unit>.juju-log), message."""
    return "unit-%s: %s %s unit.%s.juju-log %s" % (
        unit.replace("/", "-"), time.strftime("%H:%M:%S"), level, unit, message)


def cmd_status_set(ctx, args):
    opts = {"application": False}
    pos = parse_flags(args, [Flag(("application",), "bool", "application")], opts)
    if not pos:
        raise usage_error("invalid args, require <status> [message] [data]")
    if pos[0] not in STATUSES:
        raise usage_error("invalid status %s, expected one of [%s]"
                          % (go_quote(pos[0]), " ".join(STATUSES)))
    status = pos[0]
    message = ""
    if len(pos) > 1:
        message = pos[1]
        check_empty(pos[2:])
    target = "unit"
    if opts["application"]:
        if not ctx.leader:
            raise Fail("this unit is not the leader")
        target = "application"
    with Lock(ctx.state_path):
        state = load_json(ctx.state_path, None)
        if state is None:
            raise Fail("jujusim: state file %s vanished" % ctx.state_path)
        state.setdefault("status", {})[target] = {"status": status, "message": message}
        write_atomic(ctx.state_path, json.dumps(state, indent=1, sort_keys=True))


def cmd_config_get(ctx, args):
    opts = {"all": False}
    pos = parse_flags(args, output_flags() + [Flag(("a", "all"), "bool", "all")], opts)
    config = ctx.state.get("config") or {}
    if pos:
        key = pos[0]
        check_empty(pos[1:])
        write_output(opts, config.get(key))
        return
    if opts["all"]:
        write_output(opts, config)
    else:
        write_output(opts, {k: v for k, v in config.items() if v is not None})


GOAL_FORMATS = ("yaml", "json")   # goal-state has no smart format
DEFAULT_SINCE = "2025-01-01 00:00:00Z"


def check_goal_format(value):
    if value not in GOAL_FORMATS:
        raise Fail("unknown format %s" % go_quote(value), 2)
    return value


def goal_units(state):
    """The application's units as goal-state lists them (see the driver's
    set-unit): every unit that is not dead, its workload status or "dying"."""
    units = dict(state.get("units") or {})
    own = state["unit"]
    units.setdefault(own, {})
    for rel in state.get("relations", ()):
        if rel.get("role") == "peer":
            for u in rel.get("remote_units") or ():
                units.setdefault(u, {})
    out = {}
    for name, u in units.items():
        life = u.get("life", "alive")
        if life == "dead":
            continue
        status = u.get("status", "unknown")
        if name == own:
            status = ((state.get("status") or {}).get("unit") or {}).get("status", status)
        if life == "dying":
            status = "dying"
        out[name] = (status, u.get("since") or state.get("since") or DEFAULT_SINCE)
    return out


def goal_relations(state):
    """endpoint -> {remote app: relation status, remote unit: "unknown"}; peer
    relations are left out (as Juju's goalStateRelations)."""
    out = {}
    for rel in state.get("relations", ()):
        if rel.get("role") == "peer":
            continue
        since = rel.get("since") or state.get("since") or DEFAULT_SINCE
        units = rel.get("remote_units") or []
        status = "broken" if rel.get("broken") else "joined" if units else "joining"
        bag = out.setdefault(rel["endpoint"], {})
        bag[rel.get("remote_app", "")] = (status, since)
        for u in units:
            bag[u] = ("unknown", since)
    return out


def goal_json(units):
    """Go's json.Marshal of map[string]{Status, Since}: keys sorted, fields in
    struct order."""
    return "{" + ",".join('%s:{"status":%s,"since":%s}' % (
        json.dumps(k), json.dumps(s), json.dumps(t)) for k, (s, t) in sorted(units.items())) + "}"


def goal_yaml(units, indent):
    if not units:
        return " {}\n"
    pad = " " * indent
    text = "\n"
    for k, (s, t) in sorted(units.items()):
        text += '%s%s:\n%s  status: %s\n%s  since: "%s"\n' % (pad, k, pad, s, pad, t)
    return text


def cmd_goal_state(ctx, args):
    opts = {"format": "yaml"}
    flags = [Flag(("format",), "str", "format", check_goal_format),
             Flag(("o", "output"), "str", "output")]
    check_empty(parse_flags(args, flags, opts))
    units = goal_units(ctx.state)
    rels = goal_relations(ctx.state)
    if opts["format"] == "json":
        text = '{"units":%s,"relations":{%s}}\n' % (goal_json(units), ",".join(
            "%s:%s" % (json.dumps(k), goal_json(v)) for k, v in sorted(rels.items())))
    else:
        text = "units:" + goal_yaml(units, 2) + "relations:"
        if not rels:
            text += " {}\n"
        else:
            text += "\n" + "".join("  %s:%s" % (k, goal_yaml(v, 4)) for k, v in sorted(rels.items()))
    write_text(opts, text)


HANDLERS = {
    "relation-ids": cmd_relation_ids,
    "relation-list": cmd_relation_list,
    "relation-get": cmd_relation_get,
    "relation-set": cmd_relation_set,
    "is-leader": cmd_is_leader,
    "juju-log": cmd_juju_log,
    "status-set": cmd_status_set,
    "config-get": cmd_config_get,
    "goal-state": cmd_goal_state,
}

def print_help():
    sys.stdout.write("Usage: %s [options] ...\n(jujusim simulation of the Juju hook tool; "
                     "see tests/jujusim/README.md)\n" % TOOL)
    return 0


# ---------------------------------------------------------------- faults

def apply_faults(state_path, state, tool, args, context_id):
    faults = state.get("faults") or ()
    if not faults:
        return
    joined = " ".join(args)
    hit = None
    for f in faults:
        if f.get("tool") != tool:
            continue
        match = f.get("match")
        if match and match not in joined:
            continue
        hit = f
        break
    if hit is None:
        return
    if hit.get("times", 1) != -1:
        with Lock(state_path):
            fresh = load_json(state_path, {})
            kept = []
            found = False
            for f in fresh.get("faults") or ():
                if not found and f.get("id") == hit.get("id"):
                    found = True
                    left = f.get("times", 1) - 1
                    if left > 0:
                        f["times"] = left
                        kept.append(f)
                    continue
                kept.append(f)
            if not found:
                return  # consumed by a concurrent call
            fresh["faults"] = kept
            write_atomic(state_path, json.dumps(fresh, indent=1, sort_keys=True))
    if hit.get("hang"):
        raise Hang(float(ENV.get("JUJUSIM_HANG_MAX", HANG_MAX_DEFAULT)))
    out = hit.get("stdout") or ""
    if out:
        sys.stdout.write(out)
        sys.stdout.flush()
    err = hit.get("stderr", "ERROR injected fault")
    if err:
        if not err.endswith("\n"):
            err += "\n"
        sys.stderr.write(err)
        sys.stderr.flush()
    raise SystemExit(int(hit.get("exit", 1)))


# ---------------------------------------------------------------- main

class Hang(Exception):
    """A fault makes the tool hang: the client sleeps `limit` seconds, then exits 124."""

    def __init__(self, limit):
        Exception.__init__(self, "hang")
        self.limit = limit


class NeedStdin(Exception):
    """The tool read stdin and the client sent none: it sends it and asks again."""


class _NoStdin:
    def read(self, *a):
        raise NeedStdin()

    readline = read


STATE_CACHE = {}   # path -> ((st_ino, st_mtime_ns, st_size), state)


def cached_state(path):
    """The state as the driver last wrote it: parsed again only when the file
    changed (every writer replaces it by rename). Tools read it, never change
    the object: a writer reloads the file under the lock."""
    st = os.stat(path)
    key = (st.st_ino, st.st_mtime_ns, st.st_size)
    hit = STATE_CACHE.get(path)
    if hit is not None and hit[0] == key:
        return hit[1]
    with open(path, encoding="utf-8") as f:
        state = json.load(f)
    STATE_CACHE[path] = (key, state)
    return state


def log_call(state_path, tool, args):
    line = json.dumps([tool] + args) + "\n"
    fd = os.open(state_path + ".calls", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8", "surrogateescape"))
    finally:
        os.close(fd)


def run_tool(state_path, tool, args, env, stdin):
    """Run one hook-tool command. stdin: the client's stdin as str, or None
    when it sent none. Returns (exit code, stdout, stderr); raises Hang, or
    NeedStdin before anything was logged or changed."""
    global ENV, TOOL
    import io
    ENV, TOOL = env, tool
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.StringIO(stdin) if stdin is not None else _NoStdin()
    code = 0
    try:
        try:
            context_id = env.get("JUJU_CONTEXT_ID", "")
            if not context_id:
                raise Fail("JUJU_CONTEXT_ID not set")
            handler = HANDLERS.get(tool)
            if handler is None:
                raise Fail("unknown command: %s" % tool)
            try:
                state = cached_state(state_path)
            except (OSError, ValueError) as e:
                raise Fail("jujusim: cannot read state %s: %s" % (state_path, e))
            apply_faults(state_path, state, tool, args, context_id)
            handler(Ctx(state_path, state, context_id), args)
        except Fail as e:
            err.write("ERROR %s\n" % e.msg)
            code = e.code
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except NeedStdin:
            raise
        except Hang:
            log_call(state_path, tool, args)
            raise
        log_call(state_path, tool, args)
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
    return code, out.getvalue(), err.getvalue()
