#!/usr/bin/env bats
# Hostile relation data, end to end: the BUILT binary, run as the charm's
# hooks in the Juju simulator (and against kubesim with the real kubectl
# where labels are involved), fed what a broken or malicious peer could
# write. Each test: the hook exits as expected, logs the skip, and keeps
# the good data beside the bad. Every hook runs in Juju's environment
# (JUJUSIM_ENV=juju); with labels, kubectl is the charm's bin/kubectl and
# reaches kubesim in-cluster over HTTPS with the service-account token.

load assertions
load '../kubesim/kubesim.bash'
load helpers   # J (jujusim), SVCMESH_BIN, bare_charm
bats_require_minimum_version 1.5.0

NS=hostile-model
APP=victim

setup() {
	bare_charm service-mesh-relation-created service-mesh-relation-changed service-mesh-relation-broken \
		provide-cmr-mesh-relation-changed data-relation-created leader-elected || return 1
	cat > "$CHARM/service-mesh.yaml" <<-'YAML'
	consumer:
	  auto-join: false
	  policies:
	    - {relation: data, endpoints: [{ports: [8080]}]}
	YAML
	"$J" init "$S" --app "$APP" --model "$NS" --leader --charm-dir "$CHARM" >/dev/null
	PWNED="/tmp/pwned-$$-$BATS_TEST_NUMBER"
	rm -f "$PWNED"
	# hooks run in Juju's environment: no HOME, KUBECONFIG or SVCMESH_* from here
	export JUJUSIM_ENV=juju
}

teardown() {
	kubesim_stop
	rm -f "$PWNED"
}

auto_join() {
	sed -i 's/auto-join: false/auto-join: true/' "$CHARM/service-mesh.yaml"
}

# kubesim holding the charm's objects, auto-join on, and a mesh relation in
# $MESH (skips the test when kubectl is not installed)
mesh_on_kubesim() {
	command -v kubectl >/dev/null || skip "kubectl is not installed"
	juju_model "$APP" "$NS"
	ship_kubectl
	auto_join
	MESH=$("$J" add-relation "$S" service-mesh beacon)
}

# this charm as a mesh provider (beacon) with consumers app-one ($R1)
# and app-two ($R2)
provider_two_consumers() {
	provider_config
	"$J" init "$S" --app beacon --model "$NS" --leader --charm-dir "$CHARM" >/dev/null
	R1=$("$J" add-relation "$S" service-mesh app-one --role provides)
	R2=$("$J" add-relation "$S" service-mesh app-two --role provides)
}

# a mesh relation $MESH (id 1) and, for each cross-model alias named, a data
# relation and a provide-cmr-mesh relation from it (ids 2,3 / 4,5 / ...)
cmr_peers() {
	local a
	MESH=$("$J" add-relation "$S" service-mesh beacon --id 1)
	for a in "$@"; do
		"$J" add-relation "$S" data "$a" >/dev/null
		"$J" add-relation "$S" provide-cmr-mesh "$a" --role provides >/dev/null
	done
}

# published policies as "namespace/app" lines
sources() {
	"$J" get-key "$S" "$MESH" --local-app policies |
		python3 -c 'import json,sys; [print(p["source_namespace"] + "/" + p["source_app_name"]) for p in json.load(sys.stdin)]'
}

