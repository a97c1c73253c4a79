#!/usr/bin/env bats
# Fault tests: what the whole hub (lighttpd, responders, Redis, provider
# children) does when a part breaks. Each test is bounded in time; the
# results are summarised in docs/RELIABILITY.md.

load helpers

CHAT_THREADS=17   # distinct thread counts tell the two pools apart in argv
QUICK_THREADS=3

setup_file() {
	use_fake_clis
	export HUB_CLAUDE_TIMEOUT=3 HUB_KILL_GRACE_MS=300 HUB_MAX_OUTPUT_BYTES=1048576
	export HUB_REDIS_TIMEOUT_MS=300 HUB_KEEPALIVE_SECONDS=1
	export HUB_QUICK_WORKERS=2 HUB_CHAT_WORKERS=2
	export HUB_QUICK_THREADS=$QUICK_THREADS HUB_CHAT_THREADS=$CHAT_THREADS
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL REDIS_DIR HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

body_of_prompt() { jq -cn --arg c "$1" '{messages:[{role:"user",content:$c}]}'; }

# pid of the responder supervisor of one pool ($1: chat or quick).
supervisor_of() {
	local threads p
	[ "$1" = chat ] && threads=$CHAT_THREADS || threads=$QUICK_THREADS
	for p in $(pgrep -x hub-fcgi); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "--threads $threads " || continue
		# a supervisor is the one whose parent is not a hub-fcgi
		[ "$(cat "/proc/$(awk '{print $4}' "/proc/$p/stat")/comm" 2>/dev/null)" = hub-fcgi ] && continue
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "HUB_STATE_DIR=$HUB_STATE_DIR" || continue
		echo "$p"
	done
}

# pids whose parent is $1, sorted (one pass over /proc/*/stat; the fields
# after the parenthesised command name are state, ppid, ...).
kids_of() {
	cat /proc/[0-9]*/stat 2>/dev/null |
		awk -v p="$1" '{ pid = $1; sub(/^.*\) /, ""); if ($2 == p) print pid }' | sort -n
}

# Every responder pid (supervisors and workers) of this hub.
responders() {
	local s
	for s in $(supervisor_of chat) $(supervisor_of quick); do
		echo "$s"
		kids_of "$s"
	done
}

# Provider children still around: processes whose cwd is under the state
# directory (each CLI runs in a private dir there), and zombies whose parent
# is a responder. Prints one line per offender.
leftovers() {
	local r
	find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$HUB_STATE_DIR/*" 2>/dev/null |
		sed 's/^/child /'
	r=$(responders | tr '\n' ' ')
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v rs=" $r" '{ pid = $1; sub(/^.*\) /, "")
		if ($1 == "Z" && index(rs, " " $2 " ")) print "zombie " pid " of " $2 }'
	return 0
}

# Wait up to $1 tenths of a second until nothing is left over.
no_leftovers_within() {
	local i
	for i in $(seq 1 "$1"); do
		[ -z "$(leftovers)" ] && return 0
		sleep 0.1
	done
	leftovers >&2
	return 1
}

# POST a prompt; sets code, body and ms (elapsed).
timed_chat() {
	local t0=$(date +%s%N) out
	out=$(curl -s -m 30 -w '\n%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$(body_of_prompt "$1")" "$HUB_URL/v1/chat/completions")
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	code=$(tail -n 1 <<<"$out")
	body=$(sed '$d' <<<"$out")
	echo "status $code after $ms ms: $body"
}

is_envelope() {
	jq -e '.error.message | type == "string" and length > 0' <<<"$1" >/dev/null
}

@test "provider CLI crashes mid-reply: 502 with the envelope, no zombie, no orphan" {
	timed_chat "x [[fake:crash]]"
	[ "$code" = 502 ]
	is_envelope "$body"
	no_leftovers_within 10
}

@test "provider CLI prints garbage: 502, nothing left" {
	timed_chat "x [[fake:garbage]]"
	[ "$code" = 502 ]
	is_envelope "$body"
	no_leftovers_within 10
}

@test "provider CLI prints gigabytes: the output cap stops it with 502 in seconds" {
	timed_chat "x [[fake:huge=4000000000]]"
	[ "$code" = 502 ]
	is_envelope "$body"
	[ "$ms" -lt 10000 ]
	no_leftovers_within 10
}

@test "provider CLI hangs: 504 at the deadline, its process group gone" {
	timed_chat "x [[fake:hang]]"
	[ "$code" = 504 ]
	is_envelope "$body"
	# HUB_CLAUDE_TIMEOUT=3: not before the deadline, not long after it
	[ "$ms" -ge 2900 ]
	[ "$ms" -lt 6000 ]
	no_leftovers_within 10
}

@test "provider CLI ignores SIGTERM: SIGKILL after the grace period, 504, nothing left" {
	timed_chat "x [[fake:ignore-term]]"
	[ "$code" = 504 ]
	is_envelope "$body"
	[ "$ms" -ge 2900 ]
	[ "$ms" -lt 6500 ]
	no_leftovers_within 10
}

@test "provider CLI leaves a grandchild holding stdout: the group is killed" {
	timed_chat "x [[fake:grandchild]]"
	[[ "$code" =~ ^(200|502|504)$ ]]
	no_leftovers_within 20
}

@test "client disconnects mid-stream: the provider child is gone within 1 s" {
	body=$(jq -cn '{stream:true,messages:[{role:"user",content:"x [[fake:chunks=60]] [[fake:slow=200]]"}]}')
	curl -s -N -m 1.2 -H 'Content-Type: application/json' --data-binary "$body" \
		"$HUB_URL/v1/chat/completions" >/dev/null || true
	left=$(date +%s%N)
	no_leftovers_within 15
	ms=$(( ($(date +%s%N) - left) / 1000000 ))
	echo "child gone ${ms} ms after the client left"
	[ "$ms" -lt 1000 ]
}

@test "a killed quick responder: requests keep being served, and it comes back" {
	sup=$(supervisor_of quick)
	[ -n "$sup" ]
	before=$(kids_of "$sup")
	[ "$(wc -l <<<"$before")" -eq 2 ]
	victim=$(head -n 1 <<<"$before")
	kill -KILL "$victim"
	fails=0
	for i in $(seq 1 40); do
		c=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$HUB_URL/health")
		[ "$c" = 200 ] || fails=$((fails + 1))
	done
	echo "failed /health requests after the kill: $fails of 40"
	[ "$fails" -eq 0 ]
	# the supervisor starts a new worker
	for i in $(seq 1 30); do [ "$(kids_of "$sup" | wc -l)" -eq 2 ] && break; sleep 0.1; done
	after=$(kids_of "$sup")
	[ "$(wc -l <<<"$after")" -eq 2 ]
	! grep -qx "$victim" <<<"$after"
}

@test "a chat responder killed mid-request: its CLI child dies with it, the pool recovers" {
	sup=$(supervisor_of chat)
	[ -n "$sup" ]
	curl -s -m 20 -o "$BATS_TEST_TMPDIR/out" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$(body_of_prompt 'x [[fake:hang]]')" "$HUB_URL/v1/chat/completions" \
		>"$BATS_TEST_TMPDIR/code" &
	cpid=$!
	# find the worker that runs the hanging CLI
	worker=
	for i in $(seq 1 50); do
		for w in $(kids_of "$sup"); do
			[ -n "$(kids_of "$w")" ] && worker=$w
		done
		[ -n "$worker" ] && break
		sleep 0.1
	done
	[ -n "$worker" ]
	kill -KILL "$worker"
	wait "$cpid" || true
	echo "client got $(cat "$BATS_TEST_TMPDIR/code"): $(cat "$BATS_TEST_TMPDIR/out")"
	# an answer at once (not the 3 s deadline), never a hang
	[ -s "$BATS_TEST_TMPDIR/code" ]
	no_leftovers_within 10
	for i in $(seq 1 30); do [ "$(kids_of "$sup" | wc -l)" -eq 2 ] && break; sleep 0.1; done
	[ "$(kids_of "$sup" | wc -l)" -eq 2 ]
	! kids_of "$sup" | grep -qx "$worker"
	for i in 1 2 3 4; do
		timed_chat "after the kill $i"
		[ "$code" = 200 ]
	done
}

# One chat loop for the Redis test: continues its conversation while
# answers are 200, starts a new one after anything else. Appends
# "<ns> <status>" lines to $1 and the bodies of failures to $1.bodies.
chat_loop() {
	local log=$1 sid="" code hdr=$1.h
	set +e
	while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do
		code=$(curl -s -o "$log.body" -D "$hdr" -m 10 -w '%{http_code}' \
			-H 'Content-Type: application/json' ${sid:+-H "X-Session-ID: $sid"} \
			--data-binary '{"messages":[{"role":"user","content":"load"}]}' \
			"$HUB_URL/v1/chat/completions")
		echo "$(date +%s%N) $code" >>"$log"
		if [ "$code" = 200 ]; then
			sid=$(grep -i '^x-session-id:' "$hdr" | tr -d '\r' | awk '{print $2}')
		else
			sid=
			{ cat "$log.body"; echo; } >>"$log.bodies"
		fi
	done
}

@test "Redis killed under load: 503s while down, recovery without a hub restart, no half exchange" {
	pids_before=$(responders | sort -n)
	loops=()
	for i in 1 2 3; do
		chat_loop "$BATS_TEST_TMPDIR/loop$i" &
		loops+=($!)
	done
	sleep 1.5
	kill -KILL "$REDIS_PID"
	wait "$REDIS_PID" 2>/dev/null || true
	REDIS_PID=
	killed=$(date +%s%N)
	sleep 2
	start_redis
	restarted=$(date +%s%N)
	# recovery: every loop gets a 200 again soon after Redis is back
	recovered=1
	for i in 1 2 3; do
		wait_for 50 awk -v t="$restarted" '$1 > t && $2 == 200 { f = 1 } END { exit !f }' \
			"$BATS_TEST_TMPDIR/loop$i" || recovered=0
	done
	touch "$BATS_TEST_TMPDIR/stop"
	wait "${loops[@]}"
	cat "$BATS_TEST_TMPDIR"/loop? | awk '{print $2}' | sort | uniq -c
	[ "$recovered" -eq 1 ]
	# only 200 and 503, at least one of each phase
	! cat "$BATS_TEST_TMPDIR"/loop? | awk '{print $2}' | grep -vqx -e 200 -e 503
	cat "$BATS_TEST_TMPDIR"/loop? | awk -v t="$killed" '$1 < t && $2 == 200' | grep -q .
	cat "$BATS_TEST_TMPDIR"/loop? | awk '$2 == 503' | grep -q .
	# the 503 says it is the store
	head -n 1 "$BATS_TEST_TMPDIR"/loop?.bodies | grep -v '^==>' | grep . | head -n 1 |
		jq -e '.error.message | test("redis|store|session"; "i")'
	# the same responders: nothing crashed, nothing was restarted
	[ "$(responders | sort -n)" = "$pids_before" ]
	# every stored conversation holds whole exchanges: user, assistant, ...
	n=0
	for key in $(redis-cli -p "$REDIS_PORT" --scan --pattern 'hub:sess:*:m'); do
		roles=$(redis-cli -p "$REDIS_PORT" lrange "$key" 0 -1 | jq -r .role | tr '\n' ' ')
		count=$(redis-cli -p "$REDIS_PORT" llen "$key")
		meta=$(redis-cli -p "$REDIS_PORT" hget "${key%:m}" message_count)
		[ $((count % 2)) -eq 0 ] || { echo "odd: $key $roles"; false; }
		[ "$roles" = "$(yes 'user assistant' | head -n $((count / 2)) | tr '\n' ' ')" ] ||
			{ echo "roles: $key $roles"; false; }
		[ -z "$meta" ] || [ "$meta" = "$count" ] || { echo "meta $meta != $count: $key"; false; }
		n=$((n + 1))
	done
	echo "$n conversations checked"
	[ "$n" -gt 0 ]
	no_leftovers_within 10
}

@test "state directory disk full: a clear 5xx, /health unaffected, recovery when space returns" {
	mnt=$BATS_FILE_TMPDIR/disk-state rc=0
	mkdir -p "$mnt"
	mount -t tmpfs -o size=2m,nr_inodes=400,mode=0700 tmpfs "$mnt" 2>/dev/null ||
		skip "cannot mount a tmpfs here (needs root and mount permission)"
	(
		export HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
		start_hub disk
		# fill the blocks, then the inodes
		dd if=/dev/zero of="$mnt/fill" bs=64k 2>/dev/null || true
		mkdir -p "$mnt/fillinodes"
		i=0
		while touch "$mnt/fillinodes/$i" 2>/dev/null; do i=$((i + 1)); done
		timed_chat "while the disk is full"
		full_code=$code full_body=$body
		health=$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/health")
		rm -rf "$mnt/fill" "$mnt/fillinodes"
		timed_chat "space is back"
		back_code=$code
		leftovers_now=$(leftovers)
		stop_hub
		echo "full: $full_code $full_body; health $health; after: $back_code"
		[[ "$full_code" =~ ^5[0-9][0-9]$ ]]
		is_envelope "$full_body"
		[ "$health" = 200 ]
		[ "$back_code" = 200 ]
		[ -z "$leftovers_now" ]
	) || rc=$?
	umount "$mnt" || umount -l "$mnt"
	[ "$rc" -eq 0 ]
}
