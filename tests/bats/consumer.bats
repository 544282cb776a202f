#!/usr/bin/env bats
# Hook-level tests of the consumer side (service_mesh + cross_model_mesh),
# run through the Juju simulator (tests/jujusim) as Juju would run them.
#
#   bats tests/bats/consumer.bats     (SVCMESH_BIN=... to test another binary)

load assertions
load helpers

bats_require_minimum_version 1.5.0

setup() {
	svcmesh_setup
	# hooks run in Juju's environment: no HOME, KUBECONFIG or SVCMESH_* from here
	export JUJUSIM_ENV=juju
}

# ------------------------------------------------------------------ expectations
# MeshPolicy JSON for the skeleton's two policies, written by hand from the
# protocol reference (independent of the binary and of the oracle).

p_data() { # SOURCE_APP [SOURCE_NS [TARGET_NS]]
	printf '{"source_namespace": "%s", "source_app_name": "%s", "target_namespace": "%s", "target_app_name": "consumer", "target_selector_labels": null, "target_service": null, "target_type": "app", "endpoints": [{"hosts": null, "ports": [8080], "methods": ["GET", "POST"], "paths": ["/api/*"]}]}' \
		"${2:-test-model}" "$1" "${3:-test-model}"
}

p_metrics() { # SOURCE_APP [SOURCE_NS [TARGET_NS]]
	printf '{"source_namespace": "%s", "source_app_name": "%s", "target_namespace": "%s", "target_app_name": "consumer", "target_selector_labels": null, "target_service": null, "target_type": "unit", "endpoints": [{"hosts": null, "ports": [9090], "methods": null, "paths": null}]}' \
		"${2:-test-model}" "$1" "${3:-test-model}"
}

plist() { # POLICY_JSON... -> [a, b, ...]
	local out="[" sep=""
	for p in "$@"; do
		out+="$sep$p"
		sep=", "
	done
	printf '%s]' "$out"
}

# The skeleton's policies with auto-join off: upgrade-charm and leader-elected
# then only publish (label reconciliation needs Kubernetes; other tests cover it).
no_autojoin_config() {
	sed 's/^  auto-join: true$/  auto-join: false/' "$SKELETON/service-mesh.yaml" | write_config
	grep -q '^  auto-join: false$' "$CHARM/service-mesh.yaml"
}

# "ID {local app bag}" per relation, committed state.
local_bags() {
	python3 - "$S" <<-'EOF'
	import json, sys
	st = json.load(open(sys.argv[1], encoding="utf-8"))
	for r in sorted(st["relations"], key=lambda r: r["id"]):
	    print(r["id"], json.dumps(r["local_app"], sort_keys=True))
	EOF
}

# log_has LEVEL TEXT: a juju-log entry of LEVEL contains TEXT (TEXT as it
# appears in the JSON-lines log: plain ASCII without quotes or backslashes).
log_has() {
	[[ -f "$S.log" ]] && grep -F "\"level\": \"$1\"" "$S.log" | grep -qF -- "$2"
}

# Per-tool counts of the call log (juju-log excluded), "tool=N" sorted by tool.
call_summary() {
	tool_calls | awk '{print $1}' | sort | uniq -c | awk '{printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1} END {print ""}'
}

# No call repeated within the hook.
assert_no_repeated_call() {
	local dup
	dup="$(tool_calls | sort | uniq -d)"
	if [[ -n "$dup" ]]; then
		echo "repeated calls: $dup" >&2
		return 1
	fi
}

# Run HOOK (jujusim run args), expect exit 0 and nothing printed.
hook_quiet() {
	run --separate-stderr hook "$@"
	[[ -z "$stderr" ]] || echo "# stderr: $stderr"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}

# As a non-leader: exit 0, nothing printed, exactly one call (is-leader),
# no app databag changed (BROKEN_ID: a relation the hook may remove).
expect_nonleader_noop() {
	local before after
	"$J" set-leader "$S" false
	before="$(local_bags | grep -v "^${BROKEN_ID:-none} " || true)"
	reset_calls
	hook_quiet "$@"
	assert_equal "$(tool_calls)" "is-leader --format=json"
	after="$(local_bags)"
	assert_equal "$after" "$before"
}

