#!/usr/bin/env bash
# valgrind.sh - run the C unit tests under valgrind memcheck, through
# automake's test harness (the same TAP driver as `make check`). Any
# memory error or definite/indirect leak fails the test.
#
#   tests/valgrind.sh            (HUB_BUILDDIR: a configured, non-sanitizer
#                                 build; default .hub-build)
set -euo pipefail

HUB_SRCDIR=${HUB_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
HUB_BUILDDIR=${HUB_BUILDDIR:-$HUB_SRCDIR/.hub-build}

command -v valgrind >/dev/null 2>&1 || { echo "valgrind.sh: valgrind not found (Debian: apt-get install valgrind)" >&2; exit 1; }
[ -f "$HUB_BUILDDIR/Makefile" ] || { echo "valgrind.sh: no configured build in $HUB_BUILDDIR" >&2; exit 1; }
if grep -q '^SAN_CFLAGS = -f' "$HUB_BUILDDIR/Makefile"; then
	echo "valgrind.sh: $HUB_BUILDDIR is a sanitizer build; valgrind needs a plain one" >&2
	exit 1
fi

# The per-test command: memcheck, quiet unless it finds something. Children
# the tests fork (test_child runs real processes) are not traced.
wrapper=$HUB_BUILDDIR/tests/valgrind-run
mkdir -p "$HUB_BUILDDIR/tests"
cat >"$wrapper" <<'WRAP'
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--child-silent-after-fork=yes --trace-children=no "$@"
WRAP
chmod +x "$wrapper"

make -s -C "$HUB_BUILDDIR" check TESTS='$(UNIT_TESTS)' LOG_COMPILER="$wrapper" \
	TEST_SUITE_LOG=valgrind-suite.log
