/*
 * chat.c - one chat turn: route, lock, load history, run, store.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "common/alert.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_log.h"
#include "common/hub_time.h"
#include "providers/gemini_token.h"
#include "providers/registry.h"
#include "common/slots.h"
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

/* Pick the provider; fills res->provider or the error. */
static int
chat_route(const struct chat_request *req, struct chat_result *res)
{
	int rc = registry_route(req->model, req->provider, &res->provider);

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
		return chat_fail(res, HUB_ERR_INVALID, "provider",
		    "unknown provider \"%.64s\" (known: claude, gemini)", req->provider);
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

/* 1 when session s belongs to owner ("" and NULL are the anonymous owner). */
static int
chat_owner_matches(const struct session *s, const char *owner)
{
	return strcmp(s->meta.owner != NULL ? s->meta.owner : "", owner != NULL ? owner : "") == 0;
}

/* Route and check the id, without asking Redis. */
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
	return HUB_OK;
}

int
chat_prepare(const struct chat_request *req, struct chat_result *res)
{
	struct session *s = NULL;
	int rc, foreign;

	if ((rc = chat_check_request(req, res)) != HUB_OK)
		return rc;
	if (req->session_id == NULL)  /* no Redis, no reply kept: refuse before anything runs */
		return !req->store || redis_ping() == HUB_OK ? HUB_OK : chat_fail(res, HUB_ERR_STORE,
		    NULL, "the session store (Redis) is unavailable; try again shortly");
	/* a new session is fine; another owner's looks exactly like a missing
	 * one to this client, and cannot be continued */
	rc = session_load(req->session_id, NULL, 0, &s);
	foreign = rc == HUB_OK && !chat_owner_matches(s, req->owner);
	session_free(s);
	if (rc == HUB_ERR_NOT_FOUND)
		return HUB_OK;
	if (foreign)
		return chat_fail(res, HUB_ERR_NOT_FOUND, "X-Session-ID", "session not found");
	if (rc == HUB_ERR_STORE)
		return chat_fail(res, HUB_ERR_STORE, NULL,
		    "the session store (Redis) is unavailable; try again shortly");
	return rc == HUB_OK ? HUB_OK : chat_fail(res, rc, NULL, "%s", hub_strerror(rc));
}

/* Seconds a client is told to wait when every slot is busy. */
#define CHAT_SLOT_RETRY_AFTER_S 2

