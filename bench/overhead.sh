#!/usr/bin/env bash
# overhead.sh - what the hub adds to a chat: the same instantly-answering
# fake CLI run through the hub (HTTP, lighttpd, responder, Redis session)
# and directly through the provider adapter (tests/fakes/provider-run, no
# HTTP). provider-run's own start-up (exec, configuration) is measured with
# an input it refuses at once and subtracted:
#   direct = provider-run(chat) - provider-run(refused)
#   overhead p50 = hub p50 - direct p50;  p99 = hub p99 - (provider-run p99 - refused p50)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

n=${BENCH_N:-300}
msg='{"messages":[{"role":"user","content":"hi [[fake:chunks=1]]"}]}'
use_fake_clis
export HUB_CHAT_WORKERS=2 HUB_CHAT_THREADS=128 HUB_QUICK_WORKERS=2 HUB_QUICK_THREADS=8
start_redis
bench_hub hub

url=$HUB_URL/v1/chat/completions
bench_say "overhead: $n requests each way"
hub_plain=$($LOAD seq "$url" "$n" 0 "$msg")
hub_stream=$($LOAD seq "$url" "$n" 1 "$msg")
direct=$(printf '%s' "$msg" | $LOAD spawn "$n" "$HUB_BUILDDIR/tests/fakes/provider-run" claude)
refused=$(printf 'not json' | $LOAD spawn "$n" "$HUB_BUILDDIR/tests/fakes/provider-run" claude)
for v in hub_plain hub_stream direct refused; do bench_say "$v ${!v}"; done

[ "$(jq .errors <<<"$hub_plain")" = 0 ] && [ "$(jq .errors <<<"$hub_stream")" = 0 ] &&
	[ "$(jq .errors <<<"$direct")" = 0 ] || bench_say "WARNING: errors in the overhead runs"

d50=$(jq -n --argjson d "$direct" --argjson r "$refused" '$d.p50 - $r.p50')
d99=$(jq -n --argjson d "$direct" --argjson r "$refused" '$d.p99 - $r.p50')
for kind in plain stream; do
	v=hub_$kind
	o50=$(jq -n --argjson h "${!v}" --argjson d "$d50" '($h.p50 - $d) * 1000 | round / 1000')
	o99=$(jq -n --argjson h "${!v}" --argjson d "$d99" '($h.p99 - $d) * 1000 | round / 1000')
	result overhead "$kind: hub p50 / direct p50 (ms)" "$(jq .p50 <<<"${!v}") / $d50" "-" "-"
	result overhead "$kind: added p50 (ms)" "$o50" "<= 1" "$(verdict "$o50" le 1)"
	result overhead "$kind: added p99 (ms)" "$o99" "<= 3" "$(verdict "$o99" le 3)"
done
