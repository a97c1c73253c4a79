/*
 * redis.c - per-thread hiredis connection with timeouts and rebuild on error;
 * with REDIS_SENTINELS, the primary is found through Sentinel and followed
 * across a failover.
 */
#include "config.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_os.h"
#include "common/hub_time.h"
#include "redis.h"
#include "redis_url.h"

static __thread redisContext *redis_ctx;
static __thread char redis_error[256];
static __thread size_t redis_sentinel_first;   /* the sentinel that answered last */
static __thread size_t redis_deferred;  /* replies of redis_pipeline_deferred() unread */
static __thread long long redis_tracking_to;  /* where this connection's invalidations go; 0 none */

/* A connection of its own that receives invalidation messages. */
struct redis_invalidations {
	redisContext *ctx;
	long long id;                    /* its CLIENT ID */
};

#define REDIS_INVALIDATE_CHANNEL "__redis__:invalidate"

/* Commands that change nothing: sent again after a failover. */
static const char *const redis_read_only_commands[] = {
	"EXISTS", "GET", "HEXISTS", "HGET", "HGETALL", "HLEN", "HMGET", "INFO", "LINDEX",
	"LLEN", "LRANGE", "MGET", "PING", "PTTL", "SCAN", "SCARD", "SISMEMBER", "SMEMBERS",
	"STRLEN", "TTL", "TYPE", "ZCARD", "ZCOUNT", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE",
	"ZREVRANGEBYSCORE", "ZSCORE",
};

/* A script whose text starts with this is safe to run twice. */
#define REDIS_IDEMPOTENT_MARK "-- idempotent"

int
redis_sentinel_enabled(void)
{
	return hub_cfg != NULL && hub_cfg->redis_sentinels != NULL &&
	    hub_cfg->redis_sentinels[0] != '\0';
}

const char *
redis_last_error(void)
{
	return redis_error[0] ? redis_error : "no error";
}

void
redis_disconnect(void)
{
	if (redis_ctx != NULL)
		redisFree(redis_ctx);
	redis_ctx = NULL;
	redis_deferred = 0;
	redis_tracking_to = 0;
}

/* Record why the connection failed and drop it. */
static int
redis_fail(const char *what)
{
	if (redis_ctx != NULL && redis_ctx->err)
		snprintf(redis_error, sizeof(redis_error), "%s: %s", what, redis_ctx->errstr);
	else
		snprintf(redis_error, sizeof(redis_error), "%s", what);
	redis_disconnect();
	return HUB_ERR_STORE;
}

/* Run one command on a fresh connection during set-up (AUTH, SELECT). */
static int
redis_setup_command(int argc, const char **argv, const char *what)
{
	redisReply *r;
	int ok;

	r = redisCommandArgv(redis_ctx, argc, argv, NULL);
	if (r == NULL)
		return redis_fail(what);
	ok = r->type != REDIS_REPLY_ERROR;
	if (!ok)
		snprintf(redis_error, sizeof(redis_error), "%s: %s", what, r->str);
	freeReplyObject(r);
	if (!ok) {
		redis_disconnect();
		return HUB_ERR_STORE;
	}
	return HUB_OK;
}

/* 1 when the server closed the calling thread's idle connection (it
 * restarted, or dropped an idle client): an idle connection has nothing
 * to read, so anything readable is the end. Checked before each use, so
 * that the first command after a Redis restart is not lost to a dead
 * socket (and nothing is ever sent twice). */
static int
redis_conn_closed(void)
{
	struct pollfd pfd = { .fd = redis_ctx->fd, .events = POLLIN | HUB_POLLRDHUP };

	return poll(&pfd, 1, 0) != 0;
}

/* The timeout of connects and commands as a timeval. */
static struct timeval
redis_timeout(long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	return tv;
}

