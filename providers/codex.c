/*
 * codex.c - the Codex CLI adapter: one `codex exec --json` child per chat,
 * signed in with a ChatGPT plan, with zero tools and no inherited state.
 *
 * Per run, below <HUB_STATE_DIR or /tmp>/codex/, a private directory:
 *   home/            HOME and CODEX_HOME:
 *     config.toml    the adapter's fixed settings (codex_config_toml)
 *     auth.json      a copy of CODEX_AUTH_PATH (see below)
 *     catalog.json   the model catalog the CLI must use (model_catalog_json):
 *                    the CLI's own models, each with no shell, no
 *                    apply_patch, no code mode and no sub-agents
 *     sessions/...   the earlier turns as a rollout the CLI resumes
 *   instructions.md  the system messages (model_instructions_file)
 *   cwd/             the CLI's empty working directory
 *   tmp/             TMPDIR
 * The whole directory is removed after the run.
 *
 * Zero tools (docs/PROVIDERS.md, "Codex"): the catalog above, and in
 * config.toml every tool feature disabled, web search, the
 * request_user_input tool, bundled skills and sub-agents
 * (agents.max_depth=0) turned off, --strict-config so that a renamed key
 * fails the run instead of being ignored, a read-only sandbox, approval
 * policy never.
 * Checked on the pinned 0.169.0 against tests/upstream/fake-codex.mjs: the
 * request's tools are [] and input[] has no additional_tools item
 * (tests/e2e/codex_real_cli.bats). An item of a tool type in the CLI's
 * output still fails the reply.
 *
 * History: the earlier user and assistant messages are written as a
 * rollout file (session_meta + response_item messages) and the run is
 * `codex exec ... resume <id> -`, so the model gets them as real turns.
 * The prompt (the last user message) goes to stdin, never argv; `codex
 * exec` takes stdin text as it is (no @file, no slash command, no !cmd).
 *
 * Credentials: the CLI reads and, when it refreshes the tokens, rewrites
 * CODEX_HOME/auth.json. As for Gemini (cred_file.h), CODEX_AUTH_PATH is
 * copied in under a shared flock on "<CODEX_AUTH_PATH>.lock" and a
 * refreshed copy is written back atomically under the exclusive lock,
 * unless the file got a usable token meanwhile that expires no earlier.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/hub_buf.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_log.h"
#include "common/hub_time.h"
#include "child.h"
#include "child_env.h"
#include "cli_run.h"
#include "cli_text.h"
#include "codex_stream.h"
#include "cred_file.h"
#include "provider.h"
#include "workdir.h"

/* The credentials file is small; anything bigger is not one. */
#define CODEX_MAX_AUTH_FILE_BYTES  (64u * 1024u)
/* The CLI's own retries of a failed request or stream. */
#define CODEX_MAX_RETRIES          1
/* The ChatGPT backend the CLI calls with a ChatGPT login. */
#define CODEX_DEFAULT_BASE_URL     "https://chatgpt.com/backend-api"
/* Words of argv: the fixed flags plus a few paths. */
#define CODEX_MAX_ARGV             32

/* Variables passed from the hub's own environment when set. */
static const char *const codex_passthrough_env[] = {
	"HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE", "CODEX_CA_CERTIFICATE",
	"CODEX_REFRESH_TOKEN_URL_OVERRIDE", NULL
};

/*
 * CODEX_HOME/config.toml of every run: the CLI's features that bring a
 * tool all off, web search, the request_user_input tool, bundled skills
 * and sub-agents too; no analytics, no update check, no environment
 * context; approval policy never. Checked with --strict-config, so that
 * a key the CLI no longer knows fails the run instead of being ignored.
 */
static const char codex_config_toml[] =
    "model_provider = \"hub\"\n"
    "approval_policy = \"never\"\n"
    "sandbox_mode = \"read-only\"\n"
    "web_search = \"disabled\"\n"
    "include_environment_context = false\n"
    "check_for_update_on_startup = false\n"
    "\n"
    "[analytics]\n"
    "enabled = false\n"
    "\n"
    "[tools]\n"
    "experimental_request_user_input = { enabled = false }\n"
    "\n"
    "[skills.bundled]\n"
    "enabled = false\n"
    "\n"
    "[agents]\n"
    "max_depth = 0\n"
    "\n"
    "[features]\n"
    "shell_tool = false\n"
    "unified_exec = false\n"
    "code_mode = false\n"
    "code_mode_host = false\n"
    "code_mode_only = false\n"
    "view_image = false\n"
    "image_generation = false\n"
    "apps = false\n"
    "plugins = false\n"
    "browser_use = false\n"
    "computer_use = false\n"
    "multi_agent = false\n"
    "multi_agent_v2 = false\n"
    "goals = false\n"
    "sleep_tool = false\n"
    "tool_suggest = false\n"
    "skill_search = false\n"
    "request_permissions_tool = false\n"
    "standalone_web_search = false\n"
    "memories = false\n"
    "hooks = false\n"
    "enable_request_compression = false\n";

/* One model of the CLI's own catalog (`codex debug models --bundled`, the
 * listed ones of 0.169.0). */
struct codex_model {
	const char *slug;
	const char *display_name;
	long context_window;
	int responses_lite;
};

static const struct codex_model codex_catalog[] = {
	{ "gpt-6.1-sol", "GPT-6.1-Sol", 272000, 1 },
	{ "gpt-6-astra", "GPT-6-Astra", 272000, 1 },
	{ "gpt-6-sol", "GPT-6-Sol", 272000, 1 },
	{ "gpt-6-luna", "GPT-6-Luna", 272000, 1 },
	{ "gpt-5.6-sol", "GPT-5.6-Sol", 272000, 1 },
	{ "gpt-6.1-terra", "GPT-6.1 Terra", 500000, 1 },
	{ "gpt-5.6-terra", "GPT-5.6-Terra", 272000, 1 },
	{ "gpt-5.6-luna", "GPT-5.6-Luna", 272000, 1 },
	{ "gpt-5.5", "GPT-5.5", 272000, 0 },
};
#define CODEX_N_MODELS (sizeof(codex_catalog) / sizeof(codex_catalog[0]))

