#!/usr/bin/env bats
# warm.bats - warm children (providers/warm_pool.c) through the whole hub
# with the fake Claude CLI: a first turn is served by a child started
# before the request came, each child serves one request, tenants never
# share one, history and tools start cold, idle children retire, the caps
# hold, /metrics counts warm and cold starts, and the faults (a killed
# child, a client gone, a hang, garbage) leave nothing but the pool.

load helpers

setup_file() {
	use_fake_clis
	export HUB_CLAUDE_TIMEOUT=3 HUB_KILL_GRACE_MS=300
	export KEY_A=sk-hub-warm-tenant-a-0123456789 KEY_B=sk-hub-warm-tenant-b-0123456789
	export HUB_API_KEYS="alice:$KEY_A,bob:$KEY_B"
	export HUB_WARM_CHILDREN=1 HUB_WARM_MAX=4 HUB_CHAT_WORKERS=1
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL REDIS_DIR HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

# POST one user message ($1) as tenant key $2 (default A); prints the reply text.
ask() {
	local key=${2:-$KEY_A}
	chat "$(jq -cn --arg c "$1" '{model:"sonnet",messages:[{role:"user",content:$c}]}')" \
		-H "Authorization: Bearer $key" | jq -r '.choices[0].message.content // .error.message'
}

# The fake CLIs under the state dir (warm ones wait there; a jailed one
# runs below bwrap).
clis() {
	local p
	for p in $(cli_children_under "$HUB_STATE_DIR"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = fake-claude ] && echo "$p"
	done
	return 0
}
n_children() { clis | wc -l; }

# Wait until exactly $1 children wait (up to 5 s).
has_children() { [ "$(n_children)" -eq "$1" ]; }
wait_children() { wait_for 50 has_children "$1"; }

now_ms() { date +%s%3N; }

field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# The counter of /metrics for start kind $1 (sonnet).
starts() {
	curl -s -H "Authorization: Bearer $KEY_A" "$HUB_URL/metrics" |
		awk -v k="start=\"$1\"" 'index($0, "hub_provider_child_starts_total{") == 1 && index($0, "model=\"sonnet\"") && index($0, k) { print $2 }'
}

@test "warm: a first turn is served by a child started before it; no child serves two" {
	ask 'hello' >/dev/null          # cold: the key is now in use
	wait_children 1
	warm0=$(starts warm)
	homes=" "
	for i in 1 2 3; do
		wait_children 1
		sleep 0.2                   # the child is past its start-up
		t0=$(now_ms)
		out=$(ask '[[fake:whoami]]')
		echo "$out"
		home=$(field home "$out")   # a child's own directory names it
		[ -n "$home" ]
		# started before the request was sent, read its stdin after
		[ "$(field started_ms "$out")" -lt "$t0" ]
		[ "$(field read_ms "$out")" -ge "$t0" ]
		# never the same child twice, and it is gone after its request
		[[ $homes != *" $home "* ]]
		homes="$homes$home "
		wait_for 20 test ! -e "$home"
	done
	[ "$(( $(starts warm) - warm0 ))" -eq 3 ]
	[ "$(starts cold)" -ge 1 ]
}

@test "warm: tenants never share a child, its directory or its environment" {
	wait_children 1
	a=$(ask '[[fake:whoami]]' "$KEY_A")
	wait_children 1
	b=$(ask '[[fake:whoami]]' "$KEY_B")
	echo "$a"; echo "$b"
	[ "$(field home "$a")" != "$(field home "$b")" ]
	[ "$(field started_ms "$a")" -le "$(field started_ms "$b")" ]
	# the former tenant's directory is gone before the next one's child runs
	[ ! -e "$(field home "$a")" ]
	wait_children 1
	# the environment of a warm child holds nothing of any request: the
	# same names as a cold one's, and no prompt in argv
	wenv=$(ask '[[fake:env]] TENANT-B-MARKER' "$KEY_B")
	cenv=$(chat '{"model":"sonnet","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"user","content":"[[fake:env]]"}]}' \
		-H "Authorization: Bearer $KEY_A" | jq -r '.choices[0].message.content')
	[ "$wenv" = "$cenv" ]
	wait_children 1
	argv=$(ask '[[fake:argv]] TENANT-A-MARKER' "$KEY_A")
	[[ $argv != *TENANT-A-MARKER* ]]
	[[ " $argv " == *" --no-session-persistence "* ]]
}

@test "warm: a turn with history and a turn with tools start cold, and are counted" {
	wait_children 1
	cold0=$(starts cold)
	t0=$(now_ms)
	out=$(chat '{"model":"sonnet","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"user","content":"[[fake:whoami]]"}]}' \
		-H "Authorization: Bearer $KEY_A" | jq -r '.choices[0].message.content')
	[ "$(field started_ms "$out")" -ge "$t0" ]
	tools='[{"type":"function","function":{"name":"Calculator","parameters":{"type":"object"}}}]'
	chat "{\"model\":\"sonnet\",\"tools\":$tools,\"messages\":[{\"role\":\"user\",\"content\":\"compute\"}]}" \
		-H "Authorization: Bearer $KEY_A" | jq -e '.choices[0].message.tool_calls | length == 1'
	[ "$(( $(starts cold) - cold0 ))" -eq 2 ]
	# the warm child is still there, unused
	[ "$(n_children)" -eq 1 ]
}

@test "warm faults: a killed warm child, a client gone, a hang and garbage leave only the pool" {
	wait_children 1
	# a warm child killed while it waits is never handed out: served cold
	kill -KILL "$(clis | head -n 1)"
	[ "$(ask 'hello')" = "Hello from fake claude." ]
	# garbage from a warm child is an upstream error
	wait_children 1
	[[ $(ask '[[fake:garbage]]') == *"without a result"* ]]
	# a hang ends in the deadline
	wait_children 1
	[[ $(ask '[[fake:hang]]') == *"did not finish"* ]]
	# a client that goes away stops its warm child
	wait_children 1
	body=$(jq -cn '{model:"sonnet",stream:true,messages:[{role:"user",content:"[[fake:slow=500]] [[fake:chunks=20]] hi"}]}')
	timeout 1 curl -sN -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY_A" \
		--data-binary "$body" "$HUB_URL/v1/chat/completions" >/dev/null || true
	# nothing is left but one warm child: no zombie, one directory
	wait_children 1
	sleep 1
	[ "$(n_children)" -eq 1 ]
	[ "$(ls "$HUB_STATE_DIR" | grep -c '^claude-')" -eq 1 ]
	for p in $(pgrep -x hub-fcgi); do
		! grep -q '^State:.*Z' /proc/$(children_of "$p" | head -n 1)/status 2>/dev/null || return 1
	done
}

@test "warm: idle children retire after HUB_WARM_IDLE_TTL; the caps hold" {
	stop_hub
	export HUB_WARM_IDLE_TTL=1 HUB_WARM_CHILDREN=3 HUB_WARM_MAX=2
	start_hub
	ask 'hello' >/dev/null
	ask 'hello' >/dev/null
	# three wanted per key, two at most in all
	wait_children 2
	sleep 0.5
	[ "$(n_children)" -eq 2 ]
	# no request for the TTL: every child retires, its directory removed
	wait_children 0
	wait_for 20 sh -c "[ -z \"\$(ls -A '$HUB_STATE_DIR' | grep '^claude-')\" ]"
	stop_hub
	# a memory cap below one child's size: none is started, requests go cold
	export HUB_WARM_IDLE_TTL=600 HUB_WARM_CHILDREN=1 HUB_WARM_MAX=4 HUB_WARM_MAX_MB=1
	start_hub
	[ "$(ask 'hello')" = "Hello from fake claude." ]
	sleep 1
	[ "$(n_children)" -eq 0 ]
	stop_hub
	# off: HUB_WARM_CHILDREN=0
	export HUB_WARM_CHILDREN=0 HUB_WARM_MAX_MB=1024
	start_hub
	ask 'hello' >/dev/null
	sleep 1
	[ "$(n_children)" -eq 0 ]
}

# POST a Gemini conversation ($1: a JSON messages array); prints the reply text.
ask_gemini() {
	chat "{\"model\":\"gemini-2.5-flash\",\"messages\":$1}" -H "Authorization: Bearer $KEY_A" |
		jq -r '.choices[0].message.content // .error.message'
}

# Gemini run directories waiting (below the state dir's gemini/).
n_gemini() { find "$HUB_STATE_DIR/gemini" -mindepth 1 -maxdepth 1 -name 'run-*' 2>/dev/null | wc -l; }
has_gemini() { [ "$(n_gemini)" -eq "$1" ]; }

@test "warm gemini: first turns and plain history are served by a child started before them; system messages start cold" {
	stop_hub
	export HUB_WARM_IDLE_TTL=600 HUB_WARM_CHILDREN=1 HUB_WARM_MAX=4 HUB_WARM_MAX_MB=1024
	start_hub
	ask_gemini '[{"role":"user","content":"hello"}]' >/dev/null
	for conv in '[{"role":"user","content":"[[fake:whoami]]"}]' \
		'[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"user","content":"[[fake:whoami]]"}]'; do
		wait_for 50 has_gemini 1
		sleep 0.3
		t0=$(now_ms)
		out=$(ask_gemini "$conv")
		echo "$out"
		[ "$(field started_ms "$out")" -lt "$t0" ]
		# the prompt came after the request: its stdin ended after it
		[ "$(field read_ms "$out")" -ge "$t0" ]
	done
	wait_for 50 has_gemini 1
	t0=$(now_ms)
	out=$(ask_gemini '[{"role":"system","content":"be terse"},{"role":"user","content":"[[fake:whoami]]"}]')
	[ "$(field started_ms "$out")" -ge "$t0" ]
}
