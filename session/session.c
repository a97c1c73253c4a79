/*
 * session.c - conversations in Redis: metadata hash, message list, owner index,
 * all under the owner's scope (session_key.h).
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_time.h"
#include "redis.h"
#include "session.h"
#include "session_id.h"
#include "session_key.h"

/* prefix (<= 64) + "sess:" + scope + ":" + id + ":lock", with room to spare */
#define SESSION_KEY_MAX (HUB_MAX_SESSION_ID_LEN + HUB_MAX_CLIENT_KEY_ID_LEN + 160)

/* The metadata key of owner's session id. */
static void
session_meta_key(char *out, size_t len, const char *owner, const char *id)
{
	(void)session_key_build(out, len, "sess", owner, id, NULL);
}

/* The message list key of owner's session id. */
static void
session_list_key(char *out, size_t len, const char *owner, const char *id)
{
	(void)session_key_build(out, len, "sess", owner, id, ":m");
}

/* The request lock key of owner's session id. */
static void
session_lock_key(char *out, size_t len, const char *owner, const char *id)
{
	(void)session_key_build(out, len, "sess", owner, id, ":lock");
}

/* The per-owner index key. */
static void
session_index_key(char *out, size_t len, const char *owner)
{
	(void)session_key_build(out, len, "idx", owner, NULL, NULL);
}

static char *
session_strdup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
session_meta_clear(struct session_meta *m)
{
	free(m->id);
	free(m->created_at);
	free(m->updated_at);
	free(m->provider);
	free(m->model);
	free(m->owner);
	memset(m, 0, sizeof(*m));
}

/* Fill m from an HGETALL reply; HUB_ERR_NOT_FOUND when it is empty. */
static int
session_meta_from_reply(const struct redis_reply *r, struct session_meta *m)
{
	size_t i;
	const char *k, *v;
	char **slot;

	memset(m, 0, sizeof(*m));
	if (r->type != REDIS_T_ARRAY)
		return HUB_ERR_STORE;
	if (r->elements == 0)
		return HUB_ERR_NOT_FOUND;
	for (i = 0; i + 1 < r->elements; i += 2) {
		k = r->element[i]->str;
		v = r->element[i + 1]->str;
		if (k == NULL || v == NULL)
			continue;
		slot = NULL;
		if (strcmp(k, "id") == 0)
			slot = &m->id;
		else if (strcmp(k, "created_at") == 0)
			slot = &m->created_at;
		else if (strcmp(k, "updated_at") == 0)
			slot = &m->updated_at;
		else if (strcmp(k, "provider") == 0)
			slot = &m->provider;
		else if (strcmp(k, "model") == 0)
			slot = &m->model;
		else if (strcmp(k, "owner") == 0)
			slot = &m->owner;
		else if (strcmp(k, "message_count") == 0)
			m->message_count = strtol(v, NULL, 10);
		if (slot != NULL) {
			free(*slot);
			if ((*slot = strdup(v)) == NULL) {
				session_meta_clear(m);
				return HUB_ERR_NOMEM;
			}
		}
	}
	if (m->id == NULL || m->created_at == NULL) {
		/* a hash without its identity is a leftover, not a session */
		session_meta_clear(m);
		return HUB_ERR_NOT_FOUND;
	}
	if (m->owner == NULL && (m->owner = strdup("")) == NULL) {
		session_meta_clear(m);
		return HUB_ERR_NOMEM;
	}
	if (m->updated_at == NULL && (m->updated_at = strdup(m->created_at)) == NULL) {
		session_meta_clear(m);
		return HUB_ERR_NOMEM;
	}
	return HUB_OK;
}

