# helpers.bash - shared set-up for the bats end-to-end tests.
#
# Every test file starts its own redis-server and hub (lighttpd + responders
# through `hub serve`) on free 127.0.0.1 ports in a private temp dir, and
# stops them in teardown. Nothing depends on a service already running.

HUB_SRCDIR=${HUB_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
# Every process this test file starts carries the file's own mark in its
# environment: at the end of the file (stop_redis and stop_hub in
# teardown_file) whatever still runs with it is stopped, also after a
# failed test that left a second hub or a restarted Redis behind.
# (make check marks the whole suite with HUB_TEST_SUITE the same way, and
# tests/leftovers.sh fails the suite if anything is left after it.)
export HUB_TEST_FILE=${BATS_FILE_TMPDIR:-}
HUB_BUILDDIR=${HUB_BUILDDIR:-$HUB_SRCDIR/.hub-build}
export HUB_SRCDIR HUB_BUILDDIR
PATH=$PATH:/usr/sbin

# A free TCP port on 127.0.0.1.
free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Wait until "$@" succeeds, up to $1 tenths of a second.
wait_for() {
	local tries=$1; shift
	while [ "$tries" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# start_redis: a private redis-server; sets REDIS_PORT, REDIS_PID, REDIS_URL.
# REDIS_EXTRA_ARGS: more options for it (split on spaces).
start_redis() {
	REDIS_DIR=${REDIS_DIR:-$(mktemp -d "$BATS_FILE_TMPDIR/redis.XXXXXX")}
	REDIS_PORT=${REDIS_PORT:-$(free_port)}
	# shellcheck disable=SC2086
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
		--daemonize no --dir "$REDIS_DIR" ${REDIS_EXTRA_ARGS:-} >"$REDIS_DIR/redis.log" 2>&1 3>&- &
	REDIS_PID=$!
	export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
	wait_for 50 redis-cli -p "$REDIS_PORT" ping
}

# Stop the private redis-server and wait until it is gone (its pid may
# belong to another bats process, so wait(1) alone is not enough).
stop_redis() {
	stop_file_leftovers_at_end
	[ -n "${REDIS_PID:-}" ] || return 0
	kill -TERM "$REDIS_PID" 2>/dev/null || true
	wait "$REDIS_PID" 2>/dev/null || true
	wait_for 50 sh -c "! kill -0 $REDIS_PID 2>/dev/null" || kill -KILL "$REDIS_PID" 2>/dev/null || true
	REDIS_PID=
}

# start_hub [NAME]: `hub serve` with its state in a private dir; sets
# HUB_URL, HUB_PID, HUB_STATE_DIR, HUB_LOG.
start_hub() {
	local name=${1:-hub}
	export HUB_STATE_DIR=$BATS_FILE_TMPDIR/$name-state
	export HUB_PORT=$(free_port)
	export HUB_LOG_FILE=$BATS_FILE_TMPDIR/$name.log
	export HUB_QUICK_WORKERS=${HUB_QUICK_WORKERS:-1} HUB_CHAT_WORKERS=${HUB_CHAT_WORKERS:-1}
	export HUB_QUICK_THREADS=${HUB_QUICK_THREADS:-4} HUB_CHAT_THREADS=${HUB_CHAT_THREADS:-16}
	export HUB_STREAM_WORKERS=${HUB_STREAM_WORKERS:-1} HUB_STREAM_THREADS=${HUB_STREAM_THREADS:-16}
	# warm children sit in the state directory between requests: the tests
	# that count what is left there run cold; warm.bats runs them warm
	export HUB_WARM_CHILDREN=${HUB_WARM_CHILDREN:-0} HUB_WARM_HISTORY=${HUB_WARM_HISTORY:-0}
	# the CLIs' run directories in the state dir, where the tests look for
	# what is left, unless HUB_RUN_DIR is set; HUB_RUN_DIR_DEFAULT=1: unset,
	# as a user's `hub serve` has it (run_dir.bats tests its tmpfs default)
	local run_env=()
	if [ -n "${HUB_RUN_DIR_DEFAULT:-}" ]; then
		run_env=(-u HUB_RUN_DIR)
	elif [ -z "${HUB_RUN_DIR+set}" ]; then
		run_env=("HUB_RUN_DIR=$HUB_STATE_DIR")
	fi
	HUB_LOG=$HUB_LOG_FILE
	env "${run_env[@]}" "$HUB_SRCDIR/hub" serve >"$BATS_FILE_TMPDIR/$name.serve.log" 2>&1 3>&- &
	HUB_PID=$!
	HUB_URL="http://127.0.0.1:$HUB_PORT"
	wait_for 100 curl -s -o /dev/null "$HUB_URL/health" || {
		cat "$BATS_FILE_TMPDIR/$name.serve.log" >&2
		return 1
	}
}

# The directory `hub serve` makes for the CLIs' runs on /dev/shm when
# HUB_RUN_DIR is unset, for the state dir $1 (default: HUB_STATE_DIR).
default_run_base() {
	printf '/dev/shm/llm-mcp-hub-%s-%s' "$(id -u)" "$(printf %s "${1:-$HUB_STATE_DIR}" | cksum | cut -d' ' -f1)"
}

# Where the current hub makes the CLIs' runs: HUB_RUN_DIR, else the
# default on /dev/shm when it exists, else HUB_STATE_DIR.
hub_run_base() {
	if [ -n "${HUB_RUN_DIR:-}" ]; then
		printf '%s' "$HUB_RUN_DIR"
	elif [ -d "$(default_run_base)" ]; then
		default_run_base
	else
		printf '%s' "$HUB_STATE_DIR"
	fi
}

stop_hub() {
	stop_file_leftovers_at_end
	[ -n "${HUB_PID:-}" ] || return 0
	kill -TERM "$HUB_PID" 2>/dev/null || true
	wait "$HUB_PID" 2>/dev/null || true
	wait_for 100 sh -c "! kill -0 $HUB_PID 2>/dev/null" || kill -KILL "$HUB_PID" 2>/dev/null || true
	HUB_PID=
}

# Processes started for the hub whose state is in $1: those with
# HUB_STATE_DIR=$1 in their environment, or $1 on their command line.
procs_under() {
	local p self=$$
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$self" ] && continue
		if tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qx "HUB_STATE_DIR=$1" ||
		   tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "$1"; then
			case $(cat "$p/comm" 2>/dev/null) in
			bats*|bash|sh|pgrep|grep|tr|cat|sleep|curl) ;;
			*) printf '%s %s\n' "${p#/proc/}" "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" ;;
			esac
		fi
	done
}

# curl that prints the body, then the status on the last line.
http() {
	curl -s -w '\n%{http_code}' "$@"
}

# The status (last line) and body (the rest) of http's output.
status_of() { printf '%s\n' "$1" | tail -n 1; }
body_of() { printf '%s\n' "$1" | sed '$d'; }

# The Node client libraries (openai, MCP SDK) in tests/node, installed once.
ensure_node_clients() {
	[ -d "$HUB_SRCDIR/tests/node/node_modules/openai" ] &&
		[ -d "$HUB_SRCDIR/tests/node/node_modules/@modelcontextprotocol/sdk" ] &&
		[ -d "$HUB_SRCDIR/tests/node/node_modules/@modelcontextprotocol/client" ] &&
		[ -d "$HUB_SRCDIR/tests/node/node_modules/@modelcontextprotocol/inspector" ] && return 0
	(cd "$HUB_SRCDIR/tests/node" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1)
}

# Use the fake provider CLIs from the build.
use_fake_clis() {
	export HUB_CLAUDE_CLI=$HUB_BUILDDIR/tests/fakes/fake-claude
	export HUB_GEMINI_CLI=$HUB_BUILDDIR/tests/fakes/fake-gemini
	export CLAUDE_CODE_OAUTH_TOKEN=test-oauth-token-not-real
	export GEMINI_AUTH_PATH=$BATS_FILE_TMPDIR/oauth_creds.json
	printf '{"access_token":"ya29.test","refresh_token":"1//test","token_type":"Bearer","expiry_date":%s}\n' \
		"$(( ($(date +%s) + 86400) * 1000 ))" >"$GEMINI_AUTH_PATH"
	chmod 600 "$GEMINI_AUTH_PATH"
}

# POST a chat request body ($1) with optional extra curl args.
chat() {
	local body=$1; shift
	curl -s -H 'Content-Type: application/json' "$@" --data-binary "$body" "$HUB_URL/v1/chat/completions"
}

# Provider children of the hub whose state is in $1: processes whose
# working directory is one of the private per-request directories below it.
# One find for all of /proc (a readlink per process is too slow on a busy
# machine to catch a child that lives a second).
cli_children_under() {
	local p
	for p in $(find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$1/*" 2>/dev/null); do
		p=${p#/proc/}
		echo "${p%/cwd}"
	done
	return 0
}

# pids of every process whose parent is $1
children_of() {
	local p ppid
	for p in /proc/[0-9]*/stat; do
		read -r _ _ _ ppid _ <"$p" 2>/dev/null || continue
		[ "$ppid" = "$1" ] && { p=${p#/proc/}; echo "${p%/stat}"; }
	done
	return 0
}

# pids of $1's children, grandchildren... (a jailed CLI runs below bwrap)
descendants_of() {
	local c
	for c in $(children_of "$1"); do
		echo "$c"
		descendants_of "$c"
	done
}

# Wait (up to $2 tenths of a second, default 50) for a child of $1 to
# appear; print its pid.
wait_child_of() {
	local i c
	for i in $(seq 1 "${2:-50}"); do
		c=$(children_of "$1" | head -n 1)
		[ -n "$c" ] && { echo "$c"; return 0; }
		sleep 0.1
	done
	return 1
}

# pids of the running processes that carry this file's mark, or whose
# working directory is below this file's temp dir (redis-server overwrites
# its environment with its process title, so its mark cannot be read; its
# --dir is below the temp dir), except this shell, its ancestors and bats'
# own processes.
file_leftovers() {
	local p pid env cwd ancestors=" " a=$$ ppid
	[ -n "${HUB_TEST_FILE:-}" ] || return 0
	while [ -n "$a" ] && [ "$a" != 0 ]; do
		ancestors="$ancestors$a "
		read -r _ _ _ ppid _ <"/proc/$a/stat" 2>/dev/null || break
		a=$ppid
	done
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		case $ancestors in *" $pid "*) continue ;; esac
		case $(cat "$p/comm" 2>/dev/null) in bats*) continue ;; esac
		cwd=$(readlink "$p/cwd" 2>/dev/null) || cwd=
		case $cwd in "$HUB_TEST_FILE"/*) echo "$pid"; continue ;; esac
		mapfile -d "" env 2>/dev/null <"$p/environ" || continue
		case " ${env[*]} " in *" HUB_TEST_FILE=$HUB_TEST_FILE "*) echo "$pid" ;; esac
	done
}

# Called by stop_redis and stop_hub: at the end of the file only (in
# teardown_file, outside any test), stop everything the file started that
# still runs: SIGTERM, up to 5 s, then SIGKILL.
stop_file_leftovers_at_end() {
	local pids i
	[ -z "${BATS_TEST_NAME:-}" ] || return 0
	pids=$(file_leftovers)
	[ -n "$pids" ] || return 0
	kill -TERM $pids 2>/dev/null || true
	for i in $(seq 1 50); do
		pids=$(file_leftovers)
		[ -z "$pids" ] && return 0
		sleep 0.1
	done
	kill -KILL $pids 2>/dev/null || true
}

# start_redis_and_hub: a private Redis and hub, their variables exported
# for the tests; stop_hub_and_redis stops both.
start_redis_and_hub() {
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

stop_hub_and_redis() {
	stop_hub
	stop_redis
}

# The Node client libraries of tests/node including the Anthropic and
# Agents SDKs, installed once.
ensure_sdk_clients() {
	ensure_node_clients
	[ -d "$HUB_SRCDIR/tests/node/node_modules/@anthropic-ai/sdk" ] &&
		[ -d "$HUB_SRCDIR/tests/node/node_modules/@openai/agents" ] && return 0
	(cd "$HUB_SRCDIR/tests/node" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1)
}

# start_fake_upstream NAME SCRIPT [ARG...]: node tests/upstream/SCRIPT,
# which prints the free 127.0.0.1 port it listens on; its port, pid and log
# go to $BATS_FILE_TMPDIR/NAME.port, NAME.pid and NAME.log.
# fake_upstream_url NAME is its address; stop_fake_upstream NAME stops it.
start_fake_upstream() {
	local name=$1 script=$2 dir=$BATS_FILE_TMPDIR
	shift 2
	node "$HUB_SRCDIR/tests/upstream/$script" "$@" >"$dir/$name.port" 2>"$dir/$name.log" 3>&- &
	echo $! >"$dir/$name.pid"
	wait_for 50 test -s "$dir/$name.port"
}

fake_upstream_url() {
	echo "http://127.0.0.1:$(head -n 1 "$BATS_FILE_TMPDIR/$1.port")"
}

stop_fake_upstream() {
	local pid
	pid=$(cat "$BATS_FILE_TMPDIR/$1.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || true
}

# real_cli NAME: the path of the pinned real CLI NAME (claude, gemini,
# codex), installed once into providers/install-clis.sh's cache; empty when
# it could not be installed (why: in $BATS_FILE_TMPDIR/install.log).
real_cli() {
	"$HUB_SRCDIR/providers/install-clis.sh" "$1" 2>>"$BATS_FILE_TMPDIR/install.log" | tail -n 1
}

# use_real_clis_on_fake_upstreams: the pinned real CLIs (REAL_CLAUDE and
# REAL_GEMINI, empty when they could not be installed; why in
# $BATS_FILE_TMPDIR/install.log) pointed at the fake Messages API and Code
# Assist server (tests/upstream/, started here on free ports: ANTHROPIC_UP,
# CODEASSIST_UP) with test credentials. stop_fake_upstreams stops them.
use_real_clis_on_fake_upstreams() {
	REAL_CLAUDE=$(real_cli claude) || REAL_CLAUDE=
	REAL_GEMINI=$(real_cli gemini) || REAL_GEMINI=
	start_fake_upstream anthropic fake-anthropic.mjs 0
	start_fake_upstream codeassist fake-codeassist.mjs
	ANTHROPIC_UP=$(fake_upstream_url anthropic)
	CODEASSIST_UP=$(fake_upstream_url codeassist)
	export ANTHROPIC_UP CODEASSIST_UP
	export HUB_CLAUDE_CLI=$REAL_CLAUDE HUB_GEMINI_CLI=$REAL_GEMINI REAL_CLAUDE REAL_GEMINI
	export CLAUDE_CODE_OAUTH_TOKEN="sk-ant-oat01-http-test-$RANDOM$RANDOM"
	export ANTHROPIC_BASE_URL=$ANTHROPIC_UP
	# Gemini's test route (providers/gemini.c): the fake Code Assist server
	# and a fake access token, so that no Google server is needed.
	export CODE_ASSIST_ENDPOINT=$CODEASSIST_UP GOOGLE_GENAI_USE_GCA=true
	export GOOGLE_CLOUD_ACCESS_TOKEN="fake-access-token-$RANDOM"
	export HUB_CLAUDE_TIMEOUT=60 HUB_GEMINI_TIMEOUT=60
	unset GEMINI_AUTH_PATH HUB_CONFIG ANTHROPIC_API_KEY ANTHROPIC_AUTH_TOKEN
}

stop_fake_upstreams() {
	stop_fake_upstream anthropic
	stop_fake_upstream codeassist
}

# In setup, after use_real_clis_on_fake_upstreams: fail (not skip) when a
# real CLI is missing, and forget what the fake upstreams recorded.
reset_fake_upstreams() {
	if [ -z "$REAL_CLAUDE" ] || [ -z "$REAL_GEMINI" ]; then
		echo "the pinned CLIs could not be installed: $(tail -n 5 "$BATS_FILE_TMPDIR/install.log")" >&2
		return 1
	fi
	curl -s -X POST "$ANTHROPIC_UP/_reset" >/dev/null
	curl -s -X POST "$CODEASSIST_UP/_reset" >/dev/null
}

# The drivers of one provider adapter (tests/fakes/provider-run), for the
# *_cli.bats files; they need bats_require_minimum_version 1.5.0.

# one_msg TEXT: a conversation of one user message, as JSON.
one_msg() {
	jq -cn --arg c "$1" '{messages:[{role:"user",content:$c}]}'
}

# drive_provider NAME CONV [ARG...]: provider-run NAME on the conversation
# CONV; sets $status, $output, $stderr and $final (the last line of output).
drive_provider() {
	local name=$1 conv=$2
	shift 2
	run --separate-stderr "$HUB_BUILDDIR/tests/fakes/provider-run" "$name" "$@" <<<"$conv"
	final=$(printf '%s\n' "$output" | tail -n 1)
}

# field JQ: the field JQ of $final, raw.
field() { jq -r "$1" <<<"$final"; }

# Fails, naming them, when runs left anything below $HUB_STATE_DIR's
# per-request directories.
assert_no_leftovers() {
	local left
	left=$(find "$HUB_STATE_DIR" -mindepth 2 2>/dev/null)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
}
