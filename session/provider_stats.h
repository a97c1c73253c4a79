/*
 * provider_stats.h - per provider and model: requests in flight, totals,
 * errors by kind, time to first token and duration histograms, last error;
 * kept in Redis so that every worker and host reports the same numbers.
 *
 * Redis layout (under hub_cfg->key_prefix, no TTL: these are counters):
 *   stats:index                     set of "provider/model"
 *   stats:h:provider/model          hash: requests, err:KIND, ttft_b0..bN,
 *                                   ttft_sum, ttft_count, dur_b0..bN,
 *                                   dur_sum, dur_count, last_error,
 *                                   last_error_kind, last_error_at,
 *                                   start:warm, start:cold
 *   stats:run:provider/model        sorted set of runs in flight, scored by
 *                                   the time after which a run counts as
 *                                   lost (a crashed worker's runs age out)
 * Bucket i counts observations <= PROVIDER_STATS_BOUNDS_MS[i] (and above
 * the bound before it); the last bucket is +Inf. Percentiles are estimated
 * from the buckets by linear interpolation.
 */
#ifndef PROVIDER_STATS_H
#define PROVIDER_STATS_H

#include "common/hub_limits.h"
#include "redis.h"

#define PROVIDER_STATS_N_BOUNDS 12
#define PROVIDER_STATS_MAX_KINDS 24

extern const long PROVIDER_STATS_BOUNDS_MS[PROVIDER_STATS_N_BOUNDS];

/* One run being measured; filled by provider_stats_begin(). */
struct provider_stats_run {
	char member[32 + HUB_MAX_MODEL_LEN + 2];  /* "provider/model" */
	char run_id[64];
	long long start_ms;
	/* set by the caller before provider_stats_end() (may stay NULL):
	 * "warm" or "cold", how the CLI child was started, counted as
	 * start:warm / start:cold in the same pipeline */
	const char *child_start;
};

struct provider_stats_hist {
	long long bucket[PROVIDER_STATS_N_BOUNDS + 1];  /* not cumulative */
	long long sum_ms;
	long long count;
};

struct provider_stats_entry {
	char provider[32];
	char model[HUB_MAX_MODEL_LEN + 1];
	long long in_flight;
	long long requests;
	size_t n_kinds;
	struct { char kind[48]; long long count; } errors[PROVIDER_STATS_MAX_KINDS];
	struct provider_stats_hist ttft, duration;
	char last_error[HUB_MAX_ERROR_MESSAGE];
	char last_error_kind[48];
	long long last_error_at_ms;            /* epoch ms; 0 never */
	long long warm_starts, cold_starts;    /* calls by how their child started */
};

/*
 * Note that provider starts a call labelled model_label (a bounded label:
 * the caller maps a model clients chose to "other", see
 * provider_model_label()). Failures to reach Redis are ignored: metrics
 * never fail a request.
 */
void provider_stats_begin(const char *provider, const char *model_label,
    long timeout_s, struct provider_stats_run *run);

/*
 * Note that the call begun with run ended: err is 0 or a hub_err code,
 * error_message its text (may be NULL or empty: the code's text is kept),
 * first_token_ms -1 when no text came.
 */
void provider_stats_end(const struct provider_stats_run *run, int err, const char *error_message,
    long first_token_ms);

/*
 * The commands of provider_stats_end(), built into c (c->n of c->cmds; 0
 * when run was never begun) for a caller that sends them beside its own
 * in one round trip (redis_pipeline_riders(): they may be lost, never
 * counted twice). They point into c and into error_message, which must
 * live until they were sent.
 */
#define PROVIDER_STATS_END_MAX_CMDS 11
struct provider_stats_end_cmds {
	char hash[512], runs[512], ttft_b[16], dur_b[16], ttft_ms[24], dur_ms[24], errf[64], now[24];
	char startf[32];
	const char *argv[PROVIDER_STATS_END_MAX_CMDS][8];
	struct redis_cmd cmds[PROVIDER_STATS_END_MAX_CMDS];
	size_t n;
};
void provider_stats_end_build(const struct provider_stats_run *run, int err,
    const char *error_message, long first_token_ms, struct provider_stats_end_cmds *c);

/*
 * Read every provider/model seen. Returns 0 with *out a malloc'd array of
 * *n entries (free() it), HUB_ERR_STORE or HUB_ERR_NOMEM.
 */
int provider_stats_read(struct provider_stats_entry **out, size_t *n);

/* The q-quantile (0 < q <= 1) of h in ms, estimated; -1 when h is empty. */
double provider_stats_quantile(const struct provider_stats_hist *h, double q);

#endif
