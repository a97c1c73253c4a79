/*
 * child.c - run one provider CLI as a short-lived child, the careful way.
 *
 * The only file in the hub that starts processes (clone() for pipe mode,
 * forkpty() for PTY mode; fork() for pipe mode where clone() is missing,
 * as on macOS or with --disable-linux-extras). The hub's
 * responders are multi-threaded, so everything the child needs (argv, envp,
 * pipes, terminal settings, the fd limit) is prepared before the fork, and
 * between fork and exec the child makes only async-signal-safe calls.
 *
 * The parent runs one poll loop: it feeds stdin, hands stdout and stderr
 * to the callbacks, watches the deadline, the output cap and watch_fd, and
 * stops the whole process group (SIGTERM, grace, SIGKILL) when the run has
 * to end early. The leader is seen to exit with waitid(WNOWAIT), so its pid
 * (and thus the process group id) cannot be reused while the group is
 * killed; only then is it reaped with waitpid() on that pid.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#ifdef HAVE_PTY_H
#include <pty.h>
#else
#include <util.h> /* forkpty() on macOS and the BSDs */
#endif
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#if HAVE_DECL_SYS_RT_SIGACTION || HAVE_DECL_SYS_PIDFD_OPEN
#include <sys/syscall.h>
#endif
#include <sys/types.h>
#include <sys/wait.h>

#include "common/hub_buf.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_limits.h"
#include "common/hub_log.h"
#include "common/hub_os.h"
#include "common/hub_time.h"
#include "providers/child.h"
#include "providers/jail.h"
#include "providers/workdir.h"

/* Size of the fixed pseudo-terminal (output of `-p` modes ignores it). */
#define CHILD_PTY_ROWS        50
#define CHILD_PTY_COLS        200
/* After the leader exited: how long stdout/stderr may stay open (held by
 * a grandchild) before the group is killed. */
#define CHILD_DRAIN_MS        200
/* After the final SIGKILL: how long to wait for EOF from writers outside
 * the group (a grandchild that left it) before giving up. */
#define CHILD_FINAL_DRAIN_MS  100
/* Poll period when no pidfd is available to see the leader exit. */
#define CHILD_WAIT_POLL_MS    20
/* One read from a child's pipe or terminal. */
#define CHILD_READ_BYTES      16384
/* child_take_written_stderr(): at most this much stderr read at a detach */
#define CHILD_DETACH_STDERR_BYTES (4 * CHILD_READ_BYTES)
/* Upper bound for the close() loop when close_range() is missing. */
#define CHILD_MAX_CLOSE_FD    65536
/* How often the process tree's resident memory is sampled. */
#define CHILD_RSS_POLL_MS     200
/* Processes of one child's tree examined for the memory cap. */
#define CHILD_RSS_MAX_PROCS   256
/* child_loop(): the caller stopped the run with detach_on_stop. */
#define CHILD_LOOP_DETACH     1
/* The most child_start_ahead() writes to stdin (<= PIPE_BUF). */
#define CHILD_AHEAD_STDIN_MAX 512
/* How long a process that exits waits for its reapers. */
#define CHILD_EXIT_WAIT_MS    10000
/* The stack of a reaper thread (child_detach()). */
#define CHILD_REAPER_STACK_BYTES (128 * 1024)

/* Pipe mode starts with clone(CLONE_VM | CLONE_VFORK), else with fork(). */
#if defined(HAVE_CLONE) && HAVE_DECL_CLONE_VFORK && !defined(__SANITIZE_ADDRESS__)
#define CHILD_USE_CLONE 1
#endif
/* The child dies with the thread that started it (Linux only). */
#if defined(HAVE_SYS_PRCTL_H) && HAVE_DECL_PR_SET_PDEATHSIG
#define CHILD_USE_PDEATHSIG 1
#endif

/* Everything the forked child needs, prepared before the fork. */
struct child_plan {
	const struct child_spec *spec;
	const char *exec_path;   /* spec->path, or bwrap's with a jail */
	char *const *exec_argv;  /* spec->argv, or bwrap's with a jail */
	int stdin_fd;      /* read end of the stdin pipe, > 2 */
	int stdout_fd;     /* write end of the stdout pipe, > 2; -1 with a PTY */
	int stderr_fd;     /* write end of the stderr pipe, > 2 */
	int error_fd;      /* write end of the CLOEXEC exec-error pipe, > 2 */
	int max_fd;        /* close() loop bound without close_range() */
	pid_t parent_pid;  /* getpid() before fork, for the death-signal race */
	struct rlimit cpu, nofile;
};

/* The parent's view of one run. */
struct child_run_state {
	const struct child_spec *spec;
	struct child_result *res;
	pid_t pid;
	int pidfd;                 /* -1 when pidfd_open() is unavailable */
	int in_fd, out_fd, err_fd; /* parent ends; -1 once closed */
	const char *in_data;
	size_t in_left;
	size_t max_stdout;
	struct hub_buf err_buf;
	long long start_ms, deadline_ms, last_output_ms, next_tick_ms;
	int stopping;              /* SIGTERM sent to the group */
	long long kill_at_ms;      /* when SIGKILL follows the SIGTERM */
	int killed;                /* SIGKILL sent to the group */
	int leader_exited;         /* seen with WNOWAIT, not yet reaped */
	long long drain_until_ms;  /* after the leader exit */
	int got_epipe;
	long max_rss_kb;           /* 0: no memory cap */
	long long next_rss_ms;     /* next RSS sample */
};

/* Process groups of this process's children not yet reaped, for
 * child_kill_all() (a signal handler): 0 marks a free slot. */
#define CHILD_MAX_GROUPS      8192
static pid_t child_groups[CHILD_MAX_GROUPS];

