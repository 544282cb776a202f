#!/usr/bin/env bats
# Tests of the Juju hook-tool simulator (tests/jujusim).

load assertions

bats_require_minimum_version 1.5.0

setup() {
    SIM_DIR="$(cd "$BATS_TEST_DIRNAME/../jujusim" && pwd)"
    J="$SIM_DIR/jujusim"
    # the hook-tool clients (make jujusim); the agent lives as long as this test
    TOOLS="${JUJUSIM_TOOLS_DIR:-$SIM_DIR/../../build/jujusim/bin}"
    TOOLS="$(cd "$TOOLS" && pwd)"
    export JUJUSIM_OWNER_PID=$$
    S="$BATS_TEST_TMPDIR/state.json"
    CHARM="$BATS_TEST_TMPDIR/charm"
    mkdir -p "$CHARM/hooks"
    "$J" init "$S" --app consumer --charm-dir "$CHARM"
}

# Run a hook tool directly in an ad-hoc hook context "bats-ctx" (outside any
# relation hook).  relation-set writes stay pending under that context.
tool() {
    env -u JUJU_RELATION_ID -u JUJU_REMOTE_UNIT -u JUJU_REMOTE_APP \
        JUJUSIM_STATE="$S" JUJU_CONTEXT_ID=bats-ctx PATH="$TOOLS:$PATH" "$@"
}

# tool_fails CODE STDERR TOOL ARGS...: the tool exits CODE printing exactly STDERR
tool_fails() {
    local code="$1" want="$2"
    shift 2
    run --separate-stderr tool "$@"
    assert_failure "$code"
    [ "$stderr" = "$want" ]
}

# Write an executable hook script: hook NAME <<'EOF' ... EOF
hook() {
    cat > "$CHARM/hooks/$1"
    chmod +x "$CHARM/hooks/$1"
}

# Hook body that dumps the environment (one VAR=value per line, sorted).
env_hook() {
    printf '#!/bin/sh\necho "ARGC=$#"\necho "CWD=$(pwd)"\nenv | sort\n' | hook "$1"
}

# ------------------------------------------------------------------ driver

@test "add-relation: ids increase from 0, --id forces one, next id continues" {
    run "$J" add-relation "$S" service-mesh istio-beacon
    assert_success
    assert_output "0"
    run "$J" add-relation "$S" service-mesh other --id 10
    assert_output "10"
    run "$J" add-relation "$S" db postgres
    assert_output "11"
    run "$J" add-relation "$S" db dup --id 10
    assert_failure
}

@test "set-data/get-data/get-key: empty value deletes, get-key has no newline, missing key exits 1" {
    "$J" add-relation "$S" service-mesh beacon
    "$J" set-data "$S" 0 --remote-app a=1 b=2
    "$J" set-data "$S" service-mesh:0 b= c=3 --remote-app
    run "$J" get-data "$S" 0 --remote-app
    assert_output '{"a":"1","c":"3"}'
    run "$J" get-key "$S" 0 --remote-app c
    assert_success
    assert_output "3"
    [ "$(printf 'x%sx' "$("$J" get-key "$S" 0 --remote-app c; echo .)")" = "x3.x" ]
    run "$J" get-key "$S" 0 --remote-app zz
    assert_failure 1
    assert_output ""
    echo '{"u":"v"}' > "$BATS_TEST_TMPDIR/d.json"
    "$J" set-data "$S" 0 --remote-unit beacon/0 --file "$BATS_TEST_TMPDIR/d.json"
    run "$J" get-data "$S" 0 --remote-unit beacon/0
    assert_output '{"u":"v"}'
    run "$J" get-data "$S" 0 --local-unit
    assert_output '{}'
}

# ------------------------------------------------------------------ common rules

@test "tools: JUJU_CONTEXT_ID unset -> ERROR JUJU_CONTEXT_ID not set, exit 1, stdout empty" {
    run --separate-stderr env -u JUJU_CONTEXT_ID JUJUSIM_STATE="$S" "$TOOLS/is-leader" --format=json
    assert_failure 1
    assert_output ""
    [ "$stderr" = "ERROR JUJU_CONTEXT_ID not set" ]
}

@test "tools: unknown relation id -> exit 2 with exact text; non-numeric id" {
    "$J" add-relation "$S" db postgres
    run --separate-stderr tool relation-list -r db:99 --format=json
    assert_failure 2
    assert_output ""
    [ "$stderr" = 'ERROR invalid value "db:99" for option -r: relation not found' ]
    run --separate-stderr tool relation-get -r abc --format=json - postgres/0
    assert_failure 2
    [ "$stderr" = 'ERROR invalid value "abc" for option -r: invalid relation id' ]
}

