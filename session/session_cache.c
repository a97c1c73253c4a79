/*
 * session_cache.c - the process's cache of session answers, kept true by
 * Redis's invalidation messages (session_cache.h).
 *
 * One lock guards the table, the LRU list, the channel and the counters
 * below. The channel's thread waits on its socket without the lock and
 * reads with it; a read answered from the cache reads the channel first,
 * under the same lock. A miss notes the channel's generation and the key's
 * epoch before it asks Redis, and keeps its answer only when both are
 * unchanged afterwards: an invalidation read while the answer was on its
 * way (it may describe a write made after the read) leaves it unkept.
 */
#include "config.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_log.h"
#include "common/hub_os.h"
#include "common/hub_time.h"
#include "redis.h"
#include "session_cache.h"
#include "session_key.h"

/* An answer is kept at most this long, whatever the channel says. */
#define SESSION_CACHE_MAX_AGE_MS 60000
/* Buckets of the table, and epochs of the keys (by the same hash). */
#define SESSION_CACHE_BUCKETS 4096
/* The channel is reopened after a failure no sooner than this, doubled
 * up to the maximum after each further one. */
#define SESSION_CACHE_RETRY_MS 500
#define SESSION_CACHE_RETRY_MAX_MS 30000

struct session_cached {
	char *key;                       /* the metadata key */
	size_t klen;
	char *data;
	size_t len;
	long long expires_ms;            /* monotonic */
	unsigned refs;                   /* atomic: the table's and the readers' */
	size_t hash;
	struct session_cached *hnext;    /* in its bucket (kept only) */
	struct session_cached *prev, *next; /* LRU, newest first (kept only) */
};

static pthread_mutex_t sc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t sc_once = PTHREAD_ONCE_INIT;
static struct session_cached *sc_bucket[SESSION_CACHE_BUCKETS];
static unsigned long sc_epoch[SESSION_CACHE_BUCKETS];
static struct session_cached *sc_newest, *sc_oldest;
static size_t sc_bytes;
static struct redis_invalidations *sc_inv;   /* NULL: the channel is down */
static long long sc_inv_id;
static char sc_inv_name[64];
static int sc_broken;            /* a reader found the channel gone */
static unsigned long sc_gen;     /* bumped when the channel opens or closes, and at a flush */

static size_t
session_cache_hash(const char *key, size_t len)
{
	unsigned long long h = 1469598103934665603ULL;   /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h % SESSION_CACHE_BUCKETS);
}

static int
session_cache_enabled(void)
{
	return hub_cfg != NULL && hub_cfg->session_cache_mb > 0 && !redis_sentinel_enabled();
}

static void
session_cached_free(struct session_cached *c)
{
	free(c->key);
	free(c->data);
	free(c);
}

