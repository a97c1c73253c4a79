/*
 * ep_sessions.c - the session API and the memory export.
 *
 *   GET    /v1/sessions?limit=N&cursor=C   newest first, with next_cursor
 *   GET    /v1/sessions/{id}               metadata and messages
 *   DELETE /v1/sessions/{id}               204, then 404
 *   GET    /v1/sessions/{id}/memory?summarize=&provider=&format=&lang=
 *
 * Session ids are scoped per client key (session/session_key.h): every
 * lookup is in the caller's own scope, so another key's session with the
 * same id is simply not there.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_watch.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "core/memory.h"
#include "core/session_json.h"
#include "endpoints.h"
#include "http.h"
#include "providers/registry.h"
#include "session/session.h"
#include "session/session_cache.h"
#include "session/session_id.h"

static const char *
ep_sessions_owner(struct http_request *req)
{
	return req->key_id ? req->key_id : "";
}

/* Validate the {id} path parameter, answering 400 when it is malformed. */
static int
ep_sessions_id_or_reply(struct http_request *req, const char **id)
{
	*id = req->params[0];
	if (session_id_valid(*id))
		return 1;
	http_send_error(req, HUB_ERR_INVALID, 400,
	    "invalid session id: expected 1 to 128 characters of A-Z a-z 0-9 _ -", "session_id", NULL);
	return 0;
}

/* Answer a store error from a session function. */
static void
ep_sessions_error(struct http_request *req, int rc)
{
	if (rc == HUB_ERR_NOT_FOUND)
		http_send_error(req, rc, 404, "session not found (it may have expired)", "session_id", NULL);
	else if (rc == HUB_ERR_STORE)
		http_send_error(req, rc, 503, "the session store (Redis) is unavailable; try again shortly", NULL, NULL);
	else
		http_send_error(req, rc, 0, NULL, NULL, NULL);
}

void
ep_sessions_list(struct http_request *req)
{
	struct json_object *o, *data;
	struct session_meta *list = NULL;
	char limit_s[16], cursor[40], next[40], *end;
	size_t n = 0, i;
	long limit = 20;
	int rc;

	rc = http_query_param(req->query, "limit", limit_s, sizeof(limit_s));
	if (rc == 1) {
		limit = strtol(limit_s, &end, 10);
		if (*end != '\0' || limit < 1 || limit > 100) {
			http_send_error(req, HUB_ERR_INVALID, 400, "'limit' must be a whole number from 1 to 100", "limit", NULL);
			return;
		}
	} else if (rc < 0) {
		http_send_error(req, HUB_ERR_INVALID, 400, "'limit' is malformed", "limit", NULL);
		return;
	}
	rc = http_query_param(req->query, "cursor", cursor, sizeof(cursor));
	if (rc < 0) {
		http_send_error(req, HUB_ERR_INVALID, 400, "'cursor' is malformed", "cursor", NULL);
		return;
	}
	if (rc == 0)
		cursor[0] = '\0';
	rc = session_list(ep_sessions_owner(req), cursor, (size_t)limit, &list, &n, next, sizeof(next));
	if (rc == HUB_ERR_INVALID) {
		http_send_error(req, rc, 400, "'cursor' is not a cursor this API gave out", "cursor", NULL);
		return;
	}
	if (rc != HUB_OK) {
		ep_sessions_error(req, rc);
		return;
	}
	o = json_object_new_object();
	data = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(data, session_json_meta(&list[i]));
	json_object_object_add(o, "object", json_object_new_string("list"));
	json_object_object_add(o, "data", data);
	json_object_object_add(o, "has_more", json_object_new_boolean(next[0] != '\0'));
	json_object_object_add(o, "next_cursor", next[0] ? json_object_new_string(next) : NULL);
	http_send_json(req, 200, o, NULL);
	json_object_put(o);
	session_meta_array_free(list, n);
}