@test "tools: no -r outside a relation hook -> ERROR no relation id specified, exit 2" {
    "$J" add-relation "$S" db postgres
    for t in relation-list relation-get relation-set; do
        run --separate-stderr tool "$t" --format=json
        assert_failure 2
        assert_output ""
        [ "$stderr" = "ERROR no relation id specified" ]
    done
}

@test "tools: GNU flag forms all resolve the same relation" {
    "$J" add-relation "$S" service-mesh beacon --id 3 --units 2
    for form in "-r 3" "-r3" "-rservice-mesh:3" "--relation 3" "--relation=service-mesh:3" "-r x:y:3"; do
        # shellcheck disable=SC2086
        run tool relation-list $form --format json
        assert_success
        assert_output '["beacon/0","beacon/1"]'
    done
    run tool relation-list --format=json -r 3
    assert_output '["beacon/0","beacon/1"]'
}

@test "tools: flags between positionals, -- ends flags, --app=true/--app=false" {
    "$J" add-relation "$S" service-mesh beacon
    "$J" set-data "$S" 0 --remote-app k=app
    "$J" set-data "$S" 0 --remote-unit beacon/0 k=unit
    run tool relation-get - --format=json beacon -r 0 --app
    assert_success
    assert_output '{"k":"app"}'
    run tool relation-get -r 0 --app=true --format=json -- k beacon
    assert_output '"app"'
    run tool relation-get -r 0 --app=false --format=json k beacon/0
    assert_output '"unit"'
    # after --, "--app" is a positional (the key), not a flag
    run tool relation-get -r 0 --format=json -- --app beacon/0
    assert_success
    assert_output 'null'
}

@test "tools: unknown option, bad format and extra args are usage errors (exit 2)" {
    tool_fails 2 "ERROR option provided but not defined: --bogus" is-leader --bogus
    tool_fails 2 'ERROR invalid value "xml" for option --format: unknown format "xml"' is-leader --format=xml
    tool_fails 2 'ERROR unrecognized args: ["extra"]' is-leader extra
    "$J" add-relation "$S" db postgres
    run --separate-stderr tool relation-list -r
    assert_failure 2
    [ "$stderr" = "ERROR option needs an argument: -r" ]
}

# ------------------------------------------------------------------ relation-ids / relation-list

@test "relation-ids: json sorted as strings; unknown endpoint gives [] exit 0" {
    "$J" add-relation "$S" svc a --id 2
    "$J" add-relation "$S" svc b --id 10
    "$J" add-relation "$S" svc c --id 1
    "$J" add-relation "$S" other d --id 5
    run tool relation-ids svc --format=json
    assert_success
    assert_output '["svc:1","svc:10","svc:2"]'
    run tool relation-ids nothing --format json
    assert_success
    assert_output '[]'
    run --separate-stderr tool relation-ids --format=json
    assert_failure 2
    [ "$stderr" = "ERROR no endpoint name specified" ]
}

@test "relation-ids: broken relations left out unless list_broken (older Juju)" {
    "$J" add-relation "$S" svc a
    "$J" add-relation "$S" svc b
    "$J" break-relation "$S" svc:1
    run tool relation-ids svc --format=json
    assert_output '["svc:0"]'
    "$J" init "$S" --app consumer --charm-dir "$CHARM" --list-broken
    "$J" add-relation "$S" svc a
    "$J" add-relation "$S" svc b
    "$J" break-relation "$S" 1
    run tool relation-ids svc --format=json
    assert_output '["svc:0","svc:1"]'
    # Juju < 3.4 lists broken relations by default
    "$J" init "$S" --app consumer --charm-dir "$CHARM" --juju-version 3.1.8
    "$J" add-relation "$S" svc a
    "$J" break-relation "$S" 0
    run tool relation-ids svc --format=json
    assert_output '["svc:0"]'
}

@test "relation-list: sorted units, --app gives remote app name, broken: empty but -r resolves" {
    "$J" add-relation "$S" svc beacon --units 3
    run tool relation-list -r 0 --format=json
    assert_output '["beacon/0","beacon/1","beacon/2"]'
    run tool relation-list -r 0 --app --format=json
    assert_output '"beacon"'
    run tool relation-list -r 0
    assert_output "$(printf 'beacon/0\nbeacon/1\nbeacon/2')"
    "$J" set-data "$S" 0 --remote-app k=v
    "$J" break-relation "$S" 0
    run tool relation-list -r svc:0 --format=json
    assert_success
    assert_output '[]'
    run tool relation-get -r 0 --app --format=json - beacon
    assert_success
    assert_output '{"k":"v"}'
}