# for_modes FN ARGS...: FN ARGS... once per way Juju can start the hook
# (legacy hooks/ symlink, dispatch script, dispatch symlink), each on a fresh
# charm dir and state; $MODE names the way (printed on failure). MODES="..."
# picks some of them.
for_modes() {
	local n=0
	for MODE in ${MODES:-symlink script link}; do
		n=$((n + 1))
		echo "# mode=$MODE $*"
		new_charm "$MODE-$n-$RANDOM"
		set_mode "$MODE"
		"$@"
	done
}

# ------------------------------------------------------------------ mesh relation-created

mesh_created() {
	add_rel service-mesh beacon
	local mesh="$REL"
	add_rel data app-a --role provides
	add_rel metrics prom --role provides
	expect_nonleader_noop service-mesh-relation-created
	run local_key "$mesh" policies
	assert_failure
	"$J" set-leader "$S" true
	hook_quiet service-mesh-relation-created
	assert_equal "$(local_key "$mesh" policies)" "$(plist "$(p_data app-a)" "$(p_metrics prom)")"
	# nothing else written: the related apps' bags stay empty
	assert_equal "$(local_bags | grep -v "^$mesh ")" "$(printf '1 {}\n2 {}')"
}

@test "mesh relation-created: non-leader writes nothing (1 call: is-leader); leader publishes (symlink, dispatch script, dispatch symlink)" {
	for_modes mesh_created
}

@test "mesh relation-created: exact bytes of a one-policy case from the reference" {
	write_config <<-'EOF'
	consumer:
	  auto-join: false
	  policies:
	    - relation: data
	      endpoints:
	        - ports: [80]
	          hosts: []
	          methods: []
	          paths: []
	EOF
	"$J" init "$S" --app consumer-charm --model my_model --charm-dir "$CHARM" >/dev/null
	add_rel service-mesh beacon
	add_rel data remote_a
	hook_quiet service-mesh-relation-created --relation 0
	assert_equal "$(local_key 0 policies)" '[{"source_namespace": "my_model", "source_app_name": "remote_a", "target_namespace": "my_model", "target_app_name": "consumer-charm", "target_selector_labels": null, "target_service": null, "target_type": "app", "endpoints": [{"hosts": [], "ports": [80], "methods": [], "paths": []}]}]'
}

# ------------------------------------------------------------------ policy endpoints: created

policy_created() { # ENDPOINT
	local ep="$1" mesh new
	add_rel service-mesh beacon
	mesh="$REL"
	add_rel data app-a --role provides
	add_rel metrics prom --role provides
	"$J" set-data "$S" "$mesh" --local-app policies="$(plist "$(p_data app-a)" "$(p_metrics prom)")"
	add_rel "$ep" newcomer --role provides
	new="$REL"
	expect_nonleader_noop "$ep-relation-created" --relation "$new"
	"$J" set-leader "$S" true
	hook_quiet "$ep-relation-created" --relation "$new"
	if [[ "$ep" == data ]]; then
		assert_equal "$(local_key "$mesh" policies)" \
			"$(plist "$(p_data app-a)" "$(p_data newcomer)" "$(p_metrics prom)")"
	else
		assert_equal "$(local_key "$mesh" policies)" \
			"$(plist "$(p_data app-a)" "$(p_metrics prom)" "$(p_metrics newcomer)")"
	fi
}

@test "data relation-created: non-leader writes nothing; leader republishes with the new app (all three ways)" {
	for_modes policy_created data
}

@test "metrics relation-created: non-leader writes nothing; leader republishes with the new app (all three ways)" {
	for_modes policy_created metrics
}

# ------------------------------------------------------------------ policy endpoints: broken

policy_broken() { # ENDPOINT JUJU_VERSION LEADER
	local ep="$1" ver="$2" leader="$3" mesh gone
	sim_init --juju-version "$ver"
	add_rel service-mesh beacon
	mesh="$REL"
	add_rel data app-a --role provides
	add_rel metrics prom --role provides
	add_rel "$ep" leaving --role provides
	gone="$REL"
	if [[ "$ep" == data ]]; then
		"$J" set-data "$S" "$mesh" --local-app \
			policies="$(plist "$(p_data app-a)" "$(p_data leaving)" "$(p_metrics prom)")"
	else
		"$J" set-data "$S" "$mesh" --local-app \
			policies="$(plist "$(p_data app-a)" "$(p_metrics prom)" "$(p_metrics leaving)")"
	fi
	if [[ "$leader" == false ]]; then
		BROKEN_ID="$gone" expect_nonleader_noop "$ep-relation-broken" --relation "$gone"
		return
	fi
	hook_quiet "$ep-relation-broken" --relation "$gone"
	assert_equal "$(local_key "$mesh" policies)" "$(plist "$(p_data app-a)" "$(p_metrics prom)")"
}

