/*
 * mcp.c - the MCP JSON-RPC dispatcher, shared by hub-mcp and /mcp.
 *
 * Validation follows JSON-RPC 2.0 as MCP narrows it: an id is a string or
 * an integer (never null), params is an object, notifications are never
 * answered, and a message with result or error is a response from the
 * client (this server sends no requests, so they are dropped).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_log.h"
#include "common/hub_os.h"
#include "common/hub_time.h"
#include "mcp.h"
#include "mcp_tools.h"

#define MCP_META_LOG_LEVEL "io.modelcontextprotocol/logLevel"
#define MCP_META_SERVER_INFO "io.modelcontextprotocol/serverInfo"
#define MCP_MAX_SUBSCRIPTIONS 64

/* Items per page of the list methods. Not const: the unit test lowers it. */
static size_t mcp_page_size = 50;
/* How long list results may be cached by a modern client. */
#define MCP_LIST_TTL_MS 60000
#define MCP_READ_TTL_MS 5000
#define MCP_MAX_ID_JSON 128

static const char *const mcp_handshake_versions[] = {
	"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL
};

static const char *const mcp_log_levels[] = {
	"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency", NULL
};

/* One tools/call in flight. */
struct mcp_call {
	struct mcp_call *next;
	struct mcp_server *s;
	char id_json[MCP_MAX_ID_JSON];
	struct json_object *id;          /* owned reference */
	struct json_object *params;      /* owned reference */
	struct json_object *progress_token; /* borrowed from params, or NULL */
	char version[16];
	int modern;
	char log_level[16];              /* modern: from _meta, "" for none */
	struct json_object *client_caps; /* owned reference, or NULL */
	struct hub_os_wake cancel;       /* signalled on cancel */
	int cancelled;
	int spawned;
	long long progress;
};

struct mcp_server {
	pthread_mutex_t lock;
	pthread_cond_t idle_cond;
	char *owner;
	struct mcp_hooks hooks;
	enum mcp_era era;
	char version[16];
	int initialized;
	char log_level[16];
	int expect_modern;               /* HTTP without Mcp-Session-Id */
	int http_status;                 /* a status hint for the last error, or 0 */
	struct json_object *client_caps; /* from initialize, or NULL */
	char *subs[MCP_MAX_SUBSCRIPTIONS]; /* subscribed uris (no hooks.subscriptions) */
	struct mcp_call *calls;
	int n_spawned;
};

/* One request being answered. */
struct mcp_req {
	struct mcp_server *s;
	struct json_object *id;          /* borrowed */
	const char *method;
	struct json_object *params;      /* borrowed; may be NULL */
	int modern;
	char version[16];
	struct json_object *meta;        /* params._meta, borrowed; may be NULL */
	struct json_object *batch_out;   /* responses of a batch, or NULL */
};

int
mcp_version_handshake_supported(const char *version)
{
	size_t i;

	for (i = 0; version != NULL && mcp_handshake_versions[i] != NULL; i++)
		if (strcmp(version, mcp_handshake_versions[i]) == 0)
			return 1;
	return 0;
}

struct mcp_server *
mcp_server_new(const char *owner, const struct mcp_hooks *hooks)
{
	struct mcp_server *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if ((s->owner = strdup(owner != NULL ? owner : "")) == NULL) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle_cond, NULL);
	s->hooks = *hooks;
	s->era = MCP_ERA_NONE;
	snprintf(s->log_level, sizeof(s->log_level), "info");
	return s;
}

int
mcp_server_resume(struct mcp_server *s, const char *version)
{
	if (!mcp_version_handshake_supported(version))
		return HUB_ERR_INVALID;
	pthread_mutex_lock(&s->lock);
	s->era = MCP_ERA_HANDSHAKE;
	snprintf(s->version, sizeof(s->version), "%s", version);
	s->initialized = 1;
	pthread_mutex_unlock(&s->lock);
	return HUB_OK;
}

void
mcp_server_expect_modern(struct mcp_server *s)
{
	s->expect_modern = 1;
}

int
mcp_server_http_status(struct mcp_server *s)
{
	return s->http_status;
}

int
mcp_server_set_log_level(struct mcp_server *s, const char *level)
{
	size_t i;

	for (i = 0; level != NULL && mcp_log_levels[i] != NULL; i++) {
		if (strcmp(level, mcp_log_levels[i]) == 0) {
			pthread_mutex_lock(&s->lock);
			snprintf(s->log_level, sizeof(s->log_level), "%s", level);
			pthread_mutex_unlock(&s->lock);
			return HUB_OK;
		}
	}
	return HUB_ERR_INVALID;
}

void
mcp_server_free(struct mcp_server *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < MCP_MAX_SUBSCRIPTIONS; i++)
		free(s->subs[i]);
	json_object_put(s->client_caps);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->idle_cond);
	free(s->owner);
	free(s);
}

enum mcp_era
mcp_server_era(struct mcp_server *s)
{
	enum mcp_era e;

	pthread_mutex_lock(&s->lock);
	e = s->era;
	pthread_mutex_unlock(&s->lock);
	return e;
}

const char *
mcp_server_version(struct mcp_server *s)
{
	return s->version;
}

/* Serialise obj and hand it to the transport. */
static void
mcp_emit(struct mcp_server *s, struct json_object *obj)
{
	const char *txt = hub_json_compact(obj);

	if (txt != NULL && s->hooks.send != NULL)
		s->hooks.send(s->hooks.send_arg, txt, strlen(txt));
}

/* Send (or add to the batch) a response message; takes msg. */
static void
mcp_respond(struct mcp_req *r, struct json_object *msg)
{
	if (r->batch_out != NULL) {
		if (json_object_array_add(r->batch_out, msg) != 0)
			json_object_put(msg);
		return;
	}
	mcp_emit(r->s, msg);
	json_object_put(msg);
}

/* A new {"jsonrpc":"2.0","id":id} with a new reference to id (NULL: null). */
static struct json_object *
mcp_envelope(struct json_object *id)
{
	struct json_object *m = json_object_new_object();

	if (m == NULL)
		return NULL;
	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "id", id != NULL ? json_object_get(id) : NULL);
	return m;
}

