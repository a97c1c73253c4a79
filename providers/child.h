/*
 * child.h - run one provider CLI as a short-lived child, the careful way.
 *
 * child_run() starts spec->path with exactly spec->argv and spec->envp (no
 * shell, no inherited environment) in its own process group and session,
 * in spec->cwd, with signals reset and every descriptor above 2 closed.
 * stdin is a pipe that receives spec->stdin_data and is then closed (or,
 * with spec->stdin_more, stays open for what the callbacks queue); stdout
 * is a pipe, or with use_pty the slave side of a fresh pseudo-terminal set
 * raw before exec; stderr is always a pipe of its own. Output is handed to
 * on_stdout as it arrives. The run ends, and the child's whole process group
 * is stopped (SIGTERM, kill_grace_ms, SIGKILL), when the deadline passes,
 * when stdout exceeds max_stdout_bytes, when a callback returns < 0, or when
 * anything happens on watch_fd (the client went away). The child is always
 * reaped before child_run() returns; it reports only after both EOF on stdout
 * (EIO on a PTY counts as EOF) and the reap.
 *
 * When jail_enabled() and spec->jail_dir is set, bwrap is started in the
 * CLI's place and starts it in a filesystem jail (providers/jail.h); the
 * process group, deadline, caps and reaping above apply to bwrap and the
 * CLI alike (a jailed CLI killed by a signal shows as exit 128+signal).
 *
 * child.c is the only file of the hub that starts a CLI (fork() or
 * forkpty()); besides it only fcgi/main.c forks, to start its own workers.
 */
#ifndef CHILD_H
#define CHILD_H

#include <stddef.h>
#include <sys/types.h>

struct hub_buf;

struct child_spec {
	const char *path;            /* absolute path of the executable */
	char *const *argv;           /* NULL-terminated; argv[0] is the name */
	char *const *envp;           /* NULL-terminated; the whole environment */
	const char *cwd;             /* an empty private directory */
	const char *jail_dir;        /* the run's private directory: with a jail
	                              * (providers/jail.h) the child sees it
	                              * read-write at the same path and nothing
	                              * else of the host's files but the system
	                              * and the CLI's install; NULL: no jail */
	int use_pty;                 /* stdout on a raw PTY instead of a pipe */
	const void *stdin_data;      /* written to stdin, then stdin is closed */
	size_t stdin_len;
	/* NULL: as above. Else stdin stays open after stdin_data, and what the
	 * callbacks append to *stdin_more (the caller's buffer, capped by its
	 * max_len) is written after it, in order, as the pipe takes it, and
	 * consumed from the buffer; stdin is closed when the run stops, or
	 * when the child closed it (what is queued then is dropped). */
	struct hub_buf *stdin_more;
	long timeout_ms;             /* wall-clock deadline from the spawn */
	long kill_grace_ms;          /* between SIGTERM and SIGKILL */
	size_t max_stdout_bytes;     /* output cap; 0 = HUB_DEFAULT_MAX_OUTPUT_BYTES */
	size_t max_stderr_bytes;     /* stderr kept; 0 = HUB_MAX_STDERR_BYTES */
	int watch_fd;                /* any event on it stops the run; -1: none */
	long idle_tick_ms;           /* on_idle after this much silence; 0: never */
	long rlimit_cpu_s;           /* RLIMIT_CPU for the child; 0: HUB_CHILD_CPU_SECONDS */
	long rlimit_nofile;          /* RLIMIT_NOFILE; 0: HUB_CHILD_MAX_FILES */
	long max_rss_kb;             /* the group's resident memory cap, sampled
	                              * from /proc every CHILD_RSS_POLL_MS; 0:
	                              * HUB_CHILD_MAX_RSS_MB (the HUB_CHILD_* values
	                              * apply when hub_cfg is set; without it, and
	                              * when they are 0, there is no limit) */
	/* stdout data as it arrives; return < 0 to stop the run. */
	int (*on_stdout)(void *arg, const char *data, size_t len);
	/* stderr data as it arrives (may be NULL); return < 0 to stop. */
	int (*on_stderr)(void *arg, const char *data, size_t len);
	/* called after idle_tick_ms without output; return < 0 to stop. */
	int (*on_idle)(void *arg);
	void *arg;
	/* called every tick_ms while the run lives, output or not (a session
	 * lock's renewal); may be NULL; return < 0 to stop. */
	long tick_ms;
	int (*on_tick)(void *arg);
	void *tick_arg;
	/* 1: once a callback stopped the run (returned < 0: the caller has
	 * what it needs), child_run() returns at once with res->detached set,
	 * and a reaper thread finishes the stop (grace, SIGKILL to the group),
	 * reaps the child and then removes remove_dir (may be NULL). The
	 * child is still always reaped and its group killed. */
	int detach_on_stop;
	const char *remove_dir;
};

