/*
 * router.h - route a request by method and path through one table.
 *
 * A pattern is a path whose segments are literal or "{name}" (one
 * non-empty segment, captured). An unknown path gives HUB_ERR_NOT_FOUND;
 * a known path with another method gives HUB_ERR_METHOD and the allowed
 * methods ("GET, DELETE") for the Allow header.
 */
#ifndef ROUTER_H
#define ROUTER_H

#include <stddef.h>

struct http_request;

typedef void (*route_handler)(struct http_request *req);

struct route {
	const char *method;
	const char *pattern;
	route_handler handler;
};

#define ROUTER_MAX_PARAMS 4
#define ROUTER_MAX_PARAM_LEN 255

struct route_match {
	const struct route *route;
	size_t n_params;
	char params[ROUTER_MAX_PARAMS][ROUTER_MAX_PARAM_LEN + 1];
	char allow[128];                       /* with HUB_ERR_METHOD */
};

/*
 * Find the route for method and path in table[0..n). Returns 0 with m
 * filled, HUB_ERR_NOT_FOUND, or HUB_ERR_METHOD (m->allow filled).
 */
int router_match(const struct route *table, size_t n, const char *method,
    const char *path, struct route_match *m);

#endif