/* Note pid's group as live. */
static void
child_groups_add(pid_t pid)
{
	pid_t free_slot;
	size_t i;

	for (i = 0; i < CHILD_MAX_GROUPS; i++) {
		free_slot = 0;
		if (__atomic_compare_exchange_n(&child_groups[i], &free_slot, pid, 0, __ATOMIC_SEQ_CST,
		    __ATOMIC_SEQ_CST))
			return;
	}
	/* full: that child is still reaped, only not killed by child_kill_all() */
}

/* Forget pid's group: called before the reap. */
static void
child_groups_remove(pid_t pid)
{
	pid_t want;
	size_t i;

	for (i = 0; i < CHILD_MAX_GROUPS; i++) {
		want = pid;
		if (__atomic_compare_exchange_n(&child_groups[i], &want, 0, 0, __ATOMIC_SEQ_CST,
		    __ATOMIC_SEQ_CST))
			return;
	}
}

void
child_kill_all(void)
{
	pid_t pid;
	size_t i;

	for (i = 0; i < CHILD_MAX_GROUPS; i++)
		if ((pid = __atomic_load_n(&child_groups[i], __ATOMIC_SEQ_CST)) > 0 &&
		    kill(-pid, SIGKILL) < 0)
			(void)kill(pid, SIGKILL);
}

