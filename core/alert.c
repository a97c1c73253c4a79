/*
 * alert.c - token alerts: a per-process queue and one libcurl sender thread.
 */
#include "config.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_log.h"
#include "common/hub_time.h"
#include "providers/registry.h"
#include "session/token_status.h"

/* Alerts waiting for the sender thread. */
#define ALERT_QUEUE_LEN          32
/* Pause before the one retry. */
#define ALERT_RETRY_DELAY_MS     500
/* How often a process looks at expiry dates. */
#define ALERT_EXPIRY_CHECK_MS    60000
/* How long an expiry warning stays claimed beyond the warning window. */
#define ALERT_CLAIM_EXTRA_S      (30L * 86400L)
/* The longest message put into a payload. */
#define ALERT_MAX_MESSAGE        512

static pthread_mutex_t alert_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t alert_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t alert_idle = PTHREAD_COND_INITIALIZER;
static char *alert_queue[ALERT_QUEUE_LEN];   /* payloads, owned */
static char alert_queue_what[ALERT_QUEUE_LEN][64];  /* "token_failing claude", for logs */
static size_t alert_head, alert_count;
static int alert_busy;                       /* the sender is posting */
static int alert_thread_ok;
static pthread_once_t alert_once = PTHREAD_ONCE_INIT;
static long long alert_last_expiry_check_ms;

static const char *
alert_event_name(enum alert_event event)
{
	switch (event) {
	case ALERT_TOKEN_FAILING:
		return "token_failing";
	case ALERT_TOKEN_RECOVERED:
		return "token_recovered";
	case ALERT_PLAN_WARNING:
		return "plan_warning";
	case ALERT_PLAN_LIMIT_REACHED:
		return "plan_limit_reached";
	case ALERT_PLAN_OVERAGE_STARTED:
		return "plan_overage_started";
	case ALERT_PLAN_WINDOW_RESET:
		return "plan_window_reset";
	default:
		return "token_expiring";
	}
}

/* Copy msg into out without control characters and with the Claude token
 * (should it ever appear) cut out. */
static void
alert_sanitise(const char *msg, char *out, size_t outlen)
{
	const char *tok = hub_cfg != NULL ? hub_cfg->claude_oauth_token : NULL;
	size_t i, j = 0;
	char *p;

	for (i = 0; msg != NULL && msg[i] != '\0' && j + 1 < outlen; i++)
		if ((unsigned char)msg[i] >= 0x20 && msg[i] != 0x7f)
			out[j++] = msg[i];
	out[j] = '\0';
	if (tok != NULL && *tok != '\0')
		while ((p = strstr(out, tok)) != NULL)
			memmove(p, p + strlen(tok), strlen(p + strlen(tok)) + 1);
}

char *
alert_payload(enum alert_event event, const char *provider, const char *message,
    long long expires_at_ms, long long now_ms)
{
	struct json_object *o;
	char host[256], now_iso[40], exp_iso[40], msg[ALERT_MAX_MESSAGE], text[1024];
	const char *head;
	char *out;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	alert_sanitise(message, msg, sizeof(msg));
	hub_time_iso8601(now_ms, now_iso, sizeof(now_iso));
	if (expires_at_ms > 0)
		hub_time_iso8601(expires_at_ms, exp_iso, sizeof(exp_iso));
	switch (event) {
	case ALERT_TOKEN_FAILING:
		head = "credentials started failing";
		break;
	case ALERT_TOKEN_RECOVERED:
		head = "credentials work again";
		break;
	case ALERT_PLAN_WARNING:
		head = "plan usage is close to its limit";
		break;
	case ALERT_PLAN_LIMIT_REACHED:
		head = "plan limit reached; refused until the reset";
		break;
	case ALERT_PLAN_OVERAGE_STARTED:
		head = "plan limit reached; extra usage (billed) is in use";
		break;
	case ALERT_PLAN_WINDOW_RESET:
		head = "plan usage window reset; requests are served again";
		break;
	default:
		head = expires_at_ms > now_ms ? "credentials expire soon" : "credentials have expired";
		break;
	}
	snprintf(text, sizeof(text), "LLM MCP Hub on %s: %s %s%s%s%s", host, provider, head,
	    expires_at_ms > 0 ? (event >= ALERT_PLAN_WARNING ? " (reset " : " (expiry ") : "", expires_at_ms > 0 ? exp_iso : "",
	    expires_at_ms > 0 ? ")" : "");
	if (msg[0]) {
		size_t n = strlen(text);

		snprintf(text + n, sizeof(text) - n, ": %s", msg);
	}
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "event", json_object_new_string(alert_event_name(event)));
	json_object_object_add(o, "provider", json_object_new_string(provider));
	json_object_object_add(o, "message", json_object_new_string(msg[0] ? msg : head));
	json_object_object_add(o, "expires_at", expires_at_ms > 0 ? json_object_new_string(exp_iso) : NULL);
	json_object_object_add(o, "hub", json_object_new_string(host));
	json_object_object_add(o, "time", json_object_new_string(now_iso));
	json_object_object_add(o, "text", json_object_new_string(text));
	json_object_object_add(o, "content", json_object_new_string(text));
	out = strdup(hub_json_compact(o));
	json_object_put(o);
	return out;
}

