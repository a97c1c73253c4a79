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
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_os.h"
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
ep_health_supervisor(const char *path)
{
	struct json_object *o = json_object_new_object(), *comps = json_object_new_object(), *c;
	char name[32], when[32];
	long long count, epoch, total = 0;
	FILE *f;

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
 * sends). */
#define EP_HEALTH_PERSISTENCE_TTL_MS 10000

/* Bumped whenever a part of this thread's answer is made anew (an
 * answered PING, the persistence, the providers, the restarts): the text
 * of the answer is kept while it stays the same. */
static __thread unsigned long ep_health_seq;

/*
 * How long a thread reuses a PING that Redis answered, and the providers'
 * part of the answer (their CLIs are looked up at most once a second
 * anyway): a health check polled many times a second costs no Redis round
 * trip each time, while Redis going away shows within this time. A failed
 * PING is never reused: every request asks again until Redis answers. The
 * supervisor's restarts are read again whenever their file changed.
 */
#define EP_HEALTH_KEEP_MS 1000

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
		ep_health_seq++;
	}
	if (redis == NULL)
		return;

	json_object_object_add(redis, "persistence", json_object_new_string(what));
	if (rc == 0)
		json_object_object_add(redis, "warning", json_object_new_string(
		    "Redis persistence is off (no AOF, no save rules): a Redis restart loses every session; "
		    "enable appendonly (docs/DEPLOY.md)"));
}

/* PING Redis, or reuse this thread's last answered PING of the last
 * EP_HEALTH_KEEP_MS; *latency_ms is that PING's. */
static int
ep_health_ping(long long now, long long *latency_ms)
{
	static __thread long long ok_ms = -1, ok_latency;

	if (ok_ms >= 0 && now - ok_ms < EP_HEALTH_KEEP_MS) {
		*latency_ms = ok_latency;
		return HUB_OK;
	}
	ok_ms = -1;
	if (redis_ping() != HUB_OK) {
		*latency_ms = hub_time_mono_ms() - now;
		return HUB_ERR_STORE;
	}
	ok_latency = *latency_ms = hub_time_mono_ms() - now;
	ok_ms = now;
	ep_health_seq++;
	return HUB_OK;
}

/* Each provider's status (and, when with_paths, where its CLI is). */
static struct json_object *
ep_health_providers(int with_paths)
{
	struct json_object *providers = json_object_new_object(), *po;
	const struct provider *p;
	struct cli_info info;
	size_t i;

	for (i = 0; i < registry_count(); i++) {
		p = registry_get(i);
		cli_info_get(p, 0, &info);
		po = json_object_new_object();
		json_object_object_add(po, "status", json_object_new_string(
		    !p->enabled ? "disabled" : info.found ? "ok" : "unavailable"));
		json_object_object_add(po, "cli_found", json_object_new_boolean(info.found));
		if (with_paths)
			json_object_object_add(po, "cli", json_object_new_string(info.found ? info.path : p->cli));
		json_object_object_add(providers, p->name, po);
	}
	return providers;
}

/* What this thread keeps of the answer: the providers, without and with
 * the paths of their CLIs, for EP_HEALTH_KEEP_MS and its provider table;
 * the supervisor's restarts while their file is the same. */
struct ep_health_kept {
	long long built_ms;
	unsigned long generation;
	struct json_object *providers[2];
	struct json_object *supervisor;
	struct hub_os_file_sig sup_sig;
	char sup_path[4096];
};

static struct ep_health_kept *
ep_health_kept(long long now)
{
	static __thread struct ep_health_kept k = { .built_ms = -1 };
	unsigned long gen = registry_generation();
	struct hub_os_file_sig sig;

	if (k.built_ms < 0 || now - k.built_ms >= EP_HEALTH_KEEP_MS || k.generation != gen) {
		json_object_put(k.providers[0]);
		json_object_put(k.providers[1]);
		k.providers[0] = ep_health_providers(0);
		k.providers[1] = ep_health_providers(1);
		k.built_ms = now;
		k.generation = gen;
		ep_health_seq++;
	}
	if (k.sup_path[0] == '\0')
		snprintf(k.sup_path, sizeof(k.sup_path), "%s/run/restarts", hub_cfg->state_dir);
	hub_os_file_sig(k.sup_path, &sig);
	if (k.supervisor == NULL || !hub_os_file_sig_equal(&sig, &k.sup_sig)) {
		json_object_put(k.supervisor);
		k.supervisor = ep_health_supervisor(k.sup_path);
		k.sup_sig = sig;
		ep_health_seq++;
	}
	return &k;
}

void
ep_health(struct http_request *req)
{
	static __thread char *body[2];          /* without and with the paths */
	static __thread unsigned long body_seq[2];
	struct json_object *o, *components, *redis;
	struct ep_health_kept *kept;
	long long now = hub_time_mono_ms(), latency_ms;
	char msg[400];
	int redis_ok, with_paths = req->key_id != NULL;

	redis_ok = ep_health_ping(now, &latency_ms) == HUB_OK;
	kept = ep_health_kept(now);
	if (redis_ok) {
		ep_health_persistence(NULL);   /* read again when due */
		if (body[with_paths] != NULL && body_seq[with_paths] == ep_health_seq) {
			http_send_headers(req, 200, "application/json", NULL);
			(void)http_write(req, body[with_paths], strlen(body[with_paths]));
			return;
		}
	}
	o = json_object_new_object();
	components = json_object_new_object();
	redis = json_object_new_object();
	json_object_object_add(redis, "status", json_object_new_string(redis_ok ? "ok" : "error"));
	json_object_object_add(redis, "latency_ms", json_object_new_int64(latency_ms));
	if (!redis_ok) {
		snprintf(msg, sizeof(msg), "Redis is unreachable: %s", redis_last_error());
		json_object_object_add(redis, "message", json_object_new_string(msg));
	} else {
		ep_health_persistence(redis);
	}
	json_object_object_add(components, "redis", redis);
	json_object_object_add(components, "providers", json_object_get(kept->providers[with_paths]));
	json_object_object_add(components, "supervisor", json_object_get(kept->supervisor));
	json_object_object_add(o, "status", json_object_new_string(redis_ok ? "ok" : "unavailable"));
	if (!redis_ok)
		json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "version", json_object_new_string(HUB_VERSION));
	json_object_object_add(o, "jail", json_object_new_string(jail_status()));
	json_object_object_add(o, "components", components);
	if (!redis_ok)
		req->log_error = hub_error_code(HUB_ERR_STORE);
	http_send_json(req, redis_ok ? 200 : 503, o, NULL);
	if (redis_ok) {   /* the same answer until a part of it changes */
		free(body[with_paths]);
		if ((body[with_paths] = malloc(strlen(hub_json_compact(o)) + 2)) != NULL) {
			sprintf(body[with_paths], "%s\n", hub_json_compact(o));
			body_seq[with_paths] = ep_health_seq;
		}
	}
	json_object_put(o);
}