/* Ask one sentinel for the primary's address of REDIS_SENTINEL_MASTER. */
static int
redis_sentinel_ask(const struct redis_url *sentinel, char *host, size_t hostlen, int *port)
{
	const char *auth[] = { "AUTH", hub_cfg->redis_sentinel_password };
	const char *ask[] = { "SENTINEL", "get-master-addr-by-name", hub_cfg->redis_sentinel_master };
	struct timeval tv = redis_timeout(hub_cfg->redis_timeout_ms);
	redisContext *c;
	redisReply *r = NULL;
	int rc = HUB_ERR_STORE;

	if ((c = redisConnectWithTimeout(sentinel->host, sentinel->port, tv)) == NULL || c->err ||
	    redisSetTimeout(c, tv) != REDIS_OK)
		goto out;
	if (hub_cfg->redis_sentinel_password != NULL && hub_cfg->redis_sentinel_password[0] != '\0') {
		r = redisCommandArgv(c, 2, auth, NULL);
		if (r == NULL || r->type == REDIS_REPLY_ERROR)
			goto out;
		freeReplyObject(r);
	}
	r = redisCommandArgv(c, 3, ask, NULL);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len >= hostlen)
		goto out;
	memcpy(host, r->element[0]->str, r->element[0]->len + 1);
	*port = atoi(r->element[1]->str);
	rc = *port > 0 && *port <= 65535 ? HUB_OK : HUB_ERR_STORE;
out:
	if (r != NULL)
		freeReplyObject(r);
	if (c != NULL)
		redisFree(c);
	return rc;
}

/* Find the primary through the sentinels, the one that answered last
 * first. 0 with host and port set, or HUB_ERR_STORE. */
static int
redis_sentinel_locate(char *host, size_t hostlen, int *port)
{
	struct redis_url sentinel;
	size_t i, n = 0, k;

	while (n < REDIS_URL_MAX_SENTINELS &&
	    redis_url_sentinel_parse(hub_cfg->redis_sentinels, n, &sentinel) == HUB_OK)
		n++;
	if (n == 0 || hub_cfg->redis_sentinel_master == NULL || hub_cfg->redis_sentinel_master[0] == '\0') {
		snprintf(redis_error, sizeof(redis_error),
		    "REDIS_SENTINELS needs a valid list and REDIS_SENTINEL_MASTER");
		return HUB_ERR_STORE;
	}
	for (i = 0; i < n; i++) {
		k = (redis_sentinel_first + i) % n;
		if (redis_url_sentinel_parse(hub_cfg->redis_sentinels, k, &sentinel) != HUB_OK)
			continue;
		if (redis_sentinel_ask(&sentinel, host, hostlen, port) == HUB_OK) {
			redis_sentinel_first = k;
			return HUB_OK;
		}
	}
	snprintf(redis_error, sizeof(redis_error), "no sentinel named the primary of %s",
	    hub_cfg->redis_sentinel_master);
	return HUB_ERR_STORE;
}

/* Check that the fresh connection is to a primary (ROLE), as Sentinel
 * clients must: a sentinel's answer can be stale during a failover. */
static int
redis_check_primary(void)
{
	const char *argv[] = { "ROLE" };
	redisReply *r;
	int ok;

	if ((r = redisCommandArgv(redis_ctx, 1, argv, NULL)) == NULL)
		return redis_fail("Redis ROLE failed");
	ok = r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING && strcmp(r->element[0]->str, "master") == 0;
	freeReplyObject(r);
	if (!ok) {
		snprintf(redis_error, sizeof(redis_error), "the server Sentinel named is not the primary (yet)");
		redis_disconnect();
		return HUB_ERR_STORE;
	}
	return HUB_OK;
}

/* Read and drop the replies of redis_pipeline_deferred(); the connection
 * is dropped when one does not come. */
static void
redis_drain_deferred(void)
{
	redisReply *r;

	while (redis_ctx != NULL && redis_deferred > 0) {
		if (redisGetReply(redis_ctx, (void **)&r) != REDIS_OK || r == NULL) {
			(void)redis_fail("Redis connection lost before a metrics reply");
			return;
		}
		freeReplyObject(r);
		redis_deferred--;
	}
}

