#!/usr/bin/env bats
# The Responses and Messages surfaces with the REAL pinned CLIs (Claude
# Code, Gemini CLI) against the fake upstreams' Calculator scenario
# (tests/upstream/, docs in tests/fakes/README.md): the official openai,
# @openai/agents and @anthropic-ai/sdk libraries each run one full tool
# round on both providers, and the upstream was offered the client's tool.

load helpers

setup_file() {
	ensure_sdk_clients
	use_real_clis_on_fake_upstreams
	unset HUB_API_KEYS
	start_redis_and_hub
}

teardown_file() {
	stop_hub_and_redis
	stop_fake_upstreams
}

setup() {
	[ -n "$REAL_CLAUDE" ] && [ -n "$REAL_GEMINI" ] || {
		echo "the pinned CLIs could not be installed: $(tail -n 5 "$BATS_FILE_TMPDIR/install.log")" >&2
		return 1
	}
	curl -s -X POST "$ANTHROPIC_UP/_reset" >/dev/null
	curl -s -X POST "$CODEASSIST_UP/_reset" >/dev/null
}

teardown() {
	! grep -qF "$CLAUDE_CODE_OAUTH_TOKEN" <<<"${output:-}"
	! grep -qF "$GOOGLE_CLOUD_ACCESS_TOKEN" <<<"${output:-}"
}

# What the upstream of provider $1 was offered: the tool names of every
# model request, one line per request.
offered() {
	if [ "$1" = claude ]; then
		curl -s "$ANTHROPIC_UP/_requests" | jq -r '.[] | select(.path | endswith("/v1/messages")) | [.body.tools[]?.name] | sort | join(",")'
	else
		curl -s "$CODEASSIST_UP/_requests" | jq -r '.[] | select(.path | contains("GenerateContent")) |
			[.body.request.tools[]?.functionDeclarations[]?.name] | sort | join(",")'
	fi
}

# The model name that routes to provider $1.
model_of() { [ "$1" = claude ] && echo sonnet || echo gemini-2.5-flash; }

# Assert each model request of provider $1 offered the Calculator.
assert_offered_calculator() {
	local lines
	lines=$(offered "$1")
	echo "offered: $lines"
	[ -n "$lines" ]
	! grep -qv 'Calculator' <<<"$lines"
}

@test "real CLIs, openai responses.create: a function tool through one full round, whole and streamed, on both providers" {
	for p in claude gemini; do
		for mode in tools tools-stream; do
			curl -s -X POST "$ANTHROPIC_UP/_reset" "$CODEASSIST_UP/_reset" -o /dev/null -o /dev/null
			run node "$HUB_SRCDIR/tests/node/openai-responses.mjs" "$HUB_URL/v1" "$(model_of $p)" 'What is 17 times 23? Use the calculator.' $mode
			echo "$p $mode: $output"
			[ "$status" -eq 0 ]
			jq -e '.calls[0].name == "Calculator" and .calls[0].arguments.input == "17*23" and .results == ["391"] and
				.text == "The result is 391."' <<<"$output"
			assert_offered_calculator $p
		done
	done
}

@test "real CLIs, @openai/agents: an agent with a function tool runs to its final output on both providers" {
	for p in claude gemini; do
		run node "$HUB_SRCDIR/tests/node/agents-run.mjs" "$HUB_URL/v1" "$(model_of $p)" 'What is 17 times 23? Use the calculator.'
		echo "$p: $output"
		[ "$status" -eq 0 ]
		jq -e '.final == "The result is 391." and .calls == ["17*23"]' <<<"$output"
		assert_offered_calculator $p
	done
}

@test "real CLIs, @anthropic-ai/sdk: messages.create and messages.stream tool rounds on both providers" {
	for p in claude gemini; do
		for mode in tools tools-stream; do
			curl -s -X POST "$ANTHROPIC_UP/_reset" "$CODEASSIST_UP/_reset" -o /dev/null -o /dev/null
			run node "$HUB_SRCDIR/tests/node/anthropic-messages.mjs" "$HUB_URL" "$(model_of $p)" 'What is 17 times 23? Use the calculator.' $mode
			echo "$p $mode: $output"
			[ "$status" -eq 0 ]
			jq -e '.calls[0].name == "Calculator" and .calls[0].input.input == "17*23" and .text == "The result is 391." and
				.stop_reasons == ["tool_use","end_turn"]' <<<"$output"
			assert_offered_calculator $p
		done
	done
}

@test "real CLIs: plain text on both surfaces and both providers, streamed" {
	for p in claude gemini; do
		run node "$HUB_SRCDIR/tests/node/openai-responses.mjs" "$HUB_URL/v1" "$(model_of $p)" 'Say hello' stream
		[ "$status" -eq 0 ]
		jq -e '.ordered and (.text | length) > 0 and .text == .final_text' <<<"$output"
		run node "$HUB_SRCDIR/tests/node/anthropic-messages.mjs" "$HUB_URL" "$(model_of $p)" 'Say hello' stream
		[ "$status" -eq 0 ]
		jq -e '(.text | length) > 0 and .stop_reason == "end_turn"' <<<"$output"
	done
}