/* Report errno to the parent through the error pipe and die. */
static void __attribute__((noreturn))
child_fail(int error_fd)
{
	int e = errno;
	ssize_t n;

	do {
		n = write(error_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	_exit(127);
}

/* Make fd the target descriptor in the child, clearing close-on-exec. */
static int
child_dup_onto(int fd, int target)
{
	int r;

	do {
		r = dup2(fd, target);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

/* Close every descriptor above 2 except keep_fd (the error pipe). */
static void
child_close_fds(int keep_fd, int max_fd)
{
	int fd;

#ifdef HAVE_CLOSE_RANGE
	if ((keep_fd <= 3 || close_range(3, (unsigned)keep_fd - 1, 0) == 0) &&
	    close_range((unsigned)keep_fd + 1, ~0U, 0) == 0)
		return;
#endif
	for (fd = 3; fd < max_fd; fd++)
		if (fd != keep_fd)
			(void)close(fd);
}

/*
 * In the forked child: async-signal-safe calls only. Never returns.
 * Signals are still all blocked here (inherited from the parent's mask).
 */
static void __attribute__((noreturn))
child_exec(const struct child_plan *plan)
{
	const struct child_spec *spec = plan->spec;
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		/* fails for KILL/STOP (fine) and for the C library's own
		 * real-time signals, which the kernel call below resets: an
		 * all-zero kernel sigaction is SIG_DFL whatever its layout */
		if (sigaction(sig, &sa, NULL) < 0 && sig != SIGKILL && sig != SIGSTOP) {
#if HAVE_DECL_SYS_RT_SIGACTION
			unsigned long ksa[4] = { 0, 0, 0, 0 };

			(void)syscall(SYS_rt_sigaction, sig, ksa, NULL, (size_t)8);
#endif
			/* without it (macOS) sigaction() refuses only KILL
			 * and STOP, and there are no hidden libc signals */
		}
	}
#ifdef CHILD_USE_PDEATHSIG
	/* Die with the thread that started us, so that a killed responder
	 * never leaves a CLI running without its deadline. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != plan->parent_pid)
		child_fail(plan->error_fd);
#endif
	/* Without PR_SET_PDEATHSIG (macOS) a hub killed with SIGKILL leaves
	 * its CLI running until the CLI ends by itself (RLIMIT_CPU still
	 * holds); any other end of the hub stops the child's group itself. */

	if (!spec->use_pty && setsid() < 0) /* forkpty's login_tty did it */
		child_fail(plan->error_fd);
	if (child_dup_onto(plan->stdin_fd, STDIN_FILENO) < 0)
		child_fail(plan->error_fd);
	if (plan->stdout_fd >= 0 && child_dup_onto(plan->stdout_fd, STDOUT_FILENO) < 0)
		child_fail(plan->error_fd);
	if (child_dup_onto(plan->stderr_fd, STDERR_FILENO) < 0)
		child_fail(plan->error_fd);
	if (spec->cwd != NULL && chdir(spec->cwd) < 0)
		child_fail(plan->error_fd);
	child_close_fds(plan->error_fd, plan->max_fd);
	if (spec->rlimit_cpu_s > 0 && setrlimit(RLIMIT_CPU, &plan->cpu) < 0)
		child_fail(plan->error_fd);
	if (spec->rlimit_nofile > 0 && setrlimit(RLIMIT_NOFILE, &plan->nofile) < 0)
		child_fail(plan->error_fd);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	execve(plan->exec_path, plan->exec_argv, spec->envp);
	child_fail(plan->error_fd);
}

/* Close *fd if open and mark it closed. */
static void
child_close(int *fd)
{
	if (*fd >= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

/* Move *fd above stdio (so dup2 onto 0..2 cannot clobber another end),
 * keeping it close-on-exec. 0 or -1 with errno. */
static int
child_fd_above_stdio(int *fd)
{
	int n;

	if (*fd > STDERR_FILENO)
		return 0;
	if ((n = fcntl(*fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1)) < 0)
		return -1;
	(void)close(*fd);
	*fd = n;
	return 0;
}

/* A close-on-exec pipe with both ends above stdio. 0 or -1 with errno. */
static int
child_pipe(int p[2])
{
	p[0] = p[1] = -1;
	if (hub_os_pipe_cloexec(p) < 0)
		return -1;
	if (child_fd_above_stdio(&p[0]) < 0 || child_fd_above_stdio(&p[1]) < 0) {
		int e = errno;

		child_close(&p[0]);
		child_close(&p[1]);
		errno = e;
		return -1;
	}
	return 0;
}

static int
child_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

/* A pollable descriptor for the child's exit, or -1 when the kernel or
 * libc lacks pidfd_open(). */
static int
child_pidfd_open(pid_t pid)
{
#if HAVE_DECL_SYS_PIDFD_OPEN
	long fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0) {
		(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		return (int)fd;
	}
#endif
	(void)pid;
	return -1;
}

/* Send sig to the child's whole process group. Only called while the
 * leader is not yet reaped, so the group id cannot have been reused. */
static void
child_signal_group(struct child_run_state *st, int sig)
{
	if (kill(-st->pid, sig) < 0 && errno == ESRCH)
		(void)kill(st->pid, sig); /* not a group leader yet: the pid */
}

/* Begin stopping the run: SIGTERM now, SIGKILL after the grace period. */
static void
child_stop(struct child_run_state *st)
{
	long grace = st->spec->kill_grace_ms > 0 ? st->spec->kill_grace_ms : 0;

	if (st->stopping)
		return;
	st->stopping = 1;
	child_signal_group(st, SIGTERM);
	st->kill_at_ms = hub_time_mono_ms() + grace;
	if (grace == 0) {
		child_signal_group(st, SIGKILL);
		st->killed = 1;
	}
}

/* Hand stdout data to the callback, enforcing the output cap. */
static void
child_deliver_stdout(struct child_run_state *st, const char *data, size_t len)
{
	struct child_result *res = st->res;
	int rc = 0;

	if (st->stopping || len == 0)
		return; /* drained and discarded */
	if (res->first_output_ms < 0)
		res->first_output_ms = (long)(hub_time_mono_ms() - st->start_ms);
	if (len > st->max_stdout - res->stdout_bytes) {
		len = st->max_stdout - res->stdout_bytes;
		res->output_capped = 1;
	}
	if (len > 0) {
		res->stdout_bytes += len;
		if (st->spec->on_stdout != NULL)
			rc = st->spec->on_stdout(st->spec->arg, data, len);
	}
	if (rc < 0)
		res->stopped = 1;
	if (rc < 0 || res->output_capped)
		child_stop(st);
}

/* Keep stderr up to its cap and hand it to the callback. */
static void
child_deliver_stderr(struct child_run_state *st, const char *data, size_t len)
{
	size_t room = st->err_buf.max_len - st->err_buf.len;

	if (len == 0)
		return;
	(void)hub_buf_append(&st->err_buf, data, len < room ? len : room);
	if (st->spec->on_stderr == NULL)
		return;
	/* a run that detaches at its stop still takes what was written
	 * before it (child_take_written_stderr()); its verdict is moot */
	if (st->stopping) {
		if (st->spec->detach_on_stop)
			(void)st->spec->on_stderr(st->spec->arg, data, len);
		return;
	}
	if (st->spec->on_stderr(st->spec->arg, data, len) < 0) {
		st->res->stopped = 1;
		child_stop(st);
	}
}

/* One read from *fd. Closes it at EOF (0, or EIO on a PTY master) and on
 * errors other than EAGAIN. Returns the bytes read (0 if none). */
static size_t
child_read(int *fd, char *buf)
{
	ssize_t n;

	do {
		n = read(*fd, buf, CHILD_READ_BYTES);
	} while (n < 0 && errno == EINTR);
	if (n > 0)
		return (size_t)n;
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
		child_close(fd); /* EOF; EIO is EOF on a PTY */
	return 0;
}

/* Read stdout and stderr until nothing more is available right now. */
static void
child_drain_now(struct child_run_state *st, char *buf)
{
	size_t n;

	while (st->out_fd >= 0 && (n = child_read(&st->out_fd, buf)) > 0)
		child_deliver_stdout(st, buf, n);
	while (st->err_fd >= 0 && (n = child_read(&st->err_fd, buf)) > 0)
		child_deliver_stderr(st, buf, n);
}

/* At a stop that detaches: what the child wrote to stderr before the
 * output that stopped the run is in the pipe already, and the caller's
 * callback gets it (up to CHILD_DETACH_STDERR_BYTES) before the reaper
 * owns the run: an error line there changes the reply. */
static void
child_take_written_stderr(struct child_run_state *st, char *buf)
{
	size_t n, taken = 0;

	while (taken < CHILD_DETACH_STDERR_BYTES && st->err_fd >= 0 &&
	    (n = child_read(&st->err_fd, buf)) > 0) {
		taken += n;
		child_deliver_stderr(st, buf, n);
	}
}

/* One write of data to stdin. Returns the bytes taken (0 when the pipe is
 * full); on an error other than EAGAIN closes stdin and returns 0. */
static size_t
child_write_stdin(struct child_run_state *st, const char *data, size_t len)
{
	ssize_t n;

	do {
		n = write(st->in_fd, data, len);
	} while (n < 0 && errno == EINTR);
	if (n >= 0)
		return (size_t)n;
	if (errno != EAGAIN && errno != EWOULDBLOCK) {
		if (errno == EPIPE)
			st->got_epipe = 1;
		child_close(&st->in_fd);   /* the child closed its stdin */
		st->in_left = 0;
		if (st->spec->stdin_more != NULL)
			hub_buf_reset(st->spec->stdin_more);
	}
	return 0;
}

/* Whether stdin has bytes waiting to be written. */
static int
child_stdin_pending(const struct child_run_state *st)
{
	return st->in_fd >= 0 && (st->in_left > 0 ||
	    (st->spec->stdin_more != NULL && st->spec->stdin_more->len > 0));
}

/* Write as much pending stdin as the pipe takes (stdin_data, then what is
 * queued in stdin_more); close it when stdin_data is done and nothing more
 * can come. */
static void
child_feed_stdin(struct child_run_state *st)
{
	struct hub_buf *more = st->spec->stdin_more;
	size_t n;

	while (st->in_fd >= 0 && st->in_left > 0) {
		if ((n = child_write_stdin(st, st->in_data, st->in_left)) == 0)
			return;
		st->in_data += n;
		st->in_left -= n;
	}
	while (st->in_fd >= 0 && more != NULL && more->len > 0) {
		if ((n = child_write_stdin(st, more->data, more->len)) == 0)
			return;
		hub_buf_consume(more, n);
	}
	if (more == NULL)
		child_close(&st->in_fd);
}

/* Has the leader exited? Leaves it unreaped (WNOWAIT). */
static int
child_leader_gone(struct child_run_state *st)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)st->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD; /* cannot happen for our own child */
	return si.si_pid == st->pid;
}

/* Earliest of a pending time limit and the current poll timeout. */
static void
child_min_timeout(long long now, long long at, int *timeout)
{
	long long left = at - now;

	if (left < 0)
		left = 0;
	if (*timeout < 0 || left < *timeout)
		*timeout = left > INT_MAX ? INT_MAX : (int)left;
}

/* Reap the leader and fill in how it ended. */
static void
child_reap(struct child_run_state *st)
{
	struct child_result *res = st->res;
	int status = 0;
	pid_t r;

	child_groups_remove(st->pid);
	do {
		r = waitpid(st->pid, &status, 0);
	} while (r < 0 && errno == EINTR);
	if (r == st->pid) {
		if (WIFEXITED(status)) {
			res->exited = 1;
			res->exit_code = WEXITSTATUS(status);
		} else if (WIFSIGNALED(status)) {
			res->term_signal = WTERMSIG(status);
		}
	}
	res->duration_ms = (long)(hub_time_mono_ms() - st->start_ms);
}

/* Final steps once the leader has exited: kill what is left of the group
 * (the leader is still a zombie, so the group id is still ours), take the
 * output that is already there, reap. */
static void
child_finish(struct child_run_state *st, char *buf)
{
	struct pollfd pfd[2];
	long long until;
	int nfds, timeout;

	child_signal_group(st, SIGKILL);
	until = hub_time_mono_ms() + CHILD_FINAL_DRAIN_MS;
	for (;;) {
		child_drain_now(st, buf);
		nfds = 0;
		if (st->out_fd >= 0)
			pfd[nfds++] = (struct pollfd){ .fd = st->out_fd, .events = POLLIN };
		if (st->err_fd >= 0)
			pfd[nfds++] = (struct pollfd){ .fd = st->err_fd, .events = POLLIN };
		timeout = -1;
		child_min_timeout(hub_time_mono_ms(), until, &timeout);
		if (nfds == 0 || timeout == 0)
			break;
		if (poll(pfd, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
			break;
	}
	child_reap(st);
}

/* Resident KiB of pid from /proc/pid/statm; -1 when it is gone. */
static long
child_rss_kb(pid_t pid)
{
	char path[64], buf[128];
	long pages_total, pages_rss;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %ld", &pages_total, &pages_rss) != 2)
		return -1;
	return pages_rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Append pid's children (from every thread's /proc children list) to
 * pids[*n..max). */
static void
child_rss_children(pid_t pid, pid_t *pids, size_t *n, size_t max)
{
	char path[64], buf[4096], *p, *end;
	struct dirent *d;
	DIR *dir;
	ssize_t got;
	long v;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL && *n < max) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children", (int)pid, d->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		got = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (got <= 0)
			continue;
		buf[got] = '\0';
		for (p = buf; *n < max; p = end) {
			v = strtol(p, &end, 10);
			if (end == p)
				break;
			pids[(*n)++] = (pid_t)v;
		}
	}
	closedir(dir);
}

/* The summed RSS (KiB) of the child and its descendants. */
static long
child_tree_rss_kb(pid_t leader)
{
	pid_t pids[CHILD_RSS_MAX_PROCS];
	size_t n = 0, i;
	long total = 0, kb;

	pids[n++] = leader;
	for (i = 0; i < n; i++) {
		if ((kb = child_rss_kb(pids[i])) > 0)
			total += kb;
		child_rss_children(pids[i], pids, &n, CHILD_RSS_MAX_PROCS);
	}
	return total;
}

/* Sample the tree's memory when due; stop the run when over the cap. */
static void
child_check_memory(struct child_run_state *st, long long now)
{
	long kb;

	if (st->max_rss_kb <= 0 || st->stopping || st->leader_exited || now < st->next_rss_ms)
		return;
	st->next_rss_ms = now + CHILD_RSS_POLL_MS;
	kb = child_tree_rss_kb(st->pid);
	if (kb > st->res->peak_rss_kb)
		st->res->peak_rss_kb = kb;
	if (kb > st->max_rss_kb) {
		st->res->memory_exceeded = 1;
		child_stop(st);
	}
}

/* The poll loop: runs until the leader exited and the output is drained
 * (or the drain window closed). 0, or HUB_ERR_SYSTEM if poll() failed. */
static int
child_loop(struct child_run_state *st, char *buf)
{
	const struct child_spec *spec = st->spec;
	struct child_result *res = st->res;
	struct pollfd pfd[5];
	int nfds, timeout, i_in, i_out, i_err, i_watch, watching;
	long long now;
	size_t n;

	watching = spec->watch_fd >= 0;
	for (;;) {
		now = hub_time_mono_ms();
		if (!st->leader_exited && child_leader_gone(st)) {
			st->leader_exited = 1;
			st->drain_until_ms = now + CHILD_DRAIN_MS;
		}
		if (st->leader_exited &&
		    ((st->out_fd < 0 && st->err_fd < 0) || now >= st->drain_until_ms ||
		     st->stopping))
			return 0;
		/* the caller stopped a run it needs nothing more of */
		if (spec->detach_on_stop && res->stopped && st->stopping)
			return CHILD_LOOP_DETACH;
		if (!st->stopping && st->deadline_ms > 0 && now >= st->deadline_ms) {
			res->timed_out = 1;
			child_stop(st);
		}
		child_check_memory(st, now);
		if (st->stopping && !st->killed && now >= st->kill_at_ms) {
			child_signal_group(st, SIGKILL);
			st->killed = 1;
		}
		if (!st->stopping && spec->idle_tick_ms > 0 && spec->on_idle != NULL &&
		    now - st->last_output_ms >= spec->idle_tick_ms) {
			st->last_output_ms = now;
			if (spec->on_idle(spec->arg) < 0) {
				res->stopped = 1;
				child_stop(st);
			}
			continue;
		}
		if (!st->stopping && spec->tick_ms > 0 && spec->on_tick != NULL &&
		    now >= st->next_tick_ms) {
			st->next_tick_ms = now + spec->tick_ms;
			if (spec->on_tick(spec->tick_arg) < 0) {
				res->stopped = 1;
				child_stop(st);
			}
			continue;
		}
		if (st->stopping && st->in_fd >= 0)
			child_close(&st->in_fd);

		nfds = 0;
		i_in = i_out = i_err = i_watch = -1;
		if (child_stdin_pending(st)) {
			i_in = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = st->in_fd, .events = POLLOUT };
		}
		if (st->out_fd >= 0) {
			i_out = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = st->out_fd, .events = POLLIN };
		}
		if (st->err_fd >= 0) {
			i_err = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = st->err_fd, .events = POLLIN };
		}
		if (watching && !st->stopping) {
			i_watch = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = spec->watch_fd,
			    .events = POLLIN | HUB_POLLRDHUP };
		}
		if (st->pidfd >= 0 && !st->leader_exited) /* wakes us at exit */
			pfd[nfds++] = (struct pollfd){ .fd = st->pidfd, .events = POLLIN };

		timeout = -1;
		if (st->leader_exited)
			child_min_timeout(now, st->drain_until_ms, &timeout);
		if (!st->stopping && st->deadline_ms > 0)
			child_min_timeout(now, st->deadline_ms, &timeout);
		if (st->stopping && !st->killed)
			child_min_timeout(now, st->kill_at_ms, &timeout);
		if (!st->stopping && spec->idle_tick_ms > 0 && spec->on_idle != NULL)
			child_min_timeout(now, st->last_output_ms + spec->idle_tick_ms,
			    &timeout);
		if (!st->stopping && spec->tick_ms > 0 && spec->on_tick != NULL)
			child_min_timeout(now, st->next_tick_ms, &timeout);
		if (!st->leader_exited && st->pidfd < 0)
			child_min_timeout(now, now + CHILD_WAIT_POLL_MS, &timeout);
		if (st->max_rss_kb > 0 && !st->stopping && !st->leader_exited)
			child_min_timeout(now, st->next_rss_ms, &timeout);

		if (poll(pfd, (nfds_t)nfds, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return HUB_ERR_SYSTEM;
		}
		if (i_watch >= 0 && pfd[i_watch].revents != 0) {
			res->watch_fired = 1;
			watching = 0;
			child_stop(st);
		}
		if (i_in >= 0 && pfd[i_in].revents != 0)
			child_feed_stdin(st);
		if (i_out >= 0 && pfd[i_out].revents != 0 &&
		    (n = child_read(&st->out_fd, buf)) > 0) {
			st->last_output_ms = hub_time_mono_ms();
			child_deliver_stdout(st, buf, n);
		}
		if (i_err >= 0 && pfd[i_err].revents != 0 &&
		    (n = child_read(&st->err_fd, buf)) > 0)
			child_deliver_stderr(st, buf, n);
	}
}

