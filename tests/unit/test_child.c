/*
 * test_child.c - child_run() and workdir_*() against real small programs.
 *
 * The children are programs found on every Debian machine (/bin/sh -c is
 * used here, in tests only, to script their behaviour). Every case that
 * makes sense on a terminal runs twice: with pipes and with a PTY.
 * The test checks at the end that it leaks no descriptor and no zombie.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "common/hub_time.h"
#include "providers/child.h"
#include "providers/workdir.h"
#include "tap.h"

/* Extra time allowed on top of any expected duration (valgrind is slow). */
#define SLACK_MS 800

static char g_base[PATH_MAX];    /* private base directory of this test */
static char g_cwd[PATH_MAX + 64];     /* an empty work directory for children */
static char *g_env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

struct capture {
	struct hub_buf out;
	struct hub_buf err;
	size_t err_total;
	int idle_calls;
	int idle_stop_after;     /* on_idle returns -1 on this call; 0: never */
	size_t stop_after_bytes; /* on_stdout returns -1 past this; 0: never */
};

static int
cap_stdout(void *arg, const char *data, size_t len)
{
	struct capture *c = arg;

	if (hub_buf_append(&c->out, data, len) != HUB_OK)
		return -1;
	if (c->stop_after_bytes > 0 && c->out.len >= c->stop_after_bytes)
		return -1;
	return 0;
}

static int
cap_stderr(void *arg, const char *data, size_t len)
{
	struct capture *c = arg;

	c->err_total += len;
	(void)hub_buf_append(&c->err, data, len);
	return 0;
}

static int
cap_idle(void *arg)
{
	struct capture *c = arg;

	c->idle_calls++;
	if (c->idle_stop_after > 0 && c->idle_calls >= c->idle_stop_after)
		return -1;
	return 0;
}

static void
cap_init(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	hub_buf_init(&c->out, 0);
	hub_buf_init(&c->err, 0);
}

static void
cap_free(struct capture *c)
{
	hub_buf_free(&c->out);
	hub_buf_free(&c->err);
}

static const char *
cap_text(const struct capture *c)
{
	return c->out.data ? c->out.data : "";
}

/* A spec with the usual defaults, capturing into c. */
static void
spec_init(struct child_spec *s, struct capture *c, int use_pty)
{
	memset(s, 0, sizeof(*s));
	s->envp = g_env;
	s->cwd = g_cwd;
	s->use_pty = use_pty;
	s->timeout_ms = 10000;
	s->kill_grace_ms = 300;
	s->watch_fd = -1;
	s->on_stdout = cap_stdout;
	s->on_stderr = cap_stderr;
	s->on_idle = cap_idle;
	s->arg = c;
}

/* Run /bin/sh -c script. Returns child_run()'s code. */
static int
run_sh(struct child_spec *s, const char *script, struct child_result *res)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };

	s->path = "/bin/sh";
	s->argv = argv;
	return child_run(s, res);
}

static const char *
mode_name(int use_pty)
{
	return use_pty ? "pty" : "pipe";
}

/* Number of open descriptors of this process. */
static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

/* 1 when pid no longer runs: gone, or a zombie left to init to reap.
 * Waits up to 1 s for it to go. */
static int
pid_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	long long until = hub_time_mono_ms() + 1000;
	FILE *f;

	if (pid <= 0)
		return 0;
	for (;;) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 1;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if ((f = fopen(path, "r")) != NULL) {
			p = fgets(buf, sizeof(buf), f);
			fclose(f);
			if (p != NULL && (p = strrchr(buf, ')')) != NULL &&
			    (p[2] == 'Z' || p[2] == 'X'))
				return 1;
		}
		if (hub_time_mono_ms() > until)
			return 0;
		usleep(10000);
	}
}

/* ------------------------------------------------------------------ */

static void
test_stdout_exact(int pty)
{
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int rc;

	cap_init(&c);
	spec_init(&s, &c, pty);
	rc = run_sh(&s, "printf 'hello\\nworld\\n'; printf 'tab\\there'", &r);
	is_int(rc, HUB_OK, "%s: printf runs", mode_name(pty));
	is_str(cap_text(&c), "hello\nworld\ntab\there", "%s: stdout exact (raw, no \\r)", mode_name(pty));
	is_int(r.stdout_bytes, 20, "%s: stdout_bytes", mode_name(pty));
	ok(r.exited && r.exit_code == 0 && r.term_signal == 0, "%s: exit 0", mode_name(pty));
	ok(r.first_output_ms >= 0 && r.first_output_ms <= r.duration_ms, "%s: first_output_ms %ld",
	    mode_name(pty), r.first_output_ms);
	ok(!r.timed_out && !r.watch_fired && !r.output_capped && !r.stopped && r.spawn_errno == 0,
	    "%s: no stop flags", mode_name(pty));
	ok(r.pid > 0 && pid_gone(r.pid), "%s: child reaped", mode_name(pty));
	ok(r.stderr_text == NULL && r.stderr_len == 0, "%s: no stderr", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);

	/* no output at all */
	cap_init(&c);
	spec_init(&s, &c, pty);
	rc = run_sh(&s, "exit 0", &r);
	ok(rc == HUB_OK && c.out.len == 0 && r.first_output_ms == -1 && r.stdout_bytes == 0,
	    "%s: silent child: no output, first_output_ms -1", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);
}

