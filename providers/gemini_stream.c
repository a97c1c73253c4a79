/*
 * gemini_stream.c - the `gemini -o stream-json` line parser (see gemini_stream.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/hub_error.h"
#include "common/hub_json.h"
#include "gemini_stream.h"

static int gemini_stream_on_line(void *arg, const char *line, size_t len);
static int gemini_stream_on_overlong(void *arg, const char *line, size_t len);

void
gemini_stream_init(struct gemini_stream *gs, gemini_stream_text_fn on_text, void *arg)
{
	memset(gs, 0, sizeof(*gs));
	gs->on_text = on_text;
	gs->arg = arg;
	hub_lines_init(&gs->splitter, HUB_MAX_CLI_LINE_BYTES, gemini_stream_on_line,
	    gemini_stream_on_overlong, gs);
	gs->input_tokens = -1;
	gs->output_tokens = -1;
	gs->total_tokens = -1;
	gs->duration_ms = -1;
}

void
gemini_stream_free(struct gemini_stream *gs)
{
	if (gs == NULL)
		return;
	hub_lines_free(&gs->splitter);
	free(gs->model);
	free(gs->error_type);
	free(gs->error_message);
	gs->model = gs->error_type = gs->error_message = NULL;
}

void
gemini_stream_set_tool_use(struct gemini_stream *gs, gemini_stream_tool_fn fn)
{
	gs->on_tool_use = fn;
}

/* Replace *slot with a copy of s (NULL leaves it). 0 or HUB_ERR_NOMEM. */
static int
set_string(char **slot, const char *s)
{
	char *copy;

	if (s == NULL)
		return 0;
	if ((copy = strdup(s)) == NULL)
		return HUB_ERR_NOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

/* An integer member of obj, or -1. */
static long
get_long(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return -1;
	return (long)json_object_get_int64(v);
}

/* Keep a cut copy of a line that was not JSON, with controls blanked. */
static void
remember_garbage(struct gemini_stream *gs, const char *line, size_t len)
{
	size_t i, n = len < sizeof(gs->last_garbage) - 1 ? len : sizeof(gs->last_garbage) - 1;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		gs->last_garbage[i] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
	}
	/* do not end inside a multi-byte character */
	while (n > 0 && n < len && ((unsigned char)line[n] & 0xC0) == 0x80)
		n--;
	gs->last_garbage[n] = '\0';
	gs->garbage_lines++;
}

/* {"type":"message","role":"assistant","content":...} */
static int
on_message(struct gemini_stream *gs, struct json_object *obj)
{
	struct json_object *content;
	const char *role = hub_json_get_string(obj, "role");
	size_t len;
	int rc;

	if (role == NULL || strcmp(role, "assistant") != 0)
		return 0;  /* the user line echoes the prompt: never kept */
	if (!json_object_object_get_ex(obj, "content", &content) ||
	    !json_object_is_type(content, json_type_string))
		return 0;
	len = (size_t)json_object_get_string_len(content);
	gs->text_events++;
	if (len == 0)
		return 0;
	gs->text_bytes += len;
	if (gs->on_text != NULL && (rc = gs->on_text(gs->arg, json_object_get_string(content), len)) < 0)
		return rc;
	return 0;
}

/* {"type":"tool_use","tool_name":...,"tool_id":...,"parameters":{...}} */
static int
on_tool_use(struct gemini_stream *gs, struct json_object *obj)
{
	struct json_object *params = NULL;
	const char *name = hub_json_get_string(obj, "tool_name");
	const char *id = hub_json_get_string(obj, "tool_id");
	const char *json = "{}";

	if (name == NULL || name[0] == '\0')
		return 0;
	gs->tool_uses++;
	if (json_object_object_get_ex(obj, "parameters", &params) &&
	    json_object_is_type(params, json_type_object))
		json = hub_json_compact(params);
	if (gs->on_tool_use == NULL)
		return 0;
	return gs->on_tool_use(gs->arg, name, id != NULL ? id : "", json);
}

