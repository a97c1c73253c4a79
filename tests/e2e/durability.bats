#!/usr/bin/env bats
# Durability under faults: what a client saw answered is stored, a dead
# holder frees its session within seconds, a Redis restart brings no lock
# back, a writer that lost its lock cannot append, and the storage caps
# answer with the error envelope. One `hub serve` with its private Redis
# (AOF on) and the instant fake Claude CLI; the results are summarised in
# docs/RELIABILITY.md.

load helpers

CHAT_THREADS=19   # tells this hub's chat pool apart in argv

setup_file() {
	use_fake_clis
	unset REDIS_URL
	export HUB_CLAUDE_TIMEOUT=60 HUB_KILL_GRACE_MS=300 HUB_KEEPALIVE_SECONDS=1
	export HUB_REDIS_TIMEOUT_MS=300
	export HUB_QUICK_WORKERS=1 HUB_CHAT_WORKERS=2 HUB_QUICK_THREADS=4 HUB_CHAT_THREADS=$CHAT_THREADS
	export HUB_MAX_CONCURRENT_CLAUDE=64
	start_hub
	export HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
}

rcli() { redis-cli -s "$HUB_STATE_DIR/run/redis.sock" "$@"; }

# The private redis-server's pid (its command line names the socket).
redis_pid() { pgrep -f "redis-server unixsocket:$HUB_STATE_DIR/run/redis.sock" | head -n 1; }

body_of_prompt() { jq -cn --arg c "$1" '{messages:[{role:"user",content:$c}]}'; }

# One client for the load tests: continues its session ($2) while answers
# are 200. Logs "<prompt> <status>" per turn to $1; prompts are unique.
load_client() {
	local log=$1 sid=$2 n=0 code
	set +e
	while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do
		n=$((n + 1))
		code=$(curl -s -o /dev/null -m 15 -w '%{http_code}' -H 'Content-Type: application/json' \
			-H "X-Session-ID: $sid" \
			--data-binary "{\"messages\":[{\"role\":\"user\",\"content\":\"$sid-turn-$n\"}]}" \
			"$HUB_URL/v1/chat/completions")
		echo "$sid-turn-$n $code" >>"$log"
		[ "$code" = 200 ] || sleep 0.1
	done
}

# Every turn the client saw answered 200 is stored, and every stored
# session is whole exchanges (user, assistant, ...). $1: clients' log dir.
check_answered_stored() {
	local f sid stored count roles turns=0 missing=0 half=0 m
	for f in "$1"/c*.log; do
		sid=$(basename "$f" .log)
		stored=$(curl -s "$HUB_URL/v1/sessions/$sid")
		printf '%s' "$stored" | jq -e '.messages' >/dev/null || { echo "GET $sid: $stored"; return 1; }
		roles=$(printf '%s' "$stored" | jq -r '[.messages[]?.role] | join(" ")')
		count=$(printf '%s' "$stored" | jq '[.messages[]?] | length')
		if [ "$((count % 2))" -ne 0 ] ||
		   [ "$roles" != "$(yes user assistant | head -n "$((count / 2))" | tr '\n' ' ' | sed 's/ $//')" ]; then
			echo "half an exchange in $sid: $roles"
			half=$((half + 1))
		fi
		printf '%s' "$stored" | jq -r '.messages[]? | select(.role == "user") | .content' | sort >"$f.stored"
		awk '$2 == 200 { print $1 }' "$f" | sort >"$f.answered"
		turns=$((turns + $(wc -l <"$f.answered")))
		m=$(comm -23 "$f.answered" "$f.stored" | wc -l)
		[ "$m" -eq 0 ] || { echo "answered but not stored in $sid: $(comm -23 "$f.answered" "$f.stored" | head -n 3)"; }
		missing=$((missing + m))
	done
	echo "$turns answered turns checked; missing $missing; sessions with half an exchange $half"
	[ "$turns" -gt 0 ] && [ "$missing" -eq 0 ] && [ "$half" -eq 0 ]
}