# ------------------------------------------------------------------ relation-get

@test "relation-get: app and unit databags, single key, missing key is null" {
    "$J" add-relation "$S" svc beacon --units 2
    "$J" set-data "$S" 0 --remote-app b=2 a=1
    "$J" set-data "$S" 0 --remote-unit beacon/1 x=y
    run tool relation-get -r 0 --app --format=json - beacon
    assert_output '{"a":"1","b":"2"}'
    run tool relation-get -r 0 --format=json - beacon/1
    assert_output '{"x":"y"}'
    run tool relation-get -r 0 --format=json - beacon/0
    assert_output '{}'
    run tool relation-get -r 0 --app --format=json a beacon
    assert_output '"1"'
    run tool relation-get -r 0 --app --format=json missing beacon
    assert_success
    assert_output 'null'
    # --app with a unit name reads that unit's application
    run tool relation-get -r 0 --app --format=json - beacon/1
    assert_output '{"a":"1","b":"2"}'
}

@test "relation-get: app name without --app -> expected unit name error, exit 2" {
    "$J" add-relation "$S" svc beacon
    run --separate-stderr tool relation-get -r 0 --format=json - beacon
    assert_failure 2
    assert_output ""
    [ "$stderr" = 'ERROR expected unit name, got application name "beacon"' ]
    run --separate-stderr tool relation-get -r 0 --format=json -
    assert_failure 2
    [ "$stderr" = "ERROR no unit or application specified" ]
}

@test "relation-get: non-leader reading own app databag -> permission denied (exit 1); peers may" {
    "$J" add-relation "$S" svc beacon
    "$J" add-relation "$S" peers consumer --role peer --units 1
    "$J" set-data "$S" 0 --local-app k=v
    "$J" set-data "$S" 1 --local-app p=q
    run tool relation-get -r 0 --app --format=json - consumer
    assert_output '{"k":"v"}'
    "$J" set-leader "$S" false
    run --separate-stderr tool relation-get -r 0 --app --format=json - consumer
    assert_failure 1
    assert_output ""
    [ "$stderr" = "ERROR permission denied" ]
    # remote app databag stays readable
    run tool relation-get -r 0 --app --format=json - beacon
    assert_success
    # peer relation: app databag readable by every unit
    run tool relation-get -r 1 --app --format=json - consumer
    assert_success
    assert_output '{"p":"q"}'
    run tool relation-list -r 1 --format=json
    assert_output '["consumer/1"]'
}

# ------------------------------------------------------------------ relation-set

@test "relation-set: non-leader --app -> cannot write relation settings (exit 1); unit bag ok" {
    "$J" add-relation "$S" svc beacon
    "$J" set-leader "$S" false
    run --separate-stderr tool relation-set -r 0 --app k=v
    assert_failure 1
    assert_output ""
    [ "$stderr" = "ERROR cannot write relation settings" ]
    run tool relation-set -r 0 k=v
    assert_success
    run tool relation-get -r 0 --format=json - consumer/0
    assert_output '{"k":"v"}'
}

@test "relation-set: --file - with YAML or JSON, key=value overrides, empty value deletes" {
    "$J" add-relation "$S" svc beacon
    "$J" set-data "$S" 0 --local-app old=1 gone=2
    run tool sh -c 'printf "a: x\nb: \"y z\"\n" | relation-set -r 0 --app --file - b=over gone='
    assert_success
    run tool relation-get -r 0 --app --format=json - consumer
    assert_output '{"a":"x","b":"over","old":"1"}'
    run tool sh -c "echo '{\"j\":\"{\\\"n\\\":1}\"}' | relation-set -r 0 --app --file -"
    assert_success
    run tool relation-get -r 0 --app --format=json j consumer
    assert_output '"{\"n\":1}"'
}

@test "relation-set: non-map or non-string input is rejected (exit 1), nothing written" {
    "$J" add-relation "$S" svc beacon
    run --separate-stderr tool sh -c 'echo "[1, 2]" | relation-set -r 0 --app --file -'
    assert_failure 1
    [[ "$stderr" == "ERROR "* ]]
    run --separate-stderr tool sh -c 'printf "a: 5\n" | relation-set -r 0 --app --file -'
    assert_failure 1
    [[ "$stderr" == "ERROR "*"not a string"* ]]
    run --separate-stderr tool relation-set -r 0 novalue
    assert_failure 2
    [ "$stderr" = 'ERROR expected "key=value", got "novalue"' ]
    run tool relation-get -r 0 --app --format=json - consumer
    assert_output '{}'
}

