/*
 * fake-claude.c - a stand-in for Claude Code 2.1.330 in -p stream-json mode.
 *
 * It prints the same kinds of lines, with the same keys, in the same order
 * as the real CLI measured offline (see issue 3): a system/init line, a
 * system/status line, stream_event lines when --include-partial-messages is
 * given, one assistant line per text block, a rate_limit_event line and a
 * result line (whose "type" key comes late, as in the real one). API
 * failures print system/api_retry lines, a synthetic assistant line with
 * "error" and "api_error_status", a result line with "subtype":"success" but
 * "is_error":true, and exit 1 with empty stderr. Usage errors go to stderr
 * with exit 1. SIGTERM exits 143.
 *
 * The hub gives its child a minimal environment, so behaviour is chosen by
 * directives in the text of the last user message read on stdin:
 *   [[fake:error=401|403|404|429|500|529]]  API error (retried like the CLI:
 *                          CLAUDE_CODE_MAX_RETRIES api_retry lines, default
 *                          10; 429 waits 8 s between retries, others 0.5 s)
 *   [[fake:hang]]          print the init line, then sleep forever
 *   [[fake:slow=MS]]       pause MS milliseconds before each delta
 *   [[fake:chunks=N]]      split the reply into N deltas
 *   [[fake:huge=BYTES]]    reply with BYTES bytes of text (4 KiB deltas)
 *   [[fake:ignore-term]]   ignore SIGTERM (then behave as told otherwise)
 *   [[fake:grandchild]]    fork a grandchild that keeps stdout open and
 *                          sleeps 300 s; its pid is written to
 *                          $TMPDIR/../grandchild.pid and to stderr
 *   [[fake:garbage]]       print non-JSON lines only, exit 0 (no result)
 *   [[fake:noise]]         garbage lines mixed into a normal reply
 *   [[fake:crash]]         print part of a reply, then abort() (SIGABRT)
 *   [[fake:max_tokens]]    stop_reason "max_tokens"
 *   [[fake:blocks=N]]      N text blocks in one message (one assistant line each)
 *   [[fake:echo]]          reply = what it received: "system: ...", then
 *                          "<role>: <text>" per message incl. the --resume
 *                          transcript, one per line
 *   [[fake:argv]]          reply = its argv (after argv[0]) joined by spaces
 *   [[fake:env]]           reply = sorted names (never values) of its
 *                          environment variables, then "token=set|unset"
 *   [[fake:whoami]]        reply = "pid=P started_ms=S read_ms=R history_ms=T
 *                          turns=N home=H": its pid, the wall-clock ms of its
 *                          start, of the first stdin byte and of the --resume
 *                          transcript read (0: none), the turns before the
 *                          prompt, its HOME (tests/e2e/warm.bats)
 *   [[fake:stamp]]         each delta's text is "[NS]", NS the CLOCK_MONOTONIC
 *                          time in nanoseconds when it is written (bench/)
 * Like the real 2.1.330 CLI (see docs/PROVIDERS.md, "Prompts stay text"):
 * a last user message starting with '/' is a built-in command that answers
 * itself ("/x isn't available in this environment.", no model), and unless
 * CLAUDE_CODE_DISABLE_FILE_MENTIONS=1 every "@/path" token in it is read
 * and its content added to the prompt (so [[fake:echo]] shows it).
 * Client tools (measured on the real 2.1.330, see tests/fakes/README.md):
 * with --mcp-config naming an "sdk" server and an initialize control
 * request listing it in sdkMcpServers, stdin stays open and is read line
 * by line; the fake sends mcp_message control requests (initialize,
 * notifications/initialized, tools/list) and waits for each answer, as
 * the real CLI does (it hangs without one). Offered tools are the listed
 * ones, as mcp__<server>__<name>. [[fake:tool=NAME {json}]] (repeatable)
 * proposes calls of them; without it, a listed *Calculator tool gets one
 * call {"input":"17*23"} (two, "17*23" and "2+2", with [[fake:parallel]]).
 * A proposal streams content_block_start/input_json_delta, prints one
 * assistant line per tool_use block, then a tools/call control request per
 * allowed call (--allowedTools), and waits: an interrupt control request
 * ends the turn like the real CLI (rejected tool_results, a result with
 * is_error and terminal_reason "aborted_tools"); a tools/call answer is
 * EXECUTION, and the fake then answers "The result is <answer text>.".
 * Without --mcp-config, the first server of sdkMcpServers is the sdk
 * server all the same (the real CLI connects it, also with
 * --strict-mcp-config); with --permission-prompt-tool=stdio and a
 * set_permission_mode "default" control request, a listed call that
 * --allowedTools does not allow is asked for with a can_use_tool control
 * request instead of the tools/call (a deny with interrupt, or an
 * interrupt, ends the turn; an allow is EXECUTION).
 * A conversation holding a tool_result (stdin or transcript) is answered
 * "The result is <last result's text>.". A transcript ending with a user
 * line gets the CLI's "No response requested." assistant turn after it.
 * Default reply: "Hello from fake claude." in three deltas.
 * Without CLAUDE_CODE_OAUTH_TOKEN it fails like the real CLI: "Not logged in".
 * --resume=UUID reads $HOME/.claude/projects/<cwd, non-alphanumerics as '->/UUID.jsonl.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#define SESSION_ID "5d1c0e4e-8a51-4b3c-9f0e-6c2b7f1a0d11"
#define MAX_INPUT (64u * 1024u * 1024u)

extern char **environ;

struct conv {
	char *system;          /* from the initialize control request or flags */
	char *turns;           /* "role: text\n" lines of the history */
	size_t turns_len;
	size_t n_turns;        /* of them */
	char *prompt;          /* text of the last user message */
	char *last_result;     /* text of the last tool_result seen; may be NULL */
	int transcript_ends_user; /* the --resume transcript's last turn is a user's */
};

/* Tool mode: the sdk MCP server named in --mcp-config and what it listed. */
static const char *sdk_server;       /* NULL: no tool mode */
static char *allowed_tools;          /* --allowedTools, as given */
static struct json_object *mcp_tools; /* the tools/list answer's "tools" */
/* user and control_request lines read while waiting, oldest first */
#define MAX_PENDING 8
static char *pending[MAX_PENDING];
static size_t n_pending;
static int prompt_stdio;             /* --permission-prompt-tool=stdio */
static char perm_mode[32] = "dontAsk"; /* set_permission_mode */
static int mcp_seq;

static int partial, no_persist;
static const char *model = "claude-sonnet-5-5";
static const char *resume_id;
static char **saved_argv;
/* wall-clock ms of the start and of the first stdin byte ([[fake:whoami]]) */
static long long started_ms, read_ms, history_ms;

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
on_term(int sig)
{
	(void)sig;
	_exit(143);
}

