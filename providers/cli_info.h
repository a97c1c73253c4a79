/*
 * cli_info.h - where a provider's CLI is and which version it is.
 *
 * The version comes from running "<cli> --version" once (through
 * child_run(), with a private empty home and a 20 s deadline) and is cached
 * per process by path and modification time, so a reinstalled CLI is
 * noticed. Thread-safe.
 */
#ifndef CLI_INFO_H
#define CLI_INFO_H

#include <stddef.h>

#include "provider.h"

struct cli_info {
	int found;              /* the executable exists and is executable */
	char path[1024];        /* absolute path when found */
	char version[128];      /* first line of --version, "" when unknown */
};

/* Fill out for p's CLI. with_version = 0 skips running the CLI. Always 0. */
int cli_info_get(const struct provider *p, int with_version, struct cli_info *out);

#endif
