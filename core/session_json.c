/*
 * session_json.c - a stored session as JSON, one form for every caller.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
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

/* The content of msg in OpenAI's shape: a string; null for an assistant
 * message that only calls tools; with images, an array of a text part
 * and image_url parts (data: URLs a client can send again). */
static struct json_object *
session_json_content(const struct session_message *msg)
{
	const char *text = msg->content != NULL ? msg->content : "";
	struct json_object *a, *part, *iu;
	struct hub_buf url;
	size_t i;

	if (msg->n_images == 0)
		return msg->n_tool_calls > 0 && *text == '\0' ? NULL : json_object_new_string(text);
	if ((a = json_object_new_array()) == NULL)
		return NULL;
	if (*text != '\0') {
		part = json_object_new_object();
		json_object_object_add(part, "type", json_object_new_string("text"));
		json_object_object_add(part, "text", json_object_new_string(text));
		json_object_array_add(a, part);
	}
	for (i = 0; i < msg->n_images; i++) {
		hub_buf_init(&url, 0);
		if (hub_buf_printf(&url, "data:%s;base64,", msg->images[i].media_type) != HUB_OK ||
		    hub_buf_puts(&url, msg->images[i].base64) != HUB_OK) {
			hub_buf_free(&url);
			continue;
		}
		part = json_object_new_object();
		iu = json_object_new_object();
		json_object_object_add(iu, "url", json_object_new_string_len(url.data, (int)url.len));
		json_object_object_add(part, "type", json_object_new_string("image_url"));
		json_object_object_add(part, "image_url", iu);
		json_object_array_add(a, part);
		hub_buf_free(&url);
	}
	return a;
}

/* The tool calls of msg as OpenAI's message.tool_calls. */
static struct json_object *
session_json_tool_calls(const struct session_message *msg)
{
	struct json_object *a = json_object_new_array(), *e, *fn;
	size_t i;

	for (i = 0; a != NULL && i < msg->n_tool_calls; i++) {
		e = json_object_new_object();
		fn = json_object_new_object();
		json_object_object_add(fn, "name", json_object_new_string(msg->tool_calls[i].name));
		json_object_object_add(fn, "arguments", json_object_new_string(msg->tool_calls[i].arguments));
		json_object_object_add(e, "id", json_object_new_string(msg->tool_calls[i].id));
		json_object_object_add(e, "type", json_object_new_string("function"));
		json_object_object_add(e, "function", fn);
		json_object_array_add(a, e);
	}
	return a;
}

/* One message: role always a string, content as session_json_content(),
 * the rest string or null; tool_calls, tool_call_id and name only on the
 * messages that have them. */
static struct json_object *
session_json_message(const struct session_message *msg)
{
	struct json_object *m = json_object_new_object();

	if (m == NULL)
		return NULL;
	json_object_object_add(m, "role", json_object_new_string(msg->role != NULL ? msg->role : ""));
	json_object_object_add(m, "content", session_json_content(msg));
	if (msg->n_tool_calls > 0)
		json_object_object_add(m, "tool_calls", session_json_tool_calls(msg));
	if (msg->tool_call_id != NULL)
		json_object_object_add(m, "tool_call_id", json_object_new_string(msg->tool_call_id));
	if (msg->tool_call_id != NULL && msg->tool_name != NULL)
		json_object_object_add(m, "name", json_object_new_string(msg->tool_name));
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