/* Short names: alias -> slug. */
static const char *const codex_alias_map[][2] = {
	{ "sol", "gpt-6.1-sol" }, { "terra", "gpt-6.1-terra" },
	{ "luna", "gpt-6-luna" }, { "astra", "gpt-6-astra" },
};
#define CODEX_N_ALIASES (sizeof(codex_alias_map) / sizeof(codex_alias_map[0]))

/* The base instructions of the catalog's models (the CLI's own ones
 * describe a coding agent with a shell). System messages replace them. */
static const char codex_base_instructions[] =
    "You are a helpful assistant. You have no tools: answer in text.";

/* Why the adapter stopped the child itself. */
enum codex_stop {
	CODEX_STOP_NONE,
	CODEX_STOP_DONE,         /* turn.completed arrived */
	CODEX_STOP_CLIENT,       /* on_delta or the engine's on_idle said stop */
	CODEX_STOP_RATE_LIMIT,   /* the plan's usage limit */
	CODEX_STOP_AUTH,         /* the backend refused the login */
	CODEX_STOP_NOMEM
};

/* One run's state, shared with the callbacks. */
struct codex_run {
	const struct provider_call *call;
	struct codex_stream stream;
	enum codex_stop stop;
	long long start_ms;
	long first_token_ms;
	long timeout_s;
	char stop_message[HUB_MAX_ERROR_MESSAGE];  /* the error event that stopped it */
	/* what the run is started with (codex_prepare) */
	struct hub_buf system;          /* the system messages, joined */
	struct hub_buf orig_creds;      /* secret: the credentials as copied in */
	const char *auth_path;          /* set once the credentials were copied in */
	int creds_back;                 /* the credentials went back (codex_on_stop()) */
	char creds[PATH_MAX];
	char *argv[CODEX_MAX_ARGV];
	char thread_id[CLI_TEXT_UUID_SIZE];
	char model_arg[HUB_MAX_MODEL_LEN + 8];
	char catalog_arg[PATH_MAX + 32];
	char instructions_arg[PATH_MAX + 32];
	char provider_arg[PATH_MAX + 256];
	char chatgpt_arg[PATH_MAX + 32];
};

/* ------------------------------------------------------------ credentials */

/* Decode base64url (no padding needed) of src[0..len) into out; 0 or -1. */
static int
codex_base64url_decode(const char *src, size_t len, struct hub_buf *out)
{
	unsigned int acc = 0;
	int bits = 0, v;
	size_t i;
	char c;

	for (i = 0; i < len; i++) {
		c = src[i];
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '-' || c == '+')
			v = 62;
		else if (c == '_' || c == '/')
			v = 63;
		else if (c == '=')
			break;
		else
			return -1;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (char)((acc >> bits) & 0xff);
			if (hub_buf_append(out, &c, 1) != 0)
				return -1;
		}
	}
	return 0;
}

/* The claims of a JWT (its middle part) as a JSON object, or NULL. */
static struct json_object *
codex_jwt_claims(const char *jwt)
{
	struct json_object *claims = NULL;
	struct hub_buf b;
	const char *dot1, *dot2;
	char jerr[64];

	if (jwt == NULL || (dot1 = strchr(jwt, '.')) == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL)
		return NULL;
	hub_buf_init(&b, 16384);
	if (codex_base64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &b) == 0 && b.len > 0 &&
	    hub_json_parse(b.data, b.len, &claims, jerr, sizeof(jerr)) == 0 &&
	    !json_object_is_type(claims, json_type_object)) {
		json_object_put(claims);
		claims = NULL;
	}
	cred_file_secret_free(&b);
	return claims;
}

/* What the credentials file says, without a secret. */
struct codex_auth_info {
	int present;             /* a readable regular file */
	int valid_json;          /* a JSON object */
	int has_access_token;
	int has_refresh_token;
	int has_account_id;
	long long expiry_ms;     /* the access token's exp; -1 unknown */
	char plan_type[32];      /* chatgpt_plan_type of the id token; "" unknown */
	char last_refresh[40];   /* as the file says; "" unknown */
};

/* Examine the bytes of an auth.json into info. */
static void
codex_auth_parse(const struct hub_buf *b, struct codex_auth_info *info)
{
	struct json_object *obj = NULL, *tokens, *claims, *auth, *exp;
	const char *at, *rt, *id, *s;
	char jerr[64];

	info->expiry_ms = -1;
	if (b->len == 0 || hub_json_parse(b->data, b->len, &obj, jerr, sizeof(jerr)) != 0)
		return;
	if (!json_object_is_type(obj, json_type_object))
		goto out;
	info->valid_json = 1;
	if ((s = hub_json_get_string(obj, "last_refresh")) != NULL)
		snprintf(info->last_refresh, sizeof(info->last_refresh), "%s", s);
	if (!json_object_object_get_ex(obj, "tokens", &tokens) || !json_object_is_type(tokens, json_type_object))
		goto out;
	at = hub_json_get_string(tokens, "access_token");
	rt = hub_json_get_string(tokens, "refresh_token");
	id = hub_json_get_string(tokens, "id_token");
	info->has_access_token = at != NULL && at[0] != '\0';
	info->has_refresh_token = rt != NULL && rt[0] != '\0';
	s = hub_json_get_string(tokens, "account_id");
	info->has_account_id = s != NULL && s[0] != '\0';
	if ((claims = codex_jwt_claims(at)) != NULL) {
		if (json_object_object_get_ex(claims, "exp", &exp) &&
		    (json_object_is_type(exp, json_type_int) || json_object_is_type(exp, json_type_double))) {
			double d = json_object_get_double(exp);
			if (d > 0 && d < 1e13)
				info->expiry_ms = (long long)d * 1000;
		}
		json_object_put(claims);
	}
	if ((claims = codex_jwt_claims(id)) != NULL) {
		if (json_object_object_get_ex(claims, "https://api.openai.com/auth", &auth) &&
		    (s = hub_json_get_string(auth, "chatgpt_plan_type")) != NULL)
			snprintf(info->plan_type, sizeof(info->plan_type), "%s", s);
		json_object_put(claims);
	}
out:
	json_object_put(obj);
}

