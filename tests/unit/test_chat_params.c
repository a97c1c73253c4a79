/* test_chat_params.c - the Chat Completions request parser: tools,
 * tool_choice, tool turns, images, and each refusal's param. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "fcgi/chat_params.h"
#include "tap.h"

static struct chat_params P;
static char ERR[512], PARAM[128];

/* Parse body into P (freeing the last one); the return code. */
static int
parse(const char *body)
{
	chat_params_free(&P);
	return chat_params_parse(body, strlen(body), &P, ERR, sizeof(ERR), PARAM, sizeof(PARAM));
}

/* Expect a 400 naming param. */
static void
refused(const char *body, const char *param, const char *name)
{
	int rc = parse(body);

	is_int(rc, HUB_ERR_INVALID, "%s: refused", name);
	is_str(PARAM, param, "%s: param", name);
	ok(ERR[0] != '\0', "%s: with a message", name);
}

static char *
b64(const unsigned char *p, size_t n, int pad)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = malloc(n / 3 * 4 + 8), *w = o;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*w++ = a[p[i] >> 2];
		*w++ = a[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*w++ = a[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*w++ = a[p[i + 2] & 63];
	}
	if (n - i == 1) {
		*w++ = a[p[i] >> 2];
		*w++ = a[(p[i] & 3) << 4];
		if (pad) { *w++ = '='; *w++ = '='; }
	} else if (n - i == 2) {
		*w++ = a[p[i] >> 2];
		*w++ = a[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*w++ = a[(p[i + 1] & 15) << 2];
		if (pad) *w++ = '=';
	}
	*w = '\0';
	return o;
}

/* A user message with one image of type label holding bytes b[0..n). */
static char *
image_body(const char *label, const unsigned char *b, size_t n, int pad, const char *extra)
{
	char *data = b64(b, n, pad), *body = malloc(strlen(data) + 512);

	sprintf(body, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what is it\"},"
	    "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:%s;base64,%s\"%s}}]}]}", label, data,
	    extra ? extra : "");
	free(data);
	return body;
}

static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 1, 2 };
static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0 };
static const unsigned char gif[] = { 'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0 };
static const unsigned char webp[] = { 'R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' ' };

#define N8N_TOOLS "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"Calculator\"," \
	"\"description\":\"Useful for getting the result of a math expression.\"," \
	"\"parameters\":{\"type\":\"object\",\"properties\":{\"input\":{\"type\":\"string\"}}," \
	"\"additionalProperties\":false,\"$schema\":\"http://json-schema.org/draft-07/schema#\"}," \
	"\"strict\":false}}]"
#define USER "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"

static void
test_tools(void)
{
	char *big;
	size_t i;

	is_int(parse("{\"model\":\"sonnet\",\"stream\":false," N8N_TOOLS ","
	    "\"messages\":[{\"role\":\"user\",\"content\":\"What is 17 times 23? Use the calculator.\"}]}"),
	    HUB_OK, "n8n's first request is accepted");
	is_int(P.n_tools, 1, "one tool");
	is_str(P.tools[0].name, "Calculator", "its name");
	is_str(P.tools[0].description, "Useful for getting the result of a math expression.", "its description");
	ok(P.tools[0].parameters != NULL && strstr(P.tools[0].parameters, "\"additionalProperties\":false") &&
	    strstr(P.tools[0].parameters, "\"$schema\"") && !strstr(P.tools[0].parameters, ": "),
	    "its schema, compact, with additionalProperties and $schema");
	is_int(P.tool_choice, PROVIDER_TOOL_CHOICE_AUTO, "tool_choice defaults to auto");
	is_int(P.parallel_tool_calls, 1, "parallel_tool_calls defaults to true");

	is_int(parse("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"now\"}}]," USER "}"), HUB_OK,
	    "a tool without parameters");
	is_str(P.tools[0].parameters, "{\"type\":\"object\",\"properties\":{}}", "gets an empty object schema");
	ok(P.tools[0].description == NULL, "and no description");
	is_int(parse("{\"tools\":[]," USER "}"), HUB_OK, "an empty tools list");
	is_int(P.n_tools, 0, "is no tools");

	refused("{\"tools\":{}," USER "}", "tools", "tools not an array");
	refused("{\"tools\":[{\"type\":\"retrieval\"}]," USER "}", "tools[0].type", "a tool that is no function");
	refused("{\"tools\":[{\"type\":\"function\"}]," USER "}", "tools[0].function", "a tool without function");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a b\"}}]," USER "}",
	    "tools[0].function.name", "a name with a space");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"\"}}]," USER "}",
	    "tools[0].function.name", "an empty name");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
	    "\"a1234567890123456789012345678901234567890123456789012345678901234\"}}]," USER "}",
	    "tools[0].function.name", "a name of 65 characters");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\"}},"
	    "{\"type\":\"function\",\"function\":{\"name\":\"x\"}}]," USER "}",
	    "tools[1].function.name", "a name declared twice");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"description\":3}}]," USER "}",
	    "tools[0].function.description", "a description that is no string");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"strict\":\"yes\"}}]," USER "}",
	    "tools[0].function.strict", "strict that is no boolean");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"parameters\":[]}}]," USER "}",
	    "tools[0].function.parameters", "parameters that are no object");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"parameters\":{\"type\":\"string\"}}}]," USER "}",
	    "tools[0].function.parameters", "a schema of another type than object");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"parameters\":{\"type\":\"object\",\"properties\":[]}}}]," USER "}",
	    "tools[0].function.parameters", "properties that are no object");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"parameters\":{\"type\":\"object\",\"properties\":{\"a\":\"string\"}}}}]," USER "}",
	    "tools[0].function.parameters", "a property schema that is a string");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"parameters\":{\"type\":\"object\",\"required\":\"a\"}}}]," USER "}",
	    "tools[0].function.parameters", "required that is no array");
	refused("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"parameters\":{\"type\":\"object\",\"required\":[1]}}}]," USER "}",
	    "tools[0].function.parameters", "required with a number");

	/* 1,000 tools, and 129 */
	big = malloc(1000 * 64 + 256);
	strcpy(big, "{\"tools\":[");
	for (i = 0; i < 1000; i++)
		sprintf(big + strlen(big), "%s{\"type\":\"function\",\"function\":{\"name\":\"t%zu\"}}", i ? "," : "", i);
	strcat(big, "]," USER "}");
	refused(big, "tools", "1,000 tools");
	ok(strstr(ERR, "128") != NULL, "the message says the limit");
	strcpy(big, "{\"tools\":[");
	for (i = 0; i < 129; i++)
		sprintf(big + strlen(big), "%s{\"type\":\"function\",\"function\":{\"name\":\"t%zu\"}}", i ? "," : "", i);
	strcat(big, "]," USER "}");
	refused(big, "tools", "129 tools");
	strcpy(big, "{\"tools\":[");
	for (i = 0; i < 128; i++)
		sprintf(big + strlen(big), "%s{\"type\":\"function\",\"function\":{\"name\":\"t%zu\"}}", i ? "," : "", i);
	strcat(big, "]," USER "}");
	is_int(parse(big), HUB_OK, "128 tools are accepted");
	free(big);

	/* a 1 MB schema */
	big = malloc(1100 * 1024);
	strcpy(big, "{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"parameters\":{\"type\":\"object\","
	    "\"properties\":{\"a\":{\"type\":\"string\",\"description\":\"");
	i = strlen(big);
	memset(big + i, 'd', 1024 * 1024);
	strcpy(big + i + 1024 * 1024, "\"}}}}}]," USER "}");
	refused(big, "tools", "a 1 MB schema");
	free(big);
}

