/*
 * registry.c - the provider table, its reloads, and model routing.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_limits.h"
#include "common/hub_log.h"
#include "common/hub_os.h"
#include "common/hub_time.h"
#include "generic.h"
#include "provider_conf.h"
#include "registry.h"

/*
 * The kinds of provider: one line each. The order is the order of the
 * built-in providers in the table.
 */
static const struct provider_ops *const registry_kinds[] = {
	&claude_provider_ops,
	&gemini_provider_ops,
	&codex_provider_ops,
	&generic_provider_ops,
};

#define REGISTRY_N_KINDS (sizeof(registry_kinds) / sizeof(registry_kinds[0]))

const struct provider_ops *
registry_kind_by_type(const char *word)
{
	size_t i;

	for (i = 0; word != NULL && i < REGISTRY_N_KINDS; i++)
		if (registry_kinds[i]->conf_type != NULL &&
		    strcmp(registry_kinds[i]->conf_type, word) == 0)
			return registry_kinds[i];
	return NULL;
}

const struct provider_ops *
registry_kind_of_section(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < REGISTRY_N_KINDS; i++)
		if (registry_kinds[i]->builtin_name != NULL &&
		    strcmp(registry_kinds[i]->builtin_name, name) == 0)
			return registry_kinds[i];
	return &generic_provider_ops;
}

/* "expected a, b or c" into buf from the kinds' field at offset (a const
 * char *; kinds where it is NULL are left out). */
static void
registry_kinds_expected(char *buf, size_t len, size_t offset)
{
	const char *words[REGISTRY_N_KINDS], *w;
	size_t i, n = 0, used;

	for (i = 0; i < REGISTRY_N_KINDS; i++) {
		memcpy(&w, (const char *)registry_kinds[i] + offset, sizeof(w));
		if (w != NULL)
			words[n++] = w;
	}
	used = (size_t)snprintf(buf, len, "expected");
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    i == 0 ? " " : i + 1 == n ? " or " : ", ", words[i]);
}

/* "expected claude, gemini or cli": the kinds' type words, once. */
static char registry_types_expected[128];

static void
registry_types_expected_init(void)
{
	registry_kinds_expected(registry_types_expected, sizeof(registry_types_expected),
	    offsetof(struct provider_ops, conf_type));
}

const char *
registry_kind_types(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, registry_types_expected_init);
	return registry_types_expected;
}

/* The defaults of a kind's providers (zeros when it has none). */
static void
registry_kind_defaults(const struct provider_ops *ops, struct provider_defaults *d)
{
	memset(d, 0, sizeof(*d));
	if (ops->defaults != NULL)
		ops->defaults(d);
}

/* How often a process looks at the configuration file. */
#define REGISTRY_CHECK_INTERVAL_MS 1000

/* One immutable table; the strings it points to belong to it. */
struct registry_snap {
	struct provider table[HUB_MAX_PROVIDERS];
	size_t len;
	struct registry_route routes[HUB_MAX_PROVIDERS];
	size_t n_routes;
	struct provider_conf_set conf;     /* the sections; referenced by table */
	int refs;                          /* under registry_lock */
	unsigned long generation;          /* 1, 2, ... in the order built */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct registry_snap *registry_current;      /* holds one reference */
static unsigned long registry_generations;           /* tables built so far */
static struct hub_os_file_sig registry_sig;       /* of the file last read */
static long long registry_last_check_ms;
static pthread_key_t registry_pin_key;
static pthread_once_t registry_pin_once = PTHREAD_ONCE_INIT;
static const struct registry_snap registry_empty;   /* before registry_init() */

/* --- building ----------------------------------------------------------- */

static void
registry_snap_free(struct registry_snap *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->len; i++) {
		free(s->table[i].cli);
		free(s->table[i].default_model);
	}
	provider_conf_free(&s->conf);
	free(s);
}

