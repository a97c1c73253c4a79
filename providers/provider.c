/*
 * provider.c - helpers shared by every provider adapter.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"

void
provider_reply_free(struct provider_reply *reply)
{
	if (reply == NULL)
		return;
	free(reply->text);
	free(reply->model);
	memset(reply, 0, sizeof(*reply));
}

void
provider_reply_error(struct provider_reply *reply, int err, const char *fmt, ...)
{
	va_list ap;

	reply->err = err;
	va_start(ap, fmt);
	vsnprintf(reply->error_message, sizeof(reply->error_message), fmt, ap);
	va_end(ap);
}
