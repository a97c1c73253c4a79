/*
 * chat_params.c - OpenAI Chat Completions request validation.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_params.h"
#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_text.h"

struct chat_parse_ctx {
	char *err;
	size_t errlen;
	char *param;
	size_t param_len;
};

static int chat_params_fail(struct chat_parse_ctx *c, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set the error message and field, and return HUB_ERR_INVALID. */
static int
chat_params_fail(struct chat_parse_ctx *c, const char *param, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	snprintf(c->param, c->param_len, "%s", param ? param : "");
	return HUB_ERR_INVALID;
}

/* Options accepted and ignored, with the JSON types they may have. */
struct chat_option {
	const char *name;
	unsigned types;   /* bit mask of 1 << json_type */
};

#define T(t) (1u << (t))
static const struct chat_option chat_options[] = {
	{ "temperature", T(json_type_double) | T(json_type_int) | T(json_type_null) },
	{ "top_p", T(json_type_double) | T(json_type_int) | T(json_type_null) },
	{ "max_tokens", T(json_type_int) | T(json_type_null) },
	{ "max_completion_tokens", T(json_type_int) | T(json_type_null) },
	{ "presence_penalty", T(json_type_double) | T(json_type_int) | T(json_type_null) },
	{ "frequency_penalty", T(json_type_double) | T(json_type_int) | T(json_type_null) },
	{ "stop", T(json_type_string) | T(json_type_array) | T(json_type_null) },
	{ "user", T(json_type_string) | T(json_type_null) },
	{ "seed", T(json_type_int) | T(json_type_null) },
	{ "logit_bias", T(json_type_object) | T(json_type_null) },
	{ "logprobs", T(json_type_boolean) | T(json_type_null) },
	{ "top_logprobs", T(json_type_int) | T(json_type_null) },
	{ "response_format", T(json_type_object) | T(json_type_null) },
	{ "metadata", T(json_type_object) | T(json_type_null) },
	{ "store", T(json_type_boolean) | T(json_type_null) },
	{ "parallel_tool_calls", T(json_type_boolean) | T(json_type_null) },
	{ "service_tier", T(json_type_string) | T(json_type_null) },
	{ "reasoning_effort", T(json_type_string) | T(json_type_null) },
};
#undef T

/* Check the type-only options. */
static int
chat_params_options(struct json_object *root, struct chat_parse_ctx *c)
{
	struct json_object *v;
	size_t i;

	for (i = 0; i < sizeof(chat_options) / sizeof(chat_options[0]); i++) {
		if (!json_object_object_get_ex(root, chat_options[i].name, &v))
			continue;
		if (!(chat_options[i].types & (1u << json_object_get_type(v))))
			return chat_params_fail(c, chat_options[i].name, "'%s' has the wrong type",
			    chat_options[i].name);
	}
	if (json_object_object_get_ex(root, "max_tokens", &v) && v != NULL && json_object_get_int64(v) < 1)
		return chat_params_fail(c, "max_tokens", "'max_tokens' must be at least 1");
	if (json_object_object_get_ex(root, "tools", &v) && v != NULL &&
	    json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0)
		return chat_params_fail(c, "tools", "tools are not supported: the hub gives the CLIs no tools");
	return HUB_OK;
}

/* The text of one message's content: a string, or an array of text parts. */
static int
chat_params_content(struct json_object *content, struct chat_params *out, size_t idx,
    const char **text, struct chat_parse_ctx *c)
{
	char field[64];
	struct hub_buf b;
	struct json_object *part, *type, *ptext;
	size_t i, n;
	char **grown;

	snprintf(field, sizeof(field), "messages[%zu].content", idx);
	if (content != NULL && json_object_is_type(content, json_type_string)) {
		*text = json_object_get_string(content);
		return HUB_OK;
	}
	if (content == NULL || !json_object_is_type(content, json_type_array))
		return chat_params_fail(c, field, "'%s' must be a string or an array of text parts", field);
	n = json_object_array_length(content);
	if (n == 0)
		return chat_params_fail(c, field, "'%s' must not be an empty array", field);
	hub_buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		part = json_object_array_get_idx(content, i);
		if (!json_object_is_type(part, json_type_object) ||
		    !json_object_object_get_ex(part, "type", &type) ||
		    !json_object_is_type(type, json_type_string)) {
			hub_buf_free(&b);
			return chat_params_fail(c, field, "'%s[%zu]' must be an object with a 'type'", field, i);
		}
		if (strcmp(json_object_get_string(type), "text") != 0) {
			hub_buf_free(&b);
			return chat_params_fail(c, field, "'%s[%zu]': only text parts are supported, not '%.32s'",
			    field, i, json_object_get_string(type));
		}
		if (!json_object_object_get_ex(part, "text", &ptext) ||
		    !json_object_is_type(ptext, json_type_string)) {
			hub_buf_free(&b);
			return chat_params_fail(c, field, "'%s[%zu].text' must be a string", field, i);
		}
		if ((i > 0 && hub_buf_puts(&b, "\n") != HUB_OK) ||
		    hub_buf_puts(&b, json_object_get_string(ptext)) != HUB_OK) {
			hub_buf_free(&b);
			return HUB_ERR_NOMEM;
		}
	}
	if ((grown = realloc(out->joined, (out->n_joined + 1) * sizeof(*grown))) == NULL) {
		hub_buf_free(&b);
		return HUB_ERR_NOMEM;
	}
	out->joined = grown;
	out->joined[out->n_joined] = hub_buf_steal(&b);
	if (out->joined[out->n_joined] == NULL)
		return HUB_ERR_NOMEM;
	*text = out->joined[out->n_joined++];
	return HUB_OK;
}