void
session_cached_release(struct session_cached *c)
{
	if (c != NULL && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
		session_cached_free(c);
}

const char *
session_cached_data(const struct session_cached *c, size_t *len)
{
	*len = c->len;
	return c->data;
}

static size_t
session_cached_size(const struct session_cached *c)
{
	return sizeof(*c) + c->len + c->klen + 1;
}

/* Take c out of the table and the LRU list, dropping the table's reference. */
static void
session_cache_unlink_locked(struct session_cached *c)
{
	struct session_cached **p;

	for (p = &sc_bucket[c->hash]; *p != NULL; p = &(*p)->hnext)
		if (*p == c) {
			*p = c->hnext;
			break;
		}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		sc_newest = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		sc_oldest = c->prev;
	sc_bytes -= session_cached_size(c);
	session_cached_release(c);
}

static struct session_cached *
session_cache_find_locked(const char *key, size_t len, size_t hash)
{
	struct session_cached *c;

	for (c = sc_bucket[hash]; c != NULL; c = c->hnext)
		if (c->klen == len && memcmp(c->key, key, len) == 0)
			return c;
	return NULL;
}

/* Forget everything; nothing read before now is kept afterwards either. */
static void
session_cache_flush_locked(void)
{
	while (sc_newest != NULL)
		session_cache_unlink_locked(sc_newest);
	sc_gen++;
}

static void
session_cache_forget_one_locked(const char *key, size_t len)
{
	size_t h = session_cache_hash(key, len);
	struct session_cached *c;

	sc_epoch[h]++;
	if ((c = session_cache_find_locked(key, len, h)) != NULL)
		session_cache_unlink_locked(c);
}

/* redis_key_fn for the channel: a key of the metadata hash, or of the
 * message list (its name plus ":m"). Both readings are forgotten: an id
 * may itself end in "m". */
static void
session_cache_on_key(void *arg, const char *key, size_t len)
{
	(void)arg;
	if (key == NULL) {
		session_cache_flush_locked();
		return;
	}
	session_cache_forget_one_locked(key, len);
	if (len > 2 && memcmp(key + len - 2, ":m", 2) == 0)
		session_cache_forget_one_locked(key, len - 2);
}

/* Read what has arrived on the channel. 1 while it is up. */
static int
session_cache_drain_locked(void)
{
	if (sc_inv == NULL || sc_broken)
		return 0;
	if (redis_invalidations_read(sc_inv, session_cache_on_key, NULL) < 0) {
		sc_broken = 1;  /* its thread closes it */
		session_cache_flush_locked();
		return 0;
	}
	return 1;
}

void
session_cache_forget(const char *meta_key)
{
	if (!session_cache_enabled())
		return;
	pthread_mutex_lock(&sc_lock);
	session_cache_forget_one_locked(meta_key, strlen(meta_key));
	pthread_mutex_unlock(&sc_lock);
}

/* The channel's thread: open it, read it, reopen it after a loss. */
static void *
session_cache_main(void *unused)
{
	struct redis_invalidations *inv = NULL;
	struct pollfd pfd;
	long retry_ms = SESSION_CACHE_RETRY_MS;
	unsigned long opened = 0;
	char name[64];
	sigset_t all;

	(void)unused;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		if (inv == NULL) {
			snprintf(name, sizeof(name), "hub-cache-%ld-%lld-%lu", (long)getpid(),
			    hub_time_wall_ms(), ++opened);
			if (redis_invalidations_open(&inv, name) != HUB_OK) {
				/* said once: Redis may be down for a while, or refuse for good */
				hub_log(opened == 1 ? HUB_LOG_WARN : HUB_LOG_DEBUG, "session_cache",
				    "no invalidation channel (session reads go to Redis): %s",
				    redis_last_error());
				(void)poll(NULL, 0, (int)retry_ms);
				retry_ms = retry_ms * 2 > SESSION_CACHE_RETRY_MAX_MS ?
				    SESSION_CACHE_RETRY_MAX_MS : retry_ms * 2;
				continue;
			}
			retry_ms = SESSION_CACHE_RETRY_MS;
			pthread_mutex_lock(&sc_lock);
			session_cache_flush_locked();
			sc_inv = inv;
			sc_inv_id = redis_invalidations_id(inv);
			snprintf(sc_inv_name, sizeof(sc_inv_name), "%s", name);
			sc_broken = 0;
			pthread_mutex_unlock(&sc_lock);
		}
		pfd.fd = redis_invalidations_fd(inv);
		pfd.events = POLLIN | HUB_POLLRDHUP;
		(void)poll(&pfd, 1, 1000);
		pthread_mutex_lock(&sc_lock);
		(void)session_cache_drain_locked();
		if (sc_broken) {
			session_cache_flush_locked();
			sc_inv = NULL;
			sc_inv_id = 0;
			redis_invalidations_close(inv);
			inv = NULL;
		}
		pthread_mutex_unlock(&sc_lock);
	}
	return NULL;
}

static void
session_cache_start(void)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&t, &attr, session_cache_main, NULL) != 0)
		hub_log(HUB_LOG_WARN, "session_cache", "cannot start its thread; reads go to Redis");
	pthread_attr_destroy(&attr);
}

