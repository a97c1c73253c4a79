/*
 * fuzz_messages_request.c - libFuzzer harness for messages_params_parse():
 * the body of POST /v1/messages and /v1/messages/count_tokens (the
 * first byte's low bit picks which).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fcgi/messages_params.h"
#include "fuzz_touch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct messages_params p;
	char err[256], param[128];
	int for_count = size > 0 && (data[0] & 1);

	if (messages_params_parse((const char *)data, size, for_count, &p, err, sizeof(err), param,
	    sizeof(param)) == 0)
		(void)(fuzz_touch_params(&p.chat) + (size_t)messages_params_estimate_tokens(&p));
	else
		(void)strnlen(err, sizeof(err));
	messages_params_free(&p);
	return 0;
}
