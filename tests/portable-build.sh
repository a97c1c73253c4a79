#!/usr/bin/env bash
# portable-build.sh - prove the POSIX fallbacks a macOS build of hub-mcp
# uses: configure a build with every Linux-only call forced off
# (--disable-linux-extras) and warnings as errors, build it, check that
# the binaries reference none of those calls, and run the child-process
# and MCP unit tests and the stdio end-to-end tests against it.
#
#   tests/portable-build.sh     (HUB_PORTABLE_BUILDDIR: the build directory;
#                                default .hub-build-portable)
set -euo pipefail

HUB_SRCDIR=${HUB_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
dir=${HUB_PORTABLE_BUILDDIR:-$HUB_SRCDIR/.hub-build-portable}

say() { echo "portable-build: $*"; }
fail() { echo "portable-build: FAIL: $*" >&2; exit 1; }

if [ ! -x "$HUB_SRCDIR/configure" ] || [ "$HUB_SRCDIR/configure.ac" -nt "$HUB_SRCDIR/configure" ]; then
	(cd "$HUB_SRCDIR" && autoreconf -fi >/dev/null 2>&1) || fail "autoreconf"
fi
mkdir -p "$dir"
if ! grep -q -- '--disable-linux-extras' "$dir/config.status" 2>/dev/null; then
	say "configure --disable-linux-extras --enable-werror in $dir"
	(cd "$dir" && "$HUB_SRCDIR/configure" -q --disable-linux-extras --enable-werror) || fail "configure"
fi

# The switch took: none of the Linux-only facilities is configured in.
for macro in HAVE_CLONE HAVE_PIPE2 HAVE_EVENTFD HAVE_GETRANDOM HAVE_CLOSE_RANGE HAVE_SYS_PRCTL_H \
	HAVE_SIGTIMEDWAIT HAVE_EXPLICIT_BZERO; do
	! grep -q "^#define $macro 1" "$dir/config.h" || fail "$macro is still defined"
done
for decl in CLONE_VFORK PR_SET_PDEATHSIG POLLRDHUP SYS_PIDFD_OPEN; do
	grep -q "^#define HAVE_DECL_$decl 0" "$dir/config.h" || fail "HAVE_DECL_$decl is not 0"
done

say "make (all programs, unit tests)"
make -s -C "$dir" -j"$(nproc)" >/dev/null || fail "build"
make -s -C "$dir" -j"$(nproc)" tests/unit/test_child tests/unit/test_workdir \
	tests/unit/test_session_id tests/unit/test_mcp >/dev/null || fail "build of the unit tests"

# hub-mcp calls none of them (hub-fcgi stays Linux-only: it asks the
# kernel's sock_diag netlink about the client's TCP connection). syscall()
# stays for the rt_sigaction reset (see configure.ac).
if used=$(nm -u "$dir/hub-mcp" | grep -Ew '(clone|clone3|pipe2|eventfd|getrandom|prctl|close_range|sigtimedwait|explicit_bzero)(@.*)?$'); then
	fail "hub-mcp still links Linux-only calls: $(echo $used)"
fi
say "hub-mcp links none of clone, pipe2, eventfd, getrandom, prctl, close_range, sigtimedwait, explicit_bzero"

say "unit tests"
# As ./hub test: a failed test runs once more (make recheck) and fails the
# step only if it fails again; both runs are printed (docs/TESTING.md).
units='tests/unit/test_child tests/unit/test_workdir tests/unit/test_session_id tests/unit/test_mcp'
if ! make -s -C "$dir" check TESTS="$units" >/dev/null 2>&1; then
	grep -h '^not ok\|^#' "$dir"/tests/unit/test_*.log >&2 || true
	say "unit tests: running the failed ones once more"
	make -s -C "$dir" recheck TESTS="$units" >/dev/null 2>&1 ||
		{ grep -h '^not ok\|^#' "$dir"/tests/unit/test_*.log >&2 || true; fail "unit tests"; }
fi
say "stdio end-to-end tests"
HUB_BUILDDIR=$dir bats "$HUB_SRCDIR/tests/e2e/mcp_stdio.bats" || fail "mcp_stdio.bats"
say "ok"
