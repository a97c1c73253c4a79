# lib.sh - shared by the bench/ scripts (sourced, not run).
#
# Reuses the end-to-end tests' helpers (tests/e2e/helpers.bash): private
# redis-server and `hub serve` on free 127.0.0.1 ports in a private temp
# dir, stopped on exit. Results are appended as tab-separated rows
#   benchmark  metric  value  target  verdict
# to $BENCH_RESULTS (bench/run prints them as a table).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUB_SRCDIR=${HUB_SRCDIR:-$(cd "$BENCH_DIR/.." && pwd)}
HUB_BUILDDIR=${HUB_BUILDDIR:-$HUB_SRCDIR/.hub-build}
case $HUB_BUILDDIR in /*) ;; *) HUB_BUILDDIR=$HUB_SRCDIR/$HUB_BUILDDIR ;; esac
export HUB_SRCDIR HUB_BUILDDIR
BENCH_RESULTS=${BENCH_RESULTS:-/dev/null}
BATS_FILE_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/hub-bench.XXXXXX")
export BATS_FILE_TMPDIR
# shellcheck source=../tests/e2e/helpers.bash
. "$HUB_SRCDIR/tests/e2e/helpers.bash"

LOAD="node $BENCH_DIR/load.mjs"

bench_say() { printf 'bench: %s\n' "$*" >&2; }

[ -x "$HUB_BUILDDIR/hub-fcgi" ] || { bench_say "no build in $HUB_BUILDDIR (run ./hub build)"; exit 1; }

# Stop what the script started (hubs by their saved pids) and remove the dir.
BENCH_HUB_PIDS=()
BENCH_PIDS=()
bench_cleanup() {
	local p
	for p in "${BENCH_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${BENCH_HUB_PIDS[@]}"; do HUB_PID=$p stop_hub; done
	stop_redis
	rm -rf "$BATS_FILE_TMPDIR"
}
trap bench_cleanup EXIT

# bench_redis: the private redis-server as the hub's users get it:
# BENCH_REDIS=unix (the default) on a unix socket, as `./hub run` starts
# its own; BENCH_REDIS=tcp on 127.0.0.1, as a Redis of another host is
# reached. Stopped by bench_cleanup (stop_redis).
bench_redis() {
	if [ "${BENCH_REDIS:-unix}" = tcp ]; then
		start_redis
		return
	fi
	REDIS_DIR=$(mktemp -d "$BATS_FILE_TMPDIR/redis.XXXXXX")
	redis-server --port 0 --unixsocket "$REDIS_DIR/redis.sock" --unixsocketperm 700 --save "" \
		--appendonly no --daemonize no --dir "$REDIS_DIR" >"$REDIS_DIR/redis.log" 2>&1 3>&- &
	REDIS_PID=$!
	export REDIS_URL="unix://$REDIS_DIR/redis.sock"
	wait_for 50 redis-cli -s "$REDIS_DIR/redis.sock" ping
}

# bench_hub NAME: start_hub and remember it for cleanup. The run
# directories go where `./hub run` puts them (a tmpfs at /dev/shm when
# there is one: HUB_RUN_DIR unset) unless the caller sets HUB_RUN_DIR.
bench_hub() {
	if [ -z "${HUB_RUN_DIR+set}" ]; then
		HUB_RUN_DIR_DEFAULT=1 start_hub "$1"
	else
		start_hub "$1"
	fi
	BENCH_HUB_PIDS+=("$HUB_PID")
}

# result BENCH METRIC VALUE TARGET VERDICT
result() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_RESULTS"
	printf 'bench: %-12s %-34s %-14s target %-12s %s\n' "$@" >&2
}

# verdict VALUE OP LIMIT: "met" or "MISSED" (OP: le or ge).
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "" || v == "null") { print "n/a"; exit }
		ok = (op == "le") ? (v + 0 <= l + 0) : (v + 0 >= l + 0); print ok ? "met" : "MISSED" }'
}

# Sum of VmRSS (KiB) of the pids given.
rss_kib() {
	local p s=0 v
	for p in "$@"; do
		v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || v=0
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

# Every responder process (supervisors and workers) of the hub whose state
# dir is $1.
responder_pids() {
	local p
	for p in $(pgrep -x hub-fcgi); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "HUB_STATE_DIR=$1" && echo "$p"
	done
	return 0
}

# wrk at $2 connections for BENCH_WRK_SECONDS on URL $1: prints "RPS P99_MS".
wrk_run() {
	local out
	out=$(wrk -t2 -c"$2" -d"${BENCH_WRK_SECONDS:-10}"s --latency "$1")
	awk '
		/Requests\/sec:/ { rps = $2 }
		/^ +99%/ { v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u)
			ms = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }
		/Non-2xx/ { bad = $NF }
		/Socket errors/ { serr = 1 }
		END { printf "%s %s %s\n", rps, ms, bad + 0 }' <<<"$out"
}

# capture_cli NAME VAR REAL BODY...: what the hub hands its CLI, for a bare
# run of the same binary. Starts a hub (jail off) whose CLI (environment
# variable VAR, e.g. HUB_CLAUDE_CLI) is a recorder in front of REAL, sends
# each BODY once as a chat request, and stops it. Leaves, for the i-th
# run (0, 1, ...), $BATS_FILE_TMPDIR/capture-NAME/run<i>/ with argv0 (the
# arguments, NUL-separated), stdin, env0 (the environment, as env -0), wd
# (a copy of the run's work directory, the parent of the CLI's current
# directory; argv0, env0 and the files in it are rewritten to point into
# it, the original being removed with its request) and cwd (the name of
# the current directory in it: run the CLI in wd/$(cat cwd)).
capture_cli() {
	local name=$1 var=$2 real=$3 dir=$BATS_FILE_TMPDIR/capture-$1 body run wd
	shift 3
	mkdir -p "$dir"
	cat >"$dir/cli" <<-EOF2
	#!/bin/sh
	case "\${1:-}" in --version) exec "$real" "\$@" ;; esac
	i=\$(ls -d "$dir"/run* 2>/dev/null | wc -l)
	out="$dir/run\$i"
	mkdir -p "\$out"
	printf '%s\0' "\$@" >"\$out/argv0"
	env -0 >"\$out/env0"
	dirname "\$PWD" >"\$out/workdir"
	basename "\$PWD" >"\$out/cwd"
	cat >"\$out/stdin"
	cp -a .. "\$out/wd"
	exec "$real" "\$@" <"\$out/stdin"
	EOF2
	chmod 755 "$dir/cli"
	(
		export "$var=$dir/cli" HUB_JAIL=off
		start_hub "capture-$name" || exit 1
		for body in "$@"; do
			curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary "$body" \
				"$HUB_URL/v1/chat/completions"
		done
		# this hub only (stop_hub would also stop this file's Redis)
		kill -TERM "$HUB_PID" 2>/dev/null || true
		wait "$HUB_PID" 2>/dev/null || true
	)
	for run in "$dir"/run*; do
		wd=$(cat "$run/workdir")
		for f in argv0 env0; do
			tr '\0' '\n' <"$run/$f" | sed "s|$wd|$run/wd|g" | tr '\n' '\0' >"$run/$f.new"
			mv "$run/$f.new" "$run/$f"
		done
		# and the files the adapter wrote there (settings naming the directory)
		grep -rlF "$wd" "$run/wd" 2>/dev/null | while read -r f; do sed -i "s|$wd|$run/wd|g" "$f"; done || true
	done
}

# capture_argv RUN: the captured arguments of RUN, one per line (for
# mapfile; no argument holds a newline).
capture_argv() { tr '\0' '\n' <"$1/argv0"; }
