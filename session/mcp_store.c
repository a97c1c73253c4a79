/*
 * mcp_store.c - MCP HTTP sessions, SSE queues and cancel flags in Redis.
 *
 * Keys (scope: the owner's key id, or "~"; see session_key.h):
 *       {prefix}mcp:s:{scope}:{id}   hash {version, owner, created_at, [log_level],
 *                                    [sub:{uri}]...}, HUB_MCP_SESSION_TTL
 *                                    refreshed on every use and by an open /sse stream
 *       {prefix}mcp:q:{scope}:{id}   list of JSON texts for the /sse stream
 *       {prefix}mcp:c:{scope}:{id}:{request id}   "1" for a minute
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_limits.h"
#include "common/hub_time.h"
#include "mcp_store.h"
#include "redis.h"
#include "session_id.h"
#include "session_key.h"

#define MCP_STORE_QUEUE_TTL_S "300"
#define MCP_STORE_CANCEL_TTL_S "60"
#define MCP_STORE_MAX_QUEUE 1000
/* prefix (<= 64) + "mcp:x:" + scope + ":" + id, with room to spare */
#define MCP_STORE_KEY_MAX (HUB_MAX_SESSION_ID_LEN + HUB_MAX_CLIENT_KEY_ID_LEN + 160)
/* a request id's JSON text in a cancel flag's key */
#define MCP_STORE_MAX_REQUEST_ID 256

/* Build {prefix}mcp:{kind}:{scope}:{id}[:{extra}] into key; 0 or HUB_ERR_TOO_LARGE. */
static int
mcp_store_key(char *key, size_t keylen, const char *kind, const char *owner, const char *id,
    const char *extra)
{
	char k[16], suffix[MCP_STORE_MAX_REQUEST_ID + 2];

	snprintf(k, sizeof(k), "mcp:%s", kind);
	if (extra != NULL && strlen(extra) > MCP_STORE_MAX_REQUEST_ID)
		return HUB_ERR_TOO_LARGE;
	snprintf(suffix, sizeof(suffix), "%s%s", extra ? ":" : "", extra ? extra : "");
	return session_key_build(key, keylen, k, owner, id, suffix);
}

int
mcp_store_queue_key(const char *id, const char *owner, char *key, size_t keylen)
{
	return mcp_store_key(key, keylen, "q", owner, id, NULL);
}

int
mcp_store_record_key(const char *id, const char *owner, char *key, size_t keylen)
{
	return mcp_store_key(key, keylen, "s", owner, id, NULL);
}

