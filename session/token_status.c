/*
 * token_status.c - provider credential health in Redis.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_time.h"
#include "redis.h"
#include "token_status.h"

/* Sets the new state and answers the previous one, atomically. */
static const char token_status_script[] =
	"local prev = redis.call('HGET', KEYS[1], 'state') "
	"if ARGV[1] == 'failing' then "
	"  redis.call('HSET', KEYS[1], 'state', 'failing', 'last_failure_at', ARGV[2], 'last_failure_message', ARGV[3]) "
	"else "
	"  redis.call('HSET', KEYS[1], 'state', 'ok', 'last_success_at', ARGV[2]) "
	"end "
	"return prev or ''";

/* Claims the alert for a state change: the state an alert was last sent
 * for ("alerted", ok when none) is moved to the current state; the one
 * caller that moves it sends the alert. */
static const char token_alert_script[] =
	"local st = redis.call('HGET', KEYS[1], 'state') "
	"if not st then return '' end "
	"local al = redis.call('HGET', KEYS[1], 'alerted') or 'ok' "
	"if st == al then return '' end "
	"redis.call('HSET', KEYS[1], 'alerted', st) "
	"return st";

static void
token_status_key(char *out, size_t len, const char *provider)
{
	snprintf(out, len, "%stoken:%s", hub_cfg->key_prefix, provider);
}

void
token_status_record_build(const char *provider, int failing, const char *message,
    struct token_status_cmd *c)
{
	memset(c, 0, sizeof(*c));
	token_status_key(c->key, sizeof(c->key), provider);
	snprintf(c->now, sizeof(c->now), "%lld", hub_time_wall_ms());
	c->failing = failing;
	c->argv[0] = "EVAL";
	c->argv[1] = token_status_script;
	c->argv[2] = "1";
	c->argv[3] = c->key;
	c->argv[4] = failing ? "failing" : "ok";
	c->argv[5] = c->now;
	c->argv[6] = message != NULL ? message : "";
	c->cmd = (struct redis_cmd){ 7, c->argv, NULL };
}

int
token_status_record_read(const struct token_status_cmd *c, const struct redis_reply *r)
{
	int was_failing;

	if (r == NULL || r->type != REDIS_T_STRING)
		return HUB_ERR_STORE;
	was_failing = strcmp(r->str, "failing") == 0;
	if (c->failing && !was_failing)
		return TOKEN_STARTED_FAILING;
	if (!c->failing && was_failing)
		return TOKEN_RECOVERED;
	return TOKEN_UNCHANGED;
}

int
token_status_record(const char *provider, int failing, const char *message)
{
	struct token_status_cmd c;
	struct redis_reply *r;
	int rc;

	token_status_record_build(provider, failing, message, &c);
	if ((rc = redis_command(&r, c.cmd.argc, c.cmd.argv, NULL)) != HUB_OK)
		return rc;
	rc = token_status_record_read(&c, r);
	redis_reply_free(r);
	return rc;
}

int
token_status_claim_alert(const char *provider)
{
	char key[256];
	const char *argv[] = { "EVAL", token_alert_script, "1", key };
	struct redis_reply *r;
	int rc;

	token_status_key(key, sizeof(key), provider);
	if ((rc = redis_command(&r, 4, argv, NULL)) != HUB_OK)
		return rc;
	rc = r->type != REDIS_T_STRING ? HUB_ERR_STORE :
	    strcmp(r->str, "failing") == 0 ? TOKEN_STARTED_FAILING :
	    strcmp(r->str, "ok") == 0 ? TOKEN_RECOVERED : TOKEN_UNCHANGED;
	redis_reply_free(r);
	return rc;
}

int
token_status_seen(const char *provider, const char *fingerprint)
{
	char key[256], field[128], now[24];
	const char *argv[] = { "HSETNX", key, field, now };
	struct redis_reply *r;
	int rc;

	token_status_key(key, sizeof(key), provider);
	snprintf(field, sizeof(field), "seen:%s", fingerprint);
	snprintf(now, sizeof(now), "%lld", hub_time_wall_ms());
	if ((rc = redis_command(&r, 4, argv, NULL)) != HUB_OK)
		return rc;
	redis_reply_free(r);
	return HUB_OK;
}

int
token_status_claim_event(const char *provider, const char *event, long ttl_s)
{
	char key[384], ttl[24];
	const char *argv[] = { "SET", key, "1", "NX", "EX", ttl };
	struct redis_reply *r;
	int rc;

	snprintf(key, sizeof(key), "%stoken-event:%s:%s", hub_cfg->key_prefix, provider, event);
	snprintf(ttl, sizeof(ttl), "%ld", ttl_s > 0 ? ttl_s : 1);
	if ((rc = redis_command(&r, 6, argv, NULL)) != HUB_OK)
		return rc;
	rc = r->type == REDIS_T_STATUS ? 1 : r->type == REDIS_T_NIL ? 0 : HUB_ERR_STORE;
	redis_reply_free(r);
	return rc;
}

/* Set field k of the struct token_status at arg to v (redis_hash_field_fn). */
static void
token_status_field(void *arg, const char *k, const char *v)
{
	struct token_status *out = arg;

	if (strcmp(k, "state") == 0)
		out->failing = strcmp(v, "failing") == 0;
	else if (strcmp(k, "last_success_at") == 0)
		out->last_success_ms = strtoll(v, NULL, 10);
	else if (strcmp(k, "last_failure_at") == 0)
		out->last_failure_ms = strtoll(v, NULL, 10);
	else if (strcmp(k, "last_failure_message") == 0)
		snprintf(out->last_failure_message, sizeof(out->last_failure_message), "%s", v);
	else if (strncmp(k, "seen:", 5) == 0 &&
	    (out->first_seen_ms == 0 || strtoll(v, NULL, 10) < out->first_seen_ms))
		out->first_seen_ms = strtoll(v, NULL, 10);
}

int
token_status_get(const char *provider, struct token_status *out)
{
	char key[256];
	int rc;

	memset(out, 0, sizeof(*out));
	token_status_key(key, sizeof(key), provider);
	if ((rc = redis_hash_get(key, token_status_field, out)) < 0)
		return rc;
	out->known = rc > 0;
	return HUB_OK;
}
