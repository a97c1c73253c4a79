/* test_provider_conf.c - [provider NAME] sections, the registry's reloads
 * and pins, and the alert payload. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/alert.h"
#include "common/hub_config.h"
#include "core/startup.h"
#include "common/hub_error.h"
#include "providers/generic.h"
#include "providers/provider_conf.h"
#include "providers/registry.h"
#include "tap.h"

static char conf_path[] = "/tmp/hub-test-provider-conf-XXXXXX";

/* Replace the file at conf_path with text (atomically). */
static void
write_file(const char *text)
{
	char tmp[64];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", conf_path);
	f = fopen(tmp, "w");
	fputs(text, f);
	fclose(f);
	rename(tmp, conf_path);
}

static int
load(const char *text, struct provider_conf_set *set, char *err)
{
	write_file(text);
	return provider_conf_load(conf_path, set, err, 512);
}

/* Expect text to fail with a message containing want. */
static void
refused(const char *text, const char *want, const char *what)
{
	struct provider_conf_set set;
	char err[512];

	is_int(load(text, &set, err), HUB_ERR_CONFIG, "%s: refused", what);
	ok(strstr(err, want) != NULL, "%s: message \"%s\" contains \"%s\"", what, err, want);
	ok(set.n == 0 && set.items == NULL, "%s: nothing left to free", what);
}

/* A second thread: pins the table, then waits to be told to look again. */
static pthread_mutex_t t_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t t_cond = PTHREAD_COND_INITIALIZER;
static int t_stage;
static const struct provider *t_echo;
static char t_seen_name[32];

static void *
pinned_thread(void *arg)
{
	(void)arg;
	registry_refresh();
	t_echo = registry_find("echo");
	pthread_mutex_lock(&t_lock);
	t_stage = 1;
	pthread_cond_broadcast(&t_cond);
	while (t_stage != 2)
		pthread_cond_wait(&t_cond, &t_lock);
	pthread_mutex_unlock(&t_lock);
	/* the table changed meanwhile; this thread still reads its own */
	snprintf(t_seen_name, sizeof(t_seen_name), "%s", t_echo ? t_echo->name : "");
	return NULL;
}

