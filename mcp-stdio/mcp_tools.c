/*
 * mcp_tools.c - the hub's MCP tools, resources, prompts and completions,
 * on top of chat.c, memory.c, provider_list.c and the session store.
 *
 * Tool arguments are checked against the tool's own published inputSchema
 * (types, required, enum, length, unknown keys), so that what clients are
 * told and what is enforced cannot drift apart.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chat.h"
#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "core/memory.h"
#include "core/provider_list.h"
#include "core/session_json.h"
#include "mcp_tools.h"
#ifdef HUB_MCP_FIXTURES
#include "mcp_fixtures.h"   /* test binaries only (configure --enable-mcp-fixtures) */
#endif
#include "providers/registry.h"
#include "session/session.h"
#include "session/session_id.h"

#define MCP_TOOLS_MAX_COMPLETIONS 100
#define MCP_TOOLS_SESSION_PATTERN "^[A-Za-z0-9_-]{1,128}$"

/* ------------------------------------------------------------ definitions */

static const char mcp_tools_json[] =
"["
"{\"name\":\"chat\",\"title\":\"Chat with Claude or Gemini\","
" \"description\":\"Send a message to Claude or Gemini through the hub's subscriptions and get the reply. "
"Pass session_id to continue a stored conversation; without it a new session is started and its id is returned.\","
" \"inputSchema\":{\"type\":\"object\",\"properties\":{"
"  \"message\":{\"type\":\"string\",\"minLength\":1,\"description\":\"The user message.\"},"
"  \"provider\":{\"type\":\"string\",\"description\":\"a provider's name (list_providers); default: chosen by model, else the hub's default provider.\"},"
"  \"model\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":128,\"description\":\"A model id or alias such as sonnet or gemini-2.5-pro.\"},"
"  \"session_id\":{\"type\":\"string\",\"pattern\":\"" MCP_TOOLS_SESSION_PATTERN "\",\"description\":\"Continue this session (created when it does not exist).\"},"
"  \"system\":{\"type\":\"string\",\"description\":\"A system prompt for this turn.\"}},"
"  \"required\":[\"message\"],\"additionalProperties\":false},"
" \"outputSchema\":{\"type\":\"object\",\"properties\":{"
"  \"session_id\":{\"type\":\"string\"},\"provider\":{\"type\":\"string\"},"
"  \"model\":{\"type\":\"string\"},\"reply\":{\"type\":\"string\"}},"
"  \"required\":[\"session_id\",\"provider\",\"model\",\"reply\"]},"
" \"annotations\":{\"title\":\"Chat with Claude or Gemini\",\"readOnlyHint\":false,\"destructiveHint\":false,"
"  \"idempotentHint\":false,\"openWorldHint\":true}},"
"{\"name\":\"list_providers\",\"title\":\"List providers\","
" \"description\":\"The providers this hub serves (built-in and configured) with their status, CLI, default model and models.\","
" \"inputSchema\":{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false},"
" \"outputSchema\":{\"type\":\"object\",\"properties\":{"
"  \"providers\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
"   \"name\":{\"type\":\"string\"},\"status\":{\"type\":\"string\"},\"enabled\":{\"type\":\"boolean\"},"
"   \"cli_version\":{\"type\":[\"string\",\"null\"]}},"
"   \"required\":[\"name\"]}}},\"required\":[\"providers\"]},"
" \"annotations\":{\"title\":\"List providers\",\"readOnlyHint\":true,\"destructiveHint\":false,"
"  \"idempotentHint\":true,\"openWorldHint\":false}},"
"{\"name\":\"get_session\",\"title\":\"Get a session\","
" \"description\":\"A stored conversation: its metadata and every message.\","
" \"inputSchema\":{\"type\":\"object\",\"properties\":{"
"  \"session_id\":{\"type\":\"string\",\"pattern\":\"" MCP_TOOLS_SESSION_PATTERN "\",\"description\":\"The session id.\"}},"
"  \"required\":[\"session_id\"],\"additionalProperties\":false},"
" \"outputSchema\":{\"type\":\"object\",\"properties\":{"
"  \"id\":{\"type\":\"string\"},\"created_at\":{\"type\":\"string\"},\"updated_at\":{\"type\":\"string\"},"
"  \"provider\":{\"type\":[\"string\",\"null\"]},\"model\":{\"type\":[\"string\",\"null\"]},"
"  \"message_count\":{\"type\":\"integer\"},"
"  \"messages\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
"   \"role\":{\"type\":\"string\"},\"content\":{\"type\":[\"string\",\"array\",\"null\"]},\"timestamp\":{\"type\":\"string\"},"
"   \"tool_calls\":{\"type\":\"array\"},\"tool_call_id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"}},"
"   \"required\":[\"role\",\"content\"]}}},"
"  \"required\":[\"id\",\"message_count\",\"messages\"]},"
" \"annotations\":{\"title\":\"Get a session\",\"readOnlyHint\":true,\"destructiveHint\":false,"
"  \"idempotentHint\":true,\"openWorldHint\":false}},"
"{\"name\":\"export_session_memory\",\"title\":\"Export session memory\","
" \"description\":\"The whole conversation as markdown or JSON with an LLM summary (key points, decisions, open questions), "
"the same document as GET /v1/sessions/{id}/memory. The export never fails because of the summary.\","
" \"inputSchema\":{\"type\":\"object\",\"properties\":{"
"  \"session_id\":{\"type\":\"string\",\"pattern\":\"" MCP_TOOLS_SESSION_PATTERN "\",\"description\":\"The session id.\"},"
"  \"summarize\":{\"type\":\"boolean\",\"default\":true,\"description\":\"Ask a provider for a summary.\"},"
"  \"provider\":{\"type\":\"string\",\"default\":\"claude\",\"description\":\"Who writes the summary: a provider's name (list_providers).\"},"
"  \"format\":{\"type\":\"string\",\"enum\":[\"markdown\",\"json\"],\"default\":\"markdown\"},"
"  \"lang\":{\"type\":\"string\",\"enum\":[\"ko\",\"en\"],\"default\":\"ko\",\"description\":\"Language of the markdown headings.\"}},"
"  \"required\":[\"session_id\"],\"additionalProperties\":false},"
" \"outputSchema\":{\"type\":\"object\",\"properties\":{"
"  \"session_id\":{\"type\":\"string\"},\"format\":{\"type\":\"string\"},\"filename\":{\"type\":\"string\"},"
"  \"summary_ok\":{\"type\":\"boolean\"},\"document\":{\"type\":\"string\"}},"
"  \"required\":[\"session_id\",\"format\",\"filename\",\"summary_ok\",\"document\"]},"
" \"annotations\":{\"title\":\"Export session memory\",\"readOnlyHint\":true,\"destructiveHint\":false,"
"  \"idempotentHint\":false,\"openWorldHint\":true}}"
"]";

