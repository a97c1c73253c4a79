/*
 * hub_error.c - the table behind hub_error.h.
 */
#include "config.h"

#include "hub_error.h"

struct hub_error_entry {
	int code;
	int http_status;
	const char *type;
	const char *short_code;
	const char *message;
	const char *anthropic_type;  /* the Anthropic Messages surface's error.type */
};

static const struct hub_error_entry hub_error_table[] = {
	{ HUB_OK, 200, "", "", "success", "" },
	{ HUB_ERR_NOMEM, 500, "server_error", "out_of_memory", "out of memory", "api_error" },
	{ HUB_ERR_INVALID, 400, "invalid_request_error", "invalid_request", "invalid request", "invalid_request_error" },
	{ HUB_ERR_NOT_FOUND, 404, "invalid_request_error", "not_found", "not found", "not_found_error" },
	{ HUB_ERR_TOO_LARGE, 413, "invalid_request_error", "too_large", "request too large", "request_too_large" },
	{ HUB_ERR_STORE, 503, "server_error", "store_unavailable", "session store (Redis) unavailable", "api_error" },
	{ HUB_ERR_CONFLICT, 409, "invalid_request_error", "session_busy", "the session is busy with another request", "invalid_request_error" },
	{ HUB_ERR_PROVIDER_AUTH, 502, "authentication_error", "provider_auth_failed", "the provider rejected the hub's credentials", "api_error" },
	{ HUB_ERR_RATE_LIMIT, 429, "rate_limit_error", "rate_limit_exceeded", "rate limit exceeded", "rate_limit_error" },
	{ HUB_ERR_UPSTREAM, 502, "api_error", "provider_error", "the provider failed", "api_error" },
	{ HUB_ERR_OVERLOADED, 503, "api_error", "provider_overloaded", "the provider is overloaded", "overloaded_error" },
	{ HUB_ERR_TIMEOUT, 504, "api_error", "provider_timeout", "the provider did not answer before the deadline", "api_error" },
	{ HUB_ERR_CLIENT_GONE, 499, "invalid_request_error", "client_closed_request", "the client went away", "invalid_request_error" },
	{ HUB_ERR_SPAWN, 503, "api_error", "provider_unavailable", "the provider CLI could not be started", "api_error" },
	{ HUB_ERR_SYSTEM, 500, "server_error", "internal_error", "internal error", "api_error" },
	{ HUB_ERR_MODEL_NOT_FOUND, 404, "invalid_request_error", "model_not_found", "the model does not exist", "not_found_error" },
	{ HUB_ERR_METHOD, 405, "invalid_request_error", "method_not_allowed", "method not allowed", "invalid_request_error" },
	{ HUB_ERR_UNAUTHORIZED, 401, "invalid_request_error", "invalid_api_key", "missing or invalid API key", "authentication_error" },
	{ HUB_ERR_CONFIG, 500, "server_error", "invalid_configuration", "invalid configuration", "api_error" },
	{ HUB_ERR_DISABLED, 503, "api_error", "provider_disabled", "the provider is not configured or disabled", "api_error" },
	{ HUB_ERR_OUTPUT_CAP, 502, "api_error", "provider_output_too_large", "the provider printed more than the output cap", "api_error" },
	{ HUB_ERR_QUOTA, 429, "insufficient_quota", "session_quota_exceeded", "the client key has reached its number of sessions", "rate_limit_error" },
	{ HUB_ERR_STORE_FULL, 507, "server_error", "insufficient_storage", "the session store is full", "api_error" },
	{ HUB_ERR_FORBIDDEN, 403, "invalid_request_error", "forbidden", "the Host or Origin is not allowed", "permission_error" },
	{ HUB_ERR_MEDIA_TYPE, 415, "invalid_request_error", "unsupported_media_type", "the body must be application/json", "invalid_request_error" },
	{ HUB_ERR_PLAN_LIMIT, 429, "rate_limit_error", "plan_limit_reached", "the subscription plan's usage limit is reached", "rate_limit_error" },
};

static const struct hub_error_entry *
hub_error_lookup(int code)
{
	unsigned i;

	for (i = 0; i < sizeof(hub_error_table) / sizeof(hub_error_table[0]); i++)
		if (hub_error_table[i].code == code)
			return &hub_error_table[i];
	return &hub_error_table[HUB_ERR_SYSTEM * -1];
}

const char *
hub_strerror(int code)
{
	return hub_error_lookup(code)->message;
}

int
hub_error_http_status(int code)
{
	return hub_error_lookup(code)->http_status;
}

const char *
hub_error_type(int code)
{
	return hub_error_lookup(code)->type;
}

const char *
hub_error_type_for(int code, enum hub_error_surface surface)
{
	if (surface == HUB_SURFACE_ANTHROPIC)
		return hub_error_lookup(code)->anthropic_type;
	return hub_error_lookup(code)->type;
}

const char *
hub_error_code(int code)
{
	return hub_error_lookup(code)->short_code;
}
