/*
 * hub_config.c - table-driven configuration from file and environment.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub_config.h"
#include "hub_error.h"
#include "hub_limits.h"
#include "hub_text.h"
#include "hub_time.h"

const struct hub_config *hub_cfg;

enum config_type { CONFIG_STRING, CONFIG_LONG };

/* Validates a string value; returns NULL when fine, else a reason. */
typedef const char *(*config_check_fn)(const char *value);

struct config_entry {
	const char *name;
	enum config_type type;
	size_t offset;
	const char *default_value;     /* NULL: unset */
	long min, max;                 /* CONFIG_LONG bounds */
	config_check_fn check;         /* CONFIG_STRING validation, may be NULL */
	int secret;                    /* never echoed in messages */
};

#define CFG_OFF(f) offsetof(struct hub_config, f)

static const char *config_check_log_level(const char *v);
static const char *config_check_absolute(const char *v);
static const char *config_check_token(const char *v);
static const char *config_check_prefix(const char *v);
static const char *config_check_model(const char *v);
static const char *config_check_webhook(const char *v);
static const char *config_check_date(const char *v);
static const char *config_check_auth_health(const char *v);
static const char *config_check_jail(const char *v);
static const char *config_check_list(const char *v);
static const char *config_check_overage(const char *v);

static const struct config_entry config_table[] = {
	{ "CLAUDE_CODE_OAUTH_TOKEN", CONFIG_STRING, CFG_OFF(claude_oauth_token), NULL, 0, 0, config_check_token, 1 },
	{ "CLAUDE_MODEL", CONFIG_STRING, CFG_OFF(claude_model), NULL, 0, 0, config_check_model, 0 },
	{ "HUB_CLAUDE_CLI", CONFIG_STRING, CFG_OFF(claude_cli), "claude", 0, 0, NULL, 0 },
	{ "HUB_CLAUDE_TIMEOUT", CONFIG_LONG, CFG_OFF(claude_timeout_s), "300", 1, 86400, NULL, 0 },
	{ "GEMINI_AUTH_PATH", CONFIG_STRING, CFG_OFF(gemini_auth_path), NULL, 0, 0, config_check_absolute, 0 },
	{ "GEMINI_MODEL", CONFIG_STRING, CFG_OFF(gemini_model), "gemini-2.5-pro", 0, 0, config_check_model, 0 },
	{ "HUB_GEMINI_CLI", CONFIG_STRING, CFG_OFF(gemini_cli), "gemini", 0, 0, NULL, 0 },
	{ "HUB_GEMINI_TIMEOUT", CONFIG_LONG, CFG_OFF(gemini_timeout_s), "300", 1, 86400, NULL, 0 },
	{ "HUB_GEMINI_MAX_RETRY_WAIT", CONFIG_LONG, CFG_OFF(gemini_max_retry_wait_s), "10", 0, 86400, NULL, 0 },
	{ "CODEX_AUTH_PATH", CONFIG_STRING, CFG_OFF(codex_auth_path), NULL, 0, 0, config_check_absolute, 0 },
	{ "CODEX_MODEL", CONFIG_STRING, CFG_OFF(codex_model), "gpt-6.1-sol", 0, 0, config_check_model, 0 },
	{ "HUB_CODEX_CLI", CONFIG_STRING, CFG_OFF(codex_cli), "codex", 0, 0, NULL, 0 },
	{ "HUB_CODEX_TIMEOUT", CONFIG_LONG, CFG_OFF(codex_timeout_s), "300", 1, 86400, NULL, 0 },
	{ "HUB_CODEX_BASE_URL", CONFIG_STRING, CFG_OFF(codex_base_url), NULL, 0, 0, config_check_webhook, 0 },
	{ "REDIS_URL", CONFIG_STRING, CFG_OFF(redis_url), "redis://127.0.0.1:6379", 0, 0, NULL, 1 },
	{ "HUB_REDIS_TIMEOUT_MS", CONFIG_LONG, CFG_OFF(redis_timeout_ms), "1000", 10, 60000, NULL, 0 },
	{ "REDIS_PASSWORD", CONFIG_STRING, CFG_OFF(redis_password), NULL, 0, 0, NULL, 1 },
	{ "REDIS_SENTINELS", CONFIG_STRING, CFG_OFF(redis_sentinels), NULL, 0, 0, NULL, 0 },
	{ "REDIS_SENTINEL_MASTER", CONFIG_STRING, CFG_OFF(redis_sentinel_master), NULL, 0, 0, config_check_token, 0 },
	{ "REDIS_SENTINEL_PASSWORD", CONFIG_STRING, CFG_OFF(redis_sentinel_password), NULL, 0, 0, NULL, 1 },
	{ "HUB_REDIS_WAIT_REPLICAS", CONFIG_LONG, CFG_OFF(redis_wait_replicas), "1", 0, 64, NULL, 0 },
	{ "HUB_REDIS_WAIT_TIMEOUT_MS", CONFIG_LONG, CFG_OFF(redis_wait_timeout_ms), "1000", 10, 60000, NULL, 0 },
	{ "HUB_REDIS_FAILOVER_TIMEOUT_MS", CONFIG_LONG, CFG_OFF(redis_failover_timeout_ms), "10000", 0, 300000, NULL, 0 },
	{ "HUB_KEY_PREFIX", CONFIG_STRING, CFG_OFF(key_prefix), "hub:", 0, 0, config_check_prefix, 0 },
	{ "HUB_SESSION_TTL", CONFIG_LONG, CFG_OFF(session_ttl_s), "3600", 1, 31536000, NULL, 0 },
	{ "HUB_SESSION_MAX_BYTES", CONFIG_LONG, CFG_OFF(session_max_bytes), HUB_DEFAULT_SESSION_MAX_BYTES_STR, 0, 1073741824, NULL, 0 },
	{ "HUB_KEY_MAX_SESSIONS", CONFIG_LONG, CFG_OFF(key_max_sessions), HUB_DEFAULT_KEY_MAX_SESSIONS_STR, 0, 100000000, NULL, 0 },
	{ "HUB_SESSION_CACHE_MB", CONFIG_LONG, CFG_OFF(session_cache_mb), "16", 0, 4096, NULL, 0 },
	{ "HUB_MCP_SESSION_TTL", CONFIG_LONG, CFG_OFF(mcp_session_ttl_s), "600", 10, 86400, NULL, 0 },
	{ "HUB_KEY_MAX_BYTES", CONFIG_LONG, CFG_OFF(key_max_bytes), HUB_DEFAULT_KEY_MAX_BYTES_STR, 0, 1099511627776, NULL, 0 },
	{ "HUB_PORT", CONFIG_LONG, CFG_OFF(port), "8080", 1, 65535, NULL, 0 },
	{ "HUB_BIND", CONFIG_STRING, CFG_OFF(bind), "127.0.0.1", 0, 0, NULL, 0 },
	{ "HUB_MAX_BODY_BYTES", CONFIG_LONG, CFG_OFF(max_body_bytes), "8388608", 1024, 268435456, NULL, 0 },
	{ "HUB_MAX_IMAGE_BYTES", CONFIG_LONG, CFG_OFF(max_image_bytes), HUB_DEFAULT_MAX_IMAGE_BYTES_STR, 1024, 268435456, NULL, 0 },
	{ "HUB_MAX_REQUEST_IMAGE_BYTES", CONFIG_LONG, CFG_OFF(max_request_image_bytes), HUB_DEFAULT_MAX_REQUEST_IMAGE_BYTES_STR, 1024, 1073741824, NULL, 0 },
	{ "HUB_KEEPALIVE_SECONDS", CONFIG_LONG, CFG_OFF(keepalive_s), "5", 1, 300, NULL, 0 },
	{ "HUB_DEFAULT_PROVIDER", CONFIG_STRING, CFG_OFF(default_provider), "claude", 0, 0, NULL, 0 },
	{ "HUB_MCP_ALLOWED_ORIGINS", CONFIG_STRING, CFG_OFF(mcp_allowed_origins), NULL, 0, 0, config_check_list, 0 },
	{ "HUB_ALLOWED_ORIGINS", CONFIG_STRING, CFG_OFF(allowed_origins), NULL, 0, 0, config_check_list, 0 },
	{ "HUB_ALLOWED_HOSTS", CONFIG_STRING, CFG_OFF(allowed_hosts), NULL, 0, 0, config_check_list, 0 },
	{ "HUB_STATE_DIR", CONFIG_STRING, CFG_OFF(state_dir), NULL, 0, 0, config_check_absolute, 0 },
	{ "HUB_RUN_DIR", CONFIG_STRING, CFG_OFF(run_dir), NULL, 0, 0, config_check_absolute, 0 },
	{ "HUB_MAX_OUTPUT_BYTES", CONFIG_LONG, CFG_OFF(max_output_bytes), "16777216", 4096, 1073741824, NULL, 0 },
	{ "HUB_KILL_GRACE_MS", CONFIG_LONG, CFG_OFF(kill_grace_ms), "500", 0, 60000, NULL, 0 },
	{ "HUB_JAIL", CONFIG_STRING, CFG_OFF(jail), "auto", 0, 0, config_check_jail, 0 },
	{ "HUB_WORKDIR_SWEEP_SECONDS", CONFIG_LONG, CFG_OFF(workdir_sweep_s), "60", 1, 86400, NULL, 0 },
	{ "HUB_LOG_LEVEL", CONFIG_STRING, CFG_OFF(log_level), "info", 0, 0, config_check_log_level, 0 },
	{ "HUB_LOG_PROMPTS", CONFIG_LONG, CFG_OFF(log_prompts), "0", 0, 1, NULL, 0 },
	{ "HUB_API_KEYS", CONFIG_STRING, CFG_OFF(api_keys), NULL, 0, 0, NULL, 1 },
	{ "HUB_API_KEYS_FILE", CONFIG_STRING, CFG_OFF(api_keys_file), NULL, 0, 0, config_check_absolute, 0 },
	{ "HUB_AUTH_HEALTH", CONFIG_STRING, CFG_OFF(auth_health), "open", 0, 0, config_check_auth_health, 0 },
	{ "HUB_RATE_LIMIT_PER_MINUTE", CONFIG_LONG, CFG_OFF(rate_limit_per_minute), "0", 0, 1000000, NULL, 0 },
	{ "HUB_MAX_CONCURRENT_CLAUDE", CONFIG_LONG, CFG_OFF(max_concurrent_claude), "16", 0, 4096, NULL, 0 },
	{ "HUB_MAX_CONCURRENT_GEMINI", CONFIG_LONG, CFG_OFF(max_concurrent_gemini), "16", 0, 4096, NULL, 0 },
	{ "HUB_MAX_CONCURRENT_CODEX", CONFIG_LONG, CFG_OFF(max_concurrent_codex), "16", 0, 4096, NULL, 0 },
	{ "HUB_MAX_STREAMS_PER_KEY", CONFIG_LONG, CFG_OFF(max_streams_per_key), "100", 0, 1000000, NULL, 0 },
	{ "HUB_MAX_STREAMS_PER_ADDR", CONFIG_LONG, CFG_OFF(max_streams_per_addr), "100", 0, 1000000, NULL, 0 },
	{ "HUB_CHILD_CPU_SECONDS", CONFIG_LONG, CFG_OFF(child_cpu_s), "900", 0, 86400, NULL, 0 },
	{ "HUB_CHILD_MAX_FILES", CONFIG_LONG, CFG_OFF(child_max_files), "4096", 0, 1048576, NULL, 0 },
	{ "HUB_CHILD_MAX_RSS_MB", CONFIG_LONG, CFG_OFF(child_max_rss_mb), "2048", 0, 1048576, NULL, 0 },
	{ "HUB_WARM_CHILDREN", CONFIG_LONG, CFG_OFF(warm_children), "0", 0, 16, NULL, 0 },
	{ "HUB_WARM_MAX", CONFIG_LONG, CFG_OFF(warm_max), "4", 1, 64, NULL, 0 },
	{ "HUB_WARM_MAX_MB", CONFIG_LONG, CFG_OFF(warm_max_mb), "1024", 0, 1048576, NULL, 0 },
	{ "HUB_WARM_IDLE_TTL", CONFIG_LONG, CFG_OFF(warm_idle_ttl_s), "600", 1, 86400, NULL, 0 },
	{ "HUB_WARM_HISTORY", CONFIG_LONG, CFG_OFF(warm_history), "0", 0, 16, NULL, 0 },
	{ "HUB_WARM_HISTORY_TTL", CONFIG_LONG, CFG_OFF(warm_history_ttl_s), "300", 1, 86400, NULL, 0 },
	{ "HUB_ALERT_WEBHOOK", CONFIG_STRING, CFG_OFF(alert_webhook), NULL, 0, 0, config_check_webhook, 1 },
	{ "HUB_ALERT_TIMEOUT_MS", CONFIG_LONG, CFG_OFF(alert_timeout_ms), "3000", 100, 60000, NULL, 0 },
	{ "HUB_TOKEN_WARN_DAYS", CONFIG_LONG, CFG_OFF(token_warn_days), "3", 0, 365, NULL, 0 },
	{ "HUB_CLAUDE_TOKEN_EXPIRES", CONFIG_STRING, CFG_OFF(claude_token_expires), NULL, 0, 0, config_check_date, 0 },
	{ "HUB_PLAN_OVERAGE", CONFIG_STRING, CFG_OFF(plan_overage), "deny", 0, 0, config_check_overage, 0 },
	{ "HUB_PLAN_WARN_PERCENT", CONFIG_LONG, CFG_OFF(plan_warn_percent), "90", 0, 100, NULL, 0 },
};