static int
chat_params_messages(struct json_object *msgs, struct chat_params *out, struct chat_parse_ctx *c)
{
	struct json_object *m, *role, *content;
	const char *r;
	char field[64];
	size_t i, n;
	int rc;

	if (msgs == NULL || !json_object_is_type(msgs, json_type_array))
		return chat_params_fail(c, "messages", "'messages' must be an array");
	n = json_object_array_length(msgs);
	if (n == 0)
		return chat_params_fail(c, "messages", "'messages' must not be empty");
	if (n > HUB_MAX_MESSAGES)
		return chat_params_fail(c, "messages", "'messages' has more than %d entries", HUB_MAX_MESSAGES);
	if ((out->messages = calloc(n, sizeof(*out->messages))) == NULL)
		return HUB_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(msgs, i);
		if (!json_object_is_type(m, json_type_object))
			return chat_params_fail(c, "messages", "'messages[%zu]' must be an object", i);
		snprintf(field, sizeof(field), "messages[%zu].role", i);
		if (!json_object_object_get_ex(m, "role", &role) || !json_object_is_type(role, json_type_string))
			return chat_params_fail(c, field, "'%s' must be a string", field);
		r = json_object_get_string(role);
		if (strcmp(r, "developer") == 0 || strcmp(r, "system") == 0)
			r = "system";
		else if (strcmp(r, "user") != 0 && strcmp(r, "assistant") != 0)
			return chat_params_fail(c, field,
			    "'%s' must be one of system, developer, user, assistant (got '%.32s')", field, r);
		content = NULL;
		json_object_object_get_ex(m, "content", &content);
		if ((rc = chat_params_content(content, out, i, &out->messages[i].content, c)) != HUB_OK)
			return rc;
		out->messages[i].role = r;
		out->n_messages++;
	}
	if (strcmp(out->messages[n - 1].role, "user") != 0)
		return chat_params_fail(c, "messages", "the last message must have the role 'user'");
	return HUB_OK;
}

/* A string member no longer than max, or absent; NULL-typed counts as absent. */
static int
chat_params_string(struct json_object *root, const char *key, size_t max, const char **out,
    struct chat_parse_ctx *c)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(root, key, &v) || v == NULL)
		return HUB_OK;
	if (!json_object_is_type(v, json_type_string))
		return chat_params_fail(c, key, "'%s' must be a string", key);
	if (json_object_get_string_len(v) == 0 || (size_t)json_object_get_string_len(v) > max)
		return chat_params_fail(c, key, "'%s' must be 1 to %zu characters", key, max);
	*out = json_object_get_string(v);
	return HUB_OK;
}

int
chat_params_parse(const char *body, size_t len, struct chat_params *out,
    char *err, size_t errlen, char *param, size_t param_len)
{
	struct chat_parse_ctx c = { err, errlen, param, param_len };
	struct json_object *v, *msgs = NULL, *u;
	char jerr[128];
	int rc;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	param[0] = '\0';
	if (hub_json_parse_input(body, len, &out->root, jerr, sizeof(jerr)) != HUB_OK) {
		rc = chat_params_fail(&c, NULL, "the request body is not valid JSON: %s", jerr);
		goto fail;
	}
	if (!json_object_is_type(out->root, json_type_object)) {
		rc = chat_params_fail(&c, NULL, "the request body must be a JSON object");
		goto fail;
	}
	if ((rc = chat_params_string(out->root, "model", HUB_MAX_MODEL_LEN, &out->model, &c)) != HUB_OK ||
	    (rc = chat_params_string(out->root, "provider", 32, &out->provider, &c)) != HUB_OK)
		goto fail;
	if (out->model != NULL && !hub_text_model_name_valid(out->model)) {
		rc = chat_params_fail(&c, "model", "'model' must be 1 to %d characters of A-Z a-z 0-9 "
		    "- _ . : @ [ ], starting with a letter or a digit", HUB_MAX_MODEL_LEN);
		goto fail;
	}
	if (json_object_object_get_ex(out->root, "stream", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean)) {
			rc = chat_params_fail(&c, "stream", "'stream' must be a boolean");
			goto fail;
		}
		out->stream = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(out->root, "stream_options", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_object)) {
			rc = chat_params_fail(&c, "stream_options", "'stream_options' must be an object");
			goto fail;
		}
		if (json_object_object_get_ex(v, "include_usage", &u) && u != NULL) {
			if (!json_object_is_type(u, json_type_boolean)) {
				rc = chat_params_fail(&c, "stream_options.include_usage",
				    "'stream_options.include_usage' must be a boolean");
				goto fail;
			}
			out->include_usage = json_object_get_boolean(u);
		}
	}
	if (json_object_object_get_ex(out->root, "n", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_int)) {
			rc = chat_params_fail(&c, "n", "'n' must be an integer");
			goto fail;
		}
		if (json_object_get_int64(v) != 1) {
			rc = chat_params_fail(&c, "n", "only n = 1 is supported");
			goto fail;
		}
	}
	if ((rc = chat_params_options(out->root, &c)) != HUB_OK)
		goto fail;
	json_object_object_get_ex(out->root, "messages", &msgs);
	if ((rc = chat_params_messages(msgs, out, &c)) != HUB_OK)
		goto fail;
	return HUB_OK;
fail:
	chat_params_free(out);
	return rc;
}

void
chat_params_free(struct chat_params *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_joined; i++)
		free(p->joined[i]);
	free(p->joined);
	free(p->messages);
	json_object_put(p->root);
	memset(p, 0, sizeof(*p));
}