/* session_render_fn: the body of GET /v1/sessions/{id}. */
static int
ep_session_render(const struct session *s, void *arg, char **buf, size_t *len)
{
	struct json_object *o;
	const char *txt;

	(void)arg;
	if ((o = session_json_full(s)) == NULL)
		return HUB_ERR_NOMEM;
	if ((txt = hub_json_compact(o)) == NULL) {
		json_object_put(o);
		return HUB_ERR_NOMEM;
	}
	*len = strlen(txt);
	if ((*buf = malloc(*len + 1)) != NULL) {
		memcpy(*buf, txt, *len);
		(*buf)[(*len)++] = '\n';
	}
	json_object_put(o);
	return *buf != NULL ? HUB_OK : HUB_ERR_NOMEM;
}

void
ep_session_get(struct http_request *req)
{
	struct session_cached *c;
	const char *id, *body;
	size_t len;
	int rc;

	if (!ep_sessions_id_or_reply(req, &id))
		return;
	rc = session_read_cached(id, ep_sessions_owner(req), ep_session_render, NULL, &c);
	if (rc != HUB_OK) {
		ep_sessions_error(req, rc);
		return;
	}
	body = session_cached_data(c, &len);
	http_send_headers(req, 200, "application/json", NULL);
	(void)http_write(req, body, len);
	session_cached_release(c);
}

void
ep_session_delete(struct http_request *req)
{
	const char *id;
	int rc;

	if (!ep_sessions_id_or_reply(req, &id))
		return;
	if ((rc = session_delete(id, ep_sessions_owner(req))) != HUB_OK) {
		ep_sessions_error(req, rc);
		return;
	}
	http_send_headers(req, 204, NULL, NULL);
}

void
ep_session_memory(struct http_request *req)
{
	struct memory_options opt;
	struct memory_export exp;
	char v[32], provider[32], headers[400], known[256], why[320];
	struct client_watch *watch;
	const char *id;
	int rc;

	if (!ep_sessions_id_or_reply(req, &id))
		return;
	memset(&opt, 0, sizeof(opt));
	opt.summarize = 1;
	opt.provider = "claude";
	opt.format = MEMORY_MARKDOWN;
	opt.owner = ep_sessions_owner(req);
	opt.watch_fd = req->fcgx->ipcFd;
	rc = http_query_param(req->query, "summarize", v, sizeof(v));
	if (rc == 1 && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0))
		opt.summarize = strcmp(v, "true") == 0;
	else if (rc != 0) {
		http_send_error(req, HUB_ERR_INVALID, 400, "'summarize' must be true or false", "summarize", NULL);
		return;
	}
	rc = http_query_param(req->query, "provider", provider, sizeof(provider));
	if (rc == 1 && registry_find(provider) != NULL) {
		opt.provider = provider;
	} else if (rc != 0) {
		(void)registry_names(known, sizeof(known));
		snprintf(why, sizeof(why), "'provider' must be one of: %s", known);
		http_send_error(req, HUB_ERR_INVALID, 400, why, "provider", NULL);
		return;
	}
	rc = http_query_param(req->query, "format", v, sizeof(v));
	if (rc == 1 && (strcmp(v, "markdown") == 0 || strcmp(v, "json") == 0))
		opt.format = strcmp(v, "json") == 0 ? MEMORY_JSON : MEMORY_MARKDOWN;
	else if (rc != 0) {
		http_send_error(req, HUB_ERR_INVALID, 400, "'format' must be markdown or json", "format", NULL);
		return;
	}
	rc = http_query_param(req->query, "lang", v, sizeof(v));
	if (rc == 1 && (strcmp(v, "en") == 0 || strcmp(v, "ko") == 0))
		opt.english = strcmp(v, "en") == 0;
	else if (rc != 0) {
		http_send_error(req, HUB_ERR_INVALID, 400, "'lang' must be ko or en", "lang", NULL);
		return;
	}
	watch = client_watch_start(req->fcgx);
	if (watch != NULL)
		opt.watch_fd = client_watch_fd(watch);
	rc = memory_export(id, &opt, &exp);
	client_watch_stop(watch);
	if (rc != HUB_OK) {
		ep_sessions_error(req, rc);
		return;
	}
	snprintf(headers, sizeof(headers),
	    "Content-Disposition: attachment; filename=\"%s\"\r\nX-Summary: %s\r\n",
	    exp.filename, exp.summary_ok ? "ok" : opt.summarize ? "unavailable" : "skipped");
	http_send_headers(req, 200, exp.content_type, headers);
	http_write(req, exp.body, exp.len);
	memory_export_free(&exp);
}
