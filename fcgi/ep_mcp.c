/*
 * ep_mcp.c - MCP over HTTP: Streamable HTTP on /mcp and the legacy
 * HTTP+SSE transport on /sse + /messages.
 *
 *   POST   /mcp    one JSON-RPC message or batch; requests are answered
 *                  with JSON (tools/call: an SSE stream carrying progress
 *                  and the result), notifications and responses with 202
 *   GET    /mcp    405: this server sends nothing unasked
 *   DELETE /mcp    ends the Mcp-Session-Id session
 *   GET    /sse    legacy: event "endpoint", then every server message as
 *                  event "message"; 429 past HUB_MAX_STREAMS_PER_KEY or
 *                  HUB_MAX_STREAMS_PER_ADDR open streams (fleet-wide leases,
 *                  session/stream_lease.h)
 *   POST   /messages?sessionId=ID   legacy: 202, the answer goes out on /sse
 *
 * The handshake era keeps its negotiated version in an MCP session in
 * Redis (session/mcp_store.h); 2026-07-28 requests are stateless and their
 * MCP-Protocol-Version, Mcp-Method and Mcp-Name headers must match the
 * body. Since a POST /messages and its GET /sse run in different responder
 * threads or processes, legacy messages travel through a Redis list; so do
 * cancellations of tool calls running elsewhere. An open /sse stream waits
 * in session/mcp_stream.h (one poller per process; no Redis connection per
 * idle stream). Every MCP session lives in its client key's scope.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_buf.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_log.h"
#include "common/hub_time.h"
#include "endpoints.h"
#include "http.h"
#include "mcp-stdio/mcp.h"
#include "session/mcp_store.h"
#include "session/mcp_stream.h"
#include "session/stream_lease.h"
#include "session/session_id.h"

#define EP_MCP_IDLE_TICK_MS 1000
/* Retry-After of a 429 past a stream cap: about one lease lifetime. */
#define EP_MCP_STREAM_RETRY_AFTER_S 10

/* Where the dispatcher's messages go for one HTTP request. */
struct ep_mcp_out {
	struct http_request *req;
	enum { EP_MCP_JSON, EP_MCP_SSE, EP_MCP_QUEUE } mode;
	char session[HUB_MAX_SESSION_ID_LEN + 1];   /* "" for stateless requests */
	const char *owner;                           /* the client key id, "" without auth */
	struct hub_buf json;                         /* EP_MCP_JSON: the answer */
	struct mcp_server *server;                   /* for its status hint */
	int sse_started;                             /* EP_MCP_SSE: headers sent */
	int client_gone;
	long long last_write_ms;
};

/* Answer an HTTP-level failure with a JSON-RPC error body. */
static void
ep_mcp_fail(struct http_request *req, int status, int code, const char *message,
    const char *extra_headers)
{
	http_send_rpc_error(req, status, code, message, extra_headers);
}

/* 1 when the Accept header lists type (or a wildcard for it). */
static int
ep_mcp_accepts(struct http_request *req, const char *type)
{
	const char *accept = http_param(req, "HTTP_ACCEPT");

	return accept != NULL && (strstr(accept, type) != NULL || strstr(accept, "*/*") != NULL);
}

/* Start the SSE answer of a POST (its headers); 0 or HUB_ERR_CLIENT_GONE. */
static int
ep_mcp_sse_start(struct ep_mcp_out *o)
{
	if (o->sse_started)
		return o->client_gone ? HUB_ERR_CLIENT_GONE : HUB_OK;
	o->sse_started = 1;
	http_send_headers(o->req, 200, "text/event-stream", "X-Accel-Buffering: no\r\n");
	o->req->streaming = 1;
	o->last_write_ms = hub_time_mono_ms();
	if (http_flush(o->req) != HUB_OK)
		o->client_gone = 1;
	return o->client_gone ? HUB_ERR_CLIENT_GONE : HUB_OK;
}

