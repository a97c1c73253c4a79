/*
 * http.c - request reading and answering on libfcgi.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_log.h"
#include "common/hub_text.h"
#include "common/hub_time.h"
#include "http.h"
#include "session/session_id.h"

static const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 499: return "Client Closed Request";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

/* 1 when s is a usable request id: [A-Za-z0-9._-]{1,63}. */
static int
http_request_id_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];

		if (n >= 63)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return n > 0;
}

void
http_request_init(struct http_request *req, FCGX_Request *fcgx)
{
	const char *uri, *q, *rid;
	size_t n;

	memset(req, 0, sizeof(*req));
	req->fcgx = fcgx;
	req->start_ms = hub_time_mono_ms();
	req->first_byte_ms = -1;
	/* a copy: the parameters are gone once the request ended */
	snprintf(req->method_buf, sizeof(req->method_buf), "%s",
	    http_param(req, "REQUEST_METHOD") != NULL ? http_param(req, "REQUEST_METHOD") : "GET");
	req->method = req->method_buf;
	uri = http_param(req, "REQUEST_URI");
	if (uri == NULL)
		uri = "/";
	q = strchr(uri, '?');
	n = q ? (size_t)(q - uri) : strlen(uri);
	if (n >= sizeof(req->path))
		n = sizeof(req->path) - 1;
	memcpy(req->path, uri, n);
	req->path[n] = '\0';
	req->query = q ? q + 1 : "";
	/* Anthropic's clients read errors only in Anthropic's envelope */
	if (strcmp(req->path, "/v1/messages") == 0 || strncmp(req->path, "/v1/messages/", 13) == 0)
		req->surface = HUB_SURFACE_ANTHROPIC;
	rid = http_param(req, "HTTP_X_REQUEST_ID");
	if (rid != NULL && http_request_id_valid(rid)) {
		snprintf(req->request_id, sizeof(req->request_id), "%s", rid);
	} else {
		char id[32];

		if (session_id_sequence(id, sizeof(id)) != 0)
			snprintf(id, sizeof(id), "%lld", hub_time_wall_ms());
		snprintf(req->request_id, sizeof(req->request_id), "req_%s", id);
	}
}

/*
 * The request log line's object, one per thread and kept: each request
 * sets its values in place, and json-c prints it into the object's own
 * buffer, so a line costs no allocation once the thread's first lines
 * have sized the strings (a quick endpoint's answer costs less than the
 * json-c objects of a new line would).
 */
enum {
	HTTP_LOG_TIME, HTTP_LOG_REQUEST_ID, HTTP_LOG_KEY_ID, HTTP_LOG_KEY_NAME, HTTP_LOG_METHOD,
	HTTP_LOG_PATH, HTTP_LOG_STATUS, HTTP_LOG_PROVIDER, HTTP_LOG_MODEL, HTTP_LOG_TTFB,
	HTTP_LOG_DURATION, HTTP_LOG_BYTES, HTTP_LOG_ERROR, HTTP_LOG_FIELDS
};

static const char *const http_log_keys[HTTP_LOG_FIELDS] = {
	"time", "request_id", "key_id", "key_name", "method", "path", "status", "provider",
	"model", "ttfb_ms", "duration_ms", "bytes", "error",
};

struct http_log_line {
	struct json_object *o;
	struct json_object *v[HTTP_LOG_FIELDS];  /* one value each, kept while null */
};

static __thread struct http_log_line http_log;

static int
http_log_line_init(struct http_log_line *l)
{
	size_t i;

	if ((l->o = json_object_new_object()) == NULL)
		return -1;
	for (i = 0; i < HTTP_LOG_FIELDS; i++) {
		l->v[i] = i == HTTP_LOG_STATUS || i == HTTP_LOG_TTFB || i == HTTP_LOG_DURATION ||
		    i == HTTP_LOG_BYTES ? json_object_new_int64(0) : json_object_new_string("");
		if (l->v[i] == NULL || json_object_object_add(l->o, http_log_keys[i], NULL) != 0)
			return -1;
		if (i == HTTP_LOG_TIME &&
		    json_object_object_add(l->o, "type", json_object_new_string("request")) != 0)
			return -1;
	}
	return 0;
}

/* Field i: the string s, or null when s is NULL. */
static void
http_log_set_string(struct http_log_line *l, int i, const char *s)
{
	if (s != NULL && json_object_set_string(l->v[i], s))
		(void)json_object_object_add(l->o, http_log_keys[i], json_object_get(l->v[i]));
	else
		(void)json_object_object_add(l->o, http_log_keys[i], NULL);
}

/* Field i: the number n, or null when present is 0. */
static void
http_log_set_int(struct http_log_line *l, int i, int present, long long n)
{
	if (present && json_object_set_int64(l->v[i], n))
		(void)json_object_object_add(l->o, http_log_keys[i], json_object_get(l->v[i]));
	else
		(void)json_object_object_add(l->o, http_log_keys[i], NULL);
}

