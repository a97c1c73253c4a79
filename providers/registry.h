/*
 * registry.h - the providers this hub serves and how a model picks one.
 *
 * The table holds the built-in claude and gemini providers (from hub_cfg)
 * changed or joined by the [provider NAME] sections of the configuration
 * file (provider_conf.h). It is an immutable, reference-counted snapshot:
 * a reload builds a new one and swaps it in; a snapshot is freed when the
 * last thread using it lets go.
 *
 * Each thread reads through the snapshot it has pinned. registry_refresh()
 * (called at the start of every request) checks the file - at most once a
 * second per process, by its mtime, size and inode - rebuilds the table
 * when the file changed, and re-pins the calling thread to the newest
 * table. Between two registry_refresh() calls a thread sees one
 * consistent table, and every struct provider pointer it got stays valid:
 * a request that started with the old table finishes with it. Threads
 * that never call registry_refresh() pin the current table on first use.
 * All functions are thread-safe.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>

#include "provider.h"

/*
 * Build the first table from hub_cfg and the file's sections. 0,
 * HUB_ERR_CONFIG (an invalid section; the message, naming file, line and
 * key, is logged) or HUB_ERR_NOMEM.
 */
int registry_init(void);

/* Drop the current table and the calling thread's pin. */
void registry_free(void);

/*
 * Reload the table if the configuration file changed (checked at most once
 * a second per process) and pin the calling thread to the newest table.
 * An invalid file is logged once and the old table stays. Never fails.
 */
void registry_refresh(void);

/*
 * Which table the calling thread is pinned to: a number that changes with
 * every reload (1 for the first table, 0 for none), so that an answer built
 * from the table can be kept until it does.
 */
unsigned long registry_generation(void);

/* Number of providers, and the i-th one (0 <= i < registry_count()). */
size_t registry_count(void);
const struct provider *registry_get(size_t i);

/* The provider called name, or NULL. */
const struct provider *registry_find(const char *name);

/*
 * Pick the provider for a request: provider_name (may be NULL) wins;
 * otherwise model's prefix or alias decides (an enabled provider before a
 * disabled one); a NULL or empty model means the default provider
 * (HUB_DEFAULT_PROVIDER). Returns 0 with *out set, HUB_ERR_MODEL_NOT_FOUND
 * when no provider serves model, HUB_ERR_INVALID for an unknown provider
 * name, HUB_ERR_DISABLED for a disabled provider.
 */
int registry_route(const char *model, const char *provider_name, const struct provider **out);

/* A [route NAME] (provider_conf.h): targets tried in order. */
struct registry_route_target {
	const struct provider *provider;
	char model[HUB_MAX_MODEL_LEN + 1];     /* "": the provider's default */
};

struct registry_route {
	char name[32];
	size_t n_targets;
	struct registry_route_target targets[HUB_MAX_ROUTE_TARGETS];
};

/* The route called name (a model or provider name a client sent), or NULL.
 * Valid as long as the thread's table (see registry_refresh()). */
const struct registry_route *registry_find_route(const char *name);

/* Number of routes, and the i-th one (0 <= i < registry_route_count()). */
size_t registry_route_count(void);
const struct registry_route *registry_route_get(size_t i);

/* 1 when p serves model (by prefix, alias or listed id). */
int registry_serves(const struct provider *p, const char *model);

/* --- the kinds of provider (registry.c's registry_kinds[]) ------------- */

/* The kind whose conf_type is word ("claude", "cli"), or NULL. Static. */
const struct provider_ops *registry_kind_by_type(const char *word);

/* The kind of a [provider NAME] section without "type =": the kind whose
 * built-in provider is called name, else the cli kind. Static. */
const struct provider_ops *registry_kind_of_section(const char *name);

/* "expected claude, gemini or cli": the kinds' type words, for messages.
 * Static. */
const char *registry_kind_types(void);

/*
 * The HUB_DEFAULT_PROVIDER setting's check (the table need not be built):
 * NULL when name is a built-in provider, else a static reason naming them.
 */
const char *registry_check_default_provider(const char *name);

/*
 * The names of the calling thread's providers, "claude, gemini, agy", into
 * buf, for messages. 0, or HUB_ERR_TOO_LARGE when truncated.
 */
int registry_names(char *buf, size_t len);

#endif
