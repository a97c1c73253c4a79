#!/usr/bin/env bats
# Plan limits with the REAL pinned CLIs: Claude Code 2.1.330 against
# tests/upstream/fake-anthropic.mjs sending the anthropic-ratelimit-unified-*
# headers through the phases allowed -> warning -> overage in use ->
# rejected with a reset -> reset; the Gemini CLI against
# fake-codeassist.mjs answering a quota 429. Two hubs share one Redis: what
# one learns, the other shows and obeys. Asserted: what the hubs show
# (/v1/providers, /health/tokens, /metrics), that no CLI runs during a
# cool-down (the upstream receives nothing), one alert per change for the
# fleet, a single probe after the reset, and the fallback route.

load helpers

setup_file() {
	local dir=$BATS_FILE_TMPDIR
	REAL_CLAUDE=$("$HUB_SRCDIR/providers/install-clis.sh" claude 2>"$dir/install.log") || REAL_CLAUDE=
	REAL_GEMINI=$("$HUB_SRCDIR/providers/install-clis.sh" gemini 2>>"$dir/install.log") || REAL_GEMINI=
	node "$HUB_SRCDIR/tests/upstream/fake-anthropic.mjs" 0 >"$dir/anthropic.port" 2>"$dir/anthropic.log" 3>&- &
	echo $! >"$dir/anthropic.pid"
	node "$HUB_SRCDIR/tests/upstream/fake-codeassist.mjs" >"$dir/codeassist.port" 2>"$dir/codeassist.log" 3>&- &
	echo $! >"$dir/codeassist.pid"
	node "$HUB_SRCDIR/tests/upstream/webhook-receiver.mjs" 0 >"$dir/receiver.port" 2>&1 3>&- &
	echo $! >"$dir/receiver.pid"
	wait_for 50 test -s "$dir/anthropic.port"
	wait_for 50 test -s "$dir/codeassist.port"
	wait_for 50 test -s "$dir/receiver.port"
	export ANTHROPIC_UP="http://127.0.0.1:$(head -n 1 "$dir/anthropic.port")"
	export CODEASSIST_UP="http://127.0.0.1:$(head -n 1 "$dir/codeassist.port")"
	export WH="http://127.0.0.1:$(head -n 1 "$dir/receiver.port")"
	export HUB_ALERT_WEBHOOK="$WH/hook"
	export HUB_CLAUDE_CLI=$REAL_CLAUDE HUB_GEMINI_CLI=$REAL_GEMINI
	export CLAUDE_CODE_OAUTH_TOKEN="sk-ant-oat01-plan-test-$RANDOM$RANDOM"
	export ANTHROPIC_BASE_URL=$ANTHROPIC_UP
	export CODE_ASSIST_ENDPOINT=$CODEASSIST_UP GOOGLE_GENAI_USE_GCA=true
	export GOOGLE_CLOUD_ACCESS_TOKEN="fake-access-token-$RANDOM"
	export HUB_CLAUDE_TIMEOUT=60 HUB_GEMINI_TIMEOUT=60
	unset GEMINI_AUTH_PATH HUB_PLAN_OVERAGE
	printf '[route best]\ntargets = claude:sonnet, gemini:gemini-2.5-pro\n' >"$dir/hub.conf"
	export HUB_CONFIG=$dir/hub.conf
	export REAL_CLAUDE REAL_GEMINI
	start_redis
	start_hub hub-a
	HUB_A=$HUB_URL HUB_A_PID=$HUB_PID
	start_hub hub-b
	HUB_B=$HUB_URL HUB_B_PID=$HUB_PID
	export REDIS_PORT REDIS_PID REDIS_URL HUB_A HUB_A_PID HUB_B HUB_B_PID
}

teardown_file() {
	HUB_PID=${HUB_A_PID:-} stop_hub
	HUB_PID=${HUB_B_PID:-}
	stop_hub
	stop_redis
	local f
	for f in anthropic codeassist receiver; do
		kill "$(cat "$BATS_FILE_TMPDIR/$f.pid")" 2>/dev/null || true
	done
}

setup() {
	[ -n "$REAL_CLAUDE" ] && [ -n "$REAL_GEMINI" ] || {
		echo "the pinned CLIs could not be installed: $(tail -n 5 "$BATS_FILE_TMPDIR/install.log")" >&2
		return 1
	}
}

