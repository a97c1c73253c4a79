/*
 * redis.h - the hub's Redis connection: one per thread, rebuilt after errors.
 *
 * This module is the only one that includes <hiredis.h>. Callers send
 * commands as argv vectors and get back a struct redis_reply tree that they
 * free with redis_reply_free() (once, at its root). Every call connects
 * first when the thread has no connection; after any connection or protocol
 * error the connection is dropped, so the next call reconnects. Connect and
 * command timeouts are hub_cfg->redis_timeout_ms.
 *
 * With REDIS_SENTINELS (and REDIS_SENTINEL_MASTER) set, each connect asks
 * the sentinels for the primary and checks with ROLE that it is one.
 * After a connection error, or a READONLY / MASTERDOWN / LOADING refusal,
 * the commands are sent again to the primary found anew, for up to
 * HUB_REDIS_FAILOVER_TIMEOUT_MS - but a command that may have reached the
 * old primary only when running it twice is harmless: a read (a fixed
 * list), or an EVAL script whose text starts with "-- idempotent". Any
 * other command whose outcome is unknown fails with HUB_ERR_STORE.
 */
#ifndef REDIS_H
#define REDIS_H

#include <stddef.h>

enum redis_type {
	REDIS_T_NIL,
	REDIS_T_STRING,
	REDIS_T_INTEGER,
	REDIS_T_ARRAY,
	REDIS_T_STATUS,
	REDIS_T_ERROR
};

struct redis_reply {
	enum redis_type type;
	long long integer;               /* REDIS_T_INTEGER */
	char *str;                       /* STRING, STATUS, ERROR; NUL-terminated */
	size_t len;
	size_t elements;                 /* REDIS_T_ARRAY */
	struct redis_reply **element;
};

/* One command of a pipeline: argc strings with their lengths. */
struct redis_cmd {
	int argc;
	const char **argv;
	const size_t *argvlen;           /* NULL: use strlen() on each */
};

/*
 * Send one command and wait for its reply. Returns 0 with *out set (an
 * error reply from Redis is returned as REDIS_T_ERROR, not as a failure),
 * or HUB_ERR_STORE when Redis could not be reached or the connection broke
 * (*out is NULL; redis_last_error() says why), or HUB_ERR_NOMEM.
 */
int redis_command(struct redis_reply **out, int argc, const char **argv,
    const size_t *argvlen);

/*
 * Send ncmd commands in one round trip and read all replies into out[]
 * (ncmd slots, each freed by the caller). Same returns as redis_command();
 * on failure every out[i] is NULL.
 */
int redis_pipeline(struct redis_reply **out, size_t ncmd, const struct redis_cmd *cmds);

/*
 * Like redis_pipeline() for cmds[0..n_essential), with the other commands
 * riding along in the same round trip: when a failover makes a retry
 * necessary, only the essential ones are sent again (the riders may not be
 * idempotent: their replies are then NULL). For metrics beside a write
 * that matters: a rider is lost rather than counted twice. Every out[i]
 * (ncmd slots) is set or NULL, and freed by the caller.
 */
int redis_pipeline_riders(struct redis_reply **out, size_t ncmd, const struct redis_cmd *cmds,
    size_t n_essential);

/*
 * Send ncmd commands without waiting for their replies, for metrics whose
 * outcome nobody waits for: the replies are read, and dropped, by the
 * calling thread's next command (or its disconnect), which by then finds
 * them already arrived. Not sent again after a failover. 0, or
 * HUB_ERR_STORE / HUB_ERR_NOMEM when they could not be sent.
 */
int redis_pipeline_deferred(size_t ncmd, const struct redis_cmd *cmds);

/*
 * Like redis_command(), for a command that blocks on the server (BLPOP)
 * for up to timeout_ms: the read timeout is raised by that much for this
 * one command. Same returns as redis_command().
 */
int redis_command_blocking(struct redis_reply **out, int argc, const char **argv,
    const size_t *argvlen, long timeout_ms);

