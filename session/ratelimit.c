/*
 * ratelimit.c - fixed-window request counting in Redis (INCR + EXPIRE).
 */
#include "config.h"

#include <stdio.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_time.h"
#include "ratelimit.h"
#include "redis.h"

/* The window key outlives its minute a little so clock skew between hosts
 * cannot restart a count early. */
#define RATELIMIT_WINDOW_S  60
#define RATELIMIT_KEY_TTL_S "120"

int
ratelimit_hit(const char *key_id, long limit_per_minute, long *retry_after_s)
{
	char key[256];
	long long now_s = hub_time_wall_ms() / 1000, window = now_s / RATELIMIT_WINDOW_S;
	const char *incr[] = { "INCR", key };
	const char *expire[] = { "EXPIRE", key, RATELIMIT_KEY_TTL_S };
	struct redis_cmd cmds[2] = { { 2, incr, NULL }, { 3, expire, NULL } };
	struct redis_reply *r[2];
	long long count;
	int rc;

	*retry_after_s = 0;
	snprintf(key, sizeof(key), "%sratelimit:%s:%lld", hub_cfg->key_prefix,
	    key_id != NULL && *key_id != '\0' ? key_id : "~", window);
	if ((rc = redis_pipeline(r, 2, cmds)) != HUB_OK)
		return rc;
	count = r[0]->type == REDIS_T_INTEGER ? r[0]->integer : -1;
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	if (count < 0)
		return HUB_ERR_STORE;
	if (count <= limit_per_minute)
		return HUB_OK;
	*retry_after_s = (long)((window + 1) * RATELIMIT_WINDOW_S - now_s);
	if (*retry_after_s < 1)
		*retry_after_s = 1;
	return HUB_ERR_RATE_LIMIT;
}
