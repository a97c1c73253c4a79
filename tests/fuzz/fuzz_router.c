/*
 * fuzz_router.c - libFuzzer harness for router_match() with a table shaped
 * like the hub's. The input is "METHOD\0path". Captured parameters must be
 * NUL-terminated and within ROUTER_MAX_PARAM_LEN.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_error.h"
#include "fcgi/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Never called: the harness only matches. */
static void
fuzz_handler(struct http_request *req)
{
	(void)req;
}

static const struct route fuzz_routes[] = {
	{ "GET", "/health", fuzz_handler },
	{ "GET", "/health/tokens", fuzz_handler },
	{ "GET", "/v1/providers", fuzz_handler },
	{ "GET", "/v1/models", fuzz_handler },
	{ "GET", "/v1/models/{model}", fuzz_handler },
	{ "POST", "/v1/chat/completions", fuzz_handler },
	{ "GET", "/v1/sessions", fuzz_handler },
	{ "GET", "/v1/sessions/{id}", fuzz_handler },
	{ "DELETE", "/v1/sessions/{id}", fuzz_handler },
	{ "GET", "/v1/sessions/{id}/export", fuzz_handler },
	{ "POST", "/mcp", fuzz_handler },
	{ "GET", "/mcp", fuzz_handler },
	{ "DELETE", "/mcp", fuzz_handler },
	{ "GET", "/{a}/{b}/{c}/{d}", fuzz_handler },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_match m;
	char *s;
	const char *method, *path;
	size_t i, mlen;
	int rc;

	s = malloc(size + 2);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	s[size + 1] = '\0';
	mlen = strlen(s);
	method = s;
	path = mlen < size ? s + mlen + 1 : "/health";
	rc = router_match(fuzz_routes, sizeof(fuzz_routes) / sizeof(fuzz_routes[0]),
	    method, path, &m);
	if (rc == 0) {
		if (m.route == NULL || m.n_params > ROUTER_MAX_PARAMS)
			abort();
		for (i = 0; i < m.n_params; i++)
			if (strnlen(m.params[i], sizeof(m.params[i])) > ROUTER_MAX_PARAM_LEN)
				abort();
	} else if (rc == HUB_ERR_METHOD) {
		if (strnlen(m.allow, sizeof(m.allow)) == sizeof(m.allow))
			abort();
	} else if (rc != HUB_ERR_NOT_FOUND) {
		abort();
	}
	free(s);
	return 0;
}
