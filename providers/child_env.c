/*
 * child_env.c - build a child's environment from scratch.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child_env.h"
#include "common/hub_error.h"

void
child_env_init(struct child_env *e)
{
	memset(e, 0, sizeof(*e));
}

int
child_env_add(struct child_env *e, const char *name, const char *value)
{
	size_t len;

	if (e->n >= HUB_MAX_CHILD_ENV)
		return HUB_ERR_TOO_LARGE;
	len = strlen(name) + strlen(value) + 2;
	if ((e->vars[e->n] = malloc(len)) == NULL)
		return HUB_ERR_NOMEM;
	snprintf(e->vars[e->n], len, "%s=%s", name, value);
	e->n++;
	e->vars[e->n] = NULL;
	return HUB_OK;
}

int
child_env_pass(struct child_env *e, const char *const *names)
{
	const char *v;
	int rc;

	for (; names != NULL && *names != NULL; names++)
		if ((v = getenv(*names)) != NULL && *v != '\0' &&
		    (rc = child_env_add(e, *names, v)) != HUB_OK)
			return rc;
	return HUB_OK;
}

void
child_env_free(struct child_env *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++) {
		explicit_bzero(e->vars[i], strlen(e->vars[i]));
		free(e->vars[i]);
	}
	child_env_init(e);
}
