#!/usr/bin/env bash
# scaleout.sh - two hub instances (each its own lighttpd and responders)
# sharing one Redis: a conversation started on one continues on the other,
# and /health throughput with both instances loaded next to one alone.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

conns=${BENCH_WRK_CONNECTIONS:-32}
use_fake_clis
export HUB_QUICK_WORKERS=1 HUB_QUICK_THREADS=8
start_redis
bench_hub a
a_url=$HUB_URL
bench_hub b
b_url=$HUB_URL

sid=scale-$$
chat_on() {
	curl -s -H 'Content-Type: application/json' -H "X-Session-ID: $sid" \
		--data-binary "$(jq -cn --arg c "$2" '{messages:[{role:"user",content:$c}]}')" \
		"$1/v1/chat/completions" | jq -r '.choices[0].message.content'
}
chat_on "$a_url" "remember the number 4711" >/dev/null
reply=$(chat_on "$b_url" "[[fake:echo]] what was the number?")
if grep -q 4711 <<<"$reply"; then cont=yes; else cont=no; fi
result scaleout "conversation continues A -> B" "$cont" "yes" "$([ "$cont" = yes ] && echo met || echo MISSED)"

read -r one _ _ <<<"$(wrk_run "$a_url/health" "$conns")"
wrk_run "$a_url/health" "$conns" >"$BATS_FILE_TMPDIR/wa" &
w1=$!
wrk_run "$b_url/health" "$conns" >"$BATS_FILE_TMPDIR/wb" &
w2=$!
wait "$w1" "$w2"
read -r ra _ _ <"$BATS_FILE_TMPDIR/wa"
read -r rb _ _ <"$BATS_FILE_TMPDIR/wb"
both=$(awk -v a="$ra" -v b="$rb" 'BEGIN { printf "%.0f", a + b }')
ratio=$(awk -v a="$both" -v b="$one" 'BEGIN { printf "%.2f", a / b }')
result scaleout "/health req/s: one / two instances" "$one / $both" "-" "-"
result scaleout "throughput ratio two/one ($(nproc) cores)" "$ratio" "> 1 where cores allow" \
	"$(awk -v r="$ratio" 'BEGIN { print (r > 1.05) ? "met" : "flat" }')"
