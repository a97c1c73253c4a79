/*
 * workdir.c - private per-request directories for provider children.
 *
 * Removal walks the tree with openat()/fdopendir()/unlinkat() relative to
 * directory descriptors opened with O_NOFOLLOW, so a symlink planted in the
 * tree (by a CLI, or swapped in during the walk) is removed, never followed.
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
#include <time.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "providers/workdir.h"

/* Deepest directory nesting workdir_remove() descends into (each level
 * holds one descriptor open). */
#define WORKDIR_MAX_DEPTH  128
/* A directory named the old way (no owner in the name) is removed by the
 * sweep once it is this old: longer than any run may last. */
#define WORKDIR_LEGACY_AGE_S  (24 * 3600)
/* The owner tag: "<pid>.<start time in ticks since boot>.<boot id, 8 hex>". */
#define WORKDIR_OWNER_MAX  64

/* This process's owner tag, computed once per process (a forked worker
 * has a pid of its own). */
static pthread_mutex_t workdir_owner_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t workdir_owner_pid;
static char workdir_owner[WORKDIR_OWNER_MAX];

/* The start time (field 22 of /proc/pid/stat, clock ticks after boot) of
 * pid; 0 when it is not running. */
static unsigned long long
workdir_start_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	size_t n;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: skip past the last ')' */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	/* a zombie has a start time but no longer runs anything */
	return strstr(buf, ") Z ") != NULL ? 0 : start;
}

/* 1 when pid's start time can be read (a /proc like Linux's), so that a
 * reused pid is told from its owner; checked at run time. */
static int
workdir_have_proc(void)
{
	return access("/proc/self/stat", R_OK) == 0;
}

/* Whether the owner pid with start time start (0: unknown, the owner had
 * no /proc) no longer runs. Without start times (macOS) only liveness is
 * seen: a reused pid keeps the directory until that process ends too. */
static int
workdir_owner_gone(pid_t pid, unsigned long long start)
{
	if (start != 0 && workdir_have_proc())
		return workdir_start_ticks(pid) != start;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* The first 8 hex digits of this boot's id ("0" when unknown). */
static void
workdir_boot_id(char out[9])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	size_t n = 0;
	int c;

	while (f != NULL && n < 8 && (c = fgetc(f)) != EOF)
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
			out[n++] = (char)c;
	if (f != NULL)
		fclose(f);
	if (n == 0)
		out[n++] = '0';
	out[n] = '\0';
}

/* Copy this process's owner tag into out. */
static void
workdir_owner_tag(char out[WORKDIR_OWNER_MAX])
{
	char boot[9];
	pid_t me = getpid();

	pthread_mutex_lock(&workdir_owner_lock);
	if (workdir_owner_pid != me) {
		workdir_boot_id(boot);
		snprintf(workdir_owner, sizeof(workdir_owner), "%ld.%llu.%s", (long)me,
		    workdir_start_ticks(me), boot);
		workdir_owner_pid = me;
	}
	memcpy(out, workdir_owner, WORKDIR_OWNER_MAX);
	pthread_mutex_unlock(&workdir_owner_lock);
}

/* mkdir -p with mode 0700 for every directory it creates. 0 or -1/errno. */
static int
workdir_mkdir_p(const char *base)
{
	char path[PATH_MAX];
	struct stat sb;
	size_t len = strlen(base), i;

	if (len == 0 || len >= sizeof(path)) {
		errno = len == 0 ? EINVAL : ENAMETOOLONG;
		return -1;
	}
	memcpy(path, base, len + 1);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		if (path[i - 1] == '/')
			continue; /* "//" */
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -1;
		path[i] = base[i];
	}
	if (stat(base, &sb) < 0)
		return -1;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int
