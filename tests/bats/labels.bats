#!/usr/bin/env bats
# Auto-join label reconciliation, end to end: the built binary, run as the
# charm's hooks in the Juju simulator, drives the REAL kubectl against the
# kubesim Kubernetes API test server on 127.0.0.1.
# Hooks (and `juju exec` commands) run in Juju's environment (juju_model): no
# HOME, KUBECONFIG or SVCMESH_*, no kubectl on PATH; kubectl is the charm's
# bin/kubectl, in-cluster over HTTPS with the service-account token and the
# README's RBAC rules. What a test tunes reaches the hook as a charm could
# give it: settings.kubectl-timeout in service-mesh.yaml, another kubectl
# shipped as bin/kubectl; kubectl invocations are counted by the shipped
# bin/kubectl itself (no SVCMESH_STATS).

load assertions
load '../kubesim/kubesim.bash'
load helpers   # J, S, CHARM, bare_charm, juju_model, ship_kubectl

NS=lbl-model
APP=lbl

setup() {
	command -v kubectl >/dev/null || skip "kubectl is not installed"
	bare_charm service-mesh-relation-changed service-mesh-relation-broken leader-elected upgrade-charm
	cat > "$CHARM/service-mesh.yaml" <<-'YAML'
	consumer:
	  policies:
	    - {relation: data, endpoints: [{ports: [8080]}]}
	YAML
	"$J" init "$S" --app "$APP" --model "$NS" --leader --charm-dir "$CHARM" >/dev/null
	MESH=$("$J" add-relation "$S" service-mesh beacon)
	juju_model "$APP" "$NS"
	# the charm's bin/kubectl: one line per invocation in $KCALLS, then the
	# real kubectl (by absolute path: Juju's hook PATH has none)
	KCALLS="$BATS_TEST_TMPDIR/kubectl.calls"
	printf '#!/bin/sh\necho >> "%s"\nexec "%s" "$@"\n' "$KCALLS" "$(command -v kubectl)" > "$BATS_TEST_TMPDIR/kubectl-counted"
	chmod 755 "$BATS_TEST_TMPDIR/kubectl-counted"
	ship_kubectl "$BATS_TEST_TMPDIR/kubectl-counted"
}

teardown() {
	kubesim_stop
}

provider_sends() {
	"$J" set-data "$S" "$MESH" --remote-app "labels=$1" 'mesh_type="istio"'
}

# run HOOK on the mesh relation; kubectl_calls counts its kubectl invocations
hook() {
	: > "$KCALLS"
	"$J" run "$S" "$1" --relation "$MESH"
}

# (each a field of a stored object, which kubesim prints: kubesimctl get --field)
tmpl_labels() {
	kubesimctl get statefulset "$NS" "$APP" --field .spec.template.metadata.labels
}

svc_labels() {
	kubesimctl get service "$NS" "$APP" --field .metadata.labels
}

record() {
	kubesimctl get configmap "$NS" "juju-service-mesh-$APP-labels" --field .data.labels
}

# An object's own record of our labels (the annotation), or "none".
mark() { # statefulset|service
	local v
	v=$(kubesimctl get "$1" "$NS" "$APP" --field '.metadata.annotations["svcmesh-hook/labels"]')
	[[ "$v" != null ]] || v=none
	echo "$v"
}

generation() {
	kubesimctl get statefulset "$NS" "$APP" --field .metadata.generation
}

# the distinct client programs/versions of the requests so far, one a line
kubesim_agents() {
	kubesimctl requests | jq -r '.user_agent | sub("\\.[0-9]+ .*"; "")' | sort -u
}

# kubectl invocations of the last hook run
kubectl_calls() {
	wc -l < "$KCALLS"
}

AMBIENT='{"istio.io/dataplane-mode": "ambient"}'