@test "cross-model: bad cmr_data (wildcard, shell, 10 MB, wrong shape) is skipped beside a good one" {
	cmr_peers alias-good alias-star alias-shell alias-big alias-list
	# relation ids: data 2,4,6,8,10 / provide-cmr-mesh 3,5,7,9,11
	"$J" set-data "$S" 3 --remote-app cmr_data='{"app_name": "real-good", "juju_model_name": "far"}'
	"$J" set-data "$S" 5 --remote-app cmr_data='{"app_name": "*", "juju_model_name": "*"}'
	"$J" set-data "$S" 7 --remote-app cmr_data="{\"app_name\": \"\$(touch $PWNED)\", \"juju_model_name\": \"\`touch $PWNED\`\"}"
	python3 -c 'import json,sys; json.dump({"cmr_data": json.dumps({"app_name": "x" * (10 << 20), "juju_model_name": "m"})}, open(sys.argv[1], "w"))' "$BATS_TEST_TMPDIR/big.json"
	"$J" set-data "$S" 9 --remote-app --file "$BATS_TEST_TMPDIR/big.json"
	"$J" set-data "$S" 11 --remote-app cmr_data='["real-list", "far"]'
	run "$J" run "$S" provide-cmr-mesh-relation-changed --relation 3
	assert_success
	run sources
	assert_success
	# relation-ids order is string order: data:10 first
	assert_output "$(printf '%s\n' "$NS/alias-list" "far/real-good" "$NS/alias-star" "$NS/alias-shell" "$NS/alias-big")"
	refute_output --partial '*'
	run "$J" log "$S"
	assert_output --partial "WARNING provide-cmr-mesh:3: skipping cmr_data of provide-cmr-mesh:11 (alias-list)"
	assert_output --partial "skipping cmr_data of provide-cmr-mesh:5 (alias-star)"
	assert_output --partial "skipping cmr_data of provide-cmr-mesh:7 (alias-shell)"
	assert_output --partial "skipping cmr_data of provide-cmr-mesh:9 (alias-big)"
	assert_output --partial "skipping cmr_data of provide-cmr-mesh:11 (alias-list)"
	# the 10 MB value was not echoed into the log
	[ "$(wc -c < "$S.log")" -lt 100000 ]
	[ ! -e "$PWNED" ]
}

@test "mesh provider sends a 10 MB labels value: the big label is held, the good one applied" {
	mesh_on_kubesim
	python3 -c 'import json,sys; json.dump({"labels": json.dumps({"istio.io/dataplane-mode": "ambient", "big": "x" * (10 << 20)}), "mesh_type": "\"istio\""}, open(sys.argv[1], "w"))' "$BATS_TEST_TMPDIR/big.json"
	"$J" set-data "$S" "$MESH" --remote-app --file "$BATS_TEST_TMPDIR/big.json"
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_success
	run kubesimctl get statefulset "$NS" "$APP"
	assert_output --partial '"istio.io/dataplane-mode": "ambient"'
	refute_output --partial '"big"'
	run "$J" log "$S"
	assert_output --partial "WARNING service-mesh:0: label 'big' from the mesh provider cannot be used (longer than 63 characters): left as it is"
	# kubectl never carried the big value
	run kubesimctl requests --writes
	refute_output --partial 'xxxxxxxxxx'
}

@test "mesh provider sends 10 MB of broken JSON as labels: ignored with a warning, hook succeeds, nothing written" {
	mesh_on_kubesim
	python3 -c 'import json,sys; json.dump({"labels": "{\"a\": \"" + "y" * (10 << 20)}, open(sys.argv[1], "w"))' "$BATS_TEST_TMPDIR/big.json"
	"$J" set-data "$S" "$MESH" --remote-app --file "$BATS_TEST_TMPDIR/big.json"
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_success
	run "$J" log "$S"
	assert_output --partial "the mesh provider's labels cannot be read (not valid JSON"
	run kubesim_writes
	assert_output 0
}

@test "labels with shell metacharacters are never executed and never reach kubectl; the valid one is applied" {
	mesh_on_kubesim
	labels=$(python3 -c 'import json,sys; p=sys.argv[1]; print(json.dumps({
		"a": "$(touch %s)" % p, "b": "`touch %s`" % p, "c; touch %s" % p: "1",
		"d": "x\ntouch %s" % p, "e": "1 && touch %s" % p, "$(touch %s)" % p: "v",
		"istio.io/dataplane-mode": "ambient"}))' "$PWNED")
	"$J" set-data "$S" "$MESH" --remote-app "labels=$labels"
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_success
	[ ! -e "$PWNED" ]
	run kubesimctl get statefulset "$NS" "$APP"
	assert_output --partial '"istio.io/dataplane-mode": "ambient"'
	run kubesimctl requests
	refute_output --partial 'pwned'
	run "$J" log "$S"
	assert_output --partial "label 'a' from the mesh provider cannot be used"
	assert_output --partial "label 'c; touch"
	assert_output --partial "label '\$(touch"
	# the labels subcommand shows only what survived
	run --separate-stderr "$J" exec "$S" -- "$CHARM/svcmesh-hook" labels
	assert_success
	assert_output '{"istio.io/dataplane-mode": "ambient"}'
	[ ! -e "$PWNED" ]
}

