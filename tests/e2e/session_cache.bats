#!/usr/bin/env bats
# The read cache of GET /v1/sessions/{id} (session/session_cache.h): a
# repeated read is answered without Redis, and every change to the session
# - a turn through the hub, a write, a delete, a flush or an expiry made
# by any other client of the same Redis, as another host would - is in the
# very next read, from every worker process. Reads are counted on the
# server (INFO commandstats: the HGETALL calls).

load helpers

setup_file() {
	use_fake_clis
	# two processes answer the reads: each has its own cache and channel
	export HUB_QUICK_WORKERS=2 HUB_QUICK_THREADS=2
	# DEBUG SET-ACTIVE-EXPIRE: keys that expire stay until read
	REDIS_EXTRA_ARGS="--enable-debug-command local" start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL REDIS_DIR HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

hgetalls() {
	rcli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_hgetall:calls=\([0-9]*\),.*/\1/p' | grep . || echo 0
}

# the metadata key of the anonymous scope's session $1
meta_key() { rcli --scan --pattern "*sess:{~}:$1" | head -n 1; }

get_session() { curl -s -w '\n%{http_code}' "$HUB_URL/v1/sessions/$1"; }

# read session $1 n ($2) times; every answer must hold $3 (a jq test)
reads_hold() {
	local i out
	for i in $(seq "$2"); do
		out=$(get_session "$1")
		[ "$(status_of "$out")" = 200 ] || { echo "read $i: $out"; return 1; }
		body_of "$out" | jq -e "$3" >/dev/null || { echo "read $i: $(body_of "$out")"; return 1; }
	done
}

# the HGETALL calls Redis ran while session $1 was read $2 times, each
# answer holding $3 (reads_hold)
redis_reads() {
	local a b
	a=$(hgetalls)
	reads_hold "$1" "$2" "$3" >&2 || return 1
	b=$(hgetalls)
	echo $((b - a))
}

# session $1 answers 404, six times over (every process)
reads_gone() {
	local i
	for i in 1 2 3 4 5 6; do
		[ "$(status_of "$(get_session "$1")")" = 404 ] || return 1
	done
}

# both processes have their invalidation channel open
channels_open() { [ "$(rcli client list | grep -c 'name=hub-cache-')" -ge 2 ]; }

# a process opens its channel at its first session read: read session $1
# until both have
open_channels() {
	local i
	for i in $(seq 100); do
		curl -s -o /dev/null "$HUB_URL/v1/sessions/$1"
		channels_open && return 0
		sleep 0.1
	done
	rcli client list >&2
	return 1
}

# the id of some session of the anonymous scope, to read
ls_first_session() { curl -s "$HUB_URL/v1/sessions?limit=1" | jq -r '.data[0].id'; }

new_session() {
	chat '{"messages":[{"role":"user","content":"hello"}]}' -H "X-Session-ID: $1" -o /dev/null
	[ -n "$(meta_key "$1")" ]
}

@test "a repeated read is answered from the cache: each process asks Redis once" {
	sid=cache-hit-$$
	new_session "$sid"
	open_channels "$sid"
	reads_hold "$sid" 2 '.messages | length == 2'
	n=$(redis_reads "$sid" 20 '.messages | length == 2')
	echo "HGETALL calls for 20 reads: $n"
	# at most the first read of the process that had not read it yet
	[ "$n" -le 1 ]
}

@test "a turn through the hub is in the next read" {
	sid=cache-turn-$$
	new_session "$sid"
	open_channels "$sid"
	reads_hold "$sid" 6 '.messages | length == 2'
	chat '{"messages":[{"role":"user","content":"again"}]}' -H "X-Session-ID: $sid" -o /dev/null
	reads_hold "$sid" 6 '.messages | length == 4'
}

@test "a write by another client of Redis (another host) is in the next read, on every process" {
	sid=cache-write-$$
	new_session "$sid"
	open_channels "$sid"
	key=$(meta_key "$sid")
	reads_hold "$sid" 6 '.model != "written-elsewhere"'
	rcli hset "$key" model written-elsewhere >/dev/null
	reads_hold "$sid" 6 '.model == "written-elsewhere"'
	rcli rpush "$key:m" '{"role":"user","content":"pushed elsewhere"}' >/dev/null
	reads_hold "$sid" 6 '.messages[-1].content == "pushed elsewhere"'
}

@test "a session deleted by another client is gone on the next read" {
	sid=cache-del-$$
	new_session "$sid"
	open_channels "$sid"
	key=$(meta_key "$sid")
	reads_hold "$sid" 6 '.id == "'"$sid"'"'
	rcli del "$key" "$key:m" >/dev/null
	reads_gone "$sid"
}

@test "a session deleted through the hub is gone on the next read" {
	sid=cache-hubdel-$$
	new_session "$sid"
	open_channels "$sid"
	reads_hold "$sid" 6 '.id == "'"$sid"'"'
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$HUB_URL/v1/sessions/$sid")" = 204 ]
	reads_gone "$sid"
}

