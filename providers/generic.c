/*
 * generic.c - the generic CLI provider (see generic.h).
 *
 * Per run, a private directory below the state directory (removed
 * afterwards) holding home/ (HOME), tmp/ (TMPDIR) and cwd/ (the empty
 * working directory). The conversation is rendered as text: a single user
 * message as it is; otherwise every message as "System:", "User:" or
 * "Assistant:" followed by its text, separated by blank lines, ending with
 * the last user message. With stdin_format = claude-stream-json that text
 * travels in one {"type":"user",...} line instead.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "common/hub_buf.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_log.h"
#include "common/hub_text.h"
#include "common/hub_time.h"
#include "child.h"
#include "child_env.h"
#include "cli_run.h"
#include "cli_text.h"
#include "claude_stream.h"
#include "gemini_stream.h"
#include "generic.h"
#include "provider_conf.h"
#include "pty_clean.h"
#include "registry.h"
#include "workdir.h"

/* The placeholder replaced by the model in the args template. */
#define GENERIC_MODEL_MARK "{model}"

enum generic_stop {
	GENERIC_STOP_NONE,
	GENERIC_STOP_DONE,       /* a JSON result line arrived */
	GENERIC_STOP_CLIENT,     /* on_delta or the engine's on_idle said stop */
	GENERIC_STOP_NOMEM
};

/* One run's state, shared with the callbacks. */
struct generic_run {
	const struct provider *p;
	const struct provider_call *call;
	const struct provider_conf *conf;
	struct pty_clean clean;              /* text output */
	struct hub_buf text;                 /* text output: the whole reply */
	struct hub_buf piece;                /* text output: one cleaned chunk */
	struct claude_stream cs;             /* claude-stream-json output */
	struct gemini_stream gs;             /* gemini-stream-json output */
	enum generic_stop stop;
	long long start_ms;
	long first_token_ms;
	/* what the run is started with (generic_prepare) */
	char *argv[HUB_MAX_CHILD_ARGV];
};

/* --- child callbacks ---------------------------------------------------- */

/* Reply text for the client; counts the first token. */
static int
generic_emit(struct generic_run *run, const char *text, size_t len)
{
	if (len == 0)
		return 0;
	if (provider_stream_text(&run->call->io, run->start_ms, &run->first_token_ms, text, len) == 0)
		return 0;
	run->stop = GENERIC_STOP_CLIENT;
	return -1;
}

static int
generic_on_json_text(void *arg, const char *text, size_t len)
{
	return generic_emit(arg, text, len);
}

/* Clean a chunk of text output (or finish when data is NULL) and hand it on. */
static int
generic_text_chunk(struct generic_run *run, const char *data, size_t len)
{
	int rc;

	hub_buf_reset(&run->piece);
	rc = data != NULL ? pty_clean_feed(&run->clean, data, len, &run->piece) :
	    pty_clean_finish(&run->clean, &run->piece);
	if (rc == HUB_ERR_NOMEM) {
		run->stop = GENERIC_STOP_NOMEM;
		return -1;
	}
	if (run->piece.len == 0)
		return 0;
	if (hub_buf_append(&run->text, run->piece.data, run->piece.len) == HUB_ERR_NOMEM) {
		run->stop = GENERIC_STOP_NOMEM;
		return -1;
	}
	return generic_emit(run, run->piece.data, run->piece.len);
}

static int
generic_on_stdout(void *arg, const char *data, size_t len)
{
	struct generic_run *run = arg;
	int rc;

	switch (run->conf->output) {
	case PROVIDER_CONF_CLAUDE_JSON:
		rc = claude_stream_feed(&run->cs, data, len);
		if (rc == 0 && run->cs.seen_result) {
			run->stop = GENERIC_STOP_DONE;
			return -1;
		}
		break;
	case PROVIDER_CONF_GEMINI_JSON:
		rc = gemini_stream_feed(&run->gs, data, len);
		if (rc == 0 && run->gs.got_result) {
			run->stop = GENERIC_STOP_DONE;
			return -1;
		}
		break;
	default:
		return generic_text_chunk(run, data, len);
	}
	if (rc < 0 && run->stop == GENERIC_STOP_NONE)
		run->stop = GENERIC_STOP_NOMEM;
	return rc < 0 ? -1 : 0;
}

/* --- preparation -------------------------------------------------------- */

