#!/usr/bin/env bats
# What one chat turn promises beyond its reply: a model the chosen provider
# does not serve is refused, the messages carry the times the request
# arrived and the reply finished, and with Redis down nothing runs (no
# subscription is spent on a reply that could not be stored).

load helpers

setup_file() {
	use_fake_clis
	# a claude CLI that records each run (not the --version probe) in a file
	export RUNS_FILE=$BATS_FILE_TMPDIR/claude-runs
	: >"$RUNS_FILE"
	cat >"$BATS_FILE_TMPDIR/recording-claude" <<-EOF
	#!/bin/sh
	case "\${1:-}" in --version) ;; *) echo ran >>"$RUNS_FILE" ;; esac
	exec "$(readlink -f "$HUB_CLAUDE_CLI")" "\$@"
	EOF
	chmod 755 "$BATS_FILE_TMPDIR/recording-claude"
	export HUB_CLAUDE_CLI=$BATS_FILE_TMPDIR/recording-claude
	# the recorder writes on the host, which a jailed child cannot (the
	# jail itself is tested in jail.bats)
	export HUB_JAIL=off
	export HUB_REDIS_TIMEOUT_MS=300
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL REDIS_DIR HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

runs() { wc -l <"$RUNS_FILE"; }

@test "a model the chosen provider does not serve: 400 with param model, nothing runs" {
	before=$(runs)
	run http -H 'Content-Type: application/json' \
		--data-binary '{"model":"sonnet","provider":"gemini","messages":[{"role":"user","content":"hi"}]}' \
		"$HUB_URL/v1/chat/completions"
	echo "$output"
	[ "$(status_of "$output")" = 400 ]
	jq -e '.error.param == "model" and .error.type == "invalid_request_error" and
		(.error.message | contains("gemini"))' <<<"$(body_of "$output")"
	# the other way round too
	run http -H 'Content-Type: application/json' \
		--data-binary '{"model":"gemini-2.5-pro","provider":"claude","messages":[{"role":"user","content":"hi"}]}' \
		"$HUB_URL/v1/chat/completions"
	[ "$(status_of "$output")" = 400 ]
	[ "$(runs)" -eq "$before" ]
	# a model of the chosen provider runs, and is the one reported
	run http -H 'Content-Type: application/json' \
		--data-binary '{"model":"sonnet","provider":"claude","messages":[{"role":"user","content":"hi"}]}' \
		"$HUB_URL/v1/chat/completions"
	echo "$output"
	[ "$(status_of "$output")" = 200 ]
	jq -e '.model == "sonnet"' <<<"$(body_of "$output")"
}

@test "the user message has the time its request arrived, the reply the time it finished" {
	t0=$(date +%s%3N)
	out=$(curl -s -D "$BATS_TEST_TMPDIR/h" -H 'Content-Type: application/json' \
		--data-binary '{"messages":[{"role":"user","content":"x [[fake:chunks=3]] [[fake:slow=700]]"}]}' \
		"$HUB_URL/v1/chat/completions")
	t1=$(date +%s%3N)
	sid=$(grep -i '^x-session-id:' "$BATS_TEST_TMPDIR/h" | tr -d '\r' | awk '{print $2}')
	[ -n "$sid" ]
	s=$(curl -s "$HUB_URL/v1/sessions/$sid")
	ms() { date -d "$1" +%s%3N; }
	asked=$(ms "$(jq -r '.messages[0].timestamp' <<<"$s")")
	answered=$(ms "$(jq -r '.messages[1].timestamp' <<<"$s")")
	echo "sent $t0, user stamped $asked, reply stamped $answered, answer received $t1"
	# the request arrived right after it was sent; the reply took >= 3 x 700 ms
	[ "$asked" -ge $((t0 - 50)) ] && [ "$asked" -le $((t0 + 1000)) ]
	[ $((answered - asked)) -ge 2000 ]
	[ "$answered" -le $((t1 + 50)) ]
	# the memory export shows both times, in the hub's local time
	md=$(curl -s "$HUB_URL/v1/sessions/$sid/memory?summarize=false&lang=en")
	echo "$md"
	user_t=$(date -d "@$((asked / 1000))" +%H:%M:%S)
	reply_t=$(date -d "@$((answered / 1000))" +%H:%M:%S)
	[ "$user_t" != "$reply_t" ]
	grep -qx "### User ($user_t)" <<<"$md"
	grep -qx "### Assistant ($reply_t)" <<<"$md"
}

@test "Redis down: a chat is refused with 503 before the CLI runs" {
	before=$(runs)
	stop_redis
	run http -H 'Content-Type: application/json' \
		--data-binary '{"messages":[{"role":"user","content":"a new session"}]}' \
		"$HUB_URL/v1/chat/completions"
	echo "$output"
	[ "$(status_of "$output")" = 503 ]
	jq -e '.error.code == "store_unavailable"' <<<"$(body_of "$output")"
	run http -H 'Content-Type: application/json' -H 'X-Session-ID: kept-one' \
		--data-binary '{"messages":[{"role":"user","content":"a named session"}]}' \
		"$HUB_URL/v1/chat/completions"
	[ "$(status_of "$output")" = 503 ]
	run http -H 'Content-Type: application/json' \
		--data-binary '{"stream":true,"messages":[{"role":"user","content":"a stream"}]}' \
		"$HUB_URL/v1/chat/completions"
	echo "$output"
	# refused before the stream's headers: a status, not an error chunk
	[ "$(status_of "$output")" = 503 ]
	[ "$(runs)" -eq "$before" ]
	# Redis back: chats run again, without a hub restart
	start_redis
	run http -H 'Content-Type: application/json' \
		--data-binary '{"messages":[{"role":"user","content":"back"}]}' \
		"$HUB_URL/v1/chat/completions"
	[ "$(status_of "$output")" = 200 ]
	[ "$(runs)" -eq $((before + 1)) ]
}
