/*
 * mcp_tools.h - the hub's MCP tools, resources, prompts and completions.
 *
 * Tools: chat, list_providers, get_session, export_session_memory.
 * Resources: provider://list; templates provider://{name} and
 * session://{session_id}. Prompts: summarize_session, continue_session.
 *
 * These functions know nothing about JSON-RPC: they build MCP result
 * objects, and report protocol-level problems (unknown tool, unknown
 * resource) as hub_err codes that mcp.c turns into JSON-RPC errors. Tool
 * failures are results with isError: true.
 */
#ifndef MCP_TOOLS_H
#define MCP_TOOLS_H

#include <stddef.h>

#include <json-c/json.h>

/* Streaming text from a provider, for notifications/progress. */
typedef int (*mcp_progress_fn)(void *arg, const char *text, size_t len);
/* See mcp_idle_fn in mcp.h; arg is the caller's. */
typedef int (*mcp_tool_idle_fn)(void *arg);
/* Send a notification to the caller's client: method and params (taken).
 * The dispatcher filters it: notifications/message by the client's log
 * level, notifications/resources/updated by its subscriptions. */
typedef void (*mcp_tool_notify_fn)(void *arg, const char *method, struct json_object *params);

/* A JSON-RPC error a call answers instead of a result (code 0: none). */
struct mcp_tool_error {
	int code;
	char message[200];
	struct json_object *data;    /* owned; may be NULL */
};

struct mcp_tool_ctx {
	const char *owner;           /* client key id, "" when auth is off */
	int cancel_fd;               /* any event on it stops the provider; -1 */
	mcp_progress_fn progress;    /* NULL: no progress wanted */
	mcp_tool_idle_fn idle;       /* may be NULL */
	long idle_tick_ms;
	void *arg;                   /* for progress, idle and notify */
	mcp_tool_notify_fn notify;   /* may be NULL */
	struct json_object *progress_token; /* borrowed; NULL: no progress wanted */
	struct json_object *params;  /* the request's params (borrowed; may be NULL) */
	struct json_object *client_caps; /* the client's capabilities (borrowed; may be NULL) */
	int modern;                  /* 1: a 2026-07-28 request */
	struct mcp_tool_error *error; /* out; may be NULL */
};

/* A notifications/message at level (a syslog level name) with text. */
void mcp_tools_log(const struct mcp_tool_ctx *ctx, const char *level, const char *text);

/* A notifications/resources/updated for uri (sent to subscribers only). */
void mcp_tools_resource_updated(const struct mcp_tool_ctx *ctx, const char *uri);

/* The tool definitions as a new JSON array (caller puts it). */
struct json_object *mcp_tools_list(void);

/*
 * Call tool name with arguments (an object, or NULL for none). Returns 0
 * with *result a new CallToolResult (caller puts it; isError: true for
 * tool failures such as bad arguments or provider errors), or
 * HUB_ERR_NOT_FOUND for an unknown tool, HUB_ERR_NOMEM. A result may be an
 * InputRequiredResult (resultType "input_required"; 2026-07-28 only). When
 * the call answers a JSON-RPC error instead (ctx->error->code set), the
 * return is HUB_ERR_INVALID and *result is NULL.
 */
int mcp_tools_call(const char *name, struct json_object *arguments,
    const struct mcp_tool_ctx *ctx, struct json_object **result);

/* The concrete resources (provider://list and one per provider) as a new
 * JSON array (caller puts it). */
struct json_object *mcp_resources_list(void);

/* The resource templates as a new JSON array (caller puts it). */
struct json_object *mcp_resource_templates_list(void);

/*
 * Read uri. Returns 0 with *result a new ReadResourceResult (caller puts
 * it), HUB_ERR_NOT_FOUND (unknown uri, provider or session), HUB_ERR_STORE,
 * HUB_ERR_NOMEM. *private_scope is set to 1 when the content belongs to
 * the caller (a session) rather than being the same for everyone.
 */
int mcp_resources_read(const char *uri, const char *owner, struct json_object **result,
    int *private_scope);

/* The prompt definitions as a new JSON array (caller puts it). */
struct json_object *mcp_prompts_list(void);

/*
 * Get prompt name with arguments (object or NULL; params: the whole
 * request params, borrowed, may be NULL). Returns 0 with *result
 * a new GetPromptResult (caller puts it), HUB_ERR_NOT_FOUND for an unknown
 * prompt, HUB_ERR_INVALID for missing or bad arguments or a session that
 * does not exist (message in msg, msglen bytes), HUB_ERR_STORE,
 * HUB_ERR_NOMEM.
 */
int mcp_prompts_get(const char *name, struct json_object *arguments, struct json_object *params,
    const char *owner, struct json_object **result, char *msg, size_t msglen);

/*
 * Completion values for argument arg_name (prefix value) of a prompt
 * (ref_type "ref/prompt", ref_name its name) or a resource template
 * ("ref/resource", ref_name its uri template). Returns 0 with *values a new
 * array of at most 100 strings (caller puts it) and *total the number of
 * matches, HUB_ERR_NOT_FOUND for an unknown prompt or template,
 * HUB_ERR_NOMEM.
 */
int mcp_complete(const char *ref_type, const char *ref_name, const char *arg_name,
    const char *value, const char *owner, struct json_object **values, int *total);

#endif