static void
test_tool_choice(void)
{
	is_int(parse("{" N8N_TOOLS ",\"tool_choice\":\"none\"," USER "}"), HUB_OK, "tool_choice none");
	is_int(P.tool_choice, PROVIDER_TOOL_CHOICE_NONE, "is none");
	is_int(parse("{" N8N_TOOLS ",\"tool_choice\":\"required\"," USER "}"), HUB_OK, "tool_choice required");
	is_int(P.tool_choice, PROVIDER_TOOL_CHOICE_REQUIRED, "is required");
	is_int(parse("{" N8N_TOOLS ",\"tool_choice\":\"auto\",\"parallel_tool_calls\":false," USER "}"), HUB_OK,
	    "tool_choice auto, parallel_tool_calls false");
	is_int(P.tool_choice, PROVIDER_TOOL_CHOICE_AUTO, "is auto");
	is_int(P.parallel_tool_calls, 0, "parallel_tool_calls false");
	is_int(parse("{" N8N_TOOLS ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"Calculator\"}}," USER "}"),
	    HUB_OK, "a named tool_choice");
	is_int(P.tool_choice, PROVIDER_TOOL_CHOICE_NAMED, "is named");
	is_str(P.tool_choice_name, "Calculator", "with its name");
	refused("{" N8N_TOOLS ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"Other\"}}," USER "}",
	    "tool_choice", "a named tool_choice that is not declared");
	refused("{" N8N_TOOLS ",\"tool_choice\":{\"type\":\"function\"}," USER "}", "tool_choice",
	    "a tool_choice object without function");
	refused("{" N8N_TOOLS ",\"tool_choice\":\"always\"," USER "}", "tool_choice", "an unknown tool_choice");
	refused("{" N8N_TOOLS ",\"tool_choice\":3," USER "}", "tool_choice", "a tool_choice number");
	refused("{\"tool_choice\":\"required\"," USER "}", "tool_choice", "required without tools");
	refused("{" N8N_TOOLS ",\"parallel_tool_calls\":\"no\"," USER "}", "parallel_tool_calls",
	    "parallel_tool_calls that is no boolean");
	refused("{\"functions\":[{\"name\":\"x\"}]," USER "}", "functions", "the legacy functions");
	ok(strstr(ERR, "tools") != NULL, "says to send tools");
	refused("{\"function_call\":\"auto\"," USER "}", "function_call", "the legacy function_call");
}

