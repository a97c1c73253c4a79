#!/usr/bin/env bash
# redis_rtt.sh - Redis round trips of one chat turn, per kind of turn,
# counted on the server (as tests/e2e/redis_rtt.bats counts them): INFO
# stats' total_writes_processed grows by one for each batch of replies
# Redis writes, that is once per round trip of the hub's one connection
# (one chat thread, warmed up), net of the measurement's own.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

use_fake_clis
export HUB_CHAT_WORKERS=1 HUB_CHAT_THREADS=1
start_redis
bench_hub hub
writes() { redis-cli -p "$REDIS_PORT" info stats | tr -d '\r' | sed -n 's/^total_writes_processed://p'; }
turn() { curl -s -o /dev/null -H 'Content-Type: application/json' "$@" "$HUB_URL/v1/chat/completions"; }
rtt() {
	local a b c d
	a=$(writes); b=$(writes); c=$(writes); turn "$@"; d=$(writes)
	echo $(( (d - c) - (b - a) ))
}
turn --data-binary '{"messages":[{"role":"user","content":"warm up"}]}'
sid=bench-rtt-$$
one='{"messages":[{"role":"user","content":"one"}]}'
sone='{"stream":true,"messages":[{"role":"user","content":"one"}]}'
r1=$(rtt --data-binary "$one" -H "X-Session-ID: $sid")
r2=$(rtt --data-binary "$one" -H "X-Session-ID: $sid")
r3=$(rtt --data-binary "$sone" -H "X-Session-ID: $sid-s")
r4=$(rtt --data-binary "$sone" -H "X-Session-ID: $sid-s")
r5=$(rtt --data-binary "$one")
r6=$(rtt --data-binary "$sone")
result redis-rtt "stored turn, X-Session-ID, first / with history" "$r1 / $r2" "<= 3" "$(verdict "$(( r1 > r2 ? r1 : r2 ))" le 3)"
result redis-rtt "streamed, X-Session-ID, first / with history" "$r3 / $r4" "<= 3" "$(verdict "$(( r3 > r4 ? r3 : r4 ))" le 3)"
result redis-rtt "no X-Session-ID, plain / streamed" "$r5 / $r6" "<= 3" "$(verdict "$(( r5 > r6 ? r5 : r6 ))" le 3)"
