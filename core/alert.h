/*
 * alert.h - token alerts to an operator's webhook (HUB_ALERT_WEBHOOK).
 *
 * A JSON POST
 *   {"event":"token_failing"|"token_recovered"|"token_expiring"|
 *    "plan_warning"|"plan_limit_reached"|"plan_overage_started"|"plan_window_reset",
 *    "provider":..., "message":..., "expires_at":ISO or null,
 *    "hub":hostname, "time":ISO, "text":..., "content":...}
 * ("text" and "content" carry one human sentence, for Slack- and
 * Discord-style chat webhooks; an n8n Webhook node takes the fields) is
 * sent when a token starts failing, recovers, or comes within
 * HUB_TOKEN_WARN_DAYS of its expiry. Callers decide that an event happened
 * exactly once in the fleet (token_status.h: the failing/recovered
 * transition is atomic in Redis, the expiry warning a SET NX claim);
 * this module only delivers.
 *
 * Delivery is off the request's path: alert_send() puts the payload on a
 * small per-process queue and returns at once; one sender thread per
 * process (started on first use) POSTs it with libcurl, with a timeout of
 * HUB_ALERT_TIMEOUT_MS for each try, and tries once more after a failure.
 * A full queue drops the alert (logged). Neither the payload nor any log
 * line carries a secret or the webhook's URL (it may hold a token).
 */
#ifndef ALERT_H
#define ALERT_H

enum alert_event {
	ALERT_TOKEN_FAILING,
	ALERT_TOKEN_RECOVERED,
	ALERT_TOKEN_EXPIRING,
	/* the subscription's usage window (session/plan_state.h); expires_at
	 * is then the window's reset */
	ALERT_PLAN_WARNING,
	ALERT_PLAN_LIMIT_REACHED,
	ALERT_PLAN_OVERAGE_STARTED,
	ALERT_PLAN_WINDOW_RESET
};

/*
 * Queue an alert about provider. message: a sanitised sentence (may be
 * NULL); expires_at_ms: epoch ms or <= 0 when unknown. Returns 0 (queued),
 * HUB_ERR_DISABLED when no webhook is configured, HUB_ERR_TOO_LARGE when
 * the queue is full, HUB_ERR_NOMEM or HUB_ERR_SYSTEM (no sender thread).
 */
int alert_send(enum alert_event event, const char *provider, const char *message,
    long long expires_at_ms);

/*
 * Look at the expiry of each enabled provider's credential (the Gemini
 * credentials file's expiry_date when it has no refresh_token; for Claude
 * HUB_CLAUDE_TOKEN_EXPIRES) and queue one token_expiring alert per
 * provider and expiry for the whole fleet when it is within
 * HUB_TOKEN_WARN_DAYS. Cheap: does the work at most once a minute per
 * process, and nothing without a webhook. Never fails.
 */
void alert_check_expiry(void);

/*
 * Wait up to wait_ms for queued alerts to be delivered (for short-lived
 * programs before they exit). Returns 0 when the queue is empty, else
 * HUB_ERR_TIMEOUT.
 */
int alert_flush(long wait_ms);

/* The JSON payload for an event (for tests). Returns a malloc'd string
 * the caller frees, or NULL when out of memory. */
char *alert_payload(enum alert_event event, const char *provider, const char *message,
    long long expires_at_ms, long long now_ms);

#endif
