/*
 * warm_pool.h - CLI children started ahead of their request (warm
 * children), for each (provider, model) in use.
 *
 * A pool lives in one responder process (a child's pipes belong to the
 * process, and its death signal to the thread, that started it): one
 * refill thread per process starts, samples and retires the children;
 * request threads take them. A warm child is past its start-up and waits
 * on stdin for its one request; warm_pool_take() hands it out once and
 * forgets it, so no child serves two requests. Nothing of a request or a
 * tenant is in a warm child: its argv, environment and directory are
 * those of every first turn of its (provider, model); the request comes
 * on stdin after it is taken.
 *
 * The pool keeps per_key children for each key asked for within the idle
 * TTL, never more than max_children in all nor more resident memory than
 * max_rss_kb; a child older than the TTL, or of a key no longer asked
 * for, retires; a child started with another login (fingerprint) than
 * the key's latest retires; a failed start, or a child that died while
 * it waited, backs off its key (doubling, capped; reset when a child
 * lives to be taken).
 *
 * A conversation's next turn can be primed (warm_pool_prime()): after a
 * turn is answered, one child is started for the history the next turn
 * will bring (key.history, a SHA-256 of the client key's id and of that
 * history as the adapter renders it; the recipe's seed, the history
 * itself, which the child reads at start-up). It is started once, never
 * refilled, handed only to a request whose key matches it whole, and it
 * retires after primed_ttl_ms; at most max_primed conversations are
 * primed at once (the least recently primed one goes first).
 * warm_pool_step() is the whole state machine, one step at a time, with
 * the process calls injected (struct warm_pool_ops), so it is tested
 * without children (tests/unit/test_warm_pool.c).
 */
#ifndef WARM_POOL_H
#define WARM_POOL_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>

#include "common/hub_limits.h"

/* Keys (provider, model) one pool follows, and children it holds. */
#define WARM_POOL_MAX_KEYS      16
#define WARM_POOL_MAX_CHILDREN  64
/* A failed start backs off from this, doubling, up to WARM_POOL_BACKOFF_MAX_MS. */
#define WARM_POOL_BACKOFF_MS     1000
#define WARM_POOL_BACKOFF_MAX_MS 60000
/* The refill thread's period when nothing wakes it. */
#define WARM_POOL_TICK_MS        250
/* The resident memory assumed for a child not yet sampled. */
#define WARM_POOL_GUESS_RSS_KB   (200L * 1024L)

struct child_proc;

/* What a warm child is started for and with. */
struct warm_pool_key {
	char provider[HUB_MAX_MODEL_LEN + 1];
	char model[HUB_MAX_MODEL_LEN + 1];   /* "" : the CLI's default */
	char login[24];                      /* fingerprint of the credential */
	char history[65];                    /* "": a first turn; else the
	                                      * primed history's SHA-256, hex */
};

/* How a key's children are started: the caller's recipe, kept by value. */
struct warm_pool_recipe {
	const void *adapter;                 /* the caller's, static */
	char exe[PATH_MAX];
	long timeout_s;
	/* a primed key's history (malloc'd, the pool's once given to
	 * warm_pool_prime(); handed to spawn once); NULL for a first turn */
	char *seed;
	size_t seed_len;
};

/* The process calls, injected. */
struct warm_pool_ops {
	/* start one child for key by recipe: 0 with *proc and root (its
	 * directory) set, else < 0 */
	int (*spawn)(const struct warm_pool_key *key, const struct warm_pool_recipe *recipe,
	    struct child_proc **proc, char *root, size_t root_len);
	/* stop, reap and free proc, remove root */
	void (*stop)(struct child_proc *proc, const char *root);
	int (*alive)(struct child_proc *proc);
	long (*rss_kb)(const struct child_proc *proc);
};

