/*
 * turn_http.c - the HTTP steps the chat surfaces share around one turn.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_watch.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_time.h"
#include "session/session_id.h"
#include "turn_http.h"

void
turn_http_init(struct turn_http *t)
{
	memset(t, 0, sizeof(*t));
	t->slot_fd = -1;
}

int
turn_http_read_or_reply(struct http_request *req, char **body, size_t *len, const char **sid)
{
	char err[160];
	int rc;

	*sid = NULL;
	rc = http_read_body(req, (size_t)hub_cfg->max_body_bytes, body, len);
	if (rc != HUB_OK) {
		if (rc == HUB_ERR_TOO_LARGE)
			snprintf(err, sizeof(err), "request body larger than the limit of %ld bytes "
			    "(HUB_MAX_BODY_BYTES)", hub_cfg->max_body_bytes);
		else
			snprintf(err, sizeof(err), "could not read the request body");
		http_send_error(req, rc, 0, err, NULL, NULL);
		return -1;
	}
	*sid = http_param(req, "HTTP_X_SESSION_ID");
	if (*sid != NULL && (*sid)[strspn(*sid, " \t")] == '\0') {
		/* blank is a client bug, never "no session" */
		http_send_error(req, HUB_ERR_INVALID, 400,
		    "empty X-Session-ID: send a session id or leave the header out", "X-Session-ID", NULL);
		return -1;
	}
	return 0;
}

void
turn_http_fill_request(struct chat_request *c, const struct chat_params *p, const char *sid,
    const struct http_request *req, int store)
{
	c->session_id = sid;
	c->owner = req->key_id ? req->key_id : "";
	c->model = p->model;
	c->provider = p->provider;
	c->messages = p->messages;
	c->n_messages = p->n_messages;
	c->tools = p->tools;
	c->n_tools = p->n_tools;
	c->tool_choice = p->tool_choice;
	c->tool_choice_name = p->tool_choice_name;
	c->parallel_tool_calls = p->parallel_tool_calls;
	c->store = store;
	c->stream = p->stream;
	c->received_wall_ms = hub_time_wall_ms() - (hub_time_mono_ms() - req->start_ms);
}

int
turn_http_prepare_or_reply(struct turn_http *t, struct http_request *req,
    const struct chat_params *p, const char *sid, int store)
{
	struct chat_request *c = &t->creq;

	t->req = req;
	turn_http_fill_request(c, p, sid, req, store);
	if (p->n_messages > 0)
		http_log_prompt(req, p->messages[p->n_messages - 1].content);
	/* the client leaving, streaming or not, stops the CLI within a second */
	t->watch = client_watch_start(req->fcgx);
	c->io.watch_fd = t->watch != NULL ? client_watch_fd(t->watch) : req->fcgx->ipcFd;
	if (chat_prepare(c, &t->res) != HUB_OK) {
		turn_http_send_result_error(t);
		return -1;
	}
	req->log_provider = t->res.provider->name;
	snprintf(req->log_model, sizeof(req->log_model), "%s", p->model ? p->model :
	    t->res.provider->default_model ? t->res.provider->default_model : "");
	return 0;
}

const char *
turn_http_model(const struct turn_http *t)
{
	if (t->res.model[0] != '\0')
		return t->res.model;
	return t->req->log_model[0] ? t->req->log_model : t->res.provider->name;
}

