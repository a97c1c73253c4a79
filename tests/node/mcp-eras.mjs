// mcp-eras.mjs - drive the hub with the MCP TypeScript SDK v2 client
// (@modelcontextprotocol/client), which speaks both protocol eras.
//
//   node mcp-eras.mjs legacy|modern stdio PATH_TO_HUB_MCP
//   node mcp-eras.mjs legacy|modern http  http://127.0.0.1:PORT/mcp
//
// legacy: the 2025-11-25 initialize handshake; modern: pinned to
// 2026-07-28 (server/discover, _meta on every request, no handshake).
// Checks the era the client negotiated, the tools, a chat with progress
// notifications (and, legacy, log notifications and the
// resources/updated of the session it wrote, after resources/subscribe),
// a resource, a prompt and completions. Prints one JSON summary line on
// success; exits 1 with the reason otherwise. The CLIs must be the fakes.
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";

const [era, kind, target] = process.argv.slice(2);
const summary = { era, transport: kind };

const client = new Client({ name: "hub-e2e-eras", version: "1.0.0" }, {
	versionNegotiation: { mode: era === "modern" ? { pin: "2026-07-28" } : "legacy" },
});
const transport = kind === "stdio"
	? new StdioClientTransport({ command: target, args: [], env: process.env, stderr: "ignore" })
	: new StreamableHTTPClientTransport(new URL(target), process.env.MCP_AUTH
		? { requestInit: { headers: { Authorization: process.env.MCP_AUTH } } } : undefined);

const notes = [];
client.fallbackNotificationHandler = async (n) => { notes.push(n); };

try {
	await client.connect(transport);
	summary.negotiated = client.getProtocolEra();
	summary.protocolVersion = client.getNegotiatedProtocolVersion() ?? null;
	assert.equal(summary.negotiated, era);
	assert.equal(summary.protocolVersion, era === "modern" ? "2026-07-28" : "2025-11-25");

	const { tools } = await client.listTools();
	summary.tools = tools.map((t) => t.name).sort();
	assert.ok(!summary.tools.some((n) => n.startsWith("test_")), "no fixture tools in a production binary");

	if (era === "legacy") {
		await client.setLoggingLevel("info");
	}
	// a first chat makes a session; subscribe to it, then chat in it again
	const first = await client.callTool({ name: "chat", arguments: { message: "hello" } });
	assert.ok(!first.isError, "chat succeeds");
	const sid = first.structuredContent.session_id;
	assert.match(sid, /^[A-Za-z0-9_-]+$/);
	if (era === "legacy")
		await client.subscribeResource({ uri: `session://${sid}` });
	let progress = 0;
	const second = await client.callTool({ name: "chat", arguments: { message: "again", session_id: sid } },
		{ onprogress: () => { progress++; } });
	assert.ok(!second.isError, "second chat succeeds");
	summary.progress_notifications = progress;
	assert.ok(progress > 0, "progress while chat streams");
	await new Promise((r) => setTimeout(r, 100));
	summary.log_notifications = notes.filter((n) => n.method === "notifications/message").length;
	summary.resource_updates = notes.filter((n) => n.method === "notifications/resources/updated" &&
		n.params.uri === `session://${sid}`).length;
	if (era === "legacy") {
		assert.ok(summary.log_notifications >= 2, "log notifications at info");
		assert.ok(summary.resource_updates >= 1, "the subscribed session was updated");
	} else {
		assert.equal(summary.log_notifications, 0, "no logs without _meta logLevel");
	}

	const read = await client.readResource({ uri: `session://${sid}` });
	assert.equal(JSON.parse(read.contents[0].text).message_count, 4);
	const prompt = await client.getPrompt({ name: "summarize_session", arguments: { session_id: sid } });
	assert.match(prompt.messages[0].content.text, /Summarize/);
	const c1 = await client.complete({ ref: { type: "ref/resource", uri: "provider://{name}" },
		argument: { name: "name", value: "cl" } });
	assert.deepEqual(c1.completion.values, ["claude"]);
	const c2 = await client.complete({ ref: { type: "ref/prompt", name: "summarize_session" },
		argument: { name: "session_id", value: sid.slice(0, 4) } });
	assert.ok(c2.completion.values.includes(sid), "own session ids complete");
	summary.ok = true;
	console.log(JSON.stringify(summary));
	await client.close();
	process.exit(0);
} catch (e) {
	console.error(`mcp-eras ${era} ${kind}: ${e?.stack ?? e}`);
	console.error(JSON.stringify(summary));
	try { await client.close(); } catch { /* closing anyway */ }
	process.exit(1);
}
