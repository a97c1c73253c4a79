/*
 * provider_stats.c - provider metrics in Redis: HINCRBY on fixed buckets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_time.h"
#include "provider_stats.h"
#include "redis.h"
#include "session_id.h"

const long PROVIDER_STATS_BOUNDS_MS[PROVIDER_STATS_N_BOUNDS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000, 600000
};

/* A run still in the in-flight set this long after its deadline is lost. */
#define PROVIDER_STATS_LOST_MARGIN_MS 60000
/* Provider/model pairs read at most (the label set is bounded anyway). */
#define PROVIDER_STATS_MAX_ENTRIES 256

static void
provider_stats_key(char *out, size_t len, const char *kind, const char *member)
{
	snprintf(out, len, "%sstats:%s%s%s", hub_cfg->key_prefix, kind, member ? ":" : "",
	    member ? member : "");
}

void
provider_stats_begin(const char *provider, const char *model_label, long timeout_s,
    struct provider_stats_run *run)
{
	char index[300], runs[512], score[32], id[40];
	const char *sadd[] = { "SADD", index, run->member };
	const char *zadd[] = { "ZADD", runs, score, run->run_id };
	struct redis_cmd cmds[2] = { { 3, sadd, NULL }, { 4, zadd, NULL } };

	memset(run, 0, sizeof(*run));
	run->start_ms = hub_time_mono_ms();
	snprintf(run->member, sizeof(run->member), "%s/%s", provider, model_label);
	if (session_id_generate(id, sizeof(id)) != HUB_OK)
		snprintf(id, sizeof(id), "%lld", hub_time_wall_ms());
	snprintf(run->run_id, sizeof(run->run_id), "%s", id);
	provider_stats_key(index, sizeof(index), "index", NULL);
	provider_stats_key(runs, sizeof(runs), "run", run->member);
	snprintf(score, sizeof(score), "%lld", hub_time_wall_ms() + timeout_s * 1000LL +
	    PROVIDER_STATS_LOST_MARGIN_MS);
	/* nobody waits for its replies: read at the turn's next round trip */
	(void)redis_pipeline_deferred(2, cmds);
}

/* The bucket index for ms. */
static int
provider_stats_bucket(long long ms)
{
	int i;

	for (i = 0; i < PROVIDER_STATS_N_BOUNDS; i++)
		if (ms <= PROVIDER_STATS_BOUNDS_MS[i])
			break;
	return i;
}

void
provider_stats_end_build(const struct provider_stats_run *run, int err, const char *error_message,
    long first_token_ms, struct provider_stats_end_cmds *c)
{
	const char *kind = err != HUB_OK ? hub_error_code(err) : NULL;
	long long dur = hub_time_mono_ms() - run->start_ms;
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	if (run->member[0] == '\0')
		return;
	provider_stats_key(c->hash, sizeof(c->hash), "h", run->member);
	provider_stats_key(c->runs, sizeof(c->runs), "run", run->member);
	snprintf(c->dur_b, sizeof(c->dur_b), "dur_b%d", provider_stats_bucket(dur));
	snprintf(c->dur_ms, sizeof(c->dur_ms), "%lld", dur);
#define PROVIDER_STATS_CMD(...) do { \
		const char *v_[] = { __VA_ARGS__ }; \
		memcpy(c->argv[n], v_, sizeof(v_)); \
		c->cmds[n] = (struct redis_cmd){ (int)(sizeof(v_) / sizeof(v_[0])), c->argv[n], NULL }; \
		n++; \
	} while (0)
	PROVIDER_STATS_CMD("ZREM", c->runs, run->run_id);
	PROVIDER_STATS_CMD("HINCRBY", c->hash, "requests", "1");
	PROVIDER_STATS_CMD("HINCRBY", c->hash, c->dur_b, "1");
	PROVIDER_STATS_CMD("HINCRBY", c->hash, "dur_sum", c->dur_ms);
	PROVIDER_STATS_CMD("HINCRBY", c->hash, "dur_count", "1");
	if (first_token_ms >= 0) {
		snprintf(c->ttft_b, sizeof(c->ttft_b), "ttft_b%d", provider_stats_bucket(first_token_ms));
		snprintf(c->ttft_ms, sizeof(c->ttft_ms), "%ld", first_token_ms);
		PROVIDER_STATS_CMD("HINCRBY", c->hash, c->ttft_b, "1");
		PROVIDER_STATS_CMD("HINCRBY", c->hash, "ttft_sum", c->ttft_ms);
		PROVIDER_STATS_CMD("HINCRBY", c->hash, "ttft_count", "1");
	}
	if (run->child_start != NULL) {
		snprintf(c->startf, sizeof(c->startf), "start:%.16s", run->child_start);
		PROVIDER_STATS_CMD("HINCRBY", c->hash, c->startf, "1");
	}
	if (kind != NULL) {
		snprintf(c->errf, sizeof(c->errf), "err:%s", kind);
		snprintf(c->now, sizeof(c->now), "%lld", hub_time_wall_ms());
		PROVIDER_STATS_CMD("HINCRBY", c->hash, c->errf, "1");
		PROVIDER_STATS_CMD("HSET", c->hash, "last_error", error_message != NULL && error_message[0] ?
		    error_message : hub_strerror(err), "last_error_kind", kind, "last_error_at", c->now);
	}
