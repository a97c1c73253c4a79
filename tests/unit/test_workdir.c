/* test_workdir.c - work directories name their owner; the sweep removes
 * only those whose owner no longer runs. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "providers/workdir.c"
#include "providers/workdir_spare.h"
#include "tap.h"

/* 1 when path exists. */
static int
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* base/name as a directory holding one file. */
static void
make_dir(const char *base, const char *name, char *out, size_t outlen)
{
	char file[PATH_MAX];
	FILE *f;

	snprintf(out, outlen, "%s/%s", base, name);
	(void)mkdir(out, 0700);
	snprintf(file, sizeof(file), "%s/transcript.jsonl", out);
	if ((f = fopen(file, "w")) != NULL) {
		fputs("{}\n", f);
		fclose(f);
	}
}

static const char *const run_subdirs[] = { "home", "tmp", "cwd", NULL };

/* Entries of dir (not . and ..), -1 when it cannot be read. */
static int
entries_of(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* 1 when root is a run's directory: mode 0700, its subdirectories, empty. */
static int
is_fresh_run_dir(const char *root)
{
	char sub[PATH_MAX];
	struct stat sb;
	size_t i;

	if (root[0] != '/' || stat(root, &sb) != 0 || !S_ISDIR(sb.st_mode) || (sb.st_mode & 0777) != 0700 ||
	    entries_of(root) != 3)
		return 0;
	for (i = 0; run_subdirs[i] != NULL; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", root, run_subdirs[i]);
		if (stat(sub, &sb) != 0 || !S_ISDIR(sb.st_mode) || (sb.st_mode & 0777) != 0700 ||
		    entries_of(sub) != 0)
			return 0;
	}
	return 1;
}

/* 1 when dir is directly below base (both real paths). */
static int
is_below(const char *dir, const char *base)
{
	char real[PATH_MAX];
	const char *slash = strrchr(dir, '/');

	return realpath(base, real) != NULL && slash != NULL &&
	    (size_t)(slash - dir) == strlen(real) && strncmp(dir, real, strlen(real)) == 0;
}

/* In a child process: spares of base, then the finished runs handed back.
 * Exit status bits: 1 one was ready before any was asked for, 2 none came,
 * 4 not fresh or not in base, 8 the same twice, 16 a discard was refused,
 * 32 a discarded one was not removed. */
static void
spare_child(const char *base)
{
	char a[PATH_MAX] = "", b[PATH_MAX] = "";
	int i, rc = 0, got = 0;

	if (workdir_spare_take(base, "run-", run_subdirs, a, sizeof(a)) != 0)
		rc |= 1;
	for (i = 0; i < 300 && !(got = workdir_spare_take(base, "run-", run_subdirs, a, sizeof(a))); i++)
		usleep(10000);
	for (i = 0; got && i < 300 && !(got = workdir_spare_take(base, "run-", run_subdirs, b, sizeof(b))); i++)
		usleep(10000);
	if (!got)
		rc |= 2;
	else if (!is_fresh_run_dir(a) || !is_fresh_run_dir(b) || !is_below(a, base) ||
	    !is_below(b, base))
		rc |= 4;
	else if (strcmp(a, b) == 0)
		rc |= 8;
	if (!got) {
		(void)workdir_remove(a);
		exit(rc);
	}
	/* a: removed by the thread, off the caller's path */
	if (!workdir_spare_discard(a))
		rc |= 16;
	for (i = 0; i < 300 && exists(a); i++)
		usleep(10000);
	if (exists(a))
		rc |= 32;
	usleep(300000);  /* the next spares are made: exit() must remove them */
	/* b: still waiting at exit(), which must remove it too */
	if (!workdir_spare_discard(b))
		rc |= 16;
	exit(rc);
}

int
main(void)
{
	char base[] = "test_workdir.XXXXXX", mine[PATH_MAX], dead[PATH_MAX], reused[PATH_MAX],
	    other_boot[PATH_MAX], legacy_old[PATH_MAX], legacy_new[PATH_MAX], stranger[PATH_MAX],
	    name[256], tag[WORKDIR_OWNER_MAX], boot[9], cli_dir[PATH_MAX], cli_dead[PATH_MAX],
	    cli_live[PATH_MAX];
	struct timespec old[2] = { { 0, 0 }, { 0, 0 } };
	unsigned long long start;
	pid_t gone;
	int removed = -1;

	if (mkdtemp(base) == NULL)
		return 1;
	workdir_boot_id(boot);
	start = workdir_start_ticks(getpid());
	ok(start > 0, "this process's start time is read from /proc");

	/* a directory made by this (live) process carries its owner */
	is_int(workdir_create(base, "claude-", mine, sizeof(mine)), HUB_OK, "create");
	workdir_owner_tag(tag);
	snprintf(name, sizeof(name), "%s/claude-%s-", base, tag);
	ok(strncmp(mine, name, strlen(name)) == 0 && strlen(mine) == strlen(name) + 6,
	    "named <prefix><pid>.<start>.<boot>-XXXXXX: %s", mine);

	/* a dead owner: a child that has exited and been reaped */
	if ((gone = fork()) == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	snprintf(name, sizeof(name), "claude-%ld.%llu.%s-AbCdEf", (long)gone, start, boot);
	make_dir(base, name, dead, sizeof(dead));
	/* this pid, but another start time: a reused pid is not the owner */
	snprintf(name, sizeof(name), "run-%ld.%llu.%s-AbCdEf", (long)getpid(), start + 1, boot);
	make_dir(base, name, reused, sizeof(reused));
	/* this pid and start time, made in another boot */
	snprintf(name, sizeof(name), "generic-%ld.%llu.%s-AbCdEf", (long)getpid(), start,
	    strcmp(boot, "00000000") == 0 ? "11111111" : "00000000");
	make_dir(base, name, other_boot, sizeof(other_boot));
	/* old-style names: removed only once a day old */
	make_dir(base, "claude-Old123", legacy_old, sizeof(legacy_old));
	(void)utimensat(AT_FDCWD, legacy_old, old, 0);
	make_dir(base, "claude-New123", legacy_new, sizeof(legacy_new));
	/* anything else in the state directory is never touched */
	make_dir(base, "slots", stranger, sizeof(stranger));
	/* a CLI's folder (STATE_DIR/gemini): its orphans go, its live ones stay */
	snprintf(cli_dir, sizeof(cli_dir), "%s/gemini", base);
	(void)mkdir(cli_dir, 0700);
	snprintf(name, sizeof(name), "run-%ld.%llu.%s-AbCdEf", (long)gone, start, boot);
	make_dir(cli_dir, name, cli_dead, sizeof(cli_dead));
	is_int(workdir_create(cli_dir, "run-", cli_live, sizeof(cli_live)), HUB_OK, "create in a CLI's folder");

	is_int(workdir_sweep(base, &removed), HUB_OK, "sweep");
	is_int(removed, 5, "five orphans removed");
	ok(!exists(cli_dead), "a dead owner's directory in a CLI's folder is gone");
	ok(exists(cli_live) && exists(cli_dir), "a live one there and the folder stay");
	ok(exists(mine), "the live owner's directory stays");
	ok(!exists(dead), "a dead owner's directory and its transcript are gone");
	ok(!exists(reused), "a reused pid's (other start time) is gone");
	ok(!exists(other_boot), "one from another boot is gone");
	ok(!exists(legacy_old), "an old-style one older than a day is gone");
	ok(exists(legacy_new), "a recent old-style one stays");
	ok(exists(stranger), "other directories stay");

	{
		char run[PATH_MAX], spares[PATH_MAX];
		int status = -1, before = entries_of(base);
		pid_t pid;

		is_int(workdir_create_run(base, "run-", run_subdirs, run, sizeof(run)), HUB_OK,
		    "a run's directory is made");
		ok(is_fresh_run_dir(run), "absolute, mode 0700, with its empty subdirectories");
		is_int(workdir_remove(run), HUB_OK, "and removed");
		ok(workdir_create_run(base, "run/", run_subdirs, run, sizeof(run)) != HUB_OK && run[0] == '\0',
		    "a bad prefix makes nothing");
		is_int(workdir_create_run(base, "run-", run_subdirs, run, 8), HUB_ERR_SYSTEM,
		    "a path that does not fit is refused");
		is_int(entries_of(base), before, "and leaves nothing behind");

		snprintf(spares, sizeof(spares), "%s/spares", base);
		if ((pid = fork()) == 0)
			spare_child(spares);
		(void)waitpid(pid, &status, 0);
		ok(WIFEXITED(status), "the spare directories' process exits");
		is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
		    "spares: none before the first ask, then fresh and distinct ones; a finished "
		    "run's directory handed back is removed by the thread");
		is_int(entries_of(spares), 0, "the spares and the handed-back runs left at exit(), and "
		    "their folder, are removed");
	}

	/* a base of run directories: ours and closed, else refused */
	{
		char dir[PATH_MAX], why[512];
		struct stat sb;

		snprintf(dir, sizeof(dir), "%s/runbase/a/b", base);
		is_int(workdir_check_base(dir, why, sizeof(why)), 0, "check_base: a missing base is made");
		ok(stat(dir, &sb) == 0 && (sb.st_mode & 07777) == 0700, "  mode 0700");
		chmod(dir, 0755);
		is_int(workdir_check_base(dir, why, sizeof(why)), -1, "check_base: mode 0755 is refused");
		ok(strstr(why, "0755") != NULL, "  the reason names the mode");
		chmod(dir, 0700);
		snprintf(name, sizeof(name), "%s/runbase/link", base);
		ok(symlink(dir, name) == 0, "a symbolic link to a good base");
		is_int(workdir_check_base(name, why, sizeof(why)), -1, "check_base: a symbolic link is refused");
		if (geteuid() == 0) {
			ok(chown(dir, 65534, 65534) == 0, "the base given to another user");
			is_int(workdir_check_base(dir, why, sizeof(why)), -1,
			    "check_base: another user's base is refused");
			ok(strstr(why, "uid 65534") != NULL, "  the reason names its owner");
		} else {
			ok(1, "# SKIP another owner needs root");
		}
	}

	is_int(workdir_remove(base), HUB_OK, "clean up");
	return tap_done();
}
