/*
 * test_jail.c - the bwrap argv builder and install-directory rule
 * (pure), then, when bwrap works on this machine, child_run() in a jail:
 * what the child can and cannot read, a PTY child, a deadline.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "providers/child.h"
#include "providers/jail.h"
#include "providers/workdir.h"
#include "tap.h"

/* Index of word in argv, or -1. */
static int
index_of(char **argv, const char *word)
{
	int i;

	for (i = 0; argv[i] != NULL; i++)
		if (strcmp(argv[i], word) == 0)
			return i;
	return -1;
}

/* Index of the triple "flag a b" in argv, or -1. */
static int
index_of3(char **argv, const char *flag, const char *a, const char *b)
{
	int i;

	for (i = 0; argv[i] != NULL; i++)
		if (strcmp(argv[i], flag) == 0 && argv[i + 1] != NULL &&
		    strcmp(argv[i + 1], a) == 0 && (b == NULL ||
		    (argv[i + 2] != NULL && strcmp(argv[i + 2], b) == 0)))
			return i;
	return -1;
}

static void
test_install_dir(void)
{
	char out[256];

	is_int(jail_install_dir("/opt/c/_pkg/node_modules/@a/cli/bin/cli.exe", out, sizeof(out)), 0,
	    "an npm install: ok");
	is_str(out, "/opt/c/_pkg/node_modules", "up to the first node_modules (dependencies too)");
	is_int(jail_install_dir("/srv/tools/fake-cli", out, sizeof(out)), 0, "a plain file: ok");
	is_str(out, "/srv/tools", "its directory");
	is_int(jail_install_dir("/true", out, sizeof(out)), HUB_ERR_INVALID, "never /");
	is_str(out, "", "nothing written for /");
	is_int(jail_install_dir("relative/cli", out, sizeof(out)), HUB_ERR_INVALID, "relative refused");
	is_int(jail_install_dir("/a/very/long/dir/cli", out, 8), HUB_ERR_TOO_LARGE, "too long refused");
}

static void
test_mode_parse(void)
{
	enum jail_mode m = JAIL_MODE_OFF;

	ok(jail_mode_parse("auto", &m) == 0 && m == JAIL_MODE_AUTO, "auto");
	ok(jail_mode_parse("required", &m) == 0 && m == JAIL_MODE_REQUIRED, "required");
	ok(jail_mode_parse("off", &m) == 0 && m == JAIL_MODE_OFF, "off");
	ok(jail_mode_parse(NULL, &m) == 0 && m == JAIL_MODE_AUTO, "unset is auto");
	is_int(jail_mode_parse("yes", &m), HUB_ERR_CONFIG, "anything else is refused");
}