/* Fill the next slot of s. cli and model are copied. */
static int
registry_add(struct registry_snap *s, const char *name,
    const struct provider_ops *ops, const char *cli, const char *model, long timeout_s,
    const char *const *prefixes, const char *const *aliases, const char *const *models)
{
	struct provider *p;

	if (s->len >= HUB_MAX_PROVIDERS)
		return HUB_ERR_TOO_LARGE;
	p = &s->table[s->len];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->ops = ops;
	p->cli = strdup(cli != NULL ? cli : name);
	p->default_model = model != NULL ? strdup(model) : NULL;
	if (p->cli == NULL || (model != NULL && p->default_model == NULL)) {
		free(p->cli);
		free(p->default_model);
		return HUB_ERR_NOMEM;
	}
	p->timeout_s = timeout_s;
	p->overage_allow = hub_cfg->plan_overage != NULL && strcmp(hub_cfg->plan_overage, "allow") == 0;
	p->model_prefixes = prefixes;
	p->aliases = aliases;
	p->models = models;
	p->enabled = 1;
	s->len++;
	return HUB_OK;
}

/* Add the built-in provider of ops, changed by its section c (may be NULL). */
static int
registry_add_builtin(struct registry_snap *s, const struct provider_ops *ops,
    const struct provider_conf *c)
{
	struct provider_defaults d;
	int rc;

	registry_kind_defaults(ops, &d);
	if (c != NULL) {
		if (c->executable != NULL)
			d.cli = c->executable;
		if (c->default_model != NULL)
			d.model = c->default_model;
		if (c->timeout_s > 0)
			d.timeout_s = c->timeout_s;
		if (c->model_prefixes != NULL)
			d.model_prefixes = (const char *const *)c->model_prefixes;
		if (c->models != NULL)
			d.models = (const char *const *)c->models;
	}
	if ((rc = registry_add(s, ops->builtin_name, ops, d.cli, d.model, d.timeout_s,
	    d.model_prefixes, d.aliases, d.models)) != HUB_OK)
		return rc;
	if (c != NULL)
		s->table[s->len - 1].enabled = c->enabled;
	if (c != NULL && c->overage_allow >= 0)
		s->table[s->len - 1].overage_allow = c->overage_allow;
	return HUB_OK;
}

/* Add the provider of a section that is not a built-in one's: its kind's
 * aliases, timeout and executable unless the section says otherwise. */
static int
registry_add_section(struct registry_snap *s, const struct provider_conf *c)
{
	const struct provider_ops *ops = c->ops;
	struct provider_defaults d;
	int rc;

	registry_kind_defaults(ops, &d);
	if (c->timeout_s > 0)
		d.timeout_s = c->timeout_s;
	if ((rc = registry_add(s, c->name, ops,
	    c->executable != NULL ? c->executable : d.cli != NULL ? d.cli : c->name,
	    c->default_model, d.timeout_s, (const char *const *)c->model_prefixes, d.aliases,
	    (const char *const *)c->models)) != HUB_OK)
		return rc;
	s->table[s->len - 1].enabled = c->enabled;
	if (c->overage_allow >= 0)
		s->table[s->len - 1].overage_allow = c->overage_allow;
	s->table[s->len - 1].data = (void *)c;
	return HUB_OK;
}

/* The provider called name in s, or NULL. */
static struct provider *
registry_snap_find(struct registry_snap *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->len; i++)
		if (strcmp(s->table[i].name, name) == 0)
			return &s->table[i];
	return NULL;
}

static int registry_serves_model(const struct provider *p, const char *model);

/* Add the routes of the file's [route NAME] sections: each target names a
 * provider of s and, after ':', a model it serves. HUB_ERR_CONFIG with the
 * reason in err. */
