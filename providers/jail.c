/*
 * jail.c - the filesystem jail (bubblewrap) every provider CLI child runs in.
 *
 * The jail is a fresh mount namespace whose root is an empty tmpfs (bwrap's
 * default) with only what the CLI needs bound into it, a pid namespace of
 * its own (so /proc shows no other process, and no /proc/<pid>/root leads
 * out), and no capabilities. Flags and why:
 *   --unshare-user --disable-userns   a user namespace (needed when not
 *                                     root) in which no further one can be
 *                                     made: a CLI cannot gain capabilities
 *                                     to undo the mounts
 *   --unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try
 *   --die-with-parent                 the CLI dies with bwrap, bwrap with
 *                                     the hub (PR_SET_PDEATHSIG in child.c)
 *   --cap-drop ALL                    as root bwrap would keep them
 * No --new-session: the CLI must stay in the process group child.c kills,
 * and a PTY child keeps the terminal child.c made for it. TIOCSTI cannot
 * reach anyone else: a pipe-mode child has no controlling terminal (setsid
 * before exec), and a PTY child's terminal is its own, its master held by
 * the hub alone.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hub_config.h"
#include "common/hub_error.h"
#include "common/hub_log.h"
#include "providers/child.h"
#include "providers/jail.h"
#include "providers/workdir.h"

/* How long the start-up probe may take. */
#define JAIL_PROBE_TIMEOUT_MS  10000
/* Longest reason kept for "unavailable: <reason>". */
#define JAIL_REASON_BYTES      200

enum jail_state { JAIL_UNSET = 0, JAIL_OFF, JAIL_PROBING, JAIL_ON, JAIL_UNAVAILABLE };

static enum jail_state jail_state;
static struct jail_layout jail_layout;
static char jail_status_text[JAIL_REASON_BYTES + 32];

/* Top-level entries that hold (or link to) binaries and libraries. */
static const char *const jail_top_names[] = {
	"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", NULL
};

/* /etc files name resolution and TLS need; bound only when present. */
static const char *const jail_etc_files[] = {
	"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf",
	"/etc/gai.conf", "/etc/ssl/certs", "/etc/ssl/openssl.cnf",
	"/etc/ca-certificates", NULL
};

/* Variables of the child's environment that name CA files to bind. */
static const char *const jail_ca_vars[] = {
	"NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", NULL
};
#define JAIL_MAX_CA_VARS 3

/* Flags before the binds (see the top of this file). */
static const char *const jail_flags[] = {
	"--unshare-user", "--disable-userns", "--unshare-pid", "--unshare-ipc",
	"--unshare-uts", "--unshare-cgroup-try", "--die-with-parent",
	"--cap-drop", "ALL", NULL
};

int
jail_mode_parse(const char *s, enum jail_mode *mode)
{
	if (s == NULL || strcmp(s, "auto") == 0)
		*mode = JAIL_MODE_AUTO;
	else if (strcmp(s, "required") == 0)
		*mode = JAIL_MODE_REQUIRED;
	else if (strcmp(s, "off") == 0)
		*mode = JAIL_MODE_OFF;
	else
		return HUB_ERR_CONFIG;
	return HUB_OK;
}

int
jail_install_dir(const char *real_exe, char *out, size_t outlen)
{
	const char *nm, *slash;
	size_t len;

	if (outlen > 0)
		out[0] = '\0';
	if (real_exe == NULL || real_exe[0] != '/')
		return HUB_ERR_INVALID;
	if ((nm = strstr(real_exe, "/node_modules/")) != NULL)
		len = (size_t)(nm - real_exe) + strlen("/node_modules");
	else {
		slash = strrchr(real_exe, '/');
		len = (size_t)(slash - real_exe);
	}
	if (len == 0)
		return HUB_ERR_INVALID; /* never bind / */
	if (len >= outlen)
		return HUB_ERR_TOO_LARGE;
	memcpy(out, real_exe, len);
	out[len] = '\0';
	return HUB_OK;
}

