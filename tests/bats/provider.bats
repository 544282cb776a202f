#!/usr/bin/env bats
# Provider side (ServiceMeshProvider): publishing labels and mesh_type,
# mesh-info, rendering Istio AuthorizationPolicies and enforcing them, over
# the Juju hook-tool simulator (tests/jujusim) and the Kubernetes test
# server (tests/kubesim) with the real kubectl.
# Every hook and hand-run command runs in Juju's environment (JUJUSIM_ENV=juju:
# no HOME, KUBECONFIG or SVCMESH_*, no kubectl on PATH). Tests that enforce
# (kube) run kubesim as a pod sees it (juju_model: HTTPS, the beacon's
# service-account token with the README's RBAC rules) and ship the real
# kubectl as the charm's bin/kubectl; "no kubectl call" is a bin/kubectl that
# records and fails (deny_kubectl), each kubectl of the version matrix is
# shipped in turn. The tests' own kubectl and kubesimctl calls use the
# all-rights kubeconfig; the kubesim webhook test runs no hook and uses the
# plain server.

load assertions
load '../kubesim/kubesim.bash'
load helpers   # bare_charm, juju_model, ship_kubectl

bats_require_minimum_version 1.5.0

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
GOLDEN="$REPO/tests/golden"

LABELS_TEXT='{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "beacon-waypoint"}'

