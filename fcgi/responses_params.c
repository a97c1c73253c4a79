/*
 * responses_params.c - OpenAI Responses request validation: input items,
 * instructions, function tools, tool_choice, store and
 * previous_response_id, into the chat turn's arrays.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "responses_params.h"

static const struct chat_option responses_options[] = {
	{ "max_output_tokens", CHAT_OPT_INT }, { "max_tool_calls", CHAT_OPT_INT },
	{ "top_logprobs", CHAT_OPT_INT }, { "user", CHAT_OPT_STRING }, { "truncation", CHAT_OPT_STRING },
	{ "prompt_cache_key", CHAT_OPT_STRING }, { "safety_identifier", CHAT_OPT_STRING },
	{ "text", CHAT_OPT_OBJECT }, { "reasoning", CHAT_OPT_OBJECT }, { "stream_options", CHAT_OPT_OBJECT },
	{ "include", CHAT_OPT_ARRAY }, { "background", CHAT_OPT_BOOL }, { "store", CHAT_OPT_BOOL },
	{ "parallel_tool_calls", CHAT_OPT_BOOL },
	{ "instructions", CHAT_OPT_STRING }, { "previous_response_id", CHAT_OPT_STRING },
	{ "conversation", CHAT_OPT_STRING | CHAT_OPT_OBJECT },
};

/* The item's type: its "type", or "message" for a bare {role, content}. */
static const char *
responses_params_item_type(struct json_object *item)
{
	const char *t = hub_json_get_string(item, "type");

	if (t == NULL && chat_params_member(item, "role") != NULL)
		return "message";
	return t;
}

/* Count the items' calls and images, so that one pool each holds them. */
static int
responses_params_count(struct json_object *items, struct chat_params *out, struct chat_parse_ctx *c)
{
	struct json_object *item, *content, *part;
	size_t i, j, calls = 0, images = 0;
	const char *t;

	for (i = 0; i < json_object_array_length(items); i++) {
		item = json_object_array_get_idx(items, i);
		if ((t = responses_params_item_type(item)) != NULL && strcmp(t, "function_call") == 0 &&
		    ++calls > HUB_MAX_MESSAGES)
			return chat_params_fail(c, "input", "'input' has more than %d function calls",
			    HUB_MAX_MESSAGES);
		content = chat_params_member(item, "content");
		if (content == NULL || !json_object_is_type(content, json_type_array))
			continue;
		for (j = 0; j < json_object_array_length(content); j++) {
			part = json_object_array_get_idx(content, j);
			if ((t = hub_json_get_string(part, "type")) != NULL && strcmp(t, "input_image") == 0 &&
			    ++images > HUB_MAX_IMAGES)
				return chat_params_fail(c, "input", "the request has more than %d images",
				    HUB_MAX_IMAGES);
		}
	}
	return chat_params_alloc_pools(out, calls, images);
}

/* One content part (field names it) of a message with role r: text goes
 * into b, an image into msg (user messages only). */
