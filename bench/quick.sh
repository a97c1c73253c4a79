#!/usr/bin/env bash
# quick.sh - the quick endpoints under wrk (32 connections) next to a
# trivial libfcgi responder (tests/fakes/trivial-fcgi) served by the same
# lighttpd in the same run: a copy of the hub's generated lighttpd config
# with one more route, /trivial, so both go through one lighttpd process.
# Redis on a unix socket as `./hub run` runs it (BENCH_REDIS=tcp: over
# 127.0.0.1, as a Redis on another host is reached; the names of the rows
# say which).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

conns=${BENCH_WRK_CONNECTIONS:-32}
use_fake_clis
export HUB_QUICK_WORKERS=2 HUB_QUICK_THREADS=8
bench_redis
bench_hub hub
redis_via=${BENCH_REDIS:-unix}

# a session to read back
sid=bench-$$
curl -s -o /dev/null -H 'Content-Type: application/json' -H "X-Session-ID: $sid" \
	--data-binary '{"messages":[{"role":"user","content":"hi"}]}' "$HUB_URL/v1/chat/completions"

# the trivial responder: as many threads as the quick pool in all (2 x 8)
tsock=$BATS_FILE_TMPDIR/trivial.sock
spawn-fcgi -n -s "$tsock" -M 0600 -- "$HUB_BUILDDIR/tests/fakes/trivial-fcgi" --threads 16 \
	>/dev/null 2>&1 &
BENCH_PIDS+=($!)
port=$(free_port)
conf=$BATS_FILE_TMPDIR/lighttpd.conf
sed -e "s|^server.port = .*|server.port = $port|" \
	-e "s|^server.errorlog = .*|server.errorlog = \"$BATS_FILE_TMPDIR/lighttpd-error.log\"|" \
	"$HUB_STATE_DIR/run/lighttpd.conf" >"$conf"
cat >>"$conf" <<CONF
\$HTTP["url"] =~ "^/trivial" {
	fastcgi.server = ( "/" => ( ( "socket" => "$tsock", "check-local" => "disable" ) ) )
}
CONF
wait_for 50 test -S "$tsock"
lighttpd -D -f "$conf" &
BENCH_PIDS+=($!)
base=http://127.0.0.1:$port
wait_for 50 curl -sf -o /dev/null "$base/trivial"
curl -sf -o /dev/null "$base/v1/sessions/$sid" || bench_say "WARNING: GET /v1/sessions/$sid is not 200"

# Each path is measured right after a run of the trivial responder, and
# its ratio taken to that run: this VM's speed drifts by a quarter within
# minutes (a neighbour's load), which a single trivial run at the start
# would charge to the paths measured last.
pair() { # path name: "rps p99 bad ratio"
	local t_rps t_p99 t_bad rps p99 bad
	read -r t_rps t_p99 t_bad <<<"$(wrk_run "$base/trivial" "$conns")"
	read -r rps p99 bad <<<"$(wrk_run "$1" "$conns")"
	[ "$bad" = 0 ] || bench_say "WARNING: $bad non-2xx answers on $2"
	echo "$rps $p99 $t_rps $t_p99 $(awk -v a="$rps" -v b="$t_rps" 'BEGIN { printf "%.2f", a / b }')"
}
first=1
for path in /health /v1/models "/v1/sessions/$sid"; do
	name=${path/$sid/\{id\}}
	read -r rps p99 t_rps t_p99 ratio <<<"$(pair "$base$path" "$name")"
	if [ "$first" = 1 ]; then
		result quick "trivial-fcgi: req/s, p99 ms" "$t_rps, $t_p99" "-" "-"
		first=0
	fi
	[ "$path" = /v1/models ] || name="$name, Redis on $redis_via"
	result quick "$name: req/s (ratio to trivial)" "$rps ($ratio)" ">= 0.8" "$(verdict "$ratio" ge 0.8)"
	result quick "$name: p99 (ms)" "$p99" "<= 2" "$(verdict "$p99" le 2)"
done

# the same read with the cache off (HUB_SESSION_CACHE_MB=0): every read a
# Redis round trip, as a first read or one after a write still is (with
# the cache on, that round trip carries 4 small commands more)
HUB_SESSION_CACHE_MB=0 bench_hub nocache
read -r rps p99 t_rps t_p99 ratio <<<"$(pair "$HUB_URL/v1/sessions/$sid" "the uncached sessions read")"
result quick "/v1/sessions/{id}, cache off, Redis on $redis_via: req/s (ratio to trivial)" "$rps ($ratio)" "-" "-"
