/*
 * test_gemini_stream.c - the `gemini -o stream-json` parser on real-shaped
 * output, split at every point, and on garbage.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "providers/gemini_stream.h"
#include "providers/gemini_token.h"
#include "tests/unit/tap.h"

/* Lines as Gemini CLI 0.61.0 writes them (JSON.stringify, key order kept). */
static const char success_out[] =
    "{\"type\":\"init\",\"timestamp\":\"2026-11-23T21:40:54.123Z\",\"session_id\":\"0b5c\",\"model\":\"gemini-2.5-pro\"}\n"
    "{\"type\":\"message\",\"timestamp\":\"2026-11-23T21:40:54.130Z\",\"role\":\"user\",\"content\":\"SECRET PROMPT\"}\n"
    "{\"type\":\"message\",\"timestamp\":\"2026-11-23T21:40:55.001Z\",\"role\":\"assistant\",\"content\":\"Hel\",\"delta\":true}\n"
    "{\"type\":\"message\",\"timestamp\":\"2026-11-23T21:40:55.101Z\",\"role\":\"assistant\",\"content\":\"lo, \\u00e9\\n\\\"x\\\"\",\"delta\":true}\n"
    "{\"type\":\"result\",\"timestamp\":\"2026-11-23T21:40:55.200Z\",\"status\":\"success\",\"stats\":{\"total_tokens\":30,\"input_tokens\":20,\"output_tokens\":10,\"cached\":0,\"input\":20,\"duration_ms\":1077,\"tool_calls\":0,\"models\":{\"gemini-2.5-pro\":{\"total_tokens\":30,\"input_tokens\":20,\"output_tokens\":10,\"cached\":0,\"input\":20}}}}\n";

static const char error_out[] =
    "{\"type\":\"init\",\"timestamp\":\"t\",\"session_id\":\"s\",\"model\":\"gemini-2.5-flash\"}\r\n"
    "{\"type\":\"error\",\"timestamp\":\"t\",\"severity\":\"warning\",\"message\":\"Loop detected\"}\r\n"
    "{\"type\":\"result\",\"timestamp\":\"t\",\"status\":\"error\",\"error\":{\"type\":\"Error\",\"message\":\"[API Error: quota]\"},\"stats\":{\"total_tokens\":0,\"input_tokens\":0,\"output_tokens\":0,\"cached\":0,\"input\":0,\"duration_ms\":0,\"tool_calls\":0,\"models\":{}}}\r\n";

/* Two parallel calls stopped by the hub's BeforeTool hook, as 0.61.0 writes them. */
static const char tools_out[] =
    "{\"type\":\"init\",\"timestamp\":\"t\",\"session_id\":\"s\",\"model\":\"gemini-2.5-pro\"}\n"
    "{\"type\":\"tool_use\",\"timestamp\":\"t\",\"tool_name\":\"mcp_c_Calculator\",\"tool_id\":\"mcp_c_Calculator__mcp_c_Calculator_1796179016835_0\",\"parameters\":{\"input\":\"17*23\"}}\n"
    "{\"type\":\"tool_use\",\"timestamp\":\"t\",\"tool_name\":\"mcp_c_Calculator\",\"tool_id\":\"mcp_c_Calculator__mcp_c_Calculator_1796179016931_1\",\"parameters\":{\"input\":\"2+2\",\"wait_for_previous\":false}}\n"
    "{\"type\":\"tool_use\",\"timestamp\":\"t\",\"tool_id\":\"no name: skipped\"}\n"
    "{\"type\":\"tool_result\",\"timestamp\":\"t\",\"tool_id\":\"mcp_c_Calculator__mcp_c_Calculator_1796179016835_0\",\"status\":\"error\",\"output\":\"Agent execution stopped by hook: hub\",\"error\":{\"type\":\"stop_execution\",\"message\":\"Agent execution stopped by hook: hub\"}}\n"
    "{\"type\":\"tool_result\",\"timestamp\":\"t\",\"tool_id\":\"x\",\"status\":\"error\",\"error\":{\"type\":\"mcp_tool_error\",\"message\":\"m\"}}\n";

struct collect {
	struct hub_buf text;
	int calls;
	int stop_after;   /* return -99 on this call; 0 never */
};

static int
collect_text(void *arg, const char *text, size_t len)
{
	struct collect *c = arg;

	c->calls++;
	if (c->stop_after && c->calls >= c->stop_after)
		return -99;
	return hub_buf_append(&c->text, text, len);
}

struct collect_tools {
	struct hub_buf seen;
	int calls;
};

static int
collect_tool(void *arg, const char *name, const char *id, const char *params)
{
	struct collect_tools *c = arg;

	c->calls++;
	return hub_buf_printf(&c->seen, "%s|%s|%s\n", name, id, params);
}