/* Keep c (one more reference) unless the table cannot hold it. */
static void
session_cache_keep_locked(struct session_cached *c)
{
	size_t cap = (size_t)hub_cfg->session_cache_mb * 1024 * 1024, size;
	struct session_cached *old;

	size = session_cached_size(c);
	if (size > cap / 4)
		return;  /* one answer may not push out most of the others */
	if ((old = session_cache_find_locked(c->key, c->klen, c->hash)) != NULL)
		session_cache_unlink_locked(old);
	while (sc_oldest != NULL && sc_bytes + size > cap)
		session_cache_unlink_locked(sc_oldest);
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	c->hnext = sc_bucket[c->hash];
	sc_bucket[c->hash] = c;
	c->prev = NULL;
	c->next = sc_newest;
	if (sc_newest != NULL)
		sc_newest->prev = c;
	else
		sc_oldest = c;
	sc_newest = c;
	sc_bytes += size;
}

/* Move c to the front of the LRU list. */
static void
session_cache_touch_locked(struct session_cached *c)
{
	if (c == sc_newest)
		return;
	c->prev->next = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		sc_oldest = c->prev;
	c->prev = NULL;
	c->next = sc_newest;
	sc_newest->prev = c;
	sc_newest = c;
}

int
session_read_cached(const char *id, const char *owner, session_render_fn render, void *arg,
    struct session_cached **out)
{
	char key[SESSION_KEY_LEN], name[sizeof(sc_inv_name)];
	struct session_cached *c;
	struct session *s = NULL;
	unsigned long gen = 0, epoch = 0;
	long long redirect = 0, ttl_ms, now;
	int rc, tracked = 0;
	size_t klen, h;

	*out = NULL;
	if (session_key_build(key, sizeof(key), "sess", owner, id, NULL) != HUB_OK)
		return HUB_ERR_INVALID;
	klen = strlen(key);
	h = session_cache_hash(key, klen);
	if (session_cache_enabled()) {
		pthread_once(&sc_once, session_cache_start);
		now = hub_time_mono_ms();
		pthread_mutex_lock(&sc_lock);
		if (session_cache_drain_locked()) {
			c = session_cache_find_locked(key, klen, h);
			if (c != NULL && c->expires_ms > now) {
				session_cache_touch_locked(c);
				__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
				pthread_mutex_unlock(&sc_lock);
				*out = c;
				return HUB_OK;
			}
			if (c != NULL)
				session_cache_unlink_locked(c);
			gen = sc_gen;
			epoch = sc_epoch[h];
			redirect = sc_inv_id;
			memcpy(name, sc_inv_name, sizeof(name));
		}
		pthread_mutex_unlock(&sc_lock);
	}
	/* a thread whose tracking cannot be turned on still answers, uncached */
	if (redirect != 0 && redis_tracking_on(redirect, name) != HUB_OK)
		redirect = 0;
	now = hub_time_mono_ms();  /* the TTL counts from before the read */
	if ((rc = session_load_tracked(id, owner, redirect, &s, &ttl_ms, &tracked)) != HUB_OK)
		return rc;
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->key = strdup(key)) == NULL) {
		free(c);
		session_free(s);
		return HUB_ERR_NOMEM;
	}
	c->refs = 1;
	c->klen = klen;
	c->hash = h;
	rc = render(s, arg, &c->data, &c->len);
	session_free(s);
	if (rc != HUB_OK) {
		session_cached_free(c);
		return rc;
	}
	if (tracked && ttl_ms != 0) {
		c->expires_ms = now + (ttl_ms > 0 && ttl_ms < SESSION_CACHE_MAX_AGE_MS ?
		    ttl_ms : SESSION_CACHE_MAX_AGE_MS);
		pthread_mutex_lock(&sc_lock);
		if (session_cache_drain_locked() && sc_gen == gen && sc_epoch[h] == epoch)
			session_cache_keep_locked(c);
		pthread_mutex_unlock(&sc_lock);
	}
	*out = c;
	return HUB_OK;
}
