/*
 * ep_messages.c - the Anthropic Messages surface over the chat turn:
 *
 *   POST /v1/messages                one turn; stream: Anthropic's events
 *   POST /v1/messages/count_tokens   an estimate (messages_params.h)
 *
 * Errors are Anthropic's envelope {"type":"error","error":{...}} (the
 * path sets req->surface, see http.h), with a status before a stream
 * begins and an "error" event after. While the provider is silent the
 * stream carries "ping" events every HUB_KEEPALIVE_SECONDS.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_error.h"
#include "common/hub_time.h"
#include "endpoints.h"
#include "http.h"
#include "messages_params.h"
#include "session/session_id.h"
#include "turn_http.h"

struct ep_messages {
	struct turn_http t;
	struct messages_params p;
	char id[40];                /* msg_... */
	size_t blocks;              /* content blocks started */
	int open;                   /* the last block is not stopped yet */
	int open_is_tool;
	size_t calls_sent;          /* calls whose block went out */
};

/* The reply's stop_reason. */
static const char *
ep_messages_stop_reason(const struct provider_reply *r)
{
	if (r->n_tool_calls > 0)
		return "tool_use";
	if (r->finish_reason != NULL && strcmp(r->finish_reason, "length") == 0)
		return "max_tokens";
	return "end_turn";
}

static struct json_object *
ep_messages_usage(const struct provider_usage *u)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "input_tokens", json_object_new_int64(u ? u->prompt_tokens : 0));
	json_object_object_add(o, "cache_creation_input_tokens", json_object_new_int(0));
	json_object_object_add(o, "cache_read_input_tokens", json_object_new_int(0));
	json_object_object_add(o, "output_tokens", json_object_new_int64(u ? u->completion_tokens : 0));
	return o;
}

/* A tool_use block (input parsed from the call's arguments; {} while streaming). */
static struct json_object *
ep_messages_tool_block(const char *id, const char *name, const char *arguments)
{
	struct json_object *o = json_object_new_object(), *input = NULL;

	json_object_object_add(o, "type", json_object_new_string("tool_use"));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "name", json_object_new_string(name));
	if (arguments != NULL)
		input = json_tokener_parse(arguments);
	if (input == NULL || !json_object_is_type(input, json_type_object)) {
		json_object_put(input);
		input = json_object_new_object();
	}
	json_object_object_add(o, "input", input);
	return o;
}

static struct json_object *
ep_messages_text_block(const char *text)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("text"));
	json_object_object_add(o, "text", json_object_new_string(text));
	return o;
}

/* The message object; content taken (NULL: []), stop_reason NULL: null. */
static struct json_object *
ep_messages_object(const struct ep_messages *m, const char *model, struct json_object *content,
    const char *stop_reason, struct json_object *usage)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(m->id));
	json_object_object_add(o, "type", json_object_new_string("message"));
	json_object_object_add(o, "role", json_object_new_string("assistant"));
	json_object_object_add(o, "model", json_object_new_string(model));
	json_object_object_add(o, "content", content ? content : json_object_new_array());
	json_object_object_add(o, "stop_reason", stop_reason ? json_object_new_string(stop_reason) : NULL);
	json_object_object_add(o, "stop_sequence", NULL);
	json_object_object_add(o, "usage", usage);
	return o;
}

/* The whole reply's content: its text (when any, or when it has no
 * calls), then a tool_use block per call. */
static struct json_object *
ep_messages_content(const struct provider_reply *r)
{
	struct json_object *a = json_object_new_array();
	const char *text = r->text ? r->text : "";
	size_t i;

	if (*text != '\0' || r->n_tool_calls == 0)
		json_object_array_add(a, ep_messages_text_block(text));
	for (i = 0; i < r->n_tool_calls; i++)
		json_object_array_add(a, ep_messages_tool_block(r->tool_calls[i].id, r->tool_calls[i].name,
		    r->tool_calls[i].arguments));
	return a;
}

/* Send one event: o gets "type" first. Takes o (NULL: {"type"} only). */
static int
ep_messages_event(struct ep_messages *m, const char *type, struct json_object *o)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "type", json_object_new_string(type));
	if (o != NULL) {
		json_object_object_foreach(o, key, val) {
			json_object_object_add(e, key, json_object_get(val));
		}
		json_object_put(o);
	}
	return turn_http_send_event(&m->t, type, e);
}

