/*
 * session_json.c - a stored session as JSON, one form for every caller.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>

#include "common/hub_json.h"
#include "session/session.h"
#include "session_json.h"

struct json_object *
session_json_meta(const struct session_meta *m)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(m->id != NULL ? m->id : ""));
	json_object_object_add(o, "object", json_object_new_string("session"));
	json_object_object_add(o, "created_at", hub_json_string_or_null(m->created_at));
	json_object_object_add(o, "updated_at", hub_json_string_or_null(m->updated_at));
	json_object_object_add(o, "provider", hub_json_string_or_null(m->provider));
	json_object_object_add(o, "model", hub_json_string_or_null(m->model));
	json_object_object_add(o, "message_count", json_object_new_int64((int64_t)m->message_count));
	return o;
}

/* One message: role and content always strings, the rest string or null. */
static struct json_object *
session_json_message(const struct session_message *msg)
{
	struct json_object *m = json_object_new_object();

	if (m == NULL)
		return NULL;
	json_object_object_add(m, "role", json_object_new_string(msg->role != NULL ? msg->role : ""));
	json_object_object_add(m, "content", json_object_new_string(msg->content != NULL ? msg->content : ""));
	json_object_object_add(m, "timestamp", hub_json_string_or_null(msg->timestamp));
	json_object_object_add(m, "provider", hub_json_string_or_null(msg->provider));
	json_object_object_add(m, "model", hub_json_string_or_null(msg->model));
	return m;
}

struct json_object *
session_json_messages(const struct session *s)
{
	struct json_object *msgs = json_object_new_array();
	size_t i;

	for (i = 0; msgs != NULL && i < s->n_messages; i++)
		json_object_array_add(msgs, session_json_message(&s->messages[i]));
	return msgs;
}

struct json_object *
session_json_full(const struct session *s)
{
	struct json_object *o = session_json_meta(&s->meta);

	if (o != NULL)
		json_object_object_add(o, "messages", session_json_messages(s));
	return o;
}
