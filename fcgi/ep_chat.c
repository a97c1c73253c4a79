/*
 * ep_chat.c - POST /v1/chat/completions, OpenAI-compatible, with sessions.
 *
 * Errors found before the first byte get an HTTP status and the error
 * envelope; once a stream has begun, an error is sent as an error chunk
 * followed by "data: [DONE]". While the provider is silent the stream
 * carries ": keep-alive" comments every HUB_KEEPALIVE_SECONDS, which also
 * notices a client that went away.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat_params.h"
#include "client_watch.h"
#include "core/chat.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "endpoints.h"
#include "http.h"
#include "session/session_id.h"
#include "turn_http.h"

struct ep_chat_stream {
	struct http_request *req;
	const char *id;
	const char *model;
	long long created;
	int gone;
	size_t tool_calls_sent;   /* calls whose first delta went out */
};

/* A chunk object with one choice; delta is taken. */
static struct json_object *
ep_chat_chunk(const struct ep_chat_stream *s, struct json_object *delta, const char *finish)
{
	struct json_object *o = json_object_new_object(), *choices = json_object_new_array(),
	    *choice = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "object", json_object_new_string("chat.completion.chunk"));
	json_object_object_add(o, "created", json_object_new_int64(s->created));
	json_object_object_add(o, "model", json_object_new_string(s->model));
	json_object_object_add(o, "system_fingerprint", NULL);
	json_object_object_add(choice, "index", json_object_new_int(0));
	json_object_object_add(choice, "delta", delta);
	json_object_object_add(choice, "logprobs", NULL);
	json_object_object_add(choice, "finish_reason", finish ? json_object_new_string(finish) : NULL);
	json_object_array_add(choices, choice);
	json_object_object_add(o, "choices", choices);
	return o;
}

/* Send one "data: {json}\n\n" frame and flush. Takes o. */
static int
ep_chat_send_event(struct ep_chat_stream *s, struct json_object *o)
{
	const char *j = hub_json_compact(o);
	int rc;

	rc = http_write(s->req, "data: ", 6);
	if (rc == HUB_OK)
		rc = http_write(s->req, j, strlen(j));
	if (rc == HUB_OK)
		rc = http_write(s->req, "\n\n", 2);
	if (rc == HUB_OK)
		rc = http_flush(s->req);
	json_object_put(o);
	if (rc != HUB_OK)
		s->gone = 1;
	return rc;
}

static int
ep_chat_on_delta(void *arg, const char *text, size_t len)
{
	struct ep_chat_stream *s = arg;
	struct json_object *delta;

	if (len == 0)
		return 0;  /* never an empty frame */
	delta = json_object_new_object();
	json_object_object_add(delta, "content", json_object_new_string_len(text, (int)len));
	return ep_chat_send_event(s, ep_chat_chunk(s, delta, NULL)) == HUB_OK ? 0 : -1;
}

/* One delta.tool_calls chunk: the call's first (index, id, type, name,
 * arguments "") when id is set, else a fragment of its arguments. */
static int
ep_chat_send_tool_delta(struct ep_chat_stream *s, size_t index, const char *id, const char *name,
    const char *args, size_t len)
{
	struct json_object *delta = json_object_new_object(), *calls = json_object_new_array(),
	    *call = json_object_new_object(), *fn = json_object_new_object();

	json_object_object_add(call, "index", json_object_new_int64((int64_t)index));
	if (id != NULL) {
		json_object_object_add(call, "id", json_object_new_string(id));
		json_object_object_add(call, "type", json_object_new_string("function"));
		json_object_object_add(fn, "name", json_object_new_string(name != NULL ? name : ""));
	}
	json_object_object_add(fn, "arguments", json_object_new_string_len(args != NULL ? args : "", (int)len));
	json_object_object_add(call, "function", fn);
	json_object_array_add(calls, call);
	json_object_object_add(delta, "tool_calls", calls);
	return ep_chat_send_event(s, ep_chat_chunk(s, delta, NULL));
}

static int
ep_chat_on_tool_delta(void *arg, size_t index, const char *id, const char *name, const char *args,
    size_t len)
{
	struct ep_chat_stream *s = arg;

	if (id == NULL && len == 0)
		return 0;  /* never an empty frame */
	if (id != NULL && index + 1 > s->tool_calls_sent)
		s->tool_calls_sent = index + 1;
	return ep_chat_send_tool_delta(s, index, id, name, args, len) == HUB_OK ? 0 : -1;
}

