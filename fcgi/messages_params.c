/*
 * messages_params.c - Anthropic Messages request validation: system,
 * messages with text, image, tool_use and tool_result blocks, custom
 * tools, tool_choice and max_tokens, into the chat turn's arrays.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "messages_params.h"

static const struct chat_option messages_options[] = {
	{ "top_k", CHAT_OPT_INT }, { "max_tokens", CHAT_OPT_INT }, { "stop_sequences", CHAT_OPT_ARRAY },
	{ "thinking", CHAT_OPT_OBJECT }, { "tool_choice", CHAT_OPT_OBJECT },
	{ "system", CHAT_OPT_STRING | CHAT_OPT_ARRAY },
};

/* The tokens an image counts for in the estimate (about 1.15 megapixels,
 * the size Anthropic scales larger images down to). */
#define MESSAGES_PARAMS_IMAGE_TOKENS 1600

/* Count the blocks of every message: messages they may become, tool_use
 * blocks and images, so that one pool each holds them. */
static int
messages_params_count(struct json_object *msgs, size_t n, struct chat_params *out, size_t *n_out,
    struct chat_parse_ctx *c)
{
	struct json_object *content, *b;
	size_t i, j, calls = 0, images = 0;
	const char *t;

	*n_out = 1;  /* the system message */
	for (i = 0; i < n; i++) {
		content = chat_params_member(json_object_array_get_idx(msgs, i), "content");
		(*n_out)++;
		if (content == NULL || !json_object_is_type(content, json_type_array))
			continue;
		for (j = 0; j < json_object_array_length(content); j++) {
			b = json_object_array_get_idx(content, j);
			if ((t = hub_json_get_string(b, "type")) == NULL)
				continue;
			if (strcmp(t, "tool_result") == 0)
				(*n_out)++;
			else if (strcmp(t, "tool_use") == 0)
				calls++;
			else if (strcmp(t, "image") == 0 && ++images > HUB_MAX_IMAGES)
				return chat_params_fail(c, "messages", "the request has more than %d images",
				    HUB_MAX_IMAGES);
		}
	}
	if (*n_out > HUB_MAX_MESSAGES)
		return chat_params_fail(c, "messages", "the conversation has more than %d messages and tool "
		    "results", HUB_MAX_MESSAGES);
	return chat_params_alloc_pools(out, calls, images);
}

/* Append the text block b (field names it) to buf. */
static int
messages_params_text(struct json_object *b, const char *field, struct hub_buf *buf, size_t *texts,
    struct messages_params *mp, struct chat_parse_ctx *c)
{
	const char *text = hub_json_get_string(b, "text");

	if (text == NULL)
		return chat_params_fail(c, field, "'%s.text' must be a string", field);
	if ((*texts > 0 && hub_buf_puts(buf, "\n") != HUB_OK) || hub_buf_puts(buf, text) != HUB_OK)
		return HUB_ERR_NOMEM;
	(*texts)++;
	mp->text_bytes += strlen(text);
	return HUB_OK;
}

/* Keep buf's text (texts > 0) as *dst, else "" ; frees buf. */
static int
messages_params_keep(struct hub_buf *buf, size_t texts, struct chat_params *out, const char **dst)
{
	int rc;

	*dst = "";
	if (texts == 0) {
		hub_buf_free(buf);
		return HUB_OK;
	}
	if ((rc = chat_params_own(out, hub_buf_steal(buf))) != HUB_OK)
		return rc;
	*dst = out->owned[out->n_owned - 1];
	return HUB_OK;
}

/* Text blocks (or a string) v into *dst; what names the thing. */
static int
messages_params_texts(struct json_object *v, const char *field, const char *what, const char **dst,
    struct messages_params *mp, struct chat_parse_ctx *c)
{
	struct json_object *b;
	char sub[96];
	struct hub_buf buf;
	size_t i, texts = 0;
	int rc = HUB_OK;

	if (json_object_is_type(v, json_type_string)) {
		*dst = json_object_get_string(v);
		mp->text_bytes += strlen(*dst);
		return HUB_OK;
	}
	if (!json_object_is_type(v, json_type_array))
		return chat_params_fail(c, field, "'%s' must be a string or a list of text blocks", field);
	hub_buf_init(&buf, 0);
	for (i = 0; i < json_object_array_length(v) && rc == HUB_OK; i++) {
		snprintf(sub, sizeof(sub), "%s.%zu", field, i);
		b = json_object_array_get_idx(v, i);
		if (!json_object_is_type(b, json_type_object) || hub_json_get_string(b, "type") == NULL ||
		    strcmp(hub_json_get_string(b, "type"), "text") != 0)
			rc = chat_params_fail(c, sub, "'%s': %s takes text blocks only", sub, what);
		else
			rc = messages_params_text(b, sub, &buf, &texts, mp, c);
	}
	if (rc != HUB_OK) {
		hub_buf_free(&buf);
		return rc;
	}
	return messages_params_keep(&buf, texts, &mp->chat, dst);
}

