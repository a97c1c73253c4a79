#!/usr/bin/env bats
# gemini_cli.bats - the Gemini adapter (providers/gemini.c) driven through
# tests/fakes/provider-run against tests/fakes/fake-gemini, which mimics the
# real CLI's output, exit codes, stderr announcements and file droppings.

bats_require_minimum_version 1.5.0

HUB_SRCDIR="${HUB_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
HUB_BUILDDIR="${HUB_BUILDDIR:-$HUB_SRCDIR}"
PROVIDER_RUN="$HUB_BUILDDIR/tests/fakes/provider-run"
FAKE_GEMINI="$HUB_BUILDDIR/tests/fakes/fake-gemini"

load helpers  # children_of, wait_child_of

setup() {
	[ -x "$PROVIDER_RUN" ] || skip "provider-run not built"
	[ -x "$FAKE_GEMINI" ] || skip "fake-gemini not built"
	command -v jq >/dev/null || skip "jq missing"
	export HUB_STATE_DIR="$BATS_TEST_TMPDIR/state"
	export HUB_GEMINI_CLI="$FAKE_GEMINI"
	export HUB_GEMINI_TIMEOUT=20 HUB_KILL_GRACE_MS=300 HUB_GEMINI_MAX_RETRY_WAIT=10
	unset CODE_ASSIST_ENDPOINT GOOGLE_GENAI_USE_GCA GOOGLE_CLOUD_ACCESS_TOKEN
	mkdir -p "$HUB_STATE_DIR"
	AUTH="$BATS_TEST_TMPDIR/auth/oauth_creds.json"
	mkdir -p "${AUTH%/*}"
	printf '{"access_token":"ya29.original-%s","refresh_token":"1//refresh-%s","scope":"x","token_type":"Bearer","expiry_date":1000}\n' \
		"$RANDOM$RANDOM" "$RANDOM$RANDOM" >"$AUTH"
	chmod 600 "$AUTH"
	export GEMINI_AUTH_PATH="$AUTH"
}

# Run the adapter on conversation $1 (extra args follow); sets $final.
drive() { drive_provider gemini "$@"; }

pid_gone() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

@test "gemini: a reply streams as deltas and terminal control is removed" {
	drive "$(one_msg 'hi [[fake:escapes]]')"
	[ "$status" -eq 0 ]
	[ "$(field .text)" = "$(printf 'ABC\nDEF')" ]
	[ "$(printf '%s\n' "$output" | grep -c '"delta"')" -ge 2 ]
	[ "$(field .model)" = "gemini-2.5-pro" ]
	[ "$(field .usage.prompt_tokens)" = 11 ]
	[ "$(field .usage.completion_tokens)" = 5 ]
	! printf '%s' "$output" | grep -q '\\u001b\|\\u0007\|\\r'
	assert_no_leftovers
}

@test "gemini: stdout is a terminal, stdin and stderr are pipes" {
	drive "$(one_msg '[[fake:tty]]')"
	[ "$status" -eq 0 ]
	[ "$(field .text)" = "stdin=0 stdout=1 stderr=0" ]
}

@test "gemini: argv is fixed and never carries the prompt (/proc/PID/cmdline)" {
	local marker="prompt-marker-$RANDOM$RANDOM" pid child
	"$PROVIDER_RUN" gemini >"$BATS_TEST_TMPDIR/out" 2>&1 \
		<<<"$(jq -cn --arg c "$marker [[fake:slow=1000]]" '{model:"gemini-2.5-flash",messages:[{role:"user",content:$c}]}')" &
	pid=$!
	# the CLI child: the first descendant of the driver (below bwrap when
	# jailed) whose argv[0] is gemini
	cmdline=
	for _ in $(seq 1 100); do
		for child in $(descendants_of "$pid"); do
			c=$(tr '\0' ' ' <"/proc/$child/cmdline" 2>/dev/null) || continue
			[[ "$c" == gemini\ * ]] && { cmdline=$c; break 2; }
		done
		sleep 0.05
	done
	wait "$pid"
	echo "cmdline: $cmdline"
	[ "$cmdline" = "gemini --model=gemini-2.5-flash --output-format=stream-json --prompt= " ]
	! grep -q "$marker" <<<"$cmdline"
	drive "$(one_msg '[[fake:argv]]')"
	[ "$(field .text)" = '["gemini","--model=gemini-2.5-pro","--output-format=stream-json","--prompt="]' ]
}