static int
ep_chat_on_idle(void *arg)
{
	struct ep_chat_stream *s = arg;

	if (http_write(s->req, ": keep-alive\n\n", 14) != HUB_OK || http_flush(s->req) != HUB_OK) {
		s->gone = 1;
		return -1;
	}
	return 0;
}

static struct json_object *
ep_chat_usage(const struct provider_usage *u)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "prompt_tokens", json_object_new_int64(u->prompt_tokens));
	json_object_object_add(o, "completion_tokens", json_object_new_int64(u->completion_tokens));
	json_object_object_add(o, "total_tokens", json_object_new_int64(u->prompt_tokens + u->completion_tokens));
	return o;
}

/* Extra headers for an error: Retry-After for rate limits. */
static void
ep_chat_error_headers(const struct chat_result *res, char *out, size_t len)
{
	out[0] = '\0';
	if (res->err == HUB_ERR_RATE_LIMIT || res->err == HUB_ERR_CONFLICT || res->err == HUB_ERR_PLAN_LIMIT)
		snprintf(out, len, "Retry-After: %ld\r\n",
		    res->reply.retry_after_s > 0 ? res->reply.retry_after_s : 1);
}

/* The reply's finish_reason: "tool_calls" whenever it has calls. */
static const char *
ep_chat_finish_reason(const struct provider_reply *r)
{
	if (r->n_tool_calls > 0)
		return "tool_calls";
	return r->finish_reason != NULL ? r->finish_reason : "stop";
}

/* The reply's calls as OpenAI's message.tool_calls. */
static struct json_object *
ep_chat_tool_calls(const struct provider_reply *r)
{
	struct json_object *a = json_object_new_array(), *e, *fn;
	size_t i;

	for (i = 0; i < r->n_tool_calls; i++) {
		e = json_object_new_object();
		fn = json_object_new_object();
		json_object_object_add(fn, "name", json_object_new_string(r->tool_calls[i].name));
		json_object_object_add(fn, "arguments", json_object_new_string(
		    r->tool_calls[i].arguments ? r->tool_calls[i].arguments : "{}"));
		json_object_object_add(e, "id", json_object_new_string(r->tool_calls[i].id));
		json_object_object_add(e, "type", json_object_new_string("function"));
		json_object_object_add(e, "function", fn);
		json_object_array_add(a, e);
	}
	return a;
}

/* The whole reply as one chat.completion object. */
static void
ep_chat_send_completion(struct http_request *req, const struct ep_chat_stream *s,
    const struct chat_result *res, const char *extra)
{
	struct json_object *o = json_object_new_object(), *choices = json_object_new_array(),
	    *choice = json_object_new_object(), *msg = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "object", json_object_new_string("chat.completion"));
	json_object_object_add(o, "created", json_object_new_int64(s->created));
	json_object_object_add(o, "model", json_object_new_string(res->model));
	json_object_object_add(o, "system_fingerprint", NULL);
	const char *text = res->reply.text ? res->reply.text : "";

	json_object_object_add(msg, "role", json_object_new_string("assistant"));
	/* as OpenAI: content null when the reply only calls tools */
	json_object_object_add(msg, "content", res->reply.n_tool_calls > 0 && *text == '\0' ? NULL :
	    json_object_new_string(text));
	json_object_object_add(msg, "refusal", NULL);
	if (res->reply.n_tool_calls > 0)
		json_object_object_add(msg, "tool_calls", ep_chat_tool_calls(&res->reply));
	json_object_object_add(choice, "index", json_object_new_int(0));
	json_object_object_add(choice, "message", msg);
	json_object_object_add(choice, "logprobs", NULL);
	json_object_object_add(choice, "finish_reason", json_object_new_string(ep_chat_finish_reason(&res->reply)));
	json_object_array_add(choices, choice);
	json_object_object_add(o, "choices", choices);
	json_object_object_add(o, "usage", ep_chat_usage(&res->reply.usage));
	http_send_json(req, 200, o, extra);
	json_object_put(o);
}

