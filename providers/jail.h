/*
 * jail.h - the filesystem jail (bubblewrap) every provider CLI child runs in.
 *
 * jail_init() decides once, at start-up, whether children are jailed
 * (HUB_JAIL: auto, required, off) by finding bwrap and running a probe
 * child through it. Afterwards child_run() asks jail_enabled() and, for a
 * spec with a jail_dir, turns the CLI's path and argv into a bwrap command
 * with jail_wrap(). Inside, the child sees only: /usr and the top-level
 * /bin, /lib* links, a few /etc files for name resolution and TLS, a fresh
 * /dev, /proc (own pid namespace) and /tmp, the CLI's install directory and
 * node's (read-only), and its work directory (read-write, same path).
 * Network is shared. bwrap's argv holds only paths and flags.
 */
#ifndef JAIL_H
#define JAIL_H

#include <limits.h>
#include <stddef.h>

/* bwrap's own flags (about 70 words) plus the CLI's argv. */
#define JAIL_MAX_ARGS     160
/* Where hub-jail-exec (providers/jail_exec.c) appears in the jail. */
#define JAIL_EXEC_PATH    "/run/hub/jail-exec"
/* Top-level entries of / examined for links or directories (/bin, /lib...). */
#define JAIL_MAX_TOP      8

enum jail_mode {
	JAIL_MODE_AUTO = 0,      /* jail when possible; say so when not */
	JAIL_MODE_REQUIRED,      /* refuse to start without a jail */
	JAIL_MODE_OFF            /* never jail (development only) */
};

/* One top-level entry such as /lib64: a symlink (target set) or a directory. */
struct jail_top {
	char path[32];
	char target[256];        /* "" for a directory bound read-only */
};

/* What is the same for every run, found once by jail_init(). */
struct jail_layout {
	char bwrap[PATH_MAX];    /* absolute path of bwrap */
	char node_dir[PATH_MAX]; /* node's install outside /usr, "" if none */
	char exec_helper[PATH_MAX]; /* hub-jail-exec, bound at JAIL_EXEC_PATH */
	struct jail_top top[JAIL_MAX_TOP];
	size_t n_top;
};

/* One run: the wrapped command. Strings point into this struct or into
 * the layout and the caller's argv; nothing to free. */
struct jail_cmd {
	char exe[PATH_MAX];          /* the CLI's resolved path */
	char install_dir[PATH_MAX];  /* bound read-only */
	char *argv[JAIL_MAX_ARGS + 1];
};

/*
 * The directory to bind for an executable at real_exe (an absolute path
 * without symlinks): up to and including its first "node_modules"
 * component when it has one (the npm install, dependencies included),
 * else its directory. Writes it to out. 0; HUB_ERR_INVALID when the
 * result would be "/" or real_exe is not absolute; HUB_ERR_TOO_LARGE.
 */
int jail_install_dir(const char *real_exe, char *out, size_t outlen);

/*
 * Build the bwrap argv for exe (its resolved path) with the CLI's argv
 * (hub-jail-exec runs exe with argv[0] as given), binding install_dir
 * read-only and work_dir read-write, starting in cwd; extra_ro (NULL or
 * NULL-terminated) are files bound read-only when present, skipped when
 * one is "/" or holds work_dir. Pure: looks at
 * nothing but its arguments. Pointers in out->argv refer to the
 * arguments and to string constants. 0; HUB_ERR_INVALID when a path is
 * missing or not absolute, or install_dir contains work_dir (it would
 * show the other runs' directories); HUB_ERR_TOO_LARGE when the argv
 * does not fit.
 */
int jail_build_argv(const struct jail_layout *layout, const char *exe,
    const char *install_dir, char *const *argv, const char *work_dir,
    const char *cwd, const char *const *extra_ro, char **out, size_t out_slots);

/*
 * Decide the jail for this process, once, before threads start: mode the
 * value of HUB_JAIL (see docs/CONFIGURATION.md; NULL: "auto"), probe_dir
 * a directory below which the probe makes its work directory. Logs the
 * outcome. Returns 0 (jailed, off, or unavailable in auto mode), or
 * HUB_ERR_CONFIG when the mode is unknown, or "required" and no jail can
 * be made.
 */
int jail_init(const char *mode, const char *probe_dir);

/* Parse "auto", "required", "off" into *mode. 0 or HUB_ERR_CONFIG. */
int jail_mode_parse(const char *s, enum jail_mode *mode);

/* 1 when children are jailed (after jail_init(), or while it probes). */
int jail_enabled(void);

/* "bubblewrap", "off", "unavailable: <reason>" or "not initialised":
 * static text, for /health and the logs. */
const char *jail_status(void);

/*
 * Wrap one run for child_run(): resolve exe, find its install directory,
 * build the argv (out->argv[0] is bwrap). The CA files that envp names
 * (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, SSL_CERT_DIR) are bound read-only.
 * 0 or a code from jail_build_argv()/jail_install_dir() with errno set
 * (ENOENT, EACCES...).
 */
int jail_wrap(const char *exe, char *const *argv, char *const *envp,
    const char *work_dir, const char *cwd, struct jail_cmd *out);

#endif
