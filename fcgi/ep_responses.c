/*
 * ep_responses.c - the OpenAI Responses surface over the chat turn:
 *
 *   POST   /v1/responses        one turn; stream: typed events
 *   GET    /v1/responses/{id}   a stored response
 *   DELETE /v1/responses/{id}   the conversation holding it
 *
 * A response id is "resp_<session id>.<n>": the reply is message n of
 * that session (responses_params.h), so previous_response_id continues
 * the session, from its latest response only, and store maps onto the
 * session store. A `conversation` id is a session id, as X-Session-ID. Errors are OpenAI's envelope, with a status before a
 * stream begins, and "error" + "response.failed" events after.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "common/hub_time.h"
#include "endpoints.h"
#include "http.h"
#include "responses_params.h"
#include "session/session.h"
#include "session/session_id.h"
#include "turn_http.h"

/* The output items of a streamed response, in the order they went out. */
struct ep_responses_item {
	int is_call;
	size_t index;            /* the call's index, or the message's number */
	size_t start, end;       /* a message's text in the stream's text buffer */
};

#define EP_RESPONSES_MAX_ITEMS (2 * HUB_MAX_TOOL_CALLS + 2)
/* resp_, fc_ or msg_, the base, _ and an index */
#define EP_RESPONSES_ID_LEN (HUB_MAX_SESSION_ID_LEN + 64)

struct ep_responses {
	struct turn_http t;                      /* first: the keep-alive's arg is r */
	struct responses_params p;
	char id[EP_RESPONSES_ID_LEN];    /* resp_... */
	char base[HUB_MAX_SESSION_ID_LEN + 20];  /* what item ids are made of */
	long long created;
	long seq;                                /* sequence_number of the next event */
	struct ep_responses_item items[EP_RESPONSES_MAX_ITEMS];
	size_t n_items;
	int open;                                /* 1: items[n_items - 1] is still open */
	size_t messages, calls_sent;
	struct hub_buf text, args;               /* all text streamed; the open call's arguments */
	char call_id[HUB_MAX_TOOL_CALL_ID_LEN + 1], call_name[72];  /* the open call's */
	char sid[HUB_MAX_SESSION_ID_LEN + 1];    /* a response id's session */
};

/* The streamed text from offset start ("" while none came). */
static const char *
ep_responses_text_at(const struct ep_responses *r, size_t start)
{
	return r->text.data != NULL ? r->text.data + start : "";
}

/* An item id into out: "msg_BASE" (k-th message: "_k"), "fc_BASE_i". */
static void
ep_responses_item_id(const struct ep_responses *r, int is_call, size_t index, char *out, size_t len)
{
	if (is_call)
		snprintf(out, len, "fc_%s_%zu", r->base, index);
	else if (index == 0)
		snprintf(out, len, "msg_%s", r->base);
	else
		snprintf(out, len, "msg_%s_%zu", r->base, index);
}

/* A message output item with text (NULL: in progress, no content yet). */
static struct json_object *
ep_responses_message_item(const char *id, const char *text, size_t len)
{
	struct json_object *o = json_object_new_object(), *content = json_object_new_array(), *part;

	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "type", json_object_new_string("message"));
	json_object_object_add(o, "status", json_object_new_string(text ? "completed" : "in_progress"));
	json_object_object_add(o, "role", json_object_new_string("assistant"));
	if (text != NULL) {
		part = json_object_new_object();
		json_object_object_add(part, "type", json_object_new_string("output_text"));
		json_object_object_add(part, "text", json_object_new_string_len(text, (int)len));
		json_object_object_add(part, "annotations", json_object_new_array());
		json_object_object_add(part, "logprobs", json_object_new_array());
		json_object_array_add(content, part);
	}
	json_object_object_add(o, "content", content);
	return o;
}

