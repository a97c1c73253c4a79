/* test_workdir.c - work directories name their owner; the sweep removes
 * only those whose owner no longer runs. */
#include "config.h"

#include <stdlib.h>
#include <sys/wait.h>

#include "providers/workdir.c"
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

int
main(void)
{
	char base[] = "test_workdir.XXXXXX", mine[PATH_MAX], dead[PATH_MAX], reused[PATH_MAX],
	    other_boot[PATH_MAX], legacy_old[PATH_MAX], legacy_new[PATH_MAX], stranger[PATH_MAX],
	    name[256], tag[WORKDIR_OWNER_MAX], boot[9];
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

	is_int(workdir_sweep(base, &removed), HUB_OK, "sweep");
	is_int(removed, 4, "four orphans removed");
	ok(exists(mine), "the live owner's directory stays");
	ok(!exists(dead), "a dead owner's directory and its transcript are gone");
	ok(!exists(reused), "a reused pid's (other start time) is gone");
	ok(!exists(other_boot), "one from another boot is gone");
	ok(!exists(legacy_old), "an old-style one older than a day is gone");
	ok(exists(legacy_new), "a recent old-style one stays");
	ok(exists(stranger), "other directories stay");

	is_int(workdir_remove(base), HUB_OK, "clean up");
	return tap_done();
}
