/*
 * redis_url.c - REDIS_URL parser.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_error.h"
#include "redis_url.h"

/* Parse a decimal in [min, max] from s[0..n). */
static int
redis_url_number(const char *s, size_t n, long min, long max, int *out)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return HUB_ERR_INVALID;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return HUB_ERR_INVALID;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return HUB_ERR_INVALID;
	*out = (int)v;
	return HUB_OK;
}

/* Copy s[0..n) into dst of size dstlen; fail when it does not fit. */
static int
redis_url_copy(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n >= dstlen)
		return HUB_ERR_INVALID;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return HUB_OK;
}

int
redis_url_parse(const char *url, struct redis_url *out)
{
	const char *p, *at, *slash, *hostend, *colon, *q;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->port = 6379;
	if (url == NULL)
		return HUB_ERR_INVALID;
	if (strncmp(url, "unix://", 7) == 0) {
		p = url + 7;
		if (*p != '/')
			return HUB_ERR_INVALID;
		q = strchr(p, '?');
		n = q ? (size_t)(q - p) : strlen(p);
		if (redis_url_copy(out->socket_path, sizeof(out->socket_path), p, n) != HUB_OK || n < 2)
			return HUB_ERR_INVALID;
		if (q != NULL) {
			if (strncmp(q, "?db=", 4) != 0)
				return HUB_ERR_INVALID;
			return redis_url_number(q + 4, strlen(q + 4), 0, 65535, &out->db);
		}
		return HUB_OK;
	}
	if (strncmp(url, "redis://", 8) != 0)
		return HUB_ERR_INVALID;
	p = url + 8;
	slash = strchr(p, '/');
	at = memchr(p, '@', slash ? (size_t)(slash - p) : strlen(p));
	if (at != NULL) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon == NULL)
			return HUB_ERR_INVALID;
		if (redis_url_copy(out->username, sizeof(out->username), p, (size_t)(colon - p)) != HUB_OK ||
		    redis_url_copy(out->password, sizeof(out->password), colon + 1, (size_t)(at - colon - 1)) != HUB_OK)
			return HUB_ERR_INVALID;
		if (out->password[0] == '\0')
			return HUB_ERR_INVALID;
		p = at + 1;
	}
	hostend = slash ? slash : p + strlen(p);
	if (*p == '[') {
		q = memchr(p, ']', (size_t)(hostend - p));
		if (q == NULL || q == p + 1)
			return HUB_ERR_INVALID;
		if (redis_url_copy(out->host, sizeof(out->host), p + 1, (size_t)(q - p - 1)) != HUB_OK)
			return HUB_ERR_INVALID;
		colon = q + 1 < hostend && q[1] == ':' ? q + 1 : NULL;
		if (colon == NULL && q + 1 != hostend)
			return HUB_ERR_INVALID;
	} else {
		colon = memchr(p, ':', (size_t)(hostend - p));
		n = colon ? (size_t)(colon - p) : (size_t)(hostend - p);
		if (n == 0 || redis_url_copy(out->host, sizeof(out->host), p, n) != HUB_OK)
			return HUB_ERR_INVALID;
		for (q = out->host; *q; q++)
			if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
			    (*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '_'))
				return HUB_ERR_INVALID;
	}
	if (colon != NULL &&
	    redis_url_number(colon + 1, (size_t)(hostend - colon - 1), 1, 65535, &out->port) != HUB_OK)
		return HUB_ERR_INVALID;
	if (slash != NULL && slash[1] != '\0' &&
	    redis_url_number(slash + 1, strlen(slash + 1), 0, 65535, &out->db) != HUB_OK)
		return HUB_ERR_INVALID;
	return HUB_OK;
}

int
redis_url_sentinel_parse(const char *list, size_t index, struct redis_url *out)
{
	struct redis_url one;
	char url[300];
	const char *p, *end, *comma;
	size_t i = 0, n;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (list == NULL)
		return HUB_ERR_INVALID;
	for (p = list;; p = comma + 1) {
		comma = strchr(p, ',');
		end = comma != NULL ? comma : p + strlen(p);
		while (p < end && *p == ' ')
			p++;
		while (end > p && end[-1] == ' ')
			end--;
		n = (size_t)(end - p);
		if (n == 0 || n > 270 || memchr(p, '@', n) != NULL || memchr(p, '/', n) != NULL ||
		    memchr(p, ':', n) == NULL || i >= REDIS_URL_MAX_SENTINELS)
			return HUB_ERR_INVALID;
		snprintf(url, sizeof(url), "redis://%.*s", (int)n, p);
		if (redis_url_parse(url, &one) != HUB_OK)
			return HUB_ERR_INVALID;
		if (p[n - 1] == ']')
			return HUB_ERR_INVALID;  /* "[::1]" without a port */
		if (i == index) {
			*out = one;
			found = 1;
		}
		i++;
		if (comma == NULL)
			break;
	}
	return found ? HUB_OK : HUB_ERR_NOT_FOUND;
}

const char *
redis_url_check(const char *url)
{
	struct redis_url u;

	if (redis_url_parse(url, &u) != HUB_OK)
		return "expected redis://[:password@]host:port[/db] or unix:///path/to/redis.sock";
	return NULL;
}

const char *
redis_url_sentinels_check(const char *list)
{
	struct redis_url u;

	if (redis_url_sentinel_parse(list, 0, &u) != HUB_OK)
		return "expected host:port[,host:port...] (at most 16)";
	return NULL;
}