static void
test_exit_status(int pty)
{
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int rc;

	cap_init(&c);
	spec_init(&s, &c, pty);
	rc = run_sh(&s, "exit 7", &r);
	ok(rc == HUB_OK && r.exited && r.exit_code == 7 && r.term_signal == 0,
	    "%s: exit code 7 reported", mode_name(pty));
	child_result_free(&r);

	rc = run_sh(&s, "exit 127", &r);
	ok(rc == HUB_OK && r.exited && r.exit_code == 127 && r.spawn_errno == 0,
	    "%s: a child exiting 127 is not a spawn failure", mode_name(pty));
	child_result_free(&r);

	rc = run_sh(&s, "kill -USR1 $$; sleep 5", &r);
	ok(rc == HUB_OK && !r.exited && r.term_signal == SIGUSR1,
	    "%s: term_signal SIGUSR1 reported (got %d)", mode_name(pty), r.term_signal);
	child_result_free(&r);
	cap_free(&c);
}

/* Bytes of every value, including \r \n ^C ^D and NUL. */
static char *
make_data(size_t len)
{
	char *p = malloc(len);
	unsigned x = 12345;
	size_t i;

	if (p == NULL)
		abort();
	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (char)(x >> 16);
	}
	return p;
}

static void
test_stdin_cat(int pty)
{
	size_t len = 2u * 1024u * 1024u;
	char *data = make_data(len);
	char *argv[] = { "cat", NULL };
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int rc;

	cap_init(&c);
	spec_init(&s, &c, pty);
	s.path = "/bin/cat";
	s.argv = argv;
	s.stdin_data = data;
	s.stdin_len = len;
	s.max_stdout_bytes = 4u * 1024u * 1024u;
	rc = child_run(&s, &r);
	if (!ok(rc == HUB_OK && r.exited && r.exit_code == 0, "%s: cat of 2 MB exits 0", mode_name(pty)))
		printf("#   rc %d exited %d code %d signal %d timed_out %d stopped %d capped %d "
		    "spawn_errno %d duration %ld ms stderr \"%s\"\n", rc, r.exited, r.exit_code,
		    r.term_signal, r.timed_out, r.stopped, r.output_capped, r.spawn_errno,
		    r.duration_ms, r.stderr_text ? r.stderr_text : "");
	ok(c.out.len == len && memcmp(c.out.data, data, len) == 0,
	    "%s: 2 MB of all byte values echoed back unchanged (%zu bytes)", mode_name(pty), c.out.len);
	child_result_free(&r);
	cap_free(&c);
	free(data);
}

static void
test_write_before_read(int pty)
{
	size_t len = 1024u * 1024u;
	char *data = make_data(len);
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int rc;

	/* The child writes 2 MB before it reads any of its 1 MB of stdin. */
	cap_init(&c);
	spec_init(&s, &c, pty);
	s.stdin_data = data;
	s.stdin_len = len;
	rc = run_sh(&s, "head -c 2000000 /dev/zero; wc -c", &r);
	ok(rc == HUB_OK && r.exited && r.exit_code == 0, "%s: writer-first child exits 0", mode_name(pty));
	ok(c.out.len == 2000000 + 8 && strcmp(c.out.data + 2000000, "1048576\n") == 0,
	    "%s: no deadlock: 2 MB out, then all 1 MB of stdin counted", mode_name(pty));
	child_result_free(&r);

	/* The child never reads stdin and exits: EPIPE, not SIGPIPE. */
	rc = run_sh(&s, "exec 0<&-; echo bye", &r);
	ok(rc == HUB_OK && r.exited && r.exit_code == 0, "%s: child closing stdin early: run ok", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);
	free(data);
}

/* A conversation over stdin: each "got X" line the child prints makes the
 * callback queue the next line; stdin stays open between them. */
struct talk {
	struct capture c;
	struct hub_buf more;
	int step;
};

static int
talk_stdout(void *arg, const char *data, size_t len)
{
	struct talk *t = arg;
	static const char *const next[] = { "two\n", "end\n" };

	if (cap_stdout(&t->c, data, len) < 0)
		return -1;
	while (t->step < 2 && strstr(cap_text(&t->c), t->step == 0 ? "got one" : "got two") != NULL)
		if (hub_buf_puts(&t->more, next[t->step++]) != HUB_OK)
			return -1;
	return 0;
}

