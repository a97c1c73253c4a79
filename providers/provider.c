/*
 * provider.c - helpers shared by every provider adapter.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_time.h"
#include "provider.h"

int
provider_stream_delta(const struct provider_stream *io, const char *text, size_t len)
{
	return io->on_delta != NULL && io->on_delta(io->arg, text, len) < 0 ? -1 : 0;
}

int
provider_stream_text(const struct provider_stream *io, long long start_ms, long *first_token_ms,
    const char *text, size_t len)
{
	if (*first_token_ms < 0)
		*first_token_ms = (long)(hub_time_mono_ms() - start_ms);
	return provider_stream_delta(io, text, len);
}

int
provider_stream_idle(const struct provider_stream *io)
{
	return io->on_idle != NULL && io->on_idle(io->arg) < 0 ? -1 : 0;
}

int
provider_stream_tool_delta(const struct provider_stream *io, size_t index, const char *id,
    const char *name, const char *args, size_t len)
{
	return io->on_tool_delta != NULL &&
	    io->on_tool_delta(io->arg, index, id, name, args, len) < 0 ? -1 : 0;
}

void
provider_tool_calls_free(struct provider_tool_call *calls, size_t n)
{
	size_t i;

	if (calls == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(calls[i].id);
		free(calls[i].name);
		free(calls[i].arguments);
	}
	free(calls);
}

void
provider_reply_free(struct provider_reply *reply)
{
	if (reply == NULL)
		return;
	free(reply->text);
	free(reply->model);
	provider_tool_calls_free(reply->tool_calls, reply->n_tool_calls);
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

/* 1 when p lists model as an id, an alias or its default. */
static int
provider_lists_model(const struct provider *p, const char *model)
{
	const char *const *m;

	if (p->default_model != NULL && strcmp(p->default_model, model) == 0)
		return 1;
	for (m = p->models; m != NULL && *m != NULL; m++)
		if (strcmp(*m, model) == 0)
			return 1;
	for (m = p->aliases; m != NULL && *m != NULL; m++)
		if (strcmp(*m, model) == 0)
			return 1;
	return 0;
}

const char *
provider_model_label(const struct provider *p, const char *model)
{
	if (model == NULL || *model == '\0')
		return p->default_model != NULL ? p->default_model : "default";
	return provider_lists_model(p, model) ? model : "other";
}

void
provider_fingerprint(const char *secret, char *out, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *secret; secret++) {
		h ^= (unsigned char)*secret;
		h *= 1099511628211ULL;
	}
	snprintf(out, len, "%016llx", (unsigned long long)h);
}