/* A function_call output item (arguments NULL: in progress, ""). */
static struct json_object *
ep_responses_call_item(const char *id, const struct provider_tool_call *tc, const char *call_id,
    const char *name, const char *arguments)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "type", json_object_new_string("function_call"));
	json_object_object_add(o, "status", json_object_new_string(arguments ? "completed" : "in_progress"));
	json_object_object_add(o, "call_id", json_object_new_string(tc ? tc->id : call_id));
	json_object_object_add(o, "name", json_object_new_string(tc ? tc->name : name));
	json_object_object_add(o, "arguments", json_object_new_string(arguments ? arguments : ""));
	return o;
}

/* The output of a whole reply: its text (when any, or when it has no
 * calls) as one message, then its calls. */
static struct json_object *
ep_responses_output(const struct ep_responses *r, const char *text, const struct provider_tool_call *calls,
    size_t n_calls)
{
	struct json_object *a = json_object_new_array();
	char id[EP_RESPONSES_ID_LEN];
	size_t i;

	if (text == NULL)
		text = "";
	if (*text != '\0' || n_calls == 0) {
		ep_responses_item_id(r, 0, 0, id, sizeof(id));
		json_object_array_add(a, ep_responses_message_item(id, text, strlen(text)));
	}
	for (i = 0; i < n_calls; i++) {
		ep_responses_item_id(r, 1, i, id, sizeof(id));
		json_object_array_add(a, ep_responses_call_item(id, &calls[i], NULL, NULL,
		    calls[i].arguments ? calls[i].arguments : "{}"));
	}
	return a;
}

/* The streamed output, item by item, with the reply's final calls. */
static struct json_object *
ep_responses_streamed_output(const struct ep_responses *r, const struct provider_reply *reply)
{
	struct json_object *a = json_object_new_array();
	const struct ep_responses_item *it;
	const struct provider_tool_call *tc;
	char id[EP_RESPONSES_ID_LEN];
	size_t i;

	for (i = 0; i < r->n_items; i++) {
		it = &r->items[i];
		ep_responses_item_id(r, it->is_call, it->index, id, sizeof(id));
		if (!it->is_call) {
			json_object_array_add(a, ep_responses_message_item(id, ep_responses_text_at(r, it->start),
			    it->end - it->start));
		} else if (it->index < reply->n_tool_calls) {
			tc = &reply->tool_calls[it->index];
			json_object_array_add(a, ep_responses_call_item(id, tc, NULL, NULL,
			    tc->arguments ? tc->arguments : "{}"));
		}
	}
	return a;
}

static struct json_object *
ep_responses_usage(const struct provider_usage *u)
{
	struct json_object *o = json_object_new_object(), *in = json_object_new_object(),
	    *out = json_object_new_object();

	json_object_object_add(o, "input_tokens", json_object_new_int64(u ? u->prompt_tokens : 0));
	json_object_object_add(in, "cached_tokens", json_object_new_int(0));
	json_object_object_add(o, "input_tokens_details", in);
	json_object_object_add(o, "output_tokens", json_object_new_int64(u ? u->completion_tokens : 0));
	json_object_object_add(out, "reasoning_tokens", json_object_new_int(0));
	json_object_object_add(o, "output_tokens_details", out);
	json_object_object_add(o, "total_tokens", json_object_new_int64(u ? u->prompt_tokens +
	    u->completion_tokens : 0));
	return o;
}

/* The request's tool_choice as the API echoes it. */
static struct json_object *
ep_responses_tool_choice(const struct chat_params *p)
{
	struct json_object *o;

	if (p == NULL || p->tool_choice == PROVIDER_TOOL_CHOICE_AUTO)
		return json_object_new_string("auto");
	if (p->tool_choice == PROVIDER_TOOL_CHOICE_NONE)
		return json_object_new_string("none");
	if (p->tool_choice == PROVIDER_TOOL_CHOICE_REQUIRED)
		return json_object_new_string("required");
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("function"));
	json_object_object_add(o, "name", json_object_new_string(p->tool_choice_name));
	return o;
}

