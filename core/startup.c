/*
 * startup.c - configuration at start-up: the ground floor reads it, each
 * layer checks its own settings.
 */
#include "config.h"

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "providers/provider_conf.h"
#include "providers/registry.h"
#include "session/redis_url.h"
#include "startup.h"

static const struct hub_config_check startup_checks[] = {
	{ "REDIS_URL", redis_url_check },
	{ "REDIS_SENTINELS", redis_url_sentinels_check },
	{ "HUB_DEFAULT_PROVIDER", registry_check_default_provider },
};

int
startup_config_load(struct hub_config *cfg, char *err, size_t errlen)
{
	int rc;

	rc = hub_config_load_checked(cfg, startup_checks,
	    sizeof(startup_checks) / sizeof(startup_checks[0]), err, errlen);
	if (rc != HUB_OK)
		return rc;
	/* the [provider NAME] sections: checked now so that start-up stops */
	if ((rc = provider_conf_check_file(cfg->config_file, err, errlen)) != HUB_OK)
		hub_config_free(cfg);
	return rc;
}
