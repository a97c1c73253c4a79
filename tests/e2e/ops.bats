#!/usr/bin/env bats
# Operations and security: client keys (401), session ownership over REST
# and MCP, the concurrency cap and the per-key rate limit (429 with
# Retry-After), /metrics in the Prometheus text format, the per-child
# memory cap, JSON request logs without secrets, loopback without keys.

load helpers

key() { printf 'sk-hub-%s' "$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

setup_file() {
	use_fake_clis
	[ -d "$HUB_SRCDIR/tests/node/node_modules/parse-prometheus-text-format" ] ||
		(cd "$HUB_SRCDIR/tests/node" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1)
	export KEY_ALICE=$(key) KEY_BOB=$(key) KEY_CAROL=$(key) KEY_DAVE=$(key) KEY_ERIN=$(key)
	export HUB_API_KEYS="alice:$KEY_ALICE, bob:$KEY_BOB,$KEY_DAVE,erin:$KEY_ERIN"
	export HUB_API_KEYS_FILE=$BATS_FILE_TMPDIR/keys
	{
		echo "# id name sha256"
		printf 'carol Carol the CI %s\n' "$(printf %s "$KEY_CAROL" | sha256sum | cut -d' ' -f1)"
	} >"$HUB_API_KEYS_FILE"
	export HUB_MAX_CONCURRENT_CLAUDE=1
	export HUB_RATE_LIMIT_PER_MINUTE=30
	export HUB_CHILD_MAX_RSS_MB=150
	# the Gemini CLI here is Node: it allocates the MiB named in a file,
	# then runs the fake Gemini CLI as its child (the group's RSS counts)
	# (all of it in one directory of its own, with a copy of the fake: the
	# CLI's directory is all of the host a jailed child sees)
	local node cli=$BATS_FILE_TMPDIR/cli; node=$(command -v node)
	mkdir -p "$cli"
	cp "$HUB_BUILDDIR/tests/fakes/fake-gemini" "$cli/"
	echo 20 >"$cli/alloc_mb"
	cat >"$cli/hungry.js" <<JS
const mb = Number(require("fs").readFileSync("$cli/alloc_mb", "utf8"));
const hold = Buffer.alloc(mb * 1048576, 1);
const r = require("child_process").spawnSync("$cli/fake-gemini", process.argv.slice(2), { stdio: "inherit" });
process.exitCode = r.status === null ? 1 : r.status;
if (hold.length === 0) console.log("");
JS
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$node" "$cli/hungry.js" >"$cli/gemini-node"
	chmod +x "$cli/gemini-node"
	export HUB_GEMINI_CLI=$cli/gemini-node
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

msg() { jq -cn --arg c "$1" --arg m "${2:-sonnet}" '{model:$m,messages:[{role:"user",content:$c}]}'; }

# as KEY ARGS...: curl with that key; prints body then status
as() { local k=$1; shift; curl -s -w '\n%{http_code}' -H "Authorization: Bearer $k" "$@"; }

# One MCP request over Streamable HTTP; prints the JSON-RPC message.
mcp() {
	local k=$1 sid=$2 body=$3 out
	out=$(curl -s -H "Authorization: Bearer $k" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
		${sid:+-H "Mcp-Session-Id: $sid"} --data-binary "$body" "$HUB_URL/mcp")
	if grep -q '^data: ' <<<"$out"; then sed -n 's/^data: //p' <<<"$out" | tail -n 1; else printf '%s\n' "$out"; fi
}

# Open an MCP session for key $1; prints its Mcp-Session-Id.
mcp_open() {
	local h=$BATS_TEST_TMPDIR/mcp.h
	curl -s -D "$h" -o /dev/null -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' \
		--data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"ops-test","version":"1"}}}' \
		"$HUB_URL/mcp"
	local sid; sid=$(grep -i '^Mcp-Session-Id:' "$h" | cut -d' ' -f2 | tr -d '\r')
	[ -n "$sid" ] || return 1
	curl -s -o /dev/null -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
		-H "Mcp-Session-Id: $sid" --data-binary '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$HUB_URL/mcp"
	printf '%s\n' "$sid"
}

@test "a missing or wrong key gets 401 with the error envelope and WWW-Authenticate: Bearer" {
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$HUB_URL/v1/models"
	[ "$output" = 401 ]
	grep -qi '^WWW-Authenticate: Bearer' "$BATS_TEST_TMPDIR/h"
	jq -e '.error.code == "invalid_api_key" and (.error.message | test("Authorization: Bearer"))' "$BATS_TEST_TMPDIR/b"
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H "Authorization: Bearer ${KEY_ALICE}x" "$HUB_URL/v1/models"
	[ "$output" = 401 ]
	grep -qi '^WWW-Authenticate: Bearer.*invalid_token' "$BATS_TEST_TMPDIR/h"
	run curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic $KEY_ALICE" "$HUB_URL/v1/sessions"
	[ "$output" = 401 ]
	# unknown paths and the chat pool are guarded too (no probing without a key)
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/nope")" = 401 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$(msg hi)" "$HUB_URL/v1/chat/completions")" = 401 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary '{}' "$HUB_URL/mcp")" = 401 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/metrics")" = 401 ]
	# /health stays open (HUB_AUTH_HEALTH=open)
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/health")" = 200 ]
	# keys from the list (with and without id) and from the hashed file work
	for k in "$KEY_ALICE" "$KEY_DAVE" "$KEY_CAROL"; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $k" "$HUB_URL/v1/models")" = 200 ]
	done
}