/* Decode one stored message. */
static int
session_message_from_json(const char *s, size_t len, struct session_message *m)
{
	struct json_object *o = NULL;
	char err[128];
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = hub_json_parse(s, len, &o, err, sizeof(err))) != HUB_OK)
		return HUB_ERR_STORE;
	m->role = session_strdup_or_null(hub_json_get_string(o, "role"));
	m->content = session_strdup_or_null(hub_json_get_string(o, "content"));
	m->timestamp = session_strdup_or_null(hub_json_get_string(o, "timestamp"));
	m->provider = session_strdup_or_null(hub_json_get_string(o, "provider"));
	m->model = session_strdup_or_null(hub_json_get_string(o, "model"));
	json_object_put(o);
	if (m->role == NULL || m->content == NULL) {
		free(m->role);
		free(m->content);
		free(m->timestamp);
		free(m->provider);
		free(m->model);
		memset(m, 0, sizeof(*m));
		return HUB_ERR_STORE;
	}
	return HUB_OK;
}

static int
session_owner_matches(const struct session_meta *m, const char *owner)
{
	/* the key already holds the owner; the field is a second check */
	return strcmp(m->owner != NULL ? m->owner : "", owner != NULL ? owner : "") == 0;
}

int
session_load(const char *id, const char *owner, int with_messages, struct session **out)
{
	char mkey[SESSION_KEY_MAX], lkey[SESSION_KEY_MAX];
	const char *hget[] = { "HGETALL", mkey };
	const char *lrange[] = { "LRANGE", lkey, "0", "-1" };
	struct redis_cmd cmds[2] = { { 2, hget, NULL }, { 4, lrange, NULL } };
	struct redis_reply *r[2] = { NULL, NULL };
	struct session *s = NULL;
	struct redis_reply *list;
	size_t i;
	int rc;

	*out = NULL;
	if (!session_id_valid(id))
		return HUB_ERR_INVALID;
	session_meta_key(mkey, sizeof(mkey), owner, id);
	session_list_key(lkey, sizeof(lkey), owner, id);
	if ((rc = redis_pipeline(r, with_messages ? 2 : 1, cmds)) != HUB_OK)
		return rc;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		rc = HUB_ERR_NOMEM;
		goto out;
	}
	if ((rc = session_meta_from_reply(r[0], &s->meta)) != HUB_OK)
		goto out;
	if (!session_owner_matches(&s->meta, owner)) {
		rc = HUB_ERR_NOT_FOUND;
		goto out;
	}
	if (with_messages) {
		list = r[1];
		if (list->type != REDIS_T_ARRAY) {
			rc = HUB_ERR_STORE;
			goto out;
		}
		if (list->elements > 0 &&
		    (s->messages = calloc(list->elements, sizeof(*s->messages))) == NULL) {
			rc = HUB_ERR_NOMEM;
			goto out;
		}
		for (i = 0; i < list->elements; i++) {
			if (list->element[i]->str == NULL)
				continue;
			if (session_message_from_json(list->element[i]->str, list->element[i]->len,
			    &s->messages[s->n_messages]) == HUB_OK)
				s->n_messages++;
		}
	}
	*out = s;
	s = NULL;  /* owned by the caller now */
	rc = HUB_OK;
out:
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	session_free(s);
	return rc;
}

/* Encode one message for the list. The caller frees the returned string. */
static char *
session_message_to_json(const struct session_new_message *m, const char *now,
    const char *provider, const char *model)
{
	struct json_object *o;
	char *s;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "role", json_object_new_string(m->role));
	json_object_object_add(o, "content", json_object_new_string(m->content));
	json_object_object_add(o, "timestamp", json_object_new_string(m->timestamp ? m->timestamp : now));
	if (provider != NULL)
		json_object_object_add(o, "provider", json_object_new_string(provider));
	if (model != NULL)
		json_object_object_add(o, "model", json_object_new_string(model));
	s = strdup(hub_json_compact(o));
	json_object_put(o);
	return s;
}