#ifdef CHILD_USE_CLONE
/* The vfork-style child's entry: runs on its own stack, in the parent's memory. */
static int
child_vfork_main(void *arg)
{
	child_exec(arg);
}
#endif

/*
 * Start the pipe-mode child with clone(CLONE_VM | CLONE_VFORK), as
 * posix_spawn() does: the responder has many threads and a large address
 * space, and copying its page tables for fork() cost more than a
 * millisecond a request. The calling thread is suspended until the child
 * has called execve() or exited; the child makes only system calls
 * (child_exec()) and writes nothing but its own stack. Returns the pid, or
 * -1 with errno. Signals are blocked by the caller.
 */
static pid_t
child_vfork(const struct child_plan *plan)
{
#ifndef CHILD_USE_CLONE
	/* No clone() (macOS, --disable-linux-extras), or AddressSanitizer,
	 * which cannot run instrumented code in a child that shares the
	 * parent's memory on a stack of its own: a plain fork(), after which
	 * child_start() calls child_exec() just the same (the clone path is
	 * covered by the plain build, its tests and valgrind). */
	(void)plan;
	return fork();
#else
	/* the child's stack; unused by this (suspended) thread meanwhile */
	static const size_t stack_bytes = 64 * 1024;
	char *stack;
	pid_t pid;

	stack = mmap(NULL, stack_bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	pid = clone(child_vfork_main, stack + stack_bytes, CLONE_VM | CLONE_VFORK | SIGCHLD,
	    (void *)plan);
	(void)munmap(stack, stack_bytes);
	return pid;
#endif
}

/* Fork the child, pipes or PTY as the spec says. On success st->pid and
 * the parent ends are set. 0; HUB_ERR_SPAWN when fork/forkpty or anything
 * in the child before exec (chdir, setrlimit, execve) failed, with
 * res->spawn_errno set; HUB_ERR_SYSTEM when the pipes could not be made. */
static int
child_start(struct child_run_state *st, struct child_plan *plan)
{
	const struct child_spec *spec = st->spec;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int errp[2] = { -1, -1 };
	int master = -1, rc = HUB_ERR_SYSTEM, saved, child_errno = 0;
	sigset_t all, old;
	struct termios tio;
	struct winsize ws;
	struct rlimit rl;
	ssize_t n;
	pid_t pid;

	if (child_pipe(in) < 0 || child_pipe(err) < 0 || child_pipe(errp) < 0 ||
	    (!spec->use_pty && child_pipe(out) < 0))
		goto out;
	plan->stdin_fd = in[0];
	plan->stdout_fd = spec->use_pty ? -1 : out[1];
	plan->stderr_fd = err[1];
	plan->error_fd = errp[1];
	plan->max_fd = CHILD_MAX_CLOSE_FD;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < CHILD_MAX_CLOSE_FD)
		plan->max_fd = (int)rl.rlim_cur;

	memset(&tio, 0, sizeof(tio));
	tio.c_cflag = CS8 | CREAD;
	cfmakeraw(&tio);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	(void)cfsetispeed(&tio, B38400);
	(void)cfsetospeed(&tio, B38400);
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = CHILD_PTY_ROWS;
	ws.ws_col = CHILD_PTY_COLS;

	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
		goto out;
	if (spec->use_pty)
		pid = forkpty(&master, NULL, &tio, &ws);
	else
		pid = child_vfork(plan);
	if (pid == 0)
		child_exec(plan);
	saved = errno;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		st->res->spawn_errno = saved; /* EAGAIN, ENOMEM, no free PTY... */
		rc = HUB_ERR_SPAWN;
		errno = saved;
		goto out;
	}
	st->pid = pid;
	st->res->pid = pid;
	child_groups_add(pid);
	st->start_ms = hub_time_mono_ms();

	child_close(&in[0]);
	child_close(&out[1]);
	child_close(&err[1]);
	child_close(&errp[1]);
	if (master >= 0)
		(void)fcntl(master, F_SETFD, FD_CLOEXEC);

	/* EOF at exec (close-on-exec), or the errno of what failed. */
	do {
		n = read(errp[0], &child_errno, sizeof(child_errno));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(child_errno)) {
		st->res->spawn_errno = child_errno ? child_errno : EIO;
		child_reap(st);
		st->pid = -1;
		rc = HUB_ERR_SPAWN;
		goto out;
	}

	st->in_fd = in[1];
	in[1] = -1;
	if (spec->use_pty) {
		st->out_fd = master;
		master = -1;
	} else {
		st->out_fd = out[0];
		out[0] = -1;
	}
	st->err_fd = err[0];
	err[0] = -1;
	(void)child_set_nonblock(st->in_fd);
	(void)child_set_nonblock(st->out_fd);
	(void)child_set_nonblock(st->err_fd);
	st->pidfd = child_pidfd_open(pid);
	rc = HUB_OK;