@test "buffered writes: visible in the hook, committed on exit 0, discarded on failure" {
    "$J" add-relation "$S" svc beacon
    "$J" set-data "$S" 0 --local-app keep=1
    hook svc-relation-changed <<EOF
#!/bin/sh
relation-set --app new=1 keep= || exit 9
relation-set mine=u || exit 9
relation-get --app --format=json - consumer || exit 9
"$J" get-data "\$JUJUSIM_STATE" 0 --local-app
exit \${RC:-0}
EOF
    run "$J" run "$S" svc-relation-changed --env RC=1
    assert_failure 1
    assert_line --index 0 '{"new":"1"}'
    assert_line --index 1 '{"keep":"1"}'
    run "$J" get-data "$S" 0 --local-app
    assert_output '{"keep":"1"}'
    run "$J" get-data "$S" 0 --local-unit
    assert_output '{}'

    run "$J" run "$S" svc-relation-changed
    assert_success
    run "$J" get-data "$S" 0 --local-app
    assert_output '{"new":"1"}'
    run "$J" get-data "$S" 0 --local-unit
    assert_output '{"mine":"u"}'
}

@test "exec: buffered writes committed on exit 0 only" {
    "$J" add-relation "$S" svc beacon
    run "$J" exec "$S" -- sh -c 'relation-set -r 0 --app a=1; exit 4'
    assert_failure 4
    run "$J" get-data "$S" 0 --local-app
    assert_output '{}'
    run "$J" exec "$S" -- relation-set -r 0 --app a=1
    assert_success
    run "$J" get-data "$S" 0 --local-app
    assert_output '{"a":"1"}'
}

# ------------------------------------------------------------------ other tools

@test "is-leader: json true/false, smart True/False" {
    run tool is-leader --format=json
    assert_output 'true'
    run tool is-leader
    assert_output 'True'
    "$J" set-leader "$S" false
    run tool is-leader --format json
    assert_output 'false'
}

@test "juju-log: levels, -- before message, relation prefix only in relation hooks" {
    "$J" add-relation "$S" svc beacon
    run tool juju-log --log-level WARNING -- -dash message
    assert_success
    run tool juju-log plain words
    run tool juju-log -l debug x
    hook svc-relation-changed <<'EOF'
#!/bin/sh
juju-log --log-level ERROR -- in relation
EOF
    "$J" run "$S" svc-relation-changed
    run --separate-stderr tool juju-log
    assert_failure 2
    [ "$stderr" = "ERROR no message specified" ]
    run "$J" log "$S"
    assert_output "$(printf 'WARNING -dash message\nINFO plain words\nDEBUG x\nERROR svc:0: in relation')"
}

@test "status-set: unit and application status, leadership, invalid status, not buffered" {
    run tool status-set active "all good"
    assert_success
    run "$J" status "$S" --unit
    assert_output "active all good"
    hook install <<'EOF'
#!/bin/sh
status-set --application blocked "need relation"
exit 1
EOF
    run "$J" run "$S" install
    assert_failure 1
    run "$J" status "$S" --application
    assert_output "blocked need relation"
    run "$J" status "$S"
    assert_output '{"application":{"message":"need relation","status":"blocked"},"unit":{"message":"all good","status":"active"}}'
    "$J" set-leader "$S" false
    run --separate-stderr tool status-set --application active
    assert_failure 1
    [ "$stderr" = "ERROR this unit is not the leader" ]
    run --separate-stderr tool status-set happy
    assert_failure 2
    [ "$stderr" = 'ERROR invalid status "happy", expected one of [maintenance blocked waiting active]' ]
}

@test "config-get: typed json, single key, missing key null" {
    "$J" set-config "$S" n=5 flag=true name=mesh
    run tool config-get --format=json
    assert_output '{"flag":true,"n":5,"name":"mesh"}'
    run tool config-get --format=json n
    assert_output '5'
    run tool config-get name --format=json
    assert_output '"mesh"'
    run tool config-get --format=json nope
    assert_success
    assert_output 'null'
}

# ------------------------------------------------------------------ run / exec environment

