/* test_mcp.c - the MCP JSON-RPC dispatcher: framing errors, both eras,
 * version negotiation, batches, pagination, tool and resource errors. */
#include "config.h"

#include <stdlib.h>

#include "common/hub_config.h"
#include "core/startup.h"
#include "mcp-stdio/mcp.c"
#include "providers/registry.h"
#include "tap.h"

#define MAX_OUT 16

static char *out[MAX_OUT];
static int n_out;

static void
capture(void *arg, const char *json, size_t len)
{
	(void)arg;
	if (n_out < MAX_OUT)
		out[n_out++] = strndup(json, len);
}

static void
reset(void)
{
	int i;

	for (i = 0; i < n_out; i++)
		free(out[i]);
	n_out = 0;
}

/* Hand text to the dispatcher. */
static void
feed(struct mcp_server *s, const char *text)
{
	mcp_handle(s, text, strlen(text));
}

/* Send text, expect exactly one message back, return it parsed (caller puts). */
static struct json_object *
one(struct mcp_server *s, const char *text)
{
	struct json_object *o;

	reset();
	mcp_handle(s, text, strlen(text));
	if (n_out != 1)
		return NULL;
	o = json_tokener_parse(out[0]);
	return o;
}

/* Send text and drop its answer. */
static void
say(struct mcp_server *s, const char *text)
{
	json_object_put(one(s, text));
}

/* The error code of a single answer to text, 0 when it is a result, -1 when no single answer. */
static int
err_code(struct mcp_server *s, const char *text)
{
	struct json_object *o = one(s, text), *e, *c;
	int code = -1;

	if (o == NULL)
		return -1;
	if (json_object_object_get_ex(o, "error", &e) && json_object_object_get_ex(e, "code", &c))
		code = json_object_get_int(c);
	else if (json_object_object_get_ex(o, "result", &e))
		code = 0;
	json_object_put(o);
	return code;
}

/* A path like "result.tools" inside the single answer to text, as JSON text (static). */
static const char *
answer_at(struct mcp_server *s, const char *text, const char *path)
{
	static char buf[8192];
	struct json_object *o = one(s, text), *cur;
	char p[256], *tok, *save = NULL;

	buf[0] = '\0';
	if (o == NULL)
		return "(no single answer)";
	cur = o;
	snprintf(p, sizeof(p), "%s", path);
	for (tok = strtok_r(p, ".", &save); tok != NULL && cur != NULL; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(cur, json_type_array))
			cur = json_object_array_get_idx(cur, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(cur, tok, &cur)) {
			json_object_put(o);
			return "(absent)";
		}
	}
	snprintf(buf, sizeof(buf), "%s", json_object_to_json_string_ext(cur,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return buf;
}

static struct mcp_server *
new_server(void)
{
	struct mcp_hooks h;

	memset(&h, 0, sizeof(h));
	h.send = capture;
	return mcp_server_new("", &h);
}

static const char init_0618[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
    "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

#define MODERN_META "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"

static void
test_framing(void)
{
	struct mcp_server *s = new_server();

	is_int(err_code(s, "{not json"), MCP_PARSE_ERROR, "invalid JSON: -32700");
	is_str(answer_at(s, "{not json", "id"), "null", "parse error has id null");
	is_int(err_code(s, ""), MCP_PARSE_ERROR, "empty text: -32700");
	is_int(err_code(s, "5"), MCP_INVALID_REQUEST, "a number is not a message: -32600");
	is_int(err_code(s, "{\"id\":1,\"method\":\"ping\"}"), MCP_INVALID_REQUEST, "missing jsonrpc: -32600");
	is_str(answer_at(s, "{\"id\":1,\"method\":\"ping\"}", "id"), "1", "the id is echoed when valid");
	is_int(err_code(s, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}"), MCP_INVALID_REQUEST, "jsonrpc 1.0: -32600");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}"), MCP_INVALID_REQUEST, "id null: -32600");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}"), MCP_INVALID_REQUEST, "id object: -32600");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}"), MCP_INVALID_REQUEST, "id fraction: -32600");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}"), MCP_INVALID_REQUEST, "method not a string: -32600");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1}"), MCP_INVALID_REQUEST, "no method, no result: -32600");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}"), MCP_INVALID_PARAMS,
	    "params array: -32602");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"ping\"}"), 0, "ping before initialize works");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}"), MCP_INVALID_REQUEST,
	    "a known method before initialize: -32600");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"no/such\"}"), MCP_METHOD_NOT_FOUND,
	    "an unknown method before initialize: -32601");
	reset();
	feed(s, "{\"jsonrpc\":\"2.0\",\"method\":\"no/such\"}");
	is_int(n_out, 0, "an unknown notification gets no answer");
	feed(s, "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}");
	is_int(n_out, 0, "a response from the client gets no answer");
	feed(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":77}}");
	is_int(n_out, 0, "cancelling an unknown request is silent");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"method\":5}"), MCP_INVALID_REQUEST,
	    "method 5 without an id is no notification: -32600");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"method\":5}", "id"), "null", "... with id null");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xff\"}"), MCP_PARSE_ERROR,
	    "invalid UTF-8 in a message: -32700");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xed\xa0\x80\"}"),
	    MCP_PARSE_ERROR, "an encoded surrogate: -32700");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\\u0000x\"}"), MCP_PARSE_ERROR,
	    "a NUL inside the method: -32700, never cut to \"ping\"");
	mcp_server_free(s);
}