@test "Redis SIGKILLed under 32 concurrent sessions: restarted by hub serve, every answered turn stored, no half exchange" {
	dir=$BATS_TEST_TMPDIR/load
	mkdir -p "$dir"
	before=$(redis_pid)
	clients=()
	for i in $(seq 1 32); do
		load_client "$dir/c$i.log" "c$i" &
		clients+=($!)
	done
	sleep 2
	kill -KILL "$before"
	killed=$(date +%s)
	# the supervisor starts it again within a few seconds
	wait_for 50 sh -c "p=\$(pgrep -f 'redis-server unixsocket:$HUB_STATE_DIR/run/redis.sock'); [ -n \"\$p\" ] && [ \"\$p\" != $before ]"
	wait_for 50 rcli ping
	back=$(date +%s)
	sleep 2
	touch "$BATS_TEST_TMPDIR/stop"
	wait "${clients[@]}"
	rm -f "$BATS_TEST_TMPDIR/stop"
	cat "$dir"/c*.log | awk '{print $2}' | sort | uniq -c
	echo "redis back after $((back - killed)) s"
	[ $((back - killed)) -le 5 ]
	# /health shows the gap
	h=$(curl -s "$HUB_URL/health")
	echo "$h" | jq -e '.components.supervisor.components.redis.restarts >= 1' >/dev/null
	echo "$h" | jq -e '.components.redis.persistence == "aof"' >/dev/null
	# answers after the restart too
	awk '$2 == 200' "$dir"/c*.log | wc -l
	check_answered_stored "$dir"
}

# The pid of one chat worker (a hub-fcgi whose parent is the chat pool's
# supervisor) that has a child (the hanging CLI).
chat_worker_with_child() {
	local p sup
	for p in $(pgrep -x hub-fcgi); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "--threads $CHAT_THREADS " || continue
		sup=$(awk '{print $4}' "/proc/$p/stat")
		[ "$(cat "/proc/$sup/comm" 2>/dev/null)" = hub-fcgi ] || continue
		[ -n "$(children_of "$p")" ] && { echo "$p"; return 0; }
	done
	return 1
}

@test "a chat worker SIGKILLed mid-turn: its session answers again within 10 s, no 409 after that" {
	sid=held-by-dead
	curl -s -o /dev/null -m 30 -H 'Content-Type: application/json' -H "X-Session-ID: $sid" \
		--data-binary "$(body_of_prompt '[[fake:hang]]')" "$HUB_URL/v1/chat/completions" &
	client=$!
	wait_for 50 chat_worker_with_child
	worker=$(chat_worker_with_child)
	# while the holder lives, the session is busy
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-H "X-Session-ID: $sid" --data-binary "$(body_of_prompt busy)" "$HUB_URL/v1/chat/completions")
	[ "$code" = 409 ]
	kill -KILL "$worker"
	killed=$(date +%s%N)
	wait "$client" || true
	code=
	while [ $(( ($(date +%s%N) - killed) / 1000000 )) -lt 12000 ]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
			-H "X-Session-ID: $sid" --data-binary "$(body_of_prompt again)" "$HUB_URL/v1/chat/completions")
		[ "$code" = 200 ] && break
		sleep 0.25
	done
	ms=$(( ($(date +%s%N) - killed) / 1000000 ))
	echo "free again after $ms ms (last status $code)"
	[ "$code" = 200 ]
	[ "$ms" -le 10500 ]
	for i in 1 2 3; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
			-H "X-Session-ID: $sid" --data-binary "$(body_of_prompt "after $i")" "$HUB_URL/v1/chat/completions")
		[ "$code" = 200 ]
	done
}

