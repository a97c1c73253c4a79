/*
 * provider_conf.c - parse and validate [provider NAME] sections.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_limits.h"
#include "provider_conf.h"
#include "registry.h"

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

/* How a key's value is read (provider_conf_keys[]). */
enum provider_conf_key_type {
	PROVIDER_CONF_KEY_CHOICE,    /* one word of choices, stored as an int */
	PROVIDER_CONF_KEY_KIND,      /* a kind's conf_type (registry.c), its kind */
	PROVIDER_CONF_KEY_SECONDS,   /* 1 to 86400, a long */
	PROVIDER_CONF_KEY_EXECUTABLE,/* a command name or an absolute path */
	PROVIDER_CONF_KEY_MODEL,     /* one model id */
	PROVIDER_CONF_KEY_LIST       /* split into a char ** list */
};

struct provider_conf_choice {
	const char *word;
	int value;
};

/* One key of a section: where its value goes and how it is checked. */
struct provider_conf_key {
	const char *name;
	enum provider_conf_key_type type;
	size_t offset;                               /* in struct provider_conf */
	const struct provider_conf_choice *choices;  /* CHOICE: NULL-word-terminated */
	const char *expected;                        /* CHOICE: "expected ..." */
	const char *seps;                            /* LIST: separators */
	size_t max;                                  /* LIST: longest item; 0: any */
	const char *extra;                           /* LIST: allowed besides alnum */
};

_Static_assert(sizeof(enum provider_conf_input) == sizeof(int), "inputs are stored as int");
_Static_assert(sizeof(enum provider_conf_format) == sizeof(int), "formats are stored as int");

static const struct provider_conf_choice provider_conf_bools[] = {
	{ "true", 1 }, { "yes", 1 }, { "1", 1 }, { "false", 0 }, { "no", 0 }, { "0", 0 },
	{ NULL, 0 }
};
static const struct provider_conf_choice provider_conf_overages[] = {
	{ "deny", 0 }, { "allow", 1 }, { NULL, 0 }
};
static const struct provider_conf_choice provider_conf_inputs[] = {
	{ "stdin", PROVIDER_CONF_INPUT_STDIN }, { "pty", PROVIDER_CONF_INPUT_PTY }, { NULL, 0 }
};
static const struct provider_conf_choice provider_conf_stdin_formats[] = {
	{ "text", PROVIDER_CONF_TEXT }, { "claude-stream-json", PROVIDER_CONF_CLAUDE_JSON },
	{ NULL, 0 }
};
static const struct provider_conf_choice provider_conf_outputs[] = {
	{ "text", PROVIDER_CONF_TEXT }, { "claude-stream-json", PROVIDER_CONF_CLAUDE_JSON },
	{ "gemini-stream-json", PROVIDER_CONF_GEMINI_JSON }, { NULL, 0 }
};

#define PROVIDER_CONF_OFF(f) offsetof(struct provider_conf, f)

/* The keys, in the order the unknown-key message names them. */
static const struct provider_conf_key provider_conf_keys[] = {
	{ "type", PROVIDER_CONF_KEY_KIND, PROVIDER_CONF_OFF(ops), NULL, NULL, NULL, 0, NULL },
	{ "enabled", PROVIDER_CONF_KEY_CHOICE, PROVIDER_CONF_OFF(enabled), provider_conf_bools,
	  "expected true or false", NULL, 0, NULL },
	{ "executable", PROVIDER_CONF_KEY_EXECUTABLE, PROVIDER_CONF_OFF(executable), NULL, NULL,
	  NULL, 0, NULL },
	{ "args", PROVIDER_CONF_KEY_LIST, PROVIDER_CONF_OFF(args), NULL, NULL, " \t", 0, NULL },
	{ "input", PROVIDER_CONF_KEY_CHOICE, PROVIDER_CONF_OFF(input), provider_conf_inputs,
	  "expected stdin or pty", NULL, 0, NULL },
	{ "stdin_format", PROVIDER_CONF_KEY_CHOICE, PROVIDER_CONF_OFF(stdin_format),
	  provider_conf_stdin_formats, "expected text or claude-stream-json", NULL, 0, NULL },
	{ "output", PROVIDER_CONF_KEY_CHOICE, PROVIDER_CONF_OFF(output), provider_conf_outputs,
	  "expected text, claude-stream-json or gemini-stream-json", NULL, 0, NULL },
	{ "models", PROVIDER_CONF_KEY_LIST, PROVIDER_CONF_OFF(models), NULL, NULL, ", \t",
	  HUB_MAX_MODEL_LEN, PROVIDER_CONF_MODEL_CHARS },
	{ "model_prefixes", PROVIDER_CONF_KEY_LIST, PROVIDER_CONF_OFF(model_prefixes), NULL, NULL,
	  ", \t", HUB_MAX_MODEL_LEN, PROVIDER_CONF_MODEL_CHARS },
	{ "default_model", PROVIDER_CONF_KEY_MODEL, PROVIDER_CONF_OFF(default_model), NULL, NULL,
	  NULL, 0, NULL },
	{ "timeout", PROVIDER_CONF_KEY_SECONDS, PROVIDER_CONF_OFF(timeout_s), NULL, NULL, NULL, 0,
	  NULL },
	{ "env", PROVIDER_CONF_KEY_LIST, PROVIDER_CONF_OFF(env), NULL, NULL, ", \t", 128,
	  PROVIDER_CONF_ENV_CHARS },
	{ "overage", PROVIDER_CONF_KEY_CHOICE, PROVIDER_CONF_OFF(overage_allow),
	  provider_conf_overages, "expected deny or allow", NULL, 0, NULL },
};

