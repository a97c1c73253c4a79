/*
 * test_plan_window.c - unit tests of the plan levels and cool-downs, and
 * of the [route NAME] / overage settings of the configuration file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hub_error.h"
#include "common/plan_window.h"
#include "providers/provider_conf.h"
#include "tap.h"

static struct plan_window
window(enum plan_status st, double util, long long resets_at, int overage)
{
	struct plan_window w;

	plan_window_init(&w);
	w.seen = 1;
	w.status = st;
	w.utilization = util;
	w.resets_at = resets_at;
	w.using_overage = overage;
	return w;
}

static void
test_levels(void)
{
	struct plan_window w;

	plan_window_init(&w);
	ok(plan_window_level(&w, 0, 0.9) == PLAN_LEVEL_OK, "no report: ok");
	w = window(PLAN_STATUS_ALLOWED, 0.5, 0, 0);
	ok(plan_window_level(&w, 0, 0.9) == PLAN_LEVEL_OK, "allowed under the threshold: ok");
	w = window(PLAN_STATUS_ALLOWED, 0.95, 0, 0);
	ok(plan_window_level(&w, 0, 0.9) == PLAN_LEVEL_WARNING, "allowed over the threshold: warning");
	ok(plan_window_level(&w, 0, 0) == PLAN_LEVEL_OK, "threshold 0: only the provider warns");
	w = window(PLAN_STATUS_WARNING, -1, 0, 0);
	ok(plan_window_level(&w, 0, 0.9) == PLAN_LEVEL_WARNING, "allowed_warning: warning");
	w = window(PLAN_STATUS_REJECTED, 1, 0, 1);
	ok(plan_window_level(&w, 0, 0.9) == PLAN_LEVEL_LIMIT, "overage with deny: limit");
	ok(plan_window_level(&w, 1, 0.9) == PLAN_LEVEL_OVERAGE, "overage with allow: overage");
	w = window(PLAN_STATUS_REJECTED, 1, 0, 0);
	ok(plan_window_level(&w, 1, 0.9) == PLAN_LEVEL_LIMIT, "rejected with allow: limit");
	is_str(plan_level_name(PLAN_LEVEL_OVERAGE), "overage", "level name");
	ok(plan_level_parse("limit") == PLAN_LEVEL_LIMIT && plan_level_parse("nope") == -1, "level parse");
	ok(plan_status_parse("allowed_warning") == PLAN_STATUS_WARNING &&
	    plan_status_parse("unknown") == PLAN_STATUS_UNKNOWN && plan_status_parse(NULL) == PLAN_STATUS_UNKNOWN,
	    "status parse");
}

static void
test_cooldowns(void)
{
	long long now = 1800000000000LL;
	struct plan_window w = window(PLAN_STATUS_REJECTED, 1, 1800000600LL, 0);

	ok(plan_window_cooldown_until_ms(&w, PLAN_LEVEL_LIMIT, now, 60000) == 1800000600000LL,
	    "until the window's reset");
	ok(plan_window_cooldown_until_ms(&w, PLAN_LEVEL_OVERAGE, now, 60000) == 0, "no cool-down below limit");
	w.resets_at = 1799999000LL;
	ok(plan_window_cooldown_until_ms(&w, PLAN_LEVEL_LIMIT, now, 60000) == now + 60000,
	    "a reset in the past: the fallback");
	w.resets_at = 0;
	ok(plan_window_cooldown_until_ms(&w, PLAN_LEVEL_LIMIT, now, 60000) == now + 60000,
	    "an unknown reset: the fallback");
	w.resets_at = 999999999999999LL;
	ok(plan_window_cooldown_until_ms(&w, PLAN_LEVEL_LIMIT, now, 60000) == now + 60000,
	    "an absurd reset: the fallback");
}

/* Load text as a configuration file. */
static int
load(const char *text, struct provider_conf_set *set, char *err, size_t errlen)
{
	char path[] = "/tmp/test_plan_window.XXXXXX";
	int fd = mkstemp(path), rc;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return HUB_ERR_SYSTEM;
	close(fd);
	rc = provider_conf_load(path, set, err, errlen);
	unlink(path);
	return rc;
}

static void
test_conf(void)
{
	struct provider_conf_set set;
	const struct provider_route_conf *r;
	char err[512];

	ok(load("[provider claude]\noverage = allow\n[route best]\ntargets = claude:sonnet, gemini\n"
	    "[provider gemini]\n", &set, err, sizeof(err)) == HUB_OK, "routes and overage load: %s", err);
	ok(provider_conf_find(&set, "claude")->overage_allow == 1, "overage = allow");
	ok(provider_conf_find(&set, "gemini")->overage_allow == -1, "overage unset");
	r = provider_conf_find_route(&set, "best");
	ok(r != NULL && r->targets[0] != NULL && strcmp(r->targets[0], "claude:sonnet") == 0 &&
	    r->targets[1] != NULL && strcmp(r->targets[1], "gemini") == 0 && r->targets[2] == NULL, "targets in order");
	provider_conf_free(&set);
	ok(load("[provider claude]\noverage = maybe\n", &set, err, sizeof(err)) == HUB_ERR_CONFIG &&
	    strstr(err, "expected deny or allow") != NULL, "a bad overage is refused: %s", err);
	ok(load("[route best]\n", &set, err, sizeof(err)) == HUB_ERR_CONFIG && strstr(err, "needs targets") != NULL,
	    "a route without targets is refused: %s", err);
	ok(load("[route best]\nmodels = x\n", &set, err, sizeof(err)) == HUB_ERR_CONFIG &&
	    strstr(err, "known: targets") != NULL, "a route takes only targets: %s", err);
	ok(load("[route claude]\ntargets = gemini\n[provider claude]\n", &set, err, sizeof(err)) == HUB_ERR_CONFIG,
	    "a provider and a route may not share a name: %s", err);
}

int
main(void)
{
	test_levels();
	test_cooldowns();
	test_conf();
	return tap_done();
}