int
mcp_store_create(const char *version, const char *owner, char *id, size_t idlen)
{
	struct redis_reply *r[2] = { NULL, NULL };
	char key[MCP_STORE_KEY_MAX], ttl[32], now[40];
	const char *hset[] = { "HSET", key, "version", version, "owner", owner, "created_at", now };
	const char *expire[] = { "EXPIRE", key, ttl };
	struct redis_cmd cmds[2] = { { 8, hset, NULL }, { 3, expire, NULL } };
	int rc;

	if (session_id_generate(id, idlen) != HUB_OK)
		return HUB_ERR_SYSTEM;
	mcp_store_key(key, sizeof(key), "s", owner, id, NULL);
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
mcp_store_get(const char *id, const char *owner, char *version, size_t versionlen)
{
	struct redis_reply *r[2] = { NULL, NULL };
	char key[MCP_STORE_KEY_MAX], ttl[32];
	const char *hmget[] = { "HMGET", key, "version", "owner" };
	const char *expire[] = { "EXPIRE", key, ttl };
	struct redis_cmd cmds[2] = { { 4, hmget, NULL }, { 3, expire, NULL } };
	int rc;

	if (!session_id_valid(id))
		return HUB_ERR_NOT_FOUND;
	mcp_store_key(key, sizeof(key), "s", owner, id, NULL);
	snprintf(ttl, sizeof(ttl), "%ld", hub_cfg->mcp_session_ttl_s);
	if ((rc = redis_pipeline(r, 2, cmds)) != HUB_OK)
		return rc;
	if (r[0]->type != REDIS_T_ARRAY || r[0]->elements != 2)
		rc = HUB_ERR_STORE;
	else if (r[0]->element[0]->type != REDIS_T_STRING)
		rc = HUB_ERR_NOT_FOUND;
	else if (strcmp(r[0]->element[1]->type == REDIS_T_STRING ? r[0]->element[1]->str : "",
	    owner != NULL ? owner : "") != 0)
		rc = HUB_ERR_NOT_FOUND;   /* the key holds the owner; the field is a second check */
	else
		snprintf(version, versionlen, "%s", r[0]->element[0]->str);
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	return rc;
}

int
mcp_store_set_version(const char *id, const char *owner, const char *version)
{
	struct redis_reply *r = NULL;
	char key[MCP_STORE_KEY_MAX];
	const char *hset[] = { "HSET", key, "version", version };
	const char *exists[] = { "EXISTS", key };
	int rc;

	if (!session_id_valid(id))
		return HUB_ERR_NOT_FOUND;
	mcp_store_key(key, sizeof(key), "s", owner, id, NULL);
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

#define MCP_STORE_MAX_FIELD 600

int
mcp_store_set_field(const char *id, const char *owner, const char *field, const char *value)
{
	struct redis_reply *r = NULL;
	char key[MCP_STORE_KEY_MAX];
	const char *hset[] = { "HSET", key, field, value };
	const char *hdel[] = { "HDEL", key, field };
	int rc;

	if (!session_id_valid(id))
		return HUB_ERR_NOT_FOUND;
	if (strlen(field) > MCP_STORE_MAX_FIELD)
		return HUB_ERR_TOO_LARGE;
	mcp_store_key(key, sizeof(key), "s", owner, id, NULL);
	if (value != NULL)
		rc = redis_command(&r, 4, hset, NULL);
	else
		rc = redis_command(&r, 3, hdel, NULL);
	if (rc == HUB_OK && r->type == REDIS_T_ERROR)
		rc = HUB_ERR_STORE;
	redis_reply_free(r);
	return rc;
}

int
mcp_store_get_field(const char *id, const char *owner, const char *field, char *out, size_t outlen)
{
	struct redis_reply *r = NULL;
	char key[MCP_STORE_KEY_MAX];
	const char *hget[] = { "HGET", key, field };
	int rc;

	if (!session_id_valid(id) || strlen(field) > MCP_STORE_MAX_FIELD)
		return 0;
	mcp_store_key(key, sizeof(key), "s", owner, id, NULL);
	if ((rc = redis_command(&r, 3, hget, NULL)) != HUB_OK)
		return rc;
	if (r->type == REDIS_T_STRING) {
		snprintf(out, outlen, "%s", r->str);
		rc = 1;
	} else {
		rc = r->type == REDIS_T_NIL ? 0 : HUB_ERR_STORE;
	}
	redis_reply_free(r);
	return rc;
}

int
mcp_store_delete(const char *id, const char *owner)
{
	struct redis_reply *r = NULL;
	char key[MCP_STORE_KEY_MAX], qkey[MCP_STORE_KEY_MAX];
	const char *del[] = { "DEL", key, qkey };
	int rc;

	if (!session_id_valid(id))
		return HUB_ERR_NOT_FOUND;
	mcp_store_key(key, sizeof(key), "s", owner, id, NULL);
	mcp_store_key(qkey, sizeof(qkey), "q", owner, id, NULL);
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
mcp_store_push(const char *id, const char *owner, const char *json, size_t len)
{
	struct redis_reply *r[3] = { NULL, NULL, NULL };
	char key[MCP_STORE_KEY_MAX], keep[32];
	const char *rpush[] = { "RPUSH", key, json };
	size_t rpush_len[] = { 5, 0, len };
	const char *ltrim[] = { "LTRIM", key, keep, "-1" };
	const char *expire[] = { "EXPIRE", key, MCP_STORE_QUEUE_TTL_S };
	struct redis_cmd cmds[3] = { { 3, rpush, rpush_len }, { 4, ltrim, NULL }, { 3, expire, NULL } };
	int rc;

	if (!session_id_valid(id))
		return HUB_ERR_NOT_FOUND;
	mcp_store_key(key, sizeof(key), "q", owner, id, NULL);
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
mcp_store_cancel(const char *id, const char *owner, const char *request_id)
{
	struct redis_reply *r = NULL;
	char key[MCP_STORE_KEY_MAX + MCP_STORE_MAX_REQUEST_ID];
	const char *set[] = { "SET", key, "1", "EX", MCP_STORE_CANCEL_TTL_S };
	int rc;

	if (mcp_store_key(key, sizeof(key), "c", owner, id, request_id) != HUB_OK)
		return HUB_ERR_TOO_LARGE;
	rc = redis_command(&r, 5, set, NULL);
	redis_reply_free(r);
	return rc;
}

int
mcp_store_is_cancelled(const char *id, const char *owner, const char *request_id)
{
	struct redis_reply *r = NULL;
	char key[MCP_STORE_KEY_MAX + MCP_STORE_MAX_REQUEST_ID];
	const char *exists[] = { "EXISTS", key };
	int yes = 0;

	if (mcp_store_key(key, sizeof(key), "c", owner, id, request_id) != HUB_OK)
		return 0;
	if (redis_command(&r, 2, exists, NULL) == HUB_OK)
		yes = r->type == REDIS_T_INTEGER && r->integer > 0;
	redis_reply_free(r);
	return yes;
}