@test "data relation-broken: the broken relation is left out, relation-ids listing it (Juju 3.1) or not (3.6)" {
	for_modes policy_broken data 3.1 true
	# the simulator does list the broken relation on 3.1
	assert_equal "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["list_broken"])' "$S")" "True"
	for_modes policy_broken data 3.6 true
	assert_equal "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["list_broken"])' "$S")" "False"
}

@test "metrics relation-broken: the broken relation is left out (Juju 3.1 and 3.6)" {
	MODES="symlink script" for_modes policy_broken metrics 3.1 true
	MODES="link" for_modes policy_broken metrics 3.6 true
}

@test "data/metrics relation-broken: non-leader writes nothing (all three ways)" {
	for_modes policy_broken data 3.1 false
	MODES="script" for_modes policy_broken metrics 3.6 false
}

@test "relation-broken of the last data relation publishes the metrics policy alone" {
	add_rel service-mesh beacon
	add_rel metrics prom --role provides
	add_rel data only --role provides
	"$J" set-data "$S" 0 --local-app policies="$(plist "$(p_data only)" "$(p_metrics prom)")"
	hook_quiet data-relation-broken --relation 2
	assert_equal "$(local_key 0 policies)" "$(plist "$(p_metrics prom)")"
}

# ------------------------------------------------------------------ cross-model

cmr_changed() {
	add_rel service-mesh beacon --id 0
	add_rel data remote-x --role provides --id 1
	add_rel data local-a --role provides --id 3
	add_rel metrics remote-x --role provides --id 4
	add_rel provide-cmr-mesh remote-x --role provides --id 5
	"$J" set-data "$S" 5 --remote-app cmr_data='{"app_name": "real-x", "juju_model_name": "other-model"}'
	expect_nonleader_noop provide-cmr-mesh-relation-changed --relation 5
	"$J" set-leader "$S" true
	hook_quiet provide-cmr-mesh-relation-changed --relation 5
	assert_equal "$(local_key 0 policies)" \
		"$(plist "$(p_data real-x other-model)" "$(p_data local-a)" "$(p_metrics real-x other-model)")"
}

@test "provide-cmr-mesh relation-changed: non-leader writes nothing; leader maps the source through cmr_data (all three ways)" {
	for_modes cmr_changed
}

@test "provide-cmr-mesh: bad cmr_data is skipped with a WARNING, app treated as in-model, valid data beside it kept" {
	add_rel service-mesh beacon --id 0
	add_rel data alias-bad --role provides --id 1
	add_rel data alias-good --role provides --id 2
	add_rel data alias-list --role provides --id 3
	add_rel data alias-shape --role provides --id 4
	add_rel data alias-none --role provides --id 5
	add_rel provide-cmr-mesh alias-bad --role provides --id 11
	add_rel provide-cmr-mesh alias-good --role provides --id 12
	add_rel provide-cmr-mesh alias-list --role provides --id 13
	add_rel provide-cmr-mesh alias-shape --role provides --id 14
	add_rel provide-cmr-mesh alias-none --role provides --id 15
	"$J" set-data "$S" 11 --remote-app cmr_data='{"app_name": "oops"'
	"$J" set-data "$S" 12 --remote-app cmr_data='{"app_name": "real-good", "juju_model_name": "far"}'
	"$J" set-data "$S" 13 --remote-app cmr_data='["real-list", "far"]'
	"$J" set-data "$S" 14 --remote-app cmr_data='{"app_name": "real-shape", "juju_model_name": 7}'
	hook_quiet provide-cmr-mesh-relation-changed --relation 12
	assert_equal "$(local_key 0 policies)" \
		"$(plist "$(p_data alias-bad)" "$(p_data real-good far)" "$(p_data alias-list)" "$(p_data alias-shape)" "$(p_data alias-none)")"
	log_has WARNING "alias-bad"
	log_has WARNING "alias-list"
	log_has WARNING "alias-shape"
	run log_has WARNING "alias-good"
	assert_failure
	# a peer that has not sent cmr_data yet is not an error
	run log_has WARNING "alias-none"
	assert_failure
}