/* An image block with a base64 source into the images pool. */
static int
messages_params_image(struct json_object *b, const char *field, struct provider_msg *msg,
    struct chat_params *out, struct chat_parse_ctx *c)
{
	struct json_object *src = chat_params_member(b, "source");
	const char *t = hub_json_get_string(src, "type"), *mt, *data;
	char sub[112];
	int rc;

	snprintf(sub, sizeof(sub), "%s.source", field);
	if (t == NULL || strcmp(t, "base64") != 0)
		return chat_params_fail(c, sub, "'%s' must be {\"type\":\"base64\",\"media_type\":...,"
		    "\"data\":...}: the hub fetches no URLs and keeps no files", sub);
	mt = hub_json_get_string(src, "media_type");
	data = hub_json_get_string(src, "data");
	if (mt == NULL || data == NULL)
		return chat_params_fail(c, sub, "'%s' needs 'media_type' and 'data' strings", sub);
	snprintf(sub, sizeof(sub), "%s.source.data", field);
	/* the pool was sized by messages_params_count() */
	if ((rc = chat_params_image_data(mt, strlen(mt), data, sub, out, &out->images[out->n_images],
	    c)) != HUB_OK)
		return rc;
	if (msg->n_images == 0)
		msg->images = &out->images[out->n_images];
	out->n_images++;
	msg->n_images++;
	return HUB_OK;
}

/* A tool_use block: a call of the assistant message msg. */
static int
messages_params_tool_use(struct json_object *b, const char *field, struct provider_msg *msg,
    struct messages_params *mp, struct chat_parse_ctx *c)
{
	struct chat_params *out = &mp->chat;
	struct provider_tool_call *tc = &out->calls[out->n_calls];
	struct json_object *v = chat_params_member(b, "id"), *input = chat_params_member(b, "input");
	char sub[112];
	int rc;

	snprintf(sub, sizeof(sub), "%s.id", field);
	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    !chat_params_call_id_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
		return chat_params_fail(c, sub, "'%s' must be a string of 1 to %d characters", sub,
		    HUB_MAX_TOOL_CALL_ID_LEN);
	tc->id = (char *)json_object_get_string(v);  /* in root; never freed through the call */
	snprintf(sub, sizeof(sub), "%s.name", field);
	tc->name = (char *)hub_json_get_string(b, "name");
	if (tc->name == NULL || !chat_params_tool_name_valid(tc->name))
		return chat_params_fail(c, sub, "'%s' must be 1 to 64 characters of A-Z a-z 0-9 _ -", sub);
	snprintf(sub, sizeof(sub), "%s.input", field);
	if (input == NULL || !json_object_is_type(input, json_type_object))
		return chat_params_fail(c, sub, "'%s' must be an object", sub);
	if ((rc = chat_params_own(out, strdup(hub_json_compact(input)))) != HUB_OK)
		return rc;
	tc->arguments = out->owned[out->n_owned - 1];
	mp->text_bytes += strlen(tc->arguments) + strlen(tc->name);
	return chat_params_attach_call(out, msg, field, c);
}

/* A tool_result block into a new tool message. */
static int
messages_params_tool_result(struct json_object *b, const char *field, struct messages_params *mp,
    struct chat_parse_ctx *c)
{
	struct chat_params *out = &mp->chat;
	struct provider_msg *tm = &out->messages[out->n_messages];
	struct json_object *v = chat_params_member(b, "tool_use_id"), *content;
	char sub[112];
	int rc;

	snprintf(sub, sizeof(sub), "%s.tool_use_id", field);
	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    !chat_params_call_id_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
		return chat_params_fail(c, sub, "'%s' must be the id (1 to %d characters) of the tool_use "
		    "this result answers", sub, HUB_MAX_TOOL_CALL_ID_LEN);
	tm->role = "tool";
	tm->tool_call_id = json_object_get_string(v);
	tm->content = "";
	snprintf(sub, sizeof(sub), "%s.content", field);
	content = chat_params_member(b, "content");
	if (content != NULL && (rc = messages_params_texts(content, sub, "a tool_result's content",
	    &tm->content, mp, c)) != HUB_OK)
		return rc;
	out->n_messages++;
	return HUB_OK;
}

