#!/usr/bin/env bats
# Subcommands of svcmesh-hook, run as an operator would with `juju exec`
# (a hook context, but no hook and no relation variables), in the
# environment Juju gives `juju exec` (JUJUSIM_ENV=juju: no HOME, KUBECONFIG
# or SVCMESH_* from the test, no kubectl on PATH).
#
#   bats tests/bats/subcommands.bats

load assertions
load helpers

bats_require_minimum_version 1.5.0

setup() {
	svcmesh_setup
	HOOKBIN="$CHARM/svcmesh-hook"
	export JUJUSIM_ENV=juju
}

# svc ARGS...: svcmesh-hook ARGS... inside `jujusim exec`, stdout in $output,
# stderr in $stderr.
svc() {
	run --separate-stderr "$J" exec "$S" -- "$HOOKBIN" "$@"
}

POLICIES='[{"source_namespace": "test-model", "source_app_name": "app-a", "target_namespace": "test-model", "target_app_name": "consumer", "target_selector_labels": null, "target_service": null, "target_type": "app", "endpoints": [{"hosts": null, "ports": [8080], "methods": ["GET", "POST"], "paths": ["/api/*"]}]}, {"source_namespace": "test-model", "source_app_name": "prom", "target_namespace": "test-model", "target_app_name": "consumer", "target_selector_labels": null, "target_service": null, "target_type": "unit", "endpoints": [{"hosts": null, "ports": [9090], "methods": null, "paths": null}]}]'

model() {
	add_rel service-mesh beacon --id 0
	add_rel data app-a --role provides --id 1
	add_rel metrics prom --role provides --id 2
	add_rel require-cmr-mesh offer --id 3
}

bags() {
	local id
	for id in "$@"; do
		printf '%s %s\n' "$id" "$("$J" get-data "$S" "$id" --local-app)"
	done
}

# ------------------------------------------------------------------ policies

@test "policies: prints the JSON it would publish and writes nothing" {
	model
	reset_calls
	svc policies
	assert_success
	assert_output "$POLICIES"
	assert_equal "$stderr" ""
	assert_equal "$(tool_count relation-set)" "0"
	assert_equal "$(bags 0 1 2 3)" "$(printf '%s {}\n' 0 1 2 3)"
}

@test "policies: works for a non-leader too (it only reads), and without a mesh relation" {
	add_rel data app-a --role provides
	add_rel metrics prom --role provides
	"$J" set-leader "$S" false
	svc policies
	assert_success
	assert_output "$POLICIES"
	assert_equal "$(tool_count relation-set)" "0"
}

@test "policies: an argument is a usage error (exit 2)" {
	svc policies extra
	assert_failure 2
	[[ "$stderr" == *"policies takes no arguments"* ]]
}

# ------------------------------------------------------------------ update

@test "update: the leader publishes policies and cmr_data; a second run changes nothing" {
	model
	svc update
	assert_success
	assert_output "policies published to 1 of 1 service-mesh relation; cmr_data up to date on 1 require-cmr-mesh relation"
	assert_equal "$(local_key 0 policies)" "$POLICIES"
	assert_equal "$(local_key 3 cmr_data)" '{"app_name": "consumer", "juju_model_name": "test-model"}'
	reset_calls
	svc update
	assert_success
	assert_output "policies already up to date on 1 service-mesh relation; cmr_data up to date on 1 require-cmr-mesh relation"
	assert_equal "$(tool_count relation-set)" "0"
}

@test "update: a non-leader exits 1 with a clear message and writes nothing" {
	model
	"$J" set-leader "$S" false
	reset_calls
	svc update
	assert_failure 1
	assert_output ""
	[[ "$stderr" == *"not the leader"* ]]
	assert_equal "$(tool_calls)" "is-leader --format=json"
	assert_equal "$(bags 0 1 2 3)" "$(printf '%s {}\n' 0 1 2 3)"
}

# ------------------------------------------------------------------ labels, mesh-type, enabled

@test "labels: the provider's labels as Python json.dumps, in the provider's order" {
	model
	"$J" set-data "$S" 0 --remote-app labels='{"istio.io/dataplane-mode": "ambient"}' mesh_type='"istio"'
	svc labels
	assert_success
	assert_output '{"istio.io/dataplane-mode": "ambient"}'
	"$J" set-data "$S" 0 --remote-app labels='{"istio.io/use-waypoint": "wp", "istio.io/dataplane-mode":"ambient"}'
	svc labels
	assert_success
	assert_output '{"istio.io/use-waypoint": "wp", "istio.io/dataplane-mode": "ambient"}'
}

