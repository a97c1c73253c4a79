# gemini_helpers.bash - shared by gemini_real_cli.bats and
# gemini_tools_real_cli.bats: the REAL Gemini CLI through the adapter
# against the fake Code Assist server (tests/upstream/fake-codeassist.mjs),
# reached by CODE_ASSIST_ENDPOINT with the test token (GOOGLE_GENAI_USE_GCA
# + GOOGLE_CLOUD_ACCESS_TOKEN). Needs HUB_BUILDDIR (set by make check;
# defaults to the source tree).

HUB_SRCDIR="${HUB_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
HUB_BUILDDIR="${HUB_BUILDDIR:-$HUB_SRCDIR}"
PROVIDER_RUN="$HUB_BUILDDIR/tests/fakes/provider-run"

# one_msg, drive_provider, field, assert_no_leftovers, the fake upstreams
source "$HUB_SRCDIR/tests/e2e/helpers.bash"

# In setup_file: the pinned Gemini CLI (GEMINI_REAL, empty when it could
# not be installed) and the fake Code Assist server on UPSTREAM (with the
# environment of the call); stop_fake_upstream upstream in teardown_file
# stops it.
start_real_gemini_on_fake_upstream() {
	command -v node >/dev/null || skip "node missing"
	export GEMINI_REAL UPSTREAM
	GEMINI_REAL=$(real_cli gemini) || GEMINI_REAL=
	start_fake_upstream upstream fake-codeassist.mjs
	UPSTREAM=$(fake_upstream_url upstream)
}

# In setup: skip without the CLI, point it at the fake upstream with a
# fresh test token and no other credential, and forget what the upstream
# recorded.
use_real_gemini() {
	[ -x "$PROVIDER_RUN" ] || skip "provider-run not built"
	[ -n "${GEMINI_REAL:-}" ] || skip "the Gemini CLI could not be installed: $(tail -n 3 "$BATS_FILE_TMPDIR/install.log")"
	export HUB_STATE_DIR="$BATS_TEST_TMPDIR/state"
	export HUB_GEMINI_CLI="$GEMINI_REAL"
	export HUB_GEMINI_TIMEOUT=30 HUB_KILL_GRACE_MS=500 HUB_GEMINI_MAX_RETRY_WAIT=10
	export CODE_ASSIST_ENDPOINT="$UPSTREAM" GOOGLE_GENAI_USE_GCA=true
	export GOOGLE_CLOUD_ACCESS_TOKEN="fake-access-token-$RANDOM"
	unset GEMINI_AUTH_PATH GEMINI_API_KEY GOOGLE_API_KEY HTTPS_PROXY NO_PROXY NODE_EXTRA_CA_CERTS
	mkdir -p "$HUB_STATE_DIR"
	curl -s --noproxy '*' -X POST "$UPSTREAM/_reset" >/dev/null
}

# Run the driver on the conversation in $1; extra args follow.
drive() { drive_provider gemini "$@"; }

# The bodies of the streamGenerateContent requests the fake upstream saw.
generate_requests() {
	curl -s --noproxy '*' "$UPSTREAM/_requests" | jq -c '[.[] | select(.path == "/v1internal:streamGenerateContent")]'
}
