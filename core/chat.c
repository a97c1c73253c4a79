/*
 * chat.c - one chat turn: route, lock, load history, run, store.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "core/alert.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_log.h"
#include "common/hub_time.h"
#include "providers/registry.h"
#include "common/slots.h"
#include "session/plan_state.h"
#include "session/provider_stats.h"
#include "session/redis.h"
#include "session/session.h"
#include "session/session_id.h"
#include "session/token_status.h"

/* Set res->err and a printf-style message for the client. */
static int chat_fail(struct chat_result *res, int err, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
chat_fail(struct chat_result *res, int err, const char *param, const char *fmt, ...)
{
	va_list ap;

	res->err = err;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	snprintf(res->param, sizeof(res->param), "%s", param != NULL ? param : "");
	return err;
}

/* Name target i of res->route as "provider:model" in res. */
static void
chat_route_target(struct chat_result *res, size_t i)
{
	const struct registry_route_target *t = &res->route->targets[i];

	res->route_target = i;
	res->provider = t->provider;
	snprintf(res->route_target_name, sizeof(res->route_target_name), "%s%s%s", t->provider->name,
	    t->model[0] ? ":" : "", t->model);
}

/* Pick the provider; fills res->provider or the error. */
static int
chat_route(const struct chat_request *req, struct chat_result *res)
{
	int rc;
	char known[256];

	if ((req->provider == NULL || *req->provider == '\0') &&
	    (res->route = registry_find_route(req->model)) != NULL) {
		chat_route_target(res, 0);
		return HUB_OK;
	}
	rc = registry_route(req->model, req->provider, &res->provider);

	switch (rc) {
	case HUB_OK:
		/* a model the chosen provider does not serve is refused, never run */
		if (req->provider != NULL && *req->provider != '\0' && req->model != NULL &&
		    *req->model != '\0' && !registry_serves(res->provider, req->model))
			return chat_fail(res, HUB_ERR_INVALID, "model",
			    "the model `%.128s` is not served by provider %s; leave out `model` for its default (%s)",
			    req->model, res->provider->name,
			    res->provider->default_model ? res->provider->default_model : "none");
		return HUB_OK;
	case HUB_ERR_INVALID:
		(void)registry_names(known, sizeof(known));
		return chat_fail(res, HUB_ERR_INVALID, "provider",
		    "unknown provider \"%.64s\" (known: %s)", req->provider, known);
	case HUB_ERR_DISABLED:
		return chat_fail(res, HUB_ERR_DISABLED, "provider",
		    "the provider for \"%.64s\" is disabled",
		    req->model ? req->model : req->provider ? req->provider : "");
	default:
		return chat_fail(res, HUB_ERR_MODEL_NOT_FOUND, "model",
		    "The model `%.128s` does not exist or is not served by this hub",
		    req->model ? req->model : "");
	}
}

/* Refuse what res->provider cannot do: tools, tool turns, images. */
static int
chat_check_capabilities(const struct chat_request *req, struct chat_result *res)
{
	const struct provider *p = res->provider;
	const struct provider_msg *m;
	char param[48];
	size_t i;

	if (!p->ops->has_tools && req->n_tools > 0 && req->tool_choice != PROVIDER_TOOL_CHOICE_NONE)
		return chat_fail(res, HUB_ERR_INVALID, "tools",
		    "provider %s does not support tool calling; send the request without 'tools' or to a "
		    "provider that has them (docs/API.md, Tool calling)", p->name);
	for (i = 0; i < req->n_messages; i++) {
		m = &req->messages[i];
		if (!p->ops->has_tools && (m->n_tool_calls > 0 || strcmp(m->role, "tool") == 0)) {
			snprintf(param, sizeof(param), "messages[%zu].%s", i,
			    m->n_tool_calls > 0 ? "tool_calls" : "tool_call_id");
			return chat_fail(res, HUB_ERR_INVALID, param,
			    "provider %s does not support tool calling, so it cannot take tool turns", p->name);
		}
		if (!p->ops->has_images && m->n_images > 0) {
			snprintf(param, sizeof(param), "messages[%zu].content", i);
			return chat_fail(res, HUB_ERR_INVALID, param,
			    "provider %s does not take images; send text only", p->name);
		}
	}
	return HUB_OK;
}

/* The function name of the latest call id among the assistant messages
 * of m[0..n), or NULL. */
static const char *
chat_msgs_call_name(const struct provider_msg *m, size_t n, const char *id)
{
	size_t j;

	while (n-- > 0)
		for (j = 0; j < m[n].n_tool_calls; j++)
			if (strcmp(m[n].tool_calls[j].id, id) == 0)
				return m[n].tool_calls[j].name;
	return NULL;
}

/* The error for request message k, a tool result of no known call. */
static int
chat_fail_unknown_call(struct chat_result *res, size_t k, const char *id)
{
	char param[48];

	snprintf(param, sizeof(param), "messages[%zu].tool_call_id", k);
	return chat_fail(res, HUB_ERR_INVALID, param,
	    "'%s' (\"%.64s\") answers no tool call of an earlier assistant message "
	    "(in this request or, with X-Session-ID, the session)", param, id);
}

/* Route and check the id and capabilities, without asking Redis. */
static int
chat_check_request(const struct chat_request *req, struct chat_result *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = chat_route(req, res)) != HUB_OK)
		return rc;
	if (req->session_id != NULL && !session_id_valid(req->session_id))
		return chat_fail(res, HUB_ERR_INVALID, "X-Session-ID",
		    "invalid session id: expected 1 to 128 characters of A-Z a-z 0-9 _ -");
	return chat_check_capabilities(req, res);
}