workdir_check_base(const char *dir, char *why, size_t whylen)
{
	struct stat sb;

	if (workdir_mkdir_p(dir) < 0) {
		snprintf(why, whylen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(why, whylen, "%s is not a directory (a symbolic link is refused)", dir);
		return -1;
	}
	if (sb.st_uid != geteuid()) {
		snprintf(why, whylen, "%s belongs to uid %u, not to this user (uid %u)", dir,
		    (unsigned)sb.st_uid, (unsigned)geteuid());
		return -1;
	}
	if ((sb.st_mode & 077) != 0) {
		snprintf(why, whylen, "%s has mode %04o: others may enter it (chmod 700 it)", dir,
		    (unsigned)(sb.st_mode & 07777));
		return -1;
	}
	return 0;
}

int
workdir_create(const char *base, const char *prefix, char *out, size_t outlen)
{
	char owner[WORKDIR_OWNER_MAX];
	int n;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (base == NULL || prefix == NULL || out == NULL || strchr(prefix, '/') != NULL) {
		errno = EINVAL;
		return HUB_ERR_SYSTEM;
	}
	workdir_owner_tag(owner);
	n = snprintf(out, outlen, "%s/%s%s-XXXXXX", base, prefix, owner);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return HUB_ERR_TOO_LARGE;
	}
	if (workdir_mkdir_p(base) < 0 || mkdtemp(out) == NULL) {
		int e = errno;

		out[0] = '\0';
		errno = e;
		return HUB_ERR_SYSTEM;
	}
	return HUB_OK;
}

int
workdir_create_run(const char *base, const char *prefix, const char *const *subdirs,
    char *root, size_t len)
{
	char made[PATH_MAX], sub[PATH_MAX];
	size_t i;
	int rc, e;

	if (len > 0)
		root[0] = '\0';
	if ((rc = workdir_create(base, prefix, made, sizeof(made))) != HUB_OK)
		return rc;
	if (realpath(made, sub) == NULL || strlen(sub) >= len) {
		e = errno;
		(void)workdir_remove(made);
		errno = e;
		return HUB_ERR_SYSTEM;
	}
	snprintf(root, len, "%s", sub);
	for (i = 0; subdirs[i] != NULL; i++) {
		if (snprintf(sub, sizeof(sub), "%s/%s", root, subdirs[i]) >= (int)sizeof(sub) ||
		    mkdir(sub, 0700) < 0) {
			e = errno;
			(void)workdir_remove(root);
			root[0] = '\0';
			errno = e;
			return HUB_ERR_SYSTEM;
		}
	}
	return HUB_OK;
}

/* Remove name (relative to parent_fd) and, for a directory, all below it.
 * A missing entry counts as removed. 0 or -1 with errno (of the first
 * failure; the walk goes on past failures). */
static int
workdir_remove_at(int parent_fd, const char *name, int depth)
{
	struct stat sb;
	struct dirent *de;
	DIR *dir = NULL;
	int fd, rc = 0, first_errno = 0;

	if (fstatat(parent_fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode)) {
		if (unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT)
			return -1;
		return 0;
	}
	if (depth >= WORKDIR_MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	/* A directory the child made unreadable is still ours to empty. */
	if ((sb.st_mode & S_IRWXU) != S_IRWXU)
		(void)fchmodat(parent_fd, name, S_IRWXU, 0);
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if ((dir = fdopendir(fd)) == NULL) {
		first_errno = errno;
		(void)close(fd);
		errno = first_errno;
		return -1;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL) {
			if (errno != 0 && first_errno == 0)
				first_errno = errno;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (workdir_remove_at(dirfd(dir), de->d_name, depth + 1) < 0 &&
		    first_errno == 0)
			first_errno = errno;
	}
	(void)closedir(dir);
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
	    first_errno == 0)
		first_errno = errno;
	if (first_errno != 0) {
		errno = first_errno;
		rc = -1;
	}
	return rc;
}

int
workdir_remove(const char *path)
{
	if (path == NULL || path[0] == '\0') {
		errno = EINVAL;
		return HUB_ERR_SYSTEM;
	}
	return workdir_remove_at(AT_FDCWD, path, 0) < 0 ? HUB_ERR_SYSTEM : HUB_OK;
}

