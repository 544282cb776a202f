#!/usr/bin/env bats
# Call budget: exactly which hook-tool and kubectl calls representative hooks
# make, counted from the Juju simulator's call log ($S.calls), a kubectl
# wrapper's invocation log and kubesim's request log. Deterministic: nothing
# here depends on time. BENCHMARKS.md explains each budget.
#
# Consumer budget (issue "Performance: the fewest hook-tool and kubectl
# calls"): no more than 1 is-leader; 1 relation-ids per distinct endpoint it
# needs; 1 relation-list --app per relation other than the hook's own (whose
# remote app is JUJU_REMOTE_APP); 1 relation-get per cross-model relation;
# 1 relation-get of its own published data; 1 relation-set, only when
# something changed; no call repeated within a hook.

load assertions
load helpers
load '../kubesim/kubesim.bash'

setup() {
	svcmesh_setup
	export SVCMESH_STATS="$BATS_TEST_TMPDIR/stats"
	# hooks run in Juju's environment: no HOME, KUBECONFIG or SVCMESH_* from here
	export JUJUSIM_ENV=juju
}

# jujusim run, in Juju's environment; the one SVCMESH_* a hook here gets is
# passed explicitly: SVCMESH_STATS, a measurement that changes nothing the
# hook does (it has no settings key on purpose: it is not for charms).
hook() {
	"$J" run "$S" "$@" --env "SVCMESH_STATS=$SVCMESH_STATS"
}

# The charm's own settings.remember-apps: false (what a charm author sets).
forget_apps() {
	printf 'settings:\n  remember-apps: false\n' >> "$CHARM/service-mesh.yaml"
}

teardown() {
	kubesim_stop
}

# The skeleton charm (policies on data: app, metrics: unit) with
#   service-mesh:0 -> beacon
#   data:1 -> alpha, data:2 -> beta, data:3 -> remotea (a cross-model alias)
#   metrics:4 -> gamma
#   provide-cmr-mesh:5 -> remotea, provide-cmr-mesh:6 -> remoteb (cmr_data)
model() {
	add_rel service-mesh beacon
	add_rel data alpha
	add_rel data beta
	add_rel data remotea
	add_rel metrics gamma
	add_rel provide-cmr-mesh remotea
	"$J" set-data "$S" 5 --remote-app 'cmr_data={"app_name": "realalpha", "juju_model_name": "far"}'
	add_rel provide-cmr-mesh remoteb
	"$J" set-data "$S" 6 --remote-app 'cmr_data={"app_name": "realbeta", "juju_model_name": "far"}'
}

run_hook() {
	run hook "$@"
	assert_success
}

# Every call but juju-log as "TOOL [RELID] [NAME]", sorted: relation-ids
# shows its endpoint, relation-get its relation and the app read.
calls() {
	python3 - "$S.calls" <<-'EOF' | LC_ALL=C sort
	import json, sys
	for line in open(sys.argv[1], encoding="utf-8"):
	    a = json.loads(line)
	    tool, args = a[0], a[1:]
	    if tool == "juju-log":
	        continue
	    rel = args[args.index("-r") + 1] if "-r" in args else ""
	    if tool == "relation-ids":
	        print(tool, args[-1])
	    elif tool == "relation-get":
	        print(tool, rel, args[-1])
	    elif tool in ("relation-list", "relation-set"):
	        print(tool, rel)
	    else:
	        print(tool)
	EOF
}

expect() {
	LC_ALL=C sort
}

# Identical argv vectors in the call log (juju-log included): none allowed.
repeated_calls() {
	LC_ALL=C sort "$S.calls" | uniq -d
}

juju_log_calls() {
	"$J" calls "$S" --tool juju-log --count
}

# juju-log records of the last hook run: one fact each, one juju-log call each
last_run_records() {
	python3 -c 'import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for x in e if x["context"] == e[-1]["context"]))' "$S.log"
}

# ------------------------------------------------------------ consumer

@test "policy endpoint relation-created: one call per needed fact, the hook's own app from JUJU_REMOTE_APP" {
	model
	reset_calls
	run_hook data-relation-created --relation 2
	assert_equal "$(calls)" "$(expect <<-'EOF'
	is-leader
	relation-ids service-mesh
	relation-ids data
	relation-ids metrics
	relation-ids provide-cmr-mesh
	relation-list data:1
	relation-list data:3
	relation-list metrics:4
	relation-list provide-cmr-mesh:5
	relation-list provide-cmr-mesh:6
	relation-get provide-cmr-mesh:5 remotea
	relation-get provide-cmr-mesh:6 remoteb
	relation-get service-mesh:0 consumer
	relation-set service-mesh:0
	EOF
	)"
	assert_equal "$(repeated_calls)" ""
	# logging: one juju-log call per record (DEBUG: computed, 2 cross-model
	# aliases; INFO: published), one record per fact
	run juju_log_calls
	assert_output "$(last_run_records)"
	[ "$output" -le 4 ]
}

