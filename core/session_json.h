/*
 * session_json.h - the one JSON form of a stored session, used by the
 * REST API (fcgi/ep_sessions.c), the MCP tools and resources and the
 * memory export.
 *
 * A session: {"id", "object":"session", "created_at", "updated_at",
 * "provider", "model", "message_count"} and, with messages, "messages":
 * [{"role", "content", "timestamp", "provider", "model"}] in OpenAI's
 * message shape: an assistant message that called tools has
 * "tool_calls" [{"id", "type":"function", "function":{"name",
 * "arguments"}}] (and content null when it said nothing), a tool message
 * "tool_call_id" and "name", a user message with images an array content
 * of text and image_url parts (data: URLs). Optional strings that are NULL
 * or empty are JSON null (hub_json_string_or_null()).
 * Every function returns a new object the caller owns (json_object_put()),
 * or NULL when out of memory.
 */
#ifndef SESSION_JSON_H
#define SESSION_JSON_H

#include <json-c/json.h>

#include "session/session.h"

/* The metadata of one session. */
struct json_object *session_json_meta(const struct session_meta *m);

/* The messages of s as an array. */
struct json_object *session_json_messages(const struct session *s);

/* The metadata of s with its "messages". */
struct json_object *session_json_full(const struct session *s);

#endif
