# claude_helpers.bash - shared by claude_cli.bats and claude_real_cli.bats.
# Needs HUB_BUILDDIR (set by make check; defaults to the source tree).

HUB_SRCDIR="${HUB_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
HUB_BUILDDIR="${HUB_BUILDDIR:-$HUB_SRCDIR}"
PROVIDER_RUN="$HUB_BUILDDIR/tests/fakes/provider-run"
TEST_TOKEN="sk-ant-oat01-test-$$-$RANDOM$RANDOM"

# children_of, wait_child_of
source "$HUB_SRCDIR/tests/e2e/helpers.bash"

# A conversation of one user message, as JSON.
one_msg() {
	jq -cn --arg c "$1" '{messages:[{role:"user",content:$c}]}'
}

# Run the driver on the conversation in $1; extra args follow.
# Sets $output (all lines) and $final (the last line).
drive() {
	local conv=$1; shift
	run --separate-stderr "$PROVIDER_RUN" claude "$@" <<<"$conv"
	final=$(printf '%s\n' "$output" | tail -n 1)
}

final_field() {
	jq -r "$1" <<<"$final"
}

# True when pid $1 is gone (or a zombie about to be reaped).
pid_gone() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}