static int
registry_add_routes(struct registry_snap *s, char *err, size_t errlen)
{
	const struct provider_route_conf *rc;
	struct registry_route *r;
	struct registry_route_target *t;
	char pname[32];
	const char *colon;
	size_t i, j, n;

	for (i = 0; i < s->conf.n_routes; i++) {
		rc = &s->conf.routes[i];
		r = &s->routes[s->n_routes++];
		snprintf(r->name, sizeof(r->name), "%s", rc->name);
		if (registry_snap_find(s, rc->name) != NULL) {
			snprintf(err, errlen, "HUB_CONFIG: %s:%d: [route %s] has a provider's name",
			    hub_cfg->config_file, rc->line, rc->name);
			return HUB_ERR_CONFIG;
		}
		for (j = 0; rc->targets[j] != NULL; j++) {
			if (j >= HUB_MAX_ROUTE_TARGETS) {
				snprintf(err, errlen, "HUB_CONFIG: %s:%d: [route %s] has more than %d targets",
				    hub_cfg->config_file, rc->line, rc->name, HUB_MAX_ROUTE_TARGETS);
				return HUB_ERR_CONFIG;
			}
			t = &r->targets[r->n_targets++];
			colon = strchr(rc->targets[j], ':');
			n = colon != NULL ? (size_t)(colon - rc->targets[j]) : strlen(rc->targets[j]);
			snprintf(pname, sizeof(pname), "%.*s", (int)(n < sizeof(pname) ? n : sizeof(pname) - 1),
			    rc->targets[j]);
			snprintf(t->model, sizeof(t->model), "%s", colon != NULL ? colon + 1 : "");
			if ((t->provider = registry_snap_find(s, pname)) == NULL ||
			    (t->model[0] != '\0' && !registry_serves_model(t->provider, t->model))) {
				snprintf(err, errlen, "HUB_CONFIG: %s:%d: [route %s] targets: \"%.64s\" is not "
				    "PROVIDER[:MODEL] of a provider of this hub that serves that model",
				    hub_cfg->config_file, rc->line, rc->name, rc->targets[j]);
				return HUB_ERR_CONFIG;
			}
		}
	}
	return HUB_OK;
}

/* 1 when section c changes a built-in provider (its name and type). */
static int
registry_is_builtin_section(const struct provider_conf *c)
{
	return c->ops->builtin_name != NULL && strcmp(c->ops->builtin_name, c->name) == 0;
}

/*
 * Build a table from hub_cfg and the file (when configured). Returns 0
 * with *out (one reference), HUB_ERR_CONFIG with the reason in err, or
 * HUB_ERR_NOMEM.
 */
static int
registry_build(struct registry_snap **out, char *err, size_t errlen)
{
	struct registry_snap *s;
	const struct provider_conf *c;
	size_t i;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return HUB_ERR_NOMEM;
	s->refs = 1;
	s->generation = __atomic_add_fetch(&registry_generations, 1, __ATOMIC_RELAXED);
	if (hub_cfg->config_file != NULL && hub_cfg->config_file[0] != '\0' &&
	    (rc = provider_conf_load(hub_cfg->config_file, &s->conf, err, errlen)) != HUB_OK)
		goto fail;
	for (i = 0; i < REGISTRY_N_KINDS; i++) {
		if (registry_kinds[i]->builtin_name == NULL)
			continue;
		c = provider_conf_find(&s->conf, registry_kinds[i]->builtin_name);
		if (c == NULL && registry_kinds[i]->builtin_present != NULL &&
		    !registry_kinds[i]->builtin_present())
			continue;
		if ((c == NULL || c->ops == registry_kinds[i]) &&
		    (rc = registry_add_builtin(s, registry_kinds[i], c)) != HUB_OK)
			goto fail;
	}
	for (i = 0; i < s->conf.n; i++) {
		c = &s->conf.items[i];
		if (registry_is_builtin_section(c))
			continue;  /* changed a built-in above */
		if ((rc = registry_add_section(s, c)) != HUB_OK)
			goto fail;
	}
	if ((rc = registry_add_routes(s, err, errlen)) != HUB_OK)
		goto fail;
	*out = s;
	return HUB_OK;
fail:
	if (rc == HUB_ERR_TOO_LARGE) {
		snprintf(err, errlen, "HUB_CONFIG: more than %d providers", HUB_MAX_PROVIDERS);
		rc = HUB_ERR_CONFIG;
	}
	registry_snap_free(s);
	return rc;
}

/* --- references and pins ------------------------------------------------ */

static void
registry_release(struct registry_snap *s)
{
	int last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&registry_lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&registry_lock);
	if (last)
		registry_snap_free(s);
}

/* Thread exit: let go of the thread's pinned table. */
static void
registry_pin_destroy(void *arg)
{
	registry_release(arg);
}

static void
registry_pin_key_create(void)
{
	(void)pthread_key_create(&registry_pin_key, registry_pin_destroy);
}