@test "relation-ids returning 150 relations, every tenth with bad cmr_data: all kept, bad ones in-model" {
	MESH=$("$J" add-relation "$S" service-mesh beacon --id 1)
	# write the relations straight into the simulator state (documented format)
	python3 - "$S" <<-'PY'
	import json, sys
	path = sys.argv[1]
	st = json.load(open(path))
	def rel(i, ep, app, role, data):
	    return {"id": i, "endpoint": ep, "role": role, "remote_app": app, "remote_units": [app + "/0"],
	            "broken": False, "local_app": {}, "remote_app_data": data, "local_unit": {},
	            "remote_unit_data": {app + "/0": {}}}
	for n in range(150):
	    app = "peer-x%03d" % n
	    st["relations"].append(rel(1000 + n, "data", app, "requires", {}))
	    bad = n % 10 == 0
	    cmr = "{oops" if bad else json.dumps({"app_name": "real-x%03d" % n, "juju_model_name": "far"})
	    st["relations"].append(rel(2000 + n, "provide-cmr-mesh", app, "provides", {"cmr_data": cmr}))
	st["next_id"] = 3000
	json.dump(st, open(path + ".tmp", "w"))
	import os; os.rename(path + ".tmp", path)
	PY
	run "$J" run "$S" leader-elected
	assert_success
	run sources
	assert_success
	[ "${#lines[@]}" -eq 150 ]
	assert_line --index 0 "$NS/peer-x000"
	assert_line --index 1 "far/real-x001"
	assert_line --index 149 "far/real-x149"
	[ "$(printf '%s\n' "${lines[@]}" | grep -c "^$NS/peer-x")" -eq 15 ]
	run "$J" log "$S"
	[ "$(grep -o 'skipping cmr_data of provide-cmr-mesh:' <<<"$output" | wc -l)" -eq 15 ]
}

@test "provider: policies with bad entries beside good ones; the good ones are kept (gathering level)" {
	"$SVCMESH_BIN" help 2>/dev/null | grep -q '^  mesh-info' || skip "provider commands (mesh-info) are not wired into this build"
	provider_two_consumers
	good='{"source_namespace": "m", "source_app_name": "a", "target_namespace": "m", "target_app_name": "app-one", "target_selector_labels": null, "target_service": null, "target_type": "app", "endpoints": [{"hosts": null, "ports": [80], "methods": null, "paths": null}]}'
	"$J" set-data "$S" "$R1" --remote-app "policies=[$good, {\"source_namespace\": \"*\", \"source_app_name\": \"*\", \"target_namespace\": \"m\", \"target_app_name\": \"x\"}, {\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"x\", \"endpoints\": [{\"ports\": [0]}]}, 7, $good]"
	"$J" set-data "$S" "$R2" --remote-app 'policies={"not": "a list"}'
	run --separate-stderr "$J" exec "$S" -- "$CHARM/svcmesh-hook" mesh-info
	assert_success
	run python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$output"
	assert_output 2
	run "$J" log "$S"
	assert_output --partial "skipping policies[1]: source_namespace and source_app_name must not contain '*' or '/'"
	assert_output --partial "skipping policies[2]: port '0' is out of range 1..65535"
	assert_output --partial "skipping policies[3]: policy is an integer '7', not an object"
	assert_output --partial "app-two"
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook" mesh-info --strict
	assert_failure
}

