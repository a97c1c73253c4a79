/*
 * claude_stream.h - incremental parser of Claude Code's stream-json stdout.
 *
 * Pure code: no I/O, no clock. Bytes are fed in chunks of any size; they
 * are split into lines (each at most HUB_MAX_CLI_LINE_BYTES), each line is
 * parsed as one JSON object with json-c, and what matters to the hub is
 * recorded in struct claude_stream and handed out through callbacks:
 *
 *   stream_event content_block_delta/text_delta  -> on_text (token by token)
 *   assistant message text blocks               -> on_text, unless deltas of
 *                                                  the same message were seen
 *   assistant line with "error" (synthetic)      -> api_error_* fields
 *   system/api_retry                             -> on_retry, retry_* fields
 *   system/init                                  -> model
 *   rate_limit_event                             -> rate_limit (whole), on_rate_limit
 *   result                                       -> result_* fields, usage
 *   stream_event content_block_start/tool_use    -> on_tool_start, tool_uses[]
 *   stream_event content_block_delta/
 *       input_json_delta                         -> on_tool_args (fragments)
 *   assistant message tool_use blocks            -> tool_uses[] (id, name,
 *                                                   input as compact JSON)
 *   stream_event message_stop / message_delta
 *       with stop_reason "tool_use"              -> tool_turn_done, once the
 *                                                   message proposed a call
 *   control_request (the CLI asks its SDK host)  -> on_control
 *
 * Lines that are not JSON objects are counted in garbage_lines and skipped;
 * over-long lines are dropped and counted in overlong_lines.
 */
#ifndef CLAUDE_STREAM_H
#define CLAUDE_STREAM_H

#include <stddef.h>

#include "common/hub_buf.h"
#include "common/hub_limits.h"
#include "common/hub_lines.h"
#include "common/plan_window.h"

struct json_object;

/* Reply text as it arrives; return < 0 to stop parsing (returned by feed). */
typedef int (*claude_text_fn)(void *arg, const char *text, size_t len);
/* An api_retry line; return < 0 to stop (e.g. give up on a 429 at once). */
typedef int (*claude_retry_fn)(void *arg, int attempt, int error_status,
    long retry_delay_ms);
/* A tool_use block begins: index is the call's place in tool_uses[] (0, 1,
 * ...), name as the CLI names it (with its mcp__ prefix). < 0 stops. */
typedef int (*claude_tool_start_fn)(void *arg, size_t index, const char *id, const char *name);
/* A fragment of call index's input JSON, as the model streams it. < 0 stops. */
typedef int (*claude_tool_args_fn)(void *arg, size_t index, const char *json, size_t len);
/* A control_request line: its request_id and its "request" object (valid
 * during the call only). < 0 stops. */
typedef int (*claude_control_fn)(void *arg, const char *request_id, struct json_object *request);

/* A tool call the model proposed. */
struct claude_tool_use {
	char *id;                      /* malloc'd "toolu_..." */
	char *name;                    /* malloc'd, as the CLI names it */
	char *input;                   /* malloc'd compact JSON object; NULL until
	                                * the assistant line carried it */
	long block_index;              /* its content block in the message */
};
/* A rate_limit_event (the usage window, parsed into s->rate_limit); return
 * < 0 to stop (e.g. extra usage is in use and the plan forbids it). */
typedef int (*claude_rate_limit_fn)(void *arg, const struct plan_window *w);

struct claude_stream {
	/* callbacks, set by the caller before feeding; may be NULL */
	claude_text_fn on_text;
	claude_retry_fn on_retry;
	claude_tool_start_fn on_tool_start;
	claude_tool_args_fn on_tool_args;
	claude_control_fn on_control;
	claude_rate_limit_fn on_rate_limit;
	void *arg;

	/* read-only for callers after feeding */
	struct hub_buf text;           /* whole reply text (capped) */
	char *model;                   /* malloc'd, from init/assistant; may be NULL */
	size_t lines;                  /* JSON lines parsed */
	size_t garbage_lines;          /* lines that were not JSON objects */
	size_t overlong_lines;         /* lines over HUB_MAX_CLI_LINE_BYTES */
	int text_truncated;            /* the reply text hit its cap */

	int seen_init;
	int seen_result;               /* a result line arrived */
	int result_is_error;           /* its "is_error" */
	char *result_text;             /* malloc'd "result" string; may be NULL */
	char *result_subtype;          /* malloc'd; may be NULL */
	char *stop_reason;             /* malloc'd; may be NULL */
	long input_tokens;             /* usage: input incl. cache read/creation */
	long output_tokens;
	long cache_read_tokens;
	long cache_creation_tokens;
	double cost_usd;

	int seen_api_error;            /* the synthetic assistant error line */
	char api_error_kind[32];       /* "authentication_failed", "rate_limit", ... */
	int api_error_status;          /* HTTP status, 0 when unknown */
	char *api_error_text;          /* malloc'd text of that line; may be NULL */

	int retries;                   /* api_retry lines seen */
	int retry_attempt;             /* of the last one */
	int retry_status;              /* its error_status; 0 when unknown (refused) */
	long retry_delay_ms;           /* its retry_delay_ms; 0 when unknown */

	struct claude_tool_use tool_uses[HUB_MAX_REPLY_TOOL_CALLS];
	size_t n_tool_uses;            /* calls proposed (the first message with any) */
	size_t tool_uses_dropped;      /* calls past HUB_MAX_REPLY_TOOL_CALLS */
	int tool_turn_done;            /* the message that proposed them is complete */
	size_t control_requests;       /* control_request lines seen */

	int rate_limit_rejected;       /* a rate_limit_event with status "rejected" */
	long long rate_limit_resets_at; /* its resetsAt (epoch seconds); 0 unknown */
	/* the last rate_limit_event's rate_limit_info: status, resetsAt,
	 * rateLimitType, utilization, isUsingOverage (or overageInUse),
	 * overageStatus, overageResetsAt, overageDisabledReason */
	struct plan_window rate_limit;

	/* private */
	struct hub_lines splitter;     /* cuts stdout into lines */
	char *delta_message_id;        /* message whose text came as deltas */
	int delta_seen;                /* deltas seen for the current message */
	char *current_message_id;      /* from the last message_start */
	char *tool_message_id;         /* the message whose calls are recorded */
};

/* Set up s; the reply text is capped at max_text_bytes (0: 16 MiB). */
void claude_stream_init(struct claude_stream *s, size_t max_text_bytes);

/*
 * Feed len bytes of stdout. Returns 0, a callback's negative value (parsing
 * stops there; the rest of the chunk is not looked at), or HUB_ERR_NOMEM.
 */
int claude_stream_feed(struct claude_stream *s, const char *data, size_t len);

/* End of stdout: parse an unterminated last line. Same returns as feed. */
int claude_stream_finish(struct claude_stream *s);

/* Free everything s holds (not s itself). Accepts NULL. */
void claude_stream_free(struct claude_stream *s);

#endif
