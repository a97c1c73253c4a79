/*
 * fuzz_chat_params.c - libFuzzer harness for chat_params_parse(): the
 * request body of POST /v1/chat/completions, straight from the client.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fcgi/chat_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chat_params p;
	char err[256], param[128];
	size_t i;

	memset(&p, 0, sizeof(p));
	if (chat_params_parse((const char *)data, size, &p, err, sizeof(err),
	    param, sizeof(param)) == 0) {
		/* touch everything the parser handed out */
		for (i = 0; i < p.n_messages; i++)
			(void)strlen(p.messages[i].content);
		for (i = 0; i < p.n_tools; i++)
			(void)strlen(p.tools[i].parameters);
		for (i = 0; i < p.n_calls; i++)
			(void)strlen(p.calls[i].arguments);
		for (i = 0; i < p.n_images; i++)
			(void)strlen(p.images[i].base64);
		if (p.model != NULL)
			(void)strlen(p.model);
	} else {
		(void)strnlen(err, sizeof(err));
	}
	chat_params_free(&p);
	return 0;
}
