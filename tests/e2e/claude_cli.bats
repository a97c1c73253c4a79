#!/usr/bin/env bats
# claude_cli.bats - the Claude adapter (providers/claude.c) against the fake
# CLI tests/fakes/fake-claude, through the test driver tests/fakes/provider-run.

bats_require_minimum_version 1.5.0
load claude_helpers

setup() {
	export HUB_STATE_DIR="$BATS_TEST_TMPDIR/state"
	export HUB_CLAUDE_CLI="$HUB_BUILDDIR/tests/fakes/fake-claude"
	export CLAUDE_CODE_OAUTH_TOKEN="$TEST_TOKEN"
	export HUB_CLAUDE_TIMEOUT=20
	export HUB_KILL_GRACE_MS=300
	unset CLAUDE_MODEL HUB_CONFIG
	mkdir -p "$HUB_STATE_DIR"
}

teardown() {
	# the token must never reach any output
	! grep -rqF "$TEST_TOKEN" "$BATS_TEST_TMPDIR" 2>/dev/null
	[ -z "$output" ] || ! grep -qF "$TEST_TOKEN" <<<"$output$stderr"
}

@test "default reply arrives delta by delta with usage and cost" {
	drive "$(one_msg hello)"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^{"delta"' <<<"$output")" -eq 3 ]
	[ "$(final_field .text)" = "Hello from fake claude." ]
	[ "$(final_field .err)" -eq 0 ]
	[ "$(final_field .finish_reason)" = stop ]
	[ "$(final_field .usage.completion_tokens)" -gt 0 ]
	[ "$(final_field .usage.prompt_tokens)" -gt 0 ]
	[ "$(final_field '.usage.cost_usd > 0')" = true ]
	# the deltas add up to the text
	[ "$(grep '^{"delta"' <<<"$output" | jq -rj .delta)" = "Hello from fake claude." ]
}

@test "argv holds flags only: no tools, dontAsk, no prompt; model passes through" {
	drive '{"model":"opus","messages":[{"role":"system","content":"SYS-SECRET-PROMPT"},{"role":"user","content":"[[fake:argv]] PROMPT-MARKER"}]}'
	[ "$status" -eq 0 ]
	argv=$(final_field .text)
	[[ " $argv " == *" -p "* ]]
	[[ " $argv " == *" --tools= "* ]]
	[[ " $argv " == *" --permission-mode=dontAsk "* ]]
	[[ " $argv " == *" --setting-sources= "* ]]
	[[ " $argv " == *" --include-partial-messages "* ]]
	[[ " $argv " == *" --model=opus "* ]]
	[[ "$argv" != *PROMPT-MARKER* ]]
	[[ "$argv" != *SYS-SECRET-PROMPT* ]]
}

@test "CLAUDE_MODEL is the default model" {
	export CLAUDE_MODEL=haiku
	drive "$(one_msg '[[fake:argv]]')"
	[[ "$(final_field .text)" == *"--model=haiku"* ]]
}

@test "the child's environment is built from scratch" {
	export ANTHROPIC_API_KEY=sk-ant-api-must-not-pass ANTHROPIC_AUTH_TOKEN=nope SOME_HUB_VAR=x
	export ANTHROPIC_BASE_URL=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:8
	drive "$(one_msg '[[fake:env]]')"
	[ "$status" -eq 0 ]
	names=" $(final_field .text) "
	[[ "$names" == *" token=set "* ]]
	for v in HOME TMPDIR PATH CLAUDE_CODE_OAUTH_TOKEN CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC \
	    CLAUDE_CODE_MAX_RETRIES API_TIMEOUT_MS CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS ANTHROPIC_BASE_URL HTTPS_PROXY; do
		[[ "$names" == *" $v "* ]] || { echo "missing $v"; false; }
	done
	for v in ANTHROPIC_API_KEY ANTHROPIC_AUTH_TOKEN SOME_HUB_VAR HUB_STATE_DIR USER SHELL; do
		[[ "$names" != *" $v "* ]] || { echo "leaked $v"; false; }
	done
}

@test "system prompt and history reach the CLI; history as a resumed transcript" {
	conv='{"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"first q"},{"role":"assistant","content":"first a"},{"role":"user","content":"second q"},{"role":"assistant","content":"second a"},{"role":"user","content":"[[fake:echo]] third q"}]}'
	drive "$conv"
	[ "$status" -eq 0 ]
	[ "$(final_field .text)" = "$(printf 'system: Be terse.\nuser: first q\nassistant: first a\nuser: second q\nassistant: second a\nuser: [[fake:echo]] third q')" ]
}

@test "API errors map to hub errors" {
	check() {
		drive "$(one_msg "[[fake:error=$1]]")"
		[ "$status" -eq 1 ] || { echo "status $status for $1"; return 1; }
		[ "$(final_field .err_code)" = "$2" ] || { echo "$1 -> $(final_field .err_code), want $2"; return 1; }
	}
	check 401 provider_auth_failed
	check 403 provider_auth_failed
	check 529 provider_overloaded
	check 500 provider_error
	check 404 model_not_found
	[[ "$(final_field .error_message)" == *"selected model"* ]]
}

@test "429 comes back at once with Retry-After, not after the CLI's retries" {
	start=$(date +%s%N)
	drive "$(one_msg '[[fake:error=429]]')"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$(final_field .err_code)" = rate_limit_exceeded ]
	[ "$(final_field .retry_after_s)" -gt 0 ]
	[ "$ms" -lt 3000 ]
}

@test "missing token is an authentication error" {
	unset CLAUDE_CODE_OAUTH_TOKEN
	drive "$(one_msg hello)"
	[ "$(final_field .err_code)" = provider_auth_failed ]
}

@test "garbage, a crash and an exec failure are upstream/spawn errors; noise is skipped" {
	drive "$(one_msg '[[fake:garbage]]')"
	[ "$(final_field .err_code)" = provider_error ]
	drive "$(one_msg '[[fake:crash]]')"
	[ "$(final_field .err_code)" = provider_error ]
	drive "$(one_msg '[[fake:noise]]')"
	[ "$(final_field .text)" = "Hello from fake claude." ]
	HUB_CLAUDE_CLI=/nonexistent/claude drive "$(one_msg hello)"
	[ "$(final_field .err_code)" = provider_unavailable ]
}

@test "max_tokens gives finish_reason length; several blocks are concatenated" {
	drive "$(one_msg '[[fake:max_tokens]]')"
	[ "$(final_field .finish_reason)" = length ]
	drive "$(one_msg '[[fake:blocks=3]]')"
	[ "$(final_field .text)" = "[0]Hello from fake claude.[1]Hello from fake claude.[2]Hello from fake claude." ]
}

@test "huge output hits the output cap" {
	export HUB_MAX_OUTPUT_BYTES=1048576
	drive "$(one_msg '[[fake:huge=4000000]]')"
	[ "$(final_field .err_code)" = provider_output_too_large ]
	[ -z "$(ls -A "$HUB_STATE_DIR")" ]
}

@test "a 1 MB prompt goes through stdin" {
	{ printf '{"messages":[{"role":"user","content":"[[fake:echo]]'
	  head -c 1048576 /dev/zero | tr '\0' 'a'
	  printf '"}]}'; } > "$BATS_TEST_TMPDIR/conv.json"
	run --separate-stderr "$PROVIDER_RUN" claude < "$BATS_TEST_TMPDIR/conv.json"
	[ "$status" -eq 0 ]
	final=$(printf '%s\n' "$output" | tail -n 1)
	[ "$(final_field '.text | length')" -eq $(( 6 + 13 + 1048576 )) ]
}

@test "no prompt in the child's argv while it runs (/proc/<pid>/cmdline)" {
	one_msg '[[fake:slow=1000]] SECRET-PROMPT-TEXT' > "$BATS_TEST_TMPDIR/conv.json"
	"$PROVIDER_RUN" claude < "$BATS_TEST_TMPDIR/conv.json" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	driver=$!
	# the CLI child once it has exec'd (before that it still shows the
	# driver's argv and environment)
	for _ in $(seq 1 100); do
		child=$(wait_child_of "$driver") || break
		tr '\0' ' ' < "/proc/$child/cmdline" > "$BATS_TEST_TMPDIR/cmdline" 2>/dev/null &&
			grep -q -- '--input-format=stream-json' "$BATS_TEST_TMPDIR/cmdline" && break
		sleep 0.05
	done
	tr '\0' '\n' < "/proc/$child/environ" | cut -d= -f1 > "$BATS_TEST_TMPDIR/envnames"
	wait "$driver"
	grep -q -- '--input-format=stream-json' "$BATS_TEST_TMPDIR/cmdline"
	! grep -q SECRET-PROMPT-TEXT "$BATS_TEST_TMPDIR/cmdline"
	grep -qx CLAUDE_CODE_OAUTH_TOKEN "$BATS_TEST_TMPDIR/envnames"
	! grep -qx ANTHROPIC_API_KEY "$BATS_TEST_TMPDIR/envnames"
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/out" | jq -r .text)" = "Hello from fake claude." ]
}