/* Write one SSE event; 0 or HUB_ERR_CLIENT_GONE. */
static int
ep_mcp_sse_event(struct ep_mcp_out *o, const char *event, const char *data, size_t len)
{
	struct http_request *req = o->req;

	if (o->client_gone || ep_mcp_sse_start(o) != HUB_OK)
		return HUB_ERR_CLIENT_GONE;
	if (http_write(req, "event: ", 7) != HUB_OK || http_write(req, event, strlen(event)) != HUB_OK ||
	    http_write(req, "\ndata: ", 7) != HUB_OK || http_write(req, data, len) != HUB_OK ||
	    http_write(req, "\n\n", 2) != HUB_OK || http_flush(req) != HUB_OK) {
		o->client_gone = 1;
		return HUB_ERR_CLIENT_GONE;
	}
	o->last_write_ms = hub_time_mono_ms();
	return HUB_OK;
}

/* A keep-alive comment when the stream was quiet for a while. */
static int
ep_mcp_keepalive(struct ep_mcp_out *o)
{
	long long now = hub_time_mono_ms();

	if (o->client_gone || ep_mcp_sse_start(o) != HUB_OK)
		return HUB_ERR_CLIENT_GONE;
	if (now - o->last_write_ms < hub_cfg->keepalive_s * 1000)
		return HUB_OK;
	if (http_write(o->req, ": keep-alive\n\n", 14) != HUB_OK || http_flush(o->req) != HUB_OK) {
		o->client_gone = 1;
		return HUB_ERR_CLIENT_GONE;
	}
	o->last_write_ms = now;
	return HUB_OK;
}

/* The dispatcher's send hook. */
static void
ep_mcp_send(void *arg, const char *json, size_t len)
{
	struct ep_mcp_out *o = arg;

	switch (o->mode) {
	case EP_MCP_SSE:
		if (!o->sse_started && o->server != NULL && mcp_server_http_status(o->server) != 0 &&
		    strncmp(json, "{\"jsonrpc\":\"2.0\",\"method\"", 25) != 0) {
			/* an error that calls for an HTTP status, before any event:
			 * answered as JSON with that status */
			o->mode = EP_MCP_JSON;
			hub_buf_reset(&o->json);
			(void)hub_buf_append(&o->json, json, len);
			break;
		}
		(void)ep_mcp_sse_event(o, "message", json, len);
		break;
	case EP_MCP_QUEUE:
		if (mcp_store_push(o->session, o->owner, json, len) != HUB_OK)
			hub_log(HUB_LOG_WARN, "mcp", "cannot queue a message for an SSE stream");
		break;
	case EP_MCP_JSON:
		/* one answer per POST: a response or a batch's array; notifications
		 * (progress) have nowhere to go in a JSON answer */
		if (strncmp(json, "{\"jsonrpc\":\"2.0\",\"method\"", 25) == 0)
			break;
		hub_buf_reset(&o->json);
		if (hub_buf_append(&o->json, json, len) != HUB_OK)
			hub_log(HUB_LOG_WARN, "mcp", "answer too large");
		break;
	}
}

/* The idle hook: keep-alives, client gone, cancellation from elsewhere. */
static int
ep_mcp_idle(void *arg, const char *request_id)
{
	struct ep_mcp_out *o = arg;

	if (o->mode == EP_MCP_SSE && ep_mcp_keepalive(o) != HUB_OK)
		return -1;
	if (o->session[0] != '\0' && mcp_store_is_cancelled(o->session, o->owner, request_id))
		return -1;
	return 0;
}

/* The state hooks: a handshake-era session's log level in its record. */
static int
ep_mcp_set_log_level(void *arg, const char *level)
{
	struct ep_mcp_out *o = arg;

	if (o->session[0] == '\0')
		return 0;
	return mcp_store_set_field(o->session, o->owner, "log_level", level) == HUB_OK ? 0 : -1;
}

/* ...and its resource subscriptions ("sub:" + uri). */
static int
ep_mcp_subscription(void *arg, const char *uri, int on)
{
	struct ep_mcp_out *o = arg;
	char field[600], value[8];
	int rc;

	if (o->session[0] == '\0' || strlen(uri) > sizeof(field) - 5)
		return on < 0 ? 0 : -1;
	snprintf(field, sizeof(field), "sub:%s", uri);
	if (on < 0)
		return mcp_store_get_field(o->session, o->owner, field, value, sizeof(value)) == 1;
	rc = mcp_store_set_field(o->session, o->owner, field, on ? "1" : NULL);
	return rc == HUB_OK ? 0 : -1;
}

