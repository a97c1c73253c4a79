/*
 * plan_window.c - levels and cool-downs of a subscription's usage window.
 */
#include "config.h"

#include <string.h>

#include "plan_window.h"

static const char *const plan_status_names[] = {
	[PLAN_STATUS_UNKNOWN] = "unknown",
	[PLAN_STATUS_ALLOWED] = "allowed",
	[PLAN_STATUS_WARNING] = "allowed_warning",
	[PLAN_STATUS_REJECTED] = "rejected",
};

static const char *const plan_level_names[] = {
	[PLAN_LEVEL_OK] = "ok",
	[PLAN_LEVEL_WARNING] = "warning",
	[PLAN_LEVEL_OVERAGE] = "overage",
	[PLAN_LEVEL_LIMIT] = "limit",
};

void
plan_window_init(struct plan_window *w)
{
	memset(w, 0, sizeof(*w));
	w->utilization = -1;
}

const char *
plan_status_name(enum plan_status s)
{
	if ((int)s < 0 || (size_t)s >= sizeof(plan_status_names) / sizeof(plan_status_names[0]))
		return "unknown";
	return plan_status_names[s];
}

enum plan_status
plan_status_parse(const char *name)
{
	size_t i;

	for (i = 1; name != NULL && i < sizeof(plan_status_names) / sizeof(plan_status_names[0]); i++)
		if (strcmp(plan_status_names[i], name) == 0)
			return (enum plan_status)i;
	return PLAN_STATUS_UNKNOWN;
}

const char *
plan_level_name(enum plan_level l)
{
	if ((int)l < 0 || (size_t)l >= sizeof(plan_level_names) / sizeof(plan_level_names[0]))
		return "ok";
	return plan_level_names[l];
}

int
plan_level_parse(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(plan_level_names) / sizeof(plan_level_names[0]); i++)
		if (strcmp(plan_level_names[i], name) == 0)
			return (int)i;
	return -1;
}

enum plan_level
plan_window_level(const struct plan_window *w, int overage_allow, double warn_utilization)
{
	if (!w->seen)
		return PLAN_LEVEL_OK;
	if (w->using_overage)
		return overage_allow ? PLAN_LEVEL_OVERAGE : PLAN_LEVEL_LIMIT;
	if (w->status == PLAN_STATUS_REJECTED)
		return PLAN_LEVEL_LIMIT;
	if (w->status == PLAN_STATUS_WARNING ||
	    (warn_utilization > 0 && w->utilization >= warn_utilization))
		return PLAN_LEVEL_WARNING;
	return PLAN_LEVEL_OK;
}

long long
plan_window_cooldown_until_ms(const struct plan_window *w, enum plan_level level,
    long long now_ms, long long fallback_ms)
{
	if (level != PLAN_LEVEL_LIMIT)
		return 0;
	/* 0 < resets_at < year 10000: a sane epoch in seconds */
	if (w->resets_at > 0 && w->resets_at < 253402300800LL && w->resets_at * 1000 > now_ms)
		return w->resets_at * 1000;
	return now_ms + fallback_ms;
}
