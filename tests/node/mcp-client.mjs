// mcp-client.mjs - drive the hub with the official MCP TypeScript SDK client.
//
//   node mcp-client.mjs stdio PATH_TO_HUB_MCP
//   node mcp-client.mjs http  http://127.0.0.1:PORT/mcp
//   node mcp-client.mjs sse   http://127.0.0.1:PORT/sse
//
// Connects, lists and calls every tool, reads every resource, gets every
// prompt, and checks the answers. Prints one JSON summary line on success;
// exits 1 with the reason on stderr otherwise. The provider CLIs must be
// the fakes (the environment is passed on to hub-mcp for stdio).
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";

const [kind, target] = process.argv.slice(2);

function transportFor() {
	if (kind === "stdio")
		return new StdioClientTransport({ command: target, args: [], env: process.env, stderr: "ignore" });
	if (kind === "http")
		return new StreamableHTTPClientTransport(new URL(target));
	if (kind === "sse")
		return new SSEClientTransport(new URL(target));
	throw new Error(`unknown transport ${kind}`);
}

const summary = { transport: kind };
const client = new Client({ name: "hub-e2e", version: "1.0.0" });
const transport = transportFor();

try {
	await client.connect(transport);
	summary.protocolVersion = transport.protocolVersion ?? null;
	summary.server = client.getServerVersion()?.name;
	assert.equal(summary.server, "llm-mcp-hub");
	await client.ping();

	// tools
	const { tools } = await client.listTools();
	summary.tools = tools.map((t) => t.name).sort();
	assert.deepEqual(summary.tools, ["chat", "export_session_memory", "get_session", "list_providers"]);
	for (const t of tools) {
		assert.equal(t.inputSchema.type, "object", `${t.name} inputSchema`);
		assert.ok(t.outputSchema, `${t.name} has an outputSchema`);
	}
	assert.equal(tools.find((t) => t.name === "list_providers").annotations.readOnlyHint, true);

	const lp = await client.callTool({ name: "list_providers", arguments: {} });
	assert.ok(!lp.isError, "list_providers succeeds");
	assert.deepEqual(lp.structuredContent.providers.map((p) => p.name).sort(), ["claude", "gemini"]);
	// cli_version as GET /v1/providers has it (null when a CLI prints none)
	for (const p of lp.structuredContent.providers)
		assert.ok("cli_version" in p, `${p.name} has a cli_version field`);
	assert.match(lp.structuredContent.providers.find((p) => p.name === "claude").cli_version,
		/^\d+\.\d+\.\d+/, "claude's cli_version is its --version");

	let progress = 0;
	const chat = await client.callTool(
		{ name: "chat", arguments: { message: "hello from the SDK", provider: "claude" } },
		undefined,
		{ onprogress: () => { progress++; } },
	);
	assert.ok(!chat.isError, `chat succeeds: ${JSON.stringify(chat.content)}`);
	const sid = chat.structuredContent.session_id;
	assert.match(sid, /^[A-Za-z0-9_-]+$/);
	assert.equal(chat.structuredContent.provider, "claude");
	assert.ok(chat.structuredContent.reply.length > 0);
	assert.equal(chat.content[0].text, chat.structuredContent.reply);
	summary.progress_notifications = progress;

	const chat2 = await client.callTool({ name: "chat",
		arguments: { message: "and again", session_id: sid, system: "Be brief." } });
	assert.ok(!chat2.isError, "second chat turn succeeds");
	assert.equal(chat2.structuredContent.session_id, sid);

	const gs = await client.callTool({ name: "get_session", arguments: { session_id: sid } });
	assert.ok(!gs.isError, "get_session succeeds");
	assert.equal(gs.structuredContent.id, sid);
	assert.equal(gs.structuredContent.messages.filter((m) => m.role === "assistant").length, 2);
	summary.session_messages = gs.structuredContent.message_count;

	const ex = await client.callTool({ name: "export_session_memory",
		arguments: { session_id: sid, format: "json", summarize: true } });
	assert.ok(!ex.isError, `export succeeds: ${JSON.stringify(ex.content)}`);
	assert.equal(ex.structuredContent.format, "json");
	JSON.parse(ex.structuredContent.document);
	const exmd = await client.callTool({ name: "export_session_memory",
		arguments: { session_id: sid, summarize: false, lang: "en" } });
	assert.ok(!exmd.isError);
	assert.match(exmd.content[0].text, /and again/);
	summary.export_summary_ok = ex.structuredContent.summary_ok;

	const bad = await client.callTool({ name: "chat", arguments: { message: 42 } });
	assert.equal(bad.isError, true, "bad arguments give isError");
	const missing = await client.callTool({ name: "get_session", arguments: { session_id: "no-such-session" } });
	assert.equal(missing.isError, true, "an unknown session gives isError");
	await assert.rejects(client.callTool({ name: "no_such_tool", arguments: {} }),
		(e) => e instanceof McpError && e.code === -32602, "unknown tool is -32602");

	// resources
	const { resources } = await client.listResources();
	summary.resources = resources.map((r) => r.uri);
	assert.ok(summary.resources.includes("provider://list"));
	for (const r of resources) {
		const rr = await client.readResource({ uri: r.uri });
		JSON.parse(rr.contents[0].text);
	}
	const { resourceTemplates } = await client.listResourceTemplates();
	summary.templates = resourceTemplates.map((t) => t.uriTemplate).sort();
	assert.deepEqual(summary.templates, ["provider://{name}", "session://{session_id}"]);
	const sr = await client.readResource({ uri: `session://${sid}` });
	assert.equal(JSON.parse(sr.contents[0].text).id, sid);
	const gr = await client.readResource({ uri: "provider://gemini" });
	assert.equal(JSON.parse(gr.contents[0].text).name, "gemini");
	await assert.rejects(client.readResource({ uri: "session://no-such-session" }),
		(e) => e instanceof McpError && e.code === -32002, "unknown resource is -32002");

	// prompts
	const { prompts } = await client.listPrompts();
	summary.prompts = prompts.map((p) => p.name).sort();
	assert.deepEqual(summary.prompts, ["continue_session", "summarize_session"]);
	for (const p of prompts) {
		const gp = await client.getPrompt({ name: p.name, arguments: { session_id: sid } });
		assert.ok(gp.messages.length >= 1);
		assert.match(gp.messages[0].content.text, /hello from the SDK/);
	}
	await assert.rejects(client.getPrompt({ name: "no_such_prompt", arguments: {} }),
		(e) => e instanceof McpError && e.code === -32602);

	// completion and logging
	const comp = await client.complete({ ref: { type: "ref/prompt", name: "summarize_session" },
		argument: { name: "session_id", value: sid.slice(0, 3) } });
	assert.ok(comp.completion.values.includes(sid), "session ids complete");
	await client.setLoggingLevel("warning");

	await client.close();
	console.log(JSON.stringify({ ok: true, ...summary }));
	process.exit(0);
} catch (e) {
	console.error(`FAIL (${kind}): ${e && e.stack ? e.stack : e}`);
	console.error(JSON.stringify(summary));
	try { await client.close(); } catch { /* ignore */ }
	process.exit(1);
}
