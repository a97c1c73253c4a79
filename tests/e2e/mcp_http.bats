#!/usr/bin/env bats
# MCP over HTTP: Streamable HTTP on /mcp and legacy HTTP+SSE on /sse and
# /messages, behind lighttpd, with the official SDK client and with curl
# for the transport rules (Accept, sessions, versions, Origin, 2026-07-28
# headers).

load helpers

setup_file() {
	ensure_node_clients || skip "cannot install the Node test clients (npm)"
	use_fake_clis
	export HUB_MCP_ALLOWED_ORIGINS="https://app.example.com, https://n8n.example.com"
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
MODERN_META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'

# mcp_post BODY [curl args...]: POST to /mcp with the headers a client sends;
# headers in $BATS_TEST_TMPDIR/h, body in .../b, prints the status.
mcp_post() {
	local body=$1; shift
	curl -s -o "$BATS_TEST_TMPDIR/b" -D "$BATS_TEST_TMPDIR/h" -w '%{http_code}' \
		-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
		"$@" --data-binary "$body" "$HUB_URL/mcp"
}

# A new MCP session; prints its id.
new_session() {
	local v=${1:-2025-11-25}
	mcp_post "${INIT/2025-11-25/$v}" >/dev/null
	tr -d '\r' <"$BATS_TEST_TMPDIR/h" | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}'
}

@test "the SDK client over Streamable HTTP: every tool, resource and prompt" {
	run node "$HUB_SRCDIR/tests/node/mcp-client.mjs" http "$HUB_URL/mcp"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.ok and .protocolVersion == "2025-11-25" and .progress_notifications > 0' <<<"${lines[-1]}"
}

@test "the SDK client over legacy HTTP+SSE: every tool, resource and prompt" {
	run node "$HUB_SRCDIR/tests/node/mcp-client.mjs" sse "$HUB_URL/sse"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.ok and (.tools | length == 4)' <<<"${lines[-1]}"
}

@test "initialize issues Mcp-Session-Id; later requests need it (400), unknown is 404, DELETE ends it" {
	sid=$(new_session)
	[ -n "$sid" ]
	[ "$(jq -r .result.protocolVersion "$BATS_TEST_TMPDIR/b")" = 2025-11-25 ]
	[ "$(mcp_post '{"jsonrpc":"2.0","id":2,"method":"tools/list"}')" = 400 ]
	[ "$(mcp_post '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' -H 'Mcp-Session-Id: nosuchsession')" = 404 ]
	[ "$(mcp_post '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25')" = 200 ]
	[ "$(jq '.result.tools | length' "$BATS_TEST_TMPDIR/b")" = 4 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Mcp-Session-Id: $sid" "$HUB_URL/mcp")" = 200 ]
	[ "$(mcp_post '{"jsonrpc":"2.0","id":3,"method":"ping"}' -H "Mcp-Session-Id: $sid")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Mcp-Session-Id: $sid" "$HUB_URL/mcp")" = 404 ]
}

@test "an unsupported MCP-Protocol-Version is 400; notifications get 202 with no body" {
	sid=$(new_session)
	[ "$(mcp_post '{"jsonrpc":"2.0","id":2,"method":"ping"}' -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 1999-01-01')" = 400 ]
	[ "$(mcp_post '{"jsonrpc":"2.0","method":"notifications/initialized"}' -H "Mcp-Session-Id: $sid")" = 202 ]
	[ ! -s "$BATS_TEST_TMPDIR/b" ]
}

@test "Accept without text/event-stream is 406; a non-JSON content type is 415; GET /mcp is 405" {
	run curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H 'Accept: application/json' \
		--data-binary "$INIT" "$HUB_URL/mcp"
	[ "$output" = 406 ]
	run curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' -H 'Accept: application/json, text/event-stream' \
		--data-binary "$INIT" "$HUB_URL/mcp"
	[ "$output" = 415 ]
	run curl -s -o /dev/null -w '%{http_code}' -H 'Accept: text/event-stream' "$HUB_URL/mcp"
	[ "$output" = 405 ]
}

@test "Origin: a foreign one is 403; localhost and HUB_MCP_ALLOWED_ORIGINS are served" {
	[ "$(mcp_post "$INIT" -H 'Origin: https://evil.example.net')" = 403 ]
	[ "$(jq .error.code "$BATS_TEST_TMPDIR/b")" = -32000 ]
	[ "$(mcp_post "$INIT" -H 'Origin: http://localhost:6274')" = 200 ]
	[ "$(mcp_post "$INIT" -H 'Origin: https://n8n.example.com')" = 200 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: https://evil.example.net' "$HUB_URL/sse")" = 403 ]
}

@test "invalid JSON is 400 with -32700; a batch needs 2025-03-26" {
	[ "$(mcp_post '{oops')" = 400 ]
	[ "$(jq .error.code "$BATS_TEST_TMPDIR/b")" = -32700 ]
	sid=$(new_session)
	mcp_post '[{"jsonrpc":"2.0","id":2,"method":"ping"}]' -H "Mcp-Session-Id: $sid"
	[ "$(jq .error.code "$BATS_TEST_TMPDIR/b")" = -32600 ]
	sid=$(new_session 2025-03-26)
	[ "$(mcp_post '[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":3,"method":"tools/list"}]' -H "Mcp-Session-Id: $sid")" = 200 ]
	[ "$(jq 'length' "$BATS_TEST_TMPDIR/b")" = 2 ]
}

