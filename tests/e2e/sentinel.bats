#!/usr/bin/env bats
# sentinel.bats - Redis high availability: the hub finds the primary through
# three real redis-sentinel processes, follows a failover when the primary
# is killed under load, and every exchange it answered 200 is stored
# afterwards, once, whole (docs/DEPLOY.md, docs/RELIABILITY.md).
#
# Topology on 127.0.0.1, free ports: a primary, two replicas (the hub
# WAITs for one replica after each append, so one must remain after the
# failover), three sentinels with a quorum of 2 and
# down-after-milliseconds 500. Passwords are in the config files, never on
# a command line.

load helpers

MASTER=hubha

setup_file() {
	use_fake_clis
	export D=$BATS_FILE_TMPDIR/ha
	mkdir -p "$D"
	export DATA_PW=data-pw-$RANDOM$RANDOM SENT_PW=sent-pw-$RANDOM$RANDOM
	local i port
	PIDS=()
	for i in 0 1 2; do
		port=$(free_port)
		eval "RPORT$i=$port"
		mkdir -p "$D/r$i"
		{
			printf 'port %s\nbind 127.0.0.1\ndir %s\nsave ""\nappendonly no\n' "$port" "$D/r$i"
			printf 'requirepass %s\nmasterauth %s\nrepl-diskless-sync-delay 0\n' "$DATA_PW" "$DATA_PW"
			[ "$i" -eq 0 ] || printf 'replicaof 127.0.0.1 %s\n' "$RPORT0"
		} >"$D/r$i/redis.conf"
		redis-server "$D/r$i/redis.conf" --daemonize no >"$D/r$i.log" 2>&1 3>&- &
		echo $! >"$D/r$i.pid"
		wait_for 50 env REDISCLI_AUTH="$DATA_PW" redis-cli -p "$port" ping
	done
	export RPORT0 RPORT1 RPORT2
	for i in 1 2; do
		eval "port=\$RPORT$i"
		wait_for 100 sh -c "REDISCLI_AUTH=\$DATA_PW redis-cli -p $port info replication | grep -q '^master_link_status:up'"
	done
	local sentinels=
	for i in 0 1 2; do
		port=$(free_port)
		mkdir -p "$D/s$i"
		{
			printf 'port %s\nbind 127.0.0.1\ndir %s\n' "$port" "$D/s$i"
			printf 'requirepass %s\n' "$SENT_PW"
			printf 'sentinel monitor %s 127.0.0.1 %s 2\n' "$MASTER" "$RPORT0"
			printf 'sentinel auth-pass %s %s\n' "$MASTER" "$DATA_PW"
			printf 'sentinel sentinel-pass %s\n' "$SENT_PW"
			printf 'sentinel down-after-milliseconds %s 500\n' "$MASTER"
			printf 'sentinel failover-timeout %s 5000\n' "$MASTER"
		} >"$D/s$i/sentinel.conf"
		redis-sentinel "$D/s$i/sentinel.conf" --daemonize no >"$D/s$i.log" 2>&1 3>&- &
		echo $! >"$D/s$i.pid"
		eval "SPORT$i=$port"
		sentinels=${sentinels:+$sentinels,}127.0.0.1:$port
	done
	export SPORT0 SPORT1 SPORT2
	# every sentinel knows both replicas and the two other sentinels
	for i in 0 1 2; do
		eval "port=\$SPORT$i"
		wait_for 150 sh -c "[ \"\$(REDISCLI_AUTH=\$SENT_PW redis-cli -p $port sentinel master $MASTER |
			awk 'p { print; exit } /^num-other-sentinels\$/ { p = 1 }')\" = 2 ]" || {
			echo "sentinel $i did not see the others" >&2
			return 1
		}
		wait_for 100 sh -c "[ \"\$(REDISCLI_AUTH=\$SENT_PW redis-cli -p $port sentinel master $MASTER |
			awk 'p { print; exit } /^num-slaves\$/ { p = 1 }')\" = 2 ]"
	done
	unset REDIS_URL
	export REDIS_SENTINELS=$sentinels REDIS_SENTINEL_MASTER=$MASTER
	export REDIS_PASSWORD=$DATA_PW REDIS_SENTINEL_PASSWORD=$SENT_PW
	export HUB_REDIS_WAIT_REPLICAS=1 HUB_REDIS_FAILOVER_TIMEOUT_MS=15000
	export HUB_CHAT_THREADS=16
	start_hub
	export HUB_URL
}

teardown_file() {
	stop_hub
	local f p
	for f in "$D"/s*.pid "$D"/r*.pid; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		kill -TERM "$p" 2>/dev/null || true
	done
	for f in "$D"/s*.pid "$D"/r*.pid; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		wait_for 50 sh -c "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null || true
	done
}

