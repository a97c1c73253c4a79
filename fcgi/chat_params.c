/*
 * chat_params.c - OpenAI Chat Completions request validation: options,
 * tools, messages (tool turns and images).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chat_params.h"
#include "common/hub_buf.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_text.h"

int
chat_params_fail(struct chat_parse_ctx *c, const char *param, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	snprintf(c->param, c->param_len, "%s", param ? param : "");
	return HUB_ERR_INVALID;
}

int
chat_params_own(struct chat_params *out, char *s)
{
	char **grown;
	size_t cap;

	if (s == NULL)
		return HUB_ERR_NOMEM;
	if (out->n_owned == out->owned_cap) {
		cap = out->owned_cap ? out->owned_cap * 2 : 8;
		if ((grown = realloc(out->owned, cap * sizeof(*grown))) == NULL) {
			free(s);
			return HUB_ERR_NOMEM;
		}
		out->owned = grown;
		out->owned_cap = cap;
	}
	out->owned[out->n_owned++] = s;
	return HUB_OK;
}

#define T(t) (1u << (t))
static const struct chat_option chat_options[] = {
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
	{ "store", T(json_type_boolean) | T(json_type_null) },
	{ "reasoning_effort", T(json_type_string) | T(json_type_null) },
};
#undef T

/* The options every surface accepts and ignores (chat_params_head()). */
static const struct chat_option chat_params_shared_options[] = {
	{ "temperature", CHAT_OPT_NUMBER }, { "top_p", CHAT_OPT_NUMBER },
	{ "metadata", CHAT_OPT_OBJECT }, { "service_tier", CHAT_OPT_STRING },
};

struct json_object *
chat_params_member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

int
chat_params_check_options(struct json_object *root, const struct chat_option *opts, size_t n,
    struct chat_parse_ctx *c)
{
	struct json_object *v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!json_object_object_get_ex(root, opts[i].name, &v))
			continue;
		if (!(opts[i].types & (1u << json_object_get_type(v))))
			return chat_params_fail(c, opts[i].name, "'%s' has the wrong type", opts[i].name);
	}
	return HUB_OK;
}

/* Check the type-only options, and refuse OpenAI's legacy function calling. */
static int
chat_params_options(struct json_object *root, struct chat_parse_ctx *c)
{
	struct json_object *v;
	int rc;

	if ((rc = chat_params_check_options(root, chat_options, sizeof(chat_options) /
	    sizeof(chat_options[0]), c)) != HUB_OK)
		return rc;
	if ((v = chat_params_member(root, "max_tokens")) != NULL && json_object_get_int64(v) < 1)
		return chat_params_fail(c, "max_tokens", "'max_tokens' must be at least 1");
	if (chat_params_member(root, "functions") != NULL)
		return chat_params_fail(c, "functions", "'functions' is OpenAI's deprecated form of tool "
		    "calling and is not supported; send the same functions as 'tools' "
		    "([{\"type\":\"function\",\"function\":{...}}])");
	if (chat_params_member(root, "function_call") != NULL)
		return chat_params_fail(c, "function_call", "'function_call' is OpenAI's deprecated form of "
		    "tool calling and is not supported; send 'tool_choice' with 'tools'");
	return HUB_OK;
}

int
chat_params_tool_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= 64 && strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-") == n;
}

int
chat_params_call_id_valid(const char *id, size_t len)
{
	size_t i;

	if (len == 0 || len > HUB_MAX_TOOL_CALL_ID_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
			return 0;
	return 1;
}

int
chat_params_schema(struct json_object *s, const char *field, struct chat_parse_ctx *c)
{
	struct json_object *v, *e;
	size_t i;

	if (!json_object_is_type(s, json_type_object))
		return chat_params_fail(c, field, "'%s' must be a JSON Schema object", field);
	if ((v = chat_params_member(s, "type")) != NULL &&
	    (!json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), "object") != 0))
		return chat_params_fail(c, field, "'%s' must be a JSON Schema of \"type\": \"object\"", field);
	if ((v = chat_params_member(s, "properties")) != NULL) {
		if (!json_object_is_type(v, json_type_object))
			return chat_params_fail(c, field, "'%s.properties' must be an object", field);
		json_object_object_foreach(v, key, sub) {
			if (sub == NULL || (!json_object_is_type(sub, json_type_object) &&
			    !json_object_is_type(sub, json_type_boolean)))
				return chat_params_fail(c, field, "'%s.properties.%.64s' must be a JSON Schema "
				    "(an object)", field, key);
		}
	}
	if ((v = chat_params_member(s, "required")) != NULL) {
		if (!json_object_is_type(v, json_type_array))
			return chat_params_fail(c, field, "'%s.required' must be an array of names", field);
		for (i = 0; i < json_object_array_length(v); i++) {
			e = json_object_array_get_idx(v, i);
			if (!json_object_is_type(e, json_type_string))
				return chat_params_fail(c, field, "'%s.required[%zu]' must be a string", field, i);
		}
	}
	return HUB_OK;
}