/* After the stream began: finish it with the result or an error chunk. */
static void
ep_chat_finish_stream(struct ep_chat_stream *s, const struct chat_result *res, int include_usage)
{
	const struct provider_tool_call *tc;
	struct json_object *o;
	size_t i;

	if (s->gone)
		return;
	if (res->err != HUB_OK) {
		ep_chat_send_event(s, http_error_object(res->err, res->message,
		    res->param[0] ? res->param : NULL));
	} else {
		/* calls the provider did not stream go out whole, in order */
		for (i = s->tool_calls_sent; i < res->reply.n_tool_calls && !s->gone; i++) {
			tc = &res->reply.tool_calls[i];
			if (ep_chat_send_tool_delta(s, i, tc->id, tc->name, "", 0) == HUB_OK && tc->arguments)
				ep_chat_send_tool_delta(s, i, NULL, NULL, tc->arguments, strlen(tc->arguments));
		}
		if (!s->gone)
			ep_chat_send_event(s, ep_chat_chunk(s, json_object_new_object(),
			    ep_chat_finish_reason(&res->reply)));
		if (include_usage && !s->gone) {
			o = json_object_new_object();
			json_object_object_add(o, "id", json_object_new_string(s->id));
			json_object_object_add(o, "object", json_object_new_string("chat.completion.chunk"));
			json_object_object_add(o, "created", json_object_new_int64(s->created));
			json_object_object_add(o, "model", json_object_new_string(res->model));
			json_object_object_add(o, "system_fingerprint", NULL);
			json_object_object_add(o, "choices", json_object_new_array());
			json_object_object_add(o, "usage", ep_chat_usage(&res->reply.usage));
			ep_chat_send_event(s, o);
		}
	}
	if (!s->gone) {
		http_write(s->req, "data: [DONE]\n\n", 14);
		http_flush(s->req);
	}
}

/*
 * Read and parse the body and the X-Session-ID header into params and
 * *sid; answers the error itself. 0, or -1 when answered.
 */
static int
ep_chat_read_or_reply(struct http_request *req, struct chat_params *params, char **body,
    const char **sid)
{
	char err[512], param[64];
	size_t len;
	int rc;

	rc = http_read_body(req, (size_t)hub_cfg->max_body_bytes, body, &len);
	if (rc != HUB_OK) {
		snprintf(err, sizeof(err), rc == HUB_ERR_TOO_LARGE ?
		    "request body larger than the limit of %ld bytes" : "could not read the request body",
		    hub_cfg->max_body_bytes);
		http_send_error(req, rc, 0, err, NULL, NULL);
		return -1;
	}
	if (chat_params_parse(*body, len, params, err, sizeof(err), param, sizeof(param)) != HUB_OK) {
		http_send_error(req, HUB_ERR_INVALID, 400, err, param[0] ? param : NULL, NULL);
		return -1;
	}
	if (params->n_messages > 0)
		http_log_prompt(req, params->messages[params->n_messages - 1].content);
	*sid = http_param(req, "HTTP_X_SESSION_ID");
	if (*sid != NULL && (*sid)[strspn(*sid, " \t")] == '\0') {
		/* present but blank is a client bug, never "no session" (lighttpd
		 * drops blank headers before FastCGI; Apache passes them) */
		http_send_error(req, HUB_ERR_INVALID, 400,
		    "empty X-Session-ID: send a session id or leave the header out", "X-Session-ID", NULL);
		return -1;
	}
	return 0;
}

/* Answer res's error (before any byte of the answer went out). */
static void
ep_chat_send_result_error(struct http_request *req, const struct chat_result *res)
{
	char extra[64];

	ep_chat_error_headers(res, extra, sizeof(extra));
	http_send_error(req, res->err, 0, res->message, res->param[0] ? res->param : NULL, extra);
}

/* The headers of an answer that succeeds: its session id, for a stream
 * "X-Accel-Buffering: no", and the route target that served it, if any. */
static void
ep_chat_answer_headers(const struct chat_result *res, int stream, char *out, size_t len)
{
	snprintf(out, len, "X-Session-ID: %s\r\n%s%s%s%s", res->session_id,
	    stream ? "X-Accel-Buffering: no\r\n" : "", res->route ? "X-Hub-Route-Target: " : "",
	    res->route ? res->route_target_name : "", res->route ? "\r\n" : "");
}

/*
 * The streamed answer: a host slot (429 before the headers when full), the
 * session id in the headers, the role chunk, the turn, the final chunks.
 */