/* The conversation as text (see the top of this file). */
static int
generic_render(const struct provider_call *call, struct hub_buf *b)
{
	const char *role, *label;
	size_t i;
	int rc = HUB_OK;

	if (call->n_messages == 1)
		return hub_buf_puts(b, call->messages[0].content);
	for (i = 0; i < call->n_messages && rc == HUB_OK; i++) {
		role = call->messages[i].role;
		label = strcmp(role, "system") == 0 ? "System" :
		    strcmp(role, "assistant") == 0 ? "Assistant" : "User";
		rc = hub_buf_printf(b, "%s%s:\n%s", i > 0 ? "\n\n" : "", label,
		    call->messages[i].content);
	}
	return rc;
}

/* stdin for the child, appended to b: the rendered text, or one claude
 * user line. */
static int
generic_build_stdin(const struct provider_call *call, const struct provider_conf *c,
    struct hub_buf *b)
{
	struct json_object *line, *msg;
	struct hub_buf text;
	int rc;

	if (c->stdin_format != PROVIDER_CONF_CLAUDE_JSON)
		return generic_render(call, b);
	hub_buf_init(&text, 0);
	if ((rc = generic_render(call, &text)) != HUB_OK)
		goto out;
	line = json_object_new_object();
	msg = json_object_new_object();
	if (line == NULL || msg == NULL) {
		json_object_put(line);
		json_object_put(msg);
		rc = HUB_ERR_NOMEM;
		goto out;
	}
	json_object_object_add(msg, "role", json_object_new_string("user"));
	json_object_object_add(msg, "content", json_object_new_string_len(text.data ? text.data : "",
	    (int)text.len));
	json_object_object_add(line, "type", json_object_new_string("user"));
	json_object_object_add(line, "message", msg);
	if ((rc = hub_buf_puts(b, hub_json_compact(line))) == HUB_OK)
		rc = hub_buf_puts(b, "\n");
	json_object_put(line);
out:
	hub_buf_free(&text);
	return rc;
}

/* Add a malloc'd "name=value" to a NULL-terminated list of max slots. */
static int
generic_list_add(char **list, size_t *n, size_t max, const char *name, const char *value)
{
	size_t len;

	if (*n + 1 >= max)
		return HUB_ERR_TOO_LARGE;
	len = strlen(name) + (value != NULL ? strlen(value) + 1 : 0) + 1;
	if ((list[*n] = malloc(len)) == NULL)
		return HUB_ERR_NOMEM;
	if (value != NULL)
		snprintf(list[*n], len, "%s=%s", name, value);
	else
		snprintf(list[*n], len, "%s", name);
	(*n)++;
	list[*n] = NULL;
	return HUB_OK;
}

static void
generic_list_free(char **list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++) {
		explicit_bzero(list[i], strlen(list[i]));  /* may hold a passed-through secret */
		free(list[i]);
	}
}

/* The environment from scratch (see generic.h). */
static int
generic_build_env(struct child_env *env, const struct provider_conf *c, const char *home, const char *tmp)
{
	int rc;

	if ((rc = child_env_add(env, "HOME", home)) < 0 ||
	    (rc = child_env_add(env, "TMPDIR", tmp)) < 0 ||
	    (rc = child_env_add(env, "PATH", "/usr/local/bin:/usr/bin:/bin")) < 0 ||
	    (rc = child_env_add(env, "NO_COLOR", "1")) < 0 ||
	    (rc = child_env_add(env, "TERM", "dumb")) < 0 ||
	    (rc = child_env_add(env, "LANG", "C.UTF-8")) < 0)
		return rc;
	return child_env_pass(env, (const char *const *)c->env);
}

/* Replace every {model} in tmpl by model into a new string. */
static char *
generic_subst(const char *tmpl, const char *model)
{
	struct hub_buf b;
	const char *p, *mark;

	hub_buf_init(&b, 0);
	for (p = tmpl; (mark = strstr(p, GENERIC_MODEL_MARK)) != NULL; p = mark + strlen(GENERIC_MODEL_MARK))
		if (hub_buf_append(&b, p, (size_t)(mark - p)) != HUB_OK || hub_buf_puts(&b, model) != HUB_OK) {
			hub_buf_free(&b);
			return NULL;
		}
	if (hub_buf_puts(&b, p) != HUB_OK) {
		hub_buf_free(&b);
		return NULL;
	}
	return hub_buf_steal(&b);
}

