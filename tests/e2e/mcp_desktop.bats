#!/usr/bin/env bats
# mcp_desktop.bats - the desktop snippets of docs/MCP.md run as written.
#
# `./hub install PREFIX` puts the binaries and the pinned CLIs where the
# snippets say; tests/node/mcp-snippet.mjs takes every JSON snippet out of
# docs/MCP.md, substitutes only the parts the doc says to replace, and
# starts exactly its command, args and env with the MCP SDK's stdio client
# (or connects to its url with its headers), then lists the tools and calls
# list_providers and get_session. The Redis socket sits where `./hub run`
# keeps it in a checkout; the remote hub is a real hub with client keys,
# reached through mcp-remote (npm, the version pinned in the snippet).

load helpers

setup_file() {
	ensure_node_clients
	export PREFIX=$BATS_FILE_TMPDIR/prefix ME=$BATS_FILE_TMPDIR/me
	# the pinned CLIs from the shared npm cache (no download when present)
	HUB_CLI_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/llm-mcp-hub/clis \
		"$HUB_SRCDIR/hub" install "$PREFIX" >"$BATS_FILE_TMPDIR/install.log" 2>&1 || {
		cat "$BATS_FILE_TMPDIR/install.log" >&2
		return 1
	}
	# the state of `./hub run` in a checkout at /home/me/llm-mcp-hub
	mkdir -p "$ME/llm-mcp-hub/.hub-state/run" "$ME/.gemini" "$ME/.local/state"
	printf '{"access_token":"ya29.test","refresh_token":"1//test","token_type":"Bearer","expiry_date":%s}\n' \
		"$(( ($(date +%s) + 86400) * 1000 ))" >"$ME/.gemini/oauth_creds.json"
	chmod 600 "$ME/.gemini/oauth_creds.json"
	export SOCK=$ME/llm-mcp-hub/.hub-state/run/redis.sock
	redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --save "" --appendonly no \
		--dir "$ME/llm-mcp-hub/.hub-state" --daemonize no >"$BATS_FILE_TMPDIR/sock-redis.log" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/sock-redis.pid"
	wait_for 50 redis-cli -s "$SOCK" ping
	# the remote hub: fake CLIs, client keys, its own TCP Redis
	start_redis
	use_fake_clis
	export KEY=desk-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	export HUB_API_KEYS="desk:$KEY"
	start_hub
	export HUB_URL HUB_PORT HUB_LOG
	export SUBST=$(jq -cn --arg prefix "$PREFIX" --arg me "$ME" --arg hub "http://localhost:$HUB_PORT" --arg key "$KEY" \
		'{"/usr/local": $prefix, "/home/me": $me, "sk-ant-oat01-...": "sk-ant-oat01-not-a-real-token",
		  "https://hub.example.com": $hub, "YOUR_HUB_CLIENT_KEY": $key}')
}

teardown_file() {
	stop_hub
	stop_redis
	local p
	p=$(cat "$BATS_FILE_TMPDIR/sock-redis.pid" 2>/dev/null) || return 0
	kill -TERM "$p" 2>/dev/null || true
	wait_for 50 sh -c "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null || true
}

@test "./hub install puts hub-mcp, hub-fcgi and the CLIs where docs/MCP.md says" {
	[ -x "$PREFIX/bin/hub-mcp" ] && [ -x "$PREFIX/bin/hub-fcgi" ]
	[ -x "$PREFIX/lib/llm-mcp-hub/bin/claude" ] && [ -x "$PREFIX/lib/llm-mcp-hub/bin/gemini" ]
	grep -q '"command": "/usr/local/bin/hub-mcp"' "$HUB_SRCDIR/docs/MCP.md"
	grep -q '"/usr/local/lib/llm-mcp-hub/bin/claude"' "$HUB_SRCDIR/docs/MCP.md"
}

@test "the Claude Desktop and Cursor hub-mcp snippets run as written: tools listed, CLIs found, store reached" {
	unset REDIS_URL HUB_CLAUDE_CLI HUB_GEMINI_CLI CLAUDE_CODE_OAUTH_TOKEN GEMINI_AUTH_PATH HUB_STATE_DIR HUB_API_KEYS
	run node "$HUB_SRCDIR/tests/node/mcp-snippet.mjs" "$HUB_SRCDIR/docs/MCP.md" "$SUBST" /bin/hub-mcp
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '"transport":"stdio"' <<<"$output")" -eq 2 ]
	! grep -q cli_missing <<<"$output"
}

@test "Cursor's url snippet reaches /mcp with the Bearer key; without the key it is refused" {
	run node "$HUB_SRCDIR/tests/node/mcp-snippet.mjs" "$HUB_SRCDIR/docs/MCP.md" "$SUBST" '"url"'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '"transport":"http"' <<<"$output"
	wrong=$(jq -c '.YOUR_HUB_CLIENT_KEY = "not-the-key-0123456789"' <<<"$SUBST")
	run node "$HUB_SRCDIR/tests/node/mcp-snippet.mjs" "$HUB_SRCDIR/docs/MCP.md" "$wrong" '"url"'
	[ "$status" -ne 0 ]
}

@test "the macOS/Windows snippet: mcp-remote (npx, pinned) forwards to the hub's /mcp with the key header" {
	run node "$HUB_SRCDIR/tests/node/mcp-snippet.mjs" "$HUB_SRCDIR/docs/MCP.md" "$SUBST" mcp-remote
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '"transport":"stdio"' <<<"$output"
	# the key reached the hub: its request log names the key id
	grep -q '"key_id":"desk"' "$HUB_LOG"
}
