/*
 * test_claude_stream.c - unit tests of the stream-json parser.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/hub_error.h"
#include "common/hub_limits.h"
#include "providers/claude_stream.h"
#include "tap.h"

struct seen {
	char text[4096];
	int deltas;
	int retries;
	int last_status;
	int stop_on_retry;
};

static int
on_text(void *arg, const char *t, size_t n)
{
	struct seen *s = arg;

	strncat(s->text, t, n);
	s->deltas++;
	return 0;
}

static int
on_retry(void *arg, int attempt, int status, long delay_ms)
{
	struct seen *s = arg;

	(void)attempt;
	(void)delay_ms;
	s->retries++;
	s->last_status = status;
	return s->stop_on_retry ? -42 : 0;
}

static void
setup(struct claude_stream *cs, struct seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	claude_stream_init(cs, 0);
	cs->on_text = on_text;
	cs->on_retry = on_retry;
	cs->arg = seen;
}

/* Feed all of data in pieces of chunk bytes. */
static int
feed_chunked(struct claude_stream *cs, const char *data, size_t chunk)
{
	size_t len = strlen(data), off, n;
	int rc;

	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		if ((rc = claude_stream_feed(cs, data + off, n)) < 0)
			return rc;
	}
	return claude_stream_finish(cs);
}

static const char *const partial_run =
    "{\"type\":\"system\",\"subtype\":\"init\",\"cwd\":\"/x\",\"model\":\"claude-sonnet-5-5\",\"tools\":[]}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-5-5\"}}}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello \"}}}\n"
    "{\"event\":{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"text\":\"w\\u00f6rld\",\"type\":\"text_delta\"}},\"type\":\"stream_event\"}\n"
    "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-5-5\",\"content\":[{\"type\":\"text\",\"text\":\"Hello w\\u00f6rld\"}]}}\n"
    "{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"allowed\"}}\n"
    "{\"duration_ms\":1,\"stop_reason\":\"end_turn\",\"total_cost_usd\":0.000602,"
    "\"usage\":{\"input_tokens\":276,\"cache_creation_input_tokens\":10,\"cache_read_input_tokens\":4,\"output_tokens\":5},"
    "\"is_error\":false,\"subtype\":\"success\",\"result\":\"Hello w\\u00f6rld\",\"type\":\"result\"}\n";

static void
test_deltas_any_chunking(void)
{
	static const size_t chunks[] = { 1, 2, 7, 64, 100000 };
	struct claude_stream cs;
	struct seen seen;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		setup(&cs, &seen);
		rc = feed_chunked(&cs, partial_run, chunks[i]);
		is_int(rc, 0, "chunk %zu: feed ok", chunks[i]);
		is_str(seen.text, "Hello w\xc3\xb6rld", "chunk %zu: deltas give the text once", chunks[i]);
		is_int(seen.deltas, 2, "chunk %zu: two deltas, assistant line not repeated", chunks[i]);
		is_str(cs.text.data, "Hello w\xc3\xb6rld", "chunk %zu: collected text", chunks[i]);
		ok(cs.seen_result && !cs.result_is_error, "chunk %zu: result seen, type key last", chunks[i]);
		is_int(cs.input_tokens, 290, "chunk %zu: input tokens include cache", chunks[i]);
		is_int(cs.output_tokens, 5, "chunk %zu: output tokens", chunks[i]);
		ok(cs.cost_usd > 0.0006 && cs.cost_usd < 0.0007, "chunk %zu: cost", chunks[i]);
		is_str(cs.stop_reason, "end_turn", "chunk %zu: stop reason", chunks[i]);
		is_str(cs.model, "claude-sonnet-5-5", "chunk %zu: model", chunks[i]);
		claude_stream_free(&cs);
	}
}