@test "labels: {} without a mesh relation and when the provider sent none" {
	svc labels
	assert_success
	assert_output '{}'
	model
	svc labels
	assert_success
	assert_output '{}'
}

@test "mesh-type: istio from the provider, null without relation or from an older provider (labels still work)" {
	svc mesh-type
	assert_success
	assert_output "null"
	model
	svc mesh-type
	assert_success
	assert_output "null"
	"$J" set-data "$S" 0 --remote-app labels='{"istio.io/dataplane-mode": "ambient"}'
	svc mesh-type
	assert_success
	assert_output "null"
	svc labels
	assert_output '{"istio.io/dataplane-mode": "ambient"}'
	"$J" set-data "$S" 0 --remote-app mesh_type='"istio"'
	svc mesh-type
	assert_success
	assert_output "istio"
}

@test "enabled: false without a mesh relation, true as soon as one exists" {
	svc enabled
	assert_success
	assert_output "false"
	add_rel service-mesh beacon
	svc enabled
	assert_success
	assert_output "true"
}

# ------------------------------------------------------------------ list-hooks, help, version

@test "list-hooks: the skeleton config's hooks, exactly the skeleton's hooks/ links" {
	svc list-hooks
	assert_success
	assert_output "$(printf '%s\n' service-mesh-relation-created service-mesh-relation-changed \
		service-mesh-relation-broken require-cmr-mesh-relation-created \
		provide-cmr-mesh-relation-changed data-relation-created metrics-relation-created \
		data-relation-broken metrics-relation-broken upgrade-charm leader-elected)"
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort)" "$(ls "$SKELETON/hooks" | sort)"
}

@test "--help lists the subcommands; help policies; help of an unknown command exits 2" {
	svc --help
	assert_success
	assert_line --index 0 --regexp '^usage: svcmesh-hook '
	for c in dispatch policies update labels mesh-type enabled list-hooks help version; do
		assert_line --regexp "^  $c +[a-z]"
	done
	svc help policies
	assert_success
	assert_line --index 0 "usage: svcmesh-hook policies [--format json|yaml]"
	assert_line --index 1 "print the policies JSON it would publish (writes nothing)"
	svc policies --help
	assert_success
	assert_line --index 0 "usage: svcmesh-hook policies [--format json|yaml]"
	svc help frobnicate
	assert_failure 2
	[[ "$stderr" == *"no such command: 'frobnicate'"* ]]
}

@test "--version prints svcmesh-hook X.Y.Z" {
	svc --version
	assert_success
	assert_output --regexp '^svcmesh-hook [0-9]+\.[0-9]+\.[0-9]+$'
	svc version
	assert_output --regexp '^svcmesh-hook [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "unknown command or option: exit 2 with a message naming it" {
	svc frobnicate
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"unknown command: frobnicate"* ]]
	svc --frobnicate
	assert_failure 2
	[[ "$stderr" == *"unknown option: --frobnicate"* ]]
}

@test "dispatch (or no command) without JUJU_DISPATCH_PATH: exit 2 with a clear message, no hook tool call" {
	model
	reset_calls
	svc dispatch
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"JUJU_DISPATCH_PATH is not set"* ]]
	svc
	assert_failure 2
	[[ "$stderr" == *"JUJU_DISPATCH_PATH is not set"* ]]
	assert_equal "$(tool_count)" "0"
	assert_equal "$(bags 0 1 2 3)" "$(printf '%s {}\n' 0 1 2 3)"
}

@test "outside a Juju context every command that reads the model, and a hook, exit 2 with one message and no tool call" {
	model
	reset_calls
	local c out=(env -i PATH="$PATH" "$HOOKBIN" --config "$CHARM/service-mesh.yaml")
	for c in policies update labels mesh-type enabled reconcile-labels plan-labels mesh-info render apply status; do
		run --separate-stderr "${out[@]}" "$c"
		assert_failure 2
		assert_output ""
		assert_equal "$stderr" "svcmesh-hook: error: $c needs a Juju context: run it in a hook or with juju exec (JUJU_CONTEXT_ID, JUJU_UNIT_NAME and JUJU_MODEL_NAME must all be set)"
	done
	# one of the three missing is enough
	run --separate-stderr env -i PATH="$PATH" JUJU_CONTEXT_ID=x JUJU_UNIT_NAME=consumer/0 "$HOOKBIN" --config "$CHARM/service-mesh.yaml" policies
	assert_failure 2
	[[ "$stderr" == *"policies needs a Juju context"* ]]
	# a hook run by hand outside Juju
	run --separate-stderr env -i PATH="$PATH" JUJU_CHARM_DIR="$CHARM" "$CHARM/hooks/upgrade-charm"
	assert_failure 2
	[[ "$stderr" == *"upgrade-charm needs a Juju context"* ]]
	assert_equal "$(tool_count)" "0"
	# the commands that only read the charm work anywhere
	run --separate-stderr "${out[@]}" list-hooks
	assert_success
	assert_line upgrade-charm
}

