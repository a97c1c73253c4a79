/* test_warm_pool.c - the warm pool's state machine with fake children:
 * refill per key, one hand-out per child, the caps, the idle TTL, a login
 * change, dead children, spawn backoff, primed next turns. */
#include "config.h"

#include <stdlib.h>

#include "providers/warm_pool.c"
#include "tap.h"

/* A fake child: a number; "alive" and "rss" are set by the test. */
struct child_proc {
	int id;
	int alive;
	long rss_kb;
};

static int fake_next_id, fake_fail, fake_spawned, fake_stopped;
static char fake_seed[64];   /* the seed of the last start ("" none) */

static int
fake_spawn(const struct warm_pool_key *key, const struct warm_pool_recipe *recipe,
    struct child_proc **proc, char *root, size_t root_len)
{
	snprintf(fake_seed, sizeof(fake_seed), "%.*s", recipe->seed != NULL ? (int)recipe->seed_len : 0,
	    recipe->seed != NULL ? recipe->seed : "");
	if (fake_fail)
		return -1;
	*proc = calloc(1, sizeof(**proc));
	(*proc)->id = ++fake_next_id;
	(*proc)->alive = 1;
	(*proc)->rss_kb = 1000;
	snprintf(root, root_len, "/state/%s-%s-%d", key->provider, key->model, (*proc)->id);
	fake_spawned++;
	return 0;
}

static void
fake_stop(struct child_proc *proc, const char *root)
{
	(void)root;
	fake_stopped++;
	free(proc);
}

static int
fake_alive(struct child_proc *proc)
{
	return proc->alive;
}

static long
fake_rss(const struct child_proc *proc)
{
	return proc->rss_kb;
}

static const struct warm_pool_ops fake_ops = { fake_spawn, fake_stop, fake_alive, fake_rss };

static struct warm_pool_key
key_of(const char *provider, const char *model, const char *login)
{
	struct warm_pool_key k;

	memset(&k, 0, sizeof(k));
	snprintf(k.provider, sizeof(k.provider), "%s", provider);
	snprintf(k.model, sizeof(k.model), "%s", model);
	snprintf(k.login, sizeof(k.login), "%s", login);
	return k;
}

/* Step until nothing more starts; returns how many started. */
static int
settle(struct warm_pool *pool, long long now)
{
	int n = 0;

	while (warm_pool_step(pool, now) > 0 && n < 100)
		n++;
	return n;
}

/* A primed key of conversation h, and a recipe with seed text. */
static struct warm_pool_key
primed_key(const char *model, const char *h)
{
	struct warm_pool_key k = key_of("claude", model, "fp1");

	snprintf(k.history, sizeof(k.history), "%s", h);
	return k;
}

static struct warm_pool_recipe
seeded(const char *text)
{
	struct warm_pool_recipe r;

	memset(&r, 0, sizeof(r));
	r.seed = strdup(text);
	r.seed_len = strlen(text);
	return r;
}

static struct warm_pool_stats
stats(struct warm_pool *pool)
{
	struct warm_pool_stats s;

	warm_pool_stats(pool, &s);
	return s;
}

