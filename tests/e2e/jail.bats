#!/usr/bin/env bats
# The filesystem jail (providers/jail.c) and the root drop (`hub serve`
# with HUB_USER): a generic CLI provider whose "CLI" is a script that
# tries to read secrets planted outside its jail - in the state directory,
# in another run's work directory, in /etc, in the test's temp dir, the
# Gemini credentials - lists /, and reaches the hub on 127.0.0.1.

load helpers

# Write the prying CLI to $1; it reports on stdout what it could see.
write_peek_cli() {
	cat >"$1" <<EOF
#!/bin/sh
cat >/dev/null
echo "UID:\$(id -u)"
for f in "$HUB_STATE_DIR/secret-state.txt" "$HUB_STATE_DIR/generic-other123/secret.txt" \\
	"$ETC_SECRET" "$BATS_FILE_TMPDIR/secret-tmp.txt" "${GEMINI_AUTH_PATH:-/nonexistent}" \\
	/etc/shadow /etc/passwd; do
	cat "\$f" 2>/dev/null
done
echo "ROOT:\$(ls / | tr '\n' ' ')"
echo "STATE:\$(ls "$HUB_STATE_DIR" 2>&1 | tr '\n' ' ')"
echo "HOMES:\$(ls /root /home 2>/dev/null | tr '\n' ' ')"
echo own-words >mine.txt && echo "OWN:\$(cat mine.txt)"
echo "NET:\$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/health")"
EOF
	chmod 755 "$1"
}

# The [provider peek] section for the CLI at $1.
peek_conf() {
	printf '[provider peek]\ntype = cli\nexecutable = %s\ninput = stdin\noutput = text\nmodels = peek-1\ntimeout = 20\n' "$1"
}

peek_chat() {
	curl -s -H 'Content-Type: application/json' --data-binary \
		'{"model":"peek-1","messages":[{"role":"user","content":"show me"}]}' \
		"$HUB_URL/v1/chat/completions" | jq -r '.choices[0].message.content'
}

setup_file() {
	command -v bwrap >/dev/null 2>&1 || skip "bubblewrap is not installed"
	use_fake_clis
	export ETC_SECRET=/etc/hub-jail-test-secret-$$
	printf 'SECRET-IN-ETC\n' >"$ETC_SECRET"
	chmod 644 "$ETC_SECRET"
	printf 'SECRET-IN-TMP\n' >"$BATS_FILE_TMPDIR/secret-tmp.txt"
	export HUB_CONFIG=$BATS_FILE_TMPDIR/hub.conf
	mkdir -p "$BATS_FILE_TMPDIR/cli"
	peek_conf "$BATS_FILE_TMPDIR/cli/peek.sh" >"$HUB_CONFIG"
	export HUB_JAIL=required
	start_redis
	start_hub
	printf 'SECRET-IN-STATE\n' >"$HUB_STATE_DIR/secret-state.txt"
	mkdir -p "$HUB_STATE_DIR/generic-other123"
	printf 'SECRET-OF-ANOTHER-RUN\n' >"$HUB_STATE_DIR/generic-other123/secret.txt"
	write_peek_cli "$BATS_FILE_TMPDIR/cli/peek.sh"
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG ETC_SECRET
}

teardown_file() {
	stop_hub
	stop_redis
	rm -f "${ETC_SECRET:-/nonexistent}"
}

@test "jail: /health and the log say the CLI children are jailed" {
	curl -s "$HUB_URL/health" | jq -e '.jail == "bubblewrap"'
	grep -q 'bubblewrap jail' "$HUB_LOG"
}

