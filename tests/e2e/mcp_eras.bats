#!/usr/bin/env bats
# Both MCP protocol eras, with real clients: the SDK v2 client
# (@modelcontextprotocol/client 2.4.0, tests/node/mcp-eras.mjs) and the
# Inspector CLI (@modelcontextprotocol/inspector 2.12.0, --cli), each in
# the legacy (2025-11-25 initialize) and the modern (2026-07-28, no
# handshake) era, over stdio and Streamable HTTP. Also: the installed
# programs carry none of the conformance fixtures, and completion offers
# only the caller's own session ids.

load helpers

INSPECTOR=$HUB_SRCDIR/tests/node/node_modules/.bin/mcp-inspector

setup_file() {
	ensure_node_clients || skip "cannot install the Node test clients (npm)"
	use_fake_clis
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
	export HUB_MCP=$HUB_BUILDDIR/hub-mcp
	# the Inspector keeps a catalog in HOME; keep it in the test's dir
	export HOME=$BATS_FILE_TMPDIR/home
	mkdir -p "$HOME"
}

teardown_file() {
	stop_hub
	stop_redis
}

MODERN_META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'

# stdio_lines ERA: the four list methods of ERA as lines for hub-mcp.
stdio_lines() {
	local m i=2 meta=""
	if [ "$1" = legacy ]; then
		echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
	else
		meta=$MODERN_META
	fi
	for m in tools/list prompts/list resources/list resources/templates/list; do
		echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"$m\",\"params\":{$meta}}"
		i=$((i + 1))
	done
}

@test "hub-mcp and hub-fcgi contain and list none of the conformance fixtures (the fixture build does)" {
	[ -x "$HUB_BUILDDIR/tests/fixtures/hub-mcp-fixtures" ] || skip "no fixture build"
	# the fixture program has them, so the checks below can fail
	[ "$(grep -c test_simple_text "$HUB_BUILDDIR/tests/fixtures/hub-mcp-fixtures")" -gt 0 ]
	! grep -q -e test_simple_text -e 'test://static' -e test_input_required "$HUB_MCP" "$HUB_BUILDDIR/hub-fcgi"
	for era in legacy modern; do
		stdio_lines $era | "$HUB_MCP" >"$BATS_TEST_TMPDIR/prod" 2>/dev/null
		stdio_lines $era | "$HUB_BUILDDIR/tests/fixtures/hub-mcp-fixtures" >"$BATS_TEST_TMPDIR/fix" 2>/dev/null
		jq -se '[.[] | select(.id >= 2) | .result] | length == 4' "$BATS_TEST_TMPDIR/prod"
		! grep -q 'test_\|test://' "$BATS_TEST_TMPDIR/prod"
		grep -q 'test_simple_text' "$BATS_TEST_TMPDIR/fix"
		grep -q 'test://static-text' "$BATS_TEST_TMPDIR/fix"
	done
	curl -s -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
		-H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/list' \
		--data-binary '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{'"$MODERN_META"'}}' \
		"$HUB_URL/mcp" >"$BATS_TEST_TMPDIR/http"
	jq -e '.result.tools | length == 4 and all(.[]; .name | startswith("test_") | not)' "$BATS_TEST_TMPDIR/http"
}

@test "SDK v2 client over stdio: legacy and modern era (progress, logs, subscription, completion)" {
	for era in legacy modern; do
		run node "$HUB_SRCDIR/tests/node/mcp-eras.mjs" $era stdio "$HUB_MCP"
		echo "$output"
		[ "$status" -eq 0 ]
		jq -e --arg e $era '.ok and .negotiated == $e and .progress_notifications > 0' <<<"${lines[-1]}"
	done
	jq -e '.resource_updates == 0 and .log_notifications == 0' <<<"${lines[-1]}"
}

