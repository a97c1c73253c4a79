/*
 * redis_url.h - parse REDIS_URL.
 *
 * Accepted forms:
 *   redis://[[user]:password@]host[:port][/db]
 *   unix:///path/to/redis.sock[?db=N]
 * Host may be a bracketed IPv6 literal. Percent-escapes are not decoded.
 */
#ifndef REDIS_URL_H
#define REDIS_URL_H

struct redis_url {
	char host[256];       /* empty for unix sockets */
	int port;             /* 6379 when absent */
	char socket_path[108];/* empty for TCP */
	char password[256];   /* empty: no AUTH */
	char username[128];   /* empty: AUTH with password only */
	int db;               /* 0 when absent */
};

/* Parse url into out. 0, or HUB_ERR_INVALID when malformed. */
int redis_url_parse(const char *url, struct redis_url *out);

/* The REDIS_URL setting's check: NULL when url parses, else a static reason
 * (which never echoes the URL: it may carry a password). */
const char *redis_url_check(const char *url);

#endif