/*
 * With Sentinel and HUB_REDIS_WAIT_REPLICAS > 0, wait (WAIT, up to
 * HUB_REDIS_WAIT_TIMEOUT_MS) until that many replicas have every write
 * made so far on the calling thread's connection; call it right after a
 * write that must survive a failover. 0 (also without Sentinel), or
 * HUB_ERR_STORE when fewer replicas confirmed or the connection is gone.
 */
int redis_wait_replicas(void);

/* 1 when the primary is found through Sentinel (REDIS_SENTINELS set). */
int redis_sentinel_enabled(void);

/* Check the connection with PING. 0 or HUB_ERR_STORE. */
int redis_ping(void);

/*
 * Whether the server keeps what it is sent across a restart: 1 (AOF on, or
 * RDB save rules), 0 (neither: a restart loses every session), or
 * HUB_ERR_STORE (not reachable, or CONFIG refused). what (len bytes) gets
 * "aof", "rdb", "off" or "unknown".
 */
int redis_persistence(char *what, size_t len);

/* The calling thread's last connection error, for messages. Never NULL. */
const char *redis_last_error(void);

/* Drop the calling thread's connection (e.g. before fork or at exit). */
void redis_disconnect(void);

/*
 * Client-side caching (RESP2, with redirection). A connection of its own,
 * opened with redis_invalidations_open() and named name, receives the
 * invalidation messages; each thread turns tracking on for its connection
 * with redis_tracking_on() (OPTIN: only the reads after CLIENT CACHING yes
 * are tracked). Until the hub speaks RESP3 (hiredis 1.0) this is the only
 * way Redis tells a reader that a key it read has changed.
 */
struct redis_invalidations;

/* A key named in an invalidation message; key NULL (len 0): every key
 * (the server flushed, or the caller must assume so). */
typedef void (*redis_key_fn)(void *arg, const char *key, size_t len);

/* Connect as the calling thread would, set the connection's name and
 * subscribe it to the invalidation channel. 0 with *out set, or
 * HUB_ERR_STORE (redis_last_error() says why) / HUB_ERR_NOMEM. */
int redis_invalidations_open(struct redis_invalidations **out, const char *name);

/* Its socket, to wait on, and its client id, to redirect to. */
int redis_invalidations_fd(const struct redis_invalidations *inv);
long long redis_invalidations_id(const struct redis_invalidations *inv);

/* Read, without waiting, the messages that have arrived: on_key for each
 * key they name. The number of messages, or HUB_ERR_STORE when the
 * connection is gone (closed by the server, or broken): whatever was read
 * before it may be all there is, so the caller forgets every key. Not
 * thread-safe: one caller at a time. */
int redis_invalidations_read(struct redis_invalidations *inv, redis_key_fn on_key, void *arg);

/* Close it. Accepts NULL. */
void redis_invalidations_close(struct redis_invalidations *inv);

/* Turn tracking on (OPTIN) for the calling thread's connection, its
 * invalidations sent to the client redirect, which must be named name.
 * Nothing is sent when it is on already. 0; HUB_ERR_NOT_FOUND when that
 * client is not (or no longer) the one named; HUB_ERR_STORE when Redis
 * is unreachable or refuses (older than 6.2, or an ACL). */
int redis_tracking_on(long long redirect, const char *name);

/* The client id the calling thread's connection sends its invalidations
 * to, or 0 (tracking off, or the connection was replaced since). */
long long redis_tracking_redirect(void);

/* Free a reply tree. Accepts NULL. */
void redis_reply_free(struct redis_reply *r);

/* A field of a hash: called with its name and value, both strings. */
typedef void (*redis_hash_field_fn)(void *arg, const char *field, const char *value);

/*
 * Walk a hash as HGETALL answers it (an array of field, value, ...):
 * on_field for each pair whose two elements are strings, the others
 * skipped. Returns the number of pairs passed on, or HUB_ERR_STORE when r
 * is NULL or not an array.
 */
int redis_reply_hash_each(const struct redis_reply *r, redis_hash_field_fn on_field, void *arg);

/* HGETALL key, walked by redis_reply_hash_each(). The number of fields
 * passed on (0: no such hash), or redis_command()'s error, or
 * HUB_ERR_STORE for a reply that is not a hash. */
int redis_hash_get(const char *key, redis_hash_field_fn on_field, void *arg);

#endif