/* --- sending ------------------------------------------------------------ */

/* libcurl's body sink: the answer is not needed. */
static size_t
alert_discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

/* One POST. 0 on a 2xx answer; else HUB_ERR_UPSTREAM or HUB_ERR_TIMEOUT
 * with a reason (never the URL) in why. */
static int
alert_post(const char *url, const char *body, char *why, size_t whylen)
{
	struct curl_slist *headers = NULL;
	CURLcode cc;
	long status = 0;
	CURL *c;
	int rc = HUB_ERR_UPSTREAM;

	why[0] = '\0';
	if ((c = curl_easy_init()) == NULL) {
		snprintf(why, whylen, "libcurl could not start");
		return HUB_ERR_NOMEM;
	}
	headers = curl_slist_append(headers, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, hub_cfg->alert_timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, hub_cfg->alert_timeout_ms);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c, CURLOPT_USERAGENT, "llm-mcp-hub/" HUB_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, alert_discard);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300)
			rc = HUB_OK;
		else
			snprintf(why, whylen, "the webhook answered HTTP %ld", status);
	} else {
		/* curl_easy_strerror() names no URL */
		snprintf(why, whylen, "%s", curl_easy_strerror(cc));
		if (cc == CURLE_OPERATION_TIMEDOUT)
			rc = HUB_ERR_TIMEOUT;
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return rc;
}

/* The sender thread: take payloads off the queue and post them. */
static void *
alert_sender(void *arg)
{
	char why[256], what[64];
	char *body;
	int rc;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&alert_lock);
		while (alert_count == 0)
			pthread_cond_wait(&alert_cond, &alert_lock);
		body = alert_queue[alert_head];
		memcpy(what, alert_queue_what[alert_head], sizeof(what));
		alert_queue[alert_head] = NULL;
		alert_head = (alert_head + 1) % ALERT_QUEUE_LEN;
		alert_count--;
		alert_busy = 1;
		pthread_mutex_unlock(&alert_lock);

		if ((rc = alert_post(hub_cfg->alert_webhook, body, why, sizeof(why))) != HUB_OK) {
			hub_log(HUB_LOG_WARN, "alert", "webhook for %s failed (%s); retrying once", what, why);
			usleep(ALERT_RETRY_DELAY_MS * 1000);
			rc = alert_post(hub_cfg->alert_webhook, body, why, sizeof(why));
		}
		if (rc == HUB_OK)
			hub_log(HUB_LOG_INFO, "alert", "webhook delivered: %s", what);
		else
			hub_log(HUB_LOG_ERROR, "alert", "webhook for %s not delivered: %s", what, why);
		free(body);

		pthread_mutex_lock(&alert_lock);
		alert_busy = 0;
		if (alert_count == 0)
			pthread_cond_broadcast(&alert_idle);
		pthread_mutex_unlock(&alert_lock);
	}
	return NULL;
}