static void
test_stdin_more(int pty)
{
	static const char script[] =
	    "while read l; do echo \"got $l\"; [ \"$l\" = end ] && exit 0; done; echo eof; exit 3";
	struct talk t;
	struct child_spec s;
	struct child_result r;
	int rc;

	memset(&t, 0, sizeof(t));
	cap_init(&t.c);
	hub_buf_init(&t.more, 4096);
	spec_init(&s, &t.c, pty);
	s.on_stdout = talk_stdout;
	s.arg = &t;
	s.stdin_data = "one\n";
	s.stdin_len = 4;
	s.stdin_more = &t.more;
	rc = run_sh(&s, script, &r);
	ok(rc == HUB_OK && r.exited && r.exit_code == 0 && t.step == 2,
	    "%s: stdin_more: stdin stays open, queued lines reach the child in turn", mode_name(pty));
	ok(strstr(cap_text(&t.c), "got one") != NULL && strstr(cap_text(&t.c), "got two") != NULL &&
	    strstr(cap_text(&t.c), "got end") != NULL && strstr(cap_text(&t.c), "eof") == NULL,
	    "%s: stdin_more: the child saw one, two, end and no EOF", mode_name(pty));
	child_result_free(&r);

	/* without stdin_more the same child sees EOF after "one" */
	hub_buf_reset(&t.c.out);
	t.step = 0;
	s.stdin_more = NULL;
	rc = run_sh(&s, script, &r);
	ok(rc == HUB_OK && r.exited && r.exit_code == 3 && strstr(cap_text(&t.c), "eof") != NULL,
	    "%s: without stdin_more stdin is closed after stdin_data", mode_name(pty));
	child_result_free(&r);

	/* stdin kept open: the deadline still ends a child that waits for it */
	hub_buf_reset(&t.c.out);
	hub_buf_reset(&t.more);
	s.stdin_more = &t.more;
	s.on_stdout = cap_stdout;
	s.arg = &t.c;
	s.timeout_ms = 300;
	rc = run_sh(&s, "cat >/dev/null; echo eof", &r);
	ok(rc == HUB_OK && r.timed_out && !r.exited && strstr(cap_text(&t.c), "eof") == NULL,
	    "%s: stdin_more: a child waiting on the open stdin is stopped at the deadline", mode_name(pty));
	child_result_free(&r);

	/* the child closes stdin while bytes are queued: EPIPE, the queue dropped */
	hub_buf_reset(&t.c.out);
	s.timeout_ms = 10000;
	(void)hub_buf_puts(&t.more, "queued\n");
	rc = run_sh(&s, "exec 0<&-; sleep 0.2; echo bye", &r);
	ok(rc == HUB_OK && r.exited && r.exit_code == 0 && strstr(cap_text(&t.c), "bye") != NULL,
	    "%s: stdin_more: a child that closed its stdin ends normally", mode_name(pty));
	child_result_free(&r);
	hub_buf_free(&t.more);
	cap_free(&t.c);
}

static void
test_sigpipe_untouched(void)
{
	sigset_t mask, pending;

	sigemptyset(&mask);
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	sigpending(&pending);
	ok(!sigismember(&mask, SIGPIPE) && !sigismember(&pending, SIGPIPE),
	    "SIGPIPE neither left blocked nor pending after the runs");
}

static void
test_env_exact(void)
{
	char *argv[] = { "env", NULL };
	char *envp[] = { "A=1", "B=two words", "EMPTY=", NULL };
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int rc;

	setenv("HUB_TEST_LEAK", "must-not-appear", 1);
	cap_init(&c);
	spec_init(&s, &c, 0);
	s.path = "/usr/bin/env";
	s.argv = argv;
	s.envp = envp;
	rc = child_run(&s, &r);
	ok(rc == HUB_OK, "env runs");
	is_str(cap_text(&c), "A=1\nB=two words\nEMPTY=\n", "environment is exactly envp");
	child_result_free(&r);
	cap_free(&c);

	cap_init(&c);
	s.envp = (char *[]){ NULL };
	s.arg = &c;
	rc = child_run(&s, &r);
	ok(rc == HUB_OK && c.out.len == 0, "an empty envp gives an empty environment");
	child_result_free(&r);
	cap_free(&c);
}

static void
test_cwd(int pty)
{
	char *argv[] = { "pwd", NULL };
	char want[PATH_MAX + 128];
	struct capture c;
	struct child_spec s;
	struct child_result r;

	cap_init(&c);
	spec_init(&s, &c, pty);
	s.path = "/bin/pwd";
	s.argv = argv;
	snprintf(want, sizeof(want), "%s\n", g_cwd);
	ok(child_run(&s, &r) == HUB_OK, "%s: pwd runs", mode_name(pty));
	is_str(cap_text(&c), want, "%s: cwd honoured", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);
}

static void
test_fds_closed(int pty)
{
	char *argv[] = { "ls", "-1", "/proc/self/fd", NULL };
	int leak = open("/dev/null", O_RDONLY); /* not close-on-exec */
	int p[2];
	struct capture c;
	struct child_spec s;
	struct child_result r;

	ok(leak >= 0 && pipe(p) == 0, "%s: opened inheritable fds", mode_name(pty));
	cap_init(&c);
	spec_init(&s, &c, pty);
	s.path = "/bin/ls";
	s.argv = argv;
	ok(child_run(&s, &r) == HUB_OK, "%s: ls runs", mode_name(pty));
	/* 3 is ls's own handle on the directory */
	is_str(cap_text(&c), "0\n1\n2\n3\n", "%s: only 0, 1, 2 open in the child", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);
	close(leak);
	close(p[0]);
	close(p[1]);
}