/* Restore what a handshake-era session keeps beside its version. */
static void
ep_mcp_resume(struct ep_mcp_out *o, struct mcp_server *s, const char *version)
{
	char level[16];

	if (version[0] != '\0')
		(void)mcp_server_resume(s, version);
	if (mcp_store_get_field(o->session, o->owner, "log_level", level, sizeof(level)) == 1)
		(void)mcp_server_set_log_level(s, level);
}

/* notifications/cancelled for a call running in another responder. */
static void
ep_mcp_cancel_elsewhere(void *arg, const char *request_id)
{
	struct ep_mcp_out *o = arg;

	if (o->session[0] != '\0' && mcp_store_cancel(o->session, o->owner, request_id) != HUB_OK)
		hub_log(HUB_LOG_WARN, "mcp", "cannot record a cancellation");
}

/* A dispatcher whose output goes to o. */
static struct mcp_server *
ep_mcp_server(struct ep_mcp_out *o)
{
	struct mcp_hooks hooks;

	memset(&hooks, 0, sizeof(hooks));
	hooks.send = ep_mcp_send;
	hooks.send_arg = o;
	hooks.idle = ep_mcp_idle;
	hooks.idle_arg = o;
	hooks.idle_tick_ms = EP_MCP_IDLE_TICK_MS;
	hooks.cancel_elsewhere = ep_mcp_cancel_elsewhere;
	hooks.cancel_arg = o;
	hooks.set_log_level = ep_mcp_set_log_level;
	hooks.subscription = ep_mcp_subscription;
	hooks.state_arg = o;
	o->server = mcp_server_new(o->req->key_id ? o->req->key_id : "", &hooks);
	return o->server;
}

/* Read the POST body; answers and returns HUB_ERR_* on failure. */
static int
ep_mcp_body_or_reply(struct http_request *req, char **body, size_t *len)
{
	int rc;

	/* the dispatcher checked Content-Type (guard.c) */
	rc = http_read_body(req, (size_t)hub_cfg->max_body_bytes, body, len);
	if (rc == HUB_ERR_TOO_LARGE)
		ep_mcp_fail(req, 413, -32600, "Invalid Request: body larger than the limit", NULL);
	else if (rc != HUB_OK)
		ep_mcp_fail(req, 400, -32700, "Parse error: the body could not be read", NULL);
	return rc;
}

/* Check a 2026-07-28 request's routing headers against its body. */
static int
ep_mcp_modern_headers_or_reply(struct http_request *req, const struct mcp_peek *p)
{
	const char *version = http_param(req, "HTTP_MCP_PROTOCOL_VERSION");
	const char *method = http_param(req, "HTTP_MCP_METHOD");
	const char *name = http_param(req, "HTTP_MCP_NAME");
	char msg[200];

	if (p->is_batch) {
		ep_mcp_fail(req, 400, MCP_INVALID_REQUEST, "Invalid Request: batches are not part of 2026-07-28", NULL);
		return 0;
	}
	if (version == NULL || strcmp(version, p->meta_version) != 0)
		snprintf(msg, sizeof(msg), "Header mismatch: MCP-Protocol-Version must equal params._meta protocolVersion");
	else if (method == NULL || strcmp(method, p->method) != 0)
		snprintf(msg, sizeof(msg), "Header mismatch: Mcp-Method must equal the body's method");
	else if ((strcmp(p->method, "tools/call") == 0 || strcmp(p->method, "prompts/get") == 0 ||
	    strcmp(p->method, "resources/read") == 0) && (name == NULL || !p->has_name || strcmp(name, p->name) != 0))
		snprintf(msg, sizeof(msg), "Header mismatch: Mcp-Name must equal params.name or params.uri");
	else
		return 1;
	ep_mcp_fail(req, 400, MCP_HEADER_MISMATCH, msg, NULL);
	return 0;
}

/* The caller's scope for MCP sessions: its key id, "" without auth. */
static const char *
ep_mcp_owner(const struct http_request *req)
{
	return req->key_id != NULL ? req->key_id : "";
}

