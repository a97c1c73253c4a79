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

#include <stddef.h>

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

/* Most entries of a REDIS_SENTINELS list. */
#define REDIS_URL_MAX_SENTINELS 16

/*
 * The index-th entry of a REDIS_SENTINELS list ("host:port,host:port",
 * spaces around entries allowed; host a name, an IPv4 or a bracketed IPv6
 * address; the port required) into out (host and port only). Every entry
 * is checked on each call. 0; HUB_ERR_NOT_FOUND when index is past the
 * end; HUB_ERR_INVALID when any entry is malformed, the list is empty or
 * it has more than REDIS_URL_MAX_SENTINELS entries.
 */
int redis_url_sentinel_parse(const char *list, size_t index, struct redis_url *out);

/* The REDIS_URL setting's check: NULL when url parses, else a static reason
 * (which never echoes the URL: it may carry a password). */
const char *redis_url_check(const char *url);

/* The REDIS_SENTINELS setting's check: NULL when list parses, else a
 * static reason. */
const char *redis_url_sentinels_check(const char *list);

#endif
