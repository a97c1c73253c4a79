/*
 * provider_list.c - providers as JSON.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_time.h"
#include "provider_list.h"
#include "providers/cli_info.h"
#include "providers/registry.h"
#include "session/plan_state.h"
#include "session/provider_stats.h"

/* Whether the provider's credentials are configured (never their value). */
static int
provider_list_has_credentials(const struct provider *p)
{
	return p->ops->has_credentials != NULL ? p->ops->has_credentials(p) : 1;
}

/* A histogram as {count, sum, p50, p90, p99} in ms (percentiles estimated). */
static struct json_object *
provider_list_hist(const struct provider_stats_hist *h)
{
	static const struct { const char *name; double q; } qs[] = {
		{ "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 }
	};
	struct json_object *o = json_object_new_object();
	double v;
	size_t i;

	json_object_object_add(o, "count", json_object_new_int64(h->count));
	json_object_object_add(o, "sum", json_object_new_int64(h->sum_ms));
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		v = provider_stats_quantile(h, qs[i].q);
		json_object_object_add(o, qs[i].name, v < 0 ? NULL : json_object_new_int64((int64_t)(v + 0.5)));
	}
	return o;
}

/* One stats object from a (possibly summed) entry. */
static struct json_object *
provider_list_stats_one(const struct provider_stats_entry *e)
{
	struct json_object *o = json_object_new_object(), *errors = json_object_new_object(), *last;
	char ts[32];
	size_t i;

	json_object_object_add(o, "in_flight", json_object_new_int64(e->in_flight));
	json_object_object_add(o, "requests", json_object_new_int64(e->requests));
	for (i = 0; i < e->n_kinds; i++)
		json_object_object_add(errors, e->errors[i].kind, json_object_new_int64(e->errors[i].count));
	json_object_object_add(o, "errors", errors);
	json_object_object_add(o, "time_to_first_token_ms", provider_list_hist(&e->ttft));
	json_object_object_add(o, "duration_ms", provider_list_hist(&e->duration));
	last = NULL;
	if (e->last_error_at_ms > 0) {
		last = json_object_new_object();
		json_object_object_add(last, "kind", json_object_new_string(e->last_error_kind));
		json_object_object_add(last, "message", json_object_new_string(e->last_error));
		json_object_object_add(last, "at", json_object_new_string(
		    hub_time_iso8601(e->last_error_at_ms, ts, sizeof(ts))));
	}
	json_object_object_add(o, "last_error", last);
	return o;
}

/* Add b's counts into a (same provider, another model). */
static void
provider_list_stats_sum(struct provider_stats_entry *a, const struct provider_stats_entry *b)
{
	size_t i, j;
	int k;

	a->in_flight += b->in_flight;
	a->requests += b->requests;
	for (k = 0; k <= PROVIDER_STATS_N_BOUNDS; k++) {
		a->ttft.bucket[k] += b->ttft.bucket[k];
		a->duration.bucket[k] += b->duration.bucket[k];
	}
	a->ttft.sum_ms += b->ttft.sum_ms;
	a->ttft.count += b->ttft.count;
	a->duration.sum_ms += b->duration.sum_ms;
	a->duration.count += b->duration.count;
	for (j = 0; j < b->n_kinds; j++) {
		for (i = 0; i < a->n_kinds && strcmp(a->errors[i].kind, b->errors[j].kind) != 0; i++)
			;
		if (i == a->n_kinds) {
			if (a->n_kinds >= PROVIDER_STATS_MAX_KINDS)
				continue;
			a->errors[a->n_kinds++] = b->errors[j];
		} else {
			a->errors[i].count += b->errors[j].count;
		}
	}
	if (b->last_error_at_ms > a->last_error_at_ms) {
		a->last_error_at_ms = b->last_error_at_ms;
		memcpy(a->last_error, b->last_error, sizeof(a->last_error));
		memcpy(a->last_error_kind, b->last_error_kind, sizeof(a->last_error_kind));
	}
}

/*
 * The "stats" object of provider p: totals over its models plus a
 * "models" object with the same numbers per model; null when the store
 * cannot be read.
 */
static struct json_object *
provider_list_stats(const struct provider *p)
{
	struct provider_stats_entry *all = NULL, *total = NULL;
	struct json_object *o = NULL, *models;
	size_t n = 0, i;

	if (provider_stats_read(&all, &n) != HUB_OK)
		return NULL;
	if ((total = calloc(1, sizeof(*total))) == NULL)
		goto out;
	models = json_object_new_object();
	for (i = 0; i < n; i++) {
		if (strcmp(all[i].provider, p->name) != 0)
			continue;
		provider_list_stats_sum(total, &all[i]);
		json_object_object_add(models, all[i].model, provider_list_stats_one(&all[i]));
	}
	o = provider_list_stats_one(total);
	json_object_object_add(o, "models", models);
out:
	free(total);
	free(all);
	return o;
}

