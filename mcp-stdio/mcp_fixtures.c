/*
 * mcp_fixtures.c - the conformance suites' fixtures (test binaries only;
 * see mcp_fixtures.h). Each fixture does what the suite's scenario text
 * asks of it, and nothing of the hub's own state is touched.
 *
 * 2026-07-28 "input required" fixtures are stateless: what a later round
 * needs travels in requestState, "<payload>.<hex HMAC-SHA256>", so that
 * a tampered state is refused with -32602.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/sha256.h"
#include "mcp.h"
#include "mcp_fixtures.h"

/* A 1x1 red PNG and a silent WAV. */
#define MCP_FIXTURES_PNG "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
#define MCP_FIXTURES_WAV "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA="
#define MCP_FIXTURES_STATE_KEY "llm-mcp-hub conformance fixtures"
#define MCP_FIXTURES_NOARGS "\"inputSchema\":{\"type\":\"object\",\"properties\":{}}"

static const char mcp_fixtures_tools_json[] =
"["
"{\"name\":\"test_simple_text\",\"description\":\"Fixture: simple text.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_image_content\",\"description\":\"Fixture: an image.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_audio_content\",\"description\":\"Fixture: audio.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_embedded_resource\",\"description\":\"Fixture: an embedded resource.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_multiple_content_types\",\"description\":\"Fixture: text, image, resource.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_tool_with_logging\",\"description\":\"Fixture: three log messages.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_logging_tool\",\"description\":\"Fixture: logs only when asked to.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_error_handling\",\"description\":\"Fixture: always an error.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_tool_with_progress\",\"description\":\"Fixture: progress 0, 50, 100.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_missing_capability\",\"description\":\"Fixture: needs the sampling capability.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_streaming_elicitation\",\"description\":\"Fixture: asks for input (2026-07-28).\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_input_required_result_elicitation\",\"description\":\"Fixture: input required.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_input_required_result_sampling\",\"description\":\"Fixture: input required.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_input_required_result_list_roots\",\"description\":\"Fixture: input required.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_input_required_result_request_state\",\"description\":\"Fixture: input required.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_input_required_result_multiple_inputs\",\"description\":\"Fixture: input required.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_input_required_result_multi_round\",\"description\":\"Fixture: input required.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_input_required_result_tampered_state\",\"description\":\"Fixture: input required.\"," MCP_FIXTURES_NOARGS "},"
"{\"name\":\"test_input_required_result_capabilities\",\"description\":\"Fixture: input required.\"," MCP_FIXTURES_NOARGS "}"
"]";

static const char mcp_fixtures_prompts_json[] =
"["
"{\"name\":\"test_simple_prompt\",\"description\":\"Fixture prompt.\"},"
"{\"name\":\"test_prompt_with_arguments\",\"description\":\"Fixture prompt.\",\"arguments\":["
" {\"name\":\"arg1\",\"description\":\"First test argument\",\"required\":true},"
" {\"name\":\"arg2\",\"description\":\"Second test argument\",\"required\":true}]},"
"{\"name\":\"test_prompt_with_embedded_resource\",\"description\":\"Fixture prompt.\",\"arguments\":["
" {\"name\":\"resourceUri\",\"description\":\"URI of the resource to embed\",\"required\":true}]},"
"{\"name\":\"test_prompt_with_image\",\"description\":\"Fixture prompt.\"},"
"{\"name\":\"test_input_required_result_prompt\",\"description\":\"Fixture prompt: input required.\"}"
"]";

static const char mcp_fixtures_resources_json[] =
"["
"{\"uri\":\"test://static-text\",\"name\":\"static-text\",\"description\":\"Fixture text.\",\"mimeType\":\"text/plain\"},"
"{\"uri\":\"test://static-binary\",\"name\":\"static-binary\",\"description\":\"Fixture PNG.\",\"mimeType\":\"image/png\"},"
"{\"uri\":\"test://watched-resource\",\"name\":\"watched-resource\",\"description\":\"Fixture to subscribe to.\",\"mimeType\":\"text/plain\"}"
"]";

static const char mcp_fixtures_templates_json[] =
"[{\"uriTemplate\":\"test://template/{id}/data\",\"name\":\"template\",\"description\":\"Fixture template.\","
" \"mimeType\":\"application/json\"}]";

struct json_object *
mcp_fixtures_tools(void)
{
	return json_tokener_parse(mcp_fixtures_tools_json);
}