/* An event object with the current block's index. */
static struct json_object *
ep_messages_at(const struct ep_messages *m)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "index", json_object_new_int64((int64_t)(m->blocks - 1)));
	return o;
}

static void
ep_messages_stop_block(struct ep_messages *m)
{
	if (!m->open)
		return;
	m->open = 0;
	ep_messages_event(m, "content_block_stop", ep_messages_at(m));
}

/* Start a block (takes block). */
static void
ep_messages_start_block(struct ep_messages *m, struct json_object *block, int is_tool)
{
	struct json_object *o;

	ep_messages_stop_block(m);
	m->blocks++;
	m->open = 1;
	m->open_is_tool = is_tool;
	o = ep_messages_at(m);
	json_object_object_add(o, "content_block", block);
	ep_messages_event(m, "content_block_start", o);
}

/* One content_block_delta of kind type ("text_delta", "input_json_delta")
 * with its key set to s[0..len). */
static void
ep_messages_delta(struct ep_messages *m, const char *type, const char *key, const char *s, size_t len)
{
	struct json_object *o = ep_messages_at(m), *d = json_object_new_object();

	json_object_object_add(d, "type", json_object_new_string(type));
	json_object_object_add(d, key, json_object_new_string_len(s, (int)len));
	json_object_object_add(o, "delta", d);
	ep_messages_event(m, "content_block_delta", o);
}

static int
ep_messages_on_delta(void *arg, const char *text, size_t len)
{
	struct ep_messages *m = arg;

	if (len == 0)
		return 0;  /* never an empty event */
	if (!m->open || m->open_is_tool)
		ep_messages_start_block(m, ep_messages_text_block(""), 0);
	ep_messages_delta(m, "text_delta", "text", text, len);
	return m->t.gone ? -1 : 0;
}

static int
ep_messages_on_tool_delta(void *arg, size_t index, const char *id, const char *name, const char *args,
    size_t len)
{
	struct ep_messages *m = arg;

	if (id != NULL) {
		ep_messages_start_block(m, ep_messages_tool_block(id, name ? name : "", NULL), 1);
		if (index + 1 > m->calls_sent)
			m->calls_sent = index + 1;
	}
	if (len > 0 && m->open && m->open_is_tool)
		ep_messages_delta(m, "input_json_delta", "partial_json", args, len);
	return m->t.gone ? -1 : 0;
}

/* Keep-alive as Anthropic sends it: a ping event. */
static int
ep_messages_on_idle(void *arg)
{
	struct ep_messages *m = arg;

	return ep_messages_event(m, "ping", NULL);
}

/* After the stream began: the calls not streamed, message_delta and
 * message_stop; or an error event. */
static void
ep_messages_finish_stream(struct ep_messages *m)
{
	const struct chat_result *res = &m->t.res;
	const struct provider_tool_call *tc;
	struct json_object *o, *d;
	size_t i;

	if (m->t.gone)
		return;
	if (res->err != HUB_OK) {
		turn_http_surface_error(&m->t);
		turn_http_send_event(&m->t, "error", http_anthropic_error_object(res->err, res->message));
		return;
	}
	for (i = m->calls_sent; i < res->reply.n_tool_calls && !m->t.gone; i++) {
		tc = &res->reply.tool_calls[i];
		ep_messages_on_tool_delta(m, i, tc->id, tc->name, "", 0);
		if (tc->arguments != NULL && strcmp(tc->arguments, "{}") != 0)
			ep_messages_on_tool_delta(m, i, NULL, NULL, tc->arguments, strlen(tc->arguments));
	}
	if (m->blocks == 0)
		ep_messages_start_block(m, ep_messages_text_block(""), 0);
	ep_messages_stop_block(m);
	o = json_object_new_object();
	d = json_object_new_object();
	json_object_object_add(d, "stop_reason", json_object_new_string(ep_messages_stop_reason(&res->reply)));
	json_object_object_add(d, "stop_sequence", NULL);
	json_object_object_add(o, "delta", d);
	json_object_object_add(o, "usage", ep_messages_usage(&res->reply.usage));
	ep_messages_event(m, "message_delta", o);
	ep_messages_event(m, "message_stop", NULL);
}

