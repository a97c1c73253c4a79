/*
 * claude_stream.c - incremental parser of Claude Code's stream-json stdout.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "claude_stream.h"

static int claude_stream_on_line(void *arg, const char *data, size_t len);
static int claude_stream_on_overlong(void *arg, const char *data, size_t len);

void
claude_stream_init(struct claude_stream *s, size_t max_text_bytes)
{
	memset(s, 0, sizeof(*s));
	hub_buf_init(&s->text, max_text_bytes ? max_text_bytes : HUB_DEFAULT_MAX_OUTPUT_BYTES);
	plan_window_init(&s->rate_limit);
	hub_lines_init(&s->splitter, HUB_MAX_CLI_LINE_BYTES, claude_stream_on_line,
	    claude_stream_on_overlong, s);
}

void
claude_stream_free(struct claude_stream *s)
{
	size_t i;

	if (s == NULL)
		return;
	hub_buf_free(&s->text);
	hub_lines_free(&s->splitter);
	free(s->model);
	free(s->result_text);
	free(s->result_subtype);
	free(s->stop_reason);
	free(s->api_error_text);
	free(s->delta_message_id);
	free(s->current_message_id);
	free(s->tool_message_id);
	for (i = 0; i < s->n_tool_uses; i++) {
		free(s->tool_uses[i].id);
		free(s->tool_uses[i].name);
		free(s->tool_uses[i].input);
	}
	memset(s, 0, sizeof(*s));
}

/* Integer member key of obj (ints and doubles accepted), or dflt. */
static long long
get_number(struct json_object *obj, const char *key, long long dflt)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v))
		return dflt;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		/* a double past the range of long long (or NaN) has no integer
		 * value: converting it would be undefined */
		if (!(d > -9.2e18 && d < 9.2e18))
			return dflt;
		return (long long)d;
	}
	return dflt;
}

/* Replace *dst by a copy of src (NULL allowed). 0 or HUB_ERR_NOMEM. */
static int
set_string(char **dst, const char *src)
{
	char *copy = NULL;

	if (src != NULL && (copy = strdup(src)) == NULL)
		return HUB_ERR_NOMEM;
	free(*dst);
	*dst = copy;
	return HUB_OK;
}

/* Append reply text and hand it upward. */
static int
emit_text(struct claude_stream *s, const char *text, size_t len)
{
	int rc;

	if (len == 0)
		return HUB_OK;
	if (!s->text_truncated) {
		rc = hub_buf_append(&s->text, text, len);
		if (rc == HUB_ERR_TOO_LARGE)
			s->text_truncated = 1;
		else if (rc < 0)
			return rc;
	}
	if (s->on_text != NULL)
		return s->on_text(s->arg, text, len);
	return HUB_OK;
}

/* Whether calls of message id (may be NULL) belong to the recorded tool
 * message: the first message that proposes any. */
static int
tool_message_is(struct claude_stream *s, const char *id)
{
	return s->tool_message_id == NULL || id == NULL || strcmp(s->tool_message_id, id) == 0;
}

/* Record a new tool_use of message msg_id and announce it. 0, a callback's
 * value, or HUB_ERR_NOMEM. *out is the new entry (NULL when dropped). */
static int
tool_use_add(struct claude_stream *s, const char *msg_id, const char *id, const char *name,
    long block_index, struct claude_tool_use **out)
{
	struct claude_tool_use *t;

	*out = NULL;
	if (!tool_message_is(s, msg_id))
		return HUB_OK;   /* a later message's calls: the run ends at the first */
	if (s->n_tool_uses >= HUB_MAX_REPLY_TOOL_CALLS) {
		s->tool_uses_dropped++;
		return HUB_OK;
	}
	if (s->tool_message_id == NULL && msg_id != NULL && set_string(&s->tool_message_id, msg_id) < 0)
		return HUB_ERR_NOMEM;
	t = &s->tool_uses[s->n_tool_uses];
	memset(t, 0, sizeof(*t));
	t->block_index = block_index;
	if ((t->id = strdup(id)) == NULL || (t->name = strdup(name)) == NULL) {
		free(t->id);
		t->id = NULL;
		return HUB_ERR_NOMEM;
	}
	s->n_tool_uses++;
	*out = t;
	if (s->on_tool_start != NULL)
		return s->on_tool_start(s->arg, s->n_tool_uses - 1, t->id, t->name);
	return HUB_OK;
}