static int
responses_params_part(struct json_object *part, const char *field, const char *r, struct hub_buf *b,
    size_t *texts, struct provider_msg *msg, struct chat_params *out, struct chat_parse_ctx *c)
{
	const char *t = json_object_is_type(part, json_type_object) ? hub_json_get_string(part, "type") : NULL;
	const char *text, *url;
	char sub[112];
	int rc;

	if (t == NULL)
		return chat_params_fail(c, field, "'%s' must be an object with a 'type'", field);
	if (strcmp(t, "input_text") == 0 || strcmp(t, "output_text") == 0 || strcmp(t, "text") == 0 ||
	    strcmp(t, "refusal") == 0) {
		text = hub_json_get_string(part, strcmp(t, "refusal") == 0 ? "refusal" : "text");
		if (text == NULL)
			return chat_params_fail(c, field, "'%s.%s' must be a string", field,
			    strcmp(t, "refusal") == 0 ? "refusal" : "text");
		if ((*texts > 0 && hub_buf_puts(b, "\n") != HUB_OK) || hub_buf_puts(b, text) != HUB_OK)
			return HUB_ERR_NOMEM;
		(*texts)++;
		return HUB_OK;
	}
	if (strcmp(t, "input_image") == 0 && strcmp(r, "user") == 0) {
		snprintf(sub, sizeof(sub), "%s.image_url", field);
		if ((url = hub_json_get_string(part, "image_url")) == NULL)
			return chat_params_fail(c, sub, "'%s' must be a data: URL (file_id is not supported: "
			    "the hub keeps no files)", sub);
		/* the pool was sized by responses_params_count() */
		if ((rc = chat_params_image_url(url, sub, out, &out->images[out->n_images], c)) != HUB_OK)
			return rc;
		out->n_images++;
		msg->n_images++;
		return HUB_OK;
	}
	if (strcmp(t, "input_image") == 0)
		return chat_params_fail(c, field, "'%s': images are accepted in user messages only", field);
	return chat_params_fail(c, field, "'%s': only input_text, output_text, refusal and input_image "
	    "parts are supported, not '%.32s'", field, t);
}

/* content (a string or a list of parts) of the message msg (role r) into
 * msg->content and msg->images. */
static int
responses_params_content(struct json_object *content, const char *field, const char *r,
    struct provider_msg *msg, struct chat_params *out, struct chat_parse_ctx *c)
{
	char pfield[96];
	struct hub_buf b;
	size_t i, texts = 0;
	int rc = HUB_OK;

	msg->content = "";
	if (content != NULL && json_object_is_type(content, json_type_string)) {
		msg->content = json_object_get_string(content);
		return HUB_OK;
	}
	if (content == NULL || !json_object_is_type(content, json_type_array))
		return chat_params_fail(c, field, "'%s' must be a string or a list of content parts", field);
	hub_buf_init(&b, 0);
	msg->images = out->images != NULL ? out->images + out->n_images : NULL;
	for (i = 0; i < json_object_array_length(content) && rc == HUB_OK; i++) {
		snprintf(pfield, sizeof(pfield), "%s[%zu]", field, i);
		rc = responses_params_part(json_object_array_get_idx(content, i), pfield, r, &b, &texts, msg,
		    out, c);
	}
	if (msg->n_images == 0)
		msg->images = NULL;
	if (rc != HUB_OK || texts == 0) {
		hub_buf_free(&b);
		return rc;
	}
	if ((rc = chat_params_own(out, hub_buf_steal(&b))) != HUB_OK)
		return rc;
	msg->content = out->owned[out->n_owned - 1];
	return HUB_OK;
}

/* A message item into a new message. */
static int
responses_params_message(struct json_object *item, const char *field, struct chat_params *out,
    struct chat_parse_ctx *c)
{
	const char *r = hub_json_get_string(item, "role");
	struct provider_msg *msg;
	char sub[80];
	int rc;

	msg = &out->messages[out->n_messages];

	snprintf(sub, sizeof(sub), "%s.role", field);
	if (r == NULL)
		return chat_params_fail(c, sub, "'%s' must be a string", sub);
	if (strcmp(r, "developer") == 0 || strcmp(r, "system") == 0)
		r = "system";
	else if (strcmp(r, "user") != 0 && strcmp(r, "assistant") != 0)
		return chat_params_fail(c, sub, "'%s' must be one of user, assistant, system, developer "
		    "(got '%.32s')", sub, r);
	msg->role = r;
	snprintf(sub, sizeof(sub), "%s.content", field);
	if ((rc = responses_params_content(chat_params_member(item, "content"), sub, r, msg, out, c)) != HUB_OK)
		return rc;
	out->n_messages++;
	return HUB_OK;
}

