/*
 * chat.h - one chat turn: session history in, provider reply out, exchange
 * stored. Shared by the HTTP chat endpoint and the MCP chat tool.
 *
 * chat_run() picks the provider (request's provider, else the model's),
 * takes the session's lock (a second request on a busy session gets
 * HUB_ERR_CONFLICT at once rather than waiting; the lock lives seconds and
 * is renewed while the run lives, so a dead holder frees it soon), loads
 * the history, refuses a turn the storage caps would refuse, runs the
 * provider with history + the request's messages, and on success appends
 * the request's messages and the reply as one atomic, fenced step (only
 * while the lock is still this run's) that also releases the lock. It
 * returns 0 only once the append is acknowledged: callers answer after
 * it, so what was answered is stored. A failed or abandoned call appends
 * nothing. Provider token health (authentication failures and successes)
 * is recorded for /health/tokens.
 *
 * Redis round trips of a stored turn: 3 (one in chat_prepare(): the plan
 * gate's read, the lock, the caps check and the history load; one as the
 * run starts: its statistics; one after it: the append with the unlock,
 * the statistics and the token record). What is not needed for the answer
 * (the plan-state report, alerts, log lines) is left to
 * chat_result_free(): callers answer first, then free.
 *
 * Tool turns: a tool message must answer a call of an earlier assistant
 * message (of the history or the request), else HUB_ERR_INVALID with
 * param messages[i].tool_call_id. The reply's tool calls are stored with
 * it, as are the tool calls, tool results and images of the request.
 */
#ifndef CHAT_H
#define CHAT_H

#include <stddef.h>

#include "common/hub_limits.h"
#include "providers/provider.h"

struct registry_route;

struct chat_request {
	const char *session_id;        /* NULL: a fresh id is generated */
	const char *owner;             /* client key id, "" when auth is off */
	const char *model;             /* NULL or "": the provider's default */
	const char *provider;          /* NULL: chosen by model */
	const struct provider_msg *messages;  /* this request's messages; the
	                                      * last one "user" or "tool" */
	size_t n_messages;
	/* the client's tools (provider.h), refused with a 400 for a provider
	 * whose ops->has_tools is 0 (as are tool turns and, with has_images
	 * 0, images); tool messages' tool_name is found by chat_run() */
	const struct provider_tool *tools;
	size_t n_tools;
	enum provider_tool_choice tool_choice;
	const char *tool_choice_name;
	int parallel_tool_calls;
	int store;                     /* 0: do not store the exchange (summaries) */
	int stream;                    /* deltas wanted token by token */
	struct provider_stream io;     /* handed to the provider whole; its
	                                * tick is the turn's own (lock renewal) */
	long long received_wall_ms;    /* when the request arrived (Unix ms):
	                                * the user messages' timestamp; 0: now */
	int *slot_fd;                  /* NULL: chat_run() takes the provider's
	                                * concurrency slot itself; else a slot
	                                * from chat_take_slot() the caller holds */
};

struct chat_result {
	char session_id[HUB_MAX_SESSION_ID_LEN + 1];
	const struct provider *provider;      /* NULL when routing failed */
	char model[HUB_MAX_MODEL_LEN + 1];    /* the model reported or asked for */
	struct provider_reply reply;          /* text, usage, err, error_message */
	/* a [route NAME] the request named as its model (NULL: none), and
	 * the target that serves it: its index and "provider:model" */
	const struct registry_route *route;
	size_t route_target;
	char route_target_name[32 + HUB_MAX_MODEL_LEN + 2];
	/* the plan gate (session/plan_state.h) for res->provider */
	int plan_probe;                       /* this turn runs the one probe */
	char plan_sig[160];                   /* the latest report's signature */
	int err;                              /* 0 or a hub_err code */
	char message[HUB_MAX_ERROR_MESSAGE];  /* for the client when err != 0 */
	char param[48];                       /* offending request field, or "" */
	size_t message_count;                 /* the session's messages after the
	                                       * stored exchange; 0 when none was */
	struct chat_turn *turn;               /* private: chat_prepare()'s, for the run */
};

/*
 * Everything of the turn before the run: route, check, the plan gate, and
 * (with X-Session-ID) the session's lock and history, with the storage
 * caps checked for the request and its reply, in one Redis round trip.
 * Returns 0 or the error chat_run() would return for it, with
 * res->message set; lets the HTTP layer answer with a status code before
 * it starts a stream. res->session_id is set on success (a fresh id when
 * req->session_id is NULL: put it in the stream's headers). Whatever it
 * returns, free res with chat_result_free() (which releases a lock taken
 * for a run that never came).
 */
int chat_prepare(const struct chat_request *req, struct chat_result *res);

/*
 * Run the turn. Returns res->err: 0, HUB_ERR_MODEL_NOT_FOUND,
 * HUB_ERR_INVALID, HUB_ERR_DISABLED, HUB_ERR_CONFLICT (another request of
 * the same owner runs on the session, or the lock was lost during the
 * run), HUB_ERR_STORE, HUB_ERR_TOO_LARGE, HUB_ERR_QUOTA,
 * HUB_ERR_STORE_FULL, or the provider's error (see provider.h). Free with chat_result_free().
 */
int chat_run(const struct chat_request *req, struct chat_result *res);

/*
 * Run the turn after a successful chat_prepare() on the same req and res
 * (routed, checked and locked once: res->provider and res->session_id are
 * kept; a caller that set req->session_id to a fresh id of its own since
 * has the turn stored under that id). Returns and frees as chat_run().
 */
int chat_run_prepared(const struct chat_request *req, struct chat_result *res);

/*
 * Take one of the host's concurrency slots for res->provider (after a
 * successful chat_prepare()), so that a full host can be refused before a
 * stream starts. Returns 0 with *slot_fd held (-1 when the provider has no
 * cap), or HUB_ERR_RATE_LIMIT with res->err, res->message and
 * res->reply.retry_after_s set for a 429 with Retry-After. Give it back
 * with chat_release_slot() after chat_run().
 */
int chat_take_slot(struct chat_result *res, int *slot_fd);

/* Give back a slot from chat_take_slot(); sets *slot_fd to -1. */
void chat_release_slot(int *slot_fd);

/*
 * Do what the turn left for after the answer (the plan-state report,
 * token-health logs and alerts; the release of a lock still held), then
 * free what chat_prepare() and chat_run() put in res. Call it after the
 * answer went out. Accepts NULL.
 */
void chat_result_free(struct chat_result *res);

#endif
