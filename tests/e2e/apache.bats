#!/usr/bin/env bats
# The Apache httpd example (apache/llm-mcp-hub.conf) in front of the two
# responder pools: a private Apache with its own ServerRoot on a free port,
# the responders started the way `hub serve` starts them, a private Redis.

load helpers

APACHE_BIN=${APACHE_BIN:-apache2}
APACHE_MODULES=${APACHE_MODULES:-/usr/lib/apache2/modules}

# Write the private httpd.conf that includes the shipped example.
write_apache_conf() {
	local user_line=""
	# Apache will not serve as root: as root, its children run as www-data,
	# which must reach the sockets and the error pages.
	[ "$(id -u)" -eq 0 ] && user_line="User $APACHE_USER
Group $APACHE_GROUP"
	cat >"$APACHE_DIR/httpd.conf" <<-EOF
	ServerRoot "$APACHE_DIR"
	ServerName 127.0.0.1
	Listen 127.0.0.1:$APACHE_PORT
	PidFile "$APACHE_DIR/httpd.pid"
	DefaultRuntimeDir "$APACHE_DIR"
	ErrorLog "$APACHE_DIR/error.log"
	LogLevel warn
	$user_line
	LoadModule mpm_event_module $APACHE_MODULES/mod_mpm_event.so
	LoadModule authz_core_module $APACHE_MODULES/mod_authz_core.so
	LoadModule alias_module $APACHE_MODULES/mod_alias.so
	LoadModule proxy_module $APACHE_MODULES/mod_proxy.so
	LoadModule proxy_fcgi_module $APACHE_MODULES/mod_proxy_fcgi.so
	StartServers 1
	ServerLimit 2
	ThreadsPerChild 16
	MaxRequestWorkers 32
	Define hub_run_dir $APACHE_DIR/run
	Define hub_errors_dir $APACHE_DIR/errors
	Define hub_max_body_bytes $HUB_MAX_BODY_BYTES
	Define hub_chat_timeout 120
	Include "$HUB_SRCDIR/apache/llm-mcp-hub.conf"
	EOF
}

# One responder pool, as `hub serve` starts it; sets POOL_PID.
start_pool() {
	local name=$1 workers=$2 threads=$3 owner=()
	[ "$(id -u)" -eq 0 ] && owner=(-U "$APACHE_USER")
	rm -f "$APACHE_DIR/run/$name.sock"
	spawn-fcgi -n -s "$APACHE_DIR/run/$name.sock" -M 0600 "${owner[@]}" -- "$HUB_BUILDDIR/hub-fcgi" \
		--workers "$workers" --threads "$threads" 2>>"$HUB_LOG" 3>&- &
	POOL_PID=$!
	wait_for 50 test -S "$APACHE_DIR/run/$name.sock"
}

setup_file() {
	command -v "$APACHE_BIN" >/dev/null 2>&1 && [ -f "$APACHE_MODULES/mod_proxy_fcgi.so" ] ||
		skip "Apache httpd ($APACHE_BIN with mod_proxy_fcgi in $APACHE_MODULES) is not installed; ./hub test installs it"
	use_fake_clis
	export HUB_MAX_BODY_BYTES=65536 HUB_KEEPALIVE_SECONDS=1
	export HUB_STATE_DIR=$BATS_FILE_TMPDIR/state
	export HUB_LOG=$BATS_FILE_TMPDIR/responders.log
	mkdir -p "$HUB_STATE_DIR"
	chmod 700 "$HUB_STATE_DIR"
	start_redis

	# Apache's own tree; outside the bats temp dir, which only its owner may
	# enter, so that Apache's children (www-data under root) reach the sockets.
	APACHE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hub-apache.XXXXXX")
	APACHE_USER=www-data APACHE_GROUP=www-data
	id -u "$APACHE_USER" >/dev/null 2>&1 || APACHE_USER=nobody APACHE_GROUP=nogroup
	chmod 755 "$APACHE_DIR"
	mkdir -p "$APACHE_DIR/run"
	cp -R "$HUB_SRCDIR/lighttpd/errors" "$APACHE_DIR/errors"
	chmod -R a+rX "$APACHE_DIR/errors"

	start_pool quick 1 4
	QUICK_PID=$POOL_PID
	start_pool chat 1 16
	CHAT_PID=$POOL_PID
	start_pool stream 1 32
	STREAM_PID=$POOL_PID

	APACHE_PORT=$(free_port)
	write_apache_conf
	"$APACHE_BIN" -d "$APACHE_DIR" -f "$APACHE_DIR/httpd.conf" -DFOREGROUND \
		>"$APACHE_DIR/stdout.log" 2>&1 3>&- &
	APACHE_PID=$!
	HUB_URL="http://127.0.0.1:$APACHE_PORT"
	wait_for 100 curl -s -o /dev/null "$HUB_URL/health" || {
		cat "$APACHE_DIR/stdout.log" "$APACHE_DIR/error.log" >&2
		return 1
	}
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL APACHE_DIR APACHE_PID QUICK_PID CHAT_PID STREAM_PID
}