@test "deadline: a hanging CLI ends in a timeout with no process left" {
	export HUB_CLAUDE_TIMEOUT=2
	one_msg '[[fake:hang]]' > "$BATS_TEST_TMPDIR/conv.json"
	start=$(date +%s%N)
	"$PROVIDER_RUN" claude < "$BATS_TEST_TMPDIR/conv.json" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	driver=$!
	child=$(wait_child_of "$driver")
	wait "$driver" || true
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	final=$(tail -n 1 "$BATS_TEST_TMPDIR/out")
	[ "$(final_field .err_code)" = provider_timeout ]
	[ "$ms" -ge 1900 ] && [ "$ms" -lt 4000 ]
	pid_gone "$child"
	[ -z "$(ls -A "$HUB_STATE_DIR")" ]
}

@test "a CLI that ignores SIGTERM is killed after the grace period" {
	export HUB_CLAUDE_TIMEOUT=1
	one_msg '[[fake:ignore-term]]' > "$BATS_TEST_TMPDIR/conv.json"
	"$PROVIDER_RUN" claude < "$BATS_TEST_TMPDIR/conv.json" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	driver=$!
	child=$(wait_child_of "$driver")
	wait "$driver" || true
	final=$(tail -n 1 "$BATS_TEST_TMPDIR/out")
	[ "$(final_field .err_code)" = provider_timeout ]
	pid_gone "$child"
}

