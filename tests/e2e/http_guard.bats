#!/usr/bin/env bats
# DNS rebinding, cross-site requests and input validation
# (docs/SECURITY.md): every endpoint refuses a foreign Host or Origin with
# 403 in its surface's error format; JSON endpoints refuse other media
# types with 415; CORS headers only for configured origins; invalid UTF-8,
# NULs, bad model names and invalid JSON-RPC messages get 400; /health
# shows the CLIs' paths only with a client key.

load helpers

setup_file() {
	use_fake_clis
	export KEY=sk-hub-guard-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	export HUB_API_KEYS="guard:$KEY"
	export HUB_ALLOWED_HOSTS="hub.example.com, .internal.example"
	export HUB_ALLOWED_ORIGINS="https://app.example.com"
	export HUB_MCP_ALLOWED_ORIGINS="https://legacy.example.com"
	export HUB_MAX_BODY_BYTES=65536
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

# Every route (and an unknown path), as "METHOD PATH".
ENDPOINTS=(
	"GET /health" "GET /health/tokens" "GET /v1/providers" "GET /v1/models"
	"POST /v1/chat/completions" "GET /v1/sessions" "GET /v1/sessions/s1"
	"DELETE /v1/sessions/s1" "GET /v1/sessions/s1/memory" "GET /metrics"
	"POST /mcp" "GET /mcp" "DELETE /mcp" "GET /sse" "POST /messages?sessionId=abc"
	"GET /no/such/path" "OPTIONS /v1/chat/completions"
)

# req METHOD PATH [curl args...]: with the key and a JSON body for POST;
# body in $BATS_TEST_TMPDIR/b, headers in .../h, prints the status.
req() {
	local method=$1 path=$2; shift 2
	local data=()
	[ "$method" = POST ] && data=(--data-binary '{"jsonrpc":"2.0","id":1,"method":"ping"}')
	curl -s -m 10 -o "$BATS_TEST_TMPDIR/b" -D "$BATS_TEST_TMPDIR/h" -w '%{http_code}' -X "$method" \
		-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' "${data[@]}" "$@" "$HUB_URL$path"
}

# The body of the last req is the error of its surface: JSON-RPC on the
# MCP paths, the OpenAI envelope elsewhere; $1 the path, $2 the REST code.
surface_error() {
	case $1 in
	/mcp*|/sse*|/messages*) jq -e '.jsonrpc == "2.0" and .id == null and .error.code == -32000' "$BATS_TEST_TMPDIR/b" ;;
	*) jq -e --arg c "$2" '.error.code == $c and .error.type == "invalid_request_error"' "$BATS_TEST_TMPDIR/b" ;;
	esac
}

# chat BODY [curl args...] with the key; prints the status.
chat_status() {
	local body=$1; shift
	curl -s -o "$BATS_TEST_TMPDIR/b" -D "$BATS_TEST_TMPDIR/h" -w '%{http_code}' \
		-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$@" \
		--data-binary "$body" "$HUB_URL/v1/chat/completions"
}

# mcp BODY [curl args...]: POST /mcp with the key; prints the status.
mcp() {
	local body=$1; shift
	curl -s -o "$BATS_TEST_TMPDIR/b" -D "$BATS_TEST_TMPDIR/h" -w '%{http_code}' \
		-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' "$@" --data-binary "$body" "$HUB_URL/mcp"
}

@test "every endpoint answers 403 to a rebinding Host, in its surface's error format" {
	local e
	for e in "${ENDPOINTS[@]}"; do
		set -- $e
		[ "$(req "$1" "$2" -H "Host: rebind.evil.example:$HUB_PORT")" = 403 ] || { echo "$e"; cat "$BATS_TEST_TMPDIR/b"; false; }
		surface_error "${2%%\?*}" forbidden || { echo "$e"; cat "$BATS_TEST_TMPDIR/b"; false; }
	done
	# without a key too: the Host check comes before authentication
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: rebind.evil.example' "$HUB_URL/v1/sessions")" = 403 ]
}