@test "a clean Redis restart brings no lock back" {
	sid=locked-at-restart
	curl -s -o /dev/null -m 30 -H 'Content-Type: application/json' -H "X-Session-ID: $sid" \
		--data-binary "$(body_of_prompt '[[fake:hang]]')" "$HUB_URL/v1/chat/completions" &
	client=$!
	wait_for 50 sh -c "[ \"\$(redis-cli -s '$HUB_STATE_DIR/run/redis.sock' exists 'hub:sess:{~}:$sid:lock')\" = 1 ]"
	before=$(redis_pid)
	# a clean shutdown writes the lock into the AOF; hub serve starts Redis again
	rcli shutdown >/dev/null 2>&1 || true
	wait_for 50 sh -c "p=\$(pgrep -f 'redis-server unixsocket:$HUB_STATE_DIR/run/redis.sock'); [ -n \"\$p\" ] && [ \"\$p\" != $before ]"
	wait_for 50 rcli ping
	restarted=$(date +%s%N)
	# the old lock is still in the data (AOF on), but it counts for nothing
	echo "lock key after the restart: $(rcli get "hub:sess:{~}:$sid:lock")"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-H "X-Session-ID: $sid" --data-binary "$(body_of_prompt 'after restart')" "$HUB_URL/v1/chat/completions")
	ms=$(( ($(date +%s%N) - restarted) / 1000000 ))
	echo "status $code after $ms ms"
	[ "$code" = 200 ]
	[ "$ms" -lt 5000 ]   # well before the lock's own TTL would have freed it
	# the hanging turn lost its lock: it is stopped, and stores nothing
	wait "$client" || true
	n=$(curl -s "$HUB_URL/v1/sessions/$sid" | jq '[.messages[] | select(.content == "[[fake:hang]]")] | length')
	[ "$n" = 0 ]
}

@test "fencing: a writer whose lock was taken over cannot append" {
	sid=fenced
	out=$BATS_TEST_TMPDIR/fenced.out
	# a 2 s turn: it ends before its first lock renewal (3 s)
	curl -s -o "$out" -w '%{http_code}' -m 30 -H 'Content-Type: application/json' -H "X-Session-ID: $sid" \
		--data-binary "$(body_of_prompt '[[fake:chunks=2]][[fake:slow=1000]] first writer')" \
		"$HUB_URL/v1/chat/completions" >"$out.code" &
	client=$!
	wait_for 50 sh -c "[ \"\$(redis-cli -s '$HUB_STATE_DIR/run/redis.sock' exists 'hub:sess:{~}:$sid:lock')\" = 1 ]"
	# another holder takes the lock over (as after an expiry), in this run of Redis
	rid=$(rcli info server | tr -d '\r' | sed -n 's/^run_id://p')
	rcli set "hub:sess:{~}:$sid:lock" "$rid:another-holder" px 10000 >/dev/null
	wait "$client" || true
	echo "first writer: $(cat "$out.code") $(cat "$out")"
	[ "$(cat "$out.code")" = 409 ]
	jq -e '.error.message | test("lock")' "$out" >/dev/null
	# nothing of the first writer was stored
	code=$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions/$sid")
	[ "$code" = 404 ]
	rcli del "hub:sess:{~}:$sid:lock" >/dev/null
}

@test "lighttpd and a responder pool SIGKILLed: hub serve starts each again within seconds, /health counts the restarts" {
	local lpid cpid t0 ms
	lpid=$(pgrep -f "lighttpd -D -f $HUB_STATE_DIR/run/lighttpd.conf" | head -n 1)
	[ -n "$lpid" ]
	t0=$(date +%s%N)
	kill -KILL "$lpid"
	wait_for 100 sh -c "curl -s -o /dev/null -w '%{http_code}' '$HUB_URL/health' | grep -qx 200"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "lighttpd: /health 200 again ${ms} ms after the kill"
	[ "$ms" -lt 5000 ]
	[ "$(pgrep -f "lighttpd -D -f $HUB_STATE_DIR/run/lighttpd.conf" | head -n 1)" != "$lpid" ]
	# the chat pool's supervisor (its workers end with it)
	cpid=$(pgrep -f "hub-fcgi --workers 2 --threads $CHAT_THREADS" | while read -r p; do
		read -r _ _ _ pp _ <"/proc/$p/stat"; [ "$pp" = "$HUB_PID" ] && echo "$p"; done | head -n 1)
	[ -n "$cpid" ]
	t0=$(date +%s%N)
	kill -KILL "$cpid"
	wait_for 100 sh -c "curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary '{\"messages\":[{\"role\":\"user\",\"content\":\"after the pool died\"}]}' \
		'$HUB_URL/v1/chat/completions' | grep -qx 200"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "chat pool: a chat answered 200 again ${ms} ms after the kill"
	[ "$ms" -lt 5000 ]
	health=$(curl -s "$HUB_URL/health")
	echo "$health" | jq .components.supervisor
	echo "$health" | jq -e '.components.supervisor.components.lighttpd.restarts >= 1 and
		.components.supervisor.components.chat.restarts >= 1 and .components.supervisor.restarts >= 2' >/dev/null
}

