/*
 * session.h - conversations stored in Redis with a TTL.
 *
 * A session is its metadata (a hash) and its ordered messages (a list of
 * JSON objects), both under hub_cfg->key_prefix and both given the TTL
 * hub_cfg->session_ttl_s again on every write. An index per owner (a sorted
 * set scored by the last update) lists sessions newest first; entries whose
 * session expired are dropped from it when seen. Callers check ids with
 * session_id_valid() first; these functions check again and answer
 * HUB_ERR_INVALID for a malformed id.
 *
 * Tenants: a session is named by its owner (the client key id; NULL or ""
 * is the anonymous owner of a hub without client keys) and its id, and
 * every key of it is built from both (session_key.h). Two owners using the
 * same id have two sessions; no function here lets one owner tell whether
 * another owner's session exists.
 *
 * Ownership: every returned struct is malloc'd and freed by the caller with
 * the matching *_free() function; strings inside belong to the struct.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>

/* A tool call an assistant message proposed (OpenAI tool calling). */
struct session_tool_call {
	char *id;
	char *name;
	char *arguments;   /* a JSON object, as compact JSON text */
};

/* An image of a user message, kept so that later turns can send it again. */
struct session_image {
	char *media_type;  /* image/png, image/jpeg, image/gif or image/webp */
	char *base64;      /* the image, base64 */
	size_t size;       /* decoded bytes */
};

/*
 * A stored message. Sessions written before tool calling and images have
 * none of their fields: they load with n_tool_calls and n_images 0 and
 * tool_call_id NULL.
 */
struct session_message {
	char *role;        /* "system", "user", "assistant", "tool" */
	char *content;     /* "" for an assistant message that only calls tools */
	char *timestamp;   /* ISO 8601 UTC */
	char *provider;    /* may be NULL */
	char *model;       /* may be NULL */
	struct session_tool_call *tool_calls;  /* role assistant; may be NULL */
	size_t n_tool_calls;
	char *tool_call_id;                    /* role tool; else NULL */
	char *tool_name;                       /* role tool: the call's function; may be NULL */
	struct session_image *images;          /* role user; may be NULL */
	size_t n_images;
};

struct session_meta {
	char *id;
	char *created_at;  /* ISO 8601 UTC */
	char *updated_at;
	char *provider;    /* of the last exchange; may be NULL */
	char *model;
	char *owner;       /* the client key id that created it; "" when auth is off */
	long message_count;
};

struct session {
	struct session_meta meta;
	struct session_message *messages;
	size_t n_messages;
};

/* A message to append: borrowed strings and arrays (never freed through
 * it), timestamp filled in by the store when NULL. */
struct session_new_message {
	const char *role;
	const char *content;
	const char *timestamp;
	const struct session_tool_call *tool_calls;
	size_t n_tool_calls;
	const char *tool_call_id;
	const char *tool_name;
	const struct session_image *images;
	size_t n_images;
};

/*
 * Load session id. with_messages = 0 loads only the metadata.
 * Returns 0 with *out set, HUB_ERR_NOT_FOUND (owner has no session id),
 * HUB_ERR_INVALID, HUB_ERR_STORE,
 * HUB_ERR_NOMEM. Free *out with session_free().
 */
int session_load(const char *id, const char *owner, int with_messages, struct session **out);

/*
 * Append one exchange (the new user message(s) and the assistant reply)
 * to session id in one server-side script: a reader sees all of it or none,
 * and a refusal writes nothing. Creates the session when it does not
 * exist, owned by owner. Refreshes the TTL. With lock_token (from
 * session_lock()) the append happens only while that lock is still held
 * by this writer in this run of the Redis server (fencing); NULL appends
 * without a lock (a session id nobody else knows yet).
 * Returns 0, HUB_ERR_INVALID, HUB_ERR_CONFLICT (the lock was lost),
 * HUB_ERR_TOO_LARGE (the session would pass HUB_MAX_MESSAGES or
 * HUB_SESSION_MAX_BYTES), HUB_ERR_QUOTA (a new session would pass the
 * owner's HUB_KEY_MAX_SESSIONS), HUB_ERR_STORE_FULL (the owner's
 * HUB_KEY_MAX_BYTES, or Redis refused for want of memory), HUB_ERR_STORE
 * or HUB_ERR_NOMEM.
 */
int session_append_exchange(const char *id, const char *owner, const char *lock_token,
    const char *provider, const char *model, const struct session_new_message *msgs, size_t n);

/*
 * The caps of session_append_exchange() checked without writing, for n
 * messages, one reply to come and reserve_bytes more: lets a caller
 * refuse a turn before it runs. Same returns, without HUB_ERR_CONFLICT.
 */
int session_check_exchange(const char *id, const char *owner, const struct session_new_message *msgs,
    size_t n, size_t reserve_bytes);

/*
 * Delete owner's session id. 0, HUB_ERR_NOT_FOUND (owner has no such
 * session), HUB_ERR_INVALID, HUB_ERR_STORE.
 */
int session_delete(const char *id, const char *owner);

/*
 * List owner's sessions newest first, at most limit (<= HUB_MAX_SESSION_PAGE),
 * starting after cursor (NULL or "" for the first page). *out is an array of
 * *n metadata entries (free with session_meta_array_free()); next_cursor
 * (at least 32 bytes) gets the cursor of the next page, or "" at the end.
 * 0, HUB_ERR_INVALID (bad cursor), HUB_ERR_STORE, HUB_ERR_NOMEM.
 */
int session_list(const char *owner, const char *cursor, size_t limit,
    struct session_meta **out, size_t *n, char *next_cursor, size_t cursor_len);

/*
 * Take the request lock of owner's session id so that two requests never interleave
 * exchanges: 0 with token (at least 33 bytes) set, HUB_ERR_CONFLICT when
 * another request holds it, HUB_ERR_STORE_FULL (Redis out of memory),
 * HUB_ERR_STORE. The lock expires by itself after ttl_ms unless renewed,
 * so a dead holder frees it; a lock from an earlier run of the Redis
 * server (restored from its AOF or snapshot) counts as free.
 */
int session_lock(const char *id, const char *owner, long ttl_ms, char *token, size_t token_len);

/*
 * Extend a held lock to ttl_ms from now. 0, HUB_ERR_CONFLICT when the lock
 * is no longer this token's (expired, taken over, or Redis restarted),
 * HUB_ERR_STORE when Redis could not be asked.
 */
int session_lock_renew(const char *id, const char *owner, const char *token, long ttl_ms);

/* Release a lock taken with session_lock() (only if token still holds it). */
void session_unlock(const char *id, const char *owner, const char *token);

/* Free a session. Accepts NULL. */
void session_free(struct session *s);

/* Free an array of n metadata entries. Accepts NULL. */
void session_meta_array_free(struct session_meta *m, size_t n);

#endif
