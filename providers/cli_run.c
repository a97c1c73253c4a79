/*
 * cli_run.c - one chat turn of any CLI: checks, work directory, child
 * spec, run, spawn errors, clean-up. Adapters supply hooks (cli_run.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_log.h"
#include "common/hub_text.h"
#include "common/hub_time.h"
#include "common/sha256.h"
#include "providers/child.h"
#include "providers/cli_run.h"
#include "providers/provider.h"
#include "providers/warm_pool.h"
#include "providers/workdir.h"
#include "providers/workdir_spare.h"

/* The warm children of this responder process (providers/warm_pool.h). */
static struct warm_pool cli_run_pool;
static pthread_once_t cli_run_pool_once = PTHREAD_ONCE_INIT;
static int cli_run_pool_on;

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

/* The paths of the private directories below root. 0, or -1 when too long. */
static int
cli_run_dirs_of(const char *root, struct cli_run_dirs *d)
{
	if (snprintf(d->root, sizeof(d->root), "%s", root) >= (int)sizeof(d->root) ||
	    snprintf(d->home, sizeof(d->home), "%s/home", d->root) >= (int)sizeof(d->home) ||
	    snprintf(d->tmp, sizeof(d->tmp), "%s/tmp", d->root) >= (int)sizeof(d->tmp) ||
	    snprintf(d->cwd, sizeof(d->cwd), "%s/cwd", d->root) >= (int)sizeof(d->cwd))
		return -1;
	return 0;
}

/* The subdirectories of every run's directory (cli_run_dirs_of()). */
static const char *const cli_run_subdirs[] = { "home", "tmp", "cwd", NULL };

/* Create the private directory with home/, tmp/ and cwd/, or with spare 1
 * take one made ahead (workdir_spare.h); root stays empty when nothing
 * was created. */
static int
cli_run_dirs_create(const struct cli_run_adapter *a, int spare, struct cli_run_dirs *d,
    struct provider_reply *reply)
{
	const char *state = hub_cfg != NULL && hub_cfg->run_dir != NULL ? hub_cfg->run_dir : "/tmp";
	char base[PATH_MAX], made[PATH_MAX];
	int rc;

	if (snprintf(base, sizeof(base), "%s%s%s", state, a->workdir_sub ? "/" : "",
	    a->workdir_sub ? a->workdir_sub : "") >= (int)sizeof(base)) {
		provider_reply_error(reply, HUB_ERR_TOO_LARGE, "the state directory's path is too long");
		return reply->err;
	}
	if (spare && workdir_spare_take(base, a->workdir_prefix, cli_run_subdirs, made, sizeof(made))) {
		if (cli_run_dirs_of(made, d) == 0 && access(d->cwd, W_OK) == 0)
			return HUB_OK;
		(void)workdir_remove(made);  /* gone meanwhile: made anew below */
		memset(d, 0, sizeof(*d));
	}
	if ((rc = workdir_create_run(base, a->workdir_prefix, cli_run_subdirs, made, sizeof(made))) < 0) {
		provider_reply_error(reply, rc, "cannot create a work directory: %s", strerror(errno));
		return reply->err;
	}
	if (cli_run_dirs_of(made, d) < 0) {
		(void)workdir_remove(made);
		memset(d, 0, sizeof(*d));
		provider_reply_error(reply, HUB_ERR_TOO_LARGE, "the work directory's path is too long");
	}
	return reply->err;
}

/* What the child's callbacks get: the adapter's run and the engine's own
 * state for the idle callback. */
struct cli_run_ctx {
	const struct cli_run_adapter *a;
	void *run;
	const struct provider_call *call;
	const struct cli_run_dirs *dirs;
	int client_gone;                     /* the engine's on_idle stopped */
	int stopped;                         /* the adapter's on_stop ran */
};

/* A callback's verdict; the first stop calls the adapter's on_stop. */
static int
cli_run_verdict(struct cli_run_ctx *ctx, int rc)
{
	if (rc < 0 && !ctx->stopped) {
		ctx->stopped = 1;
		if (ctx->a->on_stop != NULL)
			ctx->a->on_stop(ctx->run, ctx->dirs);
	}
	return rc;
}

static int
cli_run_on_stdout(void *arg, const char *data, size_t len)
{
	struct cli_run_ctx *ctx = arg;

	return cli_run_verdict(ctx, ctx->a->on_stdout(ctx->run, data, len));
}

