#!/usr/bin/env bash
# run.sh - build the libFuzzer harnesses with clang and run each for a
# bounded time. Fails on any crash, leak, hang (-timeout) or memory blow-up.
#
#   tests/fuzz/run.sh [--build-only] [NAME...]     (NAME: chat_request, mcp, ...)
#
# Environment: HUB_BUILDDIR (a configured build; its config.h is used,
# default .hub-build), FUZZ_SECONDS per harness (default 30), FUZZ_JOBS
# harnesses at once (default 1), CLANG (default clang). Binaries, the
# growing corpora and crash artifacts go to $HUB_BUILDDIR/fuzz; the seed
# corpora in tests/fuzz/corpus/NAME are only read.
set -euo pipefail

HUB_SRCDIR=${HUB_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HUB_BUILDDIR=${HUB_BUILDDIR:-$HUB_SRCDIR/.hub-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_JOBS=${FUZZ_JOBS:-1}
CLANG=${CLANG:-clang}
out=$HUB_BUILDDIR/fuzz
build_only=0

say() { printf 'fuzz: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "${1:-}" = --build-only ] && { build_only=1; shift; }
[ -f "$HUB_BUILDDIR/config.h" ] || die "no configured build in $HUB_BUILDDIR (run ./hub build first)"
command -v "$CLANG" >/dev/null 2>&1 || die "$CLANG not found (Debian: apt-get install clang)"

# The sources each harness is linked with, besides the shared ones.
declare -A extra=(
	[chat_request]="fcgi/chat_params.c common/hub_config.c"
	[responses_request]="fcgi/responses_params.c fcgi/chat_params.c common/hub_config.c"
	[messages_request]="fcgi/messages_params.c fcgi/chat_params.c common/hub_config.c"
	[claude_stream]="providers/claude_stream.c"
	[gemini_stream]="providers/gemini_stream.c"
	[codex_stream]="providers/codex_stream.c"
	[pty_clean]="providers/pty_clean.c"
	[session_id]="session/session_id.c"
	[redis_url]="session/redis_url.c"
	[query]="fcgi/http.c session/session_id.c"
	[router]="fcgi/router.c"
	[mcp]="mcp-stdio/mcp.c"
)
common="common/hub_error.c common/hub_buf.c common/hub_lines.c common/hub_json.c common/hub_text.c common/hub_log.c common/hub_time.c common/hub_os.c"
all=(chat_request responses_request messages_request claude_stream gemini_stream codex_stream pty_clean session_id redis_url query router)
[ -f "$HUB_SRCDIR/mcp-stdio/mcp.c" ] && all+=(mcp)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")

cflags=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=undefined -I"$HUB_SRCDIR" -I"$HUB_BUILDDIR"
	-DHUB_VERSION=\"fuzz\" $(pkg-config --cflags json-c))
libs=($(pkg-config --libs json-c) -lfcgi -pthread)

mkdir -p "$out/bin" "$out/corpus" "$out/artifacts"
for n in "${names[@]}"; do
	[ -n "${extra[$n]:-}" ] || die "unknown harness: $n"
	srcs=("$HUB_SRCDIR/tests/fuzz/fuzz_$n.c")
	for f in $common ${extra[$n]}; do srcs+=("$HUB_SRCDIR/$f"); done
	"$CLANG" "${cflags[@]}" -o "$out/bin/fuzz_$n" "${srcs[@]}" "${libs[@]}" ||
		die "building fuzz_$n failed"
done
say "built ${names[*]} in $out/bin"
[ "$build_only" -eq 1 ] && exit 0

# Run one harness; its log goes to $out/NAME.log.
run_one() {
	local n=$1 seeds=$HUB_SRCDIR/tests/fuzz/corpus/$1 work=$out/corpus/$1 rc=0
	mkdir -p "$work"
	[ -d "$seeds" ] || seeds=
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$out/bin/fuzz_$n" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$out/artifacts/$n-" \
		"$work" $seeds >"$out/$n.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		say "FAIL fuzz_$n (exit $rc); last lines of $out/$n.log:"
		tail -n 40 "$out/$n.log" >&2
		return 1
	fi
	printf 'fuzz: ok   fuzz_%-14s %s\n' "$n" \
		"$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$out/$n.log" | grep -Eo '[0-9]+$' | sed 's/$/ runs/')"
}
export -f run_one say
export out HUB_SRCDIR FUZZ_SECONDS

printf '%s\n' "${names[@]}" | xargs -P "$FUZZ_JOBS" -I{} bash -c 'run_one "$1"' _ {} ||
	die "a fuzz harness failed (artifacts in $out/artifacts)"
say "all ${#names[@]} harnesses ran ${FUZZ_SECONDS}s each without a finding"
