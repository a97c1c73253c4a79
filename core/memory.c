/*
 * memory.c - session memory export (markdown or JSON) with an LLM summary.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat.h"
#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_time.h"
#include "memory.h"
#include "providers/registry.h"
#include "session/session.h"
#include "session/session_id.h"
#include "session_json.h"

struct memory_labels {
	const char *metadata, *created, *ended, *provider, *count, *summary, *history;
	const char *user, *assistant, *system, *tool, *no_summary, *summary_off;
};

static const struct memory_labels memory_ko = {
	"메타데이터", "생성일시", "종료일시", "Provider", "총 메시지 수", "요약", "대화 기록",
	"User", "Assistant", "System", "Tool",
	"요약을 만들지 못했습니다", "요약 생략 (summarize=false)",
};

static const struct memory_labels memory_en = {
	"Metadata", "Created", "Ended", "Provider", "Total messages", "Summary", "Conversation",
	"User", "Assistant", "System", "Tool",
	"The summary could not be made", "Summary skipped (summarize=false)",
};

static const char memory_summary_instruction[] =
	"Summarize the conversation below for someone who will continue it later. "
	"List the main topics, the decisions made and the open action items, as short "
	"markdown bullet lists under those three headings. Write the summary in the "
	"language the conversation is written in. Reply with the summary only.\n\n";

/* "2026-11-23 21:40:54" (or only the time with time_only) from ISO 8601. */
static void
memory_local_time(const char *iso, int time_only, char *out, size_t len)
{
	long long ms = hub_time_parse_iso8601(iso);
	time_t t;
	struct tm tm;

	if (ms < 0) {
		snprintf(out, len, "%s", iso ? iso : "");
		return;
	}
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	if (time_only)
		strftime(out, len, "%H:%M:%S", &tm);
	else
		strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* A message's body, readably: its text, then one line per tool call
 * ("Called Calculator({...}) [call_x]") and per image ("[image image/png
 * 1234 bytes]"); a tool result as "Tool result for call_x (Calculator): ...".
 * Never the image data. 0 or HUB_ERR_NOMEM. */
static int
memory_message_text(const struct session_message *m, struct hub_buf *b)
{
	const char *text = m->content != NULL ? m->content : "";
	size_t i;
	int rc = 0;

	if (strcmp(m->role, "tool") == 0)
		return hub_buf_printf(b, "Tool result for %s%s%s%s: %s", m->tool_call_id ? m->tool_call_id : "?",
		    m->tool_name ? " (" : "", m->tool_name ? m->tool_name : "", m->tool_name ? ")" : "", text);
	rc |= hub_buf_puts(b, text);
	for (i = 0; i < m->n_tool_calls; i++)
		rc |= hub_buf_printf(b, "%sCalled %s(%s) [%s]", *text || i ? "\n" : "", m->tool_calls[i].name,
		    m->tool_calls[i].arguments, m->tool_calls[i].id);
	for (i = 0; i < m->n_images; i++)
		rc |= hub_buf_printf(b, "%s[image %s %zu bytes]", *text || m->n_tool_calls || i ? "\n" : "",
		    m->images[i].media_type, m->images[i].size);
	return rc != 0 ? HUB_ERR_NOMEM : HUB_OK;
}

/* The role's label in l. */
static const char *
memory_role_label(const struct memory_labels *l, const char *role)
{
	return strcmp(role, "assistant") == 0 ? l->assistant : strcmp(role, "system") == 0 ? l->system :
	    strcmp(role, "tool") == 0 ? l->tool : l->user;
}

/* Ask the provider for a summary; *summary or *why is set (caller frees). */
static void
memory_summarize(const struct session *s, const struct memory_options *opt,
    char **summary, char **why)
{
	struct provider_msg msg;
	struct chat_request req;
	struct chat_result res;
	struct hub_buf prompt;
	size_t i;

	*summary = NULL;
	*why = NULL;
	hub_buf_init(&prompt, 0);
	hub_buf_puts(&prompt, memory_summary_instruction);
	for (i = 0; i < s->n_messages; i++) {
		hub_buf_printf(&prompt, "%s: ", memory_role_label(&memory_en, s->messages[i].role));
		memory_message_text(&s->messages[i], &prompt);
		hub_buf_puts(&prompt, "\n\n");
	}
	memset(&msg, 0, sizeof(msg));
	msg.role = "user";
	msg.content = prompt.data ? prompt.data : "";
	memset(&req, 0, sizeof(req));
	req.provider = opt->provider;
	req.owner = opt->owner;
	req.messages = &msg;
	req.n_messages = 1;
	req.store = 0;
	req.io.watch_fd = opt->watch_fd;
	if (chat_run(&req, &res) == HUB_OK && res.reply.text != NULL && *res.reply.text != '\0') {
		*summary = res.reply.text;
		res.reply.text = NULL;  /* owned by the caller now */
	} else {
		*why = strdup(res.message[0] ? res.message : hub_strerror(res.err));
	}
	chat_result_free(&res);
	hub_buf_free(&prompt);
}

static int
memory_markdown(const struct session *s, const struct memory_options *opt,
    const char *summary, const char *why, struct hub_buf *b)
{
	const struct memory_labels *l = opt->english ? &memory_en : &memory_ko;
	char t[40];
	size_t i;
	int rc = 0;

	rc |= hub_buf_printf(b, "# Session Memory: %s\n\n## %s\n", s->meta.id, l->metadata);
	memory_local_time(s->meta.created_at, 0, t, sizeof(t));
	rc |= hub_buf_printf(b, "- **%s**: %s\n", l->created, t);
	memory_local_time(s->meta.updated_at, 0, t, sizeof(t));
	rc |= hub_buf_printf(b, "- **%s**: %s\n", l->ended, t);
	rc |= hub_buf_printf(b, "- **%s**: %s\n", l->provider,
	    s->meta.provider && *s->meta.provider ? s->meta.provider : "-");
	rc |= hub_buf_printf(b, "- **%s**: %zu\n\n", l->count, s->n_messages);
	rc |= hub_buf_printf(b, "## %s\n", l->summary);
	if (summary != NULL)
		rc |= hub_buf_printf(b, "%s\n\n", summary);
	else if (why != NULL)
		rc |= hub_buf_printf(b, "_%s: %s_\n\n", l->no_summary, why);
	else
		rc |= hub_buf_printf(b, "_%s_\n\n", l->summary_off);
	rc |= hub_buf_printf(b, "## %s\n\n", l->history);
	for (i = 0; i < s->n_messages; i++) {
		const struct session_message *m = &s->messages[i];

		memory_local_time(m->timestamp, 1, t, sizeof(t));
		rc |= hub_buf_printf(b, "### %s (%s)\n", memory_role_label(l, m->role), t);
		rc |= memory_message_text(m, b);
		rc |= hub_buf_puts(b, "\n\n");
	}
	rc |= hub_buf_puts(b, "---\n*Generated by LLM MCP Hub*\n");
	return rc != 0 ? HUB_ERR_NOMEM : HUB_OK;
}

static int
memory_json(const struct session *s, const char *summary, const char *why, struct hub_buf *b)
{
	struct json_object *o = json_object_new_object();
	int rc;

	json_object_object_add(o, "session_id", json_object_new_string(s->meta.id));
	json_object_object_add(o, "created_at", json_object_new_string(s->meta.created_at));
	json_object_object_add(o, "ended_at", json_object_new_string(s->meta.updated_at));
	json_object_object_add(o, "provider", hub_json_string_or_null(s->meta.provider));
	json_object_object_add(o, "message_count", json_object_new_int64((int64_t)s->n_messages));
	json_object_object_add(o, "summary", hub_json_string_or_null(summary));
	if (why != NULL)
		json_object_object_add(o, "summary_error", json_object_new_string(why));
	json_object_object_add(o, "messages", session_json_messages(s));
	rc = hub_buf_puts(b, hub_json_compact(o));
	json_object_put(o);
	return rc;
}

int
memory_export(const char *id, const struct memory_options *opt, struct memory_export *out)
{
	struct session *s = NULL;
	char *summary = NULL, *why = NULL, stamp[32];
	struct hub_buf b;
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	memset(out, 0, sizeof(*out));
	hub_buf_init(&b, 0);
	if (!session_id_valid(id))
		return HUB_ERR_INVALID;
	if (opt->summarize && registry_find(opt->provider ? opt->provider : "claude") == NULL)
		return HUB_ERR_INVALID;
	if ((rc = session_load(id, opt->owner, 1, &s)) != HUB_OK)
		return rc;
	if (opt->summarize && s->n_messages > 0) {
		struct memory_options o = *opt;

		if (o.provider == NULL)
			o.provider = "claude";
		memory_summarize(s, &o, &summary, &why);
	} else if (opt->summarize) {
		why = strdup("the session has no messages");
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d_%H%M%S", &tm);
	if (opt->format == MEMORY_JSON) {
		rc = memory_json(s, summary, why, &b);
		out->content_type = "application/json";
		snprintf(out->filename, sizeof(out->filename), "session_%s_%s.json", id, stamp);
	} else {
		rc = memory_markdown(s, opt, summary, why, &b);
		out->content_type = "text/markdown; charset=utf-8";
		snprintf(out->filename, sizeof(out->filename), "session_%s_%s.md", id, stamp);
	}
	if (rc != HUB_OK)
		goto out;
	out->summary_ok = summary != NULL;
	out->len = b.len;
	out->body = hub_buf_steal(&b);
	if (out->body == NULL)
		rc = HUB_ERR_NOMEM;
out:
	hub_buf_free(&b);
	session_free(s);
	free(summary);
	free(why);
	return rc;
}

void
memory_export_free(struct memory_export *out)
{
	if (out == NULL)
		return;
	free(out->body);
	out->body = NULL;
}
