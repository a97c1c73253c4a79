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

/* The string member key of obj, or NULL when absent or not a string. */
const char *hub_json_get_string(struct json_object *obj, const char *key);

/* Serialise compactly (no slash escaping); the string belongs to obj. */
const char *hub_json_compact(struct json_object *obj);

#endif