int
session_append_exchange(const char *id, const char *owner, const char *provider,
    const char *model, const struct session_new_message *msgs, size_t n)
{
	char mkey[SESSION_KEY_MAX], lkey[SESSION_KEY_MAX], ikey[SESSION_KEY_MAX];
	char now[32], ttl[24], count[24], score[32];
	const char *hlen[] = { "HGET", mkey, "message_count" };
	struct redis_reply *r = NULL, **replies = NULL;
	const char **rpush = NULL;
	char **encoded = NULL;
	struct redis_cmd *cmds = NULL;
	size_t i, ncmd = 0;
	long long wall_ms;
	int rc;

	if (!session_id_valid(id) || n == 0 || n > HUB_MAX_MESSAGES)
		return HUB_ERR_INVALID;
	session_meta_key(mkey, sizeof(mkey), owner, id);
	session_list_key(lkey, sizeof(lkey), owner, id);
	session_index_key(ikey, sizeof(ikey), owner);

	if ((rc = redis_command(&r, 3, hlen, NULL)) != HUB_OK)
		return rc;
	if (r->type == REDIS_T_STRING && strtol(r->str, NULL, 10) + (long)n > HUB_MAX_MESSAGES) {
		redis_reply_free(r);
		return HUB_ERR_TOO_LARGE;
	}
	redis_reply_free(r);

	wall_ms = hub_time_wall_ms();
	hub_time_iso8601(wall_ms, now, sizeof(now));
	snprintf(ttl, sizeof(ttl), "%ld", hub_cfg->session_ttl_s);
	snprintf(count, sizeof(count), "%zu", n);
	snprintf(score, sizeof(score), "%lld", wall_ms);

	rc = HUB_ERR_NOMEM;
	if ((encoded = calloc(n, sizeof(*encoded))) == NULL ||
	    (rpush = calloc(n + 2, sizeof(*rpush))) == NULL ||
	    (cmds = calloc(12, sizeof(*cmds))) == NULL ||
	    (replies = calloc(12, sizeof(*replies))) == NULL)
		goto out;
	rpush[0] = "RPUSH";
	rpush[1] = lkey;
	for (i = 0; i < n; i++) {
		if ((encoded[i] = session_message_to_json(&msgs[i], now,
		    strcmp(msgs[i].role, "assistant") == 0 ? provider : NULL,
		    strcmp(msgs[i].role, "assistant") == 0 ? model : NULL)) == NULL)
			goto out;
		rpush[i + 2] = encoded[i];
	}
	{
		static const char *multi[] = { "MULTI" };
		static const char *exec[] = { "EXEC" };
		const char *setnx_id[] = { "HSETNX", mkey, "id", id };
		const char *setnx_created[] = { "HSETNX", mkey, "created_at", now };
		const char *setnx_owner[] = { "HSETNX", mkey, "owner", owner ? owner : "" };
		const char *hset[] = { "HSET", mkey, "updated_at", now,
		    "provider", provider ? provider : "", "model", model ? model : "" };
		const char *incr[] = { "HINCRBY", mkey, "message_count", count };
		const char *exp_meta[] = { "EXPIRE", mkey, ttl };
		const char *exp_list[] = { "EXPIRE", lkey, ttl };
		const char *zadd[] = { "ZADD", ikey, score, id };

		cmds[ncmd++] = (struct redis_cmd){ 1, multi, NULL };
		cmds[ncmd++] = (struct redis_cmd){ 4, setnx_id, NULL };
		cmds[ncmd++] = (struct redis_cmd){ 4, setnx_created, NULL };
		cmds[ncmd++] = (struct redis_cmd){ 4, setnx_owner, NULL };
		cmds[ncmd++] = (struct redis_cmd){ 8, hset, NULL };
		cmds[ncmd++] = (struct redis_cmd){ (int)n + 2, rpush, NULL };
		cmds[ncmd++] = (struct redis_cmd){ 4, incr, NULL };
		cmds[ncmd++] = (struct redis_cmd){ 3, exp_meta, NULL };
		cmds[ncmd++] = (struct redis_cmd){ 3, exp_list, NULL };
		cmds[ncmd++] = (struct redis_cmd){ 4, zadd, NULL };
		cmds[ncmd++] = (struct redis_cmd){ 1, exec, NULL };
		if ((rc = redis_pipeline(replies, ncmd, cmds)) != HUB_OK)
			goto out;
	}
	/* EXEC answers an array when the transaction ran */
	rc = replies[ncmd - 1]->type == REDIS_T_ARRAY ? HUB_OK : HUB_ERR_STORE;
out:
	if (replies != NULL)
		for (i = 0; i < ncmd; i++)
			redis_reply_free(replies[i]);
	if (encoded != NULL)
		for (i = 0; i < n; i++)
			free(encoded[i]);
	free(replies);
	free(cmds);
	free(rpush);
	free(encoded);
	return rc;
}