#define PROVIDER_CONF_N_KEYS (sizeof(provider_conf_keys) / sizeof(provider_conf_keys[0]))

/* Replace the malloc'd string at field with a copy of value. */
static int
provider_conf_set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return HUB_ERR_NOMEM;
	free(*field);
	*field = copy;
	return HUB_OK;
}

/* Read value as key k says into its field of c. */
static int
provider_conf_set_value(struct provider_conf *c, const struct provider_conf_key *k,
    const char *value, const struct provider_conf_where *w, char *err, size_t errlen)
{
	void *field = (char *)c + k->offset;
	const struct provider_conf_choice *ch;
	const struct provider_ops *ops;
	const char *bad = NULL;
	char **list = NULL, *end;
	long n;
	int rc;

	switch (k->type) {
	case PROVIDER_CONF_KEY_CHOICE:
		for (ch = k->choices; ch->word != NULL; ch++)
			if (strcmp(ch->word, value) == 0) {
				memcpy(field, &ch->value, sizeof(int));
				return HUB_OK;
			}
		return provider_conf_fail(err, errlen, w, "%s, not \"%.64s\"", k->expected, value);
	case PROVIDER_CONF_KEY_KIND:
		if ((ops = registry_kind_by_type(value)) == NULL)
			return provider_conf_fail(err, errlen, w, "%s, not \"%.64s\"",
			    registry_kind_types(), value);
		*(const struct provider_ops **)field = ops;
		return HUB_OK;
	case PROVIDER_CONF_KEY_SECONDS:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || n < 1 || n > 86400)
			return provider_conf_fail(err, errlen, w, "expected seconds from 1 to 86400, not \"%.64s\"", value);
		*(long *)field = n;
		return HUB_OK;
	case PROVIDER_CONF_KEY_EXECUTABLE:
		if (*value == '\0' || strlen(value) > 1024 || strchr(value, ' ') != NULL)
			return provider_conf_fail(err, errlen, w, "expected a command name or an absolute path without spaces");
		if (strchr(value, '/') != NULL && value[0] != '/')
			return provider_conf_fail(err, errlen, w, "a path must be absolute");
		return provider_conf_set_string(field, value);
	case PROVIDER_CONF_KEY_MODEL:
		if (!provider_conf_word(value, HUB_MAX_MODEL_LEN, PROVIDER_CONF_MODEL_CHARS) || value[0] == '-')
			return provider_conf_fail(err, errlen, w,
			    "expected a model id of letters, digits and - _ . : @ [ ] /");
		return provider_conf_set_string(field, value);
	case PROVIDER_CONF_KEY_LIST:
		rc = provider_conf_split(value, k->seps, k->max, k->extra, &list, &bad);
		if (rc == HUB_ERR_CONFIG)
			return provider_conf_fail(err, errlen, w, "%s", bad);
		if (rc != HUB_OK)
			return rc;
		provider_conf_list_free(*(char ***)field);
		*(char ***)field = list;
		return HUB_OK;
	}
	return HUB_ERR_INVALID;
}

