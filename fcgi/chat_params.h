/*
 * chat_params.h - parse and validate an OpenAI Chat Completions request.
 *
 * Pure code (no I/O), so it is unit-tested and fuzzed directly. Options the
 * CLIs cannot honour (temperature, top_p, max_tokens, stop, penalties,
 * seed, user, ...) are type-checked and then ignored; docs/API.md lists them.
 *
 * Tool calling: `tools` (functions), `tool_choice`, `parallel_tool_calls`,
 * assistant messages with `tool_calls` and `tool` messages are parsed
 * into the provider.h structs. The legacy `functions`, `function_call` and
 * role `function` are refused with a 400 naming `tools`. Images: user
 * `image_url` parts with base64 data: URLs (PNG, JPEG, GIF, WebP, checked
 * against the bytes' magic numbers, capped by hub_cfg's max_image_bytes
 * and max_request_image_bytes, or the hub_limits.h defaults without a
 * hub_cfg); remote http(s) URLs are refused (the hub never fetches).
 */
#ifndef CHAT_PARAMS_H
#define CHAT_PARAMS_H

#include <json-c/json.h>
#include <stddef.h>

#include "providers/provider.h"

struct chat_params {
	struct json_object *root;       /* owns the strings below */
	const char *model;              /* NULL when absent */
	const char *provider;           /* NULL when absent */
	struct provider_msg *messages;  /* roles: system, user, assistant, tool */
	size_t n_messages;
	int stream;
	int include_usage;
	/* tools: names and descriptions point into root, parameters are owned
	 * (or a static empty object schema) */
	struct provider_tool *tools;
	size_t n_tools;
	enum provider_tool_choice tool_choice;
	const char *tool_choice_name;   /* with PROVIDER_TOOL_CHOICE_NAMED */
	int parallel_tool_calls;        /* default 1 */
	/* the messages' tool calls and images, one pool each: ids and names
	 * point into root, arguments are owned; media types are static and
	 * base64 points into root or is owned */
	struct provider_tool_call *calls;
	size_t n_calls;
	struct provider_image *images;
	size_t n_images;
	size_t image_bytes;             /* decoded bytes of all images */
	char **owned;                   /* joined texts, compacted JSON; owned */
	size_t n_owned, owned_cap;
};

/*
 * Parse body[0..len). Returns 0 with out filled (free with
 * chat_params_free()), or HUB_ERR_INVALID with a message in err (errlen
 * bytes) and *param set to the offending field ("messages[2].role"-style,
 * in param_buf of param_len bytes), or HUB_ERR_NOMEM.
 */
int chat_params_parse(const char *body, size_t len, struct chat_params *out,
    char *err, size_t errlen, char *param, size_t param_len);

/* Free what chat_params_parse() allocated. Accepts NULL. */
void chat_params_free(struct chat_params *p);

/*
 * The validators, shared with the other surfaces' parsers
 * (responses_params.c, messages_params.c), which fill the same struct
 * chat_params so that one free and one chat turn serve all three. Each
 * takes the error buffers of the parse in a struct chat_parse_ctx and
 * returns 0, HUB_ERR_INVALID with the message and field set, or
 * HUB_ERR_NOMEM.
 */
struct chat_parse_ctx {
	char *err;
	size_t errlen;
	char *param;
	size_t param_len;
};

/* An option accepted and ignored, with the JSON types it may have. */
struct chat_option {
	const char *name;
	unsigned types;   /* bit mask of 1 << json_type */
};

/* The types of struct chat_option; null is always allowed. */
#define CHAT_OPT_TYPE(t) (1u << (t))
#define CHAT_OPT_NUMBER (CHAT_OPT_TYPE(json_type_double) | CHAT_OPT_TYPE(json_type_int) | \
	CHAT_OPT_TYPE(json_type_null))
#define CHAT_OPT_INT (CHAT_OPT_TYPE(json_type_int) | CHAT_OPT_TYPE(json_type_null))
#define CHAT_OPT_BOOL (CHAT_OPT_TYPE(json_type_boolean) | CHAT_OPT_TYPE(json_type_null))
#define CHAT_OPT_STRING (CHAT_OPT_TYPE(json_type_string) | CHAT_OPT_TYPE(json_type_null))
#define CHAT_OPT_OBJECT (CHAT_OPT_TYPE(json_type_object) | CHAT_OPT_TYPE(json_type_null))
#define CHAT_OPT_ARRAY (CHAT_OPT_TYPE(json_type_array) | CHAT_OPT_TYPE(json_type_null))

