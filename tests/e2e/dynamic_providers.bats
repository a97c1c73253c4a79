#!/usr/bin/env bats
# Dynamic providers: [provider NAME] sections of the HUB_CONFIG file add,
# change, disable and remove providers while the hub runs (no restart);
# a generic CLI provider runs any CLI described by its section.

load helpers

setup_file() {
	use_fake_clis
	export HUB_CONFIG=$BATS_FILE_TMPDIR/hub.conf
	printf '# test configuration\nHUB_SESSION_TTL = 600\n' >"$HUB_CONFIG"
	export HUB_CHAT_WORKERS=2
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

msg() { jq -cn --arg c "$1" --arg m "$2" '{model:$m,messages:[{role:"user",content:$c}]}'; }

# Replace the configuration file atomically: the global part, then $1.
write_conf() {
	printf '# test configuration\nHUB_SESSION_TTL = 600\n%s\n' "$1" >"$HUB_CONFIG.new"
	mv "$HUB_CONFIG.new" "$HUB_CONFIG"
}

# Succeed when every one of 8 requests in a row satisfies the jq filter $2
# on GET $1 (several workers and threads must all have reloaded).
all_agree() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		curl -s "$HUB_URL$1" | jq -e "$2" >/dev/null || return 1
	done
}

# Wait (up to 6 s) until a chat with body $1 answers status $2 eight times in a row.
chat_settles() {
	local body=$1 want=$2 tries=30 i ok
	while [ $tries -gt 0 ]; do
		ok=1
		for i in 1 2 3 4 5 6 7 8; do
			[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$body" "$HUB_URL/v1/chat/completions")" = "$want" ] || { ok=0; break; }
		done
		[ $ok = 1 ] && return 0
		sleep 0.2
		tries=$((tries - 1))
	done
	return 1
}

# Make a request, then look for $1 in the hub's log.
logged_after_request() {
	curl -s -o /dev/null "$HUB_URL/v1/providers"
	grep -q "$1" "$HUB_LOG"
}

ECHO_SECTION() {
	cat <<EOF
[provider echo]
type = cli
executable = $HUB_SRCDIR/tests/fakes/echo-cli.sh
args = --model {model} --quiet
input = stdin
output = text
models = echo-1, echo-2
default_model = echo-1
timeout = 20
EOF
}

FCLAUDE_SECTION() {
	cat <<EOF
[provider fclaude]
type = cli
executable = $HUB_BUILDDIR/tests/fakes/fake-claude
args = -p --input-format=stream-json --output-format=stream-json --verbose --include-partial-messages --model={model}
stdin_format = claude-stream-json
output = claude-stream-json
models = fc-1
env = CLAUDE_CODE_OAUTH_TOKEN
EOF
}

@test "without sections the built-in providers are served" {
	out=$(curl -s "$HUB_URL/v1/providers")
	jq -e '[.data[].name] == ["claude","gemini"]' <<<"$out"
	[ "$(chat "$(msg hi sonnet)" | jq -r '.choices[0].message.content')" = "Hello from fake claude." ]
}

@test "a generic text CLI added to the file is served without a restart" {
	write_conf "$(ECHO_SECTION)"
	wait_for 60 all_agree /v1/providers '[.data[].name] | index("echo") != null'
	out=$(curl -s "$HUB_URL/v1/providers")
	jq -e '.data[] | select(.name == "echo") | .enabled == true and .default_model == "echo-1" and .models == ["echo-1","echo-2"] and .status == "ok"' <<<"$out"
	wait_for 60 all_agree /v1/models '[.data[].id] | index("echo-2") != null'
	chat_settles "$(msg 'the quick brown fox' echo-2)" 200
	reply=$(chat "$(msg 'the quick brown fox' echo-2)" | jq -r '.choices[0].message.content')
	# argv from the template with the model; the prompt only on stdin
	grep -qx 'echo-cli tty=no args=\[--model echo-2 --quiet\]' <<<"$reply"
	grep -qx 'you said: the quick brown fox' <<<"$reply"
	# the same through streaming
	out=$(chat "$(jq -cn '{model:"echo-1",stream:true,messages:[{role:"user",content:"streamed words"}]}')")
	grep -q '^data: \[DONE\]' <<<"$out"
	sed -n 's/^data: //p' <<<"$out" | grep -v DONE | jq -rj '.choices[0].delta.content // empty' | grep -q 'you said: streamed words'
}

@test "a generic CLI's failure is an error, not a reply; a conversation is rendered with roles" {
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$(msg 'please [[fail]]' echo-1)" "$HUB_URL/v1/chat/completions"
	[ "$output" = 502 ]
	jq -e '.error.message | test("simulated failure")' "$BATS_TEST_TMPDIR/b"
	body=$(jq -cn '{model:"echo-1",messages:[{role:"system",content:"be brief"},{role:"user",content:"first"},{role:"assistant",content:"ok"},{role:"user",content:"second"}]}')
	reply=$(chat "$body" | jq -r '.choices[0].message.content')
	grep -qx 'you said: System:' <<<"$reply"
	grep -qx 'second' <<<"$reply"
}