#define CONFIG_TABLE_LEN (sizeof(config_table) / sizeof(config_table[0]))

static const char *
config_check_log_level(const char *v)
{
	if (strcmp(v, "debug") && strcmp(v, "info") && strcmp(v, "warn") && strcmp(v, "error"))
		return "expected debug, info, warn or error";
	return NULL;
}

static const char *
config_check_overage(const char *v)
{
	if (strcmp(v, "deny") != 0 && strcmp(v, "allow") != 0)
		return "expected deny or allow";
	return NULL;
}

static const char *
config_check_jail(const char *v)
{
	if (strcmp(v, "auto") && strcmp(v, "required") && strcmp(v, "off"))
		return "expected auto, required or off";
	return NULL;
}

static const char *
config_check_absolute(const char *v)
{
	if (v[0] != '/')
		return "expected an absolute path";
	return NULL;
}

static const char *
config_check_token(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return "contains spaces or control characters";
	return NULL;
}

static const char *
config_check_prefix(const char *v)
{
	const unsigned char *p;

	if (strlen(v) > 64)
		return "longer than 64 characters";
	for (p = (const unsigned char *)v; *p; p++)
		if (!isalnum(*p) && *p != ':' && *p != '_' && *p != '-' && *p != '.')
			return "only letters, digits and : _ - . are allowed";
	return NULL;
}

