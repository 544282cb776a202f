#!/usr/bin/env bats
# kubesim: the Kubernetes API test server, driven by the REAL kubectl of the versions
# tests/kubesim/get-kubectls gathered (1.20 ... 1.33), or else those installed in
# /usr/lib/google-cloud-sdk/bin (kubectl.1.27 ... kubectl.1.33): the oldest and the
# newest, or those KUBECTL_MATRIX picks (kubesim.bash: kubectl_versions).

bats_require_minimum_version 1.5.0
load assertions
load "${BATS_TEST_DIRNAME}/../kubesim/kubesim.bash"

mapfile -t KUBECTLS < <(kubectl_versions)

setup_file() {
	[[ -x "${KUBECTLS[0]:-}" ]] || skip "no versioned kubectl (run tests/kubesim/get-kubectls)"
}

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	# the file's server, reset for each test; the test of the server's own
	# listening and stopping gets one of its own
	if [[ "$BATS_TEST_DESCRIPTION" == "the server listens on 127.0.0.1 only"* ]]; then
		KUBESIM_FRESH=1 kubesim_start
	else
		kubesim_start
	fi
}

teardown() {
	kubesim_stop
}

# kc ARGS...: the kubectl of the current loop iteration ($K), with its own discovery cache.
kc() {
	"$K" --cache-dir "$BATS_TEST_TMPDIR/cache-${K##*/}" --request-timeout=20s "$@"
}

# fresh state for one kubectl version: namespace "model", StatefulSet/Service/SA "app"
fresh() {
	echo "### ${K##*/}"
	KUBESIM_SEED_RESET=1 kubesim_seed_charm app model   # (reset, then seed: one process)
}

# jfields PATH... < JSON: print fields, one a line (one process for all), by
# kubesim's own field() (the rules of kubesimctl get --field): PATH like
# .metadata.generation, .items.0.kind, .metadata.labels["example.com/key"],
# .items|length; a string as it is, anything else as JSON with sorted keys
jfields() {
	/usr/bin/python3 -c '
import json, sys
sys.path.insert(0, sys.argv[1])
from kubesim import field
doc = json.load(sys.stdin)
for path in sys.argv[2:]:
    print(field(doc, path))' "$KUBESIM_HOME" "$@"
}

stored() { # stored KIND NS NAME PATH
	kubesimctl get "$1" "$2" "$3" --field "$4"   # (jfields' rules, served by kubesim)
}

@test "every installed kubectl version runs and reports its own version" {
	# (the tests below use those KUBECTL_MATRIX picks: by default the oldest
	# and the newest; CI runs them again with every version in between)
	mapfile -t installed < <(KUBECTL_MATRIX=all kubectl_versions)
	[ "${#installed[@]}" -ge 7 ]
	for K in "${installed[@]}"; do
		run "$K" version --client -o json
		assert_success
		assert_output --partial "\"gitVersion\": \"v1.${K##*.}."
	done
}

@test "discovery and /version answer like an API server" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		run kc api-resources --no-headers -o name
		assert_success
		assert_line "statefulsets.apps"
		assert_line "authorizationpolicies.security.istio.io"
		assert_line "configmaps"
		run kc get --raw /version
		assert_success
		assert_output --partial '"gitVersion":"v1.31.0-kubesim"'
	done
}

@test "multi-resource get with --ignore-not-found returns a List without the missing one" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		run --separate-stderr kc -n model get statefulset/app service/app configmap/nope \
			-o json --ignore-not-found
		assert_success
		[ "$(jfields .kind '.items|length' .items.0.kind .items.1.kind .items.1.spec.selector \
			<<<"$output")" = 'List
2
StatefulSet
Service
{"app.kubernetes.io/name": "app"}' ]

		run kc -n model get configmap/nope -o json --ignore-not-found
		assert_success
		assert_output ""
		run kc -n model get statefulset nope
		assert_failure
		assert_output --partial 'Error from server (NotFound): statefulsets.apps "nope" not found'
		run kc -n model get sts app -o 'jsonpath={.spec.selector.matchLabels}'
		assert_success
		assert_output '{"app.kubernetes.io/name":"app"}'
	done
}