#define CALL(args) "{\"role\":\"assistant\",\"content\":[],\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\"," \
	"\"function\":{\"name\":\"Calculator\",\"arguments\":" args "}}]}"

static void
test_tool_turns(void)
{
	/* n8n's second request: content [] and tool/id keys inside the arguments */
	is_int(parse("{\"model\":\"sonnet\"," N8N_TOOLS ",\"messages\":["
	    "{\"role\":\"user\",\"content\":\"What is 17 times 23? Use the calculator.\"},"
	    CALL("\"{\\\"input\\\": \\\"17*23\\\", \\\"tool\\\": \\\"Calculator\\\", \\\"id\\\": \\\"call_1\\\"}\"") ","
	    "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"391\"}]}"), HUB_OK,
	    "n8n's second request is accepted");
	is_int(P.n_messages, 3, "three messages");
	is_str(P.messages[1].role, "assistant", "the assistant message");
	is_str(P.messages[1].content, "", "with content \"\" from []");
	is_int(P.messages[1].n_tool_calls, 1, "one call");
	is_str(P.messages[1].tool_calls[0].id, "call_1", "its id");
	is_str(P.messages[1].tool_calls[0].name, "Calculator", "its name");
	is_str(P.messages[1].tool_calls[0].arguments,
	    "{\"input\":\"17*23\",\"tool\":\"Calculator\",\"id\":\"call_1\"}", "its arguments, compact, extra keys kept");
	is_str(P.messages[2].role, "tool", "the tool message");
	is_str(P.messages[2].tool_call_id, "call_1", "its tool_call_id");
	is_str(P.messages[2].content, "391", "its content");

	is_int(parse("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
	    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}},"
	    "{\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]},"
	    "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":[{\"type\":\"text\",\"text\":\"one\"}]},"
	    "{\"role\":\"tool\",\"tool_call_id\":\"c2\",\"content\":\"\"}]}"), HUB_OK,
	    "content null, two calls, text-part and empty tool results");
	is_int(P.n_calls, 2, "two calls in the pool");
	is_str(P.messages[1].tool_calls[0].arguments, "{}", "arguments \"\" are {}");
	is_str(P.messages[2].content, "one", "a tool result from text parts");
	is_int(parse("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
	    "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"c1\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
	    "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"x\"},{\"role\":\"user\",\"content\":\"and?\"}]}"),
	    HUB_OK, "content \"\", a call without type, then a user message");
	is_int(parse("{\"messages\":[{\"role\":\"assistant\",\"content\":\"hi\",\"tool_calls\":[]},"
	    "{\"role\":\"user\",\"content\":\"a\"}]}"), HUB_OK, "an empty tool_calls list");
	is_int(P.messages[0].n_tool_calls, 0, "is no calls");

	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}," CALL("{}") "]}",
	    "messages[1].tool_calls[0].function.arguments", "arguments that are an object, not a string");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}," CALL("\"[1]\"") ","
	    "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"x\"}]}",
	    "messages[1].tool_calls[0].function.arguments", "arguments holding an array");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}," CALL("\"{nope\"") ","
	    "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"x\"}]}",
	    "messages[1].tool_calls[0].function.arguments", "arguments that are no JSON");
	refused("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
	    "{\"role\":\"user\",\"content\":\"a\"}]}", "messages[0].tool_calls[0].id", "a call without id");
	refused("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"code\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
	    "{\"role\":\"user\",\"content\":\"a\"}]}", "messages[0].tool_calls[0].type", "a call of another type");
	refused("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f g\",\"arguments\":\"{}\"}}]},"
	    "{\"role\":\"user\",\"content\":\"a\"}]}", "messages[0].tool_calls[0].function.name", "a call with a bad name");
	refused("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\"}]},"
	    "{\"role\":\"user\",\"content\":\"a\"}]}", "messages[0].tool_calls[0].function", "a call without function");
	refused("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":{}},{\"role\":\"user\",\"content\":\"a\"}]}",
	    "messages[0].tool_calls", "tool_calls that is no array");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\",\"tool_calls\":[]}]}",
	    "messages[0].tool_calls", "tool_calls on a user message");
	refused("{\"messages\":[{\"role\":\"assistant\",\"content\":null},{\"role\":\"user\",\"content\":\"a\"}]}",
	    "messages[0].content", "content null without tool calls");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"tool\",\"content\":\"391\"}]}",
	    "messages[1].tool_call_id", "a tool message without tool_call_id");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"tool\",\"tool_call_id\":7,\"content\":\"391\"}]}",
	    "messages[1].tool_call_id", "a tool_call_id that is no string");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"tool\",\"tool_call_id\":\"\",\"content\":\"391\"}]}",
	    "messages[1].tool_call_id", "an empty tool_call_id");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"function\",\"name\":\"f\",\"content\":\"391\"}]}",
	    "messages[1].role", "the legacy role function");
	refused("{\"messages\":[{\"role\":\"assistant\",\"content\":\"\",\"function_call\":{\"name\":\"f\",\"arguments\":\"{}\"}},"
	    "{\"role\":\"user\",\"content\":\"a\"}]}", "messages[0].function_call", "a legacy function_call message");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}," CALL("\"{}\"") "]}", "messages",
	    "a conversation ending with the assistant's calls");
	refused("{\"messages\":[{\"role\":\"robot\",\"content\":\"a\"}]}", "messages[0].role", "an unknown role");
}