@test "a generic CLI in a pseudo-terminal: its output is cleaned of escapes and CRs" {
	write_conf "$(ECHO_SECTION | sed 's/^input = stdin/input = pty/')"
	wait_for 60 all_agree /v1/providers '.data[] | select(.name == "echo") | .enabled'
	# wait until every chat worker runs the pty variant
	for i in $(seq 1 40); do
		reply=$(chat "$(msg 'terminal please' echo-1)" | jq -r '.choices[0].message.content')
		grep -q 'tty=yes' <<<"$reply" && break
		sleep 0.2
	done
	grep -qx 'echo-cli tty=yes args=\[--model echo-1 --quiet\]' <<<"$reply"
	! grep -q $'\033' <<<"$reply"
	! grep -q $'\r' <<<"$reply"
}

@test "the fake Claude CLI as a generic cli with claude-stream-json output" {
	write_conf "$(ECHO_SECTION)
$(FCLAUDE_SECTION)"
	wait_for 60 all_agree /v1/providers '[.data[].name] | index("fclaude") != null'
	chat_settles "$(msg hi fc-1)" 200
	out=$(chat "$(msg hi fc-1)")
	[ "$(jq -r '.choices[0].message.content' <<<"$out")" = "Hello from fake claude." ]
	# its argv carries the model from the template and no prompt
	reply=$(chat "$(msg 'secret words [[fake:argv]]' fc-1)" | jq -r '.choices[0].message.content')
	grep -q -- '--model=fc-1' <<<"$reply"
	! grep -q 'secret words' <<<"$reply"
	# a model it does not serve is refused before anything runs
	run curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$(jq -cn '{provider:"fclaude",model:"--tools=Bash",messages:[{role:"user",content:"x"}]}')" "$HUB_URL/v1/chat/completions"
	[ "$output" -ge 400 ] && [ "$output" -lt 500 ]
}

@test "disabling claude in the file takes effect without a restart, and removing the section brings it back" {
	write_conf "$(ECHO_SECTION)
[provider claude]
enabled = false"
	chat_settles "$(msg hi sonnet)" 503
	out=$(chat "$(msg hi sonnet)")
	jq -e '.error.code == "provider_disabled" and (.error.message | test("disabled"))' <<<"$out"
	wait_for 60 all_agree /v1/models '[.data[].id] | index("sonnet") == null'
	jq -e '.data[] | select(.name == "claude") | .enabled == false and .status == "disabled"' <<<"$(curl -s "$HUB_URL/v1/providers")"
	# gemini and the generic one are unaffected
	[ "$(chat "$(msg hi gemini-2.5-pro)" | jq -r '.choices[0].message.content | length > 0')" = true ]

	write_conf ""
	chat_settles "$(msg hi sonnet)" 200
	wait_for 60 all_agree /v1/models '[.data[].id] | index("sonnet") != null'
	wait_for 60 all_agree /v1/providers '[.data[].name] == ["claude","gemini"]'
	chat_settles "$(msg hi echo-1)" 404
}

@test "an invalid file on reload keeps the providers and logs file, line and key" {
	write_conf "$(ECHO_SECTION)"
	wait_for 60 all_agree /v1/providers '[.data[].name] | index("echo") != null'
	chat_settles "$(msg hi echo-1)" 200
	write_conf "$(ECHO_SECTION)
colour = blue"
	# a process looks at the file when a request comes; the error is logged
	wait_for 60 logged_after_request 'hub.conf:12: \[provider echo\] colour: unknown key'
	all_agree /v1/providers '[.data[].name] | index("echo") != null'
	chat_settles "$(msg hi echo-1)" 200
	write_conf ""
	wait_for 60 all_agree /v1/providers '[.data[].name] == ["claude","gemini"]'
}

@test "an invalid section stops start-up with a message naming file, line and key" {
	bad=$BATS_TEST_TMPDIR/bad.conf
	printf 'HUB_SESSION_TTL = 60\n\n[provider agy]\ntype = cli\nexecutable = agy\nmodels = agy-1\noutput = html\n' >"$bad"
	run env HUB_CONFIG="$bad" "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -ne 0 ]
	[[ "$output" == *"bad.conf:7: [provider agy] output: expected text, claude-stream-json or gemini-stream-json"* ]]
	printf '[provider agy]\ntype = cli\nmodels = agy-1\n' >"$bad"
	run env HUB_CONFIG="$bad" "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -ne 0 ]
	[[ "$output" == *"bad.conf:1: [provider agy] executable: required for type = cli"* ]]
	printf '[provider agy]\ntype = cli\nexecutable = agy\nmodels = agy-1\n[provider agy]\n' >"$bad"
	run env HUB_CONFIG="$bad" "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -ne 0 ]
	[[ "$output" == *"bad.conf:5: "*"appears twice"* ]]
	# the documented example section is valid
	sed -n '/^```ini provider-example$/,/^```$/p' "$HUB_SRCDIR/docs/PROVIDERS.md" | sed '1d;$d' >"$bad"
	grep -q '^\[provider agy\]' "$bad"
	run env HUB_CONFIG="$bad" "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -eq 0 ]
}

@test "no secret appears in the logs" {
	! grep -rq "$CLAUDE_CODE_OAUTH_TOKEN" "$BATS_FILE_TMPDIR"/*.log
}