static void
test_peek(void)
{
	struct mcp_peek p;

#define PEEK(t) mcp_peek((t), strlen(t), &p)
	PEEK("[]");
	ok(p.parsed && p.is_batch && p.n_invalid == 1 && p.n_requests == 0, "peek: an empty batch is invalid");
	PEEK("[[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]]");
	ok(p.n_invalid == 1 && p.n_requests == 0, "peek: a nested batch is invalid");
	PEEK("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}");
	ok(p.n_invalid == 1 && p.n_requests == 0, "peek: method 5 is invalid");
	PEEK("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	ok(p.n_invalid == 0 && p.n_other == 1, "peek: a notification is valid");
	PEEK("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}");
	ok(p.n_invalid == 0, "peek: a response is valid");
	PEEK("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xc0\xaf\"}");
	ok(!p.parsed, "peek: an overlong UTF-8 form does not parse");
#undef PEEK
}

static void
test_negotiation(void)
{
	struct mcp_server *s = new_server();

	is_str(answer_at(s, init_0618, "result.protocolVersion"), "\"2025-06-18\"", "a supported version is echoed");
	is_int(mcp_server_era(s), MCP_ERA_HANDSHAKE, "handshake era after initialize");
	is_int(err_code(s, init_0618), MCP_INVALID_REQUEST, "a second initialize: -32600");
	mcp_server_free(s);

	s = new_server();
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
	    "\"1999-01-01\",\"capabilities\":{}}}", "result.protocolVersion"), "\"2025-11-25\"",
	    "an unknown version gets the latest handshake version");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", "result.tools.0.name"),
	    "\"chat\"", "tools/list after initialize");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"no/such\"}"), MCP_METHOD_NOT_FOUND, "unknown method: -32601");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"loud\"}}"),
	    MCP_INVALID_PARAMS, "setLevel with a bad level: -32602");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"debug\"}}"),
	    0, "setLevel debug");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}", "result"), "{}", "ping answers {}");
	mcp_server_free(s);

	s = new_server();
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}"), MCP_INVALID_PARAMS,
	    "initialize without protocolVersion: -32602");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
	    "\"2024-11-05\",\"capabilities\":{}}}", "result.capabilities.completions"), "(absent)",
	    "2024-11-05 gets no completions capability");
	ok(strstr(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", "result.tools.0"),
	    "annotations") == NULL, "2024-11-05 tools have no annotations");
	ok(strstr(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", "result.tools.0"),
	    "outputSchema") == NULL, "2024-11-05 tools have no outputSchema");
	mcp_server_free(s);

	s = new_server();
	say(s, init_0618);
	ok(strstr(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", "result.tools.0"),
	    "\"outputSchema\"") != NULL, "2025-06-18 tools have outputSchema");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", "result.tools.1.annotations.readOnlyHint"),
	    "true", "list_providers is read-only");
	mcp_server_free(s);
}