/* Pools for the session form of messages (chat_store_fill()). */
struct chat_store_pool {
	struct session_tool_call *calls;
	struct session_image *images;
};

static void
chat_store_pool_free(struct chat_store_pool *pool)
{
	free(pool->calls);
	free(pool->images);
	pool->calls = NULL;
	pool->images = NULL;
}

/*
 * The session form of m[0..n) into out (strings borrowed from m, timestamp
 * ts), with their calls and images in pool (free with
 * chat_store_pool_free()). 0 or HUB_ERR_NOMEM.
 */
static int
chat_store_fill(const struct provider_msg *m, size_t n, const char *ts,
    struct session_new_message *out, struct chat_store_pool *pool)
{
	size_t i, j, nc = 0, ni = 0, kc = 0, ki = 0;

	for (i = 0; i < n; i++) {
		nc += m[i].n_tool_calls;
		ni += m[i].n_images;
	}
	if ((nc > 0 && (pool->calls = calloc(nc, sizeof(*pool->calls))) == NULL) ||
	    (ni > 0 && (pool->images = calloc(ni, sizeof(*pool->images))) == NULL))
		return HUB_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].role = m[i].role;
		out[i].content = m[i].content != NULL ? m[i].content : "";
		out[i].timestamp = ts;
		out[i].tool_call_id = m[i].tool_call_id;
		out[i].tool_name = m[i].tool_name;
		out[i].tool_calls = m[i].n_tool_calls > 0 ? pool->calls + kc : NULL;
		out[i].n_tool_calls = m[i].n_tool_calls;
		for (j = 0; j < m[i].n_tool_calls; j++, kc++) {
			pool->calls[kc].id = m[i].tool_calls[j].id;
			pool->calls[kc].name = m[i].tool_calls[j].name;
			pool->calls[kc].arguments = m[i].tool_calls[j].arguments;
		}
		out[i].images = m[i].n_images > 0 ? pool->images + ki : NULL;
		out[i].n_images = m[i].n_images;
		for (j = 0; j < m[i].n_images; j++, ki++) {
			/* borrowed: session_new_message never frees */
			pool->images[ki].media_type = (char *)m[i].images[j].media_type;
			pool->images[ki].base64 = (char *)m[i].images[j].base64;
			pool->images[ki].size = m[i].images[j].size;
		}
	}
	return HUB_OK;
}

static int chat_store_fail(struct chat_result *res, int rc);

/* How long a provider is refused after a limit whose reset is unknown. */
#define CHAT_PLAN_FALLBACK_MS   60000LL
/* The probe after a cool-down may take this long past the provider's timeout. */
#define CHAT_PLAN_PROBE_MARGIN_MS 30000L

/* The plan gate's answer g for p: 1 when p may run (res->plan_probe set),
 * 0 when it cools down. Redis not answering (g < 0) opens the gate: plan
 * state never fails a request. */
static int
chat_plan_verdict(const struct provider *p, struct chat_result *res, int g)
{
	res->plan_probe = g == PLAN_GATE_PROBE;
	if (g == PLAN_GATE_PROBE)
		hub_log(HUB_LOG_INFO, "chat", "provider %s: its cool-down is over; this request probes it",
		    p->name);
	return g != PLAN_GATE_CLOSED;
}

/* How long p's probe after a cool-down may take. */
static long
chat_plan_probe_ttl_ms(const struct provider *p)
{
	return p->timeout_s * 1000L + CHAT_PLAN_PROBE_MARGIN_MS;
}

/* Ask the plan gate for p (one round trip); as chat_plan_verdict(), with
 * res->plan_sig and *until_ms (the cool-down's end) set. */
static int
chat_plan_open(const struct provider *p, struct chat_result *res, long long *until_ms)
{
	return chat_plan_verdict(p, res, plan_state_gate(p->name, hub_time_wall_ms(),
	    chat_plan_probe_ttl_ms(p), until_ms, res->plan_sig, sizeof(res->plan_sig)));
}

/* The next target of res->route from index from on that is not cooling
 * down: 1 with res->provider set, else 0 with *until_ms the soonest end. */
static int
chat_route_next_open(struct chat_result *res, size_t from, long long *until_ms)
{
	long long until, soonest = 0;
	size_t i;

	for (i = from; res->route != NULL && i < res->route->n_targets; i++) {
		if (!res->route->targets[i].provider->enabled)
			continue;
		if (chat_plan_open(res->route->targets[i].provider, res, &until)) {
			chat_route_target(res, i);
			return 1;
		}
		(void)plan_state_count_refused(res->route->targets[i].provider->name);
		if (soonest == 0 || until < soonest)
			soonest = until;
	}
	*until_ms = soonest;
	return 0;
}

/*
 * The plan gate, before any slot or child: a provider (or every target
 * of a route) cooling down after its plan's limit is refused at once with
 * 429 plan_limit_reached and Retry-After up to the cool-down's end. The
 * gate of res->provider (a route's first target) was read beside the
 * session's first command: first_open and first_until are its answer;
 * each later target of a route costs one HMGET (docs/PROVIDERS.md, "Plan
 * limits").
 */