static void
test_blocks_without_deltas(void)
{
	struct claude_stream cs;
	struct seen seen;

	setup(&cs, &seen);
	feed_chunked(&cs,
	    "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"one \"},"
	    "{\"type\":\"thinking\",\"thinking\":\"hidden\"},{\"type\":\"text\",\"text\":\"two \"}]}}\n"
	    "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"three\"}]}}\n"
	    "{\"type\":\"result\",\"is_error\":false,\"result\":\"three\",\"stop_reason\":\"max_tokens\"}", 5);
	is_str(cs.text.data, "one two three", "several text blocks and lines are concatenated");
	is_str(cs.stop_reason, "max_tokens", "stop reason max_tokens, last line without newline");
	claude_stream_free(&cs);

	setup(&cs, &seen);
	feed_chunked(&cs, "{\"type\":\"result\",\"is_error\":false,\"result\":\"only here\"}\n", 3);
	is_str(cs.text.data, "only here", "result text used when no assistant line came");
	claude_stream_free(&cs);
}

static void
test_error_is_error_success_subtype(void)
{
	struct claude_stream cs;
	struct seen seen;

	setup(&cs, &seen);
	feed_chunked(&cs,
	    "{\"type\":\"system\",\"subtype\":\"api_retry\",\"attempt\":1,\"max_retries\":2,\"retry_delay_ms\":8105,"
	    "\"error_status\":429,\"error\":\"rate_limit\"}\n"
	    "{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"rejected\",\"resetsAt\":1900000000}}\n"
	    "{\"type\":\"assistant\",\"message\":{\"model\":\"<synthetic>\",\"content\":[{\"type\":\"text\",\"text\":\"API Error: Server is temporarily limiting requests\"}]},"
	    "\"error\":\"rate_limit\",\"is_api_error_message\":true,\"api_error_status\":429}\n"
	    "{\"is_error\":true,\"subtype\":\"success\",\"terminal_reason\":\"api_error\",\"result\":\"API Error: Server is temporarily limiting requests\",\"type\":\"result\"}\n",
	    11);
	ok(cs.seen_result && cs.result_is_error, "is_error true wins over subtype success");
	ok(cs.seen_api_error, "synthetic assistant error line seen");
	is_str(cs.api_error_kind, "rate_limit", "error kind");
	is_int(cs.api_error_status, 429, "api_error_status");
	is_int(cs.text.len, 0, "error text is not reply text");
	is_int(seen.deltas, 0, "no text handed upward");
	is_int(seen.retries, 1, "api_retry callback");
	is_int(cs.retry_status, 429, "retry status");
	is_int(cs.retry_delay_ms, 8105, "retry delay");
	ok(cs.rate_limit_rejected && cs.rate_limit_resets_at == 1900000000LL, "rate limit event rejected");
	is_str(cs.model, NULL, "<synthetic> is not a model");
	claude_stream_free(&cs);
}

static void
test_error_kinds(void)
{
	static const struct { const char *kind; int status; } kinds[] = {
		{ "authentication_failed", 401 }, { "authentication_failed", 403 },
		{ "rate_limit", 429 }, { "server_error", 529 }, { "server_error", 500 }, { "unknown", 0 },
	};
	struct claude_stream cs;
	struct seen seen;
	char line[512];
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		setup(&cs, &seen);
		if (kinds[i].status)
			snprintf(line, sizeof(line), "{\"api_error_status\":%d,\"type\":\"assistant\",\"error\":\"%s\","
			    "\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"E\"}]}}\n", kinds[i].status, kinds[i].kind);
		else
			snprintf(line, sizeof(line), "{\"type\":\"assistant\",\"error\":\"%s\","
			    "\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"Not logged in\"}]}}\n", kinds[i].kind);
		feed_chunked(&cs, line, 13);
		is_str(cs.api_error_kind, kinds[i].kind, "kind of case %zu", i);
		is_int(cs.api_error_status, kinds[i].status, "status %d", kinds[i].status);
		ok(cs.api_error_text != NULL && cs.text.len == 0, "error text kept apart (%d)", kinds[i].status);
		claude_stream_free(&cs);
	}
}

