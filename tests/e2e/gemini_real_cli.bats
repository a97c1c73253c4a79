#!/usr/bin/env bats
# gemini_real_cli.bats - the REAL Gemini CLI (@google/gemini-cli, pinned in
# providers/install-clis.sh) through the adapter, against the local fake
# Code Assist server tests/upstream/fake-codeassist.mjs.
#
# The CLI is pointed at the fake with CODE_ASSIST_ENDPOINT and authenticated
# by the test route GOOGLE_GENAI_USE_GCA=true + GOOGLE_CLOUD_ACCESS_TOKEN
# (the adapter passes these two only while CODE_ASSIST_ENDPOINT is set), so
# it makes no call to Google's OAuth servers. The credentials-file tests
# instead give it an oauth_creds.json and let the same fake act as an HTTPS
# proxy (HTTPS_PROXY) that answers for oauth2.googleapis.com with a
# certificate from a throw-away test CA (NODE_EXTRA_CA_CERTS).

bats_require_minimum_version 1.5.0
load gemini_helpers

# A test CA and a leaf certificate for Google's OAuth hosts, in $1.
make_test_ca() {
	mkdir -p "$1" && (
		cd "$1" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=llm-mcp-hub test CA" &&
		openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr \
			-subj "/CN=oauth2.googleapis.com" &&
		printf 'subjectAltName=DNS:oauth2.googleapis.com,DNS:www.googleapis.com\nbasicConstraints=CA:FALSE\n' >ext &&
		openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem \
			-days 2 -extfile ext
	) >/dev/null 2>&1
}

setup_file() {
	make_test_ca "$BATS_FILE_TMPDIR/tls" || skip "openssl could not make a test CA"
	FAKE_TLS_CERT="$BATS_FILE_TMPDIR/tls/leaf.pem" FAKE_TLS_KEY="$BATS_FILE_TMPDIR/tls/leaf.key" \
		start_real_gemini_on_fake_upstream
}

teardown_file() { stop_fake_upstream upstream; }
setup() { use_real_gemini; }

@test "real gemini: the reply streams chunk by chunk; the upstream saw no tools" {
	local start
	start=$(date +%s%N)
	"$PROVIDER_RUN" gemini <<<"$(one_msg 'Say hello [[upstream:slow=400]]')" 2>"$BATS_TEST_TMPDIR/err" |
		while IFS= read -r line; do
			echo "$(( ($(date +%s%N) - start) / 1000000 )) $line"
		done >"$BATS_TEST_TMPDIR/timed"
	cat "$BATS_TEST_TMPDIR/timed"
	final=$(tail -n 1 "$BATS_TEST_TMPDIR/timed" | cut -d' ' -f2-)
	[ "$(field .err)" = 0 ]
	[ "$(field .text)" = "Hello from the fake upstream." ]
	[ "$(grep -c ' {"delta"' "$BATS_TEST_TMPDIR/timed")" -ge 4 ]
	first=$(grep ' {"delta"' "$BATS_TEST_TMPDIR/timed" | head -n 1 | cut -d' ' -f1)
	last=$(grep ' {"delta"' "$BATS_TEST_TMPDIR/timed" | tail -n 1 | cut -d' ' -f1)
	echo "first delta at $first ms, last at $last ms"
	# the chunks are 400 ms apart upstream: the first arrived well before the last
	[ $((last - first)) -ge 800 ]
	reqs=$(generate_requests)
	[ "$(jq length <<<"$reqs")" -eq 1 ]
	jq -e '.[0].body.request.tools == null or ([.[0].body.request.tools[].functionDeclarations // [] | length] | add // 0) == 0' <<<"$reqs"
	assert_no_leftovers
}

@test "real gemini: a 300 KB prompt arrives whole; system messages become the system instruction" {
	# starts with a letter: a prompt starting with '/' is rendered (it would be
	# a slash command to the CLI), which random base64 does once in 64 runs
	{ printf 'A'; head -c 300000 /dev/urandom | base64 -w 0 | head -c 299999; } >"$BATS_TEST_TMPDIR/big"
	drive "$(jq -cn --rawfile c "$BATS_TEST_TMPDIR/big" \
		'{messages:[{role:"system",content:"You are a terse test assistant."},{role:"user",content:$c}]}')"
	[ "$status" -eq 0 ]
	reqs=$(generate_requests)
	last_part=$(jq -r '.[0].body.request.contents[-1].parts[-1].text' <<<"$reqs")
	[ "${#last_part}" -eq 300000 ]
	[ "$last_part" = "$(cat "$BATS_TEST_TMPDIR/big")" ]
	[ "$(jq -r '.[0].body.request.systemInstruction.parts[0].text' <<<"$reqs")" = "You are a terse test assistant." ]
}

@test "real gemini: history is sent as one rendered prompt with every turn" {
	drive '{"messages":[{"role":"user","content":"my name is Ada"},{"role":"assistant","content":"Hello Ada."},{"role":"user","content":"what is my name?"}]}'
	[ "$status" -eq 0 ]
	text=$(generate_requests | jq -r '.[0].body.request.contents[-1].parts[-1].text')
	echo "$text"
	grep -q 'my name is Ada' <<<"$text"
	grep -q 'Hello Ada.' <<<"$text"
	grep -q 'what is my name?' <<<"$text"
}

@test "real gemini: 401 from the upstream is an authentication error" {
	curl -s --noproxy '*' -X POST -d '{"mode":"401"}' "$UPSTREAM/_mode" >/dev/null
	drive "$(one_msg 'hello')"
	[ "$(field .err_code)" = provider_auth_failed ]
	! grep -q "$GOOGLE_CLOUD_ACCESS_TOKEN" <<<"$output$stderr"
	assert_no_leftovers
}

