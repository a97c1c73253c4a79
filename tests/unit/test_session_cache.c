/*
 * test_session_cache.c - the read cache's rules (session/session_cache.c),
 * with Redis replaced at its seam: the invalidation channel, tracking and
 * the tracked load are defined here, so each rule is driven exactly when
 * it matters (an invalidation while an answer is on its way, a lost
 * channel, a TTL, the size cap). The channel's thread runs for real.
 * tests/e2e/session_cache.bats proves the same against a real Redis.
 */
#include "config.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "session/redis.h"
#include "session/session.h"
#include "session/session_cache.h"
#include "session/session_key.h"
#include "tap.h"

/* ---- the seam: what Redis would do ---- */

struct redis_invalidations {
	int fd[2];                       /* a pipe: its read end is "the socket" */
	long long id;
};

static pthread_mutex_t stub_lock = PTHREAD_MUTEX_INITIALIZER;
static char stub_queue[16][256];        /* keys to announce; "" = a flush */
static int stub_queued;
static int stub_broken;                 /* the next read finds the channel gone */
static int stub_opened;                 /* channels opened so far */
static int stub_loads;                  /* tracked loads made */
static int stub_tracked = 1;            /* Redis confirms the tracking */
static int stub_tracking_rc = HUB_OK;   /* redis_tracking_on()'s answer */
static long long stub_ttl_ms = -1;
static size_t stub_pad;                 /* bytes added to each rendering */
static char stub_model[32] = "v1";
static char stub_during_load[256];      /* a key announced while a load is on its way */
static __thread long long stub_redirect;

static void
stub_announce(const char *key)
{
	pthread_mutex_lock(&stub_lock);
	snprintf(stub_queue[stub_queued++], sizeof(stub_queue[0]), "%s", key);
	pthread_mutex_unlock(&stub_lock);
}

int
redis_invalidations_open(struct redis_invalidations **out, const char *name)
{
	struct redis_invalidations *inv = calloc(1, sizeof(*inv));

	(void)name;
	if (inv == NULL || pipe(inv->fd) != 0)
		abort();
	pthread_mutex_lock(&stub_lock);
	inv->id = 100 + ++stub_opened;
	stub_broken = 0;
	pthread_mutex_unlock(&stub_lock);
	*out = inv;
	return HUB_OK;
}

int
redis_invalidations_fd(const struct redis_invalidations *inv)
{
	return inv->fd[0];
}

long long
redis_invalidations_id(const struct redis_invalidations *inv)
{
	return inv->id;
}

int
redis_invalidations_read(struct redis_invalidations *inv, redis_key_fn on_key, void *arg)
{
	int i, n;

	(void)inv;
	pthread_mutex_lock(&stub_lock);
	if (stub_broken) {
		pthread_mutex_unlock(&stub_lock);
		return HUB_ERR_STORE;
	}
	for (i = 0; i < stub_queued; i++) {
		if (stub_queue[i][0] == '\0')
			on_key(arg, NULL, 0);
		else
			on_key(arg, stub_queue[i], strlen(stub_queue[i]));
	}
	n = stub_queued;
	stub_queued = 0;
	pthread_mutex_unlock(&stub_lock);
	return n;
}

void
redis_invalidations_close(struct redis_invalidations *inv)
{
	close(inv->fd[0]);
	close(inv->fd[1]);
	free(inv);
}

int
redis_tracking_on(long long redirect, const char *name)
{
	(void)name;
	if (stub_tracking_rc == HUB_OK)
		stub_redirect = redirect;
	return stub_tracking_rc;
}

long long
redis_tracking_redirect(void)
{
	return stub_redirect;
}

int
redis_sentinel_enabled(void)
{
	return 0;
}

const char *
redis_last_error(void)
{
	return "stub";
}

int
session_load_tracked(const char *id, const char *owner, long long redirect,
    struct session **out, long long *ttl_ms, int *tracked)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		abort();
	stub_loads++;
	s->meta.id = strdup(id);
	s->meta.owner = strdup(owner);
	s->meta.model = strdup(stub_model);
	if (stub_during_load[0] != '\0') {
		stub_announce(stub_during_load);
		stub_during_load[0] = '\0';
	}
	*ttl_ms = stub_ttl_ms;
	*tracked = redirect != 0 && stub_tracked && redirect == stub_redirect;
	*out = s;
	return HUB_OK;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	free(s->meta.id);
	free(s->meta.owner);
	free(s->meta.model);
	free(s);
}