static void
test_retry_stop_and_result_errors(void)
{
	struct claude_stream cs;
	struct seen seen;
	int rc;

	setup(&cs, &seen);
	seen.stop_on_retry = 1;
	rc = claude_stream_feed(&cs,
	    "{\"type\":\"system\",\"subtype\":\"api_retry\",\"attempt\":1,\"error_status\":401}\n"
	    "{\"type\":\"result\",\"is_error\":false,\"result\":\"x\"}\n", 200);
	is_int(rc, -42, "a callback's stop is returned by feed");
	ok(!cs.seen_result, "parsing stopped at the callback");
	claude_stream_free(&cs);

	setup(&cs, &seen);
	feed_chunked(&cs, "{\"type\":\"result\",\"subtype\":\"error_during_execution\",\"is_error\":true,"
	    "\"errors\":[\"No conversation found with session ID: x\"]}\n", 9);
	is_str(cs.result_text, "No conversation found with session ID: x", "errors[0] when result is absent");
	claude_stream_free(&cs);
}

/* Numbers past what an integer holds (found by fuzz_claude_stream). */
static void
test_out_of_range_numbers(void)
{
	struct claude_stream cs;
	struct seen seen;

	setup(&cs, &seen);
	feed_chunked(&cs,
	    "{\"type\":\"system\",\"subtype\":\"api_retry\",\"attempt\":1,\"retry_delay_ms\":5e29,"
	    "\"error_status\":-1e300}\n"
	    "{\"type\":\"result\",\"is_error\":false,\"result\":\"x\",\"usage\":{\"input_tokens\":1e40}}\n", 7);
	is_int(seen.retries, 1, "a retry with out-of-range numbers is still reported");
	ok(cs.seen_result, "the result after it is read");
	claude_stream_free(&cs);
}

static void
test_garbage_and_overlong(void)
{
	struct claude_stream cs;
	struct seen seen;
	char *big;
	size_t n = HUB_MAX_CLI_LINE_BYTES + 10;

	setup(&cs, &seen);
	feed_chunked(&cs, "not json\n\x1b[31m\xff\xfe\n[1,2]\n{\"type\":\n\n\r\n"
	    "{\"type\":\"assistant\",\"message\":{\"content\":\"fine\"}}\n", 4);
	is_int(cs.garbage_lines, 4, "garbage lines counted, blank lines ignored");
	is_str(cs.text.data, "fine", "a good line after garbage still parses");
	ok(!cs.seen_result, "no result");
	claude_stream_free(&cs);

	setup(&cs, &seen);
	big = malloc(n + 1);
	memset(big, 'a', n);
	big[0] = '{';
	big[n] = '\0';
	is_int(claude_stream_feed(&cs, big, n), 0, "over-long line fed");
	is_int(claude_stream_feed(&cs, big, n), 0, "more of it");
	is_int(claude_stream_feed(&cs, "\n{\"type\":\"result\",\"is_error\":false,\"result\":\"after\"}\n", 53), 0,
	    "line after the over-long one");
	is_int(cs.overlong_lines, 1, "one over-long line dropped");
	is_str(cs.text.data, "after", "the next line parses");
	ok(cs.splitter.line.cap <= HUB_MAX_CLI_LINE_BYTES + 1, "line buffer stayed bounded");
	free(big);
	claude_stream_free(&cs);
}

static void
test_text_cap(void)
{
	struct claude_stream cs;
	struct seen seen;

	memset(&seen, 0, sizeof(seen));
	claude_stream_init(&cs, 4);
	feed_chunked(&cs, "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"123456\"}]}}\n", 100);
	ok(cs.text_truncated, "text over its cap is flagged");
	claude_stream_free(&cs);
}

/* What the tool callbacks saw. */
struct tools_seen {
	char log[4096];
	int controls;
};

static int
tool_start(void *arg, size_t index, const char *id, const char *name)
{
	struct tools_seen *t = arg;

	snprintf(t->log + strlen(t->log), sizeof(t->log) - strlen(t->log), "start %zu %s %s;", index, id, name);
	return 0;
}

