#!/usr/bin/env bats
# Sessions expire after HUB_SESSION_TTL; every write refreshes the TTL.

load helpers

setup_file() {
	use_fake_clis
	export HUB_SESSION_TTL=2
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

msg() { jq -cn --arg c "$1" '{model:"sonnet",messages:[{role:"user",content:$c}]}'; }

@test "a session is gone after the TTL, and each write refreshes it" {
	sid=ttl-$RANDOM
	chat "$(msg one)" -H "X-Session-ID: $sid" >/dev/null
	ttl=$(redis-cli -p "$REDIS_PORT" ttl "hub:sess:{~}:$sid")
	[ "$ttl" -ge 1 ] && [ "$ttl" -le 2 ]
	[ "$(redis-cli -p "$REDIS_PORT" ttl "hub:sess:{~}:$sid:m")" -ge 1 ]
	sleep 1.2
	chat "$(msg two)" -H "X-Session-ID: $sid" >/dev/null
	sleep 1.2
	# 2.4 s after creation, but only 1.2 s after the last write: still there
	[ "$(curl -s "$HUB_URL/v1/sessions/$sid" | jq .message_count)" -eq 4 ]
	sleep 2.2
	run curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/v1/sessions/$sid"
	[ "$output" = 404 ]
	# and it no longer appears in the list
	! curl -s "$HUB_URL/v1/sessions" | jq -e --arg id "$sid" '.data[] | select(.id == $id)'
}