/* The request's tools as the API echoes them. */
static struct json_object *
ep_responses_tools(const struct chat_params *p)
{
	struct json_object *a = json_object_new_array(), *o, *schema;
	size_t i;

	for (i = 0; p != NULL && i < p->n_tools; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("function"));
		json_object_object_add(o, "name", json_object_new_string(p->tools[i].name));
		json_object_object_add(o, "description", p->tools[i].description ?
		    json_object_new_string(p->tools[i].description) : NULL);
		schema = json_tokener_parse(p->tools[i].parameters);
		json_object_object_add(o, "parameters", schema);
		json_object_object_add(o, "strict", json_object_new_boolean(0));
		json_object_array_add(a, o);
	}
	return a;
}

/*
 * The response object: status "in_progress", "completed", "incomplete"
 * (max tokens) or "failed"; output and usage taken (NULL: [] and null).
 * rp: the request (NULL for a stored response read back).
 */
static struct json_object *
ep_responses_object(const struct ep_responses *r, const struct responses_params *rp, const char *model,
    const char *status, struct json_object *output, struct json_object *usage)
{
	struct json_object *o = json_object_new_object(), *v;

	json_object_object_add(o, "id", json_object_new_string(r->id));
	json_object_object_add(o, "object", json_object_new_string("response"));
	json_object_object_add(o, "created_at", json_object_new_int64(r->created));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "background", json_object_new_boolean(0));
	json_object_object_add(o, "error", NULL);
	if (strcmp(status, "incomplete") == 0) {
		v = json_object_new_object();
		json_object_object_add(v, "reason", json_object_new_string("max_output_tokens"));
		json_object_object_add(o, "incomplete_details", v);
	} else {
		json_object_object_add(o, "incomplete_details", NULL);
	}
	json_object_object_add(o, "instructions", rp && rp->instructions ?
	    json_object_new_string(rp->instructions) : NULL);
	json_object_object_add(o, "max_output_tokens", NULL);
	json_object_object_add(o, "metadata", json_object_new_object());
	json_object_object_add(o, "model", json_object_new_string(model));
	json_object_object_add(o, "output", output ? output : json_object_new_array());
	json_object_object_add(o, "parallel_tool_calls", json_object_new_boolean(rp ?
	    rp->chat.parallel_tool_calls : 1));
	json_object_object_add(o, "previous_response_id", rp && rp->previous_response_id ?
	    json_object_new_string(rp->previous_response_id) : NULL);
	v = json_object_new_object();
	json_object_object_add(v, "effort", NULL);
	json_object_object_add(v, "summary", NULL);
	json_object_object_add(o, "reasoning", v);
	json_object_object_add(o, "store", json_object_new_boolean(rp ? rp->store : 1));
	json_object_object_add(o, "temperature", NULL);
	v = json_object_new_object();
	json_object_object_add(v, "format", json_object_new_object());
	json_object_object_add(json_object_object_get(v, "format"), "type", json_object_new_string("text"));
	json_object_object_add(o, "text", v);
	json_object_object_add(o, "tool_choice", ep_responses_tool_choice(rp ? &rp->chat : NULL));
	json_object_object_add(o, "tools", ep_responses_tools(rp ? &rp->chat : NULL));
	json_object_object_add(o, "top_p", NULL);
	json_object_object_add(o, "truncation", json_object_new_string("disabled"));
	json_object_object_add(o, "usage", usage);
	json_object_object_add(o, "user", NULL);
	return o;
}

/* The status of a finished reply. */
static const char *
ep_responses_status(const struct provider_reply *reply)
{
	return reply->finish_reason != NULL && strcmp(reply->finish_reason, "length") == 0 &&
	    reply->n_tool_calls == 0 ? "incomplete" : "completed";
}