@test "a grandchild that keeps running is killed with its group" {
	# slow enough (3 x 1 s) to find both processes in /proc under load
	one_msg '[[fake:grandchild]] [[fake:slow=1000]]' > "$BATS_TEST_TMPDIR/conv.json"
	"$PROVIDER_RUN" claude < "$BATS_TEST_TMPDIR/conv.json" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	driver=$!
	child=$(wait_child_of "$driver")
	grandchild=$(wait_child_of "$child")
	[ -n "$grandchild" ]
	wait "$driver"
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/out" | jq -r .text)" = "Hello from fake claude." ]
	for i in $(seq 1 20); do pid_gone "$grandchild" && break; sleep 0.05; done
	pid_gone "$grandchild"
}

@test "client gone (watch fd) stops the child within 1 s" {
	one_msg '[[fake:slow=2000]]' > "$BATS_TEST_TMPDIR/conv.json"
	start=$(date +%s%N)
	# cancel after 800 ms: time enough to find the child in /proc under load
	"$PROVIDER_RUN" claude --cancel-after-ms=800 < "$BATS_TEST_TMPDIR/conv.json" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	driver=$!
	child=$(wait_child_of "$driver")
	wait "$driver" || true
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	final=$(tail -n 1 "$BATS_TEST_TMPDIR/out")
	[ "$(final_field .err_code)" = client_closed_request ]
	# the run ends within 1 s of the cancel (800 ms after the start)
	[ "$ms" -lt 1800 ]
	pid_gone "$child"
}

@test "on_delta asking to stop stops the run" {
	drive "$(one_msg '[[fake:slow=200]]')" --stop-after-deltas=1
	[ "$(final_field .err_code)" = client_closed_request ]
	[ "$(grep -c '^{"delta"' <<<"$output")" -eq 1 ]
}

@test "nothing is left in the state directory after 100 runs" {
	conv='{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},{"role":"user","content":"again"}]}'
	for i in $(seq 1 100); do
		"$PROVIDER_RUN" claude <<<"$conv" > "$BATS_TEST_TMPDIR/out" 2>&1 || { cat "$BATS_TEST_TMPDIR/out"; false; }
	done
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/out" | jq -r .text)" = "Hello from fake claude." ]
	[ -z "$(ls -A "$HUB_STATE_DIR")" ]
}

@test "prompts stay text: the adapter turns off @-mentions and keeps a leading '/' from being a command" {
	echo "FAKE-SECRET-$RANDOM" > "$BATS_TEST_TMPDIR/secret"
	drive "$(one_msg "@$BATS_TEST_TMPDIR/secret [[fake:echo]]")"
	[ "$status" -eq 0 ]
	[ "$(final_field .text)" = "user: @$BATS_TEST_TMPDIR/secret [[fake:echo]]" ]
	! grep -qF "$(cat "$BATS_TEST_TMPDIR/secret")" <<<"$output"
	drive "$(one_msg '/cost [[fake:echo]]')"
	[ "$(final_field .text)" = "user:  /cost [[fake:echo]]" ]
	# the fake does expand, like the real CLI, once the switch is missing
	run env CLAUDE_CODE_DISABLE_FILE_MENTIONS=0 "$HUB_CLAUDE_CLI" -p --verbose --input-format=stream-json \
		--output-format=stream-json <<<"$(jq -cn --arg c "@$BATS_TEST_TMPDIR/secret [[fake:echo]]" \
		'{type:"user",message:{role:"user",content:$c}}')"
	grep -qF "$(cat "$BATS_TEST_TMPDIR/secret")" <<<"$output"
}
