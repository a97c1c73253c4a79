/*
 * guard.c - Host, Origin, CORS and Content-Type checks for every request.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "guard.h"
#include "http.h"

#define GUARD_MAX_NAME 255

/* Headers a preflight may ask for when it names none we can echo. */
#define GUARD_ALLOW_HEADERS "Authorization, Content-Type, Accept, Mcp-Session-Id, " \
	"MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID, X-Session-ID, X-Request-ID, " \
	"x-api-key, anthropic-version, anthropic-beta"

static const char *const guard_loopback_names[] = { "localhost", "127.0.0.1", "[::1]", NULL };

/* 1 when c may appear in a host name or an IP literal. */
static int
guard_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_';
}

/* 1 when s[0..n) is 1 to 5 digits. */
static int
guard_port_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 5)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * Split an authority "name[:port]" (s[0..n)) into name and port. The name
 * keeps an IPv6 literal's brackets and loses one trailing dot. Returns 1,
 * or 0 when malformed.
 */
static int
guard_split_authority(const char *s, size_t n, const char **name, size_t *name_len,
    const char **port, size_t *port_len)
{
	const char *end = s + n, *p, *q;

	*port = NULL;
	*port_len = 0;
	if (n == 0)
		return 0;
	if (s[0] == '[') {
		if ((p = memchr(s, ']', n)) == NULL || p == s + 1)
			return 0;
		for (q = s + 1; q < p; q++)
			if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
			    (*q >= 'A' && *q <= 'F') || *q == ':' || *q == '.'))
				return 0;
		p++;
	} else {
		for (p = s; p < end && *p != ':'; p++)
			if (!guard_name_char(*p))
				return 0;
	}
	*name = s;
	*name_len = (size_t)(p - s);
	if (p < end) {
		if (*p != ':' || !guard_port_valid(p + 1, (size_t)(end - p - 1)))
			return 0;
		*port = p + 1;
		*port_len = (size_t)(end - p - 1);
	}
	if (*name_len > 1 && (*name)[*name_len - 1] == '.' && s[0] != '[')
		(*name_len)--;
	return *name_len > 0 && *name_len <= GUARD_MAX_NAME;
}

/* 1 when name[0..n) is a loopback name. */
static int
guard_name_loopback(const char *name, size_t n)
{
	size_t i;

	for (i = 0; guard_loopback_names[i] != NULL; i++)
		if (strlen(guard_loopback_names[i]) == n && strncasecmp(name, guard_loopback_names[i], n) == 0)
			return 1;
	return 0;
}

/* 1 when the host name[0..n):port matches the list entry e[0..elen). */
static int
guard_host_entry_matches(const char *e, size_t elen, const char *name, size_t n,
    const char *port, size_t port_len)
{
	const char *ename, *eport;
	size_t ename_len, eport_len;

	if (elen == 1 && e[0] == '*')
		return 1;
	if (e[0] == '.') {
		/* ".example.com": the name itself or any name below it */
		if (!guard_split_authority(e + 1, elen - 1, &ename, &ename_len, &eport, &eport_len))
			return 0;
		if (eport != NULL && (port == NULL || port_len != eport_len || memcmp(port, eport, port_len) != 0))
			return 0;
		if (n == ename_len)
			return strncasecmp(name, ename, n) == 0;
		return n > ename_len && name[n - ename_len - 1] == '.' &&
		    strncasecmp(name + n - ename_len, ename, ename_len) == 0;
	}
	if (!guard_split_authority(e, elen, &ename, &ename_len, &eport, &eport_len))
		return 0;
	if (eport != NULL && (port == NULL || port_len != eport_len || memcmp(port, eport, port_len) != 0))
		return 0;
	return n == ename_len && strncasecmp(name, ename, n) == 0;
}

/*
 * Call match(entry, len, arg) for each trimmed, non-empty entry of the
 * comma-separated list; 1 as soon as one matches.
 */
static int
guard_list_any(const char *list, int (*match)(const char *, size_t, const void *), const void *arg)
{
	const char *p = list, *end;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end > p && match(p, (size_t)(end - p), arg))
			return 1;
		p = end;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}

