/*
 * session_key.h - the Redis key of every tenant-scoped object.
 *
 * Sessions, their message lists, locks and owner indexes, and MCP sessions
 * with their queues and cancel flags, all live under the key id of the
 * client that made them: two keys using the same id have two objects, and
 * one key cannot reach (or notice) another's. Without client keys
 * (authentication off) there is one anonymous scope, "~" (no key id can be
 * "~": ids are [A-Za-z0-9_.-]).
 *
 * The scope is a Redis Cluster hash tag ("{alice}"): every key of one
 * client key - each session's hash, list and lock, its index and byte
 * count - maps to one hash slot, so the multi-key scripts stay valid on a
 * cluster (docs/DEPLOY.md).
 */
#ifndef SESSION_KEY_H
#define SESSION_KEY_H

#include <stddef.h>

/* The scope text of owner: owner itself, or "~" for NULL or "". */
const char *session_key_scope(const char *owner);

/*
 * Build <prefix><kind>:{<scope>}[:<id>][<suffix>] into out (len bytes); id
 * and suffix may be NULL. suffix is appended as given (e.g. ":m").
 * 0, or HUB_ERR_TOO_LARGE when it does not fit (out is then "").
 */
int session_key_build(char *out, size_t len, const char *kind, const char *owner,
    const char *id, const char *suffix);

#endif