@test "gemini: a 300 KB prompt arrives whole through stdin" {
	head -c 300000 /dev/zero | tr '\0' 'a' >"$BATS_TEST_TMPDIR/big"
	printf '[[fake:echo]]' >>"$BATS_TEST_TMPDIR/big"
	drive "$(jq -cn --rawfile c "$BATS_TEST_TMPDIR/big" '{messages:[{role:"user",content:$c}]}')"
	[ "$status" -eq 0 ]
	[ "$(field '.text | length')" -eq $((300000 + 13)) ]
}

@test "gemini: history, roles and system messages reach the CLI" {
	drive '{"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"first question"},{"role":"assistant","content":"first answer"},{"role":"user","content":"second [[fake:echo]]"}]}'
	[ "$status" -eq 0 ]
	text=$(field .text)
	echo "$text"
	grep -q 'role="user">' <<<"$text"
	grep -q 'role="assistant">' <<<"$text"
	# turns in order
	[ "$(grep -n 'first question' <<<"$text" | cut -d: -f1)" -lt "$(grep -n 'first answer' <<<"$text" | cut -d: -f1)" ]
	[ "$(grep -n 'first answer' <<<"$text" | cut -d: -f1)" -lt "$(grep -n 'second' <<<"$text" | head -1 | cut -d: -f1)" ]
	# the system message went to GEMINI_SYSTEM_MD, not into the prompt
	[ "$(printf '%s\n' "$text" | sed -n '/^\[system\]$/,$p' | tail -n +2)" = "You are terse." ]
	[ "$(grep -c 'You are terse' <<<"$text")" -eq 1 ]
}

@test "gemini: a single user turn goes verbatim; a leading slash is not a command" {
	drive "$(one_msg 'just this [[fake:echo]]')"
	[ "$(field .text)" = "just this [[fake:echo]]" ]
	drive "$(one_msg '/help [[fake:echo]]')"
	[ "$(field .text | head -c 3)" = "The" ]
	drive "$(one_msg '  /quit [[fake:echo]]')"
	[ "$(field .text | head -c 3)" = "The" ]
}

@test "gemini: the environment is built from scratch (names only)" {
	GEMINI_API_KEY=leak GOOGLE_API_KEY=leak GOOGLE_GEMINI_BASE_URL=http://x \
	GEMINI_FORCE_ENCRYPTED_FILE_STORAGE=true GOOGLE_CLOUD_ACCESS_TOKEN=t GOOGLE_GENAI_USE_GCA=true \
	HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=localhost GOOGLE_CLOUD_PROJECT=p NODE_EXTRA_CA_CERTS=/dev/null \
	SECRET_OTHER=x drive "$(one_msg '[[fake:env]]')"
	[ "$status" -eq 0 ]
	names=$(field .text | xargs)
	echo "$names"
	[ "$names" = "GEMINI_CLI_HOME GEMINI_CLI_NO_RELAUNCH GOOGLE_CLOUD_PROJECT HOME HTTPS_PROXY NODE_EXTRA_CA_CERTS NO_BROWSER NO_COLOR NO_PROXY PATH TERM TMPDIR" ]
}

@test "gemini: the test route variables pass only with CODE_ASSIST_ENDPOINT" {
	CODE_ASSIST_ENDPOINT=http://127.0.0.1:9 GOOGLE_CLOUD_ACCESS_TOKEN=t GOOGLE_GENAI_USE_GCA=true \
	drive "$(one_msg '[[fake:env]]')"
	names=$(field .text | xargs)
	[[ "$names" == *"CODE_ASSIST_ENDPOINT GEMINI_CLI_HOME"* ]]
	[[ "$names" == *"GOOGLE_CLOUD_ACCESS_TOKEN GOOGLE_GENAI_USE_GCA HOME"* ]]
}