/* The call_id of a function_call or function_call_output item. */
static int
responses_params_call_id(struct json_object *item, const char *field, const char **id,
    struct chat_parse_ctx *c)
{
	struct json_object *v = chat_params_member(item, "call_id");
	char sub[80];

	snprintf(sub, sizeof(sub), "%s.call_id", field);
	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    !chat_params_call_id_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
		return chat_params_fail(c, sub, "'%s' must be a string of 1 to %d characters", sub,
		    HUB_MAX_TOOL_CALL_ID_LEN);
	*id = json_object_get_string(v);
	return HUB_OK;
}

/* A function_call item: a call of the assistant message just before it,
 * or of a new one. */
static int
responses_params_function_call(struct json_object *item, const char *field, struct chat_params *out,
    struct chat_parse_ctx *c)
{
	struct provider_msg *msg = out->n_messages > 0 ? &out->messages[out->n_messages - 1] : NULL;
	struct provider_tool_call *tc = &out->calls[out->n_calls];
	const char *id;
	char sub[80];
	int rc;

	if ((rc = responses_params_call_id(item, field, &id, c)) != HUB_OK)
		return rc;
	tc->id = (char *)id;  /* in root; never freed through the call */
	snprintf(sub, sizeof(sub), "%s.name", field);
	tc->name = (char *)hub_json_get_string(item, "name");
	if (tc->name == NULL || !chat_params_tool_name_valid(tc->name))
		return chat_params_fail(c, sub, "'%s' must be 1 to 64 characters of A-Z a-z 0-9 _ -", sub);
	snprintf(sub, sizeof(sub), "%s.arguments", field);
	if ((rc = chat_params_arguments(chat_params_member(item, "arguments"), sub, out, &tc->arguments,
	    c)) != HUB_OK)
		return rc;
	if (msg == NULL || strcmp(msg->role, "assistant") != 0) {
		msg = &out->messages[out->n_messages++];
		msg->role = "assistant";
		msg->content = "";
	}
	return chat_params_attach_call(out, msg, field, c);
}

/* A function_call_output item into a tool message. */
static int
responses_params_call_output(struct json_object *item, const char *field, struct chat_params *out,
    struct chat_parse_ctx *c)
{
	struct provider_msg *msg = &out->messages[out->n_messages];
	struct json_object *v = chat_params_member(item, "output");
	char sub[80];
	int rc;

	if ((rc = responses_params_call_id(item, field, &msg->tool_call_id, c)) != HUB_OK)
		return rc;
	msg->role = "tool";
	snprintf(sub, sizeof(sub), "%s.output", field);
	if (v != NULL && json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0)
		msg->content = "";
	else if ((rc = responses_params_content(v, sub, "tool", msg, out, c)) != HUB_OK)
		return rc;
	out->n_messages++;
	return HUB_OK;
}

