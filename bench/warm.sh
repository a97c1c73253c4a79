#!/usr/bin/env bash
# warm.sh - time to first token with the REAL pinned Claude Code CLI
# against the instant fake Messages API (tests/upstream/fake-anthropic.mjs),
# and the REAL Gemini CLI against the fake Code Assist server
# (tests/upstream/fake-codeassist.mjs) when it is installed:
# the CLI started cold directly (tests/fakes/provider-run), through the hub
# with every child cold (HUB_WARM_CHILDREN=0), and through the hub with
# warm children (HUB_WARM_CHILDREN=1), on a first turn and on a turn with
# history (and, through the hub, a Claude first turn offering a client
# tool); and the resident memory of the warm pool. Requests go one at a
# time with a pause of BENCH_WARM_GAP_MS (default 1500) between them, so
# the pool has refilled (one child per key) before each. The turns with
# history are one conversation, each request the next turn of the one
# before (its reply and a new user message appended), as a client that
# sends the whole conversation each time has it; the warm hub primes the
# next turn (HUB_WARM_HISTORY=2, as ./hub run).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

n=${BENCH_WARM_N:-10}
gap=${BENCH_WARM_GAP_MS:-1500}
real=$("$HUB_SRCDIR/providers/install-clis.sh" claude 2>"$BATS_FILE_TMPDIR/install.log" | tail -n 1) || real=
if [ -z "$real" ] || [ ! -x "$real" ]; then
	result warm "claude" "not installed" "-" "skipped"
	exit 0
fi
node "$HUB_SRCDIR/tests/upstream/fake-anthropic.mjs" 0 >"$BATS_FILE_TMPDIR/up.port" 2>/dev/null &
BENCH_PIDS+=($!)
wait_for 50 test -s "$BATS_FILE_TMPDIR/up.port"
export ANTHROPIC_BASE_URL=http://127.0.0.1:$(head -n 1 "$BATS_FILE_TMPDIR/up.port")
export HUB_CLAUDE_CLI=$real CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-bench-not-real HUB_CLAUDE_TIMEOUT=60
export HUB_GEMINI_CLI=/bin/false

# ttft URL BODY [conv]: the median time to the first content (or tool call) delta of N streaming
# requests, one at a time, BENCH_WARM_GAP_MS apart (one unmeasured first).
# With conv, each request is the next turn of the one before: its reply
# and BODY's last user message again are appended to the messages.
ttft() {
	node -e '
const http = require("node:http");
const [url, raw, n, gap, conv] = process.argv.slice(1);
const req0 = JSON.parse(raw), ask = req0.messages[req0.messages.length - 1];
let body = JSON.stringify({ ...req0, stream: true });
const reply = (sse) => sse.split("\n").filter((l) => l.startsWith("data: {")).map((l) => {
	try { return JSON.parse(l.slice(6)).choices[0].delta.content || ""; } catch { return ""; } }).join("");
const next = (sse) => {
	if (conv !== "conv") return;
	const b = JSON.parse(body);
	b.messages.push({ role: "assistant", content: reply(sse) }, ask);
	body = JSON.stringify(b);
};
const one = () => new Promise((resolve) => {
	const t0 = process.hrtime.bigint(), u = new URL(url);
	let first = null, buf = "";
	const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST",
		headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
		res.setEncoding("utf8");
		res.on("data", (c) => { buf += c;
			if (first === null && /"delta":\{[^}]*("content":"[^"]|"tool_calls":\[)/.test(buf)) first = Number(process.hrtime.bigint() - t0) / 1e6; });
		res.on("end", () => {
			if (process.env.BENCH_WARM_DEBUG) console.error(`ttft: ${res.statusCode} ${first} ms: ${JSON.stringify(reply(buf)).slice(0, 120)}`);
			next(buf); resolve(res.statusCode === 200 ? first : null); });
	});
	req.on("error", () => resolve(null));
	req.end(body);
});
(async () => {
	const xs = [];
	await one();
	for (let i = 0; i < Number(n); i++) {
		await new Promise((r) => setTimeout(r, Number(gap)));
		const ms = await one();
		if (ms !== null) xs.push(ms);
	}
	xs.sort((a, b) => a - b);
	console.log(xs.length ? Math.round(xs[Math.floor((xs.length - 1) / 2)]) : "null");
})();' "$1" "$2" "$n" "$gap" "${3:-}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "null" || b == "null" || b == 0) print "null"; else printf "%.2f\n", a / b }'; }