static void
emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
emit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A JSON string literal for s (malloc'd). */
static char *
jstr(const char *s)
{
	struct json_object *o = json_object_new_string(s);
	char *r = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	return r;
}

static void
uuid(char *out)
{
	static unsigned n;

	snprintf(out, 37, "%08x-0000-4000-8000-%012x", (unsigned)getpid(), ++n);
}

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
append(char **buf, size_t *len, const char *s, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	if (*buf == NULL)
		abort();
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Add the content of each readable "@/path" file in c->prompt to it, as the
 * real CLI does when file mentions are on. */
static void
expand_mentions(char **prompt)
{
	const char *env = getenv("CLAUDE_CODE_DISABLE_FILE_MENTIONS");
	char path[4096], data[4096];
	size_t len = strlen(*prompt), end = len, i, n, got;
	FILE *f;

	if (env != NULL && strcmp(env, "1") == 0)
		return;
	for (i = 0; i + 1 < end; i++) {
		if ((*prompt)[i] != '@' || (*prompt)[i + 1] != '/' ||
		    (i > 0 && (*prompt)[i - 1] != ' ' && (*prompt)[i - 1] != '\n'))
			continue;
		n = strcspn(*prompt + i + 1, " \n");
		if (n >= sizeof(path) || i + 1 + n > end)
			continue;
		memcpy(path, *prompt + i + 1, n);
		path[n] = '\0';
		if ((f = fopen(path, "r")) == NULL)
			continue;
		got = fread(data, 1, sizeof(data), f);
		fclose(f);
		append(prompt, &len, "\nResult of calling the Read tool:\n", strlen("\nResult of calling the Read tool:\n"));
		append(prompt, &len, data, got);
	}
}

static char *block_describe(struct json_object *b);
static int tool_allowed(const char *name);

/* Whether b is a content block of type type. */
static int
block_is(struct json_object *b, const char *type)
{
	struct json_object *t;

	return json_object_is_type(b, json_type_object) && json_object_object_get_ex(b, "type", &t) &&
	    strcmp(json_object_get_string(t), type) == 0;
}

/* Text of a message content (string or array of text blocks), malloc'd. */
static char *
content_text(struct json_object *content)
{
	char *out = NULL;
	size_t len = 0, i;
	struct json_object *b, *t;

	if (json_object_is_type(content, json_type_string))
		return strdup(json_object_get_string(content));
	append(&out, &len, "", 0);
	if (!json_object_is_type(content, json_type_array))
		return out;
	for (i = 0; i < json_object_array_length(content); i++) {
		b = json_object_array_get_idx(content, i);
		if (json_object_is_type(b, json_type_string))  /* systemPrompt: ["..."] */
			append(&out, &len, json_object_get_string(b), strlen(json_object_get_string(b)));
		else if (block_is(b, "tool_use") || block_is(b, "tool_result") || block_is(b, "image")) {
			char *d = block_describe(b);

			append(&out, &len, d, strlen(d));
			free(d);
		} else if (json_object_object_get_ex(b, "text", &t))
			append(&out, &len, json_object_get_string(t), strlen(json_object_get_string(t)));
	}
	return out;
}

/* The text of a tool_result's content (a string or text blocks), malloc'd. */
static char *
result_text(struct json_object *block)
{
	struct json_object *c, *x, *t;
	char *out = NULL;
	size_t len = 0, i;

	append(&out, &len, "", 0);
	if (!json_object_object_get_ex(block, "content", &c))
		return out;
	if (json_object_is_type(c, json_type_string)) {
		append(&out, &len, json_object_get_string(c), strlen(json_object_get_string(c)));
		return out;
	}
	for (i = 0; json_object_is_type(c, json_type_array) && i < json_object_array_length(c); i++) {
		x = json_object_array_get_idx(c, i);
		if (json_object_object_get_ex(x, "text", &t))
			append(&out, &len, json_object_get_string(t), strlen(json_object_get_string(t)));
	}
	return out;
}

/* "[tool_use ID NAME INPUT]", "[tool_result ID: TEXT]", "[image TYPE, N base64 chars]". */
static char *
block_describe(struct json_object *b)
{
	struct json_object *v, *src;
	char *out = NULL, *t;
	size_t len = 0;
	const char *s;

	if (block_is(b, "tool_use")) {
		append(&out, &len, "[tool_use ", 10);
		s = json_object_object_get_ex(b, "id", &v) ? json_object_get_string(v) : "?";
		append(&out, &len, s, strlen(s));
		append(&out, &len, " ", 1);
		s = json_object_object_get_ex(b, "name", &v) ? json_object_get_string(v) : "?";
		append(&out, &len, s, strlen(s));
		append(&out, &len, " ", 1);
		s = json_object_object_get_ex(b, "input", &v) ?
		    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "?";
		append(&out, &len, s, strlen(s));
	} else if (block_is(b, "tool_result")) {
		append(&out, &len, "[tool_result ", 13);
		s = json_object_object_get_ex(b, "tool_use_id", &v) ? json_object_get_string(v) : "?";
		append(&out, &len, s, strlen(s));
		append(&out, &len, ": ", 2);
		t = result_text(b);
		append(&out, &len, t, strlen(t));
		free(t);
	} else {
		char n[64];

		append(&out, &len, "[image ", 7);
		json_object_object_get_ex(b, "source", &src);
		s = json_object_object_get_ex(src, "media_type", &v) ? json_object_get_string(v) : "?";
		append(&out, &len, s, strlen(s));
		snprintf(n, sizeof(n), ", %zu base64 chars",
		    json_object_object_get_ex(src, "data", &v) ? strlen(json_object_get_string(v)) : (size_t)0);
		append(&out, &len, n, strlen(n));
	}
	append(&out, &len, "]", 1);
	return out;
}

/* Remember the text of the last tool_result block of a message content. */
static void
note_results(struct conv *c, struct json_object *content)
{
	size_t i;

	for (i = 0; json_object_is_type(content, json_type_array) && i < json_object_array_length(content); i++)
		if (block_is(json_object_array_get_idx(content, i), "tool_result")) {
			free(c->last_result);
			c->last_result = result_text(json_object_array_get_idx(content, i));
		}
}

static void
add_turn(struct conv *c, const char *role, const char *text)
{
	append(&c->turns, &c->turns_len, role, strlen(role));
	append(&c->turns, &c->turns_len, ": ", 2);
	append(&c->turns, &c->turns_len, text, strlen(text));
	append(&c->turns, &c->turns_len, "\n", 1);
	c->n_turns++;
}

static void
usage_error(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
	exit(1);
}

/* Load the --resume transcript into c->turns; like the CLI, fail when absent. */
static void
load_transcript(struct conv *c)
{
	char cwd[4096], path[8192], line[1 << 16];
	const char *home = getenv("HOME");
	struct json_object *o, *m, *t, *content;
	FILE *f;
	char *p, *text;

	if (getcwd(cwd, sizeof(cwd)) == NULL || home == NULL)
		exit(1);
	for (p = cwd; *p; p++)
		if (!isalnum((unsigned char)*p))
			*p = '-';
	snprintf(path, sizeof(path), "%s/.claude/projects/%s/%s.jsonl", home, cwd, resume_id);
	if ((f = fopen(path, "r")) == NULL) {
		emit("{\"type\":\"result\",\"subtype\":\"error_during_execution\",\"duration_ms\":0,"
		    "\"duration_api_ms\":0,\"is_error\":true,\"num_turns\":0,\"stop_reason\":null,"
		    "\"session_id\":\"%s\",\"total_cost_usd\":0,\"usage\":{\"input_tokens\":0,"
		    "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0},"
		    "\"modelUsage\":{},\"permission_denials\":[],\"uuid\":\"00000000-0000-4000-8000-000000000000\","
		    "\"errors\":[\"No conversation found with session ID: %s\"],\"result_index\":0}",
		    resume_id, resume_id);
		fprintf(stderr, "No conversation found with session ID: %s\n", resume_id);
		exit(1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((o = json_tokener_parse(line)) == NULL)
			continue;
		if (json_object_object_get_ex(o, "type", &t) &&
		    json_object_object_get_ex(o, "message", &m) &&
		    json_object_object_get_ex(m, "content", &content)) {
			text = content_text(content);
			add_turn(c, json_object_get_string(t), text);
			free(text);
			note_results(c, content);
			c->transcript_ends_user = strcmp(json_object_get_string(t), "user") == 0;
		}
		json_object_put(o);
	}
	fclose(f);
	history_ms = wall_ms();
	/* like the CLI's resume: a transcript that ends with the user's turn
	 * gets a synthetic assistant turn before the new prompt */
	if (c->transcript_ends_user)
		add_turn(c, "assistant", "No response requested.");
}

/* One line of stdin without its newline (malloc'd), or NULL at EOF. */
static char *
read_line(void)
{
	static char *buf;
	static size_t len, total;
	char chunk[65536], *nl, *line;
	ssize_t n;

	for (;;) {
		if (buf != NULL && (nl = memchr(buf, '\n', len)) != NULL) {
			line = strndup(buf, (size_t)(nl - buf));
			len -= (size_t)(nl - buf) + 1;
			memmove(buf, nl + 1, len);
			buf[len] = '\0';
			return line;
		}
		do {
			n = read(0, chunk, sizeof(chunk));
		} while (n < 0 && errno == EINTR);
		if (n <= 0) {
			if (len == 0)
				return NULL;
			line = strndup(buf, len);  /* an unterminated last line */
			len = 0;
			return line;
		}
		if (read_ms == 0 && n > 0)
			read_ms = wall_ms();
		total += (size_t)n;
		if (total > MAX_INPUT)
			usage_error("Error: input too large");
		append(&buf, &len, chunk, (size_t)n);
	}
}

/* Parse a stdin line that must be a JSON object with a "type"; exit 1 otherwise. */
static struct json_object *
parse_line(const char *line, const char **type)
{
	struct json_object *o = json_tokener_parse(line), *t;

	if (o == NULL || !json_object_object_get_ex(o, "type", &t)) {
		fprintf(stderr, "Error parsing streaming input line (type=unknown, %zu chars): SyntaxError\n",
		    strlen(line));
		exit(1);
	}
	*type = json_object_get_string(t);
	return o;
}

/* Take the text (and tool results) of a user line as the new prompt. */
static void
take_user(struct conv *c, struct json_object *o)
{
	struct json_object *m, *content;

	if (!json_object_object_get_ex(o, "message", &m) ||
	    !json_object_object_get_ex(m, "content", &content))
		return;
	if (c->prompt != NULL)
		add_turn(c, "user", c->prompt);
	free(c->prompt);
	c->prompt = content_text(content);
	note_results(c, content);
}

/*
 * Send an mcp_message control request to the sdk server and read stdin
 * until its control_response; user and control_request lines read
 * meanwhile are kept in pending[]. Returns the mcp_response (caller puts it) or NULL at EOF.
 */
static struct json_object *
mcp_request(const char *message_json)
{
	char rid[64], *line;
	struct json_object *o, *r, *v, *mr;
	const char *type;

	snprintf(rid, sizeof(rid), "%08x-mcp-4000-8000-%012x", (unsigned)getpid(), ++mcp_seq);
	emit("{\"type\":\"control_request\",\"request_id\":\"%s\",\"request\":{\"subtype\":\"mcp_message\","
	    "\"server_name\":\"%s\",\"message\":%s}}", rid, sdk_server, message_json);
	while ((line = read_line()) != NULL) {
		if (*line == '\0') {
			free(line);
			continue;
		}
		o = parse_line(line, &type);
		if ((strcmp(type, "user") == 0 || strcmp(type, "control_request") == 0) &&
		    n_pending < MAX_PENDING) {
			pending[n_pending++] = line;
			json_object_put(o);
			continue;
		}
		free(line);
		if (strcmp(type, "control_response") == 0 && json_object_object_get_ex(o, "response", &r) &&
		    json_object_object_get_ex(r, "request_id", &v) && strcmp(json_object_get_string(v), rid) == 0) {
			mr = NULL;
			if (json_object_object_get_ex(r, "response", &v) &&
			    json_object_object_get_ex(v, "mcp_response", &mr))
				json_object_get(mr);
			json_object_put(o);
			return mr != NULL ? mr : json_object_new_object();
		}
		json_object_put(o);
	}
	return NULL;
}

/* The CLI's start-up of an sdk MCP server: initialize, initialized, tools/list. */
static void
mcp_connect(void)
{
	struct json_object *r, *res, *tools;

	if ((r = mcp_request("{\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
	    "\"capabilities\":{},\"clientInfo\":{\"name\":\"claude-code\",\"version\":\"2.1.330\"}},"
	    "\"jsonrpc\":\"2.0\",\"id\":0}")) == NULL)
		exit(1);
	json_object_put(r);
	if ((r = mcp_request("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")) == NULL)
		exit(1);
	json_object_put(r);
	if ((r = mcp_request("{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}")) == NULL)
		exit(1);
	if (json_object_object_get_ex(r, "result", &res) && json_object_object_get_ex(res, "tools", &tools) &&
	    json_object_is_type(tools, json_type_array))
		mcp_tools = json_object_get(tools);
	json_object_put(r);
}

/* Read the stdin lines the SDK protocol allows; exit 1 on a bad one. Tool
 * mode stops at the first user line (stdin stays open); else at EOF. */
static void
read_input(struct conv *c)
{
	struct json_object *o, *req, *sp, *v;
	const char *type;
	char *line;
	int got_any = 0;

	for (;;) {
		if (n_pending > 0) {
			line = pending[0];
			memmove(pending, pending + 1, --n_pending * sizeof(pending[0]));
		} else if ((line = read_line()) == NULL) {
			break;
		}
		got_any = 1;
		if (*line == '\0') {
			free(line);
			continue;
		}
		o = parse_line(line, &type);
		free(line);
		if (strcmp(type, "control_request") == 0 && json_object_object_get_ex(o, "request", &req) &&
		    json_object_object_get_ex(req, "subtype", &v) &&
		    strcmp(json_object_get_string(v), "set_permission_mode") == 0) {
			if (json_object_object_get_ex(req, "mode", &v))
				snprintf(perm_mode, sizeof(perm_mode), "%s", json_object_get_string(v));
			json_object_object_get_ex(o, "request_id", &v);
			emit("{\"type\":\"control_response\",\"response\":{\"subtype\":\"success\","
			    "\"request_id\":\"%s\",\"response\":{\"mode\":\"%s\"}}}", json_object_get_string(v), perm_mode);
		} else if (strcmp(type, "control_request") == 0 && json_object_object_get_ex(o, "request", &req)) {
			if (json_object_object_get_ex(req, "systemPrompt", &sp)) {
				free(c->system);
				c->system = content_text(sp);
				if (c->system[0] == '\0') {  /* [] keeps no system prompt */
					free(c->system);
					c->system = NULL;
				}
			}
			if (json_object_object_get_ex(req, "sdkMcpServers", &v) &&
			    json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0) {
				if (sdk_server == NULL)   /* no --mcp-config: the SDK's own */
					sdk_server = strdup(json_object_get_string(json_object_array_get_idx(v, 0)));
				if (strstr(json_object_to_json_string(v), sdk_server) != NULL)
					mcp_connect();
			}
			emit("{\"type\":\"control_response\",\"response\":{\"subtype\":\"success\","
			    "\"request_id\":\"req_1\",\"response\":{\"commands\":[],\"models\":[]}}}");
		} else if (strcmp(type, "user") == 0) {
			take_user(c, o);
		} else if (strcmp(type, "control_response") == 0 && sdk_server != NULL) {
			;  /* a late answer: ignored */
		} else {
			fprintf(stderr, "Error parsing streaming input line (type=%s)\n", type);
			exit(1);
		}
		json_object_put(o);
		if (sdk_server != NULL && c->prompt != NULL)
			break;
	}
	if (!got_any || c->prompt == NULL)
		usage_error("Error: Input must be provided either through stdin or as a prompt argument when using --print");
}

static long
directive(const char *prompt, const char *name, long dflt)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "[[fake:%s=", name);
	if ((p = strstr(prompt, key)) != NULL)
		return strtol(p + strlen(key), NULL, 10);
	snprintf(key, sizeof(key), "[[fake:%s]]", name);
	if (strstr(prompt, key) != NULL)
		return 1;
	return dflt;
}

static void
print_init(void)
{
	char cwd[4096], *jcwd, u[37];

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		strcpy(cwd, "/");
	jcwd = jstr(cwd);
	uuid(u);
	char tools[4096] = "", servers[256] = "";
	size_t k;

	for (k = 0; mcp_tools != NULL && k < json_object_array_length(mcp_tools); k++) {
		struct json_object *nm;

		if (json_object_object_get_ex(json_object_array_get_idx(mcp_tools, k), "name", &nm) &&
		    tool_allowed(json_object_get_string(nm)))
			snprintf(tools + strlen(tools), sizeof(tools) - strlen(tools), "%s\"mcp__%s__%s\"",
			    tools[0] ? "," : "", sdk_server, json_object_get_string(nm));
	}
	if (sdk_server != NULL)
		snprintf(servers, sizeof(servers), "{\"name\":\"%s\",\"status\":\"connected\",\"source\":\"sdk\"}",
		    sdk_server);
	emit("{\"type\":\"system\",\"subtype\":\"init\",\"cwd\":%s,\"session_id\":\"%s\",\"tools\":[%s],"
	    "\"mcp_servers\":[%s],\"model\":\"%s\",\"permissionMode\":\"dontAsk\",\"slash_commands\":[],"
	    "\"apiKeySource\":\"none\",\"claude_code_version\":\"2.1.330\",\"output_style\":\"default\","
	    "\"agents\":[],\"skills\":[],\"plugins\":[],\"analytics_disabled\":true,"
	    "\"uuid\":\"%s\",\"original_cwd\":%s,\"fast_mode_state\":\"off\"}",
	    jcwd, SESSION_ID, tools, servers, model, u, jcwd);
	uuid(u);
	emit("{\"type\":\"system\",\"subtype\":\"status\",\"status\":\"requesting\",\"session_id\":\"%s\",\"uuid\":\"%s\"}",
	    SESSION_ID, u);
	free(jcwd);
}

static void
print_usage_json(char *out, size_t outlen, long in, long outt)
{
	snprintf(out, outlen, "{\"input_tokens\":%ld,\"cache_creation_input_tokens\":0,"
	    "\"cache_read_input_tokens\":0,\"output_tokens\":%ld,\"service_tier\":\"standard\"}", in, outt);
}

static void
stream_event(const char *event_json)
{
	char u[37];

	uuid(u);
	emit("{\"type\":\"stream_event\",\"event\":%s,\"session_id\":\"%s\",\"parent_tool_use_id\":null,"
	    "\"uuid\":\"%s\",\"api_message_id\":\"msg_fake_1\"}", event_json, SESSION_ID, u);
}

/* "[NS]": the CLOCK_MONOTONIC time now in nanoseconds, malloc'd. */
static char *
stamp_text(void)
{
	struct timespec ts;
	char *s = malloc(32);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(s, 32, "[%lld]", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return s;
}

/* The whole successful turn: deltas, assistant lines, rate limit, result. */
static void
reply(const char *text, const char *prompt)
{
	long chunks = directive(prompt, "chunks", 3), slow = directive(prompt, "slow", 0);
	long blocks = directive(prompt, "blocks", 1), huge = directive(prompt, "huge", 0);
	const char *stop = directive(prompt, "max_tokens", 0) ? "max_tokens" : "end_turn";
	long in_tok = (long)strlen(prompt) / 4 + 3, out_tok = 0, b;
	size_t len = strlen(text), step, off, n;
	char ev[512], usage[256], u[37], *piece, *jt, *all = NULL;
	size_t all_len = 0;
	int noise = directive(prompt, "noise", 0) != 0;
	int stamp = directive(prompt, "stamp", 0) != 0;

	if (chunks < 1)
		chunks = 1;
	step = huge > 0 ? 4096 : (len + (size_t)chunks - 1) / (size_t)chunks;
	if (step == 0)
		step = 1;
	print_usage_json(usage, sizeof(usage), in_tok, 1);
	if (partial) {
		snprintf(ev, sizeof(ev), "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake_1\","
		    "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"%s\",\"content\":[],"
		    "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":%s}}", model, usage);
		stream_event(ev);
	}
	for (b = 0; b < blocks; b++) {
		char *block = NULL;
		size_t block_len = 0;

		if (partial) {
			snprintf(ev, sizeof(ev), "{\"type\":\"content_block_start\",\"index\":%ld,"
			    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}", b);
			stream_event(ev);
		}
		if (blocks > 1) {
			char prefix[32];

			snprintf(prefix, sizeof(prefix), "[%ld]", b);
			append(&block, &block_len, prefix, strlen(prefix));
			if (partial) {
				snprintf(ev, sizeof(ev), "{\"type\":\"content_block_delta\",\"index\":%ld,"
				    "\"delta\":{\"type\":\"text_delta\",\"text\":\"%s\"}}", b, prefix);
				stream_event(ev);
			}
		}
		for (off = 0; off < len || (huge > 0 && off < (size_t)huge); off += n) {
			n = huge > 0 ? ((size_t)huge - off < step ? (size_t)huge - off : step)
			    : (len - off < step ? len - off : step);
			piece = malloc(n + 1);
			if (huge > 0)
				memset(piece, 'x', n);
			else
				memcpy(piece, text + off, n);
			piece[n] = '\0';
			if (slow > 0)
				msleep(slow);
			if (stamp && huge == 0) {
				free(piece);
				piece = stamp_text();
			}
			if (noise)
				emit("this is not JSON {");
			if (partial) {
				char *jp = jstr(piece), *evd = malloc(strlen(jp) + 128);

				sprintf(evd, "{\"type\":\"content_block_delta\",\"index\":%ld,"
				    "\"delta\":{\"type\":\"text_delta\",\"text\":%s}}", b, jp);
				stream_event(evd);
				free(jp);
				free(evd);
			}
			append(&block, &block_len, piece, strlen(piece));
			out_tok++;
			free(piece);
		}
		jt = jstr(block != NULL ? block : "");
		uuid(u);
		emit("{\"type\":\"assistant\",\"message\":{\"id\":\"msg_fake_1\",\"type\":\"message\","
		    "\"role\":\"assistant\",\"model\":\"%s\",\"content\":[{\"type\":\"text\",\"text\":%s}],"
		    "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":%s,\"context_management\":null},"
		    "\"parent_tool_use_id\":null,\"session_id\":\"%s\",\"uuid\":\"%s\","
		    "\"timestamp\":\"2026-11-23T21:51:52.812Z\",\"request_id\":\"req_fake_1\"}",
		    model, jt, usage, SESSION_ID, u);
		free(jt);
		if (partial) {
			snprintf(ev, sizeof(ev), "{\"type\":\"content_block_stop\",\"index\":%ld}", b);
			stream_event(ev);
		}
		free(all);
		all = block;   /* result.result keeps only the last block */
		all_len = block_len;
	}
	if (partial) {
		snprintf(ev, sizeof(ev), "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"%s\","
		    "\"stop_sequence\":null},\"usage\":{\"output_tokens\":%ld}}", stop, out_tok);
		stream_event(ev);
		stream_event("{\"type\":\"message_stop\"}");
	}
	uuid(u);
	emit("{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"allowed\",\"isUsingOverage\":false},"
	    "\"uuid\":\"%s\",\"session_id\":\"%s\"}", u, SESSION_ID);
	print_usage_json(usage, sizeof(usage), in_tok, out_tok);
	jt = jstr(all != NULL ? all : "");
	uuid(u);
	emit("{\"duration_api_ms\":81,\"stop_reason\":\"%s\",\"session_id\":\"%s\",\"total_cost_usd\":0.000602,"
	    "\"usage\":%s,\"modelUsage\":{\"%s\":{\"inputTokens\":%ld,\"outputTokens\":%ld,\"costUSD\":0.000602}},"
	    "\"permission_denials\":[],\"terminal_reason\":\"completed\",\"is_error\":false,\"num_turns\":1,"
	    "\"subtype\":\"success\",\"api_error_status\":null,\"result\":%s,\"type\":\"result\","
	    "\"duration_ms\":278,\"uuid\":\"%s\"}",
	    stop, SESSION_ID, usage, model, in_tok, out_tok, jt, u);
	free(jt);
	free(all);
	(void)all_len;
}

/* --- client tools (tool mode) ------------------------------------------- */

#define MAX_CALLS 8

struct call {
	char name[128];              /* the client's name, without the prefix */
	char *input;                 /* compact JSON object */
	char id[64];
	int allowed;                 /* in --allowedTools as mcp__<server>__<name> */
	int ask;                     /* not allowed: asked for with can_use_tool */
};

/* Whether the sdk server listed a tool of that name. */
static int
tool_listed(const char *name)
{
	struct json_object *t, *n;
	size_t i;

	for (i = 0; mcp_tools != NULL && i < json_object_array_length(mcp_tools); i++) {
		t = json_object_array_get_idx(mcp_tools, i);
		if (json_object_object_get_ex(t, "name", &n) && strcmp(json_object_get_string(n), name) == 0)
			return 1;
	}
	return 0;
}

/* Whether --allowedTools (comma or space separated) holds mcp__<server>__name. */
static int
tool_allowed(const char *name)
{
	char want[256];
	const char *p;
	size_t n;

	snprintf(want, sizeof(want), "mcp__%s__%s", sdk_server, name);
	n = strlen(want);
	for (p = allowed_tools; p != NULL && (p = strstr(p, want)) != NULL; p += n)
		if ((p == allowed_tools || p[-1] == ',' || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return 1;
	return 0;
}

/* The calls the prompt asks for: [[fake:tool=NAME {json}]] directives, else
 * a listed *Calculator tool. Returns how many. */
static size_t
wanted_calls(const char *prompt, struct call *calls)
{
	const char *p = prompt, *q;
	struct json_tokener *tok;
	struct json_object *in;
	size_t n = 0, i, len;

	while (n < MAX_CALLS && (p = strstr(p, "[[fake:tool=")) != NULL) {
		p += strlen("[[fake:tool=");
		len = strcspn(p, " ]");
		snprintf(calls[n].name, sizeof(calls[n].name), "%.*s", (int)len, p);
		q = p + len;
		while (*q == ' ')
			q++;
		tok = json_tokener_new();
		in = json_tokener_parse_ex(tok, q, (int)strlen(q));
		calls[n].input = strdup(in != NULL && json_object_is_type(in, json_type_object) ?
		    json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "{}");
		if (in != NULL)
			q += json_tokener_get_parse_end(tok);
		json_object_put(in);
		json_tokener_free(tok);
		n++;
		p = q;
	}
	for (i = 0; n == 0 && mcp_tools != NULL && i < json_object_array_length(mcp_tools); i++) {
		struct json_object *t = json_object_array_get_idx(mcp_tools, i), *nm;
		const char *name;

		if (!json_object_object_get_ex(t, "name", &nm))
			continue;
		name = json_object_get_string(nm);
		len = strlen(name);
		if (len < 10 || (strcmp(name + len - 10, "Calculator") != 0 && strcmp(name + len - 10, "calculator") != 0))
			continue;
		snprintf(calls[n].name, sizeof(calls[n].name), "%s", name);
		calls[n++].input = strdup("{\"input\":\"17*23\"}");
		if (strstr(prompt, "[[fake:parallel]]") != NULL) {
			snprintf(calls[n].name, sizeof(calls[n].name), "%s", name);
			calls[n++].input = strdup("{\"input\":\"2+2\"}");
		}
	}
	return n;
}

/* The result line of a turn the client interrupted while tools were pending. */
static void
print_aborted(size_t ncalls, const struct call *calls, long in_tok)
{
	char usage[256], u[37];
	size_t i;

	for (i = 0; i < ncalls; i++) {
		uuid(u);
		emit("{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
		    "\"content\":\"The user doesn't want to proceed with this tool use. The tool use was rejected "
		    "(eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing "
		    "and wait for the user to tell you how to proceed.\",\"is_error\":true,\"tool_use_id\":\"%s\"}]},"
		    "\"parent_tool_use_id\":null,\"session_id\":\"%s\",\"uuid\":\"%s\"}", calls[i].id, SESSION_ID, u);
	}
	uuid(u);
	emit("{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"text\","
	    "\"text\":\"[Request interrupted by user for tool use]\"}]},\"parent_tool_use_id\":null,"
	    "\"session_id\":\"%s\",\"uuid\":\"%s\"}", SESSION_ID, u);
	print_usage_json(usage, sizeof(usage), in_tok, 20 * (long)ncalls);
	uuid(u);
	emit("{\"duration_api_ms\":45,\"stop_reason\":\"tool_use\",\"session_id\":\"%s\",\"total_cost_usd\":0.000964,"
	    "\"usage\":%s,\"modelUsage\":{\"%s\":{\"inputTokens\":%ld,\"outputTokens\":%ld,\"costUSD\":0.000964}},"
	    "\"permission_denials\":[],\"terminal_reason\":\"aborted_tools\",\"is_error\":true,\"num_turns\":%zu,"
	    "\"subtype\":\"error_during_execution\",\"errors\":[\"[ede_diagnostic] result_type=user "
	    "last_content_type=n/a stop_reason=tool_use\"],\"type\":\"result\",\"duration_ms\":142,\"uuid\":\"%s\"}",
	    SESSION_ID, usage, model, in_tok, 20 * (long)ncalls, ncalls + 2, u);
}

/*
 * Propose the calls as the real CLI streams them, send a tools/call for
 * each allowed one, then wait for stdin: an interrupt ends the turn, an
 * answer to a tools/call is the tool being executed (the real CLI would
 * then show the result to the model; this fake answers with it).
 * Returns 1 when the turn ended, 0 when it continues with *executed set
 * (malloc'd text of the answered result).
 */
static int
propose_calls(const char *prompt, struct call *calls, size_t n, char **executed)
{
	long in_tok = (long)strlen(prompt) / 4 + 3;
	char ev[2048], usage[256], u[37], rid[MAX_CALLS][64], *jp, *line, *evd;
	size_t i, k, len, cut[3], answered = 0, asked = 0;
	struct json_object *o, *r, *v, *mr, *res;
	const char *type;

	print_usage_json(usage, sizeof(usage), in_tok, 1);
	if (partial) {
		snprintf(ev, sizeof(ev), "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake_1\","
		    "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"%s\",\"content\":[],"
		    "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":%s}}", model, usage);
		stream_event(ev);
	}
	for (i = 0; i < n; i++) {
		snprintf(calls[i].id, sizeof(calls[i].id), "toolu_fake_%u_%zu", (unsigned)getpid(), i);
		calls[i].allowed = tool_listed(calls[i].name) && tool_allowed(calls[i].name);
		calls[i].ask = tool_listed(calls[i].name) && !calls[i].allowed && prompt_stdio &&
		    strcmp(perm_mode, "default") == 0;
		if (partial) {
			snprintf(ev, sizeof(ev), "{\"type\":\"content_block_start\",\"index\":%zu,\"content_block\":"
			    "{\"type\":\"tool_use\",\"id\":\"%s\",\"name\":\"mcp__%s__%s\",\"input\":{}}}",
			    i, calls[i].id, sdk_server, calls[i].name);
			stream_event(ev);
			/* the API's fragments: "" first, then cuts anywhere */
			len = strlen(calls[i].input);
			cut[0] = 0;
			cut[1] = len < 3 ? len : 3;
			cut[2] = len / 2 > cut[1] ? len / 2 : cut[1];
			for (k = 0; k < 4; k++) {
				size_t from = k == 0 ? 0 : cut[k - 1], to = k == 3 ? len : cut[k];
				char *frag = strndup(calls[i].input + from, to - from);

				jp = jstr(frag);
				evd = malloc(strlen(jp) + 160);
				sprintf(evd, "{\"type\":\"content_block_delta\",\"index\":%zu,\"delta\":"
				    "{\"type\":\"input_json_delta\",\"partial_json\":%s}}", i, jp);
				stream_event(evd);
				free(evd);
				free(jp);
				free(frag);
			}
		}
		uuid(u);
		emit("{\"type\":\"assistant\",\"message\":{\"id\":\"msg_fake_1\",\"type\":\"message\","
		    "\"role\":\"assistant\",\"model\":\"%s\",\"content\":[{\"type\":\"tool_use\",\"id\":\"%s\","
		    "\"name\":\"mcp__%s__%s\",\"input\":%s}],\"stop_reason\":null,\"stop_sequence\":null,"
		    "\"usage\":%s,\"context_management\":null},\"parent_tool_use_id\":null,\"session_id\":\"%s\","
		    "\"uuid\":\"%s\",\"timestamp\":\"2026-11-23T21:51:52.812Z\",\"request_id\":\"req_fake_1\"}",
		    model, calls[i].id, sdk_server, calls[i].name, calls[i].input, usage, SESSION_ID, u);
		if (partial) {
			snprintf(ev, sizeof(ev), "{\"type\":\"content_block_stop\",\"index\":%zu}", i);
			stream_event(ev);
		}
		if (calls[i].allowed) {
			/* the real CLI starts the call while later blocks still stream */
			snprintf(rid[i], sizeof(rid[i]), "%08x-call-4000-8000-%012zx", (unsigned)getpid(), i);
			jp = jstr(calls[i].name);
			emit("{\"type\":\"control_request\",\"request_id\":\"%s\",\"request\":{\"subtype\":\"mcp_message\","
			    "\"server_name\":\"%s\",\"message\":{\"method\":\"tools/call\",\"params\":{\"name\":%s,"
			    "\"arguments\":%s,\"_meta\":{\"claudecode/toolUseId\":\"%s\",\"progressToken\":%zu}},"
			    "\"jsonrpc\":\"2.0\",\"id\":%zu}}}", rid[i], sdk_server, jp, calls[i].input, calls[i].id,
			    i + 2, i + 2);
			free(jp);
			asked++;
		} else if (calls[i].ask) {
			snprintf(rid[i], sizeof(rid[i]), "%08x-perm-4000-8000-%012zx", (unsigned)getpid(), i);
			emit("{\"type\":\"control_request\",\"request_id\":\"%s\",\"request\":{\"subtype\":\"can_use_tool\","
			    "\"tool_name\":\"mcp__%s__%s\",\"mcp_server\":{\"name\":\"%s\",\"source\":\"sdk\"},"
			    "\"input\":%s,\"tool_use_id\":\"%s\"}}", rid[i], sdk_server, calls[i].name, sdk_server,
			    calls[i].input, calls[i].id);
			asked++;
		} else {
			rid[i][0] = '\0';
		}
	}
	if (partial) {
		snprintf(ev, sizeof(ev), "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
		    "\"stop_sequence\":null},\"usage\":{\"output_tokens\":%ld}}", 20 * (long)n);
		stream_event(ev);
		stream_event("{\"type\":\"message_stop\"}");
	}
	uuid(u);
	emit("{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"allowed\",\"isUsingOverage\":false},"
	    "\"uuid\":\"%s\",\"session_id\":\"%s\"}", u, SESSION_ID);
	if (asked == 0) {
		/* dontAsk refuses a call it may not make and asks the model again */
		*executed = strdup("<tool_use_error>Error: No such tool available</tool_use_error>");
		return 0;
	}
	while ((line = read_line()) != NULL) {
		if (*line == '\0') {
			free(line);
			continue;
		}
		o = parse_line(line, &type);
		free(line);
		if (strcmp(type, "control_request") == 0 && json_object_object_get_ex(o, "request", &r) &&
		    json_object_object_get_ex(r, "subtype", &v) && strcmp(json_object_get_string(v), "interrupt") == 0) {
			json_object_object_get_ex(o, "request_id", &v);
			emit("{\"type\":\"control_response\",\"response\":{\"subtype\":\"success\",\"request_id\":\"%s\","
			    "\"response\":{\"still_queued\":[]}}}", json_object_get_string(v));
			json_object_put(o);
			for (i = 0; i < n; i++)
				if (rid[i][0] != '\0' && calls[i].ask)
					emit("{\"type\":\"control_cancel_request\",\"request_id\":\"%s\"}", rid[i]);
				else if (rid[i][0] != '\0') {
					snprintf(ev, sizeof(ev), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
					    "\"params\":{\"requestId\":%zu,\"reason\":\"AbortError: remote-cancel\"}}", i + 2);
					if ((r = mcp_request(ev)) != NULL)
						json_object_put(r);
				}
			print_aborted(n, calls, in_tok);
			return 1;
		}
		if (strcmp(type, "control_response") == 0 && json_object_object_get_ex(o, "response", &r) &&
		    json_object_object_get_ex(r, "request_id", &v)) {
			for (i = 0; i < n; i++) {
				if (rid[i][0] == '\0' || strcmp(rid[i], json_object_get_string(v)) != 0)
					continue;
				mr = res = NULL;
				if (calls[i].ask) {
					/* a deny with interrupt ends the turn; a deny goes
					 * back to the model; an allow runs the tool */
					int allow = 0, stop = 0;

					if (json_object_object_get_ex(r, "response", &mr)) {
						allow = json_object_object_get_ex(mr, "behavior", &res) &&
						    strcmp(json_object_get_string(res), "allow") == 0;
						stop = json_object_object_get_ex(mr, "interrupt", &res) &&
						    json_object_get_boolean(res);
					}
					if (!allow && stop) {
						json_object_put(o);
						print_aborted(n, calls, in_tok);
						return 1;
					}
					free(*executed);
					*executed = strdup(allow ? "(run by the CLI)" :
					    "<tool_use_error>permission denied</tool_use_error>");
					answered++;
					continue;
				}
				/* the hub answered a tools/call: the tool counts as executed */
				if (json_object_object_get_ex(r, "response", &mr) &&
				    json_object_object_get_ex(mr, "mcp_response", &mr) &&
				    json_object_object_get_ex(mr, "result", &res)) {
					free(*executed);
					*executed = result_text(res);
				} else if (*executed == NULL) {
					*executed = strdup("<tool_use_error>the call failed</tool_use_error>");
				}
				answered++;
			}
		}
		json_object_put(o);
		if (answered > 0 && answered == asked)
			return 0;
	}
	exit(0);  /* stdin closed with the calls pending */
}

/* An API failure the way the CLI reports it; exits 1. */
static void
api_error(int status)
{
	const char *kind = "unknown", *type = "api_error", *text = "API Error: unknown";
	long retries = 10, delay = 500, a;
	const char *env = getenv("CLAUDE_CODE_MAX_RETRIES");
	char u[37], *jt, st[16], suffix[128];

	if (env != NULL)
		retries = strtol(env, NULL, 10);
	switch (status) {
	case 0:
		kind = "authentication_failed";
		text = "Not logged in \xc2\xb7 Please run /login";
		retries = 0;
		break;
	case 401:
		kind = "authentication_failed"; type = "authentication_error";
		text = "Not logged in \xc2\xb7 Please run /login";
		break;
	case 403:
		kind = "authentication_failed"; type = "permission_error";
		text = "Failed to authenticate: OAuth token revoked. Please log in again or contact your administrator.";
		break;
	case 404:
		kind = "unknown"; type = "not_found_error";
		text = "There's an issue with the selected model. It may not exist or you may not have access to it.";
		retries = 0;
		break;
	case 429:
		kind = "rate_limit"; type = "rate_limit_error"; delay = 8105;
		text = "API Error: Server is temporarily limiting requests (not your usage limit) \xc2\xb7 Rate limited";
		break;
	case 529:
		kind = "server_error"; type = "overloaded_error";
		text = "API Error: 529 Overloaded. This is a server-side issue, usually temporary \xe2\x80\x94 try again in a moment.";
		break;
	default:
		kind = "server_error";
		text = "API Error: 500 Internal server error. This is a server-side issue, usually temporary \xe2\x80\x94 try again in a moment.";
		break;
	}
	for (a = 1; a <= retries; a++) {
		uuid(u);
		emit("{\"type\":\"system\",\"subtype\":\"api_retry\",\"attempt\":%ld,\"max_retries\":%ld,"
		    "\"retry_delay_ms\":%ld,\"error_status\":%d,\"error\":\"%s\",\"session_id\":\"%s\",\"uuid\":\"%s\"}",
		    a, retries, delay, status, status == 529 ? "overloaded" : kind, SESSION_ID, u);
		if (status == 429 && a == 1) {
			uuid(u);
			emit("{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"rejected\","
			    "\"isUsingOverage\":false},\"uuid\":\"%s\",\"session_id\":\"%s\"}", u, SESSION_ID);
		}
		msleep(delay);
	}
	jt = jstr(text);
	suffix[0] = '\0';
	strcpy(st, "null");
	if (status != 0) {
		snprintf(st, sizeof(st), "%d", status);
		snprintf(suffix, sizeof(suffix), ",\"api_error_status\":%d,\"api_error_type\":\"%s\"", status, type);
	}
	uuid(u);
	emit("{\"type\":\"assistant\",\"message\":{\"id\":\"%s\",\"model\":\"<synthetic>\",\"role\":\"assistant\","
	    "\"stop_reason\":\"stop_sequence\",\"stop_sequence\":\"\",\"type\":\"message\",\"usage\":{\"input_tokens\":0,"
	    "\"output_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0},"
	    "\"content\":[{\"type\":\"text\",\"text\":%s}]},\"parent_tool_use_id\":null,\"session_id\":\"%s\","
	    "\"uuid\":\"%s\",\"timestamp\":\"2026-11-23T21:52:27.804Z\",\"error\":\"%s\",\"is_api_error_message\":true%s}",
	    u, jt, SESSION_ID, u, kind, suffix);
	uuid(u);
	emit("{\"duration_api_ms\":0,\"stop_reason\":\"stop_sequence\",\"session_id\":\"%s\",\"total_cost_usd\":0,"
	    "\"usage\":{\"input_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
	    "\"output_tokens\":0},\"modelUsage\":{},\"permission_denials\":[],\"terminal_reason\":\"api_error\","
	    "\"is_error\":true,\"num_turns\":1,\"subtype\":\"success\",\"api_error_status\":%s,"
	    "\"result\":%s,\"type\":\"result\",\"duration_ms\":1088,\"uuid\":\"%s\"}",
	    SESSION_ID, st, jt, u);
	free(jt);
	exit(1);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "NAME1 NAME2 ... token=set" (names only, never values). */
static char *
env_names(void)
{
	char *names[256], *out = NULL, *eq;
	size_t n = 0, len = 0, i;

	append(&out, &len, "", 0);
	for (i = 0; environ[i] != NULL && n < 256; i++) {
		eq = strchr(environ[i], '=');
		names[n++] = eq != NULL ? strndup(environ[i], (size_t)(eq - environ[i])) : strdup(environ[i]);
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		append(&out, &len, names[i], strlen(names[i]));
		append(&out, &len, " ", 1);
		free(names[i]);
	}
	eq = getenv("CLAUDE_CODE_OAUTH_TOKEN") != NULL ? "token=set" : "token=unset";
	append(&out, &len, eq, strlen(eq));
	return out;
}

static void
spawn_grandchild(void)
{
	char path[4096];
	const char *tmp = getenv("TMPDIR");
	FILE *f;
	pid_t pid = fork();

	if (pid == 0) {
		/* stays in the process group and keeps stdout open */
		signal(SIGTERM, SIG_DFL);
		msleep(300000);
		_exit(0);
	}
	if (tmp != NULL) {
		snprintf(path, sizeof(path), "%s/../grandchild.pid", tmp);
		if ((f = fopen(path, "w")) != NULL) {
			fprintf(f, "%ld\n", (long)pid);
			fclose(f);
		}
	}
	fprintf(stderr, "grandchild pid %ld\n", (long)pid);
}

int
main(int argc, char **argv)
{
	static struct conv c;   /* static: what it holds stays reachable until exit */
	int i, print = 0, verbose = 0, sjin = 0, sjout = 0;
	char *text = NULL;
	size_t tlen = 0;
	const char *a;

	saved_argv = argv;
	started_ms = wall_ms();
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "-p") == 0 || strcmp(a, "--print") == 0)
			print = 1;
		else if (strcmp(a, "--verbose") == 0)
			verbose = 1;
		else if (strcmp(a, "--input-format=stream-json") == 0)
			sjin = 1;
		else if (strcmp(a, "--output-format=stream-json") == 0)
			sjout = 1;
		else if (strcmp(a, "--include-partial-messages") == 0)
			partial = 1;
		else if (strcmp(a, "--no-session-persistence") == 0)
			no_persist = 1;
		else if (strncmp(a, "--model=", 8) == 0)
			model = a + 8;
		else if (strncmp(a, "--resume=", 9) == 0)
			resume_id = a + 9;
		else if (strncmp(a, "--system-prompt=", 16) == 0)
			c.system = strdup(a + 16);
		else if (strcmp(a, "--disable-slash-commands") == 0 || strcmp(a, "--strict-mcp-config") == 0)
			;
		else if (strcmp(a, "--permission-prompt-tool=stdio") == 0)
			prompt_stdio = 1;
		else if (strncmp(a, "--mcp-config=", 13) == 0) {
			struct json_object *cfg = json_tokener_parse(a + 13), *servers;

			if (cfg == NULL || !json_object_object_get_ex(cfg, "mcpServers", &servers))
				usage_error("Error: Invalid MCP configuration");
			json_object_object_foreach(servers, name, val) {
				struct json_object *t;

				if (json_object_object_get_ex(val, "type", &t) &&
				    strcmp(json_object_get_string(t), "sdk") == 0)
					sdk_server = strdup(name);
			}
			json_object_put(cfg);
		} else if (strncmp(a, "--allowedTools=", 15) == 0)
			allowed_tools = strdup(a + 15);
		else if (strncmp(a, "--tools=", 8) == 0 || strncmp(a, "--setting-sources=", 18) == 0 ||
		    strncmp(a, "--permission-mode=", 18) == 0 || strncmp(a, "--system-prompt-file=", 21) == 0)
			;
		else if (strcmp(a, "--version") == 0) {
			puts("2.1.330 (Claude Code)");
			return 0;
		} else {
			fprintf(stderr, "error: unknown option '%s'\n", a);
			return 1;
		}
	}
	if (!print || !sjin || !sjout)
		usage_error("Error: this fake supports only -p --input-format=stream-json --output-format=stream-json");
	if (!verbose)
		usage_error("Error: When using --print, --output-format=stream-json requires --verbose");
	/* like the CLI, the transcript is read at start-up, before stdin */
	if (resume_id != NULL)
		load_transcript(&c);
	read_input(&c);
	if (directive(c.prompt, "ignore-term", 0))
		signal(SIGTERM, SIG_IGN);
	if (directive(c.prompt, "grandchild", 0))
		spawn_grandchild();
	if (directive(c.prompt, "garbage", 0)) {
		emit("Welcome to something that is not JSON");
		emit("{\"type\":\"assistant\",\"message\":");
		emit("\x1b[31m\xff\xfe binary \x01\x02");
		return 0;
	}
	print_init();
	if (getenv("CLAUDE_CODE_OAUTH_TOKEN") == NULL || *getenv("CLAUDE_CODE_OAUTH_TOKEN") == '\0')
		api_error(0);
	if (c.prompt[0] == '/') {
		char msg[256];
		snprintf(msg, sizeof(msg), "/%.*s isn't available in this environment.",
		    (int)strcspn(c.prompt + 1, " \n"), c.prompt + 1);
		reply(msg, c.prompt);
		return 0;
	}
	expand_mentions(&c.prompt);
	if (directive(c.prompt, "error", 0))
		api_error((int)directive(c.prompt, "error", 0));
	if (directive(c.prompt, "hang", 0))
		for (;;)
			msleep(1000);
	if (directive(c.prompt, "crash", 0)) {
		stream_event("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake_1\"}}");
		stream_event("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}");
		abort();
	}
	if (sdk_server != NULL && c.last_result == NULL && !directive(c.prompt, "echo", 0)) {
		struct call calls[MAX_CALLS];
		size_t ncalls = wanted_calls(c.prompt, calls);
		char *executed = NULL;

		if (ncalls > 0) {
			if (propose_calls(c.prompt, calls, ncalls, &executed))
				return 0;
			c.last_result = executed;   /* the tool ran: the model answers */
		}
	}
	if (c.last_result != NULL && !directive(c.prompt, "echo", 0)) {
		size_t n = strlen(c.last_result) + 32;

		text = malloc(n);
		snprintf(text, n, "The result is %s.", c.last_result);
	} else if (directive(c.prompt, "echo", 0)) {
		if (c.system != NULL) {
			append(&text, &tlen, "system: ", 8);
			append(&text, &tlen, c.system, strlen(c.system));
			append(&text, &tlen, "\n", 1);
		}
		if (mcp_tools != NULL) {
			size_t k;

			append(&text, &tlen, "tools:", 6);
			for (k = 0; k < json_object_array_length(mcp_tools); k++) {
				struct json_object *nm;
				char full[256];

				if (!json_object_object_get_ex(json_object_array_get_idx(mcp_tools, k), "name", &nm))
					continue;
				snprintf(full, sizeof(full), " mcp__%s__%s%s", sdk_server, json_object_get_string(nm),
				    tool_allowed(json_object_get_string(nm)) ? "" : "(not allowed)");
				append(&text, &tlen, full, strlen(full));
			}
			append(&text, &tlen, "\n", 1);
		}
		if (c.turns != NULL)
			append(&text, &tlen, c.turns, c.turns_len);
		append(&text, &tlen, "user: ", 6);
		append(&text, &tlen, c.prompt, strlen(c.prompt));
	} else if (directive(c.prompt, "argv", 0)) {
		for (i = 1; i < argc; i++) {
			if (i > 1)
				append(&text, &tlen, " ", 1);
			append(&text, &tlen, saved_argv[i], strlen(saved_argv[i]));
		}
	} else if (directive(c.prompt, "env", 0)) {
		text = env_names();
	} else if (directive(c.prompt, "whoami", 0)) {
		char who[4096 + 128];

		snprintf(who, sizeof(who), "pid=%ld started_ms=%lld read_ms=%lld history_ms=%lld turns=%zu home=%s",
		    (long)getpid(), started_ms, read_ms, history_ms, c.n_turns,
		    getenv("HOME") ? getenv("HOME") : "");
		text = strdup(who);
	} else {
		text = strdup("Hello from fake claude.");
	}
	if (directive(c.prompt, "ignore-term", 0))
		for (;;)
			msleep(1000);
	reply(text, c.prompt);
	free(text);
	return 0;
}
