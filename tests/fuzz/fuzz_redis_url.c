/*
 * fuzz_redis_url.c - libFuzzer harness for redis_url_parse() (REDIS_URL
 * from the environment or the config file). Checks that what it accepts
 * fits its fields: NUL-terminated, a port in 1..65535, exactly one of
 * host and socket path.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session/redis_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct redis_url u;
	char *s;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&u, 0x55, sizeof(u));
	if (redis_url_parse(s, &u) == 0) {
		if (strnlen(u.host, sizeof(u.host)) == sizeof(u.host) ||
		    strnlen(u.socket_path, sizeof(u.socket_path)) == sizeof(u.socket_path) ||
		    strnlen(u.password, sizeof(u.password)) == sizeof(u.password) ||
		    strnlen(u.username, sizeof(u.username)) == sizeof(u.username))
			abort();
		if ((u.host[0] == '\0') == (u.socket_path[0] == '\0'))
			abort();
		if (u.host[0] != '\0' && (u.port < 1 || u.port > 65535))
			abort();
	}
	free(s);
	return 0;
}