# POST a chat to hub $1 with body $2; headers to $BATS_TEST_TMPDIR/h, body
# to .../b; prints the status.
post() {
	curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' \
		-H 'Content-Type: application/json' "${@:3}" --data-binary "$2" "$1/v1/chat/completions"
}
msg() { jq -cn --arg c "$1" --arg m "${2:-sonnet}" '{model:$m,messages:[{role:"user",content:$c}]}'; }
plan() { curl -s -X POST -d "$1" "$ANTHROPIC_UP/_plan" >/dev/null; }
upstream_calls() { curl -s "$ANTHROPIC_UP/_requests" | jq '[.[] | select(.path | endswith("/v1/messages"))] | length'; }
gemini_calls() { curl -s "$CODEASSIST_UP/_requests" | jq '[.[] | select(.path | endswith("streamGenerateContent"))] | length'; }
plan_of() { curl -s "$1/v1/providers" | jq -c --arg p "${2:-claude}" '.data[] | select(.name == $p) | .plan'; }
hooks() { curl -s "$WH/_requests" | jq -c --arg e "$1" --arg p "${2:-claude}" '[.[] | select(.body.event == $e and .body.provider == $p)]'; }
hook_count() { hooks "$@" | jq length; }
hook_count_is() { [ "$(hook_count "$1" "$2")" = "$3" ]; }
retry_after() { grep -i '^Retry-After:' "$BATS_TEST_TMPDIR/h" | tr -dc '0-9'; }

@test "allowed, then warning: both hubs show the window; one plan_warning alert for the fleet" {
	plan '{"phase":"allowed","utilization":0.2}'
	[ "$(post "$HUB_A" "$(msg 'hello')")" = 200 ]
	p=$(plan_of "$HUB_B")
	echo "$p"
	jq -e '.level == "ok" and .status == "allowed" and .window == "five_hour" and .utilization == 0.2
	    and .overage == "deny" and .overage_in_use == false and .cooling_down == false' <<<"$p"
	# the route's first target serves while it is open; the session continues later
	[ "$(post "$HUB_A" "$(msg 'ROUTE-TURN-ONE' best)" -H 'X-Session-ID: plan-route-1')" = 200 ]
	grep -qi '^X-Hub-Route-Target: claude:sonnet' "$BATS_TEST_TMPDIR/h"

	plan '{"phase":"warning","utilization":0.92}'
	[ "$(post "$HUB_B" "$(msg 'hello again')")" = 200 ]
	[ "$(post "$HUB_A" "$(msg 'and again')")" = 200 ]
	jq -e '.level == "warning" and .status == "allowed_warning" and .utilization == 0.92' <<<"$(plan_of "$HUB_A")"
	wait_for 50 hook_count_is plan_warning claude 1
	sleep 1
	[ "$(hook_count plan_warning)" = 1 ]
	curl -s "$HUB_B/metrics" | grep -qx 'hub_plan_level{provider="claude"} 1'
	curl -s "$HUB_B/health/tokens" | jq -e '.providers.claude.plan.level == "warning"'
}

@test "overage in use with overage = deny: stopped, 429 plan_limit_reached; every host refuses without a CLI" {
	reset=$(( $(date +%s) + 8 ))
	echo "$reset" >"$BATS_FILE_TMPDIR/reset1"
	plan "{\"phase\":\"overage\",\"reset\":$reset}"
	[ "$(post "$HUB_A" "$(msg 'spend extra?')")" = 429 ]
	jq -e '.error.code == "plan_limit_reached" and .error.type == "rate_limit_error"' "$BATS_TEST_TMPDIR/b"
	ra=$(retry_after)
	[ "$ra" -ge 1 ] && [ "$ra" -le 9 ]
	before=$(upstream_calls)
	# the other host refuses at once: nothing reaches the upstream
	[ "$(post "$HUB_B" "$(msg 'still there?')")" = 429 ]
	jq -e '.error.code == "plan_limit_reached"' "$BATS_TEST_TMPDIR/b"
	[ "$(retry_after)" -le 9 ]
	[ "$(upstream_calls)" = "$before" ]
	p=$(plan_of "$HUB_B")
	echo "$p"
	jq -e '.level == "limit" and .overage_in_use == true and .cooling_down == true and .refused >= 1' <<<"$p"
	wait_for 50 hook_count_is plan_limit_reached claude 1
	curl -s "$HUB_A/metrics" | grep -q '^hub_plan_refused_total{provider="claude"} [1-9]'
	curl -s "$HUB_A/metrics" | grep -qx 'hub_plan_overage_in_use{provider="claude"} 1'
}

@test "the route falls over to gemini while claude cools down; the session continues there" {
	[ "$(post "$HUB_B" "$(msg 'ROUTE-TURN-TWO' best)" -H 'X-Session-ID: plan-route-1')" = 200 ]
	grep -qi '^X-Hub-Route-Target: gemini:gemini-2.5-pro' "$BATS_TEST_TMPDIR/h"
	jq -e '.model | startswith("gemini")' "$BATS_TEST_TMPDIR/b"
	# the history of the claude turn reached gemini
	curl -s "$CODEASSIST_UP/_requests" | jq -e '[.[] | select(.path | endswith("streamGenerateContent")) | .body | tostring | contains("ROUTE-TURN-ONE")] | any'
	curl -s "$HUB_A/v1/models" | jq -e '.data[] | select(.id == "best") | .targets == ["claude:sonnet","gemini:gemini-2.5-pro"]'
}

