/*
 * ep_providers.c - GET /v1/providers: each provider, its CLI and status.
 */
#include "config.h"

#include <json-c/json.h>

#include "core/provider_list.h"
#include "endpoints.h"
#include "http.h"

void
ep_providers(struct http_request *req)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "object", json_object_new_string("list"));
	json_object_object_add(o, "data", provider_list_all(1));
	http_send_json(req, 200, o, NULL);
	json_object_put(o);
}
