#!/usr/bin/env bats
# A client that goes away is noticed within 1 s, streaming or not, even
# while the CLI is silent: its CLI's whole process group is stopped, and its
# concurrency slot and session lock are free for the next request. A run
# whose responder was killed leaves no work directory (transcript) behind.
#
# Behind lighttpd the responder never sees the client's socket: lighttpd
# ("tcp-fin-propagate" in lighttpd/hub.conf.in) shuts down the FastCGI
# connection's write side when the client closes, and the responder sees
# that end-of-file on its FastCGI socket.

load helpers

setup_file() {
	use_fake_clis
	# a long deadline and rare keep-alives: only the disconnect can end a run
	export HUB_CLAUDE_TIMEOUT=120 HUB_KEEPALIVE_SECONDS=60 HUB_KILL_GRACE_MS=300
	export HUB_MAX_CONCURRENT_CLAUDE=2 HUB_WORKDIR_SWEEP_SECONDS=2 HUB_CHAT_WORKERS=2
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL REDIS_DIR HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
	export HUB_WORKDIR_SWEEP_SECONDS
}

teardown() {
	# never leave a client behind, even when a test failed half-way
	local p
	for p in ${CLIENTS:-}; do kill "$p" 2>/dev/null || true; done
}

teardown_file() {
	stop_hub
	stop_redis
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Process groups of the CLIs running now (one per line): processes whose
# working directory is a private run directory under the state directory.
cli_groups() {
	local p
	for p in $(find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$HUB_STATE_DIR/*" 2>/dev/null); do
		p=${p%/cwd}
		awk '{ sub(/^.*\) /, ""); if ($1 != "Z") print $3 }' "$p/stat" 2>/dev/null
	done | sort -u
}

# Live (not zombie) processes in the groups given as arguments: one pass
# over /proc, fast enough to time a second. A zombie is dead already; it
# waits only for whoever adopted it to reap it.
left_in_groups() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v gs=" $* " '{ pid = $1; sub(/^.*\) /, "")
		if ($1 != "Z" && index(gs, " " $3 " ")) print pid }'
}

# A hung chat for session $1 that gives up after $2 seconds; $3: stream.
hung_client() {
	local body
	body=$(jq -cn --argjson s "$3" '{stream:$s,messages:[{role:"user",content:"x [[fake:hang]] [[fake:grandchild]]"}]}')
	curl -s -N -o /dev/null -m "$2" -H 'Content-Type: application/json' -H "X-Session-ID: $1" \
		--data-binary "$body" "$HUB_URL/v1/chat/completions" || true
}

# Status of a quick chat on session $1 ("" for a new session).
quick_status() {
	curl -s -o /dev/null -m 10 -w '%{http_code}' -H 'Content-Type: application/json' \
		${1:+-H "X-Session-ID: $1"} \
		--data-binary '{"messages":[{"role":"user","content":"hello"}]}' \
		"$HUB_URL/v1/chat/completions"
}

# Two clients on sessions $1-a and $1-b give up after 2 s and 3 s
# ($2: stream true/false). Checks: both CLIs' process groups are gone,
# and both slots and both sessions are free, within 1 s of the last one
# leaving. Prints the measured delay.
two_clients_give_up() {
	local a=$1-a b=$1-b stream=$2 groups i t_left t_free code_a code_b code_new gone
	hung_client "$a" 2 "$stream" &
	CLIENTS="$!"
	hung_client "$b" 3 "$stream" &
	CLIENTS="$CLIENTS $!"
	for i in $(seq 1 50); do
		[ "$(cli_groups | wc -l)" -ge 2 ] && break
		sleep 0.1
	done
	groups=$(cli_groups)
	echo "CLI process groups while the clients wait: $(echo $groups)"
	[ "$(wc -l <<<"$groups")" -eq 2 ]
	# with both slots taken, a third request is refused
	code_new=$(quick_status "")
	echo "a third request while both run: $code_new"
	[ "$code_new" = 429 ]
	wait $CLIENTS
	CLIENTS=
	t_left=$(now_ms)
	# both groups, grandchildren included, gone within 1 s
	gone=
	while [ $(( $(now_ms) - t_left )) -lt 1500 ]; do
		[ -z "$(left_in_groups $groups)" ] && { gone=$(( $(now_ms) - t_left )); break; }
		sleep 0.05
	done
	echo "process groups gone ${gone:-never} ms after the last client left"
	[ -n "$gone" ] && [ "$gone" -lt 1000 ]
	# the slots and the session locks are free within 1 s as well
	while :; do
		code_new=$(quick_status "")
		code_a=$(quick_status "$a")
		code_b=$(quick_status "$b")
		t_free=$(( $(now_ms) - t_left ))
		[ "$code_new$code_a$code_b" = 200200200 ] && break
		[ "$t_free" -lt 1000 ] || break
		sleep 0.05
	done
	echo "new: $code_new, $a: $code_a, $b: $code_b, ${t_free} ms after the last client left"
	[ "$code_new$code_a$code_b" = 200200200 ]
	[ "$t_free" -lt 1000 ]
}

@test "non-streaming clients that give up: CLI group, slots and sessions free within 1 s" {
	two_clients_give_up plain false
}

@test "streams that give up while the CLI is silent: noticed within 1 s, not at a keep-alive" {
	two_clients_give_up stream true
}

@test "a client that goes away does not leave an exchange in its session" {
	hung_client kept-empty 1 false
	sleep 1
	run curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions/kept-empty"
	echo "GET of the abandoned session: $output"
	[ "$output" = 404 ]
}

# The work directory (cwd) and the responder (parent) of the CLI running
# now, as "dir worker"; waits up to 5 s for it.
running_cli() {
	local i p ppid
	for i in $(seq 1 50); do
		for p in $(find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$HUB_STATE_DIR/*" 2>/dev/null); do
			p=${p%/cwd}
			ppid=$(awk '{ sub(/^.*\) /, ""); print $2 }' "$p/stat" 2>/dev/null)
			[ "$(cat "/proc/$ppid/comm" 2>/dev/null)" = hub-fcgi ] || continue
			echo "$(readlink "$p/cwd") $ppid"
			return 0
		done
		sleep 0.1
	done
	return 1
}

# The owner tag a work directory of process $1 carries: pid.start.boot.
owner_tag() {
	local start boot
	start=$(awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat")
	boot=$(tr -d '-' </proc/sys/kernel/random/boot_id | cut -c1-8)
	echo "$1.$start.$boot"
}

@test "a responder killed with its CLI: the work directory goes within the sweep period, a live run's stays" {
	# a directory of a live owner (this shell) and one of a dead pid
	live_dir=$HUB_STATE_DIR/claude-$(owner_tag $$)-Live01
	dead_pid=$(sh -c 'echo $$')
	dead_dir=$HUB_STATE_DIR/claude-$(owner_tag $$ | sed "s/^$$\./$dead_pid./")-Dead01
	mkdir -m 700 "$live_dir" "$dead_dir"
	echo transcript >"$dead_dir/t.jsonl"

	hung_client doomed 30 false &
	CLIENTS=$!
	read -r doomed_dir worker < <(running_cli)
	echo "doomed run in $doomed_dir, responder $worker"
	[ -d "$doomed_dir" ]
	kill -KILL "$worker"
	t_kill=$(now_ms)
	# a run that lives on, started after the kill
	hung_client alive 30 false &
	CLIENTS="$CLIENTS $!"
	alive_dir=
	for i in $(seq 1 50); do
		for d in $(find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$HUB_STATE_DIR/*" 2>/dev/null); do
			d=$(readlink "$d")
			[ "$d" != "$doomed_dir" ] && alive_dir=$d
		done
		[ -n "$alive_dir" ] && break
		sleep 0.1
	done
	echo "live run in $alive_dir"
	[ -n "$alive_dir" ]
	while [ -d "$doomed_dir" ] && [ $(( $(now_ms) - t_kill )) -lt 6000 ]; do sleep 0.1; done
	ms=$(( $(now_ms) - t_kill ))
	echo "the killed run's directory was removed ${ms} ms after the kill (sweep every ${HUB_WORKDIR_SWEEP_SECONDS} s)"
	[ ! -d "$doomed_dir" ]
	[ "$ms" -le $(( HUB_WORKDIR_SWEEP_SECONDS * 1000 + 1000 )) ]
	[ ! -d "$dead_dir" ]
	# two more sweep periods: the live ones are still there
	sleep $(( 2 * HUB_WORKDIR_SWEEP_SECONDS ))
	[ -d "$alive_dir" ]
	[ -d "$live_dir" ]
	rmdir "$live_dir"
}