@test "join: provider labels land on the pod template and Service, recorded in the ConfigMap" {
	provider_sends "$AMBIENT"
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient"}'
	run svc_labels
	assert_output '{"app.kubernetes.io/managed-by": "juju", "app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient"}'
	run record
	assert_output "$AMBIENT"
	# get + record + StatefulSet + Service
	run kubectl_calls
	assert_output 4
	# the first run since setup: all the API writes there are
	run kubesim_writes
	assert_output 3
}

@test "steady state: a second run reads once and writes nothing (no pod restart)" {
	provider_sends "$AMBIENT"
	hook service-mesh-relation-changed
	gen=$(generation)
	kubesimctl clear-requests
	run hook service-mesh-relation-changed
	assert_success
	run kubesim_writes
	assert_output 0
	run kubectl_calls
	assert_output 1
	run generation
	assert_output "$gen"
	# drift repair hooks are as cheap when nothing drifted
	run hook leader-elected
	assert_success
	run kubesim_writes
	assert_output 0
}

@test "provider changes a label value: patched and re-recorded" {
	provider_sends '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "wp1"}'
	hook service-mesh-relation-changed
	provider_sends '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "wp2"}'
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "wp2"}'
	run record
	assert_output '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "wp2"}'
	run kubectl_calls
	assert_output 4
}

@test "provider drops a label: removed from both objects, then from the record" {
	provider_sends '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "wp1"}'
	hook service-mesh-relation-changed
	provider_sends "$AMBIENT"
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient"}'
	run svc_labels
	refute_output --partial use-waypoint
	run record
	assert_output "$AMBIENT"
	run kubectl_calls
	assert_output 4
}

@test "relation broken: our labels removed, ConfigMap deleted, foreign labels kept" {
	provider_sends "$AMBIENT"
	hook service-mesh-relation-changed
	kubectl -n "$NS" label statefulset "$APP" team=blue >/dev/null
	kubectl -n "$NS" patch service "$APP" --type=merge -p '{"metadata":{"labels":{"team":"blue"}}}' >/dev/null
	run hook service-mesh-relation-broken
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl"}'
	run svc_labels
	assert_output '{"app.kubernetes.io/managed-by": "juju", "app.kubernetes.io/name": "lbl", "team": "blue"}'
	run kubesimctl get configmap "$NS" "juju-service-mesh-$APP-labels"
	assert_failure
	# already gone is fine: a retried broken hook succeeds
	"$J" add-relation "$S" service-mesh beacon --id 7 >/dev/null
	run "$J" run "$S" service-mesh-relation-broken --relation 7
	assert_success
}

@test "foreign labels on the template are never touched" {
	kubectl -n "$NS" patch statefulset "$APP" --type=merge \
		-p '{"spec":{"template":{"metadata":{"labels":{"team":"blue","istio.io/dataplane-mode":"theirs"}}}}}' >/dev/null
	provider_sends '{"other": "x"}'
	hook service-mesh-relation-changed
	provider_sends '{}'
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "theirs", "team": "blue"}'
}

# someone else's team=blue on the pod template and the Service
foreign_team() {
	kubectl -n "$NS" patch statefulset "$APP" --type=merge \
		-p '{"spec":{"template":{"metadata":{"labels":{"team":"blue"}}}}}' >/dev/null
	kubectl -n "$NS" patch service "$APP" --type=merge -p '{"metadata":{"labels":{"team":"blue"}}}' >/dev/null
}

# team=red put on by us, then changed to blue on the template by someone else
ours_then_theirs() {
	provider_sends '{"team": "red", "istio.io/dataplane-mode": "ambient"}'
	hook service-mesh-relation-changed
	kubectl -n "$NS" patch statefulset "$APP" --type=merge \
		-p '{"spec":{"template":{"metadata":{"labels":{"team":"blue"}}}}}' >/dev/null
}