/* Pin the calling thread to the current table; returns the pinned one. */
static struct registry_snap *
registry_pin(void)
{
	struct registry_snap *old, *cur;

	pthread_once(&registry_pin_once, registry_pin_key_create);
	old = pthread_getspecific(registry_pin_key);
	pthread_mutex_lock(&registry_lock);
	cur = registry_current;
	if (cur == old) {
		pthread_mutex_unlock(&registry_lock);
		return cur;
	}
	if (cur != NULL)
		cur->refs++;
	pthread_mutex_unlock(&registry_lock);
	(void)pthread_setspecific(registry_pin_key, cur);
	registry_release(old);
	return cur;
}

/* The calling thread's table (pinning the current one on first use). */
static const struct registry_snap *
registry_snap(void)
{
	struct registry_snap *s;

	pthread_once(&registry_pin_once, registry_pin_key_create);
	if ((s = pthread_getspecific(registry_pin_key)) == NULL)
		s = registry_pin();
	return s != NULL ? s : &registry_empty;
}

/* Make s (holding one reference for this) the current table. */
static void
registry_install(struct registry_snap *s)
{
	struct registry_snap *old;

	pthread_mutex_lock(&registry_lock);
	old = registry_current;
	registry_current = s;
	pthread_mutex_unlock(&registry_lock);
	registry_release(old);
}

/* --- the file ----------------------------------------------------------- */

/* The signature of the configuration file now; known = 0 when unreadable. */
static void
registry_file_sig_now(struct hub_os_file_sig *sig)
{
	hub_os_file_sig(hub_cfg->config_file, sig);
}