static int
tool_args(void *arg, size_t index, const char *json, size_t len)
{
	struct tools_seen *t = arg;

	snprintf(t->log + strlen(t->log), sizeof(t->log) - strlen(t->log), "args %zu %.*s;", index, (int)len, json);
	return 0;
}

static int
on_control(void *arg, const char *request_id, struct json_object *request)
{
	struct tools_seen *t = arg;

	(void)request;
	t->controls++;
	snprintf(t->log + strlen(t->log), sizeof(t->log) - strlen(t->log), "control %s;", request_id);
	return 0;
}

/* Two tool_use blocks as the real 2.1.330 prints them (assistant line per
 * block, tools/call control requests between), then the interrupted result. */
static const char *const tool_run =
    "{\"type\":\"control_request\",\"request_id\":\"r1\",\"request\":{\"subtype\":\"mcp_message\",\"server_name\":\"client\",\"message\":{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}}}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"message_start\",\"message\":{\"id\":\"msg_t\",\"model\":\"m\"}}}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Let me.\"}}}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"mcp__client__Calc\",\"input\":{}}}}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"1}\"}}}\n"
    "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_t\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"mcp__client__Calc\",\"input\":{\"a\": 1}}]}}\n"
    "{\"type\":\"control_request\",\"request_id\":\"r2\",\"request\":{\"subtype\":\"mcp_message\",\"server_name\":\"client\",\"message\":{\"method\":\"tools/call\",\"id\":2}}}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"mcp__client__Calc\",\"input\":{}}}}\n"
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}}\n"
    "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_t\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"mcp__client__Calc\",\"input\":{}}]}}\n";
static const char *const tool_run_end =
    "{\"type\":\"stream_event\",\"event\":{\"type\":\"message_stop\"}}\n"
    "{\"type\":\"result\",\"subtype\":\"error_during_execution\",\"is_error\":true,\"stop_reason\":\"tool_use\",\"terminal_reason\":\"aborted_tools\",\"usage\":{\"input_tokens\":9,\"output_tokens\":40}}\n";

