// mcp-snippet.mjs - run every MCP client snippet of docs/MCP.md as written.
//
//   node mcp-snippet.mjs MCP.md SUBSTITUTIONS_JSON [name-filter]
//
// Takes each ```json block with "mcpServers" out of the document; for
// every server, replaces only the "replace this" placeholders (the keys of
// SUBSTITUTIONS_JSON, longest first) in command, args, env, url and
// headers, then connects the MCP SDK client as a desktop app would: a
// "command" server through the stdio client (exactly its command, args and
// env), a "url" server through Streamable HTTP with its headers. Lists the
// tools and calls list_providers (every provider's CLI must be found) and
// get_session (an unknown id must be a tool error, not a store error).
// Prints one JSON line per server; exits 1 with the reason otherwise.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [docPath, substJson, filter] = process.argv.slice(2);
const subst = Object.entries(JSON.parse(substJson)).sort((a, b) => b[0].length - a[0].length);
const fill = (v) => {
	if (typeof v === "string") {
		for (const [from, to] of subst) v = v.split(from).join(to);
		return v;
	}
	if (Array.isArray(v)) return v.map(fill);
	if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
	return v;
};

const doc = readFileSync(docPath, "utf8");
const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes("mcpServers"));
assert.ok(blocks.length > 0, "no snippets found");
let ran = 0;
for (const [i, block] of blocks.entries()) {
	const servers = JSON.parse(block).mcpServers;
	for (const [name, raw] of Object.entries(servers)) {
		const label = `snippet ${i + 1} ${name}`;
		if (filter && !label.includes(filter) && !JSON.stringify(raw).includes(filter)) continue;
		const s = fill(raw);
		const transport = s.command
			? new StdioClientTransport({ command: s.command, args: s.args ?? [], env: s.env ?? {}, stderr: "pipe" })
			: new StreamableHTTPClientTransport(new URL(s.url), { requestInit: { headers: s.headers ?? {} } });
		let stderr = "";
		transport.stderr?.on("data", (d) => { stderr += d; });
		const client = new Client({ name: "desktop-snippet-test", version: "1.0.0" });
		const t0 = Date.now();
		try {
			await client.connect(transport);
			const { tools } = await client.listTools();
			assert.deepEqual(tools.map((t) => t.name).sort(), ["chat", "export_session_memory", "get_session", "list_providers"]);
			const lp = await client.callTool({ name: "list_providers", arguments: {} });
			assert.notEqual(lp.isError, true, `list_providers: ${JSON.stringify(lp.content)}`);
			const providers = lp.structuredContent.providers;
			for (const p of providers)
				assert.notEqual(p.status, "cli_missing", `${p.name}: cli_missing`);
			const gs = await client.callTool({ name: "get_session", arguments: { session_id: "no-such-session-0123" } });
			const text = gs.content.map((c) => c.text).join(" ");
			assert.equal(gs.isError, true, "an unknown session is a tool error");
			assert.doesNotMatch(text, /store|redis|unavailable/i, `get_session reached no store: ${text}`);
			console.log(JSON.stringify({ snippet: label, transport: s.command ? "stdio" : "http",
				providers: providers.map((p) => `${p.name}:${p.status}`), get_session: text, ms: Date.now() - t0 }));
			ran++;
		} catch (e) {
			console.error(`${label}: ${e.stack ?? e}\n${stderr.slice(-2000)}`);
			process.exit(1);
		} finally {
			await client.close().catch(() => {});
		}
	}
}
assert.ok(ran > 0, "no snippet ran");
