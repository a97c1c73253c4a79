/*
 * warm_pool.c - CLI children started ahead of their request: the state
 * machine (take, step) and the refill thread. warm_pool.h tells the rules.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hub_time.h"
#include "providers/warm_pool.h"

void
warm_pool_init(struct warm_pool *pool, const struct warm_pool_limits *lim,
    const struct warm_pool_ops *ops)
{
	pthread_condattr_t ca;

	memset(pool, 0, sizeof(*pool));
	pthread_mutex_init(&pool->lock, NULL);
	pthread_condattr_init(&ca);
#ifdef CLOCK_MONOTONIC
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
#endif
	pthread_cond_init(&pool->wake, &ca);
	pthread_condattr_destroy(&ca);
	pool->lim = *lim;
	pool->ops = ops;
}

/* The entry of key's (provider, model, history), or -1. */
static int
warm_pool_find(const struct warm_pool *pool, const struct warm_pool_key *key)
{
	int i;

	for (i = 0; i < WARM_POOL_MAX_KEYS; i++)
		if (pool->keys[i].used && !pool->keys[i].dropped &&
		    strcmp(pool->keys[i].key.provider, key->provider) == 0 &&
		    strcmp(pool->keys[i].key.model, key->model) == 0 &&
		    strcmp(pool->keys[i].key.history, key->history) == 0)
			return i;
	return -1;
}

/* Entry e unused, its seed freed. */
static void
warm_pool_entry_clear(struct warm_pool_entry *e)
{
	free(e->recipe.seed);
	memset(e, 0, sizeof(*e));
}

/* The children (starting or ready) of entry k, or of all when k < 0. */
static long
warm_pool_count(const struct warm_pool *pool, int k)
{
	long n = 0;
	int i;

	for (i = 0; i < WARM_POOL_MAX_CHILDREN; i++)
		if ((pool->kids[i].state == WARM_STARTING || pool->kids[i].state == WARM_READY) &&
		    (k < 0 || pool->kids[i].key == k))
			n++;
	return n;
}

/* A free entry for key (one unused, else the least recently asked one
 * without children), or -1. */
static int
warm_pool_new_entry(struct warm_pool *pool)
{
	int i, best = -1;

	for (i = 0; i < WARM_POOL_MAX_KEYS; i++) {
		if (!pool->keys[i].used)
			return i;
		if (warm_pool_count(pool, i) == 0 &&
		    (best < 0 || pool->keys[i].asked_ms < pool->keys[best].asked_ms))
			best = i;
	}
	if (best >= 0)
		warm_pool_entry_clear(&pool->keys[best]);
	return best;
}

/* One more failure of entry e at now_ms: no start before the backoff. */
static void
warm_pool_backoff(struct warm_pool_entry *e, long long now_ms)
{
	long backoff;

	if (e->failures < 16)
		e->failures++;
	backoff = (long)WARM_POOL_BACKOFF_MS << (e->failures - 1);
	if (backoff > WARM_POOL_BACKOFF_MAX_MS)
		backoff = WARM_POOL_BACKOFF_MAX_MS;
	e->retry_at_ms = now_ms + backoff;
}

/* warm_pool_take() of a primed key: its one child when it is ready and
 * of key's login; the key ends either way (the conversation moved on). */
static int
warm_pool_take_primed(struct warm_pool *pool, const struct warm_pool_key *key, long long now_ms,
    struct child_proc **proc, char *root, size_t root_len)
{
	struct warm_pool_child *c;
	int k, i, got = 0;