@test "the web server's own errors (the error handler path) check the Host too" {
	head -c 100000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	[ "$(curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $KEY" --data-binary @"$BATS_TEST_TMPDIR/big" "$HUB_URL/v1/chat/completions")" = 413 ]
	[ "$(curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H 'Content-Type: application/json' \
		-H 'Host: rebind.evil.example' --data-binary @"$BATS_TEST_TMPDIR/big" "$HUB_URL/v1/chat/completions")" = 403 ]
	jq -e '.error.code == "forbidden"' "$BATS_TEST_TMPDIR/b"
}

@test "loopback names and HUB_ALLOWED_HOSTS entries pass the Host check; look-alikes do not" {
	local h
	for h in "localhost:$HUB_PORT" "127.0.0.1:$HUB_PORT" "[::1]:$HUB_PORT" "LocalHost" \
		hub.example.com "HUB.example.com:443" a.internal.example internal.example:8080; do
		[ "$(req GET /v1/models -H "Host: $h")" = 200 ] || { echo "$h"; false; }
	done
	for h in hub.example.com.evil.example xhub.example.com localhost.evil.example \
		badinternal.example "127.0.0.1.evil.example"; do
		[ "$(req GET /v1/models -H "Host: $h")" = 403 ] || { echo "$h"; false; }
	done
}

@test "every endpoint answers 403 to a foreign Origin, and to Origin: null" {
	local e o
	for e in "${ENDPOINTS[@]}"; do
		set -- $e
		for o in "http://rebind.evil.example:$HUB_PORT" null; do
			[ "$(req "$1" "$2" -H "Origin: $o")" = 403 ] || { echo "$e $o"; cat "$BATS_TEST_TMPDIR/b"; false; }
			surface_error "${2%%\?*}" forbidden || { echo "$e $o"; false; }
			! grep -qi '^Access-Control-' "$BATS_TEST_TMPDIR/h"
		done
	done
}

@test "CORS headers go only to configured origins (HUB_ALLOWED_ORIGINS and its alias)" {
	local o
	for o in https://app.example.com https://legacy.example.com; do
		[ "$(req GET /v1/models -H "Origin: $o")" = 200 ]
		grep -qi "^Access-Control-Allow-Origin: $o" "$BATS_TEST_TMPDIR/h"
		grep -qi '^Vary: Origin' "$BATS_TEST_TMPDIR/h"
		grep -qi '^Access-Control-Expose-Headers:.*Mcp-Session-Id' "$BATS_TEST_TMPDIR/h"
	done
	# a loopback page (the MCP Inspector) is served, but gets no CORS headers
	[ "$(req GET /v1/models -H 'Origin: http://localhost:6274')" = 200 ]
	! grep -qi '^Access-Control-' "$BATS_TEST_TMPDIR/h"
	[ "$(req GET /v1/models)" = 200 ]
	! grep -qi '^Access-Control-' "$BATS_TEST_TMPDIR/h"
	# the CORS headers go with errors too, so that the page can read them
	[ "$(req GET /v1/sessions/nosuch -H 'Origin: https://app.example.com')" = 404 ]
	grep -qi '^Access-Control-Allow-Origin: https://app.example.com' "$BATS_TEST_TMPDIR/h"
}