/*
 * argv: the executable's base name, then the template with {model}
 * replaced; without a model, arguments holding {model} are left out.
 * argv has HUB_MAX_CHILD_ARGV slots.
 */
static int
generic_build_argv(char **argv, const struct provider_conf *c, const char *model)
{
	const char *base = strrchr(c->executable, '/');
	size_t n = 0, i;
	int rc;

	argv[0] = NULL;
	if ((rc = generic_list_add(argv, &n, HUB_MAX_CHILD_ARGV, base ? base + 1 : c->executable, NULL)) < 0)
		return rc;
	for (i = 0; c->args != NULL && c->args[i] != NULL; i++) {
		if (strstr(c->args[i], GENERIC_MODEL_MARK) == NULL) {
			if ((rc = generic_list_add(argv, &n, HUB_MAX_CHILD_ARGV, c->args[i], NULL)) < 0)
				return rc;
			continue;
		}
		if (model == NULL)
			continue;
		if (n + 1 >= HUB_MAX_CHILD_ARGV)
			return HUB_ERR_TOO_LARGE;
		if ((argv[n] = generic_subst(c->args[i], model)) == NULL)
			return HUB_ERR_NOMEM;
		argv[++n] = NULL;
	}
	return HUB_OK;
}

/* --- outcome ------------------------------------------------------------ */

/* A failure message from the CLI, made safe: one line, no prompt start. */
static void
generic_fail(struct provider_reply *reply, const struct provider *p,
    const struct provider_call *call, int err, const char *what, const char *cli_msg)
{
	char msg[HUB_MAX_ERROR_MESSAGE];
	size_t i, n;

	cli_text_first_line(cli_msg, msg, sizeof(msg));
	for (i = 0; i < call->n_messages && msg[0] != '\0'; i++) {
		n = strlen(call->messages[i].content);
		if (n >= 8 && memmem(msg, strlen(msg), call->messages[i].content, n < 24 ? n : 24) != NULL)
			msg[0] = '\0';  /* echoes the prompt: say nothing rather than leak it */
	}
	if (msg[0] != '\0')
		provider_reply_error(reply, err, "%s %s: %s", p->name, what, msg);
	else
		provider_reply_error(reply, err, "%s %s", p->name, what);
}

/* An error code for a JSON error kind or text. */
static int
generic_error_code(int status, const char *kind, const char *text)
{
	if (status == 401 || status == 403 ||
	    (kind != NULL && (strcmp(kind, "authentication_failed") == 0 || strstr(kind, "Auth") != NULL)) ||
	    (text != NULL && (strstr(text, "Not logged in") != NULL ||
	        strstr(text, "Failed to authenticate") != NULL)))
		return HUB_ERR_PROVIDER_AUTH;
	if (status == 429 || (kind != NULL && strcmp(kind, "rate_limit") == 0))
		return HUB_ERR_RATE_LIMIT;
	if (status == 529)
		return HUB_ERR_OVERLOADED;
	return HUB_ERR_UPSTREAM;
}