/* Answer r with an error; data (may be NULL) is taken. */
static void
mcp_error(struct mcp_req *r, int code, const char *message, struct json_object *data)
{
	struct json_object *m = mcp_envelope(r->id), *e = json_object_new_object();

	if (r->modern && code == MCP_METHOD_NOT_FOUND)
		r->s->http_status = 404;

	if (m == NULL || e == NULL) {
		json_object_put(m);
		json_object_put(e);
		json_object_put(data);
		return;
	}
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	if (data != NULL)
		json_object_object_add(e, "data", data);
	json_object_object_add(m, "error", e);
	mcp_respond(r, m);
}

/* Answer r with result (taken); modern requests get resultType. */
static void
mcp_result(struct mcp_req *r, struct json_object *result)
{
	struct json_object *m;

	if (result == NULL) {
		mcp_error(r, MCP_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	if (r->modern && !json_object_object_get_ex(result, "resultType", NULL))
		json_object_object_add(result, "resultType", json_object_new_string("complete"));
	if ((m = mcp_envelope(r->id)) == NULL) {
		json_object_put(result);
		return;
	}
	json_object_object_add(m, "result", result);
	mcp_respond(r, m);
}

void
mcp_send_error(struct mcp_server *s, int code, const char *message)
{
	struct mcp_req r;

	memset(&r, 0, sizeof(r));
	r.s = s;
	mcp_error(&r, code, message, NULL);
}

/* Member key of obj when obj is an object, else NULL. */
static struct json_object *
mcp_member(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/* A string member, or NULL when absent; *bad set when present but not a string. */
static const char *
mcp_string_param(struct json_object *params, const char *key, int *bad)
{
	struct json_object *v = mcp_member(params, key);

	if (v == NULL)
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		*bad = 1;
		return NULL;
	}
	return json_object_get_string(v);
}

/* 1 when version a is older than b (both YYYY-MM-DD). */
static int
mcp_older(const char *a, const char *b)
{
	return strcmp(a, b) < 0;
}

static struct json_object *
mcp_server_info(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string("llm-mcp-hub"));
	json_object_object_add(o, "title", json_object_new_string("LLM MCP Hub"));
	json_object_object_add(o, "version", json_object_new_string(HUB_VERSION));
	return o;
}

static struct json_object *
mcp_capabilities(int with_logging, const char *version)
{
	struct json_object *c = json_object_new_object(), *o;

	if (with_logging)
		json_object_object_add(c, "logging", json_object_new_object());
	if (version == NULL || !mcp_older(version, "2025-03-26"))
		json_object_object_add(c, "completions", json_object_new_object());
	o = json_object_new_object();
	json_object_object_add(o, "listChanged", json_object_new_boolean(0));
	json_object_object_add(c, "prompts", o);
	o = json_object_new_object();
	/* resources/subscribe is a handshake-era method (gone in 2026-07-28) */
	json_object_object_add(o, "subscribe", json_object_new_boolean(with_logging));
	json_object_object_add(o, "listChanged", json_object_new_boolean(0));
	json_object_object_add(c, "resources", o);
	o = json_object_new_object();
	json_object_object_add(o, "listChanged", json_object_new_boolean(0));
	json_object_object_add(c, "tools", o);
	return c;
}

static const char mcp_instructions[] =
	"LLM MCP Hub: chat with Claude or Gemini through the operator's subscriptions. "
	"Use the chat tool (pass session_id to continue a conversation), list_providers to "
	"see which providers are ready, get_session to read a conversation and "
	"export_session_memory for a markdown or JSON export with a summary.";

static void
mcp_initialize(struct mcp_req *r)
{
	struct json_object *res;
	const char *want;
	char version[16];
	int bad = 0;

	want = mcp_string_param(r->params, "protocolVersion", &bad);
	if (want == NULL) {
		mcp_error(r, MCP_INVALID_PARAMS, "initialize: params.protocolVersion (a string) is required", NULL);
		return;
	}
	pthread_mutex_lock(&r->s->lock);
	if (r->s->initialized) {
		pthread_mutex_unlock(&r->s->lock);
		mcp_error(r, MCP_INVALID_REQUEST, "already initialized", NULL);
		return;
	}
	snprintf(version, sizeof(version), "%s",
	    mcp_version_handshake_supported(want) ? want : MCP_VERSION_LATEST_HANDSHAKE);
	r->s->era = MCP_ERA_HANDSHAKE;
	snprintf(r->s->version, sizeof(r->s->version), "%s", version);
	r->s->initialized = 1;
	r->s->client_caps = json_object_get(mcp_member(r->params, "capabilities"));
	pthread_mutex_unlock(&r->s->lock);

	res = json_object_new_object();
	json_object_object_add(res, "protocolVersion", json_object_new_string(version));
	json_object_object_add(res, "capabilities", mcp_capabilities(1, version));
	json_object_object_add(res, "serverInfo", mcp_server_info());
	json_object_object_add(res, "instructions", json_object_new_string(mcp_instructions));
	mcp_result(r, res);
}

static void
mcp_discover(struct mcp_req *r)
{
	struct json_object *res = json_object_new_object(), *v = json_object_new_array();
	size_t i;

	json_object_array_add(v, json_object_new_string(MCP_VERSION_MODERN));
	for (i = 0; mcp_handshake_versions[i] != NULL; i++)
		json_object_array_add(v, json_object_new_string(mcp_handshake_versions[i]));
	json_object_object_add(res, "supportedVersions", v);
	json_object_object_add(res, "capabilities", mcp_capabilities(0, NULL));
	json_object_object_add(res, "serverInfo", mcp_server_info());
	json_object_object_add(res, "instructions", json_object_new_string(mcp_instructions));
	v = json_object_new_object();
	json_object_object_add(v, MCP_META_SERVER_INFO, mcp_server_info());
	json_object_object_add(res, "_meta", v);
	mcp_result(r, res);
}

static void
mcp_ping(struct mcp_req *r)
{
	mcp_result(r, json_object_new_object());
}

static void
mcp_set_level(struct mcp_req *r)
{
	const char *level;
	int bad = 0;
	size_t i;

	level = mcp_string_param(r->params, "level", &bad);
	for (i = 0; level != NULL && mcp_log_levels[i] != NULL; i++) {
		if (strcmp(level, mcp_log_levels[i]) == 0) {
			(void)mcp_server_set_log_level(r->s, level);
			if (r->s->hooks.set_log_level != NULL &&
			    r->s->hooks.set_log_level(r->s->hooks.state_arg, level) != HUB_OK) {
				mcp_error(r, MCP_INTERNAL_ERROR, "cannot store the log level", NULL);
				return;
			}
			mcp_result(r, json_object_new_object());
			return;
		}
	}
	mcp_error(r, MCP_INVALID_PARAMS,
	    "logging/setLevel: level must be one of debug, info, notice, warning, error, "
	    "critical, alert, emergency", NULL);
}

/* The index of level in mcp_log_levels, or -1. */
static int
mcp_level_rank(const char *level)
{
	int i;

	for (i = 0; level != NULL && mcp_log_levels[i] != NULL; i++)
		if (strcmp(level, mcp_log_levels[i]) == 0)
			return i;
	return -1;
}

/* 1 when this connection subscribed to uri. */
static int
mcp_subscribed(struct mcp_server *s, const char *uri)
{
	size_t i;
	int yes = 0;

	if (s->hooks.subscription != NULL)
		return s->hooks.subscription(s->hooks.state_arg, uri, -1) == 1;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < MCP_MAX_SUBSCRIPTIONS && !yes; i++)
		yes = s->subs[i] != NULL && strcmp(s->subs[i], uri) == 0;
	pthread_mutex_unlock(&s->lock);
	return yes;
}