static int
cli_run_on_stderr(void *arg, const char *data, size_t len)
{
	struct cli_run_ctx *ctx = arg;

	return cli_run_verdict(ctx, ctx->a->on_stderr(ctx->run, data, len));
}

/* The adapter's on_idle, else the caller's: a gone client stops the run. */
static int
cli_run_on_idle(void *arg)
{
	struct cli_run_ctx *ctx = arg;

	if (ctx->a->on_idle != NULL)
		return cli_run_verdict(ctx, ctx->a->on_idle(ctx->run));
	if (provider_stream_idle(&ctx->call->io) == 0)
		return 0;
	ctx->client_gone = 1;
	return cli_run_verdict(ctx, -1);
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
	spec->detach_on_stop = a->detach_on_stop;
	spec->remove_dir = d->root;
}

/* --- warm children ------------------------------------------------------ */

/* The pool's spawn: a directory, the adapter's request-free argv and
 * environment, the child started and left waiting (on the pool's thread). */
static int
cli_run_warm_spawn(const struct warm_pool_key *key, const struct warm_pool_recipe *recipe,
    struct child_proc **proc, char *root, size_t root_len)
{
	const struct cli_run_adapter *a = recipe->adapter;
	struct provider_reply *reply;
	struct cli_run_dirs dirs;
	struct cli_run_input in;
	struct child_spec spec;
	struct child_result res;
	void *scratch = NULL;
	int rc = HUB_ERR_NOMEM;

	*proc = NULL;
	memset(&dirs, 0, sizeof(dirs));
	memset(&in, 0, sizeof(in));
	memset(&res, 0, sizeof(res));
	child_env_init(&in.env);
	hub_buf_init(&in.stdin_data, 0);
	if ((reply = calloc(1, sizeof(*reply))) == NULL)
		goto out;
	if ((rc = cli_run_dirs_create(a, 0, &dirs, reply)) != HUB_OK ||
	    (rc = a->warm_prepare(&dirs, key->model[0] ? key->model : NULL, recipe->timeout_s,
	    recipe->seed, recipe->seed_len, &in, &scratch)) != HUB_OK)
		goto out;
	memset(&spec, 0, sizeof(spec));
	spec.path = recipe->exe;
	spec.argv = in.argv;
	spec.envp = in.env.vars;
	spec.cwd = dirs.cwd;
	spec.jail_dir = dirs.root;
	spec.use_pty = a->use_pty;
	spec.watch_fd = -1;
	spec.stdin_data = in.stdin_data.data;
	spec.stdin_len = in.stdin_data.len;
	if ((rc = child_start_ahead(&spec, proc, &res)) == HUB_OK && res.spawn_errno != 0)
		rc = HUB_ERR_SPAWN;
	if (rc == HUB_OK)
		snprintf(root, root_len, "%s", dirs.root);
out:
	if (rc != HUB_OK) {
		child_proc_stop(*proc);
		*proc = NULL;
		if (dirs.root[0] != '\0')
			(void)workdir_remove(dirs.root);
		if (reply != NULL && reply->error_message[0] != '\0')
			hub_log(HUB_LOG_WARN, a->log_tag, "cannot start a warm child: %s", reply->error_message);
		else
			hub_log(HUB_LOG_WARN, a->log_tag, "cannot start a warm child: %s", hub_strerror(rc));
	}
	child_result_free(&res);
	child_env_free(&in.env);
	hub_buf_free(&in.stdin_data);
	free(scratch);
	free(reply);
	return rc;
}

/* The pool's stop: the group stopped and reaped, the directory removed. */
static void
cli_run_warm_stop(struct child_proc *proc, const char *root)
{
	child_proc_stop(proc);
	if (root[0] != '\0' && workdir_remove(root) < 0)
		hub_log(HUB_LOG_WARN, "warm", "cannot remove a work directory: %s", strerror(errno));
}

static const struct warm_pool_ops cli_run_warm_ops = {
	.spawn = cli_run_warm_spawn,
	.stop = cli_run_warm_stop,
	.alive = child_proc_alive,
	.rss_kb = child_proc_rss_kb,
};