struct json_object *
mcp_fixtures_prompts(void)
{
	return json_tokener_parse(mcp_fixtures_prompts_json);
}

struct json_object *
mcp_fixtures_resources(void)
{
	return json_tokener_parse(mcp_fixtures_resources_json);
}

struct json_object *
mcp_fixtures_templates(void)
{
	return json_tokener_parse(mcp_fixtures_templates_json);
}

/* ------------------------------------------------------------ content */

static struct json_object *
mcp_fixtures_text(const char *text)
{
	struct json_object *b = json_object_new_object();

	json_object_object_add(b, "type", json_object_new_string("text"));
	json_object_object_add(b, "text", json_object_new_string(text));
	return b;
}

static struct json_object *
mcp_fixtures_media(const char *type, const char *data, const char *mime)
{
	struct json_object *b = json_object_new_object();

	json_object_object_add(b, "type", json_object_new_string(type));
	json_object_object_add(b, "data", json_object_new_string(data));
	json_object_object_add(b, "mimeType", json_object_new_string(mime));
	return b;
}

static struct json_object *
mcp_fixtures_embedded(const char *uri, const char *mime, const char *text)
{
	struct json_object *b = json_object_new_object(), *r = json_object_new_object();

	json_object_object_add(r, "uri", json_object_new_string(uri));
	json_object_object_add(r, "mimeType", json_object_new_string(mime));
	json_object_object_add(r, "text", json_object_new_string(text));
	json_object_object_add(b, "type", json_object_new_string("resource"));
	json_object_object_add(b, "resource", r);
	return b;
}

/* A CallToolResult of up to three blocks (NULL ends the list; taken). */
static struct json_object *
mcp_fixtures_result(struct json_object *a, struct json_object *b, struct json_object *c, int is_error)
{
	struct json_object *res = json_object_new_object(), *content = json_object_new_array();

	json_object_array_add(content, a);
	if (b != NULL)
		json_object_array_add(content, b);
	if (c != NULL)
		json_object_array_add(content, c);
	json_object_object_add(res, "content", content);
	if (is_error)
		json_object_object_add(res, "isError", json_object_new_boolean(1));
	return res;
}

static void
mcp_fixtures_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
mcp_fixtures_progress(const struct mcp_tool_ctx *ctx, int progress)
{
	struct json_object *p;

	if (ctx->notify == NULL || ctx->progress_token == NULL || (p = json_object_new_object()) == NULL)
		return;
	json_object_object_add(p, "progressToken", json_object_get(ctx->progress_token));
	json_object_object_add(p, "progress", json_object_new_int(progress));
	json_object_object_add(p, "total", json_object_new_int(100));
	ctx->notify(ctx->arg, "notifications/progress", p);
}

/* ------------------------------------------------------------ input required */

/* Answer a JSON-RPC error through ctx->error; returns HUB_ERR_INVALID. */
static int
mcp_fixtures_error(const struct mcp_tool_ctx *ctx, int code, const char *message, struct json_object *data)
{
	if (ctx->error == NULL) {
		json_object_put(data);
		return HUB_ERR_INVALID;
	}
	ctx->error->code = code;
	snprintf(ctx->error->message, sizeof(ctx->error->message), "%s", message);
	ctx->error->data = data;
	return HUB_ERR_INVALID;
}

/* payload + "." + HMAC-SHA256(key, payload) in hex. */
static void
mcp_fixtures_sign(const char *payload, char *out, size_t outlen)
{
	unsigned char ipad[64], opad[64], inner[SHA256_DIGEST_LEN], mac[SHA256_DIGEST_LEN];
	char hex[SHA256_DIGEST_LEN * 2 + 1];
	struct sha256_ctx c;
	size_t i, klen = strlen(MCP_FIXTURES_STATE_KEY);

	memset(ipad, 0x36, sizeof(ipad));
	memset(opad, 0x5c, sizeof(opad));
	for (i = 0; i < klen; i++) {
		ipad[i] ^= (unsigned char)MCP_FIXTURES_STATE_KEY[i];
		opad[i] ^= (unsigned char)MCP_FIXTURES_STATE_KEY[i];
	}
	sha256_init(&c);
	sha256_update(&c, ipad, sizeof(ipad));
	sha256_update(&c, payload, strlen(payload));
	sha256_final(&c, inner);
	sha256_init(&c);
	sha256_update(&c, opad, sizeof(opad));
	sha256_update(&c, inner, sizeof(inner));
	sha256_final(&c, mac);
	sha256_hex(mac, hex);
	snprintf(out, outlen, "%s.%s", payload, hex);
}

