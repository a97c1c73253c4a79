#!/usr/bin/env bats
# Redis round trips of one chat turn (issue 17): a stored turn costs at
# most 3, streamed or not, first turn or with history, and a turn without
# X-Session-ID no more. Counted on the server: INFO stats'
# total_writes_processed grows by one for each batch of replies Redis
# writes to a client, that is once per round trip of the hub's one
# connection (one chat thread, warmed up first), and by one for the INFO
# that opens the interval (measured with nothing in between and
# subtracted).

load helpers

setup_file() {
	use_fake_clis
	export HUB_CHAT_WORKERS=1 HUB_CHAT_THREADS=1
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL REDIS_DIR HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
	# warm the chat thread's connection
	chat '{"messages":[{"role":"user","content":"warm up"}]}' -o /dev/null
}

teardown_file() {
	stop_hub
	stop_redis
}

writes() { redis-cli -p "$REDIS_PORT" info stats | tr -d '\r' | sed -n 's/^total_writes_processed://p'; }

# The round trips of "$@" (a command), net of the measurement's own.
round_trips() {
	local a b c d
	a=$(writes); b=$(writes)
	c=$(writes); "$@" >/dev/null; d=$(writes)
	echo $(( (d - c) - (b - a) ))
}

turn() {
	local body=$1; shift
	curl -s -o "$BATS_FILE_TMPDIR/turn.out" -w '%{http_code}' -H 'Content-Type: application/json' "$@" \
		--data-binary "$body" "$HUB_URL/v1/chat/completions" >"$BATS_FILE_TMPDIR/turn.status"
}

# assert that the last turn answered 200 (and, streamed, ended with [DONE])
answered() {
	[ "$(cat "$BATS_FILE_TMPDIR/turn.status")" = 200 ]
	if [ "${1:-}" = stream ]; then grep -q 'data: \[DONE\]' "$BATS_FILE_TMPDIR/turn.out"; fi
}

@test "the measurement itself: nothing happening counts 0" {
	n=$(round_trips true)
	echo "idle: $n"
	[ "$n" -eq 0 ]
}

@test "a stored turn with X-Session-ID, first turn and with history: at most 3 round trips" {
	sid=rtt-plain-$$
	n1=$(round_trips turn '{"messages":[{"role":"user","content":"one"}]}' -H "X-Session-ID: $sid")
	answered
	n2=$(round_trips turn '{"messages":[{"role":"user","content":"two"}]}' -H "X-Session-ID: $sid")
	answered
	echo "first turn: $n1, with history: $n2"
	[ "$(redis-cli -p "$REDIS_PORT" --scan --pattern "*sess:*$sid:m" | xargs redis-cli -p "$REDIS_PORT" llen)" = 4 ]
	[ "$n1" -ge 1 ] && [ "$n1" -le 3 ]
	[ "$n2" -ge 1 ] && [ "$n2" -le 3 ]
}

@test "a streamed stored turn with X-Session-ID: at most 3 round trips" {
	sid=rtt-stream-$$
	n1=$(round_trips turn '{"stream":true,"messages":[{"role":"user","content":"one"}]}' -H "X-Session-ID: $sid")
	answered stream
	n2=$(round_trips turn '{"stream":true,"messages":[{"role":"user","content":"two"}]}' -H "X-Session-ID: $sid")
	answered stream
	echo "first turn: $n1, with history: $n2"
	[ "$(redis-cli -p "$REDIS_PORT" --scan --pattern "*sess:*$sid:m" | xargs redis-cli -p "$REDIS_PORT" llen)" = 4 ]
	[ "$n1" -ge 1 ] && [ "$n1" -le 3 ]
	[ "$n2" -ge 1 ] && [ "$n2" -le 3 ]
}

@test "a turn without X-Session-ID (stored under a new id): at most 3 round trips" {
	n1=$(round_trips turn '{"messages":[{"role":"user","content":"one"}]}')
	answered
	n2=$(round_trips turn '{"stream":true,"messages":[{"role":"user","content":"one"}]}')
	answered stream
	echo "plain: $n1, streamed: $n2"
	[ "$n1" -ge 1 ] && [ "$n1" -le 3 ]
	[ "$n2" -ge 1 ] && [ "$n2" -le 3 ]
}

conns() { redis-cli -p "$REDIS_PORT" info stats | tr -d '\r' | sed -n 's/^total_connections_received://p'; }

@test "the run's statistics, sent without a wait: recorded, and the connection kept across turns" {
	a=$(conns)
	for i in 1 2 3; do
		turn '{"messages":[{"role":"user","content":"stats"}]}'
		answered
		turn '{"stream":true,"messages":[{"role":"user","content":"stats"}]}'
		answered stream
	done
	b=$(conns)
	echo "connections: $a -> $b"
	# the conns() calls are redis-cli's own: one each; the hub opened none
	[ "$((b - a))" -eq 1 ]
	redis-cli -p "$REDIS_PORT" --scan --pattern '*stats:index' | grep -q .
	[ "$(redis-cli -p "$REDIS_PORT" smembers "$(redis-cli -p "$REDIS_PORT" --scan --pattern '*stats:index' | head -n 1)" | grep -c '^claude/')" -ge 1 ]
	# every run begun was ended: no run left counted as in flight
	for k in $(redis-cli -p "$REDIS_PORT" --scan --pattern '*stats:run:*'); do
		[ "$(redis-cli -p "$REDIS_PORT" zcard "$k")" -eq 0 ] || return 1
	done
}