static int
chat_plan_gate(struct chat_result *res, int first_open, long long first_until)
{
	const struct provider *p = res->provider;
	long long until = first_until, rest = 0, now;
	char iso[32];

	if (first_open)
		return HUB_OK;
	if (p->enabled)
		(void)plan_state_count_refused(p->name);
	if (res->route != NULL) {
		if (chat_route_next_open(res, 1, &rest))
			return HUB_OK;
		if (rest > 0 && (until == 0 || rest < until))
			until = rest;
	}
	now = hub_time_wall_ms();
	res->reply.retry_after_s = until > now ? (long)((until - now + 999) / 1000) : 1;
	hub_time_iso8601(until, iso, sizeof(iso));
	if (res->route != NULL)
		return chat_fail(res, HUB_ERR_PLAN_LIMIT, "model",
		    "every target of route %s has reached its plan's usage limit; the first reopens at %s",
		    res->route->name, iso);
	return chat_fail(res, HUB_ERR_PLAN_LIMIT, NULL,
	    "provider %s has reached its plan's usage limit (or only extra usage, which overage = deny "
	    "forbids, is left); it is refused until %s and nothing was started", p->name, iso);
}

/*
 * A session lock lives CHAT_LOCK_TTL_MS unless renewed; the running turn
 * renews it every CHAT_LOCK_RENEW_MS from the provider's tick, so a holder
 * that dies frees its session within CHAT_LOCK_TTL_MS.
 */
#define CHAT_LOCK_TTL_MS   10000
#define CHAT_LOCK_RENEW_MS 3000

struct chat_lock {
	const char *session_id;
	const char *owner;
	const char *token;
	int lost;              /* the lock is no longer ours: nothing may be stored */
};

/* The provider's tick: renew the lock; stop the run once it is lost. A
 * Redis that does not answer now is not a loss (the append will tell). */
static int
chat_on_tick(void *arg)
{
	struct chat_lock *lock = arg;

	if (session_lock_renew(lock->session_id, lock->owner, lock->token, CHAT_LOCK_TTL_MS) == HUB_ERR_CONFLICT) {
		lock->lost = 1;
		hub_log(HUB_LOG_WARN, "chat", "session lock lost during a run; its reply will not be stored");
		return -1;
	}
	return 0;
}

/* The client's message for a store refusal rc. */
static int
chat_store_fail(struct chat_result *res, int rc)
{
	switch (rc) {
	case HUB_ERR_TOO_LARGE:
		return chat_fail(res, rc, "messages",
		    "the session is full (HUB_MAX_MESSAGES messages or HUB_SESSION_MAX_BYTES bytes); start a new session");
	case HUB_ERR_QUOTA:
		return chat_fail(res, rc, NULL,
		    "this client key has reached its number of sessions (HUB_KEY_MAX_SESSIONS); delete some or wait until they expire");
	case HUB_ERR_STORE_FULL:
		return chat_fail(res, rc, NULL,
		    "the session store is full (HUB_KEY_MAX_BYTES for this client key, or Redis maxmemory); nothing was stored");
	case HUB_ERR_CONFLICT:
		return chat_fail(res, rc, "X-Session-ID",
		    "the session's lock was lost before the reply could be stored (a stall, or the session store restarted); nothing was stored; retry");
	default:
		return chat_fail(res, HUB_ERR_STORE, NULL,
		    "the reply could not be stored in the session (Redis unavailable); nothing was stored");
	}
}

/* Seconds a client is told to wait when every slot is busy. */
#define CHAT_SLOT_RETRY_AFTER_S 2

int
chat_take_slot(struct chat_result *res, int *slot_fd)
{
	const struct provider *p = res->provider;
	long max = p->ops->max_concurrent != NULL ? p->ops->max_concurrent(p) : 0;
	int rc;

	rc = slots_take(hub_cfg->state_dir, p->name, max, slot_fd);
	if (rc == HUB_ERR_RATE_LIMIT) {
		res->reply.retry_after_s = CHAT_SLOT_RETRY_AFTER_S;
		return chat_fail(res, HUB_ERR_RATE_LIMIT, NULL,
		    "all %ld %s slots of this host are busy (%s); retry shortly",
		    max, p->name, p->ops->max_concurrent_setting ? p->ops->max_concurrent_setting : "");
	}
	if (rc != HUB_OK)
		hub_log(HUB_LOG_WARN, "chat", "cannot use the slot files under %s; running uncapped",
		    hub_cfg->state_dir);
	return HUB_OK;
}

void
chat_release_slot(int *slot_fd)
{
	slots_release(slot_fd);
}

/* With a webhook: claim and send the alert for p's state change since the
 * last alert, whichever process (with a webhook or not) saw it. */
static void
chat_claim_alert(const struct provider *p, const char *message)
{
	struct token_status st;
	int t;

	if (hub_cfg->alert_webhook == NULL || hub_cfg->alert_webhook[0] == '\0')
		return;
	t = token_status_claim_alert(p->name);
	if (t == TOKEN_STARTED_FAILING)
		(void)alert_send(ALERT_TOKEN_FAILING, p->name,
		    token_status_get(p->name, &st) == HUB_OK && st.last_failure_message[0] ?
		    st.last_failure_message : message, 0);
	else if (t == TOKEN_RECOVERED)
		(void)alert_send(ALERT_TOKEN_RECOVERED, p->name, NULL, 0);
}

/* 1 when the call's outcome goes into p's token record: a success, or
 * an authentication failure of credentials this process has (a local
 * mistake stays local: never the fleet's token status). */
static int
chat_token_wanted(const struct provider *p, const struct provider_reply *reply)
{
	if (reply->err == HUB_ERR_PROVIDER_AUTH && p->ops->credential_configured != NULL &&
	    !p->ops->credential_configured(p)) {
		hub_log(HUB_LOG_ERROR, "chat", "provider %s: no credentials configured in this process (%s)",
		    p->name, reply->error_message);
		return 0;
	}
	return reply->err == HUB_ERR_PROVIDER_AUTH || reply->err == HUB_OK;
}

