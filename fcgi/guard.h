/*
 * guard.h - what every request passes before auth and routing: the Host
 * and Origin checks against DNS rebinding and cross-site requests, CORS,
 * and the JSON media type of request bodies (docs/SECURITY.md).
 *
 * The matchers are pure functions on strings (unit-tested in
 * tests/unit/test_guard.c); the *_or_reply functions answer the request
 * themselves in the error format of its surface: the OpenAI-style
 * envelope for the REST API, a JSON-RPC error for /mcp, /sse and
 * /messages.
 */
#ifndef GUARD_H
#define GUARD_H

struct http_request;

/*
 * 1 when the Host header value host ("name" or "name:port", IPv6 in
 * brackets) is allowed: a loopback name (localhost, 127.0.0.1, [::1]) with
 * any port, or one that matches an entry of the comma-separated list
 * allowed (HUB_ALLOWED_HOSTS, may be NULL): "name" (any port),
 * "name:port" (that port only), ".example.com" (example.com and every
 * name below it), or "*" (every host). Names compare case-insensitively,
 * one trailing dot ignored. A malformed value gives 0.
 */
int guard_host_allowed(const char *host, const char *allowed);

/* 1 when origin is http(s)://localhost, 127.0.0.1 or [::1] with an
 * optional port and nothing else. "null" and anything malformed give 0. */
int guard_origin_loopback(const char *origin);

/*
 * 1 when origin is well formed (scheme://host[:port], no path) and equals
 * an entry of the comma-separated list (case-insensitive; a trailing '/'
 * of an entry is ignored), or the list holds "*". "null" never matches.
 * list may be NULL.
 */
int guard_origin_listed(const char *origin, const char *list);

/*
 * 1 when the Content-Type value ct names JSON: the media type
 * application/json (case-insensitive) with optional parameters, of which
 * a charset must be utf-8. NULL (no Content-Type) and every other type
 * (text/plain, application/x-www-form-urlencoded, application/...+json...)
 * give 0.
 */
int guard_json_content_type(const char *ct);

/*
 * Check Host and Origin. Returns 1 when the request may go on (and sets
 * req->cors_origin when its Origin is a configured one), or answers 403
 * and returns 0.
 */
int guard_request_or_reply(struct http_request *req);

/* Answer OPTIONS (a CORS preflight) for a path with the allowed methods
 * allow ("GET, POST"): 204 with the CORS headers for a configured origin,
 * 403 for any other origin, 204 with Allow without an Origin. */
void guard_options_reply(struct http_request *req, const char *allow);

/* For a request with a body: answers 415 and returns 0 unless its
 * Content-Type is JSON (guard_json_content_type()); else 1. */
int guard_content_type_or_reply(struct http_request *req);

#endif
