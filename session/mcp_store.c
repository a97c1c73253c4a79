/*
 * mcp_store.c - MCP HTTP sessions, SSE queues and cancel flags in Redis.
 *
 * Keys: {prefix}mcp:s:{id}   hash {version, owner, created_at}, HUB_MCP_SESSION_TTL
 *                            refreshed on every use and by an open /sse stream
 *       {prefix}mcp:q:{id}   list of JSON texts for the /sse stream
 *       {prefix}mcp:c:{id}:{request id}   "1" for a minute
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_time.h"
#include "mcp_store.h"
#include "redis.h"
#include "session_id.h"

#define MCP_STORE_QUEUE_TTL_S "300"
#define MCP_STORE_CANCEL_TTL_S "60"
#define MCP_STORE_MAX_QUEUE 1000

/* Build {prefix}mcp:{kind}:{id}[:{extra}] into key. */
static void
mcp_store_key(char *key, size_t keylen, const char *kind, const char *id, const char *extra)
{
	snprintf(key, keylen, "%smcp:%s:%s%s%s", hub_cfg->key_prefix, kind, id,
	    extra ? ":" : "", extra ? extra : "");
}

int
mcp_store_create(const char *version, const char *owner, char *id, size_t idlen)
{
	struct redis_reply *r[2] = { NULL, NULL };
	char key[256], ttl[32], now[40];
	const char *hset[] = { "HSET", key, "version", version, "owner", owner, "created_at", now };
	const char *expire[] = { "EXPIRE", key, ttl };
	struct redis_cmd cmds[2] = { { 8, hset, NULL }, { 3, expire, NULL } };
	int rc;

	if (session_id_generate(id, idlen) != HUB_OK)
		return HUB_ERR_SYSTEM;
	mcp_store_key(key, sizeof(key), "s", id, NULL);
	snprintf(ttl, sizeof(ttl), "%ld", hub_cfg->mcp_session_ttl_s);
	hub_time_iso8601(hub_time_wall_ms(), now, sizeof(now));
	rc = redis_pipeline(r, 2, cmds);
	if (rc == HUB_OK && (r[0]->type == REDIS_T_ERROR || r[1]->type == REDIS_T_ERROR))
		rc = HUB_ERR_STORE;
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	return rc;
}

int
mcp_store_get(const char *id, char *version, size_t versionlen, char *owner, size_t ownerlen)
{
	struct redis_reply *r[2] = { NULL, NULL };
	char key[256], ttl[32];
	const char *hmget[] = { "HMGET", key, "version", "owner" };
	const char *expire[] = { "EXPIRE", key, ttl };
	struct redis_cmd cmds[2] = { { 4, hmget, NULL }, { 3, expire, NULL } };
	int rc;

	if (!session_id_valid(id))
		return HUB_ERR_NOT_FOUND;
	mcp_store_key(key, sizeof(key), "s", id, NULL);
	snprintf(ttl, sizeof(ttl), "%ld", hub_cfg->mcp_session_ttl_s);
	if ((rc = redis_pipeline(r, 2, cmds)) != HUB_OK)
		return rc;
	if (r[0]->type != REDIS_T_ARRAY || r[0]->elements != 2)
		rc = HUB_ERR_STORE;
	else if (r[0]->element[0]->type != REDIS_T_STRING)
		rc = HUB_ERR_NOT_FOUND;
	else {
		snprintf(version, versionlen, "%s", r[0]->element[0]->str);
		snprintf(owner, ownerlen, "%s", r[0]->element[1]->type == REDIS_T_STRING ?
		    r[0]->element[1]->str : "");
	}
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	return rc;
}

int
mcp_store_set_version(const char *id, const char *version)
{
	struct redis_reply *r = NULL;
	char key[256];
	const char *hset[] = { "HSET", key, "version", version };
	const char *exists[] = { "EXISTS", key };
	int rc;

	if (!session_id_valid(id))
		return HUB_ERR_NOT_FOUND;
	mcp_store_key(key, sizeof(key), "s", id, NULL);
	if ((rc = redis_command(&r, 2, exists, NULL)) != HUB_OK)
		return rc;
	rc = r->type == REDIS_T_INTEGER && r->integer > 0 ? HUB_OK : HUB_ERR_NOT_FOUND;
	redis_reply_free(r);
	if (rc != HUB_OK)
		return rc;
	if ((rc = redis_command(&r, 4, hset, NULL)) == HUB_OK && r->type == REDIS_T_ERROR)
		rc = HUB_ERR_STORE;
	redis_reply_free(r);
	return rc;
}