/* Send one typed event: o gets "type" and "sequence_number" first. Takes o. */
static int
ep_responses_event(struct ep_responses *r, const char *type, struct json_object *o)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "type", json_object_new_string(type));
	json_object_object_add(e, "sequence_number", json_object_new_int64(r->seq++));
	json_object_object_foreach(o, key, val) {
		json_object_object_add(e, key, json_object_get(val));
	}
	json_object_put(o);
	return turn_http_send_event(&r->t, type, e);
}

/* An event object with output_index (and item_id, content_index when set). */
static struct json_object *
ep_responses_at(const struct ep_responses *r, int with_item, int with_content)
{
	const struct ep_responses_item *it = &r->items[r->n_items - 1];
	struct json_object *o = json_object_new_object();
	char id[EP_RESPONSES_ID_LEN];

	if (with_item) {
		ep_responses_item_id(r, it->is_call, it->index, id, sizeof(id));
		json_object_object_add(o, "item_id", json_object_new_string(id));
	}
	json_object_object_add(o, "output_index", json_object_new_int64((int64_t)(r->n_items - 1)));
	if (with_content)
		json_object_object_add(o, "content_index", json_object_new_int(0));
	return o;
}

/* The output_text part of the open message (text NULL: empty). */
static struct json_object *
ep_responses_text_part(const char *text, size_t len)
{
	struct json_object *part = json_object_new_object();

	json_object_object_add(part, "type", json_object_new_string("output_text"));
	json_object_object_add(part, "text", json_object_new_string_len(text ? text : "", (int)len));
	json_object_object_add(part, "annotations", json_object_new_array());
	return part;
}

/* Close the open item: text/arguments done, part done, item done. */
static void
ep_responses_close(struct ep_responses *r, const struct provider_reply *reply)
{
	struct ep_responses_item *it;
	const struct provider_tool_call *tc;
	struct json_object *o;
	char id[EP_RESPONSES_ID_LEN];
	const char *text, *args;

	if (!r->open || r->n_items == 0)
		return;
	r->open = 0;
	it = &r->items[r->n_items - 1];
	text = ep_responses_text_at(r, it->start);
	ep_responses_item_id(r, it->is_call, it->index, id, sizeof(id));
	if (!it->is_call) {
		it->end = r->text.len;
		o = ep_responses_at(r, 1, 1);
		json_object_object_add(o, "text", json_object_new_string_len(text, (int)(it->end - it->start)));
		json_object_object_add(o, "logprobs", json_object_new_array());
		ep_responses_event(r, "response.output_text.done", o);
		o = ep_responses_at(r, 1, 1);
		json_object_object_add(o, "part", ep_responses_text_part(text, it->end - it->start));
		ep_responses_event(r, "response.content_part.done", o);
		o = ep_responses_at(r, 0, 0);
		json_object_object_add(o, "item", ep_responses_message_item(id, text, it->end - it->start));
		ep_responses_event(r, "response.output_item.done", o);
		return;
	}
	/* the reply's arguments when it is there (the whole stream's end),
	 * else what was streamed */
	tc = reply != NULL && it->index < reply->n_tool_calls ? &reply->tool_calls[it->index] : NULL;
	args = tc != NULL && tc->arguments ? tc->arguments : r->args.len > 0 ? (const char *)r->args.data : "{}";
	o = ep_responses_at(r, 1, 0);
	json_object_object_add(o, "arguments", json_object_new_string(args));
	ep_responses_event(r, "response.function_call_arguments.done", o);
	o = ep_responses_at(r, 0, 0);
	json_object_object_add(o, "item", ep_responses_call_item(id, tc, r->call_id, r->call_name, args));
	ep_responses_event(r, "response.output_item.done", o);
}

