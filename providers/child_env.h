/*
 * child_env.h - a provider child's environment, built from scratch.
 *
 * Nothing is inherited: the adapter adds each variable the CLI needs, and
 * child_env_pass() copies only the named ones (proxies, gateways) from the
 * hub's own environment when they are set. child_env_free() wipes every
 * entry before freeing it, since one of them holds a token.
 */
#ifndef CHILD_ENV_H
#define CHILD_ENV_H

#include <stddef.h>

#include "common/hub_limits.h"

struct child_env {
	char *vars[HUB_MAX_CHILD_ENV + 1];   /* "NAME=value", NULL-terminated; owned */
	size_t n;
};

/* Start an empty environment. */
void child_env_init(struct child_env *e);

/* Add NAME=value. 0, HUB_ERR_TOO_LARGE (HUB_MAX_CHILD_ENV reached) or HUB_ERR_NOMEM. */
int child_env_add(struct child_env *e, const char *name, const char *value);

/* Add each of the NULL-terminated names that the hub's environment sets to
 * a non-empty value. Same returns as child_env_add(). */
int child_env_pass(struct child_env *e, const char *const *names);

/* Wipe and free every entry; e is empty afterwards. Accepts NULL. */
void child_env_free(struct child_env *e);

#endif