/* 1 when dir is path or one of its parents. */
static int
jail_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Append words to out[*n..slots). 0 or -1 when full. */
static int
jail_push(char **out, size_t *n, size_t slots, const char *a, const char *b, const char *c)
{
	const char *w[3] = { a, b, c };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (w[i] == NULL)
			continue;
		if (*n + 1 >= slots)
			return -1;
		out[(*n)++] = (char *)w[i];
	}
	return 0;
}

int
jail_build_argv(const struct jail_layout *layout, const char *exe,
    const char *install_dir, char *const *argv, const char *work_dir,
    const char *cwd, const char *const *extra_ro, char **out, size_t out_slots)
{
	const struct jail_top *t;
	size_t n = 0, i;
	int full = 0;

	if (layout == NULL || layout->bwrap[0] != '/' || layout->exec_helper[0] != '/' || exe == NULL || exe[0] != '/' ||
	    install_dir == NULL || install_dir[0] != '/' || work_dir == NULL ||
	    work_dir[0] != '/' || cwd == NULL || cwd[0] != '/' || argv == NULL ||
	    argv[0] == NULL || out == NULL || out_slots == 0)
		return HUB_ERR_INVALID;
	if (jail_path_within(work_dir, install_dir) ||
	    (layout->node_dir[0] != '\0' && jail_path_within(work_dir, layout->node_dir)))
		return HUB_ERR_INVALID;
	full |= jail_push(out, &n, out_slots, layout->bwrap, NULL, NULL);
	for (i = 0; jail_flags[i] != NULL; i++)
		full |= jail_push(out, &n, out_slots, jail_flags[i], NULL, NULL);
	full |= jail_push(out, &n, out_slots, "--ro-bind", "/usr", "/usr");
	for (i = 0; i < layout->n_top && i < JAIL_MAX_TOP; i++) {
		t = &layout->top[i];
		if (t->target[0] != '\0')
			full |= jail_push(out, &n, out_slots, "--symlink", t->target, t->path);
		else
			full |= jail_push(out, &n, out_slots, "--ro-bind", t->path, t->path);
	}
	for (i = 0; jail_etc_files[i] != NULL; i++)
		full |= jail_push(out, &n, out_slots, "--ro-bind-try", jail_etc_files[i],
		    jail_etc_files[i]);
	full |= jail_push(out, &n, out_slots, "--dev", "/dev", NULL);
	full |= jail_push(out, &n, out_slots, "--proc", "/proc", NULL);
	full |= jail_push(out, &n, out_slots, "--tmpfs", "/tmp", NULL);
	full |= jail_push(out, &n, out_slots, "--ro-bind", install_dir, install_dir);
	if (layout->node_dir[0] != '\0')
		full |= jail_push(out, &n, out_slots, "--ro-bind", layout->node_dir, layout->node_dir);
	full |= jail_push(out, &n, out_slots, "--bind", work_dir, work_dir);
	for (i = 0; extra_ro != NULL && extra_ro[i] != NULL; i++)
		if (extra_ro[i][0] == '/' && extra_ro[i][1] != '\0' &&
		    !jail_path_within(work_dir, extra_ro[i]))
			full |= jail_push(out, &n, out_slots, "--ro-bind-try", extra_ro[i], extra_ro[i]);
	full |= jail_push(out, &n, out_slots, "--ro-bind", layout->exec_helper, JAIL_EXEC_PATH);
	full |= jail_push(out, &n, out_slots, "--chdir", cwd, NULL);
	full |= jail_push(out, &n, out_slots, "--", JAIL_EXEC_PATH, exe);
	for (i = 0; argv[i] != NULL; i++)
		full |= jail_push(out, &n, out_slots, argv[i], NULL, NULL);
	out[n] = NULL;
	if (full) {
		out[0] = NULL;
		return HUB_ERR_TOO_LARGE;
	}
	return HUB_OK;
}