cmr_requires_created() {
	sim_init --model prod-east
	add_rel require-cmr-mesh offer-alias --id 7
	expect_nonleader_noop require-cmr-mesh-relation-created --relation 7
	run local_key 7 cmr_data
	assert_failure
	"$J" set-leader "$S" true
	reset_calls
	hook_quiet require-cmr-mesh-relation-created --relation 7
	assert_equal "$(local_key 7 cmr_data)" '{"app_name": "consumer", "juju_model_name": "prod-east"}'
	assert_equal "$(tool_calls)" "$(printf '%s\n' 'is-leader --format=json' 'relation-set -r require-cmr-mesh:7 --app --file -')"
}

@test "require-cmr-mesh relation-created: non-leader writes nothing; leader writes cmr_data exactly (all three ways)" {
	for_modes cmr_requires_created
}

# ------------------------------------------------------------------ upgrade-charm, leader-elected

publish_hook() { # HOOK
	no_autojoin_config
	add_rel service-mesh beacon
	add_rel data app-a --role provides
	add_rel metrics prom --role provides
	"$J" set-data "$S" 0 --local-app policies='[]'
	expect_nonleader_noop "$1"
	assert_equal "$(local_key 0 policies)" '[]'
	"$J" set-leader "$S" true
	hook_quiet "$1"
	assert_equal "$(local_key 0 policies)" "$(plist "$(p_data app-a)" "$(p_metrics prom)")"
}

@test "upgrade-charm: non-leader writes nothing; leader publishes (all three ways)" {
	for_modes publish_hook upgrade-charm
}

@test "leader-elected: non-leader writes nothing; leader publishes (all three ways)" {
	for_modes publish_hook leader-elected
}

# ------------------------------------------------------------------ nothing to do

nothing_to_do() {
	local leader h
	add_rel service-mesh beacon
	add_rel data app-a --role provides
	add_rel foo bar
	for h in install update-status foo-relation-changed start; do
		link_hook "$h"
	done
	for leader in true false; do
		"$J" set-leader "$S" "$leader"
		for h in install update-status foo-relation-changed start; do
			echo "# leader=$leader hook $h"
			reset_calls
			if [[ "$h" == foo-* ]]; then
				hook_quiet "$h" --relation 2
			else
				hook_quiet "$h"
			fi
			# no hook tool at all, not even juju-log
			assert_equal "$("$J" calls "$S" --count)" "0"
		done
	done
	assert_equal "$(local_bags)" "$(printf '0 {}\n1 {}\n2 {}')"
}

@test "nothing to do (install, update-status, unknown endpoint): exit 0, no output, no hook tool call (leader and not)" {
	for_modes nothing_to_do
}

# ------------------------------------------------------------------ no mesh relation, order, idempotence

@test "no mesh relation: data relation-created writes nothing and exits 0" {
	add_rel data app-a --role provides
	add_rel require-cmr-mesh x
	reset_calls
	hook_quiet data-relation-created --relation 0
	assert_equal "$(local_bags)" "$(printf '0 {}\n1 {}')"
	assert_equal "$(tool_count relation-set)" "0"
	assert_equal "$(call_summary)" "is-leader=1 relation-ids=1"
}

@test "relations are taken in relation-ids order: data:10 before data:2" {
	add_rel service-mesh beacon --id 0
	add_rel data app-two --role provides --id 2
	add_rel data app-ten --role provides --id 10
	hook_quiet service-mesh-relation-created
	assert_equal "$(local_key 0 policies)" "$(plist "$(p_data app-ten)" "$(p_data app-two)")"
}

@test "policies are written only when the text differs: a second run makes no relation-set" {
	add_rel service-mesh beacon
	add_rel data app-a --role provides
	hook_quiet service-mesh-relation-created
	first="$(local_key 0 policies)"
	assert_equal "$first" "$(plist "$(p_data app-a)")"
	reset_calls
	hook_quiet service-mesh-relation-created
	assert_equal "$(tool_count relation-set)" "0"
	assert_equal "$(local_key 0 policies)" "$first"
	# a real change is written again
	add_rel data app-b --role provides
	reset_calls
	hook_quiet data-relation-created --relation 2
	assert_equal "$(tool_count relation-set)" "1"
	assert_equal "$(local_key 0 policies)" "$(plist "$(p_data app-a)" "$(p_data app-b)")"
}

# ------------------------------------------------------------------ failing relation-set