@test "gemini: a hanging CLI ends in a timeout at the deadline, nothing left" {
	export HUB_GEMINI_TIMEOUT=2
	local pid child start end
	start=$(date +%s%N)
	"$PROVIDER_RUN" gemini >"$BATS_TEST_TMPDIR/out" 2>/dev/null <<<"$(one_msg '[[fake:hang]]')" &
	pid=$!
	child=$(wait_child_of "$pid")
	wait "$pid" || true
	end=$(date +%s%N)
	final=$(tail -n 1 "$BATS_TEST_TMPDIR/out")
	[ "$(field .err_code)" = provider_timeout ]
	ms=$(( (end - start) / 1000000 ))
	echo "took $ms ms"
	[ "$ms" -ge 1900 ] && [ "$ms" -lt 4500 ]
	pid_gone "$child"
	assert_no_leftovers
}

@test "gemini: a CLI that ignores SIGTERM is killed, and so is its grandchild" {
	# The fake writes its grandchild's pid to a file outside its work dir,
	# which a jailed child can neither reach nor know the host pid for:
	# unjailed here; tests/unit/test_jail covers the jailed group's kill.
	export HUB_JAIL=off
	export HUB_GEMINI_TIMEOUT=1
	drive "$(one_msg '[[fake:ignore-term]]')"
	[ "$(field .err_code)" = provider_timeout ]
	local pidfile="$BATS_TEST_TMPDIR/gc.pid"
	drive "$(one_msg "[[fake:grandchild=$pidfile]]")"
	[ "$(field .err_code)" = provider_timeout ]
	gc=$(cat "$pidfile")
	[ -n "$gc" ]
	sleep 0.2
	pid_gone "$gc"
	assert_no_leftovers
}

@test "gemini: the reply does not wait for the CLI's exit; a reaper kills and reaps it" {
	# The fake ignores SIGTERM after its result line: a reply that waited
	# for its exit would take the whole kill grace.
	# Unjailed: in the jail bwrap ends at the SIGTERM and takes the fake
	# with it, so the grace would not be waited for either way.
	export HUB_JAIL=off HUB_KILL_GRACE_MS=3000
	drive "$(one_msg 'hi [[fake:linger]]')"
	[ "$status" -eq 0 ]
	[ "$(field .err)" = 0 ]
	[ "$(field .text)" = "Hello from fake-gemini." ]
	[ "$(field .usage.completion_tokens)" = 5 ]
	[ "$(field .duration_ms)" -lt 3000 ]
	# provider-run exits after its reapers: killed, reaped, directory gone
	assert_no_leftovers
}

@test "gemini: the client going away stops the whole group within 1 s" {
	local pid child start end
	start=$(date +%s%N)
	"$PROVIDER_RUN" gemini --cancel-after-ms=1500 >"$BATS_TEST_TMPDIR/out" 2>/dev/null \
		<<<"$(one_msg '[[fake:ignore-term]]')" &
	pid=$!
	child=$(wait_child_of "$pid")
	wait "$pid" || true
	end=$(date +%s%N)
	final=$(tail -n 1 "$BATS_TEST_TMPDIR/out")
	[ "$(field .err_code)" = client_closed_request ]
	# cancelled at 1.5 s; SIGTERM is ignored, SIGKILL follows after the grace
	[ $(( (end - start) / 1000000 )) -lt 2500 ]
	pid_gone "$child"
}

@test "gemini: exit 41 and json-mode 401/403 are authentication errors" {
	for code in 41 145 147; do
		drive "$(one_msg "[[fake:exit=$code]] secret question text")"
		[ "$status" -eq 1 ]
		[ "$(field .err_code)" = provider_auth_failed ]
		! grep -q "secret question" <<<"$final"
	done
	assert_no_leftovers
}

@test "gemini: a daily-quota backoff is a rate limit within seconds" {
	local start end
	start=$(date +%s)
	drive "$(one_msg '[[fake:quota]]')"
	end=$(date +%s)
	[ "$(field .err_code)" = rate_limit_exceeded ]
	[ "$(field .retry_after_s)" -ge 48065 ]
	[ $((end - start)) -le 3 ]
	assert_no_leftovers
}

@test "gemini: 429 backoff beyond HUB_GEMINI_MAX_RETRY_WAIT is a rate limit" {
	export HUB_GEMINI_MAX_RETRY_WAIT=1
	local start end
	start=$(date +%s)
	drive "$(one_msg '[[fake:backoff]]')"
	end=$(date +%s)
	[ "$(field .err_code)" = rate_limit_exceeded ]
	[ $((end - start)) -le 5 ]
}