static const char *
config_check_model(const char *v)
{
	if (!hub_text_model_name_valid(v))
		return "expected 1 to 128 characters of letters, digits and - _ . : @ [ ] /, "
		    "starting with a letter or a digit";
	return NULL;
}

static const char *
config_check_auth_health(const char *v)
{
	if (strcmp(v, "open") != 0 && strcmp(v, "key") != 0)
		return "expected open or key";
	return NULL;
}

/* A comma-separated list of names or origins (HUB_ALLOWED_HOSTS...). */
static const char *
config_check_list(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p; p++)
		if (*p < ' ' || *p >= 0x7f || *p == ';' || *p == '"' || *p == '\\')
			return "expected a comma-separated list of names (no control characters, quotes or ;)";
	return NULL;
}

static const char *
config_check_webhook(const char *v)
{
	const unsigned char *p;

	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return "expected an http:// or https:// URL";
	for (p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return "contains spaces or control characters";
	return NULL;
}

static const char *
config_check_date(const char *v)
{
	if (hub_config_parse_date(v) < 0)
		return "expected an ISO 8601 date: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ";
	return NULL;
}

long long
hub_config_parse_date(const char *s)
{
	char full[40];
	int y, mo, d, n = 0;

	if (s == NULL)
		return -1;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10 && s[10] == '\0') {
		snprintf(full, sizeof(full), "%.10sT00:00:00Z", s);
		return hub_time_parse_iso8601(full);
	}
	return hub_time_parse_iso8601(s);
}

