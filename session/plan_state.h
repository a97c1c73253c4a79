/*
 * plan_state.h - each provider's subscription usage window and cool-down,
 * shared by every worker and host through Redis.
 *
 * Redis layout (under hub_cfg->key_prefix; never a secret):
 *   plan:NAME        hash: level (0 ok, 1 warning, 2 overage, 3 limit),
 *                    status, type, utilization, resets_at, using_overage,
 *                    overage_status, overage_resets_at,
 *                    overage_disabled_reason (the latest report),
 *                    updated_ms, cooldown_until (epoch ms; 0 none),
 *                    alerted (the level an alert was last sent for),
 *                    entered_L (times level L was entered), refused
 *                    (requests refused by the cool-down). TTL
 *                    PLAN_STATE_TTL_S, renewed by every report.
 *   plan:probe:NAME  the one probe run after a cool-down (SET NX, PX)
 *
 * The state takes plain values (common/plan_window.h) and names: it knows
 * neither providers nor alerts. Every function fails with HUB_ERR_STORE
 * when Redis does not answer; callers treat that as "no state".
 */
#ifndef PLAN_STATE_H
#define PLAN_STATE_H

#include <stddef.h>

#include "common/plan_window.h"
#include "redis.h"

/* How long a provider's record lives without a new report. */
#define PLAN_STATE_TTL_S (8L * 86400L)

struct plan_state {
	int known;                     /* 1 when a record exists */
	struct plan_window w;          /* the latest report (w.seen 0: none) */
	int level;                     /* enum plan_level */
	long long updated_ms;          /* epoch ms of the latest report */
	long long cooldown_until_ms;   /* 0: no cool-down */
	long long entered[4];          /* times each level was entered */
	long long refused;             /* requests refused by the cool-down */
};

enum plan_gate {
	PLAN_GATE_OPEN = 0,            /* no cool-down: run */
	PLAN_GATE_PROBE = 1,           /* the cool-down is over and this caller
	                                * holds the one probe: run, then report
	                                * with probe = 1 (or release it) */
	PLAN_GATE_CLOSED = 2           /* cooling down (or another host probes) */
};

/*
 * May provider run now (now_ms, epoch ms)? One round trip (HMGET) when it
 * has no cool-down; one more (SET NX of the probe, living probe_ttl_ms)
 * once a cool-down is over. Returns an enum plan_gate (>= 0) with
 * *until_ms the end of the cool-down (CLOSED; while another host probes,
 * now + a few seconds) and the signature of the latest report in sig
 * (sig_len bytes; "" when none: see plan_state_report()), or
 * HUB_ERR_STORE.
 */
int plan_state_gate(const char *provider, long long now_ms, long probe_ttl_ms,
    long long *until_ms, char *sig, size_t sig_len);

/*
 * plan_state_gate() in two halves, for a caller that sends the read (one
 * HMGET) beside its own commands in one round trip: build it into c (it
 * points into c), then read its reply (NULL: not answered) into the same
 * returns; the probe's SET NX, once a cool-down is over, is sent by the
 * reader itself.
 */
struct plan_state_gate_cmd {
	char key[256];
	const char *argv[4];
	struct redis_cmd cmd;
};
void plan_state_gate_build(const char *provider, struct plan_state_gate_cmd *c);
int plan_state_gate_read(const char *provider, const struct redis_reply *r, long long now_ms,
    long probe_ttl_ms, long long *until_ms, char *sig, size_t sig_len);

/*
 * Record a run's outcome for provider: level (enum plan_level) with the
 * report w (w->seen 0: level only, e.g. a probe that succeeded without a
 * report), the cool-down end cooldown_until_ms (0: none). A run that was
 * the probe (probe = 1) ends the probe; a report below the limit from a
 * run that was not the probe leaves a running cool-down alone (it was
 * begun before). With claim_alert, the caller claims the alert for the
 * change since the last alert, for the whole fleet: *alert_from gets the
 * level alerted before and *alert_to the level to alert now, or both -1
 * when there is nothing to alert (or the report was ignored). Returns 0
 * or HUB_ERR_STORE.
 */
int plan_state_report(const char *provider, const struct plan_window *w, int level,
    long long cooldown_until_ms, int probe, int claim_alert, long long now_ms,
    int *alert_from, int *alert_to);

/*
 * The signature of a report (level and what of w the hub shows, the
 * utilization in whole percent) into sig (sig_len bytes): a report whose
 * signature equals the one plan_state_gate() read need not be written.
 */
void plan_state_signature(const struct plan_window *w, int level, char *sig, size_t sig_len);

/* Give the probe back (its run ended without telling anything): the next
 * request probes again. 0 or HUB_ERR_STORE. */
int plan_state_release_probe(const char *provider);

/* Count one request refused by provider's cool-down. 0 or HUB_ERR_STORE. */
int plan_state_count_refused(const char *provider);

/* Read provider's record. 0 (out->known may be 0) or HUB_ERR_STORE. */
int plan_state_get(const char *provider, struct plan_state *out);

#endif