int
session_delete(const char *id, const char *owner)
{
	char mkey[SESSION_KEY_MAX], lkey[SESSION_KEY_MAX], ikey[SESSION_KEY_MAX];
	const char *del[] = { "DEL", mkey, lkey };
	const char *zrem[] = { "ZREM", ikey, id };
	struct redis_cmd cmds[2] = { { 3, del, NULL }, { 3, zrem, NULL } };
	struct redis_reply *r[2];
	struct session *s = NULL;
	int rc;

	if ((rc = session_load(id, owner, 0, &s)) != HUB_OK)
		return rc;
	session_free(s);
	session_meta_key(mkey, sizeof(mkey), owner, id);
	session_list_key(lkey, sizeof(lkey), owner, id);
	session_index_key(ikey, sizeof(ikey), owner);
	if ((rc = redis_pipeline(r, 2, cmds)) != HUB_OK)
		return rc;
	rc = r[0]->type == REDIS_T_INTEGER && r[0]->integer > 0 ? HUB_OK : HUB_ERR_NOT_FOUND;
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	return rc;
}

int
session_list(const char *owner, const char *cursor, size_t limit,
    struct session_meta **out, size_t *n, char *next_cursor, size_t cursor_len)
{
	char ikey[SESSION_KEY_MAX], max[40], lim[24], *end;
	const char *zr[] = { "ZREVRANGEBYSCORE", ikey, max, "-inf", "WITHSCORES", "LIMIT", "0", lim };
	struct redis_reply *ids = NULL, **metas = NULL;
	struct redis_cmd *cmds = NULL;
	char (*mkeys)[SESSION_KEY_MAX] = NULL;
	const char **hget = NULL;
	struct session_meta *list = NULL;
	size_t i, count = 0, nids;
	long long c;
	int rc;

