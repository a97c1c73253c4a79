/*
 * hub_error.h - the hub's one error table.
 *
 * Every function that can fail returns 0 (HUB_OK) or one negative code from
 * this enum. hub_strerror() turns a code into a short message; the
 * hub_error_http_*() helpers give the HTTP status and the OpenAI-style
 * "type" and "code" strings used in error envelopes. The strings are static:
 * nobody frees them.
 */
#ifndef HUB_ERROR_H
#define HUB_ERROR_H

typedef enum hub_err {
	HUB_OK = 0,
	HUB_ERR_NOMEM = -1,          /* out of memory */
	HUB_ERR_INVALID = -2,        /* the client's request is malformed */
	HUB_ERR_NOT_FOUND = -3,      /* no such session, path or resource */
	HUB_ERR_TOO_LARGE = -4,      /* a size limit from hub_limits.h was hit */
	HUB_ERR_STORE = -5,          /* Redis unreachable or failing */
	HUB_ERR_CONFLICT = -6,       /* the session is busy with another request */
	HUB_ERR_PROVIDER_AUTH = -7,  /* the provider rejected the hub's login */
	HUB_ERR_RATE_LIMIT = -8,     /* provider or hub rate limit */
	HUB_ERR_UPSTREAM = -9,       /* the provider failed or answered garbage */
	HUB_ERR_OVERLOADED = -10,    /* provider overloaded / unavailable */
	HUB_ERR_TIMEOUT = -11,       /* the deadline passed */
	HUB_ERR_CLIENT_GONE = -12,   /* the HTTP client disconnected */
	HUB_ERR_SPAWN = -13,         /* the provider CLI could not be started */
	HUB_ERR_SYSTEM = -14,        /* an unexpected system call failure */
	HUB_ERR_MODEL_NOT_FOUND = -15, /* no provider serves that model */
	HUB_ERR_METHOD = -16,        /* known path, wrong method */
	HUB_ERR_UNAUTHORIZED = -17,  /* missing or wrong client key */
	HUB_ERR_CONFIG = -18,        /* invalid configuration */
	HUB_ERR_DISABLED = -19,      /* provider not configured or disabled */
	HUB_ERR_OUTPUT_CAP = -20,    /* the CLI printed more than the output cap */
	HUB_ERR_QUOTA = -21,         /* a per-client-key storage quota was reached */
	HUB_ERR_STORE_FULL = -22,    /* storage full: a byte quota or Redis maxmemory */
	HUB_ERR_FORBIDDEN = -23,     /* Host or Origin not allowed (fcgi/guard.c) */
	HUB_ERR_MEDIA_TYPE = -24,    /* the body is not application/json */
	HUB_ERR_PLAN_LIMIT = -25,    /* the subscription's usage window is used up
	                              * (or only extra usage, forbidden, is left) */
	HUB_ERR_LAST = -26
} hub_err;

/* A short English message for code; never NULL. */
const char *hub_strerror(int code);

/* HTTP status for code (200 for HUB_OK). */
int hub_error_http_status(int code);

/* OpenAI-style error "type" for code, e.g. "invalid_request_error". */
const char *hub_error_type(int code);

/* The API surface an error envelope is written for. */
enum hub_error_surface {
	HUB_SURFACE_OPENAI,     /* Chat Completions, Responses, the hub's own API */
	HUB_SURFACE_ANTHROPIC   /* Anthropic Messages (/v1/messages...) */
};

/* The error "type" for code in surface's envelope: OpenAI's as
 * hub_error_type(), or Anthropic's ("invalid_request_error",
 * "authentication_error", "not_found_error", "rate_limit_error",
 * "overloaded_error", "api_error", ...). */
const char *hub_error_type_for(int code, enum hub_error_surface surface);

/* Machine-readable error "code" for code, e.g. "session_not_found"-style. */
const char *hub_error_code(int code);

#endif
