/*
 * stream_lease.h - fleet-wide counts of open long-lived streams (GET /sse),
 * per client key and per client address, in Redis.
 *
 * Each open stream holds a lease: its random member in one sorted set per
 * client key and one per address, scored by the lease's expiry (Redis
 * server time, so that hosts with skewed clocks agree). A holder renews its
 * leases every STREAM_LEASE_RENEW_MS; a lease that is not renewed (its
 * process died) stops counting STREAM_LEASE_TTL_MS after its last renewal,
 * since every acquisition first drops the expired members. Counting and
 * adding happen in one script, so concurrent acquisitions never pass a cap.
 *
 * Keys: {prefix}streams:key:{key id}, {prefix}streams:addr:{address}.
 */
#ifndef STREAM_LEASE_H
#define STREAM_LEASE_H

#include <stddef.h>

#include "common/hub_limits.h"

#define STREAM_LEASE_TTL_MS    10000
#define STREAM_LEASE_RENEW_MS  3000
/* Longest client address counted (an IPv6 text is at most 45). */
#define STREAM_LEASE_MAX_ADDR  64
#define STREAM_LEASE_KEY_MAX   (HUB_MAX_CLIENT_KEY_ID_LEN + STREAM_LEASE_MAX_ADDR + 96)

struct stream_lease {
	char member[40];                      /* random, "" when no lease is held */
	char key_set[STREAM_LEASE_KEY_MAX];   /* "" when not counted per key */
	char addr_set[STREAM_LEASE_KEY_MAX];  /* "" when not counted per address */
};

/* What stopped an acquisition. */
enum stream_lease_cap {
	STREAM_LEASE_CAP_NONE,
	STREAM_LEASE_CAP_KEY,
	STREAM_LEASE_CAP_ADDR
};

/*
 * Take a lease for one stream of client key key_id (NULL or "": no key,
 * not counted per key) from address addr (NULL or "": not counted per
 * address). A max of 0 means no cap. 0 with *l filled; HUB_ERR_RATE_LIMIT
 * with *cap saying which cap is full (*l holds no lease); HUB_ERR_STORE;
 * HUB_ERR_SYSTEM (no random id). A lease with neither count is still
 * returned (and costs nothing).
 */
int stream_lease_acquire(const char *key_id, const char *addr, long max_per_key,
    long max_per_addr, struct stream_lease *l, enum stream_lease_cap *cap);

/*
 * Push the expiry of n leases STREAM_LEASE_TTL_MS into the future, in one
 * round trip. A lease that already expired (and was dropped) stays dropped.
 * 0 or HUB_ERR_STORE / HUB_ERR_NOMEM.
 */
int stream_lease_renew(const struct stream_lease *leases, size_t n);

/* Give a lease back (best effort: it expires anyway). Accepts an empty one. */
void stream_lease_release(struct stream_lease *l);

#endif