/* Parse out split once at cut; compare with the expected text. */
static int
parse_split(const char *out, size_t len, size_t cut, const char *want_text,
    const char *want_model, int want_success)
{
	struct gemini_stream gs;
	struct collect c;
	int good;

	memset(&c, 0, sizeof(c));
	hub_buf_init(&c.text, 0);
	gemini_stream_init(&gs, collect_text, &c);
	gemini_stream_feed(&gs, out, cut);
	gemini_stream_feed(&gs, out + cut, len - cut);
	gemini_stream_finish(&gs);
	good = strcmp(c.text.data ? c.text.data : "", want_text) == 0 &&
	    gs.model != NULL && strcmp(gs.model, want_model) == 0 &&
	    gs.got_result && gs.result_success == want_success && gs.garbage_lines == 0;
	gemini_stream_free(&gs);
	hub_buf_free(&c.text);
	return good;
}

int
main(void)
{
	struct gemini_stream gs;
	struct collect c;
	size_t cut, i;
	int all_ok;
	char *big;
	const char *p;

	/* A successful run. */
	memset(&c, 0, sizeof(c));
	hub_buf_init(&c.text, 0);
	gemini_stream_init(&gs, collect_text, &c);
	is_int(gemini_stream_feed(&gs, success_out, sizeof(success_out) - 1), 0, "feed ok");
	is_int(gemini_stream_finish(&gs), 0, "finish ok");
	is_str(c.text.data, "Hello, \xc3\xa9\n\"x\"", "assistant deltas concatenated and decoded");
	is_int(c.calls, 2, "one callback per delta line");
	is_str(gs.model, "gemini-2.5-pro", "model from init");
	ok(gs.got_init && gs.got_result && gs.result_success, "init and successful result seen");
	is_int(gs.input_tokens, 20, "input tokens");
	is_int(gs.output_tokens, 10, "output tokens");
	is_int(gs.total_tokens, 30, "total tokens");
	is_int(gs.duration_ms, 1077, "duration");
	ok(gs.error_message == NULL, "no error on success");
	ok(strstr(gs.last_garbage, "SECRET") == NULL, "the user line (prompt echo) is not kept");
	gemini_stream_free(&gs);
	hub_buf_free(&c.text);

	/* Every split point gives the same result. */
	all_ok = 1;
	for (cut = 0; cut <= sizeof(success_out) - 1; cut++)
		if (!parse_split(success_out, sizeof(success_out) - 1, cut,
		    "Hello, \xc3\xa9\n\"x\"", "gemini-2.5-pro", 1))
			all_ok = 0;
	ok(all_ok, "success output: same result at every split point");
	all_ok = 1;
	for (cut = 0; cut <= sizeof(error_out) - 1; cut++)
		if (!parse_split(error_out, sizeof(error_out) - 1, cut, "", "gemini-2.5-flash", 0))
			all_ok = 0;
	ok(all_ok, "error output with CRLF: same result at every split point");

	/* An error result. */
	gemini_stream_init(&gs, NULL, NULL);
	gemini_stream_feed(&gs, error_out, sizeof(error_out) - 1);
	gemini_stream_finish(&gs);
	ok(gs.got_result && !gs.result_success, "error result seen");
	is_str(gs.error_type, "Error", "error type");
	is_str(gs.error_message, "[API Error: quota]", "error message (warning event not taken)");
	gemini_stream_free(&gs);

	/* A last line without a newline is parsed at finish. */
	memset(&c, 0, sizeof(c));
	hub_buf_init(&c.text, 0);
	gemini_stream_init(&gs, collect_text, &c);
	p = "{\"type\":\"message\",\"role\":\"assistant\",\"content\":\"tail\",\"delta\":true}";
	gemini_stream_feed(&gs, p, strlen(p));
	is_int(c.calls, 0, "nothing before the newline");
	gemini_stream_finish(&gs);
	is_str(c.text.data, "tail", "unterminated last line parsed at finish");
	gemini_stream_free(&gs);
	hub_buf_free(&c.text);

	/* Garbage: not JSON, not an object, no type, wrong types, binary. */
	gemini_stream_init(&gs, NULL, NULL);
	p = "Loaded cached credentials.\n[1,2]\n{\"no\":\"type\"}\n{\"type\":5}\n"
	    "{\"type\":\"message\",\"role\":\"assistant\",\"content\":7}\n"
	    "{\"type\":\"result\",\"status\":3,\"stats\":\"x\",\"error\":[]}\n"
	    "{\"type\":\"init\",\"model\":{}}\n\n   \n{broken\n\x01\x02\xff\xfe\n"
	    "An unexpected critical error occurred\n";
	is_int(gemini_stream_feed(&gs, p, strlen(p)), 0, "garbage never fails the feed");
	is_int(gs.garbage_lines, 7, "non-JSON and typeless lines counted");
	is_str(gs.last_garbage, "An unexpected critical error occurred", "last garbage line kept");
	ok(gs.got_result && !gs.result_success, "a result with a bad status is not success");
	ok(gs.model == NULL, "a non-string model is ignored");
	is_int(gs.text_bytes, 0, "no text from a non-string content");
	gemini_stream_free(&gs);

	/* An over-long line is skipped whole, the next line still parses. */
	big = malloc(HUB_MAX_CLI_LINE_BYTES + 100);
	ok(big != NULL, "allocated a big line");
	if (big != NULL) {
		memset(&c, 0, sizeof(c));
		hub_buf_init(&c.text, 0);
		gemini_stream_init(&gs, collect_text, &c);
		memcpy(big, "{\"type\":\"message\",\"role\":\"assistant\",\"content\":\"", 48);
		memset(big + 48, 'a', HUB_MAX_CLI_LINE_BYTES + 100 - 48);
		for (i = 0; i < HUB_MAX_CLI_LINE_BYTES + 100; i += 65536)
			gemini_stream_feed(&gs, big + i,
			    HUB_MAX_CLI_LINE_BYTES + 100 - i < 65536 ? HUB_MAX_CLI_LINE_BYTES + 100 - i : 65536);
		p = "\"}\n{\"type\":\"message\",\"role\":\"assistant\",\"content\":\"after\"}\n";
		is_int(gemini_stream_feed(&gs, p, strlen(p)), 0, "feed after an over-long line");
		is_int(gs.long_lines, 1, "over-long line counted");
		is_str(c.text.data, "after", "the over-long line was skipped, the next one parsed");
		gemini_stream_free(&gs);
		hub_buf_free(&c.text);
		free(big);
	}

	/* A callback asking to stop stops the feed with its code. */
	memset(&c, 0, sizeof(c));
	hub_buf_init(&c.text, 0);
	c.stop_after = 1;
	gemini_stream_init(&gs, collect_text, &c);
	is_int(gemini_stream_feed(&gs, success_out, sizeof(success_out) - 1), -99,
	    "callback's stop code returned");
	ok(!gs.got_result, "parsing stopped at the callback");
	gemini_stream_free(&gs);
	hub_buf_free(&c.text);

	/* tool_use lines: name, id and parameters as compact JSON; results counted. */
	{
		struct collect_tools ct;
		size_t at, good = 1;

		for (at = 0; at < sizeof(tools_out) - 1; at++) {
			memset(&ct, 0, sizeof(ct));
			hub_buf_init(&ct.seen, 0);
			gemini_stream_init(&gs, NULL, &ct);
			gemini_stream_set_tool_use(&gs, collect_tool);
			gemini_stream_feed(&gs, tools_out, at);
			gemini_stream_feed(&gs, tools_out + at, sizeof(tools_out) - 1 - at);
			gemini_stream_finish(&gs);
			if (at == 0) {
				is_str(ct.seen.data, "mcp_c_Calculator|mcp_c_Calculator__mcp_c_Calculator_1796179016835_0|"
				    "{\"input\":\"17*23\"}\nmcp_c_Calculator|mcp_c_Calculator__mcp_c_Calculator_1796179016931_1|"
				    "{\"input\":\"2+2\",\"wait_for_previous\":false}\n", "both calls, in order");
				is_int(gs.tool_uses, 2, "a tool_use without a name is not a call");
				is_int(gs.tool_results, 2, "tool results counted");
				is_int(gs.tool_results_stopped, 1, "only the hook's stop_execution counts as stopped");
			}
			good &= ct.calls == 2 && gs.tool_results == 2;
			gemini_stream_free(&gs);
			hub_buf_free(&ct.seen);
		}
		ok(good, "tool lines: same calls at every split point");
	}

	/* gemini_token_status(): what /health/tokens may say about the file. */
	{
		struct gemini_token_info ti;
		char path[] = "/tmp/test_gemini_token_XXXXXX";
		int fd = mkstemp(path);
		const char *creds = "{\"access_token\":\"ya29.secret\",\"refresh_token\":\"1//r\","
		    "\"token_type\":\"Bearer\",\"expiry_date\":1795000000000}";
		FILE *f;

		ok(fd >= 0, "temp file for the token tests");
		f = fdopen(fd, "w");
		fputs(creds, f);
		fclose(f);
		is_int(gemini_token_status(path, &ti), 0, "token file examined");
		ok(ti.present && ti.valid_json && ti.has_access_token && ti.has_refresh_token,
		    "present, valid, both tokens");
		is_int(ti.expiry_ms, 1795000000000LL, "expiry_date in ms");
		f = fopen(path, "w");
		fputs("{\"access_token\":\"x\"}", f);
		fclose(f);
		gemini_token_status(path, &ti);
		ok(ti.present && ti.valid_json && !ti.has_refresh_token && ti.expiry_ms == -1,
		    "no refresh_token, no expiry");
		f = fopen(path, "w");
		fputs("{not json", f);
		fclose(f);
		is_int(gemini_token_status(path, &ti), 0, "corrupt file examined");
		ok(ti.present && !ti.valid_json, "corrupt file: present, not valid");
		unlink(path);
		is_int(gemini_token_status(path, &ti), 0, "missing file examined");
		ok(!ti.present, "missing file: not present");
		is_int(gemini_token_status(NULL, &ti), HUB_ERR_INVALID, "no path configured");
	}

	return tap_done();
}
