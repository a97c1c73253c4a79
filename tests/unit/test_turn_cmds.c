/*
 * test_turn_cmds.c - the commands of a stored turn and the readers of
 * their replies (session_turn_*, plan_state_gate_*, token_status_record_*,
 * provider_stats_end_build), without a Redis: every key of the turn
 * script shares the owner's hash tag, and every answer maps to its error.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "session/plan_state.h"
#include "session/provider_stats.h"
#include "session/session.h"
#include "session/token_status.h"
#include "tap.h"

/* Reply builders (freed with redis_reply_free()). */
static struct redis_reply *
str_reply(enum redis_type type, const char *s)
{
	struct redis_reply *r = calloc(1, sizeof(*r));

	r->type = type;
	if (s != NULL) {
		r->str = strdup(s);
		r->len = strlen(s);
	}
	return r;
}

static struct redis_reply *
array_reply(size_t n, ...)
{
	struct redis_reply *r = calloc(1, sizeof(*r));
	va_list ap;
	size_t i;

	r->type = REDIS_T_ARRAY;
	r->elements = n;
	r->element = calloc(n > 0 ? n : 1, sizeof(*r->element));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		r->element[i] = va_arg(ap, struct redis_reply *);
	va_end(ap);
	return r;
}

#define S(x) str_reply(REDIS_T_STRING, (x))

/* The hash tag of key k ("{...}"), into out. */
static const char *
tag_of(const char *k, char *out, size_t len)
{
	const char *a = strchr(k, '{'), *b = a ? strchr(a, '}') : NULL;

	snprintf(out, len, "%.*s", a && b ? (int)(b - a + 1) : 0, a ? a : "");
	return out;
}

/* The begin step's verdict for reply r (taken), with a fresh lock. */
static int
begun_with(struct redis_reply *r, int *locked)
{
	struct session_turn t;
	const struct redis_cmd *cmd;
	struct session *h = NULL;
	int rc;

	session_turn_begin(&t, "s1", "alice", 1, 10000, NULL, 0, 0, &cmd);
	rc = session_turn_begun(&t, r, &h);
	*locked = session_turn_locked(&t);
	t.locked = 0;  /* no Redis here to release it in */
	session_turn_free(&t);
	session_free(h);
	redis_reply_free(r);
	return rc;
}

static void
test_begin_command(void)
{
	struct session_turn t;
	const struct redis_cmd *cmd;
	struct session_new_message m = { .role = "user", .content = "hi" };
	char tag[64], want[64];
	int i;

	is_int(session_turn_begin(&t, "s1", "alice", 1, 10000, &m, 1, 0, &cmd), HUB_OK, "begin builds");
	is_str(cmd->argv[0], "EVAL", "one script");
	ok(strncmp(cmd->argv[1], "-- idempotent", 13) == 0, "marked idempotent (redis.h: sent again after a failover)");
	is_str(cmd->argv[2], "5", "five keys");
	tag_of(cmd->argv[3], want, sizeof(want));
	is_str(want, "{alice}", "the owner's hash tag");
	for (i = 3; i < 8; i++)
		is_str(tag_of(cmd->argv[i], tag, sizeof(tag)), want, "key %d in the same hash slot", i - 2);
	ok(strlen(cmd->argv[8]) >= 16, "a lock token");
	is_str(cmd->argv[8 + 14], "begin", "mode begin");
	is_str(cmd->argv[8 + 8], "2", "the caps count the message and the reply to come");
	is_int(cmd->argc, 8 + 19 + 1, "the message travels with it");
	is_str(cmd->argv[8 + 18], "10000", "the lock's TTL");
	t.locked = 0;
	session_turn_free(&t);

	is_int(session_turn_begin(&t, "s2", NULL, 0, 10000, NULL, 0, 0, &cmd), HUB_OK, "begin, no lock");
	is_str(cmd->argv[8], "", "no token: no lock");
	is_str(tag_of(cmd->argv[3], tag, sizeof(tag)), "{~}", "the anonymous scope");
	is_int(cmd->argc, 8 + 19, "no messages: no caps check");
	session_turn_free(&t);

	is_int(session_turn_begin(&t, "bad id!", "alice", 1, 10000, NULL, 0, 0, &cmd), HUB_ERR_INVALID,
	    "a malformed id is refused");
	ok(cmd == NULL, "and builds nothing");
	session_turn_free(&t);
}