@test "storage caps: 413 per session, 429 sessions per key, 507 bytes per key and Redis out of memory; nothing half-written" {
	stop_hub
	export HUB_SESSION_MAX_BYTES=3000 HUB_KEY_MAX_SESSIONS=3 HUB_KEY_MAX_BYTES=4500
	export HUB_MCP_SESSION_TTL=30
	start_hub caps
	post() {  # sid prompt -> "status body"
		curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' -H "X-Session-ID: $1" \
			--data-binary "$(body_of_prompt "$2")" "$HUB_URL/v1/chat/completions"
	}
	big=$(head -c 900 /dev/zero | tr '\0' x)
	# per session: about 1 KiB per exchange, the fourth passes 3000 bytes
	for i in 1 2; do [ "$(status_of "$(post s1 "$big $i")")" = 200 ]; done
	out=$(post s1 "$big 3")
	echo "$out"
	[ "$(status_of "$out")" = 413 ]
	body_of "$out" | jq -e '.error.code == "too_large" and (.error.message | test("HUB_SESSION_MAX_BYTES"))' >/dev/null
	[ "$(curl -s "$HUB_URL/v1/sessions/s1" | jq '.messages | length')" = 4 ]
	# a stream is refused with the status before it begins
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H "X-Session-ID: s1" \
		--data-binary "$(jq -cn --arg c "$big s" '{stream:true,messages:[{role:"user",content:$c}]}')" \
		"$HUB_URL/v1/chat/completions")
	[ "$code" = 413 ]
	# per key, sessions: s1, s2, s3 exist; s4 is refused
	[ "$(status_of "$(post s2 small)")" = 200 ]
	[ "$(status_of "$(post s3 small)")" = 200 ]
	out=$(post s4 small)
	[ "$(status_of "$out")" = 429 ]
	body_of "$out" | jq -e '.error.code == "session_quota_exceeded"' >/dev/null
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions/s4")" = 404 ]
	# per key, bytes: s1 (two big exchanges) + s2 + s3 are under the key's
	# 4500 bytes; one more big exchange on s2 fits, then one on s3 does not
	[ "$(status_of "$(post s2 "$big a")")" = 200 ]
	rcli hgetall "hub:ob:{~}" | paste - - | tr '\n' ' '
	out=$(post s3 "$big b")
	echo "$out"
	[ "$(status_of "$out")" = 507 ]
	body_of "$out" | jq -e '.error.code == "insufficient_storage" and (.error.message | test("HUB_KEY_MAX_BYTES"))' >/dev/null
	[ "$(curl -s "$HUB_URL/v1/sessions/s3" | jq '.messages | length')" = 2 ]
	# deleting a session gives its bytes back
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$HUB_URL/v1/sessions/s1")" = 204 ]
	[ "$(status_of "$(post s3 "$big c")")" = 200 ]
	# Redis out of memory (noeviction): 507, the session unchanged
	rcli config get maxmemory-policy | grep -qx noeviction
	n3=$(curl -s "$HUB_URL/v1/sessions/s3" | jq '.messages | length')
	rcli config set maxmemory 1 >/dev/null
	out=$(post s3 "out of memory")
	rcli config set maxmemory 1gb >/dev/null
	echo "$out"
	[ "$(status_of "$out")" = 507 ]
	body_of "$out" | jq -e '.error.type and .error.message' >/dev/null
	[ "$(curl -s "$HUB_URL/v1/sessions/s3" | jq '.messages | length')" = "$n3" ]
	# every stored session is whole exchanges
	for s in s2 s3; do
		c=$(curl -s "$HUB_URL/v1/sessions/$s" | jq '.messages | length')
		[ $((c % 2)) -eq 0 ]
	done
	# MCP session records live HUB_MCP_SESSION_TTL, not an hour
	sid=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
		--data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
		"$HUB_URL/mcp" | tr -d '\r' | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')
	[ -n "$sid" ]
	ttl=$(rcli ttl "hub:mcp:s:{~}:$sid")
	echo "MCP session TTL $ttl"
	[ "$ttl" -gt 0 ] && [ "$ttl" -le 30 ]
}
