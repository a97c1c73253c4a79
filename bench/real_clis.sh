#!/usr/bin/env bash
# real_clis.sh - the real pinned Claude Code CLI against the instant local
# fake Messages API (tests/upstream/fake-anthropic.mjs): time to first token
# and total, through the hub (streaming HTTP) and through the provider
# adapter directly (tests/fakes/provider-run). The Gemini CLI needs the TLS
# test CA of tests/e2e/gemini_real_cli.bats and is not benchmarked here yet.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

n=${BENCH_REAL_N:-20}
real=$("$HUB_SRCDIR/providers/install-clis.sh" claude 2>"$BATS_FILE_TMPDIR/install.log" | tail -n 1) || real=
if [ -z "$real" ] || [ ! -x "$real" ]; then
	result real-cli "claude" "not installed" "-" "skipped"
	exit 0
fi
node "$HUB_SRCDIR/tests/upstream/fake-anthropic.mjs" 0 >"$BATS_FILE_TMPDIR/up.port" 2>/dev/null &
BENCH_PIDS+=($!)
wait_for 50 test -s "$BATS_FILE_TMPDIR/up.port"
export ANTHROPIC_BASE_URL=http://127.0.0.1:$(head -n 1 "$BATS_FILE_TMPDIR/up.port")
export HUB_CLAUDE_CLI=$real CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-bench-not-real HUB_CLAUDE_TIMEOUT=60
export HUB_GEMINI_CLI=/bin/false
start_redis
bench_hub hub
msg='{"messages":[{"role":"user","content":"Say hello"}]}'
hub=$($LOAD seq "$HUB_URL/v1/chat/completions" "$n" 1 "$msg")
direct=$(printf '%s' "$msg" | HUB_STATE_DIR=$BATS_FILE_TMPDIR/direct $LOAD spawn "$n" "$HUB_BUILDDIR/tests/fakes/provider-run" claude)
bench_say "hub $hub"
bench_say "direct $direct"
result real-cli "claude TTFT hub / direct p50 (ms)" \
	"$(jq .first_token.p50 <<<"$hub") / $(jq .inner_first_token.p50 <<<"$direct")" "noise" "-"
result real-cli "claude total hub / direct p50 (ms)" "$(jq .p50 <<<"$hub") / $(jq .inner.p50 <<<"$direct")" "noise" "-"
share=$(jq -n --argjson h "$hub" --argjson d "$direct" '(($h.p50 - $d.inner.p50) / $d.inner.p50 * 1000 | round) / 10')
result real-cli "hub's share of the total p50 (%)" "$share" "noise (<= 5)" "$(verdict "$share" le 5)"