static const struct config_entry *
config_find(const char *name)
{
	size_t i;

	for (i = 0; i < CONFIG_TABLE_LEN; i++)
		if (strcmp(config_table[i].name, name) == 0)
			return &config_table[i];
	return NULL;
}

/* The checks a layer above asked for on the setting called name. */
static config_check_fn
config_layer_check(const struct hub_config_check *checks, size_t n_checks, const char *name)
{
	size_t i;

	for (i = 0; i < n_checks; i++)
		if (strcmp(checks[i].name, name) == 0)
			return checks[i].check;
	return NULL;
}

/* Store one value into cfg after validating it (its own check, then the
 * layer's). */
static int
config_set(struct hub_config *cfg, const struct config_entry *e, const char *value,
    const char *origin, const struct hub_config_check *checks, size_t n_checks,
    char *err, size_t errlen)
{
	char *s, *end;
	const char *why;
	config_check_fn layer;
	long n;

	if (e->type == CONFIG_LONG) {
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || n < e->min || n > e->max) {
			snprintf(err, errlen, "%s%s: invalid value \"%.64s\": expected a whole number from %ld to %ld",
			    e->name, origin, value, e->min, e->max);
			return HUB_ERR_CONFIG;
		}
		*(long *)((char *)cfg + e->offset) = n;
		return HUB_OK;
	}
	layer = config_layer_check(checks, n_checks, e->name);
	if ((e->check != NULL && (why = e->check(value)) != NULL) ||
	    (layer != NULL && (why = layer(value)) != NULL)) {
		if (e->secret)
			snprintf(err, errlen, "%s%s: invalid value: %s", e->name, origin, why);
		else
			snprintf(err, errlen, "%s%s: invalid value \"%.64s\": %s", e->name, origin, value, why);
		return HUB_ERR_CONFIG;
	}
	if ((s = strdup(value)) == NULL)
		return HUB_ERR_NOMEM;
	free(*(char **)((char *)cfg + e->offset));
	*(char **)((char *)cfg + e->offset) = s;
	return HUB_OK;
}

