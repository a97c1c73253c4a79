/*
 * hub_config.h - the hub's configuration, read once at start-up.
 *
 * Values come from an optional "key = value" file (HUB_CONFIG) and from the
 * environment; the environment wins. Every value is validated: an invalid
 * one makes hub_config_load() fail with a message that names the variable,
 * and the program must not start. After loading, the struct is read-only and
 * may be shared by threads. docs/CONFIGURATION.md lists every variable.
 */
#ifndef HUB_CONFIG_H
#define HUB_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "hub_limits.h"

struct hub_config {
	/* Claude Code CLI */
	char *claude_oauth_token;      /* CLAUDE_CODE_OAUTH_TOKEN (secret, may be NULL) */
	char *claude_model;            /* CLAUDE_MODEL (NULL: the CLI's default) */
	char *claude_cli;              /* HUB_CLAUDE_CLI, as configured */
	long claude_timeout_s;         /* HUB_CLAUDE_TIMEOUT */
	/* Gemini CLI */
	char *gemini_auth_path;        /* GEMINI_AUTH_PATH (may be NULL) */
	char *gemini_model;            /* GEMINI_MODEL */
	char *gemini_cli;              /* HUB_GEMINI_CLI, as configured */
	long gemini_timeout_s;         /* HUB_GEMINI_TIMEOUT */
	long gemini_max_retry_wait_s;  /* HUB_GEMINI_MAX_RETRY_WAIT */
	/* Codex CLI */
	char *codex_auth_path;         /* CODEX_AUTH_PATH: auth.json of `codex login` (may be NULL) */
	char *codex_model;             /* CODEX_MODEL */
	char *codex_cli;               /* HUB_CODEX_CLI, as configured */
	long codex_timeout_s;          /* HUB_CODEX_TIMEOUT */
	char *codex_base_url;          /* HUB_CODEX_BASE_URL: the backend-api root (tests; may be NULL) */
	/* Redis */
	char *redis_url;               /* REDIS_URL */
	long redis_timeout_ms;         /* HUB_REDIS_TIMEOUT_MS */
	char *redis_password;          /* REDIS_PASSWORD: when REDIS_URL has none (may be NULL) */
	char *redis_sentinels;         /* REDIS_SENTINELS host:port,... (may be NULL) */
	char *redis_sentinel_master;   /* REDIS_SENTINEL_MASTER (may be NULL) */
	char *redis_sentinel_password; /* REDIS_SENTINEL_PASSWORD (may be NULL) */
	long redis_wait_replicas;      /* HUB_REDIS_WAIT_REPLICAS: WAIT after an append (Sentinel) */
	long redis_wait_timeout_ms;    /* HUB_REDIS_WAIT_TIMEOUT_MS */
	long redis_failover_timeout_ms; /* HUB_REDIS_FAILOVER_TIMEOUT_MS: how long to look for a primary */
	char *key_prefix;              /* HUB_KEY_PREFIX */
	long session_ttl_s;            /* HUB_SESSION_TTL */
	long session_max_bytes;        /* HUB_SESSION_MAX_BYTES; 0: no cap */
	long key_max_sessions;         /* HUB_KEY_MAX_SESSIONS per client key; 0: no cap */
	long key_max_bytes;            /* HUB_KEY_MAX_BYTES per client key; 0: no cap */
	long session_cache_mb;         /* HUB_SESSION_CACHE_MB: session answers kept per process (0: off) */
	long mcp_session_ttl_s;        /* HUB_MCP_SESSION_TTL: idle MCP session records */
	/* HTTP */
	long port;                     /* HUB_PORT (run command) */
	char *bind;                    /* HUB_BIND (run command) */
	long max_body_bytes;           /* HUB_MAX_BODY_BYTES */
	long max_image_bytes;          /* HUB_MAX_IMAGE_BYTES: one image, decoded */
	long max_request_image_bytes;  /* HUB_MAX_REQUEST_IMAGE_BYTES: a request's images */
	long keepalive_s;              /* HUB_KEEPALIVE_SECONDS */
	char *default_provider;        /* HUB_DEFAULT_PROVIDER */
	char *mcp_allowed_origins;     /* HUB_MCP_ALLOWED_ORIGINS: deprecated alias, may be NULL */
	char *allowed_origins;         /* HUB_ALLOWED_ORIGINS: comma-separated, may be NULL */
	char *allowed_hosts;           /* HUB_ALLOWED_HOSTS: comma-separated, may be NULL */
	/* children */
	char *state_dir;               /* HUB_STATE_DIR; never NULL after loading */
	char *run_dir;                 /* HUB_RUN_DIR: the run directories' base; state_dir when unset */
	int run_dir_set;               /* HUB_RUN_DIR was given (checked: ours, 0700) */
	long max_output_bytes;         /* HUB_MAX_OUTPUT_BYTES */
	long kill_grace_ms;            /* HUB_KILL_GRACE_MS */
	char *jail;                    /* HUB_JAIL: auto, required or off */
	long workdir_sweep_s;          /* HUB_WORKDIR_SWEEP_SECONDS */
	/* logging */
	char *log_level;               /* HUB_LOG_LEVEL */
	long log_prompts;              /* HUB_LOG_PROMPTS: 1 logs prompt text (debug only) */
	/* client authentication and limits (docs/SECURITY.md) */
	char *api_keys;                /* HUB_API_KEYS (secret; parsed by client_keys.c) */
	char *api_keys_file;           /* HUB_API_KEYS_FILE: hashes only */
	char *auth_health;             /* HUB_AUTH_HEALTH: "open" or "key" */
	long rate_limit_per_minute;    /* HUB_RATE_LIMIT_PER_MINUTE per key; 0: off */
	long max_concurrent_claude;    /* HUB_MAX_CONCURRENT_CLAUDE per host; 0: no cap */
	long max_concurrent_gemini;    /* HUB_MAX_CONCURRENT_GEMINI per host; 0: no cap */
	long max_concurrent_codex;     /* HUB_MAX_CONCURRENT_CODEX per host; 0: no cap */
	long max_streams_per_key;      /* HUB_MAX_STREAMS_PER_KEY, fleet-wide; 0: no cap */
	long max_streams_per_addr;     /* HUB_MAX_STREAMS_PER_ADDR, fleet-wide; 0: no cap */
	long child_cpu_s;              /* HUB_CHILD_CPU_SECONDS; 0: unlimited */
	long child_max_files;          /* HUB_CHILD_MAX_FILES; 0: inherited */
	long child_max_rss_mb;         /* HUB_CHILD_MAX_RSS_MB; 0: unlimited */
	/* warm children, per responder process (providers/warm_pool.h) */
	long warm_children;            /* HUB_WARM_CHILDREN per (provider, model); 0: off */
	long warm_max;                 /* HUB_WARM_MAX in all */
	long warm_max_mb;              /* HUB_WARM_MAX_MB resident in all; 0: no cap */
	long warm_idle_ttl_s;          /* HUB_WARM_IDLE_TTL */
	long warm_history;             /* HUB_WARM_HISTORY conversations primed; 0: none */
	long warm_history_ttl_s;       /* HUB_WARM_HISTORY_TTL */
	/* token alerts (core/alert.c) */
	char *alert_webhook;           /* HUB_ALERT_WEBHOOK (secret: the URL may carry a token) */
	long alert_timeout_ms;         /* HUB_ALERT_TIMEOUT_MS */
	long token_warn_days;          /* HUB_TOKEN_WARN_DAYS */
	char *claude_token_expires;    /* HUB_CLAUDE_TOKEN_EXPIRES: ISO 8601 date, may be NULL */
	/* plan limits (core/chat.c, session/plan_state.c) */
	char *plan_overage;            /* HUB_PLAN_OVERAGE: "deny" or "allow", for providers
	                                * whose section has no overage key */
	long plan_warn_percent;        /* HUB_PLAN_WARN_PERCENT: utilization that warns; 0: off */
	/* where the file came from, for messages (may be NULL) */
	char *config_file;             /* HUB_CONFIG */
};

