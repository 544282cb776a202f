# kubesim.bash - bats helpers for the kubesim Kubernetes API test server.
#
#   load "${BATS_TEST_DIRNAME}/../kubesim/kubesim.bash"
#   setup()    { kubesim_start; kubesim_seed_charm myapp mymodel; }
#   teardown() { kubesim_stop; }
#
# kubesim_start [STATE_DIR]   starts a server (default STATE_DIR: a mktemp dir outside
#                             bats) and exports KUBESIM_STATE_DIR, KUBESIM_URL, KUBESIM_PORT,
#                             KUBECONFIG and KUBECACHEDIR (kubectl's discovery cache, kept in
#                             STATE_DIR). In a bats test without STATE_DIR: the file's server
#                             ($BATS_FILE_TMPDIR/kubesim[-tls], started by the file's first
#                             test, ended with the file), reset for this test: no objects,
#                             requests, faults, or tokens but the admin's; KUBECACHEDIR is
#                             the test's own. KUBESIM_FRESH=1: a server of the test's own
#                             ($BATS_TEST_TMPDIR/kubesim)
# kubesim_start_pod APP NS [RULES]
#                             like kubesim_start, but HTTPS with a CA made now and bearer
#                             tokens checked (401/403); a token for the service account
#                             system:serviceaccount:NS:APP with RULES (a JSON/YAML file of
#                             RBAC rules, "all" (default) or "none") is written with the CA
#                             to $KUBESIM_STATE_DIR/serviceaccount, as a pod has it. Exports
#                             KUBERNETES_SERVICE_HOST/PORT and JUJUSIM_SERVICEACCOUNT (which
#                             jujusim --juju-env mounts at /var/run/secrets/...); KUBECONFIG
#                             (for the test's own kubectl calls) has an all-rights token
# kubesim_stop                stops it (safe to call twice or when start failed); the
#                             file's server is left to the next test
# kubesim_seed_charm APP NS   (KUBESIM_SEED_RESET=1: reset the server first) namespace NS, StatefulSet APP, Service APP, ServiceAccount APP
#                             as Juju creates them for a Kubernetes charm
# kubesimctl ARGS...          the CLI (seed, get, requests, fault, ...) for this server; the
#                             commonest (get, requests, reset, JSON seed, clear-*) are sent
#                             by bash itself to the server's control port (kubesim_control)
# kubesim_writes              number of POST/PUT/PATCH/DELETE requests so far
# kubesim_users               distinct token owners of the requests so far (--auth servers)