/* An optional string member: absent or null gives NULL. */
static int
chat_params_opt_string(struct json_object *o, const char *key, const char *field,
    const char **out, struct chat_parse_ctx *c)
{
	struct json_object *v = chat_params_member(o, key);

	*out = NULL;
	if (v == NULL)
		return HUB_OK;
	if (!json_object_is_type(v, json_type_string))
		return chat_params_fail(c, field, "'%s' must be a string", field);
	*out = json_object_get_string(v);
	return HUB_OK;
}

static const char chat_params_empty_schema[] = "{\"type\":\"object\",\"properties\":{}}";

int
chat_params_tool_fields(struct json_object *fn, const char *name_key, const char *schema_key,
    const char *field, size_t i, struct chat_params *out, struct provider_tool *t, size_t *bytes,
    struct chat_parse_ctx *c)
{
	struct json_object *v;
	char sub[160];
	size_t j;
	int rc;

	snprintf(sub, sizeof(sub), "%s.%s", field, name_key);
	if ((rc = chat_params_opt_string(fn, name_key, sub, &t->name, c)) != HUB_OK)
		return rc;
	if (t->name == NULL || !chat_params_tool_name_valid(t->name))
		return chat_params_fail(c, sub, "'%s' must be 1 to 64 characters of A-Z a-z 0-9 _ -", sub);
	for (j = 0; j < i; j++)
		if (strcmp(out->tools[j].name, t->name) == 0)
			return chat_params_fail(c, sub, "the tool '%s' is declared twice", t->name);
	snprintf(sub, sizeof(sub), "%s.description", field);
	if ((rc = chat_params_opt_string(fn, "description", sub, &t->description, c)) != HUB_OK)
		return rc;
	snprintf(sub, sizeof(sub), "%s.strict", field);
	if ((v = chat_params_member(fn, "strict")) != NULL && !json_object_is_type(v, json_type_boolean))
		return chat_params_fail(c, sub, "'%s' must be a boolean", sub);
	snprintf(sub, sizeof(sub), "%s.%s", field, schema_key);
	if ((v = chat_params_member(fn, schema_key)) == NULL) {
		t->parameters = chat_params_empty_schema;
	} else {
		if ((rc = chat_params_schema(v, sub, c)) != HUB_OK)
			return rc;
		if ((rc = chat_params_own(out, strdup(hub_json_compact(v)))) != HUB_OK)
			return rc;
		t->parameters = out->owned[out->n_owned - 1];
	}
	*bytes += strlen(t->name) + (t->description ? strlen(t->description) : 0) + strlen(t->parameters);
	if (*bytes > HUB_MAX_TOOLS_BYTES)
		return chat_params_fail(c, "tools", "the tools' names, descriptions and parameter schemas "
		    "pass the limit of %u bytes (at %s)", HUB_MAX_TOOLS_BYTES, field);
	return HUB_OK;
}

/* One entry of `tools` into t. */
static int
chat_params_tool(struct json_object *e, size_t i, struct chat_params *out, struct provider_tool *t,
    size_t *bytes, struct chat_parse_ctx *c)
{
	struct json_object *type, *fn;
	char field[32], sub[128];

	snprintf(field, sizeof(field), "tools[%zu]", i);
	if (!json_object_is_type(e, json_type_object))
		return chat_params_fail(c, field, "'%s' must be an object", field);
	snprintf(sub, sizeof(sub), "%s.type", field);
	type = chat_params_member(e, "type");
	if (type == NULL || !json_object_is_type(type, json_type_string) ||
	    strcmp(json_object_get_string(type), "function") != 0)
		return chat_params_fail(c, sub, "'%s' must be \"function\" (the only kind of tool supported)", sub);
	snprintf(sub, sizeof(sub), "%s.function", field);
	if ((fn = chat_params_member(e, "function")) == NULL || !json_object_is_type(fn, json_type_object))
		return chat_params_fail(c, sub, "'%s' must be an object with 'name'", sub);
	snprintf(sub, sizeof(sub), "%s.function", field);
	return chat_params_tool_fields(fn, "name", "parameters", sub, i, out, t, bytes, c);
}