	*out = NULL;
	*n = 0;
	next_cursor[0] = '\0';
	if (limit == 0 || limit > HUB_MAX_SESSION_PAGE)
		limit = HUB_MAX_SESSION_PAGE;
	if (cursor != NULL && *cursor != '\0') {
		c = strtoll(cursor, &end, 10);
		if (*end != '\0' || c <= 0 || strlen(cursor) > 20)
			return HUB_ERR_INVALID;
		snprintf(max, sizeof(max), "(%lld", c);
	} else {
		snprintf(max, sizeof(max), "+inf");
	}
	snprintf(lim, sizeof(lim), "%zu", limit);
	session_index_key(ikey, sizeof(ikey), owner);
	if ((rc = redis_command(&ids, 8, zr, NULL)) != HUB_OK)
		return rc;
	if (ids->type != REDIS_T_ARRAY) {
		rc = HUB_ERR_STORE;
		goto out;
	}
	nids = ids->elements / 2;
	if (nids == 0) {
		rc = HUB_OK;
		goto out;
	}
	rc = HUB_ERR_NOMEM;
	if ((metas = calloc(nids, sizeof(*metas))) == NULL ||
	    (cmds = calloc(nids, sizeof(*cmds))) == NULL ||
	    (mkeys = calloc(nids, sizeof(*mkeys))) == NULL ||
	    (hget = calloc(nids * 2, sizeof(*hget))) == NULL ||
	    (list = calloc(nids, sizeof(*list))) == NULL)
		goto out;
	for (i = 0; i < nids; i++) {
		session_meta_key(mkeys[i], sizeof(mkeys[i]), owner, ids->element[2 * i]->str);
		hget[2 * i] = "HGETALL";
		hget[2 * i + 1] = mkeys[i];
		cmds[i] = (struct redis_cmd){ 2, &hget[2 * i], NULL };
	}
	if ((rc = redis_pipeline(metas, nids, cmds)) != HUB_OK)
		goto out;
	for (i = 0; i < nids; i++) {
		rc = session_meta_from_reply(metas[i], &list[count]);
		if (rc == HUB_ERR_NOT_FOUND) {
			/* expired: drop it from the index */
			const char *zrem[] = { "ZREM", ikey, ids->element[2 * i]->str };
			struct redis_reply *zr_reply = NULL;

			if (redis_command(&zr_reply, 3, zrem, NULL) == HUB_OK)
				redis_reply_free(zr_reply);
			continue;
		}
		if (rc != HUB_OK)
			goto out;
		count++;
	}
	if (nids == limit)
		snprintf(next_cursor, cursor_len, "%s", ids->element[2 * nids - 1]->str);
	*out = list;
	*n = count;
	list = NULL;  /* owned by the caller now */
	rc = HUB_OK;
out:
	if (metas != NULL)
		for (i = 0; i < nids; i++)
			redis_reply_free(metas[i]);
	session_meta_array_free(list, count);
	redis_reply_free(ids);
	free(metas);
	free(cmds);
	free(mkeys);
	free(hget);
	return rc;
}

int
session_lock(const char *id, const char *owner, long ttl_ms, char *token, size_t token_len)
{
	char key[SESSION_KEY_MAX], px[24];
	const char *set[] = { "SET", key, token, "NX", "PX", px };
	struct redis_reply *r;
	int rc;

	if (!session_id_valid(id) || token_len < 33)
		return HUB_ERR_INVALID;
	if (session_id_generate(token, token_len) != HUB_OK)
		return HUB_ERR_SYSTEM;
	session_lock_key(key, sizeof(key), owner, id);
	snprintf(px, sizeof(px), "%ld", ttl_ms > 0 ? ttl_ms : 1000);
	if ((rc = redis_command(&r, 6, set, NULL)) != HUB_OK)
		return rc;
	rc = r->type == REDIS_T_STATUS ? HUB_OK :
	    r->type == REDIS_T_NIL ? HUB_ERR_CONFLICT : HUB_ERR_STORE;
	redis_reply_free(r);
	return rc;
}

void
session_unlock(const char *id, const char *owner, const char *token)
{
	static const char script[] =
	    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
	char key[SESSION_KEY_MAX];
	const char *eval[] = { "EVAL", script, "1", key, token };
	struct redis_reply *r = NULL;

	if (!session_id_valid(id) || token == NULL || *token == '\0')
		return;
	session_lock_key(key, sizeof(key), owner, id);
	if (redis_command(&r, 5, eval, NULL) == HUB_OK)
		redis_reply_free(r);
}

void
session_free(struct session *s)
{
	size_t i;

	if (s == NULL)
		return;
	session_meta_clear(&s->meta);
	for (i = 0; i < s->n_messages; i++) {
		free(s->messages[i].role);
		free(s->messages[i].content);
		free(s->messages[i].timestamp);
		free(s->messages[i].provider);
		free(s->messages[i].model);
	}
	free(s->messages);
	free(s);
}

void
session_meta_array_free(struct session_meta *m, size_t n)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < n; i++)
		session_meta_clear(&m[i]);
	free(m);
}