/*
 * Load the configuration from the environment and the optional file named
 * by HUB_CONFIG. Returns 0, or HUB_ERR_CONFIG with a message naming the
 * offending variable written to err (errlen bytes), or HUB_ERR_NOMEM.
 * On failure cfg holds nothing that needs freeing. Free with
 * hub_config_free().
 */
int hub_config_load(struct hub_config *cfg, char *err, size_t errlen);

/*
 * A check that a layer above (session/, providers/) adds to one setting,
 * so that this file knows no layer: it returns NULL when value is fine,
 * else a static reason. core/startup.c passes each layer's checks.
 */
struct hub_config_check {
	const char *name;                       /* "REDIS_URL" */
	const char *(*check)(const char *value);
};

/*
 * hub_config_load() with the n_checks checks in checks added: a value
 * failing one is refused like any other invalid value (same message form).
 */
int hub_config_load_checked(struct hub_config *cfg, const struct hub_config_check *checks,
    size_t n_checks, char *err, size_t errlen);

/* Free every string in cfg. Accepts NULL. */
void hub_config_free(struct hub_config *cfg);

/*
 * Find an executable: a name with a '/' is taken as a path, anything else
 * is looked up on PATH. Returns a malloc'd absolute path the caller frees,
 * or NULL when not found (or not executable). An answer is reused for up
 * to a second (thread-safe), so a change on disk shows within it.
 */
