/*
 * provider_conf.h - the [provider NAME] sections of the configuration file.
 *
 * After the "key = value" settings (read by common/hub_config.c), the file
 * named by HUB_CONFIG may hold sections like
 *
 *   [provider agy]
 *   type = cli                 a kind's conf_type (registry.c): claude | gemini
 *                              | cli (default: the name for the built-in
 *                              claude and gemini, else cli)
 *   enabled = true             true | false
 *   executable = agy           cli: name on PATH or absolute path (required)
 *   args = -p --model={model}  cli: argv template, split on spaces; {model}
 *                              is replaced by the model; never the prompt
 *   input = stdin              cli: stdin | pty (stdout on a terminal)
 *   stdin_format = text        cli: text | claude-stream-json
 *   output = text              cli: text | claude-stream-json | gemini-stream-json
 *   models = a,b               ids listed in /v1/models and routed here
 *   model_prefixes = agy-      models starting with one of these route here
 *   default_model = a
 *   timeout = 300              seconds
 *   env = NAME,NAME            cli: variables passed through from the hub's
 *                              environment (by name)
 *   overage = deny             deny | allow: may a run draw on the plan's
 *                              extra usage (default: HUB_PLAN_OVERAGE)
 *
 * and fallback routes, a name clients use as a model:
 *
 *   [route best]
 *   targets = claude:sonnet, gemini:gemini-2.5-pro
 *                              PROVIDER[:MODEL], tried in order
 *
 * This module only parses and validates: it is pure apart from reading the
 * file, and it never logs. The registry (registry.c) builds providers from
 * the result.
 */
#ifndef PROVIDER_CONF_H
#define PROVIDER_CONF_H

#include <stddef.h>

#include "provider.h"

enum provider_conf_input { PROVIDER_CONF_INPUT_STDIN, PROVIDER_CONF_INPUT_PTY };
enum provider_conf_format {
	PROVIDER_CONF_TEXT,
	PROVIDER_CONF_CLAUDE_JSON,   /* claude-stream-json */
	PROVIDER_CONF_GEMINI_JSON    /* gemini-stream-json (output only) */
};

/* One section. Lists are NULL-terminated arrays of malloc'd strings, or
 * NULL when the key was not given. */
struct provider_conf {
	char name[32];
	const struct provider_ops *ops;     /* its kind (registry.c) */
	int enabled;                        /* 1 unless "enabled = false" */
	char *executable;                   /* NULL: unset */
	char **args;                        /* argv template after argv[0] */
	enum provider_conf_input input;
	enum provider_conf_format stdin_format;  /* TEXT or CLAUDE_JSON */
	enum provider_conf_format output;
	char **models;
	char **model_prefixes;
	char *default_model;                /* NULL: unset */
	long timeout_s;                     /* 0: unset */
	char **env;                         /* variable names */
	int overage_allow;                  /* 1 allow, 0 deny, -1 unset */
	int line;                           /* line of the section header */
};

/* One [route NAME] section. */
struct provider_route_conf {
	char name[32];
	char **targets;                     /* "provider" or "provider:model" */
	int line;
};

struct provider_conf_set {
	struct provider_conf *items;        /* n entries, in file order */
	size_t n;
	struct provider_route_conf *routes; /* n_routes entries, in file order */
	size_t n_routes;
};

/*
 * Read the sections of the file at path. Returns 0 with *out filled (free
 * with provider_conf_free(); a file without sections gives n = 0),
 * HUB_ERR_CONFIG with a message naming the file, line and key in err
 * (errlen bytes; *out is then empty), or HUB_ERR_NOMEM.
 */
int provider_conf_load(const char *path, struct provider_conf_set *out,
    char *err, size_t errlen);

/*
 * Check the sections of the file at path (NULL or empty: no file) at
 * start-up, so that a mistake stops the hub. Returns 0 or what
 * provider_conf_load() returns, with its message in err.
 */
int provider_conf_check_file(const char *path, char *err, size_t errlen);

/* Free everything set holds and empty it. Accepts NULL. */
void provider_conf_free(struct provider_conf_set *set);

/* The route called name in set, or NULL. */
const struct provider_route_conf *provider_conf_find_route(const struct provider_conf_set *set,
    const char *name);

/* The section called name in set, or NULL. */
const struct provider_conf *provider_conf_find(const struct provider_conf_set *set,
    const char *name);

#endif