/* Connect the calling thread when it has no (live) connection. */
static int
redis_connect(void)
{
	struct redis_url url;
	struct timeval tv;
	char db[16], host[256];
	const char *argv[3], *password;
	int rc, port;

	/* the replies owed first: only then does anything readable mean closed */
	if (redis_ctx != NULL && redis_deferred > 0)
		redis_drain_deferred();
	if (redis_ctx != NULL && redis_conn_closed())
		redis_disconnect();
	if (redis_ctx != NULL)
		return HUB_OK;
	if (hub_cfg == NULL || redis_url_parse(hub_cfg->redis_url, &url) != HUB_OK) {
		snprintf(redis_error, sizeof(redis_error), "REDIS_URL is not valid");
		return HUB_ERR_STORE;
	}
	tv = redis_timeout(hub_cfg->redis_timeout_ms);
	if (redis_sentinel_enabled()) {
		/* REDIS_URL gives only the credentials and the db then */
		if ((rc = redis_sentinel_locate(host, sizeof(host), &port)) != HUB_OK)
			return rc;
		redis_ctx = redisConnectWithTimeout(host, port, tv);
		url.socket_path[0] = '\0';
	} else if (url.socket_path[0] != '\0') {
		redis_ctx = redisConnectUnixWithTimeout(url.socket_path, tv);
	} else {
		redis_ctx = redisConnectWithTimeout(url.host, url.port, tv);
	}
	if (redis_ctx == NULL)
		return redis_fail("cannot allocate a Redis context");
	if (redis_ctx->err)
		return redis_fail("cannot connect to Redis");
	if (redisSetTimeout(redis_ctx, tv) != REDIS_OK)
		return redis_fail("cannot set the Redis timeout");
	if (url.socket_path[0] == '\0')
		(void)redisEnableKeepAlive(redis_ctx);
	password = url.password[0] != '\0' ? url.password :
	    hub_cfg->redis_password != NULL ? hub_cfg->redis_password : "";
	if (password[0] != '\0') {
		argv[0] = "AUTH";
		if (url.username[0] != '\0') {
			argv[1] = url.username;
			argv[2] = password;
			rc = redis_setup_command(3, argv, "Redis AUTH failed");
		} else {
			argv[1] = password;
			rc = redis_setup_command(2, argv, "Redis AUTH failed");
		}
		if (rc != HUB_OK)
			return rc;
	}
	if (redis_sentinel_enabled() && (rc = redis_check_primary()) != HUB_OK)
		return rc;
	if (url.db != 0) {
		snprintf(db, sizeof(db), "%d", url.db);
		argv[0] = "SELECT";
		argv[1] = db;
		if ((rc = redis_setup_command(2, argv, "Redis SELECT failed")) != HUB_OK)
			return rc;
	}
	redis_error[0] = '\0';
	return HUB_OK;
}

/* Copy a hiredis reply into our own tree. NULL when out of memory. */
static struct redis_reply *
redis_reply_copy(const redisReply *r)
{
	struct redis_reply *c;
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	switch (r->type) {
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_ERROR:
		c->type = r->type == REDIS_REPLY_STRING ? REDIS_T_STRING :
		    r->type == REDIS_REPLY_STATUS ? REDIS_T_STATUS : REDIS_T_ERROR;
		if ((c->str = malloc(r->len + 1)) == NULL)
			goto fail;
		memcpy(c->str, r->str, r->len);
		c->str[r->len] = '\0';
		c->len = r->len;
		break;
	case REDIS_REPLY_INTEGER:
		c->type = REDIS_T_INTEGER;
		c->integer = r->integer;
		break;
	case REDIS_REPLY_ARRAY:
		c->type = REDIS_T_ARRAY;
		if (r->elements > 0 &&
		    (c->element = calloc(r->elements, sizeof(*c->element))) == NULL)
			goto fail;
		c->elements = r->elements;
		for (i = 0; i < r->elements; i++)
			if ((c->element[i] = redis_reply_copy(r->element[i])) == NULL)
				goto fail;
		break;
	default:
		c->type = REDIS_T_NIL;
		break;
	}
	return c;
fail:
	redis_reply_free(c);
	return NULL;
}

