#!/usr/bin/env bash
# compose.sh - run compose.yaml for real (not part of make check: CI does not
# run containers). The commands of docs/DEPLOY.md "docker compose", with a
# fake Claude CLI from the build mounted into the hub (an override file, as
# bench/docker.sh mounts it) and the published port on a free one:
#
#   1. first `up`: /health 200 through the published port with Redis ok and
#      persistence "aof"; the key is in `logs hub` once; /v1/models 401
#      without the key and 200 with it; a chat answers and its session is
#      stored; Redis has AOF on; both health checks pass;
#   2. `down`, then `up` again (the volumes stay): the key is not printed
#      again and still works; the session is still there (Redis's AOF in
#      the redis-data volume);
#   3. `down -v`: containers, volumes and the network are removed.
#
#   bench/compose.sh                          # podman-compose
#   COMPOSE="docker compose" bench/compose.sh # Docker Compose
#   COMPOSE_BUILD=1 bench/compose.sh          # `up --build` (else the image
#                                             # llm-mcp-hub is used as built,
#                                             # and built only when missing)
#
# redis:7 comes from the registry; without one, tag a local image with
# redis-server and redis-cli as docker.io/library/redis:7 (docs/TESTING.md).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${HUB_BUILDDIR:-$SRC/.hub-build}
read -r -a compose <<<"${COMPOSE:-podman-compose}"
proj=hubcompose$$
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
fails=0

say() { printf 'compose.sh: %s\n' "$*" >&2; }
check() {  # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then say "ok   $what"; else say "FAIL $what"; fails=$((fails + 1)); fi
}
# dc ARGS...: compose on the repository's file plus the override; its chatter
# goes to $tmp/compose.log, the command's own output to stdout (podman-compose
# also prints the podman command it runs there: match lines, not all of it).
dc() { "${compose[@]}" -p "$proj" -f "$SRC/compose.yaml" -f "$tmp/override.yaml" "$@" 2>>"$tmp/compose.log"; }
cleanup() {
	dc down -v -t 2 >>"$tmp/compose.log" 2>&1 || dc down -v >>"$tmp/compose.log" 2>&1 || true
	# podman-compose 1.0.3 leaves the project's network behind
	[ "${compose[0]}" != podman-compose ] || podman network rm -f "${proj}_default" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

[ -x "$BUILD/tests/fakes/fake-claude" ] || { say "build first (./hub build): no $BUILD/tests/fakes/fake-claude"; exit 1; }

# The Gemini folder of compose.yaml is ./gemini; here a temporary one the
# hub's uid 10001 can write, so the run leaves nothing in the repository.
mkdir -m 777 "$tmp/gemini"
cat >"$tmp/override.yaml" <<EOF
services:
  hub:
    environment:
      HUB_CLAUDE_CLI: /opt/fakes/fake-claude
    volumes:
      - $BUILD/tests/fakes:/opt/fakes:ro
      - $tmp/gemini:/var/lib/llm-mcp-hub/gemini
EOF
export HUB_HOST_PORT=$port CLAUDE_CODE_OAUTH_TOKEN=test-oauth-token-not-real
unset HUB_API_KEYS HUB_API_KEYS_FILE

up() {
	local flags=(-d)
	[ -z "${COMPOSE_BUILD:-}" ] || flags+=(--build)
	dc up "${flags[@]}" >>"$tmp/compose.log" || { tail -n 30 "$tmp/compose.log" >&2; return 1; }
	for _ in $(seq 1 150); do
		[ "$(code "$url/health")" = 200 ] && return 0
		sleep 0.2
	done
	dc logs >&2 || true
	return 1
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# both streams: the container's standard error comes on compose's own
hub_logs() { "${compose[@]}" -p "$proj" -f "$SRC/compose.yaml" -f "$tmp/override.yaml" logs hub 2>&1; }
# The doc's way to read the key: the lines after "shown only this once".
key_from_logs() { hub_logs | grep -A2 'shown only this once' | grep -o 'hub-[0-9a-f]\{64\}' | sed -n 1p; }
health_is() { jq -e "$1" <<<"$(curl -s "$url/health")" >/dev/null; }
hub_healthy() { dc exec -T hub /opt/llm-mcp-hub/docker/entrypoint.sh healthcheck >/dev/null; }
redis_healthy() { grep -qx PONG <<<"$(dc exec -T redis redis-cli ping | tr -d '\r')"; }
# (grep -q on a captured output: with pipefail, a pipe that grep -q leaves
# early fails)
redis_aof() { grep -qx yes <<<"$(dc exec -T redis redis-cli config get appendonly | tr -d '\r')"; }
uses_stored_key() { grep -q 'client keys: the ones in' <<<"$(hub_logs)"; }
messages_of() { curl -s -H "Authorization: Bearer $key" "$url/v1/sessions/$1" | jq -r '.message_count // 0'; }

say "1. first up (project $proj, port $port)"
check "compose up starts and /health answers 200 through the published port" up
check "/health: Redis ok, persistence aof" health_is '.components.redis.status == "ok" and .components.redis.persistence == "aof"'
key=$(key_from_logs)
check "a key is printed on the first start" test -n "$key"
check "the key appears once in logs hub" test "$(hub_logs | grep -c -- "${key:-none}")" = 1
check "/v1/models without the key is 401" test "$(code "$url/v1/models")" = 401
check "/v1/models with the key is 200" test "$(code -H "Authorization: Bearer $key" "$url/v1/models")" = 200
reply=$(curl -s -D "$tmp/headers" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
	-d '{"model":"sonnet","messages":[{"role":"user","content":"hello from outside"}]}' "$url/v1/chat/completions")
check "a chat with the fake CLI answers" test "$(jq -r '.choices[0].message.content // empty' <<<"$reply" | wc -c)" -gt 1
sid=$(sed -n 's/^[Xx]-[Ss]ession-[Ii][Dd]: *\([^[:space:]]*\).*/\1/p' "$tmp/headers")
check "the chat's session is stored (2 messages)" test "$(messages_of "${sid:-none}")" = 2
check "Redis runs with AOF on" redis_aof
check "Redis's health check (redis-cli ping) passes" redis_healthy
check "the hub image's health check passes" hub_healthy

say "2. down, then up again"
dc down -t 5 >>"$tmp/compose.log" || dc down >>"$tmp/compose.log"
check "compose up again answers" up
check "the key is not printed again" test "$(hub_logs | grep -c -- "${key:-none}")" = 0
check "the start says it uses the stored key" uses_stored_key
check "the key still works" test "$(code -H "Authorization: Bearer $key" "$url/v1/models")" = 200
check "the session is still there (AOF in the redis-data volume)" test "$(messages_of "${sid:-none}")" = 2

[ "$fails" -eq 0 ] && say "all checks passed" || say "$fails check(s) failed"
exit $(( fails > 0 ))
