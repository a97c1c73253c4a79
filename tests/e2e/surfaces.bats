#!/usr/bin/env bats
# The OpenAI Responses (/v1/responses) and Anthropic Messages (/v1/messages)
# surfaces over the chat turn, against the fake CLIs: curl for the wire
# shapes, bad input in each surface's own envelope, stateless and
# X-Session-ID, previous_response_id, GET/DELETE of stored responses, the
# client key as Bearer and as x-api-key; and the official openai,
# @openai/agents and @anthropic-ai/sdk libraries (a tool round through
# fake-claude's Calculator scenario).

load helpers

setup_file() {
	ensure_sdk_clients
	use_fake_clis
	export HUB_TEST_KEY="hubkey-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
	export HUB_API_KEYS="tester:$HUB_TEST_KEY"
	export HUB_KEEPALIVE_SECONDS=1
	start_redis_and_hub
}

teardown_file() {
	stop_hub_and_redis
}

teardown() {
	# the client key never shows in what the hub answered or logged
	! grep -qF "$HUB_TEST_KEY" <<<"${output:-}"
	! grep -qF "$HUB_TEST_KEY" "$HUB_LOG"
}

# post PATH BODY [curl args]: with the key as Bearer; body then status
post() {
	local path=$1 body=$2; shift 2
	curl -s -w '\n%{http_code}' -H "Authorization: Bearer $HUB_TEST_KEY" -H 'Content-Type: application/json' \
		"$@" --data-binary "$body" "$HUB_URL$path"
}

# The data lines of an SSE stream, as JSON lines.
events() { grep '^data: ' | sed 's/^data: //'; }

@test "responses: a string input gives a response with output_text, usage, a stored id and X-Session-ID" {
	out=$(post /v1/responses '{"model":"sonnet","instructions":"Be brief.","input":"hello"}' -D "$BATS_TEST_TMPDIR/h")
	[ "$(status_of "$out")" = 200 ]
	body=$(body_of "$out")
	sid=$(grep -i '^X-Session-ID:' "$BATS_TEST_TMPDIR/h" | tr -d '\r' | awk '{print $2}')
	[ -n "$sid" ]
	# instructions + input + the reply: the reply is message 3 of the session
	jq -e --arg id "resp_$sid.3" '.object == "response" and .id == $id and .status == "completed" and
		.instructions == "Be brief." and .model == "sonnet" and
		(.output | length) == 1 and .output[0].type == "message" and .output[0].role == "assistant" and
		.output[0].content[0].type == "output_text" and .output[0].content[0].text == "Hello from fake claude." and
		.usage.output_tokens > 0 and .usage.total_tokens == .usage.input_tokens + .usage.output_tokens' <<<"$body"
	# GET gives it back from the session store; DELETE removes it (and its conversation)
	id=$(jq -r .id <<<"$body")
	got=$(http -H "Authorization: Bearer $HUB_TEST_KEY" "$HUB_URL/v1/responses/$id")
	[ "$(status_of "$got")" = 200 ]
	jq -e --arg id "$id" '.id == $id and .output[0].content[0].text == "Hello from fake claude."' <<<"$(body_of "$got")"
	del=$(http -X DELETE -H "Authorization: Bearer $HUB_TEST_KEY" "$HUB_URL/v1/responses/$id")
	[ "$(status_of "$del")" = 200 ]
	jq -e --arg id "$id" '.id == $id and .deleted == true' <<<"$(body_of "$del")"
	gone=$(http -H "Authorization: Bearer $HUB_TEST_KEY" "$HUB_URL/v1/responses/$id")
	[ "$(status_of "$gone")" = 404 ]
	jq -e '.error.type == "invalid_request_error" and .error.code == "not_found"' <<<"$(body_of "$gone")"
	[ "$(status_of "$(http -H "Authorization: Bearer $HUB_TEST_KEY" "$HUB_URL/v1/sessions/$sid")")" = 404 ]
}