static const char mcp_prompts_json[] =
"["
"{\"name\":\"summarize_session\",\"title\":\"Summarize a session\","
" \"description\":\"Ask the model to summarize a stored conversation: key points, decisions, open questions.\","
" \"arguments\":[{\"name\":\"session_id\",\"description\":\"The session to summarize.\",\"required\":true}]},"
"{\"name\":\"continue_session\",\"title\":\"Continue a session\","
" \"description\":\"Start a new conversation from an earlier one: its memory export (summary and transcript) "
"as the opening context.\","
" \"arguments\":[{\"name\":\"session_id\",\"description\":\"The earlier session.\",\"required\":true}]}"
"]";

static const char mcp_templates_json[] =
"["
"{\"uriTemplate\":\"provider://{name}\",\"name\":\"provider\",\"title\":\"A provider\","
" \"description\":\"One provider: status, CLI, models.\",\"mimeType\":\"application/json\"},"
"{\"uriTemplate\":\"session://{session_id}\",\"name\":\"session\",\"title\":\"A session\","
" \"description\":\"A stored conversation with its messages.\",\"mimeType\":\"application/json\"}"
"]";

/* Parse one of the static definitions above. */
static struct json_object *
mcp_tools_static(const char *text)
{
	return json_tokener_parse(text);
}

