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
#include "providers/gemini_token.h"
#include "providers/registry.h"
#include "session/token_status.h"

/* A non-secret fingerprint of a credential: FNV-1a 64 in hex. */
static void
ep_tokens_fingerprint(const char *secret, char *out, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *secret; secret++) {
		h ^= (unsigned char)*secret;
		h *= 1099511628211ULL;
	}
	snprintf(out, len, "%016llx", (unsigned long long)h);
}

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

static struct json_object *
ep_tokens_claude(void)
{
	struct json_object *o = json_object_new_object();
	const char *tok = hub_cfg->claude_oauth_token;
	char fp[24];
	long long exp;

	json_object_object_add(o, "kind", json_object_new_string("claude_oauth_token"));
	json_object_object_add(o, "source", json_object_new_string("CLAUDE_CODE_OAUTH_TOKEN (claude setup-token)"));
	json_object_object_add(o, "present", json_object_new_boolean(tok != NULL && *tok != '\0'));
	exp = hub_cfg->claude_token_expires != NULL ? hub_config_parse_date(hub_cfg->claude_token_expires) : -1;
	json_object_object_add(o, "expires_at", exp > 0 ? ep_tokens_time(exp) : NULL);
	json_object_object_add(o, "expires_at_source", exp > 0 ?
	    json_object_new_string("HUB_CLAUDE_TOKEN_EXPIRES") : NULL);
	json_object_object_add(o, "expired", exp > 0 ? json_object_new_boolean(exp <= hub_time_wall_ms()) : NULL);
	if (tok != NULL && *tok != '\0') {
		ep_tokens_fingerprint(tok, fp, sizeof(fp));
		(void)token_status_seen("claude", fp);
		ep_tokens_add_status(o, "claude");
	} else {
		/* this process's own configuration error; the fleet's status
		 * (other hubs' token) is not this hub's to show */
		json_object_object_add(o, "status", json_object_new_string("not_configured"));
		json_object_object_add(o, "message", json_object_new_string(
		    "CLAUDE_CODE_OAUTH_TOKEN is not set for this hub"));
	}
	return o;
}

static struct json_object *
ep_tokens_gemini(void)
{
	struct json_object *o = json_object_new_object();
	struct gemini_token_info info;
	const char *path = hub_cfg->gemini_auth_path;
	int have = 0;

	json_object_object_add(o, "kind", json_object_new_string("gemini_oauth_credentials_file"));
	json_object_object_add(o, "source", json_object_new_string("GEMINI_AUTH_PATH"));
	memset(&info, 0, sizeof(info));
	info.expiry_ms = -1;
	if (path != NULL && *path != '\0' && gemini_token_status(path, &info) == HUB_OK)
		have = info.present && info.valid_json && info.has_access_token;
	json_object_object_add(o, "present", json_object_new_boolean(have));
	json_object_object_add(o, "file_readable", json_object_new_boolean(info.present));
	json_object_object_add(o, "valid", json_object_new_boolean(info.valid_json));
	json_object_object_add(o, "has_refresh_token", json_object_new_boolean(info.has_refresh_token));
	json_object_object_add(o, "expires_at", info.expiry_ms > 0 ? ep_tokens_time(info.expiry_ms) : NULL);
	json_object_object_add(o, "expired", info.expiry_ms > 0 ?
	    json_object_new_boolean(info.expiry_ms <= hub_time_wall_ms()) : NULL);
	ep_tokens_add_status(o, "gemini");
	return o;
}

void
ep_health_tokens(struct http_request *req)
{
	struct json_object *o = json_object_new_object(), *providers = json_object_new_object();
	const struct provider *p;
	size_t i;

	alert_check_expiry();  /* cheap: once a minute per process */
	for (i = 0; i < registry_count(); i++) {
		p = registry_get(i);
		if (p->kind == PROVIDER_CLAUDE)
			json_object_object_add(providers, p->name, ep_tokens_claude());
		else if (p->kind == PROVIDER_GEMINI)
			json_object_object_add(providers, p->name, ep_tokens_gemini());
	}
	json_object_object_add(o, "providers", providers);
	http_send_json(req, 200, o, NULL);
	json_object_put(o);
}