@test "the same hook again, settings.remember-apps: false: the same reads and no relation-set" {
	model
	forget_apps
	run_hook data-relation-created --relation 2
	reset_calls
	run_hook data-relation-created --relation 2
	assert_equal "$(calls)" "$(expect <<-'EOF'
	is-leader
	relation-ids service-mesh
	relation-ids data
	relation-ids metrics
	relation-ids provide-cmr-mesh
	relation-list data:1
	relation-list data:3
	relation-list metrics:4
	relation-list provide-cmr-mesh:5
	relation-list provide-cmr-mesh:6
	relation-get provide-cmr-mesh:5 remotea
	relation-get provide-cmr-mesh:6 remoteb
	relation-get service-mesh:0 consumer
	EOF
	)"
	assert_equal "$(repeated_calls)" ""
	run tail -n 1 "$SVCMESH_STATS"
	assert_output --partial '"relation_bytes": 0,'
	# nothing but DEBUG lines to log (computed, 2 aliases, unchanged): one call each
	run juju_log_calls
	assert_output "$(last_run_records)"
	[ "$output" -le 4 ]
}

@test "mesh relation-created: relation-list for every policy and cross-model relation (its own relation is the mesh)" {
	model
	reset_calls
	run_hook service-mesh-relation-created --relation 0
	assert_equal "$(calls)" "$(expect <<-'EOF'
	is-leader
	relation-ids service-mesh
	relation-ids data
	relation-ids metrics
	relation-ids provide-cmr-mesh
	relation-list data:1
	relation-list data:2
	relation-list data:3
	relation-list metrics:4
	relation-list provide-cmr-mesh:5
	relation-list provide-cmr-mesh:6
	relation-get provide-cmr-mesh:5 remotea
	relation-get provide-cmr-mesh:6 remoteb
	relation-get service-mesh:0 consumer
	relation-set service-mesh:0
	EOF
	)"
	assert_equal "$(repeated_calls)" ""
}

@test "provide-cmr-mesh relation-changed: no relation-list for its own relation, one relation-get per cross-model relation" {
	model
	reset_calls
	run_hook provide-cmr-mesh-relation-changed --relation 5
	assert_equal "$(calls)" "$(expect <<-'EOF'
	is-leader
	relation-ids service-mesh
	relation-ids data
	relation-ids metrics
	relation-ids provide-cmr-mesh
	relation-list data:1
	relation-list data:2
	relation-list data:3
	relation-list metrics:4
	relation-list provide-cmr-mesh:6
	relation-get provide-cmr-mesh:5 remotea
	relation-get provide-cmr-mesh:6 remoteb
	relation-get service-mesh:0 consumer
	relation-set service-mesh:0
	EOF
	)"
	assert_equal "$(repeated_calls)" ""
}

@test "the same hook again: the applications are remembered, so no relation-list at all" {
	model
	run_hook data-relation-created --relation 2
	reset_calls
	run_hook data-relation-created --relation 2
	assert_equal "$(calls)" "$(expect <<-'EOF'
	is-leader
	relation-ids service-mesh
	relation-ids data
	relation-ids metrics
	relation-ids provide-cmr-mesh
	relation-get provide-cmr-mesh:5 remotea
	relation-get provide-cmr-mesh:6 remoteb
	relation-get service-mesh:0 consumer
	EOF
	)"
	assert_equal "$(repeated_calls)" ""
	# the memo lists every relation whose application the hook needed
	assert_equal "$(tail -n +2 "$CHARM/.svcmesh-hook-apps" | LC_ALL=C sort)" "$(expect <<-'EOF'
	data:1 alpha
	data:2 beta
	data:3 remotea
	metrics:4 gamma
	provide-cmr-mesh:5 remotea
	provide-cmr-mesh:6 remoteb
	EOF
	)"
}

@test "remembered applications: a new relation costs one relation-list, none in its own hook; a removed one is forgotten" {
	model
	run_hook data-relation-created --relation 2
	add_rel data delta
	NEW="data:$REL"
	reset_calls
	run_hook data-relation-created --relation 2
	assert_equal "$(calls | grep '^relation-list')" "relation-list $NEW"
	# its own hook: JUJU_REMOTE_APP, no call
	add_rel data epsilon
	reset_calls
	run_hook data-relation-created --relation "$REL"
	assert_equal "$(calls | grep -c '^relation-list')" 0
	# gone from the model, gone from the memo
	"$J" remove-relation "$S" "$NEW"
	run_hook data-relation-created --relation 2
	run grep -c "^$NEW " "$CHARM/.svcmesh-hook-apps"
	assert_output 0
	run grep -c "^data:1 alpha$" "$CHARM/.svcmesh-hook-apps"
	assert_output 1
}

