/*
 * mcp_stream.c - one poller thread per process for every open SSE stream.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_log.h"
#include "common/hub_os.h"
#include "common/hub_time.h"
#include "mcp_store.h"
#include "mcp_stream.h"
#include "redis.h"
#include "session_id.h"

/* Messages held for one stream whose client reads slowly. */
#define MCP_STREAM_MAX_PENDING 1000
#define MCP_STREAM_KEY_MAX (HUB_MAX_SESSION_ID_LEN + HUB_MAX_CLIENT_KEY_ID_LEN + 160)
/* How long the poller waits after a Redis failure. */
#define MCP_STREAM_RETRY_MS 1000

struct mcp_stream_msg {
	struct mcp_stream_msg *next;
	char *json;
};

struct mcp_stream {
	struct mcp_stream *next;              /* in mcp_stream_list */
	char queue_key[MCP_STREAM_KEY_MAX];
	char record_key[MCP_STREAM_KEY_MAX];  /* the session record it keeps alive */
	struct stream_lease lease;
	struct hub_os_wake wake;   /* signalled when a message is queued */
	struct mcp_stream_msg *head, *tail;   /* under mcp_stream_lock */
	size_t n_pending;
};

static pthread_mutex_t mcp_stream_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mcp_stream *mcp_stream_list;
static unsigned long mcp_stream_n;
static unsigned long mcp_stream_generation;   /* bumped on every change */
static pthread_once_t mcp_stream_once = PTHREAD_ONCE_INIT;
static int mcp_stream_poller_ok;
static char mcp_stream_wake_key[MCP_STREAM_KEY_MAX];

/* The poller's view of the registry: BLPOP's argv. */
struct mcp_stream_poll {
	const char **argv;
	char *keys;               /* the key texts argv points into */
	size_t argc;
	unsigned long generation;
};

/* Rebuild p from the registry when it changed. 0 or HUB_ERR_NOMEM. */
static int
mcp_stream_poll_refresh(struct mcp_stream_poll *p)
{
	const struct mcp_stream *s;
	size_t n, i = 0, off = 0;
	const char **argv;
	char *keys;

	pthread_mutex_lock(&mcp_stream_lock);
	if (p->argv != NULL && p->generation == mcp_stream_generation) {
		pthread_mutex_unlock(&mcp_stream_lock);
		return HUB_OK;
	}
	n = mcp_stream_n + 1;
	argv = calloc(n + 2, sizeof(*argv));
	keys = malloc(n * MCP_STREAM_KEY_MAX);
	if (argv == NULL || keys == NULL) {
		pthread_mutex_unlock(&mcp_stream_lock);
		free(argv);
		free(keys);
		return HUB_ERR_NOMEM;
	}
	argv[i++] = "BLPOP";
	argv[i++] = mcp_stream_wake_key;
	for (s = mcp_stream_list; s != NULL; s = s->next) {
		memcpy(keys + off, s->queue_key, MCP_STREAM_KEY_MAX);
		argv[i++] = keys + off;
		off += MCP_STREAM_KEY_MAX;
	}
	p->generation = mcp_stream_generation;
	pthread_mutex_unlock(&mcp_stream_lock);
	free(p->argv);
	free(p->keys);
	p->argv = argv;
	p->keys = keys;
	p->argc = i;   /* the timeout goes in argv[argc] */
	return HUB_OK;
}

/* Push the expiry of n session records (keys, each MCP_STREAM_KEY_MAX
 * apart) HUB_MCP_SESSION_TTL into the future, in one round trip: an open
 * stream keeps its session alive, and a gone one lets it expire soon. */
static int
mcp_stream_touch_records(const char *keys, size_t n)
{
	struct redis_cmd *cmds = calloc(n, sizeof(*cmds));
	struct redis_reply **r = calloc(n, sizeof(*r));
	const char **argv = NULL;
	char ttl[32];
	size_t i;
	int rc = HUB_ERR_NOMEM;

	if (cmds == NULL || r == NULL || (argv = calloc(n * 3, sizeof(*argv))) == NULL)
		goto out;
	snprintf(ttl, sizeof(ttl), "%ld", hub_cfg->mcp_session_ttl_s);
	for (i = 0; i < n; i++) {
		const char **a = argv + i * 3;
		a[0] = "EXPIRE";
		a[1] = keys + i * MCP_STREAM_KEY_MAX;
		a[2] = ttl;
		cmds[i] = (struct redis_cmd){ 3, a, NULL };
	}
	if ((rc = redis_pipeline(r, n, cmds)) == HUB_OK)
		for (i = 0; i < n; i++)
			redis_reply_free(r[i]);
out:
	free(argv);
	free(r);
	free(cmds);
	return rc;
}

