/*
 * claude.c - the Claude Code CLI adapter: one `claude -p` child per request.
 *
 * The CLI is driven the way the Claude Agent SDK drives it: JSON lines on
 * stdin (an initialize control request carrying the system prompt, then the
 * last user message), stream-json on stdout parsed by claude_stream.c. It
 * never gets a built-in tool (--tools= with --permission-mode=dontAsk and
 * --setting-sources=). A call with client tools offers them to the model
 * through an in-process "sdk" MCP server named "client": --mcp-config
 * names it, the initialize request lists it in sdkMcpServers, stdin stays
 * open, and the adapter answers the CLI's mcp_message control requests
 * (initialize, notifications, tools/list with the client's schemas) but
 * never a tools/call: once the model's message with tool_use blocks is
 * complete it sends an interrupt, and the calls go up in the reply, named
 * without the mcp__client__ prefix. docs/PROVIDERS.md, "Client tools".
 * A warm child (started before its request, docs/PROVIDERS.md, "Warm
 * children") has no --mcp-config nor --allowedTools: the initialize
 * request's sdkMcpServers alone adds the server, a set_permission_mode
 * "default" request makes the CLI ask can_use_tool for each call
 * (--permission-prompt-tool=stdio), and the interrupt withdraws the
 * question, so the upstream sees the same single request as a cold run.
 * Each run has a private work directory below the
 * state directory, removed afterwards, holding:
 *   home/  HOME: the CLI's config, and the transcript of the earlier turns
 *          (home/.claude/projects/<cwd>/<uuid>.jsonl) that --resume=<uuid>
 *          loads, so the model sees the history as real user/assistant turns
 *   tmp/   TMPDIR: the CLI's temp files and socket
 *   cwd/   the empty working directory
 * Prompts and the token never appear in argv. The environment is built from
 * scratch; see claude_build_env().
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/hub_buf.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_log.h"
#include "common/hub_text.h"
#include "common/hub_time.h"
#include "providers/child.h"
#include "providers/child_env.h"
#include "providers/cli_run.h"
#include "providers/cli_text.h"
#include "providers/claude_stream.h"
#include "providers/provider.h"
#include "providers/workdir.h"

/* The CLI's own retries of failed API calls (its default is 10). */
#define CLAUDE_MAX_RETRIES       2
/* The CLI refuses idle timeouts below this. */
#define CLAUDE_MIN_IDLE_MS       10000L
/* Time kept between the CLI giving up and the hub's deadline. */
#define CLAUDE_DEADLINE_MARGIN_MS 3000L
/* Longest project directory name the CLI uses as is (longer ones get hashed). */
#define CLAUDE_MAX_PROJECT_NAME  200
/* The sdk MCP server that carries the client's tools, and its tool prefix. */
#define CLAUDE_TOOL_SERVER       "client"
#define CLAUDE_TOOL_PREFIX       "mcp__client__"
/* The stdin user message of a request that ends with tool results. */
#define CLAUDE_TOOL_CONTINUE     "Continue with the tool results above."
/* What the adapter may queue on the CLI's stdin during a run. */
#define CLAUDE_MAX_STDIN_MORE    (16u * 1024u * 1024u)
/* Environment variables passed through from the hub's own environment. */
static const char *const claude_passthrough_env[] = {
	"ANTHROPIC_BASE_URL", "HTTPS_PROXY", "NO_PROXY", "NODE_EXTRA_CA_CERTS", NULL
};

/* Why the adapter stopped the child itself. */
enum claude_stop {
	CLAUDE_STOP_NONE,
	CLAUDE_STOP_DONE,        /* the result line arrived */
	CLAUDE_STOP_CLIENT,      /* on_delta or the engine's on_idle said stop */
	CLAUDE_STOP_RATE_LIMIT,  /* the CLI started retrying a 429 */
	CLAUDE_STOP_AUTH,        /* the CLI started retrying a 401/403 */
	CLAUDE_STOP_PLAN,        /* the plan's window is used up, or extra usage
	                          * is in use and the provider's overage is deny */
	CLAUDE_STOP_NOMEM
};

/* One run's state, shared with the callbacks. */
struct claude_run {
	const struct provider_call *call;
	struct claude_stream stream;
	enum claude_stop stop;
	long long start_ms;
	long first_token_ms;
	long timeout_s;
	int overage_allow;       /* the provider's overage = allow */
	/* what the run is started with (claude_prepare) */
	char *argv[HUB_MAX_CHILD_ARGV];
	char session_id[CLI_TEXT_UUID_SIZE];
	char model_arg[HUB_MAX_MODEL_LEN + 16];
	char resume_arg[64];
	int warm;                      /* a warm child runs it (claude_warm_prepare()) */
	/* client tools (claude_tools_on()) */
	int tools_on;
	struct hub_buf stdin_more;     /* control responses, the interrupt */
	char *allowed_arg;             /* --allowedTools=mcp__client__A,... */
	int interrupted;               /* the interrupt was queued */
	/* the client's index of each stream tool_use; -1: not a client tool */
	long call_index[HUB_MAX_REPLY_TOOL_CALLS];
	size_t n_client_calls;
};

static int claude_interrupt(struct claude_run *run);

/* --- child callbacks ---------------------------------------------------- */

static int
claude_on_text(void *arg, const char *text, size_t len)
{
	struct claude_run *run = arg;

	if (provider_stream_text(&run->call->io, run->start_ms, &run->first_token_ms, text, len) == 0)
		return 0;
	run->stop = CLAUDE_STOP_CLIENT;
	return -1;
}

/* The CLI announces a retry: 429 and auth failures end the run at once
 * instead of after minutes of retries. */
static int
claude_on_retry(void *arg, int attempt, int error_status, long retry_delay_ms)
{
	struct claude_run *run = arg;

	(void)attempt;
	(void)retry_delay_ms;
	if (error_status == 429) {
		run->stop = CLAUDE_STOP_RATE_LIMIT;
		return -1;
	}
	if (error_status == 401 || error_status == 403) {
		run->stop = CLAUDE_STOP_AUTH;
		return -1;
	}
	return 0;
}

/* The CLI reports the usage window: a rejected window, or extra usage in
 * use while the provider's overage is deny, stops the run (the whole
 * child group) at once. */
static int
claude_on_rate_limit(void *arg, const struct plan_window *w)
{
	struct claude_run *run = arg;

	if (plan_window_level(w, run->overage_allow, 0) != PLAN_LEVEL_LIMIT)
		return 0;
	run->stop = CLAUDE_STOP_PLAN;
	return -1;
}

static int
claude_on_stdout(void *arg, const char *data, size_t len)
{
	struct claude_run *run = arg;
	int rc;

	rc = claude_stream_feed(&run->stream, data, len);
	if (rc < 0) {
		/* the callbacks set run->stop; anything else is the parser's NOMEM */
		if (run->stop == CLAUDE_STOP_NONE)
			run->stop = CLAUDE_STOP_NOMEM;
		return -1;
	}
	if (run->stream.seen_result) {
		/* the turn is complete; whatever still runs is of no use */
		run->stop = CLAUDE_STOP_DONE;
		return -1;
	}
	if (run->tools_on && run->stream.tool_turn_done && !run->interrupted &&
	    claude_interrupt(run) < 0) {
		run->stop = CLAUDE_STOP_NOMEM;
		return -1;
	}
	return 0;
}

