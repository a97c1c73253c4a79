/*
 * registry.c - the provider table and model routing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "registry.h"

static const char *const claude_prefixes[] = { "claude", NULL };
static const char *const claude_aliases[] = { "sonnet", "opus", "haiku", NULL };
static const char *const claude_models[] = { "sonnet", "opus", "haiku", NULL };
static const char *const gemini_prefixes[] = { "gemini", NULL };
static const char *const gemini_aliases[] = { "pro", "flash", "flash-lite", NULL };
static const char *const gemini_models[] = {
	"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite",
	"pro", "flash", "flash-lite", NULL
};

#define REGISTRY_MAX 16

static struct provider registry_table[REGISTRY_MAX];
static size_t registry_len;

/* Fill one slot of the table. */
static int
registry_add(const char *name, enum provider_kind kind, const struct provider_ops *ops,
    const char *cli, const char *model, long timeout_s, const char *const *prefixes,
    const char *const *aliases, const char *const *models)
{
	struct provider *p;

	if (registry_len >= REGISTRY_MAX)
		return HUB_ERR_TOO_LARGE;
	p = &registry_table[registry_len];
	memset(p, 0, sizeof(*p));
	strncpy(p->name, name, sizeof(p->name) - 1);
	p->kind = kind;
	p->ops = ops;
	p->cli = strdup(cli != NULL ? cli : name);
	p->default_model = model != NULL ? strdup(model) : NULL;
	if (p->cli == NULL || (model != NULL && p->default_model == NULL)) {
		free(p->cli);
		free(p->default_model);
		return HUB_ERR_NOMEM;
	}
	p->timeout_s = timeout_s;
	p->model_prefixes = prefixes;
	p->aliases = aliases;
	p->models = models;
	p->enabled = 1;
	registry_len++;
	return HUB_OK;
}

int
registry_init(void)
{
	int rc;

	registry_free();
	if ((rc = registry_add("claude", PROVIDER_CLAUDE, &claude_provider_ops, hub_cfg->claude_cli,
	    hub_cfg->claude_model, hub_cfg->claude_timeout_s, claude_prefixes, claude_aliases,
	    claude_models)) != HUB_OK)
		return rc;
	if ((rc = registry_add("gemini", PROVIDER_GEMINI, &gemini_provider_ops, hub_cfg->gemini_cli,
	    hub_cfg->gemini_model, hub_cfg->gemini_timeout_s, gemini_prefixes, gemini_aliases,
	    gemini_models)) != HUB_OK)
		return rc;
	return HUB_OK;
}

void
registry_free(void)
{
	size_t i;

	for (i = 0; i < registry_len; i++) {
		free(registry_table[i].cli);
		free(registry_table[i].default_model);
	}
	registry_len = 0;
}

size_t
registry_count(void)
{
	return registry_len;
}

const struct provider *
registry_get(size_t i)
{
	return i < registry_len ? &registry_table[i] : NULL;
}

const struct provider *
registry_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < registry_len; i++)
		if (strcmp(registry_table[i].name, name) == 0)
			return &registry_table[i];
	return NULL;
}

/* 1 when s is in the NULL-terminated list. */
static int
registry_in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

int
registry_serves(const struct provider *p, const char *model)
{
	const char *const *pre;

	if (model == NULL)
		return 0;
	if (registry_in_list(p->aliases, model) || registry_in_list(p->models, model))
		return 1;
	if (p->default_model != NULL && strcmp(p->default_model, model) == 0)
		return 1;
	for (pre = p->model_prefixes; pre != NULL && *pre != NULL; pre++)
		if (strncmp(model, *pre, strlen(*pre)) == 0)
			return 1;
	return 0;
}

int
registry_route(const char *model, const char *provider_name, const struct provider **out)
{
	const struct provider *p = NULL;
	size_t i;

	*out = NULL;
	if (provider_name != NULL && *provider_name != '\0') {
		if ((p = registry_find(provider_name)) == NULL)
			return HUB_ERR_INVALID;
	} else if (model == NULL || *model == '\0') {
		p = registry_find(hub_cfg->default_provider);
	} else {
		for (i = 0; i < registry_len && p == NULL; i++)
			if (registry_serves(&registry_table[i], model))
				p = &registry_table[i];
	}
	if (p == NULL)
		return HUB_ERR_MODEL_NOT_FOUND;
	if (!p->enabled)
		return HUB_ERR_DISABLED;
	*out = p;
	return HUB_OK;
}
