/*
 * cli_run.c - one chat turn of any CLI: checks, work directory, child
 * spec, run, spawn errors, clean-up. Adapters supply hooks (cli_run.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_log.h"
#include "common/hub_text.h"
#include "common/hub_time.h"
#include "providers/child.h"
#include "providers/cli_run.h"
#include "providers/provider.h"
#include "providers/workdir.h"

/* The model asked for, else the provider's default (may be NULL); 0 or the
 * adapter's code for a malformed name. */
static int
cli_run_model(const struct cli_run_adapter *a, const struct provider *p,
    const struct provider_call *call, const char **model, struct provider_reply *reply)
{
	*model = call->model != NULL && call->model[0] ? call->model : p->default_model;
	if (*model != NULL && !hub_text_model_name_valid(*model))
		provider_reply_error(reply, a->model_err, "provider %s does not serve model \"(invalid)\"",
		    p->name);
	return reply->err;
}

/* Create the private directory with home/, tmp/ and cwd/; root stays
 * empty when nothing was created. */
static int
cli_run_dirs_create(const struct cli_run_adapter *a, struct cli_run_dirs *d,
    struct provider_reply *reply)
{
	const char *state = hub_cfg != NULL && hub_cfg->state_dir != NULL ? hub_cfg->state_dir : "/tmp";
	char base[PATH_MAX], made[PATH_MAX], real[PATH_MAX];
	int rc;

	if (snprintf(base, sizeof(base), "%s%s%s", state, a->workdir_sub ? "/" : "",
	    a->workdir_sub ? a->workdir_sub : "") >= (int)sizeof(base)) {
		provider_reply_error(reply, HUB_ERR_TOO_LARGE, "the state directory's path is too long");
		return reply->err;
	}
	if ((rc = workdir_create(base, a->workdir_prefix, made, sizeof(made))) < 0) {
		provider_reply_error(reply, rc, "cannot create a work directory: %s", strerror(errno));
		return reply->err;
	}
	snprintf(d->root, sizeof(d->root), "%s", made);  /* removed whatever follows */
	if (realpath(made, real) == NULL ||
	    snprintf(d->root, sizeof(d->root), "%s", real) >= (int)sizeof(d->root) ||
	    snprintf(d->home, sizeof(d->home), "%s/home", d->root) >= (int)sizeof(d->home) ||
	    snprintf(d->tmp, sizeof(d->tmp), "%s/tmp", d->root) >= (int)sizeof(d->tmp) ||
	    snprintf(d->cwd, sizeof(d->cwd), "%s/cwd", d->root) >= (int)sizeof(d->cwd) ||
	    mkdir(d->home, 0700) < 0 || mkdir(d->tmp, 0700) < 0 || mkdir(d->cwd, 0700) < 0)
		provider_reply_error(reply, HUB_ERR_SYSTEM, "cannot prepare the work directory: %s",
		    strerror(errno));
	return reply->err;
}

/* What the child's callbacks get: the adapter's run and the engine's own
 * state for the idle callback. */
struct cli_run_ctx {
	const struct cli_run_adapter *a;
	void *run;
	const struct provider_call *call;
	int client_gone;                     /* the engine's on_idle stopped */
};

static int
cli_run_on_stdout(void *arg, const char *data, size_t len)
{
	struct cli_run_ctx *ctx = arg;

	return ctx->a->on_stdout(ctx->run, data, len);
}

static int
cli_run_on_stderr(void *arg, const char *data, size_t len)
{
	struct cli_run_ctx *ctx = arg;

	return ctx->a->on_stderr(ctx->run, data, len);
}

/* The adapter's on_idle, else the caller's: a gone client stops the run. */
static int
cli_run_on_idle(void *arg)
{
	struct cli_run_ctx *ctx = arg;

	if (ctx->a->on_idle != NULL)
		return ctx->a->on_idle(ctx->run);
	if (provider_stream_idle(&ctx->call->io) == 0)
		return 0;
	ctx->client_gone = 1;
	return -1;
}

/* The child_spec of one run: the adapter's input and hooks, the provider's
 * deadline, the caller's stream context. */