/* 1 when params.requestState is want, signed by us. */
static int
mcp_fixtures_state_is(const struct mcp_tool_ctx *ctx, const char *want)
{
	const char *got = hub_json_get_string(ctx->params, "requestState");
	char expect[200];

	if (got == NULL)
		return 0;
	mcp_fixtures_sign(want, expect, sizeof(expect));
	return strcmp(got, expect) == 0;
}

/*
 * The input response called key: 1 with *resp (borrowed) when present and
 * an object, 0 when absent, -1 when inputResponses or it is malformed.
 */
static int
mcp_fixtures_input(const struct mcp_tool_ctx *ctx, const char *key, struct json_object **resp)
{
	struct json_object *all = NULL, *v = NULL;

	*resp = NULL;
	if (ctx->params == NULL || !json_object_object_get_ex(ctx->params, "inputResponses", &all))
		return 0;
	if (all == NULL || !json_object_is_type(all, json_type_object))
		return -1;
	if (!json_object_object_get_ex(all, key, &v))
		return 0;
	if (v == NULL || !json_object_is_type(v, json_type_object))
		return -1;
	*resp = v;
	return 1;
}

static struct json_object *
mcp_fixtures_elicit_request(const char *message, const char *field, const char *type)
{
	struct json_object *r = json_object_new_object(), *p = json_object_new_object();
	struct json_object *schema = json_object_new_object(), *props = json_object_new_object();
	struct json_object *f = json_object_new_object(), *req = json_object_new_array();

	json_object_object_add(f, "type", json_object_new_string(type));
	json_object_object_add(props, field, f);
	json_object_array_add(req, json_object_new_string(field));
	json_object_object_add(schema, "type", json_object_new_string("object"));
	json_object_object_add(schema, "properties", props);
	json_object_object_add(schema, "required", req);
	json_object_object_add(p, "message", json_object_new_string(message));
	json_object_object_add(p, "requestedSchema", schema);
	json_object_object_add(r, "method", json_object_new_string("elicitation/create"));
	json_object_object_add(r, "params", p);
	return r;
}

static struct json_object *
mcp_fixtures_sampling_request(const char *text, int max_tokens)
{
	struct json_object *r = json_object_new_object(), *p = json_object_new_object();
	struct json_object *msgs = json_object_new_array(), *m = json_object_new_object();

	json_object_object_add(m, "role", json_object_new_string("user"));
	json_object_object_add(m, "content", mcp_fixtures_text(text));
	json_object_array_add(msgs, m);
	json_object_object_add(p, "messages", msgs);
	json_object_object_add(p, "maxTokens", json_object_new_int(max_tokens));
	json_object_object_add(r, "method", json_object_new_string("sampling/createMessage"));
	json_object_object_add(r, "params", p);
	return r;
}

static struct json_object *
mcp_fixtures_roots_request(void)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "method", json_object_new_string("roots/list"));
	json_object_object_add(r, "params", json_object_new_object());
	return r;
}

/* An InputRequiredResult with requests (taken) and, when state is not
 * NULL, a signed requestState. */
static struct json_object *
mcp_fixtures_input_required(struct json_object *requests, const char *state)
{
	struct json_object *res = json_object_new_object();
	char signed_state[200];

	json_object_object_add(res, "resultType", json_object_new_string("input_required"));
	json_object_object_add(res, "inputRequests", requests);
	if (state != NULL) {
		mcp_fixtures_sign(state, signed_state, sizeof(signed_state));
		json_object_object_add(res, "requestState", json_object_new_string(signed_state));
	}
	return res;
}

/* One request under key (taken) as a new inputRequests object. */
static struct json_object *
mcp_fixtures_one(const char *key, struct json_object *request)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, request);
	return o;
}

/* A string member of an elicitation response's content, or "". */
static const char *
mcp_fixtures_content(struct json_object *resp, const char *field)
{
	struct json_object *c = NULL;
	const char *v;

	json_object_object_get_ex(resp, "content", &c);
	v = hub_json_get_string(c, field);
	return v != NULL ? v : "";
}