char *hub_config_find_executable(const char *name);

/*
 * Parse an ISO 8601 date "YYYY-MM-DD" (midnight UTC) or timestamp
 * "YYYY-MM-DDTHH:MM:SS[.fff][Z]" (UTC). Returns epoch ms, or -1.
 */
long long hub_config_parse_date(const char *s);

/* Strip leading and trailing white space of s in place; returns the
 * first non-space character. */
char *hub_config_trim(char *s);

/*
 * The one reader of the HUB_CONFIG file, used by this file (the global
 * settings before the first section) and by providers/provider_conf.c
 * (the [provider NAME] sections): hub_config_file_next() hands over one
 * line at a time, blank lines and '#' comment lines skipped, trimmed and
 * split at its first '='. Each caller words its own errors.
 */
enum hub_config_line_kind {
	HUB_CONFIG_LINE_END = 0,     /* end of the file */
	HUB_CONFIG_LINE_SETTING,     /* "key = value": key and value are set */
	HUB_CONFIG_LINE_SECTION,     /* a line that starts with '[' */
	HUB_CONFIG_LINE_NO_EQUALS,   /* any other line without '=' */
	HUB_CONFIG_LINE_TOO_LONG,    /* longer than HUB_MAX_CONFIG_LINE: reading stops */
	HUB_CONFIG_LINE_READ_ERROR   /* the file could not be read on: reading stops */
};

struct hub_config_line {
	enum hub_config_line_kind kind;
	int lineno;                  /* 1-based */
	char *text;                  /* the whole line, trimmed (not for SETTING) */
	char *key;                   /* SETTING: the key, trimmed */
	char *value;                 /* SETTING: the value, trimmed, one pair of
	                                surrounding double quotes removed */
};

struct hub_config_file {
	FILE *f;
	int lineno;
	char buf[HUB_MAX_CONFIG_LINE];
};

/* Open path. HUB_OK, or HUB_ERR_CONFIG with "HUB_CONFIG: cannot open ..."
 * in err. */
int hub_config_file_open(struct hub_config_file *cf, const char *path, char *err, size_t errlen);

/* The next line into *l (its strings point into cf, valid until the next
 * call); returns l->kind. */
enum hub_config_line_kind hub_config_file_next(struct hub_config_file *cf, struct hub_config_line *l);

/* Close the file. */
void hub_config_file_close(struct hub_config_file *cf);

/* The process-wide configuration, set once by main() before threads start. */
extern const struct hub_config *hub_cfg;

#endif
