/*
 * cli_run.h - the one run engine under every CLI adapter (claude.c,
 * gemini.c, generic.c), as lighttpd's gw_backend.c is under mod_scgi.c.
 *
 * cli_run() does, once for every adapter, the steps of one chat turn:
 * check that the last message is the user's (or a tool result), pick and check the model,
 * find the executable, create the private work directory (home/, tmp/,
 * cwd/ under HUB_STATE_DIR, resolved with realpath(): it is also the
 * jail), fill the child_spec (deadline, output cap, kill grace, the
 * caller's stream context: watch fd, idle tick, lock tick), run the child
 * (child.h), map a spawn failure, and clean up. An adapter supplies only
 * what differs, as hooks in a struct cli_run_adapter: its own checks, the
 * argv, environment and stdin, the output parsers, and how an ended child
 * becomes a reply.
 */
#ifndef CLI_RUN_H
#define CLI_RUN_H

#include <limits.h>
#include <stddef.h>

#include "common/hub_buf.h"
#include "providers/child.h"
#include "providers/child_env.h"
#include "providers/provider.h"

/* The run's private directories; root is the jail. */
struct cli_run_dirs {
	char root[PATH_MAX];
	char home[PATH_MAX];
	char tmp[PATH_MAX];
	char cwd[PATH_MAX];
};

/* What the adapter's prepare hook fills in. The engine owns env and
 * stdin_data (empty before prepare, freed after the run); the adapter owns
 * the argv strings and the stdin_more queue. */
struct cli_run_input {
	char *const *argv;           /* NULL-terminated; argv[0] the CLI's name */
	struct child_env env;        /* the child's whole environment */
	struct hub_buf stdin_data;   /* written to stdin first; may stay empty */
	/* NULL: stdin is closed after stdin_data. Else the adapter's queue
	 * (child_spec.stdin_more): stdin stays open while the child runs and
	 * what the adapter's hooks append to it is written to the child */
	struct hub_buf *stdin_more;
	/* set by the engine before prepare: 1 when a warm child runs the call
	 * (its directory was made and filled by warm_prepare, its argv and
	 * environment are warm_prepare's: prepare then writes only what the
	 * request brings, and what it puts in argv and env is not used) */
	int warm;
};

/* The largest history seed primed (cli_run_adapter.history_seed); a
 * longer history starts cold. */
#define CLI_RUN_MAX_SEED (1024 * 1024)

/*
 * One adapter: static data and hooks. Every hook gets run, the adapter's
 * own state for this run (the arg given to cli_run()). A hook that fails
 * sets the reply's error (provider_reply_error()) and returns it.
 */
struct cli_run_adapter {
	const char *cli_name;        /* in messages: "the %s CLI was not found" */
	const char *log_tag;         /* hub_log() tag */
	const char *cli_default;     /* executable when the provider has no cli */
	const char *workdir_sub;     /* NULL: HUB_STATE_DIR; else a folder in it */
	const char *workdir_prefix;  /* "claude-" (workdir_create()) */
	int use_pty;                 /* stdout on a PTY */
	size_t stdin_max;            /* cap of stdin_data (HUB_ERR_TOO_LARGE); 0: none */
	int model_err;               /* the code for a malformed model name */
	long idle_check_ms;          /* on_idle at least this often; 0: the caller's */
	/* before anything is created, with the model chosen (may be NULL) */
	int (*check)(void *run, const char *model, struct provider_reply *reply);
	/* once the directories exist: argv, env, stdin into *in; a failure
	 * without a message of its own becomes "cannot prepare the <cli_name>
	 * run: <error>" */
	int (*prepare)(void *run, const struct cli_run_dirs *dirs, const char *model,
	    struct cli_run_input *in, struct provider_reply *reply);
	/* the child's output as it arrives; < 0 stops */
	int (*on_stdout)(void *run, const char *data, size_t len);
	int (*on_stderr)(void *run, const char *data, size_t len);  /* may be NULL */
	/* the child's silences; < 0 stops. NULL: the engine calls the
	 * caller's on_idle (provider_stream_idle()) and stops the run when the
	 * client is gone, which finish is told */
	int (*on_idle)(void *run);
	/* the child was started and reaped: the reply from the run;
	 * client_gone is 1 when the engine's on_idle stopped the run */
	void (*finish)(void *run, const struct child_result *res, int client_gone,
	    const char *model, struct provider_reply *reply);
	/* once, when a hook (or the engine's on_idle) stopped the run, at
	 * once and while the child's directory still exists: with
	 * detach_on_stop the reaper removes it before cleanup could read it,
	 * so what must be taken from it is taken here (may be NULL) */
	void (*on_stop)(void *run, const struct cli_run_dirs *dirs);
	/* last, before the directory is removed, whatever happened (may be NULL) */
	void (*cleanup)(void *run, const struct cli_run_dirs *dirs, const struct child_result *res,
	    struct provider_reply *reply);
	/* 1: once a hook stopped the run, the reply needs nothing more of
	 * the child: the reply goes back at once and a reaper thread stops,
	 * reaps and removes the directory (child_spec.detach_on_stop);
	 * finish then sees no exit status */
	int detach_on_stop;
	/* Warm children (providers/warm_pool.h); all NULL: always cold.
	 * warm_ok: whether this call can be served by a child started ahead
	 * (its argv and environment would be warm_prepare's). warm_prepare:
	 * the argv and environment of a child started ahead for model in
	 * dirs, with nothing of any request; stdin_data (at most 512 bytes,
	 * the same for every request) is written at once and stdin stays
	 * open for the request's; *scratch
	 * (may stay NULL) is what argv points into, freed with free() after
	 * the spawn. login: a fingerprint of the credential the child is
	 * started with ("" none), so a new login retires the old children.
	 * A child primed for a conversation's next turn (HUB_WARM_HISTORY)
	 * gets seed: the history as history_seed rendered it, which
	 * warm_prepare gives the child to read at start-up (NULL: a first
	 * turn's child). history_seed (NULL: no turn with history is warm)
	 * appends to seed the history of the call (reply NULL: what a child
	 * primed for this call must have read) or of the call's next turn
	 * (reply: the call's whole conversation and reply); 1 when that
	 * history can be primed, 0 when not, < 0 on error. The same history
	 * must give the same seed, byte for byte. */
	int (*warm_ok)(void *run);
	int (*warm_prepare)(const struct cli_run_dirs *dirs, const char *model, long timeout_s,
	    const char *seed, size_t seed_len, struct cli_run_input *in, void **scratch);
	void (*login)(char *fingerprint, size_t len);
	int (*history_seed)(void *run, const struct provider_reply *reply, struct hub_buf *seed);
};

/*
 * Run call on provider p through adapter a, with run the adapter's state.
 * The reply is reset first, then filled: the text and usage by a->finish,
 * an error at any step, duration_ms always. Returns reply->err.
 */
int cli_run(const struct cli_run_adapter *a, void *run, const struct provider *p,
    const struct provider_call *call, struct provider_reply *reply);

/* The warm pool's counters in this process (all 0 while it is off). */
struct warm_pool_stats;
void cli_run_warm_stats(struct warm_pool_stats *out);

#endif
