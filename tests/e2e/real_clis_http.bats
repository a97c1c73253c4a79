#!/usr/bin/env bats
# The real pinned CLIs through the whole hub: HTTP -> lighttpd -> chat
# responder -> Claude Code 2.1.330 / Gemini CLI 0.61.0 -> the local fake
# upstreams (tests/upstream/). Streaming, usage, no tools upstream, and a
# conversation kept with X-Session-ID reaching the upstream as real turns.

load helpers

setup_file() {
	use_real_clis_on_fake_upstreams
	start_redis_and_hub
}

teardown_file() {
	stop_hub_and_redis
	stop_fake_upstreams
}

setup() { reset_fake_upstreams; }

# The content deltas of an SSE stream, one per line.
deltas() { grep '^data: {' | sed 's/^data: //' | jq -r '.choices[0].delta.content // empty | select(length > 0)'; }

@test "real Claude Code through the hub: streamed delta by delta with usage; the upstream saw no tools" {
	body=$(jq -cn '{model:"sonnet",stream:true,stream_options:{include_usage:true},messages:[{role:"user",content:"Say hello"}]}')
	out=$(chat "$body" -N)
	[ "$(deltas <<<"$out" | wc -l)" -ge 3 ]
	[ "$(deltas <<<"$out" | tr -d '\n')" = "Hello from the fake upstream." ]
	grep '^data: {' <<<"$out" | sed 's/^data: //' | jq -se 'last | .usage.prompt_tokens > 0 and .usage.completion_tokens > 0'
	[ "$(grep '^data: ' <<<"$out" | tail -n 1)" = "data: [DONE]" ]
	reqs=$(curl -s "$ANTHROPIC_UP/_requests" | jq -c '[.[] | select(.path | endswith("/v1/messages"))]')
	[ "$(jq length <<<"$reqs")" -eq 1 ]
	[ "$(jq -c '.[0].body.tools' <<<"$reqs")" = "[]" ]
	[ "$(jq -r '.[0].headers.authorization.scheme' <<<"$reqs")" = Bearer ]
}

@test "real Claude Code through the hub: three turns with X-Session-ID reach the upstream as turns" {
	sid=real-claude-$RANDOM
	for q in "first question" "second question" "third question"; do
		out=$(chat "$(jq -cn --arg q "$q" '{model:"sonnet",messages:[{role:"user",content:$q}]}')" -H "X-Session-ID: $sid")
		[ "$(jq -r '.choices[0].message.content' <<<"$out")" = "Hello from the fake upstream." ]
	done
	last=$(curl -s "$ANTHROPIC_UP/_requests" | jq -c '[.[] | select(.path | endswith("/v1/messages"))] | last')
	turns=$(jq -c '[.body.messages[] | select(.role=="user" or .role=="assistant")
	    | {role, text: (if (.content|type)=="string" then .content else ([.content[] | select(.type=="text") | .text] | join("")) end)}]' <<<"$last")
	echo "$turns"
	[ "$(jq -r '[.[].role] | join(",")' <<<"$turns")" = "user,assistant,user,assistant,user" ]
	[[ "$(jq -r '.[0].text' <<<"$turns")" == *"first question"* ]]
	[[ "$(jq -r '.[1].text' <<<"$turns")" == *"Hello from the fake upstream."* ]]
	[[ "$(jq -r '.[4].text' <<<"$turns")" == *"third question"* ]]
	[ "$(curl -s "$HUB_URL/v1/sessions/$sid" | jq .message_count)" -eq 6 ]
}

@test "real Gemini CLI through the hub: streamed chunk by chunk; the upstream saw no tools" {
	body=$(jq -cn '{model:"gemini-2.5-flash",stream:true,messages:[{role:"user",content:"Say hello [[upstream:slow=300]]"}]}')
	start=$(date +%s%N)
	first=""
	while IFS= read -r line; do
		if [ -z "$first" ] && [[ "$line" == 'data: {'* ]] && [ -n "$(sed 's/^data: //' <<<"$line" | jq -r '.choices[0].delta.content // empty')" ]; then
			first=$(( ($(date +%s%N) - start) / 1000000 ))
		fi
		printf '%s\n' "$line"
	done < <(chat "$body" -N) >"$BATS_TEST_TMPDIR/sse"
	total=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "first chunk after $first ms, stream done after $total ms"
	[ "$(deltas <"$BATS_TEST_TMPDIR/sse" | wc -l)" -ge 3 ]
	[ "$(deltas <"$BATS_TEST_TMPDIR/sse" | tr -d '\n')" = "Hello from the fake upstream." ]
	# the upstream sends its chunks 300 ms apart: the first reached the client early
	[ $(( total - first )) -ge 500 ]
	reqs=$(curl -s "$CODEASSIST_UP/_requests" | jq -c '[.[] | select(.path == "/v1internal:streamGenerateContent")]')
	[ "$(jq length <<<"$reqs")" -eq 1 ]
	jq -e '.[0].body.request.tools == null or ([.[0].body.request.tools[].functionDeclarations // [] | length] | add // 0) == 0' <<<"$reqs"
}

@test "no token appears in the hub's logs" {
	! grep -rqF "$CLAUDE_CODE_OAUTH_TOKEN" "$BATS_FILE_TMPDIR"/*.log
	! grep -rqF "$GOOGLE_CLOUD_ACCESS_TOKEN" "$BATS_FILE_TMPDIR"/*.log
}
