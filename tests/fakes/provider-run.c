/*
 * provider-run.c - run one conversation through a provider adapter, for tests.
 *
 * Usage: provider-run claude|gemini|codex [--cancel-after-ms=N] [--stop-after-deltas=N]
 *
 * Loads the configuration like the hub (startup_config_load), reads one JSON
 * conversation {"model":...,"messages":[{"role":...,"content":...},...]} on
 * stdin, runs it through the named provider's chat(), and prints on stdout
 * one JSON line {"delta":"..."} per text delta as it arrives, then a final
 * line {"done":true,"text":...,"model":...,"usage":{...},"finish_reason":...,
 * "err":N,"err_code":"...","error_message":...,"retry_after_s":N,
 * "first_token_ms":N,"duration_ms":N,"tool_calls":[...]}. Tools (see
 * provider_run_tools()): "tools":[{"name","description","parameters"}] (or
 * OpenAI's {"type":"function","function":{...}}), "tool_choice" ("auto",
 * "none", "required" or {"name":...}), "parallel_tool_calls"; assistant
 * messages may carry "tool_calls":[{"id","name","arguments"}], "tool"
 * messages "tool_call_id" (and "tool_name"), user messages
 * "images":[{"media_type","base64"}]. Each streamed tool call fragment is
 * a line {"tool_delta":{"index","id","name","args"}}. --cancel-after-ms makes the watch fd
 * readable after N ms (the HTTP client going away); --stop-after-deltas makes
 * on_delta return -1 after N deltas. Exit status 0 when the run succeeded,
 * 1 when the provider returned an error, 2 on usage or configuration errors.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/hub_config.h"
#include "core/startup.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "providers/jail.h"
#include "providers/provider.h"

struct run_opts {
	long cancel_after_ms;
	long stop_after_deltas;
	long deltas;
	int cancel_fd;           /* write end of the watch pipe */
};

static int
print_delta(void *arg, const char *text, size_t len)
{
	struct run_opts *o = arg;
	struct json_object *line = json_object_new_object();

	json_object_object_add(line, "delta", json_object_new_string_len(text, (int)len));
	printf("%s\n", hub_json_compact(line));
	fflush(stdout);
	json_object_put(line);
	o->deltas++;
	if (o->stop_after_deltas > 0 && o->deltas >= o->stop_after_deltas)
		return -1;
	return 0;
}

/* One {"tool_delta":{"index":..,"id":..,"name":..,"args":".."}} line. */
static int
print_tool_delta(void *arg, size_t index, const char *id, const char *name, const char *args,
    size_t len)
{
	struct json_object *line = json_object_new_object(), *d = json_object_new_object();

	(void)arg;
	json_object_object_add(d, "index", json_object_new_int64((int64_t)index));
	json_object_object_add(d, "id", id != NULL ? json_object_new_string(id) : NULL);
	json_object_object_add(d, "name", name != NULL ? json_object_new_string(name) : NULL);
	json_object_object_add(d, "args", json_object_new_string_len(args, (int)len));
	json_object_object_add(line, "tool_delta", d);
	printf("%s\n", hub_json_compact(line));
	fflush(stdout);
	json_object_put(line);
	return 0;
}

static void *
cancel_later(void *arg)
{
	struct run_opts *o = arg;
	struct timespec ts = { o->cancel_after_ms / 1000, (o->cancel_after_ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	if (write(o->cancel_fd, "x", 1) < 0)
		perror("provider-run: write");
	return NULL;
}

/* A JSON value as compact text owned by v (a string stays itself). */
static const char *
json_text(struct json_object *v)
{
	if (v == NULL)
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : hub_json_compact(v);
}

/* The tools, tool_choice and parallel_tool_calls of conv into call;
 * arrays are malloc'd and never freed (the process ends). */
static void
provider_run_tools(struct json_object *conv, struct provider_call *call)
{
	struct json_object *arr, *t, *f, *v;
	struct provider_tool *tools;
	size_t i, n;

	call->parallel_tool_calls = 1;
	if (json_object_object_get_ex(conv, "parallel_tool_calls", &v))
		call->parallel_tool_calls = json_object_get_boolean(v);
	if (json_object_object_get_ex(conv, "tool_choice", &v)) {
		if (json_object_is_type(v, json_type_string)) {
			const char *c = json_object_get_string(v);
			/* "auto", "none", "required", or a tool's name */
			call->tool_choice = strcmp(c, "none") == 0 ? PROVIDER_TOOL_CHOICE_NONE :
			    strcmp(c, "required") == 0 ? PROVIDER_TOOL_CHOICE_REQUIRED :
			    strcmp(c, "auto") == 0 ? PROVIDER_TOOL_CHOICE_AUTO : PROVIDER_TOOL_CHOICE_NAMED;
			if (call->tool_choice == PROVIDER_TOOL_CHOICE_NAMED)
				call->tool_choice_name = c;
		} else {
			if (json_object_object_get_ex(v, "function", &f))
				v = f;
			call->tool_choice = PROVIDER_TOOL_CHOICE_NAMED;
			call->tool_choice_name = hub_json_get_string(v, "name");
		}
	}
	if (!json_object_object_get_ex(conv, "tools", &arr) || !json_object_is_type(arr, json_type_array))
		return;
	n = json_object_array_length(arr);
	tools = calloc(n ? n : 1, sizeof(*tools));
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(t, "function", &f))
			t = f;
		tools[i].name = hub_json_get_string(t, "name");
		tools[i].description = hub_json_get_string(t, "description");
		tools[i].parameters = json_object_object_get_ex(t, "parameters", &v) ? json_text(v) : NULL;
	}
	call->tools = tools;
	call->n_tools = n;
}