/* Append every item of extra (taken; may be NULL) to list. */
static struct json_object *
mcp_tools_append(struct json_object *list, struct json_object *extra)
{
	size_t i, n = extra != NULL ? json_object_array_length(extra) : 0;

	for (i = 0; list != NULL && i < n; i++)
		json_object_array_add(list, json_object_get(json_object_array_get_idx(extra, i)));
	json_object_put(extra);
	return list;
}

#ifdef HUB_MCP_FIXTURES
#define MCP_TOOLS_FIXTURES(call) (call)
#else
#define MCP_TOOLS_FIXTURES(call) NULL
#endif

struct json_object *
mcp_tools_list(void)
{
	return mcp_tools_append(mcp_tools_static(mcp_tools_json), MCP_TOOLS_FIXTURES(mcp_fixtures_tools()));
}

struct json_object *
mcp_prompts_list(void)
{
	return mcp_tools_append(mcp_tools_static(mcp_prompts_json), MCP_TOOLS_FIXTURES(mcp_fixtures_prompts()));
}

struct json_object *
mcp_resource_templates_list(void)
{
	return mcp_tools_append(mcp_tools_static(mcp_templates_json),
	    MCP_TOOLS_FIXTURES(mcp_fixtures_templates()));
}

void
mcp_tools_log(const struct mcp_tool_ctx *ctx, const char *level, const char *text)
{
	struct json_object *p;

	if (ctx->notify == NULL || (p = json_object_new_object()) == NULL)
		return;
	json_object_object_add(p, "level", json_object_new_string(level));
	json_object_object_add(p, "logger", json_object_new_string("llm-mcp-hub"));
	json_object_object_add(p, "data", json_object_new_string(text));
	ctx->notify(ctx->arg, "notifications/message", p);
}

void
mcp_tools_resource_updated(const struct mcp_tool_ctx *ctx, const char *uri)
{
	struct json_object *p;

	if (ctx->notify == NULL || (p = json_object_new_object()) == NULL)
		return;
	json_object_object_add(p, "uri", json_object_new_string(uri));
	ctx->notify(ctx->arg, "notifications/resources/updated", p);
}

/* ------------------------------------------------------------ results */

/* A new CallToolResult with one text block. */
static struct json_object *
mcp_tools_text_result(const char *text, int is_error)
{
	struct json_object *res = json_object_new_object(), *content = json_object_new_array();
	struct json_object *block = json_object_new_object();

	json_object_object_add(block, "type", json_object_new_string("text"));
	json_object_object_add(block, "text", json_object_new_string(text));
	json_object_array_add(content, block);
	json_object_object_add(res, "content", content);
	if (is_error)
		json_object_object_add(res, "isError", json_object_new_boolean(1));
	return res;
}

