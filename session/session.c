/*
 * session.c - conversations in Redis: metadata hash, message list, owner index,
 * all under the owner's scope (session_key.h).
 */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>
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
#include "session_cache.h"
#include "session_id.h"
#include "session_key.h"

/* prefix (<= 64) + "sess:" + scope + ":" + id + ":lock", with room to spare */
#define SESSION_KEY_MAX SESSION_KEY_LEN

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

/* The per-owner byte count: a hash of session id -> bytes, "*" -> total. */
static void
session_owner_bytes_key(char *out, size_t len, const char *owner)
{
	(void)session_key_build(out, len, "ob", owner, NULL, NULL);
}

/* The per-owner index key. */
static void
session_index_key(char *out, size_t len, const char *owner)
{
	(void)session_key_build(out, len, "idx", owner, NULL, NULL);
}

/* The lock lineage passed to the scripts: "" (the server's run_id) or,
 * with Sentinel, "ha" (locks survive a failover). */
static const char *
session_lock_lineage(void)
{
	return redis_sentinel_enabled() ? "ha" : "";
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

/* Free what a message holds and reset it. */
static void
session_message_clear(struct session_message *m)
{
	size_t i;

	free(m->role);
	free(m->content);
	free(m->timestamp);
	free(m->provider);
	free(m->model);
	for (i = 0; i < m->n_tool_calls; i++) {
		free(m->tool_calls[i].id);
		free(m->tool_calls[i].name);
		free(m->tool_calls[i].arguments);
	}
	free(m->tool_calls);
	free(m->tool_call_id);
	free(m->tool_name);
	for (i = 0; i < m->n_images; i++) {
		free(m->images[i].media_type);
		free(m->images[i].base64);
	}
	free(m->images);
	memset(m, 0, sizeof(*m));
}

/* The stored "tool_calls" of o into m; entries without id or name are
 * skipped. 0 or HUB_ERR_NOMEM. */
static int
session_message_calls_from_json(struct json_object *o, struct session_message *m)
{
	struct json_object *a, *e;
	struct session_tool_call *tc;
	size_t i, n;

	if (!json_object_object_get_ex(o, "tool_calls", &a) || !json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) == 0)
		return HUB_OK;
	if ((m->tool_calls = calloc(n, sizeof(*m->tool_calls))) == NULL)
		return HUB_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (hub_json_get_string(e, "id") == NULL || hub_json_get_string(e, "name") == NULL)
			continue;
		tc = &m->tool_calls[m->n_tool_calls++];
		tc->id = strdup(hub_json_get_string(e, "id"));
		tc->name = strdup(hub_json_get_string(e, "name"));
		tc->arguments = strdup(hub_json_get_string(e, "arguments") ? hub_json_get_string(e, "arguments") : "{}");
		if (tc->id == NULL || tc->name == NULL || tc->arguments == NULL)
			return HUB_ERR_NOMEM;
	}
	return HUB_OK;
}

/* The stored "images" of o into m; malformed entries are skipped. */
static int
session_message_images_from_json(struct json_object *o, struct session_message *m)
{
	struct json_object *a, *e, *size;
	struct session_image *img;
	size_t i, n;

	if (!json_object_object_get_ex(o, "images", &a) || !json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) == 0)
		return HUB_OK;
	if ((m->images = calloc(n, sizeof(*m->images))) == NULL)
		return HUB_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (hub_json_get_string(e, "media_type") == NULL || hub_json_get_string(e, "data") == NULL)
			continue;
		img = &m->images[m->n_images++];
		img->media_type = strdup(hub_json_get_string(e, "media_type"));
		img->base64 = strdup(hub_json_get_string(e, "data"));
		if (json_object_object_get_ex(e, "size", &size) && json_object_is_type(size, json_type_int) &&
		    json_object_get_int64(size) > 0)
			img->size = (size_t)json_object_get_int64(size);
		if (img->media_type == NULL || img->base64 == NULL)
			return HUB_ERR_NOMEM;
	}
	return HUB_OK;
}