/* Log the token record's transition t (token_status_record()) for p. */
static void
chat_token_log(const struct provider *p, int t)
{
	if (t == TOKEN_STARTED_FAILING)
		hub_log(HUB_LOG_WARN, "chat", "provider %s: credentials started failing", p->name);
	else if (t == TOKEN_RECOVERED)
		hub_log(HUB_LOG_INFO, "chat", "provider %s: credentials work again", p->name);
}

/* Record the provider's credential health after a call, and alert: the
 * way with a webhook, whose claims must come before and after the record. */
static void
chat_record_token(const struct provider *p, const struct provider_reply *reply)
{
	int t;

	alert_check_expiry();  /* cheap: once a minute per process */
	if (!chat_token_wanted(p, reply))
		return;
	/* a change another process saw (perhaps one without a webhook) first,
	 * then this call's own */
	chat_claim_alert(p, NULL);
	t = token_status_record(p->name, reply->err == HUB_ERR_PROVIDER_AUTH,
	    reply->err == HUB_ERR_PROVIDER_AUTH ? reply->error_message : NULL);
	chat_token_log(p, t);
	if (t >= 0)
		chat_claim_alert(p, reply->error_message);
}

/* 1 when alerts go out (a webhook is set). */
static int
chat_alerting(void)
{
	return hub_cfg->alert_webhook != NULL && hub_cfg->alert_webhook[0] != '\0';
}

/* Queue the alert for a plan level change from level from to level to. */
static void
chat_plan_alert(const struct provider *p, int from, int to, const struct plan_window *w)
{
	enum alert_event ev;
	char msg[200];

	if (to == PLAN_LEVEL_LIMIT)
		ev = ALERT_PLAN_LIMIT_REACHED;
	else if (to == PLAN_LEVEL_OVERAGE)
		ev = ALERT_PLAN_OVERAGE_STARTED;
	else if (to == PLAN_LEVEL_WARNING && from < PLAN_LEVEL_OVERAGE)
		ev = ALERT_PLAN_WARNING;
	else if (to < from)
		ev = ALERT_PLAN_WINDOW_RESET;
	else
		return;
	snprintf(msg, sizeof(msg), "%s window %s%s%s", w->type[0] ? w->type : "usage",
	    plan_status_name(w->status), w->using_overage ? ", extra usage in use" : "",
	    ev == ALERT_PLAN_LIMIT_REACHED && !p->overage_allow && w->using_overage ?
	    " (overage = deny: stopped)" : "");
	(void)alert_send(ev, p->name, msg, w->resets_at > 0 ? w->resets_at * 1000 : 0);
}

/*
 * Keep what the run said of p's plan (session/plan_state.h), end this
 * turn's probe, and alert a change. Writes Redis only when the report
 * differs from the one the gate read (or the turn was the probe).
 */
static void
chat_plan_record(const struct provider *p, struct chat_result *res)
{
	const struct provider_reply *reply = &res->reply;
	struct plan_window w = reply->plan;
	long long now = hub_time_wall_ms(), until;
	int level, from, to, claim = hub_cfg->alert_webhook != NULL && hub_cfg->alert_webhook[0] != '\0';
	char sig[160];

	if (!w.seen && !res->plan_probe)
		return;
	if (!w.seen && reply->err != HUB_OK) {
		/* the probe told nothing: the next request probes again */
		(void)plan_state_release_probe(p->name);
		res->plan_probe = 0;
		return;
	}
	if (!w.seen)
		plan_window_init(&w);  /* a probe that succeeded without a report */
	level = plan_window_level(&w, p->overage_allow, (double)hub_cfg->plan_warn_percent / 100.0);
	until = plan_window_cooldown_until_ms(&w, (enum plan_level)level, now, CHAT_PLAN_FALLBACK_MS);
	plan_state_signature(&w, level, sig, sizeof(sig));
	if (!res->plan_probe && strcmp(sig, res->plan_sig) == 0)
		return;  /* nothing new */
	if (plan_state_report(p->name, &w, level, until, res->plan_probe, claim, now, &from, &to) != HUB_OK)
		return;
	res->plan_probe = 0;
	snprintf(res->plan_sig, sizeof(res->plan_sig), "%s", sig);
	if (level != PLAN_LEVEL_OK)
		hub_log(HUB_LOG_WARN, "chat", "provider %s: plan %s (%s window %s%s)", p->name,
		    plan_level_name((enum plan_level)level), w.type[0] ? w.type : "usage",
		    plan_status_name(w.status), w.using_overage ? ", extra usage in use" : "");
	if (to >= 0)
		chat_plan_alert(p, from, to, &w);
}

/*
 * What one turn holds from chat_prepare() to chat_result_free(). Its Redis
 * round trips: one before the run (the plan gate's read beside the
 * session's lock, caps check and history load), one after it (the append
 * and unlock beside the statistics and the token record); the provider
 * statistics of the run's start are sent without a wait, their replies
 * read with the one after (redis_pipeline_deferred()); see
 * docs/BENCHMARKS.md.
 */