static int workdir_named_like_one(const char *name);

/*
 * Whether the entry name of base (a directory, lstat'ed as sb) is a work
 * directory to remove: "<prefix>-<pid>.<start>.<boot>-XXXXXX" whose owner
 * no longer runs (dead, or its pid now belongs to a later process, or made
 * in an earlier boot), or an old-style "<prefix>-XXXXXX" older than
 * WORKDIR_LEGACY_AGE_S.
 */
static int
workdir_is_orphan(const char *name, const struct stat *sb, const char *boot)
{
	unsigned long long start;
	const char *p, *tail;
	char dir_boot[16];
	size_t len;
	long pid;
	int used = 0;

	if (!S_ISDIR(sb->st_mode) || (p = strchr(name, '-')) == NULL)
		return 0;
	if (!workdir_named_like_one(name))
		return 0;
	p++;  /* every prefix ends at its first '-' */
	len = strlen(p);
	if (len == 6 && strchr(p, '.') == NULL)  /* made before owners were named */
		return time(NULL) - sb->st_mtime > WORKDIR_LEGACY_AGE_S;
	if (sscanf(p, "%ld.%llu.%15[0-9a-f]%n", &pid, &start, dir_boot, &used) != 3 || pid <= 0)
		return 0;
	tail = p + used;
	if (strlen(tail) != 7 || tail[0] != '-')
		return 0;
	if (strcmp(dir_boot, boot) != 0)
		return 1;  /* made before this boot: no process of then runs now */
	return workdir_owner_gone((pid_t)pid, start);
}

/* 1 when name starts like a work directory (of any owner, live or not). */
static int
workdir_named_like_one(const char *name)
{
	static const char *const prefixes[] = { "claude-", "gemini-", "generic-", "run-", "version-" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* workdir_sweep() of base, and with depth 1 of its other subdirectories
 * (a CLI's folder: STATE_DIR/gemini/run-...). */
static int
workdir_sweep_at(const char *base, int depth, const char *boot, int *removed)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *dir;
	int n, rc = HUB_OK;

	if ((dir = opendir(base)) == NULL)
		return HUB_ERR_SYSTEM;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		if (!workdir_named_like_one(de->d_name)) {
			if (depth > 0)
				(void)workdir_sweep_at(path, depth - 1, boot, removed);
			continue;
		}
		if (!workdir_is_orphan(de->d_name, &sb, boot))
			continue;
		if (workdir_remove(path) != HUB_OK)
			rc = HUB_ERR_SYSTEM;
		else if (removed != NULL)
			(*removed)++;
	}
	closedir(dir);
	return rc;
}

int
workdir_sweep(const char *base, int *removed)
{
	char boot[9];

	if (removed != NULL)
		*removed = 0;
	if (base == NULL)
		return HUB_ERR_SYSTEM;
	workdir_boot_id(boot);
	return workdir_sweep_at(base, 1, boot, removed);
}

int
workdir_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *p = data;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return HUB_ERR_SYSTEM;
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = HUB_ERR_SYSTEM;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0 && rc == 0)
		rc = HUB_ERR_SYSTEM;
	return rc;
}

int
workdir_read_file(const char *path, size_t max, struct hub_buf *b)
{
	char chunk[4096];
	struct stat st;
	ssize_t n;
	int fd, rc = 0;

	hub_buf_reset(b);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? HUB_ERR_NOT_FOUND : HUB_ERR_SYSTEM;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return HUB_ERR_SYSTEM;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = HUB_ERR_SYSTEM;
			break;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > max) {
			rc = HUB_ERR_TOO_LARGE;
			break;
		}
		if ((rc = hub_buf_append(b, chunk, (size_t)n)) != 0)
			break;
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	return rc;
}

int
workdir_mkdir_parents(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return HUB_ERR_TOO_LARGE;
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return HUB_ERR_SYSTEM;
		*p = '/';
	}
	return 0;
}
