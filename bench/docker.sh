#!/usr/bin/env bash
# docker.sh - build the image and run it for real (not part of make check:
# CI does not build images). Runs the commands of docs/DEPLOY.md "Docker"
# with a fake Claude CLI from the build mounted into the container:
#
#   1. first start with no keys: the key is in the log once; from the host,
#      through the published port: /health 200, /v1/models 401 without the
#      key and 200 with it, a chat 200; the image's HEALTHCHECK passes;
#   2. restart: the key is not printed again and still works;
#   3. HUB_AUTH_HEALTH=key: /health needs a key, the HEALTHCHECK passes;
#   4. the jail: what /health says with the default security options, and
#      with an unmasked /proc (Docker: also seccomp=unconfined) and
#      HUB_JAIL=required.
#
#   bench/docker.sh                 # podman; ENGINE=docker for Docker
#   DOCKER_BUILD_FLAGS=... DOCKER_RUN_FLAGS=... bench/docker.sh
#   DOCKER_SKIP_BUILD=1 bench/docker.sh     # reuse the built image
#
# The base image is whatever `FROM debian:12-slim` resolves to; without a
# registry, make it from Debian packages:
#   mmdebstrap --variant=apt bookworm debian12.tar && podman import debian12.tar docker.io/library/debian:12-slim
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${HUB_BUILDDIR:-$SRC/.hub-build}
ENGINE=${ENGINE:-podman}
IMAGE=${DOCKER_IMAGE:-llm-mcp-hub}
read -r -a build_flags <<<"${DOCKER_BUILD_FLAGS:-}"
read -r -a run_flags <<<"${DOCKER_RUN_FLAGS:-}"
name=hub-bench-$$
vol=hub-bench-state-$$
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
fails=0

say() { printf 'docker.sh: %s\n' "$*" >&2; }
check() {  # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then say "ok   $what"; else say "FAIL $what"; fails=$((fails + 1)); fi
}
cleanup() {
	"$ENGINE" rm -f -t 2 "$name" >/dev/null 2>&1 || true
	"$ENGINE" volume rm -f "$vol" >/dev/null 2>&1 || true
}
trap cleanup EXIT

[ -x "$BUILD/tests/fakes/fake-claude" ] || { say "build first (./hub build): no $BUILD/tests/fakes/fake-claude"; exit 1; }

if [ -z "${DOCKER_SKIP_BUILD:-}" ]; then
	say "building $IMAGE"
	start=$(date +%s)
	(cd "$SRC" && "$ENGINE" build --format docker "${build_flags[@]}" -t "$IMAGE" .) >&2 ||
		(cd "$SRC" && "$ENGINE" build "${build_flags[@]}" -t "$IMAGE" .) >&2
	say "built in $(( $(date +%s) - start )) s"
fi

# run_hub [extra run options...]: the documented `docker run`, with the fake
# CLI, on a free loopback port; waits until the published port answers.
run_hub() {
	"$ENGINE" rm -f -t 2 "$name" >/dev/null 2>&1 || true
	"$ENGINE" run -d --name "$name" --init -p "127.0.0.1:$port:8080" \
		-e CLAUDE_CODE_OAUTH_TOKEN=test-oauth-token-not-real \
		-e HUB_CLAUDE_CLI=/opt/fakes/fake-claude \
		-v "$vol:/var/lib/llm-mcp-hub/state" \
		-v "$BUILD/tests/fakes:/opt/fakes:ro" \
		"${run_flags[@]}" "$@" "$IMAGE" >/dev/null
	for _ in $(seq 1 150); do
		curl -s -o /dev/null "$url/health" && return 0
		sleep 0.2
	done
	"$ENGINE" logs "$name" >&2
	return 1
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# The doc's way to read the key: the line after "shown only this once".
key_from_logs() { "$ENGINE" logs "$name" 2>&1 | grep -A2 'shown only this once' | sed -n 's/^hub: *\(hub-[0-9a-f]\{64\}\)$/\1/p'; }
unhealthy() { ! healthy; }
# The image's HEALTHCHECK: podman runs it on demand; Docker only on its
# schedule, so there the same command through exec.
healthy() {
	case $ENGINE in
	podman) podman healthcheck run "$name" >/dev/null 2>&1 ;;
	*) "$ENGINE" exec "$name" /opt/llm-mcp-hub/docker/entrypoint.sh healthcheck ;;
	esac
}
jail_of() { curl -s -H "Authorization: Bearer $1" "$url/health" | jq -r '.components.jail // .jail // empty' 2>/dev/null; }

