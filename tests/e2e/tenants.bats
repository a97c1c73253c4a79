#!/usr/bin/env bats
# Tenants are separate: session ids (and MCP session ids) are scoped per
# client key. Two keys using the same id have two sessions, at the same
# time or one after the other, and nothing a key sees depends on whether
# another key's session with that id exists.

load helpers

setup_file() {
	use_fake_clis
	key() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }
	export KEY_ALICE=$(key) KEY_BOB=$(key)
	export HUB_API_KEYS="alice:$KEY_ALICE,bob:$KEY_BOB"
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

msg() { jq -cn --arg c "$1" '{model:"sonnet",messages:[{role:"user",content:$c}]}'; }

# as KEY ARGS...: curl with that key; prints body then status
as() { local k=$1; shift; curl -s --max-time 30 -w '\n%{http_code}' -H "Authorization: Bearer $k" "$@"; }

# chat_as KEY SESSION TEXT: a chat turn; prints body then status
chat_as() {
	as "$1" -H 'Content-Type: application/json' -H "X-Session-ID: $2" \
		--data-binary "$(msg "$3")" "$HUB_URL/v1/chat/completions"
}

# One MCP request for key $1 on session $2; prints the last JSON-RPC message.
mcp() {
	local out
	out=$(curl -s --max-time 30 -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
		${2:+-H "Mcp-Session-Id: $2"} --data-binary "$3" "$HUB_URL/mcp")
	if grep -q '^data: ' <<<"$out"; then sed -n 's/^data: //p' <<<"$out" | tail -n 1; else printf '%s\n' "$out"; fi
}

mcp_open() {
	local h=$BATS_TEST_TMPDIR/mcp.h sid
	curl -s -D "$h" -o /dev/null -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' \
		--data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"tenants-test","version":"1"}}}' \
		"$HUB_URL/mcp"
	sid=$(grep -i '^Mcp-Session-Id:' "$h" | cut -d' ' -f2 | tr -d '\r')
	[ -n "$sid" ] || return 1
	mcp "$1" "$sid" '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
	printf '%s\n' "$sid"
}

# A response with the two ids and the varying fields made equal, for
# comparing what a key sees for an id that exists elsewhere and one that
# exists nowhere.
normalise() { sed -e "s/$2/ID/g" -e "s/$3/ID/g" -e 's/"request_id":"[^"]*"/"request_id":"R"/g' <<<"$1"; }

@test "two keys use the same session id at the same time: both succeed, two separate histories" {
	sid=same-$RANDOM$RANDOM
	chat_as "$KEY_ALICE" "$sid" 'alice words [[fake:chunks=3]] [[fake:slow=400]]' >"$BATS_TEST_TMPDIR/a" &
	a=$!
	chat_as "$KEY_BOB" "$sid" 'bob words [[fake:chunks=3]] [[fake:slow=400]]' >"$BATS_TEST_TMPDIR/b" &
	b=$!
	wait "$a"
	wait "$b"
	# no 409 across keys: the locks are per key too
	[ "$(status_of "$(cat "$BATS_TEST_TMPDIR/a")")" = 200 ]
	[ "$(status_of "$(cat "$BATS_TEST_TMPDIR/b")")" = 200 ]
	out=$(as "$KEY_ALICE" "$HUB_URL/v1/sessions/$sid")
	body_of "$out" | jq -e '.message_count == 2 and ([.messages[].content] | join(" ") | test("alice words") and (test("bob") | not))'
	out=$(as "$KEY_BOB" "$HUB_URL/v1/sessions/$sid")
	body_of "$out" | jq -e '.message_count == 2 and ([.messages[].content] | join(" ") | test("bob words") and (test("alice") | not))'
	# two different Redis keys, each with its owner
	[ "$(redis-cli -p "$REDIS_PORT" HGET "hub:sess:{alice}:$sid" owner)" = alice ]
	[ "$(redis-cli -p "$REDIS_PORT" HGET "hub:sess:{bob}:$sid" owner)" = bob ]
}