@test "an answer is not kept past the keys' TTL" {
	open_channels "$(ls_first_session)"
	# first read after the TTL is set: the deadline must end the answer
	# without an invalidation. Redis sends one only when it deletes the
	# expired keys, which here it does only when they are read.
	sid=cache-ttl-$$
	new_session "$sid"
	key=$(meta_key "$sid")
	rcli debug set-active-expire 0 >/dev/null
	rcli pexpire "$key" 1500 >/dev/null
	rcli pexpire "$key:m" 1500 >/dev/null
	reads_hold "$sid" 6 '.id == "'"$sid"'"'
	sleep 1.7
	codes=
	for i in 1 2 3 4 5 6; do
		codes="$codes $(status_of "$(get_session "$sid")")"
	done
	rcli debug set-active-expire 1 >/dev/null
	echo "after the TTL:$codes"
	[ "$codes" = " 404 404 404 404 404 404" ]
}

@test "a lost invalidation channel forgets everything, and is opened again" {
	sid=cache-lost-$$
	new_session "$sid"
	open_channels "$sid"
	key=$(meta_key "$sid")
	reads_hold "$sid" 6 '.model != "after-the-loss"'
	# the channels are the only subscribers: Redis drops them, as it does
	# a subscriber over its output buffer limit
	[ "$(rcli client kill type pubsub)" -ge 2 ]
	rcli hset "$key" model after-the-loss >/dev/null
	reads_hold "$sid" 6 '.model == "after-the-loss"'
	open_channels "$sid"
	reads_hold "$sid" 4 '.model == "after-the-loss"'
	n=$(redis_reads "$sid" 10 '.model == "after-the-loss"')
	echo "HGETALL calls for 10 reads after the reopening: $n"
	[ "$n" -le 1 ]
	rcli hset "$key" model after-the-reopening >/dev/null
	reads_hold "$sid" 6 '.model == "after-the-reopening"'
}

@test "FLUSHALL on the server forgets every answer" {
	sid=cache-flush-$$
	new_session "$sid"
	open_channels "$sid"
	reads_hold "$sid" 6 '.id == "'"$sid"'"'
	rcli flushall >/dev/null
	reads_gone "$sid"
}

@test "HUB_SESSION_CACHE_MB=0: every read goes to Redis, and opens no channel" {
	stop_hub
	HUB_SESSION_CACHE_MB=0 start_hub
	sid=cache-off-$$
	new_session "$sid"
	reads_hold "$sid" 2 '.id == "'"$sid"'"'
	n=$(redis_reads "$sid" 10 '.id == "'"$sid"'"')
	[ "$n" -eq 10 ]
	! rcli client list | grep -q 'name=hub-cache-'
	stop_hub
	start_hub
}

# a session $1 whose one message has $2 KiB of text
big_session() {
	new_session "$1"
	key=$(meta_key "$1")
	{ printf '{"role":"user","content":"'; head -c "$(( $2 * 1024 ))" /dev/zero | tr '\0' x; printf '"}'; } |
		rcli -x rpush "$key:m" >/dev/null
}

# read sessions $2.. in turn, $1 rounds, each answering 200
round_reads() {
	local rounds=$1 id; shift
	for _ in $(seq "$rounds"); do
		for id in "$@"; do
			[ "$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions/$id")" = 200 ] || return 1
		done
	done
}

@test "HUB_SESSION_CACHE_MB bounds the cache: the least recently read go first, a big answer is not kept" {
	stop_hub
	HUB_QUICK_WORKERS=1 HUB_SESSION_CACHE_MB=1 start_hub
	ids=()
	for i in $(seq 10); do
		big_session "cache-cap-$$-$i" 150
		ids+=("cache-cap-$$-$i")
	done
	big_session "cache-big-$$" 300
	open_channels_one() { curl -s -o /dev/null "$HUB_URL/v1/sessions/${ids[0]}"; rcli client list | grep -q 'name=hub-cache-'; }
	wait_for 100 open_channels_one
	# three answers of 150 KiB fit in 1 MiB: after the first round, no reads
	round_reads 1 "${ids[@]:0:3}"
	a=$(hgetalls)
	round_reads 3 "${ids[@]:0:3}"
	b=$(hgetalls)
	# ten do not: read in turn, each was pushed out before its turn came
	round_reads 1 "${ids[@]}"
	c=$(hgetalls)
	round_reads 2 "${ids[@]}"
	d=$(hgetalls)
	# one of 300 KiB (over a quarter of the cache) is never kept
	round_reads 1 "cache-big-$$"
	e=$(hgetalls)
	round_reads 5 "cache-big-$$"
	f=$(hgetalls)
	echo "3 that fit: $((b - a)) reads of Redis for 9; 10 in turn: $((d - c)) for 20; the big one: $((f - e)) for 5"
	stop_hub
	start_hub
	[ $((b - a)) -eq 0 ]
	[ $((d - c)) -eq 20 ]
	[ $((f - e)) -eq 5 ]
}