static void
test_modern(void)
{
	struct mcp_server *s = new_server();

	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" MODERN_META "}}",
	    "result.resultType"), "\"complete\"", "modern tools/list has resultType");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" MODERN_META "}}",
	    "result.cacheScope"), "\"public\"", "modern list has cacheScope");
	ok(strcmp(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\",\"params\":{" MODERN_META "}}",
	    "result.ttlMs"), "(absent)") != 0, "modern list has ttlMs");
	is_int(mcp_server_era(s), MCP_ERA_NONE, "modern requests leave no state");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\",\"params\":{" MODERN_META "}}",
	    "result.supportedVersions.0"), "\"2026-07-28\"", "server/discover lists 2026-07-28 first");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\",\"params\":{" MODERN_META "}}",
	    "result.supportedVersions.4"), "\"2024-11-05\"", "and the handshake versions");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":{" MODERN_META "}}"),
	    MCP_METHOD_NOT_FOUND, "ping is gone in 2026-07-28: -32601");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
	    "\"io.modelcontextprotocol/protocolVersion\":\"2030-01-01\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}"),
	    MCP_INVALID_PARAMS, "an unsupported modern version: -32602");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
	    "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}"),
	    MCP_INVALID_PARAMS, "missing clientCapabilities: -32602");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":\"nope://x\","
	    MODERN_META "}}"), MCP_INVALID_PARAMS, "modern unknown resource: -32602");
	mcp_server_free(s);
}

/* How the era is chosen, and the HTTP status hints of modern errors. */
static void
test_era_choice(void)
{
	struct mcp_server *s = new_server();

	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{" MODERN_META "}}"),
	    MCP_METHOD_NOT_FOUND, "initialize with the modern _meta: -32601");
	is_int(mcp_server_http_status(s), 404, "... with HTTP 404");
	is_int(mcp_server_era(s), MCP_ERA_NONE, "... and no handshake");
	mcp_server_free(s);
	s = new_server();
	mcp_server_expect_modern(s);
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{}}"),
	    MCP_INVALID_PARAMS, "no session, no handshake, no _meta: -32602");
	is_int(mcp_server_http_status(s), 400, "... with HTTP 400");
	mcp_server_free(s);
	s = new_server();
	mcp_server_expect_modern(s);
	is_int(err_code(s, init_0618), 0, "without a session, a plain initialize still starts the handshake era");
	mcp_server_free(s);
	s = new_server();
	is_int(err_code(s, init_0618), 0, "initialize");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/subscribe\",\"params\":"
	    "{\"uri\":\"session://abc\"}}", "result"), "{}", "resources/subscribe answers {}");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/unsubscribe\",\"params\":"
	    "{\"uri\":\"session://abc\"}}", "result"), "{}", "resources/unsubscribe answers {}");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/subscribe\",\"params\":{}}"),
	    MCP_INVALID_PARAMS, "subscribe without a uri: -32602");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/subscribe\",\"params\":"
	    "{\"uri\":\"session://abc\"," MODERN_META "}}"), MCP_METHOD_NOT_FOUND, "subscribe is gone in 2026-07-28");
	mcp_server_free(s);
	s = new_server();
	is_str(answer_at(s, init_0618, "result.capabilities.resources.subscribe"), "true",
	    "the handshake era offers subscriptions");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\",\"params\":{" MODERN_META "}}",
	    "result.capabilities.resources.subscribe"), "false", "the modern era does not");
	mcp_server_free(s);
}