/* Send ncmd commands once. *sent is 1 when they may have reached the server. */
static int
redis_pipeline_once(struct redis_reply **out, size_t ncmd, const struct redis_cmd *cmds, int *sent)
{
	redisReply *r;
	size_t i;
	int rc;

	*sent = 0;
	for (i = 0; i < ncmd; i++)
		out[i] = NULL;
	if ((rc = redis_connect()) != HUB_OK)
		return rc;
	for (i = 0; i < ncmd; i++)
		if (redisAppendCommandArgv(redis_ctx, cmds[i].argc, cmds[i].argv, cmds[i].argvlen) != REDIS_OK)
			return redis_fail("cannot send a Redis command");
	*sent = 1;
	for (i = 0; i < ncmd; i++) {
		if (redisGetReply(redis_ctx, (void **)&r) != REDIS_OK || r == NULL) {
			rc = redis_fail("Redis connection lost");
			goto fail;
		}
		out[i] = redis_reply_copy(r);
		freeReplyObject(r);
		if (out[i] == NULL) {
			/* the remaining replies are still on the wire: drop the connection */
			redis_disconnect();
			rc = HUB_ERR_NOMEM;
			goto fail;
		}
	}
	return HUB_OK;
fail:
	for (i = 0; i < ncmd; i++) {
		redis_reply_free(out[i]);
		out[i] = NULL;
	}
	return rc;
}

/* 1 when running cmd twice has the effect of running it once: a read, or
 * a script marked REDIS_IDEMPOTENT_MARK. */
static int
redis_cmd_retriable(const struct redis_cmd *cmd)
{
	size_t i;

	if (cmd->argc < 1)
		return 0;
	if (strcasecmp(cmd->argv[0], "EVAL") == 0)
		return cmd->argc >= 2 &&
		    strncmp(cmd->argv[1], REDIS_IDEMPOTENT_MARK, strlen(REDIS_IDEMPOTENT_MARK)) == 0;
	for (i = 0; i < sizeof(redis_read_only_commands) / sizeof(redis_read_only_commands[0]); i++)
		if (strcasecmp(cmd->argv[0], redis_read_only_commands[i]) == 0)
			return 1;
	return 0;
}

/* 1 when a reply says the server is no (longer a) primary: the command
 * was refused, so nothing of it was applied. */
static int
redis_reply_not_primary(const struct redis_reply *r)
{
	return r != NULL && r->type == REDIS_T_ERROR && r->str != NULL &&
	    (strncmp(r->str, "READONLY", 8) == 0 || strstr(r->str, " READONLY ") != NULL ||
	    strncmp(r->str, "MASTERDOWN", 10) == 0 || strncmp(r->str, "LOADING", 7) == 0);
}

int
redis_pipeline_riders(struct redis_reply **out, size_t ncmd, const struct redis_cmd *cmds,
    size_t n_essential)
{
	long long deadline = 0;
	size_t i, nsend = ncmd;
	int rc, sent, retriable = 1, refused;

	if (n_essential > ncmd)
		n_essential = ncmd;
	for (i = 0; i < n_essential; i++)
		retriable = retriable && redis_cmd_retriable(&cmds[i]);
	for (;;) {
		rc = redis_pipeline_once(out, nsend, cmds, &sent);
		if (!redis_sentinel_enabled())
			return rc;
		refused = 0;
		for (i = 0; rc == HUB_OK && i < nsend; i++)
			refused = refused || redis_reply_not_primary(out[i]);
		if (rc == HUB_OK && !refused)
			return HUB_OK;
		if (rc != HUB_OK && rc != HUB_ERR_STORE)
			return rc;
		if (rc == HUB_ERR_STORE && sent && !retriable)
			return rc;  /* its outcome is unknown: not sent again */
		if (deadline == 0)
			deadline = hub_time_mono_ms() + hub_cfg->redis_failover_timeout_ms;
		if (hub_time_mono_ms() >= deadline)
			return rc;  /* with refused, out[] holds the refusal */
		if (refused) {
			for (i = 0; i < nsend; i++) {
				redis_reply_free(out[i]);
				out[i] = NULL;
			}
			snprintf(redis_error, sizeof(redis_error), "the primary became a replica");
			redis_disconnect();
		}
		nsend = n_essential;  /* the riders are not sent again */
		(void)poll(NULL, 0, 100);  /* the sentinels are still electing */
	}
}