static void
ep_chat_stream_turn(struct ep_chat_stream *s, struct chat_request *creq, struct chat_result *res,
    int include_usage, int *slot_fd)
{
	struct http_request *req = s->req;
	char headers[512];
	struct json_object *delta;

	if (chat_take_slot(res, slot_fd) != HUB_OK) {
		ep_chat_send_result_error(req, res);
		return;
	}
	creq->slot_fd = slot_fd;
	/* the session id (chat_prepare() made one when none came) goes out
	 * in the headers, first */
	ep_chat_answer_headers(res, 1, headers, sizeof(headers));
	http_send_headers(req, 200, "text/event-stream; charset=utf-8", headers);
	req->streaming = 1;
	delta = json_object_new_object();
	json_object_object_add(delta, "role", json_object_new_string("assistant"));
	json_object_object_add(delta, "content", json_object_new_string(""));
	ep_chat_send_event(s, ep_chat_chunk(s, delta, NULL));
	creq->io.on_delta = ep_chat_on_delta;
	creq->io.on_tool_delta = ep_chat_on_tool_delta;
	creq->io.on_idle = ep_chat_on_idle;
	creq->io.idle_tick_ms = hub_cfg->keepalive_s * 1000;
	creq->io.arg = s;
	chat_run_prepared(creq, res);
	if (res->err != HUB_OK)
		req->log_error = hub_error_code(res->err);
	ep_chat_finish_stream(s, res, include_usage);
}

/*
 * Once the turn is routed: the provider and model of req's log line, and
 * in *s the answer's id ("chatcmpl-...", written to chatid), model (the
 * route target, else the model asked for or the provider's default) and
 * creation time.
 */
static void
ep_chat_answer_init(struct ep_chat_stream *s, struct http_request *req,
    const struct chat_params *params, const struct chat_result *res, char *chatid, size_t chatid_len)
{
	char idbuf[32];

	req->log_provider = res->provider->name;
	snprintf(req->log_model, sizeof(req->log_model), "%s", params->model ? params->model :
	    res->provider->default_model ? res->provider->default_model : "");
	if (session_id_generate(idbuf, sizeof(idbuf)) != HUB_OK)
		snprintf(idbuf, sizeof(idbuf), "x");
	snprintf(chatid, chatid_len, "chatcmpl-%s", idbuf);
	memset(s, 0, sizeof(*s));
	s->req = req;
	s->id = chatid;
	s->model = res->route != NULL ? res->route_target_name :
	    req->log_model[0] ? req->log_model : res->provider->name;
	s->created = (long long)time(NULL);
}

/* The answer not streamed: the turn, then one chat.completion or its error. */
static void
ep_chat_whole_turn(struct ep_chat_stream *s, struct chat_request *creq, struct chat_result *res)
{
	char headers[512];

	if (chat_run_prepared(creq, res) != HUB_OK) {
		ep_chat_send_result_error(s->req, res);
		return;
	}
	ep_chat_answer_headers(res, 0, headers, sizeof(headers));
	ep_chat_send_completion(s->req, s, res, headers);
}

void
ep_chat_completions(struct http_request *req)
{
	struct chat_params params;
	struct chat_request creq;
	struct chat_result res;
	struct ep_chat_stream s;
	char *body = NULL, chatid[48];
	const char *sid = NULL;
	int slot_fd = -1;
	struct client_watch *watch = NULL;

	memset(&params, 0, sizeof(params));
	memset(&res, 0, sizeof(res));
	if (ep_chat_read_or_reply(req, &params, &body, &sid) != 0)
		goto out;
	memset(&creq, 0, sizeof(creq));
	turn_http_fill_request(&creq, &params, sid, req, 1);
	/* the client leaving, streaming or not, stops the CLI within a second */
	watch = client_watch_start(req->fcgx);
	creq.io.watch_fd = watch != NULL ? client_watch_fd(watch) : req->fcgx->ipcFd;
	/* routed and checked once, answered with its status before a stream */
	if (chat_prepare(&creq, &res) != HUB_OK) {
		ep_chat_send_result_error(req, &res);
		goto out;
	}
	ep_chat_answer_init(&s, req, &params, &res, chatid, sizeof(chatid));
	if (params.stream)
		ep_chat_stream_turn(&s, &creq, &res, params.include_usage, &slot_fd);
	else
		ep_chat_whole_turn(&s, &creq, &res);
out:
	client_watch_stop(watch);
	/* the answer is complete: the client has it before what follows (the
	 * turn's after-work, the log line, freeing) */
	http_request_end(req);
	chat_release_slot(&slot_fd);
	chat_result_free(&res);
	chat_params_free(&params);
	free(body);
}