static void
test_batches(void)
{
	struct mcp_server *s = new_server();
	static const char batch[] = "[{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
	    "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"no/such\"}]";
	struct json_object *o;

	is_int(err_code(s, batch), MCP_INVALID_REQUEST, "a batch before initialize: -32600");
	say(s, init_0618);
	is_int(err_code(s, batch), MCP_INVALID_REQUEST, "a batch with 2025-06-18: -32600");
	mcp_server_free(s);

	s = new_server();
	say(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
	    "\"2025-03-26\",\"capabilities\":{}}}");
	o = one(s, batch);
	ok(o != NULL && json_object_is_type(o, json_type_array) && json_object_array_length(o) == 2,
	    "a 2025-03-26 batch gets one array with the two responses");
	json_object_put(o);
	is_int(err_code(s, "[]"), MCP_INVALID_REQUEST, "an empty batch: -32600");
	reset();
	feed(s, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}]");
	is_int(n_out, 0, "a batch of notifications gets no answer");
	o = one(s, "[1]");
	ok(o != NULL && json_object_is_type(o, json_type_array) && json_object_array_length(o) == 1,
	    "an invalid batch element gets its own error");
	json_object_put(o);
	is_str(answer_at(s, "[[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]]", "0.error.code"), "-32600",
	    "a nested batch: one -32600 error per element");
	is_str(answer_at(s, "[]", "error.code"), "-32600", "an empty batch: a single error object, not an array");
	mcp_server_free(s);
}

static void
test_pagination(void)
{
	struct mcp_server *s = new_server();
	size_t saved = mcp_page_size;

	say(s, init_0618);
	mcp_page_size = 3;
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", "result.nextCursor"), "\"o3\"",
	    "the first page has a cursor");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{\"cursor\":\"o3\"}}",
	    "result.tools.0.name"), "\"export_session_memory\"", "the cursor gives the next page");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{\"cursor\":\"o3\"}}",
	    "result.nextCursor"), "(absent)", "the last page has no cursor");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"cursor\":\"bogus\"}}"),
	    MCP_INVALID_PARAMS, "an invalid cursor: -32602");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/list\",\"params\":{\"cursor\":\"o99\"}}"),
	    MCP_INVALID_PARAMS, "a cursor past the end: -32602");
	mcp_page_size = 1;
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/templates/list\",\"params\":{\"cursor\":\"o1\"}}",
	    "result.resourceTemplates.0.uriTemplate"), "\"session://{session_id}\"", "templates paginate too");
	mcp_page_size = saved;
	mcp_server_free(s);
}