/* A tool failure: isError with a printf-style explanation. */
static struct json_object *mcp_tools_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static struct json_object *
mcp_tools_fail(const char *fmt, ...)
{
	char msg[HUB_MAX_ERROR_MESSAGE + 200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mcp_tools_text_result(msg, 1);
}

/* A success with structured (taken) and its JSON text as the content. */
static struct json_object *
mcp_tools_structured_result(struct json_object *structured)
{
	struct json_object *res = mcp_tools_text_result(hub_json_compact(structured), 0);

	json_object_object_add(res, "structuredContent", structured);
	return res;
}

/* ------------------------------------------------------------ arguments */

/* Check args against schema; 0, or HUB_ERR_INVALID with msg set. */
static int
mcp_tools_check_args(struct json_object *schema, struct json_object *args, char *msg, size_t msglen)
{
	struct json_object *props = NULL, *required = NULL, *prop, *t, *v, *e;
	const char *type;
	size_t i, n;
	int found;

	json_object_object_get_ex(schema, "properties", &props);
	json_object_object_get_ex(schema, "required", &required);
	n = required ? json_object_array_length(required) : 0;
	for (i = 0; i < n; i++) {
		const char *k = json_object_get_string(json_object_array_get_idx(required, i));

		if (args == NULL || !json_object_object_get_ex(args, k, &v)) {
			snprintf(msg, msglen, "missing required argument '%s'", k);
			return HUB_ERR_INVALID;
		}
	}
	if (args == NULL)
		return HUB_OK;
	json_object_object_foreach(args, key, val) {
		if (!json_object_object_get_ex(props, key, &prop)) {
			snprintf(msg, msglen, "unknown argument '%.64s'", key);
			return HUB_ERR_INVALID;
		}
		json_object_object_get_ex(prop, "type", &t);
		type = json_object_get_string(t);
		if (strcmp(type, "string") == 0) {
			size_t len;

			if (!json_object_is_type(val, json_type_string)) {
				snprintf(msg, msglen, "argument '%s' must be a string", key);
				return HUB_ERR_INVALID;
			}
			len = (size_t)json_object_get_string_len(val);
			if (json_object_object_get_ex(prop, "minLength", &v) && len < (size_t)json_object_get_int(v)) {
				snprintf(msg, msglen, "argument '%s' must not be empty", key);
				return HUB_ERR_INVALID;
			}
			if (json_object_object_get_ex(prop, "maxLength", &v) && len > (size_t)json_object_get_int(v)) {
				snprintf(msg, msglen, "argument '%s' is longer than %d characters", key,
				    json_object_get_int(v));
				return HUB_ERR_INVALID;
			}
			if (json_object_object_get_ex(prop, "pattern", &v) &&
			    !session_id_valid(json_object_get_string(val))) {
				snprintf(msg, msglen, "argument '%s' must be 1 to %d characters of A-Z a-z 0-9 _ -",
				    key, HUB_MAX_SESSION_ID_LEN);
				return HUB_ERR_INVALID;
			}
			if (json_object_object_get_ex(prop, "enum", &e)) {
				found = 0;
				for (i = 0; i < json_object_array_length(e) && !found; i++)
					found = strcmp(json_object_get_string(json_object_array_get_idx(e, i)),
					    json_object_get_string(val)) == 0;
				if (!found) {
					snprintf(msg, msglen, "argument '%s' must be one of %s", key,
					    hub_json_compact(e));
					return HUB_ERR_INVALID;
				}
			}
		} else if (strcmp(type, "boolean") == 0 && !json_object_is_type(val, json_type_boolean)) {
			snprintf(msg, msglen, "argument '%s' must be true or false", key);
			return HUB_ERR_INVALID;
		}
	}
	return HUB_OK;
}

/* The tool definition called name (a new reference), or NULL. */
static struct json_object *
mcp_tools_find(const char *name)
{
	struct json_object *tools = mcp_tools_list(), *t, *found = NULL;
	size_t i, n = tools ? json_object_array_length(tools) : 0;

	for (i = 0; i < n && found == NULL; i++) {
		t = json_object_array_get_idx(tools, i);
		if (strcmp(hub_json_get_string(t, "name"), name) == 0)
			found = json_object_get(t);
	}
	json_object_put(tools);
	return found;
}

/* ------------------------------------------------------------ tools */

static int
mcp_tools_on_delta(void *arg, const char *text, size_t len)
{
	const struct mcp_tool_ctx *ctx = arg;

	return ctx->progress != NULL ? ctx->progress(ctx->arg, text, len) : 0;
}

static int
mcp_tools_on_idle(void *arg)
{
	const struct mcp_tool_ctx *ctx = arg;

	return ctx->idle != NULL ? ctx->idle(ctx->arg) : 0;
}

static struct json_object *
mcp_tools_chat(struct json_object *args, const struct mcp_tool_ctx *ctx)
{
	struct provider_msg msgs[2];
	struct chat_request req;
	struct chat_result res;
	struct json_object *out, *sc, *block;
	const char *system = hub_json_get_string(args, "system");
	size_t n = 0;
	char note[400];

	if (system != NULL && *system != '\0')
		msgs[n++] = (struct provider_msg){ .role = "system", .content = system };
	msgs[n++] = (struct provider_msg){ .role = "user", .content = hub_json_get_string(args, "message") };
	memset(&req, 0, sizeof(req));
	req.session_id = hub_json_get_string(args, "session_id");
	req.owner = ctx->owner;
	req.model = hub_json_get_string(args, "model");
	req.provider = hub_json_get_string(args, "provider");
	req.messages = msgs;
	req.n_messages = n;
	req.store = 1;
	req.stream = ctx->progress != NULL;
	req.io.on_delta = mcp_tools_on_delta;
	req.io.on_idle = mcp_tools_on_idle;
	req.io.idle_tick_ms = ctx->idle != NULL ? ctx->idle_tick_ms : 0;
	req.io.arg = (void *)ctx;
	req.io.watch_fd = ctx->cancel_fd;
	snprintf(note, sizeof(note), "chat: asking %s%s%s", req.provider ? req.provider : "the default provider",
	    req.model ? ", model " : "", req.model ? req.model : "");
	mcp_tools_log(ctx, "info", note);
	chat_run(&req, &res);
	if (res.err == HUB_OK && res.session_id[0] != '\0') {
		snprintf(note, sizeof(note), "session://%s", res.session_id);
		mcp_tools_resource_updated(ctx, note);
	}
	if (res.err != HUB_OK) {
		snprintf(note, sizeof(note), "chat failed: %s", hub_error_code(res.err));
		mcp_tools_log(ctx, "error", note);
		out = mcp_tools_fail("chat failed (%s%s%s): %s", hub_error_code(res.err),
		    res.provider ? ", provider " : "", res.provider ? res.provider->name : "", res.message);
		chat_result_free(&res);
		return out;
	}
	snprintf(note, sizeof(note), "chat: %s answered (%zu bytes)", res.provider->name,
	    res.reply.text ? strlen(res.reply.text) : (size_t)0);
	mcp_tools_log(ctx, "info", note);
	sc = json_object_new_object();
	json_object_object_add(sc, "session_id", json_object_new_string(res.session_id));
	json_object_object_add(sc, "provider", json_object_new_string(res.provider->name));
	json_object_object_add(sc, "model", json_object_new_string(res.model));
	json_object_object_add(sc, "reply", json_object_new_string(res.reply.text ? res.reply.text : ""));
	out = mcp_tools_text_result(res.reply.text ? res.reply.text : "", 0);
	snprintf(note, sizeof(note), "[session_id: %s, provider: %s, model: %s] Pass this session_id "
	    "to the chat tool to continue the conversation.", res.session_id, res.provider->name, res.model);
	block = json_object_new_object();
	json_object_object_add(block, "type", json_object_new_string("text"));
	json_object_object_add(block, "text", json_object_new_string(note));
	json_object_array_add(json_object_object_get(out, "content"), block);
	json_object_object_add(out, "structuredContent", sc);
	chat_result_free(&res);
	return out;
}

static struct json_object *
mcp_tools_list_providers(void)
{
	struct json_object *sc = json_object_new_object();

	/* With cli_version, as GET /v1/providers (cached per process). */
	json_object_object_add(sc, "providers", provider_list_all(1));
	return mcp_tools_structured_result(sc);
}

/* The error text for a session store failure. */
static const char *
mcp_tools_session_error(int rc)
{
	if (rc == HUB_ERR_NOT_FOUND)
		return "session not found (it may have expired)";
	if (rc == HUB_ERR_STORE)
		return "the session store (Redis) is unavailable; try again shortly";
	return hub_strerror(rc);
}

static struct json_object *
mcp_tools_get_session(struct json_object *args, const struct mcp_tool_ctx *ctx)
{
	struct session *s = NULL;
	const char *id = hub_json_get_string(args, "session_id");
	struct json_object *out;
	int rc;

	if ((rc = session_load(id, ctx->owner, 1, &s)) != HUB_OK)
		return mcp_tools_fail("get_session %s: %s", id, mcp_tools_session_error(rc));
	out = mcp_tools_structured_result(session_json_full(s));
	session_free(s);
	return out;
}

static struct json_object *
mcp_tools_export(struct json_object *args, const struct mcp_tool_ctx *ctx)
{
	struct memory_options opt;
	struct memory_export exp;
	struct json_object *v, *sc, *out;
	const char *id = hub_json_get_string(args, "session_id"), *s;
	int rc;

	memset(&opt, 0, sizeof(opt));
	memset(&exp, 0, sizeof(exp));
	opt.summarize = 1;
	if (json_object_object_get_ex(args, "summarize", &v))
		opt.summarize = json_object_get_boolean(v);
	opt.provider = (s = hub_json_get_string(args, "provider")) != NULL ? s : "claude";
	s = hub_json_get_string(args, "format");
	opt.format = s != NULL && strcmp(s, "json") == 0 ? MEMORY_JSON : MEMORY_MARKDOWN;
	s = hub_json_get_string(args, "lang");
	opt.english = s != NULL && strcmp(s, "en") == 0;
	opt.owner = ctx->owner;
	opt.watch_fd = ctx->cancel_fd;
	if ((rc = memory_export(id, &opt, &exp)) != HUB_OK)
		return mcp_tools_fail("export_session_memory %s: %s", id, mcp_tools_session_error(rc));
	sc = json_object_new_object();
	json_object_object_add(sc, "session_id", json_object_new_string(id));
	json_object_object_add(sc, "format", json_object_new_string(opt.format == MEMORY_JSON ? "json" : "markdown"));
	json_object_object_add(sc, "filename", json_object_new_string(exp.filename));
	json_object_object_add(sc, "summary_ok", json_object_new_boolean(exp.summary_ok));
	json_object_object_add(sc, "document", json_object_new_string_len(exp.body, (int)exp.len));
	out = mcp_tools_text_result(exp.body, 0);
	json_object_object_add(out, "structuredContent", sc);
	memory_export_free(&exp);
	return out;
}

int
mcp_tools_call(const char *name, struct json_object *arguments,
    const struct mcp_tool_ctx *ctx, struct json_object **result)
{
	struct json_object *tool, *schema = NULL;
	char msg[300];
	int rc = HUB_OK;

	*result = NULL;
	if (name == NULL || (tool = mcp_tools_find(name)) == NULL)
		return HUB_ERR_NOT_FOUND;
	json_object_object_get_ex(tool, "inputSchema", &schema);
	if (mcp_tools_check_args(schema, arguments, msg, sizeof(msg)) != HUB_OK)
		*result = mcp_tools_fail("invalid arguments for %s: %s", name, msg);
#ifdef HUB_MCP_FIXTURES
	else if (strncmp(name, "test_", 5) == 0)
		rc = mcp_fixtures_call(name, arguments, ctx, result);
#endif
	else if (strcmp(name, "chat") == 0)
		*result = mcp_tools_chat(arguments, ctx);
	else if (strcmp(name, "list_providers") == 0)
		*result = mcp_tools_list_providers();
	else if (strcmp(name, "get_session") == 0)
		*result = mcp_tools_get_session(arguments, ctx);
	else
		*result = mcp_tools_export(arguments, ctx);
	if (rc == HUB_OK && *result == NULL)
		rc = HUB_ERR_NOMEM;
	json_object_put(tool);
	return rc;
}

/* ------------------------------------------------------------ resources */

/* A resource entry. */
static struct json_object *
mcp_tools_resource(const char *uri, const char *name, const char *title, const char *description)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "uri", json_object_new_string(uri));
	json_object_object_add(r, "name", json_object_new_string(name));
	json_object_object_add(r, "title", json_object_new_string(title));
	json_object_object_add(r, "description", json_object_new_string(description));
	json_object_object_add(r, "mimeType", json_object_new_string("application/json"));
	return r;
}