/* ---- the test ---- */

static int
render(const struct session *s, void *arg, char **buf, size_t *len)
{
	(void)arg;
	*len = (size_t)snprintf(NULL, 0, "%s/%s/%s", s->meta.owner, s->meta.id, s->meta.model) + stub_pad;
	if ((*buf = malloc(*len + 1)) == NULL)
		return HUB_ERR_NOMEM;
	memset(*buf, '.', *len);
	snprintf(*buf, *len + 1, "%s/%s/%s", s->meta.owner, s->meta.id, s->meta.model);
	if (stub_pad > 0)
		(*buf)[strlen(*buf)] = '.';
	return HUB_OK;
}

/* Read owner's id; the number of loads it made (0: from the cache). The
 * answer's text goes to text (n bytes) when given. */
static int
read_one(const char *owner, const char *id, char *text, size_t n)
{
	struct session_cached *c;
	const char *d;
	size_t len;
	int before = stub_loads;

	if (session_read_cached(id, owner, render, NULL, &c) != HUB_OK)
		return -1;
	d = session_cached_data(c, &len);
	if (text != NULL)
		snprintf(text, n, "%.*s", (int)(len < n ? len : n - 1), d);
	session_cached_release(c);
	return stub_loads - before;
}

/* Read alice's sessions <prefix>0 .. <prefix>n-1 in turn; the loads made. */
static int
read_round(const char *prefix, int n)
{
	char id[32];
	int i, loads = 0;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%s%d", prefix, i);
		loads += read_one("alice", id, NULL, 0);
	}
	return loads;
}

static void
meta_key(char *out, size_t n, const char *owner, const char *id)
{
	(void)session_key_build(out, n, "sess", owner, id, NULL);
}

/* Wait until the channel's thread has opened channel number n. */
static void
wait_opened(int n)
{
	int i, done = 0;

	for (i = 0; i < 300 && !done; i++) {
		pthread_mutex_lock(&stub_lock);
		done = stub_opened >= n;
		pthread_mutex_unlock(&stub_lock);
		if (!done)
			(void)poll(NULL, 0, 10);
	}
	(void)poll(NULL, 0, 50);  /* and has put it in place */
}