@test "failing relation-set: exit 1, error names tool/status/stderr, data unchanged; rerun converges" {
	add_rel service-mesh beacon
	add_rel data app-a --role provides
	"$J" set-data "$S" 0 --local-app policies='[]'
	"$J" fault "$S" --tool relation-set --exit 1 --stderr "ERROR disk on fire" --times 1
	run --separate-stderr hook service-mesh-relation-created
	assert_failure 1
	assert_output ""
	[[ "$stderr" == *relation-set* ]]
	[[ "$stderr" == *"exit status 1"* ]]
	[[ "$stderr" == *"ERROR disk on fire"* ]]
	log_has ERROR "relation-set failed (exit status 1): ERROR disk on fire"
	assert_equal "$(local_key 0 policies)" '[]'
	# the fault was used up; Juju retries the hook
	hook_quiet service-mesh-relation-created
	assert_equal "$(local_key 0 policies)" "$(plist "$(p_data app-a)")"
}

@test "failing relation-set on the second mesh relation: the first write is discarded too" {
	add_rel service-mesh beacon --id 0
	add_rel service-mesh beacon2 --id 1
	add_rel data app-a --role provides --id 2
	"$J" fault "$S" --tool relation-set --match service-mesh:1 --exit 3 --stderr "ERROR nope" --times 1
	run --separate-stderr hook data-relation-created --relation 2
	assert_failure 1
	[[ "$stderr" == *"relation-set failed (exit status 3): ERROR nope"* ]]
	assert_equal "$(local_bags)" "$(printf '0 {}\n1 {}\n2 {}')"
	# the first relation's write was made (and then discarded with the failed hook)
	assert_equal "$(tool_count relation-set)" "2"
	hook_quiet data-relation-created --relation 2
	assert_equal "$(local_key 0 policies)" "$(plist "$(p_data app-a)")"
	assert_equal "$(local_key 1 policies)" "$(plist "$(p_data app-a)")"
}

# ------------------------------------------------------------------ config errors

broken_config() {
	write_config <<-'EOF'
	consumer:
	  policies:
	    - relation: data
	      endpoints:
	        - ports: [8080, 70000]
	EOF
}

every_hook_exit2() { # [HOOK...] (default: every skeleton hook and install)
	local h hooks=("$@")
	add_rel service-mesh beacon
	add_rel data app-a --role provides
	add_rel metrics prom --role provides
	add_rel provide-cmr-mesh px --role provides
	add_rel require-cmr-mesh rx
	link_hook install
	broken_config
	[[ ${#hooks[@]} -gt 0 ]] || hooks=($(ls "$SKELETON/hooks") install)
	for h in "${hooks[@]}"; do
		reset_calls
		case "$h" in
		service-mesh-*) args=(--relation 0) ;;
		data-*) args=(--relation 1) ;;
		metrics-*) args=(--relation 2) ;;
		provide-cmr-mesh-*) args=(--relation 3) ;;
		require-cmr-mesh-*) args=(--relation 4) ;;
		*) args=() ;;
		esac
		run --separate-stderr hook "$h" "${args[@]}"
		echo "# hook $h"
		assert_failure 2
		assert_output ""
		[[ "$stderr" == *"$CHARM/service-mesh.yaml:5:25: "*"'70000' is not a port"* ]]
		log_has ERROR "$CHARM/service-mesh.yaml:5:25: "
		assert_equal "$(tool_count)" "0"
	done
}

@test "broken service-mesh.yaml: every hook exits 2 with FILE:LINE:COL on stderr, ERROR in juju-log, no tool call" {
	MODES="symlink script" for_modes every_hook_exit2
}

@test "broken service-mesh.yaml: dispatch symlink exits 2 too" {
	MODES=link for_modes every_hook_exit2 service-mesh-relation-created
}

@test "YAML syntax error: exit 2 with FILE:LINE:COL: message" {
	printf 'consumer:\n  policies: [\n' | write_config
	add_rel service-mesh beacon
	run --separate-stderr hook service-mesh-relation-created
	assert_failure 2
	[[ "$stderr" =~ $CHARM/service-mesh\.yaml:[0-9]+:[0-9]+:\ [a-z] ]]
	assert_equal "$(tool_count relation-set)" "0"
}

