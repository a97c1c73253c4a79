/*
 * ep_models.c - GET /v1/models: the models and aliases of enabled providers.
 *
 * One list for both worlds: each entry has OpenAI's fields (object,
 * created, owned_by) and Anthropic's (type, display_name, created_at),
 * and the list Anthropic's paging fields (has_more, first_id, last_id),
 * so that the openai and the Anthropic client libraries both read it.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_time.h"
#include "endpoints.h"
#include "http.h"
#include "providers/registry.h"

/* Add one model entry unless the id is already listed. */
static void
ep_models_add(struct json_object *data, const char *id, const struct provider *p, long long created,
    const char *created_at)
{
	struct json_object *m;
	size_t i;

	for (i = 0; i < json_object_array_length(data); i++) {
		m = json_object_array_get_idx(data, i);
		if (strcmp(json_object_get_string(json_object_object_get(m, "id")), id) == 0)
			return;
	}
	m = json_object_new_object();
	json_object_object_add(m, "id", json_object_new_string(id));
	json_object_object_add(m, "object", json_object_new_string("model"));
	json_object_object_add(m, "created", json_object_new_int64(created));
	json_object_object_add(m, "owned_by", json_object_new_string(
	    p->ops->vendor != NULL ? p->ops->vendor : p->name));
	json_object_object_add(m, "provider", json_object_new_string(p->name));
	json_object_object_add(m, "type", json_object_new_string("model"));
	json_object_object_add(m, "display_name", json_object_new_string(id));
	json_object_object_add(m, "created_at", json_object_new_string(created_at));
	json_object_array_add(data, m);
}

/* A [route NAME]: its name is a model id; targets say what it tries. */
static void
ep_models_add_route(struct json_object *data, const struct registry_route *r, long long created)
{
	struct json_object *m = json_object_new_object(), *targets = json_object_new_array();
	char t[32 + HUB_MAX_MODEL_LEN + 2];
	size_t i;

	for (i = 0; i < r->n_targets; i++) {
		snprintf(t, sizeof(t), "%s%s%s", r->targets[i].provider->name,
		    r->targets[i].model[0] ? ":" : "", r->targets[i].model);
		json_object_array_add(targets, json_object_new_string(t));
	}
	json_object_object_add(m, "id", json_object_new_string(r->name));
	json_object_object_add(m, "object", json_object_new_string("model"));
	json_object_object_add(m, "created", json_object_new_int64(created));
	json_object_object_add(m, "owned_by", json_object_new_string("llm-mcp-hub"));
	json_object_object_add(m, "route", json_object_new_boolean(1));
	json_object_object_add(m, "targets", targets);
	json_object_array_add(data, m);
}

/* The list of the calling thread's provider table. */
static struct json_object *
ep_models_list(void)
{
	struct json_object *o = json_object_new_object(), *data = json_object_new_array();
	const struct provider *p;
	const char *const *m;
	static long long created;
	char created_at[32];
	size_t i, n;

	if (created == 0)
		created = (long long)time(NULL);
	hub_time_iso8601(created * 1000, created_at, sizeof(created_at));
	for (i = 0; i < registry_count(); i++) {
		p = registry_get(i);
		if (!p->enabled)
			continue;
		if (p->default_model != NULL)
			ep_models_add(data, p->default_model, p, created, created_at);
		for (m = p->models; m != NULL && *m != NULL; m++)
			ep_models_add(data, *m, p, created, created_at);
	}
	for (i = 0; i < registry_route_count(); i++)
		ep_models_add_route(data, registry_route_get(i), created);
	json_object_object_add(o, "object", json_object_new_string("list"));
	json_object_object_add(o, "data", data);
	n = json_object_array_length(data);
	json_object_object_add(o, "has_more", json_object_new_boolean(0));
	json_object_object_add(o, "first_id", n > 0 ? json_object_get(json_object_object_get(
	    json_object_array_get_idx(data, 0), "id")) : NULL);
	json_object_object_add(o, "last_id", n > 0 ? json_object_get(json_object_object_get(
	    json_object_array_get_idx(data, n - 1), "id")) : NULL);
	return o;
}

/*
 * The answer depends on the provider table alone, so each thread keeps the
 * text it sent until its table is reloaded: a quick endpoint that clients
 * poll (n8n lists the models for every node it shows) builds nothing.
 */
void
ep_models(struct http_request *req)
{
	static __thread unsigned long built_for;
	static __thread char *body;
	unsigned long gen = registry_generation();
	struct json_object *o;

	if (body == NULL || built_for != gen) {
		o = ep_models_list();
		free(body);
		body = strdup(hub_json_compact(o));
		json_object_put(o);
		built_for = gen;
		if (body == NULL) {
			http_send_error(req, HUB_ERR_NOMEM, 0, NULL, NULL, NULL);
			return;
		}
	}
	http_send_headers(req, 200, "application/json", NULL);
	(void)http_write(req, body, strlen(body));
	(void)http_write(req, "\n", 1);
}