/* An epoch (ms) as ISO 8601, or null when 0. */
static struct json_object *
provider_list_iso(long long ms)
{
	char iso[40];

	return ms > 0 ? json_object_new_string(hub_time_iso8601(ms, iso, sizeof(iso))) : NULL;
}

struct json_object *
provider_list_plan(const struct provider *p)
{
	struct json_object *o = json_object_new_object();
	struct plan_state st;
	const struct plan_window *w = &st.w;
	long long now = hub_time_wall_ms();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "overage", json_object_new_string(p->overage_allow ? "allow" : "deny"));
	if (plan_state_get(p->name, &st) != HUB_OK) {
		json_object_object_add(o, "level", json_object_new_string("unknown"));
		json_object_object_add(o, "error", json_object_new_string("the store (Redis) did not answer"));
		return o;
	}
	if (!st.known) {
		json_object_object_add(o, "level", json_object_new_string("unknown"));
		return o;
	}
	json_object_object_add(o, "level", json_object_new_string(plan_level_name((enum plan_level)st.level)));
	json_object_object_add(o, "status", w->seen ? json_object_new_string(plan_status_name(w->status)) : NULL);
	json_object_object_add(o, "window", w->type[0] ? json_object_new_string(w->type) : NULL);
	json_object_object_add(o, "utilization", w->utilization >= 0 ? json_object_new_double(w->utilization) : NULL);
	json_object_object_add(o, "resets_at", provider_list_iso(w->resets_at * 1000));
	json_object_object_add(o, "overage_in_use", json_object_new_boolean(w->using_overage));
	json_object_object_add(o, "overage_status", w->overage_status != PLAN_STATUS_UNKNOWN ?
	    json_object_new_string(plan_status_name(w->overage_status)) : NULL);
	json_object_object_add(o, "overage_resets_at", provider_list_iso(w->overage_resets_at * 1000));
	json_object_object_add(o, "overage_disabled_reason", w->overage_disabled_reason[0] ?
	    json_object_new_string(w->overage_disabled_reason) : NULL);
	json_object_object_add(o, "updated_at", provider_list_iso(st.updated_ms));
	json_object_object_add(o, "cooling_down", json_object_new_boolean(st.cooldown_until_ms > now));
	json_object_object_add(o, "cooldown_until", provider_list_iso(st.cooldown_until_ms));
	json_object_object_add(o, "refused", json_object_new_int64(st.refused));
	return o;
}

struct json_object *
provider_list_one(const struct provider *p, int with_version)
{
	struct json_object *po, *models;
	const char *const *m;
	struct cli_info info;
	const char *status;
	int creds;

	cli_info_get(p, with_version, &info);
	creds = provider_list_has_credentials(p);
	status = !p->enabled ? "disabled" : !info.found ? "cli_missing" :
	    !creds ? "no_credentials" : "ok";
	if ((po = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(po, "name", json_object_new_string(p->name));
	json_object_object_add(po, "status", json_object_new_string(status));
	json_object_object_add(po, "enabled", json_object_new_boolean(p->enabled));
	json_object_object_add(po, "cli", json_object_new_string(p->cli));
	json_object_object_add(po, "cli_path", info.found ? json_object_new_string(info.path) : NULL);
	if (with_version)
		json_object_object_add(po, "cli_version", info.version[0] ? json_object_new_string(info.version) : NULL);
	json_object_object_add(po, "default_model", p->default_model ? json_object_new_string(p->default_model) : NULL);
	models = json_object_new_array();
	for (m = p->models; m != NULL && *m != NULL; m++)
		json_object_array_add(models, json_object_new_string(*m));
	json_object_object_add(po, "models", models);
	json_object_object_add(po, "credentials_present", json_object_new_boolean(creds));
	json_object_object_add(po, "timeout_s", json_object_new_int64(p->timeout_s));
	json_object_object_add(po, "stats", provider_list_stats(p));
	json_object_object_add(po, "plan", provider_list_plan(p));
	return po;
}

struct json_object *
provider_list_all(int with_version)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; a != NULL && i < registry_count(); i++)
		json_object_array_add(a, provider_list_one(registry_get(i), with_version));
	return a;
}