@test "subcommands with a broken service-mesh.yaml exit 2 naming FILE:LINE:COL" {
	printf 'consumer:\n  policies:\n    - relation: data\n      type: nope\n' | write_config
	for c in policies update labels mesh-type enabled list-hooks; do
		svc "$c"
		assert_failure 2
		[[ "$stderr" =~ $CHARM/service-mesh\.yaml:4:[0-9]+:\  ]]
	done
}

@test "subcommands needing the consumer side refuse a provider-only config (exit 2)" {
	printf 'provider:\n  mesh-type: istio\n  labels: {istio.io/dataplane-mode: ambient}\n' | write_config
	svc policies
	assert_failure 2
	[[ "$stderr" == *"has no consumer section"* ]]
}

# ----------------------------------------------------------- output formats

@test "--format: json is the published bytes (also for a pipe), yaml, -o/--output aliases, indented on a terminal" {
	model
	svc policies
	assert_success
	assert_output "$POLICIES"
	svc policies --format json
	assert_output "$POLICIES"
	svc policies --format=json
	assert_output "$POLICIES"
	svc policies -o json
	assert_output "$POLICIES"
	svc policies --output yaml
	assert_success
	assert_line --index 0 "- source_namespace: test-model"
	assert_line "  - hosts: null"
	svc mesh-type --format json
	assert_output "null"
	svc enabled -o yaml
	assert_output "true"
	svc labels --format xml
	assert_failure 2
	[[ "$stderr" == *"labels: --format must be json or yaml, not 'xml'"* ]]
	svc list-hooks --format json
	assert_failure 2
	[[ "$stderr" == *"list-hooks prints no data: it takes no --format option"* ]]
	svc policies --format
	assert_failure 2
	# a terminal on stdout and no --format: indented for reading
	run script -qec "$J exec $S -- $HOOKBIN policies" /dev/null
	assert_success
	assert_line --index 0 --regexp $'^\\[\r?$'
	assert_line --index 1 --regexp $'^  \\{\r?$'
	assert_line --index 2 --regexp $'^    "source_namespace": "test-model",\r?$'
	run script -qec "$J exec $S -- $HOOKBIN policies --format json" /dev/null
	assert_output --regexp "^\\[\\{\"source_namespace\": \"test-model\""
}

@test "--help of every subcommand explains its options with one example, and the man page says the same" {
	man="$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$BATS_TEST_DIRNAME/../../doc/svcmesh-hook.1")"
	for c in dispatch policies update labels mesh-type enabled reconcile-labels plan-labels mesh-info render apply status check-config link-hooks list-hooks help version; do
		svc "$c" --help
		assert_success
		assert_line --index 0 --regexp "^usage: svcmesh-hook $c"
		assert_line "Example:"
		example=$(printf '%s\n' "$output" | sed -n '/^Example:/{n;s/^  //;p}')
		[[ "$man" == *"$example"* ]] || { echo "man page lacks the example of $c: $example" >&2; return 1; }
		# every option the help names is in the man page's entry for the command
		for opt in $(printf '%s\n' "$output" | grep -oE '^  --[a-z-]+' ); do
			[[ "$man" == *"$c"*"$opt"* ]] || { echo "man page lacks $opt of $c" >&2; return 1; }
		done
	done
}

# ------------------------------------------------- saying what was done

@test "update, plan-labels, reconcile-labels without a mesh relation say so in one line; warnings reach stderr" {
	add_rel data app-a --role provides --id 1
	svc update
	assert_success
	assert_output "no service-mesh relation: policies published nowhere"
	svc plan-labels
	assert_success
	assert_output "no service-mesh relation: mesh labels left as they are: nothing to plan"
	svc reconcile-labels
	assert_success
	assert_output "no service-mesh relation: mesh labels left as they are: nothing to reconcile"
	# the provider's labels are unreadable: a warning on stderr, and the line says why
	add_rel service-mesh beacon --id 0
	"$J" set-data "$S" 0 --remote-app 'labels=not json'
	svc plan-labels
	assert_success
	assert_output "the mesh provider's labels are unreadable: mesh labels left as they are: nothing to plan"
	[[ "$stderr" == "svcmesh-hook: warning: service-mesh:0: the mesh provider's labels cannot be read (not valid JSON"* ]]
	[[ "$stderr" != *"error:"* ]]
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