static void
test_tool_uses(void)
{
	struct claude_stream cs;
	struct seen seen;
	struct tools_seen t;
	size_t chunk;
	int all_ok = 1;

	for (chunk = 1; chunk <= 4096; chunk *= 8) {
		setup(&cs, &seen);
		memset(&t, 0, sizeof(t));
		cs.on_tool_start = tool_start;
		cs.on_tool_args = tool_args;
		cs.on_control = on_control;
		cs.arg = &t;
		cs.on_text = NULL;
		if (feed_chunked(&cs, tool_run, chunk) != 0 || cs.tool_turn_done || cs.n_tool_uses != 2)
			all_ok = 0;
		claude_stream_feed(&cs, tool_run_end, strlen(tool_run_end));
		if (!cs.tool_turn_done || !cs.seen_result || !cs.result_is_error ||
		    strcmp(t.log, "control r1;start 0 toolu_1 mcp__client__Calc;args 0 {\"a\":;args 0 1};"
		        "control r2;start 1 toolu_2 mcp__client__Calc;args 1 {};") != 0 ||
		    strcmp(cs.tool_uses[0].input, "{\"a\":1}") != 0 || strcmp(cs.tool_uses[1].input, "{}") != 0 ||
		    strcmp(cs.tool_uses[0].id, "toolu_1") != 0 || cs.control_requests != 2 ||
		    strcmp(cs.text.data, "Let me.") != 0) {
			all_ok = 0;
			printf("# chunk %zu: log %s done %d n %zu\n", chunk, t.log, cs.tool_turn_done, cs.n_tool_uses);
		}
		claude_stream_free(&cs);
	}
	ok(all_ok, "tool_use blocks: start, non-empty fragments, compact input from the assistant line, "
	    "done only at message_stop, control requests, at any chunking");

	/* without partial messages: the assistant line announces the call and
	 * its whole input; message_delta stop_reason tool_use ends the turn */
	setup(&cs, &seen);
	memset(&t, 0, sizeof(t));
	cs.on_tool_start = tool_start;
	cs.on_tool_args = tool_args;
	cs.arg = &t;
	feed_chunked(&cs,
	    "{\"type\":\"assistant\",\"message\":{\"id\":\"m2\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t9\",\"name\":\"mcp__client__X\",\"input\":{\"q\":\"v\"}}]}}\n"
	    "{\"type\":\"stream_event\",\"event\":{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"}}}\n", 7);
	ok(strcmp(t.log, "start 0 t9 mcp__client__X;args 0 {\"q\":\"v\"};") == 0 && cs.tool_turn_done,
	    "a tool_use without stream events is announced whole (%s)", t.log);
	claude_stream_free(&cs);

	/* malformed tool blocks are skipped; a second message's calls ignored */
	setup(&cs, &seen);
	feed_chunked(&cs,
	    "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":7}}}\n"
	    "{\"type\":\"assistant\",\"message\":{\"id\":\"a\",\"content\":[{\"type\":\"tool_use\",\"name\":\"n\"},{\"type\":\"tool_use\",\"id\":\"i\",\"name\":\"n\",\"input\":[1]}]}}\n"
	    "{\"type\":\"assistant\",\"message\":{\"id\":\"b\",\"content\":[{\"type\":\"tool_use\",\"id\":\"j\",\"name\":\"n\",\"input\":{}}]}}\n"
	    "{\"type\":\"control_request\",\"request\":{}}\n", 5);
	ok(cs.n_tool_uses == 1 && strcmp(cs.tool_uses[0].input, "{}") == 0 && cs.control_requests == 1,
	    "malformed tool blocks skipped, non-object input is {}, later messages' calls ignored");
	claude_stream_free(&cs);
}

/* Stops the stream when extra usage is in use (as claude.c with deny). */
static int
on_rate_limit_stop_overage(void *arg, const struct plan_window *w)
{
	int *calls = arg;

	(*calls)++;
	return w->using_overage ? -1 : 0;
}

/* rate_limit_event lines as Claude Code 2.1.330 prints them (recorded
 * against tests/upstream/fake-anthropic.mjs's plan phases). */
