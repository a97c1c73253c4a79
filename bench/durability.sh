#!/usr/bin/env bash
# durability.sh - what the private Redis' AOF fsync policy costs: appends
# per second for appendfsync everysec and always, each through a fresh
# redis-server configured as `hub serve` runs it (AOF on, noeviction), with
# an append shaped like the hub's (a 1 KiB message pushed to a session
# list, its hash updated, TTLs set; one script call per exchange), from 1
# and from 32 concurrent clients. Then the same through the whole hub: 32
# concurrent sessions with the instant fake CLI, non-streaming turns/s.
#
#   bench/durability.sh        knobs: BENCH_APPENDS (20000), BENCH_SECONDS (10)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

n=${BENCH_APPENDS:-20000}
secs=${BENCH_SECONDS:-10}
msg=$(head -c 1024 /dev/zero | tr '\0' m)
script="redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('HINCRBY', KEYS[2], 'message_count', 1) redis.call('EXPIRE', KEYS[1], 3600) redis.call('EXPIRE', KEYS[2], 3600) return 1"

for policy in everysec always; do
	dir=$(mktemp -d "$BATS_FILE_TMPDIR/aof.XXXXXX")
	redis-server --port 0 --unixsocket "$dir/r.sock" --dir "$dir" --save "" --appendonly yes \
		--appendfsync "$policy" --maxmemory 1gb --maxmemory-policy noeviction \
		--daemonize no --logfile "$dir/log" &
	rpid=$!
	for _ in $(seq 1 100); do [ -S "$dir/r.sock" ] && break; sleep 0.05; done
	for c in 1 32; do
		rps=$(redis-benchmark -s "$dir/r.sock" -c "$c" -n "$n" -r 1000 -q \
			EVAL "$script" 2 "s:__rand_int__:m" "s:__rand_int__" "$msg" 2>/dev/null |
			tr '\r' '\n' | sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | tail -n 1)
		result durability "appends/s, fsync $policy, $c client(s)" "$rps" - -
	done
	kill -TERM "$rpid"; wait "$rpid" 2>/dev/null || true
done

# the whole hub: 32 sessions, instant fake CLI, for each policy
use_fake_clis
export HUB_CHAT_WORKERS=2 HUB_CHAT_THREADS=32 HUB_MAX_CONCURRENT_CLAUDE=64
for policy in everysec always; do
	unset REDIS_URL
	export HUB_REDIS_APPENDFSYNC=$policy
	bench_hub "hub-$policy"
	end=$(( $(date +%s) + secs ))
	pids=()
	for i in $(seq 1 32); do
		( k=0; while [ "$(date +%s)" -lt "$end" ]; do
			curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
				-H "X-Session-ID: bench-$policy-$i" \
				--data-binary '{"messages":[{"role":"user","content":"hi"}]}' \
				"$HUB_URL/v1/chat/completions"
		done ) >"$BATS_FILE_TMPDIR/turns-$policy-$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	ok=$(cat "$BATS_FILE_TMPDIR"/turns-"$policy"-* | grep -c '^200$' || true)
	result durability "hub turns/s, 32 sessions, fsync $policy" "$(awk -v n="$ok" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')" - -
	stop_hub
done