/* Renew the leases and session records of every open stream. */
static void
mcp_stream_renew_all(void)
{
	struct stream_lease *copy = NULL;
	const struct mcp_stream *s;
	char *records = NULL;
	size_t n = 0;
	int rc;

	pthread_mutex_lock(&mcp_stream_lock);
	if (mcp_stream_n > 0 && (copy = malloc(mcp_stream_n * sizeof(*copy))) != NULL &&
	    (records = malloc(mcp_stream_n * MCP_STREAM_KEY_MAX)) != NULL)
		for (s = mcp_stream_list; s != NULL; s = s->next) {
			memcpy(records + n * MCP_STREAM_KEY_MAX, s->record_key, MCP_STREAM_KEY_MAX);
			copy[n++] = s->lease;
		}
	pthread_mutex_unlock(&mcp_stream_lock);
	if (n > 0 && (rc = stream_lease_renew(copy, n)) != HUB_OK)
		hub_log(HUB_LOG_WARN, "mcp", "cannot renew %zu stream lease(s): %s", n, hub_strerror(rc));
	if (n > 0 && (rc = mcp_stream_touch_records(records, n)) != HUB_OK)
		hub_log(HUB_LOG_WARN, "mcp", "cannot renew %zu MCP session record(s): %s", n, hub_strerror(rc));
	free(records);
	free(copy);
}

/* Hand json (taken over) to the stream whose queue is key; drop it when
 * that stream is gone or too far behind. */
static void
mcp_stream_deliver(const char *key, char *json)
{
	struct mcp_stream *s;
	struct mcp_stream_msg *m = NULL;

	pthread_mutex_lock(&mcp_stream_lock);
	for (s = mcp_stream_list; s != NULL; s = s->next)
		if (strcmp(s->queue_key, key) == 0)
			break;
	if (s != NULL && s->n_pending < MCP_STREAM_MAX_PENDING &&
	    (m = calloc(1, sizeof(*m))) != NULL) {
		m->json = json;
		json = NULL;  /* owned by the stream now */
		if (s->tail != NULL)
			s->tail->next = m;
		else
			s->head = m;
		s->tail = m;
		s->n_pending++;
		if (hub_os_wake_signal(&s->wake) < 0)
			hub_log(HUB_LOG_WARN, "mcp", "cannot wake an SSE stream");
	}
	pthread_mutex_unlock(&mcp_stream_lock);
	if (json != NULL)
		hub_log(HUB_LOG_DEBUG, "mcp", "dropped a message for a closed or slow SSE stream");
	free(json);
}

/* The poller: BLPOP over all queues, deliver, renew leases. */
static void *
mcp_stream_poller(void *arg)
{
	struct mcp_stream_poll p = { NULL, NULL, 0, 0 };
	struct redis_reply *r;
	long long now, next_renew = hub_time_mono_ms() + STREAM_LEASE_RENEW_MS;
	long wait_ms;
	char timeout[32], *json;
	int rc, failing = 0;

	(void)arg;
	for (;;) {
		now = hub_time_mono_ms();
		if (now >= next_renew) {
			mcp_stream_renew_all();
			next_renew = now + STREAM_LEASE_RENEW_MS;
		}
		if (mcp_stream_poll_refresh(&p) != HUB_OK) {
			usleep(MCP_STREAM_RETRY_MS * 1000);
			continue;
		}
		wait_ms = (long)(next_renew - now);
		if (wait_ms < 10)
			wait_ms = 10;
		snprintf(timeout, sizeof(timeout), "%.3f", (double)wait_ms / 1000.0);
		p.argv[p.argc] = timeout;
		rc = redis_command_blocking(&r, (int)p.argc + 1, p.argv, NULL, wait_ms);
		if (rc != HUB_OK || r->type == REDIS_T_ERROR) {
			if (!failing)
				hub_log(HUB_LOG_WARN, "mcp", "SSE poller: the session store failed (%s); retrying",
				    rc != HUB_OK ? redis_last_error() : r->str);
			failing = 1;
			redis_reply_free(rc == HUB_OK ? r : NULL);
			usleep(MCP_STREAM_RETRY_MS * 1000);
			continue;
		}
		failing = 0;
		if (r->type == REDIS_T_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_T_STRING &&
		    r->element[1]->type == REDIS_T_STRING &&
		    strcmp(r->element[0]->str, mcp_stream_wake_key) != 0) {
			json = r->element[1]->str;
			r->element[1]->str = NULL;  /* owned by mcp_stream_deliver now */
			mcp_stream_deliver(r->element[0]->str, json);
		}
		redis_reply_free(r);
	}
	return NULL;
}

/* Start the poller once per process. */
static void
mcp_stream_start(void)
{
	char nonce[40];
	pthread_attr_t attr;
	pthread_t tid;

	if (session_id_generate(nonce, sizeof(nonce)) != HUB_OK)
		return;
	snprintf(mcp_stream_wake_key, sizeof(mcp_stream_wake_key), "%smcp:w:%s",
	    hub_cfg->key_prefix, nonce);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, mcp_stream_poller, NULL) == 0)
		mcp_stream_poller_ok = 1;
	pthread_attr_destroy(&attr);
}