/* Look up the Mcp-Session-Id session; answers 400/404/503 and returns 0. */
static int
ep_mcp_session_or_reply(struct http_request *req, const char *id, char *version, size_t versionlen)
{
	int rc;

	if (id == NULL || *id == '\0') {
		ep_mcp_fail(req, 400, -32000, "Bad Request: Mcp-Session-Id header is required", NULL);
		return 0;
	}
	/* looked up in the caller's scope: another key's id is simply unknown */
	rc = mcp_store_get(id, ep_mcp_owner(req), version, versionlen);
	if (rc == HUB_ERR_NOT_FOUND) {
		ep_mcp_fail(req, 404, -32001, "Session not found", NULL);
		return 0;
	}
	if (rc != HUB_OK) {
		ep_mcp_fail(req, 503, MCP_INTERNAL_ERROR, "the session store (Redis) is unavailable", NULL);
		return 0;
	}
	return 1;
}

/* Send what the dispatcher answered in JSON mode (202 when nothing; an
 * error's status hint, else 200). */
static void
ep_mcp_send_json(struct ep_mcp_out *o, const char *extra_headers)
{
	int status = o->server != NULL ? mcp_server_http_status(o->server) : 0;

	if (o->json.len == 0) {
		http_send_headers(o->req, 202, NULL, extra_headers);
		return;
	}
	http_send_headers(o->req, status != 0 ? status : 200, "application/json", extra_headers);
	(void)http_write(o->req, o->json.data, o->json.len);
	(void)http_write(o->req, "\n", 1);
}

/* 400 with what the dispatcher answered to a body it could not accept
 * (JSON-RPC errors with id null), or 202 when it answered nothing. */
static void
ep_mcp_send_refusal(struct ep_mcp_out *o)
{
	if (o->json.len == 0) {
		http_send_headers(o->req, 202, NULL, NULL);
		return;
	}
	o->req->log_error = "mcp_invalid_request";
	http_send_headers(o->req, 400, "application/json", NULL);
	(void)http_write(o->req, o->json.data, o->json.len);
	(void)http_write(o->req, "\n", 1);
}

/* POST /mcp with initialize: a new MCP session. */
static void
ep_mcp_initialize(struct ep_mcp_out *o, struct mcp_server *s, const char *body, size_t len)
{
	char id[HUB_MAX_SESSION_ID_LEN + 1], headers[200];
	int rc;

	mcp_handle(s, body, len);
	if (mcp_server_era(s) != MCP_ERA_HANDSHAKE) {
		ep_mcp_send_json(o, NULL);   /* the error response */
		return;
	}
	rc = mcp_store_create(mcp_server_version(s), o->owner, id, sizeof(id));
	if (rc != HUB_OK) {
		ep_mcp_fail(o->req, 503, MCP_INTERNAL_ERROR, "the session store (Redis) is unavailable", NULL);
		return;
	}
	snprintf(headers, sizeof(headers), "Mcp-Session-Id: %s\r\n", id);
	ep_mcp_send_json(o, headers);
}

