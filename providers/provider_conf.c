/*
 * provider_conf.c - parse and validate [provider NAME] sections.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_limits.h"
#include "provider_conf.h"

/* Longest line of the configuration file (as common/hub_config.c). */
#define PROVIDER_CONF_MAX_LINE 4096

/* Where a message points: "HUB_CONFIG: file:line: [provider NAME] key: ". */
struct provider_conf_where {
	const char *path;
	int line;
	const char *section;
	const char *key;
};

static int provider_conf_fail(char *err, size_t errlen, const struct provider_conf_where *w,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Write the located message into err; returns HUB_ERR_CONFIG. */
static int
provider_conf_fail(char *err, size_t errlen, const struct provider_conf_where *w,
    const char *fmt, ...)
{
	char why[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (w->section != NULL)
		snprintf(err, errlen, "HUB_CONFIG: %s:%d: [provider %s]%s%s: %s", w->path, w->line,
		    w->section, w->key ? " " : "", w->key ? w->key : "", why);
	else
		snprintf(err, errlen, "HUB_CONFIG: %s:%d: %s", w->path, w->line, why);
	return HUB_ERR_CONFIG;
}

/* 1 when s is 1..max characters of [A-Za-z0-9] plus the characters in extra. */
static int
provider_conf_word(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);
	const char *p;

	if (n == 0 || n > max)
		return 0;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr(extra, *p) == NULL)
			return 0;
	return 1;
}

static void
provider_conf_list_free(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

/*
 * Split value at any of seps into a NULL-terminated list of malloc'd
 * strings, checking each item with provider_conf_word(item, max, extra)
 * (extra NULL: any printable non-space text). Empty items are skipped.
 */
static int
provider_conf_split(const char *value, const char *seps, size_t max, const char *extra,
    char ***out, const char **bad)
{
	char *copy, *tok, *save = NULL;
	char **list;
	size_t n = 0;
	const unsigned char *p;
	int rc = HUB_OK;

	*out = NULL;
	*bad = NULL;
	if ((copy = strdup(value)) == NULL)
		return HUB_ERR_NOMEM;
	if ((list = calloc(HUB_MAX_PROVIDER_LIST + 1, sizeof(*list))) == NULL) {
		free(copy);
		return HUB_ERR_NOMEM;
	}
	for (tok = strtok_r(copy, seps, &save); tok != NULL; tok = strtok_r(NULL, seps, &save)) {
		tok = hub_config_trim(tok);
		if (*tok == '\0')
			continue;
		if (n >= HUB_MAX_PROVIDER_LIST) {
			*bad = "too many entries";
			rc = HUB_ERR_CONFIG;
			break;
		}
		if (extra != NULL && !provider_conf_word(tok, max, extra)) {
			*bad = "an entry has characters that are not allowed";
			rc = HUB_ERR_CONFIG;
			break;
		}
		for (p = (const unsigned char *)tok; extra == NULL && *p; p++)
			if (*p < 0x20 || *p == 0x7f) {
				*bad = "control characters are not allowed";
				rc = HUB_ERR_CONFIG;
				break;
			}
		if (rc != HUB_OK)
			break;
		if ((list[n] = strdup(tok)) == NULL) {
			rc = HUB_ERR_NOMEM;
			break;
		}
		n++;
	}
	free(copy);
	if (rc != HUB_OK) {
		provider_conf_list_free(list);
		return rc;
	}
	*out = list;
	return HUB_OK;
}

/* Characters allowed in model ids and prefixes (as common/hub_config.c). */
#define PROVIDER_CONF_MODEL_CHARS "-_.:@[]/"
/* Characters allowed in environment variable names. */
#define PROVIDER_CONF_ENV_CHARS "_"

/* Apply one "key = value" of a section. */
static int
provider_conf_set_key(struct provider_conf *c, const char *key, const char *value,
    const struct provider_conf_where *w, char *err, size_t errlen)
{
	const char *bad = NULL;
	char **list = NULL;
	char *end;
	long n;
	int rc;

	if (strcmp(key, "type") == 0) {
		if (strcmp(value, "claude") == 0)
			c->kind = PROVIDER_CLAUDE;
		else if (strcmp(value, "gemini") == 0)
			c->kind = PROVIDER_GEMINI;
		else if (strcmp(value, "cli") == 0)
			c->kind = PROVIDER_GENERIC;
		else
			return provider_conf_fail(err, errlen, w, "expected claude, gemini or cli, not \"%.64s\"", value);
		return HUB_OK;
	}
	if (strcmp(key, "enabled") == 0) {
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
			c->enabled = 1;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "0") == 0)
			c->enabled = 0;
		else
			return provider_conf_fail(err, errlen, w, "expected true or false, not \"%.64s\"", value);
		return HUB_OK;
	}
	if (strcmp(key, "timeout") == 0) {
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || n < 1 || n > 86400)
			return provider_conf_fail(err, errlen, w, "expected seconds from 1 to 86400, not \"%.64s\"", value);
		c->timeout_s = n;
		return HUB_OK;
	}
	if (strcmp(key, "input") == 0) {
		if (strcmp(value, "stdin") == 0)
			c->input = PROVIDER_CONF_INPUT_STDIN;
		else if (strcmp(value, "pty") == 0)
			c->input = PROVIDER_CONF_INPUT_PTY;
		else
			return provider_conf_fail(err, errlen, w, "expected stdin or pty, not \"%.64s\"", value);
		return HUB_OK;
	}
	if (strcmp(key, "output") == 0 || strcmp(key, "stdin_format") == 0) {
		enum provider_conf_format f;

		if (strcmp(value, "text") == 0)
			f = PROVIDER_CONF_TEXT;
		else if (strcmp(value, "claude-stream-json") == 0)
			f = PROVIDER_CONF_CLAUDE_JSON;
		else if (strcmp(value, "gemini-stream-json") == 0 && key[0] == 'o')
			f = PROVIDER_CONF_GEMINI_JSON;
		else if (key[0] == 'o')
			return provider_conf_fail(err, errlen, w,
			    "expected text, claude-stream-json or gemini-stream-json, not \"%.64s\"", value);
		else
			return provider_conf_fail(err, errlen, w,
			    "expected text or claude-stream-json, not \"%.64s\"", value);
		if (key[0] == 'o')
			c->output = f;
		else
			c->stdin_format = f;
		return HUB_OK;
	}
	if (strcmp(key, "executable") == 0) {
		if (*value == '\0' || strlen(value) > 1024 || strchr(value, ' ') != NULL)
			return provider_conf_fail(err, errlen, w, "expected a command name or an absolute path without spaces");
		if (strchr(value, '/') != NULL && value[0] != '/')
			return provider_conf_fail(err, errlen, w, "a path must be absolute");
		free(c->executable);
		if ((c->executable = strdup(value)) == NULL)
			return HUB_ERR_NOMEM;
		return HUB_OK;
	}
	if (strcmp(key, "default_model") == 0) {
		if (!provider_conf_word(value, HUB_MAX_MODEL_LEN, PROVIDER_CONF_MODEL_CHARS) || value[0] == '-')
			return provider_conf_fail(err, errlen, w,
			    "expected a model id of letters, digits and - _ . : @ [ ] /");
		free(c->default_model);
		if ((c->default_model = strdup(value)) == NULL)
			return HUB_ERR_NOMEM;
		return HUB_OK;
	}
	if (strcmp(key, "args") == 0)
		rc = provider_conf_split(value, " \t", 0, NULL, &list, &bad);
	else if (strcmp(key, "models") == 0 || strcmp(key, "model_prefixes") == 0)
		rc = provider_conf_split(value, ", \t", HUB_MAX_MODEL_LEN, PROVIDER_CONF_MODEL_CHARS, &list, &bad);
	else if (strcmp(key, "env") == 0)
		rc = provider_conf_split(value, ", \t", 128, PROVIDER_CONF_ENV_CHARS, &list, &bad);
	else
		return provider_conf_fail(err, errlen, w,
		    "unknown key (known: type, enabled, executable, args, input, stdin_format, output, "
		    "models, model_prefixes, default_model, timeout, env)");
	if (rc == HUB_ERR_CONFIG)
		return provider_conf_fail(err, errlen, w, "%s", bad);
	if (rc != HUB_OK)
		return rc;
	if (strcmp(key, "args") == 0) {
		provider_conf_list_free(c->args);
		c->args = list;
	} else if (strcmp(key, "models") == 0) {
		provider_conf_list_free(c->models);
		c->models = list;
	} else if (strcmp(key, "model_prefixes") == 0) {
		provider_conf_list_free(c->model_prefixes);
		c->model_prefixes = list;
	} else {
		provider_conf_list_free(c->env);
		c->env = list;
	}
	return HUB_OK;
}

