/*
 * workdir_spare.c - run directories made ahead, and those of finished runs
 * removed, by one background thread (workdir_spare.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hub_error.h"
#include "common/hub_log.h"
#include "providers/workdir.h"
#include "providers/workdir_spare.h"

/* Distinct (base, prefix) pairs kept; one per CLI kind in practice. */
#define WORKDIR_SPARE_KEYS        8
#define WORKDIR_SPARE_PREFIX_MAX  32
#define WORKDIR_SPARE_STACK_BYTES (128 * 1024)
/* Where spares wait, below their base: out of sight of whatever lists
 * the run directories (a spare is not one yet), in reach of the sweep. */
#define WORKDIR_SPARE_FOLDER      ".spare"

struct workdir_spare_key {
	char base[PATH_MAX];
	char prefix[WORKDIR_SPARE_PREFIX_MAX];
	const char *const *subdirs;
	char roots[WORKDIR_SPARES_PER_KEY][PATH_MAX];
	int n_roots;
	int failed;                  /* the last make failed: none until a take */
};

static struct workdir_spare_key spare_keys[WORKDIR_SPARE_KEYS];
static int spare_n_keys;
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t spare_wake = PTHREAD_COND_INITIALIZER;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static pthread_t spare_thread;
static int spare_thread_on;
static int spare_stopping;
/* Finished runs' directories to remove (workdir_spare_discard()), owned. */
static char *spare_discards[WORKDIR_SPARE_DISCARDS_MAX];
static int spare_n_discards;

/* A key that wants one more spare, or -1. Under spare_lock. */
static int
workdir_spare_wanted(void)
{
	int i;

	for (i = 0; i < spare_n_keys; i++)
		if (!spare_keys[i].failed && spare_keys[i].n_roots < WORKDIR_SPARES_PER_KEY)
			return i;
	return -1;
}

/* Remove a finished run's directory and free its path. */
static void
workdir_spare_remove_discard(char *root)
{
	if (workdir_remove(root) < 0)
		hub_log(HUB_LOG_WARN, "workdir", "cannot remove a work directory: %s", strerror(errno));
	free(root);
}

/* The thread: make what is wanted, then remove what was discarded, sleep
 * until a take wants more or a run hands its directory over. */
static void *
workdir_spare_main(void *arg)
{
	struct workdir_spare_key *k;
	char base[PATH_MAX], prefix[WORKDIR_SPARE_PREFIX_MAX], root[PATH_MAX], *discard;
	const char *const *subdirs;
	int i, rc;

	(void)arg;
	pthread_mutex_lock(&spare_lock);
	while (!spare_stopping) {
		if ((i = workdir_spare_wanted()) < 0 && spare_n_discards > 0) {
			discard = spare_discards[--spare_n_discards];
			pthread_mutex_unlock(&spare_lock);
			workdir_spare_remove_discard(discard);
			pthread_mutex_lock(&spare_lock);
			continue;
		}
		if (i < 0) {
			pthread_cond_wait(&spare_wake, &spare_lock);
			continue;
		}
		k = &spare_keys[i];
		snprintf(base, sizeof(base), "%s/" WORKDIR_SPARE_FOLDER, k->base);
		memcpy(prefix, k->prefix, sizeof(prefix));
		subdirs = k->subdirs;
		pthread_mutex_unlock(&spare_lock);
		rc = workdir_create_run(base, prefix, subdirs, root, sizeof(root));
		pthread_mutex_lock(&spare_lock);
		if (rc != HUB_OK) {
			k->failed = 1;  /* the request's own attempt reports why */
			continue;
		}
		if (spare_stopping || k->n_roots >= WORKDIR_SPARES_PER_KEY) {
			pthread_mutex_unlock(&spare_lock);
			(void)workdir_remove(root);
			pthread_mutex_lock(&spare_lock);
			continue;
		}
		memcpy(k->roots[k->n_roots++], root, sizeof(root));
	}
	pthread_mutex_unlock(&spare_lock);
	return NULL;
}

/* At exit(): the thread stopped, every discarded directory and every
 * spare removed. */