struct json_object *
mcp_resources_list(void)
{
	struct json_object *a = json_object_new_array();
	char uri[64], title[64];
	size_t i;

	json_object_array_add(a, mcp_tools_resource("provider://list", "providers", "Providers",
	    "Every provider this hub serves, with status and models."));
	for (i = 0; i < registry_count(); i++) {
		const struct provider *p = registry_get(i);

		snprintf(uri, sizeof(uri), "provider://%s", p->name);
		snprintf(title, sizeof(title), "Provider %s", p->name);
		json_object_array_add(a, mcp_tools_resource(uri, p->name, title,
		    "One provider: status, CLI, default model and models."));
	}
	return mcp_tools_append(a, MCP_TOOLS_FIXTURES(mcp_fixtures_resources()));
}

/* A ReadResourceResult with one JSON text. */
static struct json_object *
mcp_tools_contents(const char *uri, struct json_object *doc)
{
	struct json_object *res = json_object_new_object(), *contents = json_object_new_array();
	struct json_object *c = json_object_new_object();

	json_object_object_add(c, "uri", json_object_new_string(uri));
	json_object_object_add(c, "mimeType", json_object_new_string("application/json"));
	json_object_object_add(c, "text", json_object_new_string(hub_json_compact(doc)));
	json_object_array_add(contents, c);
	json_object_object_add(res, "contents", contents);
	return res;
}