@test "key A cannot see or use key B's session over REST: 404 everywhere, and the same id is B's own session" {
	curl -s -D "$BATS_TEST_TMPDIR/h" -H "Authorization: Bearer $KEY_ALICE" -H 'Content-Type: application/json' \
		--data-binary "$(msg 'alice secret topic')" "$HUB_URL/v1/chat/completions" >"$BATS_TEST_TMPDIR/b"
	sid=$(grep -i '^X-Session-ID:' "$BATS_TEST_TMPDIR/h" | cut -d' ' -f2 | tr -d '\r')
	[ -n "$sid" ]
	out=$(as "$KEY_ALICE" "$HUB_URL/v1/sessions/$sid")
	[ "$(status_of "$out")" = 200 ]
	body_of "$out" | jq -e '.message_count == 2'
	out=$(as "$KEY_BOB" "$HUB_URL/v1/sessions/$sid")
	[ "$(status_of "$out")" = 404 ]
	body_of "$out" | jq -e '.error.message | test("not found")'
	[ "$(status_of "$(as "$KEY_BOB" "$HUB_URL/v1/sessions/$sid/memory?summarize=false")")" = 404 ]
	[ "$(status_of "$(as "$KEY_BOB" -X DELETE "$HUB_URL/v1/sessions/$sid")")" = 404 ]
	out=$(as "$KEY_BOB" "$HUB_URL/v1/sessions")
	[ "$(status_of "$out")" = 200 ]
	! body_of "$out" | jq -e --arg s "$sid" '.data[] | select(.id == $s)'
	# ids are scoped per key (issue 11): bob's chat with the same id is a
	# new session of bob's, with none of alice's history
	out=$(as "$KEY_BOB" -H "X-Session-ID: $sid" -H 'Content-Type: application/json' \
		--data-binary "$(msg 'continue it [[fake:echo]]')" "$HUB_URL/v1/chat/completions")
	[ "$(status_of "$out")" = 200 ]
	! grep -q 'alice secret topic' <<<"$out"
	out=$(as "$KEY_BOB" "$HUB_URL/v1/sessions/$sid")
	body_of "$out" | jq -e '.message_count == 2'
	! grep -q 'alice secret topic' <<<"$out"
	# still alice's, untouched by bob's attempts
	out=$(as "$KEY_ALICE" "$HUB_URL/v1/sessions")
	body_of "$out" | jq -e --arg s "$sid" '.data[] | select(.id == $s) | .message_count == 2'
	[ "$(status_of "$(as "$KEY_ALICE" "$HUB_URL/v1/sessions/$sid/memory?summarize=false")")" = 200 ]
}