# Stop $1 and wait until it is gone.
stop_pid() {
	[ -n "${1:-}" ] || return 0
	kill -TERM "$1" 2>/dev/null || true
	wait_for 100 sh -c "! kill -0 $1 2>/dev/null" || kill -KILL "$1" 2>/dev/null || true
}

teardown_file() {
	stop_pid "${APACHE_PID:-}"
	stop_pid "${CHAT_PID:-}"
	stop_pid "${STREAM_PID:-}"
	stop_pid "${QUICK_PID:-}"
	stop_redis
	[ -n "${APACHE_DIR:-}" ] && rm -rf "$APACHE_DIR"
	true
}

@test "apache: GET /health answers 200 with JSON from the quick pool" {
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$HUB_URL/health"
	[ "$output" = 200 ]
	grep -qi '^Content-Type: application/json' "$BATS_TEST_TMPDIR/h"
	jq -e '.status == "ok" and .components.redis.status == "ok"' "$BATS_TEST_TMPDIR/b"
}

@test "apache: an unknown path is the hub's 404 envelope, with the path from REQUEST_URI" {
	out=$(http "$HUB_URL/no/such/thing?x=1&y=2")
	[ "$(status_of "$out")" = 404 ]
	body=$(body_of "$out")
	jq -e '.error.message and .error.type and (.error | has("param")) and .error.code == "not_found"' <<<"$body"
	# the responder split path and query itself: no query in the path
	jq -e '.error.message | endswith("/no/such/thing")' <<<"$body"
}

@test "apache: a wrong method is the hub's 405 envelope with Allow" {
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -X DELETE "$HUB_URL/health"
	[ "$output" = 405 ]
	grep -qi '^Allow: GET' "$BATS_TEST_TMPDIR/h"
	[ "$(jq -r .error.code "$BATS_TEST_TMPDIR/b")" = method_not_allowed ]
}

@test "apache: the query string reaches the responder (sessions list limit)" {
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$HUB_URL/v1/sessions?limit=0"
	[ "$output" = 400 ]
	[ "$(jq -r .error.param "$BATS_TEST_TMPDIR/b")" = limit ]
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$HUB_URL/v1/sessions?limit=1"
	[ "$output" = 200 ]
	jq -e '.data | length <= 1' "$BATS_TEST_TMPDIR/b"
}

@test "apache: a chat completion through the fake claude CLI on the chat pool" {
	run curl -s -D "$BATS_TEST_TMPDIR/h" -H 'Content-Type: application/json' \
		--data-binary '{"model":"sonnet","messages":[{"role":"user","content":"hello"}]}' \
		"$HUB_URL/v1/chat/completions"
	[ "$status" -eq 0 ]
	jq -e '.object == "chat.completion" and .choices[0].message.content == "Hello from fake claude."' <<<"$output"
	grep -qi '^X-Session-ID: [A-Za-z0-9_-]\{22\}' "$BATS_TEST_TMPDIR/h"
	sid=$(grep -i '^X-Session-ID:' "$BATS_TEST_TMPDIR/h" | tr -d '\r' | awk '{print $2}')
	# the conversation is readable through the quick pool
	out=$(http "$HUB_URL/v1/sessions/$sid")
	[ "$(status_of "$out")" = 200 ]
	jq -e '.message_count == 2' <<<"$(body_of "$out")"
}

