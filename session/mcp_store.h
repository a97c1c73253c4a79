/*
 * mcp_store.h - MCP-over-HTTP state in Redis: Streamable HTTP sessions
 * (Mcp-Session-Id), the message queue of a legacy HTTP+SSE connection, and
 * cancellation flags for tool calls running in another responder.
 *
 * Everything lives under hub_cfg->key_prefix + "mcp:". A session record
 * lives HUB_MCP_SESSION_TTL (hub_cfg->mcp_session_ttl_s) after its last
 * use (a request, or its open /sse stream's lease renewal), so one whose
 * client is gone expires soon; queues and flags expire sooner. An MCP
 * session id has the session id syntax (session_id.h). Every key is in
 * its owner's scope (session_key.h; owner is the client key id, "" or
 * NULL without auth): another owner's id looks exactly like an unknown one.
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
 * Look up owner's session id and refresh its TTL: 0 with its version
 * (versionlen bytes) copied, HUB_ERR_NOT_FOUND (unknown, expired, deleted,
 * another owner's; also for a malformed id), HUB_ERR_STORE.
 */
int mcp_store_get(const char *id, const char *owner, char *version, size_t versionlen);

/* Record the version negotiated by a later initialize (legacy HTTP+SSE
 * sessions are created before it). 0, HUB_ERR_NOT_FOUND, HUB_ERR_STORE. */
int mcp_store_set_version(const char *id, const char *owner, const char *version);

/*
 * A field of session id's record: set (value not NULL) or delete (NULL).
 * Used for the log level and resource subscriptions ("sub:" + uri) of a
 * handshake-era session. 0, HUB_ERR_NOT_FOUND (malformed id),
 * HUB_ERR_TOO_LARGE (field over 600 bytes), HUB_ERR_STORE.
 */
int mcp_store_set_field(const char *id, const char *owner, const char *field, const char *value);

/* Read that field into out (outlen bytes): 1 when present, 0 when not,
 * < 0 (HUB_ERR_STORE) when the store failed. */
int mcp_store_get_field(const char *id, const char *owner, const char *field, char *out, size_t outlen);

/* End session id (and drop its queue). 0, HUB_ERR_NOT_FOUND, HUB_ERR_STORE. */
int mcp_store_delete(const char *id, const char *owner);

/* Append one message (JSON text) to session id's legacy SSE queue.
 * 0, HUB_ERR_NOT_FOUND (malformed id), HUB_ERR_STORE. */
int mcp_store_push(const char *id, const char *owner, const char *json, size_t len);

/* The Redis key of session id's SSE queue (for mcp_stream.h, which pops
 * it). 0 or HUB_ERR_TOO_LARGE. */
int mcp_store_queue_key(const char *id, const char *owner, char *key, size_t keylen);

/* The Redis key of session id's record (for mcp_stream.h, whose open
 * streams keep it alive). 0 or HUB_ERR_TOO_LARGE. */
int mcp_store_record_key(const char *id, const char *owner, char *key, size_t keylen);

/* Mark request_id (its JSON text) of session id cancelled. 0,
 * HUB_ERR_TOO_LARGE (request id too long), HUB_ERR_STORE. */
int mcp_store_cancel(const char *id, const char *owner, const char *request_id);

/* 1 when request_id of session id was cancelled, 0 when not (or unknown). */
int mcp_store_is_cancelled(const char *id, const char *owner, const char *request_id);

#endif