	(void)now_ms;
	if (pool->lim.max_primed <= 0)
		return 0;
	pthread_mutex_lock(&pool->lock);
	if ((k = warm_pool_find(pool, key)) < 0 || strcmp(pool->keys[k].key.login, key->login) != 0)
		goto out;
	for (i = 0; i < WARM_POOL_MAX_CHILDREN && !got; i++) {
		c = &pool->kids[i];
		if (c->state != WARM_READY || c->key != k || strcmp(c->login, key->login) != 0)
			continue;
		if (!pool->ops->alive(c->proc)) {
			c->state = WARM_RETIRE;
			pool->stats.retired_dead++;
			continue;
		}
		*proc = c->proc;
		snprintf(root, root_len, "%s", c->root);
		memset(c, 0, sizeof(*c));   /* handed out once, forgotten */
		c->state = WARM_FREE;
		got = 1;
	}
	if (warm_pool_count(pool, k) == 0)
		warm_pool_entry_clear(&pool->keys[k]);
	else
		pool->keys[k].dropped = 1;   /* a child still starting retires */
out:
	if (got) {
		pool->stats.warm++;
		pool->stats.primed_warm++;
	} else {
		pool->stats.cold++;
		pool->stats.primed_cold++;
	}
	pthread_cond_signal(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	return got;
}

int
warm_pool_take(struct warm_pool *pool, const struct warm_pool_key *key,
    const struct warm_pool_recipe *recipe, long long now_ms, struct child_proc **proc,
    char *root, size_t root_len)
{
	struct warm_pool_entry *e;
	struct warm_pool_child *c;
	int k, i, got = 0;

	*proc = NULL;
	if (key->history[0] != '\0')
		return warm_pool_take_primed(pool, key, now_ms, proc, root, root_len);
	if (pool->lim.per_key <= 0)
		return 0;
	pthread_mutex_lock(&pool->lock);
	if ((k = warm_pool_find(pool, key)) < 0) {
		if ((k = warm_pool_new_entry(pool)) < 0)
			goto out;
		pool->keys[k].used = 1;
	}
	e = &pool->keys[k];
	e->key = *key;           /* the latest login */
	e->recipe = *recipe;
	e->recipe.seed = NULL;
	e->recipe.seed_len = 0;
	e->asked_ms = now_ms;
	for (i = 0; i < WARM_POOL_MAX_CHILDREN && !got; i++) {
		c = &pool->kids[i];
		if (c->state != WARM_READY || c->key != k)
			continue;
		if (strcmp(c->login, key->login) != 0) {
			c->state = WARM_RETIRE;   /* started with another login */
			pool->stats.retired_login++;
		} else if (!pool->ops->alive(c->proc)) {
			c->state = WARM_RETIRE;
			pool->stats.retired_dead++;
			warm_pool_backoff(e, now_ms);
		} else {
			*proc = c->proc;
			e->failures = 0;   /* a child lived to serve */
			snprintf(root, root_len, "%s", c->root);
			memset(c, 0, sizeof(*c));   /* handed out once, forgotten */
			c->state = WARM_FREE;
			got = 1;
		}
	}
out:
	if (got)
		pool->stats.warm++;
	else
		pool->stats.cold++;
	pthread_cond_signal(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	return got;
}

int
warm_pool_prime(struct warm_pool *pool, const struct warm_pool_key *key,
    struct warm_pool_recipe *recipe, long long now_ms)
{
	struct warm_pool_entry *e;
	int i, k, n = 0, oldest = -1, done = 0;

	if (pool->lim.max_primed <= 0 || key->history[0] == '\0' || recipe->seed == NULL) {
		free(recipe->seed);
		recipe->seed = NULL;
		return 0;
	}
	pthread_mutex_lock(&pool->lock);
	if ((k = warm_pool_find(pool, key)) >= 0) {
		pool->keys[k].asked_ms = now_ms;   /* the same history again */
		free(recipe->seed);
		done = 1;
		goto out;
	}
	/* at most max_primed conversations: the least recently primed ends */
	for (i = 0; i < WARM_POOL_MAX_KEYS; i++) {
		e = &pool->keys[i];
		if (!e->used || !e->primed || e->dropped)
			continue;
		n++;
		if (oldest < 0 || e->asked_ms < pool->keys[oldest].asked_ms)
			oldest = i;
	}
	if (n >= pool->lim.max_primed && oldest >= 0) {
		if (warm_pool_count(pool, oldest) == 0)
			warm_pool_entry_clear(&pool->keys[oldest]);
		else
			pool->keys[oldest].dropped = 1;
	}
	if ((k = warm_pool_new_entry(pool)) < 0) {
		free(recipe->seed);
		goto out;
	}
	e = &pool->keys[k];
	e->used = e->primed = 1;
	e->key = *key;
	e->recipe = *recipe;       /* the seed is the entry's now */
	e->asked_ms = now_ms;
	pool->stats.primed++;
	done = 1;
out:
	recipe->seed = NULL;
	pthread_cond_signal(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	return done;
}

/* Mark what is due to retire; the ready children's memory is sampled. */
static void
warm_pool_mark(struct warm_pool *pool, long long now_ms)
{
	long ttl = pool->lim.idle_ttl_ms, total = 0;
	struct warm_pool_child *c, *oldest;
	struct warm_pool_entry *e;
	int i;

	for (i = 0; i < WARM_POOL_MAX_CHILDREN; i++) {
		c = &pool->kids[i];
		if (c->state != WARM_READY)
			continue;
		e = &pool->keys[c->key];
		if (!pool->ops->alive(c->proc)) {
			/* died while it waited: as a failed start (no churn) */
			c->state = WARM_RETIRE;
			pool->stats.retired_dead++;
			warm_pool_backoff(e, now_ms);
		} else if (strcmp(c->login, e->key.login) != 0) {
			c->state = WARM_RETIRE;
			pool->stats.retired_login++;
		} else if (e->primed && (e->dropped || now_ms - c->born_ms >= pool->lim.primed_ttl_ms)) {
			c->state = WARM_RETIRE;
			pool->stats.retired_ttl++;
		} else if (!e->primed && ttl > 0 &&
		    (now_ms - c->born_ms >= ttl || now_ms - e->asked_ms >= ttl)) {
			c->state = WARM_RETIRE;
			pool->stats.retired_ttl++;
		} else {
			c->rss_kb = pool->ops->rss_kb(c->proc);
			total += c->rss_kb;
		}
	}
	/* over the memory cap: the oldest go first */
	while (pool->lim.max_rss_kb > 0 && total > pool->lim.max_rss_kb) {
		oldest = NULL;
		for (i = 0; i < WARM_POOL_MAX_CHILDREN; i++)
			if (pool->kids[i].state == WARM_READY &&
			    (oldest == NULL || pool->kids[i].born_ms < oldest->born_ms))
				oldest = &pool->kids[i];
		if (oldest == NULL)
			break;
		oldest->state = WARM_RETIRE;
		pool->stats.retired_memory++;
		total -= oldest->rss_kb;
	}
	pool->stats.rss_kb = total;
	for (i = 0; i < WARM_POOL_MAX_KEYS; i++) {
		e = &pool->keys[i];
		if (!e->used || warm_pool_count(pool, i) > 0)
			continue;
		if (e->primed ? e->dropped || e->spawned || now_ms - e->asked_ms >= pool->lim.primed_ttl_ms :
		    ttl > 0 && now_ms - e->asked_ms >= ttl)
			warm_pool_entry_clear(e);   /* no longer in use */
	}
}

/* The largest memory seen of a ready child of entry k, else the guess. */
static long
warm_pool_rss_estimate(const struct warm_pool *pool, int k)
{
	long kb = 0;
	int i;

	for (i = 0; i < WARM_POOL_MAX_CHILDREN; i++)
		if (pool->kids[i].state == WARM_READY && pool->kids[i].key == k &&
		    pool->kids[i].rss_kb > kb)
			kb = pool->kids[i].rss_kb;
	return kb > 0 ? kb : WARM_POOL_GUESS_RSS_KB;
}

/* The entry that lacks a child most and may get one now, or -1. */
static int
warm_pool_pick(const struct warm_pool *pool, long long now_ms)
{
	const struct warm_pool_entry *e;
	long have, best_have = 0, starting_kb = 0;
	int i, best = -1;

	if (warm_pool_count(pool, -1) >= pool->lim.max_children)
		return -1;
	for (i = 0; i < WARM_POOL_MAX_CHILDREN; i++)
		if (pool->kids[i].state == WARM_STARTING)
			starting_kb += warm_pool_rss_estimate(pool, pool->kids[i].key);
	for (i = 0; i < WARM_POOL_MAX_KEYS; i++) {
		e = &pool->keys[i];
		if (!e->used || now_ms < e->retry_at_ms)
			continue;
		if (e->primed ? e->spawned || e->dropped :
		    pool->lim.idle_ttl_ms > 0 && now_ms - e->asked_ms >= pool->lim.idle_ttl_ms)
			continue;
		if ((have = warm_pool_count(pool, i)) >= (e->primed ? 1 : pool->lim.per_key))
			continue;
		if (pool->lim.max_rss_kb > 0 && pool->stats.rss_kb + starting_kb +
		    warm_pool_rss_estimate(pool, i) > pool->lim.max_rss_kb)
			continue;
		/* the fewest children first; a primed turn before a refill */
		if (best < 0 || have < best_have ||
		    (have == best_have && e->primed && !pool->keys[best].primed)) {
			best = i;
			best_have = have;
		}
	}
	return best;
}

int
warm_pool_step(struct warm_pool *pool, long long now_ms)
{
	struct warm_pool_key key;
	struct warm_pool_recipe recipe;
	struct warm_pool_child *c = NULL;
	struct warm_pool_entry *e;
	struct child_proc *proc = NULL;
	char root[PATH_MAX];
	int i, k, n_gone = 0, rc;

	if (pool->lim.per_key <= 0 && pool->lim.max_primed <= 0)
		return 0;
	pthread_mutex_lock(&pool->lock);
	warm_pool_mark(pool, now_ms);
	for (i = 0; i < WARM_POOL_MAX_CHILDREN; i++) {
		if (pool->kids[i].state != WARM_RETIRE)
			continue;
		pool->kids[i].state = WARM_STOPPING;   /* only this step touches it */
		n_gone++;
	}
	if ((k = warm_pool_pick(pool, now_ms)) >= 0) {
		for (i = 0; i < WARM_POOL_MAX_CHILDREN && c == NULL; i++)
			if (pool->kids[i].state == WARM_FREE)
				c = &pool->kids[i];
		if (c != NULL) {
			c->state = WARM_STARTING;
			c->key = k;
			memcpy(c->login, pool->keys[k].key.login, sizeof(c->login));
			key = pool->keys[k].key;
			recipe = pool->keys[k].recipe;
			if (pool->keys[k].primed) {   /* started once: the seed goes */
				pool->keys[k].spawned = 1;
				pool->keys[k].recipe.seed = NULL;
			}
		}
	}
	pthread_mutex_unlock(&pool->lock);

	for (i = 0; n_gone > 0 && i < WARM_POOL_MAX_CHILDREN; i++) {
		if (pool->kids[i].state != WARM_STOPPING)
			continue;
		pool->ops->stop(pool->kids[i].proc, pool->kids[i].root);
		pthread_mutex_lock(&pool->lock);
		memset(&pool->kids[i], 0, sizeof(pool->kids[i]));
		pthread_mutex_unlock(&pool->lock);
	}
	if (c == NULL)
		return 0;
	root[0] = '\0';
	rc = pool->ops->spawn(&key, &recipe, &proc, root, sizeof(root));
	free(recipe.seed);
	pthread_mutex_lock(&pool->lock);
	e = &pool->keys[k];
	if (rc == 0) {
		c->state = WARM_READY;
		c->proc = proc;
		memcpy(c->root, root, sizeof(c->root));
		c->born_ms = now_ms;
		pool->stats.spawned++;
	} else {
		memset(c, 0, sizeof(*c));
		c->state = WARM_FREE;
		warm_pool_backoff(e, now_ms);
		pool->stats.spawn_failures++;
	}
	pthread_mutex_unlock(&pool->lock);
	return rc == 0 ? 1 : 0;
}

void
warm_pool_drain(struct warm_pool *pool)
{
	struct child_proc *proc;
	char root[PATH_MAX];
	int i;

	for (i = 0; i < WARM_POOL_MAX_CHILDREN; i++) {
		pthread_mutex_lock(&pool->lock);
		proc = NULL;
		if (pool->kids[i].state == WARM_READY || pool->kids[i].state == WARM_RETIRE) {
			proc = pool->kids[i].proc;
			memcpy(root, pool->kids[i].root, sizeof(root));
			memset(&pool->kids[i], 0, sizeof(pool->kids[i]));
		}
		pthread_mutex_unlock(&pool->lock);
		if (proc != NULL)
			pool->ops->stop(proc, root);
	}
}

void
warm_pool_stats(struct warm_pool *pool, struct warm_pool_stats *out)
{
	int i;

	pthread_mutex_lock(&pool->lock);
	*out = pool->stats;
	out->ready = out->starting = 0;
	for (i = 0; i < WARM_POOL_MAX_CHILDREN; i++) {
		if (pool->kids[i].state == WARM_READY)
			out->ready++;
		else if (pool->kids[i].state == WARM_STARTING)
			out->starting++;
	}
	pthread_mutex_unlock(&pool->lock);
}

/* Wait for a take or the tick, whichever comes first. */
static void
warm_pool_wait(struct warm_pool *pool, long ms)
{
	struct timespec ts;

#ifdef CLOCK_MONOTONIC
	clock_gettime(CLOCK_MONOTONIC, &ts);
#else
	clock_gettime(CLOCK_REALTIME, &ts);
#endif
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&pool->lock);
	(void)pthread_cond_timedwait(&pool->wake, &pool->lock, &ts);
	pthread_mutex_unlock(&pool->lock);
}

/* The refill thread: steps forever (a warm child dies with it). */
static void *
warm_pool_thread(void *arg)
{
	struct warm_pool *pool = arg;

	for (;;) {
		if (warm_pool_step(pool, hub_time_mono_ms()) == 0)
			warm_pool_wait(pool, WARM_POOL_TICK_MS);
	}
	return NULL;
}

int
warm_pool_start(struct warm_pool *pool)
{
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	int rc;

	if (pthread_attr_init(&attr) != 0)
		return -1;
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&tid, &attr, warm_pool_thread, pool);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}
