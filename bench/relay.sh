#!/usr/bin/env bash
# relay.sh - stream relay delay: the fake CLI stamps each delta with the
# CLOCK_MONOTONIC time it writes it ([[fake:stamp]]); the client subtracts
# that from the time it reads the SSE chunk (same clock, same machine).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

n=${BENCH_RELAY_REQUESTS:-40}
msg='{"messages":[{"role":"user","content":"[[fake:stamp]] [[fake:chunks=20]] [[fake:slow=10]]"}]}'
use_fake_clis
export HUB_CHAT_WORKERS=2 HUB_CHAT_THREADS=128
bench_redis
bench_hub hub
out=$($LOAD relay "$HUB_URL/v1/chat/completions" "$n" "$msg")
bench_say "relay $out"
[ "$(jq .errors <<<"$out")" = 0 ] || bench_say "WARNING: errors: $(jq -r .first_error <<<"$out")"
result relay "deltas measured" "$(jq .n <<<"$out")" "-" "-"
result relay "delay p50 (ms)" "$(jq .p50 <<<"$out")" "-" "-"
p99=$(jq .p99 <<<"$out")
result relay "delay p99 (ms)" "$p99" "<= 1" "$(verdict "$p99" le 1)"
