/*
 * claude.c - the Claude Code CLI adapter: one `claude -p` child per request.
 *
 * The CLI is driven the way the Claude Agent SDK drives it: JSON lines on
 * stdin (an initialize control request carrying the system prompt, then the
 * last user message), stream-json on stdout parsed by claude_stream.c. It
 * never gets tools (--tools= with --permission-mode=dontAsk and
 * --setting-sources=). Each run has a private work directory below the
 * state directory, removed afterwards, holding:
 *   home/  HOME: the CLI's config, and the transcript of the earlier turns
 *          (home/.claude/projects/<cwd>/<uuid>.jsonl) that --resume=<uuid>
 *          loads, so the model sees the history as real user/assistant turns
 *   tmp/   TMPDIR: the CLI's temp files and socket
 *   cwd/   the empty working directory
 * Prompts and the token never appear in argv. The environment is built from
 * scratch; see claude_build_env().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "common/hub_buf.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_log.h"
#include "common/hub_os.h"
#include "common/hub_text.h"
#include "common/hub_time.h"
#include "providers/child.h"
#include "providers/child_env.h"
#include "providers/cli_run.h"
#include "providers/claude_stream.h"
#include "providers/provider.h"
#include "providers/workdir.h"

/* The CLI's own retries of failed API calls (its default is 10). */
#define CLAUDE_MAX_RETRIES       2
/* The CLI refuses idle timeouts below this. */
#define CLAUDE_MIN_IDLE_MS       10000L
/* Time kept between the CLI giving up and the hub's deadline. */
#define CLAUDE_DEADLINE_MARGIN_MS 3000L
/* Longest project directory name the CLI uses as is (longer ones get hashed). */
#define CLAUDE_MAX_PROJECT_NAME  200
/* Environment variables passed through from the hub's own environment. */
static const char *const claude_passthrough_env[] = {
	"ANTHROPIC_BASE_URL", "HTTPS_PROXY", "NO_PROXY", "NODE_EXTRA_CA_CERTS", NULL
};

/* Why the adapter stopped the child itself. */
enum claude_stop {
	CLAUDE_STOP_NONE,
	CLAUDE_STOP_DONE,        /* the result line arrived */
	CLAUDE_STOP_CLIENT,      /* on_delta or the engine's on_idle said stop */
	CLAUDE_STOP_RATE_LIMIT,  /* the CLI started retrying a 429 */
	CLAUDE_STOP_AUTH,        /* the CLI started retrying a 401/403 */
	CLAUDE_STOP_PLAN,        /* the plan's window is used up, or extra usage
	                          * is in use and the provider's overage is deny */
	CLAUDE_STOP_NOMEM
};

/* One run's state, shared with the callbacks. */
struct claude_run {
	const struct provider_call *call;
	struct claude_stream stream;
	enum claude_stop stop;
	long long start_ms;
	long first_token_ms;
	long timeout_s;
	int overage_allow;       /* the provider's overage = allow */
	/* what the run is started with (claude_prepare) */
	struct child_env env;
	char *input;
	size_t input_len;
	char *argv[HUB_MAX_CHILD_ARGV];
	char session_id[37];
	char model_arg[HUB_MAX_MODEL_LEN + 16];
	char resume_arg[64];
};

/* --- child callbacks ---------------------------------------------------- */

static int
claude_on_text(void *arg, const char *text, size_t len)
{
	struct claude_run *run = arg;

	if (run->first_token_ms < 0)
		run->first_token_ms = (long)(hub_time_mono_ms() - run->start_ms);
	if (provider_stream_delta(&run->call->io, text, len) == 0)
		return 0;
	run->stop = CLAUDE_STOP_CLIENT;
	return -1;
}

/* The CLI announces a retry: 429 and auth failures end the run at once
 * instead of after minutes of retries. */