/* 1 when the client declared capability name. */
static int
mcp_fixtures_has_cap(const struct mcp_tool_ctx *ctx, const char *name)
{
	struct json_object *v;

	return ctx->client_caps != NULL && json_object_object_get_ex(ctx->client_caps, name, &v);
}

static int
mcp_fixtures_bad_input(const struct mcp_tool_ctx *ctx)
{
	return mcp_fixtures_error(ctx, MCP_INVALID_PARAMS,
	    "Invalid params: inputResponses must be an object of response objects", NULL);
}

/* The input-required tools; 0/HUB_ERR_INVALID as mcp_fixtures_call(). */
static int
mcp_fixtures_input_tool(const char *name, const struct mcp_tool_ctx *ctx, struct json_object **result)
{
	struct json_object *a = NULL, *b = NULL, *c = NULL, *reqs;
	char text[300];
	int ra, rb, rc;

	if (!ctx->modern) {
		*result = mcp_fixtures_result(mcp_fixtures_text("input required results need protocol 2026-07-28"),
		    NULL, NULL, 1);
		return HUB_OK;
	}
	if (strcmp(name, "test_input_required_result_elicitation") == 0 ||
	    strcmp(name, "test_streaming_elicitation") == 0) {
		if ((ra = mcp_fixtures_input(ctx, "user_name", &a)) < 0)
			return mcp_fixtures_bad_input(ctx);
		if (ra == 0) {
			*result = mcp_fixtures_input_required(mcp_fixtures_one("user_name",
			    mcp_fixtures_elicit_request("What is your name?", "name", "string")), NULL);
			return HUB_OK;
		}
		snprintf(text, sizeof(text), "Hello, %.200s!", mcp_fixtures_content(a, "name"));
	} else if (strcmp(name, "test_input_required_result_sampling") == 0) {
		if ((ra = mcp_fixtures_input(ctx, "capital_question", &a)) < 0)
			return mcp_fixtures_bad_input(ctx);
		if (ra == 0) {
			*result = mcp_fixtures_input_required(mcp_fixtures_one("capital_question",
			    mcp_fixtures_sampling_request("What is the capital of France?", 100)), NULL);
			return HUB_OK;
		}
		json_object_object_get_ex(a, "content", &b);
		snprintf(text, sizeof(text), "The model said: %.200s", hub_json_get_string(b, "text") ?
		    hub_json_get_string(b, "text") : "");
	} else if (strcmp(name, "test_input_required_result_list_roots") == 0) {
		if ((ra = mcp_fixtures_input(ctx, "client_roots", &a)) < 0)
			return mcp_fixtures_bad_input(ctx);
		if (ra == 0) {
			*result = mcp_fixtures_input_required(mcp_fixtures_one("client_roots",
			    mcp_fixtures_roots_request()), NULL);
			return HUB_OK;
		}
		json_object_object_get_ex(a, "roots", &b);
		snprintf(text, sizeof(text), "Roots: %.250s", b != NULL ? hub_json_compact(b) : "[]");
	} else if (strcmp(name, "test_input_required_result_request_state") == 0 ||
	    strcmp(name, "test_input_required_result_tampered_state") == 0) {
		if ((ra = mcp_fixtures_input(ctx, "confirm", &a)) < 0)
			return mcp_fixtures_bad_input(ctx);
		if (ra == 0) {
			*result = mcp_fixtures_input_required(mcp_fixtures_one("confirm",
			    mcp_fixtures_elicit_request("Please confirm", "ok", "boolean")), "confirm");
			return HUB_OK;
		}
		if (!mcp_fixtures_state_is(ctx, "confirm"))
			return mcp_fixtures_error(ctx, MCP_INVALID_PARAMS,
			    "Invalid params: requestState failed its integrity check", NULL);
		snprintf(text, sizeof(text), "Confirmed; state-ok");
	} else if (strcmp(name, "test_input_required_result_multiple_inputs") == 0) {
		ra = mcp_fixtures_input(ctx, "user_name", &a);
		rb = mcp_fixtures_input(ctx, "greeting", &b);
		rc = mcp_fixtures_input(ctx, "client_roots", &c);
		if (ra < 0 || rb < 0 || rc < 0)
			return mcp_fixtures_bad_input(ctx);
		if (ra == 0 || rb == 0 || rc == 0 || !mcp_fixtures_state_is(ctx, "multiple")) {
			reqs = json_object_new_object();
			json_object_object_add(reqs, "user_name",
			    mcp_fixtures_elicit_request("What is your name?", "name", "string"));
			json_object_object_add(reqs, "greeting", mcp_fixtures_sampling_request("Generate a greeting", 50));
			json_object_object_add(reqs, "client_roots", mcp_fixtures_roots_request());
			*result = mcp_fixtures_input_required(reqs, "multiple");
			return HUB_OK;
		}
		snprintf(text, sizeof(text), "All inputs received; name %.100s", mcp_fixtures_content(a, "name"));
	} else if (strcmp(name, "test_input_required_result_multi_round") == 0) {
		ra = mcp_fixtures_input(ctx, "step1", &a);
		rb = mcp_fixtures_input(ctx, "step2", &b);
		if (ra < 0 || rb < 0)
			return mcp_fixtures_bad_input(ctx);
		if (rb == 1 && mcp_fixtures_state_is(ctx, "round2")) {
			snprintf(text, sizeof(text), "Done: favourite colour %.100s", mcp_fixtures_content(b, "color"));
		} else if (ra == 1 && mcp_fixtures_state_is(ctx, "round1")) {
			*result = mcp_fixtures_input_required(mcp_fixtures_one("step2",
			    mcp_fixtures_elicit_request("Step 2: What is your favorite color?", "color", "string")),
			    "round2");
			return HUB_OK;
		} else {
			*result = mcp_fixtures_input_required(mcp_fixtures_one("step1",
			    mcp_fixtures_elicit_request("Step 1: What is your name?", "name", "string")), "round1");
			return HUB_OK;
		}
	} else {   /* test_input_required_result_capabilities */
		reqs = json_object_new_object();
		if (mcp_fixtures_has_cap(ctx, "sampling") && mcp_fixtures_input(ctx, "question", &a) == 0)
			json_object_object_add(reqs, "question", mcp_fixtures_sampling_request("Say hello", 20));
		if (mcp_fixtures_has_cap(ctx, "elicitation") && mcp_fixtures_input(ctx, "user_name", &b) == 0)
			json_object_object_add(reqs, "user_name",
			    mcp_fixtures_elicit_request("What is your name?", "name", "string"));
		if (json_object_object_length(reqs) > 0) {
			*result = mcp_fixtures_input_required(reqs, NULL);
			return HUB_OK;
		}
		json_object_put(reqs);
		snprintf(text, sizeof(text), "Nothing more is needed");
	}
	*result = mcp_fixtures_result(mcp_fixtures_text(text), NULL, NULL, 0);
	return HUB_OK;
}