/* Start libcurl and the sender thread, once per process. */
static void
alert_start(void)
{
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* the sender takes no signals: they belong to the request threads */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	alert_thread_ok = pthread_create(&tid, &attr, alert_sender, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
}

int
alert_send(enum alert_event event, const char *provider, const char *message,
    long long expires_at_ms)
{
	char *body;
	size_t slot;

	if (hub_cfg == NULL || hub_cfg->alert_webhook == NULL || hub_cfg->alert_webhook[0] == '\0')
		return HUB_ERR_DISABLED;
	pthread_once(&alert_once, alert_start);
	if (!alert_thread_ok)
		return HUB_ERR_SYSTEM;
	if ((body = alert_payload(event, provider, message, expires_at_ms, hub_time_wall_ms())) == NULL)
		return HUB_ERR_NOMEM;
	pthread_mutex_lock(&alert_lock);
	if (alert_count >= ALERT_QUEUE_LEN) {
		pthread_mutex_unlock(&alert_lock);
		free(body);
		hub_log(HUB_LOG_ERROR, "alert", "alert queue full; %s for %s dropped",
		    alert_event_name(event), provider);
		return HUB_ERR_TOO_LARGE;
	}
	slot = (alert_head + alert_count) % ALERT_QUEUE_LEN;
	alert_queue[slot] = body;
	snprintf(alert_queue_what[slot], sizeof(alert_queue_what[slot]), "%s %.31s",
	    alert_event_name(event), provider);
	alert_count++;
	pthread_cond_signal(&alert_cond);
	pthread_mutex_unlock(&alert_lock);
	return HUB_OK;
}

int
alert_flush(long wait_ms)
{
	struct timespec until;
	int rc = HUB_OK;

	hub_time_deadline_ts(wait_ms, &until);
	pthread_mutex_lock(&alert_lock);
	while ((alert_count > 0 || alert_busy) && alert_thread_ok)
		if (pthread_cond_timedwait(&alert_idle, &alert_lock, &until) != 0) {
			rc = HUB_ERR_TIMEOUT;
			break;
		}
	pthread_mutex_unlock(&alert_lock);
	return rc;
}

/* --- expiry ------------------------------------------------------------- */

/* The expiry (epoch ms) of p's credential when it is a real end; -1 when
 * unknown or renewable. */
static long long
alert_expiry_of(const struct provider *p)
{
	return p->ops->credential_expiry_ms != NULL ? p->ops->credential_expiry_ms(p) : -1;
}

void
alert_check_expiry(void)
{
	const struct provider *p;
	long long now = hub_time_mono_ms(), wall, expiry, window_ms;
	char event[48], msg[160], iso[40];
	size_t i;
	int claimed;

	if (hub_cfg == NULL || hub_cfg->alert_webhook == NULL || hub_cfg->alert_webhook[0] == '\0')
		return;
	pthread_mutex_lock(&alert_lock);
	if (alert_last_expiry_check_ms != 0 && now - alert_last_expiry_check_ms < ALERT_EXPIRY_CHECK_MS) {
		pthread_mutex_unlock(&alert_lock);
		return;
	}
	alert_last_expiry_check_ms = now;
	pthread_mutex_unlock(&alert_lock);

	wall = hub_time_wall_ms();
	window_ms = hub_cfg->token_warn_days * 86400000LL;
	for (i = 0; i < registry_count(); i++) {
		p = registry_get(i);
		if (!p->enabled || (expiry = alert_expiry_of(p)) <= 0 || expiry - wall > window_ms)
			continue;
		snprintf(event, sizeof(event), "expiring:%lld", expiry);
		claimed = token_status_claim_event(p->name, event,
		    hub_cfg->token_warn_days * 86400L + ALERT_CLAIM_EXTRA_S);
		if (claimed == HUB_ERR_STORE) {
			/* Redis is away: try again at the next check */
			pthread_mutex_lock(&alert_lock);
			alert_last_expiry_check_ms = 0;
			pthread_mutex_unlock(&alert_lock);
			continue;
		}
		if (claimed != 1)
			continue;
		hub_time_iso8601(expiry, iso, sizeof(iso));
		if (expiry > wall)
			snprintf(msg, sizeof(msg), "the %s credentials expire at %s (in %.1f days)",
			    p->name, iso, (double)(expiry - wall) / 86400000.0);
		else
			snprintf(msg, sizeof(msg), "the %s credentials expired at %s", p->name, iso);
		hub_log(HUB_LOG_WARN, "alert", "%s", msg);
		(void)alert_send(ALERT_TOKEN_EXPIRING, p->name, msg, expiry);
	}
}