void
http_request_finish(struct http_request *req)
{
	struct http_log_line *l = &http_log;
	char ts[32];
	long long now = hub_time_mono_ms();

	if (l->o == NULL && http_log_line_init(l) != 0) {
		json_object_put(l->o);
		for (size_t i = 0; i < HTTP_LOG_FIELDS; i++)
			json_object_put(l->v[i]);
		memset(l, 0, sizeof(*l));
		return;
	}
	http_log_set_string(l, HTTP_LOG_TIME, hub_time_iso8601(hub_time_wall_ms(), ts, sizeof(ts)));
	http_log_set_string(l, HTTP_LOG_REQUEST_ID, req->request_id);
	http_log_set_string(l, HTTP_LOG_KEY_ID, req->key_id);
	http_log_set_string(l, HTTP_LOG_KEY_NAME, req->key_name);
	http_log_set_string(l, HTTP_LOG_METHOD, req->method);
	http_log_set_string(l, HTTP_LOG_PATH, req->path);
	http_log_set_int(l, HTTP_LOG_STATUS, 1, req->status);
	http_log_set_string(l, HTTP_LOG_PROVIDER, req->log_provider);
	http_log_set_string(l, HTTP_LOG_MODEL, req->log_model[0] ? req->log_model : NULL);
	http_log_set_int(l, HTTP_LOG_TTFB, req->first_byte_ms >= 0, req->first_byte_ms - req->start_ms);
	http_log_set_int(l, HTTP_LOG_DURATION, 1, now - req->start_ms);
	http_log_set_int(l, HTTP_LOG_BYTES, 1, (long long)req->bytes_out);
	http_log_set_string(l, HTTP_LOG_ERROR, req->log_error);
	hub_log_json_line(hub_json_compact(l->o));
}

void
http_log_prompt(struct http_request *req, const char *text)
{
	struct json_object *o;

	if (hub_cfg == NULL || !hub_cfg->log_prompts || text == NULL ||
	    (o = json_object_new_object()) == NULL)
		return;
	json_object_object_add(o, "type", json_object_new_string("prompt"));
	json_object_object_add(o, "request_id", json_object_new_string(req->request_id));
	json_object_object_add(o, "key_id", req->key_id ? json_object_new_string(req->key_id) : NULL);
	json_object_object_add(o, "prompt", json_object_new_string(text));
	hub_log_json_line(hub_json_compact(o));
	json_object_put(o);
}

void
http_request_end(struct http_request *req)
{
	if (req->ended)
		return;
	req->ended = 1;
	/* flushes, sends FCGI_END_REQUEST and closes the connection: the web
	 * server completes the response now */
	FCGX_Finish_r(req->fcgx);
}

const char *
http_param(struct http_request *req, const char *name)
{
	return req->ended ? NULL : FCGX_GetParam(name, req->fcgx->envp);
}

void
http_drain_body(struct http_request *req)
{
	if (req->ended)
		return;
	/* Bounded by the web server's request size limit. */
	while (FCGX_GetChar(req->fcgx->in) != EOF)
		;
}

int
http_read_body(struct http_request *req, size_t max_bytes, char **body, size_t *len)
{
	const char *cl = http_param(req, "CONTENT_LENGTH");
	unsigned long long want = 0;
	char *end, *buf;
	size_t got = 0;
	int n;

	*body = NULL;
	*len = 0;
	if (cl != NULL && *cl != '\0') {
		errno = 0;
		want = strtoull(cl, &end, 10);
		if (errno != 0 || *end != '\0')
			return HUB_ERR_INVALID;
	}
	if (want > max_bytes)
		return HUB_ERR_TOO_LARGE;
	if ((buf = malloc((size_t)want + 1)) == NULL)
		return HUB_ERR_NOMEM;
	while (got < want) {
		n = FCGX_GetStr(buf + got, (int)(want - got), req->fcgx->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < want) {
		free(buf);
		return HUB_ERR_INVALID;
	}
	http_drain_body(req);
	buf[got] = '\0';
	*body = buf;
	*len = got;
	return HUB_OK;
}

int
http_query_param(const char *query, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name), o;
	const char *p = query, *end;
	int hi, lo;

	if (query == NULL || strlen(query) > HUB_MAX_QUERY_BYTES)
		return query == NULL ? 0 : HUB_ERR_INVALID;
	while (p != NULL && *p != '\0') {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) >= nlen && strncmp(p, name, nlen) == 0 &&
		    (p[nlen] == '=' || p + nlen == end)) {
			p += nlen;
			if (*p == '=')
				p++;
			for (o = 0; p < end; p++) {
				char c = *p;

				if (c == '+') {
					c = ' ';
				} else if (c == '%') {
					if (end - p < 3 || (hi = hub_text_hex_digit(p[1])) < 0 ||
					    (lo = hub_text_hex_digit(p[2])) < 0)
						return HUB_ERR_INVALID;
					c = (char)(hi * 16 + lo);
					p += 2;
				}
				if (c == '\0' || o + 1 >= outlen)
					return HUB_ERR_INVALID;
				out[o++] = c;
			}
			out[o] = '\0';
			return 1;
		}
		p = *end ? end + 1 : NULL;
	}
	return 0;
}