struct child_result {
	pid_t pid;                   /* the child's pid (and process group) */
	int exited;                  /* 1: exit_code is valid */
	int exit_code;
	int term_signal;             /* signal that ended it, 0 if it exited */
	int timed_out;               /* the deadline passed */
	int watch_fired;             /* watch_fd had an event (client gone) */
	int output_capped;           /* stdout exceeded the cap */
	int stopped;                 /* a callback asked to stop */
	int spawn_errno;             /* exec failed in the child (exit 127) */
	int memory_exceeded;         /* the group's RSS passed max_rss_kb: stopped */
	long peak_rss_kb;            /* largest RSS sample of the group; 0 if none */
	char *stderr_text;           /* malloc'd, NUL-terminated, capped; may be NULL */
	size_t stderr_len;
	size_t stdout_bytes;         /* bytes read from stdout */
	long first_output_ms;        /* from spawn to the first stdout byte; -1 none */
	long duration_ms;            /* from the run's start to reap (or detach) */
	int detached;                /* a reaper thread finishes the run (and
	                              * removes spec->remove_dir): exit status,
	                              * peak RSS and late stderr are not known */
};

/* A child started ahead of its run (child_start_ahead()). */
struct child_proc;

/*
 * Run the child described by spec and wait for it to end as described
 * above. Returns 0 when the child was started and reaped (look at res for
 * how it ended), HUB_ERR_SPAWN when it could not be started, HUB_ERR_NOMEM
 * or HUB_ERR_SYSTEM. res is filled in either way; free it with
 * child_result_free().
 */
int child_run(const struct child_spec *spec, struct child_result *res);

/*
 * Start spec's child and leave it waiting (a warm child): the same spawn
 * as child_run()'s (jail, limits, process group, descriptors). Only
 * spec's path, argv, envp, cwd, jail_dir, use_pty and limits are used,
 * and stdin_data (at most 512 bytes), written at once; stdin stays open.
 * argv and envp may be freed once it returns. *proc gets the child, to
 * be run once with child_run_started() or stopped with child_proc_stop().
 * The child dies (PR_SET_PDEATHSIG) when the calling thread ends: call it
 * from a thread that lives as long as the child may. Returns as
 * child_run() does; res gets the spawn's pid and errno.
 */
int child_start_ahead(const struct child_spec *spec, struct child_proc **proc,
    struct child_result *res);

/*
 * Run proc (taken: freed, or handed to the reaper) with spec's stdin,
 * deadline (from now), caps and callbacks, as child_run() does. Returns
 * as child_run() does.
 */
int child_run_started(struct child_proc *proc, const struct child_spec *spec,
    struct child_result *res);

/* 1 while proc's leader has not exited (it may still be run). */
int child_proc_alive(struct child_proc *proc);

/* proc's pid (and process group); -1 for NULL. */
pid_t child_proc_pid(const struct child_proc *proc);

/* The resident KiB of proc's process tree now. */
long child_proc_rss_kb(const struct child_proc *proc);

/* Stop proc's group (SIGTERM, grace, SIGKILL), reap, free. Accepts NULL. */
void child_proc_stop(struct child_proc *proc);

/*
 * Wait until every detached run's reaper is done, at most max_ms (also
 * done at exit(), up to 10 s, once a run was detached).
 */
void child_wait_reapers(long max_ms);

/*
 * SIGKILL to the process group of every child of this process not yet
 * reaped (running, warm, or being reaped). Async-signal-safe: for a
 * responder's SIGTERM handler right before _exit().
 */
void child_kill_all(void);

/* Free what child_run() allocated in res. Accepts NULL. */
void child_result_free(struct child_result *res);

#endif