/* --- client tools -------------------------------------------------------- */

/* Whether the call offers the client's tools to the model. */
static int
claude_tools_on(const struct provider_call *call)
{
	return call->n_tools > 0 && call->tool_choice != PROVIDER_TOOL_CHOICE_NONE;
}

/* Whether tool t is offered: all of them, or the named one. */
static int
claude_tool_offered(const struct provider_call *call, const struct provider_tool *t)
{
	return call->tool_choice != PROVIDER_TOOL_CHOICE_NAMED ||
	    (call->tool_choice_name != NULL && strcmp(call->tool_choice_name, t->name) == 0);
}

/* The client's name of a CLI tool name, or NULL when it is not a client tool. */
static const char *
claude_client_name(const char *cli_name)
{
	size_t n = sizeof(CLAUDE_TOOL_PREFIX) - 1;

	return strncmp(cli_name, CLAUDE_TOOL_PREFIX, n) == 0 && cli_name[n] != '\0' ? cli_name + n : NULL;
}

/* Queue obj (taken) as one line on the CLI's stdin. */
static int
claude_send(struct claude_run *run, struct json_object *obj)
{
	int rc;

	if (obj == NULL)
		return HUB_ERR_NOMEM;
	if ((rc = hub_buf_puts(&run->stdin_more, hub_json_compact(obj))) == 0)
		rc = hub_buf_puts(&run->stdin_more, "\n");
	json_object_put(obj);
	return rc;
}

/* {"type":"control_response","response":{"subtype":...,"request_id":id,...}}
 * with body (taken) as "response" (success) or an "error" text. */
static int
claude_control_reply(struct claude_run *run, const char *request_id, struct json_object *body,
    const char *error)
{
	struct json_object *line = json_object_new_object(), *resp = json_object_new_object();

	if (line == NULL || resp == NULL) {
		json_object_put(line);
		json_object_put(resp);
		json_object_put(body);
		return HUB_ERR_NOMEM;
	}
	json_object_object_add(resp, "subtype", json_object_new_string(error ? "error" : "success"));
	json_object_object_add(resp, "request_id", json_object_new_string(request_id));
	if (error != NULL) {
		json_object_object_add(resp, "error", json_object_new_string(error));
		json_object_put(body);
	} else {
		json_object_object_add(resp, "response", body != NULL ? body : json_object_new_object());
	}
	json_object_object_add(line, "type", json_object_new_string("control_response"));
	json_object_object_add(line, "response", resp);
	return claude_send(run, line);
}

/* The tools/list result: the offered tools with the client's name,
 * description and schema. */
static struct json_object *
claude_tools_list(const struct provider_call *call)
{
	struct json_object *res = json_object_new_object(), *tools = json_object_new_array(), *t, *schema;
	char err[64];
	size_t i;

	if (res == NULL || tools == NULL) {
		json_object_put(res);
		json_object_put(tools);
		return NULL;
	}
	for (i = 0; i < call->n_tools; i++) {
		if (!claude_tool_offered(call, &call->tools[i]))
			continue;
		schema = NULL;
		if (call->tools[i].parameters == NULL ||
		    hub_json_parse(call->tools[i].parameters, strlen(call->tools[i].parameters), &schema,
		    err, sizeof(err)) < 0 || !json_object_is_type(schema, json_type_object)) {
			json_object_put(schema);
			schema = json_tokener_parse("{\"type\":\"object\",\"properties\":{}}");
		}
		t = json_object_new_object();
		json_object_object_add(t, "name", json_object_new_string(call->tools[i].name));
		if (call->tools[i].description != NULL)
			json_object_object_add(t, "description", json_object_new_string(call->tools[i].description));
		json_object_object_add(t, "inputSchema", schema);
		json_object_array_add(tools, t);
	}
	json_object_object_add(res, "tools", tools);
	return res;
}

/*
 * Answer one mcp_message for the client server: initialize, tools/list and
 * notifications; any other method with an id gets "method not found".
 * tools/call is never answered: nothing is executed, the run ends with the
 * interrupt once the model's message is complete.
 */
static int
claude_mcp_message(struct claude_run *run, const char *request_id, struct json_object *msg)
{
	const char *method = hub_json_get_string(msg, "method");
	struct json_object *id = NULL, *mcp, *result = NULL, *err, *body;
	const char *pv;

	if (method != NULL && strcmp(method, "tools/call") == 0)
		return HUB_OK;
	json_object_object_get_ex(msg, "id", &id);
	if ((mcp = json_object_new_object()) == NULL)
		return HUB_ERR_NOMEM;
	json_object_object_add(mcp, "jsonrpc", json_object_new_string("2.0"));
	if (id != NULL)
		json_object_object_add(mcp, "id", json_object_get(id));
	if (method != NULL && strcmp(method, "initialize") == 0) {
		pv = hub_json_get_string(json_object_object_get(msg, "params"), "protocolVersion");
		result = json_object_new_object();
		json_object_object_add(result, "protocolVersion", json_object_new_string(pv ? pv : "2025-06-18"));
		json_object_object_add(result, "capabilities", json_tokener_parse("{\"tools\":{}}"));
		json_object_object_add(result, "serverInfo",
		    json_tokener_parse("{\"name\":\"llm-mcp-hub-client-tools\",\"version\":\"1\"}"));
	} else if (method != NULL && strcmp(method, "tools/list") == 0) {
		result = claude_tools_list(run->call);
	} else if (id == NULL) {
		result = json_object_new_object();   /* a notification: answered all the same */
	}
	if (result != NULL) {
		json_object_object_add(mcp, "result", result);
	} else {
		err = json_object_new_object();
		json_object_object_add(err, "code", json_object_new_int(-32601));
		json_object_object_add(err, "message", json_object_new_string("Method not found"));
		json_object_object_add(mcp, "error", err);
	}
	body = json_object_new_object();
	json_object_object_add(body, "mcp_response", mcp);
	return claude_control_reply(run, request_id, body, NULL);
}

/* A control request of the CLI: the client server's mcp_message; a
 * permission question is left for the interrupt, or denied (with
 * interrupt) once the message is complete; anything else refused. */
