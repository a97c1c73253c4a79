#!/usr/bin/env bash
# docker/entrypoint.sh - the container's entry point (docs/DEPLOY.md, "Docker").
#
#   entrypoint.sh [serve]      client keys, then `hub serve` in the foreground
#   entrypoint.sh healthcheck  exit 0 when /health answers 200 the way a
#                              client outside the container reaches it
#   entrypoint.sh CMD ...      `hub CMD ...` (check-config, ...)
#
# Client keys: HUB_API_KEYS and/or HUB_API_KEYS_FILE as given. With neither
# (unset or empty), a key is made on the first start, printed once to the
# log, and only its SHA-256 is kept, in $HUB_STATE_DIR/api-keys (the volume);
# later starts use that file and print nothing. So HUB_BIND=0.0.0.0 never
# runs without authentication, and the published port always answers.
#
# With HUB_AUTH_HEALTH=key the health check needs a key too: every start
# makes a fresh one for it alone (id "docker-healthcheck"), kept in
# $HUB_STATE_DIR/run/healthcheck.key (mode 0600, the container's user).
set -euo pipefail

HUB_SCRIPT=${HUB_SCRIPT:-/opt/llm-mcp-hub/hub}
export HUB_STATE_DIR=${HUB_STATE_DIR:-/var/lib/llm-mcp-hub/state}
export HUB_PORT=${HUB_PORT:-8080}
export HUB_BIND=${HUB_BIND:-0.0.0.0}

say() { printf 'hub: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# 64 hex digits from the kernel's random source.
random_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
sha256_hex() { printf %s "$1" | sha256sum | cut -d' ' -f1; }

# Make sure the hub has client keys; generate the first one if none given.
ensure_client_keys() {
	local file=$HUB_STATE_DIR/api-keys key tmp
	[ -n "${HUB_API_KEYS:-}" ] || unset HUB_API_KEYS
	[ -n "${HUB_API_KEYS_FILE:-}" ] || unset HUB_API_KEYS_FILE
	if [ -n "${HUB_API_KEYS:-}${HUB_API_KEYS_FILE:-}" ]; then
		return 0
	fi
	export HUB_API_KEYS_FILE=$file
	mkdir -p "$HUB_STATE_DIR" && chmod 700 "$HUB_STATE_DIR" ||
		die "cannot make $HUB_STATE_DIR (uid $(id -u) must be able to write it)"
	if [ -s "$file" ]; then
		say "client keys: the ones in $file (made on the first start; see docs/DEPLOY.md to add or replace keys)"
		return 0
	fi
	key=hub-$(random_hex)
	tmp=$(mktemp "$file.XXXXXX") || die "cannot write $file (is $HUB_STATE_DIR writable by uid $(id -u)?)"
	printf '# made by the container on its first start; one line per key: id [name] sha256-hex\ndocker generated-on-first-start %s\n' \
		"$(sha256_hex "$key")" >"$tmp"
	chmod 600 "$tmp"
	mv -f "$tmp" "$file"
	# The one place the key is ever shown: keep it now.
	printf '%s\n' \
		"hub: no client keys were given (HUB_API_KEYS / HUB_API_KEYS_FILE); made one." \
		"hub: it is shown only this once; clients send it as 'Authorization: Bearer <key>':" \
		"hub:" \
		"hub:     $key" \
		"hub:" \
		"hub: only its SHA-256 is kept, in $file (delete that file to make a new key)."
}

# With HUB_AUTH_HEALTH=key: a key of its own for the health check.
ensure_health_key() {
	local keyfile=$HUB_STATE_DIR/run/healthcheck.key key
	rm -f "$keyfile"
	[ "${HUB_AUTH_HEALTH:-open}" = key ] || return 0
	mkdir -p "$HUB_STATE_DIR/run"
	key=hc-$(random_hex)
	(umask 077 && printf '%s\n' "$key" >"$keyfile")
	export HUB_API_KEYS=${HUB_API_KEYS:+$HUB_API_KEYS,}docker-healthcheck:$key
}

# The address a published port forwards to: the container's own address
# when the hub listens on all of them, else HUB_BIND itself. A hub that fell
# back to loopback then fails the check, as it fails every outside client.
health_address() {
	local addr
	case $HUB_BIND in
	0.0.0.0|::|'*')
		addr=$(hostname -I 2>/dev/null | awk '{ print $1 }') || true
		printf '%s\n' "${addr:-127.0.0.1}" ;;
	*) printf '%s\n' "$HUB_BIND" ;;
	esac
}

healthcheck() {
	local addr keyfile=$HUB_STATE_DIR/run/healthcheck.key auth=()
	addr=$(health_address)
	case $addr in *:*) addr="[$addr]" ;; esac
	if [ "${HUB_AUTH_HEALTH:-open}" = key ]; then
		[ -r "$keyfile" ] || die "healthcheck: no key in $keyfile (the hub is not started)"
		# The key goes to curl on its standard input, never in argv.
		auth=(-H @-)
	fi
	# Host: the name a client of the published port sends (loopback).
	printf 'Authorization: Bearer %s\n' "$(cat "$keyfile" 2>/dev/null)" |
		curl -fsS -o /dev/null --max-time 4 \
			-H "Host: localhost:$HUB_PORT" "${auth[@]}" "http://$addr:$HUB_PORT/health"
}

case ${1:-serve} in
serve)
	ensure_client_keys
	ensure_health_key
	exec "$HUB_SCRIPT" serve
	;;
healthcheck)
	healthcheck
	;;
*)
	exec "$HUB_SCRIPT" "$@"
	;;
esac