@test "merge patch of StatefulSet template labels bumps generation, of Service labels not" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		rv0=$(stored sts model app .metadata.resourceVersion)
		[ "$(stored sts model app .metadata.generation)" = 1 ]
		run kc -n model patch statefulset app --type=merge \
			-p '{"spec":{"template":{"metadata":{"labels":{"istio.io/dataplane-mode":"ambient"}}}}}'
		assert_success
		assert_output "statefulset.apps/app patched"
		[ "$(stored sts model app '.spec.template.metadata.labels["istio.io/dataplane-mode"]')" = ambient ]
		[ "$(stored sts model app .metadata.generation)" = 2 ]
		rv1=$(stored sts model app .metadata.resourceVersion)
		[ "$rv1" -gt "$rv0" ]

		# a merge patch null removes the label again: another generation
		run kc -n model patch statefulset app --type=merge \
			-p '{"spec":{"template":{"metadata":{"labels":{"istio.io/dataplane-mode":null}}}}}'
		assert_success
		[ "$(stored sts model app .spec.template.metadata.labels)" = \
			'{"app.kubernetes.io/name": "app"}' ]
		[ "$(stored sts model app .metadata.generation)" = 3 ]

		svc_rv0=$(stored svc model app .metadata.resourceVersion)
		run kc -n model patch service app --type=merge -p '{"metadata":{"labels":{"mesh":"on"}}}'
		assert_success
		assert_output "service/app patched"
		[ "$(stored svc model app .metadata.labels.mesh)" = on ]
		[ "$(stored svc model app .metadata.generation)" = null ]
		[ "$(stored svc model app .metadata.resourceVersion)" -gt "$svc_rv0" ]
	done
}

@test "json patch with ~1 escaping adds, tests and removes template labels" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		run kc -n model patch sts app --type=json -p \
			'[{"op":"add","path":"/spec/template/metadata/labels/example.com~1tier","value":"web"},
			  {"op":"add","path":"/spec/template/metadata/labels/tier","value":"front"}]'
		assert_success
		assert_output "statefulset.apps/app patched"
		[ "$(stored sts model app .spec.template.metadata.labels)" = \
			'{"app.kubernetes.io/name": "app", "example.com/tier": "web", "tier": "front"}' ]
		[ "$(stored sts model app .metadata.generation)" = 2 ]

		rv=$(stored sts model app .metadata.resourceVersion)
		run kc -n model patch sts app --type=json -p \
			'[{"op":"test","path":"/spec/template/metadata/labels/example.com~1tier","value":"db"},
			  {"op":"remove","path":"/spec/template/metadata/labels/example.com~1tier"}]'
		assert_failure
		assert_output --partial "testing value"
		[ "$(stored sts model app .metadata.resourceVersion)" = "$rv" ]

		run kc -n model patch sts app --type=json -p \
			'[{"op":"test","path":"/spec/template/metadata/labels/example.com~1tier","value":"web"},
			  {"op":"remove","path":"/spec/template/metadata/labels/example.com~1tier"},
			  {"op":"replace","path":"/spec/template/metadata/labels/tier","value":"back"}]'
		assert_success
		[ "$(stored sts model app .spec.template.metadata.labels)" = \
			'{"app.kubernetes.io/name": "app", "tier": "back"}' ]
		[ "$(stored sts model app .metadata.generation)" = 3 ]

		# service labels by json patch: no generation on services
		run kc -n model patch svc app --type=json -p \
			'[{"op":"add","path":"/metadata/labels/istio.io~1use-waypoint","value":"wp"}]'
		assert_success
		[ "$(stored svc model app '.metadata.labels["istio.io/use-waypoint"]')" = wp ]
		[ "$(stored svc model app .metadata.generation)" = null ]

		# ~0 is "~" (a free-form custom resource field, since label keys cannot hold "~")
		kubesimctl seed >/dev/null <<<'{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"p","namespace":"model"},"spec":{"a~b":{"c/d":1}}}'
		run kc -n model patch authorizationpolicies.security.istio.io p --type=json \
			-p '[{"op":"replace","path":"/spec/a~0b/c~1d","value":2},{"op":"add","path":"/spec/a~01","value":3}]'
		assert_success
		[ "$(stored authorizationpolicies model p .spec)" = '{"a~1": 3, "a~b": {"c/d": 2}}' ]
		[ "$(stored authorizationpolicies model p .metadata.generation)" = 2 ]
	done
}