/* Open a new output item: a message, or call index (call_id, name). */
static void
ep_responses_open(struct ep_responses *r, int is_call, size_t index, const char *call_id, const char *name)
{
	struct ep_responses_item *it;
	struct json_object *o;
	char id[EP_RESPONSES_ID_LEN];

	if (r->n_items >= EP_RESPONSES_MAX_ITEMS)
		return;  /* more items than a reply can hold calls: the rest is in response.completed */
	it = &r->items[r->n_items++];
	it->is_call = is_call;
	it->index = index;
	it->start = it->end = r->text.len;
	r->open = 1;
	ep_responses_item_id(r, is_call, index, id, sizeof(id));
	o = ep_responses_at(r, 0, 0);
	json_object_object_add(o, "item", is_call ? ep_responses_call_item(id, NULL, call_id, name, NULL) :
	    ep_responses_message_item(id, NULL, 0));
	ep_responses_event(r, "response.output_item.added", o);
	if (is_call)
		return;
	o = ep_responses_at(r, 1, 1);
	json_object_object_add(o, "part", ep_responses_text_part(NULL, 0));
	ep_responses_event(r, "response.content_part.added", o);
}

static int
ep_responses_on_delta(void *arg, const char *text, size_t len)
{
	struct ep_responses *r = arg;
	struct json_object *o;

	if (len == 0)
		return 0;  /* never an empty event */
	if (!r->open || r->items[r->n_items - 1].is_call) {
		ep_responses_close(r, NULL);
		ep_responses_open(r, 0, r->messages++, NULL, NULL);
	}
	if (hub_buf_append(&r->text, text, len) != HUB_OK)
		return -1;
	o = ep_responses_at(r, 1, 1);
	json_object_object_add(o, "delta", json_object_new_string_len(text, (int)len));
	json_object_object_add(o, "logprobs", json_object_new_array());
	ep_responses_event(r, "response.output_text.delta", o);
	return r->t.gone ? -1 : 0;
}

static int
ep_responses_on_tool_delta(void *arg, size_t index, const char *id, const char *name, const char *args,
    size_t len)
{
	struct ep_responses *r = arg;
	struct json_object *o;

	if (id != NULL) {
		ep_responses_close(r, NULL);
		snprintf(r->call_id, sizeof(r->call_id), "%s", id);
		snprintf(r->call_name, sizeof(r->call_name), "%s", name ? name : "");
		hub_buf_reset(&r->args);
		ep_responses_open(r, 1, index, r->call_id, r->call_name);
		if (index + 1 > r->calls_sent)
			r->calls_sent = index + 1;
	}
	if (len > 0 && r->open && r->items[r->n_items - 1].is_call) {
		if (hub_buf_append(&r->args, args, len) != HUB_OK)
			return -1;
		o = ep_responses_at(r, 1, 0);
		json_object_object_add(o, "delta", json_object_new_string_len(args, (int)len));
		ep_responses_event(r, "response.function_call_arguments.delta", o);
	}
	return r->t.gone ? -1 : 0;
}

/* An event carrying the whole response object. */
static void
ep_responses_send_response(struct ep_responses *r, const char *type, struct json_object *response)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "response", response);
	ep_responses_event(r, type, o);
}

/* After the stream began: the calls not streamed, the items closed, and
 * response.completed; or error and response.failed. */
