/*
 * tool_stub.c - hub-tool-stub, the MCP stdio server through which the
 * Gemini CLI adapter (providers/gemini.c) declares a client's functions.
 *
 * Usage (by the Gemini CLI only, from the run's settings.json):
 *   hub-tool-stub TOOLS.json
 *
 * TOOLS.json, written by the adapter into the run's directory, is the JSON
 * array answered to tools/list ([{"name","description","inputSchema"}]).
 * The stub speaks newline-delimited JSON-RPC 2.0 on stdin/stdout: it
 * answers initialize, ping and tools/list, and every tools/call with an
 * error result (isError): it never executes anything, opens no file but
 * TOOLS.json and starts no process. The run never gets that far anyway: a
 * BeforeTool hook stops the CLI first (docs/PROVIDERS.md). Notifications
 * are ignored, other requests get "method not found", lines over
 * TOOL_STUB_MAX_LINE bytes or that are not JSON objects are skipped.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* One JSON-RPC line from the CLI, and the declarations file. */
#define TOOL_STUB_MAX_LINE        (8 * 1024 * 1024)
#define TOOL_STUB_MAX_FILE        (16 * 1024 * 1024)
#define TOOL_STUB_PROTOCOL        "2025-06-18"

/* Read the whole declarations file; NULL when it is missing, too large or
 * not a JSON array. */
static struct json_object *
tool_stub_load(const char *path)
{
	struct json_object *tools;
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || len > TOOL_STUB_MAX_FILE ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	tools = json_tokener_parse(buf);
	free(buf);
	if (tools != NULL && !json_object_is_type(tools, json_type_array)) {
		json_object_put(tools);
		tools = NULL;
	}
	return tools;
}

/* Write {"jsonrpc":"2.0","id":id,key:value} as one line; takes value. */
static void
tool_stub_reply(struct json_object *id, const char *key, struct json_object *value)
{
	struct json_object *msg = json_object_new_object();

	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(msg, "id", json_object_get(id));
	json_object_object_add(msg, key, value);
	fputs(json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
	fputc('\n', stdout);
	fflush(stdout);
	json_object_put(msg);
}

/* The result of initialize: the client's protocol version when it gives one. */
static struct json_object *
tool_stub_initialize(struct json_object *params)
{
	struct json_object *r = json_object_new_object(), *caps = json_object_new_object(),
	    *info = json_object_new_object(), *v = NULL;
	const char *version = TOOL_STUB_PROTOCOL;

	if (params != NULL && json_object_object_get_ex(params, "protocolVersion", &v) &&
	    json_object_is_type(v, json_type_string) && json_object_get_string_len(v) < 32)
		version = json_object_get_string(v);
	json_object_object_add(r, "protocolVersion", json_object_new_string(version));
	json_object_object_add(caps, "tools", json_object_new_object());
	json_object_object_add(r, "capabilities", caps);
	json_object_object_add(info, "name", json_object_new_string("hub-tool-stub"));
	json_object_object_add(info, "version", json_object_new_string(HUB_VERSION));
	json_object_object_add(r, "serverInfo", info);
	return r;
}

/* The result of every tools/call: an error, nothing run. */
static struct json_object *
tool_stub_refuse(void)
{
	struct json_object *r = json_object_new_object(), *content = json_object_new_array(),
	    *text = json_object_new_object();

	json_object_object_add(text, "type", json_object_new_string("text"));
	json_object_object_add(text, "text", json_object_new_string(
	    "This tool is run by the client of the hub, not here."));
	json_object_array_add(content, text);
	json_object_object_add(r, "content", content);
	json_object_object_add(r, "isError", json_object_new_boolean(1));
	return r;
}

/* Answer one request line. */
static void
tool_stub_handle(struct json_object *tools, const char *line)
{
	struct json_object *msg = json_tokener_parse(line), *id = NULL, *params = NULL, *m = NULL;
	struct json_object *result, *err;
	const char *method;

	if (msg == NULL || !json_object_is_type(msg, json_type_object) ||
	    !json_object_object_get_ex(msg, "method", &m) || !json_object_is_type(m, json_type_string) ||
	    !json_object_object_get_ex(msg, "id", &id) || id == NULL)
		goto out;  /* a notification, a response or garbage: no answer */
	method = json_object_get_string(m);
	(void)json_object_object_get_ex(msg, "params", &params);
	if (strcmp(method, "initialize") == 0)
		tool_stub_reply(id, "result", tool_stub_initialize(params));
	else if (strcmp(method, "tools/list") == 0) {
		result = json_object_new_object();
		json_object_object_add(result, "tools", json_object_get(tools));
		tool_stub_reply(id, "result", result);
	} else if (strcmp(method, "tools/call") == 0)
		tool_stub_reply(id, "result", tool_stub_refuse());
	else if (strcmp(method, "ping") == 0)
		tool_stub_reply(id, "result", json_object_new_object());
	else {
		err = json_object_new_object();
		json_object_object_add(err, "code", json_object_new_int(-32601));
		json_object_object_add(err, "message", json_object_new_string("method not found"));
		tool_stub_reply(id, "error", err);
	}
out:
	json_object_put(msg);
}

int
main(int argc, char **argv)
{
	struct json_object *tools;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: hub-tool-stub TOOLS.json\n");
		return 2;
	}
	if ((tools = tool_stub_load(argv[1])) == NULL) {
		fprintf(stderr, "hub-tool-stub: cannot read the tool declarations\n");
		return 1;
	}
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n > TOOL_STUB_MAX_LINE)
			continue;
		tool_stub_handle(tools, line);
	}
	free(line);
	json_object_put(tools);
	return 0;
}
