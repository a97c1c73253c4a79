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

#include "common/hub_limits.h"
#include "redis.h"

/* Room for any key of a session: prefix (<= 64) + kind + scope + id + suffix. */
#define SESSION_KEY_LEN (HUB_MAX_SESSION_ID_LEN + HUB_MAX_CLIENT_KEY_ID_LEN + 160)

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
 * session_load() with the messages, for the read cache (session_cache.h):
 * each of the two reads follows a CLIENT CACHING yes on a connection that
 * sends its invalidations to the client redirect (redis_tracking_on()).
 * *ttl_ms gets the shorter remaining life of the two keys (-1: none), and
 * *tracked is 1 when Redis confirmed both reads tracked and the connection
 * still redirects there. redirect 0: a plain session_load().
 */
int session_load_tracked(const char *id, const char *owner, long long redirect,
    struct session **out, long long *ttl_ms, int *tracked);

/*
 * One stored turn of a session, in as few round trips as the turn has
 * steps: each step below builds one command (the turn script, over the
 * session's keys only, all in the owner's hash slot: session_key.h) that
 * the caller sends with redis_pipeline(), alone or beside other modules'
 * single-key commands, and hands the reply back to the step's reader.
 *
 *   session_turn_begin()   take the session's lock (lock = 1), check the
 *                          storage caps for msgs[0..n) plus one reply and
 *                          reserve_bytes (n = 0: no check), load the
 *                          history: one command;
 *   session_turn_begun()   its reply: 0 with *history (NULL: a new
 *                          session; free with session_free()),
 *                          HUB_ERR_CONFLICT (another request holds the
 *                          lock), HUB_ERR_TOO_LARGE, HUB_ERR_QUOTA,
 *                          HUB_ERR_STORE_FULL (the owner's bytes, or Redis
 *                          out of memory), HUB_ERR_STORE, HUB_ERR_NOMEM;
 *                          a refused begin keeps no lock;
 *   session_turn_commit()  append the exchange msgs[0..n) in one atomic,
 *                          fenced step (only while the lock is still this
 *                          turn's; without a lock: a session id nobody
 *                          else knows yet), creating the session owned by
 *                          owner when new, refreshing the TTL, and release
 *                          the lock: one command;
 *   session_turn_release() release the lock without storing (a turn that
 *                          failed): one command; HUB_ERR_NOT_FOUND when no
 *                          lock is held (nothing to send);
 *   session_turn_done()    the reply of a commit or release: 0,
 *                          HUB_ERR_CONFLICT (the lock was lost: nothing
 *                          stored), HUB_ERR_TOO_LARGE, HUB_ERR_QUOTA,
 *                          HUB_ERR_STORE_FULL, HUB_ERR_STORE; with
 *                          wait_replicas (a commit) and Sentinel with
 *                          HUB_REDIS_WAIT_REPLICAS, 0 only once the
 *                          replicas have it (one more round trip).
 *
 * A reply of NULL (the pipeline failed) reads as HUB_ERR_STORE. Every
 * command is idempotent (redis.h): a commit carries an exchange id and is
 * a no-op once stored. The command (*cmd) points into t and lives until
 * the next step or session_turn_free(). Caps: a session passes
 * HUB_MAX_MESSAGES or HUB_SESSION_MAX_BYTES (TOO_LARGE), a new session
 * the owner's HUB_KEY_MAX_SESSIONS (QUOTA), the owner's HUB_KEY_MAX_BYTES
 * (STORE_FULL). The steps return 0, HUB_ERR_INVALID, HUB_ERR_SYSTEM or
 * HUB_ERR_NOMEM.
 */
struct session_turn {
	/* private: the keys and strings of the last command built */
	char id[HUB_MAX_SESSION_ID_LEN + 1];
	char owner[HUB_MAX_CLIENT_KEY_ID_LEN + 1];
	char mkey[SESSION_KEY_LEN], lkey[SESSION_KEY_LEN], ikey[SESSION_KEY_LEN];
	char lockkey[SESSION_KEY_LEN], bkey[SESSION_KEY_LEN];
	char token[40];
	int locked;
	size_t reserve_bytes;
	char now[32], ttl[24], count[24], score[32], maxm[24], maxsb[24], maxks[24], maxkb[24];
	char cutoff[32], reserve[24], xid[40], lock_ttl[24];
	const char **argv;
	char **encoded;
	size_t n_encoded;
	struct redis_cmd cmd;
};

int session_turn_begin(struct session_turn *t, const char *id, const char *owner, int lock,
    long lock_ttl_ms, const struct session_new_message *msgs, size_t n, size_t reserve_bytes,
    const struct redis_cmd **cmd);
int session_turn_begun(struct session_turn *t, const struct redis_reply *r, struct session **history);
int session_turn_commit(struct session_turn *t, const char *provider, const char *model,
    const struct session_new_message *msgs, size_t n, const struct redis_cmd **cmd);
int session_turn_release(struct session_turn *t, const struct redis_cmd **cmd);
int session_turn_done(struct session_turn *t, const struct redis_reply *r, int wait_replicas);

/* The lock token of t ("" when it took none), for session_lock_renew(). */
const char *session_turn_token(const struct session_turn *t);

/* 1 while t holds the session's lock. */
int session_turn_locked(const struct session_turn *t);

/* Free what t holds; a lock still held is released first (one round
 * trip). Accepts NULL, and a t never begun if it was zeroed. */
void session_turn_free(struct session_turn *t);

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
 * Extend a held lock to ttl_ms from now. 0, HUB_ERR_CONFLICT when the lock
 * is no longer this token's (expired, taken over, or Redis restarted),
 * HUB_ERR_STORE when Redis could not be asked.
 */
int session_lock_renew(const char *id, const char *owner, const char *token, long ttl_ms);

/* Release a lock taken by session_turn_begin() (only if token still holds it). */
void session_unlock(const char *id, const char *owner, const char *token);

/* Free a session. Accepts NULL. */
void session_free(struct session *s);

/* Free an array of n metadata entries. Accepts NULL. */
void session_meta_array_free(struct session_meta *m, size_t n);

#endif