int
mcp_fixtures_call(const char *name, struct json_object *arguments,
    const struct mcp_tool_ctx *ctx, struct json_object **result)
{
	struct json_object *data;
	int i;

	(void)arguments;
	*result = NULL;
	if (strcmp(name, "test_simple_text") == 0) {
		*result = mcp_fixtures_result(mcp_fixtures_text("This is a simple text response for testing."),
		    NULL, NULL, 0);
	} else if (strcmp(name, "test_image_content") == 0) {
		*result = mcp_fixtures_result(mcp_fixtures_media("image", MCP_FIXTURES_PNG, "image/png"), NULL, NULL, 0);
	} else if (strcmp(name, "test_audio_content") == 0) {
		*result = mcp_fixtures_result(mcp_fixtures_media("audio", MCP_FIXTURES_WAV, "audio/wav"), NULL, NULL, 0);
	} else if (strcmp(name, "test_embedded_resource") == 0) {
		*result = mcp_fixtures_result(mcp_fixtures_embedded("test://embedded-resource", "text/plain",
		    "This is an embedded resource content."), NULL, NULL, 0);
	} else if (strcmp(name, "test_multiple_content_types") == 0) {
		*result = mcp_fixtures_result(mcp_fixtures_text("Multiple content types test:"),
		    mcp_fixtures_media("image", MCP_FIXTURES_PNG, "image/png"),
		    mcp_fixtures_embedded("test://mixed-content-resource", "application/json",
		    "{\"test\":\"data\",\"value\":123}"), 0);
	} else if (strcmp(name, "test_tool_with_logging") == 0 || strcmp(name, "test_logging_tool") == 0) {
		mcp_tools_log(ctx, "info", "Tool execution started");
		mcp_fixtures_sleep_ms(50);
		mcp_tools_log(ctx, "info", "Tool processing data");
		mcp_fixtures_sleep_ms(50);
		mcp_tools_log(ctx, "info", "Tool execution completed");
		*result = mcp_fixtures_result(mcp_fixtures_text("Tool with logging executed successfully"),
		    NULL, NULL, 0);
	} else if (strcmp(name, "test_error_handling") == 0) {
		*result = mcp_fixtures_result(mcp_fixtures_text("This tool intentionally returns an error for testing"),
		    NULL, NULL, 1);
	} else if (strcmp(name, "test_tool_with_progress") == 0) {
		for (i = 0; i <= 100; i += 50) {
			if (i > 0)
				mcp_fixtures_sleep_ms(50);
			mcp_fixtures_progress(ctx, i);
		}
		*result = mcp_fixtures_result(mcp_fixtures_text("Progress tool completed"), NULL, NULL, 0);
	} else if (strcmp(name, "test_missing_capability") == 0) {
		if (!mcp_fixtures_has_cap(ctx, "sampling")) {
			data = json_object_new_object();
			json_object_object_add(data, "requiredCapabilities", json_object_new_object());
			json_object_object_add(json_object_object_get(data, "requiredCapabilities"), "sampling",
			    json_object_new_object());
			return mcp_fixtures_error(ctx, MCP_MISSING_CLIENT_CAPABILITY,
			    "Missing required client capability: sampling", data);
		}
		*result = mcp_fixtures_result(mcp_fixtures_text("The client declared sampling"), NULL, NULL, 0);
	} else if (strncmp(name, "test_input_required_result_", 27) == 0 ||
	    strcmp(name, "test_streaming_elicitation") == 0) {
		return mcp_fixtures_input_tool(name, ctx, result);
	} else {
		return HUB_ERR_NOT_FOUND;
	}
	return *result != NULL ? HUB_OK : HUB_ERR_NOMEM;
}

