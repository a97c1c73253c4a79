#!/usr/bin/env bats
# Provider login health: an authentication failure in any request marks the
# token failing for every worker (Redis); a later success clears it;
# /health/tokens shows it without ever showing a secret.

load helpers

setup_file() {
	use_fake_clis
	export HUB_CHAT_WORKERS=2
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

msg() { jq -cn --arg c "$1" --arg m "$2" '{model:$m,messages:[{role:"user",content:$c}]}'; }

@test "/health/tokens describes both credentials without their values" {
	out=$(curl -s "$HUB_URL/health/tokens")
	jq -e '.providers.claude.present == true and .providers.claude.kind == "claude_oauth_token"' <<<"$out"
	jq -e '.providers.gemini.present == true and .providers.gemini.has_refresh_token == true and
		(.providers.gemini.expires_at | test("Z$")) and .providers.gemini.expired == false' <<<"$out"
	jq -e '.providers.claude.first_seen_at | test("Z$")' <<<"$out"
	! grep -q "$CLAUDE_CODE_OAUTH_TOKEN" <<<"$out"
	! grep -q 'ya29.test' <<<"$out"
}

@test "a Claude 401 gives an authentication error and marks the token failing; a success clears it" {
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$(msg 'x [[fake:error=401]]' sonnet)" "$HUB_URL/v1/chat/completions"
	[ "$output" = 502 ]
	jq -e '.error.type == "authentication_error" and .error.code == "provider_auth_failed"' "$BATS_TEST_TMPDIR/b"
	! grep -q "$CLAUDE_CODE_OAUTH_TOKEN" "$BATS_TEST_TMPDIR/b"
	out=$(curl -s "$HUB_URL/health/tokens")
	jq -e '.providers.claude.status == "failing" and (.providers.claude.last_failure_message | length) > 0 and (.providers.claude.last_failure_at | test("Z$"))' <<<"$out"
	# every worker sees it: ask several times (two chat workers, several threads)
	for i in 1 2 3 4; do
		[ "$(curl -s "$HUB_URL/health/tokens" | jq -r .providers.claude.status)" = failing ]
	done
	chat "$(msg hello sonnet)" >/dev/null
	out=$(curl -s "$HUB_URL/health/tokens")
	jq -e '.providers.claude.status == "ok" and (.providers.claude.last_success_at | test("Z$"))' <<<"$out"
}

@test "a Gemini exit 41 gives an authentication error and marks the token failing" {
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$(msg 'x [[fake:exit=41]]' gemini-2.5-pro)" "$HUB_URL/v1/chat/completions"
	[ "$output" = 502 ]
	jq -e '.error.type == "authentication_error"' "$BATS_TEST_TMPDIR/b"
	[ "$(curl -s "$HUB_URL/health/tokens" | jq -r .providers.gemini.status)" = failing ]
	chat "$(msg hello gemini-2.5-pro)" >/dev/null
	[ "$(curl -s "$HUB_URL/health/tokens" | jq -r .providers.gemini.status)" = ok ]
}

@test "a rate limit comes back as 429 with Retry-After within seconds" {
	start=$(date +%s)
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$(msg 'x [[fake:error=429]]' sonnet)" "$HUB_URL/v1/chat/completions"
	[ "$output" = 429 ]
	grep -qi '^Retry-After: [0-9]' "$BATS_TEST_TMPDIR/h"
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$(msg 'x [[fake:quota]]' gemini-2.5-pro)" "$HUB_URL/v1/chat/completions"
	[ "$output" = 429 ]
	[ $(( $(date +%s) - start )) -lt 10 ]
}

@test "no secret appears in any log" {
	! grep -rq "$CLAUDE_CODE_OAUTH_TOKEN" "$BATS_FILE_TMPDIR"/*.log
	! grep -rq 'ya29.test' "$BATS_FILE_TMPDIR"/*.log
}
