/*
 * stream_lease.c - per-key and per-address stream counts with leases.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "redis.h"
#include "session_id.h"
#include "stream_lease.h"

/* KEYS: the sets; ARGV: ttl_ms, member, then one cap per key (0: none).
 * Returns 0 when added, else the 1-based index of the full set. */
static const char stream_lease_acquire_lua[] =
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
    "local ttl = tonumber(ARGV[1]) "
    "for i = 1, #KEYS do "
    "  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now) "
    "  local cap = tonumber(ARGV[2 + i]) "
    "  if cap > 0 and redis.call('ZCARD', KEYS[i]) >= cap then return i end "
    "end "
    "for i = 1, #KEYS do "
    "  redis.call('ZADD', KEYS[i], now + ttl, ARGV[2]) "
    "  redis.call('PEXPIRE', KEYS[i], ttl * 2) "
    "end "
    "return 0";

/* KEYS: sets; ARGV: ttl_ms, then the member for each key. Only members
 * still present are renewed (XX): a released lease is never revived. */
static const char stream_lease_renew_lua[] =
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
    "local ttl = tonumber(ARGV[1]) "
    "for i = 1, #KEYS do "
    "  redis.call('ZADD', KEYS[i], 'XX', now + ttl, ARGV[1 + i]) "
    "  redis.call('PEXPIRE', KEYS[i], ttl * 2) "
    "end "
    "return #KEYS";

int
stream_lease_acquire(const char *key_id, const char *addr, long max_per_key,
    long max_per_addr, struct stream_lease *l, enum stream_lease_cap *cap)
{
	const char *argv[9];
	char caps[2][24], ttl[24];
	enum stream_lease_cap which[2];
	struct redis_reply *r = NULL;
	int argc, nkeys = 0, rc;

	memset(l, 0, sizeof(*l));
	*cap = STREAM_LEASE_CAP_NONE;
	if (session_id_generate(l->member, sizeof(l->member)) != HUB_OK)
		return HUB_ERR_SYSTEM;
	if (key_id != NULL && *key_id != '\0')
		snprintf(l->key_set, sizeof(l->key_set), "%sstreams:key:%s", hub_cfg->key_prefix, key_id);
	if (addr != NULL && *addr != '\0')
		snprintf(l->addr_set, sizeof(l->addr_set), "%sstreams:addr:%.*s", hub_cfg->key_prefix,
		    STREAM_LEASE_MAX_ADDR, addr);
	argv[0] = "EVAL";
	argv[1] = stream_lease_acquire_lua;
	argv[3] = NULL;
	argc = 3;
	if (l->key_set[0] != '\0') {
		argv[argc++] = l->key_set;
		snprintf(caps[nkeys], sizeof(caps[nkeys]), "%ld", max_per_key);
		which[nkeys++] = STREAM_LEASE_CAP_KEY;
	}
	if (l->addr_set[0] != '\0') {
		argv[argc++] = l->addr_set;
		snprintf(caps[nkeys], sizeof(caps[nkeys]), "%ld", max_per_addr);
		which[nkeys++] = STREAM_LEASE_CAP_ADDR;
	}
	if (nkeys == 0)
		return HUB_OK;
	argv[2] = nkeys == 1 ? "1" : "2";
	snprintf(ttl, sizeof(ttl), "%d", STREAM_LEASE_TTL_MS);
	argv[argc++] = ttl;
	argv[argc++] = l->member;
	argv[argc++] = caps[0];
	if (nkeys == 2)
		argv[argc++] = caps[1];
	if ((rc = redis_command(&r, argc, argv, NULL)) != HUB_OK)
		goto fail;
	if (r->type != REDIS_T_INTEGER || r->integer < 0 || r->integer > nkeys) {
		rc = HUB_ERR_STORE;
		goto fail;
	}
	if (r->integer > 0) {
		*cap = which[r->integer - 1];
		rc = HUB_ERR_RATE_LIMIT;
		goto fail;
	}
	redis_reply_free(r);
	return HUB_OK;
fail:
	redis_reply_free(r);
	memset(l, 0, sizeof(*l));
	return rc;
}

int
stream_lease_renew(const struct stream_lease *leases, size_t n)
{
	const char **argv = NULL;
	struct redis_reply *r = NULL;
	char nkeys_text[24], ttl[24];
	size_t i, nkeys = 0, k = 0, nargs;
	int rc;

	for (i = 0; i < n; i++)
		nkeys += (leases[i].key_set[0] != '\0') + (leases[i].addr_set[0] != '\0');
	if (nkeys == 0)
		return HUB_OK;
	nargs = 4 + 2 * nkeys;
	if ((argv = calloc(nargs, sizeof(*argv))) == NULL)
		return HUB_ERR_NOMEM;
	snprintf(nkeys_text, sizeof(nkeys_text), "%zu", nkeys);
	argv[k++] = "EVAL";
	argv[k++] = stream_lease_renew_lua;
	argv[k++] = nkeys_text;
	for (i = 0; i < n; i++) {
		if (leases[i].key_set[0] != '\0')
			argv[k++] = leases[i].key_set;
		if (leases[i].addr_set[0] != '\0')
			argv[k++] = leases[i].addr_set;
	}
	snprintf(ttl, sizeof(ttl), "%d", STREAM_LEASE_TTL_MS);
	argv[k++] = ttl;
	for (i = 0; i < n; i++) {
		if (leases[i].key_set[0] != '\0')
			argv[k++] = leases[i].member;
		if (leases[i].addr_set[0] != '\0')
			argv[k++] = leases[i].member;
	}
	rc = redis_command(&r, (int)k, argv, NULL);
	if (rc == HUB_OK && r->type == REDIS_T_ERROR)
		rc = HUB_ERR_STORE;
	redis_reply_free(r);
	free(argv);
	return rc;
}

void
stream_lease_release(struct stream_lease *l)
{
	const char *zrem_key[] = { "ZREM", l->key_set, l->member };
	const char *zrem_addr[] = { "ZREM", l->addr_set, l->member };
	struct redis_cmd cmds[2];
	struct redis_reply *r[2] = { NULL, NULL };
	size_t n = 0;

	if (l->member[0] == '\0')
		return;
	if (l->key_set[0] != '\0')
		cmds[n++] = (struct redis_cmd){ 3, zrem_key, NULL };
	if (l->addr_set[0] != '\0')
		cmds[n++] = (struct redis_cmd){ 3, zrem_addr, NULL };
	if (n > 0 && redis_pipeline(r, n, cmds) == HUB_OK) {
		redis_reply_free(r[0]);
		redis_reply_free(r[1]);
	}
	memset(l, 0, sizeof(*l));
}
