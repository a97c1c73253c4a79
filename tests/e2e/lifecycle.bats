#!/usr/bin/env bats
# The run command's lifecycle: configuration errors stop start-up, the
# private Redis, and nothing left behind after SIGTERM.

load helpers

@test "an invalid setting stops start-up with a message naming the variable" {
	run env HUB_SESSION_TTL=soon "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -ne 0 ]
	[[ "$output" == *HUB_SESSION_TTL* ]]
	run env REDIS_URL=http://nope "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -ne 0 ]
	[[ "$output" == *REDIS_URL* ]]
	run env GEMINI_AUTH_PATH=relative/creds.json "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -ne 0 ]
	[[ "$output" == *GEMINI_AUTH_PATH* ]]
}

@test "a secret never appears in a configuration error" {
	run env CLAUDE_CODE_OAUTH_TOKEN='sk-ant-oat01-secret value' "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -ne 0 ]
	[[ "$output" == *CLAUDE_CODE_OAUTH_TOKEN* ]]
	[[ "$output" != *secret* ]]
}

@test "the config file is read and the environment wins over it" {
	printf 'HUB_SESSION_TTL = 60\nHUB_KEEPALIVE_SECONDS = nope\n' >"$BATS_TEST_TMPDIR/hub.conf"
	run env HUB_CONFIG="$BATS_TEST_TMPDIR/hub.conf" "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -ne 0 ]
	[[ "$output" == *HUB_KEEPALIVE_SECONDS* ]]
	run env HUB_CONFIG="$BATS_TEST_TMPDIR/hub.conf" HUB_KEEPALIVE_SECONDS=3 "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -eq 0 ]
}

@test "hub serve without REDIS_URL runs a private Redis and leaves nothing behind on SIGTERM" {
	unset REDIS_URL
	start_hub private
	out=$(http "$HUB_URL/health")
	[ "$(status_of "$out")" = 200 ]
	[ -n "$(procs_under "$HUB_STATE_DIR")" ]
	stop_hub
	sleep 0.3
	left=$(procs_under "$HUB_STATE_DIR")
	[ -z "$left" ] || { echo "left behind: $left"; false; }
	run curl -s -o /dev/null "$HUB_URL/health"
	[ "$status" -ne 0 ]
}

@test "Ctrl-C (SIGINT to the whole foreground group) leaves nothing behind" {
	unset REDIS_URL
	export HUB_STATE_DIR=$BATS_TEST_TMPDIR/ctrlc-state HUB_PORT=$(free_port)
	export HUB_LOG_FILE=$BATS_TEST_TMPDIR/ctrlc.log
	# its own process group, as a terminal's foreground job would be
	setsid "$HUB_SRCDIR/hub" serve >"$BATS_TEST_TMPDIR/ctrlc.serve.log" 2>&1 3>&- &
	pid=$!
	wait_for 100 curl -sf -o /dev/null "http://127.0.0.1:$HUB_PORT/health"
	[ -n "$(procs_under "$HUB_STATE_DIR")" ]
	kill -INT -- "-$pid"
	wait_for 50 sh -c "! kill -0 $pid 2>/dev/null"
	sleep 0.3
	left=$(procs_under "$HUB_STATE_DIR")
	[ -z "$left" ] || { echo "left behind: $left"; kill -KILL -- "-$pid" 2>/dev/null; false; }
}
