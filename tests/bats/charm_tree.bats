#!/usr/bin/env bats
# The packed charm: tools/charm-tree (make charm-tree) lays out what `charmcraft
# pack` of charm-skeleton/ would put in the .charm; this file deploys that tree in
# Juju's real hook environment (jujusim --juju-env, kubectl in-cluster over HTTPS
# with a checked service-account token) and checks that every file the hooks need
# is in it.

load assertions
load '../kubesim/kubesim.bash'
load helpers

bats_require_minimum_version 1.5.0

NS=test-model
APP=mesh-skeleton
LABELS='{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "beacon-waypoint"}'

setup_file() {
	TREE="$BATS_FILE_TMPDIR/tree"
	export TREE
	# the machine's real kubectl stands in for the kubectl snap at bin/kubectl
	"$REPO_ROOT/tools/charm-tree" --project "$REPO_ROOT/charm-skeleton" --source "$REPO_ROOT" \
		--kubectl "$(readlink -f "$(command -v kubectl)")" --out "$TREE" > "$BATS_FILE_TMPDIR/files.json"
}

setup() {
	[[ $(id -u) = 0 ]] || skip "needs root for a private mount namespace"
	CHARM="$BATS_TEST_TMPDIR/charm"
	S="$BATS_TEST_TMPDIR/state.json"
	cp -a "$TREE" "$CHARM"
	"$J" init "$S" --app "$APP" --model "$NS" --charm-dir "$CHARM" >/dev/null
	juju_model "$APP" "$NS"
}

teardown() {
	kubesim_stop
}

# relate to a mesh provider that sends its labels, then unrelate
relate_and_unrelate() {
	local rel
	rel=$("$J" add-relation "$S" service-mesh beacon) || return 1
	"$J" set-data "$S" "$rel" --remote-app "labels=$LABELS" mesh_type='"istio"'
	"$J" run "$S" service-mesh-relation-created || return 1
	"$J" run "$S" service-mesh-relation-changed || return 1
	[[ $(sts_labels) == *'"istio.io/use-waypoint":"beacon-waypoint"'* ]] || { echo "no labels: $(sts_labels)"; return 1; }
	[[ $(svc_labels) == *'"istio.io/dataplane-mode":"ambient"'* ]] || { echo "no Service labels: $(svc_labels)"; return 1; }
	"$J" run "$S" service-mesh-relation-broken || return 1
	[[ $(sts_labels) == '{"app.kubernetes.io/name":"mesh-skeleton"}' ]] || { echo "labels left: $(sts_labels)"; return 1; }
}

@test "charm tree: exactly the files charmcraft pack would put in the charm" {
	run jq -r '.files[]' "$BATS_FILE_TMPDIR/files.json"
	assert_output "$(printf '%s\n' bin bin/kubectl hooks \
		hooks/data-relation-broken hooks/data-relation-created hooks/leader-elected \
		hooks/metrics-relation-broken hooks/metrics-relation-created \
		hooks/provide-cmr-mesh-relation-changed hooks/require-cmr-mesh-relation-created \
		hooks/service-mesh-relation-broken hooks/service-mesh-relation-changed \
		hooks/service-mesh-relation-created hooks/upgrade-charm \
		lib "lib/$(cd "$TREE/lib" && ls -1 | sed -n 1p)" "lib/$(cd "$TREE/lib" && ls -1 | sed -n 2p)" \
		manifest.yaml metadata.yaml service-mesh.yaml svcmesh-hook)"
	# the library is the one beside the binary ($ORIGIN/lib rpath); cJSON is the tests' alone
	run ldd "$TREE/svcmesh-hook"
	assert_line --regexp "libyaml-0\.so\.2 => $TREE/lib/libyaml-0\.so\.2 "
	refute_line --partial libcjson
	# the config is valid against the generated metadata.yaml (no charmcraft.yaml in a packed charm)
	[[ ! -e "$TREE/charmcraft.yaml" ]]
	run "$TREE/svcmesh-hook" check-config "$TREE"
	assert_success
	# hooks/ has exactly the hooks the config needs
	run "$TREE/svcmesh-hook" --config "$TREE/service-mesh.yaml" list-hooks
	assert_equal "$(sort <<< "$output")" "$(cd "$TREE/hooks" && ls -1 | sort)"
}

@test "charm tree: deployed in Juju's hook environment, it auto-joins through its own bin/kubectl over HTTPS with the token, and unrelates" {
	run relate_and_unrelate
	assert_success
	# only the service account's token was used, and kubectl wrote nothing into the charm
	run kubesim_users
	assert_output "system:serviceaccount:$NS:$APP"
	run diff <(cd "$TREE" && find . | sort) <(cd "$CHARM" && find . | sort | grep -v -x ./.svcmesh-hook-apps)
	assert_success
}