# The primary's port as a sentinel names it.
primary_port() {
	REDISCLI_AUTH=$SENT_PW redis-cli -p "$SPORT0" sentinel get-master-addr-by-name "$MASTER" | sed -n 2p
}

dcli() {
	local port=$1; shift
	REDISCLI_AUTH=$DATA_PW redis-cli --no-auth-warning -p "$port" "$@"
}

# One client: chats in session $1 until the file $D/stop exists; writes
# "ms status turn" per request to $D/load.$1.
load_loop() {
	local sid=$1 turn=0 code
	while [ ! -e "$D/stop" ]; do
		turn=$((turn + 1))
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
			-H "X-Session-ID: $sid" --data-binary "{\"model\":\"sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"$sid turn $turn\"}]}" \
			"$HUB_URL/v1/chat/completions")
		printf '%s %s %s\n' "$(date +%s%3N)" "$code" "$turn" >>"$D/load.$sid"
	done
}

@test "the hub finds the primary through Sentinel and follows a failover under load; no answered exchange is lost or half-written" {
	[ "$(primary_port)" = "$RPORT0" ]
	out=$(chat '{"model":"sonnet","messages":[{"role":"user","content":"before"}]}' -H 'X-Session-ID: ha-before')
	echo "$out"
	jq -e '.choices[0].message.content == "Hello from fake claude."' <<<"$out"
	[ "$(dcli "$RPORT0" llen 'hub:sess:{~}:ha-before:m')" = 2 ]

	rm -f "$D/stop" "$D"/load.*
	local sids="ha-a ha-b ha-c ha-d" s
	local loaders=()
	for s in $sids; do load_loop "$s" 3>&- & loaders+=($!); done
	sleep 1.5
	kill_ms=$(date +%s%3N)
	kill -KILL "$(cat "$D/r0.pid")"
	# the load goes on until chats succeed again for 2 s after the failover
	wait_for 300 sh -c "p=\$(REDISCLI_AUTH=\$SENT_PW redis-cli -p $SPORT1 sentinel get-master-addr-by-name $MASTER | sed -n 2p); [ -n \"\$p\" ] && [ \"\$p\" != $RPORT0 ]"
	failover_ms=$(date +%s%3N)
	sleep 3
	touch "$D/stop"
	wait "${loaders[@]}"
	new=$(primary_port)
	[ "$new" != "$RPORT0" ]
	echo "sentinels named the new primary after $((failover_ms - kill_ms)) ms"

	local ok=0 bad=0 after=0 gap=0 g last first_after=0
	for s in $sids; do
		last=$kill_ms
		while read -r ms code turn; do
			if [ "$code" = 200 ]; then
				ok=$((ok + 1))
				if [ "$ms" -gt "$kill_ms" ]; then
					after=$((after + 1))
					g=$((ms - last)); [ "$g" -le "$gap" ] || gap=$g
					[ "$first_after" -ne 0 ] || first_after=$ms
				fi
				[ "$ms" -le "$kill_ms" ] || last=$ms
			else
				bad=$((bad + 1))
			fi
		done <"$D/load.$s"
	done
	echo "answered 200: $ok (after the kill: $after), other answers: $bad; longest wait for a 200 after the kill: $gap ms"
	[ "$after" -ge 8 ]
	# chats continue within the failover time (down-after 500 ms + election)
	[ "$gap" -lt 10000 ]

	# every exchange answered 200 is in its session, once, as user then
	# assistant; message_count matches the list (nothing half-written)
	for s in $sids; do
		dcli "$new" lrange "hub:sess:{~}:$s:m" 0 -1 >"$D/list.$s"
		n=$(wc -l <"$D/list.$s")
		[ "$n" = "$(dcli "$new" hget "hub:sess:{~}:$s" message_count)" ]
		jq -rs '[.[] | .role] | . as $r | [range(0; length; 2) | select($r[.] != "user" or $r[.+1] != "assistant")] | length' "$D/list.$s" | grep -qx 0
		jq -r 'select(.role == "user") | .content' "$D/list.$s" >"$D/users.$s"
		[ -z "$(sort "$D/users.$s" | uniq -d)" ] || { echo "duplicated in $s: $(sort "$D/users.$s" | uniq -d)"; false; }
		while read -r ms code turn; do
			[ "$code" = 200 ] || continue
			grep -qx "$s turn $turn" "$D/users.$s" || { echo "lost: $s turn $turn"; false; }
		done <"$D/load.$s"
	done
	# the first session, written before the failover, is still whole
	[ "$(dcli "$new" llen 'hub:sess:{~}:ha-before:m')" = 2 ]
}
