/*
 * test_codex_stream.c - the `codex exec --json` event parser on output as
 * the pinned 0.169.0 prints it, split at every point, and on garbage.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "providers/codex_stream.h"
#include "tests/unit/tap.h"

/* What the real CLI printed against tests/upstream/fake-codex.mjs. */
static const char success_out[] =
    "{\"type\":\"thread.started\",\"thread_id\":\"01a234b4-5a4d-7ec0-a3f6-152abce5f31e\"}\n"
    "{\"type\":\"turn.started\"}\n"
    "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_0\",\"type\":\"agent_message\",\"text\":\"Hello, \\u00e9\\n\\\"x\\\"\"}}\n"
    "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":11,\"cached_input_tokens\":3,\"cache_write_input_tokens\":0,\"output_tokens\":7,\"reasoning_output_tokens\":2}}\n";

static const char failed_out[] =
    "{\"type\":\"thread.started\",\"thread_id\":\"t\"}\r\n"
    "{\"type\":\"turn.started\"}\r\n"
    "{\"type\":\"error\",\"message\":\"Reconnecting... 1/5 (We\\u2019re currently experiencing high demand)\"}\r\n"
    "{\"type\":\"error\",\"message\":\"We\\u2019re currently experiencing high demand\"}\r\n"
    "{\"type\":\"turn.failed\",\"error\":{\"message\":\"We\\u2019re currently experiencing high demand\"}}\r\n";

/* Two messages, the first growing through item.updated, and a tool item. */
static const char updates_out[] =
    "{\"type\":\"item.started\",\"item\":{\"id\":\"a\",\"type\":\"agent_message\",\"text\":\"He\"}}\n"
    "{\"type\":\"item.updated\",\"item\":{\"id\":\"a\",\"type\":\"agent_message\",\"text\":\"Hello\"}}\n"
    "{\"type\":\"item.completed\",\"item\":{\"id\":\"a\",\"type\":\"agent_message\",\"text\":\"Hello\"}}\n"
    "{\"type\":\"item.completed\",\"item\":{\"id\":\"c\",\"type\":\"command_execution\",\"command\":\"ls\"}}\n"
    "not json at all\n"
    "{\"type\":\"item.completed\",\"item\":{\"id\":\"b\",\"type\":\"agent_message\",\"text\":\"World\"}}\n"
    "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1e30,\"output_tokens\":-4}}";

struct collect {
	struct hub_buf text;
	int calls;
	int errors;
	int stop_on_error;
};

static int
collect_text(void *arg, const char *text, size_t len)
{
	struct collect *c = arg;

	c->calls++;
	return hub_buf_append(&c->text, text, len);
}

static int
collect_error(void *arg, const char *message)
{
	struct collect *c = arg;

	(void)message;
	c->errors++;
	return c->stop_on_error ? -99 : 0;
}

static void
setup(struct codex_stream *s, struct collect *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	hub_buf_init(&c->text, 0);
	codex_stream_init(s, cap);
	s->on_text = collect_text;
	s->on_error = collect_error;
	s->arg = c;
}

int
main(void)
{
	struct codex_stream s;
	struct collect c;
	size_t cut, len;
	int all_ok;

	setup(&s, &c, 0);
	is_int(codex_stream_feed(&s, success_out, sizeof(success_out) - 1), 0, "feed ok");
	is_int(codex_stream_finish(&s), 0, "finish ok");
	is_str(c.text.data, "Hello, \xc3\xa9\n\"x\"", "agent_message text handed out");
	is_str(s.text.data, "Hello, \xc3\xa9\n\"x\"", "and kept");
	is_str(s.thread_id, "01a234b4-5a4d-7ec0-a3f6-152abce5f31e", "thread id");
	ok(s.turn_completed && !s.turn_failed, "turn completed");
	is_int(s.input_tokens, 11, "input tokens");
	is_int(s.cached_input_tokens, 3, "cached input tokens");
	is_int(s.output_tokens, 7, "output tokens");
	is_int(s.reasoning_output_tokens, 2, "reasoning tokens");
	is_int((long)s.tool_items, 0, "no tool items");
	codex_stream_free(&s);
	hub_buf_free(&c.text);

	/* every split point gives the same text */
	all_ok = 1;
	len = sizeof(success_out) - 1;
	for (cut = 0; cut <= len; cut++) {
		setup(&s, &c, 0);
		codex_stream_feed(&s, success_out, cut);
		codex_stream_feed(&s, success_out + cut, len - cut);
		codex_stream_finish(&s);
		if (c.text.data == NULL || strcmp(c.text.data, "Hello, \xc3\xa9\n\"x\"") != 0 ||
		    !s.turn_completed || s.output_tokens != 7)
			all_ok = 0;
		codex_stream_free(&s);
		hub_buf_free(&c.text);
	}
	ok(all_ok, "the same result at every split point");

	/* a failed turn */
	setup(&s, &c, 0);
	is_int(codex_stream_feed(&s, failed_out, sizeof(failed_out) - 1), 0, "failed: feed ok");
	ok(s.turn_failed && !s.turn_completed, "turn failed");
	is_int((long)s.errors, 2, "two error events");
	is_int(c.errors, 2, "on_error called for each");
	ok(s.failed_message != NULL && strstr(s.failed_message, "high demand") != NULL, "failed message kept");
	ok(s.text.len == 0 && c.calls == 0, "no text");
	is_int(s.input_tokens, -1, "usage unknown");
	codex_stream_free(&s);
	hub_buf_free(&c.text);

	/* on_error stops the parse */
	setup(&s, &c, 0);
	c.stop_on_error = 1;
	is_int(codex_stream_feed(&s, failed_out, sizeof(failed_out) - 1), -99, "on_error's stop is returned");
	is_int(c.errors, 1, "and nothing after it is parsed");
	codex_stream_free(&s);
	hub_buf_free(&c.text);

	/* growing items, two messages, a tool item, garbage, bad numbers */
	setup(&s, &c, 0);
	is_int(codex_stream_feed(&s, updates_out, sizeof(updates_out) - 1), 0, "updates: feed ok");
	is_int(codex_stream_finish(&s), 0, "unterminated last line parsed at finish");
	is_str(s.text.data, "Hello\n\nWorld", "growing text handed out once, messages joined");
	is_int(c.calls, 4, "He, llo, separator, World");
	is_int((long)s.tool_items, 1, "the tool item is counted");
	is_int((long)s.garbage_lines, 1, "garbage counted");
	ok(s.turn_completed, "turn completed");
	is_int(s.input_tokens, -1, "an out-of-range count is unknown");
	is_int(s.output_tokens, -1, "a negative count is unknown");
	codex_stream_free(&s);
	hub_buf_free(&c.text);

	/* the text cap */
	setup(&s, &c, 4);
	codex_stream_feed(&s, success_out, sizeof(success_out) - 1);
	ok(s.text_truncated && s.text.len == 0, "a message over the cap is not kept, and flagged");
	codex_stream_free(&s);
	hub_buf_free(&c.text);

	codex_stream_free(NULL);
	return tap_done();
}