KUBESIM_HOME="${BASH_SOURCE[0]%/*}"   # (no dirname process: this runs in every test)
[[ "$KUBESIM_HOME" == /* ]] || KUBESIM_HOME="$PWD/$KUBESIM_HOME"

# kubectl_versions: the versioned kubectls to test with, one path a line, oldest
# first: from $KUBECTL_DIR (default build/kubectl, filled by
# tests/kubesim/get-kubectls) if it has any, else the ones the machine image
# ships. KUBECTL_MATRIX picks from them:
#   ends    the oldest and the newest (the default: the README's test command)
#   inner   every one between them (CI adds these, so it runs each version once)
#   all     every one
#   newest  the newest only (CI's sanitizer pass: svcmesh-hook's code is the
#           same whatever kubectl answers)
kubectl_versions() {
	local dir="${KUBECTL_DIR:-$KUBESIM_HOME/../../build/kubectl}" f found=()
	for f in "$dir"/kubectl.1.* /usr/lib/google-cloud-sdk/bin/kubectl.1.*; do
		[[ -x "$f" ]] || continue
		[[ "$f" == /usr/lib/google-cloud-sdk/* && -n "$(ls "$dir"/kubectl.1.* 2>/dev/null)" ]] && continue
		found+=("$f")
	done
	mapfile -t found < <(((${#found[@]})) && printf '%s\n' "${found[@]}" | sort -t. -k3,3n)
	local n=${#found[@]}
	((n)) || return 0
	case "${KUBECTL_MATRIX:-ends}" in
	all) printf '%s\n' "${found[@]}" ;;
	newest) printf '%s\n' "${found[n - 1]}" ;;
	ends) printf '%s\n' "${found[0]}"; ((n > 1)) && printf '%s\n' "${found[n - 1]}"; return 0 ;;
	inner) ((n > 2)) && printf '%s\n' "${found[@]:1:n-2}"; return 0 ;;
	*) echo "kubectl_versions: KUBECTL_MATRIX must be ends, inner, all or newest" >&2; return 2 ;;
	esac
}

kubesimctl() {
	local rc=0
	kubesim_control "$@" || rc=$?
	((rc == 99)) || return "$KUBESIM_RC"
	"$KUBESIM_HOME/kubesimctl" --state-dir "$KUBESIM_STATE_DIR" "$@"
}

# kubesim_control ARGS...: the kubesimctl commands that tests call most (get,
# requests, reset, seed of JSON, clear-*), sent by bash itself over /dev/tcp
# to the server's plain control port (/_sim/ only), with out=cli: the server
# answers with what kubesimctl would print (cli_text in kubesim.py), so no
# Python starts. Sets KUBESIM_RC (0, or 1 with the error line on stderr);
# returns 99 for a command it does not do (the caller runs kubesimctl).
kubesim_control() {
	local cmd="${1:-}" q="" method=GET path body="" k v
	KUBESIM_RC=99
	[[ -n "${KUBESIM_STATE_DIR:-}" && -r "$KUBESIM_STATE_DIR/control-port" ]] || return 99
	shift
	case "$cmd" in
	get)
		(($# == 3 || $# == 5)) || return 99
		path=/_sim/objects
		kubesim_urlq "$1"; q="kind=$REPLY"
		kubesim_urlq "$2"; q+="&namespace=$REPLY"
		kubesim_urlq "$3"; q+="&name=$REPLY"
		if (($# == 5)); then
			[[ "$4" == --field ]] || return 99
			kubesim_urlq "$5"; q+="&field=$REPLY"
		fi ;;
	requests)
		path=/_sim/requests
		while (($#)); do
			case "$1" in
			--writes|--count) q+="&${1#--}=1" ;;
			--method|--path) (($# >= 2)) || return 99; kubesim_urlq "$2"; q+="&${1#--}=$REPLY"; shift ;;
			*) return 99 ;;
			esac
			shift
		done ;;
	reset)
		method=POST path=/_sim/reset
		case "$*" in "") ;; --tokens) q="tokens=1" ;; *) return 99 ;; esac ;;
	clear-requests|clear-faults)
		(($# == 0)) || return 99
		method=DELETE path="/_sim/${cmd#clear-}" ;;
	seed)
		method=POST path=/_sim/objects
		case "$*" in "" | - ) ;; --reset | "--reset -") q="reset=1" ;; *) return 99 ;; esac
		IFS= read -r -d '' body || true
		if [[ "${body#"${body%%[![:space:]]*}"}" != "{"* ]]; then   # YAML: kubesimctl parses it
			"$KUBESIM_HOME/kubesimctl" --state-dir "$KUBESIM_STATE_DIR" seed "$@" <<<"$body"
			KUBESIM_RC=$?
			return 0
		fi ;;
	*) return 99 ;;
	esac
	kubesim_http "$method" "$path?out=cli${q:+&${q#&}}" "$body" || { KUBESIM_RC=1; return 0; }
	if ((KUBESIM_STATUS < 300)); then
		printf '%s' "$KUBESIM_BODY"
		KUBESIM_RC=0
	else
		printf '%s' "$KUBESIM_BODY" >&2
		KUBESIM_RC=1
	fi
}

# kubesim_http METHOD PATH [BODY]: one HTTP/1.0 request to the control port;
# sets KUBESIM_STATUS and KUBESIM_BODY (text: the control API's answers hold no NUL)
kubesim_http() {
	local LC_ALL=C port fd reply head
	read -r port < "$KUBESIM_STATE_DIR/control-port" || return 1
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || { echo "kubesimctl: no server on control port $port" >&2; return 1; }
	printf '%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		"$1" "$2" "${#3}" "$3" >&"$fd"
	IFS= read -r -d '' -u "$fd" reply || true   # (read ends at EOF: the server closes)
	exec {fd}<&-
	head="${reply%%$'\r\n'*}" head="${head#* }"
	KUBESIM_STATUS="${head%% *}"
	KUBESIM_BODY="${reply#*$'\r\n\r\n'}"
	[[ "$KUBESIM_STATUS" =~ ^[0-9]+$ ]] || { echo "kubesimctl: bad answer from the control port" >&2; return 1; }
}

# kubesim_urlq TEXT: REPLY is TEXT percent-encoded for a query string
kubesim_urlq() {
	local LC_ALL=C s="$1" c i
	REPLY=
	for ((i = 0; i < ${#s}; i++)); do
		c="${s:i:1}"
		case "$c" in
		[A-Za-z0-9._~-]) REPLY+="$c" ;;
		*) printf -v c '%%%02X' "'$c"; REPLY+="$c" ;;
		esac
	done
}

kubesim_start() {
	local dir="${1:-}" auth="${KUBESIM_AUTH:+--auth}"
	if [[ -z "$dir" && -n "${BATS_FILE_TMPDIR:-}" && -n "${BATS_TEST_TMPDIR:-}" &&
		-z "${KUBESIM_FRESH:-}" ]]; then
		kubesim_file_server "$BATS_FILE_TMPDIR/kubesim${auth:+-tls}" $auth
		return
	fi
	if [[ -z "$dir" ]]; then
		if [[ -n "${BATS_TEST_TMPDIR:-}" ]]; then
			dir="$BATS_TEST_TMPDIR/kubesim"
		else
			dir="$(mktemp -d "${TMPDIR:-/tmp}/kubesim.XXXXXX")" || return 1
		fi
	fi
	KUBESIM_URL="$("$KUBESIM_HOME/kubesimctl" start --state-dir "$dir" $auth)" || return 1
	KUBESIM_SHARED=
	KUBESIM_STATE_DIR="$dir"
	KUBESIM_PORT="${KUBESIM_URL##*:}"
	KUBECONFIG="$dir/kubeconfig"
	KUBECACHEDIR="$dir/kube-cache"
	export KUBESIM_STATE_DIR KUBESIM_URL KUBESIM_PORT KUBECONFIG KUBECACHEDIR
}

# kubesim_file_server DIR [--auth]: the server of this bats file in DIR, reset for
# the test now running, or started (it ends with the file: its owner is the
# file's bats process, the parent of every test's process)
kubesim_file_server() {
	local dir="$1" auth="${2:-}" url=""
	if [[ -f "$dir/port" ]] && KUBESIM_STATE_DIR="$dir" kubesimctl reset --tokens 2>/dev/null; then
		url="$(cat "$dir/url")"
	else
		"$KUBESIM_HOME/kubesimctl" stop --state-dir "$dir"
		url="$("$KUBESIM_HOME/kubesimctl" start --state-dir "$dir" --owner "$PPID" $auth)" || return 1
		printf '%s\n' "$url" > "$dir/url"
	fi
	KUBESIM_URL="$url"
	KUBESIM_STATE_DIR="$dir"
	KUBESIM_PORT="${KUBESIM_URL##*:}"
	KUBECONFIG="$dir/kubeconfig"
	KUBECACHEDIR="$BATS_TEST_TMPDIR/kube-cache"
	KUBESIM_SHARED=1
	export KUBESIM_STATE_DIR KUBESIM_URL KUBESIM_PORT KUBECONFIG KUBECACHEDIR KUBESIM_SHARED
}

kubesim_start_pod() {
	local app="$1" ns="$2" rules="${3:-all}"
	KUBESIM_AUTH=1 kubesim_start || return 1
	KUBESIM_SA_USER="system:serviceaccount:$ns:$app"
	kubesimctl token --user "$KUBESIM_SA_USER" --rules "$rules" \
		--serviceaccount "$ns" >/dev/null || return 1
	KUBERNETES_SERVICE_HOST=127.0.0.1
	KUBERNETES_SERVICE_PORT="$KUBESIM_PORT"
	JUJUSIM_SERVICEACCOUNT="$KUBESIM_STATE_DIR/serviceaccount"
	export KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT JUJUSIM_SERVICEACCOUNT KUBESIM_SA_USER
}

# kubesim_sa_token [RULES]: give the pod's service account a new token with RULES
# (as kubesim_start_pod); "bad" writes a token the server does not know.
kubesim_sa_token() {
	local sa="$KUBESIM_STATE_DIR/serviceaccount"
	if [[ "${1:-}" == bad ]]; then
		printf 'not-a-known-token' > "$sa/token"
		return
	fi
	kubesimctl token --user "$KUBESIM_SA_USER" --rules "${1:-all}" \
		--serviceaccount "$(cat "$sa/namespace")" >/dev/null
}

kubesim_stop() {
	[[ -n "${KUBESIM_STATE_DIR:-}" ]] || return 0
	[[ -z "${KUBESIM_SHARED:-}" ]] || return 0   # the file's server: reset by the next test
	"$KUBESIM_HOME/kubesimctl" stop --state-dir "$KUBESIM_STATE_DIR"
}

# kubesim_users: the distinct users (token owners) of the requests so far, one a line
kubesim_users() {
	kubesimctl requests | jq -r '.user // "-"' | sort -u
}

kubesim_writes() {
	kubesimctl requests --writes --count
}

kubesim_seed_charm() {
	local app="$1" ns="$2"
	if [[ -z "$app" || -z "$ns" ]]; then
		echo "usage: kubesim_seed_charm APP NAMESPACE" >&2
		return 2
	fi
	kubesimctl seed ${KUBESIM_SEED_RESET:+--reset} >/dev/null <<-EOF
	{"apiVersion": "v1", "kind": "List", "items": [
	 {"apiVersion": "v1", "kind": "Namespace",
	  "metadata": {"name": "$ns",
	   "labels": {"app.kubernetes.io/managed-by": "juju", "model.juju.is/name": "$ns"}}},
	 {"apiVersion": "v1", "kind": "ServiceAccount",
	  "metadata": {"name": "$app", "namespace": "$ns",
	   "labels": {"app.kubernetes.io/managed-by": "juju", "app.kubernetes.io/name": "$app"}}},
	 {"apiVersion": "apps/v1", "kind": "StatefulSet",
	  "metadata": {"name": "$app", "namespace": "$ns",
	   "labels": {"app.kubernetes.io/managed-by": "juju", "app.kubernetes.io/name": "$app"},
	   "annotations": {"juju.is/version": "3.6.0"}},
	  "spec": {"replicas": 1, "serviceName": "$app-endpoints",
	   "podManagementPolicy": "Parallel",
	   "selector": {"matchLabels": {"app.kubernetes.io/name": "$app"}},
	   "template": {"metadata": {"labels": {"app.kubernetes.io/name": "$app"},
	     "annotations": {"juju.is/version": "3.6.0"}},
	    "spec": {"serviceAccountName": "$app",
	     "containers": [{"name": "charm", "image": "jujusolutions/charm-base:ubuntu-22.04"}]}}}},
	 {"apiVersion": "v1", "kind": "Service",
	  "metadata": {"name": "$app", "namespace": "$ns",
	   "labels": {"app.kubernetes.io/managed-by": "juju", "app.kubernetes.io/name": "$app"},
	   "annotations": {"juju.is/version": "3.6.0"}},
	  "spec": {"selector": {"app.kubernetes.io/name": "$app"}, "type": "ClusterIP",
	   "ports": [{"name": "placeholder", "port": 65535, "protocol": "TCP",
	              "targetPort": 65535}]}}
	]}
	EOF
}

# in a bats test: these helpers run without bats' per-command DEBUG trap
# (tests/bats/untraced.bash, loaded by tests/bats/assertions.bash)
if declare -F untraced_file >/dev/null; then
	untraced_file "${BASH_SOURCE[0]}"
fi
