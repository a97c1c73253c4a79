/*
 * plan_window.h - a subscription's usage window as a provider reports it,
 * and what the hub makes of it.
 *
 * A plain value type shared by the layers: the CLI adapters fill one from
 * what the CLI said (Claude's rate_limit_event, Gemini's quota 429), the
 * chat layer decides on it, session/plan_state.c keeps it in Redis. Pure
 * code: no I/O; the clock is a parameter.
 *
 * Levels, from good to bad (the state machine of docs/PROVIDERS.md, "Plan
 * limits"): ok -> warning (the window's allowed_warning, or utilization at
 * or above the configured threshold) -> overage (extra usage is paying,
 * with overage = allow) -> limit (the window is rejected, or extra usage
 * is in use while overage = deny). Only "limit" refuses requests.
 */
#ifndef PLAN_WINDOW_H
#define PLAN_WINDOW_H

enum plan_status {
	PLAN_STATUS_UNKNOWN = 0,
	PLAN_STATUS_ALLOWED,
	PLAN_STATUS_WARNING,        /* "allowed_warning" */
	PLAN_STATUS_REJECTED
};

enum plan_level {
	PLAN_LEVEL_OK = 0,
	PLAN_LEVEL_WARNING = 1,
	PLAN_LEVEL_OVERAGE = 2,
	PLAN_LEVEL_LIMIT = 3
};

struct plan_window {
	int seen;                          /* 1 when a report was parsed */
	enum plan_status status;           /* the limiting window's status */
	char type[32];                     /* rateLimitType: five_hour, seven_day, ..., quota */
	double utilization;                /* 0..1 (may pass 1); < 0 unknown */
	long long resets_at;               /* epoch seconds; 0 unknown */
	int using_overage;                 /* isUsingOverage or overageInUse */
	enum plan_status overage_status;   /* overageStatus; UNKNOWN when absent */
	long long overage_resets_at;       /* epoch seconds; 0 unknown */
	char overage_disabled_reason[48];  /* "" when absent */
};

/* Empty w (seen 0, utilization unknown). */
void plan_window_init(struct plan_window *w);

/* "allowed", "allowed_warning", "rejected", or "unknown". Static. */
const char *plan_status_name(enum plan_status s);

/* The status called name (as the CLI spells it), or PLAN_STATUS_UNKNOWN. */
enum plan_status plan_status_parse(const char *name);

/* "ok", "warning", "overage", "limit". Static. */
const char *plan_level_name(enum plan_level l);

/* The level called name, or -1. */
int plan_level_parse(const char *name);

/*
 * The level of report w for a provider whose overage setting is allow
 * (1) or deny (0); warn_utilization in 0..1 (0: only the provider's own
 * warning counts).
 */
enum plan_level plan_window_level(const struct plan_window *w, int overage_allow,
    double warn_utilization);

/*
 * Until when (epoch ms) a provider at PLAN_LEVEL_LIMIT is refused: the
 * window's reset when it lies ahead of now_ms, else now_ms +
 * fallback_ms (a reset that is unknown or already past). For any other
 * level: 0 (no cool-down).
 */
long long plan_window_cooldown_until_ms(const struct plan_window *w, enum plan_level level,
    long long now_ms, long long fallback_ms);

#endif
