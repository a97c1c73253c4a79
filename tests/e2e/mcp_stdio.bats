#!/usr/bin/env bats
# hub-mcp on stdio: the official MCP TypeScript SDK client lists and calls
# every tool, reads every resource and gets every prompt; malformed lines get
# the right JSON-RPC error and the server goes on; nothing but JSON-RPC on
# stdout; cancellation and stdin EOF stop the provider child.

load helpers

setup_file() {
	ensure_node_clients || skip "cannot install the Node test clients (npm)"
	use_fake_clis
	start_redis
	export REDIS_PORT REDIS_PID REDIS_URL
	export HUB_STATE_DIR=$BATS_FILE_TMPDIR/state
	mkdir -p "$HUB_STATE_DIR"
	export HUB_MCP=$HUB_BUILDDIR/hub-mcp
}

teardown_file() {
	stop_redis
}

@test "hub-mcp --check-config and --version answer on stderr/stdout and exit" {
	run "$HUB_MCP" --version
	[ "$status" -eq 0 ]
	[[ $output == "hub-mcp "* ]]
	run env HUB_SESSION_TTL=nope "$HUB_MCP" --check-config
	[ "$status" -eq 1 ]
	[[ $output == *HUB_SESSION_TTL* ]]
}

@test "the SDK client over stdio: every tool, resource and prompt" {
	run node "$HUB_SRCDIR/tests/node/mcp-client.mjs" stdio "$HUB_MCP"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.ok and .server == "llm-mcp-hub"' <<<"${lines[-1]}"
	jq -e '.tools | length == 4' <<<"${lines[-1]}"
	jq -e '.progress_notifications > 0' <<<"${lines[-1]}"
}

@test "malformed lines (invalid JSON, 9 MiB, wrong types, unknown method) get errors and the server goes on" {
	run node "$HUB_SRCDIR/tests/node/mcp-stdio-raw.mjs" robust "$HUB_MCP"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.wrong_types == [-32600,-32602,-32602,-32602,-32600] and .unknown_method == -32601' <<<"${lines[-1]}"
}

@test "notifications/cancelled stops the provider child, ping is answered meanwhile, no response is sent" {
	run node "$HUB_SRCDIR/tests/node/mcp-stdio-raw.mjs" cancel "$HUB_MCP"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.child_started and .ping_while_running and .child_stopped' <<<"${lines[-1]}"
}

@test "stdin EOF during a chat: hub-mcp exits promptly and the provider child is gone" {
	run node "$HUB_SRCDIR/tests/node/mcp-stdio-raw.mjs" eof "$HUB_MCP"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.exit_ms < 5000 and .child_gone' <<<"${lines[-1]}"
}

@test "piped lines: every stdout line is compact JSON-RPC, logs stay on stderr" {
	printf '%s\n' \
		'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{}}}' \
		'not json at all' \
		'' \
		'[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":3,"method":"tools/list"}]' \
		'{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"provider://list"}}' \
		'{"jsonrpc":"2.0","id":5,"method":"prompts/list"}' >"$BATS_TEST_TMPDIR/in"
	HUB_LOG_LEVEL=debug "$HUB_MCP" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 5 ]
	while IFS= read -r line; do
		jq -e 'if type == "array" then all(.[]; .jsonrpc == "2.0") else .jsonrpc == "2.0" end' <<<"$line" >/dev/null
	done <"$BATS_TEST_TMPDIR/out"
	[ "$(sed -n 2p "$BATS_TEST_TMPDIR/out" | jq .error.code)" = -32700 ]
	[ "$(sed -n 3p "$BATS_TEST_TMPDIR/out" | jq 'length')" = 2 ]
	[ "$(sed -n 4p "$BATS_TEST_TMPDIR/out" | jq -r '.result.contents[0].text | fromjson | length')" = 2 ]
	grep -q '"serving MCP on stdio"' "$BATS_TEST_TMPDIR/err"
	! grep -q 'serving' "$BATS_TEST_TMPDIR/out"
}
