# tests/demo/lib.bash - what tests/demo/run-demo and tools/simulate share:
# playing the Juju controller between jujusim states (one per charm).
# Needs: TOP (repository root), QUIET (0/1). Defines JUJUSIM.
# shellcheck shell=bash

JUJUSIM="$TOP/tests/jujusim/jujusim"

say()  { [ "$QUIET" = 1 ] || printf '\n\033[1m== %s\033[0m\n' "$*"; }
info() { [ "$QUIET" = 1 ] || printf '   %s\n' "$*"; }
show() { if [ "$QUIET" = 1 ]; then cat >/dev/null; else sed 's/^/   | /'; fi; }

# run_hook STATE HOOK [RELID]: one hook; its juju-log records shown (not
# DEBUG), then what it changed in the application databags it wrote.
run_hook() {
	local state=$1 hook=$2 rel=${3:-} before rc=0
	before=$("$JUJUSIM" log "$state" | wc -l)
	snapshot "$state" > "$state.before"
	info "hook $hook on $(basename "$state" .json)"
	if [ -n "$rel" ]; then
		"$JUJUSIM" run "$state" "$hook" --relation "$rel" || rc=$?
	else
		"$JUJUSIM" run "$state" "$hook" || rc=$?
	fi
	"$JUJUSIM" log "$state" | tail -n +"$((before + 1))" | grep -v '^DEBUG ' | show || true
	snapshot "$state" | published "$state.before" | show || true
	[ $rc = 0 ] || info "(the hook failed: exit status $rc)"
	return $rc
}

# Every relation's own application databag, one line each: "RELID KEY=VALUE".
snapshot() {
	local state=$1 id
	for id in $(relation_ids "$state"); do
		"$JUJUSIM" get-data "$state" "$id" --local-app 2>/dev/null |
			/usr/bin/python3 -c 'import json, sys
for k, v in sorted(json.load(sys.stdin).items()): print(sys.argv[1], k + "=" + v)' "$id" || true
	done
}

# The relation ids of a state (endpoint:id), from the hook tools themselves.
relation_ids() {
	/usr/bin/python3 - "$1" <<-'PY'
	import json, sys
	for r in json.load(open(sys.argv[1])).get("relations", []):
	    if not r.get("broken"):
	        print("%s:%d" % (r["endpoint"], r["id"]))
	PY
}

# stdin: the snapshot after a hook; $1: the one before. Prints what changed.
published() {
	/usr/bin/python3 -c 'import sys
old = set(open(sys.argv[1]).read().splitlines())
for line in sys.stdin.read().splitlines():
    if line not in old:
        rel, kv = line.split(" ", 1)
        print("published on %s: %s" % (rel, kv))' "$1"
}

# carry FROM_STATE FROM_REL TO_STATE TO_REL: what one app wrote, the other app sees
carry() {
	local bag
	bag=$("$JUJUSIM" get-data "$1" "$2" --local-app)
	/usr/bin/python3 - "$bag" "$3" "$4" "$JUJUSIM" <<-'PY'
	import json, subprocess, sys
	bag = json.loads(sys.argv[1])
	args = [f"{k}={v}" for k, v in bag.items()]
	if args:
	    subprocess.run([sys.argv[4], "set-data", sys.argv[2], sys.argv[3], "--remote-app", *args], check=True)
	PY
}