/* `input`, after `instructions`, into out->messages. */
static int
responses_params_input(struct json_object *root, struct responses_params *rp, struct chat_parse_ctx *c)
{
	struct chat_params *out = &rp->chat;
	struct json_object *input = chat_params_member(root, "input"), *item;
	const char *t;
	char field[32];
	size_t i, n;
	int rc;

	if (input == NULL || (!json_object_is_type(input, json_type_string) &&
	    !json_object_is_type(input, json_type_array)))
		return chat_params_fail(c, "input", "'input' must be a string or a list of items");
	n = json_object_is_type(input, json_type_array) ? json_object_array_length(input) : 1;
	if (n == 0)
		return chat_params_fail(c, "input", "'input' must not be empty");
	if (n >= HUB_MAX_MESSAGES)
		return chat_params_fail(c, "input", "'input' has more than %d items", HUB_MAX_MESSAGES - 1);
	if ((out->messages = calloc(n + 1, sizeof(*out->messages))) == NULL)
		return HUB_ERR_NOMEM;
	if (rp->instructions != NULL) {
		out->messages[0].role = "system";
		out->messages[0].content = rp->instructions;
		out->n_messages = 1;
	}
	if (json_object_is_type(input, json_type_string)) {
		out->messages[out->n_messages].role = "user";
		out->messages[out->n_messages++].content = json_object_get_string(input);
		return HUB_OK;
	}
	if ((rc = responses_params_count(input, out, c)) != HUB_OK)
		return rc;
	for (i = 0; i < n; i++) {
		snprintf(field, sizeof(field), "input[%zu]", i);
		item = json_object_array_get_idx(input, i);
		t = json_object_is_type(item, json_type_object) ? responses_params_item_type(item) : NULL;
		if (t == NULL)
			rc = chat_params_fail(c, field, "'%s' must be an object with a 'type' or a 'role'", field);
		else if (strcmp(t, "message") == 0)
			rc = responses_params_message(item, field, out, c);
		else if (strcmp(t, "function_call") == 0)
			rc = responses_params_function_call(item, field, out, c);
		else if (strcmp(t, "function_call_output") == 0)
			rc = responses_params_call_output(item, field, out, c);
		else if (strcmp(t, "reasoning") == 0)
			rc = HUB_OK;  /* the CLIs keep their own reasoning: nothing to hand back */
		else
			rc = chat_params_fail(c, field, "'%s': items of type '%.40s' are not supported "
			    "(message, function_call, function_call_output)", field, t);
		if (rc != HUB_OK)
			return rc;
	}
	return chat_params_check_last(out, "input", "the last item of 'input' must be a user message "
	    "(or a function_call_output, to send a result back)", c);
}

/* `tools` (function tools only), `tool_choice`, `parallel_tool_calls`. */
static int
responses_params_tools(struct json_object *root, struct chat_params *out, struct chat_parse_ctx *c)
{
	struct json_object *v = chat_params_member(root, "tools"), *e;
	const char *t;
	size_t bytes = 0;
	int rc;

	if ((rc = chat_params_tool_list(v, "[", "parameters", out, &bytes, c)) != HUB_OK)
		return rc;
	if ((e = chat_params_member(root, "parallel_tool_calls")) != NULL)
		out->parallel_tool_calls = json_object_get_boolean(e);
	if ((v = chat_params_member(root, "tool_choice")) == NULL)
		return HUB_OK;
	t = json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
	    json_object_is_type(v, json_type_object) ? hub_json_get_string(v, "type") : NULL;
	if (t != NULL && json_object_is_type(v, json_type_string) && strcmp(t, "auto") == 0)
		out->tool_choice = PROVIDER_TOOL_CHOICE_AUTO;
	else if (t != NULL && json_object_is_type(v, json_type_string) && strcmp(t, "none") == 0)
		out->tool_choice = PROVIDER_TOOL_CHOICE_NONE;
	else if (t != NULL && json_object_is_type(v, json_type_string) && strcmp(t, "required") == 0)
		out->tool_choice = PROVIDER_TOOL_CHOICE_REQUIRED;
	else if (t != NULL && json_object_is_type(v, json_type_object) && strcmp(t, "function") == 0 &&
	    (out->tool_choice_name = hub_json_get_string(v, "name")) != NULL)
		out->tool_choice = PROVIDER_TOOL_CHOICE_NAMED;
	else
		return chat_params_fail(c, "tool_choice", "'tool_choice' must be \"auto\", \"none\", "
		    "\"required\" or {\"type\":\"function\",\"name\":...}");
	return chat_params_check_choice(out, "tool_choice", c);
}