int
mcp_resources_read(const char *uri, const char *owner, struct json_object **result,
    int *private_scope)
{
	const struct provider *p;
	struct session *s = NULL;
	struct json_object *doc;
	int rc;

	*result = NULL;
	*private_scope = 0;
	if (strcmp(uri, "provider://list") == 0) {
		doc = provider_list_all(0);
	} else if (strncmp(uri, "provider://", 11) == 0) {
		if ((p = registry_find(uri + 11)) == NULL)
			return HUB_ERR_NOT_FOUND;
		doc = provider_list_one(p, 0);
#ifdef HUB_MCP_FIXTURES
	} else if (strncmp(uri, "test://", 7) == 0) {
		return mcp_fixtures_read(uri, result);
#endif
	} else if (strncmp(uri, "session://", 10) == 0) {
		if (!session_id_valid(uri + 10))
			return HUB_ERR_NOT_FOUND;
		if ((rc = session_load(uri + 10, owner, 1, &s)) != HUB_OK)
			return rc;
		doc = session_json_full(s);
		session_free(s);
		*private_scope = 1;
	} else {
		return HUB_ERR_NOT_FOUND;
	}
	if (doc == NULL)
		return HUB_ERR_NOMEM;
	*result = mcp_tools_contents(uri, doc);
	json_object_put(doc);
	return *result != NULL ? HUB_OK : HUB_ERR_NOMEM;
}

