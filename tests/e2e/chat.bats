#!/usr/bin/env bats
# The OpenAI-compatible chat API with Redis sessions, driven with curl and
# the official OpenAI client library, against the fake provider CLIs.

load helpers

setup_file() {
	ensure_node_clients
	use_fake_clis
	export HUB_KEEPALIVE_SECONDS=1 HUB_MAX_BODY_BYTES=2097152
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

user_msg() { jq -cn --arg c "$1" --arg m "${2:-sonnet}" '{model:$m,messages:[{role:"user",content:$c}]}'; }

@test "non-streaming: an OpenAI chat.completion with usage and X-Session-ID" {
	run curl -s -D "$BATS_TEST_TMPDIR/h" -H 'Content-Type: application/json' \
		--data-binary "$(user_msg hello)" "$HUB_URL/v1/chat/completions"
	[ "$status" -eq 0 ]
	jq -e '.object == "chat.completion" and (.id | startswith("chatcmpl-")) and
		.choices[0].message.role == "assistant" and
		.choices[0].message.content == "Hello from fake claude." and
		.choices[0].finish_reason == "stop" and
		.usage.total_tokens == .usage.prompt_tokens + .usage.completion_tokens and .usage.completion_tokens > 0' <<<"$output"
	grep -qi '^X-Session-ID: [A-Za-z0-9_-]\{22\}' "$BATS_TEST_TMPDIR/h"
}

@test "streaming: role chunk, content deltas, finish, usage, [DONE], no empty frame" {
	body=$(jq -cn '{model:"sonnet",stream:true,stream_options:{include_usage:true},messages:[{role:"user",content:"hi [[fake:chunks=4]]"}]}')
	out=$(chat "$body" -N -D "$BATS_TEST_TMPDIR/h")
	grep -qi '^Content-Type: text/event-stream' "$BATS_TEST_TMPDIR/h"
	! grep -qx 'data: *' <<<"$out"
	frames=$(grep '^data: ' <<<"$out" | sed 's/^data: //')
	[ "$(tail -n 1 <<<"$frames")" = "[DONE]" ]
	json=$(sed '$d' <<<"$frames")
	[ "$(head -n 1 <<<"$json" | jq -r '.choices[0].delta.role')" = assistant ]
	[ "$(jq -rs '[.[] | .choices[0].delta.content // empty] | join("")' <<<"$json")" = "Hello from fake claude." ]
	[ "$(jq -s '[.[] | select(.choices[0].delta.content // "" | length > 0)] | length' <<<"$json")" -eq 4 ]
	[ "$(jq -rs '[.[] | .choices[0].finish_reason // empty] | join(",")' <<<"$json")" = stop ]
	jq -se 'last | .choices == [] and .usage.total_tokens > 0' <<<"$json"
}

@test "the official OpenAI library works unchanged, non-streaming and streaming" {
	run node "$HUB_SRCDIR/tests/node/openai-chat.mjs" "$HUB_URL/v1" sonnet hello
	[ "$status" -eq 0 ]
	jq -e '.text == "Hello from fake claude." and .usage.total_tokens > 0 and .finish == "stop" and (.session | length) == 22' <<<"$output"
	run node "$HUB_SRCDIR/tests/node/openai-chat.mjs" "$HUB_URL/v1" sonnet 'hello [[fake:chunks=5]]' stream
	[ "$status" -eq 0 ]
	jq -e '.text == "Hello from fake claude." and .chunks == 5 and .usage.total_tokens > 0 and .finish == "stop"' <<<"$output"
	run node "$HUB_SRCDIR/tests/node/openai-chat.mjs" "$HUB_URL/v1" gemini-2.5-flash hello
	[ "$status" -eq 0 ]
	jq -e '.model == "gemini-2.5-flash" and (.text | length) > 0' <<<"$output"
}

@test "GET /v1/models lists models and aliases of both providers" {
	out=$(curl -s -H 'Authorization: Bearer anything' "$HUB_URL/v1/models")
	jq -e '.object == "list" and (.data | length) > 0 and all(.data[]; .object == "model" and (.created | type) == "number" and (.owned_by | length) > 0)' <<<"$out"
	jq -e '[.data[].id] | index("sonnet") and index("gemini-2.5-pro") and index("flash")' <<<"$out"
}

@test "a three-turn conversation with X-Session-ID is remembered" {
	sid=three-turns-$RANDOM
	for turn in "my name is Ada" "I like tea" "what do you know? [[fake:echo]]"; do
		out=$(chat "$(user_msg "$turn")" -H "X-Session-ID: $sid")
		jq -e '.choices[0].message.content' <<<"$out" >/dev/null
	done
	reply=$(jq -r '.choices[0].message.content' <<<"$out")
	[[ "$reply" == *"my name is Ada"* ]]
	[[ "$reply" == *"I like tea"* ]]
	[[ "$reply" == *"Hello from fake claude."* ]]
	s=$(curl -s "$HUB_URL/v1/sessions/$sid")
	jq -e '.message_count == 6 and (.messages | map(.role) | join(",")) == "user,assistant,user,assistant,user,assistant"' <<<"$s"
	jq -e '.messages[0].content == "my name is Ada" and (.messages[1].timestamp | test("Z$")) and .messages[1].provider == "claude"' <<<"$s"
}

@test "a conversation continues on a second hub sharing the same Redis" {
	sid=two-hubs-$RANDOM
	chat "$(user_msg 'first on hub one')" -H "X-Session-ID: $sid" >/dev/null
	first_url=$HUB_URL first_pid=$HUB_PID
	start_hub second
	out=$(chat "$(user_msg 'then hub two [[fake:echo]]')" -H "X-Session-ID: $sid")
	second_url=$HUB_URL
	stop_hub
	HUB_URL=$first_url HUB_PID=$first_pid
	[ "$first_url" != "$second_url" ]
	[[ "$(jq -r '.choices[0].message.content' <<<"$out")" == *"first on hub one"* ]]
	[ "$(curl -s "$HUB_URL/v1/sessions/$sid" | jq .message_count)" -eq 4 ]
}

@test "a stream reaches the client before the CLI writes its last chunk" {
	body=$(jq -cn '{model:"sonnet",stream:true,messages:[{role:"user",content:"go [[fake:chunks=4]] [[fake:slow=700]]"}]}')
	start=$(date +%s%N)
	first=""
	while IFS= read -r line; do
		if [ -z "$first" ] && [[ "$line" == *'"content":"'[^\"]* ]] && [[ "$line" != *'"role"'* ]]; then
			first=$(( ($(date +%s%N) - start) / 1000000 ))
		fi
	done < <(chat "$body" -N)
	total=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "first content after ${first} ms, all after ${total} ms"
	[ -n "$first" ]
	# 4 chunks 700 ms apart: the first arrives ~2.1 s before the last
	[ $(( total - first )) -gt 1500 ]
}

@test "keep-alive comments flow while the provider is silent" {
	body=$(jq -cn '{model:"sonnet",stream:true,messages:[{role:"user",content:"x [[fake:chunks=2]] [[fake:slow=2500]]"}]}')
	out=$(chat "$body" -N)
	grep -q '^: keep-alive' <<<"$out"
	[ "$(grep '^data: ' <<<"$out" | tail -n 1)" = "data: [DONE]" ]
}

@test "malformed requests get a 4xx with the error envelope, never a 5xx" {
	check() {
		local want=$1 body=$2; shift 2
		run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H 'Content-Type: application/json' "$@" \
			--data-binary "$body" "$HUB_URL/v1/chat/completions"
		[ "$output" = "$want" ] || { echo "want $want got $output for $body"; cat "$BATS_TEST_TMPDIR/b"; return 1; }
		jq -e '.error.message and .error.type and .error.code and (.error | has("param"))' "$BATS_TEST_TMPDIR/b" >/dev/null
	}
	check 400 '{"model":"sonnet","messages":[{"role":"user","content":"x"}'
	check 400 'not json at all'
	check 400 '[1,2,3]'
	check 400 '{"model":"sonnet","messages":"hello"}'
	check 400 '{"model":"sonnet","messages":[]}'
	check 400 '{"model":"sonnet","messages":[{"role":"wizard","content":"x"}]}'
	check 400 '{"model":"sonnet","messages":[{"role":"user","content":42}]}'
	check 400 '{"model":"sonnet","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}'
	check 400 '{"model":42,"messages":[{"role":"user","content":"x"}]}'
	check 400 '{"model":"sonnet","stream":"yes","messages":[{"role":"user","content":"x"}]}'
	check 400 '{"model":"sonnet","temperature":"hot","messages":[{"role":"user","content":"x"}]}'
	check 400 '{"model":"sonnet","n":2,"messages":[{"role":"user","content":"x"}]}'
	check 400 '{"model":"sonnet","messages":[{"role":"user","content":"x"},{"role":"assistant","content":"y"}]}'
	check 404 '{"model":"gpt-4o","messages":[{"role":"user","content":"x"}]}'
	[ "$(jq -r .error.code "$BATS_TEST_TMPDIR/b")" = model_not_found ]
	check 400 '{"model":"sonnet","messages":[{"role":"user","content":"x"}]}' -H 'X-Session-ID: bad id!'
	check 400 '{"model":"sonnet","messages":[{"role":"user","content":"x"}]}' -H "X-Session-ID: $(head -c 200 /dev/zero | tr '\0' a)"
	head -c 3000000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$BATS_TEST_TMPDIR/big" "$HUB_URL/v1/chat/completions"
	[ "$output" = 413 ]
	jq -e .error.message "$BATS_TEST_TMPDIR/b"
	deep=$(printf '%.0s[' $(seq 1 500))
	check 400 "{\"model\":\"sonnet\",\"messages\":$deep"
}

@test "options the CLIs cannot honour are accepted; developer and text parts work" {
	body='{"model":"sonnet","temperature":0.2,"top_p":1,"max_tokens":50,"stop":["x"],"user":"u1","presence_penalty":0,"seed":7,
	      "messages":[{"role":"developer","content":"be terse"},{"role":"user","content":[{"type":"text","text":"part one"},{"type":"text","text":"[[fake:echo]]"}]}]}'
	out=$(chat "$body")
	content=$(jq -r '.choices[0].message.content' <<<"$out")
	[[ "$content" == *"be terse"* ]]
	[[ "$content" == *"part one"* ]]
}

@test "a failed provider call appends nothing to the session" {
	sid=fail-append-$RANDOM
	chat "$(user_msg ok)" -H "X-Session-ID: $sid" >/dev/null
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H "X-Session-ID: $sid" \
		-H 'Content-Type: application/json' --data-binary "$(user_msg 'boom [[fake:error=500]]')" "$HUB_URL/v1/chat/completions"
	[ "$output" -ge 500 ]
	jq -e '.error.code' "$BATS_TEST_TMPDIR/b"
	[ "$(curl -s "$HUB_URL/v1/sessions/$sid" | jq .message_count)" -eq 2 ]
}

@test "a second request on a busy session gets 409 with Retry-After, and nothing interleaves" {
	sid=busy-$RANDOM
	chat "$(user_msg 'slow one [[fake:chunks=3]] [[fake:slow=600]]')" -H "X-Session-ID: $sid" >"$BATS_TEST_TMPDIR/first" &
	slow=$!
	sleep 0.5
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H "X-Session-ID: $sid" \
		-H 'Content-Type: application/json' --data-binary "$(user_msg second)" "$HUB_URL/v1/chat/completions"
	wait $slow
	[ "$output" = 409 ]
	grep -qi '^Retry-After:' "$BATS_TEST_TMPDIR/h"
	[ "$(jq -r .error.code "$BATS_TEST_TMPDIR/b")" = session_busy ]
	s=$(curl -s "$HUB_URL/v1/sessions/$sid")
	jq -e '.message_count == 2 and .messages[0].content == "slow one [[fake:chunks=3]] [[fake:slow=600]]"' <<<"$s"
}

@test "a client that disconnects mid-stream: the child is gone within 1 s, nothing appended" {
	sid=gone-$RANDOM
	body=$(jq -cn '{model:"sonnet",stream:true,messages:[{role:"user",content:"long [[fake:chunks=50]] [[fake:slow=400]]"}]}')
	chat "$body" -N -H "X-Session-ID: $sid" --max-time 1.5 >/dev/null &
	client=$!
	sleep 0.8
	# the CLI runs in its private directory below the state directory
	[ -n "$(cli_children_under "$HUB_STATE_DIR")" ]
	wait "$client" || true
	gone_at=$(date +%s%N)
	for i in $(seq 1 24); do
		[ -z "$(cli_children_under "$HUB_STATE_DIR")" ] && break
		sleep 0.05
	done
	elapsed=$(( ($(date +%s%N) - gone_at) / 1000000 ))
	echo "child gone ${elapsed} ms after the client left"
	[ "$elapsed" -lt 1000 ]
	run curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions/$sid"
	[ "$output" = 404 ]
}

@test "/health answers at once during a burst of long chats" {
	for i in $(seq 1 12); do
		chat "$(user_msg "burst $i [[fake:chunks=3]] [[fake:slow=1000]]")" >/dev/null &
	done
	sleep 0.5
	t=$(curl -s -o /dev/null -w '%{time_total}' "$HUB_URL/health")
	wait
	echo "health took ${t}s"
	awk -v t="$t" 'BEGIN { exit !(t < 0.5) }'
}

@test "session API: get, list newest first with a cursor, delete then 404" {
	for i in 1 2 3; do chat "$(user_msg "list $i")" -H "X-Session-ID: list-$i-$$" >/dev/null; sleep 0.01; done
	page=$(curl -s "$HUB_URL/v1/sessions?limit=2")
	jq -e '.object == "list" and (.data | length) == 2 and .has_more == true and (.next_cursor | length) > 0' <<<"$page"
	[ "$(jq -r '.data[0].id' <<<"$page")" = "list-3-$$" ]
	[ "$(jq -r '.data[1].id' <<<"$page")" = "list-2-$$" ]
	cursor=$(jq -r .next_cursor <<<"$page")
	next=$(curl -s "$HUB_URL/v1/sessions?limit=2&cursor=$cursor")
	[ "$(jq -r '.data[0].id' <<<"$next")" = "list-1-$$" ]
	run curl -s -o /dev/null -w '%{http_code}' -X DELETE "$HUB_URL/v1/sessions/list-2-$$"
	[ "$output" = 204 ]
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -X DELETE "$HUB_URL/v1/sessions/list-2-$$"
	[ "$output" = 404 ]
	jq -e '.error.code' "$BATS_TEST_TMPDIR/b"
	run curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions/list-2-$$"
	[ "$output" = 404 ]
	run curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions/bad%20id"
	[ "$output" = 400 ]
	run curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions?limit=0"
	[ "$output" = 400 ]
	run curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions?cursor=zzz"
	[ "$output" = 400 ]
}

@test "memory export: the spec's markdown with a summary" {
	sid=memory-$RANDOM
	chat "$(user_msg '회의 일정을 정하자')" -H "X-Session-ID: $sid" >/dev/null
	chat "$(user_msg '다음 주 화요일')" -H "X-Session-ID: $sid" >/dev/null
	run curl -s -D "$BATS_TEST_TMPDIR/h" "$HUB_URL/v1/sessions/$sid/memory"
	md=$output
	grep -qi '^Content-Type: text/markdown; charset=utf-8' "$BATS_TEST_TMPDIR/h"
	grep -qi "^Content-Disposition: attachment; filename=\"session_${sid}_[0-9]\{8\}_[0-9]\{6\}.md\"" "$BATS_TEST_TMPDIR/h"
	[ "$(head -n 1 <<<"$md")" = "# Session Memory: $sid" ]
	grep -qx '## 메타데이터' <<<"$md"
	grep -q '^- \*\*생성일시\*\*: [0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]$' <<<"$md"
	grep -q '^- \*\*종료일시\*\*: ' <<<"$md"
	grep -qx '\- \*\*Provider\*\*: claude' <<<"$md"
	grep -qx '\- \*\*총 메시지 수\*\*: 4' <<<"$md"
	grep -qx '## 요약' <<<"$md"
	# the summary is the fake provider's reply
	grep -A1 '^## 요약' <<<"$md" | grep -q 'Hello from fake claude.'
	grep -qx '## 대화 기록' <<<"$md"
	grep -q '^### User ([0-9][0-9]:[0-9][0-9]:[0-9][0-9])$' <<<"$md"
	grep -q '^### Assistant ([0-9][0-9]:[0-9][0-9]:[0-9][0-9])$' <<<"$md"
	grep -qx '회의 일정을 정하자' <<<"$md"
	[ "$(tail -n 2 <<<"$md")" = $'---\n*Generated by LLM MCP Hub*' ]
}

@test "memory export: json, summarize=false, lang=en, a failing summary, 404" {
	sid=memory-json-$RANDOM
	chat "$(user_msg 'plan the release')" -H "X-Session-ID: $sid" >/dev/null
	out=$(curl -s "$HUB_URL/v1/sessions/$sid/memory?format=json&provider=gemini")
	jq -e --arg id "$sid" '.session_id == $id and (.created_at | test("Z$")) and (.ended_at | test("Z$")) and
		.provider == "claude" and .message_count == 2 and (.summary | length) > 0 and (.messages | length) == 2' <<<"$out"
	out=$(curl -s "$HUB_URL/v1/sessions/$sid/memory?format=json&summarize=false")
	jq -e '.summary == null and .message_count == 2' <<<"$out"
	md=$(curl -s "$HUB_URL/v1/sessions/$sid/memory?lang=en&summarize=false")
	grep -qx '## Metadata' <<<"$md"
	grep -qx '## Conversation' <<<"$md"
	# the summary call fails: the transcript still comes back, with the reason
	sid2=memory-fail-$RANDOM
	chat "$(user_msg 'keep me [[fake:error=500]]')" -H "X-Session-ID: $sid2" >/dev/null || true
	chat "$(user_msg 'keep me too')" -H "X-Session-ID: $sid2" >/dev/null
	md=$(curl -s "$HUB_URL/v1/sessions/$sid/memory?provider=gemini")
	[ -n "$md" ]
	run curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions/no-such-session/memory"
	[ "$output" = 404 ]
	run curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions/$sid/memory?format=pdf"
	[ "$output" = 400 ]
}
