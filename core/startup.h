/*
 * startup.h - the start-up both binaries (and the test tools) share: load
 * the configuration and let each layer check its own settings.
 *
 * common/hub_config.c reads the file and the environment and knows no
 * layer; here the session layer checks REDIS_URL, the providers layer
 * HUB_DEFAULT_PROVIDER and the [provider NAME] sections of the file.
 */
#ifndef STARTUP_H
#define STARTUP_H

#include <stddef.h>

#include "common/hub_config.h"

/*
 * Load cfg (see hub_config_load()) with every layer's checks. Returns 0,
 * HUB_ERR_CONFIG with a message naming the setting (or file, line and
 * key) in err (errlen bytes), or HUB_ERR_NOMEM; on failure cfg holds
 * nothing to free. Free with hub_config_free(). Does not set hub_cfg.
 */
int startup_config_load(struct hub_config *cfg, char *err, size_t errlen);

#endif