# A MeshPolicy as the consumers write it: pol SRC_NS SRC_APP TGT_APP TYPE ENDPOINTS [TARGET_SERVICE]
pol() {
    local svc=null
    [[ -n "${6:-}" ]] && svc="\"$6\""
    printf '{"source_namespace": "%s", "source_app_name": "%s", "target_namespace": "consumer-model", "target_app_name": "%s", "target_selector_labels": null, "target_service": %s, "target_type": "%s", "endpoints": %s}' \
        "$1" "$2" "$3" "$svc" "$4" "$5"
}
APP_POL="$(pol consumer-model client web app '[{"hosts": ["web.example.com"], "ports": [8080, 443], "methods": ["GET", "POST"], "paths": ["/api/*"]}, {"hosts": null, "ports": [9090], "methods": null, "paths": null}]')"
UNIT_POL="$(pol consumer-model client db unit '[{"hosts": null, "ports": [5432], "methods": null, "paths": null}]')"
CMR_POL="$(pol remote_model remote-client web app '[{"hosts": [], "ports": [80], "methods": [], "paths": []}]' web)"
L7_UNIT_POL="$(pol consumer-model client db unit '[{"hosts": null, "ports": [5432], "methods": ["GET"], "paths": null}]')"

setup() {
    BIN="${SVCMESH_BIN:-$REPO/build/svcmesh-hook}"
    [[ "$BIN" = /* ]] || BIN="$REPO/$BIN"
    SVCMESH_BIN="$BIN"
    bare_charm service-mesh-relation-created service-mesh-relation-changed service-mesh-relation-broken \
        config-changed leader-elected upgrade-charm install remove
    provider_config true
    "$J" init "$S" --app beacon --model consumer-model --leader --charm-dir "$CHARM"
    # hooks run in Juju's environment; without kube there is no cluster and
    # no kubectl at all: a hook that called it would fail
    export JUJUSIM_ENV=juju
    DENIED="$BATS_TEST_TMPDIR/kubectl.denied"
    KUBE=
}

teardown() {
    if [[ -n "$KUBE" ]]; then
        kubesim_stop
    fi
}

# (this file's own provider config: the beacon's two labels; MANAGE required)
provider_config() {
    cat > "$CHARM/service-mesh.yaml" <<-EOF
	provider:
	  mesh-type: istio
	  labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: beacon-waypoint}
	  manage-policies: $1
	EOF
}

# Start the Kubernetes test server as the beacon's pod sees it, with the real
# kubectl shipped as the charm's bin/kubectl (only the tests that enforce need it).
kube() {
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    juju_model beacon consumer-model
    KUBE=1
    ship_kubectl
    kubesim_seed_charm web consumer-model
    kubesim_seed_charm db consumer-model
}

# deny_kubectl: from now on the charm's bin/kubectl records its arguments in
# $DENIED and fails, so a hook that runs kubectl at all fails and leaves the
# record (ship_kubectl puts the real one back)
deny_kubectl() {
    mkdir -p "$CHARM/bin"
    rm -f "$CHARM/bin/kubectl"   # a symlink to the real kubectl: never write through it
    printf '#!/bin/sh\necho "$*" >> "%s"\necho "error: no kubectl call expected" >&2\nexit 1\n' "$DENIED" > "$CHARM/bin/kubectl"
    chmod 755 "$CHARM/bin/kubectl"
}

# no_kubectl_called: deny_kubectl's kubectl never ran
no_kubectl_called() {
    if [[ -e "$DENIED" ]]; then
        echo "kubectl was called: $(cat "$DENIED")" >&2
        return 1
    fi
}

# add_consumer APP [POLICIES]: a mesh relation; prints nothing, sets REL
add_consumer() {
    REL="$("$J" add-relation "$S" service-mesh "$1")"
    if [[ $# -gt 1 ]]; then
        "$J" set-data "$S" "$REL" --remote-app "policies=$2"
    fi
}

sm() {
    "$J" exec "$S" -- ./svcmesh-hook "$@"
}

relation_sets() {
    "$J" calls "$S" --tool relation-set --count
}

# ------------------------------------------------------------------ publish

@test "publish: relation-created writes labels and mesh_type (json.dumps text) to every mesh relation" {
    provider_config false
    add_consumer web
    add_consumer db
    run "$J" run "$S" service-mesh-relation-created --relation 1
    assert_success
    for r in 0 1; do
        run "$J" get-key "$S" "$r" --local-app labels
        assert_output "$LABELS_TEXT"
        run "$J" get-key "$S" "$r" --local-app mesh_type
        assert_output '"istio"'
    done
    run relation_sets
    assert_output 2
    # juju-log in a relation hook prefixes the hook's relation id (Juju does,
    # and the simulator as Juju): once, and the other relation's id stays
    run "$J" log "$S"
    assert_line --index 0 "INFO service-mesh:1: service-mesh:0: published labels $LABELS_TEXT and mesh_type"
    assert_line --index 1 "INFO service-mesh:1: published labels $LABELS_TEXT and mesh_type"
}

@test "publish: config-changed, leader-elected and upgrade-charm each publish; nothing written when unchanged" {
    provider_config false
    add_consumer web
    for hook in config-changed leader-elected upgrade-charm; do
        "$J" set-data "$S" 0 --local-app labels= mesh_type=
        "$J" calls "$S" --reset
        run "$J" run "$S" "$hook"
        assert_success
        run "$J" get-key "$S" 0 --local-app mesh_type
        assert_output '"istio"'
        run "$J" get-key "$S" 0 --local-app labels
        assert_output "$LABELS_TEXT"
        run relation_sets
        assert_output 1
    done
    "$J" calls "$S" --reset
    "$J" log "$S" --reset
    run "$J" run "$S" config-changed
    assert_success
    run relation_sets
    assert_output 0
    run "$J" log "$S"
    assert_output --partial "DEBUG service-mesh:0: labels and mesh_type unchanged"
}

@test "publish: only the keys that differ are sent, in one relation-set" {
    provider_config false
    add_consumer web
    "$J" set-data "$S" 0 --local-app "labels=$LABELS_TEXT" 'mesh_type="linkerd"' other=keep
    # SVCMESH_STATS is a measurement with no settings key (it changes nothing
    # the hook does): passed explicitly, as budget.bats does
    run "$J" run "$S" config-changed --env "SVCMESH_STATS=$BATS_TEST_TMPDIR/stats"
    assert_success
    run relation_sets
    assert_output 1
    run "$J" get-data "$S" 0 --local-app
    assert_output "{\"labels\":\"{\\\"istio.io/dataplane-mode\\\": \\\"ambient\\\", \\\"istio.io/use-waypoint\\\": \\\"beacon-waypoint\\\"}\",\"mesh_type\":\"\\\"istio\\\"\",\"other\":\"keep\"}"
    # {"mesh_type": "\"istio\""} and a newline: 27 bytes, labels not resent
    run python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["relation_bytes"])' "$BATS_TEST_TMPDIR/stats"
    assert_output 27
}

@test "publish: label placeholders are expanded for the model the charm is in; check-config refuses unknown ones" {
    cat > "$CHARM/service-mesh.yaml" <<-'EOF'
	provider:
	  mesh-type: istio
	  labels:
	    istio.io/dataplane-mode: ambient
	    istio.io/use-waypoint: "{waypoint}"
	    istio.io/use-waypoint-namespace: "{model}"
	    example.com/{app}-unit: "{unit}"
	    too-long: "{model}-{model}-{model}-{model}-{model}"
	EOF
    add_consumer web
    run "$J" run "$S" service-mesh-relation-created --relation 0
    assert_success
    run "$J" get-key "$S" 0 --local-app labels
    assert_output '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "consumer-model-beacon-waypoint", "istio.io/use-waypoint-namespace": "consumer-model", "example.com/beacon-unit": "beacon-0"}'
    run "$J" log "$S"
    assert_output --partial "WARNING service-mesh:0: provider label 'too-long: {model}-{model}-{model}-{model}-{model}' expands to 'too-long: consumer-model-consumer-model-consumer-model-consumer-model-consumer-model' in this model, which is not a valid label (longer than 63 characters); left out"
    printf 'provider:\n  mesh-type: istio\n  labels: {a: "{modle}"}\n' > "$CHARM/service-mesh.yaml"
    printf 'name: beacon\nprovides:\n  service-mesh:\n    interface: service_mesh\n' > "$CHARM/metadata.yaml"
    run "$CHARM/svcmesh-hook" check-config "$CHARM"
    assert_failure 2
    assert_output --partial "service-mesh.yaml:3:15: provider.labels['a']: '{modle}': unknown placeholder '{modle}' (known: {model}, {app}, {unit}, {waypoint})"
}

@test "publish: a non-leader writes nothing" {
    provider_config false
    add_consumer web
    "$J" set-leader "$S" false
    for hook in service-mesh-relation-created config-changed leader-elected upgrade-charm; do
        run "$J" run "$S" "$hook"
        assert_success
    done
    run relation_sets
    assert_output 0
    run "$J" get-data "$S" 0 --local-app
    assert_output '{}'
}

# ------------------------------------------------------------------ mesh-info

@test "mesh-info: policies of every relation in order, missing policies are []" {
    add_consumer web "[$APP_POL, $CMR_POL]"
    add_consumer idle
    add_consumer db "[$UNIT_POL]"
    run --separate-stderr sm mesh-info
    assert_success
    assert_output "[$APP_POL, $CMR_POL, $UNIT_POL]"
    run sm mesh-info --strict
    assert_success
    assert_output "[$APP_POL, $CMR_POL, $UNIT_POL]"
}

@test "mesh-info: no relation prints []" {
    run sm mesh-info
    assert_success
    assert_output "[]"
}

@test "mesh-info: bad entries and unreadable relations are skipped with a warning; --strict fails" {
    add_consumer web "[$APP_POL, $(pol m x web app '[{"ports": [70000]}]'), 42]"
    add_consumer foo "{not json"
    add_consumer bar '{"policies": []}'
    add_consumer db "[$UNIT_POL]"
    run --separate-stderr sm mesh-info
    assert_success
    assert_output "[$APP_POL, $UNIT_POL]"
    run "$J" log "$S"
    assert_line "WARNING service-mesh:0 (app web): skipping policies[1]: port '70000' is out of range 1..65535"
    assert_line "WARNING service-mesh:0 (app web): skipping policies[2]: policy is an integer '42', not an object"
    assert_line "WARNING service-mesh:1 (app foo): skipping its policies: not valid JSON near byte 1"
    assert_line "WARNING service-mesh:2 (app bar): skipping its policies: an object, not a list"
    run --separate-stderr sm mesh-info --strict
    assert_failure 1
    assert_output ""
    [[ "$stderr" == *"service-mesh:0 (app web): invalid policies[1]: port '70000' is out of range 1..65535"* ]]
}

@test "mesh-info: ports a Python peer's pydantic reads from strings or floats are read the same way" {
    add_consumer web "[$(pol consumer-model client web app '[{"ports": ["8080", " 9_090 ", 443.0], "methods": ["GET"]}]')]"
    run --separate-stderr sm mesh-info --strict
    assert_success
    assert_output "[$(pol consumer-model client web app '[{"hosts": null, "ports": [8080, 9090, 443], "methods": ["GET"], "paths": null}]')]"
    run --separate-stderr sm render -o json
    assert_success
    assert_output --partial '"ports": ["8080", "9090", "443"]'
}

@test "mesh-info: a charm without a provider section is a usage error" {
    printf 'consumer: {}\n' > "$CHARM/service-mesh.yaml"
    run sm mesh-info
    assert_failure 2
    assert_output --partial "has no provider section"
}

# ------------------------------------------------------------------ render

@test "render: an app policy (golden YAML and JSON)" {
    add_consumer web "[$APP_POL]"
    run --separate-stderr sm render
    assert_success
    diff -u "$GOLDEN/render-app.yaml" <(printf '%s\n' "$output")
    run --separate-stderr sm render --output json
    assert_success
    diff -u "$GOLDEN/render-app.json" <(printf '%s\n' "$output")
}

@test "render: a unit policy (golden YAML)" {
    add_consumer db "[$UNIT_POL]"
    run --separate-stderr sm render
    assert_success
    diff -u "$GOLDEN/render-unit.yaml" <(printf '%s\n' "$output")
}

@test "render: a cross-model source (golden YAML)" {
    add_consumer web "[$CMR_POL]"
    run --separate-stderr sm render --output=yaml
    assert_success
    diff -u "$GOLDEN/render-cmr.yaml" <(printf '%s\n' "$output")
}

@test "render: YAML documents load (PyYAML) as the same objects as the JSON, ports stay strings" {
    add_consumer web "[$APP_POL, $CMR_POL]"
    add_consumer db "[$UNIT_POL]"
    sm render > "$BATS_TEST_TMPDIR/out.yaml"
    sm render -o json > "$BATS_TEST_TMPDIR/out.json"
    run python3 - "$BATS_TEST_TMPDIR/out.yaml" "$BATS_TEST_TMPDIR/out.json" <<-'EOF'
	import json, sys, yaml
	docs = list(yaml.safe_load_all(open(sys.argv[1])))
	items = json.load(open(sys.argv[2]))["items"]
	assert docs == items, (docs, items)
	assert all(isinstance(p, str) for d in docs for r in d["spec"]["rules"]
	           for t in r.get("to", []) for p in t["operation"].get("ports", []))
	print(len(docs))
	EOF
    assert_success
    assert_output 3
}

@test "render: no policies gives no documents and an empty List" {
    run sm render
    assert_success
    assert_output ""
    run sm render -o json
    assert_output '{"apiVersion": "v1", "kind": "List", "items": []}'
}

# rawpol TGT_APP_JSON SELECTOR_JSON SERVICE_JSON TYPE: a policy from client naming its target in any way
rawpol() {
    printf '{"source_namespace": "consumer-model", "source_app_name": "client", "target_namespace": "consumer-model", "target_app_name": %s, "target_selector_labels": %s, "target_service": %s, "target_type": "%s", "endpoints": [{"hosts": null, "ports": [80], "methods": null, "paths": null}]}' "$1" "$2" "$3" "$4"
}

@test "render: a consumer may only open itself (its own app, this model's namespace)" {
    add_consumer web "[$APP_POL]"
    # db asks for access to web, and for a workload in another namespace
    add_consumer db "[$(pol consumer-model client web app '[]'), $(pol consumer-model client db unit '[]' | sed 's/"target_namespace": "consumer-model"/"target_namespace": "kube-system"/')]"
    run --separate-stderr sm render
    assert_success
    diff -u "$GOLDEN/render-app.yaml" <(printf '%s\n' "$output")
    [[ "$stderr" == *"it targets app 'web', but it was sent by 'db': a consumer may only open itself"* ]]
    [[ "$stderr" == *"it targets namespace 'kube-system', but a consumer may only open its own workloads in this model ('consumer-model')"* ]]
    [[ "$stderr" == *"2 policies left out"* ]]
    # mesh-info still shows what the consumers sent, as the Python library's mesh_info()
    run sm mesh-info
    assert_success
    run python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$output"
    assert_output 3
}

@test "render: only the sender can be opened, whichever way the target is named" {
    # web sends every shape; only those that resolve to web itself are enforced
    add_consumer web "[$(rawpol null '{"app.kubernetes.io/name": "db"}' null unit), $(rawpol null null '"db"' app), $(rawpol '"web"' null '"db"' app), $(rawpol null '{"app.kubernetes.io/name": "web", "tier": "x"}' null unit), $(rawpol null '{"app": "web"}' null unit), $(rawpol null null '"web"' app), $(rawpol null '{"app.kubernetes.io/name": "web"}' null unit), $(rawpol '"web"' null '"web"' app), $(rawpol '"web"' '{}' null unit)]"
    run --separate-stderr sm render -o json
    assert_success
    [[ "$stderr" == *"policies[0]: not enforcing the unit policy"*"its target_selector_labels are not exactly {app.kubernetes.io/name: web}: a consumer may only select its own pods"* ]]
    # another Service must be read from the cluster, and here there is none
    [[ "$stderr" == *"policies[1]: not enforcing the app policy"*"its Service 'db' cannot be read ("* ]]
    [[ "$stderr" == *"policies[2]: not enforcing the app policy"*"its Service 'db' cannot be read ("* ]]
    [[ "$stderr" == *"policies[3]: not enforcing"*"not exactly {app.kubernetes.io/name: web}"* ]]
    [[ "$stderr" == *"policies[4]: not enforcing"*"not exactly {app.kubernetes.io/name: web}"* ]]
    # the sender's own Service (Juju's, named after the app) needs no read
    [[ "$stderr" != *"policies[5]: not enforcing"* ]]
    [[ "$stderr" != *"policies[6]: not enforcing"* ]]
    [[ "$stderr" != *"policies[7]: not enforcing"* ]]
    [[ "$stderr" != *"policies[8]: not enforcing"* ]]
    [[ "$stderr" == *"5 policies left out"* ]]
    # what is enforced selects or targets web only
    run python3 -c '
import json, sys
items = json.loads(sys.argv[1])["items"]
for i in items:
    s = i["spec"]
    print(s["selector"]["matchLabels"] if "selector" in s else [r["name"] for r in s["targetRefs"]])' "$output"
    assert_output "['web']
{'app.kubernetes.io/name': 'web'}
['web']
{'app.kubernetes.io/name': 'web'}"
    run "$J" log "$S"
    assert_output --partial "WARNING service-mesh:0 (app web) policies[0]: not enforcing the unit policy for source app 'client'"
    # mesh-info still shows all nine as sent
    run sm mesh-info
    run python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$output"
    assert_output 9
}

@test "render: an L7 unit policy is refused with a warning naming source app and relation; --strict exits 1" {
    add_consumer web "[$APP_POL]"
    add_consumer db "[$L7_UNIT_POL]"
    run --separate-stderr sm render
    assert_success
    diff -u "$GOLDEN/render-app.yaml" <(printf '%s\n' "$output")
    [[ "$stderr" == *"warning: service-mesh:1 (app db) policies[0]: not enforcing the unit policy for source app 'client'"*"cannot carry hosts, methods or paths"* ]]
    [[ "$stderr" == *"1 policy left out"* ]]
    run "$J" log "$S"
    assert_output --partial "WARNING service-mesh:1 (app db) policies[0]: not enforcing the unit policy for source app 'client'"
    run --separate-stderr sm render --strict
    assert_failure 1
    assert_output ""
}

@test "render: bad option values are usage errors" {
    run sm render --output xml
    assert_failure 2
    run sm render --bogus
    assert_failure 2
}

# ------------------------------------------------------------------ enforce

ap_names() {
    kubectl get authorizationpolicies.security.istio.io -A \
        -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}' | sort
}

@test "apply: relation-changed applies the rendered set with server-side apply and owner labels" {
    kube
    add_consumer web "[$APP_POL, $CMR_POL]"
    add_consumer db "[$UNIT_POL]"
    run "$J" run "$S" service-mesh-relation-changed --relation 1
    assert_success
    # every request so far was the hook's, with the beacon's service-account token
    run kubesim_users
    assert_output "system:serviceaccount:consumer-model:beacon"
    run ap_names
    assert_output "$(sm render -o json | python3 -c 'import json,sys; print("\n".join(sorted(i["metadata"]["namespace"]+"/"+i["metadata"]["name"] for i in json.load(sys.stdin)["items"])))')"
    assert_line --index 0 --regexp '^consumer-model/beacon-consumer-model-policy-'
    [ "${#lines[@]}" -eq 3 ]
    # the beacon's two ownership labels, nothing else
    run kubectl get authorizationpolicies.security.istio.io -A -l 'app.kubernetes.io/instance=consumer-model-beacon,kubernetes-resource-handler-scope=istio-authorization-policy' -o name
    [ "${#lines[@]}" -eq 3 ]
    run kubectl get authorizationpolicies.security.istio.io -A -o jsonpath='{range .items[*]}{.metadata.labels}{"\n"}{end}'
    refute_output --partial 'svcmesh-hook/' 
    # one apply request per object, with our field manager
    run kubesimctl requests --method PATCH
    [ "${#lines[@]}" -eq 3 ]
    assert_output --partial 'fieldManager=svcmesh-hook'
    assert_output --partial 'application/apply-patch+yaml'
}

@test "apply: target_service is enforced when that Service selects exactly the sender's pods; a failed read prunes nothing" {
    kube
    kubesimctl seed >/dev/null <<-'EOF'
	{"apiVersion": "v1", "kind": "List", "items": [
	 {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-api", "namespace": "consumer-model"},
	  "spec": {"selector": {"app.kubernetes.io/name": "web"}, "ports": [{"port": 8080}]}},
	 {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "sneaky", "namespace": "consumer-model"},
	  "spec": {"selector": {"app.kubernetes.io/name": "db"}, "ports": [{"port": 5432}]}}]}
	EOF
    EP='[{"hosts": null, "ports": [8080], "methods": null, "paths": null}]'
    add_consumer web "[$(pol consumer-model client web app "$EP" web-api), $(pol consumer-model client web app "$EP" sneaky), $(pol consumer-model client web app "$EP" web-gone)]"
    run "$J" run "$S" service-mesh-relation-changed --relation 0
    assert_success
    [ "$(ap_names | wc -l)" -eq 1 ]
    run kubectl get authorizationpolicies.security.istio.io -A -o jsonpath='{.items[0].spec.targetRefs[0].name}'
    assert_output web-api
    run "$J" log "$S"
    assert_output --partial "service-mesh:0 (app web) policies[1]: not enforcing the app policy for source app 'client' (namespace 'consumer-model') on 'web': it targets Service 'sneaky', whose selector is not exactly {app.kubernetes.io/name: web}"
    assert_output --partial "policies[2]: not enforcing the app policy for source app 'client' (namespace 'consumer-model') on 'web': it targets Service 'web-gone', which does not exist in this model"
    # render reads the cluster the same way and says what it left out
    run --separate-stderr sm render -o json
    assert_success
    [[ "$stderr" == *"'sneaky', whose selector is not exactly"* && "$stderr" == *"2 policies left out"* ]]
    # the Services cannot be read: nothing new is enforced, and what was applied stays
    kubesimctl fault --method GET --path services --status 403 --message 'services is forbidden' >/dev/null
    run "$J" run "$S" service-mesh-relation-changed --relation 0
    assert_success
    [ "$(ap_names | wc -l)" -eq 1 ]
    run "$J" log "$S"
    assert_output --partial "its Service 'web-api' cannot be read ("
    # readable again, and the Service is gone: now it is pruned
    kubesimctl clear-faults >/dev/null
    kubesimctl delete service consumer-model web-api >/dev/null
    run "$J" run "$S" service-mesh-relation-changed --relation 0
    assert_success
    run ap_names
    assert_output ""
}

@test "apply: a second run with nothing changed makes zero writes" {
    kube
    add_consumer web "[$APP_POL]"
    add_consumer db "[$UNIT_POL]"
    run "$J" run "$S" service-mesh-relation-changed --relation 0
    assert_success
    [ "$(kubesim_writes)" -eq 2 ]
    kubesimctl clear-requests
    run "$J" run "$S" service-mesh-relation-changed --relation 1
    assert_success
    run kubesim_writes
    assert_output 0
    run "$J" run "$S" config-changed
    assert_success
    run kubesim_writes
    assert_output 0
    run "$J" log "$S"
    assert_output --partial "authorization policies up to date (2)"
}

@test "apply: a changed policy is re-applied alone; a drifted object is repaired" {
    kube
    add_consumer web "[$APP_POL]"
    add_consumer db "[$UNIT_POL]"
    "$J" run "$S" service-mesh-relation-changed --relation 0
    kubesimctl clear-requests
    # the db consumer now opens another port: the old object goes, the new one comes
    "$J" set-data "$S" 1 --remote-app "policies=[$(pol consumer-model client db unit '[{"hosts": null, "ports": [5433], "methods": null, "paths": null}]')]"
    run "$J" run "$S" service-mesh-relation-changed --relation 1
    assert_success
    run kubesimctl requests --writes --method PATCH
    [ "${#lines[@]}" -eq 1 ]
    run kubesimctl requests --writes --method DELETE
    [ "${#lines[@]}" -eq 1 ]
    # someone edits the app policy's spec behind our back
    name="$(sm render -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["metadata"]["name"])')"
    kubectl -n consumer-model patch authorizationpolicies.security.istio.io "$name" --type=merge -p '{"spec": {"rules": []}}'
    kubesimctl clear-requests
    run "$J" run "$S" service-mesh-relation-changed --relation 0
    assert_success
    run kubesim_writes
    assert_output 1
    run kubectl -n consumer-model get authorizationpolicies.security.istio.io "$name" -o jsonpath='{.spec.rules[0].to[0].operation.ports}'
    assert_output '["8080","443"]'
}

@test "apply: stale policies are deleted after a consumer leaves; others' objects are left alone" {
    kube
    add_consumer web "[$APP_POL]"
    add_consumer db "[$UNIT_POL]"
    "$J" run "$S" service-mesh-relation-changed --relation 0
    kubectl apply -f - <<-'EOF'
	{"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
	 "metadata": {"name": "not-ours", "namespace": "consumer-model",
	  "labels": {"svcmesh-hook/provider": "other", "svcmesh-hook/model": "consumer-model"}},
	 "spec": {}}
	EOF
    before="$(ap_names)"
    "$J" break-relation "$S" 1
    run "$J" run "$S" service-mesh-relation-broken --relation 1
    assert_success
    run ap_names
    [ "${#lines[@]}" -eq 2 ]
    assert_line "consumer-model/not-ours"
    refute_line --regexp 'policy-client-consumer-model-db-'
    echo "$before" | grep -q 'policy-client-consumer-model-db-'
    run "$J" log "$S"
    assert_output --regexp "INFO .*deleted AuthorizationPolicy consumer-model/beacon-consumer-model-policy-client-consumer-model-db-[0-9a-f]{8}: no consumer asks for it any more"
}

@test "kubesim refuses AuthorizationPolicies as Istio's webhook does (code 400, its message)" {
    # no hook here, only the test's own kubectl: the plain server will do
    kubesim_start
    KUBE=1
    kubesim_seed_charm web consumer-model
    ap() {
        printf '{"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": {"name": "%s", "namespace": "consumer-model"}, "spec": %s}' "$1" "$2"
    }
    run kubectl apply --server-side -f - <<< "$(ap empty-op '{"rules": [{"from": [{"source": {"principals": ["p"]}}], "to": [{"operation": {}}]}]}')"
    assert_failure
    assert_output --partial 'admission webhook "validation.istio.io" denied the request: configuration is invalid: invalid policy empty-op.consumer-model: `to.operation` must not be empty, found at rule 0'
    run kubectl create -f - <<< "$(ap empty-host '{"rules": [{"to": [{"operation": {"hosts": [""], "paths": ["/a/{**}/{*}"]}}]}]}')"
    assert_failure
    assert_output --partial 'configuration is invalid: 2 errors occurred:'
    assert_output --partial '* invalid policy empty-host.consumer-model: empty value not allowed, found in Hosts'
    assert_output --partial '* invalid policy empty-host.consumer-model: invalid or unsupported path a/{**}/{*}, found in Paths. {**} is not the last operator'
    run kubesimctl requests --method POST --path authorizationpolicies
    assert_output --partial '"status": 400'
    run kubectl get authorizationpolicies.security.istio.io -A -o name
    assert_output ""
    # what Istio accepts: [] and null are absent, as protobuf reads them
    run kubectl apply --server-side -f - <<< "$(ap fine '{"selector": {"matchLabels": {"app.kubernetes.io/name": "web"}}, "targetRefs": [], "rules": [{"from": [{"source": {"principals": ["p"]}}], "to": []}]}')"
    assert_success
}

@test "apply: every shape Istio refuses is skipped with a warning; the rest is applied and pruned" {
    kube
    add_consumer web "[$APP_POL]"
    add_consumer db "[$UNIT_POL]"
    "$J" run "$S" service-mesh-relation-changed --relation 0
    [ "$(ap_names | wc -l)" -eq 2 ]
    # web now sends every invalid shape around one good policy; db leaves
    bad() { pol consumer-model client web app "$1"; }
    badu() { pol consumer-model client web unit "$1"; }
    GOOD="$(pol consumer-model client2 web app '[{"hosts": null, "ports": [8443], "methods": null, "paths": null}]')"
    "$J" set-data "$S" 0 --remote-app "policies=[$(bad '[{"hosts": null, "ports": null, "methods": null, "paths": null}]'), $(bad '[{}]'), $(bad '[{"hosts": [], "ports": [], "methods": [], "paths": []}]'), $GOOD, $(badu '[{"ports": [80]}, {}]'), $(bad '[{"hosts": [""]}]'), $(bad '[{"paths": [""]}]'), $(bad '[{"ports": [80], "paths": ["/{**}/{*}"]}]'), $(bad '[{"paths": ["/a/{x}"]}]'), $(bad '[{"paths": ["/{*}/a b"]}]')]"
    "$J" break-relation "$S" 1
    run "$J" run "$S" service-mesh-relation-changed --relation 0
    assert_success
    run ap_names
    [ "${#lines[@]}" -eq 1 ]
    assert_output --regexp 'policy-client2-consumer-model-web-'
    run "$J" log "$S"
    assert_output --partial "WARNING service-mesh:0: service-mesh:0 (app web) policies[0]: not enforcing"
    for i in 0 1 2 4; do
        assert_output --regexp "service-mesh:0 \(app web\) policies\[$i\]: not enforcing .*Istio would refuse it: \`to.operation\` must not be empty, found at rule 0"
    done
    assert_output --partial "policies[5]: not enforcing the app policy for source app 'client' (namespace 'consumer-model') on 'web': Istio would refuse it: empty value not allowed, found in Hosts"
    assert_output --partial "policies[6]: not enforcing the app policy for source app 'client' (namespace 'consumer-model') on 'web': Istio would refuse it: empty value not allowed, found in Paths"
    assert_output --partial "policies[7]: not enforcing the app policy for source app 'client' (namespace 'consumer-model') on 'web': Istio would refuse it: invalid or unsupported path {**}/{*}, found in Paths. {**} is not the last operator"
    assert_output --partial "Contains '{' or '}' beyond a supported path template"
    assert_output --partial "Contains segment a b with invalid string literal"
    refute_output --partial "policies[3]: not enforcing"
    refute_output --partial "ERROR"
    assert_output --regexp "deleted AuthorizationPolicy consumer-model/beacon-consumer-model-policy-client-consumer-model-db-"
    assert_output --regexp "deleted AuthorizationPolicy consumer-model/beacon-consumer-model-policy-client-consumer-model-web-"
    # nothing the webhook refused ever reached the server
    run kubesimctl requests --writes
    refute_output --partial '"status": 400'
}

@test "apply: an L7 unit policy is not applied and does not fail the hook" {
    kube
    add_consumer web "[$APP_POL]"
    add_consumer db "[$L7_UNIT_POL]"
    run "$J" run "$S" service-mesh-relation-changed --relation 1
    assert_success
    run ap_names
    [ "${#lines[@]}" -eq 1 ]
    assert_output --partial "policy-client-consumer-model-web-"
}

@test "apply: svcmesh-hook apply by hand (leader only), manage-policies false refuses" {
    kube
    add_consumer web "[$APP_POL]"
    "$J" set-leader "$S" false
    run sm apply
    assert_failure 1
    assert_output --partial "this unit is not the leader"
    run kubesim_writes
    assert_output 0
    "$J" set-leader "$S" true
    run sm apply
    assert_success
    assert_output "authorization policies: 1 applied, 0 deleted, 0 unchanged"
    run sm apply
    assert_success
    assert_output "authorization policies already up to date (1)"
    run kubesim_writes
    assert_output 1
    provider_config false
    run sm apply
    assert_failure 2
    assert_output --partial "manage-policies is false"
}

@test "apply: manage-policies false deletes what was applied, once; then no kubectl call at all" {
    kube
    add_consumer web "[$APP_POL]"
    add_consumer db "[$UNIT_POL]"
    run "$J" run "$S" config-changed
    assert_success
    [ "$(ap_names | wc -l)" -eq 2 ]
    [ -e "$CHARM/.svcmesh-hook-policies-managed" ]
    # switched off: the first delete fails (server error), the hook fails, the record stays
    provider_config false
    kubesimctl fault --method DELETE --path authorizationpolicies --status 500 --message boom >/dev/null
    run "$J" run "$S" config-changed
    assert_failure 1
    [ -e "$CHARM/.svcmesh-hook-policies-managed" ]
    [ "$(ap_names | wc -l)" -eq 2 ]
    # the retry deletes them all and forgets the record
    kubesimctl clear-requests
    run "$J" run "$S" config-changed
    assert_success
    run ap_names
    assert_output ""
    [ ! -e "$CHARM/.svcmesh-hook-policies-managed" ]
    run kubesimctl requests --method DELETE --count
    assert_output 2
    run "$J" log "$S"
    assert_output --partial "manage-policies is false: deleted 2 AuthorizationPolicies"
    # from now on: no kubectl at all, in any hook
    deny_kubectl
    for hook in config-changed upgrade-charm service-mesh-relation-changed; do
        run "$J" run "$S" "$hook" --relation 0
        assert_success
    done
    no_kubectl_called
    # switched on again: applied and recorded; off again: deleted again
    ship_kubectl
    provider_config true
    run "$J" run "$S" config-changed
    assert_success
    [ "$(ap_names | wc -l)" -eq 2 ]
    [ -e "$CHARM/.svcmesh-hook-policies-managed" ]
    provider_config false
    run "$J" run "$S" upgrade-charm
    assert_success
    run ap_names
    assert_output ""
}

@test "apply: a unit that saw manage-policies on cleans up when it leads after it is turned off; one that never did calls no kubectl" {
    kube
    add_consumer web "[$APP_POL]"
    # a non-leader applies nothing but records what it saw
    "$J" set-leader "$S" false
    run "$J" run "$S" config-changed
    assert_success
    [ -e "$CHARM/.svcmesh-hook-policies-managed" ]
    run ap_names
    assert_output ""
    # the policy another unit applied while it led
    "$J" set-leader "$S" true
    "$J" run "$S" service-mesh-relation-changed --relation 0
    [ "$(ap_names | wc -l)" -eq 1 ]
    # turned off: this unit, leader now, deletes it
    provider_config false
    run "$J" run "$S" config-changed
    assert_success
    run ap_names
    assert_output ""
    # a non-leader that sees it off forgets its record and calls no kubectl
    provider_config true
    "$J" set-leader "$S" false
    "$J" run "$S" config-changed
    [ -e "$CHARM/.svcmesh-hook-policies-managed" ]
    provider_config false
    deny_kubectl
    run "$J" run "$S" config-changed
    assert_success
    [ ! -e "$CHARM/.svcmesh-hook-policies-managed" ]
    no_kubectl_called
}

@test "publish-only provider (manage-policies false from the start): every hook succeeds with no kubectl and no cluster" {
    # no kube: JUJUSIM_ENV=juju leaves no kubectl on PATH and no kubeconfig
    provider_config false
    for hook in install leader-elected config-changed upgrade-charm; do
        run "$J" run "$S" "$hook"
        assert_success
    done
    add_consumer web "[$APP_POL]"
    for hook in service-mesh-relation-created service-mesh-relation-changed; do
        run "$J" run "$S" "$hook" --relation 0
        assert_success
    done
    run "$J" get-key "$S" 0 --local-app mesh_type
    assert_output '"istio"'
    run "$J" get-key "$S" 0 --local-app labels
    assert_output "$LABELS_TEXT"
    "$J" break-relation "$S" 0
    run "$J" run "$S" service-mesh-relation-broken --relation 0
    assert_success
    run "$J" run "$S" remove
    assert_success
    [ ! -e "$CHARM/.svcmesh-hook-policies-managed" ]
    run "$J" log "$S"
    refute_output --partial "ERROR"
}

@test "apply: when the last consumer's relation is broken, every owned policy goes" {
    kube
    add_consumer web "[$APP_POL]"
    add_consumer db "[$UNIT_POL]"
    "$J" run "$S" service-mesh-relation-changed --relation 0
    [ "$(ap_names | wc -l)" -eq 2 ]
    "$J" break-relation "$S" 0
    run "$J" run "$S" service-mesh-relation-broken --relation 0
    assert_success
    [ "$(ap_names | wc -l)" -eq 1 ]
    "$J" break-relation "$S" 1
    run "$J" run "$S" service-mesh-relation-broken --relation 1
    assert_success
    run ap_names
    assert_output ""
}

@test "apply: a kubectl failure fails the hook (Juju retries it)" {
    add_consumer web "[$APP_POL]"
    deny_kubectl
    run "$J" run "$S" service-mesh-relation-changed --relation 0
    assert_failure 1
    # it was the shipped kubectl that failed, not a missing one
    [ -s "$DENIED" ]
}

# ------------------------------------------------------------------ remove

# apply two consumers' policies and add one object someone else owns
applied_with_foreign() {
    kube
    add_consumer web "[$APP_POL]"
    add_consumer db "[$UNIT_POL]"
    "$J" run "$S" service-mesh-relation-changed --relation 0
    kubectl apply -f - >/dev/null <<-'EOF'
	{"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
	 "metadata": {"name": "not-ours", "namespace": "consumer-model",
	  "labels": {"app.kubernetes.io/instance": "consumer-model-other", "kubernetes-resource-handler-scope": "istio-authorization-policy"}},
	 "spec": {}}
	EOF
    [ "$(ap_names | wc -l)" -eq 3 ]
}

# the hook-tool calls, juju-log left out
calls_but_log() {
    "$J" calls "$S" | grep -v '^\["juju-log"' || true
}

@test "remove: the last unit's remove deletes every owned policy, on any unit; others' objects stay" {
    applied_with_foreign
    # removing the application: every unit dying, and this one not the leader
    "$J" add-relation "$S" peers beacon --role peer --units 1 >/dev/null
    "$J" remove-application "$S"
    "$J" set-leader "$S" false
    "$J" calls "$S" --reset
    kubesimctl clear-requests
    run "$J" run "$S" remove
    assert_success
    run ap_names
    assert_output "consumer-model/not-ours"
    run kubesimctl requests --writes --method DELETE --count
    assert_output 2
    # one goal-state call (and the log), no is-leader, no relation data read
    run calls_but_log
    assert_output '["goal-state", "--format=json"]'
    run "$J" log "$S"
    assert_output --partial "remove: the last unit of beacon: deleted 2 AuthorizationPolicies"
    assert_output --regexp "INFO .*deleted AuthorizationPolicy consumer-model/beacon-consumer-model-policy-client-consumer-model-web-[0-9a-f]{8}: the application is going away"
}

@test "remove: a scale-down (other units stay) deletes nothing and makes no kubectl call" {
    applied_with_foreign
    "$J" add-relation "$S" peers beacon --role peer --units 2 >/dev/null
    kubesimctl clear-requests
    "$J" calls "$S" --reset
    deny_kubectl
    run "$J" run "$S" remove
    assert_success
    no_kubectl_called
    run kubesimctl requests --count
    assert_output 0
    [ "$(ap_names | wc -l)" -eq 3 ]
    run calls_but_log
    assert_output '["goal-state", "--format=json"]'
}

@test "remove: with manage-policies false, or in a consumer-only charm, it makes no hook-tool or kubectl call" {
    provider_config false
    "$J" remove-application "$S"
    deny_kubectl
    run "$J" run "$S" remove
    assert_success
    run "$J" calls "$S" --count
    assert_output 0
    printf 'consumer:\n  policies: []\n' > "$CHARM/service-mesh.yaml"
    "$J" init "$S" --app web --model consumer-model --charm-dir "$CHARM"
    run "$J" run "$S" remove
    assert_success
    run "$J" calls "$S" --count
    assert_output 0
    no_kubectl_called
    run "$BIN" --config "$CHARM/service-mesh.yaml" list-hooks
    refute_line remove
    provider_config true
    run "$BIN" --config "$CHARM/service-mesh.yaml" list-hooks
    assert_line remove
}

@test "remove: a kubectl failure fails the hook; the retried remove deletes the rest" {
    applied_with_foreign
    "$J" remove-application "$S"
    kubesimctl fault --method DELETE --path authorizationpolicies --status 500 --message boom >/dev/null
    run "$J" run "$S" remove
    assert_failure 1
    [ "$(ap_names | wc -l)" -eq 3 ]
    run "$J" log "$S"
    assert_output --partial "ERROR"
    # still dying, Juju runs remove again
    run "$J" run "$S" remove
    assert_success
    run ap_names
    assert_output "consumer-model/not-ours"
    # a kubectl that cannot run at all fails it too
    "$J" init "$S" --app beacon --model consumer-model --charm-dir "$CHARM"
    "$J" remove-application "$S"
    deny_kubectl
    run "$J" run "$S" remove
    assert_failure 1
    [ -s "$DENIED" ]
}

# ------------------------------------------------------------------ beacon

BEACON="$REPO/tests/interop/beacon_policies.py"

# need_pydantic: PY_BEACON is a python3 that has pydantic 2 (the tests' own
# python3 is Debian's, which has none: any other python3 on PATH may)
need_pydantic() {
    local py
    for py in python3 $(type -ap python3 python3.11 python3.12 python3.13); do
        if "$py" -c 'import pydantic, sys; sys.exit(pydantic.VERSION < "2")' 2>/dev/null; then
            PY_BEACON="$py"
            return 0
        fi
    done
    skip "no python3 with pydantic 2 (the beacon oracle needs it)"
}

@test "beacon: render writes exactly the objects istio-beacon-k8s writes (names, labels, specs)" {
    need_pydantic
    NOEP="$(pol consumer-model client web app '[]')"
    OWNSEL='{"source_namespace": "consumer-model", "source_app_name": "client", "target_namespace": "consumer-model", "target_app_name": null, "target_selector_labels": {"app.kubernetes.io/name": "web"}, "target_service": null, "target_type": "unit", "endpoints": []}'
    add_consumer web "[$APP_POL, $CMR_POL, $NOEP, $OWNSEL]"
    add_consumer db "[$UNIT_POL]"
    sm render -o json > "$BATS_TEST_TMPDIR/ours.json"
    echo "[$APP_POL, $CMR_POL, $NOEP, $OWNSEL, $UNIT_POL]" | "$PY_BEACON" "$BEACON" beacon consumer-model > "$BATS_TEST_TMPDIR/beacon.json"
    # the model name of CMR_POL's source has a '_', which no Juju model has: compare after that one mapping
    run python3 - "$BATS_TEST_TMPDIR/ours.json" "$BATS_TEST_TMPDIR/beacon.json" <<-'EOF2'
	import json, sys
	ours = json.load(open(sys.argv[1]))["items"]
	theirs = json.load(open(sys.argv[2]))["items"]
	for t in theirs:
	    t["metadata"]["name"] = t["metadata"]["name"].replace("_", "-")
	assert ours == theirs, json.dumps([ours, theirs], indent=1)
	print(len(ours))
	EOF2
    assert_success
    assert_output 5
}

@test "beacon: ports a Python consumer sends as strings or floats render as istio-beacon-k8s renders them" {
    need_pydantic
    LAX="$(pol consumer-model client web app '[{"hosts": null, "ports": ["8080", " 9_090 ", 443.0], "methods": ["GET"], "paths": null}]')"
    add_consumer web "[$LAX]"
    sm render -o json > "$BATS_TEST_TMPDIR/ours.json"
    echo "[$LAX]" | "$PY_BEACON" "$BEACON" beacon consumer-model > "$BATS_TEST_TMPDIR/beacon.json"
    run python3 -c 'import json,sys; a,b=(json.load(open(f))["items"] for f in sys.argv[1:]); assert a==b,(a,b); print(a[0]["spec"]["rules"][0]["to"][0]["operation"]["ports"])' \
        "$BATS_TEST_TMPDIR/ours.json" "$BATS_TEST_TMPDIR/beacon.json"
    assert_success
    assert_output "['8080', '9090', '443']"
}

@test "beacon: moving from the beacon changes nothing it applied and prunes what it would prune" {
    need_pydantic
    kube
    add_consumer web "[$APP_POL]"
    add_consumer db "[$UNIT_POL]"
    STALE="$(pol consumer-model client web app '[{"hosts": null, "ports": [1234], "methods": null, "paths": null}]')"
    # what the beacon applied (its field manager is its app name), a policy it
    # no longer wants, its modeloperator policy (another scope), and an object
    # of an older svcmesh-hook (its own labels, a truncated instance label)
    echo "[$APP_POL, $UNIT_POL, $STALE]" | "$PY_BEACON" "$BEACON" beacon consumer-model |
        kubectl apply --server-side --field-manager=beacon -f - >/dev/null
    kubectl apply --server-side --field-manager=beacon -f - >/dev/null <<-'EOF2'
	{"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
	 "metadata": {"name": "beacon-consumer-model-policy-all-sources-modeloperator", "namespace": "consumer-model",
	  "labels": {"app.kubernetes.io/instance": "consumer-model-beacon", "kubernetes-resource-handler-scope": "modeloperator-authorization-policy"}},
	 "spec": {"selector": {"matchLabels": {"juju-modeloperator": "modeloperator"}}, "rules": [{}]}}
	EOF2
    kubectl apply --server-side --field-manager=svcmesh-hook -f - >/dev/null <<-'EOF2'
	{"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
	 "metadata": {"name": "beacon-consumer-model-policy-old-0123abcd", "namespace": "consumer-model",
	  "labels": {"app.kubernetes.io/instance": "consumer-model-beaco", "kubernetes-resource-handler-scope": "istio-authorization-policy",
	             "svcmesh-hook/provider": "beacon", "svcmesh-hook/model": "consumer-model"}},
	 "spec": {"rules": [{"from": [{"source": {"principals": ["cluster.local/ns/x/sa/y"]}}]}]}}
	EOF2
    kubesimctl clear-requests
    run "$J" run "$S" service-mesh-relation-changed --relation 0
    assert_success
    # nothing re-applied: the beacon's objects are already what we want
    run kubesimctl requests --method PATCH --count
    assert_output 0
    run kubesimctl requests --method DELETE --count
    assert_output 2
    run ap_names
    assert_output "$(printf '%s\n' consumer-model/beacon-consumer-model-policy-all-sources-modeloperator \
        "$(sm render -o json | python3 -c 'import json,sys; print("\n".join(sorted(i["metadata"]["namespace"]+"/"+i["metadata"]["name"] for i in json.load(sys.stdin)["items"])))')" | sort)"
    run "$J" log "$S"
    assert_output --partial "authorization policies: 0 applied, 2 deleted, 2 unchanged"
}

@test "beacon: after a move back, the beacon's selector finds exactly what svcmesh-hook applied" {
    need_pydantic
    kube
    add_consumer web "[$APP_POL]"
    add_consumer db "[$UNIT_POL]"
    "$J" run "$S" service-mesh-relation-changed --relation 0
    # the beacon lists by its two labels and compares (group, version, kind, name, namespace)
    run kubectl get authorizationpolicies.security.istio.io -A -l 'app.kubernetes.io/instance=consumer-model-beacon,kubernetes-resource-handler-scope=istio-authorization-policy' -o json
    assert_success
    echo "$output" > "$BATS_TEST_TMPDIR/live.json"
    echo "[$APP_POL, $UNIT_POL]" | "$PY_BEACON" "$BEACON" beacon consumer-model > "$BATS_TEST_TMPDIR/beacon.json"
    run python3 - "$BATS_TEST_TMPDIR/live.json" "$BATS_TEST_TMPDIR/beacon.json" <<-'EOF2'
	import json, sys
	live = {(i["metadata"]["namespace"], i["metadata"]["name"]): i for i in json.load(open(sys.argv[1]))["items"]}
	want = {(i["metadata"]["namespace"], i["metadata"]["name"]): i for i in json.load(open(sys.argv[2]))["items"]}
	assert live.keys() == want.keys(), (sorted(live), sorted(want))
	for k in want:
	    assert live[k]["spec"] == want[k]["spec"], k
	    assert set(live[k]["metadata"]["labels"]) == set(want[k]["metadata"]["labels"]), live[k]["metadata"]["labels"]
	print("same")
	EOF2
    assert_success
    assert_output same
}

# ------------------------------------------------------------------ old peers

@test "old provider: labels but no mesh_type gives mesh-type null and the labels" {
    printf 'consumer:\n  policies: []\n' > "$CHARM/service-mesh.yaml"
    "$J" init "$S" --app web --model consumer-model --leader --charm-dir "$CHARM"
    rel="$("$J" add-relation "$S" service-mesh beacon)"
    "$J" set-data "$S" "$rel" --remote-app "labels=$LABELS_TEXT"
    run sm mesh-type
    assert_success
    assert_output "null"
    run sm labels
    assert_success
    assert_output "$LABELS_TEXT"
}

@test "apply with every kubectl version (1.20 to 1.33 where available): server-side apply, then zero writes, then prune" {
    kube
    mapfile -t versions < <(kubectl_versions)
    [ "${#versions[@]}" -gt 0 ] || skip "no versioned kubectl binaries here (tests/kubesim/get-kubectls)"
    for k in "${versions[@]}"; do
        kubesimctl reset >/dev/null 2>&1 || true
        kubesim_seed_charm beacon consumer-model
        kubesim_seed_charm web consumer-model
        kubesim_seed_charm db consumer-model
        "$J" init "$S" --app beacon --model consumer-model --leader --charm-dir "$CHARM" >/dev/null
        add_consumer web "[$APP_POL]"
        add_consumer db "[$UNIT_POL]"
        ship_kubectl "$k"
        run "$J" run "$S" service-mesh-relation-changed --relation 1
        assert_success
        run ap_names
        [ "${#lines[@]}" -eq 2 ]
        kubesimctl clear-requests
        run "$J" run "$S" config-changed
        assert_success
        run kubesim_writes
        assert_output 0
        "$J" set-data "$S" 1 --remote-app "policies=[]"
        run "$J" run "$S" service-mesh-relation-changed --relation 1
        assert_success
        run ap_names
        [ "${#lines[@]}" -eq 1 ]
        echo "# $(basename "$k"): ok" >&3
    done
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
