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

#endif
