#!/usr/bin/env bats
# Crash consistency: for every write path, make each step fail in turn,
# rerun the hook without faults, and check that the end state is the state
# of a clean run, byte for byte:
#   - relation data (the simulator discards a failed hook's relation-set
#     writes, as Juju does): consumer `policies`, `cmr_data`; a failure is
#     injected at each hook-tool call of the clean run in turn (simulator
#     fault matching that call);
#   - Kubernetes labels (real kubectl against kubesim): ConfigMap create and
#     patch, StatefulSet patch, Service patch, ConfigMap delete on broken;
#     a failure is injected at the Nth API write, before it reaches the
#     server, after the server applied it (the answer is lost), and as a
#     server error (kubesim fault) at each kind of write.
# The provider's labels/mesh_type publish is covered like the consumer's
# relation data; its AuthorizationPolicy apply and prune in crash_policies.bats.
# Every hook runs in Juju's environment (JUJUSIM_ENV=juju: no HOME,
# KUBECONFIG or SVCMESH_*, no kubectl on PATH). For the labels, the fault
# wrapper is the charm's bin/kubectl, armed through its fault file
# (kubectl_fault), and reaches kubesim in-cluster over HTTPS with the
# service-account token (juju_model).

load assertions
load '../kubesim/kubesim.bash'
load helpers   # J (jujusim), SVCMESH_BIN, bare_charm

NS=crash-model
APP=crashy

setup() {
	bare_charm service-mesh-relation-created service-mesh-relation-changed service-mesh-relation-broken \
		require-cmr-mesh-relation-created provide-cmr-mesh-relation-changed data-relation-created \
		data-relation-broken leader-elected upgrade-charm
	# hooks run in Juju's environment: no HOME, KUBECONFIG or SVCMESH_* from here
	export JUJUSIM_ENV=juju
}

teardown() {
	kubesim_stop
}

# ---------------------------------------------------------------- relation data

consumer_config() {
	cat > "$CHARM/service-mesh.yaml" <<-'YAML'
	consumer:
	  auto-join: false
	  policies:
	    - {relation: data, endpoints: [{ports: [8080], methods: [GET]}]}
	    - {relation: data, type: unit, ports: [9090]}
	YAML
}

# The same starting state every time (fixed relation ids).
build_state() {
	"$J" init "$S" --app "$APP" --model "$NS" --leader --charm-dir "$CHARM" >/dev/null
	"$J" add-relation "$S" service-mesh beacon --id 1 >/dev/null
	"$J" add-relation "$S" data client-a --id 2 >/dev/null
	"$J" add-relation "$S" data alias-x --id 3 >/dev/null
	"$J" add-relation "$S" provide-cmr-mesh alias-x --role provides --id 4 >/dev/null
	"$J" set-data "$S" 4 --remote-app cmr_data='{"app_name": "real-x", "juju_model_name": "far"}'
	"$J" add-relation "$S" require-cmr-mesh remote-mesh --id 5 >/dev/null
	"$J" add-relation "$S" service-mesh beacon-two --id 6 >/dev/null
}

# Every own app databag, as the simulator's JSON bytes.
databags() {
	for r in 1 2 3 4 5 6; do
		printf '%s: ' "$r"
		"$J" get-data "$S" "$r" --local-app 2>/dev/null || printf 'no relation'
		echo
	done
}

# Hook-tool calls of the last run (juju-log excluded: its failure is never
# fatal), one "TOOL<TAB>ARGS" line each.
calls_of_run() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    argv = json.loads(line)
    if argv[0] != "juju-log":
        print(argv[0] + "\t" + " ".join(argv[1:]))' "$S.calls"
}

run_hook() { # HOOK [RELID]
	if [[ -n "${2:-}" ]]; then
		"$J" run "$S" "$1" --relation "$2"
	else
		"$J" run "$S" "$1"
	fi
}

