/*
 * chat_params.h - parse and validate an OpenAI Chat Completions request.
 *
 * Pure code (no I/O), so it is unit-tested and fuzzed directly. Options the
 * CLIs cannot honour (temperature, top_p, max_tokens, stop, penalties,
 * seed, user, ...) are type-checked and then ignored; docs/API.md lists them.
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
	struct provider_msg *messages;  /* roles: system, user, assistant */
	size_t n_messages;
	char **joined;                  /* contents joined from text parts; owned */
	size_t n_joined;
	int stream;
	int include_usage;
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