@test "apache: the Responses and Messages surfaces through their ProxyPass lines, streamed" {
	run curl -s -N -H 'Content-Type: application/json' \
		--data-binary '{"model":"sonnet","stream":true,"input":"hello"}' "$HUB_URL/v1/responses"
	[ "$status" -eq 0 ]
	grep -q '^event: response.completed' <<<"$output"
	[ "$(grep '^data: ' <<<"$output" | sed 's/^data: //' | jq -rs '[.[] | select(.type == "response.output_text.delta") | .delta] | join("")')" = "Hello from fake claude." ]
	run curl -s -N -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01' \
		--data-binary '{"model":"sonnet","max_tokens":20,"stream":true,"messages":[{"role":"user","content":"hello"}]}' "$HUB_URL/v1/messages"
	[ "$status" -eq 0 ]
	grep -q '^event: message_stop' <<<"$output"
	out=$(http -H 'Content-Type: application/json' --data-binary '{"model":"sonnet","messages":[]}' "$HUB_URL/v1/messages")
	[ "$(status_of "$out")" = 400 ]
	jq -e '.type == "error" and .error.type == "invalid_request_error"' <<<"$(body_of "$out")"
}

@test "apache: an empty or blank X-Session-ID is 400, never taken for no session" {
	local body='{"model":"sonnet","messages":[{"role":"user","content":"hello"}]}' value reply
	# curl drops a header with a blank value: write the request by hand
	for value in '' '   '; do
		exec 5<>"/dev/tcp/127.0.0.1/${HUB_URL##*:}"
		printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nX-Session-ID:%s\r\nContent-Length: %d\r\n\r\n%s' \
			"$value" "${#body}" "$body" >&5
		reply=$(cat <&5)
		exec 5<&-
		[[ $reply == "HTTP/1.1 400 "* ]] || { echo "[$value] $reply"; false; }
		[[ $reply == *'"param":"X-Session-ID"'* ]]
	done
}

@test "apache: a rebinding Host is 403 (mod_proxy_fcgi passes the client's Host)" {
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H 'Host: rebind.evil.example' "$HUB_URL/v1/sessions"
	[ "$output" = 403 ]
	jq -e '.error.code == "forbidden"' "$BATS_TEST_TMPDIR/b"
}