/* Read path and examine it into info. 0, or HUB_ERR_INVALID without a path. */
static int
codex_auth_status(const char *path, struct codex_auth_info *info)
{
	struct hub_buf b;

	memset(info, 0, sizeof(*info));
	info->expiry_ms = -1;
	if (path == NULL || path[0] == '\0')
		return HUB_ERR_INVALID;
	hub_buf_init(&b, 0);
	if (workdir_read_file(path, CODEX_MAX_AUTH_FILE_BYTES, &b) == 0) {
		info->present = 1;
		codex_auth_parse(&b, info);
	}
	cred_file_secret_free(&b);
	return 0;
}

/* The cred_file.h usable hook: both tokens; the access token's exp. */
static int
codex_creds_usable(const struct hub_buf *b, long long *expiry_ms)
{
	struct codex_auth_info info;

	memset(&info, 0, sizeof(info));
	codex_auth_parse(b, &info);
	*expiry_ms = info.expiry_ms;
	return info.has_access_token && info.has_refresh_token;
}

static const struct cred_file_kind codex_cred_kind = {
	.log_tag = "codex",
	.setting = "CODEX_AUTH_PATH",
	.max_bytes = CODEX_MAX_AUTH_FILE_BYTES,
	.missing_ok = 0,
	.usable = codex_creds_usable,
};

/* Copy CODEX_AUTH_PATH into the run's CODEX_HOME (keeps the bytes in orig). */
static int
codex_creds_in(struct codex_run *run, const char *auth_path)
{
	int rc;

	if ((rc = cred_file_copy_in(&codex_cred_kind, auth_path, run->creds, &run->orig_creds)) == 0)
		run->auth_path = auth_path;
	return rc;
}

/* ------------------------------------------------------------ models */

/* The slug for a model name or alias (NULL: the default); NULL when the
 * CLI's catalog has no such model. */
static const char *
codex_resolve_model(const char *model)
{
	size_t i;

	if (model == NULL || model[0] == '\0')
		model = hub_cfg->codex_model != NULL ? hub_cfg->codex_model : codex_catalog[0].slug;
	for (i = 0; i < CODEX_N_ALIASES; i++)
		if (strcmp(codex_alias_map[i][0], model) == 0)
			return codex_alias_map[i][1];
	for (i = 0; i < CODEX_N_MODELS; i++)
		if (strcmp(codex_catalog[i].slug, model) == 0)
			return codex_catalog[i].slug;
	return NULL;
}

/* The catalog the CLI must use: its models, without any tool. */
static int
codex_write_catalog(const char *path)
{
	struct json_object *root, *models, *m, *levels, *lvl, *trunc, *mods;
	static const char *const efforts[] = { "low", "medium", "high", NULL };
	size_t i, k;
	int rc;

	if ((root = json_object_new_object()) == NULL)
		return HUB_ERR_NOMEM;
	models = json_object_new_array();
	json_object_object_add(root, "models", models);
	for (i = 0; i < CODEX_N_MODELS; i++) {
		m = json_object_new_object();
		json_object_object_add(m, "slug", json_object_new_string(codex_catalog[i].slug));
		json_object_object_add(m, "display_name", json_object_new_string(codex_catalog[i].display_name));
		levels = json_object_new_array();
		for (k = 0; efforts[k] != NULL; k++) {
			lvl = json_object_new_object();
			json_object_object_add(lvl, "effort", json_object_new_string(efforts[k]));
			json_object_object_add(lvl, "description", json_object_new_string(efforts[k]));
			json_object_array_add(levels, lvl);
		}
		json_object_object_add(m, "supported_reasoning_levels", levels);
		json_object_object_add(m, "shell_type", json_object_new_string("disabled"));
		/* no apply_patch_tool_type, web_search_tool_type, tool_mode
		 * (code mode) or multi_agent_version: none of those tools */
		json_object_object_add(m, "experimental_supported_tools", json_object_new_array());
		json_object_object_add(m, "supports_search_tool", json_object_new_boolean(0));
		json_object_object_add(m, "supports_parallel_tool_calls", json_object_new_boolean(0));
		mods = json_object_new_array();
		json_object_array_add(mods, json_object_new_string("text"));
		json_object_object_add(m, "input_modalities", mods);
		json_object_object_add(m, "visibility", json_object_new_string("list"));
		json_object_object_add(m, "supported_in_api", json_object_new_boolean(1));
		json_object_object_add(m, "priority", json_object_new_int((int)i + 1));
		json_object_object_add(m, "support_verbosity", json_object_new_boolean(0));
		trunc = json_object_new_object();
		json_object_object_add(trunc, "mode", json_object_new_string("tokens"));
		json_object_object_add(trunc, "limit", json_object_new_int(10000));
		json_object_object_add(m, "truncation_policy", trunc);
		json_object_object_add(m, "context_window", json_object_new_int64(codex_catalog[i].context_window));
		json_object_object_add(m, "use_responses_lite", json_object_new_boolean(codex_catalog[i].responses_lite));
		json_object_object_add(m, "include_skills_usage_instructions", json_object_new_boolean(0));
		json_object_object_add(m, "include_apps_usage_instructions", json_object_new_boolean(0));
		json_object_object_add(m, "include_plugin_usage_instructions", json_object_new_boolean(0));
		json_object_object_add(m, "base_instructions", json_object_new_string(codex_base_instructions));
		json_object_array_add(models, m);
	}
	rc = workdir_write_file(path, hub_json_compact(root), strlen(hub_json_compact(root)), 0600);
	json_object_put(root);
	return rc;
}

/* ------------------------------------------------------------ prompt and history */

