/*
 * ep_health.c - GET /health: is Redis reachable, are the provider CLIs there.
 *
 * 200 when Redis answers (a missing CLI only makes that provider
 * "unavailable"); 503 with a message naming Redis when it does not. Also
 * reports the Redis server's persistence (a warning field when it is off)
 * and what `./hub serve` restarted ("supervisor").
 * Where each CLI lives ("cli") is shown only to a request that presented a
 * valid client key (every request, with HUB_AUTH_HEALTH=key): an open
 * /health tells the world no paths.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_time.h"
#include "endpoints.h"
#include "http.h"
#include "providers/cli_info.h"
#include "providers/jail.h"
#include "providers/registry.h"
#include "session/redis.h"

/* What `./hub serve` restarted ("name count epoch" lines in
 * STATE_DIR/run/restarts), as {"restarts": N, "components": {...}}. */
static struct json_object *
ep_health_supervisor(void)
{
	struct json_object *o = json_object_new_object(), *comps = json_object_new_object(), *c;
	char path[4096], name[32], when[32];
	long long count, epoch, total = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/run/restarts", hub_cfg->state_dir);
	if ((f = fopen(path, "r")) != NULL) {
		while (fscanf(f, "%31s %lld %lld", name, &count, &epoch) == 3) {
			c = json_object_new_object();
			json_object_object_add(c, "restarts", json_object_new_int64(count));
			hub_time_iso8601(epoch * 1000, when, sizeof(when));
			json_object_object_add(c, "last_restart", json_object_new_string(when));
			json_object_object_add(comps, name, c);
			total += count;
		}
		fclose(f);
	}
	json_object_object_add(o, "restarts", json_object_new_int64(total));
	json_object_object_add(o, "components", comps);
	return o;
}

/* How long a thread reuses the server's persistence it read: a setting
 * that rarely changes, asked with INFO (the costliest command /health
 * sends), while the PING is sent every time. */
#define EP_HEALTH_PERSISTENCE_TTL_MS 10000

/* Add the server's persistence to the redis object; a warning when off. */
static void
ep_health_persistence(struct json_object *redis)
{
	static __thread char what[16];
	static __thread long long read_ms = -1;
	static __thread int rc;
	long long now = hub_time_mono_ms();

	if (read_ms < 0 || now - read_ms >= EP_HEALTH_PERSISTENCE_TTL_MS || rc < 0) {
		rc = redis_persistence(what, sizeof(what));
		read_ms = now;
	}

	json_object_object_add(redis, "persistence", json_object_new_string(what));
	if (rc == 0)
		json_object_object_add(redis, "warning", json_object_new_string(
		    "Redis persistence is off (no AOF, no save rules): a Redis restart loses every session; "
		    "enable appendonly (docs/DEPLOY.md)"));
}

void
ep_health(struct http_request *req)
{
	struct json_object *o, *components, *redis, *providers, *po;
	const struct provider *p;
	struct cli_info info;
	long long t0 = hub_time_mono_ms();
	char msg[400];
	size_t i;
	int redis_ok;

	redis_ok = redis_ping() == HUB_OK;
	o = json_object_new_object();
	components = json_object_new_object();
	redis = json_object_new_object();
	providers = json_object_new_object();
	json_object_object_add(redis, "status", json_object_new_string(redis_ok ? "ok" : "error"));
	json_object_object_add(redis, "latency_ms", json_object_new_int64(hub_time_mono_ms() - t0));
	if (!redis_ok) {
		snprintf(msg, sizeof(msg), "Redis is unreachable: %s", redis_last_error());
		json_object_object_add(redis, "message", json_object_new_string(msg));
	} else {
		ep_health_persistence(redis);
	}
	for (i = 0; i < registry_count(); i++) {
		p = registry_get(i);
		cli_info_get(p, 0, &info);
		po = json_object_new_object();
		json_object_object_add(po, "status", json_object_new_string(
		    !p->enabled ? "disabled" : info.found ? "ok" : "unavailable"));
		json_object_object_add(po, "cli_found", json_object_new_boolean(info.found));
		if (req->key_id != NULL)
			json_object_object_add(po, "cli", json_object_new_string(info.found ? info.path : p->cli));
		json_object_object_add(providers, p->name, po);
	}
	json_object_object_add(components, "redis", redis);
	json_object_object_add(components, "providers", providers);
	json_object_object_add(components, "supervisor", ep_health_supervisor());
	json_object_object_add(o, "status", json_object_new_string(redis_ok ? "ok" : "unavailable"));
	if (!redis_ok)
		json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "version", json_object_new_string(HUB_VERSION));
	json_object_object_add(o, "jail", json_object_new_string(jail_status()));
	json_object_object_add(o, "components", components);
	if (!redis_ok)
		req->log_error = hub_error_code(HUB_ERR_STORE);
	http_send_json(req, redis_ok ? 200 : 503, o, NULL);
	json_object_put(o);
}