@test "responses: streaming sends the typed events in order with sequence numbers, text deltas and response.completed" {
	out=$(post /v1/responses '{"model":"sonnet","stream":true,"input":"hi [[fake:chunks=4]]"}' -N -D "$BATS_TEST_TMPDIR/h")
	grep -qi '^Content-Type: text/event-stream' "$BATS_TEST_TMPDIR/h"
	grep -qi '^X-Session-ID: ' "$BATS_TEST_TMPDIR/h"
	json=$(body_of "$out" | events)
	# every event line's "event:" matches its data's type
	[ "$(body_of "$out" | grep '^event: ' | sed 's/^event: //' | paste -sd,)" = "$(jq -r .type <<<"$json" | paste -sd,)" ]
	[ "$(jq -r .type <<<"$json" | uniq | paste -sd,)" = "response.created,response.in_progress,response.output_item.added,response.content_part.added,response.output_text.delta,response.output_text.done,response.content_part.done,response.output_item.done,response.completed" ]
	[ "$(jq -s '[.[].sequence_number] == [range(length)]' <<<"$json")" = true ]
	[ "$(jq -rs '[.[] | select(.type == "response.output_text.delta") | .delta] | join("")' <<<"$json")" = "Hello from fake claude." ]
	[ "$(jq -s '[.[] | select(.type == "response.output_text.delta")] | length' <<<"$json")" -eq 4 ]
	jq -se 'last | .response.status == "completed" and .response.output[0].content[0].text == "Hello from fake claude." and
		.response.usage.output_tokens > 0 and (.response.id | startswith("resp_"))' <<<"$json"
	# the id announced first is the one completed, and it is stored
	id=$(jq -rs 'first | .response.id' <<<"$json")
	[ "$id" = "$(jq -rs 'last | .response.id' <<<"$json")" ]
	[ "$(status_of "$(http -H "Authorization: Bearer $HUB_TEST_KEY" "$HUB_URL/v1/responses/$id")")" = 200 ]
}

@test "responses: previous_response_id continues the conversation from its latest response only; conversation names a session" {
	first=$(body_of "$(post /v1/responses '{"model":"sonnet","input":"first question"}')")
	id1=$(jq -r .id <<<"$first")
	second=$(body_of "$(post /v1/responses "$(jq -cn --arg p "$id1" '{model:"sonnet",previous_response_id:$p,input:"second question [[fake:echo]]"}')")")
	jq -e --arg p "$id1" '.previous_response_id == $p and (.id | endswith(".4"))' <<<"$second"
	text=$(jq -r '.output[0].content[0].text' <<<"$second")
	[[ "$text" == *"user: first question"* ]]
	[[ "$text" == *"assistant: Hello from fake claude."* ]]
	[[ "$text" == *"second question"* ]]
	# the older response is no longer the conversation's latest
	old=$(post /v1/responses "$(jq -cn --arg p "$id1" '{model:"sonnet",previous_response_id:$p,input:"fork"}')")
	[ "$(status_of "$old")" = 400 ]
	jq -e '.error.param == "previous_response_id" and (.error.message | contains("latest"))' <<<"$(body_of "$old")"
	# an unknown one, and one that disagrees with X-Session-ID
	unknown=$(post /v1/responses '{"model":"sonnet","previous_response_id":"resp_nosuchsession.2","input":"x"}')
	[ "$(status_of "$unknown")" = 404 ]
	jq -e '.error.param == "previous_response_id"' <<<"$(body_of "$unknown")"
	id2=$(jq -r .id <<<"$second")
	both=$(post /v1/responses "$(jq -cn --arg p "$id2" '{model:"sonnet",previous_response_id:$p,input:"x"}')" -H 'X-Session-ID: another-one')
	[ "$(status_of "$both")" = 400 ]
	# a conversation id is a session id (n8n's "Conversation ID" option)
	conv=conv-$RANDOM
	post /v1/responses "$(jq -cn --arg c "$conv" '{model:"sonnet",conversation:$c,input:"the colour is teal"}')" >/dev/null
	c2=$(body_of "$(post /v1/responses "$(jq -cn --arg c "$conv" '{model:"sonnet",conversation:{id:$c},input:"which? [[fake:echo]]"}')")")
	[[ "$(jq -r '.output[0].content[0].text' <<<"$c2")" == *"user: the colour is teal"* ]]
	[ "$(jq -r .id <<<"$c2")" = "resp_$conv.4" ]
	# store false: answered, not kept
	unstored=$(body_of "$(post /v1/responses '{"model":"sonnet","store":false,"input":"hi"}')")
	jq -e '.store == false and .status == "completed"' <<<"$unstored"
	[ "$(status_of "$(http -H "Authorization: Bearer $HUB_TEST_KEY" "$HUB_URL/v1/responses/$(jq -r .id <<<"$unstored")")")" = 404 ]
}

