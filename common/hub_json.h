/*
 * hub_json.h - json-c helpers with the hub's limits.
 */
#ifndef HUB_JSON_H
#define HUB_JSON_H

#include <stddef.h>
#include <json-c/json.h>

/*
 * Parse exactly one JSON value from data[0..len) with the depth limit of
 * hub_limits.h; trailing white space is allowed, anything else is not.
 * Returns 0 with *out set (caller json_object_put()s it), or
 * HUB_ERR_INVALID with a short reason in err (errlen bytes).
 */
int hub_json_parse(const char *data, size_t len, struct json_object **out,
    char *err, size_t errlen);

/*
 * hub_json_parse() for text from a client (a request body, an MCP
 * message): the text must also be well-formed UTF-8 (hub_text.h), and no
 * string or member name may hold a NUL (a raw 0 byte or the escape
 * \u0000), since the hub hands strings on as C strings and would cut
 * them. Same returns as hub_json_parse(); err names the failure.
 */
int hub_json_parse_input(const char *data, size_t len, struct json_object **out,
    char *err, size_t errlen);

/* The member key of obj when obj is an object and the member has type t,
 * else NULL (obj may be NULL). Belongs to obj. */
struct json_object *hub_json_get_typed(struct json_object *obj, const char *key,
    enum json_type t);

/* The string member key of obj, or NULL when absent or not a string. */
const char *hub_json_get_string(struct json_object *obj, const char *key);

/*
 * The one NULL policy for optional strings in answers: a new JSON string
 * for s, or NULL (JSON null when added to an object) when s is NULL or
 * empty. The caller owns the result.
 */
struct json_object *hub_json_string_or_null(const char *s);

/* Serialise compactly (no slash escaping); the string belongs to obj. */
const char *hub_json_compact(struct json_object *obj);

#endif
