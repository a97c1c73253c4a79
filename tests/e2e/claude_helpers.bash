# claude_helpers.bash - shared by claude_cli.bats, claude_real_cli.bats and
# claude_tools_real_cli.bats.
# Needs HUB_BUILDDIR (set by make check; defaults to the source tree).

HUB_SRCDIR="${HUB_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
HUB_BUILDDIR="${HUB_BUILDDIR:-$HUB_SRCDIR}"
PROVIDER_RUN="$HUB_BUILDDIR/tests/fakes/provider-run"
TEST_TOKEN="sk-ant-oat01-test-$$-$RANDOM$RANDOM"

# children_of, wait_child_of, one_msg, drive_provider, the fake upstreams
source "$HUB_SRCDIR/tests/e2e/helpers.bash"

# Run the driver on the conversation in $1; extra args follow.
# Sets $output (all lines) and $final (the last line).
drive() { drive_provider claude "$@"; }

final_field() {
	jq -r "$1" <<<"$final"
}

# True when pid $1 is gone (or a zombie about to be reaped).
pid_gone() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

# The files on the real CLI (claude_real_cli.bats, claude_tools_real_cli.bats):
# start_real_claude_on_fake_upstream in setup_file installs the pinned Claude
# Code (REAL_CLAUDE, empty when it could not be) and starts the fake Messages
# API (tests/upstream/fake-anthropic.mjs) on UPSTREAM; stop_fake_upstream
# upstream in teardown_file stops it.
start_real_claude_on_fake_upstream() {
	export REAL_CLAUDE UPSTREAM
	REAL_CLAUDE=$(real_cli claude) || REAL_CLAUDE=
	start_fake_upstream upstream fake-anthropic.mjs 0
	UPSTREAM=$(fake_upstream_url upstream)
}

# In setup: skip without the real CLI, point it at the fake upstream with
# the test token, and forget what the upstream recorded.
use_real_claude() {
	[ -n "$REAL_CLAUDE" ] || skip "the pinned Claude Code CLI could not be installed: $(tail -n 3 "$BATS_FILE_TMPDIR/install.log")"
	export HUB_STATE_DIR="$BATS_TEST_TMPDIR/state"
	export HUB_CLAUDE_CLI="$REAL_CLAUDE"
	export CLAUDE_CODE_OAUTH_TOKEN="$TEST_TOKEN"
	export ANTHROPIC_BASE_URL="$UPSTREAM"
	export HUB_CLAUDE_TIMEOUT=60
	unset CLAUDE_MODEL HUB_CONFIG ANTHROPIC_API_KEY ANTHROPIC_AUTH_TOKEN
	curl -fsS -X POST "$UPSTREAM/_reset" >/dev/null
}

# In teardown: the state directory is empty again and the token never
# showed in the driver's output.
assert_real_claude_left_nothing() {
	[ -z "${HUB_STATE_DIR:-}" ] || [ ! -d "$HUB_STATE_DIR" ] || [ -z "$(ls -A "$HUB_STATE_DIR")" ]
	! grep -qF "$TEST_TOKEN" <<<"${output:-}${stderr:-}"
}

# The /v1/messages requests the upstream received, as a JSON array.
messages_requests() {
	curl -fsS "$UPSTREAM/_requests" | jq -c '[.[] | select(.path | endswith("/v1/messages"))]'
}
