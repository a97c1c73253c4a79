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

#include "redis.h"

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

/*
 * token_status_record() in two halves, for a caller that sends the
 * command beside its own in one round trip: build it into c (it points
 * into c and message, which must live until it was sent), then read its
 * reply (NULL: not answered) into the same returns.
 */
struct token_status_cmd {
	char key[256], now[24];
	const char *argv[7];
	struct redis_cmd cmd;
	int failing;
};
void token_status_record_build(const char *provider, int failing, const char *message,
    struct token_status_cmd *c);
int token_status_record_read(const struct token_status_cmd *c, const struct redis_reply *r);

/*
 * Claim the alert for provider's last state change, for the whole fleet:
 * returns TOKEN_STARTED_FAILING or TOKEN_RECOVERED to exactly one caller
 * per change (it sends the alert), TOKEN_UNCHANGED to every other one and
 * when nothing changed since the last alert, or HUB_ERR_STORE. A recovery
 * is only ever claimed after its failure was: the first alert of a
 * provider can only be token_failing. Only a process that can deliver
 * alerts (has a webhook) calls it, so no change is claimed and lost.
 */
int token_status_claim_alert(const char *provider);

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