@test "both surfaces: stateless by default, a conversation with X-Session-ID, on both providers" {
	for p in sonnet gemini-2.5-flash; do
		a=$(body_of "$(post /v1/responses "$(jq -cn --arg m "$p" '{model:$m,input:"hello"}')")")
		[ "$(jq -r .status <<<"$a")" = completed ]
		m=$(body_of "$(post /v1/messages "$(jq -cn --arg m "$p" '{model:$m,max_tokens:50,messages:[{role:"user",content:"hello"}]}')")")
		jq -e '.type == "message" and .role == "assistant" and .stop_reason == "end_turn" and (.content[0].text | length) > 0' <<<"$m"
	done
	sid=surfaces-$RANDOM
	post /v1/messages '{"model":"sonnet","max_tokens":50,"messages":[{"role":"user","content":"remember the word teal"}]}' \
		-H "X-Session-ID: $sid" >/dev/null
	r=$(body_of "$(post /v1/responses '{"model":"sonnet","input":"what was it? [[fake:echo]]"}' -H "X-Session-ID: $sid")")
	[[ "$(jq -r '.output[0].content[0].text' <<<"$r")" == *"user: remember the word teal"* ]]
	# a stateless request sees nothing of it
	s=$(body_of "$(post /v1/messages '{"model":"sonnet","max_tokens":50,"messages":[{"role":"user","content":"alone [[fake:echo]]"}]}')")
	[[ "$(jq -r '.content[0].text' <<<"$s")" != *teal* ]]
	[ "$(body_of "$(http -H "Authorization: Bearer $HUB_TEST_KEY" "$HUB_URL/v1/sessions/$sid")" | jq '.messages | length')" -eq 4 ]
}

@test "images reach the provider through both surfaces (Responses input_image, Messages base64 image)" {
	png=iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==
	r=$(body_of "$(post /v1/responses "$(jq -cn --arg u "data:image/png;base64,$png" \
		'{model:"sonnet",input:[{role:"user",content:[{type:"input_text",text:"what is it [[fake:echo]]"},{type:"input_image",image_url:$u}]}]}')")")
	[[ "$(jq -r '.output[0].content[0].text' <<<"$r")" == *"[image image/png, ${#png} base64 chars]"* ]]
	m=$(body_of "$(post /v1/messages "$(jq -cn --arg d "$png" \
		'{model:"sonnet",max_tokens:50,messages:[{role:"user",content:[{type:"image",source:{type:"base64",media_type:"image/png",data:$d}},{type:"text",text:"what is it [[fake:echo]]"}]}]}')")")
	[[ "$(jq -r '.content[0].text' <<<"$m")" == *"[image image/png, ${#png} base64 chars]"* ]]
}