@test "provider: 300 bad policies cost at most 101 juju-log records; a person still sees every warning" {
	provider_two_consumers
	python3 -c 'import json,sys
good = {"source_namespace": "m", "source_app_name": "a", "target_namespace": "m", "target_app_name": "app-one", "target_type": "app", "endpoints": []}
bad = [dict(good, source_app_name="s%d" % i, endpoints=[{"ports": [0]}]) for i in range(300)]
json.dump({"policies": json.dumps(bad + [good])}, open(sys.argv[1], "w"))' "$BATS_TEST_TMPDIR/flood.json"
	"$J" set-data "$S" "$R1" --remote-app --file "$BATS_TEST_TMPDIR/flood.json"
	run --separate-stderr "$J" exec "$S" -- "$CHARM/svcmesh-hook" mesh-info
	assert_success
	run python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$output"
	assert_output 1
	[ "$(grep -c "skipping policies\[" <<<"$stderr")" -eq 300 ]
	run "$J" calls "$S" --tool juju-log --count
	assert_output 101
	run "$J" log "$S"
	[ "$(grep -c "skipping policies\[" <<<"$output")" -eq 100 ]
	# the 200 warnings over the budget and the two INFO/DEBUG records after them
	assert_line "WARNING 202 more log records left out (at most 100 per run, warnings first); run the command by hand with --verbose to see them all"
}

@test "provider: a policy with a 10 MB source_app_name is skipped, not rendered into an object Kubernetes refuses" {
	provider_two_consumers
	python3 -c 'import json,sys
good = {"source_namespace": "m", "source_app_name": "a", "target_namespace": "m", "target_app_name": "app-one", "target_type": "app", "endpoints": []}
big = dict(good, source_app_name="x" * (10 << 20))
json.dump({"policies": json.dumps([good, big])}, open(sys.argv[1], "w"))' "$BATS_TEST_TMPDIR/big.json"
	"$J" set-data "$S" "$R1" --remote-app --file "$BATS_TEST_TMPDIR/big.json"
	run --separate-stderr "$J" exec "$S" -- "$CHARM/svcmesh-hook" mesh-info
	assert_success
	run python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$output"
	assert_output 1
}

# --- data we do not read cannot hurt us (issue 15, point 2) ---

# bag_file FILE PYTHON-DICT-EXPRESSION: a databag for set-data --file
# (json.dump keeps "\x00" as \u0000 and a lone surrogate as \udcff: a byte
# that is not UTF-8, which jujuc prints as Go does, U+FFFD)
bag_file() {
	python3 -c 'import json,sys; json.dump(eval(sys.argv[2]), open(sys.argv[1], "w"))' "$1" "$2"
}

@test "mesh provider: an unread key holding NUL, invalid UTF-8 or 10 MB never fails the hook; labels still applied" {
	mesh_on_kubesim
	bag_file "$BATS_TEST_TMPDIR/bag.json" '{"labels": json.dumps({"istio.io/dataplane-mode": "ambient"}),
		"mesh_type": "\"istio\"", "note": "x\x00y", "bytes": "a\udcffb", "junk": "z" * (10 << 20)}'
	"$J" set-data "$S" "$MESH" --remote-app --file "$BATS_TEST_TMPDIR/bag.json"
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_success
	run kubesimctl get statefulset "$NS" "$APP"
	assert_output --partial '"istio.io/dataplane-mode": "ambient"'
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook" mesh-type
	assert_success
	assert_output istio
	# an unread key is not worth a warning; nothing was echoed
	run "$J" log "$S"
	refute_output --partial "WARNING"
	refute_output --partial "ERROR"
	[ "$(wc -c < "$S.log")" -lt 100000 ]
}

@test "mesh provider: a label value holding \\u0000 or a lone surrogate is held alone, with a WARNING; a bad mesh_type is unknown" {
	mesh_on_kubesim
	"$J" set-data "$S" "$MESH" --remote-app 'labels={"istio.io/dataplane-mode": "ambient", "a": "x\u0000y", "c": "\udc00"}' 'mesh_type="ist\u0000io"'
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_success
	run kubesimctl get statefulset "$NS" "$APP"
	assert_output --partial '"istio.io/dataplane-mode": "ambient"'
	run "$J" log "$S"
	assert_output --partial "WARNING service-mesh:0: label 'a' from the mesh provider cannot be used (holds a NUL character (\\u0000)): left as it is"
	assert_output --partial "label 'c' from the mesh provider cannot be used (holds a lone surrogate escape): left as it is"
	# a mesh type that was sent but cannot be read is not "none": exit 1, not null
	run --separate-stderr "$J" exec "$S" -- "$CHARM/svcmesh-hook" mesh-type
	assert_failure 1
	assert_output ""
	[[ "$stderr" == *"warning: service-mesh:0: ignoring mesh_type from the mesh provider: holds a NUL character"* ]]
	[[ "$stderr" == *"error: the mesh provider's mesh_type cannot be read"* ]]
}

@test "mesh provider: unknown is not empty: labels it cannot read leave the workload's mesh labels as they are; a readable answer changes them" {
	mesh_on_kubesim
	"$J" set-data "$S" "$MESH" --remote-app 'labels={"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "wp"}'
	"$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	# has_both KIND: the object holds both labels
	has_both() {
		run kubesimctl get "$1" "$NS" "$APP"
		assert_output --partial '"istio.io/dataplane-mode": "ambient"'
		assert_output --partial '"istio.io/use-waypoint": "wp"'
	}
	# escaped NUL in one value, a number as a value: that label held, the other applied
	# a key with a lone surrogate, truncated JSON: nothing known, nothing changed
	for labels in '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "w\u0000p"}' \
		      '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": 5}' \
		      '{"istio.io/dataplane-mode": "ambient", "k\udc00": "v"}' \
		      '{"istio.io/dataplane-mode": "amb'; do
		"$J" set-data "$S" "$MESH" --remote-app "labels=$labels"
		"$J" log "$S" --reset
		kubesimctl clear-requests
		run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
		assert_success
		run kubesim_writes
		assert_output 0
		has_both statefulset
		has_both service
		run "$J" log "$S"
		[ "$(grep -c WARNING <<< "$output")" -eq 1 ]
	done
	# the whole labels value holds a NUL: jujuc cannot read it (kept as ""), not "none sent"
	bag_file "$BATS_TEST_TMPDIR/bag.json" '{"labels": "{\"istio.io/dataplane-mode\": \"ambient\"}\x00"}'
	"$J" set-data "$S" "$MESH" --remote-app --file "$BATS_TEST_TMPDIR/bag.json"
	kubesimctl clear-requests
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_success
	run kubesim_writes
	assert_output 0
	has_both statefulset
	# a readable answer without use-waypoint removes it
	"$J" set-data "$S" "$MESH" --remote-app 'labels={"istio.io/dataplane-mode": "ambient"}'
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_success
	run kubesimctl get statefulset "$NS" "$APP"
	refute_output --partial "use-waypoint"
}

@test "mesh provider: labels whose own value holds a NUL is skipped with a WARNING; the hook succeeds" {
	mesh_on_kubesim
	bag_file "$BATS_TEST_TMPDIR/bag.json" '{"labels": "{\"a\": \"b\"}\x00", "mesh_type": "\"istio\""}'
	"$J" set-data "$S" "$MESH" --remote-app --file "$BATS_TEST_TMPDIR/bag.json"
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_success
	run "$J" log "$S"
	assert_output --partial "WARNING service-mesh:0: relation-get -r service-mesh:0 beacon: skipping key 'labels': its value holds a NUL character"
	run kubesim_writes
	assert_output 0
}

@test "cross-model peer: an unread key holding NUL beside good cmr_data; the mapping is used" {
	MESH=$("$J" add-relation "$S" service-mesh beacon --id 1)
	"$J" add-relation "$S" data alias-a >/dev/null
	CMR=$("$J" add-relation "$S" provide-cmr-mesh alias-a --role provides)
	bag_file "$BATS_TEST_TMPDIR/bag.json" '{"cmr_data": json.dumps({"app_name": "real-a", "juju_model_name": "far"}), "note": "x\x00y", "bytes": "\udcfe"}'
	"$J" set-data "$S" "$CMR" --remote-app --file "$BATS_TEST_TMPDIR/bag.json"
	run "$J" run "$S" provide-cmr-mesh-relation-changed --relation "$CMR"
	assert_success
	run sources
	assert_output "far/real-a"
}

@test "cross-model peer: cmr_data naming '..', '.', or an upper-case app is skipped; the app is in-model" {
	cmr_peers alias-dots alias-dot alias-upper
	# relation ids: data 2,4,6 / provide-cmr-mesh 3,5,7
	"$J" set-data "$S" 3 --remote-app cmr_data='{"app_name": "..", "juju_model_name": ".."}'
	"$J" set-data "$S" 5 --remote-app cmr_data='{"app_name": "a", "juju_model_name": "."}'
	"$J" set-data "$S" 7 --remote-app cmr_data='{"app_name": "Real", "juju_model_name": "far"}'
	run "$J" run "$S" provide-cmr-mesh-relation-changed --relation 3
	assert_success
	run sources
	assert_output "$(printf '%s\n' "$NS/alias-dots" "$NS/alias-dot" "$NS/alias-upper")"
	refute_output --partial '..'
	run "$J" log "$S"
	assert_output --partial "skipping cmr_data of provide-cmr-mesh:3 (alias-dots): cmr_data app_name '..' is not a Juju application name"
	assert_output --partial "skipping cmr_data of provide-cmr-mesh:5 (alias-dot): cmr_data juju_model_name '.' is not a Juju model name"
	assert_output --partial "skipping cmr_data of provide-cmr-mesh:7 (alias-upper): cmr_data app_name 'Real' is not a Juju application name"
}

@test "provider: a consumer's unread key holding NUL never stops mesh-info; a policy holding \\u0000 is skipped alone" {
	provider_two_consumers
	bag_file "$BATS_TEST_TMPDIR/one.json" '{"policies": json.dumps([
		{"source_namespace": "m", "source_app_name": "a", "target_namespace": "m", "target_app_name": "app-one", "target_type": "app", "endpoints": []},
		{"source_namespace": "m", "source_app_name": "b\x00c", "target_namespace": "m", "target_app_name": "app-one", "target_type": "app", "endpoints": []}]),
		"note": "x\x00y"}'
	bag_file "$BATS_TEST_TMPDIR/two.json" '{"policies": json.dumps([
		{"source_namespace": "m", "source_app_name": "d", "target_namespace": "m", "target_app_name": "app-two", "target_type": "app", "endpoints": []}]),
		"note": "\udcff" * 3}'
	"$J" set-data "$S" "$R1" --remote-app --file "$BATS_TEST_TMPDIR/one.json"
	"$J" set-data "$S" "$R2" --remote-app --file "$BATS_TEST_TMPDIR/two.json"
	run --separate-stderr "$J" exec "$S" -- "$CHARM/svcmesh-hook" mesh-info
	assert_success
	run python3 -c 'import json,sys; print(" ".join(p["source_app_name"] for p in json.loads(sys.argv[1])))' "$output"
	assert_output "a d"
	run "$J" log "$S"
	assert_output --partial "skipping policies[1]: source_app_name holds a NUL character"
}

