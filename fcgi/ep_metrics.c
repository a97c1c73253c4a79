/*
 * ep_metrics.c - GET /metrics: provider monitoring in the Prometheus text
 * exposition format (version 0.0.4).
 *
 * Every number comes from Redis (session/provider_stats.c), so any worker
 * of any host answers the same. Redis unreachable: 503 with the error
 * envelope, never a partial page.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "endpoints.h"
#include "http.h"
#include "providers/registry.h"
#include "session/plan_state.h"
#include "session/provider_stats.h"

/* A generous cap on the page: labels are bounded, so this is never hit. */
#define EP_METRICS_MAX_BYTES (4u * 1024u * 1024u)

/* Append s as a label value: \, " and newline escaped. */
static void
ep_metrics_label(struct hub_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			(void)hub_buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			(void)hub_buf_puts(b, "\\n");
		else
			(void)hub_buf_append(b, s, 1);
	}
}

/* Append {provider="..",model=".."[,extra]} */
static void
ep_metrics_labels(struct hub_buf *b, const struct provider_stats_entry *e, const char *extra_name,
    const char *extra_value)
{
	(void)hub_buf_puts(b, "{provider=\"");
	ep_metrics_label(b, e->provider);
	(void)hub_buf_puts(b, "\",model=\"");
	ep_metrics_label(b, e->model);
	if (extra_name != NULL) {
		(void)hub_buf_printf(b, "\",%s=\"", extra_name);
		ep_metrics_label(b, extra_value);
	}
	(void)hub_buf_puts(b, "\"}");
}