static int
claude_on_retry(void *arg, int attempt, int error_status, long retry_delay_ms)
{
	struct claude_run *run = arg;

	(void)attempt;
	(void)retry_delay_ms;
	if (error_status == 429) {
		run->stop = CLAUDE_STOP_RATE_LIMIT;
		return -1;
	}
	if (error_status == 401 || error_status == 403) {
		run->stop = CLAUDE_STOP_AUTH;
		return -1;
	}
	return 0;
}

/* The CLI reports the usage window: a rejected window, or extra usage in
 * use while the provider's overage is deny, stops the run (the whole
 * child group) at once. */
static int
claude_on_rate_limit(void *arg, const struct plan_window *w)
{
	struct claude_run *run = arg;

	if (plan_window_level(w, run->overage_allow, 0) != PLAN_LEVEL_LIMIT)
		return 0;
	run->stop = CLAUDE_STOP_PLAN;
	return -1;
}

static int
claude_on_stdout(void *arg, const char *data, size_t len)
{
	struct claude_run *run = arg;
	int rc;

	rc = claude_stream_feed(&run->stream, data, len);
	if (rc < 0) {
		/* the callbacks set run->stop; anything else is the parser's NOMEM */
		if (run->stop == CLAUDE_STOP_NONE)
			run->stop = CLAUDE_STOP_NOMEM;
		return -1;
	}
	if (run->stream.seen_result) {
		/* the turn is complete; whatever still runs is of no use */
		run->stop = CLAUDE_STOP_DONE;
		return -1;
	}
	return 0;
}

/* --- request preparation ------------------------------------------------ */

/* A random RFC 4122 version 4 UUID into out (37 bytes). 0 or HUB_ERR_SYSTEM. */
static int
claude_uuid(char out[37])
{
	unsigned char b[16];

	if (hub_os_random(b, sizeof(b)) != 0)
		return HUB_ERR_SYSTEM;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
	    b[12], b[13], b[14], b[15]);
	return HUB_OK;
}

/* Append obj as one compact JSON line to b; takes obj. */
static int
claude_put_line(struct hub_buf *b, struct json_object *obj)
{
	int rc;

	if (obj == NULL)
		return HUB_ERR_NOMEM;
	if ((rc = hub_buf_puts(b, hub_json_compact(obj))) == 0)
		rc = hub_buf_puts(b, "\n");
	json_object_put(obj);
	return rc;
}

/* {"role":role,"content":...}: a string for user turns, text blocks for
 * assistant turns (as the CLI writes them). */
static struct json_object *
claude_message_json(const char *role, const char *content)
{
	struct json_object *m = json_object_new_object(), *blocks, *block;

	if (m == NULL)
		return NULL;
	json_object_object_add(m, "role", json_object_new_string(role));
	if (strcmp(role, "assistant") != 0) {
		json_object_object_add(m, "content", json_object_new_string(content));
		return m;
	}
	blocks = json_object_new_array();
	block = json_object_new_object();
	json_object_object_add(block, "type", json_object_new_string("text"));
	json_object_object_add(block, "text", json_object_new_string(content));
	json_object_array_add(blocks, block);
	json_object_object_add(m, "content", blocks);
	return m;
}

/*
 * stdin for the CLI: the initialize control request carrying the system
 * prompt (the conversation's system messages, joined), then the last user
 * message. Returns 0 or a hub_err; *out is malloc'd, the caller frees it.
 */