@test "join: a key the provider asks for that holds someone else's value is left alone and reported" {
	foreign_team
	provider_sends '{"team": "red", "istio.io/dataplane-mode": "ambient"}'
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient", "team": "blue"}'
	run svc_labels
	assert_output --partial '"team": "blue"'
	# never recorded as ours, so never removed
	run record
	assert_output "$AMBIENT"
	run "$J" log "$S"
	assert_output --partial "WARNING service-mesh:0: leaving label team=blue on StatefulSet lbl (pod template) alone: svcmesh-hook did not set it"
	assert_output --partial "leaving label team=blue on Service lbl alone"
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook" plan-labels
	assert_output --partial "foreign label team=blue on StatefulSet lbl (pod template): left alone (svcmesh-hook did not set it)"
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook" status
	assert_output --partial "foreign (left alone): team=blue on Service lbl"
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook" status --output json
	assert_output --partial '"foreign": ["team=blue on StatefulSet lbl (pod template)", "team=blue on Service lbl"]'
	# the drop leaves it too
	provider_sends "$AMBIENT"
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output --partial '"team": "blue"'
	run hook service-mesh-relation-broken
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "team": "blue"}'
	run svc_labels
	assert_output --partial '"team": "blue"'
}

@test "change: a label of ours someone has since changed is not overwritten by the provider's new value" {
	ours_then_theirs
	provider_sends '{"team": "green", "istio.io/dataplane-mode": "ambient"}'
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output --partial '"team": "blue"'
	refute_output --partial green
	run svc_labels
	refute_output --partial green
	run "$J" log "$S"
	assert_output --partial "leaving label team=blue on StatefulSet lbl (pod template) alone"
}

@test "drop: a label of ours someone has since changed stays; our own copy elsewhere goes" {
	ours_then_theirs
	provider_sends "$AMBIENT"
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient", "team": "blue"}'
	run svc_labels
	refute_output --partial '"team"'
	run record
	assert_output "$AMBIENT"
}

@test "reserved and selector labels are refused with a WARNING (the hook succeeds), the rest applied" {
	provider_sends '{"app.kubernetes.io/name": "evil", "controller-revision-hash": "x", "istio.io/dataplane-mode": "ambient"}'
	run hook service-mesh-relation-changed
	assert_success
	run "$J" log "$S"
	assert_line --regexp '^WARNING .*refusing mesh label app\.kubernetes\.io/name: it is a reserved key$'
	refute_output --partial "ERROR"
	assert_output --partial "controller-revision-hash"
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient"}'
}

@test "labels with invalid Kubernetes syntax are not applied (held), with a warning" {
	provider_sends '{"bad key!": "x", "ok": "has space", "good": "yes"}'
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "good": "yes"}'
	run "$J" log "$S"
	assert_output --partial "label 'bad key!' from the mesh provider cannot be used"
}

@test "non-leader makes no Kubernetes call at all" {
	"$J" set-leader "$S" false
	provider_sends "$AMBIENT"
	run hook service-mesh-relation-changed
	assert_success
	run kubesimctl requests --count
	assert_output 0
	run kubectl_calls
	assert_output 0
}

@test "auto-join false makes no kubectl call" {
	cat > "$CHARM/service-mesh.yaml" <<-'YAML'
	consumer:
	  auto-join: false
	YAML
	provider_sends "$AMBIENT"
	run hook service-mesh-relation-changed
	assert_success
	run hook service-mesh-relation-broken
	assert_success
	run kubesimctl requests --count
	assert_output 0
}

@test "a ConfigMap left by the Python library: its labels are ours to replace" {
	kubectl -n "$NS" patch statefulset "$APP" --type=merge \
		-p '{"spec":{"template":{"metadata":{"labels":{"istio.io/use-waypoint":"old-wp"}}}}}' >/dev/null
	kubectl -n "$NS" create configmap "juju-service-mesh-$APP-labels" \
		--from-literal=labels='{"istio.io/use-waypoint": "old-wp"}' >/dev/null
	provider_sends "$AMBIENT"
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient"}'
	run record
	assert_output "$AMBIENT"
}