static int
claude_on_control(void *arg, const char *request_id, struct json_object *request)
{
	struct claude_run *run = arg;
	const char *subtype = hub_json_get_string(request, "subtype");
	const char *server = hub_json_get_string(request, "server_name");
	struct json_object *msg, *body;
	int rc;

	if (!run->tools_on)
		return HUB_OK;   /* stdin is closed: nothing can be answered */
	if (subtype != NULL && strcmp(subtype, "mcp_message") == 0 && server != NULL &&
	    strcmp(server, CLAUDE_TOOL_SERVER) == 0 &&
	    (msg = json_object_object_get(request, "message")) != NULL &&
	    json_object_is_type(msg, json_type_object))
		rc = claude_mcp_message(run, request_id, msg);
	else if (subtype != NULL && strcmp(subtype, "can_use_tool") == 0) {
		/* asked while the message still streams (a warm child asks for
		 * every call): unanswered, so later calls still come; the
		 * interrupt at its end withdraws the question */
		if (!run->stream.tool_turn_done)
			return HUB_OK;
		body = json_object_new_object();
		json_object_object_add(body, "behavior", json_object_new_string("deny"));
		json_object_object_add(body, "message", json_object_new_string("the client runs its tools itself"));
		json_object_object_add(body, "interrupt", json_object_new_boolean(1));
		rc = claude_control_reply(run, request_id, body, NULL);
	} else {
		rc = claude_control_reply(run, request_id, NULL, "not supported by this host");
	}
	if (rc < 0)
		run->stop = CLAUDE_STOP_NOMEM;
	return rc;
}

/* A tool_use block begins: hand a client call up (index, id, name). */
static int
claude_on_tool_start(void *arg, size_t index, const char *id, const char *name)
{
	struct claude_run *run = arg;
	const char *client = claude_client_name(name);

	if (index >= HUB_MAX_REPLY_TOOL_CALLS)
		return 0;
	run->call_index[index] = -1;
	if (client == NULL || (!run->call->parallel_tool_calls && run->n_client_calls > 0))
		return 0;   /* not the client's, or past the one call allowed */
	run->call_index[index] = (long)run->n_client_calls++;
	if (provider_stream_tool_delta(&run->call->io, (size_t)run->call_index[index], id, client, "", 0) == 0)
		return 0;
	run->stop = CLAUDE_STOP_CLIENT;
	return -1;
}

/* A fragment of a call's arguments. */
static int
claude_on_tool_args(void *arg, size_t index, const char *json, size_t len)
{
	struct claude_run *run = arg;

	if (index >= HUB_MAX_REPLY_TOOL_CALLS || run->call_index[index] < 0)
		return 0;
	if (provider_stream_tool_delta(&run->call->io, (size_t)run->call_index[index], NULL, NULL,
	    json, len) == 0)
		return 0;
	run->stop = CLAUDE_STOP_CLIENT;
	return -1;
}

/* {"type":"control_request","request_id":id,"request":{"subtype":subtype}}
 * with the members of req (taken; may be NULL) in its request; NULL when
 * out of memory. */
static struct json_object *
claude_control_request(const char *request_id, const char *subtype, struct json_object *req)
{
	struct json_object *line = json_object_new_object();

	if (req == NULL)
		req = json_object_new_object();
	if (line == NULL || req == NULL) {
		json_object_put(line);
		json_object_put(req);
		return NULL;
	}
	json_object_object_add(req, "subtype", json_object_new_string(subtype));
	json_object_object_add(line, "type", json_object_new_string("control_request"));
	json_object_object_add(line, "request_id", json_object_new_string(request_id));
	json_object_object_add(line, "request", req);
	return line;
}

/* The model's message with tool_use blocks is complete: end the turn
 * before anything runs (the CLI answers with a result line). */
static int
claude_interrupt(struct claude_run *run)
{
	run->interrupted = 1;
	return claude_send(run, claude_control_request("hub_interrupt_1", "interrupt", NULL));
}

/* The calls handed up: the client's, in order, at most one without
 * parallel_tool_calls. Returns 0 or HUB_ERR_NOMEM. */
static int
claude_reply_calls(struct claude_run *run, struct provider_reply *reply)
{
	const struct claude_stream *s = &run->stream;
	struct provider_tool_call *calls;
	size_t i, n = 0;

	if (run->n_client_calls == 0)
		return HUB_OK;
	if ((calls = calloc(run->n_client_calls, sizeof(*calls))) == NULL)
		return HUB_ERR_NOMEM;
	for (i = 0; i < s->n_tool_uses && n < run->n_client_calls; i++) {
		if (run->call_index[i] < 0)
			continue;
		calls[n].id = strdup(s->tool_uses[i].id);
		calls[n].name = strdup(claude_client_name(s->tool_uses[i].name));
		calls[n].arguments = strdup(s->tool_uses[i].input != NULL ? s->tool_uses[i].input : "{}");
		n++;
		if (calls[n - 1].id == NULL || calls[n - 1].name == NULL || calls[n - 1].arguments == NULL) {
			provider_tool_calls_free(calls, n);
			return HUB_ERR_NOMEM;
		}
	}
	reply->tool_calls = calls;
	reply->n_tool_calls = n;
	return HUB_OK;
}

/* --- request preparation ------------------------------------------------ */

/* A {"type":"text","text":text} block. */
static struct json_object *
claude_text_block(const char *text)
{
	struct json_object *block = json_object_new_object();

	if (block == NULL)
		return NULL;
	json_object_object_add(block, "type", json_object_new_string("text"));
	json_object_object_add(block, "text", json_object_new_string(text));
	return block;
}

/* An image block with a base64 source, as the Messages API takes it. */
static struct json_object *
claude_image_block(const struct provider_image *img)
{
	struct json_object *block = json_object_new_object(), *src = json_object_new_object();

	if (block == NULL || src == NULL) {
		json_object_put(block);
		json_object_put(src);
		return NULL;
	}
	json_object_object_add(src, "type", json_object_new_string("base64"));
	json_object_object_add(src, "media_type", json_object_new_string(img->media_type));
	json_object_object_add(src, "data", json_object_new_string(img->base64));
	json_object_object_add(block, "type", json_object_new_string("image"));
	json_object_object_add(block, "source", src);
	return block;
}

/* A tool_use block for a call of the history, named as the CLI records
 * it (with the client server's prefix); unparsable arguments become {}. */
static struct json_object *
claude_tool_use_block(const struct provider_tool_call *tc)
{
	struct json_object *block = json_object_new_object(), *input = NULL;
	char name[128], err[64];

	if (block == NULL)
		return NULL;
	if (tc->arguments == NULL ||
	    hub_json_parse(tc->arguments, strlen(tc->arguments), &input, err, sizeof(err)) < 0 ||
	    !json_object_is_type(input, json_type_object)) {
		json_object_put(input);
		input = json_object_new_object();
	}
	snprintf(name, sizeof(name), "%s%s", CLAUDE_TOOL_PREFIX, tc->name != NULL ? tc->name : "");
	json_object_object_add(block, "type", json_object_new_string("tool_use"));
	json_object_object_add(block, "id", json_object_new_string(tc->id != NULL ? tc->id : ""));
	json_object_object_add(block, "name", json_object_new_string(name));
	json_object_object_add(block, "input", input);
	return block;
}

/* A tool_result block answering a "tool" message's call. */
static struct json_object *
claude_tool_result_block(const struct provider_msg *m)
{
	struct json_object *block = json_object_new_object(), *content = json_object_new_array();

	if (block == NULL || content == NULL) {
		json_object_put(block);
		json_object_put(content);
		return NULL;
	}
	json_object_array_add(content, claude_text_block(m->content[0] ? m->content : "(empty)"));
	json_object_object_add(block, "type", json_object_new_string("tool_result"));
	json_object_object_add(block, "tool_use_id",
	    json_object_new_string(m->tool_call_id != NULL ? m->tool_call_id : ""));
	json_object_object_add(block, "content", content);
	return block;
}