/* The recorded call with that id, or NULL. */
static struct claude_tool_use *
tool_use_by_id(struct claude_stream *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n_tool_uses; i++)
		if (strcmp(s->tool_uses[i].id, id) == 0)
			return &s->tool_uses[i];
	return NULL;
}

/* content_block_start of a tool_use block. */
static int
handle_tool_start(struct claude_stream *s, struct json_object *ev)
{
	struct json_object *block = hub_json_get_typed(ev, "content_block", json_type_object);
	const char *type = hub_json_get_string(block, "type");
	const char *id = hub_json_get_string(block, "id"), *name = hub_json_get_string(block, "name");
	struct claude_tool_use *t;

	if (type == NULL || strcmp(type, "tool_use") != 0 || id == NULL || name == NULL ||
	    tool_use_by_id(s, id) != NULL)
		return HUB_OK;
	return tool_use_add(s, s->current_message_id, id, name, (long)get_number(ev, "index", -1), &t);
}

/* content_block_delta/input_json_delta: a fragment of a call's input. */
static int
handle_tool_args(struct claude_stream *s, struct json_object *ev, struct json_object *delta)
{
	const char *json = hub_json_get_string(delta, "partial_json");
	long index = (long)get_number(ev, "index", -1);
	size_t i;

	if (json == NULL || json[0] == '\0' || !tool_message_is(s, s->current_message_id))
		return HUB_OK;
	for (i = 0; i < s->n_tool_uses; i++)
		if (s->tool_uses[i].block_index == index && s->tool_uses[i].input == NULL)
			return s->on_tool_args != NULL ? s->on_tool_args(s->arg, i, json, strlen(json)) : HUB_OK;
	return HUB_OK;
}

static int
handle_stream_event(struct claude_stream *s, struct json_object *line)
{
	struct json_object *ev, *msg, *delta;
	const char *ev_type, *text;

	if ((ev = hub_json_get_typed(line, "event", json_type_object)) == NULL)
		return HUB_OK;
	ev_type = hub_json_get_string(ev, "type");
	if (ev_type == NULL)
		return HUB_OK;
	if (strcmp(ev_type, "message_start") == 0) {
		msg = hub_json_get_typed(ev, "message", json_type_object);
		s->delta_seen = 0;
		if (set_string(&s->current_message_id, hub_json_get_string(msg, "id")) < 0)
			return HUB_ERR_NOMEM;
		if (s->model == NULL && hub_json_get_string(msg, "model") != NULL &&
		    set_string(&s->model, hub_json_get_string(msg, "model")) < 0)
			return HUB_ERR_NOMEM;
		return HUB_OK;
	}
	if (strcmp(ev_type, "content_block_start") == 0)
		return handle_tool_start(s, ev);
	if (strcmp(ev_type, "message_stop") == 0 ||
	    (strcmp(ev_type, "message_delta") == 0 &&
	     (text = hub_json_get_string(hub_json_get_typed(ev, "delta", json_type_object),
	     "stop_reason")) != NULL &&
	     strcmp(text, "tool_use") == 0)) {
		if (s->n_tool_uses > 0 && tool_message_is(s, s->current_message_id))
			s->tool_turn_done = 1;
		return HUB_OK;
	}
	if (strcmp(ev_type, "content_block_delta") != 0)
		return HUB_OK;
	delta = hub_json_get_typed(ev, "delta", json_type_object);
	if (hub_json_get_string(delta, "type") != NULL &&
	    strcmp(hub_json_get_string(delta, "type"), "input_json_delta") == 0)
		return handle_tool_args(s, ev, delta);
	if (hub_json_get_string(delta, "type") == NULL ||
	    strcmp(hub_json_get_string(delta, "type"), "text_delta") != 0 ||
	    (text = hub_json_get_string(delta, "text")) == NULL)
		return HUB_OK;
	if (!s->delta_seen) {
		s->delta_seen = 1;
		if (set_string(&s->delta_message_id, s->current_message_id) < 0)
			return HUB_ERR_NOMEM;
	}
	return emit_text(s, text, strlen(text));
}