int
main(void)
{
	static struct warm_pool pool;
	struct warm_pool_limits lim = { 1, 3, 0, 10000, 0, 0 };
	struct warm_pool_recipe recipe;
	struct warm_pool_key sonnet = key_of("claude", "sonnet", "fp1");
	struct warm_pool_key opus = key_of("claude", "opus", "fp1");
	struct child_proc *a = NULL, *b = NULL, *c = NULL;
	char root[PATH_MAX], root2[PATH_MAX];
	long long t = 1000000;

	memset(&recipe, 0, sizeof(recipe));

	/* off: nothing is taken or started */
	lim.per_key = 0;
	warm_pool_init(&pool, &lim, &fake_ops);
	ok(!warm_pool_take(&pool, &sonnet, &recipe, t, &a, root, sizeof(root)) && a == NULL,
	    "off: nothing to take");
	ok(settle(&pool, t) == 0 && fake_spawned == 0, "off: nothing is started");

	/* a key in use gets its one child; it is handed out once */
	lim.per_key = 1;
	warm_pool_init(&pool, &lim, &fake_ops);
	ok(!warm_pool_take(&pool, &sonnet, &recipe, t, &a, root, sizeof(root)),
	    "first request: cold (nothing was started yet)");
	ok(settle(&pool, t) == 1 && stats(&pool).ready == 1, "the key in use gets one child");
	ok(settle(&pool, t) == 0, "and no more than per_key");
	ok(warm_pool_take(&pool, &sonnet, &recipe, t + 1, &a, root, sizeof(root)) && a != NULL &&
	    strstr(root, "sonnet") != NULL, "second request: warm, with the child's directory");
	ok(!warm_pool_take(&pool, &sonnet, &recipe, t + 2, &b, root2, sizeof(root2)) && b == NULL,
	    "a child is handed out once: the next request before the refill is cold");
	ok(settle(&pool, t + 2) == 1, "the refill starts a new one");
	ok(warm_pool_take(&pool, &sonnet, &recipe, t + 3, &b, root2, sizeof(root2)) && b != a &&
	    strcmp(root, root2) != 0, "a different child with a different directory");
	ok(!warm_pool_take(&pool, &opus, &recipe, t + 3, &c, root, sizeof(root)),
	    "another model is a key of its own: cold first");
	settle(&pool, t + 3);
	ok(stats(&pool).ready == 2, "one child per key in use");
	ok(stats(&pool).warm == 2 && stats(&pool).cold == 3, "warm and cold requests are counted");
	free(a);
	free(b);
	a = b = NULL;

	/* a dead child is never handed out */
	ok(warm_pool_take(&pool, &opus, &recipe, t + 4, &c, root, sizeof(root)), "opus warm");
	free(c);
	c = NULL;
	settle(&pool, t + 4);
	{
		int i;

		for (i = 0; i < WARM_POOL_MAX_CHILDREN; i++)
			if (pool.kids[i].state == WARM_READY && pool.keys[pool.kids[i].key].key.model[0] == 'o')
				pool.kids[i].proc->alive = 0;
	}
	ok(!warm_pool_take(&pool, &opus, &recipe, t + 5, &c, root, sizeof(root)) && c == NULL,
	    "a dead warm child is not handed out");
	fake_stopped = 0;
	settle(&pool, t + 5);
	ok(fake_stopped == 1 && stats(&pool).retired_dead == 1, "it is stopped and counted");
	ok(stats(&pool).ready == 1, "and not replaced at once: a death backs off like a failed start");
	settle(&pool, t + 5 + WARM_POOL_BACKOFF_MS);
	ok(stats(&pool).ready == 2, "but after the backoff");

	/* a login change retires the children of the old login */
	{
		struct warm_pool_key sonnet2 = key_of("claude", "sonnet", "fp2");

		fake_stopped = 0;
		ok(!warm_pool_take(&pool, &sonnet2, &recipe, t + 6, &a, root, sizeof(root)) && a == NULL,
		    "new login: the child of the old one is not handed out");
		settle(&pool, t + 6);
		ok(fake_stopped == 1 && stats(&pool).retired_login == 1, "it retires");
		ok(warm_pool_take(&pool, &sonnet2, &recipe, t + 7, &a, root, sizeof(root)) && a != NULL,
		    "a child of the new login serves the next request");
		free(a);
		a = NULL;
		/* the key's login changed: a ready child of the old one retires in a step */
		settle(&pool, t + 7);
		(void)warm_pool_take(&pool, &sonnet, &recipe, t + 8, &a, root, sizeof(root));
		free(a);
		a = NULL;
	}

	/* the idle TTL: children and keys no longer asked for retire */
	settle(&pool, t + 8);   /* stops the fp2 child the fp1 request retired */
	ok(stats(&pool).ready == 2 && stats(&pool).retired_login == 2, "two keys, two children");
	fake_stopped = 0;
	settle(&pool, t + 8 + lim.idle_ttl_ms);
	ok(stats(&pool).ready == 0 && fake_stopped == 2 && stats(&pool).retired_ttl == 2,
	    "after the idle TTL every child retires (ready %ld, stopped %d, ttl %lu)",
	    stats(&pool).ready, fake_stopped, stats(&pool).retired_ttl);
	ok(settle(&pool, t + 9 + lim.idle_ttl_ms) == 0, "and none is started for keys not in use");

	/* the count cap */
	lim.per_key = 3;
	lim.max_children = 4;
	warm_pool_init(&pool, &lim, &fake_ops);
	(void)warm_pool_take(&pool, &sonnet, &recipe, t, &a, root, sizeof(root));
	(void)warm_pool_take(&pool, &opus, &recipe, t, &a, root, sizeof(root));
	settle(&pool, t);
	ok(stats(&pool).ready == 4, "max_children caps the count in all");
	ok(warm_pool_count(&pool, 0) == 2 && warm_pool_count(&pool, 1) == 2,
	    "and the keys share it evenly");
	warm_pool_drain(&pool);
	ok(stats(&pool).ready == 0, "drain stops every child");

	/* the memory cap: 1000 KiB each, 2500 KiB in all */
	lim.per_key = 5;
	lim.max_children = 10;
	lim.max_rss_kb = 2500;
	warm_pool_init(&pool, &lim, &fake_ops);
	(void)warm_pool_take(&pool, &sonnet, &recipe, t, &a, root, sizeof(root));
	settle(&pool, t);
	ok(stats(&pool).ready == 0, "the first child's size is guessed: 200 MB > the cap, none starts");
	lim.max_rss_kb = WARM_POOL_GUESS_RSS_KB + 2500;
	warm_pool_init(&pool, &lim, &fake_ops);
	(void)warm_pool_take(&pool, &sonnet, &recipe, t, &a, root, sizeof(root));
	settle(&pool, t);
	ok(stats(&pool).ready >= 1 && stats(&pool).rss_kb <= lim.max_rss_kb, "the cap holds (%ld KiB)",
	    stats(&pool).rss_kb);
	{
		int i;

		for (i = 0; i < WARM_POOL_MAX_CHILDREN; i++)
			if (pool.kids[i].state == WARM_READY)
				pool.kids[i].proc->rss_kb = WARM_POOL_GUESS_RSS_KB;   /* they grew */
	}
	settle(&pool, t + 1);
	ok(stats(&pool).rss_kb <= lim.max_rss_kb && stats(&pool).retired_memory >= 1,
	    "children that grew past the cap retire, oldest first");
	warm_pool_drain(&pool);

	/* a failing spawn backs off, doubling */
	lim.max_rss_kb = 0;
	lim.per_key = 1;
	warm_pool_init(&pool, &lim, &fake_ops);
	fake_fail = 1;
	(void)warm_pool_take(&pool, &sonnet, &recipe, t, &a, root, sizeof(root));
	ok(warm_pool_step(&pool, t) == 0 && stats(&pool).spawn_failures == 1, "a failed start");
	(void)warm_pool_step(&pool, t + WARM_POOL_BACKOFF_MS - 1);
	ok(stats(&pool).spawn_failures == 1, "no new try within the backoff");
	(void)warm_pool_step(&pool, t + WARM_POOL_BACKOFF_MS);
	ok(stats(&pool).spawn_failures == 2, "a try after it");
	(void)warm_pool_step(&pool, t + WARM_POOL_BACKOFF_MS + 2 * WARM_POOL_BACKOFF_MS - 1);
	ok(stats(&pool).spawn_failures == 2, "the backoff doubled");
	fake_fail = 0;
	(void)warm_pool_step(&pool, t + 3 * WARM_POOL_BACKOFF_MS);
	ok(stats(&pool).ready == 1 && pool.keys[0].failures == 2, "a start after the backoff; the count stays");
	ok(warm_pool_take(&pool, &sonnet, &recipe, t + 3 * WARM_POOL_BACKOFF_MS, &a, root, sizeof(root)) &&
	    pool.keys[0].failures == 0, "a child that lives to be taken resets it");
	free(a);
	a = NULL;
	warm_pool_drain(&pool);

	/* primed next turns: off without max_primed */
	{
		struct warm_pool_key h1 = primed_key("sonnet", "aa11"), h2 = primed_key("sonnet", "bb22"),
		    h3 = primed_key("sonnet", "cc33"), other = primed_key("sonnet", "aa11");
		struct warm_pool_recipe r;

		lim.per_key = 1;
		lim.max_children = 4;
		lim.max_primed = 0;
		lim.primed_ttl_ms = 5000;
		warm_pool_init(&pool, &lim, &fake_ops);
		r = seeded("history one");
		ok(warm_pool_prime(&pool, &h1, &r, t) == 0 && r.seed == NULL, "max_primed 0: nothing is primed (the seed is freed)");
		ok(settle(&pool, t) == 0, "and nothing started");

		lim.per_key = 0;   /* first turns off, next turns on */
		lim.max_primed = 2;
		warm_pool_init(&pool, &lim, &fake_ops);
		ok(!warm_pool_take(&pool, &h1, &recipe, t, &a, root, sizeof(root)),
		    "a turn with history that was not primed: cold");
		ok(settle(&pool, t) == 0, "and a take primes nothing");
		r = seeded("history one");
		ok(warm_pool_prime(&pool, &h1, &r, t) == 1 && r.seed == NULL, "a next turn is primed (the pool has the seed)");
		fake_seed[0] = '\0';
		ok(settle(&pool, t) == 1 && strcmp(fake_seed, "history one") == 0,
		    "its child starts with the seed");
		ok(settle(&pool, t) == 0, "once: a primed key is never refilled");
		ok(!warm_pool_take(&pool, &sonnet, &recipe, t, &a, root, sizeof(root)),
		    "a first turn does not get it");
		ok(!warm_pool_take(&pool, &h2, &recipe, t, &a, root, sizeof(root)),
		    "another history does not get it");
		snprintf(other.login, sizeof(other.login), "fp9");
		ok(!warm_pool_take(&pool, &other, &recipe, t, &a, root, sizeof(root)),
		    "nor the same history with another login");
		ok(warm_pool_take(&pool, &h1, &recipe, t + 1, &a, root, sizeof(root)) && a != NULL,
		    "the turn with that history gets it");
		free(a);
		a = NULL;
		ok(!warm_pool_take(&pool, &h1, &recipe, t + 2, &a, root, sizeof(root)) && a == NULL,
		    "never twice: the same history again is cold");
		ok(settle(&pool, t + 2) == 0, "and nothing refills it");
		ok(stats(&pool).primed_warm == 1 && stats(&pool).primed_cold == 4 && stats(&pool).primed == 1,
		    "primed takes are counted (%lu warm, %lu cold)", stats(&pool).primed_warm,
		    stats(&pool).primed_cold);

		/* at most max_primed conversations: the least recently primed goes */
		r = seeded("one");
		(void)warm_pool_prime(&pool, &h1, &r, t + 10);
		r = seeded("two");
		(void)warm_pool_prime(&pool, &h2, &r, t + 11);
		settle(&pool, t + 11);
		ok(stats(&pool).ready == 2, "two conversations primed");
		r = seeded("three");
		fake_stopped = 0;
		ok(warm_pool_prime(&pool, &h3, &r, t + 12) == 1, "a third is primed");
		settle(&pool, t + 12);
		ok(fake_stopped == 1 && stats(&pool).ready == 2, "the oldest one's child retired for it");
		ok(!warm_pool_take(&pool, &h1, &recipe, t + 13, &a, root, sizeof(root)), "h1 is cold now");
		ok(warm_pool_take(&pool, &h3, &recipe, t + 13, &b, root, sizeof(root)) && b != NULL, "h3 is warm");
		free(b);
		b = NULL;

		/* the primed TTL */
		fake_stopped = 0;
		settle(&pool, t + 11 + lim.primed_ttl_ms);
		ok(fake_stopped == 1 && stats(&pool).ready == 0, "a primed child retires after primed_ttl_ms");
		ok(!warm_pool_take(&pool, &h2, &recipe, t + 12 + lim.primed_ttl_ms, &a, root, sizeof(root)),
		    "and its turn is cold");

		/* a turn that comes while its child still starts: cold, and the child retires */
		r = seeded("four");
		(void)warm_pool_prime(&pool, &h1, &r, t + 20000);
		ok(!warm_pool_take(&pool, &h1, &recipe, t + 20000, &a, root, sizeof(root)),
		    "not started yet: cold");
		ok(settle(&pool, t + 20001) == 0 && stats(&pool).ready == 0,
		    "and the primed key is gone: nothing starts for it");

		/* a failed start of a primed child is not retried */
		fake_fail = 1;
		r = seeded("five");
		(void)warm_pool_prime(&pool, &h2, &r, t + 30000);
		ok(warm_pool_step(&pool, t + 30000) == 0 && stats(&pool).spawn_failures == 1, "a failed primed start");
		fake_fail = 0;
		ok(settle(&pool, t + 30000 + WARM_POOL_BACKOFF_MAX_MS) == 0, "is not tried again");
		warm_pool_drain(&pool);
		for (int i = 0; i < WARM_POOL_MAX_KEYS; i++)
			warm_pool_entry_clear(&pool.keys[i]);
	}
	return tap_done();
}
