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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/hub_error.h"
#include "providers/workdir.h"

/* Deepest directory nesting workdir_remove() descends into (each level
 * holds one descriptor open). */
#define WORKDIR_MAX_DEPTH  128

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
workdir_create(const char *base, const char *prefix, char *out, size_t outlen)
{
	int n;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (base == NULL || prefix == NULL || out == NULL || strchr(prefix, '/') != NULL) {
		errno = EINVAL;
		return HUB_ERR_SYSTEM;
	}
	n = snprintf(out, outlen, "%s/%sXXXXXX", base, prefix);
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