static void
test_signals_reset(int pty)
{
	char *argv[] = { "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL };
	struct sigaction ign, old_int;
	sigset_t usr1, old_mask;
	struct capture c;
	struct child_spec s;
	struct child_result r;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, &old_mask);

	cap_init(&c);
	spec_init(&s, &c, pty);
	s.path = "/bin/grep";
	s.argv = argv;
	ok(child_run(&s, &r) == HUB_OK, "%s: grep runs", mode_name(pty));
	is_str(cap_text(&c), "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n",
	    "%s: no signal blocked or ignored in the child", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);

	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGINT, &old_int, NULL);
}

/* The child leads its own session and process group. */
static void
test_session_leader(int pty)
{
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int pid = 0, pgrp = -1, sid = -2;
	const char *p;

	cap_init(&c);
	spec_init(&s, &c, pty);
	ok(run_sh(&s, "cat /proc/$$/stat", &r) == HUB_OK, "%s: stat read", mode_name(pty));
	p = c.out.data ? strrchr(c.out.data, ')') : NULL;
	ok(p != NULL && sscanf(p, ") %*c %*d %d %d", &pgrp, &sid) == 2 &&
	    sscanf(c.out.data, "%d", &pid) == 1, "%s: stat parsed", mode_name(pty));
	ok(pid == r.pid && pgrp == pid && sid == pid,
	    "%s: pid %d leads its group %d and session %d", mode_name(pty), pid, pgrp, sid);
	child_result_free(&r);
	cap_free(&c);
}

static void
test_pty_specifics(void)
{
	struct capture c;
	struct child_spec s;
	struct child_result r;

	cap_init(&c);
	spec_init(&s, &c, 1);
	s.stdin_data = "input\n";
	s.stdin_len = 6;
	ok(run_sh(&s,
	    "test -t 0 && echo in-tty || echo in-pipe; "
	    "test -t 1 && echo out-tty || echo out-pipe; "
	    "test -t 2 && echo err-tty || echo err-pipe; "
	    "echo warning >&2; read line; echo \"got $line\"; "
	    "stty -a </dev/tty | tr ' ;' '\\n\\n' | grep -x -e -opost -e -icanon -e -echo -e -isig; "
	    "stty size </dev/tty", &r) == HUB_OK, "pty: probe runs");
	is_str(cap_text(&c),
	    "in-pipe\nout-tty\nerr-pipe\ngot input\n-opost\n-isig\n-icanon\n-echo\n50 200\n",
	    "pty: stdin and stderr are pipes, stdout a raw, silent tty of fixed size");
	is_str(r.stderr_text, "warning\n", "pty: stderr kept apart from the tty");
	child_result_free(&r);
	cap_free(&c);

	cap_init(&c);
	spec_init(&s, &c, 0);
	ok(run_sh(&s, "test -t 1 && echo out-tty || echo out-pipe", &r) == HUB_OK, "pipe: probe runs");
	is_str(cap_text(&c), "out-pipe\n", "pipe: stdout is not a tty");
	child_result_free(&r);
	cap_free(&c);
}

static void
test_spawn_failure(void)
{
	char *argv[] = { "x", NULL };
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int rc, fds = count_fds();

	cap_init(&c);
	spec_init(&s, &c, 0);
	s.path = "/nonexistent/program";
	s.argv = argv;
	rc = child_run(&s, &r);
	ok(rc == HUB_ERR_SPAWN && r.spawn_errno == ENOENT, "missing program: HUB_ERR_SPAWN, ENOENT (%d)",
	    r.spawn_errno);
	ok(r.pid <= 0 || pid_gone(r.pid), "missing program: the forked child was reaped");
	child_result_free(&r);

	s.path = "/etc/passwd";
	rc = child_run(&s, &r);
	ok(rc == HUB_ERR_SPAWN && r.spawn_errno == EACCES, "not executable: HUB_ERR_SPAWN, EACCES");
	child_result_free(&r);

	s.use_pty = 1;
	rc = child_run(&s, &r);
	ok(rc == HUB_ERR_SPAWN && r.spawn_errno == EACCES, "pty: not executable: HUB_ERR_SPAWN, EACCES");
	child_result_free(&r);
	s.use_pty = 0;

	s.path = "bin/sh";
	rc = child_run(&s, &r);
	ok(rc == HUB_ERR_SPAWN && r.spawn_errno == EINVAL && r.pid == -1,
	    "relative path refused without forking");
	child_result_free(&r);

	s.path = "/bin/true";
	s.cwd = "/nonexistent/dir";
	rc = child_run(&s, &r);
	ok(rc == HUB_ERR_SPAWN && r.spawn_errno == ENOENT, "missing cwd: HUB_ERR_SPAWN, ENOENT");
	child_result_free(&r);
	ok(c.out.len == 0, "no output from failed spawns");
	is_int(count_fds(), fds, "failed spawns leak no descriptor");
	cap_free(&c);
}

