/*
 * plan_state.c - the providers' usage windows and cool-downs in Redis.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "plan_state.h"
#include "redis.h"

/* While another host runs the probe, the others say "retry in": */
#define PLAN_STATE_PROBE_WAIT_MS 5000

/*
 * Record a report atomically; answer {level before, level alerted before
 * or -1}. ARGV: 1 now_ms, 2 level, 3 has_window, 4 status, 5 type,
 * 6 utilization, 7 resets_at, 8 using_overage, 9 overage_status,
 * 10 overage_resets_at, 11 overage_disabled_reason, 12 cooldown_until,
 * 13 probe, 14 claim_alert, 15 ttl_s, 16 sig. KEYS: 1 the record, 2 the probe.
 */
static const char plan_state_script[] =
	"local now = tonumber(ARGV[1]) local lvl = tonumber(ARGV[2]) "
	"local cu = tonumber(redis.call('HGET', KEYS[1], 'cooldown_until') or '0') "
	"if ARGV[13] ~= '1' and lvl < 3 and cu > now then return {-1, -1} end "
	"local old = tonumber(redis.call('HGET', KEYS[1], 'level') or '0') "
	"if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'status', ARGV[4], 'type', ARGV[5], "
	"  'utilization', ARGV[6], 'resets_at', ARGV[7], 'using_overage', ARGV[8], "
	"  'overage_status', ARGV[9], 'overage_resets_at', ARGV[10], "
	"  'overage_disabled_reason', ARGV[11]) end "
	"redis.call('HSET', KEYS[1], 'level', ARGV[2], 'cooldown_until', ARGV[12], 'updated_ms', ARGV[1], "
	"  'sig', ARGV[16]) "
	"if lvl ~= old then redis.call('HINCRBY', KEYS[1], 'entered_' .. ARGV[2], 1) end "
	"if ARGV[13] == '1' or lvl < 3 then redis.call('DEL', KEYS[2]) end "
	"redis.call('EXPIRE', KEYS[1], ARGV[15]) "
	"local al = -1 "
	"if ARGV[14] == '1' then "
	"  local prev = tonumber(redis.call('HGET', KEYS[1], 'alerted') or '0') "
	"  if prev ~= lvl then redis.call('HSET', KEYS[1], 'alerted', ARGV[2]) al = prev end "
	"end "
	"return {old, al}";

static void
plan_state_key(char *out, size_t len, const char *provider)
{
	snprintf(out, len, "%splan:%s", hub_cfg->key_prefix, provider);
}

static void
plan_state_probe_key(char *out, size_t len, const char *provider)
{
	snprintf(out, len, "%splan:probe:%s", hub_cfg->key_prefix, provider);
}

void
plan_state_signature(const struct plan_window *w, int level, char *sig, size_t sig_len)
{
	snprintf(sig, sig_len, "%d|%s|%s|%lld|%d|%s|%lld|%.0f|%s", level, plan_status_name(w->status),
	    w->type, w->resets_at, w->using_overage, plan_status_name(w->overage_status),
	    w->overage_resets_at, w->utilization >= 0 ? w->utilization * 100 : -1.0,
	    w->overage_disabled_reason);
}

void
plan_state_gate_build(const char *provider, struct plan_state_gate_cmd *c)
{
	plan_state_key(c->key, sizeof(c->key), provider);
	c->argv[0] = "HMGET";
	c->argv[1] = c->key;
	c->argv[2] = "cooldown_until";
	c->argv[3] = "sig";
	c->cmd = (struct redis_cmd){ 4, c->argv, NULL };
}

int
plan_state_gate_read(const char *provider, const struct redis_reply *r, long long now_ms,
    long probe_ttl_ms, long long *until_ms, char *sig, size_t sig_len)
{
	char pkey[256], ttl[24];
	const char *setv[] = { "SET", pkey, "1", "NX", "PX", ttl };
	struct redis_reply *p;
	long long until = 0;
	int rc;

	*until_ms = 0;
	if (sig_len > 0)
		sig[0] = '\0';
	if (r == NULL || r->type != REDIS_T_ARRAY || r->elements != 2)
		return HUB_ERR_STORE;
	if (r->element[0]->type == REDIS_T_STRING)
		until = strtoll(r->element[0]->str, NULL, 10);
	if (r->element[1]->type == REDIS_T_STRING && sig_len > 0)
		snprintf(sig, sig_len, "%s", r->element[1]->str);
	if (until <= 0)
		return PLAN_GATE_OPEN;
	if (now_ms < until) {
		*until_ms = until;
		return PLAN_GATE_CLOSED;
	}
	/* the cool-down is over: one caller in the fleet probes */
	plan_state_probe_key(pkey, sizeof(pkey), provider);
	snprintf(ttl, sizeof(ttl), "%ld", probe_ttl_ms > 0 ? probe_ttl_ms : 60000L);
	if ((rc = redis_command(&p, 6, setv, NULL)) != HUB_OK)
		return rc;
	rc = p->type == REDIS_T_STATUS ? PLAN_GATE_PROBE : p->type == REDIS_T_NIL ?
	    PLAN_GATE_CLOSED : HUB_ERR_STORE;
	redis_reply_free(p);
	if (rc == PLAN_GATE_CLOSED)
		*until_ms = now_ms + PLAN_STATE_PROBE_WAIT_MS;
	return rc;
}

