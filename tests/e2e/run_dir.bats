#!/usr/bin/env bats
# HUB_RUN_DIR: the CLIs' per-request directories go there (a tmpfs, where
# making and removing them costs no disk inode churn; docs/CONFIGURATION.md),
# never into HUB_STATE_DIR, and nothing of a run stays; a base another user
# could enter or swap is refused at start-up.

load helpers

setup_file() {
	use_fake_clis
	# on a tmpfs when the host has one, as docs/DEPLOY.md suggests
	local shm=/dev/shm
	[ -d "$shm" ] && [ -w "$shm" ] || shm=$BATS_FILE_TMPDIR
	RUN_ROOT=$(mktemp -d "$shm/hub-run-test.XXXXXX")
	# as docs/DEPLOY.md, "The run directories on a tmpfs", makes it
	install -d -m 0700 -o "$(id -un)" "$RUN_ROOT/llm-mcp-hub"
	export RUN_ROOT HUB_RUN_DIR=$RUN_ROOT/llm-mcp-hub HUB_WORKDIR_SWEEP_SECONDS=2
	start_redis_and_hub
}

teardown_file() {
	stop_hub_and_redis
	rm -rf "$RUN_ROOT"
}

# The per-request directories (not the spares made ahead) directly in $1.
runs_in() { find "$1" -mindepth 1 -maxdepth 2 -name 'claude-*' -not -path '*/.spare/*' 2>/dev/null; }

@test "HUB_RUN_DIR: the CLI's home is made there, nothing of it in HUB_STATE_DIR, nothing left after" {
	[ "$(stat -c %a "$HUB_RUN_DIR")" = 700 ]
	out=$(curl -s -H 'Content-Type: application/json' --data-binary "$(one_msg 'hi [[fake:whoami]]')" \
		"$HUB_URL/v1/chat/completions")
	home=$(jq -r '.choices[0].message.content' <<<"$out" | sed -n 's/.* home=\([^ ]*\).*/\1/p')
	echo "the CLI's HOME: $home"
	case $home in "$HUB_RUN_DIR"/claude-*/home) ;; *) false ;; esac
	[ -z "$(runs_in "$HUB_STATE_DIR")" ]
	wait_for 50 sh -c "[ ! -e '$home' ]"
	[ -z "$(runs_in "$HUB_RUN_DIR")" ]
}

@test "HUB_RUN_DIR: a dead responder's run directory there is swept" {
	boot=$(tr -d '-' </proc/sys/kernel/random/boot_id | cut -c1-8)
	dead_pid=$(sh -c 'echo $$')
	dead=$HUB_RUN_DIR/claude-$dead_pid.1.$boot-Dead01
	mkdir -m 700 "$dead"
	echo transcript >"$dead/t.jsonl"
	wait_for 50 sh -c "[ ! -e '$dead' ]"
}

# hub-mcp runs the same check as the FastCGI responders, before anything else.
refused() {
	run env HUB_RUN_DIR="$1" REDIS_URL="$REDIS_URL" "$HUB_BUILDDIR/hub-mcp" </dev/null
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"HUB_RUN_DIR: "* ]]
}

@test "HUB_RUN_DIR: a base others may enter, a symbolic link or a file is refused with the reason" {
	mkdir -m 777 "$RUN_ROOT/open"
	refused "$RUN_ROOT/open"
	[[ $output == *"mode 0777"* ]]
	mkdir -m 700 "$RUN_ROOT/real"
	ln -s "$RUN_ROOT/real" "$RUN_ROOT/link"
	refused "$RUN_ROOT/link"
	[[ $output == *"symbolic link"* ]]
	: >"$RUN_ROOT/file"
	refused "$RUN_ROOT/file"
	# a missing one is made, mode 0700
	run env HUB_RUN_DIR="$RUN_ROOT/new/runs" REDIS_URL="$REDIS_URL" "$HUB_BUILDDIR/hub-mcp" </dev/null
	[[ $output != *"HUB_RUN_DIR: "* ]]
	[ "$(stat -c %a "$RUN_ROOT/new/runs")" = 700 ]
}

# /dev/shm as `hub serve` takes it by default: a tmpfs of 256 MiB or more.
shm_usable() {
	[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
		[ "$(df -Pk /dev/shm | awk 'NR == 2 { print $2 }')" -ge 262144 ]
}

@test "hub serve without HUB_RUN_DIR: the runs go to a directory of its own on /dev/shm (mode 0700), removed at stop" {
	shm_usable || skip "/dev/shm is not a tmpfs of 256 MiB or more"
	stop_hub
	HUB_RUN_DIR_DEFAULT=1 start_hub defaultrun
	base=$(default_run_base "$HUB_STATE_DIR")
	out=$(curl -s -H 'Content-Type: application/json' --data-binary "$(one_msg 'hi [[fake:whoami]]')" \
		"$HUB_URL/v1/chat/completions")
	home=$(jq -r '.choices[0].message.content' <<<"$out" | sed -n 's/.* home=\([^ ]*\).*/\1/p')
	echo "the CLI's HOME: $home (base $base)"
	case $home in "$base"/claude-*/home) ;; *) false ;; esac
	[ "$(stat -c %a "$base")" = 700 ]
	[ -z "$(runs_in "$HUB_STATE_DIR")" ]
	wait_for 50 sh -c "[ ! -e '$home' ]"
	stop_hub
	[ ! -e "$base" ]
}

@test "hub serve without HUB_RUN_DIR: a symbolic link where its directory goes is not followed; an empty HUB_RUN_DIR keeps the state dir" {
	shm_usable || skip "/dev/shm is not a tmpfs of 256 MiB or more"
	stop_hub
	decoy=$BATS_TEST_TMPDIR/decoy
	mkdir -m 0700 "$decoy"
	ln -s "$decoy" "$(default_run_base "$BATS_FILE_TMPDIR/squat-state")"
	HUB_RUN_DIR_DEFAULT=1 start_hub squat
	out=$(curl -s -H 'Content-Type: application/json' --data-binary "$(one_msg 'hi [[fake:whoami]]')" \
		"$HUB_URL/v1/chat/completions")
	home=$(jq -r '.choices[0].message.content' <<<"$out" | sed -n 's/.* home=\([^ ]*\).*/\1/p')
	echo "the CLI's HOME: $home"
	case $home in /dev/shm/llm-mcp-hub.*/claude-*/home) ;; *) false ;; esac
	[ -z "$(ls -A "$decoy")" ]
	stop_hub
	[ -L "$(default_run_base "$BATS_FILE_TMPDIR/squat-state")" ]
	rm -f "$(default_run_base "$BATS_FILE_TMPDIR/squat-state")"
	# HUB_RUN_DIR= (empty): the runs stay in HUB_STATE_DIR
	HUB_RUN_DIR= start_hub emptyrun
	out=$(curl -s -H 'Content-Type: application/json' --data-binary "$(one_msg 'hi [[fake:whoami]]')" \
		"$HUB_URL/v1/chat/completions")
	home=$(jq -r '.choices[0].message.content' <<<"$out" | sed -n 's/.* home=\([^ ]*\).*/\1/p')
	case $home in "$HUB_STATE_DIR"/claude-*/home) ;; *) false ;; esac
	stop_hub
}
