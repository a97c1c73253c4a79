/*
 * ratelimit.h - a per-key request rate limit shared through Redis.
 *
 * A fixed one-minute window per client key id: the first request of a
 * minute starts the count, and the window's Redis key expires by itself.
 * Every worker and host that shares the Redis shares the count.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

/*
 * Count one request by key_id ("" for clients without a key) against
 * limit_per_minute. Returns 0 when it is allowed; HUB_ERR_RATE_LIMIT when
 * the limit is used up, with *retry_after_s set to the seconds until the
 * window ends (>= 1); HUB_ERR_STORE when Redis failed (the caller decides).
 */
int ratelimit_hit(const char *key_id, long limit_per_minute, long *retry_after_s);

#endif
