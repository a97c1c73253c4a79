#!/usr/bin/env bats
# codex_cli.bats - the Codex adapter (providers/codex.c) against
# tests/fakes/fake-codex, which prints what the real `codex exec --json`
# prints: the failure matrix through tests/fakes/provider-run, then a hub
# over HTTP and the stdio MCP server.

bats_require_minimum_version 1.5.0

load codex_helpers
FAKE_CODEX="$HUB_BUILDDIR/tests/fakes/fake-codex"

setup_file() {
	[ -x "$FAKE_CODEX" ] || return 0
	export HUB_CODEX_TIMEOUT=20 HUB_KILL_GRACE_MS=300
	use_codex_auth_file acct-1
	unset HUB_CONFIG HUB_CODEX_BASE_URL CODEX_MODEL
	use_fake_clis
	export HUB_CODEX_CLI=$FAKE_CODEX
	start_redis_and_hub
	export FILE_STATE_DIR=$HUB_STATE_DIR
}

teardown_file() { stop_hub_and_redis; }

setup() {
	[ -x "$PROVIDER_RUN" ] && [ -x "$FAKE_CODEX" ] || skip "fakes not built"
	command -v jq >/dev/null || skip "jq missing"
	export HUB_STATE_DIR="$BATS_TEST_TMPDIR/state"
	mkdir -p "$HUB_STATE_DIR"
}

@test "codex: a reply with usage and the model; deltas per agent message" {
	drive "$(one_msg 'hi [[fake:messages=3]]')"
	[ "$status" -eq 0 ]
	[ "$(field .text)" = $'part 1\n\npart 2\n\npart 3' ]
	[ "$(grep -c '^{"delta"' <<<"$output")" -ge 3 ]
	[ "$(field .usage.prompt_tokens)" -eq 11 ]
	[ "$(field .usage.completion_tokens)" -eq 7 ]
	[ "$(field .model)" = gpt-6.1-sol ]
	assert_no_leftovers
}

@test "codex: an alias is resolved to the CLI's model, an unknown model is refused before a run" {
	drive '{"model":"terra","messages":[{"role":"user","content":"x [[fake:argv]]"}]}'
	[ "$status" -eq 0 ]
	[[ "$(field .text)" == *"--model=gpt-6.1-terra"* ]]
	drive '{"model":"gpt-0-nonexistent","messages":[{"role":"user","content":"x"}]}'
	[ "$(field .err_code)" = model_not_found ]
}

@test "codex: argv holds flags and paths only; the prompt is stdin; the settings forbid every tool" {
	drive "$(one_msg 'ARGV-MARKER [[fake:argv]]')"
	[ "$status" -eq 0 ]
	args=$(field .text)
	[[ "$args" == "exec --json "* ]]
	[[ "$args" == *" --strict-config "* ]]
	[[ "$args" == *" --sandbox=read-only "* ]]
	[[ "$args" == *" --ephemeral -" ]]
	[[ "$args" != *ARGV-MARKER* ]]
}

@test "codex: the environment is built from scratch; no hub variable leaks in" {
	unset SSL_CERT_FILE HTTPS_PROXY NO_PROXY CODEX_CA_CERTIFICATE CODEX_REFRESH_TOKEN_URL_OVERRIDE
	SECRET_HUB_VAR=leak drive "$(one_msg '[[fake:env]]')"
	[ "$status" -eq 0 ]
	[ "$(field .text)" = "CODEX_HOME HOME LANG NO_COLOR PATH RUST_LOG TMPDIR TZ" ]
}

@test "codex: history goes as turns through resume, system messages as instructions" {
	conv='{"messages":[{"role":"system","content":"SYS-A"},{"role":"user","content":"q1"},{"role":"assistant","content":"a1"},{"role":"user","content":"q2 [[fake:echo]]"}]}'
	drive "$conv"
	[ "$status" -eq 0 ]
	[ "$(field .text)" = "system:SYS-A|user:q1|assistant:a1|user:q2 [[fake:echo]]" ]
	assert_no_leftovers
}

@test "codex: a refused login is provider_auth_failed at the first retry" {
	drive "$(one_msg 'x [[fake:error=401]]')"
	[ "$(field .err_code)" = provider_auth_failed ]
	! grep -q 'rt-secret' <<<"$output$stderr"
}

@test "codex: the plan's usage limit is rate_limit_exceeded with a Retry-After" {
	drive "$(one_msg 'x [[fake:error=429]]')"
	[ "$(field .err_code)" = rate_limit_exceeded ]
	ra=$(field .retry_after_s)
	[ "$ra" -gt 60 ] && [ "$ra" -le 180 ]
}

@test "codex: an upstream 5xx is provider_error" {
	drive "$(one_msg 'x [[fake:error=500]]')"
	[ "$(field .err_code)" = provider_error ]
	[[ "$(field .error_message)" == *"high demand"* ]]
}

@test "codex: a hang ends in a timeout at the deadline with no process left" {
	export HUB_CODEX_TIMEOUT=2
	start=$(date +%s%N)
	drive "$(one_msg '[[fake:hang]]')"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$(field .err_code)" = provider_timeout ]
	[ "$ms" -ge 1900 ] && [ "$ms" -lt 6000 ]
	[ -z "$(pgrep -f "$FAKE_CODEX" || true)" ]
	assert_no_leftovers
}

