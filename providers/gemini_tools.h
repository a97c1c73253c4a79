/*
 * gemini_tools.h - client tools, tool turns and images for one Gemini CLI
 * run (docs/PROVIDERS.md, "Gemini CLI: tools and images").
 *
 * The client's functions reach the model through an MCP stdio server of
 * the hub's own, hub-tool-stub (providers/tool_stub.c), named "c" in the
 * run's settings.json: the CLI lists them as mcp_c_<name> and declares
 * them upstream as functionDeclarations (no built-in tool is registered:
 * tools.core is empty). The run's policy allows exactly those names and
 * denies everything else; a BeforeTool hook (a constant echo) stops the
 * CLI before any tool runs, so the stub never even sees a tools/call (it
 * would refuse it). The adapter takes the calls from the CLI's tool_use
 * lines.
 *
 * A conversation with tool turns or images goes to the CLI as a session
 * file (--session-file) of user / gemini records: earlier tool calls and
 * their results become real functionCall / functionResponse parts, images
 * inlineData parts. Only the last user message's text still goes through
 * stdin (escaped as before); when the conversation ends with tool results
 * stdin carries GEMINI_TOOLS_CONTINUE instead.
 *
 * Pure functions over a provider_call; the adapter writes the files.
 */
#ifndef GEMINI_TOOLS_H
#define GEMINI_TOOLS_H

#include <stddef.h>

#include "common/hub_buf.h"
#include "providers/provider.h"

/* The MCP server's name in settings.json: tools are mcp_c_<name>. */
#define GEMINI_TOOLS_SERVER      "c"
/* The CLI's longest function name (its generateValidName()). */
#define GEMINI_TOOLS_MAX_NAME    63
/* The stdin text when the conversation ends with tool results. */
#define GEMINI_TOOLS_CONTINUE    "Continue."

struct gemini_tools {
	const struct provider_call *call;
	/* the functions offered to the model (tool_choice applied) */
	const struct provider_tool **offered;       /* malloc'd array */
	char (*up_names)[GEMINI_TOOLS_MAX_NAME + 1]; /* malloc'd, same order */
	size_t n_offered;
	/* the calls taken from the CLI's output, in order (malloc'd strings) */
	struct provider_tool_call *calls;
	size_t n_calls, cap_calls;
};

/*
 * Choose what call offers (none for tool_choice none; only the named one
 * for a named choice) and their upstream names. 0; HUB_ERR_INVALID (with
 * a reason in why) when the named tool is not among the tools or two names
 * would be the same upstream; HUB_ERR_NOMEM. Free with gemini_tools_free().
 */
int gemini_tools_init(struct gemini_tools *t, const struct provider_call *call, char *why,
    size_t why_len);

/* Free what t holds (calls not handed on included). Accepts NULL. */
void gemini_tools_free(struct gemini_tools *t);

/* The CLI's name for a client tool name (mcp_c_<name>, cut like the CLI
 * cuts names over GEMINI_TOOLS_MAX_NAME) into out. */
void gemini_tools_upstream_name(const char *name, char *out, size_t outlen);

/* The settings template base (JSON text of an object) with the MCP server
 * (command stub, argument tools_json) and the stopping hook added, into
 * out. 0, HUB_ERR_INVALID (base is not an object), HUB_ERR_NOMEM. */
int gemini_tools_settings(const struct gemini_tools *t, const char *base, const char *stub,
    const char *tools_json, struct hub_buf *out);

/* The policy: deny every tool, allow exactly the offered names. */
int gemini_tools_policy(const struct gemini_tools *t, struct hub_buf *out);

/* The stub's tools/list answer: [{"name","description","inputSchema"}]. */
int gemini_tools_list_json(const struct gemini_tools *t, struct hub_buf *out);

/* 1 when the conversation has tool turns or images: it then goes as a
 * session file (gemini_tools_history()). */
int gemini_tools_needs_history(const struct provider_call *call);

/*
 * The session file for the conversation (system messages left out: they
 * are the system instruction) into out, and in *live the text that goes
 * to stdin: the last user message's content (not in the file, its images
 * are), or NULL when stdin must carry GEMINI_TOOLS_CONTINUE (the
 * conversation ends with tool results, or the last text would be a slash
 * command or is empty). 0, HUB_ERR_INVALID (no message), HUB_ERR_TOO_LARGE
 * (over out's cap), HUB_ERR_NOMEM, HUB_ERR_SYSTEM (no randomness).
 */
int gemini_tools_history(const struct gemini_tools *t, struct hub_buf *out, const char **live);

/*
 * Record one call from a tool_use line: the CLI's name (mapped back to the
 * client's), its parameters (JSON text; the CLI's own wait_for_previous
 * removed unless the client's schema has it). The call gets a fresh id
 * "call_<24 hex>". *index is its place in t->calls. 0, HUB_ERR_NOMEM,
 * HUB_ERR_SYSTEM.
 */
int gemini_tools_add_call(struct gemini_tools *t, const char *up_name, const char *params_json,
    size_t *index);

/* Hand the calls over (the caller frees them with
 * provider_tool_calls_free()); t keeps none. */
struct provider_tool_call *gemini_tools_take_calls(struct gemini_tools *t, size_t *n);

#endif