/* A message's tool calls, tool_call_id and images into m. */
static void
provider_run_msg_extras(struct json_object *jm, struct provider_msg *m)
{
	struct json_object *arr, *c, *f, *v;
	struct provider_tool_call *calls;
	struct provider_image *images;
	size_t i, n;

	m->tool_call_id = hub_json_get_string(jm, "tool_call_id");
	m->tool_name = hub_json_get_string(jm, "tool_name");
	if (json_object_object_get_ex(jm, "tool_calls", &arr) && json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		calls = calloc(n ? n : 1, sizeof(*calls));
		for (i = 0; i < n; i++) {
			c = json_object_array_get_idx(arr, i);
			calls[i].id = (char *)hub_json_get_string(c, "id");
			if (json_object_object_get_ex(c, "function", &f))
				c = f;
			calls[i].name = (char *)hub_json_get_string(c, "name");
			calls[i].arguments = (char *)(json_object_object_get_ex(c, "arguments", &v) ?
			    json_text(v) : "{}");
		}
		m->tool_calls = calls;
		m->n_tool_calls = n;
	}
	if (json_object_object_get_ex(jm, "images", &arr) && json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		images = calloc(n ? n : 1, sizeof(*images));
		for (i = 0; i < n; i++) {
			c = json_object_array_get_idx(arr, i);
			images[i].media_type = hub_json_get_string(c, "media_type");
			images[i].base64 = hub_json_get_string(c, "base64");
			images[i].size = images[i].base64 ? strlen(images[i].base64) * 3 / 4 : 0;
		}
		m->images = images;
		m->n_images = n;
	}
}

/* Fill p for the provider called name from the configuration. 0 or -1. */
static int
make_provider(struct provider *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->enabled = 1;
	switch (name[0]) {
	case 'c':
		if (strcmp(name, "codex") == 0) {
			p->ops = &codex_provider_ops;
			p->cli = hub_cfg->codex_cli;
			p->default_model = hub_cfg->codex_model;
			p->timeout_s = hub_cfg->codex_timeout_s;
			return 0;
		}
		if (strcmp(name, "claude") != 0)
			return -1;
		p->ops = &claude_provider_ops;
		p->cli = hub_cfg->claude_cli;
		p->default_model = hub_cfg->claude_model;
		p->timeout_s = hub_cfg->claude_timeout_s;
		return 0;
	case 'g':
		if (strcmp(name, "gemini") != 0)
			return -1;
		p->ops = &gemini_provider_ops;
		p->cli = hub_cfg->gemini_cli;
		p->default_model = hub_cfg->gemini_model;
		p->timeout_s = hub_cfg->gemini_timeout_s;
		return 0;
	default:
		return -1;
	}
}

static char *
read_all(FILE *f, size_t *len)
{
	size_t cap = 65536, n;
	char *buf = malloc(cap);

	*len = 0;
	while (buf != NULL && (n = fread(buf + *len, 1, cap - *len, f)) > 0) {
		*len += n;
		if (*len == cap && (buf = realloc(buf, cap *= 2)) == NULL)
			return NULL;
	}
	return buf;
}

