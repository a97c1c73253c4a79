/*
 * messages_params.h - parse and validate an Anthropic Messages request
 * (POST /v1/messages and /v1/messages/count_tokens) into the provider.h
 * arrays of the chat turn.
 *
 * Pure code (no I/O), unit-tested and fuzzed. `system` (a string or text
 * blocks) becomes a system message; `messages` (roles user and assistant)
 * carry text, image (base64 source), tool_use (assistant) and tool_result
 * (user) blocks; thinking blocks are skipped. A user message's
 * tool_result blocks become tool messages, in order, followed by a user
 * message with its text and images when it has any. Custom tools
 * (`input_schema`) and tool_choice auto / any / tool / none map onto
 * provider_tool / provider_tool_choice; server tools, URL and file image
 * sources and documents are refused; the sampling options are
 * type-checked and ignored (docs/API.md).
 */
#ifndef MESSAGES_PARAMS_H
#define MESSAGES_PARAMS_H

#include <stddef.h>

#include "chat_params.h"

struct messages_params {
	struct chat_params chat;   /* messages, tools, pools; owns root */
	long max_tokens;           /* 0 for count_tokens, which has none */
	size_t text_bytes;         /* bytes of all text, schemas and arguments
	                            * (for the count_tokens estimate) */
};

/*
 * Parse body[0..len). for_count: a count_tokens request (no max_tokens,
 * no stream). Returns 0 with out filled (free with messages_params_free()),
 * or HUB_ERR_INVALID with a message in err and the offending field
 * ("messages.2.content.0.tool_use_id"-style, as Anthropic names fields)
 * in param, or HUB_ERR_NOMEM.
 */
int messages_params_parse(const char *body, size_t len, int for_count, struct messages_params *out,
    char *err, size_t errlen, char *param, size_t param_len);

/* The count_tokens estimate for p: one token per 4 bytes of text,
 * rounded up, plus 1,600 tokens for each image. */
long messages_params_estimate_tokens(const struct messages_params *p);

/* Free what messages_params_parse() allocated. Accepts NULL. */
void messages_params_free(struct messages_params *p);

#endif
