/*
 * fuzz_query.c - libFuzzer harness for http_query_param(): the query
 * string of any request. The input is "name\0query"; the decoded value
 * must fit its buffer and be NUL-terminated.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "fcgi/http.h"

/* http.c reads the configuration (for the prompt log); none here. */
const struct hub_config *hub_cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, out[64];
	const char *name, *query;
	size_t nlen;
	int rc;

	s = malloc(size + 2);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	s[size + 1] = '\0';
	nlen = strlen(s);
	name = s;
	query = s + nlen + (nlen < size ? 1 : 0);
	if (nlen == size)
		name = "limit";
	memset(out, 'x', sizeof(out));
	rc = http_query_param(query, name, out, sizeof(out));
	if (rc == 1 && strnlen(out, sizeof(out)) == sizeof(out))
		abort();
	free(s);
	return 0;
}
