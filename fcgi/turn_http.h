/*
 * turn_http.h - the HTTP steps every chat surface shares around one chat
 * turn (core/chat.h): read the body and X-Session-ID, fill the request,
 * route before answering, open an event stream with the session id in
 * its headers, write server-sent events and keep-alives, answer a turn's
 * error. Used by ep_responses.c and ep_messages.c; each surface keeps
 * its own parser and its own answer shapes.
 */
#ifndef TURN_HTTP_H
#define TURN_HTTP_H

#include <json-c/json.h>
#include <stddef.h>

#include "chat_params.h"
#include "core/chat.h"
#include "http.h"

struct client_watch;

/* What a surface's handler holds for one turn; set up by
 * turn_http_init() and turn_http_prepare_or_reply(), released by
 * turn_http_end(). */
struct turn_http {
	struct http_request *req;
	struct chat_request creq;
	struct chat_result res;
	struct client_watch *watch;
	int slot_fd;
	char session_id[40];   /* a fresh id for a stream without one */
	int gone;              /* the client went away during a stream */
	/* the surface's words for a tool result that answers no call (set
	 * before turn_http_prepare_or_reply(); NULL: chat completions' own,
	 * "messages[i].tool_call_id"): what names the field in the message,
	 * call_param is the error's param ("" for none) */
	const char *call_what, *call_param;
};

/* Zero t for a request (no slot held yet). */
void turn_http_init(struct turn_http *t);

/*
 * Read the body (capped by HUB_MAX_BODY_BYTES) into *body (malloc'd,
 * caller frees) and *len, and the X-Session-ID header into *sid (NULL
 * when absent). Answers the error itself: 0, or -1 when answered.
 */
int turn_http_read_or_reply(struct http_request *req, char **body, size_t *len, const char **sid);

/*
 * Fill the request fields of c from the parsed p (borrowed: c points into
 * it) for session sid (may be NULL) and req: the client key as owner, the
 * time it arrived; store: 0 keeps the exchange out of the session. Sets no
 * other field (io, slot_fd); frees nothing.
 */
void turn_http_fill_request(struct chat_request *c, const struct chat_params *p, const char *sid,
    const struct http_request *req, int store);

/*
 * Fill t->creq from the parsed p (borrowed until turn_http_end()) for
 * session sid (may be NULL), start watching the client, and route and
 * check the turn (chat_prepare()); store: 0 keeps the exchange out of
 * the session. Answers the error itself: 0, or -1 when answered. Call
 * turn_http_end() in both cases.
 */
int turn_http_prepare_or_reply(struct turn_http *t, struct http_request *req,
    const struct chat_params *p, const char *sid, int store);

/* The model name to answer with: the request's, else the provider's
 * default, else its name. */
const char *turn_http_model(const struct turn_http *t);

/*
 * Start the event stream: a host slot (a 429 before the headers when
 * full), a session id for a request without one, the headers with
 * X-Session-ID. Answers the error itself: 0, or -1 when answered. The
 * caller then sets t->creq.io's callbacks (arg its own) and runs.
 */
int turn_http_stream_or_reply(struct turn_http *t);

/* Send one server-sent event "event: NAME\ndata: JSON\n\n" (event NULL:
 * data only) and flush. Takes o. 0, or -1 with t->gone set. */
int turn_http_send_event(struct turn_http *t, const char *event, struct json_object *o);

/* A provider_stream on_idle that writes a keep-alive comment; arg is the
 * struct turn_http. */
int turn_http_on_idle(void *arg);

/* Put t->res's error in the surface's words (t->call_what): a tool result
 * that answers no call is named as the surface names it. Idempotent. */
void turn_http_surface_error(struct turn_http *t);

/* Answer t->res's error (before any byte went out), with Retry-After for
 * rate limits and busy sessions, in req's surface's envelope and words. */
void turn_http_send_result_error(struct turn_http *t);

/* The session id of the turn, for the X-Session-ID header line into out. */
void turn_http_session_header(const struct turn_http *t, char *out, size_t len);

/* End the answer (http_request_end(): the client has it first), then
 * release what the turn holds (the watch, the slot, the result: the
 * turn's after-work runs in chat_result_free()). */
void turn_http_end(struct turn_http *t);

#endif
