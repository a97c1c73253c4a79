/*
 * gemini_tools.c - client tools, tool turns and images for one Gemini CLI
 * run (see gemini_tools.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_os.h"
#include "common/hub_time.h"
#include "providers/cli_text.h"
#include "providers/gemini_tools.h"

/* The hook command: constant, no request data; the CLI stops at once. */
#define GEMINI_TOOLS_HOOK \
	"echo '{\"continue\":false,\"stopReason\":\"the hub hands tool calls to its client\"}'"
/* Put before user text the CLI would drop from a session file. */
#define GEMINI_TOOLS_ZWSP        "\xE2\x80\x8B"

void
gemini_tools_upstream_name(const char *name, char *out, size_t outlen)
{
	char full[256];
	size_t n;

	snprintf(full, sizeof(full), "mcp_%s_%s", GEMINI_TOOLS_SERVER, name);
	n = strlen(full);
	if (n > GEMINI_TOOLS_MAX_NAME)  /* as the CLI: 30 + "..." + 30 */
		snprintf(out, outlen, "%.30s...%s", full, full + n - 30);
	else
		snprintf(out, outlen, "%s", full);
}

int
gemini_tools_init(struct gemini_tools *t, const struct provider_call *call, char *why,
    size_t why_len)
{
	size_t i, j, n = 0;

	memset(t, 0, sizeof(*t));
	t->call = call;
	if (call->n_tools == 0 || call->tools == NULL || call->tool_choice == PROVIDER_TOOL_CHOICE_NONE)
		return HUB_OK;
	t->offered = calloc(call->n_tools, sizeof(*t->offered));
	t->up_names = calloc(call->n_tools, sizeof(*t->up_names));
	if (t->offered == NULL || t->up_names == NULL)
		return HUB_ERR_NOMEM;
	for (i = 0; i < call->n_tools; i++) {
		const struct provider_tool *tool = &call->tools[i];
		if (call->tool_choice == PROVIDER_TOOL_CHOICE_NAMED &&
		    (call->tool_choice_name == NULL || strcmp(tool->name, call->tool_choice_name) != 0))
			continue;
		t->offered[n] = tool;
		gemini_tools_upstream_name(tool->name, t->up_names[n], sizeof(t->up_names[n]));
		for (j = 0; j < n; j++)
			if (strcmp(t->up_names[j], t->up_names[n]) == 0) {
				snprintf(why, why_len, "tools \"%s\" and \"%s\" are too long and alike for "
				    "Gemini (names are cut to %d characters)", t->offered[j]->name,
				    tool->name, GEMINI_TOOLS_MAX_NAME);
				return HUB_ERR_INVALID;
			}
		n++;
	}
	if (n == 0 && call->tool_choice == PROVIDER_TOOL_CHOICE_NAMED) {
		snprintf(why, why_len, "tool_choice names a function that is not among the tools");
		return HUB_ERR_INVALID;
	}
	t->n_offered = n;
	return HUB_OK;
}

void
gemini_tools_free(struct gemini_tools *t)
{
	if (t == NULL)
		return;
	provider_tool_calls_free(t->calls, t->n_calls);
	free(t->offered);
	free(t->up_names);
	memset(t, 0, sizeof(*t));
}

/* Serialise obj into out (reset first); takes obj. */
static int
gemini_tools_emit(struct json_object *obj, struct hub_buf *out)
{
	int rc;

	hub_buf_reset(out);
	if (obj == NULL)
		return HUB_ERR_NOMEM;
	rc = hub_buf_puts(out, hub_json_compact(obj));
	json_object_put(obj);
	return rc;
}

int
gemini_tools_settings(const struct gemini_tools *t, const char *base, const char *stub,
    const char *tools_json, struct hub_buf *out)
{
	struct json_object *s, *servers, *server, *args, *hooks, *before, *matcher, *list, *hook, *cfg;
	char jerr[64];

	if (hub_json_parse(base, strlen(base), &s, jerr, sizeof(jerr)) != 0 ||
	    !json_object_is_type(s, json_type_object)) {
		json_object_put(s);
		return HUB_ERR_INVALID;
	}
	if (t->n_offered == 0)
		return gemini_tools_emit(s, out);
	servers = json_object_new_object();
	server = json_object_new_object();
	args = json_object_new_array();
	json_object_object_add(server, "command", json_object_new_string(stub));
	json_object_array_add(args, json_object_new_string(tools_json));
	json_object_object_add(server, "args", args);
	json_object_object_add(server, "trust", json_object_new_boolean(1));
	json_object_object_add(servers, GEMINI_TOOLS_SERVER, server);
	json_object_object_add(s, "mcpServers", servers);

	cfg = json_object_new_object();
	json_object_object_add(cfg, "enabled", json_object_new_boolean(1));
	json_object_object_add(s, "hooksConfig", cfg);
	hook = json_object_new_object();
	json_object_object_add(hook, "type", json_object_new_string("command"));
	json_object_object_add(hook, "command", json_object_new_string(GEMINI_TOOLS_HOOK));
	json_object_object_add(hook, "timeout", json_object_new_int(10000));
	list = json_object_new_array();
	json_object_array_add(list, hook);
	matcher = json_object_new_object();
	json_object_object_add(matcher, "matcher", json_object_new_string(".*"));
	json_object_object_add(matcher, "hooks", list);
	before = json_object_new_array();
	json_object_array_add(before, matcher);
	hooks = json_object_new_object();
	json_object_object_add(hooks, "BeforeTool", before);
	json_object_object_add(s, "hooks", hooks);
	return gemini_tools_emit(s, out);
}

