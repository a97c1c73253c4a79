/*
 * mcp_store.h - MCP-over-HTTP state in Redis: Streamable HTTP sessions
 * (Mcp-Session-Id), the message queue of a legacy HTTP+SSE connection, and
 * cancellation flags for tool calls running in another responder.
 *
 * Everything lives under hub_cfg->key_prefix + "mcp:". A session record
 * lives HUB_MCP_SESSION_TTL (hub_cfg->mcp_session_ttl_s) after its last
 * use (a request, or a pop of its open /sse stream), so one whose client
 * is gone expires soon; queues and flags expire sooner. An MCP
 * session id has the session id syntax (session_id.h).
 */
#ifndef MCP_STORE_H
#define MCP_STORE_H

#include <stddef.h>

/*
 * Create an MCP session for protocol version and owner ("" without auth).
 * Writes the new id into id (at least 23 bytes). 0, HUB_ERR_STORE,
 * HUB_ERR_SYSTEM.
 */
int mcp_store_create(const char *version, const char *owner, char *id, size_t idlen);

/*
 * Look up session id and refresh its TTL: 0 with its version (versionlen
 * bytes) and owner (ownerlen bytes) copied, HUB_ERR_NOT_FOUND (unknown,
 * expired or deleted; also for a malformed id), HUB_ERR_STORE.
 */
int mcp_store_get(const char *id, char *version, size_t versionlen, char *owner, size_t ownerlen);

/* Record the version negotiated by a later initialize (legacy HTTP+SSE
 * sessions are created before it). 0, HUB_ERR_NOT_FOUND, HUB_ERR_STORE. */
int mcp_store_set_version(const char *id, const char *version);

/* End session id (and drop its queue). 0, HUB_ERR_NOT_FOUND, HUB_ERR_STORE. */
int mcp_store_delete(const char *id);

/* Append one message (JSON text) to session id's legacy SSE queue.
 * 0, HUB_ERR_STORE. */
int mcp_store_push(const char *id, const char *json, size_t len);

/*
 * Wait up to timeout_ms for the next message of session id's queue. 0 with
 * *json a malloc'd NUL-terminated text (caller frees) or NULL when none came
 * in time; HUB_ERR_STORE.
 */
int mcp_store_pop(const char *id, long timeout_ms, char **json);

/* Mark request_id (its JSON text) of session id cancelled. 0, HUB_ERR_STORE. */
int mcp_store_cancel(const char *id, const char *request_id);

/* 1 when request_id of session id was cancelled, 0 when not (or unknown). */
int mcp_store_is_cancelled(const char *id, const char *request_id);

#endif
