#!/usr/bin/env bats
# The README's first command runs tests/demo/run-demo: it must keep working
# and end in the state it describes.

load assertions

@test "the demo runs the skeleton and a provider through a whole life" {
	export SVCMESH_BIN="${SVCMESH_BIN:-$BATS_TEST_DIRNAME/../../build/svcmesh-hook}"
	export DEMO_DIR="$BATS_TEST_TMPDIR/demo"
	mkdir -p "$DEMO_DIR"
	run "$BATS_TEST_DIRNAME/../demo/run-demo"
	assert_success
	assert_output --partial "published 1 mesh policies to service-mesh:0"
	assert_output --partial "observability/prometheus -> skeleton (unit)"
	assert_output --partial "kind: AuthorizationPolicy"
	assert_output --partial "cluster.local/ns/observability/sa/prometheus"
	assert_output --partial "enabled: true   mesh-type: istio"
	# final state: what the provider last received holds only the cross-model scraper
	run "$BATS_TEST_DIRNAME/../jujusim/jujusim" get-key "$DEMO_DIR/beacon.json" 0 --remote-app policies
	assert_success
	assert_output '[{"source_namespace": "observability", "source_app_name": "prometheus", "target_namespace": "demo", "target_app_name": "skeleton", "target_selector_labels": null, "target_service": null, "target_type": "unit", "endpoints": [{"hosts": null, "ports": [9090], "methods": null, "paths": null}]}]'
	# (labels and the ConfigMap are checked by the demo's own final check: its exit status)
}

@test "without kubectl the demo still runs, with auto-join off, and says so" {
	export SVCMESH_BIN="${SVCMESH_BIN:-$BATS_TEST_DIRNAME/../../build/svcmesh-hook}"
	export DEMO_DIR="$BATS_TEST_TMPDIR/demo" DEMO_NO_KUBE=1
	mkdir -p "$DEMO_DIR"
	run "$BATS_TEST_DIRNAME/../demo/run-demo"
	assert_success
	assert_output --partial "kubectl is not installed: running with auto-join: false"
	assert_output --partial "(no kubectl: Kubernetes steps skipped)"
	assert_output --partial "observability/prometheus -> skeleton (unit)"
}

# ------------------------------------------------------------ tools/simulate

@test "tools/simulate CHARM_DIR: the skeleton through a whole life, every hook's writes printed" {
	export SVCMESH_BIN="${SVCMESH_BIN:-$BATS_TEST_DIRNAME/../../build/svcmesh-hook}"
	export SIM_DIR="$BATS_TEST_TMPDIR/sim"
	mkdir -p "$SIM_DIR"
	run "$BATS_TEST_DIRNAME/../../tools/simulate" "$BATS_TEST_DIRNAME/../../charm-skeleton"
	assert_success
	assert_output --partial "service-mesh.yaml and charmcraft.yaml agree"
	assert_output --partial "hook data-relation-created on mesh-skeleton"
	assert_output --partial 'published on service-mesh:0: policies=[{"source_namespace": "sim", "source_app_name": "data-client", "target_namespace": "sim", "target_app_name": "mesh-skeleton"'
	assert_output --partial "cluster.local/ns/sim/sa/metrics-client"
	assert_output --partial "hook metrics-relation-broken on mesh-skeleton"
	assert_output --partial "published on service-mesh:0: policies=[]"
	assert_output --partial "done: every hook succeeded"
	# the charm directory itself is untouched
	run git -C "$BATS_TEST_DIRNAME/../.." status --porcelain -- charm-skeleton
	assert_output ""
}

@test "tools/simulate: a charm of one's own (metadata.yaml, no hooks yet, an ingress policy), without Kubernetes" {
	export SVCMESH_BIN="${SVCMESH_BIN:-$BATS_TEST_DIRNAME/../../build/svcmesh-hook}"
	export SIM_DIR="$BATS_TEST_TMPDIR/sim"
	C="$BATS_TEST_TMPDIR/my-api"
	mkdir -p "$SIM_DIR" "$C"
	cat > "$C/metadata.yaml" <<-'YAML'
	name: my-api
	requires:
	  service-mesh: {interface: service_mesh}
	  require-cmr-mesh: {interface: cross_model_mesh}
	  ingress: {interface: ingress}
	provides:
	  provide-cmr-mesh: {interface: cross_model_mesh}
	  api: {interface: http}
	YAML
	cat > "$C/service-mesh.yaml" <<-'YAML'
	consumer:
	  policies:
	    - relation: api
	      endpoints: [{ports: [8000], methods: [GET]}]
	    - relation: ingress
	      endpoints: [{ports: [8000]}]
	YAML
	run "$BATS_TEST_DIRNAME/../../tools/simulate" --no-kube "$C"
	assert_success
	assert_output --partial "warning: consumer.policies[1].relation: 'ingress' is an ingress relation (interface 'ingress'): behind istio-ingress-k8s no policy is needed"
	assert_output --partial "simulating with auto-join: false"
	assert_output --partial "juju integrate my-api:ingress ingress-client   (my-api requires ingress)"
	assert_output --partial '"source_app_name": "ingress-client", "target_namespace": "sim", "target_app_name": "my-api"'
	assert_output --partial "done: every hook succeeded"
	[ ! -e "$C/hooks" ]   # links were made in the copy only
	# a provider charm: a consumer joins and its policy is rendered
	P="$BATS_TEST_TMPDIR/my-mesh"
	mkdir -p "$P"
	printf 'name: my-mesh\nprovides:\n  service-mesh: {interface: service_mesh}\n' > "$P/metadata.yaml"
	printf 'provider:\n  mesh-type: istio\n  labels: {istio.io/dataplane-mode: ambient}\n' > "$P/service-mesh.yaml"
	run "$BATS_TEST_DIRNAME/../../tools/simulate" --no-kube "$P"
	assert_success
	assert_output --partial 'published on service-mesh:0: labels={"istio.io/dataplane-mode": "ambient"}'
	assert_output --partial "cluster.local/ns/sim/sa/client"
	# check-config errors stop it: exit 2, nothing simulated
	printf 'consumer:\n  policies:\n    - relation: apii\n      endpoints: []\n' > "$C/service-mesh.yaml"
	run "$BATS_TEST_DIRNAME/../../tools/simulate" --no-kube "$C"
	assert_failure 2
	assert_output --partial "did you mean 'api'?"
	refute_output --partial "juju deploy"
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