/* {"timestamp":ts,"type":type,"payload":payload}; takes payload. */
static struct json_object *
codex_rollout_line(const char *ts, const char *type, struct json_object *payload)
{
	struct json_object *line = json_object_new_object();

	if (line == NULL) {
		json_object_put(payload);
		return NULL;
	}
	json_object_object_add(line, "timestamp", json_object_new_string(ts));
	json_object_object_add(line, "type", json_object_new_string(type));
	json_object_object_add(line, "payload", payload);
	return line;
}

/* A response_item message of role with text. */
static struct json_object *
codex_message_item(const char *role, const char *text)
{
	struct json_object *m = json_object_new_object(), *content, *part;

	if (m == NULL)
		return NULL;
	content = json_object_new_array();
	part = json_object_new_object();
	json_object_object_add(part, "type", json_object_new_string(
	    strcmp(role, "assistant") == 0 ? "output_text" : "input_text"));
	json_object_object_add(part, "text", json_object_new_string(text));
	json_object_array_add(content, part);
	json_object_object_add(m, "type", json_object_new_string("message"));
	json_object_object_add(m, "role", json_object_new_string(role));
	json_object_object_add(m, "content", content);
	return m;
}

/*
 * Write the earlier user and assistant turns (all but the last message) as
 * a rollout in home/sessions/ that `codex exec resume <thread_id>` loads.
 * *have_history 0: nothing to resume. Returns 0 or a hub_err.
 */
static int
codex_write_rollout(const struct provider_call *call, const struct cli_run_dirs *d,
    const char *thread_id, const char *instructions, int *have_history)
{
	char path[PATH_MAX], ts[40], day[16];
	struct json_object *meta, *base;
	struct hub_buf b;
	long long now = hub_time_wall_ms();
	time_t secs = (time_t)(now / 1000);
	struct tm tm;
	const char *role;
	size_t i;
	int rc = 0, turns = 0;

	*have_history = 0;
	hub_buf_init(&b, 0);
	hub_time_iso8601(now, ts, sizeof(ts));
	gmtime_r(&secs, &tm);
	strftime(day, sizeof(day), "%Y/%m/%d", &tm);
	if ((meta = json_object_new_object()) == NULL) {
		rc = HUB_ERR_NOMEM;
		goto out;
	}
	json_object_object_add(meta, "id", json_object_new_string(thread_id));
	json_object_object_add(meta, "timestamp", json_object_new_string(ts));
	json_object_object_add(meta, "cwd", json_object_new_string(d->cwd));
	json_object_object_add(meta, "originator", json_object_new_string("codex_exec"));
	json_object_object_add(meta, "cli_version", json_object_new_string("0.169.0"));
	json_object_object_add(meta, "source", json_object_new_string("exec"));
	/* the instructions the run starts with, so that resuming does not
	 * announce them again as a change */
	if ((base = json_object_new_object()) != NULL) {
		json_object_object_add(base, "text", json_object_new_string(instructions));
		json_object_object_add(meta, "base_instructions", base);
	}
	if ((rc = cli_text_put_line(&b, codex_rollout_line(ts, "session_meta", meta))) != 0)
		goto out;
	for (i = 0; i + 1 < call->n_messages; i++) {
		role = call->messages[i].role;
		if (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0)
			continue;
		if ((rc = cli_text_put_line(&b, codex_rollout_line(ts, "response_item",
		    codex_message_item(role, call->messages[i].content)))) != 0)
			goto out;
		turns++;
	}
	if (turns == 0)
		goto out;
	if (snprintf(path, sizeof(path), "%s/sessions/%s/rollout-%.10sT00-00-00-%s.jsonl", d->home,
	    day, ts, thread_id) >= (int)sizeof(path)) {
		rc = HUB_ERR_TOO_LARGE;
		goto out;
	}
	if ((rc = workdir_mkdir_parents(path)) == 0 && (rc = workdir_write_file(path, b.data, b.len, 0600)) == 0)
		*have_history = 1;
out:
	hub_buf_free(&b);
	return rc;
}

/* The system messages joined, into sys (kept: the rollout names them) and
 * root/instructions.md; *written 0: none. */
static int
codex_write_instructions(const struct provider_call *call, const char *path, struct hub_buf *sys,
    int *written)
{
	size_t i;
	int rc = 0;

	*written = 0;
	for (i = 0; i < call->n_messages && rc == 0; i++) {
		if (strcmp(call->messages[i].role, "system") != 0)
			continue;
		if (sys->len > 0)
			rc = hub_buf_puts(sys, "\n\n");
		if (rc == 0)
			rc = hub_buf_puts(sys, call->messages[i].content);
	}
	if (rc == 0 && sys->len > 0 && (rc = workdir_write_file(path, sys->data, sys->len, 0600)) == 0)
		*written = 1;
	return rc;
}

/* ------------------------------------------------------------ child callbacks */

static int
codex_on_text(void *arg, const char *text, size_t len)
{
	struct codex_run *run = arg;

	if (provider_stream_text(&run->call->io, run->start_ms, &run->first_token_ms, text, len) == 0)
		return 0;
	run->stop = CODEX_STOP_CLIENT;
	return -1;
}

/* 1 when the CLI's message says the backend refused the login. */
static int
codex_is_auth_message(const char *m)
{
	return strstr(m, "401 Unauthorized") != NULL || strstr(m, "403 Forbidden") != NULL ||
	    strstr(m, "refresh token") != NULL || strstr(m, "Not logged in") != NULL ||
	    strstr(m, "not logged in") != NULL || strstr(m, "log in again") != NULL ||
	    strstr(m, "sign in again") != NULL || strstr(m, "Please log") != NULL;
}

/* 1 when the CLI's message is the plan's usage limit or a 429. */
static int
codex_is_limit_message(const char *m)
{
	return strstr(m, "usage limit") != NULL || strstr(m, "429 Too Many Requests") != NULL ||
	    strstr(m, "rate limit") != NULL || strstr(m, "Rate limit") != NULL;
}

/* An "error" event: a refused login or a limit ends the run at once
 * instead of after the CLI's retries. */
