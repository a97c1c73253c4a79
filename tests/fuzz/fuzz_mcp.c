/*
 * fuzz_mcp.c - libFuzzer harness for the MCP JSON-RPC dispatcher
 * (mcp_peek() and mcp_handle() of mcp-stdio/mcp.c). The input is one
 * connection: its first byte picks the starting state (fresh, or resumed
 * with one of the versions), the rest is split into messages at newlines.
 * The tools layer is stubbed here with small fixed answers so that only
 * the dispatcher's handling of untrusted bytes is under test.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/hub_error.h"
#include "mcp-stdio/mcp.h"
#include "mcp-stdio/mcp_tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---------------------------------------------------------- tool stubs */

/* A list of one item {"name": name}. */
static struct json_object *
fuzz_list_of(const char *key, const char *name)
{
	struct json_object *a = json_object_new_array(), *o = json_object_new_object();

	json_object_object_add(o, key, json_object_new_string(name));
	json_object_array_add(a, o);
	return a;
}

struct json_object *
mcp_tools_list(void)
{
	return fuzz_list_of("name", "chat");
}

int
mcp_tools_call(const char *name, struct json_object *arguments,
    const struct mcp_tool_ctx *ctx, struct json_object **result)
{
	struct json_object *r, *content;

	(void)arguments;
	*result = NULL;
	if (strcmp(name, "chat") != 0 && strcmp(name, "list_providers") != 0)
		return HUB_ERR_NOT_FOUND;
	if (ctx->progress != NULL)
		(void)ctx->progress(ctx->arg, "Hel", 3);
	r = json_object_new_object();
	content = fuzz_list_of("text", "Hello");
	json_object_object_add(r, "content", content);
	json_object_object_add(r, "isError", json_object_new_boolean(0));
	*result = r;
	return HUB_OK;
}

struct json_object *
mcp_resources_list(void)
{
	return fuzz_list_of("uri", "provider://list");
}

struct json_object *
mcp_resource_templates_list(void)
{
	return fuzz_list_of("uriTemplate", "session://{session_id}");
}

int
mcp_resources_read(const char *uri, const char *owner, struct json_object **result,
    int *private_scope)
{
	(void)owner;
	*result = NULL;
	*private_scope = 0;
	if (strcmp(uri, "provider://list") != 0)
		return HUB_ERR_NOT_FOUND;
	*result = json_object_new_object();
	json_object_object_add(*result, "contents", fuzz_list_of("uri", uri));
	return HUB_OK;
}

struct json_object *
mcp_prompts_list(void)
{
	return fuzz_list_of("name", "summarize_session");
}

int
mcp_prompts_get(const char *name, struct json_object *arguments, struct json_object *params,
    const char *owner, struct json_object **result, char *msg, size_t msglen)
{
	(void)arguments; (void)params; (void)owner;
	*result = NULL;
	if (strcmp(name, "summarize_session") != 0)
		return HUB_ERR_NOT_FOUND;
	if (arguments == NULL) {
		snprintf(msg, msglen, "missing session_id");
		return HUB_ERR_INVALID;
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "messages", json_object_new_array());
	return HUB_OK;
}

int
mcp_complete(const char *ref_type, const char *ref_name, const char *arg_name,
    const char *value, const char *owner, struct json_object **values, int *total)
{
	(void)ref_type; (void)arg_name; (void)value; (void)owner;
	*values = NULL;
	*total = 0;
	if (strcmp(ref_name, "summarize_session") != 0)
		return HUB_ERR_NOT_FOUND;
	*values = json_object_new_array();
	return HUB_OK;
}

/* ------------------------------------------------------------- harness */

/* Parse every answer back: the dispatcher must only ever send valid JSON. */
static void
fuzz_send(void *arg, const char *json, size_t len)
{
	struct json_object *o;

	(void)arg;
	if (strlen(json) != len)
		abort();
	o = json_tokener_parse(json);
	if (o == NULL)
		abort();
	json_object_put(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *versions[] = { NULL, "2025-03-26", "2025-06-18",
		MCP_VERSION_LATEST_HANDSHAKE };
	struct mcp_hooks hooks;
	struct mcp_server *s;
	struct mcp_peek peek;
	const char *p, *end, *nl;

	if (size == 0)
		return 0;
	memset(&hooks, 0, sizeof(hooks));
	hooks.send = fuzz_send;
	s = mcp_server_new((data[0] & 4) ? "key-1" : "", &hooks);
	if (s == NULL)
		return 0;
	if (versions[data[0] & 3] != NULL)
		(void)mcp_server_resume(s, versions[data[0] & 3]);
	p = (const char *)data + 1;
	end = (const char *)data + size;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		mcp_peek(p, (size_t)(nl - p), &peek);
		(void)mcp_handle(s, p, (size_t)(nl - p));
		p = nl + 1;
	}
	(void)mcp_wait_idle(s, 1000);
	mcp_server_free(s);
	return 0;
}