@test "messages: streaming sends message_start, ping, content blocks, message_delta with stop_reason and usage, message_stop" {
	out=$(post /v1/messages '{"model":"sonnet","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi [[fake:chunks=3]]"}]}' -N)
	json=$(body_of "$out" | events)
	[ "$(jq -r .type <<<"$json" | uniq | paste -sd,)" = "message_start,ping,content_block_start,content_block_delta,content_block_stop,message_delta,message_stop" ]
	[ "$(jq -rs '[.[] | select(.type == "content_block_delta") | .delta.text] | join("")' <<<"$json")" = "Hello from fake claude." ]
	jq -se '[.[] | select(.type == "message_delta")][0] | .delta.stop_reason == "end_turn" and .usage.output_tokens > 0' <<<"$json"
	jq -se 'first | .message.role == "assistant" and .message.content == [] and (.message.id | startswith("msg_"))' <<<"$json"
	# max_tokens as the model reports it
	m=$(body_of "$(post /v1/messages '{"model":"sonnet","max_tokens":5,"messages":[{"role":"user","content":"long [[fake:max_tokens]]"}]}')")
	[ "$(jq -r .stop_reason <<<"$m")" = max_tokens ]
}

@test "messages: a tool round through fake-claude's Calculator, whole and streamed (tool_use, input_json_delta, tool_result)" {
	tools='[{"name":"Calculator","description":"math","input_schema":{"type":"object","properties":{"input":{"type":"string"}}}}]'
	first=$(body_of "$(post /v1/messages "$(jq -cn --argjson t "$tools" '{model:"sonnet",max_tokens:100,tools:$t,messages:[{role:"user",content:"What is 17 times 23?"}]}')")")
	jq -e '.stop_reason == "tool_use" and ([.content[] | select(.type == "tool_use")] | length) == 1' <<<"$first"
	jq -e '.content[] | select(.type == "tool_use") | .name == "Calculator" and .input.input == "17*23" and (.id | length) > 0' <<<"$first"
	id=$(jq -r '.content[] | select(.type == "tool_use") | .id' <<<"$first")
	stream=$(post /v1/messages "$(jq -cn --argjson t "$tools" '{model:"sonnet",max_tokens:100,stream:true,tools:$t,messages:[{role:"user",content:"What is 17 times 23?"}]}')" -N)
	json=$(body_of "$stream" | events)
	jq -se '[.[] | select(.type == "content_block_start" and .content_block.type == "tool_use")] | length == 1' <<<"$json"
	[ "$(jq -rs '[.[] | select(.delta.type? == "input_json_delta") | .delta.partial_json] | join("") | fromjson | .input' <<<"$json")" = "17*23" ]
	jq -se '[.[] | select(.type == "message_delta")][0].delta.stop_reason == "tool_use"' <<<"$json"
	second=$(body_of "$(post /v1/messages "$(jq -cn --argjson t "$tools" --argjson a "$(jq -c .content <<<"$first")" --arg id "$id" \
		'{model:"sonnet",max_tokens:100,tools:$t,messages:[{role:"user",content:"What is 17 times 23?"},{role:"assistant",content:$a},
		  {role:"user",content:[{type:"tool_result",tool_use_id:$id,content:"391"}]}]}')")")
	jq -e '.stop_reason == "end_turn" and .content[0].text == "The result is 391."' <<<"$second"
}

