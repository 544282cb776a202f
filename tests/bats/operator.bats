#!/usr/bin/env bats
# Operator and charm-author commands: check-config, link-hooks, status,
# --verbose. Runs $SVCMESH_BIN (default build/svcmesh-hook) under the
# jujusim hook-tool simulator and, for auto-join labels, kubesim. Hooks and
# `juju exec` run in Juju's environment (JUJUSIM_ENV=juju); an operator's
# SVCMESH_* override is given to `juju exec` explicitly ($XENV); with
# kubesim, kubectl is the charm's bin/kubectl, in-cluster over HTTPS with
# the service-account token (juju_model).

load assertions
load helpers   # juju_model, ship_kubectl

bats_require_minimum_version 1.5.0

setup() {
    ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    BIN="${SVCMESH_BIN:-$ROOT/build/svcmesh-hook}"
    [[ "$BIN" = /* ]] || BIN="$ROOT/$BIN"
    J="$ROOT/tests/jujusim/jujusim"
    S="$BATS_TEST_TMPDIR/state.json"
    CHARM="$BATS_TEST_TMPDIR/charm"
    # a copy of the skeleton without its hooks, with the binary at its root
    mkdir -p "$CHARM"
    cp "$ROOT/charm-skeleton/charmcraft.yaml" "$ROOT/charm-skeleton/service-mesh.yaml" "$CHARM/"
    cp "$BIN" "$CHARM/svcmesh-hook"
    unset JUJU_CHARM_DIR CHARM_DIR SVCMESH_CONFIG JUJU_CONTEXT_ID
    # hooks and juju exec run in Juju's environment: no HOME, KUBECONFIG or
    # SVCMESH_* from here; XENV: what the operator passes to juju exec
    export JUJUSIM_ENV=juju
    XENV=()
}

teardown() {
    if [[ -n "${KUBESIM_STATE_DIR:-}" ]]; then
        kubesim_stop
    fi
}

# the hook names the skeleton's config needs, in table order
skeleton_hooks() {
    cat <<'EOF'
service-mesh-relation-created
service-mesh-relation-changed
service-mesh-relation-broken
require-cmr-mesh-relation-created
provide-cmr-mesh-relation-changed
data-relation-created
metrics-relation-created
data-relation-broken
metrics-relation-broken
upgrade-charm
leader-elected
EOF
}

# ------------------------------------------------------------ check-config

@test "check-config: the skeleton is clean (exit 0, one line)" {
    run "$BIN" check-config "$ROOT/charm-skeleton"
    assert_success
    assert_output "$ROOT/charm-skeleton: service-mesh.yaml and charmcraft.yaml agree"
}

@test "check-config: CHARM_DIR defaults to \$JUJU_CHARM_DIR, else ." {
    "$BIN" link-hooks "$CHARM" >/dev/null
    JUJU_CHARM_DIR="$CHARM" run "$BIN" check-config
    assert_success
    assert_output "$CHARM: service-mesh.yaml and charmcraft.yaml agree"
    cd "$CHARM"
    run "$BIN" check-config
    assert_success
    assert_output ".: service-mesh.yaml and charmcraft.yaml agree"
}

@test "check-config: every kind of finding, as FILE:LINE:COL lines, exit 2" {
    cat > "$CHARM/service-mesh.yaml" <<'EOF'
consumer:
  mesh-relation: mesh
  cross-model-mesh-provides: cmr-in
  policies:
    - relation: data
      endpoints: []
    - relation: nope
      type: unit
provider:
  mesh-type: istio
  labels: {a: b}
EOF
    cat > "$CHARM/metadata.yaml" <<'EOF'
name: broken
requires:
  mesh:
    interface: http
  service-mesh:
    interface: service_mesh
provides:
  data: {interface: http}
  cmr-in: {limit: 1}
peers:
  data: {interface: x}
EOF
    touch "$CHARM/dispatch"
    run "$BIN" check-config "$CHARM"
    assert_failure 2
    assert_output - <<EOF
$CHARM/metadata.yaml:11:3: peers.data: endpoint 'data' is also declared under provides (8:3)
$CHARM/service-mesh.yaml:7:17: consumer.policies[1].relation: no endpoint 'nope' in $CHARM/metadata.yaml (requires, provides or peers)
$CHARM/metadata.yaml:4:16: requires.mesh.interface: 'http' is not service_mesh (the consumer's mesh endpoint)
$CHARM/service-mesh.yaml:1:1: consumer.cross-model-mesh-requires (default): no endpoint 'require-cmr-mesh' in $CHARM/metadata.yaml: declare it under requires with interface cross_model_mesh
$CHARM/metadata.yaml:9:3: provides.cmr-in: no interface; the consumer's cross-model-mesh-provides endpoint needs interface cross_model_mesh
$CHARM/metadata.yaml:5:3: requires.service-mesh: the provider's mesh endpoint must be under provides, not requires
EOF
}

@test "check-config: an invalid service-mesh.yaml gives its FILE:LINE:COL lines, exit 2" {
    printf 'consumer:\n  auto-join: maybe\n' > "$CHARM/service-mesh.yaml"
    run "$BIN" check-config "$CHARM"
    assert_failure 2
    assert_output --regexp "^$CHARM/service-mesh.yaml:2:14: consumer.auto-join: "
}

@test "check-config: a missing endpoint of the consumer mesh relation points at service-mesh.yaml" {
    sed -i 's/^  service-mesh:$/  other-mesh:/' "$CHARM/charmcraft.yaml"
    touch "$CHARM/dispatch"
    run "$BIN" check-config "$CHARM"
    assert_failure 2
    assert_output "$CHARM/service-mesh.yaml:5:18: consumer.mesh-relation: no endpoint 'service-mesh' in $CHARM/charmcraft.yaml: declare it under requires with interface service_mesh"
}

@test "check-config: a missing hook is a warning, not an error; dispatch silences it" {
    "$BIN" link-hooks "$CHARM" >/dev/null
    rm "$CHARM/hooks/upgrade-charm"
    run "$BIN" check-config "$CHARM"
    assert_success
    assert_output - <<EOF
$CHARM/hooks/upgrade-charm: warning: missing (and no dispatch file): Juju will not run svcmesh-hook for this event (svcmesh-hook link-hooks creates it)
$CHARM: service-mesh.yaml and charmcraft.yaml agree (1 warning)
EOF
    touch "$CHARM/dispatch"
    run "$BIN" check-config "$CHARM"
    assert_success
    assert_output "$CHARM: service-mesh.yaml and charmcraft.yaml agree"
}

@test "check-config: newcomer mistakes (empty file, typo, client-side policy, dangling hooks), each said once" {
    "$BIN" link-hooks "$CHARM" >/dev/null
    : > "$CHARM/service-mesh.yaml"
    run "$BIN" check-config "$CHARM"
    assert_failure 2
    assert_output "$CHARM/service-mesh.yaml: no consumer or provider section: svcmesh-hook would do nothing for this charm (see README.md, \"Config reference\")"
    # a typo: one error with the closest endpoint, no "missing hook" warnings for it
    sed 's/relation: data/relation: dat/' "$ROOT/charm-skeleton/service-mesh.yaml" > "$CHARM/service-mesh.yaml"
    run "$BIN" check-config "$CHARM"
    assert_failure 2
    assert_output "$CHARM/service-mesh.yaml:11:17: consumer.policies[0].relation: no endpoint 'dat' in $CHARM/charmcraft.yaml: did you mean 'data'?"
    # a policy on an endpoint the charm requires: a warning, exit 0
    sed 's/relation: data/relation: require-cmr-mesh/' "$ROOT/charm-skeleton/service-mesh.yaml" > "$CHARM/service-mesh.yaml"
    run "$BIN" check-config "$CHARM"
    assert_failure 2
    assert_output --partial "'require-cmr-mesh' is the cross-model mesh endpoint"
    cp "$ROOT/charm-skeleton/service-mesh.yaml" "$CHARM/service-mesh.yaml"
    cat > "$CHARM/metadata.yaml" <<'EOF'
name: client-side
requires:
  service-mesh: {interface: service_mesh}
  require-cmr-mesh: {interface: cross_model_mesh}
  data: {interface: http}
provides:
  provide-cmr-mesh: {interface: cross_model_mesh}
  metrics: {interface: prometheus_scrape}
EOF
    run "$BIN" check-config "$CHARM"
    assert_success
    assert_line "$CHARM/service-mesh.yaml:11:17: warning: consumer.policies[0].relation: 'data' is under requires: this charm is the client there and calls the related application, which needs no policy to answer; keep it only if that application also opens connections to this charm"
    assert_line "$CHARM: service-mesh.yaml and metadata.yaml agree (1 warning)"
    rm "$CHARM/metadata.yaml"
    # hooks pointing at a binary that is not there (no charmcraft part builds it here)
    cp "$ROOT/charm-skeleton/charmcraft.yaml" "$CHARM/charmcraft.yaml"
    sed -i '/^parts:/,$d' "$CHARM/charmcraft.yaml"
    rm "$CHARM/svcmesh-hook"
    run "$BIN" check-config "$CHARM"
    assert_failure 2
    assert_output "$CHARM/hooks/service-mesh-relation-created: a symlink to '../svcmesh-hook' (as are 10 more hooks), which does not exist: Juju cannot run them (put the svcmesh-hook binary there, or build it there in a charmcraft part)"
}

@test "check-config: bad arguments exit 2" {
    run "$BIN" check-config --bogus
    assert_failure 2
    run "$BIN" check-config a b
    assert_failure 2
}

# -------------------------------------------------------------- link-hooks

@test "link-hooks: creates exactly the hooks list-hooks names, as ../svcmesh-hook links" {
    run "$BIN" link-hooks "$CHARM"
    assert_success
    assert_output "$(skeleton_hooks | sed 's|^|created hooks/|')"
    run "$BIN" --config "$CHARM/service-mesh.yaml" list-hooks
    assert_output "$(skeleton_hooks)"
    [ "$(ls "$CHARM/hooks")" = "$(skeleton_hooks | sort)" ]
    for h in $(skeleton_hooks); do
        [ "$(readlink "$CHARM/hooks/$h")" = "../svcmesh-hook" ]
    done
    # the links work: Juju running hooks/upgrade-charm runs svcmesh-hook
    "$J" init "$S" --app consumer --charm-dir "$CHARM" >/dev/null
    run "$J" run "$S" upgrade-charm
    assert_success
    run "$J" calls "$S" --tool is-leader --count
    assert_output "1"
}

@test "link-hooks: idempotent (second run: all ok, nothing changed)" {
    "$BIN" link-hooks "$CHARM" >/dev/null
    before="$(ls -l --time-style=full-iso "$CHARM/hooks")"
    run "$BIN" link-hooks "$CHARM"
    assert_success
    assert_output "$(skeleton_hooks | sed 's|^|ok hooks/|')"
    [ "$(ls -l --time-style=full-iso "$CHARM/hooks")" = "$before" ]
}

@test "link-hooks --dry-run writes nothing" {
    run "$BIN" link-hooks --dry-run "$CHARM"
    assert_success
    assert_output "$(skeleton_hooks | sed 's|^|would create hooks/|')"
    [ ! -e "$CHARM/hooks" ]
}

@test "link-hooks: refuses to overwrite (exit 1), --force replaces, other hooks are kept" {
    mkdir "$CHARM/hooks"
    printf '#!/bin/sh\necho mine\n' > "$CHARM/hooks/upgrade-charm"
    ln -s ../elsewhere "$CHARM/hooks/leader-elected"
    ln -s ../svcmesh-hook "$CHARM/hooks/install"
    run "$BIN" link-hooks "$CHARM"
    assert_failure 1
    assert_line 'conflict hooks/upgrade-charm: a regular file, not to ../svcmesh-hook: keep it and make its last line exec "$JUJU_CHARM_DIR/svcmesh-hook" (or use --force to replace it)'
    assert_line 'conflict hooks/leader-elected: a symlink to ../elsewhere, not to ../svcmesh-hook: keep it and make its last line exec "$JUJU_CHARM_DIR/svcmesh-hook" (or use --force to replace it)'
    assert_line "created hooks/data-relation-created"
    assert_line --partial '2 hooks are in the way: nothing was overwritten; end each with exec "$JUJU_CHARM_DIR/svcmesh-hook" (it takes the hook name from JUJU_DISPATCH_PATH), or use --force to replace them'
    # the advice works: the charm's own hook, ending with that line, runs svcmesh-hook
    printf '#!/bin/sh
echo mine
exec "$JUJU_CHARM_DIR/svcmesh-hook"
' > "$CHARM/hooks/upgrade-charm"
    chmod 755 "$CHARM/hooks/upgrade-charm"
    "$J" init "$BATS_TEST_TMPDIR/adopt.json" --app consumer --charm-dir "$CHARM" >/dev/null
    run "$J" run "$BATS_TEST_TMPDIR/adopt.json" upgrade-charm
    assert_success
    assert_line mine
    [ "$("$J" calls "$BATS_TEST_TMPDIR/adopt.json" --tool is-leader --count)" -ge 1 ]
    printf '#!/bin/sh
echo mine
' > "$CHARM/hooks/upgrade-charm"
    [ "$(cat "$CHARM/hooks/upgrade-charm")" = "$(printf '#!/bin/sh\necho mine')" ]
    [ "$(readlink "$CHARM/hooks/leader-elected")" = "../elsewhere" ]
    run "$BIN" link-hooks --force "$CHARM"
    assert_success
    assert_line "replaced hooks/upgrade-charm (was a regular file)"
    assert_line "replaced hooks/leader-elected (was a symlink to ../elsewhere)"
    [ "$(readlink "$CHARM/hooks/upgrade-charm")" = "../svcmesh-hook" ]
    [ -L "$CHARM/hooks/install" ]
}

@test "link-hooks --target PATH sets the link text; default dir is \$JUJU_CHARM_DIR" {
    JUJU_CHARM_DIR="$CHARM" run "$BIN" link-hooks --target=../bin/svcmesh-hook
    assert_success
    [ "$(readlink "$CHARM/hooks/leader-elected")" = "../bin/svcmesh-hook" ]
    run "$BIN" link-hooks --target ../bin/svcmesh-hook "$CHARM"
    assert_success
    assert_line "ok hooks/leader-elected"
}

# ------------------------------------------------------------------ status

# a consumer with a mesh relation, a cross-model peer and a policy relation
consumer_state() {
    "$J" init "$S" --app consumer --charm-dir "$CHARM" "$@" >/dev/null
    "$J" add-relation "$S" service-mesh istio-beacon >/dev/null               # 0
    "$J" add-relation "$S" data client >/dev/null                             # 1
    "$J" add-relation "$S" provide-cmr-mesh client --role provides >/dev/null # 2
    "$J" set-data "$S" 2 --remote-app 'cmr_data={"app_name": "real-client", "juju_model_name": "other"}'
    "$J" set-data "$S" 0 --remote-app 'labels={"istio.io/dataplane-mode": "ambient"}' 'mesh_type="istio"'
}

@test "status (leader): relations, CMR mapping, policies published or not, provider data" {
    consumer_state
    XENV=(--env SVCMESH_KUBECTL=/bin/false)
    run "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "roles:  consumer"
    assert_line "leader: yes"
    assert_line "  mesh relation:  service-mesh:0 -> istio-beacon"
    assert_line "    provide-cmr-mesh:2: client is real-client in model other"
    assert_line "    data:1 -> client (cross-model: real-client in model other)"
    assert_line "  policies:       1 computed (from 2 declared)"
    assert_line "    service-mesh:0: published: not published"
    assert_line "  provider sent:  mesh type istio; labels istio.io/dataplane-mode=ambient"
    assert_line "    wanted: istio.io/dataplane-mode=ambient"
    # kubectl failing is shown in its section, not fatal
    assert_line --regexp '^    error: .*failed \(exit status 1\)'
    "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" update >/dev/null
    run "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "    service-mesh:0: published: in sync"
    "$J" set-data "$S" 0 --local-app 'policies=[]'
    run "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_line "    service-mesh:0: published: out of sync"
    # status writes nothing
    run "$J" calls "$S" --tool relation-set --count
    assert_output "1"
}

@test "status: where the remote applications came from (remembered or asked now)" {
    consumer_state
    XENV=(--env SVCMESH_KUBECTL=/bin/false)
    run "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    # service-mesh:0, data:1, provide-cmr-mesh:2: all asked the first time
    assert_line "remote apps: 0 remembered in $CHARM/.svcmesh-hook-apps, 3 asked now (settings.remember-apps: false asks for all)"
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status -o json
    assert_success
    run python3 -c 'import json, sys; print(json.loads(sys.argv[1])["remote_apps"])' "$output"
    assert_output "{'remembered': 3, 'asked': 0, 'memo': '$CHARM/.svcmesh-hook-apps'}"
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" --env SVCMESH_REMEMBER=0 -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "remote apps: 3 asked now (none remembered: settings.remember-apps is false or SVCMESH_REMEMBER=0)"
    # the charm's own setting, and a value that is not a boolean: a warning, never silently the default
    printf 'settings:\n  remember-apps: false\n' >> "$CHARM/service-mesh.yaml"
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "remote apps: 3 asked now (none remembered: settings.remember-apps is false or SVCMESH_REMEMBER=0)"
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" --env SVCMESH_REMEMBER=no -- "$CHARM/svcmesh-hook" status
    assert_success
    [[ "$stderr" == *"svcmesh-hook: warning: SVCMESH_REMEMBER='no' is not 0, 1, true or false; ignoring it and using settings.remember-apps or true"* ]]
    assert_line "remote apps: 3 asked now (none remembered: settings.remember-apps is false or SVCMESH_REMEMBER=0)"
}

@test "status (non-leader): published is unknown, no permission error, exit 0" {
    consumer_state --no-leader
    XENV=(--env SVCMESH_KUBECTL=/bin/false)
    run "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "leader: no"
    assert_line "    service-mesh:0: published: unknown (only the leader can read it)"
    refute_output --partial "permission denied"
    # it never asked for its own app databag
    run "$J" calls "$S" --tool relation-get
    refute_output --partial '"consumer"'
}

@test "status --output json: the same facts as one JSON object" {
    consumer_state
    XENV=(--env SVCMESH_KUBECTL=/bin/false)
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status --output json
    assert_success
    [ "${#lines[@]}" -eq 1 ]
    run python3 -c '
import json, sys
d = json.loads(sys.argv[1])
c = d["consumer"]
print(d["unit"], d["model"], d["roles"], d["leader"])
print(c["mesh_relations"])
print(c["relations"])
print(c["policies"])
print(c["provider_data"])
print(c["auto_join"]["wanted"], "failed (exit status 1)" in c["auto_join"]["error"])
print(d["provider"])' "$output"
    assert_success
    assert_output - <<'EOF'
consumer/0 test-model ['consumer'] True
[{'id': 'service-mesh:0', 'remote_app': 'istio-beacon'}]
[{'id': 'data:1', 'endpoint': 'data', 'remote_app': 'client', 'cross_model': {'app_name': 'real-client', 'juju_model_name': 'other'}}]
{'computed': 1, 'published': [{'relation': 'service-mesh:0', 'state': 'not published'}]}
{'mesh_type': 'istio', 'labels': {'istio.io/dataplane-mode': 'ambient'}}
{'istio.io/dataplane-mode': 'ambient'} True
None
EOF
    "$J" set-leader "$S" false
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status --output=json
    assert_success
    run python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["leader"], d["consumer"]["policies"]["published"])' "$output"
    assert_output "False [{'relation': 'service-mesh:0', 'state': 'unknown'}]"
}

@test "status: auto-join labels wanted vs present on the StatefulSet and Service (kubesim)" {
    load "$ROOT/tests/kubesim/kubesim.bash"
    juju_model consumer test-model
    ship_kubectl
    consumer_state
    run "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "    StatefulSet consumer (pod template): out of sync (needs: set istio.io/dataplane-mode=ambient)"
    assert_line "    Service consumer: out of sync (needs: set istio.io/dataplane-mode=ambient)"
    assert_line "    ConfigMap juju-service-mesh-consumer-labels: absent (out of date: the next reconcile records the wanted labels)"
    [ "$(kubesim_writes)" -eq 0 ]
    "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" reconcile-labels
    run "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "    StatefulSet consumer (pod template): in sync"
    assert_line "    Service consumer: in sync"
    assert_line "    ConfigMap juju-service-mesh-consumer-labels: records istio.io/dataplane-mode=ambient"
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status -o json
    run python3 -c 'import json, sys; a = json.loads(sys.argv[1])["consumer"]["auto_join"]; print(a["statefulset"]["in_sync"], a["service"]["present"]["istio.io/dataplane-mode"], a["statefulset"]["annotation"], a["configmap_in_sync"], a["error"])' "$output"
    assert_output "True ambient {'istio.io/dataplane-mode': 'ambient'} True None"
    # an annotation someone edited: the labels are right, the record is not
    kubectl -n test-model annotate service consumer --overwrite 'svcmesh-hook/labels={}' >/dev/null
    kubectl -n test-model annotate statefulset consumer --overwrite 'svcmesh-hook/labels=junk' >/dev/null
    run "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_line "    Service consumer: labels in sync; annotation svcmesh-hook/labels out of date"
    assert_line "    StatefulSet consumer (pod template): labels in sync; annotation svcmesh-hook/labels unreadable"
}

@test "juju debug-log: one record per fact, Juju's relation prefix once, WARNING for what a successful hook survived" {
    load "$ROOT/tests/kubesim/kubesim.bash"
    juju_model consumer test-model
    ship_kubectl
    "$BIN" link-hooks "$CHARM" >/dev/null
    consumer_state
    "$J" set-data "$S" 0 --remote-app 'labels={"istio.io/dataplane-mode": "ambient", "app.kubernetes.io/name": "evil", "Bad Key": "v"}'
    run "$J" run "$S" service-mesh-relation-changed --relation 0
    assert_success
    # in a hook, warnings go to juju-log, not to the hook's stderr (Juju logs that too)
    assert_output ""
    run bash -c '"$1" log "$2" --debug-log | sed -E "s/ [0-9]{2}:[0-9]{2}:[0-9]{2} / HH:MM:SS /"' _ "$J" "$S"
    assert_output - <<'EOF'
unit-consumer-0: HH:MM:SS WARNING unit.consumer/0.juju-log service-mesh:0: label 'Bad Key' from the mesh provider cannot be used (name part may contain only alphanumerics, '-', '_' and '.'): left as it is
unit-consumer-0: HH:MM:SS WARNING unit.consumer/0.juju-log service-mesh:0: refusing mesh label app.kubernetes.io/name: it is a reserved key
unit-consumer-0: HH:MM:SS INFO unit.consumer/0.juju-log service-mesh:0: statefulset/consumer: patched {"spec": {"template": {"metadata": {"labels": {"istio.io/dataplane-mode": "ambient"}}}}, "metadata": {"annotations": {"svcmesh-hook/labels": "{\"istio.io/dataplane-mode\": \"ambient\"}", "svcmesh-hook/configmap-version": ""}}}
unit-consumer-0: HH:MM:SS INFO unit.consumer/0.juju-log service-mesh:0: service/consumer: patched {"metadata": {"labels": {"istio.io/dataplane-mode": "ambient"}, "annotations": {"svcmesh-hook/labels": "{\"istio.io/dataplane-mode\": \"ambient\"}", "svcmesh-hook/configmap-version": ""}}}
unit-consumer-0: HH:MM:SS INFO unit.consumer/0.juju-log service-mesh:0: ConfigMap juju-service-mesh-consumer-labels: recorded labels {"istio.io/dataplane-mode": "ambient"}
EOF
    # the operator's view of the same: every label not applied, and why
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "    not applied (refused): app.kubernetes.io/name: it is a reserved key"
    assert_line "    not applied (invalid; a label of ours with this key is left as it is): 'Bad Key': name part may contain only alphanumerics, '-', '_' and '.'"
    # interactively the skipped entry reaches the person, as a warning
    [[ "$stderr" == *"svcmesh-hook: warning: service-mesh:0: label 'Bad Key' from the mesh provider cannot be used"* ]]
    # plan-labels exits 0: the refusal is a warning there, never "error:"
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" plan-labels
    assert_success
    assert_line "refused label app.kubernetes.io/name: it is a reserved key"
    assert_line "mesh labels already in place (1 on StatefulSet consumer and Service consumer)"
    [[ "$stderr" == *"svcmesh-hook: warning: refusing mesh label app.kubernetes.io/name: it is a reserved key"* ]]
    [[ "$stderr" != *"error:"* ]]
    # a failing hook: ERROR in debug-log and the reason on stderr
    "$J" log "$S" --reset
    printf 'settings:\n  kubectl: /bin/false\n' >> "$CHARM/service-mesh.yaml"
    run "$J" run "$S" service-mesh-relation-changed --relation 0
    assert_failure 1
    assert_line --regexp '^svcmesh-hook: error: .*failed \(exit status 1\)'
    run "$J" log "$S"
    assert_line --regexp '^ERROR .*failed \(exit status 1\)'
    refute_line --regexp '^WARNING refusing'   # nothing was refused: kubectl failed first
}

@test "status: a label holding bad text is listed as not applied, by the consumer's own rule" {
    consumer_state
    XENV=(--env SVCMESH_KUBECTL=/bin/false)
    "$J" set-data "$S" 0 --remote-app 'labels={"istio.io/dataplane-mode": "ambient", "c": "\udc00", "b": "x\u0000"}'
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "  provider sent:  mesh type istio; labels istio.io/dataplane-mode=ambient"
    assert_line "    not applied (invalid; a label of ours with this key is left as it is): 'c': holds a lone surrogate escape"
    assert_line --regexp "^    not applied \(invalid; .*\): 'b': holds a NUL character"
    [[ "$stderr" == *"warning: service-mesh:0: label 'c' from the mesh provider cannot be used (holds a lone surrogate escape): left as it is"* ]]
    # a key that cannot be read could be any label: the whole answer is unknown
    "$J" set-data "$S" 0 --remote-app 'labels={"istio.io/dataplane-mode": "ambient", "b\u0000": "1"}'
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "  auto-join labels: the provider's labels are unreadable; labels are left as they are"
}

@test "status: provider role lists mesh relations and the policies they sent" {
    printf 'provider:\n  mesh-type: istio\n  labels:\n    istio.io/dataplane-mode: ambient\n' > "$CHARM/service-mesh.yaml"
    "$J" init "$S" --app beacon --charm-dir "$CHARM" >/dev/null
    "$J" add-relation "$S" service-mesh app1 --role provides >/dev/null
    "$J" add-relation "$S" service-mesh app2 --role provides >/dev/null
    "$J" set-data "$S" 0 --remote-app 'policies=[{"source_namespace": "m", "source_app_name": "app1", "target_namespace": "m", "target_app_name": "beacon", "target_selector_labels": null, "target_service": null, "target_type": "app", "endpoints": []}, 5]'
    run "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status
    assert_success
    assert_line "roles:  provider"
    assert_line "  service-mesh:0 -> app1: sent policies"
    assert_line "  service-mesh:1 -> app2: no policies sent"
    assert_line "  policies gathered: 1"   # the invalid entry is skipped
    # is-leader, relation-ids, 2 x (relation-list, relation-get); gathering reuses the cache
    [ "$("$J" calls "$S" | grep -vc '"juju-log"')" -eq 6 ]
}

@test "status: outside a Juju context or with a bad --format, exit 2" {
    run "$BIN" --config "$CHARM/service-mesh.yaml" status
    assert_failure 2
    assert_output --partial "juju exec"
    consumer_state
    run "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" status --output xml
    assert_failure 2
    assert_output --partial "status: --format must be text, json or yaml, not 'xml'"
}

# ----------------------------------------------------------------- verbose

@test "--verbose mirrors juju-log lines on stderr; without it stderr stays quiet" {
    consumer_state
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" --verbose update
    assert_success
    assert_output "policies published to 1 of 1 service-mesh relation"
    [[ "$stderr" == *"svcmesh-hook: info: published 1 mesh policies to service-mesh:0"* ]]
    [[ "$stderr" == *"svcmesh-hook: debug: computed 1 mesh policies from 2 declared policies"* ]]
    # the same lines went to juju-log
    run "$J" log "$S"
    assert_line "INFO published 1 mesh policies to service-mesh:0"
    "$J" log "$S" --reset
    "$J" set-data "$S" 0 --local-app policies=
    run --separate-stderr "$J" exec "$S" "${XENV[@]}" -- "$CHARM/svcmesh-hook" update
    assert_success
    [ -z "$stderr" ]
    run "$J" log "$S"
    assert_line "INFO published 1 mesh policies to service-mesh:0"
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