static void
test_deadline(int pty)
{
	char *argv[] = { "sleep", "30", NULL };
	struct capture c;
	struct child_spec s;
	struct child_result r;
	long long t0, ms;
	int rc;

	cap_init(&c);
	spec_init(&s, &c, pty);
	s.path = "/bin/sleep";
	s.argv = argv;
	s.timeout_ms = 300;
	s.kill_grace_ms = 300;
	t0 = hub_time_mono_ms();
	rc = child_run(&s, &r);
	ms = hub_time_mono_ms() - t0;
	ok(rc == HUB_OK && r.timed_out && r.term_signal == SIGTERM,
	    "%s: sleep 30 times out, ended by SIGTERM (%d)", mode_name(pty), r.term_signal);
	ok(ms >= 300 && ms < 300 + 300 + SLACK_MS, "%s: ended in %lld ms", mode_name(pty), ms);
	ok(pid_gone(r.pid), "%s: timed-out child is gone", mode_name(pty));
	child_result_free(&r);

	/* ignores SIGTERM (and so does its sleep): SIGKILL after the grace */
	t0 = hub_time_mono_ms();
	rc = run_sh(&s, "trap '' TERM; sleep 30; echo survived", &r);
	ms = hub_time_mono_ms() - t0;
	ok(rc == HUB_OK && r.timed_out && r.term_signal == SIGKILL,
	    "%s: TERM-ignoring child SIGKILLed after the grace (%d)", mode_name(pty), r.term_signal);
	ok(ms >= 600 && ms < 600 + SLACK_MS, "%s: ended in %lld ms", mode_name(pty), ms);
	ok(strstr(cap_text(&c), "survived") == NULL, "%s: it never got past the sleep", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);
}

/* First number the child printed. */
static pid_t
printed_pid(const struct capture *c)
{
	int pid = 0;

	if (c->out.data == NULL || sscanf(c->out.data, "%d", &pid) != 1)
		return 0;
	return (pid_t)pid;
}

static void
test_grandchildren(int pty)
{
	struct capture c;
	struct child_spec s;
	struct child_result r;
	long long t0, ms;
	pid_t g;
	int rc;

	/* leader waits on its grandchild: the deadline takes both */
	cap_init(&c);
	spec_init(&s, &c, pty);
	s.timeout_ms = 400;
	rc = run_sh(&s, "sleep 30 & echo $!; wait", &r);
	g = printed_pid(&c);
	ok(rc == HUB_OK && r.timed_out && g > 0, "%s: waiting leader timed out (grandchild %d)",
	    mode_name(pty), (int)g);
	ok(pid_gone(g), "%s: grandchild of a timed-out run is gone", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);

	/* leader exits at once, the grandchild keeps stdout open */
	cap_init(&c);
	spec_init(&s, &c, pty);
	t0 = hub_time_mono_ms();
	rc = run_sh(&s, "sleep 30 & echo $!; exit 3", &r);
	ms = hub_time_mono_ms() - t0;
	g = printed_pid(&c);
	ok(rc == HUB_OK && !r.timed_out && r.exited && r.exit_code == 3 && g > 0,
	    "%s: leader exit 3 reported while grandchild holds stdout", mode_name(pty));
	ok(ms < 1000 + SLACK_MS, "%s: no hang on the held pipe (%lld ms)", mode_name(pty), ms);
	ok(pid_gone(g), "%s: grandchild holding stdout is gone", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);

	/* leader exits, the grandchild let go of stdout and stderr */
	cap_init(&c);
	spec_init(&s, &c, pty);
	t0 = hub_time_mono_ms();
	rc = run_sh(&s, "sleep 30 </dev/null >/dev/null 2>&1 & echo $!", &r);
	ms = hub_time_mono_ms() - t0;
	g = printed_pid(&c);
	ok(rc == HUB_OK && r.exited && r.exit_code == 0 && g > 0 && ms < 1000 + SLACK_MS,
	    "%s: detached grandchild: run ends at once (%lld ms)", mode_name(pty), ms);
	ok(pid_gone(g), "%s: detached grandchild is gone", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);

	/* leader closes its stdout and lives on; the grandchild keeps the pipe */
	cap_init(&c);
	spec_init(&s, &c, pty);
	s.timeout_ms = 500;
	rc = run_sh(&s, "sleep 30 & echo $!; exec >&-; sleep 30", &r);
	g = printed_pid(&c);
	ok(rc == HUB_OK && r.timed_out && g > 0, "%s: leader without stdout timed out", mode_name(pty));
	ok(pid_gone(g), "%s: its grandchild is gone", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);
}

static void
test_output_cap(int pty)
{
	char *argv[] = { "yes", "0123456789", NULL };
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int rc;

	cap_init(&c);
	spec_init(&s, &c, pty);
	s.path = "/usr/bin/yes";
	s.argv = argv;
	s.max_stdout_bytes = 100000;
	rc = child_run(&s, &r);
	ok(rc == HUB_OK && r.output_capped && !r.exited && r.term_signal == SIGTERM,
	    "%s: yes stopped by the output cap", mode_name(pty));
	ok(c.out.len == 100000 && r.stdout_bytes == 100000,
	    "%s: exactly the cap delivered (%zu)", mode_name(pty), c.out.len);
	ok(pid_gone(r.pid), "%s: capped child gone", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);

	/* a callback that asks to stop */
	cap_init(&c);
	spec_init(&s, &c, pty);
	s.path = "/usr/bin/yes";
	s.argv = argv;
	c.stop_after_bytes = 5000;
	rc = child_run(&s, &r);
	ok(rc == HUB_OK && r.stopped && !r.output_capped && r.term_signal == SIGTERM,
	    "%s: on_stdout < 0 stops the run", mode_name(pty));
	ok(c.out.len >= 5000 && c.out.len < 5000 + 16384 + 1,
	    "%s: nothing delivered after the stop (%zu)", mode_name(pty), c.out.len);
	child_result_free(&r);
	cap_free(&c);
}

