#!/usr/bin/env bash
# concurrency.sh - 256 concurrent streaming chats against a slow fake CLI
# (each about 3 s: 10 deltas 300 ms apart), on the default pools (chat:
# 2 workers x 128 threads). Reports errors, and the responders' RSS
# before, during and after, and the RSS of one idle quick responder worker.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

c=${BENCH_CONCURRENCY:-256}
msg='{"messages":[{"role":"user","content":"hi [[fake:chunks=10]] [[fake:slow=300]]"}]}'
use_fake_clis
export HUB_CHAT_WORKERS=2 HUB_CHAT_THREADS=128 HUB_QUICK_WORKERS=2 HUB_QUICK_THREADS=8
start_redis
bench_hub hub
curl -s -o /dev/null "$HUB_URL/health"
curl -s -o /dev/null -H 'Content-Type: application/json' \
	--data-binary '{"messages":[{"role":"user","content":"warm"}]}' "$HUB_URL/v1/chat/completions"

pids=$(responder_pids "$HUB_STATE_DIR")
# an idle worker: the smallest RSS among the workers (not the supervisors)
idle=$(for p in $pids; do
	pp=$(awk '{ sub(/^.*\) /, ""); print $2 }' "/proc/$p/stat")
	[ "$(cat "/proc/$pp/comm")" = hub-fcgi ] && awk '/^VmRSS:/ {print $2}' "/proc/$p/status"
done | sort -n | head -n 1)
before=$(rss_kib $pids)

$LOAD conc "$HUB_URL/v1/chat/completions" "$c" 1 "$msg" >"$BATS_FILE_TMPDIR/conc.json" &
lp=$!
peak=0 children=0
while kill -0 "$lp" 2>/dev/null; do
	now=$(rss_kib $(responder_pids "$HUB_STATE_DIR"))
	[ "$now" -gt "$peak" ] && peak=$now
	k=$(pgrep -c -x fake-claude || true)
	[ "$k" -gt "$children" ] && children=$k
	sleep 0.3
done
wait "$lp"
out=$(cat "$BATS_FILE_TMPDIR/conc.json")
sleep 2
after=$(rss_kib $(responder_pids "$HUB_STATE_DIR"))
bench_say "concurrency $out; peak CLI children $children"
errors=$(jq .errors <<<"$out")
result concurrency "$c streams: errors" "$errors" "0" "$(verdict "$errors" le 0)"
result concurrency "stream time p50 / p99 (ms)" "$(jq .p50 <<<"$out") / $(jq .p99 <<<"$out")" "-" "-"
result concurrency "peak concurrent CLI children" "$children" "-" "-"
result concurrency "responders RSS before/peak/after (MiB)" \
	"$(awk -v a="$before" -v b="$peak" -v c="$after" 'BEGIN { printf "%.1f/%.1f/%.1f", a/1024, b/1024, c/1024 }')" \
	"bounded" "$(awk -v a="$before" -v c="$after" 'BEGIN { print (c <= a * 1.5 + 4096) ? "met" : "MISSED" }')"
idle_mb=$(awk -v a="$idle" 'BEGIN { printf "%.2f", a / 1024 }')
result concurrency "idle responder RSS (MiB)" "$idle_mb" "<= 4" "$(verdict "$idle_mb" le 4)"