@test "a fault at each write step fails the hook; the retry converges to a clean run's state" {
	for step in "POST configmaps" "PATCH statefulsets" "PATCH services"; do
		method=${step% *} path=${step#* }
		kubesimctl reset >/dev/null 2>&1 || true
		kubesim_seed_charm "$APP" "$NS"
		provider_sends '{"istio.io/dataplane-mode": "ambient", "x": "1"}'
		kubesimctl fault --method "$method" --path "$path" --status 500 --message "injected" --times 1 >/dev/null
		run hook service-mesh-relation-changed
		assert_failure 1
		assert_output --partial "injected"
		run hook service-mesh-relation-changed
		assert_success
		run tmpl_labels
		assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient", "x": "1"}'
		run svc_labels
		assert_output '{"app.kubernetes.io/managed-by": "juju", "app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient", "x": "1"}'
		run record
		assert_output '{"istio.io/dataplane-mode": "ambient", "x": "1"}'
	done
}

@test "each object carries its own record in the same patch; the StatefulSet's annotation does not roll the pods" {
	provider_sends "$AMBIENT"
	hook service-mesh-relation-changed
	run mark statefulset
	assert_output "$AMBIENT"
	run mark service
	assert_output "$AMBIENT"
	gen=$(generation)
	# a stale annotation alone is brought up to date without touching the template
	kubectl -n "$NS" annotate statefulset "$APP" --overwrite 'svcmesh-hook/labels={"old": "1"}' >/dev/null
	kubesimctl clear-requests
	run hook service-mesh-relation-changed
	assert_success
	run mark statefulset
	assert_output "$AMBIENT"
	run kubesim_writes
	assert_output 1
	[ "$(generation)" = "$gen" ]
	# broken: labels and annotations go together
	hook service-mesh-relation-broken
	run mark statefulset
	assert_output none
	run mark service
	assert_output none
}

@test "the ConfigMap write fails after both objects were patched, then the provider changes its mind: the retry still removes what it put on" {
	provider_sends '{"istio.io/dataplane-mode": "ambient", "x": "1"}'
	kubesimctl fault --method POST --path configmaps --status 500 --message "injected" --times 1 >/dev/null
	run hook service-mesh-relation-changed
	assert_failure 1
	assert_output --partial "injected"
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient", "x": "1"}'
	run kubesimctl get configmap "$NS" "juju-service-mesh-$APP-labels"
	assert_failure
	# only the objects' annotations know that x=1 is ours now
	provider_sends '{"y": "2"}'
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "y": "2"}'
	run svc_labels
	assert_output '{"app.kubernetes.io/managed-by": "juju", "app.kubernetes.io/name": "lbl", "y": "2"}'
	run record
	assert_output '{"y": "2"}'
}

@test "after a switch to the Python library and back, an old annotation claims nothing" {
	provider_sends '{"istio.io/dataplane-mode": "ambient", "w": "wp"}'
	hook service-mesh-relation-changed
	# the Python library drops w: patches the objects, rewrites the ConfigMap
	# (it never touches our annotations)
	kubectl -n "$NS" patch statefulset "$APP" --type=merge -p '{"spec":{"template":{"metadata":{"labels":{"w":null}}}}}' >/dev/null
	kubectl -n "$NS" patch service "$APP" --type=merge -p '{"metadata":{"labels":{"w":null}}}' >/dev/null
	kubectl -n "$NS" patch configmap "juju-service-mesh-$APP-labels" --type=merge \
		-p '{"data":{"labels":"{\"istio.io/dataplane-mode\": \"ambient\"}"}}' >/dev/null
	# an operator puts w=wp on the Service by hand
	kubectl -n "$NS" label service "$APP" w=wp >/dev/null
	provider_sends "$AMBIENT"
	run hook service-mesh-relation-changed
	assert_success
	run svc_labels
	assert_output --partial '"w": "wp"'
	run mark service
	assert_output "$AMBIENT"
}