/* Once per process: the pool as HUB_WARM_* say, and its thread. */
static void
cli_run_pool_setup(void)
{
	struct warm_pool_limits lim;

	if (hub_cfg == NULL || (hub_cfg->warm_children <= 0 && hub_cfg->warm_history <= 0))
		return;
	memset(&lim, 0, sizeof(lim));
	lim.per_key = hub_cfg->warm_children;
	lim.max_children = hub_cfg->warm_max;
	lim.max_rss_kb = hub_cfg->warm_max_mb * 1024;
	lim.idle_ttl_ms = hub_cfg->warm_idle_ttl_s * 1000;
	lim.max_primed = hub_cfg->warm_history;
	lim.primed_ttl_ms = hub_cfg->warm_history_ttl_s * 1000;
	warm_pool_init(&cli_run_pool, &lim, &cli_run_warm_ops);
	if (warm_pool_start(&cli_run_pool) < 0) {
		hub_log(HUB_LOG_WARN, "warm", "cannot start the warm pool's thread: every child starts cold");
		return;
	}
	cli_run_pool_on = 1;
}

/* The pool's key and recipe of a call (provider, model, the login, CLI
 * and deadline it starts with), with no history. 0, or -1 when a name is
 * too long for the key (the call then starts cold). */
static int
cli_run_warm_key(const struct cli_run_adapter *a, const struct provider *p, const char *model,
    const char *exe, struct warm_pool_key *key, struct warm_pool_recipe *recipe)
{
	char login[64] = "", with[PATH_MAX + 128];

	memset(key, 0, sizeof(*key));
	memset(recipe, 0, sizeof(*recipe));
	if (snprintf(key->provider, sizeof(key->provider), "%s", p->name) >= (int)sizeof(key->provider) ||
	    snprintf(key->model, sizeof(key->model), "%s", model != NULL ? model : "") >= (int)sizeof(key->model) ||
	    snprintf(recipe->exe, sizeof(recipe->exe), "%s", exe) >= (int)sizeof(recipe->exe))
		return -1;
	if (a->login != NULL)
		a->login(login, sizeof(login));
	/* what a child is started with: a new login, CLI or deadline (a
	 * reloaded HUB_CONFIG) retires the children started before it */
	if (snprintf(with, sizeof(with), "%s|%s|%ld", login, exe, p->timeout_s) >= (int)sizeof(with))
		return -1;
	provider_fingerprint(with, key->login, sizeof(key->login));
	recipe->adapter = a;
	recipe->timeout_s = p->timeout_s;
	return 0;
}

/* key->history: the SHA-256 of the client key's id and the history seed,
 * so that only that client's request with that very history matches. */
static void
cli_run_history_key(const struct provider_call *call, const struct hub_buf *seed,
    struct warm_pool_key *key)
{
	struct sha256_ctx c;
	unsigned char d[SHA256_DIGEST_LEN];
	const char *owner = call->owner != NULL ? call->owner : "";

	sha256_init(&c);
	sha256_update(&c, owner, strlen(owner) + 1);
	sha256_update(&c, seed->data, seed->len);
	sha256_final(&c, d);
	sha256_hex(d, key->history);
}

/* A warm child for this call when the adapter and the pool have one: a
 * first turn's (warm_ok), else one primed for this very history
 * (history_seed). 1 with dirs set and *proc the child's, else 0 (the call
 * starts cold). A first turn counts as in use for its (provider, model). */
static int
cli_run_warm_take(const struct cli_run_adapter *a, void *run, const struct provider *p,
    const struct provider_call *call, const char *model, const char *exe,
    struct cli_run_dirs *dirs, struct child_proc **proc)
{
	struct warm_pool_key key;
	struct warm_pool_recipe recipe;
	struct hub_buf seed;
	char root[PATH_MAX];
	int first, got;

	*proc = NULL;
	if (a->warm_prepare == NULL)
		return 0;
	first = a->warm_ok == NULL || a->warm_ok(run);
	if (!first && a->history_seed == NULL)
		return 0;
	(void)pthread_once(&cli_run_pool_once, cli_run_pool_setup);
	if (!cli_run_pool_on || cli_run_warm_key(a, p, model, exe, &key, &recipe) < 0)
		return 0;
	if (!first) {
		if (hub_cfg->warm_history <= 0)
			return 0;
		hub_buf_init(&seed, CLI_RUN_MAX_SEED);
		if (a->history_seed(run, NULL, &seed) == 1)
			cli_run_history_key(call, &seed, &key);
		hub_buf_free(&seed);
		if (key.history[0] == '\0')
			return 0;
	}
	got = warm_pool_take(&cli_run_pool, &key, &recipe, hub_time_mono_ms(), proc, root, sizeof(root));
	if (!got)
		return 0;
	if (cli_run_dirs_of(root, dirs) < 0) {
		cli_run_warm_stop(*proc, root);
		*proc = NULL;
		return 0;
	}
	return 1;
}