/* Record (on = 1) or drop (0) a subscription; 0 or HUB_ERR_*. */
static int
mcp_subscribe_set(struct mcp_server *s, const char *uri, int on)
{
	size_t i, free_slot = MCP_MAX_SUBSCRIPTIONS;
	int rc = HUB_OK, found = 0;

	if (s->hooks.subscription != NULL)
		return s->hooks.subscription(s->hooks.state_arg, uri, on) < 0 ? HUB_ERR_STORE : HUB_OK;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < MCP_MAX_SUBSCRIPTIONS; i++) {
		if (s->subs[i] != NULL && strcmp(s->subs[i], uri) == 0) {
			found = 1;
			if (!on) {
				free(s->subs[i]);
				s->subs[i] = NULL;
			}
		} else if (s->subs[i] == NULL && free_slot == MCP_MAX_SUBSCRIPTIONS) {
			free_slot = i;
		}
	}
	if (on && !found) {
		if (free_slot == MCP_MAX_SUBSCRIPTIONS)
			rc = HUB_ERR_TOO_LARGE;
		else if ((s->subs[free_slot] = strdup(uri)) == NULL)
			rc = HUB_ERR_NOMEM;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* resources/subscribe and resources/unsubscribe (handshake era). */
static void
mcp_subscribe_common(struct mcp_req *r, int on)
{
	const char *uri;
	int bad = 0, rc;

	uri = mcp_string_param(r->params, "uri", &bad);
	if (uri == NULL || *uri == '\0' || strlen(uri) > 512) {
		mcp_error(r, MCP_INVALID_PARAMS, "params.uri (a string of 1 to 512 bytes) is required", NULL);
		return;
	}
	rc = mcp_subscribe_set(r->s, uri, on);
	if (rc == HUB_ERR_TOO_LARGE)
		mcp_error(r, MCP_INVALID_PARAMS, "too many subscriptions", NULL);
	else if (rc != HUB_OK)
		mcp_error(r, MCP_INTERNAL_ERROR, "cannot store the subscription", NULL);
	else
		mcp_result(r, json_object_new_object());
}

static void
mcp_subscribe(struct mcp_req *r)
{
	mcp_subscribe_common(r, 1);
}

static void
mcp_unsubscribe(struct mcp_req *r)
{
	mcp_subscribe_common(r, 0);
}

/* Parse a cursor this server gave out ("o<offset>"); -1 when invalid. */
static long
mcp_cursor_offset(const char *cursor, size_t total)
{
	char *end;
	long off;

	if (cursor == NULL)
		return 0;
	if (cursor[0] != 'o' || cursor[1] < '0' || cursor[1] > '9')
		return -1;
	errno = 0;
	off = strtol(cursor + 1, &end, 10);
	if (errno != 0 || *end != '\0' || off <= 0 || (size_t)off >= total)
		return -1;
	return off;
}

/* Answer a list method with one page of items (taken) under key. */
static void
mcp_paginate(struct mcp_req *r, struct json_object *items, const char *key, int private_scope)
{
	struct json_object *res, *page;
	const char *cursor;
	size_t total, i, end;
	long off;
	int bad = 0;
	char next[32];

	if (items == NULL) {
		mcp_error(r, MCP_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	total = json_object_array_length(items);
	cursor = mcp_string_param(r->params, "cursor", &bad);
	if (bad || (off = mcp_cursor_offset(cursor, total)) < 0) {
		json_object_put(items);
		mcp_error(r, MCP_INVALID_PARAMS, "invalid cursor", NULL);
		return;
	}
	res = json_object_new_object();
	page = json_object_new_array();
	end = (size_t)off + mcp_page_size;
	if (end > total)
		end = total;
	for (i = (size_t)off; i < end; i++)
		json_object_array_add(page, json_object_get(json_object_array_get_idx(items, i)));
	json_object_object_add(res, key, page);
	if (end < total) {
		snprintf(next, sizeof(next), "o%zu", end);
		json_object_object_add(res, "nextCursor", json_object_new_string(next));
	}
	if (r->modern) {
		json_object_object_add(res, "ttlMs", json_object_new_int(MCP_LIST_TTL_MS));
		json_object_object_add(res, "cacheScope",
		    json_object_new_string(private_scope ? "private" : "public"));
	}
	json_object_put(items);
	mcp_result(r, res);
}

/* Drop the fields a client of an older version does not know. */
static void
mcp_shape_tools(struct json_object *tools, const char *version)
{
	size_t i, n = json_object_array_length(tools);

	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);

		if (mcp_older(version, "2025-06-18")) {
			json_object_object_del(t, "outputSchema");
			json_object_object_del(t, "title");
		}
		if (mcp_older(version, "2025-03-26"))
			json_object_object_del(t, "annotations");
	}
}

static void
mcp_tools_list_method(struct mcp_req *r)
{
	struct json_object *tools = mcp_tools_list();

	if (tools != NULL)
		mcp_shape_tools(tools, r->version);
	mcp_paginate(r, tools, "tools", 0);
}

static void
mcp_resources_list_method(struct mcp_req *r)
{
	mcp_paginate(r, mcp_resources_list(), "resources", 0);
}

static void
mcp_templates_list_method(struct mcp_req *r)
{
	mcp_paginate(r, mcp_resource_templates_list(), "resourceTemplates", 0);
}

static void
mcp_prompts_list_method(struct mcp_req *r)
{
	mcp_paginate(r, mcp_prompts_list(), "prompts", 0);
}

static void
mcp_resources_read_method(struct mcp_req *r)
{
	struct json_object *res = NULL, *data;
	const char *uri;
	int bad = 0, private_scope = 0, rc;

	uri = mcp_string_param(r->params, "uri", &bad);
	if (uri == NULL) {
		mcp_error(r, MCP_INVALID_PARAMS, "resources/read: params.uri (a string) is required", NULL);
		return;
	}
	rc = mcp_resources_read(uri, r->s->owner, &res, &private_scope);
	if (rc == HUB_ERR_NOT_FOUND) {
		data = json_object_new_object();
		json_object_object_add(data, "uri", json_object_new_string(uri));
		mcp_error(r, r->modern ? MCP_INVALID_PARAMS : MCP_RESOURCE_NOT_FOUND,
		    "Resource not found", data);
		return;
	}
	if (rc == HUB_ERR_STORE) {
		mcp_error(r, MCP_INTERNAL_ERROR, "the session store (Redis) is unavailable", NULL);
		return;
	}
	if (rc != HUB_OK) {
		mcp_error(r, MCP_INTERNAL_ERROR, hub_strerror(rc), NULL);
		return;
	}
	if (r->modern) {
		json_object_object_add(res, "ttlMs", json_object_new_int(MCP_READ_TTL_MS));
		json_object_object_add(res, "cacheScope",
		    json_object_new_string(private_scope ? "private" : "public"));
	}
	mcp_result(r, res);
}

static void
mcp_prompts_get_method(struct mcp_req *r)
{
	struct json_object *res = NULL, *args = mcp_member(r->params, "arguments");
	const char *name;
	char msg[256] = "";
	int bad = 0, rc;

	name = mcp_string_param(r->params, "name", &bad);
	if (name == NULL) {
		mcp_error(r, MCP_INVALID_PARAMS, "prompts/get: params.name (a string) is required", NULL);
		return;
	}
	if (args != NULL && !json_object_is_type(args, json_type_object)) {
		mcp_error(r, MCP_INVALID_PARAMS, "prompts/get: params.arguments must be an object", NULL);
		return;
	}
	rc = mcp_prompts_get(name, args, r->params, r->s->owner, &res, msg, sizeof(msg));
	if (rc == HUB_ERR_NOT_FOUND) {
		snprintf(msg, sizeof(msg), "Unknown prompt: %.200s", name);
		mcp_error(r, MCP_INVALID_PARAMS, msg, NULL);
	} else if (rc == HUB_ERR_INVALID) {
		mcp_error(r, MCP_INVALID_PARAMS, msg, NULL);
	} else if (rc == HUB_ERR_STORE) {
		mcp_error(r, MCP_INTERNAL_ERROR, "the session store (Redis) is unavailable", NULL);
	} else if (rc != HUB_OK) {
		mcp_error(r, MCP_INTERNAL_ERROR, hub_strerror(rc), NULL);
	} else {
		mcp_result(r, res);
	}
}

static void
mcp_complete_method(struct mcp_req *r)
{
	struct json_object *ref = mcp_member(r->params, "ref");
	struct json_object *arg = mcp_member(r->params, "argument");
	struct json_object *values = NULL, *res, *c;
	const char *type, *ref_name, *arg_name, *value;
	int bad = 0, total = 0, rc;

	type = mcp_string_param(ref, "type", &bad);
	ref_name = type != NULL && strcmp(type, "ref/resource") == 0 ?
	    mcp_string_param(ref, "uri", &bad) : mcp_string_param(ref, "name", &bad);
	arg_name = mcp_string_param(arg, "name", &bad);
	value = mcp_string_param(arg, "value", &bad);
	if (bad || type == NULL || ref_name == NULL || arg_name == NULL) {
		mcp_error(r, MCP_INVALID_PARAMS,
		    "completion/complete: params.ref {type, name|uri} and params.argument {name, value} are required",
		    NULL);
		return;
	}
	rc = mcp_complete(type, ref_name, arg_name, value != NULL ? value : "", r->s->owner,
	    &values, &total);
	if (rc == HUB_ERR_NOT_FOUND) {
		mcp_error(r, MCP_INVALID_PARAMS, "completion/complete: unknown prompt or resource template", NULL);
		return;
	}
	if (rc != HUB_OK) {
		mcp_error(r, MCP_INTERNAL_ERROR, hub_strerror(rc), NULL);
		return;
	}
	res = json_object_new_object();
	c = json_object_new_object();
	json_object_object_add(c, "total", json_object_new_int(total));
	json_object_object_add(c, "hasMore",
	    json_object_new_boolean((size_t)total > json_object_array_length(values)));
	json_object_object_add(c, "values", values);
	json_object_object_add(res, "completion", c);
	mcp_result(r, res);
}

/* ------------------------------------------------------------ tools/call */

/* notifications/progress with the provider's text so far. */
static int
mcp_call_progress(void *arg, const char *text, size_t len)
{
	struct mcp_call *c = arg;
	struct json_object *m, *p;
	int cancelled;

	pthread_mutex_lock(&c->s->lock);
	cancelled = c->cancelled;
	pthread_mutex_unlock(&c->s->lock);
	if (cancelled)
		return -1;
	c->progress += (long long)len;
	m = json_object_new_object();
	p = json_object_new_object();
	if (m == NULL || p == NULL) {
		json_object_put(m);
		json_object_put(p);
		return 0;
	}
	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "method", json_object_new_string("notifications/progress"));
	json_object_object_add(p, "progressToken", json_object_get(c->progress_token));
	json_object_object_add(p, "progress", json_object_new_int64(c->progress));
	if (!mcp_older(c->version, "2025-03-26"))
		json_object_object_add(p, "message", json_object_new_string_len(text, (int)len));
	json_object_object_add(m, "params", p);
	mcp_emit(c->s, m);
	json_object_put(m);
	return 0;
}