@test "key A cannot see or use key B's session over MCP" {
	curl -s -D "$BATS_TEST_TMPDIR/h" -o /dev/null -H "Authorization: Bearer $KEY_ALICE" -H 'Content-Type: application/json' \
		--data-binary "$(msg 'alice mcp topic')" "$HUB_URL/v1/chat/completions"
	sid=$(grep -i '^X-Session-ID:' "$BATS_TEST_TMPDIR/h" | cut -d' ' -f2 | tr -d '\r')
	a=$(mcp_open "$KEY_ALICE")
	b=$(mcp_open "$KEY_BOB")
	get=$(jq -cn --arg s "$sid" '{jsonrpc:"2.0",id:2,method:"tools/call",params:{name:"get_session",arguments:{session_id:$s}}}')
	out=$(mcp "$KEY_ALICE" "$a" "$get")
	jq -e '.result.isError != true' <<<"$out"
	grep -q 'alice mcp topic' <<<"$out"
	out=$(mcp "$KEY_BOB" "$b" "$get")
	jq -e '.result.isError == true' <<<"$out"
	! grep -q 'alice mcp topic' <<<"$out"
	read=$(jq -cn --arg s "session://$sid" '{jsonrpc:"2.0",id:3,method:"resources/read",params:{uri:$s}}')
	out=$(mcp "$KEY_BOB" "$b" "$read")
	jq -e '.error.code != null' <<<"$out"
	! grep -q 'alice mcp topic' <<<"$out"
	# the same id in bob's scope is bob's own (new) session: no alice history
	chat=$(jq -cn --arg s "$sid" '{jsonrpc:"2.0",id:4,method:"tools/call",params:{name:"chat",arguments:{message:"go on [[fake:echo]]",session_id:$s}}}')
	out=$(mcp "$KEY_BOB" "$b" "$chat")
	jq -e '.result.isError != true' <<<"$out"
	grep -q 'go on' <<<"$out"
	! grep -q 'alice mcp topic' <<<"$out"
	# bob cannot ride on alice's MCP session either
	out=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY_BOB" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
		-H "Mcp-Session-Id: $a" --data-binary '{"jsonrpc":"2.0","id":5,"method":"ping"}' "$HUB_URL/mcp")
	[ "$out" = 404 ]
}

@test "the concurrency cap answers 429 with Retry-After at once, streaming or not, and frees the slot" {
	as "$KEY_CAROL" -H 'Content-Type: application/json' \
		--data-binary "$(msg 'slow one [[fake:chunks=3]] [[fake:slow=800]]')" "$HUB_URL/v1/chat/completions" >"$BATS_TEST_TMPDIR/slow" &
	slow=$!
	# wait until the slow one holds the only Claude slot
	wait_for 30 sh -c "curl -s -H 'Authorization: Bearer $KEY_CAROL' '$HUB_URL/metrics' | grep -q '^hub_provider_requests_in_flight{provider=\"claude\",model=\"sonnet\"} 1'"
	start=$(date +%s%N)
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H "Authorization: Bearer $KEY_CAROL" \
		-H 'Content-Type: application/json' --data-binary "$(msg 'second')" "$HUB_URL/v1/chat/completions"
	[ "$output" = 429 ]
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 1000 ]
	grep -qi '^Retry-After: [1-9]' "$BATS_TEST_TMPDIR/h"
	jq -e '.error.type == "rate_limit_error" and (.error.message | test("HUB_MAX_CONCURRENT_CLAUDE"))' "$BATS_TEST_TMPDIR/b"
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H "Authorization: Bearer $KEY_CAROL" \
		-H 'Content-Type: application/json' --data-binary "$(jq -cn '{model:"sonnet",stream:true,messages:[{role:"user",content:"streamed"}]}')" "$HUB_URL/v1/chat/completions"
	[ "$output" = 429 ]
	grep -qi '^Retry-After: [1-9]' "$BATS_TEST_TMPDIR/h"
	# Gemini has its own cap
	[ "$(status_of "$(as "$KEY_CAROL" -H 'Content-Type: application/json' --data-binary "$(msg 'other provider' gemini-2.5-flash)" "$HUB_URL/v1/chat/completions")")" = 200 ]
	wait "$slow"
	[ "$(status_of "$(cat "$BATS_TEST_TMPDIR/slow")")" = 200 ]
	[ "$(status_of "$(as "$KEY_CAROL" -H 'Content-Type: application/json' --data-binary "$(msg 'after')" "$HUB_URL/v1/chat/completions")")" = 200 ]
}

@test "the per-key rate limit answers 429 with Retry-After; other keys are not affected" {
	# 61 requests against a limit of 30 per minute: even across a minute
	# boundary one window must overflow
	got=
	for i in $(seq 1 61); do
		code=$(curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' \
			-H "Authorization: Bearer $KEY_DAVE" "$HUB_URL/v1/models")
		if [ "$code" = 429 ]; then got=1; break; fi
		[ "$code" = 200 ]
	done
	[ -n "$got" ]
	ra=$(grep -i '^Retry-After:' "$BATS_TEST_TMPDIR/h" | cut -d' ' -f2 | tr -d '\r')
	[ "$ra" -ge 1 ] && [ "$ra" -le 60 ]
	jq -e '.error.type == "rate_limit_error"' "$BATS_TEST_TMPDIR/b"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY_ERIN" "$HUB_URL/v1/models")" = 200 ]
}