#undef PROVIDER_STATS_CMD
	c->n = n;
}

void
provider_stats_end(const struct provider_stats_run *run, int err, const char *error_message,
    long first_token_ms)
{
	struct provider_stats_end_cmds c;
	struct redis_reply *r[PROVIDER_STATS_END_MAX_CMDS];
	size_t i;

	provider_stats_end_build(run, err, error_message, first_token_ms, &c);
	if (c.n > 0 && redis_pipeline(r, c.n, c.cmds) == HUB_OK)
		for (i = 0; i < c.n; i++)
			redis_reply_free(r[i]);
}

/* Fill e from one HGETALL reply. */
static void
provider_stats_fill(struct provider_stats_entry *e, const struct redis_reply *h)
{
	const char *k, *v;
	long long x;
	size_t i;
	int b;

	for (i = 0; h != NULL && h->type == REDIS_T_ARRAY && i + 1 < h->elements; i += 2) {
		k = h->element[i]->str;
		v = h->element[i + 1]->str;
		if (k == NULL || v == NULL)
			continue;
		x = strtoll(v, NULL, 10);
		if (strcmp(k, "requests") == 0)
			e->requests = x;
		else if (strncmp(k, "err:", 4) == 0 && e->n_kinds < PROVIDER_STATS_MAX_KINDS) {
			snprintf(e->errors[e->n_kinds].kind, sizeof(e->errors[0].kind), "%s", k + 4);
			e->errors[e->n_kinds++].count = x;
		} else if (sscanf(k, "ttft_b%d", &b) == 1 && b >= 0 && b <= PROVIDER_STATS_N_BOUNDS)
			e->ttft.bucket[b] = x;
		else if (sscanf(k, "dur_b%d", &b) == 1 && b >= 0 && b <= PROVIDER_STATS_N_BOUNDS)
			e->duration.bucket[b] = x;
		else if (strcmp(k, "ttft_sum") == 0)
			e->ttft.sum_ms = x;
		else if (strcmp(k, "ttft_count") == 0)
			e->ttft.count = x;
		else if (strcmp(k, "dur_sum") == 0)
			e->duration.sum_ms = x;
		else if (strcmp(k, "dur_count") == 0)
			e->duration.count = x;
		else if (strcmp(k, "last_error") == 0)
			snprintf(e->last_error, sizeof(e->last_error), "%s", v);
		else if (strcmp(k, "last_error_kind") == 0)
			snprintf(e->last_error_kind, sizeof(e->last_error_kind), "%s", v);
		else if (strcmp(k, "last_error_at") == 0)
			e->last_error_at_ms = x;
		else if (strcmp(k, "start:warm") == 0)
			e->warm_starts = x;
		else if (strcmp(k, "start:cold") == 0)
			e->cold_starts = x;
	}
}