/*
 * {"role":...,"content":...} of messages[first..last] as one turn: a user
 * message as a string, or as text and image blocks when it has images;
 * an assistant message as text blocks and tool_use blocks; a run of
 * "tool" messages as one user turn of tool_result blocks. text (may be
 * NULL) replaces a user message's text (the '/' rule).
 */
static struct json_object *
claude_message_json(const struct provider_msg *msgs, size_t first, size_t last, const char *text)
{
	const struct provider_msg *m = &msgs[first];
	struct json_object *obj = json_object_new_object(), *blocks;
	size_t i;

	if (obj == NULL)
		return NULL;
	if (text == NULL)
		text = m->content;
	if (strcmp(m->role, "user") == 0 && m->n_images == 0) {
		json_object_object_add(obj, "role", json_object_new_string("user"));
		json_object_object_add(obj, "content", json_object_new_string(text));
		return obj;
	}
	blocks = json_object_new_array();
	json_object_object_add(obj, "role",
	    json_object_new_string(strcmp(m->role, "assistant") == 0 ? "assistant" : "user"));
	if (strcmp(m->role, "tool") == 0) {
		for (i = first; i <= last; i++)
			json_object_array_add(blocks, claude_tool_result_block(&msgs[i]));
	} else {
		/* an empty text block is refused by the API */
		if (text[0] != '\0' || (m->n_tool_calls == 0 && m->n_images == 0))
			json_object_array_add(blocks, claude_text_block(text));
		for (i = 0; i < m->n_images; i++)
			json_object_array_add(blocks, claude_image_block(&m->images[i]));
		for (i = 0; i < m->n_tool_calls; i++)
			json_object_array_add(blocks, claude_tool_use_block(&m->tool_calls[i]));
	}
	json_object_object_add(obj, "content", blocks);
	return obj;
}

/* The end of the run of messages that make one turn from first in
 * msgs[0..n): the last of consecutive "tool" messages, else first. */
static size_t
claude_turn_end(const struct provider_msg *msgs, size_t n, size_t first)
{
	size_t i = first;

	if (strcmp(msgs[first].role, "tool") != 0)
		return first;
	while (i + 1 < n && strcmp(msgs[i + 1].role, "tool") == 0)
		i++;
	return i;
}

/* Whether the conversation ends with tool results (then all of it is
 * history and the stdin message only asks the model to go on). */
static int
claude_ends_with_tools(const struct provider_call *call)
{
	return strcmp(call->messages[call->n_messages - 1].role, "tool") == 0;
}

/* What the system prompt adds for the call's tool settings; "" when none. */
static const char *
claude_tool_instructions(const struct provider_call *call, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!claude_tools_on(call))
		return buf;
	if (call->tool_choice == PROVIDER_TOOL_CHOICE_NAMED && call->tool_choice_name != NULL)
		snprintf(buf, len, "You must call the tool %s%s before you answer.", CLAUDE_TOOL_PREFIX,
		    call->tool_choice_name);
	else if (call->tool_choice == PROVIDER_TOOL_CHOICE_REQUIRED)
		snprintf(buf, len, "You must call at least one of your tools before you answer.");
	if (!call->parallel_tool_calls)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sCall at most one tool per reply.",
		    buf[0] ? " " : "");
	return buf;
}

/*
 * stdin for the CLI: the initialize control request carrying the system
 * prompt (the conversation's system messages, joined), then the last user
 * message, appended to b. A warm child with client tools gets a
 * set_permission_mode "default" request between them, so that it asks
 * can_use_tool (--permission-prompt-tool=stdio) for the calls its argv
 * does not allow. Returns 0 or a hub_err.
 */
static int
claude_build_stdin(const struct provider_call *call, int warm, struct hub_buf *b)
{
	struct hub_buf sys, user;
	struct json_object *line, *req, *prompts, *servers, *mode;
	const struct provider_msg *last = &call->messages[call->n_messages - 1];
	static const struct provider_msg go_on = { .role = "user", .content = CLAUDE_TOOL_CONTINUE };
	char extra[256];
	size_t i;
	int rc;

	hub_buf_init(&sys, 0);
	hub_buf_init(&user, 0);
	for (i = 0; i < call->n_messages; i++) {
		if (strcmp(call->messages[i].role, "system") != 0)
			continue;
		if ((sys.len > 0 && (rc = hub_buf_puts(&sys, "\n\n")) < 0) ||
		    (rc = hub_buf_puts(&sys, call->messages[i].content)) < 0)
			goto out;
	}
	if (claude_tool_instructions(call, extra, sizeof(extra))[0] != '\0' &&
	    ((sys.len > 0 && (rc = hub_buf_puts(&sys, "\n\n")) < 0) || (rc = hub_buf_puts(&sys, extra)) < 0))
		goto out;
	req = json_object_new_object();
	prompts = json_object_new_array();
	if (req == NULL || prompts == NULL) {
		json_object_put(req);
		json_object_put(prompts);
		rc = HUB_ERR_NOMEM;
		goto out;
	}
	if (sys.len > 0)
		json_object_array_add(prompts, json_object_new_string_len(sys.data, (int)sys.len));
	json_object_object_add(req, "systemPrompt", prompts);
	if (claude_tools_on(call) && (servers = json_object_new_array()) != NULL) {
		json_object_array_add(servers, json_object_new_string(CLAUDE_TOOL_SERVER));
		json_object_object_add(req, "sdkMcpServers", servers);
	}
	if ((rc = cli_text_put_line(b, claude_control_request("hub_init_1", "initialize", req))) < 0)
		goto out;
	if (warm && claude_tools_on(call)) {
		if ((mode = json_object_new_object()) != NULL)
			json_object_object_add(mode, "mode", json_object_new_string("default"));
		if ((rc = cli_text_put_line(b, claude_control_request("hub_mode_1", "set_permission_mode",
		    mode))) < 0)
			goto out;
	}

	/* after tool results the whole conversation is history: the model is
	 * asked to go on (docs/API.md, "Tool calling", Claude) */
	if (claude_ends_with_tools(call))
		last = &go_on;
	/* a leading '/' would make the CLI run a built-in command; one space
	 * in front makes it plain text (docs/SECURITY.md, "Prompts are data") */
	if (last->content[0] == '/' &&
	    ((rc = hub_buf_puts(&user, " ")) < 0 || (rc = hub_buf_puts(&user, last->content)) < 0))
		goto out;
	line = json_object_new_object();
	if (line != NULL) {
		json_object_object_add(line, "type", json_object_new_string("user"));
		json_object_object_add(line, "message",
		    claude_message_json(last, 0, 0, user.len > 0 ? user.data : last->content));
	}
	if ((rc = cli_text_put_line(b, line)) < 0)
		goto out;
out:
	hub_buf_free(&sys);
	hub_buf_free(&user);
	return rc;
}