say "1. first start without keys"
run_hub
key=$(key_from_logs)
check "a key is printed on the first start" test -n "$key"
check "the key appears once in the log" test "$("$ENGINE" logs "$name" 2>&1 | grep -c -- "${key:-none}")" = 1
check "/health through the published port is 200" test "$(code "$url/health")" = 200
check "/v1/models without the key is 401" test "$(code "$url/v1/models")" = 401
check "/v1/models with the key is 200" test "$(code -H "Authorization: Bearer $key" "$url/v1/models")" = 200
reply=$(curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
	-d '{"model":"sonnet","messages":[{"role":"user","content":"hello from outside"}]}' "$url/v1/chat/completions")
check "a chat with the fake CLI answers" test "$(jq -r '.choices[0].message.content // empty' <<<"$reply" | wc -c)" -gt 1
check "the image's HEALTHCHECK passes" healthy
check "every responder thread started (pids limit)" sh -c "! $ENGINE logs $name 2>&1 | grep -q 'cannot start thread'"
say "tasks of the container: $("$ENGINE" exec "$name" sh -c 'ls -d /proc/[0-9]*/task/* | wc -l')"
say "jail with the default security options: $(jail_of "$key")"

say "2. restart"
"$ENGINE" restart -t 5 "$name" >/dev/null
for _ in $(seq 1 150); do curl -s -o /dev/null "$url/health" && break; sleep 0.2; done
check "the key is not printed again" test "$("$ENGINE" logs "$name" 2>&1 | grep -c -- "$key")" = 1
check "the key still works" test "$(code -H "Authorization: Bearer $key" "$url/v1/models")" = 200

say "3. HUB_AUTH_HEALTH=key"
run_hub -e HUB_AUTH_HEALTH=key
check "/health without a key is 401" test "$(code "$url/health")" = 401
check "/health with the key is 200" test "$(code -H "Authorization: Bearer $key" "$url/health")" = 200
check "the image's HEALTHCHECK passes" healthy

say "3a. Redis unreachable"
run_hub -e REDIS_URL=redis://127.0.0.1:1
check "/health is 503" test "$(code "$url/health")" = 503
check "the image's HEALTHCHECK fails" unhealthy

say "3b. a hub that listens on loopback only inside the container (as the old image fell back to)"
"$ENGINE" rm -f -t 2 "$name" >/dev/null 2>&1 || true
"$ENGINE" run -d --name "$name" --init -p "127.0.0.1:$port:8080" -e HUB_BIND=127.0.0.1 \
	-v "$vol:/var/lib/llm-mcp-hub/state" "${run_flags[@]}" "$IMAGE" >/dev/null
for _ in $(seq 1 100); do "$ENGINE" exec "$name" curl -s -o /dev/null http://127.0.0.1:8080/health && break; sleep 0.2; done
check "it answers inside the container on 127.0.0.1" "$ENGINE" exec "$name" curl -s -o /dev/null http://127.0.0.1:8080/health
check "the published port reaches nothing" test "$(code --max-time 3 "$url/health")" = 000
# what the old image did: HUB_BIND=0.0.0.0 configured, loopback served
check "the HEALTHCHECK of HUB_BIND=0.0.0.0 then fails" \
	sh -c "! $ENGINE exec -e HUB_BIND=0.0.0.0 $name /opt/llm-mcp-hub/docker/entrypoint.sh healthcheck 2>/dev/null"

say "4. the jail with an unmasked /proc (and, for Docker, seccomp=unconfined)"
case $ENGINE in
podman) jail_opts=(--security-opt 'unmask=/proc/*') ;;
*) jail_opts=(--security-opt seccomp=unconfined --security-opt systempaths=unconfined) ;;
esac
if run_hub "${jail_opts[@]}" -e HUB_JAIL=required; then
	say "jail: $(jail_of "$key")"
	reply=$(curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
		-d '{"model":"sonnet","messages":[{"role":"user","content":"hello, jailed"}]}' "$url/v1/chat/completions")
	check "a jailed chat answers" test "$(jq -r '.choices[0].message.content // empty' <<<"$reply" | wc -c)" -gt 1
else
	say "with HUB_JAIL=required the hub did not start: $("$ENGINE" logs "$name" 2>&1 | grep -i jail | tail -n 2)"
	fails=$((fails + 1))
fi

[ "$fails" -eq 0 ] && say "all checks passed" || say "$fails check(s) failed"
exit $(( fails > 0 ))