@test "missing service-mesh.yaml: exit 2 and the message names the file" {
	rm "$CHARM/service-mesh.yaml"
	add_rel service-mesh beacon
	run --separate-stderr hook service-mesh-relation-created
	assert_failure 2
	[[ "$stderr" == *"$CHARM/service-mesh.yaml: cannot read"* ]]
	log_has ERROR "$CHARM/service-mesh.yaml: cannot read"
	run --separate-stderr hook upgrade-charm --env SVCMESH_CONFIG=/nonexistent/mesh.yaml
	assert_failure 2
	[[ "$stderr" == *"/nonexistent/mesh.yaml: cannot read"* ]]
}

alt_config() { # FILE
	cat > "$1" <<-'EOF'
	consumer:
	  auto-join: false
	  policies:
	    - relation: metrics
	      type: unit
	      ports: [7000]
	EOF
}

@test "SVCMESH_CONFIG and --config override the charm's service-mesh.yaml (--config wins)" {
	broken_config
	alt_config "$BATS_TEST_TMPDIR/alt.yaml"
	printf 'consumer:\n  auto-join: false\n' > "$BATS_TEST_TMPDIR/empty.yaml"
	add_rel service-mesh beacon
	add_rel metrics prom --role provides
	want='[{"source_namespace": "test-model", "source_app_name": "prom", "target_namespace": "test-model", "target_app_name": "consumer", "target_selector_labels": null, "target_service": null, "target_type": "unit", "endpoints": [{"hosts": null, "ports": [7000], "methods": null, "paths": null}]}]'
	# SVCMESH_CONFIG, hook by symlink
	hook_quiet service-mesh-relation-created --env SVCMESH_CONFIG="$BATS_TEST_TMPDIR/alt.yaml"
	assert_equal "$(local_key 0 policies)" "$want"
	# --config in a dispatch script beats SVCMESH_CONFIG
	printf '#!/bin/sh\nexec "$JUJU_CHARM_DIR/svcmesh-hook" --config "%s"\n' "$BATS_TEST_TMPDIR/empty.yaml" > "$CHARM/dispatch"
	chmod 755 "$CHARM/dispatch"
	hook_quiet upgrade-charm --env SVCMESH_CONFIG="$BATS_TEST_TMPDIR/alt.yaml"
	assert_equal "$(local_key 0 policies)" "[]"
	# --config=FILE form
	printf '#!/bin/sh\nexec "$JUJU_CHARM_DIR/svcmesh-hook" --config="%s"\n' "$BATS_TEST_TMPDIR/alt.yaml" > "$CHARM/dispatch"
	hook_quiet upgrade-charm
	assert_equal "$(local_key 0 policies)" "$want"
}

# ------------------------------------------------------------------ byte compatibility with the oracle

# oracle_compare MODEL_JSON: the policies our binary published on relation 0
# are byte for byte what the independent Python oracle builds.
oracle_compare() {
	local want got
	printf '%s' "$1" > "$BATS_TEST_TMPDIR/model.json"
	want="$(python3 "$ORACLE" "$BATS_TEST_TMPDIR/model.json")"
	got="$(local_key 0 policies)"
	assert_equal "$got" "$want"
	# and the bytes are pure ASCII, as json.dumps(ensure_ascii=True) writes
	run python3 -c 'import sys; sys.stdin.buffer.read().decode("ascii")' <<< "$got"
	assert_success
}

@test "oracle: skeleton config, in-model and cross-model sources, ids 2 10 11" {
	add_rel service-mesh beacon --id 0
	add_rel data app-b --role provides --id 2
	add_rel data x-alias --role provides --id 10
	add_rel data app-a --role provides --id 11
	add_rel metrics prom --role provides --id 3
	add_rel provide-cmr-mesh x-alias --role provides --id 4
	add_rel provide-cmr-mesh y-alias --role provides --id 5
	"$J" set-data "$S" 4 --remote-app cmr_data='{"app_name": "x-real", "juju_model_name": "cos"}'
	"$J" set-data "$S" 5 --remote-app cmr_data='not json'
	hook_quiet service-mesh-relation-created
	oracle_compare '{"app": "consumer", "model": "test-model",
	 "relations": {"data": [[2, "app-b"], [10, "x-alias"], [11, "app-a"]], "metrics": [[3, "prom"]]},
	 "cmr_data": {"x-alias": "{\"app_name\": \"x-real\", \"juju_model_name\": \"cos\"}", "y-alias": "not json"},
	 "policies": [
	  {"type": "app", "relation": "data", "endpoints": [{"ports": [8080], "methods": ["GET", "POST"], "paths": ["/api/*"]}]},
	  {"type": "unit", "relation": "metrics", "ports": [9090]}]}'
}