@test "real gemini: a daily-quota 429 is a rate limit within seconds" {
	local start end
	start=$(date +%s)
	drive "$(one_msg 'hello [[upstream:429]]')"
	end=$(date +%s)
	echo "$final"
	[ "$(field .err_code)" = rate_limit_exceeded ]
	[ "$(field .retry_after_s)" -gt 3600 ]
	[ $((end - start)) -le 8 ]
	assert_no_leftovers
}

@test "real gemini: a hanging upstream ends in a timeout at the deadline, no process left" {
	export HUB_GEMINI_TIMEOUT=5
	local pid start end
	start=$(date +%s%N)
	"$PROVIDER_RUN" gemini >"$BATS_TEST_TMPDIR/out" 2>/dev/null <<<"$(one_msg 'hello [[upstream:hang]]')" &
	pid=$!
	sleep 1
	child=$(ps -o pid= --ppid "$pid" | head -n 1 | tr -d ' ')
	wait "$pid" || true
	end=$(date +%s%N)
	final=$(tail -n 1 "$BATS_TEST_TMPDIR/out")
	[ "$(field .err_code)" = provider_timeout ]
	ms=$(( (end - start) / 1000000 ))
	echo "took $ms ms"
	[ "$ms" -ge 4900 ] && [ "$ms" -lt 8000 ]
	[ -n "$child" ]
	! kill -0 "$child" 2>/dev/null
	assert_no_leftovers
}

@test "real gemini: time of one call (spawn to exit) with an instant upstream" {
	local call start end
	for call in 1 2 3; do
		start=$(date +%s%N)
		drive "$(one_msg "hello $call")"
		end=$(date +%s%N)
		[ "$status" -eq 0 ]
		echo "# call $call: $(( (end - start) / 1000000 )) ms (first token $(field .first_token_ms) ms)" >&3
	done
}

# Switch from the access-token test route to the oauth_creds.json route:
# an expired credentials file at GEMINI_AUTH_PATH, Google through the proxy.
use_creds_file() {
	unset GOOGLE_GENAI_USE_GCA GOOGLE_CLOUD_ACCESS_TOKEN
	export HTTPS_PROXY="$UPSTREAM" NO_PROXY=127.0.0.1
	export NODE_EXTRA_CA_CERTS="$BATS_FILE_TMPDIR/tls/ca.pem"
	AUTH="$BATS_TEST_TMPDIR/auth/oauth_creds.json"
	mkdir -p "${AUTH%/*}"
	printf '{"access_token":"ya29.expired-%s","refresh_token":"1//test-refresh-%s","scope":"https://www.googleapis.com/auth/cloud-platform","token_type":"Bearer","expiry_date":1000}\n' \
		"$RANDOM" "$RANDOM" >"$AUTH"
	chmod 600 "$AUTH"
	export GEMINI_AUTH_PATH="$AUTH"
}

@test "real gemini: a token the CLI refreshes is written back to GEMINI_AUTH_PATH" {
	use_creds_file
	rt=$(jq -r .refresh_token "$AUTH")
	drive "$(one_msg 'hello')"
	[ "$status" -eq 0 ]
	[ "$(field .text)" = "Hello from the fake upstream." ]
	# the CLI refreshed through Google's token endpoint (the fake, via the proxy)
	curl -s --noproxy '*' "$UPSTREAM/_requests" | jq -e '[.[] | select(.path == "/token" and .grant_type == "refresh_token")] | length == 1'
	jq -e '.access_token | startswith("ya29.fake-refreshed-")' "$AUTH"
	[ "$(jq -r .refresh_token "$AUTH")" = "$rt" ]
	[ "$(jq -r .expiry_date "$AUTH")" -gt "$(( $(date +%s) * 1000 ))" ]
	[ "$(stat -c %a "$AUTH")" = 600 ]
	! grep -q "$rt" <<<"$output$stderr"
	assert_no_leftovers
	# the next run uses the refreshed token: no second refresh
	curl -s --noproxy '*' -X POST "$UPSTREAM/_reset" >/dev/null
	drive "$(one_msg 'hello again')"
	[ "$status" -eq 0 ]
	curl -s --noproxy '*' "$UPSTREAM/_requests" | jq -e '[.[] | select(.path == "/token")] | length == 0'
}

@test "real gemini: concurrent refreshes leave one valid credentials file" {
	use_creds_file
	local n pids=()
	for n in 1 2 3 4; do
		"$PROVIDER_RUN" gemini >"$BATS_TEST_TMPDIR/out$n" 2>/dev/null <<<"$(one_msg "hello $n")" &
		pids+=($!)
	done
	for n in "${pids[@]}"; do wait "$n"; done
	for n in 1 2 3 4; do
		[ "$(tail -n 1 "$BATS_TEST_TMPDIR/out$n" | jq -r .err)" = 0 ]
	done
	jq -e '(.access_token | startswith("ya29.fake-refreshed-")) and (.refresh_token | startswith("1//test-refresh-"))' "$AUTH"
}

@test "real gemini: a refused refresh (invalid_grant) is an authentication error" {
	use_creds_file
	before=$(cat "$AUTH")
	curl -s --noproxy '*' -X POST -d '{"mode":"oauth-invalid-grant"}' "$UPSTREAM/_mode" >/dev/null
	drive "$(one_msg 'hello')"
	echo "$final"
	[ "$(field .err_code)" = provider_auth_failed ]
	[ "$(cat "$AUTH")" = "$before" ]
	assert_no_leftovers
}