void
ep_mcp_post(struct http_request *req)
{
	struct ep_mcp_out o;
	struct mcp_server *s = NULL;
	struct mcp_peek p;
	const char *sid, *hv;
	char version[32] = "";
	char *body = NULL;
	size_t len = 0;

	memset(&o, 0, sizeof(o));
	o.req = req;
	o.owner = ep_mcp_owner(req);
	hub_buf_init(&o.json, 0);
	if (!ep_mcp_accepts(req, "application/json") || !ep_mcp_accepts(req, "text/event-stream")) {
		ep_mcp_fail(req, 406, -32000,
		    "Not Acceptable: Accept must list application/json and text/event-stream", NULL);
		goto out;
	}
	if (ep_mcp_body_or_reply(req, &body, &len) != HUB_OK)
		goto out;
	mcp_peek(body, len, &p);
	if ((s = ep_mcp_server(&o)) == NULL) {
		ep_mcp_fail(req, 500, MCP_INTERNAL_ERROR, "out of memory", NULL);
		goto out;
	}
	if (!p.parsed) {
		mcp_handle(s, body, len);
		http_send_headers(req, 400, "application/json", NULL);
		(void)http_write(req, o.json.data, o.json.len);
		goto out;
	}
	if (p.n_requests == 0 && p.n_invalid > 0 && http_param(req, "HTTP_MCP_SESSION_ID") == NULL) {
		/* nothing to act on ("method": 5, [], [[...]]): the Invalid
		 * Request errors need no session */
		mcp_handle(s, body, len);
		ep_mcp_send_refusal(&o);
		goto out;
	}
	if (p.has_initialize && !p.has_meta_version) {
		if (p.is_batch)
			ep_mcp_fail(req, 400, MCP_INVALID_REQUEST, "Invalid Request: initialize must not be batched", NULL);
		else
			ep_mcp_initialize(&o, s, body, len);
		goto out;
	}
	sid = http_param(req, "HTTP_MCP_SESSION_ID");
	if (p.has_meta_version) {
		if (p.n_requests > 0 && !ep_mcp_modern_headers_or_reply(req, &p))
			goto out;
	} else if (sid == NULL && p.n_requests > 0) {
		/* no session, no handshake: a 2026-07-28 request without its
		 * _meta, answered -32602 (400) with its id */
		mcp_server_expect_modern(s);
	} else {
		if (!ep_mcp_session_or_reply(req, sid, version, sizeof(version)))
			goto out;
		snprintf(o.session, sizeof(o.session), "%s", sid);
		hv = http_param(req, "HTTP_MCP_PROTOCOL_VERSION");
		if (hv != NULL && !mcp_version_handshake_supported(hv)) {
			ep_mcp_fail(req, 400, -32000, "Bad Request: unsupported MCP-Protocol-Version", NULL);
			goto out;
		}
		ep_mcp_resume(&o, s, version);
	}
	if (p.n_requests == 0) {
		/* notifications and responses: 202, unless one was invalid */
		mcp_handle(s, body, len);
		ep_mcp_send_refusal(&o);
		goto out;
	}
	if (!p.is_batch && strcmp(p.method, "tools/call") == 0) {
		/* an SSE answer, its headers sent with the first event (or the
		 * first keep-alive), so that an early error keeps its status */
		o.mode = EP_MCP_SSE;
		o.last_write_ms = hub_time_mono_ms();
		mcp_handle(s, body, len);
		if (o.mode == EP_MCP_JSON)
			ep_mcp_send_json(&o, NULL);
		else if (!o.sse_started)
			(void)ep_mcp_sse_start(&o);   /* cancelled before any event */
		goto out;
	}
	mcp_handle(s, body, len);
	ep_mcp_send_json(&o, NULL);
out:
	mcp_server_free(s);
	hub_buf_free(&o.json);
	free(body);
}

void
ep_mcp_get(struct http_request *req)
{
	ep_mcp_fail(req, 405, -32000,
	    "Method Not Allowed: this server sends no messages unasked; POST requests to /mcp",
	    "Allow: POST, DELETE\r\n");
}

void
ep_mcp_delete(struct http_request *req)
{
	const char *sid = http_param(req, "HTTP_MCP_SESSION_ID");
	char version[32];

	if (!ep_mcp_session_or_reply(req, sid, version, sizeof(version)))
		return;
	if (mcp_store_delete(sid, ep_mcp_owner(req)) == HUB_ERR_STORE) {
		ep_mcp_fail(req, 503, MCP_INTERNAL_ERROR, "the session store (Redis) is unavailable", NULL);
		return;
	}
	http_send_headers(req, 200, NULL, NULL);
}

/* Take a stream lease for req, answering 429 (cap) or 503 (store); 1 when taken. */
static int
ep_mcp_stream_lease_or_reply(struct http_request *req, struct stream_lease *lease)
{
	enum stream_lease_cap cap;
	char msg[200], extra[64];
	int rc;

	rc = stream_lease_acquire(req->key_id, http_param(req, "REMOTE_ADDR"),
	    hub_cfg->max_streams_per_key, hub_cfg->max_streams_per_addr, lease, &cap);
	if (rc == HUB_OK)
		return 1;
	if (rc == HUB_ERR_RATE_LIMIT) {
		snprintf(msg, sizeof(msg), "Too Many Requests: this client %s has %ld open streams "
		    "(HUB_MAX_STREAMS_PER_%s); close one or retry later",
		    cap == STREAM_LEASE_CAP_KEY ? "key" : "address",
		    cap == STREAM_LEASE_CAP_KEY ? hub_cfg->max_streams_per_key : hub_cfg->max_streams_per_addr,
		    cap == STREAM_LEASE_CAP_KEY ? "KEY" : "ADDR");
		snprintf(extra, sizeof(extra), "Retry-After: %d\r\n", EP_MCP_STREAM_RETRY_AFTER_S);
		ep_mcp_fail(req, 429, -32000, msg, extra);
		req->log_error = "stream_cap";
		return 0;
	}
	ep_mcp_fail(req, 503, MCP_INTERNAL_ERROR, "the session store (Redis) is unavailable", NULL);
	return 0;
}

