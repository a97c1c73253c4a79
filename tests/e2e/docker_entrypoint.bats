#!/usr/bin/env bats
# The container's entry point (docker/entrypoint.sh), run outside a
# container: with no client keys it makes one on the first start, prints it
# once and keeps only its hash in the state volume; the hub then requires
# it; its health check passes against the running hub and fails when the hub
# is down. bench/docker.sh runs the same script inside a real image.

load helpers

ENTRY=$HUB_SRCDIR/docker/entrypoint.sh

setup() {
	use_fake_clis
	unset REDIS_URL HUB_API_KEYS HUB_API_KEYS_FILE HUB_AUTH_HEALTH
	export HUB_SCRIPT=$HUB_SRCDIR/hub
	export HUB_STATE_DIR=$BATS_TEST_TMPDIR/volume
	export HUB_BIND=127.0.0.1 HUB_PORT=$(free_port)
	export HUB_LOG_FILE=$BATS_TEST_TMPDIR/responders.log
	export HUB_QUICK_WORKERS=1 HUB_CHAT_WORKERS=1 HUB_STREAM_WORKERS=1
	export HUB_QUICK_THREADS=4 HUB_CHAT_THREADS=8 HUB_STREAM_THREADS=8
	HUB_URL="http://127.0.0.1:$HUB_PORT"
	ENTRY_PID=
}

teardown() {
	stop_entry
}

# start_entry LOG [ARGS...]: the entry point in the background, until the
# hub answers (any status) on its port.
start_entry() {
	local log=$1; shift
	"$ENTRY" "$@" >"$log" 2>&1 3>&- &
	ENTRY_PID=$!
	wait_for 150 curl -s -o /dev/null "$HUB_URL/health" || { cat "$log" >&2; return 1; }
	# the answer was ours: the hub is still running (not one that lost the
	# port to another listener and exited)
	kill -0 "$ENTRY_PID" 2>/dev/null || { cat "$log" >&2; return 1; }
}

stop_entry() {
	[ -n "${ENTRY_PID:-}" ] || return 0
	kill -TERM "$ENTRY_PID" 2>/dev/null || true
	wait "$ENTRY_PID" 2>/dev/null || true
	wait_for 100 sh -c "! kill -0 $ENTRY_PID 2>/dev/null" || kill -KILL "$ENTRY_PID" 2>/dev/null || true
	ENTRY_PID=
}

# The generated key as the log shows it (the line between two "hub:" lines).
key_in() { sed -n 's/^hub: \{5\}\(hub-[0-9a-f]\{64\}\)$/\1/p' "$1"; }

status_with() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

@test "no keys: a key is made on the first start, printed once, kept hashed; the hub requires it; restart keeps it" {
	start_entry "$BATS_TEST_TMPDIR/first.log"
	key=$(key_in "$BATS_TEST_TMPDIR/first.log")
	[ -n "$key" ] || { cat "$BATS_TEST_TMPDIR/first.log"; false; }
	[ "$(grep -c -- "$key" "$BATS_TEST_TMPDIR/first.log")" -eq 1 ]
	# authentication is on, not a loopback fallback without keys
	grep -q 'client authentication is on (1 key' "$BATS_TEST_TMPDIR/first.log"
	# at rest: the hash, never the key, in a file only the owner reads
	file=$HUB_STATE_DIR/api-keys
	grep -q "$(printf %s "$key" | sha256sum | cut -d' ' -f1)" "$file"
	! grep -q -- "$key" "$file"
	[ "$(stat -c %a "$file")" = 600 ]
	[ "$(status_with -X POST -H 'Content-Type: application/json' -d '{}' "$HUB_URL/v1/chat/completions")" = 401 ]
	[ "$(status_with -H "Authorization: Bearer $key" "$HUB_URL/v1/models")" = 200 ]
	[ "$(status_with -H 'Authorization: Bearer hub-0000000000000000000000000000000000000000000000000000000000000000' "$HUB_URL/v1/models")" = 401 ]
	out=$(chat '{"model":"sonnet","messages":[{"role":"user","content":"hello"}]}' \
		-H "Authorization: Bearer $key")
	[ "$(printf %s "$out" | jq -r '.choices[0].message.content')" != null ]
	# responders' log: no key in it
	! grep -q -- "$key" "$HUB_LOG_FILE"

	stop_entry
	start_entry "$BATS_TEST_TMPDIR/second.log"
	[ -z "$(key_in "$BATS_TEST_TMPDIR/second.log")" ]
	! grep -q -- "$key" "$BATS_TEST_TMPDIR/second.log"
	grep -q 'made on the first start' "$BATS_TEST_TMPDIR/second.log"
	[ "$(status_with -H "Authorization: Bearer $key" "$HUB_URL/v1/models")" = 200 ]
	[ "$(status_with "$HUB_URL/v1/models")" = 401 ]
}

@test "the health check passes against the running hub and fails when it is down" {
	run "$ENTRY" healthcheck
	[ "$status" -ne 0 ]
	start_entry "$BATS_TEST_TMPDIR/hc.log"
	run "$ENTRY" healthcheck
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	stop_entry
	run "$ENTRY" healthcheck
	[ "$status" -ne 0 ]
}

@test "HUB_AUTH_HEALTH=key: the health check uses a key of its own; an empty HUB_API_KEYS is no key" {
	# what `HUB_API_KEYS: ${HUB_API_KEYS}` in a compose file gives when unset
	export HUB_API_KEYS= HUB_AUTH_HEALTH=key
	start_entry "$BATS_TEST_TMPDIR/hk.log"
	[ -n "$(key_in "$BATS_TEST_TMPDIR/hk.log")" ]
	[ "$(status_with "$HUB_URL/health")" = 401 ]
	run "$ENTRY" healthcheck
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# the health key is not in the output of the check, nor in any log
	hk=$(cat "$HUB_STATE_DIR/run/healthcheck.key")
	[ "$(stat -c %a "$HUB_STATE_DIR/run/healthcheck.key")" = 600 ]
	[[ "$output" != *"$hk"* ]]
	! grep -q -- "$hk" "$BATS_TEST_TMPDIR/hk.log" "$HUB_LOG_FILE"
}

@test "given keys are used as they are: nothing is generated" {
	export HUB_API_KEYS=mine:my-own-client-key-0123456789
	start_entry "$BATS_TEST_TMPDIR/given.log"
	[ -z "$(key_in "$BATS_TEST_TMPDIR/given.log")" ]
	[ ! -e "$HUB_STATE_DIR/api-keys" ]
	[ "$(status_with -H 'Authorization: Bearer my-own-client-key-0123456789' "$HUB_URL/v1/models")" = 200 ]
	run "$ENTRY" healthcheck
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "docs/DEPLOY.md shows compose.yaml as it is in the repository" {
	doc=$(awk '/^```yaml compose.yaml$/ {on=1; next} on && /^```$/ {exit} on' "$HUB_SRCDIR/docs/DEPLOY.md")
	[ -n "$doc" ]
	[ "$doc" = "$(cat "$HUB_SRCDIR/compose.yaml")" ]
}