struct closer {
	int fd;
	long delay_ms;
	long long closed_at_ms;
};

static void *
closer_thread(void *arg)
{
	struct closer *cl = arg;

	usleep((useconds_t)cl->delay_ms * 1000);
	cl->closed_at_ms = hub_time_mono_ms();
	close(cl->fd);
	return NULL;
}

static void
test_watch_fd(int pty, const char *script)
{
	struct capture c;
	struct child_spec s;
	struct child_result r;
	struct closer cl;
	pthread_t th;
	int p[2], rc;
	long long done_ms;

	if (pipe(p) != 0) {
		ok(0, "pipe");
		return;
	}
	cl.fd = p[1];
	cl.delay_ms = 300;
	cl.closed_at_ms = 0;
	cap_init(&c);
	spec_init(&s, &c, pty);
	s.watch_fd = p[0];
	s.kill_grace_ms = 500;
	s.timeout_ms = 30000;
	pthread_create(&th, NULL, closer_thread, &cl);
	rc = run_sh(&s, script, &r);
	done_ms = hub_time_mono_ms();
	pthread_join(th, NULL);
	ok(rc == HUB_OK && r.watch_fired && !r.timed_out, "%s: watch_fd fired for `%s`",
	    mode_name(pty), script);
	ok(done_ms - cl.closed_at_ms < 1000, "%s: stopped %lld ms after the client went away",
	    mode_name(pty), done_ms - cl.closed_at_ms);
	ok(pid_gone(r.pid), "%s: child gone", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);
	close(p[0]);
}

static void
test_idle(int pty)
{
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int rc;

	cap_init(&c);
	spec_init(&s, &c, pty);
	s.idle_tick_ms = 100;
	rc = run_sh(&s, "sleep 0.45; echo x; sleep 0.45", &r);
	ok(rc == HUB_OK && r.exited && r.exit_code == 0, "%s: idle child runs", mode_name(pty));
	ok(c.idle_calls >= 4 && c.idle_calls <= 10, "%s: on_idle called %d times in 0.9 s of silence",
	    mode_name(pty), c.idle_calls);
	child_result_free(&r);
	cap_free(&c);

	cap_init(&c);
	spec_init(&s, &c, pty);
	s.idle_tick_ms = 100;
	c.idle_stop_after = 2;
	rc = run_sh(&s, "sleep 30", &r);
	ok(rc == HUB_OK && r.stopped && c.idle_calls == 2 && r.duration_ms < 200 + 300 + SLACK_MS,
	    "%s: on_idle < 0 stops the run (%ld ms)", mode_name(pty), r.duration_ms);
	child_result_free(&r);
	cap_free(&c);

	cap_init(&c);
	spec_init(&s, &c, pty);
	s.idle_tick_ms = 0;
	rc = run_sh(&s, "sleep 0.3", &r);
	ok(rc == HUB_OK && c.idle_calls == 0, "%s: idle_tick_ms 0: never idle", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);
}

static void
test_stderr(int pty)
{
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int rc;

	cap_init(&c);
	spec_init(&s, &c, pty);
	rc = run_sh(&s, "echo out; echo err1 >&2; exit 3", &r);
	ok(rc == HUB_OK && r.exit_code == 3, "%s: stderr child runs", mode_name(pty));
	is_str(cap_text(&c), "out\n", "%s: stdout without stderr", mode_name(pty));
	is_str(r.stderr_text, "err1\n", "%s: stderr kept", mode_name(pty));
	is_int(r.stderr_len, 5, "%s: stderr_len", mode_name(pty));
	is_str(c.err.data, "err1\n", "%s: on_stderr saw it", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);

	cap_init(&c);
	spec_init(&s, &c, pty);
	s.max_stderr_bytes = 1000;
	rc = run_sh(&s, "head -c 300000 /dev/zero | tr '\\0' e >&2; echo done", &r);
	ok(rc == HUB_OK && r.exited && r.exit_code == 0, "%s: 300 KB of stderr: no deadlock",
	    mode_name(pty));
	is_str(cap_text(&c), "done\n", "%s: stdout intact", mode_name(pty));
	ok(r.stderr_len == 1000 && r.stderr_text != NULL && strlen(r.stderr_text) == 1000,
	    "%s: stderr capped at 1000 (%zu)", mode_name(pty), r.stderr_len);
	is_int(c.err_total, 300000, "%s: on_stderr got it all", mode_name(pty));
	child_result_free(&r);
	cap_free(&c);
}

