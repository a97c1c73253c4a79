/*
 * session_cache.h - the answers of GET /v1/sessions/{id}, kept in the
 * process while Redis says the session has not changed.
 *
 * Redis's client-side caching, in its RESP2 form: the process keeps one
 * connection subscribed to the invalidation channel, each thread's
 * connection sends its invalidations there, and every read the cache keeps
 * is a tracked one (session_load_tracked()). When any client of the server,
 * on any host, writes, deletes or expires one of the session's two keys,
 * Redis names the key on that channel and the answer is forgotten. A read
 * answered from the cache first reads what has arrived on the channel, so
 * a write is seen by every process once Redis has delivered its message
 * (it queues it before the writer's own reply). The process's own writes
 * forget the answer before they return (session_cache_forget()).
 *
 * An answer is never kept past the keys' TTL, nor past
 * SESSION_CACHE_MAX_AGE_MS. Nothing is kept while the channel is down (it
 * is reopened in the background, and its loss forgets everything), with
 * Sentinel (a failover moves the tracking state), or with
 * HUB_SESSION_CACHE_MB=0. The cache holds at most HUB_SESSION_CACHE_MB
 * per process, the least recently read answers going first.
 */
#ifndef SESSION_CACHE_H
#define SESSION_CACHE_H

#include <stddef.h>

#include "session.h"

/* An answer: the bytes its render function made. Counted references. */
struct session_cached;

/* Render a loaded session into the bytes to keep (malloc'd, *buf). 0, or
 * an error code passed back to the caller. */
typedef int (*session_render_fn)(const struct session *s, void *arg, char **buf, size_t *len);

/*
 * The answer for owner's session id: from the cache, or loaded with its
 * messages and rendered (and kept when it may be). 0 with *out set (release
 * it with session_cached_release()), or session_load()'s error codes, or
 * render's.
 */
int session_read_cached(const char *id, const char *owner, session_render_fn render, void *arg,
    struct session_cached **out);

/* The bytes of an answer. */
const char *session_cached_data(const struct session_cached *c, size_t *len);

/* Drop a reference. Accepts NULL. */
void session_cached_release(struct session_cached *c);

/* Forget the answer under a session's metadata key, before a write of
 * this process returns: its own next read cannot get the old one. */
void session_cache_forget(const char *meta_key);

#endif