int
gemini_tools_policy(const struct gemini_tools *t, struct hub_buf *out)
{
	size_t i;
	int rc;

	hub_buf_reset(out);
	rc = hub_buf_puts(out, "[[rule]]\ntoolName = \"*\"\ndecision = \"deny\"\npriority = 900\n");
	if (rc != 0 || t->n_offered == 0)
		return rc;
	/* names are [A-Za-z0-9_.-]: nothing to escape in a TOML string */
	rc = hub_buf_printf(out, "\n[[rule]]\nmcpName = \"%s\"\ntoolName = [", GEMINI_TOOLS_SERVER);
	for (i = 0; rc == 0 && i < t->n_offered; i++)
		rc = hub_buf_printf(out, "%s\"%s\"", i > 0 ? ", " : "", t->up_names[i]);
	if (rc == 0)
		rc = hub_buf_puts(out, "]\ndecision = \"allow\"\npriority = 999\n");
	return rc;
}

/* A parsed copy of a JSON object text; an empty object when it is not one. */
static struct json_object *
gemini_tools_object(const char *text)
{
	struct json_object *o = NULL;
	char jerr[64];

	if (text != NULL && hub_json_parse(text, strlen(text), &o, jerr, sizeof(jerr)) == 0 &&
	    json_object_is_type(o, json_type_object))
		return o;
	json_object_put(o);
	return json_object_new_object();
}

int
gemini_tools_list_json(const struct gemini_tools *t, struct hub_buf *out)
{
	struct json_object *list = json_object_new_array(), *tool, *schema;
	size_t i;

	for (i = 0; list != NULL && i < t->n_offered; i++) {
		tool = json_object_new_object();
		json_object_object_add(tool, "name", json_object_new_string(t->offered[i]->name));
		if (t->offered[i]->description != NULL)
			json_object_object_add(tool, "description",
			    json_object_new_string(t->offered[i]->description));
		schema = gemini_tools_object(t->offered[i]->parameters);
		if (json_object_object_length(schema) == 0) {
			json_object_object_add(schema, "type", json_object_new_string("object"));
			json_object_object_add(schema, "properties", json_object_new_object());
		}
		json_object_object_add(tool, "inputSchema", schema);
		json_object_array_add(list, tool);
	}
	return gemini_tools_emit(list, out);
}

int
gemini_tools_needs_history(const struct provider_call *call)
{
	size_t i;

	for (i = 0; i < call->n_messages; i++) {
		const struct provider_msg *m = &call->messages[i];
		if (m->n_tool_calls > 0 || m->n_images > 0 ||
		    (m->role != NULL && strcmp(m->role, "tool") == 0))
			return 1;
	}
	return 0;
}

/* 1 when the CLI would drop a user record with this text from a session
 * file, or take it as a command on stdin. */
static int
gemini_tools_text_dropped(const char *text)
{
	static const char *const marks[] = { "/", "?", "<session_context>", "<hook_context>", NULL };
	size_t i;

	text += strspn(text, " \t\r\n\v\f");
	for (i = 0; marks[i] != NULL; i++)
		if (strncmp(text, marks[i], strlen(marks[i])) == 0)
			return 1;
	return 0;
}

/* A record's common members. */
static struct json_object *
gemini_tools_record(size_t index, const char *type, const char *stamp)
{
	struct json_object *r = json_object_new_object();
	char id[32];

	snprintf(id, sizeof(id), "hub-%zu", index);
	json_object_object_add(r, "id", json_object_new_string(id));
	json_object_object_add(r, "timestamp", json_object_new_string(stamp));
	json_object_object_add(r, "type", json_object_new_string(type));
	return r;
}

/* The CLI's name for a history call of name: the offered one, else built
 * the same way (a tool no longer offered). */