/* Apply one "key = value" of a section, by provider_conf_keys[]. */
static int
provider_conf_set_key(struct provider_conf *c, const char *key, const char *value,
    const struct provider_conf_where *w, char *err, size_t errlen)
{
	char known[256];
	size_t i, used = 0;

	for (i = 0; i < PROVIDER_CONF_N_KEYS; i++)
		if (strcmp(provider_conf_keys[i].name, key) == 0)
			return provider_conf_set_value(c, &provider_conf_keys[i], value, w, err, errlen);
	known[0] = '\0';
	for (i = 0; i < PROVIDER_CONF_N_KEYS && used < sizeof(known); i++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
		    provider_conf_keys[i].name);
	return provider_conf_fail(err, errlen, w, "unknown key (known: %s)", known);
}

/* Checks once a whole section is read: its kind's conf_check, or, for a
 * kind without one, no keys that only some kinds take. */
static int
provider_conf_finish(const struct provider_conf *c, const struct provider_conf_where *where,
    char *err, size_t errlen)
{
	const struct provider_ops *ops = c->ops;
	struct provider_conf_where w = *where;
	char why[200];

	w.line = c->line;
	if (ops->conf_check != NULL) {
		why[0] = '\0';
		if (ops->conf_check(c, &w.key, why, sizeof(why)) != HUB_OK)
			return provider_conf_fail(err, errlen, &w, "%s", why);
		return HUB_OK;
	}
	if (c->args != NULL || c->env != NULL) {
		w.key = c->args != NULL ? "args" : "env";
		return provider_conf_fail(err, errlen, &w, "only for type = cli");
	}
	return HUB_OK;
}

/* Start a [route NAME] section (name trimmed). */
static int
provider_conf_begin_route(struct provider_conf_set *set, const char *name,
    struct provider_conf_where *w, char *err, size_t errlen)
{
	struct provider_route_conf *r;