@test "bad input: each surface answers in its own envelope, with a status" {
	out=$(post /v1/messages '{"model":"sonnet","messages":[{"role":"user","content":"hi"}]}')
	[ "$(status_of "$out")" = 400 ]
	jq -e '.type == "error" and .error.type == "invalid_request_error" and (.error.message | contains("max_tokens")) and (has("param") | not)' <<<"$(body_of "$out")"
	out=$(post /v1/messages '{"model":"sonnet","max_tokens":9,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]}]}')
	[ "$(status_of "$out")" = 400 ]
	[ "$(body_of "$out" | jq -r .error.type)" = invalid_request_error ]
	out=$(post /v1/messages '{"model":"no-such-model-x","max_tokens":9,"messages":[{"role":"user","content":"hi"}]}')
	[ "$(status_of "$out")" = 404 ]
	jq -e '.type == "error" and .error.type == "not_found_error"' <<<"$(body_of "$out")"
	out=$(post /v1/messages 'not json')
	[ "$(status_of "$out")" = 400 ]
	jq -e '.type == "error"' <<<"$(body_of "$out")"
	out=$(http -H "Authorization: Bearer $HUB_TEST_KEY" "$HUB_URL/v1/messages")
	[ "$(status_of "$out")" = 405 ]
	jq -e '.type == "error" and .error.type == "invalid_request_error"' <<<"$(body_of "$out")"
	out=$(post /v1/responses '{"model":"sonnet","input":[{"type":"function_call_output","output":"1"}]}')
	[ "$(status_of "$out")" = 400 ]
	jq -e '.error.type == "invalid_request_error" and .error.param == "input[0].call_id" and .error.code == "invalid_request"' <<<"$(body_of "$out")"
	out=$(post /v1/responses '{"model":"sonnet","tools":[{"type":"web_search_preview"}],"input":"x"}')
	[ "$(status_of "$out")" = 400 ]
	[ "$(body_of "$out" | jq -r .error.param)" = "tools[0]" ]
	# a result that answers no call, named in each surface's words
	out=$(post /v1/responses '{"model":"sonnet","input":[{"role":"user","content":"a"},{"type":"function_call_output","call_id":"nope","output":"1"}]}')
	[ "$(status_of "$out")" = 400 ]
	jq -e '.error.param == "input" and (.error.message | contains("call_id (\"nope\")"))' <<<"$(body_of "$out")"
	out=$(post /v1/messages '{"model":"sonnet","max_tokens":9,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_nope","content":"1"}]}]}')
	[ "$(status_of "$out")" = 400 ]
	jq -e '.type == "error" and (.error.message | contains("tool_use_id (\"toolu_nope\")"))' <<<"$(body_of "$out")"
}