static void
ep_metrics_header(struct hub_buf *b, const char *name, const char *type, const char *help)
{
	(void)hub_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One histogram family in seconds from ms buckets. */
static void
ep_metrics_histogram(struct hub_buf *b, const char *name, const char *help,
    const struct provider_stats_entry *e, size_t n, int ttft)
{
	const struct provider_stats_hist *h;
	char le[32], metric[128];
	long long cum;
	size_t i;
	int k;

	ep_metrics_header(b, name, "histogram", help);
	for (i = 0; i < n; i++) {
		h = ttft ? &e[i].ttft : &e[i].duration;
		cum = 0;
		snprintf(metric, sizeof(metric), "%s_bucket", name);
		for (k = 0; k <= PROVIDER_STATS_N_BOUNDS; k++) {
			cum += h->bucket[k];
			if (k < PROVIDER_STATS_N_BOUNDS)
				snprintf(le, sizeof(le), "%g", PROVIDER_STATS_BOUNDS_MS[k] / 1000.0);
			else
				snprintf(le, sizeof(le), "+Inf");
			(void)hub_buf_puts(b, metric);
			ep_metrics_labels(b, &e[i], "le", le);
			(void)hub_buf_printf(b, " %lld\n", cum);
		}
		(void)hub_buf_printf(b, "%s_sum", name);
		ep_metrics_labels(b, &e[i], NULL, NULL);
		(void)hub_buf_printf(b, " %.3f\n", (double)h->sum_ms / 1000.0);
		(void)hub_buf_printf(b, "%s_count", name);
		ep_metrics_labels(b, &e[i], NULL, NULL);
		/* _count equals the +Inf bucket, as the format requires */
		(void)hub_buf_printf(b, " %lld\n", cum);
	}
}

/* The providers' plan state (session/plan_state.h): labels are the
 * configured providers and the four levels, so the set stays bounded. */
static void
ep_metrics_plan(struct hub_buf *b)
{
	struct plan_state st[HUB_MAX_PROVIDERS];
	const char *name[HUB_MAX_PROVIDERS];
	size_t i, n = 0;
	int l;

	for (i = 0; i < registry_count() && n < HUB_MAX_PROVIDERS; i++) {
		name[n] = registry_get(i)->name;
		if (plan_state_get(name[n], &st[n]) == HUB_OK && st[n].known)
			n++;
	}
	ep_metrics_header(b, "hub_plan_level", "gauge",
	    "The plan's usage level: 0 ok, 1 warning, 2 extra usage in use (allowed), 3 limit (refused).");
	for (i = 0; i < n; i++) {
		(void)hub_buf_puts(b, "hub_plan_level{provider=\"");
		ep_metrics_label(b, name[i]);
		(void)hub_buf_printf(b, "\"} %d\n", st[i].level);
	}
	ep_metrics_header(b, "hub_plan_utilization_ratio", "gauge",
	    "The limiting window's utilization as the provider last reported it (0-1).");
	for (i = 0; i < n; i++) {
		if (st[i].w.utilization < 0)
			continue;
		(void)hub_buf_puts(b, "hub_plan_utilization_ratio{provider=\"");
		ep_metrics_label(b, name[i]);
		(void)hub_buf_printf(b, "\"} %.4f\n", st[i].w.utilization);
	}
	ep_metrics_header(b, "hub_plan_overage_in_use", "gauge",
	    "1 when the last run drew on extra usage (billed), else 0.");
	for (i = 0; i < n; i++) {
		(void)hub_buf_puts(b, "hub_plan_overage_in_use{provider=\"");
		ep_metrics_label(b, name[i]);
		(void)hub_buf_printf(b, "\"} %d\n", st[i].w.using_overage);
	}
	ep_metrics_header(b, "hub_plan_resets_at_timestamp_seconds", "gauge",
	    "When the limiting window resets (Unix time); 0 unknown.");
	for (i = 0; i < n; i++) {
		(void)hub_buf_puts(b, "hub_plan_resets_at_timestamp_seconds{provider=\"");
		ep_metrics_label(b, name[i]);
		(void)hub_buf_printf(b, "\"} %lld\n", st[i].w.resets_at);
	}
	ep_metrics_header(b, "hub_plan_cooldown_until_timestamp_seconds", "gauge",
	    "Until when every host refuses the provider (Unix time); 0 none.");
	for (i = 0; i < n; i++) {
		(void)hub_buf_puts(b, "hub_plan_cooldown_until_timestamp_seconds{provider=\"");
		ep_metrics_label(b, name[i]);
		(void)hub_buf_printf(b, "\"} %.3f\n", (double)st[i].cooldown_until_ms / 1000.0);
	}
	ep_metrics_header(b, "hub_plan_level_changes_total", "counter",
	    "Times the plan's usage level was entered, by level.");
	for (i = 0; i < n; i++)
		for (l = 0; l <= PLAN_LEVEL_LIMIT; l++) {
			(void)hub_buf_puts(b, "hub_plan_level_changes_total{provider=\"");
			ep_metrics_label(b, name[i]);
			(void)hub_buf_printf(b, "\",level=\"%s\"} %lld\n", plan_level_name((enum plan_level)l),
			    st[i].entered[l]);
		}
	ep_metrics_header(b, "hub_plan_refused_total", "counter",
	    "Requests refused at once (no CLI started) while the provider cooled down.");
	for (i = 0; i < n; i++) {
		(void)hub_buf_puts(b, "hub_plan_refused_total{provider=\"");
		ep_metrics_label(b, name[i]);
		(void)hub_buf_printf(b, "\"} %lld\n", st[i].refused);
	}
}

void
ep_metrics(struct http_request *req)
{
	struct provider_stats_entry *e = NULL;
	struct hub_buf b;
	size_t n = 0, i, k;
	int rc;

	hub_buf_init(&b, EP_METRICS_MAX_BYTES);
	if ((rc = provider_stats_read(&e, &n)) != HUB_OK) {
		http_send_error(req, rc, rc == HUB_ERR_STORE ? 503 : 0, rc == HUB_ERR_STORE ?
		    "the metrics store (Redis) is unavailable; try again shortly" : NULL, NULL, NULL);
		goto out;
	}
	ep_metrics_header(&b, "hub_build_info", "gauge", "The hub's version; always 1.");
	(void)hub_buf_printf(&b, "hub_build_info{version=\"%s\"} 1\n", HUB_VERSION);

	ep_metrics_header(&b, "hub_provider_requests_in_flight", "gauge",
	    "Provider calls running now, across every worker and host.");
	for (i = 0; i < n; i++) {
		(void)hub_buf_puts(&b, "hub_provider_requests_in_flight");
		ep_metrics_labels(&b, &e[i], NULL, NULL);
		(void)hub_buf_printf(&b, " %lld\n", e[i].in_flight);
	}
	ep_metrics_header(&b, "hub_provider_requests_total", "counter",
	    "Provider calls finished, successful or not.");
	for (i = 0; i < n; i++) {
		(void)hub_buf_puts(&b, "hub_provider_requests_total");
		ep_metrics_labels(&b, &e[i], NULL, NULL);
		(void)hub_buf_printf(&b, " %lld\n", e[i].requests);
	}
	ep_metrics_header(&b, "hub_provider_errors_total", "counter",
	    "Provider calls that failed, by error kind (the error envelope's code).");
	for (i = 0; i < n; i++) {
		for (k = 0; k < e[i].n_kinds; k++) {
			(void)hub_buf_puts(&b, "hub_provider_errors_total");
			ep_metrics_labels(&b, &e[i], "kind", e[i].errors[k].kind);
			(void)hub_buf_printf(&b, " %lld\n", e[i].errors[k].count);
		}
	}
	ep_metrics_header(&b, "hub_provider_child_starts_total", "counter",
	    "Provider calls by how their CLI child started: warm (started ahead, "
	    "HUB_WARM_CHILDREN) or cold (started for the call).");
	for (i = 0; i < n; i++) {
		(void)hub_buf_puts(&b, "hub_provider_child_starts_total");
		ep_metrics_labels(&b, &e[i], "start", "warm");
		(void)hub_buf_printf(&b, " %lld\n", e[i].warm_starts);
		(void)hub_buf_puts(&b, "hub_provider_child_starts_total");
		ep_metrics_labels(&b, &e[i], "start", "cold");
		(void)hub_buf_printf(&b, " %lld\n", e[i].cold_starts);
	}
	ep_metrics_header(&b, "hub_provider_last_error_timestamp_seconds", "gauge",
	    "When the provider last failed (Unix time); 0 never.");
	for (i = 0; i < n; i++) {
		(void)hub_buf_puts(&b, "hub_provider_last_error_timestamp_seconds");
		ep_metrics_labels(&b, &e[i], NULL, NULL);
		(void)hub_buf_printf(&b, " %.3f\n", (double)e[i].last_error_at_ms / 1000.0);
	}
	ep_metrics_histogram(&b, "hub_provider_time_to_first_token_seconds",
	    "From starting the provider CLI to its first reply text.", e, n, 1);
	ep_metrics_histogram(&b, "hub_provider_duration_seconds",
	    "Whole provider calls, from start to end.", e, n, 0);
	ep_metrics_plan(&b);

	http_send_headers(req, 200, "text/plain; version=0.0.4; charset=utf-8", NULL);
	(void)http_write(req, b.data != NULL ? b.data : "", b.len);
out:
	hub_buf_free(&b);
	free(e);
}
