#!/usr/bin/env bash
# concurrency.sh - 256 concurrent streaming chats against a slow fake CLI
# (each about 3 s: 10 deltas 300 ms apart), on the default pools (chat:
# 2 workers x 128 threads, HUB_MAX_CONCURRENT_CLAUDE raised to 256). Reports errors, and the responders' RSS
# before, during and after, and the RSS of one idle quick responder worker.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

c=${BENCH_CONCURRENCY:-256}
msg='{"messages":[{"role":"user","content":"hi [[fake:chunks=10]] [[fake:slow=300]]"}]}'
use_fake_clis
export HUB_CHAT_WORKERS=2 HUB_CHAT_THREADS=128 HUB_QUICK_WORKERS=2 HUB_QUICK_THREADS=8
# the per-host CLI limit (default 16) would turn most of the burst into 429s
export HUB_MAX_CONCURRENT_CLAUDE=$c
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

# two bursts: memory is bounded when the second leaves the responders no
# bigger than the first did (threads' stacks and malloc arenas stay mapped
# after the first, so "after" is compared with "after", not with "before")
peak=0 children=0 afters=() errors=0
for round in 1 2; do
	$LOAD conc "$HUB_URL/v1/chat/completions" "$c" 1 "$msg" >"$BATS_FILE_TMPDIR/conc.json" &
	lp=$!
	while kill -0 "$lp" 2>/dev/null; do
		now=$(rss_kib $(responder_pids "$HUB_STATE_DIR"))
		[ "$now" -gt "$peak" ] && peak=$now
		k=$(pgrep -c -x fake-claude || true)
		[ "$k" -gt "$children" ] && children=$k
		sleep 0.3
	done
	wait "$lp"
	out=$(cat "$BATS_FILE_TMPDIR/conc.json")
	bench_say "concurrency round $round: $out"
	errors=$((errors + $(jq .errors <<<"$out")))
	sleep 2
	afters+=("$(rss_kib $(responder_pids "$HUB_STATE_DIR"))")
done
result concurrency "2 x $c streams: errors" "$errors" "0" "$(verdict "$errors" le 0)"
result concurrency "stream time p50 / p99 (ms)" "$(jq .p50 <<<"$out") / $(jq .p99 <<<"$out")" "-" "-"
result concurrency "peak concurrent CLI children" "$children" "-" "-"
result concurrency "responders RSS before/peak/after 1/after 2 (MiB)" \
	"$(awk -v a="$before" -v b="$peak" -v c="${afters[0]}" -v d="${afters[1]}" 'BEGIN { printf "%.1f/%.1f/%.1f/%.1f", a/1024, b/1024, c/1024, d/1024 }')" \
	"bounded" "$(awk -v c="${afters[0]}" -v d="${afters[1]}" 'BEGIN { print (d <= c * 1.1 + 2048) ? "met" : "MISSED" }')"
idle_mb=$(awk -v a="$idle" 'BEGIN { printf "%.2f", a / 1024 }')
result concurrency "idle responder RSS (MiB)" "$idle_mb" "<= 4" "$(verdict "$idle_mb" le 4)"