struct chat_turn {
	struct session_turn st;                /* the session's lock and commands */
	int has_session;                       /* st was begun */
	struct session *history;
	struct provider_msg *conv;             /* history + the request's messages */
	size_t n_conv;
	struct provider_tool_call *history_calls;  /* the history's calls and images */
	struct provider_image *history_images;
	struct session_new_message *store;     /* the request's messages + the reply */
	size_t n_store;
	struct chat_store_pool store_pool, reply_pool;
	struct chat_lock lock;
	char asked_at[32], answered_at[32];
	/* the run's outcome, recorded after the run */
	struct provider_stats_run stats;       /* the last attempt's */
	int stats_open;                        /* begun, not yet ended */
	int called;                            /* the provider was called: records due */
	int token_sent;                        /* its token record went with the commit */
	int token_transition;                  /* that record's answer */
};

/* Free t and what it holds; a lock still held is released (one round
 * trip). Accepts NULL. */
static void
chat_turn_free(struct chat_turn *t)
{
	if (t == NULL)
		return;
	if (t->has_session)
		session_turn_free(&t->st);
	session_free(t->history);
	free(t->conv);
	free(t->history_calls);
	free(t->history_images);
	free(t->store);
	chat_store_pool_free(&t->store_pool);
	chat_store_pool_free(&t->reply_pool);
	free(t);
}

/* The client's error for the session's first command's answer rc. */
static int
chat_begin_fail(struct chat_result *res, int rc)
{
	switch (rc) {
	case HUB_ERR_CONFLICT:
		return chat_fail(res, HUB_ERR_CONFLICT, "X-Session-ID",
		    "another request on this session is still running; retry when it has finished");
	case HUB_ERR_TOO_LARGE:
	case HUB_ERR_QUOTA:
	case HUB_ERR_STORE_FULL:
		return chat_store_fail(res, rc);
	case HUB_ERR_STORE:
		return chat_fail(res, HUB_ERR_STORE, NULL,
		    "the session store (Redis) is unavailable; try again shortly");
	default:
		return chat_fail(res, rc, NULL, "%s", hub_strerror(rc));
	}
}

/*
 * The turn's one round trip before the run: the plan gate's read of
 * res->provider and, when the turn has a session (an X-Session-ID, or a
 * reply to store), the session's first command: the lock (X-Session-ID
 * only: a fresh id is nobody else's), the caps for the request's messages
 * and the reply, the history. Then the gate's verdict (a route's later
 * targets ask on their own) and the session's.
 */
static int
chat_turn_begin(const struct chat_request *req, struct chat_result *res, struct chat_turn *t)
{
	struct plan_state_gate_cmd gate;
	struct redis_cmd cmds[2];
	struct redis_reply *r[2] = { NULL, NULL };
	const struct redis_cmd *scmd = NULL;
	struct session_new_message *msgs = NULL;
	struct chat_store_pool pool = { NULL, NULL };
	const struct provider *p = res->provider;
	long long until = 0;
	size_t n = 0;
	int rc, g, open, with_session = req->session_id != NULL || req->store;

	plan_state_gate_build(p->name, &gate);
	cmds[n++] = gate.cmd;
	if (with_session) {
		if (req->store && ((msgs = calloc(req->n_messages, sizeof(*msgs))) == NULL ||
		    chat_store_fill(req->messages, req->n_messages, t->asked_at, msgs, &pool) != HUB_OK)) {
			rc = chat_fail(res, HUB_ERR_NOMEM, NULL, "out of memory");
			goto out;
		}
		rc = session_turn_begin(&t->st, res->session_id, req->owner, req->session_id != NULL,
		    CHAT_LOCK_TTL_MS, msgs, req->store ? req->n_messages : 0, 0, &scmd);
		t->has_session = 1;
		if (rc != HUB_OK) {
			rc = chat_begin_fail(res, rc);
			goto out;
		}
		cmds[n++] = *scmd;
	}
	(void)redis_pipeline(r, n, cmds);  /* r[i] NULL: not answered */
	/* the plan gate first: a cooling provider is refused whatever the session */
	g = plan_state_gate_read(p->name, r[0], hub_time_wall_ms(), chat_plan_probe_ttl_ms(p), &until,
	    res->plan_sig, sizeof(res->plan_sig));
	open = p->enabled && chat_plan_verdict(p, res, g);
	if ((rc = chat_plan_gate(res, open, until)) != HUB_OK)
		goto out;
	if (with_session && (rc = session_turn_begun(&t->st, r[1], &t->history)) != HUB_OK) {
		rc = chat_begin_fail(res, rc);
		goto out;
	}
	if (session_turn_locked(&t->st)) {
		t->lock.session_id = res->session_id;
		t->lock.owner = req->owner;
		t->lock.token = session_turn_token(&t->st);
	}
	rc = HUB_OK;
out:
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	free(msgs);
	chat_store_pool_free(&pool);
	return rc;
}

/* The history as provider messages into t->conv; its calls and images in
 * t's pools. Refuses a history res->provider cannot take. */