static void
gemini_tools_history_name(const struct gemini_tools *t, const char *name, char *out, size_t len)
{
	size_t i;

	for (i = 0; i < t->n_offered; i++)
		if (strcmp(t->offered[i]->name, name) == 0) {
			snprintf(out, len, "%s", t->up_names[i]);
			return;
		}
	gemini_tools_upstream_name(name, out, len);
}

/* A user record: text (when any), then the images; NULL when empty. */
static struct json_object *
gemini_tools_user_record(const struct provider_msg *m, size_t index, const char *stamp,
    int with_text)
{
	struct json_object *r, *content = json_object_new_array(), *part, *data;
	const char *text = m->content != NULL ? m->content : "";
	char *fixed = NULL;
	size_t i;

	if (with_text && text[0] != '\0') {
		part = json_object_new_object();
		if (gemini_tools_text_dropped(text) &&
		    (fixed = malloc(strlen(text) + sizeof(GEMINI_TOOLS_ZWSP))) != NULL) {
			strcpy(fixed, GEMINI_TOOLS_ZWSP);
			strcat(fixed, text);
			text = fixed;
		}
		json_object_object_add(part, "text", json_object_new_string(text));
		free(fixed);
		json_object_array_add(content, part);
	}
	for (i = 0; i < m->n_images; i++) {
		part = json_object_new_object();
		data = json_object_new_object();
		json_object_object_add(data, "mimeType", json_object_new_string(m->images[i].media_type));
		json_object_object_add(data, "data", json_object_new_string(m->images[i].base64));
		json_object_object_add(part, "inlineData", data);
		json_object_array_add(content, part);
	}
	if (json_object_array_length(content) == 0) {
		json_object_put(content);
		return NULL;
	}
	r = gemini_tools_record(index, "user", stamp);
	json_object_object_add(r, "content", content);
	return r;
}

/* The text of the tool message answering id after position from, or NULL. */
static const char *
gemini_tools_result_for(const struct provider_call *call, size_t from, const char *id)
{
	size_t i;

	for (i = from; i < call->n_messages; i++) {
		const struct provider_msg *m = &call->messages[i];
		if (m->role == NULL || strcmp(m->role, "tool") != 0)
			continue;
		if (m->tool_call_id != NULL && id != NULL && strcmp(m->tool_call_id, id) == 0)
			return m->content != NULL ? m->content : "";
	}
	return NULL;
}

/* A gemini record: the text and the calls with their results. */
static struct json_object *
gemini_tools_model_record(const struct gemini_tools *t, size_t at, const char *stamp)
{
	const struct provider_msg *m = &t->call->messages[at];
	struct json_object *r, *content = json_object_new_array(), *calls, *c, *part;
	char name[GEMINI_TOOLS_MAX_NAME + 1];
	const char *result;
	size_t i;

	if (m->content != NULL && m->content[0] != '\0') {
		part = json_object_new_object();
		json_object_object_add(part, "text", json_object_new_string(m->content));
		json_object_array_add(content, part);
	}
	if (json_object_array_length(content) == 0 && m->n_tool_calls == 0) {
		json_object_put(content);
		return NULL;
	}
	r = gemini_tools_record(at, "gemini", stamp);
	json_object_object_add(r, "content", content);
	if (m->n_tool_calls == 0)
		return r;
	calls = json_object_new_array();
	for (i = 0; i < m->n_tool_calls; i++) {
		const struct provider_tool_call *tc = &m->tool_calls[i];
		c = json_object_new_object();
		gemini_tools_history_name(t, tc->name, name, sizeof(name));
		json_object_object_add(c, "id", json_object_new_string(tc->id != NULL ? tc->id : ""));
		json_object_object_add(c, "name", json_object_new_string(name));
		json_object_object_add(c, "args", gemini_tools_object(tc->arguments));
		result = gemini_tools_result_for(t->call, at + 1, tc->id);
		json_object_object_add(c, "result", json_object_new_string(result != NULL ? result :
		    "(the client sent no result for this call)"));
		json_object_object_add(c, "status", json_object_new_string("success"));
		json_object_object_add(c, "timestamp", json_object_new_string(stamp));
		json_object_array_add(calls, c);
	}
	json_object_object_add(r, "toolCalls", calls);
	return r;
}

/* Append one record as a line. */
static int
gemini_tools_line(struct hub_buf *out, struct json_object *rec)
{
	int rc;

	if (rec == NULL)
		return 0;
	rc = hub_buf_puts(out, hub_json_compact(rec));
	if (rc == 0)
		rc = hub_buf_puts(out, "\n");
	json_object_put(rec);
	return rc;
}

