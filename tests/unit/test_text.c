/* test_text.c - UTF-8 validation, the model-name alphabet and the
 * request-body parser that applies both (hub_json_parse_input). */
#include "config.h"

#include <string.h>

#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_text.h"
#include "tap.h"

/* hub_text_utf8_valid on a NUL-free literal. */
static int
utf8(const char *s)
{
	return hub_text_utf8_valid(s, strlen(s), NULL);
}

/* 1 when hub_json_parse_input accepts s[0..len). */
static int
parses(const char *s, size_t len)
{
	struct json_object *o;
	char err[128];
	int rc = hub_json_parse_input(s, len, &o, err, sizeof(err));

	json_object_put(o);
	return rc == HUB_OK;
}

/* parses() on a NUL-free literal. */
static int
parses_str(const char *s)
{
	return parses(s, strlen(s));
}

static void
test_utf8(void)
{
	size_t bad = 99;

	ok(utf8("plain ascii"), "ASCII");
	ok(utf8("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "2-, 3- and 4-byte forms");
	ok(utf8("\xf4\x8f\xbf\xbf"), "U+10FFFF is the last code point");
	ok(hub_text_utf8_valid("a\0b", 3, NULL), "a NUL byte is valid UTF-8");
	ok(!utf8("\xff"), "0xFF never appears");
	ok(!utf8("\x80"), "a lone continuation byte");
	ok(!utf8("\xc3"), "a truncated 2-byte form");
	ok(!utf8("\xe2\x82"), "a truncated 3-byte form");
	ok(!utf8("\xc0\xaf"), "an overlong '/' (C0 AF)");
	ok(!utf8("\xe0\x80\xaf"), "an overlong 3-byte form");
	ok(!utf8("\xf0\x80\x80\xaf"), "an overlong 4-byte form");
	ok(!utf8("\xed\xa0\x80"), "an encoded surrogate (U+D800)");
	ok(!utf8("\xf4\x90\x80\x80"), "above U+10FFFF");
	ok(!utf8("\xc3\x28"), "a bad continuation byte");
	ok(!hub_text_utf8_valid("ok\xc3\xa9\xff", 5, &bad) && bad == 4, "the offset of the first bad byte");
}

static void
test_model_names(void)
{
	char long_name[HUB_MAX_MODEL_LEN + 2];

	ok(hub_text_model_name_valid("sonnet"), "an alias");
	ok(hub_text_model_name_valid("claude-sonnet-4-5-20250929"), "a dated id");
	ok(hub_text_model_name_valid("opus[1m]"), "brackets");
	ok(hub_text_model_name_valid("claude-sonnet-4@20250514"), "a Vertex id");
	ok(hub_text_model_name_valid("anthropic.claude-3-5-sonnet-20241022-v2:0"), "a Bedrock id");
	ok(hub_text_model_name_valid("gemini-2.5-pro"), "a Gemini id");
	ok(hub_text_model_name_valid("meta-llama/Llama-3.1-8B"), "a namespaced id");
	ok(!hub_text_model_name_valid(NULL), "NULL");
	ok(!hub_text_model_name_valid(""), "empty");
	ok(!hub_text_model_name_valid("-p"), "a leading '-' (an option)");
	ok(!hub_text_model_name_valid("--tools=Bash"), "an option with a value");
	ok(!hub_text_model_name_valid(".hidden"), "a leading '.'");
	ok(!hub_text_model_name_valid("sonnet\n--x"), "a newline");
	ok(!hub_text_model_name_valid("son net"), "a space");
	ok(!hub_text_model_name_valid("a;b"), "a shell character");
	ok(!hub_text_model_name_valid("m/../../x"), "'..'");
	ok(!hub_text_model_name_valid("h\xc3\xa9"), "non-ASCII");
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[HUB_MAX_MODEL_LEN] = '\0';
	ok(hub_text_model_name_valid(long_name), "HUB_MAX_MODEL_LEN characters");
	long_name[HUB_MAX_MODEL_LEN] = 'a';
	long_name[HUB_MAX_MODEL_LEN + 1] = '\0';
	ok(!hub_text_model_name_valid(long_name), "one more is too long");
}

static void
test_parse_input(void)
{
	static const char nul_raw[] = "{\"model\":\"a\0b\"}";

	ok(parses_str("{\"a\":\"h\xc3\xa9\"}"), "valid UTF-8 parses");
	ok(!parses_str("{\"a\":\"\xff\"}"), "invalid UTF-8 in a value is refused");
	ok(!parses_str("{\"\xc0\xaf\":1}"), "an overlong form in a name is refused");
	ok(!parses_str("{\"model\":\"a\\u0000b\"}"), "\\u0000 in a value is refused");
	ok(!parses_str("{\"a\\u0000b\":1}"), "\\u0000 in a member name is refused");
	ok(!parses(nul_raw, sizeof(nul_raw) - 1), "a raw NUL byte is refused");
	ok(parses_str("{\"a\":\"\\\\u0000\"}"), "an escaped backslash before u0000 is text, not a NUL");
	ok(parses_str("{\"a\":\"\\u0041\\ud83d\\ude00\"}"), "other escapes and a surrogate pair parse");
}

int
main(void)
{
	test_utf8();
	test_model_names();
	test_parse_input();
	return tap_done();
}
