#!/usr/bin/env bats
# OpenAI tool calling and image input at the HTTP surface: every refusal
# is a 400 with `param` before anything runs, n8n's request shapes are
# accepted, and sessions store tool turns and images and show them in
# OpenAI's shape (GET /v1/sessions/{id}) and readably (the memory export).

load helpers

setup_file() {
	use_fake_clis
	export HUB_MAX_IMAGE_BYTES=4096 HUB_MAX_BODY_BYTES=4194304
	export HUB_CONFIG=$BATS_FILE_TMPDIR/hub.conf
	cat >"$HUB_CONFIG" <<CONF
[provider echo]
type = cli
executable = $HUB_SRCDIR/tests/fakes/echo-cli.sh
input = stdin
output = text
models = echo-1
CONF
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

CALC='{"type":"function","function":{"name":"Calculator","description":"Useful for getting the result of a math expression.","parameters":{"type":"object","properties":{"input":{"type":"string"}},"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"},"strict":false}}'
# A 1x1 PNG, and the same bytes labelled JPEG.
PNG=iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==

# n8n's second request (after running the Calculator): content [] beside
# tool_calls, and tool/id keys inside the echoed arguments.
n8n_second() {
	jq -cn --argjson calc "$CALC" '{model:"sonnet",stream:false,tools:[$calc],messages:[
		{role:"user",content:"What is 17 times 23? Use the calculator."},
		{role:"assistant",content:[],tool_calls:[{id:"call_n8n_1",type:"function",
			function:{name:"Calculator",arguments:"{\"input\":\"17*23\",\"tool\":\"Calculator\",\"id\":\"call_n8n_1\"}"}}]},
		{role:"tool",tool_call_id:"call_n8n_1",content:"391"}]}'
}

# Expect a 400 naming param $2 for body $1 (and nothing run: no session).
expect_400() {
	local out
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/body.json"
	out=$(http -H 'Content-Type: application/json' --data-binary "@$BATS_TEST_TMPDIR/body.json" "$HUB_URL/v1/chat/completions")
	[ "$(status_of "$out")" = 400 ] || { echo "status $(status_of "$out") for param $2: $(body_of "$out")" >&2; return 1; }
	body_of "$out" | jq -e --arg p "$2" '.error.type == "invalid_request_error" and .error.param == $p and (.error.message | length) > 10' >/dev/null ||
		{ echo "wanted param $2, got $(body_of "$out")" >&2; return 1; }
}

@test "every malformed tool or image request is a 400 with its param" {
	u='{"role":"user","content":"hi"}'
	expect_400 "$(jq -cn --argjson u "$u" '{tools:[range(1000) | {type:"function",function:{name:"t\(.)"}}],messages:[$u]}')" tools
	head -c 1048576 /dev/zero | tr '\0' d >"$BATS_TEST_TMPDIR/big"
	expect_400 "$(jq -cn --argjson u "$u" --rawfile d "$BATS_TEST_TMPDIR/big" '{tools:[{type:"function",function:{name:"x",parameters:{type:"object",properties:{a:{type:"string",description:$d}}}}}],messages:[$u]}')" tools
	expect_400 "$(jq -cn --argjson u "$u" '{tools:[{type:"function",function:{name:"x",parameters:{type:"object",properties:{a:"string"}}}}],messages:[$u]}')" 'tools[0].function.parameters'
	expect_400 "$(jq -cn --argjson u "$u" '{tools:[{type:"function",function:{name:"x",parameters:"{}"}}],messages:[$u]}')" 'tools[0].function.parameters'
	expect_400 "$(jq -cn --argjson u "$u" '{tools:[{type:"function",function:{name:"no spaces"}}],messages:[$u]}')" 'tools[0].function.name'
	expect_400 "$(jq -cn --argjson u "$u" --argjson c "$CALC" '{tools:[$c],tool_choice:{type:"function",function:{name:"Other"}},messages:[$u]}')" tool_choice
	expect_400 "$(jq -cn --argjson u "$u" '{functions:[{name:"x"}],messages:[$u]}')" functions
	expect_400 "$(jq -cn --argjson u "$u" '{messages:[$u,{role:"function",name:"x",content:"1"}]}')" 'messages[1].role'
	expect_400 "$(jq -cn --argjson u "$u" '{messages:[$u,{role:"tool",content:"1"}]}')" 'messages[1].tool_call_id'
	expect_400 "$(jq -cn --argjson u "$u" '{messages:[$u,{role:"assistant",content:null,tool_calls:[{id:"c",type:"function",function:{name:"x",arguments:"[1]"}}]},{role:"tool",tool_call_id:"c",content:"1"}]}')" 'messages[1].tool_calls[0].function.arguments'
	# a tool result answering no call, stateless
	expect_400 "$(jq -cn --argjson u "$u" '{model:"sonnet",messages:[$u,{role:"tool",tool_call_id:"call_nowhere",content:"1"}]}')" 'messages[1].tool_call_id'
	# images: wrong media type, remote URL, over the cap (HUB_MAX_IMAGE_BYTES=4096)
	expect_400 "$(jq -cn --arg d "data:image/jpeg;base64,$PNG" '{messages:[{role:"user",content:[{type:"text",text:"what"},{type:"image_url",image_url:{url:$d}}]}]}')" 'messages[0].content[1].image_url.url'
	expect_400 "$(jq -cn '{messages:[{role:"user",content:[{type:"image_url",image_url:{url:"http://127.0.0.1:1/x.png"}}]}]}')" 'messages[0].content[0].image_url.url'
	out=$(chat "$(jq -cn '{messages:[{role:"user",content:[{type:"image_url",image_url:{url:"https://example.com/x.png"}}]}]}')")
	jq -e '.error.message | test("data: URL")' <<<"$out"
	large=$( (printf '\211PNG\r\n\032\n'; head -c 5000 /dev/zero) | base64 -w0)
	expect_400 "$(jq -cn --arg d "data:image/png;base64,$large" '{messages:[{role:"user",content:[{type:"image_url",image_url:{url:$d}}]}]}')" 'messages[0].content[0].image_url.url'
	# a provider without tool calling or images (a generic CLI)
	expect_400 "$(jq -cn --argjson u "$u" --argjson c "$CALC" '{model:"echo-1",tools:[$c],messages:[$u]}')" tools
	expect_400 "$(jq -cn --arg d "data:image/png;base64,$PNG" '{model:"echo-1",messages:[{role:"user",content:[{type:"image_url",image_url:{url:$d}}]}]}')" 'messages[0].content'
	# nothing of it ran or was stored
	[ "$(curl -s "$HUB_URL/v1/sessions" | jq '.data | length')" -eq 0 ]
}

@test "n8n's second request is accepted; the session stores the tool turn and shows it in OpenAI's shape" {
	out=$(chat "$(n8n_second)" -D "$BATS_TEST_TMPDIR/h")
	jq -e '.object == "chat.completion" and (.choices[0].message.content | length) > 0' <<<"$out"
	sid=$(tr -d '\r' <"$BATS_TEST_TMPDIR/h" | sed -n 's/^X-Session-ID: //Ip')
	[ -n "$sid" ]
	s=$(curl -s "$HUB_URL/v1/sessions/$sid")
	jq -e '.message_count == 4 and (.messages | map(.role) | join(",")) == "user,assistant,tool,assistant"' <<<"$s"
	jq -e '.messages[1].content == null and .messages[1].tool_calls == [{id:"call_n8n_1",type:"function",
		function:{name:"Calculator",arguments:"{\"input\":\"17*23\",\"tool\":\"Calculator\",\"id\":\"call_n8n_1\"}"}}]' <<<"$s"
	jq -e '.messages[2].tool_call_id == "call_n8n_1" and .messages[2].name == "Calculator" and .messages[2].content == "391"' <<<"$s"
	jq -e '.messages[3] | has("tool_calls") | not' <<<"$s"
	md=$(curl -s "$HUB_URL/v1/sessions/$sid/memory?summarize=false&lang=en")
	grep -qF 'Called Calculator({"input":"17*23","tool":"Calculator","id":"call_n8n_1"}) [call_n8n_1]' <<<"$md"
	grep -qF 'Tool result for call_n8n_1 (Calculator): 391' <<<"$md"
}