/* The blocks of message i (role r) into msg, tool results before it. */
static int
messages_params_blocks(struct json_object *content, size_t i, const char *r, struct messages_params *mp,
    struct chat_parse_ctx *c)
{
	struct chat_params *out = &mp->chat;
	struct provider_msg msg;
	struct json_object *b;
	const char *t;
	char field[64];
	struct hub_buf buf;
	size_t j, texts = 0, results = 0, user = strcmp(r, "user") == 0;
	int rc = HUB_OK;

	memset(&msg, 0, sizeof(msg));
	msg.role = r;
	hub_buf_init(&buf, 0);
	for (j = 0; j < json_object_array_length(content) && rc == HUB_OK; j++) {
		snprintf(field, sizeof(field), "messages.%zu.content.%zu", i, j);
		b = json_object_array_get_idx(content, j);
		t = json_object_is_type(b, json_type_object) ? hub_json_get_string(b, "type") : NULL;
		if (t == NULL)
			rc = chat_params_fail(c, field, "'%s' must be a block with a 'type'", field);
		else if (strcmp(t, "text") == 0)
			rc = messages_params_text(b, field, &buf, &texts, mp, c);
		else if (strcmp(t, "image") == 0 && user)
			rc = messages_params_image(b, field, &msg, out, c);
		else if (strcmp(t, "tool_use") == 0 && !user)
			rc = messages_params_tool_use(b, field, &msg, mp, c);
		else if (strcmp(t, "tool_result") == 0 && user && texts == 0 && msg.n_images == 0) {
			rc = messages_params_tool_result(b, field, mp, c);
			results++;
		} else if (strcmp(t, "thinking") == 0 || strcmp(t, "redacted_thinking") == 0)
			rc = HUB_OK;  /* the CLIs keep their own thinking */
		else if (strcmp(t, "tool_result") == 0 && user)
			rc = chat_params_fail(c, field, "'%s': tool_result blocks must come before the "
			    "message's text and images", field);
		else
			rc = chat_params_fail(c, field, "'%s': a %s message takes %s blocks, not '%.32s'", field,
			    r, user ? "text, image and tool_result" : "text and tool_use", t);
	}
	if (rc == HUB_OK)
		rc = messages_params_keep(&buf, texts, out, &msg.content);
	else
		hub_buf_free(&buf);
	if (rc != HUB_OK)
		return rc;
	/* a user message of tool results only adds no empty user message */
	if (results == 0 || texts > 0 || msg.n_images > 0)
		out->messages[out->n_messages++] = msg;
	return HUB_OK;
}

/* `system` and `messages`. */
static int
messages_params_messages(struct json_object *root, struct messages_params *mp, struct chat_parse_ctx *c)
{
	struct chat_params *out = &mp->chat;
	struct json_object *msgs = chat_params_member(root, "messages"), *m, *content, *v;
	const char *r;
	char field[48];
	size_t i, n, cap;
	int rc;

	if (msgs == NULL || !json_object_is_type(msgs, json_type_array))
		return chat_params_fail(c, "messages", "'messages' must be an array");
	if ((n = json_object_array_length(msgs)) == 0)
		return chat_params_fail(c, "messages", "'messages' must not be empty");
	if (n > HUB_MAX_MESSAGES)
		return chat_params_fail(c, "messages", "'messages' has more than %d entries", HUB_MAX_MESSAGES);
	if ((rc = messages_params_count(msgs, n, out, &cap, c)) != HUB_OK)
		return rc;
	if ((out->messages = calloc(cap, sizeof(*out->messages))) == NULL)
		return HUB_ERR_NOMEM;
	if ((v = chat_params_member(root, "system")) != NULL) {
		out->messages[0].role = "system";
		if ((rc = messages_params_texts(v, "system", "'system'", &out->messages[0].content, mp, c)) != HUB_OK)
			return rc;
		out->n_messages = 1;
	}
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(msgs, i);
		snprintf(field, sizeof(field), "messages.%zu.role", i);
		r = json_object_is_type(m, json_type_object) ? hub_json_get_string(m, "role") : NULL;
		if (r == NULL || (strcmp(r, "user") != 0 && strcmp(r, "assistant") != 0))
			return chat_params_fail(c, field, "'%s' must be \"user\" or \"assistant\"", field);
		snprintf(field, sizeof(field), "messages.%zu.content", i);
		content = chat_params_member(m, "content");
		if (content != NULL && json_object_is_type(content, json_type_string)) {
			out->messages[out->n_messages].role = r;
			out->messages[out->n_messages++].content = json_object_get_string(content);
			mp->text_bytes += (size_t)json_object_get_string_len(content);
		} else if (content != NULL && json_object_is_type(content, json_type_array)) {
			if ((rc = messages_params_blocks(content, i, r, mp, c)) != HUB_OK)
				return rc;
		} else {
			return chat_params_fail(c, field, "'%s' must be a string or a list of blocks", field);
		}
	}
	return chat_params_check_last(out, "messages", "the last message must be a user message "
	    "(prefilling the assistant's answer is not supported)", c);
}

