#!/usr/bin/env bats
# The README's first command runs tests/demo/run-demo: it must keep working
# and end in the state it describes.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

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
