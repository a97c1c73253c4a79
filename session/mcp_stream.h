/*
 * mcp_stream.h - the open legacy SSE streams (GET /sse) of this process,
 * served from one Redis connection.
 *
 * An idle stream must cost no Redis connection and no wake-ups: one poller
 * thread per process waits with a single BLPOP on the queues of all the
 * process's streams (plus a wake key for new ones), hands each message to
 * its stream through an eventfd, and renews every stream's lease
 * (stream_lease.h) in one round trip each STREAM_LEASE_RENEW_MS. A stream's
 * own thread sleeps in poll() on that eventfd and its client connection;
 * it holds no Redis connection while it waits.
 *
 * A message popped for a stream that has just closed is dropped (its
 * client is gone). While Redis is down the poller retries every second;
 * the streams stay open and get their messages once it is back.
 */
#ifndef MCP_STREAM_H
#define MCP_STREAM_H

#include "stream_lease.h"

struct mcp_stream;

/*
 * Register the stream of owner's MCP session id, which holds lease (the
 * stream takes it over: it is renewed while the stream is open and given
 * back by mcp_stream_close()). Starts the poller on first use. Drops the
 * calling thread's Redis connection before returning. 0 with *out set,
 * HUB_ERR_NOMEM, HUB_ERR_SYSTEM (no eventfd or thread), HUB_ERR_TOO_LARGE,
 * HUB_ERR_STORE (the poller could not be woken). On failure the lease is
 * still the caller's.
 */
int mcp_stream_open(const char *id, const char *owner, struct stream_lease *lease,
    struct mcp_stream **out);

/*
 * Wait up to timeout_ms for the stream's next message while watching
 * watch_fd (the client connection; -1: none). 0 with *json a malloc'd
 * NUL-terminated text (caller frees) or NULL when nothing came in time;
 * HUB_ERR_CLIENT_GONE when watch_fd hung up or became readable;
 * HUB_ERR_SYSTEM when poll() fails.
 */
int mcp_stream_wait(struct mcp_stream *s, int watch_fd, long timeout_ms, char **json);

/*
 * Unregister and free the stream, give its lease back and drop the
 * calling thread's Redis connection. Accepts NULL.
 */
void mcp_stream_close(struct mcp_stream *s);

#endif