/* Check that each of the n options in opts present in root has one of
 * its types. */
int chat_params_check_options(struct json_object *root, const struct chat_option *opts, size_t n,
    struct chat_parse_ctx *c);

/* Parse body[0..len) into out->root (zeroing out first; a JSON object
 * is required) and read model, provider and stream; the options every
 * surface ignores (temperature, top_p, metadata, service_tier) are
 * type-checked; the caller frees out
 * with chat_params_free() whatever this returns. */
int chat_params_head(const char *body, size_t len, struct chat_params *out, struct chat_parse_ctx *c);

/* Set c's message (printf-style) and field (param may be NULL); returns
 * HUB_ERR_INVALID. */
int chat_params_fail(struct chat_parse_ctx *c, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keep s (malloc'd; NULL gives HUB_ERR_NOMEM) until chat_params_free();
 * frees it when that fails. It is then out->owned[out->n_owned - 1]. */
int chat_params_own(struct chat_params *out, char *s);

/* The member key of o when present and not null, else NULL (borrowed). */
struct json_object *chat_params_member(struct json_object *o, const char *key);

/* 1 when name is [A-Za-z0-9_-]{1,64}, as OpenAI and the upstream APIs want. */
int chat_params_tool_name_valid(const char *name);

/* 1 when id[0..len) is 1 to HUB_MAX_TOOL_CALL_ID_LEN bytes without
 * control characters. */
int chat_params_call_id_valid(const char *id, size_t len);

/* s must be a tool's parameters: a JSON Schema object of type object, with
 * object or boolean property schemas and a list of required names. */
int chat_params_schema(struct json_object *s, const char *field, struct chat_parse_ctx *c);

/*
 * Tool i (of out->tools, already allocated) from the object fn: its name
 * (under name_key), description, strict and schema (under schema_key;
 * absent: an empty object schema), checked for a valid unique name and
 * against the tools' byte cap (*bytes adds up). field names fn.
 */
int chat_params_tool_fields(struct json_object *fn, const char *name_key, const char *schema_key,
    const char *field, size_t i, struct chat_params *out, struct provider_tool *t, size_t *bytes,
    struct chat_parse_ctx *c);

/* Allocate the pools for calls tool calls and images images. */
int chat_params_alloc_pools(struct chat_params *out, size_t calls, size_t images);

/* Make out->calls[out->n_calls] (filled by the caller) the next call of
 * the assistant message msg, capped at HUB_MAX_TOOL_CALLS (field names
 * the call). */
int chat_params_attach_call(struct chat_params *out, struct provider_msg *msg, const char *field,
    struct chat_parse_ctx *c);

/* Check `tools` (v, NULL when absent) is an array within HUB_MAX_TOOLS
 * and allocate out->tools for it. */
int chat_params_alloc_tools(struct json_object *v, struct chat_params *out, struct chat_parse_ctx *c);

/*
 * The flat tools list v (NULL when absent) of the Responses (style "[":
 * {type:"function",name,...,parameters}, fields "tools[i]") or the
 * Anthropic surface (style ".": {name,...,input_schema}, type absent or
 * "custom", fields "tools.i") into out->tools; schema_key names the
 * schema. Sets the tool choice to auto, parallel calls on.
 */
int chat_params_tool_list(struct json_object *v, const char *style, const char *schema_key,
    struct chat_params *out, size_t *bytes, struct chat_parse_ctx *c);

/* Refuse (with param and the message what) a conversation whose last
 * message is not a user message or a tool result. */
int chat_params_check_last(const struct chat_params *out, const char *param, const char *what,
    struct chat_parse_ctx *c);

/* Check out's tool choice against its tools: a named tool must be
 * declared, "required" needs tools; param names the field. */
int chat_params_check_choice(struct chat_params *out, const char *param, struct chat_parse_ctx *c);

/* A call's arguments: a JSON string holding an object ("" is {}), kept
 * compact in *args (owned by out). */
int chat_params_arguments(struct json_object *v, const char *field, struct chat_params *out,
    char **args, struct chat_parse_ctx *c);

/* An image from a base64 data: URL (field sub names it) into img, checked
 * and capped as chat_params_parse() does; http(s) URLs are refused. */
int chat_params_image_url(const char *url, const char *sub, struct chat_params *out,
    struct provider_image *img, struct chat_parse_ctx *c);

/* The same from a media type media_type[0..tlen) and base64 data. */
int chat_params_image_data(const char *media_type, size_t tlen, const char *b64, const char *sub,
    struct chat_params *out, struct provider_image *img, struct chat_parse_ctx *c);

#endif