@test "charm tree: every file the hooks need is needed (removing one breaks relate/unrelate)" {
	for f in svcmesh-hook bin/kubectl service-mesh.yaml \
		hooks/service-mesh-relation-changed hooks/service-mesh-relation-broken; do
		rm -rf "$CHARM"
		cp -a "$TREE" "$CHARM"
		rm "$CHARM/$f"
		kubesim_seed_charm "$APP" "$NS"
		"$J" init "$S" --app "$APP" --model "$NS" --charm-dir "$CHARM" >/dev/null
		run relate_and_unrelate
		assert_failure
		echo "without $f: $output" | head -3
	done
	# the library: this machine has it in /usr/lib, the charm-base image has not;
	# hide the system's copy (in a private mount namespace) to see lib/ is used
	hide=""
	for l in libyaml-0.so.2; do
		hide+="mount --bind /dev/null $(readlink -f "$(ldconfig -p | awk -v l="$l" '$1 == l {print $NF; exit}')") && "
	done
	run unshare -m --propagation private sh -c "$hide $TREE/svcmesh-hook --version"
	assert_success
	for l in libyaml-0.so.2; do
		rm -rf "$CHARM"
		cp -a "$TREE" "$CHARM"
		rm "$CHARM/lib/$l"
		run -127 unshare -m --propagation private sh -c "$hide $CHARM/svcmesh-hook --version"
		assert_output --partial "$l"
	done
	# and the whole tree works (the loop above is not failing for another reason)
	rm -rf "$CHARM"
	cp -a "$TREE" "$CHARM"
	kubesim_seed_charm "$APP" "$NS"
	"$J" init "$S" --app "$APP" --model "$NS" --charm-dir "$CHARM" >/dev/null
	run relate_and_unrelate
	assert_success
}

@test "charm tree: charmcraft.yaml is checked (keys, platforms, assumes, sources, two parts staging one path)" {
	run "$REPO_ROOT/tools/charm-tree" --check-only --project "$REPO_ROOT/charm-skeleton" --source "$REPO_ROOT" --kubectl /bin/true --out /nonexistent
	assert_success
	P="$BATS_TEST_TMPDIR/project"
	cp -a "$REPO_ROOT/charm-skeleton" "$P"
	python3 - "$P/charmcraft.yaml" <<-'PY'
	import sys, yaml
	p = yaml.safe_load(open(sys.argv[1]))
	del p["assumes"]
	p["platforms"] = {"x86": None}
	p["parts"]["svcmesh-hook"]["source"] = "../svcmesh-hook"
	p["parts"]["kubectl"]["stage-snap"] = ["kubectl"]
	yaml.safe_dump(p, open(sys.argv[1], "w"))
	PY
	run "$REPO_ROOT/tools/charm-tree" --check-only --project "$P" --source "$REPO_ROOT" --kubectl /bin/true --out /nonexistent
	assert_failure 1
	assert_line "charm-tree: charmcraft.yaml: platform 'x86' in shorthand notation must be an architecture (amd64, arm64, armhf, ppc64el, riscv64, s390x)"
	assert_line "charm-tree: charmcraft.yaml: a Kubernetes charm (containers) that edits Kubernetes objects should have assumes: [k8s-api]"
	assert_line "charm-tree: parts.kubectl: unknown part property 'stage-snap'"
	assert_line "charm-tree: parts.svcmesh-hook.source: '../svcmesh-hook' is outside the project directory, which is all a charmcraft build instance sees"
	# without its stage filter the charm part would stage a svcmesh-hook lying in the project
	cp -a "$REPO_ROOT/charm-skeleton/charmcraft.yaml" "$P/charmcraft.yaml"
	sed -i '/^  charm:/,$ { /^    stage:/d }' "$P/charmcraft.yaml"
	printf 'not the binary\n' > "$P/svcmesh-hook"
	run "$REPO_ROOT/tools/charm-tree" --project "$P" --source "$REPO_ROOT" --kubectl "$(readlink -f "$(command -v kubectl)")" --out "$BATS_TEST_TMPDIR/t"
	assert_failure 1
	assert_line "charm-tree: parts 'svcmesh-hook' and 'charm' both stage 'svcmesh-hook' with different contents"
}

@test "adopting: link-hooks in a charm with its own dispatch says that Juju runs dispatch, and how to call svcmesh-hook from it" {
	rm -rf "$CHARM/hooks"
	printf '#!/bin/sh\n./src/charm.py\n' > "$CHARM/dispatch"
	chmod 755 "$CHARM/dispatch"
	run --separate-stderr "$CHARM/svcmesh-hook" link-hooks "$CHARM"
	assert_success
	assert_equal "$stderr" 'svcmesh-hook: warning: this charm has a dispatch script, which Juju runs instead of hooks/: call svcmesh-hook from it (a line "$JUJU_CHARM_DIR/svcmesh-hook" || exit $? after the charm'"'"'s own work)'
	# following the advice: the charm's dispatch hands over, and the hook does its work
	printf '#!/bin/sh\necho own work\n"$JUJU_CHARM_DIR/svcmesh-hook" || exit $?\n' > "$CHARM/dispatch"
	rel=$("$J" add-relation "$S" service-mesh beacon)
	"$J" set-data "$S" "$rel" --remote-app "labels=$LABELS"
	run "$J" run "$S" service-mesh-relation-changed
	assert_success
	assert_line "own work"
	[[ $(sts_labels) == *'"istio.io/use-waypoint":"beacon-waypoint"'* ]]
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