/* Rebuild the table when the file changed; at most once a second. */
static void
registry_maybe_reload(void)
{
	struct hub_os_file_sig before, after;
	struct registry_snap *s = NULL;
	long long now = hub_time_mono_ms();
	char err[512];
	int rc, changed;

	if (hub_cfg == NULL || hub_cfg->config_file == NULL || hub_cfg->config_file[0] == '\0')
		return;
	pthread_mutex_lock(&registry_lock);
	if (registry_current == NULL || now - registry_last_check_ms < REGISTRY_CHECK_INTERVAL_MS) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	registry_last_check_ms = now;   /* one thread per interval goes on */
	pthread_mutex_unlock(&registry_lock);

	registry_file_sig_now(&before);
	pthread_mutex_lock(&registry_lock);
	changed = !hub_os_file_sig_equal(&before, &registry_sig);
	pthread_mutex_unlock(&registry_lock);
	if (!changed)
		return;
	if (!before.known) {
		hub_log(HUB_LOG_ERROR, "registry",
		    "HUB_CONFIG: cannot read the configuration file; keeping the providers as they were");
		pthread_mutex_lock(&registry_lock);
		registry_sig = before;
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	rc = registry_build(&s, err, sizeof(err));
	registry_file_sig_now(&after);
	if (!hub_os_file_sig_equal(&before, &after)) {
		/* written while being read: look again next time */
		registry_snap_free(s);
		return;
	}
	pthread_mutex_lock(&registry_lock);
	registry_sig = after;
	pthread_mutex_unlock(&registry_lock);
	if (rc != HUB_OK) {
		hub_log(HUB_LOG_ERROR, "registry", "%s; keeping the providers as they were",
		    rc == HUB_ERR_CONFIG ? err : hub_strerror(rc));
		return;
	}
	registry_install(s);
	hub_log(HUB_LOG_INFO, "registry", "providers reloaded from the configuration file (%zu)",
	    s->len);
}

/* --- interface ---------------------------------------------------------- */

int
registry_init(void)
{
	struct registry_snap *s = NULL;
	struct hub_os_file_sig sig;
	char err[512];
	int rc;

	registry_file_sig_now(&sig);
	if ((rc = registry_build(&s, err, sizeof(err))) != HUB_OK) {
		hub_log(HUB_LOG_ERROR, "registry", "%s", rc == HUB_ERR_CONFIG ? err : hub_strerror(rc));
		return rc;
	}
	pthread_mutex_lock(&registry_lock);
	registry_sig = sig;
	registry_last_check_ms = hub_time_mono_ms();
	pthread_mutex_unlock(&registry_lock);
	registry_install(s);
	registry_pin();
	return HUB_OK;
}

void
registry_free(void)
{
	struct registry_snap *pinned;

	pthread_once(&registry_pin_once, registry_pin_key_create);
	pinned = pthread_getspecific(registry_pin_key);
	(void)pthread_setspecific(registry_pin_key, NULL);
	registry_release(pinned);
	registry_install(NULL);
}

void
registry_refresh(void)
{
	registry_maybe_reload();
	registry_pin();
}

size_t
registry_count(void)
{
	return registry_snap()->len;
}

unsigned long
registry_generation(void)
{
	return registry_snap()->generation;
}

const struct provider *
registry_get(size_t i)
{
	const struct registry_snap *s = registry_snap();

	return i < s->len ? &s->table[i] : NULL;
}

const struct provider *
registry_find(const char *name)
{
	const struct registry_snap *s = registry_snap();
	size_t i;

	for (i = 0; name != NULL && i < s->len; i++)
		if (strcmp(s->table[i].name, name) == 0)
			return &s->table[i];
	return NULL;
}

/* 1 when s is in the NULL-terminated list. */
static int
registry_in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

int
registry_serves(const struct provider *p, const char *model)
{
	return registry_serves_model(p, model);
}

/* registry_serves(), for the table being built as well. */
static int
registry_serves_model(const struct provider *p, const char *model)
{
	const char *const *pre;

	if (model == NULL)
		return 0;
	if (registry_in_list(p->aliases, model) || registry_in_list(p->models, model))
		return 1;
	if (p->default_model != NULL && strcmp(p->default_model, model) == 0)
		return 1;
	for (pre = p->model_prefixes; pre != NULL && *pre != NULL; pre++)
		if (strncmp(model, *pre, strlen(*pre)) == 0)
			return 1;
	return 0;
}

int
registry_route(const char *model, const char *provider_name, const struct provider **out)
{
	const struct registry_snap *s = registry_snap();
	const struct provider *p = NULL, *disabled = NULL;
	size_t i;

	*out = NULL;
	if (provider_name != NULL && *provider_name != '\0') {
		if ((p = registry_find(provider_name)) == NULL)
			return HUB_ERR_INVALID;
	} else if (model == NULL || *model == '\0') {
		p = registry_find(hub_cfg->default_provider);
	} else {
		for (i = 0; i < s->len && p == NULL; i++) {
			if (!registry_serves(&s->table[i], model))
				continue;
			if (s->table[i].enabled)
				p = &s->table[i];
			else if (disabled == NULL)
				disabled = &s->table[i];
		}
		if (p == NULL)
			p = disabled;
	}
	if (p == NULL)
		return HUB_ERR_MODEL_NOT_FOUND;
	if (!p->enabled)
		return HUB_ERR_DISABLED;
	*out = p;
	return HUB_OK;
}

const struct registry_route *
registry_find_route(const char *name)
{
	const struct registry_snap *s = registry_snap();
	size_t i;

	for (i = 0; name != NULL && i < s->n_routes; i++)
		if (strcmp(s->routes[i].name, name) == 0)
			return &s->routes[i];
	return NULL;
}

size_t
registry_route_count(void)
{
	return registry_snap()->n_routes;
}

const struct registry_route *
registry_route_get(size_t i)
{
	const struct registry_snap *s = registry_snap();

	return i < s->n_routes ? &s->routes[i] : NULL;
}

/* "expected claude or gemini": the built-in providers' names, once. */
static char registry_default_reason[128];

static void
registry_default_reason_init(void)
{
	registry_kinds_expected(registry_default_reason, sizeof(registry_default_reason),
	    offsetof(struct provider_ops, builtin_name));
}

const char *
registry_check_default_provider(const char *name)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	size_t i;

	for (i = 0; i < REGISTRY_N_KINDS; i++)
		if (registry_kinds[i]->builtin_name != NULL &&
		    strcmp(registry_kinds[i]->builtin_name, name) == 0)
			return NULL;
	pthread_once(&once, registry_default_reason_init);
	return registry_default_reason;
}

int
registry_names(char *buf, size_t len)
{
	const struct registry_snap *s = registry_snap();
	size_t i, used = 0;
	int n;

	if (len == 0)
		return HUB_ERR_TOO_LARGE;
	buf[0] = '\0';
	for (i = 0; i < s->len; i++) {
		n = snprintf(buf + used, len - used, "%s%s", i > 0 ? ", " : "", s->table[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return HUB_ERR_TOO_LARGE;
		used += (size_t)n;
	}
	return HUB_OK;
}