@test "run: relation hook environment built from scratch" {
    "$J" add-relation "$S" svc beacon --units 2 --id 7
    env_hook svc-relation-changed
    export NOT_PASSED=1 SVCMESH_DEBUG=yes KUBECONFIG=/tmp/kc
    run "$J" run "$S" svc-relation-changed --env EXTRA=1
    assert_success
    assert_line "ARGC=0"
    assert_line "CWD=$CHARM"
    assert_line "JUJU_UNIT_NAME=consumer/0"
    assert_line "JUJU_MODEL_NAME=test-model"
    assert_line --regexp '^JUJU_MODEL_UUID=[0-9a-f-]{36}$'
    assert_line "JUJU_CHARM_DIR=$CHARM"
    assert_line "CHARM_DIR=$CHARM"
    assert_line "JUJU_HOOK_NAME=svc-relation-changed"
    assert_line "JUJU_DISPATCH_PATH=hooks/svc-relation-changed"
    assert_line --regexp '^JUJU_CONTEXT_ID=consumer/0-svc-relation-changed-[0-9]+$'
    assert_line "JUJU_VERSION=3.6.0"
    assert_line --regexp '^JUJU_AGENT_SOCKET_ADDRESS=.+'
    assert_line "JUJU_AGENT_SOCKET_NETWORK=unix"
    assert_line "PATH=$TOOLS:/usr/local/bin:/usr/bin:/bin"
    assert_line "JUJUSIM_STATE=$S"
    assert_line "JUJU_RELATION=svc"
    assert_line "JUJU_RELATION_ID=svc:7"
    assert_line "JUJU_REMOTE_APP=beacon"
    assert_line "JUJU_REMOTE_UNIT=beacon/0"
    assert_line "SVCMESH_DEBUG=yes"
    assert_line "KUBECONFIG=/tmp/kc"
    assert_line "EXTRA=1"
    refute_line --partial "NOT_PASSED"
    refute_line --partial "JUJU_DEPARTING_UNIT"
    refute_line --partial "BATS_"
    run "$J" run "$S" svc-relation-changed --remote-unit beacon/1
    assert_line "JUJU_REMOTE_UNIT=beacon/1"
}

@test "run: created/broken have empty JUJU_REMOTE_UNIT, departed sets JUJU_DEPARTING_UNIT" {
    "$J" add-relation "$S" svc beacon --units 2
    env_hook svc-relation-created
    env_hook svc-relation-departed
    env_hook svc-relation-broken
    env_hook start
    run "$J" run "$S" svc-relation-created
    assert_line "JUJU_REMOTE_UNIT="
    assert_line "JUJU_REMOTE_APP=beacon"
    run "$J" run "$S" svc-relation-departed --remote-unit beacon/1
    assert_line "JUJU_REMOTE_UNIT=beacon/1"
    assert_line "JUJU_DEPARTING_UNIT=beacon/1"
    run tool relation-list -r 0 --format=json
    assert_output '["beacon/0"]'
    run "$J" run "$S" svc-relation-broken
    assert_line "JUJU_REMOTE_UNIT="
    assert_line "JUJU_REMOTE_APP=beacon"
    refute_line --partial "JUJU_DEPARTING_UNIT"
    run "$J" run "$S" start
    assert_line "JUJU_HOOK_NAME=start"
    refute_line --partial "JUJU_RELATION"
    refute_line --partial "JUJU_REMOTE"
}

@test "exec: hook context without hook: empty JUJU_HOOK_NAME, no dispatch path, no relation vars" {
    "$J" add-relation "$S" svc beacon
    run "$J" exec "$S" --env X=1 -- sh -c 'echo "CWD=$(pwd)"; env | sort'
    assert_success
    assert_line "JUJU_HOOK_NAME="
    assert_line "CWD=$CHARM"
    assert_line "X=1"
    assert_line --regexp '^JUJU_CONTEXT_ID=.+'
    assert_line "PATH=$TOOLS:/usr/local/bin:/usr/bin:/bin"
    refute_line --partial "JUJU_DISPATCH_PATH"
    refute_line --partial "JUJU_RELATION"
    refute_line --partial "JUJU_REMOTE"
    run "$J" exec "$S" -- relation-ids svc --format=json
    assert_output '["svc:0"]'
}

@test "run: dispatch preferred when executable, else hooks/HOOK, missing hook succeeds" {
    printf '#!/bin/sh\necho "hooks-script $0"\n' | hook install
    run "$J" run "$S" install
    assert_success
    assert_output "hooks-script $CHARM/hooks/install"
    printf '#!/bin/sh\necho "dispatch $0 $JUJU_DISPATCH_PATH"\n' > "$CHARM/dispatch"
    run "$J" run "$S" install
    assert_output "hooks-script $CHARM/hooks/install"   # not executable: ignored
    chmod +x "$CHARM/dispatch"
    run "$J" run "$S" install
    assert_output "dispatch $CHARM/dispatch hooks/install"
    rm "$CHARM/dispatch"
    run "$J" run "$S" config-changed
    assert_success
    assert_output ""
}

