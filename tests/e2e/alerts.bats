#!/usr/bin/env bats
# Token alerts over a webhook (HUB_ALERT_WEBHOOK): exactly one POST per
# change of state for the whole fleet (several workers, concurrent
# requests), one token_expiring per provider and expiry, and a slow or
# dead receiver never slows a request.

load helpers

setup_file() {
	use_fake_clis
	# a credentials file that cannot be refreshed and expires in a day
	GEMINI_EXPIRY_MS=$(( ($(date +%s) + 86400) * 1000 ))
	printf '{"access_token":"ya29.test","token_type":"Bearer","expiry_date":%s}\n' \
		"$GEMINI_EXPIRY_MS" >"$GEMINI_AUTH_PATH"
	export GEMINI_EXPIRY_MS
	export HUB_CLAUDE_TOKEN_EXPIRES=2099-01-01
	export HUB_CHAT_WORKERS=2 HUB_CHAT_THREADS=8 HUB_QUICK_WORKERS=2
	export HUB_ALERT_TIMEOUT_MS=1000
	start_receiver
	export HUB_ALERT_WEBHOOK="http://127.0.0.1:$WH_PORT/hook/secret-path"
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG WH_PORT WH_PID
}

teardown_file() {
	stop_hub
	stop_redis
	stop_receiver
}

# The webhook receiver (tests/upstream/webhook-receiver.mjs) on a free port.
start_receiver() {
	local out=$BATS_FILE_TMPDIR/receiver.out
	node "$HUB_SRCDIR/tests/upstream/webhook-receiver.mjs" 0 >"$out" 2>&1 3>&- &
	WH_PID=$!
	wait_for 50 grep -q '^[0-9]' "$out"
	WH_PORT=$(head -n 1 "$out")
}

stop_receiver() {
	[ -n "${WH_PID:-}" ] || return 0
	kill -TERM "$WH_PID" 2>/dev/null || true
	wait "$WH_PID" 2>/dev/null || true
	wait_for 50 sh -c "! kill -0 $WH_PID 2>/dev/null" || kill -KILL "$WH_PID" 2>/dev/null || true
	WH_PID=
}

hooks() { curl -s "http://127.0.0.1:$WH_PORT/_requests"; }
# How many hooks of event $1 (and provider $2) arrived.
count() { hooks | jq --arg e "$1" --arg p "${2:-claude}" '[.[] | select(.body.event == $e and .body.provider == $p)] | length'; }
count_is() { [ "$(count "$@")" = "$3" ]; }
# $1: event, $2: provider, $3: n - wait until n arrived, then make sure no more come.
exactly() {
	wait_for 100 count_is "$1" "$2" "$3"
	sleep 1.5
	[ "$(count "$1" "$2")" = "$3" ]
}

msg() { jq -cn --arg c "$1" --arg m "$2" '{model:$m,messages:[{role:"user",content:$c}]}'; }

# Run $1 chats with body $2 at once.
concurrent() {
	local n=$1 body=$2 i pids=()
	for i in $(seq 1 "$n"); do
		curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary "$body" "$HUB_URL/v1/chat/completions" &
		pids+=($!)
	done
	wait "${pids[@]}"
}

@test "five concurrent authentication failures over two chat workers send exactly one token_failing" {
	concurrent 5 "$(msg 'x [[fake:error=401]]' sonnet)"
	# on the next request
	[ "$(curl -s "$HUB_URL/health/tokens" | jq -r .providers.claude.status)" = failing ]
	exactly token_failing claude 1
	h=$(hooks | jq -c '[.[] | select(.body.event == "token_failing")][0]')
	jq -e --arg host "$(hostname)" '.path == "/hook/secret-path" and (.headers["content-type"] | startswith("application/json")) and
		.body.provider == "claude" and .body.hub == $host and (.body.time | test("Z$")) and
		.body.expires_at == null and (.body.message | length) > 0 and
		(.body.text | test("claude")) and (.body.text | test("failing"))' <<<"$h"
	! grep -q "$CLAUDE_CODE_OAUTH_TOKEN" <<<"$(hooks)"
	# more failures are the same state: nothing more
	concurrent 3 "$(msg 'x [[fake:error=401]]' sonnet)"
	exactly token_failing claude 1
}

@test "recovery sends exactly one token_recovered; failing again sends one more token_failing" {
	concurrent 5 "$(msg hello sonnet)"
	[ "$(curl -s "$HUB_URL/health/tokens" | jq -r .providers.claude.status)" = ok ]
	exactly token_recovered claude 1
	jq -e '[.[] | select(.body.event == "token_recovered")][0].body | .provider == "claude" and (.text | test("work again"))' <<<"$(hooks)"
	concurrent 4 "$(msg 'x [[fake:error=401]]' sonnet)"
	exactly token_failing claude 2
	concurrent 2 "$(msg hello sonnet)"
	exactly token_recovered claude 2
}