int
gemini_tools_history(const struct gemini_tools *t, struct hub_buf *out, const char **live)
{
	const struct provider_call *call = t->call;
	const struct provider_msg *last;
	struct json_object *head;
	char stamp[32], uuid[CLI_TEXT_UUID_SIZE];
	size_t i, end;
	int rc = 0;

	*live = NULL;
	hub_buf_reset(out);
	if (call->n_messages == 0)
		return HUB_ERR_INVALID;
	if (cli_text_uuid(uuid) != 0)
		return HUB_ERR_SYSTEM;
	hub_time_iso8601(hub_time_wall_ms(), stamp, sizeof(stamp));

	last = &call->messages[call->n_messages - 1];
	end = call->n_messages;
	if (last->role != NULL && strcmp(last->role, "user") == 0 && last->content != NULL &&
	    last->content[strspn(last->content, " \t\r\n")] != '\0' &&
	    !gemini_tools_text_dropped(last->content)) {
		*live = last->content;
		end--;  /* its text goes to stdin, its images last in the file */
	}
	head = json_object_new_object();
	json_object_object_add(head, "sessionId", json_object_new_string(uuid));
	json_object_object_add(head, "projectHash", json_object_new_string("hub"));
	json_object_object_add(head, "startTime", json_object_new_string(stamp));
	json_object_object_add(head, "lastUpdated", json_object_new_string(stamp));
	json_object_object_add(head, "kind", json_object_new_string("main"));
	rc = gemini_tools_line(out, head);
	for (i = 0; rc == 0 && i < end; i++) {
		const struct provider_msg *m = &call->messages[i];
		if (m->role == NULL || strcmp(m->role, "system") == 0 || strcmp(m->role, "tool") == 0)
			continue;  /* tool results travel with their calls */
		if (strcmp(m->role, "assistant") == 0)
			rc = gemini_tools_line(out, gemini_tools_model_record(t, i, stamp));
		else
			rc = gemini_tools_line(out, gemini_tools_user_record(m, i, stamp, 1));
	}
	if (rc == 0 && *live != NULL)
		rc = gemini_tools_line(out, gemini_tools_user_record(last, end, stamp, 0));
	return rc;
}

/* 1 when the JSON Schema text declares a property called name. */
static int
gemini_tools_schema_has(const char *schema, const char *name)
{
	struct json_object *o = gemini_tools_object(schema), *props;
	int has = json_object_object_get_ex(o, "properties", &props) &&
	    json_object_is_type(props, json_type_object) &&
	    json_object_object_get_ex(props, name, NULL);

	json_object_put(o);
	return has;
}

int
gemini_tools_add_call(struct gemini_tools *t, const char *up_name, const char *params_json,
    size_t *index)
{
	struct provider_tool_call *c, *grown;
	struct json_object *args;
	const char *name = up_name;
	const struct provider_tool *tool = NULL;
	unsigned char rnd[12];
	char id[32];
	size_t i, prefix;

	for (i = 0; i < t->n_offered; i++)
		if (strcmp(t->up_names[i], up_name) == 0) {
			tool = t->offered[i];
			name = tool->name;
			break;
		}
	prefix = strlen("mcp_" GEMINI_TOOLS_SERVER "_");
	if (tool == NULL && strncmp(up_name, "mcp_" GEMINI_TOOLS_SERVER "_", prefix) == 0)
		name = up_name + prefix;
	if (hub_os_random(rnd, sizeof(rnd)) != 0)
		return HUB_ERR_SYSTEM;
	snprintf(id, sizeof(id), "call_");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(id + 5 + 2 * i, sizeof(id) - 5 - 2 * i, "%02x", rnd[i]);
	if (t->n_calls == t->cap_calls) {
		size_t cap = t->cap_calls ? t->cap_calls * 2 : 4;
		if ((grown = realloc(t->calls, cap * sizeof(*grown))) == NULL)
			return HUB_ERR_NOMEM;
		t->calls = grown;
		t->cap_calls = cap;
	}
	args = gemini_tools_object(params_json);
	if (tool == NULL || !gemini_tools_schema_has(tool->parameters, "wait_for_previous"))
		json_object_object_del(args, "wait_for_previous");  /* the CLI's own */
	c = &t->calls[t->n_calls];
	c->id = strdup(id);
	c->name = strdup(name);
	c->arguments = strdup(hub_json_compact(args));
	json_object_put(args);
	if (c->id == NULL || c->name == NULL || c->arguments == NULL) {
		free(c->id);
		free(c->name);
		free(c->arguments);
		return HUB_ERR_NOMEM;
	}
	*index = t->n_calls++;
	return HUB_OK;
}

struct provider_tool_call *
gemini_tools_take_calls(struct gemini_tools *t, size_t *n)
{
	struct provider_tool_call *calls = t->calls;

	*n = t->n_calls;
	t->calls = NULL;
	t->n_calls = t->cap_calls = 0;
	return calls;
}