@test "jail: a CLI child cannot read the state dir, another run, /etc, the temp dir or the credentials" {
	out=$(peek_chat)
	echo "$out"
	# it ran, in its own work dir, and reached the hub on 127.0.0.1
	[[ $out == *"OWN:own-words"* ]]
	[[ $out == *"NET:200"* ]]
	# none of the planted secrets, no credentials, no password file
	[[ $out != *SECRET-IN-STATE* ]]
	[[ $out != *SECRET-OF-ANOTHER-RUN* ]]
	[[ $out != *SECRET-IN-ETC* ]]
	[[ $out != *SECRET-IN-TMP* ]]
	[[ $out != *refresh_token* ]]
	[[ $out != *root:* ]]
	# the state dir holds only this run's directory; no home directories
	state=$(grep '^STATE:' <<<"$out")
	[[ $state != *secret-state* && $state != *generic-other123* && $state != *run* ]]
	[[ $state == *generic-* ]]
	[ "$(grep '^HOMES:' <<<"$out")" = "HOMES:" ]
	# / holds only the system, a fresh /dev, /proc, /tmp, and /run for the helper
	for e in $(grep '^ROOT:' <<<"$out" | cut -d: -f2); do
		case $e in bin|sbin|lib|lib32|lib64|libx32|usr|etc|dev|proc|tmp|run) ;;
		*) echo "unexpected /$e"; return 1 ;;
		esac
	done
}

@test "jail: HUB_JAIL=required refuses to start where no jail can be made" {
	run env HUB_JAIL=required PATH=/nonexistent "$HUB_BUILDDIR/tests/fakes/provider-run" claude </dev/null
	[ "$status" -eq 2 ]
	[[ $output == *"unavailable: bwrap not found"* ]]
	run env HUB_JAIL=maybe "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -ne 0 ]
	[[ $output == *HUB_JAIL* ]]
}

@test "root drop: hub serve with HUB_USER runs every process and the CLI child as that user" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	id -u nobody >/dev/null 2>&1 || skip "no user nobody"
	# a tree the user can traverse, outside the test's private temp dir
	local root pid p uid n=0
	root=$(mktemp -d /tmp/hub-jail-user.XXXXXX)
	chmod 755 "$root"
	mkdir -m 755 "$root/cli"
	(
		export HUB_STATE_DIR=$root/state HUB_PORT=$(free_port) HUB_USER=nobody
		export HUB_CONFIG=$root/hub.conf HUB_LOG_FILE=$root/hub.log
		export HUB_URL="http://127.0.0.1:$HUB_PORT"
		unset REDIS_URL
		peek_conf "$root/cli/peek.sh" >"$HUB_CONFIG"
		chmod 644 "$HUB_CONFIG"
		write_peek_cli "$root/cli/peek.sh"
		"$HUB_SRCDIR/hub" serve >"$root/serve.log" 2>&1 3>&- &
		pid=$!
		trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
		wait_for 150 curl -s -o /dev/null "$HUB_URL/health" || { cat "$root/serve.log"; exit 1; }
		out=$(peek_chat)
		echo "$out"
		[[ $out == "UID:$(id -u nobody)"* ]] || exit 1
		[[ $out == *"OWN:own-words"* ]] || exit 1
		# lighttpd, the responders and the private redis-server: none is root
		for p in $(procs_under "$HUB_STATE_DIR" | cut -d' ' -f1); do
			uid=$(awk '/^Uid:/ {m=$2; for (i = 3; i <= 5; i++) if ($i < m) m = $i; print m}' \
				"/proc/$p/status" 2>/dev/null) || continue
			[ -n "$uid" ] || continue
			echo "$p uid $uid $(cat /proc/$p/comm)"
			[ "$uid" -ne 0 ] || exit 1
			n=$((n + 1))
		done
		[ "$n" -ge 4 ] || exit 1   # lighttpd, two responders, redis-server
		curl -s "$HUB_URL/health" | jq -e '.jail == "bubblewrap"' || exit 1
	)
	status=$?
	rm -rf "$root"
	[ "$status" -eq 0 ]
}

@test "root drop: HUB_USER=root is refused" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	run env HUB_USER=root HUB_STATE_DIR="$BATS_TEST_TMPDIR/s" "$HUB_SRCDIR/hub" serve
	[ "$status" -ne 0 ]
	[[ $output == *"does not serve as root"* ]]
}