@test "gemini: empty reply or an [ERROR] line with exit 0 is an upstream error" {
	drive "$(one_msg '[[fake:empty]]')"
	[ "$status" -eq 1 ]
	[ "$(field .err_code)" = provider_error ]
	drive "$(one_msg '[[fake:error-line]]')"
	[ "$(field .err_code)" = provider_error ]
	[[ "$(field .error_message)" == *"Invalid stream"* ]]
}

@test "gemini: exit 42, 55, 1 and 130 are upstream errors without the prompt" {
	for code in 42 55 1 130; do
		drive "$(one_msg "[[fake:exit=$code]] my private prompt words here")"
		[ "$(field .err_code)" = provider_error ]
		! grep -q "private prompt" <<<"$final"
	done
}

@test "gemini: huge output is returned whole up to the cap, then refused" {
	drive "$(one_msg '[[fake:huge=2000000]]')"
	[ "$status" -eq 0 ]
	[ "$(field '.text | length')" -eq 2000000 ]
	HUB_MAX_OUTPUT_BYTES=1000000 drive "$(one_msg '[[fake:huge=3000000]]')"
	[ "$(field .err_code)" = provider_output_too_large ]
	assert_no_leftovers
}

@test "gemini: non-JSON lines on stdout are ignored" {
	drive "$(one_msg '[[fake:garbage]]')"
	[ "$status" -eq 0 ]
	[ "$(field .text)" = "Hello from fake-gemini." ]
}

@test "gemini: a model name cannot smuggle a flag" {
	drive '{"model":"--yolo","messages":[{"role":"user","content":"x"}]}'
	[ "$(field .err_code)" = model_not_found ]
}

@test "gemini: no transcript or error report is left after 100 runs" {
	local i
	for i in $(seq 1 100); do
		if [ $((i % 2)) -eq 0 ]; then m='[[fake:exit=1]]'; else m="run $i"; fi
		"$PROVIDER_RUN" gemini >/dev/null 2>&1 <<<"$(one_msg "$m")" || true
	done
	assert_no_leftovers
	[ -d "$HUB_STATE_DIR/gemini" ]
}

@test "gemini: a token refreshed by the CLI reaches GEMINI_AUTH_PATH" {
	old_rt=$(jq -r .refresh_token "$AUTH")
	old_at=$(jq -r .access_token "$AUTH")
	drive "$(one_msg '[[fake:refresh]]')"
	[ "$status" -eq 0 ]
	new_at=$(jq -r .access_token "$AUTH")
	[ "$new_at" != "$old_at" ]
	[[ "$new_at" == ya29.refreshed-* ]]
	[ "$(jq -r .refresh_token "$AUTH")" = "$old_rt" ]
	[ "$(jq -r .expiry_date "$AUTH")" -gt 1000 ]
	[ "$(stat -c %a "$AUTH")" = 600 ]
	# no token value in anything the adapter printed
	! grep -q "$new_at\|$old_rt" <<<"$output$stderr"
	assert_no_leftovers
}

@test "gemini: concurrent refreshes never corrupt GEMINI_AUTH_PATH" {
	local i pids=()
	for i in $(seq 1 8); do
		"$PROVIDER_RUN" gemini >/dev/null 2>&1 <<<"$(one_msg '[[fake:refresh]]')" &
		pids+=($!)
	done
	# a reader in the meantime always sees whole JSON
	for i in $(seq 1 40); do
		jq -e '.access_token and .refresh_token' "$AUTH" >/dev/null
		sleep 0.01
	done
	for i in "${pids[@]}"; do wait "$i"; done
	jq -e '.access_token | startswith("ya29.refreshed-")' "$AUTH"
	jq -e '.refresh_token | startswith("1//refresh-")' "$AUTH"
	[ -z "$(ls "${AUTH%/*}" | grep -v '^oauth_creds.json$\|^oauth_creds.json.lock$')" ]
}

@test "gemini: a changed credentials file without a refresh_token is not written back" {
	before=$(cat "$AUTH")
	jq 'del(.refresh_token)' "$AUTH" >"$AUTH.new" && mv "$AUTH.new" "$AUTH"
	before=$(cat "$AUTH")
	drive "$(one_msg '[[fake:refresh]]')"
	[ "$(cat "$AUTH")" = "$before" ]
}