@test "oracle: non-ASCII path and astral host, escapes, null vs [], service, deprecated type, unit without ports" {
	write_config <<-'EOF'
	consumer:
	  auto-join: false
	  policies:
	    - relation: data
	      service: api-svc
	      endpoints:
	        - hosts: ["😀.example.com", "ünï.example"]
	          paths: ["/café", "/q\"uote\\back\ttab\u007f", "/日本"]
	          ports: [80, 443, 65535]
	          methods: [CONNECT, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE]
	        - {paths: [/only]}
	        - hosts: []
	          methods: [GET]
	    - relation: metrics
	      type: unit
	    - relation: metrics
	      type: unit
	      ports: []
	    - relation: data
	      type: policy
	      endpoints: []
	EOF
	add_rel service-mesh beacon --id 0
	add_rel data d-one --role provides --id 1
	add_rel data d-two --role provides --id 12
	add_rel metrics m-one --role provides --id 5
	add_rel provide-cmr-mesh d-two --role provides --id 6
	# JSON escapes in cmr_data are decoded (names themselves are Juju names: ASCII)
	"$J" set-data "$S" 6 --remote-app cmr_data='{"juju_model_name": "far\u002dmodel", "app_name": "r\u0065al-two"}'
	reset_calls
	hook_quiet service-mesh-relation-created
	oracle_compare '{"app": "consumer", "model": "test-model",
	 "relations": {"data": [[1, "d-one"], [12, "d-two"]], "metrics": [[5, "m-one"]]},
	 "cmr_data": {"d-two": "{\"juju_model_name\": \"far\\u002dmodel\", \"app_name\": \"r\\u0065al-two\"}"},
	 "policies": [
	  {"type": "app", "relation": "data", "service": "api-svc", "endpoints": [
	    {"hosts": ["\ud83d\ude00.example.com", "\u00fcn\u00ef.example"],
	     "paths": ["/caf\u00e9", "/q\"uote\\back\ttab\u007f", "/\u65e5\u672c"],
	     "ports": [80, 443, 65535],
	     "methods": ["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"]},
	    {"paths": ["/only"]},
	    {"hosts": [], "methods": ["GET"]}]},
	  {"type": "unit", "relation": "metrics"},
	  {"type": "unit", "relation": "metrics", "ports": []},
	  {"type": "policy", "relation": "data", "endpoints": []}]}'
	# the same endpoint named by two policies is asked for once
	assert_equal "$(tool_count relation-ids)" "4"
	assert_equal "$(tool_calls | grep -c '^relation-ids --format=json -- data$')" "1"
	assert_no_repeated_call
	# type: policy works like app, with a deprecation warning naming its line
	run "$J" log "$S"
	assert_output --partial "WARNING"
	assert_output --partial "the policy for 'data' (line 19) uses type 'policy', which is deprecated: use 'app'"
}

@test "oracle: the hand-written expectation of this file agrees with the oracle" {
	printf '%s' '{"app": "consumer", "model": "test-model", "relations": {"data": ["a"], "metrics": ["m"]},
	 "cmr_data": {"m": "{\"app_name\": \"mm\", \"juju_model_name\": \"far\"}"},
	 "policies": [{"type": "app", "relation": "data", "endpoints": [{"ports": [8080], "methods": ["GET", "POST"], "paths": ["/api/*"]}]},
	  {"type": "unit", "relation": "metrics", "ports": [9090]}]}' > "$BATS_TEST_TMPDIR/m.json"
	run python3 "$ORACLE" "$BATS_TEST_TMPDIR/m.json"
	assert_success
	assert_output "$(plist "$(p_data a)" "$(p_metrics mm far)")"
}

# ------------------------------------------------------------------ call budget (issue 7 point 2)

budget_model() {
	add_rel service-mesh beacon --id 0
	add_rel data d1 --role provides --id 1
	add_rel data x1 --role provides --id 2
	add_rel data x2 --role provides --id 3
	add_rel metrics prom --role provides --id 4
	add_rel provide-cmr-mesh x1 --role provides --id 5
	add_rel provide-cmr-mesh x2 --role provides --id 6
	"$J" set-data "$S" 5 --remote-app cmr_data='{"app_name": "real1", "juju_model_name": "far"}'
	"$J" set-data "$S" 6 --remote-app cmr_data='{"app_name": "real2", "juju_model_name": "far"}'
}

