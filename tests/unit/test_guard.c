/* test_guard.c - Host and Origin matching and the JSON media type
 * (fcgi/guard.c), the checks every request passes first. */
#include "config.h"

#include "fcgi/guard.h"
#include "tap.h"

static void
test_hosts(void)
{
	ok(guard_host_allowed("localhost", NULL), "localhost");
	ok(guard_host_allowed("localhost:8080", NULL), "localhost with a port");
	ok(guard_host_allowed("LOCALHOST:8080", NULL), "names are case-insensitive");
	ok(guard_host_allowed("localhost.:8080", NULL), "one trailing dot");
	ok(guard_host_allowed("127.0.0.1:1", NULL), "127.0.0.1");
	ok(guard_host_allowed("[::1]:8080", NULL), "[::1]");
	ok(guard_host_allowed("[::1]", NULL), "[::1] without a port");
	ok(!guard_host_allowed("rebind.evil.example:8080", NULL), "a foreign name by default");
	ok(!guard_host_allowed("localhost.evil.example", NULL), "a name that starts with localhost");
	ok(!guard_host_allowed("evil.localhost", NULL), "a name below localhost is not loopback here");
	ok(!guard_host_allowed("127.0.0.1.evil.example", NULL), "an IP prefix");
	ok(!guard_host_allowed("10.0.0.5:8080", NULL), "another address by default");
	ok(!guard_host_allowed("", NULL), "empty");
	ok(!guard_host_allowed(NULL, NULL), "NULL");
	ok(!guard_host_allowed("localhost:80a", NULL), "a bad port");
	ok(!guard_host_allowed("localhost:", NULL), "an empty port");
	ok(!guard_host_allowed("local host", NULL), "a space");
	ok(!guard_host_allowed("[::1", NULL), "an unclosed IPv6 literal");
	ok(!guard_host_allowed("user@localhost", NULL), "user info");

	ok(guard_host_allowed("hub.example.com", "hub.example.com"), "a listed name");
	ok(guard_host_allowed("HUB.example.com:443", " other.example , hub.example.com "), "listed, any port, spaces");
	ok(guard_host_allowed("localhost:8080", "hub.example.com"), "loopback stays allowed with a list");
	ok(!guard_host_allowed("evil.example.com", "hub.example.com"), "an unlisted name");
	ok(!guard_host_allowed("xhub.example.com", "hub.example.com"), "no suffix match without a dot");
	ok(guard_host_allowed("hub.example.com:8443", "hub.example.com:8443"), "name:port");
	ok(!guard_host_allowed("hub.example.com:8080", "hub.example.com:8443"), "name:port, another port");
	ok(!guard_host_allowed("hub.example.com", "hub.example.com:8443"), "name:port, no port");
	ok(guard_host_allowed("a.b.example.com", ".example.com"), "a leading dot: names below");
	ok(guard_host_allowed("example.com:1", ".example.com"), "a leading dot: the name itself");
	ok(!guard_host_allowed("badexample.com", ".example.com"), "a leading dot: not a mere suffix");
	ok(guard_host_allowed("host.docker.internal:8080", "host.docker.internal,llm-mcp-hub"), "Docker names");
	ok(guard_host_allowed("10.0.0.5:8080", "10.0.0.5"), "a listed address");
	ok(guard_host_allowed("[fe80::1]:8080", "[fe80::1]"), "a listed IPv6 literal");
	ok(guard_host_allowed("anything.example", "*"), "* allows every host");
	ok(!guard_host_allowed("bad host", "*"), "* still refuses a malformed Host");
}

static void
test_origins(void)
{
	ok(guard_origin_loopback("http://localhost:6274"), "the MCP Inspector");
	ok(guard_origin_loopback("https://127.0.0.1"), "https 127.0.0.1");
	ok(guard_origin_loopback("http://[::1]:3000"), "[::1]");
	ok(!guard_origin_loopback("null"), "null");
	ok(!guard_origin_loopback("http://localhost.evil.example"), "localhost as a prefix");
	ok(!guard_origin_loopback("http://localhost:80/path"), "a path");
	ok(!guard_origin_loopback("file://localhost"), "another scheme");
	ok(!guard_origin_loopback("http://evil.example"), "a foreign origin");
	ok(!guard_origin_loopback("localhost"), "no scheme");

	ok(guard_origin_listed("https://app.example.com", "https://app.example.com"), "listed");
	ok(guard_origin_listed("https://APP.example.com", "https://n8n.example.com, https://app.example.com/"),
	    "case and a trailing slash in the list");
	ok(!guard_origin_listed("https://app.example.com:8443", "https://app.example.com"), "another port");
	ok(!guard_origin_listed("http://app.example.com", "https://app.example.com"), "another scheme");
	ok(!guard_origin_listed("https://app.example.com", NULL), "no list");
	ok(!guard_origin_listed("null", "null,*"), "null is never listed");
	ok(guard_origin_listed("https://any.example", "*"), "*");
	ok(!guard_origin_listed("https://a.example\r\nX: y", "*"), "* never echoes a malformed origin");
}

static void
test_content_types(void)
{
	ok(guard_json_content_type("application/json"), "application/json");
	ok(guard_json_content_type("Application/JSON"), "case-insensitive");
	ok(guard_json_content_type("application/json; charset=utf-8"), "charset=utf-8");
	ok(guard_json_content_type("application/json;charset=\"UTF-8\""), "quoted charset");
	ok(guard_json_content_type("application/json; boundary=x"), "another parameter");
	ok(!guard_json_content_type("application/json; charset=latin1"), "another charset");
	ok(!guard_json_content_type(NULL), "no Content-Type");
	ok(!guard_json_content_type(""), "empty");
	ok(!guard_json_content_type("text/plain"), "text/plain");
	ok(!guard_json_content_type("text/plain; a=application/json"), "json only in a parameter");
	ok(!guard_json_content_type("application/x-www-form-urlencoded"), "a form");
	ok(!guard_json_content_type("multipart/form-data; boundary=x"), "multipart");
	ok(!guard_json_content_type("application/jsonx"), "a longer type");
	ok(!guard_json_content_type("application/json-patch+json"), "application/...+json");
	ok(!guard_json_content_type("application/json, text/plain"), "a list");
}

int
main(void)
{
	test_hosts();
	test_origins();
	test_content_types();
	return tap_done();
}