@test "a patch that changes nothing leaves resourceVersion and generation unchanged" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		p='{"spec":{"template":{"metadata":{"labels":{"app.kubernetes.io/name":"app"}}}}}'
		rv=$(stored sts model app .metadata.resourceVersion)
		w0=$(kubesim_writes)
		for type in merge strategic; do
			run kc -n model patch sts app --type=$type -p "$p"
			assert_success
			assert_output "statefulset.apps/app patched (no change)"
		done
		run kc -n model patch svc app --type=merge -p '{"metadata":{"labels":{"app.kubernetes.io/name":"app"}}}'
		assert_success
		assert_output "service/app patched (no change)"
		[ "$(stored sts model app .metadata.resourceVersion)" = "$rv" ]
		[ "$(stored sts model app .metadata.generation)" = 1 ]
		# the PATCH requests were sent (and counted as writes) all the same
		[ "$(kubesim_writes)" = $((w0 + 3)) ]
		run kubesimctl requests --writes
		assert_line --partial '"content_type": "application/strategic-merge-patch+json"'
	done
}

@test "create a ConfigMap from stdin (JSON, YAML, v1 List); duplicate create is 409 AlreadyExists" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		run kc -n model create -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"juju-service-mesh-app-labels"},"data":{"labels":"{\"a\": \"b\"}"}}'
		assert_success
		assert_output "configmap/juju-service-mesh-app-labels created"
		[ "$(stored cm model juju-service-mesh-app-labels .data.labels)" = '{"a": "b"}' ]
		[ "$(stored cm model juju-service-mesh-app-labels .metadata.namespace)" = model ]
		uid=$(stored cm model juju-service-mesh-app-labels .metadata.uid)
		[ ${#uid} -eq 36 ]

		run kc -n model create -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"juju-service-mesh-app-labels"},"data":{}}'
		assert_failure
		assert_output --partial 'Error from server (AlreadyExists)'
		assert_output --partial 'configmaps "juju-service-mesh-app-labels" already exists'
		[ "$(stored cm model juju-service-mesh-app-labels .metadata.uid)" = "$uid" ]

		run kc -n model create -f - <<-'EOF'
		apiVersion: v1
		kind: List
		items:
		- apiVersion: v1
		  kind: ConfigMap
		  metadata: {name: one, labels: {x: "1"}}
		- apiVersion: v1
		  kind: ConfigMap
		  metadata: {name: two}
		  data: {k: v}
		EOF
		assert_success
		assert_line "configmap/one created"
		assert_line "configmap/two created"
		[ "$(stored cm model two .data.k)" = v ]

		# create into a namespace that does not exist
		run kc -n nowhere create configmap c
		assert_failure
		assert_output --partial 'namespaces "nowhere" not found'
	done
}

@test "replace with a stale resourceVersion is 409 Conflict, a current one succeeds" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		kc -n model create configmap c --from-literal=k=v1
		rv=$(stored cm model c .metadata.resourceVersion)
		stale=$((rv - 1))
		run kc -n model replace -f - <<<"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"$stale\"},\"data\":{\"k\":\"v2\"}}"
		assert_failure
		assert_output --partial 'Error from server (Conflict)'
		assert_output --partial 'Operation cannot be fulfilled on configmaps "c": the object has been modified'
		[ "$(stored cm model c .data.k)" = v1 ]
		run kc -n model replace -f - <<<"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"$rv\"},\"data\":{\"k\":\"v2\"}}"
		assert_success
		assert_output "configmap/c replaced"
		[ "$(stored cm model c .data.k)" = v2 ]
	done
}

@test "delete, then NotFound; --ignore-not-found succeeds quietly" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		kc -n model create configmap juju-service-mesh-app-labels
		run kc -n model delete configmap juju-service-mesh-app-labels --ignore-not-found
		assert_success
		assert_output 'configmap "juju-service-mesh-app-labels" deleted'
		run kubesimctl get cm model juju-service-mesh-app-labels
		assert_failure
		run kc -n model delete configmap juju-service-mesh-app-labels
		assert_failure
		assert_output --partial 'Error from server (NotFound): configmaps "juju-service-mesh-app-labels" not found'
		run kc -n model delete configmap juju-service-mesh-app-labels --ignore-not-found
		assert_success
		assert_output ""
		run kc -n model delete authorizationpolicies.security.istio.io nope
		assert_failure
		assert_output --partial 'Error from server (NotFound): authorizationpolicies.security.istio.io "nope" not found'
	done
}

