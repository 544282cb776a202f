#!/usr/bin/env bats
# Hooks in Juju's real hook environment (jujusim --juju-env): no HOME, no
# KUBECONFIG, no SVCMESH_* variables, no kubectl on PATH; kubectl is the one
# shipped in the charm (bin/kubectl) and reaches the API test server the way
# it does in a pod: HTTPS to KUBERNETES_SERVICE_HOST:PORT with the CA and the
# service account token it finds only under
# /var/run/secrets/kubernetes.io/serviceaccount (mounted in a private mount
# namespace). The token gets exactly the RBAC rules README.md lists.

load assertions
load '../kubesim/kubesim.bash'
load helpers

bats_require_minimum_version 1.5.0

NS=test-model
APP=consumer
LABELS='{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "beacon-waypoint"}'

setup() {
	[[ $(id -u) = 0 ]] || skip "needs root for a private mount namespace"
	svcmesh_setup
	juju_model "$APP" "$NS"
	add_rel service-mesh beacon
	MESH=$REL
	"$J" set-data "$S" "$MESH" --remote-app "labels=$LABELS"
}

teardown() {
	kubesim_stop
}

# $CHARM: a mesh provider "beacon" with manage-policies: true, state initialised
provider_charm() {
	bare_charm service-mesh-relation-changed
	provider_config true
	"$J" init "$S" --app beacon --model "$NS" --charm-dir "$CHARM" >/dev/null
}

ap_count() {
	kubesimctl list authorizationpolicies | jq '.items | length'
}

@test "juju env: the hook sees no HOME, KUBECONFIG or SVCMESH_*, no kubectl on PATH, only the cluster address" {
	export SVCMESH_TIMEOUT=5 HOME=/root KUBECONFIG=/tmp/kc
	run "$J" exec "$S" -- sh -c 'env | sort; command -v kubectl || echo no-kubectl; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace'
	assert_success
	refute_line --regexp '^(HOME|KUBECONFIG|SVCMESH_[A-Z_]*|KUBESIM_[A-Z_]*)='
	assert_line "KUBERNETES_SERVICE_HOST=127.0.0.1"
	assert_line "KUBERNETES_SERVICE_PORT=$KUBESIM_PORT"
	assert_line no-kubectl
	assert_line --partial "$NS"
	# the opt-out passes the caller's environment through
	run "$J" exec "$S" --host-env -- sh -c 'env | sort'
	assert_line "SVCMESH_TIMEOUT=5"
	assert_line "HOME=/root"
}

@test "juju env: auto-join through the shipped kubectl, in-cluster over HTTPS with the token; unrelate removes the labels; nothing written in the charm dir" {
	ship_kubectl
	before=$(charm_files)
	run "$J" run "$S" service-mesh-relation-changed
	assert_success
	run sts_labels
	assert_output '{"app.kubernetes.io/name":"consumer","istio.io/dataplane-mode":"ambient","istio.io/use-waypoint":"beacon-waypoint"}'
	# every API request carried the service account's token
	run kubesim_users
	assert_output "system:serviceaccount:$NS:$APP"
	run "$J" run "$S" service-mesh-relation-broken
	assert_success
	run sts_labels
	assert_output '{"app.kubernetes.io/name":"consumer"}'
	# kubectl's cache went to a temporary place, not .kube/cache in the charm dir
	assert_equal "$(charm_files)" "$before"
	[[ -d "${TMPDIR:-/tmp}/svcmesh-hook-kube-cache.$(id -u)" ]]
}

@test "juju env: no kubectl in the charm or on PATH: one error saying where it looked and what to do; auto-join: false needs none" {
	run --separate-stderr "$J" run "$S" service-mesh-relation-changed
	assert_failure 1
	[[ "$stderr" == *"kubectl not found: looked at settings.kubectl in the config (not set), $CHARM/bin/kubectl and PATH ("* ]]
	[[ "$stderr" == *"ship kubectl in the charm at bin/kubectl as charm-skeleton/charmcraft.yaml does, or set settings.kubectl, or turn off what needs Kubernetes (consumer: auto-join: false; provider: manage-policies: false)" ]]
	[[ $(grep -c 'kubectl not found' <<< "$stderr") = 1 ]]
	sed -i 's/auto-join: true/auto-join: false/' "$CHARM/service-mesh.yaml"
	run "$J" run "$S" service-mesh-relation-changed
	assert_success
}

@test "juju env: a provider with manage-policies: true and no kubectl gets the same error" {
	provider_charm
	"$J" add-relation "$S" service-mesh web >/dev/null
	run --separate-stderr "$J" run "$S" service-mesh-relation-changed
	assert_failure 1
	[[ "$stderr" == *"kubectl not found: looked at settings.kubectl in the config (not set), $CHARM/bin/kubectl and PATH ("* ]]
	[[ "$stderr" == *"(consumer: auto-join: false; provider: manage-policies: false)" ]]
}

