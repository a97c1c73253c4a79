/*
 * mcp_fixtures.h - the MCP conformance suites' fixture tools, prompts and
 * resources (test_*, test://...), for TEST BINARIES ONLY.
 *
 * mcp_fixtures.c is compiled only into tests/fixtures/hub-mcp-fixtures and
 * tests/fixtures/hub-fcgi-fixtures (Makefile.am, configure
 * --enable-mcp-fixtures, the default for `make check`), whose mcp_tools.c
 * is built with -DHUB_MCP_FIXTURES. hub-mcp and hub-fcgi never contain this
 * code, and no setting turns it on (tests/e2e/mcp_eras.bats proves that
 * they do not list it).
 *
 * The functions mirror mcp_tools.h and share its ownership rules; each
 * answers only for its own names.
 */
#ifndef MCP_FIXTURES_H
#define MCP_FIXTURES_H

#include <stddef.h>

#include <json-c/json.h>

#include "mcp_tools.h"

/* New arrays of the fixture definitions (caller puts them). */
struct json_object *mcp_fixtures_tools(void);
struct json_object *mcp_fixtures_prompts(void);
struct json_object *mcp_fixtures_resources(void);
struct json_object *mcp_fixtures_templates(void);

/* Call fixture tool name: 0 with *result (caller puts it), HUB_ERR_INVALID
 * with ctx->error set (a JSON-RPC error), HUB_ERR_NOT_FOUND, HUB_ERR_NOMEM. */
int mcp_fixtures_call(const char *name, struct json_object *arguments,
    const struct mcp_tool_ctx *ctx, struct json_object **result);

/* Read a test:// uri: 0 with *result, HUB_ERR_NOT_FOUND, HUB_ERR_NOMEM. */
int mcp_fixtures_read(const char *uri, struct json_object **result);

/* Get a fixture prompt; returns as mcp_prompts_get(). */
int mcp_fixtures_prompt_get(const char *name, struct json_object *arguments,
    struct json_object *params, struct json_object **result, char *msg, size_t msglen);

/* Complete an argument of a fixture prompt or template; as mcp_complete(). */
int mcp_fixtures_complete(const char *ref_type, const char *ref_name, const char *arg_name,
    const char *value, struct json_object **values, int *total);

#endif