static void
test_tools_and_resources(void)
{
	struct mcp_server *s = new_server();

	say(s, init_0618);
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\"}}"),
	    MCP_INVALID_PARAMS, "unknown tool: -32602");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{}}"),
	    MCP_INVALID_PARAMS, "tools/call without name: -32602");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":5}}"),
	    MCP_INVALID_PARAMS, "tools/call with a numeric name: -32602");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"chat\",\"arguments\":\"hi\"}}"),
	    MCP_INVALID_PARAMS, "arguments not an object: -32602");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"chat\",\"arguments\":{\"message\":5}}}",
	    "result.isError"), "true", "a wrong argument type is a tool error");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"chat\",\"arguments\":{}}}",
	    "result.isError"), "true", "a missing argument is a tool error");
	ok(strstr(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"chat\",\"arguments\":{}}}",
	    "result.content.0.text"), "message") != NULL, "and says which argument");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"get_session\","
	    "\"arguments\":{\"session_id\":\"bad id!\"}}}", "result.isError"), "true", "a malformed session id is a tool error");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"list_providers\","
	    "\"arguments\":{\"x\":1}}}", "result.isError"), "true", "an unknown argument is a tool error");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"export_session_memory\","
	    "\"arguments\":{\"session_id\":\"abc\",\"format\":\"pdf\"}}}", "result.isError"), "true", "a value outside the enum is a tool error");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"export_session_memory\","
	    "\"arguments\":{\"session_id\":\"abc\",\"summarize\":\"yes\"}}}", "result.isError"), "true", "a string for a boolean is a tool error");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":\"nope://x\"}}"),
	    MCP_RESOURCE_NOT_FOUND, "unknown resource: -32002 in the handshake era");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":\"provider://nope\"}}"),
	    MCP_RESOURCE_NOT_FOUND, "unknown provider resource: -32002");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{}}"),
	    MCP_INVALID_PARAMS, "resources/read without uri: -32602");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/list\"}", "result.resources.0.uri"),
	    "\"provider://list\"", "resources/list starts with provider://list");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/get\",\"params\":{\"name\":\"nope\"}}"),
	    MCP_INVALID_PARAMS, "unknown prompt: -32602");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/get\",\"params\":{\"name\":\"summarize_session\"}}"),
	    MCP_INVALID_PARAMS, "prompt without its argument: -32602");
	is_str(answer_at(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"completion/complete\",\"params\":{\"ref\":{\"type\":"
	    "\"ref/resource\",\"uri\":\"provider://{name}\"},\"argument\":{\"name\":\"name\",\"value\":\"ge\"}}}",
	    "result.completion.values"), "[\"gemini\"]", "provider names complete");
	is_int(err_code(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"completion/complete\",\"params\":{\"ref\":{\"type\":"
	    "\"ref/prompt\",\"name\":\"nope\"},\"argument\":{\"name\":\"x\",\"value\":\"\"}}}"), MCP_INVALID_PARAMS,
	    "completion for an unknown prompt: -32602");
	mcp_server_free(s);
}

/* Mutated messages never crash the dispatcher, and every answer is JSON. */
static void
test_fuzz(void)
{
	static const char *const seeds[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-03-26\"}}",
		"[{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{\"cursor\":\"o1\"}}]",
		"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":\"provider://claude\"}}",
		"{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"get_session\",\"arguments\":{\"session_id\":7}}}",
	};
	struct mcp_server *s = new_server();
	char buf[256];
	unsigned seed = 12345;
	int i, j, all_json = 1;

	for (i = 0; i < 2000; i++) {
		const char *src = seeds[i % 4];
		size_t len = strlen(src);

		memcpy(buf, src, len);
		for (j = 0; j < 3; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % len] = (char)(seed >> 16);
		}
		reset();
		mcp_handle(s, buf, len);
		for (j = 0; j < n_out; j++) {
			struct json_object *o = json_tokener_parse(out[j]);

			if (o == NULL || strchr(out[j], '\n') != NULL)
				all_json = 0;
			json_object_put(o);
		}
	}
	ok(all_json, "2000 mutated messages: every answer is one line of JSON");
	reset();
	mcp_server_free(s);
}

int
main(void)
{
	static struct hub_config cfg;
	char err[256];

	setenv("REDIS_URL", "redis://127.0.0.1:1", 1);
	setenv("HUB_REDIS_TIMEOUT_MS", "100", 1);
	setenv("HUB_CLAUDE_CLI", "/bin/true", 1);
	setenv("HUB_GEMINI_CLI", "/bin/true", 1);
	if (startup_config_load(&cfg, err, sizeof(err)) != 0) {
		printf("Bail out! config: %s\n", err);
		return 1;
	}
	hub_cfg = &cfg;
	hub_log_set_level("error");
	registry_init();
	test_framing();
	test_negotiation();
	test_modern();
	test_era_choice();
	test_batches();
	test_peek();
	test_pagination();
	test_tools_and_resources();
	test_fuzz();
	registry_free();
	hub_config_free(&cfg);
	return tap_done();
}