@test "a fault while dropping a label: the retry still removes it and forgets it" {
	provider_sends '{"istio.io/dataplane-mode": "ambient", "x": "1"}'
	hook service-mesh-relation-changed
	provider_sends "$AMBIENT"
	for target in statefulsets services configmaps; do
		kubesimctl fault --method PATCH --path "$target" --status 409 --reason Conflict --message "injected conflict" --times 1 >/dev/null
		run hook service-mesh-relation-changed
		assert_failure 1
	done
	run hook service-mesh-relation-changed
	assert_success
	run tmpl_labels
	assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient"}'
	run svc_labels
	refute_output --partial '"x"'
	run record
	assert_output "$AMBIENT"
}

@test "a hung API server: kubectl is killed at the deadline and the hook fails naming it" {
	provider_sends "$AMBIENT"
	printf 'settings:\n  kubectl-timeout: 2\n' >> "$CHARM/service-mesh.yaml"
	kubesimctl fault --method GET --path statefulsets --delay 30 --status 200 --times 1 >/dev/null
	start=$SECONDS
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_failure 1
	assert_output --partial "kubectl"
	[ $((SECONDS - start)) -lt 15 ]
}

@test "plan-labels prints the change and writes nothing; reconcile-labels does it" {
	provider_sends "$AMBIENT"
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook" plan-labels
	assert_success
	assert_line 'StatefulSet lbl (pod template): set istio.io/dataplane-mode=ambient; annotation svcmesh-hook/labels={"istio.io/dataplane-mode": "ambient"}'
	assert_line 'Service lbl: set istio.io/dataplane-mode=ambient; annotation svcmesh-hook/labels={"istio.io/dataplane-mode": "ambient"}'
	assert_line 'ConfigMap juju-service-mesh-lbl-labels: create with data.labels={"istio.io/dataplane-mode": "ambient"}'
	run kubesim_writes
	assert_output 0
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook" reconcile-labels
	assert_success
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook" plan-labels
	assert_line "StatefulSet lbl (pod template): no change"
	assert_line "ConfigMap juju-service-mesh-lbl-labels: no change"
}

@test "every kubectl version (1.20 to 1.33 where available): join, steady state, drop, broken" {
	found=0
	for k in $(kubectl_versions); do
		found=$((found + 1))
		ship_kubectl "$k"
		kubesimctl reset >/dev/null 2>&1 || true
		kubesim_seed_charm "$APP" "$NS"
		"$J" add-relation "$S" service-mesh beacon --id 100 >/dev/null 2>&1 || true
		provider_sends '{"istio.io/dataplane-mode": "ambient", "x": "1"}'
		run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
		assert_success
		run tmpl_labels
		assert_output '{"app.kubernetes.io/name": "lbl", "istio.io/dataplane-mode": "ambient", "x": "1"}'
		# every request came from this version (the charm's bin/kubectl)
		run kubesim_agents
		assert_output "kubectl/v${k##*kubectl.}"
		kubesimctl clear-requests
		run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
		assert_success
		run kubesim_writes
		assert_output 0
		provider_sends "$AMBIENT"
		run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
		assert_success
		run svc_labels
		refute_output --partial '"x"'
		run record
		assert_output "$AMBIENT"
		run "$J" run "$S" service-mesh-relation-broken --relation 100
		assert_success
		run tmpl_labels
		assert_output '{"app.kubernetes.io/name": "lbl"}'
		run kubesimctl get configmap "$NS" "juju-service-mesh-$APP-labels"
		assert_failure
		echo "# $(basename "$k"): ok" >&3
	done
	[ "$found" -gt 0 ] || skip "no versioned kubectl binaries here (tests/kubesim/get-kubectls)"
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