/* Checks once a whole section is read. */
static int
provider_conf_finish(const struct provider_conf *c, const struct provider_conf_where *where,
    char *err, size_t errlen)
{
	struct provider_conf_where w = *where;
	size_t i;

	w.line = c->line;
	if (c->kind == PROVIDER_GENERIC) {
		if (c->executable == NULL) {
			w.key = "executable";
			return provider_conf_fail(err, errlen, &w, "required for type = cli");
		}
		if (c->models == NULL && c->model_prefixes == NULL && c->default_model == NULL) {
			w.key = "models";
			return provider_conf_fail(err, errlen, &w,
			    "a cli provider needs models, model_prefixes or default_model");
		}
		for (i = 0; c->args != NULL && c->args[i] != NULL; i++)
			if (i + 2 >= HUB_MAX_CHILD_ARGV) {
				w.key = "args";
				return provider_conf_fail(err, errlen, &w, "too many arguments");
			}
		if (c->output == PROVIDER_CONF_GEMINI_JSON && c->stdin_format == PROVIDER_CONF_CLAUDE_JSON) {
			w.key = "stdin_format";
			return provider_conf_fail(err, errlen, &w, "claude-stream-json input needs claude-stream-json output");
		}
	} else {
		const char *k = c->args ? "args" : c->env ? "env" : NULL;

		if (k != NULL) {
			w.key = k;
			return provider_conf_fail(err, errlen, &w, "only for type = cli");
		}
	}
	return HUB_OK;
}