char *
hub_config_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int
hub_config_file_open(struct hub_config_file *cf, const char *path, char *err, size_t errlen)
{
	cf->lineno = 0;
	if ((cf->f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "HUB_CONFIG: cannot open \"%s\": %s", path, strerror(errno));
		return HUB_ERR_CONFIG;
	}
	return HUB_OK;
}

enum hub_config_line_kind
hub_config_file_next(struct hub_config_file *cf, struct hub_config_line *l)
{
	char *k, *eq, *v;
	size_t vl;

	memset(l, 0, sizeof(*l));
	for (;;) {
		if (fgets(cf->buf, sizeof(cf->buf), cf->f) == NULL) {
			l->lineno = cf->lineno;
			l->kind = ferror(cf->f) ? HUB_CONFIG_LINE_READ_ERROR : HUB_CONFIG_LINE_END;
			return l->kind;
		}
		l->lineno = ++cf->lineno;
		if (strchr(cf->buf, '\n') == NULL && !feof(cf->f))
			return l->kind = HUB_CONFIG_LINE_TOO_LONG;
		k = hub_config_trim(cf->buf);
		if (*k != '\0' && *k != '#')
			break;
	}
	l->text = k;
	if (*k == '[')
		return l->kind = HUB_CONFIG_LINE_SECTION;
	if ((eq = strchr(k, '=')) == NULL)
		return l->kind = HUB_CONFIG_LINE_NO_EQUALS;
	*eq = '\0';
	l->text = NULL;
	l->key = hub_config_trim(k);
	v = hub_config_trim(eq + 1);
	vl = strlen(v);
	if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
		v[vl - 1] = '\0';
		v++;
	}
	l->value = v;
	return l->kind = HUB_CONFIG_LINE_SETTING;
}

void
hub_config_file_close(struct hub_config_file *cf)
{
	if (cf->f != NULL)
		fclose(cf->f);
	cf->f = NULL;
}

/*
 * Read "key = value" lines from path (hub_config_file_next()). Unknown keys
 * that look like ours are an error; section lines "[provider NAME]" and
 * what follows them are left to providers/provider_conf.c.
 */
