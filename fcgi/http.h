/*
 * http.h - one HTTP request on a FastCGI connection, and the ways to answer.
 *
 * A struct http_request wraps an accepted FCGX_Request for the duration of
 * one request. Answers go out through the http_send_* functions; every
 * error of the REST API uses http_send_error(), which writes the
 * OpenAI-shaped envelope {"error":{"message","type","param","code"}}, and
 * every HTTP-level error of MCP (/mcp, /sse, /messages) uses
 * http_send_rpc_error(). Each request is
 * logged as one JSON line when http_request_finish() runs.
 */
#ifndef HTTP_H
#define HTTP_H

#include <fcgiapp.h>
#include <json-c/json.h>
#include <stddef.h>

#include "common/hub_error.h"

#define HTTP_MAX_PARAMS 4

struct http_request {
	FCGX_Request *fcgx;
	const char *method;                  /* "GET", ... (method_buf) */
	char method_buf[16];
	char path[1024];                     /* REQUEST_URI without the query */
	const char *query;                   /* after '?', or "" */
	const char *params[HTTP_MAX_PARAMS]; /* {name} segments matched by the router */
	char param_buf[HTTP_MAX_PARAMS][256];
	char request_id[64];
	const char *key_id;                  /* client key id, NULL when auth is off */
	const char *key_name;                /* its name, for the log; NULL with key_id */
	const char *cors_origin;             /* a configured Origin (guard.c): CORS headers */
	int status;                          /* status sent, 0 before */
	int headers_sent;
	int streaming;                       /* an SSE stream is open */
	size_t bytes_out;
	long long start_ms;
	long long first_byte_ms;             /* -1 before the first byte */
	const char *log_provider;            /* for the request log; static strings */
	char log_model[128];
	const char *log_error;               /* error kind, e.g. "provider_timeout" */
	enum hub_error_surface surface;      /* the envelope of http_send_error(): by path */
	int ended;                           /* http_request_end() ran */
};

/* Set up req for an accepted FCGX_Request. */
void http_request_init(struct http_request *req, FCGX_Request *fcgx);

/*
 * End the answer now: flush it and finish the FastCGI request
 * (FCGX_Finish_r: the end-of-request record, the connection closed), so
 * that the web server completes the response to the client while the
 * handler goes on with what the answer does not need (statistics,
 * freeing; the log line). After it nothing more is written or read:
 * http_write() and http_flush() answer HUB_ERR_CLIENT_GONE, http_param()
 * NULL. Stop any client_watch on the connection first. Runs once; later
 * calls do nothing.
 */
void http_request_end(struct http_request *req);

/* Write the request's log line (after http_request_end(), off the
 * client's path). */
void http_request_finish(struct http_request *req);

/* With HUB_LOG_PROMPTS=1 only (a debug switch): log text, a prompt, as a
 * {"type":"prompt","request_id":...,"prompt":...} line. Otherwise nothing. */
void http_log_prompt(struct http_request *req, const char *text);

/* A CGI parameter such as "HTTP_X_SESSION_ID", or NULL. */
const char *http_param(struct http_request *req, const char *name);

/*
 * Read and drop the rest of the request body, up to the web server's
 * end-of-body record. After it, nothing more arrives on the connection
 * until the web server closes it, so the connection can be watched to
 * notice a client that went away (a pending end-of-body record would
 * otherwise look like one).
 */
void http_drain_body(struct http_request *req);

/*
 * Read the request body (Content-Length bytes) up to max_bytes. On success
 * *body is malloc'd and NUL-terminated (caller frees), *len its length.
 * HUB_ERR_TOO_LARGE when the body is larger (nothing allocated),
 * HUB_ERR_INVALID when it is shorter than announced, HUB_ERR_NOMEM.
 * On success the rest of the body has been drained (http_drain_body()).
 */
int http_read_body(struct http_request *req, size_t max_bytes, char **body, size_t *len);

/*
 * Look up name in the query string and percent-decode its value into out
 * (outlen bytes). 1 when found, 0 when absent, HUB_ERR_INVALID when the
 * value is malformed or too long.
 */
int http_query_param(const char *query, const char *name, char *out, size_t outlen);

/* Send the status line and headers. extra: "Name: value\r\n" lines or NULL.
 * With req->cors_origin set, the CORS headers for that origin go too. */
void http_send_headers(struct http_request *req, int status, const char *content_type,
    const char *extra);

/* Write body bytes (after headers). 0, or HUB_ERR_CLIENT_GONE. */
int http_write(struct http_request *req, const void *data, size_t len);

/* Flush what was written to the web server. 0 or HUB_ERR_CLIENT_GONE. */
int http_flush(struct http_request *req);

/* Send a complete JSON answer; does not take obj. */
void http_send_json(struct http_request *req, int status, struct json_object *obj,
    const char *extra_headers);

/*
 * Send the error envelope for hub error code err with message (NULL: the
 * table's message) and param (may be NULL). The status comes from the
 * error table unless status > 0. extra_headers as in http_send_headers().
 */
void http_send_error(struct http_request *req, int err, int status, const char *message,
    const char *param, const char *extra_headers);

/*
 * The MCP surface's error: a JSON-RPC error response with id null, code
 * and message, with HTTP status. extra_headers as in http_send_headers().
 */
void http_send_rpc_error(struct http_request *req, int status, int code, const char *message,
    const char *extra_headers);

/* Build the error envelope object (caller puts it). */
struct json_object *http_error_object(int err, const char *message, const char *param);

/* Build Anthropic's error envelope {"type":"error","error":{"type",
 * "message"}} (caller puts it; NULL when out of memory). */
struct json_object *http_anthropic_error_object(int err, const char *message);

#endif