/*
 * The turns of msgs[0..n) as a transcript holds them: a JSON array of
 * {"role","content"} messages (claude_message_json()), the system
 * messages left out (they go in the initialize request). NULL: no memory.
 */
static struct json_object *
claude_history_turns(const struct provider_msg *msgs, size_t n)
{
	struct json_object *turns, *m;
	size_t i, end;

	if ((turns = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i = end + 1) {
		end = claude_turn_end(msgs, n, i);
		if (strcmp(msgs[i].role, "user") != 0 && strcmp(msgs[i].role, "assistant") != 0 &&
		    strcmp(msgs[i].role, "tool") != 0)
			continue;
		if ((m = claude_message_json(msgs, i, end, NULL)) == NULL ||
		    json_object_array_add(turns, m) != 0) {
			json_object_put(m);
			json_object_put(turns);
			return NULL;
		}
	}
	return turns;
}

/*
 * Write turns (claude_history_turns()) as a session transcript the CLI can
 * --resume. cwd must be the real path of the child's working directory.
 * Sets *have_history to 0 when there is nothing to resume. Returns 0 or a
 * hub_err.
 */
static int
claude_write_turns(struct json_object *turns, const char *home, const char *cwd,
    const char *session_id, int *have_history)
{
	char path[PATH_MAX], project[PATH_MAX], uuid[CLI_TEXT_UUID_SIZE], parent[CLI_TEXT_UUID_SIZE] = "",
	    ts[40];
	struct json_object *line, *m, *role;
	struct hub_buf b;
	size_t i, n;
	int rc = HUB_OK;

	*have_history = 0;
	hub_buf_init(&b, 0);
	/* the CLI's project directory: the cwd with every non-alphanumeric as '-' */
	n = strlen(cwd);
	if (n >= sizeof(project) || n > CLAUDE_MAX_PROJECT_NAME)
		return HUB_ERR_TOO_LARGE;
	for (i = 0; i <= n; i++) {
		char c = cwd[i];

		project[i] = c == '\0' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ? c : '-';
	}
	hub_time_iso8601(hub_time_wall_ms(), ts, sizeof(ts));
	n = json_object_array_length(turns);
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(turns, i);
		if (!json_object_is_type(m, json_type_object) || !json_object_object_get_ex(m, "role", &role) ||
		    !json_object_is_type(role, json_type_string)) {
			rc = HUB_ERR_INVALID;
			goto out;
		}
		if ((rc = cli_text_uuid(uuid)) < 0)
			goto out;
		if ((line = json_object_new_object()) == NULL) {
			rc = HUB_ERR_NOMEM;
			goto out;
		}
		json_object_object_add(line, "type", json_object_new_string(json_object_get_string(role)));
		json_object_object_add(line, "uuid", json_object_new_string(uuid));
		json_object_object_add(line, "parentUuid", parent[0] ? json_object_new_string(parent) : NULL);
		json_object_object_add(line, "sessionId", json_object_new_string(session_id));
		json_object_object_add(line, "timestamp", json_object_new_string(ts));
		json_object_object_add(line, "cwd", json_object_new_string(cwd));
		json_object_object_add(line, "isSidechain", json_object_new_boolean(0));
		json_object_object_add(line, "userType", json_object_new_string("external"));
		json_object_object_add(line, "message", json_object_get(m));
		if ((rc = cli_text_put_line(&b, line)) < 0)
			goto out;
		memcpy(parent, uuid, sizeof(parent));
	}
	if (b.len == 0)
		goto out;
	if (snprintf(path, sizeof(path), "%s/.claude/projects/%s/%s.jsonl", home, project,
	    session_id) >= (int)sizeof(path) || workdir_mkdir_parents(path) != 0) {
		rc = HUB_ERR_SYSTEM;
		goto out;
	}
	if ((rc = workdir_write_file(path, b.data, b.len, 0600)) == 0)
		*have_history = 1;
out:
	hub_buf_free(&b);
	return rc;
}

/* The earlier turns of the call (every message but the last user one; all
 * of them after tool results): claude_write_turns(). */
static int
claude_write_transcript(const struct provider_call *call, const char *home,
    const char *cwd, const char *session_id, int *have_history)
{
	struct json_object *turns;
	int rc;

	*have_history = 0;
	turns = claude_history_turns(call->messages,
	    claude_ends_with_tools(call) ? call->n_messages : call->n_messages - 1);
	if (turns == NULL)
		return HUB_ERR_NOMEM;
	rc = claude_write_turns(turns, home, cwd, session_id, have_history);
	json_object_put(turns);
	return rc;
}

/*
 * The child's whole environment, from scratch: private HOME and TMPDIR, the
 * OAuth token, no non-essential traffic, the CLI's retries and timeouts
 * bounded so that it gives up before the hub's deadline, and only the
 * gateway/proxy variables from the hub's own environment. Never
 * ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN.
 */