static void
cli_run_spec(const struct cli_run_adapter *a, struct cli_run_ctx *ctx, const struct provider *p,
    const struct provider_call *call, const char *exe, const struct cli_run_dirs *d,
    const struct cli_run_input *in, struct child_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->path = exe;
	spec->argv = in->argv;
	spec->envp = in->env.vars;
	spec->cwd = d->cwd;
	spec->jail_dir = d->root;
	spec->use_pty = a->use_pty;
	spec->stdin_data = in->stdin_data.data != NULL ? in->stdin_data.data : "";
	spec->stdin_len = in->stdin_data.len;
	spec->stdin_more = in->stdin_more;
	spec->timeout_ms = p->timeout_s * 1000L;
	spec->kill_grace_ms = hub_cfg != NULL ? hub_cfg->kill_grace_ms : 2000;
	spec->max_stdout_bytes = hub_cfg != NULL && hub_cfg->max_output_bytes > 0 ?
	    (size_t)hub_cfg->max_output_bytes : 0;
	spec->watch_fd = call->io.watch_fd;
	spec->idle_tick_ms = call->io.on_idle != NULL ? call->io.idle_tick_ms : 0;
	if (a->idle_check_ms > 0 && (spec->idle_tick_ms <= 0 || spec->idle_tick_ms > a->idle_check_ms))
		spec->idle_tick_ms = a->idle_check_ms;
	spec->on_stdout = cli_run_on_stdout;
	spec->on_stderr = a->on_stderr != NULL ? cli_run_on_stderr : NULL;
	spec->on_idle = cli_run_on_idle;
	spec->arg = ctx;
	spec->tick_ms = call->io.on_tick != NULL ? call->io.tick_ms : 0;
	spec->on_tick = call->io.on_tick;
	spec->tick_arg = call->io.tick_arg;
}

int
cli_run(const struct cli_run_adapter *a, void *run, const struct provider *p,
    const struct provider_call *call, struct provider_reply *reply)
{
	struct cli_run_dirs dirs;
	struct cli_run_input in;
	struct child_spec spec;
	struct child_result res;
	struct cli_run_ctx ctx = { a, run, call, 0 };
	long long start_ms = hub_time_mono_ms();
	const char *model = NULL;
	char *exe = NULL;
	int rc;

	memset(reply, 0, sizeof(*reply));
	memset(&dirs, 0, sizeof(dirs));
	memset(&in, 0, sizeof(in));
	child_env_init(&in.env);
	hub_buf_init(&in.stdin_data, a->stdin_max);
	memset(&res, 0, sizeof(res));
	reply->first_token_ms = -1;
	if (call->n_messages == 0 || call->messages == NULL ||
	    (strcmp(call->messages[call->n_messages - 1].role, "user") != 0 &&
	    strcmp(call->messages[call->n_messages - 1].role, "tool") != 0)) {
		provider_reply_error(reply, HUB_ERR_INVALID,
		    "the last message must come from the user or be a tool result");
		goto out;
	}
	if (cli_run_model(a, p, call, &model, reply) != HUB_OK ||
	    (a->check != NULL && a->check(run, model, reply) != HUB_OK))
		goto out;
	if ((exe = hub_config_find_executable(p->cli != NULL ? p->cli : a->cli_default)) == NULL) {
		provider_reply_error(reply, HUB_ERR_SPAWN, "the %s CLI was not found", a->cli_name);
		goto out;
	}
	if (cli_run_dirs_create(a, &dirs, reply) != HUB_OK)
		goto out;
	if ((rc = a->prepare(run, &dirs, model, &in, reply)) != HUB_OK) {
		if (reply->err == 0)
			provider_reply_error(reply, rc, "cannot prepare the %s run: %s", a->cli_name,
			    hub_strerror(rc));
		goto out;
	}
	cli_run_spec(a, &ctx, p, call, exe, &dirs, &in, &spec);
	rc = child_run(&spec, &res);
	if (rc < 0 || res.spawn_errno != 0) {
		provider_reply_error(reply, HUB_ERR_SPAWN, "cannot start %s: %s", a->cli_name,
		    res.spawn_errno ? strerror(res.spawn_errno) : hub_strerror(rc));
		goto out;
	}
	a->finish(run, &res, ctx.client_gone, model, reply);
out:
	if (a->cleanup != NULL)
		a->cleanup(run, &dirs, &res, reply);
	reply->duration_ms = (long)(hub_time_mono_ms() - start_ms);
	if (dirs.root[0] != '\0' && workdir_remove(dirs.root) < 0)
		hub_log(HUB_LOG_WARN, a->log_tag, "cannot remove a work directory: %s", strerror(errno));
	child_result_free(&res);
	child_env_free(&in.env);
	hub_buf_free(&in.stdin_data);
	free(exe);
	return reply->err;
}