# Fail each tool call of a clean run of HOOK in turn; the rerun must
# converge on the clean run's databags.
relation_crash_each_step() { # HOOK [RELID]
	local clean n=0 tool args
	${CONFIG_FN:-consumer_config}
	${STATE_FN:-build_state}
	run_hook "$@" >/dev/null 2>&1 || { echo "clean run of $1 failed" >&2; return 1; }
	clean=$(databags)
	[[ "$clean" == *'"policies"'* || "$clean" == *'"cmr_data"'* || "$clean" == *'"labels"'* ]] || { echo "clean run of $1 wrote nothing" >&2; return 1; }
	mapfile -t steps < <(calls_of_run)
	[[ ${#steps[@]} -ge 2 ]] || { echo "too few calls: ${#steps[@]}" >&2; return 1; }
	for step in "${steps[@]}"; do
		tool=${step%%$'\t'*} args=${step#*$'\t'}
		n=$((n + 1))
		${STATE_FN:-build_state}
		"$J" fault "$S" --tool "$tool" --match="$args" --exit 1 --stderr "ERROR injected at step $n" --times 1
		run run_hook "$@"
		[[ "$status" -eq 1 ]] || { echo "$1: step $n ($tool $args): exit $status, expected 1: $output" >&2; return 1; }
		[[ "$output" == *"injected at step $n"* ]] || { echo "$1: step $n: no message: $output" >&2; return 1; }
		"$J" clear-faults "$S"
		run run_hook "$@"
		[[ "$status" -eq 0 ]] || { echo "$1: rerun after step $n failed: $output" >&2; return 1; }
		run databags
		[[ "$output" == "$clean" ]] || { printf '%s: step %d (%s): end state differs\nclean:\n%s\ngot:\n%s\n' "$1" "$n" "$tool" "$clean" "$output" >&2; return 1; }
	done
	echo "$n steps, $(printf '%s\n' "${steps[@]}" | grep -c '^relation-set') relation-set"
}

@test "policies relation-set (mesh relation-created): a failure at every tool call, then a rerun, ends as a clean run" {
	run relation_crash_each_step service-mesh-relation-created 1
	assert_success
	assert_output --regexp '^[0-9]+ steps, 2 relation-set$'
}

@test "policies to two mesh relations (leader-elected): a failure at every step, including the second relation-set" {
	run relation_crash_each_step leader-elected
	assert_success
	# both relation-set calls were among the failed steps
	assert_output --regexp '^[0-9]+ steps, 2 relation-set$'

}

@test "policies after a cross-model peer changes (provide-cmr-mesh relation-changed): every step" {
	run relation_crash_each_step provide-cmr-mesh-relation-changed 4
	assert_success
}

@test "policies after a data relation is broken: every step" {
	# broken removes the relation after success only, so each rerun sees it again
	run relation_crash_each_step data-relation-broken 3
	assert_success
}

provider_config() {
	cat > "$CHARM/service-mesh.yaml" <<-'YAML'
	provider:
	  mesh-type: istio
	  labels:
	    istio.io/dataplane-mode: ambient
	    istio.io/use-waypoint: waypoint
	YAML
}

build_provider_state() {
	"$J" init "$S" --app "$APP" --model "$NS" --leader --charm-dir "$CHARM" >/dev/null
	for r in 1 2 3 4 5 6; do
		"$J" add-relation "$S" service-mesh "consumer-$r" --role provides --id "$r" >/dev/null
	done
	# one consumer already has the current data: no write for it
	"$J" set-data "$S" 2 --local-app 'labels={"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "waypoint"}' 'mesh_type="istio"'
}

@test "provider labels/mesh_type publish (leader-elected, six consumers): every step" {
	CONFIG_FN=provider_config STATE_FN=build_provider_state run relation_crash_each_step leader-elected
	assert_success
	assert_output --regexp '^[0-9]+ steps, 5 relation-set$'
	run "$J" get-data "$S" 6 --local-app
	assert_output '{"labels":"{\"istio.io/dataplane-mode\": \"ambient\", \"istio.io/use-waypoint\": \"waypoint\"}","mesh_type":"\"istio\""}'
}

@test "cmr_data relation-set (require-cmr-mesh relation-created): every step" {
	run relation_crash_each_step require-cmr-mesh-relation-created 5
	assert_success
	run "$J" get-key "$S" 5 --local-app cmr_data
	assert_output "{\"app_name\": \"$APP\", \"juju_model_name\": \"$NS\"}"
}

# ---------------------------------------------------------------- labels

labels_setup() {
	command -v kubectl >/dev/null || skip "kubectl is not installed"
	cat > "$CHARM/service-mesh.yaml" <<-'YAML'
	consumer:
	  policies: []
	YAML
	WRAP="$BATS_TEST_TMPDIR/kubectl-faulty"
	faulty_kubectl "$WRAP"
	ship_kubectl "$WRAP"
	juju_model "$APP" "$NS"
}

# Labels on the pod template and the Service, their annotations, and the
# ConfigMap record.
cluster_state() {
	{
		kubesimctl get statefulset "$NS" "$APP"
		echo
		kubesimctl get service "$NS" "$APP"
		echo
		kubesimctl get configmap "$NS" "juju-service-mesh-$APP-labels" 2>/dev/null || echo '{"absent": true}'
	} | python3 -c '
import json, sys
dec = json.JSONDecoder(); text = sys.stdin.read(); objs = []; i = 0
while i < len(text):
    if text[i].isspace(): i += 1; continue
    o, i = dec.raw_decode(text, i); objs.append(o)
sts, svc, cm = objs
print("sts", json.dumps(sts["spec"]["template"]["metadata"].get("labels"), sort_keys=True))
print("svc", json.dumps(svc["metadata"].get("labels"), sort_keys=True))
for name, o in (("sts", sts), ("svc", svc)):
    print(name, "mark", (o["metadata"].get("annotations") or {}).get("svcmesh-hook/labels", "none"))
print("cm", "absent" if cm.get("absent") else cm["data"]["labels"])'
}

provider_sends() {
	"$J" set-data "$S" 1 --remote-app "labels=$1" 'mesh_type="istio"'
}

# Fresh cluster and model, then the scenario's preparation (run clean).
prepare() { # SCENARIO
	kubesimctl reset >/dev/null
	kubesim_seed_charm "$APP" "$NS"
	kubectl -n "$NS" patch statefulset "$APP" --type=merge -p '{"spec":{"template":{"metadata":{"labels":{"team":"blue"}}}}}' >/dev/null
	"$J" init "$S" --app "$APP" --model "$NS" --leader --charm-dir "$CHARM" >/dev/null
	"$J" add-relation "$S" service-mesh beacon --id 1 >/dev/null
	case "$1" in
	join)
		provider_sends '{"istio.io/dataplane-mode": "ambient", "x": "1"}'
		;;
	change)
		provider_sends '{"istio.io/dataplane-mode": "ambient", "x": "1"}'
		"$J" run "$S" service-mesh-relation-changed --relation 1 >/dev/null 2>&1
		provider_sends '{"istio.io/dataplane-mode": "ambient", "y": "2"}'
		;;
	broken)
		provider_sends '{"istio.io/dataplane-mode": "ambient", "x": "1"}'
		"$J" run "$S" service-mesh-relation-changed --relation 1 >/dev/null 2>&1
		;;
	esac
	kubesimctl clear-requests
}

scenario_hook() {
	case "$1" in
	broken) echo service-mesh-relation-broken ;;
	*) echo service-mesh-relation-changed ;;
	esac
}

