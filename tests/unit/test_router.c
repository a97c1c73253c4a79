/* test_router.c - routing by method and path. */
#include "config.h"

#include "common/hub_error.h"
#include "fcgi/router.h"
#include "tap.h"

static void h(struct http_request *r) { (void)r; }

static const struct route table[] = {
	{ "GET", "/health", h },
	{ "GET", "/v1/sessions", h },
	{ "GET", "/v1/sessions/{id}", h },
	{ "DELETE", "/v1/sessions/{id}", h },
	{ "GET", "/v1/sessions/{id}/memory", h },
	{ "POST", "/v1/chat/completions", h },
};
#define N (sizeof(table) / sizeof(table[0]))

int
main(void)
{
	struct route_match m;
	char long_seg[400];

	is_int(router_match(table, N, "GET", "/health", &m), HUB_OK, "literal path");
	ok(m.route == &table[0], "the right route");
	is_int(router_match(table, N, "HEAD", "/health", &m), HUB_OK, "HEAD is served by GET");
	is_int(router_match(table, N, "GET", "/v1/sessions/abc", &m), HUB_OK, "parameter");
	is_int(m.n_params, 1, "one parameter");
	is_str(m.params[0], "abc", "parameter value");
	is_int(router_match(table, N, "DELETE", "/v1/sessions/abc", &m), HUB_OK, "same path, other method");
	ok(m.route == &table[3], "DELETE route");
	is_int(router_match(table, N, "GET", "/v1/sessions/abc/memory", &m), HUB_OK, "nested parameter");
	ok(m.route == &table[4], "memory route");
	is_int(router_match(table, N, "GET", "/nope", &m), HUB_ERR_NOT_FOUND, "unknown path");
	is_int(router_match(table, N, "GET", "/health/", &m), HUB_ERR_NOT_FOUND, "trailing slash is another path");
	is_int(router_match(table, N, "GET", "/v1/sessions//memory", &m), HUB_ERR_NOT_FOUND, "empty parameter");
	is_int(router_match(table, N, "GET", "", &m), HUB_ERR_NOT_FOUND, "empty path");
	is_int(router_match(table, N, "POST", "/health", &m), HUB_ERR_METHOD, "wrong method");
	is_str(m.allow, "GET", "Allow lists GET");
	is_int(router_match(table, N, "PUT", "/v1/sessions/x", &m), HUB_ERR_METHOD, "wrong method on a parameter path");
	is_str(m.allow, "GET, DELETE", "Allow lists both methods");
	is_int(router_match(table, N, "GET", "/v1/chat/completions", &m), HUB_ERR_METHOD, "GET on a POST route");
	memset(long_seg, 'a', sizeof(long_seg) - 1);
	long_seg[0] = '/';
	long_seg[sizeof(long_seg) - 1] = '\0';
	is_int(router_match(table, N, "GET", long_seg, &m), HUB_ERR_NOT_FOUND, "an over-long segment");
	return tap_done();
}
