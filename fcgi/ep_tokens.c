/*
 * ep_tokens.c - GET /health/tokens: the health of each provider's login,
 * never the secret itself.
 *
 * Per provider: whether a credential is configured and of which kind, its
 * expiry when known (the Gemini file's expiry_date and whether it holds a
 * refresh_token), when the hub first saw it, the last successful use, and
 * the last authentication failure with its (sanitised) message. Failures
 * are recorded in Redis by every worker and host (session/token_status.c).
 */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alert.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_time.h"
#include "endpoints.h"
#include "http.h"
#include "providers/registry.h"
#include "core/provider_list.h"
#include "session/token_status.h"

static struct json_object *
ep_tokens_time(long long ms)
{
	char iso[32];

	if (ms <= 0)
		return NULL;
	return json_object_new_string(hub_time_iso8601(ms, iso, sizeof(iso)));
}

/* Add the shared status (Redis) of provider name to o. 0 or HUB_ERR_STORE. */
static int
ep_tokens_add_status(struct json_object *o, const char *name)
{
	struct token_status st;
	long long now = hub_time_wall_ms();

	if (token_status_get(name, &st) != HUB_OK) {
		json_object_object_add(o, "status", json_object_new_string("unknown"));
		json_object_object_add(o, "message", json_object_new_string("the session store (Redis) is unavailable"));
		return HUB_ERR_STORE;
	}
	json_object_object_add(o, "status", json_object_new_string(
	    !st.known ? "unused" : st.failing ? "failing" : "ok"));
	json_object_object_add(o, "first_seen_at", ep_tokens_time(st.first_seen_ms));
	json_object_object_add(o, "age_days", st.first_seen_ms > 0 ?
	    json_object_new_double((double)(now - st.first_seen_ms) / 86400000.0) : NULL);
	json_object_object_add(o, "last_success_at", ep_tokens_time(st.last_success_ms));
	json_object_object_add(o, "last_failure_at", ep_tokens_time(st.last_failure_ms));
	json_object_object_add(o, "last_failure_message", st.last_failure_message[0] ?
	    json_object_new_string(st.last_failure_message) : NULL);
	return HUB_OK;
}

/* The entry of p, or NULL when its kind has no credential to show. */
static struct json_object *
ep_tokens_provider(const struct provider *p)
{
	struct json_object *o;
	char fp[24];

	if (p->ops->credential_describe == NULL)
		return NULL;
	o = json_object_new_object();
	if (p->ops->credential_describe(p, o, fp, sizeof(fp)) == 1) {
		if (fp[0] != '\0')
			(void)token_status_seen(p->name, fp);
		ep_tokens_add_status(o, p->name);
	}
	return o;
}

void
ep_health_tokens(struct http_request *req)
{
	struct json_object *o = json_object_new_object(), *providers = json_object_new_object();
	struct json_object *entry;
	const struct provider *p;
	size_t i;

	alert_check_expiry();  /* cheap: once a minute per process */
	for (i = 0; i < registry_count(); i++) {
		p = registry_get(i);
		if ((entry = ep_tokens_provider(p)) != NULL) {
			json_object_object_add(entry, "plan", provider_list_plan(p));
			json_object_object_add(providers, p->name, entry);
		}
	}
	json_object_object_add(o, "providers", providers);
	http_send_json(req, 200, o, NULL);
	json_object_put(o);
}