void
http_send_headers(struct http_request *req, int status, const char *content_type,
    const char *extra)
{
	if (req->headers_sent || req->ended)
		return;
	req->headers_sent = 1;
	req->status = status;
	FCGX_FPrintF(req->fcgx->out, "Status: %d %s\r\n", status, http_reason(status));
	if (content_type != NULL)
		FCGX_FPrintF(req->fcgx->out, "Content-Type: %s\r\n", content_type);
	FCGX_FPrintF(req->fcgx->out, "X-Request-ID: %s\r\n", req->request_id);
	FCGX_FPrintF(req->fcgx->out, "Cache-Control: no-store\r\n");
	if (req->cors_origin != NULL)
		FCGX_FPrintF(req->fcgx->out, "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n"
		    "Access-Control-Expose-Headers: Mcp-Session-Id, MCP-Protocol-Version, X-Session-ID, "
		    "X-Request-ID, Retry-After, WWW-Authenticate\r\n", req->cors_origin);
	if (extra != NULL)
		FCGX_PutS(extra, req->fcgx->out);
	FCGX_PutS("\r\n", req->fcgx->out);
}

int
http_write(struct http_request *req, const void *data, size_t len)
{
	if (len == 0)
		return HUB_OK;
	if (req->ended)
		return HUB_ERR_CLIENT_GONE;
	if (req->first_byte_ms < 0)
		req->first_byte_ms = hub_time_mono_ms();
	if (FCGX_PutStr(data, (int)len, req->fcgx->out) != (int)len)
		return HUB_ERR_CLIENT_GONE;
	req->bytes_out += len;
	return HUB_OK;
}

int
http_flush(struct http_request *req)
{
	if (req->ended || FCGX_FFlush(req->fcgx->out) != 0 || FCGX_GetError(req->fcgx->out) != 0)
		return HUB_ERR_CLIENT_GONE;
	return HUB_OK;
}

void
http_send_json(struct http_request *req, int status, struct json_object *obj,
    const char *extra_headers)
{
	const char *s = hub_json_compact(obj);

	http_send_headers(req, status, "application/json", extra_headers);
	(void)http_write(req, s, strlen(s));
	(void)http_write(req, "\n", 1);
}

void
http_send_rpc_error(struct http_request *req, int status, int code, const char *message,
    const char *extra_headers)
{
	struct json_object *m = json_object_new_object(), *e = json_object_new_object();
	const char *txt;

	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "id", NULL);
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(m, "error", e);
	txt = hub_json_compact(m);
	req->log_error = "mcp_transport";
	http_send_headers(req, status, "application/json", extra_headers);
	(void)http_write(req, txt, strlen(txt));
	(void)http_write(req, "\n", 1);
	json_object_put(m);
}

struct json_object *
http_error_object(int err, const char *message, const char *param)
{
	struct json_object *o, *e;

	o = json_object_new_object();
	e = json_object_new_object();
	if (o == NULL || e == NULL) {
		json_object_put(o);
		json_object_put(e);
		return NULL;
	}
	json_object_object_add(e, "message", json_object_new_string(message ? message : hub_strerror(err)));
	json_object_object_add(e, "type", json_object_new_string(hub_error_type(err)));
	json_object_object_add(e, "param", param ? json_object_new_string(param) : NULL);
	json_object_object_add(e, "code", json_object_new_string(hub_error_code(err)));
	json_object_object_add(o, "error", e);
	return o;
}

struct json_object *
http_anthropic_error_object(int err, const char *message)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	if (o == NULL || e == NULL) {
		json_object_put(o);
		json_object_put(e);
		return NULL;
	}
	json_object_object_add(o, "type", json_object_new_string("error"));
	json_object_object_add(e, "type", json_object_new_string(hub_error_type_for(err, HUB_SURFACE_ANTHROPIC)));
	json_object_object_add(e, "message", json_object_new_string(message ? message : hub_strerror(err)));
	json_object_object_add(o, "error", e);
	return o;
}

void
http_send_error(struct http_request *req, int err, int status, const char *message,
    const char *param, const char *extra_headers)
{
	struct json_object *o = req->surface == HUB_SURFACE_ANTHROPIC ?
	    http_anthropic_error_object(err, message) : http_error_object(err, message, param);

	if (status <= 0)
		status = hub_error_http_status(err);
	req->log_error = hub_error_code(err);
	if (o == NULL) {
		static const char fallback[] =
		    "{\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\",\"param\":null,\"code\":\"out_of_memory\"}}\n";

		http_send_headers(req, 500, "application/json", NULL);
		(void)http_write(req, fallback, sizeof(fallback) - 1);
		return;
	}
	http_send_json(req, status, o, extra_headers);
	json_object_put(o);
}