@test "rejected with a reset: one probe after the cool-down (one host), refused again; then the reset reopens" {
	reset1=$(cat "$BATS_FILE_TMPDIR/reset1")
	reset2=$(( reset1 + 5 ))
	plan "{\"phase\":\"rejected\",\"reset\":$reset2}"
	while [ "$(date +%s)" -lt "$reset1" ]; do sleep 0.2; done
	sleep 0.3
	before=$(upstream_calls)
	# both hosts at once: one probes (the upstream sees one request), the other is refused
	post "$HUB_A" "$(msg 'probe a')" >"$BATS_TEST_TMPDIR/sa" &
	pa=$!
	curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$(msg 'probe b')" "$HUB_B/v1/chat/completions" >"$BATS_TEST_TMPDIR/sb"
	wait "$pa"
	[ "$(cat "$BATS_TEST_TMPDIR/sa")" = 429 ] && [ "$(cat "$BATS_TEST_TMPDIR/sb")" = 429 ]
	[ "$(upstream_calls)" = $((before + 1)) ]
	p=$(plan_of "$HUB_A")
	echo "$p"
	jq -e '.level == "limit" and .status == "rejected" and .overage_in_use == false
	    and .overage_status == "rejected" and .overage_disabled_reason == "org_level_disabled"
	    and .cooling_down == true' <<<"$p"

	plan "{\"phase\":\"reset\",\"reset\":$(( reset2 + 3600 ))}"
	while [ "$(date +%s)" -lt "$reset2" ]; do sleep 0.2; done
	sleep 0.3
	[ "$(post "$HUB_B" "$(msg 'open again?')")" = 200 ]
	jq -e '.level == "ok" and .status == "allowed" and .cooling_down == false' <<<"$(plan_of "$HUB_A")"
	[ "$(post "$HUB_A" "$(msg 'and here?')")" = 200 ]
	wait_for 50 hook_count_is plan_window_reset claude 1
	sleep 1
	[ "$(hook_count plan_window_reset)" = 1 ]
	# one alert per change for the fleet: limit (overage) then limit again is no change
	[ "$(hook_count plan_limit_reached)" = 1 ]
}

@test "gemini: a quota 429 cools it down for its retry delay; no CLI runs meanwhile; the route refuses when all cool down" {
	curl -s -X POST -d '{"mode":"429"}' "$CODEASSIST_UP/_mode" >/dev/null
	[ "$(post "$HUB_A" "$(msg 'quota?' gemini-2.5-pro)")" = 429 ]
	jq -e '.error.code == "rate_limit_exceeded"' "$BATS_TEST_TMPDIR/b"
	before=$(gemini_calls)
	[ "$(post "$HUB_B" "$(msg 'quota again?' gemini-2.5-pro)")" = 429 ]
	jq -e '.error.code == "plan_limit_reached"' "$BATS_TEST_TMPDIR/b"
	[ "$(retry_after)" -gt 3600 ]
	[ "$(gemini_calls)" = "$before" ]
	jq -e '.level == "limit" and .window == "quota" and .cooling_down == true' <<<"$(plan_of "$HUB_B" gemini)"
	wait_for 50 hook_count_is plan_limit_reached gemini 1
	# claude cools down again (the rejected phase) and so does gemini: the route refuses
	plan "{\"phase\":\"rejected\",\"reset\":$(( $(date +%s) + 600 ))}"
	[ "$(post "$HUB_A" "$(msg 'hello')")" = 429 ]
	[ "$(post "$HUB_B" "$(msg 'any target?' best)")" = 429 ]
	jq -e '.error.code == "plan_limit_reached" and (.error.message | test("route best"))' "$BATS_TEST_TMPDIR/b"
	curl -s -X POST -d '{"mode":"ok"}' "$CODEASSIST_UP/_mode" >/dev/null
}

@test "no secret in the hubs' logs or the alerts" {
	! grep -rqF "$CLAUDE_CODE_OAUTH_TOKEN" "$BATS_FILE_TMPDIR"/*.log
	! grep -qF "$GOOGLE_CLOUD_ACCESS_TOKEN" "$BATS_FILE_TMPDIR"/hub-*.log
	! curl -s "$WH/_requests" | grep -qF "$CLAUDE_CODE_OAUTH_TOKEN"
}