@test "OPTIONS preflight: 204 for a configured origin, 403 for any other, before authentication" {
	run curl -s -o /dev/null -D - -w '%{http_code}' -X OPTIONS -H 'Origin: https://app.example.com' \
		-H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: authorization, content-type, x-stainless-os' \
		"$HUB_URL/v1/chat/completions"
	[ "${lines[-1]}" = 204 ]
	grep -qi '^Access-Control-Allow-Origin: https://app.example.com' <<<"$output"
	grep -qi '^Access-Control-Allow-Methods: POST' <<<"$output"
	grep -qi '^Access-Control-Allow-Headers: authorization, content-type, x-stainless-os' <<<"$output"
	run curl -s -o /dev/null -D - -w '%{http_code}' -X OPTIONS -H 'Origin: https://app.example.com' "$HUB_URL/mcp"
	[ "${lines[-1]}" = 204 ]
	grep -qi '^Access-Control-Allow-Methods: .*POST' <<<"$output"
	grep -qi '^Access-Control-Allow-Methods: .*DELETE' <<<"$output"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: http://localhost:3000' "$HUB_URL/v1/chat/completions")" = 403 ]
	[ "$(curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -X OPTIONS -H 'Origin: https://evil.example' "$HUB_URL/mcp")" = 403 ]
	jq -e '.error.code == -32000' "$BATS_TEST_TMPDIR/b"
	run curl -s -o /dev/null -D - -w '%{http_code}' -X OPTIONS "$HUB_URL/v1/sessions/s1"
	[ "${lines[-1]}" = 204 ]
	grep -qi '^Allow: OPTIONS, GET, DELETE' <<<"$output"
	! grep -qi '^Access-Control-' <<<"$output"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: https://app.example.com' "$HUB_URL/no/such")" = 401 ]
}

