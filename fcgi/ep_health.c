/*
 * ep_health.c - GET /health: is Redis reachable, are the provider CLIs there.
 *
 * 200 when Redis answers (a missing CLI only makes that provider
 * "unavailable"); 503 with a message naming Redis when it does not.
 * Where each CLI lives ("cli") is shown only to a request that presented a
 * valid client key (every request, with HUB_AUTH_HEALTH=key): an open
 * /health tells the world no paths.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>

#include "common/hub_error.h"
#include "common/hub_time.h"
#include "endpoints.h"
#include "http.h"
#include "providers/cli_info.h"
#include "providers/registry.h"
#include "session/redis.h"

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
	json_object_object_add(o, "status", json_object_new_string(redis_ok ? "ok" : "unavailable"));
	if (!redis_ok)
		json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "version", json_object_new_string(HUB_VERSION));
	json_object_object_add(o, "components", components);
	if (!redis_ok)
		req->log_error = hub_error_code(HUB_ERR_STORE);
	http_send_json(req, redis_ok ? 200 : 503, o, NULL);
	json_object_put(o);
}
