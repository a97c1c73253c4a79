/*
 * gemini.c - the Gemini CLI adapter: one `gemini` child per chat, in a
 * pseudo-terminal, with a private home, no tools and no inherited state.
 *
 * Per run, below <HUB_STATE_DIR or /tmp>/gemini/, a private directory:
 *   home/.gemini/settings.json     server settings (no tools, no telemetry,
 *                                  no auto-update, no folder trust, ...)
 *   home/.gemini/policies/deny-all.toml   deny every tool
 *   home/.gemini/oauth_creds.json  a copy of GEMINI_AUTH_PATH (see below)
 *   cwd/                           the CLI's empty working directory
 *   tmp/                           TMPDIR (the CLI's error reports land here)
 *   system.md                      GEMINI_SYSTEM_MD, when there are system
 *                                  messages (or a tool_choice to state)
 *   hub-tool-stub, tools.json      with client tools: the MCP server the
 *                                  settings name and what it lists
 *   history.jsonl                  with tool turns or images: the session
 *                                  file given to --session-file
 * (tools, tool turns and images: gemini_tools.h).
 * The settings and the policy are the adapter's fixed template (compiled
 * in, written anew into each run's home, so no run can change another's).
 * The whole directory, transcripts (.gemini/tmp/<project>/chats) and
 * gemini-client-error-*.json reports included, is removed after the run.
 *
 * Credentials: the CLI reads and, when it refreshes the access token,
 * rewrites (fs.writeFile: truncate + write in place, mode 0600)
 * home/.gemini/oauth_creds.json. A symlink to GEMINI_AUTH_PATH would let
 * that non-atomic rewrite be read half-written by a concurrent run, so
 * the adapter copies the file in under a shared flock on
 * "<GEMINI_AUTH_PATH>.lock", and after the run, when the copy changed and
 * is a JSON object with an access_token and a refresh_token, writes it
 * back atomically (temporary file in the same directory + rename) under
 * the exclusive lock - unless GEMINI_AUTH_PATH meanwhile got a token that
 * expires no earlier (another run's refresh).
 *
 * The prompt goes to the child's stdin (never argv); argv carries
 * `-p ""`, and the CLI uses stdin alone when the -p text is empty. The
 * conversation is rendered as described in docs/PROVIDERS.md.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/hub_buf.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_lines.h"
#include "common/hub_limits.h"
#include "common/hub_log.h"
#include "common/hub_os.h"
#include "common/hub_text.h"
#include "common/hub_time.h"
#include "child.h"
#include "child_env.h"
#include "cli_run.h"
#include "cred_file.h"
#include "gemini_stream.h"
#include "gemini_token.h"
#include "gemini_tools.h"
#include "provider.h"
#include "pty_clean.h"
#include "workdir.h"

/* How often the backoff budget is checked while the CLI is silent. */
#define GEMINI_IDLE_CHECK_MS         1000
/* One stderr line examined for backoff and error announcements. */
#define GEMINI_MAX_STDERR_LINE       4096
/* Tries to find a turn marker that no message contains. */
#define GEMINI_MARKER_TRIES          8

static const char gemini_settings_json[] =
    "{\n"
    "  \"security\": {\n"
    "    \"auth\": { \"selectedType\": \"oauth-personal\" },\n"
    "    \"folderTrust\": { \"enabled\": false }\n"
    "  },\n"
    "  \"tools\": { \"core\": [], \"useRipgrep\": false },\n"
    "  \"privacy\": { \"usageStatisticsEnabled\": false },\n"
    "  \"telemetry\": { \"enabled\": false },\n"
    "  \"general\": { \"enableAutoUpdate\": false, \"enableAutoUpdateNotification\": false },\n"
    "  \"ui\": { \"showCompatibilityWarnings\": false }\n"
    "}\n";

static const char gemini_policy_toml[] =
    "[[rule]]\n"
    "toolName = \"*\"\n"
    "decision = \"deny\"\n"
    "priority = 999\n";

/* Variables passed from the hub's environment when set. */
static const char *const gemini_passthrough_env[] = {
	"CODE_ASSIST_ENDPOINT", "GOOGLE_CLOUD_PROJECT", "HTTPS_PROXY", "NO_PROXY",
	"NODE_EXTRA_CA_CERTS", NULL
};
/* Test route only: passed when CODE_ASSIST_ENDPOINT is also set. */
static const char *const gemini_test_env[] = {
	"GOOGLE_GENAI_USE_GCA", "GOOGLE_CLOUD_ACCESS_TOKEN", NULL
};

/* Paths of one run's private directory. */
struct gemini_paths {
	char root[PATH_MAX];
	char home[PATH_MAX];
	char gemini_dir[PATH_MAX];
	char cwd[PATH_MAX];
	char tmp[PATH_MAX];
	char creds[PATH_MAX];
	char system_md[PATH_MAX];
	char stub[PATH_MAX];
	char tools_json[PATH_MAX];
	char history[PATH_MAX];
};

/* State shared with the child callbacks during one run. */
struct gemini_run {
	const struct provider_call *call;
	struct pty_clean raw_clean;     /* terminal bytes -> JSON lines */
	struct pty_clean text_clean;    /* model text -> safe text */
	struct gemini_stream stream;
	struct hub_buf raw_scratch;
	struct hub_buf text_scratch;
	struct hub_buf text;            /* the whole reply, capped */
	struct hub_lines err_lines;     /* stderr, cut into lines */
	long long start_ms;
	long timeout_s;                 /* the deadline, for messages */
	long first_token_ms;
	int client_gone;                /* on_delta or on_idle said stop */
	int output_capped;
	int stop_err;                   /* why a callback stopped the child */
	int backoff_err;                /* HUB_ERR_RATE_LIMIT / _OVERLOADED seen */
	long long backoff_since_ms;
	long retry_after_s;
	long long last_idle_ms;
	int saw_error_line;
	int saw_auth_error;             /* "Error authenticating" on stderr */
	char error_line[HUB_MAX_ERROR_MESSAGE];    /* last "[ERROR]" stderr line */
	char fatal_line[HUB_MAX_ERROR_MESSAGE];    /* last fatal message on stderr */
	char backoff_line[HUB_MAX_ERROR_MESSAGE];  /* last backoff announcement */
	/* what the run is started with (gemini_prepare) */
	struct gemini_paths paths;
	struct hub_buf system, tail;
	struct hub_buf orig_creds;      /* secret: the credentials as copied in */
	const char *auth_path;          /* set once the credentials were copied in */
	char *argv[8];
	char model_arg[HUB_MAX_MODEL_LEN + 16];
	char history_arg[PATH_MAX + 32];
	/* client tools (gemini_tools.h) */
	struct gemini_tools tools;
	struct hub_buf history;         /* the session file, when one is needed */
	int tools_done;                 /* the model's turn of calls is over */
	int result_done;                /* a "success" result line: the reply is whole */
	int creds_back;                 /* the credentials went back (gemini_on_stop) */
};

/* ------------------------------------------------------------ run directory */