static int
chat_turn_history(struct chat_turn *t, struct chat_result *res)
{
	const struct provider_ops *ops = res->provider->ops;
	const struct session *h = t->history;
	const struct session_message *sm;
	struct provider_msg *pm;
	size_t i, j, nc = 0, ni = 0, kc = 0, ki = 0;

	for (i = 0; h != NULL && i < h->n_messages; i++) {
		nc += h->messages[i].n_tool_calls;
		ni += h->messages[i].n_images;
		if (!ops->has_tools && (h->messages[i].n_tool_calls > 0 || strcmp(h->messages[i].role, "tool") == 0))
			return chat_fail(res, HUB_ERR_INVALID, "X-Session-ID",
			    "the session holds tool calls, which provider %s does not support; continue it "
			    "with a provider that does", res->provider->name);
		if (!ops->has_images && h->messages[i].n_images > 0)
			return chat_fail(res, HUB_ERR_INVALID, "X-Session-ID",
			    "the session holds images, which provider %s does not take", res->provider->name);
	}
	if ((nc > 0 && (t->history_calls = calloc(nc, sizeof(*t->history_calls))) == NULL) ||
	    (ni > 0 && (t->history_images = calloc(ni, sizeof(*t->history_images))) == NULL))
		return chat_fail(res, HUB_ERR_NOMEM, NULL, "out of memory");
	for (i = 0; h != NULL && i < h->n_messages; i++) {
		sm = &h->messages[i];
		pm = &t->conv[t->n_conv++];
		pm->role = sm->role;
		pm->content = sm->content;
		pm->tool_call_id = sm->tool_call_id;
		pm->tool_name = sm->tool_name;
		pm->tool_calls = sm->n_tool_calls > 0 ? t->history_calls + kc : NULL;
		pm->n_tool_calls = sm->n_tool_calls;
		for (j = 0; j < sm->n_tool_calls; j++, kc++)
			t->history_calls[kc] = (struct provider_tool_call){ sm->tool_calls[j].id,
			    sm->tool_calls[j].name, sm->tool_calls[j].arguments };
		pm->images = sm->n_images > 0 ? t->history_images + ki : NULL;
		pm->n_images = sm->n_images;
		for (j = 0; j < sm->n_images; j++, ki++)
			t->history_images[ki] = (struct provider_image){ sm->images[j].media_type,
			    sm->images[j].base64, sm->images[j].size };
	}
	return HUB_OK;
}

/* Give each tool message of t->conv the function name of the call it
 * answers; one of the request's (from index first on) that answers no
 * earlier call is refused. */
static int
chat_turn_resolve_tools(struct chat_turn *t, size_t first, struct chat_result *res)
{
	const char *name;
	size_t k;

	for (k = 0; k < t->n_conv; k++) {
		if (strcmp(t->conv[k].role, "tool") != 0)
			continue;
		name = t->conv[k].tool_call_id != NULL ?
		    chat_msgs_call_name(t->conv, k, t->conv[k].tool_call_id) : NULL;
		if (name != NULL)
			t->conv[k].tool_name = name;
		else if (k >= first)
			return chat_fail_unknown_call(res, k - first,
			    t->conv[k].tool_call_id ? t->conv[k].tool_call_id : "");
	}
	return HUB_OK;
}

/* The conversation (history + the request) and the messages to store. */
static int
chat_turn_build(const struct chat_request *req, struct chat_result *res, struct chat_turn *t)
{
	size_t i, first, n = (t->history ? t->history->n_messages : 0) + req->n_messages;

	if (n > HUB_MAX_MESSAGES)
		return chat_fail(res, HUB_ERR_TOO_LARGE, "messages",
		    "the conversation is longer than the limit of messages; start a new session");
	if ((t->conv = calloc(n, sizeof(*t->conv))) == NULL ||
	    (t->store = calloc(req->n_messages + 1, sizeof(*t->store))) == NULL)
		return chat_fail(res, HUB_ERR_NOMEM, NULL, "out of memory");
	if (chat_turn_history(t, res) != HUB_OK)
		return res->err;
	first = t->n_conv;
	for (i = 0; i < req->n_messages; i++)
		t->conv[t->n_conv++] = req->messages[i];
	if (chat_turn_resolve_tools(t, first, res) != HUB_OK)
		return res->err;
	if (chat_store_fill(t->conv + first, req->n_messages, t->asked_at, t->store, &t->store_pool) != HUB_OK)
		return chat_fail(res, HUB_ERR_NOMEM, NULL, "out of memory");
	t->n_store = req->n_messages;
	return HUB_OK;
}

/* 1 when a route's target failed in a way its next target may mend
 * (cooling down, its login failing, overloaded) before any text went out. */
static int
chat_route_may_fall_over(const struct chat_result *res)
{
	int err = res->reply.err;

	return res->route != NULL && res->route_target + 1 < res->route->n_targets &&
	    res->reply.first_token_ms < 0 && res->reply.n_tool_calls == 0 &&
	    (err == HUB_ERR_PLAN_LIMIT || err == HUB_ERR_PROVIDER_AUTH || err == HUB_ERR_OVERLOADED ||
	    err == HUB_ERR_RATE_LIMIT || err == HUB_ERR_SPAWN);
}

/* A failed attempt of a route that falls over to its next target: its
 * statistics, token and plan records, at once (own round trips). */
static void
chat_turn_after_attempt(struct chat_result *res, struct chat_turn *t)
{
	const struct provider *p = res->provider;

	provider_stats_end(&t->stats, res->reply.err, res->reply.error_message,
	    res->reply.first_token_ms);
	t->stats_open = 0;
	t->called = 0;
	chat_record_token(p, &res->reply);
	chat_plan_record(p, res);
}

static int chat_turn_call_once(const struct chat_request *req, struct chat_result *res,
    struct chat_turn *t, int *slot_fd);

/*
 * Run the provider; for a route, each next target that is not cooling
 * down while the one before failed in a way it may mend. The caller's
 * slot (req->slot_fd) is the first target's; later targets take their own.
 */