static void
test_images(void)
{
	struct hub_config cfg;
	char *body, *big;
	unsigned char *bytes;
	size_t i;

	body = image_body("image/png", png, sizeof(png), 1, ",\"detail\":\"low\"");
	is_int(parse(body), HUB_OK, "a PNG data: URL with detail");
	is_int(P.messages[0].n_images, 1, "one image");
	is_str(P.messages[0].images[0].media_type, "image/png", "image/png");
	is_int(P.messages[0].images[0].size, sizeof(png), "its decoded size");
	is_str(P.messages[0].content, "what is it", "the text beside it");
	free(body);
	body = image_body("image/jpeg", jpeg, sizeof(jpeg), 1, NULL);
	is_int(parse(body), HUB_OK, "a JPEG");
	is_str(P.messages[0].images[0].media_type, "image/jpeg", "image/jpeg");
	free(body);
	body = image_body("image/jpg", jpeg, sizeof(jpeg), 1, NULL);
	is_int(parse(body), HUB_OK, "image/jpg is JPEG");
	is_str(P.messages[0].images[0].media_type, "image/jpeg", "named image/jpeg");
	free(body);
	body = image_body("image/gif", gif, sizeof(gif), 0, NULL);
	is_int(parse(body), HUB_OK, "an unpadded GIF");
	ok(strlen(P.messages[0].images[0].base64) % 4 == 0, "handed on padded");
	free(body);
	body = image_body("image/webp", webp, sizeof(webp), 1, NULL);
	is_int(parse(body), HUB_OK, "a WebP");
	free(body);

	body = image_body("image/jpeg", png, sizeof(png), 1, NULL);
	refused(body, "messages[0].content[1].image_url.url", "a PNG labelled image/jpeg");
	ok(strstr(ERR, "PNG") != NULL, "the message says what the bytes are");
	free(body);
	body = image_body("image/png", (const unsigned char *)"plain text, no image", 20, 1, NULL);
	refused(body, "messages[0].content[1].image_url.url", "text labelled image/png");
	free(body);
	body = image_body("image/svg+xml", png, sizeof(png), 1, NULL);
	refused(body, "messages[0].content[1].image_url.url", "an SVG");
	free(body);
	body = image_body("image/png", png, sizeof(png), 1, ",\"detail\":\"ultra\"");
	refused(body, "messages[0].content[1].image_url.detail", "an unknown detail");
	free(body);
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
	    "\"https://example.com/cat.png\"}}]}]}", "messages[0].content[0].image_url.url", "a remote https URL");
	ok(strstr(ERR, "data: URL") != NULL, "the message says to send a data: URL");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
	    "\"HTTP://10.0.0.1/x.png\"}}]}]}", "messages[0].content[0].image_url.url", "a remote http URL");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
	    "\"data:image/png;base64,@@@@\"}}]}]}", "messages[0].content[0].image_url.url", "data that is no base64");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
	    "\"data:image/png,rawbytes\"}}]}]}", "messages[0].content[0].image_url.url", "a data: URL without base64");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]}",
	    "messages[0].content[0].image_url.url", "an image_url without url");
	is_int(parse("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":"
	    "\"data:image/gif;base64,R0lGODlhAQABAA==\"}]}]}"), HUB_OK, "image_url as a plain string, without text");
	is_str(P.messages[0].content, "", "no text is \"\"");
	refused("{\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"image_url\",\"image_url\":"
	    "\"data:image/gif;base64,R0lGODlhAQABAA==\"}]},{\"role\":\"user\",\"content\":\"a\"}]}",
	    "messages[0].content[0]", "an image in an assistant message");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{}}]}]}",
	    "messages[0].content[0]", "an audio part");

	/* 33 images */
	big = malloc(33 * 80 + 128);
	strcpy(big, "{\"messages\":[{\"role\":\"user\",\"content\":[");
	for (i = 0; i < 33; i++)
		sprintf(big + strlen(big), "%s{\"type\":\"image_url\",\"image_url\":\"data:image/gif;base64,R0lGODlhAQABAA==\"}",
		    i ? "," : "");
	strcat(big, "]}]}");
	refused(big, "messages[0].content", "33 images");
	free(big);

	/* the caps, from the configuration */
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_image_bytes = 1000;
	cfg.max_request_image_bytes = 1500;
	hub_cfg = &cfg;
	bytes = calloc(1, 1200);
	memcpy(bytes, png, sizeof(png));
	body = image_body("image/png", bytes, 1001, 1, NULL);
	refused(body, "messages[0].content[1].image_url.url", "an image over HUB_MAX_IMAGE_BYTES");
	ok(strstr(ERR, "HUB_MAX_IMAGE_BYTES") != NULL, "names the setting");
	free(body);
	body = image_body("image/png", bytes, 1000, 1, NULL);
	is_int(parse(body), HUB_OK, "an image at the cap");
	free(body);
	{
		char *d = b64(bytes, 800, 1);

		big = malloc(2 * strlen(d) + 512);
		sprintf(big, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"data:image/png;base64,%s\"}]},"
		    "{\"role\":\"assistant\",\"content\":\"ok\"},"
		    "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"data:image/png;base64,%s\"}]}]}", d, d);
		refused(big, "messages[2].content[0].image_url.url", "images over HUB_MAX_REQUEST_IMAGE_BYTES together");
		ok(strstr(ERR, "HUB_MAX_REQUEST_IMAGE_BYTES") != NULL, "names the setting");
		free(big);
		free(d);
	}
	hub_cfg = NULL;
	free(bytes);
}

static void
test_basics(void)
{
	is_int(parse("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
	    "{\"type\":\"text\",\"text\":\"b\"}]}]}"), HUB_OK, "text parts");
	is_str(P.messages[0].content, "a\nb", "joined by newlines");
	ok(P.messages[0].images == NULL && P.messages[0].n_images == 0, "no images");
	refused("{\"messages\":[]}", "messages", "no messages");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}]}",
	    "messages", "the last message from the assistant");
}

int
main(void)
{
	memset(&P, 0, sizeof(P));
	test_basics();
	test_tools();
	test_tool_choice();
	test_tool_turns();
	test_images();
	chat_params_free(&P);
	return tap_done();
}