@test "with X-Session-ID a tool result may answer a stored call; an unknown call is 400 before a stream starts" {
	sid=tools-$RANDOM
	first=$(jq -c '.messages |= . + [{role:"user",content:"thanks, and now?"}]' <<<"$(n8n_second)")
	out=$(chat "$first" -H "X-Session-ID: $sid")
	jq -e '.choices[0].finish_reason == "stop"' <<<"$out"
	# the call is in the session, not in this request
	out=$(chat "$(jq -cn '{model:"sonnet",messages:[{role:"tool",tool_call_id:"call_n8n_1",content:"392"}]}')" -H "X-Session-ID: $sid")
	jq -e '.object == "chat.completion"' <<<"$out"
	s=$(curl -s "$HUB_URL/v1/sessions/$sid")
	jq -e '.message_count == 7 and .messages[5].role == "tool" and .messages[5].name == "Calculator"' <<<"$s"
	# unknown, streaming: a 400 status, not an error chunk
	out=$(http -H 'Content-Type: application/json' -H "X-Session-ID: $sid" --data-binary \
		"$(jq -cn '{model:"sonnet",stream:true,messages:[{role:"tool",tool_call_id:"call_unknown",content:"1"}]}')" \
		"$HUB_URL/v1/chat/completions")
	[ "$(status_of "$out")" = 400 ]
	body_of "$out" | jq -e '.error.param == "messages[0].tool_call_id"'
	[ "$(curl -s "$HUB_URL/v1/sessions/$sid" | jq .message_count)" -eq 7 ]
}

@test "an image of a user message is stored, shown as a data: URL part, and counted readably in the export" {
	sid=image-$RANDOM
	body=$(jq -cn --arg d "data:image/png;base64,$PNG" '{model:"sonnet",messages:[{role:"user",content:[{type:"text",text:"what is this?"},{type:"image_url",image_url:{url:$d,detail:"low"}}]}]}')
	out=$(chat "$body" -H "X-Session-ID: $sid")
	jq -e '.object == "chat.completion"' <<<"$out"
	s=$(curl -s "$HUB_URL/v1/sessions/$sid")
	jq -e --arg d "data:image/png;base64,$PNG" '.messages[0].content == [{type:"text",text:"what is this?"},{type:"image_url",image_url:{url:$d}}]' <<<"$s"
	md=$(curl -s "$HUB_URL/v1/sessions/$sid/memory?summarize=false&lang=en")
	grep -qF '[image image/png 70 bytes]' <<<"$md"
	! grep -qF "$PNG" <<<"$md"
}