@test "call budget: mesh relation-created, 3 data + 1 metrics + 2 cross-model relations" {
	budget_model
	reset_calls
	hook_quiet service-mesh-relation-created
	assert_equal "$(call_summary)" "is-leader=1 relation-get=3 relation-ids=4 relation-list=6 relation-set=1"
	assert_no_repeated_call
	# relation-get: the two cross-model peers' app bags and our own published data
	assert_equal "$(tool_calls | grep '^relation-get' | sort)" "$(printf '%s\n' \
		'relation-get -r provide-cmr-mesh:5 --app --format=json - x1' \
		'relation-get -r provide-cmr-mesh:6 --app --format=json - x2' \
		'relation-get -r service-mesh:0 --app --format=json - consumer')"
	assert_equal "$(local_key 0 policies)" \
		"$(plist "$(p_data d1)" "$(p_data real1 far)" "$(p_data real2 far)" "$(p_metrics prom)")"
	# juju-log is counted apart: one call per record (one fact each)
	nlog="$("$J" calls "$S" --tool juju-log --count)"
	[ "$nlog" -ge 1 ] && [ "$nlog" -eq "$(wc -l < "$S.log")" ]
}

@test "call budget: data relation-created (its own remote app comes from JUJU_REMOTE_APP)" {
	budget_model
	reset_calls
	hook_quiet data-relation-created --relation 2
	assert_equal "$(call_summary)" "is-leader=1 relation-get=3 relation-ids=4 relation-list=5 relation-set=1"
	assert_no_repeated_call
	run grep -c 'relation-list", "-r", "data:2"' "$S.calls"
	assert_output "0"
}

@test "call budget: provide-cmr-mesh relation-changed" {
	budget_model
	reset_calls
	hook_quiet provide-cmr-mesh-relation-changed --relation 6
	assert_equal "$(call_summary)" "is-leader=1 relation-get=3 relation-ids=4 relation-list=5 relation-set=1"
	assert_no_repeated_call
}

@test "call budget: a second identical run makes 0 relation-set, and 0 relation-list (applications remembered)" {
	budget_model
	hook_quiet service-mesh-relation-created
	reset_calls
	hook_quiet service-mesh-relation-created
	assert_equal "$(call_summary)" "is-leader=1 relation-get=3 relation-ids=4"
	assert_no_repeated_call
	# with nothing remembered it asks again, and still writes nothing
	reset_calls
	hook_quiet service-mesh-relation-created --env SVCMESH_REMEMBER=0
	assert_equal "$(call_summary)" "is-leader=1 relation-get=3 relation-ids=4 relation-list=6"
}

@test "call budget: non-leader makes exactly 1 call (is-leader)" {
	budget_model
	"$J" set-leader "$S" false
	reset_calls
	hook_quiet service-mesh-relation-created
	assert_equal "$(call_summary)" "is-leader=1"
}

@test "call budget: nothing-to-do hook makes 0 calls (juju-log included)" {
	budget_model
	link_hook update-status
	reset_calls
	hook_quiet update-status
	assert_equal "$("$J" calls "$S" --count)" "0"
}

@test "hook tools asked together or one at a time (settings.jobs 1): the same calls and the same bytes published" {
	budget_model
	for i in $(seq 7 30); do add_rel data "extra$i" --role provides --id "$i"; done
	cp "$CHARM/service-mesh.yaml" "$BATS_TEST_TMPDIR/config"
	printf 'settings:\n  jobs: 1\n' >> "$CHARM/service-mesh.yaml"
	hook_quiet service-mesh-relation-created --env SVCMESH_REMEMBER=0
	one="$("$J" get-key "$S" 0 policies --local-app)"
	one_calls="$(call_summary)"
	"$J" set-data "$S" 0 --local-app policies=
	reset_calls
	cp "$BATS_TEST_TMPDIR/config" "$CHARM/service-mesh.yaml"
	printf 'settings:\n  jobs: 8\n' >> "$CHARM/service-mesh.yaml"
	hook_quiet service-mesh-relation-created --env SVCMESH_REMEMBER=0
	assert_equal "$("$J" get-key "$S" 0 policies --local-app)" "$one"
	assert_equal "$(call_summary)" "$one_calls"
	assert_no_repeated_call
	# the last relation's application is among the sources
	[[ "$one" == *'"source_app_name": "extra30"'* ]]
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