/* The tool's notify hook: notifications/message by log level,
 * notifications/resources/updated to subscribers only; params taken. */
static void
mcp_call_notify(void *arg, const char *method, struct json_object *params)
{
	struct mcp_call *c = arg;
	struct json_object *m;
	char level[16];
	int cancelled;

	pthread_mutex_lock(&c->s->lock);
	cancelled = c->cancelled;
	snprintf(level, sizeof(level), "%s", c->modern ? c->log_level : c->s->log_level);
	pthread_mutex_unlock(&c->s->lock);
	if (cancelled || params == NULL) {
		json_object_put(params);
		return;
	}
	if (strcmp(method, "notifications/message") == 0 &&
	    (level[0] == '\0' || mcp_level_rank(hub_json_get_string(params, "level")) < mcp_level_rank(level))) {
		json_object_put(params);
		return;
	}
	if (strcmp(method, "notifications/resources/updated") == 0 &&
	    (c->modern || !mcp_subscribed(c->s, hub_json_get_string(params, "uri")))) {
		json_object_put(params);
		return;
	}
	if ((m = json_object_new_object()) == NULL) {
		json_object_put(params);
		return;
	}
	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "method", json_object_new_string(method));
	json_object_object_add(m, "params", params);
	mcp_emit(c->s, m);
	json_object_put(m);
}