static void
workdir_spare_at_exit(void)
{
	char folder[PATH_MAX + sizeof("/" WORKDIR_SPARE_FOLDER)];
	int i, j;

	pthread_mutex_lock(&spare_lock);
	spare_stopping = 1;
	pthread_cond_broadcast(&spare_wake);
	pthread_mutex_unlock(&spare_lock);
	if (spare_thread_on)
		(void)pthread_join(spare_thread, NULL);
	while (spare_n_discards > 0)
		workdir_spare_remove_discard(spare_discards[--spare_n_discards]);
	for (i = 0; i < spare_n_keys; i++) {
		for (j = 0; j < spare_keys[i].n_roots; j++)
			if (workdir_remove(spare_keys[i].roots[j]) < 0)
				hub_log(HUB_LOG_WARN, "workdir", "cannot remove a spare directory: %s",
				    strerror(errno));
		/* the folder too, unless another process's spares wait in it (a
		 * maker that loses it to this rmdir() fails once and retries) */
		if (snprintf(folder, sizeof(folder), "%.*s/" WORKDIR_SPARE_FOLDER, PATH_MAX - 1,
		    spare_keys[i].base) < (int)sizeof(folder))
			(void)rmdir(folder);
	}
}

/* Once: the thread (signals blocked in it), the exit hook. */
static void
workdir_spare_start(void)
{
	pthread_attr_t attr;
	sigset_t all, old;

	if (pthread_attr_init(&attr) != 0)
		return;
	(void)pthread_attr_setstacksize(&attr, WORKDIR_SPARE_STACK_BYTES);
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	spare_thread_on = pthread_create(&spare_thread, &attr, workdir_spare_main, NULL) == 0;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (!spare_thread_on)
		hub_log(HUB_LOG_WARN, "workdir", "cannot start the spare directories' thread");
	(void)atexit(workdir_spare_at_exit);
}

/* The key of (base, prefix), added when new; NULL when full or too long.
 * Under spare_lock. */
static struct workdir_spare_key *
workdir_spare_key_of(const char *base, const char *prefix, const char *const *subdirs)
{
	struct workdir_spare_key *k;
	int i;

	for (i = 0; i < spare_n_keys; i++)
		if (strcmp(spare_keys[i].base, base) == 0 && strcmp(spare_keys[i].prefix, prefix) == 0)
			return &spare_keys[i];
	if (spare_n_keys == WORKDIR_SPARE_KEYS ||
	    strlen(base) + sizeof("/" WORKDIR_SPARE_FOLDER) > sizeof(k->base) ||
	    strlen(prefix) >= sizeof(k->prefix))
		return NULL;
	k = &spare_keys[spare_n_keys++];
	memset(k, 0, sizeof(*k));
	snprintf(k->base, sizeof(k->base), "%s", base);
	snprintf(k->prefix, sizeof(k->prefix), "%s", prefix);
	k->subdirs = subdirs;
	return k;
}

int
workdir_spare_take(const char *base, const char *prefix, const char *const *subdirs,
    char *root, size_t len)
{
	struct workdir_spare_key *k;
	char spare[PATH_MAX], *name;
	int taken = 0;

	if (len > 0)
		root[0] = '\0';
	(void)pthread_once(&spare_once, workdir_spare_start);
	if (!spare_thread_on || len == 0)
		return 0;
	pthread_mutex_lock(&spare_lock);
	if (!spare_stopping && (k = workdir_spare_key_of(base, prefix, subdirs)) != NULL) {
		if (k->n_roots > 0) {
			k->n_roots--;
			memcpy(spare, k->roots[k->n_roots], sizeof(spare));
			taken = 1;
		}
		k->failed = 0;
		pthread_cond_signal(&spare_wake);
	}
	pthread_mutex_unlock(&spare_lock);
	if (!taken)
		return 0;
	/* <real base>/.spare/<name> becomes <real base>/<name> */
	name = strrchr(spare, '/');
	if (name == NULL || name - spare < (ptrdiff_t)sizeof(WORKDIR_SPARE_FOLDER) ||
	    (size_t)(name - spare) - sizeof(WORKDIR_SPARE_FOLDER) + strlen(name) >= len) {
		(void)workdir_remove(spare);
		return 0;
	}
	snprintf(root, len, "%.*s%s", (int)(name - spare - sizeof(WORKDIR_SPARE_FOLDER)), spare, name);
	if (rename(spare, root) < 0) {
		(void)workdir_remove(spare);
		root[0] = '\0';
		return 0;
	}
	return 1;
}

int
workdir_spare_discard(const char *root)
{
	char *copy;
	int taken = 0;

	(void)pthread_once(&spare_once, workdir_spare_start);
	if (!spare_thread_on || root == NULL || root[0] == '\0' || (copy = strdup(root)) == NULL)
		return 0;
	pthread_mutex_lock(&spare_lock);
	if (!spare_stopping && spare_n_discards < WORKDIR_SPARE_DISCARDS_MAX) {
		spare_discards[spare_n_discards++] = copy;
		copy = NULL; /* owned by the thread now */
		taken = 1;
		pthread_cond_signal(&spare_wake);
	}
	pthread_mutex_unlock(&spare_lock);
	free(copy);
	return taken;
}
