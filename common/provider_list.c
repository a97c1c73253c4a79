/*
 * provider_list.c - providers as JSON.
 */
#include "config.h"

#include <unistd.h>

#include "common/hub_config.h"
#include "provider_list.h"
#include "providers/cli_info.h"
#include "providers/registry.h"

/* Whether the provider's credentials are configured (never their value). */
static int
provider_list_has_credentials(const struct provider *p)
{
	switch (p->kind) {
	case PROVIDER_CLAUDE:
		return hub_cfg->claude_oauth_token != NULL && *hub_cfg->claude_oauth_token != '\0';
	case PROVIDER_GEMINI:
		return hub_cfg->gemini_auth_path != NULL && access(hub_cfg->gemini_auth_path, R_OK) == 0;
	default:
		return 1;
	}
}

struct json_object *
provider_list_one(const struct provider *p, int with_version)
{
	struct json_object *po, *models;
	const char *const *m;
	struct cli_info info;
	const char *status;
	int creds;

	cli_info_get(p, with_version, &info);
	creds = provider_list_has_credentials(p);
	status = !p->enabled ? "disabled" : !info.found ? "cli_missing" :
	    !creds ? "no_credentials" : "ok";
	if ((po = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(po, "name", json_object_new_string(p->name));
	json_object_object_add(po, "status", json_object_new_string(status));
	json_object_object_add(po, "enabled", json_object_new_boolean(p->enabled));
	json_object_object_add(po, "cli", json_object_new_string(p->cli));
	json_object_object_add(po, "cli_path", info.found ? json_object_new_string(info.path) : NULL);
	if (with_version)
		json_object_object_add(po, "cli_version", info.version[0] ? json_object_new_string(info.version) : NULL);
	json_object_object_add(po, "default_model", p->default_model ? json_object_new_string(p->default_model) : NULL);
	models = json_object_new_array();
	for (m = p->models; m != NULL && *m != NULL; m++)
		json_object_array_add(models, json_object_new_string(*m));
	json_object_object_add(po, "models", models);
	json_object_object_add(po, "credentials_present", json_object_new_boolean(creds));
	json_object_object_add(po, "timeout_s", json_object_new_int64(p->timeout_s));
	return po;
}

struct json_object *
provider_list_all(int with_version)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; a != NULL && i < registry_count(); i++)
		json_object_array_add(a, provider_list_one(registry_get(i), with_version));
	return a;
}
