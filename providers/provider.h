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
#include "common/plan_window.h"

/*
 * Client tools (OpenAI tool calling). The client declares functions; the
 * model may propose calls of them; the client runs them and sends the
 * results back as "tool" messages. Neither the hub nor the CLI ever
 * executes one: an adapter offers the functions to the upstream model as
 * real tool declarations, ends the run as soon as the model has proposed
 * its calls, and hands them up in the reply. docs/API.md, "Tool calling".
 */
struct provider_tool {
	const char *name;          /* [A-Za-z0-9_-]{1,64} (checked by the parser) */
	const char *description;   /* may be NULL */
	const char *parameters;    /* JSON Schema, an object, as compact JSON text */
};

/* One call the model proposed: in an assistant message of the history, or
 * in a reply (then every string is malloc'd, see provider_reply_free()). */
struct provider_tool_call {
	char *id;                  /* as the client knows it ("call_...", "toolu_...") */
	char *name;                /* one of the call's tools */
	char *arguments;           /* a JSON object, as compact JSON text */
};

/* An image of a user message, decoded from a data: URL by the parser. */
struct provider_image {
	const char *media_type;    /* image/png, image/jpeg, image/gif or image/webp */
	const char *base64;        /* the image, base64 (standard alphabet, padded) */
	size_t size;               /* decoded bytes */
};

struct provider_msg {
	const char *role;     /* "system", "user", "assistant" or "tool" */
	const char *content;  /* UTF-8 text; "" for an assistant message that
	                       * only calls tools */
	/* role "assistant": the calls it proposed, in order */
	const struct provider_tool_call *tool_calls;
	size_t n_tool_calls;
	/* role "tool": the call this result answers, and that call's function
	 * name (the chat layer finds it in the earlier assistant message) */
	const char *tool_call_id;
	const char *tool_name;
	/* role "user": images, shown to the model after the text */
	const struct provider_image *images;
	size_t n_images;
};

/* Text as it arrives; return < 0 to stop the run (client gone). */
typedef int (*provider_delta_fn)(void *arg, const char *text, size_t len);
/* Called while the CLI is silent (every keep-alive interval); < 0 stops. */
typedef int (*provider_idle_fn)(void *arg);
/*
 * A proposed tool call as it arrives, as OpenAI streams delta.tool_calls:
 * first once with index (0, 1, ... in the reply's order), id and name and
 * args "" (len 0), then with id and name NULL and the arguments' JSON text
 * in fragments. Return < 0 to stop the run (client gone).
 */
typedef int (*provider_tool_delta_fn)(void *arg, size_t index, const char *id,
    const char *name, const char *args, size_t len);

/*
 * Where a run's output goes and what may stop it: declared once, filled by
 * the endpoint (fcgi/ep_chat.c, mcp-stdio/mcp_tools.c), and passed down
 * whole through the chat turn (core/chat.h) to the provider and the run
 * engine (cli_run.c), which hands it to the child (child.h).
 */
struct provider_stream {
	provider_delta_fn on_delta;           /* may be NULL */
	provider_tool_delta_fn on_tool_delta; /* may be NULL; same arg */
	provider_idle_fn on_idle;             /* may be NULL */
	long idle_tick_ms;                    /* how often on_idle; 0: never */
	void *arg;                            /* for on_delta and on_idle */
	int watch_fd;                         /* client connection or cancel fd; -1 */
	/* called every tick_ms while the CLI runs, output or not (the chat
	 * turn renews its session lock); may be NULL; < 0 stops the run */
	provider_idle_fn on_tick;
	long tick_ms;
	void *tick_arg;
};

/* The stream's on_delta with text[0..len), when it has one: 0 goes on,
 * -1 when the client is gone (the run stops). */
int provider_stream_delta(const struct provider_stream *io, const char *text, size_t len);

/* Reply text for the stream (provider_stream_delta()); the first time
 * (*first_token_ms still < 0) *first_token_ms gets the ms since start_ms
 * (hub_time_mono_ms()): every adapter's time to first token. 0 goes on,
 * -1 when the client is gone (the run stops). */
int provider_stream_text(const struct provider_stream *io, long long start_ms,
    long *first_token_ms, const char *text, size_t len);

/* The stream's on_idle, when it has one: 0 goes on, -1 when the client is
 * gone (the run stops). */
int provider_stream_idle(const struct provider_stream *io);

/* The stream's on_tool_delta, when it has one: 0 goes on, -1 when the
 * client is gone (the run stops). */
int provider_stream_tool_delta(const struct provider_stream *io, size_t index, const char *id,
    const char *name, const char *args, size_t len);

/* What the model may do with the call's tools (OpenAI tool_choice). */
enum provider_tool_choice {
	PROVIDER_TOOL_CHOICE_AUTO,      /* call some or answer: the model decides */
	PROVIDER_TOOL_CHOICE_NONE,      /* answer in text; the tools are not offered */
	PROVIDER_TOOL_CHOICE_REQUIRED,  /* call at least one */
	PROVIDER_TOOL_CHOICE_NAMED      /* call tool_choice_name */
};