static int
chat_turn_call(const struct chat_request *req, struct chat_result *res, struct chat_turn *t)
{
	long long until;
	int rc, fallback_slot = -1;

	rc = chat_turn_call_once(req, res, t, req->slot_fd);
	while (rc != HUB_OK && !t->lock.lost && chat_route_may_fall_over(res)) {
		hub_log(HUB_LOG_WARN, "chat", "route %s: target %s failed (%s); trying the next one",
		    res->route->name, res->route_target_name, hub_error_code(res->reply.err));
		chat_turn_after_attempt(res, t);
		if (!chat_route_next_open(res, res->route_target + 1, &until))
			break;
		provider_reply_free(&res->reply);
		res->err = HUB_OK;
		res->message[0] = '\0';
		chat_release_slot(&fallback_slot);
		if (chat_take_slot(res, &fallback_slot) != HUB_OK)
			break;
		rc = chat_turn_call_once(req, res, t, &fallback_slot);
	}
	chat_release_slot(&fallback_slot);
	return rc;
}

/* Run res->provider once, with its statistics begun (sent, not waited for; they
 * end with the commit), the slot (slot_fd NULL: its own). */
static int
chat_turn_call_once(const struct chat_request *req, struct chat_result *res, struct chat_turn *t,
    int *slot_fd)
{
	const struct provider *p = res->provider;
	struct provider_call call;
	int own_slot = -1;

	memset(&call, 0, sizeof(call));
	call.model = req->model != NULL && *req->model != '\0' ? req->model : NULL;
	if (res->route != NULL)
		call.model = res->route->targets[res->route_target].model[0] ?
		    res->route->targets[res->route_target].model : NULL;
	call.messages = t->conv;
	call.n_messages = t->n_conv;
	call.stream = req->stream;
	if (p->ops->has_tools) {
		call.tools = req->tools;
		call.n_tools = req->n_tools;
	}
	call.tool_choice = req->tool_choice;
	call.tool_choice_name = req->tool_choice_name;
	call.parallel_tool_calls = req->parallel_tool_calls;
	call.owner = req->owner;
	call.io = req->io;
	call.io.on_tick = t->lock.token != NULL ? chat_on_tick : NULL;
	call.io.tick_ms = t->lock.token != NULL ? CHAT_LOCK_RENEW_MS : 0;
	call.io.tick_arg = t->lock.token != NULL ? &t->lock : NULL;
	if (slot_fd == NULL && chat_take_slot(res, &own_slot) != HUB_OK)
		return res->err;
	provider_stats_begin(p->name, provider_model_label(p, call.model), p->timeout_s, &t->stats);
	t->stats_open = t->called = 1;
	p->ops->chat(p, &call, &res->reply);
	t->stats.child_start = res->reply.child_start;
	hub_time_iso8601(hub_time_wall_ms(), t->answered_at, sizeof(t->answered_at));
	chat_release_slot(&own_slot);
	snprintf(res->model, sizeof(res->model), "%s", res->reply.model ? res->reply.model :
	    call.model ? call.model : p->default_model ? p->default_model : p->name);
	if (t->lock.lost)
		return chat_store_fail(res, HUB_ERR_CONFLICT);
	if (res->reply.err != HUB_OK)
		return chat_fail(res, res->reply.err, NULL, "%s",
		    res->reply.error_message[0] ? res->reply.error_message : hub_strerror(res->reply.err));
	return HUB_OK;
}

/* The reply as the last message to store, into t->store. */
static int
chat_turn_add_reply(struct chat_result *res, struct chat_turn *t)
{
	struct provider_msg reply;

	memset(&reply, 0, sizeof(reply));
	reply.role = "assistant";
	reply.content = res->reply.text ? res->reply.text : "";
	reply.tool_calls = res->reply.tool_calls;
	reply.n_tool_calls = res->reply.n_tool_calls;
	if (chat_store_fill(&reply, 1, t->answered_at, &t->store[t->n_store], &t->reply_pool) != HUB_OK)
		return chat_fail(res, HUB_ERR_NOMEM, NULL, "out of memory");
	t->n_store++;
	return HUB_OK;
}

/*
 * The turn's one round trip after the run: with store, the append of the
 * request's messages and the reply in one fenced step that also releases
 * the lock (else the lock's release alone), and beside it the run's
 * statistics and (without a webhook) its token record, which ride along
 * (redis_pipeline_riders(): lost rather than counted twice after a
 * failover). Returns res->err: 0 only once the append is acknowledged, so
 * what the caller answers is stored; a store refusal with its message.
 */