/* After an answered turn: a child for the conversation's next turn, with
 * the history it will bring (the adapter's history_seed of the call and
 * its reply), when the pool primes next turns. */
static void
cli_run_prime_next(const struct cli_run_adapter *a, void *run, const struct provider *p,
    const struct provider_call *call, const char *model, const char *exe,
    const struct provider_reply *reply)
{
	struct warm_pool_key key;
	struct warm_pool_recipe recipe;
	struct hub_buf seed;

	if (a->history_seed == NULL || a->warm_prepare == NULL || !cli_run_pool_on ||
	    hub_cfg->warm_history <= 0 || reply->err != HUB_OK ||
	    cli_run_warm_key(a, p, model, exe, &key, &recipe) < 0)
		return;
	hub_buf_init(&seed, CLI_RUN_MAX_SEED);
	if (a->history_seed(run, reply, &seed) == 1) {
		cli_run_history_key(call, &seed, &key);
		recipe.seed_len = seed.len;
		if ((recipe.seed = hub_buf_steal(&seed)) != NULL)
			(void)warm_pool_prime(&cli_run_pool, &key, &recipe, hub_time_mono_ms());
	}
	hub_buf_free(&seed);
}

void
cli_run_warm_stats(struct warm_pool_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (cli_run_pool_on)
		warm_pool_stats(&cli_run_pool, out);
}

int
cli_run(const struct cli_run_adapter *a, void *run, const struct provider *p,
    const struct provider_call *call, struct provider_reply *reply)
{
	struct cli_run_dirs dirs;
	struct cli_run_input in;
	struct child_spec spec;
	struct child_result res;
	struct cli_run_ctx ctx = { a, run, call, &dirs, 0, 0 };
	struct child_proc *warm = NULL;
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
	if (cli_run_warm_take(a, run, p, call, model, exe, &dirs, &warm)) {
		reply->child_start = "warm";
		in.warm = 1;
	}
	else if (cli_run_dirs_create(a, 1, &dirs, reply) != HUB_OK)
		goto out;
	if ((rc = a->prepare(run, &dirs, model, &in, reply)) != HUB_OK) {
		if (reply->err == 0)
			provider_reply_error(reply, rc, "cannot prepare the %s run: %s", a->cli_name,
			    hub_strerror(rc));
		goto out;
	}
	cli_run_spec(a, &ctx, p, call, exe, &dirs, &in, &spec);
	if (warm != NULL) {
		rc = child_run_started(warm, &spec, &res);
		warm = NULL; /* run, and freed or handed to the reaper */
	} else {
		reply->child_start = "cold";
		rc = child_run(&spec, &res);
	}
	if (res.detached)
		dirs.root[0] = '\0'; /* the reaper removes it after the reap */
	if (rc < 0 || res.spawn_errno != 0) {
		provider_reply_error(reply, HUB_ERR_SPAWN, "cannot start %s: %s", a->cli_name,
		    res.spawn_errno ? strerror(res.spawn_errno) : hub_strerror(rc));
		goto out;
	}
	a->finish(run, &res, ctx.client_gone, model, reply);
	if (!ctx.client_gone)
		cli_run_prime_next(a, run, p, call, model, exe, reply);
out:
	if (warm != NULL) {  /* taken, then a step before the run failed */
		cli_run_warm_stop(warm, dirs.root);
		dirs.root[0] = '\0';
	}
	if (a->cleanup != NULL)
		a->cleanup(run, &dirs, &res, reply);
	reply->duration_ms = (long)(hub_time_mono_ms() - start_ms);
	/* the child is reaped: its directory goes after the answer, off the
	 * client's path (here only when no thread takes it) */
	if (dirs.root[0] != '\0' && !workdir_spare_discard(dirs.root) && workdir_remove(dirs.root) < 0)
		hub_log(HUB_LOG_WARN, a->log_tag, "cannot remove a work directory: %s", strerror(errno));
	child_result_free(&res);
	child_env_free(&in.env);
	hub_buf_free(&in.stdin_data);
	free(exe);
	return reply->err;
}