int
plan_state_gate(const char *provider, long long now_ms, long probe_ttl_ms, long long *until_ms,
    char *sig, size_t sig_len)
{
	struct plan_state_gate_cmd c;
	struct redis_reply *r = NULL;
	int rc;

	*until_ms = 0;
	if (sig_len > 0)
		sig[0] = '\0';
	plan_state_gate_build(provider, &c);
	if ((rc = redis_command(&r, c.cmd.argc, c.cmd.argv, NULL)) != HUB_OK)
		return rc;
	rc = plan_state_gate_read(provider, r, now_ms, probe_ttl_ms, until_ms, sig, sig_len);
	redis_reply_free(r);
	return rc;
}

int
plan_state_report(const char *provider, const struct plan_window *w, int level,
    long long cooldown_until_ms, int probe, int claim_alert, long long now_ms,
    int *alert_from, int *alert_to)
{
	char key[256], pkey[256], now[24], lvl[8], util[32], resets[24], ov_resets[24], cu[24],
	    ttl[24], sig[160];
	const char *argv[] = { "EVAL", plan_state_script, "2", key, pkey, now, lvl,
	    w->seen ? "1" : "0", plan_status_name(w->status), w->type, util, resets,
	    w->using_overage ? "1" : "0", plan_status_name(w->overage_status), ov_resets,
	    w->overage_disabled_reason, cu, probe ? "1" : "0", claim_alert ? "1" : "0", ttl, sig };
	struct redis_reply *r;
	int rc;

	*alert_from = *alert_to = -1;
	plan_state_key(key, sizeof(key), provider);
	plan_state_probe_key(pkey, sizeof(pkey), provider);
	snprintf(now, sizeof(now), "%lld", now_ms);
	snprintf(lvl, sizeof(lvl), "%d", level);
	if (w->utilization >= 0)
		snprintf(util, sizeof(util), "%.4f", w->utilization);
	else
		util[0] = '\0';
	snprintf(resets, sizeof(resets), "%lld", w->resets_at);
	snprintf(ov_resets, sizeof(ov_resets), "%lld", w->overage_resets_at);
	snprintf(cu, sizeof(cu), "%lld", cooldown_until_ms);
	snprintf(ttl, sizeof(ttl), "%ld", PLAN_STATE_TTL_S);
	plan_state_signature(w, level, sig, sizeof(sig));
	if ((rc = redis_command(&r, (int)(sizeof(argv) / sizeof(argv[0])), argv, NULL)) != HUB_OK)
		return rc;
	if (r->type != REDIS_T_ARRAY || r->elements != 2 || r->element[1]->type != REDIS_T_INTEGER) {
		redis_reply_free(r);
		return HUB_ERR_STORE;
	}
	if (r->element[1]->integer >= 0) {
		*alert_from = (int)r->element[1]->integer;
		*alert_to = level;
	}
	redis_reply_free(r);
	return HUB_OK;
}

int
plan_state_release_probe(const char *provider)
{
	char pkey[256];
	const char *argv[] = { "DEL", pkey };
	struct redis_reply *r;
	int rc;

	plan_state_probe_key(pkey, sizeof(pkey), provider);
	if ((rc = redis_command(&r, 2, argv, NULL)) != HUB_OK)
		return rc;
	redis_reply_free(r);
	return HUB_OK;
}

int
plan_state_count_refused(const char *provider)
{
	char key[256];
	const char *argv[] = { "HINCRBY", key, "refused", "1" };
	struct redis_reply *r;
	int rc;

	plan_state_key(key, sizeof(key), provider);
	if ((rc = redis_command(&r, 4, argv, NULL)) != HUB_OK)
		return rc;
	redis_reply_free(r);
	return HUB_OK;
}

/* Set field k of the struct plan_state at arg to v (redis_hash_field_fn). */
static void
plan_state_field(void *arg, const char *k, const char *v)
{
	struct plan_state *out = arg;
	struct plan_window *w = &out->w;

	if (strcmp(k, "level") == 0)
		out->level = atoi(v);
	else if (strcmp(k, "status") == 0)
		w->seen = 1, w->status = plan_status_parse(v);
	else if (strcmp(k, "type") == 0)
		snprintf(w->type, sizeof(w->type), "%s", v);
	else if (strcmp(k, "utilization") == 0)
		w->utilization = v[0] ? strtod(v, NULL) : -1;
	else if (strcmp(k, "resets_at") == 0)
		w->resets_at = strtoll(v, NULL, 10);
	else if (strcmp(k, "using_overage") == 0)
		w->using_overage = strcmp(v, "1") == 0;
	else if (strcmp(k, "overage_status") == 0)
		w->overage_status = plan_status_parse(v);
	else if (strcmp(k, "overage_resets_at") == 0)
		w->overage_resets_at = strtoll(v, NULL, 10);
	else if (strcmp(k, "overage_disabled_reason") == 0)
		snprintf(w->overage_disabled_reason, sizeof(w->overage_disabled_reason), "%s", v);
	else if (strcmp(k, "updated_ms") == 0)
		out->updated_ms = strtoll(v, NULL, 10);
	else if (strcmp(k, "cooldown_until") == 0)
		out->cooldown_until_ms = strtoll(v, NULL, 10);
	else if (strcmp(k, "refused") == 0)
		out->refused = strtoll(v, NULL, 10);
	else if (strncmp(k, "entered_", 8) == 0 && k[8] >= '0' && k[8] <= '3' && k[9] == '\0')
		out->entered[k[8] - '0'] = strtoll(v, NULL, 10);
}

int
plan_state_get(const char *provider, struct plan_state *out)
{
	char key[256];
	int rc;

	memset(out, 0, sizeof(*out));
	plan_window_init(&out->w);
	plan_state_key(key, sizeof(key), provider);
	if ((rc = redis_hash_get(key, plan_state_field, out)) < 0)
		return rc;
	out->known = rc > 0;
	return HUB_OK;
}
