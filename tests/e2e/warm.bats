#!/usr/bin/env bats
# warm.bats - warm children (providers/warm_pool.c) through the whole hub
# with the fake Claude CLI: a first turn is served by a child started
# before the request came, each child serves one request, tenants never
# share one, history and tool results start cold unless the next turn was
# primed (HUB_WARM_HISTORY: a child that read the conversation's history
# before the turn came, for that tenant and that very history only, the
# same upstream request as a cold run's with the real CLI), first turns
# with client tools are served warm (the fake and the real CLI), idle
# children retire, the caps hold, /metrics counts warm and cold starts,
# and the faults (a killed child, a client gone, a hang, garbage) leave
# nothing but the pool.

load helpers

setup_file() {
	# the fake upstreams for the real-CLI tests at the end; the rest runs
	# on the fake CLIs
	use_real_clis_on_fake_upstreams
	unset ANTHROPIC_BASE_URL CODE_ASSIST_ENDPOINT GOOGLE_GENAI_USE_GCA GOOGLE_CLOUD_ACCESS_TOKEN HUB_GEMINI_TIMEOUT
	use_fake_clis
	export HUB_CLAUDE_TIMEOUT=3 HUB_KILL_GRACE_MS=300
	export KEY_A=sk-hub-warm-tenant-a-0123456789 KEY_B=sk-hub-warm-tenant-b-0123456789
	export HUB_API_KEYS="alice:$KEY_A,bob:$KEY_B"
	export HUB_WARM_CHILDREN=1 HUB_WARM_MAX=4 HUB_CHAT_WORKERS=1
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL REDIS_DIR HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

# A test that starts a hub of its own (OWN_HUB=1) stops it, also when it fails.
teardown() {
	[ -z "${OWN_HUB:-}" ] || stop_hub
}

teardown_file() {
	stop_hub
	stop_redis
	stop_fake_upstreams
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

@test "warm: a turn with history and a turn of tool results start cold, and are counted" {
	wait_children 1
	cold0=$(starts cold)
	t0=$(now_ms)
	out=$(chat '{"model":"sonnet","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"user","content":"[[fake:whoami]]"}]}' \
		-H "Authorization: Bearer $KEY_A" | jq -r '.choices[0].message.content')
	[ "$(field started_ms "$out")" -ge "$t0" ]
	tools='[{"type":"function","function":{"name":"Calculator","parameters":{"type":"object"}}}]'
	chat "{\"model\":\"sonnet\",\"tools\":$tools,\"messages\":[{\"role\":\"user\",\"content\":\"compute\"},
	    {\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"Calculator\",\"arguments\":\"{}\"}}]},
	    {\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"391\"}]}" \
		-H "Authorization: Bearer $KEY_A" | jq -e '.choices[0].message.content == "The result is 391."'
	[ "$(( $(starts cold) - cold0 ))" -eq 2 ]
	# the warm child is still there, unused
	[ "$(n_children)" -eq 1 ]
}

@test "warm: a first turn with client tools is served warm; the call comes back, nothing runs" {
	tools='[{"type":"function","function":{"name":"Calculator","parameters":{"type":"object"}}}]'
	for q in compute 'compute [[fake:parallel]]'; do
		wait_children 1
		warm0=$(starts warm)
		out=$(chat "{\"model\":\"sonnet\",\"tools\":$tools,\"messages\":[{\"role\":\"user\",\"content\":\"$q\"}]}" \
			-H "Authorization: Bearer $KEY_A")
		echo "$out"
		[ "$(( $(starts warm) - warm0 ))" -eq 1 ]
		jq -e '.choices[0].finish_reason == "tool_calls"' <<<"$out"
		jq -e '.choices[0].message.tool_calls[0].function | .name == "Calculator" and (.arguments | fromjson | .input) == "17*23"' <<<"$out"
		# asked for with can_use_tool, withdrawn by the interrupt: not executed
		[[ $(jq -r '.choices[0].message.content // ""' <<<"$out") != *"The result is"* ]]
	done
	jq -e '.choices[0].message.tool_calls | length == 2' <<<"$out"
	# a warm child's argv is the same with or without tools, and holds none
	wait_children 1
	argv=$(ask '[[fake:argv]]')
	[[ " $argv " == *" --permission-prompt-tool=stdio --strict-mcp-config "* ]]
	[[ $argv != *--mcp-config=* && $argv != *--allowedTools* ]]
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

# POST a conversation ($1: a JSON messages array) as tenant key $2
# (default A), more curl arguments after it; prints the reply text.
ask_conv() {
	local conv=$1 key=${2:-$KEY_A}
	shift; [ $# -eq 0 ] || shift
	chat "{\"model\":\"sonnet\",\"messages\":$conv}" -H "Authorization: Bearer $key" "$@" |
		jq -r '.choices[0].message.content // .error.message'
}

# A turn of session $SID: user text $1; prints the reply text.
ask_session() {
	ask_conv "$(jq -cn --arg c "$1" '[{role:"user",content:$c}]')" "$KEY_A" -H "X-Session-ID: $SID"
}

# Whether the reply $1 ([[fake:whoami]]) came from a child that was
# started and had read its --resume history before $2 (ms), and took the
# turn after it; or (with $3 = cold) from one started after $2.
primed_before() {
	if [ "${3:-}" = cold ]; then
		[ "$(field started_ms "$1")" -ge "$2" ]
	else
		[ "$(field started_ms "$1")" -lt "$2" ] && [ "$(field history_ms "$1")" -gt 0 ] &&
			[ "$(field history_ms "$1")" -lt "$2" ] && [ "$(field read_ms "$1")" -ge "$2" ]
	fi
}

# A hub of this test's own that primes next turns only (HUB_WARM_HISTORY=4).
start_history_hub() {
	stop_hub
	export HUB_WARM_CHILDREN=0 HUB_WARM_HISTORY=4 HUB_WARM_MAX=8 HUB_WARM_IDLE_TTL=600 HUB_WARM_MAX_MB=1024
	OWN_HUB=1
	start_hub "history-$BATS_TEST_NUMBER"
}

@test "warm history: a conversation's next turn is served by a child that read the history before the turn came" {
	start_history_hub
	SID=warm-history-$RANDOM$RANDOM
	[ "$(ask_session hello)" = "Hello from fake claude." ]
	wait_children 1                 # primed for the session's next turn
	sleep 0.3
	warm0=$(starts warm)
	t0=$(now_ms)
	out=$(ask_session '[[fake:whoami]]')
	echo "$out"
	primed_before "$out" "$t0"
	[ "$(field turns "$out")" -eq 2 ]
	[ "$(( $(starts warm) - warm0 ))" -eq 1 ]
	# what it read is the conversation as stored: the third turn's child
	# has the first two and their replies, in order, then the new message
	wait_children 1
	sleep 0.3
	echo_out=$(ask_session '[[fake:echo]]')
	echo "$echo_out"
	diff <(printf '%s\n' "$echo_out") <(printf '%s\n' "user: hello" "assistant: Hello from fake claude." \
		"user: [[fake:whoami]]" "assistant: $out" "user: [[fake:echo]]")
	[ "$(( $(starts warm) - warm0 ))" -eq 2 ]
	# the same reply a cold child gives for that conversation
	stored=$(curl -s -H "Authorization: Bearer $KEY_A" "$HUB_URL/v1/sessions/$SID" | jq -c '[.messages[] | {role, content}]')
	cold=$(ask_conv "$(jq -c '.[0:5] | .[4].content = "[[fake:echo]]"' <<<"$stored")" "$KEY_B")
	[ "$cold" = "$echo_out" ]
}

@test "warm history: only that tenant's request with that very history gets the child, once; others start cold" {
	start_history_hub
	first=$(ask_conv '[{"role":"user","content":"hi from A"}]')
	conv=$(jq -cn --arg r "$first" '[{role:"user",content:"hi from A"},{role:"assistant",content:$r},{role:"user",content:"[[fake:whoami]]"}]')
	wait_children 1
	sleep 0.3
	# another tenant with the same history: cold (the child is A's)
	t0=$(now_ms)
	out=$(ask_conv "$conv" "$KEY_B"); echo "B: $out"
	primed_before "$out" "$t0" cold
	# the history changed by one character: cold
	t0=$(now_ms)
	out=$(ask_conv "$(jq -c '.[1].content += "!"' <<<"$conv")"); echo "changed: $out"
	primed_before "$out" "$t0" cold
	# a system message is no history: the child serves it (the system
	# prompt comes on stdin), and it is the tenant's own request
	t0=$(now_ms)
	out=$(ask_conv "$(jq -c '[{role:"system",content:"be terse"}] + .' <<<"$conv")"); echo "A: $out"
	primed_before "$out" "$t0"
	[ "$(field turns "$out")" -eq 2 ]
	# never twice: the same request again starts cold
	t0=$(now_ms)
	out=$(ask_conv "$conv")
	primed_before "$out" "$t0" cold
}

@test "warm history: no child is primed after a reply of tool calls; tool results and a killed primed child start cold" {
	start_history_hub
	tools='[{"type":"function","function":{"name":"Calculator","parameters":{"type":"object"}}}]'
	out=$(chat "{\"model\":\"sonnet\",\"tools\":$tools,\"messages\":[{\"role\":\"user\",\"content\":\"compute\"}]}" \
		-H "Authorization: Bearer $KEY_A")
	jq -e '.choices[0].finish_reason == "tool_calls"' <<<"$out"
	sleep 1
	[ "$(n_children)" -eq 0 ]
	# the tool results: cold, answered from them (and that reply primes)
	cold0=$(starts cold)
	chat "{\"model\":\"sonnet\",\"tools\":$tools,\"messages\":[{\"role\":\"user\",\"content\":\"compute\"},
	    {\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"Calculator\",\"arguments\":\"{}\"}}]},
	    {\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"391\"}]}" \
		-H "Authorization: Bearer $KEY_A" | jq -e '.choices[0].message.content == "The result is 391."'
	[ "$(( $(starts cold) - cold0 ))" -eq 1 ]
	wait_children 1
	# a primed child killed while it waits is never handed out
	SID=warm-kill-$RANDOM$RANDOM
	ask_session hello >/dev/null
	wait_children 2
	for p in $(clis); do kill -KILL "$p"; done
	t0=$(now_ms)
	out=$(ask_session '[[fake:whoami]]')
	primed_before "$out" "$t0" cold
	[ "$(field turns "$out")" -eq 2 ]
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

# --- the real pinned Claude CLI against the recording fake Messages API ---

# Start a hub named $2 on the real CLI and the fake Messages API
# (setup_file) with HUB_WARM_CHILDREN=$1; skip when the CLI could not be
# installed. The test stops it (a later test does not know its pid).
start_real_hub() {
	stop_hub
	[ -n "$REAL_CLAUDE" ] || skip "the pinned Claude Code CLI could not be installed"
	export HUB_CLAUDE_CLI=$REAL_CLAUDE ANTHROPIC_BASE_URL=$ANTHROPIC_UP HUB_CLAUDE_TIMEOUT=60
	export CLAUDE_CODE_OAUTH_TOKEN="sk-ant-oat01-warm-test-$RANDOM$RANDOM"
	export HUB_WARM_CHILDREN=$1 HUB_WARM_IDLE_TTL=600 HUB_WARM_MAX=4 HUB_WARM_MAX_MB=2048
	start_hub "$2"
}

# The real CLIs below the state dir, and a wait for $1 of them.
real_clis() {
	local p
	for p in $(cli_children_under "$HUB_STATE_DIR"); do
		[[ "$(cat /proc/$p/comm 2>/dev/null)" == claude* ]] && echo "$p"
	done
	return 0
}
has_real() { [ "$(real_clis | wc -l)" -eq "$1" ]; }

# The Calculator conversation of claude_tools_real_cli.bats, as an OpenAI
# request; $1 the user text, $2 a jq filter on the request (default .).
tool_req() {
	jq -cn --arg c "$1" '{model:"sonnet",tools:[
	    {type:"function",function:{name:"Calculator",description:"Useful for math.",
	     parameters:{type:"object",properties:{input:{type:"string"}}}}},
	    {type:"function",function:{name:"Weather",parameters:{type:"object",properties:{city:{type:"string"}}}}}],
	  messages:[{role:"system",content:"be terse"},{role:"user",content:$c}]}' | jq -c "${2:-.}"
}

# The requests of one turn ($1 a label), each with its reply and the
# upstream's /v1/messages calls, normalised: ids, times, the run's own
# directory and the CLI's session metadata left out. One line per case
# into $BATS_FILE_TMPDIR/$1.cases.
run_cases() {
	local label=$1 body out ups
	: >"$BATS_FILE_TMPDIR/$label.cases"
	for body in "$(tool_req 'What is 17 times 23?')" \
		"$(tool_req 'Compute both [[fake:parallel]]')" \
		"$(tool_req 'Compute both [[fake:parallel]]' '.parallel_tool_calls = false')" \
		"$(tool_req 'What is 17 times 23?' '.tool_choice = {type:"function",function:{name:"Calculator"}}')" \
		"$(tool_req 'Say hello' '.tool_choice = "none"')" \
		"$(tool_req 'Say hello' 'del(.tools)')"; do
		[ "$label" = cold ] || { wait_for 100 has_real 1; sleep 1.5; }
		curl -s -X POST "$ANTHROPIC_UP/_reset" >/dev/null
		out=$(chat "$body" -H "Authorization: Bearer $KEY_A" | jq -c '.choices[0] | del(.message.tool_calls[]?.id)')
		ups=$(curl -s "$ANTHROPIC_UP/_requests" | jq -c '[.[] | select(.path | endswith("/v1/messages")) | .body
		    | del(.metadata) | walk(if type == "string" then gsub("Primary working directory: [^\\n]*"; "cwd") else . end)]')
		jq -cn --argjson out "$out" --argjson up "$ups" '{out: $out, up: $up}' >>"$BATS_FILE_TMPDIR/$label.cases"
	done
}

@test "warm real CLI: tool turns of a warm child are the cold ones': same calls and finish, the same single upstream call, nothing run" {
	start_real_hub 0 real-cold
	cold0=$(starts cold)
	run_cases cold
	[ "$(( $(starts cold) - cold0 ))" -eq 6 ]
	start_real_hub 1 real-warm
	chat "$(tool_req 'Say hello')" -H "Authorization: Bearer $KEY_A" >/dev/null   # the key is in use now
	warm0=$(starts warm)
	run_cases warm
	[ "$(( $(starts warm) - warm0 ))" -eq 6 ]
	paste -d '\n' "$BATS_FILE_TMPDIR/cold.cases" "$BATS_FILE_TMPDIR/warm.cases" | jq -c '{out}'
	# each case: exactly one upstream call, the same request and the same reply
	diff <(jq -S . "$BATS_FILE_TMPDIR/cold.cases") <(jq -S . "$BATS_FILE_TMPDIR/warm.cases")
	jq -se 'all(.[]; (.up | length) == 1)' "$BATS_FILE_TMPDIR/warm.cases"
	# the tools reached the upstream, named as the cold path names them
	c=$(sed -n 1p "$BATS_FILE_TMPDIR/warm.cases")
	[ "$(jq -r '[.up[0].tools[].name] | sort | join(",")' <<<"$c")" = "DeferredToolPlaceholder,mcp__client__Calculator,mcp__client__Weather" ]
	jq -e '.out.finish_reason == "tool_calls" and (.out.message.tool_calls | length) == 1' <<<"$c"
	jq -e '.out.message.tool_calls[0].function | .name == "Calculator" and (.arguments | fromjson | .input) == "17*23"' <<<"$c"
	# no tool_result ever went up: nothing ran on the server
	jq -se 'all(.[]; .up[0].messages | tostring | contains("tool_result") | not)' "$BATS_FILE_TMPDIR/warm.cases"
	[ "$(sed -n 2p "$BATS_FILE_TMPDIR/warm.cases" | jq '.out.message.tool_calls | length')" -eq 2 ]
	[ "$(sed -n 3p "$BATS_FILE_TMPDIR/warm.cases" | jq '.out.message.tool_calls | length')" -eq 1 ]
	[ "$(sed -n 4p "$BATS_FILE_TMPDIR/warm.cases" | jq -r '[.up[0].tools[].name] | sort | join(",")')" = "DeferredToolPlaceholder,mcp__client__Calculator" ]
	# without tools (none offered, or tool_choice none) the warm argv's
	# --permission-prompt-tool=stdio changes nothing: no tools upstream
	[ "$(sed -n 5p "$BATS_FILE_TMPDIR/warm.cases" | jq -c '.up[0].tools')" = "[]" ]
	[ "$(sed -n 6p "$BATS_FILE_TMPDIR/warm.cases" | jq -r '.out.message.content')" = "Hello from the fake upstream." ]
	stop_hub
}

@test "warm real CLI: a streamed tool turn is warm, with the call's deltas; a turn of tool results starts cold" {
	start_real_hub 1 real-stream
	chat "$(tool_req 'Say hello')" -H "Authorization: Bearer $KEY_A" >/dev/null
	wait_for 100 has_real 1
	sleep 1.5
	warm0=$(starts warm)
	curl -s -X POST "$ANTHROPIC_UP/_reset" >/dev/null
	out=$(chat "$(tool_req 'What is 17 times 23?' '.stream = true')" -N -H "Authorization: Bearer $KEY_A")
	[ "$(( $(starts warm) - warm0 ))" -eq 1 ]
	chunks=$(grep '^data: {' <<<"$out" | sed 's/^data: //')
	[ "$(jq -r 'select(.choices[0].delta.tool_calls) | .choices[0].delta.tool_calls[0].function.arguments // ""' <<<"$chunks" | tr -d '\n' | jq -r .input)" = "17*23" ]
	[ "$(jq -r 'select(.choices[0].finish_reason) | .choices[0].finish_reason' <<<"$chunks")" = tool_calls ]
	[ "$(grep '^data: ' <<<"$out" | tail -n 1)" = "data: [DONE]" ]
	[ "$(curl -s "$ANTHROPIC_UP/_requests" | jq '[.[] | select(.path | endswith("/v1/messages"))] | length')" -eq 1 ]
	# the result goes back as history (--resume): cold, one upstream call
	wait_for 100 has_real 1
	cold0=$(starts cold)
	curl -s -X POST "$ANTHROPIC_UP/_reset" >/dev/null
	out=$(chat "$(tool_req 'What is 17 times 23?' '.messages += [{role:"assistant",content:null,tool_calls:[{id:"call_1",type:"function",function:{name:"Calculator",arguments:"{\"input\":\"17*23\"}"}}]},{role:"tool",tool_call_id:"call_1",content:"391"}]')" -H "Authorization: Bearer $KEY_A")
	[ "$(jq -r '.choices[0].message.content' <<<"$out")" = "The result is 391." ]
	[ "$(( $(starts cold) - cold0 ))" -eq 1 ]
	[ "$(curl -s "$ANTHROPIC_UP/_requests" | jq '[.[] | select(.path | endswith("/v1/messages"))] | length')" -eq 1 ]
	stop_hub
}

# The upstream's /v1/messages bodies since the last _reset, normalised as
# run_cases() does.
upstream_calls() {
	curl -s "$ANTHROPIC_UP/_requests" | jq -c '[.[] | select(.path | endswith("/v1/messages")) | .body
	    | del(.metadata) | walk(if type == "string" then gsub("Primary working directory: [^\\n]*"; "cwd") else . end)]'
}

# Two turns of one conversation through the hub named $1; the second
# turn's upstream calls into $BATS_FILE_TMPDIR/$1.up, its reply text into
# $1.out. $2: wait for a primed child before the second turn.
two_turns() {
	local first conv
	first=$(chat '{"model":"sonnet","messages":[{"role":"system","content":"be terse"},{"role":"user","content":"Say hello"}]}' \
		-H "Authorization: Bearer $KEY_A" | jq -r '.choices[0].message.content')
	[ "$first" = "Hello from the fake upstream." ]
	[ -z "${2:-}" ] || { wait_for 100 has_real 1; sleep 1.5; }
	conv=$(jq -cn --arg r "$first" '[{role:"system",content:"be terse"},{role:"user",content:"Say hello"},
	    {role:"assistant",content:$r},{role:"user",content:"And once more"}]')
	curl -s -X POST "$ANTHROPIC_UP/_reset" >/dev/null
	chat "{\"model\":\"sonnet\",\"messages\":$conv}" -H "Authorization: Bearer $KEY_A" |
		jq -r '.choices[0].message.content' >"$BATS_FILE_TMPDIR/$1.out"
	upstream_calls >"$BATS_FILE_TMPDIR/$1.up"
}

@test "warm history real CLI: a primed child's turn reaches the model as the cold run's does: the same one call, the history in it" {
	export HUB_WARM_HISTORY=0
	OWN_HUB=1
	start_real_hub 0 real-history-cold
	two_turns real-history-cold
	export HUB_WARM_HISTORY=2
	start_real_hub 0 real-history-warm
	warm0=$(starts warm)
	two_turns real-history-warm primed
	[ "$(( $(starts warm) - warm0 ))" -eq 1 ]
	cat "$BATS_FILE_TMPDIR/real-history-warm.up"
	# one upstream call, the history before the new message, and the very
	# request the cold run sent
	jq -e 'length == 1' "$BATS_FILE_TMPDIR/real-history-warm.up"
	jq -e '[.[0].messages[] | select(.role != "system") | .content
	    | if type == "string" then . else map(.text // "") | join("") end]
	    == ["Say hello", "Hello from the fake upstream.", "And once more"]' "$BATS_FILE_TMPDIR/real-history-warm.up"
	diff <(jq -S . "$BATS_FILE_TMPDIR/real-history-cold.up") <(jq -S . "$BATS_FILE_TMPDIR/real-history-warm.up")
	diff "$BATS_FILE_TMPDIR/real-history-cold.out" "$BATS_FILE_TMPDIR/real-history-warm.out"
}