/* hub-tool-stub: HUB_TOOL_STUB, else installed, else in the build; NULL. */
static const char *
gemini_find_stub(void)
{
	const char *env = getenv("HUB_TOOL_STUB");
	static const char *const candidates[] = {
		HUB_BINDIR "/hub-tool-stub", HUB_BUILDDIR "/hub-tool-stub", NULL
	};
	size_t i;

	if (env != NULL && env[0] != '\0')
		return env[0] == '/' && access(env, X_OK) == 0 ? env : NULL;
	for (i = 0; candidates[i] != NULL; i++)
		if (candidates[i][0] == '/' && access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

/* Copy hub-tool-stub into the run (the jail shows the run's directory,
 * not the hub's binaries) and write what it lists. */
static int
gemini_tools_files(struct gemini_run *run)
{
	struct hub_buf bin, list;
	const char *stub = gemini_find_stub();
	int rc;

	if (stub == NULL) {
		hub_log(HUB_LOG_ERROR, "gemini", "hub-tool-stub not found (set HUB_TOOL_STUB)");
		return HUB_ERR_SPAWN;
	}
	hub_buf_init(&bin, 0);
	hub_buf_init(&list, 0);
	if ((rc = workdir_read_file(stub, GEMINI_MAX_TOOL_STUB_BYTES, &bin)) == 0 &&
	    (rc = workdir_write_file(run->paths.stub, bin.data, bin.len, 0700)) == 0 &&
	    (rc = gemini_tools_list_json(&run->tools, &list)) == 0)
		rc = workdir_write_file(run->paths.tools_json, list.data, list.len, 0600);
	hub_buf_free(&bin);
	hub_buf_free(&list);
	return rc;
}

/* Below the engine's home/: .gemini/ with its settings and policy, and
 * the names of the run's files. */
static int gemini_paths_fill(const struct cli_run_dirs *d, struct gemini_paths *pp);
static int gemini_run_dir_files(struct gemini_run *run, const char *policies);

static int
gemini_run_dir_prepare(const struct cli_run_dirs *d, struct gemini_run *run)
{
	struct gemini_paths *pp = &run->paths;
	char policies[PATH_MAX];
	int rc;

	if ((rc = gemini_paths_fill(d, pp)) != 0)
		return rc;
	if (snprintf(policies, sizeof(policies), "%s/policies", pp->gemini_dir) >= (int)sizeof(policies))
		return HUB_ERR_TOO_LARGE;
	if (mkdir(pp->gemini_dir, 0700) != 0 || mkdir(policies, 0700) != 0)
		return HUB_ERR_SYSTEM;
	if (run->tools.n_offered > 0 && (rc = gemini_tools_files(run)) != 0)
		return rc;
	return gemini_run_dir_files(run, policies);
}

/* The names of the run's files below the engine's directories. */
static int
gemini_paths_fill(const struct cli_run_dirs *d, struct gemini_paths *pp)
{
	memset(pp, 0, sizeof(*pp));
	snprintf(pp->root, sizeof(pp->root), "%s", d->root);
	snprintf(pp->home, sizeof(pp->home), "%s", d->home);
	snprintf(pp->cwd, sizeof(pp->cwd), "%s", d->cwd);
	snprintf(pp->tmp, sizeof(pp->tmp), "%s", d->tmp);
	if (snprintf(pp->gemini_dir, sizeof(pp->gemini_dir), "%s/.gemini", pp->home) >= (int)sizeof(pp->gemini_dir) ||
	    snprintf(pp->creds, sizeof(pp->creds), "%s/oauth_creds.json", pp->gemini_dir) >= (int)sizeof(pp->creds) ||
	    snprintf(pp->system_md, sizeof(pp->system_md), "%s/system.md", pp->root) >= (int)sizeof(pp->system_md) ||
	    snprintf(pp->stub, sizeof(pp->stub), "%s/hub-tool-stub", pp->root) >= (int)sizeof(pp->stub) ||
	    snprintf(pp->tools_json, sizeof(pp->tools_json), "%s/tools.json", pp->root) >= (int)sizeof(pp->tools_json) ||
	    snprintf(pp->history, sizeof(pp->history), "%s/history.jsonl", pp->root) >= (int)sizeof(pp->history))
		return HUB_ERR_TOO_LARGE;
	return 0;
}

/* settings.json and the policy, into the run's .gemini/. */
static int
gemini_run_dir_files(struct gemini_run *run, const char *policies)
{
	struct gemini_paths *pp = &run->paths;
	struct hub_buf settings, policy;
	char path[PATH_MAX];
	int rc;

	hub_buf_init(&settings, 0);
	hub_buf_init(&policy, 0);
	if (run->tools.n_offered == 0) {
		rc = hub_buf_puts(&settings, gemini_settings_json);
		if (rc == 0)
			rc = hub_buf_puts(&policy, gemini_policy_toml);
	} else if ((rc = gemini_tools_settings(&run->tools, gemini_settings_json, pp->stub,
	    pp->tools_json, &settings)) == 0)
		rc = gemini_tools_policy(&run->tools, &policy);
	if (rc == 0 && snprintf(path, sizeof(path), "%s/settings.json", pp->gemini_dir) >= (int)sizeof(path))
		rc = HUB_ERR_TOO_LARGE;
	if (rc == 0)
		rc = workdir_write_file(path, settings.data, settings.len, 0600);
	if (rc == 0 && snprintf(path, sizeof(path), "%s/deny-all.toml", policies) >= (int)sizeof(path))
		rc = HUB_ERR_TOO_LARGE;
	if (rc == 0)
		rc = workdir_write_file(path, policy.data, policy.len, 0600);
	hub_buf_free(&settings);
	hub_buf_free(&policy);
	return rc;
}

/* ------------------------------------------------------------ prompt */

/*
 * 1 when the CLI's @-command pattern starts at s[i]: an '@' not after a
 * backslash, followed by a path character (the CLI's
 * AT_COMMAND_PATH_REGEX_SOURCE: anything but whitespace and ,;!?()[]{}.,
 * or a '.' that is not last and not before whitespace).
 */
static int
gemini_at_command_at(const char *s, size_t i)
{
	char c = s[i + 1];

	if (s[i] != '@' || (i > 0 && s[i - 1] == '\\') || c == '\0')
		return 0;
	if (c == '.')
		return s[i + 2] != '\0' && strchr(" \t\n\r", s[i + 2]) == NULL;
	return strchr(" \t\n\r,;!?()[]{}", c) == NULL;
}

/*
 * Append text to out so that the CLI reads no file, directory or agent
 * name out of it: a backslash goes before every '@' that would start an
 * @-command (the CLI's own escape for a literal '@', which it passes on
 * as is). Everything else is copied unchanged.
 */
static int
gemini_put_inert(struct hub_buf *out, const char *text)
{
	size_t i, from = 0;
	int rc = 0;

	for (i = 0; rc == 0 && text[i] != '\0'; i++) {
		if (!gemini_at_command_at(text, i))
			continue;
		if ((rc = hub_buf_append(out, text + from, i - from)) == 0)
			rc = hub_buf_puts(out, "\\");
		from = i;
	}
	return rc != 0 ? rc : hub_buf_puts(out, text + from);
}

/* Length of the template variable the CLI substitutes in a system prompt
 * file at s ("${AgentSkills}", "${SubAgents}", "${AvailableTools}",
 * "${<tool>_ToolName}"), 0 when there is none. */
static size_t
gemini_template_var_at(const char *s)
{
	static const char *const names[] = { "AgentSkills", "SubAgents", "AvailableTools", NULL };
	size_t i, n;

	if (s[0] != '$' || s[1] != '{')
		return 0;
	n = strspn(s + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	if (n == 0 || s[2 + n] != '}')
		return 0;
	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == n && strncmp(s + 2, names[i], n) == 0)
			return n + 3;
	return n > 9 && strncmp(s + 2 + n - 9, "_ToolName", 9) == 0 ? n + 3 : 0;
}

/* Append system text to out with a backslash between '$' and '{' of each
 * template variable the CLI would replace. */
static int
gemini_put_inert_system(struct hub_buf *out, const char *text)
{
	size_t i, from = 0;
	int rc = 0;

	for (i = 0; rc == 0 && text[i] != '\0'; i++) {
		if (gemini_template_var_at(text + i) == 0)
			continue;
		if ((rc = hub_buf_append(out, text + from, i + 1 - from)) == 0)
			rc = hub_buf_puts(out, "\\");
		from = i + 1;
	}
	return rc != 0 ? rc : hub_buf_puts(out, text + from);
}

/* 1 when no message contains the marker. */
static int
gemini_marker_unused(const struct provider_call *call, const char *marker)
{
	size_t i;

	for (i = 0; i < call->n_messages; i++)
		if (call->messages[i].content != NULL && strstr(call->messages[i].content, marker) != NULL)
			return 0;
	return 1;
}

/*
 * Render the conversation for stdin. A single user turn goes verbatim
 * (unless it starts with '/', which the CLI would take as a slash command);
 * anything longer becomes a transcript with turn markers that carry a
 * random tag no message contains. System messages are not here: they go
 * to GEMINI_SYSTEM_MD.
 */
static int
gemini_render_prompt(const struct provider_call *call, struct hub_buf *out)
{
	const struct provider_msg *only = NULL;
	unsigned char rnd[6];
	char marker[32];
	size_t i, turns = 0;
	int rc = 0, tries;

	for (i = 0; i < call->n_messages; i++) {
		if (call->messages[i].role == NULL || strcmp(call->messages[i].role, "system") == 0)
			continue;
		turns++;
		only = &call->messages[i];
	}
	if (turns == 0 || only == NULL || strcmp(only->role, "user") != 0)
		return HUB_ERR_INVALID;
	if (turns == 1 && only->content != NULL &&
	    only->content[strspn(only->content, " \t\r\n")] != '/')
		return gemini_put_inert(out, only->content);

	for (tries = 0; tries < GEMINI_MARKER_TRIES; tries++) {
		if (hub_os_random(rnd, sizeof(rnd)) != 0)
			return HUB_ERR_SYSTEM;
		snprintf(marker, sizeof(marker), "turn-%02x%02x%02x%02x%02x%02x",
		    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
		if (gemini_marker_unused(call, marker))
			break;
	}
	if (tries == GEMINI_MARKER_TRIES)
		return HUB_ERR_SYSTEM;
	rc = hub_buf_printf(out,
	    "The conversation so far is below: turns between a user and you, the "
	    "assistant, each one between <%s role=\"...\"> and </%s>. Continue it: "
	    "reply to the last user turn as the assistant, with the reply text only "
	    "and no turn markers.\n", marker, marker);
	for (i = 0; rc == 0 && i < call->n_messages; i++) {
		const struct provider_msg *m = &call->messages[i];
		if (m->role == NULL || strcmp(m->role, "system") == 0)
			continue;
		rc = hub_buf_printf(out, "\n<%s role=\"%s\">\n", marker,
		    strcmp(m->role, "assistant") == 0 ? "assistant" : "user");
		if (rc == 0)
			rc = gemini_put_inert(out, m->content != NULL ? m->content : "");
		if (rc == 0)
			rc = hub_buf_printf(out, "\n</%s>\n", marker);
	}
	return rc;
}

/* Join the system messages into out, and a sentence for tool_choice
 * required or named (the CLI cannot set Gemini's function calling mode);
 * empty when there is neither. */
static int
gemini_render_system(const struct provider_call *call, const struct gemini_tools *tools,
    struct hub_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < call->n_messages; i++) {
		const struct provider_msg *m = &call->messages[i];
		if (m->role == NULL || strcmp(m->role, "system") != 0 || m->content == NULL)
			continue;
		if (out->len > 0)
			rc = hub_buf_puts(out, "\n\n");
		if (rc == 0)
			rc = gemini_put_inert_system(out, m->content);
	}
	if (rc != 0 || tools->n_offered == 0 || (call->tool_choice != PROVIDER_TOOL_CHOICE_REQUIRED &&
	    call->tool_choice != PROVIDER_TOOL_CHOICE_NAMED))
		return rc;
	if (out->len > 0)
		rc = hub_buf_puts(out, "\n\n");
	if (rc == 0 && call->tool_choice == PROVIDER_TOOL_CHOICE_NAMED)
		rc = hub_buf_printf(out, "Answer by calling the function %s.", tools->up_names[0]);
	else if (rc == 0)
		rc = hub_buf_puts(out, "Answer by calling one or more of your functions.");
	return rc;
}

/* The stdin text into prompt and, with tool turns or images, the session
 * file. */
static int
gemini_render_input(struct gemini_run *run, struct hub_buf *prompt)
{
	const char *live = NULL;
	int rc;

	if (!gemini_tools_needs_history(run->call))
		return gemini_render_prompt(run->call, prompt);
	if ((rc = gemini_tools_history(&run->tools, &run->history, &live)) != 0)
		return rc;
	return live != NULL ? gemini_put_inert(prompt, live) : hub_buf_puts(prompt, GEMINI_TOOLS_CONTINUE);
}

/* ------------------------------------------------------------ argv / env */

/* PATH for the child: node's directory first (the CLI is a node script). */
static int
gemini_child_path(char *out, size_t outlen)
{
	char *node = hub_config_find_executable("node");
	char *slash;
	int n;

	if (node != NULL && (slash = strrchr(node, '/')) != NULL && slash != node) {
		*slash = '\0';
		n = snprintf(out, outlen, "%s:/usr/local/bin:/usr/bin:/bin", node);
	} else
		n = snprintf(out, outlen, "/usr/local/bin:/usr/bin:/bin");
	free(node);
	return n < 0 || (size_t)n >= outlen ? HUB_ERR_TOO_LARGE : 0;
}

/* The child's whole environment, built from scratch. */
static int
gemini_build_env(const struct gemini_paths *pp, int with_system, struct child_env *env)
{
	char path[PATH_MAX + 64];
	const char *v;
	int rc;

	if ((rc = gemini_child_path(path, sizeof(path))) != 0 ||
	    (rc = child_env_add(env, "PATH", path)) != 0 ||
	    (rc = child_env_add(env, "HOME", pp->home)) != 0 ||
	    (rc = child_env_add(env, "GEMINI_CLI_HOME", pp->home)) != 0 ||
	    (rc = child_env_add(env, "TMPDIR", pp->tmp)) != 0 ||
	    (rc = child_env_add(env, "GEMINI_CLI_NO_RELAUNCH", "true")) != 0 ||
	    (rc = child_env_add(env, "NO_BROWSER", "true")) != 0 ||
	    (rc = child_env_add(env, "NO_COLOR", "1")) != 0 ||
	    (rc = child_env_add(env, "TERM", "xterm-256color")) != 0 ||
	    (with_system && (rc = child_env_add(env, "GEMINI_SYSTEM_MD", pp->system_md)) != 0))
		return rc;
	if ((rc = child_env_pass(env, gemini_passthrough_env)) != 0)
		return rc;
	if ((v = getenv("CODE_ASSIST_ENDPOINT")) != NULL && v[0] != '\0')
		return child_env_pass(env, gemini_test_env);
	return 0;
}

/* ------------------------------------------------------------ child callbacks */

/* Hand cleaned model text upward. */
static int
gemini_deliver_text(struct gemini_run *r, const char *text, size_t len)
{
	const struct provider_call *call = r->call;
	int rc;

	if (len == 0)
		return 0;
	if ((rc = hub_buf_append(&r->text, text, len)) != 0) {
		r->output_capped = rc == HUB_ERR_TOO_LARGE;
		r->stop_err = rc == HUB_ERR_TOO_LARGE ? HUB_ERR_OUTPUT_CAP : rc;
		return -1;
	}
	if (provider_stream_text(&call->io, r->start_ms, &r->first_token_ms, text, len) == 0)
		return 0;
	r->client_gone = 1;
	return -1;
}

/* gemini_stream callback: assistant text, to be cleaned of terminal control. */
static int
gemini_on_model_text(void *arg, const char *text, size_t len)
{
	struct gemini_run *r = arg;
	int rc;

	hub_buf_reset(&r->text_scratch);
	if ((rc = pty_clean_feed(&r->text_clean, text, len, &r->text_scratch)) != 0) {
		r->stop_err = rc;
		return -1;
	}
	return gemini_deliver_text(r, r->text_scratch.data, r->text_scratch.len);
}

/* gemini_stream callback: a call the model proposed. Recorded and, when
 * streaming, handed on at once; with parallel_tool_calls 0 only the first. */
static int
gemini_on_tool_use(void *arg, const char *name, const char *id, const char *params_json)
{
	struct gemini_run *r = arg;
	const struct provider_call *call = r->call;
	const struct provider_tool_call *c;
	size_t index;
	int rc;

	(void)id;  /* the CLI's own; the client gets a call_ id */
	if (r->tools_done || r->tools.n_offered == 0)
		return 0;
	if ((rc = gemini_tools_add_call(&r->tools, name, params_json, &index)) != 0) {
		r->stop_err = rc;
		return -1;
	}
	if (!call->parallel_tool_calls)
		r->tools_done = 1;
	c = &r->tools.calls[index];
	if (call->stream && (provider_stream_tool_delta(&call->io, index, c->id, c->name, "", 0) < 0 ||
	    provider_stream_tool_delta(&call->io, index, NULL, NULL, c->arguments,
	    strlen(c->arguments)) < 0)) {
		r->client_gone = 1;
		return -1;
	}
	return 0;
}

static int
gemini_on_child_stdout(void *arg, const char *data, size_t len)
{
	struct gemini_run *r = arg;
	int rc;

	hub_buf_reset(&r->raw_scratch);
	if ((rc = pty_clean_feed(&r->raw_clean, data, len, &r->raw_scratch)) != 0) {
		r->stop_err = rc;
		return -1;
	}
	if (r->raw_scratch.len == 0)
		return 0;
	if (gemini_stream_feed(&r->stream, r->raw_scratch.data, r->raw_scratch.len) < 0)
		return -1;
	/* every tool_use comes before the first tool_result: the turn is over.
	 * A result the hook stopped (stop_execution) is followed by the result
	 * line with the usage, at once; any other means something ran (it
	 * cannot: the stub refuses) and the CLI would ask the model again */
	if (r->tools.n_calls > 0 && (r->stream.got_result ||
	    r->stream.tool_results > r->stream.tool_results_stopped))
		r->tools_done = 1;
	/* the CLI's last line: nothing more is needed of it, and the reply
	 * goes out while a reaper stops it (its exit takes 20-60 ms) */
	if (r->tools.n_calls == 0 && r->stream.got_result && r->stream.result_success &&
	    r->stop_err == 0)
		r->result_done = 1;
	return r->tools_done || r->result_done ? -1 : 0;  /* stop the CLI */
}

/* Parse "13h21m5s" / "1m" / "30s" / "500ms" at s; seconds rounded up, -1 if none. */
static long
gemini_parse_duration_s(const char *s)
{
	double total_ms = 0;
	int any = 0;
	char *end;

	for (;;) {
		double v = strtod(s, &end);
		if (end == s || v < 0)
			break;
		s = end;
		if (strncmp(s, "ms", 2) == 0) { total_ms += v; s += 2; }
		else if (*s == 'h') { total_ms += v * 3600000.0; s++; }
		else if (*s == 'm') { total_ms += v * 60000.0; s++; }
		else if (*s == 's') { total_ms += v * 1000.0; s++; }
		else break;
		any = 1;
	}
	if (!any)
		return -1;
	if (total_ms > 1e12)
		total_ms = 1e12;
	return (long)((total_ms + 999.0) / 1000.0);
}

/* Copy a line into dst for messages: cleaned, cut. */
static void
gemini_keep_line(char *dst, size_t dstlen, const char *line, size_t len)
{
	char *clean = NULL;

	if (pty_clean_string(line, len, &clean) != 0 || clean == NULL) {
		snprintf(dst, dstlen, "(unreadable)");
		return;
	}
	snprintf(dst, dstlen, "%s", clean);
	free(clean);
}

/* Decide whether the backoff has lasted longer than the hub tolerates. */
static int
gemini_backoff_exceeded(struct gemini_run *r, long announced_wait_s)
{
	long max_wait_s = hub_cfg != NULL ? hub_cfg->gemini_max_retry_wait_s : 10;
	long long now = hub_time_mono_ms();

	if (r->backoff_since_ms == 0)
		r->backoff_since_ms = now;
	if (announced_wait_s > r->retry_after_s)
		r->retry_after_s = announced_wait_s;
	if (announced_wait_s > max_wait_s ||
	    (now - r->backoff_since_ms) / 1000 + (announced_wait_s > 0 ? announced_wait_s : 0) > max_wait_s ||
	    max_wait_s == 0) {
		r->stop_err = r->backoff_err;
		return 1;
	}
	return 0;
}

/* One stderr line: [ERROR] lines and retry/backoff announcements. */
static int
gemini_on_stderr_line(struct gemini_run *r, const char *line, size_t len)
{
	char buf[GEMINI_MAX_STDERR_LINE + 1];
	const char *p;
	long wait_s = -1;
	int is_backoff = 0, is_quota = 0;

	memcpy(buf, line, len);
	buf[len] = '\0';
	if (strncmp(buf, "[ERROR]", 7) == 0) {
		r->saw_error_line = 1;
		gemini_keep_line(r->error_line, sizeof(r->error_line), buf, len);
	}
	/* 0.61 reports a rejected token during set-up this way, with exit 1 */
	if (strncmp(buf, "Error authenticating", 20) == 0) {
		r->saw_auth_error = 1;
		gemini_keep_line(r->fatal_line, sizeof(r->fatal_line), buf, len);
	} else if (strncmp(buf, "An unexpected critical error occurred", 37) == 0 &&
	    r->fatal_line[0] == '\0')
		gemini_keep_line(r->fatal_line, sizeof(r->fatal_line), buf, len);
	if ((p = strstr(buf, "Retrying after ")) != NULL) {
		is_backoff = 1;
		is_quota = 1;  /* a retry delay comes only with quota errors */
		wait_s = gemini_parse_duration_s(p + 15);
	}
	if (strstr(buf, "Retrying with backoff") != NULL) {
		is_backoff = 1;
		if (strstr(buf, "429") != NULL)
			is_quota = 1;
	}
	if (strstr(buf, "exhausted your capacity") != NULL || strstr(buf, "RESOURCE_EXHAUSTED") != NULL ||
	    strstr(buf, "Quota exceeded") != NULL) {
		is_backoff = 1;
		is_quota = 1;
		if ((p = strstr(buf, "reset after ")) != NULL) {
			long reset_s = gemini_parse_duration_s(p + 12);
			if (reset_s > wait_s)
				wait_s = reset_s;
		}
	}
	if (!is_backoff)
		return 0;
	if (is_quota || r->backoff_err == 0)
		r->backoff_err = is_quota ? HUB_ERR_RATE_LIMIT : HUB_ERR_OVERLOADED;
	gemini_keep_line(r->backoff_line, sizeof(r->backoff_line), buf, len);
	return gemini_backoff_exceeded(r, wait_s) ? -1 : 0;
}

/* A stderr line from the splitter (an over-long one cut to its first
 * GEMINI_MAX_STDERR_LINE bytes), without a trailing '\r'. A negative
 * value (the stop error) ends the run. */
static int
gemini_on_err_line(void *arg, const char *line, size_t len)
{
	struct gemini_run *r = arg;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	return gemini_on_stderr_line(r, line, len) < 0 ? r->stop_err : 0;
}

static int
gemini_on_child_stderr(void *arg, const char *data, size_t len)
{
	struct gemini_run *r = arg;
	int rc = hub_lines_feed(&r->err_lines, data, len);

	/* out of memory only loses stderr lines */
	return rc < 0 && rc != HUB_ERR_NOMEM ? -1 : 0;
}

static int
gemini_on_child_idle(void *arg)
{
	struct gemini_run *r = arg;
	const struct provider_call *call = r->call;
	long long now = hub_time_mono_ms();

	if (r->backoff_err != 0 && gemini_backoff_exceeded(r, -1))
		return -1;
	if (call->io.on_idle != NULL && call->io.idle_tick_ms > 0 &&
	    now - r->last_idle_ms >= call->io.idle_tick_ms) {
		r->last_idle_ms = now;
		if (provider_stream_idle(&call->io) < 0) {
			r->client_gone = 1;
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ outcome */

/* Remove token-shaped words and any prompt text from an error message. */
static void
gemini_sanitise_message(char *msg, size_t msglen, const struct provider_call *call, int exit_code)
{
	static const char *const secret_marks[] = { "ya29.", "1//", "Bearer ", "access_token",
	    "refresh_token", NULL };
	size_t i;

	for (i = 0; secret_marks[i] != NULL; i++)
		if (strstr(msg, secret_marks[i]) != NULL)
			goto generic;
	for (i = 0; i < call->n_messages; i++) {
		const char *c = call->messages[i].content;
		size_t k, clen = c != NULL ? strlen(c) : 0;
		/* any 24-byte piece of a message found in msg counts as leaked prompt */
		for (k = 0; clen >= 24 && k + 24 <= clen; k += 12) {
			char piece[25];
			memcpy(piece, c + k, 24);
			piece[24] = '\0';
			if (strstr(msg, piece) != NULL)
				goto generic;
		}
		if (clen > 0 && clen < 24 && clen >= 6 && strstr(msg, c) != NULL)
			goto generic;
	}
	return;
generic:
	snprintf(msg, msglen, "the Gemini CLI failed (exit %d); its message was withheld", exit_code);
}

/* A quota 429 (RESOURCE_EXHAUSTED) with a retry delay: the plan's window
 * for the chat layer's cool-down, rejected until the delay has passed. */
static void
gemini_plan_quota(struct provider_reply *reply, long retry_after_s)
{
	if (retry_after_s <= 0)
		return;
	plan_window_init(&reply->plan);
	reply->plan.seen = 1;
	reply->plan.status = PLAN_STATUS_REJECTED;
	snprintf(reply->plan.type, sizeof(reply->plan.type), "quota");
	reply->plan.resets_at = hub_time_wall_ms() / 1000 + retry_after_s;
}

/* The CLI's own structured message, made safe, into msg ("" none). Only
 * structured messages are used: raw stderr may echo anything. */
static void
gemini_cli_message(const struct gemini_run *r, char *msg, size_t len)
{
	const char *cli_msg = NULL;

	msg[0] = '\0';
	if (r->stream.error_message != NULL)
		cli_msg = r->stream.error_message;
	else if (r->saw_error_line)
		cli_msg = r->error_line;
	else if (r->fatal_line[0] != '\0')
		cli_msg = r->fatal_line;
	if (cli_msg != NULL)
		gemini_keep_line(msg, len, cli_msg, strlen(cli_msg));
}

/* How a run the hub ended (or that proposed calls, or succeeded) is
 * answered: 1 when decided (reply->err set, or 0 for a success), 0 when
 * the exit status decides (gemini_map_exit()). */
static int
gemini_map_stop(struct gemini_run *r, const struct child_result *res, int code,
    struct provider_reply *reply)
{
	if (r->client_gone || res->watch_fired)
		provider_reply_error(reply, HUB_ERR_CLIENT_GONE, "the client went away");
	else if (r->tools.n_calls > 0 && r->stop_err == 0 && !r->output_capped &&
	    (r->tools_done || code == 0))
		;  /* the model proposed calls: success, whatever ended the CLI */
	else if (r->stop_err == HUB_ERR_RATE_LIMIT || r->stop_err == HUB_ERR_OVERLOADED) {
		gemini_sanitise_message(r->backoff_line, sizeof(r->backoff_line), r->call, code);
		provider_reply_error(reply, r->stop_err,
		    "Gemini is %s; the CLI would wait %s%lds: %s",
		    r->stop_err == HUB_ERR_RATE_LIMIT ? "rate limited" : "overloaded",
		    r->retry_after_s > 0 ? "" : "at least ",
		    r->retry_after_s > 0 ? r->retry_after_s : (hub_cfg ? hub_cfg->gemini_max_retry_wait_s : 0),
		    r->backoff_line);
		reply->retry_after_s = r->retry_after_s;
		if (r->stop_err == HUB_ERR_RATE_LIMIT)
			gemini_plan_quota(reply, r->retry_after_s);
	} else if (r->output_capped || res->output_capped)
		provider_reply_error(reply, HUB_ERR_OUTPUT_CAP, "the Gemini CLI printed more than the output cap");
	else if (r->stop_err != 0)
		provider_reply_error(reply, r->stop_err, "reading the Gemini CLI's output failed");
	else if (res->memory_exceeded)
		provider_reply_error(reply, HUB_ERR_UPSTREAM,
		    "the Gemini CLI used more memory than HUB_CHILD_MAX_RSS_MB allows and was stopped");
	else if (res->timed_out)
		provider_reply_error(reply, HUB_ERR_TIMEOUT, "the Gemini CLI did not finish within %lds",
		    r->timeout_s);
	else if (!(code == 0 && r->text.len > 0 && !r->saw_error_line &&
	    (!r->stream.got_result || r->stream.result_success)))
		return 0;
	return 1;  /* decided; a reply without an error is a success */
}

/* A failed run by its exit status and the CLI's message: the error code
 * (auth, rate limit, upstream) and the message the client gets. */
static void
gemini_map_exit(struct gemini_run *r, const struct child_result *res, int code,
    struct provider_reply *reply)
{
	char msg[HUB_MAX_ERROR_MESSAGE];
	int err;

	gemini_cli_message(r, msg, sizeof(msg));
	gemini_sanitise_message(msg, sizeof(msg), r->call, code);
	if (code == 41 || code == 145 || code == 147 || (code != 0 && r->saw_auth_error))
		err = HUB_ERR_PROVIDER_AUTH;
	else if (code == 173 || (msg[0] != '\0' && (strstr(msg, "429") != NULL ||
	    strstr(msg, "exhausted your capacity") != NULL || strstr(msg, "Quota exceeded") != NULL)))
		err = HUB_ERR_RATE_LIMIT;
	else if (msg[0] != '\0' && (strstr(msg, "401") != NULL || strstr(msg, "403") != NULL ||
	    strstr(msg, "UNAUTHENTICATED") != NULL || strstr(msg, "PERMISSION_DENIED") != NULL))
		err = HUB_ERR_PROVIDER_AUTH;
	else
		err = HUB_ERR_UPSTREAM;
	if (err == HUB_ERR_RATE_LIMIT && r->retry_after_s > 0) {
		reply->retry_after_s = r->retry_after_s;
		gemini_plan_quota(reply, r->retry_after_s);
	}

	if (code == 0 && r->text.len == 0 && msg[0] == '\0')
		provider_reply_error(reply, err, "the Gemini CLI gave an empty reply");
	else if (code == 0)
		provider_reply_error(reply, err, "the Gemini CLI reported an error: %s",
		    msg[0] ? msg : "(no message)");
	else if (code == 41)
		provider_reply_error(reply, err, "Gemini authentication failed (exit 41)%s%s",
		    msg[0] ? ": " : "", msg);
	else if (code == 42)
		provider_reply_error(reply, err, "the Gemini CLI got no input (exit 42)");
	else if (code == 55)
		provider_reply_error(reply, err, "the Gemini CLI refused its folder (exit 55)");
	else if (code == 130)
		provider_reply_error(reply, err, "the Gemini CLI was interrupted (exit 130)");
	else if (code < 0)
		provider_reply_error(reply, err, "the Gemini CLI was killed by signal %d", res->term_signal);
	else
		provider_reply_error(reply, err, "the Gemini CLI failed (exit %d)%s%s", code,
		    msg[0] ? ": " : "", msg);
}

/* Turn how the child ended into reply->err and a message. */
static void
gemini_map_outcome(struct gemini_run *r, const struct child_result *res, struct provider_reply *reply)
{
	/* a success result line is the exit status the CLI was stopped before */
	int code = r->result_done ? 0 : res->exited ? res->exit_code : -1;

	if (!gemini_map_stop(r, res, code, reply))
		gemini_map_exit(r, res, code, reply);
}

/* ------------------------------------------------------------ the adapter's hooks */

/* The model of the run: the engine's choice, else the CLI's usual one. */
static const char *
gemini_model(const char *model)
{
	return model != NULL ? model : "gemini-2.5-pro";
}

/* Fill argv (flags only: the prompt goes to stdin). */
static void
gemini_build_argv(struct gemini_run *run, const char *model)
{
	snprintf(run->model_arg, sizeof(run->model_arg), "--model=%s", gemini_model(model));
	run->argv[0] = "gemini";
	run->argv[1] = run->model_arg;
	run->argv[2] = "--output-format=stream-json";
	run->argv[3] = "--prompt=";    /* empty: the CLI then uses stdin alone */
	run->argv[4] = NULL;
	if (run->history.len > 0) {
		snprintf(run->history_arg, sizeof(run->history_arg), "--session-file=%s",
		    run->paths.history);
		run->argv[4] = run->history_arg;
		run->argv[5] = NULL;
	}
}

/* Copy the credentials at auth_path (NULL or "": none) into the run; they
 * go back in gemini_cleanup(). */
static int
gemini_creds_in(struct gemini_run *run, const char *auth_path)
{
	int rc;

	if (auth_path == NULL || auth_path[0] == '\0')
		return 0;
	if ((rc = cred_file_copy_in(&gemini_token_file_kind, auth_path, run->paths.creds,
	    &run->orig_creds)) == 0)
		run->auth_path = auth_path;
	return rc;
}

/* --- warm children (providers/warm_pool.h) ------------------------------ */

/* What a warm child gets on stdin at once: the 0.61.0 CLI reads stdin
 * only after its start-up, and gives up on it when nothing comes within
 * 500 ms of that; one newline before the prompt keeps it waiting for the
 * rest (until EOF). */
#define GEMINI_WARM_STDIN "\n"

/* A warm child can serve the call: no system messages (GEMINI_SYSTEM_MD
 * is read at start-up), no client tools (settings.json), no tool turns or
 * images (the --session-file of argv). Plain history is in the prompt. */
static int
gemini_warm_ok(void *arg)
{
	const struct gemini_run *run = arg;
	size_t i;

	if (run->call->n_tools > 0 || gemini_tools_needs_history(run->call))
		return 0;
	for (i = 0; i < run->call->n_messages; i++)
		if (run->call->messages[i].role != NULL && strcmp(run->call->messages[i].role, "system") == 0)
			return 0;
	return 1;
}

/* A warm child's directory (settings, policy, the credentials as they
 * are now), argv and environment: those of a call without system
 * messages, tools or session file. */
static int
gemini_warm_prepare(const struct cli_run_dirs *dirs, const char *model, long timeout_s,
    const char *seed, size_t seed_len, struct cli_run_input *in, void **scratch)
{
	const char *auth_path = hub_cfg != NULL ? hub_cfg->gemini_auth_path : NULL;
	struct gemini_run *run;
	int rc;

	(void)timeout_s;
	(void)seed;       /* no history_seed: a plain-text history goes on stdin */
	(void)seed_len;
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return HUB_ERR_NOMEM;
	*scratch = run;
	hub_buf_init(&run->orig_creds, 0);
	if ((rc = gemini_run_dir_prepare(dirs, run)) == 0 && (rc = gemini_creds_in(run, auth_path)) == 0 &&
	    (rc = gemini_build_env(&run->paths, 0, &in->env)) == 0)
		rc = hub_buf_puts(&in->stdin_data, GEMINI_WARM_STDIN);
	cred_file_secret_free(&run->orig_creds);   /* the request reads its own */
	gemini_build_argv(run, model);
	in->argv = run->argv;
	return rc;
}

/* The request's side of a warm run: the files' names, and the
 * credentials as GEMINI_AUTH_PATH holds them now, to compare the run's
 * copy with when it goes back (gemini_cleanup()). */
static int
gemini_warm_request(struct gemini_run *run, const struct cli_run_dirs *dirs, const char *auth_path)
{
	int rc;

	if ((rc = gemini_paths_fill(dirs, &run->paths)) != 0)
		return rc;
	if (auth_path == NULL || auth_path[0] == '\0')
		return 0;
	if (cred_file_read(&gemini_token_file_kind, auth_path, &run->orig_creds) == 0)
		run->auth_path = auth_path;
	return 0;
}

/* A fingerprint of GEMINI_AUTH_PATH's content now ("" without one): a
 * refreshed or replaced file retires the children started with the old. */
static void
gemini_login(char *fp, size_t len)
{
	const char *auth_path = hub_cfg != NULL ? hub_cfg->gemini_auth_path : NULL;
	struct hub_buf b;

	if (len > 0)
		fp[0] = '\0';
	if (auth_path == NULL || auth_path[0] == '\0')
		return;
	hub_buf_init(&b, 0);
	if (cred_file_read(&gemini_token_file_kind, auth_path, &b) == 0 && b.len > 0 &&
	    hub_buf_append(&b, "", 1) == 0)
		provider_fingerprint(b.data, fp, len);
	cred_file_secret_free(&b);
}

static int
gemini_prepare(void *arg, const struct cli_run_dirs *dirs, const char *model,
    struct cli_run_input *in, struct provider_reply *reply)
{
	struct gemini_run *run = arg;
	const char *auth_path = hub_cfg != NULL ? hub_cfg->gemini_auth_path : NULL;
	const char *why = NULL;
	char tools_why[HUB_MAX_ERROR_MESSAGE] = "";
	int rc;

	if ((rc = gemini_tools_init(&run->tools, run->call, tools_why, sizeof(tools_why))) != 0)
		why = rc == HUB_ERR_INVALID ? tools_why : "could not prepare the tools";
	else if ((rc = gemini_render_input(run, &in->stdin_data)) != 0 ||
	    (rc = gemini_render_system(run->call, &run->tools, &run->system)) != 0)
		why = rc == HUB_ERR_TOO_LARGE ? "the conversation is too large for the Gemini CLI" :
		    rc == HUB_ERR_INVALID ? "the conversation must end with a user message" :
		    "could not prepare the prompt";
	else if (in->warm && (rc = gemini_warm_request(run, dirs, auth_path)) != 0)
		why = "could not prepare the Gemini CLI's private directory";
	else if (!in->warm && (rc = gemini_run_dir_prepare(dirs, run)) != 0)
		why = rc == HUB_ERR_SPAWN ? "hub-tool-stub, which declares client tools to the Gemini CLI, "
		    "is not installed" : "could not prepare the Gemini CLI's private directory";
	else if (run->history.len > 0 &&
	    (rc = workdir_write_file(run->paths.history, run->history.data, run->history.len, 0600)) != 0)
		why = "could not write the conversation's session file";
	else if (run->system.len > 0 &&
	    (rc = workdir_write_file(run->paths.system_md, run->system.data, run->system.len, 0600)) != 0)
		why = "could not write the system prompt file";
	else if (!in->warm && (rc = gemini_creds_in(run, auth_path)) != 0)
		why = "could not copy the Gemini credentials";
	else if ((rc = gemini_build_env(&run->paths, run->system.len > 0, &in->env)) != 0)
		why = "could not build the Gemini CLI's environment";
	if (why != NULL) {
		provider_reply_error(reply, rc, "%s", why);
		return rc;
	}
	gemini_build_argv(run, model);
	in->argv = run->argv;
	run->start_ms = hub_time_mono_ms();
	run->last_idle_ms = run->start_ms;
	return HUB_OK;
}

/* Flush what the cleaners and the line parser still hold. */
static void
gemini_flush(struct gemini_run *run)
{
	hub_buf_reset(&run->tail);
	(void)hub_lines_finish(&run->err_lines);
	if (pty_clean_finish(&run->raw_clean, &run->tail) == 0 && run->tail.len > 0)
		(void)gemini_stream_feed(&run->stream, run->tail.data, run->tail.len);
	(void)gemini_stream_finish(&run->stream);
	hub_buf_reset(&run->tail);
	if (!run->client_gone && run->stop_err == 0 &&
	    pty_clean_finish(&run->text_clean, &run->tail) == 0 && run->tail.len > 0)
		(void)gemini_deliver_text(run, run->tail.data, run->tail.len);
}

static void
gemini_finish(void *arg, const struct child_result *res, int client_gone, const char *model,
    struct provider_reply *reply)
{
	struct gemini_run *run = arg;
	char *clean = NULL;

	if (client_gone)
		run->client_gone = 1;  /* not so far: gemini has its own on_idle */
	gemini_flush(run);
	gemini_map_outcome(run, res, reply);
	reply->first_token_ms = run->first_token_ms;
	if (run->stream.input_tokens >= 0)
		reply->usage.prompt_tokens = run->stream.input_tokens;
	if (run->stream.output_tokens >= 0)
		reply->usage.completion_tokens = run->stream.output_tokens;
	if (run->stream.model != NULL &&
	    pty_clean_string(run->stream.model, strlen(run->stream.model), &clean) == 0)
		reply->model = clean;
	if (reply->model == NULL)
		reply->model = strdup(gemini_model(model));
	reply->finish_reason = "stop";
	if (reply->err == 0) {
		reply->text = hub_buf_steal(&run->text);
		if (reply->text == NULL)
			provider_reply_error(reply, HUB_ERR_NOMEM, "out of memory");
	}
	if (reply->err == 0 && run->tools.n_calls > 0) {
		reply->tool_calls = gemini_tools_take_calls(&run->tools, &reply->n_tool_calls);
		reply->finish_reason = "tool_calls";
	}
}

/* The credentials go back (refreshed by the CLI) before the directory
 * goes, once: when a callback stopped the run, at once (a reaper may remove
 * the directory while the reply is made), else after the reap. */
static void
gemini_creds_back(struct gemini_run *run)
{
	if (run->auth_path == NULL || run->creds_back)
		return;
	run->creds_back = 1;
	cred_file_write_back(&gemini_token_file_kind, run->auth_path, run->paths.creds,
	    &run->orig_creds);
}

static void
gemini_on_stop(void *arg, const struct cli_run_dirs *dirs)
{
	(void)dirs;
	gemini_creds_back(arg);
}

static void
gemini_cleanup(void *arg, const struct cli_run_dirs *dirs, const struct child_result *res,
    struct provider_reply *reply)
{
	struct gemini_run *run = arg;

	(void)dirs;
	gemini_creds_back(run);
	if (reply->err != 0)
		hub_log(HUB_LOG_INFO, "gemini", "run failed: %s (exit %d, %ld ms)",
		    hub_strerror(reply->err), res->exited ? res->exit_code : -1, res->duration_ms);
}

static const struct cli_run_adapter gemini_adapter = {
	.cli_name = "Gemini",
	.log_tag = "gemini",
	.cli_default = "gemini",
	.workdir_sub = "gemini",
	.workdir_prefix = "run-",
	.use_pty = 1,
	.stdin_max = GEMINI_MAX_PROMPT_BYTES,
	.model_err = HUB_ERR_MODEL_NOT_FOUND,
	.idle_check_ms = GEMINI_IDLE_CHECK_MS,
	.prepare = gemini_prepare,
	.on_stdout = gemini_on_child_stdout,
	.on_stderr = gemini_on_child_stderr,
	.on_idle = gemini_on_child_idle,
	.finish = gemini_finish,
	.on_stop = gemini_on_stop,
	.cleanup = gemini_cleanup,
	.detach_on_stop = 1,
	.warm_ok = gemini_warm_ok,
	.warm_prepare = gemini_warm_prepare,
	.login = gemini_login,
};

/* Free what one run holds (the credentials' copy wiped). */
static void
gemini_run_free(struct gemini_run *run)
{
	cred_file_secret_free(&run->orig_creds);
	hub_buf_free(&run->system);
	hub_buf_free(&run->tail);
	hub_buf_free(&run->raw_scratch);
	hub_buf_free(&run->text_scratch);
	hub_buf_free(&run->text);
	hub_lines_free(&run->err_lines);
	gemini_stream_free(&run->stream);
	gemini_tools_free(&run->tools);
	hub_buf_free(&run->history);
}

static int
gemini_chat(const struct provider *p, const struct provider_call *call,
    struct provider_reply *reply)
{
	struct gemini_run run;

	memset(&run, 0, sizeof(run));
	run.call = call;
	run.first_token_ms = -1;
	run.timeout_s = p->timeout_s;
	hub_buf_init(&run.system, GEMINI_MAX_PROMPT_BYTES);
	hub_buf_init(&run.orig_creds, 0);
	hub_buf_init(&run.tail, 0);
	pty_clean_init(&run.raw_clean);
	pty_clean_init(&run.text_clean);
	gemini_stream_init(&run.stream, gemini_on_model_text, &run);
	gemini_stream_set_tool_use(&run.stream, gemini_on_tool_use);
	hub_buf_init(&run.history, GEMINI_MAX_HISTORY_BYTES);
	hub_buf_init(&run.raw_scratch, 0);
	hub_buf_init(&run.text_scratch, 0);
	hub_buf_init(&run.text, hub_cfg != NULL && hub_cfg->max_output_bytes > 0 ?
	    (size_t)hub_cfg->max_output_bytes : HUB_DEFAULT_MAX_OUTPUT_BYTES);
	hub_lines_init(&run.err_lines, GEMINI_MAX_STDERR_LINE, gemini_on_err_line,
	    gemini_on_err_line, &run);
	cli_run(&gemini_adapter, &run, p, call, reply);
	gemini_run_free(&run);
	return reply->err;
}

/* --- what the hub knows of the kind ------------------------------------ */

static const char *const gemini_prefixes[] = { "gemini", NULL };
static const char *const gemini_aliases[] = { "pro", "flash", "flash-lite", NULL };
static const char *const gemini_models[] = {
	"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite",
	"pro", "flash", "flash-lite", NULL
};

static void
gemini_defaults(struct provider_defaults *d)
{
	d->cli = hub_cfg->gemini_cli;
	d->model = hub_cfg->gemini_model;
	d->timeout_s = hub_cfg->gemini_timeout_s;
	d->model_prefixes = gemini_prefixes;
	d->aliases = gemini_aliases;
	d->models = gemini_models;
}

static long
gemini_max_concurrent(const struct provider *p)
{
	(void)p;
	return hub_cfg->max_concurrent_gemini;
}

/* 1 when the GEMINI_AUTH_PATH file is readable. */
static int
gemini_has_credentials(const struct provider *p)
{
	(void)p;
	return hub_cfg->gemini_auth_path != NULL && access(hub_cfg->gemini_auth_path, R_OK) == 0;
}

/* 1 when the credentials file holds an access token, or when no path is
 * set (the CLI's own default place: cannot tell from here). */
static int
gemini_credential_configured(const struct provider *p)
{
	struct gemini_token_info info;
	const char *path = hub_cfg->gemini_auth_path;

	(void)p;
	if (path == NULL || *path == '\0')
		return 1;
	memset(&info, 0, sizeof(info));
	return gemini_token_status(path, &info) == HUB_OK && info.present && info.has_access_token;
}

static long long
gemini_credential_expiry_ms(const struct provider *p)
{
	struct gemini_token_info info;

	(void)p;
	if (hub_cfg->gemini_auth_path == NULL || hub_cfg->gemini_auth_path[0] == '\0')
		return -1;
	memset(&info, 0, sizeof(info));
	info.expiry_ms = -1;
	if (gemini_token_status(hub_cfg->gemini_auth_path, &info) != HUB_OK || !info.valid_json)
		return -1;
	/* with a refresh_token the CLI renews the hour-long access token itself,
	 * and that expiry moves every hour: nothing to warn about */
	if (info.has_refresh_token)
		return -1;
	return info.expiry_ms;
}

static int
gemini_credential_describe(const struct provider *p, struct json_object *o, char *fp,
    size_t fp_len)
{
	struct gemini_token_info info;
	const char *path = hub_cfg->gemini_auth_path;
	char iso[32];
	int have = 0;

	(void)p;
	json_object_object_add(o, "kind", json_object_new_string("gemini_oauth_credentials_file"));
	json_object_object_add(o, "source", json_object_new_string("GEMINI_AUTH_PATH"));
	memset(&info, 0, sizeof(info));
	info.expiry_ms = -1;
	if (path != NULL && *path != '\0' && gemini_token_status(path, &info) == HUB_OK)
		have = info.present && info.valid_json && info.has_access_token;
	json_object_object_add(o, "present", json_object_new_boolean(have));
	json_object_object_add(o, "file_readable", json_object_new_boolean(info.present));
	json_object_object_add(o, "valid", json_object_new_boolean(info.valid_json));
	json_object_object_add(o, "has_refresh_token", json_object_new_boolean(info.has_refresh_token));
	json_object_object_add(o, "expires_at", info.expiry_ms > 0 ?
	    json_object_new_string(hub_time_iso8601(info.expiry_ms, iso, sizeof(iso))) : NULL);
	json_object_object_add(o, "expired", info.expiry_ms > 0 ?
	    json_object_new_boolean(info.expiry_ms <= hub_time_wall_ms()) : NULL);
	if (fp_len > 0)
		fp[0] = '\0';  /* the file's token changes every hour: no fingerprint */
	return 1;
}

const struct provider_ops gemini_provider_ops = {
	.conf_type = "gemini",
	.builtin_name = "gemini",
	.vendor = "google",
	.max_concurrent_setting = "HUB_MAX_CONCURRENT_GEMINI",
	.has_tools = 1,
	.has_images = 1,
	.defaults = gemini_defaults,
	.chat = gemini_chat,
	.max_concurrent = gemini_max_concurrent,
	.has_credentials = gemini_has_credentials,
	.credential_configured = gemini_credential_configured,
	.credential_expiry_ms = gemini_credential_expiry_ms,
	.credential_describe = gemini_credential_describe,
};