@test "bad label keys, values and object names are 422 Invalid and change nothing" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		rv=$(stored sts model app .metadata.resourceVersion)
		run kc -n model patch sts app --type=merge \
			-p '{"spec":{"template":{"metadata":{"labels":{"bad key":"x"}}}}}'
		assert_failure
		assert_output --partial 'The StatefulSet "app" is invalid'
		assert_output --partial 'spec.template.metadata.labels: Invalid value: "bad key"'
		run kc -n model patch svc app --type=merge -p '{"metadata":{"labels":{"ok":"-bad value-"}}}'
		assert_failure
		assert_output --partial 'The Service "app" is invalid'
		assert_output --partial 'metadata.labels: Invalid value: "-bad value-"'
		run kc -n model patch svc app --type=merge \
			-p '{"metadata":{"labels":{"Example.COM/x":"y"}}}'
		assert_failure
		assert_output --partial 'prefix part a lowercase RFC 1123 subdomain'
		# the template must keep matching the selector
		run kc -n model patch sts app --type=json \
			-p '[{"op":"remove","path":"/spec/template/metadata/labels/app.kubernetes.io~1name"}]'
		assert_failure
		assert_output --partial '`selector` does not match template `labels`'
		[ "$(stored sts model app .metadata.resourceVersion)" = "$rv" ]
		run kc -n model create configmap Bad_Name
		assert_failure
		assert_output --partial 'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'
	done
}

@test "server-side apply of an AuthorizationPolicy: create, then update" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		kubesimctl clear-requests
		run kc -n model apply --server-side --field-manager=svcmesh --force-conflicts -f - <<-'EOF'
		apiVersion: security.istio.io/v1
		kind: AuthorizationPolicy
		metadata:
		  name: app-policy
		  labels: {app.kubernetes.io/managed-by: svcmesh, owner: app}
		spec:
		  targetRefs: [{kind: Service, group: "", name: app}]
		  action: ALLOW
		  rules: [{from: [{source: {principals: [cluster.local/ns/model/sa/client]}}]}]
		EOF
		assert_success
		assert_output "authorizationpolicy.security.istio.io/app-policy serverside-applied"
		[ "$(stored authorizationpolicies model app-policy .metadata.generation)" = 1 ]
		[ "$(stored authorizationpolicies model app-policy .spec.action)" = ALLOW ]
		run kubesimctl requests --writes
		assert_output --partial '"content_type": "application/apply-patch+yaml"'
		assert_output --partial 'fieldManager=svcmesh'
		assert_output --partial 'force=true'

		# same configuration again: nothing changes
		rv=$(stored authorizationpolicies model app-policy .metadata.resourceVersion)
		run kc -n model apply --server-side --field-manager=svcmesh --force-conflicts -f - \
			<<<"$(kc -n model get authorizationpolicies.security.istio.io app-policy -o json |
				/usr/bin/python3 -c 'import json,sys; o=json.load(sys.stdin); print(json.dumps({"apiVersion":o["apiVersion"],"kind":o["kind"],"metadata":{"name":o["metadata"]["name"],"labels":o["metadata"]["labels"]},"spec":o["spec"]}))')"
		assert_success
		[ "$(stored authorizationpolicies model app-policy .metadata.resourceVersion)" = "$rv" ]

		# update: new rules, "targetRefs" no longer applied by this manager, so removed
		run kc -n model apply --server-side --field-manager=svcmesh --force-conflicts -f - <<-'EOF'
		{"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
		 "metadata": {"name": "app-policy", "labels": {"app.kubernetes.io/managed-by": "svcmesh", "owner": "app"}},
		 "spec": {"action": "ALLOW", "selector": {"matchLabels": {"app.kubernetes.io/name": "app"}},
		          "rules": [{"to": [{"operation": {"ports": ["8080"]}}]}]}}
		EOF
		assert_success
		assert_output "authorizationpolicy.security.istio.io/app-policy serverside-applied"
		[ "$(stored authorizationpolicies model app-policy .metadata.generation)" = 2 ]
		[ "$(stored authorizationpolicies model app-policy .spec.targetRefs)" = null ]
		[ "$(stored authorizationpolicies model app-policy .spec.rules)" = \
			'[{"to": [{"operation": {"ports": ["8080"]}}]}]' ]
	done
}

