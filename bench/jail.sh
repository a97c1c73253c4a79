#!/usr/bin/env bash
# jail.sh - what the bubblewrap jail (providers/jail.c) adds to a request.
#
# The same instantly-answering fake CLI run BENCH_N times through the
# Claude adapter (tests/fakes/provider-run) with HUB_JAIL=off and with
# HUB_JAIL=required; the adapter's own duration_ms (spawn to reap, work
# directory included, the start-up probe not) gives the cost per request.
# Also: a bare `true` with and without the jail's bwrap (sub-millisecond
# view of bwrap alone), and the real CLIs' own start-up (`--version`) when
# they are installed, for scale.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

n=${BENCH_N:-200}
msg='{"messages":[{"role":"user","content":"hi [[fake:chunks=1]]"}]}'
use_fake_clis
command -v bwrap >/dev/null 2>&1 || { bench_say "bwrap is not installed"; exit 1; }
export HUB_STATE_DIR=$BATS_FILE_TMPDIR/state
mkdir -p "$HUB_STATE_DIR"

run_adapter() {
	printf '%s' "$msg" | HUB_JAIL=$1 $LOAD spawn "$n" "$HUB_BUILDDIR/tests/fakes/provider-run" claude
}
bench_say "jail: $n runs of the fake claude without and with the jail"
off=$(run_adapter off)
on=$(run_adapter required)
for v in off on; do bench_say "$v ${!v}"; done
[ "$(jq .errors <<<"$off")" = 0 ] && [ "$(jq .errors <<<"$on")" = 0 ] ||
	bench_say "WARNING: errors in the jail runs"
for q in p50 p95; do
	a=$(jq -n --argjson a "$on" --argjson b "$off" "\$a.inner.$q - \$b.inner.$q")
	result jail "adapter $q off / jailed (ms)" "$(jq .inner.$q <<<"$off") / $(jq .inner.$q <<<"$on")" "-" "-"
	result jail "added per request $q (ms)" "$a" "<= 10" "$(verdict "$a" le 10)"
done

# bwrap alone around /bin/true, with the jail's flags (see providers/jail.c)
wd=$BATS_FILE_TMPDIR/wd
mkdir -p "$wd"
jail_flags=(--unshare-user --disable-userns --unshare-pid --unshare-ipc --unshare-uts
	--unshare-cgroup-try --die-with-parent --cap-drop ALL --ro-bind /usr /usr)
for d in /bin /sbin /lib /lib32 /lib64 /libx32; do
	if [ -L "$d" ]; then jail_flags+=(--symlink "$(readlink "$d")" "$d")
	elif [ -d "$d" ]; then jail_flags+=(--ro-bind "$d" "$d"); fi
done
jail_flags+=(--ro-bind-try /etc/resolv.conf /etc/resolv.conf --ro-bind-try /etc/ssl/certs /etc/ssl/certs
	--dev /dev --proc /proc --tmpfs /tmp --bind "$wd" "$wd" --chdir "$wd"
	--ro-bind "$HUB_BUILDDIR/hub-jail-exec" /run/hub/jail-exec --)
bare=$(: | $LOAD spawn "$n" /bin/true)
wrapped=$(: | $LOAD spawn "$n" bwrap "${jail_flags[@]}" /run/hub/jail-exec /bin/true true)
for q in p50 p95; do
	a=$(jq -n --argjson a "$wrapped" --argjson b "$bare" "(\$a.$q - \$b.$q) * 1000 | round / 1000")
	result jail "bwrap alone $q (ms)" "$a" "-" "-"
done

# the real CLIs' own start-up, for scale
for cli in claude gemini; do
	exe=$("$HUB_SRCDIR/providers/install-clis.sh" "$cli" 2>/dev/null) || continue
	t=$(: | HOME=$BATS_FILE_TMPDIR $LOAD spawn 10 "$exe" --version)
	result jail "$cli --version p50 (ms)" "$(jq .p50 <<<"$t")" "-" "-"
done