static void
test_rlimits(void)
{
	struct capture c;
	struct child_spec s;
	struct child_result r;

	const char *preload = getenv("LD_PRELOAD");
	int rc;

	cap_init(&c);
	spec_init(&s, &c, 0);
	s.rlimit_nofile = 64;
	s.rlimit_cpu_s = 5;
	rc = run_sh(&s, "ulimit -n; ulimit -t", &r);
	if (preload != NULL && strstr(preload, "vgpreload") != NULL) {
		/* valgrind refuses RLIMIT_NOFILE changes before the exec */
		ok(rc == HUB_ERR_SPAWN, "# SKIP rlimits under valgrind (spawn_errno %d)", r.spawn_errno);
		ok(1, "# SKIP rlimits under valgrind");
	} else {
		ok(rc == HUB_OK, "rlimit child runs");
		is_str(cap_text(&c), "64\n5\n", "RLIMIT_NOFILE and RLIMIT_CPU applied");
	}
	child_result_free(&r);
	cap_free(&c);
}

struct par_job {
	int index;
	int ok;
};

static void *
par_thread(void *arg)
{
	struct par_job *job = arg;
	char script[128], want[64];
	struct capture c;
	struct child_spec s;
	struct child_result r;
	int i;

	job->ok = 1;
	for (i = 0; i < 5; i++) {
		snprintf(script, sizeof(script), "sleep 0.0%d; echo job %d run %d; exit %d",
		    job->index, job->index, i, job->index + i);
		snprintf(want, sizeof(want), "job %d run %d\n", job->index, i);
		cap_init(&c);
		spec_init(&s, &c, (job->index + i) % 2);
		if (run_sh(&s, script, &r) != HUB_OK || strcmp(cap_text(&c), want) != 0 ||
		    !r.exited || r.exit_code != job->index + i)
			job->ok = 0;
		child_result_free(&r);
		cap_free(&c);
	}
	return NULL;
}

static void
test_parallel(void)
{
	struct par_job jobs[6];
	pthread_t th[6];
	int i, all = 1;

	for (i = 0; i < 6; i++) {
		jobs[i].index = i;
		pthread_create(&th[i], NULL, par_thread, &jobs[i]);
	}
	for (i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		all = all && jobs[i].ok;
	}
	ok(all, "6 threads x 5 runs, pipe and pty mixed: each got its own output and exit code");
}

/* ------------------------------------------------------------------ */

static int
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

static void
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		(void)write(fd, "x", 1);
		close(fd);
	}
}