static void
test_build_argv(void)
{
	struct jail_layout l;
	char *cli_argv[] = { "claude", "-p", "--model=x", NULL };
	char *out[JAIL_MAX_ARGS + 1];
	const char *extra[] = { "/etc/test-ca.pem", "/var/lib", "/", NULL };
	int i, n, i_tmp, i_work;

	memset(&l, 0, sizeof(l));
	snprintf(l.bwrap, sizeof(l.bwrap), "/usr/bin/bwrap");
	snprintf(l.top[0].path, sizeof(l.top[0].path), "/lib64");
	snprintf(l.top[0].target, sizeof(l.top[0].target), "usr/lib64");
	snprintf(l.top[1].path, sizeof(l.top[1].path), "/lib");
	l.n_top = 2;
	snprintf(l.node_dir, sizeof(l.node_dir), "/opt/node/bin");
	snprintf(l.exec_helper, sizeof(l.exec_helper), "/opt/hub/hub-jail-exec");

	is_int(jail_build_argv(&l, "/opt/cli/node_modules/c/cli.exe", "/opt/cli/node_modules",
	    cli_argv, "/var/lib/hub/claude-abc", "/var/lib/hub/claude-abc/cwd", extra, out,
	    JAIL_MAX_ARGS + 1), 0, "argv built");
	is_str(out[0], "/usr/bin/bwrap", "bwrap first");
	for (n = 0; out[n] != NULL; n++)
		;
	is_str(out[n - 2], "-p", "the CLI's flags follow");
	is_str(out[n - 1], "--model=x", "in order");
	is_str(out[n - 3], "claude", "argv[0] kept, for hub-jail-exec");
	is_str(out[n - 4], "/opt/cli/node_modules/c/cli.exe", "the resolved CLI");
	is_str(out[n - 5], JAIL_EXEC_PATH, "run by hub-jail-exec");
	is_str(out[n - 6], "--", "after --");
	ok(index_of3(out, "--ro-bind", "/opt/hub/hub-jail-exec", JAIL_EXEC_PATH) > 0,
	    "hub-jail-exec bound read-only, alone");
	ok(index_of(out, "--unshare-pid") > 0, "own pid namespace (no /proc/<pid>/root way out)");
	ok(index_of(out, "--unshare-user") > 0 && index_of(out, "--disable-userns") > 0,
	    "a user namespace in which no other can be made");
	ok(index_of3(out, "--cap-drop", "ALL", NULL) > 0, "every capability dropped");
	ok(index_of(out, "--die-with-parent") > 0, "dies with bwrap");
	ok(index_of(out, "--new-session") < 0, "no new session: the process group and PTY stay");
	ok(index_of(out, "--unshare-net") < 0 && index_of(out, "--unshare-all") < 0,
	    "network shared");
	ok(index_of3(out, "--ro-bind", "/usr", "/usr") > 0, "/usr read-only");
	ok(index_of3(out, "--symlink", "usr/lib64", "/lib64") > 0, "a top-level link is a link");
	ok(index_of3(out, "--ro-bind", "/lib", "/lib") > 0, "a top-level dir is bound read-only");
	ok(index_of3(out, "--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf") > 0,
	    "resolv.conf");
	ok(index_of3(out, "--ro-bind-try", "/etc/ssl/certs", "/etc/ssl/certs") > 0, "CA bundle");
	ok(index_of3(out, "--ro-bind", "/etc", "/etc") < 0 && index_of3(out, "--bind", "/", "/") < 0 &&
	    index_of3(out, "--ro-bind", "/", "/") < 0, "neither / nor /etc as a whole");
	ok(index_of3(out, "--ro-bind", "/opt/cli/node_modules", "/opt/cli/node_modules") > 0,
	    "the CLI's install read-only");
	ok(index_of3(out, "--ro-bind", "/opt/node/bin", "/opt/node/bin") > 0, "node's install read-only");
	i_tmp = index_of3(out, "--tmpfs", "/tmp", NULL);
	i_work = index_of3(out, "--bind", "/var/lib/hub/claude-abc", "/var/lib/hub/claude-abc");
	ok(i_tmp > 0 && i_work > i_tmp, "the work dir read-write at its own path, after the private /tmp");
	ok(index_of3(out, "--bind", "/var/lib/hub", NULL) < 0, "not the state directory");
	ok(index_of3(out, "--ro-bind-try", "/etc/test-ca.pem", "/etc/test-ca.pem") > 0,
	    "a CA file the environment names is bound read-only");
	ok(index_of3(out, "--ro-bind-try", "/var/lib", NULL) < 0 && index_of3(out, "--ro-bind-try", "/", NULL) < 0,
	    "but never one that holds the work dir, nor /");
	ok(index_of3(out, "--chdir", "/var/lib/hub/claude-abc/cwd", NULL) > 0, "starts in cwd");
	for (i = 0; out[i] != NULL; i++)
		if (strcmp(out[i], "--bind") == 0)
			break;
	ok(out[i] != NULL && index_of3(out + i + 1, "--bind", "", NULL) < 0 &&
	    index_of(out + i + 1, "--bind") < 0, "only one read-write bind");

	is_int(jail_build_argv(&l, "/var/lib/hub/cli", "/var/lib/hub", cli_argv,
	    "/var/lib/hub/claude-abc", "/var/lib/hub/claude-abc", NULL, out, JAIL_MAX_ARGS + 1),
	    HUB_ERR_INVALID, "an install directory holding the work dir is refused");
	is_int(jail_build_argv(&l, "/opt/x/cli", "/opt/x", cli_argv, "relative", "/a", NULL, out,
	    JAIL_MAX_ARGS + 1), HUB_ERR_INVALID, "a relative work dir is refused");
	is_int(jail_build_argv(&l, "/opt/x/cli", "/opt/x", cli_argv, "/w", "/w", NULL, out, 20),
	    HUB_ERR_TOO_LARGE, "an argv that does not fit is refused");
	ok(out[0] == NULL, "and left empty");
}

/* --- in a real jail, when bwrap works here ------------------------------ */

struct capture {
	struct hub_buf out;
};

static int
collect(void *arg, const char *data, size_t len)
{
	struct capture *c = arg;

	return hub_buf_append(&c->out, data, len) == HUB_OK ? 0 : -1;
}