@test "tools/call answers as an SSE stream with progress and the result" {
	sid=$(new_session)
	mcp_post '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"chat","arguments":{"message":"hi"},"_meta":{"progressToken":"p"}}}' \
		-H "Mcp-Session-Id: $sid"
	grep -qi '^Content-Type: text/event-stream' "$BATS_TEST_TMPDIR/h"
	grep -q '^event: message' "$BATS_TEST_TMPDIR/b"
	sed -n 's/^data: //p' "$BATS_TEST_TMPDIR/b" | jq -se 'any(.[]; .method == "notifications/progress") and any(.[]; .id == 7 and .result.structuredContent.reply != null)'
}

@test "2026-07-28: stateless requests with _meta and matching headers; a mismatch is 400 with -32020" {
	body='{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{'"$MODERN_META"'}}'
	[ "$(mcp_post "$body" -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: server/discover')" = 200 ]
	jq -e '.result.resultType == "complete" and (.result.supportedVersions | index("2026-07-28"))' "$BATS_TEST_TMPDIR/b"
	! grep -qi '^Mcp-Session-Id' "$BATS_TEST_TMPDIR/h"
	body='{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{'"$MODERN_META"'}}'
	[ "$(mcp_post "$body" -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/list')" = 200 ]
	jq -e '.result.ttlMs > 0 and .result.cacheScope and (.result.tools | length == 4)' "$BATS_TEST_TMPDIR/b"
	[ "$(mcp_post "$body" -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: prompts/list')" = 400 ]
	[ "$(jq .error.code "$BATS_TEST_TMPDIR/b")" = -32020 ]
	[ "$(mcp_post "$body" -H 'MCP-Protocol-Version: 2025-11-25' -H 'Mcp-Method: tools/list')" = 400 ]
	[ "$(jq .error.code "$BATS_TEST_TMPDIR/b")" = -32020 ]
	body='{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"provider://claude",'"$MODERN_META"'}}'
	[ "$(mcp_post "$body" -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: resources/read')" = 400 ]
	[ "$(mcp_post "$body" -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: resources/read' -H 'Mcp-Name: provider://claude')" = 200 ]
	jq -e '.result.cacheScope and (.result.contents[0].text | fromjson | .name == "claude")' "$BATS_TEST_TMPDIR/b"
	body='{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"nope://x",'"$MODERN_META"'}}'
	mcp_post "$body" -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: resources/read' -H 'Mcp-Name: nope://x'
	[ "$(jq .error.code "$BATS_TEST_TMPDIR/b")" = -32602 ]
}

@test "legacy SSE: the endpoint event, then answers to POST /messages arrive as message events" {
	curl -s -N --max-time 6 "$HUB_URL/sse" >"$BATS_TEST_TMPDIR/sse" &
	cpid=$!
	wait_for 50 grep -q '^data: /messages?sessionId=' "$BATS_TEST_TMPDIR/sse"
	ep=$(sed -n 's/^data: //p' "$BATS_TEST_TMPDIR/sse" | head -1 | tr -d '\r')
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$INIT" "$HUB_URL$ep")" = 202 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' "$HUB_URL$ep")" = 202 ]
	wait_for 50 grep -q '"id":2' "$BATS_TEST_TMPDIR/sse"
	grep -q '^event: message' "$BATS_TEST_TMPDIR/sse"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary '{"jsonrpc":"2.0","id":3,"method":"ping"}' "$HUB_URL/messages?sessionId=nosuch")" = 404 ]
	kill "$cpid" 2>/dev/null || true
	wait "$cpid" 2>/dev/null || true
}

@test "notifications/cancelled in another POST stops the provider call; no response is sent" {
	sid=$(new_session)
	start=$(date +%s)
	curl -s -N --max-time 60 -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
		-H "Mcp-Session-Id: $sid" \
		--data-binary '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"chat","arguments":{"message":"x [[fake:hang]]"}}}' \
		"$HUB_URL/mcp" >"$BATS_TEST_TMPDIR/call" &
	cpid=$!
	sleep 2
	kill -0 "$cpid"   # the call hangs in the provider
	[ "$(mcp_post '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}}' -H "Mcp-Session-Id: $sid")" = 202 ]
	wait "$cpid" || true
	# the responder returns only after the child was stopped and reaped
	[ $(($(date +%s) - start)) -lt 20 ]
	! grep -q '"id":9' "$BATS_TEST_TMPDIR/call"
}
