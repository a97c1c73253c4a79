/*
 * fuzz_responses_request.c - libFuzzer harness for
 * responses_params_parse() (the body of POST /v1/responses) and the
 * response id parser (GET /v1/responses/{id}, previous_response_id).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/responses_params.h"
#include "fuzz_touch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct responses_params p;
	char err[256], param[128], sid[200], *id;
	size_t n;

	if (responses_params_parse((const char *)data, size, &p, err, sizeof(err), param,
	    sizeof(param)) == 0)
		(void)fuzz_touch_params(&p.chat);
	else
		(void)strnlen(err, sizeof(err));
	responses_params_free(&p);
	if ((id = malloc(size + 1)) != NULL) {
		memcpy(id, data, size);
		id[size] = '\0';
		if (responses_params_id_parse(id, sid, sizeof(sid), &n) == 0)
			(void)strlen(sid);
		free(id);
	}
	return 0;
}
