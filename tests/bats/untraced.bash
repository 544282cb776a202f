# untraced.bash - the tests' helper functions run without bats' DEBUG trap.
#
# bats runs each test with `set -T` and a DEBUG trap (bats_debug_trap) that
# records a stack trace before every simple command: about 0.25 ms a command
# here. Helpers pay it on every line they run, and a helper with a loop pays
# it hundreds of times a call: `kubesimctl get ... --field F` cost 50 ms
# inside a test and 10 ms without the trap (kubesim_urlq runs a few commands
# per character). untraced FUNC... redefines each FUNC as a wrapper that turns
# functrace off (`local -` puts it back when the wrapper returns) and calls
# the original body, now named __untraced_FUNC: the commands inside helpers
# run without the trap, the test's own lines keep it, and a failing helper is
# reported at the line of the test that called it. What the helpers do is
# unchanged. untraced_file FILE wraps every function defined in FILE (lines
# that start with `NAME() {`), except bats' setup and teardown functions.

untraced() {
	local -
	set +T
	__untraced_wrap "$@"
}

untraced_file() {
	local -
	set +T
	local line names=()
	while IFS= read -r line; do
		[[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)\(\)\ *\{ ]] || continue
		case "${BASH_REMATCH[1]}" in
		setup | teardown | setup_file | teardown_file) ;;
		*) names+=("${BASH_REMATCH[1]}") ;;
		esac
	done < "$1"
	__untraced_wrap "${names[@]}"
}

__untraced_wrap() {
	[[ -n "${BATS_TEST_TMPDIR:-}" ]] || return 0   # (no trap outside a test)
	local f def tmp="$BATS_TEST_TMPDIR/.untraced"
	for f; do
		# the body, through a file: a $(...) would cost a process a function
		# in every test
		declare -f "$f" > "$tmp" || { echo "untraced: no function $f" >&2; return 1; }
		IFS= read -r -d '' def < "$tmp" || true
		[[ "$def" == *"__untraced_$f \"\$@\""* ]] && continue   # a wrapper already
		eval "__untraced_$def"
		eval "$f() { local -; set +T; __untraced_$f \"\$@\"; }"
	done
}