/* Run sh -c script jailed in work (cwd work/cwd). Returns stdout (static). */
static int
run_jailed(const char *work, const char *script, int use_pty, long timeout_ms,
    struct capture *c, struct child_result *res)
{
	char cwd[512], *argv[] = { "sh", "-c", (char *)script, NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct child_spec s;

	snprintf(cwd, sizeof(cwd), "%s/cwd", work);
	memset(&s, 0, sizeof(s));
	s.path = "/bin/sh";
	s.argv = argv;
	s.envp = envp;
	s.cwd = cwd;
	s.jail_dir = work;
	s.use_pty = use_pty;
	s.timeout_ms = timeout_ms;
	s.kill_grace_ms = 200;
	s.watch_fd = -1;
	s.on_stdout = collect;
	s.arg = c;
	hub_buf_init(&c->out, 65536);
	return child_run(&s, res);
}

/* Write text to path (mode 0600). */
static void
plant(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		(void)!write(fd, text, strlen(text));
		close(fd);
	}
}

static void
test_real_jail(void)
{
	char base[] = "/tmp/hub-test-jail-XXXXXX", work[512], other[512], path[700], script[2048];
	struct child_result res;
	struct capture c;
	int rc;

	if (mkdtemp(base) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	if (jail_init("auto", base) != HUB_OK || !jail_enabled()) {
		printf("ok - # SKIP no jail here: %s\n", jail_status());
		tap_count++;
		workdir_remove(base);
		return;
	}
	is_str(jail_status(), "bubblewrap", "the jail works here");
	/* the state dir's secrets, another run's dir, the run's own dir */
	snprintf(path, sizeof(path), "%s/dump.rdb", base);
	plant(path, "STATE-SECRET");
	if (workdir_create(base, "run-", other, sizeof(other)) != HUB_OK ||
	    workdir_create(base, "run-", work, sizeof(work)) != HUB_OK) {
		ok(0, "work dirs");
		return;
	}
	snprintf(path, sizeof(path), "%s/transcript", other);
	plant(path, "OTHER-RUN-SECRET");
	snprintf(path, sizeof(path), "%s/cwd", work);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/mine", work);
	plant(path, "MY-OWN-FILE");

	snprintf(script, sizeof(script),
	    "cat %s/dump.rdb %s/transcript /etc/shadow /etc/passwd 2>/dev/null; "
	    "ls %s; echo; ls /proc | grep -c '^[0-9]'; cat %s/mine; echo; pwd; "
	    "echo x > /usr/jail-test 2>/dev/null && echo USR-WRITABLE; "
	    "echo y > ../written && echo WROTE", base, other, base, work);
	rc = run_jailed(work, script, 0, 10000, &c, &res);
	ok(rc == HUB_OK && res.exited && res.exit_code == 0, "the jailed child ran (exit %d)",
	    res.exit_code);
	ok(c.out.data != NULL && strstr(c.out.data, "MY-OWN-FILE") != NULL, "it reads its work dir");
	ok(c.out.data != NULL && strstr(c.out.data, "WROTE") != NULL, "and writes there");
	ok(c.out.data == NULL || (strstr(c.out.data, "STATE-SECRET") == NULL &&
	    strstr(c.out.data, "OTHER-RUN-SECRET") == NULL), "no state-dir file, no other run's file");
	ok(c.out.data == NULL || strstr(c.out.data, "root:") == NULL, "no /etc/passwd or shadow");
	ok(c.out.data == NULL || strstr(c.out.data, strrchr(other, '/') + 1) == NULL,
	    "the state dir lists only this run");
	ok(c.out.data == NULL || strstr(c.out.data, "USR-WRITABLE") == NULL, "/usr is read-only");
	snprintf(path, sizeof(path), "%s/written", work);
	ok(access(path, F_OK) == 0, "its writes land in the host's work dir");
	if (c.out.data != NULL && !(c.out.data && strstr(c.out.data, "MY-OWN-FILE")))
		printf("# output: %s\n", c.out.data);
	child_result_free(&res);
	hub_buf_free(&c.out);

	rc = run_jailed(work, "[ -t 1 ] && echo TTY-YES; "
	    "[ \"$(cut -d' ' -f7 /proc/self/stat)\" != 0 ] && echo CTTY-SET; true", 1, 10000, &c, &res);
	ok(rc == HUB_OK && res.exited && res.exit_code == 0, "a PTY child runs jailed");
	ok(c.out.data != NULL && strstr(c.out.data, "TTY-YES") != NULL, "stdout is its terminal");
	ok(c.out.data != NULL && strstr(c.out.data, "CTTY-SET") != NULL, "and its controlling terminal");
	child_result_free(&res);
	hub_buf_free(&c.out);

	rc = run_jailed(work, "sleep 30 & sleep 30", 0, 500, &c, &res);
	ok(rc == HUB_OK && res.timed_out && res.duration_ms < 5000,
	    "the deadline stops the jailed group (%ld ms)", res.duration_ms);
	child_result_free(&res);
	hub_buf_free(&c.out);

	workdir_remove(base);
}

int
main(void)
{
	test_install_dir();
	test_mode_parse();
	test_build_argv();
	test_real_jail();
	return tap_done();
}