int
main(void)
{
	static struct hub_config cfg;
	struct session_cached *held;
	char key[SESSION_KEY_LEN], text[64];
	const char *d;
	size_t len;
	int loads;

	cfg.session_cache_mb = 1;
	cfg.key_prefix = "hub:";
	hub_cfg = &cfg;

	/* the first read starts the channel: it is answered from Redis */
	ok(read_one("alice", "s0", NULL, 0) == 1, "the first read (it starts the channel) goes to Redis");
	wait_opened(1);
	ok(read_one("alice", "s1", NULL, 0) == 1, "the first read with the channel open goes to Redis");
	ok(read_one("alice", "s1", text, sizeof(text)) == 0, "the next is answered from the cache");
	is_str(text, "alice/s1/v1", "with the answer rendered from the load");
	ok(read_one("bob", "s1", text, sizeof(text)) == 1, "another owner's session of the same id is its own");
	is_str(text, "bob/s1/v1", "and never the first owner's answer");

	/* an invalidation of either key forgets the answer */
	meta_key(key, sizeof(key), "alice", "s1");
	snprintf(stub_model, sizeof(stub_model), "v2");
	stub_announce(key);
	ok(read_one("alice", "s1", text, sizeof(text)) == 1, "an invalidation of the hash: the next read goes to Redis");
	is_str(text, "alice/s1/v2", "and has the new answer");
	ok(read_one("alice", "s1", NULL, 0) == 0, "which is kept again");
	strcat(key, ":m");
	stub_announce(key);
	ok(read_one("alice", "s1", NULL, 0) == 1, "an invalidation of the message list forgets it too");
	ok(read_one("bob", "s1", NULL, 0) == 0, "and leaves the other owner's answer");

	/* an invalidation read while the answer was on its way */
	meta_key(stub_during_load, sizeof(stub_during_load), "alice", "s2");
	ok(read_one("alice", "s2", NULL, 0) == 1, "a read during which its key is invalidated goes to Redis");
	ok(read_one("alice", "s2", NULL, 0) == 1, "and its answer was not kept: it may predate the write");
	ok(read_one("alice", "s2", NULL, 0) == 0, "the read after that is kept");

	/* what Redis did not confirm is not kept */
	stub_tracked = 0;
	ok(read_one("alice", "s3", NULL, 0) == 1 && read_one("alice", "s3", NULL, 0) == 1,
	    "a read Redis did not confirm as tracked is never kept");
	stub_tracked = 1;
	stub_tracking_rc = HUB_ERR_NOT_FOUND;
	stub_redirect = 0;
	ok(read_one("alice", "s4", NULL, 0) == 1 && read_one("alice", "s4", NULL, 0) == 1,
	    "nor one whose thread could not turn tracking on (still answered)");
	stub_tracking_rc = HUB_OK;

	/* the keys' TTL bounds the answer */
	stub_ttl_ms = 100;
	ok(read_one("alice", "s5", NULL, 0) == 1 && read_one("alice", "s5", NULL, 0) == 0,
	    "an answer with a TTL is kept");
	(void)poll(NULL, 0, 150);
	ok(read_one("alice", "s5", NULL, 0) == 1, "but not past it");
	stub_ttl_ms = 0;
	ok(read_one("alice", "s6", NULL, 0) == 1 && read_one("alice", "s6", NULL, 0) == 1,
	    "a key that expires now is not kept at all");
	stub_ttl_ms = -1;

	/* this process's own write */
	ok(read_one("alice", "s7", NULL, 0) == 1 && read_one("alice", "s7", NULL, 0) == 0, "s7 kept");
	meta_key(key, sizeof(key), "alice", "s7");
	session_cache_forget(key);
	ok(read_one("alice", "s7", NULL, 0) == 1, "session_cache_forget(): the next read goes to Redis");

	/* an answer held by a reader outlives its forgetting */
	ok(session_read_cached("s7", "alice", render, NULL, &held) == HUB_OK, "a reader holds s7");
	session_cache_forget(key);
	ok(read_one("alice", "s7", NULL, 0) == 1, "s7 is forgotten and read again meanwhile");
	d = session_cached_data(held, &len);
	ok(len == strlen("alice/s7/v2") && memcmp(d, "alice/s7/v2", len) == 0,
	    "the held answer is intact");
	session_cached_release(held);

	/* a flush */
	ok(read_one("bob", "s1", NULL, 0) == 0, "bob's s1 is still kept");
	stub_announce("");
	ok(read_one("bob", "s1", NULL, 0) == 1 && read_one("alice", "s7", NULL, 0) == 1,
	    "a flush forgets every answer");

	/* the channel is lost: everything forgotten, nothing kept until it is back */
	ok(read_one("bob", "s1", NULL, 0) == 0, "bob's s1 is kept again");
	pthread_mutex_lock(&stub_lock);
	stub_broken = 1;
	pthread_mutex_unlock(&stub_lock);
	ok(read_one("bob", "s1", NULL, 0) == 1, "a lost channel forgets every answer");
	wait_opened(2);
	ok(stub_opened == 2, "the channel is opened again by its thread");
	(void)read_one("bob", "s1", NULL, 0);
	ok(read_one("bob", "s1", NULL, 0) == 0, "and answers are kept again");

	/* the size cap (1 MiB): an answer over a quarter is never kept */
	stub_pad = 300 * 1024;
	ok(read_one("alice", "big", NULL, 0) == 1 && read_one("alice", "big", NULL, 0) == 1,
	    "an answer of 300 KiB is not kept in 1 MiB");
	stub_pad = 150 * 1024;
	(void)read_round("fit", 3);
	loads = read_round("fit", 3);
	ok(loads == 0, "three answers of 150 KiB fit (%d loads)", loads);
	(void)read_round("lru", 10);
	loads = read_round("lru", 10);
	ok(loads == 10, "ten read in turn do not: the least recently read goes first (%d loads)", loads);
	ok(read_one("alice", "lru9", NULL, 0) == 0, "the most recent one stays");
	stub_pad = 0;

	/* off */
	cfg.session_cache_mb = 0;
	ok(read_one("alice", "off", NULL, 0) == 1 && read_one("alice", "off", NULL, 0) == 1,
	    "HUB_SESSION_CACHE_MB=0: every read goes to Redis");
	return tap_done();
}