int
chat_take_slot(struct chat_result *res, int *slot_fd)
{
	const struct provider *p = res->provider;
	long max = p->kind == PROVIDER_CLAUDE ? hub_cfg->max_concurrent_claude :
	    p->kind == PROVIDER_GEMINI ? hub_cfg->max_concurrent_gemini : 0;
	int rc;

	rc = slots_take(hub_cfg->state_dir, p->name, max, slot_fd);
	if (rc == HUB_ERR_RATE_LIMIT) {
		res->reply.retry_after_s = CHAT_SLOT_RETRY_AFTER_S;
		return chat_fail(res, HUB_ERR_RATE_LIMIT, NULL,
		    "all %ld %s slots of this host are busy (HUB_MAX_CONCURRENT_%s); retry shortly",
		    max, p->name, p->kind == PROVIDER_CLAUDE ? "CLAUDE" : "GEMINI");
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

/* 1 when this process has a credential for p configured at all (a missing
 * one is this process's configuration error, not the provider's refusal). */
static int
chat_credential_configured(const struct provider *p)
{
	struct gemini_token_info info;
	const char *path;

	if (p->kind == PROVIDER_CLAUDE)
		return hub_cfg->claude_oauth_token != NULL && hub_cfg->claude_oauth_token[0] != '\0';
	if (p->kind == PROVIDER_GEMINI) {
		if ((path = hub_cfg->gemini_auth_path) == NULL || *path == '\0')
			return 1;  /* the CLI's own default place: cannot tell from here */
		memset(&info, 0, sizeof(info));
		return gemini_token_status(path, &info) == HUB_OK && info.present &&
		    info.has_access_token;
	}
	return 1;
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

/* Record the provider's credential health after a call, and alert. */
static void
chat_record_token(const struct provider *p, const struct provider_reply *reply)
{
	int t;

	alert_check_expiry();  /* cheap: once a minute per process */
	if (reply->err == HUB_ERR_PROVIDER_AUTH && !chat_credential_configured(p)) {
		/* a local mistake stays local: never the fleet's token status */
		hub_log(HUB_LOG_ERROR, "chat", "provider %s: no credentials configured in this process (%s)",
		    p->name, reply->error_message);
		return;
	}
	if (reply->err != HUB_ERR_PROVIDER_AUTH && reply->err != HUB_OK)
		return;
	/* a change another process saw (perhaps one without a webhook) first,
	 * then this call's own */
	chat_claim_alert(p, NULL);
	t = token_status_record(p->name, reply->err == HUB_ERR_PROVIDER_AUTH,
	    reply->err == HUB_ERR_PROVIDER_AUTH ? reply->error_message : NULL);
	if (t == TOKEN_STARTED_FAILING)
		hub_log(HUB_LOG_WARN, "chat", "provider %s: credentials started failing", p->name);
	else if (t == TOKEN_RECOVERED)
		hub_log(HUB_LOG_INFO, "chat", "provider %s: credentials work again", p->name);
	if (t >= 0)
		chat_claim_alert(p, reply->error_message);
}

int
chat_run(const struct chat_request *req, struct chat_result *res)
{
	struct provider_msg *conv = NULL;
	struct session_new_message *store = NULL;
	struct session *history = NULL;
	struct provider_call call;
	struct provider_stats_run stats;
	char lock_token[40] = "", asked_at[32], answered_at[32];
	size_t i, n = 0, nstore = 0;
	long lock_ms;
	int rc, locked = 0, own_slot = -1;

	if ((rc = chat_check_request(req, res)) != HUB_OK)
		return rc;
	hub_time_iso8601(req->received_wall_ms > 0 ? req->received_wall_ms : hub_time_wall_ms(),
	    asked_at, sizeof(asked_at));
	if (req->n_messages == 0)
		return chat_fail(res, HUB_ERR_INVALID, "messages", "messages must not be empty");
	if (req->session_id != NULL) {
		snprintf(res->session_id, sizeof(res->session_id), "%s", req->session_id);
		lock_ms = (res->provider->timeout_s + 30) * 1000;
		rc = session_lock(res->session_id, lock_ms, lock_token, sizeof(lock_token));
		if (rc == HUB_ERR_CONFLICT) {
			chat_fail(res, HUB_ERR_CONFLICT, "X-Session-ID",
			    "another request on this session is still running; retry when it has finished");
			goto out;
		}
		if (rc != HUB_OK) {
			chat_fail(res, HUB_ERR_STORE, NULL, "the session store (Redis) is unavailable");
			goto out;
		}
		locked = 1;
		rc = session_load(res->session_id, NULL, 1, &history);
		if (rc == HUB_OK && !chat_owner_matches(history, req->owner)) {
			/* another key's session: never continue or reveal it */
			chat_fail(res, HUB_ERR_NOT_FOUND, "X-Session-ID", "session not found");
			goto out;
		}
		if (rc != HUB_OK && rc != HUB_ERR_NOT_FOUND) {
			chat_fail(res, rc, NULL, "%s", hub_strerror(rc));
			goto out;
		}
	} else if (session_id_generate(res->session_id, sizeof(res->session_id)) != HUB_OK) {
		chat_fail(res, HUB_ERR_SYSTEM, NULL, "cannot generate a session id");
		goto out;
	}

	n = (history ? history->n_messages : 0) + req->n_messages;
	if (n > HUB_MAX_MESSAGES) {
		chat_fail(res, HUB_ERR_TOO_LARGE, "messages",
		    "the conversation is longer than the limit of messages; start a new session");
		goto out;
	}
	if ((conv = calloc(n, sizeof(*conv))) == NULL ||
	    (store = calloc(req->n_messages + 1, sizeof(*store))) == NULL) {
		chat_fail(res, HUB_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	n = 0;
	for (i = 0; history != NULL && i < history->n_messages; i++) {
		conv[n].role = history->messages[i].role;
		conv[n].content = history->messages[i].content;
		n++;
	}
	for (i = 0; i < req->n_messages; i++) {
		conv[n++] = req->messages[i];
		store[nstore].role = req->messages[i].role;
		store[nstore].content = req->messages[i].content;
		store[nstore].timestamp = asked_at;
		nstore++;
	}

	memset(&call, 0, sizeof(call));
	call.model = req->model != NULL && *req->model != '\0' ? req->model : NULL;
	call.messages = conv;
	call.n_messages = n;
	call.stream = req->stream;
	call.on_delta = req->on_delta;
	call.on_idle = req->on_idle;
	call.idle_tick_ms = req->idle_tick_ms;
	call.arg = req->arg;
	call.watch_fd = req->watch_fd;
	/* a reply that could not be stored would spend the subscription for nothing */
	if (req->store && !locked && redis_ping() != HUB_OK) {
		chat_fail(res, HUB_ERR_STORE, NULL,
		    "the session store (Redis) is unavailable; try again shortly");
		goto out;
	}
	if (req->slot_fd == NULL && chat_take_slot(res, &own_slot) != HUB_OK)
		goto out;
	provider_stats_begin(res->provider, call.model, res->provider->timeout_s, &stats);
	res->provider->ops->chat(res->provider, &call, &res->reply);
	provider_stats_end(&stats, &res->reply);
	hub_time_iso8601(hub_time_wall_ms(), answered_at, sizeof(answered_at));
	chat_release_slot(&own_slot);
	chat_record_token(res->provider, &res->reply);
	snprintf(res->model, sizeof(res->model), "%s",
	    res->reply.model ? res->reply.model : call.model ? call.model :
	    res->provider->default_model ? res->provider->default_model : res->provider->name);
	if (res->reply.err != HUB_OK) {
		res->err = res->reply.err;
		snprintf(res->message, sizeof(res->message), "%s",
		    res->reply.error_message[0] ? res->reply.error_message : hub_strerror(res->err));
		goto out;
	}
	if (req->store) {
		store[nstore].role = "assistant";
		store[nstore].content = res->reply.text ? res->reply.text : "";
		store[nstore].timestamp = answered_at;
		nstore++;
		rc = session_append_exchange(res->session_id, req->owner, res->provider->name,
		    res->model, store, nstore);
		if (rc != HUB_OK) {
			/* the reply exists but could not be kept: say so, lose nothing silently */
			chat_fail(res, rc, NULL, "%s", rc == HUB_ERR_TOO_LARGE ?
			    "the session is full; start a new session" :
			    "the reply could not be stored in the session (Redis unavailable)");
			goto out;
		}
	}
	res->err = HUB_OK;
out:
	chat_release_slot(&own_slot);
	if (locked)
		session_unlock(res->session_id, lock_token);
	session_free(history);
	free(conv);
	free(store);
	return res->err;
}

void
chat_result_free(struct chat_result *res)
{
	if (res == NULL)
		return;
	provider_reply_free(&res->reply);
}