struct guard_host {
	const char *name, *port;
	size_t name_len, port_len;
};

static int
guard_host_match_cb(const char *e, size_t elen, const void *arg)
{
	const struct guard_host *h = arg;

	return guard_host_entry_matches(e, elen, h->name, h->name_len, h->port, h->port_len);
}

int
guard_host_allowed(const char *host, const char *allowed)
{
	struct guard_host h;

	if (host == NULL ||
	    !guard_split_authority(host, strlen(host), &h.name, &h.name_len, &h.port, &h.port_len))
		return 0;
	if (guard_name_loopback(h.name, h.name_len))
		return 1;
	return guard_list_any(allowed, guard_host_match_cb, &h);
}

/*
 * Split a serialised origin "scheme://authority" into its scheme length
 * and authority. 1 when well formed (no path, no user info), else 0.
 */
static int
guard_origin_parse(const char *origin, size_t olen, size_t *scheme_len, const char **name,
    size_t *name_len)
{
	const char *sep, *port;
	size_t i, port_len;

	if (origin == NULL || (sep = strstr(origin, "://")) == NULL || sep == origin ||
	    (size_t)(sep - origin) >= olen)
		return 0;
	*scheme_len = (size_t)(sep - origin);
	for (i = 0; i < *scheme_len; i++) {
		char c = origin[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '-' || c == '.'))
			return 0;
	}
	return guard_split_authority(sep + 3, olen - *scheme_len - 3, name, name_len, &port, &port_len);
}

int
guard_origin_loopback(const char *origin)
{
	const char *name;
	size_t scheme_len, name_len;

	if (origin == NULL || !guard_origin_parse(origin, strlen(origin), &scheme_len, &name, &name_len))
		return 0;
	if (!((scheme_len == 4 && strncasecmp(origin, "http", 4) == 0) ||
	    (scheme_len == 5 && strncasecmp(origin, "https", 5) == 0)))
		return 0;
	return guard_name_loopback(name, name_len);
}

static int
guard_origin_match_cb(const char *e, size_t elen, const void *arg)
{
	const char *origin = arg;

	if (elen == 1 && e[0] == '*')
		return 1;
	if (elen > 1 && e[elen - 1] == '/')
		elen--;
	return strlen(origin) == elen && strncasecmp(origin, e, elen) == 0;
}

int
guard_origin_listed(const char *origin, const char *list)
{
	const char *name;
	size_t scheme_len, name_len;

	if (origin == NULL || !guard_origin_parse(origin, strlen(origin), &scheme_len, &name, &name_len))
		return 0;
	return guard_list_any(list, guard_origin_match_cb, origin);
}

int
guard_json_content_type(const char *ct)
{
	static const char json[] = "application/json";
	const char *p, *name, *value;
	size_t nlen, vlen;

	if (ct == NULL)
		return 0;
	for (p = ct; *p == ' ' || *p == '\t'; p++)
		;
	if (strncasecmp(p, json, sizeof(json) - 1) != 0)
		return 0;
	p += sizeof(json) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p == ';') {
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		for (name = p; *p != '\0' && *p != '=' && *p != ';'; p++)
			;
		nlen = (size_t)(p - name);
		while (nlen > 0 && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
			nlen--;
		if (*p != '=')
			return *p == '\0' && nlen == 0;   /* "application/json;" */
		for (value = ++p; *p != '\0' && *p != ';'; p++)
			;
		vlen = (size_t)(p - value);
		while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
			vlen--;
		if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
			value++;
			vlen -= 2;
		}
		if (nlen == 7 && strncasecmp(name, "charset", 7) == 0 &&
		    !((vlen == 5 && strncasecmp(value, "utf-8", 5) == 0) ||
		    (vlen == 4 && strncasecmp(value, "utf8", 4) == 0)))
			return 0;
	}
	return *p == '\0';
}