static int
claude_build_stdin(const struct provider_call *call, char **out, size_t *out_len)
{
	struct hub_buf b, sys, user;
	struct json_object *line, *req, *prompts;
	const struct provider_msg *last = &call->messages[call->n_messages - 1];
	size_t i;
	int rc;

	*out = NULL;
	hub_buf_init(&b, 0);
	hub_buf_init(&sys, 0);
	hub_buf_init(&user, 0);
	for (i = 0; i < call->n_messages; i++) {
		if (strcmp(call->messages[i].role, "system") != 0)
			continue;
		if ((sys.len > 0 && (rc = hub_buf_puts(&sys, "\n\n")) < 0) ||
		    (rc = hub_buf_puts(&sys, call->messages[i].content)) < 0)
			goto out;
	}
	line = json_object_new_object();
	req = json_object_new_object();
	prompts = json_object_new_array();
	if (line == NULL || req == NULL || prompts == NULL) {
		json_object_put(line);
		json_object_put(req);
		json_object_put(prompts);
		rc = HUB_ERR_NOMEM;
		goto out;
	}
	if (sys.len > 0)
		json_object_array_add(prompts, json_object_new_string_len(sys.data, (int)sys.len));
	json_object_object_add(req, "subtype", json_object_new_string("initialize"));
	json_object_object_add(req, "systemPrompt", prompts);
	json_object_object_add(line, "type", json_object_new_string("control_request"));
	json_object_object_add(line, "request_id", json_object_new_string("hub_init_1"));
	json_object_object_add(line, "request", req);
	if ((rc = claude_put_line(&b, line)) < 0)
		goto out;

	/* a leading '/' would make the CLI run a built-in command; one space
	 * in front makes it plain text (docs/SECURITY.md, "Prompts are data") */
	if (last->content[0] == '/' &&
	    ((rc = hub_buf_puts(&user, " ")) < 0 || (rc = hub_buf_puts(&user, last->content)) < 0))
		goto out;
	line = json_object_new_object();
	if (line != NULL) {
		json_object_object_add(line, "type", json_object_new_string("user"));
		json_object_object_add(line, "message",
		    claude_message_json("user", user.len > 0 ? user.data : last->content));
	}
	if ((rc = claude_put_line(&b, line)) < 0)
		goto out;
	*out_len = b.len;
	if ((*out = hub_buf_steal(&b)) == NULL)
		rc = HUB_ERR_NOMEM;
out:
	hub_buf_free(&b);
	hub_buf_free(&sys);
	hub_buf_free(&user);
	return rc;
}

/* Write len bytes to a new mode-0600 file. 0 or HUB_ERR_SYSTEM. */
static int
claude_write_file(const char *path, const char *data, size_t len)
{
	int fd, rc = HUB_OK;
	ssize_t n;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return HUB_ERR_SYSTEM;
	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = HUB_ERR_SYSTEM;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0)
		rc = HUB_ERR_SYSTEM;
	return rc;
}

/*
 * Write the earlier turns (every user/assistant message but the last one)
 * as a session transcript the CLI can --resume. cwd must be the real path
 * of the child's working directory. Sets *have_history to 0 when there is
 * nothing to resume. Returns 0 or a hub_err.
 */
static int
claude_write_transcript(const struct provider_call *call, const char *home,
    const char *cwd, const char *session_id, int *have_history)
{
	char path[PATH_MAX], project[PATH_MAX], uuid[37], parent[37] = "", ts[40];
	struct json_object *line;
	struct hub_buf b;
	const char *role;
	size_t i, n;
	int rc = HUB_OK;

	*have_history = 0;
	hub_buf_init(&b, 0);
	/* the CLI's project directory: the cwd with every non-alphanumeric as '-' */
	n = strlen(cwd);
	if (n >= sizeof(project) || n > CLAUDE_MAX_PROJECT_NAME)
		return HUB_ERR_TOO_LARGE;
	for (i = 0; i <= n; i++) {
		char c = cwd[i];
		project[i] = c == '\0' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ? c : '-';
	}
	for (i = 0; i + 1 < call->n_messages; i++) {
		role = call->messages[i].role;
		if (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0)
			continue;
		if ((rc = claude_uuid(uuid)) < 0)
			goto out;
		hub_time_iso8601(hub_time_wall_ms(), ts, sizeof(ts));
		if ((line = json_object_new_object()) == NULL) {
			rc = HUB_ERR_NOMEM;
			goto out;
		}
		json_object_object_add(line, "type", json_object_new_string(role));
		json_object_object_add(line, "uuid", json_object_new_string(uuid));
		json_object_object_add(line, "parentUuid", parent[0] ? json_object_new_string(parent) : NULL);
		json_object_object_add(line, "sessionId", json_object_new_string(session_id));
		json_object_object_add(line, "timestamp", json_object_new_string(ts));
		json_object_object_add(line, "cwd", json_object_new_string(cwd));
		json_object_object_add(line, "isSidechain", json_object_new_boolean(0));
		json_object_object_add(line, "userType", json_object_new_string("external"));
		json_object_object_add(line, "message", claude_message_json(role, call->messages[i].content));
		if ((rc = claude_put_line(&b, line)) < 0)
			goto out;
		memcpy(parent, uuid, sizeof(parent));
	}
	if (b.len == 0)
		goto out;
	if (snprintf(path, sizeof(path), "%s/.claude", home) >= (int)sizeof(path) ||
	    (mkdir(path, 0700) < 0 && errno != EEXIST) ||
	    snprintf(path, sizeof(path), "%s/.claude/projects", home) >= (int)sizeof(path) ||
	    (mkdir(path, 0700) < 0 && errno != EEXIST) ||
	    snprintf(path, sizeof(path), "%s/.claude/projects/%s", home, project) >= (int)sizeof(path) ||
	    (mkdir(path, 0700) < 0 && errno != EEXIST) ||
	    snprintf(path, sizeof(path), "%s/.claude/projects/%s/%s.jsonl", home, project,
	        session_id) >= (int)sizeof(path)) {
		rc = HUB_ERR_SYSTEM;
		goto out;
	}
	if ((rc = claude_write_file(path, b.data, b.len)) == 0)
		*have_history = 1;
out:
	hub_buf_free(&b);
	return rc;
}