@test "auth: the client key as Bearer or x-api-key; without it a 401 in each surface's envelope" {
	body='{"model":"sonnet","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}'
	out=$(http -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01' --data-binary "$body" "$HUB_URL/v1/messages")
	[ "$(status_of "$out")" = 401 ]
	jq -e '.type == "error" and .error.type == "authentication_error"' <<<"$(body_of "$out")"
	out=$(http -H 'Content-Type: application/json' -H "x-api-key: wrong-$RANDOM" --data-binary "$body" "$HUB_URL/v1/messages")
	[ "$(status_of "$out")" = 401 ]
	out=$(http -H 'Content-Type: application/json' -H "x-api-key: $HUB_TEST_KEY" -H 'anthropic-version: 2023-06-01' \
		--data-binary "$body" "$HUB_URL/v1/messages")
	[ "$(status_of "$out")" = 200 ]
	out=$(http -H 'Content-Type: application/json' --data-binary '{"model":"sonnet","input":"hi"}' "$HUB_URL/v1/responses")
	[ "$(status_of "$out")" = 401 ]
	jq -e '.error.type == "invalid_request_error" and .error.code == "invalid_api_key"' <<<"$(body_of "$out")"
	out=$(http -H 'Content-Type: application/json' -H "x-api-key: $HUB_TEST_KEY" --data-binary '{"model":"sonnet","input":"hi"}' "$HUB_URL/v1/responses")
	[ "$(status_of "$out")" = 200 ]
	# another key's stored response is not there
	id=$(body_of "$out" | jq -r .id)
	[ "$(status_of "$(http -H "x-api-key: $HUB_TEST_KEY" "$HUB_URL/v1/responses/$id")")" = 200 ]
	[ "$(status_of "$(http "$HUB_URL/v1/responses/$id")")" = 401 ]
}

@test "count_tokens: a documented estimate, in the SDK's shape" {
	out=$(post /v1/messages/count_tokens '{"model":"sonnet","system":"abcd","messages":[{"role":"user","content":"12345678"}]}' -D "$BATS_TEST_TMPDIR/h")
	[ "$(status_of "$out")" = 200 ]
	[ "$(body_of "$out" | jq .input_tokens)" -eq 3 ]
	grep -qi '^X-Hub-Token-Count: estimate' "$BATS_TEST_TMPDIR/h"
	run node "$HUB_SRCDIR/tests/node/anthropic-messages.mjs" "$HUB_URL" sonnet "twelve bytes" count
	[ "$status" -eq 0 ]
	[ "$(jq .input_tokens <<<"$output")" -eq 3 ]
}

@test "the openai library: responses.create, whole and streamed, and a function tool through one full round" {
	run node "$HUB_SRCDIR/tests/node/openai-responses.mjs" "$HUB_URL/v1" sonnet hello text
	[ "$status" -eq 0 ]
	jq -e '.text == "Hello from fake claude." and .status == "completed" and .usage.total_tokens > 0 and
		(.id | startswith("resp_")) and (.session | length) == 22' <<<"$output"
	run node "$HUB_SRCDIR/tests/node/openai-responses.mjs" "$HUB_URL/v1" gemini-2.5-flash 'hello [[fake:chunks=3]]' stream
	[ "$status" -eq 0 ]
	jq -e '.ordered and (.text | length) > 0 and .text == .final_text and .text == .helper_text and .deltas >= 2 and
		(.types | index("response.completed")) and .usage.total_tokens > 0' <<<"$output"
	for mode in tools tools-stream; do
		run node "$HUB_SRCDIR/tests/node/openai-responses.mjs" "$HUB_URL/v1" sonnet 'What is 17 times 23?' $mode
		[ "$status" -eq 0 ]
		jq -e '.calls == [{"name":"Calculator","call_id":.calls[0].call_id,"arguments":{"input":"17*23"}}] and
			.results == ["391"] and .text == "The result is 391."' <<<"$output"
	done
}

@test "@openai/agents: an agent with a function tool runs to its final output, whole and streamed" {
	for mode in whole stream; do
		run node "$HUB_SRCDIR/tests/node/agents-run.mjs" "$HUB_URL/v1" sonnet 'What is 17 times 23?' $mode
		[ "$status" -eq 0 ]
		jq -e '.final == "The result is 391." and .calls == ["17*23"] and (.items | index("tool_call_item")) and
			(.items | index("tool_call_output_item"))' <<<"$output"
	done
}

@test "@anthropic-ai/sdk: messages.create, messages.stream and a tool round, with x-api-key" {
	run node "$HUB_SRCDIR/tests/node/anthropic-messages.mjs" "$HUB_URL" sonnet hello create
	[ "$status" -eq 0 ]
	jq -e '.text == "Hello from fake claude." and .stop_reason == "end_turn" and .usage.output_tokens > 0 and
		(.session | length) == 22' <<<"$output"
	run node "$HUB_SRCDIR/tests/node/anthropic-messages.mjs" "$HUB_URL" gemini-2.5-flash 'hello [[fake:chunks=3]]' stream
	[ "$status" -eq 0 ]
	jq -e '(.text | length) > 0 and .deltas >= 2 and .stop_reason == "end_turn" and (.types | index("message_stop"))' <<<"$output"
	run node "$HUB_SRCDIR/tests/node/anthropic-messages.mjs" "$HUB_URL" sonnet 'What is 17 times 23?' tools
	[ "$status" -eq 0 ]
	jq -e '.calls[0].name == "Calculator" and .calls[0].input.input == "17*23" and .text == "The result is 391." and
		.stop_reasons == ["tool_use","end_turn"]' <<<"$output"
	# /v1/models in Anthropic's shape as well (the same list the openai library reads)
	run node "$HUB_SRCDIR/tests/node/anthropic-messages.mjs" "$HUB_URL" - - models
	[ "$status" -eq 0 ]
	jq -e '[.models[] | select(.type == "model")] | (map(.id) | index("sonnet")) and (map(.id) | index("gemini-2.5-flash"))' <<<"$output"
	openai=$(body_of "$(http -H "Authorization: Bearer $HUB_TEST_KEY" "$HUB_URL/v1/models")")
	jq -e '.object == "list" and .has_more == false and .first_id == .data[0].id and
		(.data[0] | .object == "model" and (.created | type) == "number" and (.owned_by | length) > 0)' <<<"$openai"
}
