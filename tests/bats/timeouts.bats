#!/usr/bin/env bats
# Deadlines: a hook tool or kubectl that hangs must not hang the hook.
# svcmesh-hook kills the child's whole process group at the deadline
# (SIGTERM, then SIGKILL after 2 s) and fails the hook with exit 1 and a
# message naming the program, so that Juju retries it. Times are asserted
# only as an upper bound (< 15 s), not as a benchmark.

load assertions
load '../kubesim/kubesim.bash'
load helpers   # J (jujusim), SVCMESH_BIN, bare_charm

TOOLS="${JUJUSIM_TOOLS_DIR:-$REPO_ROOT/build/jujusim/bin}"
NS=slow-model
APP=slow

setup() {
	bare_charm service-mesh-relation-created service-mesh-relation-changed || return 1
	cat > "$CHARM/service-mesh.yaml" <<-'YAML'
	consumer:
	  policies:
	    - {relation: data, endpoints: [{ports: [8080]}]}
	YAML
	"$J" init "$S" --app "$APP" --model "$NS" --leader --charm-dir "$CHARM" >/dev/null
	export JUJUSIM_ENV=juju
	MESH=$("$J" add-relation "$S" service-mesh beacon)
	"$J" add-relation "$S" data client >/dev/null
	PIDS="$BATS_TEST_TMPDIR/pids"
	mkdir -p "$PIDS"
}