static void
test_workdir(void)
{
	char base[PATH_MAX + 64], dir[PATH_MAX + 128], p[PATH_MAX + 256], outside[PATH_MAX + 64];
	char small[16];
	struct stat sb;
	int rc;

	snprintf(base, sizeof(base), "%s/wd/a/b", g_base);
	rc = workdir_create(base, "req-", dir, sizeof(dir));
	ok(rc == HUB_OK, "workdir_create with missing parents");
	ok(stat(base, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0700,
	    "base created 0700");
	snprintf(p, sizeof(p), "%s/wd/a", g_base);
	ok(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0700, "parents created 0700");
	snprintf(p, sizeof(p), "%s/req-%ld.", base, (long)getpid());
	ok(strncmp(dir, p, strlen(p)) == 0 && strlen(dir) > strlen(p) + 7 &&
	    dir[strlen(dir) - 7] == '-', "path is base/req-<owner>-XXXXXX: %s", dir);
	ok(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0700,
	    "workdir is a 0700 directory");

	/* a tree with files, nesting, symlinks out, and an unreadable dir */
	snprintf(outside, sizeof(outside), "%s/outside", g_base);
	mkdir(outside, 0700);
	snprintf(p, sizeof(p), "%s/outside/keep", g_base);
	touch(p);
	snprintf(p, sizeof(p), "%s/f", dir);
	touch(p);
	snprintf(p, sizeof(p), "%s/d1", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/d1/d2", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/d1/d2/g", dir);
	touch(p);
	snprintf(p, sizeof(p), "%s/link-dir", dir);
	ok(symlink(outside, p) == 0, "symlink to a directory outside");
	snprintf(p, sizeof(p), "%s/d1/link-file", dir);
	snprintf(outside, sizeof(outside), "%s/outside/keep", g_base);
	ok(symlink(outside, p) == 0, "symlink to a file outside");
	snprintf(p, sizeof(p), "%s/locked", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/locked/inner", dir);
	touch(p);
	snprintf(p, sizeof(p), "%s/locked", dir);
	chmod(p, 0);

	rc = workdir_remove(dir);
	ok(rc == HUB_OK, "workdir_remove of the tree");
	ok(!exists(dir), "tree gone");
	ok(exists(outside), "symlink target file survives");
	snprintf(p, sizeof(p), "%s/outside", g_base);
	ok(exists(p), "symlink target directory survives");
	ok(workdir_remove(dir) == HUB_OK, "removing a missing directory is fine");

	memset(small, 'x', sizeof(small));
	rc = workdir_create(base, "req-", small, sizeof(small));
	ok(rc == HUB_ERR_TOO_LARGE && small[0] == '\0', "path too long: HUB_ERR_TOO_LARGE");
	rc = workdir_create(base, "a/b", dir, sizeof(dir));
	ok(rc == HUB_ERR_SYSTEM, "prefix with a slash refused");
	snprintf(p, sizeof(p), "%s/outside/keep/sub", g_base);
	rc = workdir_create(p, "x-", dir, sizeof(dir));
	ok(rc == HUB_ERR_SYSTEM && errno == ENOTDIR, "base below a file: HUB_ERR_SYSTEM");
}

/* A child started ahead waits, with the first stdin piece, for its run;
 * the run's stdin follows and its times count from the run. */
static void
test_start_ahead(int use_pty)
{
	char *argv[] = { "sh", "-c", "read a; read b; echo \"[$a][$b]\"", NULL };
	struct child_proc *proc = NULL;
	struct child_result res;
	struct child_spec s;
	struct capture c;
	int rc;

	cap_init(&c);
	spec_init(&s, &c, use_pty);
	s.path = "/bin/sh";
	s.argv = argv;
	s.stdin_data = "first\n";
	s.stdin_len = 6;
	rc = child_start_ahead(&s, &proc, &res);
	ok(rc == HUB_OK && proc != NULL && child_proc_pid(proc) > 0, "%s: started ahead", mode_name(use_pty));
	usleep(300 * 1000);
	ok(child_proc_alive(proc), "%s: it waits for its run", mode_name(use_pty));
	ok(child_proc_rss_kb(proc) > 0, "%s: its memory is seen", mode_name(use_pty));
	s.stdin_data = "second\n";
	s.stdin_len = 7;
	rc = child_run_started(proc, &s, &res);
	ok(rc == HUB_OK && res.exited && res.exit_code == 0 && strstr(cap_text(&c), "[first][second]") != NULL,
	    "%s: the run's stdin follows the first piece (%s)", mode_name(use_pty), cap_text(&c));
	ok(res.duration_ms < 300, "%s: its duration counts from the run (%ld ms)", mode_name(use_pty),
	    res.duration_ms);
	child_result_free(&res);
	cap_free(&c);

	/* stopped without a run: group killed, reaped */
	cap_init(&c);
	spec_init(&s, &c, use_pty);
	s.path = "/bin/sh";
	s.argv = argv;
	proc = NULL;
	(void)child_start_ahead(&s, &proc, &res);
	child_proc_stop(proc);
	ok(waitpid(-1, NULL, WNOHANG) <= 0, "%s: a stopped warm child is reaped", mode_name(use_pty));
	cap_free(&c);
}

/* stop_after_bytes stops the run; with detach_on_stop child_run returns
 * before the child (which ignores SIGTERM) is gone, and the reaper kills
 * it after the grace period, reaps it and removes the directory. */
static void
test_detach(void)
{
	char dir[PATH_MAX + 64], *argv[] = { "sh", "-c", "trap '' TERM; echo done; exec sleep 30", NULL };
	struct child_result res;
	struct child_spec s;
	struct capture c;
	long long t0;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/detached", g_base);
	mkdir(dir, 0700);
	cap_init(&c);
	spec_init(&s, &c, 0);
	c.stop_after_bytes = 1;
	s.path = "/bin/sh";
	s.argv = argv;
	s.kill_grace_ms = 300;
	s.detach_on_stop = 1;
	s.remove_dir = dir;
	t0 = hub_time_mono_ms();
	ok(child_run(&s, &res) == HUB_OK && res.detached && res.stopped, "detach: the run is handed over");
	pid = res.pid;
	ok(hub_time_mono_ms() - t0 < 250, "detach: child_run returns before the grace period (%lld ms)",
	    hub_time_mono_ms() - t0);
	ok(kill(pid, 0) == 0, "detach: the child still runs then");
	child_wait_reapers(5000);
	ok(kill(pid, 0) < 0 && errno == ESRCH, "detach: then it is killed and reaped");
	ok(access(dir, F_OK) < 0, "detach: and the directory is removed after it");
	child_result_free(&res);
	cap_free(&c);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	int fds_before, pty, status;

	snprintf(tmpl, sizeof(tmpl), "%s/test_child.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(tmpl) == NULL || realpath(tmpl, g_base) == NULL) {
		printf("Bail out! cannot make a temporary directory\n");
		return 1;
	}
	snprintf(g_cwd, sizeof(g_cwd), "%s/cwd", g_base);
	mkdir(g_cwd, 0700);

	fds_before = count_fds();

	for (pty = 0; pty <= 1; pty++) {
		test_stdout_exact(pty);
		test_exit_status(pty);
		test_stdin_cat(pty);
		test_write_before_read(pty);
		test_stdin_more(pty);
		test_cwd(pty);
		test_fds_closed(pty);
		test_signals_reset(pty);
		test_session_leader(pty);
		test_deadline(pty);
		test_grandchildren(pty);
		test_output_cap(pty);
		test_watch_fd(pty, "sleep 30");
		test_watch_fd(pty, "trap '' TERM; sleep 30");
		test_idle(pty);
		test_stderr(pty);
	}
	test_start_ahead(0);
	test_start_ahead(1);
	test_detach();
	test_sigpipe_untouched();
	test_env_exact();
	test_pty_specifics();
	test_spawn_failure();
	test_rlimits();
	test_parallel();
	test_workdir();

	is_int(count_fds(), fds_before, "no descriptor leaked");
	ok(waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD, "no child left, no zombie");

	workdir_remove(g_base);
	ok(!exists(g_base), "test directory removed");
	return tap_done();
}