@test "hub-mcp without a token on the shared Redis: the HTTP hub's token stays ok, nothing is alerted" {
	failing=$(count token_failing claude)
	[ "$(curl -s "$HUB_URL/health/tokens" | jq -r .providers.claude.status)" = ok ]
	# as the Cursor snippet of docs/MCP.md starts it, but without the token
	{
		printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{}}}' \
			'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
			'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"chat","arguments":{"message":"hello","provider":"claude"}}}'
		sleep 3
	} | env -u CLAUDE_CODE_OAUTH_TOKEN "$HUB_BUILDDIR/hub-mcp" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
	# its own mistake is told where it happened: the tool's answer and its stderr
	grep '"id":2' "$BATS_TEST_TMPDIR/out" | jq -e '.result.isError == true'
	grep -q 'no credentials configured in this process' "$BATS_TEST_TMPDIR/err"
	# the fleet's status and the webhook never hear of it
	[ "$(curl -s "$HUB_URL/health/tokens" | jq -r .providers.claude.status)" = ok ]
	run curl -s -o /dev/null -H "Content-Type: application/json" -w '%{http_code}' --data-binary "$(msg hello sonnet)" "$HUB_URL/v1/chat/completions"
	[ "$output" = 200 ]
	exactly token_failing claude "$failing"
}

@test "a 401 seen only by a hub without a webhook is alerted once by the hub with one, and so is its recovery" {
	failing=$(count token_failing claude)
	recovered=$(count token_recovered claude)
	main_url=$HUB_URL main_pid=$HUB_PID main_state=$HUB_STATE_DIR main_log=$HUB_LOG
	HUB_ALERT_WEBHOOK= start_hub nohook
	nohook_url=$HUB_URL nohook_pid=$HUB_PID
	HUB_URL=$main_url HUB_PID=$main_pid HUB_STATE_DIR=$main_state HUB_LOG=$main_log
	pids=()
	for i in 1 2 3; do
		curl -s -o /dev/null -H "Content-Type: application/json" --data-binary "$(msg 'x [[fake:error=401]]' sonnet)" "$nohook_url/v1/chat/completions" &
		pids+=($!)
	done
	wait "${pids[@]}"
	[ "$(curl -s "$HUB_URL/health/tokens" | jq -r .providers.claude.status)" = failing ]
	sleep 1
	[ "$(count token_failing claude)" = "$failing" ]  # it cannot tell anyone itself
	# the hub with the webhook reports the failure, then the recovery its own call shows
	run curl -s -o /dev/null -H "Content-Type: application/json" -w '%{http_code}' --data-binary "$(msg hello sonnet)" "$HUB_URL/v1/chat/completions"
	[ "$output" = 200 ]
	exactly token_failing claude $((failing + 1))
	exactly token_recovered claude $((recovered + 1))
	# in that order
	hooks | jq -e '[.[] | select(.body.provider == "claude") | .body.event] | .[-2:] == ["token_failing","token_recovered"]'
	HUB_PID=$nohook_pid stop_hub
}

@test "an expiring Gemini credentials file gives exactly one token_expiring across many requests" {
	for i in 1 2 3 4 5 6; do curl -s -o /dev/null "$HUB_URL/health/tokens"; done
	concurrent 4 "$(msg hello gemini-2.5-pro)"
	exactly token_expiring gemini 1
	want=$(jq -rn --argjson ms "$GEMINI_EXPIRY_MS" '$ms / 1000 | floor | todate | sub("Z$"; ".000Z")')
	jq -e --arg want "$want" '[.[] | select(.body.event == "token_expiring")][0].body |
		.expires_at == $want and (.message | test("expire")) and (.text | test("gemini"))' <<<"$(hooks)"
	! grep -q 'ya29.test' <<<"$(hooks)"
	# a Claude expiry far away (HUB_CLAUDE_TOKEN_EXPIRES) gives none, and shows in /health/tokens
	[ "$(count token_expiring claude)" = 0 ]
	jq -e '.providers.claude.expires_at == "2099-01-01T00:00:00.000Z" and .providers.claude.expired == false' \
		<<<"$(curl -s "$HUB_URL/health/tokens")"
}

@test "a slow receiver does not slow requests; a failed delivery is retried once" {
	curl -s -X POST "http://127.0.0.1:$WH_PORT/_reset" >/dev/null
	curl -s -X POST --data '{"status":500,"delay_ms":3000}' "http://127.0.0.1:$WH_PORT/_control" >/dev/null
	t=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' --data-binary "$(msg 'x [[fake:error=401]]' sonnet)" "$HUB_URL/v1/chat/completions")
	awk -v t="$t" 'BEGIN { exit !(t < 1.5) }'
	# two tries (each cut at HUB_ALERT_TIMEOUT_MS), then it gives up
	wait_for 100 count_is token_failing claude 2
	sleep 2
	[ "$(count token_failing claude)" = 2 ]
	wait_for 50 grep -q 'webhook for token_failing claude not delivered' "$HUB_LOG"
}

@test "a receiver that is down does not slow requests" {
	stop_receiver
	t=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' --data-binary "$(msg hello sonnet)" "$HUB_URL/v1/chat/completions")
	awk -v t="$t" 'BEGIN { exit !(t < 1.5) }'
	wait_for 50 grep -q 'webhook for token_recovered claude not delivered' "$HUB_LOG"
}

@test "neither secrets nor the webhook URL appear in the logs" {
	! grep -rq "$CLAUDE_CODE_OAUTH_TOKEN" "$BATS_FILE_TMPDIR"/*.log
	! grep -rq 'ya29.test' "$BATS_FILE_TMPDIR"/*.log
	! grep -rq 'secret-path' "$BATS_FILE_TMPDIR"/*.log
}
