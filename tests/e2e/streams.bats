#!/usr/bin/env bats
# Long-lived streams (GET /sse): a thousand idle ones leave chats, MCP
# calls and memory exports prompt; they are capped per client key and per
# client address across the fleet; the leases of a holder that died stop
# counting within seconds.

load helpers

setup_file() {
	command -v node >/dev/null 2>&1 || skip "node is needed to hold a thousand streams"
	use_fake_clis
	key() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }
	export KEY_ALICE=$(key) KEY_BOB=$(key)
	export HUB_API_KEYS="alice:$KEY_ALICE,bob:$KEY_BOB"
	export HUB_MAX_STREAMS_PER_KEY=1000 HUB_MAX_STREAMS_PER_ADDR=1000
	# 2 x 600 threads: room for the thousand streams and the tests' extras
	export HUB_STREAM_WORKERS=2 HUB_STREAM_THREADS=600
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

teardown() {
	local p
	for p in ${FLOOD_PID:-} ${CURL_PIDS:-}; do kill "$p" 2>/dev/null || true; done
	for p in ${FLOOD_PID:-} ${CURL_PIDS:-}; do wait "$p" 2>/dev/null || true; done
	return 0
}

msg() { jq -cn --arg c "$1" '{model:"sonnet",messages:[{role:"user",content:$c}]}'; }

# Milliseconds since the epoch.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Leases of set $1 that are still live (Redis server time).
live_leases() {
	local t
	t=$(redis-cli -p "$REDIS_PORT" TIME | tr '\n' ' ')
	set -- "$1" $t
	redis-cli -p "$REDIS_PORT" ZCOUNT "$1" "$(( $2 * 1000 + $3 / 1000 ))" +inf
}

no_live_leases() { [ "$(live_leases "$1")" = 0 ]; }

# The stream pool's processes: the supervisor (hub-fcgi with --stack-kb
# under our state dir) and its workers.
stream_pool_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = hub-fcgi ] || continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- '--stack-kb' || continue
		tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qx "HUB_STATE_DIR=$HUB_STATE_DIR" || continue
		echo "${p#/proc/}"
	done
}

# One MCP request for key $1 on session $2; prints the last JSON-RPC message.
mcp() {
	local out
	out=$(curl -s --max-time 30 -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
		${2:+-H "Mcp-Session-Id: $2"} --data-binary "$3" "$HUB_URL/mcp")
	if grep -q '^data: ' <<<"$out"; then sed -n 's/^data: //p' <<<"$out" | tail -n 1; else printf '%s\n' "$out"; fi
}

# Open an MCP session for key $1; prints its Mcp-Session-Id.
mcp_open() {
	local h=$BATS_TEST_TMPDIR/mcp.h sid
	curl -s --max-time 30 -D "$h" -o /dev/null -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' \
		--data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"streams-test","version":"1"}}}' \
		"$HUB_URL/mcp"
	sid=$(grep -i '^Mcp-Session-Id:' "$h" | cut -d' ' -f2 | tr -d '\r')
	[ -n "$sid" ] || return 1
	mcp "$1" "$sid" '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
	printf '%s\n' "$sid"
}