int
redis_pipeline_deferred(size_t ncmd, const struct redis_cmd *cmds)
{
	size_t i;
	int rc, done = 0;

	if ((rc = redis_connect()) != HUB_OK)
		return rc;
	for (i = 0; i < ncmd; i++)
		if (redisAppendCommandArgv(redis_ctx, cmds[i].argc, cmds[i].argv, cmds[i].argvlen) != REDIS_OK)
			return redis_fail("cannot send a Redis command");
	/* counted before the write: a partial write leaves them owed too */
	redis_deferred += ncmd;
	while (!done)
		if (redisBufferWrite(redis_ctx, &done) != REDIS_OK)
			return redis_fail("cannot send a Redis command");
	return HUB_OK;
}

int
redis_pipeline(struct redis_reply **out, size_t ncmd, const struct redis_cmd *cmds)
{
	return redis_pipeline_riders(out, ncmd, cmds, ncmd);
}

int
redis_wait_replicas(void)
{
	char n[24], ms[24];
	const char *argv[] = { "WAIT", n, ms };
	redisReply *r;
	long long got;

	if (!redis_sentinel_enabled() || hub_cfg->redis_wait_replicas <= 0)
		return HUB_OK;
	if (redis_ctx == NULL) {
		snprintf(redis_error, sizeof(redis_error), "WAIT: the connection of the write is gone");
		return HUB_ERR_STORE;
	}
	snprintf(n, sizeof(n), "%ld", hub_cfg->redis_wait_replicas);
	snprintf(ms, sizeof(ms), "%ld", hub_cfg->redis_wait_timeout_ms);
	(void)redisSetTimeout(redis_ctx,
	    redis_timeout(hub_cfg->redis_timeout_ms + hub_cfg->redis_wait_timeout_ms));
	if ((r = redisCommandArgv(redis_ctx, 3, argv, NULL)) == NULL)
		return redis_fail("WAIT: Redis connection lost");
	got = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
	freeReplyObject(r);
	if (redisSetTimeout(redis_ctx, redis_timeout(hub_cfg->redis_timeout_ms)) != REDIS_OK)
		redis_disconnect();
	if (got < hub_cfg->redis_wait_replicas) {
		snprintf(redis_error, sizeof(redis_error), "WAIT: %lld of %ld replicas confirmed the write",
		    got, hub_cfg->redis_wait_replicas);
		return HUB_ERR_STORE;
	}
	return HUB_OK;
}

int
redis_command(struct redis_reply **out, int argc, const char **argv, const size_t *argvlen)
{
	struct redis_cmd cmd = { argc, argv, argvlen };

	return redis_pipeline(out, 1, &cmd);
}

int
redis_command_blocking(struct redis_reply **out, int argc, const char **argv,
    const size_t *argvlen, long timeout_ms)
{
	struct timeval tv, normal;
	int rc;

	*out = NULL;
	if ((rc = redis_connect()) != HUB_OK)
		return rc;
	tv.tv_sec = (timeout_ms + hub_cfg->redis_timeout_ms) / 1000;
	tv.tv_usec = ((timeout_ms + hub_cfg->redis_timeout_ms) % 1000) * 1000;
	if (redisSetTimeout(redis_ctx, tv) != REDIS_OK)
		return redis_fail("cannot set the Redis timeout");
	rc = redis_command(out, argc, argv, argvlen);
	if (redis_ctx != NULL) {
		normal.tv_sec = hub_cfg->redis_timeout_ms / 1000;
		normal.tv_usec = (hub_cfg->redis_timeout_ms % 1000) * 1000;
		if (redisSetTimeout(redis_ctx, normal) != REDIS_OK)
			redis_disconnect();
	}
	return rc;
}

int
redis_ping(void)
{
	const char *argv[] = { "PING" };
	struct redis_reply *r;
	int rc, had_connection = redis_ctx != NULL;

	rc = redis_command(&r, 1, argv, NULL);
	if (rc == HUB_ERR_STORE && had_connection)
		rc = redis_command(&r, 1, argv, NULL);  /* the old one may be stale */
	if (rc != HUB_OK)
		return rc;
	rc = r->type == REDIS_T_STATUS ? HUB_OK : HUB_ERR_STORE;
	if (rc != HUB_OK)
		snprintf(redis_error, sizeof(redis_error), "PING: %s", r->str ? r->str : "unexpected reply");
	redis_reply_free(r);
	return rc;
}