void
ep_mcp_sse(struct http_request *req)
{
	struct ep_mcp_out o;
	struct stream_lease lease;
	struct mcp_stream *stream = NULL;
	char id[HUB_MAX_SESSION_ID_LEN + 1] = "", endpoint[200], *msg = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&lease, 0, sizeof(lease));
	o.req = req;
	o.owner = ep_mcp_owner(req);
	if (!ep_mcp_stream_lease_or_reply(req, &lease))
		return;
	if (mcp_store_create("", o.owner, id, sizeof(id)) != HUB_OK) {
		ep_mcp_fail(req, 503, MCP_INTERNAL_ERROR, "the session store (Redis) is unavailable", NULL);
		id[0] = '\0';
		goto out;
	}
	if (mcp_stream_open(id, o.owner, &lease, &stream) != HUB_OK) {
		ep_mcp_fail(req, 503, MCP_INTERNAL_ERROR, "cannot open the stream (Redis unavailable?)", NULL);
		goto out;
	}
	http_send_headers(req, 200, "text/event-stream", "X-Accel-Buffering: no\r\n");
	req->streaming = 1;
	snprintf(endpoint, sizeof(endpoint), "/messages?sessionId=%s", id);
	if (ep_mcp_sse_event(&o, "endpoint", endpoint, strlen(endpoint)) != HUB_OK)
		goto out;
	for (;;) {
		rc = mcp_stream_wait(stream, req->fcgx->ipcFd, hub_cfg->keepalive_s * 1000L, &msg);
		if (rc != HUB_OK)
			break;   /* the client went away (or poll failed) */
		if (msg != NULL) {
			rc = ep_mcp_sse_event(&o, "message", msg, strlen(msg));
			free(msg);
			msg = NULL;
		} else {
			rc = ep_mcp_keepalive(&o);
		}
		if (rc != HUB_OK)
			break;
	}
out:
	if (id[0] != '\0')
		(void)mcp_store_delete(id, o.owner);
	mcp_stream_close(stream);      /* gives its lease back */
	stream_lease_release(&lease);  /* when no stream took it */
}

void
ep_mcp_messages(struct http_request *req)
{
	struct ep_mcp_out o;
	struct mcp_server *s = NULL;
	char version[32] = "", *body = NULL;
	size_t len = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	o.req = req;
	o.owner = ep_mcp_owner(req);
	o.mode = EP_MCP_QUEUE;
	rc = http_query_param(req->query, "sessionId", o.session, sizeof(o.session));
	if (rc != 1 || !session_id_valid(o.session)) {
		ep_mcp_fail(req, 400, -32000, "Bad Request: sessionId query parameter is required", NULL);
		return;
	}
	if (!ep_mcp_session_or_reply(req, o.session, version, sizeof(version)))
		return;
	if (ep_mcp_body_or_reply(req, &body, &len) != HUB_OK)
		goto out;
	if ((s = ep_mcp_server(&o)) == NULL) {
		ep_mcp_fail(req, 500, MCP_INTERNAL_ERROR, "out of memory", NULL);
		goto out;
	}
	ep_mcp_resume(&o, s, version);
	/* accept at once: the answer goes out on the SSE stream */
	http_send_headers(req, 202, "text/plain", "Content-Length: 8\r\n");
	(void)http_write(req, "Accepted", 8);
	(void)http_flush(req);
	mcp_handle(s, body, len);
	if (version[0] == '\0' && mcp_server_era(s) == MCP_ERA_HANDSHAKE &&
	    mcp_store_set_version(o.session, o.owner, mcp_server_version(s)) != HUB_OK)
		hub_log(HUB_LOG_WARN, "mcp", "cannot record the negotiated version");
out:
	mcp_server_free(s);
	free(body);
}