/* 1 when the request belongs to the MCP surface (JSON-RPC error bodies). */
static int
guard_mcp_surface(const struct http_request *req)
{
	return strcmp(req->path, "/mcp") == 0 || strcmp(req->path, "/sse") == 0 ||
	    strcmp(req->path, "/messages") == 0;
}

/* Answer an error in the format of the request's surface. */
static void
guard_fail(struct http_request *req, int err, int status, const char *message, const char *extra)
{
	if (guard_mcp_surface(req))
		http_send_rpc_error(req, status, -32000, message, extra);
	else
		http_send_error(req, err, status, message, NULL, extra);
}

int
guard_request_or_reply(struct http_request *req)
{
	const char *host = http_param(req, "HTTP_HOST");
	const char *origin = http_param(req, "HTTP_ORIGIN");
	char msg[400];
	int listed;

	/* No Host: HTTP/1.0 without one, never a browser (DNS rebinding
	 * needs the browser's Host); the web server refuses HTTP/1.1 without. */
	if (host != NULL && !guard_host_allowed(host, hub_cfg->allowed_hosts)) {
		snprintf(msg, sizeof(msg), "Forbidden: the Host '%.200s' is not allowed; "
		    "add the hub's public name to HUB_ALLOWED_HOSTS", host);
		guard_fail(req, HUB_ERR_FORBIDDEN, 403, msg, NULL);
		req->log_error = "host_not_allowed";
		return 0;
	}
	if (origin == NULL)
		return 1;
	listed = guard_origin_listed(origin, hub_cfg->allowed_origins) ||
	    guard_origin_listed(origin, hub_cfg->mcp_allowed_origins);
	if (!listed && !guard_origin_loopback(origin)) {
		snprintf(msg, sizeof(msg), "Forbidden: the Origin '%.200s' is not allowed; "
		    "list it in HUB_ALLOWED_ORIGINS", origin);
		guard_fail(req, HUB_ERR_FORBIDDEN, 403, msg, NULL);
		req->log_error = "origin_not_allowed";
		return 0;
	}
	if (listed)
		req->cors_origin = origin;
	return 1;
}

/* 1 when s is a list of header names we may echo in a preflight answer. */
static int
guard_header_list_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= 1000 || !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '-' || s[n] == '_' || s[n] == ',' || s[n] == ' '))
			return 0;
	return n > 0;
}

void
guard_options_reply(struct http_request *req, const char *allow)
{
	const char *asked = http_param(req, "HTTP_ACCESS_CONTROL_REQUEST_HEADERS");
	char extra[1400];

	if (http_param(req, "HTTP_ORIGIN") == NULL) {
		snprintf(extra, sizeof(extra), "Allow: OPTIONS, %s\r\n", allow);
		http_send_headers(req, 204, NULL, extra);
		return;
	}
	if (req->cors_origin == NULL) {
		guard_fail(req, HUB_ERR_FORBIDDEN, 403,
		    "Forbidden: cross-origin requests are served only for the origins in HUB_ALLOWED_ORIGINS",
		    NULL);
		req->log_error = "origin_not_allowed";
		return;
	}
	snprintf(extra, sizeof(extra), "Access-Control-Allow-Methods: %s\r\n"
	    "Access-Control-Allow-Headers: %s\r\nAccess-Control-Max-Age: 600\r\n", allow,
	    asked != NULL && guard_header_list_valid(asked) ? asked : GUARD_ALLOW_HEADERS);
	http_send_headers(req, 204, NULL, extra);
}

int
guard_content_type_or_reply(struct http_request *req)
{
	const char *ct = http_param(req, "CONTENT_TYPE");
	char msg[300];

	if (guard_json_content_type(ct))
		return 1;
	if (ct == NULL || *ct == '\0')
		snprintf(msg, sizeof(msg), "Unsupported Media Type: send the body with Content-Type: application/json");
	else
		snprintf(msg, sizeof(msg), "Unsupported Media Type: Content-Type must be application/json, "
		    "not '%.100s'", ct);
	guard_fail(req, HUB_ERR_MEDIA_TYPE, 415, msg, NULL);
	req->log_error = "unsupported_media_type";
	return 0;
}