/* 1 when an INFO text has "field:1". */
static int
redis_info_flag(const char *info, const char *field)
{
	const char *p = strstr(info, field);

	return p != NULL && p[strlen(field)] == '1';
}

int
redis_persistence(char *what, size_t len)
{
	const char *info[] = { "INFO", "persistence" };
	const char *save[] = { "CONFIG", "GET", "save" };
	struct redis_cmd cmds[2] = { { 2, info, NULL }, { 3, save, NULL } };
	struct redis_reply *r[2] = { NULL, NULL };
	int rc;

	snprintf(what, len, "unknown");
	/* one round trip: the save rules are asked beside, needed without AOF */
	if ((rc = redis_pipeline(r, 2, cmds)) != HUB_OK)
		return rc;
	if (r[0]->type != REDIS_T_STRING) {
		rc = HUB_ERR_STORE;
	} else if (redis_info_flag(r[0]->str, "aof_enabled:")) {
		snprintf(what, len, "aof");
		rc = 1;
	} else if (r[1]->type == REDIS_T_ARRAY && r[1]->elements == 2 && r[1]->element[1]->str != NULL) {
		rc = r[1]->element[1]->str[0] != '\0';
		snprintf(what, len, rc ? "rdb" : "off");
	} else {
		rc = HUB_ERR_STORE;  /* CONFIG may be renamed away on a managed server: unknown */
	}
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	return rc;
}

