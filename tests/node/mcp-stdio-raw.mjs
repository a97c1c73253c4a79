// mcp-stdio-raw.mjs - raw JSON-RPC lines against hub-mcp, for what an SDK
// client never sends: malformed lines, wrong types, cancellation, EOF.
//
//   node mcp-stdio-raw.mjs robust PATH_TO_HUB_MCP
//   node mcp-stdio-raw.mjs cancel PATH_TO_HUB_MCP
//   node mcp-stdio-raw.mjs eof    PATH_TO_HUB_MCP
//
// Prints one JSON line with what was observed; exits 1 with the reason on
// stderr when an expectation fails. Every stdout line of hub-mcp must be a
// JSON-RPC 2.0 message.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";

const [mode, bin] = process.argv.slice(2);
const child = spawn(bin, [], { stdio: ["pipe", "pipe", "ignore"], env: process.env });
const lines = [];
const waiters = [];
let buf = "";
const exited = new Promise((resolve) => child.on("exit", (code, sig) => resolve({ code, sig })));

child.stdout.on("data", (d) => {
	buf += d.toString("utf8");
	let i;
	while ((i = buf.indexOf("\n")) >= 0) {
		const line = buf.slice(0, i);
		buf = buf.slice(i + 1);
		let msg;
		try { msg = JSON.parse(line); } catch { msg = { notJson: line }; }
		lines.push(msg);
		for (const w of waiters.splice(0)) w();
	}
});

function send(obj) { child.stdin.write((typeof obj === "string" ? obj : JSON.stringify(obj)) + "\n"); }

// Wait for the response with id, up to ms.
async function response(id, ms = 10000) {
	const deadline = Date.now() + ms;
	for (;;) {
		const m = lines.find((l) => l.id === id && (l.result !== undefined || l.error !== undefined));
		if (m) return m;
		if (Date.now() > deadline) throw new Error(`no response for id ${JSON.stringify(id)}`);
		await new Promise((r) => { waiters.push(r); setTimeout(r, 100); });
	}
}

function checkAllJsonRpc() {
	for (const l of lines) {
		assert.ok(!l.notJson, `stdout line is not JSON: ${String(l.notJson).slice(0, 200)}`);
		assert.equal(l.jsonrpc, "2.0", `not JSON-RPC: ${JSON.stringify(l).slice(0, 200)}`);
	}
}

function fakeClaudes() {
	try {
		return execFileSync("pgrep", ["-P", String(child.pid)]).toString().trim().split("\n").filter(Boolean);
	} catch { return []; }
}

const init = { jsonrpc: "2.0", id: 0, method: "initialize",
	params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };
const out = { mode };