/* {"type":"tool_result",...,"error":{"type":"stop_execution",...}} */
static void
on_tool_result(struct gemini_stream *gs, struct json_object *obj)
{
	struct json_object *err;
	const char *etype;

	gs->tool_results++;
	if (json_object_object_get_ex(obj, "error", &err) && json_object_is_type(err, json_type_object) &&
	    (etype = hub_json_get_string(err, "type")) != NULL && strcmp(etype, "stop_execution") == 0)
		gs->tool_results_stopped++;
}

/* {"type":"result","status":...,"error":{...},"stats":{...}} */
static int
on_result(struct gemini_stream *gs, struct json_object *obj)
{
	struct json_object *err, *stats;
	const char *status = hub_json_get_string(obj, "status");
	int rc;

	gs->got_result = 1;
	gs->result_success = status != NULL && strcmp(status, "success") == 0;
	if (json_object_object_get_ex(obj, "error", &err) &&
	    json_object_is_type(err, json_type_object)) {
		if ((rc = set_string(&gs->error_type, hub_json_get_string(err, "type"))) != 0 ||
		    (rc = set_string(&gs->error_message, hub_json_get_string(err, "message"))) != 0)
			return rc;
	}
	if (json_object_object_get_ex(obj, "stats", &stats) &&
	    json_object_is_type(stats, json_type_object)) {
		gs->input_tokens = get_long(stats, "input_tokens");
		gs->output_tokens = get_long(stats, "output_tokens");
		gs->total_tokens = get_long(stats, "total_tokens");
		gs->duration_ms = get_long(stats, "duration_ms");
	}
	return 0;
}

int
gemini_stream_parse_line(struct gemini_stream *gs, const char *line, size_t len)
{
	struct json_object *obj = NULL;
	const char *type, *severity;
	char jerr[64];
	size_t i = 0;
	int rc = 0;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len)
		goto out;  /* blank */
	if (line[i] != '{' || hub_json_parse(line, len, &obj, jerr, sizeof(jerr)) != 0 ||
	    !json_object_is_type(obj, json_type_object) ||
	    (type = hub_json_get_string(obj, "type")) == NULL) {
		remember_garbage(gs, line + i, len - i);
		goto out;
	}
	if (strcmp(type, "init") == 0) {
		gs->got_init = 1;
		rc = set_string(&gs->model, hub_json_get_string(obj, "model"));
	} else if (strcmp(type, "message") == 0)
		rc = on_message(gs, obj);
	else if (strcmp(type, "result") == 0)
		rc = on_result(gs, obj);
	else if (strcmp(type, "tool_use") == 0)
		rc = on_tool_use(gs, obj);
	else if (strcmp(type, "tool_result") == 0)
		on_tool_result(gs, obj);
	else if (strcmp(type, "error") == 0) {
		severity = hub_json_get_string(obj, "severity");
		if (severity == NULL || strcmp(severity, "warning") != 0)
			rc = set_string(&gs->error_message, hub_json_get_string(obj, "message"));
	}
	/* unknown types are ignored */
out:
	json_object_put(obj);
	return rc;
}

static int
gemini_stream_on_line(void *arg, const char *line, size_t len)
{
	return gemini_stream_parse_line(arg, line, len);
}

/* An over-long line is skipped whole and counted. */
static int
gemini_stream_on_overlong(void *arg, const char *line, size_t len)
{
	struct gemini_stream *gs = arg;

	(void)line;
	(void)len;
	gs->long_lines++;
	return 0;
}

int
gemini_stream_feed(struct gemini_stream *gs, const char *data, size_t len)
{
	return hub_lines_feed(&gs->splitter, data, len);
}

int
gemini_stream_finish(struct gemini_stream *gs)
{
	return hub_lines_finish(&gs->splitter);
}
