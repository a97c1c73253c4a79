/*
 * mcp.h - the MCP dispatcher: JSON-RPC 2.0 in, JSON-RPC messages out,
 * whatever the transport (stdio in hub-mcp, Streamable HTTP and HTTP+SSE in
 * fcgi/ep_mcp.c).
 *
 * One struct mcp_server is one MCP connection (a stdio process, or one HTTP
 * request restored from its MCP session). mcp_handle() takes one JSON text
 * (a message, or a batch array where the negotiated version allows it) and
 * answers through the send hook: zero or more compact JSON texts
 * (responses, notifications/progress).
 *
 * Two protocol eras are served side by side:
 *   - handshake era: initialize negotiates one of MCP_VERSIONS_HANDSHAKE;
 *     only ping and server/discover are answered before it;
 *   - modern era (2026-07-28): every request carries
 *     params._meta["io.modelcontextprotocol/protocolVersion"] and
 *     ["io.modelcontextprotocol/clientCapabilities"]; no handshake;
 *     results carry resultType, list and read results ttlMs and cacheScope.
 *
 * Threads: mcp_handle() may be called from several threads at once; the
 * send hook is then called from several threads too and must serialise
 * its writes. When a spawn hook is set, tools/call runs on the thread it
 * starts, so that ping and notifications/cancelled are answered meanwhile.
 */
#ifndef MCP_H
#define MCP_H

#include <stddef.h>

#include <json-c/json.h>

#define MCP_VERSION_MODERN "2026-07-28"
#define MCP_VERSION_LATEST_HANDSHAKE "2025-11-25"
#define MCP_META_VERSION "io.modelcontextprotocol/protocolVersion"
#define MCP_META_CAPABILITIES "io.modelcontextprotocol/clientCapabilities"

/* JSON-RPC and MCP error codes. */
#define MCP_PARSE_ERROR         (-32700)
#define MCP_INVALID_REQUEST     (-32600)
#define MCP_METHOD_NOT_FOUND    (-32601)
#define MCP_INVALID_PARAMS      (-32602)
#define MCP_INTERNAL_ERROR      (-32603)
#define MCP_RESOURCE_NOT_FOUND  (-32002)   /* handshake era; -32602 when modern */
#define MCP_HEADER_MISMATCH     (-32020)   /* modern HTTP headers differ from the body */
#define MCP_MISSING_CLIENT_CAPABILITY (-32021) /* modern: a capability the client did not declare */

enum mcp_era { MCP_ERA_NONE, MCP_ERA_HANDSHAKE, MCP_ERA_MODERN };

/* One outgoing JSON text (no newline); json is only valid during the call. */
typedef void (*mcp_send_fn)(void *arg, const char *json, size_t len);
/* Run job(job_arg) on another thread; 0 when started, < 0 to run it inline. */
typedef int (*mcp_spawn_fn)(void *arg, void (*job)(void *), void *job_arg);
/* Called about every idle_tick_ms while a tool waits for its provider;
 * request_id is the JSON text of the request id. < 0 stops the call. */
typedef int (*mcp_idle_fn)(void *arg, const char *request_id);

struct mcp_hooks {
	mcp_send_fn send;
	void *send_arg;
	mcp_spawn_fn spawn;          /* NULL: tools/call runs inside mcp_handle() */
	void *spawn_arg;
	mcp_idle_fn idle;            /* may be NULL */
	void *idle_arg;
	long idle_tick_ms;
	/* notifications/cancelled for a request this server does not run
	 * (HTTP: it runs in another responder); may be NULL */
	void (*cancel_elsewhere)(void *arg, const char *request_id);
	void *cancel_arg;
	/* Where a handshake-era connection keeps its state between requests
	 * (HTTP: the MCP session in Redis); NULL: in this struct mcp_server.
	 * set_log_level: 0 or < 0. subscription: on = 1 subscribe, 0
	 * unsubscribe (0 or < 0), -1 ask (1 subscribed, 0 not). */
	int (*set_log_level)(void *arg, const char *level);
	int (*subscription)(void *arg, const char *uri, int on);
	void *state_arg;
};

struct mcp_server;

/*
 * A new connection for owner ("" when client authentication is off; the
 * string is copied). hooks is copied. Returns NULL when out of memory.
 * Free with mcp_server_free().
 */
struct mcp_server *mcp_server_new(const char *owner, const struct mcp_hooks *hooks);

/*
 * Put a new server into the state left by a finished initialize with
 * version (HTTP: one request of an MCP session). 0 or HUB_ERR_INVALID for
 * a version this server does not speak.
 */
int mcp_server_resume(struct mcp_server *s, const char *version);

/* HTTP without Mcp-Session-Id: a request that is not initialize must be a
 * 2026-07-28 one; without its _meta it is answered -32602. */
void mcp_server_expect_modern(struct mcp_server *s);

/* The HTTP status the last answered error calls for (400 for a bad
 * 2026-07-28 _meta or a missing client capability, 404 for an unknown
 * method of a 2026-07-28 request), or 0 for the transport's default. */
int mcp_server_http_status(struct mcp_server *s);

/* The minimum level of notifications/message (HTTP: restored from the MCP
 * session). 0, or HUB_ERR_INVALID for an unknown level. */
int mcp_server_set_log_level(struct mcp_server *s, const char *level);

/*
 * Handle one JSON text of len bytes. Everything it answers goes out through
 * hooks.send (possibly later, from a spawned thread). Returns 0, or
 * HUB_ERR_NOMEM. Malformed input is answered, not returned.
 */
int mcp_handle(struct mcp_server *s, const char *data, size_t len);

/* Answer a transport-level error for a message the transport could not
 * read (e.g. a line over the limit): an error response with id null. */
void mcp_send_error(struct mcp_server *s, int code, const char *message);

/* Stop every tool call in flight (their providers' children are stopped;
 * no responses are sent for them). */
void mcp_cancel_all(struct mcp_server *s);

/* Wait until no spawned call is in flight, up to timeout_ms.
 * 0, or HUB_ERR_TIMEOUT. */
int mcp_wait_idle(struct mcp_server *s, long timeout_ms);

/* Free the server. Calls still in flight must have ended (mcp_wait_idle()).
 * Accepts NULL. */
void mcp_server_free(struct mcp_server *s);

/* The era and the negotiated version ("" before initialize). */
enum mcp_era mcp_server_era(struct mcp_server *s);
const char *mcp_server_version(struct mcp_server *s);

/* 1 when version is one this server speaks in the handshake era. */
int mcp_version_handshake_supported(const char *version);

/* What a transport needs to know about a body before dispatching it. */
struct mcp_peek {
	int parsed;                  /* 1: valid JSON */
	int is_batch;
	int n_requests;              /* messages with a method and an id */
	int n_other;                 /* notifications and responses */
	int n_invalid;               /* messages that are no JSON-RPC message, or
	                              * 1 for an empty batch: answered -32600 */
	int has_initialize;
	char method[64];             /* first message's method, or "" */
	char name[256];              /* its params.name or params.uri, or "" */
	int has_name;
	char meta_version[32];       /* its _meta protocolVersion, or "" */
	int has_meta_version;
	int has_progress_token;      /* any request asks for progress */
};

/* Look at data without dispatching it; fills p. */
void mcp_peek(const char *data, size_t len, struct mcp_peek *p);

#endif