int
main(int argc, char **argv)
{
	static struct hub_config cfg;
	struct run_opts opts = { 0, 0, 0, -1 };
	struct provider p;
	struct provider_call call;
	struct provider_reply reply;
	struct provider_msg *msgs = NULL;
	struct json_object *conv = NULL, *arr, *m, *out, *usage;
	pthread_t thr;
	char err[256], *input;
	size_t len, i, n;
	int watch[2] = { -1, -1 }, rc, a;

	if (argc < 2) {
		fprintf(stderr, "usage: provider-run claude|gemini [--cancel-after-ms=N] [--stop-after-deltas=N]\n");
		return 2;
	}
	for (a = 2; a < argc; a++) {
		if (strncmp(argv[a], "--cancel-after-ms=", 18) == 0)
			opts.cancel_after_ms = strtol(argv[a] + 18, NULL, 10);
		else if (strncmp(argv[a], "--stop-after-deltas=", 20) == 0)
			opts.stop_after_deltas = strtol(argv[a] + 20, NULL, 10);
		else {
			fprintf(stderr, "provider-run: unknown option %s\n", argv[a]);
			return 2;
		}
	}
	if (startup_config_load(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "provider-run: %s\n", err);
		return 2;
	}
	hub_cfg = &cfg;
	if (jail_init(cfg.jail, cfg.state_dir) != HUB_OK) {
		fprintf(stderr, "provider-run: HUB_JAIL=%s: %s\n", cfg.jail, jail_status());
		return 2;
	}
	if (make_provider(&p, argv[1]) < 0) {
		fprintf(stderr, "provider-run: unknown provider %s\n", argv[1]);
		return 2;
	}
	if ((input = read_all(stdin, &len)) == NULL ||
	    hub_json_parse(input, len, &conv, err, sizeof(err)) < 0 ||
	    (arr = json_object_object_get(conv, "messages")) == NULL ||
	    !json_object_is_type(arr, json_type_array) || (n = json_object_array_length(arr)) == 0) {
		fprintf(stderr, "provider-run: bad conversation on stdin\n");
		return 2;
	}
	msgs = calloc(n, sizeof(*msgs));
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(arr, i);
		msgs[i].role = hub_json_get_string(m, "role");
		msgs[i].content = hub_json_get_string(m, "content");
		provider_run_msg_extras(m, &msgs[i]);
		if (msgs[i].content == NULL && msgs[i].n_tool_calls > 0)
			msgs[i].content = "";
		if (msgs[i].role == NULL || msgs[i].content == NULL) {
			fprintf(stderr, "provider-run: message %zu lacks role or content\n", i);
			return 2;
		}
	}
	memset(&call, 0, sizeof(call));
	call.model = hub_json_get_string(conv, "model");
	call.messages = msgs;
	call.n_messages = n;
	call.stream = 1;
	call.io.on_tool_delta = print_tool_delta;
	call.io.on_delta = print_delta;
	provider_run_tools(conv, &call);
	call.io.arg = &opts;
	call.io.watch_fd = -1;
	if (opts.cancel_after_ms > 0) {
		if (pipe(watch) < 0)
			return 2;
		opts.cancel_fd = watch[1];
		call.io.watch_fd = watch[0];
		pthread_create(&thr, NULL, cancel_later, &opts);
		pthread_detach(thr);
	}

	rc = p.ops->chat(&p, &call, &reply);

	out = json_object_new_object();
	usage = json_object_new_object();
	json_object_object_add(out, "done", json_object_new_boolean(1));
	json_object_object_add(out, "text", reply.text ? json_object_new_string(reply.text) : NULL);
	json_object_object_add(out, "model", reply.model ? json_object_new_string(reply.model) : NULL);
	json_object_object_add(usage, "prompt_tokens", json_object_new_int64(reply.usage.prompt_tokens));
	json_object_object_add(usage, "completion_tokens", json_object_new_int64(reply.usage.completion_tokens));
	json_object_object_add(usage, "cost_usd", json_object_new_double(reply.usage.cost_usd));
	json_object_object_add(out, "usage", usage);
	json_object_object_add(out, "finish_reason",
	    reply.finish_reason ? json_object_new_string(reply.finish_reason) : NULL);
	if (reply.n_tool_calls > 0) {
		struct json_object *calls = json_object_new_array(), *c;

		for (i = 0; i < reply.n_tool_calls; i++) {
			c = json_object_new_object();
			json_object_object_add(c, "id", json_object_new_string(reply.tool_calls[i].id));
			json_object_object_add(c, "name", json_object_new_string(reply.tool_calls[i].name));
			json_object_object_add(c, "arguments", json_object_new_string(reply.tool_calls[i].arguments));
			json_object_array_add(calls, c);
		}
		json_object_object_add(out, "tool_calls", calls);
	}
	json_object_object_add(out, "err", json_object_new_int(reply.err));
	json_object_object_add(out, "err_code", json_object_new_string(hub_error_code(reply.err)));
	json_object_object_add(out, "error_message", json_object_new_string(reply.error_message));
	json_object_object_add(out, "retry_after_s", json_object_new_int64(reply.retry_after_s));
	json_object_object_add(out, "first_token_ms", json_object_new_int64(reply.first_token_ms));
	json_object_object_add(out, "duration_ms", json_object_new_int64(reply.duration_ms));
	printf("%s\n", hub_json_compact(out));
	fflush(stdout);
	json_object_put(out);
	provider_reply_free(&reply);
	json_object_put(conv);
	free((void *)call.tools);
	for (i = 0; i < n; i++) {
		free((void *)msgs[i].tool_calls);
		free((void *)msgs[i].images);
	}
	free(msgs);
	free(input);
	hub_config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