int
jail_wrap(const char *exe, char *const *argv, char *const *envp,
    const char *work_dir, const char *cwd, struct jail_cmd *out)
{
	const char *extra[JAIL_MAX_CA_VARS + 1];
	size_t i, j, n = 0, len;
	int rc;

	for (i = 0; envp != NULL && envp[i] != NULL; i++)
		for (j = 0; jail_ca_vars[j] != NULL && n < JAIL_MAX_CA_VARS; j++) {
			len = strlen(jail_ca_vars[j]);
			if (strncmp(envp[i], jail_ca_vars[j], len) == 0 && envp[i][len] == '=')
				extra[n++] = envp[i] + len + 1;
		}
	extra[n] = NULL;
	out->argv[0] = NULL;
	if (realpath(exe, out->exe) == NULL)
		return HUB_ERR_INVALID; /* errno from realpath */
	if ((rc = jail_install_dir(out->exe, out->install_dir, sizeof(out->install_dir))) != HUB_OK ||
	    (rc = jail_build_argv(&jail_layout, out->exe, out->install_dir, argv, work_dir, cwd,
	    extra, out->argv, JAIL_MAX_ARGS + 1)) != HUB_OK) {
		errno = rc == HUB_ERR_TOO_LARGE ? E2BIG : EACCES;
		return rc;
	}
	return HUB_OK;
}

int
jail_enabled(void)
{
	return jail_state == JAIL_ON || jail_state == JAIL_PROBING;
}

const char *
jail_status(void)
{
	return jail_status_text[0] != '\0' ? jail_status_text : "not initialised";
}

/* hub-jail-exec: HUB_JAIL_EXEC, else installed, else in the build. 0 or -1. */
static int
jail_find_helper(char *out, size_t outlen)
{
	const char *env = getenv("HUB_JAIL_EXEC");
	const char *const candidates[] = {
		HUB_BINDIR "/hub-jail-exec", HUB_BUILDDIR "/hub-jail-exec", NULL
	};
	size_t i;

	if (env != NULL && env[0] != '\0')
		return env[0] == '/' && access(env, X_OK) == 0 &&
		    snprintf(out, outlen, "%s", env) < (int)outlen ? 0 : -1;
	for (i = 0; candidates[i] != NULL; i++)
		if (candidates[i][0] == '/' && access(candidates[i], X_OK) == 0 &&
		    snprintf(out, outlen, "%s", candidates[i]) < (int)outlen)
			return 0;
	return -1;
}

/* Fill the layout: bwrap, /bin & co., node's install outside /usr. */
static int
jail_find_layout(struct jail_layout *l, char *why, size_t whylen)
{
	char *path, *node;
	struct stat sb;
	ssize_t n;
	size_t i;

	memset(l, 0, sizeof(*l));
	if ((path = hub_config_find_executable("bwrap")) == NULL) {
		snprintf(why, whylen, "bwrap not found (install the bubblewrap package)");
		return -1;
	}
	snprintf(l->bwrap, sizeof(l->bwrap), "%s", path);
	free(path);
	if (jail_find_helper(l->exec_helper, sizeof(l->exec_helper)) != 0) {
		snprintf(why, whylen, "hub-jail-exec not found (set HUB_JAIL_EXEC)");
		return -1;
	}
	for (i = 0; jail_top_names[i] != NULL && l->n_top < JAIL_MAX_TOP; i++) {
		struct jail_top *t = &l->top[l->n_top];

		if (lstat(jail_top_names[i], &sb) != 0)
			continue;
		if (S_ISLNK(sb.st_mode)) {
			n = readlink(jail_top_names[i], t->target, sizeof(t->target) - 1);
			if (n <= 0 || (size_t)n >= sizeof(t->target) - 1)
				continue;
			t->target[n] = '\0';
		} else if (!S_ISDIR(sb.st_mode))
			continue;
		snprintf(t->path, sizeof(t->path), "%s", jail_top_names[i]);
		l->n_top++;
	}
	if ((node = hub_config_find_executable("node")) != NULL) {
		if (!jail_path_within(node, "/usr") &&
		    jail_install_dir(node, l->node_dir, sizeof(l->node_dir)) != HUB_OK)
			l->node_dir[0] = '\0';
		free(node);
	}
	return 0;
}

