# helpers.bash - shared setup for hook-level tests of svcmesh-hook.
#
#   load helpers
#   setup() { svcmesh_setup; }          # charm dir + simulator state in $BATS_TEST_TMPDIR
#
# Globals set by svcmesh_setup / new_charm:
#   SVCMESH_BIN  binary under test (default: build/svcmesh-hook of this repo)
#   J            the jujusim driver
#   CHARM        charm dir: charm-skeleton/ with the binary copied in as svcmesh-hook
#                (from one snapshot per test file, see binary_snapshot)
#   S            simulator state file
#   ORACLE       tests/interop/python_consumer.py
#
# Functions:
#   new_charm [NAME]              fresh $CHARM (and $S) under $BATS_TEST_TMPDIR/NAME
#   bare_charm HOOK...            $CHARM = $BATS_TEST_TMPDIR/charm with only the
#                                 binary and hooks/HOOK -> ../svcmesh-hook for
#                                 each HOOK (no dispatch, no config); sets $S
#                                 ($BATS_TEST_TMPDIR/state.json) but does not
#                                 init it. For files that build their own charm:
#                                 setup() { bare_charm HOOK...; ...; }
#   sim_init [jujusim init args]  init $S: app consumer, model test-model, leader,
#                                 charm dir $CHARM (args override / add)
#   add_rel ENDPOINT APP [ARGS]   add a relation; sets REL (the id)
#   set_mode symlink|script|link  how Juju starts hooks: legacy hooks/<name>
#                                 symlinks only; a dispatch shell script; dispatch
#                                 as a symlink to the binary
#   link_hook NAME                add hooks/NAME -> ../svcmesh-hook
#   write_config                  stdin -> $CHARM/service-mesh.yaml
#   hook HOOK [jujusim run args]  jujusim run $S HOOK ...
#   in_exec CMD...                jujusim exec $S -- CMD... (juju exec context)
#   local_key RELID KEY           committed value of KEY in the own app databag
#   tool_calls                    the call log without juju-log, one tool name
#                                 and its arguments per line
#   tool_count [TOOL]             number of calls (juju-log excluded), or of TOOL
#   reset_calls                   empty the call log and the juju-log log
#   faulty_kubectl FILE           a kubectl wrapper that fails one write on demand
#   kubectl_fault FILE [N MODE COUNTER]
#                                 arm (or, without N..., disarm) that wrapper's fault
#   ship_kubectl [BINARY]         put BINARY (default: the machine's kubectl, symlinked)
#                                 at $CHARM/bin/kubectl, where a packed charm has it
#   juju_model APP NS [RULES]     Juju's real hook environment for the rest of the test:
#                                 jujusim runs hooks with --juju-env (JUJUSIM_ENV=juju: no
#                                 HOME, KUBECONFIG or SVCMESH_*, no kubectl on PATH), kubesim
#                                 over HTTPS with a service-account token for APP in NS
#                                 (RULES: file of RBAC rules, default: SVCMESH_RBAC, the
#                                 README's list) mounted where a pod has it; seeds the
#                                 charm's objects; needs kubesim.bash loaded. kubesim_stop
#                                 in teardown. Skips the test when not root.
#   provider_config [MANAGE]      $CHARM/service-mesh.yaml: an istio mesh provider with the
#                                 label istio.io/dataplane-mode: ambient (MANAGE: its
#                                 manage-policies value, left out when not given)
#   sts_labels, svc_labels        the labels (compact JSON) of the pod template of
#                                 StatefulSet $APP and of Service $APP in $NS (kubesim)
#   charm_files                   every path under $CHARM except the files svcmesh-hook
#                                 is meant to write there, one a line (to check that
#                                 kubectl wrote nothing, e.g. no .kube/cache)

