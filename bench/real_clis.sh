#!/usr/bin/env bash
# real_clis.sh - the real pinned CLIs (Claude Code and Gemini) against the
# instant local fake upstreams (tests/upstream/fake-anthropic.mjs and
# fake-codeassist.mjs, the latter with a throw-away TLS test CA made here,
# as tests/e2e/gemini_real_cli.bats makes it): through the hub (streaming
# HTTP, BENCH_REAL_N requests one after another) and as a bare run of the
# same CLI binary with the argv, stdin and environment the hub gave it
# (captured once through a recorder, bench/lib.sh capture_cli). The target:
# the hub's end of response (the chunked stream's end, after [DONE]) at
# most 5 ms after the bare CLI's own time to its `result` line.
#
# Both are timed from the start (the request sent, the CLI spawned), and
# also from the fake upstream's answer (its "done" stamp, wall clock, read
# after each run from its /_requests: LOAD_ANCHOR): the CLI's start-up,
# 0.4-1.5 s with tens of ms of jitter between runs, is then out of the
# comparison, which is what lets a 10-20 run sample resolve 5 ms. What the
# hub adds before the CLI starts is the overhead benchmark's figure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

n=${BENCH_REAL_N:-20}
export HUB_JAIL=${BENCH_JAIL:-off}
use_real_clis_on_fake_upstreams
BENCH_PIDS+=("$(cat "$BATS_FILE_TMPDIR/anthropic.pid")" "$(cat "$BATS_FILE_TMPDIR/codeassist.pid")")

# Gemini's fake with the TLS test CA (the credentials-file route's proxy
# answers for Google's OAuth hosts with it; the access-token route used
# here does not reach it, but the fake and the CLI run as in the tests).
tls=$BATS_FILE_TMPDIR/tls
if mkdir -p "$tls" && (cd "$tls" &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/CN=llm-mcp-hub bench CA" &&
	openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=oauth2.googleapis.com" &&
	printf 'subjectAltName=DNS:oauth2.googleapis.com,DNS:www.googleapis.com\nbasicConstraints=CA:FALSE\n' >ext &&
	openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 -extfile ext
) >/dev/null 2>&1; then
	kill "$(cat "$BATS_FILE_TMPDIR/codeassist.pid")" 2>/dev/null || true
	: >"$BATS_FILE_TMPDIR/codeassist.port"
	FAKE_TLS_CERT=$tls/leaf.pem FAKE_TLS_KEY=$tls/leaf.key \
		node "$HUB_SRCDIR/tests/upstream/fake-codeassist.mjs" >"$BATS_FILE_TMPDIR/codeassist.port" \
		2>"$BATS_FILE_TMPDIR/codeassist.log" 3>&- &
	BENCH_PIDS+=($!)
	wait_for 50 test -s "$BATS_FILE_TMPDIR/codeassist.port"
	export CODE_ASSIST_ENDPOINT="http://127.0.0.1:$(head -n 1 "$BATS_FILE_TMPDIR/codeassist.port")"
	export NODE_EXTRA_CA_CERTS=$tls/ca.pem
else
	bench_say "WARNING: openssl could not make the TLS test CA; Gemini's fake runs without it"
fi

bench_redis
# a pause before each measured request and each bare run (BENCH_REAL_GAP_MS,
# default 300): the reply goes out at the result line, and the CLI's exit
# and its directory's removal, after it, would otherwise overlap the next
# run's start-up on a small machine (0: back to back)
gap=${BENCH_REAL_GAP_MS:-300}
# one CLI of one provider at a time: <provider> <cli> <body> <fake upstream>
bench_real() {
	local prov=$1 real=$2 body=$3 up=$4 var hub direct run end line added tail_h tail_b
	if [ -z "$real" ] || [ ! -x "$real" ]; then
		result real-cli "$prov" "not installed" "-" "skipped"
		return 0
	fi
	var=HUB_$(tr '[:lower:]' '[:upper:]' <<<"$prov")_CLI
	capture_cli "$prov" "$var" "$real" "$(jq -c '.stream = true' <<<"$body")"
	run=$BATS_FILE_TMPDIR/capture-$prov/run0
	[ -s "$run/argv0" ] || { result real-cli "$prov" "no capture" "-" "skipped"; return 0; }
	export LOAD_ANCHOR=$up/_requests
	hub=$(LOAD_GAP_MS=$gap $LOAD seq "$HUB_URL/v1/chat/completions" "$n" 1 "$body")
	mapfile -t argv < <(capture_argv "$run")
	direct=$(LOAD_GAP_MS=$gap LOAD_ENV0=$run/env0 LOAD_CWD=$run/wd/$(cat "$run/cwd") $LOAD spawnline "$n" '"type":"result"' "$real" "${argv[@]}" <"$run/stdin")
	bench_say "$prov hub $hub"
	bench_say "$prov bare $direct"
	[ "$(jq .errors <<<"$hub")" = 0 ] && [ "$(jq .errors <<<"$direct")" = 0 ] ||
		bench_say "WARNING: errors in the $prov runs"
	end=$(jq .p50 <<<"$hub")
	line=$(jq .line.p50 <<<"$direct")
	added=$(jq -n --argjson e "$end" --argjson l "$line" '($e - $l) * 1000 | round / 1000')
	tail_h=$(jq '.after_upstream.p50 // empty' <<<"$hub")
	tail_b=$(jq '.after_upstream.p50 // empty' <<<"$direct")
	result real-cli "$prov TTFT through the hub p50 (ms)" "$(jq .first_token.p50 <<<"$hub")" "-" "-"
	result real-cli "$prov bare CLI: result line / exit p50 (ms)" "$line / $(jq .p50 <<<"$direct")" "-" "-"
	result real-cli "$prov end of response: hub p50 (ms)" "$end" "-" "-"
	result real-cli "$prov hub end - bare result line p50 (ms, from start)" "$added" "-" "-"
	if [ -n "$tail_h" ] && [ -n "$tail_b" ]; then
		result real-cli "$prov from the upstream's answer: hub end / bare result line p50 (ms)" "$tail_h / $tail_b" "-" "-"
		added=$(jq -n --argjson e "$tail_h" --argjson l "$tail_b" '($e - $l) * 1000 | round / 1000')
		result real-cli "$prov hub end - bare result line p50 (ms, from the upstream's answer)" "$added" "<= 5" "$(verdict "$added" le 5)"
	else
		result real-cli "$prov from the upstream's answer" "no done stamps" "<= 5" "n/a"
	fi
	unset LOAD_ANCHOR
}

bench_hub hub
bench_real claude "$REAL_CLAUDE" '{"messages":[{"role":"user","content":"Say hello"}]}' "$ANTHROPIC_UP"
bench_real gemini "$REAL_GEMINI" '{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"Say hello"}]}' "$CODE_ASSIST_ENDPOINT"