static int
chat_turn_finish(struct chat_result *res, struct chat_turn *t, int store)
{
	const struct provider *p = res->provider;
	struct provider_stats_end_cmds stats;
	struct token_status_cmd token;
	struct redis_cmd cmds[2 + PROVIDER_STATS_END_MAX_CMDS];
	struct redis_reply *r[2 + PROVIDER_STATS_END_MAX_CMDS];
	const struct redis_cmd *scmd = NULL;
	size_t i, n = 0, n_essential, token_at = 0;
	int rc = HUB_OK;

	if (store && (rc = chat_turn_add_reply(res, t)) == HUB_OK && (rc = session_turn_commit(&t->st,
	    p->name, res->model, t->store, t->n_store, &scmd)) != HUB_OK)
		rc = chat_store_fail(res, rc);
	if (rc != HUB_OK)
		store = 0;
	if (!store && t->has_session)
		(void)session_turn_release(&t->st, &scmd);  /* NULL: no lock held */
	if (scmd != NULL)
		cmds[n++] = *scmd;
	n_essential = n;
	if (t->stats_open) {
		provider_stats_end_build(&t->stats, res->reply.err, res->reply.error_message,
		    res->reply.first_token_ms, &stats);
		for (i = 0; i < stats.n; i++)
			cmds[n++] = stats.cmds[i];
		if (!chat_alerting() && chat_token_wanted(p, &res->reply)) {
			token_status_record_build(p->name, res->reply.err == HUB_ERR_PROVIDER_AUTH,
			    res->reply.err == HUB_ERR_PROVIDER_AUTH ? res->reply.error_message : NULL, &token);
			token_at = n;
			cmds[n++] = token.cmd;
			t->token_sent = 1;
		}
	}
	if (n == 0)
		return rc;
	(void)redis_pipeline_riders(r, n, cmds, n_essential);  /* r[i] NULL: not answered */
	if (store) {
		/* durable before answered: the caller sends the 200 (or the
		 * stream's final chunk) only after this returned 0; the reply
		 * exists but could not be kept: say so, lose nothing silently */
		if ((rc = session_turn_done(&t->st, r[0], 1)) != HUB_OK)
			rc = chat_store_fail(res, rc);
		else
			res->message_count = (t->history ? t->history->n_messages : 0) + t->n_store;
	} else if (n_essential > 0) {
		(void)session_turn_done(&t->st, r[0], 0);
	}
	if (t->token_sent)
		t->token_transition = token_status_record_read(&token, r[token_at]);
	t->stats_open = 0;  /* recorded */
	for (i = 0; i < n; i++)
		redis_reply_free(r[i]);
	return rc;
}

/* What the turn leaves for after the answer: the token record's log and
 * alerts (with a webhook, the record itself, whose alert claims must come
 * before and after it), the plan-state report. */
static void
chat_turn_after(struct chat_result *res, struct chat_turn *t)
{
	const struct provider *p = res->provider;

	if (!t->called || p == NULL)
		return;
	if (chat_alerting())
		chat_record_token(p, &res->reply);
	else if (t->token_sent)
		chat_token_log(p, t->token_transition);
	chat_plan_record(p, res);
	t->called = 0;
}

/* The after-work of res's turn, then free the turn. */
static void
chat_turn_after_free(struct chat_result *res)
{
	if (res->turn == NULL)
		return;
	chat_turn_after(res, res->turn);
	chat_turn_free(res->turn);
	res->turn = NULL;
}

int
chat_prepare(const struct chat_request *req, struct chat_result *res)
{
	struct chat_turn *t;
	int rc;

	if ((rc = chat_check_request(req, res)) != HUB_OK)
		return rc;
	if (req->n_messages == 0)
		return chat_fail(res, HUB_ERR_INVALID, "messages", "messages must not be empty");
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return chat_fail(res, HUB_ERR_NOMEM, NULL, "out of memory");
	res->turn = t;  /* freed by chat_result_free() */
	hub_time_iso8601(req->received_wall_ms > 0 ? req->received_wall_ms : hub_time_wall_ms(),
	    t->asked_at, sizeof(t->asked_at));
	if (req->session_id != NULL)
		snprintf(res->session_id, sizeof(res->session_id), "%s", req->session_id);
	else if (session_id_generate(res->session_id, sizeof(res->session_id)) != HUB_OK)
		return chat_fail(res, HUB_ERR_SYSTEM, NULL, "cannot generate a session id");
	if ((rc = chat_turn_begin(req, res, t)) != HUB_OK)
		return rc;
	return chat_turn_build(req, res, t);
}

/*
 * A caller that named a fresh session id of its own after chat_prepare()
 * (the id must be in a stream's headers): the turn is stored under it. A
 * fresh id holds no lock and nothing yet, so the caps checked hold for it.
 */
static int
chat_turn_adopt_id(const struct chat_request *req, struct chat_result *res, struct chat_turn *t)
{
	const struct redis_cmd *unused;

	if (req->session_id == NULL || strcmp(req->session_id, res->session_id) == 0)
		return HUB_OK;
	if (session_turn_locked(&t->st) || !session_id_valid(req->session_id))
		return chat_fail(res, HUB_ERR_INVALID, "X-Session-ID",
		    "the session id changed after the turn was prepared");
	snprintf(res->session_id, sizeof(res->session_id), "%s", req->session_id);
	session_turn_free(&t->st);
	/* builds the keys of the new id; its command is not sent */
	return session_turn_begin(&t->st, res->session_id, req->owner, 0, CHAT_LOCK_TTL_MS, NULL, 0,
	    0, &unused) == HUB_OK ? HUB_OK : chat_fail(res, HUB_ERR_NOMEM, NULL, "out of memory");
}

int
chat_run_prepared(const struct chat_request *req, struct chat_result *res)
{
	struct chat_turn *t = res->turn;
	int rc;

	if (t == NULL)
		return res->err != HUB_OK ? res->err :
		    chat_fail(res, HUB_ERR_SYSTEM, NULL, "the turn was not prepared");
	if (res->err != HUB_OK)
		return res->err;
	if ((rc = chat_turn_adopt_id(req, res, t)) != HUB_OK)
		return rc;
	rc = chat_turn_call(req, res, t);
	/* a failed run stores nothing; res->err stays its error */
	(void)chat_turn_finish(res, t, rc == HUB_OK && req->store);
	return res->err;
}

int
chat_run(const struct chat_request *req, struct chat_result *res)
{
	if (chat_prepare(req, res) != HUB_OK)
		return res->err;
	return chat_run_prepared(req, res);
}

void
chat_result_free(struct chat_result *res)
{
	if (res == NULL)
		return;
	chat_turn_after_free(res);
	provider_reply_free(&res->reply);
}