/* `tools`, `tool_choice` and `parallel_tool_calls`. */
static int
chat_params_tools(struct json_object *root, struct chat_params *out, struct chat_parse_ctx *c)
{
	struct json_object *v, *fn;
	const char *s;
	size_t i, n, bytes = 0;
	int rc;

	out->parallel_tool_calls = 1;
	out->tool_choice = PROVIDER_TOOL_CHOICE_AUTO;
	if ((v = chat_params_member(root, "parallel_tool_calls")) != NULL) {
		if (!json_object_is_type(v, json_type_boolean))
			return chat_params_fail(c, "parallel_tool_calls", "'parallel_tool_calls' must be a boolean");
		out->parallel_tool_calls = json_object_get_boolean(v);
	}
	if ((v = chat_params_member(root, "tools")) != NULL) {
		if ((rc = chat_params_alloc_tools(v, out, c)) != HUB_OK)
			return rc;
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			if ((rc = chat_params_tool(json_object_array_get_idx(v, i), i, out, &out->tools[i],
			    &bytes, c)) != HUB_OK)
				return rc;
			out->n_tools++;
		}
	}
	if ((v = chat_params_member(root, "tool_choice")) == NULL)
		return HUB_OK;
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		if (strcmp(s, "auto") == 0)
			out->tool_choice = PROVIDER_TOOL_CHOICE_AUTO;
		else if (strcmp(s, "none") == 0)
			out->tool_choice = PROVIDER_TOOL_CHOICE_NONE;
		else if (strcmp(s, "required") == 0)
			out->tool_choice = PROVIDER_TOOL_CHOICE_REQUIRED;
		else
			return chat_params_fail(c, "tool_choice", "'tool_choice' must be \"auto\", \"none\", "
			    "\"required\" or {\"type\":\"function\",\"function\":{\"name\":...}}");
	} else if (json_object_is_type(v, json_type_object)) {
		s = hub_json_get_string(v, "type");
		fn = chat_params_member(v, "function");
		if (s == NULL || strcmp(s, "function") != 0 || fn == NULL ||
		    (out->tool_choice_name = hub_json_get_string(fn, "name")) == NULL)
			return chat_params_fail(c, "tool_choice", "'tool_choice' as an object must be "
			    "{\"type\":\"function\",\"function\":{\"name\":...}}");
		for (i = 0; i < out->n_tools; i++)
			if (strcmp(out->tools[i].name, out->tool_choice_name) == 0)
				break;
		if (i == out->n_tools)
			return chat_params_fail(c, "tool_choice", "'tool_choice' names the function '%.64s', "
			    "which is not in 'tools'", out->tool_choice_name);
		out->tool_choice = PROVIDER_TOOL_CHOICE_NAMED;
	} else {
		return chat_params_fail(c, "tool_choice", "'tool_choice' must be a string or an object");
	}
	if (out->n_tools == 0 && out->tool_choice == PROVIDER_TOOL_CHOICE_REQUIRED)
		return chat_params_fail(c, "tool_choice", "'tool_choice' \"required\" needs 'tools'");
	return HUB_OK;
}

/* The image types accepted, and how their bytes begin. */
struct chat_image_type {
	const char *media_type;
	const char *alias;       /* another name clients use, or NULL */
	const char *label;
};

static const struct chat_image_type chat_image_types[] = {
	{ "image/png", NULL, "a PNG image" },
	{ "image/jpeg", "image/jpg", "a JPEG image" },
	{ "image/gif", NULL, "a GIF image" },
	{ "image/webp", NULL, "a WebP image" },
};