/* Keep the first line of the probe's stderr as the reason. */
static void
jail_reason_from(const struct child_result *res, char *why, size_t whylen)
{
	size_t i, len;

	if (res->stderr_text == NULL || res->stderr_text[0] == '\0') {
		if (res->exited)
			snprintf(why, whylen, "the probe exited with %d", res->exit_code);
		else
			snprintf(why, whylen, "the probe did not finish");
		return;
	}
	len = strcspn(res->stderr_text, "\r\n");
	if (len >= whylen)
		len = whylen - 1;
	for (i = 0; i < len; i++)
		why[i] = (res->stderr_text[i] >= ' ' && res->stderr_text[i] < 0x7f) ?
		    res->stderr_text[i] : '?';
	why[len] = '\0';
}

/* Run /usr/bin/true (or /bin/true) in a jail. 0 when it worked. */
static int
jail_probe(const char *probe_dir, char *why, size_t whylen)
{
	char dir[PATH_MAX] = "";
	char *argv[] = { (char *)"true", NULL }, *envp[] = { NULL };
	const char *exe = access("/usr/bin/true", X_OK) == 0 ? "/usr/bin/true" : "/bin/true";
	struct child_spec spec;
	struct child_result res;
	int rc = -1;

	memset(&res, 0, sizeof(res));
	if (workdir_create(probe_dir, "jail-probe-", dir, sizeof(dir)) != HUB_OK) {
		snprintf(why, whylen, "cannot create a probe directory: %s", strerror(errno));
		return -1;
	}
	memset(&spec, 0, sizeof(spec));
	spec.path = exe;
	spec.argv = argv;
	spec.envp = envp;
	spec.cwd = dir;
	spec.jail_dir = dir;
	spec.timeout_ms = JAIL_PROBE_TIMEOUT_MS;
	spec.kill_grace_ms = 100;
	spec.max_stdout_bytes = 4096;
	spec.watch_fd = -1;
	if (child_run(&spec, &res) != HUB_OK || res.spawn_errno != 0)
		snprintf(why, whylen, "cannot start bwrap: %s",
		    strerror(res.spawn_errno ? res.spawn_errno : EIO));
	else if (!res.exited || res.exit_code != 0)
		jail_reason_from(&res, why, whylen);
	else
		rc = 0;
	child_result_free(&res);
	(void)workdir_remove(dir);
	return rc;
}

int
jail_init(const char *mode_name, const char *probe_dir)
{
	char why[JAIL_REASON_BYTES] = "";
	enum jail_mode mode;

	if (jail_mode_parse(mode_name, &mode) != HUB_OK)
		return HUB_ERR_CONFIG;

	if (mode == JAIL_MODE_OFF) {
		jail_state = JAIL_OFF;
		snprintf(jail_status_text, sizeof(jail_status_text), "off");
		hub_log(HUB_LOG_WARN, "jail", "HUB_JAIL=off: CLI children run without a filesystem jail");
		return HUB_OK;
	}
	if (jail_find_layout(&jail_layout, why, sizeof(why)) == 0) {
		jail_state = JAIL_PROBING;
		if (jail_probe(probe_dir, why, sizeof(why)) == 0) {
			jail_state = JAIL_ON;
			snprintf(jail_status_text, sizeof(jail_status_text), "bubblewrap");
			hub_log(HUB_LOG_INFO, "jail", "every CLI child runs in a bubblewrap jail (%s)",
			    jail_layout.bwrap);
			return HUB_OK;
		}
	}
	jail_state = JAIL_UNAVAILABLE;
	snprintf(jail_status_text, sizeof(jail_status_text), "unavailable: %s", why);
	if (mode == JAIL_MODE_REQUIRED) {
		hub_log(HUB_LOG_ERROR, "jail", "HUB_JAIL=required but no jail can be made: %s", why);
		return HUB_ERR_CONFIG;
	}
	hub_log(HUB_LOG_WARN, "jail", "no filesystem jail for CLI children (%s); "
	    "they run with the hub user's own file access (docs/SECURITY.md)", why);
	return HUB_OK;
}