@test "apache: SSE arrives chunk by chunk, the first before the CLI writes the last" {
	body=$(jq -cn '{model:"sonnet",stream:true,messages:[{role:"user",content:"go [[fake:chunks=4]] [[fake:slow=700]]"}]}')
	start=$(date +%s%N)
	first="" last="" done=""
	while IFS= read -r line; do
		now=$(( ($(date +%s%N) - start) / 1000000 ))
		if [[ "$line" == *'"content":"'[^\"]* ]] && [[ "$line" != *'"role"'* ]]; then
			[ -n "$first" ] || first=$now
			last=$now
		fi
		[ "$line" = "data: [DONE]" ] && done=1
	done < <(curl -s -N -H 'Content-Type: application/json' --data-binary "$body" "$HUB_URL/v1/chat/completions")
	echo "first content after ${first} ms, last after ${last} ms"
	[ -n "$first" ] && [ -n "$done" ]
	# 4 deltas 700 ms apart: buffered, they would all arrive together
	[ $(( last - first )) -gt 1500 ]
}

@test "apache: a body over HUB_MAX_BODY_BYTES gets Apache's 413 as the JSON envelope" {
	head -c 200000 /dev/zero | tr '\0' 'a' >"$BATS_TEST_TMPDIR/big"
	for path in /v1/chat/completions /v1/providers; do
		run curl -s -o "$BATS_TEST_TMPDIR/b" -D "$BATS_TEST_TMPDIR/h" -w '%{http_code}' \
			-H 'Content-Type: application/json' --data-binary @"$BATS_TEST_TMPDIR/big" "$HUB_URL$path"
		[ "$output" = 413 ]
		grep -qi '^Content-Type: application/json' "$BATS_TEST_TMPDIR/h"
		jq -e '.error.code == "http_413" and (.error.message | test("limit")) and (.error | has("param"))' "$BATS_TEST_TMPDIR/b"
	done
	# refused by Apache: the responders never saw these requests
	! grep -q '"status":413' "$HUB_LOG"
}

@test "apache: a chunked body is refused with 411 JSON, never passed on without its length" {
	run curl -s -o "$BATS_TEST_TMPDIR/b" -D "$BATS_TEST_TMPDIR/h" -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
		-H 'Content-Type: application/json' --data-binary '{"model":"sonnet","messages":[{"role":"user","content":"x"}]}' \
		"$HUB_URL/v1/chat/completions"
	[ "$output" = 411 ]
	grep -qi '^Content-Type: application/json' "$BATS_TEST_TMPDIR/h"
	jq -e '.error.code == "http_411" and .error.type == "invalid_request_error"' "$BATS_TEST_TMPDIR/b"
	# the same body with its length goes through
	run curl -s -o "$BATS_TEST_TMPDIR/b2" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary '{"model":"sonnet","messages":[{"role":"user","content":"x"}]}' "$HUB_URL/v1/chat/completions"
	[ "$output" = 200 ] || { echo "got $output"; cat "$BATS_TEST_TMPDIR/b2"; false; }
}

@test "apache: TRACE is refused with a JSON 405, and answers carry no Vary from the body checks" {
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -X TRACE "$HUB_URL/health"
	[ "$output" = 405 ]
	jq -e '.error.code == "http_405"' "$BATS_TEST_TMPDIR/b"
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o /dev/null "$HUB_URL/health"
	! grep -qi '^Vary:.*Content-Length' "$BATS_TEST_TMPDIR/h"
}

@test "apache: GET /sse is served by the stream pool: 20 open streams (more than the 16 chat threads) leave chats free" {
	local pids=() i n
	for i in $(seq 1 20); do
		curl -s -N --max-time 30 "$HUB_URL/sse" >"$BATS_TEST_TMPDIR/sse.$i" 2>/dev/null &
		pids+=($!)
	done
	n=0
	for _ in $(seq 1 100); do
		n=$(grep -l '^data: /messages?sessionId=' "$BATS_TEST_TMPDIR"/sse.* 2>/dev/null | wc -l)
		[ "$n" -ge 20 ] && break
		sleep 0.1
	done
	# 8 chats at once: each needs a chat thread, none is held by a stream
	local cp=()
	for i in $(seq 1 8); do
		curl -s -o "$BATS_TEST_TMPDIR/chat.$i" -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
			--data-binary '{"model":"sonnet","messages":[{"role":"user","content":"hi [[fake:slow=300]]"}]}' \
			"$HUB_URL/v1/chat/completions" >"$BATS_TEST_TMPDIR/code.$i" &
		cp+=($!)
	done
	wait "${cp[@]}" || true
	kill "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
	[ "$n" -ge 20 ]
	for i in $(seq 1 8); do [ "$(cat "$BATS_TEST_TMPDIR/code.$i")" = 200 ]; done
}

@test "apache: a non-streaming client that gives up: its CLI's process group is gone within 1 s" {
	body=$(jq -cn '{messages:[{role:"user",content:"x [[fake:hang]] [[fake:grandchild]]"}]}')
	curl -s -o /dev/null -m 2 -H 'Content-Type: application/json' --data-binary "$body" \
		"$HUB_URL/v1/chat/completions" &
	client=$!
	group=
	for i in $(seq 1 50); do
		p=$(find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$HUB_STATE_DIR/*" 2>/dev/null | head -n 1)
		[ -n "$p" ] && group=$(awk '{ sub(/^.*\) /, ""); print $3 }' "${p%/cwd}/stat" 2>/dev/null)
		[ -n "$group" ] && break
		sleep 0.1
	done
	wait "$client" || true
	left=$(date +%s%N)
	echo "CLI process group: $group"
	[ -n "$group" ]
	while cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$group" '{ sub(/^.*\) /, "") } $1 != "Z" && $3 == g { f = 1 } END { exit !f }'; do
		[ $(( ($(date +%s%N) - left) / 1000000 )) -lt 1500 ] || break
		sleep 0.05
	done
	ms=$(( ($(date +%s%N) - left) / 1000000 ))
	echo "group gone ${ms} ms after the client left"
	[ "$ms" -lt 1000 ]
}

@test "apache: no chat responder: 503 with the JSON envelope, /health unaffected" {
	stop_pid "$CHAT_PID"
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' \
		-H 'Content-Type: application/json' \
		--data-binary '{"model":"sonnet","messages":[{"role":"user","content":"x"}]}' "$HUB_URL/v1/chat/completions"
	[ "$output" = 503 ]
	grep -qi '^Content-Type: application/json' "$BATS_TEST_TMPDIR/h"
	jq -e '.error.code == "http_503" and .error.type == "server_error"' "$BATS_TEST_TMPDIR/b"
	run curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/health"
	[ "$output" = 200 ]
}