/* ------------------------------------------------------------ prompts */

/* A GetPromptResult with one user text message. */
static struct json_object *
mcp_tools_prompt(const char *description, const char *text)
{
	struct json_object *res = json_object_new_object(), *msgs = json_object_new_array();
	struct json_object *m = json_object_new_object(), *c = json_object_new_object();

	json_object_object_add(c, "type", json_object_new_string("text"));
	json_object_object_add(c, "text", json_object_new_string(text));
	json_object_object_add(m, "role", json_object_new_string("user"));
	json_object_object_add(m, "content", c);
	json_object_array_add(msgs, m);
	json_object_object_add(res, "description", json_object_new_string(description));
	json_object_object_add(res, "messages", msgs);
	return res;
}

int
mcp_prompts_get(const char *name, struct json_object *arguments, struct json_object *params,
    const char *owner, struct json_object **result, char *msg, size_t msglen)
{
	struct memory_options opt;
	struct memory_export exp;
	struct hub_buf text;
	const char *id;
	int rc;

	*result = NULL;
#ifdef HUB_MCP_FIXTURES
	if (strncmp(name, "test_", 5) == 0)
		return mcp_fixtures_prompt_get(name, arguments, params, result, msg, msglen);
#else
	(void)params;
#endif
	if (strcmp(name, "summarize_session") != 0 && strcmp(name, "continue_session") != 0)
		return HUB_ERR_NOT_FOUND;
	id = hub_json_get_string(arguments, "session_id");
	if (id == NULL || !session_id_valid(id)) {
		snprintf(msg, msglen, "%s: argument session_id (1 to %d characters of A-Z a-z 0-9 _ -) is required",
		    name, HUB_MAX_SESSION_ID_LEN);
		return HUB_ERR_INVALID;
	}
	memset(&opt, 0, sizeof(opt));
	memset(&exp, 0, sizeof(exp));
	opt.summarize = strcmp(name, "continue_session") == 0;
	opt.provider = "claude";
	opt.format = MEMORY_MARKDOWN;
	opt.english = 1;
	opt.owner = owner;
	opt.watch_fd = -1;
	rc = memory_export(id, &opt, &exp);
	if (rc == HUB_ERR_NOT_FOUND || rc == HUB_ERR_INVALID) {
		snprintf(msg, msglen, "%s: session %s not found (it may have expired)", name, id);
		return HUB_ERR_INVALID;
	}
	if (rc != HUB_OK)
		return rc;
	hub_buf_init(&text, 0);
	if (opt.summarize)
		hub_buf_printf(&text, "Here is the memory of an earlier conversation (session %s): a summary "
		    "and the transcript. Treat it as the context of this new conversation and continue from "
		    "where it left off. Start by briefly saying what you remember and asking how to proceed."
		    "\n\n%s", id, exp.body);
	else
		hub_buf_printf(&text, "Summarize the following conversation (session %s). Give the key "
		    "points, the decisions made and the open questions, as markdown bullet lists under "
		    "those three headings, in the language of the conversation.\n\n%s", id, exp.body);
	*result = mcp_tools_prompt(opt.summarize ? "Continue an earlier conversation" :
	    "Summarize a conversation", text.data ? text.data : "");
	hub_buf_free(&text);
	memory_export_free(&exp);
	return *result != NULL ? HUB_OK : HUB_ERR_NOMEM;
}

