/*
 * hub_limits.h - every limit on untrusted sizes, in one place.
 *
 * Each limit is checked before memory is allocated for the thing it bounds.
 * The ones an operator may change have a configuration variable (see
 * hub_config.h) and the value here is its default.
 */
#ifndef HUB_LIMITS_H
#define HUB_LIMITS_H

/* HTTP request body; HUB_MAX_BODY_BYTES overrides. */
#define HUB_DEFAULT_MAX_BODY_BYTES     (8u * 1024u * 1024u)
/* Nesting depth accepted in any JSON document from a client or a CLI. */
#define HUB_MAX_JSON_DEPTH             64
/* Messages in one chat request, and in one stored session. */
#define HUB_MAX_MESSAGES               2000
/* Length of one session id: [A-Za-z0-9_-]{1,HUB_MAX_SESSION_ID_LEN}. */
#define HUB_MAX_SESSION_ID_LEN         128
/* Length of a model name in a request. */
#define HUB_MAX_MODEL_LEN              128
/* A request header value the hub reads (X-Session-ID, Authorization...). */
#define HUB_MAX_HEADER_BYTES           8192
/* A query string. */
#define HUB_MAX_QUERY_BYTES            4096
/* Everything one provider child may print on stdout; HUB_MAX_OUTPUT_BYTES overrides. */
#define HUB_DEFAULT_MAX_OUTPUT_BYTES   (16u * 1024u * 1024u)
/* One line of a CLI's JSON-lines output. */
#define HUB_MAX_CLI_LINE_BYTES         (8u * 1024u * 1024u)
/* Tool calls a CLI's reply may propose; later ones are dropped. */
#define HUB_MAX_REPLY_TOOL_CALLS       64u
/* What is kept of a CLI's stderr for error messages. */
#define HUB_MAX_STDERR_BYTES           (64u * 1024u)
/* One line of the HUB_CONFIG file (newline included). */
#define HUB_MAX_CONFIG_LINE            4096
/* One line on the MCP stdio transport. */
#define HUB_MAX_MCP_LINE_BYTES         (8u * 1024u * 1024u)
/* Stored bytes of one session (its encoded messages); HUB_SESSION_MAX_BYTES overrides. */
#define HUB_DEFAULT_SESSION_MAX_BYTES_STR  "16777216"
/* Live sessions of one client key; HUB_KEY_MAX_SESSIONS overrides. */
#define HUB_DEFAULT_KEY_MAX_SESSIONS_STR   "10000"
/* Stored bytes of all sessions of one client key; HUB_KEY_MAX_BYTES overrides. */
#define HUB_DEFAULT_KEY_MAX_BYTES_STR      "268435456"
/* Sessions returned by one page of GET /v1/sessions. */
#define HUB_MAX_SESSION_PAGE           100
/* Environment entries built for a child. */
#define HUB_MAX_CHILD_ENV              32
/* Arguments built for a child. */
#define HUB_MAX_CHILD_ARGV             48
/* Client tools (OpenAI tool calling) of one chat request: how many, and
 * their names, descriptions and parameter schemas together (compact JSON). */
#define HUB_MAX_TOOLS                  128
#define HUB_MAX_TOOLS_BYTES            (512u * 1024u)
/* Tool calls in one assistant message, and the length of a call's id. */
#define HUB_MAX_TOOL_CALLS             128
#define HUB_MAX_TOOL_CALL_ID_LEN       128
/* Images (data: URLs) in one chat request. */
#define HUB_MAX_IMAGES                 32
/* One image, decoded; HUB_MAX_IMAGE_BYTES overrides. */
#define HUB_DEFAULT_MAX_IMAGE_BYTES        5242880L
#define HUB_DEFAULT_MAX_IMAGE_BYTES_STR    "5242880"
/* All images of one request, decoded; HUB_MAX_REQUEST_IMAGE_BYTES overrides
 * (the body cap, HUB_MAX_BODY_BYTES, bounds them too). */
#define HUB_DEFAULT_MAX_REQUEST_IMAGE_BYTES     20971520L
#define HUB_DEFAULT_MAX_REQUEST_IMAGE_BYTES_STR "20971520"
/* A provider error message kept for clients and status. */
#define HUB_MAX_ERROR_MESSAGE          512

/* Client keys (HUB_API_KEYS, HUB_API_KEYS_FILE): how many, how long. */
#define HUB_MAX_CLIENT_KEYS            1024
#define HUB_MIN_CLIENT_KEY_BYTES       16
#define HUB_MAX_CLIENT_KEY_BYTES       512
#define HUB_MAX_CLIENT_KEY_ID_LEN      64
#define HUB_MAX_CLIENT_KEY_NAME_LEN    128
#define HUB_MAX_KEYS_FILE_BYTES        (1024u * 1024u)

/* Providers in the table (built-in and configured). */
#define HUB_MAX_PROVIDERS              16
/* Entries in one list value of a [provider NAME] section (models, args...). */
#define HUB_MAX_PROVIDER_LIST          64
/* Targets of one [route NAME] section. */
#define HUB_MAX_ROUTE_TARGETS          8

/* A Gemini prompt: the CLI silently sends nothing above about 3.5 MiB. */
#define GEMINI_MAX_PROMPT_BYTES        (3u * 1024u * 1024u)
/* A Gemini session file (tool turns, images) and the tool stub copied into
 * a run. */
#define GEMINI_MAX_HISTORY_BYTES       (64u * 1024u * 1024u)
#define GEMINI_MAX_TOOL_STUB_BYTES     (16u * 1024u * 1024u)
/* The Gemini credentials file read for /health/tokens (a real one is < 2 KB). */
#define GEMINI_TOKEN_MAX_FILE_BYTES    (64 * 1024)

#endif
