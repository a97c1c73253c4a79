/* test_warm_pool.c - the warm pool's state machine with fake children:
 * refill per key, one hand-out per child, the caps, the idle TTL, a login
 * change, dead children, spawn backoff. */
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

static int
fake_spawn(const struct warm_pool_key *key, const struct warm_pool_recipe *recipe,
    struct child_proc **proc, char *root, size_t root_len)
{
	(void)recipe;
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
	struct warm_pool_limits lim = { 1, 3, 0, 10000 };
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
	return tap_done();
}
