/*
 * session_key.c - tenant-scoped Redis key names.
 */
#include "config.h"

#include <stdio.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "session_key.h"

#define SESSION_KEY_ANONYMOUS "~"

const char *
session_key_scope(const char *owner)
{
	return owner != NULL && *owner != '\0' ? owner : SESSION_KEY_ANONYMOUS;
}

int
session_key_build(char *out, size_t len, const char *kind, const char *owner,
    const char *id, const char *suffix)
{
	int n;

	n = snprintf(out, len, "%s%s:{%s}%s%s%s", hub_cfg->key_prefix, kind,
	    session_key_scope(owner), id != NULL ? ":" : "", id != NULL ? id : "",
	    suffix != NULL ? suffix : "");
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			out[0] = '\0';
		return HUB_ERR_TOO_LARGE;
	}
	return HUB_OK;
}