int
provider_stats_read(struct provider_stats_entry **out, size_t *n)
{
	char index[300], now[24], (*keys)[2][512] = NULL;
	const char *smembers[] = { "SMEMBERS", index };
	struct redis_reply *members = NULL, **r = NULL;
	struct redis_cmd *cmds = NULL;
	struct provider_stats_entry *e = NULL;
	const char *slash, *m;
	size_t i, count = 0, ncmd;
	int rc;

	*out = NULL;
	*n = 0;
	provider_stats_key(index, sizeof(index), "index", NULL);
	if ((rc = redis_command(&members, 2, smembers, NULL)) != HUB_OK)
		return rc;
	if (members->type != REDIS_T_ARRAY) {
		rc = HUB_ERR_STORE;
		goto out;
	}
	count = members->elements < PROVIDER_STATS_MAX_ENTRIES ? members->elements : PROVIDER_STATS_MAX_ENTRIES;
	if (count == 0) {
		rc = HUB_OK;
		goto out;
	}
	ncmd = count * 3;
	e = calloc(count, sizeof(*e));
	keys = calloc(count, sizeof(*keys));
	cmds = calloc(ncmd, sizeof(*cmds));
	r = calloc(ncmd, sizeof(*r));
	if (e == NULL || keys == NULL || cmds == NULL || r == NULL) {
		rc = HUB_ERR_NOMEM;
		goto out;
	}
	snprintf(now, sizeof(now), "%lld", hub_time_wall_ms());
	{
		/* argv arrays must live until the pipeline ran */
		const char **av = calloc(count * 11, sizeof(*av));

		if (av == NULL) {
			rc = HUB_ERR_NOMEM;
			goto out;
		}
		for (i = 0; i < count; i++) {
			m = members->element[i]->str != NULL ? members->element[i]->str : "";
			provider_stats_key(keys[i][0], sizeof(keys[i][0]), "h", m);
			provider_stats_key(keys[i][1], sizeof(keys[i][1]), "run", m);
			av[i * 11 + 0] = "HGETALL";
			av[i * 11 + 1] = keys[i][0];
			av[i * 11 + 2] = "ZREMRANGEBYSCORE";
			av[i * 11 + 3] = keys[i][1];
			av[i * 11 + 4] = "-inf";
			av[i * 11 + 5] = now;
			av[i * 11 + 6] = "ZCARD";
			av[i * 11 + 7] = keys[i][1];
			cmds[i * 3] = (struct redis_cmd){ 2, &av[i * 11 + 0], NULL };
			cmds[i * 3 + 1] = (struct redis_cmd){ 4, &av[i * 11 + 2], NULL };
			cmds[i * 3 + 2] = (struct redis_cmd){ 2, &av[i * 11 + 6], NULL };
			slash = strchr(m, '/');
			snprintf(e[i].provider, sizeof(e[i].provider), "%.*s",
			    slash ? (int)(slash - m) : (int)strlen(m), m);
			snprintf(e[i].model, sizeof(e[i].model), "%s", slash ? slash + 1 : "");
		}
		rc = redis_pipeline(r, ncmd, cmds);
		free(av);
	}
	if (rc != HUB_OK)
		goto out;
	for (i = 0; i < count; i++) {
		provider_stats_fill(&e[i], r[i * 3]);
		e[i].in_flight = r[i * 3 + 2]->type == REDIS_T_INTEGER ? r[i * 3 + 2]->integer : 0;
	}
	for (i = 0; i < ncmd; i++)
		redis_reply_free(r[i]);
	*out = e;
	*n = count;
	e = NULL; /* owned by the caller now */
out:
	redis_reply_free(members);
	free(e);
	free(keys);
	free(cmds);
	free(r);
	return rc;
}

double
provider_stats_quantile(const struct provider_stats_hist *h, double q)
{
	long long total = 0, cum = 0;
	double rank, lo, hi;
	int i;

	for (i = 0; i <= PROVIDER_STATS_N_BOUNDS; i++)
		total += h->bucket[i];
	if (total == 0)
		return -1;
	rank = q * (double)total;
	for (i = 0; i <= PROVIDER_STATS_N_BOUNDS; i++) {
		if (h->bucket[i] > 0 && (double)(cum + h->bucket[i]) >= rank)
			break;
		cum += h->bucket[i];
	}
	if (i >= PROVIDER_STATS_N_BOUNDS)
		return (double)PROVIDER_STATS_BOUNDS_MS[PROVIDER_STATS_N_BOUNDS - 1];
	lo = i == 0 ? 0.0 : (double)PROVIDER_STATS_BOUNDS_MS[i - 1];
	hi = (double)PROVIDER_STATS_BOUNDS_MS[i];
	return lo + (hi - lo) * (rank - (double)cum) / (double)h->bucket[i];
}