@test "JSON endpoints answer 415 to any other media type, or none, in their surface's format" {
	local path ct
	for path in /v1/chat/completions /mcp "/messages?sessionId=abc"; do
		for ct in text/plain application/x-www-form-urlencoded multipart/form-data application/json-patch+json \
			"application/json; charset=latin1" ""; do
			[ "$(curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
				-H "Content-Type: $ct" -H 'Accept: application/json, text/event-stream' \
				--data-binary '{"model":"sonnet","messages":[{"role":"user","content":"x"}]}' "$HUB_URL$path")" = 415 ] ||
				{ echo "$path [$ct]"; cat "$BATS_TEST_TMPDIR/b"; false; }
			case $path in
			/v1/*) jq -e '.error.code == "unsupported_media_type"' "$BATS_TEST_TMPDIR/b" ;;
			*) jq -e '.jsonrpc == "2.0" and .error.code == -32000' "$BATS_TEST_TMPDIR/b" ;;
			esac
		done
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
		-H 'Content-Type: Application/JSON; charset=UTF-8' \
		--data-binary '{"model":"sonnet","messages":[{"role":"user","content":"hi"}]}' "$HUB_URL/v1/chat/completions")" = 200 ]
}

@test "invalid UTF-8 anywhere in a body: 400, and nothing is stored" {
	local bad
	for bad in $'\xff' $'\xc0\xaf' $'\xed\xa0\x80' $'\xf4\x90\x80\x80' $'h\xc3'; do
		[ "$(chat_status "{\"model\":\"sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"a${bad}b\"}]}" \
			-H 'X-Session-ID: utf8-bad')" = 400 ] || { printf '%q\n' "$bad"; false; }
		jq -e '.error.message | test("UTF-8")' "$BATS_TEST_TMPDIR/b"
	done
	[ "$(chat_status $'{"model":"sonnet","messages":[{"role":"user","content":"x"}],"us\xffer":"a"}')" = 400 ]
	[ "$(req GET /v1/sessions/utf8-bad)" = 404 ]
	[ "$(mcp $'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"\xff"}}')" = 400 ]
	jq -e '.error.code == -32700' "$BATS_TEST_TMPDIR/b"
	# valid UTF-8 comes back as valid JSON
	[ "$(chat_status '{"model":"sonnet","messages":[{"role":"user","content":"héllo € 😀 [[fake:echo]]"}]}' -H 'X-Session-ID: utf8-good')" = 200 ]
	[ "$(req GET /v1/sessions/utf8-good)" = 200 ]
	jq -e '.messages[0].content | test("😀")' "$BATS_TEST_TMPDIR/b"
}

@test "a NUL inside model, provider, role, content or an MCP name: 400, never cut" {
	local body
	for body in '{"model":"sonnet\u0000-x","messages":[{"role":"user","content":"x"}]}' \
		'{"provider":"claude\u0000","messages":[{"role":"user","content":"x"}]}' \
		'{"messages":[{"role":"user\u0000","content":"x"}]}' \
		'{"messages":[{"role":"user","content":"a\u0000b"}]}' \
		'{"messages":[{"role":"user","content":"x"}],"user\u0000":"x"}'; do
		[ "$(chat_status "$body")" = 400 ] || { echo "$body"; cat "$BATS_TEST_TMPDIR/b"; false; }
		jq -e '.error.message | test("NUL")' "$BATS_TEST_TMPDIR/b"
	done
	[ "$(mcp '{"jsonrpc":"2.0","id":1,"method":"ping\u0000"}')" = 400 ]
	jq -e '.error.code == -32700' "$BATS_TEST_TMPDIR/b"
}

@test "one model-name validator: an option, a newline or a space never reaches a CLI" {
	local m
	for m in '-p' '--tools=Bash' $'sonnet\n--x' 'son net' '.x' 'a;b' 'm/../x'; do
		[ "$(chat_status "$(jq -cn --arg m "$m" '{model:$m,messages:[{role:"user",content:"x"}]}')")" = 400 ] ||
			{ printf '%q\n' "$m"; false; }
		jq -e '.error.param == "model"' "$BATS_TEST_TMPDIR/b"
	done
	for m in sonnet 'opus[1m]' 'claude-sonnet-4@20250514' gemini-2.5-flash; do
		[ "$(chat_status "$(jq -cn --arg m "$m" '{model:$m,messages:[{role:"user",content:"x"}]}')")" != 400 ] ||
			{ echo "$m"; cat "$BATS_TEST_TMPDIR/b"; false; }
	done
	# the adapters check it too: the MCP chat tool reaches them with no request validator
	[ "$(mcp '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}')" = 200 ]
	local sid; sid=$(tr -d '\r' <"$BATS_TEST_TMPDIR/h" | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')
	for m in '-p' $'x\n--y'; do
		for p in claude gemini; do
			mcp "$(jq -cn --arg m "$m" --arg p "$p" '{jsonrpc:"2.0",id:2,method:"tools/call",params:{name:"chat",arguments:{message:"x",provider:$p,model:$m}}}')" \
				-H "Mcp-Session-Id: $sid" >/dev/null
			sed -n 's/^data: //p' "$BATS_TEST_TMPDIR/b" | tail -n 1 |
				jq -e '.result.isError == true and (.result.content[0].text | test("model"))' ||
				{ printf '%s %q\n' "$p" "$m"; cat "$BATS_TEST_TMPDIR/b"; false; }
		done
	done
}

@test "MCP over HTTP: method 5, a nested batch and [] get -32600, with a session or without" {
	local body sid
	for body in '{"jsonrpc":"2.0","id":1,"method":5}' '{"jsonrpc":"2.0","method":5}' '[]' \
		'[[{"jsonrpc":"2.0","id":1,"method":"ping"}]]'; do
		[ "$(mcp "$body")" = 400 ] || { echo "$body"; cat "$BATS_TEST_TMPDIR/b"; false; }
		jq -e 'if type == "array" then .[0] else . end | .error.code == -32600' "$BATS_TEST_TMPDIR/b"
	done
	[ "$(mcp '[]')" = 400 ] && jq -e 'type == "object"' "$BATS_TEST_TMPDIR/b"
	for version in 2025-11-25 2025-03-26; do
		[ "$(mcp "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"$version\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}")" = 200 ]
		sid=$(tr -d '\r' <"$BATS_TEST_TMPDIR/h" | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')
		[ -n "$sid" ]
		for body in '{"jsonrpc":"2.0","id":1,"method":5}' '{"jsonrpc":"2.0","method":5}' '[]' \
			'[[{"jsonrpc":"2.0","id":1,"method":"ping"}]]'; do
			[ "$(mcp "$body" -H "Mcp-Session-Id: $sid")" = 400 ] || { echo "$version $body"; cat "$BATS_TEST_TMPDIR/b"; false; }
			jq -e 'if type == "array" then .[0] else . end | .error.code == -32600' "$BATS_TEST_TMPDIR/b"
		done
		[ "$(mcp '{"jsonrpc":"2.0","method":"notifications/initialized"}' -H "Mcp-Session-Id: $sid")" = 202 ]
	done
}

@test "MCP over stdio: method 5, a nested batch, [] and invalid UTF-8 get their errors" {
	run bash -c "printf '%s\n' '{\"jsonrpc\":\"2.0\",\"method\":5}' '[]' \
		'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}' \
		'[[1]]' '{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"x\":\"'$'\xff''\"}' \
		'{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"chat\\u0000\"}}' |
		'$HUB_BUILDDIR/hub-mcp' 2>/dev/null"
	echo "$output"
	[ "${#lines[@]}" -eq 6 ]
	jq -e '.id == null and .error.code == -32600' <<<"${lines[0]}"
	jq -e '.id == null and .error.code == -32600' <<<"${lines[1]}"
	jq -e '.id == 1 and .result.protocolVersion == "2025-03-26"' <<<"${lines[2]}"
	jq -e 'type == "array" and .[0].error.code == -32600' <<<"${lines[3]}"
	jq -e '.error.code == -32700' <<<"${lines[4]}"
	jq -e '.error.code == -32700' <<<"${lines[5]}"
}

@test "/health shows the CLIs' paths only to a request with a valid key; /v1/providers needs one" {
	run curl -s "$HUB_URL/health"
	jq -e '.status == "ok" and .components.providers.claude.cli_found == true' <<<"$output"
	jq -e '[.components.providers[] | has("cli")] | any | not' <<<"$output"
	[[ $output != *fake-claude* && $output != *fake-gemini* ]]
	run curl -s -H 'Authorization: Bearer sk-hub-not-a-key-0000000000' "$HUB_URL/health"
	jq -e '.status == "ok"' <<<"$output"
	[[ $output != *fake-claude* ]]
	run curl -s -H "Authorization: Bearer $KEY" "$HUB_URL/health"
	jq -e --arg p "$(realpath "$HUB_CLAUDE_CLI")" '.components.providers.claude.cli == $p' <<<"$output"
	# each thread keeps its answer's text: the keyed and the open one apart
	for i in $(seq 1 12); do
		curl -s -H "Authorization: Bearer $KEY" "$HUB_URL/health" | grep -q fake-claude
		! curl -s "$HUB_URL/health" | grep -q fake-claude
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/providers")" = 401 ]
}

@test "a blank X-Session-ID is never taken for no session (lighttpd drops it; the hub refuses what it sees)" {
	# lighttpd passes no blank header to FastCGI, so here it is absent;
	# apache.bats shows the 400 where the web server passes it on
	[ "$(chat_status '{"model":"sonnet","messages":[{"role":"user","content":"x"}]}' -H 'X-Session-ID: bad id')" = 400 ]
	jq -e '.error.param == "X-Session-ID"' "$BATS_TEST_TMPDIR/b"
}

@test "hub-fcgi --check-config warns when HUB_BIND is public and HUB_ALLOWED_HOSTS is unset" {
	run env -u HUB_ALLOWED_HOSTS HUB_BIND=0.0.0.0 "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -eq 0 ]
	[[ $output == *"warning: HUB_BIND=0.0.0.0"*HUB_ALLOWED_HOSTS* ]]
	run env HUB_ALLOWED_HOSTS=hub.example.com HUB_BIND=0.0.0.0 "$HUB_BUILDDIR/hub-fcgi" --check-config
	[[ $output != *warning* ]]
	run env -u HUB_ALLOWED_HOSTS HUB_BIND=127.0.0.1 "$HUB_BUILDDIR/hub-fcgi" --check-config
	[[ $output != *warning* ]]
	run env HUB_ALLOWED_HOSTS='a"b' "$HUB_BUILDDIR/hub-fcgi" --check-config
	[ "$status" -eq 1 ]
	[[ $output == *HUB_ALLOWED_HOSTS* ]]
}