@test "1,000 idle streams: chats, MCP calls and memory exports answer promptly; caps per key and per address answer 429" {
	HUB_TEST_KEY=$KEY_ALICE node "$HUB_SRCDIR/tests/node/sse-flood.mjs" "$HUB_URL/sse" 1000 300 \
		"$BATS_TEST_TMPDIR/ready" 3>&- &
	FLOOD_PID=$!
	wait_for 1200 test -s "$BATS_TEST_TMPDIR/ready"
	cat "$BATS_TEST_TMPDIR/ready"
	jq -e '.endpoints == 1000 and .open == 1000' "$BATS_TEST_TMPDIR/ready"
	[ "$(live_leases hub:streams:key:alice)" = 1000 ]
	[ "$(live_leases hub:streams:addr:127.0.0.1)" = 1000 ]
	# idle streams hold no Redis connection each (one poller per process)
	clients=$(redis-cli -p "$REDIS_PORT" INFO clients | sed -n 's/^connected_clients:\([0-9]*\).*/\1/p')
	echo "redis clients with 1000 streams open: $clients"
	[ "$clients" -lt 50 ]

	# a chat with a session, while the thousand are open
	t0=$(now_ms)
	out=$(curl -s -D "$BATS_TEST_TMPDIR/h" -w '\n%{http_code}' --max-time 30 -H "Authorization: Bearer $KEY_ALICE" \
		-H 'Content-Type: application/json' -H 'X-Session-ID: busy-1' \
		--data-binary "$(msg 'hello under load')" "$HUB_URL/v1/chat/completions")
	chat_ms=$(( $(now_ms) - t0 ))
	echo "chat: ${chat_ms} ms"
	[ "$(status_of "$out")" = 200 ]
	[ "$chat_ms" -lt 10000 ]

	# an MCP tools/call (the chat tool runs the fake CLI)
	t0=$(now_ms)
	sid=$(mcp_open "$KEY_ALICE")
	out=$(mcp "$KEY_ALICE" "$sid" '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"chat","arguments":{"message":"mcp under load"}}}')
	mcp_ms=$(( $(now_ms) - t0 ))
	echo "mcp initialize + tools/call: ${mcp_ms} ms"
	jq -e '.result.isError != true' <<<"$out"
	[ "$mcp_ms" -lt 10000 ]

	# a memory export with a summary (a provider call in the chat pool)
	t0=$(now_ms)
	run curl -s -o "$BATS_TEST_TMPDIR/mem" -w '%{http_code}' --max-time 30 -H "Authorization: Bearer $KEY_ALICE" \
		"$HUB_URL/v1/sessions/busy-1/memory"
	mem_ms=$(( $(now_ms) - t0 ))
	echo "memory export: ${mem_ms} ms"
	[ "$output" = 200 ]
	grep -q 'hello under load' "$BATS_TEST_TMPDIR/mem"
	[ "$mem_ms" -lt 10000 ]

	# alice's 1,001st stream: 429 for the key, a JSON-RPC error and Retry-After
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --max-time 10 \
		-H "Authorization: Bearer $KEY_ALICE" "$HUB_URL/sse"
	[ "$output" = 429 ]
	grep -qi '^Retry-After: [1-9]' "$BATS_TEST_TMPDIR/h"
	jq -e '.jsonrpc == "2.0" and .error.code == -32000 and (.error.message | test("HUB_MAX_STREAMS_PER_KEY"))' "$BATS_TEST_TMPDIR/b"
	# bob from the same address: 429 for the address
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $KEY_BOB" "$HUB_URL/sse"
	[ "$output" = 429 ]
	jq -e '.error.message | test("HUB_MAX_STREAMS_PER_ADDR")' "$BATS_TEST_TMPDIR/b"
	# bob from another address is served
	curl -s -N --max-time 2 --interface 127.0.0.2 -H "Authorization: Bearer $KEY_BOB" "$HUB_URL/sse" \
		>"$BATS_TEST_TMPDIR/bob" || true
	grep -q '^data: /messages?sessionId=' "$BATS_TEST_TMPDIR/bob"

	# what the thousand idle streams cost: memory and CPU of the stream pool
	local rss=0 ticks0=0 ticks1=0 p
	for p in $(stream_pool_pids); do
		rss=$(( rss + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status") ))
		ticks0=$(( ticks0 + $(awk '{print $14 + $15}' "/proc/$p/stat") ))
	done
	rticks0=$(awk '{print $14 + $15}' "/proc/$REDIS_PID/stat")
	sleep 5
	for p in $(stream_pool_pids); do ticks1=$(( ticks1 + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done
	rticks1=$(awk '{print $14 + $15}' "/proc/$REDIS_PID/stat")
	echo "stream pool RSS: $(( rss / 1024 )) MiB; CPU over 5 s: stream pool $(( ticks1 - ticks0 )) ticks, redis $(( rticks1 - rticks0 )) ticks (100 per CPU-second)"
	[ "$rss" -lt $(( 512 * 1024 )) ]
	# idle: well under a tenth of a core each
	[ $(( ticks1 - ticks0 )) -lt 50 ]
	[ $(( rticks1 - rticks0 )) -lt 50 ]

	# closing the streams gives their leases back at once (not by expiry)
	kill "$FLOOD_PID"
	wait "$FLOOD_PID" || true
	FLOOD_PID=
	wait_for 50 sh -c "[ \"\$(redis-cli -p $REDIS_PORT ZCARD hub:streams:key:alice)\" = 0 ]"
	[ "$(redis-cli -p "$REDIS_PORT" ZCARD hub:streams:key:alice)" = 0 ]
}

@test "the leases of a stream holder that was killed stop counting within seconds" {
	local i
	CURL_PIDS=
	for i in $(seq 1 20); do
		curl -s -N --max-time 60 -H "Authorization: Bearer $KEY_BOB" "$HUB_URL/sse" >"$BATS_TEST_TMPDIR/s.$i" 2>/dev/null &
		CURL_PIDS="$CURL_PIDS $!"
	done
	wait_for 300 sh -c "[ \$(grep -l '^data: /messages' $BATS_TEST_TMPDIR/s.* 2>/dev/null | wc -l) -eq 20 ]"
	[ "$(live_leases hub:streams:key:bob)" = 20 ]
	# SIGKILL every worker of the stream pool: nobody gives the leases back
	sup=$(stream_pool_pids | while read -r p; do
		pp=$(awk '{print $4}' "/proc/$p/stat"); stream_pool_pids | grep -qx "$pp" || echo "$p"; done)
	[ -n "$sup" ]
	workers=$(children_of "$sup")
	[ -n "$workers" ]
	kill -KILL $workers
	killed_at=$(now_ms)
	# still counted right after the kill...
	[ "$(live_leases hub:streams:key:bob)" -gt 0 ]
	# ...and no longer within the lease time (10 s) plus a margin
	wait_for 200 no_live_leases hub:streams:key:bob
	freed_ms=$(( $(now_ms) - killed_at ))
	echo "leases freed ${freed_ms} ms after the kill"
	[ "$(live_leases hub:streams:key:bob)" = 0 ]
	[ "$freed_ms" -lt 16000 ]
	# the supervisor started new workers: streams work again
	curl -s -N --max-time 2 -H "Authorization: Bearer $KEY_BOB" "$HUB_URL/sse" >"$BATS_TEST_TMPDIR/after" || true
	grep -q '^data: /messages?sessionId=' "$BATS_TEST_TMPDIR/after"
}

@test "GET /mcp (routed with the streams) stays 405" {
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' \
		-H "Authorization: Bearer $KEY_ALICE" -H 'Accept: text/event-stream' "$HUB_URL/mcp"
	[ "$output" = 405 ]
	grep -qi '^Allow: POST, DELETE' "$BATS_TEST_TMPDIR/h"
}