static int
config_load_file(struct hub_config *cfg, const char *path, const struct hub_config_check *checks,
    size_t n_checks, char *err, size_t errlen)
{
	struct hub_config_file cf;
	struct hub_config_line l;
	char origin[300];
	const struct config_entry *e;
	int rc;

	if ((rc = hub_config_file_open(&cf, path, err, errlen)) != HUB_OK)
		return rc;
	while (rc == HUB_OK && hub_config_file_next(&cf, &l) != HUB_CONFIG_LINE_END) {
		if (l.kind == HUB_CONFIG_LINE_SECTION || l.kind == HUB_CONFIG_LINE_READ_ERROR)
			break;     /* provider sections follow; see providers/provider_conf.c */
		if (l.kind == HUB_CONFIG_LINE_TOO_LONG) {
			snprintf(err, errlen, "HUB_CONFIG: %s:%d: line too long", path, l.lineno);
			rc = HUB_ERR_CONFIG;
		} else if (l.kind == HUB_CONFIG_LINE_NO_EQUALS) {
			snprintf(err, errlen, "HUB_CONFIG: %s:%d: expected key = value", path, l.lineno);
			rc = HUB_ERR_CONFIG;
		} else if ((e = config_find(l.key)) == NULL) {
			if (strncmp(l.key, "HUB_", 4) == 0 || strncmp(l.key, "CLAUDE_", 7) == 0 ||
			    strncmp(l.key, "GEMINI_", 7) == 0 || strcmp(l.key, "REDIS_URL") == 0) {
				snprintf(err, errlen, "HUB_CONFIG: %s:%d: unknown setting %.64s", path, l.lineno,
				    l.key);
				rc = HUB_ERR_CONFIG;
			}
			/* else a setting read by other parts (keys, alerts) */
		} else if (getenv(e->name) == NULL) {
			/* the environment wins */
			snprintf(origin, sizeof(origin), " (%s:%d)", path, l.lineno);
			rc = config_set(cfg, e, l.value, origin, checks, n_checks, err, errlen);
		}
	}
	hub_config_file_close(&cf);
	return rc;
}

int
hub_config_load(struct hub_config *cfg, char *err, size_t errlen)
{
	return hub_config_load_checked(cfg, NULL, 0, err, errlen);
}

int
hub_config_load_checked(struct hub_config *cfg, const struct hub_config_check *checks,
    size_t n_checks, char *err, size_t errlen)
{
	const struct config_entry *e;
	const char *v;
	size_t i;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (errlen > 0)
		err[0] = '\0';
	for (i = 0; i < CONFIG_TABLE_LEN; i++) {
		e = &config_table[i];
		if (e->default_value != NULL &&
		    (rc = config_set(cfg, e, e->default_value, " (default)", checks, n_checks, err,
		    errlen)) != HUB_OK)
			goto fail;
	}
	v = getenv("HUB_CONFIG");
	if (v != NULL && *v != '\0') {
		if ((cfg->config_file = strdup(v)) == NULL) {
			rc = HUB_ERR_NOMEM;
			goto fail;
		}
		if ((rc = config_load_file(cfg, v, checks, n_checks, err, errlen)) != HUB_OK)
			goto fail;
	}
	for (i = 0; i < CONFIG_TABLE_LEN; i++) {
		e = &config_table[i];
		v = getenv(e->name);
		if (v == NULL)
			continue;
		if (*v == '\0' && e->default_value == NULL)
			continue;  /* set but empty: same as unset */
		if ((rc = config_set(cfg, e, v, "", checks, n_checks, err, errlen)) != HUB_OK)
			goto fail;
	}
	if (cfg->state_dir == NULL) {
		/* a private default per user, so that nothing needs it to be set */
		char dflt[64];

		snprintf(dflt, sizeof(dflt), "/tmp/llm-mcp-hub-%u", (unsigned)getuid());
		if ((cfg->state_dir = strdup(dflt)) == NULL) {
			rc = HUB_ERR_NOMEM;
			goto fail;
		}
	}
	cfg->run_dir_set = cfg->run_dir != NULL;
	if (cfg->run_dir == NULL && (cfg->run_dir = strdup(cfg->state_dir)) == NULL) {
		rc = HUB_ERR_NOMEM;
		goto fail;
	}
	return HUB_OK;
fail:
	hub_config_free(cfg);
	return rc;
}