@test "juju env: settings.kubectl in service-mesh.yaml picks the kubectl (relative to the charm dir); SVCMESH_KUBECTL of the caller never reaches the hook" {
	mkdir -p "$CHARM/tools"
	printf '#!/bin/sh\necho "$0" >> "%s/used"\nexec "%s" "$@"\n' "$BATS_TEST_TMPDIR" "$(readlink -f "$(command -v kubectl)")" > "$CHARM/tools/my-kubectl"
	chmod 755 "$CHARM/tools/my-kubectl"
	printf 'settings:\n  kubectl: tools/my-kubectl\n' >> "$CHARM/service-mesh.yaml"
	SVCMESH_KUBECTL=/nonexistent run "$J" run "$S" service-mesh-relation-changed
	assert_success
	grep -qx "$CHARM/tools/my-kubectl" "$BATS_TEST_TMPDIR/used"
	run sts_labels
	assert_output --partial '"istio.io/dataplane-mode":"ambient"'
	# a settings.kubectl that is not there is an error naming it
	sed -i 's|tools/my-kubectl|tools/nope|' "$CHARM/service-mesh.yaml"
	run --separate-stderr "$J" run "$S" service-mesh-relation-changed
	assert_failure 1
	assert_equal "$stderr" "svcmesh-hook: error: kubectl not found: settings.kubectl is '$CHARM/tools/nope', which is not an executable file (fix it, or unset it to use the charm's bin/kubectl or PATH)"
}

@test "juju env: a wrong token is 401 and a token without rights 403 (the API server's Status); the README's RBAC rules are enough, one less is not" {
	ship_kubectl
	kubesim_sa_token bad
	run --separate-stderr "$J" run "$S" service-mesh-relation-changed
	assert_failure 1
	# what kubectl says when the API server answers 401: to a discovery
	# request, client-go's own words; when discovery came from kubectl's
	# cache (kept in /tmp between hooks, as in a charm container) and the GET
	# is the first request, the message of the Status body, as a real
	# API server sends it ("Unauthorized")
	[[ "$stderr" == *"error: You must be logged in to the server (the server has asked for the client to provide credentials)"* ||
	   "$stderr" == *"error: You must be logged in to the server (Unauthorized)"* ]]
	[[ "$stderr" != *"Error from server (Forbidden)"* ]]

	kubesim_sa_token none
	run --separate-stderr "$J" run "$S" service-mesh-relation-changed
	assert_failure 1
	assert_equal "$(grep -o 'Error from server (Forbidden).*' <<< "$stderr" | head -1)" \
		"Error from server (Forbidden): statefulsets.apps \"$APP\" is forbidden: User \"system:serviceaccount:$NS:$APP\" cannot get resource \"statefulsets\" in API group \"apps\" in the namespace \"$NS\""

	# exactly the README's list minus configmaps' create: the first label write of a
	# fresh unit needs it
	jq -c 'map(if .resources == ["configmaps"] then .verbs -= ["create"] else . end)' "$SVCMESH_RBAC" > "$BATS_TEST_TMPDIR/less.json"
	kubesim_sa_token "$BATS_TEST_TMPDIR/less.json"
	run --separate-stderr "$J" run "$S" service-mesh-relation-changed
	assert_failure 1
	[[ "$stderr" == *'cannot create resource "configmaps" in API group "" in the namespace "'"$NS"'"'* ]]

	kubesim_sa_token "$SVCMESH_RBAC"
	run "$J" run "$S" service-mesh-relation-changed
	assert_success
	run "$J" run "$S" service-mesh-relation-broken
	assert_success
}

@test "juju env: a provider with manage-policies: true applies and prunes AuthorizationPolicies with the README's RBAC rules" {
	kubesim_stop
	provider_charm
	ship_kubectl
	juju_model beacon "$NS"
	kubesim_seed_charm web "$NS"
	REL=$("$J" add-relation "$S" service-mesh web)
	"$J" set-data "$S" "$REL" --remote-app 'policies=[{"source_namespace": "'"$NS"'", "source_app_name": "client", "target_namespace": "'"$NS"'", "target_app_name": "web", "target_selector_labels": null, "target_service": null, "target_type": "app", "endpoints": [{"hosts": null, "ports": [8080], "methods": null, "paths": null}]}]'
	run "$J" run "$S" service-mesh-relation-changed
	assert_success
	run ap_count
	assert_output 1
	"$J" set-data "$S" "$REL" --remote-app 'policies=[]'
	run "$J" run "$S" service-mesh-relation-changed
	assert_success
	run ap_count
	assert_output 0
	# without the list right (cluster scope) it stops with the API server's 403
	jq -c 'map(if .resources == ["authorizationpolicies"] then .verbs -= ["list"] else . end)' "$SVCMESH_RBAC" > "$BATS_TEST_TMPDIR/less.json"
	kubesim_sa_token "$BATS_TEST_TMPDIR/less.json"
	run --separate-stderr "$J" run "$S" service-mesh-relation-changed
	assert_failure 1
	[[ "$stderr" == *'authorizationpolicies.security.istio.io is forbidden: User "system:serviceaccount:'"$NS"':beacon" cannot list resource "authorizationpolicies" in API group "security.istio.io" at the cluster scope'* ]]
}