static void
ep_responses_finish_stream(struct ep_responses *r)
{
	struct chat_result *res = &r->t.res;
	const struct provider_tool_call *tc;
	struct json_object *o, *e;
	size_t i;

	if (r->t.gone)
		return;
	if (res->err != HUB_OK) {
		turn_http_surface_error(&r->t);
		o = json_object_new_object();
		json_object_object_add(o, "code", json_object_new_string(hub_error_code(res->err)));
		json_object_object_add(o, "message", json_object_new_string(res->message));
		json_object_object_add(o, "param", res->param[0] ? json_object_new_string(res->param) : NULL);
		ep_responses_event(r, "error", o);
		o = ep_responses_object(r, &r->p, turn_http_model(&r->t), "failed", NULL, NULL);
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_string(hub_error_code(res->err)));
		json_object_object_add(e, "message", json_object_new_string(res->message));
		json_object_object_add(o, "error", e);
		ep_responses_send_response(r, "response.failed", o);
		return;
	}
	ep_responses_close(r, &res->reply);
	for (i = r->calls_sent; i < res->reply.n_tool_calls && !r->t.gone; i++) {
		tc = &res->reply.tool_calls[i];
		ep_responses_on_tool_delta(r, i, tc->id, tc->name, "", 0);
		if (tc->arguments != NULL)
			ep_responses_on_tool_delta(r, i, NULL, NULL, tc->arguments, strlen(tc->arguments));
		ep_responses_close(r, &res->reply);
	}
	if (r->n_items == 0) {
		ep_responses_open(r, 0, r->messages++, NULL, NULL);
		ep_responses_close(r, &res->reply);
	}
	ep_responses_send_response(r, "response.completed", ep_responses_object(r, &r->p,
	    turn_http_model(&r->t), ep_responses_status(&res->reply), ep_responses_streamed_output(r, &res->reply),
	    ep_responses_usage(&res->reply.usage)));
}

/* Name the response: by its place n in session sid when stored, else at random. */
static void
ep_responses_name(struct ep_responses *r, const char *sid, size_t n)
{
	char rnd[32];

	if (r->p.store && n > 0) {
		responses_params_id_format(r->id, sizeof(r->id), sid, n);
		snprintf(r->base, sizeof(r->base), "%s", r->id + 5);
		return;
	}
	if (session_id_generate(rnd, sizeof(rnd)) != HUB_OK)
		snprintf(rnd, sizeof(rnd), "x%lld", hub_time_wall_ms());
	snprintf(r->id, sizeof(r->id), "resp_%s", rnd);
	snprintf(r->base, sizeof(r->base), "%s", rnd);
}

/* The streamed turn: headers, response.created, the deltas, the end. */
static void
ep_responses_stream(struct ep_responses *r, size_t before)
{
	struct chat_request *c = &r->t.creq;

	if (turn_http_stream_or_reply(&r->t) != 0)
		return;
	/* the reply will be the session's message before + request + 1 */
	ep_responses_name(r, c->session_id, before + c->n_messages + 1);
	c->io.on_delta = ep_responses_on_delta;
	c->io.on_tool_delta = ep_responses_on_tool_delta;
	c->io.arg = r;
	ep_responses_send_response(r, "response.created", ep_responses_object(r, &r->p,
	    turn_http_model(&r->t), "in_progress", NULL, NULL));
	ep_responses_send_response(r, "response.in_progress", ep_responses_object(r, &r->p,
	    turn_http_model(&r->t), "in_progress", NULL, NULL));
	chat_run_prepared(c, &r->t.res);
	if (r->t.res.err != HUB_OK)
		r->t.req->log_error = hub_error_code(r->t.res.err);
	ep_responses_finish_stream(r);
}

/* Answer a session function's error for the response ids. */
static void
ep_responses_store_error(struct http_request *req, int rc, const char *param)
{
	if (rc == HUB_ERR_NOT_FOUND)
		http_send_error(req, rc, 404, "no stored response with that id (it may have expired or been "
		    "deleted)", param, NULL);
	else if (rc == HUB_ERR_STORE)
		http_send_error(req, rc, 503, "the session store (Redis) is unavailable; try again shortly",
		    NULL, NULL);
	else
		http_send_error(req, rc, 0, NULL, param, NULL);
}

/*
 * The session of the turn: previous_response_id's (which must be its
 * latest response, and agree with X-Session-ID), else X-Session-ID's;
 * *before gets its message count. Answers the error itself: 0 or -1.
 */