@test "list AuthorizationPolicies by label across namespaces" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		for spec in a:p1:mesh:blue b:p2:mesh:red b:p3:other:red; do
			IFS=: read -r ns name owner team <<<"$spec"
			kubesimctl seed >/dev/null <<<"{\"apiVersion\":\"security.istio.io/v1\",\"kind\":\"AuthorizationPolicy\",\"metadata\":{\"name\":\"$name\",\"namespace\":\"$ns\",\"labels\":{\"owner\":\"$owner\",\"team\":\"$team\"}},\"spec\":{}}"
		done
		run --separate-stderr kc get authorizationpolicies.security.istio.io -A -l owner=mesh -o json
		assert_success
		[ "$(jfields '.items|length' .items.0.metadata.name .items.1.metadata.namespace \
			<<<"$output")" = $'2\np1\nb' ]
		run kc get authorizationpolicies.security.istio.io -A -l 'owner=mesh,team!=blue' -o name
		assert_success
		assert_output "authorizationpolicy.security.istio.io/p2"
		run kc get authorizationpolicies.security.istio.io -A -l 'team in (red),!missing' -o name
		assert_success
		assert_output $'authorizationpolicy.security.istio.io/p2\nauthorizationpolicy.security.istio.io/p3'
		run kc -n a get authorizationpolicies.security.istio.io -l team -o name
		assert_success
		assert_output "authorizationpolicy.security.istio.io/p1"
		run kc get authorizationpolicies.security.istio.io -A -l owner=nobody -o name
		assert_success
		assert_output ""
		run kubesimctl requests --path /apis/security.istio.io/v1/authorizationpolicies
		assert_output --partial 'labelSelector=owner%3Dmesh'
	done
}

@test "--dry-run=server validates and answers but stores nothing" {
	for K in "${KUBECTLS[@]}"; do
		# kubectl < 1.27 first asks the OpenAPI v2 document whether the kind
		# supports dry-run, which kubesim's minimal document does not say;
		# svcmesh-hook never uses --dry-run.
		[[ "$K" =~ kubectl\.1\.(2[0-6])$ ]] && continue
		fresh
		rv=$(stored sts model app .metadata.resourceVersion)
		run kc -n model patch sts app --dry-run=server --type=merge \
			-p '{"spec":{"template":{"metadata":{"labels":{"x":"y"}}}}}'
		assert_success
		assert_output --regexp '^statefulset.apps/app patched( \(server dry run\))?$' # 1.27: no suffix
		run kc -n model delete svc app --dry-run=server
		assert_success
		run kc -n model create configmap c --dry-run=server
		assert_success
		[ "$(stored sts model app .metadata.resourceVersion)" = "$rv" ]
		[ "$(stored sts model app .spec.template.metadata.labels.x)" = null ]
		kubesimctl get svc model app >/dev/null
		run kubesimctl get cm model c
		assert_failure
	done
}

@test "fault injection makes kubectl fail with the injected Status, once" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		kubesimctl fault --method PATCH --path 'statefulsets/app$' --status 500 \
			--message "etcdserver: request timed out (injected)"
		run kc -n model patch sts app --type=merge -p '{"metadata":{"labels":{"x":"y"}}}'
		assert_failure
		assert_output --partial 'Error from server (InternalError): etcdserver: request timed out (injected)'
		[ "$(stored sts model app .metadata.labels.x)" = null ]
		run kc -n model patch sts app --type=merge -p '{"metadata":{"labels":{"x":"y"}}}'
		assert_success
		[ "$(stored sts model app .metadata.labels.x)" = y ]

		kubesimctl fault --method GET --path configmaps --status 403 --reason Forbidden \
			--message 'configmaps is forbidden: User "x" cannot list' --times 1
		run kc -n model get configmaps
		assert_failure
		assert_output --partial 'Error from server (Forbidden): configmaps is forbidden'
	done
}

@test "a delay fault with --request-timeout=1s makes kubectl give up" {
	for K in "${KUBECTLS[@]}"; do
		fresh
		kc -n model get sts app -o name  # warm the discovery cache
		kubesimctl fault --method GET --path '/statefulsets/app$' --delay 20
		start=$(date +%s%N)
		run "$K" --cache-dir "$BATS_TEST_TMPDIR/cache-${K##*/}" -n model get sts app \
			--request-timeout=1s -o name
		elapsed_ms=$((($(date +%s%N) - start) / 1000000))
		assert_failure
		assert_output --regexp 'deadline exceeded|Timeout|timed out'
		[ "$elapsed_ms" -lt 12000 ]  # gave up long before the 20 s delay
		# the server is still healthy afterwards
		run kc -n model get sts app -o name
		assert_success
		assert_output "statefulset.apps/app"
	done
}

