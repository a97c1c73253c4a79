/*
 * token_status.h - provider credential health, shared by every worker and
 * host through Redis.
 *
 * An authentication failure seen by any request marks the provider's token
 * failing at once; a later success clears it. The record never holds the
 * secret, only times and a sanitised message.
 */
#ifndef TOKEN_STATUS_H
#define TOKEN_STATUS_H

enum token_transition {
	TOKEN_UNCHANGED = 0,
	TOKEN_STARTED_FAILING = 1,     /* was ok or unknown, now failing */
	TOKEN_RECOVERED = 2            /* was failing, now ok */
};

struct token_status {
	int known;                     /* 1 when a record exists */
	int failing;
	long long last_success_ms;     /* epoch ms, 0 never */
	long long last_failure_ms;
	char last_failure_message[512];
	long long first_seen_ms;       /* when the hub first saw this credential */
};

/*
 * Record the outcome of a call to provider: failing = 1 after an
 * authentication failure (message sanitised by the caller), 0 after a
 * success. Returns a token_transition (>= 0), or HUB_ERR_STORE.
 */
int token_status_record(const char *provider, int failing, const char *message);

/* Remember when a credential (identified by a non-secret fingerprint) was
 * first seen. 0 or HUB_ERR_STORE. */
int token_status_seen(const char *provider, const char *fingerprint);

/*
 * Claim a one-time event of provider (e.g. "expiring:1767225600000") for
 * the whole fleet: SET NX with a TTL of ttl_s seconds. Returns 1 when this
 * call made the claim, 0 when it was already claimed, or HUB_ERR_STORE.
 */
int token_status_claim_event(const char *provider, const char *event, long ttl_s);

/* Read provider's record. 0 (out->known may be 0) or HUB_ERR_STORE. */
int token_status_get(const char *provider, struct token_status *out);

#endif