/* Whether the text of assistant message id already came as deltas. */
static int
already_streamed(const struct claude_stream *s, const char *id)
{
	if (id != NULL && s->delta_message_id != NULL)
		return strcmp(id, s->delta_message_id) == 0;
	return s->delta_seen;
}

/* The text blocks of an assistant message, concatenated (caller frees). */
static char *
message_text(struct json_object *msg)
{
	struct json_object *content, *block;
	struct hub_buf b;
	const char *t;
	size_t i, n;

	hub_buf_init(&b, HUB_MAX_CLI_LINE_BYTES);
	if ((t = hub_json_get_string(msg, "content")) != NULL) {
		hub_buf_puts(&b, t);
		return hub_buf_steal(&b);
	}
	if ((content = hub_json_get_typed(msg, "content", json_type_array)) == NULL)
		return hub_buf_steal(&b);
	n = json_object_array_length(content);
	for (i = 0; i < n; i++) {
		block = json_object_array_get_idx(content, i);
		t = hub_json_get_string(block, "type");
		if (t == NULL || strcmp(t, "text") != 0)
			continue;
		if ((t = hub_json_get_string(block, "text")) != NULL &&
		    hub_buf_puts(&b, t) == HUB_ERR_NOMEM) {
			hub_buf_free(&b);
			return NULL;
		}
	}
	return hub_buf_steal(&b);
}

/* The tool_use blocks of an assistant message: their whole input. */
static int
assistant_tool_uses(struct claude_stream *s, struct json_object *msg)
{
	struct json_object *content = hub_json_get_typed(msg, "content", json_type_array), *block, *input;
	const char *type, *id, *name, *json;
	struct claude_tool_use *t;
	size_t i, n = content != NULL ? json_object_array_length(content) : 0;
	int rc;

	for (i = 0; i < n; i++) {
		block = json_object_array_get_idx(content, i);
		type = hub_json_get_string(block, "type");
		id = hub_json_get_string(block, "id");
		name = hub_json_get_string(block, "name");
		if (type == NULL || strcmp(type, "tool_use") != 0 || id == NULL || name == NULL ||
		    !tool_message_is(s, hub_json_get_string(msg, "id")))
			continue;
		input = hub_json_get_typed(block, "input", json_type_object);
		json = input != NULL ? hub_json_compact(input) : "{}";
		if ((t = tool_use_by_id(s, id)) == NULL) {
			/* no content_block_start (no partial messages): announce it,
			 * and its input as one fragment */
			if ((rc = tool_use_add(s, hub_json_get_string(msg, "id"), id, name, -1, &t)) < 0)
				return rc;
			if (t == NULL)
				continue;
			if (s->on_tool_args != NULL &&
			    (rc = s->on_tool_args(s->arg, (size_t)(t - s->tool_uses), json, strlen(json))) < 0)
				return rc;
		}
		if (t->input == NULL && (t->input = strdup(json)) == NULL)
			return HUB_ERR_NOMEM;
	}
	return HUB_OK;
}

static int
handle_assistant(struct claude_stream *s, struct json_object *line)
{
	struct json_object *msg;
	const char *err_kind, *model;
	char *text = NULL;
	int rc = HUB_OK;

	msg = hub_json_get_typed(line, "message", json_type_object);
	if ((text = message_text(msg)) == NULL)
		return HUB_ERR_NOMEM;
	if ((err_kind = hub_json_get_string(line, "error")) != NULL) {
		/* the CLI's synthetic line for a failed API call: not reply text */
		s->seen_api_error = 1;
		snprintf(s->api_error_kind, sizeof(s->api_error_kind), "%s", err_kind);
		s->api_error_status = (int)get_number(line, "api_error_status", 0);
		free(s->api_error_text);
		s->api_error_text = text;
		return HUB_OK;
	}
	model = hub_json_get_string(msg, "model");
	if (model != NULL && strcmp(model, "<synthetic>") != 0 &&
	    (rc = set_string(&s->model, model)) < 0)
		goto out;
	if (!already_streamed(s, hub_json_get_string(msg, "id")))
		rc = emit_text(s, text, strlen(text));
	if (rc == HUB_OK)
		rc = assistant_tool_uses(s, msg);
out:
	free(text);
	return rc;
}