# The Gemini CLI against the fake Code Assist server (its test route:
# tests/e2e/gemini_real_cli.bats), when it is installed.
gemini=$("$HUB_SRCDIR/providers/install-clis.sh" gemini 2>>"$BATS_FILE_TMPDIR/install.log" | tail -n 1) || gemini=
if [ -n "$gemini" ] && [ -e "$gemini" ]; then
	node "$HUB_SRCDIR/tests/upstream/fake-codeassist.mjs" >"$BATS_FILE_TMPDIR/ca.port" 2>/dev/null 3>&- &
	BENCH_PIDS+=($!)
	wait_for 50 test -s "$BATS_FILE_TMPDIR/ca.port"
	export HUB_GEMINI_CLI=$gemini HUB_GEMINI_TIMEOUT=60 GOOGLE_GENAI_USE_GCA=true
	export CODE_ASSIST_ENDPOINT=http://127.0.0.1:$(head -n 1 "$BATS_FILE_TMPDIR/ca.port")
	export GOOGLE_CLOUD_ACCESS_TOKEN=fake-access-token-bench
	clis=${BENCH_WARM_CLIS:-claude gemini}
else
	clis=claude
fi

bench_redis
export HUB_WARM_CHILDREN=0 HUB_WARM_HISTORY=0
bench_hub cold
cold_url=$HUB_URL
export HUB_WARM_CHILDREN=1 HUB_WARM_HISTORY=2
bench_hub warm
warm_url=$HUB_URL
warm_runs=$(hub_run_base)

for cli in $clis; do
	model=sonnet
	[ "$cli" = gemini ] && model=gemini-2.5-flash
	first=$(jq -cn --arg m "$model" '{model:$m,messages:[{role:"user",content:"Say hello"}]}')
	history=$(jq -cn --arg m "$model" '{model:$m,messages:[{role:"user",content:"My name is Zed."},{role:"assistant",content:"Hello Zed."},{role:"user",content:"Say hello"}]}')
	direct=$(printf '%s' "$first" | HUB_STATE_DIR=$BATS_FILE_TMPDIR/direct $LOAD spawn "$n" "$HUB_BUILDDIR/tests/fakes/provider-run" "$cli")
	direct_hist=$(printf '%s' "$history" | HUB_STATE_DIR=$BATS_FILE_TMPDIR/direct $LOAD spawn "$n" "$HUB_BUILDDIR/tests/fakes/provider-run" "$cli")
	d1=$(jq '.inner_first_token.p50 | round' <<<"$direct")
	d2=$(jq '.inner_first_token.p50 | round' <<<"$direct_hist")
	c1=$(ttft "$cold_url/v1/chat/completions" "$first")
	c2=$(ttft "$cold_url/v1/chat/completions" "$history" conv)
	w1=$(ttft "$warm_url/v1/chat/completions" "$first")
	w2=$(ttft "$warm_url/v1/chat/completions" "$history" conv)
	r1=$(ratio "$w1" "$d1")
	r2=$(ratio "$w2" "$d2")
	result warm "$cli first turn TTFT direct cold (ms)" "$d1" "-" "-"
	result warm "$cli first turn TTFT hub cold / warm (ms)" "$c1 / $w1" "-" "-"
	result warm "$cli first turn hub warm / direct cold" "$r1" "<= 0.35" "$(verdict "$r1" le 0.35)"
	result warm "$cli history TTFT direct cold (ms)" "$d2" "-" "-"
	result warm "$cli history TTFT hub cold / warm (ms)" "$c2 / $w2" "-" "-"
	result warm "$cli history hub warm / direct cold" "$r2" "<= 0.35" "$(verdict "$r2" le 0.35)"
	if [ "$cli" = claude ]; then
		# a first turn offering a client tool: the first delta is the call's
		tools=$(jq -cn '{model:"sonnet",tools:[{type:"function",function:{name:"Calculator",
		    parameters:{type:"object",properties:{input:{type:"string"}}}}}],
		    messages:[{role:"user",content:"What is 17 times 23?"}]}')
		t1=$(ttft "$cold_url/v1/chat/completions" "$tools")
		t2=$(ttft "$warm_url/v1/chat/completions" "$tools")
		result warm "claude tool turn TTFT hub cold / warm (ms)" "$t1 / $t2" "-" "-"
		result warm "claude tool turn hub warm / hub cold" "$(ratio "$t2" "$t1")" "-" "-"
	fi
done
sleep "$(awk -v g="$gap" 'BEGIN { print g / 1000 }')"
# the warm pool's memory: every process of the waiting children (one per
# CLI and model used above, in the warm hub's one chat worker)
pool_kib=$(rss_kib $(for p in $(cli_children_under "$warm_runs"); do echo "$p"; descendants_of "$p"; done | sort -u))
n_warm=$(find "$warm_runs" "$warm_runs/gemini" -maxdepth 1 \( -name 'claude-*' -o -name 'run-*' \) 2>/dev/null | wc -l)
result warm "warm pool RSS (MiB, $n_warm children)" "$(( pool_kib / 1024 ))" "reported" "-"