/* How the run ended, into reply; takes the text on success. */
static int
generic_outcome(const struct provider *p, struct generic_run *run, const struct child_result *res,
    const struct provider_call *call, struct provider_reply *reply)
{
	const char *text;
	int json_ok = 0, json_failed = 0;

	if (run->conf->output == PROVIDER_CONF_CLAUDE_JSON) {
		json_ok = run->cs.seen_result && !run->cs.result_is_error;
		json_failed = run->cs.seen_api_error || (run->cs.seen_result && run->cs.result_is_error);
	} else if (run->conf->output == PROVIDER_CONF_GEMINI_JSON) {
		json_ok = run->gs.got_result && run->gs.result_success;
		json_failed = run->gs.got_result && !run->gs.result_success;
	}
	if (run->stop == GENERIC_STOP_NOMEM)
		provider_reply_error(reply, HUB_ERR_NOMEM, "out of memory while reading the reply");
	else if (run->stop == GENERIC_STOP_CLIENT || res->watch_fired)
		provider_reply_error(reply, HUB_ERR_CLIENT_GONE, "the client went away");
	else if (json_ok)
		;
	else if (res->timed_out)
		provider_reply_error(reply, HUB_ERR_TIMEOUT, "%s did not finish within %ld s", p->name, p->timeout_s);
	else if (res->output_capped)
		provider_reply_error(reply, HUB_ERR_OUTPUT_CAP, "%s printed more than the output cap", p->name);
	else if (json_failed && run->conf->output == PROVIDER_CONF_CLAUDE_JSON) {
		text = run->cs.api_error_text != NULL ? run->cs.api_error_text : run->cs.result_text;
		generic_fail(reply, p, call, generic_error_code(run->cs.api_error_status,
		    run->cs.seen_api_error ? run->cs.api_error_kind : NULL, text), "failed",
		    text != NULL ? text : "API error");
	} else if (json_failed) {
		generic_fail(reply, p, call, generic_error_code(0, run->gs.error_type, run->gs.error_message),
		    "failed", run->gs.error_message);
	} else if (!res->exited)
		provider_reply_error(reply, HUB_ERR_UPSTREAM, "%s was killed by signal %d", p->name, res->term_signal);
	else if (res->exit_code != 0)
		generic_fail(reply, p, call, HUB_ERR_UPSTREAM, "failed", res->stderr_text);
	else if (run->conf->output != PROVIDER_CONF_TEXT)
		provider_reply_error(reply, HUB_ERR_UPSTREAM, "%s ended without a result line", p->name);
	if (reply->err != HUB_OK)
		return reply->err;

	switch (run->conf->output) {
	case PROVIDER_CONF_CLAUDE_JSON:
		reply->text = hub_buf_steal(&run->cs.text);
		reply->usage.prompt_tokens = run->cs.input_tokens;
		reply->usage.completion_tokens = run->cs.output_tokens;
		reply->usage.cost_usd = run->cs.cost_usd;
		break;
	case PROVIDER_CONF_GEMINI_JSON: {
		/* gemini_stream hands text out only through its callback */
		reply->text = hub_buf_steal(&run->text);
		reply->usage.prompt_tokens = run->gs.input_tokens > 0 ? run->gs.input_tokens : 0;
		reply->usage.completion_tokens = run->gs.output_tokens > 0 ? run->gs.output_tokens : 0;
		break;
	}
	default:
		reply->text = hub_buf_steal(&run->text);
		break;
	}
	if (reply->text == NULL)
		provider_reply_error(reply, HUB_ERR_NOMEM, "out of memory");
	return reply->err;
}

/* Gemini text goes to the client and is kept for the reply. */
static int
generic_on_gemini_text(void *arg, const char *text, size_t len)
{
	struct generic_run *run = arg;

	if (hub_buf_append(&run->text, text, len) == HUB_ERR_NOMEM) {
		run->stop = GENERIC_STOP_NOMEM;
		return -1;
	}
	return generic_emit(run, text, len);
}

/* --- the adapter's hooks (providers/cli_run.h) ------------------------- */

/* Configured, and the model one it serves. */
static int
generic_check(void *arg, const char *model, struct provider_reply *reply)
{
	struct generic_run *run = arg;
	const struct provider_call *call = run->call;

	if (run->conf == NULL || run->conf->executable == NULL)
		provider_reply_error(reply, HUB_ERR_DISABLED, "provider %s is not configured", run->p->name);
	else if (model != NULL && call->model != NULL && call->model[0] && !registry_serves(run->p, model))
		provider_reply_error(reply, HUB_ERR_MODEL_NOT_FOUND, "provider %s does not serve model \"%.128s\"",
		    run->p->name, model);
	return reply->err;
}

static int
generic_prepare(void *arg, const struct cli_run_dirs *dirs, const char *model,
    struct cli_run_input *in, struct provider_reply *reply)
{
	struct generic_run *run = arg;
	const struct provider_conf *c = run->conf;
	int rc;

	(void)reply;
	if ((rc = generic_build_stdin(run->call, c, &in->stdin_data)) < 0 ||
	    (rc = generic_build_env(&in->env, c, dirs->home, dirs->tmp)) < 0 ||
	    (rc = generic_build_argv(run->argv, c, model)) < 0)
		return rc;
	in->argv = run->argv;
	return HUB_OK;
}

static void
generic_finish(void *arg, const struct child_result *res, int client_gone, const char *model,
    struct provider_reply *reply)
{
	struct generic_run *run = arg;
	const struct provider_conf *c = run->conf;
	int rc;