static int
mcp_call_idle(void *arg)
{
	struct mcp_call *c = arg;

	if (c->s->hooks.idle == NULL || c->s->hooks.idle(c->s->hooks.idle_arg, c->id_json) >= 0)
		return 0;
	/* cancelled elsewhere, or nobody is listening: no response either way */
	pthread_mutex_lock(&c->s->lock);
	c->cancelled = 1;
	pthread_mutex_unlock(&c->s->lock);
	return -1;
}

static void
mcp_call_free(struct mcp_call *c)
{
	if (c == NULL)
		return;
	hub_os_wake_close(&c->cancel);
	json_object_put(c->id);
	json_object_put(c->params);
	json_object_put(c->client_caps);
	free(c);
}

/* Run one tools/call and answer it unless it was cancelled. */
static void
mcp_call_run(struct mcp_call *c, struct json_object *batch_out)
{
	struct mcp_server *s = c->s;
	struct mcp_tool_ctx ctx;
	struct mcp_tool_error err;
	struct json_object *result = NULL, *args = mcp_member(c->params, "arguments");
	struct mcp_call **pp;
	struct mcp_req r;
	int rc, cancelled;

	memset(&ctx, 0, sizeof(ctx));
	memset(&err, 0, sizeof(err));
	ctx.notify = mcp_call_notify;
	ctx.progress_token = c->progress_token;
	ctx.params = c->params;
	ctx.client_caps = c->client_caps;
	ctx.modern = c->modern;
	ctx.error = &err;
	ctx.owner = s->owner;
	ctx.cancel_fd = c->cancel.read_fd;
	ctx.progress = c->progress_token != NULL ? mcp_call_progress : NULL;
	ctx.idle = mcp_call_idle;
	ctx.idle_tick_ms = s->hooks.idle != NULL ? s->hooks.idle_tick_ms : 0;
	ctx.arg = c;
	rc = mcp_tools_call(json_object_get_string(mcp_member(c->params, "name")), args, &ctx, &result);

	pthread_mutex_lock(&s->lock);
	for (pp = &s->calls; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	cancelled = c->cancelled;
	pthread_mutex_unlock(&s->lock);

	if (!cancelled) {
		memset(&r, 0, sizeof(r));
		r.s = s;
		r.id = c->id;
		r.modern = c->modern;
		snprintf(r.version, sizeof(r.version), "%s", c->version);
		r.batch_out = batch_out;
		if (err.code != 0) {
			if (r.modern && err.code == MCP_MISSING_CLIENT_CAPABILITY)
				s->http_status = 400;
			mcp_error(&r, err.code, err.message, err.data);
			err.data = NULL;   /* taken */
		} else if (rc != HUB_OK) {
			mcp_error(&r, MCP_INTERNAL_ERROR, hub_strerror(rc), NULL);
		} else {
			if (mcp_older(c->version, "2025-06-18"))
				json_object_object_del(result, "structuredContent");
			mcp_result(&r, result);
			result = NULL;
		}
	}
	json_object_put(result);
	json_object_put(err.data);
}

/* The body of a spawned call. */
static void
mcp_call_job(void *arg)
{
	struct mcp_call *c = arg;
	struct mcp_server *s = c->s;

	mcp_call_run(c, NULL);
	mcp_call_free(c);
	pthread_mutex_lock(&s->lock);
	s->n_spawned--;
	pthread_cond_broadcast(&s->idle_cond);
	pthread_mutex_unlock(&s->lock);
}

/* 1 when a tool called name exists. */
static int
mcp_tool_exists(const char *name)
{
	struct json_object *tools = mcp_tools_list();
	size_t i, n = tools ? json_object_array_length(tools) : 0;
	int found = 0;

	for (i = 0; i < n && !found; i++)
		found = strcmp(hub_json_get_string(json_object_array_get_idx(tools, i), "name"), name) == 0;
	json_object_put(tools);
	return found;
}

static void
mcp_tools_call_method(struct mcp_req *r)
{
	struct json_object *args = mcp_member(r->params, "arguments");
	struct json_object *token = mcp_member(mcp_member(r->params, "_meta"), "progressToken");
	struct mcp_call *c;
	const char *name, *idj;
	char msg[300];
	int bad = 0;

	name = mcp_string_param(r->params, "name", &bad);
	if (name == NULL) {
		mcp_error(r, MCP_INVALID_PARAMS, "tools/call: params.name (a string) is required", NULL);
		return;
	}
	if (args != NULL && !json_object_is_type(args, json_type_object)) {
		mcp_error(r, MCP_INVALID_PARAMS, "tools/call: params.arguments must be an object", NULL);
		return;
	}
	if (!mcp_tool_exists(name)) {
		snprintf(msg, sizeof(msg), "Unknown tool: %.200s", name);
		mcp_error(r, MCP_INVALID_PARAMS, msg, NULL);
		return;
	}
	if (token != NULL && !json_object_is_type(token, json_type_string) &&
	    !json_object_is_type(token, json_type_int))
		token = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		mcp_error(r, MCP_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	c->s = r->s;
	(void)hub_os_wake_open(&c->cancel);
	c->id = json_object_get(r->id);
	c->params = json_object_get(r->params);
	c->progress_token = token;
	c->modern = r->modern;
	if (r->modern) {
		c->client_caps = json_object_get(mcp_member(r->meta, MCP_META_CAPABILITIES));
		if (mcp_level_rank(hub_json_get_string(r->meta, MCP_META_LOG_LEVEL)) >= 0)
			snprintf(c->log_level, sizeof(c->log_level), "%s",
			    hub_json_get_string(r->meta, MCP_META_LOG_LEVEL));
	} else {
		pthread_mutex_lock(&r->s->lock);
		c->client_caps = json_object_get(r->s->client_caps);
		pthread_mutex_unlock(&r->s->lock);
	}
	snprintf(c->version, sizeof(c->version), "%s", r->version);
	idj = json_object_to_json_string_ext(r->id, JSON_C_TO_STRING_PLAIN);
	snprintf(c->id_json, sizeof(c->id_json), "%s", idj != NULL ? idj : "");
	if (c->cancel.read_fd < 0) {
		mcp_call_free(c);
		mcp_error(r, MCP_INTERNAL_ERROR, "cannot create a cancel descriptor", NULL);
		return;
	}
	pthread_mutex_lock(&r->s->lock);
	c->next = r->s->calls;
	r->s->calls = c;
	if (r->batch_out == NULL && r->s->hooks.spawn != NULL) {
		r->s->n_spawned++;
		c->spawned = 1;
	}
	pthread_mutex_unlock(&r->s->lock);
	if (c->spawned) {
		if (r->s->hooks.spawn(r->s->hooks.spawn_arg, mcp_call_job, c) == 0)
			return;
		pthread_mutex_lock(&r->s->lock);
		r->s->n_spawned--;
		c->spawned = 0;
		pthread_mutex_unlock(&r->s->lock);
	}
	mcp_call_run(c, r->batch_out);
	mcp_call_free(c);
}

/* Mark call c cancelled and wake its provider; lock held. */
static void
mcp_call_cancel_locked(struct mcp_call *c)
{
	c->cancelled = 1;
	if (hub_os_wake_signal(&c->cancel) < 0)
		hub_log(HUB_LOG_WARN, "mcp", "cannot signal a cancellation");
}

void
mcp_cancel_all(struct mcp_server *s)
{
	struct mcp_call *c;

	pthread_mutex_lock(&s->lock);
	for (c = s->calls; c != NULL; c = c->next)
		mcp_call_cancel_locked(c);
	pthread_mutex_unlock(&s->lock);
}

int
mcp_wait_idle(struct mcp_server *s, long timeout_ms)
{
	struct timespec ts;
	int rc = HUB_OK;

	hub_time_deadline_ts(timeout_ms, &ts);
	pthread_mutex_lock(&s->lock);
	while (s->n_spawned > 0) {
		if (pthread_cond_timedwait(&s->idle_cond, &s->lock, &ts) == ETIMEDOUT) {
			rc = HUB_ERR_TIMEOUT;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* notifications/cancelled: stop the call with that request id. */
static void
mcp_cancelled(struct mcp_server *s, struct json_object *params)
{
	struct json_object *rid = mcp_member(params, "requestId");
	struct mcp_call *c;
	const char *idj;
	int found = 0;

	if (rid == NULL || (idj = json_object_to_json_string_ext(rid, JSON_C_TO_STRING_PLAIN)) == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	for (c = s->calls; c != NULL; c = c->next) {
		if (strcmp(c->id_json, idj) == 0 && !c->cancelled) {
			mcp_call_cancel_locked(c);
			found = 1;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (!found && s->hooks.cancel_elsewhere != NULL)
		s->hooks.cancel_elsewhere(s->hooks.cancel_arg, idj);
}

static void
mcp_notification(struct mcp_server *s, const char *method, struct json_object *params)
{
	if (strcmp(method, "notifications/cancelled") == 0)
		mcp_cancelled(s, params);
	/* notifications/initialized, roots changes and the like need nothing */
}

/* ------------------------------------------------------------ dispatch */

enum mcp_method_era { MCP_BOTH, MCP_HANDSHAKE_ONLY };

struct mcp_method {
	const char *name;
	void (*handler)(struct mcp_req *r);
	enum mcp_method_era era;
};

static const struct mcp_method mcp_methods[] = {
	{ "ping", mcp_ping, MCP_HANDSHAKE_ONLY },
	{ "logging/setLevel", mcp_set_level, MCP_HANDSHAKE_ONLY },
	{ "server/discover", mcp_discover, MCP_BOTH },
	{ "tools/list", mcp_tools_list_method, MCP_BOTH },
	{ "tools/call", mcp_tools_call_method, MCP_BOTH },
	{ "resources/list", mcp_resources_list_method, MCP_BOTH },
	{ "resources/templates/list", mcp_templates_list_method, MCP_BOTH },
	{ "resources/read", mcp_resources_read_method, MCP_BOTH },
	{ "prompts/list", mcp_prompts_list_method, MCP_BOTH },
	{ "prompts/get", mcp_prompts_get_method, MCP_BOTH },
	{ "completion/complete", mcp_complete_method, MCP_BOTH },
	{ "resources/subscribe", mcp_subscribe, MCP_HANDSHAKE_ONLY },
	{ "resources/unsubscribe", mcp_unsubscribe, MCP_HANDSHAKE_ONLY },
};

static const struct mcp_method *
mcp_find_method(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mcp_methods) / sizeof(mcp_methods[0]); i++)
		if (strcmp(mcp_methods[i].name, name) == 0)
			return &mcp_methods[i];
	return NULL;
}

/* Check a modern request's _meta; answers and returns 0 when it is wrong. */
static int
mcp_modern_meta_ok(struct mcp_req *r, struct json_object *meta)
{
	struct json_object *v = mcp_member(meta, MCP_META_VERSION);
	struct json_object *caps = mcp_member(meta, MCP_META_CAPABILITIES), *data, *sup;
	size_t i;

	if (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), MCP_VERSION_MODERN) != 0) {
		data = json_object_new_object();
		sup = json_object_new_array();
		json_object_array_add(sup, json_object_new_string(MCP_VERSION_MODERN));
		for (i = 0; mcp_handshake_versions[i] != NULL; i++)
			json_object_array_add(sup, json_object_new_string(mcp_handshake_versions[i]));
		json_object_object_add(data, "supported", sup);
		json_object_object_add(data, "requested", json_object_get(v));
		r->s->http_status = 400;
		mcp_error(r, MCP_INVALID_PARAMS, "Unsupported protocol version", data);
		return 0;
	}
	if (caps == NULL || !json_object_is_type(caps, json_type_object)) {
		r->s->http_status = 400;
		mcp_error(r, MCP_INVALID_PARAMS,
		    "params._meta[\"" MCP_META_CAPABILITIES "\"] (an object) is required", NULL);
		return 0;
	}
	return 1;
}

static void
mcp_request(struct mcp_req *r)
{
	struct json_object *meta = mcp_member(r->params, "_meta");
	const struct mcp_method *m;
	char msg[200];
	int initialized;

	r->meta = meta;
	if (mcp_member(meta, MCP_META_VERSION) == NULL && r->s->expect_modern &&
	    strcmp(r->method, "initialize") != 0) {
		/* no session and no handshake: only a 2026-07-28 request fits */
		r->modern = 1;
		r->s->http_status = 400;
		mcp_error(r, MCP_INVALID_PARAMS, "Invalid params: a request without initialize needs params._meta "
		    "with \"" MCP_META_VERSION "\" and \"" MCP_META_CAPABILITIES "\"", NULL);
		return;
	}
	if (strcmp(r->method, "initialize") == 0 && mcp_member(meta, MCP_META_VERSION) == NULL) {
		mcp_initialize(r);
		return;
	}
	m = mcp_find_method(r->method);
	if (mcp_member(meta, MCP_META_VERSION) != NULL) {
		if (!mcp_modern_meta_ok(r, meta))
			return;
		r->modern = 1;
		snprintf(r->version, sizeof(r->version), "%s", MCP_VERSION_MODERN);
		if (m == NULL || m->era == MCP_HANDSHAKE_ONLY) {
			snprintf(msg, sizeof(msg), "Method not found: %.150s", r->method);
			mcp_error(r, MCP_METHOD_NOT_FOUND, msg, NULL);
			return;
		}
		m->handler(r);
		return;
	}
	if (m == NULL) {
		snprintf(msg, sizeof(msg), "Method not found: %.150s", r->method);
		mcp_error(r, MCP_METHOD_NOT_FOUND, msg, NULL);
		return;
	}
	if (strcmp(r->method, "server/discover") == 0) {
		r->modern = 1;
		snprintf(r->version, sizeof(r->version), "%s", MCP_VERSION_MODERN);
		m->handler(r);
		return;
	}
	pthread_mutex_lock(&r->s->lock);
	initialized = r->s->initialized;
	snprintf(r->version, sizeof(r->version), "%s", r->s->version);
	pthread_mutex_unlock(&r->s->lock);
	if (!initialized && strcmp(r->method, "ping") != 0) {
		mcp_error(r, MCP_INVALID_REQUEST,
		    "server not initialized: send initialize first, or the 2026-07-28 params._meta", NULL);
		return;
	}
	if (!initialized)
		snprintf(r->version, sizeof(r->version), "%s", MCP_VERSION_LATEST_HANDSHAKE);
	m->handler(r);
}

/* Handle one message object (or garbage) from a single message or a batch. */
static void
mcp_handle_one(struct mcp_server *s, struct json_object *msg, struct json_object *batch_out)
{
	struct json_object *id = NULL, *method, *params = NULL, *v;
	struct mcp_req r;
	int has_id;

	memset(&r, 0, sizeof(r));
	r.s = s;
	r.batch_out = batch_out;
	if (!json_object_is_type(msg, json_type_object)) {
		mcp_error(&r, MCP_INVALID_REQUEST, "Invalid Request: a message is a JSON object", NULL);
		return;
	}
	has_id = json_object_object_get_ex(msg, "id", &id);
	if (has_id && !json_object_is_type(id, json_type_string) && !json_object_is_type(id, json_type_int)) {
		mcp_error(&r, MCP_INVALID_REQUEST, "Invalid Request: id must be a string or an integer", NULL);
		return;
	}
	r.id = id;
	if (!json_object_object_get_ex(msg, "jsonrpc", &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0") != 0) {
		mcp_error(&r, MCP_INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\"", NULL);
		return;
	}
	if (!json_object_object_get_ex(msg, "method", &method)) {
		if (has_id && (json_object_object_get_ex(msg, "result", &v) ||
		    json_object_object_get_ex(msg, "error", &v)))
			return; /* a response; this server sends no requests */
		mcp_error(&r, MCP_INVALID_REQUEST, "Invalid Request: method is missing", NULL);
		return;
	}
	if (!json_object_is_type(method, json_type_string)) {
		/* not a request nor a notification: answered even without an id */
		mcp_error(&r, MCP_INVALID_REQUEST, "Invalid Request: method must be a string", NULL);
		return;
	}
	r.method = json_object_get_string(method);
	if (json_object_object_get_ex(msg, "params", &params) && params != NULL &&
	    !json_object_is_type(params, json_type_object)) {
		if (has_id)
			mcp_error(&r, MCP_INVALID_PARAMS, "Invalid params: params must be an object", NULL);
		return;
	}
	r.params = params;
	if (!has_id) {
		mcp_notification(s, r.method, params);
		return;
	}
	mcp_request(&r);
}

/*
 * Parse one JSON text from the client (UTF-8, no NUL in strings:
 * hub_json_parse_input()). json-c cannot tell that a bare number at the
 * very end of the input is complete, so a failure is retried once with a
 * space appended.
 */
static int
mcp_parse(const char *data, size_t len, struct json_object **doc, char *err, size_t errlen)
{
	char *copy;
	int rc;

	if ((rc = hub_json_parse_input(data, len, doc, err, errlen)) == HUB_OK)
		return rc;
	if (len == 0 || len > 64 || (copy = malloc(len + 1)) == NULL)
		return rc;
	memcpy(copy, data, len);
	copy[len] = ' ';
	if (hub_json_parse_input(copy, len + 1, doc, err, errlen) != HUB_OK)
		rc = HUB_ERR_INVALID;
	else
		rc = HUB_OK;
	free(copy);
	return rc;
}

int
mcp_handle(struct mcp_server *s, const char *data, size_t len)
{
	struct json_object *doc = NULL, *out;
	struct mcp_req r;
	char err[128], msg[200];
	size_t i, n;
	int batch_ok;

	memset(&r, 0, sizeof(r));
	r.s = s;
	if (mcp_parse(data, len, &doc, err, sizeof(err)) != HUB_OK) {
		snprintf(msg, sizeof(msg), "Parse error: %s", err);
		mcp_error(&r, MCP_PARSE_ERROR, msg, NULL);
		return HUB_OK;
	}
	if (!json_object_is_type(doc, json_type_array)) {
		mcp_handle_one(s, doc, NULL);
		json_object_put(doc);
		return HUB_OK;
	}
	pthread_mutex_lock(&s->lock);
	batch_ok = s->era == MCP_ERA_HANDSHAKE && strcmp(s->version, "2025-03-26") == 0;
	pthread_mutex_unlock(&s->lock);
	n = json_object_array_length(doc);
	if (!batch_ok || n == 0) {
		mcp_error(&r, MCP_INVALID_REQUEST, n == 0 ? "Invalid Request: empty batch" :
		    "Invalid Request: JSON-RPC batches are only accepted with protocol version 2025-03-26",
		    NULL);
		json_object_put(doc);
		return HUB_OK;
	}
	if ((out = json_object_new_array()) == NULL) {
		json_object_put(doc);
		return HUB_ERR_NOMEM;
	}
	for (i = 0; i < n; i++)
		mcp_handle_one(s, json_object_array_get_idx(doc, i), out);
	if (json_object_array_length(out) > 0)
		mcp_emit(s, out);
	json_object_put(out);
	json_object_put(doc);
	return HUB_OK;
}

/* ------------------------------------------------------------ peek */

/* 1 when msg has the shape of a JSON-RPC message the dispatcher accepts
 * without an error (a request, a notification or a response). */
static int
mcp_peek_valid(struct json_object *msg)
{
	struct json_object *v, *id;
	int has_id;

	if (!json_object_is_type(msg, json_type_object))
		return 0;
	has_id = json_object_object_get_ex(msg, "id", &id);
	if (has_id && !json_object_is_type(id, json_type_string) && !json_object_is_type(id, json_type_int))
		return 0;
	if (!json_object_object_get_ex(msg, "jsonrpc", &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0") != 0)
		return 0;
	if (!json_object_object_get_ex(msg, "method", &v))
		return has_id && (json_object_object_get_ex(msg, "result", &v) ||
		    json_object_object_get_ex(msg, "error", &v));
	return json_object_is_type(v, json_type_string);
}

/* Record what one message of a body is. */
static void
mcp_peek_one(struct json_object *msg, struct mcp_peek *p, int first)
{
	struct json_object *method = mcp_member(msg, "method"), *params = mcp_member(msg, "params");
	struct json_object *meta = mcp_member(params, "_meta"), *v;
	const char *name;

	if (method != NULL && json_object_is_type(method, json_type_string) &&
	    json_object_object_get_ex(msg, "id", &v))
		p->n_requests++;
	else
		p->n_other++;
	if (!mcp_peek_valid(msg))
		p->n_invalid++;
	if (method == NULL || !json_object_is_type(method, json_type_string))
		return;
	if (strcmp(json_object_get_string(method), "initialize") == 0)
		p->has_initialize = 1;
	if (mcp_member(meta, "progressToken") != NULL)
		p->has_progress_token = 1;
	if (!first)
		return;
	snprintf(p->method, sizeof(p->method), "%s", json_object_get_string(method));
	name = hub_json_get_string(params, "name");
	if (name == NULL)
		name = hub_json_get_string(params, "uri");
	if (name != NULL) {
		snprintf(p->name, sizeof(p->name), "%s", name);
		p->has_name = 1;
	}
	v = mcp_member(meta, MCP_META_VERSION);
	if (v != NULL) {
		p->has_meta_version = 1;
		snprintf(p->meta_version, sizeof(p->meta_version), "%s",
		    json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "");
	}
}

void
mcp_peek(const char *data, size_t len, struct mcp_peek *p)
{
	struct json_object *doc = NULL;
	char err[64];
	size_t i, n;

	memset(p, 0, sizeof(*p));
	if (mcp_parse(data, len, &doc, err, sizeof(err)) != HUB_OK)
		return;
	p->parsed = 1;
	if (json_object_is_type(doc, json_type_array)) {
		p->is_batch = 1;
		n = json_object_array_length(doc);
		if (n == 0)
			p->n_invalid++;   /* an empty batch is one Invalid Request */
		for (i = 0; i < n; i++)
			mcp_peek_one(json_object_array_get_idx(doc, i), p, i == 0);
	} else {
		mcp_peek_one(doc, p, 1);
	}
	json_object_put(doc);
}
