/*
 * hub_json.c - json-c helpers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hub_error.h"
#include "hub_json.h"
#include "hub_limits.h"
#include "hub_text.h"

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

/* 1 when data[0..len) holds a raw NUL byte or a \u0000 escape in a string. */
static int
hub_json_has_nul(const char *data, size_t len)
{
	size_t i;
	int in_string = 0;

	for (i = 0; i < len; i++) {
		if (data[i] == '\0')
			return 1;
		if (!in_string) {
			in_string = data[i] == '"';
		} else if (data[i] == '\\') {
			if (len - i > 5 && data[i + 1] == 'u' && memcmp(data + i + 2, "0000", 4) == 0)
				return 1;
			i++;   /* the escaped character */
		} else if (data[i] == '"') {
			in_string = 0;
		}
	}
	return 0;
}

int
hub_json_parse_input(const char *data, size_t len, struct json_object **out,
    char *err, size_t errlen)
{
	size_t bad;

	*out = NULL;
	if (!hub_text_utf8_valid(data, len, &bad)) {
		snprintf(err, errlen, "invalid UTF-8 at byte %zu", bad);
		return HUB_ERR_INVALID;
	}
	if (hub_json_has_nul(data, len)) {
		snprintf(err, errlen, "a string holds a NUL character (\\u0000), which is not accepted");
		return HUB_ERR_INVALID;
	}
	return hub_json_parse(data, len, out, err, errlen);
}

struct json_object *
hub_json_get_typed(struct json_object *obj, const char *key, enum json_type t)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

const char *
hub_json_get_string(struct json_object *obj, const char *key)
{
	struct json_object *v = hub_json_get_typed(obj, key, json_type_string);

	return v != NULL ? json_object_get_string(v) : NULL;
}

const char *
hub_json_compact(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

struct json_object *
hub_json_string_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? json_object_new_string(s) : NULL;
}
