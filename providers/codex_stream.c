/*
 * codex_stream.c - the `codex exec --json` event parser (codex_stream.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "codex_stream.h"

static int codex_stream_on_line(void *arg, const char *data, size_t len);
static int codex_stream_on_overlong(void *arg, const char *data, size_t len);

/* Item types that mean the CLI ran (or tried) a tool. */
static const char *const codex_tool_item_types[] = {
	"command_execution", "file_change", "mcp_tool_call", "web_search",
	"collab_tool_call", "image_view", "dynamic_tool_call", NULL
};

void
codex_stream_init(struct codex_stream *s, size_t max_text_bytes)
{
	memset(s, 0, sizeof(*s));
	hub_buf_init(&s->text, max_text_bytes ? max_text_bytes : HUB_DEFAULT_MAX_OUTPUT_BYTES);
	hub_lines_init(&s->splitter, HUB_MAX_CLI_LINE_BYTES, codex_stream_on_line,
	    codex_stream_on_overlong, s);
	s->input_tokens = s->cached_input_tokens = -1;
	s->output_tokens = s->reasoning_output_tokens = -1;
}

void
codex_stream_free(struct codex_stream *s)
{
	if (s == NULL)
		return;
	hub_buf_free(&s->text);
	hub_lines_free(&s->splitter);
	free(s->thread_id);
	free(s->last_error);
	free(s->failed_message);
	free(s->item_id);
	memset(s, 0, sizeof(*s));
}

/* Member key of obj when it has type t, else NULL. */
static struct json_object *
codex_get_typed(struct json_object *obj, const char *key, enum json_type t)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

/* A non-negative integer member of obj (ints, and doubles in range), or -1. */
static long
codex_get_count(struct json_object *obj, const char *key)
{
	struct json_object *v;
	double d;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v))
		return -1;
	if (json_object_is_type(v, json_type_int)) {
		long long n = json_object_get_int64(v);
		return n >= 0 && n < 1000000000000LL ? (long)n : -1;
	}
	if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		/* out of range or NaN has no integer value */
		return d >= 0 && d < 1e12 ? (long)d : -1;
	}
	return -1;
}

/* Replace *dst by a copy of src (NULL allowed). 0 or HUB_ERR_NOMEM. */
static int
codex_set_string(char **dst, const char *src)
{
	char *copy = NULL;

	if (src != NULL && (copy = strdup(src)) == NULL)
		return HUB_ERR_NOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

/* Record and hand out text[0..len) of the reply. */
static int
codex_stream_emit(struct codex_stream *s, const char *text, size_t len)
{
	int rc;

	if (len == 0 || s->text_truncated)
		return 0;
	rc = hub_buf_append(&s->text, text, len);
	if (rc == HUB_ERR_TOO_LARGE) {
		s->text_truncated = 1;
		return 0;
	}
	if (rc != 0)
		return rc;
	return s->on_text != NULL ? s->on_text(s->arg, text, len) : 0;
}

/* An agent_message item's text so far: hand out what is new. A text that
 * no longer starts with what was handed out is left as it was. */
static int
codex_stream_agent_text(struct codex_stream *s, const char *id, const char *text)
{
	size_t len = strlen(text);
	int rc;

	if (id == NULL)
		id = "";
	if (s->item_id == NULL || strcmp(s->item_id, id) != 0) {
		if ((rc = codex_set_string(&s->item_id, id)) != 0)
			return rc;
		if (s->messages++ > 0 && (rc = codex_stream_emit(s, "\n\n", 2)) != 0)
			return rc;
		s->item_start = s->text.len;
		s->item_sent = 0;
	}
	if (s->text_truncated || len <= s->item_sent ||
	    (s->item_sent > 0 && memcmp(s->text.data + s->item_start, text, s->item_sent) != 0))
		return 0;
	rc = codex_stream_emit(s, text + s->item_sent, len - s->item_sent);
	s->item_sent = len;
	return rc;
}

/* item.started / item.updated / item.completed */
static int
codex_stream_item(struct codex_stream *s, struct json_object *line)
{
	struct json_object *item = codex_get_typed(line, "item", json_type_object);
	const char *type, *text;
	size_t i;

	if (item == NULL || (type = hub_json_get_string(item, "type")) == NULL)
		return 0;
	if (strcmp(type, "agent_message") == 0) {
		text = hub_json_get_string(item, "text");
		return text != NULL ? codex_stream_agent_text(s, hub_json_get_string(item, "id"), text) : 0;
	}
	for (i = 0; codex_tool_item_types[i] != NULL; i++)
		if (strcmp(type, codex_tool_item_types[i]) == 0)
			s->tool_items++;
	return 0;
}

static int
codex_stream_usage(struct codex_stream *s, struct json_object *line)
{
	struct json_object *u = codex_get_typed(line, "usage", json_type_object);

	s->turn_completed = 1;
	if (u == NULL)
		return 0;
	s->input_tokens = codex_get_count(u, "input_tokens");
	s->cached_input_tokens = codex_get_count(u, "cached_input_tokens");
	s->output_tokens = codex_get_count(u, "output_tokens");
	s->reasoning_output_tokens = codex_get_count(u, "reasoning_output_tokens");
	return 0;
}

static int
codex_stream_on_line(void *arg, const char *data, size_t len)
{
	struct codex_stream *s = arg;
	struct json_object *line = NULL, *err;
	const char *type, *msg;
	char jerr[64];
	int rc = 0;

	while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == ' '))
		len--;
	if (len == 0)
		return 0;
	if (hub_json_parse(data, len, &line, jerr, sizeof(jerr)) != 0 ||
	    !json_object_is_type(line, json_type_object) ||
	    (type = hub_json_get_string(line, "type")) == NULL) {
		s->garbage_lines++;
		json_object_put(line);
		return 0;
	}
	s->lines++;
	if (strcmp(type, "thread.started") == 0) {
		rc = codex_set_string(&s->thread_id, hub_json_get_string(line, "thread_id"));
	} else if (strncmp(type, "item.", 5) == 0) {
		rc = codex_stream_item(s, line);
	} else if (strcmp(type, "turn.completed") == 0) {
		rc = codex_stream_usage(s, line);
	} else if (strcmp(type, "turn.failed") == 0) {
		s->turn_failed = 1;
		err = codex_get_typed(line, "error", json_type_object);
		msg = err != NULL ? hub_json_get_string(err, "message") : NULL;
		rc = codex_set_string(&s->failed_message, msg);
	} else if (strcmp(type, "error") == 0) {
		s->errors++;
		msg = hub_json_get_string(line, "message");
		if ((rc = codex_set_string(&s->last_error, msg)) == 0 && msg != NULL && s->on_error != NULL)
			rc = s->on_error(s->arg, msg);
	}
	json_object_put(line);
	return rc;
}

static int
codex_stream_on_overlong(void *arg, const char *data, size_t len)
{
	struct codex_stream *s = arg;

	(void)data;
	(void)len;
	s->overlong_lines++;
	return 0;
}

int
codex_stream_feed(struct codex_stream *s, const char *data, size_t len)
{
	return hub_lines_feed(&s->splitter, data, len);
}

int
codex_stream_finish(struct codex_stream *s)
{
	return hub_lines_finish(&s->splitter);
}
