# real_clis_helpers.bash - the real pinned CLIs (providers/install-clis.sh,
# cached) through the whole hub, against the local fake upstreams
# (tests/upstream/fake-anthropic.mjs, fake-codeassist.mjs). For files that
# `load helpers` and then `load real_clis_helpers`.

# In setup_file: install the CLIs (REAL_CLAUDE, REAL_GEMINI: empty when
# npm could not), start both fake upstreams (ANTHROPIC_UP, CODEASSIST_UP),
# point the CLIs at them with test credentials, then start Redis and the hub.
start_real_clis_hub() {
	local dir=$BATS_FILE_TMPDIR
	REAL_CLAUDE=$("$HUB_SRCDIR/providers/install-clis.sh" claude 2>"$dir/install.log") || REAL_CLAUDE=
	REAL_GEMINI=$("$HUB_SRCDIR/providers/install-clis.sh" gemini 2>>"$dir/install.log") || REAL_GEMINI=
	node "$HUB_SRCDIR/tests/upstream/fake-anthropic.mjs" 0 >"$dir/anthropic.port" 2>"$dir/anthropic.log" 3>&- &
	echo $! >"$dir/anthropic.pid"
	node "$HUB_SRCDIR/tests/upstream/fake-codeassist.mjs" >"$dir/codeassist.port" 2>"$dir/codeassist.log" 3>&- &
	echo $! >"$dir/codeassist.pid"
	wait_for 50 test -s "$dir/anthropic.port"
	wait_for 50 test -s "$dir/codeassist.port"
	export ANTHROPIC_UP="http://127.0.0.1:$(head -n 1 "$dir/anthropic.port")"
	export CODEASSIST_UP="http://127.0.0.1:$(head -n 1 "$dir/codeassist.port")"

	export HUB_CLAUDE_CLI=$REAL_CLAUDE HUB_GEMINI_CLI=$REAL_GEMINI
	export CLAUDE_CODE_OAUTH_TOKEN="sk-ant-oat01-http-test-$RANDOM$RANDOM"
	export ANTHROPIC_BASE_URL=$ANTHROPIC_UP
	# Gemini's test route (providers/gemini.c): the fake Code Assist server
	# and a fake access token, so that no Google server is needed.
	export CODE_ASSIST_ENDPOINT=$CODEASSIST_UP GOOGLE_GENAI_USE_GCA=true
	export GOOGLE_CLOUD_ACCESS_TOKEN="fake-access-token-$RANDOM"
	export HUB_CLAUDE_TIMEOUT=60 HUB_GEMINI_TIMEOUT=60
	unset GEMINI_AUTH_PATH HUB_CONFIG
	export REAL_CLAUDE REAL_GEMINI
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

# In teardown_file: stop what start_real_clis_hub started.
stop_real_clis_hub() {
	stop_hub
	stop_redis
	kill "$(cat "$BATS_FILE_TMPDIR/anthropic.pid")" "$(cat "$BATS_FILE_TMPDIR/codeassist.pid")" 2>/dev/null || true
}

# In setup: fail (not skip) when a CLI is missing, and forget what the
# upstreams recorded.
reset_real_clis() {
	if [ -z "$REAL_CLAUDE" ] || [ -z "$REAL_GEMINI" ]; then
		echo "the pinned CLIs could not be installed: $(tail -n 5 "$BATS_FILE_TMPDIR/install.log")" >&2
		return 1
	fi
	curl -s -X POST "$ANTHROPIC_UP/_reset" >/dev/null
	curl -s -X POST "$CODEASSIST_UP/_reset" >/dev/null
}