/* ------------------------------------------------------------ completion */

/* Add candidate to values when it starts with prefix. */
static void
mcp_tools_candidate(struct json_object *values, int *total, const char *candidate, const char *prefix)
{
	if (strncmp(candidate, prefix, strlen(prefix)) != 0)
		return;
	(*total)++;
	if (json_object_array_length(values) < MCP_TOOLS_MAX_COMPLETIONS)
		json_object_array_add(values, json_object_new_string(candidate));
}

int
mcp_complete(const char *ref_type, const char *ref_name, const char *arg_name,
    const char *value, const char *owner, struct json_object **values, int *total)
{
	struct session_meta *list = NULL;
	char next[40];
	size_t i, n = 0;
	int sessions = 0, providers = 0;

	*values = NULL;
	*total = 0;
#ifdef HUB_MCP_FIXTURES
	if (strncmp(ref_name, "test_", 5) == 0 || strncmp(ref_name, "test://", 7) == 0)
		return mcp_fixtures_complete(ref_type, ref_name, arg_name, value, values, total);
#endif
	if (strcmp(ref_type, "ref/prompt") == 0) {
		if (strcmp(ref_name, "summarize_session") != 0 && strcmp(ref_name, "continue_session") != 0)
			return HUB_ERR_NOT_FOUND;
		sessions = strcmp(arg_name, "session_id") == 0;
	} else if (strcmp(ref_type, "ref/resource") == 0) {
		if (strcmp(ref_name, "session://{session_id}") == 0)
			sessions = strcmp(arg_name, "session_id") == 0;
		else if (strcmp(ref_name, "provider://{name}") == 0)
			providers = strcmp(arg_name, "name") == 0;
		else
			return HUB_ERR_NOT_FOUND;
	} else {
		return HUB_ERR_NOT_FOUND;
	}
	if ((*values = json_object_new_array()) == NULL)
		return HUB_ERR_NOMEM;
	for (i = 0; providers && i < registry_count(); i++)
		mcp_tools_candidate(*values, total, registry_get(i)->name, value);
	if (sessions && session_list(owner, NULL, HUB_MAX_SESSION_PAGE, &list, &n, next, sizeof(next)) == HUB_OK) {
		for (i = 0; i < n; i++)
			mcp_tools_candidate(*values, total, list[i].id, value);
		session_meta_array_free(list, n);
	}
	return HUB_OK;
}