int
mcp_store_delete(const char *id)
{
	struct redis_reply *r = NULL;
	char key[256], qkey[256];
	const char *del[] = { "DEL", key, qkey };
	int rc;

	if (!session_id_valid(id))
		return HUB_ERR_NOT_FOUND;
	mcp_store_key(key, sizeof(key), "s", id, NULL);
	mcp_store_key(qkey, sizeof(qkey), "q", id, NULL);
	if ((rc = redis_command(&r, 3, del, NULL)) != HUB_OK)
		return rc;
	if (r->type != REDIS_T_INTEGER)
		rc = HUB_ERR_STORE;
	else if (r->integer == 0)
		rc = HUB_ERR_NOT_FOUND;
	redis_reply_free(r);
	return rc;
}

int
mcp_store_push(const char *id, const char *json, size_t len)
{
	struct redis_reply *r[3] = { NULL, NULL, NULL };
	char key[256], keep[32];
	const char *rpush[] = { "RPUSH", key, json };
	size_t rpush_len[] = { 5, 0, len };
	const char *ltrim[] = { "LTRIM", key, keep, "-1" };
	const char *expire[] = { "EXPIRE", key, MCP_STORE_QUEUE_TTL_S };
	struct redis_cmd cmds[3] = { { 3, rpush, rpush_len }, { 4, ltrim, NULL }, { 3, expire, NULL } };
	int rc;

	mcp_store_key(key, sizeof(key), "q", id, NULL);
	rpush_len[1] = strlen(key);
	snprintf(keep, sizeof(keep), "-%d", MCP_STORE_MAX_QUEUE);
	rc = redis_pipeline(r, 3, cmds);
	if (rc == HUB_OK && r[0]->type == REDIS_T_ERROR)
		rc = HUB_ERR_STORE;
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	redis_reply_free(r[2]);
	return rc;
}

int
mcp_store_pop(const char *id, long timeout_ms, char **json)
{
	struct redis_reply *r = NULL;
	char key[256], skey[256], timeout[32], ttl[32];
	const char *blpop[] = { "BLPOP", key, timeout };
	const char *expire[] = { "EXPIRE", skey, ttl };
	int rc;

	*json = NULL;
	mcp_store_key(key, sizeof(key), "q", id, NULL);
	/* the stream is alive: so is its session record */
	mcp_store_key(skey, sizeof(skey), "s", id, NULL);
	snprintf(ttl, sizeof(ttl), "%ld", hub_cfg->mcp_session_ttl_s);
	if ((rc = redis_command(&r, 3, expire, NULL)) != HUB_OK)
		return rc;
	redis_reply_free(r);
	r = NULL;
	snprintf(timeout, sizeof(timeout), "%.3f", (double)timeout_ms / 1000.0);
	if ((rc = redis_command_blocking(&r, 3, blpop, NULL, timeout_ms)) != HUB_OK)
		return rc;
	if (r->type == REDIS_T_ARRAY && r->elements == 2 && r->element[1]->type == REDIS_T_STRING) {
		if ((*json = malloc(r->element[1]->len + 1)) == NULL)
			rc = HUB_ERR_NOMEM;
		else {
			memcpy(*json, r->element[1]->str, r->element[1]->len);
			(*json)[r->element[1]->len] = '\0';
		}
	} else if (r->type == REDIS_T_ERROR) {
		rc = HUB_ERR_STORE;
	}
	redis_reply_free(r);
	return rc;
}

int
mcp_store_cancel(const char *id, const char *request_id)
{
	struct redis_reply *r = NULL;
	char key[512];
	const char *set[] = { "SET", key, "1", "EX", MCP_STORE_CANCEL_TTL_S };
	int rc;

	mcp_store_key(key, sizeof(key), "c", id, request_id);
	rc = redis_command(&r, 5, set, NULL);
	redis_reply_free(r);
	return rc;
}

int
mcp_store_is_cancelled(const char *id, const char *request_id)
{
	struct redis_reply *r = NULL;
	char key[512];
	const char *exists[] = { "EXISTS", key };
	int yes = 0;

	mcp_store_key(key, sizeof(key), "c", id, request_id);
	if (redis_command(&r, 2, exists, NULL) == HUB_OK)
		yes = r->type == REDIS_T_INTEGER && r->integer > 0;
	redis_reply_free(r);
	return yes;
}