@test "run: exit code passed through, 128+signal when killed" {
    printf '#!/bin/sh\necho out; echo err >&2; exit 7\n' | hook install
    run --separate-stderr "$J" run "$S" install
    assert_failure 7
    assert_output "out"
    [ "$stderr" = "err" ]
    printf '#!/bin/sh\nkill -TERM $$\n' | hook start
    run "$J" run "$S" start
    assert_failure 143
}

@test "run: relation-broken marks relation broken before the hook, removes it after success" {
    "$J" add-relation "$S" svc beacon --units 1
    "$J" add-relation "$S" svc other
    "$J" set-data "$S" 0 --remote-app k=v
    hook svc-relation-broken <<'EOF'
#!/bin/sh
relation-ids svc --format=json
relation-list --format=json
relation-get --app --format=json - beacon
relation-list -r "$JUJU_RELATION_ID" --app --format=json
exit ${RC:-0}
EOF
    run "$J" run "$S" svc-relation-broken --relation 0 --env RC=3
    assert_failure 3
    assert_output "$(printf '%s\n' '["svc:1"]' '[]' '{"k":"v"}' '"beacon"')"
    run tool relation-list -r 0 --app --format=json
    assert_success    # failed hook: relation still there (broken)
    run "$J" run "$S" svc-relation-broken --relation 0
    assert_success
    run --separate-stderr tool relation-list -r 0 --format=json
    assert_failure 2
    [ "$stderr" = 'ERROR invalid value "0" for option -r: relation not found' ]
}

@test "run: several relations on the endpoint need --relation" {
    "$J" add-relation "$S" svc a
    "$J" add-relation "$S" svc b
    run "$J" run "$S" svc-relation-changed
    assert_failure 2
    run "$J" run "$S" svc-relation-changed --relation svc:1
    assert_success
}

# ------------------------------------------------------------------ faults

@test "fault: exit code and stderr, limited by --times, filtered by --match" {
    "$J" add-relation "$S" svc beacon
    "$J" fault "$S" --tool relation-get --match=--app --exit 1 --stderr "ERROR boom" --times 2
    run tool relation-get -r 0 --format=json - beacon/0
    assert_success                       # no --app: no match
    run --separate-stderr tool relation-get -r 0 --app --format=json - beacon
    assert_failure 1
    assert_output ""
    [ "$stderr" = "ERROR boom" ]
    run tool relation-get -r 0 --app --format=json - beacon
    assert_failure 1
    run tool relation-get -r 0 --app --format=json - beacon
    assert_success                       # used up
    assert_output '{}'
    "$J" fault "$S" --tool is-leader --exit 3 --times -1
    for _ in 1 2 3; do
        run tool is-leader --format=json
        assert_failure 3
    done
    "$J" clear-faults "$S"
    run tool is-leader --format=json
    assert_success
}

@test "fault: --hang makes the tool hang; run --timeout stops the hook with 124" {
    "$J" fault "$S" --tool is-leader --hang
    printf '#!/bin/sh\nis-leader --format=json\necho after\n' | hook install
    start=$(date +%s)
    run "$J" run "$S" install --timeout 1
    end=$(date +%s)
    assert_failure 124
    refute_line "after"
    assert_line --partial "timed out"
    [ $((end - start)) -lt 5 ]
    # the fault was used up
    run tool is-leader --format=json
    assert_output 'true'
}

@test "fault: hung tool whose caller gave up is killed when the hook ends" {
    "$J" fault "$S" --tool is-leader --hang
    # the hook starts the tool in the background and exits without waiting
    printf '#!/bin/sh\nis-leader >/dev/null 2>&1 </dev/null &\necho $! > "%s"\nsleep 0.5\n' \
        "$BATS_TEST_TMPDIR/pid" | hook install
    run "$J" run "$S" install
    assert_success
    pid=$(cat "$BATS_TEST_TMPDIR/pid")
    sleep 0.2
    # gone, or a zombie (killed; our init does not always reap orphans)
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
    [[ "$state" == Z || "$state" == gone ]]
}

# ------------------------------------------------------------------ call log