@test "juju env: settings.hook-tool-timeout in service-mesh.yaml bounds a hung hook tool (no SVCMESH_TIMEOUT needed)" {
	printf 'settings:\n  hook-tool-timeout: 1\n' >> "$CHARM/service-mesh.yaml"
	sed -i 's/auto-join: true/auto-join: false/' "$CHARM/service-mesh.yaml"
	"$J" fault "$S" --tool is-leader --hang
	start=$SECONDS
	run --separate-stderr "$J" run "$S" service-mesh-relation-created --timeout 30
	assert_failure 1
	(( SECONDS - start < 15 ))
	[[ "$stderr" == *"is-leader timed out after 1.0 s and was killed"* ]]
}

@test "juju env: an invalid override given by hand (juju exec --env) is a warning naming the variable, never silently the default" {
	sed -i 's/auto-join: true/auto-join: false/' "$CHARM/service-mesh.yaml"
	for v in nan inf -3 abc 1e9; do
		run --separate-stderr "$J" run "$S" service-mesh-relation-changed --env "SVCMESH_TIMEOUT=$v" --env SVCMESH_JOBS=0
		assert_success
		[[ "$stderr" == *"svcmesh-hook: warning: SVCMESH_TIMEOUT='$v' is not a number of seconds (0 < s <= 86400); ignoring it and using settings.hook-tool-timeout or 30"* ]]
		[[ "$stderr" == *"svcmesh-hook: warning: SVCMESH_JOBS='0' is not a whole number from 1 to 64; ignoring it and using settings.jobs or 8"* ]]
		run "$J" log "$S"
		assert_line --partial "WARNING service-mesh:0: SVCMESH_TIMEOUT='$v' is not a number of seconds"
		"$J" log "$S" --reset
	done
}

@test "kubesim --auth: the 401 and 403 bodies are the API server's Status objects; a create by server-side apply needs create" {
	api() { # TOKEN METHOD PATH [BODY CONTENT-TYPE]
		curl -sS --cacert "$KUBESIM_STATE_DIR/ca.crt" -H "Authorization: Bearer $1" -X "$2" \
			${4:+--data-binary "$4" -H "Content-Type: $5"} "https://127.0.0.1:$KUBESIM_PORT$3"
	}
	run api wrong GET "/api/v1/namespaces/$NS/configmaps"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}'
	run curl -sS --cacert "$KUBESIM_STATE_DIR/ca.crt" "https://127.0.0.1:$KUBESIM_PORT/version"
	assert_output --partial '"code":401'
	tok=$(kubesimctl token --user "system:serviceaccount:$NS:reader" --rules - <<< '[{"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "namespaces": ["'"$NS"'"]}, {"verbs": ["patch"], "apiGroups": ["security.istio.io"], "resources": ["authorizationpolicies"]}]')
	# discovery is open to any valid token
	run api "$tok" GET /apis
	assert_output --partial '"kind":"APIGroupList"'
	run api "$tok" GET "/apis/apps/v1/namespaces/$NS/statefulsets/$APP"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"statefulsets.apps \"consumer\" is forbidden: User \"system:serviceaccount:test-model:reader\" cannot get resource \"statefulsets\" in API group \"apps\" in the namespace \"test-model\"","reason":"Forbidden","code":403,"details":{"name":"consumer","group":"apps","kind":"statefulsets"}}'
	run api "$tok" GET "/api/v1/namespaces/other/configmaps/x"
	assert_output --partial '"message":"configmaps \"x\" is forbidden: User \"system:serviceaccount:test-model:reader\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"other\""'
	run api "$tok" GET "/api/v1/namespaces/$NS/configmaps"
	assert_output --partial 'cannot list resource \"configmaps\" in API group \"\" in the namespace \"test-model\"'
	run api "$tok" PATCH "/apis/security.istio.io/v1/namespaces/$NS/authorizationpolicies/ap1?fieldManager=t" \
		'{"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": {"name": "ap1"}, "spec": {}}' application/apply-patch+yaml
	assert_output --partial 'cannot create resource \"authorizationpolicies\" in API group \"security.istio.io\" in the namespace \"test-model\"'
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
