# codex_helpers.bash - shared by codex_cli.bats (tests/fakes/fake-codex) and
# codex_real_cli.bats (the real pinned Codex CLI): a ChatGPT auth.json, the
# driver, and the stdio MCP server asked for a chat. Needs HUB_BUILDDIR (set
# by make check; defaults to the source tree).

HUB_SRCDIR="${HUB_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
HUB_BUILDDIR="${HUB_BUILDDIR:-$HUB_SRCDIR}"
PROVIDER_RUN="$HUB_BUILDDIR/tests/fakes/provider-run"

# one_msg, drive_provider, field, assert_no_leftovers, redis and the hub
source "$HUB_SRCDIR/tests/e2e/helpers.bash"

# write_codex_auth EXP FILE ACCOUNT: a ChatGPT auth.json as `codex login`
# writes it, in FILE (mode 600), with JWT-shaped tokens whose exp claim is
# EXP (epoch seconds) for the account ACCOUNT, and a fresh refresh token
# "rt-secret-...".
write_codex_auth() {
	local b64 claims
	b64() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
	claims=$(b64 "{\"exp\":$1,\"https://api.openai.com/auth\":{\"chatgpt_plan_type\":\"plus\",\"chatgpt_account_id\":\"$3\"}}")
	printf '{"OPENAI_API_KEY":null,"tokens":{"id_token":"%s.%s.sig","access_token":"%s.%s.at%s","refresh_token":"rt-secret-%s","account_id":"%s"},"last_refresh":"2026-01-01T00:00:00Z"}\n' \
		"$(b64 '{"alg":"none"}')" "$claims" "$(b64 '{"alg":"none"}')" "$claims" "$RANDOM" "$RANDOM$RANDOM" "$3" >"$2"
	chmod 600 "$2"
}

# use_codex_auth_file ACCOUNT: in setup_file, CODEX_AUTH_PATH is a fresh
# auth.json for ACCOUNT below the file's temp dir, valid for a day.
use_codex_auth_file() {
	export CODEX_AUTH_PATH=$BATS_FILE_TMPDIR/auth/auth.json
	mkdir -p "${CODEX_AUTH_PATH%/*}"
	write_codex_auth "$(( $(date +%s) + 86400 ))" "$CODEX_AUTH_PATH" "$1"
}

# Run the driver on the conversation in $1; extra args follow.
drive() { drive_provider codex "$@"; }

# mcp_chat_codex SECONDS: hub-mcp (on the file's hub state) initialised and
# asked, as request id 2, for a chat with provider codex; its stdin stays
# open SECONDS for the reply. Its stdout and stderr go to $BATS_TEST_TMPDIR/out
# and err.
mcp_chat_codex() {
	{
		printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{}}}' \
			'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
			'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"chat","arguments":{"message":"hello via mcp","provider":"codex"}}}'
		sleep "$1"
	} | HUB_STATE_DIR=$FILE_STATE_DIR "$HUB_BUILDDIR/hub-mcp" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
}