static int
ep_responses_session_or_reply(struct ep_responses *r, const char **sid, size_t *before)
{
	static const char param[] = "previous_response_id";
	const char *prev = r->p.previous_response_id;
	struct http_request *req = r->t.req;
	struct session *s = NULL;
	size_t n = 0;
	int rc;

	*before = 0;
	if (r->p.conversation != NULL) {
		/* a conversation is a session: as X-Session-ID */
		if (*sid != NULL && strcmp(*sid, r->p.conversation) != 0) {
			http_send_error(req, HUB_ERR_INVALID, 400, "X-Session-ID and conversation name two "
			    "different conversations; send one of them", "conversation", NULL);
			return -1;
		}
		*sid = r->p.conversation;
	}
	if (prev != NULL) {
		if (responses_params_id_parse(prev, r->sid, sizeof(r->sid), &n) != HUB_OK) {
			ep_responses_store_error(req, HUB_ERR_NOT_FOUND, param);
			return -1;
		}
		if (*sid != NULL && strcmp(*sid, r->sid) != 0) {
			http_send_error(req, HUB_ERR_INVALID, 400, "X-Session-ID and previous_response_id name "
			    "two different conversations; send one of them", param, NULL);
			return -1;
		}
		*sid = r->sid;
	}
	if (*sid == NULL)
		return 0;
	if (!session_id_valid(*sid)) {
		http_send_error(req, HUB_ERR_INVALID, 400, "invalid session id: expected 1 to 128 characters "
		    "of A-Z a-z 0-9 _ -", "X-Session-ID", NULL);
		return -1;
	}
	rc = session_load(*sid, req->key_id ? req->key_id : "", 0, &s);
	if (rc == HUB_ERR_NOT_FOUND && prev == NULL)
		return 0;
	if (rc != HUB_OK) {
		ep_responses_store_error(req, rc, prev ? param : NULL);
		return -1;
	}
	*before = (size_t)s->meta.message_count;
	session_free(s);
	if (prev != NULL && *before != n) {
		http_send_error(req, HUB_ERR_INVALID, 400, "previous_response_id is not the latest response of "
		    "its conversation: the hub continues a conversation from its latest response only", param, NULL);
		return -1;
	}
	return 0;
}

void
ep_responses_create(struct http_request *req)
{
	struct ep_responses *r = calloc(1, sizeof(*r));
	char *body = NULL, err[512], param[64], headers[300];
	const char *sid = NULL;
	size_t len = 0, before = 0;
	struct json_object *o;
	int rc;

	if (r == NULL) {
		http_send_error(req, HUB_ERR_NOMEM, 0, NULL, NULL, NULL);
		return;
	}
	turn_http_init(&r->t);
	r->t.req = req;
	r->t.call_what = "a function_call_output's call_id";
	r->t.call_param = "input";
	hub_buf_init(&r->text, 0);
	hub_buf_init(&r->args, 0);
	if (turn_http_read_or_reply(req, &body, &len, &sid) != 0)
		goto out;
	if ((rc = responses_params_parse(body, len, &r->p, err, sizeof(err), param, sizeof(param))) != HUB_OK) {
		http_send_error(req, rc, rc == HUB_ERR_INVALID ? 400 : 0, rc == HUB_ERR_INVALID ? err : NULL,
		    param[0] ? param : NULL, NULL);
		goto out;
	}
	if (ep_responses_session_or_reply(r, &sid, &before) != 0)
		goto out;
	if (turn_http_prepare_or_reply(&r->t, req, &r->p.chat, sid, r->p.store) != 0)
		goto out;
	r->created = (long long)time(NULL);
	if (r->p.chat.stream) {
		ep_responses_stream(r, before);
		goto out;
	}
	if (chat_run_prepared(&r->t.creq, &r->t.res) != HUB_OK) {
		turn_http_send_result_error(&r->t);
		goto out;
	}
	ep_responses_name(r, r->t.res.session_id, r->t.res.message_count);
	o = ep_responses_object(r, &r->p, turn_http_model(&r->t), ep_responses_status(&r->t.res.reply),
	    ep_responses_output(r, r->t.res.reply.text, r->t.res.reply.tool_calls, r->t.res.reply.n_tool_calls),
	    ep_responses_usage(&r->t.res.reply.usage));
	turn_http_session_header(&r->t, headers, sizeof(headers));
	http_send_json(req, 200, o, headers);
	json_object_put(o);
out:
	turn_http_end(&r->t);
	responses_params_free(&r->p);
	hub_buf_free(&r->text);
	hub_buf_free(&r->args);
	free(body);
	free(r);
}

