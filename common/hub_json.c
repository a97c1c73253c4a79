/*
 * hub_json.c - json-c helpers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hub_error.h"
#include "hub_json.h"
#include "hub_limits.h"

int
hub_json_parse(const char *data, size_t len, struct json_object **out,
    char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t used, i;

	*out = NULL;
	if (len > (size_t)0x7fffffff) {
		snprintf(err, errlen, "document too large");
		return HUB_ERR_INVALID;
	}
	if ((tok = json_tokener_new_ex(HUB_MAX_JSON_DEPTH)) == NULL)
		return HUB_ERR_NOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, data, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj == NULL && jerr == json_tokener_continue) {
		/* the whole input was read and the value is unfinished */
		snprintf(err, errlen, "unexpected end of JSON input");
		json_tokener_free(tok);
		return HUB_ERR_INVALID;
	}
	if (obj == NULL || jerr != json_tokener_success) {
		snprintf(err, errlen, "%s", json_tokener_error_desc(jerr));
		json_tokener_free(tok);
		json_object_put(obj);
		return HUB_ERR_INVALID;
	}
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (i = used; i < len; i++) {
		if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r' && data[i] != '\n') {
			snprintf(err, errlen, "unexpected data after the JSON value");
			json_object_put(obj);
			return HUB_ERR_INVALID;
		}
	}
	*out = obj;
	return HUB_OK;
}

const char *
hub_json_get_string(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

const char *
hub_json_compact(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}