/* ------------------------------------------------------------ resources */

/* A ReadResourceResult of one content, text or (blob != 0) base64. */
static struct json_object *
mcp_fixtures_contents(const char *uri, const char *mime, const char *data, int blob)
{
	struct json_object *res = json_object_new_object(), *list = json_object_new_array();
	struct json_object *c = json_object_new_object();

	json_object_object_add(c, "uri", json_object_new_string(uri));
	json_object_object_add(c, "mimeType", json_object_new_string(mime));
	json_object_object_add(c, blob ? "blob" : "text", json_object_new_string(data));
	json_object_array_add(list, c);
	json_object_object_add(res, "contents", list);
	return res;
}

int
mcp_fixtures_read(const char *uri, struct json_object **result)
{
	char id[64], text[200];
	const char *end;
	size_t n;

	*result = NULL;
	if (strcmp(uri, "test://static-text") == 0) {
		*result = mcp_fixtures_contents(uri, "text/plain", "This is the content of the static text resource.", 0);
	} else if (strcmp(uri, "test://static-binary") == 0) {
		*result = mcp_fixtures_contents(uri, "image/png", MCP_FIXTURES_PNG, 1);
	} else if (strcmp(uri, "test://watched-resource") == 0) {
		*result = mcp_fixtures_contents(uri, "text/plain", "A resource to subscribe to.", 0);
	} else if (strncmp(uri, "test://template/", 16) == 0 && (end = strchr(uri + 16, '/')) != NULL &&
	    strcmp(end, "/data") == 0 && (n = (size_t)(end - (uri + 16))) > 0 && n < sizeof(id)) {
		memcpy(id, uri + 16, n);
		id[n] = '\0';
		if (strpbrk(id, "\"\\") != NULL)
			return HUB_ERR_NOT_FOUND;
		snprintf(text, sizeof(text), "{\"id\":\"%s\",\"templateTest\":true,\"data\":\"Data for ID: %s\"}", id, id);
		*result = mcp_fixtures_contents(uri, "application/json", text, 0);
	} else {
		return HUB_ERR_NOT_FOUND;
	}
	return *result != NULL ? HUB_OK : HUB_ERR_NOMEM;
}

/* ------------------------------------------------------------ prompts */

/* A GetPromptResult of up to two user messages (contents taken). */
static struct json_object *
mcp_fixtures_prompt(struct json_object *first, struct json_object *second)
{
	struct json_object *res = json_object_new_object(), *msgs = json_object_new_array(), *m;

	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("user"));
	json_object_object_add(m, "content", first);
	json_object_array_add(msgs, m);
	if (second != NULL) {
		m = json_object_new_object();
		json_object_object_add(m, "role", json_object_new_string("user"));
		json_object_object_add(m, "content", second);
		json_object_array_add(msgs, m);
	}
	json_object_object_add(res, "messages", msgs);
	return res;
}