static void
test_begin_replies(void)
{
	struct session_turn t;
	const struct redis_cmd *cmd;
	struct session *h = NULL;
	int locked;

	is_int(begun_with(array_reply(1, S("LOCKED")), &locked), HUB_ERR_CONFLICT, "LOCKED: 409");
	is_int(locked, 0, "and no lock is held");
	is_int(begun_with(array_reply(1, S("SESSION_BYTES")), &locked), HUB_ERR_TOO_LARGE, "session full");
	is_int(begun_with(array_reply(1, S("SESSION_MESSAGES")), &locked), HUB_ERR_TOO_LARGE, "too many messages");
	is_int(begun_with(array_reply(1, S("OWNER_SESSIONS")), &locked), HUB_ERR_QUOTA, "owner's sessions");
	is_int(begun_with(array_reply(1, S("OWNER_BYTES")), &locked), HUB_ERR_STORE_FULL, "owner's bytes");
	is_int(begun_with(str_reply(REDIS_T_ERROR, "OOM command not allowed"), &locked), HUB_ERR_STORE_FULL,
	    "Redis out of memory");
	is_int(begun_with(str_reply(REDIS_T_ERROR, "ERR something"), &locked), HUB_ERR_STORE, "another error");
	is_int(begun_with(NULL, &locked), HUB_ERR_STORE, "not answered");
	is_int(begun_with(array_reply(3, S("OK"), array_reply(0), array_reply(0)), &locked), HUB_OK,
	    "a new session");
	is_int(locked, 1, "locked");

	/* a session with history */
	session_turn_begin(&t, "s1", "alice", 1, 10000, NULL, 0, 0, &cmd);
	{
		struct redis_reply *r = array_reply(3, S("OK"),
		    array_reply(6, S("id"), S("s1"), S("created_at"), S("2026-01-01T00:00:00Z"), S("owner"), S("alice")),
		    array_reply(2, S("{\"role\":\"user\",\"content\":\"one\",\"timestamp\":\"t\"}"),
		    S("{\"role\":\"assistant\",\"content\":\"two\",\"timestamp\":\"t\"}")));

		is_int(session_turn_begun(&t, r, &h), HUB_OK, "history loaded");
		redis_reply_free(r);
	}
	ok(h != NULL && h->n_messages == 2, "both messages");
	if (h != NULL && h->n_messages == 2)
		is_str(h->messages[1].content, "two", "in order");
	session_free(h);
	h = NULL;
	t.locked = 0;
	session_turn_free(&t);

	/* another owner's session (the owner field differs): none */
	session_turn_begin(&t, "s1", "alice", 0, 10000, NULL, 0, 0, &cmd);
	{
		struct redis_reply *r = array_reply(3, S("OK"),
		    array_reply(6, S("id"), S("s1"), S("created_at"), S("t"), S("owner"), S("bob")), array_reply(0));

		is_int(session_turn_begun(&t, r, &h), HUB_OK, "another owner's record");
		ok(h == NULL, "is no history");
		redis_reply_free(r);
	}
	session_turn_free(&t);
}

static void
test_commit(void)
{
	struct session_turn t;
	const struct redis_cmd *cmd;
	struct session_new_message m[2] = { { .role = "user", .content = "hi" },
	    { .role = "assistant", .content = "hello" } };
	struct redis_reply *r;
	int locked;

	session_turn_begin(&t, "s1", "alice", 1, 10000, NULL, 0, 0, &cmd);
	r = array_reply(3, S("OK"), array_reply(0), array_reply(0));
	session_turn_begun(&t, r, &(struct session *){ NULL });
	redis_reply_free(r);
	is_int(session_turn_commit(&t, "claude", "sonnet", m, 2, &cmd), HUB_OK, "commit builds");
	is_str(cmd->argv[8 + 14], "append", "mode append");
	ok(strlen(cmd->argv[8 + 16]) >= 16, "with an exchange id");
	is_int(cmd->argc, 8 + 19 + 2, "both messages");
	ok(strstr(cmd->argv[cmd->argc - 1], "\"provider\":\"claude\"") != NULL, "the reply names its provider");
	ok(strstr(cmd->argv[cmd->argc - 2], "\"provider\"") == NULL, "the user message does not");
	r = S("LOCK_LOST");
	is_int(session_turn_done(&t, r, 0), HUB_ERR_CONFLICT, "the lock was lost: 409, nothing stored");
	redis_reply_free(r);
	is_int(session_turn_locked(&t), 0, "and no lock is held");
	session_turn_free(&t);

	session_turn_begin(&t, "s1", "alice", 1, 10000, NULL, 0, 0, &cmd);
	r = array_reply(3, S("OK"), array_reply(0), array_reply(0));
	session_turn_begun(&t, r, &(struct session *){ NULL });
	redis_reply_free(r);
	session_turn_commit(&t, "claude", "sonnet", m, 2, &cmd);
	is_int(session_turn_done(&t, NULL, 0), HUB_ERR_STORE, "not answered: 503");
	is_int(session_turn_locked(&t), 1, "the lock may still be held: released at the end");
	is_int(session_turn_release(&t, &cmd), HUB_OK, "a release builds");
	is_str(cmd->argv[8 + 14], "unlock", "mode unlock");
	r = S("OK");
	is_int(session_turn_done(&t, r, 0), HUB_OK, "released");
	redis_reply_free(r);
	is_int(session_turn_release(&t, &cmd), HUB_ERR_NOT_FOUND, "nothing more to release");
	session_turn_free(&t);
	is_int(session_turn_commit(&t, "claude", "sonnet", m, 0, &cmd), HUB_ERR_INVALID, "an empty exchange");
	(void)locked;
}