# --- no kernel limit in the data path (issue 15, point 3) ---

@test "400 maximum-length labels (patches well past 128 KiB) reach kubectl through stdin, not argv" {
	mesh_on_kubesim
	# keys of 253 + 1 + 63 characters, values of 63
	bag_file "$BATS_TEST_TMPDIR/bag.json" '{"mesh_type": "\"istio\"", "labels": json.dumps({
		"p%03d.%s.%s.%s.%s/%s" % (i, "a" * 60, "b" * 60, "c" * 60, "e" * 63, "n" * 63): "v" * 63 for i in range(400)})}'
	[ "$(wc -c < "$BATS_TEST_TMPDIR/bag.json")" -gt 131072 ]
	"$J" set-data "$S" "$MESH" --remote-app --file "$BATS_TEST_TMPDIR/bag.json"
	run "$J" run "$S" service-mesh-relation-changed --relation "$MESH"
	assert_success
	refute_output --partial "Argument list too long"
	run kubesimctl get statefulset "$NS" "$APP"
	[ "$(grep -oE '"p[0-9]{3}\.[a-z.]*/n*": "v*"' <<<"$output" | sort -u | wc -l)" -eq 400 ]
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook" plan-labels
	assert_success
	assert_output --partial "StatefulSet $APP (pod template): no change"
	assert_output --partial "Service $APP: no change"
	# and they come off again the same way
	run "$J" run "$S" service-mesh-relation-broken --relation "$MESH"
	assert_success
	run kubesimctl get statefulset "$NS" "$APP"
	refute_output --partial '"p000.'
}