static int
handle_system(struct claude_stream *s, struct json_object *line)
{
	const char *subtype = hub_json_get_string(line, "subtype");

	if (subtype == NULL)
		return HUB_OK;
	if (strcmp(subtype, "init") == 0) {
		s->seen_init = 1;
		if (hub_json_get_string(line, "model") != NULL)
			return set_string(&s->model, hub_json_get_string(line, "model"));
		return HUB_OK;
	}
	if (strcmp(subtype, "api_retry") != 0)
		return HUB_OK;
	s->retries++;
	s->retry_attempt = (int)get_number(line, "attempt", s->retries);
	s->retry_status = (int)get_number(line, "error_status", 0);
	s->retry_delay_ms = (long)get_number(line, "retry_delay_ms", 0);
	if (s->on_retry != NULL)
		return s->on_retry(s->arg, s->retry_attempt, s->retry_status, s->retry_delay_ms);
	return HUB_OK;
}

/* Boolean member key of obj; 0 when absent or not a boolean. */
static int
get_bool(struct json_object *obj, const char *key)
{
	struct json_object *v = hub_json_get_typed(obj, key, json_type_boolean);

	return v != NULL && json_object_get_boolean(v);
}

/* A fraction member key of obj (int or double), or -1. */
static double
get_fraction(struct json_object *obj, const char *key)
{
	struct json_object *v;
	double d;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)))
		return -1;
	d = json_object_get_double(v);
	return d >= 0 && d < 1e6 ? d : -1;
}

/* A word member key of obj into dst (dst_len bytes): [a-z0-9_] only, else "". */
static void
get_word(struct json_object *obj, const char *key, char *dst, size_t dst_len)
{
	const char *v = hub_json_get_string(obj, key);
	size_t i;

	dst[0] = '\0';
	if (v == NULL || strlen(v) >= dst_len)
		return;
	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '_'))
			return;
	memcpy(dst, v, i + 1);
}

/*
 * rate_limit_event: the CLI's reading of the API's
 * anthropic-ratelimit-unified-* headers (2.1.330: status is the limiting
 * window's; allowed_warning once a window passed a warning threshold;
 * isUsingOverage when the window is rejected but overageStatus allows,
 * i.e. extra usage pays for the request).
 */
static int
handle_rate_limit(struct claude_stream *s, struct json_object *line)
{
	struct json_object *info = hub_json_get_typed(line, "rate_limit_info", json_type_object);
	struct plan_window *w = &s->rate_limit;
	char word[32];

	if (info == NULL)
		return HUB_OK;
	plan_window_init(w);
	w->seen = 1;
	get_word(info, "status", word, sizeof(word));
	w->status = plan_status_parse(word);
	get_word(info, "rateLimitType", w->type, sizeof(w->type));
	w->utilization = get_fraction(info, "utilization");
	if (w->utilization < 0 && w->type[0] != '\0')
		/* allowed: only the window itself says how much is used */
		w->utilization = get_fraction(hub_json_get_typed(hub_json_get_typed(info, "unifiedWindows",
		    json_type_object), w->type, json_type_object), "utilization");
	w->resets_at = get_number(info, "resetsAt", 0);
	w->using_overage = get_bool(info, "isUsingOverage") || get_bool(info, "overageInUse");
	get_word(info, "overageStatus", word, sizeof(word));
	w->overage_status = plan_status_parse(word);
	w->overage_resets_at = get_number(info, "overageResetsAt", 0);
	get_word(info, "overageDisabledReason", w->overage_disabled_reason,
	    sizeof(w->overage_disabled_reason));
	if (w->status == PLAN_STATUS_REJECTED) {
		s->rate_limit_rejected = 1;
		s->rate_limit_resets_at = w->resets_at;
	}
	if (s->on_rate_limit != NULL)
		return s->on_rate_limit(s->arg, w);
	return HUB_OK;
}