out:
	saved = errno;
	child_close(&in[0]);
	child_close(&in[1]);
	child_close(&out[0]);
	child_close(&out[1]);
	child_close(&err[0]);
	child_close(&err[1]);
	child_close(&errp[0]);
	child_close(&errp[1]);
	child_close(&master);
	errno = saved;
	return rc;
}

/* The spec's resource limits, with HUB_CHILD_* for the ones left 0 and
 * each clamped to what this process may grant (a hard limit can only be
 * lowered). Fills *limits (a copy of spec) and st->max_rss_kb. */
static void
child_apply_limits(const struct child_spec *spec, struct child_spec *limits,
    struct child_run_state *st)
{
	struct rlimit cur;

	*limits = *spec;
	if (limits->rlimit_cpu_s == 0 && hub_cfg != NULL)
		limits->rlimit_cpu_s = hub_cfg->child_cpu_s;
	if (limits->rlimit_nofile == 0 && hub_cfg != NULL)
		limits->rlimit_nofile = hub_cfg->child_max_files;
	if (limits->max_rss_kb == 0 && hub_cfg != NULL)
		limits->max_rss_kb = hub_cfg->child_max_rss_mb * 1024;
	if (limits->rlimit_cpu_s > 0 && getrlimit(RLIMIT_CPU, &cur) == 0 &&
	    cur.rlim_max != RLIM_INFINITY && (rlim_t)limits->rlimit_cpu_s + 1 > cur.rlim_max)
		limits->rlimit_cpu_s = cur.rlim_max > 1 ? (long)cur.rlim_max - 1 : 0;
	if (limits->rlimit_nofile > 0 && getrlimit(RLIMIT_NOFILE, &cur) == 0 &&
	    cur.rlim_max != RLIM_INFINITY && (rlim_t)limits->rlimit_nofile > cur.rlim_max)
		limits->rlimit_nofile = (long)cur.rlim_max;
	st->max_rss_kb = limits->max_rss_kb;
}