/* Wake the poller so that its BLPOP includes a new stream. */
static int
mcp_stream_wake_poller(void)
{
	const char *rpush[] = { "RPUSH", mcp_stream_wake_key, "1" };
	const char *expire[] = { "PEXPIRE", mcp_stream_wake_key, "60000" };
	struct redis_cmd cmds[2] = { { 3, rpush, NULL }, { 3, expire, NULL } };
	struct redis_reply *r[2];
	int rc;

	if ((rc = redis_pipeline(r, 2, cmds)) != HUB_OK)
		return rc;
	rc = r[0]->type == REDIS_T_INTEGER ? HUB_OK : HUB_ERR_STORE;
	redis_reply_free(r[0]);
	redis_reply_free(r[1]);
	return rc;
}

/* Remove s from the registry (if present). */
static void
mcp_stream_unlink(struct mcp_stream *s)
{
	struct mcp_stream **pp;

	pthread_mutex_lock(&mcp_stream_lock);
	for (pp = &mcp_stream_list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			mcp_stream_n--;
			mcp_stream_generation++;
			break;
		}
	}
	pthread_mutex_unlock(&mcp_stream_lock);
}

int
mcp_stream_open(const char *id, const char *owner, struct stream_lease *lease,
    struct mcp_stream **out)
{
	struct mcp_stream *s;
	int rc;

	*out = NULL;
	pthread_once(&mcp_stream_once, mcp_stream_start);
	if (!mcp_stream_poller_ok)
		return HUB_ERR_SYSTEM;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return HUB_ERR_NOMEM;
	if ((rc = mcp_store_queue_key(id, owner, s->queue_key, sizeof(s->queue_key))) != HUB_OK ||
	    (rc = mcp_store_record_key(id, owner, s->record_key, sizeof(s->record_key))) != HUB_OK) {
		free(s);
		return rc;
	}
	if (hub_os_wake_open(&s->wake) < 0) {
		free(s);
		return HUB_ERR_SYSTEM;
	}
	s->lease = *lease;
	pthread_mutex_lock(&mcp_stream_lock);
	s->next = mcp_stream_list;
	mcp_stream_list = s;
	mcp_stream_n++;
	mcp_stream_generation++;
	pthread_mutex_unlock(&mcp_stream_lock);
	if ((rc = mcp_stream_wake_poller()) != HUB_OK) {
		mcp_stream_unlink(s);
		hub_os_wake_close(&s->wake);
		free(s);
		redis_disconnect();
		return rc;
	}
	memset(lease, 0, sizeof(*lease));  /* owned by the stream now */
	redis_disconnect();   /* an idle stream holds no Redis connection */
	*out = s;
	return HUB_OK;
}

/* Take the first pending message of s, or NULL. */
static char *
mcp_stream_take(struct mcp_stream *s)
{
	struct mcp_stream_msg *m;
	char *json = NULL;

	pthread_mutex_lock(&mcp_stream_lock);
	if ((m = s->head) != NULL) {
		s->head = m->next;
		if (s->head == NULL)
			s->tail = NULL;
		s->n_pending--;
		json = m->json;
		free(m);
	}
	pthread_mutex_unlock(&mcp_stream_lock);
	return json;
}

int
mcp_stream_wait(struct mcp_stream *s, int watch_fd, long timeout_ms, char **json)
{
	struct pollfd pfd[2];
	nfds_t nfds = 1;
	int n;

	if ((*json = mcp_stream_take(s)) != NULL)
		return HUB_OK;
	pfd[0] = (struct pollfd){ .fd = s->wake.read_fd, .events = POLLIN };
	if (watch_fd >= 0)
		pfd[nfds++] = (struct pollfd){ .fd = watch_fd, .events = POLLIN | HUB_POLLRDHUP };
	n = poll(pfd, nfds, timeout_ms < 0 ? 0 : (int)timeout_ms);
	if (n < 0 && errno != EINTR)
		return HUB_ERR_SYSTEM;
	if (n > 0 && (pfd[0].revents & POLLIN))
		hub_os_wake_drain(&s->wake);
	if ((*json = mcp_stream_take(s)) != NULL)
		return HUB_OK;
	if (n > 0 && nfds > 1 && pfd[1].revents != 0)
		return HUB_ERR_CLIENT_GONE;
	return HUB_OK;
}

void
mcp_stream_close(struct mcp_stream *s)
{
	char *json;

	if (s == NULL)
		return;
	mcp_stream_unlink(s);
	while ((json = mcp_stream_take(s)) != NULL)
		free(json);
	hub_os_wake_close(&s->wake);
	stream_lease_release(&s->lease);
	free(s);
	redis_disconnect();
}