void
hub_config_free(struct hub_config *cfg)
{
	size_t i;
	char **s;

	if (cfg == NULL)
		return;
	for (i = 0; i < CONFIG_TABLE_LEN; i++) {
		if (config_table[i].type != CONFIG_STRING)
			continue;
		s = (char **)((char *)cfg + config_table[i].offset);
		free(*s);
		*s = NULL;
	}
	free(cfg->config_file);
	cfg->config_file = NULL;
}

/*
 * What hub_config_find_executable() found, for HUB_EXE_CACHE_MS: /health
 * asks for every provider's CLI on every request, and each look-up is a
 * PATH walk and a realpath() (a dozen system calls). A CLI installed,
 * moved or removed shows within that time; a CLI replaced in place is
 * the same path.
 */
#define HUB_EXE_CACHE_SLOTS 8
#define HUB_EXE_CACHE_MS    1000

struct hub_exe_cached {
	char *name;
	char *path;               /* NULL: not found */
	long long at_ms;
};

static struct hub_exe_cached hub_exe_cache[HUB_EXE_CACHE_SLOTS];
static pthread_mutex_t hub_exe_cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* 1 with *out the cached answer for name (a copy, may be NULL), else 0. */
static int
hub_exe_cache_get(const char *name, long long now, char **out)
{
	int i, hit = 0;

	*out = NULL;
	pthread_mutex_lock(&hub_exe_cache_lock);
	for (i = 0; i < HUB_EXE_CACHE_SLOTS && !hit; i++) {
		if (hub_exe_cache[i].name == NULL || strcmp(hub_exe_cache[i].name, name) != 0 ||
		    now - hub_exe_cache[i].at_ms >= HUB_EXE_CACHE_MS)
			continue;
		hit = 1;
		if (hub_exe_cache[i].path != NULL && (*out = strdup(hub_exe_cache[i].path)) == NULL)
			hit = 0;  /* out of memory: look it up again */
	}
	pthread_mutex_unlock(&hub_exe_cache_lock);
	return hit;
}

/* Remember name's answer (path may be NULL), in its slot or the oldest. */
static void
hub_exe_cache_put(const char *name, const char *path, long long now)
{
	char *n = strdup(name), *p = path != NULL ? strdup(path) : NULL;
	int i, slot = 0;

	if (n == NULL || (path != NULL && p == NULL)) {
		free(n);
		free(p);
		return;
	}
	pthread_mutex_lock(&hub_exe_cache_lock);
	for (i = 0; i < HUB_EXE_CACHE_SLOTS; i++) {
		if (hub_exe_cache[i].name != NULL && strcmp(hub_exe_cache[i].name, name) == 0) {
			slot = i;
			break;
		}
		if (hub_exe_cache[i].at_ms < hub_exe_cache[slot].at_ms)
			slot = i;
	}
	free(hub_exe_cache[slot].name);
	free(hub_exe_cache[slot].path);
	hub_exe_cache[slot].name = n;
	hub_exe_cache[slot].path = p;
	hub_exe_cache[slot].at_ms = now;
	pthread_mutex_unlock(&hub_exe_cache_lock);
}

/* The look-up itself: a path, or the first executable on PATH. */
static char *
hub_config_look_up_executable(const char *name)
{
	const char *path, *p, *colon;
	char candidate[PATH_MAX];
	size_t dirlen;
	int n;

	if (strchr(name, '/') != NULL) {
		if (access(name, X_OK) != 0)
			return NULL;
		return realpath(name, NULL);
	}
	if ((path = getenv("PATH")) == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = colon + 1) {
		colon = strchr(p, ':');
		dirlen = colon ? (size_t)(colon - p) : strlen(p);
		if (dirlen > 0) {
			n = snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)dirlen, p, name);
			if (n > 0 && (size_t)n < sizeof(candidate) && access(candidate, X_OK) == 0)
				return realpath(candidate, NULL);
		}
		if (colon == NULL)
			break;
	}
	return NULL;
}

char *
hub_config_find_executable(const char *name)
{
	long long now = hub_time_mono_ms();
	char *path;

	if (name == NULL || *name == '\0')
		return NULL;
	if (hub_exe_cache_get(name, now, &path))
		return path;
	path = hub_config_look_up_executable(name);
	hub_exe_cache_put(name, path, now);
	return path;
}