/* Start a section from its header text (without the brackets). */
static int
provider_conf_begin(struct provider_conf_set *set, char *header,
    struct provider_conf_where *w, char *err, size_t errlen)
{
	struct provider_conf *c;
	char *name;

	header = hub_config_trim(header);
	if (strncmp(header, "provider", 8) != 0 || !isspace((unsigned char)header[8]))
		return provider_conf_fail(err, errlen, w, "expected a section header [provider NAME]");
	name = hub_config_trim(header + 8);
	if (!provider_conf_word(name, sizeof(c->name) - 1, "-_"))
		return provider_conf_fail(err, errlen, w,
		    "the provider name must be 1 to 31 letters, digits, - or _");
	if (provider_conf_find(set, name) != NULL)
		return provider_conf_fail(err, errlen, w, "[provider %s] appears twice", name);
	if (set->n >= HUB_MAX_PROVIDERS)
		return provider_conf_fail(err, errlen, w, "more than %d providers", HUB_MAX_PROVIDERS);
	c = &set->items[set->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->kind = strcmp(name, "claude") == 0 ? PROVIDER_CLAUDE :
	    strcmp(name, "gemini") == 0 ? PROVIDER_GEMINI : PROVIDER_GENERIC;
	c->enabled = 1;
	c->line = w->line;
	return HUB_OK;
}

int
provider_conf_load(const char *path, struct provider_conf_set *out, char *err, size_t errlen)
{
	struct provider_conf_where w = { path, 0, NULL, NULL };
	char line[PROVIDER_CONF_MAX_LINE];
	char *k, *v, *eq, *close;
	struct provider_conf *cur = NULL;
	size_t vl;
	FILE *f;
	int rc = HUB_OK;

	memset(out, 0, sizeof(*out));
	if (errlen > 0)
		err[0] = '\0';
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "HUB_CONFIG: cannot open \"%s\": %s", path, strerror(errno));
		return HUB_ERR_CONFIG;
	}
	if ((out->items = calloc(HUB_MAX_PROVIDERS, sizeof(*out->items))) == NULL) {
		fclose(f);
		return HUB_ERR_NOMEM;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		w.line++;
		w.key = NULL;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			rc = provider_conf_fail(err, errlen, &w, "line too long");
			break;
		}
		k = hub_config_trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if (*k == '[') {
			if (cur != NULL && (rc = provider_conf_finish(cur, &w, err, errlen)) != HUB_OK)
				break;
			w.section = NULL;
			if ((close = strchr(k, ']')) == NULL || *hub_config_trim(close + 1) != '\0') {
				rc = provider_conf_fail(err, errlen, &w, "expected a section header [provider NAME]");
				break;
			}
			*close = '\0';
			if ((rc = provider_conf_begin(out, k + 1, &w, err, errlen)) != HUB_OK)
				break;
			cur = &out->items[out->n - 1];
			w.section = cur->name;
			continue;
		}
		if (cur == NULL)
			continue;  /* a global setting: common/hub_config.c reads those */
		if ((eq = strchr(k, '=')) == NULL) {
			rc = provider_conf_fail(err, errlen, &w, "expected key = value");
			break;
		}
		*eq = '\0';
		k = hub_config_trim(k);
		v = hub_config_trim(eq + 1);
		vl = strlen(v);
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
			v[vl - 1] = '\0';
			v++;
		}
		w.key = k;
		if ((rc = provider_conf_set_key(cur, k, v, &w, err, errlen)) != HUB_OK) {
			if (rc == HUB_ERR_NOMEM)
				snprintf(err, errlen, "HUB_CONFIG: out of memory");
			break;
		}
	}
	if (rc == HUB_OK && ferror(f)) {
		snprintf(err, errlen, "HUB_CONFIG: cannot read \"%s\"", path);
		rc = HUB_ERR_CONFIG;
	}
	if (rc == HUB_OK && cur != NULL)
		rc = provider_conf_finish(cur, &w, err, errlen);
	fclose(f);
	if (rc != HUB_OK)
		provider_conf_free(out);
	return rc;
}

void
provider_conf_free(struct provider_conf_set *set)
{
	size_t i;
	struct provider_conf *c;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		c = &set->items[i];
		free(c->executable);
		free(c->default_model);
		provider_conf_list_free(c->args);
		provider_conf_list_free(c->models);
		provider_conf_list_free(c->model_prefixes);
		provider_conf_list_free(c->env);
	}
	free(set->items);
	set->items = NULL;
	set->n = 0;
}

const struct provider_conf *
provider_conf_find(const struct provider_conf_set *set, const char *name)
{
	size_t i;

	for (i = 0; set != NULL && name != NULL && i < set->n; i++)
		if (strcmp(set->items[i].name, name) == 0)
			return &set->items[i];
	return NULL;
}

int
provider_conf_check_file(const char *path, char *err, size_t errlen)
{
	struct provider_conf_set set;
	int rc;

	if (path == NULL || *path == '\0')
		return HUB_OK;
	rc = provider_conf_load(path, &set, err, errlen);
	provider_conf_free(&set);
	return rc;
}