int
mcp_fixtures_prompt_get(const char *name, struct json_object *arguments,
    struct json_object *params, struct json_object **result, char *msg, size_t msglen)
{
	struct mcp_tool_ctx ctx;
	struct json_object *resp = NULL;
	const char *a1 = hub_json_get_string(arguments, "arg1"), *a2 = hub_json_get_string(arguments, "arg2");
	const char *uri = hub_json_get_string(arguments, "resourceUri");
	char text[600];
	int r;

	*result = NULL;
	if (strcmp(name, "test_simple_prompt") == 0) {
		*result = mcp_fixtures_prompt(mcp_fixtures_text("This is a simple prompt for testing."), NULL);
	} else if (strcmp(name, "test_prompt_with_arguments") == 0) {
		if (a1 == NULL || a2 == NULL) {
			snprintf(msg, msglen, "%s: arguments arg1 and arg2 are required", name);
			return HUB_ERR_INVALID;
		}
		snprintf(text, sizeof(text), "Prompt with arguments: arg1='%.250s', arg2='%.250s'", a1, a2);
		*result = mcp_fixtures_prompt(mcp_fixtures_text(text), NULL);
	} else if (strcmp(name, "test_prompt_with_embedded_resource") == 0) {
		if (uri == NULL) {
			snprintf(msg, msglen, "%s: argument resourceUri is required", name);
			return HUB_ERR_INVALID;
		}
		*result = mcp_fixtures_prompt(mcp_fixtures_embedded(uri, "text/plain",
		    "Embedded resource content for testing."),
		    mcp_fixtures_text("Please process the embedded resource above."));
	} else if (strcmp(name, "test_prompt_with_image") == 0) {
		*result = mcp_fixtures_prompt(mcp_fixtures_media("image", MCP_FIXTURES_PNG, "image/png"),
		    mcp_fixtures_text("Please analyze the image above."));
	} else if (strcmp(name, "test_input_required_result_prompt") == 0) {
		memset(&ctx, 0, sizeof(ctx));
		ctx.params = params;
		if ((r = mcp_fixtures_input(&ctx, "user_context", &resp)) < 0) {
			snprintf(msg, msglen, "Invalid params: inputResponses must be an object of response objects");
			return HUB_ERR_INVALID;
		}
		if (r == 0) {
			*result = mcp_fixtures_input_required(mcp_fixtures_one("user_context",
			    mcp_fixtures_elicit_request("What context should the prompt use?", "context", "string")),
			    NULL);
		} else {
			snprintf(text, sizeof(text), "Use this context: %.400s", mcp_fixtures_content(resp, "context"));
			*result = mcp_fixtures_prompt(mcp_fixtures_text(text), NULL);
		}
	} else {
		return HUB_ERR_NOT_FOUND;
	}
	return *result != NULL ? HUB_OK : HUB_ERR_NOMEM;
}

int
mcp_fixtures_complete(const char *ref_type, const char *ref_name, const char *arg_name,
    const char *value, struct json_object **values, int *total)
{
	static const char *const words[] = { "paris", "park", "party", NULL };
	static const char *const ids[] = { "123", "456", NULL };
	const char *const *list;
	size_t i;

	*values = NULL;
	*total = 0;
	if (strcmp(ref_type, "ref/prompt") == 0 && strcmp(ref_name, "test_prompt_with_arguments") == 0)
		list = strcmp(arg_name, "arg1") == 0 || strcmp(arg_name, "arg2") == 0 ? words : NULL;
	else if (strcmp(ref_type, "ref/resource") == 0 && strcmp(ref_name, "test://template/{id}/data") == 0)
		list = strcmp(arg_name, "id") == 0 ? ids : NULL;
	else
		return HUB_ERR_NOT_FOUND;
	if ((*values = json_object_new_array()) == NULL)
		return HUB_ERR_NOMEM;
	for (i = 0; list != NULL && list[i] != NULL; i++) {
		if (strncmp(list[i], value, strlen(value)) == 0) {
			json_object_array_add(*values, json_object_new_string(list[i]));
			(*total)++;
		}
	}
	return HUB_OK;
}