@test "bad request bodies get a 400 Status and the server keeps serving" {
	K="${KUBECTLS[-1]}"
	fresh
	base="$KUBESIM_URL/apis/apps/v1/namespaces/model/statefulsets/app"
	run curl -sS -X PATCH -H 'Content-Type: application/merge-patch+json' --data '{oops' "$base"
	assert_output --partial '"kind":"Status"'
	assert_output --partial '"code":400'
	run curl -sS -X PATCH -H 'Content-Type: application/json-patch+json' --data '{"op":"add"}' "$base"
	assert_output --partial '"code":400'
	run curl -sS -X POST -H 'Content-Type: application/json' --data-binary $'\xff\xfe\x00' \
		"$KUBESIM_URL/api/v1/namespaces/model/configmaps"
	assert_output --partial '"code":400'
	run curl -sS "$KUBESIM_URL/api/v1/configmaps?labelSelector=a%20in%20(b"
	assert_output --partial '"reason":"BadRequest"'
	run curl -sS -X POST -H 'Content-Type: application/json' --data '{"apiVersion":"v1","kind":"Service"}' \
		"$KUBESIM_URL/api/v1/namespaces/model/configmaps"
	assert_output --partial '"code":400'
	run kc -n model get sts app -o name
	assert_success
	assert_output "statefulset.apps/app"
	if grep -q Traceback "$KUBESIM_STATE_DIR/server.log"; then
		fail "the server logged a traceback"
	fi
}

@test "the server listens on 127.0.0.1 only and the kubeconfig points at it" {
	grep -q "server: http://127.0.0.1:$KUBESIM_PORT\$" "$KUBECONFIG"
	pid=$(cat "$KUBESIM_STATE_DIR/pid")
	run ss -Htlnp
	assert_output --partial "127.0.0.1:$KUBESIM_PORT"
	refute_output --regexp "(0\.0\.0\.0|\*|\[::\]):$KUBESIM_PORT .*pid=$pid,"
	kubesim_stop
	# exited (this sandbox's init may leave it a zombie for a while: state Z)
	state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
	[[ -z "$state" || "$state" == Z ]]
	run ss -Htln
	refute_output --partial "127.0.0.1:$KUBESIM_PORT "
	[ ! -e "$KUBESIM_STATE_DIR/pid" ]
}

@test "reset --tokens (a file's server, between tests): no objects, requests, faults, tokens or service account left" {
	KUBESIM_AUTH=1 kubesim_start
	[[ "$KUBESIM_STATE_DIR" == "$BATS_FILE_TMPDIR/kubesim-tls" ]]
	kubesim_seed_charm app model
	kubesimctl fault --status 500 --path configmaps >/dev/null
	token=$(kubesimctl token --user system:serviceaccount:model:app --rules all --serviceaccount model)
	run curl -sS --cacert "$KUBESIM_STATE_DIR/ca.crt" -H "Authorization: Bearer $token" \
		"https://127.0.0.1:$KUBESIM_PORT/api/v1/namespaces/model/serviceaccounts/app"
	assert_output --partial '"name":"app"'
	kubesimctl reset --tokens
	run kubesimctl list statefulsets
	assert_output --partial '"items": []'
	run kubesimctl requests --count
	assert_output 0
	run kubesimctl faults
	assert_output "[]"
	[ ! -e "$KUBESIM_STATE_DIR/serviceaccount" ]
	run jq -r '[.[].user] | unique | join(",")' "$KUBESIM_STATE_DIR/tokens.json"
	assert_output kubesim-admin
	run curl -sS --cacert "$KUBESIM_STATE_DIR/ca.crt" -H "Authorization: Bearer $token" \
		"https://127.0.0.1:$KUBESIM_PORT/api/v1/namespaces"
	assert_output --partial '"code":401'
	# the kubeconfig's admin token still works
	run "${KUBECTLS[-1]}" --cache-dir "$BATS_TEST_TMPDIR/c" get namespaces -o name
	assert_success
	assert_output --partial namespace/default
}
untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