/* The streamed turn: headers, message_start, ping, the blocks, the end. */
static void
ep_messages_stream(struct ep_messages *m)
{
	struct chat_request *c = &m->t.creq;
	struct json_object *o;

	if (turn_http_stream_or_reply(&m->t) != 0)
		return;
	c->io.on_delta = ep_messages_on_delta;
	c->io.on_tool_delta = ep_messages_on_tool_delta;
	c->io.on_idle = ep_messages_on_idle;
	c->io.arg = m;
	o = json_object_new_object();
	json_object_object_add(o, "message", ep_messages_object(m, turn_http_model(&m->t), NULL, NULL,
	    ep_messages_usage(NULL)));
	ep_messages_event(m, "message_start", o);
	ep_messages_event(m, "ping", NULL);
	chat_run_prepared(c, &m->t.res);
	if (m->t.res.err != HUB_OK)
		m->t.req->log_error = hub_error_code(m->t.res.err);
	ep_messages_finish_stream(m);
}

/* Read and parse the body (for_count: count_tokens); answers the error
 * itself: 0, or -1 when answered. */
static int
ep_messages_read_or_reply(struct http_request *req, int for_count, struct messages_params *p,
    char **body, const char **sid)
{
	char err[512], param[64];
	size_t len = 0;
	int rc;

	if (turn_http_read_or_reply(req, body, &len, sid) != 0)
		return -1;
	rc = messages_params_parse(*body, len, for_count, p, err, sizeof(err), param, sizeof(param));
	if (rc != HUB_OK) {
		http_send_error(req, rc, rc == HUB_ERR_INVALID ? 400 : 0, rc == HUB_ERR_INVALID ? err : NULL,
		    NULL, NULL);
		return -1;
	}
	return 0;
}

void
ep_messages_create(struct http_request *req)
{
	struct ep_messages m;
	char *body = NULL, rnd[32], headers[300];
	const char *sid = NULL;
	struct json_object *o;

	memset(&m, 0, sizeof(m));
	turn_http_init(&m.t);
	m.t.req = req;
	m.t.call_what = "a tool_result's tool_use_id";
	m.t.call_param = "";
	if (ep_messages_read_or_reply(req, 0, &m.p, &body, &sid) != 0 ||
	    turn_http_prepare_or_reply(&m.t, req, &m.p.chat, sid, 1) != 0)
		goto out;
	if (session_id_generate(rnd, sizeof(rnd)) != HUB_OK)
		snprintf(rnd, sizeof(rnd), "%lld", hub_time_wall_ms());
	snprintf(m.id, sizeof(m.id), "msg_%s", rnd);
	if (m.p.chat.stream) {
		ep_messages_stream(&m);
		goto out;
	}
	if (chat_run_prepared(&m.t.creq, &m.t.res) != HUB_OK) {
		turn_http_send_result_error(&m.t);
		goto out;
	}
	o = ep_messages_object(&m, turn_http_model(&m.t), ep_messages_content(&m.t.res.reply),
	    ep_messages_stop_reason(&m.t.res.reply), ep_messages_usage(&m.t.res.reply.usage));
	turn_http_session_header(&m.t, headers, sizeof(headers));
	http_send_json(req, 200, o, headers);
	json_object_put(o);
out:
	turn_http_end(&m.t);
	messages_params_free(&m.p);
	free(body);
}

void
ep_messages_count_tokens(struct http_request *req)
{
	struct messages_params p;
	struct json_object *o;
	char *body = NULL;
	const char *sid;

	memset(&p, 0, sizeof(p));
	if (ep_messages_read_or_reply(req, 1, &p, &body, &sid) != 0)
		goto out;
	/* no CLI counts tokens without a model call: an estimate (docs/API.md) */
	o = json_object_new_object();
	json_object_object_add(o, "input_tokens", json_object_new_int64(messages_params_estimate_tokens(&p)));
	http_send_json(req, 200, o, "X-Hub-Token-Count: estimate\r\n");
	json_object_put(o);
out:
	messages_params_free(&p);
	free(body);
}