/* A child started by child_start_ahead(): its run state, kept between the
 * spawn and the run (and, once detached, until the reaper is done). */
struct child_proc {
	struct child_spec limits;  /* the spec with every limit filled in */
	struct child_run_state st;
	struct child_result res;   /* the spawn's, then the reaper's */
	struct jail_cmd *jail;
	char *buf;
	char *remove_dir;          /* removed by the reaper after the reap */
};

/* Close the run's descriptors and free proc. Accepts NULL. */
static void
child_proc_free(struct child_proc *proc)
{
	if (proc == NULL)
		return;
	child_close(&proc->st.in_fd);
	child_close(&proc->st.out_fd);
	child_close(&proc->st.err_fd);
	child_close(&proc->st.pidfd);
	hub_buf_free(&proc->st.err_buf);
	child_result_free(&proc->res);
	free(proc->buf);
	free(proc->jail);
	free(proc->remove_dir);
	free(proc);
}

int
child_start_ahead(const struct child_spec *spec, struct child_proc **out, struct child_result *res)
{
	struct child_proc *proc;
	struct child_plan plan;
	int rc;

	*out = NULL;
	memset(res, 0, sizeof(*res));
	res->pid = -1;
	res->first_output_ms = -1;
	if ((proc = calloc(1, sizeof(*proc))) == NULL)
		return HUB_ERR_NOMEM;
	proc->res.pid = -1;
	proc->res.first_output_ms = -1;
	child_apply_limits(spec, &proc->limits, &proc->st);
	spec = &proc->limits; /* the caller's spec with every limit filled in */
	proc->st.spec = spec;
	proc->st.res = &proc->res;
	proc->st.pid = -1;
	proc->st.pidfd = proc->st.in_fd = proc->st.out_fd = proc->st.err_fd = -1;
	hub_buf_init(&proc->st.err_buf, spec->max_stderr_bytes ? spec->max_stderr_bytes :
	    HUB_MAX_STDERR_BYTES);
	if (spec->path == NULL || spec->path[0] != '/' || spec->argv == NULL ||
	    spec->argv[0] == NULL || spec->envp == NULL) {
		res->spawn_errno = EINVAL;
		rc = HUB_ERR_SPAWN;
		goto out;
	}
	memset(&plan, 0, sizeof(plan));
	plan.spec = spec;
	plan.exec_path = spec->path;
	plan.exec_argv = spec->argv;
	if (spec->jail_dir != NULL && jail_enabled()) {
		errno = 0;
		/* bwrap would report a missing CLI only as its own exit 1 */
		if (access(spec->path, X_OK) != 0 || (proc->jail = malloc(sizeof(*proc->jail))) == NULL ||
		    jail_wrap(spec->path, spec->argv, spec->envp, spec->jail_dir,
		    spec->cwd != NULL ? spec->cwd : spec->jail_dir, proc->jail) != HUB_OK) {
			res->spawn_errno = errno != 0 ? errno : EINVAL;
			rc = HUB_ERR_SPAWN;
			goto out;
		}
		plan.exec_path = proc->jail->argv[0];
		plan.exec_argv = proc->jail->argv;
	}
	plan.parent_pid = getpid();
	plan.cpu.rlim_cur = (rlim_t)spec->rlimit_cpu_s;
	plan.cpu.rlim_max = (rlim_t)spec->rlimit_cpu_s + 1; /* SIGXCPU, then SIGKILL */
	plan.nofile.rlim_cur = plan.nofile.rlim_max = (rlim_t)spec->rlimit_nofile;

	rc = child_start(&proc->st, &plan);
	res->pid = proc->res.pid;
	res->spawn_errno = proc->res.spawn_errno;
	if (rc != HUB_OK)
		goto out;
	/* allocated after the fork: a child that fails to exec leaks nothing */
	if ((proc->buf = malloc(CHILD_READ_BYTES)) == NULL) {
		rc = HUB_ERR_NOMEM;
		child_signal_group(&proc->st, SIGKILL);
		child_reap(&proc->st);
		goto out;
	}
	/* a first piece of stdin, the same for every request (PIPE_BUF at
	 * most: one write into the empty pipe takes it whole) */
	if (spec->stdin_data != NULL && spec->stdin_len > 0 &&
	    (spec->stdin_len > CHILD_AHEAD_STDIN_MAX ||
	    write(proc->st.in_fd, spec->stdin_data, spec->stdin_len) != (ssize_t)spec->stdin_len)) {
		rc = HUB_ERR_SYSTEM;
		child_signal_group(&proc->st, SIGKILL);
		child_reap(&proc->st);
		goto out;
	}
	/* argv and envp are the caller's: of no use after the exec */
	proc->limits.argv = NULL;
	proc->limits.envp = NULL;
	*out = proc;
	proc = NULL; /* owned by the caller now */
out:
	child_proc_free(proc);
	return rc;
}