try {
	send(init);
	assert.equal((await response(0)).result.protocolVersion, "2025-11-25");
	send({ jsonrpc: "2.0", method: "notifications/initialized" });

	if (mode === "robust") {
		const codeOf = async (line, id) => { send(line); return (await response(id)).error?.code; };
		// invalid JSON: -32700 with id null, then the server goes on
		send("{this is not json");
		send({ jsonrpc: "2.0", id: 1, method: "ping" });
		assert.deepEqual((await response(1)).result, {});
		const parse = lines.find((l) => l.id === null && l.error);
		assert.equal(parse.error.code, -32700);
		// a line over the 8 MiB limit
		send('{"jsonrpc":"2.0","id":2,"method":"ping","params":{"pad":"' + "x".repeat(9 * 1024 * 1024) + '"}}');
		send({ jsonrpc: "2.0", id: 3, method: "ping" });
		assert.deepEqual((await response(3, 30000)).result, {});
		assert.ok(!lines.some((l) => l.id === 2), "the over-long line is not answered as a request");
		assert.equal(lines.filter((l) => l.id === null && l.error).length, 2, "the over-long line got an error");
		assert.equal(lines.filter((l) => l.id === null && l.error)[1].error.code, -32700);
		// wrong types
		out.wrong_types = [
			await codeOf('{"jsonrpc":"2.0","id":4,"method":5}', 4),
			await codeOf('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":[1,2]}', 5),
			await codeOf('{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":7}}', 6),
			await codeOf('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"chat","arguments":"hi"}}', 7),
			await codeOf('{"jsonrpc":"1.0","id":8,"method":"ping"}', 8),
		];
		assert.deepEqual(out.wrong_types, [-32600, -32602, -32602, -32602, -32600]);
		send('{"jsonrpc":"2.0","id":true,"method":"ping"}');
		send({ jsonrpc: "2.0", id: 9, method: "ping" });
		await response(9);
		assert.equal(lines.filter((l) => l.id === null && l.error?.code === -32600).length, 1, "a boolean id: -32600, id null");
		out.unknown_method = await codeOf({ jsonrpc: "2.0", id: 10, method: "no/such/method" }, 10);
		assert.equal(out.unknown_method, -32601);
		out.unknown_tool = await codeOf({ jsonrpc: "2.0", id: 11, method: "tools/call", params: { name: "nope", arguments: {} } }, 11);
		assert.equal(out.unknown_tool, -32602);
		const badArgs = await (async () => { send({ jsonrpc: "2.0", id: 12, method: "tools/call",
			params: { name: "chat", arguments: { message: ["not", "a", "string"] } } }); return response(12); })();
		assert.equal(badArgs.result.isError, true, "bad arguments: a result with isError");
		out.unknown_resource = await codeOf({ jsonrpc: "2.0", id: 13, method: "resources/read", params: { uri: "nope://x" } }, 13);
		assert.equal(out.unknown_resource, -32002);
		// a batch is only for 2025-03-26
		send('[{"jsonrpc":"2.0","id":14,"method":"ping"}]');
		send({ jsonrpc: "2.0", id: 15, method: "ping" });
		await response(15);
		assert.equal(lines.filter((l) => l.id === null && l.error?.code === -32600).length, 2, "a batch: -32600");
		assert.ok(!lines.some((l) => l.id === 14), "no batch element answered");
	} else if (mode === "cancel") {
		let progress = 0;
		send({ jsonrpc: "2.0", id: "chat-1", method: "tools/call",
			params: { name: "chat", arguments: { message: "wait [[fake:hang]]" }, _meta: { progressToken: "t1" } } });
		const deadline = Date.now() + 10000;
		while (fakeClaudes().length === 0 && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 100));
		out.child_started = fakeClaudes().length > 0;
		assert.ok(out.child_started, "the provider child runs");
		send({ jsonrpc: "2.0", id: 20, method: "ping" });
		await response(20);
		out.ping_while_running = true;
		send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "chat-1", reason: "test" } });
		const stopBy = Date.now() + 10000;
		while (fakeClaudes().length > 0 && Date.now() < stopBy)
			await new Promise((r) => setTimeout(r, 100));
		out.child_stopped = fakeClaudes().length === 0;
		assert.ok(out.child_stopped, "cancel stops the provider child");
		send({ jsonrpc: "2.0", id: 21, method: "ping" });
		await response(21);
		await new Promise((r) => setTimeout(r, 500));
		assert.ok(!lines.some((l) => l.id === "chat-1"), "no response for a cancelled request");
		progress = lines.filter((l) => l.method === "notifications/progress").length;
		out.progress_notifications = progress;
	} else if (mode === "eof") {
		send({ jsonrpc: "2.0", id: 30, method: "tools/call",
			params: { name: "chat", arguments: { message: "wait [[fake:hang]]" } } });
		const deadline = Date.now() + 10000;
		while (fakeClaudes().length === 0 && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 100));
		const pids = fakeClaudes();
		assert.ok(pids.length > 0, "the provider child runs");
		const t0 = Date.now();
		child.stdin.end();
		const ex = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 8000))]);
		assert.ok(ex, "hub-mcp exits after stdin EOF");
		out.exit_ms = Date.now() - t0;
		out.exit_code = ex.code;
		assert.equal(ex.code, 0);
		const alive = (pid) => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
		const goneBy = Date.now() + 5000;
		while (pids.some(alive) && Date.now() < goneBy)
			await new Promise((r) => setTimeout(r, 100));
		out.child_gone = !pids.some(alive);
		assert.ok(out.child_gone, "the provider child is gone after EOF");
	}
	checkAllJsonRpc();
	out.stdout_lines = lines.length;
	if (mode !== "eof") {
		child.stdin.end();
		const ex = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 8000))]);
		assert.ok(ex, "hub-mcp exits after stdin EOF");
	}
	console.log(JSON.stringify({ ok: true, ...out }));
	process.exit(0);
} catch (e) {
	console.error(`FAIL (${mode}): ${e && e.stack ? e.stack : e}`);
	console.error(JSON.stringify(out));
	child.kill("SIGKILL");
	process.exit(1);
}