static int
handle_result(struct claude_stream *s, struct json_object *line)
{
	struct json_object *usage, *v;
	const char *result;

	s->seen_result = 1;
	v = hub_json_get_typed(line, "is_error", json_type_boolean);
	s->result_is_error = v != NULL && json_object_get_boolean(v);
	result = hub_json_get_string(line, "result");
	if (result == NULL && (v = hub_json_get_typed(line, "errors", json_type_array)) != NULL &&
	    json_object_array_length(v) > 0)
		result = json_object_get_string(json_object_array_get_idx(v, 0));
	if (s->api_error_status == 0)
		s->api_error_status = (int)get_number(line, "api_error_status", 0);
	if (set_string(&s->result_text, result) < 0 ||
	    set_string(&s->result_subtype, hub_json_get_string(line, "subtype")) < 0 ||
	    set_string(&s->stop_reason, hub_json_get_string(line, "stop_reason")) < 0)
		return HUB_ERR_NOMEM;
	if ((usage = hub_json_get_typed(line, "usage", json_type_object)) != NULL) {
		s->cache_read_tokens = (long)get_number(usage, "cache_read_input_tokens", 0);
		s->cache_creation_tokens = (long)get_number(usage, "cache_creation_input_tokens", 0);
		s->input_tokens = (long)get_number(usage, "input_tokens", 0) +
		    s->cache_read_tokens + s->cache_creation_tokens;
		s->output_tokens = (long)get_number(usage, "output_tokens", 0);
	}
	if ((v = hub_json_get_typed(line, "total_cost_usd", json_type_double)) != NULL)
		s->cost_usd = json_object_get_double(v);
	else
		s->cost_usd = (double)get_number(line, "total_cost_usd", 0);
	/* no assistant line carried the text: the result string is the reply */
	if (!s->result_is_error && s->text.len == 0 && result != NULL)
		return emit_text(s, result, strlen(result));
	return HUB_OK;
}

/* Parse one complete line (without its newline). */
static int
claude_stream_on_line(void *arg, const char *data, size_t len)
{
	struct claude_stream *s = arg;
	struct json_object *line = NULL;
	const char *type;
	char err[64];
	int rc = HUB_OK;

	while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == ' '))
		len--;
	if (len == 0)
		return HUB_OK;
	if (hub_json_parse(data, len, &line, err, sizeof(err)) < 0 ||
	    !json_object_is_type(line, json_type_object)) {
		s->garbage_lines++;
		goto out;
	}
	s->lines++;
	if ((type = hub_json_get_string(line, "type")) == NULL)
		goto out;
	if (strcmp(type, "stream_event") == 0)
		rc = handle_stream_event(s, line);
	else if (strcmp(type, "assistant") == 0)
		rc = handle_assistant(s, line);
	else if (strcmp(type, "system") == 0)
		rc = handle_system(s, line);
	else if (strcmp(type, "rate_limit_event") == 0)
		rc = handle_rate_limit(s, line);
	else if (strcmp(type, "result") == 0)
		rc = handle_result(s, line);
	else if (strcmp(type, "control_request") == 0) {
		s->control_requests++;
		if (s->on_control != NULL && hub_json_get_string(line, "request_id") != NULL &&
		    hub_json_get_typed(line, "request", json_type_object) != NULL)
			rc = s->on_control(s->arg, hub_json_get_string(line, "request_id"),
			    hub_json_get_typed(line, "request", json_type_object));
	}
out:
	json_object_put(line);
	return rc;
}

/* An over-long line is dropped and counted. */
static int
claude_stream_on_overlong(void *arg, const char *data, size_t len)
{
	struct claude_stream *s = arg;

	(void)data;
	(void)len;
	s->overlong_lines++;
	return HUB_OK;
}

int
claude_stream_feed(struct claude_stream *s, const char *data, size_t len)
{
	return hub_lines_feed(&s->splitter, data, len);
}

int
claude_stream_finish(struct claude_stream *s)
{
	return hub_lines_finish(&s->splitter);
}