/* The index in chat_image_types of what the bytes b[0..n) are, or -1. */
static int
chat_params_image_magic(const unsigned char *b, size_t n)
{
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return 0;
	if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return 1;
	if (n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
		return 2;
	if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return 3;
	return -1;
}

/* The value of a base64 digit (standard alphabet), else -1. */
static int
chat_params_b64_value(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/*
 * Check s[0..len) is base64 (standard alphabet, padding optional): 0 with
 * the decoded size and whether it is padded already, -1 when it is not.
 */
static int
chat_params_b64_check(const char *s, size_t len, size_t *decoded, int *padded)
{
	size_t i, pad = 0, data, rem;

	for (i = 0; i < len; i++) {
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || chat_params_b64_value(s[i]) < 0)
			return -1;
	}
	data = len - pad;
	rem = data % 4;
	if (data == 0 || pad > 2 || rem == 1 || (pad > 0 && (len % 4 != 0 || 4 - rem != pad)))
		return -1;
	*decoded = data / 4 * 3 + (rem ? rem - 1 : 0);
	*padded = rem == 0 || pad > 0;
	return 0;
}

/* Decode the first bytes of base64 s[0..len) into out (max bytes). */
static size_t
chat_params_b64_head(const char *s, size_t len, unsigned char *out, size_t max)
{
	unsigned acc = 0;
	size_t i, n = 0;
	int bits = 0, v;

	for (i = 0; i < len && n < max; i++) {
		if ((v = chat_params_b64_value(s[i])) < 0)
			break;
		acc = ((acc << 6) | (unsigned)v) & 0xffffu;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return n;
}

/* The caps on images: hub_cfg's, or the defaults when there is none. */
static void
chat_params_image_caps(size_t *one, size_t *all)
{
	*one = hub_cfg != NULL && hub_cfg->max_image_bytes > 0 ?
	    (size_t)hub_cfg->max_image_bytes : (size_t)HUB_DEFAULT_MAX_IMAGE_BYTES;
	*all = hub_cfg != NULL && hub_cfg->max_request_image_bytes > 0 ?
	    (size_t)hub_cfg->max_request_image_bytes : (size_t)HUB_DEFAULT_MAX_REQUEST_IMAGE_BYTES;
}

/* One image_url part (field names it) into img. */
static int
chat_params_image(struct json_object *part, const char *field, struct chat_params *out,
    struct provider_image *img, struct chat_parse_ctx *c)
{
	struct json_object *iu = chat_params_member(part, "image_url"), *v;
	char sub[112];
	const char *url;

	snprintf(sub, sizeof(sub), "%s.image_url.url", field);
	if (iu != NULL && json_object_is_type(iu, json_type_string)) {
		url = json_object_get_string(iu);
	} else if (iu != NULL && json_object_is_type(iu, json_type_object)) {
		url = hub_json_get_string(iu, "url");
		if ((v = chat_params_member(iu, "detail")) != NULL &&
		    (!json_object_is_type(v, json_type_string) ||
		    (strcmp(json_object_get_string(v), "auto") != 0 && strcmp(json_object_get_string(v), "low") != 0 &&
		    strcmp(json_object_get_string(v), "high") != 0))) {
			snprintf(sub, sizeof(sub), "%s.image_url.detail", field);
			return chat_params_fail(c, sub, "'%s' must be \"auto\", \"low\" or \"high\"", sub);
		}
	} else {
		url = NULL;
	}
	if (url == NULL)
		return chat_params_fail(c, sub, "'%s' must be a string", sub);
	return chat_params_image_url(url, sub, out, img, c);
}

int
chat_params_image_url(const char *url, const char *sub, struct chat_params *out,
    struct provider_image *img, struct chat_parse_ctx *c)
{
	const char *comma;
	size_t tlen;

	if (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0)
		return chat_params_fail(c, sub, "'%s': the hub does not fetch remote images (no server-side "
		    "requests); send the image inline as a data: URL (data:image/png;base64,...)", sub);
	if (strncasecmp(url, "data:", 5) != 0 || (comma = strchr(url, ',')) == NULL ||
	    (size_t)(comma - url) < 5 + 7 || strncasecmp(comma - 7, ";base64", 7) != 0)
		return chat_params_fail(c, sub, "'%s' must be a base64 data: URL "
		    "(data:image/png;base64,...)", sub);
	tlen = (size_t)(comma - 7 - (url + 5));
	return chat_params_image_data(url + 5, tlen, comma + 1, sub, out, img, c);
}

int
chat_params_image_data(const char *media_type, size_t tlen, const char *b64, const char *sub,
    struct chat_params *out, struct provider_image *img, struct chat_parse_ctx *c)
{
	unsigned char head[12];
	size_t blen, decoded, one, all, i, want = sizeof(chat_image_types) / sizeof(chat_image_types[0]);
	const char *d;
	char *copy;
	int padded, is;

	for (i = 0; i < want; i++)
		if ((strlen(chat_image_types[i].media_type) == tlen &&
		    strncasecmp(media_type, chat_image_types[i].media_type, tlen) == 0) ||
		    (chat_image_types[i].alias != NULL && strlen(chat_image_types[i].alias) == tlen &&
		    strncasecmp(media_type, chat_image_types[i].alias, tlen) == 0))
			break;
	if (i == want)
		return chat_params_fail(c, sub, "'%s': the media type '%.*s' is not supported "
		    "(image/png, image/jpeg, image/gif, image/webp)", sub, (int)(tlen > 64 ? 64 : tlen), media_type);
	blen = strlen(b64);
	if (chat_params_b64_check(b64, blen, &decoded, &padded) != 0)
		return chat_params_fail(c, sub, "'%s': the data after 'base64,' is not valid base64", sub);
	is = chat_params_image_magic(head, chat_params_b64_head(b64, blen, head, sizeof(head)));
	if (is != (int)i)
		return chat_params_fail(c, sub, "'%s' says %s, but its bytes are %s", sub,
		    chat_image_types[i].media_type, is < 0 ? "not an image of a supported type" :
		    chat_image_types[is].label);
	chat_params_image_caps(&one, &all);
	if (decoded > one)
		return chat_params_fail(c, sub, "'%s': the image is %zu bytes; the limit is %zu "
		    "(HUB_MAX_IMAGE_BYTES)", sub, decoded, one);
	if (decoded > all || out->image_bytes > all - decoded)
		return chat_params_fail(c, sub, "the request's images pass the limit of %zu bytes "
		    "(HUB_MAX_REQUEST_IMAGE_BYTES)", all);
	out->image_bytes += decoded;
	d = b64;
	if (!padded) {
		if ((copy = malloc(blen + 3)) == NULL)
			return HUB_ERR_NOMEM;
		memcpy(copy, b64, blen);
		memcpy(copy + blen, "==", (4 - blen % 4) % 4);
		copy[blen + (4 - blen % 4) % 4] = '\0';
		if (chat_params_own(out, copy) != HUB_OK)
			return HUB_ERR_NOMEM;
		d = copy;
	}
	img->media_type = chat_image_types[i].media_type;
	img->base64 = d;
	img->size = decoded;
	return HUB_OK;
}

/*
 * The content of message idx (role r) into msg: a string, or an array of
 * text parts (and, for a user message, image_url parts). null and [] are
 * "" for an assistant message with tool calls (allow_empty).
 */
static int
chat_params_content(struct json_object *content, struct chat_params *out, size_t idx,
    const char *r, int allow_empty, struct provider_msg *msg, struct chat_parse_ctx *c)
{
	char field[48], pfield[80];
	struct hub_buf b;
	struct json_object *part, *ptext;
	const char *type;
	size_t i, n, texts = 0;
	int rc = HUB_OK, user = strcmp(r, "user") == 0;

	snprintf(field, sizeof(field), "messages[%zu].content", idx);
	msg->content = "";
	if (content != NULL && json_object_is_type(content, json_type_string)) {
		msg->content = json_object_get_string(content);
		return HUB_OK;
	}
	if (content == NULL && allow_empty)
		return HUB_OK;
	if (content == NULL || !json_object_is_type(content, json_type_array))
		return chat_params_fail(c, field, "'%s' must be a string or an array of %s parts", field,
		    user ? "text and image_url" : "text");
	n = json_object_array_length(content);
	if (n == 0)
		return allow_empty ? HUB_OK : chat_params_fail(c, field, "'%s' must not be an empty array", field);
	hub_buf_init(&b, 0);
	msg->images = out->images != NULL ? out->images + out->n_images : NULL;
	for (i = 0; i < n && rc == HUB_OK; i++) {
		snprintf(pfield, sizeof(pfield), "%s[%zu]", field, i);
		part = json_object_array_get_idx(content, i);
		if (!json_object_is_type(part, json_type_object) || (type = hub_json_get_string(part, "type")) == NULL) {
			rc = chat_params_fail(c, pfield, "'%s' must be an object with a 'type'", pfield);
		} else if (strcmp(type, "text") == 0) {
			if (!json_object_object_get_ex(part, "text", &ptext) ||
			    !json_object_is_type(ptext, json_type_string))
				rc = chat_params_fail(c, pfield, "'%s.text' must be a string", pfield);
			else if ((texts++ > 0 && hub_buf_puts(&b, "\n") != HUB_OK) ||
			    hub_buf_puts(&b, json_object_get_string(ptext)) != HUB_OK)
				rc = HUB_ERR_NOMEM;
		} else if (strcmp(type, "image_url") == 0 && user) {
			/* the pool was sized by chat_params_count() */
			rc = chat_params_image(part, pfield, out, &out->images[out->n_images], c);
			if (rc == HUB_OK) {
				out->n_images++;
				msg->n_images++;
			}
		} else if (strcmp(type, "image_url") == 0) {
			rc = chat_params_fail(c, pfield, "'%s': images are accepted in user messages only", pfield);
		} else {
			rc = chat_params_fail(c, pfield, "'%s': only %s parts are supported, not '%.32s'",
			    pfield, user ? "text and image_url" : "text", type);
		}
	}
	if (rc != HUB_OK) {
		hub_buf_free(&b);
		return rc;
	}
	if (msg->n_images == 0)
		msg->images = NULL;
	if (texts == 0) {
		hub_buf_free(&b);
		return HUB_OK;
	}
	if ((rc = chat_params_own(out, hub_buf_steal(&b))) != HUB_OK)
		return rc;
	msg->content = out->owned[out->n_owned - 1];
	return HUB_OK;
}

int
chat_params_arguments(struct json_object *v, const char *field, struct chat_params *out,
    char **args, struct chat_parse_ctx *c)
{
	struct json_object *o = NULL;
	char jerr[128];
	int rc;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return chat_params_fail(c, field, "'%s' must be a string holding a JSON object", field);
	if (json_object_get_string_len(v) == 0 ||
	    strspn(json_object_get_string(v), " \t\r\n") == (size_t)json_object_get_string_len(v)) {
		rc = chat_params_own(out, strdup("{}"));
	} else {
		if (hub_json_parse(json_object_get_string(v), (size_t)json_object_get_string_len(v), &o,
		    jerr, sizeof(jerr)) != HUB_OK || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			return chat_params_fail(c, field, "'%s' must be a JSON object in a string", field);
		}
		rc = chat_params_own(out, strdup(hub_json_compact(o)));
		json_object_put(o);
	}
	if (rc != HUB_OK)
		return rc;
	*args = out->owned[out->n_owned - 1];
	return HUB_OK;
}

/* The tool_calls of assistant message idx into msg (from the calls pool). */
static int
chat_params_tool_calls(struct json_object *calls, size_t idx, struct chat_params *out,
    struct provider_msg *msg, struct chat_parse_ctx *c)
{
	struct json_object *e, *v, *fn;
	struct provider_tool_call *tc;
	char field[80], sub[128];
	size_t i, n = json_object_array_length(calls);
	int rc;

	msg->tool_calls = out->calls + out->n_calls;
	for (i = 0; i < n; i++) {
		snprintf(field, sizeof(field), "messages[%zu].tool_calls[%zu]", idx, i);
		e = json_object_array_get_idx(calls, i);
		tc = &out->calls[out->n_calls];
		if (!json_object_is_type(e, json_type_object))
			return chat_params_fail(c, field, "'%s' must be an object", field);
		snprintf(sub, sizeof(sub), "%s.id", field);
		v = chat_params_member(e, "id");
		if (v == NULL || !json_object_is_type(v, json_type_string) ||
		    !chat_params_call_id_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
			return chat_params_fail(c, sub, "'%s' must be a string of 1 to %d characters", sub,
			    HUB_MAX_TOOL_CALL_ID_LEN);
		tc->id = (char *)json_object_get_string(v);  /* in root; never freed through the call */
		snprintf(sub, sizeof(sub), "%s.type", field);
		if ((v = chat_params_member(e, "type")) != NULL && (!json_object_is_type(v, json_type_string) ||
		    strcmp(json_object_get_string(v), "function") != 0))
			return chat_params_fail(c, sub, "'%s' must be \"function\"", sub);
		snprintf(sub, sizeof(sub), "%s.function", field);
		if ((fn = chat_params_member(e, "function")) == NULL || !json_object_is_type(fn, json_type_object))
			return chat_params_fail(c, sub, "'%s' must be an object with 'name' and 'arguments'", sub);
		snprintf(sub, sizeof(sub), "%s.function.name", field);
		tc->name = (char *)hub_json_get_string(fn, "name");
		if (tc->name == NULL || !chat_params_tool_name_valid(tc->name))
			return chat_params_fail(c, sub, "'%s' must be 1 to 64 characters of A-Z a-z 0-9 _ -", sub);
		snprintf(sub, sizeof(sub), "%s.function.arguments", field);
		if ((rc = chat_params_arguments(chat_params_member(fn, "arguments"), sub, out, &tc->arguments,
		    c)) != HUB_OK)
			return rc;
		out->n_calls++;
		msg->n_tool_calls++;
	}
	if (msg->n_tool_calls == 0)
		msg->tool_calls = NULL;
	return HUB_OK;
}

int
chat_params_alloc_pools(struct chat_params *out, size_t calls, size_t images)
{
	if ((calls > 0 && (out->calls = calloc(calls, sizeof(*out->calls))) == NULL) ||
	    (images > 0 && (out->images = calloc(images, sizeof(*out->images))) == NULL))
		return HUB_ERR_NOMEM;
	return HUB_OK;
}

int
chat_params_attach_call(struct chat_params *out, struct provider_msg *msg, const char *field,
    struct chat_parse_ctx *c)
{
	if (msg->n_tool_calls >= HUB_MAX_TOOL_CALLS)
		return chat_params_fail(c, field, "more than %d tool calls in one message", HUB_MAX_TOOL_CALLS);
	if (msg->n_tool_calls == 0)
		msg->tool_calls = &out->calls[out->n_calls];
	msg->n_tool_calls++;
	out->n_calls++;
	return HUB_OK;
}

int
chat_params_alloc_tools(struct json_object *v, struct chat_params *out, struct chat_parse_ctx *c)
{
	size_t n;

	if (v == NULL)
		return HUB_OK;
	if (!json_object_is_type(v, json_type_array))
		return chat_params_fail(c, "tools", "'tools' must be an array");
	n = json_object_array_length(v);
	if (n > HUB_MAX_TOOLS)
		return chat_params_fail(c, "tools", "'tools' has %zu entries; at most %d are accepted",
		    n, HUB_MAX_TOOLS);
	if (n > 0 && (out->tools = calloc(n, sizeof(*out->tools))) == NULL)
		return HUB_ERR_NOMEM;
	return HUB_OK;
}

int
chat_params_tool_list(struct json_object *v, const char *style, const char *schema_key,
    struct chat_params *out, size_t *bytes, struct chat_parse_ctx *c)
{
	struct json_object *e;
	const char *t;
	char field[32];
	size_t i;
	int rc, anthropic = strcmp(style, ".") == 0;

	out->tool_choice = PROVIDER_TOOL_CHOICE_AUTO;
	out->parallel_tool_calls = 1;
	if ((rc = chat_params_alloc_tools(v, out, c)) != HUB_OK)
		return rc;
	for (i = 0; out->tools != NULL && i < json_object_array_length(v); i++) {
		snprintf(field, sizeof(field), anthropic ? "tools.%zu" : "tools[%zu]", i);
		e = json_object_array_get_idx(v, i);
		t = json_object_is_type(e, json_type_object) ? hub_json_get_string(e, "type") : NULL;
		/* Anthropic's custom tools may leave out their type */
		if (!json_object_is_type(e, json_type_object) ||
		    (anthropic ? t != NULL && strcmp(t, "custom") != 0 : t == NULL || strcmp(t, "function") != 0) ||
		    (anthropic && chat_params_member(e, schema_key) == NULL))
			return chat_params_fail(c, field, "'%s': only %s tools are supported; the hub runs no "
			    "server-side or hosted tools (got '%.40s')", field, anthropic ? "custom" : "function",
			    t ? t : "none");
		if ((rc = chat_params_tool_fields(e, "name", schema_key, field, i, out, &out->tools[i],
		    bytes, c)) != HUB_OK)
			return rc;
		out->n_tools++;
	}
	return HUB_OK;
}

int
chat_params_check_last(const struct chat_params *out, const char *param, const char *what,
    struct chat_parse_ctx *c)
{
	const char *last = out->n_messages > 0 ? out->messages[out->n_messages - 1].role : "";

	if (strcmp(last, "user") != 0 && strcmp(last, "tool") != 0)
		return chat_params_fail(c, param, "%s", what);
	return HUB_OK;
}

int
chat_params_check_choice(struct chat_params *out, const char *param, struct chat_parse_ctx *c)
{
	size_t i;

	for (i = 0; out->tool_choice == PROVIDER_TOOL_CHOICE_NAMED && i < out->n_tools; i++)
		if (strcmp(out->tools[i].name, out->tool_choice_name) == 0)
			break;
	if (out->tool_choice == PROVIDER_TOOL_CHOICE_NAMED && i == out->n_tools)
		return chat_params_fail(c, param, "'%s' names the tool '%.64s', which is not in 'tools'",
		    param, out->tool_choice_name);
	if (out->n_tools == 0 && out->tool_choice == PROVIDER_TOOL_CHOICE_REQUIRED)
		return chat_params_fail(c, param, "'%s' asks for a tool call but there are no 'tools'", param);
	return HUB_OK;
}

/* Count the tool calls and images of every message, so that one pool each
 * holds them; refuses counts over the caps. */
static int
chat_params_count(struct json_object *msgs, size_t n, struct chat_params *out, struct chat_parse_ctx *c)
{
	struct json_object *m, *v, *part;
	size_t i, j, calls = 0, images = 0, k;
	char field[64];
	const char *type;

	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(msgs, i);
		if ((v = chat_params_member(m, "tool_calls")) != NULL && json_object_is_type(v, json_type_array)) {
			if ((k = json_object_array_length(v)) > HUB_MAX_TOOL_CALLS) {
				snprintf(field, sizeof(field), "messages[%zu].tool_calls", i);
				return chat_params_fail(c, field, "'%s' has more than %d calls", field,
				    HUB_MAX_TOOL_CALLS);
			}
			calls += k;
		}
		if ((v = chat_params_member(m, "content")) == NULL || !json_object_is_type(v, json_type_array))
			continue;
		for (j = 0; j < json_object_array_length(v); j++) {
			part = json_object_array_get_idx(v, j);
			if ((type = hub_json_get_string(part, "type")) != NULL && strcmp(type, "image_url") == 0 &&
			    ++images > HUB_MAX_IMAGES) {
				snprintf(field, sizeof(field), "messages[%zu].content", i);
				return chat_params_fail(c, field, "the request has more than %d images",
				    HUB_MAX_IMAGES);
			}
		}
	}
	return chat_params_alloc_pools(out, calls, images);
}

/* One message: role, content, and the tool fields its role may have. */
static int
chat_params_message(struct json_object *m, size_t i, struct chat_params *out, struct chat_parse_ctx *c)
{
	struct provider_msg *msg = &out->messages[i];
	struct json_object *role, *calls, *v;
	char field[64];
	const char *r;
	int rc, has_calls;

	if (!json_object_is_type(m, json_type_object)) {
		snprintf(field, sizeof(field), "messages[%zu]", i);
		return chat_params_fail(c, field, "'%s' must be an object", field);
	}
	snprintf(field, sizeof(field), "messages[%zu].role", i);
	if (!json_object_object_get_ex(m, "role", &role) || !json_object_is_type(role, json_type_string))
		return chat_params_fail(c, field, "'%s' must be a string", field);
	r = json_object_get_string(role);
	if (strcmp(r, "developer") == 0 || strcmp(r, "system") == 0)
		r = "system";
	else if (strcmp(r, "function") == 0)
		return chat_params_fail(c, field, "'%s': the legacy role 'function' is not supported; send "
		    "the result as a 'tool' message with the call's tool_call_id", field);
	else if (strcmp(r, "user") != 0 && strcmp(r, "assistant") != 0 && strcmp(r, "tool") != 0)
		return chat_params_fail(c, field,
		    "'%s' must be one of system, developer, user, assistant, tool (got '%.32s')", field, r);
	msg->role = r;
	calls = chat_params_member(m, "tool_calls");
	has_calls = calls != NULL && json_object_is_type(calls, json_type_array) &&
	    json_object_array_length(calls) > 0;
	if (calls != NULL && strcmp(r, "assistant") != 0) {
		snprintf(field, sizeof(field), "messages[%zu].tool_calls", i);
		return chat_params_fail(c, field, "'%s': only assistant messages have tool calls", field);
	}
	if (calls != NULL && !json_object_is_type(calls, json_type_array)) {
		snprintf(field, sizeof(field), "messages[%zu].tool_calls", i);
		return chat_params_fail(c, field, "'%s' must be an array", field);
	}
	if (chat_params_member(m, "function_call") != NULL) {
		snprintf(field, sizeof(field), "messages[%zu].function_call", i);
		return chat_params_fail(c, field, "'%s': the legacy 'function_call' is not supported; send "
		    "'tool_calls'", field);
	}
	if ((rc = chat_params_content(chat_params_member(m, "content"), out, i, r, has_calls, msg, c)) != HUB_OK)
		return rc;
	if (has_calls && (rc = chat_params_tool_calls(calls, i, out, msg, c)) != HUB_OK)
		return rc;
	if (strcmp(r, "tool") == 0) {
		snprintf(field, sizeof(field), "messages[%zu].tool_call_id", i);
		v = chat_params_member(m, "tool_call_id");
		if (v == NULL || !json_object_is_type(v, json_type_string) ||
		    !chat_params_call_id_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
			return chat_params_fail(c, field, "'%s' must be the id (1 to %d characters) of the "
			    "call this result answers", field, HUB_MAX_TOOL_CALL_ID_LEN);
		msg->tool_call_id = json_object_get_string(v);
	}
	return HUB_OK;
}

static int
chat_params_messages(struct json_object *msgs, struct chat_params *out, struct chat_parse_ctx *c)
{
	const char *last;
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
	if ((rc = chat_params_count(msgs, n, out, c)) != HUB_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = chat_params_message(json_object_array_get_idx(msgs, i), i, out, c)) != HUB_OK)
			return rc;
		out->n_messages++;
	}
	last = out->messages[n - 1].role;
	if (strcmp(last, "user") != 0 && strcmp(last, "tool") != 0)
		return chat_params_fail(c, "messages", "the last message must have the role 'user' "
		    "(or 'tool', to send tool results back)");
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
chat_params_head(const char *body, size_t len, struct chat_params *out, struct chat_parse_ctx *c)
{
	struct json_object *v;
	char jerr[128];
	int rc;

	memset(out, 0, sizeof(*out));
	c->err[0] = '\0';
	c->param[0] = '\0';
	if (hub_json_parse_input(body, len, &out->root, jerr, sizeof(jerr)) != HUB_OK)
		return chat_params_fail(c, NULL, "the request body is not valid JSON: %s", jerr);
	if (!json_object_is_type(out->root, json_type_object))
		return chat_params_fail(c, NULL, "the request body must be a JSON object");
	if ((rc = chat_params_string(out->root, "model", HUB_MAX_MODEL_LEN, &out->model, c)) != HUB_OK ||
	    (rc = chat_params_string(out->root, "provider", 32, &out->provider, c)) != HUB_OK)
		return rc;
	if (out->model != NULL && !hub_text_model_name_valid(out->model))
		return chat_params_fail(c, "model", "'model' must be 1 to %d characters of A-Z a-z 0-9 "
		    "- _ . : @ [ ], starting with a letter or a digit", HUB_MAX_MODEL_LEN);
	if (json_object_object_get_ex(out->root, "stream", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean))
			return chat_params_fail(c, "stream", "'stream' must be a boolean");
		out->stream = json_object_get_boolean(v);
	}
	return chat_params_check_options(out->root, chat_params_shared_options,
	    sizeof(chat_params_shared_options) / sizeof(chat_params_shared_options[0]), c);
}

int
chat_params_parse(const char *body, size_t len, struct chat_params *out,
    char *err, size_t errlen, char *param, size_t param_len)
{
	struct chat_parse_ctx c = { err, errlen, param, param_len };
	struct json_object *v, *msgs = NULL, *u;
	int rc;

	if ((rc = chat_params_head(body, len, out, &c)) != HUB_OK)
		goto fail;
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
	if ((rc = chat_params_options(out->root, &c)) != HUB_OK ||
	    (rc = chat_params_tools(out->root, out, &c)) != HUB_OK)
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
	for (i = 0; i < p->n_owned; i++)
		free(p->owned[i]);
	free(p->owned);
	free(p->messages);
	free(p->tools);
	free(p->calls);
	free(p->images);
	json_object_put(p->root);
	memset(p, 0, sizeof(*p));
}