/*
 * The child's whole environment, from scratch: private HOME and TMPDIR, the
 * OAuth token, no non-essential traffic, the CLI's retries and timeouts
 * bounded so that it gives up before the hub's deadline, and only the
 * gateway/proxy variables from the hub's own environment. Never
 * ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN.
 */
static int
claude_build_env(struct child_env *env, const char *home, const char *tmp, long timeout_ms)
{
	char num[32];
	long attempt_ms;
	int rc;

	/* each attempt gets an equal share of the deadline, minus the backoffs */
	attempt_ms = (timeout_ms - CLAUDE_DEADLINE_MARGIN_MS - 1500) / (CLAUDE_MAX_RETRIES + 1);
	if (attempt_ms < CLAUDE_MIN_IDLE_MS)
		attempt_ms = CLAUDE_MIN_IDLE_MS;
	if ((rc = child_env_add(env, "HOME", home)) < 0 ||
	    (rc = child_env_add(env, "TMPDIR", tmp)) < 0 ||
	    (rc = child_env_add(env, "PATH", "/usr/local/bin:/usr/bin:/bin")) < 0 ||
	    (rc = child_env_add(env, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")) < 0 ||
	    /* @path, @dir/, @"path" and @~/... stay text: nothing is read or listed */
	    (rc = child_env_add(env, "CLAUDE_CODE_DISABLE_FILE_MENTIONS", "1")) < 0)
		return rc;
	snprintf(num, sizeof(num), "%d", CLAUDE_MAX_RETRIES);
	if ((rc = child_env_add(env, "CLAUDE_CODE_MAX_RETRIES", num)) < 0)
		return rc;
	snprintf(num, sizeof(num), "%ld", attempt_ms);
	if ((rc = child_env_add(env, "API_TIMEOUT_MS", num)) < 0 ||
	    (rc = child_env_add(env, "CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS", num)) < 0)
		return rc;
	if (hub_cfg->claude_oauth_token != NULL &&
	    (rc = child_env_add(env, "CLAUDE_CODE_OAUTH_TOKEN", hub_cfg->claude_oauth_token)) < 0)
		return rc;
	return child_env_pass(env, claude_passthrough_env);
}

/* --- outcome ------------------------------------------------------------ */

/* Replace every occurrence of needle in s (NUL-terminated, in place) by
 * "[redacted]" when it fits, else cut s there. */
static void
claude_redact(char *s, size_t size, const char *needle, size_t needle_len)
{
	static const char mark[] = "[redacted]";
	char *p;
	size_t tail;

	if (needle_len == 0)
		return;
	while ((p = memmem(s, strlen(s), needle, needle_len)) != NULL) {
		tail = strlen(p + needle_len);
		if ((size_t)(p - s) + sizeof(mark) - 1 + tail + 1 > size) {
			*p = '\0';
			return;
		}
		memmove(p + sizeof(mark) - 1, p + needle_len, tail + 1);
		memcpy(p, mark, sizeof(mark) - 1);
	}
}

/*
 * Set the reply's error with the CLI's message made safe: the first line
 * only, control characters dropped, the token and any start of a prompt
 * redacted, capped to the reply's message size.
 */
static void
claude_fail(struct provider_reply *reply, const struct provider_call *call, int err,
    const char *what, const char *cli_msg)
{
	char msg[HUB_MAX_ERROR_MESSAGE];
	const char *tok = hub_cfg->claude_oauth_token;
	size_t i, j, n;

	msg[0] = '\0';
	if (cli_msg != NULL) {
		for (i = 0, j = 0; cli_msg[i] != '\0' && cli_msg[i] != '\n' && j + 1 < sizeof(msg); i++)
			if ((unsigned char)cli_msg[i] >= 0x20 && cli_msg[i] != 0x7f)
				msg[j++] = cli_msg[i];
		msg[j] = '\0';
	}
	if (tok != NULL)
		claude_redact(msg, sizeof(msg), tok, strlen(tok));
	for (i = 0; i < call->n_messages; i++) {
		/* a prompt is recognised by its start (at most 24 bytes) */
		n = strlen(call->messages[i].content);
		if (n >= 8)
			claude_redact(msg, sizeof(msg), call->messages[i].content, n < 24 ? n : 24);
	}
	if (msg[0] != '\0')
		provider_reply_error(reply, err, "%s: %s", what, msg);
	else
		provider_reply_error(reply, err, "%s", what);
}

/* Map an API failure reported by the CLI (status and kind) to a hub error. */
static int
claude_api_error_code(int status, const char *kind, const char *text)
{
	if (status == 401 || status == 403 || (kind != NULL && strcmp(kind, "authentication_failed") == 0) ||
	    (text != NULL && (strstr(text, "Not logged in") != NULL ||
	        strstr(text, "Failed to authenticate") != NULL ||
	        strstr(text, "Invalid API key") != NULL)))
		return HUB_ERR_PROVIDER_AUTH;
	if (status == 429 || (kind != NULL && strcmp(kind, "rate_limit") == 0))
		return HUB_ERR_RATE_LIMIT;
	if (status == 529 || (text != NULL && strstr(text, "Overloaded") != NULL))
		return HUB_ERR_OVERLOADED;
	if (status == 404)
		return HUB_ERR_MODEL_NOT_FOUND;
	return HUB_ERR_UPSTREAM;
}

/* Seconds a client should wait after a 429, from what the CLI said; 0 unknown. */
static long
claude_retry_after(const struct claude_stream *s)
{
	long long now_s = hub_time_wall_ms() / 1000;

	if (s->rate_limit_resets_at > now_s)
		return (long)(s->rate_limit_resets_at - now_s);
	if (s->retry_delay_ms > 0)
		return (s->retry_delay_ms + 999) / 1000;
	return 0;
}

/* The plan's window stopped the run: 429 plan_limit_reached, Retry-After
 * up to the window's reset. */
static void
claude_plan_fail(const struct claude_run *run, struct provider_reply *reply)
{
	const struct plan_window *w = &run->stream.rate_limit;

	if (w->using_overage)
		provider_reply_error(reply, HUB_ERR_PLAN_LIMIT,
		    "the Claude plan's %s window is used up and this run drew on extra usage, which "
		    "overage = deny forbids; the run was stopped",
		    w->type[0] ? w->type : "usage");
	else
		provider_reply_error(reply, HUB_ERR_PLAN_LIMIT, "the Claude plan's %s window is used up",
		    w->type[0] ? w->type : "usage");
	reply->retry_after_s = claude_retry_after(&run->stream);
}

/* Turn how the run ended into the reply. Returns reply->err. */
static int
claude_outcome(struct claude_run *run, const struct child_result *res,
    const struct provider_call *call, struct provider_reply *reply)
{
	struct claude_stream *s = &run->stream;
	const char *text;
	int code;

	if (run->stop == CLAUDE_STOP_NOMEM) {
		provider_reply_error(reply, HUB_ERR_NOMEM, "out of memory while reading the reply");
	} else if (run->stop == CLAUDE_STOP_CLIENT || res->watch_fired) {
		provider_reply_error(reply, HUB_ERR_CLIENT_GONE, "the client went away");
	} else if (run->stop == CLAUDE_STOP_RATE_LIMIT) {
		claude_fail(reply, call, HUB_ERR_RATE_LIMIT, "Claude API rate limit (HTTP 429)", NULL);
		reply->retry_after_s = claude_retry_after(s);
	} else if (run->stop == CLAUDE_STOP_PLAN || (s->rate_limit_rejected && s->rate_limit.type[0] != '\0' &&
	    !(s->seen_result && !s->result_is_error))) {
		claude_plan_fail(run, reply);
	} else if (run->stop == CLAUDE_STOP_AUTH) {
		provider_reply_error(reply, HUB_ERR_PROVIDER_AUTH,
		    "Claude rejected the OAuth token (HTTP %d)", s->retry_status);
	} else if (s->seen_result && !s->result_is_error) {
		if (s->text_truncated)
			provider_reply_error(reply, HUB_ERR_OUTPUT_CAP, "the reply exceeded the output cap");
	} else if (res->memory_exceeded) {
		provider_reply_error(reply, HUB_ERR_UPSTREAM,
		    "claude used more memory than HUB_CHILD_MAX_RSS_MB allows and was stopped");
	} else if (res->timed_out) {
		provider_reply_error(reply, HUB_ERR_TIMEOUT, "claude did not finish within %ld s",
		    run->timeout_s);
	} else if (res->output_capped) {
		provider_reply_error(reply, HUB_ERR_OUTPUT_CAP, "claude printed more than the output cap");
	} else if (s->seen_api_error || (s->seen_result && s->result_is_error)) {
		text = s->api_error_text != NULL ? s->api_error_text : s->result_text;
		code = claude_api_error_code(s->api_error_status, s->seen_api_error ? s->api_error_kind : NULL, text);
		claude_fail(reply, call, code, "claude", text != NULL ? text : "API error");
		if (code == HUB_ERR_RATE_LIMIT)
			reply->retry_after_s = claude_retry_after(s);
	} else if (res->exited && res->exit_code != 0 && res->stderr_text != NULL && res->stderr_text[0]) {
		claude_fail(reply, call, HUB_ERR_UPSTREAM, "claude failed", res->stderr_text);
	} else if (!res->exited) {
		provider_reply_error(reply, HUB_ERR_UPSTREAM, "claude was killed by signal %d without a result",
		    res->term_signal);
	} else {
		provider_reply_error(reply, HUB_ERR_UPSTREAM,
		    "claude ended (exit %d) without a result (%zu unparsable lines)",
		    res->exit_code, s->garbage_lines + s->overlong_lines);
	}
	return reply->err;
}

/* --- the adapter's hooks (providers/cli_run.h) ------------------------- */

static int
claude_check(void *arg, const char *model, struct provider_reply *reply)
{
	(void)arg;
	(void)model;
	if (hub_cfg->claude_oauth_token == NULL || hub_cfg->claude_oauth_token[0] == '\0')
		provider_reply_error(reply, HUB_ERR_PROVIDER_AUTH, "CLAUDE_CODE_OAUTH_TOKEN is not set");
	return reply->err;
}

/* argv: flags only, never a prompt. */
static void
claude_build_argv(struct claude_run *run, const char *model, int have_history)
{
	size_t argc = 0;

	run->argv[argc++] = "claude";
	run->argv[argc++] = "-p";
	run->argv[argc++] = "--input-format=stream-json";
	run->argv[argc++] = "--output-format=stream-json";
	run->argv[argc++] = "--verbose";
	run->argv[argc++] = "--tools=";
	run->argv[argc++] = "--setting-sources=";
	run->argv[argc++] = "--permission-mode=dontAsk";
	run->argv[argc++] = "--disable-slash-commands";   /* no skills, no custom commands */
	run->argv[argc++] = "--include-partial-messages";
	if (have_history) {
		snprintf(run->resume_arg, sizeof(run->resume_arg), "--resume=%s", run->session_id);
		run->argv[argc++] = run->resume_arg;
	} else {
		run->argv[argc++] = "--no-session-persistence";
	}
	if (model != NULL && model[0] != '\0') {
		snprintf(run->model_arg, sizeof(run->model_arg), "--model=%s", model);
		run->argv[argc++] = run->model_arg;
	}
	run->argv[argc] = NULL;
}

static int
claude_prepare(void *arg, const struct cli_run_dirs *dirs, const char *model,
    struct cli_run_input *in, struct provider_reply *reply)
{
	struct claude_run *run = arg;
	int rc, have_history = 0;

	if ((rc = claude_uuid(run->session_id)) < 0 ||
	    (rc = claude_write_transcript(run->call, dirs->home, dirs->cwd, run->session_id,
	    &have_history)) < 0 ||
	    (rc = claude_build_stdin(run->call, &run->input, &run->input_len)) < 0 ||
	    (rc = claude_build_env(&run->env, dirs->home, dirs->tmp, run->timeout_s * 1000L)) < 0) {
		provider_reply_error(reply, rc, "cannot prepare the claude run: %s", hub_strerror(rc));
		return reply->err;
	}
	claude_build_argv(run, model, have_history);
	in->argv = run->argv;
	in->envp = run->env.vars;
	in->stdin_data = run->input;
	in->stdin_len = run->input_len;
	return HUB_OK;
}

static void
claude_finish(void *arg, const struct child_result *res, int client_gone, const char *model,
    struct provider_reply *reply)
{
	struct claude_run *run = arg;

	if (client_gone)
		run->stop = CLAUDE_STOP_CLIENT;
	if (run->stop == CLAUDE_STOP_NONE && claude_stream_finish(&run->stream) == HUB_ERR_NOMEM)
		run->stop = CLAUDE_STOP_NOMEM;
	if (claude_outcome(run, res, run->call, reply) == 0) {
		reply->text = hub_buf_steal(&run->stream.text);
		if (reply->text == NULL)
			provider_reply_error(reply, HUB_ERR_NOMEM, "out of memory");
	}
	reply->usage.prompt_tokens = run->stream.input_tokens;
	reply->usage.completion_tokens = run->stream.output_tokens;
	reply->usage.cost_usd = run->stream.cost_usd;
	reply->finish_reason = run->stream.stop_reason != NULL &&
	    strcmp(run->stream.stop_reason, "max_tokens") == 0 ? "length" : "stop";
	reply->first_token_ms = run->first_token_ms;
	reply->plan = run->stream.rate_limit;
	if (run->stream.model != NULL)
		reply->model = strdup(run->stream.model);
	else if (model != NULL)
		reply->model = strdup(model);
}

static const struct cli_run_adapter claude_adapter = {
	.cli_name = "claude",
	.log_tag = "claude",
	.cli_default = "claude",
	.workdir_prefix = "claude-",
	.model_err = HUB_ERR_INVALID,
	.check = claude_check,
	.prepare = claude_prepare,
	.on_stdout = claude_on_stdout,
	.finish = claude_finish,
};

static int
claude_chat(const struct provider *p, const struct provider_call *call,
    struct provider_reply *reply)
{
	struct claude_run run;

	memset(&run, 0, sizeof(run));
	child_env_init(&run.env);
	run.call = call;
	run.first_token_ms = -1;
	run.start_ms = hub_time_mono_ms();
	run.timeout_s = p->timeout_s;
	run.overage_allow = p->overage_allow;
	claude_stream_init(&run.stream, hub_cfg->max_output_bytes > 0 ? (size_t)hub_cfg->max_output_bytes : 0);
	run.stream.on_text = claude_on_text;
	run.stream.on_retry = claude_on_retry;
	run.stream.on_rate_limit = claude_on_rate_limit;
	run.stream.arg = &run;
	cli_run(&claude_adapter, &run, p, call, reply);
	child_env_free(&run.env);
	claude_stream_free(&run.stream);
	free(run.input);
	return reply->err;
}

/* --- what the hub knows of the kind ------------------------------------ */

static const char *const claude_prefixes[] = { "claude", NULL };
static const char *const claude_aliases[] = { "sonnet", "opus", "haiku", NULL };
static const char *const claude_models[] = { "sonnet", "opus", "haiku", NULL };

static void
claude_defaults(struct provider_defaults *d)
{
	d->cli = hub_cfg->claude_cli;
	d->model = hub_cfg->claude_model;
	d->timeout_s = hub_cfg->claude_timeout_s;
	d->model_prefixes = claude_prefixes;
	d->aliases = claude_aliases;
	d->models = claude_models;
}

static long
claude_max_concurrent(const struct provider *p)
{
	(void)p;
	return hub_cfg->max_concurrent_claude;
}

/* 1 when CLAUDE_CODE_OAUTH_TOKEN is set. */
static int
claude_has_credentials(const struct provider *p)
{
	(void)p;
	return hub_cfg->claude_oauth_token != NULL && hub_cfg->claude_oauth_token[0] != '\0';
}

/* HUB_CLAUDE_TOKEN_EXPIRES (a setup-token lives a year), or -1. */
static long long
claude_credential_expiry_ms(const struct provider *p)
{
	(void)p;
	return hub_cfg->claude_token_expires != NULL ?
	    hub_config_parse_date(hub_cfg->claude_token_expires) : -1;
}

static int
claude_credential_describe(const struct provider *p, struct json_object *o, char *fp,
    size_t fp_len)
{
	const char *tok = hub_cfg->claude_oauth_token;
	char iso[32];
	long long exp = claude_credential_expiry_ms(p);

	json_object_object_add(o, "kind", json_object_new_string("claude_oauth_token"));
	json_object_object_add(o, "source", json_object_new_string("CLAUDE_CODE_OAUTH_TOKEN (claude setup-token)"));
	json_object_object_add(o, "present", json_object_new_boolean(claude_has_credentials(p)));
	json_object_object_add(o, "expires_at", exp > 0 ?
	    json_object_new_string(hub_time_iso8601(exp, iso, sizeof(iso))) : NULL);
	json_object_object_add(o, "expires_at_source", exp > 0 ?
	    json_object_new_string("HUB_CLAUDE_TOKEN_EXPIRES") : NULL);
	json_object_object_add(o, "expired", exp > 0 ? json_object_new_boolean(exp <= hub_time_wall_ms()) : NULL);
	if (claude_has_credentials(p)) {
		provider_fingerprint(tok, fp, fp_len);
		return 1;
	}
	/* this process's own configuration error; the fleet's status (other
	 * hubs' token) is not this hub's to show */
	json_object_object_add(o, "status", json_object_new_string("not_configured"));
	json_object_object_add(o, "message", json_object_new_string(
	    "CLAUDE_CODE_OAUTH_TOKEN is not set for this hub"));
	return 0;
}

const struct provider_ops claude_provider_ops = {
	.kind = PROVIDER_CLAUDE,
	.conf_type = "claude",
	.builtin_name = "claude",
	.vendor = "anthropic",
	.max_concurrent_setting = "HUB_MAX_CONCURRENT_CLAUDE",
	.defaults = claude_defaults,
	.chat = claude_chat,
	.max_concurrent = claude_max_concurrent,
	.has_credentials = claude_has_credentials,
	.credential_configured = claude_has_credentials,
	.credential_expiry_ms = claude_credential_expiry_ms,
	.credential_describe = claude_credential_describe,
};