@test "one after the other: B's first use of A's id neither squats nor reveals it; A continues its own" {
	sid=seq-$RANDOM$RANDOM
	# bob takes the id first: a squat attempt
	out=$(chat_as "$KEY_BOB" "$sid" 'bob first')
	[ "$(status_of "$out")" = 200 ]
	# alice's first chat with it is a new session of hers (no 404)
	out=$(chat_as "$KEY_ALICE" "$sid" 'alice first [[fake:echo]]')
	[ "$(status_of "$out")" = 200 ]
	! grep -q 'bob first' <<<"$out"
	out=$(chat_as "$KEY_ALICE" "$sid" 'alice second [[fake:echo]]')
	[ "$(status_of "$out")" = 200 ]
	# the echo carries alice's history, never bob's
	grep -q 'alice first' <<<"$out"
	! grep -q 'bob first' <<<"$out"
	body_of "$(as "$KEY_ALICE" "$HUB_URL/v1/sessions/$sid")" | jq -e '.message_count == 4'
	body_of "$(as "$KEY_BOB" "$HUB_URL/v1/sessions/$sid")" | jq -e '.message_count == 2'
	# deleting is per key as well
	[ "$(status_of "$(as "$KEY_BOB" -X DELETE "$HUB_URL/v1/sessions/$sid")")" = 204 ]
	[ "$(status_of "$(as "$KEY_ALICE" "$HUB_URL/v1/sessions/$sid")")" = 200 ]
}

@test "existence is not observable: B's answers for A's id equal B's answers for an id nobody has" {
	x=taken-$RANDOM$RANDOM
	y=free-$RANDOM$RANDOM
	[ "$(status_of "$(chat_as "$KEY_ALICE" "$x" 'alice private')")" = 200 ]
	local path a b
	for path in "/v1/sessions/ID" "/v1/sessions/ID/memory?summarize=false" "/v1/sessions/ID/memory?format=json&summarize=false"; do
		a=$(as "$KEY_BOB" "$HUB_URL${path/ID/$x}")
		b=$(as "$KEY_BOB" "$HUB_URL${path/ID/$y}")
		[ "$(status_of "$a")" = 404 ]
		[ "$(normalise "$a" "$x" "$y")" = "$(normalise "$b" "$x" "$y")" ]
	done
	a=$(as "$KEY_BOB" -X DELETE "$HUB_URL/v1/sessions/$x")
	b=$(as "$KEY_BOB" -X DELETE "$HUB_URL/v1/sessions/$y")
	[ "$(status_of "$a")" = 404 ]
	[ "$(normalise "$a" "$x" "$y")" = "$(normalise "$b" "$x" "$y")" ]
	! body_of "$(as "$KEY_BOB" "$HUB_URL/v1/sessions")" | grep -q "$x"
	# MCP: the get_session tool and session:// resources
	s=$(mcp_open "$KEY_BOB")
	for tmpl in '{jsonrpc:"2.0",id:2,method:"tools/call",params:{name:"get_session",arguments:{session_id:$s}}}' \
		'{jsonrpc:"2.0",id:3,method:"resources/read",params:{uri:("session://" + $s)}}'; do
		a=$(mcp "$KEY_BOB" "$s" "$(jq -cn --arg s "$x" "$tmpl")")
		b=$(mcp "$KEY_BOB" "$s" "$(jq -cn --arg s "$y" "$tmpl")")
		[ "$(normalise "$a" "$x" "$y")" = "$(normalise "$b" "$x" "$y")" ]
		! grep -q 'alice private' <<<"$a"
	done
	# an MCP session id of alice's looks exactly like an unknown one to bob
	m=$(mcp_open "$KEY_ALICE")
	for method in POST DELETE; do
		a=$(curl -s -w '\n%{http_code}' -X "$method" -H "Authorization: Bearer $KEY_BOB" -H 'Content-Type: application/json' \
			-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
			-H "Mcp-Session-Id: $m" --data-binary '{"jsonrpc":"2.0","id":9,"method":"ping"}' "$HUB_URL/mcp")
		b=$(curl -s -w '\n%{http_code}' -X "$method" -H "Authorization: Bearer $KEY_BOB" -H 'Content-Type: application/json' \
			-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
			-H "Mcp-Session-Id: ${m%?????}zzzzz" --data-binary '{"jsonrpc":"2.0","id":9,"method":"ping"}' "$HUB_URL/mcp")
		[ "$(status_of "$a")" = 404 ]
		[ "$a" = "$b" ]
	done
	# and alice's MCP session is still there, untouched
	out=$(mcp "$KEY_ALICE" "$m" '{"jsonrpc":"2.0","id":10,"method":"ping"}')
	jq -e '.result == {}' <<<"$out"
}