@test "calls grow by exactly one relation-list per added relation (1 + 4 + (N-1) + 1 reads for N data relations)" {
	forget_apps
	add_rel service-mesh beacon
	for i in $(seq 1 12); do add_rel data "app$i"; done
	run_hook data-relation-created --relation 12
	reset_calls
	run_hook data-relation-created --relation 12
	assert_equal "$(calls | grep -c '^relation-list ')" 11
	assert_equal "$(calls | grep -c '^relation-ids ')" 4
	assert_equal "$(calls | grep -c '^relation-get ')" 1
	assert_equal "$(calls | wc -l)" 17
	assert_equal "$(repeated_calls)" ""
}

@test "non-leader: is-leader is the only question asked, nothing written" {
	model
	"$J" set-leader "$S" false
	reset_calls
	run_hook data-relation-created --relation 2
	assert_equal "$(calls)" "is-leader"
	run juju_log_calls
	[ "$output" -le 1 ]
}

@test "a hook with nothing to do makes no call at all (juju-log included)" {
	model
	link_hook update-status
	reset_calls
	run_hook update-status
	assert_equal "$("$J" calls "$S" --count)" 0
}

@test "mesh-info (provider): 1 relation-ids, then 1 relation-list and 1 relation-get per consumer; no is-leader, no write" {
	"$SVCMESH_BIN" help mesh-info >/dev/null 2>&1 || skip "svcmesh-hook has no mesh-info subcommand yet"
	write_config <<-'YAML'
	provider:
	  mesh-type: istio
	  labels: {istio.io/dataplane-mode: ambient}
	YAML
	sim_init --app beacon
	pol='[{"source_namespace": "m", "source_app_name": "a", "target_namespace": "m", "target_app_name": "c1", "target_selector_labels": null, "target_service": null, "target_type": "app", "endpoints": [{"hosts": [], "ports": [80], "methods": [], "paths": []}]}]'
	for c in c1 c2 c3; do
		add_rel service-mesh "$c" --role provides
		"$J" set-data "$S" "$REL" --remote-app "policies=$pol"
	done
	reset_calls
	run in_exec "$CHARM/svcmesh-hook" mesh-info
	assert_success
	assert_equal "$(calls)" "$(expect <<-'EOF'
	relation-ids service-mesh
	relation-list service-mesh:0
	relation-list service-mesh:1
	relation-list service-mesh:2
	relation-get service-mesh:0 c1
	relation-get service-mesh:1 c2
	relation-get service-mesh:2 c3
	EOF
	)"
	assert_equal "$(repeated_calls)" ""
}

# ------------------------------------------------------------ labels (auto-join)
#
# The reconcile reads the three objects with one kubectl get and writes only
# what differs, in this order: record the new labels in the ConfigMap BEFORE
# patching (so no label of ours is ever unrecorded), patch the StatefulSet
# pod template, patch the Service, shrink the record AFTER the patches.

label_setup() {
	command -v kubectl >/dev/null || skip "kubectl is not installed"
	juju_model consumer test-model
	KLOG="$BATS_TEST_TMPDIR/kubectl.log"
	: > "$KLOG"
	# count kubectl invocations independently of the binary's own counter:
	# the charm's bin/kubectl logs, then runs the real one (by absolute path:
	# Juju's hook PATH has none)
	cat > "$BATS_TEST_TMPDIR/kubectl-logged" <<-EOF
	#!/bin/sh
	{ printf '%s\037' "\$@"; printf '\n'; } >> "$KLOG"
	exec $(command -v kubectl) "\$@"
	EOF
	chmod 755 "$BATS_TEST_TMPDIR/kubectl-logged"
	ship_kubectl "$BATS_TEST_TMPDIR/kubectl-logged"
	add_rel service-mesh beacon
	MESH=$REL
}

provider_sends() {
	"$J" set-data "$S" "$MESH" --remote-app "labels=$1" 'mesh_type="istio"'
}

relabel() {
	: > "$KLOG"
	kubesimctl clear-requests
	run_hook service-mesh-relation-changed --relation "$MESH"
}