	if (client_gone)
		run->stop = GENERIC_STOP_CLIENT;
	if (run->stop == GENERIC_STOP_NONE) {
		if (c->output == PROVIDER_CONF_CLAUDE_JSON)
			rc = claude_stream_finish(&run->cs);
		else if (c->output == PROVIDER_CONF_GEMINI_JSON)
			rc = gemini_stream_finish(&run->gs);
		else
			rc = generic_text_chunk(run, NULL, 0);
		if (rc < 0 && run->stop == GENERIC_STOP_NONE)
			run->stop = GENERIC_STOP_NOMEM;
	}
	generic_outcome(run->p, run, res, run->call, reply);
	reply->finish_reason = "stop";
	reply->first_token_ms = run->first_token_ms;
	if (c->output == PROVIDER_CONF_CLAUDE_JSON && run->cs.model != NULL)
		reply->model = strdup(run->cs.model);
	else if (c->output == PROVIDER_CONF_GEMINI_JSON && run->gs.model != NULL)
		reply->model = strdup(run->gs.model);
	else if (model != NULL)
		reply->model = strdup(model);
}

static int
generic_chat(const struct provider *p, const struct provider_call *call,
    struct provider_reply *reply)
{
	struct cli_run_adapter a = {
		.cli_name = p->name,
		.log_tag = "generic",
		.cli_default = p->name,
		.workdir_prefix = "generic-",
		.model_err = HUB_ERR_MODEL_NOT_FOUND,
		.check = generic_check,
		.prepare = generic_prepare,
		.on_stdout = generic_on_stdout,
		.finish = generic_finish,
	};
	size_t max_out = hub_cfg->max_output_bytes > 0 ? (size_t)hub_cfg->max_output_bytes :
	    HUB_DEFAULT_MAX_OUTPUT_BYTES;
	struct generic_run run;

	memset(&run, 0, sizeof(run));
	run.p = p;
	run.call = call;
	run.conf = p->data;
	run.first_token_ms = -1;
	run.start_ms = hub_time_mono_ms();
	a.use_pty = run.conf != NULL && run.conf->input == PROVIDER_CONF_INPUT_PTY;
	pty_clean_init(&run.clean);
	hub_buf_init(&run.text, max_out);
	hub_buf_init(&run.piece, 0);
	claude_stream_init(&run.cs, max_out);
	run.cs.on_text = generic_on_json_text;
	run.cs.arg = &run;
	gemini_stream_init(&run.gs, generic_on_gemini_text, &run);
	cli_run(&a, &run, p, call, reply);
	generic_list_free(run.argv);
	claude_stream_free(&run.cs);
	gemini_stream_free(&run.gs);
	hub_buf_free(&run.text);
	hub_buf_free(&run.piece);
	return reply->err;
}

/* A section of type cli: its own executable, a five-minute timeout. */
static void
generic_defaults(struct provider_defaults *d)
{
	d->timeout_s = 300;
}

/* A section of type cli: an executable, something to route to it, argv
 * within the child's limit, and formats that go together. */
static int
generic_conf_check(const struct provider_conf *c, const char **key, char *why, size_t why_len)
{
	size_t i;

	if (c->executable == NULL) {
		*key = "executable";
		snprintf(why, why_len, "required for type = cli");
		return HUB_ERR_CONFIG;
	}
	if (c->models == NULL && c->model_prefixes == NULL && c->default_model == NULL) {
		*key = "models";
		snprintf(why, why_len, "a cli provider needs models, model_prefixes or default_model");
		return HUB_ERR_CONFIG;
	}
	for (i = 0; c->args != NULL && c->args[i] != NULL; i++)
		if (i + 2 >= HUB_MAX_CHILD_ARGV) {
			*key = "args";
			snprintf(why, why_len, "too many arguments");
			return HUB_ERR_CONFIG;
		}
	if (c->output == PROVIDER_CONF_GEMINI_JSON && c->stdin_format == PROVIDER_CONF_CLAUDE_JSON) {
		*key = "stdin_format";
		snprintf(why, why_len, "claude-stream-json input needs claude-stream-json output");
		return HUB_ERR_CONFIG;
	}
	return HUB_OK;
}

const struct provider_ops generic_provider_ops = {
	.conf_type = "cli",
	.conf_check = generic_conf_check,
	.defaults = generic_defaults,
	.chat = generic_chat,
};
