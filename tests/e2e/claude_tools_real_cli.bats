#!/usr/bin/env bats
# claude_tools_real_cli.bats - client tools and images through the Claude
# adapter with the REAL pinned Claude Code CLI against the fake Messages
# API (tests/upstream/fake-anthropic.mjs, its Calculator tool scenario),
# driven by tests/fakes/provider-run.

bats_require_minimum_version 1.5.0
load claude_helpers

setup_file() { start_real_claude_on_fake_upstream; }
teardown_file() { stop_fake_upstream upstream; }
setup() { use_real_claude; }
teardown() { assert_real_claude_left_nothing; }

# A conversation offering the Calculator (and a tool named like a built-in).
tools_conv() {
	jq -cn --arg c "$1" '{tools:[
	    {name:"Calculator",description:"Useful for math. CALC-DESC-MARKER",
	     parameters:{type:"object",properties:{input:{type:"string"}},additionalProperties:false}},
	    {name:"Bash",description:"a client tool that happens to be named like a built-in",
	     parameters:{type:"object",properties:{command:{type:"string"}}}}],
	  messages:[{role:"user",content:$c}]}'
}

@test "real CLI tools: upstream offered exactly the client's tools (prefixed), the call comes back, nothing runs" {
	tools_conv 'What is 17 times 23? Use the calculator.' > "$BATS_TEST_TMPDIR/conv.json"
	"$PROVIDER_RUN" claude < "$BATS_TEST_TMPDIR/conv.json" > "$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	driver=$!
	child=$(wait_child_of "$driver")
	cmd=$(tr '\0' ' ' < "/proc/$child/cmdline" 2>/dev/null || true)
	wait "$driver"
	output=$(cat "$BATS_TEST_TMPDIR/out")
	final=$(tail -n 1 <<<"$output")
	echo "$final"
	[ "$(final_field .err)" -eq 0 ]
	[ "$(final_field .finish_reason)" = tool_calls ]
	[ "$(final_field '.tool_calls | length')" -eq 1 ]
	[ "$(final_field '.tool_calls[0].name')" = Calculator ]
	[ "$(final_field '.tool_calls[0].arguments | fromjson | .input')" = "17*23" ]
	[[ "$(final_field '.tool_calls[0].id')" == toolu_* ]]
	reqs=$(messages_requests)
	# one request: no tool result was ever sent back to the model
	[ "$(jq length <<<"$reqs")" -eq 1 ]
	names=$(jq -r '[.[0].body.tools[].name] | sort | join(",")' <<<"$reqs")
	[ "$names" = "DeferredToolPlaceholder,mcp__client__Bash,mcp__client__Calculator" ]
	jq -e '.[0].body.tools[] | select(.name=="DeferredToolPlaceholder") | .defer_loading == true' <<<"$reqs"
	jq -e '.[0].body.tools[] | select(.name=="mcp__client__Calculator") | .input_schema.properties.input.type == "string"' <<<"$reqs"
	jq -e '[.[0].body.messages[] | .content | tostring | contains("tool_result")] | any | not' <<<"$reqs"
	# names only in argv; descriptions and schemas went over stdin
	[[ "$cmd" == *"--allowedTools=mcp__client__Calculator,mcp__client__Bash"* ]]
	[[ "$cmd" != *CALC-DESC-MARKER* && "$cmd" != *additionalProperties* ]]
}

@test "real CLI tools: streamed as index, id and name first, then argument fragments" {
	drive "$(tools_conv 'What is 17 times 23?')"
	[ "$(final_field .finish_reason)" = tool_calls ]
	deltas=$(grep '^{"tool_delta"' <<<"$output")
	echo "$deltas"
	[ "$(head -n 1 <<<"$deltas" | jq -r '.tool_delta | "\(.index) \(.name) \(.args)"')" = "0 Calculator " ]
	[ "$(head -n 1 <<<"$deltas" | jq -r .tool_delta.id)" = "$(final_field '.tool_calls[0].id')" ]
	[ "$(tail -n +2 <<<"$deltas" | jq -r 'select(.tool_delta.id == null) | .tool_delta.args' | wc -l)" -ge 2 ]
	[ "$(tail -n +2 <<<"$deltas" | jq -rj .tool_delta.args | jq -r .input)" = "17*23" ]
}