# --- names are Juju names; paths are files (issue 15, point 6) ---

@test "a service-mesh.yaml that is a named pipe or a directory is refused at once (exit 2), never waited on" {
	MESH=$("$J" add-relation "$S" service-mesh beacon)
	mv "$CHARM/service-mesh.yaml" "$BATS_TEST_TMPDIR/real.yaml"
	mkfifo "$CHARM/service-mesh.yaml"
	SECONDS=0
	run timeout 20 "$J" run "$S" leader-elected
	assert_failure 2
	[ "$SECONDS" -lt 10 ]
	run "$J" log "$S"
	assert_output --partial "service-mesh.yaml: not a regular file (a directory, named pipe or device)"
	rm "$CHARM/service-mesh.yaml"
	mkdir "$CHARM/service-mesh.yaml"
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook" policies
	assert_failure 2
	assert_output --partial "service-mesh.yaml: not a regular file"
	run timeout 20 "$J" exec "$S" -- "$CHARM/svcmesh-hook" --config /dev/zero policies
	assert_failure 2
	assert_output --partial "/dev/zero: not a regular file"
}

@test "a relation hook whose JUJU_RELATION_ID is of another endpoint fails, naming both; nothing is written" {
	ln -s ../svcmesh-hook "$CHARM/hooks/require-cmr-mesh-relation-created"
	MESH=$("$J" add-relation "$S" service-mesh beacon)
	CMR=$("$J" add-relation "$S" require-cmr-mesh far-mesh)
	run "$J" exec "$S" -- env JUJU_HOOK_NAME=require-cmr-mesh-relation-created JUJU_DISPATCH_PATH=hooks/require-cmr-mesh-relation-created JUJU_RELATION=require-cmr-mesh \
		JUJU_RELATION_ID="service-mesh:$MESH" JUJU_REMOTE_APP=beacon "$CHARM/svcmesh-hook"
	assert_failure 1
	assert_output --partial "hook require-cmr-mesh-relation-created is for endpoint 'require-cmr-mesh', but JUJU_RELATION_ID is 'service-mesh:$MESH'"
	run "$J" get-key "$S" "$MESH" --local-app cmr_data
	refute_output --partial app_name
	# JUJU_RELATION disagreeing with the hook name is refused the same way
	run "$J" exec "$S" -- env JUJU_HOOK_NAME=require-cmr-mesh-relation-created JUJU_DISPATCH_PATH=hooks/require-cmr-mesh-relation-created JUJU_RELATION=service-mesh \
		JUJU_RELATION_ID="require-cmr-mesh:$CMR" "$CHARM/svcmesh-hook"
	assert_failure 1
	assert_output --partial "but JUJU_RELATION is 'service-mesh'"
	# the right relation works
	run "$J" run "$S" require-cmr-mesh-relation-created --relation "$CMR"
	assert_success
	run "$J" get-key "$S" "$CMR" --local-app cmr_data
	assert_output --partial '"app_name": "victim"'
}

@test "started under a name that is not a Juju hook: an error naming the name and the fix, exit 2, no tool call" {
	cp "$CHARM/svcmesh-hook" "$CHARM/svcmesh-hook.real"
	"$J" calls "$S" --reset
	run "$J" exec "$S" -- "$CHARM/svcmesh-hook.real" policies
	assert_failure 2
	assert_output --partial "started as 'svcmesh-hook.real', which is not a Juju hook name"
	assert_output --partial "svcmesh-hook link-hooks"
	ln -s ../svcmesh-hook "$CHARM/hooks/not-a-hook"
	run "$J" run "$S" not-a-hook
	assert_failure 2
	assert_output --partial "started as 'not-a-hook'"
	[ "$(tool_count)" -eq 0 ]
	# a Juju hook svcmesh-hook has nothing to do for still exits 0 at once
	for h in install update-status db-relation-joined web-pebble-ready data-storage-attached secret-rotate; do
		ln -s ../svcmesh-hook "$CHARM/hooks/$h"
		run "$J" exec "$S" -- "$CHARM/hooks/$h"
		assert_success
	done
	[ "$(tool_count)" -eq 0 ]
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