int
turn_http_stream_or_reply(struct turn_http *t)
{
	char headers[300];

	if (chat_take_slot(&t->res, &t->slot_fd) != HUB_OK) {
		turn_http_send_result_error(t);
		return -1;
	}
	t->creq.slot_fd = &t->slot_fd;
	if (t->creq.session_id == NULL) {
		/* the session id must be in the headers, which go out first */
		if (session_id_generate(t->session_id, sizeof(t->session_id)) != HUB_OK) {
			http_send_error(t->req, HUB_ERR_SYSTEM, 0, "cannot generate a session id", NULL, NULL);
			return -1;
		}
		t->creq.session_id = t->session_id;
	}
	snprintf(headers, sizeof(headers), "X-Session-ID: %s\r\nX-Accel-Buffering: no\r\n"
	    "Cache-Control: no-cache\r\n", t->creq.session_id);
	http_send_headers(t->req, 200, "text/event-stream; charset=utf-8", headers);
	t->req->streaming = 1;
	t->creq.io.on_idle = turn_http_on_idle;
	t->creq.io.idle_tick_ms = hub_cfg->keepalive_s * 1000;
	return 0;
}

int
turn_http_send_event(struct turn_http *t, const char *event, struct json_object *o)
{
	const char *j = hub_json_compact(o);
	int rc = HUB_OK;

	if (t->gone) {
		json_object_put(o);
		return -1;
	}
	if (event != NULL) {
		rc = http_write(t->req, "event: ", 7);
		if (rc == HUB_OK)
			rc = http_write(t->req, event, strlen(event));
		if (rc == HUB_OK)
			rc = http_write(t->req, "\n", 1);
	}
	if (rc == HUB_OK)
		rc = http_write(t->req, "data: ", 6);
	if (rc == HUB_OK)
		rc = http_write(t->req, j, strlen(j));
	if (rc == HUB_OK)
		rc = http_write(t->req, "\n\n", 2);
	if (rc == HUB_OK)
		rc = http_flush(t->req);
	json_object_put(o);
	if (rc != HUB_OK)
		t->gone = 1;
	return rc == HUB_OK ? 0 : -1;
}

int
turn_http_on_idle(void *arg)
{
	struct turn_http *t = arg;

	if (t->gone || http_write(t->req, ": keep-alive\n\n", 14) != HUB_OK || http_flush(t->req) != HUB_OK) {
		t->gone = 1;
		return -1;
	}
	return 0;
}

void
turn_http_surface_error(struct turn_http *t)
{
	struct chat_result *res = &t->res;
	const char *id;
	size_t k;
	char tail[16];

	if (t->call_what == NULL || res->err != HUB_ERR_INVALID ||
	    sscanf(res->param, "messages[%zu%15s", &k, tail) != 2 || strcmp(tail, "].tool_call_id") != 0 ||
	    k >= t->creq.n_messages)
		return;
	id = t->creq.messages[k].tool_call_id;
	snprintf(res->message, sizeof(res->message), "%s (\"%.64s\") answers no tool call of an earlier "
	    "assistant turn (in this request or in the conversation it continues)", t->call_what,
	    id != NULL ? id : "");
	snprintf(res->param, sizeof(res->param), "%s", t->call_param != NULL ? t->call_param : "");
}

void
turn_http_send_result_error(struct turn_http *t)
{
	const struct chat_result *res = &t->res;
	char extra[64];

	turn_http_surface_error(t);

	extra[0] = '\0';
	if (res->err == HUB_ERR_RATE_LIMIT || res->err == HUB_ERR_CONFLICT)
		snprintf(extra, sizeof(extra), "Retry-After: %ld\r\n",
		    res->reply.retry_after_s > 0 ? res->reply.retry_after_s : 1);
	http_send_error(t->req, res->err, 0, res->message, res->param[0] ? res->param : NULL, extra);
}

void
turn_http_session_header(const struct turn_http *t, char *out, size_t len)
{
	snprintf(out, len, "X-Session-ID: %s\r\n", t->res.session_id);
}

void
turn_http_end(struct turn_http *t)
{
	client_watch_stop(t->watch);
	t->watch = NULL;
	/* the answer is complete: the client has it before the turn's
	 * after-work (chat_result_free()) and the log line */
	if (t->req != NULL)
		http_request_end(t->req);
	chat_release_slot(&t->slot_fd);
	chat_result_free(&t->res);
	if (t->creq.session_id == t->session_id)
		t->creq.session_id = NULL;
}