@test "codex: the reply does not wait for the CLI's exit; a reaper kills and reaps it" {
	# The fake ignores SIGTERM after turn.completed: a reply that waited for
	# its exit would take the whole kill grace.
	# Unjailed: in the jail bwrap ends at the SIGTERM and takes the fake
	# with it, so the grace would not be waited for either way.
	export HUB_JAIL=off HUB_KILL_GRACE_MS=3000
	drive "$(one_msg 'hi [[fake:linger]]')"
	[ "$status" -eq 0 ]
	[ "$(field .err)" = 0 ]
	[ "$(field .text)" = "Hello from fake codex." ]
	[ "$(field .duration_ms)" -lt 3000 ]
	# provider-run exits after its reapers: killed, reaped, directory gone
	[ -z "$(pgrep -f "$FAKE_CODEX" || true)" ]
	assert_no_leftovers
}

@test "codex: an empty reply with exit 0 and garbage output are errors, not empty successes" {
	drive "$(one_msg '[[fake:empty]]')"
	[ "$(field .err_code)" = provider_error ]
	[[ "$(field .error_message)" == *"empty reply"* ]]
	drive "$(one_msg '[[fake:garbage]]')"
	[ "$(field .err_code)" = provider_error ]
	[[ "$(field .error_message)" == *"unparsable"* ]]
}

@test "codex: a tool item in the CLI's output refuses the reply" {
	drive "$(one_msg 'x [[fake:tool]]')"
	[ "$(field .err_code)" = provider_error ]
	[[ "$(field .error_message)" == *"tool"* ]]
}

@test "codex: without CODEX_AUTH_PATH no CLI is run; a missing file likewise" {
	CODEX_AUTH_PATH= drive "$(one_msg 'x')"
	[ "$(field .err_code)" = provider_auth_failed ]
	CODEX_AUTH_PATH=$BATS_TEST_TMPDIR/none.json drive "$(one_msg 'x')"
	[ "$(field .err_code)" = provider_auth_failed ]
}

@test "codex: a token refresh by the CLI is written back atomically; an unchanged file is left alone" {
	auth=$BATS_TEST_TMPDIR/a/auth.json
	mkdir -p "${auth%/*}"
	write_codex_auth "$(( $(date +%s) + 3600 ))" "$auth" acct-1
	ino=$(stat -c %i "$auth")
	CODEX_AUTH_PATH=$auth drive "$(one_msg 'x')"
	[ "$status" -eq 0 ]
	[ "$(stat -c %i "$auth")" = "$ino" ]
	CODEX_AUTH_PATH=$auth drive "$(one_msg 'x [[fake:refresh]]')"
	[ "$status" -eq 0 ]
	[ "$(jq -r .tokens.refresh_token "$auth")" = rt-fake-refreshed ]
	[ "$(stat -c %a "$auth")" = 600 ]
	[ -z "$(ls "${auth%/*}" | grep tmp- || true)" ]
}

@test "codex over HTTP: /v1/models lists the CLI's models, a chat streams, /health/tokens shows expiry and no secret" {
	models=$(curl -s "$HUB_URL/v1/models")
	jq -e '[.data[] | select(.owned_by == "openai") | .id] | index("gpt-6.1-sol") and index("gpt-5.5") and index("terra")' <<<"$models"
	out=$(chat '{"model":"gpt-6.1-sol","stream":true,"messages":[{"role":"user","content":"hi [[fake:messages=2]]"}]}')
	[[ "$out" == *'"content":"part 1"'* ]]
	[[ "$out" == *"data: [DONE]"* ]]
	out=$(chat '{"model":"sol","messages":[{"role":"user","content":"hello"}]}')
	[ "$(jq -r '.choices[0].message.content' <<<"$out")" = "Hello from fake codex." ]
	[ "$(jq -r .usage.prompt_tokens <<<"$out")" -eq 11 ]
	tok=$(curl -s "$HUB_URL/health/tokens")
	jq -e '.providers.codex | .kind == "codex_chatgpt_auth_file" and .present == true and .plan_type == "plus" and (.expires_at | type) == "string" and .has_refresh_token == true' <<<"$tok"
	! grep -q 'rt-secret' <<<"$tok"
	! grep -q 'eyJ' <<<"$tok"
	out=$(chat '{"model":"gpt-6.1-sol","messages":[{"role":"user","content":"x [[fake:error=429]]"}]}' -D "$BATS_TEST_TMPDIR/h")
	grep -qi '^retry-after: [1-9]' "$BATS_TEST_TMPDIR/h"
	[ "$(jq -r .error.code <<<"$out")" = rate_limit_exceeded ]
	# the usage limit is the plan's: codex cools down until the reset, shared
	# through Redis, and the next request is refused without a CLI
	curl -s "$HUB_URL/v1/providers" | jq -e '.data[] | select(.name == "codex") | .plan.status == "rejected"'
	out=$(chat '{"model":"gpt-6.1-sol","messages":[{"role":"user","content":"hello"}]}' -D "$BATS_TEST_TMPDIR/h2")
	[ "$(jq -r .error.code <<<"$out")" = plan_limit_reached ]
	grep -qi '^retry-after: [1-9]' "$BATS_TEST_TMPDIR/h2"
	[[ "$(jq -r .error.message <<<"$out")" == *"nothing was started"* ]]
	redis-cli -p "$REDIS_PORT" --scan --pattern '*plan:codex*' | xargs -r redis-cli -p "$REDIS_PORT" DEL >/dev/null
}

@test "codex over HTTP: tools and images are refused for codex with a 400" {
	out=$(http -H 'Content-Type: application/json' --data-binary '{"model":"gpt-6.1-sol","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"Calculator","parameters":{"type":"object"}}}]}' "$HUB_URL/v1/chat/completions")
	[ "$(status_of "$out")" = 400 ]
}

@test "codex over MCP (stdio): the chat tool answers with provider codex" {
	mcp_chat_codex 3
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
	grep '"id":2' "$BATS_TEST_TMPDIR/out" | jq -e '.result.isError != true and (.result.content[0].text | contains("Hello from fake codex."))'
}