/*
 * Load the stored reply named by the path's id: 0 with *r (free), *s
 * (free with session_free()) and *m its message, or -1 when answered
 * (404, 503, out of memory) with nothing to free.
 */
static int
ep_responses_load_or_reply(struct http_request *req, struct ep_responses **r, struct session **s,
    const struct session_message **m)
{
	size_t n;
	int rc = HUB_ERR_NOT_FOUND;

	*s = NULL;
	if ((*r = calloc(1, sizeof(**r))) == NULL) {
		http_send_error(req, HUB_ERR_NOMEM, 0, NULL, NULL, NULL);
		return -1;
	}
	if (responses_params_id_parse(req->params[0], (*r)->sid, sizeof((*r)->sid), &n) == HUB_OK)
		rc = session_load((*r)->sid, req->key_id ? req->key_id : "", 1, s);
	if (rc == HUB_OK && (n > (*s)->n_messages || strcmp((*s)->messages[n - 1].role, "assistant") != 0))
		rc = HUB_ERR_NOT_FOUND;
	if (rc != HUB_OK) {
		session_free(*s);
		*s = NULL;
		free(*r);
		*r = NULL;
		ep_responses_store_error(req, rc, NULL);
		return -1;
	}
	*m = &(*s)->messages[n - 1];
	snprintf((*r)->id, sizeof((*r)->id), "%s", req->params[0]);
	snprintf((*r)->base, sizeof((*r)->base), "%s", req->params[0] + 5);
	return 0;
}

void
ep_responses_get(struct http_request *req)
{
	struct ep_responses *r;
	struct provider_tool_call *calls = NULL;
	const struct session_message *m;
	struct session *s;
	struct json_object *o;
	size_t i;

	if (ep_responses_load_or_reply(req, &r, &s, &m) != 0)
		return;
	if (m->n_tool_calls > 0 && (calls = calloc(m->n_tool_calls, sizeof(*calls))) == NULL) {
		http_send_error(req, HUB_ERR_NOMEM, 0, NULL, NULL, NULL);
		goto out;
	}
	for (i = 0; i < m->n_tool_calls; i++)
		calls[i] = (struct provider_tool_call){ m->tool_calls[i].id, m->tool_calls[i].name,
		    m->tool_calls[i].arguments };
	r->created = m->timestamp ? hub_time_parse_iso8601(m->timestamp) / 1000 : 0;
	/* usage is not stored with a session's messages: zeros */
	o = ep_responses_object(r, NULL, m->model ? m->model : "", "completed",
	    ep_responses_output(r, m->content, calls, m->n_tool_calls), ep_responses_usage(NULL));
	http_send_json(req, 200, o, NULL);
	json_object_put(o);
out:
	free(calls);
	session_free(s);
	free(r);
}

void
ep_responses_delete(struct http_request *req)
{
	struct ep_responses *r;
	const struct session_message *m;
	struct session *s;
	struct json_object *o;
	int rc;

	if (ep_responses_load_or_reply(req, &r, &s, &m) != 0)
		return;
	/* the hub stores conversations, not single replies: the response
	 * goes with the whole session that holds it (docs/API.md) */
	if ((rc = session_delete(r->sid, req->key_id ? req->key_id : "")) != HUB_OK) {
		ep_responses_store_error(req, rc, NULL);
	} else {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(r->id));
		json_object_object_add(o, "object", json_object_new_string("response"));
		json_object_object_add(o, "deleted", json_object_new_boolean(1));
		http_send_json(req, 200, o, NULL);
		json_object_put(o);
	}
	session_free(s);
	free(r);
}