# Clean run, then every write failing in turn in each mode; the rerun must
# reach the clean end state.
labels_crash_each_write() { # SCENARIO EXPECTED_WRITES
	local sc=$1 hook clean writes n mode
	hook=$(scenario_hook "$sc")
	prepare "$sc"
	"$J" run "$S" "$hook" --relation 1 >/dev/null 2>&1 || { echo "clean $sc failed" >&2; return 1; }
	clean=$(cluster_state)
	writes=$(kubesim_writes)
	[[ "$writes" -eq "$2" ]] || { echo "$sc: clean run made $writes writes, expected $2" >&2; return 1; }
	mapfile -t kinds < <(kubesimctl requests --writes | python3 -c '
import json, sys
seen = []
for line in sys.stdin:
    r = json.loads(line)
    k = (r["method"], r["path"].rstrip("/").split("/")[-2])
    if k not in seen: seen.append(k); print(*k)')
	for mode in before after server; do
		if [[ $mode == server ]]; then max=${#kinds[@]}; else max=$writes; fi
		for ((n = 1; n <= max; n++)); do
			prepare "$sc"
			if [[ $mode == server ]]; then
				kubesimctl fault --method "${kinds[n-1]% *}" --path "${kinds[n-1]#* }" --status 500 \
					--message "injected server error" --times 1 >/dev/null
				run "$J" run "$S" "$hook" --relation 1
			else
				kubectl_fault "$WRAP" "$n" "$mode" "$BATS_TEST_TMPDIR/counter.$mode.$n"
				run "$J" run "$S" "$hook" --relation 1
				kubectl_fault "$WRAP"
			fi
			[[ "$status" -eq 1 ]] || { echo "$sc $mode $n: exit $status, expected 1: $output" >&2; return 1; }
			[[ "$output" == *injected* ]] || { echo "$sc $mode $n: no message: $output" >&2; return 1; }
			kubesimctl clear-faults
			run "$J" run "$S" "$hook" --relation 1
			[[ "$status" -eq 0 ]] || { echo "$sc $mode $n: rerun failed: $output" >&2; return 1; }
			run cluster_state
			[[ "$output" == "$clean" ]] || { printf '%s %s %d: end state differs\nclean:\n%s\ngot:\n%s\n' "$sc" "$mode" "$n" "$clean" "$output" >&2; return 1; }
			# and it stays there: a further run writes nothing
			kubesimctl clear-requests
			"$J" run "$S" service-mesh-relation-changed --relation 1 >/dev/null 2>&1 || [[ $sc == broken ]]
			[[ $sc == broken || "$(kubesim_writes)" -eq 0 ]] || { echo "$sc $mode $n: not steady after the rerun" >&2; return 1; }
		done
	done
	printf '%s\n' "$clean"
}

@test "labels join (StatefulSet patch, Service patch, ConfigMap create): every write fails in turn, the rerun converges" {
	labels_setup
	run labels_crash_each_write join 3
	assert_success
	assert_line 'sts {"app.kubernetes.io/name": "crashy", "istio.io/dataplane-mode": "ambient", "team": "blue", "x": "1"}'
	assert_line 'sts mark {"istio.io/dataplane-mode": "ambient", "x": "1"}'
	assert_line 'cm {"istio.io/dataplane-mode": "ambient", "x": "1"}'
}

@test "labels change with an add and a drop (StatefulSet patch, Service patch, ConfigMap patch): every write in turn" {
	labels_setup
	run labels_crash_each_write change 3
	assert_success
	assert_line 'sts {"app.kubernetes.io/name": "crashy", "istio.io/dataplane-mode": "ambient", "team": "blue", "y": "2"}'
	assert_line 'cm {"istio.io/dataplane-mode": "ambient", "y": "2"}'
}

@test "relation broken (StatefulSet patch, Service patch, ConfigMap delete): every write in turn" {
	labels_setup
	run labels_crash_each_write broken 3
	assert_success
	assert_line 'sts {"app.kubernetes.io/name": "crashy", "team": "blue"}'
	assert_line 'svc mark none'
	assert_line 'cm absent'
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