static void
test_rate_limit_events(void)
{
	static const char allowed[] =
	    "{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"allowed\",\"resetsAt\":1796183277,"
	    "\"rateLimitType\":\"five_hour\",\"isUsingOverage\":false,\"unifiedWindows\":{\"five_hour\":"
	    "{\"utilization\":0.2,\"resetsAt\":1796183277,\"status\":\"allowed\"}}},\"uuid\":\"u\",\"session_id\":\"s\"}\n";
	static const char warning[] =
	    "{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"allowed_warning\",\"resetsAt\":1796183277,"
	    "\"rateLimitType\":\"five_hour\",\"utilization\":0.92,\"isUsingOverage\":false,\"surpassedThreshold\":0.9},"
	    "\"uuid\":\"u\",\"session_id\":\"s\"}\n";
	static const char overage[] =
	    "{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"rejected\",\"resetsAt\":1796183280,"
	    "\"rateLimitType\":\"five_hour\",\"overageStatus\":\"allowed\",\"overageResetsAt\":1798771680,"
	    "\"isUsingOverage\":true,\"overageInUse\":true},\"uuid\":\"u\",\"session_id\":\"s\"}\n"
	    "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"late\"}\n";
	static const char rejected[] =
	    "{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"rejected\",\"resetsAt\":1796183281,"
	    "\"rateLimitType\":\"five_hour\",\"overageStatus\":\"rejected\",\"overageDisabledReason\":"
	    "\"org_level_disabled\",\"isUsingOverage\":false},\"uuid\":\"u\",\"session_id\":\"s\"}\n";
	static const char hostile[] =
	    "{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"allowed\",\"rateLimitType\":"
	    "\"five hour\\n<script>\",\"utilization\":\"lots\",\"resetsAt\":1e300,\"overageDisabledReason\":42}}\n";
	struct claude_stream cs;
	int calls = 0;

	claude_stream_init(&cs, 0);
	ok(claude_stream_feed(&cs, allowed, sizeof(allowed) - 1) == 0, "allowed parsed");
	ok(cs.rate_limit.seen && cs.rate_limit.status == PLAN_STATUS_ALLOWED, "status allowed");
	is_str(cs.rate_limit.type, "five_hour", "rateLimitType");
	ok(cs.rate_limit.utilization > 0.19 && cs.rate_limit.utilization < 0.21,
	    "utilization from unifiedWindows when the top level has none");
	ok(cs.rate_limit.resets_at == 1796183277LL && !cs.rate_limit.using_overage, "resetsAt, no overage");
	ok(!cs.rate_limit_rejected, "not rejected");
	ok(claude_stream_feed(&cs, warning, sizeof(warning) - 1) == 0, "warning parsed");
	ok(cs.rate_limit.status == PLAN_STATUS_WARNING && cs.rate_limit.utilization > 0.91, "allowed_warning, 0.92");
	ok(plan_window_level(&cs.rate_limit, 0, 0) == PLAN_LEVEL_WARNING, "warning level");
	claude_stream_free(&cs);

	claude_stream_init(&cs, 0);
	cs.on_rate_limit = on_rate_limit_stop_overage;
	cs.arg = &calls;
	ok(claude_stream_feed(&cs, overage, sizeof(overage) - 1) < 0, "the callback stops the stream");
	ok(calls == 1 && !cs.seen_result, "stopped before the result line");
	ok(cs.rate_limit.using_overage && cs.rate_limit.status == PLAN_STATUS_REJECTED, "overage in use");
	ok(cs.rate_limit.overage_status == PLAN_STATUS_ALLOWED && cs.rate_limit.overage_resets_at == 1798771680LL,
	    "overageStatus, overageResetsAt");
	ok(plan_window_level(&cs.rate_limit, 0, 0.9) == PLAN_LEVEL_LIMIT, "deny: limit");
	ok(plan_window_level(&cs.rate_limit, 1, 0.9) == PLAN_LEVEL_OVERAGE, "allow: overage");
	claude_stream_free(&cs);

	claude_stream_init(&cs, 0);
	ok(claude_stream_feed(&cs, rejected, sizeof(rejected) - 1) == 0, "rejected parsed");
	ok(cs.rate_limit_rejected && cs.rate_limit_resets_at == 1796183281LL, "rejected with its reset");
	is_str(cs.rate_limit.overage_disabled_reason, "org_level_disabled", "overageDisabledReason");
	ok(cs.rate_limit.overage_status == PLAN_STATUS_REJECTED && !cs.rate_limit.using_overage, "no overage");
	ok(plan_window_level(&cs.rate_limit, 1, 0) == PLAN_LEVEL_LIMIT, "rejected is a limit even with allow");
	ok(claude_stream_feed(&cs, hostile, sizeof(hostile) - 1) == 0, "odd values parsed");
	is_str(cs.rate_limit.type, "", "a type that is not a word is dropped");
	ok(cs.rate_limit.utilization < 0 && cs.rate_limit.resets_at == 0, "non-numbers and huge numbers are unknown");
	is_str(cs.rate_limit.overage_disabled_reason, "", "a non-string reason is dropped");
	claude_stream_free(&cs);
}

int
main(void)
{
	test_deltas_any_chunking();
	test_blocks_without_deltas();
	test_error_is_error_success_subtype();
	test_error_kinds();
	test_retry_stop_and_result_errors();
	test_out_of_range_numbers();
	test_garbage_and_overlong();
	test_text_cap();
	test_tool_uses();
	test_rate_limit_events();
	return tap_done();
}