static void
test_riders(void)
{
	struct plan_state_gate_cmd gate;
	struct token_status_cmd tok;
	struct provider_stats_run run;
	struct provider_stats_end_cmds st;
	struct redis_reply *r;
	long long until;
	char sig[64];

	plan_state_gate_build("claude", &gate);
	is_str(gate.cmd.argv[0], "HMGET", "the gate is one read");
	is_str(gate.cmd.argv[1], "hub:plan:claude", "of the provider's record");
	r = array_reply(2, str_reply(REDIS_T_NIL, NULL), str_reply(REDIS_T_NIL, NULL));
	is_int(plan_state_gate_read("claude", r, 1000, 1000, &until, sig, sizeof(sig)), PLAN_GATE_OPEN,
	    "no record: open");
	redis_reply_free(r);
	r = array_reply(2, S("5000"), S("3|sig"));
	is_int(plan_state_gate_read("claude", r, 1000, 1000, &until, sig, sizeof(sig)), PLAN_GATE_CLOSED,
	    "cooling down: closed");
	is_int(until, 5000, "until its end");
	is_str(sig, "3|sig", "the report's signature");
	redis_reply_free(r);
	is_int(plan_state_gate_read("claude", NULL, 1000, 1000, &until, sig, sizeof(sig)), HUB_ERR_STORE,
	    "not answered: the store's error (the gate opens on it)");

	token_status_record_build("claude", 0, NULL, &tok);
	is_str(tok.cmd.argv[3], "hub:token:claude", "the token record");
	r = S("failing");
	is_int(token_status_record_read(&tok, r), TOKEN_RECOVERED, "failing -> ok: recovered");
	redis_reply_free(r);
	r = S("");
	is_int(token_status_record_read(&tok, r), TOKEN_UNCHANGED, "unknown -> ok: unchanged");
	redis_reply_free(r);
	is_int(token_status_record_read(&tok, NULL), HUB_ERR_STORE, "not answered");
	token_status_record_build("claude", 1, "401", &tok);
	r = S("ok");
	is_int(token_status_record_read(&tok, r), TOKEN_STARTED_FAILING, "ok -> failing");
	redis_reply_free(r);

	memset(&run, 0, sizeof(run));
	provider_stats_end_build(&run, HUB_OK, NULL, 5, &st);
	is_int(st.n, 0, "a run never begun records nothing");
	snprintf(run.member, sizeof(run.member), "claude/sonnet");
	snprintf(run.run_id, sizeof(run.run_id), "r1");
	provider_stats_end_build(&run, HUB_OK, NULL, -1, &st);
	is_int(st.n, 5, "a run without text: in flight, count, duration");
	provider_stats_end_build(&run, HUB_OK, NULL, 5, &st);
	is_int(st.n, 8, "with a first token");
	provider_stats_end_build(&run, HUB_ERR_TIMEOUT, "slow", -1, &st);
	is_int(st.n, 7, "a failure: its kind and message");
	is_str(st.cmds[6].argv[3], "slow", "the message");
	is_str(st.cmds[0].argv[0], "ZREM", "the run leaves the in-flight set first");
}

int
main(void)
{
	static struct hub_config cfg;

	cfg.key_prefix = "hub:";
	cfg.session_ttl_s = 3600;
	hub_cfg = &cfg;
	test_begin_command();
	test_begin_replies();
	test_commit();
	test_riders();
	return tap_done();
}