REPO_ROOT="${BASH_SOURCE[0]%/*}"   # (no dirname process: this runs in every test)
[[ "$REPO_ROOT" == /* ]] || REPO_ROOT="$PWD/$REPO_ROOT"
REPO_ROOT="$(cd "$REPO_ROOT/../.." && pwd)"
# the simulated unit agents a test starts (one per state) end with the test
export JUJUSIM_OWNER_PID=$$
# in a test: one jujusim zygote per bats file (tests/jujusim/jujuc.c), which
# starts each state's agent as a fork of itself (Python starts once a file,
# not twice a state); it ends with the file's bats process, the test's parent
if [[ -n "${BATS_TEST_NAME:-}" && -n "${BATS_FILE_TMPDIR:-}" ]]; then
	export JUJUSIM_ZYGOTE="$BATS_FILE_TMPDIR/jujusim-zygote.sock" JUJUSIM_ZYGOTE_OWNER=$PPID
fi

# build/test-bin, first on the tests' PATH:
# - kubectl, for the tests and for the charms they ship (ship_kubectl, the
#   fault wrappers): the newest versioned kubectl binary (build/kubectl, filled
#   by tests/kubesim/get-kubectls, else the machine image's
#   /usr/lib/google-cloud-sdk/bin/kubectl.1.NN). The image's /usr/bin/kubectl
#   is Google's kubectl-dispatcher, which asks the server for /version and then
#   runs a versioned binary: twice the start-up (0.5 s against 0.25 s here) of
#   the one binary a charm ships (the kubectl snap's).
# - python3: Debian's /usr/bin/python3, the one the project's scripts name
#   (and whose python3-yaml they use). A pyenv shim first on PATH costs 0.4 s
#   a call before Python even starts.
test_bin_first_on_path() {
	local dir="$REPO_ROOT/build/test-bin" newest
	if [[ ! -x "$dir/kubectl" || ! -x "$dir/python3" ]]; then
		mkdir -p "$dir" || return 0
		newest=$(ls "$REPO_ROOT"/build/kubectl/kubectl.1.* /usr/lib/google-cloud-sdk/bin/kubectl.1.* \
			2>/dev/null | sort -t. -k3,3n | tail -n 1)
		if [[ -n "$newest" ]]; then
			ln -sf "$newest" "$dir/kubectl.$$" && mv -f "$dir/kubectl.$$" "$dir/kubectl"
		fi
		ln -sf /usr/bin/python3 "$dir/python3.$$" && mv -f "$dir/python3.$$" "$dir/python3"
	fi
	[[ ":$PATH:" == *":$dir:"* ]] || PATH="$dir:$PATH"
}
test_bin_first_on_path
SVCMESH_BIN="${SVCMESH_BIN:-$REPO_ROOT/build/svcmesh-hook}"
J="$REPO_ROOT/tests/jujusim/jujusim"
ORACLE="$REPO_ROOT/tests/interop/python_consumer.py"
SKELETON="$REPO_ROOT/charm-skeleton"
# The RBAC rules README.md lists for the charm's service account (extracted from
# the README by tests/bats/rbac-rules, so that the tests use exactly that list).
SVCMESH_RBAC="${BATS_FILE_TMPDIR:-/tmp}/svcmesh-rbac.json"

need_binary() {
	if [[ ! -x "$SVCMESH_BIN" ]]; then
		echo "svcmesh-hook binary not found at $SVCMESH_BIN (run make)" >&2
		return 1
	fi
}

svcmesh_setup() {
	need_binary || return 1
	new_charm main
}

bare_charm() {
	need_binary || return 1
	CHARM="$BATS_TEST_TMPDIR/charm"
	S="$BATS_TEST_TMPDIR/state.json"
	mkdir -p "$CHARM/hooks"
	cp "$(binary_snapshot)" "$CHARM/svcmesh-hook"
	chmod 755 "$CHARM/svcmesh-hook"
	local h
	for h in "$@"; do
		ln -s ../svcmesh-hook "$CHARM/hooks/$h"
	done
}

new_charm() {
	local name="${1:-main}"
	local base="$BATS_TEST_TMPDIR/$name"
	rm -rf "$base"
	mkdir -p "$base"
	CHARM="$base/charm"
	S="$base/state.json"
	cp -R "$SKELETON" "$CHARM"   # keeps hooks/* as relative symlinks
	cp "$(binary_snapshot)" "$CHARM/svcmesh-hook"
	chmod 755 "$CHARM/svcmesh-hook"
	rm -f "$CHARM/dispatch"
	sim_init
}

# One copy of the binary per test file, taken the first time it is needed, so
# that every test of a file runs the same binary even if build/ is rebuilt
# while the suite runs.
binary_snapshot() {
	local snap="${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR}/svcmesh-hook.snapshot"
	if [[ ! -x "$snap" ]]; then
		cp "$SVCMESH_BIN" "$snap.tmp.$$" && chmod 755 "$snap.tmp.$$" && mv "$snap.tmp.$$" "$snap"
	fi
	printf '%s\n' "$snap"
}

sim_init() {
	"$J" init "$S" --app consumer --model test-model --charm-dir "$CHARM" "$@" >/dev/null
}

add_rel() {
	REL="$("$J" add-relation "$S" "$@")" || return 1
}

set_mode() {
	rm -f "$CHARM/dispatch"
	case "$1" in
	symlink) ;;
	script)
		printf '#!/bin/sh\nexec "$JUJU_CHARM_DIR/svcmesh-hook"\n' > "$CHARM/dispatch"
		chmod 755 "$CHARM/dispatch"
		;;
	link) ln -s svcmesh-hook "$CHARM/dispatch" ;;
	*)
		echo "set_mode: unknown mode $1" >&2
		return 1
		;;
	esac
}

link_hook() {
	ln -sf ../svcmesh-hook "$CHARM/hooks/$1"
}

write_config() {
	cat > "$CHARM/service-mesh.yaml"
}

hook() {
	"$J" run "$S" "$@"
}

in_exec() {
	"$J" exec "$S" -- "$@"
}

local_key() {
	"$J" get-key "$S" "$1" --local-app "$2"
}

tool_calls() {
	# The log holds one JSON array per line; the tools svcmesh-hook calls take
	# plain arguments, so stripping the JSON punctuation is exact enough (and
	# much cheaper than a python3 per call).
	[[ -f "$S.calls" ]] || return 0
	grep -v '^\["juju-log"' "$S.calls" | sed -e 's/^\["//' -e 's/"\]$//' -e 's/", "/ /g' || true
}

tool_count() {
	if [[ -n "${1:-}" ]]; then
		tool_calls | awk -v t="$1" '$1 == t' | wc -l
	else
		tool_calls | wc -l
	fi
}

reset_calls() {
	"$J" calls "$S" --reset
	"$J" log "$S" --reset >/dev/null
}

# faulty_kubectl FILE: write a kubectl wrapper to FILE that runs the real
# kubectl, except that the FAIL_AT-th write invocation (patch, create,
# delete, apply, replace; counted in the file FAIL_COUNTER) fails: before
# it reaches the server (FAIL_MODE=before) or after the server applied it,
# the answer lost (FAIL_MODE=after). Prints "injected failure".
# FAIL_AT, FAIL_MODE and FAIL_COUNTER come from the environment or, when
# FAIL_AT is not set there, from FILE.fault (see kubectl_fault): a hook in
# Juju's environment gets no test variables, so the wrapper shipped as the
# charm's bin/kubectl reads them from there. With neither it is the real
# kubectl (by absolute path: Juju's hook PATH has none).
faulty_kubectl() {
	local real
	real=$(command -v kubectl) || return 1
	cat > "$1" <<-EOF
	#!/bin/sh
	[ -n "\$FAIL_AT" ] || [ ! -f "$1.fault" ] || . "$1.fault"
	[ -n "\$FAIL_AT" ] || exec "$real" "\$@"
	verb=
	for a in "\$@"; do case "\$a" in -*) ;; *) verb=\$a; break;; esac; done
	case "\$verb" in patch|create|delete|apply|replace) ;; *) exec "$real" "\$@";; esac
	n=\$((\$(cat "\$FAIL_COUNTER" 2>/dev/null || echo 0) + 1))
	echo \$n > "\$FAIL_COUNTER"
	[ "\$n" = "\$FAIL_AT" ] || exec "$real" "\$@"
	if [ "\$FAIL_MODE" = after ]; then "$real" "\$@" >/dev/null; fi
	echo "error: injected failure at kubectl write \$n (\$FAIL_MODE)" >&2
	exit 1
	EOF
	chmod 755 "$1"
}

# kubectl_fault FILE N MODE COUNTER: the faulty_kubectl at FILE fails its
# N-th write (MODE before|after, counted in COUNTER) from now on, whatever
# environment runs it; kubectl_fault FILE: no fault any more.
kubectl_fault() {
	if [[ $# -eq 1 ]]; then
		rm -f "$1.fault"
		return
	fi
	printf 'FAIL_AT=%q FAIL_MODE=%q FAIL_COUNTER=%q\n' "$2" "$3" "$4" > "$1.fault"
}

ship_kubectl() {
	local bin="${1:-}"
	if [[ -z "$bin" ]]; then
		bin=$(command -v kubectl) || { echo "ship_kubectl: no kubectl on PATH" >&2; return 1; }
		bin=$(readlink -f "$bin")
	fi
	mkdir -p "$CHARM/bin"
	ln -sf "$bin" "$CHARM/bin/kubectl"
}

juju_model() {
	local app="$1" ns="$2" rules="${3:-}"
	[[ $(id -u) = 0 ]] || skip "Juju's hook environment needs root (a private mount namespace for the service account)"
	if [[ -z "$rules" ]]; then
		"$REPO_ROOT/tests/bats/rbac-rules" "$REPO_ROOT/README.md" > "$SVCMESH_RBAC" || return 1
		rules="$SVCMESH_RBAC"
	fi
	export JUJUSIM_ENV=juju
	kubesim_start_pod "$app" "$ns" "$rules" || return 1
	kubesim_seed_charm "$app" "$ns"
}

charm_files() {
	(cd "$CHARM" && find . -mindepth 1 | sort | grep -v -x -e ./.svcmesh-hook-apps)
}

provider_config() {
	printf 'provider:\n  mesh-type: istio\n  labels: {istio.io/dataplane-mode: ambient}\n' > "$CHARM/service-mesh.yaml"
	if [[ $# -gt 0 ]]; then
		printf '  manage-policies: %s\n' "$1" >> "$CHARM/service-mesh.yaml"
	fi
}

sts_labels() {
	kubesimctl get statefulset "$NS" "$APP" | jq -c .spec.template.metadata.labels
}

svc_labels() {
	kubesimctl get service "$NS" "$APP" | jq -c .metadata.labels
}

# in a bats test: these helpers run without bats' per-command DEBUG trap
# (tests/bats/untraced.bash, loaded by tests/bats/assertions.bash)
if declare -F untraced_file >/dev/null; then
	untraced_file "${BASH_SOURCE[0]}"
fi
