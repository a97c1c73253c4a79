/*
 * redis.c - per-thread hiredis connection with timeouts and rebuild on error.
 */
#include "config.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "redis.h"
#include "redis_url.h"

static __thread redisContext *redis_ctx;
static __thread char redis_error[256];

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
	struct pollfd pfd = { .fd = redis_ctx->fd, .events = POLLIN | POLLRDHUP };

	return poll(&pfd, 1, 0) != 0;
}

/* Connect the calling thread when it has no (live) connection. */
static int
redis_connect(void)
{
	struct redis_url url;
	struct timeval tv;
	char db[16];
	const char *argv[3];
	int rc;

	if (redis_ctx != NULL && redis_conn_closed())
		redis_disconnect();
	if (redis_ctx != NULL)
		return HUB_OK;
	if (hub_cfg == NULL || redis_url_parse(hub_cfg->redis_url, &url) != HUB_OK) {
		snprintf(redis_error, sizeof(redis_error), "REDIS_URL is not valid");
		return HUB_ERR_STORE;
	}
	tv.tv_sec = hub_cfg->redis_timeout_ms / 1000;
	tv.tv_usec = (hub_cfg->redis_timeout_ms % 1000) * 1000;
	if (url.socket_path[0] != '\0')
		redis_ctx = redisConnectUnixWithTimeout(url.socket_path, tv);
	else
		redis_ctx = redisConnectWithTimeout(url.host, url.port, tv);
	if (redis_ctx == NULL)
		return redis_fail("cannot allocate a Redis context");
	if (redis_ctx->err)
		return redis_fail("cannot connect to Redis");
	if (redisSetTimeout(redis_ctx, tv) != REDIS_OK)
		return redis_fail("cannot set the Redis timeout");
	if (url.socket_path[0] == '\0')
		(void)redisEnableKeepAlive(redis_ctx);
	if (url.password[0] != '\0') {
		argv[0] = "AUTH";
		if (url.username[0] != '\0') {
			argv[1] = url.username;
			argv[2] = url.password;
			rc = redis_setup_command(3, argv, "Redis AUTH failed");
		} else {
			argv[1] = url.password;
			rc = redis_setup_command(2, argv, "Redis AUTH failed");
		}
		if (rc != HUB_OK)
			return rc;
	}
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

int
redis_pipeline(struct redis_reply **out, size_t ncmd, const struct redis_cmd *cmds)
{
	redisReply *r;
	size_t i;
	int rc;

	for (i = 0; i < ncmd; i++)
		out[i] = NULL;
	if ((rc = redis_connect()) != HUB_OK)
		return rc;
	for (i = 0; i < ncmd; i++)
		if (redisAppendCommandArgv(redis_ctx, cmds[i].argc, cmds[i].argv, cmds[i].argvlen) != REDIS_OK)
			return redis_fail("cannot send a Redis command");
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
	struct redis_reply *r = NULL;
	int rc, aof;

	snprintf(what, len, "unknown");
	if ((rc = redis_command(&r, 2, info, NULL)) != HUB_OK)
		return rc;
	if (r->type != REDIS_T_STRING) {
		redis_reply_free(r);
		return HUB_ERR_STORE;
	}
	aof = redis_info_flag(r->str, "aof_enabled:");
	redis_reply_free(r);
	if (aof) {
		snprintf(what, len, "aof");
		return 1;
	}
	/* CONFIG may be renamed away on a managed server: then it stays unknown */
	if ((rc = redis_command(&r, 3, save, NULL)) != HUB_OK)
		return rc;
	if (r->type == REDIS_T_ARRAY && r->elements == 2 && r->element[1]->str != NULL) {
		rc = r->element[1]->str[0] != '\0';
		snprintf(what, len, rc ? "rdb" : "off");
	} else {
		rc = HUB_ERR_STORE;
	}
	redis_reply_free(r);
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