int
child_proc_alive(struct child_proc *proc)
{
	return proc != NULL && proc->st.pid > 0 && !child_leader_gone(&proc->st) &&
	    proc->st.out_fd >= 0;
}

pid_t
child_proc_pid(const struct child_proc *proc)
{
	return proc != NULL ? proc->st.pid : -1;
}

long
child_proc_rss_kb(const struct child_proc *proc)
{
	return proc != NULL && proc->st.pid > 0 ? child_tree_rss_kb(proc->st.pid) : 0;
}

void
child_proc_stop(struct child_proc *proc)
{
	if (proc == NULL)
		return;
	if (proc->st.pid > 0) {
		child_close(&proc->st.in_fd);
		if (!child_leader_gone(&proc->st)) {
			proc->st.spec = &proc->limits;
			proc->st.res = &proc->res;
			proc->limits.on_stdout = NULL;
			proc->limits.on_stderr = NULL;
			proc->limits.stdin_more = NULL;
			proc->st.deadline_ms = 0;
			child_stop(&proc->st);
			(void)child_loop(&proc->st, proc->buf);
		}
		child_finish(&proc->st, proc->buf);
	}
	child_proc_free(proc);
}

/* A copy of the stderr kept so far into res (none when out of memory). */
static void
child_copy_stderr(const struct child_run_state *st, struct child_result *res)
{
	if (res->stderr_text != NULL || st->err_buf.len == 0 ||
	    (res->stderr_text = malloc(st->err_buf.len + 1)) == NULL)
		return;
	memcpy(res->stderr_text, st->err_buf.data, st->err_buf.len);
	res->stderr_text[st->err_buf.len] = '\0';
	res->stderr_len = st->err_buf.len;
}

/* Detached runs whose reaper has not finished. */
static pthread_mutex_t child_reapers_lock = PTHREAD_MUTEX_INITIALIZER;
static long child_reapers_live;
static pthread_once_t child_reapers_once = PTHREAD_ONCE_INIT;

/* At exit: wait for the reapers, so that no directory and no child
 * outlives a process that ends by returning from main. */
static void
child_reapers_at_exit(void)
{
	child_wait_reapers(CHILD_EXIT_WAIT_MS);
}

static void
child_reapers_register(void)
{
	(void)atexit(child_reapers_at_exit);
}

void
child_wait_reapers(long max_ms)
{
	long long until = hub_time_mono_ms() + max_ms;

	pthread_mutex_lock(&child_reapers_lock);
	while (child_reapers_live > 0 && hub_time_mono_ms() < until) {
		pthread_mutex_unlock(&child_reapers_lock);
		(void)poll(NULL, 0, 5);
		pthread_mutex_lock(&child_reapers_lock);
	}
	pthread_mutex_unlock(&child_reapers_lock);
}

/* The reaper of a detached run: finish the stop (grace, SIGKILL), take
 * what is left of the output, reap, remove the directory, free. */
