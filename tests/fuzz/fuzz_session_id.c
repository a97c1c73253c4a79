/*
 * fuzz_session_id.c - libFuzzer harness for session_id_valid(): session
 * ids arrive in URL paths, request bodies and MCP arguments, and become
 * part of Redis keys only after this check. Checks the promise too: an
 * accepted id is 1..HUB_MAX_SESSION_ID_LEN bytes of [A-Za-z0-9_-].
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t i, n;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (session_id_valid(s)) {
		n = strlen(s);
		if (n == 0 || n > HUB_MAX_SESSION_ID_LEN)
			abort();
		for (i = 0; i < n; i++)
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", s[i]) == NULL)
				abort();
	}
	free(s);
	return 0;
}
