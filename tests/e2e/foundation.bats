#!/usr/bin/env bats
# Foundation: /health, routing errors, body limits, Redis loss and recovery,
# configuration errors, clean shutdown.

load helpers

setup_file() {
	export HUB_MAX_BODY_BYTES=65536
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

@test "GET /health answers 200 with Redis ok, the providers and the version" {
	out=$(http "$HUB_URL/health")
	[ "$(status_of "$out")" = 200 ]
	body=$(body_of "$out")
	[ "$(jq -r .status <<<"$body")" = ok ]
	[ "$(jq -r .components.redis.status <<<"$body")" = ok ]
	[ "$(jq -r .version <<<"$body")" != null ]
	jq -e '.components.providers | has("claude") and has("gemini")' <<<"$body"
}

@test "every answer carries an X-Request-ID, and a valid client one is echoed" {
	run curl -s -D - -o /dev/null -H 'X-Request-ID: abc-123' "$HUB_URL/health"
	grep -qi '^X-Request-ID: abc-123' <<<"$output"
	run curl -s -D - -o /dev/null -H 'X-Request-ID: bad id!' "$HUB_URL/health"
	grep -qi '^X-Request-ID: req_' <<<"$output"
}

@test "an unknown path answers 404 with the JSON error envelope" {
	out=$(http "$HUB_URL/no/such/thing")
	[ "$(status_of "$out")" = 404 ]
	body=$(body_of "$out")
	jq -e '.error.message and .error.type and (.error | has("param")) and .error.code' <<<"$body"
	[ "$(jq -r .error.code <<<"$body")" = not_found ]
}

@test "a known path with the wrong method answers 405 with Allow" {
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -X DELETE "$HUB_URL/health"
	[ "$output" = 405 ]
	grep -qi '^Allow: GET' "$BATS_TEST_TMPDIR/h"
	[ "$(jq -r .error.code "$BATS_TEST_TMPDIR/b")" = method_not_allowed ]
}

@test "a body over the limit answers 413 with the JSON envelope, not an HTML page" {
	head -c 200000 /dev/zero | tr '\0' 'a' >"$BATS_TEST_TMPDIR/big"
	run curl -s -o "$BATS_TEST_TMPDIR/b" -D "$BATS_TEST_TMPDIR/h" -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary @"$BATS_TEST_TMPDIR/big" "$HUB_URL/v1/providers"
	[ "$output" = 413 ]
	grep -qi '^Content-Type: application/json' "$BATS_TEST_TMPDIR/h"
	jq -e '.error.message | test("limit")' "$BATS_TEST_TMPDIR/b"
}

@test "GET /v1/providers lists both providers with CLI, model and status" {
	out=$(http "$HUB_URL/v1/providers")
	[ "$(status_of "$out")" = 200 ]
	body=$(body_of "$out")
	[ "$(jq -r '.data | map(.name) | sort | join(",")' <<<"$body")" = claude,gemini ]
	jq -e '.data[] | has("status") and has("cli_path") and has("default_model") and has("cli_version")' <<<"$body"
	[ "$(jq -r '.data[] | select(.name=="gemini") | .default_model' <<<"$body")" = gemini-2.5-pro ]
}

@test "Redis down: /health answers 503 naming Redis within 2 s; back up: 200 within 2 s" {
	# a PING Redis answered is kept up to 1 s by each thread (docs/API.md)
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/health")" = 200 ]
	stop_redis
	start=$(date +%s%N)
	wait_for 20 sh -c "curl -s --max-time 2 -o /dev/null -w '%{http_code}' '$HUB_URL/health' | grep -q 503"
	elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$elapsed_ms" -lt 2000 ]
	# once every thread's kept PING is older than 1 s, every answer is the
	# 503 (a failed PING is never kept)
	sleep 1.1
	for i in 1 2 3 4 5 6; do
		out=$(http --max-time 2 "$HUB_URL/health")
		[ "$(status_of "$out")" = 503 ]
		jq -e '.status == "unavailable" and (.message | test("Redis")) and .components.redis.status == "error"' \
			<<<"$(body_of "$out")"
	done
	start_redis
	start=$(date +%s%N)
	wait_for 20 sh -c "curl -s -o /dev/null -w '%{http_code}' '$HUB_URL/health' | grep -q 200"
	elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$elapsed_ms" -lt 2000 ]
}

@test "responses are JSON even for HEAD-less odd methods and long paths" {
	long=$(head -c 3000 /dev/zero | tr '\0' 'x')
	out=$(http "$HUB_URL/$long")
	s=$(status_of "$out")
	[ "$s" -ge 400 ] && [ "$s" -lt 500 ]
	jq -e '.error.code' <<<"$(body_of "$out")"
}

@test "request log lines are JSON with request id, status and duration" {
	curl -s -o /dev/null -H 'X-Request-ID: log-check-1' "$HUB_URL/health"
	sleep 0.2
	line=$(grep '"log-check-1"' "$HUB_LOG" | head -n 1)
	[ -n "$line" ]
	jq -e '.status == 200 and .path == "/health" and (.duration_ms >= 0)' <<<"$line"
}