static int
codex_on_error(void *arg, const char *message)
{
	struct codex_run *run = arg;

	if (codex_is_auth_message(message))
		run->stop = CODEX_STOP_AUTH;
	else if (codex_is_limit_message(message))
		run->stop = CODEX_STOP_RATE_LIMIT;
	else
		return 0;
	snprintf(run->stop_message, sizeof(run->stop_message), "%s", message);
	return -1;
}

static int
codex_on_stdout(void *arg, const char *data, size_t len)
{
	struct codex_run *run = arg;

	if (codex_stream_feed(&run->stream, data, len) < 0) {
		if (run->stop == CODEX_STOP_NONE)
			run->stop = CODEX_STOP_NOMEM;
		return -1;
	}
	if (run->stream.turn_completed) {
		run->stop = CODEX_STOP_DONE;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ outcome */

/* Words of a token in a message of the CLI: then it is not shown. */
static const char *const codex_secret_marks[] = { "eyJ", "Bearer ", "refresh_token", "sk-", NULL };

/* Set the reply's error with the CLI's message made safe (cli_text_fail()):
 * the first line, no control characters, no token, no prompt's start. */
static void
codex_fail(struct provider_reply *reply, const struct provider_call *call, int err,
    const char *what, const char *cli_msg)
{
	cli_text_fail(reply, call, err, what, cli_msg, codex_secret_marks, NULL);
}

/*
 * Seconds until the limit resets, from the CLI's message: "try again in N
 * seconds|minutes|hours|days" or "try again at H:MM AM|PM" (the child's
 * clock is UTC). 0 when it does not say.
 */
static long
codex_retry_after(const char *m)
{
	const char *p;
	long n = 0, h, min, now_s, at_s;
	char unit[16], ampm[3];

	if (m == NULL)
		return 0;
	if ((p = strstr(m, "try again in ")) != NULL &&
	    sscanf(p, "try again in %ld %15s", &n, unit) == 2 && n > 0) {
		if (strncmp(unit, "min", 3) == 0)
			n *= 60;
		else if (strncmp(unit, "hour", 4) == 0)
			n *= 3600;
		else if (strncmp(unit, "day", 3) == 0)
			n *= 86400;
		return n;
	}
	if ((p = strstr(m, "try again at ")) != NULL &&
	    sscanf(p, "try again at %ld:%ld %2s", &h, &min, ampm) == 3 &&
	    h >= 1 && h <= 12 && min >= 0 && min < 60) {
		h %= 12;
		if (ampm[0] == 'P' || ampm[0] == 'p')
			h += 12;
		now_s = (long)((hub_time_wall_ms() / 1000) % 86400);
		at_s = h * 3600 + min * 60;
		n = at_s - now_s;
		if (n <= 0)
			n += 86400;
		return n;
	}
	return 0;
}

/*
 * A refusal for the plan's usage limit, with its reset in
 * reply->retry_after_s, as the plan state the chat layer shares
 * (session/plan_state.h): the provider then cools down until the reset on
 * every host, without a CLI being started. Nothing when the reset is
 * unknown (the refusal stays a plain rate limit).
 */
static void
codex_plan_limit(struct provider_reply *reply)
{
	if (reply->retry_after_s <= 0)
		return;
	plan_window_init(&reply->plan);
	reply->plan.seen = 1;
	reply->plan.status = PLAN_STATUS_REJECTED;
	snprintf(reply->plan.type, sizeof(reply->plan.type), "usage_limit");
	reply->plan.resets_at = hub_time_wall_ms() / 1000 + reply->retry_after_s;
}

/* The hub error for a message of the CLI that ended the turn. */
static int
codex_message_code(const char *m)
{
	if (m == NULL)
		return HUB_ERR_UPSTREAM;
	if (codex_is_auth_message(m))
		return HUB_ERR_PROVIDER_AUTH;
	if (codex_is_limit_message(m))
		return HUB_ERR_RATE_LIMIT;
	if (strstr(m, "model") != NULL && (strstr(m, "not supported") != NULL ||
	    strstr(m, "does not exist") != NULL || strstr(m, "404") != NULL))
		return HUB_ERR_MODEL_NOT_FOUND;
	return HUB_ERR_UPSTREAM;
}

/* Turn how the run ended into the reply. Returns reply->err. */
static int
codex_outcome(struct codex_run *run, const struct child_result *res, struct provider_reply *reply)
{
	const struct codex_stream *s = &run->stream;
	const struct provider_call *call = run->call;
	const char *msg;
	int code;

	if (run->stop == CODEX_STOP_NOMEM) {
		provider_reply_error(reply, HUB_ERR_NOMEM, "out of memory while reading the reply");
	} else if (run->stop == CODEX_STOP_CLIENT || res->watch_fired) {
		provider_reply_error(reply, HUB_ERR_CLIENT_GONE, "the client went away");
	} else if (s->tool_items > 0) {
		provider_reply_error(reply, HUB_ERR_UPSTREAM,
		    "the Codex CLI reported a tool call; the reply was refused");
	} else if (run->stop == CODEX_STOP_AUTH) {
		codex_fail(reply, call, HUB_ERR_PROVIDER_AUTH, "ChatGPT refused the Codex login",
		    run->stop_message);
	} else if (run->stop == CODEX_STOP_RATE_LIMIT) {
		codex_fail(reply, call, HUB_ERR_RATE_LIMIT, "the ChatGPT plan's Codex usage limit",
		    run->stop_message);
		reply->retry_after_s = codex_retry_after(run->stop_message);
		codex_plan_limit(reply);
	} else if (s->turn_completed && s->text.len > 0) {
		if (s->text_truncated)
			provider_reply_error(reply, HUB_ERR_OUTPUT_CAP, "the reply exceeded the output cap");
	} else if (res->memory_exceeded) {
		provider_reply_error(reply, HUB_ERR_UPSTREAM,
		    "the Codex CLI used more memory than HUB_CHILD_MAX_RSS_MB allows and was stopped");
	} else if (res->timed_out) {
		provider_reply_error(reply, HUB_ERR_TIMEOUT, "the Codex CLI did not finish within %ld s",
		    run->timeout_s);
	} else if (res->output_capped) {
		provider_reply_error(reply, HUB_ERR_OUTPUT_CAP, "the Codex CLI printed more than the output cap");
	} else if (s->turn_failed || (s->errors > 0 && !s->turn_completed)) {
		msg = s->failed_message != NULL ? s->failed_message : s->last_error;
		code = codex_message_code(msg);
		codex_fail(reply, call, code, "codex", msg != NULL ? msg : "the turn failed");
		if (code == HUB_ERR_RATE_LIMIT) {
			reply->retry_after_s = codex_retry_after(msg);
			codex_plan_limit(reply);
		}
	} else if (s->turn_completed) {
		provider_reply_error(reply, HUB_ERR_UPSTREAM, "the Codex CLI gave an empty reply");
	} else if (res->exited && res->exit_code != 0 && res->stderr_text != NULL &&
	    res->stderr_text[0] != '\0') {
		code = codex_message_code(res->stderr_text);
		codex_fail(reply, call, code, "codex failed", res->stderr_text);
	} else if (!res->exited) {
		provider_reply_error(reply, HUB_ERR_UPSTREAM,
		    "the Codex CLI was killed by signal %d without a result", res->term_signal);
	} else {
		provider_reply_error(reply, HUB_ERR_UPSTREAM,
		    "the Codex CLI ended (exit %d) without a result (%zu unparsable lines)",
		    res->exit_code, s->garbage_lines + s->overlong_lines);
	}
	return reply->err;
}

/* ------------------------------------------------------------ the adapter's hooks */

static int
codex_check(void *arg, const char *model, struct provider_reply *reply)
{
	const char *path = hub_cfg->codex_auth_path;

	(void)arg;
	if (codex_resolve_model(model) == NULL)
		provider_reply_error(reply, HUB_ERR_MODEL_NOT_FOUND,
		    "the Codex CLI has no model '%s'", model != NULL ? model : "");
	else if (path == NULL || path[0] == '\0')
		provider_reply_error(reply, HUB_ERR_PROVIDER_AUTH,
		    "CODEX_AUTH_PATH is not set (the auth.json of `codex login`)");
	else if (access(path, R_OK) != 0)
		provider_reply_error(reply, HUB_ERR_PROVIDER_AUTH, "CODEX_AUTH_PATH cannot be read");
	return reply->err;
}

/* 1 when s can go inside a TOML basic string as it is. */
static int
codex_toml_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The child's whole environment, from scratch. */
static int
codex_build_env(struct child_env *env, const struct cli_run_dirs *d)
{
	int rc;

	if ((rc = child_env_add(env, "HOME", d->home)) < 0 ||
	    (rc = child_env_add(env, "CODEX_HOME", d->home)) < 0 ||
	    (rc = child_env_add(env, "TMPDIR", d->tmp)) < 0 ||
	    (rc = child_env_add(env, "PATH", "/usr/local/bin:/usr/bin:/bin")) < 0 ||
	    (rc = child_env_add(env, "TZ", "UTC")) < 0 ||
	    (rc = child_env_add(env, "LANG", "C.UTF-8")) < 0 ||
	    (rc = child_env_add(env, "NO_COLOR", "1")) < 0 ||
	    (rc = child_env_add(env, "RUST_LOG", "error")) < 0)
		return rc;
	return child_env_pass(env, codex_passthrough_env);
}

/* argv: flags and paths only, never a prompt. */
static int
codex_build_argv(struct codex_run *run, const struct cli_run_dirs *d, const char *slug,
    int have_history, int have_instructions)
{
	const char *base = hub_cfg->codex_base_url != NULL && hub_cfg->codex_base_url[0] != '\0' ?
	    hub_cfg->codex_base_url : CODEX_DEFAULT_BASE_URL;
	size_t argc = 0, blen = strlen(base);

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (!codex_toml_safe(base) || !codex_toml_safe(d->root))
		return HUB_ERR_INVALID;
	if (snprintf(run->model_arg, sizeof(run->model_arg), "--model=%s", slug) >= (int)sizeof(run->model_arg) ||
	    snprintf(run->catalog_arg, sizeof(run->catalog_arg), "model_catalog_json=\"%s/catalog.json\"",
	        d->home) >= (int)sizeof(run->catalog_arg) ||
	    snprintf(run->instructions_arg, sizeof(run->instructions_arg),
	        "model_instructions_file=\"%s/instructions.md\"", d->root) >= (int)sizeof(run->instructions_arg) ||
	    snprintf(run->chatgpt_arg, sizeof(run->chatgpt_arg), "chatgpt_base_url=\"%.*s/\"", (int)blen,
	        base) >= (int)sizeof(run->chatgpt_arg) ||
	    snprintf(run->provider_arg, sizeof(run->provider_arg),
	        "model_providers.hub={name=\"ChatGPT\",base_url=\"%.*s/codex\",wire_api=\"responses\","
	        "requires_openai_auth=true,request_max_retries=%d,stream_max_retries=%d,"
	        "stream_idle_timeout_ms=%ld}", (int)blen, base, CODEX_MAX_RETRIES, CODEX_MAX_RETRIES,
	        run->timeout_s * 1000L) >= (int)sizeof(run->provider_arg))
		return HUB_ERR_TOO_LARGE;

	run->argv[argc++] = "codex";
	run->argv[argc++] = "exec";
	run->argv[argc++] = "--json";
	run->argv[argc++] = "--color=never";
	run->argv[argc++] = "--skip-git-repo-check";
	run->argv[argc++] = "--ignore-rules";
	run->argv[argc++] = "--strict-config";
	run->argv[argc++] = "--sandbox=read-only";
	run->argv[argc++] = "-C";
	run->argv[argc++] = (char *)d->cwd;
	run->argv[argc++] = run->model_arg;
	run->argv[argc++] = "-c";
	run->argv[argc++] = run->catalog_arg;
	run->argv[argc++] = "-c";
	run->argv[argc++] = run->chatgpt_arg;
	run->argv[argc++] = "-c";
	run->argv[argc++] = run->provider_arg;
	if (have_instructions) {
		run->argv[argc++] = "-c";
		run->argv[argc++] = run->instructions_arg;
	}
	if (have_history) {
		run->argv[argc++] = "resume";
		run->argv[argc++] = run->thread_id;
	} else {
		run->argv[argc++] = "--ephemeral";
	}
	run->argv[argc++] = "-";        /* the prompt: stdin */
	run->argv[argc] = NULL;
	return argc < CODEX_MAX_ARGV ? 0 : HUB_ERR_TOO_LARGE;
}

static int
codex_prepare(void *arg, const struct cli_run_dirs *dirs, const char *model,
    struct cli_run_input *in, struct provider_reply *reply)
{
	struct codex_run *run = arg;
	const struct provider_msg *last = &run->call->messages[run->call->n_messages - 1];
	const char *slug = codex_resolve_model(model), *why = NULL;
	char path[PATH_MAX + 32];
	int rc = 0, have_history = 0, have_instructions = 0;

	if (snprintf(run->creds, sizeof(run->creds), "%s/auth.json", dirs->home) >= (int)sizeof(run->creds))
		rc = HUB_ERR_TOO_LARGE;
	if (rc != 0 || slug == NULL)
		why = "could not prepare the Codex CLI's private directory";
	else if (snprintf(path, sizeof(path), "%s/catalog.json", dirs->home) >= (int)sizeof(path) ||
	    (rc = codex_write_catalog(path)) != 0)
		why = "could not write the Codex model catalog";
	else if (snprintf(path, sizeof(path), "%s/config.toml", dirs->home) >= (int)sizeof(path) ||
	    (rc = workdir_write_file(path, codex_config_toml, sizeof(codex_config_toml) - 1, 0600)) != 0)
		why = "could not write the Codex CLI's settings";
	else if (snprintf(path, sizeof(path), "%s/instructions.md", dirs->root) >= (int)sizeof(path) ||
	    (rc = codex_write_instructions(run->call, path, &run->system, &have_instructions)) != 0)
		why = "could not write the system prompt file";
	else if ((rc = cli_text_uuid(run->thread_id)) != 0 ||
	    (rc = codex_write_rollout(run->call, dirs, run->thread_id,
	    have_instructions ? run->system.data : codex_base_instructions, &have_history)) != 0)
		why = "could not write the conversation for the Codex CLI";
	else if ((rc = codex_creds_in(run, hub_cfg->codex_auth_path)) != 0)
		why = "could not copy the Codex credentials (CODEX_AUTH_PATH)";
	else if ((rc = codex_build_env(&in->env, dirs)) != 0)
		why = "could not build the Codex CLI's environment";
	else if ((rc = hub_buf_puts(&in->stdin_data, last->content)) != 0)
		why = "the prompt is too large for the Codex CLI";
	else if ((rc = codex_build_argv(run, dirs, slug, have_history, have_instructions)) != 0)
		why = "the Codex CLI's paths cannot be passed to it";
	if (why != NULL) {
		provider_reply_error(reply, rc != 0 ? rc : HUB_ERR_SYSTEM, "%s", why);
		return reply->err;
	}
	in->argv = run->argv;
	run->start_ms = hub_time_mono_ms();
	return HUB_OK;
}

static void
codex_finish(void *arg, const struct child_result *res, int client_gone, const char *model,
    struct provider_reply *reply)
{
	struct codex_run *run = arg;
	const char *slug = codex_resolve_model(model);

	if (client_gone)
		run->stop = CODEX_STOP_CLIENT;
	if (run->stop == CODEX_STOP_NONE && codex_stream_finish(&run->stream) == HUB_ERR_NOMEM)
		run->stop = CODEX_STOP_NOMEM;
	if (codex_outcome(run, res, reply) == 0) {
		reply->text = hub_buf_steal(&run->stream.text);
		if (reply->text == NULL)
			provider_reply_error(reply, HUB_ERR_NOMEM, "out of memory");
	}
	if (run->stream.input_tokens >= 0)
		reply->usage.prompt_tokens = run->stream.input_tokens;
	if (run->stream.output_tokens >= 0)
		reply->usage.completion_tokens = run->stream.output_tokens;
	reply->finish_reason = "stop";
	reply->first_token_ms = run->first_token_ms;
	if (slug != NULL)
		reply->model = strdup(slug);
}

/* The credentials go back (refreshed by the CLI) before the directory
 * goes, once: when a callback stopped the run (turn.completed: the reply
 * goes out while a reaper stops the CLI and removes the directory), at
 * once; else after the reap. */
static void
codex_creds_back(struct codex_run *run)
{
	if (run->auth_path == NULL || run->creds_back)
		return;
	run->creds_back = 1;
	cred_file_write_back(&codex_cred_kind, run->auth_path, run->creds, &run->orig_creds);
}

static void
codex_on_stop(void *arg, const struct cli_run_dirs *dirs)
{
	(void)dirs;
	codex_creds_back(arg);
}

static void
codex_cleanup(void *arg, const struct cli_run_dirs *dirs, const struct child_result *res,
    struct provider_reply *reply)
{
	struct codex_run *run = arg;

	(void)dirs;
	codex_creds_back(run);
	if (reply->err != 0)
		hub_log(HUB_LOG_INFO, "codex", "run failed: %s (exit %d, %ld ms)",
		    hub_strerror(reply->err), res->exited ? res->exit_code : -1, res->duration_ms);
}

static const struct cli_run_adapter codex_adapter = {
	.cli_name = "Codex",
	.log_tag = "codex",
	.cli_default = "codex",
	.workdir_sub = "codex",
	.workdir_prefix = "run-",
	.stdin_max = HUB_MAX_CLI_LINE_BYTES,
	.model_err = HUB_ERR_MODEL_NOT_FOUND,
	.check = codex_check,
	.prepare = codex_prepare,
	.on_stdout = codex_on_stdout,
	.finish = codex_finish,
	.on_stop = codex_on_stop,
	.cleanup = codex_cleanup,
	.detach_on_stop = 1,
};

static int
codex_chat(const struct provider *p, const struct provider_call *call,
    struct provider_reply *reply)
{
	struct codex_run run;

	memset(&run, 0, sizeof(run));
	run.call = call;
	run.first_token_ms = -1;
	run.start_ms = hub_time_mono_ms();
	run.timeout_s = p->timeout_s;
	hub_buf_init(&run.system, HUB_MAX_CLI_LINE_BYTES);
	hub_buf_init(&run.orig_creds, 0);
	codex_stream_init(&run.stream, hub_cfg->max_output_bytes > 0 ? (size_t)hub_cfg->max_output_bytes : 0);
	run.stream.on_text = codex_on_text;
	run.stream.on_error = codex_on_error;
	run.stream.arg = &run;
	cli_run(&codex_adapter, &run, p, call, reply);
	codex_stream_free(&run.stream);
	cred_file_secret_free(&run.orig_creds);
	hub_buf_free(&run.system);
	return reply->err;
}

/* --- what the hub knows of the kind ------------------------------------ */

static const char *const codex_prefixes[] = { "gpt-", NULL };
static const char *const codex_aliases[] = { "sol", "terra", "luna", "astra", NULL };
static const char *const codex_models[] = {
	"gpt-6.1-sol", "gpt-6-astra", "gpt-6-sol", "gpt-6-luna", "gpt-5.6-sol",
	"gpt-6.1-terra", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5",
	"sol", "terra", "luna", "astra", NULL
};

static void
codex_defaults(struct provider_defaults *d)
{
	d->cli = hub_cfg->codex_cli;
	d->model = hub_cfg->codex_model;
	d->timeout_s = hub_cfg->codex_timeout_s;
	d->model_prefixes = codex_prefixes;
	d->aliases = codex_aliases;
	d->models = codex_models;
}

static long
codex_max_concurrent(const struct provider *p)
{
	(void)p;
	return hub_cfg->max_concurrent_codex;
}

/* 1 when the CODEX_AUTH_PATH file is readable. */
static int
codex_has_credentials(const struct provider *p)
{
	(void)p;
	return hub_cfg->codex_auth_path != NULL && hub_cfg->codex_auth_path[0] != '\0' &&
	    access(hub_cfg->codex_auth_path, R_OK) == 0;
}

/* 1 when the credentials file holds an access token. */
static int
codex_credential_configured(const struct provider *p)
{
	struct codex_auth_info info;

	(void)p;
	return codex_auth_status(hub_cfg->codex_auth_path, &info) == 0 && info.has_access_token;
}

/* The access token's expiry when nothing renews it; -1 with a refresh token. */
static long long
codex_credential_expiry_ms(const struct provider *p)
{
	struct codex_auth_info info;

	(void)p;
	if (codex_auth_status(hub_cfg->codex_auth_path, &info) != 0 || !info.valid_json ||
	    info.has_refresh_token)
		return -1;
	return info.expiry_ms;
}

static int
codex_credential_describe(const struct provider *p, struct json_object *o, char *fp,
    size_t fp_len)
{
	struct codex_auth_info info;
	char iso[32];
	int have;

	(void)p;
	json_object_object_add(o, "kind", json_object_new_string("codex_chatgpt_auth_file"));
	json_object_object_add(o, "source", json_object_new_string("CODEX_AUTH_PATH (codex login)"));
	if (fp_len > 0)
		fp[0] = '\0';  /* the tokens change at every refresh: no fingerprint */
	if (codex_auth_status(hub_cfg->codex_auth_path, &info) != 0) {
		json_object_object_add(o, "present", json_object_new_boolean(0));
		json_object_object_add(o, "status", json_object_new_string("not_configured"));
		json_object_object_add(o, "message", json_object_new_string(
		    "CODEX_AUTH_PATH is not set for this hub"));
		return 0;
	}
	have = info.present && info.valid_json && info.has_access_token;
	json_object_object_add(o, "present", json_object_new_boolean(have));
	json_object_object_add(o, "file_readable", json_object_new_boolean(info.present));
	json_object_object_add(o, "valid", json_object_new_boolean(info.valid_json));
	json_object_object_add(o, "has_refresh_token", json_object_new_boolean(info.has_refresh_token));
	json_object_object_add(o, "has_account_id", json_object_new_boolean(info.has_account_id));
	json_object_object_add(o, "plan_type", info.plan_type[0] ?
	    json_object_new_string(info.plan_type) : NULL);
	json_object_object_add(o, "last_refresh", info.last_refresh[0] ?
	    json_object_new_string(info.last_refresh) : NULL);
	json_object_object_add(o, "expires_at", info.expiry_ms > 0 ?
	    json_object_new_string(hub_time_iso8601(info.expiry_ms, iso, sizeof(iso))) : NULL);
	json_object_object_add(o, "expires_at_source", info.expiry_ms > 0 ?
	    json_object_new_string("access_token exp claim") : NULL);
	json_object_object_add(o, "expired", info.expiry_ms > 0 ?
	    json_object_new_boolean(info.expiry_ms <= hub_time_wall_ms()) : NULL);
	return 1;
}

/* The built-in codex provider is served once the hub has a ChatGPT login
 * (CODEX_AUTH_PATH) or a [provider codex] section. */
static int
codex_builtin_present(void)
{
	return hub_cfg->codex_auth_path != NULL && hub_cfg->codex_auth_path[0] != '\0';
}

/* No conf_type: sections of another name cannot be of this kind; a
 * [provider codex] section changes the built-in one. */
const struct provider_ops codex_provider_ops = {
	.builtin_name = "codex",
	.builtin_present = codex_builtin_present,
	.vendor = "openai",
	.max_concurrent_setting = "HUB_MAX_CONCURRENT_CODEX",
	.has_tools = 0,
	.has_images = 0,
	.defaults = codex_defaults,
	.chat = codex_chat,
	.max_concurrent = codex_max_concurrent,
	.has_credentials = codex_has_credentials,
	.credential_configured = codex_credential_configured,
	.credential_expiry_ms = codex_credential_expiry_ms,
	.credential_describe = codex_credential_describe,
};