struct warm_pool_limits {
	long per_key;              /* children kept per key; 0: the pool is off */
	long max_children;         /* in all */
	long max_rss_kb;           /* resident memory of all; 0: no cap */
	long idle_ttl_ms;          /* a child's and a key's idle lifetime */
	long max_primed;           /* conversations primed at once; 0: none */
	long primed_ttl_ms;        /* a primed child's lifetime */
};

/* Counters, since the pool began. */
struct warm_pool_stats {
	unsigned long warm;        /* requests served by a warm child */
	unsigned long cold;        /* eligible requests that found none */
	unsigned long primed_warm; /* of warm: turns with history, primed */
	unsigned long primed_cold; /* turns with history that found none */
	unsigned long primed;      /* next turns primed (children asked for) */
	unsigned long spawned, spawn_failures;
	unsigned long retired_ttl, retired_login, retired_dead, retired_memory;
	long ready, starting;      /* now */
	long rss_kb;               /* of the ready children, last sampled */
};

/* A slot: free; being started; waiting for its request; due to retire;
 * being stopped by the step that marked it. */
enum warm_child_state { WARM_FREE, WARM_STARTING, WARM_READY, WARM_RETIRE, WARM_STOPPING };

struct warm_pool_child {
	enum warm_child_state state;
	int key;                   /* index in keys */
	struct child_proc *proc;
	char root[PATH_MAX];
	char login[24];
	long long born_ms;
	long rss_kb;
};

struct warm_pool_entry {
	int used;
	struct warm_pool_key key;
	struct warm_pool_recipe recipe;
	long long asked_ms;        /* last take for it; a primed key's priming */
	int primed;                /* key.history set: started once, one child */
	int spawned;               /* a primed key's child was started */
	int dropped;               /* a primed key done with: its child retires */
	int failures;
	long long retry_at_ms;
};

struct warm_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct warm_pool_limits lim;
	const struct warm_pool_ops *ops;
	struct warm_pool_entry keys[WARM_POOL_MAX_KEYS];
	struct warm_pool_child kids[WARM_POOL_MAX_CHILDREN];
	struct warm_pool_stats stats;
};

/* Set up pool with limits and ops (static, the caller's). */
void warm_pool_init(struct warm_pool *pool, const struct warm_pool_limits *lim,
    const struct warm_pool_ops *ops);

/*
 * A request for key: note that key is in use (with recipe, for the
 * refills) and take one of its ready children started with key's login.
 * Returns 1 with *proc (the caller's now, to run once) and root set, or 0
 * when none is ready (the request starts cold). Children of another
 * login or already dead are marked to retire, never handed out. With
 * key->history set the take only looks for that primed child (a key is
 * primed by warm_pool_prime() alone) and ends the key either way.
 */
int warm_pool_take(struct warm_pool *pool, const struct warm_pool_key *key,
    const struct warm_pool_recipe *recipe, long long now_ms, struct child_proc **proc,
    char *root, size_t root_len);

/*
 * Prime the next turn of a conversation: key (with key->history set) gets
 * one child, started by recipe (whose seed the pool takes, freeing it
 * whatever happens), unless max_primed is 0. Priming a key already primed
 * only refreshes it. Returns 1 when the key is primed, else 0.
 */
int warm_pool_prime(struct warm_pool *pool, const struct warm_pool_key *key,
    struct warm_pool_recipe *recipe, long long now_ms);

/*
 * One step of the refill: retire what is due (TTL, login, dead, over the
 * memory cap), sample the ready children's memory, and start at most one
 * child where a key in use lacks one and the caps allow. Children are
 * started and stopped outside the lock. Returns the number started (0/1).
 */
int warm_pool_step(struct warm_pool *pool, long long now_ms);

/* Start the refill thread of pool (detached; it steps for the life of
 * the process, and the warm children die with it). 0 or -1. */
int warm_pool_start(struct warm_pool *pool);

/* Stop every ready child (shutdown). */
void warm_pool_drain(struct warm_pool *pool);

/* A copy of the counters. */
void warm_pool_stats(struct warm_pool *pool, struct warm_pool_stats *out);

#endif