static void *
child_reaper_main(void *arg)
{
	struct child_proc *proc = arg;

	(void)child_loop(&proc->st, proc->buf);
	child_close(&proc->st.in_fd);
	child_finish(&proc->st, proc->buf);
	if (proc->remove_dir != NULL && workdir_remove(proc->remove_dir) < 0)
		hub_log(HUB_LOG_WARN, "child", "cannot remove a work directory: %s", strerror(errno));
	child_proc_free(proc);
	pthread_mutex_lock(&child_reapers_lock);
	child_reapers_live--;
	pthread_mutex_unlock(&child_reapers_lock);
	return NULL;
}

/* Hand the rest of a stopped run to a reaper thread. 0, or -1 when no
 * thread could be started (then the caller finishes it). */
static int
child_detach(struct child_proc *proc, const char *remove_dir)
{
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	int rc;

	/* the run's callbacks and buffers are the caller's: none after this */
	proc->limits.on_stdout = NULL;
	proc->limits.on_stderr = NULL;
	proc->limits.on_idle = NULL;
	proc->limits.on_tick = NULL;
	proc->limits.stdin_more = NULL;
	proc->limits.watch_fd = -1;
	proc->st.res = &proc->res;
	proc->res.pid = proc->st.pid;
	if (remove_dir != NULL && (proc->remove_dir = strdup(remove_dir)) == NULL)
		return -1;
	if (pthread_attr_init(&attr) != 0)
		return -1;
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void)pthread_attr_setstacksize(&attr, CHILD_REAPER_STACK_BYTES);
	(void)pthread_once(&child_reapers_once, child_reapers_register);
	pthread_mutex_lock(&child_reapers_lock);
	child_reapers_live++;
	pthread_mutex_unlock(&child_reapers_lock);
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&tid, &attr, child_reaper_main, proc);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_lock(&child_reapers_lock);
		child_reapers_live--;
		pthread_mutex_unlock(&child_reapers_lock);
		free(proc->remove_dir);
		proc->remove_dir = NULL;
		return -1;
	}
	return 0;
}

int
child_run_started(struct child_proc *proc, const struct child_spec *spec, struct child_result *res)
{
	struct child_spec *l = &proc->limits;
	struct child_run_state *st = &proc->st;
	sigset_t pipe_set, old_mask, pending;
	int rc, sigpipe_was_pending = 0, detached = 0, got_epipe = 0;

	memset(res, 0, sizeof(*res));
	res->first_output_ms = -1;
	res->pid = st->pid;
	/* this run's stdin, deadline, callbacks; the limits stay the spawn's */
	l->stdin_data = spec->stdin_data;
	l->stdin_len = spec->stdin_len;
	l->stdin_more = spec->stdin_more;
	l->timeout_ms = spec->timeout_ms;
	l->kill_grace_ms = spec->kill_grace_ms;
	l->max_stdout_bytes = spec->max_stdout_bytes;
	l->watch_fd = spec->watch_fd;
	l->idle_tick_ms = spec->idle_tick_ms;
	l->on_stdout = spec->on_stdout;
	l->on_stderr = spec->on_stderr;
	l->on_idle = spec->on_idle;
	l->arg = spec->arg;
	l->tick_ms = spec->tick_ms;
	l->on_tick = spec->on_tick;
	l->tick_arg = spec->tick_arg;
	l->detach_on_stop = spec->detach_on_stop;
	st->res = res;
	/* A write to a stdin pipe the child closed must give EPIPE, not kill
	 * the calling process: block SIGPIPE in this thread for the run. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	(void)pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
		sigpipe_was_pending = 1;

	/* a child started ahead: its times count from the request */
	st->start_ms = hub_time_mono_ms();
	st->in_data = l->stdin_data;
	st->in_left = l->stdin_data != NULL ? l->stdin_len : 0;
	st->max_stdout = l->max_stdout_bytes ? l->max_stdout_bytes : HUB_DEFAULT_MAX_OUTPUT_BYTES;
	st->deadline_ms = l->timeout_ms > 0 ? st->start_ms + l->timeout_ms : 0;
	st->last_output_ms = st->start_ms;
	st->next_tick_ms = st->start_ms + l->tick_ms;
	st->next_rss_ms = 0;
	if (st->in_left == 0 && l->stdin_more == NULL)
		child_close(&st->in_fd);

	rc = child_loop(st, proc->buf);
	if (rc == CHILD_LOOP_DETACH) {
		rc = HUB_OK;
		res->duration_ms = (long)(hub_time_mono_ms() - st->start_ms);
		child_take_written_stderr(st, proc->buf);
		child_copy_stderr(st, res);   /* before the reaper owns st */
		got_epipe = st->got_epipe;
		if (child_detach(proc, spec->remove_dir) == 0) {
			detached = 1;
			res->detached = 1;
		} else {
			st->res = res;
			(void)child_loop(st, proc->buf);
		}
	}
	if (!detached) {
		child_close(&st->in_fd);
		child_finish(st, proc->buf); /* kills the rest of the group, reaps */
		child_copy_stderr(st, res);
		got_epipe = st->got_epipe;
	}
	if (got_epipe && !sigpipe_was_pending) {
#ifdef HAVE_SIGTIMEDWAIT
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
#else
		/* macOS: sigwait() returns at once while SIGPIPE is pending */
		int sig;

		if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
			(void)sigwait(&pipe_set, &sig);
#endif
	}
	(void)pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	if (!detached)
		child_proc_free(proc);
	return rc;
}

int
child_run(const struct child_spec *spec, struct child_result *res)
{
	struct child_proc *proc = NULL;
	struct child_spec start = *spec;
	int rc;

	start.stdin_data = NULL;   /* all of it comes in the run */
	start.stdin_len = 0;
	if ((rc = child_start_ahead(&start, &proc, res)) != HUB_OK)
		return rc;
	return child_run_started(proc, spec, res);
}

void
child_result_free(struct child_result *res)
{
	if (res == NULL)
		return;
	free(res->stderr_text);
	res->stderr_text = NULL;
	res->stderr_len = 0;
}