teardown() {
	kubesim_stop
	# never leave a test process behind (only the pids this test recorded)
	for f in "$PIDS"/*.pid; do
		[[ -f "$f" ]] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	return 0
}

# 0 if the process exists and is not a zombie
# pid_kubectl COMMAND: $BATS_TEST_TMPDIR/kbin/kubectl records its pid in
# $PIDS/kubectl.pid, then runs COMMAND (a line of sh).
pid_kubectl() {
	mkdir -p "$BATS_TEST_TMPDIR/kbin"
	printf '#!/bin/sh\necho $$ > "%s/kubectl.pid"\n%s\n' "$PIDS" "$1" > "$BATS_TEST_TMPDIR/kbin/kubectl"
	chmod 755 "$BATS_TEST_TMPDIR/kbin/kubectl"
}

# settings KEY: VALUE...: a settings: section in the charm's service-mesh.yaml
settings() {
	printf 'settings:\n' >> "$CHARM/service-mesh.yaml"
	printf '  %s\n' "$@" >> "$CHARM/service-mesh.yaml"
}

alive() {
	local st
	[[ -r "/proc/$1/stat" ]] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1)
	[[ "$st" != Z ]]
}

@test "a hung relation-get (simulator --hang) with settings.hook-tool-timeout 2: exit 1 in bounded time, message names the tool" {
	settings "hook-tool-timeout: 2"
	"$J" fault "$S" --tool relation-get --hang
	start=$SECONDS
	run "$J" run "$S" service-mesh-relation-created --relation "$MESH"
	elapsed=$((SECONDS - start))
	assert_failure 1
	assert_output --partial "relation-get timed out after 2.0 s and was killed"
	[ "$elapsed" -lt 15 ]
	# the hung tool recorded itself; it is gone
	[ -s "$S.hangs" ]
	pid=$(awk '{print $2}' "$S.hangs" | tail -n 1)
	run alive "$pid"
	assert_failure
	# nothing was published
	run "$J" get-key "$S" "$MESH" --local-app policies
	assert_failure
}

@test "the whole process group of a hung tool is killed, even when it ignores SIGTERM" {
	# A relation-get that ignores TERM and leaves a grandchild: only a
	# SIGKILL to the process group ends both.
	mkdir -p "$BATS_TEST_TMPDIR/fake"
	cat > "$BATS_TEST_TMPDIR/fake/relation-get" <<-EOF
	#!/bin/sh
	trap '' TERM
	echo \$\$ > "$PIDS/tool.pid"
	sleep 300 &
	echo \$! > "$PIDS/grandchild.pid"
	wait
	EOF
	chmod 755 "$BATS_TEST_TMPDIR/fake/relation-get"
	settings "hook-tool-timeout: 1"
	start=$SECONDS
	run env -i HOME="$HOME" PATH="$BATS_TEST_TMPDIR/fake:$TOOLS:/usr/bin:/bin" \
		JUJUSIM_STATE="$S" JUJU_CONTEXT_ID=ctx-timeouts JUJU_UNIT_NAME="$APP/0" JUJU_MODEL_NAME="$NS" \
		JUJU_CHARM_DIR="$CHARM" JUJU_DISPATCH_PATH=hooks/service-mesh-relation-created \
		JUJU_HOOK_NAME=service-mesh-relation-created JUJU_RELATION=service-mesh JUJU_RELATION_ID="service-mesh:$MESH" \
		JUJU_REMOTE_APP=beacon \
		"$CHARM/svcmesh-hook"
	elapsed=$((SECONDS - start))
	assert_failure 1
	assert_output --partial "relation-get timed out after 1.0 s and was killed"
	[ "$elapsed" -lt 15 ]
	[ -s "$PIDS/tool.pid" ] && [ -s "$PIDS/grandchild.pid" ]
	run alive "$(cat "$PIDS/tool.pid")"
	assert_failure
	# the grandchild may need a moment to be reaped by init
	for _ in 1 2 3 4 5 6 7 8 9 10; do alive "$(cat "$PIDS/grandchild.pid")" || break; sleep 0.2; done
	run alive "$(cat "$PIDS/grandchild.pid")"
	assert_failure
}

@test "a slow API server (kubesim --delay) with settings.kubectl-timeout 2: kubectl killed, exit 1 naming it" {
	command -v kubectl >/dev/null || skip "kubectl is not installed"
	juju_model "$APP" "$NS"
	"$J" set-data "$S" "$MESH" --remote-app 'labels={"istio.io/dataplane-mode": "ambient"}'
	# a kubectl that records its pid and then becomes the real kubectl
	pid_kubectl "exec $(command -v kubectl) \"\$@\""
	settings "kubectl: $BATS_TEST_TMPDIR/kbin/kubectl" "kubectl-timeout: 2"
	kubesimctl fault --method GET --path statefulsets --delay 30 --status 200 --times 1 >/dev/null
	start=$SECONDS
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	elapsed=$((SECONDS - start))
	assert_failure 1
	# in a pod kubectl gets no --request-timeout (it would drop the in-cluster
	# config), so the process deadline ends it
	assert_output --regexp "kubectl (timed out after 2.0 s and was killed|failed \(exit status 1\): .*(Timeout|deadline) exceeded)"
	[ "$elapsed" -lt 15 ]
	run alive "$(cat "$PIDS/kubectl.pid")"
	assert_failure
	# nothing was written to the cluster
	run kubesim_writes
	assert_output 0
}

@test "a kubectl that hangs whatever its --request-timeout: killed at the deadline, exit 1 naming it" {
	"$J" set-data "$S" "$MESH" --remote-app 'labels={"istio.io/dataplane-mode": "ambient"}'
	pid_kubectl "exec sleep 60"
	settings "kubectl: $BATS_TEST_TMPDIR/kbin/kubectl" "kubectl-timeout: 2"
	start=$SECONDS
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	elapsed=$((SECONDS - start))
	assert_failure 1
	assert_output --partial "kubectl timed out after 2.0 s and was killed"
	[ "$elapsed" -lt 15 ]
	run alive "$(cat "$PIDS/kubectl.pid")"
	assert_failure
}

@test "settings.kubectl-timeout applies to kubectl only: a 2 s tool deadline does not cut a 4 s API answer when kubectl has 10 s" {
	command -v kubectl >/dev/null || skip "kubectl is not installed"
	juju_model "$APP" "$NS"
	ship_kubectl
	"$J" set-data "$S" "$MESH" --remote-app 'labels={"istio.io/dataplane-mode": "ambient"}'
	settings "hook-tool-timeout: 2" "kubectl-timeout: 10"
	kubesimctl fault --method GET --path statefulsets --delay 4 --times 1 >/dev/null
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_success
	run kubesimctl get statefulset "$NS" "$APP"
	assert_output --partial '"istio.io/dataplane-mode": "ambient"'
}

@test "the SVCMESH_* overrides still win when given by hand (juju exec), and a bad one is a warning, not the default in silence" {
	settings "hook-tool-timeout: 30"
	"$J" fault "$S" --tool relation-get --hang
	run "$J" run "$S" service-mesh-relation-created --relation "$MESH" --env SVCMESH_TIMEOUT=1
	assert_failure 1
	assert_output --partial "relation-get timed out after 1.0 s and was killed"
	"$J" clear-faults "$S"
	"$J" fault "$S" --tool relation-get --hang
	start=$SECONDS
	run "$J" run "$S" service-mesh-relation-created --relation "$MESH" --env SVCMESH_TIMEOUT=nan --timeout 8
	# nan is ignored with a warning: settings' 30 s applies, so jujusim's 8 s ends the hook
	assert_failure 124
	assert_output --partial "svcmesh-hook: warning: SVCMESH_TIMEOUT='nan' is not a number of seconds (0 < s <= 86400); ignoring it and using settings.hook-tool-timeout or 30"
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
