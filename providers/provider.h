/*
 * provider.h - what the chat layer asks of a provider, whatever CLI is
 * behind it.
 *
 * A provider turns one conversation into one reply by running its CLI
 * once (see child.h). Text is handed upward through on_delta as the CLI
 * produces it; the whole reply, usage and any error end up in a struct
 * provider_reply. Providers never touch Redis or HTTP: callers record
 * token status and metrics from the reply.
 */
#ifndef PROVIDER_H
#define PROVIDER_H

#include <stddef.h>

#include "common/hub_limits.h"

struct provider_msg {
	const char *role;     /* "system", "user" or "assistant" */
	const char *content;  /* UTF-8 text */
};

/* Text as it arrives; return < 0 to stop the run (client gone). */
typedef int (*provider_delta_fn)(void *arg, const char *text, size_t len);
/* Called while the CLI is silent (every keep-alive interval); < 0 stops. */
typedef int (*provider_idle_fn)(void *arg);

struct provider_call {
	const char *model;                    /* NULL: the provider's default */
	const struct provider_msg *messages;  /* the whole conversation, in order */
	size_t n_messages;                    /* >= 1; the last one is "user" */
	int stream;                           /* deltas wanted token by token */
	provider_delta_fn on_delta;           /* may be NULL */
	provider_idle_fn on_idle;             /* may be NULL */
	long idle_tick_ms;                    /* how often on_idle; 0: never */
	void *arg;
	int watch_fd;                         /* client connection or cancel fd; -1 */
	/* called every tick_ms while the CLI runs, output or not (the caller
	 * renews its session lock); may be NULL; < 0 stops the run */
	provider_idle_fn on_tick;
	long tick_ms;
	void *tick_arg;
};

struct provider_usage {
	long prompt_tokens;
	long completion_tokens;
	double cost_usd;                      /* 0 when the CLI does not say */
};

struct provider_reply {
	char *text;                           /* malloc'd whole reply; NULL on error */
	char *model;                          /* malloc'd model actually used; may be NULL */
	struct provider_usage usage;
	const char *finish_reason;            /* static: "stop" or "length" */
	int err;                              /* 0 or a hub_err code */
	char error_message[HUB_MAX_ERROR_MESSAGE]; /* sanitised: no token, no prompt */
	long retry_after_s;                   /* with HUB_ERR_RATE_LIMIT; 0 unknown */
	long first_token_ms;                  /* -1 when no text came */
	long duration_ms;
};

struct provider;

struct provider_ops {
	/* Run one conversation. Returns reply->err (0 on success). */
	int (*chat)(const struct provider *p, const struct provider_call *call,
	    struct provider_reply *reply);
};

enum provider_kind { PROVIDER_CLAUDE, PROVIDER_GEMINI, PROVIDER_GENERIC };

struct provider {
	char name[32];                        /* "claude", "gemini", or a configured name */
	enum provider_kind kind;
	const struct provider_ops *ops;
	char *cli;                            /* configured executable name or path */
	char *default_model;                  /* may be NULL: the CLI's default */
	const char *const *model_prefixes;    /* "claude", ... NULL-terminated */
	const char *const *aliases;           /* "sonnet", ... NULL-terminated */
	const char *const *models;            /* ids listed by /v1/models, NULL-terminated */
	long timeout_s;
	int enabled;
	void *data;                           /* provider-private */
};

/* Free what a reply holds and reset it. Accepts NULL. */
void provider_reply_free(struct provider_reply *reply);

/* Set a reply's error code and a printf-style message. */
void provider_reply_error(struct provider_reply *reply, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The metrics label for a call of p for model (may be NULL: p's default):
 * the model when p lists it (id, alias or default), its default, "default"
 * when it has none, else "other", so that clients cannot create unbounded
 * label sets. Points into p or model, or is static.
 */
const char *provider_model_label(const struct provider *p, const char *model);

/* The Claude Code and Gemini CLI adapters (providers/claude.c, gemini.c). */
extern const struct provider_ops claude_provider_ops;
extern const struct provider_ops gemini_provider_ops;

#endif
