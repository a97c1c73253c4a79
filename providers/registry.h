/*
 * registry.h - the providers this hub serves and how a model picks one.
 *
 * registry_init() builds the provider table from hub_cfg once per process;
 * afterwards the table is read-only and shared by threads.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>

#include "provider.h"

/* Build the table from hub_cfg. 0 or HUB_ERR_NOMEM. */
int registry_init(void);

/* Free the table. */
void registry_free(void);

/* Number of providers, and the i-th one (0 <= i < registry_count()). */
size_t registry_count(void);
const struct provider *registry_get(size_t i);

/* The provider called name, or NULL. */
const struct provider *registry_find(const char *name);

/*
 * Pick the provider for a request: provider_name (may be NULL) wins;
 * otherwise model's prefix or alias decides; a NULL or empty model means
 * the default provider (HUB_DEFAULT_PROVIDER). Returns 0 with *out set,
 * HUB_ERR_MODEL_NOT_FOUND when no provider serves model, HUB_ERR_INVALID
 * for an unknown provider name, HUB_ERR_DISABLED for a disabled provider.
 */
int registry_route(const char *model, const char *provider_name, const struct provider **out);

/* 1 when p serves model (by prefix, alias or listed id). */
int registry_serves(const struct provider *p, const char *model);

#endif