	if (!provider_conf_word(name, sizeof(r->name) - 1, "-_."))
		return provider_conf_fail(err, errlen, w,
		    "the route name must be 1 to 31 letters, digits, - _ or .");
	if (provider_conf_find_route(set, name) != NULL || provider_conf_find(set, name) != NULL)
		return provider_conf_fail(err, errlen, w, "[route %s] names a route or provider twice", name);
	if (set->n_routes >= HUB_MAX_PROVIDERS)
		return provider_conf_fail(err, errlen, w, "more than %d routes", HUB_MAX_PROVIDERS);
	r = &set->routes[set->n_routes++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->line = w->line;
	return HUB_OK;
}

/* A key of a [route NAME] section: only targets. */
static int
provider_conf_set_route_key(struct provider_route_conf *r, const char *key, const char *value,
    const struct provider_conf_where *w, char *err, size_t errlen)
{
	const char *bad = NULL;
	char **list = NULL;
	int rc;

	if (strcmp(key, "targets") != 0)
		return provider_conf_fail(err, errlen, w, "unknown key (known: targets)");
	rc = provider_conf_split(value, ", \t", 32 + HUB_MAX_MODEL_LEN, PROVIDER_CONF_MODEL_CHARS,
	    &list, &bad);
	if (rc == HUB_ERR_CONFIG)
		return provider_conf_fail(err, errlen, w, "%s", bad);
	if (rc != HUB_OK)
		return rc;
	if (list[0] == NULL) {
		provider_conf_list_free(list);
		return provider_conf_fail(err, errlen, w, "expected PROVIDER[:MODEL], ...");
	}
	provider_conf_list_free(r->targets);
	r->targets = list;
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
	if (strncmp(header, "route", 5) == 0 && isspace((unsigned char)header[5]))
		return provider_conf_begin_route(set, hub_config_trim(header + 5), w, err, errlen);
	if (strncmp(header, "provider", 8) != 0 || !isspace((unsigned char)header[8]))
		return provider_conf_fail(err, errlen, w,
		    "expected a section header [provider NAME] or [route NAME]");
	name = hub_config_trim(header + 8);
	if (!provider_conf_word(name, sizeof(c->name) - 1, "-_"))
		return provider_conf_fail(err, errlen, w,
		    "the provider name must be 1 to 31 letters, digits, - or _");
	if (provider_conf_find(set, name) != NULL || provider_conf_find_route(set, name) != NULL)
		return provider_conf_fail(err, errlen, w, "[provider %s] appears twice", name);
	if (set->n >= HUB_MAX_PROVIDERS)
		return provider_conf_fail(err, errlen, w, "more than %d providers", HUB_MAX_PROVIDERS);
	c = &set->items[set->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->ops = registry_kind_of_section(name);
	c->enabled = 1;
	c->overage_allow = -1;
	c->line = w->line;
	return HUB_OK;
}

int
provider_conf_load(const char *path, struct provider_conf_set *out, char *err, size_t errlen)
{
	struct provider_conf_where w = { path, 0, NULL, NULL };
	struct hub_config_file cf;
	struct hub_config_line l;
	struct provider_conf *cur = NULL;
	struct provider_route_conf *route = NULL;
	size_t n_before;
	char *close;
	int rc = HUB_OK;

	memset(out, 0, sizeof(*out));
	if (errlen > 0)
		err[0] = '\0';
	if ((rc = hub_config_file_open(&cf, path, err, errlen)) != HUB_OK)
		return rc;
	if ((out->items = calloc(HUB_MAX_PROVIDERS, sizeof(*out->items))) == NULL ||
	    (out->routes = calloc(HUB_MAX_PROVIDERS, sizeof(*out->routes))) == NULL) {
		free(out->items);
		out->items = NULL;
		hub_config_file_close(&cf);
		return HUB_ERR_NOMEM;
	}
	while (rc == HUB_OK && hub_config_file_next(&cf, &l) != HUB_CONFIG_LINE_END) {
		w.line = l.lineno;
		w.key = NULL;
		if (l.kind == HUB_CONFIG_LINE_TOO_LONG) {
			rc = provider_conf_fail(err, errlen, &w, "line too long");
		} else if (l.kind == HUB_CONFIG_LINE_READ_ERROR) {
			snprintf(err, errlen, "HUB_CONFIG: cannot read \"%s\"", path);
			rc = HUB_ERR_CONFIG;
		} else if (l.kind == HUB_CONFIG_LINE_SECTION) {
			if (cur != NULL && (rc = provider_conf_finish(cur, &w, err, errlen)) != HUB_OK)
				break;
			if (route != NULL && route->targets == NULL) {
				w.line = route->line;
				rc = provider_conf_fail(err, errlen, &w, "[route %s] needs targets = PROVIDER[:MODEL], ...",
				    route->name);
				break;
			}
			w.section = NULL;
			if ((close = strchr(l.text, ']')) == NULL || *hub_config_trim(close + 1) != '\0') {
				rc = provider_conf_fail(err, errlen, &w,
				    "expected a section header [provider NAME] or [route NAME]");
				break;
			}
			*close = '\0';
			n_before = out->n;
			if ((rc = provider_conf_begin(out, l.text + 1, &w, err, errlen)) != HUB_OK)
				break;
			cur = out->n > n_before ? &out->items[out->n - 1] : NULL;
			route = cur == NULL ? &out->routes[out->n_routes - 1] : NULL;
			w.section = cur != NULL ? cur->name : NULL;
		} else if (route != NULL) {
			if (l.kind == HUB_CONFIG_LINE_NO_EQUALS)
				rc = provider_conf_fail(err, errlen, &w, "expected key = value");
			else if ((rc = provider_conf_set_route_key(route, l.key, l.value, &w, err, errlen)) ==
			    HUB_ERR_NOMEM)
				snprintf(err, errlen, "HUB_CONFIG: out of memory");
		} else if (cur == NULL) {
			/* a global setting: common/hub_config.c reads those */
		} else if (l.kind == HUB_CONFIG_LINE_NO_EQUALS) {
			rc = provider_conf_fail(err, errlen, &w, "expected key = value");
		} else {
			w.key = l.key;
			if ((rc = provider_conf_set_key(cur, l.key, l.value, &w, err, errlen)) == HUB_ERR_NOMEM)
				snprintf(err, errlen, "HUB_CONFIG: out of memory");
		}
	}
	if (rc == HUB_OK && cur != NULL)
		rc = provider_conf_finish(cur, &w, err, errlen);
	if (rc == HUB_OK && route != NULL && route->targets == NULL) {
		w.line = route->line;
		rc = provider_conf_fail(err, errlen, &w, "[route %s] needs targets = PROVIDER[:MODEL], ...",
		    route->name);
	}
	hub_config_file_close(&cf);
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
	for (i = 0; i < set->n_routes; i++)
		provider_conf_list_free(set->routes[i].targets);
	free(set->items);
	free(set->routes);
	set->items = NULL;
	set->routes = NULL;
	set->n = 0;
	set->n_routes = 0;
}

const struct provider_route_conf *
provider_conf_find_route(const struct provider_conf_set *set, const char *name)
{
	size_t i;

	for (i = 0; set != NULL && name != NULL && i < set->n_routes; i++)
		if (strcmp(set->routes[i].name, name) == 0)
			return &set->routes[i];
	return NULL;
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