# kubectl invocations in order, as "VERB [TARGET...]" (options left out).
kubectl_calls() {
	python3 - "$KLOG" <<-'EOF'
	import sys
	for line in open(sys.argv[1], encoding="utf-8"):
	    # one invocation per line, arguments separated by \x1f
	    words, out = line.rstrip("\n").split("\x1f")[:-1], []
	    skip = False
	    for w in words:
	        if skip:
	            skip = False
	        elif w in ("-p", "--patch", "-f", "--filename", "-o", "--output", "-n", "--namespace", "--type"):
	            skip = True
	        elif not w.startswith("-"):
	            out.append(w)
	    print(" ".join(out))
	EOF
}

stat_of() {
	tail -n 1 "$SVCMESH_STATS" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}

CM=configmap/juju-service-mesh-consumer-labels
GET="get statefulset/consumer service/consumer $CM"

@test "labels join: 4 kubectl invocations (get, StatefulSet, Service, record), 3 API writes" {
	label_setup
	provider_sends '{"istio.io/dataplane-mode": "ambient"}'
	relabel
	assert_equal "$(kubectl_calls)" "$(printf '%s\n' "$GET" "patch statefulset/consumer" "patch service/consumer" "create")"
	assert_equal "$(kubesim_writes)" 3
	assert_equal "$(stat_of kubectl_calls)" 4
	assert_equal "$(stat_of kube_writes)" 3
}

@test "labels steady state: 1 kubectl invocation, 0 API writes; 3 hook-tool calls" {
	label_setup
	provider_sends '{"istio.io/dataplane-mode": "ambient"}'
	relabel
	reset_calls
	relabel
	assert_equal "$(kubectl_calls)" "$GET"
	assert_equal "$(kubesim_writes)" 0
	assert_equal "$(stat_of kubectl_calls)" 1
	# the mesh relation's remote app comes from JUJU_REMOTE_APP
	assert_equal "$(calls)" "$(expect <<-'EOF'
	is-leader
	relation-ids service-mesh
	relation-get service-mesh:0 beacon
	EOF
	)"
}

@test "labels: a changed value costs 4 invocations (both objects, then the record), 3 writes" {
	label_setup
	provider_sends '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "wp1"}'
	relabel
	provider_sends '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "wp2"}'
	relabel
	assert_equal "$(kubectl_calls)" "$(printf '%s\n' "$GET" "patch statefulset/consumer" "patch service/consumer" "patch $CM")"
	assert_equal "$(kubesim_writes)" 3
}

@test "labels: a dropped label costs 4 invocations (both objects, then the record), 3 writes" {
	label_setup
	provider_sends '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "wp1"}'
	relabel
	provider_sends '{"istio.io/dataplane-mode": "ambient"}'
	relabel
	assert_equal "$(kubectl_calls)" "$(printf '%s\n' "$GET" "patch statefulset/consumer" "patch service/consumer" "patch $CM")"
	assert_equal "$(kubesim_writes)" 3
}

@test "labels: one added and one dropped in the same change costs 4 invocations, 3 writes" {
	label_setup
	provider_sends '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "wp1"}'
	relabel
	provider_sends '{"istio.io/dataplane-mode": "ambient", "example.com/tier": "gold"}'
	relabel
	assert_equal "$(kubectl_calls)" "$(printf '%s\n' "$GET" "patch statefulset/consumer" "patch service/consumer" "patch $CM")"
	assert_equal "$(kubesim_writes)" 3
	assert_equal "$(stat_of kubectl_calls)" 4
	assert_equal "$(stat_of kube_writes)" 3
	run kubesimctl get configmap test-model juju-service-mesh-consumer-labels
	assert_output --partial 'example.com/tier'
	refute_output --partial 'use-waypoint'
}

@test "labels: relation-broken costs 4 invocations (get, both objects, delete the record), 3 writes" {
	label_setup
	provider_sends '{"istio.io/dataplane-mode": "ambient"}'
	relabel
	: > "$KLOG"
	kubesimctl clear-requests
	run_hook service-mesh-relation-broken --relation "$MESH"
	assert_equal "$(kubectl_calls)" "$(printf '%s\n' "$GET" "patch statefulset/consumer" "patch service/consumer" "delete $CM")"
	assert_equal "$(kubesim_writes)" 3
}

@test "reconcile-labels: one get, then the writes: 4 kubectl invocations, 3 API writes" {
	label_setup
	provider_sends '{"istio.io/dataplane-mode": "ambient"}'
	: > "$KLOG"
	run in_exec "$CHARM/svcmesh-hook" reconcile-labels
	assert_success
	assert_equal "$(kubectl_calls)" "$(printf '%s\n' "$GET" "patch statefulset/consumer" "patch service/consumer" "create")"
	assert_equal "$(kubesim_writes)" 3
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