static int
claude_build_env(struct child_env *env, const char *home, const char *tmp, long timeout_ms)
{
	char num[32];
	long attempt_ms;
	int rc;

	/* each attempt gets an equal share of the deadline, minus the backoffs */
	attempt_ms = (timeout_ms - CLAUDE_DEADLINE_MARGIN_MS - 1500) / (CLAUDE_MAX_RETRIES + 1);
	if (attempt_ms < CLAUDE_MIN_IDLE_MS)
		attempt_ms = CLAUDE_MIN_IDLE_MS;
	if ((rc = child_env_add(env, "HOME", home)) < 0 ||
	    (rc = child_env_add(env, "TMPDIR", tmp)) < 0 ||
	    (rc = child_env_add(env, "PATH", "/usr/local/bin:/usr/bin:/bin")) < 0 ||
	    (rc = child_env_add(env, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")) < 0 ||
	    /* @path, @dir/, @"path" and @~/... stay text: nothing is read or listed */
	    (rc = child_env_add(env, "CLAUDE_CODE_DISABLE_FILE_MENTIONS", "1")) < 0)
		return rc;
	snprintf(num, sizeof(num), "%d", CLAUDE_MAX_RETRIES);
	if ((rc = child_env_add(env, "CLAUDE_CODE_MAX_RETRIES", num)) < 0)
		return rc;
	snprintf(num, sizeof(num), "%ld", attempt_ms);
	if ((rc = child_env_add(env, "API_TIMEOUT_MS", num)) < 0 ||
	    (rc = child_env_add(env, "CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS", num)) < 0)
		return rc;
	if (hub_cfg->claude_oauth_token != NULL &&
	    (rc = child_env_add(env, "CLAUDE_CODE_OAUTH_TOKEN", hub_cfg->claude_oauth_token)) < 0)
		return rc;
	return child_env_pass(env, claude_passthrough_env);
}

/* --- outcome ------------------------------------------------------------ */

/*
 * Set the reply's error with the CLI's message made safe: the first line
 * only, control characters dropped, the token and any start of a prompt
 * redacted, capped to the reply's message size.
 */
static void
claude_fail(struct provider_reply *reply, const struct provider_call *call, int err,
    const char *what, const char *cli_msg)
{
	cli_text_fail(reply, call, err, what, cli_msg, NULL, hub_cfg->claude_oauth_token);
}

/* Map an API failure reported by the CLI (status and kind) to a hub error. */
static int
claude_api_error_code(int status, const char *kind, const char *text)
{
	if (status == 401 || status == 403 || (kind != NULL && strcmp(kind, "authentication_failed") == 0) ||
	    (text != NULL && (strstr(text, "Not logged in") != NULL ||
	        strstr(text, "Failed to authenticate") != NULL ||
	        strstr(text, "Invalid API key") != NULL)))
		return HUB_ERR_PROVIDER_AUTH;
	if (status == 429 || (kind != NULL && strcmp(kind, "rate_limit") == 0))
		return HUB_ERR_RATE_LIMIT;
	if (status == 529 || (text != NULL && strstr(text, "Overloaded") != NULL))
		return HUB_ERR_OVERLOADED;
	if (status == 404)
		return HUB_ERR_MODEL_NOT_FOUND;
	return HUB_ERR_UPSTREAM;
}

/* Seconds a client should wait after a 429, from what the CLI said; 0 unknown. */
static long
claude_retry_after(const struct claude_stream *s)
{
	long long now_s = hub_time_wall_ms() / 1000;

	if (s->rate_limit_resets_at > now_s)
		return (long)(s->rate_limit_resets_at - now_s);
	if (s->retry_delay_ms > 0)
		return (s->retry_delay_ms + 999) / 1000;
	return 0;
}

/* The plan's window stopped the run: 429 plan_limit_reached, Retry-After
 * up to the window's reset. */
static void
claude_plan_fail(const struct claude_run *run, struct provider_reply *reply)
{
	const struct plan_window *w = &run->stream.rate_limit;

	if (w->using_overage)
		provider_reply_error(reply, HUB_ERR_PLAN_LIMIT,
		    "the Claude plan's %s window is used up and this run drew on extra usage, which "
		    "overage = deny forbids; the run was stopped",
		    w->type[0] ? w->type : "usage");
	else
		provider_reply_error(reply, HUB_ERR_PLAN_LIMIT, "the Claude plan's %s window is used up",
		    w->type[0] ? w->type : "usage");
	reply->retry_after_s = claude_retry_after(&run->stream);
}

/* Turn how the run ended into the reply. Returns reply->err. */
static int
claude_outcome(struct claude_run *run, const struct child_result *res,
    const struct provider_call *call, struct provider_reply *reply)
{
	struct claude_stream *s = &run->stream;
	const char *text;
	int code;

	if (run->stop == CLAUDE_STOP_NOMEM) {
		provider_reply_error(reply, HUB_ERR_NOMEM, "out of memory while reading the reply");
	} else if (run->stop == CLAUDE_STOP_CLIENT || res->watch_fired) {
		provider_reply_error(reply, HUB_ERR_CLIENT_GONE, "the client went away");
	} else if (run->stop == CLAUDE_STOP_RATE_LIMIT) {
		claude_fail(reply, call, HUB_ERR_RATE_LIMIT, "Claude API rate limit (HTTP 429)", NULL);
		reply->retry_after_s = claude_retry_after(s);
	} else if (run->stop == CLAUDE_STOP_PLAN || (s->rate_limit_rejected && s->rate_limit.type[0] != '\0' &&
	    !(s->seen_result && !s->result_is_error))) {
		claude_plan_fail(run, reply);
	} else if (run->stop == CLAUDE_STOP_AUTH) {
		provider_reply_error(reply, HUB_ERR_PROVIDER_AUTH,
		    "Claude rejected the OAuth token (HTTP %d)", s->retry_status);
	} else if (s->seen_result && (!s->result_is_error || (run->interrupted && run->n_client_calls > 0))) {
		/* after the adapter's interrupt the CLI reports the turn as
		 * aborted (is_error, "aborted_tools"): the calls are the reply */
		if (s->text_truncated)
			provider_reply_error(reply, HUB_ERR_OUTPUT_CAP, "the reply exceeded the output cap");
	} else if (res->memory_exceeded) {
		provider_reply_error(reply, HUB_ERR_UPSTREAM,
		    "claude used more memory than HUB_CHILD_MAX_RSS_MB allows and was stopped");
	} else if (res->timed_out) {
		provider_reply_error(reply, HUB_ERR_TIMEOUT, "claude did not finish within %ld s",
		    run->timeout_s);
	} else if (res->output_capped) {
		provider_reply_error(reply, HUB_ERR_OUTPUT_CAP, "claude printed more than the output cap");
	} else if (s->seen_api_error || (s->seen_result && s->result_is_error)) {
		text = s->api_error_text != NULL ? s->api_error_text : s->result_text;
		code = claude_api_error_code(s->api_error_status, s->seen_api_error ? s->api_error_kind : NULL, text);
		claude_fail(reply, call, code, "claude", text != NULL ? text : "API error");
		if (code == HUB_ERR_RATE_LIMIT)
			reply->retry_after_s = claude_retry_after(s);
	} else if (res->exited && res->exit_code != 0 && res->stderr_text != NULL && res->stderr_text[0]) {
		claude_fail(reply, call, HUB_ERR_UPSTREAM, "claude failed", res->stderr_text);
	} else if (!res->exited) {
		provider_reply_error(reply, HUB_ERR_UPSTREAM, "claude was killed by signal %d without a result",
		    res->term_signal);
	} else {
		provider_reply_error(reply, HUB_ERR_UPSTREAM,
		    "claude ended (exit %d) without a result (%zu unparsable lines)",
		    res->exit_code, s->garbage_lines + s->overlong_lines);
	}
	return reply->err;
}

/* --- the adapter's hooks (providers/cli_run.h) ------------------------- */

static int
claude_check(void *arg, const char *model, struct provider_reply *reply)
{
	(void)arg;
	(void)model;
	if (hub_cfg->claude_oauth_token == NULL || hub_cfg->claude_oauth_token[0] == '\0')
		provider_reply_error(reply, HUB_ERR_PROVIDER_AUTH, "CLAUDE_CODE_OAUTH_TOKEN is not set");
	return reply->err;
}

/* argv: flags only, never a prompt. */
static void
claude_build_argv(struct claude_run *run, const char *model, int have_history)
{
	size_t argc = 0;

	run->argv[argc++] = "claude";
	run->argv[argc++] = "-p";
	run->argv[argc++] = "--input-format=stream-json";
	run->argv[argc++] = "--output-format=stream-json";
	run->argv[argc++] = "--verbose";
	run->argv[argc++] = "--tools=";
	run->argv[argc++] = "--setting-sources=";
	run->argv[argc++] = "--permission-mode=dontAsk";
	run->argv[argc++] = "--disable-slash-commands";   /* no skills, no custom commands */
	run->argv[argc++] = "--include-partial-messages";
	if (have_history) {
		snprintf(run->resume_arg, sizeof(run->resume_arg), "--resume=%s", run->session_id);
		run->argv[argc++] = run->resume_arg;
	} else {
		run->argv[argc++] = "--no-session-persistence";
	}
	if (run->warm) {
		/* the same for every request: the client's tools, if any, come
		 * with the initialize request (sdkMcpServers), and their calls
		 * are asked for on stdin (can_use_tool) */
		run->argv[argc++] = "--permission-prompt-tool=stdio";
		run->argv[argc++] = "--strict-mcp-config";
	}
	if (model != NULL && model[0] != '\0') {
		snprintf(run->model_arg, sizeof(run->model_arg), "--model=%s", model);
		run->argv[argc++] = run->model_arg;
	}
	if (run->tools_on) {
		/* names only (checked [A-Za-z0-9_-]); schemas go on stdin */
		run->argv[argc++] = "--mcp-config={\"mcpServers\":{\"" CLAUDE_TOOL_SERVER "\":"
		    "{\"type\":\"sdk\",\"name\":\"" CLAUDE_TOOL_SERVER "\"}}}";
		run->argv[argc++] = "--strict-mcp-config";
		run->argv[argc++] = run->allowed_arg;
	}
	run->argv[argc] = NULL;
}

/* --allowedTools=mcp__client__A,mcp__client__B for the offered tools.
 * 0 or HUB_ERR_NOMEM. */
static int
claude_build_allowed(struct claude_run *run)
{
	const struct provider_call *call = run->call;
	struct hub_buf b;
	size_t i, n = 0;
	int rc = HUB_OK;

	hub_buf_init(&b, 0);
	rc = hub_buf_puts(&b, "--allowedTools=");
	for (i = 0; rc == HUB_OK && i < call->n_tools; i++) {
		if (!claude_tool_offered(call, &call->tools[i]))
			continue;
		rc = hub_buf_printf(&b, "%s%s%s", n++ > 0 ? "," : "", CLAUDE_TOOL_PREFIX, call->tools[i].name);
	}
	if (rc == HUB_OK && (run->allowed_arg = hub_buf_steal(&b)) == NULL)
		rc = HUB_ERR_NOMEM;
	hub_buf_free(&b);
	return rc;
}

static int
claude_prepare(void *arg, const struct cli_run_dirs *dirs, const char *model,
    struct cli_run_input *in, struct provider_reply *reply)
{
	struct claude_run *run = arg;
	int rc, have_history = 0;

	run->warm = in->warm;
	in->stdin_more = run->tools_on ? &run->stdin_more : NULL;
	if (run->warm)   /* argv and environment are claude_warm_prepare()'s */
		return claude_build_stdin(run->call, 1, &in->stdin_data);
	if ((rc = cli_text_uuid(run->session_id)) < 0 ||
	    (rc = claude_write_transcript(run->call, dirs->home, dirs->cwd, run->session_id,
	    &have_history)) < 0 ||
	    (rc = claude_build_stdin(run->call, 0, &in->stdin_data)) < 0 ||
	    (rc = claude_build_env(&in->env, dirs->home, dirs->tmp, run->timeout_s * 1000L)) < 0 ||
	    (run->tools_on && (rc = claude_build_allowed(run)) < 0))
		return rc;
	claude_build_argv(run, model, have_history);
	in->argv = run->argv;
	return HUB_OK;
}

static void
claude_finish(void *arg, const struct child_result *res, int client_gone, const char *model,
    struct provider_reply *reply)
{
	struct claude_run *run = arg;

	if (client_gone)
		run->stop = CLAUDE_STOP_CLIENT;
	if (run->stop == CLAUDE_STOP_NONE && claude_stream_finish(&run->stream) == HUB_ERR_NOMEM)
		run->stop = CLAUDE_STOP_NOMEM;
	if (claude_outcome(run, res, run->call, reply) == 0) {
		reply->text = hub_buf_steal(&run->stream.text);
		if (reply->text == NULL || claude_reply_calls(run, reply) < 0)
			provider_reply_error(reply, HUB_ERR_NOMEM, "out of memory");
	}
	reply->usage.prompt_tokens = run->stream.input_tokens;
	reply->usage.completion_tokens = run->stream.output_tokens;
	reply->usage.cost_usd = run->stream.cost_usd;
	reply->finish_reason = run->stream.stop_reason != NULL &&
	    strcmp(run->stream.stop_reason, "max_tokens") == 0 ? "length" : "stop";
	if (reply->n_tool_calls > 0)
		reply->finish_reason = "tool_calls";
	reply->first_token_ms = run->first_token_ms;
	reply->plan = run->stream.rate_limit;
	if (run->stream.model != NULL)
		reply->model = strdup(run->stream.model);
	else if (model != NULL)
		reply->model = strdup(model);
}

/* Whether a child started ahead can serve the call: a first turn (no
 * history to --resume, read at start-up), with or without client tools. */
static int
claude_warm_ok(void *arg)
{
	const struct claude_run *run = arg;
	const struct provider_call *call = run->call;
	size_t i;

	if (claude_ends_with_tools(call))
		return 0;
	for (i = 0; i + 1 < call->n_messages; i++)
		if (strcmp(call->messages[i].role, "system") != 0)
			return 0;
	return 1;
}

/* A warm child's argv and environment: those of every first turn
 * without tools (claude_prepare()) and the two flags that let it take
 * client tools on stdin (claude_build_argv()), nothing of a request. A
 * child primed for a next turn also gets its history (seed, a
 * claude_history_turns() array) as a transcript to --resume, which the
 * CLI reads at start-up. */
static int
claude_warm_prepare(const struct cli_run_dirs *dirs, const char *model, long timeout_s,
    const char *seed, size_t seed_len, struct cli_run_input *in, void **scratch)
{
	struct claude_run *run;
	struct json_object *turns = NULL;
	struct json_tokener *tok;
	int rc, have_history = 0;

	if ((run = calloc(1, sizeof(*run))) == NULL)
		return HUB_ERR_NOMEM;
	*scratch = run;
	run->timeout_s = timeout_s;
	run->warm = 1;
	if ((rc = claude_build_env(&in->env, dirs->home, dirs->tmp, timeout_s * 1000L)) < 0)
		return rc;
	if (seed != NULL) {
		if ((tok = json_tokener_new()) == NULL)
			return HUB_ERR_NOMEM;
		turns = json_tokener_parse_ex(tok, seed, (int)seed_len);
		json_tokener_free(tok);
		if (!json_object_is_type(turns, json_type_array))
			rc = HUB_ERR_INVALID;
		else if ((rc = cli_text_uuid(run->session_id)) == 0)
			rc = claude_write_turns(turns, dirs->home, dirs->cwd, run->session_id, &have_history);
		json_object_put(turns);
		if (rc == 0 && !have_history)
			rc = HUB_ERR_INVALID;
		if (rc < 0)
			return rc;
	}
	claude_build_argv(run, model, have_history);
	in->argv = run->argv;
	return HUB_OK;
}

/*
 * The history a primed child holds (cli_run_adapter.history_seed): the
 * call's earlier turns (reply NULL), or the call's whole conversation and
 * its reply (the next turn's), as one claude_history_turns() array. None
 * for a turn of tool results, nor after a reply of tool calls: the
 * results are not known ahead.
 */
static int
claude_history_seed(void *arg, const struct provider_reply *reply, struct hub_buf *seed)
{
	const struct claude_run *run = arg;
	const struct provider_call *call = run->call;
	struct provider_msg *msgs = NULL;
	struct json_object *turns;
	const char *text;
	size_t n = call->n_messages;
	int rc;

	if (reply == NULL) {
		if (claude_ends_with_tools(call))
			return 0;
		turns = claude_history_turns(call->messages, n - 1);
	} else {
		if (reply->n_tool_calls > 0 || reply->text == NULL)
			return 0;
		if ((msgs = calloc(n + 1, sizeof(*msgs))) == NULL)
			return HUB_ERR_NOMEM;
		memcpy(msgs, call->messages, n * sizeof(*msgs));
		msgs[n].role = "assistant";
		msgs[n].content = reply->text;
		turns = claude_history_turns(msgs, n + 1);
		free(msgs);
	}
	if (turns == NULL)
		return HUB_ERR_NOMEM;
	rc = 0;
	if (json_object_array_length(turns) > 0) {
		text = json_object_to_json_string_ext(turns, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		rc = text == NULL ? HUB_ERR_NOMEM : hub_buf_puts(seed, text);
		if (rc == 0)
			rc = 1;
	}
	json_object_put(turns);
	return rc;
}

/* The fingerprint of CLAUDE_CODE_OAUTH_TOKEN ("" without one). */
static void
claude_login(char *fp, size_t len)
{
	const char *tok = hub_cfg->claude_oauth_token;

	if (tok != NULL && tok[0] != '\0')
		provider_fingerprint(tok, fp, len);
	else if (len > 0)
		fp[0] = '\0';
}

static const struct cli_run_adapter claude_adapter = {
	.cli_name = "claude",
	.log_tag = "claude",
	.cli_default = "claude",
	.workdir_prefix = "claude-",
	.model_err = HUB_ERR_INVALID,
	.check = claude_check,
	.prepare = claude_prepare,
	.on_stdout = claude_on_stdout,
	.finish = claude_finish,
	.detach_on_stop = 1,
	.warm_ok = claude_warm_ok,
	.warm_prepare = claude_warm_prepare,
	.login = claude_login,
	.history_seed = claude_history_seed,
};

static int
claude_chat(const struct provider *p, const struct provider_call *call,
    struct provider_reply *reply)
{
	struct claude_run run;

	memset(&run, 0, sizeof(run));
	run.call = call;
	run.first_token_ms = -1;
	run.start_ms = hub_time_mono_ms();
	run.timeout_s = p->timeout_s;
	run.overage_allow = p->overage_allow;
	claude_stream_init(&run.stream, hub_cfg->max_output_bytes > 0 ? (size_t)hub_cfg->max_output_bytes : 0);
	run.stream.on_text = claude_on_text;
	run.stream.on_retry = claude_on_retry;
	run.stream.on_rate_limit = claude_on_rate_limit;
	run.stream.arg = &run;
	run.tools_on = claude_tools_on(call);
	hub_buf_init(&run.stdin_more, CLAUDE_MAX_STDIN_MORE);
	if (run.tools_on) {
		run.stream.on_control = claude_on_control;
		run.stream.on_tool_start = claude_on_tool_start;
		run.stream.on_tool_args = claude_on_tool_args;
	}
	cli_run(&claude_adapter, &run, p, call, reply);
	claude_stream_free(&run.stream);
	hub_buf_free(&run.stdin_more);
	free(run.allowed_arg);
	return reply->err;
}

/* --- what the hub knows of the kind ------------------------------------ */

static const char *const claude_prefixes[] = { "claude", NULL };
static const char *const claude_aliases[] = { "sonnet", "opus", "haiku", NULL };
static const char *const claude_models[] = { "sonnet", "opus", "haiku", NULL };

static void
claude_defaults(struct provider_defaults *d)
{
	d->cli = hub_cfg->claude_cli;
	d->model = hub_cfg->claude_model;
	d->timeout_s = hub_cfg->claude_timeout_s;
	d->model_prefixes = claude_prefixes;
	d->aliases = claude_aliases;
	d->models = claude_models;
}

static long
claude_max_concurrent(const struct provider *p)
{
	(void)p;
	return hub_cfg->max_concurrent_claude;
}

/* 1 when CLAUDE_CODE_OAUTH_TOKEN is set. */
static int
claude_has_credentials(const struct provider *p)
{
	(void)p;
	return hub_cfg->claude_oauth_token != NULL && hub_cfg->claude_oauth_token[0] != '\0';
}

/* HUB_CLAUDE_TOKEN_EXPIRES (a setup-token lives a year), or -1. */
static long long
claude_credential_expiry_ms(const struct provider *p)
{
	(void)p;
	return hub_cfg->claude_token_expires != NULL ?
	    hub_config_parse_date(hub_cfg->claude_token_expires) : -1;
}

static int
claude_credential_describe(const struct provider *p, struct json_object *o, char *fp,
    size_t fp_len)
{
	const char *tok = hub_cfg->claude_oauth_token;
	char iso[32];
	long long exp = claude_credential_expiry_ms(p);

	json_object_object_add(o, "kind", json_object_new_string("claude_oauth_token"));
	json_object_object_add(o, "source", json_object_new_string("CLAUDE_CODE_OAUTH_TOKEN (claude setup-token)"));
	json_object_object_add(o, "present", json_object_new_boolean(claude_has_credentials(p)));
	json_object_object_add(o, "expires_at", exp > 0 ?
	    json_object_new_string(hub_time_iso8601(exp, iso, sizeof(iso))) : NULL);
	json_object_object_add(o, "expires_at_source", exp > 0 ?
	    json_object_new_string("HUB_CLAUDE_TOKEN_EXPIRES") : NULL);
	json_object_object_add(o, "expired", exp > 0 ? json_object_new_boolean(exp <= hub_time_wall_ms()) : NULL);
	if (claude_has_credentials(p)) {
		provider_fingerprint(tok, fp, fp_len);
		return 1;
	}
	/* this process's own configuration error; the fleet's status (other
	 * hubs' token) is not this hub's to show */
	json_object_object_add(o, "status", json_object_new_string("not_configured"));
	json_object_object_add(o, "message", json_object_new_string(
	    "CLAUDE_CODE_OAUTH_TOKEN is not set for this hub"));
	return 0;
}

const struct provider_ops claude_provider_ops = {
	.conf_type = "claude",
	.builtin_name = "claude",
	.vendor = "anthropic",
	.max_concurrent_setting = "HUB_MAX_CONCURRENT_CLAUDE",
	.defaults = claude_defaults,
	.chat = claude_chat,
	.max_concurrent = claude_max_concurrent,
	.has_credentials = claude_has_credentials,
	.credential_configured = claude_has_credentials,
	.credential_expiry_ms = claude_credential_expiry_ms,
	.credential_describe = claude_credential_describe,
	.has_tools = 1,
	.has_images = 1,
};