int
main(void)
{
	static struct hub_config cfg;
	struct provider_conf_set set;
	const struct provider_conf *c;
	const struct provider *p;
	struct json_object *o;
	char err[512], *payload;
	pthread_t tid;
	int fd;

	if ((fd = mkstemp(conf_path)) < 0)
		return 1;
	close(fd);

	/* --- parsing -------------------------------------------------------- */
	is_int(load("HUB_SESSION_TTL = 5\n# no sections\n", &set, err), HUB_OK, "a file without sections");
	is_int((int)set.n, 0, "no sections");
	provider_conf_free(&set);

	is_int(load("HUB_SESSION_TTL = 5\n\n[provider agy]\ntype = cli\nexecutable = /usr/bin/agy\n"
	    "args = -p  --model={model}\ninput = pty\noutput = gemini-stream-json\n"
	    "models = a-1, a-2\nmodel_prefixes = agy-\ndefault_model = a-1\ntimeout = 60\n"
	    "env = HTTPS_PROXY,NO_PROXY\n# comment\n[provider claude]\nenabled = false\n", &set, err),
	    HUB_OK, "two sections");
	is_int((int)set.n, 2, "two sections read");
	c = provider_conf_find(&set, "agy");
	ok(c != NULL && c->ops == &generic_provider_ops && c->enabled, "agy is an enabled cli provider");
	is_str(c->executable, "/usr/bin/agy", "executable");
	ok(c->args && !strcmp(c->args[0], "-p") && !strcmp(c->args[1], "--model={model}") && !c->args[2],
	    "args split on spaces");
	ok(c->input == PROVIDER_CONF_INPUT_PTY && c->output == PROVIDER_CONF_GEMINI_JSON, "input and output");
	ok(c->models && !strcmp(c->models[1], "a-2") && !c->models[2], "models split on commas");
	ok(c->env && !strcmp(c->env[1], "NO_PROXY"), "env names");
	is_int(c->timeout_s, 60, "timeout");
	is_int(c->line, 3, "the section's line");
	c = provider_conf_find(&set, "claude");
	ok(c != NULL && c->ops == &claude_provider_ops && !c->enabled, "claude disabled, type from its name");
	provider_conf_free(&set);

	refused("[provider x]\ntype = cli\nexecutable = x\nmodels = m\ncolour = blue\n",
	    ":5: [provider x] colour: unknown key", "an unknown key");
	refused("[provider x]\ntype = shell\n", ":2: [provider x] type: expected claude, gemini or cli",
	    "an unknown type");
	refused("[provider x]\nmodels = m\n", ":1: [provider x] executable: required", "no executable");
	refused("[provider x]\nexecutable = x\n", "needs models", "no models");
	refused("[provider x]\nexecutable = x\nmodels = m\ntimeout = soon\n", ":4: [provider x] timeout:",
	    "a bad timeout");
	refused("[provider x]\nexecutable = x\nmodels = m;rm\n", ":3: [provider x] models:", "a bad model id");
	refused("[provider x]\nexecutable = x\nmodels = m\nenv = A-B\n", ":4: [provider x] env:", "a bad env name");
	refused("[provider x]\nexecutable = rel/x\nmodels = m\n", "must be absolute", "a relative path");
	refused("[provider bad name!]\n", ":1: the provider name", "a bad name");
	refused("[providers]\n", "expected a section header", "a bad header");
	refused("[provider x]\nexecutable = x\nmodels = m\n[provider x]\n", ":4: [provider x] appears twice",
	    "a duplicate");
	refused("[provider claude]\nenv = A\n", "env: only for type = cli", "env on a built-in");
	refused("[provider x]\nexecutable = x\nmodels = m\nenabled = maybe\n", "enabled: expected true or false",
	    "a bad boolean");

	/* --- the registry ----------------------------------------------------- */
	setenv("HUB_CONFIG", conf_path, 1);
	write_file("[provider echo]\nexecutable = /bin/cat\nmodels = e-1\n");
	is_int(startup_config_load(&cfg, err, sizeof(err)), HUB_OK, "the configuration loads");
	hub_cfg = &cfg;
	is_int(registry_init(), HUB_OK, "registry_init");
	is_int((int)registry_count(), 3, "claude, gemini and echo");
	p = NULL;
	ok(registry_route("e-1", NULL, &p) == HUB_OK && p && !strcmp(p->name, "echo"), "e-1 routes to echo");
	ok(registry_route("sonnet", NULL, &p) == HUB_OK && p && !strcmp(p->name, "claude"), "sonnet routes to claude");

	pthread_create(&tid, NULL, pinned_thread, NULL);
	pthread_mutex_lock(&t_lock);
	while (t_stage != 1)
		pthread_cond_wait(&t_cond, &t_lock);
	pthread_mutex_unlock(&t_lock);

	usleep(1100 * 1000);  /* the file is looked at once a second at most */
	write_file("[provider claude]\nenabled = false\n");
	registry_refresh();
	ok(registry_find("echo") == NULL, "echo is gone after the reload");
	is_int(registry_route("sonnet", NULL, &p), HUB_ERR_DISABLED, "claude is disabled");
	is_int(registry_route("e-1", NULL, &p), HUB_ERR_MODEL_NOT_FOUND, "e-1 is served no more");

	pthread_mutex_lock(&t_lock);
	t_stage = 2;
	pthread_cond_broadcast(&t_cond);
	pthread_mutex_unlock(&t_lock);
	pthread_join(tid, NULL);
	is_str(t_seen_name, "echo", "a thread pinned to the old table still reads it");

	usleep(1100 * 1000);
	write_file("[provider claude]\nenabled = perhaps\n");
	registry_refresh();
	is_int(registry_route("sonnet", NULL, &p), HUB_ERR_DISABLED, "an invalid file keeps the old table");
	usleep(1100 * 1000);
	write_file("# nothing\n");
	registry_refresh();
	ok(registry_route("sonnet", NULL, &p) == HUB_OK, "a valid file after an invalid one is taken");

	/* --- the alert payload ----------------------------------------------- */
	payload = alert_payload(ALERT_TOKEN_EXPIRING, "gemini", "expires \x01soon", 1767225600000LL,
	    1767139200000LL);
	o = json_tokener_parse(payload);
	ok(o != NULL, "the payload is JSON");
	is_str(json_object_get_string(json_object_object_get(o, "event")), "token_expiring", "event");
	is_str(json_object_get_string(json_object_object_get(o, "provider")), "gemini", "provider");
	is_str(json_object_get_string(json_object_object_get(o, "expires_at")), "2026-01-01T00:00:00.000Z", "expires_at");
	is_str(json_object_get_string(json_object_object_get(o, "time")), "2025-12-31T00:00:00.000Z", "time");
	is_str(json_object_get_string(json_object_object_get(o, "message")), "expires soon", "message without controls");
	ok(strstr(json_object_get_string(json_object_object_get(o, "text")), "gemini credentials expire soon") != NULL,
	    "a human text");
	json_object_put(o);
	free(payload);
	is_int(alert_send(ALERT_TOKEN_FAILING, "claude", NULL, 0), HUB_ERR_DISABLED, "no webhook: nothing sent");

	registry_free();
	hub_config_free(&cfg);
	unlink(conf_path);
	return tap_done();
}