@test "/metrics is valid Prometheus text and /v1/providers shows the same stats" {
	as "$KEY_ERIN" -H 'Content-Type: application/json' --data-binary "$(msg 'metrics ok [[fake:chunks=2]]' haiku)" "$HUB_URL/v1/chat/completions" >/dev/null
	[ "$(status_of "$(as "$KEY_ERIN" -H 'Content-Type: application/json' --data-binary "$(msg 'broken [[fake:garbage]]' haiku)" "$HUB_URL/v1/chat/completions")")" = 502 ]
	curl -s -D "$BATS_TEST_TMPDIR/h" -H "Authorization: Bearer $KEY_ERIN" "$HUB_URL/metrics" >"$BATS_TEST_TMPDIR/m"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$BATS_TEST_TMPDIR/h"
	node "$HUB_SRCDIR/tests/node/metrics-check.mjs" <"$BATS_TEST_TMPDIR/m" >"$BATS_TEST_TMPDIR/families.json"
	f=$BATS_TEST_TMPDIR/families.json
	jq -e '.[] | select(.name == "hub_provider_requests_total") | .metrics[] |
		select(.labels.provider == "claude" and .labels.model == "haiku") | .value == 2' "$f"
	jq -e '[.[] | select(.name == "hub_provider_errors_total") | .metrics[] |
		select(.labels.provider == "claude" and .labels.model == "haiku") | .value] | add == 1' "$f"
	jq -e '.[] | select(.name == "hub_provider_duration_seconds" and .type == "histogram") | .metrics[] |
		select(.labels.model == "haiku") | .count == 2 and .sum > 0' "$f"
	jq -e '.[] | select(.name == "hub_provider_time_to_first_token_seconds") | .metrics[] |
		select(.labels.model == "haiku") | .count >= 1' "$f"
	jq -e '.[] | select(.name == "hub_provider_requests_in_flight" and .type == "gauge")' "$f"
	# the same numbers in /v1/providers, from any worker
	out=$(as "$KEY_ERIN" "$HUB_URL/v1/providers")
	body_of "$out" | jq -e '.data[] | select(.name == "claude") | .stats.models.haiku |
		.requests == 2 and ([.errors[]] | add) == 1 and .duration_ms.count == 2 and
		(.duration_ms.p50 | type) == "number" and .last_error.kind != null and (.last_error.at | test("Z$"))'
	# a client-chosen unknown model does not create a new label
	as "$KEY_ERIN" -H 'Content-Type: application/json' --data-binary "$(msg 'x' claude-made-up-model-name)" "$HUB_URL/v1/chat/completions" >/dev/null
	! curl -s -H "Authorization: Bearer $KEY_ERIN" "$HUB_URL/metrics" | grep -q 'made-up'
}

@test "a child over HUB_CHILD_MAX_RSS_MB is stopped; Node itself starts fine under the limit" {
	echo 20 >"$BATS_FILE_TMPDIR/cli/alloc_mb"
	out=$(as "$KEY_ERIN" -H 'Content-Type: application/json' --data-binary "$(msg 'small [[fake:echo]]' gemini-2.5-flash)" "$HUB_URL/v1/chat/completions")
	[ "$(status_of "$out")" = 200 ]
	body_of "$out" | jq -e '.choices[0].message.content | test("small")'
	echo 400 >"$BATS_FILE_TMPDIR/cli/alloc_mb"
	start=$(date +%s)
	out=$(as "$KEY_ERIN" -H 'Content-Type: application/json' --data-binary "$(msg 'big [[fake:echo]]' gemini-2.5-flash)" "$HUB_URL/v1/chat/completions")
	echo 20 >"$BATS_FILE_TMPDIR/cli/alloc_mb"
	[ "$(status_of "$out")" = 502 ]
	body_of "$out" | jq -e '.error.message | test("HUB_CHILD_MAX_RSS_MB")'
	[ $(( $(date +%s) - start )) -lt 10 ]
	# nothing of it is left running
	wait_for 30 sh -c "! pgrep -f 'hungry[.]js'"
}

