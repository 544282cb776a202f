# assertions.bash - bats-support and bats-assert (Debian's packages), loaded
# without a process: their load.bash files call dirname once per source file,
# 15 processes in every test's start-up (`load assertions` replaces
# `load .../bats-support/load` and `load .../bats-assert/load`; the functions
# are the packages' own, unchanged).
for _lib in bats-support/src/output bats-support/src/error bats-support/src/lang \
	bats-assert/src/assert bats-assert/src/refute bats-assert/src/assert_equal \
	bats-assert/src/assert_not_equal bats-assert/src/assert_success \
	bats-assert/src/assert_failure bats-assert/src/assert_output \
	bats-assert/src/refute_output bats-assert/src/assert_line \
	bats-assert/src/refute_line bats-assert/src/assert_regex bats-assert/src/refute_regex; do
	# shellcheck disable=SC1090
	source "/usr/lib/bats/$_lib.bash" || return 1
done
unset _lib
# shellcheck source=untraced.bash
source "${BASH_SOURCE[0]%/*}/untraced.bash"
