#!/usr/bin/env bash
# overhead.sh - what the hub adds to a chat: the same instantly-answering
# fake CLI (tests/fakes/fake-claude, one delta) through the hub (HTTP,
# lighttpd, chat responder, Redis session) and as a bare run of the same
# binary with the argv, stdin and environment the hub gave it (captured
# once through a recorder: bench/lib.sh capture_cli), both timed by the
# same client (bench/load.mjs: a request to its end, a run to its exit):
#   added p50 = hub p50 - bare p50;  added p99 = hub p99 - bare p99
# Non-streaming and streaming (each compared with its own capture). The
# jail is off by default (BENCH_JAIL=auto to include it; its own cost is
# bench/jail.sh's). The hub runs as `./hub run` runs it (one chat
# worker, the run directories on the /dev/shm tmpfs when the host has
# one), then once more with the run directories on disk in HUB_STATE_DIR
# (HUB_RUN_DIR=, as on a host without a tmpfs); the bare runs are the same
# for both.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

n=${BENCH_N:-300}
msg='{"messages":[{"role":"user","content":"hi [[fake:chunks=1]]"}]}'
use_fake_clis
export HUB_JAIL=${BENCH_JAIL:-off}
export HUB_CHAT_WORKERS=1 HUB_CHAT_THREADS=128 HUB_QUICK_WORKERS=2 HUB_QUICK_THREADS=8
bench_redis
capture_cli overhead HUB_CLAUDE_CLI "$HUB_CLAUDE_CLI" "$msg" "$(jq -c '.stream = true' <<<"$msg")"
bench_hub hub

url=$HUB_URL/v1/chat/completions
bench_say "overhead: $n requests each way (jail $HUB_JAIL)"
hub_plain=$($LOAD seq "$url" "$n" 0 "$msg")
hub_stream=$($LOAD seq "$url" "$n" 1 "$msg")
runs_at=$(hub_run_base)
runs_kind() { stat -f -c %T "$runs_at" 2>/dev/null || echo "?"; }
bench_say "overhead: the run directories in $runs_at"
# the same with the run directories on disk, in HUB_STATE_DIR
HUB_RUN_DIR=$BATS_FILE_TMPDIR/hubdisk-state/runs bench_hub hubdisk
disk_plain=$($LOAD seq "$HUB_URL/v1/chat/completions" "$n" 0 "$msg")
disk_stream=$($LOAD seq "$HUB_URL/v1/chat/completions" "$n" 1 "$msg")
i=0
for kind in plain stream; do
	run=$BATS_FILE_TMPDIR/capture-overhead/run$i
	mapfile -t argv < <(capture_argv "$run")
	printf -v "bare_$kind" '%s' "$(LOAD_ENV0=$run/env0 LOAD_CWD=$run/wd/$(cat "$run/cwd") \
		$LOAD spawn "$n" "$HUB_CLAUDE_CLI" "${argv[@]}" <"$run/stdin")"
	i=$((i + 1))
done
vars=(hub_plain hub_stream bare_plain bare_stream disk_plain disk_stream)
for v in "${vars[@]}"; do bench_say "$v ${!v}"; done
for v in "${vars[@]}"; do
	[ "$(jq .errors <<<"${!v}")" = 0 ] || bench_say "WARNING: errors in $v"
done

for kind in plain stream; do
	h=hub_$kind b=bare_$kind
	o50=$(jq -n --argjson h "${!h}" --argjson b "${!b}" '($h.p50 - $b.p50) * 1000 | round / 1000')
	o99=$(jq -n --argjson h "${!h}" --argjson b "${!b}" '($h.p99 - $b.p99) * 1000 | round / 1000')
	result overhead "$kind: hub p50 / bare fake-claude p50 (ms)" "$(jq .p50 <<<"${!h}") / $(jq .p50 <<<"${!b}")" "-" "-"
	result overhead "$kind: added p50 (ms, jail $HUB_JAIL, runs $(runs_kind))" "$o50" "<= 1" "$(verdict "$o50" le 1)"
	result overhead "$kind: added p99 (ms, jail $HUB_JAIL, runs $(runs_kind))" "$o99" "<= 3" "$(verdict "$o99" le 3)"
	h=disk_$kind
	o50=$(jq -n --argjson h "${!h}" --argjson b "${!b}" '($h.p50 - $b.p50) * 1000 | round / 1000')
	o99=$(jq -n --argjson h "${!h}" --argjson b "${!b}" '($h.p99 - $b.p99) * 1000 | round / 1000')
	result overhead "$kind, run dirs on disk: added p50 / p99 (ms)" "$o50 / $o99" "-" "-"
done