@test "request logs are JSON lines with the key id, never a key or a prompt; X-Request-ID round-trips" {
	marker="prompt-marker-$RANDOM$RANDOM"
	curl -s -D "$BATS_TEST_TMPDIR/h" -o /dev/null -H "Authorization: Bearer $KEY_ERIN" -H 'X-Request-ID: ops-test-42' \
		-H 'Content-Type: application/json' --data-binary "$(msg "$marker")" "$HUB_URL/v1/chat/completions"
	grep -qi '^X-Request-ID: ops-test-42' "$BATS_TEST_TMPDIR/h"
	curl -s -D "$BATS_TEST_TMPDIR/h" -o /dev/null -H 'X-Request-ID: bad id!' "$HUB_URL/health"
	grep -qi '^X-Request-ID: req_' "$BATS_TEST_TMPDIR/h"
	sleep 0.2
	# every line of the log is JSON
	while IFS= read -r line; do
		jq -e . >/dev/null <<<"$line" || { echo "not JSON: $line"; false; }
	done <"$HUB_LOG"
	grep '"request_id":"ops-test-42"' "$HUB_LOG" | jq -e 'select(.type == "request") |
		.key_id == "erin" and .method == "POST" and .path == "/v1/chat/completions" and .status == 200 and
		.provider == "claude" and .model == "sonnet" and (.ttfb_ms | type) == "number" and
		(.duration_ms | type) == "number" and .bytes > 0 and has("error") and (.time | test("Z$"))'
	grep '"status":401' "$HUB_LOG" | head -n 1 | jq -e '.error == "invalid_api_key" and .key_id == null'
	grep '"status":429' "$HUB_LOG" | head -n 1 | jq -e '.error != null'
	! grep -q "$marker" "$HUB_LOG"
}

@test "a thread's log line keeps nothing of the line before it: key, provider, model, error" {
	local saved_pid=$HUB_PID saved_url=$HUB_URL saved_log=$HUB_LOG saved_state=$HUB_STATE_DIR
	# one chat thread: the three requests are logged by the same thread,
	# each line from the object the one before it was printed from
	HUB_CHAT_WORKERS=1 HUB_CHAT_THREADS=1 start_hub onethread
	curl -s -o /dev/null -H "Authorization: Bearer $KEY_CAROL" -H 'X-Request-ID: one-1' \
		-H 'Content-Type: application/json' --data-binary "$(msg hello)" "$HUB_URL/v1/chat/completions"
	curl -s -o /dev/null -H 'X-Request-ID: one-2' \
		-H 'Content-Type: application/json' --data-binary "$(msg hello)" "$HUB_URL/v1/chat/completions"
	curl -s -o /dev/null -H "Authorization: Bearer $KEY_CAROL" -H 'X-Request-ID: one-3' \
		-H 'Content-Type: application/json' --data-binary '{' "$HUB_URL/v1/chat/completions"
	line() { grep "\"request_id\":\"$1\"" "$HUB_LOG" | jq -c 'select(.type == "request")'; }
	wait_for 20 sh -c "grep -q '\"request_id\":\"one-3\"' '$HUB_LOG'"
	line one-1 | jq -e '.status == 200 and .key_id == "carol" and .key_name == "Carol the CI" and
		.provider == "claude" and .model == "sonnet" and (.ttfb_ms | type) == "number" and .error == null'
	line one-2 | jq -e '.status == 401 and .key_id == null and .key_name == null and .provider == null and
		.model == null and .error == "invalid_api_key"'
	line one-3 | jq -e '.status == 400 and .key_id == "carol" and .provider == null and .model == null and
		.error != null and .error != "invalid_api_key" and .method == "POST"'
	stop_hub
	HUB_PID=$saved_pid HUB_URL=$saved_url HUB_LOG=$saved_log HUB_STATE_DIR=$saved_state
}

@test "without client keys the hub refuses a public HUB_BIND and listens on loopback only" {
	local saved_pid=$HUB_PID saved_url=$HUB_URL saved_log=$HUB_LOG
	unset HUB_API_KEYS HUB_API_KEYS_FILE
	export HUB_BIND=0.0.0.0
	start_hub nokeys
	grep -q 'refusing HUB_BIND=0.0.0.0' "$BATS_FILE_TMPDIR/nokeys.serve.log"
	grep -q "server.bind = \"127.0.0.1\"" "$HUB_STATE_DIR/run/lighttpd.conf"
	# no key needed now
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/models")" = 200 ]
	stop_hub
	HUB_PID=$saved_pid HUB_URL=$saved_url HUB_LOG=$saved_log
}

@test "no key value appears in any log or test output" {
	for k in "$KEY_ALICE" "$KEY_BOB" "$KEY_CAROL" "$KEY_DAVE" "$KEY_ERIN" "$CLAUDE_CODE_OAUTH_TOKEN"; do
		! grep -rqF -- "$k" "$BATS_FILE_TMPDIR"/*.log
		! grep -rqF -- "$k" "$BATS_FILE_TMPDIR"/*state/log 2>/dev/null
		! grep -rqF -- "$k" "$BATS_RUN_TMPDIR" --include='*.out' --include='*.log' 2>/dev/null
	done
	# the keys file holds hashes only
	! grep -qF -- "$KEY_CAROL" "$HUB_API_KEYS_FILE"
}