/* Decode one stored message (any version of the stored form). */
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
	m->tool_call_id = session_strdup_or_null(hub_json_get_string(o, "tool_call_id"));
	m->tool_name = session_strdup_or_null(hub_json_get_string(o, "name"));
	rc = session_message_calls_from_json(o, m);
	if (rc == HUB_OK)
		rc = session_message_images_from_json(o, m);
	json_object_put(o);
	if (rc != HUB_OK || m->role == NULL || m->content == NULL) {
		session_message_clear(m);
		return rc != HUB_OK ? rc : HUB_ERR_STORE;
	}
	return HUB_OK;
}

static int
session_owner_matches(const struct session_meta *m, const char *owner)
{
	/* the key already holds the owner; the field is a second check */
	return strcmp(m->owner != NULL ? m->owner : "", owner != NULL ? owner : "") == 0;
}

/* Build owner's session from an HGETALL reply meta and (NULL: no
 * messages) an LRANGE reply list into *out. 0, HUB_ERR_NOT_FOUND (no such
 * session of owner), HUB_ERR_STORE, HUB_ERR_NOMEM. */
static int
session_from_replies(const struct redis_reply *meta, const struct redis_reply *list,
    const char *owner, struct session **out)
{
	struct session *s = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return HUB_ERR_NOMEM;
	if ((rc = session_meta_from_reply(meta, &s->meta)) != HUB_OK)
		goto out;
	if (!session_owner_matches(&s->meta, owner)) {
		rc = HUB_ERR_NOT_FOUND;
		goto out;
	}
	if (list != NULL) {
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
	session_free(s);
	return rc;
}

int
session_load(const char *id, const char *owner, int with_messages, struct session **out)
{
	char mkey[SESSION_KEY_MAX], lkey[SESSION_KEY_MAX];
	const char *hget[] = { "HGETALL", mkey };
	const char *lrange[] = { "LRANGE", lkey, "0", "-1" };
	struct redis_cmd cmds[2] = { { 2, hget, NULL }, { 4, lrange, NULL } };
	struct redis_reply *r[2] = { NULL, NULL };
	int rc;

	*out = NULL;
	if (!session_id_valid(id))
		return HUB_ERR_INVALID;
	session_meta_key(mkey, sizeof(mkey), owner, id);
	session_list_key(lkey, sizeof(lkey), owner, id);
	if ((rc = redis_pipeline(r, with_messages ? 2 : 1, cmds)) != HUB_OK)
		return rc;
	rc = session_from_replies(r[0], with_messages ? r[1] : NULL, owner, out);
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	return rc;
}

/* 1 when r is the +OK of CLIENT CACHING yes. */
static int
session_reply_ok(const struct redis_reply *r)
{
	return r != NULL && r->type == REDIS_T_STATUS;
}

/* The remaining life in ms that a PTTL reply gives, folded into *ttl_ms
 * (the shorter one wins; -1: none yet). A key without one, or not there,
 * changes nothing. */
static void
session_fold_pttl(const struct redis_reply *r, long long *ttl_ms)
{
	if (r == NULL || r->type != REDIS_T_INTEGER || r->integer < 0)
		return;
	if (*ttl_ms < 0 || r->integer < *ttl_ms)
		*ttl_ms = r->integer;
}

int
session_load_tracked(const char *id, const char *owner, long long redirect,
    struct session **out, long long *ttl_ms, int *tracked)
{
	char mkey[SESSION_KEY_MAX], lkey[SESSION_KEY_MAX];
	const char *caching[] = { "CLIENT", "CACHING", "yes" };
	const char *hget[] = { "HGETALL", mkey };
	const char *lrange[] = { "LRANGE", lkey, "0", "-1" };
	const char *mttl[] = { "PTTL", mkey };
	const char *lttl[] = { "PTTL", lkey };
	struct redis_cmd cmds[6] = {
		{ 3, caching, NULL }, { 2, hget, NULL }, { 3, caching, NULL }, { 4, lrange, NULL },
		{ 2, mttl, NULL }, { 2, lttl, NULL },
	};
	struct redis_reply *r[6] = { NULL };
	size_t i;
	int rc;

	*out = NULL;
	*ttl_ms = -1;
	*tracked = 0;
	if (redirect == 0)
		return session_load(id, owner, 1, out);
	if (!session_id_valid(id))
		return HUB_ERR_INVALID;
	session_meta_key(mkey, sizeof(mkey), owner, id);
	session_list_key(lkey, sizeof(lkey), owner, id);
	if ((rc = redis_pipeline(r, 6, cmds)) != HUB_OK)
		return rc;
	rc = session_from_replies(r[1], r[3], owner, out);
	*tracked = rc == HUB_OK && session_reply_ok(r[0]) && session_reply_ok(r[2]) &&
	    redis_tracking_redirect() == redirect;
	session_fold_pttl(r[4], ttl_ms);
	session_fold_pttl(r[5], ttl_ms);
	for (i = 0; i < 6; i++)
		redis_reply_free(r[i]);
	return rc;
}

/* The tool calls and images of m, added to its stored form o. */
static void
session_message_extras_to_json(const struct session_new_message *m, struct json_object *o)
{
	struct json_object *a, *e;
	size_t i;

	if (m->n_tool_calls > 0 && (a = json_object_new_array()) != NULL) {
		for (i = 0; i < m->n_tool_calls; i++) {
			e = json_object_new_object();
			json_object_object_add(e, "id", json_object_new_string(m->tool_calls[i].id));
			json_object_object_add(e, "name", json_object_new_string(m->tool_calls[i].name));
			json_object_object_add(e, "arguments", json_object_new_string(
			    m->tool_calls[i].arguments ? m->tool_calls[i].arguments : "{}"));
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "tool_calls", a);
	}
	if (m->tool_call_id != NULL)
		json_object_object_add(o, "tool_call_id", json_object_new_string(m->tool_call_id));
	if (m->tool_name != NULL)
		json_object_object_add(o, "name", json_object_new_string(m->tool_name));
	if (m->n_images > 0 && (a = json_object_new_array()) != NULL) {
		for (i = 0; i < m->n_images; i++) {
			e = json_object_new_object();
			json_object_object_add(e, "media_type", json_object_new_string(m->images[i].media_type));
			json_object_object_add(e, "size", json_object_new_int64((int64_t)m->images[i].size));
			json_object_object_add(e, "data", json_object_new_string(m->images[i].base64));
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "images", a);
	}
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
	session_message_extras_to_json(m, o);
	s = strdup(hub_json_compact(o));
	json_object_put(o);
	return s;
}

/*
 * The turn script, atomic in Redis; one script for every step of a turn
 * that touches the session, so that each step is one round trip:
 *
 *   begin   take the lock (with a token), check every cap for the
 *           request's messages and the reply to come (when messages are
 *           given), and load the session: {'OK', meta, messages}, or
 *           {name of the check that failed} (the lock is then not kept),
 *           or {'LOCKED'} (a live holder has it).
 *   append  check the writer still holds the lock (fencing), check every
 *           cap, write, and release the lock; a refusal releases it too.
 *   unlock  release the lock if it is still this token's.
 *
 * The first write of an append is the RPUSH, a command Redis refuses when
 * it is out of memory (noeviction): an OOM refusal happens before
 * anything was written. Expired sessions of the owner (index score older
 * than the TTL) leave the owner's byte count here.
 *
 * Each append carries a fresh exchange id; the session keeps the last
 * SESSION_XIDS of them, and an append whose id is there already is a
 * no-op that answers "OK" (and releases the lock): the script is
 * idempotent, so redis.c may send it again when a failover cut the first
 * attempt off (redis.h). Taking a lock that is already this token's only
 * renews it, and the other steps only read.
 *
 * KEYS: meta, list, owner index, lock, owner bytes.
 * ARGV: 1 token ("": no lock), 2 id, 3 now (ISO), 4 owner, 5 provider,
 * 6 model, 7 ttl_s, 8 now_ms, 9 n (+ 1 for the reply to come, but for an
 * append), 10 max messages, 11 max session bytes, 12 max owner sessions,
 * 13 max owner bytes, 14 cutoff_ms, 15 mode, 16 bytes to reserve,
 * 17 exchange id, 18 lock lineage (session_lock_lineage()), 19 lock
 * ttl_ms, 20.. the encoded messages.
 */
#define SESSION_XIDS "8"
static const char session_turn_script[] =
    "-- idempotent: an exchange id already stored is not appended again\n"
    "local mode = ARGV[15]\n"
    "local rid, mine = ARGV[18], nil\n"
    "if ARGV[1] ~= '' then\n"
    "  if rid == '' then rid = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') or '' end\n"
    "  mine = rid .. ':' .. ARGV[1]\n"
    "end\n"
    "local function release()\n"
    "  if mine and redis.call('GET', KEYS[4]) == mine then redis.call('DEL', KEYS[4]) end\n"
    "end\n"
    "if mode == 'unlock' then release() return 'OK' end\n"
    "local xids = redis.call('HGET', KEYS[1], 'xids') or ''\n"
    "if mode == 'append' then\n"
    "  if string.find(' ' .. xids .. ' ', ' ' .. ARGV[17] .. ' ', 1, true) then\n"
    "    redis.call('EXPIRE', KEYS[1], ARGV[7])\n"  /* a write, so that WAIT covers it */
    "    release()\n"
    "    return 'OK'\n"
    "  end\n"
    "  if mine and redis.call('GET', KEYS[4]) ~= mine then return 'LOCK_LOST' end\n"
    "elseif mode == 'begin' and mine then\n"
    "  local v = redis.call('GET', KEYS[4])\n"
    "  if v == mine then redis.call('PEXPIRE', KEYS[4], ARGV[19])\n"
    "  elseif v and string.sub(v, 1, #rid + 1) == rid .. ':' then return {'LOCKED'}\n"
    "  else redis.call('SET', KEYS[4], mine, 'PX', ARGV[19]) end\n"
    "end\n"
    "local n = tonumber(ARGV[9])\n"
    "local bytes = tonumber(ARGV[16])\n"
    "for i = 20, #ARGV do bytes = bytes + #ARGV[i] end\n"
    "local exists = redis.call('EXISTS', KEYS[1]) == 1\n"
    "local sb = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')\n"
    "local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[14], 'LIMIT', 0, 100)\n"
    "local others = 0\n"
    "local function caps()\n"
    "  local count = tonumber(redis.call('HGET', KEYS[1], 'message_count') or '0')\n"
    "  if count + n > tonumber(ARGV[10]) then return 'SESSION_MESSAGES' end\n"
    "  local max_sb = tonumber(ARGV[11])\n"
    "  if max_sb > 0 and sb + bytes > max_sb then return 'SESSION_BYTES' end\n"
    "  local total = tonumber(redis.call('HGET', KEYS[5], '*') or '0')\n"
    "  local mine_old = tonumber(redis.call('HGET', KEYS[5], ARGV[2]) or '0')\n"
    "  others = total - mine_old\n"
    "  for _, e in ipairs(expired) do\n"
    "    if e ~= ARGV[2] then others = others - tonumber(redis.call('HGET', KEYS[5], e) or '0') end\n"
    "  end\n"
    "  if others < 0 then others = 0 end\n"
    "  local max_ks = tonumber(ARGV[12])\n"
    "  if not exists and max_ks > 0 then\n"
    "    local live = redis.call('ZCOUNT', KEYS[3], ARGV[14], '+inf')\n"
    "    if redis.call('ZSCORE', KEYS[3], ARGV[2]) then live = live - 1 end\n"
    "    if live >= max_ks then return 'OWNER_SESSIONS' end\n"
    "  end\n"
    "  local max_kb = tonumber(ARGV[13])\n"
    "  if max_kb > 0 and others + sb + bytes > max_kb then return 'OWNER_BYTES' end\n"
    "  return nil\n"
    "end\n"
    "local bad = nil\n"
    "if mode ~= 'begin' or #ARGV >= 20 then bad = caps() end\n"
    "if mode == 'begin' then\n"
    "  if bad then release() return {bad} end\n"
    "  return {'OK', redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)}\n"
    "end\n"
    "if bad then release() return bad end\n"
    "if mode ~= 'append' then return 'OK' end\n"
    "redis.call('RPUSH', KEYS[2], unpack(ARGV, 20))\n"
    "redis.call('HSETNX', KEYS[1], 'id', ARGV[2])\n"
    "redis.call('HSETNX', KEYS[1], 'created_at', ARGV[3])\n"
    "redis.call('HSETNX', KEYS[1], 'owner', ARGV[4])\n"
    "redis.call('HSET', KEYS[1], 'updated_at', ARGV[3], 'provider', ARGV[5], 'model', ARGV[6])\n"
    "redis.call('HINCRBY', KEYS[1], 'message_count', n)\n"
    "redis.call('HINCRBY', KEYS[1], 'bytes', bytes)\n"
    "local kept = {}\n"
    "for x in string.gmatch(xids, '%S+') do kept[#kept + 1] = x end\n"
    "kept[#kept + 1] = ARGV[17]\n"
    "while #kept > " SESSION_XIDS " do table.remove(kept, 1) end\n"
    "redis.call('HSET', KEYS[1], 'xids', table.concat(kept, ' '))\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[7])\n"
    "redis.call('EXPIRE', KEYS[2], ARGV[7])\n"
    "redis.call('ZADD', KEYS[3], ARGV[8], ARGV[2])\n"
    "for _, e in ipairs(expired) do\n"
    "  if e ~= ARGV[2] then redis.call('ZREM', KEYS[3], e); redis.call('HDEL', KEYS[5], e) end\n"
    "end\n"
    "redis.call('HSET', KEYS[5], ARGV[2], sb + bytes, '*', others + sb + bytes)\n"
    "redis.call('EXPIRE', KEYS[5], ARGV[7])\n"
    "release()\n"
    "return 'OK'\n";

/* The hub error for a verdict of the turn script (or Redis' error reply). */
static int
session_turn_verdict(const struct redis_reply *r)
{
	if (r == NULL)
		return HUB_ERR_STORE;
	if (r->type == REDIS_T_ERROR)
		return r->str != NULL && strncmp(r->str, "OOM", 3) == 0 ? HUB_ERR_STORE_FULL : HUB_ERR_STORE;
	if (r->type != REDIS_T_STRING && r->type != REDIS_T_STATUS)
		return HUB_ERR_STORE;
	if (strcmp(r->str, "OK") == 0)
		return HUB_OK;
	if (strcmp(r->str, "LOCK_LOST") == 0 || strcmp(r->str, "LOCKED") == 0)
		return HUB_ERR_CONFLICT;
	if (strcmp(r->str, "SESSION_MESSAGES") == 0 || strcmp(r->str, "SESSION_BYTES") == 0)
		return HUB_ERR_TOO_LARGE;
	if (strcmp(r->str, "OWNER_SESSIONS") == 0)
		return HUB_ERR_QUOTA;
	if (strcmp(r->str, "OWNER_BYTES") == 0)
		return HUB_ERR_STORE_FULL;
	return HUB_ERR_STORE;
}

/* Drop the argv t built last. */
static void
session_turn_clear_argv(struct session_turn *t)
{
	size_t i;

	for (i = 0; t->encoded != NULL && i < t->n_encoded; i++)
		free(t->encoded[i]);
	free(t->encoded);
	free(t->argv);
	t->encoded = NULL;
	t->n_encoded = 0;
	t->argv = NULL;
}

/* Build the turn script's command for mode into t->cmd: msgs[0..n) are
 * encoded (stamped with provider and model when assistant), and the caps
 * count n + extra messages. 0, HUB_ERR_NOMEM or HUB_ERR_SYSTEM. */
static int
session_turn_build(struct session_turn *t, const char *mode, const char *provider,
    const char *model, const struct session_new_message *msgs, size_t n, size_t extra)
{
	long long wall_ms = hub_time_wall_ms();
	size_t i, argc = 0;
	int assistant;

	session_turn_clear_argv(t);
	hub_time_iso8601(wall_ms, t->now, sizeof(t->now));
	snprintf(t->ttl, sizeof(t->ttl), "%ld", hub_cfg->session_ttl_s);
	snprintf(t->count, sizeof(t->count), "%zu", n + extra);
	snprintf(t->score, sizeof(t->score), "%lld", wall_ms);
	snprintf(t->maxm, sizeof(t->maxm), "%d", HUB_MAX_MESSAGES);
	snprintf(t->maxsb, sizeof(t->maxsb), "%ld", hub_cfg->session_max_bytes);
	snprintf(t->maxks, sizeof(t->maxks), "%ld", hub_cfg->key_max_sessions);
	snprintf(t->maxkb, sizeof(t->maxkb), "%ld", hub_cfg->key_max_bytes);
	snprintf(t->cutoff, sizeof(t->cutoff), "%lld", wall_ms - hub_cfg->session_ttl_s * 1000LL);
	snprintf(t->reserve, sizeof(t->reserve), "%zu", t->reserve_bytes);
	if (strcmp(mode, "append") == 0 && session_id_generate(t->xid, sizeof(t->xid)) != HUB_OK)
		return HUB_ERR_SYSTEM;
	if ((t->encoded = calloc(n + 1, sizeof(*t->encoded))) == NULL ||
	    (t->argv = calloc(n + 28, sizeof(*t->argv))) == NULL)
		return HUB_ERR_NOMEM;
	t->argv[argc++] = "EVAL";
	t->argv[argc++] = session_turn_script;
	t->argv[argc++] = "5";
	t->argv[argc++] = t->mkey;
	t->argv[argc++] = t->lkey;
	t->argv[argc++] = t->ikey;
	t->argv[argc++] = t->lockkey;
	t->argv[argc++] = t->bkey;
	t->argv[argc++] = t->token;
	t->argv[argc++] = t->id;
	t->argv[argc++] = t->now;
	t->argv[argc++] = t->owner;
	t->argv[argc++] = provider != NULL ? provider : "";
	t->argv[argc++] = model != NULL ? model : "";
	t->argv[argc++] = t->ttl;
	t->argv[argc++] = t->score;
	t->argv[argc++] = t->count;
	t->argv[argc++] = t->maxm;
	t->argv[argc++] = t->maxsb;
	t->argv[argc++] = t->maxks;
	t->argv[argc++] = t->maxkb;
	t->argv[argc++] = t->cutoff;
	t->argv[argc++] = mode;
	t->argv[argc++] = t->reserve;
	t->argv[argc++] = t->xid;
	t->argv[argc++] = session_lock_lineage();
	t->argv[argc++] = t->lock_ttl;
	for (i = 0; i < n; i++) {
		assistant = strcmp(msgs[i].role, "assistant") == 0;
		if ((t->encoded[i] = session_message_to_json(&msgs[i], t->now, assistant ? provider : NULL,
		    assistant ? model : NULL)) == NULL)
			return HUB_ERR_NOMEM;
		t->n_encoded++;
		t->argv[argc++] = t->encoded[i];
	}
	t->cmd = (struct redis_cmd){ (int)argc, t->argv, NULL };
	return HUB_OK;
}

int
session_turn_begin(struct session_turn *t, const char *id, const char *owner, int lock,
    long lock_ttl_ms, const struct session_new_message *msgs, size_t n, size_t reserve_bytes,
    const struct redis_cmd **cmd)
{
	int rc;

	memset(t, 0, sizeof(*t));
	*cmd = NULL;
	if (!session_id_valid(id) || n > HUB_MAX_MESSAGES)
		return HUB_ERR_INVALID;
	snprintf(t->id, sizeof(t->id), "%s", id);
	snprintf(t->owner, sizeof(t->owner), "%s", owner != NULL ? owner : "");
	session_meta_key(t->mkey, sizeof(t->mkey), owner, id);
	session_list_key(t->lkey, sizeof(t->lkey), owner, id);
	session_index_key(t->ikey, sizeof(t->ikey), owner);
	session_lock_key(t->lockkey, sizeof(t->lockkey), owner, id);
	session_owner_bytes_key(t->bkey, sizeof(t->bkey), owner);
	snprintf(t->lock_ttl, sizeof(t->lock_ttl), "%ld", lock_ttl_ms > 0 ? lock_ttl_ms : 1000);
	t->reserve_bytes = reserve_bytes;
	if (lock && session_id_generate(t->token, sizeof(t->token)) != HUB_OK)
		return HUB_ERR_SYSTEM;
	if ((rc = session_turn_build(t, "begin", NULL, NULL, msgs, n, n > 0 ? 1 : 0)) != HUB_OK)
		return rc;
	*cmd = &t->cmd;
	return HUB_OK;
}

int
session_turn_begun(struct session_turn *t, const struct redis_reply *r, struct session **history)
{
	int rc;

	*history = NULL;
	if (r == NULL || r->type != REDIS_T_ARRAY || r->elements < 1)
		return r != NULL && r->type == REDIS_T_ERROR ? session_turn_verdict(r) : HUB_ERR_STORE;
	if ((rc = session_turn_verdict(r->element[0])) != HUB_OK)
		return rc;
	t->locked = t->token[0] != '\0';
	if (r->elements < 3)
		return HUB_ERR_STORE;
	rc = session_from_replies(r->element[1], r->element[2], t->owner, history);
	return rc == HUB_ERR_NOT_FOUND ? HUB_OK : rc;
}

int
session_turn_commit(struct session_turn *t, const char *provider, const char *model,
    const struct session_new_message *msgs, size_t n, const struct redis_cmd **cmd)
{
	int rc;

	*cmd = NULL;
	if (n == 0 || n > HUB_MAX_MESSAGES)
		return HUB_ERR_INVALID;
	t->reserve_bytes = 0;
	if ((rc = session_turn_build(t, "append", provider, model, msgs, n, 0)) != HUB_OK)
		return rc;
	*cmd = &t->cmd;
	return HUB_OK;
}

int
session_turn_release(struct session_turn *t, const struct redis_cmd **cmd)
{
	int rc;

	*cmd = NULL;
	if (!t->locked)
		return HUB_ERR_NOT_FOUND;
	if ((rc = session_turn_build(t, "unlock", NULL, NULL, NULL, 0, 0)) != HUB_OK)
		return rc;
	*cmd = &t->cmd;
	return HUB_OK;
}

int
session_turn_done(struct session_turn *t, const struct redis_reply *r, int wait_replicas)
{
	int rc = session_turn_verdict(r);

	session_cache_forget(t->mkey);
	if (r != NULL && r->type != REDIS_T_ERROR)
		t->locked = 0;  /* the script answered: the lock is no longer held */
	if (rc == HUB_OK && wait_replicas)
		rc = redis_wait_replicas();  /* answered only once replicas have it */
	return rc;
}

const char *
session_turn_token(const struct session_turn *t)
{
	return t->token;
}

int
session_turn_locked(const struct session_turn *t)
{
	return t->locked;
}

void
session_turn_free(struct session_turn *t)
{
	const struct redis_cmd *cmd;
	struct redis_reply *r = NULL;

	if (t == NULL)
		return;
	if (t->locked && session_turn_release(t, &cmd) == HUB_OK &&
	    redis_command(&r, cmd->argc, cmd->argv, NULL) == HUB_OK)
		redis_reply_free(r);
	t->locked = 0;
	session_turn_clear_argv(t);
}

/* Delete a session and take its bytes off its owner's count, atomically.
 * KEYS: meta, list, owner index, owner bytes; ARGV: id. Answers DEL's count. */
static const char session_delete_script[] =
    "local d = redis.call('DEL', KEYS[1], KEYS[2])\n"
    "redis.call('ZREM', KEYS[3], ARGV[1])\n"
    "local b = tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '0')\n"
    "if b > 0 then\n"
    "  redis.call('HDEL', KEYS[4], ARGV[1])\n"
    "  redis.call('HINCRBY', KEYS[4], '*', -b)\n"
    "end\n"
    "return d\n";

int
session_delete(const char *id, const char *owner)
{
	char mkey[SESSION_KEY_MAX], lkey[SESSION_KEY_MAX], ikey[SESSION_KEY_MAX], bkey[SESSION_KEY_MAX];
	const char *eval[] = { "EVAL", session_delete_script, "4", mkey, lkey, ikey, bkey, id };
	struct redis_reply *r = NULL;
	struct session *s = NULL;
	int rc;

	if ((rc = session_load(id, owner, 0, &s)) != HUB_OK)
		return rc;
	session_meta_key(mkey, sizeof(mkey), owner, id);
	session_list_key(lkey, sizeof(lkey), owner, id);
	session_index_key(ikey, sizeof(ikey), owner);
	session_owner_bytes_key(bkey, sizeof(bkey), owner);
	session_free(s);
	rc = redis_command(&r, 8, eval, NULL);
	session_cache_forget(mkey);  /* whatever came of it */
	if (rc != HUB_OK)
		return rc;
	rc = r->type == REDIS_T_INTEGER && r->integer > 0 ? HUB_OK :
	    r->type == REDIS_T_INTEGER ? HUB_ERR_NOT_FOUND : HUB_ERR_STORE;
	redis_reply_free(r);
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

/*
 * Lock values are "<run_id>:<token>", run_id being the Redis server's,
 * read inside each script: a lock written by an earlier run of the server
 * (brought back by its AOF or snapshot) never matches, and is taken over.
 * With Sentinel the lineage is the fixed "ha" instead: a lock replicated
 * to the new primary of a failover stays its live holder's (which goes on
 * renewing it); a dead holder's lock ends with its TTL.
 */
#define SESSION_LOCK_LUA_MINE \
    "-- idempotent\n" \
    "local rid = ARGV[3]\n" \
    "if rid == '' then rid = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') or '' end\n" \
    "local mine = rid .. ':' .. ARGV[1]\n"

/* KEYS: lock; ARGV: token, ttl_ms, lineage. 1 renewed, 0 lost. */
static const char session_renew_script[] =
    SESSION_LOCK_LUA_MINE
    "if redis.call('GET', KEYS[1]) ~= mine then return 0 end\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "return 1\n";

/* KEYS: lock; ARGV: token, ttl_ms (unused), lineage. */
static const char session_unlock_script[] =
    SESSION_LOCK_LUA_MINE
    "if redis.call('GET', KEYS[1]) == mine then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

/* Run one lock script: 0 when it answered 1, HUB_ERR_CONFLICT when 0. */
static int
session_lock_eval(const char *script, const char *owner, const char *id, const char *token,
    long ttl_ms)
{
	char key[SESSION_KEY_MAX], px[24];
	const char *eval[] = { "EVAL", script, "1", key, token, px, session_lock_lineage() };
	struct redis_reply *r = NULL;
	int rc;

	session_lock_key(key, sizeof(key), owner, id);
	snprintf(px, sizeof(px), "%ld", ttl_ms > 0 ? ttl_ms : 1000);
	if ((rc = redis_command(&r, 7, eval, NULL)) != HUB_OK)
		return rc;
	if (r->type == REDIS_T_INTEGER)
		rc = r->integer == 1 ? HUB_OK : HUB_ERR_CONFLICT;
	else
		rc = r->type == REDIS_T_ERROR && r->str != NULL && strncmp(r->str, "OOM", 3) == 0 ?
		    HUB_ERR_STORE_FULL : HUB_ERR_STORE;
	redis_reply_free(r);
	return rc;
}

int
session_lock_renew(const char *id, const char *owner, const char *token, long ttl_ms)
{
	if (!session_id_valid(id) || token == NULL || *token == '\0')
		return HUB_ERR_INVALID;
	return session_lock_eval(session_renew_script, owner, id, token, ttl_ms);
}

void
session_unlock(const char *id, const char *owner, const char *token)
{
	if (!session_id_valid(id) || token == NULL || *token == '\0')
		return;
	(void)session_lock_eval(session_unlock_script, owner, id, token, 0);
}

void
session_free(struct session *s)
{
	size_t i;

	if (s == NULL)
		return;
	session_meta_clear(&s->meta);
	for (i = 0; i < s->n_messages; i++)
		session_message_clear(&s->messages[i]);
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
