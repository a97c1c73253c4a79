/*
 * responses_params.h - parse and validate an OpenAI Responses request
 * (POST /v1/responses) into the provider.h arrays of the chat turn.
 *
 * Pure code (no I/O), unit-tested and fuzzed. `input` is a string (one
 * user message) or a list of items: messages (roles user, assistant,
 * system, developer; input_text, input_image with a data: URL,
 * output_text, refusal parts), function_call and function_call_output;
 * reasoning items are skipped. `instructions` becomes a system message
 * before them. Consecutive function_call items are the calls of one
 * assistant message (the one just before them when it is an assistant
 * message), each function_call_output a tool message. Function tools and
 * tool_choice map onto provider_tool / provider_tool_choice; other tool
 * types, background and prompt are refused; `conversation` names a
 * session (as X-Session-ID does); the sampling
 * and output options are type-checked and ignored (docs/API.md).
 */
#ifndef RESPONSES_PARAMS_H
#define RESPONSES_PARAMS_H

#include <stddef.h>

#include "chat_params.h"

struct responses_params {
	struct chat_params chat;          /* messages, tools, pools; owns root */
	const char *instructions;         /* NULL when absent (into root) */
	const char *previous_response_id; /* NULL when absent (into root) */
	const char *conversation;         /* `conversation` (a string or {id}):
	                                   * the session it names, as X-Session-ID;
	                                   * NULL when absent (into root) */
	int store;                        /* default 1 */
};

/*
 * Parse body[0..len). Returns 0 with out filled (free with
 * responses_params_free()), or HUB_ERR_INVALID with a message in err and
 * the offending field ("input[2].call_id"-style) in param, or
 * HUB_ERR_NOMEM. out needs freeing in every case.
 */
int responses_params_parse(const char *body, size_t len, struct responses_params *out,
    char *err, size_t errlen, char *param, size_t param_len);

/*
 * Response ids name a stored reply by its session and its place there:
 * "resp_<session id>.<n>", the reply being the session's message n
 * (1-based). Write one into out (len bytes).
 */
void responses_params_id_format(char *out, size_t len, const char *session_id, size_t n);

/* Split a response id into its session id (sid, sid_len bytes) and n.
 * 0, or HUB_ERR_INVALID when id is not of that form. */
int responses_params_id_parse(const char *id, char *sid, size_t sid_len, size_t *n);

/* Free what responses_params_parse() allocated. Accepts NULL. */
void responses_params_free(struct responses_params *p);

#endif
