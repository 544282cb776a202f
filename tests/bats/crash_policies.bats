#!/usr/bin/env bats
# Crash consistency of the provider's AuthorizationPolicy writes (manage-policies):
# the clean run applies two wanted policies and prunes one stale one; then each
# of its API writes fails in turn (kubesim fault on exactly that request), and
# each kubectl write invocation fails in turn before it reaches the server or
# after the server applied it; the rerun without faults must end in the clean
# run's state, and a further run must write nothing.
# Hooks run in Juju's environment (juju_model): the fault wrapper is the
# charm's bin/kubectl, reaching kubesim in-cluster over HTTPS with the
# provider's service-account token.

load assertions
load '../kubesim/kubesim.bash'
load helpers   # J, bare_charm

NS=mesh-model

pol() { # SRC_APP TARGET_APP TYPE PORT
	printf '{"source_namespace": "%s", "source_app_name": "%s", "target_namespace": "%s", "target_app_name": "%s", "target_selector_labels": null, "target_service": null, "target_type": "%s", "endpoints": [{"hosts": null, "ports": [%s], "methods": null, "paths": null}]}' \
		"$NS" "$1" "$NS" "$2" "$3" "$4"
}

setup() {
	command -v kubectl >/dev/null || skip "kubectl is not installed"
	bare_charm service-mesh-relation-changed
	provider_config true
	WRAP="$BATS_TEST_TMPDIR/kubectl-faulty"
	faulty_kubectl "$WRAP"
	ship_kubectl "$WRAP"
	juju_model beacon "$NS"
}

teardown() {
	kubesim_stop
}

# A model where consumer "gone" had a policy applied, then left; web and db remain.
prepare() {
	kubesimctl reset >/dev/null
	kubesim_seed_charm web "$NS"
	kubesim_seed_charm db "$NS"
	kubesim_seed_charm gone "$NS"
	"$J" init "$S" --app beacon --model "$NS" --leader --charm-dir "$CHARM" >/dev/null
	"$J" add-relation "$S" service-mesh web --id 1 >/dev/null
	"$J" add-relation "$S" service-mesh db --id 2 >/dev/null
	"$J" add-relation "$S" service-mesh gone --id 3 >/dev/null
	"$J" set-data "$S" 3 --remote-app "policies=[$(pol client gone app 80)]"
	"$J" run "$S" service-mesh-relation-changed --relation 3 >/dev/null 2>&1
	# "gone" leaves (its policy is stale now); web and db ask for theirs
	"$J" remove-relation "$S" 3
	"$J" set-data "$S" 1 --remote-app "policies=[$(pol client web app 8080)]"
	"$J" set-data "$S" 2 --remote-app "policies=[$(pol client db unit 5432)]"
	kubesimctl clear-requests
}

# Every AuthorizationPolicy: namespace/name, labels and spec, sorted.
policies_state() {
	kubectl get authorizationpolicies.security.istio.io -A -o json | python3 -c '
import json, sys
for o in sorted(json.load(sys.stdin)["items"], key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"])):
    print(o["metadata"]["namespace"] + "/" + o["metadata"]["name"],
          json.dumps(o["metadata"].get("labels"), sort_keys=True), json.dumps(o["spec"], sort_keys=True))'
}

@test "AuthorizationPolicy apply and prune: every write fails in turn (server, before, after); the rerun converges" {
	files=$(charm_files)
	prepare
	run "$J" run "$S" service-mesh-relation-changed --relation 1
	assert_success
	clean=$(policies_state)
	[ "$(echo "$clean" | wc -l)" -eq 2 ]
	mapfile -t writes < <(kubesimctl requests --writes | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line); print(r["method"], r["path"])')
	# two server-side applies (PATCH) and one DELETE of the stale policy
	[ "${#writes[@]}" -eq 3 ]
	invocations=2   # one kubectl apply, one kubectl delete
	for mode in server before after; do
		if [[ $mode == server ]]; then max=${#writes[@]}; else max=$invocations; fi
		for ((n = 1; n <= max; n++)); do
			prepare
			if [[ $mode == server ]]; then
				kubesimctl fault --method "${writes[n-1]% *}" --path "^${writes[n-1]#* }\$" --status 500 \
					--message "injected server error" --times 1 >/dev/null
				run "$J" run "$S" service-mesh-relation-changed --relation 1
			else
				kubectl_fault "$WRAP" "$n" "$mode" "$BATS_TEST_TMPDIR/counter.$mode.$n"
				run "$J" run "$S" service-mesh-relation-changed --relation 1
				kubectl_fault "$WRAP"
			fi
			[[ "$status" -eq 1 ]] || { echo "$mode $n: exit $status, expected 1: $output" >&2; return 1; }
			[[ "$output" == *injected* ]] || { echo "$mode $n: no message: $output" >&2; return 1; }
			kubesimctl clear-faults
			run "$J" run "$S" service-mesh-relation-changed --relation 1
			[[ "$status" -eq 0 ]] || { echo "$mode $n: rerun failed: $output" >&2; return 1; }
			run policies_state
			[[ "$output" == "$clean" ]] || { printf '%s %d: end state differs\nclean:\n%s\ngot:\n%s\n' "$mode" "$n" "$clean" "$output" >&2; return 1; }
			kubesimctl clear-requests
			"$J" run "$S" service-mesh-relation-changed --relation 2 >/dev/null 2>&1
			[[ "$(kubesim_writes)" -eq 0 ]] || { echo "$mode $n: not steady after the rerun" >&2; return 1; }
		done
	done
	# kubectl wrote nothing (no discovery cache) into the charm dir
	assert_equal "$(charm_files)" "$files"
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