struct provider_call {
	const char *model;                    /* NULL: the provider's default */
	const struct provider_msg *messages;  /* the whole conversation, in order */
	size_t n_messages;                    /* >= 1; the last one is "user" */
	int stream;                           /* deltas wanted token by token */
	struct provider_stream io;            /* output, keep-alives, cancel, ticks */
	/* the client's tools; n_tools 0: none (the CLI gets no tools at all) */
	const struct provider_tool *tools;
	size_t n_tools;
	enum provider_tool_choice tool_choice;
	const char *tool_choice_name;         /* with PROVIDER_TOOL_CHOICE_NAMED */
	int parallel_tool_calls;              /* 0: at most one call per reply */
	const char *owner;                    /* the client key's id; "" or NULL: none */
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
	const char *finish_reason;            /* static: "stop", "length" or "tool_calls" */
	/* the calls the model proposed (finish_reason "tool_calls"); text may
	 * then be "" or what the model said before them */
	struct provider_tool_call *tool_calls;
	size_t n_tool_calls;
	int err;                              /* 0 or a hub_err code */
	char error_message[HUB_MAX_ERROR_MESSAGE]; /* sanitised: no token, no prompt */
	long retry_after_s;                   /* with HUB_ERR_RATE_LIMIT; 0 unknown */
	long first_token_ms;                  /* -1 when no text came */
	long duration_ms;
	/* the subscription's usage window as the run reported it (seen 0:
	 * no report); the chat layer keeps it (session/plan_state.h) */
	struct plan_window plan;
	/* static: "warm" (a child started ahead served it), "cold", or NULL
	 * (no child was started) */
	const char *child_start;
};

struct provider;
struct provider_conf;
struct json_object;

/* What a kind of provider brings when the hub has one of it built in (no
 * [provider NAME] section needed), and the defaults of a section of its
 * type: from hub_cfg or static. Lists are NULL-terminated, static or
 * hub_cfg's. */
struct provider_defaults {
	const char *cli;                      /* NULL: the section's name */
	const char *model;                    /* NULL: the CLI's default */
	long timeout_s;
	const char *const *model_prefixes;
	const char *const *aliases;
	const char *const *models;
};

/*
 * A kind of provider: everything the hub knows of it lives behind these
 * operations, in the kind's one file (claude.c, gemini.c, generic.c). A
 * NULL operation means the neutral answer written beside it. A new kind is
 * one such file plus its line in registry.c's table of kinds; a kind is
 * known by the address of its provider_ops.
 */
struct provider_ops {
	/* The word for "type =" in a [provider NAME] section ("claude", "cli"). */
	const char *conf_type;
	/* The built-in provider of this kind ("claude"), present without a
	 * section; NULL: only sections make providers of this kind. */
	const char *builtin_name;
	/* 1 when the built-in provider is served without a section of its
	 * name (called at every table build); NULL: always. */
	int (*builtin_present)(void);
	/* /v1/models owned_by; NULL: the provider's name. */
	const char *vendor;
	/* The setting that caps this kind's children per host, for messages. */
	const char *max_concurrent_setting;
	/* 1 when chat honours call->tools (offered to the model natively,
	 * never executed) and tool turns in the history; 0: the chat layer
	 * refuses a request with tools for this kind with a 400 */
	int has_tools;
	/* 1 when chat shows the images of user messages to the model; 0: the
	 * chat layer refuses a request with images for this kind with a 400 */
	int has_images;

	/* Check a whole [provider NAME] section of this type once it is read
	 * (required keys, keys that go together). Returns 0, or
	 * HUB_ERR_CONFIG with the key at fault in *key and the reason in why
	 * (why_len bytes). NULL: the kind takes only the keys every kind has
	 * (args and env are refused). */
	int (*conf_check)(const struct provider_conf *c, const char **key, char *why,
	    size_t why_len);
	/* Fill d from hub_cfg (called at every table build). */
	void (*defaults)(struct provider_defaults *d);
	/* Run one conversation. Returns reply->err (0 on success). */
	int (*chat)(const struct provider *p, const struct provider_call *call,
	    struct provider_reply *reply);
	/* The host's concurrency cap for p; NULL or 0: none. */
	long (*max_concurrent)(const struct provider *p);
	/* 1 when p's credentials are configured (never their value), for the
	 * provider list; NULL: 1. */
	int (*has_credentials)(const struct provider *p);
	/* 1 when this process has any credential for p at all, so that an
	 * authentication failure may be the provider's refusal rather than a
	 * local mistake; NULL: 1. */
	int (*credential_configured)(const struct provider *p);
	/* The expiry (Unix ms) of p's credential when it is a real end; -1
	 * when unknown or renewable. NULL: -1. */
	long long (*credential_expiry_ms)(const struct provider *p);
	/*
	 * Describe p's credential into the JSON object o for /health/tokens
	 * (kind, source, presence, expiry; never the secret). Returns 1 when
	 * the fleet's recorded status applies, with a non-secret fingerprint
	 * of the credential in fp ("" when the kind has none); 0 when this
	 * process has none configured (o then holds status and message).
	 * NULL: p is not listed there.
	 */
	int (*credential_describe)(const struct provider *p, struct json_object *o,
	    char *fp, size_t fp_len);
};

struct provider {
	char name[32];                        /* "claude", "gemini", or a configured name */
	const struct provider_ops *ops;       /* its kind */
	char *cli;                            /* configured executable name or path */
	char *default_model;                  /* may be NULL: the CLI's default */
	const char *const *model_prefixes;    /* "claude", ... NULL-terminated */
	const char *const *aliases;           /* "sonnet", ... NULL-terminated */
	const char *const *models;            /* ids listed by /v1/models, NULL-terminated */
	long timeout_s;
	int enabled;
	int overage_allow;                    /* overage = allow: extra usage may be drawn */
	void *data;                           /* provider-private */
};

/* Free n calls whose strings are malloc'd, and the array. Accepts NULL. */
void provider_tool_calls_free(struct provider_tool_call *calls, size_t n);

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

/* A non-secret fingerprint of a credential (FNV-1a 64 in hex) into out. */
void provider_fingerprint(const char *secret, char *out, size_t len);

/* The Claude Code and Gemini CLI adapters (providers/claude.c, gemini.c). */
extern const struct provider_ops claude_provider_ops;
extern const struct provider_ops gemini_provider_ops;
extern const struct provider_ops codex_provider_ops;    /* providers/codex.c */

#endif
