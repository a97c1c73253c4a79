/*
 * codex_stream.h - incremental parser of `codex exec --json` stdout.
 *
 * Pure code: no I/O, no clock. Bytes are fed in chunks of any size; they
 * are split into lines (each at most HUB_MAX_CLI_LINE_BYTES), each line is
 * parsed as one JSON object, and what matters to the hub is recorded in
 * struct codex_stream and handed out through callbacks:
 *
 *   thread.started {thread_id}               -> thread_id
 *   item.started/updated/completed, with an
 *     item of type agent_message {id,text}   -> on_text: the part of the
 *                                               item's text not yet handed
 *                                               out (items joined by "\n\n")
 *   item.* of a tool type (command_execution,
 *     file_change, mcp_tool_call, web_search,
 *     collab_tool_call, ...)                 -> tool_items (should stay 0)
 *   error {message}                          -> on_error, last_error
 *   turn.completed {usage}                   -> usage fields, turn_completed
 *   turn.failed {error:{message}}            -> turn_failed, failed_message
 *
 * Lines that are not JSON objects are counted in garbage_lines and skipped;
 * over-long lines are dropped and counted in overlong_lines.
 */
#ifndef CODEX_STREAM_H
#define CODEX_STREAM_H

#include <stddef.h>

#include "common/hub_buf.h"
#include "common/hub_lines.h"

/* Reply text as it arrives; return < 0 to stop parsing (returned by feed). */
typedef int (*codex_text_fn)(void *arg, const char *text, size_t len);
/* An "error" event (the CLI's retries announce themselves so); < 0 stops. */
typedef int (*codex_error_fn)(void *arg, const char *message);

struct codex_stream {
	/* callbacks, set by the caller before feeding; may be NULL */
	codex_text_fn on_text;
	codex_error_fn on_error;
	void *arg;

	/* read-only for callers after feeding */
	struct hub_buf text;           /* whole reply text (capped) */
	int text_truncated;            /* the reply text hit its cap */
	char *thread_id;               /* malloc'd; may be NULL */
	size_t lines;                  /* JSON lines parsed */
	size_t garbage_lines;          /* lines that were not JSON objects */
	size_t overlong_lines;         /* lines over HUB_MAX_CLI_LINE_BYTES */
	size_t tool_items;             /* items of a tool type seen */
	size_t errors;                 /* "error" events */
	char *last_error;              /* malloc'd message of the last one */
	int turn_completed;
	int turn_failed;
	char *failed_message;          /* malloc'd; may be NULL */
	long input_tokens;             /* usage of turn.completed; -1 unknown */
	long cached_input_tokens;
	long output_tokens;
	long reasoning_output_tokens;

	/* private */
	struct hub_lines splitter;
	char *item_id;                 /* the agent_message being handed out */
	size_t item_start;             /* where its text starts in text */
	size_t item_sent;              /* bytes of its text handed out */
	size_t messages;               /* agent_message items begun */
};

/* Set up s; the reply text is capped at max_text_bytes (0: 16 MiB). */
void codex_stream_init(struct codex_stream *s, size_t max_text_bytes);

/*
 * Feed len bytes of stdout. Returns 0, a callback's negative value (parsing
 * stops there; the rest of the chunk is not looked at), or HUB_ERR_NOMEM.
 */
int codex_stream_feed(struct codex_stream *s, const char *data, size_t len);

/* End of stdout: parse an unterminated last line. Same returns as feed. */
int codex_stream_finish(struct codex_stream *s);

/* Free everything s holds (not s itself). Accepts NULL. */
void codex_stream_free(struct codex_stream *s);

#endif