void
redis_reply_free(struct redis_reply *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->elements; i++)
		redis_reply_free(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

int
redis_reply_hash_each(const struct redis_reply *r, redis_hash_field_fn on_field, void *arg)
{
	size_t i;
	int n = 0;

	if (r == NULL || r->type != REDIS_T_ARRAY)
		return HUB_ERR_STORE;
	for (i = 0; i + 1 < r->elements; i += 2) {
		if (r->element[i]->str == NULL || r->element[i + 1]->str == NULL)
			continue;
		on_field(arg, r->element[i]->str, r->element[i + 1]->str);
		n++;
	}
	return n;
}

int
redis_hash_get(const char *key, redis_hash_field_fn on_field, void *arg)
{
	const char *argv[] = { "HGETALL", key };
	struct redis_reply *r;
	int rc;

	if ((rc = redis_command(&r, 2, argv, NULL)) != HUB_OK)
		return rc;
	rc = redis_reply_hash_each(r, on_field, arg);
	redis_reply_free(r);
	return rc;
}

int
redis_tracking_on(long long redirect, const char *name)
{
	char id[24], want[80];
	const char *list[] = { "CLIENT", "LIST", "ID", id };
	const char *on[] = { "CLIENT", "TRACKING", "on", "REDIRECT", id, "OPTIN" };
	struct redis_reply *r;
	int rc, ok;

	/* a lost connection reset it: the commands below connect anew */
	if (redis_tracking_to == redirect)
		return HUB_OK;
	snprintf(id, sizeof(id), "%lld", redirect);
	snprintf(want, sizeof(want), " name=%s ", name);
	/* the id must be that connection: after a server restart it may be
	 * someone else's, who would get (and drop) the invalidations */
	if ((rc = redis_command(&r, 4, list, NULL)) != HUB_OK)
		return rc;
	ok = r->type == REDIS_T_STRING && strstr(r->str, want) != NULL;
	redis_reply_free(r);
	if (!ok)
		return HUB_ERR_NOT_FOUND;
	if ((rc = redis_command(&r, 6, on, NULL)) != HUB_OK)
		return rc;
	ok = r->type == REDIS_T_STATUS;
	if (!ok)
		snprintf(redis_error, sizeof(redis_error), "CLIENT TRACKING: %s",
		    r->str != NULL ? r->str : "unexpected reply");
	redis_reply_free(r);
	if (!ok)
		return HUB_ERR_STORE;
	redis_tracking_to = redirect;
	return HUB_OK;
}

long long
redis_tracking_redirect(void)
{
	return redis_ctx != NULL ? redis_tracking_to : 0;
}

int
redis_invalidations_open(struct redis_invalidations **out, const char *name)
{
	const char *setname[] = { "CLIENT", "SETNAME", name };
	const char *subscribe[] = { "SUBSCRIBE", REDIS_INVALIDATE_CHANNEL };
	redisContext *saved = redis_ctx;
	size_t saved_deferred = redis_deferred;
	long long saved_tracking = redis_tracking_to;
	struct redis_invalidations *inv;
	redisReply *r;
	int rc;

	*out = NULL;
	if ((inv = calloc(1, sizeof(*inv))) == NULL)
		return HUB_ERR_NOMEM;
	/* connected as the calling thread's connection would be, then taken
	 * out of its place */
	redis_ctx = NULL;
	redis_deferred = 0;
	rc = redis_connect();
	if (rc == HUB_OK)
		rc = redis_setup_command(3, setname, "Redis CLIENT SETNAME failed");
	if (rc == HUB_OK) {
		r = redisCommand(redis_ctx, "CLIENT ID");
		if (r == NULL)
			rc = redis_fail("Redis CLIENT ID failed");
		else if (r->type != REDIS_REPLY_INTEGER) {
			snprintf(redis_error, sizeof(redis_error), "Redis CLIENT ID refused");
			rc = HUB_ERR_STORE;
		} else
			inv->id = r->integer;
		if (r != NULL)
			freeReplyObject(r);
	}
	if (rc == HUB_OK) {
		r = redisCommandArgv(redis_ctx, 2, subscribe, NULL);
		if (r == NULL)
			rc = redis_fail("Redis SUBSCRIBE failed");
		else if (r->type != REDIS_REPLY_ARRAY) {
			snprintf(redis_error, sizeof(redis_error), "Redis SUBSCRIBE refused");
			rc = HUB_ERR_STORE;
		}
		if (r != NULL)
			freeReplyObject(r);
	}
	if (rc == HUB_OK) {
		inv->ctx = redis_ctx;
		*out = inv;
	} else {
		if (redis_ctx != NULL)
			redisFree(redis_ctx);
		free(inv);
	}
	redis_ctx = saved;
	redis_deferred = saved_deferred;
	redis_tracking_to = saved_tracking;
	return rc;
}

int
redis_invalidations_fd(const struct redis_invalidations *inv)
{
	return inv->ctx->fd;
}

long long
redis_invalidations_id(const struct redis_invalidations *inv)
{
	return inv->id;
}

/* Pass on the keys of one message of the invalidation channel. */
static void
redis_invalidation_apply(const redisReply *r, redis_key_fn on_key, void *arg)
{
	const redisReply *keys;
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING || strcmp(r->element[0]->str, "message") != 0)
		return;  /* not a message: nothing to forget */
	keys = r->element[2];
	if (keys->type != REDIS_REPLY_ARRAY) {
		on_key(arg, NULL, 0);  /* a flush (nil): every key */
		return;
	}
	for (i = 0; i < keys->elements; i++)
		if (keys->element[i]->type == REDIS_REPLY_STRING)
			on_key(arg, keys->element[i]->str, keys->element[i]->len);
}

int
redis_invalidations_read(struct redis_invalidations *inv, redis_key_fn on_key, void *arg)
{
	struct pollfd pfd = { .fd = inv->ctx->fd, .events = POLLIN | HUB_POLLRDHUP };
	void *reply;
	int n = 0;

	for (;;) {
		if (redisGetReplyFromReader(inv->ctx, &reply) != REDIS_OK)
			return HUB_ERR_STORE;
		if (reply != NULL) {
			redis_invalidation_apply(reply, on_key, arg);
			freeReplyObject(reply);
			n++;
			continue;
		}
		if (poll(&pfd, 1, 0) <= 0)
			return n;  /* all that has arrived is read */
		if (redisBufferRead(inv->ctx) != REDIS_OK)
			return HUB_ERR_STORE;  /* closed (EOF) or broken */
	}
}

void
redis_invalidations_close(struct redis_invalidations *inv)
{
	if (inv == NULL)
		return;
	redisFree(inv->ctx);
	free(inv);
}
