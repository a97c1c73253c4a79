#!/usr/bin/env bash
# leftovers.sh BUILDDIR - run by `make check` after the tests: fails when a
# process started by the test suite still runs. Every test runs with
# HUB_TEST_SUITE=BUILDDIR in its environment (AM_TESTS_ENVIRONMENT), and so
# does everything it starts (redis-server, lighttpd, responders, fake
# upstreams). Those found are listed, then stopped, so that one failed run
# does not spoil the next.
set -u
mark="HUB_TEST_SUITE=${1:?usage: leftovers.sh BUILDDIR}"

# pids carrying the mark, or left in the removed temp dir of a finished bats
# run (redis-server overwrites its environment with its process title, so
# its mark cannot be read; it works in a directory below that temp dir),
# except this script and its ancestors
found() {
	local p pid env cwd ancestors=" " a=$$ ppid
	while [ -n "$a" ] && [ "$a" != 0 ]; do
		ancestors="$ancestors$a "
		read -r _ _ _ ppid _ <"/proc/$a/stat" 2>/dev/null || break
		a=$ppid
	done
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		case $ancestors in *" $pid "*) continue ;; esac
		cwd=$(readlink "$p/cwd" 2>/dev/null) || cwd=
		case $cwd in */bats-run-*" (deleted)") echo "$pid"; continue ;; esac
		mapfile -d "" env 2>/dev/null <"$p/environ" || continue
		case " ${env[*]} " in *" $mark "*) echo "$pid" ;; esac
	done
}

# give the last test's teardown a moment to finish
for i in $(seq 1 30); do
	pids=$(found)
	[ -z "$pids" ] && exit 0
	sleep 0.1
done
echo "leftovers.sh: processes started by the test suite are still running:" >&2
for pid in $pids; do
	printf '  %s %s (cwd %s)\n' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" \
		"$(readlink "/proc/$pid/cwd" 2>/dev/null)" >&2
done
kill -TERM $pids 2>/dev/null
sleep 2
pids=$(found)
[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
exit 1
