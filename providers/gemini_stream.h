/*
 * gemini_stream.h - parse the output of `gemini -o stream-json`.
 *
 * Gemini CLI 0.61 writes one JSON object per line:
 *   {"type":"init","timestamp":...,"session_id":...,"model":"gemini-2.5-pro"}
 *   {"type":"message","role":"user","content":"<the prompt>",...}
 *   {"type":"message","role":"assistant","content":"Hel","delta":true,...}
 *   {"type":"error","severity":"warning"|"error","message":...}
 *   {"type":"result","status":"success"|"error","error":{"type":...,"message":...},
 *    "stats":{"total_tokens":N,"input_tokens":N,"output_tokens":N,...,"duration_ms":N}}
 *   {"type":"tool_use","tool_name":"mcp_c_Calculator","tool_id":"...","parameters":{...}}
 *   {"type":"tool_result","tool_id":"...","status":"error","output":...,"error":{...}}
 * (tool_use once per call the model proposed, all of them before the first
 * tool_result: the CLI schedules the calls only when the model's turn is
 * over).
 * The parser is pure and incremental: feed it bytes as they come, it cuts
 * lines (a trailing "\r" is dropped), decodes each and hands assistant
 * text to a callback. Blank lines are skipped; lines that are not JSON
 * objects are counted and the last one is kept (capped) as a hint for
 * error messages; a line longer than HUB_MAX_CLI_LINE_BYTES is skipped
 * whole and counted. The user message line (which echoes the prompt) is
 * never stored.
 */
#ifndef GEMINI_STREAM_H
#define GEMINI_STREAM_H

#include <stddef.h>

#include "common/hub_buf.h"
#include "common/hub_lines.h"
#include "common/hub_limits.h"

/* Assistant text as it arrives (not NUL-terminated); < 0 stops parsing. */
typedef int (*gemini_stream_text_fn)(void *arg, const char *text, size_t len);
/* A tool_use line: the tool's name, the CLI's call id ("" when none) and
 * the parameters as compact JSON text of an object ("{}" when absent);
 * all NUL-terminated, valid during the call. < 0 stops parsing. */
typedef int (*gemini_stream_tool_fn)(void *arg, const char *name, const char *id,
    const char *params_json);

struct gemini_stream {
	gemini_stream_text_fn on_text;
	gemini_stream_tool_fn on_tool_use;   /* may be NULL */
	void *arg;
	struct hub_lines splitter;    /* cuts the output into lines */
	/* what was seen */
	char *model;                  /* malloc'd, from the init line; may be NULL */
	int got_init;
	int got_result;               /* a result line arrived */
	int result_success;           /* its status was "success" */
	char *error_type;             /* malloc'd, from result.error; may be NULL */
	char *error_message;          /* malloc'd, result.error.message or the last
	                                 error event's message; may be NULL */
	long input_tokens;            /* from result.stats; -1 unknown */
	long output_tokens;
	long total_tokens;
	long duration_ms;
	size_t text_bytes;            /* assistant text bytes handed out */
	size_t text_events;           /* assistant message lines */
	size_t tool_uses;             /* tool_use lines with a tool name */
	size_t tool_results;          /* tool_result lines */
	size_t tool_results_stopped;  /* ... of them with error type stop_execution */
	size_t garbage_lines;         /* lines that were not JSON objects */
	size_t long_lines;            /* lines over the limit, skipped */
	char last_garbage[HUB_MAX_ERROR_MESSAGE]; /* last non-JSON line, cut */
};

/* Set up a parser. on_text may be NULL. Free with gemini_stream_free(). */
void gemini_stream_init(struct gemini_stream *gs, gemini_stream_text_fn on_text,
    void *arg);

/* Also hand tool_use lines to fn (same arg as on_text). */
void gemini_stream_set_tool_use(struct gemini_stream *gs, gemini_stream_tool_fn fn);

/*
 * Feed len bytes of output. Returns 0, the callback's negative return (as
 * given), or HUB_ERR_NOMEM. Bad lines are not errors.
 */
int gemini_stream_feed(struct gemini_stream *gs, const char *data, size_t len);

/* End of output: parse a last line that had no newline. Same returns. */
int gemini_stream_finish(struct gemini_stream *gs);

/* Parse one complete line (without its newline). Same returns. */
int gemini_stream_parse_line(struct gemini_stream *gs, const char *line, size_t len);

/* Free what the parser holds. Accepts NULL. */
void gemini_stream_free(struct gemini_stream *gs);

#endif
