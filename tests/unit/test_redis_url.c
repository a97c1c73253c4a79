/* test_redis_url.c - REDIS_URL parsing. */
#include "config.h"

#include "session/redis_url.c"
#include "tap.h"

int
main(void)
{
	struct redis_url u;

	is_int(redis_url_parse("redis://127.0.0.1:6380", &u), HUB_OK, "host and port");
	is_str(u.host, "127.0.0.1", "host");
	is_int(u.port, 6380, "port");
	is_int(u.db, 0, "db defaults to 0");
	is_int(redis_url_parse("redis://localhost", &u), HUB_OK, "host only");
	is_int(u.port, 6379, "port defaults to 6379");
	is_int(redis_url_parse("redis://:s3cret@cache.internal:7000/5", &u), HUB_OK, "password and db");
	is_str(u.password, "s3cret", "password");
	is_str(u.username, "", "no username");
	is_int(u.db, 5, "db");
	is_int(redis_url_parse("redis://hub:pw@h:1/0", &u), HUB_OK, "user and password");
	is_str(u.username, "hub", "username");
	is_int(redis_url_parse("redis://[::1]:6379/2", &u), HUB_OK, "IPv6 literal");
	is_str(u.host, "::1", "IPv6 host");
	is_int(redis_url_parse("unix:///run/redis/redis.sock", &u), HUB_OK, "unix socket");
	is_str(u.socket_path, "/run/redis/redis.sock", "socket path");
	is_int(redis_url_parse("unix:///run/r.sock?db=3", &u), HUB_OK, "unix socket with db");
	is_int(u.db, 3, "unix db");

	is_int(redis_url_parse("http://localhost", &u), HUB_ERR_INVALID, "wrong scheme");
	is_int(redis_url_parse("redis://", &u), HUB_ERR_INVALID, "no host");
	is_int(redis_url_parse("redis://h:0", &u), HUB_ERR_INVALID, "port 0");
	is_int(redis_url_parse("redis://h:70000", &u), HUB_ERR_INVALID, "port too big");
	is_int(redis_url_parse("redis://h:12ab", &u), HUB_ERR_INVALID, "port not a number");
	is_int(redis_url_parse("redis://h/x", &u), HUB_ERR_INVALID, "db not a number");
	is_int(redis_url_parse("redis://user@h", &u), HUB_ERR_INVALID, "user without password");
	is_int(redis_url_parse("redis://h o st:1", &u), HUB_ERR_INVALID, "space in host");
	is_int(redis_url_parse("unix://relative.sock", &u), HUB_ERR_INVALID, "relative socket");
	is_int(redis_url_parse("unix:///r.sock?x=1", &u), HUB_ERR_INVALID, "unknown socket option");
	is_int(redis_url_parse(NULL, &u), HUB_ERR_INVALID, "NULL");

	/* REDIS_SENTINELS lists */
	is_int(redis_url_sentinel_parse("10.0.0.1:26379, s2.internal:26380,[::1]:26381", 1, &u), HUB_OK,
	    "second sentinel");
	is_str(u.host, "s2.internal", "its host");
	is_int(u.port, 26380, "its port");
	is_int(redis_url_sentinel_parse("10.0.0.1:26379,s2:26380,[::1]:26381", 2, &u), HUB_OK, "IPv6 sentinel");
	is_str(u.host, "::1", "IPv6 host");
	is_int(redis_url_sentinel_parse("10.0.0.1:26379", 1, &u), HUB_ERR_NOT_FOUND, "past the end");
	is_int(redis_url_sentinel_parse("10.0.0.1", 0, &u), HUB_ERR_INVALID, "a port is required");
	is_int(redis_url_sentinel_parse("[::1]", 0, &u), HUB_ERR_INVALID, "a port is required (IPv6)");
	is_int(redis_url_sentinel_parse("a:1,,b:2", 0, &u), HUB_ERR_INVALID, "an empty entry");
	is_int(redis_url_sentinel_parse("", 0, &u), HUB_ERR_INVALID, "an empty list");
	is_int(redis_url_sentinel_parse("pw@h:1", 0, &u), HUB_ERR_INVALID, "no credentials in the list");
	is_int(redis_url_sentinel_parse("h:1,h:2,h:3,h:4,h:5,h:6,h:7,h:8,h:9,h:10,h:11,h:12,h:13,h:14,h:15,h:16,h:17",
	    0, &u), HUB_ERR_INVALID, "more than 16 entries");
	is_int(redis_url_sentinel_parse("h:1, h:2 ", 1, &u), HUB_OK, "spaces around entries");
	is_str(u.host, "h", "trimmed");
	return tap_done();
}