@test "real CLI tools: parallel calls, and parallel_tool_calls false keeps one and says so" {
	drive "$(tools_conv 'Compute both [[fake:parallel]]')"
	[ "$(final_field '[.tool_calls[].arguments | fromjson | .input] | join(",")')" = "17*23,2+2" ]
	[ "$(final_field '[.tool_calls[].id] | unique | length')" -eq 2 ]
	curl -fsS -X POST "$UPSTREAM/_reset" >/dev/null
	drive "$(tools_conv 'Compute both [[fake:parallel]]' | jq -c '.parallel_tool_calls = false')"
	[ "$(final_field '.tool_calls | length')" -eq 1 ]
	[ "$(grep '^{"tool_delta"' <<<"$output" | jq -r .tool_delta.index | sort -u)" = 0 ]
	messages_requests | jq -e '.[0].body.system | tostring | contains("Call at most one tool per reply.")'
}

@test "real CLI tools: the result goes back as a tool_result after the tool_use, and the model answers" {
	img=$(printf '\x89PNG\r\n\x1a\nIMAGE-BYTES' | base64 -w0)
	tools_conv 'What is 17 times 23?' | jq -c --arg img "$img" '.messages = [
	    {role:"user",content:"What is 17 times 23?",images:[{media_type:"image/png",base64:$img}]},
	    {role:"assistant",content:"",tool_calls:[{id:"call_a1",name:"Calculator",arguments:"{\"input\":\"17*23\"}"}]},
	    {role:"tool",tool_call_id:"call_a1",tool_name:"Calculator",content:"391"}]' > "$BATS_TEST_TMPDIR/conv.json"
	drive "$(cat "$BATS_TEST_TMPDIR/conv.json")"
	echo "$final"
	[ "$(final_field .text)" = "The result is 391." ]
	[ "$(final_field .finish_reason)" = stop ]
	reqs=$(messages_requests)
	turns=$(jq -c '[.[0].body.messages[] | select(.role != "system")]' <<<"$reqs")
	echo "$turns"
	[ "$(jq -r '[.[].role] | join(",")' <<<"$turns")" = "user,assistant,user,assistant,user" ]
	jq -e '.[0].content[1] | .type == "image" and .source.type == "base64" and .source.media_type == "image/png"' <<<"$turns"
	[ "$(jq -r '.[0].content[1].source.data' <<<"$turns")" = "$img" ]
	jq -e '.[1].content[0] | .type == "tool_use" and .id == "call_a1" and .name == "mcp__client__Calculator" and .input.input == "17*23"' <<<"$turns"
	jq -e '.[2].content[0] | .type == "tool_result" and .tool_use_id == "call_a1" and .content[0].text == "391"' <<<"$turns"
	# what the CLI adds on resume, documented in docs/API.md
	[ "$(jq -r '.[3].content[0].text' <<<"$turns")" = "No response requested." ]
	[ "$(jq -r '.[4].content | if type=="string" then . else .[0].text end' <<<"$turns")" = "Continue with the tool results above." ]
}

@test "real CLI tools: an image of the last user message reaches the upstream as an image block" {
	# a real 1x1 PNG: the CLI decodes the images of its stdin message
	img=iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==
	drive "$(jq -cn --arg img "$img" '{messages:[{role:"user",content:"Describe it.",images:[{media_type:"image/png",base64:$img}]}]}')"
	[ "$(final_field .err)" -eq 0 ]
	last=$(messages_requests | jq -c '[.[0].body.messages[] | select(.role=="user")][-1].content')
	echo "$last"
	jq -e '.[0].type == "text" and .[0].text == "Describe it."' <<<"$last"
	jq -e --arg img "$img" '.[1] | .type == "image" and .source.media_type == "image/png" and .source.data == $img' <<<"$last"
}

@test "real CLI tools: tool_choice none offers no tools; a named choice offers only that one" {
	drive "$(tools_conv 'What is 17 times 23?' | jq -c '.tool_choice = "none"')"
	[ "$(final_field .finish_reason)" = stop ]
	[ "$(messages_requests | jq -c '.[0].body.tools')" = "[]" ]
	curl -fsS -X POST "$UPSTREAM/_reset" >/dev/null
	drive "$(tools_conv 'What is 17 times 23?' | jq -c '.tool_choice = "Calculator"')"
	[ "$(final_field '.tool_calls[0].name')" = Calculator ]
	reqs=$(messages_requests)
	[ "$(jq -r '[.[0].body.tools[].name] | sort | join(",")' <<<"$reqs")" = "DeferredToolPlaceholder,mcp__client__Calculator" ]
	jq -e '.[0].body.system | tostring | contains("You must call the tool mcp__client__Calculator")' <<<"$reqs"
}