/* 1 when s has the session id syntax, [A-Za-z0-9_-]{1,HUB_MAX_SESSION_ID_LEN}. */
static int
responses_params_session_id_valid(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= HUB_MAX_SESSION_ID_LEN && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The options refused outright, and store / previous_response_id / conversation. */
static int
responses_params_state(struct json_object *root, struct responses_params *rp, struct chat_parse_ctx *c)
{
	struct json_object *v;

	if ((v = chat_params_member(root, "background")) != NULL && json_object_get_boolean(v))
		return chat_params_fail(c, "background", "'background' responses are not supported; "
		    "send the request with stream or wait for it");
	if ((v = chat_params_member(root, "conversation")) != NULL) {
		rp->conversation = json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
		    hub_json_get_string(v, "id");
		if (!responses_params_session_id_valid(rp->conversation))
			return chat_params_fail(c, "conversation", "'conversation' must be a conversation id "
			    "(a session id: 1 to %d characters of A-Z a-z 0-9 _ -), or {\"id\": ...}",
			    HUB_MAX_SESSION_ID_LEN);
		if (chat_params_member(root, "previous_response_id") != NULL)
			return chat_params_fail(c, "conversation", "'conversation' and 'previous_response_id' "
			    "cannot be used together");
	}
	if (chat_params_member(root, "prompt") != NULL)
		return chat_params_fail(c, "prompt", "stored prompts ('prompt') are not supported; send "
		    "'instructions' and 'input'");
	rp->store = 1;
	if ((v = chat_params_member(root, "store")) != NULL)
		rp->store = json_object_get_boolean(v);
	rp->instructions = hub_json_get_string(root, "instructions");
	rp->previous_response_id = hub_json_get_string(root, "previous_response_id");
	if (rp->previous_response_id != NULL && (*rp->previous_response_id == '\0' ||
	    strlen(rp->previous_response_id) > HUB_MAX_SESSION_ID_LEN + 32))
		return chat_params_fail(c, "previous_response_id", "'previous_response_id' must be the id "
		    "of a stored response");
	return HUB_OK;
}

int
responses_params_parse(const char *body, size_t len, struct responses_params *out,
    char *err, size_t errlen, char *param, size_t param_len)
{
	struct chat_parse_ctx c = { err, errlen, param, param_len };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = chat_params_head(body, len, &out->chat, &c)) != HUB_OK ||
	    (rc = chat_params_check_options(out->chat.root, responses_options,
	    sizeof(responses_options) / sizeof(responses_options[0]), &c)) != HUB_OK ||
	    (rc = responses_params_state(out->chat.root, out, &c)) != HUB_OK ||
	    (rc = responses_params_tools(out->chat.root, &out->chat, &c)) != HUB_OK ||
	    (rc = responses_params_input(out->chat.root, out, &c)) != HUB_OK) {
		responses_params_free(out);
		return rc;
	}
	return HUB_OK;
}

void
responses_params_id_format(char *out, size_t len, const char *session_id, size_t n)
{
	snprintf(out, len, "resp_%s.%zu", session_id, n);
}

int
responses_params_id_parse(const char *id, char *sid, size_t sid_len, size_t *n)
{
	const char *dot, *d;
	size_t k;

	if (strncmp(id, "resp_", 5) != 0 || (dot = strrchr(id, '.')) == NULL)
		return HUB_ERR_INVALID;
	k = (size_t)(dot - (id + 5));
	if (k == 0 || k >= sid_len || k > HUB_MAX_SESSION_ID_LEN || dot[1] == '\0' || strlen(dot + 1) > 6)
		return HUB_ERR_INVALID;
	memcpy(sid, id + 5, k);
	sid[k] = '\0';
	if (!responses_params_session_id_valid(sid))
		return HUB_ERR_INVALID;
	*n = 0;
	for (d = dot + 1; *d != '\0'; d++) {
		if (*d < '0' || *d > '9')
			return HUB_ERR_INVALID;
		*n = *n * 10 + (size_t)(*d - '0');
	}
	return *n == 0 ? HUB_ERR_INVALID : HUB_OK;
}

void
responses_params_free(struct responses_params *p)
{
	if (p == NULL)
		return;
	chat_params_free(&p->chat);
	memset(p, 0, sizeof(*p));
}