@test "SDK v2 client over Streamable HTTP: legacy and modern era (progress, logs, subscription, completion)" {
	run node "$HUB_SRCDIR/tests/node/mcp-eras.mjs" legacy http "$HUB_URL/mcp"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.ok and .protocolVersion == "2025-11-25" and .resource_updates >= 1 and .log_notifications >= 2' <<<"${lines[-1]}"
	run node "$HUB_SRCDIR/tests/node/mcp-eras.mjs" modern http "$HUB_URL/mcp"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.ok and .protocolVersion == "2026-07-28" and .progress_notifications > 0' <<<"${lines[-1]}"
}

@test "Inspector CLI over stdio: legacy opens with initialize, modern with server/discover" {
	# a wrapper records what the Inspector sends to hub-mcp
	printf '#!/bin/sh\ntee -a "%s" | exec "%s"\n' "$BATS_TEST_TMPDIR/in.\$MCP_ERA" "$HUB_MCP" >"$BATS_TEST_TMPDIR/wrap"
	chmod +x "$BATS_TEST_TMPDIR/wrap"
	for era in legacy modern; do
		run timeout 60 "$INSPECTOR" --cli --protocol-era $era -e MCP_ERA=$era -e REDIS_URL="$REDIS_URL" \
			-e HUB_CLAUDE_CLI="$HUB_CLAUDE_CLI" -e HUB_GEMINI_CLI="$HUB_GEMINI_CLI" -e HUB_STATE_DIR="$HUB_STATE_DIR" \
			--method tools/call --tool-name list_providers --format json -q "$BATS_TEST_TMPDIR/wrap"
		echo "$output"
		[ "$status" -eq 0 ]
		jq -e '.result.structuredContent.providers | map(.name) | index("claude")' <<<"$output"
	done
	grep -q '"method":"initialize"' "$BATS_TEST_TMPDIR/in.legacy"
	! grep -q '"method":"initialize"' "$BATS_TEST_TMPDIR/in.modern"
	grep -q '"io.modelcontextprotocol/protocolVersion":"2026-07-28"' "$BATS_TEST_TMPDIR/in.modern"
}

@test "Inspector CLI over Streamable HTTP: legacy makes an MCP session, modern is stateless" {
	sessions() { redis-cli -p "$REDIS_PORT" --scan --pattern '*mcp:s:*' | wc -l; }
	before=$(sessions)
	run timeout 60 "$INSPECTOR" --cli --protocol-era modern --method tools/call --tool-name list_providers \
		--format json -q "$HUB_URL/mcp"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.result.structuredContent.providers | length == 2' <<<"$output"
	[ "$(sessions)" -eq "$before" ]
	run timeout 60 "$INSPECTOR" --cli --protocol-era legacy --method prompts/list --format json -q "$HUB_URL/mcp"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.result.prompts | map(.name) | index("summarize_session")' <<<"$output"
	[ "$(sessions)" -gt "$before" ]
}

@test "completion/complete offers only the caller's own session ids (client keys)" {
	local ka=alice-key-0123456789abcdef kb=bob-key-0123456789abcdefgh
	stop_hub
	HUB_API_KEYS="alice:$ka,bob:$kb" start_hub tenants
	post() {  # KEY METHOD PARAMS
		curl -s -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
			-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' \
			-H "Mcp-Method: $2" ${4:+-H "Mcp-Name: $4"} \
			--data-binary "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":{$3,$MODERN_META}}" "$HUB_URL/mcp"
	}
	post "$ka" tools/call '"name":"chat","arguments":{"message":"hi","session_id":"alice-s1"}' chat >/dev/null
	post "$kb" tools/call '"name":"chat","arguments":{"message":"hi","session_id":"bob-s1"}' chat >/dev/null
	for k in "$ka" "$kb"; do
		post "$k" completion/complete '"ref":{"type":"ref/prompt","name":"summarize_session"},"argument":{"name":"session_id","value":""}' \
			>"$BATS_TEST_TMPDIR/c"
		cat "$BATS_TEST_TMPDIR/c"
		if [ "$k" = "$ka" ]; then
			jq -e '.result.completion.values == ["alice-s1"]' "$BATS_TEST_TMPDIR/c"
		else
			jq -e '.result.completion.values == ["bob-s1"]' "$BATS_TEST_TMPDIR/c"
		fi
	done
}