@test "calls: every invocation logged as a JSON argv, --tool/--count filter, --reset" {
    "$J" add-relation "$S" svc beacon
    tool relation-ids svc --format=json >/dev/null
    tool is-leader --format=json >/dev/null
    run tool relation-list -r 99
    env -u JUJU_CONTEXT_ID JUJUSIM_STATE="$S" "$TOOLS/is-leader" || true
    run "$J" calls "$S"
    assert_output "$(printf '%s\n' '["relation-ids", "svc", "--format=json"]' '["is-leader", "--format=json"]' '["relation-list", "-r", "99"]' '["is-leader"]')"
    run "$J" calls "$S" --tool is-leader --count
    assert_output "2"
    "$J" calls "$S" --reset
    run "$J" calls "$S"
    assert_output ""
}

@test "relation hook defaults: relation-get without unit reads JUJU_REMOTE_UNIT, --app reads JUJU_REMOTE_APP" {
    "$J" add-relation "$S" svc beacon --units 2
    "$J" set-data "$S" 0 --remote-unit beacon/1 who=unit1
    "$J" set-data "$S" 0 --remote-app who=app
    hook svc-relation-changed <<'EOF2'
#!/bin/sh
relation-get --format=json
relation-get --format=json who
relation-get --app --format=json
relation-ids --format=json
EOF2
    run "$J" run "$S" svc-relation-changed --remote-unit beacon/1
    assert_success
    assert_output "$(printf '%s\n' '{"who":"unit1"}' '"unit1"' '{"who":"app"}' '["svc:0"]')"
}

# ------------------------------------------------------------------ goal-state

# goal-state JSON with the "since" times taken out (they are the clock's)
goal_json() {
    tool goal-state --format=json | sed -E 's/,"since":"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}Z"//g'
}

@test "goal-state: Juju's JSON shape (units first, then relations), the own unit, peers, related apps" {
    run --separate-stderr tool goal-state --format=json
    assert_success
    assert_output --regexp '^\{"units":\{"consumer/0":\{"status":"unknown","since":"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}Z"\}\},"relations":\{\}\}$'
    "$J" add-relation "$S" service-mesh beacon >/dev/null
    "$J" add-relation "$S" db postgres --units 0 >/dev/null
    "$J" add-relation "$S" peers consumer --role peer --units 2 >/dev/null
    "$J" set-unit "$S" consumer/1 --status active
    run goal_json
    assert_output '{"units":{"consumer/0":{"status":"unknown"},"consumer/1":{"status":"active"},"consumer/2":{"status":"unknown"}},"relations":{"db":{"postgres":{"status":"joining"}},"service-mesh":{"beacon":{"status":"joined"},"beacon/0":{"status":"unknown"}}}}'
    # the own unit's workload status is what status-set said
    tool status-set active ""
    run goal_json
    assert_output --partial '"consumer/0":{"status":"active"}'
    # a non-leader may run it too
    "$J" set-leader "$S" false
    run tool goal-state --format=json
    assert_success
}

@test "goal-state: dying units are listed as dying, dead ones not at all; remove-application makes them all dying" {
    "$J" add-relation "$S" peers consumer --role peer --units 2 >/dev/null
    "$J" remove-unit "$S" consumer/1
    "$J" set-unit "$S" consumer/2 --life dead
    run goal_json
    assert_output '{"units":{"consumer/0":{"status":"unknown"},"consumer/1":{"status":"dying"}},"relations":{}}'
    "$J" set-unit "$S" consumer/2 --life alive --status active
    "$J" remove-application "$S"
    run goal_json
    assert_output '{"units":{"consumer/0":{"status":"dying"},"consumer/1":{"status":"dying"},"consumer/2":{"status":"dying"}},"relations":{}}'
    run "$J" set-unit "$S" other/0
    assert_failure 2
    assert_output --partial "is not a unit of consumer"
}

@test "goal-state: YAML by default, -o FILE, no smart format, no arguments" {
    run --separate-stderr tool goal-state
    assert_success
    assert_line --index 0 'units:'
    assert_line --index 1 '  consumer/0:'
    assert_line --index 2 '    status: unknown'
    assert_line --index 4 'relations: {}'
    tool goal-state | python3 -c 'import sys, yaml; d = yaml.safe_load(sys.stdin); assert d["units"]["consumer/0"]["status"] == "unknown" and d["relations"] == {}, d'
    tool goal-state --format json -o "$BATS_TEST_TMPDIR/gs.json"
    grep -q '^{"units":{"consumer/0":' "$BATS_TEST_TMPDIR/gs.json"
    tool_fails 2 'ERROR invalid value "smart" for option --format: unknown format "smart"' goal-state --format=smart
    tool_fails 2 'ERROR unrecognized args: ["extra"]' goal-state extra
    run --separate-stderr env -u JUJU_CONTEXT_ID JUJUSIM_STATE="$S" "$TOOLS/goal-state" --format=json
    assert_failure 1
    [ "$stderr" = 'ERROR JUJU_CONTEXT_ID not set' ]
}

