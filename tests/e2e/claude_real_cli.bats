#!/usr/bin/env bats
# claude_real_cli.bats - the Claude adapter with the REAL pinned Claude Code
# CLI (installed once by providers/install-clis.sh into a cache) against
# the local fake Messages API tests/upstream/fake-anthropic.mjs.

bats_require_minimum_version 1.5.0
load claude_helpers

setup_file() { start_real_claude_on_fake_upstream; }
teardown_file() { stop_fake_upstream upstream; }
setup() { use_real_claude; }
teardown() { assert_real_claude_left_nothing; }

@test "real CLI: reply streams delta by delta with usage; tools [], Bearer token, no API key" {
	drive "$(one_msg 'Say hello')"
	[ "$status" -eq 0 ]
	[ "$(final_field .text)" = "Hello from the fake upstream." ]
	[ "$(grep -c '^{"delta"' <<<"$output")" -ge 3 ]
	[ "$(grep '^{"delta"' <<<"$output" | jq -rj .delta)" = "Hello from the fake upstream." ]
	[ "$(final_field .usage.prompt_tokens)" -gt 0 ]
	[ "$(final_field .usage.completion_tokens)" -gt 0 ]
	reqs=$(messages_requests)
	[ "$(jq length <<<"$reqs")" -eq 1 ]
	[ "$(jq -c '.[0].body.tools' <<<"$reqs")" = "[]" ]
	[ "$(jq -r '.[0].headers.authorization.scheme' <<<"$reqs")" = Bearer ]
	want=$(printf '%s' "$TEST_TOKEN" | sha256sum | cut -d' ' -f1)
	[ "$(jq -r '.[0].headers.authorization.sha256' <<<"$reqs")" = "$want" ]
	[ "$(jq -r '.[0].headers["x-api-key"]' <<<"$reqs")" = null ]
	# nothing but the Messages API was called
	[ "$(curl -fsS "$UPSTREAM/_requests" | jq '[.[] | select(.unknown)] | length')" -eq 0 ]
}

@test "real CLI: a three-turn conversation reaches the upstream as turns, system prompt as system" {
	conv='{"messages":[{"role":"system","content":"You are SYS-MARKER."},{"role":"user","content":"turn one question"},{"role":"assistant","content":"turn one answer"},{"role":"user","content":"turn two question"},{"role":"assistant","content":"turn two answer"},{"role":"user","content":"turn three question"}]}'
	drive "$conv"
	[ "$status" -eq 0 ]
	reqs=$(messages_requests)
	turns=$(jq -c '[.[0].body.messages[] | select(.role=="user" or .role=="assistant")
	    | {role, text: (if (.content|type)=="string" then .content else ([.content[] | select(.type=="text") | .text] | join("")) end)}]' <<<"$reqs")
	echo "$turns"
	[ "$(jq -r '[.[].role] | join(",")' <<<"$turns")" = "user,assistant,user,assistant,user" ]
	[[ "$(jq -r '.[0].text' <<<"$turns")" == *"turn one question"* ]]
	[[ "$(jq -r '.[1].text' <<<"$turns")" == *"turn one answer"* ]]
	[[ "$(jq -r '.[3].text' <<<"$turns")" == *"turn two answer"* ]]
	[[ "$(jq -r '.[4].text' <<<"$turns")" == *"turn three question"* ]]
	jq -e '.[0].body.system | tostring | contains("SYS-MARKER")' <<<"$reqs"
}

@test "real CLI: no prompt in argv while the request runs" {
	one_msg '[[up:slow=600]] ARGV-PROMPT-MARKER' > "$BATS_TEST_TMPDIR/conv.json"
	"$PROVIDER_RUN" claude < "$BATS_TEST_TMPDIR/conv.json" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	driver=$!
	child=$(wait_child_of "$driver")
	sleep 0.3
	cmd=$(tr '\0' ' ' < "/proc/$child/cmdline")
	wait "$driver"
	[[ "$cmd" == *"--tools="* ]]
	[[ "$cmd" != *ARGV-PROMPT-MARKER* ]]
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/out" | jq -r .err)" -eq 0 ]
}

@test "real CLI: 401 is an authentication error" {
	drive "$(one_msg '[[up:error=401]]')"
	[ "$(final_field .err_code)" = provider_auth_failed ]
}

@test "real CLI: 429 is a rate-limit error within a few seconds" {
	start=$(date +%s%N)
	drive "$(one_msg '[[up:error=429]]')"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "took $ms ms: $final"
	[ "$(final_field .err_code)" = rate_limit_exceeded ]
	[ "$(final_field .retry_after_s)" -gt 0 ]
	[ "$ms" -lt 5000 ]
}

@test "real CLI: 529 is overloaded" {
	drive "$(one_msg '[[up:error=529]]')"
	[ "$(final_field .err_code)" = provider_overloaded ]
}

@test "real CLI: a hanging upstream ends in a timeout at the deadline with no process left" {
	export HUB_CLAUDE_TIMEOUT=4
	one_msg '[[up:hang]]' > "$BATS_TEST_TMPDIR/conv.json"
	start=$(date +%s%N)
	"$PROVIDER_RUN" claude < "$BATS_TEST_TMPDIR/conv.json" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	driver=$!
	child=$(wait_child_of "$driver")
	wait "$driver" || true
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	final=$(tail -n 1 "$BATS_TEST_TMPDIR/out")
	[ "$(final_field .err_code)" = provider_timeout ]
	[ "$ms" -ge 3900 ] && [ "$ms" -lt 7000 ]
	for i in $(seq 1 20); do pid_gone "$child" && break; sleep 0.05; done
	pid_gone "$child"
}