/* `tools` (custom tools only) and `tool_choice`. */
static int
messages_params_tools(struct json_object *root, struct messages_params *mp, struct chat_parse_ctx *c)
{
	struct chat_params *out = &mp->chat;
	struct json_object *v = chat_params_member(root, "tools"), *e;
	const char *t;
	size_t bytes = 0;
	int rc;

	if ((rc = chat_params_tool_list(v, ".", "input_schema", out, &bytes, c)) != HUB_OK)
		return rc;
	mp->text_bytes += bytes;
	if ((v = chat_params_member(root, "tool_choice")) == NULL)
		return HUB_OK;
	if ((e = chat_params_member(v, "disable_parallel_tool_use")) != NULL) {
		if (!json_object_is_type(e, json_type_boolean))
			return chat_params_fail(c, "tool_choice.disable_parallel_tool_use",
			    "'tool_choice.disable_parallel_tool_use' must be a boolean");
		out->parallel_tool_calls = !json_object_get_boolean(e);
	}
	t = hub_json_get_string(v, "type");
	if (t != NULL && strcmp(t, "auto") == 0)
		out->tool_choice = PROVIDER_TOOL_CHOICE_AUTO;
	else if (t != NULL && strcmp(t, "none") == 0)
		out->tool_choice = PROVIDER_TOOL_CHOICE_NONE;
	else if (t != NULL && strcmp(t, "any") == 0)
		out->tool_choice = PROVIDER_TOOL_CHOICE_REQUIRED;
	else if (t != NULL && strcmp(t, "tool") == 0 &&
	    (out->tool_choice_name = hub_json_get_string(v, "name")) != NULL)
		out->tool_choice = PROVIDER_TOOL_CHOICE_NAMED;
	else
		return chat_params_fail(c, "tool_choice", "'tool_choice' must be {\"type\":\"auto\"}, "
		    "{\"type\":\"any\"}, {\"type\":\"tool\",\"name\":...} or {\"type\":\"none\"}");
	return chat_params_check_choice(out, "tool_choice", c);
}

int
messages_params_parse(const char *body, size_t len, int for_count, struct messages_params *out,
    char *err, size_t errlen, char *param, size_t param_len)
{
	struct chat_parse_ctx c = { err, errlen, param, param_len };
	struct json_object *v;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = chat_params_head(body, len, &out->chat, &c)) != HUB_OK ||
	    (rc = chat_params_check_options(out->chat.root, messages_options,
	    sizeof(messages_options) / sizeof(messages_options[0]), &c)) != HUB_OK)
		goto fail;
	if (out->chat.model == NULL) {
		rc = chat_params_fail(&c, "model", "'model' is required (see GET /v1/models)");
		goto fail;
	}
	v = chat_params_member(out->chat.root, "max_tokens");
	if (!for_count && (v == NULL || json_object_get_int64(v) < 1)) {
		rc = chat_params_fail(&c, "max_tokens", "'max_tokens' is required and must be at least 1");
		goto fail;
	}
	out->max_tokens = v != NULL ? (long)json_object_get_int64(v) : 0;
	if (chat_params_member(out->chat.root, "mcp_servers") != NULL ||
	    chat_params_member(out->chat.root, "container") != NULL) {
		rc = chat_params_fail(&c, "mcp_servers", "'mcp_servers' and 'container' are not supported: "
		    "the hub runs no server tools");
		goto fail;
	}
	if ((rc = messages_params_tools(out->chat.root, out, &c)) != HUB_OK ||
	    (rc = messages_params_messages(out->chat.root, out, &c)) != HUB_OK)
		goto fail;
	return HUB_OK;
fail:
	messages_params_free(out);
	return rc;
}

long
messages_params_estimate_tokens(const struct messages_params *p)
{
	return (long)((p->text_bytes + 3) / 4) + (long)p->chat.n_images * MESSAGES_PARAMS_IMAGE_TOKENS;
}

void
messages_params_free(struct messages_params *p)
{
	if (p == NULL)
		return;
	chat_params_free(&p->chat);
	memset(p, 0, sizeof(*p));
}