@test "run remove: the unit is dying during the hook and dead after it succeeds; a failed one stays dying" {
    printf '#!/bin/sh
goal-state --format=json
exit "${FAIL:-0}"
' | hook remove
    run "$J" run "$S" remove --env FAIL=1
    assert_failure 1
    assert_output --partial '"consumer/0":{"status":"dying"'
    run goal_json
    assert_output '{"units":{"consumer/0":{"status":"dying"}},"relations":{}}'
    run "$J" run "$S" remove
    assert_success
    run goal_json
    assert_output '{"units":{},"relations":{}}'
}

@test "driver: every subcommand has --help" {
    for c in init add-relation set-data get-data get-key set-leader break-relation \
             remove-relation set-config set-unit remove-unit remove-application fault \
             clear-faults calls log status run exec; do
        run "$J" "$c" --help
        assert_success
        assert_output --partial "usage: jujusim $c"
    done
}

# ------------------------------------------------------------------ the agent

@test "agent: hooks get its socket (STATE.sock, unix); a tool with no address says which variable is missing" {
    printf '#!/bin/sh\necho "ADDR=$JUJU_AGENT_SOCKET_ADDRESS NET=$JUJU_AGENT_SOCKET_NETWORK"\n' | hook install
    run "$J" run "$S" install
    assert_success
    assert_output "ADDR=$S.sock NET=unix"
    [ -S "$S.sock" ]
    # as Juju's jujuc: the context id first, then the socket's address
    run --separate-stderr env -u JUJUSIM_STATE -u JUJU_AGENT_SOCKET_ADDRESS -u JUJU_CONTEXT_ID "$TOOLS/is-leader"
    assert_failure 1
    [ "$stderr" = "ERROR JUJU_CONTEXT_ID not set" ]
    run --separate-stderr env -u JUJUSIM_STATE -u JUJU_AGENT_SOCKET_ADDRESS JUJU_CONTEXT_ID=x "$TOOLS/is-leader"
    assert_failure 1
    [ "$stderr" = "ERROR JUJU_AGENT_SOCKET_ADDRESS not set" ]
    run --separate-stderr env -u JUJUSIM_STATE JUJU_AGENT_SOCKET_ADDRESS="$S.sock" JUJU_AGENT_SOCKET_NETWORK=tcp \
        JUJU_CONTEXT_ID=x "$TOOLS/is-leader"
    assert_failure 1
    [ "$stderr" = "ERROR jujusim: only unix agent sockets are simulated, not tcp" ]
    run --separate-stderr env -u JUJUSIM_STATE JUJU_AGENT_SOCKET_ADDRESS="$S.sock" JUJU_AGENT_SOCKET_NETWORK=unix \
        JUJU_CONTEXT_ID=x "$TOOLS/is-leader"
    assert_success
    assert_output "True"
}

@test "agent: a driver command answers as driver.py does (output, stderr, exit code)" {
    "$J" add-relation "$S" svc beacon >/dev/null
    "$J" set-data "$S" 0 --remote-app a=1 b=2
    py() { /usr/bin/python3 "$SIM_DIR/driver.py" "$@"; }
    for cmd in "get-data $S 0 --remote-app" "get-key $S 0 --remote-app a" "get-key $S 0 --remote-app zz" \
               "calls $S --count" "status $S" "add-relation $S" "bogus $S" "set-leader $S maybe"; do
        # shellcheck disable=SC2086
        run --separate-stderr "$J" $cmd
        local rc=$status out=$output err=$stderr
        # shellcheck disable=SC2086
        run --separate-stderr py $cmd
        [ "$status" = "$rc" ] || { echo "$cmd: exit $rc from the agent, $status from driver.py"; return 1; }
        [ "$output" = "$out" ] || { echo "$cmd: output differs: '$out' vs '$output'"; return 1; }
        [ "$stderr" = "$err" ] || { echo "$cmd: stderr differs: '$err' vs '$stderr'"; return 1; }
    done
}

untraced_file "$BATS_TEST_FILENAME"   # its helpers without the DEBUG trap (untraced.bash)
